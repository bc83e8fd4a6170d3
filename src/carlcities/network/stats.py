"""Statistics of a street graph as OSMnx computes them: ``basic_stats``, orientation entropy
and order, clean intersections and consolidation."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import NetworkError
from .graph import StreetGraph, count_streets, subgraph

__all__ = ["basic_stats", "clean_intersections", "consolidate", "orientation_entropy",
           "orientation_order", "undirected_edges"]


def undirected_edges(g: StreetGraph) -> np.ndarray:
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


def clean_intersections(g: StreetGraph, tol: float) -> tuple[int, np.ndarray, np.ndarray]:
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
                clean_int_tol: float | None = None,
                undirected: np.ndarray | None = None) -> dict[str, Any]:
    """OSMnx ``stats.basic_stats`` of a (simplified) graph, plus orientation measures.

    Keys as OSMnx: n, m, k_avg, edge_length_total/avg [m], streets_per_node_avg/counts/
    proportions, intersection_count, street_length_total/avg [m], street_segment_count,
    circuity_avg, self_loop_proportion, clean_intersection_count (with ``clean_int_tol``
    [m]) and, with ``area_m2``, the densities per km²; plus orientation_entropy [nats] and
    orientation_order (Boeing 2019). Circuity's straight lines are Euclidean in the grid CRS
    (OSMnx on a projected graph). ``undirected``: :func:`undirected_edges` of ``g``, when
    the caller has them already.
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
    ue = undirected_edges(g) if undirected is None else undirected
    s["street_length_total"] = float(g.length[ue].sum())
    s["street_segment_count"] = int(ue.size)
    s["street_length_avg"] = s["street_length_total"] / ue.size
    sl = np.hypot(g.x[g.u[ue]] - g.x[g.v[ue]], g.y[g.u[ue]] - g.y[g.v[ue]])
    s["circuity_avg"] = float(s["street_length_total"] / sl.sum()) if sl.sum() > 0 else None
    s["self_loop_proportion"] = float(np.mean(g.u[ue] == g.v[ue]))
    if clean_int_tol:
        s["clean_intersection_count"] = clean_intersections(g, clean_int_tol)[0]
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
    ue = undirected_edges(g) if undirected is None else undirected
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
    k, idx, lab = clean_intersections(g, tol)
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
    out = subgraph(g, np.ones(g.n, dtype=bool), keep)
    out = replace(out, x=x, y=y, lon=lon, lat=lat, osm_id=g.osm_id[first],
                  street_count=np.zeros(nn, np.int64), u=nu[keep], v=nv[keep])
    out.street_count = count_streets(out)
    out.notes.append(f"intersections consolidated at {tol:g} m: {g.n} → {nn} nodes")
    return out, new
