"""The demo region generator: real product names and formats, calibration, growth, caching."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import rasterio
from pyproj import CRS

from carlcities.catalog import City, PopulationPoint
from carlcities.demo import (
    BUILT_NODATA,
    DEMO_VERSION,
    city_grid,
    city_model,
    dem_name,
    generate,
    generate_city,
)
from carlcities.demo.common import local_coords

EPOCHS = (1990, 2000, 2010, 2020)


def _city(cid: str, lat: float, lon: float, pops: list[tuple[int, float]], elev: float,
          setting: str, capital: bool = False) -> City:
    hist = tuple(PopulationPoint(y, p, "census", "test") for y, p in pops)
    return City(cid, cid.title(), cid, "KAZ", "test", lat, lon, pops[-1][1], pops[-1][0], "test",
                elev, capital, "test", setting, "", hist)


# small populations keep the grids (and the tests) small
AKTAU = _city("aktau", 43.65, 51.16, [(1989, 60_000), (1999, 55_000), (2021, 90_000)], 10.0,
              "sea_coast")
ALMATY = _city("almaty", 43.257, 76.928, [(1989, 80_000), (2009, 95_000), (2021, 120_000)],
               793.0, "mountain_front")
PAVLODAR = _city("pavlodar", 52.29, 76.97, [(1989, 70_000), (2021, 75_000)], 125.0,
                 "steppe_river")


@pytest.fixture(scope="module")
def aktau_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    paths = generate_city(AKTAU, out, epochs=EPOCHS)
    return out, paths


def _read(p):
    with rasterio.open(p) as src:
        return src.read(1), src.profile, src.tags(), src.crs, src.transform


def test_real_file_names(aktau_dir):
    out, paths = aktau_dir
    d = out / "aktau"
    for e in EPOCHS:
        assert paths[f"builtup_{e}"] == d / f"GHS_BUILT_S_E{e}_GLOBE_R2023A_54009_100_V1_0.tif"
        assert paths[f"population_{e}"] == d / f"GHS_POP_E{e}_GLOBE_R2023A_54009_100_V1_0.tif"
        assert paths[f"builtup_{e}"].is_file() and paths[f"population_{e}"].is_file()
    assert paths["dem"] == d / "Copernicus_DSM_COG_30_N43_00_E051_00_DEM.tif"
    assert paths["dem"].is_file()
    assert (d / "demo.json").is_file()
    assert dem_name(-3.5, -70.2) == "Copernicus_DSM_COG_30_S04_00_W071_00_DEM.tif"


def test_formats_match_the_products(aktau_dir):
    _, paths = aktau_dir
    moll = CRS.from_user_input("ESRI:54009")
    b, prof, _, crs, tr = _read(paths["builtup_2020"])
    assert CRS.from_wkt(crs.to_wkt()).equals(moll)
    assert prof["dtype"] == "uint16" and prof["nodata"] == BUILT_NODATA == 65535
    assert prof["tiled"] and prof["blockxsize"] == 256 and prof["compress"] == "deflate"
    assert tr.a == 100 and tr.e == -100 and tr.c % 100 == 0 and tr.f % 100 == 0
    assert 0 <= b.min() and b.max() <= 10_000
    p, pprof, _, pcrs, ptr = _read(paths["population_2020"])
    assert CRS.from_wkt(pcrs.to_wkt()).equals(moll)
    assert pprof["dtype"] == "float32" and pprof["nodata"] == -200
    assert ptr == tr and p.shape == b.shape and p.min() >= 0
    _z, dprof, _, dcrs, dtr = _read(paths["dem"])
    assert dcrs.to_epsg() == 4326 and dprof["dtype"] == "float32"
    assert dtr.a == pytest.approx(3 / 3600) and dtr.e == pytest.approx(-3 / 3600)


def test_tags_say_synthetic(aktau_dir):
    _, paths = aktau_dir
    for key, p in paths.items():
        if p.name.endswith(".osm.pbf"):  # OSM: the header says it is synthetic
            import osmium

            hdr = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING).header()
            assert "synthetic" in (hdr.get("generator") or "").lower()
            continue
        if p.suffix == ".nc":  # NetCDF: global attributes
            import netCDF4

            with netCDF4.Dataset(p) as nc:
                assert nc.getncattr("synthetic") == "true"
                assert nc.getncattr("carlcities_demo_version") == DEMO_VERSION
            continue
        if p.suffix == ".csv":  # the daily temperature series: a header comment
            assert "synthetic demo data" in p.read_text(encoding="utf-8").splitlines()[0]
            continue
        tags = _read(p)[2]
        assert tags["synthetic"] == "true"
        assert tags["carlcities_demo_version"] == DEMO_VERSION
        assert tags["city_id"] == "aktau"
        assert "not real" in tags["description"]
        if key == "dem":
            assert tags["product"] == "COP-DEM"
        elif key.startswith(("builtup", "population")):
            assert tags["epoch"] == key.split("_")[1]
            assert tags["product"] == ("GHS_BUILT_S" if key.startswith("builtup") else "GHS_POP")


def test_population_matches_catalogue(aktau_dir):
    _, paths = aktau_dir
    for e in EPOCHS:
        p = _read(paths[f"population_{e}"])[0].astype(np.float64)
        assert p.sum() == pytest.approx(AKTAU.population_at(e)[0], rel=1e-3)


def test_population_total_survives_the_reader(aktau_dir):
    """Put onto the city grid as the pipeline does, the total is still the catalogue's."""
    _, paths = aktau_dir
    grid = city_grid(AKTAU)
    p, prof, _, crs, tr = _read(paths["population_2020"])
    on_grid = grid.resample(p, tr, crs, "count", src_nodata=prof["nodata"])
    assert np.nansum(on_grid) == pytest.approx(AKTAU.population_at(2020)[0], rel=5e-3)


