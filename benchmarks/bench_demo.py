"""Benchmark: demo-region generation per city, before and after (issue 21).

Times :func:`carlcities.demo.generate_city` (every demo layer the default engines read, into a
fresh folder: a cold demo cache) per city, as CPU time (user + system, ``resource.getrusage``)
and wall time. Two source trees run side by side: ``--base`` (default ``/work/main/src``) and
this checkout's ``src``; each round runs both, alternating which goes first, each in a fresh
Python process that first generates one city left out of the timings (``--warmup-city``: the
imports, numba's on-disk cache and the PROJ/GDAL set-up a study's worker pays once), then the
measured cities one after the other, as a worker does. The medians over ``--rounds`` (default
5) are reported, with the 1-minute load average of the machine before and after each run.

Each run also fingerprints what it wrote: the SHA-256 of every file of every city (name and
bytes). The JSON says whether the two trees wrote the same bytes.

    python benchmarks/bench_demo.py [--rounds 5] [--cities tashkent,almaty,kulob,mary | all]

Writes ``benchmarks/results/demo.json`` (``--output``; ``demo_48.json`` holds a run with
``--cities all --rounds 3``).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW_SRC = HERE.parent / "src"
RESULTS = HERE / "results"
CITIES = "tashkent,almaty,kulob,mary"

#: run in a fresh process with PYTHONPATH=<tree>: argv = work dir, warm-up city, cities
_RUNNER = r"""
import hashlib, json, resource, sys, time
from pathlib import Path
import carlcities.pipeline as P
from carlcities.catalog import load_catalog
from carlcities.config import default_config
from carlcities.demo import generate_city
from carlcities.grid import grid_kw

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

work, warm, cities = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
cfg = default_config()
cat = load_catalog()
extras = P._demo_extras(list(cfg.run.engines))  # what the default study generates
kw = dict(epochs=tuple(cfg.epochs), extras=extras, **grid_kw(cfg))
generate_city(cat.get(warm), work / "warm", **kw)
times, prints = {}, {}
for cid in cities:
    c, w = cpu(), time.perf_counter()
    generate_city(cat.get(cid), work / "demo", **kw)
    times[cid] = (cpu() - c, time.perf_counter() - w)
    h = hashlib.sha256()
    for f in sorted((work / "demo" / cid).iterdir()):
        h.update(f.name.encode() + f.read_bytes())
    prints[cid] = h.hexdigest()
print(json.dumps(dict(times=times, fingerprints=prints)))
"""


def _run(src: Path, warm: str, cities: str, env: dict[str, str]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    load0 = os.getloadavg()[0]
    try:
        out = subprocess.run([sys.executable, "-c", _RUNNER, str(work), warm, cities],
                             env=dict(env, PYTHONPATH=str(src)), capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"run with {src} failed: {out.stderr[-3000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]),
                    loadavg_1min_before=round(load0, 2),
                    loadavg_1min_after=round(os.getloadavg()[0], 2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _summary(runs: list[dict], cities: list[str]) -> dict:
    out: dict = {}
    for version in ("base", "new"):
        rs = [r for r in runs if r["version"] == version]
        out[version] = dict(
            cpu_s_per_city={c: round(statistics.median(r["times"][c][0] for r in rs), 3)
                            for c in cities},
            wall_s_per_city={c: round(statistics.median(r["times"][c][1] for r in rs), 3)
                             for c in cities},
            cpu_s_sum_over_cities=round(statistics.median(
                sum(r["times"][c][0] for c in cities) for r in rs), 3))
    b, n = out["base"], out["new"]
    out["cpu_change_percent"] = {
        c: round(100.0 * (n["cpu_s_per_city"][c] / b["cpu_s_per_city"][c] - 1.0), 1)
        for c in cities}
    out["cpu_change_percent_sum"] = round(
        100.0 * (n["cpu_s_sum_over_cities"] / b["cpu_s_sum_over_cities"] - 1.0), 1)
    fps = {(r["version"], c): r["fingerprints"][c] for r in runs for c in cities}
    out["same_bytes"] = all(fps[("base", c)] == fps[("new", c)] for c in cities)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cities", default=CITIES)
    ap.add_argument("--warmup-city", default="bokhtar",
                    help="generated first in each process and left out of the timings")
    ap.add_argument("--base", default="/work/main/src", help="the source tree to compare with")
    ap.add_argument("--output", default=str(RESULTS / "demo.json"))
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if args.cities == "all":  # every catalogue city but the warm-up one
        sys.path.insert(0, str(NEW_SRC))
        from carlcities.catalog import load_catalog

        args.cities = ",".join(c.city_id for c in load_catalog() if c.city_id != args.warmup_city)
    trees = {"base": Path(args.base), "new": NEW_SRC}
    runs: list[dict] = []
    for rnd in range(1, args.rounds + 1):
        order = ["base", "new"] if rnd % 2 else ["new", "base"]
        for version in order:
            r = _run(trees[version], args.warmup_city, args.cities, env)
            runs.append(dict(r, version=version, round=rnd))
            print(f"round {rnd} {version}: " + ", ".join(
                f"{c} {t[0]:.2f}" for c, t in r["times"].items())
                + f" (load {r['loadavg_1min_before']}-{r['loadavg_1min_after']})", flush=True)
    cities = args.cities.split(",")
    sys.path.insert(0, str(HERE))
    from bench_study import write_result

    result = dict(
        benchmark="demo-region generation per city (generate_city, every layer of the default "
                  "study, cold cache): CPU time (user+sys, getrusage) and wall time, before "
                  "(--base) and after (this checkout's src), fresh process per run after a "
                  "warm-up city, alternating order, median of the rounds",
        base=str(trees["base"]), new=str(trees["new"]), cities=cities,
        warmup_city=args.warmup_city, rounds=args.rounds,
        machine_load="1-min load average before/after each run in runs[]; the machine is "
                     "shared (2 cores), so CPU times carry contention noise",
        summary=_summary(runs, cities), runs=runs)
    return write_result(result, args.output)


if __name__ == "__main__":
    sys.exit(main())
