"""The portal's HTML pages: region, city, compare, downloads and the API page.

Server-rendered with Jinja2 (templates in ``portal/templates``) in the request's language
(:func:`carlcities.portal.i18n.pick_lang`); the maps and charts are drawn in the browser by the
vendored MapLibre GL JS and Chart.js from the JSON the page embeds or the API serves.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ..errors import CarlError
from ..report.i18n import country_name
from . import citydata, downloads, geo
from .api import src
from .i18n import say
from .source import SIZE_CLASSES

__all__ = ["render", "router"]

router = APIRouter(include_in_schema=False)
DEFAULT_INDICATOR = ("form.extent_density", "form.builtup_density", "form.extent_area")


def to_json(obj: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``</`` escaped)."""
    return Markup(json.dumps(obj, ensure_ascii=False, default=str).replace("</", "<\\/"))


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = request.state.lang
    s = src(request)
    meta = s.meta() if s.out_dir.joinpath("study.duckdb").is_file() else {}
    me, logout_csrf = _account(request)
    page = request.app.state.templates.get_template(template).render(
        request=request, path=request.url.path, synthetic=ctx.pop("synthetic", None),
        accounts_on=getattr(request.app.state, "accounts", None) is not None, me=me,
        logout_csrf=logout_csrf,
        title_study=meta.get("title_ru" if lang == "ru" else "title_en") or "carlcities",
        to_json=to_json, **request.state.globals, **ctx)
    return HTMLResponse(page, status_code=status)


def _account(request: Request) -> tuple[Any, str]:
    """The signed-in user (``None`` without accounts or session) and their CSRF token."""
    store = getattr(request.app.state, "accounts", None)
    if store is None:
        return None, ""
    from .deps import current_user, session_token

    user = current_user(request, store)
    token = session_token(request)
    return user, (store.csrf_token(token) if user is not None and token else "")


def _lang_name(row: dict[str, Any], lang: str, key: str = "name") -> str:
    return str(row.get(f"{key}_ru") if lang == "ru" and row.get(f"{key}_ru")
               else row.get(f"{key}_en") or "")


def _city_rows(lang: str, cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in cities:
        en, ru = country_name(c.get("country_iso3"))
        sc = c.get("size_class")
        out.append({**c, "name": _lang_name(c, lang), "country": ru if lang == "ru" else en,
                    "size": "" if sc is None else SIZE_CLASSES[sc][2 if lang == "ru" else 1]})
    return out


def _indicator_list(request: Request, lang: str) -> list[dict[str, Any]]:
    return [{"id": i, "name": _lang_name(r, lang), "unit": r.get("unit"),
             "theme": r.get("theme")} for i, r in sorted(src(request).indicators().items())]


@router.get("/", response_class=HTMLResponse)
def region(request: Request) -> HTMLResponse:
    lang = request.state.lang
    s = src(request)
    inds = _indicator_list(request, lang)
    have = {i["id"] for i in inds}
    default = next((d for d in DEFAULT_INDICATOR if d in have), inds[0]["id"] if inds else "")
    cities = _city_rows(lang, s.cities())
    vals = s.indicator_values(default) if default else {}
    try:
        ne_source = geo.region_source("countries")
    except CarlError:
        ne_source = ""
    return render(request, "region.html", cities=cities, indicators=inds, default=default,
                  ne_source=ne_source,
                  values=vals, sizes=[x[2 if lang == "ru" else 1] for x in SIZE_CLASSES],
                  countries=sorted({c["country"] for c in cities}),
                  types=sorted({str(c["type"]) for c in cities if c.get("type") is not None}),
                  synthetic=s.synthetic())


@router.get("/city/{city_id}", response_class=HTMLResponse)
def city(request: Request, city_id: str) -> HTMLResponse:
    lang = request.state.lang
    s = src(request)
    try:
        c = _city_rows(lang, [s.city(city_id)])[0]
    except CarlError as exc:
        raise HTTPException(404, f"no city {city_id!r} in this study") from exc
    try:
        profile = s.profile(city_id)
    except CarlError:          # a city in the catalogue without values yet
        profile = []
    charts, opts, recs = s.memo(("city_page", city_id, lang), lambda st: (
        citydata.charts(st, city_id, lang), citydata.options(st, city_id),
        citydata.recommendations(st, city_id, lang)))
    inds = s.indicators()
    growth_names = {k: _lang_name(inds.get(k, {"name_en": k}), lang) for k in charts["growth"]}
    return render(request, "city.html", city=c, cards=citydata.cards(profile, lang),
                  charts=charts, growth_names=growth_names, options=opts,
                  recommendations=recs, synthetic=bool(c.get("synthetic")),
                  files=downloads.city_files(s.out_dir, city_id, s.layers(city_id)),
                  has_osm=geo.osm_input(s.manifest(), city_id) is not None)


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, cities: str = "", ind: str = "", x: str = "",
            y: str = "") -> HTMLResponse:
    lang = request.state.lang
    s = src(request)
    all_cities = _city_rows(lang, s.cities())
    known = {c["city_id"] for c in all_cities}
    chosen = [c for c in cities.split(",") if c in known]
    too_many = len(chosen) > 4
    chosen = chosen[:4]
    inds = _indicator_list(request, lang)
    ids = {i["id"] for i in inds}
    picked = [i for i in ind.split(",") if i in ids] or [
        d for d in DEFAULT_INDICATOR if d in ids]
    latest = s.latest_values()
    rows = []
    for i in picked:
        v = latest[latest["indicator_id"] == i]
        vals = dict(zip(v["city_id"], v["value"]))
        n = int(v["value"].notna().sum())
        ranks = (100 * (v["value"].rank(method="average") - 0.5) / n) if n else v["value"]
        rk = dict(zip(v["city_id"], ranks))
        rows.append({"id": i, "name": next(x["name"] for x in inds if x["id"] == i),
                     "unit": next(x["unit"] for x in inds if x["id"] == i),
                     "cells": [{"value": vals.get(c), "rank": rk.get(c)} for c in chosen]})
    xs = x if x in ids else (picked[0] if picked else "")
    ys = y if y in ids else (picked[1] if len(picked) > 1 else xs)
    by_id = {c["city_id"]: c for c in all_cities}
    return render(request, "compare.html", all_cities=all_cities,
                  names={c["city_id"]: c["name"] for c in all_cities},
                  chosen=[by_id[c] for c in chosen], indicators=inds, picked=picked,
                  rows=rows, too_many=too_many, x=xs, y=ys, synthetic=s.synthetic())


