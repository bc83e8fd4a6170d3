"""Build the HTML reports (and their JSON twins) from a run's output directory.

Reads only ``OUT/study.duckdb`` (read-only) and ``OUT/rasters/CITY/*.tif``; writes
``OUT/report/index.html`` + ``index.json``, ``OUT/report/cities/CITY.html`` + ``CITY.json`` and
the figures under ``OUT/report/img/``.

Peer statistics (per indicator, epoch and epoch pair, among the cities of the selected run):

* regional median: the median of the defined values of all cities in the store;
* percentile rank of a city: ``100 · (L + 0.5 · T) / n`` where ``L`` is the number of cities with
  a lower value, ``T`` the number with the same value (the city itself included) and ``n`` the
  number of cities with a defined value (the "mid-rank" definition; Hazen plotting position);
  for values 1, 2, 3 it gives 16.7, 50 and 83.3.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..appraisal.typology import percentile_ranks
from ..errors import OutputDirError
from . import charts, i18n, maps, sections

__all__ = [
    "KEY_EPOCH_INDICATORS",
    "KEY_PAIR_INDICATORS",
    "build_report",
    "median",
    "percentile_ranks",
]

#: indicators of the regional comparison table, in this order (those absent are skipped)
KEY_EPOCH_INDICATORS = (
    "form.population", "form.extent_area", "form.builtup_density", "form.extent_density",
    "form.saturation", "form.openness", "form.cohesion", "form.builtup_per_person",
    "environment.pm25_pop_weighted", "environment.green_share", "environment.suhi",
    "economy.lights_per_person",
)
#: themes shown in the profile's "Environment and economy" section rather than key indicators
ENV_THEMES = ("environment", "economy")
#: themes shown in their own sections, not in the key-indicator table
OWN_SECTION_THEMES = ("hazard", "exposure", "risk", "scenario")
MOB_THEMES = ("mobility", "access")
KEY_PAIR_INDICATORS = ("growth.lcrpgr", "growth.delta_c", "growth.lcr", "growth.pgr")
#: panels of the profile chart, in order: population, built-up area (or, failing that, the
#: urban extent area), then the densities; those absent from the store are skipped
CHART_SERIES = ("form.population", ("form.builtup_area", "form.extent_area"),
                "form.builtup_density", "form.extent_density")

_HERE = Path(__file__).parent
ProgressFn = Callable[[str], None]


# ----------------------------------------------------------------------------- statistics
def median(values: Iterable[float | None]) -> float | None:
    """Median of the defined (non-NULL, finite) values, or ``None`` when there are none."""
    v = sorted(x for x in values if x is not None and math.isfinite(x))
    if not v:
        return None
    k = len(v) // 2
    return float(v[k]) if len(v) % 2 else float((v[k - 1] + v[k]) / 2)


def fmt_number(v: float | None) -> str:
    """A value for display: about three significant figures, thin spaces between thousands."""
    if v is None or not math.isfinite(v):
        return "—"
    a = abs(v)
    if a >= 1000:
        s = f"{v:,.0f}".replace(",", "\u202f")
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 0.1:
        s = f"{v:.2f}"
    elif a == 0:
        s = "0"
    else:
        s = f"{v:#.3g}"
        if "e" in s:   # very small numbers
            s = f"{v:.2e}"
    return s.replace("-", "−")


def _r1(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


# ----------------------------------------------------------------------------- the store
@dataclass
class Indicator:
    indicator_id: str
    theme: str
    name_en: str
    name_ru: str
    unit: str
    kind: str               # epoch | pair
    method: str = ""
    reference: str = ""
    higher_is: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"indicator_id": self.indicator_id, "theme": self.theme, "name_en": self.name_en,
                "name_ru": self.name_ru, "unit": self.unit, "kind": self.kind,
                "method": self.method, "reference": self.reference, "higher_is": self.higher_is}


@dataclass
class Value:
    value: float | None
    flag: str | None
    unit: str | None
    source: str | None
    method_version: str | None
    synthetic: bool


@dataclass
class Study:
    meta: dict[str, str]
    run: dict[str, Any] | None
    latest_run: dict[str, Any] | None
    cities: dict[str, dict[str, Any]]
    indicators: dict[str, Indicator]
    # (city_id, indicator_id, epoch, epoch_start) -> Value, zone 'city' only
    values: dict[tuple[str, str, int | None, int | None], Value]
    # city_id -> zone_id -> indicator_id -> epoch -> Value (zone != 'city', epoch indicators)
    zone_values: dict[str, dict[str, dict[str, dict[int, Value]]]]
    zones: dict[tuple[str, str], tuple[str, str]]
    synthetic: bool
    peers: dict[tuple[str, int | None, int | None], dict[str, Any]] = field(default_factory=dict)
    by_city: dict[str, list[tuple[str, str, int | None, int | None]]] = field(
        default_factory=dict)
    # city_id -> scorecard section (see _load_scorecards); empty for stores without scorecards
    scorecards: dict[str, dict[str, Any]] = field(default_factory=dict)
    # city_id -> greenhouse-gas section (see _load_ghg); empty for stores without ghg tables
    ghg: dict[str, dict[str, Any]] = field(default_factory=dict)
    # risk, growth scenarios and appraisal sections (report/sections.py); empty when absent
    risk: dict[str, dict[str, Any]] = field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    appraisal: dict[str, Any] = field(default_factory=lambda: {"cities": {}, "region": [],
                                                               "typology": []})

    def city_items(self, city: str) -> list[tuple[tuple[str, str, int | None, int | None],
                                                  Value]]:
        """The (key, value) pairs of one city (zone 'city')."""
        return [(k, self.values[k]) for k in self.by_city.get(city, [])]


def _columns(con, table: str) -> set[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                       [table]).fetchall()
    return {r[0] for r in rows}


def _select(con, table: str, wanted: Iterable[str], where: str = "",
            params: list | None = None) -> list[dict[str, Any]]:
    have = _columns(con, table)
    if not have:
        return []
    wanted = list(wanted)
    cols = [c for c in wanted if c in have]
    if not cols:
        return []
    rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} {where}", params or []).fetchall()
    return [{**{c: None for c in wanted}, **dict(zip(cols, r))} for r in rows]


def _load(db: Path) -> Study:
    from ..store import connect

    con = connect(db, read_only=True)
    try:
        meta = {r["key"]: r["value"] for r in _select(con, "study_meta", ["key", "value"])}
        runs = _select(con, "runs", ["run_id", "study", "started", "finished", "status",
                                     "config_sha256", "software"])
        runs.sort(key=lambda r: (r["started"] is not None, r["started"] or datetime.min,
                                 r["finished"] or datetime.min, r["run_id"] or ""), reverse=True)
        latest = runs[0] if runs else None
        complete = [r for r in runs if (r["status"] or "").lower() == "complete"]
        run = complete[0] if complete else latest
        if run is None:   # no runs table rows: take the last run id that wrote values
            ids = con.execute("SELECT DISTINCT run_id FROM indicator_values ORDER BY run_id DESC"
                              ).fetchall() if _columns(con, "indicator_values") else []
            if ids:
                run = {"run_id": ids[0][0], "status": None, "started": None, "finished": None}
        city_cols = ["city_id", "name_en", "name_ru", "country_iso3", "region", "lat", "lon",
                     "population", "population_year", "population_source", "setting",
                     "is_capital", "synthetic"]
        cities = {r["city_id"]: r for r in _select(con, "cities", city_cols)}
        inds: dict[str, Indicator] = {}
        for r in _select(con, "indicators", ["indicator_id", "theme", "name_en", "name_ru",
                                              "unit", "method", "reference", "kind",
                                              "higher_is"]):
            iid = r["indicator_id"]
            inds[iid] = Indicator(iid, r["theme"] or iid.split(".")[0], r["name_en"] or iid,
                                  r["name_ru"] or "", r["unit"] or "", (r["kind"] or "").lower(),
                                  r["method"] or "", r["reference"] or "", r["higher_is"] or "")
        rows = []
        cols = ["city_id", "zone_id", "indicator_id", "epoch", "epoch_start", "value",
                "unit", "source", "method_version", "synthetic", "flag", "scenario"]
        if _columns(con, "latest_values"):
            # every city from the latest run that finished it
            rows = _select(con, "latest_values", cols,
                           "WHERE coalesce(scenario, 'observed') = 'observed'", [])
        if not rows and run is not None:  # a store without run_cities bookkeeping
            rows = _select(con, "indicator_values", cols,
                           "WHERE run_id = ? AND coalesce(scenario, 'observed') = 'observed'",
                           [run["run_id"]])
        zones = {(r["city_id"], r["zone_id"]): (r["name_en"] or r["zone_id"], r["name_ru"] or "")
                 for r in _select(con, "zones", ["city_id", "zone_id", "name_en", "name_ru"])}
        scorecards = _load_scorecards(con)
        ghg = _load_ghg(con)
        names = {i: (ind.name_en, ind.name_ru, ind.unit) for i, ind in inds.items()}
        risk = sections.load_risk(con, names)
        scen = sections.load_scenarios(con, names)
        appraisal = sections.load_appraisal(con)
    finally:
        con.close()

    values: dict[tuple[str, str, int | None, int | None], Value] = {}
    zone_values: dict[str, dict[str, dict[str, dict[int, Value]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict)))
    pair_seen: set[str] = set()
    synthetic = any(bool(c.get("synthetic")) for c in cities.values())
    for r in rows:
        v = r["value"]
        v = float(v) if v is not None and math.isfinite(float(v)) else None
        val = Value(v, r["flag"], r["unit"], r["source"], r["method_version"],
                    bool(r["synthetic"]))
        synthetic = synthetic or val.synthetic
        iid = r["indicator_id"]
        if r["epoch_start"] is not None:
            pair_seen.add(iid)
        if iid not in inds:
            inds[iid] = Indicator(iid, iid.split(".")[0], iid, "", r["unit"] or "", "")
        elif not inds[iid].unit and r["unit"]:
            inds[iid].unit = r["unit"]
        zone = r["zone_id"] or "city"
        epoch = None if r["epoch"] is None else int(r["epoch"])
        start = None if r["epoch_start"] is None else int(r["epoch_start"])
        if zone == "city":
            values[(r["city_id"], iid, epoch, start)] = val
        elif start is None and epoch is not None:
            zone_values[r["city_id"]][zone][iid][epoch] = val
        if r["city_id"] not in cities:
            cities[r["city_id"]] = {c: None for c in city_cols} | {"city_id": r["city_id"]}
    for ind in inds.values():
        if ind.kind not in ("epoch", "pair"):
            ind.kind = "pair" if ind.indicator_id in pair_seen else "epoch"
    cities = dict(sorted(cities.items(), key=lambda kv: (kv[1].get("name_en") or kv[0]).lower()))
    by_city: dict[str, list[tuple[str, str, int | None, int | None]]] = defaultdict(list)
    for key in values:
        by_city[key[0]].append(key)
    for cid in scorecards:
        if cid not in cities:
            cities[cid] = {c: None for c in city_cols} | {"city_id": cid}
    cities = dict(sorted(cities.items(), key=lambda kv: (kv[1].get("name_en") or kv[0]).lower()))
    synthetic = synthetic or any(sc["synthetic"] for sc in scorecards.values())
    return Study(meta, run, latest, cities, inds, values, zone_values, zones, synthetic,
                 by_city=dict(by_city), scorecards=scorecards, ghg=ghg, risk=risk,
                 scenarios=scen, appraisal=appraisal)


#: GPC sub-sector indicators shown per person, in order
GHG_SECTORS = ("ghg.stationary.residential", "ghg.stationary.commercial",
               "ghg.stationary.manufacturing", "ghg.transport.on_road", "ghg.transport.rail",
               "ghg.waste.solid", "ghg.waste.wastewater", "ghg.total")


def _load_ghg(con) -> dict[str, dict[str, Any]]:
    """Per city: the GPC inventory (``ghg_inventory``), per-person values by sector against the
    regional median, the pathways (``indicator_values``, ghg.total by scenario), the actions
    (``ghg_actions``) and the proxies used (``ghg_proxies``), each from the city's latest run.

    Stores without these tables (written before them) give ``{}``.
    """
    inv = _select(con, "ghg_inventory", [
        "city_id", "run_id", "year", "sector", "subsector", "gpc_ref", "scope", "gas",
        "co2e_t", "notation_key", "method", "source", "synthetic", "vehicle_class",
        "in_basic", "gwp"])
    if not inv:
        return {}
    latest = {r["city_id"]: r["run_id"] for r in _select(
        con, "latest_city_runs", ["city_id", "run_id"])}

    def mine(r: dict[str, Any]) -> bool:
        return r["run_id"] == latest.get(r["city_id"], r["run_id"])

    out: dict[str, dict[str, Any]] = {}
    for r in inv:
        if mine(r):
            out.setdefault(r["city_id"], {"inventory": [], "actions": [], "proxies": [],
                                          "pathways": {}, "per_person": []})
            out[r["city_id"]]["inventory"].append(r)
    for r in _select(con, "ghg_actions", ["city_id", "run_id", "action_id", "name_en",
                                          "name_ru", "abatement_2030_t", "abatement_2050_t",
                                          "cost_usd_per_t", "capex_usd", "lifetime_yr",
                                          "flag", "uptake_start", "uptake_full",
                                          "uptake_share", "uptake_scope", "uptake_source"]):
        if r["city_id"] in out and mine(r):
            out[r["city_id"]]["actions"].append(r)
    for r in _select(con, "ghg_proxies", ["city_id", "run_id", "key", "scope", "level",
                                          "value", "unit", "stands_for", "source"]):
        if r["city_id"] in out and mine(r):
            out[r["city_id"]]["proxies"].append(r)
    table = "latest_values" if _columns(con, "latest_values") else "indicator_values"
    vals = _select(con, table, ["city_id", "indicator_id", "epoch", "scenario", "value"],
                   "WHERE indicator_id LIKE 'ghg.%' AND zone_id = 'city'")
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


def _iso(d: Any) -> str | None:
    return d.isoformat() if hasattr(d, "isoformat") else (None if d is None else str(d))


def _load_scorecards(con) -> dict[str, dict[str, Any]]:
    """Per city: the latest scorecard assessment (per-Essential shares, change since the previous
    one of the same level, regional median), its recommendations and the capacity criterion.

    Stores without the ``scorecard_*`` tables (written before them) give ``{}``.
    """
    from ..scorecard.questions import ESSENTIALS, questions

    rows = _select(con, "scorecard_scores", ["city_id", "assessment_date", "level", "essential",
                                             "score", "max_score", "share", "completeness",
                                             "synthetic"])
    if not rows:
        return {}
    by: dict[str, dict[tuple[Any, str], dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict))
    for r in rows:
        by[r["city_id"]][(r["assessment_date"], r["level"] or "preliminary")][
            int(r["essential"])] = r
    recs = _select(con, "scorecard_recommendations", [
        "city_id", "assessment_date", "rec_id", "essential", "priority", "text_en", "text_ru",
        "evidence_en", "evidence_ru", "question_ids", "score", "max_score", "share", "threshold",
        "synthetic"])
    crit = _select(con, "scorecard_criteria", ["city_id", "assessment_date", "criterion",
                                               "value"])
    latest: dict[str, tuple[Any, str]] = {}
    for cid, assessments in by.items():
        latest[cid] = max(assessments, key=lambda k: (k[0], k[1] == "detailed"))
    medians = {e.number: median(
        by[c][latest[c]].get(e.number, {}).get("share") for c in latest) for e in ESSENTIALS}
    out: dict[str, dict[str, Any]] = {}
    for cid, key in latest.items():
        cur = by[cid][key]
        earlier = sorted(k for k in by[cid] if k[1] == key[1] and k[0] < key[0])
        prev = by[cid][earlier[-1]] if earlier else None
        total = cur.get(0, {})
        ess = []
        for e in ESSENTIALS:
            r = cur.get(e.number, {})
            p = prev.get(e.number, {}) if prev else {}
            sh, psh = r.get("share"), p.get("share")
            ess.append({"essential": e.number, "name_en": e.name_en, "name_ru": e.name_ru,
                        "short_en": e.short_en, "short_ru": e.short_ru,
                        "score": r.get("score"), "max_score": r.get("max_score"),
                        "share": sh, "share_display": "—" if sh is None else f"{100 * sh:.0f} %",
                        "completeness": r.get("completeness"),
                        "previous_share": psh,
                        "change": None if sh is None or psh is None else sh - psh,
                        "regional_median": medians[e.number]})
        city_recs = [{**{k: v for k, v in r.items() if k != "assessment_date"},
                      "assessment_date": _iso(r["assessment_date"]),
                      "question_ids": [q for q in (r["question_ids"] or "").split(", ") if q]}
                     for r in recs if r["city_id"] == cid and r["assessment_date"] == key[0]]
        city_recs.sort(key=lambda r: (r["priority"] != "high", r["share"] or 0, r["essential"]))
        cap = [r["value"] for r in crit if r["city_id"] == cid and r["assessment_date"] == key[0]
               and r["criterion"] == "institutional_capacity"]
        q_total = round(total.get("completeness") or 0, 6)
        n_q = len(questions(key[1])) if key[1] in ("preliminary", "detailed") else 0
        out[cid] = {
            "assessment_date": _iso(key[0]), "level": key[1],
            "previous_date": _iso(earlier[-1][0]) if earlier else None,
            "essentials": ess,
            "total": {"score": total.get("score"), "max_score": total.get("max_score"),
                      "share": total.get("share"), "completeness": total.get("completeness"),
                      "share_display": "—" if total.get("share") is None
                      else f"{100 * total['share']:.0f} %",
                      "previous_share": (prev or {}).get(0, {}).get("share"),
                      "questions": n_q, "answered": round(q_total * n_q)},
            "complete": q_total >= 1.0,
            "threshold": city_recs[0]["threshold"] if city_recs else None,
            "recommendations": city_recs,
            "institutional_capacity": cap[0] if cap else None,
            "synthetic": any(bool(r.get("synthetic")) for r in cur.values()),
        }
    return out


def _peer_stats(study: Study) -> None:
    """Regional and country medians and percentile ranks per (indicator, epoch, epoch_start)."""
    groups: dict[tuple[str, int | None, int | None], dict[str, float | None]] = defaultdict(dict)
    for (city, iid, e, s), val in study.values.items():
        groups[(iid, e, s)][city] = val.value
    for key, vals in groups.items():
        by_country: dict[str, list[float]] = defaultdict(list)
        for city, x in vals.items():
            if x is not None:
                by_country[study.cities[city].get("country_iso3") or "?"].append(x)
        study.peers[key] = {
            "median": median(vals.values()),
            "n": sum(v is not None for v in vals.values()),
            "ranks": percentile_ranks(vals),
            "country_median": {c: median(v) for c, v in by_country.items()},
            "country_n": {c: len(v) for c, v in by_country.items()},
        }


# ----------------------------------------------------------------------------- rendering
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(_HERE / "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        t=lambda key, **kw: i18n.bilingual(i18n.text(key, "en", **kw), i18n.text(key, "ru", **kw)),
        tb=lambda key, **kw: i18n.bilingual(i18n.text(key, "en", **kw),
                                            i18n.text(key, "ru", **kw), block=True),
        bi=i18n.bilingual, fmt=fmt_number, i18n_text=i18n.text,
        css=Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8")),
        js=Markup((_HERE / "static" / "report.js").read_text(encoding="utf-8")),
    )
    return env


def _run_json(study: Study) -> dict[str, Any]:
    def iso(x):
        return x.isoformat(sep=" ", timespec="seconds") if isinstance(x, datetime) else x

    run = study.run or {}
    latest = study.latest_run or {}
    note = None
    if latest and run and latest.get("run_id") != run.get("run_id"):
        note = "later"
    elif run and (run.get("status") or "").lower() != "complete":
        note = "no_complete"
    return {"run_id": run.get("run_id"), "status": run.get("status"),
            "started": iso(run.get("started")), "finished": iso(run.get("finished")),
            "latest_run_id": latest.get("run_id"), "latest_status": latest.get("status"),
            "note": note}


def _study_json(study: Study) -> dict[str, Any]:
    m = study.meta
    name = m.get("name") or "carlcities"
    return {"name": name, "title_en": m.get("title_en") or name,
            "title_ru": m.get("title_ru") or m.get("title_en") or name}


def _fig_json(f: maps.FigureInfo | None, page_dir: Path, report_dir: Path,
              synthetic: bool) -> dict[str, Any] | None:
    if f is None:
        return None
    cap_en, cap_ru = f.caption_en, f.caption_ru
    if synthetic:
        cap_en += " " + i18n.text("synthetic_caption")
        cap_ru += " " + i18n.text("synthetic_caption", "ru")
    def rel(p: Path, start: Path) -> str:
        return os.path.relpath(p, start).replace(os.sep, "/")

    panels = [{**{k: v for k, v in p.items() if k != "file"}, "src": rel(p["file"], page_dir),
               "path": rel(p["file"], report_dir)} for p in f.panels]
    return {"kind": f.kind, "src": rel(f.file, page_dir), "path": rel(f.file, report_dir),
            "title_en": f.title_en, "title_ru": f.title_ru, "alt": f.alt,
            "caption_en": cap_en, "caption_ru": cap_ru, "unit": f.unit, "source": f.source,
            "synthetic": synthetic, "width": f.width, "height": f.height, "panels": panels,
            "legend": f.legend, "colorbar": f.colorbar, "scale": f.scale, **f.extra}


def _write(path: Path, html: str, data: dict[str, Any]) -> None:
    path.write_text(html, encoding="utf-8")
    path.with_suffix(".json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _slug(city_id: str) -> str:
    """A file-name-safe form of a city id (ids are ASCII slugs already; this guards the paths)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", city_id) or "_"


