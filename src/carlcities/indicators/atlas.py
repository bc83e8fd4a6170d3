"""Cell-level urban extent, new growth and compactness (Atlas of Urban Expansion).

Pure functions on 2-D numpy arrays of one city grid (square cells of side ``res_m`` [m]); they
never open files. Class codes are those of :data:`carlcities._schema.ATLAS_CLASSES` and
:data:`carlcities._schema.GROWTH_CLASSES`.

References
----------
Angel, S., Blei, A. M., Parent, J., Lamson-Hall, P., Galarza Sánchez, N., Civco, D. L.,
Lei, R. Q. and Thom, K. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1: Areas and
Densities*. New York: NYU Urban Expansion Program; Cambridge, MA: Lincoln Institute of Land
Policy.

Angel, S., Parent, J. and Civco, D. L. (2010). Ten compactness properties of circles: measuring
shape in geography. *The Canadian Geographer* 54(4):441–461.
doi:10.1111/j.1541-0064.2009.00304.x
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["AtlasResult", "classify", "compactness", "new_growth"]

# Codes of carlcities._schema.ATLAS_CLASSES
NODATA, URBAN, SUBURBAN, RURAL, FRINGE, CAPTURED, RURAL_OPEN, WATER = range(8)
# Codes of carlcities._schema.GROWTH_CLASSES
NO_GROWTH, INFILL, EXTENSION, LEAPFROG, INCLUSION = range(5)

# 4-connectivity (rook) and 8-connectivity (queen) structuring elements
_ROOK = ndimage.generate_binary_structure(2, 1)
_QUEEN = ndimage.generate_binary_structure(2, 2)

# Relative tolerance on distances compared with a radius, so that a cell centre lying exactly on
# the circle (e.g. the 4 neighbours at 100 m for a 100 m fringe) counts as inside.
_EPS = 1e-9


@dataclass(frozen=True)
class AtlasResult:
    """Atlas of Urban Expansion classification of one epoch.

    Attributes
    ----------
    classes : uint8 array
        Codes of ``ATLAS_CLASSES``: 1 urban built-up, 2 suburban built-up, 3 rural built-up,
        4 fringe open space, 5 captured open space, 6 rural open space, 7 water, 0 nodata.
    builtup : bool array
        Built-up cells (built-up surface share ≥ threshold; never water or nodata).
    b : float array
        Built-up share of each cell's walking-distance circle [ratio]; NaN on nodata cells.
        The openness of a built-up cell is ``1 - b``.
    extent : bool array
        Urban extent: urban + suburban built-up, fringe and captured open space, and rural
        built-up cells lying inside captured clusters.
    """

    classes: np.ndarray
    builtup: np.ndarray
    b: np.ndarray
    extent: np.ndarray


def _disc_kernel(radius_m: float, res_m: float) -> np.ndarray:
    """0/1 kernel of the cells whose centre lies within ``radius_m`` [m] of the centre cell."""
    k = math.floor(radius_m / res_m + _EPS)
    off = np.arange(-k, k + 1, dtype=float) * res_m
    d2 = off[:, None] ** 2 + off[None, :] ** 2
    return (d2 <= radius_m**2 * (1.0 + _EPS)).astype(float)


def _window_counts(mask: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Number of True cells of ``mask`` under ``kernel`` centred on each cell (zero padding).

    The disc kernel is a stack of centred horizontal runs, so each count is a sum of run
    sums, read from the rows' prefix sums: exact integers, no FFT (identical to the former
    FFT convolution rounded to integers, and faster: ``benchmarks/bench_cities_engines.py``).
    """
    m = np.asarray(mask, dtype=bool)
    if kernel.size == 1:
        return m.astype(np.int64)
    h, w = m.shape
    k = kernel.shape[0] // 2
    # row prefix sums, padded with k zeros on the left and k copies of the row total on the
    # right, so that every run sum is a difference of two column slices
    pre = np.zeros((h, w + 1 + 2 * k), dtype=np.int32)
    np.cumsum(m, axis=1, out=pre[:, k + 1:k + 1 + w])
    pre[:, k + 1 + w:] = pre[:, k + w:k + w + 1]
    run_sums: dict[int, np.ndarray] = {}
    out = np.zeros((h, w), dtype=np.int32)
    for i in range(kernel.shape[0]):
        r = int(np.count_nonzero(kernel[i, k:])) - 1  # half-width of the run on this row
        dy = i - k
        if r < 0 or abs(dy) >= h:
            continue
        if r not in run_sums:
            run_sums[r] = pre[:, k + r + 1:k + r + 1 + w] - pre[:, k - r:k - r + w]
        s = run_sums[r]
        if dy >= 0:
            out[:h - dy] += s[dy:]
        else:
            out[-dy:] += s[:h + dy]
    return out.astype(np.int64)


