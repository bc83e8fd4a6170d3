"""Event loss engine against a CLIMADA-style sparse impact calculation, side by side.

Set-up (deterministic, seed 20240601): ``--sites`` sites (default 100,000) on a square grid
of 100 m, 5 building classes per site (500,000 assets, values 1e4–1e6 USD), 5 vulnerability
curves of 20 levels over 0–2 g; ``--events`` events (default 10,000), epicentres uniform over
the city plus 50 km, Mw 5–7.5, PGA [g] from ln PGA = −3.5 + 0.9 Mw − 1.2 ln(R + 10) (R
epicentral distance [km]) set to zero beyond ``--cutoff-km`` (default 10 km), so the field
is sparse as CLIMADA's hazard intensity: a scipy.sparse CSR matrix events × sites.

* reference (CLIMADA ``ImpactCalc`` pattern, Aznar-Siguan & Bresch 2019): for each impact
  function, the CSR columns of its assets (``intensity[:, sites]``, a copy), the mean damage
  ratio by ``np.interp`` on ``.data`` (one interpolation: PAA = 1), ``.multiply`` by the
  asset values, ``.sum(axis=1)`` per event, added over functions (no exposure chunking:
  CLIMADA's default matrix limit is not reached; ``eai_exp`` is not computed);
* carlcities: ``risk.losses.event_losses_from_intensity`` on the same CSR matrix (the numba
  kernel of the event-based engine), with all threads and with one thread.

Each runs in its own subprocess, which builds the field (same seed) and then times the loss
calculation (``time.perf_counter``, best of ``--repeats``; numba compilation is loaded from
its cache by a warm-up call on a tiny input first); the three subprocesses are run in
``--rounds`` interleaved rounds and the best round of each is kept. Memory: ``tracemalloc``
peak during the calculation (Python and numpy allocations; numba's own small per-event
buffers are not seen), and the growth of the resident set during the calculation
(``ru_maxrss`` after minus the resident size before) beside the process's total
``ru_maxrss`` (interpreter, libraries and the field included). The two event-loss vectors
must agree to rtol 1e-9. Writes ``benchmarks/results/bench_risk.json``.

    .venv/bin/python benchmarks/bench_risk.py            # full size (several minutes)
    .venv/bin/python benchmarks/bench_risk.py --quick    # 500 events × 10,000 sites
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_TAX = 5
SEED = 20240601


def curves():
    x = np.linspace(0.0, 2.0, 20)
    out = []
    for k in range(N_TAX):
        y = 1.0 / (1.0 + np.exp(-(x - (0.3 + 0.15 * k)) / 0.12))
        y = (y - y[0]) / (y[-1] - y[0]) * (0.6 + 0.08 * k)
        out.append((x, y))
    return out


def exposure_arrays(n_sites):
    rng = np.random.default_rng(SEED)
    site = np.repeat(np.arange(n_sites, dtype=np.int64), N_TAX)
    tax = np.tile(np.arange(N_TAX, dtype=np.int64), n_sites)
    value = 10 ** rng.uniform(4, 6, site.size)
    return site, tax, value


def hazard_field(n_events, n_sites, cutoff_km):
    """CSR intensity [g] events × sites of the synthetic attenuation, built row by row."""
    import scipy.sparse as sp

    side = int(round(np.sqrt(n_sites)))
    nrow = -(-n_sites // side)
    step = 0.1  # km
    rng = np.random.default_rng(SEED + 1)
    L = side * step
    ex = rng.uniform(-50, L + 50, n_events)
    ey = rng.uniform(-50, nrow * step + 50, n_events)
    mag = rng.uniform(5.0, 7.5, n_events)
    indptr = np.zeros(n_events + 1, np.int64)
    idx_parts, val_parts = [], []
    for e in range(n_events):
        c0 = max(0, int((ex[e] - cutoff_km) / step))
        c1 = min(side, int((ex[e] + cutoff_km) / step) + 1)
        r0 = max(0, int((ey[e] - cutoff_km) / step))
        r1 = min(nrow, int((ey[e] + cutoff_km) / step) + 1)
        if c0 >= c1 or r0 >= r1:
            indptr[e + 1] = indptr[e]
            continue
        cc, rr = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
        sid = (rr * side + cc).ravel()
        R = np.hypot((cc.ravel() + 0.5) * step - ex[e], (rr.ravel() + 0.5) * step - ey[e])
        keep = (R <= cutoff_km) & (sid < n_sites)
        pga = np.exp(-3.5 + 0.9 * mag[e] - 1.2 * np.log(R[keep] + 10.0))
        idx_parts.append(sid[keep].astype(np.int32))
        val_parts.append(pga)
        indptr[e + 1] = indptr[e] + keep.sum()
    data = np.concatenate(val_parts) if val_parts else np.zeros(0)
    idx = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int32)
    return sp.csr_matrix((data, idx, indptr), shape=(n_events, n_sites))


def reference_impact(field, site, tax, value, cv):
    """CLIMADA ImpactCalc pattern: per impact function, column slice, interp, multiply, sum."""
    import scipy.sparse as sp

    at_event = np.zeros(field.shape[0])
    for k, (xp, fp) in enumerate(cv):
        sel = np.nonzero(tax == k)[0]
        mdr = field[:, site[sel]]
        mdr.data = np.interp(mdr.data, xp, fp)
        vals = sp.csr_matrix((value[sel], np.arange(sel.size), [0, sel.size]),
                             shape=(1, sel.size))
        imp = mdr.multiply(vals)
        at_event += np.asarray(imp.sum(axis=1)).ravel()
    return at_event


def rss_now_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(args):
    import tracemalloc

    site, tax, value = exposure_arrays(args.sites)
    cv = curves()
    field = hazard_field(args.events, args.sites, args.cutoff_km)
    if args.worker == "ref":
        def calc():
            return reference_impact(field, site, tax, value, cv)
    else:
        import numba

        from carlcities.risk.exposure import Exposure
        from carlcities.risk.losses import CurveSet, event_losses_from_intensity

        if args.worker == "ours1":
            numba.set_num_threads(1)
        z = np.zeros(site.size)
        ex = Exposure(site=site, x=z, y=z, lon=z, lat=z, taxonomy=tax,
                      taxonomies=[f"T{k}" for k in range(N_TAX)],
                      occupancy=np.full(site.size, "Res"), buildings=z, floor_area_m2=z,
                      value_structural=value, value_nonstructural=z, value_contents=z,
                      occupants_day=z, occupants_night=z, occupants_transit=z)
        cs = CurveSet.from_arrays([f"T{k}" for k in range(N_TAX)], [c[0] for c in cv],
                                  [c[1] for c in cv])
        event_losses_from_intensity(field[:2], ex, cs)  # load the compiled kernel

        def calc():
            return event_losses_from_intensity(field, ex, cs)[0][:, 0]
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out = calc()
        times.append(time.perf_counter() - t0)
    rss0 = rss_now_mib()
    tracemalloc.start()
    calc()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(args.out + ".npy", out)
    res = dict(wall_s=min(times), wall_all_s=times, tracemalloc_peak_mib=peak / 2**20,
               rss_before_mib=rss0, ru_maxrss_mib=maxrss,
               field_mib=(field.data.nbytes + field.indices.nbytes + field.indptr.nbytes)
               / 2**20, nnz=int(field.nnz))
    if args.worker != "ref":
        import numba

        res["threads"] = numba.get_num_threads()
    Path(args.out).write_text(json.dumps(res))


def run_one(kind, args, tmp):
    out = str(tmp / f"{kind}.json")
    cmd = [sys.executable, __file__, "--worker", kind, "--out", out, "--events",
           str(args.events), "--sites", str(args.sites), "--cutoff-km", str(args.cutoff_km),
           "--repeats", str(args.repeats)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    res = json.loads(Path(out).read_text())
    res["subprocess_s"] = time.perf_counter() - t0
    return res, np.load(out + ".npy")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 events × 10,000 sites")
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--cutoff-km", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=2, help="timed calls per subprocess")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved subprocess rounds")
    ap.add_argument("--worker", choices=("ref", "ours", "ours1"))
    ap.add_argument("--out", default=str(HERE / "results" / "bench_risk.json"))
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    if args.quick:
        args.events, args.sites, args.repeats = 500, 10_000, 3
    import tempfile

    best: dict[str, tuple[dict, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        # rounds of interleaved subprocesses: a load spike on a shared machine hits all alike
        for _ in range(args.rounds):
            for kind in ("ref", "ours", "ours1"):
                r, loss = run_one(kind, args, tmp)
                if kind not in best or r["wall_s"] < best[kind][0]["wall_s"]:
                    best[kind] = (r, loss)
    (ref, ref_loss), (ours, our_loss), (ours1, our1_loss) = (best[k] for k in
                                                             ("ref", "ours", "ours1"))
    agree = bool(np.allclose(our_loss, ref_loss, rtol=1e-9, atol=0.0)
                 and np.allclose(our1_loss, ref_loss, rtol=1e-9, atol=0.0))
    max_rel = float(np.max(np.abs(our_loss - ref_loss) / np.maximum(np.abs(ref_loss), 1e-300)))
    n_assets = args.sites * N_TAX
    work = args.events * n_assets

    def block(r):
        return dict(wall_s=r["wall_s"], throughput_event_assets_per_s=work / r["wall_s"],
                    tracemalloc_peak_mib=r["tracemalloc_peak_mib"],
                    rss_growth_mib=max(r["ru_maxrss_mib"] - r["rss_before_mib"], 0.0),
                    ru_maxrss_total_mib=r["ru_maxrss_mib"], **({"threads": r["threads"]}
                                                               if "threads" in r else {}))

    res = dict(
        benchmark="event losses: carlcities numba kernel vs CLIMADA-style sparse impact",
        size=dict(events=args.events, sites=args.sites, assets=n_assets, rounds=args.rounds,
                  repeats=args.repeats,
                  cutoff_km=args.cutoff_km, nnz=ref["nnz"], field_mib=ref["field_mib"],
                  quick=args.quick),
        reference=block(ref), carlcities=block(ours), carlcities_1_thread=block(ours1),
        agree_rtol_1e_9=agree, max_relative_difference=max_rel,
        ratios=dict(
            throughput=ref["wall_s"] / ours["wall_s"],
            throughput_1_thread=ref["wall_s"] / ours1["wall_s"],
            tracemalloc_peak=ours["tracemalloc_peak_mib"] / ref["tracemalloc_peak_mib"],
            tracemalloc_peak_1_thread=ours1["tracemalloc_peak_mib"]
            / ref["tracemalloc_peak_mib"],
            rss_growth=(max(ours["ru_maxrss_mib"] - ours["rss_before_mib"], 0.0)
                        / max(ref["ru_maxrss_mib"] - ref["rss_before_mib"], 1e-9)),
            ru_maxrss_total=ours["ru_maxrss_mib"] / ref["ru_maxrss_mib"]),
        memory_note="tracemalloc: peak of Python/numpy allocations during one calculation "
                    "(the input field excluded; numba's per-event buffers not seen); "
                    "rss_growth: ru_maxrss after minus resident size before the calculation; "
                    "ru_maxrss_total includes the interpreter, libraries and the field",
        targets=dict(throughput=">= 3", peak_memory="<= 0.25 (tracemalloc peak)"),
        machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                     python=platform.python_version(), numpy=np.__version__),
        date=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    import numba
    import scipy

    res["machine"].update(scipy=scipy.__version__, numba=numba.__version__)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(json.dumps(res["ratios"], indent=2), "agree:", agree)
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
