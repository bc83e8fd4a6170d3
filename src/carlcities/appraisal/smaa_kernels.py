"""Compiled kernels of the SMAA-2 (numba): rank counting and the TOPSIS closeness of every
sample in one pass over the values, without sorting and without temporaries.

The ranking is that of a stable sort (highest utility first; equal utilities ordered by the
tie-breaking draws, then by the option's index — what the per-sample SMAA-2 did), found by
counting comparisons: the rank of option i is the number of options ahead of it. No
arithmetic on the utilities, so the ranks are exactly those of the sorting implementation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["first_ranked", "rank_counts", "topsis_closeness", "topsis_first_fixed",
           "topsis_sampled"]


@njit(cache=True, nogil=True, inline="always")
def _ahead(ul: float, tl: float, lo: int, ui: float, ti: float, i: int) -> bool:
    """Whether option ``lo`` (utility ul, tie draw tl) ranks ahead of option ``i``."""
    if ul != ui:
        return ul > ui
    if tl != ti:
        return tl < ti
    return lo < i


@njit(cache=True, nogil=True)
def rank_counts(util: np.ndarray, tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(counts, first): counts[i, r] = the samples in which option i has rank r (0 = best);
    first[k] = the option ranked first in sample k."""
    k_n, a = util.shape
    counts = np.zeros((a, a), dtype=np.int64)
    first = np.empty(k_n, dtype=np.int64)
    for k in range(k_n):
        u = util[k]
        t = tie[k]
        for i in range(a):
            ui = u[i]
            ti = t[i]
            r = 0
            for lo in range(a):
                if lo != i and _ahead(u[lo], t[lo], lo, ui, ti, i):
                    r += 1
            counts[i, r] += 1
            if r == 0:
                first[k] = i
    return counts, first


@njit(cache=True, nogil=True)
def first_ranked(util: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """The option ranked first in each sample (as :func:`rank_counts` ranks them)."""
    k_n, a = util.shape
    first = np.empty(k_n, dtype=np.int64)
    for k in range(k_n):
        b = 0
        for i in range(1, a):
            if _ahead(util[k, i], tie[k, i], i, util[k, b], tie[k, b], b):
                b = i
        first[k] = b
    return first


@njit(cache=True, nogil=True, inline="always")
def _closeness(dp2: np.ndarray, dm2: np.ndarray, w2: np.ndarray) -> float:
    """Cᵢ = S⁻/(S⁺ + S⁻) of one option (0.5 where both are 0), S±² = Σⱼ wⱼ² d±ⱼ²."""
    sp = 0.0
    sm = 0.0
    for j in range(dp2.shape[0]):
        sp += dp2[j] * w2[j]
        sm += dm2[j] * w2[j]
    sp = math.sqrt(sp)
    sm = math.sqrt(sm)
    den = sp + sm
    return 0.5 if den == 0 else sm / den


@njit(cache=True, nogil=True)
def topsis_sampled(x: np.ndarray, benefit: np.ndarray, w: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TOPSIS of every sample with its own weights, in one pass: (dp2, dm2, closeness).

    dp2, dm2 (samples × options × criteria) are the weight-independent part (Hwang & Yoon
    1981): the values normalised per sample and criterion by their vector norm (a norm of 0
    leaves them as they are) and their squared distances (rᵢⱼ − r±ⱼ)² to the ideal and
    anti-ideal points; with w ≥ 0 the ideal point of r·w is w·(ideal point of r), so
    S±² = Σⱼ wⱼ² (rᵢⱼ − r±ⱼ)². The closeness (samples × options) uses row k of ``w`` for
    sample k. Division by a positive norm keeps the order of the values, so the ideal points
    are the normalised extremes."""
    k_n, a, m = x.shape
    dp2 = np.empty((k_n, a, m))
    dm2 = np.empty((k_n, a, m))
    util = np.empty((k_n, a))
    w2 = np.empty(m)
    for k in range(k_n):
        for j in range(m):
            s = 0.0
            hi = x[k, 0, j]
            lo = hi
            for i in range(a):
                v = x[k, i, j]
                s += v * v
                if v > hi:
                    hi = v
                if v < lo:
                    lo = v
            s = math.sqrt(s)
            n = s if s > 0 else 1.0
            hi /= n
            lo /= n
            best, worst = (hi, lo) if benefit[j] else (lo, hi)
            for i in range(a):
                r = x[k, i, j] / n
                d = r - best
                dp2[k, i, j] = d * d
                d = r - worst
                dm2[k, i, j] = d * d
            w2[j] = w[k, j] * w[k, j]
        for i in range(a):
            util[k, i] = _closeness(dp2[k, i], dm2[k, i], w2)
    return dp2, dm2, util


@njit(cache=True, nogil=True)
def topsis_closeness(dp2: np.ndarray, dm2: np.ndarray, w: np.ndarray) -> np.ndarray:
    """TOPSIS closeness Cᵢ = S⁻/(S⁺ + S⁻) (samples × options), 0.5 where both are 0, from
    :func:`topsis_sampled`; ``w``: one weight row per sample, or one row for all."""
    k_n, a, m = dp2.shape
    out = np.empty((k_n, a))
    one_w = w.shape[0] == 1
    w2 = np.empty(m)
    for k in range(k_n):
        kw = 0 if one_w else k
        for j in range(m):
            w2[j] = w[kw, j] * w[kw, j]
        for i in range(a):
            out[k, i] = _closeness(dp2[k, i], dm2[k, i], w2)
    return out


@njit(cache=True, nogil=True)
def topsis_first_fixed(dp2: np.ndarray, dm2: np.ndarray, w: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """For each weight row c of ``w`` (fixed for every sample): (first, tied), first[c, k] =
    the option of highest TOPSIS closeness in sample k (the lowest index among equals),
    tied[c, k] = whether another option has the same closeness. One pass over the samples
    for every row; the closeness is computed as by :func:`topsis_closeness`."""
    k_n, a, m = dp2.shape
    n_c = w.shape[0]
    first = np.empty((n_c, k_n), dtype=np.int64)
    tied = np.zeros((n_c, k_n), dtype=np.bool_)
    w2 = w * w
    for k in range(k_n):
        for c in range(n_c):
            b = 0
            ub = 0.0
            tie = False
            for i in range(a):
                u = _closeness(dp2[k, i], dm2[k, i], w2[c])
                if i == 0 or u > ub:
                    b = i
                    ub = u
                    tie = False
                elif u == ub:
                    tie = True
            first[c, k] = b
            tied[c, k] = tie
    return first, tied