def _within(mask: np.ndarray, radius_m: float, res_m: float) -> np.ndarray:
    """Cells whose centre lies within ``radius_m`` [m] of the centre of a True cell of
    ``mask``: the Euclidean distance transform thresholded, or, for a radius of a few cells,
    the same set as a dilation by the cells of the disc (each cell offset's distance
    computed as ``scipy.ndimage.distance_transform_edt`` computes it, so the sets are equal)."""
    k = math.floor(radius_m / res_m)
    if k > 3:
        return ndimage.distance_transform_edt(~mask, sampling=res_m) <= radius_m
    off = np.arange(-k, k + 1, dtype=np.float64) * res_m
    disc = np.sqrt(off[:, None] * off[:, None] + off[None, :] * off[None, :]) <= radius_m
    h, w = mask.shape
    out = mask.copy()
    for dy, dx in np.argwhere(disc) - k:  # OR of the mask shifted by every offset
        if abs(dy) < h and abs(dx) < w and (dy or dx):
            out[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)] |= \
                mask[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)]
    return out


def _pair_counts(m: np.ndarray) -> np.ndarray:
    """Ordered pairs of True cells at each offset (dy, dx), dy in −(h−1)…h−1 and dx in
    −(w−1)…w−1: the autocorrelation of ``m``, by one real FFT and its inverse, rounded to
    the integers it is (the same array as a full FFT convolution of ``m`` with its
    reflection)."""
    from scipy import fft

    h, w = m.shape
    fh, fw = fft.next_fast_len(2 * h - 1, real=True), fft.next_fast_len(2 * w - 1, real=True)
    f = fft.rfft2(m.astype(np.float64), s=(fh, fw))
    f *= f.conj()
    ac = fft.irfft2(f, s=(fh, fw))
    # circular lags −(h−1)…−1 sit at the end of the axis: put them first
    ac = np.concatenate([ac[fh - h + 1:], ac[:h]], axis=0)
    ac = np.concatenate([ac[:, fw - w + 1:], ac[:, :w]], axis=1)
    return np.rint(ac, out=ac)


