"""Policy options of the appraisal: one model for risk-reduction, low-carbon and growth options.

An :class:`Option` has costs (capex [USD] at its start year, opex [USD/yr]), a lifetime [yr],
an uptake ramp, yearly **effects** (avoided losses, lives, emissions, energy savings and
co-benefits), each with its uncertainty, qualitative criteria (feasibility and institutional
capacity, both 0–1) and its sources.

Where options come from
-----------------------
* :mod:`.resilience`: :func:`~.resilience.load_resilience_options` reads the
  disaster-risk-reduction library ``data/resilience_options.yaml``;
  :func:`~.resilience.resilience_option_effects` turns one of its mechanisms ("reduces
  earthquake EAL of MUR+ADO and MUR+CLBRS by x %") into avoided losses and fatalities for one
  city from the risk engine's summary dict.
* :mod:`.carbon_actions`: :func:`~.carbon_actions.options_from_carbon_actions` reads rows of
  the ``ghg_actions`` store table.
* :mod:`.growth_scenarios`: :func:`~.growth_scenarios.options_from_growth` values growth
  scenarios against ``bau_sprawl``.
* :func:`combine` (here) bundles options into a package valued on all counts at once.

Uptake ramp
-----------
The effect of an option in year t is its full effect times u(t) = 3x² − 2x³,
x = (t − start_year)/ramp_yr clipped to 0–1 (the smoothstep curve of
:func:`carlcities.carbon.actions.uptake`); ``ramp_yr = 0`` means the full effect from the first
year after the start. Effects given as yearly streams carry their own timing and are not ramped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from carlcities.errors import AppraisalError

__all__ = [
    "COBENEFIT_KEYS",
    "DISTRIBUTIONS",
    "EFFECT_KEYS",
    "KINDS",
    "MONETISED",
    "Effect",
    "Option",
    "combine",
    "spread_effect",
    "uptake",
    "with_effects",
]

KINDS = ("carbon", "resilience", "growth", "package")
DISTRIBUTIONS = ("fixed", "normal", "triangular", "uniform")

#: effect key -> unit. The first four are monetised in the CBA (:data:`MONETISED`); the rest
#: enter the multi-criteria analysis only.
EFFECT_KEYS: dict[str, str] = {
    "avoided_eal_usd_yr": "USD/yr",
    "avoided_fatalities_yr": "deaths/yr",
    "avoided_t_co2e_yr": "t CO2e/yr",
    "energy_savings_usd_yr": "USD/yr",
    "pm25_score": "index 0-1",
    "access_score": "index 0-1",
    "heat_score": "index 0-1",
    "heat_exposure_persons": "persons",
    "avoided_land_take_ha": "ha",
    "avoided_exposure_persons": "persons",
}
#: effect key -> the parameter that prices it (None: already in USD)
MONETISED: dict[str, str | None] = {
    "avoided_eal_usd_yr": None,
    "avoided_fatalities_yr": "vsl_usd",
    "avoided_t_co2e_yr": "scc_usd_per_t_co2e",
    "energy_savings_usd_yr": None,
}
#: co-benefit scores [0–1] averaged into the MCDA criterion ``co_benefits``
COBENEFIT_KEYS = ("pm25_score", "access_score", "heat_score")


def uptake(t: np.ndarray, start_year: int, ramp_yr: float) -> np.ndarray:
    """Uptake share u(t) [0–1]: smoothstep from ``start_year`` over ``ramp_yr`` years."""
    t = np.asarray(t, dtype=float)
    if ramp_yr <= 0:
        return (t > start_year).astype(float)
    x = np.clip((t - start_year) / ramp_yr, 0.0, 1.0)
    return 3 * x ** 2 - 2 * x ** 3


@dataclass(frozen=True)
class Effect:
    """One yearly effect of an option at full uptake, with its uncertainty.

    Attributes
    ----------
    value : float
        Central value at full uptake [unit per year, see :data:`EFFECT_KEYS`].
    low, high : float or None
        Bounds (triangular with mode ``value`` unless ``dist`` says ``uniform``).
    sd : float or None
        Standard deviation (``dist = 'normal'``).
    dist : str
        ``fixed``, ``normal``, ``triangular`` or ``uniform`` (inferred when not given).
    stream : tuple of float or None
        Yearly values for the years start_year + 1, start_year + 2, ... (the last value holds
        afterwards); when given, ``value`` is the reference the uncertainty refers to and the
        stream is scaled by draw/value; no uptake ramp is applied.
    """

    value: float
    low: float | None = None
    high: float | None = None
    sd: float | None = None
    dist: str = ""
    stream: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        d = self.dist
        if not d:
            d = ("normal" if self.sd is not None else
                 "triangular" if self.low is not None and self.high is not None else "fixed")
            object.__setattr__(self, "dist", d)
        if d not in DISTRIBUTIONS:
            raise AppraisalError(f"unknown distribution {d!r}",
                                 fix=f"use one of {', '.join(DISTRIBUTIONS)}")
        if d in ("triangular", "uniform"):
            if self.low is None or self.high is None or not self.low <= self.high:
                raise AppraisalError(f"{d} effect needs low <= high, got {self.low}, {self.high}",
                                     fix="give low and high with low <= high")
            if d == "triangular" and not self.low <= self.value <= self.high:
                raise AppraisalError(
                    f"triangular effect: value {self.value} outside [{self.low}, {self.high}]",
                    fix="the central value must lie between low and high")
        if d == "normal" and (self.sd is None or self.sd < 0):
            raise AppraisalError("normal effect needs sd >= 0", fix="give sd")

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the full-uptake value [unit/yr]."""
        if self.dist == "normal":
            assert self.sd is not None  # __post_init__: a normal effect has sd
            return rng.normal(self.value, self.sd, n)
        if self.dist in ("triangular", "uniform"):
            # __post_init__: both effects have low and high
            assert self.low is not None and self.high is not None
            if self.dist == "triangular":
                if self.high == self.low:
                    return np.full(n, float(self.value))
                return rng.triangular(self.low, self.value, self.high, n)
            return rng.uniform(self.low, self.high, n)
        return np.full(n, float(self.value))

    def scaled(self, k: float) -> Effect:
        """The effect multiplied by ``k >= 0`` (stream, value, bounds and sd alike)."""
        return Effect(self.value * k, None if self.low is None else self.low * k,
                      None if self.high is None else self.high * k,
                      None if self.sd is None else self.sd * k, self.dist,
                      None if self.stream is None else tuple(v * k for v in self.stream))


