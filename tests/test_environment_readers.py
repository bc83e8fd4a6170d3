"""Readers of the environment and economy products on real-format files the tests write."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from carlcities.errors import CoverageError, CRSError, DataValueError
from carlcities.grid import CityGrid
from carlcities.io.environment import (
    check_lst_coverage,
    green_fraction,
    read_environment_layer,
    read_netcdf,
)
from carlcities.io.raster import identify_product

RES = 1 / 120  # 30″


@pytest.fixture(scope="module")
def grid():
    return CityGrid.around("testcity", 76.9, 43.25, 2000.0, res=100.0)


def _geo(grid, res):
    l, b, r, t = grid.footprint(4326)
    l, t = np.floor((l - 0.02) / res) * res, np.ceil((t + 0.02) / res) * res
    w = int(np.ceil((r + 0.02 - l) / res))
    h = int(np.ceil((t - (b - 0.02)) / res))
    return Affine(res, 0, l, 0, -res, t), w, h


def _tif(path, arr, tr, dtype, nodata=None, count=None, **tags):
    arr = arr if arr.ndim == 3 else arr[None]
    prof = dict(driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                dtype=dtype, crs="EPSG:4326", transform=tr)
    if nodata is not None:
        prof["nodata"] = nodata
    with rasterio.open(path, "w", **prof) as ds:
        ds.write(arr.astype(dtype))
        if tags:
            ds.update_tags(**tags)
    return path


@pytest.mark.parametrize("name, role, product, year", [
    ("ESA_WorldCover_10m_2021_v200_N42E069_Map.tif", "landcover", "ESA WorldCover", 2021),
    ("ESA_WorldCover_100m_2021_v200_N42E075_Map.tif", "landcover", "ESA WorldCover", 2021),
    ("MOD13Q1.061__250m_16_days_NDVI_doy2020193_aid0001.tif", "ndvi", "MOD13Q1", 2020),
    ("V5GL04.HybridPM25.Asia.202001-202012.nc", "pm25", "ACAG V5.GL.04 HybridPM25", 2020),
    ("sdei-global-annual-gwr-pm2-5-modis-misr-seawifs-aod-v4-gl-03-2019.tif", "pm25",
     "SEDAC V4.GL.03 PM2.5", 2019),
    ("MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif", "lst", "MOD11A2", 2020),
    ("LC08_L2SP_153030_20200720_20200807_02_T1_ST_B10.TIF", "lst", "Landsat LC08 C2 L2 ST", 2020),
    ("VNL_v21_npp_2020_global_vcmslcfg_c202205302300.average_masked.dat.tif", "lights",
     "VIIRS VNL", 2020),
    ("VNL_v2_npp_2014_global_vcmcfg_c202102150000.average_masked.tif", "lights", "VIIRS VNL",
     2014),
    ("GDP_PPP_1990_2015_5arcmin_v2.nc", "gdp", "Kummu et al. 2018 GDP_PPP", None),
    ("rast_gdpTot_1990_2022_30arcsec.tif", "gdp", "Kummu et al. 2025 gdpTot", None),
])
def test_products_are_recognised_by_name(name, role, product, year):
    info = identify_product(name)
    assert (info.role, info.product, info.epoch) == (role, product, year)


def test_worldcover_classes_and_green_fraction(tmp_path, grid):
    tr, w, h = _geo(grid, 1 / 1200)
    cls = np.full((h, w), 60, np.uint8)
    cls[:, : w // 2] = 10          # western half tree cover
    cls[:2, :] = 0                 # a strip of no data at the top, outside the grid
    p = _tif(tmp_path / "ESA_WorldCover_100m_2021_v200_N42E075_Map.tif", cls, tr, "uint8", 0,
             synthetic="true")
    lay = read_environment_layer(p, grid, "landcover")
    assert lay.info.product == "ESA WorldCover" and lay.synthetic
    assert set(np.unique(lay.data)) <= {10, 60}
    gf = green_fraction(p, grid)
    assert np.nanmin(gf) == 0.0 and np.nanmax(gf) == 1.0
    assert 0.3 < np.nanmean(gf) < 0.7


def test_scaled_modis_lst_with_fill_and_kelvin(tmp_path, grid):
    tr, w, h = _geo(grid, RES)
    k = np.full((h, w), round((30.0 + 273.15) / 0.02), np.uint16)   # 30 °C
    k[h // 2, w // 2] = 0                                            # a cloud gap
    p = _tif(tmp_path / "MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif", k, tr, "uint16", 0)
    lay = read_environment_layer(p, grid, "lst")
    v = lay.data[np.isfinite(lay.data)]
    assert np.allclose(v, 30.0, atol=0.02)
    assert np.isnan(lay.data).any()                                  # the gap stays a gap
    assert "converted from K to °C" in lay.notes
    assert lay.provenance()["product"] == "MOD11A2"


def test_kelvin_where_celsius_expected_is_detected(tmp_path, grid):
    tr, w, h = _geo(grid, RES)
    p = _tif(tmp_path / "lst_summer_2020.tif", np.full((h, w), 310.15, np.float32), tr,
             "float32", -9999.0)
    lay = read_environment_layer(p, grid, "lst")
    assert np.allclose(lay.data, 37.0)
    assert any("read as Kelvin" in n for n in lay.notes)


def test_lst_unknown_scale_factor_refused(tmp_path, grid):
    tr, w, h = _geo(grid, RES)
    p = _tif(tmp_path / "my_lst_2020.tif", np.full((h, w), 15000, np.uint16), tr, "uint16", 0)
    with pytest.raises(DataValueError, match="unknown scale factor") as e:
        read_environment_layer(p, grid, "lst")
    assert str(p) in str(e.value) and "0.02" in str(e.value)


def test_ndvi_unknown_scale_factor_refused(tmp_path, grid):
    tr, w, h = _geo(grid, 1 / 480)
    p = _tif(tmp_path / "NDVI_2020.tif", np.full((h, w), 4500.0, np.float32), tr, "float32",
             -3000.0)
    with pytest.raises(DataValueError, match="scale factor"):
        read_environment_layer(p, grid, "ndvi")


def test_modis_ndvi_scale_and_fill(tmp_path, grid):
    tr, w, h = _geo(grid, 1 / 480)
    a = np.full((h, w), 5000, np.int16)
    a[0, 0] = -3000
    p = _tif(tmp_path / "MOD13Q1.061__250m_16_days_NDVI_doy2020193_aid0001.tif", a, tr, "int16",
             -3000)
    lay = read_environment_layer(p, grid, "ndvi")
    assert np.allclose(lay.data, 0.5)


def test_lst_coverage_threshold():
    lst = np.array([[30.0, np.nan], [np.nan, np.nan]])
    region = np.ones((2, 2), bool)
    with pytest.raises(CoverageError, match="25 %") as e:
        check_lst_coverage(lst, region, 0.6, "x.tif")
    assert "lst_min_coverage" in str(e.value)
    assert check_lst_coverage(lst, region, 0.2, "x.tif") == 0.25


def _nc(path, grid, *, crs: bool, units=("degrees_north", "degrees_east"), names=("lat", "lon"),
        value=25.0, time=None):
    import xarray as xr

    tr, w, h = _geo(grid, 0.01)
    lat = tr.f - 0.01 * (np.arange(h) + 0.5)
    lon = tr.c + 0.01 * (np.arange(w) + 0.5)
    a = np.full((h, w), value, np.float32)
    a[0, 0] = np.nan
    dims = names
    data = a[::-1]
    coords = {names[0]: lat[::-1], names[1]: lon}
    if time is not None:
        data = np.stack([data * (i + 1) for i in range(len(time))])
        dims = ("time",) + names
        coords["time"] = np.asarray(time)
    da = xr.DataArray(data, dims=dims, coords=coords, name="PM25")
    ds = da.to_dataset()
    ds[names[0]].attrs["units"] = units[0]
    ds[names[1]].attrs["units"] = units[1]
    if time is not None:
        ds["time"].attrs["units"] = "years since 0000-01-01"
    if crs:
        ds["spatial_ref"] = xr.DataArray(0, attrs={"crs_wkt": 'GEOGCRS["WGS 84",DATUM["World '
                                                   'Geodetic System 1984",ELLIPSOID["WGS 84",'
                                                   '6378137,298.257223563]],CS[ellipsoidal,2],'
                                                   'AXIS["lat",north],AXIS["lon",east],'
                                                   'ANGLEUNIT["degree",0.0174532925199433],'
                                                   'ID["EPSG",4326]]'})
        ds["PM25"].attrs["grid_mapping"] = "spatial_ref"
    ds.attrs["synthetic"] = "true"
    ds.to_netcdf(path, engine="netcdf4", encoding={"PM25": {"_FillValue": -999.0}})
    return path


def test_netcdf_pm25_with_crs(tmp_path, grid):
    p = _nc(tmp_path / "V5GL04.HybridPM25.Asia.202001-202012.nc", grid, crs=True)
    lay = read_environment_layer(p, grid, "pm25")
    assert np.allclose(lay.data[np.isfinite(lay.data)], 25.0)
    assert lay.info.epoch == 2020 and lay.synthetic
    assert not any("no CRS" in n for n in lay.notes)


def test_netcdf_without_crs_cf_latlon_assumes_wgs84_with_note(tmp_path, grid):
    p = _nc(tmp_path / "V5GL04.HybridPM25.Asia.202001-202012.nc", grid, crs=False)
    lay = read_environment_layer(p, grid, "pm25")
    assert np.allclose(lay.data[np.isfinite(lay.data)], 25.0)
    assert any("read as EPSG:4326" in n for n in lay.notes)


def test_netcdf_without_crs_or_degrees_refused(tmp_path, grid):
    p = _nc(tmp_path / "V5GL04.HybridPM25.Asia.202001-202012.nc", grid, crs=False,
            units=("m", "m"), names=("y", "x"))
    with pytest.raises(CRSError, match="no CRS") as e:
        read_netcdf(p, grid, "pm25")
    assert "crs_wkt" in str(e.value)


def test_netcdf_time_step_by_year(tmp_path, grid):
    p = _nc(tmp_path / "GDP_PPP_1990_2015_5arcmin_v2.nc", grid, crs=False, value=100.0,
            time=[1990.0, 2000.0, 2015.0])
    lay = read_environment_layer(p, grid, "gdp", year=2000)
    assert any("step 1" in n for n in lay.notes)
    with pytest.raises(Exception, match="no step matches year 2010"):
        read_environment_layer(p, grid, "gdp", year=2010)


def test_viirs_lights_negative_noise(tmp_path, grid):
    tr, w, h = _geo(grid, 1 / 240)
    a = np.full((h, w), 12.5, np.float32)
    a[: h // 2] = -0.4
    p = _tif(tmp_path / "VNL_v21_npp_2020_global_vcmslcfg_c202205302300.average_masked.dat.tif",
             a, tr, "float32")
    lay = read_environment_layer(p, grid, "lights")
    assert lay.data.min() >= 0 and lay.data.max() == pytest.approx(12.5)
    assert any("negative radiance" in n for n in lay.notes)
    assert lay.info.version.startswith("v2.1")


def test_kummu_multiband_gdp_keeps_totals(tmp_path, grid):
    tr, w, h = _geo(grid, RES)
    bands = np.stack([np.full((h, w), float(y), np.float32) for y in range(1990, 2023)])
    p = _tif(tmp_path / "rast_gdpTot_1990_2022_30arcsec.tif", bands, tr, "float32", -1.0)
    lay = read_environment_layer(p, grid, "gdp", year=2020)
    # every source cell holds 2020 USD; the grid holds its share of the cells it covers
    assert lay.info.epoch == 2020
    assert np.nansum(lay.data) > 0
    cells = np.nansum(lay.data) / 2020.0   # source cells whose centres lie in the 4 km square
    assert cells == pytest.approx(round(cells)) and 20 <= cells <= 30
    with pytest.raises(Exception, match="1990–2022"):
        read_environment_layer(p, grid, "gdp", year=2030)
