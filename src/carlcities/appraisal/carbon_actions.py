"""Options from the carbon module's low-carbon actions (rows of the ``ghg_actions`` table)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .options import Effect, Option, spread_effect

__all__ = ["CONFIDENCE_SPREAD", "PM25_WORDS", "options_from_carbon_actions"]

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
        effects = {"avoided_t_co2e_yr": spread_effect(ref, spread, tuple(stream))}
        if sav:
            effects["energy_savings_usd_yr"] = spread_effect(sav, spread, tuple(sav * shape))
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
