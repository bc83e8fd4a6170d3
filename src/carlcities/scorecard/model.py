"""A scorecard assessment: one city, one date, one level, its answers with evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from ..errors import ScorecardError
from .questions import LEVELS, Question, question, questions

__all__ = ["Answer", "Assessment", "SCORECARD_VERSION"]

#: the scorecard edition the question catalogue follows
SCORECARD_VERSION = "UNDRR 2017 (carlcities wording v1)"


@dataclass(frozen=True)
class Answer:
    """The answer to one question: ``score`` (``None`` = skipped), evidence and respondents."""

    question_id: str
    score: int | None
    evidence: str = ""
    respondents: tuple[str, ...] = ()

    @property
    def question(self) -> Question:
        return question(self.question_id)


@dataclass
class Assessment:
    """A city's scorecard at one ``level`` (``preliminary`` or ``detailed``) on one date.

    ``answers`` maps question ids to :class:`Answer`; questions without an answer, or answered
    ``None`` (skipped), make the assessment incomplete — it is still scored, and marked so.
    """

    city_id: str
    assessment_date: dt.date
    level: str = "preliminary"
    version: str = SCORECARD_VERSION
    answers: dict[str, Answer] = field(default_factory=dict)
    synthetic: bool = False
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ScorecardError(f"unknown scorecard level {self.level!r}",
                                 fix="use 'preliminary' or 'detailed'")

    @property
    def max_score(self) -> int:
        """Highest score of one answer at this level (3 or 5)."""
        return LEVELS[self.level]

    @property
    def questions(self) -> tuple[Question, ...]:
        return questions(self.level)

    def score_of(self, qid: str) -> int | None:
        a = self.answers.get(qid)
        return None if a is None else a.score

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers.values() if a.score is not None)

    @property
    def completeness(self) -> float:
        """Share of the level's questions with a score [0–1]."""
        return self.answered / len(self.questions)

    @property
    def complete(self) -> bool:
        return self.answered == len(self.questions)

    def set(self, answer: Answer) -> Assessment:
        """Record ``answer`` (checked against its question) and return ``self``."""
        q = question(answer.question_id)
        if q.level != self.level:
            raise ScorecardError(f"question {q.id} belongs to the {q.level} level, not to "
                                 f"{self.level}", fix="answer the questions of one level per file")
        if answer.score is not None and not 0 <= answer.score <= q.max_score:
            raise ScorecardError(f"{q.id}: score {answer.score} is outside 0-{q.max_score}",
                                 fix=f"give a whole number from 0 to {q.max_score}")
        self.answers[q.id] = replace(answer, question_id=q.id)
        return self

    def ordered_answers(self) -> list[Answer]:
        """The answers in catalogue order."""
        return [self.answers[q.id] for q in self.questions if q.id in self.answers]