@router.get("/downloads", response_class=HTMLResponse)
def downloads_page(request: Request) -> HTMLResponse:
    lang = request.state.lang
    s = src(request)
    man = s.manifest()
    per_city = [{"city": c, "files": downloads.city_files(s.out_dir, c["city_id"],
                                                           s.layers(c["city_id"]))}
                for c in _city_rows(lang, s.cities())]
    return render(request, "downloads.html", region=downloads.region_files(s.out_dir),
                  per_city=per_city, run_id=man.get("run_id"),
                  software=man.get("software") or {}, synthetic=s.synthetic(),
                  method_versions=sorted(
                      set(s.memo("method_versions", _method_versions)))[:400])


def _method_versions(st: Any) -> list[str]:
    v = st.values()
    return sorted({str(m) for m in v.get("method_version", []) if m})


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    spec = request.app.openapi()
    lang = request.state.lang
    eps = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            key = op.get("summary") or ""
            eps.append({"method": method.upper(), "path": path,
                        "summary": API_RU.get(key, key) if lang == "ru" else key})
    return render(request, "api.html", endpoints=eps)


#: the Russian summaries of the API's endpoints (the OpenAPI text is English)
API_RU = {
    "The cities of the study": "Города исследования",
    "Indicators with values in the study": "Показатели, для которых есть значения",
    "Latest observed whole-city values of one indicator, per city":
        "Последние наблюдаемые значения одного показателя по городам",
    "One city: facts and indicator profile with regional median and rank":
        "Город: сведения и профиль показателей с медианой по региону и рангом",
    "Every value of a city (all epochs, zones and scenarios)":
        "Все значения города (все периоды, зоны и сценарии)",
    "The raster layers of a city, grouped by family, with legends":
        "Растровые слои города по группам, с легендами",
    "A city's vectors: extents (by epoch), districts or basemap (OSM)":
        "Векторные слои города: границы застройки по периодам, районы или подложка (OSM)",
    "Natural Earth countries, rivers or lakes of the region":
        "Страны, реки или озёра региона (Natural Earth)",
    "A 256 px map tile of a city's raster layer (Web Mercator)":
        "Тайл карты 256 пикселей растрового слоя города (Web Mercator)",
    "A file the run wrote (exports, rasters, report, manifest)":
        "Файл, записанный расчётом (экспорт, растры, отчёт, манифест)",
    "Save one scorecard answer (editors of the city; CSRF token header)":
        "Сохранить один ответ оценочной карты (редакторы города; заголовок с токеном CSRF)",
}


def not_found_page(request: Request, detail: str) -> HTMLResponse:
    return render(request, "error.html", status=404,
                  heading=say("not_found", request.state.lang), detail=detail)
