"""Benchmark: the risk engine's time per city, one source tree against another (issue 21).

For each city of ``--cities`` (default osh, almaty) the demo layers of the default study are
generated once (the demo cache, ``CARLCITIES_CACHE_DIR``) and the ``form`` engine runs (the risk
engine needs it); one untimed run of a small city (``--warm-up``, kulob) loads the numba cache,
the source model and the vulnerability curves (as on a worker that has run a city), then the
``risk`` engine's ``run`` is timed ``--repeats`` times per city (median kept). Wall time
(``time.perf_counter``) and the CPU time of the process (``time.process_time``: every thread)
are recorded.

Each side (``--before``, ``--after``: the ``src`` folders put first on ``PYTHONPATH``) runs in
its own fresh process; the sides alternate round by round (``--rounds``, default 5, the order
swapped every round) and the JSON keeps every round and the medians. Each process also hashes
everything the risk engine returned for the city (indicator rows, rasters' bytes, curves,
scenarios, exposure, summary, provenance notes): the two sides must give the same digests
(``identical``).

``NUMBA_NUM_THREADS`` is passed to both sides (``--threads``; default: the machine's cores).

    python benchmarks/bench_risk_city.py --before /work/main/src --after src [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _digest(res) -> str:
    """SHA-256 of everything the risk engine returned for one city (exact floats)."""
    import numpy as np

    h = hashlib.sha256()
    for r in res.rows:
        h.update(repr(r).encode())
    for name in sorted(res.rasters):
        arr, unit, desc = res.rasters[name]
        a = np.ascontiguousarray(np.asarray(arr, dtype="float32"))
        h.update(f"{name}|{unit}|{desc}|{a.shape}".encode() + a.tobytes())
    t = res.tables
    for part in (t.curves, t.scenarios, t.exposure, t.summary):
        h.update(repr(part).encode())
    h.update(repr(res.notes).encode())
    return h.hexdigest()


def city_context(cid: str, tmp: Path):
    """The default study's ``risk`` engine and a city's context after the ``form`` engine
    (demo layers from the demo cache)."""
    from carlcities.catalog import load_catalog
    from carlcities.config import load_config
    from carlcities.demo import generate
    from carlcities.demo.cache import demo_cache_dir
    from carlcities.engines import CityContext, order
    from carlcities.grid import for_city, grid_kw
    from carlcities.pipeline import _demo_extras

    cfg = load_config(None)
    engines = {e.name: e for e in order(list(cfg.run.engines))}
    extras = _demo_extras(list(cfg.run.engines))
    demo_dir = demo_cache_dir(cfg.epochs, grid_kw(cfg), extras)
    city = load_catalog().get(cid)
    paths = generate(demo_dir, [city], epochs=tuple(cfg.epochs), extras=extras, **grid_kw(cfg))
    inputs = {k: str(v) for k, v in paths[cid].items()}
    grid = for_city(city, epochs=list(cfg.epochs), **grid_kw(cfg))
    ctx = CityContext(city=city, grid=grid, inputs=inputs, config=cfg, run_id="bench",
                      raster_dir=tmp / cid, districts=None)
    form = engines["form"]
    ctx.settings = getattr(cfg, form.section) if form.section else None
    ctx.products["form"] = form.run(ctx)
    risk = engines["risk"]
    ctx.settings = getattr(cfg, risk.section)
    return risk, ctx


def _child(cities: list[str], repeats: int, warm_up: str) -> dict:
    """In the measured process: one untimed run of the ``warm_up`` city (numba cache, source
    model and curves loaded, as on a worker that has run a city), then ``repeats`` timed runs
    of each city."""
    out: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench_risk_city_"))
    risk, ctx = city_context(warm_up, tmp)
    w0, c0 = time.perf_counter(), time.process_time()
    digests = {warm_up: {_digest(risk.run(ctx))}}
    out["warm_up"] = dict(city=warm_up, wall_s=round(time.perf_counter() - w0, 3),
                          cpu_s=round(time.process_time() - c0, 3),
                          digest=sorted(digests[warm_up])[0])
    contexts = {cid: city_context(cid, tmp) for cid in cities}
    for cid, (risk, ctx) in contexts.items():
        walls, cpus = [], []
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            res = risk.run(ctx)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            digests.setdefault(cid, set()).add(_digest(res))
        out[cid] = dict(wall_s=round(statistics.median(walls), 3),
                        cpu_s=round(statistics.median(cpus), 3),
                        digest=sorted(digests[cid])[0], repeatable=len(digests[cid]) == 1)
    return out


def _run_side(src: str, cities: list[str], repeats: int, threads: int | None,
              warm_up: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, str(HERE)]))
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        target = f.name
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", target,
                        "--cities", ",".join(cities), "--repeats", str(repeats),
                        "--warm-up", warm_up],
                       env=env, check=True)
        return json.loads(Path(target).read_text(encoding="utf-8"))
    finally:
        Path(target).unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", default="/work/main/src", help="src folder of the reference")
    ap.add_argument("--after", default=str(HERE.parent / "src"), help="src folder measured")
    ap.add_argument("--cities", default="osh,almaty")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per city and process")
    ap.add_argument("--threads", type=int, default=None, help="NUMBA_NUM_THREADS of both")
    ap.add_argument("--warm-up", default="kulob", help="city run once, untimed, first")
    ap.add_argument("--output", default=str(RESULTS / "risk_city.json"))
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    cities = [c for c in a.cities.split(",") if c]
    if a.child:
        Path(a.child).write_text(json.dumps(_child(cities, a.repeats, a.warm_up)),
                                 encoding="utf-8")
        return 0
    sides = {"before": str(Path(a.before).resolve()), "after": str(Path(a.after).resolve())}
    rounds: list[dict] = []
    for r in range(a.rounds):
        names = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        got = {n: _run_side(sides[n], cities, a.repeats, a.threads, a.warm_up) for n in names}
        rounds.append(got)
        print(f"round {r + 1}: " + "; ".join(
            f"{n} {c} {got[n][c]['wall_s']:.2f}s/{got[n][c]['cpu_s']:.2f}cpu"
            for n in ("before", "after") for c in cities), flush=True)

    def med(side: str, city: str, key: str) -> float:
        return round(statistics.median(x[side][city][key] for x in rounds), 3)

    per_city = {}
    for c in cities:
        d = {f"{s}_{k}": med(s, c, k) for s in sides for k in ("wall_s", "cpu_s")}
        d.update(wall_speedup=round(d["before_wall_s"] / d["after_wall_s"], 2),
                 cpu_speedup=round(d["before_cpu_s"] / d["after_cpu_s"], 2),
                 identical=all(x["before"][c]["digest"] == x["after"][c]["digest"]
                               for x in rounds))
        per_city[c] = d
    tot = {s: sum(per_city[c][f"{s}_wall_s"] for c in cities) for s in sides}
    tot_cpu = {s: sum(per_city[c][f"{s}_cpu_s"] for c in cities) for s in sides}
    summary = dict(per_city=per_city,
                   total_wall_s={s: round(v, 3) for s, v in tot.items()},
                   total_cpu_s={s: round(v, 3) for s, v in tot_cpu.items()},
                   wall_speedup=round(tot["before"] / tot["after"], 2),
                   cpu_speedup=round(tot_cpu["before"] / tot_cpu["after"], 2),
                   identical=all(per_city[c]["identical"] for c in cities) and all(
                       x["before"]["warm_up"]["digest"] == x["after"]["warm_up"]["digest"]
                       for x in rounds))
    from bench_study import write_result

    return write_result(dict(benchmark="risk engine per city, before/after", sides=sides,
                             cities=cities, rounds_n=a.rounds, repeats=a.repeats,
                             numba_threads=a.threads or os.cpu_count(), summary=summary,
                             rounds=rounds), a.output)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
