"""Report sections of the risk, growth-scenario and appraisal engines: loaders and figures.

Loaders read the study through :mod:`carlcities.results` only (each city's latest results for
the risk tables and the indicator values; the appraisal tables of the latest run that wrote
them) and return plain dicts that go into the HTML templates and their JSON twins unchanged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..results import Study, records
from . import i18n, layout
from .figcache import cached
from .figlang import Words, save_langs
from .maps import FigureInfo, new_figure

__all__ = ["RISK_IDS", "load_appraisal", "load_risk", "load_scenarios", "risk_figures"]

#: hazard / risk indicators shown in the profile's risk table, in order
RISK_IDS = ("hazard.eq_pga475_rock", "hazard.eq_pga2475_rock", "hazard.eq_msk475",
            "hazard.vs30_median", "exposure.value_total", "exposure.buildings",
            "risk.eq_eal", "risk.eq_eal_ratio", "risk.eq_fatalities_annual",
            "risk.eq_fatalities_rp475", "risk.eq_loss_rp100",
            "risk.eq_loss_rp250", "risk.eq_loss_rp500", "risk.eq_loss_rp1000",
            "risk.flood_eal", "exposure.pop_flood_100", "exposure.value_flood_100",
            "exposure.pop_mudflow", "exposure.value_mudflow", "exposure.facilities_flood_100",
            "exposure.facilities_mudflow", "hazard.heat_days_35",
            "hazard.heat_days_40", "hazard.heatwave_days", "exposure.pop_65plus_heat",
            "risk.heat_excess_deaths")
SCENARIO_IDS = ("scenario.land_take", "form.builtup_density", "exposure.pop_new_flood_100",
                "exposure.pop_new_mudflow", "scenario.new_road_length",
                "scenario.road_per_new_resident", "risk.eq_eal", "risk.flood_eal", "ghg.total",
                "scenario.unallocated_population")
SCENARIO_NAMES = {"bau_sprawl": ("business as usual (sprawl)", "инерционный (разрастание)"),
                  "compact": ("compact", "компактный"),
                  "tod": ("transit-oriented", "ориентированный на транспорт"),
                  "risk_aware": ("risk-aware", "с учётом рисков")}
SCENARIO_COLOURS = {"bau_sprawl": "#d62728", "compact": "#2ca02c", "tod": "#1f77b4",
                    "risk_aware": "#9467bd"}


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def load_risk(study: Study, names: dict[str, tuple[str, str, str]]
              ) -> dict[str, dict[str, Any]]:
    """Per city: key risk values, trajectories, historic scenarios, loss curves, typologies.

    ``names``: indicator id -> (English name, Russian name, unit) from the store.
    """
    out: dict[str, dict[str, Any]] = {}
    vals = records(study.values(["risk.*", "hazard.*", "exposure.*"]), [
        "city_id", "run_id", "indicator_id", "epoch", "scenario", "value", "flag", "synthetic"])
    for r in vals:
        cid = r["city_id"]
        c = out.setdefault(cid, {"values": {}, "trajectories": defaultdict(dict),
                                 "scenarios": [], "curves": [], "exposure": [],
                                 "synthetic": False})
        c["synthetic"] |= bool(r["synthetic"])
        scn = r["scenario"] or "observed"
        if scn == "observed":
            c["values"][r["indicator_id"]] = (_num(r["value"]), r["flag"])
        elif scn.startswith("trend|"):
            c["trajectories"][(r["indicator_id"], scn.split("|", 1)[1])][int(r["epoch"])] = \
                _num(r["value"])
    from ..risk.calibration import FACTOR, packaged_results

    replayed = packaged_results()
    for r in records(study.risk_scenarios()):
        cr = out.get(r["city_id"])
        if cr is not None:
            e = {k: v for k, v in r.items() if k != "run_id"}
            # the same event replayed on the exposure of its time (carlcities risk calibrate)
            cal = replayed.get(str(e.get("event_id")))
            if cal is not None:
                e.update(deaths_then_model=float(cal["deaths"]),
                         deaths_then_lo=float(cal["deaths_lo"]),
                         deaths_then_hi=float(cal["deaths_hi"]),
                         deaths_then_low=float(cal["recorded_low"]),
                         deaths_then_high=float(cal["recorded_high"]),
                         deaths_then_within=bool(cal["within"]), calibration_factor=FACTOR)
            cr["scenarios"].append(e)
    curves = records(study.risk_curves(), ["city_id", "hazard", "curve", "measure", "x",
                                           "annual_rate", "return_period"])
    for r in sorted(curves, key=lambda r: (r["x"] is None, r["x"] or 0.0)):
        cr = out.get(r["city_id"])
        if cr is not None:
            cr["curves"].append({k: r[k] for k in ("hazard", "curve", "measure", "x",
                                                  "annual_rate", "return_period")})
    for r in records(study.risk_exposure(), ["city_id", "taxonomy", "buildings", "area_m2",
                                             "value_usd", "occupants_night", "eq_eal_usd",
                                             "source"]):
        cr = out.get(r["city_id"])
        if cr is not None:
            cr["exposure"].append({k: v for k, v in r.items() if k != "city_id"})
    for c in out.values():
        c["table"] = [dict(indicator_id=i, name_en=names.get(i, (i, i, ""))[0],
                           name_ru=names.get(i, (i, i, ""))[1],
                           unit=names.get(i, ("", "", ""))[2],
                           value=c["values"][i][0], flag=c["values"][i][1])
                      for i in RISK_IDS if i in c["values"]]
        traj = []
        for (iid, scn), by in sorted(c["trajectories"].items()):
            traj.append(dict(indicator_id=iid, name_en=names.get(iid, (iid,))[0],
                             name_ru=names.get(iid, (iid, iid))[1], climate=scn,
                             values={str(y): v for y, v in sorted(by.items())}))
        c["trajectories"] = traj
        c["years"] = sorted({int(y) for t in traj for y in t["values"]})
        del c["values"]
    return out


def load_scenarios(study: Study, names: dict[str, tuple[str, str, str]]
                   ) -> dict[str, dict[str, Any]]:
    """Per city: the growth scenarios' effects by epoch (``scenario = growth:<id>``)."""
    out: dict[str, dict[str, Any]] = {}
    rows = records(study.values(scenario="growth:*"), [
        "city_id", "run_id", "indicator_id", "epoch", "epoch_start", "scenario", "value"])
    # pair indicators: the row from the base year (the smallest epoch_start), not the decade
    first_start: dict[tuple[str, str, str, int], int] = {}
    for r in rows:
        if r["epoch_start"] is not None:
            k = (r["city_id"], r["scenario"], r["indicator_id"], int(r["epoch"]))
            first_start[k] = min(first_start.get(k, r["epoch_start"]), r["epoch_start"])
    for r in rows:
        if r["indicator_id"] not in SCENARIO_IDS:
            continue
        k = (r["city_id"], r["scenario"], r["indicator_id"], int(r["epoch"]))
        if r["epoch_start"] is not None and r["epoch_start"] != first_start[k]:
            continue
        c = out.setdefault(r["city_id"], {"by": defaultdict(dict), "epochs": set()})
        sid = r["scenario"].split(":", 1)[1]
        c["by"][(sid, r["indicator_id"])][int(r["epoch"])] = _num(r["value"])
        c["epochs"].add(int(r["epoch"]))
    for _cid, c in out.items():
        sids = sorted({k[0] for k in c["by"]}, key=lambda s: (s not in SCENARIO_COLOURS, s))
        last = max(c["epochs"])
        c["scenarios"] = sids
        c["epoch"] = last
        c["table"] = [dict(indicator_id=i, name_en=names.get(i, (i, i, ""))[0],
                           name_ru=names.get(i, (i, i, ""))[1],
                           unit=names.get(i, ("", "", ""))[2],
                           values={s: c["by"].get((s, i), {}).get(last) for s in sids})
                      for i in SCENARIO_IDS if any((s, i) in c["by"] for s in sids)]
        c["series"] = {f"{s}|{i}": {str(e): v for e, v in sorted(c["by"][(s, i)].items())}
                       for (s, i) in c["by"]}
        del c["by"]
        c["epochs"] = sorted(c["epochs"])
    return out


