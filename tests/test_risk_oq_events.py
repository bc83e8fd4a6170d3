"""OpenQuake ruptures and ground-motion fields as the events of the event-based losses:
layouts, bad input, and losses by hand."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.errors import CarlError, HazardError
from carlcities.risk.exposure import Exposure
from carlcities.risk.losses import CurveSet, run_event_based
from carlcities.risk.losses import EventSet as LossEvents
from carlcities.risk.oq_events import (
    events_years,
    gmf_ground_motion,
    read_oq_gmfs,
    read_oq_ruptures,
)
from carlcities.risk.sites import ground_motion_fn

HEAD = ("#,,,,,,,,,,\"generated_by='OpenQuake engine 3.26.2', start_date='2026-01-01', "
        "checksum=1, investigation_time=50.0, ses_per_logic_tree_path=20\"\n")
CURVES = CurveSet.from_arrays(["A"], [[0.05, 0.2, 0.5, 1.0]], [[0.0, 0.1, 0.4, 0.8]],
                              imt="PGA")


def _rup(tmp_path, head=HEAD, body=None):
    p = tmp_path / "ruptures_7.csv"
    body = body or ("rup_id,source_id,multiplicity,mag,centroid_lon,centroid_lat,"
                    "centroid_depth,trt,strike,dip,rake\n"
                    "1,f1,2,6.5,72.9,40.6,10.0,Active Shallow Crust,90.0,45.0,90.0\n"
                    "2,a3,1,5.2,73.4,40.1,12.0,Active Shallow Crust,10.0,80.0,0.0\n")
    p.write_text(head + body, encoding="utf-8")
    return p


def _gmf(tmp_path, cols="event_id,site_id,gmv_PGA,gmv_SA(1.0)", rows=None):
    (tmp_path / "sitemesh_7.csv").write_text(
        "#,,\"generated_by='OpenQuake engine 3.26.2'\"\nsite_id,lon,lat\n0,72.80,40.53\n"
        "1,72.85,40.53\n2,74.00,41.00\n", encoding="utf-8")
    p = tmp_path / "gmf-data_7.csv"
    rows = rows or ["0,0,0.30,0.20", "0,1,0.10,0.05", "3,0,0.60,0.40"]   # (3, 1) below min
    p.write_text("#,,,\"generated_by='OpenQuake engine 3.26.2'\"\n" + cols + "\n"
                 + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def _expo():
    return Exposure(site=[0, 1], x=[0, 0], y=[0, 0], lon=[72.801, 72.851], lat=[40.53, 40.531],
                    taxonomy=[0, 0], taxonomies=("A",), occupancy=["Res", "Res"],
                    buildings=[1, 1], floor_area_m2=[100, 100], value_structural=[1e6, 2e6],
                    value_nonstructural=[0, 0], value_contents=[0, 0], occupants_day=[0, 0],
                    occupants_night=[0, 0], occupants_transit=[0, 0])


def test_ruptures_rates_from_multiplicity_and_duration(tmp_path):
    r = read_oq_ruptures(_rup(tmp_path))
    assert r.years == 1000.0                       # 50 yr x 20 SES
    np.testing.assert_allclose(r.rate, [2 / 1000, 1 / 1000])
    np.testing.assert_array_equal(r.mag, [6.5, 5.2])
    assert r.rake[0] == 90.0 and "2 ruptures" in r.source


def test_ruptures_bad_layouts(tmp_path):
    old = _rup(tmp_path, body="rupid\tmultiplicity\tmag\tcentroid_lon\tcentroid_lat\t"
                              "centroid_depth\ttrt\tstrike\tdip\trake\tboundary\n"
                              "1\t1\t6.0\t72.0\t40.0\t10\tASC\t0\t90\t0\tPOLYGON((0 0))\n")
    with pytest.raises(HazardError, match="before 3.11") as e:
        read_oq_ruptures(old)
    assert isinstance(e.value, CarlError) and "ruptures_7.csv" in str(e.value)
    with pytest.raises(HazardError, match="ses_per_logic_tree_path"):
        read_oq_ruptures(_rup(tmp_path, head="#,,\"investigation_time=50.0\"\n"))
    with pytest.raises(HazardError, match="lacks column"):
        read_oq_ruptures(_rup(tmp_path, body="rup_id,mag\n1,6.0\n"))


def test_gmfs_table_with_missing_pairs_zero(tmp_path):
    g = read_oq_gmfs(_gmf(tmp_path), "PGA")
    np.testing.assert_array_equal(g.event_id, [0, 3])
    np.testing.assert_allclose(g.gmv, [[0.30, 0.10, 0.0], [0.60, 0.0, 0.0]])
    g1 = read_oq_gmfs(_gmf(tmp_path), "SA(1.0)")
    assert g1.gmv[1, 0] == 0.40


def test_gmfs_bad_inputs(tmp_path):
    with pytest.raises(HazardError, match="no SA\\(0.3\\)"):
        read_oq_gmfs(_gmf(tmp_path), "SA(0.3)")
    with pytest.raises(HazardError, match="before 3.11"):
        read_oq_gmfs(_gmf(tmp_path, cols="rlzi,sid,eid,gmv_PGA",
                          rows=["0,0,0,0.3"]), "PGA")
    with pytest.raises(HazardError, match="not in the site mesh"):
        read_oq_gmfs(_gmf(tmp_path, rows=["0,9,0.3,0.2"]), "PGA")
    with pytest.raises(HazardError, match=r"\[g\]"):
        read_oq_gmfs(_gmf(tmp_path, rows=["0,0,250.0,0.2"]), "PGA")   # cm/s2, not g
    with pytest.raises(HazardError, match="duration"):
        events_years(None, None, "gmf-data_7.csv")


def test_gmf_sites_outside_the_city_are_refused(tmp_path):
    g = read_oq_gmfs(_gmf(tmp_path), "PGA")
    with pytest.raises(HazardError, match="do not cover the city"):
        gmf_ground_motion({"PGA": g}, [72.80, 76.9], [40.53, 43.25])


def test_event_based_loss_on_the_users_fields_by_hand(tmp_path):
    """Two events in 1000 years; site 0 (1e6 USD) takes field site 0, site 1 (2e6) field site
    1. Loss ratios by linear interpolation of the curve: event 0: 0.3 g -> 0.1 + (0.1/0.3) x
    0.3 = 0.2, 0.1 g -> 0.1 x 0.05/0.15 = 0.0333; event 3: 0.6 g -> 0.4 + 0.4 x 0.1/0.5 = 0.48,
    site 1 nothing. EAL = (0.2e6 + 0.0667e6 + 0.48e6) / 1000."""
    g = read_oq_gmfs(_gmf(tmp_path), "PGA")
    ex = _expo()
    gm = gmf_ground_motion({"PGA": g}, ex.lon, ex.lat)
    ev = LossEvents(event_id=g.event_id, rate=np.full(2, 1 / 1000.0), mag=np.arange(2.0),
                    lon=np.full(2, 72.8), lat=np.full(2, 40.53))
    r = run_event_based(ev, ex, CURVES, gm, imt="PGA", vs30=760.0, n_realisations=1, seed=1,
                        below_min="zero")
    want = (0.2 * 1e6 + (0.1 * 0.05 / 0.15) * 2e6 + 0.48 * 1e6) / 1000.0
    assert r.eal == pytest.approx(want, rel=1e-6)


def test_ruptures_drive_the_gmpe_losses(tmp_path):
    """The ruptures as events (each repeated by its multiplicity, rate 1/T): the medians-only
    EAL equals the sum over ruptures of multiplicity/T x the loss of the rupture alone."""
    r = read_oq_ruptures(_rup(tmp_path))
    ex, gm = _expo(), ground_motion_fn("bssa2014")
    k = np.repeat(np.arange(r.mag.size), np.rint(r.rate * r.years).astype(int))
    ev = LossEvents(event_id=np.arange(k.size), rate=np.full(k.size, 1 / r.years),
                    mag=r.mag[k], lon=r.lon[k], lat=r.lat[k])
    tot = run_event_based(ev, ex, CURVES, gm, imt="PGA", vs30=760.0, n_realisations=0,
                          below_min="zero").eal
    parts = 0.0
    for i in range(r.mag.size):
        one = LossEvents(event_id=np.array([0]), rate=np.array([r.rate[i]]),
                         mag=r.mag[i:i + 1], lon=r.lon[i:i + 1], lat=r.lat[i:i + 1])
        parts += run_event_based(one, ex, CURVES, gm, imt="PGA", vs30=760.0, n_realisations=0,
                                 below_min="zero").eal
    assert k.size == 3 and tot == pytest.approx(parts, rel=1e-9) and tot > 0


def test_city_risk_runs_on_the_users_ruptures_and_fields(tmp_path):
    """End to end through the risk engine (Bishkek, 3 km grid): with data.hazard_ruptures the
    events are the ruptures (repeated by multiplicity), with data.hazard_gmfs the fields; a
    field twice as strong everywhere gives a larger EAL."""
    from carlcities.catalog import load_catalog
    from carlcities.grid import CityGrid
    from carlcities.risk.run import compute_city_risk
    from carlcities.zonal import whole_grid_weights

    city = load_catalog().get("bishkek")
    grid = CityGrid.around("bishkek", city.lon, city.lat, 3000.0, res=100.0)
    pop, bu = np.zeros(grid.shape), np.zeros(grid.shape)
    r0, c0 = grid.height // 2, grid.width // 2
    pop[r0 - 10:r0 + 10, c0 - 10:c0 + 10] = 150.0
    bu[r0 - 10:r0 + 10, c0 - 10:c0 + 10] = 0.5
    epochs = {2020: dict(population=pop, builtup=bu)}
    params = dict(realisations=1, catalogue_years=100.0, seed=3, years=[2020],
                  climate_scenarios=[], heat_thresholds_c=[35], hazard_gmf_years=500.0)

    def eal(inputs):
        res = compute_city_risk(city, grid, inputs, epochs, whole_grid_weights(grid.shape),
                                ["city"], params)
        v = {r["indicator_id"]: r["value"] for r in res.rows
             if r["scenario"] is None and r["epoch"] == 2020 and r["zone_id"] == "city"}
        step = [p for p in res.provenance if p.get("step") == "earthquake events"]
        return v["risk.eq_eal"], step

    rup = _rup(tmp_path, body="rup_id,source_id,multiplicity,mag,centroid_lon,centroid_lat,"
                              "centroid_depth,trt,strike,dip,rake\n"
                              f"1,f1,3,7.0,{city.lon + 0.1},{city.lat},10.0,ASC,90,45,90\n")
    e_rup, step = eal({"hazard_ruptures": str(rup)})
    assert e_rup > 0 and "1 ruptures" in step[0]["source"] and step[0]["years"] == 1000.0
    lon = city.lon + np.linspace(-0.05, 0.05, 6)
    lat = city.lat + np.linspace(-0.04, 0.04, 6)
    mesh = [(i, x, y) for i, (x, y) in enumerate((x, y) for x in lon for y in lat)]
    imts = ["PGA", "SA(0.3)", "SA(0.6)", "SA(1.0)"]

    def fields(scale):
        d = tmp_path / f"g{scale}"
        d.mkdir()
        (d / "sitemesh_1.csv").write_text("#,,\"x\"\nsite_id,lon,lat\n" + "\n".join(
            f"{i},{x},{y}" for i, x, y in mesh) + "\n", encoding="utf-8")
        rows = [f"{e},{i}," + ",".join(f"{scale * (0.1 + 0.1 * e):.3f}" for _ in imts)
                for e in range(3) for i, _, _ in mesh]
        p = d / "gmf-data_1.csv"
        p.write_text("#,,\"x\"\nevent_id,site_id," + ",".join(f"gmv_{m}" for m in imts)
                     + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return str(p)

    e1, step = eal({"hazard_gmfs": fields(1)})
    e2, _ = eal({"hazard_gmfs": fields(2)})
    assert "3 events" in step[0]["source"] and step[0]["years"] == 500.0
    assert 0 < e1 < e2