def _col_key(iid: str, epoch: int | None, start: int | None) -> str:
    """Key of a table column in the JSON twin: 'form.population@2020', 'growth.lcr@2010-2020'."""
    return f"{iid}@{start}-{epoch}" if start is not None else f"{iid}@{epoch}"


def _key_columns(study: Study) -> list[dict[str, Any]]:
    """Columns of the regional table: latest epoch per key indicator, latest pair for growth."""
    epochs: dict[str, set[int]] = defaultdict(set)
    pairs: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for (_c, iid, e, s) in study.values:
        if e is None:
            continue
        if s is None:
            epochs[iid].add(e)
        else:
            pairs[iid].add((s, e))
    wanted_e = [i for i in KEY_EPOCH_INDICATORS if i in epochs]
    wanted_p = [i for i in KEY_PAIR_INDICATORS if i in pairs]
    if not wanted_e and not wanted_p:   # none of the usual ones: show what the store has
        wanted_e = sorted(epochs)[:10]
        wanted_p = sorted(pairs)[:4]
    cols = []
    for iid in wanted_e:
        e = max(epochs[iid])
        cols.append({"indicator": study.indicators[iid], "epoch": e, "epoch_start": None,
                     "key": _col_key(iid, e, None)})
    for iid in wanted_p:
        s, e = max(pairs[iid], key=lambda p: (p[1], p[0]))  # latest end, then the previous start
        cols.append({"indicator": study.indicators[iid], "epoch": e, "epoch_start": s,
                     "key": _col_key(iid, e, s)})
    return cols


