"""Street networks as compact arrays: build, simplify, consolidate, measure, route.

A :class:`StreetGraph` is a directed multigraph held in NumPy arrays (nodes × coordinates in
the city grid's CRS, edges × endpoints/length/class), turned into a SciPy CSR matrix for
shortest paths. NetworkX never appears here; it is the test peer.

Definitions follow OSMnx (Boeing 2017, 2025) so that the statistics are comparable:

* network filters ``all``, ``drive`` and ``walk`` are OSMnx's Overpass filters, evaluated on
  the way tags with the same regular expressions (``!~`` = no partial match); ``walk`` is
  bidirectional (one-way tags ignored), the others honour ``oneway`` and roundabouts;
* edge length = great-circle distance between consecutive nodes (R = 6,371,009 m);
* ``street_count`` of a node = physical street segments incident on it, counted on the
  unsimplified undirected graph (a self-loop counts twice, reciprocal edges once);
* topological simplification keeps a node when it has a self-loop, no incoming or no
  outgoing edge, or not exactly two neighbours with degree 2 or 4 (``simplify_graph``); each
  chain of other nodes becomes one edge with its geometry and summed length; rings without
  such a node are removed;
* undirected edges (street segments) de-duplicate reciprocal edges of identical geometry.

References
----------
Boeing, G. (2017). OSMnx: new methods for acquiring, constructing, analyzing, and visualizing
complex street networks. *Computers, Environment and Urban Systems* 65:126–139.
doi:10.1016/j.compenvurbsys.2017.05.004

Boeing, G. (2019). Urban spatial order: street network orientation, configuration, and
entropy. *Applied Network Science* 4:67. doi:10.1007/s41109-019-0189-1

Boeing, G. (2025). Modeling and analyzing urban networks and amenities with OSMnx.
*Geographical Analysis*. doi:10.1111/gean.70009
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from carlcities.errors import NetworkError

__all__ = ["StreetGraph", "NETWORK_FILTERS", "SPEEDS_KMH", "build_graph", "simplify",
           "largest_component", "components", "consolidate", "basic_stats",
           "orientation_entropy", "orientation_order", "to_csr", "nearest_distance", "snap",
           "parse_maxspeed", "grid_graph"]

EARTH_RADIUS_M = 6_371_009.0
_ACCESS = [("access", "private")]
#: OSMnx network filters: (key, regex) pairs that EXCLUDE a way when the tag matches
NETWORK_FILTERS: dict[str, list[tuple[str, str]]] = {
    "all": [("area", "yes"), ("highway", "abandoned|construction|no|planned|platform|proposed|"
                                         "raceway|razed|rest_area|services")],
    "drive": [("area", "yes"), *_ACCESS,
              ("highway", "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|"
                          "elevator|escalator|footway|no|path|pedestrian|planned|platform|"
                          "proposed|raceway|razed|rest_area|service|services|steps|track"),
              ("motor_vehicle", "no"), ("motorcar", "no"),
              ("service", "alley|driveway|emergency_access|parking|parking_aisle|private")],
    "walk": [("area", "yes"), *_ACCESS,
             ("highway", "abandoned|bus_guideway|construction|cycleway|motor|no|planned|"
                         "platform|proposed|raceway|razed|rest_area|services"),
             ("foot", "no"), ("service", "private"), ("sidewalk", "separate"),
             ("sidewalk:both", "separate"), ("sidewalk:left", "separate"),
             ("sidewalk:right", "separate")],
}
_COMPILED = {k: [(t, re.compile(r)) for t, r in v] for k, v in NETWORK_FILTERS.items()}
BIDIRECTIONAL = frozenset({"walk"})
_ONEWAY = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
_REVERSED = frozenset({"-1", "reverse", "T"})

#: free-flow driving speed by highway class [km/h], used where maxspeed is absent
#: (urban defaults in the spirit of OSMnx ``add_edge_speeds``' fallbacks)
SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0, "motorway_link": 50.0, "trunk": 70.0, "trunk_link": 40.0,
    "primary": 50.0, "primary_link": 35.0, "secondary": 45.0, "secondary_link": 30.0,
    "tertiary": 40.0, "tertiary_link": 30.0, "unclassified": 30.0, "residential": 25.0,
    "living_street": 10.0, "road": 25.0, "service": 15.0,
}
_DEFAULT_SPEED = 25.0


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag [km/h]: numbers, ``"50 mph"``, ``"60;80"`` (mean); None if unusable."""
    if not value:
        return None
    vals = []
    for part in str(value).replace(",", ";").split(";"):
        m = re.match(r"\s*([0-9.]+)\s*(mph|km/h|kmh|kph)?", part)
        if not m:
            continue
        try:
            v = float(m.group(1))
        except ValueError:
            continue
        if m.group(2) == "mph":
            v *= 1.609344
        if 0 < v < 200:
            vals.append(v)
    return float(np.mean(vals)) if vals else None


