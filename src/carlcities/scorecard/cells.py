"""What every scorecard reader shares: column headers and their synonyms (English and
Russian), cell values (scores, dates, respondents, question ids) and the collector that
reports every bad row or cell at once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..errors import InputFileError, ScorecardError
from .model import Answer
from .questions import LEVELS, SCALE, is_question, question

__all__ = ["COLUMNS", "HEADER_SCAN_ROWS", "ID_LIKE", "SUMMARY_SHEET", "SYNONYMS", "Collector",
           "column_key", "level_from_ids", "level_of_top", "make_answer", "norm_header",
           "normalise_qid", "open_check", "parse_bool", "parse_date", "parse_respondents",
           "parse_score", "score_fix", "sheet_name"]

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
SYNONYMS: dict[str, set[str]] = {
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
ID_LIKE = re.compile(r"^[PDpd]?\d{1,2}(\.\d{1,2}){1,2}$")
HEADER_SCAN_ROWS = 40


def sheet_name(essential: int) -> str:
    """Name of an Essential's sheet: ``Essential 2``."""
    return f"Essential {essential}"


def norm_header(v: Any) -> str:
    s = "" if v is None else str(v)
    s = re.sub(r"\(.*?\)|\[.*?\]", " ", s)           # "Score (0-3)" -> "score"
    s = re.sub(r"[^\w№ ]+|_", " ", s.lower().replace("ё", "е"))
    return re.sub(r"\s+", " ", s).strip()


_LOOKUP = {norm_header(s): k for k, syn in SYNONYMS.items() for s in syn}


def column_key(v: Any) -> str | None:
    return _LOOKUP.get(norm_header(v))


# ------------------------------------------------------------------------------ cell values
def parse_score(raw: Any, top: int) -> tuple[int | None, str | None]:
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


def score_fix(top: int) -> str:
    return (f"type a whole number from 0 to {top} ("
            + "; ".join(f"{k} = {v[0]}" for k, v in SCALE[level_of_top(top)].items())
            + "), or leave it empty to mark the question unanswered")


def level_of_top(top: int) -> str:
    return next(lv for lv, t in LEVELS.items() if t == top)


def parse_respondents(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        return tuple(str(r).strip() for r in raw if str(r).strip())
    return tuple(p.strip() for p in re.split(r"[;\n]", str(raw)) if p.strip())


def parse_date(raw: Any) -> dt.date | None:
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


def parse_bool(raw: Any) -> bool:
    return str(raw).strip().lower() in ("true", "yes", "1", "да", "y")


def normalise_qid(raw: Any, level: str | None) -> str:
    """A question id as written, normalised: '2.1' -> 'P2.1' (preliminary), 'd2.1.3' -> 'D2.1.3'."""
    s = str(raw).strip().upper()
    if s and s[0].isdigit():
        s = ("D" if s.count(".") == 2 or level == "detailed" else "P") + s
    return s


def level_from_ids(ids: list[str]) -> str | None:
    kinds = {"detailed" if i.startswith("D") else "preliminary" for i in ids if is_question(i)}
    return kinds.pop() if len(kinds) == 1 else None


def open_check(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputFileError("scorecard file not found", path=path,
                             fix="check the path; `carlcities scorecard template --out FILE` "
                                 "writes an empty one to fill in")
    return path


class Collector:
    """Collects (where, what, fix) problems and raises them all at once."""

    def __init__(self, path: Path, kind: type[ScorecardError] = ScorecardError):
        self.path, self.kind = path, kind
        self.items: list[tuple[str, str, str]] = []

    def add(self, where: str, what: str, fix: str) -> None:
        self.items.append((where, what, fix))

    def raise_if_any(self, message: str = "") -> None:
        if self.items:
            raise self.kind(message, path=self.path, problems=self.items)


def make_answer(col: Collector, where: str, qid_raw: Any, score_raw: Any, evidence: Any,
            respondents: Any, level: str, seen: dict[str, str]) -> Answer | None:
    qid = normalise_qid(qid_raw, level)
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
    score, problem = parse_score(score_raw, q.max_score)
    if problem:
        col.add(f"{where} ({qid} score)" if "!" not in where else where, problem,
                score_fix(q.max_score))
        return None
    ev = "" if evidence is None else str(evidence).strip()
    return Answer(qid, score, ev, parse_respondents(respondents))
