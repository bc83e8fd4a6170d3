"""The portal's answers and surveys as the run's own input files.

``export_scorecards(store, DIR)`` writes

* ``DIR/scorecards/CITY_LEVEL.yaml``: one MCR2030 answers file per city and level, in the
  YAML layout :func:`carlcities.scorecard.io.read_yaml` reads; each answer's comment (and its
  evidence link) becomes the answer's ``evidence``, its last editor its ``respondents``; the
  assessment date is the day of the newest edit;
* ``DIR/surveys/CITY_SURVEY.csv``: one AHP survey file per city and survey in the layout of
  :func:`carlcities.scorecard.survey.read_survey` (``profile`` = the survey id, ``respondent``
  = ``CITY/RESPONDENT`` so that respondents of different cities never collide).

A study run picks them up through the settings ``data.scorecards_dir`` and
``data.surveys_dir`` (docs/portal.md, "Accounts, roles, storage, publishing"). Files of cities
or surveys no longer in the database are removed, so the folders always mirror it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import write_atomic

if TYPE_CHECKING:
    from .accounts import AccountStore

__all__ = ["SCORECARDS", "SURVEYS", "export_scorecards"]

SCORECARDS = "scorecards"  #: sub-folder of the answers files
SURVEYS = "surveys"        #: sub-folder of the survey files


def export_scorecards(store: AccountStore, out_dir: str | Path) -> list[Path]:
    """Write every stored answer and survey under ``out_dir``; returns the files written."""
    from ..scorecard.io import write_yaml
    from ..scorecard.model import Answer, Assessment

    out = Path(out_dir)
    sc, sv = out / SCORECARDS, out / SURVEYS
    sc.mkdir(parents=True, exist_ok=True)
    sv.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for (city, level), answers in sorted(store.all_answers().items()):
        newest = max(a.updated_at for a in answers.values())
        a = Assessment(city, newest.date(), level, source="carlcities portal")
        for ans in answers.values():
            evidence = " — ".join(x for x in (ans.comment.strip(), ans.evidence_url) if x)
            a.set(Answer(ans.question_id, ans.score, evidence, (ans.updated_by,)))
        written.append(write_yaml(a, sc / f"{city}_{level}.yaml"))
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in store.survey_rows():
        groups.setdefault((r["city_id"], r["survey_id"]), []).append(r)
    for (city, survey), rows in sorted(groups.items()):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["respondent", "profile", "type", "criterion", "versus", "value"])
        for r in rows:
            w.writerow([f"{city}/{r['respondent']}", survey, r["type"], r["criterion"],
                        r["versus"], f"{r['value']:.10g}"])
        p = sv / f"{city}_{survey}.csv"
        write_atomic(p, buf.getvalue().encode("utf-8"))
        written.append(p)
    keep = set(written)
    for folder, pattern in ((sc, "*.yaml"), (sv, "*.csv")):
        for p in folder.glob(pattern):
            if p not in keep:
                p.unlink()
    return written
