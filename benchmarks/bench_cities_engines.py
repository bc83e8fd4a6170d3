"""Benchmark: the cities stage outside risk, per engine, before and after (issue 21).

Times, per city, the demo-data generation (``carlcities.demo.generate_city`` into a fresh
folder, i.e. a cold demo cache) and each engine of ``compute_city`` (CPU time of the process,
``time.process_time``, and wall time), plus the import of ``carlcities.pipeline`` in a fresh
process (what a Dask worker imports before its first city). Two source trees run side by side:
``--base`` (default ``/work/main/src``, the integration checkout) and this checkout's ``src``;
each round runs both, alternating which goes first, each in a fresh Python process; the
medians over ``--rounds`` (default 5) are reported, after one warm-up round of each (numba's
on-disk cache, the OS file cache). Risk is left out by default (``--engines``): it is not
changed here and would triple the time; without it the scenarios run without hazard masks.

Each run also fingerprints what it produced: the SHA-256 of every demo file's bytes, and of the
engines' rows and raster pixels per city. The JSON says whether the two trees agree.

Also timed (``kernels``): the two hand-written kernels against the library calls they replace,
on the Almaty-sized grids of the demo — the window counts of the Atlas classification against
``scipy.signal.fftconvolve`` + rounding, and :func:`carlcities.scenarios.distance.distance_to`
against ``scipy.ndimage.distance_transform_edt``.

    python benchmarks/bench_cities_engines.py [--rounds 5] [--cities tashkent,almaty,osh,kulob,mary]

Writes ``benchmarks/results/cities_engines.json``.
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
CITIES = "tashkent,almaty,osh,kulob,mary"
ENGINES = "environment,mobility,carbon,scenarios"  # form always runs (the others need it)

#: run in a fresh process with PYTHONPATH=<tree>: argv = work dir, cities, engines
_RUNNER = r"""
import hashlib, json, sys, time
c0, w0 = time.process_time(), time.perf_counter()
import carlcities.pipeline as P
imp = (time.process_time() - c0, time.perf_counter() - w0)
from pathlib import Path
import numpy as np
from carlcities.catalog import load_catalog
from carlcities.config import default_config
from carlcities.demo import generate_city
from carlcities.engines import registered
from carlcities.grid import grid_kw

work, cities, engines = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3].split(",")
cfg = default_config()
cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"engines": engines})})
cat = load_catalog()
times = {}
for eng in registered().values():
    def wrapped(ctx, _run=eng.run, _name=eng.name):
        c, w = time.process_time(), time.perf_counter()
        try:
            return _run(ctx)
        finally:
            times.setdefault(_name, {})[ctx.city.city_id] = (time.process_time() - c,
                                                             time.perf_counter() - w)
    eng.run = wrapped
extras = P._demo_extras(list(default_config().run.engines))  # every demo layer
prints = {}
for cid in cities:
    city = cat.get(cid)
    c, w = time.process_time(), time.perf_counter()
    paths = generate_city(city, work / "demo", epochs=tuple(cfg.epochs), extras=extras,
                          **grid_kw(cfg))
    times.setdefault("demo", {})[cid] = (time.process_time() - c, time.perf_counter() - w)
    h = hashlib.sha256()
    for f in sorted((work / "demo" / cid).iterdir()):
        h.update(f.name.encode() + f.read_bytes())
    demo_sha = h.hexdigest()
    res = P.compute_city(city, cfg, {k: str(v) for k, v in paths.items()}, str(work / "out"),
                         "bench")
    h = hashlib.sha256()
    for row in sorted(repr(sorted(r.as_dict().items())) for r in res.rows):
        h.update(row.encode())
    import rasterio
    for f in sorted((work / "out" / "rasters" / cid).glob("*.tif")):
        with rasterio.open(f) as ds:
            h.update(f.name.encode() + ds.read().tobytes())
    prints[cid] = dict(demo=demo_sha, results=h.hexdigest())
