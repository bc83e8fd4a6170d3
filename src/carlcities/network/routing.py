"""Routing on a street graph: CSR matrices for SciPy's shortest paths, snapping points to
nodes, and a regular grid graph for tests."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .graph import StreetGraph

__all__ = ["grid_graph", "nearest_distance", "snap", "to_csr"]


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