def test_builtup_grows_monotonically(aktau_dir):
    _, paths = aktau_dir
    arrs = [_read(paths[f"builtup_{e}"])[0] for e in EPOCHS]
    for a, b in itertools.pairwise(arrs):
        assert np.all(b >= a)
    assert (arrs[-1] >= 2000).sum() > (arrs[0] >= 2000).sum()


def test_no_builtup_or_people_at_sea(aktau_dir):
    _, paths = aktau_dir
    b, _, _, _, tr = _read(paths["builtup_2020"])
    p = _read(paths["population_2020"])[0]
    grid = city_grid(AKTAU)
    model = city_model(AKTAU, grid)
    u, v = local_coords(tr, b.shape[1], b.shape[0], "ESRI:54009", grid)
    sea = model.sea(u, v)
    assert sea.sum() > 1000  # the Caspian is there, to the west
    assert np.all(b[sea] == 0) and np.all(p[sea] == 0)
    assert u[sea].mean() < 0
    z, _, _, _, dtr = _read(paths["dem"])
    du, dv = local_coords(dtr, z.shape[1], z.shape[0], 4326, grid)
    dsea = model.sea(du, dv)
    assert np.all(z[dsea] <= -27.0) and np.all(z[~dsea] > -27.0)


def test_deterministic_and_cached(tmp_path):
    a = generate(tmp_path / "a", [PAVLODAR])["pavlodar"]
    b = generate(tmp_path / "b", [PAVLODAR])["pavlodar"]
    for k in a:
        if a[k].name.endswith((".osm.pbf", ".nc", ".csv")):  # not rasters: compare the bytes
            assert a[k].read_bytes() == b[k].read_bytes(), k
            continue
        assert np.array_equal(_read(a[k])[0], _read(b[k])[0]), k
    mtimes = {k: p.stat().st_mtime_ns for k, p in a.items()}
    msgs: list[str] = []
    again = generate(tmp_path / "a", [PAVLODAR], progress=msgs.append)["pavlodar"]
    assert again == a
    assert {k: p.stat().st_mtime_ns for k, p in again.items()} == mtimes
    assert msgs == ["pavlodar: cached"]
    meta = json.loads((tmp_path / "a" / "pavlodar" / "demo.json").read_text())
    assert meta["carlcities_demo_version"] == DEMO_VERSION and meta["epochs"] == list(EPOCHS)
    # other parameters are another data set: rewritten
    generate(tmp_path / "a", [PAVLODAR], progress=msgs.append, buffer_km=4.0)
    assert msgs[-1] == "pavlodar: written"


