"""The city and the region at a glance (the first pages of a profile), and the links to the
data behind each page.

Everything here is chosen from what the page already shows, by rules written down so that a
reader can check them:

* **population and growth**: the latest two epochs of ``form.population`` and the compound
  annual growth rate between them;
* **findings**: the city's indicators of the latest epoch ranked by how far the city sits from
  the middle of its peers (``|percentile rank − 50|``), five of them, ties by the order of the
  key indicators; population itself is left out (it is the line above);
* **hazard and risk**: the earthquake EAL with its loss ratio (and, where the store has both,
  the event-based and classical estimates as its range), annual fatalities, flood EAL, people
  in mudflow corridors, heat deaths — the values of the risk table;
* **emissions per person by sector**: the GHG section's per-person table;
* **recommendations**: the first three, with the cost range of the options they name
  (``capex_low_usd`` – ``capex_high_usd`` of the appraisal, or the capital cost).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from .data import KEY_EPOCH_INDICATORS, ReportData
from .numbers import round1

__all__ = ["city_glance", "city_links", "region_links", "region_summary"]

N_FINDINGS = 5
N_RECS = 3
RISK_HEADLINE = ("risk.eq_eal", "risk.eq_eal_ratio", "risk.eq_fatalities_annual",
                 "risk.flood_eal", "exposure.pop_mudflow", "risk.heat_excess_deaths")


def _growth(series: list[tuple[int, float]]) -> dict[str, Any] | None:
    s = [(e, v) for e, v in sorted(series) if v is not None and v > 0]
    if len(s) < 2:
        return {"epoch": s[-1][0], "value": s[-1][1]} if s else None
    (e1, v1), (e2, v2) = s[-2], s[-1]
    rate = 100 * ((v2 / v1) ** (1 / (e2 - e1)) - 1) if e2 > e1 else None
    return {"epoch": e2, "value": v2, "epoch_start": e1, "value_start": v1,
            "annual_growth_pct": None if rate is None else round(rate, 2)}


def city_glance(study: ReportData, city: str, epoch_blocks: list[dict[str, Any]],
                figs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The two-page summary of a city profile (see the module's rules)."""
    by_id = {b["indicator"]["indicator_id"]: b for b in epoch_blocks}
    pop = by_id.get("form.population")
    growth = _growth([(r["epoch"], r["value"]) for r in pop["epochs"]]) if pop else None
    order = {iid: i for i, iid in enumerate(KEY_EPOCH_INDICATORS)}
    cands = []
    for iid, b in by_id.items():
        if iid == "form.population" or not b["epochs"]:
            continue
        last = max(b["epochs"], key=lambda r: r["epoch"] or 0)
        pr = last.get("percentile_rank")
        if pr is None or last["value"] is None or last.get("n", 0) < 3:
            continue
        cands.append((-abs(pr - 50), order.get(iid, 99), iid, b["indicator"], last))
    cands.sort(key=lambda c: c[:3])
    findings = [{"indicator_id": iid, "name_en": ind["name_en"], "name_ru": ind["name_ru"],
                 "unit": ind["unit"], "epoch": last["epoch"], "value": last["value"],
                 "median": last["regional_median"], "percentile_rank": last["percentile_rank"],
                 "n": last["n"], "above": last["percentile_rank"] >= 50}
                for *_k, iid, ind, last in cands[:N_FINDINGS]]
    risk = (study.risk or {}).get(city) or {}
    rvals = {r["indicator_id"]: r for r in risk.get("table", [])}
    headline = [dict(rvals[i]) for i in RISK_HEADLINE if i in rvals
                and rvals[i]["value"] is not None]
    eal_range = None
    ev, cl = risk.get("values", {}).get("risk.eq_eal"), risk.get("values", {}).get(
        "risk.eq_eal_classical")
    if ev and cl and ev[0] is not None and cl[0] is not None:
        eal_range = (min(ev[0], cl[0]), max(ev[0], cl[0]))
    ghg = (study.ghg or {}).get(city) or {}
    names = {iid: (ind.name_en, ind.name_ru) for iid, ind in study.indicators.items()}
    per_person = [{**p, "name_en": names.get(p["indicator_id"], (p["indicator_id"],) * 2)[0],
                   "name_ru": names.get(p["indicator_id"], (p["indicator_id"],) * 2)[1]}
                  for p in ghg.get("per_person", []) if p.get("value") is not None]
    opts = (study.appraisal or {}).get("cities", {}).get(city) or {}
    by_opt = {o["option_id"]: o for o in opts.get("options", [])}
    recs = []
    for r in (opts.get("recommendations") or [])[:N_RECS]:
        lo = hi = None
        for oid in r.get("options") or []:
            o = by_opt.get(oid) or {}
            c_lo = o.get("capex_low_usd") or o.get("capex_usd")
            c_hi = o.get("capex_high_usd") or o.get("capex_usd")
            if c_lo is not None and c_hi is not None and not o.get("cost_unknown"):
                lo, hi = (lo or 0) + c_lo, (hi or 0) + c_hi
        recs.append({"rec_id": r.get("rec_id"), "priority": r.get("priority"),
                     "text_en": r.get("text_en"), "text_ru": r.get("text_ru"),
                     "cost_low_usd": lo, "cost_high_usd": hi})
    maps = [k for k in ("atlas", "density", "growth", "risk_exposure_value") if (figs or {}).get(k)]
    return {"growth": growth, "findings": findings, "risk": headline, "eal_range": eal_range,
            "risk_synthetic": bool(risk.get("synthetic")), "ghg_per_person": per_person,
            "ghg_year": ghg.get("year"), "ghg_total_pp": ghg.get("per_capita"),
            "recommendations": recs, "map": maps[0] if maps else None,
            "ghg_names": {p["indicator_id"]: names[p["indicator_id"]]
                          for p in ghg.get("per_person", []) if p["indicator_id"] in names}}


