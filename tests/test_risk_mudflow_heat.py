"""Debris-flow susceptibility on toy DEMs, and the heat indicators (values by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carlcities.errors import HazardError
from carlcities.risk import heat, mudflow

from .conftest import write_tif

RES = 50.0


# -- hydrology ------------------------------------------------------------------------------------
def test_accumulation_on_tilted_plane():
    # a plane falling 5 m per 50 m row to the south: every cell drains south (code 4),
    # and the accumulation at row r is r + 1 cells (itself and the r cells above it)
    r, c = np.indices((6, 4)).astype(float)
    z = 100.0 - 5.0 * r + 0.0 * c
    dirs = mudflow.d8_directions(z, RES)
    assert np.all(dirs[:-1] == 4)
    assert np.all(dirs[-1] == -1)            # the bottom row has no lower neighbour
    acc, top = mudflow.flow_accumulation(z, dirs)
    np.testing.assert_array_equal(acc, r + 1)
    np.testing.assert_allclose(top, 100.0)   # every catchment reaches the top row


def test_fill_depressions_drains_a_pit():
    z = np.full((5, 5), 10.0)
    z[0, :] = 9.0                             # outlet row
    z[2, 2] = 2.0                             # a pit
    f = mudflow.fill_depressions(z)
    assert f[2, 2] >= 10.0
    d = mudflow.d8_directions(f, RES)
    assert d[2, 2] >= 0                       # the pit now drains


def _valley_dem():
    """A V-shaped valley (axis at column 50, walls rising 1 m per m sideways, floor falling
    0.3 m/m southwards) opening at row 40 onto a plain falling 0.01 m/m southwards."""
    r, c = np.indices((100, 101)).astype(float)
    front = 0.01 * (99 - 40) * RES
    return np.where(r < 40, front + 0.3 * (40 - r) * RES + 1.0 * np.abs(c - 50) * RES,
                    0.01 * (99 - r) * RES)


def test_runout_below_valley_mouth_only():
    m = mudflow.debris_flow_susceptibility(_valley_dem(), RES)
    assert m.apexes == [(39, 50)]            # where the 0.3 m/m channel meets the plain
    assert m.melton[39, 50] >= mudflow.MELTON_DEBRIS_FLOW
    rows, cols = np.nonzero(m.runout)
    # the corridor: the flow path below the apex, widened by 150 m = 3 cells
    assert rows.min() == 39 - 3 and rows.max() > 60
    assert cols.min() == 47 and cols.max() == 53
    assert m.classes[70, 50] == 3 and m.classes[70, 20] == 0
    # nothing on the plain away from the mouth, nothing beside it in the mountains
    assert not m.runout[45:, :40].any() and not m.runout[45:, 61:].any()
    assert m.transit[10, 50] and not m.runout[10, 50]


def test_runout_stops_at_the_angle_of_reach():
    # main stem traced up to the channel head at (0, 61): z = 29.5 + 600 + 550 = 1179.5 m,
    # L_up = 39·50 + 11·50 = 2500 m. On the plain z(r) = 0.5·(99 − r), L = 2500 + 50·(r − 39):
    # H/L at row 82 = 1171/4650 = 0.2518 ≥ 0.25 (kept); row 83: 1171.5/4700 = 0.2493 (stop).
    m = mudflow.debris_flow_susceptibility(_valley_dem(), RES, reach_tan=0.25)
    rows = np.nonzero(m.runout[:, 50])[0]
    assert rows.max() == 82 + 3               # path end plus the 3-cell lateral band
    # a reach steeper than the channel itself (H/L at the apex = 1135/2500): no run-out
    big = mudflow.debris_flow_susceptibility(_valley_dem(), RES, reach_tan=0.5)
    assert big.apexes == [(39, 50)] and not big.runout.any()


def test_flat_plain_has_no_susceptibility():
    r, c = np.indices((40, 40)).astype(float)
    m = mudflow.debris_flow_susceptibility(100.0 - 0.01 * RES * r, RES)
    assert not m.apexes and m.classes.max() == 0


def test_user_mudflow_map_and_exposure(tmp_path, small_grid):
    g = small_grid
    a = np.zeros(g.shape, np.uint8)
    a[:10, :10] = 1
    p = write_tif(tmp_path / "mud.tif", a, g.transform, g.crs, nodata=255)
    cls = mudflow.read_mudflow_map(p, g)
    assert cls[5, 5] == 3 and cls[20, 20] == 0          # a 0/1 map is a high-hazard zone
    pop = np.ones(g.shape)
    assert mudflow.exposed_population(cls == 3, pop) == 100.0
    a[0, 0] = 7
    p = write_tif(tmp_path / "bad.tif", a, g.transform, g.crs, nodata=255)
    with pytest.raises(HazardError, match="bad.tif"):
        mudflow.read_mudflow_map(p, g)


# -- heat -----------------------------------------------------------------------------------------
def _csv(tmp_path, rows, name="t.csv", header="date,tmax,tmin"):
    p = tmp_path / name
    p.write_text("# test series\n" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def _july(tmax: list[float], start: int = 1) -> list[str]:
    return [f"2020-07-{start + i:02d},{t},{t - 12}" for i, t in enumerate(tmax)]


def test_read_and_count(tmp_path):
    tmax = [34.0, 35.0, 41.0, 41.5, 42.0, 40.5, 41.0, 39.0, 40.0, 36.0]
    s = heat.read_daily_temperature(_csv(tmp_path, _july(tmax)))
    assert s.tmax.size == 10 and not s.missing_dates
    assert heat.hot_days_per_year(s, 35.0) == {2020: 9}
    assert heat.hot_days_per_year(s, 40.0) == {2020: 6}
    # Turkmen criterion: > 40 °C on ≥ 5 consecutive days — days 3–7 (5 days)
    assert heat.heatwave_days_threshold(s) == {2020: 5}
    # percentile criterion with a given threshold: > 40.9 on ≥ 3 days — days 3–5 only
    days, thr = heat.heatwave_days_percentile(s, threshold_c=40.9)
    assert days == {2020: 3} and thr == 40.9


def test_missing_date_breaks_a_run(tmp_path):
    rows = _july([41, 41, 41], 1) + _july([41, 41, 41], 5)   # 4 July is missing
    s = heat.read_daily_temperature(_csv(tmp_path, rows))
    assert [str(d) for d in s.missing_dates] == ["2020-07-04"]
    assert heat.heatwave_days_threshold(s) == {2020: 0}
    assert heat.heatwave_days_threshold(s, min_days=3) == {2020: 6}


def test_unit_errors_name_the_line(tmp_path):
    p = _csv(tmp_path, _july([30.0, 104.0]), name="f.csv")
    with pytest.raises(HazardError) as ei:
        heat.read_daily_temperature(p)
    msg = str(ei.value)
    assert "f.csv" in msg and "line 4" in msg and "°F" in msg
    p = _csv(tmp_path, _july([305.0]), name="k.csv")
    with pytest.raises(HazardError, match="kelvin"):
        heat.read_daily_temperature(p)
    p = _csv(tmp_path, ["2020-07-01,30,20"], name="h.csv", header="day,tx,tn")
    with pytest.raises(HazardError, match="date"):
        heat.read_daily_temperature(p)


def test_attributable_deaths_by_hand(tmp_path):
    s = heat.read_daily_temperature(_csv(tmp_path, _july([30.0, 35.0, 40.0])))
    out = heat.attributable_deaths(s, 100_000, 5.0, beta=0.03, mmt_c=30.0)
    daily = 5.0 / 1000 * 100_000 / 365.25
    rr = np.exp(0.03 * np.array([0.0, 5.0, 10.0]))
    assert out["deaths"] == pytest.approx(daily * np.sum((rr - 1) / rr))
    # defaults: β = ln(1.0312) (Baccini et al. 2008), MMT = 85th percentile of Tmax
    d = heat.attributable_deaths(s, 100_000, 5.0)
    assert d["beta"] == pytest.approx(math.log(1.0312), rel=1e-4)
    assert d["mmt_c"] == pytest.approx(np.percentile([30.0, 35.0, 40.0], 85))


def test_shift_and_population_65(tmp_path):
    s = heat.read_daily_temperature(_csv(tmp_path, _july([38.5, 39.0, 39.5])))
    assert heat.hot_days_per_year(s, 40.0) == {2020: 0}
    assert heat.hot_days_per_year(heat.shift_series(s, 1.0), 40.0) == {2020: 2}
    assert heat.population_65plus(1000.0, "KAZ") == pytest.approx(85.0)
    assert heat.population_65plus(1000.0, share_pct=5.0) == pytest.approx(50.0)
    with pytest.raises(HazardError, match="no value of"):
        heat.population_65plus(1000.0, "AFG")


def test_hot_cells():
    lst = np.array([[30.0, 35.0], [40.0, np.nan]])
    np.testing.assert_array_equal(heat.hot_cells(lst, threshold_c=34.0),
                                  [[False, True], [True, False]])
    urban = np.array([[True, True], [False, False]])
    # 90th percentile of the urban cells 30, 35 = 34.5 → 35 and 40 are hot
    np.testing.assert_array_equal(heat.hot_cells(lst, urban), [[False, True], [True, False]])
