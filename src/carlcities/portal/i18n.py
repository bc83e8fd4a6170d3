"""The portal's own words in English and Russian, and the page language of a request.

The report's strings (:mod:`carlcities.report.i18n`) and its one-language helpers
(:func:`carlcities.report.lang.page_globals`: ``t``, ``bi``, ``u``, ``fmt`` …) are reused; the
portal adds only what a report has no use for (navigation, map controls, downloads, the API
page). A page's language comes from ``?lang=en|ru`` (remembered in a cookie), else the cookie,
else English.
"""

from __future__ import annotations

from typing import Any

from ..report import i18n as report_i18n
from ..report.lang import page_globals

__all__ = ["COOKIE", "LANGS", "STRINGS", "THEMES", "globals_for", "pick_lang", "plural", "say",
           "theme_name"]

LANGS = ("en", "ru")
COOKIE = "carlcities_lang"

STRINGS: dict[str, tuple[str, str]] = {
    "portal": ("Study portal", "Портал исследования"),
    "nav_region": ("Region", "Регион"),
    "nav_compare": ("Compare", "Сравнение"),
    "nav_downloads": ("Downloads", "Загрузки"),
    "nav_api": ("API", "API данных"),
    "nav_admin": ("Administration", "Администрирование"),
    "switch_lang": ("Русский", "English"),
    "region_title": ("Cities of the region", "Города региона"),
    "region_lead": (
        "{n} {cities} in {k} {countries}. Colour the map by any indicator; click a city to "
        "open it.",
        "{n} {cities} в {k} {countries}. Раскрасьте карту по любому показателю; нажмите на "
        "город, чтобы открыть его страницу.",
    ),
    "choose_indicator": ("Indicator on the map", "Показатель на карте"),
    "search_indicator": ("Search indicators…", "Поиск показателя…"),
    "no_value": ("no value", "нет значения"),
    "countries_missing": (
        "Country boundaries are not drawn: the Natural Earth file of countries cannot be read.",
        "Границы стран не показаны: файл стран Natural Earth не читается.",
    ),
    "countries_source": ("Countries, rivers and lakes: Natural Earth (public domain),",
                         "Страны, реки и озёра: Natural Earth (общественное достояние),"),
    "filter": ("Filter", "Фильтр"),
    "filter_name": ("City name…", "Название города…"),
    "all": ("all", "все"),
    "size_class": ("Size class", "Класс размера"),
    "typology": ("Type", "Тип"),
    "shown": ("shown", "показано"),
    "open_city": ("Open", "Открыть"),
    "indicators": ("Indicators", "Показатели"),
    "map": ("Map", "Карта"),
    "layer": ("Layer", "Слой"),
    "no_layer": ("none (basemap only)", "нет (только подложка)"),
    "overlays": ("Outlines", "Контуры"),
    "extents": ("Urban extent", "Городская территория"),
    "districts": ("Districts", "Районы"),
    "streets": ("Streets", "Улицы"),
    "water": ("Water", "Водные объекты"),
    "green": ("Green areas", "Зелёные зоны"),
    "places": ("Place names", "Названия мест"),
    "basemap_source": ("Basemap: © OpenStreetMap contributors (ODbL), from the city's own file.",
                       "Подложка: © участники OpenStreetMap (ODbL), из собственного файла "
                       "города."),
    "no_basemap": ("No OpenStreetMap file was found for this city: the map has no basemap.",
                   "Файл OpenStreetMap для этого города не найден: карта без подложки."),
    "legend": ("Legend", "Легенда"),
    "opacity": ("Opacity", "Прозрачность"),
    "charts": ("Charts", "Графики"),
    "risk_curves": ("Loss exceedance curves", "Кривые превышения потерь"),
    "return_period": ("Return period, years", "Период повторяемости, лет"),
    "loss": ("Loss", "Потери"),
    "ghg_pathways": ("Emission pathways", "Траектории выбросов"),
    "growth_compare": ("Growth scenarios compared", "Сравнение сценариев роста"),
    "year": ("Year", "Год"),
    "scenario": ("Scenario", "Сценарий"),
    "options": ("Options and their rank acceptability",
                "Меры и вероятность их рангов"),
    "option": ("Option", "Мера"),
    "rank1": ("Probability of rank 1", "Вероятность 1-го места"),
    "rank_n": ("Rank {n}", "Место {n}"),
    "recommendations": ("Recommendations", "Рекомендации"),
    "evidence": ("Evidence", "Обоснование"),
    "priority": ("Priority", "Приоритет"),
    "nothing": ("Nothing in this study.", "В этом исследовании нет данных."),
    "peer_median": ("Regional median", "Медиана по региону"),
    "rank_of": ("percentile rank {p} of {n} cities", "процентильный ранг {p} из {n} городов"),
    "compare_title": ("Compare cities", "Сравнение городов"),
    "compare_lead": ("Choose two to four cities and the indicators to set side by side.",
                     "Выберите от двух до четырёх городов и показатели для сравнения."),
    "choose_cities": ("Cities (2–4)", "Города (2–4)"),
    "choose_indicators": ("Indicators", "Показатели"),
    "show": ("Show", "Показать"),
    "scatter": ("Two indicators across all cities", "Два показателя по всем городам"),
    "x_axis": ("Horizontal axis", "Горизонтальная ось"),
    "y_axis": ("Vertical axis", "Вертикальная ось"),
    "too_many_cities": ("Choose two to four cities; the first four are shown.",
                        "Выберите от двух до четырёх городов; показаны первые четыре."),
    "downloads_title": ("Downloads", "Загрузки"),
    "downloads_lead": (
        "Files this run wrote, with their licence and provenance.",
        "Файлы, записанные этим расчётом, с лицензией и происхождением.",
    ),
    "file": ("File", "Файл"),
    "format": ("Format", "Формат"),
    "size": ("Size", "Размер"),
    "licence": ("Licence", "Лицензия"),
    "provenance": ("Provenance", "Происхождение"),
    "method_version": ("Method version", "Версия метода"),
    "software": ("Software", "Программа"),
    "region_files": ("Region", "Регион"),
    "city_files": ("City files", "Файлы города"),
    "licence_text": (
        "Derived data: CC BY 4.0 (cite the study). The demo region is synthetic. OpenStreetMap "
        "data: ODbL. Natural Earth: public domain.",
        "Производные данные: CC BY 4.0 (со ссылкой на исследование). Демонстрационный регион "
        "синтетический. Данные OpenStreetMap: ODbL. Natural Earth: общественное достояние.",
    ),
    "api_title": ("Data API", "Программный интерфейс данных"),
    "api_lead": (
        "The same data as JSON. Machine-readable description (OpenAPI):",
        "Те же данные в формате JSON. Машиночитаемое описание (OpenAPI):",
    ),
    "endpoint": ("Address", "Адрес"),
    "description": ("Description", "Описание"),
    "not_found": ("Not found", "Не найдено"),
    "error": ("Error", "Ошибка"),
    "back_region": ("Back to the region", "Назад к региону"),
    "city_page_title": ("{name}: city profile", "{name}: профиль города"),
    "country_cities": ("{n} cities", "{n} городов"),
    "epoch_slider": ("Epoch", "Период"),
    "units_none": ("code", "код"),
    "class": ("class", "класс"),
    "login": ("Sign in", "Войти"),
    "logout": ("Sign out", "Выйти"),
    "username": ("User name", "Имя пользователя"),
    "password": ("Password", "Пароль"),
    "signed_in_as": ("Signed in as {user} ({role})", "Вы вошли как {user} ({role})"),
    "login_refused": ("Wrong user name or password.", "Неверное имя пользователя или пароль."),
    "login_limited": ("Too many failed attempts: try again in {s} s.",
                      "Слишком много неудачных попыток: повторите через {s} с."),
    "login_needed": ("Sign in to see this page.", "Войдите, чтобы открыть эту страницу."),
    "scorecard": ("Disaster resilience scorecard", "Оценочная карта устойчивости к бедствиям"),
    "scorecard_lead": (
        "MCR2030 {level} assessment of {city}: {n} questions scored 0–{max}. Each answer is "
        "saved as soon as you change it.",
        "Оценка MCR2030 ({level}) для города {city}: {n} вопросов, оценки 0–{max}. Каждый "
        "ответ сохраняется сразу после изменения.",
    ),
    "preliminary": ("preliminary", "предварительная"),
    "detailed": ("detailed", "подробная"),
    "progress": ("Answered", "Отвечено"),
    "score": ("Score", "Оценка"),
    "no_score": ("not answered", "нет ответа"),
    "comment": ("Comment", "Комментарий"),
    "evidence_url": ("Evidence link", "Ссылка на подтверждение"),
    "saved": ("saved", "сохранено"),
    "saving": ("saving…", "сохранение…"),
    "save_failed": ("not saved", "не сохранено"),
    "conflict": (
        "{who} saved this answer after you opened the page. Theirs: {theirs}. Yours: {yours}.",
        "{who} сохранил(а) этот ответ после того, как вы открыли страницу. Их ответ: {theirs}. "
        "Ваш ответ: {yours}.",
    ),
    "keep_theirs": ("Keep theirs", "Оставить их ответ"),
    "keep_mine": ("Save mine over theirs", "Сохранить мой поверх"),
    "read_only": ("You may read this assessment; only the city's editors change it.",
                  "Вы можете читать эту оценку; изменяют её только редакторы города."),
    "last_edit": ("last saved by {who}", "последнее сохранение: {who}"),
    "survey": ("Stakeholder survey (AHP)", "Опрос заинтересованных сторон (МАИ)"),
    "survey_lead": (
        "For each pair of criteria, how much more important is the one on the left? 1: equal; "
        "3, 5, 7, 9: moderately to extremely more important; 1/3 … 1/9: the one on the right.",
        "Для каждой пары критериев: насколько левый важнее правого? 1 — одинаково; 3, 5, 7, "
        "9 — от умеренно до крайне важнее; 1/3 … 1/9 — важнее правый.",
    ),
    "profile": ("Stakeholder profile", "Профиль заинтересованной стороны"),
    "respondent": ("Respondent code", "Код респондента"),
    "submit": ("Save", "Сохранить"),
    "survey_saved": ("Saved: {n} judgements.", "Сохранено суждений: {n}."),
    "audit": ("Recent changes", "Последние изменения"),
    "admin_title": ("Administration", "Администрирование"),
    "rerun_title": ("Re-run the study with the portal's answers",
                    "Перерасчёт исследования с ответами из портала"),
    "rerun_lead": (
        "Exports the scorecard answers and surveys entered here and runs the study again (same "
        "configuration and cities); only the scorecard, appraisal, exports and reports are "
        "redone when nothing else changed.",
        "Выгружает введённые здесь ответы оценочной карты и опросы и заново выполняет расчёт "
        "(та же конфигурация и те же города); если больше ничего не менялось, пересчитываются "
        "только оценочная карта, оценка мер, выгрузки и отчёты.",
    ),
    "rerun_go": ("Start the re-run", "Начать перерасчёт"),
    "rerun_idle": ("No re-run since the portal started.", "С момента запуска портала "
                                                          "перерасчётов не было."),
    "rerun_running": ("Running since {s} s (started by {who}); reload to follow.",
                      "Выполняется {s} с (запустил(а) {who}); обновите страницу, чтобы "
                      "следить."),
    "rerun_done": ("Done in {s} s; the new run:", "Завершён за {s} с; новый расчёт:"),
    "rerun_failed": ("Failed after {s} s:", "Ошибка через {s} с:"),
    "users": ("Users and roles", "Пользователи и роли"),
    "role": ("Role", "Роль"),
    "city_ids": ("Cities (ids, comma-separated)", "Города (идентификаторы через запятую)"),
    "who": ("Who", "Кто"), "when": ("When", "Когда"), "what": ("What", "Что"),
    "role_viewer": ("viewer", "читатель"), "role_editor": ("city editor", "редактор города"),
    "role_analyst": ("analyst", "аналитик"), "role_admin": ("administrator", "администратор"),
}


