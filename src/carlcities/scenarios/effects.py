"""Effects of a growth scenario, as indicator rows (pure: nothing is written anywhere).

For each decade of an :class:`~carlcities.scenarios.allocate.Allocation`:

(a) land consumption (SDG 11.3.1) and urban form — the project's indicator code run unchanged
    on the allocated arrays, as the form engine runs it on observed
    epochs: :func:`carlcities.indicators.atlas.classify`,
    :func:`carlcities.indicators.aggregates.zone_aggregates` and
    :func:`carlcities.indicators.evaluate` with ``kind="epoch"`` (rows with
    ``epoch_start=None``) and ``kind="pair"`` from the base year and from the previous
    decade (``epoch_start`` says which);
(b) residents added and built-up land developed in each hazard layer given
    (``exposure.pop_new_<layer>`` [persons], ``exposure.builtup_new_<layer>`` [ha]);
(c) an infrastructure proxy: new street length [km] = new built-up land [km²] × street
    density [km/km²] (the city's observed density when ``params`` gives
    ``street_density_observed_km_per_km2``, else UN-Habitat's 18 km/km²), and per resident
    added [m/person];
(d) land take [ha] and density of growth [persons/ha] (also returned by
    :func:`emission_hooks` for the carbon module's density elasticities).

Every row: ``city_id, zone_id='city', indicator_id, epoch, epoch_start,
scenario='growth:<id>', value, unit, flag, source, method_version, synthetic``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .allocate import Allocation, BaseLayers, Site
from .levers import default_parameters

__all__ = ["emission_hooks", "scenario_effects"]


def _form_params(params: Mapping[str, Any]) -> dict[str, float]:
    from carlcities.config import default_config

    cfg = default_config()
    return dict(threshold=float(params.get("builtup_threshold", cfg.form.builtup_threshold)),
                walk_radius_m=float(params.get("walk_radius_m", cfg.form.walk_radius_m)),
                fringe_m=float(params.get("fringe_m", cfg.form.fringe_m)),
                captured_max_ha=float(params.get("captured_max_ha", cfg.form.captured_max_ha)),
                pgr_epsilon=float(params.get("pgr_epsilon", cfg.growth.pgr_epsilon)))


def _new_land_ha(bu_new: np.ndarray, bu_old: np.ndarray, s_dev: float, cell_ha: float
                 ) -> np.ndarray:
    """Developed land added per cell [ha] (share added / share of developed land)."""
    return np.maximum(np.nan_to_num(bu_new) - np.nan_to_num(bu_old), 0.0) / s_dev * cell_ha


def scenario_effects(city: Any, grid: Any, base: Site | BaseLayers, allocated: Allocation,
                     masks: Mapping[str, np.ndarray] | None = None,
                     params: Mapping[str, Any] | None = None, *,
                     cache: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Indicator rows of one scenario for one city (see the module docstring).

    ``base`` is the :class:`Site` the allocation used (or its :class:`BaseLayers`);
    ``masks`` the hazard layers by name (every layer given gets exposure rows, not only the
    scenario's ``no_build`` ones); ``params`` may give ``street_density_observed_km_per_km2``
    [km/km²], ``source`` (text of the inputs) and the form settings. ``cache``: a dict shared
    by the calls for one city's scenarios (same base, grid and params): the base year's urban
    form (atlas and aggregates) is computed once for all of them.
    """
    from carlcities.indicators import atlas as A
    from carlcities.indicators import evaluate
    from carlcities.indicators import scenario as _scn  # noqa: F401  (registration)
    from carlcities.indicators.aggregates import zone_aggregates
    from carlcities.indicators.registry import REGISTRY
    from carlcities.zonal import whole_grid_weights

    params = dict(params or {})
    fp = _form_params(params)
    known = default_parameters()
    p = default_parameters({k: v for k, v in params.items() if k in known})
    layers = base.base if isinstance(base, Site) else base
    s_dev = base.s_dev if isinstance(base, Site) else 1.0
    masks = dict(masks or {})
    sc = allocated.scenario
    label = sc.label
    syn = bool(layers.synthetic)
    source = (f"carlcities growth scenario {sc.id} (seed {allocated.seed}) on "
              f"{params.get('source') or layers.source or 'base layers'}"
              + ("; synthetic demo data" if syn else ""))
    street = params.get("street_density_observed_km_per_km2")
    street_src = "observed" if street is not None else "UN-Habitat 2014 default"
    street = float(street if street is not None else p["street_density_km_per_km2"])
    wts = whole_grid_weights(grid.shape)
    cell_ha = grid.cell_area_ha
    rows: list[dict[str, Any]] = []

    def add(values: Mapping[str, Any], epoch: int, epoch_start: int | None,
            note: str | None = None) -> None:
        for iid, v in values.items():
            ind = REGISTRY[iid]
            flag = v.flag if not note else "; ".join(x for x in (v.flag, note) if x)
            rows.append(dict(city_id=city.city_id, zone_id="city", indicator_id=iid,
                             epoch=int(epoch), epoch_start=epoch_start, scenario=label,
                             value=v.value, unit=ind.unit, flag=flag, source=source,
                             method_version=ind.method_version, synthetic=syn))

    def state(bu: np.ndarray, pop: np.ndarray) -> dict[str, Any]:
        at = A.classify(bu, grid.res, threshold=fp["threshold"],
                        walk_radius_m=fp["walk_radius_m"], fringe_m=fp["fringe_m"],
                        captured_max_ha=fp["captured_max_ha"], water=layers.water)
        agg = zone_aggregates(wts, pop, bu, at, cell_ha)[0]
        return dict(atlas=at, aggs=agg, builtup=bu, population=pop)

    cache = {} if cache is None else cache
    key = f"base:{allocated.base_year}"
    if key not in cache:
        cache[key] = state(np.asarray(layers.builtup, dtype=float),
                           np.asarray(layers.population, dtype=float))
    states = {allocated.base_year: cache[key]}
    years = [allocated.base_year]
    for e, ea in sorted(allocated.epochs.items()):
        st = states[e] = state(ea.builtup, ea.population)
        years.append(e)
        add(evaluate(dict(st["aggs"], extent_mask=st["atlas"].extent, res_m=grid.res),
                     kind="epoch"), e, None)
        starts = sorted({allocated.base_year, ea.epoch_start})
        for s in starts:
            a1, a2 = states[s]["atlas"], st["atlas"]
            g = A.new_growth(a1.extent, a1.builtup, a2.extent, a2.builtup)
            gsum = np.bincount(g.ravel(), minlength=5)[[A.INFILL, A.EXTENSION, A.LEAPFROG,
                                                        A.INCLUSION]] * cell_ha
            inp = {f"{k}_1": v for k, v in states[s]["aggs"].items()}
            inp.update({f"{k}_2": v for k, v in st["aggs"].items()})
            inp.update(years=float(e - s), pgr_epsilon=fp["pgr_epsilon"],
                       infill_ha=float(gsum[0]), extension_ha=float(gsum[1]),
                       leapfrog_ha=float(gsum[2]), inclusion_ha=float(gsum[3]))
            # scenario inputs: cumulative change since s
            b_old = states[s]["builtup"]
            land = _new_land_ha(ea.builtup, b_old, s_dev, cell_ha)
            dpop = np.nan_to_num(ea.population) - np.nan_to_num(states[s]["population"])
            dpop = np.where(dpop > 1e-6, dpop, 0.0)  # drop float residue [persons]
            remainder = sum(x.remainder for y, x in allocated.epochs.items() if s < y <= e)
            inp.update(scn_new_land_ha=float(land.sum()), scn_new_population=float(dpop.sum()),
                       scn_street_density=street, scn_remainder=float(remainder))
            for name, m in masks.items():
                mb = np.asarray(m, dtype=bool)
                inp[f"scn_new_pop_{name}"] = float(dpop[mb].sum())
                inp[f"scn_new_builtup_{name}"] = float(land[mb].sum())
            vals = evaluate(inp, kind="pair")
            road = {k: v for k, v in vals.items() if k.startswith("scenario.new_road")
                    or k.startswith("scenario.road")}
            add({k: v for k, v in vals.items() if k not in road}, e, s)
            add(road, e, s, note=f"street density {street:g} km/km² ({street_src})")
    return rows