def _cell(study: Study, city: str, col: dict[str, Any]) -> dict[str, Any]:
    iid, e, s = col["indicator"].indicator_id, col["epoch"], col["epoch_start"]
    v = study.values.get((city, iid, e, s))
    peers = study.peers.get((iid, e, s), {})
    rank = peers.get("ranks", {}).get(city) if v is not None else None
    return {"value": v.value if v else None, "display": fmt_number(v.value if v else None),
            "flag": (v.flag if v else None) or (None if v else "no value in this run"),
            "percentile_rank": _r1(rank), "synthetic": bool(v and v.synthetic)}


def _series(study: Study, city: str, ids: Iterable[str | tuple[str, ...]]
            ) -> list[charts.Series]:
    """Chart panels: the city's values by epoch and the regional medians (first id present)."""
    out = []
    for choice in ids:
        options = (choice,) if isinstance(choice, str) else choice
        mine = study.city_items(city)
        present = [i for i in options if i in study.indicators
                   and any(k[1] == i and k[3] is None for k, _v in mine)]
        if not present:
            continue
        iid = present[0]
        epochs = sorted({e for (i, e, s) in study.peers if i == iid and s is None
                         and e is not None})
        if not epochs:
            continue
        ind = study.indicators[iid]
        cv = [getattr(study.values.get((city, iid, e, None)), "value", None) for e in epochs]
        mv = [study.peers.get((iid, e, None), {}).get("median") for e in epochs]
        out.append(charts.Series(ind.name_en, ind.name_ru or ind.name_en, ind.unit, epochs, cv, mv))
    return out


