"""Benchmark: the memory of a whole study, process by process and stage by stage (issue 21).

Target: the peak of the process tree's summed resident memory (RSS) ≤ 2 GB (2.0e9 bytes) on 2
workers, for the whole default study (48 cities, every engine, report).

Each run is a fresh ``python -m carlcities.cli run`` process (as in ``bench_study.py``); every
``--interval`` seconds (default 0.15) each process of its tree is read with psutil
(``memory_full_info``: RSS, PSS and USS from ``/proc/PID/smaps_rollup``) and given a role:

* ``main``: the CLI process (the Dask scheduler, the nannies and the client live in it as
  objects of its event loop; the store is written from it; the appraisal and report run in it);
* ``worker``: a Dask worker (a spawned interpreter: ``multiprocessing.spawn`` on its command
  line);
* ``report_pool``: a process forked from the main process (the report's figure and page pool);
* ``mp_tracker``: multiprocessing's resource tracker; ``other``: anything else.

RSS counts every page a process maps, so pages shared between processes (a forked child's
copy-on-write pages, shared libraries) are counted once per process; PSS divides each shared
page between the processes that map it, so the PSS sum is the memory the tree really uses; USS
counts only a process's private pages. The JSON keeps all three sums.

The stage of each sample comes from the run's staged manifest (``OUT/runs/RUN/manifest.json``,
re-read when it changes): the first of cities, scorecards, appraisal, exports, report without
a time yet (a stage's time is written when the next one ends, so ``cities`` includes the
inputs and the scorecards' tenth of a second); ``start`` before the manifest exists,
``commit`` after the report.

Variants (``--variant NAME[:SRC][:ENV=VALUE,...]``, repeatable) alternate round by round: SRC
is the ``src`` folder to run (default this checkout's), so a change is measured against
``/work/main/src`` in the same session. The summary keeps per variant the median wall and CPU
time, the largest peak of the RSS sum, of the PSS sum and of the largest process, and the
stage, roles and cities in work at the run's RSS peak; with ``--timeline`` the samples (one a
second) of each run.

    python benchmarks/bench_memory.py --cities tashkent,almaty --rounds 3 \\
        --variant before:/work/main/src --variant after
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_study import RESULTS, SRC, finished_run, run_command, write_result  # noqa: E402

STAGES = ("inputs", "cities", "scorecards", "appraisal", "exports", "report")
GB = 1e9


def role(proc, main_cmd: list[str]) -> str:
    """What a process of the run's tree is (see the module's docstring)."""
    try:
        cmd = proc.cmdline()
    except Exception:  # noqa: BLE001 - gone between listing and reading
        return "other"
    text = " ".join(cmd)
    if "resource_tracker" in text:
        return "mp_tracker"
    if "multiprocessing.spawn" in text or "multiprocessing.forkserver" in text:
        return "worker"
    if cmd == main_cmd:
        return "report_pool"
    return "other"


def sample(root, main_cmd: list[str]) -> list[dict]:
    """One reading of every process in ``root``'s tree: pid, role, rss, pss, uss (bytes)."""
    import psutil

    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    out = []
    for p in procs:
        try:
            m = p.memory_full_info()
        except psutil.Error:
            continue
        out.append({"pid": p.pid, "role": "main" if p.pid == root.pid else role(p, main_cmd),
                    "rss": m.rss, "pss": m.pss, "uss": m.uss})
    return out


class StageWatch:
    """The stage the run is in and the cities it has finished, from its staged manifest."""

    def __init__(self, out: Path):
        self.out = out
        self.path: Path | None = None
        self.mtime = 0.0
        self.stage, self.done = "start", 0
        self.finished: set[str] = set()

    def read(self) -> tuple[str, int]:
        if self.path is None:
            found = sorted((self.out / "runs").glob("*/manifest.json")) \
                if (self.out / "runs").is_dir() else []
            self.path = found[0] if found else None
        if self.path is None:
            return self.stage, self.done
        try:
            mt = self.path.stat().st_mtime
            if mt != self.mtime:
                m = json.loads(self.path.read_text(encoding="utf-8"))
                self.mtime = mt
                timings = m.get("timings", {})
                # the inputs stage (0.1 s) is written with the first city: count it in cities
                self.stage = next((s for s in STAGES[1:] if s not in timings), "commit")
                self.finished = set(m.get("city_seconds", {}))
                self.done = len(self.finished)
        except (OSError, ValueError):
            pass  # renamed into place (commit) or half-written: keep the last reading
        return self.stage, self.done


