"""The pipeline: orders the work per city and runs it in parallel (Dask).

config → catalogue → city grid → layers → indicators → store → exports → reports.
One task per city computes everything from its input files and returns plain data; the main
process writes each city to the store in one transaction as soon as it arrives, so an
interrupted run keeps every finished city and ``run`` resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .catalog import City, load_catalog
from .config import StudyConfig, load_config, resolve_path
from .errors import ConfigError, InputFileError
from .grid import CityGrid, for_city
from .store import STORE_FILE, Store

__all__ = ["run_study", "compute_city", "city_task", "CityResult", "RunSummary", "city_inputs",
           "software_versions"]

SCENARIO = "observed"


@dataclass
class CityResult:
    """Everything one city produced: value rows, urban extents, zones, provenance."""

    city: City
    grid: CityGrid
    rows: list[dict[str, Any]]
    extents: list[tuple[int, float, bytes]]
    zones: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    synthetic: bool
    seconds: float
    notes: list[str] = field(default_factory=list)
    #: extra store writes: (dotted path of a writer ``f(con, run_id, city_id, payload)``,
    #: payload); called inside the city's transaction
    extra: list[tuple[str, Any]] = field(default_factory=list)


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
# inputs
# --------------------------------------------------------------------------------------------
def grid_kw(cfg: StudyConfig) -> dict[str, float]:
    """The city-grid keywords of a configuration (``res_m``, ``buffer_km``, ...)."""
    return dict(res_m=cfg.grid.res_m, buffer_km=cfg.grid.buffer_km,
                design_density=cfg.grid.design_density, size_factor=cfg.grid.size_factor)


def risk_params(cfg: StudyConfig) -> dict[str, Any]:
    """The risk-engine parameters of a configuration, with its file paths resolved."""
    r = cfg.risk
    return dict(gmpe=r.gmpe, source_radius_km=r.source_radius_km, mmin=r.mmin,
                realisations=r.realisations, time_of_day=r.time_of_day, years=list(r.years),
                climate_scenarios=list(r.climate_scenarios),
                heat_thresholds_c=list(r.heat_thresholds_c), seed=r.seed,
                catalogue=[str(resolve_path(cfg, cfg.data.earthquake_catalogue))]
                if cfg.data.earthquake_catalogue else None,
                vulnerability={k: str(resolve_path(cfg, v))
                               for k, v in cfg.data.vulnerability.items()},
                taxonomy_mapping=str(resolve_path(cfg, cfg.data.taxonomy_mapping))
                if cfg.data.taxonomy_mapping else None)


_grid_kw, _risk_params = grid_kw, risk_params  # the old private names


def city_inputs(cfg: StudyConfig, city: City, demo_paths: dict[str, Path] | None) -> dict[str, str]:
    """Paths of the layers of one city: ``builtup_EPOCH``, ``population_EPOCH`` and ``dem``."""
    if demo_paths is not None:
        return {k: str(v) for k, v in demo_paths.items()}
    out: dict[str, str] = {}
    for role in ("builtup", "population"):
        pattern = getattr(cfg.data, role)
        if not pattern:
            raise ConfigError(f"data.source is 'files' but data.{role} is not set",
                              path=cfg.source_path, fix=f"give data.{role}: a path pattern with "
                                                        "{epoch} (and {city_id} if per city)")
        for e in cfg.epochs:
            p = resolve_path(cfg, str(pattern).format(epoch=e, city_id=city.city_id))
            if not p.exists():
                raise InputFileError(f"the {role} layer of {e} for {city.city_id} is missing",
                                     path=p, fix=f"check data.{role} in the config")
            out[f"{role}_{e}"] = str(p)
    if cfg.data.dem:
        p = resolve_path(cfg, str(cfg.data.dem).format(city_id=city.city_id))
        if p.exists():
            out["dem"] = str(p)
    if cfg.data.osm:
        p = resolve_path(cfg, str(cfg.data.osm).format(city_id=city.city_id))
        if not p.exists():
            raise InputFileError(f"the OSM extract for {city.city_id} is missing", path=p,
                                 fix="check data.osm in the config")
        out["osm"] = str(p)
    if cfg.data.flood_depth:
        for rp in cfg.data.flood_return_periods:
            p = resolve_path(cfg, str(cfg.data.flood_depth).format(city_id=city.city_id, rp=rp))
            if p.exists():
                out[f"flood_depth_rp{rp}"] = str(p)
    for role in ("mudflow", "vs30", "tmax_daily", "exposure"):  # optional hazard inputs
        pat = getattr(cfg.data, role)
        if pat:
            p = resolve_path(cfg, str(pat).format(city_id=city.city_id))
            if p.exists():
                out[role] = str(p)
    from .io.environment import ENV_ROLES

    for role in ENV_ROLES:  # environment and economy products, where configured
        pat = getattr(cfg.data, role)
        if not pat:
            continue
        years = cfg.data.env_years if "{year}" in str(pat) else cfg.data.env_years[-1:]
        for y in years:
            p = resolve_path(cfg, str(pat).format(year=y, city_id=city.city_id))
            if p.exists():
                out[f"{role}_{y}"] = str(p)
    return out


# --------------------------------------------------------------------------------------------
# one city
# --------------------------------------------------------------------------------------------
_AGG_KEYS = ("population", "population_extent", "builtup_surface_ha", "builtup_extent_ha",
             "extent_ha", "urban_builtup_ha", "suburban_builtup_ha", "rural_builtup_ha",
             "fringe_open_ha", "captured_open_ha", "openness_sum", "builtup_cells_extent")


def _aggregates(weights, pop, share, atlas, cell_ha) -> list[dict[str, float]]:
    """Coverage-weighted zone aggregates of one epoch (the inputs contract of the registry)."""
    from .indicators import atlas as A

    ext = atlas.extent
    bu_ext = atlas.builtup & ext
    cls = atlas.classes
    pop0 = np.nan_to_num(pop, nan=0.0)
    open_b = np.where(bu_ext, 1.0 - np.nan_to_num(atlas.b, nan=0.0), 0.0)
    share0 = np.nan_to_num(share, nan=0.0)
    if weights.is_whole:
        # the whole study area: plain sums, no weights to apply
        counts = np.bincount(cls.ravel(), minlength=8).astype(np.float64)
        row = [pop0.sum(), pop0[ext].sum(), share0.sum() * cell_ha,
               np.count_nonzero(bu_ext) * cell_ha, np.count_nonzero(ext) * cell_ha,
               counts[A.URBAN] * cell_ha, counts[A.SUBURBAN] * cell_ha, counts[A.RURAL] * cell_ha,
               counts[A.FRINGE] * cell_ha, counts[A.CAPTURED] * cell_ha, open_b.sum(),
               float(np.count_nonzero(bu_ext))]
        return [dict(zip(_AGG_KEYS, map(float, row)))]
    layers = np.stack([
        pop0.ravel(), (pop0 * ext).ravel(), share0.ravel() * cell_ha,
        bu_ext.ravel() * cell_ha, ext.ravel() * cell_ha,
        (cls == A.URBAN).ravel() * cell_ha, (cls == A.SUBURBAN).ravel() * cell_ha,
        (cls == A.RURAL).ravel() * cell_ha, (cls == A.FRINGE).ravel() * cell_ha,
        (cls == A.CAPTURED).ravel() * cell_ha, open_b.ravel(), bu_ext.ravel().astype(np.float64),
    ], axis=1)
    sums = weights.sum_many(layers)
    return [dict(zip(_AGG_KEYS, map(float, row))) for row in sums]


def compute_city(city: City, params: dict[str, Any], inputs: dict[str, str], out_dir: str,
                 run_id: str, districts: str | None = None) -> CityResult:
    """Read a city's layers, classify, measure and write its rasters; return plain data.

    Pure with respect to the store: nothing is written to it here (the caller does that).
    """
    import shapely
    from pyproj import Transformer
    from rasterio import features

    from .indicators import atlas as A
    from .indicators import evaluate
    from .indicators.registry import REGISTRY
    from .io.raster import read_layer, write_cog
    from .io.vector import read_zones
    from .zonal import CoverageWeights, coverage_weights, whole_grid_weights

    t0 = time.perf_counter()
    epochs = list(params["epochs"])
    grid = for_city(city, epochs=epochs, **params["grid"])
    rdir = Path(out_dir) / "rasters" / city.city_id
    prov: list[dict[str, Any]] = []
    notes: list[str] = []

    # zones: the whole study area, and the districts when given
    wts = whole_grid_weights(grid.shape)
    zone_rows: list[dict[str, Any]] = []
    zone_ids = ["city"]
    if districts:
        z = read_zones(districts, grid, params.get("district_name_field"))
        dw = coverage_weights(grid, z.frame, z.ids)
        import scipy.sparse as sp

        wts = CoverageWeights.build(("city",) + dw.zone_ids, grid.shape,
                                    sp.vstack([wts.matrix, dw.matrix]).tocsr())
        zone_ids += list(dw.zone_ids)
        to_wgs = z.frame.to_crs(4326)
        for (_, r), g in zip(z.frame.iterrows(), to_wgs.geometry):
            zone_rows.append(dict(zone_id=r["zone_id"], name_en=r["name_en"], name_ru=r["name_ru"],
                                  area_km2=float(r.geometry.area / 1e6),
                                  source=f"{Path(districts).name} sha256:{z.sha256[:12]}",
                                  note="; ".join(z.notes), wkb=shapely.to_wkb(g)))
        prov.append(dict(path=z.path, sha256=z.sha256, product="districts", version="",
                         epoch=None, role="districts", synthetic=False, notes=z.notes,
                         city_id=city.city_id))

    fp = params["form"]
    cell_ha = grid.cell_area_ha
    per_epoch: dict[int, dict[str, Any]] = {}
    synthetic = False
    to_wgs84 = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    extents = []
    rows: list[dict[str, Any]] = []
    tags_common = {"city_id": city.city_id, "run_id": run_id, "carlcities": __version__}

    def add_rows(values, zone_id, epoch, epoch_start, source, syn):
        for iid, v in values.items():
            ind = REGISTRY[iid]
            rows.append(dict(run_id=run_id, city_id=city.city_id, zone_id=zone_id,
                             indicator_id=iid, epoch=epoch, epoch_start=epoch_start,
                             scenario=SCENARIO, value=v.value, unit=ind.unit, source=source,
                             method_version=ind.method_version, synthetic=syn, flag=v.flag))

    for e in epochs:
        bu = read_layer(inputs[f"builtup_{e}"], grid, role="builtup")
        pop = read_layer(inputs[f"population_{e}"], grid, role="population")
        for lay in (bu, pop):
            prov.append(dict(lay.provenance(), city_id=city.city_id))
        syn = bu.synthetic or pop.synthetic
        synthetic |= syn
        source = (f"{bu.info.product} {bu.info.version}; {pop.info.product} {pop.info.version}"
                  + ("; synthetic demo data" if syn else ""))
        at = A.classify(bu.data, grid.res, threshold=fp["builtup_threshold"],
                        walk_radius_m=fp["walk_radius_m"], fringe_m=fp["fringe_m"],
                        captured_max_ha=fp["captured_max_ha"])
        aggs = _aggregates(wts, pop.data, bu.data, at, cell_ha)
        per_epoch[e] = dict(atlas=at, aggs=aggs, source=source, syn=syn, population=pop.data,
                            builtup=bu.data)
        for zi, zid in enumerate(zone_ids):
            inp: dict[str, Any] = dict(aggs[zi])
            if zid == "city":
                inp.update(extent_mask=at.extent, res_m=grid.res)
            add_rows(evaluate(inp, kind="epoch", zonal_only=zid != "city"), zid, e, None,
                     source, syn)
        # rasters on the city grid (COG)
        tags = dict(tags_common, epoch=e, synthetic=str(syn).lower(), source=source)
        write_cog(rdir / f"builtup_{e}.tif", bu.data.astype("float32"), grid, nodata=float("nan"),
                  tags=dict(tags, unit="share of cell"), description="built-up surface share")
        write_cog(rdir / f"population_{e}.tif", pop.data.astype("float32"), grid,
                  nodata=float("nan"), tags=dict(tags, unit="persons per cell"),
                  description="population")
        write_cog(rdir / f"atlas_class_{e}.tif", at.classes.astype("uint8"), grid, nodata=0,
                  tags=dict(tags, classes="1 urban, 2 suburban, 3 rural built-up, 4 fringe, "
                                          "5 captured, 6 rural open, 7 water"),
                  description="Atlas of Urban Expansion classes")
        # urban extent polygon (WGS 84)
        polys = [shapely.geometry.shape(g) for g, v in features.shapes(
            at.extent.astype("uint8"), mask=at.extent, transform=grid.transform) if v == 1]
        if polys:
            geom = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
            area_km2 = float(at.extent.sum() * grid.cell_area_m2 / 1e6)
            geom = shapely.transform(geom, lambda xy: np.column_stack(
                to_wgs84.transform(xy[:, 0], xy[:, 1])))
            extents.append((e, area_km2, shapely.to_wkb(geom)))

    # every epoch pair
    for i, e1 in enumerate(epochs):
        for e2 in epochs[i + 1:]:
            a1, a2 = per_epoch[e1]["atlas"], per_epoch[e2]["atlas"]
            g = A.new_growth(a1.extent, a1.builtup, a2.extent, a2.builtup)
            if wts.is_whole:  # counts of each growth class [ha]
                gsum = (np.bincount(g.ravel(), minlength=5)[[A.INFILL, A.EXTENSION, A.LEAPFROG,
                                                           A.INCLUSION]] * cell_ha)[None, :]
            else:
                gsum = wts.sum_many(np.stack([(g == c).ravel() * cell_ha for c in
                                          (A.INFILL, A.EXTENSION, A.LEAPFROG, A.INCLUSION)],
                                         axis=1))
            syn = per_epoch[e1]["syn"] or per_epoch[e2]["syn"]
            source = per_epoch[e2]["source"]
            for zi, zid in enumerate(zone_ids):
                inp = {f"{k}_1": v for k, v in per_epoch[e1]["aggs"][zi].items()}
                inp.update({f"{k}_2": v for k, v in per_epoch[e2]["aggs"][zi].items()})
                inp.update(years=float(e2 - e1), pgr_epsilon=params["pgr_epsilon"],
                           infill_ha=float(gsum[zi, 0]), extension_ha=float(gsum[zi, 1]),
                           leapfrog_ha=float(gsum[zi, 2]), inclusion_ha=float(gsum[zi, 3]))
                add_rows(evaluate(inp, kind="pair", zonal_only=zid != "city"), zid, e2, e1,
                         source, syn)
            if epochs.index(e2) == i + 1:
                write_cog(rdir / f"growth_{e1}_{e2}.tif", g.astype("uint8"), grid, nodata=None,
                          tags=dict(tags_common, synthetic=str(syn).lower(),
                                    classes="1 infill, 2 extension, 3 leapfrog, 4 inclusion"),
                          description=f"new growth {e1}-{e2}")

    extra: list[tuple[str, Any]] = []

    def merge_engine(res, writer: str | None = None) -> None:
        """Fold a theme engine's result (rows, provenance, rasters) into the city's."""
        for r in res.rows:
            rows.append(dict(r, run_id=run_id, city_id=city.city_id,
                             scenario=r.get("scenario") or SCENARIO))
        for p in res.provenance:  # input files; anything else is a note on a method step
            if isinstance(p, dict) and "sha256" in p and "path" in p:
                prov.append(dict(p, city_id=city.city_id))
            else:
                notes.append(json.dumps(p, default=str, ensure_ascii=False)
                             if isinstance(p, dict) else str(p))
        for name, (arr, unit, desc) in getattr(res, "rasters", {}).items():
            write_cog(rdir / f"{name}.tif", np.asarray(arr, dtype="float32"), grid,
                      nodata=float("nan"), tags=dict(tags_common, unit=unit,
                                                     synthetic=str(synthetic).lower()),
                      description=desc)
        if writer is not None:
            extra.append((writer, res))

    epochs_data = {e: dict(population=per_epoch[e]["population"], builtup=per_epoch[e]["builtup"],
                           atlas=per_epoch[e]["atlas"], source=per_epoch[e]["source"])
                   for e in epochs}
    shared: dict[str, Any] = {"raster_dir": rdir}  # what one engine hands to a later one
    for engine in params.get("engines", ()):
        merge_engine(*_run_engine(engine, city, grid, inputs, epochs_data, wts, zone_ids, rows,
                                  dict(params, synthetic=synthetic, _shared=shared)))

    if "dem" in inputs:
        dem = read_layer(inputs["dem"], grid, role="dem")
        prov.append(dict(dem.provenance(), city_id=city.city_id))
        write_cog(rdir / "dem.tif", dem.data.astype("float32"), grid, nodata=float("nan"),
                  tags=dict(tags_common, synthetic=str(dem.synthetic).lower(), unit="m"),
                  description="elevation [m]")
    return CityResult(city, grid, rows, extents, zone_rows, prov, synthetic,
                      time.perf_counter() - t0, notes, extra)


def _run_engine(name: str, city, grid, inputs, epochs_data, weights, zone_ids, rows, params):
    """Run one theme engine on a city; returns (result, store writer or None).

    Engines are added here as the themes land (environment, mobility, carbon, ...); each takes
    the layers already on the grid and returns rows, provenance and rasters.
    """
    if name == "environment":
        from .indicators.environment import compute_environment
        from .io.environment import ENV_ROLES

        if not any(k.rpartition("_")[0] in ENV_ROLES for k in inputs):
            return _NoResult(), None
        res = compute_environment(grid, inputs, epochs_data, weights, zone_ids,
                                  params.get("environment", {}))
        return res, None
    if name == "carbon":
        from .carbon import compute_city_carbon

        epochs = sorted(epochs_data)
        last = epochs[-1]
        form_values = {r["indicator_id"]: r["value"] for r in rows
                       if r["zone_id"] == "city" and r["epoch"] == last and r["value"] is not None
                       and r["epoch_start"] in (None, epochs[0])}
        res = compute_city_carbon(city, grid, epochs_data, form_values,
                                  dict(params.get("carbon", {}), synthetic=params["synthetic"]),
                                  user_activity=params.get("activity", {}).get(city.city_id))
        params["_shared"]["carbon"] = res
        return res, "carlcities.carbon.store.write_city"
    if name == "risk":
        from .risk.run import compute_city_risk

        res = compute_city_risk(city, grid, inputs, epochs_data, weights, zone_ids,
                                dict(params.get("risk", {}), synthetic=params["synthetic"]))
        params["_shared"]["risk"] = res
        return res, "carlcities.risk.store.write_city"
    if name == "scenarios":
        from .scenarios.run import compute_city_scenarios

        return compute_city_scenarios(city, grid, inputs, epochs_data, rows, params), None
    if name == "mobility":
        if not inputs.get("osm"):
            return _NoResult(), None
        from .indicators.mobility import compute_mobility

        mp = dict(params.get("mobility", {}), gtfs=params.get("gtfs", {}).get(city.city_id))
        return compute_mobility(city, grid, inputs.get("osm"), epochs_data, weights, zone_ids,
                                mp), None
    raise KeyError(f"unknown engine {name!r}")


class _NoResult:
    rows: list = []
    provenance: list = []
    rasters: dict = {}


# --------------------------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------------------------
def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


class _Progress:
    """rich progress bars when asked for, silence otherwise."""

    def __init__(self, show: bool):
        self.show = show
        self._p = None

    @contextmanager
    def bars(self) -> Iterator[_Progress]:
        if not self.show:
            yield self
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=False) as p:
            self._p = p
            yield self
        self._p = None

    def task(self, description: str, total: int):
        return self._p.add_task(description, total=total) if self._p else None

    def advance(self, task, description: str | None = None) -> None:
        if self._p is not None and task is not None:
            self._p.update(task, advance=1, **({"description": description} if description else {}))


def run_study(config: StudyConfig | str | Path | None = None, out: str | Path = "out", *,
              cities: list[str] | None = None, workers: int | None = None,
              progress: bool = False, report: bool = True) -> RunSummary:
    """Run the study: every selected city through the pipeline into ``out``.

    Resumes an interrupted run with the same configuration; refuses an output directory that
    holds another study's store before touching anything.
    """
    cfg = config if isinstance(config, StudyConfig) else load_config(config)
    out = Path(out)
    Store.check_owner(out, cfg.study.name)
    catalog = load_catalog()
    selected = catalog.select(cities or cfg.cities)
    for cid in cfg.data.districts:
        catalog.get(cid)
    ids = [c.city_id for c in selected]
    workers = workers or cfg.run.workers
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    import hashlib

    run_key = hashlib.sha256((cfg.sha256() + ",".join(ids)).encode()).hexdigest()
    manifest_path = out / "manifest.json"
    store = Store(out / STORE_FILE, study=cfg.study.name)
    try:
        run_id = store.resumable_run(run_key)
        resumed = run_id is not None
        done = store.done_cities(run_id) if resumed else set()
        old_inputs: list[dict[str, Any]] = []
        if resumed and manifest_path.exists():
            try:
                old = json.loads(manifest_path.read_text(encoding="utf-8"))
                if old.get("run_id") == run_id:
                    old_inputs = [i for i in old.get("inputs", []) if i.get("city_id") in done]
                    timings.update({k: v for k, v in old.get("timings", {}).items()})
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
            cities=ids, inputs=list(old_inputs), software=software, timings=timings,
            city_seconds={})
        _write_json_atomic(manifest_path, manifest)
        todo = [c for c in selected if c.city_id not in done]
        prog = _Progress(progress)
        with prog.bars():
            # stage 1: inputs
            t = time.perf_counter()
            demo: dict[str, Any] | None = None
            if cfg.data.source == "demo":
                demo_dir = resolve_path(cfg, cfg.data.demo_dir) if cfg.data.demo_dir else \
                    out / "demo"
                extras = tuple(x for x, eng in (("environment", "environment"),
                                                ("osm", "mobility"), ("hazards", "risk"))
                               if eng in cfg.run.engines)
                demo = dict(dir=str(demo_dir), epochs=tuple(cfg.epochs), grid=_grid_kw(cfg),
                            extras=extras)
                inputs: dict[str, dict[str, str] | None] = {c.city_id: None for c in todo}
            else:  # real files: check every path before heavy work starts
                inputs = {c.city_id: city_inputs(cfg, c, None) for c in todo}
            timings["inputs"] = round(time.perf_counter() - t, 3)
            # stage 2: cities
            t = time.perf_counter()
            params = dict(epochs=list(cfg.epochs), grid=_grid_kw(cfg),
                          form=dict(builtup_threshold=cfg.form.builtup_threshold,
                                    walk_radius_m=cfg.form.walk_radius_m,
                                    fringe_m=cfg.form.fringe_m,
                                    captured_max_ha=cfg.form.captured_max_ha),
                          pgr_epsilon=cfg.growth.pgr_epsilon,
                          district_name_field=cfg.data.district_name_field,
                          engines=tuple(cfg.run.engines),
                          carbon=dict(gwp=cfg.carbon.gwp, base_year=cfg.carbon.base_year,
                                      discount_rate=cfg.carbon.discount_rate,
                                      chp_allocation=cfg.carbon.chp_allocation),
                          activity={cid: str(resolve_path(cfg, p))
                                    for cid, p in cfg.data.activity.items()},
                          mobility=dict(walk_speed_kmh=cfg.mobility.walk_speed_kmh,
                                        snap_max_m=cfg.mobility.snap_max_m,
                                        consolidate_m=cfg.mobility.consolidate_m,
                                        thresholds_m=list(cfg.mobility.thresholds_m),
                                        green_min_ha=cfg.mobility.green_min_ha),
                          gtfs={k: str(resolve_path(cfg, v)) for k, v in cfg.data.gtfs.items()},
                          risk=_risk_params(cfg),
                          scenarios=dict(
                              names=list(cfg.scenarios.names), dirs=[
                                  str(resolve_path(cfg, d)) for d in cfg.scenarios.dirs],
                              epochs=list(cfg.scenarios.epochs), seed=cfg.scenarios.seed,
                              overrides=str(resolve_path(cfg, cfg.data.population_overrides))
                              if cfg.data.population_overrides else None),
                          environment=dict(
                              green_min_ha=cfg.environment.green_min_ha,
                              green_access_m=cfg.environment.green_access_m,
                              rural_ring_inner_km=cfg.environment.rural_ring_inner_km,
                              rural_ring_outer_km=cfg.environment.rural_ring_outer_km,
                              lst_thresholds_c=list(cfg.environment.lst_thresholds_c),
                              lst_min_coverage=cfg.environment.lst_min_coverage,
                              centre_radius_km=cfg.economy.centre_radius_km))
            districts = {cid: str(resolve_path(cfg, p)) for cid, p in cfg.data.districts.items()}
            task = prog.task("cities" + (" (synthetic demo data)" if demo else ""), len(todo))
            for res in _execute(todo, params, inputs, str(out), run_id, districts, workers,
                                cfg.run.scheduler, demo):
                store.write_city(run_id, res)
                manifest["inputs"].extend(res.inputs)
                manifest["city_seconds"][res.city.city_id] = round(res.seconds, 3)
                if res.notes:
                    manifest.setdefault("city_notes", {})[res.city.city_id] = res.notes
                _write_json_atomic(manifest_path, manifest)
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
        _mark(store, manifest_path, locals().get("run_id"), "interrupted")
        raise
    except BaseException:
        _mark(store, manifest_path, locals().get("run_id"), "failed")
        raise
    finally:
        store.close()
    # stage 5: reports (read the store only)
    if report:
        t = time.perf_counter()
        from .report import build_report

        build_report(out)
        timings["report"] = round(time.perf_counter() - t, 3)
    timings["total"] = round(time.perf_counter() - t_all, 3)
    manifest.update(status="complete", finished=dt.datetime.now(dt.UTC).isoformat(),
                    timings=timings)
    _write_json_atomic(manifest_path, manifest)
    return RunSummary(run_id, out, ids, resumed, sorted(done), timings, "complete")


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
            _write_json_atomic(manifest_path, m)
    except (OSError, ValueError):
        pass


def city_task(city: City, params, inputs: dict[str, str] | None, out_dir: str, run_id: str,
              districts: str | None, demo: dict[str, Any] | None) -> CityResult:
    """One city, start to finish on a worker: demo layers (cached) when asked, then compute."""
    if inputs is None:
        from .demo import generate

        t = time.perf_counter()
        paths = generate(demo["dir"], [city], epochs=demo["epochs"],
                         extras=demo.get("extras", ("environment", "osm")), **demo["grid"])
        inputs = {k: str(v) for k, v in paths[city.city_id].items()}
        demo_s = time.perf_counter() - t
    else:
        demo_s = 0.0
    res = compute_city(city, params, inputs, out_dir, run_id, districts)
    res.seconds += demo_s
    return res


def _execute(todo: list[City], params, inputs, out_dir, run_id, districts, workers: int,
             scheduler: str | None, demo: dict[str, Any] | None = None) -> Iterator[CityResult]:
    """Yield city results as they finish: in-process, on local Dask workers or a cluster."""
    if not todo:
        return
    if scheduler is None and (workers <= 1 or len(todo) == 1):
        for c in todo:
            yield city_task(c, params, inputs[c.city_id], out_dir, run_id,
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
        order = sorted(todo, key=lambda c: -c.population)
        futures = [client.submit(city_task, c, params, inputs[c.city_id], out_dir, run_id,
                                 districts.get(c.city_id), demo, pure=False,
                                 key=f"city-{c.city_id}-{run_id}") for c in order]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
