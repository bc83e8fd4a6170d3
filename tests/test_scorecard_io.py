"""Scorecard files: YAML, CSV and Excel, round trips and row-level errors."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from carlcities.errors import ScorecardError, WorkbookError
from carlcities.scorecard import (
    Answer,
    Assessment,
    questions,
    read_answers,
    read_csv,
    read_workbook,
    read_yaml,
    score_assessment,
    write_csv,
    write_template,
    write_workbook,
    write_yaml,
)
from carlcities.scorecard.demo import demo_assessments


def _sample() -> Assessment:
    a = Assessment("osh", dt.date(2024, 5, 14), source="workshop")
    for k, q in enumerate(questions()):
        if k % 9 == 4:
            continue                                   # a partial scorecard
        a.set(Answer(q.id, k % 4, f"note {k}" if k % 3 == 0 else "",
                     ("planning office", "water utility") if k % 5 == 0 else ()))
    return a


def test_yaml_round_trip(tmp_path):
    a = _sample()
    b = read_yaml(write_yaml(a, tmp_path / "a.yaml"))
    assert b.answers == a.answers and b.city_id == "osh" and b.assessment_date == a.assessment_date
    assert not b.complete and b.completeness == pytest.approx(len(a.answers) / 47)


def test_csv_round_trip(tmp_path):
    a = _sample()
    b = read_csv(write_csv(a, tmp_path / "a.csv"))
    assert b.answers == a.answers and b.assessment_date == a.assessment_date


def test_workbook_round_trip_same_scores(tmp_path):
    for a in [_sample(), *demo_assessments(["osh"])]:
        p = write_workbook(a, tmp_path / f"{a.city_id}.xlsx")
        wb = load_workbook(p)
        assert wb.sheetnames == ["Summary"] + [f"Essential {k}" for k in range(1, 11)]
        assert wb["Essential 2"]["A2"].value == "Номер вопроса"
        b = read_workbook(p)
        assert b.answers == a.answers
        assert (b.city_id, b.assessment_date, b.level, b.synthetic) == (
            a.city_id, a.assessment_date, a.level, a.synthetic)
        assert score_assessment(b).rows() == score_assessment(a).rows()


def _shuffle_workbook(src, dst):
    """Shift the header down 3 rows, reverse the column order and add an extra sheet."""
    wb = load_workbook(src)
    for ws in wb.worksheets[1:]:
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        ws.delete_rows(1, ws.max_row)
        ws.cell(1, 1, "Official-style title row")
        ws.cell(2, 1, "Response guidance ...")
        for i, r in enumerate(rows, start=4):
            for j, v in enumerate(reversed(r), start=1):
                ws.cell(i, j, v)
    wb.create_sheet("Notes").cell(1, 1, "anything")
    wb.save(dst)


def test_workbook_tolerates_shifted_header_column_order_and_extra_sheets(tmp_path):
    a = _sample()
    src = write_workbook(a, tmp_path / "a.xlsx")
    _shuffle_workbook(src, tmp_path / "b.xlsx")
    assert read_workbook(tmp_path / "b.xlsx").answers == a.answers


def test_workbook_bad_cell_names_address(tmp_path):
    p = write_workbook(_sample(), tmp_path / "a.xlsx")
    wb = load_workbook(p)
    ws = wb["Essential 2"]
    ws["F7"] = "high"     # row 7 = 5th question of Essential 2? there are 4: put an id there too
    ws["A7"] = "P2.4"
    ws["A6"] = "P2.9"
    ws["F5"] = 5
    wb.save(p)
    with pytest.raises(WorkbookError) as e:
        read_workbook(p)
    msg = str(e.value)
    assert "Essential 2!F7: 'high' is not a number 0–3" in msg
    assert "Essential 2!F6: unknown question id 'P2.9'" in msg
    assert "Essential 2!F5: 5 is outside 0–3" in msg
    assert "fix: type a whole number from 0 to 3" in msg


def test_workbook_missing_sheet_and_column(tmp_path):
    p = write_workbook(_sample(), tmp_path / "a.xlsx")
    wb = load_workbook(p)
    del wb["Essential 4"]
    wb["Essential 5"]["F1"] = "Points?"
    wb["Essential 5"]["F2"] = None
    wb.save(p)
    with pytest.raises(WorkbookError) as e:
        read_workbook(p)
    msg = str(e.value)
    assert "sheet 'Essential 4': is missing" in msg and "carlcities scorecard template" in msg
    assert "Essential 5!1: the header row has no 'Score' column" in msg


def test_yaml_errors_name_lines(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("city_id: osh\nassessment_date: 2024-05-14\nanswers:\n  P1.1: 2\n"
                 "  P1.2: {score: 7}\n  P9.9: 1\n  P2.1: lots\n  P1.1: 3\n", encoding="utf-8")
    with pytest.raises(ScorecardError) as e:
        read_yaml(p)
    msg = str(e.value)
    assert "line 5 (P1.2 score): 7 is outside 0–3" in msg
    assert "line 6: unknown question id 'P9.9'" in msg
    assert "line 7 (P2.1 score): 'lots' is not a number 0–3" in msg
    assert "line 8: P1.1 is answered twice" in msg


def test_csv_errors_name_rows(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("city_id,assessment_date,question_id,score\nosh,2024-05-14,P1.1,2\n"
                 "osh,2024-05-14,P1.2,2.5\nosh,2024-05-14,X1,1\n", encoding="utf-8")
    with pytest.raises(ScorecardError) as e:
        read_csv(p)
    assert "row 3 (P1.2 score): 2.5 is not a whole number" in str(e.value)
    assert "row 4: unknown question id 'X1'" in str(e.value)


def test_partial_csv_accepted(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("question_id,score,evidence\nP1.1,3,plan 2021\n2.1,,\n", encoding="utf-8")
    a = read_csv(p, city_id="osh", assessment_date=dt.date(2024, 1, 1))
    assert a.score_of("P1.1") == 3 and a.score_of("P2.1") is None
    assert a.answered == 1 and not a.complete


def test_templates(tmp_path):
    y = write_template(tmp_path / "t.yaml", city_id="osh")
    assert "# P1.1 · Essential 1" in y.read_text(encoding="utf-8")
    assert len(read_answers(y).answers) == 47
    x = write_template(tmp_path / "t.xlsx", level="detailed", city_id="osh")
    a = read_answers(x)
    assert a.level == "detailed" and a.answered == 0
    assert len(read_answers(write_template(tmp_path / "t.csv", city_id="osh")).answers) == 47
    with pytest.raises(ScorecardError, match="unknown answers file type"):
        read_answers(tmp_path / "t.txt")
