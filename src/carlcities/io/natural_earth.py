"""Natural Earth (public domain) for regional maps: countries, rivers, lakes and capitals.

One reader for everything that draws the region (the report's regional map, the portal):

* a **full Natural Earth file** is used when one is found in ``$CARLCITIES_NATURAL_EARTH`` or
  in ``natural_earth/`` of the shared data (``$CARLCITIES_SHARED_DATA``) — any scale (10m
  first, then 50m, 110m), as shapefile, GeoJSON, GeoPackage or the zip Natural Earth
  distributes: ``ne_*_admin_0_countries.*``, ``ne_*_rivers_lake_centerlines.*``,
  ``ne_*_lakes.*``;
* otherwise the **extract shipped with the package** (``carlcities/data/natural_earth/``:
  Natural Earth 4.1.0, 1:50m, clipped to lon 44–90° E, lat 33–57° N; made by
  ``scripts/natural_earth_extract.py``, see its ``NOTICE.md``).

Every reader returns a GeoDataFrame in WGS 84 (EPSG:4326) with the same columns whatever the
source: countries ``iso_a3, name_en, name_ru, study, geometry``; rivers and lakes
``name_en, geometry``; capitals ``name_en, name_ru, iso_a3, geometry``. ``bbox`` (lon0, lat0,
lon1, lat1) keeps the features that reach into it (read with the bounding-box filter of
pyogrio for a full file).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputFileError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["LAYERS", "PACKAGED", "REGION_BBOX", "STUDY_COUNTRIES", "Source", "capitals",
           "countries", "full_files", "lakes", "read_layer", "rivers", "search_dirs", "source",
           "sources"]

#: layer → the stem of Natural Earth's own file names
LAYERS = {"countries": "admin_0_countries", "rivers": "rivers_lake_centerlines",
          "lakes": "lakes"}
PACKAGED = Path(__file__).resolve().parents[1] / "data" / "natural_earth"
CAPITALS_CSV = Path(__file__).resolve().parents[1] / "data" / "ne_capitals_central_asia.csv"
#: the frame of the packaged extract (lon0, lat0, lon1, lat1)
REGION_BBOX = (44.0, 33.0, 90.0, 57.0)
STUDY_COUNTRIES = frozenset({"KAZ", "KGZ", "TJK", "TKM", "UZB"})
_SUFFIXES = (".shp", ".geojson", ".gpkg", ".zip")
Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Source:
    """Where a layer is read from: a full Natural Earth file, or the packaged extract."""

    layer: str
    path: Path
    packaged: bool

    @property
    def label(self) -> str:
        """The file as a caption cites it."""
        if self.packaged:
            return f"carlcities/data/natural_earth/{self.path.name} (Natural Earth 4.1.0, 1:50m)"
        return self.path.name

    @property
    def key(self) -> str:
        """Name, size and SHA-256 prefix: changes when the file does (figure cache keys)."""
        st = self.path.stat()
        digest = _sha(str(self.path), st.st_size, st.st_mtime_ns)
        return f"{self.path.name}:{st.st_size}:{digest[:12]}"


def search_dirs() -> list[Path]:
    """The folders searched for full Natural Earth files, in order (existing ones only)."""
    out = []
    if os.environ.get("CARLCITIES_NATURAL_EARTH"):
        out.append(Path(os.environ["CARLCITIES_NATURAL_EARTH"]))
    if os.environ.get("CARLCITIES_SHARED_DATA"):
        out.append(Path(os.environ["CARLCITIES_SHARED_DATA"]) / "natural_earth")
    return [d for d in out if d.is_dir()]


def full_files() -> dict[str, Path]:
    """The full Natural Earth files found, by layer (finest scale first)."""
    found: dict[str, Path] = {}
    for d in search_dirs():
        for layer, stem in LAYERS.items():
            if layer in found:
                continue
            for scale in ("10m", "50m", "110m"):
                hits = sorted(p for p in d.glob(f"ne_{scale}_{stem}.*")
                              if p.suffix.lower() in _SUFFIXES)
                if hits:
                    found[layer] = hits[0]
                    break
    return found


def source(layer: str) -> Source:
    """Where ``layer`` ('countries', 'rivers', 'lakes') is read from."""
    if layer not in LAYERS:
        raise KeyError(f"unknown Natural Earth layer {layer!r} (one of {', '.join(LAYERS)})")
    full = full_files().get(layer)
    if full is not None:
        return Source(layer, full, False)
    return Source(layer, PACKAGED / f"{layer}.geojson", True)


def sources() -> dict[str, Source]:
    """:func:`source` of every layer."""
    return {layer: source(layer) for layer in LAYERS}


def countries(bbox: Bbox | None = None) -> gpd.GeoDataFrame:
    """Country polygons: ``iso_a3``, ``name_en``, ``name_ru`` ('' where the file has none),
    ``study`` (one of the five Central Asian countries of the study), geometry."""
    return read_layer("countries", bbox)


def rivers(bbox: Bbox | None = None) -> gpd.GeoDataFrame:
    """Rivers and lake centre lines: ``name_en`` ('' where unnamed), geometry."""
    return read_layer("rivers", bbox)


def lakes(bbox: Bbox | None = None) -> gpd.GeoDataFrame:
    """Lakes (the Aral Sea, Issyk-Kul, Balkhash, …): ``name_en``, geometry."""
    return read_layer("lakes", bbox)


def capitals(bbox: Bbox | None = None) -> gpd.GeoDataFrame:
    """The five national capitals (a five-row extract of Natural Earth's populated places):
    ``name_en``, ``name_ru``, ``iso_a3``, point geometry."""
    import geopandas as gpd
    from shapely.geometry import Point

    with open(CAPITALS_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    g = gpd.GeoDataFrame({"name_en": [r["name_en"] for r in rows],
                          "name_ru": [r["name_ru"] for r in rows],
                          "iso_a3": [r["country_iso3"] for r in rows]},
                         geometry=[Point(float(r["lon"]), float(r["lat"])) for r in rows],
                         crs="EPSG:4326")
    return _in_bbox(g, bbox)


def read_layer(layer: str, bbox: Bbox | None = None) -> gpd.GeoDataFrame:
    """``layer`` from :func:`source`, with the normalised columns (a copy: change it freely)."""
    src = source(layer)
    stat = src.path.stat() if src.path.exists() else None
    if stat is None:
        raise InputFileError(f"the Natural Earth {layer} file is missing", path=src.path,
                             fix="reinstall carlcities (the extract ships with the package)"
                             if src.packaged else "check the Natural Earth folder")
    g = _read_cached(layer, str(src.path), stat.st_size, stat.st_mtime_ns,
                     None if bbox is None else tuple(float(v) for v in bbox))
    return g.copy()


@functools.lru_cache(maxsize=32)
def _read_cached(layer: str, path: str, size: int, mtime_ns: int,
                 bbox: Bbox | None) -> gpd.GeoDataFrame:
    del size, mtime_ns   # in the key only: a changed file is read again
    import geopandas as gpd

    p = Path(path)
    where = f"zip://{p}" if p.suffix.lower() == ".zip" else str(p)
    try:
        g = gpd.read_file(where, bbox=bbox, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's fault
        raise InputFileError(f"cannot read the Natural Earth {layer} file ({exc})", path=p,
                             fix="replace it with a file from naturalearthdata.com "
                                 f"(ne_10m_{LAYERS[layer]}) or remove it to use the "
                                 "extract shipped with carlcities") from None
    if g.crs is None:
        g = g.set_crs("EPSG:4326")
    elif g.crs.to_epsg() != 4326:
        g = g.to_crs("EPSG:4326")
    return _normalise(layer, g, p)


def _column(g: gpd.GeoDataFrame, names: tuple[str, ...]) -> list[str]:
    col = next((c for c in names if c in g.columns), None)
    if col is None:
        return [""] * len(g)
    return ["" if v is None or v != v else str(v) for v in g[col]]


def _normalise(layer: str, g: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    g = g[g.geometry.notna() & ~g.geometry.is_empty]
    cols: dict[str, list] = {"name_en": _column(g, ("name_en", "NAME_EN", "name", "NAME"))}
    if layer == "countries":
        iso = _column(g, ("iso_a3", "ADM0_A3", "adm0_a3", "ISO_A3"))
        if not any(iso):
            raise InputFileError("the Natural Earth countries file has no country code column "
                                 "(ADM0_A3 or ISO_A3)", path=path,
                                 fix="use Natural Earth's admin_0_countries file as published")
        cols = {"iso_a3": iso, **cols, "name_ru": _column(g, ("name_ru", "NAME_RU")),
                "study": [c in STUDY_COUNTRIES for c in iso]}
    return gpd.GeoDataFrame(cols, geometry=g.geometry.to_numpy(), crs="EPSG:4326")


def _in_bbox(g: gpd.GeoDataFrame, bbox: Bbox | None) -> gpd.GeoDataFrame:
    if bbox is None:
        return g
    from shapely.geometry import box

    return g[g.intersects(box(*bbox))].reset_index(drop=True)


@functools.lru_cache(maxsize=16)
def _sha(path: str, size: int, mtime_ns: int) -> str:
    del size, mtime_ns   # in the key only
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
