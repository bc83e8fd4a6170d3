"""The catalogue of scorecard questions, in the project's own words (English and Russian).

The structure follows the UNDRR *Disaster Resilience Scorecard for Cities* (2017, MCR2030):
the Ten Essentials; a **preliminary** level of 47 questions scored 0–3 and a **detailed** level
of 117 criteria scored 0–5. The wording here is carlcities' own paraphrase of what each item
asks about — it is not the official text. Cities that hold the official workbook can import it
(:func:`carlcities.scorecard.io.read_workbook`): answers are matched by question id.

Ids: ``P<essential>.<n>`` (preliminary, e.g. ``P2.1``) and ``D<essential>.<topic>.<n>``
(detailed, e.g. ``D2.1.3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..errors import ScorecardError

__all__ = [
    "ESSENTIALS", "LEVELS", "SCALE", "Essential", "Question", "essential", "question",
    "questions",
]

#: level -> highest score of an answer
LEVELS: dict[str, int] = {"preliminary": 3, "detailed": 5}


@dataclass(frozen=True)
class Essential:
    """One of the Ten Essentials for Making Cities Resilient."""

    number: int
    name_en: str
    name_ru: str
    short_en: str
    short_ru: str


ESSENTIALS: tuple[Essential, ...] = (
    Essential(1, "Organise for disaster resilience", "Организация работы по устойчивости",
              "Organisation", "Организация"),
    Essential(2, "Identify, understand and use current and future risk scenarios",
              "Выявление, понимание и использование сценариев текущих и будущих рисков",
              "Risk scenarios", "Сценарии рисков"),
    Essential(3, "Strengthen financial capacity for resilience",
              "Укрепление финансового потенциала для устойчивости", "Finance", "Финансы"),
    Essential(4, "Pursue resilient urban development and design",
              "Устойчивое градостроительство и проектирование", "Urban development",
              "Градостроительство"),
    Essential(5, "Safeguard natural buffers to enhance the protective functions of ecosystems",
              "Сохранение природных буферов и защитных функций экосистем", "Natural buffers",
              "Природные буферы"),
    Essential(6, "Strengthen institutional capacity for resilience",
              "Укрепление институционального потенциала", "Institutional capacity",
              "Институциональный потенциал"),
    Essential(7, "Understand and strengthen societal capacity for resilience",
              "Понимание и укрепление потенциала общества", "Societal capacity",
              "Потенциал общества"),
    Essential(8, "Increase infrastructure resilience", "Повышение устойчивости инфраструктуры",
              "Infrastructure", "Инфраструктура"),
    Essential(9, "Ensure effective disaster response",
              "Обеспечение эффективного реагирования на бедствия", "Response", "Реагирование"),
    Essential(10, "Expedite recovery and build back better",
              "Ускорение восстановления и «лучше, чем было»", "Recovery", "Восстановление"),
)

#: level -> score -> (meaning in English, in Russian); the general reading of each score
SCALE: dict[str, dict[int, tuple[str, str]]] = {
    "preliminary": {
        0: ("nothing in place", "ничего не сделано"),
        1: ("some elements exist, with large gaps", "есть отдельные элементы, много пробелов"),
        2: ("mostly in place, some gaps remain", "в основном сделано, есть пробелы"),
        3: ("fully in place and working", "полностью сделано и работает"),
    },
    "detailed": {
        0: ("absent", "отсутствует"),
        1: ("planned or begun in a small part", "запланировано или начато в малой части"),
        2: ("partly in place, large gaps", "частично, крупные пробелы"),
        3: ("in place for about half of what is needed", "примерно наполовину"),
        4: ("mostly in place, minor gaps", "в основном, мелкие пробелы"),
        5: ("complete, tested and kept up to date", "полностью, проверено и актуально"),
    },
}


@dataclass(frozen=True)
class Question:
    """One scorecard item: ``id``, ``level``, Essential, topic, wording and highest score."""

    id: str
    level: str
    essential: int
    topic_en: str
    topic_ru: str
    text_en: str
    text_ru: str

    @property
    def max_score(self) -> int:
        return LEVELS[self.level]


# --------------------------------------------------------------------------- preliminary (47)
# essential -> [(topic_en, topic_ru, question_en, question_ru), ...]; ids P<e>.<n> in order
_PRELIMINARY: dict[int, list[tuple[str, str, str, str]]] = {
    1: [
        ("Plan making", "Планирование",
         "Does the city's master plan or strategy address disaster risk, drawing on a current "
         "risk assessment?",
         "Учитывает ли генеральный план или стратегия города риск бедствий на основе актуальной "
         "оценки рисков?"),
        ("Organisation and coordination", "Организация и координация",
         "Is there one body, with clear authority and resources, that coordinates disaster "
         "risk reduction across city departments and partners?",
         "Есть ли единый орган с ясными полномочиями и ресурсами, координирующий снижение риска "
         "бедствий между службами города и партнёрами?"),
        ("Integration", "Интеграция",
         "Is resilience checked routinely in the city's policy, budget and investment "
         "decisions?",
         "Проверяется ли устойчивость регулярно при принятии решений о политике, бюджете и "
         "инвестициях города?"),
    ],
    2: [
        ("Hazard assessment", "Оценка опасностей",
         "Does the city know its main hazards, how likely they are and how they may change "
         "with the climate?",
         "Знает ли город свои основные опасности, их вероятность и изменение с климатом?"),
        ("Exposure and vulnerability", "Подверженность и уязвимость",
         "Are the people, buildings and assets exposed to each hazard, and how vulnerable they "
         "are, known and mapped?",
         "Известны ли и нанесены ли на карту люди, здания и объекты, подверженные каждой "
         "опасности, и их уязвимость?"),
        ("Cascading impacts", "Каскадные последствия",
         "Are knock-on failures between infrastructure systems understood for the likely "
         "scenarios?",
         "Понятны ли цепные отказы между системами инфраструктуры для вероятных сценариев?"),
        ("Risk maps and their use", "Карты рисков и их использование",
         "Are risk maps kept up to date, shared openly and used in planning decisions?",
         "Обновляются ли карты рисков, доступны ли они и используются ли при планировании?"),
    ],
    3: [
        ("Financial plan", "Финансовый план",
         "Does the city know what resilience costs and have a plan to pay for it?",
         "Знает ли город стоимость мер по устойчивости и есть ли план их финансирования?"),
        ("Budget for resilience", "Бюджет на устойчивость",
         "Is money set aside in the budget for risk reduction measures, protected from "
         "reallocation?",
         "Выделены ли в бюджете средства на снижение риска, защищённые от перераспределения?"),
        ("Contingency funds", "Резервные фонды",
         "Can the city draw on emergency funds quickly after a disaster?",
         "Может ли город быстро получить резервные средства после бедствия?"),
        ("Insurance", "Страхование",
         "How much of the city's housing, businesses and public assets is insured against the "
         "main hazards?",
         "Какая доля жилья, предприятий и муниципального имущества застрахована от основных "
         "опасностей?"),
        ("Incentives", "Стимулы",
         "Are there incentives for households and businesses to reduce their own risk?",
         "Есть ли стимулы для домохозяйств и бизнеса снижать собственный риск?"),
    ],
    4: [
        ("Land use and zoning", "Землепользование и зонирование",
         "Is land use zoned according to the risk maps, and is building kept out of the most "
         "dangerous areas?",
         "Учитывает ли зонирование карты рисков и запрещена ли застройка в самых опасных "
         "местах?"),
        ("New development", "Новое строительство",
         "Do new neighbourhoods and major projects have to show that they are designed for "
         "the local hazards?",
         "Должны ли новые районы и крупные проекты доказывать учёт местных опасностей?"),
        ("Building codes", "Строительные нормы",
         "Are the building codes current for the city's hazards, including seismic design?",
         "Соответствуют ли строительные нормы опасностям города, включая сейсмостойкость?"),
        ("Enforcement", "Контроль исполнения",
         "Are the codes enforced through permits and inspections, including for informal "
         "building?",
         "Соблюдаются ли нормы через разрешения и проверки, в том числе для самовольной "
         "застройки?"),
    ],
    5: [
        ("Ecosystem services", "Экосистемные услуги",
         "Are rivers, wetlands, slopes and green areas that protect the city identified, and "
         "is their protective role valued?",
         "Выявлены ли реки, водно-болотные угодья, склоны и зелёные зоны, защищающие город, и "
         "оценена ли их защитная роль?"),
        ("Green and blue infrastructure", "Зелёная и голубая инфраструктура",
         "Are natural buffers protected and extended in plans, also beyond the city limits?",
         "Сохраняются ли и расширяются ли природные буферы в планах, в том числе за границей "
         "города?"),
    ],
    6: [
        ("Skills and experience", "Навыки и опыт",
         "Do city staff and partners have the skills needed for risk assessment, planning and "
         "response?",
         "Есть ли у сотрудников города и партнёров навыки оценки рисков, планирования и "
         "реагирования?"),
        ("Public education", "Просвещение населения",
         "Is there a sustained campaign that tells residents about their risks and what to do?",
         "Ведётся ли постоянная работа по информированию жителей о рисках и действиях?"),
        ("Data sharing", "Обмен данными",
         "Do agencies share risk and asset data with each other through agreed channels?",
         "Обмениваются ли ведомства данными о рисках и объектах по согласованным каналам?"),
        ("Training", "Обучение",
         "Are regular training and exercises delivered to staff, schools and volunteers?",
         "Проводятся ли регулярные занятия и учения для сотрудников, школ и волонтёров?"),
        ("Learning from others", "Обмен опытом",
         "Does the city learn from past events and from other cities, and act on it?",
         "Извлекает ли город уроки из прошлых событий и опыта других городов?"),
    ],
    7: [
        ("Community groups", "Местные сообщества",
         "Are neighbourhood and community groups organised and involved in preparedness?",
         "Организованы ли соседские и общественные группы и участвуют ли они в подготовке?"),
        ("Vulnerable groups", "Уязвимые группы",
         "Are the needs of elderly, disabled, poor and migrant residents known and planned "
         "for?",
         "Известны ли и учтены ли в планах потребности пожилых, инвалидов, бедных и мигрантов?"),
        ("Business continuity", "Непрерывность бизнеса",
         "Do businesses, large and small, have continuity plans?",
         "Есть ли у крупных и малых предприятий планы непрерывности деятельности?"),
        ("Citizen engagement", "Участие граждан",
         "Can residents take part in risk decisions and receive warnings through several "
         "channels?",
         "Могут ли жители участвовать в решениях о рисках и получать оповещения по разным "
         "каналам?"),
    ],
    8: [
        ("Critical infrastructure overview", "Критическая инфраструктура в целом",
         "Is there a shared plan, agreed with the utilities, to keep critical infrastructure "
         "working?",
         "Есть ли общий с коммунальными службами план сохранения работы критической "
         "инфраструктуры?"),
        ("Protective infrastructure", "Защитные сооружения",
         "Are dams, levees, mudflow barriers and drains designed for the expected hazards and "
         "maintained?",
         "Рассчитаны ли плотины, дамбы, селезащитные сооружения и ливнёвки на ожидаемые "
         "опасности и обслуживаются ли они?"),
        ("Water supply", "Водоснабжение",
         "How long would drinking water supply be lost in the worst scenario?",
         "Как долго не будет питьевой воды при самом тяжёлом сценарии?"),
        ("Sanitation", "Водоотведение",
         "How long would sewerage and wastewater treatment be lost in the worst scenario?",
         "Как долго не будет работать канализация и очистка стоков при самом тяжёлом "
         "сценарии?"),
        ("Energy", "Энергоснабжение",
         "How long would power, gas and district heating be lost in the worst scenario?",
         "Как долго не будет электричества, газа и теплоснабжения при самом тяжёлом сценарии?"),
        ("Communications", "Связь",
         "Would telephone, mobile and internet services keep working or recover quickly?",
         "Сохранится ли или быстро восстановится телефонная, мобильная связь и интернет?"),
        ("Transport", "Транспорт",
         "Would roads, bridges, rail and the airport stay usable for evacuation and supplies?",
         "Останутся ли дороги, мосты, железная дорога и аэропорт пригодными для эвакуации и "
         "снабжения?"),
        ("Health care", "Здравоохранение",
         "Would hospitals and clinics keep working and cope with the casualties?",
         "Продолжат ли больницы и поликлиники работу и справятся ли с пострадавшими?"),
        ("Education facilities", "Учебные заведения",
         "Are schools and kindergartens safe, and how soon could teaching resume?",
         "Безопасны ли школы и детские сады и как скоро возобновятся занятия?"),
        ("First responder assets", "Ресурсы экстренных служб",
         "Are fire, rescue, police and ambulance buildings, vehicles and equipment safe and "
         "sufficient?",
         "Безопасны ли и достаточны ли здания, техника и оборудование пожарных, спасателей, "
         "полиции и скорой помощи?"),
        ("Government continuity", "Непрерывность управления",
         "Could the city administration keep running, with its records safe?",
         "Сможет ли администрация города продолжать работу, сохранив свои данные?"),
    ],
    9: [
        ("Early warning", "Раннее оповещение",
         "Does an early warning system reach the whole population in time to act?",
         "Охватывает ли система раннего оповещения всё население вовремя?"),
        ("Response plans", "Планы реагирования",
         "Is there an emergency plan, tested and known to all agencies, for each main "
         "scenario?",
         "Есть ли проверенный и известный всем ведомствам план действий для каждого основного "
         "сценария?"),
        ("Staffing and volunteers", "Персонал и волонтёры",
         "Are there enough trained responders and volunteers for the worst scenario?",
         "Достаточно ли обученных спасателей и волонтёров для самого тяжёлого сценария?"),
        ("Equipment and supplies", "Оборудование и запасы",
         "Are equipment and relief supplies stocked for the worst scenario?",
         "Созданы ли запасы оборудования и предметов первой необходимости на худший случай?"),
        ("Food, shelter and fuel", "Питание, жильё и топливо",
         "Could food, temporary shelter and fuel be provided to everyone displaced?",
         "Можно ли обеспечить всех пострадавших едой, временным жильём и топливом?"),
        ("Interoperability and drills", "Взаимодействие и учения",
         "Do agencies and neighbouring areas train together and can their systems work "
         "together?",
         "Проводят ли ведомства и соседние территории совместные учения, совместимы ли их "
         "системы?"),
    ],
    10: [
        ("Recovery planning", "Планирование восстановления",
         "Is there a recovery plan, made before any disaster, that says who does what?",
         "Есть ли заранее подготовленный план восстановления с распределением обязанностей?"),
        ("Build back better", "«Лучше, чем было»",
         "Would reconstruction reduce risk rather than rebuild it as it was?",
         "Будет ли восстановление снижать риск, а не воспроизводить прежний?"),
        ("Economic and social recovery", "Экономическое и социальное восстановление",
         "Are there arrangements to restore livelihoods, businesses and services quickly?",
         "Предусмотрено ли быстрое восстановление доходов, бизнеса и услуг?"),
    ],
}

# --------------------------------------------------------------------------- detailed (117)
# essential -> [(topic_en, topic_ru, [(criterion_en, criterion_ru), ...]), ...]
_DETAILED: dict[int, list[tuple[str, str, list[tuple[str, str]]]]] = {
    1: [
        ("Plan making", "Планирование", [
            ("Resilience goals are written into the city plan", "Цели устойчивости включены в "
             "план города"),
            ("The plan was prepared with all departments and stakeholders",
             "План подготовлен со всеми службами и заинтересованными сторонами"),
            ("The plan is reviewed at a fixed interval", "План пересматривается в "
             "установленные сроки"),
        ]),
        ("Organisation and coordination", "Организация и координация", [
            ("A lead body for risk reduction has authority and staff",
             "Ведущий орган по снижению риска имеет полномочия и штат"),
            ("Roles of departments and agencies are written down",
             "Роли служб и ведомств закреплены документально"),
            ("Utilities and the private sector sit on the coordinating body",
             "Коммунальные службы и бизнес входят в координационный орган"),
            ("Civil society and academia are involved", "Вовлечены общественные организации и "
             "наука"),
        ]),
        ("Integration", "Интеграция", [
            ("Risk is considered in every major policy decision",
             "Риск учитывается в каждом крупном решении"),
            ("Progress on resilience is reported in public each year",
             "Отчёт о прогрессе в устойчивости публикуется ежегодно"),
            ("Resilience is part of staff job descriptions", "Устойчивость входит в "
             "должностные обязанности"),
        ]),
    ],
    2: [
        ("Hazard assessment", "Оценка опасностей", [
            ("Each main hazard is described with its likelihood", "Каждая опасность описана с "
             "вероятностью"),
            ("A most probable and a most severe scenario exist for each hazard",
             "Для каждой опасности есть наиболее вероятный и наиболее тяжёлый сценарий"),
            ("Climate change is included in the scenarios", "Изменение климата учтено в "
             "сценариях"),
            ("The hazard assessment is peer reviewed", "Оценка опасностей прошла внешнюю "
             "экспертизу"),
        ]),
        ("Exposure and vulnerability", "Подверженность и уязвимость", [
            ("Population exposure is mapped for each scenario",
             "Подверженность населения нанесена на карту для каждого сценария"),
            ("Building stock is classed by vulnerability", "Здания классифицированы по "
             "уязвимости"),
            ("Critical assets are listed with their exposure", "Критические объекты "
             "перечислены с их подверженностью"),
            ("Losses are estimated for each scenario", "Потери оценены для каждого "
             "сценария"),
        ]),
        ("Cascading impacts", "Каскадные последствия", [
            ("Dependencies between infrastructure systems are mapped",
             "Взаимозависимости систем инфраструктуры описаны"),
            ("Cascading failures are included in the scenarios", "Цепные отказы включены в "
             "сценарии"),
        ]),
        ("Risk maps and their use", "Карты рисков и их использование", [
            ("Risk maps are updated at least every five years", "Карты рисков обновляются не "
             "реже раза в пять лет"),
            ("Risk maps are published and easy to use", "Карты рисков опубликованы и удобны"),
        ]),
    ],
    3: [
        ("Financial plan", "Финансовый план", [
            ("The cost of resilience actions is estimated", "Стоимость мер по устойчивости "
             "оценена"),
            ("Funding sources are identified for each action", "Для каждой меры определены "
             "источники"),
            ("Benefits of risk reduction are counted in appraisals",
             "Выгоды снижения риска учитываются в оценках проектов"),
        ]),
        ("Budget for resilience", "Бюджет на устойчивость", [
            ("A budget line exists for risk reduction", "В бюджете есть статья на снижение "
             "риска"),
            ("The budget line is protected from cuts", "Статья защищена от сокращений"),
        ]),
        ("Contingency funds", "Резервные фонды", [
            ("A contingency fund of known size exists", "Есть резервный фонд известного "
             "размера"),
            ("Funds can be released within days", "Средства выделяются в течение нескольких "
             "дней"),
        ]),
        ("Insurance", "Страхование", [
            ("Public assets are insured", "Муниципальное имущество застраховано"),
            ("Household and business insurance cover is known", "Известен охват страхованием "
             "жилья и бизнеса"),
        ]),
        ("Incentives", "Стимулы", [
            ("Incentives reward risk reduction by owners", "Стимулы поощряют снижение риска "
             "владельцами"),
        ]),
    ],
    4: [
        ("Land use and zoning", "Землепользование и зонирование", [
            ("Zoning uses the current risk maps", "Зонирование основано на актуальных картах "
             "рисков"),
            ("Building is restricted in high-risk zones", "Строительство в зонах высокого "
             "риска ограничено"),
            ("Zoning is reviewed when risk maps change", "Зонирование пересматривается при "
             "изменении карт"),
        ]),
        ("New development", "Новое строительство", [
            ("Major projects carry a risk statement", "Крупные проекты содержат оценку "
             "риска"),
            ("Drainage and open space are required in new districts",
             "В новых районах обязательны водоотвод и открытые пространства"),
            ("Informal settlements have an upgrading plan", "Для самовольной застройки есть "
             "план благоустройства"),
        ]),
        ("Building codes", "Строительные нормы", [
            ("Codes cover every main hazard", "Нормы охватывают все основные опасности"),
            ("Seismic provisions match the current hazard map", "Сейсмические требования "
             "соответствуют карте"),
        ]),
        ("Enforcement", "Контроль исполнения", [
            ("Permits check compliance with the codes", "Разрешения проверяют соответствие "
             "нормам"),
            ("Inspections happen during construction", "Проверки проводятся во время "
             "строительства"),
            ("Existing vulnerable buildings are being strengthened",
             "Ведётся усиление существующих уязвимых зданий"),
        ]),
    ],
    5: [
        ("Ecosystem services", "Экосистемные услуги", [
            ("Protective ecosystems are mapped", "Защитные экосистемы нанесены на карту"),
            ("Their condition is monitored", "Их состояние отслеживается"),
            ("Their protective value is estimated", "Их защитная ценность оценена"),
            ("Ecosystem health is reported", "О состоянии экосистем публикуются отчёты"),
        ]),
        ("Green and blue infrastructure", "Зелёная и голубая инфраструктура", [
            ("Plans protect river corridors and flood plains", "Планы защищают речные "
             "коридоры и поймы"),
            ("Green infrastructure is part of new projects", "Зелёная инфраструктура входит "
             "в новые проекты"),
            ("Slopes and catchments upstream are managed", "Склоны и водосборы выше города "
             "управляются"),
            ("Agreements with neighbouring areas protect shared ecosystems",
             "Соглашения с соседями защищают общие экосистемы"),
        ]),
    ],
    6: [
        ("Skills and experience", "Навыки и опыт", [
            ("Skills needed for each scenario are listed", "Навыки для каждого сценария "
             "перечислены"),
            ("Gaps in skills are being filled", "Пробелы в навыках устраняются"),
            ("Specialist staff are retained", "Специалисты удерживаются"),
        ]),
        ("Public education", "Просвещение населения", [
            ("A public awareness campaign runs every year", "Ежегодно проводится "
             "информационная кампания"),
            ("Messages reach every language group", "Сообщения доходят до всех языковых "
             "групп"),
            ("Awareness is measured", "Осведомлённость измеряется"),
        ]),
        ("Data sharing", "Обмен данными", [
            ("Agencies share data under agreements", "Ведомства обмениваются данными по "
             "соглашениям"),
            ("A common platform holds risk data", "Данные о рисках на общей платформе"),
        ]),
        ("Training", "Обучение", [
            ("Staff are trained every year", "Сотрудники обучаются ежегодно"),
            ("Schools run drills", "Школы проводят учения"),
        ]),
        ("Learning from others", "Обмен опытом", [
            ("Lessons from past events are recorded", "Уроки прошлых событий записаны"),
            ("The city takes part in city networks", "Город участвует в сетях городов"),
        ]),
    ],
    7: [
        ("Community groups", "Местные сообщества", [
            ("Neighbourhood groups exist in every district", "Соседские группы есть в каждом "
             "районе"),
            ("Groups have emergency roles and training", "Группы имеют роли и обучение на "
             "случай ЧС"),
            ("Groups take part in exercises", "Группы участвуют в учениях"),
        ]),
        ("Vulnerable groups", "Уязвимые группы", [
            ("Vulnerable residents are registered with consent",
             "Уязвимые жители учтены с их согласия"),
            ("Evacuation plans cover people with limited mobility",
             "Планы эвакуации учитывают маломобильных"),
        ]),
        ("Business continuity", "Непрерывность бизнеса", [
            ("Large employers have tested continuity plans", "У крупных работодателей есть "
             "проверенные планы"),
            ("Small businesses get continuity guidance", "Малый бизнес получает "
             "рекомендации"),
        ]),
        ("Citizen engagement", "Участие граждан", [
            ("Residents are consulted on risk plans", "С жителями обсуждают планы"),
            ("Warnings use several channels", "Оповещение идёт по нескольким каналам"),
            ("Feedback from residents is acted upon", "Отзывы жителей учитываются"),
        ]),
    ],
    8: [
        ("Critical infrastructure overview", "Критическая инфраструктура в целом", [
            ("Critical assets are listed with owners", "Критические объекты перечислены с "
             "владельцами"),
            ("A forum with utilities meets regularly", "Регулярно собирается форум с "
             "коммунальными службами"),
        ]),
        ("Protective infrastructure", "Защитные сооружения", [
            ("Protective works match the scenarios", "Защитные сооружения соответствуют "
             "сценариям"),
            ("Protective works are inspected and maintained", "Сооружения осматриваются и "
             "обслуживаются"),
        ]),
        ("Water supply", "Водоснабжение", [
            ("Service loss in the worst scenario is estimated", "Оценена потеря услуги при "
             "худшем сценарии"),
            ("Emergency water supply is planned", "Аварийное водоснабжение "
             "предусмотрено"),
        ]),
        ("Sanitation", "Водоотведение", [
            ("Service loss in the worst scenario is estimated", "Оценена потеря услуги при "
             "худшем сценарии"),
            ("Emergency sanitation is planned", "Аварийная санитария предусмотрена"),
        ]),
        ("Energy", "Энергоснабжение", [
            ("Power loss in the worst scenario is estimated", "Оценена потеря "
             "электроснабжения"),
            ("Heating in winter emergencies is planned", "Теплоснабжение зимой при ЧС "
             "предусмотрено"),
            ("Critical sites have backup power", "У критических объектов есть резервное "
             "питание"),
        ]),
        ("Communications", "Связь", [
            ("Network loss in the worst scenario is estimated", "Оценена потеря связи"),
            ("Emergency services have resilient radio", "У экстренных служб есть надёжная "
             "радиосвязь"),
        ]),
        ("Transport", "Транспорт", [
            ("Critical routes and bridges are assessed", "Оценены важнейшие маршруты и "
             "мосты"),
            ("Evacuation routes are marked and kept clear", "Маршруты эвакуации обозначены и "
             "свободны"),
        ]),
        ("Health care", "Здравоохранение", [
            ("Hospitals are built or strengthened for the hazards",
             "Больницы построены или усилены с учётом опасностей"),
            ("Surge capacity for casualties is planned", "Предусмотрен резерв коек для "
             "пострадавших"),
        ]),
        ("Education facilities", "Учебные заведения", [
            ("School buildings are assessed for safety", "Здания школ проверены на "
             "безопасность"),
            ("Plans exist to resume teaching quickly", "Есть планы быстрого возобновления "
             "занятий"),
        ]),
        ("First responder assets", "Ресурсы экстренных служб", [
            ("Responder buildings are safe", "Здания экстренных служб безопасны"),
            ("Vehicles and equipment meet the worst scenario", "Техника и оборудование "
             "достаточны"),
        ]),
        ("Government continuity", "Непрерывность управления", [
            ("Records and IT are backed up off site", "Данные и ИТ резервируются вне "
             "здания"),
        ]),
    ],
    9: [
        ("Early warning", "Раннее оповещение", [
            ("Warnings cover every main hazard", "Оповещение охватывает все опасности"),
            ("Warnings reach the population in time", "Оповещение доходит вовремя"),
            ("The warning system is tested", "Система оповещения проверяется"),
        ]),
        ("Response plans", "Планы реагирования", [
            ("A plan exists for each scenario", "Для каждого сценария есть план"),
            ("The plan is known to every agency", "План известен всем ведомствам"),
        ]),
        ("Staffing and volunteers", "Персонал и волонтёры", [
            ("Responder numbers meet the worst scenario", "Численность спасателей "
             "достаточна"),
            ("Volunteers are registered and trained", "Волонтёры учтены и обучены"),
        ]),
        ("Equipment and supplies", "Оборудование и запасы", [
            ("Stocks match the worst scenario", "Запасы соответствуют худшему сценарию"),
            ("Agreements with suppliers exist", "Есть соглашения с поставщиками"),
        ]),
        ("Food, shelter and fuel", "Питание, жильё и топливо", [
            ("Shelter places are enough for the displaced", "Мест временного размещения "
             "достаточно"),
            ("Food and fuel for the displaced are planned", "Питание и топливо "
             "предусмотрены"),
        ]),
        ("Interoperability and drills", "Взаимодействие и учения", [
            ("Joint exercises are held every year", "Совместные учения проводятся "
             "ежегодно"),
            ("Command systems are compatible", "Системы управления совместимы"),
        ]),
    ],
    10: [
        ("Recovery planning", "Планирование восстановления", [
            ("A recovery plan exists before any event", "План восстановления подготовлен "
             "заранее"),
            ("Roles in recovery are assigned", "Роли в восстановлении распределены"),
            ("Damage assessment procedures are ready", "Порядок оценки ущерба готов"),
        ]),
        ("Build back better", "«Лучше, чем было»", [
            ("Reconstruction must meet current codes", "Восстановление по действующим "
             "нормам"),
            ("High-risk sites are not rebuilt", "На опасных местах не строят заново"),
            ("Lessons are fed into the plans", "Уроки вносятся в планы"),
        ]),
        ("Economic and social recovery", "Экономическое и социальное восстановление", [
            ("Support for livelihoods is planned", "Поддержка доходов предусмотрена"),
            ("Psychosocial support is planned", "Психосоциальная поддержка "
             "предусмотрена"),
            ("Services are restored in a set order", "Услуги восстанавливаются в "
             "установленном порядке"),
        ]),
    ],
}


@cache
def _catalogue() -> dict[str, tuple[Question, ...]]:
    prelim = tuple(
        Question(f"P{e}.{k}", "preliminary", e, t_en, t_ru, q_en, q_ru)
        for e, items in _PRELIMINARY.items()
        for k, (t_en, t_ru, q_en, q_ru) in enumerate(items, start=1))
    detailed = tuple(
        Question(f"D{e}.{ti}.{k}", "detailed", e, t_en, t_ru, c_en, c_ru)
        for e, topics in _DETAILED.items()
        for ti, (t_en, t_ru, crit) in enumerate(topics, start=1)
        for k, (c_en, c_ru) in enumerate(crit, start=1))
    return {"preliminary": prelim, "detailed": detailed}


@cache
def _by_id() -> dict[str, Question]:
    return {q.id: q for qs in _catalogue().values() for q in qs}


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ScorecardError(f"unknown scorecard level {level!r}",
                             fix="use 'preliminary' (47 questions, 0-3) or 'detailed' "
                                 "(117 criteria, 0-5)")
    return level


def questions(level: str = "preliminary", essential: int | None = None) -> tuple[Question, ...]:
    """The questions of a level (``preliminary`` or ``detailed``), optionally of one Essential."""
    qs = _catalogue()[_check_level(level)]
    return qs if essential is None else tuple(q for q in qs if q.essential == essential)


def question(qid: str) -> Question:
    """The question with this id; raises :class:`ScorecardError` naming near ids."""
    key = qid.strip().upper()
    if key in _by_id():
        return _by_id()[key]
    import difflib

    near = difflib.get_close_matches(key, list(_by_id()), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    raise ScorecardError(f"unknown question id {qid!r}",
                         fix=f"{hint}ids look like P2.1 (preliminary) or D2.1.3 (detailed); "
                             "`carlcities scorecard template` lists them all")


def is_question(qid: str) -> bool:
    return qid.strip().upper() in _by_id()


def essential(number: int) -> Essential:
    """Essential ``number`` (1–10)."""
    if not 1 <= number <= 10:
        raise ScorecardError(f"there is no Essential {number}", fix="Essentials are 1 to 10")
    return ESSENTIALS[number - 1]
