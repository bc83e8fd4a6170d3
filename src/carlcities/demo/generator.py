"""The demo region generator: per city, GHSL and Copernicus-DEM look-alike GeoTIFFs.

For each city, ``out_dir/<city_id>/`` receives

* ``GHS_BUILT_S_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif`` — built-up surface [m² per 100 m
  cell, 0…10 000], UInt16, NoData 65535, World Mollweide (ESRI:54009), 100 m cells on the
  GHSL grid (origin x −18 041 000, y 9 000 000: all edges are multiples of 100 m), as the
  GHS-BUILT-S R2023A product;
* ``GHS_POP_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif`` — residents per cell, Float32,
  NoData −200, same grid, as GHS-POP R2023A;
* ``Copernicus_DSM_COG_30_N{lat}_00_E{lon}_00_DEM.tif`` — elevation [m], Float32, EPSG:4326,
  3″ in latitude and 3″ in longitude below 50° (4.5″ at 50–60°, as the GLO-90 tiles), pixel
  centres on whole multiples of the spacing. Unlike a real 1°×1° tile it covers only the city
  (its study grid plus a 1 km margin); the name is the tile holding the city centre.
* ``demo.json`` — version, epochs, grid parameters and the city facts used (the cache key).

The GHSL rasters cover the city grid's footprint in Mollweide plus 1 km. Population and
built-up are zero outside the city grid shrunk by 1.5 km, so that a reader putting them onto
the city grid (``CityGrid.resample(kind="count")``) finds the whole total.

Every file is tagged ``synthetic=true`` and says "synthetic demo data — not real".

The urban model (see :func:`urban_layers`): a Clark (1951) negative-exponential potential from
the centre, 2–4 sub-centres, 4–8 radial roads, smooth noise and a few leapfrog patches,
restricted to buildable land (no sea, no river channel, slope ≤ 15 %). The built-up area of
each epoch is the catalogue population divided by an Atlas-of-Urban-Expansion-like density
(about 85–125 persons/ha in 1990, falling 1.6 %/yr), so the extent is the set of buildable
cells whose potential passes a threshold that only ever falls: growth is monotone and shows
infill, edge extension, growth along roads and leapfrogging. Population is proportional to
built-up surface times a residential intensity that is higher in the old core, and is scaled
to the catalogue population of the epoch exactly.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from scipy.special import ndtri

from ..catalog import City
from ..grid import CityGrid, for_city
from .terrain import SLOPE_LIMIT, CityModel, SmoothNoise, city_seed, rng_for

__all__ = [
    "BUILT_DTYPE",
    "BUILT_NODATA",
    "DEFAULT_EPOCHS",
    "DEMO_VERSION",
    "DEM_DTYPE",
    "DESCRIPTION",
    "GHSL_CRS",
    "GHSL_RES",
    "POP_DTYPE",
    "POP_NODATA",
    "built_name",
    "city_grid",
    "city_model",
    "dem_grid",
    "dem_name",
    "generate",
    "generate_city",
    "mollweide_grid",
    "pop_name",
    "urban_layers",
]

DEMO_VERSION = "5"
#: environment layers written beside the GHSL ones (see demo/environment.py)
ENV_KEYS = ("landcover_2021", "ndvi_2020", "pm25_2020", "lst_2020", "lights_2014", "lights_2020",
            "gdp_2020")
DEFAULT_EPOCHS = (1990, 2000, 2010, 2020)

GHSL_CRS = "ESRI:54009"
GHSL_RES = 100.0
GHSL_ORIGIN = (-18_041_000.0, 9_000_000.0)
BUILT_DTYPE, BUILT_NODATA = "uint16", 65535
POP_DTYPE, POP_NODATA = "float32", -200.0
DEM_DTYPE = "float32"
DEM_ARCSEC = 3.0
MARGIN_M = 1000.0
SHRINK_M = 1500.0
DESCRIPTION = "synthetic demo data — not real"


# -- names ------------------------------------------------------------------------------------
def built_name(epoch: int) -> str:
    return f"GHS_BUILT_S_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif"


def pop_name(epoch: int) -> str:
    return f"GHS_POP_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif"


def dem_name(lat: float, lon: float) -> str:
    la, lo = math.floor(lat), math.floor(lon)
    ns, ew = ("N" if la >= 0 else "S"), ("E" if lo >= 0 else "W")
    return f"Copernicus_DSM_COG_30_{ns}{abs(la):02d}_00_{ew}{abs(lo):03d}_00_DEM.tif"


# -- grids ------------------------------------------------------------------------------------
def _populations(city: City, epochs: Iterable[int]) -> dict[int, float]:
    return {int(e): float(city.population_at(int(e))[0]) for e in epochs}


def city_grid(city: City, *, res_m: float = 100.0, buffer_km: float = 3.0,
              design_density: float = 40.0, size_factor: float = 2.0,
              epochs: Sequence[int] = DEFAULT_EPOCHS) -> CityGrid:
    """The city's study grid, sized for its largest population over ``epochs`` (the same
    grid the pipeline uses: :func:`carlcities.grid.for_city`)."""
    return for_city(city, res_m=res_m, buffer_km=buffer_km, design_density=design_density,
                    size_factor=size_factor, epochs=tuple(epochs))


def city_model(city: City, grid: CityGrid, epochs: Sequence[int] = DEFAULT_EPOCHS) -> CityModel:
    """The synthetic landscape of a city (shared by every demo layer)."""
    pmax = max(_populations(city, epochs).values())
    half = grid.width * grid.res / 2.0
    return CityModel(city.city_id, city.setting, city.elevation_m, half,
                     _urban_radius(pmax, _density(city, max(epochs))))


def mollweide_grid(grid: CityGrid) -> tuple[Affine, int, int]:
    """(transform, width, height) of the GHSL-aligned 100 m Mollweide window over the grid."""
    left, bottom, right, top = grid.footprint(GHSL_CRS)
    ox, oy = GHSL_ORIGIN
    c0 = math.floor((left - MARGIN_M - ox) / GHSL_RES)
    c1 = math.ceil((right + MARGIN_M - ox) / GHSL_RES)
    r0 = math.floor((oy - top - MARGIN_M) / GHSL_RES)
    r1 = math.ceil((oy - bottom + MARGIN_M) / GHSL_RES)
    tr = Affine(GHSL_RES, 0.0, ox + c0 * GHSL_RES, 0.0, -GHSL_RES, oy - r0 * GHSL_RES)
    return tr, c1 - c0, r1 - r0


def _lon_spacing_factor(lat: float) -> float:
    """Copernicus GLO-90 longitude spacing relative to latitude spacing, by latitude band."""
    a = abs(lat)
    for lim, f in ((50, 1.0), (60, 1.5), (70, 2.0), (80, 3.0), (85, 5.0)):
        if a < lim:
            return f
    return 10.0


def dem_grid(grid: CityGrid) -> tuple[Affine, int, int]:
    """(transform, width, height) of the 3″ EPSG:4326 DEM window over the grid (+1 km)."""
    west, south, east, north = grid.footprint(4326)
    dy = DEM_ARCSEC / 3600.0
    dx = dy * _lon_spacing_factor(grid.lat)
    mlat = MARGIN_M / 111_320.0
    mlon = MARGIN_M / (111_320.0 * math.cos(math.radians(grid.lat)))
    c0 = math.floor((west - mlon) / dx + 0.5)
    c1 = math.ceil((east + mlon) / dx + 0.5)
    r0 = math.floor(-(north + mlat) / dy + 0.5)
    r1 = math.ceil(-(south - mlat) / dy + 0.5)
    tr = Affine(dx, 0.0, (c0 - 0.5) * dx, 0.0, -dy, -(r0 - 0.5) * dy)
    return tr, c1 - c0, r1 - r0


def _local_coords(tr: Affine, width: int, height: int, src_crs: Any,
                  grid: CityGrid) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a raster as local (u east, v north) [m] from the city centre (UTM)."""
    cols = tr.c + (np.arange(width) + 0.5) * tr.a
    rows = tr.f + (np.arange(height) + 0.5) * tr.e
    xx, yy = np.meshgrid(cols, rows)
    t = Transformer.from_crs(CRS.from_user_input(src_crs), grid.crs, always_xy=True)
    x, y = t.transform(xx, yy)
    cx, cy = grid.centre_xy()
    return np.asarray(x) - cx, np.asarray(y) - cy