@dataclass
class StreetGraph:
    """A directed street multigraph in arrays.

    Nodes: ``x``/``y`` [m] in EPSG ``epsg``, ``lon``/``lat`` [degrees], ``osm_id``,
    ``street_count`` (physical streets incident, OSMnx definition). Edges: ``u``/``v`` (node
    indices), ``length`` [m], ``highway`` (class), ``speed_kmh``, ``way`` (OSM way id) and the
    geometry as runs of point indices ``geom_ptr``/``geom_idx`` into ``pts_x``/``pts_y``/
    ``pts_lon``/``pts_lat``.
    """

    network: str
    epsg: int
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    osm_id: np.ndarray
    street_count: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    highway: np.ndarray
    speed_kmh: np.ndarray
    way: np.ndarray
    geom_ptr: np.ndarray
    geom_idx: np.ndarray
    pts_x: np.ndarray
    pts_y: np.ndarray
    pts_lon: np.ndarray
    pts_lat: np.ndarray
    simplified: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def m(self) -> int:
        return int(self.u.size)

    def edge_geometry(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates (x, y) [m] of edge ``i``'s line."""
        idx = self.geom_idx[self.geom_ptr[i]:self.geom_ptr[i + 1]]
        return self.pts_x[idx], self.pts_y[idx]


def _excluded(tags: dict[str, str], network: str) -> bool:
    for key, rx in _COMPILED[network]:
        val = tags.get(key)
        if val is not None and rx.search(val):
            return True
    return False


def _haversine(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance [m] (OSMnx ``great_circle``, R = 6,371,009 m)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def build_graph(osm, network: str = "walk") -> StreetGraph:
    """Street graph of ``network`` ('all', 'drive' or 'walk') from an OSMData.

    Raises
    ------
    NetworkError
        No way of the study area belongs to the network.
    """
    if network not in NETWORK_FILTERS:
        raise NetworkError(f"unknown network type {network!r}",
                           fix=f"use one of {sorted(NETWORK_FILTERS)}")
    keep = [i for i, t in enumerate(osm.way_tags) if not _excluded(t, network)]
    if not keep:
        raise NetworkError(f"the OSM file has no '{network}' street ways in the study area",
                           path=osm.path, fix="check that the extract covers the city (its "
                                              "bounding box, clipping) and has highway ways")
    ptr = osm.way_ptr
    keep_a = np.asarray(keep, dtype=np.int64)
    lens = (ptr[keep_a + 1] - ptr[keep_a])
    sel = np.concatenate([np.arange(ptr[i], ptr[i + 1]) for i in keep]) if keep else \
        np.zeros(0, np.int64)
    nid = osm.node_id[sel]
    wof = np.repeat(np.arange(keep_a.size), lens)
    # drop consecutive duplicate nodes inside a way (OSMnx groupby)
    dup = np.zeros(nid.size, dtype=bool)
    dup[1:] = (nid[1:] == nid[:-1]) & (wof[1:] == wof[:-1])
    sel, nid, wof = sel[~dup], nid[~dup], wof[~dup]
    uniq, first, inv = np.unique(nid, return_index=True, return_inverse=True)
    px, py = osm.x[sel[first]], osm.y[sel[first]]
    plon, plat = osm.lon[sel[first]], osm.lat[sel[first]]
    # consecutive pairs inside a way
    same = wof[1:] == wof[:-1]
    a = inv[:-1][same]
    b = inv[1:][same]
    ew = wof[:-1][same]  # index into keep
    tags = [osm.way_tags[i] for i in keep]
    bidir = network in BIDIRECTIONAL
    one = np.zeros(len(keep), dtype=bool)
    rev = np.zeros(len(keep), dtype=bool)
    hw = np.empty(len(keep), dtype=object)
    spd = np.empty(len(keep), dtype=np.float64)
    for j, t in enumerate(tags):
        h = t.get("highway", "")
        hw[j] = h
        ms = parse_maxspeed(t.get("maxspeed"))
        spd[j] = ms if ms is not None else SPEEDS_KMH.get(h, _DEFAULT_SPEED)
        if not bidir:
            ow = t.get("oneway")
            one[j] = (ow in _ONEWAY) or t.get("junction") == "roundabout"
            rev[j] = one[j] and ow in _REVERSED
    fwd_a = np.where(rev[ew], b, a)
    fwd_b = np.where(rev[ew], a, b)
    two = ~one[ew]
    u = np.r_[fwd_a, fwd_b[two]]
    v = np.r_[fwd_b, fwd_a[two]]
    eway = np.r_[ew, ew[two]]
    length = _haversine(plon[u], plat[u], plon[v], plat[v])
    geom_idx = np.column_stack([u, v]).ravel()
    geom_ptr = np.arange(0, 2 * u.size + 1, 2, dtype=np.int64)
    way_ids = osm.way_id[keep_a]
    g = StreetGraph(network=network, epsg=osm.epsg, x=px, y=py, lon=plon, lat=plat,
                    osm_id=uniq, street_count=np.zeros(uniq.size, dtype=np.int64),
                    u=u.astype(np.int64), v=v.astype(np.int64), length=length,
                    highway=hw[eway], speed_kmh=spd[eway], way=way_ids[eway],
                    geom_ptr=geom_ptr, geom_idx=geom_idx.astype(np.int64), pts_x=px, pts_y=py,
                    pts_lon=plon, pts_lat=plat)
    g.street_count = count_streets(g)
    return g


def count_streets(g: StreetGraph) -> np.ndarray:
    """Physical street segments incident on each node (OSMnx ``count_streets_per_node``).

    Undirected view with NetworkX keys: the k-th directed edge u→v and the k-th v→u are one
    segment; each node with self-loops gets 2 (the loop, once).
    """
    n = g.n
    loop = g.u == g.v
    u, v = g.u[~loop], g.v[~loop]
    # multiplicity key of each directed edge among edges with the same (u, v)
    order = np.lexsort((np.arange(u.size), v, u))
    us, vs = u[order], v[order]
    newgrp = np.ones(us.size, dtype=bool)
    newgrp[1:] = (us[1:] != us[:-1]) | (vs[1:] != vs[:-1])
    grp_start = np.maximum.accumulate(np.where(newgrp, np.arange(us.size), 0))
    key = np.arange(us.size) - grp_start
    lo = np.minimum(us, vs)
    hi = np.maximum(us, vs)
    und = np.unique(np.column_stack([lo, hi, key]), axis=0) if us.size else np.zeros((0, 3),
                                                                                     np.int64)
    counts = np.bincount(und[:, 0], minlength=n) + np.bincount(und[:, 1], minlength=n)
    loops = np.unique(g.u[loop])
    counts[loops] += 2
    return counts.astype(np.int64)


def _subgraph(g: StreetGraph, keep_nodes: np.ndarray, keep_edges: np.ndarray | None = None
              ) -> StreetGraph:
    """Nodes ``keep_nodes`` (bool) and edges with both ends kept (and ``keep_edges``)."""
    ek = keep_nodes[g.u] & keep_nodes[g.v]
    if keep_edges is not None:
        ek &= keep_edges
    remap = np.cumsum(keep_nodes) - 1
    eidx = np.flatnonzero(ek)
    starts, ends = g.geom_ptr[eidx], g.geom_ptr[eidx + 1]
    glen = ends - starts
    gi = np.concatenate([g.geom_idx[s:e] for s, e in zip(starts, ends)]) if eidx.size else \
        np.zeros(0, np.int64)
    return replace(g, x=g.x[keep_nodes], y=g.y[keep_nodes], lon=g.lon[keep_nodes],
                   lat=g.lat[keep_nodes], osm_id=g.osm_id[keep_nodes],
                   street_count=g.street_count[keep_nodes], u=remap[g.u[eidx]],
                   v=remap[g.v[eidx]], length=g.length[eidx], highway=g.highway[eidx],
                   speed_kmh=g.speed_kmh[eidx], way=g.way[eidx],
                   geom_ptr=np.r_[0, np.cumsum(glen)].astype(np.int64), geom_idx=gi,
                   notes=list(g.notes))


def components(g: StreetGraph) -> tuple[int, np.ndarray]:
    """Weakly connected components: (count, label of each node)."""
    a = sp.csr_matrix((np.ones(g.m), (g.u, g.v)), shape=(g.n, g.n))
    return connected_components(a, directed=True, connection="weak")


def largest_component(g: StreetGraph) -> tuple[StreetGraph, dict[str, float]]:
    """The largest weakly connected component and a report of what lies outside it.

    The report: ``components``, ``nodes_outside``, ``length_outside_share`` (of edge length).
    """
    k, lab = components(g)
    if g.n == 0:
        raise NetworkError("the street graph has no nodes", fix="check the OSM extract")
    big = np.argmax(np.bincount(lab))
    keep = lab == big
    total = float(g.length.sum())
    out_len = float(g.length[~keep[g.u]].sum())
    rep = dict(components=int(k), nodes_outside=int((~keep).sum()),
               length_outside_share=out_len / total if total > 0 else 0.0)
    return _subgraph(g, keep), rep


def simplify(g: StreetGraph) -> StreetGraph:
    """Topological simplification (OSMnx ``simplify_graph`` rules; see the module docstring)."""
    if g.simplified:
        raise NetworkError("the graph is already simplified", fix="simplify it once")
    n = g.n
    u, v = g.u, g.v
    indeg = np.bincount(v, minlength=n)
    outdeg = np.bincount(u, minlength=n)
    loop = np.zeros(n, dtype=bool)
    loop[u[u == v]] = True
    pairs = np.unique(np.column_stack([np.r_[u, v], np.r_[v, u]]), axis=0)
    nb = np.bincount(pairs[:, 0], minlength=n)
    d = indeg + outdeg
    endpoint = loop | (indeg == 0) | (outdeg == 0) | ~((nb == 2) & ((d == 2) | (d == 4)))
    # out-adjacency (CSR by u)
    order = np.argsort(u, kind="stable")
    optr = np.r_[0, np.cumsum(outdeg)].tolist()
    ov = v[order].tolist()
    oe = order.tolist()
    is_end = endpoint.tolist()
    new_u: list[int] = []
    new_v: list[int] = []
    new_edges: list[list[int]] = []  # edge indices of each simplified path
    removed = np.zeros(n, dtype=bool)
    for e in np.flatnonzero(endpoint).tolist():
        seen_succ: set[int] = set()
        for k in range(optr[e], optr[e + 1]):
            s = ov[k]
            if is_end[s] or s in seen_succ:
                continue
            seen_succ.add(s)
            path = [e, s]
            inpath = {e, s}
            edges = [oe[k]]
            cur = s
            while not is_end[cur]:
                nxt = -1
                nedge = -1
                for kk in range(optr[cur], optr[cur + 1]):
                    w = ov[kk]
                    if w not in inpath:
                        if nxt != -1 and w != nxt:
                            nxt = -2
                            break
                        if nxt == -1:
                            nxt, nedge = w, oe[kk]
                if nxt == -2:
                    raise NetworkError(f"impossible simplification pattern near node "
                                       f"{int(g.osm_id[cur])}", fix="report this extract")
                if nxt == -1:
                    # back to the start (a loop), or a dead pattern: stop here
                    for kk in range(optr[cur], optr[cur + 1]):
                        if ov[kk] == e:
                            path.append(e)
                            edges.append(oe[kk])
                            break
                    break
                path.append(nxt)
                inpath.add(nxt)
                edges.append(nedge)
                cur = nxt
            new_u.append(path[0])
            new_v.append(path[-1])
            new_edges.append(edges)
            for p in path[1:-1]:
                removed[p] = True
    # kept original edges: both ends kept and not part of a path
    keep_nodes = ~removed
    # rings with no endpoint: nodes that are neither endpoints nor on a path
    ring = ~endpoint & ~removed
    keep_nodes &= ~ring
    in_path = np.zeros(g.m, dtype=bool)
    for es in new_edges:
        in_path[es] = True
    old = np.flatnonzero(keep_nodes[u] & keep_nodes[v] & ~in_path)
    # assemble
    pl = [len(es) for es in new_edges]
    path_edges = np.fromiter((i for es in new_edges for i in es), dtype=np.int64,
                             count=int(sum(pl)))
    path_id = np.repeat(np.arange(len(new_edges)), pl)
    plen = np.bincount(path_id, weights=g.length[path_edges], minlength=len(new_edges))
    # geometry of a path: first point of every edge + last point of the last edge
    first_pt = g.geom_idx[g.geom_ptr[path_edges]]
    last_pt = g.geom_idx[g.geom_ptr[path_edges + 1] - 1]
    is_last = np.r_[path_id[1:] != path_id[:-1], True] if path_id.size else np.zeros(0, bool)
    # points: for each edge its first point, and for the last edge also its last point
    pts = np.column_stack([first_pt, np.where(is_last, last_pt, -1)]).ravel()
    pts = pts[pts >= 0]
    glen_new = np.asarray(pl, dtype=np.int64) + 1
    glen_old = g.geom_ptr[old + 1] - g.geom_ptr[old]
    gi_old = np.concatenate([g.geom_idx[g.geom_ptr[i]:g.geom_ptr[i + 1]] for i in old]) \
        if old.size else np.zeros(0, np.int64)
    first_edge = np.asarray([es[0] for es in new_edges], dtype=np.int64)
    remap = np.cumsum(keep_nodes) - 1
    nu = np.r_[g.u[old], np.asarray(new_u, dtype=np.int64)]
    nv = np.r_[g.v[old], np.asarray(new_v, dtype=np.int64)]
    eref = np.r_[old, first_edge]
    out = replace(
        g, x=g.x[keep_nodes], y=g.y[keep_nodes], lon=g.lon[keep_nodes], lat=g.lat[keep_nodes],
        osm_id=g.osm_id[keep_nodes], street_count=g.street_count[keep_nodes],
        u=remap[nu], v=remap[nv], length=np.r_[g.length[old], plen],
        highway=g.highway[eref], speed_kmh=np.r_[g.speed_kmh[old], _path_speed(g, path_edges,
                                                                           path_id, plen)],
        way=g.way[eref], geom_ptr=np.r_[0, np.cumsum(np.r_[glen_old, glen_new])].astype(np.int64),
        geom_idx=np.r_[gi_old, pts].astype(np.int64), simplified=True, notes=list(g.notes))
    if ring.any():
        out.notes.append(f"{int(ring.sum())} nodes on rings without junctions removed "
                         "(OSMnx remove_rings)")
    return out


def _path_speed(g: StreetGraph, path_edges, path_id, plen) -> np.ndarray:
    """Length-weighted harmonic speed of a path [km/h] (so travel times add up)."""
    if not path_edges.size:
        return np.zeros(0)
    t = np.bincount(path_id, weights=g.length[path_edges] / g.speed_kmh[path_edges],
                    minlength=plen.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(t > 0, plen / np.where(t > 0, t, 1.0), _DEFAULT_SPEED)


def _undirected(g: StreetGraph) -> np.ndarray:
    """Indices of edges of the undirected graph: reciprocal edges with the same geometry once."""
    keys: dict[tuple[int, ...], int] = {}
    gi = g.geom_idx.tolist()
    gp = g.geom_ptr.tolist()
    keep = []
    for i in range(g.m):
        seq = tuple(gi[gp[i]:gp[i + 1]])
        r = seq[::-1]
        key = seq if seq <= r else r
        if key not in keys:
            keys[key] = i
            keep.append(i)
    return np.asarray(keep, dtype=np.int64)


def _clean_intersections(g: StreetGraph, tol: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Clusters of intersection nodes (street_count > 1) whose tol-buffers overlap.

    Returns (count, node indices considered, cluster label of each).
    """
    from scipy.spatial import cKDTree

    idx = np.flatnonzero(g.street_count > 1)
    if idx.size == 0:
        return 0, idx, idx
    tree = cKDTree(np.column_stack([g.x[idx], g.y[idx]]))
    pairs = tree.query_pairs(2.0 * tol, output_type="ndarray")
    a = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                      shape=(idx.size, idx.size))
    k, lab = connected_components(a, directed=False)
    return int(k), idx, lab


def basic_stats(g: StreetGraph, *, area_m2: float | None = None,
                clean_int_tol: float | None = None) -> dict[str, Any]:
    """OSMnx ``stats.basic_stats`` of a (simplified) graph, plus orientation measures.

    Keys as OSMnx: n, m, k_avg, edge_length_total/avg [m], streets_per_node_avg/counts/
    proportions, intersection_count, street_length_total/avg [m], street_segment_count,
    circuity_avg, self_loop_proportion, clean_intersection_count (with ``clean_int_tol``
    [m]) and, with ``area_m2``, the densities per km²; plus orientation_entropy [nats] and
    orientation_order (Boeing 2019). Circuity's straight lines are Euclidean in the grid CRS
    (OSMnx on a projected graph).
    """
    if g.n == 0 or g.m == 0:
        raise NetworkError("the street graph is empty", fix="check the OSM extract and filter")
    s: dict[str, Any] = {}
    s["n"] = g.n
    s["m"] = g.m
    s["k_avg"] = 2 * g.m / g.n
    s["edge_length_total"] = float(g.length.sum())
    s["edge_length_avg"] = s["edge_length_total"] / g.m
    spn = g.street_count
    s["streets_per_node_avg"] = float(spn.sum() / g.n)
    cnt = np.bincount(spn)
    s["streets_per_node_counts"] = {i: int(c) for i, c in enumerate(cnt)}
    s["streets_per_node_proportions"] = {i: c / g.n for i, c in enumerate(cnt.tolist())}
    s["intersection_count"] = int((spn >= 2).sum())
    ue = _undirected(g)
    s["street_length_total"] = float(g.length[ue].sum())
    s["street_segment_count"] = int(ue.size)
    s["street_length_avg"] = s["street_length_total"] / ue.size
    sl = np.hypot(g.x[g.u[ue]] - g.x[g.v[ue]], g.y[g.u[ue]] - g.y[g.v[ue]])
    s["circuity_avg"] = float(s["street_length_total"] / sl.sum()) if sl.sum() > 0 else None
    s["self_loop_proportion"] = float(np.mean(g.u[ue] == g.v[ue]))
    if clean_int_tol:
        s["clean_intersection_count"] = _clean_intersections(g, clean_int_tol)[0]
    if area_m2 is not None:
        km2 = area_m2 / 1e6
        s["node_density_km"] = s["n"] / km2
        s["intersection_density_km"] = s["intersection_count"] / km2
        s["edge_density_km"] = s["edge_length_total"] / km2
        s["street_density_km"] = s["street_length_total"] / km2
        if clean_int_tol:
            s["clean_intersection_density_km"] = s["clean_intersection_count"] / km2
    s["orientation_entropy"] = orientation_entropy(g, undirected=ue)
    s["orientation_order"] = orientation_order(s["orientation_entropy"])
    return s


def _bearing(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Initial great-circle bearing [degrees from north] (OSMnx ``calculate_bearing``)."""
    lat1, lat2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    y = np.sin(dl) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x)) % 360


def orientation_entropy(g: StreetGraph, num_bins: int = 36,
                        undirected: np.ndarray | None = None) -> float:
    """Street orientation entropy H = −Σ pᵢ ln pᵢ [nats] (Boeing 2019).

    Bearings of every undirected street segment (not self-loops), between its end nodes, in
    both directions; 36 bins of 10° centred on 0°, 10°, …, 350°.
    """
    ue = _undirected(g) if undirected is None else undirected
    ue = ue[g.u[ue] != g.v[ue]]
    if ue.size == 0:
        return float("nan")
    b = _bearing(g.lat[g.u[ue]], g.lon[g.u[ue]], g.lat[g.v[ue]], g.lon[g.v[ue]])
    b = np.concatenate([b, (b - 180) % 360])
    split, _ = np.histogram(b, bins=np.linspace(0, 360, 2 * num_bins + 1))
    split = np.roll(split, 1)
    counts = split[::2] + split[1::2]
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def orientation_order(entropy: float, num_bins: int = 36) -> float:
    """Orientation order φ = 1 − ((H − H_g)/(H_max − H_g))², H_max = ln 36, H_g = ln 4."""
    h_max = math.log(num_bins)
    h_g = math.log(4)
    return 1.0 - ((entropy - h_g) / (h_max - h_g)) ** 2


def consolidate(g: StreetGraph, tol: float) -> tuple[StreetGraph, np.ndarray]:
    """Merge intersections closer than ``tol`` [m] (after OSMnx ``consolidate_intersections``).

    Intersection nodes (street_count > 1) whose ``tol`` buffers overlap form a cluster; a
    cluster is split where its nodes are not joined by edges inside it (OSMnx does the
    same); each cluster becomes one node at its centroid. Dead ends are left alone. Edges
    inside a cluster are dropped, the others re-attached with their length kept. Returns the
    new graph and each old node's new index.
    """
    k, idx, lab = _clean_intersections(g, tol)
    label = np.arange(g.n) + (k if idx.size else 0)
    if idx.size:
        label[idx] = lab
    # split clusters not connected by edges inside them
    inside = label[g.u] == label[g.v]
    a = sp.csr_matrix((np.ones(int(inside.sum())), (g.u[inside], g.v[inside])),
                      shape=(g.n, g.n))
    _, sub = connected_components(a, directed=False)
    _, new = np.unique(sub, return_inverse=True)
    nn = int(new.max()) + 1
    cnt = np.bincount(new, minlength=nn)
    x = np.bincount(new, weights=g.x, minlength=nn) / cnt
    y = np.bincount(new, weights=g.y, minlength=nn) / cnt
    lon = np.bincount(new, weights=g.lon, minlength=nn) / cnt
    lat = np.bincount(new, weights=g.lat, minlength=nn) / cnt
    first = np.full(nn, -1)
    first[new[::-1]] = np.arange(g.n)[::-1]
    nu, nv = new[g.u], new[g.v]
    keep = (nu != nv) | (g.u == g.v)
    out = _subgraph(g, np.ones(g.n, dtype=bool), keep)
    out = replace(out, x=x, y=y, lon=lon, lat=lat, osm_id=g.osm_id[first],
                  street_count=np.zeros(nn, np.int64), u=nu[keep], v=nv[keep])
    out.street_count = count_streets(out)
    out.notes.append(f"intersections consolidated at {tol:g} m: {g.n} → {nn} nodes")
    return out, new


# --------------------------------------------------------------------------- routing
def to_csr(g: StreetGraph, weight: np.ndarray | None = None, *, undirected: bool = False,
           n: int | None = None, extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
           ) -> sp.csr_matrix:
    """CSR matrix of edge weights (default length [m]); parallel edges keep the minimum.

    ``undirected`` adds every edge in both directions; ``extra`` = (u, v, w) more edges (both
    directions) and ``n`` the total node count when extra nodes are appended.
    """
    w = g.length if weight is None else np.asarray(weight, dtype=np.float64)
    u, v = g.u, g.v
    if undirected:
        u, v, w = np.r_[u, v], np.r_[v, u], np.r_[w, w]
    if extra is not None:
        eu, ev, ew = extra
        u, v, w = np.r_[u, eu, ev], np.r_[v, ev, eu], np.r_[w, ew, ew]
    size = g.n if n is None else n
    loop = u == v
    u, v, w = u[~loop], v[~loop], w[~loop]
    # zero weights would vanish from a sparse matrix: nudge them
    w = np.maximum(w, 1e-6)
    key = u.astype(np.int64) * size + v
    order = np.argsort(key, kind="stable")
    ks, ws = key[order], w[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]) if ks.size else \
        np.zeros(0, np.int64)
    w = np.minimum.reduceat(ws, starts) if ks.size else ws
    u, v = ks[starts] // size, ks[starts] % size
    indptr = np.r_[0, np.cumsum(np.bincount(u, minlength=size))].astype(np.int32)
    return sp.csr_matrix((w, v.astype(np.int32), indptr), shape=(size, size))


def nearest_distance(csr: sp.csr_matrix, sources: np.ndarray, *, directed: bool = True,
                     limit: float = np.inf) -> np.ndarray:
    """Distance from the nearest of ``sources`` to every node: one multi-source Dijkstra pass.

    ``scipy.sparse.csgraph.dijkstra(indices=sources, min_only=True)``; inf where unreachable
    (or beyond ``limit``). For distances *to* the sources on a directed graph, pass the
    transposed matrix.
    """
    sources = np.unique(np.asarray(sources, dtype=np.int64))
    if sources.size == 0:
        return np.full(csr.shape[0], np.inf)
    return dijkstra(csr, directed=directed, indices=sources, min_only=True, limit=limit)


def snap(g: StreetGraph, x: np.ndarray, y: np.ndarray, max_m: float,
         nodes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of each point within ``max_m`` [m]: (node index or -1, distance [m]).

    ``nodes`` restricts the candidates (e.g. to the largest component).
    """
    from scipy.spatial import cKDTree

    cand = np.arange(g.n) if nodes is None else np.asarray(nodes)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if cand.size == 0 or x.size == 0:
        return np.full(x.shape, -1, dtype=np.int64), np.full(x.shape, np.inf)
    tree = cKDTree(np.column_stack([g.x[cand], g.y[cand]]))
    d, i = tree.query(np.column_stack([x.ravel(), y.ravel()]), distance_upper_bound=max_m)
    ok = np.isfinite(d)
    node = np.where(ok, cand[np.minimum(i, cand.size - 1)], -1)
    return node.reshape(x.shape), d.reshape(x.shape)


def grid_graph(nx_: int, ny_: int, spacing: float = 100.0, epsg: int = 32643,
               seed: int = 0) -> StreetGraph:
    """A synthetic two-way lattice street graph of nx_ × ny_ nodes (benchmarks, tests)."""
    rng = np.random.default_rng(seed)
    jj, ii = np.meshgrid(np.arange(nx_), np.arange(ny_))
    x = (jj.ravel() * spacing + 500000.0).astype(np.float64)
    y = (ii.ravel() * spacing + 4500000.0).astype(np.float64)
    idx = np.arange(nx_ * ny_).reshape(ny_, nx_)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    u = np.r_[a, b]
    v = np.r_[b, a]
    length = spacing * (1.0 + 0.2 * rng.random(a.size))
    length = np.r_[length, length]
    lon = (x - 500000.0) / 1e5 + 75.0
    lat = (y - 4500000.0) / 1.11e5 + 40.0
    m = u.size
    return StreetGraph(network="all", epsg=epsg, x=x, y=y, lon=lon, lat=lat,
                       osm_id=np.arange(x.size), street_count=np.zeros(x.size, np.int64),
                       u=u, v=v, length=length, highway=np.full(m, "residential", dtype=object),
                       speed_kmh=np.full(m, 25.0), way=np.arange(m) % a.size,
                       geom_ptr=np.arange(0, 2 * m + 1, 2), geom_idx=np.column_stack([u, v]
                                                                                  ).ravel(),
                       pts_x=x, pts_y=y, pts_lon=lon, pts_lat=lat)