def load_appraisal(study: Study) -> dict[str, Any]:
    """The appraisal tables of the latest run that wrote them: per city and for the region."""
    rid = study.appraisal_run_id()
    if rid is None:
        return {"cities": {}, "region": [], "typology": []}
    opts = records(study.options())
    metr = records(study.appraisal(), ["city_id", "option_id", "metric", "value"])
    ra = records(study.rank_acceptability(profile="pooled"),
                 ["city_id", "option_id", "rank", "probability"])
    pf = records(study.portfolio(), ["city_id", "option_id", "budget_usd", "cost_usd"])
    recs = records(study.recommendations())
    typ = records(study.typology(), ["city_id", "type", "k", "silhouette", "separating"])
    m: dict[tuple[str, str], dict[str, float | None]] = defaultdict(dict)
    for r in metr:
        m[(r["city_id"], r["option_id"])][r["metric"]] = _num(r["value"])
    first = {(r["city_id"], r["option_id"]): r["probability"] for r in ra if r["rank"] == 1}
    ranks: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in sorted(ra, key=lambda r: r["rank"]):
        ranks[(r["city_id"], r["option_id"])].append(float(r["probability"]))
    selected = defaultdict(set)
    budget = {}
    for r in pf:
        selected[r["city_id"]].add(r["option_id"])
        budget[r["city_id"]] = (r["budget_usd"], r["cost_usd"])
    cities: dict[str, dict[str, Any]] = {}
    for o in opts:
        cid = o["city_id"]
        c = cities.setdefault(cid, {"options": [], "recommendations": [], "measure_next": [],
                                    "run_id": rid})
        mm = m[(cid, o["option_id"])]
        c["options"].append(dict(
            option_id=o["option_id"], kind=o["kind"], name_en=o["name_en"], name_ru=o["name_ru"],
            capex_usd=o["capex_usd"], npv_usd=mm.get("npv_usd"), bcr=mm.get("bcr"),
            npv_p05_usd=mm.get("npv_p05_usd"), npv_p95_usd=mm.get("npv_p95_usd"),
            p_npv_positive=mm.get("p_npv_positive"),
            avoided_eal_usd_yr=mm.get("avoided_eal_usd_yr"),
            avoided_fatalities_yr=mm.get("avoided_fatalities_yr"),
            avoided_t_co2e_yr=mm.get("avoided_t_co2e_yr"),
            p_first=first.get((cid, o["option_id"])), ranks=ranks.get((cid, o["option_id"]), []),
            in_portfolio=o["option_id"] in selected[cid],
            cost_unknown=bool(mm.get("cost_unknown")),
            capex_low_usd=mm.get("capex_low_usd"), capex_high_usd=mm.get("capex_high_usd"),
            breakeven_capex_usd=mm.get("breakeven_capex_usd")))
    for cid, c in cities.items():
        c["options"].sort(key=lambda o: -(o["p_first"] or 0.0))
        b = budget.get(cid)
        c["budget_usd"], c["portfolio_cost_usd"] = (b if b else (None, None))
    region = []
    for r in recs:
        rec = {k: r[k] for k in ("rec_id", "priority", "text_en", "text_ru", "confidence",
                                 "confidence_label")}
        rec.update({k: r.get(k) for k in ("lever_en", "lever_ru", "body")})
        section = r.get("section") or "policy"
        rec["options"] = r["options"]
        rec["evidence"] = r["evidence"]
        if r["city_id"] == "region":
            region.append(rec)
        else:
            c = cities.setdefault(r["city_id"], {"options": [], "recommendations": [],
                                                 "measure_next": [], "run_id": rid})
            c["measure_next" if section == "measure_next" else "recommendations"].append(rec)
    typology = [dict(city_id=r["city_id"], type=r["type"], k=r["k"],
                     silhouette=r["silhouette"], separating=r["separating"])
                for r in typ]
    return {"cities": cities, "region": region, "typology": typology, "run_id": rid}


