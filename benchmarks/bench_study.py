"""Benchmark: the whole default study (every catalogue city, demo region) on this machine.

Target (issue 2): ≤ 2 minutes on a 2-core machine, from nothing (the demo data set is
generated inside the run) to the reports. Writes benchmarks/results/study.json with the
stage timings from the run's manifest, per-city seconds and the machine it ran on.

    python benchmarks/bench_study.py [--workers 2] [--cities a,b,c]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _run(workers: int, cities, engines: list[str] | None) -> dict:
    from carlcities.config import load_config
    from carlcities import run_study

    tmp = Path(tempfile.mkdtemp(prefix="carl-bench-"))
    try:
        cfg_path = tmp / "study.yaml"
        cfg_path.write_text("" if engines is None else f"run:\n  engines: {engines}\n",
                            encoding="utf-8")
        load_before = os.getloadavg()
        t = time.perf_counter()
        s = run_study(load_config(cfg_path), tmp / "out", cities=cities, workers=workers,
                      progress=False)
        wall = time.perf_counter() - t
        m = json.loads((tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    secs = m["city_seconds"]
    return dict(engines=m["config"]["run"]["engines"], wall_seconds=round(wall, 2),
                passes=wall <= 120, cities=len(s.cities), stage_seconds=m["timings"],
                city_seconds_sum=round(sum(secs.values()), 2),
                slowest_cities=sorted(secs.items(), key=lambda kv: -kv[1])[:5],
                loadavg_before=[round(x, 2) for x in load_before],
                loadavg_after=[round(x, 2) for x in os.getloadavg()])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cities", default=None)
    args = ap.parse_args()
    from carlcities.pipeline import software_versions

    cities = args.cities.split(",") if args.cities else None
    runs = {"spine": _run(args.workers, cities, []),
            "all_engines": _run(args.workers, cities, None)}
    result = dict(
        benchmark="whole default study (demo region), cold: demo data generated in the run; "
                  "'spine' = urban form and growth only (run.engines: []), 'all_engines' = "
                  "with environment, mobility and carbon",
        target_seconds=120, workers=args.workers, runs=runs,
        machine=dict(platform=platform.platform(), cpus=os.cpu_count()),
        software=software_versions(),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    for name, r in runs.items():
        print(f"{name}: {r['cities']} cities with {args.workers} workers: {r['wall_seconds']:.1f} s "
              f"(target 120 s) — stages {r['stage_seconds']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
