"""Districts reader, exact coverage weights, and the city grid."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from carlcities.errors import CoverageError, GeometryError, ReprojectionWarning
from carlcities.grid import CityGrid, cell_areas_m2, grid_half_size_m, utm_epsg
from carlcities.io.vector import read_zones
from carlcities.zonal import coverage_weights, whole_grid_weights

from .conftest import shared_file


def test_utm_zone():
    assert utm_epsg(69.28, 41.31) == 32642  # Tashkent, zone 42N
    assert utm_epsg(76.93, 43.26) == 32643  # Almaty, zone 43N
    assert utm_epsg(58.38, 37.94) == 32640  # Ashgabat, zone 40N


def test_grid_size_and_snapping():
    half = grid_half_size_m(1_000_000)  # extent 250 km² → r ≈ 8.92 km → 2r + 3 km
    assert half == math.ceil((2 * math.sqrt(250e6 / math.pi) + 3000) / 100) * 100
    g = CityGrid.around("x", 69.28, 41.31, half)
    assert g.width == g.height == int(2 * half / 100)
    assert g.x0 % 100 == 0 and g.y0 % 100 == 0
    r, c = g.centre_rowcol()
    assert abs(r - g.height / 2) <= 1 and abs(c - g.width / 2) <= 1


def test_geographic_cell_areas_sum_to_sphere():
    tr = Affine(1.0, 0, -180, 0, -1.0, 90)
    a = cell_areas_m2(tr, "EPSG:4326", (180, 360))
    # total = area of the authalic sphere of WGS 84 = 510,065,622 km² (ellipsoid surface)
    assert a.sum() / 1e6 == pytest.approx(510_065_622, rel=1e-6)
    assert a[89, 0] > a[0, 0]  # equator cells larger than polar ones


def test_cell_areas_are_kept_per_window_and_read_only():
    """A product's layers ask for the same window's cell areas: the array is computed once,
    handed out again (read-only), and equals a fresh computation."""
    import carlcities.grid as G

    tr = Affine(100.0, 0, -1_000_000.0, 0, -100.0, 5_000_000.0)
    G._AREAS.clear()
    a = cell_areas_m2(tr, "ESRI:54009", (40, 60))
    b = cell_areas_m2(tr, "ESRI:54009", (40, 60))
    assert b is a and not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    assert np.array_equal(a, G._cell_areas_m2(tr, G.CRS.from_user_input("ESRI:54009"),
                                              (40, 60)))
    assert cell_areas_m2(tr, "ESRI:54009", (40, 61)) is not a  # another window


def test_tashkent_districts_weights_match_areas():
    path = shared_file("boundaries/tashkent_districts.geojson")
    g = CityGrid.around("tashkent", 69.28, 41.31, 25000.0)
    with pytest.warns(ReprojectionWarning):
        z = read_zones(path, g)
    assert len(z.ids) == 12
    assert "chilonzor_district" in z.ids
    assert any("reprojected" in n for n in z.notes)
    assert z.frame["name_ru"].str.contains("район").all()
    w = coverage_weights(g, z.frame, z.ids)
    # Σ coverage × cell area = polygon area (exact, inside the grid)
    areas = w.coverage_cells * g.cell_area_m2
    np.testing.assert_allclose(areas, z.frame.geometry.intersection(shapely.box(*g.bounds)).area,
                               rtol=1e-6)
    # reused for any layer: a constant layer's mean is the constant
    ones = np.full(g.shape, 3.0)
    np.testing.assert_allclose(w.mean(ones), 3.0)


def test_weights_against_exactextract_sum(small_grid):
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    rng = np.random.default_rng(5)
    x = rng.random(small_grid.shape)
    l, b, r, t = small_grid.bounds
    polys = gpd.GeoDataFrame(geometry=[shapely.Point(l + 2000, b + 2500).buffer(1234),
                                       shapely.box(l + 3050, b + 510, l + 5920, b + 4444)],
                             crs=small_grid.crs)
    w = coverage_weights(small_grid, polys)
    src = NumPyRasterSource(x, l, b, r, t, srs_wkt=small_grid.crs.to_wkt())
    ref = exact_extract(src, polys, ["sum", "mean"], output="pandas")
    np.testing.assert_allclose(w.sum(x), ref["sum"], rtol=1e-9)
    np.testing.assert_allclose(w.mean(x), ref["mean"], rtol=1e-9)


def test_weights_from_wkb_equal_exactextract_from_the_geodataframe(small_grid):
    """The zones go to exactextract as WKB (faster than its GeoDataFrame source's GeoJSON):
    the same cells and coverage fractions, bit for bit, as exactextract given the
    GeoDataFrame."""
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    l, b, r, t = small_grid.bounds
    shapes = [shapely.Point(l + 2000, b + 2500).buffer(1234.567),
              shapely.box(l + 3050.3, b + 510.7, l + 5920.1, b + 4444.4),
              shapely.Polygon([(l + 100.1, b + 100.2), (l + 4000.3, b + 333.3),
                               (l + 1500.5, b + 3900.9)])]
    polys = gpd.GeoDataFrame(geometry=shapes, crs=small_grid.crs)
    w = coverage_weights(small_grid, polys)
    src = NumPyRasterSource(np.zeros(small_grid.shape, dtype=np.float32), l, b, r, t,
                            srs_wkt=small_grid.crs.to_wkt())
    ref = exact_extract(src, polys, ["cell_id", "coverage"], output="pandas")
    for i in range(len(shapes)):
        row = w.matrix.getrow(i)
        assert np.array_equal(row.indices, np.asarray(ref["cell_id"][i], dtype=np.int64))
        assert np.array_equal(row.data, np.asarray(ref["coverage"][i], dtype=np.float64))
    ws = coverage_weights(small_grid, polys.geometry)          # a GeoSeries: the same
    assert (ws.matrix != w.matrix).nnz == 0


def test_population_weighted_mean_by_hand():
    w = whole_grid_weights((1, 3))
    x = np.array([[10.0, 20.0, np.nan]])
    p = np.array([[1.0, 3.0, 5.0]])
    # NaN cell left out: (1·10 + 3·20) / (1 + 3) = 17.5
    assert w.mean(x, weights=p)[0] == pytest.approx(17.5)
    assert w.sum(x)[0] == pytest.approx(30.0)


def _reference_stats(W, x, weights=None):
    """The textbook formulas on the full grid in float64 (what zonal.py did before it gathered
    the covered cells first): sum with NaN as 0, and the (weighted) mean without NaN cells."""
    v = np.asarray(x, dtype=np.float64).ravel()
    ok = ~np.isnan(v)
    w = ok.astype(np.float64)
    if weights is not None:
        w *= np.nan_to_num(np.asarray(weights, dtype=np.float64).ravel(), nan=0.0)
    s = W.matrix @ np.nan_to_num(v, nan=0.0)
    num, den = W.matrix @ (np.where(ok, v, 0.0) * w), W.matrix @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return s, np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gathered_sums_and_means_equal_the_full_grid_formulas_bit_for_bit(small_grid, dtype):
    """Gathering the covered cells before converting to float64 changes nothing: the same
    bits as the full-grid formulas, with NaN cells, an infinite cell and population weights."""
    ny, nx = small_grid.height, small_grid.width
    x0, y0 = small_grid.x0, small_grid.y0
    boxes = [shapely.box(x0 + 250, y0 - 900, x0 + 1230, y0 - 260),
             shapely.box(x0 + 1000, y0 - 1730, x0 + 1820, y0 - 640)]
    W = coverage_weights(small_grid, gpd.GeoSeries(boxes, crs=small_grid.crs))
    assert W.cols is not None and W.cols.size < ny * nx     # the gather path is exercised
    rng = np.random.default_rng(7)
    x = (rng.random((ny, nx)) * 1e3).astype(dtype)
    x[rng.random((ny, nx)) < 0.1] = np.nan
    p = rng.random((ny, nx)) * 50
    p[0, :] = np.nan
    for weights in (None, p):
        s, m = _reference_stats(W, x, weights)
        assert np.array_equal(W.sum(x), s)
        assert np.array_equal(W.mean(x, weights=weights), m, equal_nan=True)
    many = np.stack([x, x * 2], axis=-1)
    ref = np.stack([_reference_stats(W, x)[0], _reference_stats(W, x * 2)[0]], axis=-1)
    assert np.array_equal(W.sum_many(many), ref)
    xi = x.astype(np.float64)
    xi[W.cols[0] // nx, W.cols[0] % nx] = np.inf       # ±inf becomes ±max float, as before
    assert np.array_equal(W.sum(xi), _reference_stats(W, xi)[0])


def _write_vec(tmp_path, gdf, name="d.gpkg"):
    p = tmp_path / name
    gdf.to_file(p, engine="pyogrio")
    return p


def test_districts_no_overlap(tmp_path, small_grid):
    far = gpd.GeoDataFrame({"name": ["elsewhere"]}, geometry=[shapely.box(0, 0, 1, 1)],
                           crs="EPSG:4326")
    p = _write_vec(tmp_path, far)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReprojectionWarning)
        with pytest.raises(CoverageError, match="no district overlaps"):
            read_zones(p, small_grid)


def test_districts_invalid_and_empty(tmp_path, small_grid):
    l, b, r, t = small_grid.bounds
    bowtie = shapely.Polygon([(l, b), (r, t), (r, b), (l, t)])
    p = _write_vec(tmp_path, gpd.GeoDataFrame({"name": ["bow"]}, geometry=[bowtie],
                                              crs=small_grid.crs))
    with pytest.raises(GeometryError, match="invalid geometries") as e:
        read_zones(p, small_grid)
    assert "Fix geometries" in str(e.value)
    empty = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.box(l, b, r, t),
                                                              shapely.Polygon()],
                             crs=small_grid.crs)
    q = _write_vec(tmp_path, empty, "e.gpkg")
    with pytest.raises(GeometryError, match="empty"):
        read_zones(q, small_grid)


def test_districts_same_crs_no_warning(tmp_path, small_grid):
    l, b, r, t = small_grid.bounds
    halves = gpd.GeoDataFrame({"name_en": ["West", "East"], "name_ru": ["Запад", "Восток"]},
                              geometry=[shapely.box(l, b, (l + r) / 2, t),
                                        shapely.box((l + r) / 2, b, r, t)], crs=small_grid.crs)
    p = _write_vec(tmp_path, halves)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = read_zones(p, small_grid)
    assert z.ids == ["west", "east"]
    w = coverage_weights(small_grid, z.frame, z.ids)
    assert w.coverage_cells.sum() == pytest.approx(small_grid.width * small_grid.height)


def test_resample_of_a_stack_is_each_band_alone():
    """A stack of bands on one source grid warps in one pass, band for band as warped alone;
    ``count`` keeps each band's total of the source cells inside the grid."""
    grid = CityGrid.around("t", 69.28, 41.31, 4000.0)
    left, bottom, right, top = grid.footprint("ESRI:54009")  # a World Mollweide window
    cols, rows = math.ceil((right - left) / 100) + 20, math.ceil((top - bottom) / 100) + 20
    tr = Affine(100.0, 0.0, math.floor(left / 100) * 100 - 1000, 0.0, -100.0,
                math.ceil(top / 100) * 100 + 1000)
    rng = np.random.default_rng(5)
    bands = rng.uniform(0, 50, (3, rows, cols))
    for kind in ("count", "fraction"):
        stack = grid.resample(bands, tr, "ESRI:54009", kind)
        assert stack.shape == (3, *grid.shape)
        for b in range(3):
            assert np.array_equal(stack[b], grid.resample(bands[b], tr, "ESRI:54009", kind),
                                  equal_nan=True)
