"""SMAA-2 on examples with known acceptabilities, and appraise_city end to end."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.appraisal import (
    Effect,
    Option,
    appraise_city,
    load_parameters,
    load_profiles,
)
from carlcities.appraisal.mcda import Profile
from carlcities.appraisal.smaa import (
    sample_values,
    sample_weights_around,
    sample_weights_uniform,
    smaa2,
)

RNG = np.random.default_rng(42)


def test_dominating_option_is_first_always():
    w = sample_weights_uniform(5000, 2, RNG)
    res = smaa2(np.array([[2.0, 3.0], [1.0, 1.0]]), w, [1, 1])
    assert res.acceptability[0].tolist() == [1.0, 0.0]
    assert res.acceptability[1].tolist() == [0.0, 1.0]
    assert res.confidence[0] == 1.0 and np.isnan(res.confidence[1])


def test_symmetric_options_half_each():
    n = 20_000
    w = sample_weights_uniform(n, 2, RNG)
    res = smaa2(np.array([[1.0, 0.0], [0.0, 1.0]]), w, [1, 1], rng=1)
    se = np.sqrt(0.25 / n)
    assert res.first_rank == pytest.approx([0.5, 0.5], abs=4 * se)


def test_three_options_analytic():
    """A = (1, 0), B = (0, 1), C = (0.6, 0.6), w₁ ~ U(0, 1): u_A = w₁, u_B = 1 − w₁,
    u_C = 0.6, so A first iff w₁ > 0.6 (0.4), B iff w₁ < 0.4 (0.4), C otherwise (0.2);
    C is never last; A's central weight is E[w₁ | w₁ > 0.6] = 0.8."""
    n = 40_000
    w = sample_weights_uniform(n, 2, RNG)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]])
    res = smaa2(x, w, [1, 1])
    tol = 4 * np.sqrt(0.4 * 0.6 / n)
    assert res.first_rank == pytest.approx([0.4, 0.4, 0.2], abs=tol)
    assert res.acceptability[2, 2] == 0.0
    assert res.acceptability[2, 1] == pytest.approx(0.8, abs=tol)
    assert res.central_weights[0] == pytest.approx([0.8, 0.2], abs=0.01)
    assert res.central_weights[2] == pytest.approx([0.5, 0.5], abs=0.01)
    assert res.confidence == pytest.approx([1, 1, 1])     # values are certain
    assert res.holistic()[2] == pytest.approx(0.2 + 0.8 * 0.5, abs=tol)


def test_cost_criterion_reverses():
    w = sample_weights_uniform(1000, 2, RNG)
    res = smaa2(np.array([[1.0, 5.0], [2.0, 5.0]]), w, [-1, 1])
    assert res.first_rank.tolist() == [1.0, 0.0]


def test_acceptabilities_partition_with_uncertain_values():
    n, a = 3000, 4
    spec = [[{"dist": "normal", "mean": i, "sd": 2}, {"dist": "triangular", "low": 0,
                                                       "mode": 4 - i, "high": 5},
             {"dist": "uniform", "low": 0, "high": 1}] for i in range(a)]
    x = sample_values(spec, n, RNG)
    assert x.shape == (n, a, 3)
    for model in ("additive", "topsis"):
        res = smaa2(x, sample_weights_uniform(n, 3, RNG), [1, 1, -1], model=model)
        assert np.allclose(res.acceptability.sum(axis=0), 1)
        assert np.allclose(res.acceptability.sum(axis=1), 1)
        ok = ~np.isnan(res.confidence)
        assert ((res.confidence[ok] >= 0) & (res.confidence[ok] <= 1)).all()


def test_profile_weights_dirichlet_mean():
    w = sample_weights_around([0.5, 0.3, 0.2, 0.0], 50, 20_000, RNG)
    assert np.allclose(w.sum(axis=1), 1) and (w[:, 3] == 0).all()
    assert w.mean(axis=0) == pytest.approx([0.5, 0.3, 0.2, 0], abs=0.005)
    assert w[:, 0].var() == pytest.approx(0.5 * 0.5 / 51, rel=0.1)


def _opt(i, eal, fat, co2, capex, feas=1.0):
    return Option(option_id=f"o{i}", kind="resilience", name_en=f"O{i}", name_ru=f"О{i}",
                  capex_usd=capex, opex_usd_yr=0.0, lifetime_yr=20, start_year=2025,
                  effects={"avoided_eal_usd_yr": Effect(eal, 0.5 * eal, 1.5 * eal),
                           "avoided_fatalities_yr": Effect(fat, sd=0.1 * fat),
                           "avoided_t_co2e_yr": Effect(co2)}, feasibility=feas)


