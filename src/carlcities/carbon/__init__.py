"""Greenhouse gases: GPC BASIC inventory, pathways to 2050, low-carbon actions and the MACC.

Data flow: sourced defaults (``data/carbon_parameters.csv``) and user activity data →
:mod:`~carlcities.carbon.activity` → :mod:`~carlcities.carbon.inventory` (IPCC 2006 factors
of :mod:`~carlcities.carbon.factors`) → :mod:`~carlcities.carbon.pathways` →
:mod:`~carlcities.carbon.actions` (``data/carbon_actions.yaml``) →
:mod:`~carlcities.carbon.macc`; :mod:`~carlcities.carbon.allocate` maps the inventory on the
city grid and :func:`compute_city_carbon` strings it together for the pipeline.
"""

from __future__ import annotations

from carlcities.carbon.actions import ActionError, apply_actions, load_actions, uptake
from carlcities.carbon.activity import (
    ActivityLine,
    heating_degree_days,
    proxy_activity,
    read_user_activity,
)
from carlcities.carbon.factors import co2e, combustion_factors, fuel, gwp
from carlcities.carbon.inventory import chp_allocation, compute_inventory
from carlcities.carbon.macc import annualised_capex, cost_per_tonne, macc
from carlcities.carbon.parameters import UnitMismatchError, load_parameters, quantity
from carlcities.carbon.pathways import SCENARIOS, pathway
from carlcities.carbon.run import CarbonResult, compute_city_carbon

__all__ = [
    "SCENARIOS", "ActionError", "ActivityLine", "CarbonResult", "UnitMismatchError",
    "annualised_capex", "apply_actions", "chp_allocation", "co2e", "combustion_factors",
    "compute_city_carbon", "compute_inventory", "cost_per_tonne", "fuel", "gwp",
    "heating_degree_days", "load_actions", "load_parameters", "macc", "pathway",
    "proxy_activity", "quantity", "read_user_activity", "uptake",
]
