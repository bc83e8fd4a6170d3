"""The appraisal stage of a study: read the store, appraise every city, write the results.

Runs after the cities (it needs all of them for peers and the typology) and reads the other
stages' results only through :class:`carlcities.results.Study` (over the run's connection):
``ghg_actions`` (carbon options), ``risk_summary`` (resilience options valued by the
risk engine's EAL and fatalities), ``indicator_values`` with ``scenario = growth:*`` (growth
options valued against ``bau_sprawl``), ``scorecard_scores`` (the institutional capacity an
option relies on: the mean share of the MCR2030 Essentials it carries out), and the latest
observed indicator values (benchmarks, typology, recommendations). It writes its own tables
(:mod:`.store`) with the connection it is given.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from carlcities.results import Study, records

__all__ = ["run_appraisal", "GROWTH_EPOCH"]

GROWTH_EPOCH = 2050
#: carbon actions that are urban-form policies (replaced by the growth scenarios when present)
URBAN_FORM_ACTIONS = ("compact_growth_tod",)
#: units of quantities that add up over a city (not compared between cities of other sizes)
EXTENSIVE_UNITS = frozenset({"t CO2e/yr", "USD", "USD/yr", "persons", "persons/yr", "count",
                             "ha", "km", "nW/cm²/sr·km²"})


def _by_city(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by ``city_id``, each city's rows in their order."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["city_id"]].append(r)
    return out


def _growth_rows(vals: list[dict[str, Any]], base_year: int,
                 names: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """Per growth scenario at 2050: land take since ``base_year`` (the last observed epoch),
    people moved into hazard zones, emissions, EAL, from a city's ``growth:*`` indicator
    values (its latest results); ``names``: English and Russian names per scenario."""
    by: dict[str, dict[str, float]] = defaultdict(dict)
    for r in vals:
        if r["epoch"] != GROWTH_EPOCH or r["epoch_start"] not in (None, base_year):
            continue
        if r["value"] is not None:
            by[r["scenario"].split(":", 1)[1]][r["indicator_id"]] = float(r["value"])
    if "bau_sprawl" not in by:
        return []
    out = []
    for sid, v in sorted(by.items()):
        if "scenario.land_take" not in v:
            continue
        row = dict(scenario_id=sid, name_en=names.get(sid, (sid, sid))[0],
                   name_ru=names.get(sid, (sid, sid))[1],
                   land_take_ha=v["scenario.land_take"],
                   exposed_persons=sum(x for k, x in v.items()
                                       if k.startswith("exposure.pop_new_")),
                   sources=["carlcities growth scenarios (docs/growth_scenarios.md)"])
        if "form.population" in v:
            row["population"] = v["form.population"]
        if "ghg.total" in v:
            row["t_co2e_yr"] = v["ghg.total"]
        eal = [v[k] for k in ("risk.eq_eal", "risk.flood_eal") if k in v]
        if eal:
            row["eal_usd_yr"] = float(sum(eal))
        out.append(row)
    return out


def _latest_values(study: Study, last_epoch: int) -> tuple[dict, dict]:
    """{indicator: {city: value}} of the observed indicators at the last epoch (each city's
    latest results), and units."""
    frame = study.values(scenario="observed")
    if len(frame):   # the rows of the last epoch (not a change since an earlier one), in order
        frame = frame[(frame["epoch"] == last_epoch) & frame["epoch_start"].isna()]
    rows = records(frame, ["city_id", "indicator_id", "epoch", "epoch_start", "value", "unit"])
    vals: dict[str, dict[str, float | None]] = defaultdict(dict)
    units = {}
    for r in rows:
        v = r["value"]
        vals[r["indicator_id"]][r["city_id"]] = None if v is None or not math.isfinite(v) \
            else float(v)
        units[r["indicator_id"]] = r["unit"]
    return vals, units


def _threads(n_cities: int) -> int:
    """Threads of the appraisal: the usable cores (``CARLCITIES_APPRAISAL_THREADS`` sets it),
    at most one per city."""
    env = os.environ.get("CARLCITIES_APPRAISAL_THREADS")
    n = int(env) if env and env.isdigit() and int(env) > 0 else len(os.sched_getaffinity(0))
    return max(1, min(n, n_cities))


def run_appraisal(con, cfg, catalog, run_id: str) -> dict[str, Any]:
    """Appraise every city and write the appraisal tables under ``run_id``; return a summary.

    The cities are those of this run and every other city's latest complete run (so that
    rerunning one city keeps the others among the peers and in the report)."""
    from carlcities.indicators.registry import REGISTRY

    from . import (
        appraise_city,
        benchmark,
        city_typology,
        growth_cost,
        load_parameters,
        load_profiles,
        load_resilience_options,
        npv_sobol,
        options_from_carbon_actions,
        options_from_growth,
        peer_groups,
        recommend_city,
        recommend_region,
        resilience_option_effects,
    )
    from .sensitivity import CONSTANT_NOTE
    from .store import write_all

    # every city's latest results (this run's cities, written in this run's transactions, and
    # those of earlier runs), so that rerunning one city keeps the others in the peers, the
    # typology and the report
    study = Study.from_connection(con)
    cities = sorted(study.latest_runs()["city_id"])
    if not cities:
        return {"cities": 0}
    last = max(cfg.epochs)
    specs = load_resilience_options()
    profiles = load_profiles()
    summaries = study.risk_summary()
    ess: dict[str, dict[int, float]] = defaultdict(dict)
    sc_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    scores = records(study.scorecards(), ["city_id", "essential", "share", "assessment_date",
                                          "level"])
    # the latest assessment last (a detailed one after a preliminary one of the same date)
    scores.sort(key=lambda r: (r["assessment_date"] is None, r["assessment_date"] or 0,
                               r["level"] == "detailed"))
    for r in scores:
        if r["essential"] is not None and r["essential"] > 0 and r["share"] is not None:
            ess[r["city_id"]][int(r["essential"])] = float(r["share"])
    for cid, by_ess in ess.items():
        sc_rows[cid] = [dict(essential=e, share=s) for e, s in sorted(by_ess.items())]
    synth = study.values(zone=None)[["city_id", "synthetic"]]
    synthetic = {cid: bool(s.fillna(False).astype(bool).any())
                 for cid, s in synth.groupby("city_id")["synthetic"]}

    # every city's growth values and carbon actions in one query each
    gv = study.values(scenario="growth:*")
    if len(gv):   # the rows _growth_rows reads (in their order): 2050, since the last epoch
        gv = gv[(gv["epoch"] == GROWTH_EPOCH)
                & (gv["epoch_start"].isna() | (gv["epoch_start"] == last))]
    growth_vals = _by_city(records(gv, ["city_id", "scenario", "indicator_id", "epoch",
                                        "epoch_start", "value"]))
    actions = _by_city(records(study.ghg_actions()))
    names: dict[str, tuple[str, str]] = {}
    if growth_vals:
        from carlcities.scenarios import load_scenarios

        names = {k: (s.name_en, s.name_ru) for k, s in load_scenarios().items()}

    seed = int(cfg.risk.seed)

    def one_city(i: int, cid: str) -> tuple[dict[str, Any], list[Any]] | None:
        """Appraise city ``cid`` (the ``i``-th; its own random streams, from ``[seed, i]``)."""
        city = catalog.get(cid)
        params = load_parameters(city.country_iso3, discount_rate=cfg.appraisal.discount_rate)
        pop = city.population_at(last)[0]
        # the wide interval of an unknown cost [USD]: shares of the city's annual GDP
        gdp = pop * params.values["gdp_per_capita_usd"]
        lo_hi = params.ranges.get("unknown_cost_share_gdp", (1e-4, 1e-2))
        unknown = (lo_hi[0] * gdp, lo_hi[1] * gdp)
        opts = []
        acts = sorted(actions.get(cid, []), key=lambda a: a["action_id"])
        if acts:
            opts += options_from_carbon_actions(acts)
        summ = summaries.get(cid)
        if summ:
            for s in specs:
                o = resilience_option_effects(s, summ, unknown_capex=unknown)
                avoided = [o.effects[k].value for k in ("avoided_eal_usd_yr",
                                                        "avoided_fatalities_yr")
                           if k in o.effects]
                if any(abs(v) > 0 for v in avoided):  # co-benefits alone do not make an option
                    opts.append(o)
        growth = _growth_rows(growth_vals.get(cid, []), last, names)
        if len(growth) > 1:
            # the growth scenarios value compact growth on every count (land, exposure,
            # emissions, EAL): the carbon library's urban-form action would count it twice
            opts = [o for o in opts if o.mechanism != "urban_form"
                    and o.option_id not in URBAN_FORM_ACTIONS]
            for r in growth:  # the cost of planning the growth, per new resident
                if r["scenario_id"] != "bau_sprawl" and "population" in r:
                    c = growth_cost(r["population"] - pop, params)
                    r["sources"] = list(r["sources"]) + c.pop("sources", [])
                    r.update(c)
            opts += options_from_growth(growth, unknown_capex=unknown)
        if not opts:
            return None
        shares = ess.get(cid, {})
        for k, o in enumerate(opts):  # the capacity the option relies on, from the scorecard
            es = [shares[e] for e in getattr(o, "essentials", ()) if e in shares]
            if es:
                opts[k] = dataclasses.replace(o, institutional_capacity=float(np.mean(es)))
        budget = cfg.appraisal.budget_share_gdp * pop * params.values["gdp_per_capita_usd"]
        a = appraise_city(opts, params, profiles, np.random.default_rng([seed, i]), city_id=cid,
                          budget_usd=budget, n_samples=cfg.appraisal.smaa_samples)
        # what the NPV of the option most often ranked first depends on (Sobol, SALib)
        firsts = [r for r in a["rank_acceptability"] if r["rank"] == 1
                  and r.get("profile") == "pooled"]
        if firsts:
            top = max(firsts, key=lambda r: (r["probability"], r["option_id"]))["option_id"]
            sob = npv_sobol(next(o for o in opts if o.option_id == top), params, n=256,
                            seed=seed + i)
            sd = next(iter(sob.values()))["output_sd"]
            a["appraisal"].append(dict(city_id=cid, option_id=top, metric="sobol_npv_sd",
                                       unit="USD", value=sd))
            if sd == 0:  # an answer, not an error: no parameter moves this NPV
                for o in a["options"]:
                    if o["option_id"] == top:
                        o["flags"] = "; ".join(f for f in (o["flags"], CONSTANT_NOTE) if f)
            for par, d in sob.items():
                for index in ("S1", "ST"):
                    v = d.get(index)
                    a["appraisal"].append(dict(city_id=cid, option_id=top,
                                               metric=f"sobol_{index}:{par}", unit="index",
                                               value=None if v is None or not math.isfinite(v)
                                               else float(v)))
        return a, opts

    # the cities are independent (each its own random streams) and most of a city's time is
    # in compiled kernels that release the GIL: threads share the cores, and the results are
    # collected in the cities' order, so the tables do not depend on the thread count
    with ThreadPoolExecutor(max_workers=_threads(len(cities))) as pool:
        done = list(pool.map(one_city, range(len(cities)), cities))

    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    appraisals: dict[str, dict[str, Any]] = {}
    all_options: dict[str, list[Any]] = {}
    for cid, res in zip(cities, done, strict=True):
        if res is None:
            continue
        a, opts = res
        appraisals[cid] = a
        all_options[cid] = opts
        for o in a["options"]:
            src = next(x for x in opts if x.option_id == o["option_id"])
            tables["options"].append(dict(o, essentials=list(getattr(src, "essentials", ()))))
        tables["appraisal"] += a["appraisal"]
        tables["rank_acceptability"] += a["rank_acceptability"]
        tables["central_weights"] += a["central_weights"]
        pf = a["portfolio"]
        for oid in pf["selected"]:
            tables["portfolio"].append(dict(city_id=cid, option_id=oid, value_usd=pf["value_usd"],
                                            cost_usd=pf["cost_usd"], budget_usd=pf["budget_usd"],
                                            objective=pf["objective"]))

    # benchmarks and typology over every city of the run
    vals, units = _latest_values(study, last)
    # intensive indicators only: totals (t CO2e/yr, USD, persons, ...) grow with city size
    vals = {k: v for k, v in vals.items() if k in REGISTRY and sum(
        x is not None for x in v.values()) >= 3 and REGISTRY[k].unit not in EXTENSIVE_UNITS}
    info = []
    for cid in cities:
        c = catalog.get(cid)
        info.append(dict(city_id=cid, population=c.population_at(last)[0],
                         country_iso3=c.country_iso3, setting=c.setting,
                         eal_usd_by_hazard=(summaries.get(cid) or {}).get("eal_usd_by_hazard")))
    groups = peer_groups(info)
    bench = benchmark(vals, groups, by="size")
    for r in bench:
        r["epoch"] = last
        r["unit"] = units.get(r["indicator_id"])
    tables["benchmark"] = bench
    typ = None
    table = {c: {k: v.get(c) for k, v in vals.items() if REGISTRY[k].higher_is != "neutral"}
             for c in cities}
    if len(cities) >= 6:
        typ = city_typology(table, random_state=seed)
        sep = json.dumps([[k, round(f, 3)] for k, f in typ.separating[:8]])
        tables["typology"] = [dict(city_id=c, type=t, k=typ.k, silhouette=typ.silhouette,
                                   separating=sep) for c, t in typ.labels.items()]
    for cid in cities:
        c = catalog.get(cid)
        recs = recommend_city(cid, (c.name_en, c.name_ru), benchmark_rows=bench,
                              appraisal=appraisals.get(cid), scorecard=sc_rows.get(cid, []),
                              options=all_options.get(cid, ()), epoch=last,
                              synthetic=synthetic.get(cid, False))
        tables["recommendations"] += recs
    for r in recommend_region(appraisals, benchmark_rows=bench):
        tables["recommendations"].append(dict(r, city_id="region"))
    write_all(con, run_id, tables)
    return {"cities": len(appraisals), "options": len(tables["options"]),
            "recommendations": len(tables["recommendations"]),
            "types": None if typ is None else typ.k}
