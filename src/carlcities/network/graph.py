"""Street graphs from OSM ways: OSMnx's network filters, :class:`StreetGraph`, building,
components and subgraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import NetworkError

__all__ = ["BIDIRECTIONAL", "DEFAULT_SPEED_KMH", "EARTH_RADIUS_M", "NETWORK_FILTERS",
           "SPEEDS_KMH", "StreetGraph", "build_graph", "components", "count_streets",
           "haversine_m", "largest_component", "parse_maxspeed", "subgraph"]

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
DEFAULT_SPEED_KMH = 25.0


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


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
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
        spd[j] = ms if ms is not None else SPEEDS_KMH.get(h, DEFAULT_SPEED_KMH)
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
    length = haversine_m(plon[u], plat[u], plon[v], plat[v])
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
    lo = np.minimum(us, vs).astype(np.int64)
    hi = np.maximum(us, vs).astype(np.int64)
    # distinct (lo, hi, key) triples, each packed into one integer (np.unique on rows sorts
    # them as records, several times slower)
    nk = int(key.max()) + 1 if key.size else 1
    und = np.unique((lo * n + hi) * nk + key)
    pair = und // nk
    counts = np.bincount(pair // n, minlength=n) + np.bincount(pair % n, minlength=n)
    loops = np.unique(g.u[loop])
    counts[loops] += 2
    return counts.astype(np.int64)


def subgraph(g: StreetGraph, keep_nodes: np.ndarray, keep_edges: np.ndarray | None = None
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
    return subgraph(g, keep), rep
