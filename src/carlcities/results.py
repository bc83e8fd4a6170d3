"""Reading a study's results in Python: one read-only API over ``OUT/study.duckdb``.

A run writes everything it computes into one DuckDB file, ``OUT/study.duckdb``, and the maps
into ``OUT/rasters/CITY/NAME.tif``. This module is the one way to read them back: the HTML
report and the appraisal read through it, and so can a notebook::

    from carlcities.results import open_study

    with open_study("out") as study:
        print(study.cities()[["city_id", "name_en", "population"]])
        density = study.values("form.builtup_density")       # tidy pandas DataFrame
        profile = study.city_profile("osh")                   # with regional median, rank
        built = study.raster("osh", "builtup_2020")           # xarray.DataArray, x/y in metres
        extents = study.extents()                             # GeoDataFrame, WGS 84

What "latest" means
-------------------
A study is the union of its cities' latest results: running a few cities again replaces
their results and keeps the others. Every city-level table carries ``run_id``; with
``latest=True`` (the default) each city's rows come from the latest run that finished that
city (table ``run_cities``, view ``latest_city_runs``; :meth:`Study.latest_runs`). A store
written without that bookkeeping falls back to the latest complete run.

The appraisal tables (``options``, ``appraisal``, ``rank_acceptability``,
``central_weights``, ``portfolio``, ``benchmark``, ``typology``, ``recommendations``) are
study-level: one appraisal compares every city, so they all come from the latest complete
run that appraised (:meth:`Study.appraisal_run_id`).

The scorecard tables (``scorecard_*``) hold every assessment ever loaded (one per date and
level) and are not tied to runs.

Tables that a store does not have (written before a stage existed, or with the stage
switched off) read as empty DataFrames, so code written against a full study also runs on a
partial one. A name that is no table at all raises :class:`~carlcities.errors.StoreError`.

Types: DataFrames come from DuckDB as they are stored (integer columns with missing values
as pandas ``Int32``/``Int64``, timestamps as ``datetime64``); :func:`records` turns one into
plain Python rows (``None`` for missing values) for templates and JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InputFileError, OutputDirError, StoreError, UnknownCityError
from .store import STORE_FILE, connect

if TYPE_CHECKING:
    import duckdb
    import geopandas as gpd
    import xarray as xr

__all__ = ["APPRAISAL_TABLES", "Study", "open_study", "records"]

#: study-level tables of the appraisal: read from one run, :meth:`Study.appraisal_run_id`
APPRAISAL_TABLES = ("options", "appraisal", "rank_acceptability", "central_weights",
                    "portfolio", "benchmark", "typology", "recommendations")
#: columns holding JSON text, parsed into Python objects by the typed readers
_JSON_COLUMNS = {"recommendations": ("options", "evidence"), "typology": ("separating",)}

Where = list[tuple[str, list[Any]]]


def open_study(out_dir: str | Path) -> Study:
    """Open the results of a study read-only: ``out_dir`` is the directory given to
    ``carlcities run --out`` (or the ``study.duckdb`` file itself).

    Use it as a context manager (``with open_study(out) as study:``) or call
    :meth:`Study.close`. Raises :class:`~carlcities.errors.OutputDirError` when there is no
    store, :class:`~carlcities.errors.StoreError` when it cannot be opened.
    """
    path = Path(out_dir)
    if path.is_file() and path.suffix == ".duckdb":
        path = path.parent
    db = path / STORE_FILE
    if not db.is_file():
        raise OutputDirError(f"no results store ({STORE_FILE}) in this directory", path=path,
                             fix="pass the directory given to `carlcities run --out DIR`, or "
                                 "run `carlcities run --out DIR` first")
    return Study(connect(db, read_only=True), path, owns=True)


def records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain Python dicts: ``None`` for missing values (NULL, NaN,
    NaT, NA), Python ``int``/``float``/``bool``/``datetime`` for NumPy and pandas scalars.
    ``columns``: exactly these keys, in this order (``None`` for a column the frame lacks,
    e.g. one added to a table after an older store was written). Converted column by column
    (numbers and booleans in bulk), then zipped into rows: a fraction of the per-cell cost."""
    cols = [str(c) for c in frame.columns]
    data = {c: (col.to_numpy(dtype=object, na_value=None).tolist()
                if getattr(col.dtype, "kind", "O") in "fiub"
                else [v if type(v) is str else _plain(v) for v in col.tolist()])
            for c, col in zip(cols, (frame.iloc[:, i] for i in range(len(cols))), strict=True)}
    keys, none = (cols if columns is None else list(columns)), [None] * len(frame)
    return [dict(zip(keys, r, strict=True)) for r in zip(*[data.get(k, none) for k in keys],
                                                        strict=True)] if keys else \
        [{} for _ in range(len(frame))]


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _like(pattern: str) -> str:
    """A ``*`` glob as a SQL LIKE pattern (``risk.*`` -> ``risk.%``)."""
    return pattern.replace("%", r"\%").replace("_", r"\_").replace("*", "%")


