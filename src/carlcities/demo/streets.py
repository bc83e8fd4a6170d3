"""Synthetic OpenStreetMap extract for a demo city, written as a real PBF with pyosmium.

The street network follows the city's built-up form of the latest epoch:

* a dense lattice (150 m blocks) where the cell is urban (built-up share ≥ 0.30), turned by a
  city-specific angle and jittered by a few metres so that no two cities look alike;
* a looser lattice (300 m) where it is suburban (share ≥ 0.08), with about one segment in
  five removed at the edge of the built-up area (cul-de-sacs and dead ends);
* 5–8 radial primary roads from the centre to the edge of the study area, joined to the
  lattice where they cross it; every 4th lattice line is tertiary and every 8th secondary;
* destinations placed in proportion to the population (one school per 4,000 residents,
  kindergarten 3,000, clinic 10,000, hospital 60,000, pharmacy 4,000, market 6,000, fire
  station 80,000, police 50,000, assembly point 30,000, park of 1–6 ha per 15,000) and bus
  stops every third node of secondary lines, tagged as the reader's tag table expects.

The file is named like a Geofabrik extract (``<city_id>-latest.osm.pbf``), its header
``generator`` says "synthetic carlcities demo — not real", and every object carries
``source=synthetic carlcities demo``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_osm", "osm_name", "GENERATOR", "PER_CAPITA"]

GENERATOR = "synthetic carlcities demo — not real"
#: residents per destination of each kind: (tags, residents per feature)
PER_CAPITA: dict[str, tuple[dict[str, str], float]] = {
    "school": ({"amenity": "school"}, 4000.0),
    "kindergarten": ({"amenity": "kindergarten"}, 3000.0),
    "clinic": ({"amenity": "clinic"}, 10000.0),
    "hospital": ({"amenity": "hospital"}, 60000.0),
    "pharmacy": ({"amenity": "pharmacy"}, 4000.0),
    "market": ({"shop": "supermarket"}, 6000.0),
    "fire_station": ({"amenity": "fire_station"}, 80000.0),
    "police": ({"amenity": "police"}, 50000.0),
    "shelter": ({"emergency": "assembly_point"}, 30000.0),
}
PARK_PER = 15000.0
URBAN, SUBURBAN = 0.30, 0.08
FINE = 150.0


def osm_name(city_id: str) -> str:
    """File name of a city's demo extract (Geofabrik style)."""
    return f"{city_id}-latest.osm.pbf"


def _seed(city_id: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(("streets:" + city_id).encode()).digest()[:8], "little")


