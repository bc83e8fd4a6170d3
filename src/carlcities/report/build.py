"""Build the HTML reports (and their JSON twins) from a run's output directory.

Reads the study only through :mod:`carlcities.results` (``OUT/study.duckdb`` read-only,
``OUT/rasters/CITY/*.tif``, ``OUT/manifest.json``); writes ``OUT/report/index.html`` +
``index.json``, ``OUT/report/cities/CITY.html`` + ``CITY.json`` and the figures under
``OUT/report/img/``. The pages' parts live in their own modules: :mod:`.data` (what is read,
peer statistics), :mod:`.regional` (index page), :mod:`.profile` (city pages),
:mod:`.scorecard`, :mod:`.ghg`, :mod:`.sections` (risk, growth scenarios, options),
:mod:`.engines` (engines' own sections and the run's method notes).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..memory import release_memory
from ..results import open_study
from . import (
    captions,
    charts,
    figcache,
    i18n,
    maps,
    pages,
    profile,
    regional,
    regionmap,
    scorecard,
    summary,
)
from .coverage import coverage_sections
from .data import (
    CHART_SERIES,
    ENV_THEMES,
    KEY_EPOCH_INDICATORS,
    KEY_PAIR_INDICATORS,
    MOB_THEMES,
    OWN_SECTION_THEMES,
    ReportData,
    load,
    peer_stats,
    percentile_ranks,
    slug,
)
from .engine_sections import engine_sections, method_notes
from .numbers import fmt_number, median

__all__ = [
    "KEY_EPOCH_INDICATORS",
    "KEY_PAIR_INDICATORS",
    "build_report",
    "median",
    "percentile_ranks",
]

_HERE = Path(__file__).parent
ProgressFn = Callable[[str], None]


def _run_json(study: ReportData) -> dict[str, Any]:
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


def _study_json(study: ReportData) -> dict[str, Any]:
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
    extra = dict(f.extra)
    # the image of each language where the figure has words in it (report/figlang.py)
    langs = {la: {"src": rel(v["file"], page_dir), "path": rel(v["file"], report_dir),
                  "width": v["width"], "height": v["height"]}
             for la, v in (extra.pop("lang_files", None) or {}).items()}
    return {"kind": f.kind, "src": rel(f.file, page_dir), "path": rel(f.file, report_dir),
            "title_en": f.title_en, "title_ru": f.title_ru, "alt": f.alt,
            "caption_en": cap_en, "caption_ru": cap_ru, "unit": f.unit, "source": f.source,
            "synthetic": synthetic, "width": f.width, "height": f.height, "panels": panels,
            "legend": f.legend, "colorbar": f.colorbar, "scale": f.scale, **extra,
            "langs": langs}


def _map_jobs(fn, jobs: list[Any], workers: int,
              cost: list[float] | None = None) -> list[Any]:
    """Run ``fn`` over ``jobs``, in forked worker processes when that is safe and worth it;
    the results in the order of ``jobs``.

    Fork (Linux) is used rather than spawn so that scripts without an ``if __name__ ==
    "__main__"`` guard keep working; when fork is unavailable, or other Python threads are
    running, the jobs run one after another. The workers take one job at a time, the
    costliest first (``cost``, e.g. the size of a city's rasters): with chunks of six cities
    a worker could be left with the last chunk of large cities while the other one idled.
    """
    import multiprocessing as mp
    import threading

    if (workers <= 1 or len(jobs) < 4 or "fork" not in mp.get_all_start_methods()
            or _busy_threads(threading)):
        return [fn(j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    release_memory()  # each forked worker maps what the parent holds: free pages first
    order = sorted(range(len(jobs)), key=lambda i: -cost[i]) if cost else range(len(jobs))
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as ex:
        done = list(ex.map(fn, [jobs[i] for i in order], chunksize=1))
    out: list[Any] = [None] * len(jobs)
    for i, r in zip(order, done, strict=True):
        out[i] = r
    return out


def _raster_bytes(folder: Path) -> float:
    """Bytes of a city's rasters: how much drawing its figures take, roughly."""
    return float(sum(p.stat().st_size for p in folder.glob("*.tif"))) if folder.is_dir() else 0.0


#: threads that may be alive at fork time: the idle offload pool a closed Dask client leaves
#: behind (it waits on its queue and holds no lock the figure workers use)
IDLE_THREADS = ("Dask-Offload",)


def _busy_threads(threading: Any) -> bool:
    """Whether threads other than this one (and the idle ones above) are running, so that a
    fork could copy a lock held mid-operation."""
    me = threading.current_thread()
    return any(t is not me and t.is_alive() and not t.name.startswith(IDLE_THREADS)
               for t in threading.enumerate())


def _workers(n_jobs: int) -> int:
    """Worker processes for the figures: ``CARLCITIES_REPORT_WORKERS`` or the usable CPUs (≤ 8)."""
    env = os.environ.get("CARLCITIES_REPORT_WORKERS")
    if env and env.strip().isdigit():
        return max(1, int(env))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 1 if n_jobs < 8 else max(1, min(cpus or 1, 8))



def build_report(out_dir: Path, *, progress: ProgressFn | None = None,
                 dest: Path | None = None, previous: Path | None = None) -> Path:
    """Write the regional comparison and one profile per city into ``OUT/report/``.

    Parameters
    ----------
    out_dir : the output directory of a run; ``OUT/study.duckdb`` is opened read-only and
        ``OUT/rasters/CITY/*.tif`` are read when present (a city without rasters still gets a
        page, with a note instead of maps).
    progress : called with a short message as each part is done.
    dest : the report directory to write (default ``OUT/report``); a staging directory that
        is renamed onto ``OUT/report`` afterwards keeps its links (they are relative).
    previous : the report built last (default ``OUT/report``): a figure whose inputs are
        unchanged since is taken from it instead of drawn again (:mod:`.figcache`).

    Returns
    -------
    Path of ``OUT/report/index.html``.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    # read everything first (the figures run in forked processes, without the store open)
    with open_study(out_dir) as results:
        study = load(results)
        manifest = results.manifest()
        cover = coverage_sections(results, manifest)
        extra: dict[str, dict[str, Any]] = {
            cid: {"engine_sections": engine_sections(results, cid),
                  "method_notes": method_notes(manifest, cid), "coverage": cover.get(cid),
                  "inputs": captions.city_inputs(manifest, cid)}
            for cid in study.cities}
    peer_stats(study)
    run = _run_json(study)
    say(f"read the store: {len(study.cities)} cities, {len(study.values)} values")

    report = Path(dest) if dest is not None else out_dir / "report"
    img = report / "img"
    cities_dir = report / "cities"
    prev_img = (Path(previous) if previous is not None else out_dir / "report") / "img"
    aside = report / ".img-previous"
    if aside.exists():
        shutil.rmtree(aside)
    if prev_img.is_dir() and prev_img.resolve() == img.resolve():
        img.rename(aside)                   # rebuilt in place: reuse from the old images
        prev_img = aside
    for d in (img, cities_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    figcache.configure(img, prev_img if prev_img.is_dir() else None, str(run["run_id"]))
    try:
        return _build(out_dir, report, img, cities_dir, study, extra, run, say, t0)
    finally:
        figcache.configure(None)
        if aside.exists():
            shutil.rmtree(aside)


def _build(out_dir: Path, report: Path, img: Path, cities_dir: Path, study: ReportData,
           extra: dict[str, Any], run: dict[str, Any],
           say: ProgressFn, t0: float) -> Path:
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
            "inputs": extra[cid]["inputs"],
            "chart_source": f"study.duckdb, indicator_values, run {run['run_id']}",
            "series": profile.series(study, cid, CHART_SERIES),
            "radar": scorecard.radar_job(study, cid, c), "ghg": study.ghg.get(cid),
            "slug": slug(cid), "risk": study.risk.get(cid),
            "scenarios": study.scenarios.get(cid),
            "appraisal": study.appraisal["cities"].get(cid)})
    # the regional map (the longest single figure) is drawn by a figure worker too, first
    region = {"kind": "region", "points": _region_points(study), "file": img / "region-map.png",
              "source": "study.duckdb, table cities (catalogue location and population)"
                        + regionmap.sources_note(), "geography": regionmap.geography_key()}
    workers = _workers(len(jobs))
    _import_drawing()
    cost = [float("inf"), *(_raster_bytes(j["raster_dir"]) for j in jobs)]
    rmap, *figures = _map_jobs(_figure_job, [region, *jobs], workers, cost)
    reused, drawn = figcache.count_reused(img)
    say(f"drew the city figures ({len(jobs)} cities, {workers} worker(s)): {drawn} drawn, "
        f"{reused} unchanged since the last report")

    # --- index
    cols = regional.key_columns(study)
    rows: list[dict[str, Any]] = []
    for cid, c in study.cities.items():
        en, ru = i18n.country_name(c.get("country_iso3"))
        rows.append({"city_id": cid, "name_en": c.get("name_en") or cid,
                     "name_ru": c.get("name_ru") or "", "country_iso3": c.get("country_iso3"),
                     "country_en": en, "country_ru": ru, "href": f"cities/{slug(cid)}.html",
                     "cells": [regional.cell(study, cid, col) for col in cols]})
    med = []
    for col in cols:
        p = study.peers.get((col["indicator"].indicator_id, col["epoch"], col["epoch_start"]), {})
        med.append({"value": p.get("median"), "display": fmt_number(p.get("median")),
                    "n": p.get("n", 0)})
    if rmap is not None:   # what geography the map could show (report/regionmap.py)
        note_en, note_ru = regionmap.geography_note()
        rmap.caption_en += " " + note_en
        rmap.caption_ru += " " + note_ru
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
                "name_ru": c.get("name_ru") or "", "href": f"cities/{slug(cid)}.html",
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
    overview = regional.risk_overview(study)
    index_data["risk_overview"] = overview
    growth = regional.growth_overview(study)
    index_data["growth_overview"] = growth
    index_data["typology"] = study.appraisal.get("typology", [])
    index_data["regional_recommendations"] = study.appraisal.get("region", [])
    index_ctx = dict(
        **base, page="index", root="", columns=cols, rows=rows, median=med,
        sc_rows=sc_rows, sc_median=sc_median,
        region_fig=region_fig, manifest_href="../manifest.json", json_href="index.json",
        overview=overview, growth=growth, typology=regional.typology_view(study),
        region_recs=study.appraisal.get("region", []),
        n_cities=len(rows), region_summary=summary.region_summary(study, rows, cols, med),
        data_links=summary.region_links(out_dir, report))
    index = report / "index.html"
    pages.write_page(report, "index", "index.html", index_ctx, index_data)
    say("wrote index.html")

    # --- profiles, in the figure workers too (the study is inherited by fork)
    n_all = len(study.cities)
    _PAGES.update(study=study, extra=extra, run=run, base=base, report=report,
                  cities_dir=cities_dir, out_dir=out_dir, manifest_exists=manifest_exists)
    pages.preload("city.html")      # compiled here once, inherited by the page workers
    try:
        _map_jobs(_city_page, list(zip(study.cities, figures, strict=True)), workers,
                  cost[1:])
    finally:
        _PAGES.clear()
    say(f"wrote {n_all} city profiles in {time.perf_counter() - t0:.1f} s")
    return index


def _region_points(study: ReportData) -> list[charts.CityPoint]:
    """The cities on the regional map: location, population (the catalogue's, else the latest
    ``form.population``), country."""
    points = []
    for cid, c in study.cities.items():
        pop = c.get("population")
        if pop is None:
            pv = sorted((k[2], v.value) for k, v in study.city_items(cid)
                        if k[1] == "form.population" and k[3] is None and k[2] is not None
                        and v.value is not None)
            pop = pv[-1][1] if pv else None
        points.append(charts.CityPoint(cid, c.get("name_en") or cid, c.get("lon"), c.get("lat"),
                                       pop, c.get("country_iso3"), c.get("name_ru")))
    return points


def _import_drawing() -> None:
    """Import matplotlib's figure, its Agg canvas and its font list here, once, before the
    figure workers are forked (each worker would otherwise import them itself)."""
    import matplotlib.figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib.font_manager import fontManager

    fontManager.findfont("DejaVu Sans")


def _figure_job(job: dict[str, Any]) -> Any:
    """One unit of work of the figure workers: the regional map or one city's figures."""
    if job.get("kind") == "region":
        return charts.region_map(job["points"], job["file"], source=job["source"],
                                 geography=job["geography"])
    return profile.city_figures(job)


#: what the city pages need, set before the page workers are forked (see :func:`_city_page`)
_PAGES: dict[str, Any] = {}


def _city_page(job: tuple[str, dict[str, maps.FigureInfo | None]]) -> None:
    """Write one city's profile (three languages and the JSON twin) from :data:`_PAGES`."""
    cid, figs = job
    g = _PAGES
    study: ReportData = g["study"]
    extra, run, base, report = g["extra"], g["run"], g["base"], g["report"]
    cities_dir, out_dir, manifest_exists = g["cities_dir"], g["out_dir"], g["manifest_exists"]
    c = study.cities[cid]
    n_all = len(study.cities)
    iso = c.get("country_iso3")
    en, ru = i18n.country_name(iso)
    epoch_blocks = profile.indicator_blocks(study, cid, "epoch")
    pair_blocks = profile.indicator_blocks(study, cid, "pair")
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
            "districts": profile.districts(study, cid),
            "figures": {k: v for k, v in fj.items() if v},
            "rasters_missing": rs.empty, "provenance": prov,
            "scorecard": study.scorecards.get(cid), "ghg": study.ghg.get(cid),
            "risk": study.risk.get(cid), "growth_scenarios": study.scenarios.get(cid),
            "options": study.appraisal["cities"].get(cid),
            "engine_sections": [{**e, "html_en": str(e["html_en"]),
                                 "html_ru": None if e["html_ru"] is None
                                 else str(e["html_ru"])}
                                for e in extra[cid]["engine_sections"]],
            "method_notes": extra[cid]["method_notes"], "coverage": extra[cid]["coverage"]}
    city_ctx = dict(
        **base, page="city", root="../", city=city_json, figs=fj, blocks=epoch_blocks,
        growth=pair_blocks,
        epoch_grid=profile.grid([b for b in epoch_blocks
                                 if b["indicator"]["theme"] not in ENV_THEMES + MOB_THEMES
                                 + OWN_SECTION_THEMES]),
        mob_grid=profile.grid([b for b in epoch_blocks
                               if b["indicator"]["theme"] in MOB_THEMES]),
        env_grid=profile.grid([b for b in epoch_blocks + pair_blocks
                               if b["indicator"]["theme"] in ENV_THEMES]),
        pair_grid=profile.grid(pair_blocks),
        districts=data["districts"], provenance=prov, scorecard=study.scorecards.get(cid),
        ghg=study.ghg.get(cid), risk=study.risk.get(cid),
        scen=study.scenarios.get(cid), opts=study.appraisal["cities"].get(cid),
        rasters_missing=rs.empty, raster_dir=f"rasters/{cid}/",
        n_cities=n_all, n_country=n_country, manifest_href="../../manifest.json",
        json_href=f"{slug(cid)}.json", **extra[cid],
        glance=summary.city_glance(study, cid, epoch_blocks, fj),
        data_links=summary.city_links(out_dir, report, cid))
    pages.write_page(cities_dir, slug(cid), "city.html", city_ctx, data)
