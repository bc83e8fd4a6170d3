"""``/api/v1/…``: the study as JSON (cities, indicators, values, a city's profile, layers and
vectors), the map tiles ``/tiles/CITY/LAYER/Z/X/Y.png`` and the downloads ``/download/PATH``.

Everything is read through :class:`~carlcities.portal.source.StudySource` (that is,
:mod:`carlcities.results`); OpenAPI describes it at ``/openapi.json``.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ..errors import CarlError
from ..report.lang import unit_en, unit_ru
from ..results import records
from . import downloads, geo, tiles
from .layers import classify, layer_groups, style_of
from .source import SIZE_CLASSES, StudySource

__all__ = ["router"]

router = APIRouter()


def src(request: Request) -> StudySource:
    return request.app.state.source  # type: ignore[no-any-return]


def _city(request: Request, city_id: str) -> dict[str, Any]:
    try:
        return src(request).city(city_id)
    except CarlError as exc:
        raise HTTPException(404, f"no city {city_id!r} in this study") from exc


@router.get("/api/v1/cities", tags=["cities"], summary="The cities of the study")
def api_cities(request: Request) -> list[dict[str, Any]]:
    keep = ("city_id", "name_en", "name_ru", "country_iso3", "lat", "lon", "population",
            "population_year", "setting", "size_class", "type", "synthetic")
    out = []
    for c in src(request).cities():
        row = {k: c.get(k) for k in keep}
        sc = c.get("size_class")
        row["size_class_en"] = None if sc is None else SIZE_CLASSES[sc][1]
        out.append(row)
    return out


@router.get("/api/v1/indicators", tags=["indicators"],
            summary="Indicators with values in the study")
def api_indicators(request: Request) -> list[dict[str, Any]]:
    return list(src(request).indicators().values())


@router.get("/api/v1/values", tags=["indicators"],
            summary="Latest observed whole-city values of one indicator, per city")
def api_values(request: Request, indicator: str = Query(..., examples=["form.extent_area"])
               ) -> dict[str, Any]:
    s = src(request)
    ind = s.indicators().get(indicator)
    if ind is None:
        raise HTTPException(404, f"no indicator {indicator!r} with values in this study")
    return {"indicator": ind, "values": s.indicator_values(indicator)}


@router.get("/api/v1/cities/{city_id}", tags=["cities"],
            summary="One city: facts and indicator profile with regional median and rank")
def api_city(request: Request, city_id: str) -> dict[str, Any]:
    c = _city(request, city_id)
    return {"city": c, "profile": src(request).profile(city_id)}


@router.get("/api/v1/cities/{city_id}/values", tags=["cities"],
            summary="Every value of a city (all epochs, zones and scenarios)")
def api_city_values(request: Request, city_id: str,
                    format: str = Query("json", pattern="^(json|csv)$")) -> Any:
    _city(request, city_id)
    with src(request).study() as st:
        v = st.values(city=city_id, zone=None)
    if format == "csv":
        buf = io.StringIO()
        v.to_csv(buf, index=False)
        return Response(buf.getvalue(), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{city_id}_values.csv"'})
    return JSONResponse(records(v))


@router.get("/api/v1/cities/{city_id}/layers", tags=["maps"],
            summary="The raster layers of a city, grouped by family, with legends")
def api_layers(request: Request, city_id: str, lang: str = Query("en", pattern="^(en|ru)$")
               ) -> list[dict[str, Any]]:
    _city(request, city_id)
    s = src(request)
    return s.memo(("layers", city_id, lang), lambda _st: _layer_groups(s, city_id, lang))


def _layer_groups(s: StudySource, city_id: str, lang: str) -> list[dict[str, Any]]:
    groups = layer_groups(s.layers(city_id), lang)
    for g in groups:
        g["unit_label"] = unit_ru(g["unit"]) if lang == "ru" else unit_en(g["unit"])
        st = g["cmap"]
        if st:
            r = tiles.family_range(s.family_paths(city_id, g["layers"][-1]["name"]))
            scale = style_of(g["family"]).scale
            g["range"] = [r.lo * scale, r.hi * scale]
            g["stops"] = tiles.legend_stops(st)
    return groups


@router.get("/api/v1/cities/{city_id}/vectors/{name}.geojson", tags=["maps"],
            summary="A city's vectors: extents (by epoch), districts or basemap (OSM)")
def api_vectors(request: Request, city_id: str, name: str) -> Any:
    _city(request, city_id)
    s = src(request)
    if name == "basemap":
        osm = geo.osm_input(s.manifest(), city_id)
        rasters = s.layers(city_id)
        if osm is None or not rasters:
            return {"type": "FeatureCollection", "features": []}
        bounds = geo.footprint(s.raster_path(city_id, rasters[0]))
        path = geo.basemap_geojson(s.out_dir / "portal_cache", city_id, osm, bounds)
        return FileResponse(path, media_type="application/geo+json")
    if name not in ("extents", "districts"):
        raise HTTPException(404, "vectors: extents, districts or basemap")
    with s.study() as st:
        if name == "extents":
            return geo.frame_geojson(st.extents(city_id), ("epoch",))
        return geo.frame_geojson(st.districts(city_id), ("zone_id", "name_en", "name_ru"))


@router.get("/api/v1/region/{layer}.geojson", tags=["maps"],
            summary="Natural Earth countries, rivers or lakes of the region")
def api_region(request: Request, layer: str) -> Any:
    if layer not in ("countries", "rivers", "lakes"):
        raise HTTPException(404, "region layers: countries, rivers, lakes")
    try:
        return src(request).memo(("region", layer), lambda _st: geo.region_geojson(layer))
    except CarlError as exc:
        raise HTTPException(404, f"the Natural Earth {layer} file cannot be read") from exc


@router.get("/tiles/{city_id}/{layer}/{z}/{x}/{y}.png", tags=["maps"],
            summary="A 256 px map tile of a city's raster layer (Web Mercator)",
            response_class=Response)
def tile(request: Request, city_id: str, layer: str, z: int, x: int, y: int) -> Response:
    if not (0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise HTTPException(404, "no such tile")
    try:
        path = src(request).raster_path(city_id, layer)
    except CarlError as exc:
        raise HTTPException(404, f"no layer {layer!r} for city {city_id!r}") from exc
    style = style_of(classify(layer).family)
    stretch = None if style.classes else tiles.family_range(src(request).family_paths(city_id,
                                                                                       layer))
    png = tiles.render_tile(path, z, x, y, stretch)
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/download/{path:path}", tags=["downloads"],
            summary="A file the run wrote (exports, rasters, report, manifest)")
def download(request: Request, path: str) -> FileResponse:
    f = downloads.safe_file(src(request).out_dir, path)
    if f is None:
        raise HTTPException(404, "no such file to download")
    media = downloads.FORMATS[f.suffix.lower()][1]
    inline = f.suffix.lower() in (".html", ".png", ".json", ".pdf")
    return FileResponse(f, media_type=media, filename=None if inline else f.name)