print(json.dumps(dict(import_s=imp, times=times, fingerprints=prints)))
"""


def _run(src: Path, cities: str, engines: str, env: dict[str, str]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-cities-"))
    try:
        out = subprocess.run([sys.executable, "-c", _RUNNER, str(work), cities, engines],
                             env=dict(env, PYTHONPATH=str(src)), capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"run with {src} failed: {out.stderr[-3000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]),
                    loadavg_1min=round(os.getloadavg()[0], 2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kernels(repeats: int = 9) -> dict:
    """The hand-written kernels against the library calls they replace (same numbers)."""
    import time

    import numpy as np
    from scipy import ndimage
    from scipy.signal import fftconvolve

    from carlcities.catalog import load_catalog
    from carlcities.demo import city_grid, city_model
    from carlcities.demo.urban import urban_layers
    from carlcities.indicators import atlas
    from carlcities.scenarios.distance import distance_to

    city = load_catalog().get("almaty")
    grid = city_grid(city)
    model = city_model(city, grid)
    gu, gv = np.meshgrid(grid.x0 + (np.arange(grid.width) + 0.5) * grid.res,
                         grid.y0 - (np.arange(grid.height) + 0.5) * grid.res)
    cx, cy = grid.centre_xy()
    shares, _, _ = urban_layers(city, grid, model, gu - cx, gv - cy, (1990, 2000, 2010, 2020))
    built = shares[2020] >= 0.2
    kernel = atlas._disc_kernel(564.19, grid.res)

    def best(f) -> float:
        ts = []
        for _ in range(repeats):
            t = time.process_time()
            f()
            ts.append(time.process_time() - t)
        return statistics.median(ts)

    def fft_counts() -> np.ndarray:
        return np.rint(fftconvolve(built.astype(float), kernel, mode="same")).astype(np.int64)

    same_counts = bool(np.array_equal(fft_counts(), atlas._window_counts(built, kernel)))
    same_dist = bool(np.array_equal(ndimage.distance_transform_edt(~built),
                                    distance_to(built)))
    t_fft, t_runs = best(fft_counts), best(lambda: atlas._window_counts(built, kernel))
    t_edt, t_ours = best(lambda: ndimage.distance_transform_edt(~built)), \
        best(lambda: distance_to(built))
    return dict(
        grid=f"almaty demo built-up 2020 on its city grid, {grid.height} x {grid.width} cells",
        window_counts=dict(fftconvolve_s=round(t_fft, 5), row_prefix_sums_s=round(t_runs, 5),
                           speedup=round(t_fft / t_runs, 2), identical=same_counts),
        distance_to=dict(scipy_edt_s=round(t_edt, 5), distance_to_s=round(t_ours, 5),
                         speedup=round(t_edt / t_ours, 2), identical=same_dist),
        timing=f"CPU time, median of {repeats}")


def _summary(runs: list[dict], cities: list[str]) -> dict:
    out: dict = {}
    for version in ("base", "new"):
        rs = [r for r in runs if r["version"] == version and r["round"] > 0]
        steps = sorted({k for r in rs for k in r["times"]})
        cpu = {k: round(statistics.median(sum(r["times"][k][c][0] for c in r["times"][k])
                                          for r in rs), 3) for k in steps}
        wall = {k: round(statistics.median(sum(r["times"][k][c][1] for c in r["times"][k])
                                           for r in rs), 3) for k in steps}
        per_city = {k: {c: round(statistics.median(r["times"][k][c][0] for r in rs), 3)
                        for c in cities if c in rs[0]["times"].get(k, {})} for k in steps}
        out[version] = dict(
            cpu_s_sum_over_cities=cpu, wall_s_sum_over_cities=wall, cpu_s_per_city=per_city,
            import_pipeline_cpu_s=round(statistics.median(r["import_s"][0] for r in rs), 3),
            import_pipeline_wall_s=round(statistics.median(r["import_s"][1] for r in rs), 3))
    b, n = out["base"], out["new"]
    out["cpu_change_percent"] = {
        k: round(100.0 * (n["cpu_s_sum_over_cities"][k] / v - 1.0), 1)
        for k, v in b["cpu_s_sum_over_cities"].items() if v > 0 and k in n["cpu_s_sum_over_cities"]}
    out["import_cpu_change_percent"] = round(
        100.0 * (n["import_pipeline_cpu_s"] / b["import_pipeline_cpu_s"] - 1.0), 1)
    fps = {(r["version"], c): json.dumps(r["fingerprints"][c], sort_keys=True)
           for r in runs for c in r["fingerprints"]}
    out["same_outputs"] = all(fps[("base", c)] == fps[("new", c)] for c in cities)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cities", default=CITIES)
    ap.add_argument("--engines", default=ENGINES)
    ap.add_argument("--base", default="/work/main/src", help="the source tree to compare with")
    ap.add_argument("--warmup", type=int, default=1, choices=(0, 1),
                    help="a warm-up round of each tree first (left out of the medians)")
    ap.add_argument("--output", default=str(RESULTS / "cities_engines.json"))
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    sys.path.insert(0, str(NEW_SRC))  # the kernels below are this checkout's
    trees = {"base": Path(args.base), "new": NEW_SRC}
    runs: list[dict] = []
    for rnd in range(1 - args.warmup, args.rounds + 1):  # round 0: warm-up, not counted
        order = ["base", "new"] if rnd % 2 == 0 else ["new", "base"]
        for version in order:
            r = _run(trees[version], args.cities, args.engines, env)
            runs.append(dict(r, version=version, round=rnd))
            print(f"round {rnd} {version}: " + ", ".join(
                f"{k} {sum(v[0] for v in t.values()):.2f}" for k, t in r["times"].items()),
                flush=True)
    cities = args.cities.split(",")
    sys.path.insert(0, str(HERE))
    from bench_study import write_result

    result = dict(
        benchmark="the cities stage outside risk: demo generation and engines per city, CPU "
                  "time (process_time) and wall time, before (--base) and after (this "
                  "checkout's src), fresh process per run, alternating, median of the rounds "
                  "after a warm-up round of each",
        base=str(trees["base"]), new=str(trees["new"]), cities=cities,
        engines=args.engines.split(","), rounds=args.rounds, warmup_round=bool(args.warmup),
        summary=_summary(runs, cities), kernels=_kernels(), runs=runs)
    return write_result(result, args.output)


if __name__ == "__main__":
    sys.exit(main())
