"""Scorecard answers in and out: YAML, CSV and Excel workbooks laid out like the official one.

Every reader checks the whole file first and raises one :class:`~carlcities.errors.ScorecardError`
listing every bad row or cell — where it is (``line 12``, ``row 7``, ``Essential 2!E7``), what is
wrong and what to do. Questions left empty are not errors: the assessment is scored and marked
incomplete.

YAML::

    city_id: osh
    level: preliminary            # or detailed
    assessment_date: 2024-05-14
    version: UNDRR 2017 (carlcities wording v1)
    synthetic: false
    source: city workshop, 14 May 2024
    answers:
      P1.1: {score: 2, evidence: "master plan 2021, chapter 7", respondents: [DRR department]}
      P1.2: 3                     # a bare number is a score without notes
      P1.3: {score: null}         # skipped

CSV: one row per answer with columns ``question_id, score, evidence, respondents`` (respondents
separated by ``;``) and, on every row or passed as arguments, ``city_id, assessment_date`` and
optionally ``level, version``.

Excel: a ``Summary`` sheet (the assessment's facts and the scores) and one sheet per Essential
(``Essential 1`` … ``Essential 10``) with the columns Question ID, Essential, Topic, Question,
Question (RU), Score, Evidence, Respondents — English headers with the Russian ones in the row
below. The reader finds the header row wherever it is in the first 40 rows, takes the columns
in any order, and ignores extra sheets, columns and rows that hold no question id.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputFileError, ScorecardError, WorkbookError
from .model import SCORECARD_VERSION, Answer, Assessment
from .questions import ESSENTIALS, LEVELS, SCALE, is_question, question, questions

__all__ = [
    "read_answers", "read_csv", "read_workbook", "read_yaml", "write_answers", "write_csv",
    "write_template", "write_workbook", "write_yaml", "SUMMARY_SHEET", "sheet_name",
]

SUMMARY_SHEET = "Summary"
#: column key -> (English header, Russian header)
COLUMNS: dict[str, tuple[str, str]] = {
    "question_id": ("Question ID", "Номер вопроса"),
    "essential": ("Essential", "Раздел"),
    "topic": ("Topic", "Тема"),
    "question": ("Question", "Вопрос"),
    "question_ru": ("Question (RU)", "Вопрос (рус.)"),
    "score": ("Score", "Оценка"),
    "evidence": ("Evidence", "Обоснование"),
    "respondents": ("Respondents", "Участники"),
}
_SYNONYMS: dict[str, set[str]] = {
    "question_id": {"question id", "questionid", "question no", "question number", "id", "qid",
                    "number", "no", "номер вопроса", "код вопроса", "номер", "код", "№"},
    "score": {"score", "scores", "response", "оценка", "балл", "баллы"},
    "evidence": {"evidence", "evidence notes", "means of verification", "comments", "comment",
                 "notes", "обоснование", "подтверждение", "комментарий", "комментарии",
                 "примечания"},
    "respondents": {"respondents", "respondent", "answered by", "участники", "респонденты"},
    "city_id": {"city id", "city_id", "city", "город"},
    "assessment_date": {"assessment date", "assessment_date", "date", "дата оценки", "дата"},
    "level": {"level", "уровень"},
    "version": {"version", "версия"},
    "synthetic": {"synthetic", "синтетические"},
    "source": {"source", "источник"},
}
_ID_LIKE = re.compile(r"^[PDpd]?\d{1,2}(\.\d{1,2}){1,2}$")
_HEADER_SCAN_ROWS = 40


def sheet_name(essential: int) -> str:
    """Name of an Essential's sheet: ``Essential 2``."""
    return f"Essential {essential}"


def _norm(v: Any) -> str:
    s = "" if v is None else str(v)
    s = re.sub(r"\(.*?\)|\[.*?\]", " ", s)           # "Score (0-3)" -> "score"
    s = re.sub(r"[^\w№ ]+|_", " ", s.lower().replace("ё", "е"))
    return re.sub(r"\s+", " ", s).strip()