def _sum(procs: list[dict], key: str, which: str | None = None) -> int:
    return sum(p[key] for p in procs if which is None or p["role"] == which)


def one_run(out: Path, cfg: Path, cities: str | None, workers: int, env: dict[str, str],
            interval: float) -> dict:
    """Run the study once, sampling its process tree; the run's memory summary."""
    import psutil

    cmd, ru = run_command(out, cfg, cities, workers)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(p.pid)
    watch = StageWatch(out)
    samples: list[dict] = []
    while p.poll() is None:
        procs = sample(root, cmd)
        stage, done = watch.read()
        if procs:
            samples.append({"t": round(time.perf_counter() - t0, 2), "stage": stage,
                            "cities_done": done, "procs": procs})
        time.sleep(interval)
    wall = time.perf_counter() - t0
    return summarise(samples, wall, *finished_run(p, ru, out))


def summarise(samples: list[dict], wall: float, rusage: dict, manifest: dict) -> dict:
    """Peaks of the RSS, PSS and USS sums, the largest process, per stage and per role."""
    su, ss, sf, _ = rusage["self"]
    cu, cs, cf, _ = rusage["children"]
    top = max(samples, key=lambda s: _sum(s["procs"], "rss"))
    roles = sorted({p["role"] for s in samples for p in s["procs"]})
    stages: dict[str, dict] = {}
    for s in samples:
        st = stages.setdefault(s["stage"], {"seconds": 0.0, "peak_rss_gb": 0.0,
                                            "peak_pss_gb": 0.0, "peak_role_rss_gb": {}})
        st["peak_rss_gb"] = max(st["peak_rss_gb"], round(_sum(s["procs"], "rss") / GB, 3))
        st["peak_pss_gb"] = max(st["peak_pss_gb"], round(_sum(s["procs"], "pss") / GB, 3))
        for r in roles:
            v = round(_sum(s["procs"], "rss", r) / GB, 3)
            if v:
                st["peak_role_rss_gb"][r] = max(st["peak_role_rss_gb"].get(r, 0.0), v)
    ts = [s["t"] for s in samples]
    for name in stages:
        inside = [t for t, s in zip(ts, samples, strict=True) if s["stage"] == name]
        stages[name]["seconds"] = round(max(inside) - min(inside), 1)

    def at(s: dict) -> dict:
        return {"t": s["t"], "stage": s["stage"], "cities_done": s["cities_done"],
                "rss_gb": round(_sum(s["procs"], "rss") / GB, 3),
                "pss_gb": round(_sum(s["procs"], "pss") / GB, 3),
                "uss_gb": round(_sum(s["procs"], "uss") / GB, 3),
                "processes": [{"role": p["role"], "rss_gb": round(p["rss"] / GB, 3),
                               "pss_gb": round(p["pss"] / GB, 3),
                               "uss_gb": round(p["uss"] / GB, 3)} for p in s["procs"]]}

    timeline, last = [], -1.0
    for s in samples:
        if s["t"] - last >= 1.0:
            timeline.append([s["t"], s["stage"], round(_sum(s["procs"], "rss") / GB, 3),
                             round(_sum(s["procs"], "pss") / GB, 3),
                             {r: round(_sum(s["procs"], "rss", r) / GB, 3) for r in roles
                              if any(p["role"] == r for p in s["procs"])}])
            last = s["t"]
    return dict(
        wall_s=round(wall, 2), cpu_user_s=round(su + cu, 2), cpu_sys_s=round(ss + cs, 2),
        minor_faults=int(sf + cf), samples=len(samples),
        peak_rss_sum_gb=round(_sum(top["procs"], "rss") / GB, 3),
        peak_pss_sum_gb=round(max(_sum(s["procs"], "pss") for s in samples) / GB, 3),
        peak_uss_sum_gb=round(max(_sum(s["procs"], "uss") for s in samples) / GB, 3),
        peak_largest_process_rss_gb=round(max(p["rss"] for s in samples for p in s["procs"])
                                          / GB, 3),
        at_rss_peak=at(top), stages=stages, stage_s=manifest.get("timings", {}),
        workers=manifest.get("workers"), workers_estimate=manifest.get("workers_estimate"),
        cities=len(manifest.get("cities", [])), timeline=timeline)


