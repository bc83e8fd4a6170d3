"""Heat: hot days, heatwave days, exposed elderly and heat-attributable deaths.

From a daily maximum-temperature series (input role ``tmax_daily``, CSV ``date, tmax``):
days per year at or above each of ``heat_thresholds_c`` (35 and 40 °C are stored), heatwave
days (runs of 5 days over 40 °C), residents aged 65+ where 40 °C days occur, and deaths
attributable to heat over the minimum-mortality temperature (:mod:`carlcities.risk.heat`).
The trajectories shift the series by the climate deltas and grow the population.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import HazardError
from carlcities.risk.hazards.base import HazardContext, HazardOutcome

__all__ = ["Heat", "country_parameter"]

#: countries whose heat parameters stand in (their median) for a country without them
_REGION = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


def country_parameter(name: str, iso3: str, prov: list[Any]) -> float:
    """A heat parameter of the country, else the median of the region's countries that have
    one (said in ``prov``)."""
    from carlcities.risk.heat import heat_parameter

    try:
        return float(heat_parameter(name, iso3))
    except HazardError:
        vals = []
        for c in _REGION:
            try:
                vals.append(float(heat_parameter(name, c)))
            except HazardError:
                pass
        v = float(np.median(vals))
        prov.append({"step": "heat", "note": f"{name} of {iso3} not found: median of the "
                                             f"other countries ({v:g}) used", "fallback": True})
        return v


class Heat:
    """Heat hazard and its deaths (see the module docstring)."""

    name = "heat"
    roles: tuple[str, ...] = ("tmax_daily",)
    section = "heat"
    damage_model = ("exposure-response function over the minimum-mortality temperature "
                    "(relative risk per degree above it)")

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        from carlcities.risk.heat import (
            attributable_deaths,
            heatwave_days_threshold,
            hot_days_per_year,
            read_daily_temperature,
        )

        o = HazardOutcome(summary=dict(heat_excess_deaths_yr=0.0))
        if not ctx.inputs.get("tmax_daily"):
            return o
        series = read_daily_temperature(ctx.inputs["tmax_daily"])
        n_y = max(1, len({int(str(d)[:4]) for d in series.dates}))
        for thr in ctx.params["heat_thresholds_c"]:
            days = sum(hot_days_per_year(series, float(thr)).values()) / n_y
            if int(thr) in (35, 40):
                o.inputs[f"risk_heat_days_{int(thr)}"] = float(days)
        hw = heatwave_days_threshold(series)
        o.inputs["risk_heatwave_days"] = float(hw.sum()) / n_y if hasattr(hw, "sum") else \
            float(sum(hw.values())) / n_y
        total_pop = float(ctx.population.sum())
        share = country_parameter("share_65plus", ctx.city.country_iso3, o.provenance)
        cdr = country_parameter("crude_death_rate", ctx.city.country_iso3, o.provenance)
        if o.inputs.get("risk_heat_days_40", 0.0) > 0:
            o.inputs["risk_pop_65plus"] = total_pop * share / 100.0
        ad = attributable_deaths(series, total_pop, cdr)
        o.inputs["risk_heat_deaths"] = ad["deaths_per_year"]
        o.summary = dict(heat_excess_deaths_yr=ad["deaths_per_year"])
        o.state = dict(series=series, mmt_c=ad["mmt_c"], cdr=cdr)
        o.provenance.append({"step": "heat", "series": Path(ctx.inputs["tmax_daily"]).name,
                             "mmt_c": ad["mmt_c"]})
        return o

    def project(self, ctx: HazardContext, outcome: HazardOutcome, year: int, growth: float,
                climate: str | None) -> dict[str, float]:
        """Heat deaths with the series shifted by the climate delta of ``year`` and the
        population grown (the minimum-mortality temperature stays: no adaptation)."""
        from carlcities.risk.climate import delta
        from carlcities.risk.heat import attributable_deaths, shift_series

        s = outcome.state
        if climate is None or not s:
            return {}
        d = delta(climate, year) if year > 2005 else 0.0
        return {"risk_heat_deaths": attributable_deaths(
            shift_series(s["series"], d), float(ctx.population.sum()) * growth, s["cdr"],
            mmt_c=s["mmt_c"])["deaths_per_year"]}
