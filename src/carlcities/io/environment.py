"""Readers of the environment and economy products: land cover, NDVI, PM2.5, land-surface
temperature, night lights and gridded GDP.

Each product is recognised by its published file name (registered with
:func:`carlcities.io.raster.register_product`); its unit, scale, offset and fill value are
applied and the product and version go into the layer's provenance. Files with other names are
read when the config names their role (``data.landcover``, ``data.ndvi``, ``data.pm25``,
``data.lst``, ``data.lights``, ``data.gdp``), with the role's unit.

Products (role: file names → what the reader does):

* ``landcover`` — ESA WorldCover ``ESA_WorldCover_10m_2021_v200_N42E069_Map.tif`` (v100 2020,
  v200 2021; the demo writes ``ESA_WorldCover_100m_...``, the same codes at 100 m): class codes
  10–100, 0 = no data; put on the grid by mode, and as the green share of each cell
  (:func:`green_fraction`).
* ``ndvi`` — MODIS MOD13Q1/A1/A2/A3 from AppEEARS
  ``MOD13Q1.061__250m_16_days_NDVI_doy2020193_aid0001.tif``: int16 × 0.0001, fill −3000 (out
  of the valid range −0.2…1); any ``*_NDVI_2020*.tif`` / ``NDVI_2020.tif``: float NDVI [−1, 1].
* ``pm25`` — ACAG ``V5GL04.HybridPM25.Asia.202001-202012.nc`` (also ``.tif``; V5.GL.xx
  ``HybridPM25``, V6.GL.xx ``CNNPM25``, ``c0p10`` coarse), SEDAC
  ``sdei-global-annual-gwr-pm2-5-modis-misr-seawifs-aod-v4-gl-03-2019.tif``: µg/m³.
* ``lst`` — MODIS MOD11A1/A2, MYD11A1/A2 from AppEEARS
  ``MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif``: uint16 × 0.02 K, fill 0; Landsat C2 L2
  ``LC08_L2SP_153030_20200720_20200807_02_T1_ST_B10.TIF``: × 0.00341802 + 149 K, fill 0.
  Returned in °C; an unrecognised file in K is detected (median > 150) and converted.
* ``lights`` — VIIRS VNL ``VNL_v21_npp_2020_global_vcmslcfg_c202205302300.average_masked.dat
  .tif``, ``VNL_v2_npp_2014_global_vcmcfg_c202102150000.average_masked.tif``,
  ``VNL_npp_2023_global_vcmslcfg_v2_c202402081600.average_masked.dat.tif``: nW/cm²/sr
  (negative noise set to 0).
* ``gdp`` — Kummu et al. (2018) ``GDP_PPP_1990_2015_5arcmin_v2.nc``,
  ``GDP_PPP_30arcsec_v3.nc`` (time step = year); Kummu et al. (2025)
  ``rast_gdpTot_1990_2022_30arcsec.tif`` (band = year − 1989): USD (PPP) per cell, totals kept.

Sources: Zanaga et al. (2022) ESA WorldCover 10 m 2021 v200, doi:10.5281/zenodo.7254221;
Didan (2021) MOD13Q1 v061, doi:10.5067/MODIS/MOD13Q1.061; Wan, Hook & Hulley (2021) MOD11A2
v061, doi:10.5067/MODIS/MOD11A2.061 (LST scale 0.02 K, fill 0); USGS Landsat Collection 2
Level-2 Science Product Guide (ST scale 0.00341802, offset 149.0 K); van Donkelaar et al. (2021)
Environ. Sci. Technol. 55:15287, doi:10.1021/acs.est.1c05309 (ACAG V5.GL); Shen et al. (2024)
ACS ES&T Air, doi:10.1021/acsestair.3c00054 (V6.GL); Elvidge et al. (2021) Remote Sens. 13:922,
doi:10.3390/rs13050922 (VIIRS VNL v2); Kummu, Taka & Guillaume (2018) Sci. Data 5:180004,
doi:10.1038/sdata.2018.4; Kummu, Kosonen & Masoumzadeh Sayyar (2025) Sci. Data 12:178,
doi:10.1038/s41597-025-04487-x.

NetCDF files are read through xarray (CF decoding applies ``scale_factor``, ``add_offset`` and
``_FillValue``), cut to the grid's footprint and put onto the grid by the same resampling as
GeoTIFFs. A NetCDF without a CRS is refused unless its coordinates are plain latitude/longitude
in degrees by the CF conventions, which are then read as EPSG:4326 — with a note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CoverageError, CRSError, DataValueError, InputFileError, RasterError
from .raster import (
    Layer,
    ProductInfo,
    file_sha256,
    identify_product,
    read_layer,
    read_window,
    register_product,
)

__all__ = [
    "ENV_ROLES",
    "GREEN_CLASSES",
    "WORLDCOVER_CLASSES",
    "check_lst_coverage",
    "green_fraction",
    "read_environment_layer",
    "read_netcdf",
]

#: ESA WorldCover v100/v200 class codes → (English, Russian)
WORLDCOVER_CLASSES: dict[int, tuple[str, str]] = {
    10: ("tree cover", "древесная растительность"), 20: ("shrubland", "кустарники"),
    30: ("grassland", "травянистая растительность"), 40: ("cropland", "пашня"),
    50: ("built-up", "застройка"), 60: ("bare / sparse vegetation", "голая земля"),
    70: ("snow and ice", "снег и лёд"), 80: ("permanent water bodies", "водные объекты"),
    90: ("herbaceous wetland", "травянистые болота"), 95: ("mangroves", "мангры"),
    100: ("moss and lichen", "мхи и лишайники"),
}
#: classes counted as green space: tree cover, shrubland, grassland, herbaceous wetland,
#: mangroves (cropland is vegetated but not green space open to residents)
GREEN_CLASSES = (10, 20, 30, 90, 95)
WATER_CLASS = 80
#: NDVI at or above which a cell counts as green when no land cover is given
NDVI_GREEN = 0.3

ENV_ROLES = ("landcover", "ndvi", "pm25", "lst", "lights", "gdp")

# --------------------------------------------------------------------------- product names
_WORLDCOVER = re.compile(r"^ESA_WorldCover_(?P<res>\d+m)_(?P<year>\d{4})_(?P<ver>v\d{3})_"
                         r"(?P<tile>[NS]\d{2}[EW]\d{3})_Map\.(?:tif|tiff)$", re.I)
_MOD13 = re.compile(r"^(?P<p>M[OY]D13(?:Q1|A1|A2|A3))\.(?P<c>\d{3})_+(?P<res>\w+?)_"
                    r"(?:16_days|monthly)_NDVI_doy(?P<year>\d{4})(?P<doy>\d{3})_aid\d+"
                    r"\.(?:tif|tiff)$", re.I)
_NDVI = re.compile(r"^(?:.*[_-])?NDVI[_-](?P<year>\d{4})(?:[_-].*)?\.(?:tif|tiff)$", re.I)
_ACAG = re.compile(r"^V(?P<v>\d)GL(?P<gl>\d{2}(?:\d{2})?)\.(?P<alg>Hybrid|CNN|GWR)PM25"
                   r"(?P<coarse>c0p10)?\.(?P<region>[A-Za-z]+)\.(?P<y1>\d{4})(?P<m1>\d{2})-"
                   r"(?P<y2>\d{4})(?P<m2>\d{2})\.(?:nc|tif|tiff)$", re.I)
_SEDAC_PM = re.compile(r"^sdei-global-annual-gwr-pm2-5-modis-misr-seawifs-aod-v4-gl-03-"
                       r"(?P<year>\d{4})\.(?:tif|tiff)$", re.I)
_MOD11 = re.compile(r"^(?P<p>M[OY]D11(?:A1|A2))\.(?P<c>\d{3})_LST_(?P<dn>Day|Night)_1km_"
                    r"doy(?P<year>\d{4})(?P<doy>\d{3})_aid\d+\.(?:tif|tiff)$", re.I)
_LANDSAT_ST = re.compile(r"^(?P<sat>L[CE]0[789])_L2SP_(?P<pr>\d{6})_(?P<year>\d{4})(?P<md>\d{4})_"
                         r"\d{8}_02_T[12]_ST_B(?:10|6)\.(?:tif|tiff)$", re.I)
_VNL = re.compile(r"^VNL_(?:v(?P<v>\d+)_)?npp_(?P<year>\d{4})(?:\d{4})?_global_"
                  r"(?P<cfg>vcm(?:sl)?cfg)(?:_v(?P<v2>\d+))?_c(?P<c>\d{12})\."
                  r"(?P<layer>average_masked|average|median_masked|median)(?:\.dat)?"
                  r"\.(?:tif|tiff)$", re.I)
_KUMMU18 = re.compile(r"^GDP_PPP_(?:(?P<y1>\d{4})_(?P<y2>\d{4})_5arcmin_v(?P<v>\d)|"
                      r"30arcsec_v(?P<v30>\d))\.nc$", re.I)
_KUMMU25 = re.compile(r"^rast_gdpTot_(?P<y1>\d{4})_(?P<y2>\d{4})_(?P<res>30arcsec|5arcmin|"
                      r"30arcmin)\.(?:tif|tiff)$", re.I)


def _worldcover(m: re.Match[str]) -> ProductInfo:
    return ProductInfo("ESA WorldCover", "landcover", "class", int(m["year"]),
                       f"{m['ver']} {m['res']} tile {m['tile'].upper()}", "class",
                       needs_nodata=False)


def _mod13(m: re.Match[str]) -> ProductInfo:
    return ProductInfo(m["p"].upper(), "ndvi", "fraction", int(m["year"]),
                       f"C{m['c']} {m['res']} doy {m['doy']} (AppEEARS)", "NDVI",
                       needs_nodata=False, scale=0.0001, valid_range=(-0.2, 1.0))


def _acag(m: re.Match[str]) -> ProductInfo:
    ver = f"V{m['v']}.GL.{m['gl'][:2]}" + (f".{m['gl'][2:]}" if len(m["gl"]) > 2 else "")
    return ProductInfo(f"ACAG {ver} {m['alg']}PM25", "pm25", "fraction", int(m["y2"]),
                       f"{ver} {m['region']} {m['y1']}{m['m1']}-{m['y2']}{m['m2']}"
                       + (" 0.1°" if m["coarse"] else " 0.01°"), "µg/m³", needs_nodata=False,
                       valid_range=(0.0, 1000.0))


def _mod11(m: re.Match[str]) -> ProductInfo:
    return ProductInfo(m["p"].upper(), "lst", "fraction", int(m["year"]),
                       f"C{m['c']} LST_{m['dn']}_1km doy {m['doy']} (AppEEARS)", "K",
                       needs_nodata=False, scale=0.02, valid_range=(150.0, 1310.7))


def _landsat(m: re.Match[str]) -> ProductInfo:
    return ProductInfo(f"Landsat {m['sat'].upper()} C2 L2 ST", "lst", "fraction", int(m["year"]),
                       f"path/row {m['pr']} {m['year']}{m['md']}", "K", needs_nodata=False,
                       scale=0.00341802, offset=149.0, valid_range=(150.0, 373.0))


def _vnl(m: re.Match[str]) -> ProductInfo:
    v = m["v"] or m["v2"] or "2"
    ver = f"v{v[0]}.{v[1:]}" if len(v) > 1 else f"v{v}"
    return ProductInfo("VIIRS VNL", "lights", "fraction", int(m["year"]),
                       f"{ver} {m['cfg']} c{m['c']} {m['layer']}", "nW/cm²/sr",
                       needs_nodata=False)


def _kummu18(m: re.Match[str]) -> ProductInfo:
    ver = f"v{m['v']} 5arcmin {m['y1']}-{m['y2']}" if m["v"] else f"v{m['v30']} 30arcsec"
    return ProductInfo("Kummu et al. 2018 GDP_PPP", "gdp", "count", None, ver, "USD",
                       needs_nodata=False)


def _kummu25(m: re.Match[str]) -> ProductInfo:
    return ProductInfo("Kummu et al. 2025 gdpTot", "gdp", "count", None,
                       f"{m['y1']}-{m['y2']} {m['res']} (band = year − {int(m['y1']) - 1})",
                       "USD", needs_nodata=False)


register_product(_WORLDCOVER, _worldcover, "ESA WorldCover",
                 role=("landcover", "class", "class", False))
register_product(_MOD13, _mod13, "MODIS MOD13 NDVI (AppEEARS)",
                 role=("ndvi", "fraction", "NDVI", False))
register_product(_NDVI, lambda m: ProductInfo("NDVI", "ndvi", "fraction", int(m["year"]),
                                              "float NDVI", "NDVI", needs_nodata=False),
                 "NDVI GeoTIFF")
register_product(_ACAG, _acag, "ACAG V5.GL/V6.GL PM2.5",
                 role=("pm25", "fraction", "µg/m³", False))
register_product(_SEDAC_PM, lambda m: ProductInfo(
    "SEDAC V4.GL.03 PM2.5", "pm25", "fraction", int(m["year"]), "V4.GL.03 0.01°", "µg/m³",
    needs_nodata=False, valid_range=(0.0, 1000.0)), "SEDAC V4.GL.03 PM2.5")
register_product(_MOD11, _mod11, "MODIS MOD11/MYD11 LST (AppEEARS)",
                 role=("lst", "fraction", "°C", False))
register_product(_LANDSAT_ST, _landsat, "Landsat C2 L2 surface temperature")
register_product(_VNL, _vnl, "VIIRS VNL annual", role=("lights", "fraction", "nW/cm²/sr", False))
register_product(_KUMMU18, _kummu18, "Kummu et al. 2018 GDP_PPP",
                 role=("gdp", "count", "USD", False))
register_product(_KUMMU25, _kummu25, "Kummu et al. 2025 gdpTot")


# --------------------------------------------------------------------------- low-level reads
def _synthetic(tags: dict[str, Any]) -> bool:
    return str(tags.get("synthetic", "")).lower() in ("true", "1", "yes")


def read_netcdf(path: str | Path, grid, role: str, *, year: int | None = None,
                variable: str | None = None) -> Layer:
    """Read a NetCDF grid (CF conventions) onto ``grid`` through xarray.

    The data variable is ``variable`` or the first one with two spatial dimensions; a ``time``
    dimension is selected by ``year``. The CRS comes from the variable's ``grid_mapping``
    (``crs_wkt``/``spatial_ref`` or CF grid-mapping attributes); without one, coordinates named
    lat/lon in degrees (CF units ``degrees_north``/``degrees_east``) are read as EPSG:4326 and
    a note says so; anything else raises :class:`~carlcities.errors.CRSError`.
    """
    import xarray as xr
    from pyproj import CRS

    path = str(path)
    if not Path(path).is_file():
        raise InputFileError("file not found", path=path,
                             fix="check the path in the config (data.*) or run `carlcities demo`")
    info = identify_product(path, role)
    notes: list[str] = []
    try:
        ds = xr.open_dataset(path, mask_and_scale=True, decode_times=False)
    except Exception as exc:  # noqa: BLE001 - the engines raise many types
        raise InputFileError(f"cannot be read as NetCDF ({exc})", path=path,
                             fix="check the file is NetCDF-4 or NetCDF-3 (ncdump -h FILE)") from exc
    with ds:
        names = [variable] if variable else [
            n for n, v in ds.data_vars.items() if v.ndim >= 2 and _xy_dims(v) is not None]
        if not names or names[0] not in ds:
            raise RasterError("no gridded data variable (with lat/lon or y/x dimensions)",
                              path=path, fix="name the variable, or export it with gdal_translate "
                                             "NETCDF:FILE:VAR out.tif")
        da = ds[names[0]]
        dims = _xy_dims(da)
        if dims is None:  # a variable named in the config without spatial dimensions
            raise RasterError(f"variable '{names[0]}' has no lat/lon or y/x dimensions "
                              f"(dimensions {tuple(str(d) for d in da.dims)})", path=path,
                              fix="name a gridded variable (ncdump -h FILE lists them)")
        ydim, xdim = dims
        # the CRS
        crs = None
        gm = da.attrs.get("grid_mapping")
        if gm and gm in ds.variables:
            a = ds[gm].attrs
            wkt = a.get("crs_wkt") or a.get("spatial_ref")
            try:
                crs = CRS.from_wkt(wkt) if wkt else CRS.from_cf(dict(a))
            except Exception as exc:  # noqa: BLE001
                raise CRSError(f"the grid mapping '{gm}' cannot be interpreted ({exc})",
                               path=path, fix="add a crs_wkt attribute to the grid-mapping "
                                              "variable") from exc
        if crs is None:
            yu = str(ds[ydim].attrs.get("units", "")).lower()
            xu = str(ds[xdim].attrs.get("units", "")).lower()
            if (ydim.lower() in ("lat", "latitude") and xdim.lower() in ("lon", "longitude")
                    and yu.startswith("degree") and xu.startswith("degree")
                    and ("north" in yu or yu in ("degrees", "degree"))
                    and ("east" in xu or xu in ("degrees", "degree"))):
                crs = CRS.from_epsg(4326)
                notes.append("no CRS in the file: lat/lon in degrees (CF) read as EPSG:4326")
            else:
                raise CRSError(f"the NetCDF has no CRS and its coordinates ({ydim}, {xdim}) are "
                               "not CF latitude/longitude in degrees", path=path,
                               fix="add a grid_mapping variable with crs_wkt (e.g. "
                                   "rioxarray's write_crs) or CF units degrees_north/east")
        # the time step
        extra = [d for d in da.dims if d not in (ydim, xdim)]
        for d in extra:
            n = da.sizes[d]
            if n == 1:
                da = da.isel({d: 0})
                continue
            pick = _time_index(ds, d, year) if year is not None else None
            if pick is None:
                raise RasterError(f"dimension '{d}' has {n} steps and no step matches year "
                                  f"{year}", path=path,
                                  fix="name the year in the config key (e.g. gdp_2015) that the "
                                      "file holds")
            da = da.isel({d: pick})
            notes.append(f"{d} step {pick} taken for {year}")
        xs = np.asarray(ds[xdim].values, dtype=np.float64)
        ys = np.asarray(ds[ydim].values, dtype=np.float64)
        if xs.size < 2 or ys.size < 2:
            raise RasterError("the grid has fewer than 2 cells along an axis", path=path,
                              fix="use a grid of at least 2 × 2 cells")
        dx, dy = np.diff(xs), np.diff(ys)
        if np.ptp(dx) > 1e-6 * abs(dx[0]) or np.ptp(dy) > 1e-6 * abs(dy[0]):
            raise RasterError("the coordinates are not regularly spaced", path=path,
                              fix="regrid to a regular grid first (cdo remapbil)")
        # cut to the grid's footprint (plus two cells)
        l, b, r, t = grid.footprint(crs)
        rx, ry = abs(dx[0]), abs(dy[0])
        ix = np.flatnonzero((xs >= l - 2 * rx) & (xs <= r + 2 * rx))
        iy = np.flatnonzero((ys >= b - 2 * ry) & (ys <= t + 2 * ry))
        if ix.size == 0 or iy.size == 0:
            raise CoverageError(f"the NetCDF grid does not cover city '{grid.city_id}'",
                                path=path, fix="use the regional file that holds the city")
        sub = da.isel({xdim: slice(ix[0], ix[-1] + 1), ydim: slice(iy[0], iy[-1] + 1)})
        arr = np.asarray(sub.transpose(ydim, xdim).values, dtype=np.float64)
        xs, ys = xs[ix[0]:ix[-1] + 1], ys[iy[0]:iy[-1] + 1]
        if ys[0] < ys[-1]:       # south-up → north-up
            arr, ys = arr[::-1], ys[::-1]
        attrs = {k.lower(): v for k, v in ds.attrs.items()}
    from affine import Affine

    tr = Affine(rx, 0.0, xs[0] - rx / 2, 0.0, -ry, ys[0] + ry / 2)
    if info.scale != 1.0 or info.offset != 0.0:
        arr = arr * info.scale + info.offset
    arr = _valid_range(arr, info, notes)
    out = grid.resample(arr, tr, crs, info.kind if info.kind != "class" else "class")
    if crs != grid.crs:
        notes.append(f"reprojected from {crs.to_string()} to EPSG:{grid.epsg}")
    return Layer(out, info, path, file_sha256(path), _synthetic(attrs),
                 {k: str(v) for k, v in attrs.items()}, notes)


def _xy_dims(da) -> tuple[str, str] | None:
    dims = [str(d) for d in da.dims]
    for y, x in (("lat", "lon"), ("latitude", "longitude"), ("y", "x")):
        yy = next((d for d in dims if d.lower() == y), None)
        xx = next((d for d in dims if d.lower() == x), None)
        if yy and xx:
            return yy, xx
    return None


def _time_index(ds, dim: Hashable, year: int) -> int | None:
    """Index along ``dim`` whose value is ``year`` (as a number or a CF 'years/days since')."""
    if dim not in ds.variables:
        return None
    vals = np.asarray(ds[dim].values, dtype=np.float64)
    units = str(ds[dim].attrs.get("units", "")).lower()
    m = re.match(r"(years?|days?) since (\d{4})", units)
    if m:
        base = int(m.group(2))
        years = base + (vals if m.group(1).startswith("year") else vals / 365.25)
        years = np.floor(years + 1e-6)
    else:
        years = vals
    hit = np.flatnonzero(years == year)
    return int(hit[0]) if hit.size else None


def _valid_range(data: np.ndarray, info: ProductInfo, notes: list[str]) -> np.ndarray:
    if info.valid_range is None:
        return data
    lo, hi = info.valid_range
    with np.errstate(invalid="ignore"):
        bad = (data < lo) | (data > hi)
    if np.any(bad):
        notes.append(f"{int(bad.sum())} cells outside the valid range {lo:g}–{hi:g} "
                     f"{info.unit} set to nodata")
        data = np.where(bad, np.nan, data)
    return data


# --------------------------------------------------------------------------- the public reader
def read_environment_layer(path: str | Path, grid, role: str, *, year: int | None = None) -> Layer:
    """Read an environment or economy layer onto ``grid`` and return a :class:`Layer`.

    ``role`` is one of :data:`ENV_ROLES`. Values come back in the physical unit of the role:
    land cover as WorldCover codes (mode; the green share of each cell comes from
    :func:`green_fraction`); NDVI [−1, 1]; PM2.5 [µg/m³]; land-surface
    temperature [°C] (Kelvin detected from the value range and converted, with a note); night
    lights [nW/cm²/sr] (negative noise set to 0); GDP [USD per cell]. ``year`` picks a time step
    or band in multi-year GDP files.
    """
    if role not in ENV_ROLES:
        raise ValueError(f"role must be one of {ENV_ROLES}, got {role!r}")
    path = str(path)
    if not Path(path).is_file():
        raise InputFileError("file not found", path=path,
                             fix=f"check data.{role} in the config or run `carlcities demo`")
    if path.lower().endswith(".nc"):
        lay = read_netcdf(path, grid, role, year=year)
    elif _KUMMU25.match(Path(path).name):
        lay = _read_kummu25(path, grid, year)
    else:
        lay = read_layer(path, grid, role=role)
        _band_scale(lay, path, grid)
    if lay.info.role != role:
        raise RasterError(f"this is a {lay.info.product} file ({lay.info.role}), not a {role} "
                          "layer", path=path, fix=f"point data.{role} at the right file")
    if role == "lst":
        lay.data = _to_celsius(lay.data, lay.info, path, lay.notes)
    elif role == "lights":
        neg = np.nan_to_num(lay.data, nan=0.0) < 0
        if neg.any():
            lay.notes.append(f"{int(neg.sum())} cells of negative radiance (noise) set to 0")
            lay.data = np.where(neg, 0.0, lay.data)
    elif role == "ndvi":
        v = lay.data[np.isfinite(lay.data)]
        if v.size and (v.max() > 1.0 + 1e-6 or v.min() < -1.0 - 1e-6):
            raise DataValueError(
                f"NDVI values {v.min():g}…{v.max():g} lie outside [−1, 1]: an unknown scale "
                "factor", path=path,
                fix="MODIS MOD13 NDVI is stored × 10 000: keep the AppEEARS file name so the "
                    "reader applies 0.0001, or set the GeoTIFF band scale (gdal_edit.py "
                    "-scale 0.0001)")
    elif role == "pm25":
        v = lay.data[np.isfinite(lay.data)]
        if v.size and (v.min() < 0 or v.max() > 1000):
            raise DataValueError(f"PM2.5 values {v.min():g}…{v.max():g} µg/m³ are impossible "
                                 "(an unknown scale factor or fill value)", path=path,
                                 fix="set the fill value as nodata (gdal_edit.py -a_nodata) and "
                                     "check the unit is µg/m³")
    return lay


def _band_scale(lay: Layer, path: str, grid) -> None:
    """Apply a GeoTIFF band scale/offset (GDAL metadata) to files whose product is not known."""
    if lay.info.recognised or lay.info.kind == "class":
        return
    import rasterio

    with rasterio.open(path) as ds:
        s, o = float(ds.scales[0]), float(ds.offsets[0])
    if s != 1.0 or o != 0.0:
        lay.data = lay.data * s + o
        lay.notes.append(f"band scale/offset applied: value × {s:g} + {o:g}")


def _read_kummu25(path: str, grid, year: int | None) -> Layer:
    m = _KUMMU25.match(Path(path).name)
    assert m is not None
    info = _kummu25(m)
    y1, y2 = int(m["y1"]), int(m["y2"])
    if year is None or not y1 <= year <= y2:
        raise RasterError(f"the file holds the years {y1}–{y2}; year {year} is not among them",
                          path=path, fix=f"use a gdp_YEAR key with a year in {y1}–{y2}")
    arr, tr, crs, nodata, tags = read_window(path, grid, band=year - y1 + 1)
    data = arr.astype(np.float64)
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        data = np.where(data == nodata, np.nan, data)
    out = grid.resample(data, tr, crs, "count")
    info = ProductInfo(info.product, info.role, info.kind, year, info.version, info.unit,
                       needs_nodata=False)
    notes = [f"band {year - y1 + 1} taken for {year}"]
    return Layer(out, info, path, file_sha256(path), _synthetic(tags), dict(tags), notes)


def _to_celsius(data: np.ndarray, info: ProductInfo, path: str, notes: list[str]) -> np.ndarray:
    """Land-surface temperature to °C: Kelvin products converted; an unknown unit detected from
    the value range (median > 150 → Kelvin); raw integers without a scale factor refused."""
    v = data[np.isfinite(data)]
    if not v.size:
        return data
    med = float(np.median(v))
    if med > 400.0:
        raise DataValueError(
            f"land-surface temperatures with a median of {med:g} are neither °C nor K: the "
            "values are still scaled integers (unknown scale factor)", path=path,
            fix="MODIS MOD11 LST is stored × 50 (scale 0.02 K, fill 0): keep the AppEEARS file "
                "name, or set the band scale (gdal_edit.py -scale 0.02) — Landsat ST uses "
                "0.00341802 and offset 149")
    if info.unit == "K" or med > 150.0:
        if info.unit != "K":
            notes.append(f"values read as Kelvin (median {med:.1f}), converted to °C")
        else:
            notes.append("converted from K to °C")
        data = data - 273.15
        med -= 273.15
    if med < -80.0 or med > 90.0:
        raise DataValueError(f"land-surface temperature median {med:g} °C is implausible",
                             path=path, fix="check the unit and scale of the file")
    return data


def green_fraction(path: str | Path, grid, *, year: int | None = None) -> np.ndarray:
    """Share of each grid cell [0–1] covered by green classes (:data:`GREEN_CLASSES`) of a
    WorldCover-coded land-cover raster: the 0/1 green mask at the source resolution averaged
    onto the grid (class 0 = no data is left out). NaN where the source has no data."""
    arr, tr, crs, nodata, _tags = read_window(str(path), grid)
    nd = (arr == 0) if nodata is None else ((arr == nodata) | (arr == 0))
    mask = np.where(nd, np.nan, np.isin(arr, GREEN_CLASSES).astype(np.float64))
    return grid.resample(mask, tr, crs, "fraction")


def check_lst_coverage(lst: np.ndarray, region: np.ndarray, min_coverage: float,
                       path: str) -> float:
    """Share [0–1] of the cells of ``region`` (urban extent + rural ring) with a land-surface
    temperature; raises :class:`~carlcities.errors.CoverageError` below ``min_coverage``."""
    n = int(region.sum())
    share = float(np.isfinite(lst[region]).sum() / n) if n else 0.0
    if share < min_coverage:
        raise CoverageError(
            f"land-surface temperature covers only {100 * share:.0f} % of the urban extent and "
            f"rural ring (cloud gaps or fill values); at least {100 * min_coverage:.0f} % is "
            "needed", path=path,
            fix="use a clearer composite (another 8-day period or a summer mean of several), or "
                "lower environment.lst_min_coverage")
    return share
