"""The greenhouse-gas section of a city profile: inventory, per-person values against the
region, pathways, actions and proxies, read through :mod:`carlcities.results`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..results import Study, records
from .numbers import median

__all__ = ["GHG_SECTORS", "load_ghg"]

#: GPC sub-sector indicators shown per person, in order
GHG_SECTORS = ("ghg.stationary.residential", "ghg.stationary.commercial",
               "ghg.stationary.manufacturing", "ghg.transport.on_road", "ghg.transport.rail",
               "ghg.waste.solid", "ghg.waste.wastewater", "ghg.total")


def load_ghg(study: Study) -> dict[str, dict[str, Any]]:
    """Per city: the GPC inventory (``ghg_inventory``), per-person values by sector against the
    regional median, the pathways (``indicator_values``, ghg.total by scenario), the actions
    (``ghg_actions``) and the proxies used (``ghg_proxies``), each from the city's latest run.

    Stores without these tables (written before them) give ``{}``.
    """
    inv = records(study.ghg_inventory(), [
        "city_id", "run_id", "year", "sector", "subsector", "gpc_ref", "scope", "gas",
        "co2e_t", "notation_key", "method", "source", "synthetic", "vehicle_class",
        "in_basic", "gwp"])
    if not inv:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for r in inv:
        out.setdefault(r["city_id"], {"inventory": [], "actions": [], "proxies": [],
                                      "pathways": {}, "per_person": []})
        out[r["city_id"]]["inventory"].append(r)
    for r in records(study.ghg_actions(), [
            "city_id", "run_id", "action_id", "name_en", "name_ru", "abatement_2030_t",
            "abatement_2050_t", "cost_usd_per_t", "capex_usd", "lifetime_yr", "flag",
            "uptake_start", "uptake_full", "uptake_share", "uptake_scope", "uptake_source"]):
        if r["city_id"] in out:
            out[r["city_id"]]["actions"].append(r)
    for r in records(study.ghg_proxies(), ["city_id", "run_id", "key", "scope", "level",
                                            "value", "unit", "stands_for", "source"]):
        if r["city_id"] in out:
            out[r["city_id"]]["proxies"].append(r)
    vals = records(study.values("ghg.*"), ["city_id", "indicator_id", "epoch", "scenario",
                                            "value"])
    per: dict[str, dict[str, float]] = defaultdict(dict)
    for r in vals:
        c = out.get(r["city_id"])
        if c is None or r["value"] is None:
            continue
        if r["indicator_id"] == "ghg.total" and r["scenario"] != "observed":
            c["pathways"].setdefault(r["scenario"], []).append((r["epoch"], r["value"]))
        if r["scenario"] == "observed" and r["indicator_id"] in GHG_SECTORS:
            per[r["city_id"]][r["indicator_id"]] = r["value"]
        if r["scenario"] == "observed" and r["indicator_id"] == "ghg.per_capita":
            c["per_capita"] = r["value"]
    ratio: dict[str, dict[str, float]] = {}
    for cid, c in out.items():
        pc, tot = c.get("per_capita"), per[cid].get("ghg.total")
        if pc and tot:
            ratio[cid] = {k: v * pc / tot for k, v in per[cid].items()}
    for cid, c in out.items():
        c["year"] = c["inventory"][0]["year"]
        c["gwp"] = c["inventory"][0]["gwp"]
        c["synthetic"] = any(r["synthetic"] for r in c["inventory"])
        c["actions"].sort(key=lambda a: (a["cost_usd_per_t"] is None,
                                         a["cost_usd_per_t"] or 0))
        for k in GHG_SECTORS:
            v = ratio.get(cid, {}).get(k)
            med = median(x.get(k) for x in ratio.values())
            c["per_person"].append({"indicator_id": k, "value": v, "median": med})
        for s in c["pathways"]:
            c["pathways"][s].sort()
    return out

