"""Options from the urban growth scenarios, valued against business-as-usual sprawl."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from carlcities.errors import AppraisalError

from .options import Effect, Option, spread_effect

__all__ = ["BAU", "COST_KEY", "COST_NEEDS", "growth_cost", "options_from_growth"]

BAU = "bau_sprawl"


#: what would have to be known to cost a growth policy
COST_NEEDS = ("cost of planning and enforcing the policy (plans, development control staff), "
              "trunk infrastructure and service extension per hectare of new land by urban "
              "form, and land acquisition or compensation where building is restricted")


#: the parameter (``data/appraisal_parameters.csv``) of a growth policy's cost per new resident
COST_KEY = "growth_capex_usd_per_new_resident"


def growth_cost(new_residents: float, params: Any) -> dict[str, Any]:
    """Capital cost [USD] of planning the growth of ``new_residents`` [persons] one way rather
    than letting it sprawl: :data:`COST_KEY` [USD/person] (value, low, high) × new residents,
    with the parameter's source. Returns ``{}`` (cost unknown: the wide interval applies) when
    the city does not grow or the parameter file has no such row."""
    if not new_residents > 0 or COST_KEY not in params.values:
        return {}
    per = params.values[COST_KEY]
    lo, hi = params.ranges.get(COST_KEY, (per, per))
    out: dict[str, Any] = dict(capex_usd=per * new_residents,
                               sources=[params.sources.get(COST_KEY, COST_KEY)])
    if hi > lo:
        out.update(capex_low=lo * new_residents, capex_high=hi * new_residents)
    return out


def options_from_growth(rows: Iterable[Mapping[str, Any]], *, start_year: int = 2025,
                        lifetime_yr: float = 30.0, uncertainty: float = 0.3,
                        unknown_capex: tuple[float, float] = (1e5, 1e8)) -> list[Option]:
    """Growth scenarios as options, valued against the ``bau_sprawl`` scenario.

    Each row: ``scenario_id``, ``name_en``, ``name_ru``, ``land_take_ha`` [ha of new built-up
    land to the horizon], ``exposed_persons`` [persons in hazard zones], ``t_co2e_yr``
    [t CO2e/yr at the horizon]; optional ``eal_usd_yr`` [USD/yr], ``capex_usd``,
    ``opex_usd_yr``, ``feasibility``, ``access_score`` [0–1], ``sources``.
    Effects are BAU minus scenario (avoided land take [ha], avoided exposure [persons],
    avoided emissions [t CO2e/yr], avoided EAL [USD/yr]); the avoided emissions and losses
    ramp in over ``lifetime_yr`` (growth happens gradually). Uncertainty: triangular ±
    ``uncertainty`` × value (assumption). A row without ``capex_usd`` has an **unknown cost**:
    never 0, but the wide interval ``unknown_capex`` (low, high) [USD], drawn log-uniformly by
    the Monte Carlo and the SMAA, and the option is not ranked (:func:`..appraise_city`);
    ``capex_low``/``capex_high`` in a row give an estimated cost its interval.
    The BAU scenario itself is not an option; the options are mutually exclusive.
    """
    rows = list(rows)
    base = next((r for r in rows if r.get("scenario_id") == BAU), None)
    if base is None:
        raise AppraisalError(f"no {BAU!r} scenario among the growth rows",
                             fix=f"give the business-as-usual scenario with scenario_id {BAU}")
    out = []
    pairs = (("avoided_land_take_ha", "land_take_ha"),
             ("avoided_exposure_persons", "exposed_persons"),
             ("avoided_t_co2e_yr", "t_co2e_yr"), ("avoided_eal_usd_yr", "eal_usd_yr"))
    for r in rows:
        if r is base:
            continue
        effects = {}
        for key, col in pairs:
            if col in r and col in base:
                effects[key] = spread_effect(float(base[col]) - float(r[col]), uncertainty)
        if "access_score" in r:
            effects["access_score"] = Effect(float(r["access_score"]))
        costed = "capex_usd" in r
        flags = () if costed else ("cost unknown: " + COST_NEEDS,)
        if costed:
            capex = float(r["capex_usd"])
            cost: dict[str, Any] = {}
            if "capex_low" in r and "capex_high" in r:
                cost = dict(capex_low=float(r["capex_low"]), capex_high=float(r["capex_high"]))
        else:
            lo, hi = unknown_capex
            capex = math.sqrt(lo * hi)
            cost = dict(capex_low=lo, capex_high=hi, cost_known=False, cost_needs=COST_NEEDS)
        src = r.get("sources") or ()
        out.append(Option(
            option_id=str(r["scenario_id"]), kind="growth", name_en=str(r["name_en"]),
            name_ru=str(r["name_ru"]), capex_usd=capex, **cost,
            opex_usd_yr=float(r.get("opex_usd_yr", 0.0)), lifetime_yr=lifetime_yr,
            start_year=start_year, ramp_yr=lifetime_yr, effects=effects,
            feasibility=float(r.get("feasibility", 1.0)),
            sources=tuple([src] if isinstance(src, str) else src), flags=flags,
            mechanism="growth scenario compared with business-as-usual sprawl"))
    return out
