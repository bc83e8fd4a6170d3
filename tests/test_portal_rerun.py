"""Answers and surveys edited in the portal reach a re-run: export_scorecards writes the files
``data.scorecards_dir`` and ``data.surveys_dir`` name; the scorecard stage scores them, the run
key changes with them, and the check before work reads them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from argon2 import PasswordHasher

from carlcities.catalog import load_catalog
from carlcities.config import StudyConfig
from carlcities.errors import PreflightError, ScorecardError
from carlcities.portal.accounts import AccountStore
from carlcities.preflight import check_inputs
from carlcities.runplan import run_key
from carlcities.scorecard import run_scorecards
from carlcities.scorecard.io import write_yaml
from carlcities.scorecard.model import Answer, Assessment
from carlcities.store import Store

PW = "correct horse battery"
CRIT = ("risk_reduction", "emissions", "cost")


def _portal(tmp_path):
    s = AccountStore(tmp_path / "portal.sqlite",
                     hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    s.create_user("ed", PW, "editor", ["osh", "bishkek"])
    ed = s.user("ed")
    s.save_answer(ed, "osh", "preliminary", "P1.1", 3, "plan adopted", "https://e.org/p", 0)
    s.save_answer(ed, "osh", "preliminary", "P2.1", 0, "no hazard maps", "", 0)
    s.save_answer(ed, "bishkek", "detailed", "D1.1.1", 4, "", "", 0)
    for r, v in (("r1", 3), ("r2", 5)):
        s.save_survey(ed, "osh", "emergency_ministry", r,
                      {(CRIT[0], CRIT[1]): v, (CRIT[0], CRIT[2]): 4, (CRIT[1], CRIT[2]): 1})
    return s


def _cfg(tmp_path, **data):
    return StudyConfig.model_validate({
        "data": {"scorecards_dir": str(tmp_path / "portal" / "scorecards"),
                 "surveys_dir": str(tmp_path / "portal" / "surveys"), **data},
        "scorecard": {"demo": False}})


def test_portal_answers_flow_into_the_run(tmp_path):
    portal = _portal(tmp_path)
    portal.export_scorecards(tmp_path / "portal")
    # a configured file for osh's preliminary level wins over the portal's
    a = Assessment("osh", dt.date(2023, 3, 1))
    a.set(Answer("P2.1", 2, "configured", ("DRR office",)))
    own = write_yaml(a, tmp_path / "osh_own.yaml")
    cat = load_catalog()
    cfg_portal = _cfg(tmp_path)
    st = Store(tmp_path / "study.duckdb", study="t")
    try:
        res = run_scorecards(st.con, cfg_portal, cat, tmp_path)
        assert sorted(res.cities) == ["bishkek", "osh"] and res.assessments == 2
        rows = st.con.execute(
            "SELECT city_id, level, question_id, score, evidence, respondents, source FROM "
            "scorecard_answers WHERE score IS NOT NULL ORDER BY 1, 3").fetchall()
        assert rows == [
            ("bishkek", "detailed", "D1.1.1", 4, "", "ed", "carlcities portal"),
            ("osh", "preliminary", "P1.1", 3, "plan adopted — https://e.org/p", "ed",
             "carlcities portal"),
            ("osh", "preliminary", "P2.1", 0, "no hazard maps", "ed", "carlcities portal")]
        prof = json.loads((tmp_path / "exports" / "weights_emergency_ministry.json")
                          .read_text("utf-8"))
        assert not prof["synthetic"] and set(prof["weights"]) == set(CRIT)
        assert {r["respondent"] for r in prof["respondents"]} == {"osh/r1", "osh/r2"}

        cfg_both = _cfg(tmp_path, scorecards={"osh": str(own)})
        st.con.execute("DELETE FROM scorecard_answers")
        run_scorecards(st.con, cfg_both, cat, tmp_path)
        osh = st.con.execute("SELECT DISTINCT source FROM scorecard_answers WHERE city_id = "
                             "'osh'").fetchall()
        assert osh == [("",)]                      # the configured file (no source given)
        p21 = st.con.execute("SELECT score, evidence FROM scorecard_answers WHERE city_id = "
                             "'osh' AND question_id = 'P2.1'").fetchone()
        assert p21 == (2, "configured")
    finally:
        st.close()

    # the run key follows the exported files: a new edit means "something changed"
    k1 = run_key(cfg_portal, {}, report=False)
    assert run_key(cfg_portal, {}, report=False) == k1
    portal.save_answer(portal.user("ed"), "osh", "preliminary", "P2.1", 1, "maps ordered", "", 1)
    portal.export_scorecards(tmp_path / "portal")
    assert run_key(cfg_portal, {}, report=False) != k1
    portal.close()


def test_check_before_work_reads_the_export(tmp_path):
    portal = _portal(tmp_path)
    portal.export_scorecards(tmp_path / "portal")
    portal.close()
    cat = load_catalog()
    cfg = _cfg(tmp_path)
    rep = check_inputs(cfg, [cat.get("osh")], cat)
    assert rep.problems == []
    assert len({c for c in rep.checked if "portal" in c}) == 3    # 2 answers files, 1 survey
    bad = tmp_path / "portal" / "scorecards" / "atlantis_preliminary.yaml"
    bad.write_text("city_id: atlantis\nassessment_date: 2024-01-01\nanswers:\n  P1.1: 2\n",
                   "utf-8")
    rep = check_inputs(cfg, [cat.get("osh")], cat)
    assert len(rep.problems) == 1 and "atlantis_preliminary.yaml" in str(rep.problems[0])
    missing = StudyConfig.model_validate({"data": {"scorecards_dir": str(tmp_path / "none")}})
    rep = check_inputs(missing, [cat.get("osh")], cat)
    assert len(rep.problems) == 1 and "does not exist" in str(rep.problems[0])
    assert isinstance(rep.problems[0], ScorecardError)
    with pytest.raises((ScorecardError, PreflightError)):
        st = Store(tmp_path / "s2.duckdb", study="t")
        try:
            run_scorecards(st.con, missing, cat, tmp_path)
        finally:
            st.close()


def test_with_portal_inputs(tmp_path):
    from carlcities.config import default_config
    from carlcities.portal.rerun import export_for_run, with_portal_inputs

    portal = _portal(tmp_path)
    d = export_for_run(portal, tmp_path / "out")
    portal.close()
    assert (d / "scorecards" / "osh_preliminary.yaml").is_file()
    cfg = default_config()
    new = with_portal_inputs(cfg, d)
    assert new.data.scorecards_dir == str((d / "scorecards").resolve())
    assert new.data.surveys_dir == str((d / "surveys").resolve())
    assert cfg.data.scorecards_dir is None and new.sha256() != cfg.sha256()
    assert new.data.source == cfg.data.source and new.get("grid.res_m") == cfg.get("grid.res_m")
    cat = load_catalog()
    assert check_inputs(new, [cat.get("osh")], cat).problems == []
