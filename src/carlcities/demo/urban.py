"""The urban model of the demo region: built-up share and population per cell and epoch.

A Clark (1951) negative-exponential potential from the centre, 2–4 sub-centres, 4–8 radial
roads, smooth noise and a few leapfrog patches, restricted to buildable land (no sea, no river
channel, slope ≤ 15 %). The built-up area of each epoch is the catalogue population divided by
an Atlas-of-Urban-Expansion-like density (about 85–125 persons/ha in 1990, falling 1.6 %/yr),
so the extent is the set of buildable cells whose potential passes a threshold that only ever
falls: growth is monotone and shows infill, edge extension, growth along roads and
leapfrogging. Population is proportional to built-up surface times a residential intensity
that is higher in the old core, and is scaled to the catalogue population of the epoch exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import ndtri

from ..catalog import City
from ..grid import CityGrid
from .common import GHSL_RES, SHRINK_M, populations
from .terrain import SLOPE_LIMIT, CityModel, SmoothNoise, city_seed, rng_for

__all__ = ["VILLAGE_DENSITY", "density", "urban_layers", "urban_radius"]


def density(city: City, epoch: int) -> float:
    """Built-up-area density [persons/ha] aimed at for an epoch (Atlas-like, falling in time)."""
    rng = rng_for(city.city_id, "density")
    d1990 = (100.0 + (25.0 if city.is_capital else 0.0)) * float(rng.uniform(0.85, 1.15))
    return d1990 * math.exp(-0.016 * (epoch - 1990))


def urban_radius(pop: float, density: float) -> float:
    return math.sqrt(pop / density * 1.0e4 / math.pi)


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def urban_layers(city: City, grid: CityGrid, model: CityModel, u: np.ndarray, v: np.ndarray,
                 epochs: Sequence[int]
                 ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict]:
    """Built-up share [0–1] and population [persons] per cell for each epoch, on cells whose
    centres are at local (u, v) [m]; cells are taken to be 1 ha (the GHSL 100 m grid is
    equal-area). Cells whose centre lies outside the city grid shrunk by 1.5 km stay 0.
    Returns (share, population, diagnostics)."""
    cx, cy = grid.centre_xy()
    left, bottom, right, top = grid.bounds
    inside = ((u >= left - cx + SHRINK_M) & (u <= right - cx - SHRINK_M)
              & (v >= bottom - cy + SHRINK_M) & (v <= top - cy - SHRINK_M))
    surf = model.surface(grid.x0 - cx, grid.y0 - cy, grid.res, grid.width, grid.height)
    sh_in, pop_in, diag = _urban_core(city, grid, model, surf, u[inside], v[inside], epochs)
    shares, pops = {}, {}
    for e in sh_in:
        shares[e] = np.zeros(u.shape)
        shares[e][inside] = sh_in[e]
        pops[e] = np.zeros(u.shape)
        pops[e][inside] = pop_in[e]
    return shares, pops, diag


def _cell_uniform(u: np.ndarray, v: np.ndarray, seed: int) -> np.ndarray:
    """White noise in (0, 1), a deterministic hash of the 50 m lattice cell holding (u, v), so
    that it depends on the place only (adjacent 100 m cells never share a lattice cell)."""
    ix = np.floor(np.asarray(u) / 50.0).astype(np.int64).astype(np.uint64)
    iy = np.floor(np.asarray(v) / 50.0).astype(np.int64).astype(np.uint64)
    h = (ix * np.uint64(0x9E3779B97F4A7C15)) ^ (iy * np.uint64(0xC2B2AE3D27D4EB4F))
    h ^= np.uint64(((seed & 0xFFFFFFFF) * 0x165667B19E3779F9) & 0xFFFFFFFFFFFFFFFF)
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def _cell_normal(u: np.ndarray, v: np.ndarray, seed: int) -> np.ndarray:
    return ndtri(_cell_uniform(u, v, seed))


def _setting_penalty(model: CityModel, surf: Any, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """How much the setting discourages building at (u, v) [log-potential units]: climbing the
    mountains or the valley walls, the desert beyond the oasis, the far bank of a steppe river."""
    st = model.setting
    if st == "mountain_front":
        return np.maximum(surf.sample(surf.z, u, v) - model.base - 150.0, 0.0) / 250.0
    if st == "valley_basin":
        return np.maximum(surf.sample(surf.z, u, v) - model.base - 60.0, 0.0) / 150.0
    if st == "oasis":
        _, nr = model.river_frames(u, v)[0]
        return np.maximum(np.abs(nr) - model.oasis_width, 0.0) / 1500.0
    if st == "steppe_river":
        _, nr = model.river_frames(u, v)[0]
        _, nc = model.rivers[0].frame(np.zeros(1), np.zeros(1))
        return 0.6 * (np.sign(nr) != np.sign(nc[0]))
    return np.zeros(np.shape(u))


def _buildable(model: CityModel, surf: Any, u: np.ndarray, v: np.ndarray,
               green_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(buildable land: no sea, no river channel, no steep slope; the green corridor of
    ``green_m`` [m] along the rivers beyond their channels)."""
    river = np.zeros(np.shape(u), dtype=bool)
    corridor = np.zeros(np.shape(u), dtype=bool)
    for rv, fr in zip(model.rivers, model.river_frames(u, v)):
        d = rv.distance_in_frame(*fr)
        hw = max(rv.half_width, 75.0)
        river |= d < hw
        corridor |= d < hw + green_m
    ok = ~model.sea(u, v) & ~river & (surf.sample(surf.slope, u, v) <= SLOPE_LIMIT)
    return ok, corridor & ~river


