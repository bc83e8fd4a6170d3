"""Flood depth–damage, depth readers, losses/EAL and the climate deltas (values by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from carlcities.errors import ClampWarning, HazardError
from carlcities.risk import climate, flood

from .conftest import write_tif


# -- JRC Asia depth-damage ------------------------------------------------------------------------
def test_damage_fraction_published_points():
    # Huizinga et al. (2017), Asia residential / commercial / industrial
    assert flood.damage_fraction(1.0, "residential") == pytest.approx(0.494)
    assert flood.damage_fraction(3.0, "commercial") == pytest.approx(0.883)
    assert flood.damage_fraction(0.5, "industrial") == pytest.approx(0.283)
    assert flood.damage_fraction(0.0, "residential") == 0.0


def test_damage_fraction_interpolates_and_clamps():
    # halfway between 0.5 m (0.327) and 1.0 m (0.494)
    assert flood.damage_fraction(0.75) == pytest.approx((0.327 + 0.494) / 2)
    # 0.25 m: half of 0.327
    assert flood.damage_fraction(0.25) == pytest.approx(0.1635)
    # beyond 6 m the curve stays at 1; NaN is dry
    np.testing.assert_allclose(flood.damage_fraction(np.array([6.0, 9.0, np.nan])),
                               [1.0, 1.0, 0.0])


def test_damage_fraction_errors():
    with pytest.raises(HazardError, match="negative"):
        flood.damage_fraction(-0.1)
    with pytest.raises(HazardError, match="agricultural"):
        flood.damage_fraction(1.0, "agricultural")


# -- reading depth rasters ------------------------------------------------------------------------
def _depth_on_grid(tmp_path, grid, data, nodata=-9999.0, name="d.tif"):
    return write_tif(tmp_path / name, data.astype(np.float32), grid.transform, grid.crs,
                     nodata=nodata)


def test_read_depth_aligned_nodata_is_dry(tmp_path, small_grid):
    g = small_grid
    a = np.full(g.shape, -9999.0)
    a[:, : g.width // 2] = 1.25
    p = _depth_on_grid(tmp_path, g, a)
    d = flood.read_flood_depth(p, g)
    assert d.shape == g.shape
    assert d[10, 5] == pytest.approx(1.25)
    assert d[10, -5] == 0.0


def test_read_depth_reprojects_from_wgs84(tmp_path, small_grid):
    g = small_grid
    l, b, r, t = g.footprint(4326)
    res = 1 / 1200
    tr = Affine(res, 0, l - 0.01, 0, -res, t + 0.01)
    w = int((r - l + 0.02) / res) + 1
    h = int((t - b + 0.02) / res) + 1
    p = write_tif(tmp_path / "wgs.tif", np.full((h, w), 0.8, np.float32), tr, "EPSG:4326",
                  nodata=-9999.0)
    d = flood.read_flood_depth(p, g)
    np.testing.assert_allclose(d, 0.8, atol=1e-6)


def test_read_depth_refuses_centimetres_and_negatives(tmp_path, small_grid):
    g = small_grid
    p = _depth_on_grid(tmp_path, g, np.full(g.shape, 120.0), name="cm.tif")
    with pytest.raises(HazardError) as ei:
        flood.read_flood_depth(p, g)
    assert "cm.tif" in str(ei.value) and "centimetres" in str(ei.value)
    a = np.zeros(g.shape)
    a[0, 0] = -0.5
    p = _depth_on_grid(tmp_path, g, a, nodata=-9999.0, name="neg.tif")
    with pytest.raises(HazardError, match="negative"):
        flood.read_flood_depth(p, g)


# -- losses and EAL -------------------------------------------------------------------------------
def test_flood_losses_by_hand():
    d10 = np.array([[0.0, 0.1], [0.5, 1.0]])
    d100 = np.array([[0.0, 0.5], [1.0, 2.0]])
    val_res = np.array([[1000.0, 1000.0], [1000.0, 1000.0]])
    val_com = np.array([[0.0, 0.0], [0.0, 2000.0]])
    pop = np.array([[10.0, 20.0], [30.0, 40.0]])
    bld = np.array([[1.0, 2.0], [3.0, 4.0]])
    res = flood.flood_losses({100: d100, 10: d10}, {"residential": val_res,
                                                      "commercial": val_com}, pop, bld)
    assert res.return_periods == [10.0, 100.0]
    # 10 yr: residential 1000·(0.0654 + 0.327 + 0.494) + commercial 2000·0.538
    l10 = 1000 * (0.1 / 0.5 * 0.327 + 0.327 + 0.494) + 2000 * 0.538
    # 100 yr: residential 1000·(0.327 + 0.494 + 0.721) + commercial 2000·0.763
    l100 = 1000 * (0.327 + 0.494 + 0.721) + 2000 * 0.763
    assert res.loss_usd[10.0] == pytest.approx(l10)
    assert res.loss_usd[100.0] == pytest.approx(l100)
    # affected: depth > 0.15 m — 0.1 m does not count at 10 yr
    assert res.affected_population[10.0] == 70.0
    assert res.affected_population[100.0] == 90.0
    assert res.affected_buildings[100.0] == 9.0
    # EAL: trapezoid + linear-to-zero at p0 = 0.5/yr + flat beyond the 100-yr map
    eal = 0.5 * (l10 + l100) * (0.1 - 0.01) + 0.5 * l10 * (0.5 - 0.1) + l100 * 0.01
    assert res.eal_usd == pytest.approx(eal)
    assert res.metrics()["risk.flood_eal"] == pytest.approx(eal)
    # damage ratio of the 100-yr map, value-weighted: cell (1,1) (1000·0.721 + 2000·0.763)/3000
    assert res.damage_ratio_100[1, 1] == pytest.approx((721 + 2000 * 0.763) / 3000)
    assert res.damage_ratio_100[0, 0] == 0.0


def test_flood_zone_and_shape_errors():
    d = {10.0: np.array([[0.0, 0.2]]), 100.0: np.array([[0.1, 0.4]])}
    np.testing.assert_array_equal(flood.flood_zone(d), [[True, True]])
    np.testing.assert_array_equal(flood.flood_zone(d, 10), [[False, True]])
    with pytest.raises(HazardError, match="500"):
        flood.flood_zone(d, 500)
    with pytest.raises(HazardError, match="shape"):
        flood.flood_losses(d, np.ones((2, 2)))


def test_climate_adjusted_return_periods():
    d = {10.0: np.array([[1.0]]), 100.0: np.array([[2.0]])}
    adj = flood.climate_adjusted_depths(d, "ssp585", 2050)
    m = 1.7  # climate_deltas.csv, ssp585 2050 (an assumption)
    assert sorted(adj) == pytest.approx([10 / m, 100 / m])
    base = flood.flood_losses(d, np.array([[1000.0]]))
    fut = flood.flood_losses(adj, np.array([[1000.0]]))
    assert fut.eal_usd > base.eal_usd
    same = flood.climate_adjusted_depths(d, "historical", 2040)
    assert sorted(same) == [10.0, 100.0]


# -- climate deltas -------------------------------------------------------------------------------
def test_delta_interpolation():
    assert climate.delta("ssp245", 2050) == pytest.approx(2.1)
    assert climate.delta("ssp245", 2045) == pytest.approx((1.64 + 2.1) / 2)
    # before the first tabulated year: from 0 °C at the baseline centre 2005
    assert climate.delta("ssp585", 2020) == pytest.approx(1.55 * 15 / 25)
    assert climate.delta("historical", 2040) == 0.0
    assert climate.frequency_multiplier("ssp245", 2035) == pytest.approx(1.25)


def test_delta_errors_and_clamp():
    with pytest.raises(HazardError) as ei:
        climate.delta("rcp85", 2050)
    assert "historical" in str(ei.value) and "ssp585" in str(ei.value)
    with pytest.raises(HazardError, match="variable"):
        climate.delta("ssp245", 2050, "pr")
    with pytest.warns(ClampWarning):
        assert climate.delta("ssp585", 2080) == pytest.approx(3.2)


def test_climate_table_sourced():
    rows = climate.load_climate_deltas()
    assert {r.scenario for r in rows} == set(climate.SCENARIOS)
    assert all(r.source.strip() and r.confidence.strip() for r in rows)
    ff = [r for r in rows if r.variable == "flood_frequency_multiplier"
          and r.scenario != "historical"]
    assert ff and all(r.confidence == "assumption" for r in ff)
    assert not math.isnan(sum(r.value for r in rows))
