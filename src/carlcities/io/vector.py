"""Vector readers (pyogrio): districts and other zones, put into a city grid's CRS.

GeoPackage, GeoJSON, Shapefile, GeoParquet and anything else GDAL/OGR reads.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CoverageError, CRSError, GeometryError, InputFileError, ReprojectionWarning
from .raster import file_sha256

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Zones", "read_zones", "slug"]

NAME_FIELDS_EN = ("name_en", "ADM2_EN", "ADM1_EN", "NAME_EN", "name:en", "district", "name",
                  "NAME", "Name")
NAME_FIELDS_RU = ("name_ru", "ADM2_RU", "ADM1_RU", "NAME_RU", "name:ru")


def slug(text: str) -> str:
    """Lowercase ASCII slug: 'Mirzo Ulugbek district' → 'mirzo_ulugbek_district'."""
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", t.lower()).strip("_") or "zone"


@dataclass
class Zones:
    """Zones in the grid's CRS: a GeoDataFrame with ``zone_id``, ``name_en``, ``name_ru``."""

    frame: gpd.GeoDataFrame
    path: str
    sha256: str
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return list(self.frame["zone_id"])


def read_zones(path: str | Path, grid, name_field: str | None = None) -> Zones:
    """Read district polygons, check them, and reproject them to the grid's CRS.

    Invalid or empty geometries and polygons that miss the study area are errors; a layer in
    another CRS is reprojected with a :class:`~carlcities.errors.ReprojectionWarning` and a note.
    """
    import geopandas as gpd
    import pyogrio
    import shapely

    path = str(path)
    if not Path(path).exists():
        raise InputFileError("file not found", path=path, fix="check data.districts in the config")
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio raises DataSourceError and others
        raise InputFileError(f"cannot be read as a vector layer ({exc})", path=path,
                             fix="use a GeoPackage, GeoJSON, Shapefile or GeoParquet file"
                             ) from exc
    if len(gdf) == 0:
        raise GeometryError("the layer has no features", path=path, fix="check the file")
    if gdf.crs is None:
        raise CRSError("the layer has no coordinate reference system", path=path,
                       fix="assign one (e.g. ogr2ogr -a_srs EPSG:4326)")
    geoms = gdf.geometry.values
    empty = [i for i, g in enumerate(geoms) if g is None or g.is_empty]
    if empty:
        raise GeometryError(f"{len(empty)} empty geometries (features {empty[:5]})", path=path,
                            fix="remove the empty features or redraw them")
    notes: list[str] = []
    invalid = [i for i, g in enumerate(geoms) if not g.is_valid]
    if invalid:
        why = shapely.is_valid_reason(geoms[invalid[0]])
        raise GeometryError(f"{len(invalid)} invalid geometries (feature {invalid[0]}: {why})",
                            path=path, fix="repair them (QGIS 'Fix geometries', or "
                                           "shapely.make_valid) and save again")
    coll = gdf.geometry.geom_type == "GeometryCollection"
    if coll.any():  # e.g. GeoJSON-Uzbekistan wraps each district's MultiPolygon in a collection
        def _polygonal(g):
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            return shapely.union_all(parts) if parts else g
        gdf = gdf.set_geometry([_polygonal(g) if c else g for g, c in zip(gdf.geometry, coll)],
                               crs=gdf.crs)
        notes.append(f"{int(coll.sum())} geometry collections reduced to their polygons")
    polys = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polys.all():
        raise GeometryError("zones must be polygons; found "
                            f"{sorted(set(gdf.geometry.geom_type[~polys]))}", path=path,
                            fix="give district polygons")
    if not gdf.crs.equals(grid.crs):
        notes.append(f"reprojected from {gdf.crs.to_string()} to EPSG:{grid.epsg}")
        warnings.warn(f"{path}: districts {notes[-1]}", ReprojectionWarning, stacklevel=2)
        gdf = gdf.to_crs(grid.crs)
    box = shapely.box(*grid.bounds)
    overlap = gdf.geometry.intersection(box).area / gdf.geometry.area
    if float(overlap.max()) <= 0:
        raise CoverageError(f"no district overlaps the study area of '{grid.city_id}'", path=path,
                            fix="check that the districts belong to this city and their CRS")
    outside = gdf.index[overlap < 0.5]
    if len(outside):
        notes.append(f"{len(outside)} districts lie mostly outside the study area")
    en = name_field or next((f for f in NAME_FIELDS_EN if f in gdf.columns), None)
    if name_field and name_field not in gdf.columns:
        raise InputFileError(f"no attribute {name_field!r}; attributes are "
                             f"{list(gdf.columns)}", path=path,
                             fix="set data.district_name_field to one of them")
    ru = next((f for f in NAME_FIELDS_RU if f in gdf.columns), None)
    names = [str(v) for v in gdf[en]] if en else [f"zone {i + 1}" for i in range(len(gdf))]
    ids, seen = [], set()
    for n in names:
        s = slug(n)
        while s in seen:
            s += "_"
        seen.add(s)
        ids.append(s)
    out = gpd.GeoDataFrame({"zone_id": ids, "name_en": names,
                            "name_ru": [str(v) for v in gdf[ru]] if ru else names},
                           geometry=gdf.geometry.values, crs=gdf.crs)
    return Zones(out, path, file_sha256(path), notes)
