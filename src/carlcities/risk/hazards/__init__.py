"""The hazards of the risk engine, one module each, behind one interface (:mod:`.base`).

``earthquake``  hazard at the centre, event-based losses and deaths, historic scenarios
``flood``       losses and the 100-year zone from return-period depth maps
``mudflow``     run-out corridors from a mudflow map or the DEM (exposure only)
``heat``        hot days, heatwaves, exposed elderly, heat-attributable deaths

The built-ins are registered here, in the order the engine runs them; other packages add
theirs with :func:`register_hazard` or the ``carlcities.hazards`` entry-point group.
"""

from __future__ import annotations

from carlcities.risk.hazards.base import (
    ENTRY_POINT_GROUP,
    HAZARDS,
    Hazard,
    HazardContext,
    HazardOutcome,
    hazard_roles,
    load_entry_points,
    register_hazard,
    registered_hazards,
    unregister_hazard,
)
from carlcities.risk.hazards.earthquake import Earthquake
from carlcities.risk.hazards.flood import Flood
from carlcities.risk.hazards.heat import Heat
from carlcities.risk.hazards.mudflow import Mudflow

__all__ = ["ENTRY_POINT_GROUP", "HAZARDS", "Hazard", "HazardContext", "HazardOutcome",
           "Earthquake", "Flood", "Heat", "Mudflow", "hazard_roles", "load_entry_points",
           "register_hazard", "registered_hazards", "unregister_hazard"]

for _h in (Earthquake(), Flood(), Mudflow(), Heat()):
    register_hazard(_h)
