"""carlcities: resilient and low-carbon city assessment for Central Asia.

The public API, listed explicitly.
"""

from ._version import __version__  # noqa: E402
from .catalog import Catalog, City, load_catalog  # noqa: E402
from .config import StudyConfig, default_config, load_config  # noqa: E402
from .errors import CarlError  # noqa: E402
from .grid import CityGrid, for_city  # noqa: E402


def run_study(config=None, out="out", *, cities=None, workers=None, progress=False,
              report=True):
    """Run the study into ``out`` and build its HTML report from the store.

    The cities, scorecards, appraisal and exports are :func:`carlcities.pipeline.run_study`;
    the report (``report=False`` skips it) is :func:`carlcities.report.build_report`, which
    reads the store only. Returns the pipeline's :class:`~carlcities.pipeline.RunSummary`.
    """
    import time

    from .pipeline import record_report_time
    from .pipeline import run_study as _run

    summary = _run(config, out, cities=cities, workers=workers, progress=progress)
    if report:
        from .report import build_report

        t = time.perf_counter()
        build_report(out)
        seconds = time.perf_counter() - t
        record_report_time(out, seconds)
        summary.timings["report"] = round(seconds, 3)
        summary.timings["total"] = round(summary.timings.get("total", 0.0) + seconds, 3)
    return summary


__all__ = ["__version__", "Catalog", "City", "load_catalog", "StudyConfig", "default_config",
           "load_config", "CarlError", "CityGrid", "for_city", "run_study"]
