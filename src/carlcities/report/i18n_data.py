"""Russian names of the codes the engines write into the store (GHG sectors and gases, proxy
labels, notation keys, recommendation bodies and confidence, run states, climate scenarios)
and the UI strings of the summary pages, the data links and the PDF.

The store keeps its ids (``stationary``, ``on_road``, ``NE``); pages show names. A code that
is not listed here is shown as itself inside ``<code>``, so a new code is visible as a code,
never as an untranslated English word.
"""

from __future__ import annotations

from . import i18n

__all__ = ["CODES", "code_name"]

CODES: dict[str, dict[str, tuple[str, str]]] = {
    "sector": {
        "stationary": ("Stationary energy", "Стационарная энергетика"),
        "transport": ("Transport", "Транспорт"),
        "waste": ("Waste", "Отходы"),
        "ippu": ("Industrial processes", "Промышленные процессы"),
        "afolu": ("Agriculture, forestry, land use",
                  "Сельское, лесное хозяйство, землепользование"),
    },
    "subsector": {
        "residential": ("residential buildings", "жилые здания"),
        "commercial": ("commercial and institutional buildings",
                       "коммерческие и общественные здания"),
        "manufacturing": ("manufacturing and construction", "промышленность и строительство"),
        "energy_industries": ("energy industries", "энергетические предприятия"),
        "agriculture": ("agriculture, forestry and fishing", "сельское, лесное и рыбное хозяйство"),
        "non_specified": ("non-specified sources", "прочие источники"),
        "fugitive_coal": ("fugitive emissions, coal", "утечки при добыче угля"),
        "fugitive_oil_gas": ("fugitive emissions, oil and gas", "утечки в нефтегазовых системах"),
        "on_road": ("on-road", "автомобильный"), "rail": ("railways", "железнодорожный"),
        "waterborne": ("waterborne navigation", "водный"), "aviation": ("aviation", "воздушный"),
        "off_road": ("off-road", "внедорожный"),
        "solid": ("solid waste disposal", "захоронение твёрдых отходов"),
        "biological": ("biological treatment", "биологическая переработка"),
        "incineration": ("incineration and open burning", "сжигание отходов"),
        "wastewater": ("wastewater", "сточные воды"),
    },
    "vehicle": {"car": ("cars", "легковые"), "bus": ("buses", "автобусы"),
                "truck": ("trucks", "грузовые"), "motorcycle": ("motorcycles", "мотоциклы")},
    "gas": {"CO2": ("CO₂", "CO₂"), "CH4": ("CH₄", "CH₄"), "N2O": ("N₂O", "N₂O"),
            "CO2e": ("CO₂e", "CO₂-экв.")},
    "notation": {"NE": ("NE, not estimated", "NE — не оценено"),
                 "IE": ("IE, included elsewhere", "IE — учтено в другой категории"),
                 "NO": ("NO, not occurring", "NO — не происходит"),
                 "NA": ("NA, not applicable", "NA — не применимо"),
                 "C": ("C, confidential", "C — конфиденциально")},
    "level": {"regional": ("regional default", "региональное значение"),
              "country": ("country", "по стране"), "fitted": ("fitted", "подобрано по данным"),
              "city": ("city", "город")},
    "stands_for": {
        "CHP efficiency": ("CHP efficiency", "КПД ТЭЦ"),
        "CHP heat-to-power ratio": ("CHP heat-to-power ratio",
                                    "отношение тепловой и электрической мощности ТЭЦ"),
        "CHP share of district heat": ("CHP share of district heat",
                                       "доля ТЭЦ в централизованном теплоснабжении"),
        "action costs": ("action costs", "затраты на меры"),
        "boiler efficiency": ("boiler efficiency", "КПД котельных"),
        "building heights": ("building heights", "этажность зданий"),
        "bus energy use": ("bus energy use", "расход энергии автобусами"),
        "bus fleet": ("bus fleet", "автобусный парк"),
        "bus fuels": ("bus fuels", "топливо автобусов"),
        "car energy use": ("car energy use", "расход энергии легковыми автомобилями"),
        "car fuels": ("car fuels", "топливо легковых автомобилей"),
        "car ownership": ("car ownership", "автомобилизация"),
        "climate normal": ("climate normal", "климатическая норма"),
        "collection coverage": ("collection coverage", "охват вывозом отходов"),
        "commercial floor area": ("commercial floor area", "площадь коммерческих зданий"),
        "commercial share of electricity": ("commercial share of electricity",
                                            "доля коммерческого сектора в электропотреблении"),
        "distance per bus": ("distance per bus", "годовой пробег автобуса"),
        "distance per car": ("distance per car", "годовой пробег легкового автомобиля"),
        "district heating fuel": ("district heating fuel", "топливо теплоснабжения"),
        "district heating losses": ("district heating losses", "потери в тепловых сетях"),
        "district heating share": ("district heating share",
                                   "доля централизованного теплоснабжения"),
        "electricity consumption": ("electricity consumption", "потребление электроэнергии"),
        "floor-area use split": ("floor-area use split",
                                 "распределение площади по назначению"),
        "heat demand intensity": ("heat demand intensity", "удельное теплопотребление"),
        "heater efficiency": ("heater efficiency", "КПД индивидуальных отопителей"),
        "heating degree days": ("heating degree days", "градусо-сутки отопительного периода"),
        "individual heating fuels": ("individual heating fuels",
                                     "топливо индивидуального отопления"),
        "intensity of newer floor area": ("intensity of newer floor area",
                                          "теплопотребление новых зданий"),
        "landfilled share": ("landfilled share", "доля захоронения отходов"),
        "manufacturing fuel combustion": ("manufacturing fuel combustion",
                                          "сжигание топлива в промышленности"),
        "manufacturing share of electricity": ("manufacturing share of electricity",
                                               "доля промышленности в электропотреблении"),
        "pathway driver": ("pathway driver", "параметр траектории"),
        "residential floor area": ("residential floor area", "площадь жилья"),
        "residential share of electricity": ("residential share of electricity",
                                             "доля населения в электропотреблении"),
        "street lighting": ("street lighting", "уличное освещение"),
        "waste generation": ("waste generation", "образование отходов"),
        "BAU urban form": ("BAU urban form", "городская форма при инерционном сценарии"),
    },
    "body": {"city": ("city administration", "городская администрация"),
             "ministry": ("national ministry", "профильное министерство"),
             "utility": ("utility", "коммунальное предприятие")},
    "confidence": {"high": ("high", "высокая"), "medium": ("medium", "средняя"),
                   "low": ("low", "низкая")},
    "priority": {"high": ("high", "высокий"), "medium": ("medium", "средний"),
                 "low": ("low", "низкий")},
    "status": {"complete": ("complete", "завершён"), "failed": ("failed", "с ошибкой"),
               "running": ("running", "выполняется"), "interrupted": ("interrupted", "прерван")},
    "climate": {"historical": ("historical climate", "исторический климат"),
                "observed": ("observed", "наблюдения")},
    "kind": {"risk": ("risk reduction", "снижение риска"),
             "carbon": ("low-carbon", "низкоуглеродная"),
             "growth": ("growth scenario", "сценарий роста"),
             "ghg": ("low-carbon", "низкоуглеродная")},
    "flag": {
        "costs of planning and regulation not estimated (set to 0)": (
            "costs of planning and regulation not estimated (set to 0)",
            "затраты на планирование и регулирование не оценены (приняты равными 0)"),
        "not found": ("not found", "не найдено"),
    },
}


