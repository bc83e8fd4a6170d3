"""Mudflows (debris flows, *sel*): susceptibility and run-out from a DEM, or a user map.

Where no mudflow map is given, :func:`debris_flow_susceptibility` derives one from a DEM on
the city grid, in five steps (all written here with numpy/numba):

1. **Depression filling** by Priority-Flood with ε-gradients on flats (Barnes, Lehman & Mulla
   2014, Computers & Geosciences 62:117–127, doi:10.1016/j.cageo.2013.04.024), so that every
   cell drains to the grid edge; ε = 1 mm per cell.
2. **D8 flow directions** (O'Callaghan & Mark 1984, Computer Vision, Graphics and Image
   Processing 28:323–344): each cell drains to the neighbour of steepest descent
   (drop / distance, diagonals √2·res); **flow accumulation** [cells] by visiting cells from
   the highest to the lowest filled elevation and adding each cell's count to its receiver;
   **catchment relief** = highest upstream elevation − the cell's elevation, carried the same
   way. Upslope area A = accumulation · res² [m²].
3. **Debris-prone channels**: cells with A ≥ ``channel_area_m2`` whose catchment has a Melton
   ratio M = relief / √A ≥ 0.3 [-] (Wilford et al. 2004, Landslides 1:61–66: M < 0.3 floods,
   0.3–0.6 debris floods, > 0.6 debris flows) — mountain catchments, not the plain.
4. **Fan apexes**: debris-prone channel cells where the channel gradient, averaged over the
   next ``gradient_cells`` cells downstream, falls below tan 10° while the channel draining into
   the cell is steeper (debris flows start to deposit below ≈ 10°: Takahashi 1981, Ann. Rev.
   Fluid Mech. 13:57–77) — where channels leave steep terrain at the mountain front.
5. **Run-out** from each apex: down the D8 flow path until the angle of reach (Fahrböschung)
   tan α = H / L, measured from the channel head of the main stem above the apex (H drop [m],
   L horizontal path length [m]), falls below ``reach_tan`` (default 0.19 ≈ 11°, the lowest
   Fahrböschung of Swiss debris flows: Rickenmann & Zimmermann 1993; Rickenmann 1999, Natural
   Hazards 19:47–77); the path is widened laterally by ``half_width_m`` each side (default
   150 m — an assumption, see ``risk/data/hazard_sources.md``).

Classes (uint8): 0 none; 3 high = run-out corridor of a debris-flow catchment (M ≥ 0.6);
2 medium = corridor of a debris-flood catchment (0.3 ≤ M < 0.6), the transit channels above
the apexes, and a second band (w–2w) beside high corridors; 1 low = the second band beside
medium corridors. The run-out mask is the corridors (path ± w). Exposed population = the
population in the run-out mask.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:  # numba is a dependency; keep a (slow) pure-Python path if it is ever missing
    from numba import njit
except ImportError:  # pragma: no cover
    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

from ..errors import HazardError, InputFileError

__all__ = [
    "D8_ROW",
    "D8_COL",
    "MELTON_DEBRIS_FLOOD",
    "MELTON_DEBRIS_FLOW",
    "APEX_SLOPE_DEG",
    "REACH_TAN",
    "HALF_WIDTH_M",
    "CHANNEL_AREA_M2",
    "MudflowResult",
    "fill_depressions",
    "d8_directions",
    "flow_accumulation",
    "debris_flow_susceptibility",
    "read_mudflow_map",
    "exposed_population",
]

#: Melton ratio thresholds [-] (Wilford et al. 2004)
MELTON_DEBRIS_FLOOD = 0.3
MELTON_DEBRIS_FLOW = 0.6
#: channel gradient below which debris flows deposit [degrees] (Takahashi 1981)
APEX_SLOPE_DEG = 10.0
#: minimum angle of reach, H/L [-] (Rickenmann & Zimmermann 1993; Rickenmann 1999)
REACH_TAN = 0.19
#: lateral half-width of a run-out corridor [m] (assumption, hazard_sources.md)
HALF_WIDTH_M = 150.0
#: upslope area from which a channel is mapped [m²] (assumption, hazard_sources.md)
CHANNEL_AREA_M2 = 0.1e6

#: D8 neighbours: row and column steps of direction 0..7, clockwise from north
D8_ROW = np.array([-1, -1, 0, 1, 1, 1, 0, -1], dtype=np.int64)
D8_COL = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
# the old private names, still imported by demo/hazards.py (its owner moves to D8_ROW/D8_COL)
_DR, _DC = D8_ROW, D8_COL


# -- hydrology kernels ---------------------------------------------------------------------------
@njit(cache=True)
def _priority_flood(z: np.ndarray, eps: float) -> np.ndarray:
    h, w = z.shape
    out = z.copy()
    closed = np.zeros((h, w), dtype=np.bool_)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for r in range(h):
        for c in range(w):
            if r == 0 or c == 0 or r == h - 1 or c == w - 1 or not np.isfinite(z[r, c]):
                closed[r, c] = True
                if np.isfinite(z[r, c]):
                    heapq.heappush(heap, (out[r, c], np.int64(r * w + c)))
    while len(heap) > 0:
        zc, idx = heapq.heappop(heap)
        r = idx // w
        c = idx - r * w
        for k in range(8):
            rr = r + D8_ROW[k]
            cc = c + D8_COL[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or closed[rr, cc]:
                continue
            closed[rr, cc] = True
            if out[rr, cc] <= zc + eps:
                out[rr, cc] = zc + eps
            heapq.heappush(heap, (out[rr, cc], np.int64(rr * w + cc)))
    return out


def fill_depressions(dem: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Depression-filled DEM [m]: Priority-Flood+ε (Barnes, Lehman & Mulla 2014,
    doi:10.1016/j.cageo.2013.04.024). Edge and NaN cells are outlets; every interior cell ends
    at least ``eps`` [m] above the neighbour it drains to."""
    return _priority_flood(np.asarray(dem, dtype=np.float64), float(eps))


