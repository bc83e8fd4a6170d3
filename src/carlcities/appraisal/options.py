"""Policy options of the appraisal: one model for risk-reduction, low-carbon and growth options.

An :class:`Option` has costs (capex [USD] at its start year, opex [USD/yr]), a lifetime [yr],
an uptake ramp, yearly **effects** (avoided losses, lives, emissions, energy savings and
co-benefits), each with its uncertainty, qualitative criteria (feasibility and institutional
capacity, both 0–1) and its sources.

Where options come from
-----------------------
* :func:`load_resilience_options` reads the disaster-risk-reduction library
  ``data/resilience_options.yaml``; :func:`resilience_option_effects` turns one of its
  mechanisms ("reduces earthquake EAL of MUR+ADO and MUR+CLBRS by x %") into avoided losses and
  fatalities for one city from the risk engine's summary dict.
* :func:`options_from_carbon_actions` reads rows of the ``ghg_actions`` store table.
* :func:`options_from_growth` values growth scenarios against ``bau_sprawl``.
* :func:`combine` bundles options into a package valued on all counts at once.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

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
    "load_resilience_options",
    "options_from_carbon_actions",
    "options_from_growth",
    "resilience_option_effects",
    "uptake",
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
            return rng.normal(self.value, self.sd, n)
        if self.dist == "triangular":
            if self.high == self.low:
                return np.full(n, float(self.value))
            return rng.triangular(self.low, self.value, self.high, n)
        if self.dist == "uniform":
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
        bad = sorted(set(self.effects) - set(EFFECT_KEYS))
        if bad:
            raise AppraisalError(f"{where}: unknown effect(s) {', '.join(bad)}",
                                 fix=f"use {', '.join(EFFECT_KEYS)}")
        object.__setattr__(self, "effects", dict(self.effects))

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
                    sources="; ".join(self.sources), flags="; ".join(self.flags))


# --------------------------------------------------------------------------- resilience library
#: quantities of the risk summary a mechanism can reduce
QUANTITIES = ("eal_by_hazard", "eal_by_typology", "flood_eal_by_rp", "fatalities_by_hazard",
              "fatalities_by_typology", "heat_deaths")
_TOP_KEYS = {"id", "name_en", "name_ru", "mechanism", "effects", "cost", "lifetime_yr",
             "ramp_yr", "feasibility", "institutional_capacity", "co_benefits", "essentials",
             "sources", "assumptions", "confidence"}
_EFFECT_KEYS = {"quantity", "hazard", "hazards", "typologies", "max_rp", "reduction", "low",
                "high", "coverage"}
_COST_KEYS = {"basis", "capex", "capex_low", "capex_high", "opex", "typologies"}
COST_BASES = ("fixed", "per_m2", "per_capita")


@dataclass(frozen=True)
class ResilienceSpec:
    """One entry of ``data/resilience_options.yaml`` (validated, not yet applied to a city)."""

    id: str
    spec: dict[str, Any]

    def __getitem__(self, k: str) -> Any:
        return self.spec[k]


def load_resilience_options(path: str | Path | None = None) -> list[ResilienceSpec]:
    """Read and validate the resilience option library (default: the bundled YAML).

    Raises
    ------
    AppraisalError
        Unknown keys, a missing field, negative costs, lifetime <= 0, a reduction outside 0–1
        or an unknown quantity, naming the file and the option.
    """
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/resilience_options.yaml", "option library")
    data = yaml.safe_load(text) or {}
    out: list[ResilienceSpec] = []
    seen: set[str] = set()
    for i, o in enumerate(data.get("options") or []):
        oid = o.get("id", f"#{i + 1}")
        unknown = sorted(set(o) - _TOP_KEYS)
        if unknown:
            raise AppraisalError(f"option {oid}: unknown key(s) {', '.join(unknown)}",
                                 path=name, fix=f"use only {', '.join(sorted(_TOP_KEYS))}")
        miss = [k for k in ("id", "name_en", "name_ru", "mechanism", "effects", "cost",
                            "lifetime_yr", "sources") if k not in o]
        if miss:
            raise AppraisalError(f"option {oid}: missing {', '.join(miss)}", path=name,
                                 fix="give every required field (see the file header)")
        if oid in seen:
            raise AppraisalError(f"option {oid} is defined twice", path=name, fix="rename one")
        seen.add(oid)
        if not float(o["lifetime_yr"]) > 0:
            raise AppraisalError(f"option {oid}: lifetime_yr must be > 0", path=name,
                                 fix="give the service life in years")
        cost = o["cost"]
        bad = sorted(set(cost) - _COST_KEYS)
        if bad:
            raise AppraisalError(f"option {oid}: unknown cost key(s) {', '.join(bad)}",
                                 path=name, fix=f"use {', '.join(sorted(_COST_KEYS))}")
        if cost.get("basis") not in COST_BASES:
            raise AppraisalError(f"option {oid}: cost basis {cost.get('basis')!r}", path=name,
                                 fix=f"use one of {', '.join(COST_BASES)}")
        for k in ("capex", "capex_low", "capex_high", "opex"):
            if k in cost and float(cost[k]) < 0:
                raise AppraisalError(f"option {oid}: negative cost {k} = {cost[k]}", path=name,
                                     fix="costs are positive amounts")
        for j, e in enumerate(o["effects"]):
            bad = sorted(set(e) - _EFFECT_KEYS)
            if bad:
                raise AppraisalError(f"option {oid}: effect {j + 1}: unknown key(s) "
                                     f"{', '.join(bad)}", path=name,
                                     fix=f"use {', '.join(sorted(_EFFECT_KEYS))}")
            if e.get("quantity") not in QUANTITIES:
                raise AppraisalError(f"option {oid}: effect {j + 1}: unknown quantity "
                                     f"{e.get('quantity')!r}", path=name,
                                     fix=f"use one of {', '.join(QUANTITIES)}")
            for k in ("reduction", "low", "high", "coverage"):
                if k in e and not 0 <= float(e[k]) <= 1:
                    raise AppraisalError(f"option {oid}: effect {j + 1}: {k} = {e[k]} outside "
                                         "0-1", path=name, fix="give shares between 0 and 1")
            if "reduction" not in e:
                raise AppraisalError(f"option {oid}: effect {j + 1}: no reduction", path=name,
                                     fix="give reduction (share of the quantity avoided)")
        for k in ("feasibility", "institutional_capacity"):
            if k in o and not 0 <= float(o[k]) <= 1:
                raise AppraisalError(f"option {oid}: {k} outside 0-1", path=name,
                                     fix="give a score between 0 and 1")
        out.append(ResilienceSpec(oid, dict(o)))
    if not out:
        raise AppraisalError("the resilience option library is empty", path=name,
                             fix="add options under `options:`")
    return out


def _match(keys: Iterable[str], typologies: Sequence[str]) -> list[str]:
    """Taxonomy keys that a typology names: equal, or starting with it followed by ``/``."""
    return [k for k in keys if any(k == t or k.startswith(t + "/") for t in typologies)]


def _interval(summary: Mapping[str, Any], key: str, sub: str, central: float
              ) -> tuple[float, float]:
    iv = (summary.get(key + "_interval") or {}).get(sub)
    return (float(iv[0]), float(iv[1])) if iv is not None else (central, central)


def resilience_option_effects(option: ResilienceSpec, risk_summary: Mapping[str, Any], *,
                              start_year: int = 2026) -> Option:
    """An :class:`Option` with avoided losses and fatalities of one city.

    Each mechanism effect of the library avoids ``reduction × coverage`` of one risk quantity;
    the option's central effect is the sum over its mechanism effects. Bounds: the reduction's
    ``low``/``high`` times the quantity's interval bounds when the summary gives them
    (triangular distribution, mode at the central value).

    Parameters
    ----------
    option : ResilienceSpec
        One entry of :func:`load_resilience_options`.
    risk_summary : mapping
        The risk engine's city summary. Keys (all optional; a missing one contributes 0):

        ``eal_usd_by_hazard``: {hazard: EAL [USD/yr]} for ``earthquake``, ``flood``,
        ``mudflow``, ``heat``; ``eal_usd_by_typology``: {GEM taxonomy string: earthquake EAL
        [USD/yr]}; ``flood_eal_usd_by_rp``: {return period [yr]: EAL contribution of the
        events of that return-period band [USD/yr]}; ``fatalities_yr_by_hazard``: {hazard:
        expected deaths [deaths/yr]}; ``fatalities_yr_by_typology``: {taxonomy: expected
        earthquake deaths [deaths/yr]}; ``heat_excess_deaths_yr``: excess deaths from heat
        [deaths/yr]; ``floor_area_m2_by_typology``: {taxonomy: floor area [m²]};
        ``population`` [persons]. Any ``X_by_Y`` key may have a twin ``X_by_Y_interval``
        {same keys: (low, high)}, and ``heat_excess_deaths_yr_interval`` a (low, high) pair.
        A typology in the library (``MUR+ADO``) matches every taxonomy string equal to it or
        starting with it and ``/`` (``MUR+ADO/LWAL+CDN/H:1/RES``).
    start_year : int
        Year of the capital spending.

    Returns
    -------
    Option
        ``kind = 'resilience'``; capex and opex scaled by the cost basis: ``fixed`` [USD],
        ``per_m2`` [USD/m²] × treated floor area (coverage × floor area of the listed
        typologies), ``per_capita`` [USD/person] × population.
    """
    s = option.spec
    eal = eal_lo = eal_hi = 0.0
    fat = fat_lo = fat_hi = 0.0
    for e in s["effects"]:
        red = float(e["reduction"])
        lo_r, hi_r = float(e.get("low", red)), float(e.get("high", red))
        cov = float(e.get("coverage", 1.0))
        q = e["quantity"]
        parts: list[tuple[float, float, float]] = []  # (central, low, high) of the quantity
        if q in ("eal_by_hazard", "fatalities_by_hazard"):
            key = "eal_usd_by_hazard" if q == "eal_by_hazard" else "fatalities_yr_by_hazard"
            d = risk_summary.get(key) or {}
            hz = e.get("hazards") or [e.get("hazard")]
            for h in hz:
                c = float(d.get(h, 0.0))
                parts.append((c, *_interval(risk_summary, key, h, c)))
        elif q in ("eal_by_typology", "fatalities_by_typology"):
            key = "eal_usd_by_typology" if q == "eal_by_typology" else \
                "fatalities_yr_by_typology"
            d = risk_summary.get(key) or {}
            for k in _match(d, e.get("typologies") or []):
                c = float(d[k])
                parts.append((c, *_interval(risk_summary, key, k, c)))
        elif q == "flood_eal_by_rp":
            d = risk_summary.get("flood_eal_usd_by_rp") or {}
            for rp, v in d.items():
                if float(rp) <= float(e.get("max_rp", math.inf)):
                    c = float(v)
                    parts.append((c, *_interval(risk_summary, "flood_eal_usd_by_rp", rp, c)))
        else:  # heat_deaths
            c = float(risk_summary.get("heat_excess_deaths_yr") or 0.0)
            iv = risk_summary.get("heat_excess_deaths_yr_interval") or (c, c)
            parts.append((c, float(iv[0]), float(iv[1])))
        c = sum(p[0] for p in parts)
        lo = sum(p[1] for p in parts)
        hi = sum(p[2] for p in parts)
        if q.startswith("eal") or q == "flood_eal_by_rp":
            eal += red * cov * c
            eal_lo += lo_r * cov * lo
            eal_hi += hi_r * cov * hi
        else:
            fat += red * cov * c
            fat_lo += lo_r * cov * lo
            fat_hi += hi_r * cov * hi
    effects: dict[str, Effect] = {}
    if eal or eal_hi:
        effects["avoided_eal_usd_yr"] = Effect(eal, min(eal_lo, eal), max(eal_hi, eal))
    if fat or fat_hi:
        effects["avoided_fatalities_yr"] = Effect(fat, min(fat_lo, fat), max(fat_hi, fat))
    for k, v in (s.get("co_benefits") or {}).items():
        key = f"{k}_score" if not k.endswith("_score") else k
        effects[key] = Effect(float(v))
    cost = s["cost"]
    basis = cost["basis"]
    flags: list[str] = []
    if basis == "fixed":
        scale = 1.0
    elif basis == "per_m2":
        floor = risk_summary.get("floor_area_m2_by_typology") or {}
        typs = cost.get("typologies") or sorted({t for e in s["effects"]
                                                 for t in e.get("typologies") or []})
        cov = max((float(e.get("coverage", 1.0)) for e in s["effects"]
                   if e.get("typologies")), default=1.0)
        scale = cov * sum(float(floor[k]) for k in _match(floor, typs))
        if scale == 0:
            flags.append("no floor area of the treated typologies in the risk summary: "
                         "capex 0")
    else:
        scale = float(risk_summary.get("population") or 0.0)
        if scale == 0:
            flags.append("no population in the risk summary: costs 0")
    return Option(
        option_id=option.id, kind="resilience", name_en=s["name_en"], name_ru=s["name_ru"],
        capex_usd=float(cost.get("capex", 0.0)) * scale,
        opex_usd_yr=float(cost.get("opex", 0.0)) * scale,
        lifetime_yr=float(s["lifetime_yr"]), start_year=start_year,
        ramp_yr=float(s.get("ramp_yr", 0.0)), effects=effects,
        feasibility=float(s.get("feasibility", 1.0)),
        institutional_capacity=float(s.get("institutional_capacity", 1.0)),
        sources=tuple(s["sources"]), mechanism=str(s["mechanism"]),
        flags=tuple(flags), essentials=tuple(int(x) for x in s.get("essentials") or ()))


# ------------------------------------------------------------------------------ carbon actions
#: confidence of a carbon action -> relative half-width of its abatement interval (assumption)
CONFIDENCE_SPREAD = {"high": 0.15, "medium": 0.3, "low-medium": 0.4, "low": 0.5}
#: wording of the PM2.5 co-benefit in carbon_actions.yaml -> score [0–1] (assumption)
PM25_WORDS = (("much lower", 1.0), ("lower", 0.5), ("small", 0.25))


def _pm25_score(text: str) -> float:
    t = str(text).strip().lower()
    for word, score in PM25_WORDS:
        if t.startswith(word):
            return score
    return 0.0


def options_from_carbon_actions(rows: Iterable[Mapping[str, Any]], *, start_year: int = 2025,
                                confidence: Mapping[str, str] | None = None) -> list[Option]:
    """Options from rows of the ``ghg_actions`` table (or :func:`apply_actions` dicts).

    The abatement stream [t CO2e/yr] rises linearly from 0 in the action's start year to
    ``abatement_2030_t`` in 2030 and to ``abatement_2050_t`` in 2050, and holds after 2050. The
    start year is the row's ``uptake_start`` (the library default or the city's own plan) when it
    is later than ``start_year``, else ``start_year`` (the appraisal does not reach back); an
    action starting in or after 2030 rises from 0 at its start to ``abatement_2050_t``. Rows
    flagged "not applicable" (a conversion already made, losses already at the target) are
    not options and are left out.
    Energy savings at full uptake [USD/yr] (``co_benefits.energy_savings_usd_yr``, or
    ``savings_usd_yr``) follow the same shape (stream / its maximum). Uncertainty: triangular
    ± a share of the central value set by the action's confidence (:data:`CONFIDENCE_SPREAD`,
    an assumption; ``low`` when unknown). The PM2.5 co-benefit words map to a 0–1 score
    (:data:`PM25_WORDS`, an assumption). Actions flagged as not lowering emissions are kept
    with a flag.
    """
    out = []
    conf = dict(confidence or {})
    for r in rows:
        aid = str(r["action_id"])
        a30 = float(r.get("abatement_2030_t") or 0.0)
        a50 = float(r.get("abatement_2050_t") or 0.0)
        if str(r.get("flag") or "").startswith("not applicable"):
            continue  # e.g. converting a CHP that already burns gas: not an option here
        sy = start_year
        if r.get("uptake_start") is not None:
            sy = max(start_year, int(r["uptake_start"]))
        years = np.arange(sy + 1, max(sy + 1, 2050) + 1)
        if sy < 2030:
            stream = np.interp(years, [sy, 2030, 2050], [0.0, a30, a50])
        else:  # starts in or after 2030: from 0 at its start to the 2050 value
            stream = np.interp(years, [sy, max(sy + 1, 2050)], [0.0, a50])
        peak = float(np.max(np.abs(stream))) or 1.0
        shape = stream / peak
        cob = r.get("co_benefits") or {}
        if isinstance(cob, str):
            cob = json.loads(cob) if cob.strip() else {}
        sav = float(r.get("savings_usd_yr", cob.get("energy_savings_usd_yr", 0.0)) or 0.0)
        opex = float(r.get("opex_usd_yr") or 0.0)
        if opex < 0:  # a net operating saving (e.g. cheaper maintenance): counted as a saving
            sav, opex = sav - opex, 0.0
        spread = CONFIDENCE_SPREAD.get(str(r.get("confidence") or conf.get(aid) or "low"),
                                       0.5)
        ref = float(stream[np.argmax(np.abs(stream))])
        effects = {"avoided_t_co2e_yr": _spread(ref, spread, tuple(stream))}
        if sav:
            effects["energy_savings_usd_yr"] = _spread(sav, spread, tuple(sav * shape))
        if "pm25" in cob:
            effects["pm25_score"] = Effect(_pm25_score(cob["pm25"]))
        flags = tuple(x for x in [r.get("flag")] if x)
        src = r.get("sources") or ""
        out.append(Option(
            option_id=aid, kind="carbon", name_en=str(r["name_en"]), name_ru=str(r["name_ru"]),
            capex_usd=float(r.get("capex_usd") or 0.0),
            opex_usd_yr=opex,
            lifetime_yr=float(r.get("lifetime_yr") or 1.0), start_year=sy,
            effects=effects, sources=tuple(s.strip() for s in str(src).split(";") if s.strip()),
            mechanism=str(r.get("mechanism") or r.get("resilience") or ""), flags=flags))
    return out


def _spread(value: float, share: float, stream: tuple[float, ...] | None = None) -> Effect:
    lo, hi = sorted((value * (1 - share), value * (1 + share)))
    return Effect(value, lo, hi, stream=stream)


# ------------------------------------------------------------------------------ growth scenarios
BAU = "bau_sprawl"


def options_from_growth(rows: Iterable[Mapping[str, Any]], *, start_year: int = 2025,
                        lifetime_yr: float = 30.0, uncertainty: float = 0.3) -> list[Option]:
    """Growth scenarios as options, valued against the ``bau_sprawl`` scenario.

    Each row: ``scenario_id``, ``name_en``, ``name_ru``, ``land_take_ha`` [ha of new built-up
    land to the horizon], ``exposed_persons`` [persons in hazard zones], ``t_co2e_yr``
    [t CO2e/yr at the horizon]; optional ``eal_usd_yr`` [USD/yr], ``capex_usd``,
    ``opex_usd_yr``, ``feasibility``, ``access_score`` [0–1], ``sources``.
    Effects are BAU minus scenario (avoided land take [ha], avoided exposure [persons],
    avoided emissions [t CO2e/yr], avoided EAL [USD/yr]); the avoided emissions and losses
    ramp in over ``lifetime_yr`` (growth happens gradually). Uncertainty: triangular ±
    ``uncertainty`` × value (assumption). Costs missing from a row are 0 and flagged.
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
                effects[key] = _spread(float(base[col]) - float(r[col]), uncertainty)
        if "access_score" in r:
            effects["access_score"] = Effect(float(r["access_score"]))
        flags = () if "capex_usd" in r else ("costs of planning and regulation not estimated "
                                             "(set to 0)",)
        src = r.get("sources") or ()
        out.append(Option(
            option_id=str(r["scenario_id"]), kind="growth", name_en=str(r["name_en"]),
            name_ru=str(r["name_ru"]), capex_usd=float(r.get("capex_usd", 0.0)),
            opex_usd_yr=float(r.get("opex_usd_yr", 0.0)), lifetime_yr=lifetime_yr,
            start_year=start_year, ramp_yr=lifetime_yr, effects=effects,
            feasibility=float(r.get("feasibility", 1.0)),
            sources=tuple([src] if isinstance(src, str) else src), flags=flags,
            mechanism="growth scenario compared with business-as-usual sprawl"))
    return out


# ------------------------------------------------------------------------------------- packages
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
        essentials=tuple(sorted({e for o in options for e in o.essentials})))


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