def test_appraise_city_rows_and_reproducibility():
    opts = [_opt(1, 1e6, 1.0, 0, 5e6), _opt(2, 2e5, 0.1, 1e4, 3e6, 0.5),
            _opt(3, 1e4, 0.0, 0, 1e7)]
    p = load_parameters("KAZ")
    profiles = dict(load_profiles())
    profiles["bad"] = Profile("bad", "Bad", "Плохой", {"npv_usd": 1.0}, 50, 0.4, False,
                              flags=("AHP matrix inconsistent: CR = 0.400 > 0.1",))
    r1 = appraise_city(opts, p, profiles, 7, city_id="osh", n_samples=2000)
    r2 = appraise_city(opts, p, profiles, 7, city_id="osh", n_samples=2000)
    assert r1["rank_acceptability"] == r2["rank_acceptability"]
    assert any("bad" in f for f in r1["flags"])
    profs = {r["profile"] for r in r1["rank_acceptability"]}
    assert profs == {"emergency_ministry", "city_finance", "environment_agency", "pooled",
                     "uniform"}
    for pid in profs:
        rows = [r for r in r1["rank_acceptability"] if r["profile"] == pid]
        assert len(rows) == 9
        assert sum(r["probability"] for r in rows if r["rank"] == 1) == pytest.approx(1)
    m = {(r["option_id"], r["metric"]): r for r in r1["appraisal"]}
    assert m[("o3", "npv_usd")]["value"] < 0 and m[("o3", "p_npv_positive")]["value"] == 0
    assert m[("o1", "bcr")]["unit"] == "ratio"
    assert set(r1["portfolio"]["selected"]) <= {"o1", "o2"}
    assert r1["options"][0]["city_id"] == "osh"


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("model", ["additive", "topsis"])
def test_vectorised_equals_the_per_sample_loop(seed, model):
    """The vectorised SMAA-2 gives exactly what the per-sample loop gave (tests/smaa_loop.py):
    uncertain and certain values, identical options (exact ties), coarse values (many ties),
    a constant criterion, cost criteria."""
    from tests.smaa_loop import smaa2_loop

    g = np.random.default_rng(seed)
    k, a, m = int(g.integers(50, 1500)), int(g.integers(1, 9)), int(g.integers(1, 7))
    x = g.normal(size=(k, a, m))
    if seed % 3 == 0:
        x[:, 1 % a] = x[:, 0]
    if seed % 4 == 0:
        x = np.round(x, 1)
    if seed % 5 == 0:
        x = x[0]
    if seed % 7 == 0:
        x[..., 0] = 1.0
    w = sample_weights_uniform(k, m, g)
    t = g.choice([-1, 1], m)
    res = smaa2(x, w, t, rng=seed, model=model)
    acc, cw, conf = smaa2_loop(x, w, t, rng=seed, model=model)
    assert np.array_equal(res.acceptability, acc)
    assert np.array_equal(res.central_weights, cw, equal_nan=True)
    assert np.array_equal(res.confidence, conf, equal_nan=True)


def test_shared_generator_is_left_where_the_loop_left_it():
    """appraise_city draws from one generator across profiles: the vectorised SMAA must
    consume the same numbers."""
    from tests.smaa_loop import smaa2_loop

    x = np.random.default_rng(3).normal(size=(500, 5, 3))
    w = sample_weights_uniform(500, 3, np.random.default_rng(4))
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    smaa2(x, w, [1, -1, 1], rng=g1)
    smaa2_loop(x, w, [1, -1, 1], rng=g2)
    assert g1.random() == g2.random()


def _tie_data(seed: int, k: int = 600, a: int = 6, m: int = 7):
    g = np.random.default_rng(seed)
    x = np.round(g.normal(size=(k, a, m)), 1)       # coarse values: many exact ties
    x[:, 1] = x[:, 0]                                # identical options
    x[..., 3] = 2.0                                  # a constant criterion
    return x, sample_weights_uniform(k, m, g), np.where(np.arange(m) % 3 == 0, -1, 1)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_additive_equals_einsum(seed, monkeypatch):
    """The compiled additive utilities add the products in einsum's order: the results equal
    those of the NumPy path (taken where the check fails) bit for bit, ties included."""
    from carlcities.appraisal import smaa as S

    x, w, t = _tie_data(seed)
    fast = smaa2(x, w, t, rng=seed)
    monkeypatch.setattr(S, "einsum_order_holds", lambda: False)
    slow = smaa2(x, w, t, rng=seed)
    assert np.array_equal(fast.acceptability, slow.acceptability)
    assert np.array_equal(fast.central_weights, slow.central_weights, equal_nan=True)
    assert np.array_equal(fast.confidence, slow.confidence, equal_nan=True)


