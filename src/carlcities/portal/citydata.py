"""What the city page shows beside its map, read through :mod:`carlcities.results`: indicator
cards by theme, chart series (risk curves, emission pathways, growth scenarios), options with
their rank acceptabilities and recommendations with links to the rows they cite."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..report.i18n_data import code_name
from ..report.lang import unit_en, unit_ru
from ..results import Study, records
from .layers import SCENARIOS

__all__ = ["cards", "charts", "evidence_link", "options", "recommendations"]

#: indicators offered in the growth-scenario chart, first found is the default
GROWTH_INDICATORS = ("form.extent_area", "form.builtup_area", "form.extent_density",
                     "form.builtup_density")

HAZARDS = {"earthquake": ("earthquake", "землетрясение"), "flood": ("flood", "паводок"),
           "mudflow": ("mudflow", "сель"), "heat": ("heat", "жара")}
PATHWAYS = {"bau": ("business as usual", "инерционный"), "compact": ("compact city",
                                                                    "компактный город"),
            "sprawl": ("sprawl", "разрастание"), "observed": ("observed", "наблюдения")}


def _name(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    en, ru = table.get(code, (code, code))
    return ru if lang == "ru" else en


def cards(profile: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Indicator cards grouped by theme (theme order as in the registry ids)."""
    themes: dict[str, list[dict[str, Any]]] = {}
    for r in profile:
        if r.get("value") is None and r.get("flag") is None:
            continue
        themes.setdefault(str(r.get("theme") or r["indicator_id"].split(".")[0]), []).append(r)
    return [{"theme": t, "cards": rows} for t, rows in sorted(themes.items())]


def _series(df: pd.DataFrame, x: str, y: str) -> list[list[float]]:
    d = df[[x, y]].dropna().sort_values(x)
    return [[float(a), float(b)] for a, b in zip(d[x], d[y])]


def charts(st: Study, city_id: str, lang: str) -> dict[str, Any]:
    """Chart.js-ready series: loss exceedance by hazard, ghg.total by pathway, and growth
    scenario indicators by epoch."""
    out: dict[str, Any] = {"risk": [], "ghg": [], "growth": {}}
    rc = st.risk_curves(city_id)
    if len(rc):
        loss = rc[(rc["curve"] == "loss") & rc["return_period"].notna()]
        for (hz, unit), g in loss.groupby(["hazard", "unit"], dropna=False):
            out["risk"].append({"label": _name(HAZARDS, str(hz), lang), "unit": unit,
                                "points": _series(g, "return_period", "x")})
    v = st.values("ghg.total", city=city_id)
    if len(v):
        v = v.assign(value=pd.to_numeric(v["value"], errors="coerce"))
        for scen, g in v.groupby("scenario"):
            if str(scen).startswith(("action:", "growth:")):
                continue
            out["ghg"].append({"label": _name(PATHWAYS, str(scen), lang),
                               "unit": str(g["unit"].iloc[0]),
                               "points": _series(g, "epoch", "value")})
    gv = st.values(list(GROWTH_INDICATORS), city=city_id, scenario=["growth:*", "observed"])
    if len(gv):
        gv = gv.assign(value=pd.to_numeric(gv["value"], errors="coerce"))
        for ind, g in gv.groupby("indicator_id"):
            series = []
            for scen, h in g.groupby(gv.loc[g.index, "scenario"].fillna("observed")):
                key = str(scen).split(":", 1)[-1]
                names = SCENARIOS.get(key)
                label = (names[1] if lang == "ru" else names[0]) if names else (
                    "наблюдения" if lang == "ru" and key == "observed" else key)
                series.append({"label": label, "key": key, "points": _series(h, "epoch", "value")})
            if any(s["key"] != "observed" for s in series):
                out["growth"][str(ind)] = {"unit": str(g["unit"].iloc[0]), "series": series}
    for item in [*out["risk"], *out["ghg"], *out["growth"].values()]:
        item["unit_label"] = unit_ru(item["unit"]) if lang == "ru" else unit_en(item["unit"])
    return out


def options(st: Study, city_id: str) -> list[dict[str, Any]]:
    """Options with their SMAA-2 rank acceptabilities (pooled profile), best first."""
    opts = records(st.options(city_id))
    ra = st.rank_acceptability(city_id, profile="pooled")
    if ra.empty:
        ra = st.rank_acceptability(city_id, profile="uniform")
    by: dict[str, dict[int, float]] = {}
    for r in records(ra):
        by.setdefault(r["option_id"], {})[int(r["rank"])] = float(r["probability"] or 0)
    n = max((max(d) for d in by.values() if d), default=0)
    for o in opts:
        d = by.get(o["option_id"], {})
        o["ranks"] = [d.get(k, 0.0) for k in range(1, n + 1)]
    opts.sort(key=lambda o: [-x for x in o["ranks"]])
    return opts


def evidence_link(city_id: str, ev: dict[str, Any]) -> dict[str, str]:
    """Where an evidence row of a recommendation is shown: an anchor on the city page and
    the API address of the row."""
    table = ev.get("table") or ""
    if ev.get("indicator_id"):
        ind = str(ev["indicator_id"])
        return {"href": f"#ind-{ind}", "api": f"/api/v1/cities/{city_id}#{ind}", "label": ind}
    if ev.get("option_id"):
        opt = str(ev["option_id"])
        label = f"{table}.{ev.get('metric') or ''}".strip(".")
        return {"href": f"#opt-{opt}", "api": f"/api/v1/cities/{city_id}", "label": label}
    return {"href": "#recommendations", "api": f"/api/v1/cities/{city_id}",
            "label": str(ev.get("metric") or table or "evidence")}


def recommendations(st: Study, city_id: str, lang: str) -> list[dict[str, Any]]:
    """The city's recommendations with their text in ``lang`` and their evidence links
    (each cited row once)."""
    out = []
    for r in records(st.recommendations(city_id)):
        seen: set[tuple[str, str]] = set()
        links = []
        for ev in r.get("evidence") or []:
            link = evidence_link(city_id, ev)
            key = (link["href"], link["label"])
            if key not in seen:
                seen.add(key)
                links.append(link)
        out.append({"text": r.get("text_ru") if lang == "ru" and r.get("text_ru")
                    else r.get("text_en"),
                    "priority": code_name("priority", r.get("priority"), lang)
                    or r.get("priority"), "evidence": links, "rec_id": r.get("rec_id")})
    return out
