"""Spatial allocation of the inventory to the city grid, for emission maps.

Buildings (residential and commercial, scopes 1 and 2) and manufacturing follow floor area
weighted by heat intensity (Soviet-era cells at the old intensity, cells built since the
first epoch at the newer one); on-road transport and waste follow population (a street
network, when one is added to the pipeline, can replace population as the transport
weight). Each layer sums to its inventory total [t CO2e/yr].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carlcities.carbon.activity import Activity
from carlcities.carbon.inventory import Inventory

__all__ = ["allocate", "spread"]


def spread(total: float, weights: np.ndarray) -> np.ndarray:
    """``total`` spread over cells in proportion to ``weights`` (NaN and negatives count 0)."""
    w = np.clip(np.nan_to_num(np.asarray(weights, float), nan=0.0), 0.0, None)
    s = w.sum()
    return w * (total / s) if s > 0 else np.zeros_like(w)


def allocate(inv: Inventory, act: Activity, grid_data: dict[str, Any] | None
             ) -> dict[str, tuple[np.ndarray, str, str]]:
    """Emission layers [t CO2e/cell/yr] of the base year, named ``ghg_..._YEAR``.

    Empty when no grid arrays are given (population-only runs).
    """
    if not grid_data or grid_data.get("builtup") is None or grid_data.get("population") is None:
        return {}
    y = inv.year
    pop = np.nan_to_num(np.asarray(grid_data["population"], float), nan=0.0)
    floor = act.grids.get("floor_m2")
    if floor is None:
        floor = np.nan_to_num(np.asarray(grid_data["builtup"], float), nan=0.0)
    first = grid_data.get("builtup_first")
    share = np.nan_to_num(np.asarray(grid_data["builtup"], float), nan=0.0)
    if first is not None:
        old = np.where(share > 0, np.minimum(np.nan_to_num(first, nan=0.0), share) /
                       np.where(share > 0, share, 1.0), 0.0)
    else:
        old = np.ones_like(share)
    q_old = act.drivers.get("heat_intensity_old", 1.0)
    q_new = act.drivers.get("heat_intensity_new", q_old)
    w_build = floor * (old * q_old + (1 - old) * q_new)
    build = spread(inv.subsector_total("stationary", "residential")
                   + inv.subsector_total("stationary", "commercial"), w_build)
    manuf = spread(inv.subsector_total("stationary", "manufacturing"), floor)
    transport = spread(inv.sector_total("transport"), pop)
    waste = spread(inv.sector_total("waste"), pop)
    total = build + manuf + transport + waste
    unit = "t CO2e/cell/yr"
    return {
        f"ghg_{y}": (total, unit, f"GPC BASIC emissions {y} by grid cell (buildings by "
                                  "floor area and heat intensity, transport and waste by "
                                  "population)"),
        f"ghg_buildings_{y}": (build + manuf, unit, f"stationary energy {y} by floor area"),
        f"ghg_transport_{y}": (transport, unit, f"on-road transport {y} by population"),
    }
