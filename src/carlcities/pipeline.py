"""The conductor: orders the engines, runs the cities in parallel, commits, keeps the manifest.

config → catalogue → city grid → layers → engines → (scorecards, appraisal) → store → exports.
One task per city runs the engines in the order their needs give (:func:`carlcities.engines.order`)
and returns plain data; the main process writes each city to the store in one transaction as
soon as it arrives, so an interrupted run keeps every finished city and ``run`` resumes where it
stopped. The conductor knows no engine by name; the report is built by the CLI (or by
:func:`carlcities.run_study`), from the store.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .catalog import City, load_catalog
from .config import StudyConfig, load_config, resolve_path
from .engines import CityContext, EngineResult, order
from .files import sha256_text, write_json_atomic
from .grid import CityGrid, for_city, grid_kw
from .indicators.rows import ValueRow
from .inputs import city_inputs
from .progress import Progress
from .store import STORE_FILE, Store

__all__ = ["CityResult", "RunSummary", "city_inputs", "city_task", "compute_city", "run_study",
           "software_versions"]


@dataclass
class CityResult:
    """Everything one city produced: value rows, urban extents, zones, provenance, and each
    engine's result for its own tables."""

    city: City
    grid: CityGrid
    rows: list[ValueRow]
    extents: list[tuple[int, float, bytes]]
    zones: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    synthetic: bool
    seconds: float
    notes: list[str] = field(default_factory=list)
    #: (engine name, result) of the engines with tables; rasters and products left out
    tables: list[tuple[str, EngineResult]] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: str
    out_dir: Path
    cities: list[str]
    resumed: bool
    skipped: list[str]
    timings: dict[str, float]
    status: str


def software_versions() -> dict[str, str]:
    import duckdb
    import exactextract
    import pyproj
    import rasterio
    import scipy
    import shapely

    return {"carlcities": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "rasterio": rasterio.__version__,
            "gdal": rasterio.__gdal_version__, "pyproj": pyproj.__version__,
            "proj": pyproj.proj_version_str, "shapely": shapely.__version__,
            "duckdb": duckdb.__version__, "exactextract": str(getattr(exactextract, "__version__",
                                                                        "?"))}


# --------------------------------------------------------------------------------------------
# one city
# --------------------------------------------------------------------------------------------
def compute_city(city: City, cfg: StudyConfig, inputs: dict[str, str], out_dir: str,
                 run_id: str, districts: str | None = None) -> CityResult:
    """Run every configured engine on one city, in the order of their needs.

    Pure with respect to the store: nothing is written to it here (the caller does that);
    rasters go to ``OUT/rasters/CITY/``.
    """
    from .io.raster import write_cog

    t0 = time.perf_counter()
    grid = for_city(city, epochs=list(cfg.epochs), **grid_kw(cfg))
    ctx = CityContext(city=city, grid=grid, inputs=dict(inputs), config=cfg, run_id=run_id,
                      raster_dir=Path(out_dir) / "rasters" / city.city_id, districts=districts)
    rows: list[ValueRow] = []
    prov: list[dict[str, Any]] = []
    notes: list[str] = []
    tables: list[tuple[str, EngineResult]] = []
    extents: list[tuple[int, float, bytes]] = []
    zones: list[dict[str, Any]] = []
    tags = {"city_id": city.city_id, "run_id": run_id, "carlcities": __version__}
    for engine in order(list(cfg.run.engines)):
        if not engine.applies(ctx):
            continue
        ctx.settings = getattr(cfg, engine.section) if engine.section else None
        res = engine.run(ctx)
        ctx.products[engine.name] = res
        rows += [r.stamped(run_id, city.city_id) for r in res.rows]
        prov += [dict(p, city_id=city.city_id) for p in res.provenance]
        notes += res.notes
        extents += res.extents
        zones += res.zones
        for name, (arr, unit, desc) in res.rasters.items():
            write_cog(ctx.raster_dir / f"{name}.tif", np.asarray(arr, dtype="float32"), grid,
                      nodata=float("nan"), tags=dict(tags, unit=unit,
                                                     synthetic=str(ctx.synthetic).lower()),
                      description=desc)
        if res.tables is not None:
            tables.append((engine.name, EngineResult(tables=res.tables)))
    return CityResult(city, grid, rows, extents, zones, prov, ctx.synthetic,
                      time.perf_counter() - t0, notes, tables)


