"""Readers on real-format files written here (GHSL Mollweide and WorldPop WGS 84 GeoTIFFs,
tiled and compressed), and every bad-input case with its error."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from carlcities.errors import (
    BandCountError,
    CarlError,
    CoverageError,
    CRSError,
    DataValueError,
    InputFileError,
    NodataError,
    RasterError,
)
from carlcities.io.raster import identify_product, read_layer, write_cog

from .conftest import mollweide_cover, write_tif

GHS_POP = "GHS_POP_E2020_GLOBE_R2023A_54009_100_V1_0.tif"
GHS_BUILT = "GHS_BUILT_S_E2020_GLOBE_R2023A_54009_100_V1_0.tif"


def _pop_field(shape, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.gamma(2.0, 20.0, size=shape)).astype("float32")


def test_identify_products():
    p = identify_product(GHS_BUILT)
    assert (p.product, p.role, p.kind, p.epoch) == ("GHS_BUILT_S", "builtup", "count", 2020)
    assert "R2023A" in p.version
    assert identify_product("GHS_BUILT_S_E1990_GLOBE_R2023A_54009_100_V1_0_R5_C25.tif").epoch == 1990
    assert identify_product("GHS_POP_E2000_GLOBE_R2023A_4326_3ss_V1_0.tif").product == "GHS_POP"
    assert identify_product("GHS_SMOD_E2020_GLOBE_R2023A_54009_1000_V2_0.tif").kind == "class"
    w = identify_product("uzb_ppp_2020_UNadj.tif")
    assert (w.product, w.epoch, w.role) == ("WorldPop", 2020, "population")
    assert identify_product("Copernicus_DSM_COG_10_N43_00_E076_00_DEM.tif").role == "dem"
    assert identify_product("n41_e069_1arc_v3.tif").product == "SRTM"
    with pytest.raises(RasterError, match="not one of the recognised"):
        identify_product("mystery.tif")
    assert identify_product("mystery.tif", role="population").recognised is False


def test_ghs_pop_mollweide_sum_preserved(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid)
    data = _pop_field(shape)
    # population only inside the grid (shrunk by 500 m) so the total is comparable
    xs = tr.c + (np.arange(shape[1]) + 0.5) * tr.a
    ys = tr.f + (np.arange(shape[0]) + 0.5) * tr.e
    from pyproj import Transformer

    X, Y = np.meshgrid(xs, ys)
    ux, uy = Transformer.from_crs("ESRI:54009", small_grid.epsg, always_xy=True).transform(X, Y)
    l, b, r, t = small_grid.bounds
    inside = (ux > l + 500) & (ux < r - 500) & (uy > b + 500) & (uy < t - 500)
    data = np.where(inside, data, 0).astype("float32")
    path = write_tif(tmp_path / GHS_POP, data, tr, "ESRI:54009", nodata=-200.0)
    lay = read_layer(path, small_grid, role="population")
    assert lay.data.shape == small_grid.shape
    assert lay.info.product == "GHS_POP"
    assert np.nansum(lay.data) == pytest.approx(float(data.sum()), rel=1e-6)
    assert lay.synthetic is False
    assert any("reprojected" in n for n in lay.notes)


def test_worldpop_wgs84_sum_preserved(tmp_path, small_grid):
    res = 3 / 3600  # 3 arc-seconds
    l, b, r, t = small_grid.footprint("EPSG:4326")
    tr = Affine(res, 0, l - 0.02, 0, -res, t + 0.02)
    w = int((r - l + 0.04) / res)
    h = int((t - b + 0.04) / res)
    data = _pop_field((h, w), seed=2)
    lon = tr.c + (np.arange(w) + 0.5) * res
    lat = tr.f - (np.arange(h) + 0.5) * res
    LON, LAT = np.meshgrid(lon, lat)
    inside = (LON > l + 0.01) & (LON < r - 0.01) & (LAT > b + 0.01) & (LAT < t - 0.01)
    data = np.where(inside, data, 0).astype("float32")
    data[0, 0] = -99999.0  # nodata cell
    path = write_tif(tmp_path / "kgz_ppp_2020_UNadj.tif", data, tr, "EPSG:4326", nodata=-99999.0)
    lay = read_layer(path, small_grid, role="population")
    expected = float(data[data >= 0].sum())
    assert np.nansum(lay.data) == pytest.approx(expected, rel=1e-6)
    assert lay.info.product == "WorldPop"


def test_builtup_share_and_synthetic_tag(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid)
    data = np.full(shape, 2500, dtype="uint16")  # 25 % of every 100 m cell
    path = write_tif(tmp_path / GHS_BUILT, data, tr, "ESRI:54009", nodata=65535,
                     tags={"synthetic": "true"})
    lay = read_layer(path, small_grid, role="builtup")
    assert np.nanmean(lay.data) == pytest.approx(0.25, abs=2e-3)
    assert float(np.nanmax(lay.data)) <= 1.0
    assert lay.synthetic is True
    assert len(lay.sha256) == 64


def test_read_is_windowed(tmp_path, small_grid, monkeypatch):
    """A tile much larger than the city is read only where it covers the city."""
    tr, shape = mollweide_cover(small_grid, margin=60000.0)  # ~ 1260 × 1260 cells
    data = np.full(shape, 1000, dtype="uint16")
    path = write_tif(tmp_path / GHS_BUILT, data, tr, "ESRI:54009", nodata=65535)
    seen = []
    orig = rasterio.io.DatasetReader.read

    def spy(self, *a, **kw):
        out = orig(self, *a, **kw)
        seen.append(out.shape)
        return out

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    read_layer(path, small_grid, role="builtup")
    assert seen, "read was not called"
    assert all(s[-2] * s[-1] < 0.05 * shape[0] * shape[1] for s in seen), seen


# ------------------------------------------------------------------------------ bad input
def _bad(tmp_path, name, data, crs="ESRI:54009", nodata=-200.0, grid=None, **kw):
    tr, shape = mollweide_cover(grid)
    if data is None:
        data = _pop_field(shape)
    return write_tif(tmp_path / name, data, tr, crs, nodata=nodata, **kw)


def test_missing_crs(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid)
    p = write_tif(tmp_path / GHS_POP, _pop_field(shape), tr, None, nodata=-200.0)
    with pytest.raises(CRSError, match="no coordinate reference system") as e:
        read_layer(p, small_grid, role="population")
    assert GHS_POP in str(e.value) and "gdal_edit" in str(e.value)


def test_unknown_crs(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid)
    wkt = 'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    p = write_tif(tmp_path / GHS_POP, _pop_field(shape), tr, rasterio.crs.CRS.from_wkt(wkt),
                  nodata=-200.0)
    with pytest.raises(CRSError, match="cannot be used"):
        read_layer(p, small_grid, role="population")


def test_missing_nodata(tmp_path, small_grid):
    p = _bad(tmp_path, GHS_POP, None, nodata=None, grid=small_grid)
    with pytest.raises(NodataError, match="no nodata"):
        read_layer(p, small_grid, role="population")


def test_not_covering(tmp_path, small_grid):
    far = Affine(100, 0, 0, 0, -100, 100000)  # near (0, 0) in Mollweide: Gulf of Guinea
    p = write_tif(tmp_path / GHS_POP, _pop_field((50, 50)), far, "ESRI:54009", nodata=-200.0)
    with pytest.raises(CoverageError, match="does not cover city 'bishkek'"):
        read_layer(p, small_grid, role="population")


def test_partial_cover(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid, margin=0)
    half = _pop_field((shape[0], shape[1] // 2))
    p = write_tif(tmp_path / GHS_POP, half, tr, "ESRI:54009", nodata=-200.0)
    with pytest.raises(CoverageError, match="covers only"):
        read_layer(p, small_grid, role="population")


def test_corrupt_and_truncated(tmp_path, small_grid):
    p = _bad(tmp_path, GHS_POP, None, grid=small_grid)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(InputFileError, match="corrupt or truncated|cannot be read"):
        read_layer(p, small_grid, role="population")
    q = tmp_path / "GHS_POP_E2010_GLOBE_R2023A_54009_100_V1_0.tif"
    q.write_bytes(b"this is not a tiff at all")
    with pytest.raises(InputFileError):
        read_layer(q, small_grid, role="population")
    with pytest.raises(InputFileError, match="not found"):
        read_layer(tmp_path / "nope" / GHS_POP, small_grid, role="population")


def test_wrong_band_count(tmp_path, small_grid):
    tr, shape = mollweide_cover(small_grid)
    two = np.stack([_pop_field(shape), _pop_field(shape)])
    p = write_tif(tmp_path / GHS_POP, two, tr, "ESRI:54009", nodata=-200.0)
    with pytest.raises(BandCountError, match="2 bands"):
        read_layer(p, small_grid, role="population")


@pytest.mark.parametrize("bad", [-5.0, np.nan])
def test_negative_or_nan_population(tmp_path, small_grid, bad):
    tr, shape = mollweide_cover(small_grid)
    d = _pop_field(shape)
    d[shape[0] // 2, shape[1] // 2] = bad  # inside the city
    p = write_tif(tmp_path / GHS_POP, d, tr, "ESRI:54009", nodata=-200.0)
    with pytest.raises(DataValueError, match="negative|NaN"):
        read_layer(p, small_grid, role="population")


def test_wrong_role(tmp_path, small_grid):
    p = _bad(tmp_path, GHS_POP, None, grid=small_grid)
    with pytest.raises(RasterError, match="not a builtup layer"):
        read_layer(p, small_grid, role="builtup")


def test_errors_are_carl_and_builtin(tmp_path, small_grid):
    with pytest.raises(OSError):
        read_layer(tmp_path / GHS_POP, small_grid, role="population")
    assert issubclass(DataValueError, ValueError) and issubclass(DataValueError, CarlError)


def test_write_cog_roundtrip(tmp_path, small_grid):
    arr = np.arange(small_grid.width * small_grid.height, dtype="float32").reshape(small_grid.shape)
    p = write_cog(tmp_path / "x.tif", arr, small_grid, nodata=float("nan"),
                  tags={"synthetic": "true"})
    with rasterio.open(p) as ds:
        assert ds.crs.to_epsg() == small_grid.epsg
        assert ds.tags()["synthetic"] == "true"
        assert ds.profile.get("tiled") or ds.block_shapes[0][0] < ds.height
        np.testing.assert_array_equal(ds.read(1), arr)
