"""The scorecard stage of a study run: load, score, recommend, store, export weights."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ScorecardError
from ..files import write_atomic
from .demo import demo_assessments, demo_judgements
from .io import read_answers
from .model import Assessment
from .recommend import recommend
from .scoring import score_assessment
from .store import ensure_tables, write_city
from .survey import WeightProfile, read_surveys, survey_weights

__all__ = ["ScorecardRun", "run_scorecards"]


@dataclass
class ScorecardRun:
    """What :func:`run_scorecards` did."""

    cities: list[str] = field(default_factory=list)
    assessments: int = 0
    recommendations: int = 0
    weight_files: dict[str, Path] = field(default_factory=dict)
    profiles: dict[str, WeightProfile] = field(default_factory=dict)


def _setting(cfg: Any, name: str, default: Any) -> Any:
    try:
        return cfg.get(name)
    except Exception:  # noqa: BLE001 - an older config without the scorecard settings
        return default


def _study_cities(con, catalog) -> list[str]:
    try:
        ids = [r[0] for r in con.execute("SELECT city_id FROM cities").fetchall()]
    except Exception:  # noqa: BLE001 - a store without the cities table
        ids = []
    return ids or list(catalog.ids)


def run_scorecards(con, cfg, catalog, out: str | Path) -> ScorecardRun:
    """Score the demo or configured scorecards and surveys of a study into its store.

    * scorecards: ``data.scorecards`` (city id -> answers file, YAML/CSV/Excel) and, when
      ``data.source`` is ``demo`` and ``scorecard.demo`` is true, the synthetic demo scorecards
      of the study's cities that have none configured;
    * each assessment is scored and written with its gaps' recommendations
      (``scorecard.gap_threshold``) to ``scorecard_*`` tables, one transaction per assessment;
    * surveys: ``data.surveys`` files and, in the demo, the synthetic surveys; one weight
      profile per stakeholder profile goes to ``OUT/exports/weights_<profile>.json``.
    """
    from ..config import resolve_path

    out = Path(out)
    ensure_tables(con)
    threshold = float(_setting(cfg, "scorecard.gap_threshold", 0.5))
    demo = (_setting(cfg, "data.source", "demo") == "demo"
            and bool(_setting(cfg, "scorecard.demo", True)))
    study = _study_cities(con, catalog)
    configured: dict[str, str] = dict(_setting(cfg, "data.scorecards", {}) or {})
    res = ScorecardRun()

    assessments: list[Assessment] = []
    for key, f in configured.items():
        cid = catalog.get(key).city_id
        a = read_answers(resolve_path(cfg, f))
        if a.city_id and a.city_id != cid:
            raise ScorecardError(f"the file answers for city {a.city_id!r}, but data.scorecards "
                                 f"lists it under {cid!r}", path=resolve_path(cfg, f),
                                 fix="correct city_id in the file or the key in the config")
        a.city_id = cid
        assessments.append(a)
    if demo:
        have = {a.city_id for a in assessments}
        assessments += [a for a in demo_assessments(study) if a.city_id not in have]

    by_city: dict[str, list[Assessment]] = {}
    for a in assessments:
        by_city.setdefault(a.city_id, []).append(a)
    for cid, items in sorted(by_city.items()):
        items.sort(key=lambda x: x.assessment_date)
        for a in items:
            r = score_assessment(a)
            recs = recommend(a, r, threshold)
            write_city(con, cid, a, r, recs)
            res.assessments += 1
            res.recommendations += len(recs)
        res.cities.append(cid)

    files = [resolve_path(cfg, f) for f in (_setting(cfg, "data.surveys", []) or [])]
    js = read_surveys(files) if files else []
    synthetic = False
    if demo and not js:
        js, synthetic = demo_judgements(), True
    if js:
        res.profiles = survey_weights(js, synthetic=synthetic)
        exports = out / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        for name, prof in res.profiles.items():
            p = exports / f"weights_{name}.json"
            write_atomic(p, json.dumps(prof.as_json(), ensure_ascii=False, indent=1))
            res.weight_files[name] = p
    return res
