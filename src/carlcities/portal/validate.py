"""Checks of what the portal stores: scorecard answers against the MCR2030 question bank,
survey judgements against Saaty's and the Likert scales. Each raises
:class:`~carlcities.errors.PortalError` naming the question or criterion and the fix."""

from __future__ import annotations

import re
from typing import Any

from ..errors import PortalError, ScorecardError

__all__ = ["MAX_COMMENT", "MAX_URL", "check_answer", "check_judgements"]

MAX_COMMENT = 20_000        #: longest comment [characters]
MAX_URL = 2_000             #: longest evidence link [characters]
_CRITERION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_answer(level: str, question_id: str, score: Any, comment: Any,
                 evidence_url: Any) -> tuple[str, int | None, str, str]:
    """(question id as catalogued, score, comment, evidence link) of a valid answer."""
    from ..scorecard.questions import LEVELS, question

    if level not in LEVELS:
        raise PortalError(f"unknown scorecard level {str(level)[:40]!r}",
                          fix="use 'preliminary' or 'detailed'")
    try:
        q = question(str(question_id)[:32])
    except ScorecardError as exc:
        raise PortalError(str(exc.message), fix=exc.fix) from None
    if q.level != level:
        raise PortalError(f"question {q.id} belongs to the {q.level} level, not {level}",
                          fix="answer the questions of the level shown")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int)
                              or not 0 <= score <= q.max_score):
        raise PortalError(f"{q.id}: score {str(score)[:20]!r} is not a whole number "
                          f"0-{q.max_score}", fix=f"give 0 to {q.max_score}, or none")
    comment = "" if comment is None else str(comment)
    url = "" if evidence_url is None else str(evidence_url).strip()
    if len(comment) > MAX_COMMENT:
        raise PortalError(f"{q.id}: the comment is longer than {MAX_COMMENT} characters",
                          fix="shorten it, or link a document as evidence")
    if url and (len(url) > MAX_URL or not re.match(r"^https?://[^\s<>\"']+$", url)):
        raise PortalError(f"{q.id}: the evidence link is not an http(s) URL",
                          fix="give a link such as https://example.org/plan.pdf")
    return q.id, score, comment, url


def check_judgements(judgements: dict) -> list[tuple[str, str, str, float]]:
    """(type, criterion, versus, value) of a survey answer: ``{(a, b): saaty}`` or
    ``{"a|b": saaty}`` for pairwise judgements, ``{"a": 1..5}`` for Likert priorities."""
    out = []
    for k, v in judgements.items():
        pair = k if isinstance(k, tuple) else tuple(str(k).split("|")) if "|" in str(k) \
            else (str(k),)
        if len(pair) not in (1, 2) or not all(isinstance(c, str) and _CRITERION.match(c)
                                              for c in pair):
            raise PortalError(f"invalid criterion {str(k)[:80]!r}",
                              fix="criteria are lowercase names such as risk_reduction")
        try:
            val = float(v)
        except (TypeError, ValueError):
            raise PortalError(f"{k}: {str(v)[:20]!r} is not a number",
                              fix="pairwise: 1/9 … 9; Likert: 1–5") from None
        if len(pair) == 2:
            if pair[0] == pair[1] or not 1 / 9 - 1e-9 <= val <= 9 + 1e-9:
                raise PortalError(f"{pair[0]} vs {pair[1]}: {val:g} is not a judgement "
                                  "on Saaty's scale 1/9–9", fix="use 1/9 … 9")
            out.append(("pairwise", pair[0], pair[1], val))
        else:
            if val != int(val) or not 1 <= val <= 5:
                raise PortalError(f"{pair[0]}: Likert value {val:g} is not 1–5",
                                  fix="use a whole number from 1 to 5")
            out.append(("likert", pair[0], "", val))
    return out
