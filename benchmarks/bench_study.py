"""Benchmark: the whole default study (every catalogue city, demo region, every engine, report).

Targets (issues 2 and 21): ≤ 120 s on an idle 2-core machine; appraisal ≤ 10 s; report ≤ 15 s;
a re-run after changing one appraisal setting ≤ 20 s; 2 workers ≥ 1.7× one; the peak memory
of the process tree ≤ 2 GB on 2 workers.

Each run is a fresh ``python -m carlcities.cli run`` process; the runs of the variants alternate
round by round (``--rounds``, default 5) and the median is reported. Per run the JSON keeps:

* wall time, and the CPU time (user, system) and minor page faults of the whole process tree
  (``RUSAGE_CHILDREN`` of the run's process, read by a wrapper);
* the peak resident memory of the process tree (sum over the run's processes, sampled every
  0.1 s with psutil) and of its largest process;
* the stage times (``manifest.json`` → ``timings``), per-city seconds (``city_seconds``) and
  each engine's seconds per city (``engine_seconds``: demo generation, grid, each engine with
  the COGs it writes), summed over the cities per engine;
* the worker estimate of the run (``workers_estimate``);
* with ``--rerun``: the time of a second run into the same output after changing
  ``appraisal.discount_rate`` (the cities are reused; the appraisal, exports and the report are
  redone, the figures whose inputs did not change are taken from the previous report).

The demo data cache (``CARLCITIES_CACHE_DIR``) is a fresh folder per run unless ``--warm-demo``
(then it is filled once before the rounds, and the runs time the study without the demo
generation).

    python benchmarks/bench_study.py [--workers 1,2] [--rounds 5] [--cities a,b,c] [--rerun]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SRC = Path(__file__).resolve().parents[1] / "src"

#: run inside the measured process: the CLI, then the rusage of all its children
_WRAPPER = """
import json, resource, sys
from carlcities.cli import app
try:
    app(sys.argv[2:], standalone_mode=False)
finally:
    self_ = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump({"self": [self_.ru_utime, self_.ru_stime, self_.ru_minflt, self_.ru_maxrss],
               "children": [ch.ru_utime, ch.ru_stime, ch.ru_minflt, ch.ru_maxrss]},
              open(sys.argv[1], "w"))
