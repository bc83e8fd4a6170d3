"""Cost-benefit analysis of options: year-by-year cash flows, NPV, BCR, IRR, abatement cost.

Methods
-------
* Cash flows (constant prices [USD]): capex in the option's start year; opex [USD/yr] scaled
  by the uptake ramp; benefits Bₜ = avoided EAL [USD/yr] + avoided fatalities [deaths/yr] ×
  VSL [USD] + avoided emissions [t CO2e/yr] × SCC [USD/t CO2e] + energy savings [USD/yr],
  each times the uptake share uₜ (or a yearly stream).
* NPV = Σₜ (Bₜ − Cₜ)/(1+r)^(t − base year); BCR = PV(B)/PV(C); IRR: the rate where NPV = 0
  (:func:`scipy.optimize.brentq`; None when NPV has no sign change) — HM Treasury (2022)
  *The Green Book*, ch. 6 and annex A6; Boardman et al. (2018) *Cost-Benefit Analysis:
  Concepts and Practice*, 5th ed., Cambridge UP, doi:10.1017/9781108235594, ch. 6 and 9.
* Annuity factor a(r, n) = (1 − (1+r)⁻ⁿ)/r; capital recovery factor CRF = r/(1 − (1+r)⁻ⁿ).
* Abatement cost [USD/t CO2e] = (capex · CRF + Δopex − savings) / annual abatement
  (the levelised-cost definition behind marginal abatement cost curves; Kesicki & Ekins 2012,
  *Climate Policy* 12(2):219, doi:10.1080/14693062.2011.582347).
* Horizon: by default the common appraisal horizon of the parameter file (``horizon_yr``):
  an option with a shorter life is renewed (its capex again at the end of each life), one
  outliving the horizon keeps a straight-line residual value, credited in the last year
  (as a negative cost). ``horizon_yr=None`` values an option over its own life.
* VSL of a country = ``vsl_income_multiple`` × GDP per person (Robinson, Hammitt & O'Keeffe
  2019, *J. Benefit Cost Anal.* 10(S1):15, doi:10.1017/bca.2018.26, income elasticity 1.0).

The parameters, their ranges and sources are in ``data/appraisal_parameters.csv``.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq

from carlcities.errors import AppraisalError

from .options import MONETISED, Option, uptake

__all__ = [
    "AppraisalParameters",
    "CashFlows",
    "abatement_cost",
    "annuity_factor",
    "appraise_option",
    "capital_recovery_factor",
    "cash_flows",
    "irr",
    "load_parameters",
    "npv",
    "npv_samples",
]

_PARAM_COLUMNS = ("key", "country", "value", "low", "high", "unit", "year", "source",
                  "assumption")


@dataclass(frozen=True)
class AppraisalParameters:
    """Economic parameters of one appraisal (one country).

    Attributes
    ----------
    discount_rate : float
        Real social discount rate [1/yr].
    scc_usd_per_t_co2e : float
        Social cost of carbon [USD/t CO2e].
    vsl_usd : float
        Value of a statistical life [USD].
    horizon_yr : int or None
        Common appraisal horizon [yr]; None: each option over its own life.
    base_year : int
        Year values are discounted to.
    ranges : dict
        key -> (low, high) for the sensitivity analysis.
    values : dict
        Every numeric parameter of the file (key -> value) for the country.
    sources : dict
        key -> source text (``assumption`` rows say so).
    """

    discount_rate: float
    scc_usd_per_t_co2e: float
    vsl_usd: float
    horizon_yr: int | None
    base_year: int
    country_iso3: str | None = None
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def price(self, key: str | None) -> float:
        """Price of a monetised effect: 1, the VSL [USD] or the SCC [USD/t CO2e]."""
        return 1.0 if key is None else float(getattr(self, key))

    def with_(self, **kw: Any) -> AppraisalParameters:
        """A copy with some fields replaced (e.g. ``discount_rate=0.03``)."""
        return replace(self, **kw)


def load_parameters(country_iso3: str | None = None, path: str | Path | None = None,
                    **overrides: Any) -> AppraisalParameters:
    """Read ``data/appraisal_parameters.csv`` (or ``path``) for one country.

    A row for the country wins over the ``*`` row. The VSL is ``vsl_income_multiple`` ×
    ``gdp_per_capita_usd`` of the country [USD]. ``overrides`` replace fields of the result.

    Raises
    ------
    AppraisalError
        Missing columns or keys, non-numeric values, a negative discount rate or SCC.
    """
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/appraisal_parameters.csv", "parameter file")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(_PARAM_COLUMNS) - set(rows[0]):
        raise AppraisalError(f"the parameter file needs columns {', '.join(_PARAM_COLUMNS)}",
                             path=name, fix="keep the header of the bundled file")
    values: dict[str, float] = {}
    ranges: dict[str, tuple[float, float]] = {}
    sources: dict[str, str] = {}
    rank: dict[str, int] = {}
    for i, r in enumerate(rows, start=2):
        c = r["country"].strip()
        if c not in ("*", country_iso3):
            continue
        k = r["key"].strip()
        level = 1 if c != "*" else 0
        if rank.get(k, -1) >= level:
            continue
        try:
            values[k] = float(r["value"])
            if r["low"].strip() and r["high"].strip():
                ranges[k] = (float(r["low"]), float(r["high"]))
        except ValueError:
            raise AppraisalError(f"row {i}: {k}: value, low and high must be numbers",
                                 path=name, fix="write numbers with a decimal point") from None
        rank[k] = level
        tag = " [assumption]" if r["assumption"].strip().lower() in ("yes", "true") else ""
        sources[k] = r["source"] + tag
    need = ("discount_rate", "scc_usd_per_t_co2e", "vsl_income_multiple", "gdp_per_capita_usd",
            "horizon_yr", "base_year")
    miss = [k for k in need if k not in values]
    if miss:
        raise AppraisalError(f"missing parameter(s) {', '.join(miss)}", path=name,
                             fix="add a row with country '*' for each")
    if values["discount_rate"] <= -1 or values["scc_usd_per_t_co2e"] < 0:
        raise AppraisalError("discount_rate must be > -1 and scc_usd_per_t_co2e >= 0",
                             path=name, fix="correct the values")
    vsl = values["vsl_income_multiple"] * values["gdp_per_capita_usd"]
    lo_hi = ranges.get("vsl_income_multiple")
    if lo_hi:
        ranges["vsl_usd"] = (lo_hi[0] * values["gdp_per_capita_usd"],
                             lo_hi[1] * values["gdp_per_capita_usd"])
    sources["vsl_usd"] = ("vsl_income_multiple x gdp_per_capita_usd: "
                          + sources["vsl_income_multiple"])
    p = AppraisalParameters(
        discount_rate=values["discount_rate"], scc_usd_per_t_co2e=values["scc_usd_per_t_co2e"],
        vsl_usd=vsl, horizon_yr=int(values["horizon_yr"]), base_year=int(values["base_year"]),
        country_iso3=country_iso3, ranges=ranges, values=values, sources=sources)
    return replace(p, **overrides) if overrides else p


# -------------------------------------------------------------------------------- formulas
def annuity_factor(r: float, n: float) -> float:
    """Present value of 1 [USD/yr] for ``n`` years at rate ``r``: (1 − (1+r)⁻ⁿ)/r [yr]."""
    if r == 0:
        return float(n)
    return (1 - (1 + r) ** -n) / r


def capital_recovery_factor(r: float, n: float) -> float:
    """Annualised capital per USD of capex: r/(1 − (1+r)⁻ⁿ) [1/yr] (1/n when r = 0)."""
    return 1.0 / annuity_factor(r, n)


def npv(flows: np.ndarray | list[float], r: float) -> float:
    """Σₜ flowsₜ/(1+r)ᵗ, t = 0, 1, ... [USD]."""
    f = np.asarray(flows, dtype=float)
    return float(np.sum(f / (1 + r) ** np.arange(len(f))))


def irr(flows: np.ndarray | list[float], *, lo: float = -0.99, hi: float = 100.0
        ) -> float | None:
    """Internal rate of return [1/yr]: the rate where the NPV of ``flows`` is 0.

    The NPV is evaluated on a grid of rates in (lo, hi]; the first bracket where it changes
    sign is refined with :func:`scipy.optimize.brentq`. None when the NPV keeps one sign
    (e.g. costs only, or benefits that never repay the capex).
    """
    f = np.asarray(flows, dtype=float)
    if not (f > 0).any() or not (f < 0).any():
        return None
    grid = _irr_grid(lo, hi)
    # the NPV at every rate of the grid at once: each row is the sum of :func:`npv`, the same
    # element-wise terms added by the same (pairwise) reduction along the row
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        vals = (f[None, :] / _irr_powers(lo, hi, len(f))).sum(axis=1)
    va, vb = vals[:-1], vals[1:]
    hit = np.flatnonzero((va == 0) | (np.sign(va) != np.sign(vb)))
    if not hit.size:
        return None
    i = int(hit[0])
    a, b = grid[i], grid[i + 1]
    if va[i] == 0:
        return float(a)
    return float(brentq(lambda x: npv(f, x), a, b, xtol=1e-12, rtol=1e-12))


@functools.cache
def _irr_grid(lo: float, hi: float) -> np.ndarray:
    """The rates :func:`irr` scans: 400 from ``lo`` to 1, 100 geometric from 1 to ``hi``."""
    g = np.unique(np.concatenate([np.linspace(lo, 1.0, 400), np.geomspace(1.0, hi, 100)]))
    g.flags.writeable = False
    return g


@functools.lru_cache(maxsize=64)
def _irr_powers(lo: float, hi: float, n: int) -> np.ndarray:
    """(1 + rate)ᵗ for the rates of :func:`_irr_grid` (rows) and t = 0 … n − 1: the same for
    every option of a horizon, so computed once."""
    grid = _irr_grid(lo, hi)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = (1 + grid[:, None]) ** np.arange(n)[None, :]
    p.flags.writeable = False
    return p


def abatement_cost(capex_usd: float, opex_usd_yr: float, savings_usd_yr: float,
                   abatement_t_yr: float, r: float, lifetime_yr: float) -> float | None:
    """Levelised abatement cost [USD/t CO2e] = (capex·CRF + opex − savings)/abatement.

    None when the option abates nothing (abatement <= 0).
    """
    if not abatement_t_yr > 0:
        return None
    return (capex_usd * capital_recovery_factor(r, lifetime_yr) + opex_usd_yr
            - savings_usd_yr) / abatement_t_yr


# ------------------------------------------------------------------------------- cash flows
@dataclass(frozen=True)
class CashFlows:
    """Year-by-year flows of one option [USD]; index 0 is the start year.

    ``capex`` includes renewals and (negative) the residual value in the last year;
    ``benefits`` maps each monetised effect to its stream [USD/yr].
    """

    option_id: str
    years: np.ndarray
    capex: np.ndarray
    opex: np.ndarray
    benefits: dict[str, np.ndarray]
    discount: np.ndarray

    @property
    def benefit(self) -> np.ndarray:
        return sum(self.benefits.values(), np.zeros(len(self.years)))

    @property
    def cost(self) -> np.ndarray:
        return self.capex + self.opex

    @property
    def net(self) -> np.ndarray:
        return self.benefit - self.cost


def _schedule(option: Option, horizon_yr: int | None) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """Years, capex schedule per USD of capex (renewals, residual) and uptake per year."""
    life = max(1, int(round(option.lifetime_yr)))
    h = life if horizon_yr is None else int(horizon_yr)
    if h < 1:
        raise AppraisalError(f"horizon_yr = {horizon_yr} must be >= 1",
                             fix="give the appraisal horizon in years")
    years = option.start_year + np.arange(h + 1)
    cap = np.zeros(h + 1)
    k = 0
    while k * life < h:
        cap[k * life] += 1.0
        k += 1
    last = (k - 1) * life
    remaining = life - (h - last)
    if remaining > 0:
        cap[h] -= remaining / life
    u = uptake(years, option.start_year, option.ramp_yr)
    u[0] = 0.0
    return years, cap, u


def _shape(option: Option, key: str, u: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit stream of an effect (per unit of its central value) and the central value."""
    e = option.effects[key]
    n = len(u)
    if e.stream is not None:
        s = np.zeros(n)
        st = np.asarray(e.stream, dtype=float)
        if len(st):
            idx = np.minimum(np.arange(n - 1), len(st) - 1)
            s[1:] = st[idx]
        if e.value == 0:
            return np.zeros(n), 0.0
        return s / e.value, float(e.value)
    return u.copy(), float(e.value)


