"""Urban environment indicators (theme ``environment``): green space, air quality, heat.

Pure functions of zone aggregates (coverage-weighted sums over the study area or a district,
see :mod:`carlcities.zonal`); :func:`compute_environment` is the pipeline step that reads the
layers, forms the aggregates and evaluates both this theme and ``economy``.

Definitions
-----------
* Green space: land-cover cells of ESA WorldCover classes tree cover, shrubland, grassland,
  herbaceous wetland and mangroves (:data:`carlcities.io.environment.GREEN_CLASSES`; cropland
  is left out), as the green share of each grid cell. Without land cover, cells with NDVI ≥ 0.3
  count as green (and the rows say so).
* Access to green space (WHO Regional Office for Europe 2016): a resident has access when the
  centre of their cell lies within ``green_access_m`` [m] of a cell of a green patch of at
  least ``green_min_ha`` [ha] (patches: 8-connected cells at least half green; area = Σ green
  share × cell area). All green space is counted, public or not (land cover cannot tell).
* PM2.5: population-weighted mean Σ wᵢⱼpⱼxⱼ / Σ wᵢⱼpⱼ [µg/m³]; shares of residents in cells
  whose annual mean exceeds the WHO 2021 air-quality guideline (5 µg/m³) and interim targets
  IT-1 35, IT-2 25, IT-3 15, IT-4 10 µg/m³ (strictly above).
* Surface urban heat island (SUHI) [K] = mean land-surface temperature of the zone's part of
  the urban extent − mean over the city's rural ring: cells outside the extent whose centre
  lies more than ``rural_ring_inner_km`` and at most ``rural_ring_outer_km`` from the extent,
  neither built-up nor water.

References
----------
WHO (2021). *WHO global air quality guidelines: particulate matter (PM2.5 and PM10), ozone,
nitrogen dioxide, sulfur dioxide and carbon monoxide*. Geneva: World Health Organization.
ISBN 978-92-4-003422-8.

WHO Regional Office for Europe (2016). *Urban green spaces and health: a review of evidence*.
Copenhagen.

Peng, S. et al. (2012). Surface urban heat island across 419 global big cities. *Environmental
Science & Technology* 46(2):696–703. doi:10.1021/es2030438

Zanaga, D. et al. (2022). ESA WorldCover 10 m 2021 v200. doi:10.5281/zenodo.7254221
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from carlcities.indicators.registry import IndicatorResult, divide, indicator, percent

if TYPE_CHECKING:
    from carlcities._epochs import EpochData

__all__ = ["EnvResult", "environment_settings", "WHO_AQG", "WHO_INTERIM", "LST_THRESHOLDS",
           "compute_environment", "green_access_mask", "rural_ring", "nearest_epoch"]

WHO_REF = "WHO (2021) global air quality guidelines, ISBN 978-92-4-003422-8"
GREEN_REF = ("WHO Regional Office for Europe (2016) Urban green spaces and health; "
             "ESA WorldCover 2021 v200 (Zanaga et al. 2022)")
SUHI_REF = "Peng et al. (2012) Environ. Sci. Technol. 46:696, doi:10.1021/es2030438"
#: WHO 2021 annual PM2.5 air-quality guideline [µg/m³]
WHO_AQG = 5.0
#: WHO 2021 annual PM2.5 interim targets IT-1 … IT-4 [µg/m³]
WHO_INTERIM = {1: 35.0, 2: 25.0, 3: 15.0, 4: 10.0}
#: land-surface temperature thresholds that have registered indicators [°C]
LST_THRESHOLDS = (30, 35, 40, 45, 50)

def environment_settings(cfg: Any = None) -> dict[str, Any]:
    """The environment and economy settings of a configuration (the bundled default's when
    ``cfg`` is None): every value comes from :data:`carlcities.config.SETTINGS`."""
    if cfg is None:
        from carlcities.config import default_config

        cfg = default_config()
    e = cfg.environment
    return dict(green_min_ha=e.green_min_ha, green_access_m=e.green_access_m,
                rural_ring_inner_km=e.rural_ring_inner_km,
                rural_ring_outer_km=e.rural_ring_outer_km,
                lst_thresholds_c=list(e.lst_thresholds_c), lst_min_coverage=e.lst_min_coverage,
                centre_radius_km=cfg.economy.centre_radius_km)


# --------------------------------------------------------------------------- green space
@indicator(
    "environment.green_share",
    name_en="Green share of the urban extent",
    name_ru="Доля зелёных насаждений в городском ареале",
    unit="%",
    inputs=("green_extent_ha", "extent_env_ha"),
    reference=GREEN_REF,
    method="green land-cover area in the urban extent / extent area × 100",
    higher_is="better",
)
def green_share(green_extent_ha: float, extent_env_ha: float) -> IndicatorResult:
    """Green share of the urban extent [%] = 100 · green area / extent area [ha/ha]."""
    return percent(green_extent_ha, extent_env_ha, "urban extent area")


@indicator(
    "environment.green_per_person",
    name_en="Green area per person",
    name_ru="Площадь зелёных насаждений на жителя",
    unit="m²/person",
    inputs=("green_extent_ha", "population_extent_env"),
    reference=GREEN_REF,
    method="green land-cover area in the urban extent [m²] / residents of the extent",
    higher_is="better",
)
def green_per_person(green_extent_ha: float, population_extent_env: float) -> IndicatorResult:
    """Green area per resident of the urban extent [m²/person] = 10 000 · green [ha] / pop."""
    return divide(green_extent_ha * 1.0e4, population_extent_env, "population of the extent")


@indicator(
    "environment.green_access",
    name_en="Population within 300 m of green space",
    name_ru="Население в пределах 300 м от зелёных зон",
    unit="%",
    inputs=("population_green_access", "population_env"),
    reference=GREEN_REF,
    method="share of residents whose cell centre lies within the access distance (300 m) of a "
           "green patch of at least 0.5 ha",
    higher_is="better",
)
def green_access(population_green_access: float, population_env: float) -> IndicatorResult:
    """Share of residents with green space of ≥ 0.5 ha within 300 m [%] (WHO Europe 2016)."""
    return percent(population_green_access, population_env, "population")


@indicator(
    "environment.ndvi_mean",
    name_en="Mean NDVI of the urban extent",
    name_ru="Средний NDVI городского ареала",
    unit="index",
    inputs=("ndvi_extent_sum", "ndvi_extent_cells"),
    reference="Tucker (1979) Remote Sens. Environ. 8:127; MODIS MOD13 (Didan 2021)",
    method="coverage-weighted mean NDVI over the cells of the urban extent",
    higher_is="better",
)
def ndvi_mean(ndvi_extent_sum: float, ndvi_extent_cells: float) -> IndicatorResult:
    """Mean NDVI [index, −1…1] over the urban extent: Σ w·NDVI / Σ w."""
    return divide(ndvi_extent_sum, ndvi_extent_cells, "extent cells with NDVI")


# --------------------------------------------------------------------------- air quality
@indicator(
    "environment.pm25_pop_weighted",
    name_en="Population-weighted mean PM2.5",
    name_ru="Средневзвешенная по населению концентрация PM2.5",
    unit="µg/m³",
    inputs=("pm25_pop_sum", "pm25_pop"),
    reference="METHODS.md, Zonal statistics; van Donkelaar et al. (2021) "
              "doi:10.1021/acs.est.1c05309",
    method="Σ w·p·PM2.5 / Σ w·p over cells with a PM2.5 value (annual mean)",
    higher_is="worse",
)
def pm25_pop_weighted(pm25_pop_sum: float, pm25_pop: float) -> IndicatorResult:
    """Population-weighted annual mean PM2.5 [µg/m³] = Σ wᵢⱼpⱼxⱼ / Σ wᵢⱼpⱼ."""
    return divide(pm25_pop_sum, pm25_pop, "population with a PM2.5 value")


@indicator(
    "environment.pm25_above_aqg",
    name_en="Population above the WHO PM2.5 guideline (5 µg/m³)",
    name_ru="Население при PM2.5 выше рекомендации ВОЗ (5 мкг/м³)",
    unit="%",
    inputs=("pm25_pop_above_aqg", "pm25_pop"),
    reference=WHO_REF,
    method="share of residents in cells whose annual mean PM2.5 exceeds 5 µg/m³",
    higher_is="worse",
)
def pm25_above_aqg(pm25_pop_above_aqg: float, pm25_pop: float) -> IndicatorResult:
    """Share of residents above the WHO 2021 annual guideline of 5 µg/m³ [%]."""
    return percent(pm25_pop_above_aqg, pm25_pop, "population with a PM2.5 value")


def _register_interim(k: int, level: float) -> None:
    key = f"pm25_pop_above_it{k}"

    @indicator(
        f"environment.pm25_above_it{k}",
        name_en=f"Population above WHO PM2.5 interim target {k} ({level:g} µg/m³)",
        name_ru=f"Население при PM2.5 выше промежуточной цели ВОЗ {k} ({level:g} мкг/м³)",
        unit="%",
        inputs=(key, "pm25_pop"),
        reference=WHO_REF,
        method=f"share of residents in cells whose annual mean PM2.5 exceeds IT-{k}, "
               f"{level:g} µg/m³",
        higher_is="worse",
    )
    def above(pm25_pop: float, **kw: float) -> IndicatorResult:
        return percent(kw[key], pm25_pop, "population with a PM2.5 value")

    above.__doc__ = (f"Share of residents above WHO 2021 interim target IT-{k} ({level:g} "
                     "µg/m³) [%].")


for _k, _lvl in WHO_INTERIM.items():
    _register_interim(_k, _lvl)


# --------------------------------------------------------------------------- heat
@indicator(
    "environment.lst_mean",
    name_en="Mean land-surface temperature of the urban extent",
    name_ru="Средняя температура поверхности городского ареала",
    unit="°C",
    inputs=("lst_extent_sum", "lst_extent_cells"),
    reference="MODIS MOD11A2 v061 (Wan, Hook & Hulley 2021)",
    method="coverage-weighted mean land-surface temperature over the urban extent (summer day)",
    higher_is="worse",
)
def lst_mean(lst_extent_sum: float, lst_extent_cells: float) -> IndicatorResult:
    """Mean land-surface temperature of the urban extent [°C]: Σ w·LST / Σ w."""
    return divide(lst_extent_sum, lst_extent_cells, "extent cells with a temperature")


@indicator(
    "environment.suhi",
    name_en="Surface urban heat island intensity",
    name_ru="Интенсивность поверхностного городского острова тепла",
    unit="K",
    inputs=("lst_extent_sum", "lst_extent_cells", "lst_ring_mean"),
    reference=SUHI_REF,
    method="mean land-surface temperature of the urban extent − mean of the rural ring "
           "(2–5 km beyond the extent, not built-up, not water)",
    higher_is="worse",
)
def suhi(lst_extent_sum: float, lst_extent_cells: float, lst_ring_mean: float
         ) -> IndicatorResult:
    """SUHI [K] = mean LST of the urban extent − mean LST of the rural ring (Peng et al. 2012)."""
    m = divide(lst_extent_sum, lst_extent_cells, "extent cells with a temperature")
    if isinstance(m, tuple):
        return m
    if lst_ring_mean is None or not math.isfinite(float(lst_ring_mean)):
        return (None, "undefined: the rural ring has no temperature")
    return m - float(lst_ring_mean)


def _register_heat(t: int) -> None:
    key = f"lst_pop_above_{t}"

    @indicator(
        f"environment.lst_exposed_{t}c",
        name_en=f"Population exposed to land-surface temperature above {t} °C",
        name_ru=f"Население при температуре поверхности выше {t} °C",
        unit="%",
        inputs=(key, "lst_pop"),
        reference="MODIS MOD11A2 v061; threshold stated in environment.lst_thresholds_c",
        method=f"share of residents in cells whose land-surface temperature exceeds {t} °C",
        higher_is="worse",
    )
    def exposed(lst_pop: float, **kw: float) -> IndicatorResult:
        return percent(kw[key], lst_pop, "population with a temperature")

    exposed.__doc__ = f"Share of residents in cells with land-surface temperature > {t} °C [%]."


for _t in LST_THRESHOLDS:
    _register_heat(_t)


@indicator(
    "environment.lst_coverage",
    name_en="Land-surface temperature coverage",
    name_ru="Покрытие данными о температуре поверхности",
    unit="%",
    inputs=("lst_covered_cells", "lst_region_cells"),
    reference="carlcities quality check (cloud gaps and fill values)",
    method="share of the cells of the urban extent and rural ring with a valid temperature",
    zonal=False,
    higher_is="better",
)
def lst_coverage(lst_covered_cells: float, lst_region_cells: float) -> IndicatorResult:
    """Covered share [%] of the urban extent + rural ring by valid land-surface temperatures."""
    return percent(lst_covered_cells, lst_region_cells, "cells of the extent and ring")


# --------------------------------------------------------------------------- cell-level helpers
def nearest_epoch(year: int, epochs: list[int]) -> int:
    """The study epoch nearest to ``year`` (ties go to the later epoch)."""
    return min(epochs, key=lambda e: (abs(e - year), -e))


def green_access_mask(green: np.ndarray, res_m: float, *, min_ha: float = 0.5,
                      access_m: float = 300.0) -> np.ndarray:
    """Cells whose centre lies within ``access_m`` [m] of a green patch of ≥ ``min_ha`` [ha].

    ``green`` is the green share of each cell [0–1]; a patch is an 8-connected group of cells
    at least half green, its area Σ share × cell area [ha].
    """
    from scipy import ndimage

    g = np.nan_to_num(green, nan=0.0)
    core = g >= 0.5
    lab, n = ndimage.label(core, structure=np.ones((3, 3), bool))
    if n == 0:
        return np.zeros(g.shape, bool)
    area = ndimage.sum(g * (res_m * res_m / 1.0e4), lab, index=np.arange(1, n + 1))
    keep = np.r_[False, area >= min_ha - 1e-12]
    ok = keep[lab]
    if not ok.any():
        return np.zeros(g.shape, bool)
    dist = ndimage.distance_transform_edt(~ok) * res_m
    return dist <= access_m * (1 + 1e-9)


def rural_ring(extent: np.ndarray, res_m: float, inner_km: float, outer_km: float,
               exclude: np.ndarray | None = None) -> np.ndarray:
    """Cells outside ``extent`` whose centre lies more than ``inner_km`` and at most
    ``outer_km`` [km] from the nearest extent cell centre, minus ``exclude`` (built-up, water)."""
    from scipy import ndimage

    if not extent.any():
        return np.zeros(extent.shape, bool)
    d = ndimage.distance_transform_edt(~extent) * res_m
    ring = (~extent) & (d > inner_km * 1000.0) & (d <= outer_km * 1000.0 * (1 + 1e-9))
    if exclude is not None:
        ring &= ~exclude
    return ring


# --------------------------------------------------------------------------- the pipeline step
@dataclass
class EnvResult:
    """What :func:`compute_environment` gives the pipeline.

    ``rows``: indicator values (zone_id, indicator_id, epoch, epoch_start, value, flag, unit,
    source, method_version, synthetic); ``provenance``: one :meth:`Layer.provenance` dict per
    layer read; ``rasters``: name → (2-D array, unit, description) to write as COGs;
    ``notes``: what was assumed or refused; ``summary``: the main centre's location and the
    hottest districts.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    rasters: dict[str, tuple[np.ndarray, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _parse_inputs(inputs: dict[str, str]) -> dict[str, dict[int, str]]:
    from carlcities.io.environment import ENV_ROLES

    out: dict[str, dict[int, str]] = {}
    for k, p in inputs.items():
        role, _, y = k.rpartition("_")
        if role in ENV_ROLES and y.isdigit():
            out.setdefault(role, {})[int(y)] = p
    return {r: dict(sorted(d.items())) for r, d in out.items()}


def compute_environment(grid, inputs: dict[str, str], epochs_data: Mapping[int, EpochData],
                        weights, zone_ids: list[str], params: dict | None = None) -> EnvResult:
    """Read the environment and economy layers of one city and evaluate both themes.

    ``inputs``: paths keyed ``{role}_{year}`` (roles of
    :data:`carlcities.io.environment.ENV_ROLES`; other keys are ignored);
    ``epochs_data[epoch]`` = ``{'population': persons per cell, 'atlas': AtlasResult}``;
    ``weights``: :class:`~carlcities.zonal.CoverageWeights` over ``zone_ids`` ('city' first).
    A layer of year Y uses the population and urban extent of the study epoch nearest to Y,
    and its rows say so in their flag. Land-surface temperature that covers less than
    ``lst_min_coverage`` of the extent and ring is refused: its rows are undefined and the
    flag carries the reason.
    """
    from carlcities.errors import ConfigError, CoverageError
    from carlcities.indicators import atlas as A
    from carlcities.indicators import economy as econ
    from carlcities.indicators.registry import REGISTRY, evaluate
    from carlcities.io.environment import (
        NDVI_GREEN,
        WATER_CLASS,
        check_lst_coverage,
        green_fraction,
        read_environment_layer,
    )

    p = environment_settings()
    p.update({k: v for k, v in (params or {}).items() if v is not None})
    bad = [t for t in p["lst_thresholds_c"] if int(t) not in LST_THRESHOLDS or t != int(t)]
    if bad:
        raise ConfigError(f"environment.lst_thresholds_c has {bad}: no indicator is registered "
                          "for them", fix=f"choose among {list(LST_THRESHOLDS)} °C")
    res = EnvResult()
    files = _parse_inputs(inputs)
    if not files or not epochs_data:
        return res
    epochs = sorted(epochs_data)
    cell_ha = grid.cell_area_ha
    nz = len(zone_ids)

    def zsum(*layers: np.ndarray) -> np.ndarray:
        return weights.sum_many(np.stack([np.nan_to_num(a, nan=0.0).astype(np.float64).ravel()
                                          for a in layers], axis=1))

    def emit(values_per_zone: list[dict[str, Any]], year: int, start: int | None, ids: list[str],
             source: str, syn: bool, note: str | None, kind: str = "epoch",
             city_only: dict[str, Any] | None = None) -> None:
        for zi, zid in enumerate(zone_ids):
            inp = dict(values_per_zone[zi])
            if zid == "city" and city_only:
                inp.update(city_only)
            vals = evaluate(inp, kind=kind, zonal_only=zid != "city", ids=ids)
            for iid, v in vals.items():
                ind = REGISTRY[iid]
                flag = "; ".join(x for x in (v.flag, note) if x) or None
                res.rows.append(dict(zone_id=zid, indicator_id=iid, epoch=year,
                                     epoch_start=start, value=v.value, flag=flag, unit=ind.unit,
                                     source=source, method_version=ind.method_version,
                                     synthetic=syn))

    def context(year: int) -> tuple[int, np.ndarray, Any, str | None]:
        e = nearest_epoch(year, epochs)
        note = None if e == year else f"population and urban extent of {e} used for {year}"
        pop = np.nan_to_num(np.asarray(epochs_data[e]["population"], dtype=np.float64), nan=0.0)
        return e, pop, epochs_data[e]["atlas"], note

    def read(role: str, year: int, path: str):
        lay = read_environment_layer(path, grid, role, year=year)
        res.provenance.append(lay.provenance())
        src = f"{lay.info.product} {lay.info.version}" + (
            "; synthetic demo data" if lay.synthetic else "")
        return lay, src

    # --- green space (land cover; NDVI as fallback) and NDVI
    ndvi_layers: dict[int, Any] = {}
    for year, path in files.get("ndvi", {}).items():
        lay, src = read("ndvi", year, path)
        ndvi_layers[year] = (lay, src)
        e, pop, at, note = context(year)
        ext = at.extent
        agg = zsum(np.where(ext & np.isfinite(lay.data), lay.data, 0.0),
                   (ext & np.isfinite(lay.data)).astype(float))
        emit([dict(ndvi_extent_sum=float(a[0]), ndvi_extent_cells=float(a[1])) for a in agg],
             year, None, ["environment.ndvi_mean"], src, lay.synthetic, note)
        res.rasters[f"ndvi_{year}"] = (lay.data.astype("float32"), "NDVI",
                                       f"NDVI {year} ({lay.info.product})")
    green_src: dict[int, tuple[np.ndarray, str, bool, str | None]] = {}
    water_lc: dict[int, np.ndarray] = {}
    for year, path in files.get("landcover", {}).items():
        lay, src = read("landcover", year, path)
        gf = green_fraction(path, grid)
        green_src[year] = (gf, src, lay.synthetic, None)
        water_lc[year] = np.asarray(lay.data) == WATER_CLASS
        res.rasters[f"landcover_{year}"] = (np.asarray(lay.data).astype("int16"), "class",
                                            f"land cover {year} ({lay.info.product} codes)")
    for year, (lay, src) in ndvi_layers.items():
        if year not in green_src and not files.get("landcover"):
            gf = np.where(np.isfinite(lay.data), (lay.data >= NDVI_GREEN).astype(float), np.nan)
            green_src[year] = (gf, src, lay.synthetic, f"green = NDVI ≥ {NDVI_GREEN:g}")
    for year, (gf, src, syn, gnote) in sorted(green_src.items()):
        e, pop, at, note = context(year)
        ext = at.extent
        access = green_access_mask(gf, grid.res, min_ha=p["green_min_ha"],
                                   access_m=p["green_access_m"])
        agg = zsum(np.where(ext, gf, 0.0) * cell_ha, ext * cell_ha, pop * ext, pop * access, pop)
        rows = [dict(green_extent_ha=float(a[0]), extent_env_ha=float(a[1]),
                     population_extent_env=float(a[2]), population_green_access=float(a[3]),
                     population_env=float(a[4])) for a in agg]
        emit(rows, year, None, ["environment.green_share", "environment.green_per_person",
                                "environment.green_access"], src, syn,
             "; ".join(x for x in (gnote, note) if x) or None)
        res.rasters[f"green_{year}"] = (gf.astype("float32"), "share of cell",
                                        "green share of each cell (tree, shrub, grass, wetland)")

    # --- PM2.5
    for year, path in files.get("pm25", {}).items():
        lay, src = read("pm25", year, path)
        e, pop, at, note = context(year)
        x = lay.data
        ok = np.isfinite(x)
        pv = np.where(ok, pop, 0.0)
        layers = [np.where(ok, pop * x, 0.0), pv, pv * (x > WHO_AQG)]
        layers += [pv * (x > lvl) for lvl in WHO_INTERIM.values()]
        agg = zsum(*layers)
        rows = []
        for a in agg:
            d = dict(pm25_pop_sum=float(a[0]), pm25_pop=float(a[1]),
                     pm25_pop_above_aqg=float(a[2]))
            d.update({f"pm25_pop_above_it{k}": float(a[3 + i])
                      for i, k in enumerate(WHO_INTERIM)})
            rows.append(d)
        ids = ["environment.pm25_pop_weighted", "environment.pm25_above_aqg"] + [
            f"environment.pm25_above_it{k}" for k in WHO_INTERIM]
        emit(rows, year, None, ids, src, lay.synthetic, note)
        res.rasters[f"pm25_{year}"] = (x.astype("float32"), "µg/m³",
                                       f"annual mean PM2.5 {year} ({lay.info.product})")

    # --- land-surface temperature
    thresholds = [int(t) for t in p["lst_thresholds_c"]]
    for year, path in files.get("lst", {}).items():
        lay, src = read("lst", year, path)
        e, pop, at, note = context(year)
        ext = at.extent
        water = at.classes == A.WATER
        for wy, wm in water_lc.items():
            if abs(wy - year) <= 2:
                water = water | wm
        ring = rural_ring(ext, grid.res, p["rural_ring_inner_km"], p["rural_ring_outer_km"],
                          exclude=at.builtup | water)
        x = lay.data
        ok = np.isfinite(x)
        region = ext | ring
        cov_vals = dict(lst_covered_cells=float((ok & region).sum()),
                        lst_region_cells=float(region.sum()))
        ids_all = ["environment.lst_mean", "environment.suhi"] + [
            f"environment.lst_exposed_{t}c" for t in thresholds]
        emit([{}] * nz, year, None, ["environment.lst_coverage"], src, lay.synthetic, note,
             city_only=cov_vals)
        try:
            share = check_lst_coverage(x, region, p["lst_min_coverage"], path)
        except CoverageError as exc:
            reason = f"refused: {exc.message.splitlines()[0]}"
            res.notes.append(reason)
            for zid in zone_ids:
                for iid in ids_all:
                    ind = REGISTRY[iid]
                    res.rows.append(dict(zone_id=zid, indicator_id=iid, epoch=year,
                                         epoch_start=None, value=None, flag=reason,
                                         unit=ind.unit, source=src,
                                         method_version=ind.method_version,
                                         synthetic=lay.synthetic))
            continue
        ring_ok = ring & ok
        ring_mean = float(x[ring_ok].mean()) if ring_ok.any() else float("nan")
        pv = np.where(ok, pop, 0.0)
        layers = [np.where(ext & ok, x, 0.0), (ext & ok).astype(float), pv]
        layers += [pv * (x > t) for t in thresholds]
        agg = zsum(*layers)
        rows = []
        for a in agg:
            d = dict(lst_extent_sum=float(a[0]), lst_extent_cells=float(a[1]),
                     lst_ring_mean=ring_mean, lst_pop=float(a[2]))
            d.update({f"lst_pop_above_{t}": float(a[3 + i]) for i, t in enumerate(thresholds)})
            rows.append(d)
        ring_note = (f"rural ring {p['rural_ring_inner_km']:g}–{p['rural_ring_outer_km']:g} km "
                     f"beyond the extent ({int(ring_ok.sum())} cells); LST coverage "
                     f"{100 * share:.0f} %")
        emit(rows, year, None, ids_all, src, lay.synthetic,
             "; ".join(x for x in (note, ring_note) if x))
        # the hottest districts (zone mean LST over their part of the extent)
        means = {zid: r["lst_extent_sum"] / r["lst_extent_cells"]
                 for zid, r in zip(zone_ids, rows) if zid != "city" and r["lst_extent_cells"] > 0}
        res.summary[f"hottest_districts_{year}"] = sorted(means, key=lambda z: -means[z])[:5]
        res.rasters[f"lst_{year}"] = (x.astype("float32"), "°C",
                                      f"land-surface temperature {year} ({lay.info.product})")

    # --- economy: night lights and GDP
    econ.compute_economy(res, grid, files, context, read, zsum, emit, p, weights)
    return res
