"""Synthetic demo scorecards and stakeholder surveys — deterministic, and marked synthetic.

They exist to show the method end to end (profiles, radar charts, recommendations, appraisal
weights); they say nothing about the real cities. Each city's answers are drawn from a random
generator seeded by its id and date, around a per-Essential level; a few patterns are built in
so that the demo shows what the tools do: Osh and Dushanbe are weak on risk scenarios
(Essential 2), Namangan's assessment is incomplete, and Almaty and Bishkek have an earlier
assessment (2021) so that change over time shows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zlib

import numpy as np

from .model import Answer, Assessment
from .questions import ESSENTIALS, questions
from .survey import Judgement

__all__ = ["DEMO_CITIES", "DEMO_CRITERIA", "DEMO_PROFILES", "demo_assessments",
           "demo_judgements", "demo_survey_rows"]

#: MCR2030 cities of the region with a demo scorecard
DEMO_CITIES = ("almaty", "astana", "bishkek", "osh", "dushanbe", "ashgabat", "tashkent",
               "namangan")
_LATEST = dt.date(2024, 5, 15)
_EARLIER = dt.date(2021, 4, 20)
#: Essential -> level shift [score points] built into particular cities
_PATTERNS: dict[str, dict[int, float]] = {
    "osh": {2: -1.3, 8: -0.4}, "dushanbe": {2: -1.2, 5: -0.6}, "namangan": {3: -0.9},
    "ashgabat": {7: -1.0}, "almaty": {2: 0.5, 9: 0.4}, "tashkent": {4: -0.8},
}
_RESPONDENTS = ("city emergency department (synthetic)", "urban planning office (synthetic)",
                "water utility (synthetic)", "NGO network (synthetic)")

#: the appraisal's criteria weighed by the stakeholder surveys
DEMO_CRITERIA = ("risk_reduction", "emissions_reduction", "net_benefit", "co_benefits",
                 "feasibility")
#: profile -> the weights its respondents hold on average (before noise)
DEMO_PROFILES: dict[str, tuple[float, ...]] = {
    "emergency_ministry": (0.42, 0.07, 0.14, 0.10, 0.27),
    "city_finance": (0.17, 0.08, 0.43, 0.10, 0.22),
    "environment_agency": (0.20, 0.40, 0.09, 0.21, 0.10),
}
_SAATY = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7,
                   8, 9])


def _rng(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(":".join(map(str, key)).encode()))


def _assessment(city: str, date: dt.date, shift: float) -> Assessment:
    rng = _rng("scorecard", city, date.isoformat())
    a = Assessment(city, date, "preliminary", synthetic=True,
                   source="carlcities synthetic demo scorecard (not a real assessment)",
                   notes="Synthetic demo data — not real.")
    base = rng.uniform(1.3, 2.2) + shift
    level = {e.number: base + rng.normal(0, 0.35) + _PATTERNS.get(city, {}).get(e.number, 0)
             for e in ESSENTIALS}
    qs = questions("preliminary")
    skip = set()
    if city == "namangan" and date == _LATEST:
        skip = {q.id for q in rng.choice(np.array(qs, dtype=object), 6, replace=False)}
    for q in qs:
        if q.id in skip:
            a.answers[q.id] = Answer(q.id, None, "not discussed at the workshop (synthetic)")
            continue
        s = int(np.clip(round(level[q.essential] + rng.normal(0, 0.55)), 0, 3))
        who = tuple(sorted(str(x) for x in rng.choice(_RESPONDENTS, 2, replace=False)))
        a.answers[q.id] = Answer(q.id, s, f"synthetic demo answer for {q.topic_en.lower()}",
                                 who)
    return a


def demo_assessments(cities: list[str] | None = None) -> list[Assessment]:
    """The demo scorecards (preliminary level) of ``cities`` ∩ :data:`DEMO_CITIES`."""
    keep = DEMO_CITIES if cities is None else [c for c in DEMO_CITIES if c in set(cities)]
    out = []
    for c in keep:
        if c in ("almaty", "bishkek"):
            out.append(_assessment(c, _EARLIER, -0.45))
        out.append(_assessment(c, _LATEST, 0.0))
    return out


def _snap(v: float) -> float:
    """The nearest value of Saaty's scale (in log space)."""
    return float(_SAATY[np.argmin(np.abs(np.log(_SAATY) - np.log(v)))])


def demo_survey_rows(n_per_profile: int = 6) -> list[dict[str, object]]:
    """Survey rows (the CSV layout of :mod:`.survey`): pairwise and Likert, per respondent.

    The last respondent of each profile answers at random, so the consistency check has
    something to flag.
    """
    rows: list[dict[str, object]] = []
    for prof, base in DEMO_PROFILES.items():
        for k in range(1, n_per_profile + 1):
            rid = f"{prof[:3]}{k:02d}"
            rng = _rng("survey", prof, k)
            w = np.asarray(base) * np.exp(rng.normal(0, 0.18, len(base)))
            w /= w.sum()
            careless = k == n_per_profile
            for i, j in itertools.combinations(range(len(DEMO_CRITERIA)), 2):
                v = float(rng.choice(_SAATY)) if careless else \
                    _snap(w[i] / w[j] * float(np.exp(rng.normal(0, 0.12))))
                rows.append({"respondent": rid, "profile": prof, "type": "pairwise",
                             "criterion": DEMO_CRITERIA[i], "versus": DEMO_CRITERIA[j],
                             "value": v})
            for i, c in enumerate(DEMO_CRITERIA):
                lik = int(np.clip(round(1 + 4 * w[i] / w.max() + rng.normal(0, 0.4)), 1, 5))
                rows.append({"respondent": rid, "profile": prof, "type": "likert",
                             "criterion": c, "versus": None, "value": lik})
    return rows


def demo_judgements() -> list[Judgement]:
    """:func:`demo_survey_rows` as judgements, ready for :func:`.survey.survey_weights`."""
    return [Judgement(str(r["respondent"]), str(r["profile"]), str(r["type"]),
                      str(r["criterion"]), None if r["versus"] is None else str(r["versus"]),
                      float(r["value"]), f"demo row {n}")  # type: ignore[arg-type]
            for n, r in enumerate(demo_survey_rows(), start=2)]
