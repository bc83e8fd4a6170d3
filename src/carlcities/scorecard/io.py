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

Excel workbooks laid out like the official one: :mod:`carlcities.scorecard.workbook` (read
and written through the functions here too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScorecardError
from ..files import write_atomic
from .cells import (
    SUMMARY_SHEET,
    Collector,
    column_key,
    level_from_ids,
    make_answer,
    normalise_qid,
    open_check,
    parse_bool,
    parse_date,
    sheet_name,
)
from .model import SCORECARD_VERSION, Answer, Assessment
from .questions import LEVELS, SCALE, question
from .workbook import read_workbook, write_workbook

__all__ = [
    "read_answers", "read_csv", "read_workbook", "read_yaml", "write_answers", "write_csv",
    "write_template", "write_workbook", "write_yaml", "SUMMARY_SHEET", "sheet_name",
]


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
    path = open_check(Path(path))
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
    col = Collector(path)
    for key in ("city_id", "assessment_date"):
        if not data.get(key):
            col.add(f"line {lines.get('top:' + key, 1)}", f"{key} is missing",
                    f"add '{key}: ...' at the top of the file")
    date = parse_date(data.get("assessment_date"))
    if data.get("assessment_date") and date is None:
        col.add(f"line {lines.get('top:assessment_date', 1)}",
                f"assessment_date {data['assessment_date']!r} is not a date",
                "write the date as YYYY-MM-DD")
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        col.add(f"line {lines.get('top:answers', 1)}", "answers must be a mapping of question "
                "ids to scores", "write one 'P1.1: {score: 2}' line per question")
        answers = {}
    level = str(data.get("level") or level_from_ids([normalise_qid(k, None) for k in answers])
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
                   parse_bool(data.get("synthetic", False)), str(data.get("source") or ""),
                   str(data.get("notes") or ""))
    for k, v in answers.items():
        where = f"line {lines.get(str(k), 1)}"
        if isinstance(v, dict):
            unknown = set(v) - {"score", "evidence", "respondents"}
            if unknown:
                col.add(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                        "an answer has score, evidence and respondents only")
            ans = make_answer(col, where, k, v.get("score"), v.get("evidence"),
                          v.get("respondents"), level, seen)
        else:
            ans = make_answer(col, where, k, v, None, None, level, seen)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, ("\n".join(out) + "\n").encode("utf-8"))
    return path


# ------------------------------------------------------------------------------ CSV
def read_csv(path: str | Path, *, city_id: str | None = None,
             assessment_date: dt.date | None = None, level: str | None = None) -> Assessment:
    """Read an answers file in CSV (one row per answer; see the module docstring)."""
    path = open_check(Path(path))
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    col = Collector(path)
    if not rows:
        raise ScorecardError("the CSV file is empty", path=path,
                             fix="write a header row: question_id,score,evidence,respondents")
    keys = [column_key(h) for h in rows[0]]
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
    ids = [normalise_qid(get(r, "question_id") or "", None) for _n, r in body]
    facts: dict[str, set[str]] = {}
    for k in ("city_id", "assessment_date", "level", "version", "source"):
        facts[k] = {v.strip() for _n, r in body if (v := get(r, k)) and v.strip()}
        if len(facts[k]) > 1:
            col.add(f"column {k}", f"holds several values ({', '.join(sorted(facts[k]))})",
                    "keep one city and one assessment per file")
    city = city_id or next(iter(facts["city_id"]), None)
    date = assessment_date or parse_date(next(iter(facts["assessment_date"]), None))
    lvl = level or next(iter(facts["level"]), None) or level_from_ids(ids) or "preliminary"
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
        ans = make_answer(col, f"row {n}", get(r, "question_id") or "", get(r, "score"),
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
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buf.getvalue().encode("utf-8"))
    return path


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
