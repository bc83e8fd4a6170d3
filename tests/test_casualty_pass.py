"""Deaths in the casualty model's own intensity measure (SA(1.0 s)) beside PGA losses.

The one-pass engine (``run_event_based(fatality_imt=...)``) must give exactly the losses of a
PGA-only run and exactly the deaths of an SA(1.0)-only run with the same seed (the two IMTs
share the normalised deviates), and the city hazard must use the calibrated curves.
"""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.risk.exposure import MACRO_CLASSES, Exposure
from carlcities.risk.losses import CurveSet, EventSet, run_event_based, scenario_losses
from carlcities.risk.sites import casualty_curves, ground_motion_fn
from carlcities.risk.vulnerability import carl_casualty_curves, load_default_models


def _expo(n_sites: int = 40, seed: int = 1) -> Exposure:
    rng = np.random.default_rng(seed)
    classes = tuple(MACRO_CLASSES)
    k = n_sites * 3
    site = np.repeat(np.arange(n_sites), 3)
    tax = rng.integers(0, len(classes), k)
    lon = np.repeat(69.2 + rng.uniform(-0.1, 0.1, n_sites), 3)
    lat = np.repeat(41.3 + rng.uniform(-0.1, 0.1, n_sites), 3)
    b = rng.uniform(1, 50, k)
    z = np.zeros(k)
    occ = b * 4.0
    return Exposure(site=site, x=z, y=z, lon=lon, lat=lat, taxonomy=tax, taxonomies=classes,
                    occupancy=np.full(k, "Res"), buildings=b, floor_area_m2=b * 80,
                    value_structural=b * 3e4, value_nonstructural=b * 1e4,
                    value_contents=z, occupants_day=occ * 0.3, occupants_night=occ,
                    occupants_transit=occ * 0.1)


def _events(n: int = 60, seed: int = 2) -> EventSet:
    rng = np.random.default_rng(seed)
    return EventSet(event_id=np.arange(n), rate=np.full(n, 1e-3),
                    mag=rng.uniform(5.0, 7.5, n), lon=69.2 + rng.uniform(-1, 1, n),
                    lat=41.3 + rng.uniform(-1, 1, n))


def test_one_pass_equals_two_separate_passes():
    expo, ev = _expo(), _events()
    st = load_default_models()["structural"]
    loss_c = CurveSet.from_functions({t: st[t] for t in expo.taxonomies})
    fat_c, _ = casualty_curves(expo.taxonomies)
    assert fat_c.imt == "SA(1.0)" and loss_c.imt == "PGA"
    gm = ground_motion_fn("bssa2014")
    kw = dict(vs30=400.0, n_realisations=2, seed=7, below_min="zero", max_distance_km=150.0)
    both = run_event_based(ev, expo, loss_c, gm, imt="PGA", fatality_curves=fat_c,
                           fatality_imt="SA(1.0)", **kw)
    pga = run_event_based(ev, expo, loss_c, gm, imt="PGA", **kw)
    sa = run_event_based(ev, expo, {}, gm, imt="SA(1.0)", fatality_curves=fat_c, **kw)
    np.testing.assert_array_equal(both.elt.loss("total"), pga.elt.loss("total"))
    np.testing.assert_allclose(both.elt.loss("fatalities"), sa.elt.loss("fatalities"),
                               rtol=1e-12)
    assert both.elt.loss("fatalities").sum() > 0
    assert both.elt.meta["fatality_imt"] == "SA(1.0)"
    # the deaths are not those of the PGA occupants curves (another intensity measure)
    oc = load_default_models()["occupants"]
    old = run_event_based(ev, expo, loss_c, gm, imt="PGA",
                          fatality_curves=CurveSet.from_functions(
                              {t: oc[t] for t in expo.taxonomies}), **kw)
    assert not np.allclose(old.elt.loss("fatalities"), both.elt.loss("fatalities"))