@pytest.mark.parametrize(("seed", "m"), [(0, 7), (1, 10)])
def test_compiled_additive_over_blocks_with_constant_rows(seed, m, monkeypatch):
    """More samples than one block of the kernels (and a partial last block), rows that are
    constant over the samples (a fixed criterion, an effect an option lacks: 0) and tied
    options: the compiled path, which takes the constant rows apart, gives the results of
    the NumPy path bit for bit."""
    from carlcities.appraisal import smaa as S
    from carlcities.appraisal.smaa_kernels import BLOCK

    g = np.random.default_rng(seed)
    k, a = 2 * BLOCK + 37, 7
    x = g.lognormal(size=(k, a, m))
    x[:, :, 5] = g.random(a)                 # fixed per option (co-benefits, feasibility)
    x[:, :, 6] = np.round(g.random(a), 1)
    x[:, 2:4, 2] = 0.0                       # effects two options do not have
    x[:, 4, 3] = x[:, :, 3].min()            # the lowest value in every sample: part 0
    x[:, 1] = x[:, 0]                        # identical options: ties in every sample
    w = sample_weights_uniform(k, m, g)
    fast = smaa2(x, w, [1] * m, rng=seed)
    monkeypatch.setattr(S, "einsum_order_holds", lambda: False)
    slow = smaa2(x, w, [1] * m, rng=seed)
    assert np.array_equal(fast.acceptability, slow.acceptability)
    assert np.array_equal(fast.central_weights, slow.central_weights, equal_nan=True)
    assert np.array_equal(fast.confidence, slow.confidence, equal_nan=True)


def test_einsum_order_holds_on_x86_64():
    """On x86-64 NumPy's einsum adds in the order the compiled kernel copies (else SMAA-2 falls
    back to einsum: the same results, slower)."""
    import platform

    from carlcities.appraisal.smaa import einsum_order_holds

    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("the einsum order is checked against the x86-64 build")
    assert einsum_order_holds()


@pytest.mark.parametrize("model", ["additive", "topsis"])
def test_smaa2_each_equals_one_call_per_weight_set(model):
    from carlcities.appraisal.smaa import smaa2_each

    x, w, t = _tie_data(5)
    w2 = sample_weights_around([0.5, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05], 30, len(w),
                               np.random.default_rng(1))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    each = smaa2_each(np.abs(x) + 0.1, {"a": w, "b": w2}, t, rng=g1, model=model)
    for key, ws in (("a", w), ("b", w2)):
        one = smaa2(np.abs(x) + 0.1, ws, t, rng=g2, model=model)
        assert np.array_equal(each[key].acceptability, one.acceptability)
        assert np.array_equal(each[key].confidence, one.confidence, equal_nan=True)
    assert g1.random() == g2.random()


def test_other_bit_generators_draw_as_the_loop():
    """Where the generator cannot jump (here Philox), the skipped tie-breaking draws are
    drawn: the results and the generator's state equal the loop's."""
    from tests.smaa_loop import smaa2_loop

    x = np.random.default_rng(3).normal(size=(400, 5, 3))
    w = sample_weights_uniform(400, 3, np.random.default_rng(4))
    g1 = np.random.Generator(np.random.Philox(7))
    g2 = np.random.Generator(np.random.Philox(7))
    res = smaa2(x, w, [1, -1, 1], rng=g1)
    acc, _cw, conf = smaa2_loop(x, w, [1, -1, 1], rng=g2)
    assert np.array_equal(res.acceptability, acc)
    assert np.array_equal(res.confidence, conf, equal_nan=True)
    assert g1.random() == g2.random()


@pytest.mark.parametrize("a", [1, 2, 7, 30])
def test_rank_counts_equal_counting_the_options_ahead(a):
    """The compiled ranking (insertion per sample) against the definition: an option's rank is
    the number of options ahead of it (higher utility; equal utility: lower tie draw; equal
    draw: lower index), with many exact ties in utility and in the draws."""
    from carlcities.appraisal.smaa_kernels import first_ranked, rank_counts

    rng = np.random.default_rng(a)
    util = rng.integers(0, 4, size=(400, a)).astype(float)     # ties in utility
    tie = rng.integers(0, 3, size=(400, a)) / 3.0               # ... and in the draws
    util[:50] = 1.0                                             # all options tied
    tie[:25] = 0.5                                              # ... and their draws too
    counts, first = rank_counts(util, tie)
    ref = np.zeros((a, a), dtype=np.int64)
    ref_first = np.empty(len(util), dtype=np.int64)
    for k, (u, t) in enumerate(zip(util, tie, strict=True)):
        for i in range(a):
            r = sum(1 for lo in range(a) if lo != i and (
                u[lo] > u[i] if u[lo] != u[i] else t[lo] < t[i] if t[lo] != t[i] else lo < i))
            ref[i, r] += 1
            if r == 0:
                ref_first[k] = i
    assert np.array_equal(counts, ref)
    assert np.array_equal(first, ref_first)
    assert np.array_equal(first_ranked(util, tie), ref_first)
    assert (counts.sum(axis=0) == len(util)).all() and (counts.sum(axis=1) == len(util)).all()
