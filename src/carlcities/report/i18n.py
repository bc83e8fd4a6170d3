"""User-interface strings of the reports, in English and Russian.

Each entry is ``key: (english, russian)``. Indicator names are not listed here: they come from
the store's ``indicators`` table (``name_en``, ``name_ru``), so the registry stays the single
glossary. Pages show both languages side by side; :func:`bilingual` writes the pair as HTML with
a ``lang="ru"`` span so that screen readers switch voice.
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ["COUNTRIES", "STRINGS", "bilingual", "country_name", "plain", "text"]

STRINGS: dict[str, tuple[str, str]] = {
    "report_title": ("Regional comparison", "Региональное сравнение"),
    "study": ("Study", "Исследование"),
    "run": ("Run", "Расчёт"),
    "run_status": ("status", "статус"),
    "finished": ("finished", "завершён"),
    "started": ("started", "начат"),
    "later_run_note": (
        ("A later run exists ({run_id}, status: {status}); the values shown come from the latest "
         "complete run."),
        ("Существует более поздний расчёт ({run_id}, статус: {status}); показаны значения "
         "последнего завершённого расчёта."),
    ),
    "no_complete_run": (
        "No run is marked complete; the values shown come from the latest run.",
        "Ни один расчёт не отмечен как завершённый; показаны значения последнего расчёта.",
    ),
    "synthetic_banner": (
        "Synthetic demo data — not real",
        "Синтетические демонстрационные данные — не реальные",
    ),
    "synthetic_detail": (
        ("The values, maps and charts on this page come from the synthetic demo region. They "
         "illustrate the method and must not be used as facts about the cities."),
        ("Значения, карты и графики на этой странице получены для синтетического "
         "демонстрационного региона. Они иллюстрируют метод и не являются сведениями о городах."),
    ),
    "synthetic_caption": ("Synthetic demo data — not real.", "Синтетические данные — не реальные."),
    "city": ("City", "Город"),
    "cities": ("Cities", "Города"),
    "country": ("Country", "Страна"),
    "population": ("Population", "Население"),
    "comparison_table": ("Key indicators of all cities", "Ключевые показатели всех городов"),
    "sort_hint": (
        "Click a column header to sort; click again to reverse.",
        "Нажмите на заголовок столбца, чтобы отсортировать; повторно — в обратном порядке.",
    ),
    "regional_median": ("Regional median", "Медиана по региону"),
    "country_median": ("Country median", "Медиана по стране"),
    "percentile_rank": ("Percentile rank", "Процентильный ранг"),
    "percentile_short": ("P", "П"),
    "percentile_definition": (
        ("Percentile rank of a city for one indicator = 100 × (number of cities with a lower "
         "value + ½ × number of cities with the same value, the city itself included) ÷ number of "
         "cities with a value. 50 is the middle of the region; cities without a value are left "
         "out. Values 1, 2, 3 get ranks 16.7, 50 and 83.3."),
        ("Процентильный ранг города по показателю = 100 × (число городов с меньшим значением + ½ "
         "× число городов с таким же значением, включая сам город) ÷ число городов, для которых "
         "значение определено. 50 — середина региона; города без значения не учитываются. "
         "Значения 1, 2, 3 получают ранги 16,7, 50 и 83,3."),
    ),
    "undefined_note": (
        "“—” marks a value that is undefined or missing; hover for the reason.",
        "«—» — значение не определено или отсутствует; причина — во всплывающей подсказке.",
    ),
    "epoch": ("Epoch", "Период"),
    "epoch_pair": ("Epoch pair", "Интервал"),
    "value": ("Value", "Значение"),
    "unit": ("Unit", "Единица"),
    "indicator": ("Indicator", "Показатель"),
    "statistic": ("Statistic", "Статистика"),
    "region_map": ("Map of the region", "Карта региона"),
    "region_map_alt": (
        ("Map of the study region: each city is a circle at its longitude and latitude, sized by "
         "population and coloured by country."),
        ("Карта региона исследования: каждый город — круг в точке его долготы и широты, размер по "
         "населению, цвет по стране."),
    ),
    "region_map_caption": (
        ("Circle area proportional to population; colour by country. Axes: longitude and latitude "
         "[°], WGS 84."),
        ("Площадь круга пропорциональна населению; цвет — страна. Оси: долгота и широта [°], WGS "
         "84."),
    ),
    "source": ("Source", "Источник"),
    "profile": ("City profile", "Профиль города"),
    "back_to_index": ("← Regional comparison", "← Региональное сравнение"),
    "key_indicators": ("Key indicators against peers", "Ключевые показатели в сравнении"),
    "peers_note": (
        ("Peers: all cities in the results store ({n} cities); the country median uses the cities "
         "of the same country ({m} cities)."),
        ("Сравнение: все города в базе результатов ({n}); медиана по стране — по городам той же "
         "страны ({m})."),
    ),
    "urban_expansion": ("Urban expansion", "Расширение городской территории"),
    "atlas_classes": ("Urban extent classes by epoch", "Классы городской территории по периодам"),
    "atlas_alt": (
        "Maps of the urban extent classes of {city} for the epochs {epochs}.",
        "Карты классов городской территории города {city_ru} за периоды {epochs}.",
    ),
    "atlas_caption": (
        ("Cell classes of the Atlas of Urban Expansion (urban, suburban and rural built-up; "
         "fringe, captured and rural open space; water). North up; the bar gives the scale."),
        ("Классы ячеек по методике Атласа расширения городов (городская, пригородная и сельская "
         "застройка; краевое, захваченное и сельское открытое пространство; вода). Север вверху; "
         "масштаб — по линейке."),
    ),
    "expansion_map": (
        "Built-up area by epoch of first appearance",
        "Застройка по периоду появления",
    ),
    "expansion_alt": (
        "Map of {city}: built-up cells coloured by the epoch in which they first appear.",
        "Карта города {city_ru}: застроенные ячейки окрашены по периоду их появления.",
    ),
    "expansion_caption": (
        ("Built-up cells (urban, suburban or rural built-up) coloured by the first epoch in which "
         "they are built up. North up; the bar gives the scale."),
        ("Застроенные ячейки (городская, пригородная или сельская застройка) окрашены по первому "
         "периоду, в котором они застроены. Север вверху; масштаб — по линейке."),
    ),
    "density_map": ("Population density", "Плотность населения"),
    "density_alt": (
        "Map of the population density of {city} in {epoch}, persons per hectare, log scale.",
        ("Карта плотности населения города {city_ru} в {epoch} г., человек на гектар, "
         "логарифмическая шкала."),
    ),
    "density_caption": (
        ("Residents per hectare of each grid cell in {epoch} [persons/ha], logarithmic colour "
         "scale; cells without residents in light grey. North up; the bar gives the scale."),
        ("Жители на гектар в каждой ячейке сетки в {epoch} г. [чел./га], логарифмическая шкала; "
         "ячейки без жителей — светло-серые. Север вверху; масштаб — по линейке."),
    ),
    "growth_map": ("New growth", "Новый рост"),
    "mob_section": ("Mobility and access", "Мобильность и доступность"),
    "mob_note": (
        ("The street network from OpenStreetMap (OSMnx definitions) and how far people live "
         "from schools, clinics, transit and hospitals, against the other cities."),
        ("Улично-дорожная сеть по данным OpenStreetMap (определения OSMnx) и удалённость "
         "жителей от школ, поликлиник, остановок транспорта и больниц в сравнении с другими "
         "городами."),
    ),
    "mob_street_km_map": ("Street network", "Улично-дорожная сеть"),
    "mob_street_km_caption": ("Length of streets in each grid cell [km], walk network.",
                              "Протяжённость улиц в каждой ячейке сетки [км], пешеходная сеть."),
    "mob_access_school_m_map": ("Walking distance to the nearest school",
                                "Пешеходное расстояние до ближайшей школы"),
    "mob_access_school_m_caption": (
        "Network walking distance from each populated cell to the nearest school [m].",
        "Расстояние по сети от каждой заселённой ячейки до ближайшей школы [м]."),
    "mob_access_clinic_m_map": ("Walking distance to the nearest clinic",
                                "Пешеходное расстояние до ближайшей поликлиники"),
    "mob_access_clinic_m_caption": (
        "Network walking distance from each populated cell to the nearest clinic or doctor [m].",
        "Расстояние по сети от каждой заселённой ячейки до ближайшей поликлиники [м]."),
    "mob_drive_hospital_min_map": ("Drive time to the nearest hospital",
                                   "Время в пути до ближайшей больницы"),
    "mob_drive_hospital_min_caption": (
        "Drive time from each populated cell to the nearest hospital [min].",
        "Время в пути на автомобиле от каждой заселённой ячейки до ближайшей больницы [мин]."),
    "env_section": ("Environment and economy", "Окружающая среда и экономика"),
    "env_note": (
        ("Green space, air quality, heat and night lights of the city against its peers; "
         "maps of the latest year with data."),
        ("Зелёные зоны, качество воздуха, жара и ночная освещённость города в сравнении с "
         "другими городами; карты за последний год с данными."),
    ),
    "env_missing": ("No environment or economy layers for this city.",
                    "Для этого города нет слоёв окружающей среды и экономики."),
    "env_green_map": ("Green space", "Зелёные зоны"),
    "env_green_caption": (
        "Green share of each grid cell (tree cover, shrubland, grassland, wetland), {year}.",
        "Доля зелёных насаждений в каждой ячейке (деревья, кустарники, травы, болота), {year} г.",
    ),
    "env_pm25_map": ("Annual mean PM2.5", "Среднегодовая концентрация PM2.5"),
    "env_pm25_caption": (
        "Annual mean PM2.5 [µg/m³], {year}; WHO 2021 guideline 5 µg/m³.",
        "Среднегодовая концентрация PM2.5 [мкг/м³], {year} г.; рекомендация ВОЗ 2021 — 5 мкг/м³.",
    ),
    "env_lst_map": ("Land-surface temperature", "Температура поверхности"),
    "env_lst_caption": (
        "Summer daytime land-surface temperature [°C], {year}; gaps are clouds or fill values.",
        "Летняя дневная температура поверхности [°C], {year} г.; пропуски — облака или "
        "пустые значения.",
    ),
    "env_lights_map": ("Night lights", "Ночная освещённость"),
    "env_lights_caption": (
        "Night-light radiance [nW/cm²/sr], VIIRS annual average, {year}.",
        "Яркость ночного освещения [нВт/см²/ср], среднегодовое VIIRS, {year} г.",
    ),
    "growth_alt": (
        ("Map of the new growth of {city} between {t1} and {t2} by type: infill, extension, "
         "leapfrog, inclusion."),
        ("Карта нового роста города {city_ru} между {t1} и {t2} гг. по типам: заполнение, "
         "расширение, скачкообразный рост, включение."),
    ),
    "growth_caption": (
        ("New built-up cells between {t1} and {t2} by type [class]; grey: built up in {t1}. North "
         "up; the bar gives the scale."),
        ("Новые застроенные ячейки между {t1} и {t2} гг. по типам [класс]; серым — застройка {t1} "
         "г. Север вверху; масштаб — по линейке."),
    ),
    "existing_builtup": ("built up in {t1}", "застроено в {t1}"),
    "charts": ("Growth over time", "Рост во времени"),
    "chart_alt": (
        "Line charts of {city} by epoch against the regional median: {names}.",
        "Графики по периодам для города {city_ru} в сравнении с медианой региона: {names}.",
    ),
    "chart_title": (
        "Population, built-up area and densities by epoch",
        "Население, площадь застройки и плотности по периодам",
    ),
    "chart_caption": (
        ("Solid line: the city; dashed line: regional median of all cities in the store. Units in "
         "each panel title."),
        ("Сплошная линия — город; пунктир — медиана по всем городам в базе. Единицы — в заголовке "
         "каждой панели."),
    ),
    "this_city": ("this city", "этот город"),
    "growth_table": ("Growth indicators by epoch pair", "Показатели роста по интервалам"),
    "growth_cell_note": (
        "Each cell: the city's value; below it the regional median and the city's percentile rank.",
        ("В каждой ячейке — значение для города; ниже — медиана по региону и процентильный ранг "
         "города."),
    ),
    "districts": ("Districts", "Районы"),
    "district": ("District", "Район"),
    "districts_note": (
        "Values for the districts of the city in {epoch}.",
        "Значения для районов города в {epoch} г.",
    ),
    "provenance": ("Provenance", "Происхождение данных"),
    "method_notes": ("Method notes", "Примечания к методам"),
    "method_notes_note": (
        "What the engines noted while computing this city in the run (manifest.json, "
        "city_notes): sources used, fallbacks and settings.",
        "Что отметили модули при расчёте этого города (manifest.json, city_notes): "
        "использованные источники, замены и настройки.",
    ),
    "run_id": ("Run id", "Идентификатор расчёта"),
    "method_versions": ("Method versions", "Версии методов"),
    "value_sources": ("Sources of the values", "Источники значений"),
    "manifest": (
        "Run manifest (inputs, hashes, software)",
        "Манифест расчёта (входные данные, хэши, программы)",
    ),
    "generated": ("Report generated", "Отчёт сформирован"),
    "figures_missing": (
        "Maps omitted: no rasters were found for this city in {path}.",
        "Карты не показаны: растры для этого города не найдены в {path}.",
    ),
    "figure_missing": ("Not shown: {path} is missing.", "Не показано: нет файла {path}."),
    "no_values": (
        "No indicator values for this city in the selected run.",
        "Для этого города нет значений показателей в выбранном расчёте.",
    ),
    "no_cities": ("The results store holds no cities.", "В базе результатов нет городов."),
    "json_twin": ("The same data as JSON", "Те же данные в формате JSON"),
    "skip_to_content": ("Skip to content", "Перейти к содержанию"),
    "rasters_of": ("rasters of run {run_id}", "растры расчёта {run_id}"),
    "inputs": ("inputs", "входные данные"),
    "legend": ("Legend", "Легенда"),
    "km": ("km", "км"),
    "lon": ("Longitude [°E]", "Долгота [° в. д.]"),
    "lat": ("Latitude [°N]", "Широта [° с. ш.]"),
    "persons_ha": ("persons/ha", "чел./га"),
    "cities_n": ("{n} cities", "городов: {n}"),
    "ghg": ("Greenhouse gases", "Парниковые газы"),
    "ghg_note": (("GPC BASIC inventory of {year} (GPC v1.1; IPCC 2006 Tier 1 factors; GWP "
                  "{gwp}). Where the city has no data, sourced defaults stand in (listed "
                  "below); grid-supplied energy generation (I.4.4) is reported but not "
                  "counted in the total."),
                 ("Инвентаризация GPC BASIC за {year} г. (GPC v1.1; коэффициенты МГЭИК 2006, "
                  "уровень 1; ПГП {gwp}). Где у города нет данных, используются значения по "
                  "умолчанию с источниками (список ниже); производство энергии для сетей "
                  "(I.4.4) показано, но не входит в итог.")),
    "ghg_inventory": ("GPC inventory", "Инвентаризация GPC"),
    "ghg_sector": ("Sector", "Сектор"),
    "ghg_scope": ("Scope", "Охват"),
    "ghg_gas": ("Gas", "Газ"),
    "ghg_t": ("t CO2e/yr", "т CO₂-экв./год"),
    "ghg_key": ("Notation key", "Условное обозначение"),
    "ghg_per_person": ("Per person by sector", "На человека по секторам"),
    "ghg_t_pp": ("t CO2e/person/yr", "т CO₂-экв./чел./год"),
    "ghg_bau": ("business as usual", "инерционный сценарий"),
    "ghg_compact": ("compact growth", "компактный рост"),
    "ghg_sprawl": ("continued sprawl", "продолжение расползания"),
    "ghg_actions_line": ("each action on top of business as usual",
                         "каждая мера в инерционном сценарии"),
    "ghg_pathway_title": ("Emission pathways 2020–2050", "Траектории выбросов 2020–2050"),
    "ghg_pathway_alt": ("Line chart of the greenhouse gas emissions of {city} by year and "
                        "scenario.", "Линейный график выбросов парниковых газов: {city_ru}."),
    "ghg_pathway_caption": (("Business as usual follows population, GDP, stock turnover and the "
                             "observed land consumption; compact growth and sprawl change "
                             "density (LCRPGR 0.5 and 1.5)."),
                            ("Инерционный сценарий следует за населением, ВВП, обновлением "
                             "фондов и наблюдаемым потреблением земли; компактный рост и "
                             "расползание меняют плотность (LCRPGR 0,5 и 1,5).")),
    "ghg_macc_title": ("Marginal abatement cost curve, 2030",
                       "Кривая предельных затрат на сокращение выбросов, 2030"),
    "ghg_macc_alt": ("Bar chart of low-carbon actions of {city}, cheapest first.",
                     "Столбчатая диаграмма низкоуглеродных мер: {city_ru}."),
    "ghg_macc_caption": (("Width: abatement in 2030; height: cost per tonne (annualised capex "
                          "+ opex − energy savings) ÷ abatement. Numbers refer to the table."),
                         ("Ширина — сокращение в 2030 г.; высота — затраты на тонну "
                          "(аннуитет капзатрат + эксплуатация − экономия энергии) ÷ "
                          "сокращение. Номера — как в таблице.")),
    "ghg_map_title": ("Emissions by grid cell", "Выбросы по ячейкам сетки"),
    "ghg_map_alt": ("Map of greenhouse gas emissions of {city} per grid cell.",
                    "Карта выбросов парниковых газов по ячейкам: {city_ru}."),
    "ghg_map_caption": (("Buildings by floor area and heat intensity; transport and waste by "
                         "population."),
                        ("Здания — по площади и удельному теплопотреблению; транспорт и "
                         "отходы — по населению.")),
    "ghg_actions": ("Low-carbon actions", "Низкоуглеродные меры"),
    "ghg_action": ("Action", "Мера"),
    "ghg_abatement": ("Abatement 2030 / 2050 [t CO2e/yr]",
                      "Сокращение 2030 / 2050 [т CO₂-экв./год]"),
    "ghg_cost": ("Cost [USD/t CO2e]", "Затраты [долл. США/т CO₂-экв.]"),
    "ghg_uptake": ("Uptake: years, share of the stock", "Внедрение: годы, доля охвата"),
    "ghg_uptake_plan": ("the city's own plan", "собственный план города"),
    "ghg_uptake_national": ("national plan", "национальный план"),
    "ghg_proxies": ("Defaults used in place of missing data",
                    "Значения по умолчанию вместо отсутствующих данных"),
    "scorecard": ("Disaster resilience scorecard", "Оценка устойчивости к бедствиям"),
    "scorecard_note": (
        ("UNDRR Disaster Resilience Scorecard for Cities ({level} level), assessment of {date}. "
         "Share = score ÷ highest possible score of the answered questions; completeness = "
         "answered ÷ all questions. Question wording: carlcities' own paraphrase."),
        ("Оценка устойчивости городов к бедствиям УСРБ ООН (уровень: {level}), оценка от {date}. "
         "Доля = балл ÷ максимально возможный балл по отвеченным вопросам; полнота = отвечено ÷ "
         "все вопросы. Формулировки вопросов — пересказ carlcities."),
    ),
    "sc_essential": ("Essential", "Раздел"),
    "sc_score": ("Score", "Балл"),
    "sc_share": ("Share", "Доля"),
    "sc_completeness": ("Completeness", "Полнота"),
    "sc_change": ("Change since {date}", "Изменение с {date}"),
    "sc_total": ("Total", "Итого"),
    "sc_gaps": ("Gaps and recommendations", "Пробелы и рекомендации"),
    "sc_gaps_note": (
        "Essentials scoring below {threshold} % of their highest possible score.",
        "Разделы с баллом ниже {threshold} % от максимально возможного.",
    ),
    "sc_no_gaps": ("No Essential is below the threshold.", "Ни один раздел не ниже порога."),
    "sc_priority": ("priority", "приоритет"),
    "sc_evidence": ("Evidence", "Основание"),
    "sc_incomplete": (
        "Incomplete: {answered} of {questions} questions scored.",
        "Неполная оценка: отвечено {answered} из {questions} вопросов.",
    ),
    "sc_capacity": (
        ("Institutional capacity (appraisal feasibility criterion; mean share of Essentials 1, 3 "
         "and 6)"),
        "Институциональный потенциал (критерий реализуемости; средняя доля разделов 1, 3, 6)",
    ),
    "sc_none": ("No scorecard for this city.", "Для этого города нет оценки."),
    "sc_index": ("Disaster resilience scorecards", "Оценки устойчивости к бедствиям"),
    "sc_index_note": (
        "Share of the highest possible score per Essential, latest assessment of each city.",
        "Доля от максимально возможного балла по разделам, последняя оценка каждого города.",
    ),
    "sc_date": ("Assessed", "Дата оценки"),
    "radar_title": ("Scorecard by Essential", "Оценка по разделам"),
    "radar_alt": (
        "Radar chart of the scorecard of {city}: share of the highest score in each of the ten "
        "Essentials, against {others}.",
        "Лепестковая диаграмма оценки города {city_ru}: доля максимального балла по десяти "
        "разделам в сравнении с: {others_ru}.",
    ),
    "radar_caption": (
        "Each axis is one Essential, from 0 (centre) to 100 % of the highest possible score.",
        "Каждая ось — один раздел, от 0 (центр) до 100 % максимально возможного балла.",
    ),
}

# -- risk, growth scenarios, options and recommendations (issues 5, 7, 8) ----------------------
STRINGS.update({
    "risk_section": ("Hazards and risk", "Опасности и риск"),
    "risk_note": (
        ("Earthquake: classical hazard at the city centre on rock, event-based losses over "
         "stochastic catalogues (5-95 % between catalogues in the store); flood: losses of the "
         "return-period maps; mudflow: run-out corridors; heat: daily temperatures."),
        ("Землетрясения: вероятностная оценка опасности в центре города на скальном грунте, "
         "потери по стохастическим каталогам событий; наводнения: потери по картам глубин "
         "заданной повторяемости; сели: зоны выноса; жара: суточные температуры."),
    ),
    "risk_eq": ("earthquake", "землетрясение"),
    "risk_flood": ("flood", "наводнение"),
    "risk_value": ("value", "значение"),
    "risk_historic": ("Historic earthquakes as scenarios",
                      "Исторические землетрясения как сценарии"),
    "risk_event": ("event", "событие"),
    "risk_distance": ("distance [km]", "расстояние [км]"),
    "risk_msk_model": ("modelled intensity [MSK-64]", "расчётная интенсивность [MSK-64]"),
    "risk_msk_observed": ("observed intensity", "наблюдённая интенсивность"),
    "risk_loss": ("loss today [M USD]", "потери сегодня [млн долл. США]"),
    "risk_deaths": ("deaths today", "погибшие сегодня"),
    "risk_deaths_pager": ("deaths today, USGS PAGER empirical model",
                          "погибшие сегодня, эмпирическая модель USGS PAGER"),
    "risk_collapses": ("collapsed buildings today (5–95 %)",
                       "обрушенные здания сегодня (5–95 %)"),
    "risk_exposure_source": ("Exposure: ", "Экспозиция: "),
    "risk_deaths_then": ("deaths then, whole event", "погибло тогда, всё событие"),
    "risk_deaths_then_model": ("deaths then, modelled on the exposure of the time (5–95 %)",
                               "погибло тогда по модели на застройке того времени (5–95 %)"),
    "risk_within": ("within ×3 of the record", "в пределах ×3 от факта"),
    "risk_yes": ("yes", "да"),
    "risk_no": ("no", "нет"),
    "risk_trajectories": ("Risk to 2050", "Риск до 2050 года"),
    "risk_climate": ("climate", "климат"),
    "risk_by_class": ("Buildings by class", "Здания по типам"),
    "risk_class": ("class", "тип"),
    "risk_buildings": ("buildings", "здания"),
    "risk_value_musd": ("value [M USD]", "стоимость [млн долл. США]"),
    "risk_eal_usd": ("earthquake EAL [USD/yr]", "ОСП от землетрясений [долл. США/год]"),
    "risk_lec_title": ("Loss exceedance", "Кривая превышения потерь"),
    "risk_lec_alt": ("Loss against return period for {city}.",
                     "Потери в зависимости от периода повторяемости: {city_ru}."),
    "risk_lec_caption": (
        "Earthquake: event-based (step); flood: the return-period maps (points). Today's exposure.",
        "Землетрясения: по стохастическим событиям (ступени); наводнения: по картам (точки). "
        "Сегодняшняя экспозиция."),
    "map_eq_pga_rp475_event": ("Ground shaking of the 475-year loss event",
                               "Сотрясения при событии с потерями повторяемостью 475 лет"),
    "map_eq_pga_rp475_event_caption": (
        "Median peak ground acceleration [g] of the stochastic event whose loss is nearest the "
        "475-year loss (BSSA14, Vs30 of each 500 m block).",
        "Медианное пиковое ускорение [g] стохастического события с потерями, ближайшими к "
        "потерям повторяемостью 475 лет (BSSA14, Vs30 блоков 500 м)."),
    "map_eq_damage_ratio_rp475": ("Damage ratio of the 475-year loss event",
                                  "Доля ущерба при событии повторяемостью 475 лет"),
    "map_eq_damage_ratio_rp475_caption": (
        "Mean loss / replacement value of the buildings in each 500 m block.",
        "Средние потери / восстановительная стоимость зданий в каждом блоке 500 м."),
    "map_flood_depth_rp100": ("Flood depth, 100-year flood", "Глубина затопления, паводок 1 %"),
    "map_flood_depth_rp100_caption": ("Depth [m] of the 100-year flood map.",
                                      "Глубина [м] по карте паводка 1 % обеспеченности."),
    "map_mudflow_class": ("Mudflow susceptibility", "Селевая опасность"),
    "map_mudflow_class_caption": (
        "1 low, 2 medium, 3 high: run-out corridors on the fans below mountain catchments.",
        "1 низкая, 2 средняя, 3 высокая: зоны выноса на конусах ниже горных водосборов."),
    "map_exposure_value": ("Exposed value", "Стоимость активов"),
    "map_exposure_value_caption": (
        "Replacement value of buildings and contents per cell [USD] (GEM typology mixes).",
        "Восстановительная стоимость зданий и имущества на ячейку [долл. США] (типы зданий GEM)."),
    "growth_section": ("Growth scenarios to 2050", "Сценарии роста до 2050 года"),
    "growth_note": (
        ("Projected growth allocated on the city grid under each scenario's levers; values in "
         "{epoch}."),
        ("Прогнозный рост, размещённый на сетке города по рычагам каждого сценария; значения "
         "на {epoch} г.")),
    "scenario_chart_title": ("Growth scenarios compared", "Сравнение сценариев роста"),
    "scenario_chart_alt": ("Bar charts comparing the growth scenarios of {city}.",
                           "Столбчатые диаграммы сценариев роста: {city_ru}."),
    "scenario_chart_caption": (
        "Land take, new residents in hazard zones and emissions of each scenario.",
        "Новая застройка, новые жители в опасных зонах и выбросы по сценариям."),
    "scenario_map_title": ("Where growth goes", "Куда идёт рост"),
    "scenario_map_alt": ("Maps of new built-up land per growth scenario of {city}.",
                         "Карты новой застройки по сценариям роста: {city_ru}."),
    "scenario_map_caption": (
        "Grey: built-up today; colour: new built-up land by the last scenario epoch.",
        "Серым — застройка сегодня; цветом — новая застройка к последнему году сценария."),
    "options_section": ("Options and recommendations", "Меры и рекомендации"),
    "options_note": (
        ("Risk-reduction, low-carbon and growth options appraised together: cost-benefit at the "
         "social discount rate with the social cost of carbon and the value of statistical life, "
         "and SMAA-2 over stakeholder weights and uncertain effects."),
        ("Меры по снижению риска, низкоуглеродные меры и сценарии роста оценены вместе: "
         "затраты и выгоды по социальной ставке дисконтирования с социальной стоимостью углерода "
         "и стоимостью статистической жизни, и SMAA-2 по весам заинтересованных сторон.")),
    "opt_option": ("option", "мера"),
    "opt_kind": ("kind", "вид"),
    "opt_npv": ("NPV [M USD]", "ЧПС [млн долл. США]"),
    "opt_bcr": ("BCR", "К выгод/затрат"),
    "opt_pfirst": ("P(first)", "P(первое место)"),
    "opt_portfolio": ("in portfolio", "в портфеле"),
    "opt_budget": ("Portfolio budget {budget} USD; cost of the selected options {cost} USD.",
                   "Бюджет портфеля {budget} долл. США; стоимость выбранных мер {cost} долл. США."),
    "rank_chart_title": ("Rank acceptability", "Вероятности мест в рейтинге"),
    "rank_chart_alt": ("Stacked bars of rank probabilities of the options of {city}.",
                       "Столбцы вероятностей мест мер: {city_ru}."),
    "rank_chart_caption": (
        "SMAA-2 over the pooled stakeholder profiles: the share of samples in which each option "
        "takes each rank (first rank darkest).",
        "SMAA-2 по объединённым профилям заинтересованных сторон: доля выборок, в которых мера "
        "занимает каждое место (первое — самое тёмное)."),
    "recommendations": ("Recommendations", "Рекомендации"),
    "rec_confidence": ("confidence", "уверенность"),
    "rec_lever": ("lever", "инструмент"),
    "rec_body": ("responsible", "ответственный"),
    "cost_unknown": ("cost unknown: not ranked", "стоимость неизвестна: не ранжируется"),
    "measure_next": ("What to measure next", "Что измерить дальше"),
    "measure_next_note": (
        "Gaps in the data and options whose cost must be known before they can be compared: "
        "not policies, but what to find out first.",
        "Пробелы в данных и меры, стоимость которых нужно узнать, прежде чем их сравнивать: "
        "это не политика, а то, что нужно выяснить в первую очередь."),
    "rec_evidence": ("evidence", "основание"),
    "regional_recommendations": ("Regional recommendations", "Региональные рекомендации"),
    "typology": ("Typology of cities", "Типология городов"),
    "typology_note": (
        "KMeans on standardised indicators (k by silhouette = {k}); the indicators that separate "
        "the types most: {separating}.",
        "KMeans по стандартизованным индикаторам (k по силуэту = {k}); сильнее всего типы "
        "различают: {separating}."),
    "type": ("type", "тип"),
    "risk_overview": ("Risk and options by city", "Риск и меры по городам"),
    "top_option": ("option most often first", "мера, чаще всего первая"),
    "growth_index_note": (
        "Land take [ha] from 2020 and new residents in the 100-year flood zone and mudflow "
        "corridors [persons] by 2050, per growth scenario.",
        "Новая застройка [га] с 2020 г. и новые жители в зоне паводка 1 % и в зонах выноса "
        "селей [чел.] к 2050 г. по сценариям роста."),
    "land_take_ha": ("land take [ha]", "новая застройка [га]"),
    "new_in_hazard": ("new residents in hazard zones", "новые жители в опасных зонах"),
})

COUNTRIES: dict[str, tuple[str, str]] = {
    "KAZ": ("Kazakhstan", "Казахстан"),
    "KGZ": ("Kyrgyzstan", "Кыргызстан"),
    "TJK": ("Tajikistan", "Таджикистан"),
    "TKM": ("Turkmenistan", "Туркменистан"),
    "UZB": ("Uzbekistan", "Узбекистан"),
    "AFG": ("Afghanistan", "Афганистан"),
    "CHN": ("China", "Китай"),
    "RUS": ("Russia", "Россия"),
    "IRN": ("Iran", "Иран"),
}


def text(key: str, lang: str = "en", **fmt: object) -> str:
    """One UI string in ``lang`` ('en' or 'ru'), formatted with ``fmt``."""
    en, ru = STRINGS[key]
    s = ru if lang == "ru" else en
    return s.format(**fmt) if fmt else s


def plain(key: str, **fmt: object) -> str:
    """Both languages as plain text, 'English / Русский' (for alt text and figure labels)."""
    return f"{text(key, 'en', **fmt)} / {text(key, 'ru', **fmt)}"


def bilingual(en: str, ru: str | None, *, sep: str = " / ", block: bool = False) -> Markup:
    """Both languages as HTML; the Russian part carries ``lang="ru"``."""
    if not ru or ru == en:
        return Markup("<span>{}</span>").format(en) if not block else Markup(
            '<span class="en en-line">{}</span>').format(en)
    if block:
        return Markup('<span class="en en-line">{}</span>'
                      '<span class="ru ru-line" lang="ru">{}</span>').format(en, ru)
    return Markup('<span class="en">{}</span>{}<span class="ru" lang="ru">{}</span>').format(
        en, escape(sep), ru)


def country_name(iso3: str | None) -> tuple[str, str]:
    """English and Russian name of a country from its ISO 3166-1 alpha-3 code."""
    if not iso3:
        return ("—", "—")
    return COUNTRIES.get(iso3.upper(), (iso3, iso3))
