"""A re-run of the study with the answers and surveys entered in the portal (the analyst's
"re-run" button): export them to ``OUT/portal/`` and run with ``data.scorecards_dir`` and
``data.surveys_dir`` pointing there (docs/portal.md, "From the portal to a re-run")."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exports import SCORECARDS, SURVEYS

if TYPE_CHECKING:
    from ..config import StudyConfig
    from .accounts import AccountStore

__all__ = ["EXPORT_DIR", "export_for_run", "rerun", "with_portal_inputs"]

EXPORT_DIR = "portal"  #: OUT/portal/{scorecards,surveys}


def with_portal_inputs(cfg: StudyConfig, export_dir: str | Path) -> StudyConfig:
    """``cfg`` reading the portal's export in ``export_dir`` (absolute paths)."""
    d = Path(export_dir).resolve()
    section: Any = cfg.data            # a pydantic model (typed as a plain view for mypy)
    data = section.model_copy(update={"scorecards_dir": str(d / SCORECARDS),
                                       "surveys_dir": str(d / SURVEYS)})
    return cfg.model_copy(update={"data": data})


def export_for_run(store: AccountStore, out: str | Path) -> Path:
    """Export the portal's answers and surveys to ``OUT/portal``; returns that folder."""
    d = Path(out) / EXPORT_DIR
    store.export_scorecards(d)
    return d


def rerun(store: AccountStore, out: str | Path, config: StudyConfig | str | Path | None = None,
          **kw: Any) -> Any:
    """Export, then :func:`carlcities.pipeline.run_study` into ``out`` with the portal's
    inputs (keyword arguments go to ``run_study``; ``report`` defaults to true). Returns its
    ``RunSummary``."""
    from ..config import load_config
    from ..pipeline import run_study

    cfg = config if not isinstance(config, str | Path) and config is not None \
        else load_config(config)
    kw.setdefault("report", True)
    return run_study(with_portal_inputs(cfg, export_for_run(store, out)), out, **kw)