def cash_flows(option: Option, params: AppraisalParameters, *, horizon_yr: int | None | str =
               "params") -> CashFlows:
    """Central year-by-year cash flows of ``option`` [USD].

    ``horizon_yr``: ``'params'`` (default) takes the parameter file's common horizon; None
    values the option over its own life; an int sets it.
    """
    h = params.horizon_yr if horizon_yr == "params" else horizon_yr
    years, cap, u = _schedule(option, h)  # type: ignore[arg-type]
    disc = (1 + params.discount_rate) ** -(years - params.base_year).astype(float)
    ben = {}
    for key, price_key in MONETISED.items():
        if key in option.effects:
            shape, val = _shape(option, key, u)
            ben[key] = shape * val * params.price(price_key)
    return CashFlows(option.option_id, years, cap * option.capex_usd, u * option.opex_usd_yr,
                     ben, disc)


def appraise_option(option: Option, params: AppraisalParameters, *,
                    horizon_yr: int | None | str = "params") -> dict[str, Any]:
    """CBA metrics of one option at central values.

    Returns
    -------
    dict
        ``npv_usd``, ``pv_benefits_usd``, ``pv_costs_usd``, ``bcr`` (None when PV(C) = 0),
        ``irr`` (None without a sign change), ``abatement_cost_usd_per_t_co2e`` (None without
        abatement), ``pv_<effect>_usd`` per monetised effect, ``horizon_yr``.
    """
    cf = cash_flows(option, params, horizon_yr=horizon_yr)
    pvb = float(cf.benefit @ cf.discount)
    pvc = float(cf.cost @ cf.discount)
    # IRR on flows re-indexed from the start year (the discounting base cancels out)
    out: dict[str, Any] = dict(
        npv_usd=pvb - pvc, pv_benefits_usd=pvb, pv_costs_usd=pvc,
        bcr=pvb / pvc if pvc > 0 else None, irr=irr(cf.net),
        abatement_cost_usd_per_t_co2e=abatement_cost(
            option.capex_usd, option.opex_usd_yr, option.effect("energy_savings_usd_yr"),
            option.effect("avoided_t_co2e_yr"), params.discount_rate, option.lifetime_yr),
        horizon_yr=len(cf.years) - 1)
    for k, v in cf.benefits.items():
        out[f"pv_{k.removesuffix('_yr')}"] = float(v @ cf.discount)
    return out