def _city_figures(job: dict[str, Any]) -> dict[str, maps.FigureInfo | None]:
    """All figures of one city profile (a picklable unit of work)."""
    cid = _slug(job["city_id"])
    img = job["img_dir"]
    common = {"out_dir": job["out_dir"], "city_en": job["name_en"], "city_ru": job["name_ru"],
              "fallback_source": job["source"]}
    rs = maps.find_rasters(job["raster_dir"])
    rs.zoom_to_urban()
    figs: dict[str, maps.FigureInfo | None] = {
        "atlas": maps.atlas_panels(rs, img, city_id=cid, **common),
        "expansion": maps.expansion_map(rs, img / f"{cid}-expansion.png", **common),
        "density": maps.density_map(rs, img / f"{cid}-density.png", **common),
        "growth": maps.growth_map(rs, img / f"{cid}-growth.png", **common),
    }
    src = job["chart_source"]
    rd = job.get("radar")
    if rd:
        figs["radar"] = charts.radar(
            rd["axes"], [charts.RadarSeries(**x) for x in rd["series"]],
            img / f"{cid}-scorecard.png", city_en=job["name_en"], city_ru=job["name_ru"],
            source=rd["source"])
    for kind in maps.ENV_MAPS:
        figs[f"env_{kind}"] = maps.env_map(rs, kind, img / f"{cid}-env-{kind}.png", **common)
    for kind in maps.MOB_MAPS:
        figs[f"mob_{kind}"] = maps.mob_map(rs, kind, img / f"{cid}-mob-{kind}.png", **common)
    gh = job.get("ghg")
    if gh:
        gsrc = f"study.duckdb, indicator_values / ghg_actions ({gh['gwp']})"
        figs["ghg_pathways"] = charts.ghg_pathways(
            {s: ([y for y, _ in v], [x for _, x in v]) for s, v in gh["pathways"].items()},
            img / f"{cid}-ghg-pathways.png", city_en=job["name_en"], city_ru=job["name_ru"],
            source=gsrc)
        figs["ghg_macc"] = charts.ghg_macc(gh["actions"], img / f"{cid}-ghg-macc.png",
                                           city_en=job["name_en"], city_ru=job["name_ru"],
                                           source=gsrc)
        figs["ghg_map"] = charts.ghg_map(
            Path(job["raster_dir"]) / f"ghg_{gh['year']}.tif", img / f"{cid}-ghg-map.png",
            city_en=job["name_en"], city_ru=job["name_ru"],
            source=f"rasters/{cid}/ghg_{gh['year']}.tif")
    figs.update(sections.risk_figures(job))
    figs["chart"] = charts.time_series(
        job["series"], img / f"{cid}-chart.png", kind="chart", title_key="chart_title",
        city_en=job["name_en"], city_ru=job["name_ru"], source=src)
    return figs


