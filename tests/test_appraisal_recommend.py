"""Recommendations: numbers only from evidence, templates only, priority rules."""

from __future__ import annotations

import re

import pytest

from carlcities.appraisal import (
    Effect,
    Option,
    appraise_city,
    load_parameters,
    load_profiles,
)
from carlcities.appraisal.recommend import (
    fill,
    format_number,
    load_templates,
    recommend_city,
    recommend_region,
)
from carlcities.errors import AppraisalError

# a number not glued to a letter (so CO₂e, PM2.5 in names are not numbers of the text)
NUM = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def _numbers_from_evidence(rec):
    allowed = {format_number(e["value"]) for e in rec["evidence"]}
    printed = NUM.findall(rec["text_en"])
    return printed, allowed


def test_format_number():
    assert format_number(1234567) == "1,230,000"
    assert format_number(1234567, "ru") == "1\u00a0230\u00a0000"
    assert format_number(12.345) == "12.3" and format_number(12.345, "ru") == "12,3"
    assert format_number(0.012345) == "0.0123" and format_number(1.5) == "1.5"
    assert format_number(0) == "0" and format_number(-250.4) == "-250"


def test_missing_template_variable_raises():
    with pytest.raises(AppraisalError, match=r"no value for \{prob\}"):
        fill("first_rank", words={"city": ("A", "А"), "option": ("O", "О"),
                                  "body": ("city", "город")}, numbers={})
    with pytest.raises(AppraisalError, match="unknown template"):
        fill("poem", words={}, numbers={})


def _rows():
    rows = []
    for ind, st, hi in (("form.density", 5.0, "better"), ("env.green", 20.0, "better"),
                        ("access.parks", 90.0, "better"), ("risk.eal_ratio", 12.0, "worse"),
                        ("carbon.per_capita", 60.0, "worse")):
        rows.append(dict(indicator_id=ind, city_id="osh", value=1234.5, higher_is=hi,
                         peer_group="medium", region_pct=st, peer_pct=st, region_standing=st,
                         peer_standing=st, n_peer=4, n_region=12, peer_median=987.0,
                         region_median=900.0, unit="t CO2e/yr"))
    return rows


NAMES = {"form.density": ("Built-up density", "Плотность застройки"),
         "env.green": ("Green space per person", "Зелень на жителя"),
         "access.parks": ("Park access", "Доступ к паркам"),
         "risk.eal_ratio": ("Expected annual loss ratio", "Доля ожидаемого ущерба"),
         "carbon.per_capita": ("Emissions per person", "Выбросы на жителя")}


def _appraisal():
    def o(i, eal, capex, ess):
        return Option(option_id=f"o{i}", kind="resilience", name_en=f"Option {'ABC'[i]}",
                      name_ru=f"Мера {'АБВ'[i]}", capex_usd=capex, opex_usd_yr=0.0,
                      lifetime_yr=20, start_year=2025, essentials=ess,
                      effects={"avoided_eal_usd_yr": Effect(eal, 0.5 * eal, 1.5 * eal)})
    opts = [o(0, 1e6, 2e6, (9,)), o(1, 3e5, 2e6, (4,)), o(2, 1e5, 5e6, ())]
    res = appraise_city(opts, load_parameters("KGZ"), load_profiles(), 3, city_id="osh",
                        n_samples=1000)
    return opts, res


