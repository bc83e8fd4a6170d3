"""Benchmark: SMAA-2 at 10,000 samples × 30 options × 10 criteria (issue 21).

Targets: ≥ 50× a per-sample pymcdm loop and < 0.5 s, identical results. Side by side in one
run, alternating rounds (``BENCH_REPEATS``, default 5), median wall and CPU time
(``time.process_time``) of each variant:

* ``pymcdm_loop``: for every sample, ``pymcdm.methods.TOPSIS(vector_normalization)`` on that
  sample's values and weights, then the ranking (what a per-sample SMAA's acceptability pass
  does with pymcdm) — the rank acceptabilities only;
* ``carlcities_topsis_acceptability``: the same pass vectorised (weight-independent part once,
  one ranking of all samples) — the like-for-like comparison;
* ``carlcities_topsis``: the whole ``smaa2(model='topsis')``: acceptabilities, central weights
  and the confidence pass of every option that ranks first (31 passes over the samples);
* ``carlcities_additive``: ``smaa2()`` with the default additive model (the pipeline's);
* ``pymcdm_smaa2_loop_1000_samples``: the whole SMAA-2 (acceptability pass, central weights,
  a confidence pass per option ranked first) with pymcdm per sample, on 1,000 of the samples
  (it is per-sample work: ``..._scaled_to_K`` is that time × 10, labelled as such);
* ``loop_additive`` / ``loop_topsis``: the pre-issue-21 implementation (``tests/smaa_loop.py``)
  — ``loop_topsis`` once only (it takes ~15 s).

The results of the vectorised and the loop implementations are compared exactly. Output:
``benchmarks/results/smaa.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

K, A, M = 10_000, 30, 10


def _data():
    from carlcities.appraisal.smaa import sample_weights_uniform

    g = np.random.default_rng(20240601)
    # criterion values: option means apart, per-sample noise (as CBA Monte Carlo draws)
    x = g.normal(size=(1, A, M)) * 2 + g.normal(size=(K, A, M))
    x = np.abs(x) + 0.1
    return x, sample_weights_uniform(K, M, g), np.where(np.arange(M) % 3 == 0, -1, 1)


def main() -> int:
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization
    from smaa_loop import smaa2_loop

    from carlcities.appraisal import smaa as S

    x, w, t = _data()
    top = TOPSIS(vector_normalization)

    def pymcdm_loop():
        ranks = np.empty((K, A), dtype=int)
        for k in range(K):
            p = top(x[k], w[k], t)
            ranks[k, np.argsort(-p, kind="stable")] = np.arange(A)
        return ranks

    k_sub = 1000

    def pymcdm_smaa2_loop():
        """The whole SMAA-2 with pymcdm per sample (acceptabilities, central weights, the
        confidence pass) on the first ``k_sub`` samples: per-sample work, so its time scales
        with the samples (reported ×K/k_sub beside the measured time)."""
        xs, ws = x[:k_sub], w[:k_sub]
        first = np.empty(k_sub, dtype=int)
        for k in range(k_sub):
            first[k] = int(np.argmax(top(xs[k], ws[k], t)))
        for i in np.unique(first):
            wc = ws[first == i].mean(axis=0)
            for k in range(k_sub):
                top(xs[k], wc, t)

    def acceptability_only():
        u = S._Utility(x, t, "topsis")
        return S._rank_counts(u.sampled(w), np.random.default_rng(0))[0]

    variants = {
        "pymcdm_loop": pymcdm_loop,
        "carlcities_topsis_acceptability": acceptability_only,
        "carlcities_topsis": lambda: S.smaa2(x, w, t, model="topsis"),
        "carlcities_additive": lambda: S.smaa2(x, w, t),
        "pymcdm_smaa2_loop_1000_samples": pymcdm_smaa2_loop,
        "loop_additive": lambda: smaa2_loop(x, w, t),
    }
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    wall: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    for name, f in variants.items():          # warm-up
        if name != "loop_additive":
            f()
    for _ in range(repeats):
        for name, f in variants.items():
            c, t0 = time.process_time(), time.perf_counter()
            f()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c)
    c, t0 = time.process_time(), time.perf_counter()
    ref_topsis = smaa2_loop(x, w, t, model="topsis")
    wall["loop_topsis"], cpu["loop_topsis"] = [time.perf_counter() - t0], [time.process_time() - c]

    def same(res, ref):
        return all(np.array_equal(a, b, equal_nan=True) for a, b in
                   zip((res.acceptability, res.central_weights, res.confidence), ref))

    pym_ranks = pymcdm_loop()
    pym = np.stack([np.bincount(pym_ranks[:, i], minlength=A) for i in range(A)])
    vec = acceptability_only()
    med = {k: statistics.median(v) for k, v in wall.items()}
    medc = {k: statistics.median(v) for k, v in cpu.items()}

    def ratio(a, b, d):
        return round(d[a] / d[b], 1)

    def speedups(d):
        """The peers' times over ours, for one set of medians (wall or CPU)."""
        return dict(
            acceptability_vs_pymcdm_loop=ratio("pymcdm_loop", "carlcities_topsis_acceptability",
                                               d),
            smaa2_topsis_vs_pymcdm_loop=ratio("pymcdm_loop", "carlcities_topsis", d),
            smaa2_additive_vs_pymcdm_loop=ratio("pymcdm_loop", "carlcities_additive", d),
            smaa2_additive_vs_old=ratio("loop_additive", "carlcities_additive", d),
            smaa2_topsis_vs_old=ratio("loop_topsis", "carlcities_topsis", d),
            smaa2_topsis_vs_pymcdm_smaa2_scaled=ratio("pymcdm_smaa2_loop_scaled_to_K",
                                                      "carlcities_topsis", d))

    for d in (med, medc):
        d["pymcdm_smaa2_loop_scaled_to_K"] = d["pymcdm_smaa2_loop_1000_samples"] * K / k_sub

    result = dict(
        benchmark=f"SMAA-2, {K} samples x {A} options x {M} criteria",
        targets=dict(vs_pymcdm_loop=50, seconds=0.5),
        repeats=repeats, median_wall_s={k: round(v, 4) for k, v in med.items()},
        median_cpu_s={k: round(v, 4) for k, v in medc.items()},
        all_wall_s={k: [round(x, 4) for x in v] for k, v in wall.items()},
        speedup_wall=speedups(med), speedup_cpu=speedups(medc),
        identical=dict(
            additive_vs_old=same(S.smaa2(x, w, t), smaa2_loop(x, w, t)),
            topsis_vs_old=same(S.smaa2(x, w, t, model="topsis"), ref_topsis),
            ranks_vs_pymcdm=bool(np.array_equal(pym, vec))),
        machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                     loadavg=[round(v, 2) for v in os.getloadavg()]),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "smaa.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("median_wall_s", "speedup_wall", "speedup_cpu",
                                             "identical")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