def npv_samples(option: Option, params: AppraisalParameters, *,
                draws: Mapping[str, np.ndarray] | None = None,
                discount_rate: np.ndarray | float | None = None,
                scc_usd_per_t_co2e: np.ndarray | float | None = None,
                vsl_usd: np.ndarray | float | None = None,
                capex_scale: np.ndarray | float = 1.0,
                effect_scale: np.ndarray | float = 1.0,
                horizon_yr: int | None | str = "params") -> dict[str, np.ndarray]:
    """Vectorised NPV, PV(B), PV(C) and BCR over samples of effects and parameters.

    Every argument may be an array of one length n (the samples) or a scalar. ``draws`` maps
    effect keys to sampled full-uptake values (missing keys: central value). The stream of an
    effect is scaled by draw/central value. Returns arrays ``npv_usd``, ``pv_benefits_usd``,
    ``pv_costs_usd``, ``bcr`` (NaN where PV(C) = 0).
    """
    h = params.horizon_yr if horizon_yr == "params" else horizon_yr
    years, cap, u = _schedule(option, h)  # type: ignore[arg-type]
    draws = dict(draws or {})
    r = np.atleast_1d(np.asarray(params.discount_rate if discount_rate is None
                                 else discount_rate, dtype=float))
    prices = {"vsl_usd": params.vsl_usd if vsl_usd is None else vsl_usd,
              "scc_usd_per_t_co2e": params.scc_usd_per_t_co2e if scc_usd_per_t_co2e is None
              else scc_usd_per_t_co2e}
    lens = [len(np.atleast_1d(x)) for x in (r, capex_scale, effect_scale, *prices.values(),
                                             *draws.values())]
    n = max(lens)
    if any(k not in (1, n) for k in lens):
        raise AppraisalError("samples of different lengths",
                             fix="give every sampled argument the same length")
    t = (years - params.base_year).astype(float)
    d = (1 + r[:, None]) ** -t[None, :]
    if d.shape[0] == 1 and n > 1:
        d = np.broadcast_to(d, (n, len(years)))

    def pv(stream: np.ndarray) -> np.ndarray | np.floating:
        """``d @ stream``: one value per sample, or, with one discount rate for all (every
        row of ``d`` the same), the one value — that of the same product on two of the rows
        (NumPy's loop for rows that share their memory, as for all n: the same sum), which
        multiplies each sample exactly as the n equal values would."""
        if d.shape[0] > 2 and d.strides[0] == 0:
            return (d[:2] @ stream)[0]
        return d @ stream

    pvb = np.zeros(n)
    for key, price_key in MONETISED.items():
        if key not in option.effects:
            continue
        shape, val = _shape(option, key, u)
        amount = np.asarray(draws.get(key, val), dtype=float)
        price = 1.0 if price_key is None else np.asarray(prices[price_key], dtype=float)
        pvb = pvb + amount * price * pv(shape)
    pvb = pvb * np.asarray(effect_scale, dtype=float)
    pvc = option.capex_usd * np.asarray(capex_scale, dtype=float) * pv(cap) + \
        option.opex_usd_yr * pv(u)
    pvc = np.broadcast_to(pvc, (n,)).astype(float)
    pvb = np.broadcast_to(pvb, (n,)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.where(pvc > 0, pvb / np.where(pvc > 0, pvc, 1.0), np.nan)
    return dict(npv_usd=pvb - pvc, pv_benefits_usd=pvb, pv_costs_usd=pvc, bcr=bcr)

