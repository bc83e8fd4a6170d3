"""`carlcities scorecard ...`: the interactive fill (scripted stdin) and the other commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carlcities.cli.scorecard import scorecard_app
from carlcities.scorecard import read_yaml
from carlcities.scorecard.demo import demo_assessments, demo_survey_rows
from carlcities.scorecard.io import write_yaml

runner = CliRunner()


def test_help_everywhere():
    r = runner.invoke(scorecard_app, ["--help"])
    assert r.exit_code == 0 and "Ten Essentials" in r.output
    for cmd in ("fill", "score", "import-xlsx", "export-xlsx", "survey", "template"):
        r = runner.invoke(scorecard_app, [cmd, "--help"])
        assert r.exit_code == 0 and "Example" in r.output, cmd


def test_fill_quit_and_resume(tmp_path):
    f = tmp_path / "osh.yaml"
    # respondents; P1.1 = 2 with a note; P1.2 bad input then 3; P1.3 skipped; back to P1.3
    # and score it 1; then quit
    script = "DRR office; planning\n2\nmaster plan 2021\nhigh\n3\n\ns\nb\n1\n\nq\n"
    r = runner.invoke(scorecard_app, ["fill", "osh", "--file", str(f)], input=script)
    assert r.exit_code == 0, r.output
    assert "1/47" in r.output and "Plan making / Планирование" in r.output
    assert "'high' is not a score" in r.output and "Run the same command again" in r.output
    a = read_yaml(f)
    assert a.city_id == "osh" and a.score_of("P1.1") == 2 and a.score_of("P1.2") == 3
    assert a.answers["P1.1"].evidence == "master plan 2021"
    assert a.answers["P1.1"].respondents == ("DRR office", "planning")
    assert a.score_of("P1.3") == 1 and "P2.1" not in a.answers
    # resume: starts at question 4 (P2.1); Ctrl-D (end of input) saves and stops
    r = runner.invoke(scorecard_app, ["fill", "osh", "--file", str(f), "-r", "DRR office"],
                      input="0\n\n")
    assert r.exit_code == 0, r.output
    assert "resuming" in r.output and "4/47" in r.output
    assert read_yaml(f).score_of("P2.1") == 0


def test_fill_to_the_end(tmp_path):
    f = tmp_path / "osh.yaml"
    script = "\n" + "3\n\n" * 47
    r = runner.invoke(scorecard_app, ["fill", "Ош", "--file", str(f)], input=script)
    assert r.exit_code == 0, r.output
    assert "done" in r.output and "141/141" in r.output
    assert read_yaml(f).complete


def test_fill_unknown_city_exit_2(tmp_path):
    r = runner.invoke(scorecard_app, ["fill", "oshh", "--file", str(tmp_path / "x.yaml")])
    assert r.exit_code == 2 and "unknown city" in r.output


def test_score_import_export(tmp_path):
    old, new = demo_assessments(["almaty"])
    p1 = write_yaml(old, tmp_path / "old.yaml")
    p2 = write_yaml(new, tmp_path / "new.yaml")
    r = runner.invoke(scorecard_app, ["score", str(p1), str(p2)])
    assert r.exit_code == 0, r.output
    assert "change 2021-04-20 → 2024-05-15" in r.output and "Total / Итого" in r.output
    x = tmp_path / "new.xlsx"
    r = runner.invoke(scorecard_app, ["export-xlsx", str(p2), "--out", str(x)])
    assert r.exit_code == 0 and x.is_file()
    back = tmp_path / "back.yaml"
    r = runner.invoke(scorecard_app, ["import-xlsx", str(x), "--out", str(back)])
    assert r.exit_code == 0, r.output
    assert read_yaml(back).answers == new.answers


def test_score_bad_file_exit_2(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("city_id: osh\nassessment_date: 2024-01-01\nanswers: {P1.1: 9}\n",
                 encoding="utf-8")
    r = runner.invoke(scorecard_app, ["score", str(p)])
    assert r.exit_code == 2 and "9 is outside 0–3" in r.output


def test_survey_command(tmp_path):
    import csv

    p = tmp_path / "s.csv"
    rows = demo_survey_rows()
    with p.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "w.json"
    r = runner.invoke(scorecard_app, ["survey", str(p), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "inconsistent" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["profiles"]) == {"emergency_ministry", "city_finance", "environment_agency"}
    assert data["profiles"]["city_finance"]["kendall_w"] is not None


@pytest.mark.parametrize("suffix", ["yaml", "xlsx", "csv"])
def test_template_command(tmp_path, suffix):
    out = tmp_path / f"t.{suffix}"
    r = runner.invoke(scorecard_app, ["template", "--out", str(out), "--city", "osh"])
    assert r.exit_code == 0 and out.is_file()
