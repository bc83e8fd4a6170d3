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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cities", default=None)
    args = ap.parse_args()
    from carlcities.pipeline import run_study, software_versions

    tmp = Path(tempfile.mkdtemp(prefix="carl-bench-"))
    try:
        load_before = os.getloadavg()
        t = time.perf_counter()
        s = run_study(None, tmp / "out", cities=args.cities.split(",") if args.cities else None,
                      workers=args.workers, progress=False)
        wall = time.perf_counter() - t
        m = json.loads((tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    secs = m["city_seconds"]
    result = dict(
        benchmark="whole default study (demo region), cold: demo data generated in the run",
        target_seconds=120, wall_seconds=round(wall, 2), passes=wall <= 120,
        cities=len(s.cities), workers=args.workers, stage_seconds=m["timings"],
        city_seconds_sum=round(sum(secs.values()), 2),
        slowest_cities=sorted(secs.items(), key=lambda kv: -kv[1])[:5],
        machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                     loadavg_before=[round(x, 2) for x in load_before],
                     loadavg_after=[round(x, 2) for x in os.getloadavg()]),
        software=software_versions(),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{len(s.cities)} cities with {args.workers} workers: {wall:.1f} s "
          f"(target 120 s) — stages {m['timings']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
