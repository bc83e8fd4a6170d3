"""Growth scenarios: spatial allocation, rasters and effects rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio

from carlcities.errors import DataValueError, ScenarioError
from carlcities.grid import CityGrid
from carlcities.scenarios import (
    BaseLayers,
    allocate,
    emission_hooks,
    load_scenarios,
    prepare_site,
    scenario_effects,
    write_epoch_rasters,
)
from carlcities.scenarios.levers import Scenario

# the toy grids use a 1-cell walking circle and no fringe, so that today's urban extent is
# exactly the built-up cells and every number below can be worked out by hand
TOY = dict(walk_radius_m=50.0, fringe_m=0.0, rounds=3)


class _City:
    city_id = "toy"


def _grid(n: int) -> CityGrid:
    g = CityGrid.around("toy", 74.6, 42.87, n * 50.0, res=100.0)
    assert g.shape == (n, n) and g.centre_rowcol() == (n // 2, n // 2)
    return g


def _scenario(sid="t", **levers) -> Scenario:
    lv = dict(density_target=dict(multiplier=1.0), infill_share=0.0)
    lv.update(levers)
    return Scenario.model_validate(dict(id=sid, name_en="t", name_ru="т", levers=lv))


def _toy5(**kw):
    g = _grid(5)
    bu = np.zeros((5, 5))
    pop = np.zeros((5, 5))
    bu[2, 2], pop[2, 2] = 1.0, 100.0
    return g, prepare_site(g, BaseLayers(bu, pop, **kw), params=TOY)


def _disc(n=41, r=6, density=60.0):
    """A round town: built-up disc of radius r cells, `density` persons per built-up ha."""
    g = _grid(n)
    yy, xx = np.indices((n, n))
    disc = np.hypot(yy - n // 2, xx - n // 2) <= r
    bu = np.where(disc, 1.0, 0.0)
    pop = np.where(disc, density, 0.0)
    return g, BaseLayers(bu, pop, synthetic=True, source="toy disc")


def test_hand_checked_5x5_fill_order():
    g, site = _toy5()
    assert site.extent.sum() == 1 and site.today_density == pytest.approx(100.0)
    # density of new land = today's 100 persons/ha; a 1 ha empty cell holds 100 persons.
    # Best cells: the 4 edge neighbours of the centre (100 m from built-up land and from the
    # centre) beat the diagonals (141 m): 400 persons fill exactly those four.
    a = allocate(site, _scenario(), {2020: 100, 2030: 500, 2040: 550, 2050: 550})
    e = a.epochs[2030]
    rook = [(1, 2), (3, 2), (2, 1), (2, 3)]
    want = np.zeros((5, 5))
    want[2, 2] = 100
    for rc in rook:
        want[rc] = 100
    assert np.allclose(e.population, want)
    assert np.allclose(e.builtup[tuple(np.array(rook).T)], 1.0)
    assert e.new_land_ha == pytest.approx(4.0) and e.remainder == 0
    # the next 50 persons go half-way into one diagonal cell, the rest of the map unchanged
    e2 = a.epochs[2040]
    add = e2.population - e.population
    assert add.sum() == pytest.approx(50.0)
    (r, c), = np.argwhere(add > 0)
    assert abs(r - 2) == 1 and abs(c - 2) == 1 and add[r, c] == pytest.approx(50.0)
    assert e2.builtup[r, c] == pytest.approx(0.5)
    # no growth in the last decade: nothing moves
    assert np.array_equal(a.epochs[2050].population, e2.population)


def test_population_conserved_and_remainder_reported():
    g, site = _toy5()
    # 24 empty cells x 100 persons = 2,400 persons of room; ask for 3,000
    a = allocate(site, _scenario(), {2020: 100, 2030: 3100, 2040: 3100, 2050: 3100})
    e = a.epochs[2030]
    assert e.allocated == pytest.approx(2400.0)
    assert e.remainder == pytest.approx(600.0)
    assert e.allocated + e.remainder == pytest.approx(e.demand, abs=1e-6)
    assert e.population.sum() - 100.0 == pytest.approx(e.allocated, abs=1e-6)
    assert any("do not fit" in n for n in e.notes)
    assert a.remainder == pytest.approx(600.0)


@pytest.mark.parametrize("sid", ["bau_sprawl", "compact", "tod"])
def test_conservation_on_a_town(sid):
    g, base = _disc()
    site = prepare_site(g, base, params=dict(rounds=4))
    sc = load_scenarios([sid])[sid]
    a = allocate(site, sc, {2020: 6800, 2030: 9000, 2040: 12000, 2050: 15000}, seed=3)
    prev = np.nansum(base.population)
    for e in (2030, 2040, 2050):
        ea = a.epochs[e]
        assert ea.allocated + ea.remainder == pytest.approx(ea.demand, abs=1e-6)
        assert np.nansum(ea.population) - prev == pytest.approx(ea.allocated, abs=1e-6)
        prev = np.nansum(ea.population)
        assert np.nanmin(ea.builtup) >= 0 and np.nanmax(ea.builtup) <= 1
    # infill share honoured while the extent has room
    e = a.epochs[2030]
    assert e.infill == pytest.approx(sc.levers.infill_share * e.demand, rel=1e-9)


def test_no_build_cells_receive_nobody():
    g, base = _disc()
    site = prepare_site(g, base)
    n = g.shape[0]
    flood = np.zeros(g.shape, bool)
    flood[:, n // 2 - 2: n // 2 + 3] = True  # a north-south band through the centre
    masks = dict(flood_100=flood, mudflow=np.zeros(g.shape, bool),
                 fault_buffer=np.zeros(g.shape, bool))
    sc = load_scenarios(["risk_aware"])["risk_aware"]
    growth = {2020: 6800, 2030: 12000, 2040: 16000, 2050: 20000}
    a = allocate(site, sc, growth, masks=masks)
    for ea in a.epochs.values():
        assert np.allclose(ea.population[flood], base.population[flood])
        assert np.allclose(ea.builtup[flood], base.builtup[flood])
        assert ea.remainder == 0
    # business as usual does build there (so the test could fail)
    bau = allocate(site, load_scenarios(["bau_sprawl"])["bau_sprawl"], growth, masks=masks)
    assert (bau.epochs[2050].population[flood] - base.population[flood]).sum() > 0
    # and the effects count what business as usual put into the flood zone
    rows = scenario_effects(_City(), g, site, bau, masks, {})
    pop_flood = {(r["epoch"], r["epoch_start"]): r["value"] for r in rows
                 if r["indicator_id"] == "exposure.pop_new_flood_100"}
    added = bau.epochs[2050].population[flood] - base.population[flood]
    assert pop_flood[(2050, 2020)] == pytest.approx(added.sum())
    rows_ra = scenario_effects(_City(), g, site, a, masks, {})
    assert all(abs(r["value"]) < 1e-9 for r in rows_ra
               if r["indicator_id"].startswith("exposure.pop_new_flood"))


def test_water_steep_and_boundary_exclusions():
    g, base = _disc()
    n = g.shape[0]
    water = np.zeros(g.shape, bool)
    water[: n // 2 - 8, :] = True  # the north is a lake
    dem = np.zeros(g.shape)
    dem[:, n // 2 + 8:] = np.arange(n - (n // 2 + 8))[None, :] * 30.0  # 30 % slope east
    base.water, base.dem = water, dem
    site = prepare_site(g, base)
    sc = _scenario(growth_boundary_km=0.5)
    a = allocate(site, sc, {2020: 6800, 2030: 30000, 2040: 30000, 2050: 30000})
    add = a.epochs[2030].population - base.population
    assert add[water].sum() == 0
    assert add[:, n // 2 + 9:].sum() == 0  # steep (interior of the slope)
    assert add[site.dist_extent_m > 500].sum() == 0  # beyond the growth boundary
    assert a.epochs[2030].remainder > 0


def test_green_belt_ring_stays_open():
    g, base = _disc()
    site = prepare_site(g, base)
    a = allocate(site, _scenario(green_belt_m=300), {2020: 6800, 2030: 20000, 2040: 20000,
                                                      2050: 20000})
    add = a.epochs[2030].population - base.population
    ring = (site.dist_extent_m > 0) & (site.dist_extent_m <= 300)
    assert add[ring].sum() == 0 and add.sum() > 0


def test_same_seed_same_map_and_ties_use_the_seed():
    g, base = _disc()
    site = prepare_site(g, base)
    sc = load_scenarios(["bau_sprawl"])["bau_sprawl"]
    growth = {2020: 6800, 2030: 7700, 2040: 8700, 2050: 9500}
    a = allocate(site, sc, growth, seed=7)
    b = allocate(site, sc, growth, seed=7)
    for e in a.epochs:
        assert np.array_equal(a.epochs[e].population, b.epochs[e].population)
        assert np.array_equal(a.epochs[e].builtup, b.epochs[e].builtup, equal_nan=True)
    # the disc is symmetric, so many cells tie: another seed picks other cells
    c = allocate(site, sc, growth, seed=8)
    assert not np.array_equal(a.epochs[2030].population, c.epochs[2030].population)


def test_compact_uses_less_land_than_bau():
    g, base = _disc()
    site = prepare_site(g, base)
    sc = load_scenarios(["bau_sprawl", "compact"])
    growth = {2020: 6800, 2030: 9000, 2040: 11000, 2050: 13000}
    land = {}
    for sid, s in sc.items():
        a = allocate(site, s, growth)
        assert a.remainder == 0
        land[sid] = sum(e.new_land_ha for e in a.epochs.values())
    assert land["compact"] < 0.6 * land["bau_sprawl"]
    hooks = emission_hooks(allocate(site, sc["compact"], growth), site, g)
    assert hooks[2050]["land_take_ha"] == pytest.approx(land["compact"])
    assert hooks[2050]["growth_density"] == 150.0


def test_tod_prefers_corridors():
    g, base = _disc()
    site = prepare_site(g, base)
    growth = {2020: 6800, 2030: 9000, 2040: 9000, 2050: 9000}
    corr = site.corridor_mask(300.0)
    tod = allocate(site, _scenario(transit_corridors=dict(weight=0.8, width_m=300)), growth)
    plain = allocate(site, _scenario(), growth)
    share = lambda a: ((a.epochs[2030].population - base.population)[corr].sum()  # noqa: E731
                       / a.epochs[2030].allocated)
    assert share(tod) > share(plain) + 0.1
    # with a network given, corridors follow it instead of the radials
    net = np.zeros(g.shape, bool)
    net[5, :] = True
    base.corridors = net
    site2 = prepare_site(g, base)
    assert site2.corridor_mask(100.0)[4:7, :].all() and not site2.corridor_mask(100.0)[20, 0]


def test_contradiction_against_today_density_and_missing_mask():
    g, site = _toy5()
    sc = _scenario(density_target=dict(persons_per_ha=50), infill_share=1.0)
    with pytest.raises(ScenarioError, match="today 100.0 persons/ha"):
        allocate(site, sc, {2020: 100, 2030: 200, 2040: 300, 2050: 400})
    with pytest.raises(ScenarioError, match="no_build"):
        allocate(site, load_scenarios(["risk_aware"])["risk_aware"],
                 {2020: 100, 2030: 200, 2040: 300, 2050: 400}, masks={})
    with pytest.raises(ScenarioError, match="missing for"):
        allocate(site, _scenario(), {2020: 100, 2030: 200})


def test_bad_base_layers():
    g = _grid(5)
    with pytest.raises(DataValueError, match="shape"):
        prepare_site(g, BaseLayers(np.zeros((4, 4)), np.zeros((5, 5))))
    with pytest.raises(DataValueError, match="outside 0"):
        prepare_site(g, BaseLayers(np.full((5, 5), 1.5), np.zeros((5, 5))))
    with pytest.raises(DataValueError, match="no built-up cell"):
        prepare_site(g, BaseLayers(np.zeros((5, 5)), np.zeros((5, 5))))


def test_rasters_written_as_tagged_cogs(tmp_path):
    g, base = _disc(n=21, r=3)
    site = prepare_site(g, base)
    a = allocate(site, _scenario("compact"), {2020: 1700, 2030: 2500, 2040: 2600, 2050: 2700})
    e = a.epochs[2030]
    pb, pp = write_epoch_rasters(tmp_path, g, "compact", 2030, e.builtup, e.population,
                                 tags=dict(synthetic="true", source="toy"))
    assert pb.name == "builtup_2030_compact.tif" and pp.name == "population_2030_compact.tif"
    with rasterio.open(pp) as ds:
        assert ds.tags()["synthetic"] == "true" and ds.tags()["scenario"] == "compact"
        assert ds.tags()["unit"] == "persons per cell" and ds.crs.to_epsg() == g.epsg
        assert ds.read(1).sum() == pytest.approx(e.population.sum(), rel=1e-5)
        assert ds.driver == "GTiff"


def test_effects_rows_match_the_indicator_code_and_by_hand_values():
    g, site = _toy5()
    a = allocate(site, _scenario(), {2020: 100, 2030: 500, 2040: 550, 2050: 550})
    rows = scenario_effects(_City(), g, site, a, {"flood_100": np.eye(5, dtype=bool)},
                            dict(TOY, street_density_observed_km_per_km2=10.0))
    by = {(r["indicator_id"], r["epoch"], r["epoch_start"]): r for r in rows}
    assert all(r["scenario"] == "growth:t" and r["synthetic"] is False for r in rows)
    assert {r["epoch"] for r in rows} == {2030, 2040, 2050}
    # 2030: 5 built-up cells of 1 ha, 500 persons
    assert by[("form.builtup_area", 2030, None)]["value"] == pytest.approx(5.0)
    assert by[("form.builtup_density", 2030, None)]["value"] == pytest.approx(100.0)
    # SDG 11.3.1 from 2020: LCR = ln(5/1)/10 = PGR = ln(500/100)/10, ratio 1
    assert by[("growth.lcr", 2030, 2020)]["value"] == pytest.approx(math.log(5) / 10)
    assert by[("growth.lcrpgr", 2030, 2020)]["value"] == pytest.approx(1.0)
    # pairs from the previous decade too
    assert by[("growth.pgr", 2040, 2030)]["value"] == pytest.approx(math.log(550 / 500) / 10)
    # roads: 4 ha = 0.04 km² x 10 km/km² = 0.4 km; per resident 400 m / 400 persons
    r = by[("scenario.new_road_length", 2030, 2020)]
    assert r["value"] == pytest.approx(0.4) and r["unit"] == "km" and "observed" in r["flag"]
    assert by[("scenario.road_per_new_resident", 2030, 2020)]["value"] == pytest.approx(1.0)
    assert by[("scenario.land_take", 2030, 2020)]["value"] == pytest.approx(4.0)
    # the diagonal mask holds the centre only among 2030's new cells: nobody new there
    assert by[("exposure.pop_new_flood_100", 2030, 2020)]["value"] == pytest.approx(0, abs=1e-9)
    new_diag = float(np.trace(a.epochs[2040].population - a.epochs[2030].population))
    assert by[("exposure.pop_new_flood_100", 2040, 2030)]["value"] == pytest.approx(new_diag)
    assert by[("scenario.unallocated_population", 2050, 2020)]["value"] == 0.0
    for key in ("source", "method_version", "unit", "flag"):
        assert key in r


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (37, 52), (120, 80)])
def test_distance_to_equals_scipy_edt(shape):
    """distance_to (separable EDT) gives scipy's distance_transform_edt, number for number,
    for sparse, dense, empty and full masks."""
    from scipy import ndimage

    from carlcities.scenarios.distance import distance_to

    rng = np.random.default_rng(sum(shape))
    for p in (0.0, 0.001, 0.03, 0.5, 0.97, 1.0):
        m = rng.random(shape) < p
        ref = ndimage.distance_transform_edt(~m)
        got = distance_to(m)
        assert got.dtype == ref.dtype and np.array_equal(got, ref)