#: indicator themes (the first part of an indicator id)
THEMES: dict[str, tuple[str, str]] = {
    "access": ("Access to services", "Доступность услуг"),
    "economy": ("Economy", "Экономика"), "environment": ("Environment", "Окружающая среда"),
    "exposure": ("Exposure", "Подверженность"), "form": ("Urban form", "Городская форма"),
    "ghg": ("Greenhouse gases", "Парниковые газы"), "growth": ("Growth", "Рост"),
    "hazard": ("Hazards", "Опасности"), "mobility": ("Mobility", "Мобильность"),
    "risk": ("Risk", "Риск"), "scenario": ("Scenarios", "Сценарии"),
    "scorecard": ("Scorecard", "Оценочная карта"),
}


def theme_name(theme: str, lang: str) -> str:
    """A theme's name in ``lang`` (unknown themes as they are)."""
    en, ru = THEMES.get(theme, (theme, theme))
    return ru if lang == "ru" else en


def plural(n: int, lang: str, en: tuple[str, str], ru: tuple[str, str, str]) -> str:
    """The noun form for ``n``: English (one, many); Russian (1, 2–4, 5–20: город, города,
    городов)."""
    if lang != "ru":
        return en[0] if n == 1 else en[1]
    if n % 10 == 1 and n % 100 != 11:
        return ru[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return ru[1]
    return ru[2]


def say(key: str, lang: str, **fmt: Any) -> str:
    """One portal string in ``lang``; report strings are found too."""
    en, ru = STRINGS[key] if key in STRINGS else report_i18n.STRINGS[key]
    s = ru if lang == "ru" else en
    return s.format(**fmt) if fmt else s


def pick_lang(query: str | None, cookie: str | None) -> str:
    """The page language: the query's when valid, else the cookie's, else English."""
    for v in (query, cookie):
        if v in LANGS:
            return str(v)
    return "en"


def globals_for(lang: str) -> dict[str, Any]:
    """Template helpers: the report's one-language helpers plus ``s(key)`` for portal words."""
    g: dict[str, Any] = dict(page_globals(lang))
    g["s"] = lambda key, **kw: say(key, lang, **kw)
    g["other_lang"] = "ru" if lang == "en" else "en"
    g["theme_name"] = lambda theme: theme_name(theme, lang)
    g["plural"] = lambda n, en, ru: plural(int(n), lang, en, ru)
    g["role_keys"] = {k for k in STRINGS if k.startswith("role_")}
    return g
