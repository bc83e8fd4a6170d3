"""The check before a run: open and validate every input the run will read, and report every
problem at once, before any city starts and before anything is written.

Each file is read with the reader its engine uses (so the check and the run cannot disagree):
rasters through :func:`carlcities.io.raster.read_layer` (built-up, population: CRS, nodata,
coverage of the city, values) or :func:`~carlcities.io.raster.read_window` (every other raster:
CRS, coverage, the blocks over the city read); districts through
:func:`carlcities.io.vector.read_zones` (CRS, validity, overlap); OSM extracts by their PBF
header; GTFS feeds, scorecards, surveys, workbooks, activity data, population overrides,
earthquake catalogues, vulnerability models and taxonomy mappings by their readers. A reader
that fails with anything but a :class:`~carlcities.errors.CarlError` is reported as an
unreadable file, never as a traceback. ``carlcities check`` runs it alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .catalog import Catalog, City
from .config import StudyConfig, resolve_path
from .errors import CarlError, InputFileError, OSMError, PreflightError, ScorecardError

__all__ = ["CheckReport", "check_inputs", "preflight"]

_RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc")


@dataclass
class CheckReport:
    problems: list[CarlError] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    #: city id -> role -> path, for ``data.source: files`` (None for the demo)
    city_files: dict[str, dict[str, str]] | None = None
    seconds: float = 0.0


def _try(rep: CheckReport, path: str | Path, fn: Callable[[], Any], fix: str) -> Any:
    """Run one reader; its CarlError, or any other failure as an InputFileError, is kept."""
    rep.checked.append(str(path))
    try:
        return fn()
    except CarlError as exc:
        problems = getattr(exc, "problems", None)
        if isinstance(exc, PreflightError) and problems:
            rep.problems.extend(problems)
        else:
            rep.problems.append(exc)
    except Exception as exc:  # noqa: BLE001 - a reader's crash becomes a clean error
        rep.problems.append(InputFileError(
            f"cannot be read ({type(exc).__name__}: {exc})", path=path, fix=fix))
    return None


def _check_pbf(path: Path) -> None:
    if not path.is_file():
        raise OSMError("OSM file not found", path=path, fix="check data.osm in the config")
    with path.open("rb") as f:
        head = f.read(64)
    # a PBF starts with a 4-byte big-endian header length, then a BlobHeader of type OSMHeader
    if not path.name.lower().endswith(".pbf") or len(head) < 16 or head[4] != 0x0A \
            or b"OSMHeader" not in head:
        raise OSMError("not an OSM PBF file (bad header)", path=path,
                       fix="give an .osm.pbf extract (e.g. from Geofabrik); convert XML with "
                           "`osmium cat FILE -o FILE.osm.pbf`")


def _check_netcdf(path: Path) -> None:
    import xarray as xr

    with xr.open_dataset(path) as ds:
        if not ds.data_vars:
            raise InputFileError("the NetCDF file holds no variables", path=path,
                                 fix="give the daily maximum temperature file")


def _city_rasters(rep: CheckReport, cfg: StudyConfig, city: City) -> dict[str, str] | None:
    from .grid import for_city, grid_kw
    from .inputs import city_inputs
    from .io.raster import read_layer, read_window

    files = _try(rep, f"data.* of {city.city_id}", partial(city_inputs, cfg, city, None),
                 "check the data.* path patterns in the config")
    if files is None:
        return None
    grid = for_city(city, epochs=list(cfg.epochs), **grid_kw(cfg))
    for role, path in sorted(files.items()):
        kind = role.split("_")[0]
        p = Path(path)
        if role == "osm":
            _try(rep, p, partial(_check_pbf, p), "download the extract again")
        elif kind in ("builtup", "population"):
            _try(rep, p, partial(read_layer, p, grid, kind),
                 "the file is corrupt or truncated: download it again")
        elif p.suffix.lower() in _RASTER_SUFFIXES:
            _try(rep, p, partial(read_window, p, grid),
                 "the file is corrupt or truncated: download it again")
        elif p.suffix.lower() in (".nc", ".nc4"):
            _try(rep, p, partial(_check_netcdf, p), "give a NetCDF-4 file")
    return files


def check_inputs(cfg: StudyConfig, cities: list[City], catalog: Catalog) -> CheckReport:
    """Check every input of a run of ``cities``; every problem is collected."""
    t0 = time.perf_counter()
    rep = CheckReport()
    d = cfg.data
    if d.source == "files":
        rep.city_files = {}
        for c in cities:
            files = _city_rasters(rep, cfg, c)
            if files is not None:
                rep.city_files[c.city_id] = files
    ids = {c.city_id for c in cities}
    # districts: CRS, validity, overlap with the city
    if d.districts:
        from .grid import for_city, grid_kw
        from .io.vector import read_zones

        for key, f in d.districts.items():
            city = _try(rep, f"data.districts.{key}", partial(catalog.get, key),
                        "use a city id from `carlcities cities`")
            if city is None or city.city_id not in ids:
                continue
            grid = for_city(city, epochs=list(cfg.epochs), **grid_kw(cfg))
            p = resolve_path(cfg, f)
            _try(rep, p, partial(read_zones, p, grid, d.district_name_field),
                 "give a GeoPackage, GeoJSON or Shapefile of district polygons with a CRS")
    # per-city tables: GTFS and activity data
    if d.gtfs:
        from .io.gtfs import read_gtfs_stop_headways

        for key, f in d.gtfs.items():
            if key in ids:
                p = resolve_path(cfg, f)
                _try(rep, p, partial(read_gtfs_stop_headways, p),
                     "give a GTFS .zip or folder (stops.txt, stop_times.txt)")
    if d.activity:
        from .carbon.activity import read_user_activity

        for key, f in d.activity.items():
            if key in ids:
                p = resolve_path(cfg, f)
                _try(rep, p, partial(read_user_activity, p),
                     "see docs/carbon.md for the activity file's columns")
    if d.population_overrides:
        from .scenarios.projection import load_overrides

        p = resolve_path(cfg, d.population_overrides)
        _try(rep, p, partial(load_overrides, p), "a CSV with city_id, year, population")
    # risk inputs read once for every city
    if d.earthquake_catalogue:
        from .risk.seismicity.catalogue import read_catalogue

        p = resolve_path(cfg, d.earthquake_catalogue)
        _try(rep, p, partial(read_catalogue, p), "give a NOAA NCEI or ISC-GEM catalogue CSV")
    for cat, f in d.vulnerability.items():
        from .risk.vulnerability.nrml import read_vulnerability_model

        p = resolve_path(cfg, f)
        _try(rep, p, partial(read_vulnerability_model, p),
             f"give an NRML vulnerability model for data.vulnerability.{cat}")
    if d.taxonomy_mapping:
        from .risk.vulnerability.taxonomy import read_taxonomy_mapping

        p = resolve_path(cfg, d.taxonomy_mapping)
        _try(rep, p, partial(read_taxonomy_mapping, p), "a CSV of taxonomy, conversion, weight")
    # the qualitative inputs: scorecards (YAML, CSV, workbooks) and surveys, configured one by
    # one or in the portal's export directories
    from .scorecard.run import answers_city, scorecard_files

    if d.scorecards_dir or d.surveys_dir:
        found = _try(rep, "data.scorecards_dir / data.surveys_dir",
                     partial(scorecard_files, cfg), "give existing directories")
    else:
        found = scorecard_files(cfg)
    cards, surveys = found or ([], [])
    if cards:
        from .scorecard.io import read_answers

        for key, p in cards:
            city = None if key is None else _try(
                rep, f"data.scorecards.{key}", partial(catalog.get, key),
                "use a city id from `carlcities cities`")
            a = _try(rep, p, partial(read_answers, p),
                     "fix the answers file, or start again from `carlcities scorecard template`")
            if a is not None and key is None:
                _try(rep, p, partial(answers_city, catalog, a, p),
                     "write a city id from `carlcities cities` in the file")
            elif a is not None and city is not None and a.city_id and \
                    a.city_id != city.city_id:
                rep.problems.append(ScorecardError(
                    f"the file answers for city {a.city_id!r}, but data.scorecards lists it "
                    f"under {city.city_id!r}", path=p,
                    fix="correct city_id in the file or the key in the config"))
    if surveys:
        from .scorecard.survey import read_surveys

        for p in surveys:
            _try(rep, p, partial(read_surveys, [p]),
                 "a survey CSV or Excel file (docs/scorecard.md, 'Surveys')")
    rep.seconds = time.perf_counter() - t0
    return rep


def preflight(cfg: StudyConfig, cities: list[City], catalog: Catalog
              ) -> dict[str, dict[str, str]] | None:
    """Check every input; raise :class:`PreflightError` listing every problem, else return
    the input files of each city (None for the demo, whose inputs are made per city)."""
    rep = check_inputs(cfg, cities, catalog)
    if rep.problems:
        if len(rep.problems) == 1:
            raise rep.problems[0]
        raise PreflightError(rep.problems)
    return rep.city_files