def classify(
    builtup_share: np.ndarray,
    res_m: float,
    *,
    threshold: float = 0.2,
    walk_radius_m: float = 564.19,
    fringe_m: float = 100.0,
    captured_max_ha: float = 200.0,
    water: np.ndarray | None = None,
) -> AtlasResult:
    """Classify cells into Atlas of Urban Expansion classes and the urban extent.

    Method (Angel et al. 2016, *Atlas of Urban Expansion*, vol. 1, methodology):

    1. A cell is **built-up** where its built-up surface share [ratio] is ≥ ``threshold``;
       NaN shares are nodata (class 0, never built-up); ``water`` cells are water (class 7,
       never built-up), whatever their share.
    2. The **walking-distance circle** of a cell holds the cells whose centre lies within
       ``walk_radius_m`` [m] of its centre (564.19 m: a circle of 1 km²). Its built-up share
       is ``b = built-up cells / valid cells`` in the circle, where valid cells are those that
       are not nodata (water counts as valid, non-built-up). Circles are truncated at the
       array edge and normalised by their valid cells only (zero-padded convolution).
    3. A built-up cell is **urban** when b > 0.5, **suburban** when 0.25 < b ≤ 0.5 and
       **rural** when b ≤ 0.25 (a share of exactly 50 % is suburban, exactly 25 % rural).
    4. **Fringe open space**: open cells (valid, not built-up, not water) whose centre lies
       within ``fringe_m`` [m] of the centre of an urban or suburban built-up cell.
    5. **Captured open space**: the cells that are neither urban/suburban built-up nor fringe
       are grouped into 4-connected clusters (edge neighbours only). A cluster is captured
       when it touches neither the array border nor a nodata cell (it is wholly enclosed by
       built-up and fringe cells) and its area (all its cells, water included) is below
       ``captured_max_ha`` [ha]. Its open cells become class 5; its rural built-up cells keep
       class 3 but join the extent; its water cells stay water, outside the extent.
    6. Remaining open cells are **rural open space** (class 6).
    7. **Urban extent** = urban + suburban built-up + fringe + captured open space + rural
       built-up inside captured clusters.

    Parameters
    ----------
    builtup_share : 2-D float array
        Built-up surface share of each cell [ratio, 0–1]; NaN = nodata.
    res_m : float
        Cell side [m].
    threshold : float
        Built-up share at or above which a cell is built-up [ratio].
    walk_radius_m : float
        Radius of the walking-distance circle [m].
    fringe_m : float
        Fringe width [m].
    captured_max_ha : float
        Largest area of an enclosed open cluster that is still captured [ha] (strictly below).
    water : 2-D bool array, optional
        Water cells.

    Returns
    -------
    AtlasResult

    References
    ----------
    Angel, S. et al. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1: Areas and
    Densities*. NYU Urban Expansion Program and Lincoln Institute of Land Policy.
    """
    share = np.asarray(builtup_share, dtype=float)
    if share.ndim != 2:
        raise ValueError(f"builtup_share must be a 2-D array, got shape {share.shape}")
    if not res_m > 0:
        raise ValueError(f"res_m must be positive, got {res_m!r}")
    if water is None:
        water_m = np.zeros(share.shape, dtype=bool)
    else:
        water_m = np.asarray(water, dtype=bool)
        if water_m.shape != share.shape:
            raise ValueError(f"water has shape {water_m.shape}, builtup_share {share.shape}")

    nodata = np.isnan(share) & ~water_m
    valid = ~nodata
    with np.errstate(invalid="ignore"):
        builtup = (share >= threshold) & valid & ~water_m

    # Built-up share of the walking circle, from exact integer counts.
    kernel = _disc_kernel(walk_radius_m, res_m)
    n_built = _window_counts(builtup, kernel)
    n_valid = _window_counts(valid, kernel)
    b = np.full(share.shape, np.nan)
    has = n_valid > 0
    b[has] = n_built[has] / n_valid[has]
    b[nodata] = np.nan
    urban = builtup & (2 * n_built > n_valid)  # b > 1/2
    suburban = builtup & ~urban & (4 * n_built > n_valid)  # 1/4 < b <= 1/2
    rural = builtup & ~urban & ~suburban  # b <= 1/4
    urb_sub = urban | suburban

    open_ = valid & ~builtup & ~water_m
    if urb_sub.any():
        fringe = open_ & _within(urb_sub, fringe_m * (1.0 + _EPS), res_m)
    else:
        fringe = np.zeros(share.shape, dtype=bool)

    # Captured clusters: 4-connected groups of the remaining cells, enclosed and small.
    rest = ~urb_sub & ~fringe
    labels, n_lab = ndimage.label(rest, structure=_ROOK)
    captured_cluster = np.zeros(share.shape, dtype=bool)
    if n_lab:
        sizes = np.bincount(labels.ravel(), minlength=n_lab + 1)
        open_to_outside = np.zeros(n_lab + 1, dtype=bool)
        border = np.concatenate([labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]])
        open_to_outside[border] = True
        open_to_outside[labels[nodata]] = True
        cell_ha = res_m * res_m / 1e4
        ok = ~open_to_outside & (sizes * cell_ha < captured_max_ha)
        ok[0] = False
        captured_cluster = ok[labels]
    captured = captured_cluster & open_

    classes = np.full(share.shape, RURAL_OPEN, dtype=np.uint8)
    classes[nodata] = NODATA
    classes[water_m] = WATER
    classes[urban] = URBAN
    classes[suburban] = SUBURBAN
    classes[rural] = RURAL
    classes[fringe] = FRINGE
    classes[captured] = CAPTURED

    extent = urb_sub | fringe | captured | (rural & captured_cluster)
    return AtlasResult(classes=classes, builtup=builtup, b=b, extent=extent)


