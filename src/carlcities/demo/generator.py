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

import contextlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

from ..catalog import City
from ..files import write_atomic
from ..grid import CityGrid, for_city
from .common import (
    DEMO_VERSION,
    DESCRIPTION,
    GHSL_CRS,
    GHSL_ORIGIN,
    GHSL_PROJ,
    GHSL_RES,
    MARGIN_M,
    local_coords,
    populations,
    synthetic_tags,
    write_geotiff,
)
from .terrain import CityModel
from .urban import density, urban_layers, urban_radius

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

#: environment layers written beside the GHSL ones (see demo/environment.py)
ENV_KEYS = ("landcover_2021", "ndvi_2020", "pm25_2020", "lst_2020", "lights_2014", "lights_2020",
            "gdp_2020")
DEFAULT_EPOCHS = (1990, 2000, 2010, 2020)

BUILT_DTYPE, BUILT_NODATA = "uint16", 65535
POP_DTYPE, POP_NODATA = "float32", -200.0
DEM_DTYPE = "float32"
DEM_ARCSEC = 3.0


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
def city_grid(city: City, *, res_m: float = 100.0, buffer_km: float = 3.0,
              design_density: float = 40.0, size_factor: float = 2.0,
              epochs: Sequence[int] = DEFAULT_EPOCHS) -> CityGrid:
    """The city's study grid, sized for its largest population over ``epochs`` (the same
    grid the pipeline uses: :func:`carlcities.grid.for_city`)."""
    return for_city(city, res_m=res_m, buffer_km=buffer_km, design_density=design_density,
                    size_factor=size_factor, epochs=tuple(epochs))


def city_model(city: City, grid: CityGrid, epochs: Sequence[int] = DEFAULT_EPOCHS) -> CityModel:
    """The synthetic landscape of a city (shared by every demo layer)."""
    pmax = max(populations(city, epochs).values())
    half = grid.width * grid.res / 2.0
    return CityModel(city.city_id, city.setting, city.elevation_m, half,
                     urban_radius(pmax, density(city, max(epochs))))


def mollweide_grid(grid: CityGrid) -> tuple[Affine, int, int]:
    """(transform, width, height) of the GHSL-aligned 100 m Mollweide window over the grid."""
    left, bottom, right, top = grid.footprint(GHSL_PROJ)
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
    u, v = local_coords(tr, w, h, GHSL_PROJ, grid)
    shares, pops, diag = urban_layers(city, grid, model, u, v, epochs)
    for e in epochs:
        built = np.rint(shares[e] * GHSL_RES * GHSL_RES).astype(np.uint16)
        p = d / built_name(e)
        write_geotiff(p, built, tr, GHSL_CRS, BUILT_DTYPE, BUILT_NODATA,
                      synthetic_tags(city, "GHS_BUILT_S", e,
                                     units="m2 of built-up surface per 100 m cell"))
        paths[f"builtup_{e}"] = p
        p = d / pop_name(e)
        write_geotiff(p, pops[e].astype(np.float32), tr, GHSL_CRS, POP_DTYPE, POP_NODATA,
                      synthetic_tags(city, "GHS_POP", e, units="residents per 100 m cell"))
        paths[f"population_{e}"] = p

    tr, w, h = dem_grid(grid)
    u, v = local_coords(tr, w, h, 4326, grid)
    z = model.elevation(u, v).astype(np.float32)
    p = d / dem_name(city.lat, city.lon)
    write_geotiff(p, z, tr, 4326, DEM_DTYPE, None,
                  synthetic_tags(city, "COP-DEM", units="m above EGM2008",
                                 coverage="city study grid plus 1 km, not the full 1x1 degree "
                                          "tile"))
    paths["dem"] = p
    if extras:
        keep = sorted({min(epochs, key=lambda e: (abs(e - y), -e)) for y in (2014, 2020, 2021)}
                      | set(sorted(e for e in epochs if e <= 2014)[-1:]))
        # the epochs of a layer in one warp (a Mollweide warp costs ~25 ms to set up)
        sh_g = dict(zip(keep, grid.resample(np.stack([shares[e] for e in keep]), tr_m, GHSL_PROJ,
                                            "fraction")))
        pop_g = dict(zip(keep, grid.resample(np.stack([pops[e] for e in keep]), tr_m, GHSL_PROJ,
                                             "count")))
    if "environment" in extras:  # environment and economy products (issue 4)
        from .environment import write_environment_layers

        dem_g = grid.resample(z, tr, 4326, "fraction")
        gu, gv = local_coords(grid.transform, grid.width, grid.height, grid.crs, grid)
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
    write_atomic(d / "demo.json", json.dumps(meta, indent=1, sort_keys=True))
    return paths


def _sidecar(city: City, epochs: Sequence[int], res_m: float, grid_kw: dict[str, Any]) -> dict:
    kw = {"buffer_km": 3.0, "design_density": 40.0, "size_factor": 2.0}
    kw.update(grid_kw)
    pops = populations(city, epochs)
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


@contextlib.contextmanager
def _city_lock(out: Path, city_id: str) -> Iterator[None]:
    """An exclusive ``flock`` on ``out/.locks/CITY.lock`` (no lock where flock is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    d = out / ".locks"
    d.mkdir(parents=True, exist_ok=True)
    with open(d / f"{city_id}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


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
    if len(todo) == 1:
        # one city (a run's worker): under the city's lock, so that two runs sharing a demo
        # cache never write it at once; the second finds it written
        city = todo[0]
        with _city_lock(out, city.city_id):
            hit = _cached(city, out / city.city_id, epochs, res_m, grid_kw, extras)
            result[city.city_id] = hit if hit is not None else generate_city(
                city, out, epochs=epochs, res_m=res_m, extras=extras, **grid_kw)
        if progress:
            progress(f"{city.city_id}: {'cached' if hit is not None else 'written'}")
    elif workers > 1 and len(todo) > 1:
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
