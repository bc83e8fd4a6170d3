"""Topological simplification of a street graph (OSMnx ``simplify_graph``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import NetworkError
from .graph import DEFAULT_SPEED_KMH, StreetGraph

__all__ = ["simplify"]


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
    # distinct neighbours of each node: the (node, neighbour) pairs packed into one integer
    pairs = np.unique(np.r_[u, v].astype(np.int64) * n + np.r_[v, u])
    nb = np.bincount(pairs // n, minlength=n)
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
        return np.where(t > 0, plen / np.where(t > 0, t, 1.0), DEFAULT_SPEED_KMH)
