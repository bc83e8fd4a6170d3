"""The report's view of a study: what the pages show, read once through
:mod:`carlcities.results`, and the peer statistics.

Peer statistics (per indicator, epoch and epoch pair, among the cities of the study):

* regional median: the median of the defined values of all cities in the store;
* percentile rank of a city: ``100 · (L + 0.5 · T) / n`` where ``L`` is the number of cities with
  a lower value, ``T`` the number with the same value (the city itself included) and ``n`` the
  number of cities with a defined value (the "mid-rank" definition; Hazen plotting position);
  for values 1, 2, 3 it gives 16.7, 50 and 83.3.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..appraisal.typology import percentile_ranks
from ..results import Study, records
from . import ghg, scorecard, sections
from .numbers import fmt_number, median, round1

__all__ = ["ENV_THEMES", "KEY_EPOCH_INDICATORS", "KEY_PAIR_INDICATORS", "MOB_THEMES",
           "OWN_SECTION_THEMES", "CHART_SERIES", "Indicator", "ReportData", "Value",
           "fmt_number", "load", "median", "peer_stats", "percentile_ranks", "round1", "slug"]

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


# ----------------------------------------------------------------------------- statistics
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
class ReportData:
    """What the report shows, read once from the study: the chosen run, the cities, the
    indicator values of zone 'city' and of the districts, and the sections' data."""

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
    # city_id -> scorecard section (see report.scorecard); empty for stores without scorecards
    scorecards: dict[str, dict[str, Any]] = field(default_factory=dict)
    # city_id -> greenhouse-gas section (see report.ghg); empty for stores without ghg tables
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


CITY_COLUMNS = ["city_id", "name_en", "name_ru", "country_iso3", "region", "lat", "lon",
                "population", "population_year", "population_source", "setting",
                "is_capital", "synthetic"]
VALUE_COLUMNS = ["city_id", "zone_id", "indicator_id", "epoch", "epoch_start", "value",
                 "unit", "source", "method_version", "synthetic", "flag", "scenario"]


def load(study: Study) -> ReportData:
    """Everything the pages show, from the study's latest results (observed values)."""
    meta = study.meta()
    runs = records(study.runs(), ["run_id", "study", "started", "finished", "status",
                               "config_sha256", "software"])
    runs.sort(key=lambda r: (r["started"] is not None, r["started"] or datetime.min,
                             r["finished"] or datetime.min, r["run_id"] or ""), reverse=True)
    latest = runs[0] if runs else None
    complete = [r for r in runs if (r["status"] or "").lower() == "complete"]
    run = complete[0] if complete else latest
    # every city from the latest run that finished it
    vals = records(study.values(scenario="observed", zone=None), VALUE_COLUMNS)
    if run is None and vals:   # no runs table rows: the last run id that wrote values
        run = {"run_id": max(study.latest_runs()["run_id"]),
               "status": None, "started": None, "finished": None}
    cities = {r["city_id"]: r for r in records(study.cities(), CITY_COLUMNS)}
    inds: dict[str, Indicator] = {}
    for r in records(study.indicators(), ["indicator_id", "theme", "name_en", "name_ru", "unit",
                                       "method", "reference", "kind", "higher_is"]):
        iid = r["indicator_id"]
        inds[iid] = Indicator(iid, r["theme"] or iid.split(".")[0], r["name_en"] or iid,
                              r["name_ru"] or "", r["unit"] or "", (r["kind"] or "").lower(),
                              r["method"] or "", r["reference"] or "", r["higher_is"] or "")
    zones = {(r["city_id"], r["zone_id"]): (r["name_en"] or r["zone_id"], r["name_ru"] or "")
             for r in records(study.districts().drop(columns="geometry"),
                           ["city_id", "zone_id", "name_en", "name_ru"])}
    scorecards = scorecard.load_scorecards(study)
    ghg_sections = ghg.load_ghg(study)
    names = {i: (ind.name_en, ind.name_ru, ind.unit) for i, ind in inds.items()}
    risk = sections.load_risk(study, names)
    scen = sections.load_scenarios(study, names)
    appraisal = sections.load_appraisal(study)
    values: dict[tuple[str, str, int | None, int | None], Value] = {}
    zone_values: dict[str, dict[str, dict[str, dict[int, Value]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict)))
    pair_seen: set[str] = set()
    synthetic = any(bool(c.get("synthetic")) for c in cities.values())
    for r in vals:
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
            cities[r["city_id"]] = {c: None for c in CITY_COLUMNS} | {"city_id": r["city_id"]}
    for ind in inds.values():
        if ind.kind not in ("epoch", "pair"):
            ind.kind = "pair" if ind.indicator_id in pair_seen else "epoch"
    cities = dict(sorted(cities.items(), key=lambda kv: (kv[1].get("name_en") or kv[0]).lower()))
    by_city: dict[str, list[tuple[str, str, int | None, int | None]]] = defaultdict(list)
    for key in values:
        by_city[key[0]].append(key)
    for cid in scorecards:
        if cid not in cities:
            cities[cid] = {c: None for c in CITY_COLUMNS} | {"city_id": cid}
    cities = dict(sorted(cities.items(), key=lambda kv: (kv[1].get("name_en") or kv[0]).lower()))
    synthetic = synthetic or any(sc["synthetic"] for sc in scorecards.values())
    return ReportData(meta, run, latest, cities, inds, values, zone_values, zones, synthetic,
                      by_city=dict(by_city), scorecards=scorecards, ghg=ghg_sections,
                      risk=risk, scenarios=scen, appraisal=appraisal)


def peer_stats(study: ReportData) -> None:
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



def slug(city_id: str) -> str:
    """A file-name-safe form of a city id (ids are ASCII slugs already; this guards the paths)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", city_id) or "_"
