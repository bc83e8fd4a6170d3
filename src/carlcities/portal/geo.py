"""Vector layers of the portal's maps as GeoJSON (WGS 84): the city's offline basemap from its
own OpenStreetMap file, urban extents, districts, and the countries, rivers and lakes of the
region (Natural Earth).

The basemap is read with the report's reader (:func:`carlcities.report.basemap.load_basemap`:
roads, rivers, water, green areas, place names) inside the city's raster footprint, and cached
as ``OUT/portal_cache/CITY/basemap-KEY.geojson``; ``KEY`` is a hash of the PBF's SHA-256 (from
the run manifest), the footprint and :data:`BASEMAP_VERSION`, so a new OSM file or a new
reader gives a new file and the old one is never served.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..files import atomic_path
from ..io import natural_earth
from ..report.basemap import load_basemap

__all__ = ["BASEMAP_VERSION", "basemap_geojson", "frame_geojson", "osm_input", "region_geojson",
           "region_source"]

BASEMAP_VERSION = 1
_ROUND = 5          # decimal degrees kept (~1 m)


def osm_input(manifest: dict[str, Any], city_id: str) -> dict[str, Any] | None:
    """The run manifest's input of role ``osm`` for the city (path and sha256), if its file
    is still there."""
    for x in manifest.get("inputs") or []:
        if (x.get("role") == "osm" and x.get("city_id") == city_id and x.get("path")
                and Path(x["path"]).is_file()):
            return dict(x)
    return None


def footprint(raster: Path) -> tuple[float, float, float, float]:
    """A raster's bounds in WGS 84 (west, south, east, north)."""
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(raster) as ds:
        w, s, e, n = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds)
    return (float(w), float(s), float(e), float(n))


def _coords(xy: Any) -> list[list[float]]:
    return [[round(float(x), _ROUND), round(float(y), _ROUND)] for x, y in xy]


def basemap_geojson(cache_dir: Path, city_id: str, osm: dict[str, Any],
                    bounds: tuple[float, float, float, float]) -> Path:
    """The city's basemap as a GeoJSON file under ``cache_dir`` (made on first use)."""
    key = hashlib.sha256(json.dumps([osm.get("sha256") or osm["path"], bounds,
                                     BASEMAP_VERSION]).encode()).hexdigest()[:16]
    out = cache_dir / city_id / f"basemap-{key}.geojson"
    if out.is_file():
        return out
    bm = load_basemap(osm["path"], 4326, bounds)
    feats: list[dict[str, Any]] = []
    for kind, lines in (("road", bm.roads), ("river", bm.rivers)):
        feats += [{"type": "Feature", "properties": {"kind": kind, "rank": rank},
                   "geometry": {"type": "LineString", "coordinates": _coords(xy)}}
                  for rank, xy in lines]
    for kind, rings in (("water", bm.water), ("green", bm.green)):
        feats += [{"type": "Feature", "properties": {"kind": kind},
                   "geometry": {"type": "Polygon", "coordinates": [_coords(r)]}}
                  for r in rings]
    feats += [{"type": "Feature",
               "properties": {"kind": "place", "rank": rank, "name_en": en, "name_ru": ru},
               "geometry": {"type": "Point", "coordinates": _coords([(x, y)])[0]}}
              for rank, x, y, en, ru in bm.places]
    out.parent.mkdir(parents=True, exist_ok=True)
    for old in out.parent.glob("basemap-*.geojson"):
        old.unlink(missing_ok=True)
    with atomic_path(out) as tmp:
        Path(tmp).write_text(json.dumps({"type": "FeatureCollection", "features": feats,
                                         "source": bm.source}), encoding="utf-8")
    return out


def frame_geojson(gdf: Any, keep: tuple[str, ...]) -> dict[str, Any]:
    """A GeoDataFrame (WGS 84) as a GeoJSON dict with only the ``keep`` properties."""
    import shapely

    feats = []
    for _i, row in gdf.iterrows():
        g = row.geometry
        if g is None or not hasattr(g, "is_empty") or g.is_empty:
            continue
        geom = json.loads(shapely.to_geojson(shapely.set_precision(g, 10 ** -_ROUND)))
        props = {k: (None if row.get(k) is None else
                     (int(row[k]) if k == "epoch" and row[k] == row[k] else row[k]))
                 for k in keep if k in row}
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    return {"type": "FeatureCollection", "features": feats}


def region_geojson(layer: str) -> dict[str, Any]:
    """Natural Earth's ``countries``, ``rivers`` or ``lakes`` over the region (the packaged
    extract, or a full file where one is installed: :mod:`carlcities.io.natural_earth`),
    simplified to about 1 km for the browser."""
    g = natural_earth.read_layer(layer, natural_earth.REGION_BBOX)
    g["geometry"] = g.geometry.simplify(0.01)
    keep = {"countries": ("iso_a3", "name_en", "name_ru", "study")}.get(layer, ("name_en",))
    return frame_geojson(g, keep)


def region_source(layer: str) -> str:
    """The file a region layer is read from, as a caption cites it."""
    return natural_earth.source(layer).label
