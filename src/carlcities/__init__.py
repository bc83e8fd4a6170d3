"""carlcities: resilient and low-carbon city assessment for Central Asia.

The public API, listed explicitly.
"""

from ._version import __version__  # noqa: E402
from .catalog import Catalog, City, load_catalog  # noqa: E402
from .config import StudyConfig, default_config, load_config  # noqa: E402
from .errors import CarlError  # noqa: E402
from .grid import CityGrid, for_city  # noqa: E402


def run_study(config=None, out="out", *, cities=None, workers=None, progress=False,
              report=True, force=False, say=None):
    """Run the study into ``out``: check every input, compute in a staging area, build the
    HTML report from the staged store (``report=False`` skips it) and swap everything into
    place only when the whole run succeeded (:func:`carlcities.pipeline.run_study`).

    Returns the pipeline's :class:`~carlcities.pipeline.RunSummary`; its ``status`` is
    ``"unchanged"`` when nothing changed since the last complete run (``force`` recomputes).
    """
    from .pipeline import run_study as _run

    return _run(config, out, cities=cities, workers=workers, progress=progress, report=report,
                force=force, say=say)


__all__ = ["__version__", "Catalog", "City", "load_catalog", "StudyConfig", "default_config",
           "load_config", "CarlError", "CityGrid", "for_city", "run_study"]
