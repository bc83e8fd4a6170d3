"""run_scorecards against a real store, and the scorecard section of the reports."""

from __future__ import annotations

import json

import pytest

from carlcities.catalog import load_catalog
from carlcities.config import StudyConfig
from carlcities.report import build_report
from carlcities.scorecard import run_scorecards
from carlcities.scorecard.demo import DEMO_CITIES
from carlcities.scorecard.io import write_yaml
from carlcities.scorecard.model import Answer, Assessment
from carlcities.store import Store


def _store(tmp_path, cities=None):
    s = Store(tmp_path / "study.duckdb", study="t")
    for cid, en, ru, iso in cities or []:
        s.con.execute("INSERT INTO cities (city_id, name_en, name_ru, country_iso3, synthetic) "
                      "VALUES (?, ?, ?, ?, true)", [cid, en, ru, iso])
    return s


def test_run_scorecards_demo(tmp_path):
    s = _store(tmp_path)
    try:
        res = run_scorecards(s.con, StudyConfig(), load_catalog(), tmp_path)
        assert sorted(res.cities) == sorted(DEMO_CITIES) and res.assessments == 10
        con = s.con
        n = con.execute("SELECT count(*) FROM scorecard_answers").fetchone()[0]
        assert n == 10 * 47
        tot = con.execute("SELECT city_id, assessment_date::VARCHAR, completeness, synthetic "
                          "FROM scorecard_scores WHERE essential = 0 ORDER BY 1, 2").fetchall()
        assert ("almaty", "2021-04-20", 1.0, True) in tot
        assert any(c == "namangan" and comp < 1 for c, _d, comp, _s in tot)
        e2 = con.execute("SELECT count(*) FROM scorecard_recommendations WHERE essential = 2 "
                         "AND city_id IN ('osh', 'dushanbe') AND evidence_en LIKE '%P2.%'"
                         ).fetchone()[0]
        assert e2 == 2
        cap = con.execute("SELECT count(*) FROM scorecard_criteria WHERE criterion = "
                          "'institutional_capacity' AND value BETWEEN 0 AND 1").fetchone()[0]
        assert cap == 10
    finally:
        s.close()
    for prof in ("emergency_ministry", "city_finance", "environment_agency"):
        data = json.loads((tmp_path / "exports" / f"weights_{prof}.json").read_text("utf-8"))
        assert data["synthetic"] and sum(data["weights"].values()) == pytest.approx(1, abs=1e-5)
        assert all("cr" in r for r in data["respondents"]) and data["kendall_w"] is not None


def test_run_scorecards_configured_only_study_cities(tmp_path):
    a = Assessment("osh", __import__("datetime").date(2023, 3, 1))
    a.set(Answer("P2.1", 0, "no hazard maps", ("DRR office",)))
    f = write_yaml(a, tmp_path / "osh.yaml")
    cfg = StudyConfig.model_validate({"data": {"scorecards": {"Osh": str(f)}},
                                      "scorecard": {"gap_threshold": 0.4}})
    s = _store(tmp_path, [("osh", "Osh", "Ош", "KGZ"), ("bishkek", "Bishkek", "Бишкек", "KGZ")])
    try:
        res = run_scorecards(s.con, cfg, load_catalog(), tmp_path)
        assert sorted(res.cities) == ["bishkek", "osh"]
        rows = s.con.execute("SELECT assessment_date::VARCHAR, threshold FROM "
                             "scorecard_recommendations WHERE city_id = 'osh'").fetchall()
        assert rows == [("2023-03-01", 0.4)]      # the configured file, not the demo
    finally:
        s.close()


def test_report_scorecard_section(tmp_path):
    s = _store(tmp_path, [(c, c.title(), c.title(), "KGZ") for c in ("almaty", "osh", "astana")])
    try:
        run_scorecards(s.con, StudyConfig(), load_catalog(), tmp_path)
    finally:
        s.close()
    index = build_report(tmp_path)
    html = index.read_text(encoding="utf-8")
    assert 'id="scorecards"' in html and "Оценки устойчивости к бедствиям" in html
    data = json.loads(index.with_suffix(".json").read_text(encoding="utf-8"))
    assert {r["city_id"] for r in data["scorecards"]} == {"almaty", "osh", "astana"}
    osh = (tmp_path / "report" / "cities" / "osh.html").read_text(encoding="utf-8")
    assert "Disaster resilience scorecard" in osh and 'data-rec="scorecard.osh.e2"' in osh
    assert "Essential 2 (Identify" in osh and "Раздел 2" in osh
    assert (tmp_path / "report" / "img" / "osh-scorecard.png").is_file()
    alm = json.loads((tmp_path / "report" / "cities" / "almaty.json").read_text("utf-8"))
    assert alm["scorecard"]["previous_date"] == "2021-04-20"
    radar = alm["figures"]["radar"]
    assert len(radar["axes"]) == 10 and len(radar["series"]) == 3   # latest, previous, median


def test_report_without_scorecard_tables(tmp_path):
    _store(tmp_path, [("osh", "Osh", "Ош", "KGZ")]).close()
    html = build_report(tmp_path).read_text(encoding="utf-8")
    assert 'id="scorecards"' not in html