def new_growth(
    extent1: np.ndarray, builtup1: np.ndarray, extent2: np.ndarray, builtup2: np.ndarray
) -> np.ndarray:
    """Classify new growth between two epochs (Atlas of Urban Expansion).

    New built-up cells are built-up in epoch 2 and not in epoch 1. Codes of ``GROWTH_CLASSES``:

    - 1 **infill**: new built-up inside the epoch-1 urban extent;
    - 2 **extension**: new built-up outside the epoch-1 extent, in an 8-connected cluster of
      such cells that touches the epoch-1 extent (a cell of the cluster shares an edge or a
      corner with an extent cell);
    - 3 **leapfrog**: the other new built-up cells (clusters detached from the extent);
    - 4 **inclusion**: cells inside the epoch-2 extent, outside the epoch-1 extent and not
      built-up in epoch 2 (open space newly captured or newly fringe);
    - 0 otherwise.

    Parameters
    ----------
    extent1, builtup1, extent2, builtup2 : 2-D bool arrays
        Urban extent and built-up cells of the start (1) and end (2) epochs.

    Returns
    -------
    uint8 array of growth codes.

    References
    ----------
    Angel, S. et al. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1*, "New
    development: infill, extension, leapfrog and inclusion". NYU Urban Expansion Program and
    Lincoln Institute of Land Policy.
    """
    e1 = np.asarray(extent1, dtype=bool)
    b1 = np.asarray(builtup1, dtype=bool)
    e2 = np.asarray(extent2, dtype=bool)
    b2 = np.asarray(builtup2, dtype=bool)
    shapes = {a.shape for a in (e1, b1, e2, b2)}
    if len(shapes) != 1:
        raise ValueError(f"new_growth: arrays differ in shape: {sorted(shapes)}")

    new = b2 & ~b1
    out = np.zeros(e1.shape, dtype=np.uint8)
    out[e2 & ~e1 & ~b2] = INCLUSION
    out[new & e1] = INFILL
    outside = new & ~e1
    labels, n_lab = ndimage.label(outside, structure=_QUEEN)
    if n_lab:
        near_extent = ndimage.binary_dilation(e1, structure=_QUEEN)
        touching = np.zeros(n_lab + 1, dtype=bool)
        touching[labels[outside & near_extent]] = True
        touching[0] = False
        ext = touching[labels]
        out[outside & ext] = EXTENSION
        out[outside & ~ext] = LEAPFROG
    return out


def compactness(mask: np.ndarray, res_m: float) -> dict[str, float]:
    """Proximity, cohesion, spin and exchange indices of a rasterised shape.

    Angel, Parent & Civco (2010) normalise each property by its value for the circle of equal
    area, so that all four equal 1 for a disc and fall below 1 for less compact shapes. The
    shape is represented by the centres of its cells; ``A = n·res²`` [m²] and
    ``r = √(A/π)`` [m] is the radius of the equal-area circle; the centre is the centroid of
    the cell centres.

    - proximity = (2r/3) / mean distance of the cells to the centre;
    - spin = (r²/2) / mean squared distance of the cells to the centre;
    - exchange = share of the cells whose centre lies inside the equal-area circle drawn on
      the centre;
    - cohesion = (128/(45π))·r / mean distance between pairs of cells, with
      128/(45π) = 0.9054. The mean pairwise distance is exact, not sampled: the number of
      ordered cell pairs at each offset is the autocorrelation of the mask (an FFT
      convolution of the mask with its reflection, rounded to integers); the distances of
      the offsets are weighted by these counts and divided by n² − n, i.e. the n self pairs
      (distance 0) are excluded.

    Parameters
    ----------
    mask : 2-D bool array
        The shape (e.g. the urban extent).
    res_m : float
        Cell side [m].

    Returns
    -------
    dict with keys ``proximity``, ``cohesion``, ``spin``, ``exchange`` [index]; all NaN for
    an empty mask; for a single cell only ``exchange`` (1.0) is defined.

    References
    ----------
    Angel, S., Parent, J. and Civco, D. L. (2010). Ten compactness properties of circles:
    measuring shape in geography. *The Canadian Geographer* 54(4):441–461.
    doi:10.1111/j.1541-0064.2009.00304.x
    """
    m = np.asarray(mask, dtype=bool)
    nan = float("nan")
    n = int(m.sum())
    if n == 0:
        return {"proximity": nan, "cohesion": nan, "spin": nan, "exchange": nan}
    rows = np.flatnonzero(m.any(axis=1))
    cols = np.flatnonzero(m.any(axis=0))
    m = m[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    area = n * res_m * res_m
    r = math.sqrt(area / math.pi)
    iy, ix = np.nonzero(m)
    y = iy * res_m
    x = ix * res_m
    d2 = (x - x.mean()) ** 2 + (y - y.mean()) ** 2
    d = np.sqrt(d2)
    proximity = (2.0 * r / 3.0) / d.mean() if d.mean() > 0 else nan
    spin = (r * r / 2.0) / d2.mean() if d2.mean() > 0 else nan
    exchange = float(np.count_nonzero(d2 <= r * r * (1.0 + _EPS))) / n

    if n > 1:
        pairs = _pair_counts(m)
        h, w = m.shape
        oy = np.arange(-(h - 1), h, dtype=float) * res_m
        ox = np.arange(-(w - 1), w, dtype=float) * res_m
        dist = np.sqrt(oy[:, None] ** 2 + ox[None, :] ** 2)
        mean_pair = float((pairs * dist).sum()) / (n * n - n)
        cohesion = (128.0 / (45.0 * math.pi)) * r / mean_pair
    else:
        cohesion = nan
    return {
        "proximity": float(proximity),
        "cohesion": float(cohesion),
        "spin": float(spin),
        "exchange": float(exchange),
    }