def write_osm(city: Any, grid: Any, out_dir: str | Path, builtup: dict[int, np.ndarray],
              population: dict[int, np.ndarray], epochs: Any = None) -> Path:
    """Write ``out_dir/<city_id>-latest.osm.pbf`` for the latest epoch of ``builtup``.

    ``builtup``: epoch → built-up share [0–1] on ``grid``; ``population``: epoch → persons
    per cell on ``grid``. Deterministic for a city id. Returns the path.
    """
    import osmium
    from pyproj import Transformer

    city_id = getattr(city, "city_id", str(city))
    keys = sorted(set(builtup) & set(population))
    if epochs is not None:
        keys = [e for e in keys if e in set(int(x) for x in epochs)] or keys
    e = keys[-1]
    share = np.nan_to_num(np.asarray(builtup[e], dtype=np.float64), nan=0.0)
    pop = np.nan_to_num(np.asarray(population[e], dtype=np.float64), nan=0.0)
    rng = np.random.default_rng(_seed(city_id))
    cx, cy = grid.centre_xy()
    left, bottom, right, top = grid.bounds
    half = max(right - left, top - bottom) / 2 * 1.45  # the lattice covers the rotated square
    theta = math.radians(float(rng.uniform(-35, 35)))
    ct, st = math.cos(theta), math.sin(theta)
    n = int(2 * half // FINE) + 1
    jj, ii = np.meshgrid(np.arange(n), np.arange(n))
    a = jj * FINE - half + rng.uniform(-12, 12, (n, n))
    b = ii * FINE - half + rng.uniform(-12, 12, (n, n))
    X = cx + a * ct - b * st
    Y = cy + a * st + b * ct
    col = np.floor((X - grid.x0) / grid.res).astype(np.int64)
    row = np.floor((grid.y0 - Y) / grid.res).astype(np.int64)
    ins = (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    s = np.zeros((n, n))
    s[ins] = share[row[ins], col[ins]]
    fine = s >= URBAN
    even = (ii % 2 == 0) & (jj % 2 == 0)
    coarse = (s >= SUBURBAN) & even & ins
    # horizontal segments (i, j)-(i, j+1); vertical (i, j)-(i+1, j)
    H = fine[:, :-1] & fine[:, 1:]
    V = fine[:-1, :] & fine[1:, :]
    ch = coarse[:, :-2] & coarse[:, 2:] & (ii[:, :-2] % 2 == 0) & (jj[:, :-2] % 2 == 0)
    H[:, :-1] |= ch
    H[:, 1:] |= ch
    cv = coarse[:-2, :] & coarse[2:, :] & (ii[:-2, :] % 2 == 0) & (jj[:-2, :] % 2 == 0)
    V[:-1, :] |= cv
    V[1:, :] |= cv
    # cul-de-sacs: drop about a fifth of the segments outside the urban lattice
    H &= ~((~(fine[:, :-1] & fine[:, 1:])) & (rng.random(H.shape) < 0.2))
    V &= ~((~(fine[:-1, :] & fine[1:, :])) & (rng.random(V.shape) < 0.2))
    H &= ins[:, :-1] & ins[:, 1:]
    V &= ins[:-1, :] & ins[1:, :]
    used = np.zeros((n, n), dtype=bool)
    used[:, :-1] |= H
    used[:, 1:] |= H
    used[:-1, :] |= V
    used[1:, :] |= V
    node_id = (ii * n + jj + 1).astype(np.int64)

    def cls(k: int) -> str:
        return "secondary" if k % 8 == 0 else "tertiary" if k % 4 == 0 else "residential"

    ways: list[tuple[list[int], dict[str, str]]] = []

    def runs(mask_line: np.ndarray, ids_line: np.ndarray, tags: dict[str, str]) -> None:
        m = np.r_[False, mask_line, False].astype(np.int8)
        d = np.diff(m)
        for s0, s1 in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            ways.append((ids_line[s0:s1 + 1].tolist(), tags))

    for i in range(n):
        if H[i].any():
            runs(H[i], node_id[i], {"highway": cls(i)})
    for j in range(n):
        if V[:, j].any():
            runs(V[:, j], node_id[:, j], {"highway": cls(j)})
    # radials: points every 150 m; join a lattice node when one is used nearby
    extra_x: list[float] = []
    extra_y: list[float] = []
    next_id = n * n + 1
    n_rad = int(rng.integers(5, 9))
    a0 = float(rng.uniform(0, 2 * math.pi))
    for r in range(n_rad):
        ang = a0 + 2 * math.pi * r / n_rad + float(rng.uniform(-0.15, 0.15))
        ids: list[int] = []
        for k in range(int(half // FINE)):
            px = cx + k * FINE * math.cos(ang)
            py = cy + k * FINE * math.sin(ang)
            if not (left < px < right and bottom < py < top):
                break
            # lattice index of the point
            la = (px - cx) * ct + (py - cy) * st
            lb = -(px - cx) * st + (py - cy) * ct
            jn = int(round((la + half) / FINE))
            inn = int(round((lb + half) / FINE))
            if 0 <= inn < n and 0 <= jn < n and used[inn, jn]:
                nid = int(node_id[inn, jn])
            else:
                nid = next_id
                next_id += 1
                extra_x.append(px)
                extra_y.append(py)
            if not ids or ids[-1] != nid:
                ids.append(nid)
        if len(ids) >= 2:
            ways.append((ids, {"highway": "primary", "maxspeed": "60", "lanes": "4"}))
    # destinations, placed with the population
    total = float(pop.sum())
    flat = pop.ravel()
    p = flat / total if total > 0 else None
    xs, ys = grid.cell_centres()
    xs, ys = xs.ravel(), ys.ravel()
    points: list[tuple[float, float, dict[str, str]]] = []
    polys: list[tuple[np.ndarray, np.ndarray, dict[str, str]]] = []
    if p is not None:
        for _typ, (tags, per) in PER_CAPITA.items():
            k = int(min(3000, max(1, round(total / per))))
            cells = rng.choice(flat.size, size=k, p=p)
            for c in cells:
                points.append((xs[c] + rng.uniform(-45, 45), ys[c] + rng.uniform(-45, 45),
                               dict(tags, name=f"{_typ} {len(points) + 1}")))
        k = int(min(1500, max(1, round(total / PARK_PER))))
        for c in rng.choice(flat.size, size=k, p=p):
            side = math.sqrt(float(rng.uniform(1.0, 6.0)) * 1e4)
            h2 = side / 2
            qx = xs[c] + np.array([-h2, h2, h2, -h2])
            qy = ys[c] + np.array([-h2, -h2, h2, h2])
            polys.append((qx, qy, {"leisure": "park", "name": f"park {len(polys) + 1}"}))
    # bus stops: every third used node of secondary lines
    stop = used & ((ii % 8 == 0) | (jj % 8 == 0)) & ((ii + jj) % 3 == 0)
    si, sj = np.nonzero(stop)

    # ---- write
    ids_used = node_id[used]
    to_ll = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    lon_l, lat_l = to_ll.transform(X[used], Y[used])
    lon_e, lat_e = to_ll.transform(np.asarray(extra_x), np.asarray(extra_y))
    px_ = np.asarray([q[0] for q in points])
    py_ = np.asarray([q[1] for q in points])
    lon_p, lat_p = to_ll.transform(px_, py_)
    lon_s, lat_s = to_ll.transform(X[si, sj] + 8.0, Y[si, sj] + 8.0)
    path = Path(out_dir) / osm_name(city_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part.osm.pbf")
    if tmp.exists():
        tmp.unlink()
    hdr = osmium.io.Header()
    hdr.set("generator", GENERATOR)
    blo, bla = to_ll.transform(np.array([left, right, left, right]),
                               np.array([bottom, bottom, top, top]))
    hdr.add_box(osmium.osm.Box(float(np.min(blo)), float(np.min(bla)), float(np.max(blo)),
                               float(np.max(bla))))
    src = {"source": "synthetic carlcities demo"}
    Node = osmium.osm.mutable.Node
    Way = osmium.osm.mutable.Way
    w = osmium.SimpleWriter(str(tmp), header=hdr, overwrite=True)
    try:
        for nid, lo, la in zip(ids_used.tolist(), np.asarray(lon_l).tolist(),
                               np.asarray(lat_l).tolist()):
            w.add_node(Node(id=nid, location=(lo, la), version=1))
        nid = n * n + 1
        for lo, la in zip(np.asarray(lon_e).tolist(), np.asarray(lat_e).tolist()):
            w.add_node(Node(id=nid, location=(lo, la), version=1))
            nid += 1
        for (lo, la), (_, _, tags) in zip(zip(np.asarray(lon_p).tolist(),
                                              np.asarray(lat_p).tolist()), points):
            w.add_node(Node(id=nid, location=(lo, la), tags=dict(tags, **src), version=1))
            nid += 1
        for lo, la in zip(np.asarray(lon_s).tolist(), np.asarray(lat_s).tolist()):
            w.add_node(Node(id=nid, location=(lo, la), tags=dict(highway="bus_stop", **src),
                            version=1))
            nid += 1
        park_nodes = []
        for qx, qy, _ in polys:
            lo, la = to_ll.transform(qx, qy)
            ids = []
            for a_, b_ in zip(np.asarray(lo).tolist(), np.asarray(la).tolist()):
                w.add_node(Node(id=nid, location=(a_, b_), version=1))
                ids.append(nid)
                nid += 1
            park_nodes.append(ids + ids[:1])
        wid = 1
        for nodes, tags in ways:
            w.add_way(Way(id=wid, nodes=nodes, tags=dict(tags, **src), version=1))
            wid += 1
        for ids, (_, _, tags) in zip(park_nodes, polys):
            w.add_way(Way(id=wid, nodes=ids, tags=dict(tags, **src), version=1))
            wid += 1
    finally:
        w.close()
    tmp.replace(path)
    return path
