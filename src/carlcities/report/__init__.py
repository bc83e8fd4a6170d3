"""HTML reports built only from what a run wrote into its output directory.

``build_report(out_dir)`` reads ``OUT/study.duckdb`` (read-only) and the rasters under
``OUT/rasters/CITY/`` and writes ``OUT/report/index.html`` (regional comparison) and
``OUT/report/cities/CITY.html`` (one profile per city), each with a JSON twin holding the same
data, and the figures as PNG files under ``OUT/report/img/``. Pages are self-contained (CSS and
JavaScript inlined, no network) and open from ``file://``.
"""

from __future__ import annotations

from .build import build_report, median, percentile_ranks

__all__ = ["build_report", "median", "percentile_ranks"]