def parse_variant(text: str) -> tuple[str, str, dict[str, str]]:
    """``NAME[:SRC][:ENV=VALUE,...]`` → (name, src folder, environment)."""
    name, *rest = text.split(":")
    src, env = str(SRC), {}
    for part in rest:
        if "=" in part:
            env.update(kv.split("=", 1) for kv in part.split(",") if kv)
        elif part:
            src = part
    return name, src, env


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cities", default=None, help="comma-separated city ids (default all)")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME[:SRC][:ENV=VALUE,...]; default one variant, this checkout")
    ap.add_argument("--interval", type=float, default=0.15)
    ap.add_argument("--cache", default=os.environ.get("CARLCITIES_CACHE_DIR"),
                    help="demo data cache (filled by a first, unmeasured run when empty)")
    ap.add_argument("--timeline", action="store_true", help="keep each run's samples (1/s)")
    ap.add_argument("--output", default=str(RESULTS / "memory.json"))
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant] or [("this", str(SRC), {})]
    tmp = Path(tempfile.mkdtemp(prefix="carl-mem-"))
    cache = Path(args.cache) if args.cache else tmp / "cache"
    cfg = tmp / "study.yaml"
    cfg.write_text("appraisal:\n  discount_rate: 0.06\n", encoding="utf-8")
    runs: dict[str, list[dict]] = {name: [] for name, _s, _e in variants}
    try:
        if not cache.is_dir() or not any(cache.iterdir()):
            name, src, extra = variants[0]
            env = dict(os.environ, PYTHONPATH=src, CARLCITIES_CACHE_DIR=str(cache), **extra)
            one_run(tmp / "warm", cfg, args.cities, args.workers, env, 1.0)
            shutil.rmtree(tmp / "warm")
        for i in range(args.rounds):
            for name, src, extra in variants:
                env = dict(os.environ, PYTHONPATH=src, CARLCITIES_CACHE_DIR=str(cache), **extra)
                out = tmp / f"out-{name}-{i}"
                r = one_run(out, cfg, args.cities, args.workers, env, args.interval)
                if not args.timeline:
                    r.pop("timeline")
                runs[name].append(r)
                pk = r["at_rss_peak"]
                print(f"round {i + 1} {name}: {r['wall_s']} s, peak RSS {r['peak_rss_sum_gb']} "
                      f"GB (PSS {r['peak_pss_sum_gb']}) in {pk['stage']} at {pk['t']} s: "
                      + ", ".join(f"{p['role']} {p['rss_gb']}" for p in pk["processes"]),
                      flush=True)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(rs: list[dict], key: str) -> float:
        return round(statistics.median(r[key] for r in rs), 3)

    summary: dict[str, dict] = {}
    for name, rs in runs.items():
        worst = max(rs, key=lambda r: r["peak_rss_sum_gb"])
        summary[name] = dict(
            median_wall_s=med(rs, "wall_s"), median_cpu_user_s=med(rs, "cpu_user_s"),
            median_cpu_sys_s=med(rs, "cpu_sys_s"), median_minor_faults=med(rs, "minor_faults"),
            max_peak_rss_sum_gb=worst["peak_rss_sum_gb"],
            median_peak_rss_sum_gb=med(rs, "peak_rss_sum_gb"),
            max_peak_pss_sum_gb=max(r["peak_pss_sum_gb"] for r in rs),
            max_peak_largest_process_rss_gb=max(r["peak_largest_process_rss_gb"] for r in rs),
            worst_peak=worst["at_rss_peak"],
            peak_rss_by_stage_gb={s: max(r["stages"].get(s, {}).get("peak_rss_gb", 0)
                                         for r in rs)
                                  for s in ("start", *STAGES[1:], "commit")
                                  if s != "scorecards"},
            median_stage_s={k: round(statistics.median(r["stage_s"].get(k, 0) for r in rs), 3)
                            for k in sorted({k for r in rs for k in r["stage_s"]})})
    result = dict(
        benchmark="memory of the study's process tree (RSS, PSS, USS per process, sampled "
                  f"every {args.interval} s), by stage and role; variants alternate round by "
                  "round; warm demo cache",
        target=dict(peak_rss_sum_gb_2_workers=2.0),
        cities=args.cities or "all", workers=args.workers, rounds=args.rounds,
        variants={n: dict(src=s, env=e) for n, s, e in variants},
        summary=summary, runs=runs)
    return write_result(result, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
