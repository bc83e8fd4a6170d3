"""Scorecard answers as Excel workbooks laid out like the official UNDRR one.

A ``Summary`` sheet (the assessment's facts and the scores) and one sheet per Essential
(``Essential 1`` … ``Essential 10``) with the columns Question ID, Essential, Topic, Question,
Question (RU), Score, Evidence, Respondents — English headers with the Russian ones in the row
below. The reader finds the header row wherever it is in the first 40 rows, takes the columns
in any order, and ignores extra sheets, columns and rows that hold no question id.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from ..errors import InputFileError, WorkbookError
from ..files import write_atomic
from .cells import (
    COLUMNS,
    HEADER_SCAN_ROWS,
    ID_LIKE,
    SUMMARY_SHEET,
    Collector,
    column_key,
    level_from_ids,
    make_answer,
    norm_header,
    normalise_qid,
    open_check,
    parse_bool,
    parse_date,
    sheet_name,
)
from .model import SCORECARD_VERSION, Assessment
from .questions import ESSENTIALS, LEVELS, questions

__all__ = ["read_workbook", "write_workbook"]


def write_workbook(a: Assessment, path: str | Path) -> Path:
    """Write ``a`` as an Excel workbook: ``Summary`` plus one sheet per Essential.

    Each Essential sheet: English headers in row 1, Russian in row 2, one question per row from
    row 3; the Score column accepts only whole numbers 0–3 (or 0–5).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from .scoring import score_assessment

    wb = Workbook()
    ws = wb.active
    ws.title = SUMMARY_SHEET
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    ws["A1"] = "Disaster resilience scorecard / Оценка устойчивости к бедствиям"
    ws["A1"].font = Font(bold=True, size=13)
    facts = [("City id", "Код города", a.city_id), ("Level", "Уровень", a.level),
             ("Assessment date", "Дата оценки", a.assessment_date),
             ("Version", "Версия", a.version), ("Synthetic", "Синтетические",
                                                 "yes" if a.synthetic else "no"),
             ("Source", "Источник", a.source)]
    for i, (en, ru, v) in enumerate(facts, start=3):
        ws.cell(i, 1, en).font = bold
        ws.cell(i, 2, v)
        ws.cell(i, 3, ru)
    if isinstance(ws.cell(5, 2).value, dt.date):
        ws.cell(5, 2).number_format = "yyyy-mm-dd"
    r0 = 3 + len(facts) + 1
    heads = [("Essential", "Раздел"), ("Name", "Название"), ("Название", ""),
             ("Score", "Балл"), ("Max score", "Максимум"), ("Share", "Доля"),
             ("Answered", "Отвечено"), ("Questions", "Вопросов")]
    for j, (en, ru) in enumerate(heads, start=1):
        ws.cell(r0, j, en).font = bold
        ws.cell(r0 + 1, j, ru).font = Font(italic=True)
    res = score_assessment(a)
    for i, s in enumerate(res.rows(), start=r0 + 2):
        e = ESSENTIALS[s.essential - 1] if s.essential else None
        vals = [s.essential if e else "Total / Итого", e.name_en if e else "",
                e.name_ru if e else "", s.score, s.max_score,
                None if s.share is None else round(s.share, 4), s.answered, s.questions]
        for j, v in enumerate(vals, start=1):
            ws.cell(i, j, v)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 44

    order = list(COLUMNS)
    widths = {"question_id": 11, "essential": 10, "topic": 24, "question": 60,
              "question_ru": 60, "score": 8, "evidence": 40, "respondents": 28}
    for e in ESSENTIALS:
        sh = wb.create_sheet(sheet_name(e.number))
        for j, k in enumerate(order, start=1):
            c = sh.cell(1, j, COLUMNS[k][0])
            c.font, c.fill = bold, head_fill
            c2 = sh.cell(2, j, COLUMNS[k][1])
            c2.font, c2.fill = Font(italic=True), head_fill
            sh.column_dimensions[c.column_letter].width = widths[k]
        sc = order.index("score") + 1
        dv = DataValidation(type="whole", operator="between", formula1="0",
                            formula2=str(a.max_score), allow_blank=True, showErrorMessage=True,
                            errorTitle="Score / Оценка",
                            error=f"0–{a.max_score}, or empty / или пусто")
        sh.add_data_validation(dv)
        for i, q in enumerate(questions(a.level, e.number), start=3):
            ans = a.answers.get(q.id)
            qvals = {"question_id": q.id, "essential": q.essential, "topic": q.topic_en,
                     "question": q.text_en, "question_ru": q.text_ru,
                     "score": None if ans is None else ans.score,
                     "evidence": "" if ans is None else ans.evidence,
                     "respondents": "" if ans is None else "; ".join(ans.respondents)}
            for j, k in enumerate(order, start=1):
                cell = sh.cell(i, j, qvals[k] if qvals[k] != "" else None)
                if k in ("question", "question_ru", "evidence"):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            dv.add(sh.cell(i, sc))
        sh.freeze_panes = "A3"
    bio = io.BytesIO()
    wb.save(bio)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, bio.getvalue())
    return path


def find_header(ws, need: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """(row, column key -> column index) of the first row holding every column in ``need``."""
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS):
        cols: dict[str, int] = {}
        for c in row:
            k = column_key(c.value)
            if k and k not in cols:
                cols[k] = c.column
        if all(k in cols for k in need):
            return row[0].row, cols
    return None


