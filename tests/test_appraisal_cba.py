"""CBA formulas by hand, option sources, and the NPV sensitivity (SALib) on known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carlcities.appraisal import (
    Effect,
    Option,
    abatement_cost,
    annuity_factor,
    appraise_option,
    capital_recovery_factor,
    cash_flows,
    combine,
    irr,
    load_parameters,
    load_resilience_options,
    npv,
    npv_samples,
    options_from_carbon_actions,
    options_from_growth,
    resilience_option_effects,
)
from carlcities.appraisal.sensitivity import morris_indices, npv_morris, npv_sobol, sobol_indices
from carlcities.errors import AppraisalError

R5 = 0.05
A5 = (1 - 1.05 ** -5) / 0.05  # 4.329476670630...


def _params(**kw):
    base = dict(discount_rate=R5, base_year=2025, horizon_yr=None)
    base.update(kw)
    return load_parameters("KAZ", **base)


def _opt(**kw):
    base = dict(option_id="x", kind="resilience", name_en="x", name_ru="x", capex_usd=100.0,
                opex_usd_yr=0.0, lifetime_yr=5, start_year=2025,
                effects={"energy_savings_usd_yr": Effect(30.0)})
    base.update(kw)
    return Option(**base)


def test_annuity_and_crf_by_hand():
    assert annuity_factor(0.05, 5) == pytest.approx(4.3294766706, rel=1e-10)
    assert capital_recovery_factor(0.05, 5) == pytest.approx(1 / 4.3294766706, rel=1e-10)
    assert capital_recovery_factor(0.05, 5) == pytest.approx(0.2309747981, rel=1e-9)
    assert annuity_factor(0.0, 7) == 7


def test_hand_worked_option_npv_bcr():
    m = appraise_option(_opt(), _params(), horizon_yr=None)
    assert m["npv_usd"] == pytest.approx(30 * A5 - 100, abs=1e-9)
    assert m["npv_usd"] == pytest.approx(29.8843, abs=1e-4)
    assert m["bcr"] == pytest.approx(30 * A5 / 100, rel=1e-12)
    assert m["bcr"] == pytest.approx(1.298843, abs=1e-6)
    # IRR: the NPV at the IRR is 0 and the IRR exceeds the 5 % at which NPV > 0
    cf = cash_flows(_opt(), _params(), horizon_yr=None)
    assert list(cf.net) == [-100, 30, 30, 30, 30, 30]
    assert npv(cf.net, m["irr"]) == pytest.approx(0, abs=1e-8)
    assert m["irr"] == pytest.approx(0.152382, abs=1e-5)


def test_irr_known_values_and_none():
    assert irr([-100, 110]) == pytest.approx(0.10, abs=1e-12)
    x = (-60 + math.sqrt(60 ** 2 + 4 * 60 * 100)) / 120   # 60x² + 60x − 100 = 0, x = 1/(1+r)
    assert irr([-100, 60, 60]) == pytest.approx(1 / x - 1, abs=1e-10)
    assert irr([-100, -5]) is None
    assert irr([10, 20]) is None


def test_abatement_cost_by_hand():
    # (1000·CRF(5 %, 5) + 10 − 40)/2 = (230.9747981 − 30)/2
    assert abatement_cost(1000, 10, 40, 2, 0.05, 5) == pytest.approx(100.48739906, rel=1e-8)
    assert abatement_cost(1000, 10, 40, 0, 0.05, 5) is None


def test_renewal_and_residual_value():
    p = _params()
    cf = cash_flows(_opt(lifetime_yr=5), p, horizon_yr=10)
    assert cf.capex[0] == 100 and cf.capex[5] == 100 and cf.capex.sum() == 200
    cf = cash_flows(_opt(lifetime_yr=20), p, horizon_yr=10)
    assert cf.capex[0] == 100 and cf.capex[10] == pytest.approx(-50)   # half the life left
    cf = cash_flows(_opt(lifetime_yr=4), p, horizon_yr=10)          # installs at 0, 4, 8
    assert cf.capex[[0, 4, 8]].tolist() == [100, 100, 100]
    assert cf.capex[10] == pytest.approx(-50)                          # 2 of 4 years left


def test_monetised_effects_and_discounting_to_base_year():
    p = _params(vsl_usd=1e6, scc_usd_per_t_co2e=100.0)
    o = _opt(capex_usd=0.0, opex_usd_yr=0.0, lifetime_yr=1, start_year=2026,
             effects={"avoided_fatalities_yr": Effect(0.01), "avoided_t_co2e_yr": Effect(5.0),
                      "avoided_eal_usd_yr": Effect(7.0)})
    m = appraise_option(o, p, horizon_yr=None)
    # one year of benefits in 2027, discounted 2 years to 2025
    assert m["pv_benefits_usd"] == pytest.approx((0.01 * 1e6 + 5 * 100 + 7) / 1.05 ** 2)
    assert m["bcr"] is None and m["irr"] is None


def test_ramp_uses_smoothstep():
    o = _opt(ramp_yr=4, lifetime_yr=4)
    cf = cash_flows(o, _params(), horizon_yr=None)
    x = np.arange(5) / 4
    assert np.allclose(cf.benefits["energy_savings_usd_yr"][1:], 30 * (3 * x ** 2 - 2 * x ** 3)[1:])


def test_npv_samples_matches_central_and_is_linear():
    p = _params(horizon_yr=30)
    o = _opt(effects={"avoided_eal_usd_yr": Effect(30.0, 10.0, 60.0)}, lifetime_yr=20)
    c = appraise_option(o, p)
    s = npv_samples(o, p, draws={"avoided_eal_usd_yr": np.array([30.0, 60.0])})
    assert s["npv_usd"][0] == pytest.approx(c["npv_usd"])
    assert s["pv_benefits_usd"][1] == pytest.approx(2 * c["pv_benefits_usd"])
    s = npv_samples(o, p, discount_rate=np.array([0.05, 0.03]), capex_scale=np.array([1, 2]))
    assert s["npv_usd"][0] == pytest.approx(c["npv_usd"])
    # installs in years 0 and 20, half a life left at year 30
    assert s["pv_costs_usd"][1] == pytest.approx(2 * 100 * (1 + 1.03 ** -20 - 0.5 / 1.03 ** 30))


def test_one_discount_rate_discounts_two_rows_as_every_row():
    """npv_samples with one discount rate for every sample multiplies by the product of two
    rows of the broadcast discount matrix: what each of the n rows gives (NumPy's loop for
    rows that share their memory), bit for bit."""
    g = np.random.default_rng(5)
    for _ in range(200):
        t, n = int(g.integers(2, 80)), int(g.integers(3, 20_000))
        d = np.broadcast_to((1 + g.uniform(0.01, 0.2)) ** -np.arange(t, dtype=float), (n, t))
        stream = g.normal(size=t) * 10.0 ** g.integers(-4, 8)
        full = d @ stream
        two = (d[:2] @ stream)[0]
        assert full.view(np.int64).tolist() == [np.float64(two).view(np.int64)] * n


def test_parameters_file():
    p = load_parameters("KAZ")
    assert p.discount_rate == 0.06 and p.scc_usd_per_t_co2e == 190
    assert p.vsl_usd == pytest.approx(100 * 14005)
    assert load_parameters("TJK").vsl_usd == pytest.approx(100 * 1341)
    assert load_parameters().vsl_usd == pytest.approx(100 * 3162)
    assert "assumption" in p.sources["horizon_yr"]
    assert p.ranges["discount_rate"] == (0.03, 0.10)


def test_option_validation():
    with pytest.raises(AppraisalError, match="capex_usd"):
        _opt(capex_usd=-1)
    with pytest.raises(AppraisalError, match="lifetime"):
        _opt(lifetime_yr=0)
    with pytest.raises(AppraisalError, match="unknown effect"):
        _opt(effects={"avoided_cats": Effect(1.0)})
    with pytest.raises(AppraisalError, match="triangular"):
        Effect(5.0, 6.0, 7.0)


def _lib(tmp_path, text):
    p = tmp_path / "lib.yaml"
    p.write_text(text, encoding="utf-8")
    return load_resilience_options(p)


GOOD = """options:
  - id: a
    name_en: A
    name_ru: А
    mechanism: m
    effects: [{quantity: eal_by_hazard, hazard: flood, reduction: 0.5}]
    cost: {basis: fixed, capex: 10, opex: 1}
    lifetime_yr: 10
    sources: [s]
