"""Benchmark: how the whole study scales with the number of cities and workers (issue 21).

Targets: per-city time linear within 10 % from 48 to 192 cities; the second worker ≥ 1.7×
(efficiency T₁ / (2 · T₂) ≥ 0.85).

The demo region is cloned: ``CARLCITIES_DEMO_CLONES=k`` adds k clones of every catalogue city
(ids ``<id>_c1`` … ``<id>_ck``, other synthetic data, the same facts; see
``carlcities.catalog.CLONES_ENV``), so that 48 × f cities run for a factor f. Every (factor,
workers) pair is a fresh ``carlcities run`` process (through :func:`bench_study._one`: wall and
CPU time, stage times, per-city and per-engine seconds, the peak resident memory of the
process tree sampled every 0.1 s) with a fresh demo cache (demo generation included, as in a
cold default study); the pairs alternate round by round (``--rounds``, default 1: the full
benchmark takes hours) and the medians are kept.

The JSON (``benchmarks/results/scale.json``) gives per pair the wall time, the cities stage,
seconds per city (wall / cities and cities stage / cities), the peak memory; per factor the
second worker's efficiency; per worker count the linearity (seconds per city at the largest
factor over that at the smallest).

    python benchmarks/bench_scale.py                        # 48, 96, 192 cities on 1 and 2 workers
    python benchmarks/bench_scale.py --base almaty,osh --factors 1,2 --output /tmp/s.json
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_study import RESULTS, SRC, _one, write_result  # noqa: E402


def _cities(base: list[str], factor: int) -> str:
    return ",".join(base + [f"{c}_c{k}" for k in range(1, factor) for c in base])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default=None,
                    help="comma-separated base city ids (default: the whole catalogue)")
    ap.add_argument("--factors", default="1,2,4",
                    help="copies of each base city (1 = the base cities only)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--skip", default="",
                    help="comma-separated pairs not to run, e.g. 4x_1w (when the hours of "
                         "one worker at every factor cannot be spent)")
    ap.add_argument("--output", default=str(RESULTS / "scale.json"))
    args = ap.parse_args()
    factors = [int(f) for f in args.factors.split(",")]
    counts = [int(w) for w in args.workers.split(",")]
    sys.path.insert(0, str(SRC))
    from carlcities.catalog import CLONES_ENV, load_catalog

    base = args.base.split(",") if args.base else [c.city_id for c in load_catalog()]
    tmp = Path(tempfile.mkdtemp(prefix="carl-scale-"))
    cfg = tmp / "study.yaml"
    cfg.write_text("appraisal:\n  discount_rate: 0.06\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(SRC), **{CLONES_ENV: str(max(factors) - 1)})
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    runs: dict[str, list[dict]] = {f"{f}x_{w}w": [] for f in factors for w in counts
                                   if f"{f}x_{w}w" not in skip}
    try:
        for i in range(args.rounds):
            for f in factors:
                for w in counts:
                    name = f"{f}x_{w}w"
                    if name in skip:
                        continue
                    out = tmp / f"out-{name}-{i}"
                    e = dict(env, CARLCITIES_CACHE_DIR=str(tmp / f"cache-{name}-{i}"))
                    r = _one(out, cfg, _cities(base, f), w, e)
                    r.pop("engine_s", None)
                    n = r["cities"] or len(base) * f
                    r["s_per_city"] = round(r["wall_s"] / n, 3)
                    r["cities_stage_s_per_city"] = round(r["stage_s"].get("cities", 0) / n, 3)
                    runs[name].append(r)
                    print(f"round {i + 1} {name}: {n} cities, {r['wall_s']} s "
                          f"({r['s_per_city']} s/city), peak {r['peak_tree_gib']} GiB",
                          flush=True)
                    shutil.rmtree(out, ignore_errors=True)
                    shutil.rmtree(tmp / f"cache-{name}-{i}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(name: str, key: str) -> float:
        return round(statistics.median(r[key] for r in runs[name]), 3)

    def med_stage(name: str, key: str) -> float:
        return round(statistics.median(r["stage_s"].get(key, 0) for r in runs[name]), 3)

    summary: dict = {}
    for f in factors:
        for w in counts:
            name = f"{f}x_{w}w"
            if name in skip:
                continue
            summary[name] = dict(
                cities=len(base) * f, workers=w, median_wall_s=med(name, "wall_s"),
                median_cities_stage_s=med_stage(name, "cities"),
                median_s_per_city=med(name, "s_per_city"),
                median_cities_stage_s_per_city=med(name, "cities_stage_s_per_city"),
                median_stage_s={k: med_stage(name, k) for k in
                                sorted({k for r in runs[name] for k in r["stage_s"]})},
                max_peak_tree_gib=max(r["peak_tree_gib"] for r in runs[name]),
                max_peak_largest_process_gib=max(r["peak_largest_process_gib"]
                                                 for r in runs[name]))
        if f"{f}x_1w" in summary and f"{f}x_2w" in summary:
            one, two = summary[f"{f}x_1w"], summary[f"{f}x_2w"]
            summary[f"{f}x_second_worker"] = dict(
                speedup_wall=round(one["median_wall_s"] / two["median_wall_s"], 3),
                efficiency_wall=round(one["median_wall_s"] / (2 * two["median_wall_s"]), 3),
                speedup_cities_stage=round(one["median_cities_stage_s"]
                                           / max(two["median_cities_stage_s"], 1e-9), 3),
                efficiency_cities_stage=round(one["median_cities_stage_s"]
                                              / max(2 * two["median_cities_stage_s"], 1e-9), 3))
    if len(factors) > 1:
        lo, hi = min(factors), max(factors)
        summary["linearity"] = {
            f"{w}w": dict(
                s_per_city_ratio=round(summary[f"{hi}x_{w}w"]["median_s_per_city"]
                                       / summary[f"{lo}x_{w}w"]["median_s_per_city"], 3),
                cities_stage_s_per_city_ratio=round(
                    summary[f"{hi}x_{w}w"]["median_cities_stage_s_per_city"]
                    / max(summary[f"{lo}x_{w}w"]["median_cities_stage_s_per_city"], 1e-9), 3))
            for w in counts if f"{hi}x_{w}w" in summary and f"{lo}x_{w}w" in summary}

    result = dict(
        benchmark="whole study (demo region cloned: CARLCITIES_DEMO_CLONES), every engine, "
                  "report; each run a fresh process with a fresh demo cache",
        targets=dict(linear_within=0.10, second_worker_speedup=1.7),
        base_cities=len(base), factors=factors, workers=counts, rounds=args.rounds,
        skipped=sorted(skip),
        summary=summary, runs=runs,
    )
    return write_result(result, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