def essential_sheets(wb) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for ws in wb.worksheets:
        m = re.fullmatch(r"(?:essential|ess|e|раздел)\s*0?(\d{1,2})", norm_header(ws.title))
        if m and 1 <= int(m.group(1)) <= 10:
            found.setdefault(int(m.group(1)), ws)
    return found


def summary_facts(ws) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, max_col=4):
        for c in row[:-1]:
            k = column_key(c.value)
            if k in ("city_id", "assessment_date", "level", "version", "synthetic", "source") \
                    and k not in facts:
                facts[k] = row[c.column].value   # the cell to its right
    return facts


def read_workbook(path: str | Path, *, city_id: str | None = None,
                  assessment_date: dt.date | None = None, level: str | None = None
                  ) -> Assessment:
    """Read a scorecard workbook (ours, or one laid out like the official one).

    Needs the ``Summary`` sheet (city id, level, date; or pass them) and the ten Essential
    sheets; in each, a header row with at least *Question ID* and *Score* (English or Russian,
    any order, anywhere in the first 40 rows). Extra sheets and columns are ignored.
    """
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = open_check(Path(path))
    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"not a readable Excel workbook ({exc})", path=path,
                             fix="save it as .xlsx from Excel or LibreOffice") from None
    col = Collector(path, WorkbookError)
    facts: dict[str, Any] = {}
    if SUMMARY_SHEET in wb.sheetnames:
        facts = summary_facts(wb[SUMMARY_SHEET])
    elif not (city_id and assessment_date):
        col.add(f"sheet {SUMMARY_SHEET!r}", "is missing (it holds the city id and the "
                "assessment date)", f"add a {SUMMARY_SHEET!r} sheet with 'City id' and "
                "'Assessment date' rows, or pass the city and the date")
    sheets = essential_sheets(wb)
    for e in ESSENTIALS:
        if e.number not in sheets:
            col.add(f"sheet {sheet_name(e.number)!r}", "is missing",
                    f"add the sheet (named '{sheet_name(e.number)}'), e.g. by copying it from "
                    "`carlcities scorecard template --out template.xlsx`")
    city = city_id or (str(facts["city_id"]).strip() if facts.get("city_id") else None)
    date = assessment_date or parse_date(facts.get("assessment_date"))
    if SUMMARY_SHEET in wb.sheetnames and not city:
        col.add(f"{SUMMARY_SHEET}!B3", "no city id", "write the city id next to 'City id'")
    if SUMMARY_SHEET in wb.sheetnames and date is None:
        col.add(f"{SUMMARY_SHEET}!B5", "no assessment date",
                "write the date (YYYY-MM-DD) next to 'Assessment date'")
    # header rows and the raw rows, before the level is known
    raw: list[tuple[str, Any, Any, Any, Any]] = []
    for _num, ws in sorted(sheets.items()):
        hdr = find_header(ws, ("question_id", "score"))
        if hdr is None:
            partial = find_header(ws, ("question_id",)) or find_header(ws, ("score",))
            if partial:
                miss = "Score" if "score" not in partial[1] else "Question ID"
                ru = COLUMNS[column_key(miss) or "score"][1]
                col.add(f"{ws.title}!{partial[0]}", f"the header row has no {miss!r} column",
                        f"add a column headed {miss!r} ({ru})")
            else:
                col.add(f"sheet {ws.title!r}", f"no header row with 'Question ID' and 'Score' "
                        f"in rows 1–{HEADER_SCAN_ROWS}",
                        "put the column headers (Question ID, Score, Evidence, Respondents) in "
                        "one row above the questions")
            continue
        hrow, cols = hdr
        for row in ws.iter_rows(min_row=hrow + 1):
            byc = {c.column: c for c in row}
            qc = byc.get(cols["question_id"])
            if qc is None or qc.value is None or str(qc.value).strip() == "":
                continue
            if column_key(qc.value) == "question_id" or not ID_LIKE.match(str(qc.value).strip()):
                continue        # the Russian header row, notes and other text rows
            sc = byc.get(cols["score"])
            ev = byc.get(cols["evidence"]) if "evidence" in cols else None
            rp = byc.get(cols["respondents"]) if "respondents" in cols else None
            addr = f"{ws.title}!{sc.coordinate if sc is not None else qc.coordinate}"
            raw.append((addr, qc.value, None if sc is None else sc.value,
                        None if ev is None else ev.value, None if rp is None else rp.value))
    lvl = level or (str(facts["level"]).strip() if facts.get("level") else None) \
        or level_from_ids([normalise_qid(r[1], None) for r in raw]) or "preliminary"
    if lvl not in LEVELS:
        col.add(f"{SUMMARY_SHEET}!B4", f"unknown level {lvl!r}", "use preliminary or detailed")
        lvl = "preliminary"
    a = Assessment(city or "", date or dt.date.today(), lvl,
                   str(facts.get("version") or SCORECARD_VERSION),
                   synthetic=parse_bool(facts.get("synthetic", False)),
                   source=str(facts.get("source") or path.name))
    seen: dict[str, str] = {}
    for addr, qv, sv, ev, rp in raw:
        if all(v is None or str(v).strip() == "" for v in (sv, ev, rp)):
            seen.setdefault(normalise_qid(qv, lvl), addr)     # an empty row: not answered
            continue
        ans = make_answer(col, addr, qv, sv, ev, rp, lvl, seen)
        if ans is not None:
            a.answers[ans.question_id] = ans
    col.raise_if_any()
    return a