"""


def _tree_rss(pid: int) -> tuple[int, int]:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    rss = []
    for q in procs:
        try:
            rss.append(q.memory_info().rss)
        except psutil.Error:
            pass
    return sum(rss), max(rss, default=0)


def run_command(out: Path, cfg: Path, cities: str | None, workers: int
                ) -> tuple[list[str], Path]:
    """The measured ``carlcities run`` command (through :data:`_WRAPPER`) and the file its
    rusage is written to."""
    ru = out.parent / f"rusage-{out.name}.json"
    cmd = [sys.executable, "-c", _WRAPPER, str(ru), "run", "--config", str(cfg), "--out",
           str(out), "--workers", str(workers)]
    if cities:
        cmd += ["--cities", cities]
    return cmd, ru


def finished_run(p: subprocess.Popen, ru: Path, out: Path) -> tuple[dict, dict]:
    """The rusage and the manifest of the measured run ``p`` (ended), or its stderr's tail
    as an error."""
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if p.returncode != 0:
        raise RuntimeError(f"run failed ({p.returncode}): {err[-2000:]}")
    return (json.loads(ru.read_text()),
            json.loads((out / "manifest.json").read_text(encoding="utf-8")))


def _one(out: Path, cfg: Path, cities: str | None, workers: int, env: dict[str, str]) -> dict:
    cmd, ru = run_command(out, cfg, cities, workers)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = largest = 0
    while p.poll() is None:
        tot, big = _tree_rss(p.pid)
        peak, largest = max(peak, tot), max(largest, big)
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    r, m = finished_run(p, ru, out)
    per_engine: dict[str, float] = {}
    for secs in m.get("engine_seconds", {}).values():
        for k, v in secs.items():
            per_engine[k] = round(per_engine.get(k, 0.0) + v, 3)
    su, ss, sf, _ = r["self"]
    cu, cs, cf, cmax = r["children"]
    return dict(wall_s=round(wall, 2), cpu_user_s=round(su + cu, 2), cpu_sys_s=round(ss + cs, 2),
                minor_faults=int(sf + cf), peak_tree_gib=round(peak / 2**30, 3),
                peak_largest_process_gib=round(largest / 2**30, 3),
                stage_s=m["timings"], engine_s_sum=per_engine,
                city_s=m.get("city_seconds", {}), engine_s=m.get("engine_seconds", {}),
                workers=m.get("workers"), workers_estimate=m.get("workers_estimate"),
                cities=len(m.get("cities", [])))


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def reference_speed(rounds: int = 5) -> dict[str, float]:
    """Seconds of two fixed workloads (median of ``rounds``), written beside every result so
    that whole-study times from different machines can be compared (the same code took 220 s
    in one session and 440-454 s in the next): a pure-Python loop (10 M additions; the
    interpreter-bound parts) and a numpy workload (sorting 2 M float64 and 20 exp over 1 M;
    the array-bound parts)."""
    import numpy as np

    def py() -> None:
        s = 0
        for i in range(10_000_000):
            s += i

    rng = np.random.default_rng(0)
    a, b = rng.random(2_000_000), rng.random(1_000_000)

    def npw() -> None:
        np.sort(a)
        for _ in range(20):
            np.exp(b)

    out = {}
    for name, f in (("python_loop_s", py), ("numpy_s", npw)):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        out[name] = round(statistics.median(times), 3)
    return out


def write_result(result: dict, output: str | Path) -> int:
    """Add the machine (load and reference speed at the end), software versions and time to a
    benchmark's ``result``, write it as JSON to ``output`` and print its summary."""
    from carlcities.pipeline import software_versions

    result.update(machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                               loadavg_end=[round(x, 2) for x in os.getloadavg()],
                               reference_speed=reference_speed()),
                  software=software_versions(),
                  when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result.get("summary"), indent=1))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cities", default=None)
    ap.add_argument("--rerun", action="store_true",
                    help="also time a re-run after changing one appraisal setting")
    ap.add_argument("--warm-demo", action="store_true")
    ap.add_argument("--compare-malloc", action="store_true",
                    help="runs with more than one worker also with Dask's own malloc setting "
                         "(CARLCITIES_WORKER_MALLOC=dask), alternating")
    ap.add_argument("--output", default=str(RESULTS / "study.json"))
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="carl-bench-"))
    env = dict(os.environ, PYTHONPATH=str(SRC))
    cfg = tmp / "study.yaml"
    cfg.write_text("appraisal:\n  discount_rate: 0.06\n", encoding="utf-8")
    cfg2 = tmp / "study2.yaml"
    cfg2.write_text("appraisal:\n  discount_rate: 0.07\n", encoding="utf-8")
    variants = [(w, "") for w in counts] + ([(w, "dask") for w in counts if w > 1]
                                            if args.compare_malloc else [])
    runs: dict[str, list[dict]] = {f"workers_{w}" + (f"_{m}_malloc" if m else ""): []
                                   for w, m in variants}
    reruns: list[dict] = []
    try:
        if args.warm_demo:
            env["CARLCITIES_CACHE_DIR"] = str(tmp / "cache")
            _one(tmp / "warm", cfg, args.cities, max(counts), env)
            shutil.rmtree(tmp / "warm")
        for i in range(args.rounds):
            for w, malloc in variants:
                name = f"workers_{w}" + (f"_{malloc}_malloc" if malloc else "")
                out = tmp / f"out-{name}-{i}"
                e = env if args.warm_demo else dict(env, CARLCITIES_CACHE_DIR=str(tmp / f"c{i}"))
                e = dict(e, CARLCITIES_WORKER_MALLOC=malloc) if malloc else e
                r = _one(out, cfg, args.cities, w, e)
                runs[name].append(r)
                print(f"round {i + 1} {name}: {r['wall_s']} s, stages {r['stage_s']}, "
                      f"peak {r['peak_tree_gib']} GiB", flush=True)
                if args.rerun and w == max(counts) and not malloc:
                    rr = _one(out, cfg2, args.cities, w, e)
                    reruns.append(rr)
                    print(f"  re-run after an appraisal change: {rr['wall_s']} s "
                          f"{rr['stage_s']}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(tmp / f"c{i}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = {}
    for name, rs in runs.items():
        stages = sorted({k for r in rs for k in r["stage_s"]})
        engines = sorted({k for r in rs for k in r["engine_s_sum"]})
        summary[name] = dict(
            median_wall_s=_median(rs, "wall_s"), median_cpu_user_s=_median(rs, "cpu_user_s"),
            median_cpu_sys_s=_median(rs, "cpu_sys_s"),
            median_minor_faults=_median(rs, "minor_faults"),
            max_peak_tree_gib=max(r["peak_tree_gib"] for r in rs),
            max_peak_largest_process_gib=max(r["peak_largest_process_gib"] for r in rs),
            median_stage_s={k: round(statistics.median(r["stage_s"].get(k, 0) for r in rs), 3)
                            for k in stages},
            median_engine_s_sum={k: round(statistics.median(r["engine_s_sum"].get(k, 0)
                                                            for r in rs), 3) for k in engines})
    if len(counts) > 1:
        a, b = f"workers_{min(counts)}", f"workers_{max(counts)}"
        summary["speedup_wall"] = round(summary[a]["median_wall_s"] / summary[b]["median_wall_s"],
                                        2)
        summary["speedup_cities_stage"] = round(
            summary[a]["median_stage_s"].get("cities", 0)
            / max(summary[b]["median_stage_s"].get("cities", 1e-9), 1e-9), 2)
    if reruns:
        summary["rerun_after_appraisal_change"] = dict(
            median_wall_s=_median(reruns, "wall_s"),
            median_stage_s={k: round(statistics.median(r["stage_s"].get(k, 0) for r in reruns),
                                     3) for k in sorted({k for r in reruns for k in r["stage_s"]})})
    result = dict(
        benchmark="whole study (demo region), every engine, report; each run a fresh process; "
                  "variants alternate round by round",
        targets=dict(whole_s=120, appraisal_s=10, report_s=15, rerun_after_appraisal_change_s=20,
                     speedup_2_workers=1.7, peak_tree_gb_2_workers=2.0),
        cities=args.cities or "all", rounds=args.rounds, warm_demo=args.warm_demo,
        summary=summary, runs=runs, reruns=reruns,
    )
    return write_result(result, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
