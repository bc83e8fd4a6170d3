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
        fill("first_rank", words={"city": ("A", "А"), "option": ("O", "О")}, numbers={})
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


def test_an_option_without_cost_estimate_is_reported_lower_and_less_sure():
    from carlcities.appraisal import recommend_city

    def appraisal(flags):
        return {"options": [{"option_id": "a", "name_en": "A", "name_ru": "А"},
                            {"option_id": "b", "name_en": "B", "name_ru": "Б"}],
                "appraisal": [],
                "rank_acceptability": [
                    {"option_id": "a", "rank": 1, "probability": 0.8, "profile": "pooled"},
                    {"option_id": "b", "rank": 1, "probability": 0.2, "profile": "pooled"}],
                "flags": flags}

    plain = [r for r in recommend_city("x", ("X", "Х"), appraisal=appraisal([]))
             if r["template"] == "first_rank"][0]
    costless = [r for r in recommend_city("x", ("X", "Х"), appraisal=appraisal(
        ["a: costs of planning and regulation not estimated (set to 0)"]))
        if r["template"] == "first_rank"][0]
    assert plain["priority"] == "high" and plain["confidence"] == pytest.approx(0.8)
    assert costless["priority"] == "medium" and costless["confidence"] == pytest.approx(0.4)
    assert "80" in costless["text_en"]  # the probability itself is still cited as it is


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
