"""Abatement cost per tonne and the marginal abatement cost curve (MACC).

Abatement cost [USD/t CO2e] = (annualised capex + Δopex − energy savings) / annual abatement,
annualised capex = capex · r / (1 − (1 + r)^−n) (capital recovery factor; METHODS.md,
Appraisal). The MACC orders actions from the cheapest to the dearest per tonne; each bar's
width is its abatement.

References
----------
Kesicki, F. & Ekins, P. (2012). Marginal abatement cost curves: a call for caution.
Climate Policy 12(2):219–236. doi:10.1080/14693062.2011.582347
"""

from __future__ import annotations

from typing import Any

__all__ = ["annualised_capex", "capital_recovery_factor", "cost_per_tonne", "macc"]


def capital_recovery_factor(rate: float, years: float) -> float:
    """r / (1 − (1 + r)^−n) [1/yr]; 1/n when r = 0."""
    if years <= 0:
        raise ValueError("lifetime must be positive")
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


def annualised_capex(capex: float, rate: float, years: float) -> float:
    """Capital cost spread over the lifetime at the discount rate [USD/yr]."""
    return capex * capital_recovery_factor(rate, years)


def cost_per_tonne(capex: float, opex_yr: float, savings_yr: float, abatement_t_yr: float,
                   rate: float, years: float) -> float | None:
    """(capex·CRF + opex − savings) / abatement [USD/t CO2e]; None when nothing is abated."""
    if abatement_t_yr <= 0:
        return None
    return (annualised_capex(capex, rate, years) + opex_yr - savings_yr) / abatement_t_yr


def macc(actions: list[dict[str, Any]], year: int = 2030) -> list[dict[str, Any]]:
    """Actions with a cost and a positive abatement in ``year``, cheapest first.

    Each item gets ``x0`` and ``x1`` [t CO2e/yr], the cumulative abatement at its bar's edges.
    """
    key = f"abatement_{year}_t"
    ok = [a for a in actions if a.get("cost_usd_per_t") is not None and (a.get(key) or 0) > 0]
    ok.sort(key=lambda a: (a["cost_usd_per_t"], -a[key]))
    x = 0.0
    out = []
    for a in ok:
        out.append(dict(a, x0=x, x1=x + a[key]))
        x += a[key]
    return out