def city_task(city: City, cfg: StudyConfig, inputs: dict[str, str] | None, out_dir: str,
              run_id: str, districts: str | None, demo: dict[str, Any] | None) -> CityResult:
    """One city, start to finish on a worker: demo layers (cached) when asked, then compute."""
    demo_s = 0.0
    if inputs is None:
        from .demo import generate

        assert demo is not None
        t = time.perf_counter()
        paths = generate(demo["dir"], [city], epochs=demo["epochs"], extras=demo["extras"],
                         **demo["grid"])
        inputs = {k: str(v) for k, v in paths[city.city_id].items()}
        demo_s = time.perf_counter() - t
    res = compute_city(city, cfg, inputs, out_dir, run_id, districts)
    res.seconds += demo_s
    return res


def _execute(todo: list[City], cfg: StudyConfig, inputs: dict[str, dict[str, str] | None],
             out_dir: str, run_id: str, districts: dict[str, str], workers: int,
             scheduler: str | None, demo: dict[str, Any] | None = None
             ) -> Iterator[CityResult]:
    """Yield city results as they finish: in-process, on local Dask workers or a cluster."""
    if not todo:
        return
    if scheduler is None and (workers <= 1 or len(todo) == 1):
        for c in todo:
            yield city_task(c, cfg, inputs[c.city_id], out_dir, run_id,
                            districts.get(c.city_id), demo)
        return
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=min(workers, len(todo)), threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        # largest cities first, so the last task to finish is a small one
        ordered = sorted(todo, key=lambda c: -c.population)
        futures = [client.submit(city_task, c, cfg, inputs[c.city_id], out_dir, run_id,
                                 districts.get(c.city_id), demo, pure=False,
                                 key=f"city-{c.city_id}-{run_id}") for c in ordered]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------------------------
def _demo_extras(engines: list[str]) -> tuple[str, ...]:
    """The demo layers the configured engines read (what each engine declares as inputs)."""
    from .engines import registered

    known = registered()
    roles = {r for n in engines if n in known for r in known[n].inputs}
    wanted = []
    from .io.environment import ENV_ROLES

    if roles & set(ENV_ROLES):
        wanted.append("environment")
    if "osm" in roles:
        wanted.append("osm")
    if roles & {"vs30", "mudflow", "flood_depth_rp*", "tmax_daily"}:
        wanted.append("hazards")
    return tuple(wanted)


