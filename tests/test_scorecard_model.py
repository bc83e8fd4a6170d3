"""Scorecard catalogue, scoring, gaps and recommendations (values worked out by hand)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from carlcities.errors import ScorecardError
from carlcities.scorecard import (
    ESSENTIALS,
    Answer,
    Assessment,
    change,
    compare_cities,
    find_gaps,
    institutional_capacity,
    question,
    questions,
    recommend,
    score_assessment,
)

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_catalogue_counts_and_ids():
    pre, det = questions("preliminary"), questions("detailed")
    assert len(pre) == 47 and len(det) == 117
    assert len({q.id for q in pre + det}) == 164
    assert {q.essential for q in pre} == set(range(1, 11)) == {q.essential for q in det}
    assert all(re.fullmatch(r"P\d{1,2}\.\d{1,2}", q.id) for q in pre)
    assert all(re.fullmatch(r"D\d{1,2}\.\d{1,2}\.\d", q.id) for q in det)
    assert {q.max_score for q in pre} == {3} and {q.max_score for q in det} == {5}
    for q in pre + det:
        assert q.text_en and q.topic_en and not CYRILLIC.search(q.text_en)
        assert CYRILLIC.search(q.text_ru) and CYRILLIC.search(q.topic_ru)
    assert len(ESSENTIALS) == 10 and all(CYRILLIC.search(e.name_ru) for e in ESSENTIALS)


def test_unknown_question_suggests():
    with pytest.raises(ScorecardError, match="P2.1"):
        question("P2.11")
    assert question("p2.1").id == "P2.1"


def _assessment(scores: dict[str, int | None], date=dt.date(2024, 1, 1)) -> Assessment:
    a = Assessment("osh", date)
    for qid, s in scores.items():
        a.set(Answer(qid, s))
    return a


def test_scores_by_hand():
    # Essential 2 has 4 questions: 0 + 1 + 2 + (unanswered) -> 3 of 9 answered points
    a = _assessment({"P2.1": 0, "P2.2": 1, "P2.3": 2, "P1.1": 3, "P1.2": 3, "P1.3": None})
    r = score_assessment(a)
    e2 = r.essentials[2]
    assert (e2.score, e2.max_score, e2.answered, e2.questions) == (3, 9, 3, 4)
    assert e2.share == pytest.approx(1 / 3)
    assert e2.completeness == pytest.approx(0.75)
    assert r.essentials[1].share == 1.0 and r.essentials[1].completeness == pytest.approx(2 / 3)
    assert r.essentials[5].share is None and r.essentials[5].completeness == 0
    assert (r.total.score, r.total.max_score, r.total.answered, r.total.questions) == (9, 15, 5, 47)
    assert not r.complete and a.completeness == pytest.approx(5 / 47)


def test_out_of_range_rejected():
    with pytest.raises(ScorecardError, match="outside 0-3"):
        _assessment({"P1.1": 4})
    with pytest.raises(ScorecardError, match="detailed"):
        _assessment({"D1.1.1": 2})


def test_gaps_change_compare_and_recommendations():
    full = {q.id: 2 for q in questions()}
    low = dict(full, **{"P2.1": 0, "P2.2": 0, "P2.3": 1, "P2.4": 1})   # E2: 2/12
    a = _assessment(low, dt.date(2024, 5, 1))
    gaps = find_gaps(a, threshold=0.5)
    assert [g.essential for g in gaps] == [2]
    assert gaps[0].share == pytest.approx(2 / 12)
    assert gaps[0].question_ids == ("P2.1", "P2.2")       # scored <= lowest (0) ... mean 0.5 -> 0
    recs = recommend(a, threshold=0.5)
    assert len(recs) == 1 and recs[0].essential == 2 and recs[0].priority == "high"
    assert "hazard map" in recs[0].text_en and CYRILLIC.search(recs[0].text_ru)
    assert "2 of 12" in recs[0].evidence_en and "P2.1 = 0/3" in recs[0].evidence_en
    assert "2 из 12" in recs[0].evidence_ru
    before = score_assessment(_assessment(full, dt.date(2021, 1, 1)))
    after = score_assessment(a)
    d = change(before, after)
    assert d[2] == pytest.approx(2 / 12 - 2 / 3) and d[1] == 0
    other = score_assessment(Assessment("bishkek", dt.date(2024, 1, 1)))
    cmp = compare_cities([before, after, other])
    assert set(cmp) == {"osh", "bishkek"} and cmp["osh"][2] == pytest.approx(2 / 12)
    assert cmp["bishkek"][0] is None
    assert institutional_capacity(after) == pytest.approx(2 / 3)
    assert recommend(_assessment(full)) == []
