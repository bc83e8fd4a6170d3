"""The MCR2030 scorecard section of a city profile and its radar chart, read through
:mod:`carlcities.results`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..results import Study, records
from . import charts, i18n
from .numbers import median

__all__ = ["load_scorecards", "radar_job"]


def _iso(d: Any) -> str | None:
    return d.isoformat() if hasattr(d, "isoformat") else (None if d is None else str(d))


def load_scorecards(study: Study) -> dict[str, dict[str, Any]]:
    """Per city: the latest scorecard assessment (per-Essential shares, change since the previous
    one of the same level, regional median), its recommendations and the capacity criterion.

    Stores without the ``scorecard_*`` tables (written before them) give ``{}``.
    """
    from ..scorecard.questions import ESSENTIALS, questions

    rows = records(study.scorecards(), ["city_id", "assessment_date", "level", "essential",
                                        "score", "max_score", "share", "completeness",
                                        "synthetic"])
    if not rows:
        return {}
    by: dict[str, dict[tuple[Any, str], dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict))
    for r in rows:
        by[r["city_id"]][(r["assessment_date"], r["level"] or "preliminary")][
            int(r["essential"])] = r
    recs = records(study.scorecard_recommendations(), [
        "city_id", "assessment_date", "rec_id", "essential", "priority", "text_en", "text_ru",
        "evidence_en", "evidence_ru", "question_ids", "score", "max_score", "share", "threshold",
        "synthetic"])
    crit = records(study.scorecard_criteria(), ["city_id", "assessment_date", "criterion",
                                                 "value"])
    latest: dict[str, tuple[Any, str]] = {}
    for cid, assessments in by.items():
        latest[cid] = max(assessments, key=lambda k: (k[0], k[1] == "detailed"))
    medians = {e.number: median(
        by[c][latest[c]].get(e.number, {}).get("share") for c in latest) for e in ESSENTIALS}
    out: dict[str, dict[str, Any]] = {}
    for cid, key in latest.items():
        cur = by[cid][key]
        earlier = sorted(k for k in by[cid] if k[1] == key[1] and k[0] < key[0])
        prev = by[cid][earlier[-1]] if earlier else None
        total = cur.get(0, {})
        ess = []
        for e in ESSENTIALS:
            r = cur.get(e.number, {})
            p = prev.get(e.number, {}) if prev else {}
            sh, psh = r.get("share"), p.get("share")
            ess.append({"essential": e.number, "name_en": e.name_en, "name_ru": e.name_ru,
                        "short_en": e.short_en, "short_ru": e.short_ru,
                        "score": r.get("score"), "max_score": r.get("max_score"),
                        "share": sh, "share_display": "—" if sh is None else f"{100 * sh:.0f} %",
                        "completeness": r.get("completeness"),
                        "previous_share": psh,
                        "change": None if sh is None or psh is None else sh - psh,
                        "regional_median": medians[e.number]})
        city_recs = [{**{k: v for k, v in r.items() if k != "assessment_date"},
                      "assessment_date": _iso(r["assessment_date"]),
                      "question_ids": [q for q in (r["question_ids"] or "").split(", ") if q]}
                     for r in recs if r["city_id"] == cid and r["assessment_date"] == key[0]]
        city_recs.sort(key=lambda r: (r["priority"] != "high", r["share"] or 0, r["essential"]))
        cap = [r["value"] for r in crit if r["city_id"] == cid and r["assessment_date"] == key[0]
               and r["criterion"] == "institutional_capacity"]
        q_total = round(total.get("completeness") or 0, 6)
        n_q = len(questions(key[1])) if key[1] in ("preliminary", "detailed") else 0
        out[cid] = {
            "assessment_date": _iso(key[0]), "level": key[1],
            "previous_date": _iso(earlier[-1][0]) if earlier else None,
            "essentials": ess,
            "total": {"score": total.get("score"), "max_score": total.get("max_score"),
                      "share": total.get("share"), "completeness": total.get("completeness"),
                      "share_display": "—" if total.get("share") is None
                      else f"{100 * total['share']:.0f} %",
                      "previous_share": (prev or {}).get(0, {}).get("share"),
                      "questions": n_q, "answered": round(q_total * n_q)},
            "complete": q_total >= 1.0,
            "threshold": city_recs[0]["threshold"] if city_recs else None,
            "recommendations": city_recs,
            "institutional_capacity": cap[0] if cap else None,
            "synthetic": any(bool(r.get("synthetic")) for r in cur.values()),
        }
    return out



def radar_job(study: Any, cid: str, c: dict[str, Any]) -> dict[str, Any] | None:
    """The radar chart's data: latest assessment, the previous one and the regional median.

    ``study`` is the report's :class:`~carlcities.report.data.ReportData` (not imported here:
    that module imports this one)."""
    sc = study.scorecards.get(cid)
    if not sc:
        return None
    ess = sc["essentials"]
    series = [{"label_en": f"{c.get('name_en') or cid} {sc['assessment_date']}",
               "label_ru": f"{c.get('name_ru') or c.get('name_en') or cid} "
                           f"{sc['assessment_date']}",
               "values": [e["share"] for e in ess], "colour": charts.CITY_COLOUR}]
    if sc["previous_date"]:
        series.append({"label_en": f"previous assessment {sc['previous_date']}",
                       "label_ru": f"предыдущая оценка {sc['previous_date']}",
                       "values": [e["previous_share"] for e in ess], "colour": "#2b7bba",
                       "line": "dotted"})
    if len(study.scorecards) > 1:
        series.append({"label_en": i18n.text("regional_median"),
                       "label_ru": i18n.text("regional_median", "ru"),
                       "values": [e["regional_median"] for e in ess],
                       "colour": charts.MEDIAN_COLOUR, "line": "dashed"})
    return {"axes": [(e["short_en"], e["short_ru"]) for e in ess], "series": series,
            "source": f"study.duckdb, scorecard_scores ({sc['level']}, {sc['assessment_date']})"}