def _match(column: str, wanted: str | Sequence[str] | None) -> Where:
    """WHERE terms for a column equal to a value, one of values, or a ``*`` glob."""
    if wanted is None:
        return []
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    if not items:
        return [("FALSE", [])]
    terms, params = [], []
    for w in items:
        if "*" in str(w):
            terms.append(f"{column} LIKE ? ESCAPE '\\'")
            params.append(_like(str(w)))
        else:
            terms.append(f"{column} = ?")
            params.append(w)
    return [("(" + " OR ".join(terms) + ")", params)]


class Study:
    """The results of one study (read-only): tables as pandas DataFrames, geometries as
    GeoDataFrames, rasters as xarray DataArrays.

    Open it with :func:`open_study`, or wrap a connection already held with
    :meth:`from_connection`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, out_dir: str | Path | None = None, *,
                 owns: bool = False):
        self.con = con
        self._out_dir = Path(out_dir) if out_dir is not None else None
        self._owns = owns

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection,
                        out_dir: str | Path | None = None) -> Study:
        """A Study over a connection the caller holds (read-only or writable, e.g. the one a
        run writes with). The Study only reads through it and never closes it."""
        return cls(con, out_dir, owns=False)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the store (only if :func:`open_study` opened it)."""
        if self._owns:
            self.con.close()
            self._owns = False

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def out_dir(self) -> Path:
        """The output directory (where ``study.duckdb``, ``rasters/`` and ``manifest.json``
        are)."""
        if self._out_dir is None:
            row = self.con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                                   "current_database()").fetchone()
            if not row or not row[0]:
                raise StoreError("this store is in memory: it has no output directory",
                                 fix="pass out_dir to Study.from_connection(con, out_dir)")
            self._out_dir = Path(row[0]).parent
        return self._out_dir

    # -- what the store has ----------------------------------------------------------------
    def tables(self) -> list[str]:
        """Every table and view of the store, sorted."""
        rows = self.con.execute("SELECT DISTINCT table_name FROM information_schema.tables "
                                "WHERE table_schema = 'main' ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[str]:
        """Columns of a table or view in their order; ``[]`` when the store lacks it."""
        return [c for c, _t in self._column_types(table)]

    def _column_types(self, table: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall()]

    def meta(self) -> dict[str, str]:
        """Study metadata (``study_meta``): name, titles, schema version."""
        return {r["key"]: r["value"] for r in records(self._frame("study_meta", latest=False))}

    def manifest(self) -> dict[str, Any]:
        """``OUT/manifest.json`` of the last run (config, inputs with checksums, timings,
        ``city_notes``); ``{}`` when the directory has none."""
        path = self.out_dir / "manifest.json"
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(f"the run manifest cannot be read: {exc}", path=path,
                                 fix="run the study again to rewrite it") from exc

    # -- runs ------------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        """Every run of the study (``runs``), oldest first."""
        return self._frame("runs", latest=False, order="started NULLS FIRST, run_id")

    def latest_runs(self) -> pd.DataFrame:
        """Per city, the latest run that finished it: ``city_id, run_id, finished``.

        This is the one "latest run per city" query of carlcities (view
        ``latest_city_runs``). Stores without per-city bookkeeping (``run_cities`` empty)
        fall back to the latest complete run (else the latest run, else the last run id that
        wrote values) for every city that has values in it.
        """
        n_city_runs = 0
        if "latest_city_runs" in self.tables():
            row = self.con.execute("SELECT count(*) FROM run_cities").fetchone()
            n_city_runs = row[0] if row else 0
        if n_city_runs:
            return self.con.execute("SELECT city_id, run_id, finished FROM latest_city_runs "
                                    "ORDER BY city_id").df()
        run = self._fallback_run()
        if run is None or not self.columns("indicator_values"):
            return pd.DataFrame({"city_id": pd.Series([], dtype=object),
                                 "run_id": pd.Series([], dtype=object),
                                 "finished": pd.Series([], dtype="datetime64[us]")})
        finished = None
        if self.columns("runs"):
            row = self.con.execute("SELECT finished FROM runs WHERE run_id = ?",
                                   [run]).fetchone()
            finished = row[0] if row else None
        return self.con.execute(
            "SELECT DISTINCT city_id, run_id, ?::TIMESTAMP AS finished FROM indicator_values "
            "WHERE run_id = ? ORDER BY city_id", [finished, run]).df()

    def _fallback_run(self) -> str | None:
        runs = records(self.runs()) if self.columns("runs") else []
        runs.sort(key=lambda r: (r["started"] is not None, r["started"] or dt.datetime.min,
                                 r["finished"] or dt.datetime.min, r["run_id"] or ""),
                  reverse=True)
        complete = [r for r in runs if (r["status"] or "").lower() == "complete"]
        if complete or runs:
            return (complete or runs)[0]["run_id"]
        if self.columns("indicator_values"):
            row = self.con.execute("SELECT max(run_id) FROM indicator_values").fetchone()
            return row[0] if row else None
        return None

    def appraisal_run_id(self) -> str | None:
        """The run whose appraisal tables are read: the latest complete run that wrote
        ``options`` (else the largest run id in it); ``None`` when nothing was appraised."""
        if not self.columns("options"):
            return None
        row = None
        if self.columns("runs"):
            row = self.con.execute(
                "SELECT o.run_id FROM options o JOIN runs r USING (run_id) WHERE r.status = "
                "'complete' GROUP BY o.run_id ORDER BY max(r.finished) DESC LIMIT 1").fetchone()
        if row is None:
            row = self.con.execute("SELECT run_id FROM options GROUP BY run_id "
                                   "ORDER BY run_id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    # -- the core reader -------------------------------------------------------------------
    def _frame(self, table: str, *, city: str | Sequence[str] | None = None,
               latest: bool = True, where: Sequence[tuple[str, list[Any]]] = (),
               order: str | None = None,
               exclude: Sequence[str] = ()) -> pd.DataFrame:
        """Rows of ``table`` (empty frame when the store lacks it), restricted to the latest
        results when ``latest`` (see the module docstring), in ``order`` (else as stored)."""
        types = self._column_types(table)
        if not types:
            return pd.DataFrame()
        cols = [c for c, _t in types]
        sel = [f'"{c}"' if t != "GEOMETRY" else f'ST_AsWKB("{c}") AS "{c}"'
               for c, t in types if c not in exclude]
        terms: Where = list(where) + _match("city_id", city)
        pairs = None
        if latest and "run_id" in cols:
            if table in APPRAISAL_TABLES:
                terms.append(("run_id = ?", [self.appraisal_run_id()]))
            elif "city_id" in cols:
                lr = self.latest_runs()
                pairs = set(zip(lr["city_id"], lr["run_id"], strict=True))
                ids = sorted({r for _c, r in pairs})
                terms += [(f"run_id IN ({', '.join('?' * len(ids))})", ids) if ids
                          else ("FALSE", [])]
        sql = f'SELECT {", ".join(sel)} FROM "{table}"'
        params: list[Any] = []
        if terms:
            sql += " WHERE " + " AND ".join(t for t, _p in terms)
            params = [p for _t, ps in terms for p in ps]
        if order:
            sql += f" ORDER BY {order}"
        df = self.con.execute(sql, params).df()
        if pairs is not None and len(df):
            # as Python strings (iterating the Arrow-backed columns costs ~2 µs a row)
            keep = [p in pairs for p in zip(*(df[c].to_numpy(object) for c in ("city_id",
                                                                              "run_id")))]
            df = df[keep].reset_index(drop=True)
        for c, t in types:   # dates stay dates (DuckDB gives datetime64 for DATE)
            if t == "DATE" and c in df.columns:
                df[c] = pd.Series([None if pd.isna(x) else x.date() for x in df[c]],
                                  index=df.index, dtype=object)
        for c in _JSON_COLUMNS.get(table, ()):
            if c in df.columns:
                df[c] = pd.Series([json.loads(x) if isinstance(x, str) and x else []
                                   for x in df[c]], index=df.index, dtype=object)
        return df

    def table(self, name: str, city: str | Sequence[str] | None = None, *,
              latest: bool = True) -> pd.DataFrame:
        """Any table or view of the store, e.g. one a plug-in engine declares in its ``ddl``.

        ``city`` keeps those cities' rows (tables with ``city_id``); ``latest`` keeps each
        city's latest results (tables with ``run_id``, see the module docstring). Geometry
        columns come as WKB bytes; use :meth:`extents` and :meth:`districts` for
        GeoDataFrames. Raises :class:`~carlcities.errors.StoreError` for an unknown name.
        """
        if not self.columns(name):
            import difflib

            known = self.tables()
            near = difflib.get_close_matches(name, known, n=1)
            raise StoreError(f"the results store has no table {name!r}",
                             path=self._store_path(),
                             fix=(f"did you mean {near[0]!r}? " if near else "")
                             + "tables: " + ", ".join(known))
        if city is not None and "city_id" not in self.columns(name):
            raise StoreError(f"table {name!r} has no city_id column to select cities by",
                             path=self._store_path(), fix="call table(name) without city")
        return self._frame(name, city=city, latest=latest)

    def _store_path(self) -> Path | None:
        try:
            return self.out_dir / STORE_FILE
        except StoreError:
            return None

    # -- cities and indicators -------------------------------------------------------------
    def cities(self) -> pd.DataFrame:
        """The cities of the study (catalogue facts and grid), sorted by ``city_id``; the
        catalogue point is in ``lon``/``lat`` (WGS 84)."""
        return self._frame("cities", latest=False, order="city_id", exclude=("geom",))

    def indicators(self) -> pd.DataFrame:
        """Indicator definitions: theme, names, unit, method, reference, kind, higher_is."""
        return self._frame("indicators", latest=False, order="indicator_id")

    def values(self, indicator: str | Sequence[str] | None = None,
               city: str | Sequence[str] | None = None, zone: str | Sequence[str] | None = "city",
               latest: bool = True, scenario: str | Sequence[str] | None = None, *,
               run_id: str | None = None) -> pd.DataFrame:
        """Indicator values, one row per (city, zone, indicator, epoch, scenario): the columns
        of ``indicator_values`` in the order the runs wrote them.

        Parameters
        ----------
        indicator : an id (``form.builtup_density``), several, or a glob (``risk.*``).
        city : a city id or several; ``None`` for every city.
        zone : ``"city"`` (the whole study area, default), a district id, several, or
            ``None`` for every zone.
        latest : each city's values from its latest run (default); ``False`` for all runs.
        scenario : ``None`` for all, ``"observed"`` for measured values (also matching rows
            without a scenario), a growth scenario such as ``"growth:compact"``, or a glob
            (``"growth:*"``, ``"trend|*"``).
        run_id : one run's values only (overrides ``latest``).
        """
        where: Where = _match("indicator_id", indicator) + _match("zone_id", zone)
        if scenario is not None:
            items = [scenario] if isinstance(scenario, str) else list(scenario)
            where += _match("coalesce(scenario, 'observed')", items)
        if run_id is not None:
            where.append(("run_id = ?", [run_id]))
        return self._frame("indicator_values", city=city, where=where,
                           latest=latest and run_id is None)

    def city_profile(self, city_id: str, epoch: int | None = None) -> pd.DataFrame:
        """One city's observed indicators (zone ``city``, latest results) beside its peers:
        per indicator and epoch (or epoch pair), the value, the regional median and count of
        cities with a value, and the city's percentile rank among them
        (``100 · (L + T/2) / n``: L cities lower, T equal, the city included).

        ``epoch`` keeps one epoch (end epoch for pairs). Indicator names and units come along.
        """
        all_vals = self.values(scenario="observed")
        known = sorted(set(all_vals["city_id"])) if len(all_vals) else []
        if city_id not in known:
            import difflib

            near = difflib.get_close_matches(city_id, known, n=1)
            raise UnknownCityError(f"city {city_id!r} has no values in this study",
                                   path=self._store_path(),
                                   fix=(f"did you mean {near[0]!r}? " if near else "")
                                   + "cities: " + ", ".join(known))
        keys = ["indicator_id", "epoch_start", "epoch"]
        v = all_vals[["city_id", *keys, "value", "unit", "flag"]].copy()
        v["value"] = pd.to_numeric(v["value"], errors="coerce").astype(float)
        v.loc[~np.isfinite(v["value"]), "value"] = np.nan
        grp = v.groupby(keys, dropna=False)["value"]
        v["regional_median"] = grp.transform("median")
        v["n"] = grp.transform("count").astype(int)
        v["percentile_rank"] = 100 * (grp.rank(method="average") - 0.5) / v["n"]
        out = v[v["city_id"] == city_id].drop(columns="city_id")
        if epoch is not None:
            out = out[out["epoch"] == epoch]
        names = self.indicators()
        if len(names):
            out = out.merge(names[["indicator_id", "theme", "name_en", "name_ru"]],
                            on="indicator_id", how="left")
        return out.sort_values(keys, na_position="first").reset_index(drop=True)

    # -- geometries ------------------------------------------------------------------------
    def _geo(self, table: str, **kw: Any) -> gpd.GeoDataFrame:
        import geopandas as gpd
        import shapely

        df = self._frame(table, **kw)
        if df.empty and not len(df.columns):
            return gpd.GeoDataFrame({"city_id": []}, geometry=[], crs="EPSG:4326")
        geom = shapely.from_wkb([bytes(g) if isinstance(g, bytes | bytearray | memoryview)
                                 else None for g in df.pop("geom")])
        return gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")

    def extents(self, city: str | Sequence[str] | None = None, *,
                latest: bool = True) -> gpd.GeoDataFrame:
        """Urban extents per city and epoch (WGS 84), each city from its latest run."""
        return self._geo("urban_extents", city=city, latest=latest, order="city_id, epoch")

    def districts(self, city: str | Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """District (zone) boundaries (WGS 84) with their names and areas."""
        return self._geo("zones", city=city, latest=False, order="city_id, zone_id")

    # -- rasters ---------------------------------------------------------------------------
    def rasters(self, city_id: str) -> list[str]:
        """Names of the rasters written for a city (``OUT/rasters/CITY/NAME.tif``), sorted."""
        return sorted(p.stem for p in (self.out_dir / "rasters" / city_id).glob("*.tif"))

    def raster_path(self, city_id: str, name: str) -> Path:
        """The file of one of :meth:`rasters` (``NAME`` or ``NAME.tif``); a name not listed
        there (a typo, ``../x``) raises :class:`~carlcities.errors.InputFileError`."""
        stem = name[:-4] if name.endswith(".tif") else name
        have = self.rasters(city_id) if "/" not in city_id and city_id[:1] != "." else []
        if stem not in have:
            raise InputFileError(f"no raster {name!r} for city {city_id!r}",
                                 path=self.out_dir / "rasters" / city_id / f"{stem}.tif",
                                 fix=("rasters of this city: " + ", ".join(have)) if have
                                 else "this city has no rasters: run it with rasters enabled")
        return self.out_dir / "rasters" / city_id / f"{stem}.tif"

    def raster(self, city_id: str, name: str, *, masked: bool = False) -> xr.DataArray:
        """``OUT/rasters/CITY/NAME.tif`` as an :class:`xarray.DataArray` with ``y``/``x``
        coordinates (cell centres, in the city grid's CRS) and attributes ``crs`` (e.g.
        ``EPSG:32643``), ``transform`` (GDAL order), ``nodata``, ``units``, ``path`` and the
        file's tags. Several bands give a leading ``band`` dimension. ``masked`` turns nodata
        cells into NaN (as float); otherwise the stored numbers come unchanged.
        """
        import rasterio
        import xarray as xr

        path = self.raster_path(city_id, name)
        with rasterio.open(path) as ds:
            t = ds.transform
            if t.b or t.d:
                from .errors import RasterError

                raise RasterError("the raster is rotated: x/y coordinates are not defined",
                                  path=path, fix="warp it to a north-up grid")
            data = ds.read(masked=masked)
            if masked:
                data = data.astype(float).filled(np.nan)
            x = t.c + t.a * (np.arange(ds.width) + 0.5)
            y = t.f + t.e * (np.arange(ds.height) + 0.5)
            attrs: dict[str, Any] = {**ds.tags(),
                                     "crs": ds.crs.to_string() if ds.crs else None,
                                     "transform": tuple(t.to_gdal()),
                                     "res": tuple(ds.res), "nodata": ds.nodata,
                                     "units": ds.units[0] or "", "path": str(path)}
            desc = ds.descriptions[0] if ds.descriptions else None
            if desc:
                attrs["description"] = desc
            if ds.count == 1:
                return xr.DataArray(data[0], dims=("y", "x"), coords={"y": y, "x": x},
                                    name=path.stem, attrs=attrs)
            return xr.DataArray(data, dims=("band", "y", "x"),
                                coords={"band": np.arange(1, ds.count + 1), "y": y, "x": x},
                                name=path.stem, attrs=attrs)

    # -- engines' tables -------------------------------------------------------------------
    def risk_curves(self, city_id: str | None = None, hazard: str | None = None
                    ) -> pd.DataFrame:
        """Hazard and loss exceedance curves (``risk_curves``), one row per point."""
        return self._frame("risk_curves", city=city_id, where=_match("hazard", hazard),
                           order="city_id, hazard, curve, x")

    def risk_scenarios(self, city_id: str | None = None) -> pd.DataFrame:
        """Historic earthquakes replayed on each city (``risk_scenarios``), by year."""
        return self._frame("risk_scenarios", city=city_id, order="city_id, year")

    def risk_exposure(self, city_id: str | None = None) -> pd.DataFrame:
        """The exposure model summed by typology (``risk_exposure``), largest value first."""
        return self._frame("risk_exposure", city=city_id, order="city_id, value_usd DESC")

    def risk_summary(self, city_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Per city, the risk engine's summary (EAL by hazard and typology, fatalities), parsed."""
        df = self._frame("risk_summary", city=city_id)
        return {r["city_id"]: json.loads(r["summary"]) for r in records(df)}

    def ghg_inventory(self, city_id: str | None = None) -> pd.DataFrame:
        """The GPC greenhouse-gas inventory (``ghg_inventory``): per sub-sector and gas."""
        return self._frame("ghg_inventory", city=city_id)

    def ghg_actions(self, city_id: str | None = None) -> pd.DataFrame:
        """Low-carbon actions with abatement, cost and uptake (``ghg_actions``), as written."""
        return self._frame("ghg_actions", city=city_id)

    def ghg_proxies(self, city_id: str | None = None) -> pd.DataFrame:
        """The proxies the inventory used where activity data were missing."""
        return self._frame("ghg_proxies", city=city_id)

    # -- appraisal (study-level tables) ----------------------------------------------------
    def options(self, city_id: str | None = None) -> pd.DataFrame:
        """Every option appraised per city: costs, lifetime, mechanism, sources."""
        return self._frame("options", city=city_id)

    def appraisal(self, city_id: str | None = None, metric: str | None = None
                  ) -> pd.DataFrame:
        """Appraisal metrics per option (NPV, BCR, avoided losses, ...; ``metric`` may be a
        glob such as ``sobol_*``)."""
        return self._frame("appraisal", city=city_id, where=_match("metric", metric))

    def rank_acceptability(self, city_id: str | None = None, profile: str | None = None
                           ) -> pd.DataFrame:
        """SMAA-2 probability of each option taking each rank, per stakeholder profile
        (``pooled`` pools them)."""
        return self._frame("rank_acceptability", city=city_id,
                           where=_match("profile", profile))

    def central_weights(self, city_id: str | None = None) -> pd.DataFrame:
        """SMAA-2 central weight vectors."""
        return self._frame("central_weights", city=city_id)

    def portfolio(self, city_id: str | None = None) -> pd.DataFrame:
        """The options chosen under each city's budget."""
        return self._frame("portfolio", city=city_id)

    def recommendations(self, city_id: str | None = None) -> pd.DataFrame:
        """Recommendations per city (``city_id = 'region'`` for the region), most important
        first; ``options`` and ``evidence`` (the store rows each cites) parsed from JSON."""
        return self._frame("recommendations", city=city_id, order=(
            "city_id, CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, "
            "confidence DESC"))

    def benchmark(self, city_id: str | None = None) -> pd.DataFrame:
        """Percentile ranks per indicator in the region and among peers."""
        return self._frame("benchmark", city=city_id)

    def typology(self) -> pd.DataFrame:
        """The type of each city, with the indicators that separate the types (parsed)."""
        return self._frame("typology")

    # -- scorecards (assessments, not runs) ------------------------------------------------
    def scorecards(self, city_id: str | None = None) -> pd.DataFrame:
        """MCR2030 scorecard scores of every assessment: per city, date, level and Essential
        (0 = total)."""
        return self._frame("scorecard_scores", city=city_id, latest=False)

    def scorecard_recommendations(self, city_id: str | None = None) -> pd.DataFrame:
        """Recommendations drawn from the scorecard answers, per assessment."""
        return self._frame("scorecard_recommendations", city=city_id, latest=False)

    def scorecard_criteria(self, city_id: str | None = None) -> pd.DataFrame:
        """Criteria derived from the scorecards (e.g. institutional capacity), per
        assessment."""
        return self._frame("scorecard_criteria", city=city_id, latest=False)

    def __repr__(self) -> str:
        where = self._out_dir if self._out_dir is not None else "a connection"
        return f"<carlcities Study at {where}>"

