"""Growth scenarios to 2050: population projection, levers, spatial allocation and effects.

``bau_sprawl``, ``compact``, ``tod`` and ``risk_aware`` ship as YAML files in
``carlcities/data/growth_scenarios``; users add their own. See ``docs/growth_scenarios.md``.

Typical use, per city::

    proj = project_population(city)                      # yearly 2020–2050 [persons]
    site = prepare_site(grid, BaseLayers(builtup, population, dem=dem, water=water))
    for sc in load_scenarios().values():
        alloc = allocate(site, sc, proj, masks=hazard_masks, seed=0)
        rows = scenario_effects(city, grid, site, alloc, hazard_masks, params)
"""

from __future__ import annotations

from .allocate import (
    DECADES,
    Allocation,
    BaseLayers,
    EpochAllocation,
    Site,
    allocate,
    prepare_site,
    write_epoch_rasters,
)
from .effects import emission_hooks, scenario_effects
from .levers import (
    DEFAULT_SCENARIOS,
    HAZARD_LAYERS,
    Scenario,
    check_levers,
    default_parameters,
    load_scenario_file,
    load_scenarios,
)
from .projection import (
    NationalUrban,
    Projection,
    load_overrides,
    load_urban_projections,
    project_population,
    project_populations,
)

__all__ = [
    "DECADES",
    "DEFAULT_SCENARIOS",
    "HAZARD_LAYERS",
    "Allocation",
    "BaseLayers",
    "EpochAllocation",
    "NationalUrban",
    "Projection",
    "Scenario",
    "Site",
    "allocate",
    "check_levers",
    "default_parameters",
    "emission_hooks",
    "load_overrides",
    "load_scenario_file",
    "load_scenarios",
    "load_urban_projections",
    "prepare_site",
    "project_population",
    "project_populations",
    "scenario_effects",
    "write_epoch_rasters",
]
