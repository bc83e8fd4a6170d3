"""The risk engine on one city (risk.run): wiring, hand-checkable parts, the store, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from carlcities.catalog import load_catalog
from carlcities.grid import CityGrid
from carlcities.risk.exposure import build_exposure
from carlcities.risk.losses import CurveSet, EventSet, run_event_based
from carlcities.risk.metrics import eal_from_return_periods
from carlcities.risk.run import RiskResult, compute_city_risk
from carlcities.risk.sites import blocks, coarsen_sites, ground_motion_fn
from carlcities.risk.store import write_city
from carlcities.zonal import whole_grid_weights
from tests.conftest import write_tif


def _city_layers(grid):
    pop = np.zeros(grid.shape)
    bu = np.zeros(grid.shape)
    r0, c0 = grid.height // 2, grid.width // 2
    pop[r0 - 10:r0 + 10, c0 - 10:c0 + 10] = 150.0
    bu[r0 - 10:r0 + 10, c0 - 10:c0 + 10] = 0.5
    return pop, bu


@pytest.fixture(scope="module")
def bishkek():
    c = load_catalog().get("bishkek")
    return c, CityGrid.around("bishkek", c.lon, c.lat, 3000.0, res=100.0)


def test_merging_sites_into_blocks_keeps_the_losses_exactly(bishkek):
    city, grid = bishkek
    pop, bu = _city_layers(grid)
    e = build_exposure(city, grid, pop, bu, country_iso3="KGZ")
    e = e.recoded(lambda t: "A" if t.startswith("CR") else "B")
    curves = CurveSet.from_arrays(["A", "B"], [[0.05, 0.3, 1.0], [0.05, 0.2, 0.8]],
                                  [[0.0, 0.1, 0.6], [0.0, 0.2, 0.9]], imt="PGA")
    agg, blk = coarsen_sites(e, grid, 5)
    assert len(agg) < len(e) / 5
    assert agg.total_value == pytest.approx(e.total_value, rel=1e-12)
    # the fine exposure placed at the block centres gives the same event losses
    b, _ = blocks(grid, 5)
    pos = {s: (x, y, lo, la) for s, x, y, lo, la in zip(agg.site, agg.x, agg.y, agg.lon,
                                                         agg.lat)}
    fine_site = b.ravel()[e.site]
    xyz = np.array([pos[s] for s in fine_site])
    fine = replace(e, site=fine_site, x=xyz[:, 0], y=xyz[:, 1], lon=xyz[:, 2], lat=xyz[:, 3])
    ev = EventSet(np.arange(4), np.full(4, 0.01), [5.5, 6.0, 6.5, 7.0],
                  city.lon + np.array([0.05, -0.1, 0.2, 0.0]), city.lat + np.array(
                      [0.0, 0.1, -0.05, 0.3]))
    r1 = run_event_based(ev, agg, curves, ground_motion_fn("bssa2014"), imt="PGA", vs30=400.0,
                         n_realisations=1, seed=5, below_min="zero")
    r2 = run_event_based(ev, fine, curves, ground_motion_fn("bssa2014"), imt="PGA", vs30=400.0,
                         n_realisations=1, seed=5, below_min="zero")
    assert r1.eal > 0
    np.testing.assert_allclose(r1.elt.loss("total"), r2.elt.loss("total"), rtol=1e-10)


@pytest.fixture(scope="module")
def bishkek_risk(bishkek, tmp_path_factory):
    city, grid = bishkek
    tmp = tmp_path_factory.mktemp("risk")
    pop, bu = _city_layers(grid)
    inputs = {}
    c0 = grid.width // 2
    for T, d in ((10, 0.3), (100, 1.0)):  # a flooded strip of 5 columns, depth d [m]
        a = np.zeros(grid.shape, np.float32)
        a[:, c0 - 12:c0 - 7] = d
        inputs[f"flood_depth_rp{T}"] = str(write_tif(tmp / f"f{T}.tif", a, grid.transform,
                                                    grid.crs))
    days = np.arange(np.datetime64("2001-01-01"), np.datetime64("2003-01-01"))
    t = 15 + 20 * np.sin((np.arange(days.size) % 365) / 365 * 2 * np.pi - 1.6)
    (tmp / "t.csv").write_text("date,tmax\n" + "\n".join(f"{d},{v:.1f}" for d, v in zip(days, t)))
    inputs["tmax_daily"] = str(tmp / "t.csv")
    epochs = {2020: dict(population=pop, builtup=bu)}
    params = dict(realisations=2, catalogue_years=300.0, seed=3, years=[2020, 2050],
                  climate_scenarios=["ssp245"], heat_thresholds_c=[35, 40])
    res = compute_city_risk(city, grid, inputs, epochs, whole_grid_weights(grid.shape),
                            ["city"], params)
    return city, grid, pop, bu, inputs, res


def _vals(res, scenario=None, epoch=2020):
    return {r["indicator_id"]: r["value"] for r in res.rows
            if r["scenario"] == scenario and r["epoch"] == epoch and r["zone_id"] == "city"}


def test_city_risk_rows(bishkek_risk):
    city, grid, pop, bu, inputs, res = bishkek_risk
    v = _vals(res)
    assert 0.01 < v["hazard.eq_pga475_rock"] < v["hazard.eq_pga2475_rock"] < 2.0
    assert 4.0 < v["hazard.eq_msk475"] < 11.0
    assert v["risk.eq_eal"] > 0 and v["risk.eq_fatalities_annual"] >= 0
    assert v["risk.eq_eal_ratio"] == pytest.approx(1000 * v["risk.eq_eal"]
                                                   / v["exposure.value_total"])
    assert v["risk.eq_loss_rp100"] <= v["risk.eq_loss_rp250"] <= v["risk.eq_loss_rp1000"]
    # the flooded strip overlaps the city by 3 columns
    c0 = grid.width // 2
    assert v["exposure.pop_flood_100"] == pytest.approx(float(pop[:, c0 - 12:c0 - 7].sum()))
    assert v["exposure.pop_flood_100"] == pytest.approx(20 * 3 * 150.0)
    fl = sorted((c["return_period"], c["x"]) for c in res.curves if c["hazard"] == "flood")
    assert [t for t, _ in fl] == [10.0, 100.0] and 0 < fl[0][1] < fl[1][1]
    assert v["risk.flood_eal"] == pytest.approx(eal_from_return_periods(
        [t for t, _ in fl], [x for _, x in fl], lower_tail="none"))
    assert v["hazard.heat_days_35"] > 0
    assert res.summary["eal_usd_by_hazard"]["earthquake"] == pytest.approx(v["risk.eq_eal"])
    assert sum(res.summary["eal_usd_by_typology"].values()) == pytest.approx(v["risk.eq_eal"])
    assert res.masks["flood_100"][:, c0 - 12:c0 - 7].all()
    assert not res.masks["flood_100"][:, c0:].any()
    assert {"vs30", "exposure_value", "eq_damage_ratio_rp475"} <= set(res.rasters)


def test_trajectory_scales_with_the_projected_population(bishkek_risk):
    city, *_, res = bishkek_risk
    now, later = _vals(res, "trend|historical", 2020), _vals(res, "trend|historical", 2050)
    g = city.population_at(2050)[0] / city.population_at(2020)[0]
    assert later["risk.eq_eal"] == pytest.approx(now["risk.eq_eal"] * g)
    warm = _vals(res, "trend|ssp245", 2050)["risk.heat_excess_deaths"]
    assert warm > _vals(res, "trend|ssp245", 2020)["risk.heat_excess_deaths"]


def test_city_without_a_seismic_source_gets_undefined_rows():
    c = load_catalog().get("astana")
    grid = CityGrid.around("astana", c.lon, c.lat, 2000.0, res=100.0)
    pop, bu = _city_layers(grid)
    res = compute_city_risk(c, grid, {}, {2020: dict(population=pop, builtup=bu)},
                            whole_grid_weights(grid.shape), ["city"], dict(realisations=1))
    r = next(r for r in res.rows if r["indicator_id"] == "hazard.eq_pga475_rock")
    assert r["value"] is None and "no seismic source" in r["flag"]
    assert "risk.eq_eal" not in {x["indicator_id"] for x in res.rows if x["value"] is not None}


def test_store_round_trip(bishkek_risk):
    *_, res = bishkek_risk
    con = duckdb.connect()
    write_city(con, "run1", "bishkek", res)
    write_city(con, "run1", "bishkek", res)  # replaces, does not duplicate
    n = con.execute("SELECT count(*) FROM risk_curves").fetchone()[0]
    assert n == len(res.curves) > 0
    s = json.loads(con.execute("SELECT summary FROM risk_summary").fetchone()[0])
    assert s["eal_usd_by_hazard"]["earthquake"] == pytest.approx(
        res.summary["eal_usd_by_hazard"]["earthquake"])
    assert isinstance(res, RiskResult)


def test_cli_events_and_bad_scenarios():
    from carlcities.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["risk", "events", "--json"])
    assert r.exit_code == 0
    assert "kemin_1911" in {e["id"] for e in json.loads(r.stdout)}
    r = runner.invoke(app, ["risk", "scenario", "almaty", "--event", "kemin1911"])
    assert r.exit_code == 2 and "kemin_1911" in r.output
    r = runner.invoke(app, ["risk", "scenario", "almaty", "--magnitude", "7"])
    assert r.exit_code == 2 and "--lon" in r.output


def test_a_quiet_city_gets_zero_losses_not_a_crash(bishkek, monkeypatch):
    import carlcities.risk.sources as src

    city, grid = bishkek
    quiet = src.SourceModel(np.array([city.lon + 0.5]), np.array([city.lat]), np.array([1e-9]),
                            np.array([7.0]), b=1.0, b_sigma=0.0, mref=5.5, n_events=1,
                            source="toy")
    monkeypatch.setattr(src, "load_source_model", lambda path=None: quiet)
    import carlcities.risk.psha as psha  # no fault or intermediate-depth source either
    monkeypatch.setattr(psha, "load_fault_sources", lambda path=None: ())
    monkeypatch.setattr(psha, "intraslab_event_set", lambda *a, **k: None)
    monkeypatch.setattr(src, "load_zones", lambda path=None: ())  # nor area zones
    pop, bu = _city_layers(grid)
    res = compute_city_risk(city, grid, {}, {2020: dict(population=pop, builtup=bu)},
                            whole_grid_weights(grid.shape), ["city"],
                            dict(realisations=2, catalogue_years=10.0))
    v = _vals(res)
    assert v["risk.eq_eal"] == 0.0 and v["risk.eq_fatalities_annual"] == 0.0
    assert any("no event" in str(p) for p in res.provenance)
    assert "eq_damage_ratio_rp475" not in res.rasters
