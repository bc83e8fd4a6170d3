"""Mobility benchmark: carlcities vs NetworkX / OSMnx, side by side in one run.

1. nearest-destination distances for every node of a ≥ 200,000-node street graph
   (synthetic lattice, 1 % of nodes as destinations): scipy multi-source Dijkstra
   (min_only) vs networkx.multi_source_dijkstra_path_length on the same graph and sources;
2. network statistics end to end from the same OSM data: carlcities reading the PBF vs
   OSMnx reading the same extract as OSM XML (graph_from_xml, simplify, basic_stats,
   orientation entropy), for aguascalientes and helsinki from ../shared/data/osm;
3. peak memory (max RSS of a fresh process) of building a 1,000,000-node graph and one
   nearest-destination pass.

Writes benchmarks/results/mobility.json. Run: .venv/bin/python benchmarks/bench_mobility.py
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data" / "osm"


def bench_dijkstra(side: int = 450) -> dict:
    import networkx as nx

    from carlcities.network import grid_graph, nearest_distance, to_csr

    g = grid_graph(side, side)
    rng = np.random.default_rng(1)
    src = rng.choice(g.n, size=g.n // 100, replace=False)
    t = time.perf_counter()
    csr = to_csr(g)
    build = time.perf_counter() - t
    times = []
    for _ in range(3):
        t = time.perf_counter()
        d = nearest_distance(csr, src)
        times.append(time.perf_counter() - t)
    ours = min(times)
    # (the timings exclude building each side's graph; the CSR build is reported apart)
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(g.u.tolist(), g.v.tolist(), g.length.tolist()))
    t = time.perf_counter()
    ref = nx.multi_source_dijkstra_path_length(G, set(src.tolist()))
    peer = time.perf_counter() - t
    ok = bool(np.allclose(d, np.array([ref[i] for i in range(g.n)])))
    return dict(nodes=g.n, edges=g.m, sources=int(src.size), carlcities_s=round(ours, 4),
                carlcities_csr_build_s=round(build, 4),
                speedup_including_csr_build=round(peer / (ours + build), 1),
                networkx_s=round(peer, 4), speedup=round(peer / ours, 1), same_result=ok)


def _osmnx_stats(xml: Path, epsg: int, area: float) -> dict:
    """OSMnx on the same data and network as carlcities' 'all' (tests/test_network_stats)."""
    import re

    import networkx as nx
    import osmnx as ox

    from carlcities.network import NETWORK_FILTERS

    G = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    rx = [(k, re.compile(r)) for k, r in NETWORK_FILTERS["all"]]
    bad = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
           if "highway" not in d or any(kk in d and r.search(str(d[kk])) for kk, r in rx)]
    G.remove_edges_from(bad)
    G.remove_nodes_from(list(nx.isolates(G)))
    G = ox.truncate.largest_component(G)
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    G = ox.simplify_graph(G)
    G = ox.bearing.add_edge_bearings(G)
    h = ox.bearing.orientation_entropy(ox.convert.to_undirected(G))
    s = ox.stats.basic_stats(ox.project_graph(G, to_crs=epsg), area=area, clean_int_tol=10)
    s["orientation_entropy"] = h
    return s


def bench_stats(name: str) -> dict | None:
    import osmium
    import osmnx  # noqa: F401  (imported before timing, as carlcities is)

    from carlcities.indicators.mobility import network_stats

    pbf = SHARED / f"{name}.osm.pbf"
    if not pbf.exists():
        return None
    with tempfile.TemporaryDirectory() as td:
        xml = Path(td) / f"{name}.osm"
        # the same data as XML for OSMnx (conversion not timed)
        w = osmium.SimpleWriter(str(xml))
        osmium.apply(str(pbf), w)
        w.close()
        t = time.perf_counter()
        ours = network_stats(pbf, network="all")
        t_ours = time.perf_counter() - t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            try:
                ref = _osmnx_stats(xml, ours["epsg"], ours["area_km2"] * 1e6)
            except Exception as exc:  # noqa: BLE001 - report, do not hide
                return dict(file=pbf.name, carlcities_s=round(t_ours, 4), osmnx_error=str(exc))
            t_ref = time.perf_counter() - t
    return dict(file=pbf.name, carlcities_s=round(t_ours, 4), osmnx_s=round(t_ref, 4),
                speedup=round(t_ref / t_ours, 1),
                carlcities_n=ours["n"], osmnx_n=ref["n"],
                carlcities_street_length_m=round(ours["street_length_total"], 1),
                osmnx_street_length_m=round(ref["street_length_total"], 1))


_MEM = """
import resource, numpy as np, time
from carlcities.network import grid_graph, nearest_distance, to_csr
t = time.perf_counter()
g = grid_graph(1000, 1000)
csr = to_csr(g)
d = nearest_distance(csr, np.arange(0, g.n, 997))
print(g.n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t)
"""


def bench_memory() -> dict:
    out = subprocess.run([sys.executable, "-c", _MEM], capture_output=True, text=True,
                         check=True).stdout.split()
    n, rss_kb, secs = int(out[0]), int(out[1]), float(out[2])
    return dict(nodes=n, peak_rss_gib=round(rss_kb / 2**20, 3), seconds=round(secs, 2),
                limit_gib=2.0)


def main() -> None:
    res = dict(machine=platform.platform(), python=platform.python_version(),
               dijkstra=bench_dijkstra(), memory=bench_memory(),
               network_stats=[s for s in (bench_stats("aguascalientes"),
                                          bench_stats("helsinki")) if s])
    d = res["dijkstra"]
    res["targets"] = dict(
        dijkstra_20x=d["speedup"] >= 20, dijkstra_under_5s=d["carlcities_s"] < 5,
        stats_5x=all(s["speedup"] >= 5 for s in res["network_stats"] if "speedup" in s),
        memory_2gib=res["memory"]["peak_rss_gib"] <= 2.0)
    out = HERE / "results" / "mobility.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
