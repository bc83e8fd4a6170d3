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

__all__ = ["additive_first_fixed", "additive_part", "additive_utilities", "constant_rows",
           "first_ranked", "rank_counts", "topsis_closeness", "topsis_first_fixed",
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
    first[k] = the option ranked first in sample k.

    Each sample's options are put in order by insertion (about a²/4 comparisons instead of
    the a² of counting, for a options). :func:`_ahead` is a strict total order (utilities are
    finite: ``smaa._checked``), so an option's place in that order is the number of options
    ahead of it — its rank, exactly."""
    k_n, a = util.shape
    counts = np.zeros((a, a), dtype=np.int64)
    first = np.empty(k_n, dtype=np.int64)
    order = np.empty(a, dtype=np.int64)
    for k in range(k_n):
        u = util[k]
        t = tie[k]
        for i in range(a):
            ui = u[i]
            ti = t[i]
            j = i
            while j > 0:
                lo = order[j - 1]
                if not _ahead(ui, ti, i, u[lo], t[lo], lo):
                    break
                order[j] = lo
                j -= 1
            order[j] = i
        for r in range(a):
            counts[order[r], r] += 1
        first[k] = order[0]
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


# ------------------------------------------------------------------- additive utility model
# The partial values are kept criteria-major, options × criteria × samples, and the kernels
# work on blocks of BLOCK samples: the same additions per sample as einsum, but the samples
# of a block side by side, so that the processor's vector units add several at once (each
# sample's sum still goes through the same operations in the same order). 1024 samples: the
# lanes of a block stay in the L2 cache, and few enough blocks that the per-block slicing is
# negligible (measured at 10,000 samples x 26 options x 7 criteria: 256 → 1.9 ms, 1024 →
# 1.05 ms per utility pass).
BLOCK = 1024


@njit(cache=True, nogil=True)
def additive_part(x: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """Linear partial values (options × criteria × samples, from values samples × options ×
    criteria): (x − minⱼ)/(maxⱼ − minⱼ) over all samples and options, 1 − that for cost
    criteria, 0 for a constant criterion — the arithmetic of the element-wise NumPy
    expression, in two passes without temporaries."""
    k_n, a, m = x.shape
    lo = np.empty(m)
    hi = np.empty(m)
    for j in range(m):
        lo[j] = x[0, 0, j]
        hi[j] = x[0, 0, j]
    for k in range(k_n):
        for i in range(a):
            for j in range(m):
                v = x[k, i, j]
                if v < lo[j]:
                    lo[j] = v
                if v > hi[j]:
                    hi[j] = v
    # part = c0 + c1·p with p = (x − lo)/span ≥ +0: (0, 1) for a benefit, (1, −1) for a cost
    # (1 + (−p) is 1 − p exactly), (0, 0) for a constant criterion — without branches
    span = np.empty(m)
    c0 = np.empty(m)
    c1 = np.empty(m)
    for j in range(m):
        const = not hi[j] > lo[j]
        span[j] = 1.0 if const else hi[j] - lo[j]
        c0[j] = 0.0 if const or benefit[j] else 1.0
        c1[j] = 0.0 if const else (1.0 if benefit[j] else -1.0)
    part = np.empty((a, m, k_n))
    for k in range(k_n):
        for i in range(a):
            for j in range(m):
                part[i, j, k] = c0[j] + c1[j] * ((x[k, i, j] - lo[j]) / span[j])
    return part


@njit(cache=True, nogil=True, inline="always")
def _axpy(row: np.ndarray, wj: float, lane: np.ndarray) -> None:
    for k in range(lane.shape[0]):
        lane[k] = row[k] * wj + lane[k]


@njit(cache=True, nogil=True, inline="always")
def _axpy_each(row: np.ndarray, wrow: np.ndarray, lane: np.ndarray) -> None:
    for k in range(lane.shape[0]):
        lane[k] = row[k] * wrow[k] + lane[k]


@njit(cache=True, nogil=True)
def constant_rows(part: np.ndarray) -> np.ndarray:
    """const[i, j] = the value of option i's partial value on criterion j where it is the
    same in every sample (a fixed criterion, an effect the option does not have), else NaN
    (partial values are never NaN)."""
    a, m, k_n = part.shape
    const = np.full((a, m), np.nan)
    for i in range(a):
        for j in range(m):
            v = part[i, j, 0]
            same = True
            for k in range(1, k_n):
                if part[i, j, k] != v:
                    same = False
                    break
            if same:
                const[i, j] = v
    return const


@njit(cache=True, nogil=True, inline="always")
def _term(p: np.ndarray, c: np.ndarray, w: np.ndarray, j: int, k0: int, k1: int,
          lane: np.ndarray) -> None:
    """lane += p[j] · w[j] over the samples k0 ≤ k < k1; ``c``: :func:`constant_rows` of
    the option; ``w``: criteria × 1 (one weight row for all samples) or criteria × samples.

    A constant row adds its one product (the same number as each sample's); a row of zeros
    adds nothing: its products are ±0, and a lane starts at +0 and a sum of finite numbers
    is −0 only where both are −0, so a lane is never −0 and adding ±0 leaves it as it is."""
    cj = c[j]
    if cj == 0.0:
        return
    if w.shape[1] == 1:
        if cj == cj:
            prod = cj * w[j, 0]
            for k in range(lane.shape[0]):
                lane[k] = prod + lane[k]
        else:
            _axpy(p[j, k0:k1], w[j, 0], lane)
    else:
        _axpy_each(p[j, k0:k1], w[j, k0:k1], lane)


@njit(cache=True, nogil=True, inline="always")
def _block_dot(p: np.ndarray, c: np.ndarray, w: np.ndarray, k0: int, k1: int,
               l0: np.ndarray, l1: np.ndarray) -> None:
    """l0[k − k0] = Σⱼ p[j, k] wⱼ for the samples k0 ≤ k < k1 of one option (p: criteria ×
    samples; c, w: as :func:`_term`), each sum in the order of NumPy's ``einsum('kij,kj->ki')``
    inner loop on its baseline x86-64 build (two SIMD lanes of float64, four steps unrolled,
    then the lanes added), so that the utilities equal einsum's bit for bit (checked at first
    use: :func:`.smaa.einsum_order_holds`). l1: scratch of the same length."""
    m = p.shape[0]
    l0[:] = 0.0
    l1[:] = 0.0
    j = 0
    while m - j >= 8:
        _term(p, c, w, j + 6, k0, k1, l0)
        _term(p, c, w, j + 7, k0, k1, l1)
        _term(p, c, w, j + 4, k0, k1, l0)
        _term(p, c, w, j + 5, k0, k1, l1)
        _term(p, c, w, j + 2, k0, k1, l0)
        _term(p, c, w, j + 3, k0, k1, l1)
        _term(p, c, w, j, k0, k1, l0)
        _term(p, c, w, j + 1, k0, k1, l1)
        j += 8
    while j < m:
        _term(p, c, w, j, k0, k1, l0)
        if j + 1 < m:
            _term(p, c, w, j + 1, k0, k1, l1)
        else:
            for k in range(l1.shape[0]):
                l1[k] = 0.0 * 0.0 + l1[k]
        j += 2
    for k in range(l0.shape[0]):
        l0[k] = 0.0 + (l0[k] + l1[k])


@njit(cache=True, nogil=True)
def additive_utilities(part: np.ndarray, const: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Utilities (samples × options) Σⱼ partᵢⱼ wⱼ from :func:`additive_part` and its
    :func:`constant_rows`; ``w``: one row per sample, or one row for all."""
    a, m, k_n = part.shape
    out = np.empty((a, k_n))
    l1 = np.empty(BLOCK)
    w_t = np.ascontiguousarray(w.T)    # criteria × samples (or × 1)
    for k0 in range(0, k_n, BLOCK):
        k1 = min(k0 + BLOCK, k_n)
        b1 = l1[:k1 - k0]
        for i in range(a):
            _block_dot(part[i], const[i], w_t, k0, k1, out[i, k0:k1], b1)
    return np.ascontiguousarray(out.T)


