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
import os
import platform
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .catalog import City, load_catalog
from .config import StudyConfig, load_config, resolve_path
from .engines import CityContext, EngineResult, order
from .errors import CarlError, OutputDirError
from .files import write_json_atomic
from .grid import CityGrid, for_city, grid_kw
from .indicators.rows import ValueRow
from .inputs import city_inputs
from .memory import release_memory
from .progress import Progress

if TYPE_CHECKING:
    from .store import Store

__all__ = ["CityResult", "RunSummary", "city_inputs", "city_task",
           "compute_city", "grid_cells", "run_study",
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
    #: seconds per step: "demo" (generating the demo layers), each engine (its run and the
    #: COGs it writes); kept in the manifest (``engine_seconds``) for the benchmarks
    engine_seconds: dict[str, float] = field(default_factory=dict)


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
    spent: dict[str, float] = {"grid": time.perf_counter() - t0}
    for engine in order(list(cfg.run.engines)):
        if not engine.applies(ctx):
            continue
        t_e = time.perf_counter()
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
        spent[engine.name] = time.perf_counter() - t_e
    return CityResult(city, grid, rows, extents, zones, prov, ctx.synthetic,
                      time.perf_counter() - t0, notes, tables,
                      {k: round(v, 3) for k, v in spent.items()})


def city_task(city: City, cfg: StudyConfig, inputs: dict[str, str] | None, out_dir: str,
              run_id: str, districts: str | None, demo: dict[str, Any] | None) -> CityResult:
    """One city, start to finish on a worker: demo layers (cached) when asked, then compute.

    One BLAS thread, as on a Dask worker (its nanny sets ``OPENBLAS_NUM_THREADS=1``), also
    in this process: the engines' matrix products are small, and OpenBLAS's threads made them
    ten times the CPU (``risk.psha.site_hazard``: 2.5 s against 0.27 s for Bishkek on a busy
    2-core machine); a city's numbers do not depend on where it ran either."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _city_task(city, cfg, inputs, out_dir, run_id, districts, demo)


def _city_task(city: City, cfg: StudyConfig, inputs: dict[str, str] | None, out_dir: str,
               run_id: str, districts: str | None, demo: dict[str, Any] | None) -> CityResult:
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
    if demo is not None:
        res.engine_seconds = {"demo": round(demo_s, 3), **res.engine_seconds}
    from .io import forget_city_reads  # the readers stay unimported until a city runs

    forget_city_reads()
    release_memory()  # the city's arrays are freed: give their pages back before the next
    return res


def grid_cells(city: City, cfg: StudyConfig) -> int:
    """Cells of a city's study grid: what its memory and time grow with."""
    g = for_city(city, epochs=list(cfg.epochs), **grid_kw(cfg))
    return int(g.width * g.height)


#: glibc malloc settings of the local Dask workers. Dask's nanny sets
#: MALLOC_TRIM_THRESHOLD_=65536, which also turns glibc's dynamic mmap threshold off: every
#: allocation over 128 KiB (each numpy array of a city grid) is then mmap'd and unmapped, and
#: touched page by page again (tens of millions of minor faults, ~100 s of system time in the
#: default study). Measured with ``benchmarks/bench_study.py --compare-malloc``
#: (results/workers_malloc.json: 4 cities on 2 workers, 5 alternating rounds — minor faults
#: 0.48 M against 3.04 M, system time 2.5 s against 6.9 s, peak memory of the process tree
#: 1.89 GiB against 1.76 GiB). What the high trim threshold keeps is given back at the end of
#: each city (:func:`carlcities.memory.release_memory` in :func:`city_task`).
WORKER_MALLOC: dict[str, str] = {"MALLOC_TRIM_THRESHOLD_": str(256 << 20),
                                 "MALLOC_MMAP_THRESHOLD_": str(64 << 20)}


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

    import dask
    from distributed import Client, LocalCluster, as_completed

    from . import runplan

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
        # CARLCITIES_WORKER_MALLOC=dask keeps Dask's own setting (benchmarks/bench_study.py)
        if os.environ.get("CARLCITIES_WORKER_MALLOC") != "dask":
            env.update(WORKER_MALLOC)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
            cluster = LocalCluster(n_workers=min(workers, len(todo)), threads_per_worker=1,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        # largest cities first, so the last task to finish is a small one; on a local cluster
        # a city starts when a worker is free and its cells fit under the cap with those in
        # work (runplan.cells_in_work_cap), so the largest cities are not computed together
        cells = {c.city_id: grid_cells(c, cfg) for c in todo}
        waiting = sorted(todo, key=lambda c: (-cells[c.city_id], c.city_id))
        slots = len(todo) if cluster is None else min(workers, len(todo))
        cap = runplan.cells_in_work_cap(list(cells.values()), slots) if cluster is not None \
            else sum(cells.values())
        running: dict[Any, int] = {}
        done = as_completed()

        def fill() -> None:
            while waiting and len(running) < slots:
                c = runplan.next_city(waiting, cells, sum(running.values()), cap,
                                      len(running))
                if c is None:
                    return
                waiting.remove(c)
                fut = client.submit(city_task, c, cfg, inputs[c.city_id], out_dir, run_id,
                                    districts.get(c.city_id), demo, pure=False,
                                    key=f"city-{c.city_id}-{run_id}")
                running[fut] = cells[c.city_id]
                done.add(fut)

        fill()
        for fut in done:
            del running[fut]
            fill()                     # the next city starts before this one is fetched
            res = fut.result()
            fut.release()              # the worker drops its copy of the result
            yield res
            del res                    # not held while the next city's result arrives
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
              progress: bool = False, report: bool = False, force: bool = False,
              say: Callable[[str], None] | None = None) -> RunSummary:
    """Run the study: every selected city through the engines into ``out``.

    Checks every input first (:func:`carlcities.preflight.preflight`), then works in the run's
    staging area ``OUT/runs/RUN_ID/`` under the output directory's writer lock, and swaps the
    store, rasters, exports, report (``report=True``) and manifest into place only when the
    whole run succeeded (:mod:`carlcities.outdir`). A failed or killed run leaves the last
    complete run's files as they were and resumes with the same call: cities whose settings
    and inputs are unchanged are reused (:mod:`carlcities.runplan`), stages finished with the
    same run key are skipped. Nothing changed since the last complete run: nothing is done
    (``status == "unchanged"``) unless ``force``.
    """
    from .outdir import WriterLock, roll_forward
    from .store import Store  # the main process only: a worker never opens the store

    note = say or (lambda _m: None)
    cfg = config if isinstance(config, StudyConfig) else load_config(config)
    out = Path(out)
    Store.check_owner(out, cfg.study.name)
    engines = order(list(cfg.run.engines))  # refuses unknown, missing or circular needs
    catalog = load_catalog()
    selected = catalog.select(cities or cfg.cities)
    for cid in cfg.data.districts:
        catalog.get(cid)
    from .preflight import preflight

    city_files = preflight(cfg, selected, catalog)  # every problem at once, nothing touched
    with WriterLock(out):
        try:
            roll_forward(out)
            return _run_locked(cfg, out, engines, catalog, selected, city_files, workers,
                               progress, report, force, note)
        except Exception as exc:
            err = _disk_full(exc, out)
            if err is not None:
                raise err from exc
            raise


def _committed_manifest(out: Path) -> dict[str, Any]:
    try:
        m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return m if isinstance(m, dict) else {}


def _run_locked(cfg: StudyConfig, out: Path, engines: list, catalog: Any, selected: list[City],
                city_files: dict[str, dict[str, str]] | None, workers: int | None,
                progress: bool, report: bool, force: bool,
                note: Callable[[str], None]) -> RunSummary:
    from .outdir import commit, discard_stage, stage_dir, staged_runs
    from .outdir import prepare_stage as _prepare
    from .runplan import cap_workers, city_key, run_key, worker_estimate
    from .store import STORE_FILE, Store

    ids = [c.city_id for c in selected]
    t_all = time.perf_counter()
    keys = {c.city_id: city_key(cfg, c, (city_files or {}).get(c.city_id)) for c in selected}
    rkey = run_key(cfg, keys, report=report)
    committed = _committed_manifest(out)
    if not force and committed.get("status") == "complete" and committed.get("run_key") == rkey \
            and (out / STORE_FILE).exists() and (not report or (out / "report").is_dir()):
        return RunSummary(str(committed.get("run_id")), out, ids, False, ids, {}, "unchanged")
    # resume the newest staged run made on top of the committed one; older ones are stale
    base = committed.get("run_id") if committed.get("status") == "complete" else None
    stage: Path | None = None
    old: dict[str, Any] = {}
    for st, m in staged_runs(out):
        if stage is None and m.get("base_run") == base and m.get("study") == cfg.study.name:
            stage, old = st, m
        else:
            discard_stage(st)
    resumed = stage is not None
    run_id = str(old["run_id"]) if resumed else \
        dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    stage = stage or stage_dir(out, run_id)
    _prepare(out, stage, recompute=set(), store_file=STORE_FILE)  # the store copy first
    manifest_path = stage / "manifest.json"
    store = Store(stage / STORE_FILE, study=cfg.study.name, engines=engines)
    manifest: dict[str, Any] = {}
    try:
        reuse = store.reusable(keys, run_id if force else None)
        todo = [c for c in selected if c.city_id not in reuse]
        _prepare(out, stage, recompute={c.city_id for c in todo}, store_file=STORE_FILE)
        timings: dict[str, float] = dict(old.get("timings", {})) if resumed else {}
        software = software_versions()
        store.start_run(run_id, cfg.study.name, rkey, software)
        store.set_meta(title_en=cfg.study.title_en, title_ru=cfg.study.title_ru,
                       config_sha256=cfg.sha256())
        from .indicators import all_indicators

        store.write_indicators(all_indicators())
        prev_inputs = [i for i in committed.get("inputs", []) + old.get("inputs", [])
                       if i.get("city_id") in reuse]
        inputs_kept = list({json.dumps(i, sort_keys=True): i for i in prev_inputs}.values())
        asked = workers or cfg.run.workers       # None: what cores and memory allow
        largest = max((grid_cells(c, cfg) for c in todo), default=None)
        n_workers, cap_note = cap_workers(asked, len(todo), largest)
        if cap_note and (asked or 1) > 1 and len(todo) > 1:
            note(cap_note)
        manifest = dict(
            run_id=run_id, status="running", study=cfg.study.name,
            started=old.get("started") or dt.datetime.now(dt.UTC).isoformat(), finished=None,
            resumed=resumed, base_run=base, run_key=rkey, config=cfg.model_dump(mode="json"),
            config_sha256=cfg.sha256(),
            config_path=str(cfg.source_path) if cfg.source_path else None,
            cities=ids, engines=[e.name for e in engines], reused=dict(sorted(reuse.items())),
            city_keys=keys, inputs=inputs_kept, software=software, timings=timings,
            city_seconds={k: v for k, v in old.get("city_seconds", {}).items() if k in reuse},
            engine_seconds={k: v for k, v in old.get("engine_seconds", {}).items()
                            if k in reuse},
            workers=n_workers, workers_note=cap_note,
            workers_estimate=dict(worker_estimate(len(todo), largest), requested=asked),
            stages=dict(old.get("stages", {})),
            manifest=f"runs/{run_id}/manifest.json")
        if old.get("city_notes"):
            manifest["city_notes"] = {k: v for k, v in old["city_notes"].items() if k in reuse}
        manifest["coverage"] = _coverage(cfg, ids)
        write_json_atomic(manifest_path, manifest)
        _stages(cfg, out, stage, store, engines, catalog, todo, city_files, run_id, rkey,
                n_workers, progress, report, manifest, manifest_path, timings)
        store.close()
        timings["total"] = round(time.perf_counter() - t_all, 3)
        manifest.update(status="complete", finished=dt.datetime.now(dt.UTC).isoformat(),
                        timings=timings)
        write_json_atomic(manifest_path, manifest)
        commit(out, stage)
    except KeyboardInterrupt:
        _mark(store, manifest_path, manifest, "interrupted", None)
        raise
    except BaseException as exc:
        err = _disk_full(exc, stage)
        _mark(store, manifest_path, manifest, "failed", err or exc)
        if err is not None:
            raise err from exc
        raise
    finally:
        store.close()
    return RunSummary(run_id, out, ids, resumed, sorted(reuse), timings, "complete")


def _stages(cfg: StudyConfig, out: Path, stage: Path, store: Store, engines: list,
            catalog: Any, todo: list[City], city_files: dict[str, dict[str, str]] | None,
            run_id: str, rkey: str, workers: int, progress: bool, report: bool,
            manifest: dict[str, Any], manifest_path: Path, timings: dict[str, float]) -> None:
    """The stages of a run, in its staging area: cities, scorecards, appraisal, exports,
    report. A stage finished before with the same run key (and no city computed since) is
    skipped on resume."""
    stages: dict[str, str] = manifest["stages"]
    if todo:
        stages.clear()

    def fresh(name: str) -> bool:
        return stages.get(name) != rkey

    def done(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)
        stages[name] = rkey
        write_json_atomic(manifest_path, manifest)

    prog = Progress(progress)
    with prog.bars():
        # stage 1: inputs (checked by the preflight; the demo builds its own per city)
        t = time.perf_counter()
        demo: dict[str, Any] | None = None
        inputs: dict[str, dict[str, str] | None]
        if cfg.data.source == "demo":
            from .demo.cache import demo_cache_dir

            extras = _demo_extras(list(cfg.run.engines))
            # generated once, then kept between runs (demo.cache); OUT/demo when no cache
            demo_dir = resolve_path(cfg, cfg.data.demo_dir) if cfg.data.demo_dir else \
                demo_cache_dir(cfg.epochs, grid_kw(cfg), extras) or out / "demo"
            demo = dict(dir=str(demo_dir), epochs=tuple(cfg.epochs), grid=grid_kw(cfg),
                        extras=extras)
            inputs = {c.city_id: None for c in todo}
        else:
            inputs = {c.city_id: (city_files or {}).get(c.city_id) or city_inputs(cfg, c, None)
                      for c in todo}
        timings["inputs"] = round(time.perf_counter() - t, 3)
        # stage 2: cities
        t = time.perf_counter()
        districts = {cid: str(resolve_path(cfg, p)) for cid, p in cfg.data.districts.items()}
        task = prog.task("cities" + (" (synthetic demo data)" if demo else ""), len(todo))
        by_name = {e.name: e for e in engines}
        keys = manifest["city_keys"]
        for res in _execute(todo, cfg, inputs, str(stage), run_id, districts, workers,
                            cfg.run.scheduler, demo):
            cid = res.city.city_id
            store.write_city(run_id, res, writers=[(by_name[n], r) for n, r in res.tables],
                             key=keys[cid])
            manifest["inputs"] = [i for i in manifest["inputs"] if i.get("city_id") != cid]
            manifest["inputs"].extend(res.inputs)
            manifest["city_seconds"][cid] = round(res.seconds, 3)
            manifest["engine_seconds"][cid] = res.engine_seconds
            if res.notes:
                manifest.setdefault("city_notes", {})[cid] = res.notes
            write_json_atomic(manifest_path, manifest)
            prog.advance(task, f"cities: {cid}")
            del res  # written: one city's result in the main process at a time, not two
        timings["cities"] = round(time.perf_counter() - t, 3)
        # stage 3: qualitative inputs (MCR2030 scorecards, stakeholder surveys)
        if fresh("scorecards"):
            t = time.perf_counter()
            from .scorecard import run_scorecards

            run_scorecards(store.con, cfg, catalog, stage)
            done("scorecards", t)
        # stage 3b: appraisal of the options, benchmarks, typology, recommendations
        if cfg.run.appraisal and fresh("appraisal"):
            t = time.perf_counter()
            from .appraisal.run import run_appraisal

            manifest["appraisal"] = run_appraisal(store.con, cfg, catalog, run_id)
            done("appraisal", t)
        # stage 4: exports
        if fresh("exports"):
            t = time.perf_counter()
            store.export(stage, run_id)
            done("exports", t)
    store.finish_run(run_id, "complete")
    store.close()  # checkpointed: the staged file is whole before the report reads it
    # stage 5: the report, read from the staged store, written into the staging area
    if report and fresh("report"):
        from .report import build_report

        t = time.perf_counter()
        build_report(stage, previous=out / "report")  # unchanged figures are reused
        done("report", t)


def rebuild_report(out: str | Path) -> Path:
    """Rebuild ``OUT/report`` from the committed store: built in ``OUT/runs/.report/`` and
    renamed into place, so a failure leaves the old report as it was. The caller holds the
    output directory's :class:`~carlcities.outdir.WriterLock`."""
    import shutil

    from .outdir import RUNS_DIR
    from .report import build_report

    out = Path(out)
    work = out / RUNS_DIR / ".report"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        build_report(out, dest=work / "report")
        old = work / "previous"
        if (out / "report").exists():
            (out / "report").rename(old)
        (work / "report").rename(out / "report")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "report" / "index.html"


def _disk_full(exc: BaseException, stage: Path) -> CarlError | None:
    """A full disk (OSError ENOSPC, or DuckDB's "No space left") as an :class:`OutputDirError`
    naming the directory and the fix; None for any other error."""
    import errno

    text = str(exc)
    if isinstance(exc, CarlError):
        return None
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
            "No space left on device" in text or "not enough space" in text.lower():
        return OutputDirError(
            "the disk is full: the run stopped; the last complete results are untouched and "
            "this run's finished cities are kept in its staging area", path=stage,
            fix="free disk space on that filesystem (or choose another --out), then run the "
                "same command again to resume")
    return None


def _mark(store: Store, manifest_path: Path, manifest: dict[str, Any], status: str,
          exc: BaseException | None) -> None:
    """Record a run's end in its staged store and manifest (best effort while failing)."""
    run_id = manifest.get("run_id")
    if not run_id:
        return
    from .store import Store

    try:
        store.close()
        with Store(store.path) as st:
            st.finish_run(run_id, status)
    except Exception:  # noqa: BLE001 - best effort while failing
        pass
    try:
        manifest.update(status=status, finished=dt.datetime.now(dt.UTC).isoformat())
        if exc is not None:
            manifest["error"] = f"{type(exc).__name__}: {exc}"
        write_json_atomic(manifest_path, manifest)
    except (OSError, ValueError):
        pass


def _coverage(cfg: StudyConfig, ids: list[str]) -> dict[str, Any]:
    """What the configured data lets each city measure (``carlcities.coverage``), for the
    manifest and the report's "What this study could not measure"; never stops a run."""
    from .coverage import manifest_section

    try:
        return manifest_section(cfg, ids)
    except CarlError as exc:
        return {"error": exc.message}