OVERVIEW_IDS = ("hazard.eq_pga475_rock", "risk.eq_eal_ratio", "risk.eq_fatalities_annual",
                "risk.flood_eal", "exposure.pop_mudflow", "risk.heat_excess_deaths")


def _risk_overview(study: Study) -> dict[str, Any]:
    """Index table: key risk values, the city's type and its option most often ranked first."""
    types = {t["city_id"]: t["type"] for t in study.appraisal.get("typology", [])}
    cols = [dict(indicator_id=i, name_en=study.indicators[i].name_en,
                 name_ru=study.indicators[i].name_ru, unit=study.indicators[i].unit)
            for i in OVERVIEW_IDS if i in study.indicators]
    rows = []
    for cid, c in study.cities.items():
        r = study.risk.get(cid)
        a = study.appraisal["cities"].get(cid)
        if not r and not a:
            continue
        vals = {t["indicator_id"]: t["value"] for t in (r or {}).get("table", [])}
        top = (a or {}).get("options") or [{}]
        rows.append(dict(city_id=cid, name_en=c.get("name_en") or cid,
                         name_ru=c.get("name_ru") or "", href=f"cities/{_slug(cid)}.html",
                         values=[vals.get(col["indicator_id"]) for col in cols],
                         type=types.get(cid), top_option=top[0].get("name_en"),
                         top_option_ru=top[0].get("name_ru"), p_first=top[0].get("p_first")))
    return {"columns": cols, "rows": rows}


