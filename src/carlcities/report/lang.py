"""Pages in one language: the template helpers of an English, a Russian or a bilingual page.

Every page is rendered three times from the same template and context: bilingual
(``CITY.html``, both languages side by side, as before), English (``CITY.en.html``) and
Russian (``CITY.ru.html``). The templates never pick a language themselves; they call

* ``t(key)`` / ``tb(key)``: a UI string of :mod:`.i18n` (``tb``: one line per language);
* ``tx(key, **fmt)``: a sentence (a note under a heading);
* ``bi(en, ru, block=False)``: a pair of texts from the data (names, recommendations);
* ``u(unit)``: a unit, in Russian typography on Russian pages (``м``, ``долл. США/чел.``,
  ``т CO₂-экв.``);
* ``fmt(x)``: a number, with a decimal comma on Russian pages.

On a one-language page the other language is simply not written, so a Russian page is
Russian text, numbers, codes and the few Latin names listed in :data:`LATIN_OK`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from . import i18n, i18n_data
from .numbers import fmt_number

__all__ = ["LANGS", "LATIN_OK", "SUFFIX", "fmt_lang", "half", "page_globals", "ru_units",
           "unit_ru"]

#: page variants and the suffix of their file names (``almaty.ru.html``)
LANGS = ("both", "en", "ru")
SUFFIX = {"both": "", "en": ".en", "ru": ".ru"}

#: Latin words a Russian page may show: names of methods, models and standards that have no
#: Russian form (they are cited as published). The Russian-page test allows these and nothing
#: else outside ``<code>``, numbers and units.
LATIN_OK = ("PM2.5", "VIIRS", "GPC", "BASIC", "IPCC", "GWP", "AR5", "AR6", "SMAA-2", "KMeans",
            "MSK-64", "BSSA14", "USGS", "PAGER", "GEM", "OSMnx", "OpenStreetMap", "OSM", "WGS",
            "UNDRR", "GHSL", "JSON", "CSV", "Parquet", "GeoPackage", "COG", "GeoTIFF", "PDF",
            "Natural Earth", "Tier", "CO2e", "CO₂", "EAL", "P", "M", "g", "K", "MCR2030",
            "WorldPop", "ESA", "WorldCover", "MODIS", "LST", "CAMS", "ACAG", "GTFS", "NPV",
            "BCR", "IRR", "carlcities", "manifest.json", "study.duckdb", "DuckDB", "GRIP4", "CH₄",
            "N₂O", "°C", "UTC")

# whole units first, then the words of a compound unit
_UNITS_RU: dict[str, str] = {
    "persons": "чел.", "person": "чел.", "persons/ha": "чел./га", "persons per cell": "чел./ячейка",
    "ha": "га", "m": "м", "km": "км", "km2": "км²", "km²": "км²", "m²": "м²", "m2": "м²",
    "min": "мин", "s": "с", "yr": "год", "year": "год", "%": "%", "‰": "‰", "°C": "°C",
    "degC": "°C", "K": "К", "g": "g", "index": "индекс", "ratio": "отношение", "class": "класс",
    "items": "шт.", "bytes": "байт", "share of cell": "доля ячейки", "share": "доля",
    "USD": "долл. США", "M USD": "млн долл. США", "USD/person": "долл. США/чел.",
    "t CO2e": "т CO₂-экв.", "Mt CO2e": "Мт CO₂-экв.", "kt CO2e": "кт CO₂-экв.",
    "µg/m³": "мкг/м³", "nW/cm²/sr": "нВт/см²/ср", "MSK-64": "MSK-64", "cell": "ячейка",
    "probability": "вероятность", "epoch": "период", "persons/km²": "чел./км²",
    "1/yr": "1/год", "1/km²": "1/км²", "km/km²": "км/км²", "m/person": "м/чел.",
    "m²/person": "м²/чел.", "t": "т", "Mt": "Мт", "kt": "кт", "USD/t CO2e": "долл. США/т CO₂-экв.",
    "t CO2e/yr": "т CO₂-экв./год", "t CO2e/person/yr": "т CO₂-экв./чел./год",
    "deaths/yr": "погибших/год", "days": "дн.", "count": "шт.", "vehicle": "трансп. ср.",
    "MWh": "МВт·ч", "kWh": "кВт·ч", "MJ": "МДж", "m^2": "м²", "deaths": "погибших",
    "buildings": "зданий", "events": "событий", "m/s": "м/с", "days/yr": "дн./год",
    "persons/yr": "чел./год", "USD/yr": "долл. США/год",
}
_WORD = re.compile(r"[A-Za-zµ°²³₂]+[A-Za-z0-9µ°²³₂]*")


def unit_ru(unit: str | None) -> str:
    """A unit in Russian typography; a bilingual unit ('x / y') gives its Russian half."""
    if not unit:
        return ""
    u = unit.strip()
    if " / " in u and re.search("[а-яА-Я]", u.split(" / ", 1)[1]):
        return u.split(" / ", 1)[1].replace("CO2", "CO₂")
    if u in _UNITS_RU:
        return _UNITS_RU[u]
    # a compound unit: translate the parts between '/', '·', ' ' and brackets
    out = re.sub(r"t CO2e", "т CO₂-экв.", u)
    out = re.sub(r"\bM USD\b", "млн долл. США", out)
    return _WORD.sub(lambda m: _UNITS_RU.get(m.group(0), m.group(0)), out)


_LATIN_UNITS = sorted((k for k in _UNITS_RU if re.search("[A-Za-z]", k) and k != _UNITS_RU[k]),
                      key=len, reverse=True)
_NUM_UNIT = re.compile(r"(?<=\d)([ \u00a0\u202f])(" + "|".join(re.escape(k) for k in _LATIN_UNITS)
                       + r")(?![A-Za-z])")


def ru_units(text: str) -> str:
    """Units written after numbers in a Russian sentence, in Russian ('4 030 m' → '4 030 м')."""
    return _NUM_UNIT.sub(lambda m: m.group(1) + _UNITS_RU[m.group(2)], text)


def half(text: str | None, lang: str) -> str:
    """One language of an 'English / Русский' label (alt texts, scale bars)."""
    s = "" if text is None else str(text)
    if lang == "both":
        return s
    if " / " in s:
        en, ru = s.split(" / ", 1)
        if re.search("[А-Яа-яЁё]", ru):
            return ru if lang == "ru" else en
    # 'English sentence. Русское предложение.': split where the first Russian sentence starts
    m = re.search(r"(?:^|(?<=[.!?] ))[^.!?]*[А-Яа-яЁё]", s)
    if not m or m.start() == 0:
        return s
    return s[m.start():] if lang == "ru" else s[:m.start()].strip()


def unit_en(unit: str | None) -> str:
    if not unit:
        return ""
    u = unit.strip()
    if " / " in u and re.search("[а-яА-Я]", u.split(" / ", 1)[1]):
        return u.split(" / ", 1)[0]
    return u.replace("CO2e", "CO₂e")


def fmt_lang(v: float | None, lang: str = "en") -> str:
    """:func:`fmt_number` with a decimal comma on Russian pages."""
    s = fmt_number(v)
    return s.replace(".", ",") if lang == "ru" else s


def _pick(en: Any, ru: Any, lang: str) -> tuple[str, str]:
    """The text and its language for a one-language page (English where Russian is missing)."""
    if lang == "ru" and ru:
        return ru_units(str(ru)), "ru"
    return ("" if en is None else str(en)), "en"


def page_globals(lang: str) -> dict[str, Callable[..., Any] | str]:
    """Template helpers of a page in ``lang`` ('both', 'en' or 'ru')."""
    if lang not in LANGS:
        raise ValueError(f"page language must be one of {LANGS}, not {lang!r}")

    # a page asks for the same few thousand texts again and again (every city page, three
    # languages): each pair is made into HTML once per process
    made: dict[tuple[Any, ...], Markup] = {}

    def bi(en: Any, ru: Any = None, *, sep: str = " / ", block: bool = False) -> Markup:
        key = (type(en), en, type(ru), ru, sep, block)
        try:
            return made[key]
        except KeyError:
            out = made[key] = _bi(en, ru, sep=sep, block=block)
            return out
        except TypeError:           # an unhashable value: made each time
            return _bi(en, ru, sep=sep, block=block)

    def _bi(en: Any, ru: Any, *, sep: str, block: bool) -> Markup:
        if lang == "both":
            return i18n.bilingual("" if en is None else str(en), None if ru is None else str(ru),
                                  sep=sep, block=block)
        s, la = _pick(en, ru, lang)
        cls = ' class="en-fallback"' if lang == "ru" and la == "en" else ""
        return Markup('<span lang="{}"{}>{}</span>').format(la, Markup(cls), s)

    def t(key: str, **kw: Any) -> Markup:
        return bi(i18n.text(key, "en", **kw), i18n.text(key, "ru", **kw))

    def tb(key: str, **kw: Any) -> Markup:
        return bi(i18n.text(key, "en", **kw), i18n.text(key, "ru", **kw), block=True)

    def tx(key: str, **kw: Any) -> Markup:
        en, ru = i18n.text(key, "en", **kw), i18n.text(key, "ru", **kw)
        if lang == "both":
            return Markup('{} <span class="ru ru-line" lang="ru">{}</span>').format(en, ru)
        return escape(ru_units(ru) if lang == "ru" else en)

    def u(unit: str | None) -> str:
        if lang == "ru":
            return unit_ru(unit)
        if lang == "en":
            return unit_en(unit)
        en, ru = unit_en(unit), unit_ru(unit)
        return en if en == ru else f"{en} / {ru}"

    def fmt(v: float | None) -> str:
        return fmt_lang(v, "ru" if lang == "ru" else "en")

    def one(key: str, **kw: Any) -> str:
        """A UI string as plain text in the page's language (attributes, alt text)."""
        if lang == "both":
            return i18n.plain(key, **kw)
        return i18n.text(key, lang, **kw)

    def cn(kind: str, code: Any) -> Markup:
        """The name of an engine's code in the page's language; unknown codes as ``<code>``."""
        if code is None or code == "":
            return Markup("")
        en = i18n_data.code_name(kind, code, "en")
        if en is None:
            return Markup('<code>{}</code>').format(code)
        return bi(en, i18n_data.code_name(kind, code, "ru"))

    def num(label: Any) -> str:
        """A tick label: a number formatted for the page, anything else as it is."""
        try:
            return fmt(float(str(label).replace("−", "-")))
        except ValueError:
            return str(label)

    def h(text: str | None) -> str:
        return half(text, lang)

    return {"lang": lang, "t": t, "cn": cn, "num": num, "half": h, "tb": tb, "tx": tx, "bi": bi,
            "u": u, "fmt": fmt,
            "one": one, "html_lang": "ru" if lang == "ru" else "en",
            "suffix": SUFFIX[lang]}
