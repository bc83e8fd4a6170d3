"""Street graph: simplification, counts and orientation by hand; OSMnx on the same area."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from carlcities.errors import NetworkError
from carlcities.network import (
    NETWORK_FILTERS,
    basic_stats,
    build_graph,
    components,
    consolidate,
    grid_graph,
    largest_component,
    nearest_distance,
    orientation_entropy,
    orientation_order,
    parse_maxspeed,
    simplify,
    to_csr,
)
from tests.conftest import shared_file
from tests.test_osm_reader import write_pbf


def _osm(tmp_path, small_grid, nodes, ways):
    from carlcities.io.osm import read_osm

    lon0, lat0 = small_grid.lon, small_grid.lat
    p = write_pbf(tmp_path / "g.osm.pbf",
                  [(i, lon0 + dx * 1e-3, lat0 + dy * 1e-3, t) for i, dx, dy, t in nodes], ways)
    return read_osm(p, small_grid.epsg)


def test_simplify_chain_and_counts(tmp_path, small_grid):
    # a T: 1-2-3-4 (two-way) with a spur 3-5; node 2 is interstitial, 4 and 5 dead ends
    osm = _osm(tmp_path, small_grid,
               [(1, 0, 0, {}), (2, 1, 0, {}), (3, 2, 0, {}), (4, 3, 0, {}), (5, 2, 1, {})],
               [(1, [1, 2, 3, 4], {"highway": "residential"}),
                (2, [3, 5], {"highway": "residential", "oneway": "yes"})])
    g = build_graph(osm, "all")
    assert (g.n, g.m) == (5, 7)
    assert dict(zip(g.osm_id.tolist(), g.street_count.tolist())) == {1: 1, 2: 2, 3: 3, 4: 1,
                                                                     5: 1}
    s = simplify(g)
    assert sorted(s.osm_id.tolist()) == [1, 3, 4, 5]
    assert s.m == 5  # 1<->3 (two edges), 3<->4, 3->5
    i1 = np.flatnonzero((s.osm_id[s.u] == 1) & (s.osm_id[s.v] == 3))[0]
    assert s.length[i1] == pytest.approx(g.length[:2].sum())
    gx, gy = s.edge_geometry(i1)
    assert gx.size == 3  # geometry keeps node 2
    st = basic_stats(s, area_m2=1e6, clean_int_tol=10)
    assert st["street_segment_count"] == 3 and st["intersection_count"] == 1
    assert st["streets_per_node_counts"] == {0: 0, 1: 3, 2: 0, 3: 1}
    assert st["circuity_avg"] == pytest.approx(1.0, abs=2e-3)
    assert st["intersection_density_km"] == 1.0
    # walk is bidirectional: the one-way spur gets both directions
    assert build_graph(osm, "walk").m == 8


def test_filters_and_maxspeed(tmp_path, small_grid):
    osm = _osm(tmp_path, small_grid, [(1, 0, 0, {}), (2, 1, 0, {}), (3, 2, 0, {})],
               [(1, [1, 2], {"highway": "footway"}),
                (2, [2, 3], {"highway": "primary", "maxspeed": "30 mph", "foot": "no"})])
    assert build_graph(osm, "walk").m == 2
    d = build_graph(osm, "drive")
    assert d.m == 2 and d.speed_kmh[0] == pytest.approx(48.28, abs=0.01)
    assert build_graph(osm, "all").m == 4
    assert parse_maxspeed("50") == 50 and parse_maxspeed("none") is None
    assert parse_maxspeed("60;80") == 70
    with pytest.raises(NetworkError, match="unknown network"):
        build_graph(osm, "boat")


def test_orientation_of_a_grid():
    # a pure lattice: bearings in 4 bins -> H = ln 4, order 1 (Boeing 2019)
    g = grid_graph(20, 20, spacing=100.0)
    g.lon = 75.0 + (g.x - 500000.0) / 1e5
    g.lat = np.full(g.n, 0.0) + (g.y - 4500000.0) / 1e5
    h = orientation_entropy(g)
    assert h == pytest.approx(math.log(4), abs=1e-9)
    assert orientation_order(h) == pytest.approx(1.0)
    assert orientation_order(math.log(36)) == pytest.approx(0.0)


def test_components_reported_not_dropped(tmp_path, small_grid):
    osm = _osm(tmp_path, small_grid,
               [(1, 0, 0, {}), (2, 1, 0, {}), (3, 2, 0, {}), (4, 10, 10, {}), (5, 10, 11, {})],
               [(1, [1, 2, 3], {"highway": "residential"}),
                (2, [4, 5], {"highway": "residential"})])
    g = build_graph(osm, "walk")
    k, lab = components(g)
    assert k == 2 and g.n == 5
    big, rep = largest_component(g)
    assert big.n == 3 and rep["components"] == 2 and rep["nodes_outside"] == 2
    out = g.length[np.isin(g.osm_id[g.u], [4, 5])].sum()
    assert rep["length_outside_share"] == pytest.approx(out / g.length.sum())
    assert 0.3 < rep["length_outside_share"] < 0.5


def test_consolidate():
    g = grid_graph(5, 5, spacing=100.0)
    g.x = g.x.copy()
    g.x[1] = g.x[0] + 8.0  # two junctions 8 m apart
    g.street_count = np.full(g.n, 3)
    c, new = consolidate(g, 10.0)
    assert c.n == g.n - 1 and new[0] == new[1]
    assert c.m == g.m - 2  # the 8 m edge (both directions) vanished


def test_nearest_distance_matches_networkx():
    nx = pytest.importorskip("networkx")
    g = grid_graph(30, 30)
    csr = to_csr(g)
    src = np.array([0, 455, 899])
    d = nearest_distance(csr, src)
    G = nx.DiGraph()
    for a, b, w in zip(g.u.tolist(), g.v.tolist(), g.length.tolist()):
        G.add_edge(a, b, weight=w)
    ref = nx.multi_source_dijkstra_path_length(G, set(src.tolist()))
    assert np.allclose(d, [ref[i] for i in range(g.n)])


def _osmnx_graph(ox, nx, network):
    G = ox.graph_from_xml(shared_file("osm/aguascalientes.osm.bz2"), simplify=False,
                          retain_all=True, bidirectional=network == "walk")
    rx = [(k, re.compile(r)) for k, r in NETWORK_FILTERS[network]]
    bad = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
           if "highway" not in d or any(kk in d and r.search(str(d[kk])) for kk, r in rx)]
    G.remove_edges_from(bad)
    G.remove_nodes_from(list(nx.isolates(G)))
    G = ox.truncate.largest_component(G)
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    G = ox.simplify_graph(G)
    H = ox.bearing.orientation_entropy(ox.convert.to_undirected(ox.bearing.add_edge_bearings(G)))
    return G, H


@pytest.mark.parametrize("network", ["all", "drive"])
def test_against_osmnx(network):
    """carlcities on aguascalientes.osm.pbf vs OSMnx graph_from_xml on the .osm.bz2.

    Both sides: every way passing OSMnx's ``network`` filter (the 'all' / 'drive' Overpass
    filters applied to the way tags), one-way tags honoured (bidirectional=False), largest
    weakly connected component, simplify_graph; street counts on the unsimplified graph
    (as graph_from_polygon does); projected to UTM 13N for basic_stats(area=bbox area,
    clean_int_tol=10); orientation entropy on the unprojected undirected graph.
    """
    ox = pytest.importorskip("osmnx")
    nx = pytest.importorskip("networkx")
    pbf = shared_file("osm/aguascalientes.osm.pbf")
    from carlcities.indicators.mobility import network_stats

    ours = network_stats(pbf, network=network, clean_int_tol=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G, H = _osmnx_graph(ox, nx, network)
        ref = ox.stats.basic_stats(ox.project_graph(G, to_crs=ours["epsg"]),
                                   area=ours["area_km2"] * 1e6, clean_int_tol=10)
    ref["orientation_entropy"] = H
    for k, v in ref.items():
        if isinstance(v, dict):
            assert ours[k] == pytest.approx(v, rel=0.01), k
        else:
            assert ours[k] == pytest.approx(v, rel=0.01), k