# -- the urban model --------------------------------------------------------------------------
def _density(city: City, epoch: int) -> float:
    """Built-up-area density [persons/ha] aimed at for an epoch (Atlas-like, falling in time)."""
    rng = rng_for(city.city_id, "density")
    d1990 = (100.0 + (25.0 if city.is_capital else 0.0)) * float(rng.uniform(0.85, 1.15))
    return d1990 * math.exp(-0.016 * (epoch - 1990))


def _urban_radius(pop: float, density: float) -> float:
    return math.sqrt(pop / density * 1.0e4 / math.pi)


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def urban_layers(city: City, grid: CityGrid, model: CityModel, u: np.ndarray, v: np.ndarray,
                 epochs: Sequence[int]) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict]:
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
        _, nr = model.rivers[0].frame(u, v)
        return np.maximum(np.abs(nr) - model.oasis_width, 0.0) / 1500.0
    if st == "steppe_river":
        _, nr = model.rivers[0].frame(u, v)
        _, nc = model.rivers[0].frame(np.zeros(1), np.zeros(1))
        return 0.6 * (np.sign(nr) != np.sign(nc[0]))
    return np.zeros(np.shape(u))


def _buildable(model: CityModel, surf: Any, u: np.ndarray, v: np.ndarray,
               green_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(buildable land: no sea, no river channel, no steep slope; the green corridor of
    ``green_m`` [m] along the rivers beyond their channels)."""
    river = np.zeros(np.shape(u), dtype=bool)
    corridor = np.zeros(np.shape(u), dtype=bool)
    for rv in model.rivers:
        d = rv.distance(u, v)
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
    pops = _populations(city, epochs)
    dens = {e: _density(city, e) for e in epochs}
    target = {}
    run = 0
    for e in epochs:
        run = max(run, round(pops[e] / dens[e]))
        target[e] = run
    R = _urban_radius(max(pops.values()), dens[epochs[-1]])
    b = R / 3.0  # Clark gradient length
    rng = rng_for(cid, "urban")
    ext = model.extent

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
            rng_for(cid, "village-n"), (-half - 3000.0, -half - 3000.0, half + 3000.0, half + 3000.0),
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
                           np.where(rad[i_v] > 0, 0.12 * np.exp(-np.clip(d_v - rad[i_v] * v_n, 0, None) / 100.0), 0.0))
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


# -- writing ----------------------------------------------------------------------------------
def _write(path: Path, arr: np.ndarray, tr: Affine, crs: Any, dtype: str, nodata: float | None,
           tags: dict[str, str]) -> None:
    h, w = arr.shape
    prof: dict[str, Any] = {"driver": "GTiff", "width": w, "height": h, "count": 1, "dtype": dtype,
                                "crs": CRS.from_user_input(crs), "transform": tr, "tiled": True,
                                "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    if nodata is not None:
        prof["nodata"] = nodata
    tmp = path.with_name(path.name + ".part")
    with rasterio.open(tmp, "w", **prof) as dst:
        dst.write(arr.astype(dtype), 1)
        dst.update_tags(**tags, TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION)
        dst.set_band_description(1, f"{tags.get('product', '')} — {DESCRIPTION}")
    os.replace(tmp, path)


def _tags(city: City, product: str, epoch: int | None = None, **extra: Any) -> dict[str, str]:
    t = {"synthetic": "true", "carlcities_demo_version": DEMO_VERSION, "city_id": city.city_id,
             "product": product, "description": DESCRIPTION}
    if epoch is not None:
        t["epoch"] = str(epoch)
    t.update({k: str(v) for k, v in extra.items()})
    return t


EXTRAS = ("environment", "osm", "hazards")
#: demo hazard layers every city gets (mudflow fans only at mountain fronts)
HAZARD_KEYS = ("flood_depth_rp10", "flood_depth_rp50", "flood_depth_rp100", "flood_depth_rp500",
               "vs30", "tmax_daily")


def generate_city(city: City, out_dir: Path, *, epochs: Sequence[int] = DEFAULT_EPOCHS,
                  res_m: float = 100.0, extras: Sequence[str] = EXTRAS,
                  **grid_kw: Any) -> dict[str, Path]:
    """Write the demo layers of one city into ``out_dir/<city_id>/`` (always rewrites).

    Returns paths keyed ``builtup_{epoch}``, ``population_{epoch}`` and ``dem``.
    """
    epochs = tuple(sorted(int(e) for e in epochs))
    d = Path(out_dir) / city.city_id
    d.mkdir(parents=True, exist_ok=True)
    grid = city_grid(city, res_m=res_m, epochs=epochs, **grid_kw)
    model = city_model(city, grid, epochs)
    paths: dict[str, Path] = {}

    tr, w, h = mollweide_grid(grid)
    tr_m = tr
    u, v = _local_coords(tr, w, h, GHSL_CRS, grid)
    shares, pops, diag = urban_layers(city, grid, model, u, v, epochs)
    for e in epochs:
        built = np.rint(shares[e] * GHSL_RES * GHSL_RES).astype(np.uint16)
        p = d / built_name(e)
        _write(p, built, tr, GHSL_CRS, BUILT_DTYPE, BUILT_NODATA,
               _tags(city, "GHS_BUILT_S", e, units="m2 of built-up surface per 100 m cell"))
        paths[f"builtup_{e}"] = p
        p = d / pop_name(e)
        _write(p, pops[e].astype(np.float32), tr, GHSL_CRS, POP_DTYPE, POP_NODATA,
               _tags(city, "GHS_POP", e, units="residents per 100 m cell"))
        paths[f"population_{e}"] = p

    tr, w, h = dem_grid(grid)
    u, v = _local_coords(tr, w, h, 4326, grid)
    z = model.elevation(u, v).astype(np.float32)
    p = d / dem_name(city.lat, city.lon)
    _write(p, z, tr, 4326, DEM_DTYPE, None,
           _tags(city, "COP-DEM", units="m above EGM2008",
                 coverage="city study grid plus 1 km, not the full 1x1 degree tile"))
    paths["dem"] = p
    if extras:
        keep = sorted({min(epochs, key=lambda e: (abs(e - y), -e)) for y in (2014, 2020, 2021)}
                      | set(sorted(e for e in epochs if e <= 2014)[-1:]))
        sh_g = {e: grid.resample(shares[e], tr_m, GHSL_CRS, "fraction") for e in keep}
        pop_g = {e: grid.resample(pops[e], tr_m, GHSL_CRS, "count") for e in keep}
    if "environment" in extras:  # environment and economy products (issue 4)
        from .environment import write_environment_layers

        dem_g = grid.resample(z, tr, 4326, "fraction")
        gu, gv = _local_coords(grid.transform, grid.width, grid.height, grid.crs, grid)
        water_g = model.river(gu, gv) | model.sea(gu, gv)
        paths.update(write_environment_layers(city, grid, d.parent, sh_g, pop_g, dem_g,
                                              city.setting, water=water_g))
    if "osm" in extras:  # street network and destinations as an OSM PBF (issue 3)
        from .streets import write_osm

        paths["osm"] = write_osm(city, grid, d, sh_g, pop_g, epochs)
    if "hazards" in extras:  # flood depths, mudflow fans, Vs30, daily Tmax (issue 5)
        from .hazards import write_hazard_layers

        last = max(pop_g)
        paths.update(write_hazard_layers(city, grid, model, d.parent, population=pop_g[last],
                                         builtup=sh_g[last]))

    meta = _sidecar(city, epochs, res_m, grid_kw)
    meta["files"] = {k: v.name for k, v in paths.items()}
    meta["diagnostics"] = {k: (v if k != "epochs" else {str(e): x for e, x in v.items()})
                           for k, v in diag.items()}
    meta["terrain"] = model.params
    tmp = d / "demo.json.part"
    tmp.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, d / "demo.json")
    return paths


def _sidecar(city: City, epochs: Sequence[int], res_m: float, grid_kw: dict[str, Any]) -> dict:
    kw = {"buffer_km": 3.0, "design_density": 40.0, "size_factor": 2.0}
    kw.update(grid_kw)
    pops = _populations(city, epochs)
    return {
        "carlcities_demo_version": DEMO_VERSION, "synthetic": True, "epochs": list(epochs),
        "grid": dict(res_m=float(res_m), **{k: float(v) for k, v in sorted(kw.items())}),
        "city": {"city_id": city.city_id, "lat": city.lat, "lon": city.lon, "setting": city.setting,
                  "elevation_m": None if math.isnan(city.elevation_m) else city.elevation_m,
                  "is_capital": city.is_capital,
                  "population": {str(e): round(p, 3) for e, p in pops.items()}},
    }


_KEY_FIELDS = ("carlcities_demo_version", "epochs", "grid", "city")


def _cached(city: City, d: Path, epochs: Sequence[int], res_m: float,
            grid_kw: dict[str, Any], extras: Sequence[str] = EXTRAS) -> dict[str, Path] | None:
    f = d / "demo.json"
    try:
        meta = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    want = json.loads(json.dumps(_sidecar(city, epochs, res_m, grid_kw)))
    if any(meta.get(k) != want[k] for k in _KEY_FIELDS):
        return None
    paths = {k: d / name for k, name in meta.get("files", {}).items()}
    expected = ({f"builtup_{e}" for e in epochs} | {f"population_{e}" for e in epochs} | {"dem"}
                | (set(ENV_KEYS) if "environment" in extras else set())
                | ({"osm"} if "osm" in extras else set())
                | (set(HAZARD_KEYS) if "hazards" in extras else set()))
    if not expected <= set(paths) or not all(p.is_file() for p in paths.values()):
        return None
    return paths


def generate(out_dir: str | Path, cities: Iterable[City], *,
             epochs: Sequence[int] = DEFAULT_EPOCHS,
             progress: Callable[[str], None] | None = None, res_m: float = 100.0,
             workers: int = 1, extras: Sequence[str] = EXTRAS,
             **grid_kw: Any) -> dict[str, dict[str, Path]]:
    """Write the demo region for ``cities``; a city already written with the same version,
    epochs, grid parameters and city facts is skipped. ``workers`` > 1 writes cities in that
    many processes. Returns paths per city id."""
    out = Path(out_dir)
    epochs = tuple(sorted(int(e) for e in epochs))
    result: dict[str, dict[str, Path]] = {}
    todo: list[City] = []
    cities = list(cities)
    for city in cities:
        hit = _cached(city, out / city.city_id, epochs, res_m, grid_kw, extras)
        if hit is not None:
            result[city.city_id] = hit
            if progress:
                progress(f"{city.city_id}: cached")
        else:
            todo.append(city)
    if workers > 1 and len(todo) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                 mp_context=mp.get_context("spawn")) as ex:
            futs = {ex.submit(generate_city, c, out, epochs=epochs, res_m=res_m, extras=extras,
                              **grid_kw): c
                    for c in todo}
            for fut in as_completed(futs):
                cid = futs[fut].city_id
                result[cid] = fut.result()
                if progress:
                    progress(f"{cid}: written")
    else:
        for city in todo:
            result[city.city_id] = generate_city(city, out, epochs=epochs, res_m=res_m,
                                                 extras=extras, **grid_kw)
            if progress:
                progress(f"{city.city_id}: written")
    return {c.city_id: result[c.city_id] for c in cities}