"""


def test_library_loader_errors(tmp_path):
    assert _lib(tmp_path, GOOD)[0].id == "a"
    with pytest.raises(AppraisalError, match="unknown key"):
        _lib(tmp_path, GOOD + "    colour: red\n")
    with pytest.raises(AppraisalError, match="negative cost"):
        _lib(tmp_path, GOOD.replace("capex: 10", "capex: -10"))
    with pytest.raises(AppraisalError, match="lifetime"):
        _lib(tmp_path, GOOD.replace("lifetime_yr: 10", "lifetime_yr: 0"))
    with pytest.raises(AppraisalError, match="unknown quantity"):
        _lib(tmp_path, GOOD.replace("eal_by_hazard", "eal_by_mood"))


def test_bundled_library_is_valid_and_sourced():
    lib = load_resilience_options()
    assert len(lib) >= 9
    for o in lib:
        assert o["sources"], o.id
        assert o.spec.get("assumptions"), o.id     # every unsourced number flagged


def test_resilience_effects_by_hand():
    spec = {x.id: x for x in load_resilience_options()}
    rs = {"eal_usd_by_typology": {"MUR+ADO/LWAL+CDN/H:1/RES": 1000.0, "MUR+ADOBE/X": 5.0,
                                  "CR+PC/LPB/H:5": 300.0},
          "eal_usd_by_typology_interval": {"MUR+ADO/LWAL+CDN/H:1/RES": (500.0, 2000.0)},
          "fatalities_yr_by_typology": {"MUR+ADO/LWAL+CDN/H:1/RES": 2.0},
          "floor_area_m2_by_typology": {"MUR+ADO/LWAL+CDN/H:1/RES": 10_000.0},
          "flood_eal_usd_by_rp": {10: 100.0, 100: 50.0, 1000: 80.0},
          "population": 1000}
    o = resilience_option_effects(spec["seismic_retrofit_masonry"], rs)
    e = o.effects["avoided_eal_usd_yr"]
    # 0.5 reduction × 0.3 coverage × 1000 (MUR+ADOBE is not MUR+ADO, CR+PC not listed)
    assert e.value == pytest.approx(150.0)
    assert e.low == pytest.approx(0.3 * 0.3 * 500) and e.high == pytest.approx(0.7 * 0.3 * 2000)
    assert o.effects["avoided_fatalities_yr"].value == pytest.approx(0.7 * 0.3 * 2.0)
    assert o.capex_usd == pytest.approx(100 * 0.3 * 10_000)
    f = resilience_option_effects(spec["flood_defences"], rs)
    assert f.effects["avoided_eal_usd_yr"].value == pytest.approx(0.8 * 150.0)  # RP <= 100
    assert f.capex_usd == pytest.approx(20 * 1000)


def test_carbon_actions_and_growth_and_packages():
    rows = [dict(action_id="panel", name_en="P", name_ru="П", abatement_2030_t=100.0,
                 abatement_2050_t=300.0, capex_usd=1000.0, opex_usd_yr=0.0, lifetime_yr=30,
                 co_benefits='{"pm25": "lower", "energy_savings_usd_yr": 60}', flag=None,
                 sources="a; b", confidence="medium")]
    (o,) = options_from_carbon_actions(rows, start_year=2025)
    s = o.effects["avoided_t_co2e_yr"]
    assert s.stream[4] == pytest.approx(100.0) and s.stream[24] == pytest.approx(300.0)
    assert s.stream[-1] == pytest.approx(300.0) and s.value == 300.0
    assert s.low == pytest.approx(210) and s.high == pytest.approx(390)
    assert o.effects["energy_savings_usd_yr"].stream[24] == pytest.approx(60.0)
    assert o.effects["pm25_score"].value == 0.5 and o.sources == ("a", "b")
    # an action whose uptake starts in 2027 starts there (stream from 2028), one that started
    # in 2022 is appraised from 2025 (the appraisal does not reach back)
    late, early = options_from_carbon_actions(
        [dict(rows[0], action_id="late", uptake_start=2027),
         dict(rows[0], action_id="early", uptake_start=2022)], start_year=2025)
    assert late.start_year == 2027 and early.start_year == 2025
    assert late.effects["avoided_t_co2e_yr"].stream[0] == pytest.approx(100.0 / 3)  # 2028
    assert late.effects["avoided_t_co2e_yr"].stream[2] == pytest.approx(100.0)      # 2030
    assert early.effects["avoided_t_co2e_yr"].stream == s.stream
    # an appraisal that itself starts in 2030 does not reach back to an earlier uptake start
    (o30,) = options_from_carbon_actions([dict(rows[0], uptake_start=2027)], start_year=2030)
    assert o30.start_year == 2030
    st = o30.effects["avoided_t_co2e_yr"].stream
    assert st[0] == pytest.approx(300.0 / 20) and st[19] == pytest.approx(300.0)  # 2031, 2050
    # an action whose uptake starts in 2035 rises from 0 then to the 2050 value
    (o35,) = options_from_carbon_actions([dict(rows[0], uptake_start=2035, abatement_2030_t=0.0)],
                                         start_year=2025)
    assert o35.start_year == 2035
    assert o35.effects["avoided_t_co2e_yr"].stream[14] == pytest.approx(300.0)  # 2050
    # a row flagged "not applicable" is no option
    assert options_from_carbon_actions([dict(rows[0], flag="not applicable: x")]) == []

    g = options_from_growth([
        dict(scenario_id="bau_sprawl", name_en="B", name_ru="Б", land_take_ha=500,
             exposed_persons=1000, t_co2e_yr=900),
        dict(scenario_id="compact", name_en="C", name_ru="К", land_take_ha=200,
             exposed_persons=400, t_co2e_yr=700)])
    assert [x.option_id for x in g] == ["compact"]
    assert g[0].effect("avoided_land_take_ha") == 300 and g[0].effect("avoided_t_co2e_yr") == 200
    assert g[0].flags
    with pytest.raises(AppraisalError, match="bau_sprawl"):
        options_from_growth([dict(scenario_id="compact", name_en="C", name_ru="К")])


def test_growth_policy_cost_from_the_literature_per_new_resident():
    """The cost of planning growth: USD per new resident from the parameter file (Collier et
    al. 2018, USD 100 per household for the plan and the arterial grid), with its interval;
    a costed growth option is ranked (no `cost_known=False`)."""
    from carlcities.appraisal import growth_cost
    from carlcities.appraisal.growth_scenarios import COST_KEY

    p = _params()
    per, (lo, hi) = p.values[COST_KEY], p.ranges[COST_KEY]
    assert (per, lo, hi) == (25.0, 10.0, 100.0) and "Collier" in p.sources[COST_KEY]
    c = growth_cost(200_000, p)
    assert c["capex_usd"] == pytest.approx(5e6)       # 200,000 new residents × 25 USD
    assert (c["capex_low"], c["capex_high"]) == pytest.approx((2e6, 2e7))
    assert growth_cost(-5_000, p) == {} and growth_cost(0, p) == {}   # a shrinking city
    rows = [dict(scenario_id="bau_sprawl", name_en="B", name_ru="Б", land_take_ha=500,
                 exposed_persons=1000, t_co2e_yr=900),
            dict(scenario_id="compact", name_en="C", name_ru="К", land_take_ha=200,
                 exposed_persons=400, t_co2e_yr=700, **{k: v for k, v in c.items()
                                                        if k != "sources"})]
    (o,) = options_from_growth(rows, unknown_capex=(1.0, 2.0))
    assert o.cost_known and o.capex_usd == pytest.approx(5e6) and not o.flags
    assert (o.capex_low, o.capex_high) == pytest.approx((2e6, 2e7))

    a = _opt(option_id="a", capex_usd=100.0, effects={"avoided_eal_usd_yr": Effect(5.0, 4.0, 6.0)})
    b = _opt(option_id="b", capex_usd=50.0, lifetime_yr=3,
             effects={"avoided_eal_usd_yr": Effect(2.0), "energy_savings_usd_yr": Effect(1.0)})
    p = combine([a, b], "ab", shared_cost_saving=0.2)
    assert p.capex_usd == pytest.approx(150 - 0.2 * 50)   # the smaller part saves 20 %
    assert p.effect("avoided_eal_usd_yr") == 7.0 and p.effects["avoided_eal_usd_yr"].low == 6.0
    assert p.effect("energy_savings_usd_yr") == 1.0    # only b has savings
    assert p.lifetime_yr == 3 and p.parts == ("a", "b") and p.kind == "package"


# ------------------------------------------------------------------------------ sensitivity
def test_sobol_on_linear_functions():
    res = sobol_indices(lambda x: 3 * x[:, 0] + 0 * x[:, 1], {"a": (0, 1), "b": (0, 1)}, n=256)
    assert res["a"]["S1"] == pytest.approx(1, abs=0.05) and abs(res["b"]["S1"]) < 0.05
    res = sobol_indices(lambda x: x[:, 0] + x[:, 1], {"a": (0, 1), "b": (0, 1)}, n=512)
    assert res["a"]["S1"] == pytest.approx(0.5, abs=0.08)
    assert res["a"]["ST"] == pytest.approx(0.5, abs=0.08)
    with pytest.raises(AppraisalError, match="power of 2"):
        sobol_indices(lambda x: x[:, 0], {"a": (0, 1)}, n=100)


def test_sobol_of_a_constant_output_is_zero_not_an_error():
    """The rehearsal's failure (issue 17): an option whose NPV depends on no parameter (no
    cost, no effect) made SALib's Sobol step raise; a constant output is an answer."""
    from carlcities.appraisal.sensitivity import is_constant

    res = sobol_indices(lambda x: np.full(len(x), 7.5), {"a": (0, 1), "b": (2, 3)}, n=64)
    assert set(res) == {"a", "b"}
    for d in res.values():
        assert d == {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0, "output_sd": 0.0}
    # rounding noise of a sum is constant; a real spread is not
    assert is_constant(np.array([1e8, 1e8 + 1e-6])) and is_constant(np.zeros(4))
    assert not is_constant(np.array([1e8, 1e8 + 1.0]))
    # the NPV of an option with nothing to buy and nothing avoided
    p = _params(horizon_yr=20)
    nothing = _opt(capex_usd=0.0, effects={"avoided_t_co2e_yr": Effect(0.0)}, lifetime_yr=20)
    res = npv_sobol(nothing, p, n=64)
    assert {k: d["ST"] for k, d in res.items()} == dict.fromkeys(res, 0.0)
    # and a varying one still gets its indices and its spread
    some = _opt(capex_usd=50.0, effects={"avoided_eal_usd_yr": Effect(30.0)}, lifetime_yr=20)
    res = npv_sobol(some, p, n=64)
    assert next(iter(res.values()))["output_sd"] > 0
    assert res["effect_scale"]["ST"] > 0.1
    with pytest.raises(AppraisalError, match="not finite"):
        sobol_indices(lambda x: np.where(x[:, 0] > .5, np.nan, 1.0), {"a": (0, 1)}, n=64)


