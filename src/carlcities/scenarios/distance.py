"""Distance to the nearest built-up cell, recomputed after every allocation round.

:func:`distance_to` gives the same numbers as ``scipy.ndimage.distance_transform_edt(~mask)``
(exact Euclidean distance in cells), 2–3× faster on a city grid: the squared distances are
computed by the separable algorithm of Felzenszwalb & Huttenlocher (2012, Theory of Computing
8:415–428, doi:10.4086/toc.2012.v008a019) — per column the distance to the nearest True cell,
then per row the lower envelope of the parabolas — as exact integers, and their square root is
taken as SciPy takes it. Measured in ``benchmarks/bench_cities_engines.py`` (``distance_to``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

njit: Any
try:  # numba is a dependency; SciPy's transform is the fallback
    from numba import njit
except ImportError:  # pragma: no cover
    njit = None

__all__ = ["distance_to"]

_FAR = 1 << 40  # "no True cell in this column"


def _squared(mask: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled by numba
    h, w = mask.shape
    g = np.empty((h, w), np.int64)
    for c in range(w):
        g[0, c] = 0 if mask[0, c] else _FAR
    for r in range(1, h):
        for c in range(w):
            if mask[r, c]:
                g[r, c] = 0
            else:
                d = g[r - 1, c]
                g[r, c] = d + 1 if d < _FAR else _FAR
    for r in range(h - 2, -1, -1):
        for c in range(w):
            d = g[r + 1, c]
            if d < _FAR and d + 1 < g[r, c]:
                g[r, c] = d + 1
    out = np.empty((h, w), np.float64)
    v = np.empty(w, np.int64)
    z = np.empty(w + 1, np.float64)
    f = np.empty(w, np.int64)
    for r in range(h):
        for c in range(w):
            gg = g[r, c]
            f[c] = gg * gg if gg < _FAR else -1
        k = -1
        for q in range(w):
            if f[q] < 0:
                continue
            s = -np.inf
            while k >= 0:
                p = v[k]
                s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
                if s <= z[k]:
                    k -= 1
                else:
                    break
            k += 1
            v[k] = q
            z[k] = s if k > 0 else -np.inf
            z[k + 1] = np.inf
        if k < 0:
            for c in range(w):
                out[r, c] = np.inf
            continue
        j = 0
        for c in range(w):
            while z[j + 1] < c:
                j += 1
            p = v[j]
            out[r, c] = (c - p) * (c - p) + f[p]
    return out


_squared_fast = njit(cache=True)(_squared) if njit is not None else None


def distance_to(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance [cells] from each cell's centre to the nearest True cell's centre:
    ``scipy.ndimage.distance_transform_edt(~mask)``, number for number."""
    m = np.ascontiguousarray(mask, dtype=bool)
    if _squared_fast is None or m.ndim != 2 or not m.any():
        from scipy import ndimage

        return ndimage.distance_transform_edt(~m)
    return np.sqrt(_squared_fast(m))