def region_summary(study: ReportData, rows: list[dict[str, Any]], cols: list[dict[str, Any]],
                   median: list[dict[str, Any]]) -> dict[str, Any]:
    """The region at a glance: counts, total population, and per key column the cities at
    both ends (highest and lowest value) against the regional median."""
    countries: dict[str, int] = {}
    for r in rows:
        countries[r["country_iso3"] or "?"] = countries.get(r["country_iso3"] or "?", 0) + 1
    pops = []
    for cid, c in study.cities.items():
        p = c.get("population")
        if p is not None and math.isfinite(p):
            pops.append((p, cid))
    extremes = []
    for i, col in enumerate(cols):
        vals = [(r["cells"][i]["value"], r) for r in rows if r["cells"][i]["value"] is not None]
        if len(vals) < 2:
            continue
        hi = max(vals, key=lambda x: x[0])
        lo = min(vals, key=lambda x: x[0])
        ind = col["indicator"]
        extremes.append({"name_en": ind.name_en, "name_ru": ind.name_ru, "unit": ind.unit,
                         "epoch": col["epoch"], "epoch_start": col["epoch_start"],
                         "median": median[i]["value"], "n": len(vals),
                         "high": {"value": hi[0], "name_en": hi[1]["name_en"],
                                  "name_ru": hi[1]["name_ru"], "href": hi[1]["href"]},
                         "low": {"value": lo[0], "name_en": lo[1]["name_en"],
                                 "name_ru": lo[1]["name_ru"], "href": lo[1]["href"]}})
    largest = sorted(pops, reverse=True)[:5]
    return {"n_cities": len(rows), "countries": countries,
            "population_total": sum(p for p, _c in pops) if pops else None,
            "largest": [{"city_id": c, "population": p,
                         "name_en": study.cities[c].get("name_en") or c,
                         "name_ru": study.cities[c].get("name_ru") or ""} for p, c in largest],
            "extremes": extremes, "median_rank_note": round1(50.0)}


def _rel(p: Path, start: Path) -> str:
    return os.path.relpath(p, start).replace(os.sep, "/")


def city_links(out_dir: Path, report: Path, city: str) -> list[dict[str, str]]:
    """Links from a city page to its data: exports (CSV, Parquet, GeoPackage), its COGs and
    the run manifest. Paths are relative to ``report/cities/`` and only files that exist on
    disk are listed (the report may be built in a staging directory renamed afterwards: the
    links are made against the committed layout ``OUT/report/cities``)."""
    page = Path(out_dir) / "report" / "cities"
    out: list[dict[str, str]] = []
    exp = Path(out_dir) / "exports"
    if exp.is_dir():
        for f in sorted(exp.iterdir()):   # study-wide files: filter on city_id
            if f.is_file() and not f.name.startswith("."):
                out.append({"kind": f.suffix.lstrip(".").lower(), "name": f.name,
                            "href": _rel(f, page)})
    ras = Path(out_dir) / "rasters" / city
    if ras.is_dir():
        for f in sorted(ras.glob("*.tif")):
            out.append({"kind": "cog", "name": f.name, "href": _rel(f, page)})
    out.append({"kind": "manifest", "name": "manifest.json",
                "href": _rel(Path(out_dir) / "manifest.json", page)})
    return out


def region_links(out_dir: Path, report: Path) -> list[dict[str, str]]:
    """Links from the regional page to the exports and the run manifest."""
    page = Path(out_dir) / "report"
    out: list[dict[str, str]] = []
    exp = Path(out_dir) / "exports"
    if exp.is_dir():
        for f in sorted(exp.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                out.append({"kind": f.suffix.lstrip(".").lower(), "name": f.name,
                            "href": _rel(f, page)})
    out.append({"kind": "manifest", "name": "manifest.json",
                "href": _rel(Path(out_dir) / "manifest.json", page)})
    return out
