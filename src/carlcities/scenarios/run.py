"""One city through the growth-scenario engine: what the pipeline calls (``scenarios``).

For every configured scenario: project the population to 2050, allocate each decade's growth
on the grid, write the built-up and population rasters of each decade (same format as the
observed epochs), and evaluate the effects (form and land-consumption indicators, new people
in the hazard zones the risk engine found, new streets). Where the risk and carbon engines ran
before it, it also values each scenario by its earthquake and flood EAL in 2050 (today's EAL
per unit of value applied to the scenario's population, i.e. new stock with today's mix) and
by its emissions in 2050 (the carbon pathway's density elasticities at the scenario's
density). Rows carry ``scenario = growth:<id>`` and epochs 2030-2050.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ScenarioRunResult", "compute_city_scenarios"]


@dataclass
class ScenarioRunResult:
    rows: list[dict[str, Any]]
    provenance: list[Any]
    rasters: dict[str, tuple[np.ndarray, str, str]] = field(default_factory=dict)


def _row(iid: str, value: float | None, epoch: int, label: str, source: str, syn: bool,
         flag: str | None = None) -> dict[str, Any]:
    from ..indicators.registry import REGISTRY

    ind = REGISTRY[iid]
    return dict(zone_id="city", indicator_id=iid, epoch=epoch, epoch_start=None,
                scenario=label, value=value, unit=ind.unit, source=source,
                method_version=ind.method_version, synthetic=syn, flag=flag)


def compute_city_scenarios(city, grid, inputs: dict[str, str], epochs_data: dict[int, Any], *,
                           names: list[str] | None, epochs: tuple[int, ...] | list[int],
                           seed: int, dirs: tuple[str, ...] | list[str] = (),
                           overrides: str | None = None, form: dict[str, Any] | None = None,
                           pgr_epsilon: float | None = None, risk: Any = None,
                           carbon: Any = None, street_density: float | None = None,
                           raster_dir: Any = None, synthetic: bool = False
                           ) -> ScenarioRunResult:
    """Allocate and evaluate every growth scenario of one city (module docstring).

    ``names``, ``dirs``, ``epochs``, ``seed`` and ``overrides`` are the ``scenarios`` settings;
    ``form`` and ``pgr_epsilon`` the form settings the effects are measured with; ``risk`` and
    ``carbon`` the results of those engines when they ran (None otherwise);
    ``street_density`` the city's observed street density [km/km²] (mobility engine);
    ``raster_dir`` where the 2050 rasters go (None: not written).
    """
    from ..io.raster import read_layer
    from . import (
        BaseLayers,
        allocate,
        emission_hooks,
        load_scenarios,
        prepare_site,
        project_population,
        scenario_effects,
        write_epoch_rasters,
    )
    from .projection import load_overrides

    syn = bool(synthetic)
    last = max(epochs_data)
    prov: list[Any] = []
    out: list[dict[str, Any]] = []
    dem = None
    if inputs.get("dem"):
        dem = np.asarray(read_layer(inputs["dem"], grid, role="dem").data, float)
    at = epochs_data[last].get("atlas")
    water = (at.classes == 7) if at is not None else None
    base = BaseLayers(builtup=np.nan_to_num(epochs_data[last]["builtup"]),
                      population=np.nan_to_num(epochs_data[last]["population"]), year=last,
                      dem=dem, water=water, synthetic=syn,
                      source=f"observed {last}: "
                             + str(epochs_data[last].get("source") or "base layers"))
    site = prepare_site(grid, base)
    base_form: dict[str, Any] = {}  # the base year's urban form, shared by the scenarios
    overrides = None
    if overrides:
        overrides = load_overrides(overrides).get(city.city_id)
    proj = project_population(city, base_year=last, overrides=overrides)
    prov.append({"step": "projection", "method": proj.method})
    epochs = tuple(int(e) for e in epochs)
    masks = dict(getattr(risk, "masks", {}) or {})
    packaged = set(load_scenarios())
    scns = load_scenarios(names, extra_dirs=tuple(dirs))
    eff_params: dict[str, Any] = dict(form or {})
    if pgr_epsilon is not None:
        eff_params["pgr_epsilon"] = pgr_epsilon
    if street_density is not None:
        eff_params["street_density_observed_km_per_km2"] = float(street_density)
    rdir = raster_dir
    value_pp = None
    if risk is not None and risk.summary.get("population"):
        value_pp = (risk.summary.get("value_usd") or 0.0) / risk.summary["population"]
    for sid, sc in scns.items():
        missing = [n for n in sc.levers.no_build if n not in masks]
        if missing and sid in packaged:  # a packaged scenario: apply the levers we can
            sc = sc.model_copy(update={"levers": sc.levers.model_copy(update={
                "no_build": tuple(n for n in sc.levers.no_build if n in masks)})})
            prov.append({"step": f"scenario {sid}", "note": "no " + ", ".join(missing)
                         + " layer for this city: that no-build lever is not applied"})
        alloc = allocate(site, sc, proj, masks=masks, seed=int(seed),
                         epochs=epochs)
        out += scenario_effects(city, grid, site, alloc, masks, eff_params, cache=base_form)
        label = sc.label
        src = f"carlcities growth scenario {sid}" + ("; synthetic demo data" if syn else "")
        hooks = emission_hooks(alloc, site, grid)
        for e, ea in sorted(alloc.epochs.items()):
            if rdir is not None and e == max(alloc.epochs):
                write_epoch_rasters(rdir, grid, sid, e, ea.builtup, ea.population,
                                    dict(city_id=city.city_id, synthetic=str(syn).lower()))
            if risk is not None and value_pp is not None:
                pop_e = float(np.nansum(ea.population))
                eq = risk.summary["eal_usd_by_hazard"].get("earthquake", 0.0)
                base_pop = risk.summary["population"]
                g = pop_e / base_pop if base_pop else 1.0
                if eq:
                    out.append(_row("risk.eq_eal", eq * g, e, label,
                                    src + "; today's EAL per unit value on the scenario's "
                                          "population", syn))
                ratio = getattr(risk, "eal_per_value", {}).get("flood")
                if ratio is not None:
                    fl = float(np.nansum(np.nan_to_num(ea.population) * value_pp * ratio))
                    out.append(_row("risk.flood_eal", fl, e, label,
                                    src + "; the flood maps' EAL per unit value on the "
                                          "scenario's population x today's value per person",
                                    syn))
            if carbon is not None and e in hooks:
                from ..carbon.run import emissions_at_density

                t = emissions_at_density(carbon, e, hooks[e]["density_ratio"])
                if t is not None:
                    out.append(_row("ghg.total", t, e, label,
                                    src + "; carbon BAU pathway at the scenario's density "
                                          "(density elasticities of car travel and floor area)",
                                    syn))
        if alloc.remainder > 0:
            prov.append({"step": f"scenario {sid}", "note": f"{alloc.remainder:.0f} persons "
                         "of projected growth did not fit the available land"})
    return ScenarioRunResult(out, prov)
