"""Issue 15 round three: area zones (uniform rate in a polygon), their fixed-b rates, the merge
of the damage catalogue's large events missing from the Centennial catalogue, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carlcities.errors import HazardError
from carlcities.risk import psha, sources
from carlcities.risk.seismicity.zones import (
    ZONE_COLUMNS,
    grid_from_zones,
    read_zones,
    zone_rate_fixed_b,
)

HEAD = ",".join(ZONE_COLUMNS) + "\n"
SQUARE = "70.00 40.00;71.00 40.00;71.00 41.00;70.00 41.00"


def _zones(tmp_path, *rows):
    p = tmp_path / "z.csv"
    p.write_text("# test zones\n" + HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_fixed_b_rate_by_hand():
    # completeness M>=5.5 since 1964, M>=6.5 since 1930 (end 2000); b = 1, Mmax = 7.5.
    # beta = ln 10; P(5.5-6.5) = (1 - 10^-1) / (1 - 10^-2) = 0.9/0.99, P(6.5-7.5) = 0.09/0.99
    # denominator = 36 * 0.9/0.99 + 70 * 0.09/0.99 = (32.4 + 6.3) / 0.99 = 39.0909...
    # events: 5.6 (1970, counts), 6.0 (1950, before 1964: out), 6.8 (1940, counts),
    # 5.4 (below mref: out), 7.0 (2001: after the end: out) -> N = 2
    rate, n = zone_rate_fixed_b([5.6, 6.0, 6.8, 5.4, 7.0], [1970, 1950, 1940, 1990, 2001],
                                {5.5: 1964, 6.5: 1930}, b=1.0, mref=5.5, mmax=7.5,
                                end_year=2000)
    assert n == 2
    assert rate == pytest.approx(2 / ((36 * 0.9 + 70 * 0.09) / 0.99), rel=1e-12)


def test_zone_rate_spread_by_area_and_event_set_total(tmp_path):
    z = read_zones(_zones(tmp_path, f"a,square,{SQUARE},0.01,5.5,1.0,7.5,10,3,test"))
    glon, glat = np.meshgrid(np.arange(69.05, 72.0, 0.1), np.arange(39.05, 42.0, 0.1))
    glon, glat = glon.ravel(), glat.ravel()
    rate, mmax, idx = grid_from_zones(z, glon, glat)
    inside = idx == 0
    assert inside.sum() == 100                       # 10 x 10 cell centres in the square
    assert rate.sum() == pytest.approx(0.01, rel=1e-12)
    # uniform per km2: rate / cos(lat) is the same in every cell of the zone
    dens = rate[inside] / np.cos(np.radians(glat[inside]))
    np.testing.assert_allclose(dens, dens[0], rtol=1e-12)
    assert (rate[~inside] == 0).all() and (mmax[inside] == 7.5).all()
    # the point-source events of the zone carry its rate of M >= 5.0: 0.01 * 10^(0.5) scaled
    # by the truncation: N(>=m) = A (10^-m - 10^-7.5), A = 0.01 / (10^-5.5 - 10^-7.5)
    model = sources.SourceModel(glon[inside], glat[inside], rate[inside], mmax[inside], 1.0,
                                0.05, 5.5, 3, "test")
    es = sources.event_set_for(model, 70.5, 40.5, radius_km=300.0, mmin=5.0)
    amp = 0.01 / (10 ** -5.5 - 10 ** -7.5)
    assert es.rate.sum() == pytest.approx(amp * (10 ** -5.0 - 10 ** -7.5), rel=1e-9)


@pytest.mark.parametrize("row,text", [
    (f"a,x,{SQUARE},-1,5.5,1.0,7.5,10,0,t", "rate"),
    (f"a,x,{SQUARE},0.1,5.5,0.1,7.5,10,0,t", "b ="),
    (f"a,x,{SQUARE},0.1,5.5,1.0,5.0,10,0,t", "mmax"),
    (f"a,x,{SQUARE},0.1,5.5,1.0,7.5,200,0,t", "depth"),
    ("a,x,70 40;71 40,0.1,5.5,1.0,7.5,10,0,t", "polygon"),
    ("a,x,70 40;71 41;71 40;70 41,0.1,5.5,1.0,7.5,10,0,t", "self-intersecting"),
])
def test_zone_bad_input(tmp_path, row, text):
    with pytest.raises(HazardError, match=text) as e:
        read_zones(_zones(tmp_path, row))
    assert "z.csv" in str(e.value)


def test_overlapping_zones_refused(tmp_path):
    other = "70.50 40.50;71.50 40.50;71.50 41.50;70.50 41.50"
    with pytest.raises(HazardError, match="overlap"):
        read_zones(_zones(tmp_path, f"a,x,{SQUARE},0.1,5.5,1.0,7.5,10,0,t",
                          f"b,y,{other},0.1,5.5,1.0,7.5,10,0,t"))


def test_packaged_zones_share_the_grid_b_and_cover_the_cities_they_name():
    zones = sources.load_zones()
    grid = sources.load_source_model()
    assert {z.zone_id for z in zones} >= {"western_tien_shan", "fergana", "kopet_dag"}
    for z in zones:
        assert z.b == pytest.approx(grid.b, abs=1e-3) and z.rate_mref >= 0
    zm = sources.zones_source_model(grid, zones)
    # total rate: the zones' plus the grid cells outside them
    from carlcities.risk.seismicity.zones import zone_of_points
    outside = zone_of_points(zones, grid.lon, grid.lat) < 0
    assert zm.rate.sum() == pytest.approx(sum(z.rate_mref for z in zones)
                                          + grid.rate[outside].sum(), rel=1e-9)


def _cat(rows, source):
    df = pd.DataFrame(rows, columns=["year", "decimal_year", "lon", "lat", "depth_km", "mag"])
    df["source"] = source
    return df


def test_merge_adds_damage_catalogue_events_missing_from_centennial():
    cent = _cat([[1911, 1911.13, 73.0, 40.0, 10.0, 7.2], [1970, 1970.5, 70.0, 40.0, 10.0, 5.8]],
                "usgs_centennial")
    noaa = _cat([[1911, 1911.132, 72.8, 38.2, 26.0, 7.4],    # the same event, 200 km off
                 [1946, 1946.84, 72.5, 41.5, 35.0, 7.6],     # missing from Centennial: added
                 [1966, 1966.3, 69.3, 41.3, 8.0, 5.1],       # M < 7: not added
                 [1887, 1887.4, 76.8, 43.1, 20.0, 7.3]],     # pre-1900 M >= 7: added
                "noaa_ncei")
    m = sources.merge_catalogues([cent, noaa])
    got = sorted(m.loc[m["source"] != "usgs_centennial", "year"])
    assert got == [1887, 1946]
    assert len(m) == 4


def test_zones_branch_is_in_the_tree_with_half_the_weight():
    w = sum(b.weight for b in psha.BRANCHES if b.source == "zones+faults")
    assert w == pytest.approx(0.5)
    assert math.isclose(sum(b.weight for b in psha.BRANCHES), 1.0)
