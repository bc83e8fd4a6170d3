"""A city profile: indicator blocks with their peers, the grids of the tables, districts,
chart series, the city's figures, the engines' own sections and the run's method notes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import captions, charts, maps, sections
from .data import ENV_THEMES, KEY_EPOCH_INDICATORS, KEY_PAIR_INDICATORS, ReportData, slug
from .numbers import fmt_number, round1

__all__ = ["city_figures", "districts", "grid", "indicator_blocks", "series"]


def series(study: ReportData, city: str, ids: Iterable[str | tuple[str, ...]]
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


def city_figures(job: dict[str, Any]) -> dict[str, maps.FigureInfo | None]:
    """All figures of one city profile (a picklable unit of work)."""
    cid = slug(job["city_id"])
    img = job["img_dir"]
    # a map's source is its own COGs (and their tags), never every input of the run
    common = {"out_dir": job["out_dir"], "city_en": job["name_en"], "city_ru": job["name_ru"],
              "fallback_source": ""}
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
    page_dir = Path(job["out_dir"]) / "report" / "cities"
    for key, f in figs.items():
        if f is None:
            continue
        own = captions.figure_inputs(key, Path(job["raster_dir"]), job.get("inputs") or [],
                                     page_dir, "../../manifest.json")
        if own is not None:
            f.extra["inputs"] = own
    add_basemaps(figs, rs, job)
    return figs


def add_basemaps(figs: dict[str, maps.FigureInfo | None], rs: maps.RasterSet,
                 job: dict[str, Any]) -> None:
    """Redraw the city's raster maps over the OSM basemap of the city (report/basemap.py)."""
    from . import basemap

    pbf = next((Path(x["path"]) for x in job.get("inputs") or [] if x.get("role") == "osm"
                and x.get("path") and Path(x["path"]).is_file()), None)
    if pbf is None:
        return
    for key, f in figs.items():
        spec = captions.FIGURE_ROLES.get(key)
        if f is None or spec is None or not f.scale:
            continue
        cogs = sorted(Path(job["raster_dir"]).glob(spec[0][0]))
        if not cogs:
            continue
        try:
            figs[key] = basemap.with_basemap(f, cogs, rs.window, pbf,
                                             basemap.bm_name(Path(f.file)), lang="ru")
        except Exception as exc:  # noqa: BLE001 - a map without context is still a map
            f.extra["basemap_error"] = f"{type(exc).__name__}: {exc}"


def indicator_blocks(study: ReportData, city: str, kind: str) -> list[dict[str, Any]]:
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
                "percentile_rank": round1(p.get("ranks", {}).get(city)),
                "source": v.source, "method_version": v.method_version,
                "synthetic": v.synthetic})
        blocks.append({"indicator": ind.as_json(), "epochs": rows})
    return blocks


def grid(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Blocks laid out on common epoch (or pair) columns for the peer table."""
    keys = sorted({(r["epoch_start"] or 0, r["epoch"] or 0, r["label"])
                   for b in blocks for r in b["epochs"]}, key=lambda k: (k[1], k[0]))
    labels = list(dict.fromkeys(k[2] for k in keys))
    return {"labels": labels,
            "blocks": [{"indicator": b["indicator"],
                        "cells": [{r["label"]: r for r in b["epochs"]}.get(lab) for lab in labels]}
                       for b in blocks]}


def districts(study: ReportData, city: str) -> dict[str, Any] | None:
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