def code_name(kind: str, code: object, lang: str = "en") -> str | None:
    """The name of ``code`` in ``lang``, or ``None`` when the code is not listed."""
    if code is None:
        return None
    d = CODES.get(kind, {})
    pair = d.get(str(code))
    if pair is None and kind == "flag" and str(code).startswith("not applicable: no "):
        what = str(code)[len("not applicable: no "):].removesuffix(" in the city")
        return (f"not applicable: no {what} in the city" if lang != "ru"
                else f"неприменимо: в городе нет «{what}»")
    if pair is None:
        return None
    return pair[1] if lang == "ru" else pair[0]


i18n.STRINGS.update({
    "cov_input": ("Input", "Данные"),
    "cov_state": ("State", "Состояние"),
    "cov_indicators": ("Indicators it gives", "Индикаторы"),
    "cov_how": ("How to add it", "Как добавить"),
    "range_to": ("to", "до"),
    "glance": ("At a glance", "Кратко"),
    "glance_lead": (
        "The city's main numbers on two pages; the sections after them give the detail, the "
        "methods and the sources.",
        "Главные показатели города на двух страницах; в разделах далее — подробности, методы "
        "и источники."),
    "glance_population": ("Population and growth", "Население и его рост"),
    "glance_pop_line": ("{pop} residents on the city's grid in {epoch}; {rate} % a year since "
                        "{start}.",
                        "{pop} жителей на сетке города в {epoch} г.; {rate} % в год с {start} г."),
    "glance_pop_only": ("{pop} residents on the city's grid in {epoch}.",
                        "{pop} жителей на сетке города в {epoch} г."),
    "glance_findings": ("Where the city stands out among its peers",
                        "Чем город выделяется среди других"),
    "glance_findings_note": (
        "The five indicators of the latest epoch on which the city is farthest from the middle "
        "of the {n} cities (percentile rank furthest from 50).",
        "Пять показателей последнего периода, по которым город дальше всего от середины "
        "{n} городов (процентильный ранг дальше всего от 50)."),
    "glance_no_findings": (
        "Not shown: a percentile rank needs at least three cities with a value ({n} in the "
        "store).",
        "Не показано: для процентильного ранга нужны значения хотя бы трёх городов (в базе: {n})."),
    "glance_higher": ("higher than in {p} % of the cities", "выше, чем в {p} % городов"),
    "glance_lower": ("lower than in {p} % of the cities", "ниже, чем в {p} % городов"),
    "glance_risk": ("Hazard and risk", "Опасности и риск"),
    "glance_eal_range": ("earthquake EAL between the event-based and classical estimates: "
                         "{lo} to {hi} USD/yr",
                         "ОСП от землетрясений между оценками по событиям и классической: "
                         "от {lo} до {hi} долл. США/год"),
    "glance_ghg": ("Emissions per person by sector, {year}",
                   "Выбросы на человека по секторам, {year} г."),
    "glance_recs": ("Top recommendations", "Главные рекомендации"),
    "glance_cost": ("cost", "стоимость"),
    "glance_cost_unknown": ("cost not known", "стоимость неизвестна"),
    "region_glance": ("The region at a glance", "Регион кратко"),
    "region_glance_lead": (
        "{n} cities; {pop} residents in the catalogue. For each key indicator: the regional "
        "median and the cities at both ends.",
        "{n} городов; {pop} жителей по каталогу. По каждому ключевому показателю — медиана "
        "региона и города с крайними значениями."),
    "region_largest": ("Largest cities", "Крупнейшие города"),
    "region_highest": ("highest", "наибольшее"),
    "region_lowest": ("lowest", "наименьшее"),
    "data_links": ("Data behind this page", "Данные этой страницы"),
    "data_links_note": (
        "Study-wide exports (filter on city_id = {city}), the city's rasters (Cloud-Optimised "
        "GeoTIFF) and the run manifest.",
        "Экспорт всего исследования (фильтр city_id = {city}), растры города (COG) и манифест "
        "расчёта."),
    "data_links_region_note": (
        "The study's exports (every city, every run's latest values) and the run manifest.",
        "Экспорт исследования (все города, последние значения) и манифест расчёта."),
    "other_languages": ("Language", "Язык"),
    "lang_both": ("English and Russian", "английский и русский"),
    "lang_en": ("English", "английский"),
    "lang_ru": ("Russian", "русский"),
    "contents": ("Contents", "Содержание"),
    "ghg_macc_number": ("number of the bar in the abatement cost curve",
                        "номер столбца на кривой затрат на сокращение"),
    "page": ("page", "стр."),
    "proxy_source": ("source", "источник"),
    "notes_language": (
        "The engines write these notes in English; they are shown as written.",
        "Модули записывают эти примечания на английском языке; они приводятся без перевода."),
})
