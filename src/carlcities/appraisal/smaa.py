"""SMAA-2: stochastic multicriteria acceptability analysis of the options.

Lahdelma & Salminen (2001) SMAA-2: Stochastic multicriteria acceptability analysis for group
decision making, *Operations Research* 49(3):444–454, doi:10.1287/opre.49.3.444.11220;
Monte Carlo implementation after Tervonen & Lahdelma (2007) *EJOR* 178(2):500–513,
doi:10.1016/j.ejor.2005.12.037.

For K samples, weights w ~ f_W and criterion values ξ ~ f_X are drawn; in each sample every
option i gets the utility u(ξᵢ, w) and a rank (1 = best). Then

* rank acceptability bᵢʳ = share of samples in which option i has rank r (rows and columns of
  the matrix b each sum to 1);
* central weight vector wᵢᶜ = mean of the weights of the samples in which i ranks first;
* confidence factor pᵢᶜ = share of the criterion-value samples in which i ranks first when
  the weights are fixed at wᵢᶜ.

Choices made here (stated, as SMAA-2 leaves them open):

* **weights**: uniform on the simplex, Dirichlet(1, …, 1) (no preference information), or
  around a stakeholder profile w̄, Dirichlet(κ·w̄) with mean w̄ (κ from the profile); pooled
  analysis: an equal mixture of the profiles' samples;
* **criterion values**: per cell ``fixed``, ``normal`` (mean, sd), ``triangular`` (low, mode,
  high) or ``uniform`` (low, high), or samples supplied directly (e.g. NPV draws of the CBA
  Monte Carlo);
* **utility model**: additive, u = Σⱼ wⱼ uⱼ(ξⱼ) with linear partial values
  uⱼ = (ξⱼ − minⱼ)/(maxⱼ − minⱼ) over the range of criterion j in all samples and options
  (reversed for cost criteria) — the SMAA-2 default; TOPSIS closeness (:func:`.mcda.topsis`
  per sample) is available with ``model='topsis'``;
* **ties** in utility are broken at random (seeded), so acceptabilities stay a partition.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carlcities.errors import AppraisalError

from .smaa_kernels import (
    BLOCK,
    additive_first_fixed,
    additive_part,
    additive_utilities,
    constant_rows,
    first_ranked,
    rank_counts,
    topsis_closeness,
    topsis_first_fixed,
    topsis_sampled,
)

__all__ = [
    "SMAAResult",
    "sample_values",
    "sample_weights_around",
    "sample_weights_uniform",
    "smaa2",
    "smaa2_each",
]


@dataclass(frozen=True)
class SMAAResult:
    """Result of :func:`smaa2`.

    Attributes
    ----------
    acceptability : ndarray (options × ranks)
        bᵢʳ [0–1]; column r − 1 is rank r.
    central_weights : ndarray (options × criteria)
        wᵢᶜ (NaN rows for options that never rank first).
    confidence : ndarray (options,)
        pᵢᶜ [0–1] (NaN for options that never rank first).
    n_samples : int
    """

    acceptability: np.ndarray
    central_weights: np.ndarray
    confidence: np.ndarray
    n_samples: int

    @property
    def first_rank(self) -> np.ndarray:
        """bᵢ¹ of every option."""
        return self.acceptability[:, 0]

    def holistic(self, meta_weights: Sequence[float] | None = None) -> np.ndarray:
        """Holistic acceptability aᵢʰ = Σ_r αʳ bᵢʳ; default αʳ = (m − r)/(m − 1) (linear)."""
        m = self.acceptability.shape[1]
        a = np.asarray(meta_weights, float) if meta_weights is not None else \
            (m - np.arange(1, m + 1)) / max(m - 1, 1)
        return self.acceptability @ a


def sample_weights_uniform(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` weight vectors uniform on the (m − 1)-simplex: Dirichlet(1, …, 1)."""
    return rng.dirichlet(np.ones(m), size=n)