# ----------------------------------------------------------------------------- figures
def _info(out_file: Path, kind: str, key: str, wpx: int, hpx: int, *, city_en: str,
          city_ru: str, unit: str, source: str, extra: dict | None = None,
          legend: list | None = None) -> FigureInfo:
    kw = {"city": city_en, "city_ru": city_ru}
    return FigureInfo(
        file=out_file, kind=kind, title_en=i18n.text(f"{key}_title"),
        title_ru=i18n.text(f"{key}_title", "ru"),
        alt=f"{i18n.text(f'{key}_alt', **kw)} {i18n.text(f'{key}_alt', 'ru', **kw)}",
        caption_en=i18n.text(f"{key}_caption"), caption_ru=i18n.text(f"{key}_caption", "ru"),
        unit=unit, source=source, width=wpx, height=hpx, extra=extra or {},
        legend=legend or [])


@cached
def loss_curve(curves: list[dict[str, Any]], out_file: Path, *, city_en: str, city_ru: str,
               source: str) -> FigureInfo | None:
    """Loss exceedance curve: loss [USD] against return period [yr] (earthquake event-based,
    flood from the return-period maps)."""
    eq = sorted((c["return_period"], c["x"]) for c in curves
                if c["hazard"] == "earthquake" and c["curve"] == "loss" and c["x"] > 0)
    fl = sorted((c["return_period"], c["x"]) for c in curves
                if c["hazard"] == "flood" and c["curve"] == "loss")
    if not eq and not fl:
        return None
    fig = new_figure(6.8, 3.8)
    ax = fig.add_axes((0.12, 0.15, 0.84, 0.78))
    legend = []
    if eq:
        ax.step([t for t, _ in eq], [x / 1e6 for _, x in eq], where="post", color="#b2182b",
                linewidth=1.8)
        legend.append({"colour": "#b2182b", "en": i18n.text("risk_eq"),
                       "ru": i18n.text("risk_eq", "ru"), "line": "solid"})
    if fl:
        ax.plot([t for t, _ in fl], [x / 1e6 for _, x in fl], "o-", color="#2166ac",
                linewidth=1.5)
        legend.append({"colour": "#2166ac", "en": i18n.text("risk_flood"),
                       "ru": i18n.text("risk_flood", "ru"), "line": "solid"})
    ax.set_xscale("log")
    words = Words().add(lambda t: ax.set_xlabel(t, fontsize=8), "return period [yr]",
                        "период повторяемости [лет]")
    words.add(lambda t: ax.set_ylabel(t, fontsize=8), "loss [M USD]",
              "потери [млн долл. США]")
    words.ticks(ax.yaxis)
    ax.grid(color="#e0e0e0", linewidth=0.6, which="both")
    ax.tick_params(labelsize=7)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    return _info(out_file, "risk_lec", "risk_lec", wpx, hpx, city_en=city_en, city_ru=city_ru,
                 unit="M USD / млн USD", source=source, legend=legend,
                 extra={"earthquake": [{"return_period": t, "loss_usd": x} for t, x in eq],
                        "flood": [{"return_period": t, "loss_usd": x} for t, x in fl],
                        "lang_files": lang_files})


