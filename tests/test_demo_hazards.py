"""Demo hazard layers: files, tags, monotone flood depths, mudflow only at mountain fronts."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from carlcities.catalog import City, PopulationPoint
from carlcities.demo import city_grid, city_model
from carlcities.demo.hazards import (
    FLOOD_RPS,
    flood_stage_m,
    vs30_wald_allen_active,
    write_hazard_layers,
)
from carlcities.risk import flood, heat

EPOCHS = (1990, 2000, 2010, 2020)


def _city(cid, lat, lon, pops, elev, setting):
    hist = tuple(PopulationPoint(y, p, "census", "test") for y, p in pops)
    return City(cid, cid.title(), cid, "KAZ", "test", lat, lon, pops[-1][1], pops[-1][0],
                "test", elev, False, "test", setting, "", hist)


# small populations keep the grids small
ALMATY = _city("almaty", 43.257, 76.928, [(1989, 80_000), (2021, 120_000)], 793.0,
               "mountain_front")
PAVLODAR = _city("pavlodar", 52.29, 76.97, [(1989, 70_000), (2021, 75_000)], 125.0,
                 "steppe_river")


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    out = tmp_path_factory.mktemp("haz")
    res = {}
    for c in (ALMATY, PAVLODAR):
        g = city_grid(c, epochs=EPOCHS)
        m = city_model(c, g, EPOCHS)
        res[c.city_id] = (g, m, write_hazard_layers(c, g, m, out))
    return out, res


def test_files_and_synthetic_tags(layers):
    out, res = layers
    g, _, paths = res["almaty"]
    want = {f"flood_depth_rp{T}" for T in FLOOD_RPS} | {"mudflow", "vs30", "tmax_daily"}
    assert set(paths) == want
    for k, p in paths.items():
        assert p.parent == out / "almaty" and p.exists()
        if p.suffix == ".tif":
            with rasterio.open(p) as ds:
                tags = ds.tags()
                assert tags["synthetic"] == "true"
                assert tags["description"] == "synthetic demo data — not real"
                if k.startswith("flood"):
                    assert ds.crs.to_epsg() == 4326 and ds.dtypes[0] == "float32"
    assert "synthetic" in paths["tmax_daily"].read_text(encoding="utf-8").splitlines()[0]


def test_mudflow_only_for_mountain_front(layers):
    out, res = layers
    assert "mudflow" not in res["pavlodar"][2]
    assert not (out / "pavlodar" / "mudflow_fans.tif").exists()
    with rasterio.open(res["almaty"][2]["mudflow"]) as ds:
        cls = ds.read(1)
        assert ds.dtypes[0] == "uint8"
    assert set(np.unique(cls)) <= {0, 1, 2, 3} and (cls >= 2).any()


@pytest.mark.parametrize("cid", ["almaty", "pavlodar"])
def test_depth_grows_with_return_period_and_spares_high_ground(layers, cid):
    _, res = layers
    g, m, paths = res[cid]
    d = flood.read_flood_depths({T: paths[f"flood_depth_rp{T}"] for T in FLOOD_RPS}, g)
    Ts = sorted(d)
    for a, b in zip(Ts, Ts[1:]):
        assert np.all(d[b] >= d[a] - 1e-5)
    assert d[100.0].max() > 0 and d[500.0].max() <= flood_stage_m(500) + 1e-4
    # no flood on high ground: 100 m above every river cell (more than the 500-yr stage plus
    # the relief one 100 m grid cell spans in steep terrain, where a grid cell averages a
    # wet 3" cell), or beyond the floodplain (2.5 km, or 1.5 floodplain widths) of every river
    from carlcities.demo.common import local_coords

    u, v = local_coords(g.transform, g.width, g.height, g.crs, g)
    z = m.elevation(u, v)
    zriv = z[m.river(u, v)]
    high = z > zriv.max() + 100.0
    plain = max([2500.0] + [1.5 * r.plain_width for r in m.rivers])
    far = m.river_distance(u, v) > plain + 200.0
    assert (high | far).any()
    assert np.all(d[500.0][high | far] == 0.0)


def test_temperature_csv_parses_and_vs30(layers):
    _, res = layers
    s = heat.read_daily_temperature(res["almaty"][2]["tmax_daily"])
    assert str(s.dates[0]) == "1991-01-01" and str(s.dates[-1]) == "2020-12-31"
    assert not s.missing_dates
    jul = (s.dates.astype("datetime64[M]").astype(int) % 12) == 6
    # calibrated: Almaty July mean 23.8 °C (parameters.csv); July mean of (Tmax+Tmin)/2
    assert np.mean(s.tmean[jul]) == pytest.approx(23.8, abs=1.0)
    with rasterio.open(res["almaty"][2]["vs30"]) as ds:
        v = ds.read(1)
    assert 180.0 <= v.min() and v.max() <= 760.0
    # Wald & Allen (2007) active: class edges map to their Vs30
    np.testing.assert_allclose(vs30_wald_allen_active(np.array([1e-5, 2.2e-3, 0.05, 0.5])),
                               [180.0, 240.0, 490.0, 760.0])


def test_d8_offsets_follow_d8_directions():
    """The HAND walk steps to the cell that d8_directions names, for each of the 8 codes."""
    from carlcities.demo.hazards import D8_OFFSETS
    from carlcities.risk.mudflow import d8_directions

    for k, (dr, dc) in enumerate(D8_OFFSETS):
        z = np.full((3, 3), 10.0)
        z[1 + dr, 1 + dc] = 0.0
        assert d8_directions(z, 100.0)[1, 1] == k


def test_height_above_drainage_follows_each_flow_path_to_its_first_river_cell():
    """HAND by pointer doubling equals the cell-by-cell walk down the D8 path (lowest first),
    on a random terrain with a river, a lake of sea and pits."""
    import math

    from scipy import ndimage

    from carlcities.demo.hazards import D8_OFFSETS, _height_above_drainage
    from carlcities.risk.mudflow import d8_directions, fill_depressions

    rng = np.random.default_rng(5)
    z = ndimage.gaussian_filter(rng.standard_normal((60, 80)), 3) * 50 + 300
    z += np.linspace(0, 40, 80)[None, :]
    river = np.zeros(z.shape, bool)
    river[30, :25] = True
    sea = np.zeros(z.shape, bool)
    sea[50:, 70:] = True
    got = _height_above_drainage(z, river, sea, 42.0)
    # the walk, as the hazard layer was first written
    mx, my = 111_320.0 * math.cos(math.radians(42.0)), 110_574.0
    res = math.sqrt(3.0 / 3600.0 * mx * 3.0 / 3600.0 * my)
    zf = fill_depressions(np.where(sea, np.nan, z))
    dirs = d8_directions(zf, res)
    h, w = z.shape
    target = np.full(h * w, np.inf)
    for idx in np.argsort(np.where(np.isfinite(zf), zf, np.inf), axis=None, kind="stable"):
        r, c = divmod(int(idx), w)
        if river[r, c]:
            target[idx] = z[r, c]
        elif dirs[r, c] >= 0:
            dr, dc = D8_OFFSETS[dirs[r, c]]
            target[idx] = target[(r + dr) * w + c + dc]
    t = target.reshape(h, w)
    want = np.where(np.isfinite(t), np.maximum(z - t, 0.0), np.inf)
    assert np.isfinite(want).any() and np.isinf(want).any()
    assert np.array_equal(got, want)
