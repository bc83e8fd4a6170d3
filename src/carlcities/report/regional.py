"""The regional comparison (index page): its columns and cells, the risk and growth
overviews and the typology of cities."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .data import KEY_EPOCH_INDICATORS, KEY_PAIR_INDICATORS, ReportData, slug
from .numbers import fmt_number, round1

__all__ = ["OVERVIEW_IDS", "cell", "col_key", "growth_overview", "key_columns",
           "risk_overview", "typology_view"]


def col_key(iid: str, epoch: int | None, start: int | None) -> str:
    """Key of a table column in the JSON twin: 'form.population@2020', 'growth.lcr@2010-2020'."""
    return f"{iid}@{start}-{epoch}" if start is not None else f"{iid}@{epoch}"


def key_columns(study: ReportData) -> list[dict[str, Any]]:
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
                     "key": col_key(iid, e, None)})
    for iid in wanted_p:
        s, e = max(pairs[iid], key=lambda p: (p[1], p[0]))  # latest end, then the previous start
        cols.append({"indicator": study.indicators[iid], "epoch": e, "epoch_start": s,
                     "key": col_key(iid, e, s)})
    return cols


def cell(study: ReportData, city: str, col: dict[str, Any]) -> dict[str, Any]:
    iid, e, s = col["indicator"].indicator_id, col["epoch"], col["epoch_start"]
    v = study.values.get((city, iid, e, s))
    peers = study.peers.get((iid, e, s), {})
    rank = peers.get("ranks", {}).get(city) if v is not None else None
    return {"value": v.value if v else None, "display": fmt_number(v.value if v else None),
            "flag": (v.flag if v else None) or (None if v else "no value in this run"),
            "percentile_rank": round1(rank), "synthetic": bool(v and v.synthetic)}



OVERVIEW_IDS = ("hazard.eq_pga475_rock", "risk.eq_eal_ratio", "risk.eq_fatalities_annual",
                "risk.flood_eal", "exposure.pop_mudflow", "risk.heat_excess_deaths")


def risk_overview(study: ReportData) -> dict[str, Any]:
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
                         name_ru=c.get("name_ru") or "", href=f"cities/{slug(cid)}.html",
                         values=[vals.get(col["indicator_id"]) for col in cols],
                         type=types.get(cid), top_option=top[0].get("name_en"),
                         top_option_ru=top[0].get("name_ru"), p_first=top[0].get("p_first")))
    return {"columns": cols, "rows": rows}


def growth_overview(study: ReportData) -> dict[str, Any]:
    """Index table: land take and new residents in hazard zones by growth scenario."""
    sids: list[str] = []
    for scs in study.scenarios.values():
        sids += [s for s in scs["scenarios"] if s not in sids]
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
                         name_ru=c.get("name_ru") or "", href=f"cities/{slug(cid)}.html",
                         epoch=sc["epoch"],
                         land=[(t.get("scenario.land_take") or {}).get(s) for s in sids],
                         hazard=[hz[s] for s in sids]))
    return {"scenarios": sids, "rows": rows}


def typology_view(study: ReportData) -> dict[str, Any] | None:
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