def test_city_recommendations_cite_their_numbers():
    opts, res = _appraisal()
    sc = [dict(essential=9, share=0.25, score=3, max_score=12),
          dict(essential=4, share=0.45, score=5, max_score=12),
          dict(essential=1, share=0.9, score=11, max_score=12)]
    recs = recommend_city("osh", ("Osh", "Ош"), benchmark_rows=_rows(), appraisal=res,
                          scorecard=sc, options=opts, indicator_names=NAMES, epoch=2020,
                          synthetic=True)
    by = {r["rec_id"]: r for r in recs}
    assert by["osh:indicator_gap:form.density"]["priority"] == "high"      # standing 5
    assert by["osh:indicator_gap:env.green"]["priority"] == "medium"       # standing 20
    assert by["osh:strength:access.parks"]["priority"] == "low"
    assert by["osh:hazard_high:risk.eal_ratio"]["priority"] == "high"
    assert not any("carbon.per_capita" in k for k in by)                  # standing 60
    assert by["osh:scorecard_gap:9"]["priority"] == "high" and \
        by["osh:scorecard_gap:9"]["options"] == ["o0"]
    assert by["osh:scorecard_gap:4"]["priority"] == "medium"
    assert "osh:scorecard_gap:1" not in by
    assert "osh:best_bcr:o0" in by and by["osh:best_bcr:o0"]["options"] == ["o0"]
    assert any(k.startswith("osh:first_rank:") for k in by)
    gap = by["osh:indicator_gap:form.density"]
    # 4 peers of its size are too few: the 12 cities of the region are the group, so only
    # the synthetic data (−0.4) lower the confidence, and the evidence says which group
    assert gap["confidence"] == pytest.approx(0.6) and gap["confidence_label"] == "medium"
    assert {e["metric"] for e in gap["evidence"] if e["table"] == "benchmark"} == {
        "form.density:region_standing", "form.density:n_region", "form.density:region_median"}
    assert "900" in gap["text_en"] and "12" in gap["text_en"]
    assert "CO₂e" in gap["text_en"] and "1,230" in gap["text_en"]
    assert "1\u00a0230" in gap["text_ru"]
    for r in recs:
        printed, allowed = _numbers_from_evidence(r)
        assert printed, r["text_en"]
        assert set(printed) <= allowed, (r["text_en"], allowed)
        for e in r["evidence"]:
            assert {"city_id", "epoch", "scenario", "value", "unit", "table"} <= set(e)
            assert "indicator_id" in e or "metric" in e
    order = [r["priority"] for r in recs]
    assert order == sorted(order, key=["high", "medium", "low"].index)


def test_region_recommendations():
    _opts, res = _appraisal()
    rows = _rows() + [dict(r, city_id="bishkek") for r in _rows()]
    recs = recommend_region({"osh": res, "bishkek": res}, benchmark_rows=rows,
                            indicator_names=NAMES)
    assert [r["template"] for r in recs] == ["region_first", "region_gap"]
    assert "in 2 of 2 cities" in recs[0]["text_en"]
    for r in recs:
        printed, allowed = _numbers_from_evidence(r)
        assert set(printed) <= allowed


def test_template_file_is_bilingual():
    t = load_templates()
    for tid, tpl in t["templates"].items():
        f_en = set(re.findall(r"\{(\w+)\}", tpl["text_en"]))
        f_ru = set(re.findall(r"\{(\w+)\}", tpl["text_ru"]))
        assert f_en == f_ru, tid


def _costed_and_unknown():
    """Two costed options and one whose cost is unknown but whose benefits are huge."""
    eff = {"avoided_eal_usd_yr": Effect(1e6, 0.8e6, 1.2e6)}
    opts = [Option("a", "resilience", "A", "А", 3e6, 0, 30, 2025, effects=eff),
            Option("b", "carbon", "B", "Б", 6e6, 0, 30, 2025, effects=eff),
            Option("g", "growth", "G", "Г", 1e6, 0, 30, 2025, capex_low=1e5, capex_high=1e7,
                   cost_known=False, cost_needs="planning costs",
                   effects={"avoided_eal_usd_yr": Effect(1e8, 0.5e8, 1.5e8)})]
    res = appraise_city(opts, load_parameters("KGZ"), load_profiles(), 3, city_id="x",
                        n_samples=400)
    return opts, res


def test_an_option_with_unknown_cost_is_never_ranked_but_listed_with_its_breakeven():
    from carlcities.appraisal import appraise_option, breakeven_capex

    opts, res = _costed_and_unknown()
    ranked = {r["option_id"] for r in res["rank_acceptability"]}
    assert ranked == {"a", "b"}  # g would win on benefits alone: it is not ranked at all
    assert "g" not in res["portfolio"]["selected"]
    (u,) = res["unranked"]
    assert u["option_id"] == "g" and u["needs"] == "planning costs"
    # with its cost drawn from the wide interval it would rank first almost always
    assert u["first_if_costed"] > 0.9
    # the break-even capex makes the central NPV zero (hand check through the CBA itself)
    import dataclasses
    be = breakeven_capex(opts[2], load_parameters("KGZ"))
    at_be = dataclasses.replace(opts[2], capex_usd=be, capex_low=None, capex_high=None,
                                cost_known=True)
    assert appraise_option(at_be, load_parameters("KGZ"))["npv_usd"] == pytest.approx(
        0.0, abs=1e-3 * be)
    recs = recommend_city("x", ("X", "Х"), appraisal=res, options=opts)
    firsts = [r for r in recs if r["template"] == "first_rank"]
    assert firsts and all("g" not in r["options"] for r in firsts)
    (cf,) = [r for r in recs if r["template"] == "cost_first"]
    assert cf["section"] == "measure_next" and "planning costs" in cf["text_en"]
    printed, allowed = _numbers_from_evidence(cf)
    assert set(printed) <= allowed
    for r in recs:
        if r["section"] == "policy":
            assert r["body"] in ("city", "ministry", "utility") and r["lever_en"]