#: Villages (kishlaks, auls) per 100 km² of the study square, by setting.
VILLAGE_DENSITY = {"valley_basin": 9.0, "oasis": 8.0, "mountain_front": 5.0,
                   "steppe_river": 1.8, "sea_coast": 0.8}


def _nearest(cu: np.ndarray, cv: np.ndarray, u: np.ndarray, v: np.ndarray, reach: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """(distance [m], index) of the nearest of the points (cu, cv) to every (u, v), searched
    within ``reach`` [m] only (beyond: distance inf, index 0)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([cu, cv]))
    d, i = tree.query(np.column_stack([u.ravel(), v.ravel()]), k=1, distance_upper_bound=reach)
    i = np.where(np.isfinite(d), i, 0)
    return d.reshape(u.shape), i.reshape(u.shape)


def _urban_core(city: City, grid: CityGrid, model: CityModel, surf: Any, u: np.ndarray,
                v: np.ndarray, epochs: Sequence[int]
                ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict]:
    cid = city.city_id
    epochs = sorted(int(e) for e in epochs)
    pops = populations(city, epochs)
    dens = {e: density(city, e) for e in epochs}
    target = {}
    run = 0
    for e in epochs:
        run = max(run, round(pops[e] / dens[e]))
        target[e] = run
    R = urban_radius(max(pops.values()), dens[epochs[-1]])
    b = R / 3.0  # Clark gradient length
    rng = rng_for(cid, "urban")

    # anisotropy: along the river / valley / coast / mountain front where there is one
    st = model.setting
    if st == "valley_basin":
        ax = model.axis
    elif model.rivers and st in ("oasis", "steppe_river"):
        ax = model.rivers[0].bearing_deg
    elif st == "sea_coast":
        ax = model.sea_bearing + 90.0
    elif st == "mountain_front":
        ax = model.mountain_bearing + 90.0
    else:
        ax = float(rng.uniform(0, 180))
    elong = float(rng.uniform(1.15, 1.5))
    ae, an = math.sin(math.radians(ax)), math.cos(math.radians(ax))
    r_eff = np.hypot((u * ae + v * an) / math.sqrt(elong), (u * an - v * ae) * math.sqrt(elong))
    r = np.hypot(u, v)

    # the city's own noise fields are sampled only around it (speed)
    reach = 2.0 * R + 4000.0
    near = (np.abs(u) < reach) & (np.abs(v) < reach)
    ext_c = (-reach - 1000.0, -reach - 1000.0, reach + 1000.0, reach + 1000.0)
    u_n, v_n_ = u[near], v[near]

    def noise(stream: str, scale: float) -> np.ndarray:
        out = np.zeros(u.shape)
        out[near] = SmoothNoise(rng_for(cid, stream), ext_c, scale)(u_n, v_n_)
        return out

    # Clark (1951) negative exponential from the centre, plus sub-centres
    pot = np.exp(-r_eff / b)
    n_sub = int(rng.integers(2, 5))
    for _ in range(n_sub):
        ang = float(rng.uniform(0, 2 * math.pi))
        dist = float(rng.uniform(0.3, 0.8) * R)
        a = float(rng.uniform(0.25, 0.55))
        pot = pot + a * math.exp(-dist / b) * np.exp(
            -np.hypot(u - dist * math.sin(ang), v - dist * math.cos(ang)) / (0.3 * b))
    logu = np.log(pot)

    # radial roads: ribbons of growth reaching out along them
    n_roads = int(rng.integers(4, 9))
    base_ang = float(rng.uniform(0, 2 * math.pi))
    psi = np.arctan2(u, v)
    road = np.zeros_like(r)
    road_ang = []
    for j in range(n_roads):
        phi = base_ang + 2 * math.pi * j / n_roads + float(rng.uniform(-0.25, 0.25))
        bend = float(rng.uniform(-0.15, 0.15))
        road_ang.append((phi, bend))
        d = _wrap(psi - phi - bend * r / 10000.0)
        dist = np.where(np.abs(d) < np.pi / 2, r * np.abs(np.sin(d)), r)
        road = np.maximum(road, np.exp(-(dist / 250.0) ** 2))
    logu = logu + 1.0 * road * np.clip(r / 1500.0, 0, 1)

    # smooth noise: lobes and wedges
    logu = (logu + 0.4 * noise("urban-n1", 1500.0)
            + 0.2 * noise("urban-n2", 500.0))

    # leapfrog estates beyond the edge, mostly near the roads
    n_patch = int(rng.integers(4, 10))
    for _ in range(n_patch):
        j = int(rng.integers(0, n_roads))
        ang = base_ang + 2 * math.pi * j / n_roads + float(rng.uniform(-0.5, 0.5))
        dist = float(rng.uniform(1.1, 1.7) * R)
        pu, pv = dist * math.sin(ang), dist * math.cos(ang)
        peak = -float(rng.uniform(0.55, 0.95)) * R / b
        rho = float(rng.uniform(200, 450))
        logu = np.maximum(logu, peak - (np.hypot(u - pu, v - pv) / rho) ** 2)

    # the setting: growth shuns climbing, the desert and the far bank
    penalty = _setting_penalty(model, surf, u, v)
    logu = logu - penalty

    # buildable land, and green corridors along the rivers
    buildable, corridor = _buildable(model, surf, u, v, float(rng.uniform(100.0, 250.0)))

    # open spaces inside the city: parks, cemeteries, rail yards, industrial voids
    rng_o = rng_for(cid, "open-spaces")
    city_ha = math.pi * R * R / 1e4
    areas: list[float] = []
    while sum(areas) < float(rng_o.uniform(0.14, 0.22)) * city_ha:
        areas.append(math.exp(float(rng_o.uniform(math.log(10.0), math.log(150.0)))))
    n_open = len(areas)
    o_r = 1.0 * R * np.sqrt(rng_o.uniform(0, 1, n_open))
    o_a = rng_o.uniform(0, 2 * math.pi, n_open)
    o_u, o_v = o_r * np.sin(o_a), o_r * np.cos(o_a)
    o_asp = rng_o.uniform(1.0, 3.0, n_open)
    o_rot = rng_o.uniform(0, math.pi, n_open)
    o_rad = np.sqrt(np.asarray(areas) * 1e4 / math.pi)
    o_share = np.where(rng_o.uniform(0, 1, n_open) < 0.3, rng_o.uniform(0.05, 0.12, n_open),
                       rng_o.uniform(0.0, 0.05, n_open))
    d_o, i_o = _nearest(o_u, o_v, u, v, 1.3 * float((np.sqrt(areas) * np.sqrt(o_asp)).max())
                        * 100.0 / math.sqrt(math.pi))
    du, dv = u - o_u[i_o], v - o_v[i_o]
    cs, sn = np.cos(o_rot[i_o]), np.sin(o_rot[i_o])
    asp = np.sqrt(o_asp[i_o])
    d_ell = np.hypot((du * cs + dv * sn) / asp, (dv * cs - du * sn) * asp)
    blob_n = noise("open-n", 400.0)
    park = (d_ell < o_rad[i_o] * (1.0 + 0.25 * blob_n)) | corridor
    park_share = np.where(corridor, 0.02, o_share[i_o])

    # the order of development: potential plus local noise (a ragged, scattered edge)
    w1 = _cell_normal(u, v, city_seed(cid) ^ 0x5A5A)
    n_lines = int(rng_o.integers(6, 11))
    lines_phase = float(rng_o.uniform(0, 2 * math.pi))
    hole = ((_cell_uniform(u, v, city_seed(cid) ^ 0x1234) < 0.03)  # squares, yards, plots
            | (noise("green-n", 350.0)  # gardens, vacant land
               > 0.95 - 0.5 * np.clip(r_eff / R - 0.35, 0.0, 1.0))
            | (noise("pocket-n", 200.0) > 1.4)
            # radial green wedges, canals (aryks) and rail lines, meandering outwards
            | (r * np.abs(np.sin(0.5 * (n_lines * psi + lines_phase
                                       + 2.0 * noise("net-n", 2500.0))))
               * (2.0 / n_lines) < 75.0)
            # and a finer network of them in the old city
            | ((np.abs(noise("net2-n", 450.0)) < 0.07)
               & (r_eff < 0.6 * R)))
    sig = float(rng.uniform(0.45, 0.6))
    key = logu + sig * (0.7 * noise("edge-n", 700.0)
                        + 0.3 * noise("edge-n2", 250.0) + 0.2 * w1)
    devable = buildable & ~park & ~hole
    vals = np.sort(key[devable])[::-1]
    nb = vals.size

    # villages: kishlaks and auls scattered over the study square, some founded later
    rng_v = rng_for(cid, "villages")
    half = model.half - SHRINK_M
    n_v = int(rng_v.poisson(VILLAGE_DENSITY.get(st, 3.0) * (2 * half / 1e3) ** 2 / 100.0))
    cu = rng_v.uniform(-half, half, 4 * n_v + 4)
    cv = rng_v.uniform(-half, half, 4 * n_v + 4)
    ok_c, _ = _buildable(model, surf, cu, cv)
    ok_c &= (_setting_penalty(model, surf, cu, cv) < 0.2) & (np.hypot(cu, cv) > 0.3 * R)
    vu, vv = cu[ok_c][:n_v], cv[ok_c][:n_v]
    n_v = vu.size
    v_a0 = np.exp(rng_v.uniform(math.log(3.0), math.log(18.0), n_v))   # ha when founded
    v_born = np.where(rng_v.uniform(0, 1, n_v) < 0.85, -math.inf,
                      rng_v.uniform(1990.0, 2020.0, n_v))
    v_grow = rng_v.uniform(0.02, 0.08, n_v)  # area growth per decade
    v_share = rng_v.uniform(0.25, 0.45, n_v)
    if n_v:
        d_v, i_v = _nearest(vu, vv, u, v, 1.5 * math.sqrt(4.0 * v_a0.max() * 1e4 / math.pi))
        reach_v = np.isfinite(d_v)
        v_n = np.ones(u.shape)
        v_n[reach_v] = 1.0 + 0.3 * SmoothNoise(
            rng_for(cid, "village-n"),
            (-half - 3000.0, -half - 3000.0, half + 3000.0, half + 3000.0),
            250.0)(u[reach_v], v[reach_v])
        w2 = _cell_uniform(u, v, city_seed(cid) ^ 0x7777)

    s_core = float(rng.uniform(0.45, 0.58))
    n_core = max(10, int(0.04 * target[epochs[-1]]))
    kc = vals[min(n_core, nb - 1)] if nb else 0.0
    share_noise = np.exp(0.1 * noise("share-n", 300.0))
    intensity = ((1.0 + float(rng.uniform(0.8, 1.6)) * np.exp(-r / (0.5 * b)))
                 * np.exp(0.2 * noise("pop-n", 800.0)))
    shares: dict[int, np.ndarray] = {}
    popul: dict[int, np.ndarray] = {}
    diag: dict[str, Any] = {"radius_m": R, "clark_b_m": b, "roads": n_roads, "subcentres": n_sub,
                                "leapfrog_patches": n_patch, "open_spaces": n_open,
                                "villages": int(n_v), "epochs": {}}
    prev = None
    for e in epochs:
        thr = vals[min(target[e], nb - 1)] if nb else 0.0
        sc = min(s_core * (1.0 + 0.025 * (e - 1990) / 10.0), 0.62)  # infill densifies the core
        span = max(kc - thr, 1e-6)
        above = (0.25 + (sc - 0.25) * np.clip((key - thr) / span, 0.0, 1.0) ** 0.7) * share_noise
        below = 0.08 * np.exp(-np.clip(thr - key, 0.0, 50.0) / 0.3)
        sh = np.where((key >= thr) & devable, above, below)
        sh = np.where(hole & (key >= thr), 0.04, sh)
        sh = np.where(park, np.minimum(sh, park_share), sh)
        city_sh = sh
        if n_v:
            age = np.maximum(e - v_born, 0.0)
            alive = e >= v_born
            a_e = v_a0 * (1.0 + v_grow) ** (np.minimum(age, 40.0) / 10.0)
            rad = np.where(alive, np.sqrt(a_e * 1e4 / math.pi), 0.0)
            inside = d_v < rad[i_v] * v_n
            vsh = np.where(inside, np.where(w2 < 0.25, 0.12, v_share[i_v]),
                           np.where(rad[i_v] > 0, 0.12 * np.exp(
                               -np.clip(d_v - rad[i_v] * v_n, 0, None) / 100.0), 0.0))
            sh = np.maximum(sh, vsh)
        sh = np.where(sh < 0.02, 0.0, np.minimum(sh, 0.95))
        sh = np.where(buildable, sh, 0.0)
        # whole m² per cell as written, never falling from one epoch to the next
        sh = np.rint(sh * GHSL_RES * GHSL_RES) / (GHSL_RES * GHSL_RES)
        if prev is not None:
            sh = np.maximum(sh, prev)
        prev = sh
        shares[e] = sh
        w = sh * np.where(city_sh >= sh, intensity, 0.7)
        tot = w.sum()
        popul[e] = w * (pops[e] / tot) if tot > 0 else w
        nbu = int((sh >= 0.2).sum())
        diag["epochs"][e] = {
            "population": pops[e], "target_density": dens[e], "builtup_ha": nbu,
            "atlas_density": float(popul[e][sh >= 0.2].sum() / max(nbu, 1))}
    return shares, popul, diag