@dataclass(frozen=True)
class Option:
    """One policy option, whatever its kind.

    Attributes
    ----------
    option_id, kind, name_en, name_ru : str
        ``kind`` is one of :data:`KINDS`.
    capex_usd : float
        Capital cost [USD], spent in ``start_year``.
    opex_usd_yr : float
        Operating cost at full uptake [USD/yr], scaled by the uptake ramp.
    lifetime_yr : float
        Service life [yr].
    start_year : int
        Year of the capital spending; effects begin the year after.
    ramp_yr : float
        Years from the start to full uptake (0: immediate).
    effects : mapping of str to Effect
        Keys from :data:`EFFECT_KEYS`.
    feasibility, institutional_capacity : float
        Qualitative criteria [0–1]: technical/political feasibility and the institutional
        capacity the city has for it (1 = fully able).
    sources : tuple of str
    mechanism : str
        What the option changes, in words.
    parts : tuple of str
        For packages: the ids of the options it bundles.
    flags : tuple of str
        Caveats (e.g. "costs not estimated").
    essentials : tuple of int
        MCR2030 scorecard Essentials the option carries out (used by the recommendations).
    capex_low, capex_high : float or None
        Interval of the capital cost [USD]; the Monte Carlo and SMAA draw the capex from it
        (triangular with mode ``capex_usd`` when the cost is estimated; log-uniform when it is
        unknown). None: the capex is certain.
    cost_known : bool
        False when no estimate of the cost exists: the option then needs a wide interval
        (``capex_low`` > 0, ``capex_high`` >= 10 × ``capex_low``, ``capex_usd`` their
        geometric mean) and is never ranked (it goes to the list of options whose cost must
        be known first, :func:`carlcities.appraisal.appraise_city`).
    cost_needs : str
        What would have to be known to cost the option (shown with the unranked options).
    """

    option_id: str
    kind: str
    name_en: str
    name_ru: str
    capex_usd: float
    opex_usd_yr: float
    lifetime_yr: float
    start_year: int
    ramp_yr: float = 0.0
    effects: Mapping[str, Effect] = field(default_factory=dict)
    feasibility: float = 1.0
    institutional_capacity: float = 1.0
    sources: tuple[str, ...] = ()
    mechanism: str = ""
    parts: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    essentials: tuple[int, ...] = ()
    capex_low: float | None = None
    capex_high: float | None = None
    cost_known: bool = True
    cost_needs: str = ""

    def __post_init__(self) -> None:
        where = f"option {self.option_id}"
        if self.kind not in KINDS:
            raise AppraisalError(f"{where}: unknown kind {self.kind!r}",
                                 fix=f"use one of {', '.join(KINDS)}")
        for k in ("capex_usd", "opex_usd_yr"):
            v = getattr(self, k)
            if not math.isfinite(v) or v < 0:
                raise AppraisalError(f"{where}: {k} = {v} must be a finite number >= 0",
                                     fix="give costs as positive amounts [USD]")
        if not self.lifetime_yr > 0:
            raise AppraisalError(f"{where}: lifetime_yr = {self.lifetime_yr} must be > 0",
                                 fix="give the service life in years")
        for k in ("feasibility", "institutional_capacity"):
            v = getattr(self, k)
            if not 0 <= v <= 1:
                raise AppraisalError(f"{where}: {k} = {v} must lie in 0-1", fix="rescale to 0-1")
        lo, hi = self.capex_low, self.capex_high
        if (lo is None) != (hi is None):
            raise AppraisalError(f"{where}: give both capex_low and capex_high or neither",
                                 fix="state the capital cost interval [USD]")
        if lo is not None and hi is not None:
            if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= self.capex_usd <= hi):
                raise AppraisalError(
                    f"{where}: capex interval {lo}-{hi} must be finite, >= 0 and contain "
                    f"capex_usd = {self.capex_usd}", fix="give capex_low <= capex_usd <= "
                    "capex_high")
        if not self.cost_known:
            if lo is None or hi is None or not (lo > 0 and hi >= 10 * lo):
                raise AppraisalError(
                    f"{where}: an unknown cost needs a wide interval (capex_low > 0, "
                    "capex_high >= 10 x capex_low), never 0",
                    fix="give the range a cost could plausibly take, and cost_needs")
        bad = sorted(set(self.effects) - set(EFFECT_KEYS))
        if bad:
            raise AppraisalError(f"{where}: unknown effect(s) {', '.join(bad)}",
                                 fix=f"use {', '.join(EFFECT_KEYS)}")
        object.__setattr__(self, "effects", dict(self.effects))

    def capex_samples(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the capital cost [USD]: log-uniform over the interval when the cost
        is unknown, triangular (mode ``capex_usd``) when estimated, else fixed."""
        lo, hi = self.capex_low, self.capex_high
        if lo is None or hi is None or hi == lo:
            return np.full(n, float(self.capex_usd))
        if not self.cost_known:
            return np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        return rng.triangular(lo, self.capex_usd, hi, n)

    def effect(self, key: str) -> float:
        """Central full-uptake value of an effect (0 when the option has none)."""
        e = self.effects.get(key)
        return float(e.value) if e is not None else 0.0

    def as_row(self) -> dict[str, Any]:
        """A plain dict for the ``options`` store table."""
        return dict(option_id=self.option_id, kind=self.kind, name_en=self.name_en,
                    name_ru=self.name_ru, capex_usd=self.capex_usd,
                    opex_usd_yr=self.opex_usd_yr, lifetime_yr=self.lifetime_yr,
                    start_year=self.start_year, ramp_yr=self.ramp_yr,
                    feasibility=self.feasibility,
                    institutional_capacity=self.institutional_capacity,
                    mechanism=self.mechanism, parts=",".join(self.parts),
                    effects=json.dumps({k: {"value": e.value, "low": e.low, "high": e.high,
                                            "sd": e.sd, "dist": e.dist}
                                        for k, e in self.effects.items()}),
                    sources="; ".join(self.sources), flags="; ".join(self.flags),
                    capex_low_usd=self.capex_low, capex_high_usd=self.capex_high,
                    cost_known=self.cost_known, cost_needs=self.cost_needs)


def spread_effect(value: float, share: float, stream: tuple[float, ...] | None = None) -> Effect:
    """An effect of ``value`` ± ``share`` of it (a uniform interval; ``stream`` its yearly
    values)."""
    lo, hi = sorted((value * (1 - share), value * (1 + share)))
    return Effect(value, lo, hi, stream=stream)


def combine(options: Sequence[Option], option_id: str, *, name_en: str | None = None,
            name_ru: str | None = None, shared_cost_saving: float = 0.0) -> Option:
    """Bundle options into one package valued on all their counts.

    Cost-sharing rule: the package's capex [USD] = Σ capexᵢ − s · (Σ capexᵢ − max capexᵢ),
    i.e. every part but the dearest saves the share ``s = shared_cost_saving`` of its capex
    (scaffolding, site set-up and resident relocation done once); opex [USD/yr] add up.
    Effects add up: central values and bounds add (a normal effect counts as mean ± 2 sd; the
    sum is triangular, i.e. the parts' uncertainties are taken as fully correlated, the
    cautious choice); streams add year by year. Lifetime: the shortest of the parts; start:
    the earliest; ramp: the longest; feasibility and institutional capacity: the lowest of
    the parts.
    """
    if len(options) < 2:
        raise AppraisalError(f"package {option_id} needs at least two options",
                             fix="list two or more option ids")
    if not 0 <= shared_cost_saving < 1:
        raise AppraisalError(f"package {option_id}: shared_cost_saving must lie in 0-1",
                             fix="give the share of the smaller parts' capex saved")
    caps = [o.capex_usd for o in options]
    capex = sum(caps) - shared_cost_saving * (sum(caps) - max(caps))
    effects: dict[str, Effect] = {}
    for key in EFFECT_KEYS:
        es = [o.effects[key] for o in options if key in o.effects]
        if not es:
            continue
        val = sum(e.value for e in es)
        if any(e.stream is not None for e in es):
            # stream of a part without one: its value times its uptake (ramp) per year
            n = max((len(e.stream) for e in es if e.stream is not None), default=0)
            n = max(n, int(max(o.lifetime_yr for o in options)))
            start = min(o.start_year for o in options)
            acc = np.zeros(n)
            for o in options:
                e = o.effects.get(key)
                if e is None:
                    continue
                yrs = start + 1 + np.arange(n)
                if e.stream is not None:
                    s = np.asarray(e.stream, float)
                    off = o.start_year - start
                    v = np.zeros(n)
                    idx = np.arange(n) - off
                    ok = idx >= 0
                    v[ok] = s[np.minimum(idx[ok], len(s) - 1)]
                else:
                    v = e.value * uptake(yrs, o.start_year, o.ramp_yr)
                acc += v
            stream: tuple[float, ...] | None = tuple(acc)
        else:
            stream = None
        if all(e.dist == "fixed" for e in es):
            effects[key] = Effect(val, stream=stream)
        else:
            effects[key] = Effect(val, sum(_bounds(e)[0] for e in es),
                                  sum(_bounds(e)[1] for e in es), stream=stream)
    return Option(
        option_id=option_id, kind="package",
        name_en=name_en or " + ".join(o.name_en for o in options),
        name_ru=name_ru or " + ".join(o.name_ru for o in options),
        capex_usd=capex, opex_usd_yr=sum(o.opex_usd_yr for o in options),
        lifetime_yr=min(o.lifetime_yr for o in options),
        start_year=min(o.start_year for o in options),
        ramp_yr=max(o.ramp_yr for o in options), effects=effects,
        feasibility=min(o.feasibility for o in options),
        institutional_capacity=min(o.institutional_capacity for o in options),
        sources=tuple(dict.fromkeys(s for o in options for s in o.sources)),
        mechanism="package: " + "; ".join(o.mechanism or o.name_en for o in options),
        parts=tuple(o.option_id for o in options),
        flags=tuple(dict.fromkeys(f for o in options for f in o.flags)),
        essentials=tuple(sorted({e for o in options for e in o.essentials})),
        **_package_interval(options, capex, shared_cost_saving))


def _package_interval(options: Sequence[Option], capex: float, s: float) -> dict[str, Any]:
    """Capex interval of a package: the parts' bounds added with the same cost-sharing rule;
    unknown when any part's cost is unknown."""
    if all(o.capex_low is None for o in options):
        return {}
    los = [o.capex_low if o.capex_low is not None else o.capex_usd for o in options]
    his = [o.capex_high if o.capex_high is not None else o.capex_usd for o in options]
    lo = sum(los) - s * (sum(los) - max(los))
    hi = sum(his) - s * (sum(his) - max(his))
    known = all(o.cost_known for o in options)
    needs = "; ".join(o.cost_needs for o in options if not o.cost_known)
    if not known:
        capex = math.sqrt(lo * hi)
        hi = max(hi, 10 * lo)
    return dict(capex_low=min(lo, capex), capex_high=max(hi, capex), cost_known=known,
                cost_needs=needs)


def _bounds(e: Effect) -> tuple[float, float]:
    """(low, high) of an effect; a normal one as mean ± 2 sd."""
    if e.dist == "normal":
        return e.value - 2 * (e.sd or 0.0), e.value + 2 * (e.sd or 0.0)
    if e.low is not None and e.high is not None:
        return e.low, e.high
    return e.value, e.value


def with_effects(option: Option, **effects: Effect) -> Option:
    """A copy of ``option`` with some effects replaced or added."""
    return replace(option, effects={**option.effects, **effects})
