"""The SMAA-2 of carlcities before issue 21, kept as the reference the vectorised one must
equal bit for bit: per-sample TOPSIS, the partial values and a full ranking recomputed for
every option in the confidence pass. Used by ``tests/test_appraisal_smaa.py`` and
``benchmarks/bench_smaa.py``; not part of the package."""

from __future__ import annotations

import numpy as np

from carlcities.appraisal.mcda import topsis


def _utilities(values, weights, types, model):
    if model == "additive":
        lo = values.min(axis=(0, 1))
        hi = values.max(axis=(0, 1))
        span = np.where(hi > lo, hi - lo, 1.0)
        part = (values - lo) / span
        part = np.where(types > 0, part, 1.0 - part)
        part = np.where(hi > lo, part, 0.0)
        return np.einsum("kij,kj->ki", part, weights)
    return np.stack([topsis(values[k], weights[k], types) for k in range(len(values))])


def _ranks(util, rng):
    tie = rng.random(util.shape)
    order = np.lexsort((tie, -util), axis=-1)
    ranks = np.empty_like(order)
    k = np.arange(util.shape[0])[:, None]
    ranks[k, order] = np.arange(util.shape[1])[None, :]
    return ranks


def smaa2_loop(values, weights, types, *, rng=0, model="additive"):
    """(acceptability, central_weights, confidence) as the pre-issue-21 smaa2 gave them."""
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    w = np.asarray(weights, dtype=float)
    x = np.asarray(values, dtype=float)
    t = np.asarray(types, dtype=int)
    if x.ndim == 2:
        x = np.broadcast_to(x, (w.shape[0], *x.shape))
    k, a, m = x.shape
    util = _utilities(x, w, t, model)
    ranks = _ranks(util, g)
    acc = np.stack([(ranks == r).mean(axis=0) for r in range(a)], axis=1)
    first = ranks == 0
    cw = np.full((a, m), np.nan)
    conf = np.full(a, np.nan)
    for i in range(a):
        sel = first[:, i]
        if not sel.any():
            continue
        cw[i] = w[sel].mean(axis=0)
        wc = np.broadcast_to(cw[i], (k, m))
        r_c = _ranks(_utilities(x, wc, t, model), g)
        conf[i] = float((r_c[:, i] == 0).mean())
    return acc, cw, conf
