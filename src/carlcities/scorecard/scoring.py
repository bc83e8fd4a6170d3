"""Scores per Essential and in total, completeness, change, comparison and gaps.

Method (UNDRR 2017 scorecard, scored as the official workbook sums answers): the score of an
Essential is the sum of its answered questions; ``max_score`` is the highest possible sum over
the *answered* questions (3 or 5 each), so ``share = score / max_score`` [0–1] is not dragged
down by questions left open; ``completeness`` = answered / all questions of the Essential.
The total (Essential 0) pools every answered question the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .model import Assessment
from .questions import ESSENTIALS

__all__ = [
    "EssentialScore", "Gap", "ScoreResult", "change", "compare_cities", "find_gaps",
    "institutional_capacity", "score_assessment", "CAPACITY_ESSENTIALS",
]

#: Essentials averaged into the institutional-capacity / feasibility criterion of the appraisal:
#: organisation (1), financial capacity (3), institutional capacity (6)
CAPACITY_ESSENTIALS = (1, 3, 6)


@dataclass(frozen=True)
class EssentialScore:
    """Score of one Essential (``essential = 0`` is the total)."""

    essential: int
    score: int            # sum of the answered scores [points]
    max_score: int        # highest possible sum over the answered questions [points]
    answered: int
    questions: int
    share: float | None   # score / max_score [0-1]; None when nothing is answered

    @property
    def completeness(self) -> float:
        """answered / questions [0-1]."""
        return self.answered / self.questions if self.questions else 0.0


@dataclass
class ScoreResult:
    """Scores of one assessment."""

    city_id: str
    assessment_date: dt.date
    level: str
    essentials: dict[int, EssentialScore]   # 1..10
    total: EssentialScore
    synthetic: bool = False

    @property
    def complete(self) -> bool:
        return self.total.answered == self.total.questions

    def shares(self) -> list[float | None]:
        """Share of each Essential 1–10, in order (for radar charts)."""
        return [self.essentials[e.number].share for e in ESSENTIALS]

    def rows(self) -> list[EssentialScore]:
        """Total first, then Essentials 1–10."""
        return [self.total] + [self.essentials[e.number] for e in ESSENTIALS]


def _summ(essential: int, scores: list[int | None], top: int) -> EssentialScore:
    got = [s for s in scores if s is not None]
    mx = top * len(got)
    return EssentialScore(essential, sum(got), mx, len(got), len(scores),
                          sum(got) / mx if mx else None)


def score_assessment(a: Assessment) -> ScoreResult:
    """Score an assessment per Essential and in total (see the module docstring)."""
    per: dict[int, list[int | None]] = {e.number: [] for e in ESSENTIALS}
    for q in a.questions:
        per[q.essential].append(a.score_of(q.id))
    ess = {e: _summ(e, s, a.max_score) for e, s in per.items()}
    total = _summ(0, [s for v in per.values() for s in v], a.max_score)
    return ScoreResult(a.city_id, a.assessment_date, a.level, ess, total, a.synthetic)


@dataclass(frozen=True)
class Gap:
    """An Essential whose share is below the threshold, with the weakest questions."""

    city_id: str
    essential: int
    share: float
    score: int
    max_score: int
    threshold: float
    assessment_date: dt.date
    question_ids: tuple[str, ...] = ()          # the lowest-scored questions, cited as evidence
    question_scores: tuple[int, ...] = field(default=())


def find_gaps(a: Assessment, result: ScoreResult | None = None, threshold: float = 0.5
              ) -> list[Gap]:
    """Essentials with ``share < threshold`` [0–1], weakest first.

    Each gap cites the questions of that Essential scored at most the Essential's rounded mean
    (at least the lowest one).
    """
    r = result or score_assessment(a)
    gaps = []
    for e, s in r.essentials.items():
        if s.share is None or s.share >= threshold:
            continue
        scored = [(q.id, v) for q in a.questions
                  if q.essential == e and (v := a.score_of(q.id)) is not None]
        low = min(v for _q, v in scored)
        cut = max(low, int(s.share * a.max_score))
        cited = [(q, v) for q, v in scored if v <= cut]
        gaps.append(Gap(a.city_id, e, s.share, s.score, s.max_score, threshold,
                        a.assessment_date, tuple(q for q, _v in cited),
                        tuple(int(v) for _q, v in cited)))
    return sorted(gaps, key=lambda g: (g.share, g.essential))


def change(earlier: ScoreResult, later: ScoreResult) -> dict[int, float | None]:
    """Change of share per Essential (0 = total) from ``earlier`` to ``later`` [share points]."""
    out: dict[int, float | None] = {}
    for a, b in zip(earlier.rows(), later.rows()):
        out[a.essential] = None if a.share is None or b.share is None else b.share - a.share
    return out


def compare_cities(results: list[ScoreResult]) -> dict[str, dict[int, float | None]]:
    """The latest result of each city: city id -> Essential (0 = total) -> share [0–1]."""
    latest: dict[str, ScoreResult] = {}
    for r in results:
        if r.city_id not in latest or r.assessment_date > latest[r.city_id].assessment_date:
            latest[r.city_id] = r
    return {c: {s.essential: s.share for s in r.rows()} for c, r in sorted(latest.items())}


def institutional_capacity(result: ScoreResult) -> float | None:
    """Feasibility criterion of the appraisal [0–1]: mean share of Essentials 1, 3 and 6.

    A city that is organised, funded and staffed for resilience can carry out more demanding
    options; the appraisal uses this value as its institutional-capacity criterion.
    """
    shares = [result.essentials[e].share for e in CAPACITY_ESSENTIALS]
    vals = [v for v in shares if v is not None]
    return sum(vals) / len(vals) if vals else None