@cached
def rank_chart(options: list[dict[str, Any]], out_file: Path, *, city_en: str, city_ru: str,
               source: str, top: int = 10) -> FigureInfo | None:
    """Rank acceptability (SMAA-2, pooled stakeholder profiles): for the options most often
    first, the probability of each rank as a stacked bar, first place darkest."""
    opts = [o for o in options if o["ranks"]][:top]
    if not opts:
        return None
    import textwrap

    from matplotlib import colormaps

    n = max(len(o["ranks"]) for o in opts)
    cmap = colormaps["Blues_r"]
    # whole option names, wrapped (never cut): English, then Russian, each on its own lines
    labels = ["\n".join(textwrap.wrap(o["name_en"], 40)
                        + textwrap.wrap(o.get("name_ru") or "", 40)) for o in opts[::-1]]
    lab_en = ["\n".join(textwrap.wrap(o["name_en"], 40)) for o in opts[::-1]]
    lab_ru = ["\n".join(textwrap.wrap(o.get("name_ru") or o["name_en"], 40))
              for o in opts[::-1]]
    lines = max(sum(lab.count("\n") + 1 for lab in x) for x in (lab_en, lab_ru))
    del labels
    fig = new_figure(7.2, 0.9 + 0.15 * lines + 0.12 * len(opts))
    ax = fig.add_axes((0.3, 0.1, 0.65, 0.85))
    # every segment in one collection (drawn in one call; a patch per segment costs a
    # hundred times more to make and draw), as bars of height 0.8 centred on each row
    from matplotlib.collections import PolyCollection

    boxes, colours = [], []
    for i, o in enumerate(opts[::-1]):
        left = 0.0
        for r, p in enumerate(o["ranks"]):
            boxes.append([(left, i - 0.4), (left + p, i - 0.4), (left + p, i + 0.4),
                          (left, i + 0.4)])
            colours.append(cmap(min(r / max(n - 1, 1), 0.85)))
            left += p
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="white",
                                     linewidths=0.3))
    ax.set_ylim(-0.4 - 0.05 * len(opts), len(opts) - 0.6 + 0.05 * len(opts))
    ax.set_yticks(range(len(opts)))
    words = Words().add(lambda x: ax.set_yticklabels(x, fontsize=6.5), lab_en, lab_ru)
    ax.set_xlim(0, 1)
    words.add(lambda t: ax.set_xlabel(t, fontsize=7), "probability of each rank (rank 1 darkest)",
              "вероятность каждого места (первое — самое тёмное)")
    words.ticks(ax.xaxis)
    ax.tick_params(labelsize=6.5)
    words.add(partial(_arrange_ranks, fig, ax), lab_en, lab_ru)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    return _info(out_file, "rank_acceptability", "rank_chart", wpx, hpx, city_en=city_en,
                 city_ru=city_ru, unit="probability / вероятность", source=source,
                 extra={"options": [{"option_id": o["option_id"], "ranks": o["ranks"]}
                                    for o in opts], "lang_files": lang_files})