def run_study(config: StudyConfig | str | Path | None = None, out: str | Path = "out", *,
              cities: list[str] | None = None, workers: int | None = None,
              progress: bool = False) -> RunSummary:
    """Run the study: every selected city through the engines into ``out``.

    Resumes an interrupted run with the same configuration; refuses an output directory that
    holds another study's store before touching anything. The HTML report is not built here
    (``carlcities run`` and :func:`carlcities.run_study` build it from the store).
    """
    cfg = config if isinstance(config, StudyConfig) else load_config(config)
    out = Path(out)
    Store.check_owner(out, cfg.study.name)
    engines = order(list(cfg.run.engines))  # refuses unknown, missing or circular needs
    catalog = load_catalog()
    selected = catalog.select(cities or cfg.cities)
    for cid in cfg.data.districts:
        catalog.get(cid)
    ids = [c.city_id for c in selected]
    workers = workers or cfg.run.workers
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    run_key = sha256_text(cfg.sha256() + ",".join(ids))
    manifest_path = out / "manifest.json"
    store = Store(out / STORE_FILE, study=cfg.study.name, engines=engines)
    run_id: str | None = None
    try:
        run_id = store.resumable_run(run_key)
        resumed = run_id is not None
        done = store.done_cities(run_id) if run_id else set()
        old_inputs: list[dict[str, Any]] = []
        if resumed and manifest_path.exists():
            try:
                old = json.loads(manifest_path.read_text(encoding="utf-8"))
                if old.get("run_id") == run_id:
                    old_inputs = [i for i in old.get("inputs", []) if i.get("city_id") in done]
                    timings.update(dict(old.get("timings", {}).items()))
            except (OSError, ValueError):
                pass
        if not run_id:
            run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + \
                uuid.uuid4().hex[:6]
        software = software_versions()
        store.start_run(run_id, cfg.study.name, run_key, software)
        store.set_meta(title_en=cfg.study.title_en, title_ru=cfg.study.title_ru,
                       config_sha256=cfg.sha256())
        from .indicators import all_indicators

        store.write_indicators(all_indicators())
        manifest: dict[str, Any] = dict(
            run_id=run_id, status="running", study=cfg.study.name,
            started=dt.datetime.now(dt.UTC).isoformat(), finished=None,
            resumed=resumed, config=cfg.model_dump(mode="json"), config_sha256=cfg.sha256(),
            config_path=str(cfg.source_path) if cfg.source_path else None,
            cities=ids, engines=[e.name for e in engines], inputs=list(old_inputs),
            software=software, timings=timings, city_seconds={})
        write_json_atomic(manifest_path, manifest)
        todo = [c for c in selected if c.city_id not in done]
        prog = Progress(progress)
        with prog.bars():
            # stage 1: inputs
            t = time.perf_counter()
            demo: dict[str, Any] | None = None
            if cfg.data.source == "demo":
                demo_dir = resolve_path(cfg, cfg.data.demo_dir) if cfg.data.demo_dir else \
                    out / "demo"
                demo = dict(dir=str(demo_dir), epochs=tuple(cfg.epochs), grid=grid_kw(cfg),
                            extras=_demo_extras(list(cfg.run.engines)))
                inputs: dict[str, dict[str, str] | None] = {c.city_id: None for c in todo}
            else:  # real files: check every path before heavy work starts
                inputs = {c.city_id: city_inputs(cfg, c, None) for c in todo}
            timings["inputs"] = round(time.perf_counter() - t, 3)
            # stage 2: cities
            t = time.perf_counter()
            districts = {cid: str(resolve_path(cfg, p)) for cid, p in cfg.data.districts.items()}
            task = prog.task("cities" + (" (synthetic demo data)" if demo else ""), len(todo))
            by_name = {e.name: e for e in engines}
            for res in _execute(todo, cfg, inputs, str(out), run_id, districts, workers,
                                cfg.run.scheduler, demo):
                store.write_city(run_id, res, writers=[(by_name[n], r) for n, r in res.tables])
                manifest["inputs"].extend(res.inputs)
                manifest["city_seconds"][res.city.city_id] = round(res.seconds, 3)
                if res.notes:
                    manifest.setdefault("city_notes", {})[res.city.city_id] = res.notes
                write_json_atomic(manifest_path, manifest)
                prog.advance(task, f"cities: {res.city.city_id}")
            timings["cities"] = round(time.perf_counter() - t, 3)
            # stage 3: qualitative inputs (MCR2030 scorecards, stakeholder surveys)
            t = time.perf_counter()
            from .scorecard import run_scorecards

            run_scorecards(store.con, cfg, catalog, out)
            timings["scorecards"] = round(time.perf_counter() - t, 3)
            # stage 3b: appraisal of the options, benchmarks, typology, recommendations
            if cfg.run.appraisal:
                t = time.perf_counter()
                from .appraisal.run import run_appraisal

                manifest["appraisal"] = run_appraisal(store.con, cfg, catalog, run_id)
                timings["appraisal"] = round(time.perf_counter() - t, 3)
            # stage 4: exports
            t = time.perf_counter()
            store.export(out, run_id)
            timings["exports"] = round(time.perf_counter() - t, 3)
        store.finish_run(run_id, "complete")
    except KeyboardInterrupt:
        _mark(store, manifest_path, run_id, "interrupted")
        raise
    except BaseException:
        _mark(store, manifest_path, run_id, "failed")
        raise
    finally:
        store.close()
    timings["total"] = round(time.perf_counter() - t_all, 3)
    manifest.update(status="complete", finished=dt.datetime.now(dt.UTC).isoformat(),
                    timings=timings)
    write_json_atomic(manifest_path, manifest)
    return RunSummary(run_id, out, ids, resumed, sorted(done), timings, "complete")


def record_report_time(out: str | Path, seconds: float) -> None:
    """Add the report stage's time to the manifest of the run in ``out`` (best effort)."""
    path = Path(out) / "manifest.json"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    t = m.setdefault("timings", {})
    t["report"] = round(seconds, 3)
    t["total"] = round(float(t.get("total", 0.0)) + seconds, 3)
    write_json_atomic(path, m)


def _mark(store: Store, manifest_path: Path, run_id: str | None, status: str) -> None:
    if not run_id:
        return
    try:
        store.finish_run(run_id, status)
    except Exception:  # noqa: BLE001 - best effort while failing
        pass
    try:
        m = json.loads(manifest_path.read_text(encoding="utf-8"))
        if m.get("run_id") == run_id:
            m["status"] = status
            write_json_atomic(manifest_path, m)
    except (OSError, ValueError):
        pass

