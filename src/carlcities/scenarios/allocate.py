"""Spatial allocation of projected growth on the city grid, per scenario and decade.

For each decade (2030, 2040, 2050; cumulative from the base year) the projected growth of the
city [persons] is placed on the grid by a deterministic, iterative, capacity-constrained
allocator:

**Suitability** of a cell (higher is better)::

    S = −d_built / L_b − d_centre / L_c + w · [cell within a transit corridor] + ε

``d_built`` [km] distance to the nearest built-up cell (share ≥ ``builtup_threshold``),
recomputed after every round so that growth creeps outward from the edge; ``d_centre`` [km]
distance to the catalogue centre; ``L_b``, ``L_c`` [km] the sourced scales of
``_parameters.yaml``; ``w`` the scenario's corridor weight, corridors being the given network
cells (major streets / transit from OSM) buffered by ``width_m``, else radial corridors from
the centre; ε < 1e-6 seeded noise that only breaks exact ties (``seed``).

**Excluded** cells (no new residents): nodata, water, protected areas, slope > ``slope_max``
(from the DEM), the hazard layers the scenario lists in ``no_build``, cells beyond the growth
boundary (distance to today's urban extent > ``growth_boundary_km``) and the green belt ring
(distance to today's extent between the boundary — or 0 without one — and that plus
``green_belt_m``).

**Capacity** of a cell at the decade's density ``D`` [persons/ha of built-up land]:
vacant land at density ``D`` plus the density gap of its built land::

    cap = max(0, 1 − b/s_dev) · A · D + max(0, D · min(1, b/s_dev) · A − p)

``b`` the cell's built-up share, ``p`` its residents, ``A`` its area [ha] and ``s_dev`` the
built-up surface share of developed land (the mean share of today's built-up cells inside the
urban extent, so a fully developed new cell looks like an existing one; with ``s_dev`` = 1 this
is the plain ``(1 − b)·A·D``). Densification fills first; new land raises ``b`` by
``s_dev · land/A``.

**Demand**: the decade's projected growth, ``infill_share`` of it in today's urban extent and
the rest outside; what one pool cannot hold spills to the other; what neither can hold is the
**remainder**, returned and listed (not an error): allocated + remainder = demand.

**Allocator**: in ``rounds`` rounds per decade, each placing an equal part of what is left,
cells are ranked by S and filled to capacity in rank order (a partial fill of the last one)
until the round's demand is met or the candidate cells run out; distances to built-up land are
then recomputed. Vectorised numpy (argpartition + cumulative sums), O(n log n) per round.

Outputs per scenario and decade: built-up share [0–1] and population [persons per cell]
arrays, with the same meaning as the observed epochs; :func:`write_epoch_rasters` writes them
as COGs.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import DataValueError, ScenarioError

from .distance import distance_to
from .levers import Scenario, check_levers, default_parameters

__all__ = ["Allocation", "BaseLayers", "EpochAllocation", "Site", "allocate", "prepare_site",
           "write_epoch_rasters", "DECADES"]

DECADES = (2030, 2040, 2050)


@dataclass
class BaseLayers:
    """The base-year state of a city on its grid.

    ``builtup`` built-up share of each cell [0–1] (NaN nodata); ``population`` [persons per
    cell]; ``dem`` elevation [m] or ``slope`` [rise/run]; ``water``, ``protected`` and
    ``corridors`` (major streets / transit cells) boolean masks; ``synthetic`` and ``source``
    describe where the layers came from.
    """

    builtup: np.ndarray
    population: np.ndarray
    year: int = 2020
    dem: np.ndarray | None = None
    slope: np.ndarray | None = None
    water: np.ndarray | None = None
    protected: np.ndarray | None = None
    corridors: np.ndarray | None = None
    synthetic: bool = False
    source: str = ""


@dataclass
class Site:
    """Everything about a city that does not depend on the scenario (computed once)."""

    grid: Any
    base: BaseLayers
    builtup0: np.ndarray          # share with NaN → 0 [0–1]
    pop0: np.ndarray              # persons per cell, NaN → 0
    valid: np.ndarray             # not nodata
    extent: np.ndarray            # today's urban extent (Atlas)
    excluded: np.ndarray          # nodata, water, protected, too steep
    dist_extent_m: np.ndarray     # distance to today's extent [m]
    dist_centre_km: np.ndarray    # distance to the centre [km]
    angle: np.ndarray             # bearing from the centre [rad]
    today_density: float          # built-up area density [persons/ha]
    s_dev: float                  # built-up share of developed land [0–1]
    cell_ha: float
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    _corr: dict[float, np.ndarray] = field(default_factory=dict, repr=False)

    def corridor_mask(self, width_m: float) -> np.ndarray:
        """Cells within ``width_m`` [m] of a corridor: the network cells when given, else
        ``radial_corridors`` straight radials from the centre, evenly spaced from north."""
        if width_m not in self._corr:
            res = self.grid.res
            if self.base.corridors is not None and np.any(self.base.corridors):
                d = distance_to(self.base.corridors.astype(bool)) * res
            else:
                n = int(self.params["radial_corridors"])
                r = self.dist_centre_km * 1000.0
                d = np.full(r.shape, np.inf)
                for k in range(n):
                    dth = np.abs((self.angle - 2 * math.pi * k / n + math.pi) % (2 * math.pi)
                                 - math.pi)
                    dk = np.where(dth < math.pi / 2, r * np.sin(dth), r)
                    d = np.minimum(d, dk)
            self._corr[width_m] = d <= width_m
        return self._corr[width_m]


def prepare_site(grid: Any, base: BaseLayers, *, params: Mapping[str, Any] | None = None) -> Site:
    """Validate the base layers once and derive the static layers of a city.

    Raises :class:`DataValueError` when an array has the wrong shape, a built-up share lies
    outside 0–1 or a population is negative.
    """
    from carlcities.indicators import atlas as A

    p = default_parameters(params)
    shape = grid.shape
    for name in ("builtup", "population", "dem", "slope", "water", "protected", "corridors"):
        a = getattr(base, name)
        if a is not None and np.shape(a) != shape:
            raise DataValueError(f"base layer {name} has shape {np.shape(a)}, the grid {shape}",
                                 fix="put every layer onto the city grid (CityGrid.resample)")
    bu = np.asarray(base.builtup, dtype=float)
    pop = np.asarray(base.population, dtype=float)
    if np.nanmin(bu) < 0 or np.nanmax(bu) > 1:
        raise DataValueError("built-up share outside 0–1", fix="give shares of cell [0–1]")
    if np.nanmin(pop) < 0:
        raise DataValueError("negative population", fix="population is persons per cell ≥ 0")
    valid = np.isfinite(bu)
    at = A.classify(bu, grid.res, threshold=p["builtup_threshold"],
                    **{k: p[k] for k in ("walk_radius_m", "fringe_m", "captured_max_ha")
                       if k in p}, water=base.water)
    cell_ha = grid.cell_area_ha
    bu0 = np.nan_to_num(bu, nan=0.0)
    pop0 = np.nan_to_num(pop, nan=0.0)
    notes: list[str] = []
    excluded = ~valid
    if base.water is not None:
        excluded |= base.water.astype(bool)
    if base.protected is not None:
        excluded |= base.protected.astype(bool)
    slope = base.slope
    if slope is None and base.dem is not None:
        gy, gx = np.gradient(np.asarray(base.dem, dtype=float), grid.res)
        slope = np.hypot(gx, gy)
    if slope is not None:
        excluded |= np.nan_to_num(slope, nan=0.0) > float(p["slope_max"])
    else:
        notes.append("no DEM or slope given: no cell excluded for slope")
    bext = at.builtup & at.extent
    n_b = int(np.count_nonzero(bext))
    if n_b == 0:
        raise DataValueError("no built-up cell in the base year: nothing to grow from",
                             fix="check the base built-up layer and builtup_threshold")
    today_density = float(pop0[at.extent].sum() / (n_b * cell_ha))
    s_dev = float(np.mean(bu0[bext]))
    rr, cc = np.indices(shape)
    r0, c0 = grid.centre_rowcol()
    dx, dy = (cc - c0) * grid.res, (r0 - rr) * grid.res
    dist_extent = distance_to(at.extent) * grid.res
    return Site(grid, base, bu0, pop0, valid, at.extent, excluded, dist_extent,
                np.hypot(dx, dy) / 1000.0, np.arctan2(dx, dy), today_density, s_dev, cell_ha,
                p, notes)


@dataclass
class EpochAllocation:
    """One decade of one scenario (arrays cumulative from the base year).

    ``builtup`` [0–1] and ``population`` [persons per cell]; ``demand``, ``allocated``,
    ``remainder`` and ``infill`` [persons] for the decade; ``density`` of new land
    [persons/ha]; ``new_land_ha`` [ha] developed in the decade.
    """

    epoch: int
    epoch_start: int
    builtup: np.ndarray
    population: np.ndarray
    demand: float
    allocated: float
    remainder: float
    infill: float
    density: float
    new_land_ha: float
    notes: list[str] = field(default_factory=list)


@dataclass
class Allocation:
    """The allocation of one scenario: decades by year, and the scenario used."""

    scenario: Scenario
    epochs: dict[int, EpochAllocation]
    seed: int
    base_year: int
    today_density: float

    @property
    def remainder(self) -> float:
        """Population that did not fit, summed over the decades [persons]."""
        return float(sum(e.remainder for e in self.epochs.values()))


def _targets(growth: Any, base_year: int, epochs: tuple[int, ...]) -> dict[int, float]:
    if hasattr(growth, "at"):
        return {y: growth.at(y) for y in (base_year, *epochs)}
    g = {int(k): float(v) for k, v in dict(growth).items()}
    missing = [y for y in (base_year, *epochs) if y not in g]
    if missing:
        raise ScenarioError(f"projected population missing for {missing}",
                            fix="give a Projection or a dict with the base year and each epoch")
    return g


def _fill(score: np.ndarray, cap: np.ndarray, amount: float) -> tuple[np.ndarray, float]:
    """Fill cells to capacity in descending score until ``amount`` [persons] is placed.

    Returns (allocation per flat cell [persons], amount placed). Only the top cells are
    sorted (argpartition) unless they cannot hold the amount.
    """
    x = np.zeros(cap.size)
    cand = np.flatnonzero(cap > 0)
    if amount <= 0 or cand.size == 0:
        return x, 0.0
    c = cap[cand]
    s = score[cand]
    total = float(c.sum())
    if total <= amount:
        x[cand] = c
        return x, total
    # enough cells to hold the amount at the mean capacity, with a margin
    m = min(cand.size, int(4 * amount / max(c.mean(), 1e-12)) + 64)
    while True:
        top = np.argpartition(-s, m - 1)[:m] if m < cand.size else np.arange(cand.size)
        order = top[np.argsort(-s[top], kind="stable")]
        cum = np.cumsum(c[order])
        if cum[-1] >= amount or m == cand.size:
            break
        m = min(cand.size, 4 * m)
    k = int(np.searchsorted(cum, amount))
    if k >= order.size:  # pragma: no cover - guarded by total > amount
        k = order.size - 1
    x[cand[order[:k]]] = c[order[:k]]
    x[cand[order[k]]] = amount - (cum[k - 1] if k > 0 else 0.0)
    return x, float(amount)


def allocate(site: Site, scenario: Scenario, growth: Any, *,
             masks: Mapping[str, np.ndarray] | None = None, seed: int = 0,
             epochs: tuple[int, ...] = DECADES) -> Allocation:
    """Allocate a city's projected growth under ``scenario`` to each decade in ``epochs``.

    ``growth`` is a :class:`~carlcities.scenarios.projection.Projection` or a dict
    ``{year: population [persons]}`` holding the base year and every epoch; ``masks`` the
    hazard layers by name (boolean arrays on the grid). The scenario is checked against the
    masks and today's density first (:func:`~carlcities.scenarios.levers.check_levers`).
    Same inputs and ``seed`` give the same maps.
    """
    masks = dict(masks or {})
    check_levers(scenario, masks=masks, today_density=site.today_density)
    lv = scenario.levers
    grid, p = site.grid, site.params
    base_year = site.base.year
    tg = _targets(growth, base_year, tuple(epochs))
    shape = grid.shape
    A = site.cell_ha
    thr = float(p["builtup_threshold"])
    s_dev = site.s_dev
    # static part of suitability and exclusion for this scenario
    static = -site.dist_centre_km / float(p["distance_centre_scale_km"])
    if lv.transit_corridors is not None and lv.transit_corridors.weight > 0:
        static = static + lv.transit_corridors.weight * site.corridor_mask(
            lv.transit_corridors.width_m)
    blocked = site.excluded.copy()
    for name in lv.no_build:
        m = np.asarray(masks[name], dtype=bool)
        if m.shape != shape:
            raise DataValueError(f"hazard mask {name} has shape {m.shape}, the grid {shape}",
                                 fix="put the hazard layer onto the city grid")
        blocked |= m
    inner = (lv.growth_boundary_km * 1000.0) if lv.growth_boundary_km is not None else 0.0
    if lv.growth_boundary_km is not None:
        blocked |= ~site.extent & (site.dist_extent_m > inner)
    if lv.green_belt_m > 0:
        blocked |= (site.dist_extent_m > inner) & (site.dist_extent_m <= inner + lv.green_belt_m)
    inside = site.extent.ravel()
    lb = float(p["distance_builtup_scale_km"])
    rounds = max(1, int(p["rounds"]))
    bu = site.builtup0.copy()
    pop = site.pop0.copy()
    out: dict[int, EpochAllocation] = {}
    prev = base_year
    sid = zlib.crc32(scenario.id.encode())
    for e in sorted(epochs):
        if e <= prev:
            raise ScenarioError(f"epochs must increase after the base year {base_year}: {epochs}",
                                fix="give decades after the base year, e.g. (2030, 2040, 2050)")
        D = lv.density(site.today_density, e - base_year)
        demand = max(0.0, tg[e] - tg[prev])
        notes = [] if tg[e] >= tg[prev] else [
            f"population falls {tg[prev]:.0f} → {tg[e]:.0f}: nothing to allocate"]
        want = {True: lv.infill_share * demand, False: (1.0 - lv.infill_share) * demand}
        placed = {True: 0.0, False: 0.0}
        infill = 0.0
        bu_start = bu.copy()
        rng = np.random.default_rng([seed, e, sid])
        noise = rng.random(bu.size) * 1e-7
        for r in range(rounds):
            built = (bu >= thr) & site.valid
            dist_b = distance_to(built) * grid.res / 1000.0
            score = (static - dist_b / lb).ravel() + noise
            b, pp = bu.ravel(), pop.ravel()
            frac = np.minimum(1.0, b / s_dev)
            cap = np.maximum(0.0, 1.0 - frac) * A * D + np.maximum(0.0, D * frac * A - pp)
            cap[blocked.ravel()] = 0.0
            last = r == rounds - 1
            x = np.zeros(bu.size)
            for pool in (True, False):
                left = want[pool] - placed[pool]
                xp, got = _fill(score, np.where(inside == pool, cap, 0.0),
                                left if last else left / (rounds - r))
                x += xp
                placed[pool] += got
            if last:  # what one pool cannot hold spills into the other
                for pool in (True, False):
                    short = want[pool] - placed[pool]
                    if short > 0:
                        xp, got = _fill(score, np.where(inside != pool,
                                                        np.maximum(cap - x, 0.0), 0.0), short)
                        x += xp
                        placed[pool] += got
            infill += float(x[inside].sum())
            dens_room = np.maximum(0.0, D * frac * A - pp)
            land = (x - np.minimum(x, dens_room)) / D  # new built-up land [ha]
            bu = np.minimum(1.0, b + s_dev * land / A).reshape(shape)
            pop = (pp + x).reshape(shape)
        allocated = placed[True] + placed[False]
        remainder = max(0.0, demand - allocated)
        if remainder <= 1e-9 * max(demand, 1.0):  # rounding of the cumulative sums
            remainder = 0.0
        if remainder > 1e-6 * max(demand, 1.0):
            notes.append(f"{remainder:.0f} persons of the {demand:.0f} projected growth do not "
                         "fit under the scenario's constraints (reported as remainder)")
        new_land = float(np.sum(np.maximum(bu - bu_start, 0.0)) / s_dev * A)
        bu_out = np.where(site.valid, bu, np.nan)
        out[e] = EpochAllocation(e, prev, bu_out, pop.copy(), demand, allocated, remainder,
                                 infill, D, new_land, notes)
        prev = e
    return Allocation(scenario, out, seed, base_year, site.today_density)


def write_epoch_rasters(directory: str | Path, grid: Any, scenario: str, epoch: int,
                        builtup: np.ndarray, population: np.ndarray,
                        tags: Mapping[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``builtup_{epoch}_{scenario}.tif`` [share of cell] and
    ``population_{epoch}_{scenario}.tif`` [persons per cell] as COGs on ``grid``.

    ``tags`` are written to both (pass ``synthetic='true'`` when the inputs are synthetic);
    ``scenario`` and ``epoch`` are added.
    """
    from carlcities.io.raster import write_cog

    d = Path(directory)
    t = dict(tags or {}, scenario=scenario, epoch=epoch)
    t.setdefault("synthetic", "false")
    pb = write_cog(d / f"builtup_{epoch}_{scenario}.tif", np.asarray(builtup, "float32"), grid,
                   nodata=float("nan"), tags=dict(t, unit="share of cell"),
                   description=f"built-up surface share, scenario {scenario}")
    pp = write_cog(d / f"population_{epoch}_{scenario}.tif", np.asarray(population, "float32"),
                   grid, nodata=float("nan"), tags=dict(t, unit="persons per cell"),
                   description=f"population, scenario {scenario}")
    return pb, pp
