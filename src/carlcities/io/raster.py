"""Raster readers for the products people download, and the COG writer.

Recognised by their published file names:

============  ===============================================================  ==========
product       file name (examples)                                             put on grid
============  ===============================================================  ==========
GHS_BUILT_S   GHS_BUILT_S_E2020_GLOBE_R2023A_54009_100_V1_0[_R5_C25].tif        count [m²]
GHS_POP       GHS_POP_E2020_GLOBE_R2023A_54009_100_V1_0.tif, ..._4326_3ss_...   count
GHS_SMOD      GHS_SMOD_E2020_GLOBE_R2023A_54009_1000_V2_0.tif                   class
WorldPop      kaz_ppp_2020.tif, uzb_ppp_2020_UNadj.tif, ..._1km_Aggregated.tif  count
COP-DEM       Copernicus_DSM_COG_10_N43_00_E076_00_DEM.tif                      fraction [m]
SRTM          n43_e076_1arc_v3.tif                                              fraction [m]
============  ===============================================================  ==========

GHSL: Pesaresi & Politis (2023) GHS-BUILT-S R2023A, Schiavina et al. (2023) GHS-POP R2023A,
European Commission JRC; WorldPop (2018) Global High Resolution Population Denominators,
doi:10.5258/SOTON/WP00645. Reads are windowed to the city grid (see :mod:`carlcities.grid`).
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import Problems, check_population
from ..errors import (
    BandCountError,
    CoverageError,
    CRSError,
    InputFileError,
    NodataError,
    RasterError,
)
from ..files import atomic_path, sha256_file

__all__ = ["ProductInfo", "Layer", "identify_product", "read_layer", "write_cog", "file_sha256",
           "footprint_window", "read_window", "read_window_float",
           "register_product", "PRODUCTS", "ROLES", "forget_layers"]

_GHSL = re.compile(r"^GHS_(?P<layer>BUILT_S|POP|SMOD)_E(?P<epoch>\d{4})_GLOBE_"
                   r"(?P<release>R\d{4}[A-Z])_(?P<crs>\d+)_(?P<res>[0-9a-z]+)_"
                   r"V(?P<v1>\d+)_(?P<v2>\d+)(?:_R\d+_C\d+)?\.(?:tif|tiff|vrt)$", re.I)
_WORLDPOP = re.compile(r"^(?P<iso>[a-z]{3})_(?:ppp|pd)_(?P<epoch>\d{4})"
                       r"(?P<rest>(?:_[A-Za-z0-9]+)*)\.tif$", re.I)
_COPDEM = re.compile(r"^Copernicus_DSM_(?:COG_)?(?P<res>\d+)_[NS]\d{2}_\d{2}_[EW]\d{3}_\d{2}_DEM"
                     r"\.(?:tif|tiff)$", re.I)
_SRTM = re.compile(r"^[ns]\d{2}_[ew]\d{3}_(?P<res>\d)arc_v(?P<v>\d)\.(?:tif|tiff)$", re.I)


@dataclass(frozen=True)
class ProductInfo:
    """What a file is: ``product``, its ``role`` (builtup | population | dem | smod | ...),
    the ``kind`` of resampling, ``epoch`` (year or None), ``version`` and ``unit``.

    ``scale`` and ``offset`` turn stored values into physical ones (value·scale + offset, after
    nodata is masked); ``valid_range`` bounds the physical values (outside → nodata).
    """

    product: str
    role: str
    kind: str
    epoch: int | None
    version: str
    unit: str
    needs_nodata: bool = True
    recognised: bool = True
    scale: float = 1.0
    offset: float = 0.0
    valid_range: tuple[float, float] | None = None


Recogniser = Callable[["re.Match[str]"], ProductInfo]
#: (compiled file-name pattern, function of the match giving the ProductInfo); later engines
#: add their products with :func:`register_product`.
PRODUCTS: list[tuple[re.Pattern[str], Recogniser]] = []
#: role → (kind, unit, needs_nodata) for files whose names are not recognised
ROLES: dict[str, tuple[str, str, bool]] = {
    "builtup": ("count", "m²", True), "population": ("count", "persons", True),
    "dem": ("fraction", "m", False), "smod": ("class", "class", True),
}


#: names of the recognised products, for messages
PRODUCT_LABELS: list[str] = []


def register_product(pattern: str | re.Pattern[str], recognise: Recogniser, label: str,
                     role: tuple[str, str, str, bool] | None = None) -> None:
    """Teach the readers a product by its published file-name pattern.

    ``role`` = (role, kind, unit, needs_nodata) also lets files of that role with unknown names
    be read when the config names the role.
    """
    rx = re.compile(pattern, re.I) if isinstance(pattern, str) else pattern
    PRODUCTS.append((rx, recognise))
    if label not in PRODUCT_LABELS:
        PRODUCT_LABELS.append(label)
    if role is not None:
        ROLES.setdefault(role[0], (role[1], role[2], role[3]))


def _ghsl(m: re.Match[str]) -> ProductInfo:
    layer = m["layer"].upper()
    version = f"{m['release'].upper()} V{m['v1']}-{m['v2']} ({m['crs']}, {m['res']})"
    if layer == "BUILT_S":
        return ProductInfo("GHS_BUILT_S", "builtup", "count", int(m["epoch"]), version, "m²")
    if layer == "POP":
        return ProductInfo("GHS_POP", "population", "count", int(m["epoch"]), version, "persons")
    return ProductInfo("GHS_SMOD", "smod", "class", int(m["epoch"]), version, "class")


register_product(_GHSL, _ghsl, "GHSL GHS_BUILT_S/GHS_POP/GHS_SMOD")
register_product(_WORLDPOP, lambda m: ProductInfo(
    "WorldPop", "population", "count", int(m["epoch"]), f"{m['iso'].upper()}{m['rest'] or ''}",
    "persons"), "WorldPop")
register_product(_COPDEM, lambda m: ProductInfo("COP-DEM", "dem", "fraction", None,
                                                f"GLO-{m['res']}", "m", needs_nodata=False),
                 "Copernicus DEM")
register_product(_SRTM, lambda m: ProductInfo("SRTM", "dem", "fraction", None,
                                              f"{m['res']} arc-second v{m['v']}", "m",
                                              needs_nodata=False), "SRTM")


def identify_product(path: str | Path, role: str | None = None) -> ProductInfo:
    """Recognise a product by its published file name; fall back to ``role`` if unknown."""
    name = Path(path).name
    for rx, recognise in PRODUCTS:
        m = rx.match(name)
        if m:
            return recognise(m)
    if role is None or role not in ROLES:
        raise RasterError("the file name is not one of the recognised products ("
                          + ", ".join(PRODUCT_LABELS) + ")", path=path,
                          fix="keep the published file name, or say which layer it is in the "
                              "config (data.builtup / data.population)")
    kind, unit, needs = ROLES[role]
    return ProductInfo(f"unrecognised:{role}", role, kind, None, "unknown", unit,
                       needs_nodata=needs, recognised=False)


_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, cached by (path, size, mtime)."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


@dataclass
class Layer:
    """A layer on a city grid: ``data`` (2-D, grid shape), its product ``info`` and provenance."""

    data: np.ndarray
    info: ProductInfo
    path: str
    sha256: str
    synthetic: bool
    tags: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def provenance(self) -> dict[str, Any]:
        return dict(path=self.path, sha256=self.sha256, product=self.info.product,
                    version=self.info.version, epoch=self.info.epoch, role=self.info.role,
                    synthetic=self.synthetic, notes=self.notes)


def _open(path: str | Path):
    import rasterio
    from rasterio.errors import RasterioIOError

    if not Path(path).is_file():
        raise InputFileError("file not found", path=path,
                             fix="check the path in the config (data.*) or run `carlcities demo`")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise InputFileError(f"cannot be read as a raster ({exc})", path=path,
                             fix="the file is corrupt or truncated: download it again") from exc


def footprint_window(ds, footprint: tuple[float, float, float, float]):
    """The window of an open dataset ``ds`` that covers ``footprint`` (bounds in the dataset's
    CRS), with a margin of two source cells, clipped to the dataset."""
    from rasterio.windows import Window, from_bounds

    win = from_bounds(*footprint, transform=ds.transform).round_offsets(op="floor")
    win = Window(win.col_off - 2, win.row_off - 2, math.ceil(win.width) + 5,
                 math.ceil(win.height) + 5)
    return win.intersection(Window(0, 0, ds.width, ds.height))


#: roles whose layers several engines of a city read (form, risk, its earthquake scenario,
#: the growth scenarios): the last ones put on a grid are kept, by file (path, size,
#: modification time), role and grid
_KEPT_ROLES = ("builtup", "population", "dem")
_KEPT: dict[tuple[Any, ...], Layer] = {}
_KEPT_MAX = 10


def forget_layers() -> None:
    """Drop the kept layers (at the end of a city: the next city reads its own files)."""
    _KEPT.clear()


def read_layer(path: str | Path, grid, role: str | None = None) -> Layer:
    """Read the part of a raster that covers ``grid`` and put it onto the grid.

    Built-up surface comes back as a share of the grid cell [0–1]; population as persons per
    grid cell; a DEM as metres; settlement classes as codes. Checks CRS, nodata, band count,
    coverage and values first, and raises a :class:`~carlcities.errors.CarlError` subclass that
    names the file and the fix.

    Built-up, population and DEM layers are read once per file and grid: a second call gives
    a new :class:`Layer` with the same read-only ``data`` (its notes and tags are copies).
    """
    if role not in _KEPT_ROLES or not Path(path).is_file():
        return _read_layer(path, grid, role)
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, role,
           tuple(sorted(grid.to_dict().items())))
    if key not in _KEPT:
        lay = _read_layer(path, grid, role)
        lay.data.setflags(write=False)
        while len(_KEPT) >= _KEPT_MAX:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[key] = lay
    kept = _KEPT[key]
    return replace(kept, tags=dict(kept.tags), notes=list(kept.notes))


def _read_layer(path: str | Path, grid, role: str | None = None) -> Layer:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError
    from rasterio.errors import RasterioError
    path = str(path)
    info = identify_product(path, role)
    if role is not None and info.role != role:
        raise RasterError(f"this is a {info.product} file ({info.role}), not a {role} layer",
                          path=path, fix=f"point data.{role} at the right file")
    probs = Problems(path)
    with _open(path) as ds:
        if ds.crs is None:
            raise CRSError("the raster has no coordinate reference system", path=path,
                           fix="assign one, e.g. gdal_edit.py -a_srs ESRI:54009 (GHSL) or "
                               "EPSG:4326 (WorldPop)")
        try:
            src_crs = CRS.from_wkt(ds.crs.to_wkt())
            if not (src_crs.is_geographic or src_crs.is_projected):
                raise PyprojCRSError("not a geographic or projected CRS")
            fp = grid.footprint(src_crs)
        except Exception as exc:  # noqa: BLE001 - pyproj/rasterio raise several types
            raise CRSError(f"the raster's CRS cannot be used ({exc})", path=path,
                           fix="reassign a standard CRS (EPSG or ESRI code) with gdal_edit.py "
                               "-a_srs") from exc
        if ds.count != 1:
            probs.error(BandCountError, f"{ds.count} bands; {info.product} has 1",
                        "extract the band you need with gdal_translate -b N")
        nodata = ds.nodata
        if nodata is None and info.needs_nodata:
            probs.error(NodataError, "no nodata value is set",
                        "set it, e.g. gdal_edit.py -a_nodata 65535 (GHS-BUILT-S), -200 "
                        "(GHS-POP) or -99999 (WorldPop)")
        # coverage of the grid's footprint by the raster
        b = ds.bounds
        ix = max(0.0, min(fp[2], b.right) - max(fp[0], b.left))
        iy = max(0.0, min(fp[3], b.top) - max(fp[1], b.bottom))
        share = ix * iy / max((fp[2] - fp[0]) * (fp[3] - fp[1]), 1e-12)
        if share <= 0:
            probs.error(CoverageError, f"the raster does not cover city '{grid.city_id}' "
                        f"(its bounds {tuple(round(v) for v in b)} vs the study area "
                        f"{tuple(round(v) for v in fp)} in the raster's CRS)",
                        "use the tile that holds the city, or a mosaic (gdalbuildvrt) of tiles")
        elif share < 0.98:
            probs.error(CoverageError, f"the raster covers only {100 * share:.0f} % of the "
                        f"study area of '{grid.city_id}'",
                        "mosaic the neighbouring tiles (gdalbuildvrt) and point at the VRT")
        probs.settle()
        tags = {k.lower(): v for k, v in ds.tags().items()}
        win = footprint_window(ds, fp)
        try:
            arr = ds.read(1, window=win)
        except RasterioError as exc:
            raise InputFileError(f"reading failed ({exc})", path=path,
                                 fix="the file is corrupt or truncated: download it again"
                                 ) from exc
        wtransform = ds.window_transform(win)
    sha = file_sha256(path)
    synthetic = str(tags.get("synthetic", "")).lower() in ("true", "1", "yes")
    notes: list[str] = []
    data = arr.astype(np.float64) if info.kind != "class" else arr
    if info.kind != "class":
        nd_mask = np.zeros(arr.shape, bool) if nodata is None else (
            np.isnan(data) if isinstance(nodata, float) and math.isnan(nodata) else data == nodata)
        if info.role == "population":
            check_population(data, path, nd_mask)
        if info.role == "builtup":
            from ..errors import DataValueError
            from ..grid import cell_areas_m2

            valid = data[~nd_mask]
            area = cell_areas_m2(wtransform, ds.crs.to_wkt(), arr.shape)[~nd_mask]
            if valid.size and (np.nanmin(valid) < 0 or np.any(valid > area * 1.001 + 1)):
                raise DataValueError(
                    "built-up surface outside [0, cell area] m²", path=path,
                    fix="GHS-BUILT-S holds m² of built-up surface per cell; check the product")
            if not info.recognised and valid.size and float(np.nanmax(valid)) <= 1.0:
                data = np.where(nd_mask, data, data * cell_areas_m2(wtransform, ds.crs.to_wkt(),
                                                                    arr.shape))
                notes.append("values ≤ 1 read as built-up share, converted to m²")
        data = np.where(nd_mask, np.nan, data)
        if info.scale != 1.0 or info.offset != 0.0:
            data = data * info.scale + info.offset
            notes.append(f"scaled: value × {info.scale:g} + {info.offset:g} [{info.unit}]")
        if info.valid_range is not None:
            lo, hi = info.valid_range
            bad = (data < lo) | (data > hi)
            if np.any(bad):
                notes.append(f"{int(bad.sum())} cells outside the valid range {lo:g}–{hi:g} "
                             f"{info.unit} set to nodata")
                data = np.where(bad, np.nan, data)
    out = grid.resample(data, wtransform, src_crs, info.kind,
                        src_nodata=None if info.kind != "class" else nodata)
    if info.role == "builtup":
        out = np.clip(out / grid.true_cell_areas_m2(), 0.0, 1.0)
    if src_crs != grid.crs:
        notes.append(f"reprojected from {_crs_label(src_crs.to_wkt())} to EPSG:{grid.epsg}")
    return Layer(out, info, path, sha, synthetic, tags, notes)


@functools.lru_cache(maxsize=16)
def _crs_label(wkt: str) -> str:
    """``CRS.to_string()`` of a CRS given as WKT (the authority look-up costs ~15 ms)."""
    from pyproj import CRS

    return str(CRS.from_wkt(wkt).to_string())


def write_cog(path: str | Path, data: np.ndarray, grid, *, nodata: float | None = None,
              tags: dict[str, Any] | None = None, description: str | None = None) -> Path:
    """Write one band on ``grid`` as a Cloud Optimized GeoTIFF (GDAL's COG driver), atomically.

    DEFLATE level 1 (measured: 4× faster than level 6 for 1 % more bytes); internal overviews
    only when the grid is larger than 2,048 cells a side — a city grid (≤ ~700) reads whole.
    """
    import rasterio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    big = max(grid.width, grid.height) > 2048
    with atomic_path(path) as tmp, rasterio.open(
            tmp, "w", driver="COG", width=grid.width, height=grid.height, count=1,
            dtype=str(data.dtype), crs=grid.crs, transform=grid.transform, nodata=nodata,
            compress="deflate", level=1, overviews="AUTO" if big else "NONE") as dst:
        dst.write(data, 1)
        if tags:
            dst.update_tags(**{k: str(v) for k, v in tags.items()})
        if description:
            dst.set_band_description(1, description)
    return path


def read_window(path: str | Path, grid, band: int = 1) -> tuple[np.ndarray, Any, Any, Any, dict]:
    """Band ``band`` of a raster, read only where it covers ``grid`` (plus two source cells):
    (array, transform, crs, nodata, lower-cased tags).

    Raises InputFileError (unreadable), CRSError (no CRS), RasterError (no such band) or
    CoverageError (the raster misses the city).
    """
    import rasterio
    from rasterio.errors import RasterioIOError, WindowError

    try:
        ds = rasterio.open(path)
    except RasterioIOError as exc:
        raise InputFileError(f"cannot be read as a raster ({exc})", path=path,
                             fix="the file is corrupt or truncated: download it again") from exc
    with ds:
        if ds.crs is None:
            raise CRSError("the raster has no coordinate reference system", path=path,
                           fix="assign one, e.g. gdal_edit.py -a_srs EPSG:4326")
        if band > ds.count:
            raise RasterError(f"band {band} is asked for but the file has {ds.count}", path=path,
                              fix="check the year against the years the file holds")
        try:
            win = footprint_window(ds, grid.footprint(ds.crs))
        except WindowError as exc:
            raise CoverageError(f"the raster does not cover city '{grid.city_id}'", path=path,
                                fix="use the tile that holds the city") from exc
        arr = ds.read(band, window=win)
        return (arr, ds.window_transform(win), ds.crs, ds.nodata,
                {k.lower(): v for k, v in ds.tags().items()})


def read_window_float(path: str | Path, grid, band: int = 1) -> tuple[np.ndarray, Any, Any,
                                                                      dict]:
    """:func:`read_window` as float64 with NaN where the raster has no data: (array,
    transform, pyproj CRS, tags) — ready for :meth:`CityGrid.resample`."""
    from pyproj import CRS

    arr, tr, crs, nodata, tags = read_window(path, grid, band)
    arr = arr.astype(np.float64)
    if nodata is not None and not math.isnan(nodata):
        arr[arr == nodata] = np.nan
    return arr, tr, CRS.from_wkt(crs.to_wkt()), tags
