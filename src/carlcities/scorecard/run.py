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

__all__ = ["ANSWER_SUFFIXES", "SURVEY_SUFFIXES", "ScorecardRun", "answers_city", "run_scorecards",
           "scorecard_files"]

ANSWER_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")  #: answers files read from a directory
SURVEY_SUFFIXES = (".csv", ".xlsx")                   #: survey files read from a directory


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


def _dir_files(cfg: Any, setting: str, suffixes: tuple[str, ...]) -> list[Path]:
    from ..config import resolve_path

    d = _setting(cfg, setting, None)
    if not d:
        return []
    folder = resolve_path(cfg, d)
    if not folder.is_dir():
        raise ScorecardError(f"{setting}: the directory does not exist", path=folder,
                             fix="create it (the portal's export writes it), or remove the "
                                 "setting")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                  and not p.name.startswith((".", "~$")))


def answers_city(catalog, a: Assessment, path: Path) -> str:
    """The catalogue id of the city an answers file names (a ScorecardError naming the file
    when the catalogue does not know it)."""
    from ..errors import UnknownCityError

    try:
        return str(catalog.get(a.city_id).city_id)
    except UnknownCityError as exc:
        raise ScorecardError(f"the file answers for city {a.city_id!r}, which is not in the "
                             f"catalogue", path=path,
                             fix=f"write a city id from `carlcities cities` ({exc.fix or ''})"
                             ) from None


def scorecard_files(cfg: Any) -> tuple[list[tuple[str | None, Path]], list[Path]]:
    """The run's answers files — ``(city key, path)`` from ``data.scorecards``, then ``(None,
    path)`` for each file in ``data.scorecards_dir`` (its city is the one it names) — and its
    survey files (``data.surveys``, then ``data.surveys_dir``). One list for the run, its key
    and its check before work."""
    from ..config import resolve_path

    configured: dict[str, str] = dict(_setting(cfg, "data.scorecards", {}) or {})
    cards: list[tuple[str | None, Path]] = [(k, resolve_path(cfg, f))
                                            for k, f in sorted(configured.items())]
    cards += [(None, p) for p in _dir_files(cfg, "data.scorecards_dir", ANSWER_SUFFIXES)]
    surveys = [resolve_path(cfg, f) for f in (_setting(cfg, "data.surveys", []) or [])]
    surveys += _dir_files(cfg, "data.surveys_dir", SURVEY_SUFFIXES)
    return cards, surveys


def run_scorecards(con, cfg, catalog, out: str | Path) -> ScorecardRun:
    """Score the demo or configured scorecards and surveys of a study into its store.

    * scorecards: ``data.scorecards`` (city id -> answers file, YAML/CSV/Excel), the files
      of ``data.scorecards_dir`` (the portal's export; a city and level already given by
      ``data.scorecards`` keeps that file) and, when
      ``data.source`` is ``demo`` and ``scorecard.demo`` is true, the synthetic demo scorecards
      of the study's cities that have none configured;
    * each assessment is scored and written with its gaps' recommendations
      (``scorecard.gap_threshold``) to ``scorecard_*`` tables, one transaction per assessment;
    * surveys: ``data.surveys`` files, those of ``data.surveys_dir`` and, in the demo, the
      synthetic surveys; one weight
      profile per stakeholder profile goes to ``OUT/exports/weights_<profile>.json``.
    """
    out = Path(out)
    ensure_tables(con)
    threshold = float(_setting(cfg, "scorecard.gap_threshold", 0.5))
    demo = (_setting(cfg, "data.source", "demo") == "demo"
            and bool(_setting(cfg, "scorecard.demo", True)))
    study = _study_cities(con, catalog)
    cards, survey_files = scorecard_files(cfg)
    res = ScorecardRun()

    assessments: list[Assessment] = []
    given: set[tuple[str, str]] = set()
    for key, f in cards:
        a = read_answers(f)
        if key is None:                      # a file of data.scorecards_dir names its city
            cid = answers_city(catalog, a, f)
            if (cid, a.level) in given:
                continue
        else:
            cid = catalog.get(key).city_id
            if a.city_id and a.city_id != cid:
                raise ScorecardError(f"the file answers for city {a.city_id!r}, but "
                                     f"data.scorecards lists it under {cid!r}", path=f,
                                     fix="correct city_id in the file or the key in the config")
            given.add((cid, a.level))
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

    js = read_surveys(survey_files) if survey_files else []
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
