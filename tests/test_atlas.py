"""Atlas of Urban Expansion classification, new growth and compactness: hand-worked grids."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import integrate, ndimage
from scipy.spatial.distance import pdist

from carlcities._schema import ATLAS_CLASSES, GROWTH_CLASSES
from carlcities.indicators import atlas
from carlcities.indicators.atlas import classify, compactness, new_growth

# Walking radius 150 m on a 100 m grid: the circle holds the cell centres at 0, 100 and 141 m,
# i.e. the full 3×3 block; the fringe (100 m) holds the 4 edge neighbours only.
RES = 100.0
WALK = 150.0


def test_codes_match_schema():
    assert ATLAS_CLASSES[atlas.URBAN][0] == "urban built-up"
    assert ATLAS_CLASSES[atlas.SUBURBAN][0] == "suburban built-up"
    assert ATLAS_CLASSES[atlas.RURAL][0] == "rural built-up"
    assert ATLAS_CLASSES[atlas.FRINGE][0] == "fringe open space"
    assert ATLAS_CLASSES[atlas.CAPTURED][0] == "captured open space"
    assert ATLAS_CLASSES[atlas.RURAL_OPEN][0] == "rural open space"
    assert ATLAS_CLASSES[atlas.WATER][0] == "water"
    assert ATLAS_CLASSES[atlas.NODATA][0] == "nodata"
    assert GROWTH_CLASSES[atlas.INFILL][0] == "infill"
    assert GROWTH_CLASSES[atlas.EXTENSION][0] == "extension"
    assert GROWTH_CLASSES[atlas.LEAPFROG][0] == "leapfrog"
    assert GROWTH_CLASSES[atlas.INCLUSION][0] == "inclusion"


def test_disc_kernel_is_3x3_for_150m():
    k = atlas._disc_kernel(WALK, RES)
    assert k.shape == (3, 3) and k.sum() == 9
    # 564.19 m at 100 m: offsets up to 5 cells; (5, 0) at 500 m is in, (4, 4) at 566 m is out
    k = atlas._disc_kernel(564.19, 100.0)
    assert k.shape == (11, 11)
    assert k[5, 0] == 1 and k[1, 1] == 0 and k[5 - 3, 5 - 4] == 1  # (3, 4) at 500 m


def _ring_grid():
    """15×15 grid, 100 m cells.

    Built-up (share 0.6): the ring rows 3–9 × cols 3–9 minus the hole rows 5–7 × cols 5–7
    (40 cells, 2 cells thick). One isolated cell (12, 12) with share exactly 0.2 (= threshold,
    so built-up). Column 0 is water; (0, 14) is nodata (NaN); every other cell has share 0.1.
    """
    share = np.full((15, 15), 0.1)
    share[3:10, 3:10] = 0.6
    share[5:8, 5:8] = 0.1
    share[12, 12] = 0.2
    share[0, 14] = np.nan
    water = np.zeros((15, 15), dtype=bool)
    water[:, 0] = True
    return share, water


def test_classify_ring_by_hand():
    share, water = _ring_grid()
    res = classify(share, RES, walk_radius_m=WALK, water=water)
    c = res.classes
    assert c.dtype == np.uint8

    # b by hand (3×3 windows, all cells valid away from the nodata corner):
    # outer ring corner (3,3): built (3,3),(3,4),(4,3),(4,4) = 4/9 = 0.444 -> suburban
    # outer edge (3,4): rows 2–4 × cols 3–5 -> rows 3–4 built = 6/9 -> urban
    # inner corner (4,4): rows 3–5 × cols 3–5 -> 6 + (5,3),(5,4) = 8/9 -> urban
    # inner edge (4,6): rows 3–5 × cols 5–7 -> 6 + 0 (hole) = 6/9 -> urban
    # isolated (12,12): 1/9 -> rural
    assert res.b[3, 3] == pytest.approx(4 / 9)
    assert res.b[3, 4] == pytest.approx(6 / 9)
    assert res.b[4, 4] == pytest.approx(8 / 9)
    assert res.b[4, 6] == pytest.approx(6 / 9)
    assert res.b[12, 12] == pytest.approx(1 / 9)
    for rc in [(3, 3), (3, 9), (9, 3), (9, 9)]:
        assert c[rc] == 2, rc  # suburban
    ring = np.zeros((15, 15), dtype=bool)
    ring[3:10, 3:10] = True
    ring[5:8, 5:8] = False
    assert ring.sum() == 40
    assert (c[ring] == 1).sum() == 36
    assert c[12, 12] == 3
    assert res.builtup[12, 12] and res.builtup.sum() == 41

    # fringe: edge neighbours of the ring: outside, row 2 / row 10 / col 2 / col 10 next to
    # the ring (4 × 7 = 28 cells); inside the hole, the 8 cells around its centre.
    # (2,2) is a diagonal neighbour (141 m > 100 m): not fringe.
    fringe = np.zeros((15, 15), dtype=bool)
    fringe[2, 3:10] = fringe[10, 3:10] = fringe[3:10, 2] = fringe[3:10, 10] = True
    fringe[5:8, 5:8] = True
    fringe[6, 6] = False
    assert np.array_equal(c == 4, fringe)
    assert c[2, 2] == 6
    # the hole centre (6,6) is enclosed by fringe, 1 ha < 200 ha -> captured
    assert c[6, 6] == 5 and (c == 5).sum() == 1
    # water stays water, nodata stays nodata; the open land touching the border is rural open
    assert np.all(c[:, 0] == 7)
    assert c[0, 14] == 0 and np.isnan(res.b[0, 14])
    assert c[13, 13] == 6 and c[0, 5] == 6
    counts = np.bincount(c.ravel(), minlength=8)
    # nodata 1, urban 36, suburban 4, rural 1, fringe 36, captured 1, rural open, water 15
    assert counts.tolist() == [1, 36, 4, 1, 36, 1, 225 - 1 - 36 - 4 - 1 - 36 - 1 - 15, 15]
    # extent = 40 ring + 36 fringe + 1 captured = 77; the rural cell is outside
    assert res.extent.sum() == 77
    assert not res.extent[12, 12] and res.extent[6, 6]


def test_classify_edges_and_boundary_conventions():
    """At the array corner the 3×3 circle is cut to 4 valid cells (zero padding).

    4×4 grid, built-up (0,0),(0,1) and (3,3):
    b(0,0) = 2/4 = 0.5 exactly -> suburban (0.25 < b ≤ 0.5);
    b(0,1) = 2/6 = 0.333 -> suburban;
    b(3,3) = 1/4 = 0.25 exactly -> rural (b ≤ 0.25).
    """
    share = np.zeros((4, 4))
    share[0, 0] = share[0, 1] = share[3, 3] = 1.0
    res = classify(share, RES, walk_radius_m=WALK)
    assert res.b[0, 0] == 0.5 and res.classes[0, 0] == 2
    assert res.b[0, 1] == pytest.approx(1 / 3) and res.classes[0, 1] == 2
    assert res.b[3, 3] == 0.25 and res.classes[3, 3] == 3
    # nodata shrinks the denominator: with (1,0),(1,1) NaN, b(0,0) = 2/2 = 1 -> urban
    share[1, 0] = share[1, 1] = np.nan
    res = classify(share, RES, walk_radius_m=WALK)
    assert res.b[0, 0] == 1.0 and res.classes[0, 0] == 1
    assert res.classes[1, 0] == 0 and not res.builtup[1, 0]


def _big_hole_grid():
    """11×11 grid; ring rows 1–9 × cols 1–9 minus the hole rows 3–7 × cols 3–7 (2 cells
    thick, all urban except the 4 outer corners at 4/9, suburban). The 16 hole cells along the
    ring are fringe; the 3×3 hole centre rows 4–6 × cols 4–6 (9 ha) is enclosed. Its middle
    cell (5,5) is built-up with b = 1/9 -> rural built-up."""
    share = np.zeros((11, 11))
    share[1:10, 1:10] = 1.0
    share[3:8, 3:8] = 0.0
    share[5, 5] = 1.0
    return share


def test_captured_cluster_with_rural_builtup():
    res = classify(_big_hole_grid(), RES, walk_radius_m=WALK)
    c = res.classes
    assert c[5, 5] == 3 and res.extent[5, 5]  # rural built-up inside a captured cluster
    assert (c[4:7, 4:7] == 5).sum() == 8  # the other 8 centre cells are captured
    assert (c[3:8, 3:8] == 4).sum() == 16  # the hole's outer ring is fringe
    # extent: 9·9 − 25 = 56 ring + 16 fringe + 9 cluster + outer fringe (4 sides × 9 = 36)
    assert res.extent.sum() == 56 + 16 + 9 + 36
    # a 9 ha cluster is not < 9 ha: it stays rural, outside the extent
    res = classify(_big_hole_grid(), RES, walk_radius_m=WALK, captured_max_ha=9.0)
    assert (res.classes[4:7, 4:7] == 6).sum() == 8 and res.classes[5, 5] == 3
    assert not res.extent[5, 5]
    assert res.extent.sum() == 56 + 16 + 36


def test_open_region_touching_border_is_rural():
    """A U-shaped built-up block whose 4-cell-wide bay reaches the top border.

    Built-up rows 0–8 × cols 2–9 minus the bay rows 0–5 × cols 4–7. The bay cells next to the
    walls (cols 4 and 7, row 5) are fringe; the rest of the bay (rows 0–4 × cols 5–6) is
    enclosed on three sides but touches the border, so it is rural open, not captured.
    """
    share = np.zeros((12, 12))
    share[0:9, 2:10] = 1.0
    share[0:6, 4:8] = 0.0  # 4-wide bay open to the top border
    res = classify(share, RES, walk_radius_m=WALK)
    assert np.all(res.classes[0:6, 4] == 4) and np.all(res.classes[5, 4:8] == 4)
    assert np.all(res.classes[0:5, 5:7] == 6)
    assert not res.extent[0:5, 5:7].any()
    assert (res.classes == 5).sum() == 0


def test_classify_default_radius_runs_and_is_consistent():
    rng = np.random.default_rng(1)
    share = ndimage.gaussian_filter(rng.random((80, 80)), 3)
    share = (share - share.min()) / (share.max() - share.min())
    res = classify(share, 30.0)
    assert np.all(res.builtup == (share >= 0.2))
    assert np.all((res.classes[res.builtup] >= 1) & (res.classes[res.builtup] <= 3))
    assert np.all(res.b[res.classes == 1] > 0.5)
    assert np.all(res.b[res.classes == 3] <= 0.25)


def test_new_growth_by_hand():
    """8×10 grid.

    Epoch 1: extent rows 2–4 × cols 2–4; built-up the same block without its centre (3,3).
    Epoch 2 new built-up:
      (3,3)            inside extent 1                          -> infill (1)
      (3,5), (2,6)     8-connected cluster, (3,5) next to (3,4)  -> extension (2)
      (5,5)            touches extent 1 only by the corner (4,4) -> extension (2)
      (6,8), (7,8)     detached cluster                          -> leapfrog (3)
    Epoch 2 extent rows 1–5 × cols 1–7: its cells outside extent 1 that are not built-up in
    epoch 2 are inclusion (4).
    """
    e1 = np.zeros((8, 10), dtype=bool)
    e1[2:5, 2:5] = True
    b1 = e1.copy()
    b1[3, 3] = False
    b2 = b1.copy()
    for rc in [(3, 3), (3, 5), (2, 6), (5, 5), (6, 8), (7, 8)]:
        b2[rc] = True
    e2 = np.zeros_like(e1)
    e2[1:6, 1:8] = True

    expected = np.zeros((8, 10), dtype=np.uint8)
    expected[1:6, 1:8] = 4
    expected[2:5, 2:5] = 0
    expected[3, 3] = 1
    expected[3, 5] = expected[2, 6] = expected[5, 5] = 2
    expected[6, 8] = expected[7, 8] = 3
    got = new_growth(e1, b1, e2, b2)
    assert got.dtype == np.uint8
    assert np.array_equal(got, expected)
    assert (got == 4).sum() == 5 * 7 - 9 - 3


# --- compactness -----------------------------------------------------------------------


def test_compactness_disc_is_one():
    r = 200
    y, x = np.mgrid[-r - 2 : r + 3, -r - 2 : r + 3]
    disc = x * x + y * y <= r * r
    out = compactness(disc, 30.0)
    for key in ("proximity", "cohesion", "spin", "exchange"):
        assert out[key] == pytest.approx(1.0, rel=0.01), key


def test_compactness_rectangle_2_to_1():
    """A 2a × a rectangle (a = 1), area A = 2, r = √(2/π) = 0.79788.

    spin: mean squared distance to the centre = ((2a)² + a²)/12 = 5/12; r²/2 = 1/π;
          spin = (1/π)/(5/12) = 12/(5π) = 0.76394.
    exchange: the equal-area circle (r = 0.798 < a = 1) is clipped only by the long sides at
          d = a/2 = 0.5. Each cut-off segment has area r²·acos(d/r) − d·√(r² − d²)
          = 0.63662·0.89354 − 0.5·0.62179 = 0.25795 (0.89354 = acos 0.62666);
          exchange = (πr² − 2·0.25795)/A = (2 − 0.51590)/2 = 0.74205.
    proximity and cohesion: numerical integration (scipy.integrate.dblquad) below.
    """
    a = 1.0
    r = math.sqrt(2 * a * a / math.pi)
    spin_hand = 12 / (5 * math.pi)
    d = a / 2
    seg = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    exchange_hand = (math.pi * r * r - 2 * seg) / (2 * a * a)
    assert spin_hand == pytest.approx(0.76394, abs=1e-5)
    assert exchange_hand == pytest.approx(0.74205, abs=1e-5)

    # mean distance to the centre over [-1, 1] × [-0.5, 0.5]
    mean_d = integrate.dblquad(lambda y, x: math.hypot(x, y), -1, 1, -0.5, 0.5)[0] / 2.0
    proximity_num = (2 * r / 3) / mean_d
    # mean distance between two uniform points: |ΔX| on [0, 2] has density (2 − u)/2,
    # |ΔY| on [0, 1] has density 2(1 − v)
    mean_pair = integrate.dblquad(
        lambda v, u: math.hypot(u, v) * (2 - u) / 2 * 2 * (1 - v), 0, 2, 0, 1
    )[0]
    cohesion_num = (128 / (45 * math.pi)) * r / mean_pair

    rect = np.ones((200, 400), dtype=bool)
    out = compactness(rect, 10.0)
    assert out["spin"] == pytest.approx(spin_hand, rel=0.01)
    assert out["exchange"] == pytest.approx(exchange_hand, rel=0.01)
    assert out["proximity"] == pytest.approx(proximity_num, rel=0.01)
    assert out["cohesion"] == pytest.approx(cohesion_num, rel=0.01)
    # the rectangle is less compact than the disc on every index
    assert all(v < 0.95 for v in out.values())


def test_cohesion_pairwise_mean_is_exact():
    """The FFT pair counts give exactly the brute-force mean over distinct pairs."""
    rng = np.random.default_rng(7)
    mask = rng.random((23, 31)) < 0.3
    mask[0, :] = False  # a bounding box smaller than the array
    n = int(mask.sum())
    iy, ix = np.nonzero(mask)
    res = 25.0
    mean_pair = pdist(np.column_stack([iy, ix]) * res).mean()
    r = math.sqrt(n * res * res / math.pi)
    assert compactness(mask, res)["cohesion"] == pytest.approx(
        (128 / (45 * math.pi)) * r / mean_pair, rel=1e-12
    )


def test_compactness_empty_and_single():
    out = compactness(np.zeros((5, 5), dtype=bool), 10.0)
    assert all(math.isnan(v) for v in out.values())
    one = np.zeros((5, 5), dtype=bool)
    one[2, 2] = True
    out = compactness(one, 10.0)
    assert out["exchange"] == 1.0 and math.isnan(out["cohesion"])


def test_classify_and_compactness_600x600_fast():
    rng = np.random.default_rng(0)
    noise = ndimage.gaussian_filter(rng.standard_normal((600, 600)), 8)
    yy, xx = np.mgrid[:600, :600]
    share = np.clip(1.0 - np.hypot(yy - 300, xx - 300) / 200 + 20 * noise, 0, 1)
    t0 = time.perf_counter()
    res = classify(share, 100.0)
    out = compactness(res.extent, 100.0)
    elapsed = time.perf_counter() - t0
    assert 50_000 < res.extent.sum() < 200_000
    assert all(0 < v < 1 for v in out.values())
    assert elapsed < 3.0  # ~0.3 s on a laptop core; generous for loaded CI machines


@pytest.mark.parametrize("seed", range(6))
def test_window_counts_pair_counts_and_fringe_equal_the_library_transforms(seed):
    """The hand-written counts give the numbers of the FFT convolution and of the Euclidean
    distance transform they replaced (issue 21), on random masks of odd sizes."""
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    for _ in range(20):
        h, w = (int(x) for x in rng.integers(1, 40, 2))
        m = rng.random((h, w)) < rng.random()
        for radius, res in ((564.19, 100.0), (150.0, 100.0), (50.0, 100.0), (564.19, 30.0)):
            k = atlas._disc_kernel(radius, res)
            ref = np.rint(fftconvolve(m.astype(float), k, mode="same")).astype(np.int64)
            assert np.array_equal(atlas._window_counts(m, k), ref)
        if m.sum() > 1:
            mf = m.astype(float)
            ref = np.rint(fftconvolve(mf, mf[::-1, ::-1], mode="full"))
            assert np.array_equal(atlas._pair_counts(m), ref)
        if m.any():
            for fringe, res in ((100.0, 100.0), (141.5, 100.0), (250.0, 100.0), (100.0, 30.0),
                                (1000.0, 100.0)):
                r = fringe * (1.0 + atlas._EPS)
                ref = ndimage.distance_transform_edt(~m, sampling=res) <= r
                assert np.array_equal(atlas._within(m, r, res), ref)