@cached
def scenario_chart(sc: dict[str, Any], out_file: Path, *, city_en: str, city_ru: str,
                   source: str) -> FigureInfo | None:
    """Growth scenarios side by side in the last epoch: land take [ha], new residents in the
    100-year flood zone and in mudflow corridors [persons], emissions [Mt CO2e/yr]."""
    panels = [("scenario.land_take", 1.0, "ha"), ("exposure.pop_new_flood_100", 1.0, "persons"),
              ("exposure.pop_new_mudflow", 1.0, "persons"), ("ghg.total", 1e-6, "Mt CO2e/yr")]
    rows = {r["indicator_id"]: r for r in sc["table"]}
    panels = [p for p in panels if p[0] in rows]
    if not panels:
        return None
    import textwrap

    from matplotlib.patches import Patch

    from .lang import unit_ru

    sids = sc["scenarios"]
    fig = new_figure(7.6, 3.6)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    words = Words()
    for ax, (iid, k, unit) in zip(axes, panels, strict=True):
        vals = [(rows[iid]["values"].get(s) or 0.0) * k for s in sids]
        ax.bar(range(len(sids)), vals, color=[SCENARIO_COLOURS.get(s, "#888888") for s in sids])
        ax.set_xticks([])          # the scenarios are named once, in the legend below
        name_ru = rows[iid].get("name_ru") or ""
        words.add(partial(ax.set_title, fontsize=6.5, y=_title_y(ax)),
                  "\n".join(textwrap.wrap(rows[iid]["name_en"], 24) + [f"[{unit}]"]),
                  "\n".join(textwrap.wrap(name_ru or rows[iid]["name_en"], 24)
                            + [f"[{unit_ru(unit)}]"]))
        words.ticks(ax.yaxis)
        ax.tick_params(labelsize=6)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.5)
    legends: list[Any] = []

    def legend(lang: str) -> None:
        for lg in legends:
            lg.remove()
        legends.clear()
        legends.append(fig.legend(
            handles=[Patch(color=SCENARIO_COLOURS.get(s, "#888888"),
                           label=SCENARIO_NAMES.get(s, (s, s))[lang == "ru"]) for s in sids],
            loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=min(len(sids), 2),
            fontsize=6.5, frameon=False))

    words.add(legend, "en", "ru")
    words.add(partial(_arrange_scenarios, fig, axes, len(sids), min(len(sids), 2)), "en", "ru")
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    return _info(out_file, "growth_scenarios", "scenario_chart", wpx, hpx, city_en=city_en,
                 city_ru=city_ru, unit="", source=source,
                 extra={"epoch": sc["epoch"], "values": {r["indicator_id"]: r["values"]
                                                         for r in sc["table"]},
                        "lang_files": lang_files})


