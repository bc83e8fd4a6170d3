"""The part of a city's grid its maps show: the box around every urban cell (issue 21 moved it
out of :mod:`.maps` and memoised it).

The pipeline's grid reaches well beyond the city (a buffer for growth); the maps zoom to the
part that holds the urban area (Atlas classes 1-5 in any epoch), padded on each side. The box
depends only on the Atlas rasters, so it is computed once per process for the same files: a
city's maps and its risk maps ask for it in the same figure worker.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["urban_window"]

Window = tuple[int, int, int, int, int, int]      # r0, r1, c0, c1, height, width

#: the windows computed, per raster folder (only the last Atlas files seen there are kept)
_WINDOWS: dict[Path, dict[tuple[Any, ...], Window | None]] = {}


def urban_window(folder: Path, atlas: dict[int, Path], read: Callable[[Path], Any],
                 pad: float = 0.12) -> Window | None:
    """The square box (padded by ``pad`` of its size) around every urban cell of the Atlas
    rasters ``atlas`` (epoch → GeoTIFF in ``folder``), each read by ``read`` (a decimated
    band 1 with ``data``, ``valid`` and ``full_shape``: :mod:`.maps`' reader); None when it
    would cover nearly the whole grid, no cell is urban or the epochs' grids differ."""
    key = (pad, *((p.name, st.st_size, st.st_mtime_ns)
                  for p in atlas.values() for st in [p.stat()]))
    memo = _WINDOWS.setdefault(folder, {})
    if key not in memo:
        memo.clear()
        memo[key] = _compute(atlas, read, pad)
    return memo[key]


def _compute(atlas: dict[int, Path], read: Callable[[Path], Any], pad: float) -> Window | None:
    full = None                 # the first epoch's grid; every epoch must be on it
    mask = None
    for p in atlas.values():
        g = read(p)
        full = full or g.full_shape
        if g.full_shape != full:
            return None
        m = g.valid & (g.data >= 1) & (g.data <= 5)
        mask = m if mask is None else (mask | m)
    if mask is None or full is None or not mask.any():
        return None
    fy, fx = full[0] / mask.shape[0], full[1] / mask.shape[1]
    rows, cols = np.where(mask.any(axis=1))[0], np.where(mask.any(axis=0))[0]
    r0, r1 = rows[0] * fy, (rows[-1] + 1) * fy
    c0, c1 = cols[0] * fx, (cols[-1] + 1) * fx
    side = max(r1 - r0, c1 - c0) * (1 + 2 * pad)       # a square box, padded
    cy, cx = (r0 + r1) / 2, (c0 + c1) / 2
    side = min(side, max(full))
    rr0 = int(max(0, min(cy - side / 2, full[0] - side)))
    cc0 = int(max(0, min(cx - side / 2, full[1] - side)))
    rr1 = int(min(full[0], rr0 + math.ceil(side)))
    cc1 = int(min(full[1], cc0 + math.ceil(side)))
    if (rr1 - rr0) * (cc1 - cc0) < 0.9 * full[0] * full[1]:
        return (rr0, rr1, cc0, cc1, full[0], full[1])
    return None