_LOOKUP = {_norm(s): k for k, syn in _SYNONYMS.items() for s in syn}


def _column_key(v: Any) -> str | None:
    return _LOOKUP.get(_norm(v))


# ------------------------------------------------------------------------------ cell values
def _score(raw: Any, top: int) -> tuple[int | None, str | None]:
    """(score, problem): empty -> (None, None); a whole number 0..top -> (n, None)."""
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "—")):
        return None, None
    if isinstance(raw, bool):
        return None, f"{raw!r} is not a number 0–{top}"
    if isinstance(raw, str):
        txt = raw.strip().replace(",", ".")
        try:
            raw = float(txt)
        except ValueError:
            return None, f"{raw!r} is not a number 0–{top}"
    if isinstance(raw, (int, float)):
        if raw != raw or float(raw) != int(raw):
            return None, f"{raw!r} is not a whole number 0–{top}"
        n = int(raw)
        if not 0 <= n <= top:
            return None, f"{n} is outside 0–{top}"
        return n, None
    return None, f"{raw!r} is not a number 0–{top}"


def _score_fix(top: int) -> str:
    return (f"type a whole number from 0 to {top} ("
            + "; ".join(f"{k} = {v[0]}" for k, v in SCALE[_level_of_top(top)].items())
            + "), or leave it empty to mark the question unanswered")


def _level_of_top(top: int) -> str:
    return next(lv for lv, t in LEVELS.items() if t == top)