def _title_y(ax: Any) -> float | None:
    """Where the title of a panel goes: 1.0 (the top of the axes, where matplotlib puts it
    when nothing is above the axes) unless the y axis has an offset text ('1e6') that
    matplotlib moves the title above; given, matplotlib does not measure every tick label at
    each draw to find that out (a third of the scenario chart's time)."""
    fmt = ax.yaxis.get_major_formatter()
    fmt.format_ticks(ax.get_yticks())
    return None if fmt.get_offset() else 1.0


def _arrange_ranks(fig: Any, ax: Any, labels: list[str]) -> None:
    """Margins of the rank chart in the language just set (report/layout.py): the option
    names to the left, the tick labels and the axis label below."""
    w = layout.text_size(fig, labels, 6.5)[0]
    lh = layout.text_size(fig, ["0"], 6.5)[1]
    tick = layout.pt(fig, 3.5 + 3.5)
    bottom = tick + lh * 1.2 + layout.pt(fig, 4) + lh * 1.2 + 6
    layout.place_row(fig, [ax], layout.Margins(6, bottom, [w + tick], right=8))


def _arrange_scenarios(fig: Any, axes: Any, n_items: int, ncols: int, _lang: str) -> None:
    """Margins of the scenario chart in the language just set (report/layout.py): tick
    labels left of each panel, the tallest title above, the legend's rows below."""
    lefts = [layout.text_size(fig, layout.tick_labels(ax.yaxis), 6)[0]
             + layout.pt(fig, 3.5 + 3.5) for ax in axes]
    titles = [ax.get_title() for ax in axes]
    lines = max(t.count("\n") + 1 for t in titles)
    lh = layout.text_size(fig, titles, 6.5)[1]
    offset = any(ax.yaxis.get_major_formatter().get_offset() for ax in axes)
    top = lines * lh * 1.25 + layout.pt(fig, 6) + 6 + (lh if offset else 0)
    rows = -(-n_items // ncols)
    bottom = rows * lh * 1.3 + layout.pt(fig, 6.5) * (0.5 * (rows - 1) + 0.8 + 0.5) + 6
    layout.place_row(fig, axes, layout.Margins(top, bottom, lefts))


@cached
def scenario_map(raster_dir: Path, sids: list[str], epoch: int, out_file: Path, *,
                 city_en: str, city_ru: str, source: str) -> FigureInfo | None:
    """Where each scenario puts the growth: built-up land in the base year (grey) and the new
    built-up land by ``epoch`` (scenario colour), one panel per scenario."""
    import textwrap

    import rasterio

    base = sorted(raster_dir.glob("builtup_20[0-9][0-9].tif"))
    files = [(s, raster_dir / f"builtup_{epoch}_{s}.tif") for s in sids]
    files = [(s, f) for s, f in files if f.is_file()]
    if not base or not files:
        return None
    with rasterio.open(base[-1]) as ds:
        b0 = np.nan_to_num(ds.read(1).astype(float)) >= 0.2
    step = max(1, int(math.ceil(max(b0.shape) / 400)))
    fig = new_figure(2.3 * len(files), 2.6)
    words = Words()
    for j, (s, f) in enumerate(files):
        with rasterio.open(f) as ds:
            b1 = np.nan_to_num(ds.read(1).astype(float)) >= 0.2
        img = np.ones(b0.shape + (3,))
        img[b0] = (0.6, 0.6, 0.6)
        col = SCENARIO_COLOURS.get(s, "#444444")
        rgb = tuple(int(col[i:i + 2], 16) / 255 for i in (1, 3, 5))
        img[b1 & ~b0] = rgb
        ax = fig.add_axes((j / len(files) + 0.005, 0.02, 1 / len(files) - 0.01, 0.86))
        ax.imshow(img[::step, ::step], interpolation="nearest")
        ax.set_axis_off()
        en, ru = SCENARIO_NAMES.get(s, (s, s))
        words.add(partial(ax.set_title, fontsize=8, y=1.0), "\n".join(textwrap.wrap(en, 22)),
                  "\n".join(textwrap.wrap(ru, 22)))
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    return _info(out_file, "growth_scenarios_map", "scenario_map", wpx, hpx, city_en=city_en,
                 city_ru=city_ru, unit="", source=source,
                 extra={"epoch": epoch, "lang_files": lang_files})


RISK_MAPS = {  # raster -> (colour map, unit, reversed, fixed scale)
    "eq_pga_rp475_event": ("YlOrRd", "g", False, None),
    "eq_damage_ratio_rp475": ("Reds", "ratio / доля", False, None),
    "flood_depth_rp100": ("Blues", "m / м", False, None),
    "mudflow_class": ("OrRd", "class / класс", False, (0.0, 3.0)),
    "exposure_value": ("viridis", "USD", False, None),
}


def risk_figures(job: dict[str, Any]) -> dict[str, FigureInfo | None]:
    """Maps and charts of one city's risk, scenario and options sections."""
    from .maps import find_rasters, named_map

    cid, img = job["slug"], job["img_dir"]
    common = dict(city_en=job["name_en"], city_ru=job["name_ru"])
    figs: dict[str, FigureInfo | None] = {}
    rs = find_rasters(job["raster_dir"])
    rs.zoom_to_urban()
    for name, (cmap, unit, rev, fixed) in RISK_MAPS.items():
        figs[f"risk_{name}"] = named_map(
            rs, name, img / f"{cid}-{name}.png", out_dir=job["out_dir"],
            fallback_source="carlcities risk engine (study.duckdb: indicator_values, "
                            "risk_curves, risk_scenarios)", cmap=cmap, unit=unit, rev=rev,
            fixed=fixed,
            title=(i18n.text(f"map_{name}"), i18n.text(f"map_{name}", "ru")),
            caption=(i18n.text(f"map_{name}_caption"), i18n.text(f"map_{name}_caption", "ru")),
            **common)
    risk = job.get("risk")
    if risk:
        figs["risk_lec"] = loss_curve(risk["curves"], img / f"{cid}-risk-lec.png",
                                      source="study.duckdb, risk_curves", **common)
    sc = job.get("scenarios")
    if sc:
        figs["scenario_chart"] = scenario_chart(sc, img / f"{cid}-scenarios.png",
                                                source="study.duckdb, indicator_values "
                                                       "(scenario growth:*)", **common)
        figs["scenario_map"] = scenario_map(Path(job["raster_dir"]), sc["scenarios"],
                                            sc["epoch"], img / f"{cid}-scenario-map.png",
                                            source=f"rasters/{cid}/builtup_{sc['epoch']}_*.tif",
                                            **common)
    ap = job.get("appraisal")
    if ap and ap.get("options"):
        figs["rank_chart"] = rank_chart(ap["options"], img / f"{cid}-ranks.png",
                                        source="study.duckdb, rank_acceptability (pooled)",
                                        **common)
    return figs
