"""Scorecard tables of the results store: answers, scores, recommendations, criteria.

Written per city and assessment in one transaction; readers (the reports) must cope with the
tables being absent (stores written before this module existed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .model import Assessment
from .recommend import Recommendation
from .scoring import ScoreResult, institutional_capacity

__all__ = ["DDL", "ensure_tables", "write_city"]

DDL = """
CREATE TABLE IF NOT EXISTS scorecard_answers (
    city_id VARCHAR, assessment_date DATE, version VARCHAR, level VARCHAR,
    question_id VARCHAR, essential INTEGER,
    score INTEGER,               -- NULL = not answered
    max_score INTEGER,           -- 3 (preliminary) or 5 (detailed) [points]
    evidence VARCHAR, respondents VARCHAR,   -- respondents separated by '; '
    synthetic BOOLEAN, source VARCHAR
);
CREATE TABLE IF NOT EXISTS scorecard_scores (
    city_id VARCHAR, assessment_date DATE, level VARCHAR,
    essential INTEGER,           -- 1-10; 0 = total
    score INTEGER,               -- sum of the answered scores [points]
    max_score INTEGER,           -- highest possible sum over the answered questions [points]
    share DOUBLE,                -- score / max_score [0-1]
    completeness DOUBLE,         -- answered / questions [0-1]
    synthetic BOOLEAN
);
CREATE TABLE IF NOT EXISTS scorecard_recommendations (
    city_id VARCHAR, assessment_date DATE, rec_id VARCHAR, essential INTEGER,
    priority VARCHAR, text_en VARCHAR, text_ru VARCHAR, evidence_en VARCHAR,
    evidence_ru VARCHAR, question_ids VARCHAR, score INTEGER, max_score INTEGER,
    share DOUBLE, threshold DOUBLE, synthetic BOOLEAN
);
CREATE TABLE IF NOT EXISTS scorecard_criteria (
    city_id VARCHAR, assessment_date DATE,
    criterion VARCHAR,           -- 'institutional_capacity': mean share of Essentials 1, 3, 6
    value DOUBLE,                -- [0-1]
    synthetic BOOLEAN
);
"""


def ensure_tables(con) -> None:
    """Create the scorecard tables if they do not exist."""
    con.execute(DDL)


def write_city(con, city_id: str, assessment: Assessment, scores: ScoreResult,
               recs: Sequence[Recommendation]) -> None:
    """Replace one city's assessment (its date and level) and its recommendations, atomically."""
    a = assessment
    date: dt.date = a.assessment_date
    ensure_tables(con)
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM scorecard_answers WHERE city_id = ? AND assessment_date = ? "
                    "AND level = ?", [city_id, date, a.level])
        con.execute("DELETE FROM scorecard_scores WHERE city_id = ? AND assessment_date = ? "
                    "AND level = ?", [city_id, date, a.level])
        con.execute("DELETE FROM scorecard_recommendations WHERE city_id = ? AND "
                    "assessment_date = ?", [city_id, date])
        con.execute("DELETE FROM scorecard_criteria WHERE city_id = ? AND assessment_date = ?",
                    [city_id, date])
        rows = []
        for q in a.questions:
            ans = a.answers.get(q.id)
            rows.append([city_id, date, a.version, a.level, q.id, q.essential,
                         None if ans is None else ans.score, q.max_score,
                         "" if ans is None else ans.evidence,
                         "" if ans is None else "; ".join(ans.respondents), a.synthetic,
                         a.source])
        con.executemany("INSERT INTO scorecard_answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?)", rows)
        con.executemany("INSERT INTO scorecard_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[city_id, date, a.level, s.essential, s.score, s.max_score, s.share,
                          s.completeness, a.synthetic] for s in scores.rows()])
        if recs:
            con.executemany(
                "INSERT INTO scorecard_recommendations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?)",
                [[city_id, date, r.id, r.essential, r.priority, r.text_en, r.text_ru,
                  r.evidence_en, r.evidence_ru, ", ".join(r.question_ids), r.score,
                  r.max_score, r.share, r.threshold, r.synthetic] for r in recs])
        cap = institutional_capacity(scores)
        con.execute("INSERT INTO scorecard_criteria VALUES (?, ?, 'institutional_capacity', ?, ?)",
                    [city_id, date, cap, a.synthetic])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