def _respondents(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        return tuple(str(r).strip() for r in raw if str(r).strip())
    return tuple(p.strip() for p in re.split(r"[;\n]", str(raw)) if p.strip())


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        return None


def _bool(raw: Any) -> bool:
    return str(raw).strip().lower() in ("true", "yes", "1", "да", "y")


def _qid(raw: Any, level: str | None) -> str:
    """A question id as written, normalised: '2.1' -> 'P2.1' (preliminary), 'd2.1.3' -> 'D2.1.3'."""
    s = str(raw).strip().upper()
    if s and s[0].isdigit():
        s = ("D" if s.count(".") == 2 or level == "detailed" else "P") + s
    return s


def _level_from_ids(ids: list[str]) -> str | None:
    kinds = {"detailed" if i.startswith("D") else "preliminary" for i in ids if is_question(i)}
    return kinds.pop() if len(kinds) == 1 else None


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _open_check(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputFileError("scorecard file not found", path=path,
                             fix="check the path; `carlcities scorecard template --out FILE` "
                                 "writes an empty one to fill in")
    return path


class _Collector:
    """Collects (where, what, fix) problems and raises them all at once."""

    def __init__(self, path: Path, kind: type[ScorecardError] = ScorecardError):
        self.path, self.kind, self.items = path, kind, []  # type: ignore[var-annotated]

    def add(self, where: str, what: str, fix: str) -> None:
        self.items.append((where, what, fix))

    def raise_if_any(self, message: str = "") -> None:
        if self.items:
            raise self.kind(message, path=self.path, problems=self.items)


def _answer(col: _Collector, where: str, qid_raw: Any, score_raw: Any, evidence: Any,
            respondents: Any, level: str, seen: dict[str, str]) -> Answer | None:
    qid = _qid(qid_raw, level)
    if not is_question(qid):
        near = ""
        try:
            question(qid)
        except ScorecardError as exc:
            near = exc.fix or ""
        col.add(where, f"unknown question id {str(qid_raw)!r}", near)
        return None
    q = question(qid)
    if q.level != level:
        col.add(where, f"{qid} is a {q.level} question, but this is a {level} assessment",
                fix="keep the questions of one level in one file")
        return None
    if qid in seen:
        col.add(where, f"{qid} is answered twice (first at {seen[qid]})",
                fix="keep one answer per question and delete the other")
        return None
    seen[qid] = where
    score, problem = _score(score_raw, q.max_score)
    if problem:
        col.add(f"{where} ({qid} score)" if "!" not in where else where, problem,
                _score_fix(q.max_score))
        return None
    ev = "" if evidence is None else str(evidence).strip()
    return Answer(qid, score, ev, _respondents(respondents))


# ------------------------------------------------------------------------------ YAML
def _yaml_lines(text: str) -> dict[str, int]:
    """answers key -> 1-based line, and duplicate keys as 'dup:KEY' -> line."""
    out: dict[str, int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return out
    if not isinstance(root, yaml.MappingNode):
        return out
    for k, v in root.value:
        out[f"top:{k.value}"] = k.start_mark.line + 1
        if k.value == "answers" and isinstance(v, yaml.MappingNode):
            for ak, _av in v.value:
                key = str(ak.value)
                out[f"dup:{key}" if key in out else key] = ak.start_mark.line + 1
    return out


def read_yaml(path: str | Path) -> Assessment:
    """Read an answers file in YAML (see the module docstring for the layout)."""
    path = _open_check(Path(path))
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ScorecardError(f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}",
                             path=path, fix="fix the YAML at that line (indent with spaces, "
                                            "'P1.1: {score: 2}')") from None
    if not isinstance(data, dict):
        raise ScorecardError("the file must be a mapping with city_id, assessment_date, level "
                             "and answers", path=path,
                             fix="start from `carlcities scorecard template --out FILE`")
    lines = _yaml_lines(text)
    col = _Collector(path)
    for key in ("city_id", "assessment_date"):
        if not data.get(key):
            col.add(f"line {lines.get('top:' + key, 1)}", f"{key} is missing",
                    f"add '{key}: ...' at the top of the file")
    date = _date(data.get("assessment_date"))
    if data.get("assessment_date") and date is None:
        col.add(f"line {lines.get('top:assessment_date', 1)}",
                f"assessment_date {data['assessment_date']!r} is not a date",
                "write the date as YYYY-MM-DD")
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        col.add(f"line {lines.get('top:answers', 1)}", "answers must be a mapping of question "
                "ids to scores", "write one 'P1.1: {score: 2}' line per question")
        answers = {}
    level = str(data.get("level") or _level_from_ids([_qid(k, None) for k in answers])
                or "preliminary")
    if level not in LEVELS:
        col.add(f"line {lines.get('top:level', 1)}", f"unknown level {level!r}",
                "use 'preliminary' or 'detailed'")
        level = "preliminary"
    for k, ln in lines.items():
        if k.startswith("dup:"):
            col.add(f"line {ln}", f"{k[4:]} is answered twice", "keep one answer per question")
    seen: dict[str, str] = {}
    a = Assessment(str(data.get("city_id") or ""), date or dt.date.today(), level,
                   str(data.get("version") or SCORECARD_VERSION), {},
                   _bool(data.get("synthetic", False)), str(data.get("source") or ""),
                   str(data.get("notes") or ""))
    for k, v in answers.items():
        where = f"line {lines.get(str(k), 1)}"
        if isinstance(v, dict):
            unknown = set(v) - {"score", "evidence", "respondents"}
            if unknown:
                col.add(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                        "an answer has score, evidence and respondents only")
            ans = _answer(col, where, k, v.get("score"), v.get("evidence"),
                          v.get("respondents"), level, seen)
        else:
            ans = _answer(col, where, k, v, None, None, level, seen)
        if ans is not None:
            a.answers[ans.question_id] = ans
    col.raise_if_any()
    return a


def _flow(d: dict[str, Any]) -> str:
    return yaml.safe_dump(d, default_flow_style=True, allow_unicode=True, width=10**6,
                          sort_keys=False).strip()


def write_yaml(a: Assessment, path: str | Path, *, comments: bool = False,
               all_questions: bool = False) -> Path:
    """Write ``a`` as YAML (atomically). ``comments`` adds each question's text above it;
    ``all_questions`` lists unanswered questions too (``score: null``)."""
    head = {"city_id": a.city_id, "level": a.level,
            "assessment_date": a.assessment_date.isoformat(), "version": a.version,
            "synthetic": a.synthetic, "source": a.source}
    if a.notes:
        head["notes"] = a.notes
    out = ["# carlcities scorecard answers — ответы оценки устойчивости к бедствиям",
           f"# score 0–{a.max_score}: " + "; ".join(f"{k} = {v[0]}"
                                                    for k, v in SCALE[a.level].items()),
           yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=10**6).rstrip(),
           "answers:"]
    n = 0
    for q in a.questions:
        ans = a.answers.get(q.id)
        if ans is None and not all_questions:
            continue
        if comments:
            out.append(f"  # {q.id} · Essential {q.essential} · {q.topic_en}: {q.text_en}")
            out.append(f"  #   {q.topic_ru}: {q.text_ru}")
        d: dict[str, Any] = {"score": None if ans is None else ans.score}
        if ans is not None and ans.evidence:
            d["evidence"] = ans.evidence
        if ans is not None and ans.respondents:
            d["respondents"] = list(ans.respondents)
        out.append(f"  {q.id}: {_flow(d)}")
        n += 1
    if n == 0:
        out[-1] = "answers: {}"
    path = Path(path)
    _atomic_write(path, ("\n".join(out) + "\n").encode("utf-8"))
    return path


# ------------------------------------------------------------------------------ CSV
def read_csv(path: str | Path, *, city_id: str | None = None,
             assessment_date: dt.date | None = None, level: str | None = None) -> Assessment:
    """Read an answers file in CSV (one row per answer; see the module docstring)."""
    path = _open_check(Path(path))
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    col = _Collector(path)
    if not rows:
        raise ScorecardError("the CSV file is empty", path=path,
                             fix="write a header row: question_id,score,evidence,respondents")
    keys = [_column_key(h) for h in rows[0]]
    missing = [c for c in ("question_id", "score") if c not in keys]
    if missing:
        raise ScorecardError(f"row 1: no {' or '.join(missing)} column in the header "
                             f"({', '.join(rows[0])})", path=path,
                             fix="name the columns question_id, score, evidence, respondents")
    idx = {k: keys.index(k) for k in set(keys) if k}

    def get(r: list[str], k: str) -> str | None:
        i = idx.get(k)
        return r[i] if i is not None and i < len(r) else None

    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    ids = [_qid(get(r, "question_id") or "", None) for _n, r in body]
    facts: dict[str, set[str]] = {}
    for k in ("city_id", "assessment_date", "level", "version", "source"):
        facts[k] = {v.strip() for _n, r in body if (v := get(r, k)) and v.strip()}
        if len(facts[k]) > 1:
            col.add(f"column {k}", f"holds several values ({', '.join(sorted(facts[k]))})",
                    "keep one city and one assessment per file")
    city = city_id or next(iter(facts["city_id"]), None)
    date = assessment_date or _date(next(iter(facts["assessment_date"]), None))
    lvl = level or next(iter(facts["level"]), None) or _level_from_ids(ids) or "preliminary"
    if not city:
        col.add("column city_id", "no city id", "add a city_id column or pass --city")
    if date is None:
        col.add("column assessment_date", "no assessment date (YYYY-MM-DD)",
                "add an assessment_date column or pass the date")
    if lvl not in LEVELS:
        col.add("column level", f"unknown level {lvl!r}", "use 'preliminary' or 'detailed'")
        lvl = "preliminary"
    a = Assessment(city or "", date or dt.date.today(), lvl,
                   next(iter(facts["version"]), None) or SCORECARD_VERSION,
                   source=next(iter(facts["source"]), "") or str(path.name))
    seen: dict[str, str] = {}
    for n, r in body:
        ans = _answer(col, f"row {n}", get(r, "question_id") or "", get(r, "score"),
                      get(r, "evidence"), get(r, "respondents"), lvl, seen)
        if ans is not None:
            a.answers[ans.question_id] = ans
    col.raise_if_any()
    return a


def write_csv(a: Assessment, path: str | Path) -> Path:
    """Write ``a`` as CSV, one row per answered (or skipped) question."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["city_id", "assessment_date", "level", "question_id", "essential", "score",
                "evidence", "respondents"])
    for ans in a.ordered_answers():
        w.writerow([a.city_id, a.assessment_date.isoformat(), a.level, ans.question_id,
                    question(ans.question_id).essential,
                    "" if ans.score is None else ans.score, ans.evidence,
                    "; ".join(ans.respondents)])
    path = Path(path)
    _atomic_write(path, buf.getvalue().encode("utf-8"))
    return path


# ------------------------------------------------------------------------------ Excel
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
            vals = {"question_id": q.id, "essential": q.essential, "topic": q.topic_en,
                    "question": q.text_en, "question_ru": q.text_ru,
                    "score": None if ans is None else ans.score,
                    "evidence": "" if ans is None else ans.evidence,
                    "respondents": "" if ans is None else "; ".join(ans.respondents)}
            for j, k in enumerate(order, start=1):
                cell = sh.cell(i, j, vals[k] if vals[k] != "" else None)
                if k in ("question", "question_ru", "evidence"):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            dv.add(sh.cell(i, sc))
        sh.freeze_panes = "A3"
    bio = io.BytesIO()
    wb.save(bio)
    path = Path(path)
    _atomic_write(path, bio.getvalue())
    return path


def _find_header(ws, need: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """(row, column key -> column index) of the first row holding every column in ``need``."""
    for row in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS):
        cols: dict[str, int] = {}
        for c in row:
            k = _column_key(c.value)
            if k and k not in cols:
                cols[k] = c.column
        if all(k in cols for k in need):
            return row[0].row, cols
    return None


def _essential_sheets(wb) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for ws in wb.worksheets:
        m = re.fullmatch(r"(?:essential|ess|e|раздел)\s*0?(\d{1,2})", _norm(ws.title))
        if m and 1 <= int(m.group(1)) <= 10:
            found.setdefault(int(m.group(1)), ws)
    return found


def _summary_facts(ws) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, max_col=4):
        for c in row[:-1]:
            k = _column_key(c.value)
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
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = _open_check(Path(path))
    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputFileError(f"not a readable Excel workbook ({exc})", path=path,
                             fix="save it as .xlsx from Excel or LibreOffice") from None
    col = _Collector(path, WorkbookError)
    facts: dict[str, Any] = {}
    if SUMMARY_SHEET in wb.sheetnames:
        facts = _summary_facts(wb[SUMMARY_SHEET])
    elif not (city_id and assessment_date):
        col.add(f"sheet {SUMMARY_SHEET!r}", "is missing (it holds the city id and the "
                "assessment date)", f"add a {SUMMARY_SHEET!r} sheet with 'City id' and "
                "'Assessment date' rows, or pass the city and the date")
    sheets = _essential_sheets(wb)
    for e in ESSENTIALS:
        if e.number not in sheets:
            col.add(f"sheet {sheet_name(e.number)!r}", "is missing",
                    f"add the sheet (named '{sheet_name(e.number)}'), e.g. by copying it from "
                    "`carlcities scorecard template --out template.xlsx`")
    city = city_id or (str(facts["city_id"]).strip() if facts.get("city_id") else None)
    date = assessment_date or _date(facts.get("assessment_date"))
    if SUMMARY_SHEET in wb.sheetnames and not city:
        col.add(f"{SUMMARY_SHEET}!B3", "no city id", "write the city id next to 'City id'")
    if SUMMARY_SHEET in wb.sheetnames and date is None:
        col.add(f"{SUMMARY_SHEET}!B5", "no assessment date",
                "write the date (YYYY-MM-DD) next to 'Assessment date'")
    # header rows and the raw rows, before the level is known
    raw: list[tuple[str, Any, Any, Any, Any]] = []
    for _num, ws in sorted(sheets.items()):
        hdr = _find_header(ws, ("question_id", "score"))
        if hdr is None:
            partial = _find_header(ws, ("question_id",)) or _find_header(ws, ("score",))
            if partial:
                miss = "Score" if "score" not in partial[1] else "Question ID"
                ru = COLUMNS[_column_key(miss) or "score"][1]
                col.add(f"{ws.title}!{partial[0]}", f"the header row has no {miss!r} column",
                        f"add a column headed {miss!r} ({ru})")
            else:
                col.add(f"sheet {ws.title!r}", f"no header row with 'Question ID' and 'Score' "
                        f"in rows 1–{_HEADER_SCAN_ROWS}",
                        "put the column headers (Question ID, Score, Evidence, Respondents) in "
                        "one row above the questions")
            continue
        hrow, cols = hdr
        for row in ws.iter_rows(min_row=hrow + 1):
            byc = {c.column: c for c in row}
            qc = byc.get(cols["question_id"])
            if qc is None or qc.value is None or str(qc.value).strip() == "":
                continue
            if _column_key(qc.value) == "question_id" or not _ID_LIKE.match(str(qc.value).strip()):
                continue        # the Russian header row, notes and other text rows
            sc = byc.get(cols["score"])
            ev = byc.get(cols["evidence"]) if "evidence" in cols else None
            rp = byc.get(cols["respondents"]) if "respondents" in cols else None
            addr = f"{ws.title}!{sc.coordinate if sc is not None else qc.coordinate}"
            raw.append((addr, qc.value, None if sc is None else sc.value,
                        None if ev is None else ev.value, None if rp is None else rp.value))
    lvl = level or (str(facts["level"]).strip() if facts.get("level") else None) \
        or _level_from_ids([_qid(r[1], None) for r in raw]) or "preliminary"
    if lvl not in LEVELS:
        col.add(f"{SUMMARY_SHEET}!B4", f"unknown level {lvl!r}", "use preliminary or detailed")
        lvl = "preliminary"
    a = Assessment(city or "", date or dt.date.today(), lvl,
                   str(facts.get("version") or SCORECARD_VERSION),
                   synthetic=_bool(facts.get("synthetic", False)),
                   source=str(facts.get("source") or path.name))
    seen: dict[str, str] = {}
    for addr, qv, sv, ev, rp in raw:
        if all(v is None or str(v).strip() == "" for v in (sv, ev, rp)):
            seen.setdefault(_qid(qv, lvl), addr)     # an empty row: not answered
            continue
        ans = _answer(col, addr, qv, sv, ev, rp, lvl, seen)
        if ans is not None:
            a.answers[ans.question_id] = ans
    col.raise_if_any()
    return a


# ------------------------------------------------------------------------------ dispatch
def read_answers(path: str | Path, **kw: Any) -> Assessment:
    """Read answers from ``.yaml``/``.yml``, ``.csv`` or ``.xlsx`` (chosen by the suffix)."""
    p = Path(path)
    suf = p.suffix.lower()
    if suf in (".yaml", ".yml"):
        return read_yaml(p)
    if suf == ".csv":
        return read_csv(p, **kw)
    if suf in (".xlsx", ".xlsm"):
        return read_workbook(p, **kw)
    raise ScorecardError(f"unknown answers file type {suf or '(none)'!r}", path=p,
                         fix="use .yaml, .csv or .xlsx")


def write_answers(a: Assessment, path: str | Path) -> Path:
    """Write answers as ``.yaml``, ``.csv`` or ``.xlsx`` (chosen by the suffix)."""
    p = Path(path)
    suf = p.suffix.lower()
    if suf in (".yaml", ".yml"):
        return write_yaml(a, p, all_questions=True)
    if suf == ".csv":
        return write_csv(a, p)
    if suf == ".xlsx":
        return write_workbook(a, p)
    raise ScorecardError(f"unknown answers file type {suf or '(none)'!r}", path=p,
                         fix="use .yaml, .csv or .xlsx")


def write_template(path: str | Path, *, level: str = "preliminary", city_id: str = "CITY",
                   assessment_date: dt.date | None = None) -> Path:
    """An empty answers file (YAML with each question's text as a comment, CSV or Excel)."""
    a = Assessment(city_id, assessment_date or dt.date.today(), level, source="")
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        return write_yaml(a, p, comments=True, all_questions=True)
    if p.suffix.lower() == ".csv":
        for q in a.questions:
            a.answers[q.id] = Answer(q.id, None)
    return write_answers(a, p)