def test_wrong_imt_of_fatality_curves_is_refused():
    from carlcities.errors import RiskInputError

    expo, ev = _expo(), _events()
    st = load_default_models()["structural"]
    loss_c = CurveSet.from_functions({t: st[t] for t in expo.taxonomies})
    fat_c, _ = casualty_curves(expo.taxonomies)
    with pytest.raises(RiskInputError, match="SA"):
        run_event_based(ev, expo, loss_c, ground_motion_fn("bssa2014"), imt="PGA",
                        fatality_curves=fat_c, vs30=400.0)


def test_casualty_curves_are_the_calibrated_model_unless_the_user_gives_one():
    fat, col = casualty_curves(["CR-PC", "MUR-ADO"])
    f_ref, c_ref = carl_casualty_curves()
    i = fat.taxonomies.index("MUR-ADO")
    n = int(fat.n_levels[i])
    np.testing.assert_allclose(fat.ratios[i, :n], f_ref["MUR-ADO"].mean_lr)
    np.testing.assert_allclose(col.ratios[i, :n], c_ref["MUR-ADO"].mean_lr)
    assert casualty_curves(["CR-PC"], {"vulnerability": {"structural": "x.xml"}}) == (None, None)


def test_scenario_collapses_are_buildings_times_collapse_probability():
    """Median field only: collapses = Σ buildings × P(collapse | SA(1.0) median) by hand."""
    from carlcities.risk.hazards.earthquake import scenario_casualties
    from carlcities.risk.losses import epicentral_distance_km

    expo = _expo(10)
    fat_c, col_c = casualty_curves(expo.taxonomies)
    gm = ground_motion_fn("bssa2014")
    one = EventSet(event_id=np.array([0]), rate=np.array([0.0]), mag=np.array([7.0]),
                   lon=np.array([69.25]), lat=np.array([41.3]))
    r = scenario_casualties(one, expo, fat_c, col_c, gm, vs30=300.0, n_realisations=0,
                            seed=0, time_of_day="night")
    _, col = carl_casualty_curves()
    order = np.argsort(expo.site, kind="stable")
    sites, first = np.unique(expo.site[order], return_index=True)
    d = epicentral_distance_km(one.lon, one.lat, expo.lon[order][first],
                               expo.lat[order][first])
    sa = np.exp(gm("SA(1.0)", one.mag, d, np.full(sites.size, 300.0))[0][0])
    want = sum(expo.buildings[a] * np.interp(sa[expo.site[a]], col[t].imls, col[t].mean_lr,
                                             left=0.0)
               for a, t in ((a, expo.taxonomies[expo.taxonomy[a]]) for a in range(len(expo))))
    assert r.buildings_mean == pytest.approx(want, rel=1e-9)
    same = scenario_losses(one, expo, col_c, gm, imt="SA(1.0)", vs30=300.0, n_realisations=0,
                           fatality_curves=fat_c, below_min="zero")
    assert r.fatalities_mean == pytest.approx(same.fatalities_mean)


def test_historic_scenarios_take_the_calibrated_finite_ruptures():
    from carlcities.risk.calibration import historic_ruptures
    from carlcities.risk.historic import load_historic
    from carlcities.risk.losses import wells_coppersmith_length_km

    r = historic_ruptures()
    ids = {e.id for e in load_historic()}
    assert set(r) <= ids and {"ashgabat_1948", "kemin_1911"} <= set(r)
    assert r["kemin_1911"].length_km == 175 and r["kemin_1911"].strike_deg == 80
    ash = next(e for e in load_historic() if e.id == "ashgabat_1948")
    assert r["ashgabat_1948"].length_km == pytest.approx(
        wells_coppersmith_length_km(ash.magnitude))
    # a point on the trace is at distance 0
    a = r["ashgabat_1948"]
    assert float(a.rjb_km(np.array([a.lon]), np.array([a.lat]))[0]) == pytest.approx(0.0)