def _growth_overview(study: Study) -> dict[str, Any]:
    """Index table: land take and new residents in hazard zones by growth scenario."""
    sids: list[str] = []
    for sc in study.scenarios.values():
        sids += [s for s in sc["scenarios"] if s not in sids]
    rows = []
    for cid, c in study.cities.items():
        sc = study.scenarios.get(cid)
        if not sc:
            continue
        t = {r["indicator_id"]: r["values"] for r in sc["table"]}
        hz = {s: sum((t.get(i) or {}).get(s) or 0.0 for i in ("exposure.pop_new_flood_100",
                                                               "exposure.pop_new_mudflow"))
              for s in sids}
        rows.append(dict(city_id=cid, name_en=c.get("name_en") or cid,
                         name_ru=c.get("name_ru") or "", href=f"cities/{_slug(cid)}.html",
                         epoch=sc["epoch"],
                         land=[(t.get("scenario.land_take") or {}).get(s) for s in sids],
                         hazard=[hz[s] for s in sids]))
    return {"scenarios": sids, "rows": rows}


def _typology_view(study: Study) -> dict[str, Any] | None:
    typ = study.appraisal.get("typology") or []
    if not typ:
        return None
    sep = typ[0]["separating"][:5]
    names = ", ".join(study.indicators[i].name_en if i in study.indicators else i
                      for i, _f in sep)
    names_ru = ", ".join(study.indicators[i].name_ru if i in study.indicators else i
                         for i, _f in sep)
    groups: dict[int, list[str]] = defaultdict(list)
    for t in typ:
        groups[int(t["type"])].append(study.cities.get(t["city_id"], {}).get("name_en")
                                      or t["city_id"])
    return {"k": typ[0]["k"], "separating_en": names, "separating_ru": names_ru,
            "groups": [{"type": k, "cities": sorted(v)} for k, v in sorted(groups.items())]}


def _radar_job(study: Study, cid: str, c: dict[str, Any]) -> dict[str, Any] | None:
    """The radar chart's data: latest assessment, the previous one and the regional median."""
    sc = study.scorecards.get(cid)
    if not sc:
        return None
    ess = sc["essentials"]
    series = [{"label_en": f"{c.get('name_en') or cid} {sc['assessment_date']}",
               "label_ru": f"{c.get('name_ru') or c.get('name_en') or cid} "
                           f"{sc['assessment_date']}",
               "values": [e["share"] for e in ess], "colour": charts.CITY_COLOUR}]
    if sc["previous_date"]:
        series.append({"label_en": f"previous assessment {sc['previous_date']}",
                       "label_ru": f"предыдущая оценка {sc['previous_date']}",
                       "values": [e["previous_share"] for e in ess], "colour": "#2b7bba",
                       "line": "dotted"})
    if len(study.scorecards) > 1:
        series.append({"label_en": i18n.text("regional_median"),
                       "label_ru": i18n.text("regional_median", "ru"),
                       "values": [e["regional_median"] for e in ess],
                       "colour": charts.MEDIAN_COLOUR, "line": "dashed"})
    return {"axes": [(e["short_en"], e["short_ru"]) for e in ess], "series": series,
            "source": f"study.duckdb, scorecard_scores ({sc['level']}, {sc['assessment_date']})"}


def _indicator_blocks(study: Study, city: str, kind: str) -> list[dict[str, Any]]:
    """Per indicator: the city's value, medians and percentile rank for each epoch (or pair)."""
    iso = study.cities[city].get("country_iso3") or "?"
    keys: dict[str, set[tuple[int | None, int | None]]] = defaultdict(set)
    for (_c, iid, e, s) in study.by_city.get(city, []):
        if (s is None) == (kind == "epoch"):
            keys[iid].add((e, s))
    order = {iid: i for i, iid in enumerate(KEY_EPOCH_INDICATORS + KEY_PAIR_INDICATORS)}
    blocks = []
    for iid in sorted(keys, key=lambda i: (order.get(i, 99), study.indicators[i].theme, i)):
        ind = study.indicators[iid]
        rows = []
        for e, s in sorted(keys[iid], key=lambda p: (p[0] or 0, p[1] or 0)):
            v = study.values[(city, iid, e, s)]
            p = study.peers.get((iid, e, s), {})
            rows.append({
                "epoch": e, "epoch_start": s,
                "label": f"{s}–{e}" if s is not None else str(e),
                "value": v.value, "display": fmt_number(v.value), "flag": v.flag,
                "regional_median": p.get("median"),
                "regional_median_display": fmt_number(p.get("median")),
                "n": p.get("n", 0),
                "country_median": p.get("country_median", {}).get(iso),
                "country_median_display": fmt_number(p.get("country_median", {}).get(iso)),
                "country_n": p.get("country_n", {}).get(iso, 0),
                "percentile_rank": _r1(p.get("ranks", {}).get(city)),
                "source": v.source, "method_version": v.method_version,
                "synthetic": v.synthetic})
        blocks.append({"indicator": ind.as_json(), "epochs": rows})
    return blocks


