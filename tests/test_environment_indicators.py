"""Environment and economy indicators against values worked out by hand, and the pipeline step
on a small synthetic grid and on the demo layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from carlcities.errors import ConfigError
from carlcities.indicators import economy as E
from carlcities.indicators import environment as V
from carlcities.indicators.atlas import AtlasResult
from carlcities.indicators.registry import REGISTRY, evaluate
from carlcities.zonal import CoverageWeights


def test_pm25_population_weighted_on_three_cells():
    # cells: pop 100, 200, 700; PM2.5 4, 12, 40 → (400 + 2400 + 28000) / 1000 = 30.8
    pop, x = np.array([100.0, 200.0, 700.0]), np.array([4.0, 12.0, 40.0])
    assert V.pm25_pop_weighted(float((pop * x).sum()), float(pop.sum())) == pytest.approx(30.8)
    # WHO: above 5 → 900/1000 = 90 %; above IT-1 35 → 70 %; IT-2 25 → 70 %; IT-3 15 → 70 %;
    # IT-4 10 → 90 %
    vals = evaluate(dict(pm25_pop=1000.0, pm25_pop_above_aqg=900.0, pm25_pop_above_it1=700.0,
                         pm25_pop_above_it4=900.0), ids=["environment.pm25_above_aqg",
                                                         "environment.pm25_above_it1",
                                                         "environment.pm25_above_it4"])
    assert [v.value for v in vals.values()] == [pytest.approx(90.0), pytest.approx(70.0),
                                                pytest.approx(90.0)]
    assert V.WHO_AQG == 5.0 and V.WHO_INTERIM == {1: 35.0, 2: 25.0, 3: 15.0, 4: 10.0}


def test_pm25_zero_population_is_undefined():
    assert V.pm25_pop_weighted(0.0, 0.0)[0] is None


def test_suhi_by_hand():
    # extent cells 38, 40, 42 °C → mean 40; ring mean 35 → SUHI 5 K
    assert V.suhi(120.0, 3.0, 35.0) == pytest.approx(5.0)
    assert V.suhi(120.0, 3.0, float("nan"))[0] is None
    assert V.lst_mean(120.0, 3.0) == pytest.approx(40.0)


def test_rural_ring_distances():
    ext = np.zeros((1, 12), bool)
    ext[0, 0] = True
    ring = V.rural_ring(ext, 100.0, 0.2, 0.5)
    # cells at 300, 400, 500 m are in (200, 500]
    assert np.flatnonzero(ring[0]).tolist() == [3, 4, 5]
    ring = V.rural_ring(ext, 100.0, 0.2, 0.5, exclude=np.eye(1, 12, 4, dtype=bool))
    assert np.flatnonzero(ring[0]).tolist() == [3, 5]


def test_green_share_per_person_and_access():
    assert V.green_share(30.0, 120.0) == pytest.approx(25.0)
    assert V.green_per_person(2.0, 1000.0) == pytest.approx(20.0)     # 20 000 m² / 1000
    assert V.green_access(450.0, 600.0) == pytest.approx(75.0)
    # a 1 × 10 row of 100 m cells: one green cell (1 ha ≥ 0.5 ha) at column 0
    g = np.zeros((1, 10))
    g[0, 0] = 1.0
    acc = V.green_access_mask(g, 100.0, min_ha=0.5, access_m=300.0)
    assert np.flatnonzero(acc[0]).tolist() == [0, 1, 2, 3]
    # a patch too small: 0.6 green share → 0.6 ha < 1 ha minimum
    g[0, 0] = 0.6
    assert not V.green_access_mask(g, 100.0, min_ha=1.0).any()


def test_lst_exposure_and_coverage():
    assert V.lst_coverage(45.0, 60.0) == pytest.approx(75.0)
    vals = evaluate(dict(lst_pop=400.0, lst_pop_above_40=100.0),
                    ids=["environment.lst_exposed_40c"])
    assert vals["environment.lst_exposed_40c"].value == pytest.approx(25.0)


def test_gini_by_hand():
    # [0, 0, 0, 1]: 2·(4·1)/(4·1) − 5/4 = 0.75
    assert E.gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert E.gini(np.array([2.0, 2.0, 2.0])) == pytest.approx(0.0)
    # [1, 2, 3]: 2·(1 + 4 + 9)/(3·6) − 4/3 = 28/18 − 24/18 = 2/9
    assert E.gini(np.array([3.0, 1.0, 2.0])) == pytest.approx(2 / 9)
    assert E.activity_gini(np.zeros(3))[0] is None


def test_monocentricity_lights_and_gdp_by_hand():
    assert E.monocentricity(30.0, 120.0) == pytest.approx(25.0)
    assert E.lights_per_person(5.0, 1000.0) == pytest.approx(5000.0)   # 5·10⁶ / 1000
    assert E.lights_growth(100.0, 100.0 * math.e, 10.0) == pytest.approx(0.1)
    assert E.lights_growth(0.0, 5.0, 6.0)[0] is None
    assert E.gdp_per_person(5.0e9, 1.0e6) == pytest.approx(5000.0)


def test_main_centre_is_the_peak():
    x = np.zeros((21, 21))
    x[5, 15] = 100.0
    x[15, 5] = 40.0
    assert E.main_centre(x, np.ones_like(x, bool), 100.0) == (5, 15)
    assert E.main_centre(np.zeros((3, 3)), np.ones((3, 3), bool), 100.0) is None


def test_registered_with_both_names():
    ids = [i for i in REGISTRY if i.split(".")[0] in ("environment", "economy")]
    assert len(ids) >= 25
    for iid in ids:
        ind = REGISTRY[iid]
        assert ind.name_en and any("а" <= c <= "я" for c in ind.name_ru.lower())
        assert ind.unit and ind.reference and ind.func.__doc__


# ----------------------------------------------------------------------- compute_environment
def _toy(tmp_path, *, gap_share=0.0):
    """A 40 × 40 grid: extent = central 10 × 10; two districts (west/east halves)."""
    import rasterio
    from affine import Affine

    from carlcities.grid import CityGrid

    grid = CityGrid.around("toy", 76.9, 43.25, 2000.0, res=100.0)
    h, w = grid.shape
    ext = np.zeros(grid.shape, bool)
    ext[15:25, 15:25] = True
    pop = np.where(ext, 100.0, 0.0)
    classes = np.where(ext, 1, 6).astype(np.uint8)
    at = AtlasResult(classes=classes, builtup=ext.copy(), b=np.zeros(grid.shape), extent=ext)
    n = h * w
    west = np.zeros(grid.shape)
    west[:, : w // 2] = 1.0
    m = sp.csr_matrix(np.stack([np.ones(n), west.ravel(), 1.0 - west.ravel()]))
    wts = CoverageWeights.build(("city", "w", "e"), grid.shape, m)
    # PM2.5 and LST written on the grid itself (UTM) in the real encodings
    prof = grid.profile(dtype="float32", nodata=-999.0)
    p_pm = tmp_path / "sdei-global-annual-gwr-pm2-5-modis-misr-seawifs-aod-v4-gl-03-2020.tif"
    pm = np.where(np.arange(w)[None, :] < w // 2, 20.0, 40.0) * np.ones(grid.shape)
    with rasterio.open(p_pm, "w", **prof) as ds:
        ds.write(pm.astype("float32"), 1)
    prof = grid.profile(dtype="uint16", nodata=0)
    lst = np.where(ext, 40.0, 34.0)
    k = np.rint((lst + 273.15) / 0.02)
    if gap_share:
        rng = np.random.default_rng(1)
        k = np.where(rng.uniform(size=k.shape) < gap_share, 0, k)
    p_lst = tmp_path / "MOD11A2.061_LST_Day_1km_doy2020201_aid0001.tif"
    with rasterio.open(p_lst, "w", **prof) as ds:
        ds.write(k.astype("uint16"), 1)
    del Affine
    return grid, {2020: dict(population=pop, atlas=at)}, wts, dict(pm25_2020=str(p_pm),
                                                                   lst_2020=str(p_lst))


def test_compute_environment_on_a_toy(tmp_path):
    grid, ed, wts, inputs = _toy(tmp_path)
    res = V.compute_environment(grid, inputs, ed, wts, ["city", "w", "e"],
                                dict(rural_ring_inner_km=0.0, rural_ring_outer_km=0.5))
    got = {(r["zone_id"], r["indicator_id"]): r for r in res.rows}
    # half the residents at 20, half at 40 → 30 µg/m³; all above IT-2 (25)? only the east half
    assert got[("city", "environment.pm25_pop_weighted")]["value"] == pytest.approx(30.0)
    assert got[("w", "environment.pm25_pop_weighted")]["value"] == pytest.approx(20.0)
    assert got[("city", "environment.pm25_above_it2")]["value"] == pytest.approx(50.0)
    assert got[("city", "environment.pm25_above_aqg")]["value"] == pytest.approx(100.0)
    # SUHI 40 − 34 = 6 K, per district too; exposure above 35 °C: everyone
    assert got[("city", "environment.suhi")]["value"] == pytest.approx(6.0, abs=0.02)
    assert got[("e", "environment.suhi")]["value"] == pytest.approx(6.0, abs=0.02)
    assert got[("city", "environment.lst_exposed_35c")]["value"] == pytest.approx(100.0)
    assert got[("city", "environment.lst_exposed_40c")]["value"] == pytest.approx(0.0)
    assert ("w", "environment.lst_coverage") not in got
    assert {"pm25_2020", "lst_2020"} <= set(res.rasters)
    assert {p["product"] for p in res.provenance} == {"SEDAC V4.GL.03 PM2.5", "MOD11A2"}
    r = got[("city", "environment.suhi")]
    assert r["unit"] == "K" and r["method_version"] == "environment.suhi@1"
    assert "rural ring 0–0.5 km" in r["flag"]


def test_compute_environment_refuses_cloudy_lst(tmp_path):
    grid, ed, wts, inputs = _toy(tmp_path, gap_share=0.7)
    res = V.compute_environment(grid, inputs, ed, wts, ["city", "w", "e"], {})
    suhi = [r for r in res.rows if r["indicator_id"] == "environment.suhi"]
    assert suhi and all(r["value"] is None and "refused" in r["flag"] for r in suhi)
    cov = [r for r in res.rows if r["indicator_id"] == "environment.lst_coverage"]
    assert cov[0]["value"] < 60
    assert res.notes and "covers only" in res.notes[0]


def test_population_of_nearest_epoch_is_flagged(tmp_path):
    grid, ed, wts, inputs = _toy(tmp_path)
    inputs = {"pm25_2021": inputs["pm25_2020"]}
    res = V.compute_environment(grid, inputs, ed, wts, ["city", "w", "e"], {})
    assert all(r["epoch"] == 2021 for r in res.rows)
    assert all("of 2020 used for 2021" in r["flag"] for r in res.rows)


def test_bad_threshold_is_a_config_error(tmp_path):
    grid, ed, wts, inputs = _toy(tmp_path)
    with pytest.raises(ConfigError, match="lst_thresholds_c"):
        V.compute_environment(grid, inputs, ed, wts, ["city"], dict(lst_thresholds_c=[37]))


@pytest.mark.slow
def test_demo_layers_feed_every_indicator(tmp_path):
    import time

    from carlcities.catalog import load_catalog
    from carlcities.demo.environment import write_environment_layers
    from carlcities.indicators import atlas as A
    from carlcities.zonal import whole_grid_weights

    city = load_catalog().get("osh")
    from carlcities.grid import for_city

    grid = for_city(city, epochs=[2010, 2020])
    r0, c0 = grid.centre_rowcol()
    rr, cc = np.indices(grid.shape)
    d = np.hypot(rr - r0, cc - c0)
    bu = {e: np.clip(0.7 - d / (25 if e == 2020 else 20), 0, 1) for e in (2010, 2020)}
    pop = {e: bu[e] * 80.0 for e in bu}
    t = time.perf_counter()
    paths = write_environment_layers(city, grid, tmp_path, bu, pop, None, city.setting)
    t_demo = time.perf_counter() - t
    assert t_demo < 3.0
    assert paths["landcover_2021"].name.startswith("ESA_WorldCover_100m_2021_v200_N")
    ed = {e: dict(population=pop[e], atlas=A.classify(bu[e], grid.res)) for e in bu}
    res = V.compute_environment(grid, {k: str(v) for k, v in paths.items()}, ed,
                                whole_grid_weights(grid.shape), ["city"], {})
    ids = {r["indicator_id"] for r in res.rows if r["value"] is not None}
    for iid in ("environment.green_share", "environment.green_access", "environment.ndvi_mean",
                "environment.pm25_pop_weighted", "environment.suhi", "environment.lst_mean",
                "economy.lights_sum", "economy.lights_growth", "economy.activity_gini",
                "economy.monocentricity", "economy.gdp_per_person"):
        assert iid in ids, iid
    pm = next(r["value"] for r in res.rows if r["indicator_id"] == "environment.pm25_pop_weighted")
    assert 15 <= pm <= 60
    assert all(r["synthetic"] for r in res.rows)
    assert {"pm25_2020", "lst_2020", "lights_2020", "green_2021"} <= set(res.rasters)
    # deterministic
    again = write_environment_layers(city, grid, tmp_path / "b", bu, pop, None, city.setting)
    import rasterio

    with rasterio.open(paths["lst_2020"]) as a, rasterio.open(again["lst_2020"]) as b:
        assert np.array_equal(a.read(), b.read())


def test_env_map_draws_latest_raster_and_skips_absent(tmp_path):
    from carlcities.grid import CityGrid
    from carlcities.io.raster import write_cog
    from carlcities.report import maps

    grid = CityGrid.around("toy", 76.9, 43.25, 2000.0, res=100.0)
    folder = tmp_path / "rasters" / "toy"
    a = np.linspace(15, 45, grid.shape[0] * grid.shape[1]).reshape(grid.shape)
    write_cog(folder / "pm25_2020.tif", a.astype("float32"), grid, nodata=float("nan"),
              tags=dict(source="test"))
    rs = maps.find_rasters(folder)
    fig = maps.env_map(rs, "pm25", tmp_path / "img" / "pm.png", out_dir=tmp_path, city_en="Toy",
                       city_ru="Той", fallback_source="")
    assert fig is not None and fig.file.is_file() and fig.extra["epoch"] == 2020
    assert fig.colorbar["vmin"] < fig.colorbar["vmax"]
    assert maps.env_map(rs, "lst", tmp_path / "img" / "lst.png", out_dir=tmp_path,
                        city_en="Toy", city_ru="Той", fallback_source="") is None
