"""EMCA as the residential exposure of the default study: the packaged per-city extract, its
reader's bad input, the merge with the grid's non-residential buildings, the fall-back."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from carlcities.catalog import load_catalog
from carlcities.errors import ExposureError
from carlcities.grid import for_city
from carlcities.risk.exposure import build_exposure, concat_exposures
from carlcities.risk.exposure.emca import emca_csv_path, read_emca
from carlcities.risk.exposure.emca_extract import (
    EXTRACT_PATH,
    LICENSE_PATH,
    city_emca_exposure,
    read_extract,
)
from carlcities.risk.sites import city_exposure

from .conftest import SHARED

EMCA = SHARED / "emca_exposure" if SHARED else None
needs_emca = pytest.mark.skipif(EMCA is None or not (EMCA / "cvt_kgz.shp").exists(),
                                reason="shared EMCA exposure not available")


def _city(cid="osh"):
    c = next(c for c in load_catalog() if c.city_id == cid)
    return c, for_city(c, epochs=[1990, 2000, 2010, 2020], res_m=500.0)


def _pop(grid, seed=0):
    rng = np.random.default_rng(seed)
    r, c = np.indices(grid.shape)
    d = np.hypot(r - grid.shape[0] / 2, c - grid.shape[1] / 2)
    return np.where(d < grid.shape[0] / 4, rng.uniform(500, 3000, grid.shape), 0.0)


def test_extract_is_small_licensed_and_holds_every_city():
    assert EXTRACT_PATH.stat().st_size < 400_000  # bytes: keep the package small
    assert "MIT License" in LICENSE_PATH.read_text() and "GFZ" in LICENSE_PATH.read_text()
    with gzip.open(EXTRACT_PATH, "rt") as f:
        assert "MIT" in f.readline()
    cells = read_extract()
    assert len(cells) > 2000 and cells.buildings.sum() > 0
    for c in load_catalog():  # every city centre lies in a cell of the extract
        from shapely.geometry import Point
        assert cells.geometry.contains(Point(c.lon, c.lat)).any(), c.city_id


@needs_emca
def test_extract_numbers_are_the_data_package_numbers():
    x = read_extract()
    ids = pd.read_csv(EXTRACT_PATH, comment="#", usecols=["iso3", "cell_id"])
    for iso in ("KGZ", "TJK"):
        full = read_emca(emca_csv_path(EMCA, iso))
        pos = {c: i for i, c in enumerate(full.cell_id)}
        rows = ids.index[ids.iso3 == iso].to_numpy()
        j = np.array([pos[c] for c in x.cell_id[rows]])
        np.testing.assert_array_equal(x.buildings[rows], full.buildings[j])
        np.testing.assert_array_equal(x.occupants[rows], full.occupants[j])
        np.testing.assert_allclose(x.value[rows], full.value[j], rtol=1e-9)


@needs_emca
def test_extract_and_full_data_give_the_same_city_exposure():
    city, grid = _city("osh")
    pop = _pop(grid)
    a, _ = city_emca_exposure(city, grid, pop)
    b, _ = city_emca_exposure(city, grid, pop, emca_dir=EMCA)
    assert a is not None and b is not None
    # the extract's polygons are rounded to 5 decimals (about 1 m): cell areas move by ~1e-5
    assert a.total_value == pytest.approx(b.total_value, rel=1e-3)
    assert a.buildings.sum() == pytest.approx(b.buildings.sum(), rel=1e-3)


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.drop(columns=["pop_ADO"]), "lacks the column"),
    (lambda d: d.assign(wkt=d["wkt"].where(d.index != 2, "")), "without geometry"),
    (lambda d: d.assign(URM1=d["URM1"].astype(object).where(d.index != 3, "n/a")),
     "non-numeric"),
    (lambda d: d.assign(URM1=-d["URM1"] - 1), "negative"),
])
def test_bad_extract_names_the_file_and_the_fix(tmp_path, edit, words):
    df = edit(pd.read_csv(EXTRACT_PATH, comment="#").head(20))
    p = tmp_path / "bad_extract.csv.gz"
    df.to_csv(p, index=False)
    with pytest.raises(ExposureError, match=words) as e:
        read_extract(p)
    assert "bad_extract.csv.gz" in str(e.value) and "rebuild" in str(e.value)


def test_missing_extract_is_an_exposure_error(tmp_path):
    with pytest.raises(ExposureError, match="cannot read"):
        read_extract(tmp_path / "nope.csv.gz")


def test_default_exposure_is_emca_residential_plus_grid_non_residential():
    city, grid = _city("osh")
    pop = _pop(grid)
    bu = (pop > 0) * 0.4
    prov: list = []
    expo, src, curves, fat = city_exposure(city, grid, {}, pop, bu,
                                           {"residential_exposure": "emca"}, prov)
    assert "EMCA" in src and "MIT" in src
    grid_only, src_g, _, _ = city_exposure(city, grid, {}, pop, bu,
                                           {"residential_exposure": "grid"}, [])
    assert "EMCA" not in src_g
    em, _ = city_emca_exposure(city, grid, pop, unit=expo.meta.get("unit"))
    res = expo.occupancy == "Res"
    # residential = EMCA's, non-residential = the grid's, nothing lost or doubled
    assert expo.value_total[res].sum() == pytest.approx(em.total_value, rel=1e-9)
    assert expo.buildings[res].sum() == pytest.approx(em.buildings.sum(), rel=1e-9)
    nres = grid_only.occupancy != "Res"
    assert expo.value_total[~res].sum() == pytest.approx(grid_only.value_total[nres].sum(),
                                                         rel=1e-9)
    assert set(expo.taxonomies) <= set(curves.taxonomies) and fat.imt == "SA(1.0)"


def test_emca_not_covering_the_city_falls_back_to_the_grid(tmp_path):
    import geopandas as gpd

    city, grid = _city("osh")
    pop = _pop(grid)
    df = pd.read_csv(EXTRACT_PATH, comment="#")
    cen = gpd.GeoSeries.from_wkt(df["wkt"], crs=4326).representative_point()
    far = df[(np.hypot(cen.x - city.lon, cen.y - city.lat) > 3.0).to_numpy()]
    p = tmp_path / "far.csv.gz"
    far.to_csv(p, index=False)
    expo, why = city_emca_exposure(city, grid, pop, extract=p)
    assert expo is None and "grid exposure kept" in why
    prov: list = []
    e2, src, _, _ = city_exposure(city, grid, {}, pop, (pop > 0) * 0.4,
                                  {"residential_exposure": "emca"}, prov)
    assert "EMCA" in src  # the packaged extract covers Osh


def test_concat_merges_classes_by_name():
    city, grid = _city("kulob")
    pop = _pop(grid)
    g = build_exposure(city, grid, pop, (pop > 0) * 0.3, country_iso3=city.country_iso3)
    a, b = g.subset(g.occupancy == "Res"), g.subset(g.occupancy != "Res")
    b = b.recoded(lambda t: t)  # same names, other codes order possible
    m = concat_exposures(b, a)
    assert m.total_value == pytest.approx(g.total_value)
    s, sm = g.summary(), m.summary()
    for t in s:
        assert sm[t]["value_usd"] == pytest.approx(s[t]["value_usd"])


def test_emca_dir_without_the_data_is_an_exposure_error(tmp_path):
    city, grid = _city("osh")
    pop = _pop(grid)
    with pytest.raises(ExposureError, match="no EMCA exposure CSV") as e:
        city_exposure(city, grid, {}, pop, (pop > 0) * 0.4,
                      {"residential_exposure": "emca", "emca_dir": str(tmp_path)}, [])
    assert str(tmp_path) in str(e.value) and "risk.emca_dir" in str(e.value)


def test_cells_without_residents_go_by_builtup_else_to_one_grid_cell():
    """Three EMCA cells over a small grid: one with residents, one with built-up surface only,
    one with neither; every cell's totals are kept (the grid covers all of each)."""
    import geopandas as gpd
    from shapely.geometry import box

    from carlcities.grid import CityGrid
    from carlcities.risk.exposure.emca import EMCA_TYPES, EmcaCells, emca_exposure, emca_mapping

    grid = CityGrid.around("t", 69.0, 41.0, 3000.0, res=500.0)
    xs, ys = grid.cell_centres()
    x0, y0, x1, y1 = grid.bounds
    thirds = [x0 + (x1 - x0) * k / 3 for k in range(4)]
    polys = gpd.GeoSeries([box(thirds[k], y0, thirds[k + 1], y1) for k in range(3)],
                          crs=grid.epsg).to_crs(4326)
    nt = len(EMCA_TYPES)
    b = np.zeros((3, nt))
    b[:, 0] = [10.0, 20.0, 30.0]
    cells = EmcaCells(iso3="T", cell_id=np.arange(3), types=EMCA_TYPES, buildings=b,
                      occupants=b * 5, value=b * 1e4, geometry=polys.reset_index(drop=True),
                      source="test", meta=dict(mapping=emca_mapping(), currency="USD",
                                               usd_rate=1.0))
    col = np.digitize(xs, thirds[1:3])  # which third each grid cell is in
    pop = np.where((col == 0) & (ys > ys.mean()), 100.0, 0.0)
    bu = np.where((col == 1) & (xs > xs[col == 1].mean()), 0.5, 0.0)
    e = emca_exposure(cells, grid, pop, builtup=bu)
    third = col.ravel()[e.site]
    for k, want in enumerate((10.0, 20.0, 30.0)):
        assert e.buildings[third == k].sum() == pytest.approx(want, rel=1e-6)
    assert np.all(pop.ravel()[e.site[third == 0]] > 0)      # by residents
    assert np.all(bu.ravel()[e.site[third == 1]] > 0)       # by built-up share
    assert np.unique(e.site[third == 2]).size == 1          # one point
