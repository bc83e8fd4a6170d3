"""River and flash flood: depth maps per return period, JRC depth–damage, losses and EAL.

Method
------
1. **Depth maps** [m] for return periods T [yr] are read windowed from GeoTIFFs in any CRS
   (:func:`read_flood_depth`) and put onto the city grid as an area-weighted mean
   (``CityGrid.resample(kind="fraction")``): nodata and NaN are *dry* (depth 0) — flood
   products mark cells outside the flood extent so. Values above 50 m (almost surely cm) and
   negative depths are refused.
2. **Damage fraction** of the exposed value by occupancy (residential, commercial,
   industrial) from the JRC global depth–damage functions for Asia (Huizinga, de Moel &
   Szewczyk 2017, JRC Technical Report EUR 28552 EN, doi:10.2760/16510), tabulated at
   0, 0.5, 1, 1.5, 2, 3, 4, 5, 6 m in ``risk/data/depth_damage_jrc_asia.csv``; linear
   interpolation between the points, the 6 m value (1.0) above 6 m (:func:`damage_fraction`).
3. **Loss** per map: Lₜ = Σ_cells Σ_occupancy value · damage_fraction(depthₜ) [USD];
   **affected** population and buildings: those in cells deeper than 0.15 m (the
   ``affected_depth_m`` threshold — a project choice, roughly ankle depth, where the JRC curves
   already give ~10 % damage); **EAL** [USD/yr] by
   :func:`carlcities.risk.metrics.eal_from_return_periods` (trapezoid over annual exceedance
   probability 1/T with the tails stated there: by default losses fall linearly to zero at the
   2-year event and the rarest map's loss is held beyond it — METHODS.md "Risk metrics").
4. **Climate**: under a scenario the flood frequency is multiplied by m (``climate_deltas.csv``,
   an *assumption* there): the depth map of the baseline T-year event is taken to be the
   T/m-year event (:func:`climate_adjusted_depths`), i.e. every exceedance probability is
   multiplied by m while the map itself is unchanged (a frequency shift, not a depth change).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import HazardError, InputFileError

__all__ = [
    "OCCUPANCIES",
    "AFFECTED_DEPTH_M",
    "MAX_PLAUSIBLE_DEPTH_M",
    "FloodResult",
    "load_depth_damage",
    "damage_fraction",
    "read_flood_depth",
    "read_flood_depths",
    "flood_losses",
    "flood_zone",
    "climate_adjusted_depths",
]

DATA = Path(__file__).with_name("data") / "depth_damage_jrc_asia.csv"
OCCUPANCIES = ("residential", "commercial", "industrial")
#: depth above which people and buildings count as affected [m] (project choice, see module doc)
AFFECTED_DEPTH_M = 0.15
#: depths above this are refused as probably in centimetres [m]
MAX_PLAUSIBLE_DEPTH_M = 50.0


# -- depth–damage ------------------------------------------------------------------------------
def load_depth_damage(path: str | Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """JRC depth–damage curves: occupancy → (depths [m], damage fractions [0–1]).

    Reference: Huizinga, J., de Moel, H., Szewczyk, W. (2017) Global flood depth-damage
    functions: methodology and the database with guidelines. JRC Technical Report EUR 28552 EN,
    doi:10.2760/16510 (continent Asia).
    """
    return dict(_curves(str(path) if path is not None else str(DATA)))


@lru_cache(maxsize=4)
def _curves(path: str) -> tuple[tuple[str, tuple[np.ndarray, np.ndarray]], ...]:
    p = Path(path)
    if not p.is_file():
        raise HazardError("depth-damage table not found", path=p,
                          fix="reinstall carlcities or give a CSV with columns occupancy, "
                              "depth_m, damage_fraction")
    pts: dict[str, list[tuple[float, float]]] = {}
    with open(p, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            try:
                d, y = float(r["depth_m"]), float(r["damage_fraction"])
            except (KeyError, ValueError) as exc:
                raise HazardError(f"line {i}: depth_m/damage_fraction missing or not a number",
                                  path=p, fix="write plain numbers in both columns") from exc
            if not 0.0 <= y <= 1.0:
                raise HazardError(f"line {i}: damage fraction {y} outside 0–1", path=p,
                                  fix="damage fractions are shares of the value (0–1)")
            pts.setdefault(r["occupancy"].strip(), []).append((d, y))
    out = []
    for occ, v in pts.items():
        v.sort()
        depth = np.array([a for a, _ in v])
        dmg = np.array([b for _, b in v])
        if np.any(np.diff(depth) <= 0) or np.any(np.diff(dmg) < 0):
            raise HazardError(f"curve {occ!r}: depths repeated or damage decreasing", path=p,
                              fix="one row per depth; damage must not fall with depth")
        out.append((occ, (depth, dmg)))
    return tuple(out)


def damage_fraction(depth_m: Any, occupancy: str = "residential", *,
                    path: str | Path | None = None) -> np.ndarray:
    """Damage fraction [0–1] of the exposed value at water depth ``depth_m`` [m].

    Linear interpolation of the JRC Asia curve of ``occupancy`` (Huizinga et al. 2017,
    doi:10.2760/16510) between its points at 0, 0.5, 1, 1.5, 2, 3, 4, 5, 6 m; 0 at depth 0,
    the 6 m value (1.0) for deeper water (the curve is flat there). NaN counts as dry (0).

    Raises :class:`~carlcities.errors.HazardError` for negative depths or an unknown occupancy.
    """
    curves = dict(_curves(str(path) if path is not None else str(DATA)))
    if occupancy not in curves:
        raise HazardError(f"no depth-damage curve for occupancy {occupancy!r}",
                          path=path or DATA, fix=f"use one of {', '.join(sorted(curves))}")
    d = np.nan_to_num(np.asarray(depth_m, dtype=np.float64), nan=0.0)
    if np.any(d < 0):
        raise HazardError(f"{int((d < 0).sum())} negative water depths", path=path or DATA,
                          fix="depths are metres of water above ground (≥ 0)")
    x, y = curves[occupancy]
    return np.interp(d, x, y, left=0.0, right=float(y[-1]))


# -- reading depth maps ------------------------------------------------------------------------
def read_flood_depth(path: str | Path, grid) -> np.ndarray:
    """Read a flood-depth GeoTIFF [m] (any CRS) onto ``grid`` → 2-D depth [m], 0 where dry.

    The part covering the grid (plus two source cells) is read; nodata and NaN are dry (0 m,
    outside the flood extent); the depth is put onto the grid as an area-weighted mean (so a
    half-flooded grid cell gets half the depth of its wet part); grid cells the raster does not
    cover are 0 m.

    Raises :class:`~carlcities.errors.HazardError` when depths exceed 50 m (probably cm) or
    are negative, :class:`~carlcities.errors.RasterError` without a CRS or without overlap,
    :class:`~carlcities.errors.InputFileError` when the file is missing or unreadable.
    """
    from ..io.raster import read_window_float

    p = Path(path)
    if not p.is_file():
        raise InputFileError("flood depth file not found", path=p,
                             fix="check the path of the flood map for this return period")
    arr, tr, src_crs, _tags = read_window_float(p, grid)
    dry = ~np.isfinite(arr)  # nodata is NaN
    wet = arr[~dry]
    if wet.size:
        if float(wet.max()) > MAX_PLAUSIBLE_DEPTH_M:
            raise HazardError(f"flood depths up to {float(wet.max()):g} exceed "
                              f"{MAX_PLAUSIBLE_DEPTH_M:g} m: the map is probably in centimetres",
                              path=p, fix="convert to metres (gdal_calc.py -A in.tif "
                                          "--calc='A/100') or check the nodata value")
        if float(wet.min()) < 0:
            raise HazardError(f"{int((wet < 0).sum())} negative flood depths (min "
                              f"{float(wet.min()):g})", path=p,
                              fix="depths must be ≥ 0 m; set the fill value as nodata "
                                  "(gdal_edit.py -a_nodata) or clip negatives to 0")
    data = np.where(dry, 0.0, arr)
    out = grid.resample(data, tr, src_crs, "fraction")
    return np.nan_to_num(out, nan=0.0)


def read_flood_depths(paths: dict[float, str | Path], grid) -> dict[float, np.ndarray]:
    """:func:`read_flood_depth` for each return period [yr] → {T: depth [m]} sorted by T."""
    return {float(T): read_flood_depth(paths[T], grid) for T in sorted(paths)}


# -- losses ------------------------------------------------------------------------------------
@dataclass
class FloodResult:
    """Flood losses of one city.

    ``return_periods`` [yr]; ``loss_usd`` {T: loss [USD]}; ``loss_by_occupancy`` {T: {occ:
    [USD]}}; ``affected_population`` {T: [persons]} and ``affected_buildings`` {T: [buildings]}
    in cells deeper than ``affected_depth_m`` [m]; ``eal_usd`` [USD/yr] (``risk.flood_eal``)
    with ``eal_method`` saying how; ``damage_ratio_100`` the value-weighted damage fraction per
    cell [0–1] of the 100-year map (None without one); ``zones`` {T: wet mask (depth > 0)}.
    """

    return_periods: list[float]
    loss_usd: dict[float, float]
    loss_by_occupancy: dict[float, dict[str, float]]
    affected_population: dict[float, float]
    affected_buildings: dict[float, float]
    eal_usd: float
    eal_method: str
    affected_depth_m: float
    damage_ratio_100: np.ndarray | None
    zones: dict[float, np.ndarray] = field(repr=False)

    def metrics(self) -> dict[str, float]:
        """Scalar indicators: ``risk.flood_eal`` [USD/yr], and per T the loss [USD] and the
        affected population [persons] and buildings."""
        m: dict[str, float] = {"risk.flood_eal": self.eal_usd}
        for T in self.return_periods:
            t = f"{T:g}"
            m[f"risk.flood_loss_rp{t}"] = self.loss_usd[T]
            m[f"risk.flood_affected_population_rp{t}"] = self.affected_population[T]
            m[f"risk.flood_affected_buildings_rp{t}"] = self.affected_buildings[T]
        return m


def _check_shape(name: str, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.shape != shape:
        raise HazardError(f"{name} has shape {a.shape}, the depth maps {shape}",
                          fix="put every layer onto the same city grid first")
    return a


def flood_losses(depths_by_rp: dict[float, np.ndarray],
                 value_per_cell: dict[str, np.ndarray] | np.ndarray,
                 population: np.ndarray | None = None,
                 buildings: np.ndarray | None = None, *,
                 affected_depth_m: float = AFFECTED_DEPTH_M,
                 lower_tail: str = "linear_to_zero", upper_tail: str = "flat") -> FloodResult:
    """Per-map losses [USD], affected people and buildings, and the flood EAL [USD/yr].

    ``depths_by_rp``: {T [yr]: depth [m] on the grid}; ``value_per_cell``: {occupancy:
    exposed value [USD] per cell} (a bare array counts as residential); ``population``
    [persons] and ``buildings`` [buildings] per cell (optional). Loss of map T =
    Σ value · damage_fraction(depth_T) (JRC Asia curves, Huizinga et al. 2017,
    doi:10.2760/16510); affected = in cells with depth > ``affected_depth_m`` (0.15 m);
    EAL by :func:`carlcities.risk.metrics.eal_from_return_periods` with ``lower_tail`` and
    ``upper_tail`` (METHODS.md "Risk metrics"; Ward et al. 2011, doi:10.5194/nhess-11-3181-2011).
    """
    from .metrics import eal_from_return_periods

    if not depths_by_rp:
        raise HazardError("no flood depth maps given", fix="give at least one return period")
    rps = sorted(float(T) for T in depths_by_rp)
    maps = {float(T): np.asarray(d, dtype=np.float64) for T, d in depths_by_rp.items()}
    shape = maps[rps[0]].shape
    for T in rps:
        if maps[T].shape != shape:
            raise HazardError(f"the {T:g}-yr depth map has shape {maps[T].shape}, others "
                              f"{shape}", fix="put every map onto the same city grid")
    values = ({"residential": value_per_cell} if isinstance(value_per_cell, np.ndarray)
              else dict(value_per_cell))
    values = {occ: np.nan_to_num(_check_shape(f"value[{occ}]", v, shape))
              for occ, v in values.items()}
    for occ, v in values.items():
        if np.any(v < 0):
            raise HazardError(f"negative exposed value for {occ}",
                              fix="exposed values are ≥ 0 USD per cell")
    pop = None if population is None else np.nan_to_num(_check_shape("population", population,
                                                                      shape))
    bld = None if buildings is None else np.nan_to_num(_check_shape("buildings", buildings,
                                                                     shape))
    loss: dict[float, float] = {}
    by_occ: dict[float, dict[str, float]] = {}
    aff_p: dict[float, float] = {}
    aff_b: dict[float, float] = {}
    zones: dict[float, np.ndarray] = {}
    ratio100 = None
    total_value = sum(values.values()) if values else np.zeros(shape)
    for T in rps:
        d = np.nan_to_num(maps[T], nan=0.0)
        per = {occ: float(np.sum(v * damage_fraction(d, occ))) for occ, v in values.items()}
        by_occ[T] = per
        loss[T] = float(sum(per.values()))
        deep = d > affected_depth_m
        aff_p[T] = float(pop[deep].sum()) if pop is not None else float("nan")
        aff_b[T] = float(bld[deep].sum()) if bld is not None else float("nan")
        zones[T] = d > 0
        if T == 100.0:
            num = sum(v * damage_fraction(d, occ) for occ, v in values.items())
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio100 = np.where(total_value > 0, num / np.where(total_value > 0,
                                                                    total_value, 1.0),
                                    damage_fraction(d, "residential"))
    eal = eal_from_return_periods(rps, [loss[T] for T in rps], lower_tail=lower_tail,
                                  upper_tail=upper_tail)
    method = (f"trapezoid over annual exceedance probability 1/T for T = "
              f"{', '.join(f'{T:g}' for T in rps)} yr; lower tail {lower_tail}, upper tail "
              f"{upper_tail} (carlcities.risk.metrics.eal_from_return_periods)")
    return FloodResult(rps, loss, by_occ, aff_p, aff_b, float(eal), method,
                       float(affected_depth_m), ratio100, zones)


def flood_zone(depths_by_rp: dict[float, np.ndarray], return_period: float = 100.0,
               min_depth_m: float = 0.0) -> np.ndarray:
    """Mask of cells flooded deeper than ``min_depth_m`` [m] by the ``return_period`` [yr]
    map (default: the 100-year flood zone, depth > 0), for other modules (land-use levers,
    exposure overlays)."""
    maps = {float(T): d for T, d in depths_by_rp.items()}
    if float(return_period) not in maps:
        raise HazardError(f"no {return_period:g}-yr flood map (have "
                          f"{', '.join(f'{T:g}' for T in sorted(maps))})",
                          fix="give a map for that return period or choose another")
    return np.nan_to_num(np.asarray(maps[float(return_period)], dtype=np.float64)) > min_depth_m


def climate_adjusted_depths(depths_by_rp: dict[float, np.ndarray], scenario: str,
                            year: float) -> dict[float, np.ndarray]:
    """Depth maps re-labelled for a climate scenario: the T-yr map becomes the T/m-yr map.

    m [-] is the flood frequency multiplier of ``scenario`` in ``year``
    (:func:`carlcities.risk.climate.frequency_multiplier`; an assumption in
    ``climate_deltas.csv``). Every annual exceedance probability 1/T is multiplied by m while
    the depths stay as mapped (the change-factor / frequency-shift method); the EAL from
    :func:`flood_losses` then grows accordingly.
    """
    from .climate import frequency_multiplier

    m = frequency_multiplier(scenario, year)
    if not m > 0:
        raise HazardError(f"flood frequency multiplier {m} for {scenario} {year} is not > 0",
                          fix="check the climate-delta table")
    return {float(T) / m: d for T, d in depths_by_rp.items()}
