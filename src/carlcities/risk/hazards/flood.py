"""Flood: losses and the 100-year flood zone from return-period depth maps.

The depth maps (input roles ``flood_depth_rp<T>``, one per return period T [yr]) are read onto
the grid; each map's loss is the value of every cell by occupancy × the JRC Asia depth-damage
fraction of its depth (:mod:`carlcities.risk.flood`), and the EAL integrates the map losses
over annual exceedance probability (trapezoid). Floods more frequent than the most frequent
map do no damage (:data:`LOWER_TAIL`). The 100-year map (or the next rarer one when there is
none) gives the ``flood_100`` mask. The trajectories move the depths with the climate deltas
and scale the value with the projected population.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np

from carlcities.risk.hazards.base import HazardContext, HazardOutcome
from carlcities.risk.sites import per_cell

__all__ = ["Flood", "LOWER_TAIL"]

#: floods more frequent than the most frequent map do no damage (drainage and protection up to
#: that standard); "linear_to_zero" (loss falling to 0 at 1/2 yr) is the alternative. The
#: choice moves the EAL a lot where the most frequent map already floods the city (Ward et
#: al. 2011): with the demo maps, Aktobe's flood EAL is 351 M USD/yr with the linear tail and
#: 147 M USD/yr without it.
LOWER_TAIL = "none"
_OCCUPANCY_CODES = (("residential", "Res"), ("commercial", "Com"), ("industrial", "Ind"))


def _bands(by_rp: dict[float, float]) -> dict[str, float]:
    """EAL contribution of each return-period band (trapezoid between neighbouring maps)."""
    rps = sorted(by_rp)
    return {str(int(b)): 0.5 * (by_rp[a] + by_rp[b]) * (1 / a - 1 / b)
            for a, b in zip(rps[:-1], rps[1:])}


class Flood:
    """Riverine and pluvial flood from depth maps (see the module docstring)."""

    name = "flood"
    roles: tuple[str, ...] = ("flood_depth_rp*",)
    section = "flood"
    damage_model = "JRC global flood depth-damage functions, Asia (Huizinga et al. 2017)"

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        from carlcities.risk.flood import damage_fraction, flood_losses, read_flood_depths
        from carlcities.risk.metrics import eal_from_return_periods

        o = HazardOutcome(intensity_unit="m", summary=dict(
            eal_usd_by_hazard={"flood": 0.0}, flood_eal_usd_by_rp={}))
        paths = {int(k.rsplit("rp", 1)[1]): v
                 for k, v in ctx.role_paths("flood_depth_rp*").items()}
        if not paths:
            return o
        grid, pop, value = ctx.grid, ctx.population, ctx.value
        expo = ctx.exposure
        occ_val = {occ: per_cell(expo, grid, np.where(expo.occupancy == code,
                                                      expo.value_total, 0.0))
                   for occ, code in _OCCUPANCY_CODES}
        depths = read_flood_depths({float(T): v for T, v in paths.items()}, grid)
        fr = flood_losses(depths, occ_val, population=pop, buildings=ctx.buildings,
                          lower_tail=LOWER_TAIL)
        o.inputs["risk_flood_eal_usd"] = fr.eal_usd
        t_zone = min((T for T in depths if T >= 100.0), default=None)
        if t_zone is not None:  # the 100-year zone, or the next rarer map's when none is 100
            o.masks["flood_100"] = depths[t_zone] > 0
            if t_zone != 100.0:
                o.provenance.append({"step": "flood", "note": f"no 100-year map: the "
                                     f"{t_zone:g}-year map stands for the 100-year flood zone"})
        else:
            for iid in ("exposure.pop_flood_100", "exposure.value_flood_100"):
                o.undefined[iid] = "undefined: no flood map of 100 years or rarer"
        if fr.damage_ratio_100 is not None:
            o.rasters["flood_damage_ratio_rp100"] = (
                np.where(value > 0, fr.damage_ratio_100, np.nan).astype("float32"),
                "ratio", "flood damage ratio of the 100-year flood (JRC Asia curves)")
        if t_zone is not None:
            d100 = depths[t_zone]
            o.intensity = d100
            o.rasters["flood_depth_rp100"] = (np.where(d100 > 0, d100, np.nan).astype("float32"),
                                              "m", f"flood depth of the {t_zone:g}-year flood [m]")
        for T in fr.return_periods:
            o.curves.append(dict(hazard="flood", curve="loss", scenario="maps", measure="loss",
                                 unit="USD", x=fr.loss_usd[T], annual_rate=1.0 / T,
                                 return_period=T, synthetic=ctx.synthetic))
        # per-cell flood EAL per unit of value (the trapezoid is linear in the map losses)
        rps = sorted(depths)
        wts = [eal_from_return_periods(rps, [1.0 if j == k else 0.0 for j in range(len(rps))],
                                       lower_tail=LOWER_TAIL) for k in range(len(rps))]
        # one map at least (paths is not empty), so sum() never returns its start value 0
        o.eal_per_value = cast(np.ndarray, sum(
            w * damage_fraction(np.nan_to_num(depths[T]), "residential")
            for w, T in zip(wts, rps)))
        o.summary = dict(eal_usd_by_hazard={"flood": fr.eal_usd},
                         flood_eal_usd_by_rp=_bands({T: fr.loss_usd[T]
                                                     for T in fr.return_periods}))
        o.state = dict(depths=depths, occ_val=occ_val)
        o.provenance.append({"step": "flood", "maps": {str(T): Path(v).name
                                                       for T, v in paths.items()},
                             "method": fr.eal_method})
        return o

    def project(self, ctx: HazardContext, outcome: HazardOutcome, year: int, growth: float,
                climate: str | None) -> dict[str, Any]:
        """Flood EAL with the depths of ``climate`` in ``year`` and the value grown."""
        from carlcities.risk.flood import climate_adjusted_depths, flood_losses

        depths = outcome.state.get("depths")
        if climate is None or not depths:
            return {}
        adj = climate_adjusted_depths(depths, climate, year) if year > 2005 else depths
        return {"risk_flood_eal_usd": flood_losses(
            adj, {k: v * growth for k, v in outcome.state["occ_val"].items()},
            lower_tail=LOWER_TAIL).eal_usd}
