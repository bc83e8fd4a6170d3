"""The resilience (disaster-risk-reduction) option library and its effects on one city.

:func:`load_resilience_options` reads and validates ``data/resilience_options.yaml``;
:func:`resilience_option_effects` applies one mechanism ("reduces earthquake EAL of MUR+ADO
and MUR+CLBRS by x %") to a city's risk summary (from the risk engine), giving avoided losses
[USD/yr] and fatalities [deaths/yr] with their bounds, costs and sources.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from carlcities.errors import AppraisalError

from .options import Effect, Option

__all__ = ["COST_BASES", "QUANTITIES", "ResilienceSpec", "load_resilience_options",
           "resilience_option_effects"]

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
                              start_year: int = 2026,
                              unknown_capex: tuple[float, float] | None = None) -> Option:
    """An :class:`Option` with avoided losses and fatalities of one city.

    ``unknown_capex`` (low, high) [USD]: the wide interval used when the cost cannot be
    sized (no floor area or population in the summary); the option is then not ranked.
    Cost intervals of the library (``capex_low``/``capex_high`` per unit) scale like the capex.

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
                         "cost unknown")
    else:
        scale = float(risk_summary.get("population") or 0.0)
        if scale == 0:
            flags.append("no population in the risk summary: cost unknown")
    interval: dict[str, Any] = {}
    if scale == 0 and basis != "fixed":
        # the cost cannot be sized: a wide interval, never 0, and the option is not ranked
        lo, hi = unknown_capex if unknown_capex else (1e4, 1e8)
        interval = dict(capex_low=lo, capex_high=hi, cost_known=False,
                        cost_needs=("floor area of the treated building types"
                                    if basis == "per_m2" else "population served"))
        capex = math.sqrt(lo * hi)
    else:
        capex = float(cost.get("capex", 0.0)) * scale
        if "capex_low" in cost and "capex_high" in cost:
            interval = dict(capex_low=float(cost["capex_low"]) * scale,
                            capex_high=float(cost["capex_high"]) * scale)
    return Option(
        option_id=option.id, kind="resilience", name_en=s["name_en"], name_ru=s["name_ru"],
        capex_usd=capex,
        opex_usd_yr=float(cost.get("opex", 0.0)) * scale,
        lifetime_yr=float(s["lifetime_yr"]), start_year=start_year,
        ramp_yr=float(s.get("ramp_yr", 0.0)), effects=effects,
        feasibility=float(s.get("feasibility", 1.0)),
        institutional_capacity=float(s.get("institutional_capacity", 1.0)),
        sources=tuple(s["sources"]), mechanism=str(s["mechanism"]),
        flags=tuple(flags), essentials=tuple(int(x) for x in s.get("essentials") or ()),
        **interval)
