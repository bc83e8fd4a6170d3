"""The city page's "What this study could not measure, and how to add it" (English and
Russian), from the run manifest's ``coverage`` (written by the conductor from
:func:`carlcities.coverage.manifest_section`): for each input role a city lacks, the
indicators it would give, what stands in for it (if anything), and the products of the source
catalogue that fill it — with their access mode and the command or page that gets them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ACCESS_TEXT", "coverage_section", "coverage_sections"]

#: how a product is reached, in both languages
ACCESS_TEXT = {
    "open": ("open download", "открытая загрузка"),
    "registration": ("free registration", "бесплатная регистрация"),
    "manual": ("download by hand from the landing page", "загрузка вручную со страницы "
               "продукта"),
}
_TITLE = ("What this study could not measure, and how to add it",
          "Что это исследование не смогло измерить и как это добавить")
_INTRO = ("Each row is an input the engines read that this city's configuration did not give. "
          "“Stand-in” rows were measured with a substitute; “not measured” rows have no value "
          "at all. Fetch the product (or download it by hand), set the data: key, and run "
          "again: only this city is recomputed.",
          "Каждая строка — входные данные, которых не было в конфигурации города. Строки "
          "«замена» посчитаны по заменителю; строки «не измерено» не имеют значения. Загрузите "
          "продукт (или скачайте вручную), задайте ключ data: и запустите снова: пересчитается "
          "только этот город.")
_STATE = {"missing": ("not measured", "не измерено"), "fallback": ("stand-in", "замена")}


def coverage_section(manifest: Mapping[str, Any], city_id: str,
                     names: Mapping[str, tuple[str, str]] | None = None
                     ) -> dict[str, Any] | None:
    """The section for one city, or None when the city lacks nothing (or the manifest has no
    coverage: a run made before it was recorded). ``names`` maps indicator ids to (English,
    Russian) names (the store's ``indicators``); ids stand in for missing names."""
    cov = manifest.get("coverage") or {}
    city = (cov.get("cities") or {}).get(city_id)
    if not city:
        return None
    roles = cov.get("roles") or {}
    names = names or {}
    rows = []
    for role, state in (city.get("roles") or {}).items():
        if state not in _STATE or role not in roles:
            continue
        info = roles[role]
        inds = [{"id": i, "name_en": names.get(i, (i, i))[0], "name_ru": names.get(i, (i, i))[1]}
                for i in info.get("indicators") or []]
        prods = []
        for p in info.get("products") or []:
            acc_en, acc_ru = ACCESS_TEXT.get(p.get("access", "open"), ACCESS_TEXT["open"])
            how = (f"carlcities data fetch --cities {city_id} --products {p['id']}"
                   if p.get("fetch") else p.get("landing_page", ""))
            prods.append({**p, "access_en": acc_en, "access_ru": acc_ru, "how": how})
        st_en, st_ru = _STATE[state]
        rows.append({"role": role, "state": state, "state_en": st_en, "state_ru": st_ru,
                     "label_en": info.get("label_en") or role,
                     "label_ru": info.get("label_ru") or info.get("label_en") or role,
                     "stand_in_en": info.get("fallback_en", "") if state == "fallback" else "",
                     "stand_in_ru": info.get("fallback_ru", "") if state == "fallback" else "",
                     "indicators": inds, "products": prods,
                     "config_key": next((p["config_key"] for p in prods if p.get("config_key")),
                                        role)})
    if not rows and not city.get("error"):
        return None
    rows.sort(key=lambda r: (r["state"] != "missing", r["role"]))
    skipped = {k: v for k, v in (city.get("engines") or {}).items() if v != "runs"}
    return {"title_en": _TITLE[0], "title_ru": _TITLE[1], "intro_en": _INTRO[0],
            "intro_ru": _INTRO[1], "rows": rows, "engines_not_run": skipped,
            "error": city.get("error", "")}


def coverage_sections(results: Any, manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """:func:`coverage_section` of every city of an open study (``carlcities.results``), with
    the indicator names of its store."""
    from ..results import records

    names = {r["indicator_id"]: (r["name_en"], r["name_ru"])
             for r in records(results.indicators(), ["indicator_id", "name_en", "name_ru"])}
    out = {}
    for cid in (manifest.get("coverage") or {}).get("cities") or {}:
        sec = coverage_section(manifest, cid, names)
        if sec is not None:
            out[cid] = sec
    return out