def test_npv_sensitivity_benefit_only():
    p = _params(horizon_yr=20)
    o = _opt(effects={"avoided_eal_usd_yr": Effect(30.0)}, lifetime_yr=20)
    b = {"scc_usd_per_t_co2e": (100, 300), "vsl_usd": (1e5, 1e6), "effect_scale": (0.5, 1.5)}
    res = npv_sobol(o, p, bounds=b, n=256)
    assert res["effect_scale"]["S1"] == pytest.approx(1, abs=0.05)
    assert abs(res["scc_usd_per_t_co2e"]["S1"]) < 0.02 and abs(res["vsl_usd"]["ST"]) < 0.02
    mo = npv_morris(o, p, bounds=b, trajectories=10)
    assert mo["scc_usd_per_t_co2e"]["mu_star"] == 0 and mo["effect_scale"]["mu_star"] > 0
    # NPV is linear in effect_scale: every elementary effect equals ∂NPV/∂scale
    slope = appraise_option(o, p)["pv_benefits_usd"]
    assert mo["effect_scale"]["mu"] == pytest.approx(slope, rel=1e-6)
    assert morris_indices(lambda x: 2 * x[:, 0], {"a": (0, 1), "b": (0, 1)},
                          trajectories=6)["a"]["mu_star"] == pytest.approx(2)