@njit(cache=True)
def _d8(z: np.ndarray, res: float) -> np.ndarray:
    h, w = z.shape
    out = np.full((h, w), -1, dtype=np.int8)
    diag = res * math.sqrt(2.0)
    for r in range(h):
        for c in range(w):
            zc = z[r, c]
            if not np.isfinite(zc):
                continue
            best = 0.0
            for k in range(8):
                rr = r + D8_ROW[k]
                cc = c + D8_COL[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or not np.isfinite(z[rr, cc]):
                    continue
                d = diag if (k % 2) == 1 else res
                s = (zc - z[rr, cc]) / d
                if s > best:
                    best = s
                    out[r, c] = k
    return out


def d8_directions(dem: np.ndarray, res: float) -> np.ndarray:
    """D8 receiver of each cell (O'Callaghan & Mark 1984): code 0–7 clockwise from north
    (N, NE, E, SE, S, SW, W, NW), −1 where no neighbour is lower (outlets, pits, NaN).
    ``res`` is the cell size [m]."""
    return _d8(np.asarray(dem, dtype=np.float64), float(res))


@njit(cache=True)
def _accumulate(z: np.ndarray, dirs: np.ndarray, order: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    h, w = z.shape
    acc = np.ones((h, w), dtype=np.float64)
    top = z.copy()
    for i in range(order.size):
        idx = order[i]
        r = idx // w
        c = idx - r * w
        k = dirs[r, c]
        if k < 0:
            continue
        rr = r + D8_ROW[k]
        cc = c + D8_COL[k]
        acc[rr, cc] += acc[r, c]
        if top[r, c] > top[rr, cc]:
            top[rr, cc] = top[r, c]
    return acc, top


def flow_accumulation(dem: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(accumulation [cells, each cell counts itself], highest upstream elevation [m]).

    Cells are visited from the highest to the lowest ``dem`` (which must be the surface the
    directions were computed on, so that every receiver is lower) and pass their count and
    their catchment top to their receiver."""
    z = np.asarray(dem, dtype=np.float64)
    zz = np.where(np.isfinite(z), z, -np.inf)
    order = np.argsort(-zz, axis=None, kind="stable").astype(np.int64)
    return _accumulate(z, np.asarray(dirs, dtype=np.int8), order)


@njit(cache=True)
def _downstream_gradient(z: np.ndarray, dirs: np.ndarray, res: float, k_cells: int
                         ) -> np.ndarray:
    h, w = z.shape
    out = np.full((h, w), np.nan)
    diag = res * math.sqrt(2.0)
    for r in range(h):
        for c in range(w):
            rr, cc, L = r, c, 0.0
            for _ in range(k_cells):
                k = dirs[rr, cc]
                if k < 0:
                    break
                L += diag if (k % 2) == 1 else res
                rr += D8_ROW[k]
                cc += D8_COL[k]
            if L > 0:
                out[r, c] = (z[r, c] - z[rr, cc]) / L
    return out


# -- the susceptibility model ------------------------------------------------------------------
@dataclass
class MudflowResult:
    """Debris-flow susceptibility of a grid.

    ``classes`` uint8 (0 none, 1 low, 2 medium, 3 high); ``runout`` bool mask of the run-out
    corridors; ``transit`` debris-prone channels above the apexes; ``channels`` all
    debris-prone channel cells; ``apexes`` [(row, col)]; ``accumulation`` [cells];
    ``melton`` Melton ratio [-] per cell; ``filled`` the depression-filled DEM [m];
    ``params`` the parameters used.
    """

    classes: np.ndarray
    runout: np.ndarray
    transit: np.ndarray
    channels: np.ndarray
    apexes: list[tuple[int, int]]
    accumulation: np.ndarray
    melton: np.ndarray
    filled: np.ndarray
    params: dict[str, float]


def debris_flow_susceptibility(dem: np.ndarray, res: float, *,
                               channel_area_m2: float = CHANNEL_AREA_M2,
                               melton_min: float = MELTON_DEBRIS_FLOOD,
                               melton_flow: float = MELTON_DEBRIS_FLOW,
                               apex_slope_deg: float = APEX_SLOPE_DEG,
                               reach_tan: float = REACH_TAN,
                               half_width_m: float = HALF_WIDTH_M,
                               gradient_cells: int = 3) -> MudflowResult:
    """Debris-flow susceptibility classes and run-out corridors from a DEM [m] on a grid of
    ``res`` [m] cells (module docstring: Barnes et al. 2014 filling, D8 of O'Callaghan & Mark
    1984, Melton ratio after Wilford et al. 2004, apexes below 10° after Takahashi 1981,
    angle of reach after Rickenmann 1999)."""
    from scipy import ndimage

    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 3:
        raise HazardError(f"the DEM must be a 2-D grid of at least 3×3 cells, got {z.shape}",
                          fix="pass the elevation [m] on the city grid")
    if not np.any(np.isfinite(z)):
        raise HazardError("the DEM has no valid cells", fix="check the DEM's nodata value")
    filled = fill_depressions(z)
    dirs = d8_directions(filled, res)
    acc, top = flow_accumulation(filled, dirs)
    area = acc * res * res
    relief = np.where(np.isfinite(z), top - filled, 0.0)
    melton = relief / np.sqrt(area)
    channels = (area >= channel_area_m2) & (melton >= melton_min)
    grad = _downstream_gradient(filled, dirs, float(res), int(gradient_cells))
    t_apex = math.tan(math.radians(apex_slope_deg))
    h, w = z.shape
    # a channel cell is an apex if it is gentle and some channel cell draining into it is steep
    steep_in = np.zeros((h, w), dtype=bool)
    rows, cols = np.nonzero(channels & (grad >= t_apex))
    for r, c in zip(rows.tolist(), cols.tolist()):
        k = int(dirs[r, c])
        if k >= 0:
            steep_in[r + D8_ROW[k], c + D8_COL[k]] = True
    apex_mask = channels & steep_in & (np.nan_to_num(grad, nan=0.0) < t_apex)
    apexes = [(int(r), int(c)) for r, c in zip(*np.nonzero(apex_mask))]

    # upstream main stem: for each cell, the upstream neighbour with the largest accumulation
    diag = res * math.sqrt(2.0)
    path_hi = np.zeros((h, w), dtype=bool)   # corridor centrelines from debris-flow catchments
    path_mid = np.zeros((h, w), dtype=bool)  # ... from debris-flood catchments
    transit = np.zeros((h, w), dtype=bool)
    for r0, c0 in apexes:
        # trace up the main stem to the channel head: source of the angle of reach
        r, c, L = r0, c0, 0.0
        while True:
            best, br, bc, bd = -1.0, -1, -1, 0.0
            for k in range(8):
                rr, cc = r + D8_ROW[k], c + D8_COL[k]
                if 0 <= rr < h and 0 <= cc < w and dirs[rr, cc] == (k + 4) % 8 \
                        and acc[rr, cc] > best:
                    best, br, bc, bd = acc[rr, cc], rr, cc, (diag if k % 2 else res)
            if br < 0 or area[br, bc] < channel_area_m2:
                break
            transit[br, bc] = True
            r, c, L = br, bc, L + bd
        z_src = filled[r, c]
        target = path_hi if melton[r0, c0] >= melton_flow else path_mid
        # run out down the flow path while H/L stays at or above reach_tan
        r, c = r0, c0
        while True:
            if L > 0 and (z_src - filled[r, c]) / L < reach_tan:
                break
            target[r, c] = True
            k = int(dirs[r, c])
            if k < 0:
                break
            L += diag if k % 2 else res
            r, c = r + D8_ROW[k], c + D8_COL[k]
    d_hi = ndimage.distance_transform_edt(~path_hi) * res if path_hi.any() else np.full(
        (h, w), np.inf)
    d_mid = ndimage.distance_transform_edt(~path_mid) * res if path_mid.any() else np.full(
        (h, w), np.inf)
    wdt = float(half_width_m)
    core_hi = d_hi <= wdt
    core_mid = d_mid <= wdt
    classes = np.zeros((h, w), dtype=np.uint8)
    classes[d_mid <= 2 * wdt] = 1
    classes[(d_hi <= 2 * wdt) | core_mid | transit] = 2
    classes[core_hi] = 3
    params = dict(res_m=float(res), channel_area_m2=float(channel_area_m2),
                  melton_min=float(melton_min), melton_flow=float(melton_flow),
                  apex_slope_deg=float(apex_slope_deg), reach_tan=float(reach_tan),
                  half_width_m=wdt, gradient_cells=float(gradient_cells))
    return MudflowResult(classes, core_hi | core_mid, transit & ~(core_hi | core_mid),
                         channels, apexes, acc, melton, filled, params)


# -- a user map ----------------------------------------------------------------------------------
def read_mudflow_map(path: str | Path, grid) -> np.ndarray:
    """Read a user mudflow map (GeoTIFF, any CRS) onto ``grid`` → uint8 classes 0–3.

    Values 0–3 are taken as classes (0 none … 3 high); a map holding only 0 and 1 is read as
    a boolean hazard zone and its 1-cells become class 3 (high). Nodata and uncovered cells are
    0. Resampled by the mode of the source cells (``CityGrid.resample(kind="class")``).

    Raises :class:`~carlcities.errors.HazardError` for values outside 0–3.
    """
    from ..io.raster import read_window_float

    p = Path(path)
    if not p.is_file():
        raise InputFileError("mudflow map not found", path=p,
                             fix="check the path, or leave it out to derive one from the DEM")
    arr, tr, src_crs, _tags = read_window_float(p, grid)
    valid = np.isfinite(arr)  # nodata is NaN
    vals = np.unique(arr[valid])
    if vals.size and (vals.min() < 0 or vals.max() > 3 or np.any(vals != np.round(vals))):
        raise HazardError(f"mudflow map values {vals[:8].tolist()} are not classes 0–3",
                          path=p, fix="code the map 0 none, 1 low, 2 medium, 3 high, or 0/1 "
                                      "for a hazard zone")
    boolean = vals.size > 0 and set(vals.tolist()) <= {0.0, 1.0}
    data = np.where(valid, arr, 0.0)
    if boolean:
        data = data * 3.0
    out = grid.resample(data.astype(np.int32), tr, src_crs, "class", src_nodata=None)
    return np.clip(out, 0, 3).astype(np.uint8)


def exposed_population(mask: np.ndarray, population: np.ndarray) -> float:
    """Population [persons] in the cells of ``mask`` (e.g. the run-out corridors)."""
    m = np.asarray(mask, dtype=bool)
    p = np.asarray(population, dtype=np.float64)
    if m.shape != p.shape:
        raise HazardError(f"mask {m.shape} and population {p.shape} differ in shape",
                          fix="put both on the same city grid")
    return float(np.nansum(p[m]))
