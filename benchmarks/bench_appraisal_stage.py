"""The appraisal stage alone, on a copy of a finished study's store (issue 21: ≤ 10 s at 48 cities).

Runs :func:`carlcities.appraisal.run.run_appraisal` (default configuration, run id ``BENCH``) on
a temporary copy of ``STORE`` (``OUT/study.duckdb`` of ``carlcities run --out OUT``), prints
its wall and CPU time, and pickles every appraisal table (sorted rows) to ``TABLES.pkl`` so
that two versions can be compared row for row. ``--profile`` adds a cProfile listing.

    python benchmarks/bench_appraisal_stage.py OUT/study.duckdb /tmp/after.pkl [--profile]
    PYTHONPATH=<other checkout>/src python benchmarks/bench_appraisal_stage.py ... /tmp/before.pkl

``benchmarks/results/appraisal_48.json`` holds a before/after comparison made with it.
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import shutil
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("tables")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    import duckdb

    from carlcities.appraisal.run import run_appraisal
    from carlcities.appraisal.store import TABLES
    from carlcities.catalog import load_catalog
    from carlcities.config import load_config

    tmp = Path(tempfile.mkdtemp(prefix="carl-appraisal-"))
    try:
        shutil.copy(args.store, tmp / "study.duckdb")
        con = duckdb.connect(str(tmp / "study.duckdb"))
        cfg, cat = load_config(None), load_catalog()
        pr = cProfile.Profile() if args.profile else None
        c0, t0 = time.process_time(), time.perf_counter()
        if pr:
            pr.enable()
        summary = run_appraisal(con, cfg, cat, "BENCH")
        if pr:
            pr.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"wall {wall:.2f} s, cpu {cpu:.2f} s, {summary}")
        tabs = {t: con.execute(f"SELECT * FROM {t} WHERE run_id = 'BENCH' ORDER BY ALL")
                .fetchall() for t in TABLES}
        con.close()
        with open(args.tables, "wb") as f:
            pickle.dump(tabs, f)
        if pr:
            pstats.Stats(pr).sort_stats("tottime").print_stats(40)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
