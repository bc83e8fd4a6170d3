"""Demo environment and economy layers, written in the real product formats and names.

For one city, from its built-up share, population and elevation on the city grid (UTM),
:func:`write_environment_layers` writes into ``out_dir/<city_id>/`` (all in WGS 84, EPSG:4326,
covering the grid's footprint plus about 2 km, every file tagged ``synthetic=true``):

========================================================================  =====================
file                                                                      format
========================================================================  =====================
``ESA_WorldCover_100m_2021_v200_N43E076_Map.tif``                         uint8 WorldCover codes,
                                                                          nodata 0, 3″ (≈ 100 m:
                                                                          the real product is
                                                                          10 m; ``100m`` says so)
``MOD13Q1.061__250m_16_days_NDVI_doy2020193_aid0001.tif``                 int16 NDVI × 10 000,
                                                                          fill −3000, 7.5″
``V5GL04.HybridPM25.Asia.202001-202012.nc``                               NetCDF-4, ``PM25``
                                                                          [µg/m³] on CF lat/lon,
                                                                          0.01°, no grid mapping
``MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif``                        uint16 K × 50, fill 0
                                                                          (cloud gaps), 30″
``VNL_v2_npp_2014_global_vcmcfg_c202102150000.average_masked.tif``,       float32 nW/cm²/sr, 15″
``VNL_v21_npp_2020_global_vcmslcfg_c202205302300.average_masked.dat.tif``
``rast_gdpTot_1990_2022_30arcsec.tif``                                    float32 USD (PPP 2021)
                                                                          per cell, one band per
                                                                          year 1990–2022, 30″
========================================================================  =====================

The model (synthetic, illustrative): land cover follows the built-up layer (share ≥ 0.2 →
built-up), water, and the setting (irrigated cropland and gardens in oases and valleys, desert
beyond, steppe grassland, mountain grass and trees above the city); NDVI follows the classes.
Annual PM2.5 rises with a regional background, coal heating (Kazakhstan, Kyrgyzstan), winter
inversions in basins and at mountain fronts, desert dust, and local population density
(15–60 µg/m³). Summer daytime land-surface temperature is hotter on built-up and bare desert
surfaces, cooler with vegetation, water and height (6.5 K/km). Night lights follow population
and the centre; GDP follows population and lights and the country's GDP per person.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..files import atomic_path
from .common import DEMO_VERSION, DESCRIPTION, synthetic_tags

__all__ = ["write_environment_layers", "ENV_FILES"]

#: GDP per person, PPP, constant 2021 USD, about 2020 (World Bank WDI, rounded)
GDP_PC_2020 = {"KAZ": 26000.0, "UZB": 8000.0, "KGZ": 5200.0, "TJK": 4200.0, "TKM": 15000.0}
#: relative weight of coal in winter heating (illustrative)
COAL = {"KAZ": 1.0, "KGZ": 1.0, "TJK": 0.5, "UZB": 0.25, "TKM": 0.1}
PAD = 20  # cells added around the grid (edge values) so the products cover the footprint

LANDCOVER_NAME = "ESA_WorldCover_100m_2021_v200_{tile}_Map.tif"
ENV_FILES = {
    "ndvi_2020": "MOD13Q1.061__250m_16_days_NDVI_doy2020193_aid0001.tif",
    "pm25_2020": "V5GL04.HybridPM25.Asia.202001-202012.nc",
    "lst_2020": "MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif",
    "lights_2014": "VNL_v2_npp_2014_global_vcmcfg_c202102150000.average_masked.tif",
    "lights_2020": "VNL_v21_npp_2020_global_vcmslcfg_c202205302300.average_masked.dat.tif",
    "gdp_2020": "rast_gdpTot_1990_2022_30arcsec.tif",
}


def _tile(lat: float, lon: float) -> str:
    """WorldCover 3°×3° tile name of the point (lower-left corner, e.g. N42E075)."""
    la = int(math.floor(lat / 3.0) * 3)
    lo = int(math.floor(lon / 3.0) * 3)
    return f"{'N' if la >= 0 else 'S'}{abs(la):02d}{'E' if lo >= 0 else 'W'}{abs(lo):03d}"


def _smooth(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    from scipy import ndimage

    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    s = f.std()
    return f / s if s > 0 else f


def _nearest_epoch(d: dict[int, np.ndarray], year: int) -> np.ndarray:
    return d[min(d, key=lambda e: (abs(e - year), -e))]


def _at_year(d: dict[int, np.ndarray], year: int) -> np.ndarray:
    """Linear interpolation between the epochs around ``year`` (nearest outside them)."""
    es = sorted(d)
    lo = [e for e in es if e <= year]
    hi = [e for e in es if e >= year]
    if not lo or not hi:
        return _nearest_epoch(d, year)
    a, b = lo[-1], hi[0]
    if a == b:
        return d[a]
    t = (year - a) / (b - a)
    return (1 - t) * d[a] + t * d[b]


def _product_grid(grid, res_deg: float, margin_deg: float = 0.02):
    from affine import Affine

    l, b, r, t = grid.footprint(4326)
    l, b = math.floor((l - margin_deg) / res_deg), math.floor((b - margin_deg) / res_deg)
    r, t = math.ceil((r + margin_deg) / res_deg), math.ceil((t + margin_deg) / res_deg)
    return Affine(res_deg, 0, l * res_deg, 0, -res_deg, t * res_deg), r - l, t - b


def _to_product(field: np.ndarray, src_tr, grid, res_deg: float, *, mode: bool = False
                ) -> tuple[np.ndarray, Any]:
    from rasterio.warp import Resampling, reproject

    tr, w, h = _product_grid(grid, res_deg)
    if mode:
        dst = np.zeros((h, w), np.int32)
        reproject(field.astype(np.int32), dst, src_transform=src_tr, src_crs=grid.crs,
                  src_nodata=0, dst_transform=tr, dst_crs="EPSG:4326", dst_nodata=0,
                  resampling=Resampling.mode)
    else:
        dst = np.full((h, w), np.nan)
        reproject(field.astype(np.float64), dst, src_transform=src_tr, src_crs=grid.crs,
                  src_nodata=np.nan, dst_transform=tr, dst_crs="EPSG:4326", dst_nodata=np.nan,
                  resampling=Resampling.average)
    return dst, tr


def _write_tif(path: Path, bands: np.ndarray, tr, dtype: str, nodata: float | None,
               tags: dict[str, str], scale: float | None = None,
               offset: float | None = None) -> None:
    import rasterio

    bands = bands if bands.ndim == 3 else bands[None]
    prof: dict[str, Any] = dict(driver="GTiff", width=bands.shape[2], height=bands.shape[1],
                                count=bands.shape[0], dtype=dtype, crs="EPSG:4326", transform=tr,
                                compress="deflate")
    if nodata is not None:
        prof["nodata"] = nodata
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **prof) as dst:
        dst.write(bands.astype(dtype))
        dst.update_tags(**tags, TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION)


def write_environment_layers(city, grid, out_dir: str | Path, builtup: dict[int, np.ndarray],
                             population: dict[int, np.ndarray], dem: np.ndarray | None,
                             setting: str, *, water: np.ndarray | None = None
                             ) -> dict[str, Path]:
    """Write the demo land cover, NDVI, PM2.5, LST, night lights and GDP of one city.

    ``builtup``/``population``: per epoch, built-up share [0–1] and persons per cell on
    ``grid`` (the city's UTM grid); ``dem`` [m] on the same grid (or None: flat); ``setting``
    the catalogue setting; ``water`` optional mask of river/sea cells. Deterministic (seeded
    from the city id). Returns paths keyed ``landcover_2021``, ``ndvi_2020``, ``pm25_2020``,
    ``lst_2020``, ``lights_2014``, ``lights_2020``, ``gdp_2020`` (the pipeline's input keys).
    """
    from affine import Affine
    from scipy import ndimage

    d = Path(out_dir) / city.city_id
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(city.city_id.encode()) ^ 0xE1E1)
    iso = getattr(city, "country_iso3", "") or ""
    shape = grid.shape
    res = grid.res
    cell_ha = grid.cell_area_ha

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, PAD, mode="edge")

    ptr = Affine(res, 0, grid.x0 - PAD * res, 0, -res, grid.y0 + PAD * res)
    B = pad(np.clip(np.nan_to_num(_nearest_epoch(builtup, 2021)), 0, 1))
    P20 = pad(np.nan_to_num(_nearest_epoch(population, 2020)))
    P14 = pad(np.nan_to_num(_at_year(population, 2014)))
    Z = pad(np.nan_to_num(dem)) if dem is not None else np.zeros_like(B)
    W = pad(water.astype(bool)) if water is not None else np.zeros(B.shape, bool)
    S = (shape[0] + 2 * PAD, shape[1] + 2 * PAD)
    r0, c0 = grid.centre_rowcol()
    rr, cc = np.indices(S)
    dist_km = np.hypot(rr - (r0 + PAD), cc - (c0 + PAD)) * res / 1000.0
    n1, n2, n3 = _smooth(rng, S, 6), _smooth(rng, S, 3), _smooth(rng, S, 10)
    base_z = float(np.median(Z[dist_km < 2])) if (dist_km < 2).any() else 0.0
    dens = ndimage.gaussian_filter(P20 / cell_ha, 5)          # persons/ha, smoothed ~0.5 km
    built = (B >= 0.2) & ~W
    near_city = ndimage.distance_transform_edt(~built) * res / 1000.0  # km to built-up

    # --- land cover (WorldCover codes)
    if setting == "oasis":
        rural = np.where(near_city < 3 + 2 * n3, 40, 60)                 # fields, then desert
    elif setting == "valley_basin":
        rural = np.where(n1 > 1.2, 10, 40)
    elif setting == "steppe_river":
        rural = np.where(n1 > 1.0, 40, 30)
    elif setting == "mountain_front":
        rural = np.where(Z - base_z > 250, np.where(n1 > 0.3, 10, 30), np.where(n1 > 0.8, 10, 40))
    else:  # sea coast, anything else
        rural = np.where(n1 > 1.0, 20, 60)
    urban_green = np.where(n2 > 0.6, 10, 30)                              # parks, gardens, lawns
    lc = np.where(near_city < 0.3, urban_green, rural)
    lc = np.where(built, 50, lc)
    lc = np.where(W, 80, lc).astype(np.uint8)

    # --- NDVI
    ndvi_by = {10: 0.62, 20: 0.28, 30: 0.36, 40: 0.52, 50: 0.14, 60: 0.07, 80: -0.08}
    lut = np.zeros(256)
    for code, val in ndvi_by.items():
        lut[code] = val
    ndvi = lut[lc] - 0.12 * B * (lc == 50)
    ndvi = np.clip(ndvi + 0.04 * n2, -0.2, 0.95)

    # --- PM2.5 annual mean [µg/m³]
    inversion = {"valley_basin": 9.0, "mountain_front": 7.0}.get(setting, 0.0)
    dust = {"oasis": 9.0, "sea_coast": 3.0}.get(setting, 0.0)
    heating = 9.0 * COAL.get(iso, 0.3) * (1.0 if setting != "oasis" else 0.6)
    plume = ndimage.gaussian_filter(P20, 12)
    plume = plume / max(float(plume.max()), 1e-9)
    pm = (14.0 + dust + inversion * np.clip(1 - (Z - base_z) / 400.0, 0.2, 1.2)
          + heating * plume + 6.0 * np.clip(dens / 150.0, 0, 1.5) + 1.2 * n3)
    pm = np.clip(pm, 12.0, 62.0)

    # --- LST, summer day [°C]
    rural_t = {"oasis": 49.0, "sea_coast": 44.0, "valley_basin": 41.0, "steppe_river": 38.0,
               "mountain_front": 37.0}.get(setting, 40.0)
    lst = (rural_t + 5.0 * B - 15.0 * np.clip(ndvi - 0.1, 0, None) - 12.0 * W
           - 0.0065 * (Z - base_z) + 0.8 * n2)
    lst = np.where(lc == 60, lst + 2.5, lst)

    # --- night lights [nW/cm²/sr]
    cent = np.exp(-dist_km / 2.5)
    sat = 60.0 + 40.0 * (GDP_PC_2020.get(iso, 8000.0) / 26000.0)
    l20 = sat * (1 - np.exp(-(dens / 80.0) ** 0.8 - 0.8 * cent)) * (1 + 0.1 * n2)
    l20 = np.where(P20 + B * 100 > 1, l20, 0.15 * np.abs(n2))
    dens14 = ndimage.gaussian_filter(P14 / cell_ha, 5)
    l14 = 0.8 * sat * (1 - np.exp(-(dens14 / 80.0) ** 0.8 - 0.7 * cent)) * (1 + 0.1 * n2)
    l14 = np.where(P14 + B * 100 > 1, l14, 0.15 * np.abs(n2))

    # --- GDP 2020 [USD per cell]: country GDP per person, higher where lights per person are
    tot_pop = float(P20.sum())
    share = 0.5 * P20 / max(tot_pop, 1e-9) + 0.5 * l20 / max(float(l20.sum()), 1e-9)
    gdp20 = share * tot_pop * GDP_PC_2020.get(iso, 8000.0) * 1.25       # cities above average

    paths: dict[str, Path] = {}
    # land cover at 3″ (≈ 100 m)
    a, tr = _to_product(lc, ptr, grid, 1 / 1200, mode=True)
    p = d / LANDCOVER_NAME.format(tile=_tile(city.lat, city.lon))
    _write_tif(p, a, tr, "uint8", 0,
               synthetic_tags(city, "ESA WorldCover", resolution="100 m (real: 10 m)",
                              classes="WorldCover v200 codes"))
    paths["landcover_2021"] = p
    # NDVI at 7.5″ (≈ 250 m), int16 × 10 000, fill −3000
    a, tr = _to_product(ndvi, ptr, grid, 1 / 480)
    a = np.where(np.isfinite(a), np.rint(a * 10000), -3000)
    p = d / ENV_FILES["ndvi_2020"]
    _write_tif(p, a, tr, "int16", -3000, synthetic_tags(city, "MOD13Q1", scale_factor=0.0001))
    paths["ndvi_2020"] = p
    # PM2.5 NetCDF at 0.01°
    a, tr = _to_product(pm, ptr, grid, 0.01)
    p = d / ENV_FILES["pm25_2020"]
    _write_pm25_nc(p, a, tr, city)
    paths["pm25_2020"] = p
    # LST at 30″, uint16 K × 50, fill 0, a few cloud gaps
    a, tr = _to_product(lst, ptr, grid, 1 / 120)
    k = np.rint((a + 273.15) / 0.02)
    gaps = rng.uniform(0, 1, a.shape) < 0.03
    k = np.where(np.isfinite(a) & ~gaps, k, 0)
    p = d / ENV_FILES["lst_2020"]
    _write_tif(p, k, tr, "uint16", 0, synthetic_tags(city, "MOD11A2", scale_factor=0.02, units="K"))
    paths["lst_2020"] = p
    # lights at 15″
    for y, arr in ((2014, l14), (2020, l20)):
        a, tr = _to_product(arr, ptr, grid, 1 / 240)
        p = d / ENV_FILES[f"lights_{y}"]
        _write_tif(p, np.nan_to_num(a), tr, "float32", None,
                   synthetic_tags(city, "VIIRS VNL", units="nW/cm2/sr"))
        paths[f"lights_{y}"] = p
    # GDP at 30″, one band per year 1990–2022 (totals kept: reproject densities then × area)
    a, tr = _to_product(gdp20 / cell_ha, ptr, grid, 1 / 120)
    from carlcities.grid import cell_areas_m2

    a = np.nan_to_num(a) * cell_areas_m2(tr, "EPSG:4326", a.shape) / 1.0e4
    years = np.arange(1990, 2023)
    growth = np.exp(0.045 * (years - 2020))[:, None, None]
    p = d / ENV_FILES["gdp_2020"]
    _write_tif(p, a[None] * growth, tr, "float32", -1.0,
               synthetic_tags(city, "Kummu et al. 2025 gdpTot", units="USD PPP 2021 per cell",
                     bands="1990..2022"))
    paths["gdp_2020"] = p
    return paths


def _write_pm25_nc(path: Path, a: np.ndarray, tr, city) -> None:
    """PM2.5 as the ACAG files hold it: NetCDF-4, ``PM25`` on CF lat (ascending)/lon, no grid
    mapping, fill −999."""
    import netCDF4

    h, w = a.shape
    lat = tr.f + tr.e * (np.arange(h) + 0.5)
    lon = tr.c + tr.a * (np.arange(w) + 0.5)
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.createDimension("lat", h)
        nc.createDimension("lon", w)
        vy = nc.createVariable("lat", "f8", ("lat",))
        vy.units, vy.standard_name = "degrees_north", "latitude"
        vy[:] = lat[::-1]
        vx = nc.createVariable("lon", "f8", ("lon",))
        vx.units, vx.standard_name = "degrees_east", "longitude"
        vx[:] = lon
        v = nc.createVariable("PM25", "f4", ("lat", "lon"), zlib=True, fill_value=-999.0)
        v.units, v.long_name = "ug/m3", "annual mean PM2.5"
        v[:] = np.where(np.isfinite(a), a, -999.0)[::-1].astype(np.float32)
        nc.setncatts({"synthetic": "true", "city_id": city.city_id, "description": DESCRIPTION,
                      "carlcities_demo_version": DEMO_VERSION,
                      "product": "V5.GL.04 HybridPM25 (synthetic look-alike)"})