def test_irr_equals_the_rate_by_rate_scan():
    """The IRR scans its grid of rates in one array operation: the same NPVs, bracket and
    root as evaluating :func:`npv` rate by rate (the implementation before issue 21)."""
    from scipy.optimize import brentq

    def scan(f, lo=-0.99, hi=100.0):
        f = np.asarray(f, dtype=float)
        if not (f > 0).any() or not (f < 0).any():
            return None
        grid = np.unique(np.concatenate([np.linspace(lo, 1.0, 400),
                                         np.geomspace(1.0, hi, 100)]))
        with np.errstate(all="ignore"):
            vals = np.array([npv(f, g) for g in grid])
        for a, b, va, vb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:]):
            if va == 0:
                return float(a)
            if np.sign(va) != np.sign(vb):
                return float(brentq(lambda x: npv(f, x), a, b, xtol=1e-12, rtol=1e-12))
        return None

    g = np.random.default_rng(11)
    for trial in range(150):
        n = int(g.integers(2, 60))
        f = g.normal(size=n) * 10 ** g.uniform(0, 8)
        f[0] = -abs(f[0]) * g.uniform(1, 40)
        if trial % 3 == 0:
            f[1:] = np.abs(f[1:])
        if trial % 5 == 0:
            f = np.round(f)
        with np.errstate(all="ignore"):
            assert irr(f) == scan(f), f
