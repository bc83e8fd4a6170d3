"""Risk metrics and the event-based loss engine: values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from carlcities.errors import DefaultUsedWarning, RiskInputError
from carlcities.risk import metrics as M
from carlcities.risk.exposure import Exposure
from carlcities.risk.losses import (
    CurveSet,
    EventSet,
    epicentral_distance_km,
    event_losses_from_intensity,
    run_event_based,
    scenario_losses,
    stream_blocks,
)
from carlcities.risk.losses.kernels import sample as sample_normals

# ----------------------------------------------------------------------------- metrics
# three events: rates [1/yr] and losses [USD]
F3 = [0.01, 0.002, 0.001]
L3 = [10.0, 50.0, 100.0]


def test_eal_three_events():
    # 0.01·10 + 0.002·50 + 0.001·100 = 0.1 + 0.1 + 0.1
    assert M.eal_from_event_losses(F3, L3) == pytest.approx(0.3)


def test_exceedance_curve_three_events():
    lv, lam, p = M.exceedance_curve(F3, L3)
    assert lv.tolist() == [0.0, 10.0, 50.0, 100.0]
    # λ(0) = all three; λ(10) = 50 and 100 only (strictly above); λ(50) = 100; λ(100) = 0
    np.testing.assert_allclose(lam, [0.013, 0.003, 0.001, 0.0], atol=1e-15)
    np.testing.assert_allclose(p, 1 - np.exp(-np.array([0.013, 0.003, 0.001, 0.0])))
    assert np.all(np.diff(lam) <= 0) and np.all(np.diff(p) <= 0)


def test_exceedance_curve_monotone_random():
    rng = np.random.default_rng(1)
    f = rng.random(500) * 1e-3
    L = rng.pareto(1.5, 500) * 1e6
    lv, lam, p = M.exceedance_curve(f, L)
    assert np.all(np.diff(lv) > 0) and np.all(np.diff(lam) <= 1e-18)
    assert lam[0] == pytest.approx(f.sum()) and lam[-1] == 0.0


def test_return_period_losses_three_events():
    # cumulative rates from the largest loss down: 100 → 0.001, 50 → 0.003, 10 → 0.013
    got = M.losses_at_return_periods(F3, L3, (100, 250, 500, 1000, 5000))
    assert got == {100: 10.0, 250: 10.0, 500: 50.0, 1000: 100.0, 5000: 100.0}
    # more frequent than the whole set (1/50 > 0.013): no loss
    assert M.loss_at_return_period(F3, L3, 50) == 0.0


def test_eal_from_return_periods_by_hand():
    T, D = [100, 500, 1000], [10.0, 50.0, 80.0]
    # trapezoids: ½(10+50)(0.01−0.002) + ½(50+80)(0.002−0.001) = 0.24 + 0.065
    assert M.eal_from_return_periods(T, D, lower_tail="none", upper_tail="none") == \
        pytest.approx(0.305)
    # lower tail: ½·10·(0.5 − 0.01) = 2.45; upper tail: 80·0.001 = 0.08
    assert M.eal_from_return_periods(T, D) == pytest.approx(0.305 + 2.45 + 0.08)
    assert M.eal_from_return_periods(T, D, lower_tail="none") == pytest.approx(0.385)


@pytest.mark.parametrize("T, D", [([500, 100], [1, 2]), ([100, 100], [1, 2]),
                                  ([100, 500], [-1, 2])])
def test_eal_from_return_periods_rejects(T, D):
    with pytest.raises(RiskInputError):
        M.eal_from_return_periods(T, D)


def test_metrics_reject_negative():
    with pytest.raises(RiskInputError, match="negative event rates"):
        M.eal_from_event_losses([-0.1], [1.0])
    with pytest.raises(RiskInputError, match="negative event losses"):
        M.exceedance_curve([0.1], [-1.0])


# ----------------------------------------------------------------------------- engine
def city(**over):
    """Two assets at two sites: A (value 1e6 USD, 10 buildings, 10 night occupants) and
    B (2e6 USD, 20 buildings, 20 night occupants)."""
    kw = dict(site=[5, 2], x=[0, 0], y=[0, 0], lon=[76.90, 77.00], lat=[43.20, 43.20],
              taxonomy=[0, 1], taxonomies=("A", "B"), occupancy=["Res", "Res"],
              buildings=[10, 20], floor_area_m2=[1000, 2000], value_structural=[6e5, 1.2e6],
              value_nonstructural=[3e5, 6e5], value_contents=[1e5, 2e5],
              occupants_day=[1, 2], occupants_night=[10, 20], occupants_transit=[0, 0])
    kw.update(over)
    return Exposure(**kw)


CURVES = CurveSet.from_arrays(["A", "B"], [[0.1, 0.5, 1.0], [0.1, 1.0]],
                              [[0.0, 0.2, 0.6], [0.0, 0.9]], imt="PGA")
FATAL = CurveSet.from_arrays(["A", "B"], [[0.1, 1.0], [0.1, 1.0]],
                             [[0.0, 0.09], [0.0, 0.009]], imt="PGA")


def gm_mag(imt, mag, rjb, vs30):
    """Toy model: median PGA = Mw / 10 [g] everywhere; τ = 0.3, φ = 0.5 [ln units]."""
    mag = np.asarray(mag, float)
    return (np.log(mag / 10.0)[:, None] + 0.0 * rjb, np.full((mag.size, 1), 0.3),
            np.full(rjb.shape, 0.5))


EVENTS = EventSet(event_id=[11, 12, 13], rate=[0.01, 0.001, 0.0001], mag=[6.0, 7.0, 8.0],
                  lon=[77.0] * 3, lat=[43.0] * 3)


def test_scenario_two_assets_by_hand():
    # PGA 0.3 g at both sites (median, no variability):
    #   A: 0 + (0.3 − 0.1)·0.2/0.4 = 0.1  → 0.1 × 1e6 = 1e5 USD, 10 × 0.1 = 1 building
    #   B: (0.3 − 0.1)·0.9/0.9 = 0.2      → 0.2 × 2e6 = 4e5 USD, 20 × 0.2 = 4 buildings
    # fatality ratio A: 0.2·0.09/0.9 = 0.02 → 0.2 persons; B: 0.002 → 0.04 persons
    field = np.zeros(6)
    field[[2, 5]] = 0.3
    r = scenario_losses(field, city(), CURVES, fatality_curves=FATAL)
    assert r.loss_mean == pytest.approx(5e5)
    assert r.loss_interval == pytest.approx((5e5, 5e5))
    assert r.buildings_mean == pytest.approx(10 * 0.1 + 20 * 0.2)
    assert r.fatalities_mean == pytest.approx(0.2 + 0.04)
    assert r.sites.tolist() == [2, 5]
    np.testing.assert_allclose(r.site_loss_ratio, [0.2, 0.1])


def test_scenario_from_rupture_median_matches_field():
    ev = EventSet(event_id=[1], rate=[0.0], mag=[3.0], lon=[77.0], lat=[43.0])
    r = scenario_losses(ev, city(), CURVES, gm_mag, imt="PGA", vs30=760.0, n_realisations=0)
    assert r.loss_mean == pytest.approx(5e5)
    rs = scenario_losses(ev, city(), CURVES, gm_mag, imt="PGA", vs30=760.0, n_realisations=200,
                         seed=4)
    lo, hi = rs.loss_interval
    assert lo < 5e5 < hi and rs.losses.size == 200


def test_event_based_eal_by_hand():
    # medians 0.6, 0.7, 0.8 g
    # A ratios: 0.2 + (x−0.5)·0.8 → 0.28, 0.36, 0.44; B ratios x − 0.1 → 0.5, 0.6, 0.7
    # losses: 0.28e6 + 1.0e6 = 1.28e6; 0.36e6 + 1.2e6 = 1.56e6; 0.44e6 + 1.4e6 = 1.84e6
    r = run_event_based(EVENTS, city(), CURVES, gm_mag, imt="PGA", vs30=760.0)
    np.testing.assert_allclose(r.elt.loss("total")[0], [1.28e6, 1.56e6, 1.84e6])
    eal = 0.01 * 1.28e6 + 0.001 * 1.56e6 + 0.0001 * 1.84e6  # 14,544 USD/yr
    assert r.eal == pytest.approx(eal)
    assert r.eal_interval == pytest.approx((eal, eal))
    assert r.eal_ratio_permille == pytest.approx(eal / 3e6 * 1000)
    # cumulative rates 0.0001, 0.0011, 0.0111 → 100 yr: 1.28e6; 1000 yr: 1.56e6
    assert r.rp_losses[100] == pytest.approx(1.28e6)
    assert r.rp_losses[1000] == pytest.approx(1.56e6)
    assert r.clamped["evaluations_above"] == 0


def test_event_based_by_loss_type_and_fatalities():
    curves = {"structural": CURVES, "contents": CURVES}
    r = run_event_based(EVENTS, city(), curves, gm_mag, imt="PGA", vs30=760.0,
                        fatality_curves=FATAL, time_of_day="day")
    assert r.elt.columns == ("structural", "contents", "fatalities")
    # structural is 60 %, contents 10 % of each value, so 70 % of the total-value losses
    np.testing.assert_allclose(r.elt.loss("total")[0], 0.7 * np.array([1.28e6, 1.56e6, 1.84e6]))
    # day occupants 1 and 2; fatality ratios at 0.6 g: A 0.05, B 0.005
    assert r.elt.loss("fatalities")[0, 0] == pytest.approx(1 * 0.05 + 2 * 0.005)
    fat = sum(f * (0.09 * (x - 0.1) / 0.9 + 2 * 0.009 * (x - 0.1) / 0.9)
              for f, x in zip(EVENTS.rate, (0.6, 0.7, 0.8)))
    assert r.fatalities_per_year == pytest.approx(fat)
    assert r.exposed_value == pytest.approx(0.7 * 3e6)


def test_clamped_assets_counted():
    ev = EventSet(event_id=[1, 2], rate=[0.01, 0.01], mag=[12.0, 0.5], lon=[77, 77],
                  lat=[43, 43])
    r = run_event_based(ev, city(), CURVES, gm_mag, imt="PGA", vs30=760.0)
    # 1.2 g is above both curves (ratios 0.6 and 0.9); 0.05 g below both (ratio 0)
    np.testing.assert_allclose(r.elt.loss("total")[0], [0.6e6 + 1.8e6, 0.0])
    assert r.clamped == {"evaluations_below": 2, "evaluations_above": 2, "assets_below": 2,
                         "assets_above": 2}


def test_seed_chunks_and_workers_do_not_change_results():
    kw = dict(imt="PGA", vs30=760.0, n_realisations=7, seed=42)
    base = run_event_based(EVENTS, city(), CURVES, gm_mag, chunk_events=3, **kw)
    for chunk, workers in ((1, 1), (2, 1), (1, 2), (2, "threads")):
        other = run_event_based(EVENTS, city(), CURVES, gm_mag, chunk_events=chunk,
                                workers=workers, **kw)
        np.testing.assert_array_equal(other.elt.losses, base.elt.losses)
    again = run_event_based(EVENTS, city(), CURVES, gm_mag, **kw)
    np.testing.assert_array_equal(again.elt.losses, base.elt.losses)
    kw["seed"] = 43
    diff = run_event_based(EVENTS, city(), CURVES, gm_mag, **kw)
    assert not np.array_equal(diff.elt.losses, base.elt.losses)
    lo, hi = base.eal_interval
    assert lo <= base.eal <= hi and lo < hi


def test_sampled_deviates_are_standard_normal():
    # ln IM = 0 + τ·η + φ·ε with τ = 0, φ = 1: the log field is a standard normal sample
    n = 40000
    out = np.empty(n)
    sample_normals(np.zeros(n), 0.0, np.ones(n), False, True, 9, 0, 5, out)
    z = np.log(out)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02
    assert abs(np.mean(z < -1.6449) - 0.05) < 0.005
    # between-event term: one value per (realisation, event) shared by all sites
    sample_normals(np.zeros(3), 1.0, np.zeros(3), True, False, 9, 0, 5, out[:3])
    assert out[0] == out[1] == out[2] != 1.0


def test_csr_entry_matches_dense_engine_and_streams():
    ex = city()
    r = run_event_based(EVENTS, ex, CURVES, gm_mag, imt="PGA", vs30=760.0)
    M_ = sp.lil_matrix((3, 6))
    for i, x in enumerate((0.6, 0.7, 0.8)):
        M_[i, 2] = x
        M_[i, 5] = x
    M_ = M_.tocsr()
    losses, cols, cl = event_losses_from_intensity(M_, ex, CURVES)
    np.testing.assert_allclose(losses[:, 0], r.elt.loss("total")[0], rtol=1e-12)
    streamed, _, _ = event_losses_from_intensity(stream_blocks(M_, 2), ex, CURVES)
    np.testing.assert_array_equal(streamed, losses)
    dask_, _, _ = event_losses_from_intensity(list(stream_blocks(M_, 1)), ex, CURVES, workers=2)
    np.testing.assert_array_equal(dask_, losses)
    # absent entries = no shaking: a row without entries has no loss
    empty, _, _ = event_losses_from_intensity(sp.csr_matrix((2, 6)), ex, CURVES)
    assert np.all(empty == 0)


def test_max_distance_cuts_far_sites():
    # site of B (77.00, 43.20) is 0.2° of latitude = 22.24 km from (77.0, 43.0); A's ~23.4 km
    d = epicentral_distance_km([77.0], [43.0], [76.90, 77.00], [43.20, 43.20])[0]
    assert d[1] == pytest.approx(6371.0 * math.radians(0.2), rel=1e-9)
    r = run_event_based(EVENTS, city(), CURVES, gm_mag, imt="PGA", vs30=760.0,
                        max_distance_km=(d[0] + d[1]) / 2)
    # only the nearer asset (B) keeps its loss
    near = int(np.argmin(d))
    assert near == 1
    ratios = {0: [0.28, 0.36, 0.44], 1: [0.5, 0.6, 0.7]}
    val = {0: 1e6, 1: 2e6}
    np.testing.assert_allclose(r.elt.loss("total")[0], np.array(ratios[near]) * val[near])


def test_engine_input_errors():
    with pytest.raises(RiskInputError, match="no curve"):
        run_event_based(EVENTS, city(taxonomies=("A", "C")), CURVES, gm_mag, imt="PGA",
                        vs30=760.0)
    with pytest.raises(RiskInputError, match="not increasing"):
        CurveSet.from_arrays(["A"], [[0.5, 0.1]], [[0.0, 0.1]])
    with pytest.raises(RiskInputError, match="SA"):
        run_event_based(EVENTS, city(), CURVES, gm_mag, imt="SA(0.3)", vs30=760.0)
    with pytest.warns(DefaultUsedWarning, match="760"):
        run_event_based(EVENTS, city(), CURVES, gm_mag, imt="PGA")


def gm_far(imt, mag, rjb, vs30):
    """Toy model falling with distance: median PGA = Mw/10 · exp(−RJB/15) [g], SA(1.0) half of
    it; τ = 0.3, φ = 0.5."""
    mag = np.asarray(mag, float)
    scale = 0.5 if imt == "SA(1.0)" else 1.0
    return (np.log(scale * mag / 10.0)[:, None] - rjb / 15.0, np.full((mag.size, 1), 0.3),
            np.full(rjb.shape, 0.5))


@pytest.mark.parametrize("fatality_imt", [None, "SA(1.0)"])
@pytest.mark.parametrize("n_real", [0, 3])
def test_sites_below_their_curves_are_passed_over_with_the_same_results(monkeypatch,
                                                                       fatality_imt, n_real):
    import carlcities.risk.losses.engine as E

    n = 60  # sites along a line eastwards, 2 classes each; epicentres from near to far
    ex = city(site=np.repeat(np.arange(n), 2), x=np.zeros(2 * n), y=np.zeros(2 * n),
              lon=np.repeat(77.0 + 0.02 * np.arange(n), 2), lat=np.full(2 * n, 43.0),
              taxonomy=np.tile([0, 1], n), occupancy=["Res"] * (2 * n),
              **{k: np.tile(v, n) for k, v in dict(
                  buildings=[10, 20], floor_area_m2=[1000, 2000], value_structural=[6e5, 1.2e6],
                  value_nonstructural=[3e5, 6e5], value_contents=[1e5, 2e5],
                  occupants_day=[1, 2], occupants_night=[10, 20],
                  occupants_transit=[0, 0]).items()})
    ev = EventSet(event_id=np.arange(40), rate=np.full(40, 0.01),
                  mag=np.linspace(5.0, 7.5, 40), lon=np.linspace(76.0, 78.5, 40),
                  lat=np.full(40, 43.1))
    fat = FATAL if fatality_imt is None else CurveSet.from_arrays(
        ["A", "B"], [[0.2, 1.0], [0.3, 1.0]], [[0.0, 0.09], [0.0, 0.009]], imt="SA(1.0)")
    kw = dict(imt="PGA", vs30=760.0, n_realisations=n_real, seed=7, below_min="zero",
              fatality_curves=fat, fatality_imt=fatality_imt, chunk_events=16)
    fast = run_event_based(ev, ex, CURVES, gm_far, **kw)
    slots = E._slots  # the floors of this exposure are finite: sites can be passed over
    A = E._prepare(ex, CURVES, fat, "night", False, "PGA", fatality_imt)
    assert np.isfinite(slots(A, np.array([0, 1 if fatality_imt else 0]), True).lo[:, 0]).all()

    def never(A, col_imt, below_zero):
        S = slots(A, col_imt, below_zero)
        S.lo[:] = -np.inf
        return S

    monkeypatch.setattr(E, "_slots", never)
    slow = run_event_based(ev, ex, CURVES, gm_far, **kw)
    np.testing.assert_array_equal(fast.elt.losses, slow.elt.losses)
    assert fast.clamped == slow.clamped
    assert 0 < fast.clamped["evaluations_below"]
    assert fast.clamped["assets_below"] == 2 * n   # every asset was below in some event
    assert fast.elt.loss("total").max() > 0
    if n_real == 0:  # the medians: each asset's ratio by np.interp, its clamps counted
        im = {m: np.exp(gm_far(m, ev.mag, epicentral_distance_km(ev.lon, ev.lat, ex.lon,
                                                                 ex.lat), None)[0])
              for m in ("PGA", "SA(1.0)")}

        def by_asset(cs, x):
            i = np.array([cs.taxonomies.index(t) for t in ("A", "B")])[ex.taxonomy]
            n = cs.n_levels[i]
            lo, hi = cs.imls[i, 0], cs.imls[i, n - 1]
            r = np.array([[np.interp(v, cs.imls[j, :k], cs.ratios[j, :k], left=0.0)
                           for v, j, k in zip(row, i, n)] for row in x])
            return r, (x < lo).sum(), (x > hi).sum()

        r_loss, below, above = by_asset(CURVES, im["PGA"])
        r_fat, below_f, above_f = by_asset(fat, im[fatality_imt or "PGA"])
        np.testing.assert_allclose(fast.elt.loss("total")[0], r_loss @ ex.value_total,
                                   rtol=1e-12)
        np.testing.assert_allclose(fast.elt.loss("fatalities")[0], r_fat @ ex.occupants_night,
                                   rtol=1e-12)
        assert fast.clamped["evaluations_below"] == below + below_f
        assert fast.clamped["evaluations_above"] == above + above_f


def test_events_left_out_before_the_distances_are_beyond_every_site():
    import carlcities.risk.losses.engine as E

    rng = np.random.default_rng(11)
    n = 300
    ex = city(site=np.arange(n), x=np.zeros(n), y=np.zeros(n),
              lon=76.8 + rng.uniform(0, 0.4, n), lat=43.1 + rng.uniform(0, 0.3, n),
              taxonomy=np.zeros(n, int), occupancy=["Res"] * n,
              **{k: np.ones(n) for k in ("buildings", "floor_area_m2", "value_structural",
                                         "value_nonstructural", "value_contents",
                                         "occupants_day", "occupants_night",
                                         "occupants_transit")})
    ev = EventSet(event_id=np.arange(2000), rate=np.full(2000, 1e-3), mag=np.full(2000, 6.0),
                  lon=77.0 + rng.uniform(-4, 4, 2000), lat=43.2 + rng.uniform(-3, 3, 2000))
    A = E._prepare(ex, CURVES, None, "night", False, "PGA")
    for cut in (20.0, 100.0, 200.0):
        maybe = E._maybe_near(ev, A, cut)
        near = (epicentral_distance_km(ev.lon, ev.lat, A.site_lon, A.site_lat)
                <= cut).any(axis=1)
        assert np.all(maybe[near])              # no event with a site in reach is left out
        assert (~maybe).sum() > 0.5 * (~near).sum()  # most of the others are
    assert E._maybe_near(ev, A, None).all()