def test_two_cities_differ_and_terrain_follows_setting(tmp_path):
    out = generate(tmp_path, [ALMATY, PAVLODAR])
    za = _read(out["almaty"]["dem"])[0]
    zp = _read(out["pavlodar"]["dem"])[0]
    assert za.max() - za.min() > 800  # the range rises to the south
    assert zp.max() - zp.min() < 200  # flat steppe
    ba = _read(out["almaty"]["builtup_2020"])[0]
    bp = _read(out["pavlodar"]["builtup_2020"])[0]
    assert ba.shape != bp.shape or not np.array_equal(ba, bp)
    # Pavlodar is above 50°N: the GLO-90 longitude spacing there is 4.5″
    dtr = _read(out["pavlodar"]["dem"])[4]
    assert dtr.a == pytest.approx(4.5 / 3600)
    grid = city_grid(ALMATY)
    model = city_model(ALMATY, grid)
    assert float(model.elevation(np.zeros(1), np.zeros(1))[0]) == pytest.approx(793.0)
    assert model.elevation(np.array([0.0]), np.array([-20000.0]))[0] > 1500


def test_demo_city_is_not_a_solid_blob(tmp_path):
    """A mid-size city has a ragged suburban edge and open space inside its extent."""
    from carlcities.catalog import load_catalog
    from carlcities.indicators.atlas import SUBURBAN, URBAN, classify
    from carlcities.io.raster import read_layer

    city = next(c for c in load_catalog().cities if c.city_id == "bukhara")
    paths = generate_city(city, tmp_path, epochs=EPOCHS)
    grid = city_grid(city, epochs=EPOCHS)
    share = read_layer(paths["builtup_2020"], grid, role="builtup").data
    at = classify(share, grid.res)
    bu_ext = at.builtup & at.extent
    saturation = bu_ext.sum() / at.extent.sum()
    suburban = (at.classes == SUBURBAN).sum()
    assert (at.classes == URBAN).sum() > 0
    assert saturation < 0.8
    assert suburban > 0.05 * at.builtup.sum()


def test_river_frames_are_reused_only_for_the_same_arrays():
    """The model keeps the river frames of the last points asked for: the channels, the
    distances and the elevation at those points equal the river-by-river computation, and
    other arrays (even with equal values) are computed afresh."""
    from carlcities.catalog import load_catalog

    city = load_catalog().get("kulob")  # a valley with a river
    grid = city_grid(city)
    model = city_model(city, grid)
    rng = np.random.default_rng(3)
    u, v = rng.uniform(-8000, 8000, 500), rng.uniform(-8000, 8000, 500)
    first = model.river_frames(u, v)
    assert model.river_frames(u, v) is first
    assert model.river_frames(u.copy(), v) is not first
    want_d = np.minimum.reduce([r.distance(u, v) for r in model.rivers])
    assert np.array_equal(model.river_distance(u, v), want_d)
    want_m = np.logical_or.reduce([r.distance(u, v) < max(r.half_width, 75.0)
                                   for r in model.rivers])
    assert np.array_equal(model.river(u, v), want_m)
    z = model.elevation(u, v)
    assert np.array_equal(z, model.elevation(u.copy(), v.copy()))


def test_spline_kernel_is_scipy_number_for_number():
    from scipy import ndimage

    from carlcities.demo.terrain import spline_at

    rng = np.random.default_rng(7)
    coef = ndimage.spline_filter(rng.standard_normal((60, 80)), order=3, mode="mirror")
    rows = rng.uniform(-2.0, 62.0, 20_000)  # some beyond the edges: SciPy's mirror takes them
    cols = rng.uniform(1.0, 76.9, 20_000)
    rows[:500], cols[500:1000] = np.round(rows[:500]), np.round(cols[500:1000])  # on knots
    for r in (rows, np.clip(rows, 1.0, 57.9)):  # with and without edge points
        want = ndimage.map_coordinates(coef, np.stack([r, cols]), order=3, mode="mirror",
                                       prefilter=False)
        assert np.array_equal(spline_at(coef, r, cols), want)