@njit(cache=True, nogil=True)
def additive_first_fixed(part: np.ndarray, const: np.ndarray, w: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`topsis_first_fixed` for the additive utilities of :func:`additive_utilities`:
    for each weight row c, (first, tied) over the samples. Kept as floats inside a block
    (option index, count of options equal to the best) so that the comparisons are vector
    selects."""
    a, m, k_n = part.shape
    n_c = w.shape[0]
    first = np.zeros((n_c, k_n), dtype=np.int64)
    tied = np.zeros((n_c, k_n), dtype=np.bool_)
    l0 = np.empty(BLOCK)
    l1 = np.empty(BLOCK)
    top = np.empty(BLOCK)
    best = np.empty(BLOCK)
    ties = np.empty(BLOCK)
    w_t = np.ascontiguousarray(w.T)    # criteria × rows
    for k0 in range(0, k_n, BLOCK):
        k1 = min(k0 + BLOCK, k_n)
        n = k1 - k0
        u = l0[:n]
        s = l1[:n]
        ub = top[:n]
        fb = best[:n]
        tb = ties[:n]
        for c in range(n_c):
            _block_dot(part[0], const[0], w_t[:, c:c + 1], k0, k1, ub, s)
            fb[:] = 0.0
            tb[:] = 0.0
            for i in range(1, a):
                _block_dot(part[i], const[i], w_t[:, c:c + 1], k0, k1, u, s)
                fi = float(i)
                for k in range(n):
                    ui = u[k]
                    b = ub[k]
                    gt = ui > b
                    fb[k] = fi if gt else fb[k]
                    tb[k] = 0.0 if gt else tb[k] + (1.0 if ui == b else 0.0)
                    ub[k] = ui if gt else b
            for k in range(n):
                first[c, k0 + k] = int(fb[k])
                tied[c, k0 + k] = tb[k] != 0.0
    return first, tied
