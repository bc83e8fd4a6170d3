"""Mudflow (debris flow): run-out corridors from a mudflow map or from the DEM.

A mudflow map (input role ``mudflow``: classes 0-3, or 0/1) is read onto the grid; without
one, and where the DEM has more than :data:`MIN_RELIEF_M` of relief, run-out corridors are
derived from it (:func:`carlcities.risk.mudflow.debris_flow_susceptibility`: angle of reach
from debris-fan apexes). Classes 2 and 3 (medium, high) make the ``mudflow`` mask, in which the
engine counts residents, value and critical facilities. No damage model: exposure only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from carlcities.risk.hazards.base import HazardContext, HazardOutcome

__all__ = ["Mudflow", "MIN_RELIEF_M"]

#: relief of the DEM [m] below which no run-out corridor is derived (a flat city has none)
MIN_RELIEF_M = 300.0


class Mudflow:
    """Mudflow exposure (see the module docstring)."""

    name = "mudflow"
    roles: tuple[str, ...] = ("mudflow", "dem")
    section = "mudflow"
    damage_model = "none: people and value in run-out corridors (exposure only)"

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        o = HazardOutcome(intensity_unit="class")
        dem, mud = ctx.dem, None
        if ctx.inputs.get("mudflow"):
            from carlcities.risk.mudflow import read_mudflow_map

            mud = read_mudflow_map(ctx.inputs["mudflow"], ctx.grid)
            src = f"mudflow map {Path(ctx.inputs['mudflow']).name}"
        elif dem is not None and np.isfinite(dem).any() and \
                float(np.nanmax(dem) - np.nanmin(dem)) > MIN_RELIEF_M:
            from carlcities.risk.mudflow import debris_flow_susceptibility

            mud = debris_flow_susceptibility(np.nan_to_num(dem, nan=float(np.nanmin(dem))),
                                             ctx.grid.res).classes
            src = "run-out corridors from the DEM (angle of reach)"
        if mud is None:
            return o
        o.masks["mudflow"] = mud >= 2
        o.intensity = mud
        o.rasters["mudflow_class"] = (np.where(mud > 0, mud, np.nan).astype("float32"), "class",
                                      "mudflow susceptibility 1 low, 2 medium, 3 high")
        o.provenance.append({"step": "mudflow", "source": src})
        return o

    def project(self, ctx, outcome, year, growth, climate) -> dict[str, float]:
        return {}  # the corridors do not move; the growth scenarios count new residents in them
