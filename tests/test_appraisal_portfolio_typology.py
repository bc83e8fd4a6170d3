"""Portfolio MILP against brute force; percentile ranks by hand; a typology with known types."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from carlcities.appraisal import Effect, Option, combine
from carlcities.appraisal.portfolio import exclusive_groups, select_portfolio
from carlcities.appraisal.typology import (
    benchmark,
    city_typology,
    peer_groups,
    percentile_ranks,
    size_class,
    standing,
)
from carlcities.errors import AppraisalError


def _brute(v, c, budget, groups, must):
    best = -np.inf
    n = len(v)
    for mask in itertools.product((0, 1), repeat=n):
        x = np.array(mask)
        if c @ x > budget + 1e-9 or any(x[list(g)].sum() > 1 for g in groups):
            continue
        if any(x[m] == 0 for m in must):
            continue
        best = max(best, v @ x)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_portfolio_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 12
    v = rng.normal(10, 15, n)
    c = rng.uniform(1, 20, n)
    budget = float(c.sum() * rng.uniform(0.2, 0.6))
    groups = [(0, 1), (2, 3, 4)] if seed % 2 else []
    must = [5] if seed % 3 == 0 else []
    ids = [f"o{i}" for i in range(n)]
    pf = select_portfolio(ids, v, c, budget, groups=[[ids[i] for i in g] for g in groups],
                          must_include=[ids[i] for i in must])
    assert pf.value == pytest.approx(_brute(v, c, budget, groups, must), abs=1e-6)
    assert pf.cost_usd <= budget + 1e-9
    sel = {int(s[1:]) for s in pf.selected}
    assert all(len(sel & set(g)) <= 1 for g in groups)
    assert set(must) <= sel


def test_portfolio_infeasible_must_include():
    with pytest.raises(AppraisalError, match="no feasible portfolio"):
        select_portfolio(["a", "b"], [1, 1], [10, 10], 5, must_include=["a"])


def test_exclusive_groups_packages_and_growth():
    def o(i, kind="carbon"):
        return Option(option_id=i, kind=kind, name_en=i, name_ru=i, capex_usd=1.0,
                      opex_usd_yr=0.0, lifetime_yr=10, start_year=2025,
                      effects={"avoided_eal_usd_yr": Effect(1.0)})
    a, b = o("a"), o("b")
    opts = [a, b, combine([a, b], "ab"), o("g1", "growth"), o("g2", "growth")]
    assert exclusive_groups(opts) == [("ab", "a"), ("ab", "b"), ("g1", "g2")]


def test_percentile_ranks_by_hand():
    r = percentile_ranks({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert r == pytest.approx({"a": 10, "b": 30, "c": 50, "d": 70, "e": 90})
    r = percentile_ranks({"a": 10, "b": 20, "c": 20, "d": 30, "e": None})
    # n = 4: a (0 + ½)/4, b and c (1 + 1)/4, d (3 + ½)/4
    assert r == {"a": 12.5, "b": 50.0, "c": 50.0, "d": 87.5, "e": None}
    assert standing(87.5, "worse") == 12.5 and standing(87.5, "better") == 87.5
    assert standing(50, "neutral") is None


def test_size_classes_and_benchmark_peers():
    assert [size_class(p) for p in (150_000, 200_000, 499_999, 500_000, 1_500_000)] == \
        ["small", "medium", "medium", "metropolitan", "large_metropolitan"]
    cities = [dict(city_id=c, population=p, country_iso3="KAZ") for c, p in
              [("a", 160e3), ("b", 170e3), ("c", 180e3), ("d", 2e6), ("e", 3e6)]]
    g = peer_groups(cities)
    vals = {"x.good": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5},
            "x.bad": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}}
    rows = {(r["indicator_id"], r["city_id"]): r for r in
            benchmark(vals, g, higher_is={"x.good": "better", "x.bad": "worse"})}
    a = rows[("x.good", "a")]
    assert a["region_pct"] == 10 and a["n_peer"] == 3 and a["peer_pct"] == pytest.approx(100 / 6)
    assert a["peer_median"] == 2 and a["region_median"] == 3
    assert rows[("x.bad", "a")]["peer_standing"] == pytest.approx(100 - 100 / 6)
    assert rows[("x.bad", "e")]["peer_pct"] == 75 and rows[("x.bad", "e")]["peer_standing"] == 25


def _table(seed=0):
    rng = np.random.default_rng(seed)
    t = {}
    for i in range(20):
        grp = i % 2
        t[f"c{i:02d}"] = {"sep": 10.0 * grp + rng.normal(0, 0.5),
                          "sep2": -5.0 * grp + rng.normal(0, 0.5),
                          "sep3": 100.0 * grp + rng.normal(0, 5),
                          "noise": rng.normal(0, 1), "sparse": None if i % 3 else 1.0}
    return t


def test_typology_recovers_two_clusters_deterministically():
    t = _table()
    ty = city_typology(t, k_range=(2, 6), random_state=0)
    assert ty.k == 2 and ty.silhouette > 0.5
    truth = {c: int(c[1:]) % 2 for c in t}
    same = all((ty.labels[a] == ty.labels[b]) == (truth[a] == truth[b])
               for a in t for b in t)
    assert same
    assert {f for f, _ in ty.separating[:3]} == {"sep", "sep2", "sep3"}
    assert ty.separating[-1][0] == "noise"
    assert "sparse" in ty.skipped and "sparse" not in ty.indicators
    assert city_typology(t, k_range=(2, 6), random_state=0) == ty
    ty3 = city_typology(t)                                 # default k in 3–6
    assert 3 <= ty3.k <= 6 and set(ty3.silhouette_by_k) <= {3, 4, 5, 6}


def test_typology_too_few_cities():
    with pytest.raises(AppraisalError, match="too few"):
        city_typology({"a": {"x": 1}, "b": {"x": 2}})
