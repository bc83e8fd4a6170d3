"""One city through the risk engine: what the pipeline calls (``run.engines: [risk]``).

:func:`compute_city_risk` takes the layers already on the city grid (population and built-up
surface of the last epoch, the DEM) and the hazard inputs found for the city (flood depth maps,
a mudflow map, a Vs30 model, a daily temperature series, a GEM exposure CSV) and returns a
:class:`RiskResult`: store rows (``hazard.*``, ``exposure.*``, ``risk.*``), rasters for the
maps, hazard and loss curves, historic scenarios, exposure by typology and a summary for the
appraisal. Nothing is written here (:func:`carlcities.risk.store.write_city` does).

The shared parts are made once, in order:

1. site conditions: Vs30 from the site model, the DEM slope or rock (:mod:`.sites`);
2. exposure: buildings by class on the grid (GEM mixes, or a GEM CSV) with the vulnerability
   curves of their classes;
3. every registered hazard (:mod:`.hazards`: earthquake, flood, mudflow, heat, and any that a
   package registers) computes its :class:`~carlcities.risk.hazards.HazardOutcome` from a
   :class:`~carlcities.risk.hazards.HazardContext` holding the above;
4. residents, value and critical facilities in every hazard mask, per district sums of the
   additive quantities;
5. trajectories to 2050: each hazard projects its inputs with the projected population
   (``trend|historical``) and with each climate scenario (``trend|<ssp>``).

Parameters come from the ``risk`` section of the study settings (``carlcities.config``; the
defaults are declared there once) and :data:`ENGINE_DEFAULTS` (the engine's tuning); what the
caller passes overrides both.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carlcities.risk.hazards import HazardContext, HazardOutcome, registered_hazards
from carlcities.risk.scenario import run_scenario
from carlcities.risk.sites import city_exposure, per_cell, site_conditions
from carlcities.risk.vulnerability import GEM_PREFIX

if TYPE_CHECKING:
    from carlcities._epochs import EpochData

__all__ = ["ENGINE_DEFAULTS", "RiskResult", "compute_city_risk", "risk_defaults",
           "run_scenario"]

#: tuning of the engine that is not a study setting (a caller may override any of them)
ENGINE_DEFAULTS: dict[str, Any] = dict(
    site_block=5,               # ground motion per block of 5 × 5 cells (500 m at 100 m)
    catalogue_years=1000.0,     # length of each stochastic catalogue [yr]
    max_distance_km=200.0,      # events farther from a site do it no damage [km]
    scenario_realisations=30,   # ground-motion fields per historic scenario
)


def risk_defaults() -> dict[str, Any]:
    """The risk settings' defaults (``carlcities.config.SETTINGS``, section ``risk``) and
    :data:`ENGINE_DEFAULTS`, by key."""
    from carlcities.config import SETTINGS

    out = {s.key: copy.deepcopy(s.default) for s in SETTINGS if s.section == "risk"}
    return {**out, **ENGINE_DEFAULTS}


@dataclass
class RiskResult:
    """What :func:`compute_city_risk` returns (see the module docstring)."""

    rows: list[dict[str, Any]]
    provenance: list[Any]
    rasters: dict[str, tuple[np.ndarray, str, str]]
    curves: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    exposure: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    #: for the growth-scenario engine: hazard masks on the grid (named boolean grids collected
    #: from the hazards, e.g. ``flood_100`` and ``mudflow``) and EAL per unit value by hazard
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    eal_per_value: dict[str, np.ndarray] = field(default_factory=dict)
    synthetic: bool = False


def _merge_summary(into: dict[str, Any], part: dict[str, Any]) -> None:
    for k, v in part.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            into[k].update(v)
        else:
            into[k] = v


def compute_city_risk(city, grid, inputs: dict[str, str], epochs_data: Mapping[int, EpochData],
                      weights, zone_ids: list[str], params: dict[str, Any]) -> RiskResult:
    """Exposure, hazards, losses and lives of one city (see the module docstring)."""
    from carlcities.indicators import evaluate
    from carlcities.indicators.registry import REGISTRY
    from carlcities.io.raster import read_layer

    p = {**risk_defaults(), **params}
    syn = bool(p.get("synthetic"))
    last = max(epochs_data)
    pop = np.nan_to_num(np.asarray(epochs_data[last]["population"], float))
    bu = np.nan_to_num(np.asarray(epochs_data[last]["builtup"], float))
    rows: list[dict[str, Any]] = []
    prov: list[Any] = []
    rasters: dict[str, tuple[np.ndarray, str, str]] = {}
    res = RiskResult(rows, prov, rasters, synthetic=syn)
    base_source = "carlcities risk engine" + ("; synthetic demo data" if syn else "")
    ind_inputs: dict[str, float] = {}
    undefined: dict[str, str] = {}  # indicator id -> flag of a value that could not be made

    def row(iid: str, value, flag, *, epoch, scenario, zone, source) -> dict[str, Any]:
        ind = REGISTRY[iid]
        return dict(zone_id=zone, indicator_id=iid, epoch=epoch, epoch_start=None,
                    scenario=scenario, value=value, unit=ind.unit, source=source or base_source,
                    method_version=ind.method_version, synthetic=syn, flag=flag)

    def add(values: dict[str, Any], *, epoch=last, scenario=None, zone="city", source=None):
        for iid, v in evaluate(values, kind="epoch", zonal_only=zone != "city").items():
            rows.append(row(iid, v.value, v.flag, epoch=epoch, scenario=scenario, zone=zone,
                            source=source))

    # -- site conditions ------------------------------------------------------------------
    dem = None
    if inputs.get("dem"):
        dem = np.asarray(read_layer(inputs["dem"], grid, role="dem").data, float)
    vs30, vs30_src = site_conditions(grid, inputs, dem)
    if not inputs.get("vs30") and dem is None:
        prov.append({"step": "vs30", "note": vs30_src})
    rasters["vs30"] = (vs30.astype("float32"), "m/s", f"Vs30 [m/s] ({vs30_src})")
    built = pop > 0
    if built.any():
        ind_inputs["risk_vs30_median"] = float(np.median(vs30[built]))

    # -- exposure -------------------------------------------------------------------------
    expo, expo_src, curves, fat_curves = city_exposure(city, grid, inputs, pop, bu, p, prov)
    value_cell = per_cell(expo, grid, expo.value_total)
    bld_cell = per_cell(expo, grid, expo.buildings)
    ind_inputs["risk_value_usd"] = float(value_cell.sum())
    ind_inputs["risk_buildings"] = float(bld_cell.sum())
    rasters["exposure_value"] = (value_cell.astype("float32"), "USD",
                                 "replacement value of buildings and contents [USD]")

    # -- the hazards ------------------------------------------------------------------------
    ctx = HazardContext(city=city, grid=grid, inputs=inputs, params=p, epoch=last,
                        population=pop, builtup=bu, dem=dem, vs30=vs30, exposure=expo,
                        exposure_source=expo_src, curves=curves, fatality_curves=fat_curves,
                        value=value_cell, buildings=bld_cell, synthetic=syn,
                        source=base_source)
    hazards = registered_hazards()
    outcomes: dict[str, HazardOutcome] = {}
    for hz in hazards:
        o = outcomes[hz.name] = hz.compute(ctx)
        ind_inputs.update(o.inputs)
        undefined.update(o.undefined)
        res.curves += o.curves
        res.scenarios += o.scenarios
        rasters.update(o.rasters)
        res.masks.update(o.masks)
        prov += o.provenance
        if o.eal_per_value is not None:
            res.eal_per_value[hz.name] = o.eal_per_value
        for scenario, values, source in o.scenario_inputs:
            add(values, scenario=scenario, source=source)

    # exposure by class, with the earthquake EAL of each
    eal_t = outcomes["earthquake"].eal_by_typology if "earthquake" in outcomes else {}
    by_tax = expo.summary()
    for t, d in by_tax.items():
        if t == "TOTAL":
            continue
        res.exposure.append(dict(year=last, taxonomy=t, occupancy="all",
                                 buildings=d["buildings"], area_m2=d["floor_area_m2"],
                                 value_usd=d["value_usd"], occupants_night=d["occupants_night"],
                                 eq_eal_usd=eal_t.get(t), source=expo_src, synthetic=syn))

    # -- residents, value and critical facilities in the hazard masks ----------------------
    for name, m in res.masks.items():
        ind_inputs[f"risk_pop_{name}"] = float(pop[m].sum())
        ind_inputs[f"risk_value_{name}"] = float(value_cell[m].sum())
    if inputs.get("osm") and res.masks:
        from carlcities.risk.exposure import critical_facilities

        cf = critical_facilities(inputs["osm"], grid)
        if len(cf):
            for name, m in res.masks.items():
                ind_inputs[f"risk_facilities_{name}"] = float(m.ravel()[cf.site].sum())
            prov.append({"step": "critical facilities", "counts": cf.counts(),
                         "source": Path(inputs["osm"]).name})
    add(ind_inputs)
    for iid, flag in undefined.items():  # values that could not be made: NULL and why
        rows.append(row(iid, None, flag, epoch=last, scenario=None, zone="city", source=None))
    # per district: the additive quantities
    if not weights.is_whole and len(zone_ids) > 1:
        layers = {"risk_value_usd": value_cell, "risk_buildings": bld_cell}
        for name, m in res.masks.items():
            layers[f"risk_pop_{name}"] = pop * m
            layers[f"risk_value_{name}"] = value_cell * m
        keys = list(layers)
        sums = weights.sum_many(np.stack([layers[k].ravel() for k in keys], axis=1))
        for zi, zid in enumerate(zone_ids):
            if zid != "city":
                add(dict(zip(keys, map(float, sums[zi]))), zone=zid)

    # -- trajectories to 2050 (exposure grows with population; hazards with climate) ---------
    base_pop = city.population_at(last)[0]
    for y in (int(y) for y in p["years"]):
        g = city.population_at(y)[0] / base_pop if base_pop > 0 else 1.0
        vals: dict[str, float] = {}
        for hz in hazards:
            vals.update(hz.project(ctx, outcomes[hz.name], y, g, None))
        add(vals, epoch=y, scenario="trend|historical",
            source=f"{base_source}; exposure scaled with the projected population")
        for scn in p["climate_scenarios"]:
            cv: dict[str, float] = {}
            for hz in hazards:
                cv.update(hz.project(ctx, outcomes[hz.name], y, g, scn))
            if cv:
                add(cv, epoch=y, scenario=f"trend|{scn}",
                    source=f"{base_source}; climate deltas {scn} (risk/data/climate_deltas.csv)")

    # -- for the growth scenarios and the appraisal ----------------------------------------
    res.summary = dict(
        city_id=city.city_id, year=last, population=float(pop.sum()),
        value_usd=ind_inputs.get("risk_value_usd"),
        floor_area_m2_by_typology={GEM_PREFIX.get(t, t): d["floor_area_m2"]
                                   for t, d in by_tax.items() if t != "TOTAL"},
        synthetic=syn)
    for o in outcomes.values():
        _merge_summary(res.summary, o.summary)
    return res