def emission_hooks(allocated: Allocation, base: Site | BaseLayers, grid: Any
                   ) -> dict[int, dict[str, float]]:
    """Land take and densities per decade, for the carbon module's density elasticities.

    Returns ``{epoch: {population [persons], land_take_ha [ha] since the base year,
    growth_density [persons/ha] of the decade's new land, builtup_density [persons/ha] of the
    whole city (population over built-up cells, share ≥ 0.2 — the Atlas definition's cells),
    density_ratio [ratio] to the base year}}``.
    """
    layers = base.base if isinstance(base, Site) else base
    s_dev = base.s_dev if isinstance(base, Site) else 1.0
    cell_ha = grid.cell_area_ha

    def dens(bu: np.ndarray, pop: np.ndarray) -> float:
        n = int(np.count_nonzero(np.nan_to_num(bu) >= 0.2))
        return float(np.nansum(pop) / (n * cell_ha)) if n else float("nan")

    b0, p0 = np.asarray(layers.builtup, float), np.asarray(layers.population, float)
    d0 = dens(b0, p0)
    out = {}
    for e, ea in sorted(allocated.epochs.items()):
        d = dens(ea.builtup, ea.population)
        out[e] = dict(population=float(np.nansum(ea.population)),
                      land_take_ha=float(_new_land_ha(ea.builtup, b0, s_dev, cell_ha).sum()),
                      growth_density=float(ea.density), builtup_density=d,
                      density_ratio=d / d0 if d0 else float("nan"))
    return out