def _grid(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Blocks laid out on common epoch (or pair) columns for the peer table."""
    keys = sorted({(r["epoch_start"] or 0, r["epoch"] or 0, r["label"])
                   for b in blocks for r in b["epochs"]}, key=lambda k: (k[1], k[0]))
    labels = list(dict.fromkeys(k[2] for k in keys))
    return {"labels": labels,
            "blocks": [{"indicator": b["indicator"],
                        "cells": [{r["label"]: r for r in b["epochs"]}.get(lab) for lab in labels]}
                       for b in blocks]}


def _districts(study: Study, city: str) -> dict[str, Any] | None:
    zv = study.zone_values.get(city)
    if not zv:
        return None
    # the latest study epoch (environment layers have their own years, e.g. land cover 2021)
    epoch = max([e for z in zv.values() for i, d in z.items() for e in d
                 if i.split(".")[0] not in ENV_THEMES]
                or [e for z in zv.values() for d in z.values() for e in d])
    iids = sorted({iid for z in zv.values() for iid, d in z.items() if epoch in d},
                  key=lambda i: ({k: n for n, k in enumerate(KEY_EPOCH_INDICATORS)}.get(i, 99), i))
    rows = []
    for zid in sorted(zv, key=lambda z: study.zones.get((city, z), (z, ""))[0]):
        name_en, name_ru = study.zones.get((city, zid), (zid, ""))
        cells = []
        for iid in iids:
            v = zv[zid].get(iid, {}).get(epoch)
            cells.append({"indicator_id": iid, "value": v.value if v else None,
                          "display": fmt_number(v.value if v else None),
                          "flag": v.flag if v else None})
        rows.append({"zone_id": zid, "name_en": name_en, "name_ru": name_ru, "cells": cells})
    return {"epoch": epoch, "indicators": [study.indicators[i].as_json() for i in iids],
            "rows": rows}


def _map_jobs(fn, jobs: list[dict[str, Any]], workers: int) -> list[Any]:
    """Run ``fn`` over ``jobs``, in forked worker processes when that is safe and worth it.

    Fork (Linux) is used rather than spawn so that scripts without an ``if __name__ ==
    "__main__"`` guard keep working; when fork is unavailable, or other Python threads are
    running, the jobs run one after another.
    """
    import multiprocessing as mp
    import threading

    if (workers <= 1 or len(jobs) < 4 or "fork" not in mp.get_all_start_methods()
            or threading.active_count() > 1):
        return [fn(j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as ex:
        return list(ex.map(fn, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def _workers(n_jobs: int) -> int:
    """Worker processes for the figures: ``CARLCITIES_REPORT_WORKERS`` or the usable CPUs (≤ 8)."""
    env = os.environ.get("CARLCITIES_REPORT_WORKERS")
    if env and env.strip().isdigit():
        return max(1, int(env))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 1 if n_jobs < 8 else max(1, min(cpus or 1, 8))


# ----------------------------------------------------------------------------- the public API
def build_report(out_dir: Path, *, progress: ProgressFn | None = None) -> Path:
    """Write the regional comparison and one profile per city into ``OUT/report/``.

    Parameters
    ----------
    out_dir : the output directory of a run; ``OUT/study.duckdb`` is opened read-only and
        ``OUT/rasters/CITY/*.tif`` are read when present (a city without rasters still gets a
        page, with a note instead of maps).
    progress : called with a short message as each part is done.

    Returns
    -------
    Path of ``OUT/report/index.html``.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    db = out_dir / "study.duckdb"
    if not db.is_file():
        raise OutputDirError("no results store (study.duckdb) in the output directory",
                             path=out_dir, fix="run `carlcities run --out DIR` first, then "
                                                "`carlcities report --out DIR` on the same DIR")
    study = _load(db)
    _peer_stats(study)
    say(f"read the store: {len(study.cities)} cities, {len(study.values)} values")

    report = out_dir / "report"
    img = report / "img"
    cities_dir = report / "cities"
    for d in (img, cities_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    env = _env()
    run = _run_json(study)
    sj = _study_json(study)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    manifest_exists = (out_dir / "manifest.json").is_file()
    base = {"study": sj, "run": run, "synthetic": study.synthetic, "generated": generated,
            "manifest_exists": manifest_exists}

    # --- per-city figures (the slow part), in parallel when there are many cities
    jobs = []
    for cid, c in study.cities.items():
        srcs = sorted({v.source for _k, v in study.city_items(cid) if v.source})
        jobs.append({
            "city_id": cid, "name_en": c.get("name_en") or cid,
            "name_ru": c.get("name_ru") or c.get("name_en") or cid,
            "out_dir": out_dir, "raster_dir": out_dir / "rasters" / cid, "img_dir": img,
            "source": "; ".join(srcs),
            "chart_source": f"study.duckdb, indicator_values, run {run['run_id']}",
            "series": _series(study, cid, CHART_SERIES),
            "radar": _radar_job(study, cid, c), "ghg": study.ghg.get(cid),
            "slug": _slug(cid), "risk": study.risk.get(cid),
            "scenarios": study.scenarios.get(cid),
            "appraisal": study.appraisal["cities"].get(cid)})
    workers = _workers(len(jobs))
    figures = _map_jobs(_city_figures, jobs, workers)
    say(f"drew the city figures ({len(jobs)} cities, {workers} worker(s))")

    # --- index
    cols = _key_columns(study)
    rows: list[dict[str, Any]] = []
    for cid, c in study.cities.items():
        en, ru = i18n.country_name(c.get("country_iso3"))
        rows.append({"city_id": cid, "name_en": c.get("name_en") or cid,
                     "name_ru": c.get("name_ru") or "", "country_iso3": c.get("country_iso3"),
                     "country_en": en, "country_ru": ru, "href": f"cities/{_slug(cid)}.html",
                     "cells": [_cell(study, cid, col) for col in cols]})
    med = []
    for col in cols:
        p = study.peers.get((col["indicator"].indicator_id, col["epoch"], col["epoch_start"]), {})
        med.append({"value": p.get("median"), "display": fmt_number(p.get("median")),
                    "n": p.get("n", 0)})
    points = []
    for cid, c in study.cities.items():
        pop = c.get("population")
        if pop is None:
            pv = sorted((k[2], v.value) for k, v in study.city_items(cid)
                        if k[1] == "form.population" and k[3] is None and k[2] is not None
                        and v.value is not None)
            pop = pv[-1][1] if pv else None
        points.append(charts.CityPoint(cid, c.get("name_en") or cid, c.get("lon"), c.get("lat"),
                                       pop, c.get("country_iso3")))
    rmap = charts.region_map(points, img / "region-map.png",
                             source="study.duckdb, table cities (catalogue location and "
                                    "population)")
    region_fig = _fig_json(rmap, report, report, study.synthetic)
    columns_json = [{"key": col["key"], **col["indicator"].as_json(), "epoch": col["epoch"],
                     "epoch_start": col["epoch_start"]} for col in cols]
    index_data = {
        **base,
        "percentile_rank_definition": i18n.text("percentile_definition"),
        "percentile_rank_definition_ru": i18n.text("percentile_definition", "ru"),
        "filter": {"zone_id": "city", "scenario": "observed", "run_id": run["run_id"]},
        "columns": columns_json,
        "cities": [{k: r[k] for k in ("city_id", "name_en", "name_ru", "country_iso3",
                                      "country_en", "country_ru", "href")}
                   | {"values": {col["key"]: cell for col, cell in zip(cols, r["cells"],
                                                                       strict=True)}}
                   for r in rows],
        "regional_median": {col["key"]: m for col, m in zip(cols, med)},
        "figures": [f for f in [region_fig] if f],
    }
    sc_rows = [{"city_id": cid, "name_en": c.get("name_en") or cid,
                "name_ru": c.get("name_ru") or "", "href": f"cities/{_slug(cid)}.html",
                **study.scorecards[cid]} for cid, c in study.cities.items()
               if cid in study.scorecards]
    sc_median = ([{"share": e["regional_median"]} for e in sc_rows[0]["essentials"]]
                 if sc_rows else [])
    index_data["scorecards"] = [
        {"city_id": r["city_id"], "assessment_date": r["assessment_date"], "level": r["level"],
         "complete": r["complete"], "total_share": r["total"]["share"],
         "completeness": r["total"]["completeness"],
         "shares": {str(e["essential"]): e["share"] for e in r["essentials"]},
         "institutional_capacity": r["institutional_capacity"], "synthetic": r["synthetic"]}
        for r in sc_rows]
    overview = _risk_overview(study)
    index_data["risk_overview"] = overview
    growth = _growth_overview(study)
    index_data["growth_overview"] = growth
    index_data["typology"] = study.appraisal.get("typology", [])
    index_data["regional_recommendations"] = study.appraisal.get("region", [])
    index_html = env.get_template("index.html").render(
        **base, page="index", root="", columns=cols, rows=rows, median=med,
        sc_rows=sc_rows, sc_median=sc_median,
        region_fig=region_fig, manifest_href="../manifest.json", json_href="index.json",
        overview=overview, growth=growth, typology=_typology_view(study),
        region_recs=study.appraisal.get("region", []),
        n_cities=len(rows))
    index = report / "index.html"
    _write(index, index_html, index_data)
    say("wrote index.html")

    # --- profiles
    n_all = len(study.cities)
    for (cid, c), figs in zip(study.cities.items(), figures):
        iso = c.get("country_iso3")
        en, ru = i18n.country_name(iso)
        epoch_blocks = _indicator_blocks(study, cid, "epoch")
        pair_blocks = _indicator_blocks(study, cid, "pair")
        fj = {k: _fig_json(f, cities_dir, report, study.synthetic) for k, f in figs.items()}
        rs = maps.find_rasters(out_dir / "rasters" / cid)
        city_vals = [v for _k, v in study.city_items(cid)]
        prov = {"run_id": run["run_id"], "run_status": run["status"],
                "method_versions": sorted({v.method_version for v in city_vals
                                           if v.method_version}),
                "sources": sorted({v.source for v in city_vals if v.source}),
                "manifest": "../../manifest.json", "manifest_exists": manifest_exists}
        city_json = {k: c.get(k) for k in ("city_id", "name_en", "name_ru", "country_iso3",
                                           "region", "lat", "lon", "population",
                                           "population_year", "population_source", "setting",
                                           "synthetic")}
        city_json |= {"country_en": en, "country_ru": ru}
        n_country = sum(1 for o in study.cities.values() if o.get("country_iso3") == iso)
        data = {**base, "city": city_json, "peers": {"n_cities": n_all, "country_n": n_country},
                "percentile_rank_definition": i18n.text("percentile_definition"),
                "indicators": epoch_blocks, "growth": pair_blocks,
                "districts": _districts(study, cid),
                "figures": {k: v for k, v in fj.items() if v},
                "rasters_missing": rs.empty, "provenance": prov,
                "scorecard": study.scorecards.get(cid), "ghg": study.ghg.get(cid),
                "risk": study.risk.get(cid), "growth_scenarios": study.scenarios.get(cid),
                "options": study.appraisal["cities"].get(cid)}
        html = env.get_template("city.html").render(
            **base, page="city", root="../", city=city_json, figs=fj, blocks=epoch_blocks,
            growth=pair_blocks,
            epoch_grid=_grid([b for b in epoch_blocks
                              if b["indicator"]["theme"] not in ENV_THEMES + MOB_THEMES
                              + OWN_SECTION_THEMES]),
            mob_grid=_grid([b for b in epoch_blocks
                            if b["indicator"]["theme"] in MOB_THEMES]),
            env_grid=_grid([b for b in epoch_blocks + pair_blocks
                            if b["indicator"]["theme"] in ENV_THEMES]),
            pair_grid=_grid(pair_blocks),
            districts=data["districts"], provenance=prov, scorecard=study.scorecards.get(cid),
            ghg=study.ghg.get(cid), risk=study.risk.get(cid),
            scen=study.scenarios.get(cid), opts=study.appraisal["cities"].get(cid),
            rasters_missing=rs.empty, raster_dir=f"rasters/{cid}/",
            n_cities=n_all, n_country=n_country, manifest_href="../../manifest.json",
            json_href=f"{_slug(cid)}.json")
        _write(cities_dir / f"{_slug(cid)}.html", html, data)
    say(f"wrote {n_all} city profiles in {time.perf_counter() - t0:.1f} s")
    return index
