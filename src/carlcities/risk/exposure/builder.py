"""Exposure on the city grid: population and built-up surface with the GEM mixes and
costs give buildings, floor area, values and occupants per cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError
from carlcities.risk.exposure.mixes import MIX_COLUMNS, density_split, load_typology_mix
from carlcities.risk.exposure.model import (
    CITY_UNITS,
    GEM_SOURCE,
    MACRO_CLASSES,
    OCCUPANCIES,
    QUANTITIES,
    Exposure,
    unplaced,
)

__all__ = ["build_exposure", "mix_unit", "to_lonlat"]


def mix_unit(city: Any, country_iso3: str) -> str:
    """The GEM unit whose class mix a city's grid exposure takes: its Adm1 unit
    (:data:`CITY_UNITS`), else its country."""
    return CITY_UNITS.get(str(getattr(city, "city_id", city)).lower(), country_iso3)


# ----------------------------------------------------------------------------- builder
def build_exposure(city: Any, grid: Any, population: np.ndarray, builtup_share: np.ndarray,
                   *, country_iso3: str, params: Any = None,
                   mix: str | Path | None = None,
                   occupancies: tuple[str, ...] = OCCUPANCIES,
                   positions: bool = True) -> Exposure:
    """Exposure of a city on its grid from population and built-up share.

    Steps (sources in brackets):

    1. residential floor area per cell [m²] = population [persons] × floor area per person
       [m²/person] (``floor_area_per_person`` of the carbon parameters: the same value the
       carbon module uses, GEM-derived or census, looked up city → country → region);
    2. commercial and industrial floor area [m²] = residential total × the GEM ratio of their
       floor area to residential floor area in the unit (GEM occupancy totals), placed in
       proportion to built-up surface [m²] (to population where there is none);
    3. class mix: the GEM shares of the city's Adm1 unit (:data:`CITY_UNITS`), else of its
       country (``meta['mix_level'] = 'country'``, ``meta['fallback'] = True``), split over
       cells by :func:`density_split` with the class totals kept;
    4. values [USD] = floor area × GEM cost per m² (structural, non-structural, contents) of
       the class; buildings = floor area / GEM floor area per building;
    5. occupants [persons]: residential — the cell's residents in proportion to floor area,
       times the GEM ratios of day, night and transit occupants to residents of the class;
       commercial and industrial — floor area × GEM occupants per m² at each time of day.

    Parameters
    ----------
    city : a catalogue ``City`` (``city_id``) or a city id.
    grid : :class:`carlcities.grid.CityGrid`.
    population : residents per cell [persons], ``grid.shape``.
    builtup_share : built-up share of each cell [-], ``grid.shape``.
    country_iso3 : the city's country (KAZ, KGZ, TJK, TKM, UZB).
    params : carbon :class:`~carlcities.carbon.parameters.Parameters` (default: bundled).
    mix : a unit id to force (``'KZ-ALA'``, ``'UZB'``) or a path to a CSV with the columns
        of ``data/typology_mix.csv``.
    occupancies : the occupancies to build (default all); the assets of the others are left
        out, those built are the same (commercial and industrial floor area still follows the
        residential total), e.g. ``('Com', 'Ind')`` where EMCA gives the residential assets.
    positions : False makes the exposure :meth:`~Exposure.without_positions` at once (the
        positions and storeys columns are never made: what the hazards on the grid need, at
        the peak of the build 0.1 GB less for Tashkent).

    References: Yepes-Estrada et al. (2023) (GEM exposure); Deming & Stephan (1940) (IPF).

    Raises
    ------
    ExposureError
        Grids of the wrong shape, negative or NaN population or shares, unknown unit.
    """
    from carlcities.carbon.parameters import load_parameters

    city_id = str(getattr(city, "city_id", city)).lower()
    pop = np.asarray(population, dtype=float)
    bu = np.asarray(builtup_share, dtype=float)
    for name, a in (("population", pop), ("builtup_share", bu)):
        if a.shape != tuple(grid.shape):
            raise ExposureError(f"{name} grid has shape {a.shape}, the city grid {grid.shape}",
                                path=name, fix="put the layer on the city grid first")
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ExposureError(f"{name} has NaN or negative cells", path=name,
                                fix="set nodata cells to 0 before building the exposure")
    params = params if params is not None else load_parameters()
    used: list[dict[str, Any]] = []
    fpp = params.number("floor_area_per_person", city_id, country_iso3, "m^2/person", used,
                        "residential floor area")
    mix_path: str | Path | None = None
    if mix is not None and (Path(str(mix)).suffix.lower() == ".csv"):
        mix_path, unit = mix, mix_unit(city_id, country_iso3)
        try:
            table = load_typology_mix(unit, mix_path)
        except ExposureError:
            unit = country_iso3
            table = load_typology_mix(unit, mix_path)
    elif mix is not None:
        unit = str(mix)
        table = load_typology_mix(unit)
    else:
        unit = mix_unit(city_id, country_iso3)
        table = load_typology_mix(unit)
    level = table["Res"][0]["level"] if "Res" in table else "country"
    fallback = level != "city"

    cell_m2 = float(grid.cell_area_m2)
    flat_pop = pop.ravel()
    flat_bu = bu.ravel() * cell_m2
    res_floor = flat_pop * fpp
    density = np.divide(flat_pop, flat_bu, out=flat_pop / cell_m2, where=flat_bu > 0)

    taxonomies = tuple(MACRO_CLASSES)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("site", "tax", "occ", "st", *QUANTITIES)}
    for occ in OCCUPANCIES:
        rows = table.get(occ)
        if not rows or occ not in occupancies:
            continue
        if occ == "Res":
            floor = res_floor
        else:
            total = float(res_floor.sum()) * rows[0]["floor_ratio_to_res"]
            weight = flat_bu if flat_bu.sum() > 0 else flat_pop
            floor = total * weight / weight.sum() if weight.sum() > 0 else weight * 0.0
        shares = np.array([r["share_floor_area"] for r in rows])
        A = density_split(floor, density, shares, [r["storeys_class"] for r in rows])
        cells, cls = np.nonzero(A > 0)
        area = A[cells, cls]
        r_arr = {c: np.array([r[c] for r in rows]) for c in MIX_COLUMNS[9:18]}
        parts["site"].append(cells)
        tax_of_row = np.array([taxonomies.index(r["class_id"]) for r in rows], dtype=np.int64)
        parts["tax"].append(tax_of_row[cls])
        parts["occ"].append(np.full(cells.size, occ))
        if positions:
            parts["st"].append(np.array([r["storeys_class"] for r in rows])[cls])
        apb = r_arr["area_per_building_m2"][cls]
        parts["buildings"].append(np.where(apb > 0, area / np.where(apb > 0, apb, 1), 0.0))
        parts["floor_area_m2"].append(area)
        for lt in ("structural", "nonstructural", "contents"):
            parts[f"value_{lt}"].append(area * r_arr[f"cost_{lt}_per_m2_usd"][cls])
        for tod in ("day", "night", "transit"):
            per_m2 = r_arr[f"occupants_{tod}_per_m2"][cls]
            if occ == "Res":
                census = r_arr["occupants_per_m2"][cls]
                ratio = np.divide(per_m2, census, out=np.zeros_like(per_m2), where=census > 0)
                residents = flat_pop[cells] * area / res_floor[cells]
                parts[f"occupants_{tod}"].append(residents * ratio)
            else:
                parts[f"occupants_{tod}"].append(area * per_m2)

    # one copy of each column at a time: the parts are dropped as they are joined, the joined
    # columns as they are ordered (three copies at once made Tashkent's worker peak 0.6 GB
    # higher; benchmarks/results/memory.json)
    cat = {k: (np.concatenate(parts.pop(k)) if parts[k] else np.empty(0)) for k in list(parts)}
    site = cat.pop("site").astype(np.int64)
    order = np.argsort(site, kind="stable")
    meta = dict(source=f"build_exposure({city_id})", unit=unit, mix_level=level,
                fallback=fallback, mix_source=str(mix_path or
                                                  "carlcities/risk/data/typology_mix.csv"),
                mix={occ: {f"{r['class_id']}/{r['storeys_class']}": r["share_floor_area"]
                           for r in rs} for occ, rs in table.items()},
                floor_area_per_person_m2=fpp, parameters_used=used, epsg=grid.epsg,
                grid_shape=tuple(grid.shape), density_rule="IPF on density percentile "
                "(multi: q, low: 1-q, mixed: 1)", attribution=GEM_SOURCE)
    at = site[order]
    del site
    if positions:
        xs, ys = (a.ravel() for a in grid.cell_centres())
        lon, lat = to_lonlat(xs, ys, grid.epsg)
        where: dict[str, np.ndarray] = dict(x=xs[at], y=ys[at], lon=lon[at], lat=lat[at],
                                            storeys=cat.pop("st")[order])
    else:
        where = unplaced(at.size)
    return Exposure(site=at, **where, taxonomy=cat.pop("tax").astype(np.int64)[order],
                    taxonomies=taxonomies, occupancy=cat.pop("occ")[order],
                    **{q: cat.pop(q)[order] for q in QUANTITIES}, meta=meta)


def to_lonlat(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    t = Transformer.from_crs(epsg, 4326, always_xy=True)
    lon, lat = t.transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)