def sample_weights_around(weights: Sequence[float] | np.ndarray, concentration: float, n: int,
                          rng: np.random.Generator) -> np.ndarray:
    """``n`` weight vectors from Dirichlet(κ·w̄): mean w̄, variance w̄ⱼ(1 − w̄ⱼ)/(κ + 1).

    Criteria with w̄ⱼ = 0 keep weight 0.
    """
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0 or concentration <= 0:
        raise AppraisalError("profile weights must be >= 0 with a positive sum and the "
                             "concentration > 0", fix="check the stakeholder profile")
    w = w / w.sum()
    out = np.zeros((n, len(w)))
    pos = w > 0
    out[:, pos] = rng.dirichlet(concentration * w[pos], size=n)
    return out


def sample_values(spec: Sequence[Sequence[Mapping[str, Any]]], n: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Criterion values (n × options × criteria) from a per-cell specification.

    Each cell is a dict: ``{'dist': 'fixed', 'value': x}``, ``{'dist': 'normal', 'mean': μ,
    'sd': σ}``, ``{'dist': 'triangular', 'low': a, 'mode': c, 'high': b}``,
    ``{'dist': 'uniform', 'low': a, 'high': b}`` or ``{'samples': array of length n}``.
    """
    a = len(spec)
    m = len(spec[0]) if a else 0
    out = np.empty((n, a, m))
    for i, row in enumerate(spec):
        if len(row) != m:
            raise AppraisalError(f"option {i}: {len(row)} criteria, expected {m}",
                                 fix="give every option every criterion")
        for j, c in enumerate(row):
            if "samples" in c:
                s = np.asarray(c["samples"], dtype=float)
                if s.shape != (n,):
                    raise AppraisalError(f"cell ({i}, {j}): {s.shape[0]} samples, expected {n}",
                                         fix="draw the same number of samples everywhere")
                out[:, i, j] = s
                continue
            d = c.get("dist", "fixed")
            if d == "fixed":
                out[:, i, j] = float(c["value"])
            elif d == "normal":
                out[:, i, j] = rng.normal(float(c["mean"]), float(c["sd"]), n)
            elif d == "triangular":
                lo, mo, hi = float(c["low"]), float(c["mode"]), float(c["high"])
                out[:, i, j] = mo if hi == lo else rng.triangular(lo, mo, hi, n)
            elif d == "uniform":
                out[:, i, j] = rng.uniform(float(c["low"]), float(c["high"]), n)
            else:
                raise AppraisalError(f"cell ({i}, {j}): unknown distribution {d!r}",
                                     fix="use fixed, normal, triangular, uniform or samples")
    return out


class _Utility:
    """The weight-independent part of a utility model, computed once per call of
    :func:`smaa2`: the partial values (additive) or the vector-normalised matrix and the
    squared distances to the ideal and anti-ideal points per criterion (TOPSIS)."""

    def __init__(self, values: np.ndarray, types: np.ndarray, model: str) -> None:
        if model not in ("additive", "topsis"):
            raise AppraisalError(f"unknown SMAA model {model!r}",
                                 fix="use 'additive' or 'topsis'")
        self.model = model
        self.types = types
        self.shape = values.shape[:2]           # samples, options
        if model == "additive":
            self.compiled = einsum_order_holds()
            if self.compiled:   # options × criteria × samples (:mod:`.smaa_kernels`)
                self.part = additive_part(values, types > 0)
                self.const = constant_rows(self.part)
                return
            lo = values.min(axis=(0, 1))
            hi = values.max(axis=(0, 1))
            span = np.where(hi > lo, hi - lo, 1.0)
            # the same arithmetic, element by element, as (x − lo)/span, reversed for costs
            # (1 − ·) and 0 for a constant criterion — in place, without temporaries
            part = values - lo
            part /= span
            cost = types <= 0
            if cost.any():
                part[..., cost] = 1.0 - part[..., cost]
            part[..., ~(hi > lo)] = 0.0
            self.part = part
            return
        # TOPSIS per sample (Hwang & Yoon 1981, as :func:`.mcda.topsis`), all samples at once
        # in one compiled pass (:func:`.smaa_kernels.topsis_sampled`) by :meth:`sampled`
        self.values = values
        self.dist: tuple[np.ndarray, np.ndarray] | None = None

    def sampled(self, weights: np.ndarray) -> np.ndarray:
        """Utilities (K × options), one weight vector per sample."""
        if self.model == "additive":
            if self.compiled:
                return additive_utilities(self.part, self.const,
                                          np.ascontiguousarray(weights))
            return np.einsum("kij,kj->ki", self.part, weights)
        # the weight-independent part is kept for the confidence pass
        dp2, dm2, util = topsis_sampled(self.values, self.types > 0,
                                        np.ascontiguousarray(weights))
        self.dist = (dp2, dm2)
        return util

    def firsts(self, weights: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        """For each row of ``weights`` (fixed for every sample), the option ranked first in
        each sample, in the order of the rows; each row draws its tie-breaking numbers
        (samples × options) from ``rng`` as :func:`_first` does."""
        w = np.ascontiguousarray(weights)
        k = self.shape[0]
        if self.model == "additive":
            if not self.compiled:
                # the same operands as :meth:`sampled`, so that equal rows stay exactly equal
                return [_first(np.einsum("kij,kj->ki", self.part,
                                         np.broadcast_to(wc, (k, len(wc)))), rng)
                        for wc in weights]
            first, tied = additive_first_fixed(self.part, self.const, w)
        else:
            # every row in one pass over the samples; the draws are needed only where the
            # highest closeness is shared
            assert self.dist is not None, "sampled() first"
            first, tied = topsis_first_fixed(*self.dist, w)
        out = []
        for c in range(len(w)):
            f = first[c]
            sel = np.flatnonzero(tied[c])
            if sel.size:
                tie = rng.random(self.shape)
                f[sel] = first_ranked(self._subset(sel, w[c:c + 1]), tie[sel])
            else:
                _skip(rng, self.shape)
            out.append(f)
        return out

    def _subset(self, sel: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Utilities of the samples ``sel`` with the one weight row ``weight`` (1 × criteria),
        computed as in the passes above."""
        if self.model == "additive":
            return additive_utilities(np.ascontiguousarray(self.part[:, :, sel]), self.const,
                                      weight)
        assert self.dist is not None
        return topsis_closeness(self.dist[0][sel], self.dist[1][sel], weight)


@functools.cache
def einsum_order_holds() -> bool:
    """Whether the compiled additive utilities (:func:`.smaa_kernels.additive_utilities`)
    equal ``np.einsum('kij,kj->ki')`` bit for bit on this machine's NumPy: they add the
    products in the order of einsum's baseline x86-64 loop. Checked once on random partial
    values with zeros and constant rows, 1 to 20 criteria, more samples than a block of the
    kernels, per-sample and fixed weights; where it does not
    hold (another NumPy build or processor), SMAA-2 keeps einsum for the additive model."""
    g = np.random.default_rng(20261207)
    for m in range(1, 21):
        k = BLOCK + 300                          # two blocks, the second partial
        part = g.random((k, 5, m))
        part[part < 0.2] = 0.0
        part[:, 0] = part[:, 1]
        part[:, 2, m // 2] = 0.0               # constant rows, which the kernels take apart
        part[:, 3, m - 1] = part[0, 3, m - 1]
        part_t = np.ascontiguousarray(part.transpose(1, 2, 0))
        const = constant_rows(part_t)
        for w in (g.dirichlet(np.ones(m), k), np.broadcast_to(g.dirichlet(np.ones(m)), (k, m))):
            ref = np.einsum("kij,kj->ki", part, w)
            one = w[:1] if w.strides[0] == 0 else w
            got = additive_utilities(part_t, const, np.ascontiguousarray(one))
            if not np.array_equal(ref.view(np.int64), got.view(np.int64)):
                return False
    return True


def _skip(rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    """Move ``rng`` on as ``rng.random(shape)`` does, without the draws where the bit
    generator can jump (PCG64, the default: one 64-bit step per float64 draw; no buffered
    32-bit half, which a jump would discard)."""
    bg = rng.bit_generator
    if type(bg) is np.random.PCG64 and not bg.state["has_uint32"]:
        bg.advance(int(np.prod(shape)))
    else:
        rng.random(shape)


def _rank_counts(util: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(counts, first): counts[i, r] = samples in which option i has rank r (0 = best),
    first[k] = the option ranked first in sample k. Highest utility first; ties broken at
    random (one draw per sample and option, then the lowest index)."""
    tie = rng.random(util.shape)
    return rank_counts(np.ascontiguousarray(util), tie)


def _first(util: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The option ranked first in each sample, exactly as :func:`_rank_counts` ranks them,
    from the same draws."""
    tie = rng.random(util.shape)
    return first_ranked(np.ascontiguousarray(util), tie)


def smaa2(values: np.ndarray, weights: np.ndarray, types: Sequence[int], *,
          rng: np.random.Generator | int | None = 0, model: str = "additive") -> SMAAResult:
    """SMAA-2 rank acceptabilities, central weights and confidence factors.

    Vectorised over the samples: the weight-independent part of the utility model is
    computed once, and the confidence pass finds only the option ranked first in each sample.
    With the same ``rng`` it draws the same tie-breaking numbers as a per-sample loop and
    gives the same results (``tests/smaa_loop.py`` is that loop; the tests compare them).

    Parameters
    ----------
    values : ndarray
        Criterion values, samples × options × criteria (or options × criteria when certain).
    weights : ndarray
        Weight samples × criteria (rows sum to 1); the number of samples K is taken from
        ``weights`` when ``values`` is 2-D.
    types : sequence of int
        +1 benefit, −1 cost per criterion.
    rng : Generator or int
        Seed for tie-breaking.
    model : str
        ``'additive'`` (default) or ``'topsis'``.
    """
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    x, w, t = _checked(values, weights, types, model)
    return _passes(_Utility(x, t, model), w, g)


def smaa2_each(values: np.ndarray, weight_sets: Mapping[str, np.ndarray], types: Sequence[int],
               *, rng: np.random.Generator | int | None = 0, model: str = "additive"
               ) -> dict[str, SMAAResult]:
    """:func:`smaa2` for several weight samples (e.g. one per stakeholder profile) on the same
    criterion values, in the order of ``weight_sets``: the same results, and the same draws
    from ``rng``, as one :func:`smaa2` call per weight set in turn; the weight-independent
    part of the utility model is computed once."""
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    out: dict[str, SMAAResult] = {}
    u = None
    for key, weights in weight_sets.items():
        # the values are the same for every weight set: checked for NaN once
        x, w, t = _checked(values, weights, types, model, finite=u is None)
        if u is None or u.shape[0] != x.shape[0]:
            u = _Utility(x, t, model)
        out[key] = _passes(u, w, g)
    return out


def _checked(values: np.ndarray, weights: np.ndarray, types: Sequence[int], model: str,
             finite: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.asarray(weights, dtype=float)
    x = np.asarray(values, dtype=float)
    t = np.asarray(types, dtype=int)
    if x.ndim == 2:
        x = np.broadcast_to(x, (w.shape[0], *x.shape))
    if x.ndim != 3 or w.ndim != 2 or x.shape[0] != w.shape[0] or x.shape[2] != w.shape[1] \
            or t.shape != (w.shape[1],):
        raise AppraisalError(f"shapes do not match: values {x.shape}, weights {w.shape}, "
                             f"types {t.shape}",
                             fix="values: samples × options × criteria; weights: samples × "
                                 "criteria; one type per criterion")
    if finite and not np.isfinite(x).all():
        raise AppraisalError("criterion values contain NaN or infinity",
                             fix="fill every criterion of every option")
    if model == "topsis" and (w < 0).any():
        raise AppraisalError("SMAA with TOPSIS needs weights >= 0",
                             fix="draw the weights on the simplex")
    return x, w, t


def _passes(u: _Utility, w: np.ndarray, g: np.random.Generator) -> SMAAResult:
    """The acceptability pass with the sampled weights ``w``, the central weights, and the
    confidence pass at each central weight vector."""
    k, a = u.shape
    m = w.shape[1]
    counts, first_of = _rank_counts(u.sampled(w), g)
    acc = counts / k
    cw = np.full((a, m), np.nan)
    conf = np.full(a, np.nan)
    ranked = []
    for i in range(a):
        sel = first_of == i
        if sel.any():
            cw[i] = w[sel].mean(axis=0)
            ranked.append(i)
    # the confidence pass: the weights fixed at each central weight vector in turn
    for i, f in zip(ranked, u.firsts(cw[ranked], g), strict=True):
        conf[i] = float((f == i).mean())
    return SMAAResult(acc, cw, conf, k)