def test_unknown_cost_needs_a_wide_interval_never_zero():
    with pytest.raises(AppraisalError, match="wide interval"):
        Option("g", "growth", "G", "Г", 0.0, 0, 30, 2025, cost_known=False)
    with pytest.raises(AppraisalError, match="wide interval"):
        Option("g", "growth", "G", "Г", 2e5, 0, 30, 2025, capex_low=1e5, capex_high=5e5,
               cost_known=False)
    with pytest.raises(AppraisalError, match="contain"):
        Option("a", "carbon", "A", "А", 1e5, 0, 30, 2025, capex_low=2e5, capex_high=5e5)


def test_growth_options_without_costs_are_unknown_not_zero():
    from carlcities.appraisal import options_from_growth

    rows = [dict(scenario_id="bau_sprawl", name_en="B", name_ru="Б", land_take_ha=100.0,
                 exposed_persons=50.0),
            dict(scenario_id="compact", name_en="C", name_ru="К", land_take_ha=40.0,
                 exposed_persons=20.0)]
    (o,) = options_from_growth(rows, unknown_capex=(1e5, 1e8))
    assert not o.cost_known and o.capex_usd == pytest.approx(1e5 ** 0.5 * 1e8 ** 0.5)
    assert o.capex_usd > 0 and o.cost_needs
    draws = o.capex_samples(20000, __import__("numpy").random.default_rng(0))
    assert draws.min() >= 1e5 and draws.max() <= 1e8
    # log-uniform: the median is the geometric mean
    assert float(__import__("numpy").median(draws)) == pytest.approx(o.capex_usd, rel=0.1)


def test_capex_interval_widens_the_npv_interval():
    eff = {"avoided_eal_usd_yr": Effect(1e6)}
    fixed = Option("a", "carbon", "A", "А", 5e6, 0, 30, 2025, effects=eff)
    ranged = Option("b", "carbon", "B", "Б", 5e6, 0, 30, 2025, effects=eff, capex_low=3e6,
                    capex_high=9e6)
    res = appraise_city([fixed, ranged], load_parameters("KGZ"), load_profiles(), 1,
                        city_id="x", n_samples=2000)
    m = {(r["option_id"], r["metric"]): r["value"] for r in res["appraisal"]}
    assert m[("a", "npv_p05_usd")] == pytest.approx(m[("a", "npv_p95_usd")])
    assert m[("b", "npv_p05_usd")] < m[("b", "npv_usd")] - 1e6
    assert m[("b", "capex_low_usd")] == 3e6 and m[("b", "capex_high_usd")] == 9e6


def test_data_gaps_go_to_what_to_measure_next_not_to_policy():
    row = dict(indicator_id="environment.lst_coverage", city_id="kulob", value=40.0,
               higher_is="better", peer_group="m", region_pct=5.0, peer_pct=5.0,
               region_standing=5.0, peer_standing=5.0, n_peer=10, n_region=12,
               peer_median=95.0, region_median=95.0, unit="%")
    recs = recommend_city("kulob", ("Kulob", "Куляб"), benchmark_rows=[row])
    (r,) = recs
    assert r["template"] == "data_gap" and r["section"] == "measure_next"
    assert "target" not in r["text_en"]
    good = dict(row, peer_standing=95.0, region_standing=95.0)
    assert recommend_city("kulob", ("Kulob", "Куляб"), benchmark_rows=[good]) == []
    policy = recommend_city("kulob", ("Kulob", "Куляб"),
                            benchmark_rows=[dict(row, indicator_id="access.park_500m")])
    assert policy[0]["section"] == "policy" and policy[0]["body"] == "city"
    assert policy[0]["lever_en"] in policy[0]["text_en"]


def test_only_the_most_marked_strengths_are_reported():
    rows = []
    for k, st in enumerate((76.0, 99.0, 80.0, 95.0, 90.0)):
        rows.append(dict(indicator_id=f"access.x{k}", city_id="osh", value=1.0,
                         higher_is="better", peer_group="m", region_pct=st, peer_pct=st,
                         region_standing=st, peer_standing=st, n_peer=10, n_region=12,
                         peer_median=0.5, region_median=0.5, unit="%"))
    names = {f"access.x{k}": (f"X{k}", f"Х{k}") for k in range(5)}
    recs = recommend_city("osh", ("Osh", "Ош"), benchmark_rows=rows, indicator_names=names)
    assert [r["rec_id"] for r in recs] == ["osh:strength:access.x1", "osh:strength:access.x3",
                                           "osh:strength:access.x4"]
