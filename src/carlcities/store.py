"""The results store: one embedded DuckDB file with the spatial extension, loaded offline."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .errors import StoreError

__all__ = ["connect", "spatial_extension_path"]


def spatial_extension_path() -> Path:
    """Path of the spatial extension shipped by the ``duckdb-extension-spatial`` package."""
    import duckdb_extension_spatial as pkg

    root = Path(pkg.__file__).parent / "extensions"
    found = sorted(root.glob(f"v{duckdb.__version__}/*/spatial.duckdb_extension")) + sorted(
        root.glob(f"v{duckdb.__version__}/spatial.duckdb_extension"))
    if not found:
        found = sorted(root.rglob("spatial.duckdb_extension"))
    if not found:
        raise StoreError(f"the DuckDB spatial extension is not in {root}",
                         fix=f"pip install duckdb-extension-spatial=={duckdb.__version__}")
    return found[0]


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store with the spatial extension loaded (no network)."""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the results store: {exc}", path=path,
                         fix="close other programs using it, or choose another --out") from exc
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con


# --------------------------------------------------------------------------------------------
# the Store: schema, ownership, one transaction per city, exports
# --------------------------------------------------------------------------------------------
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from ._schema import DDL, SCHEMA_VERSION  # noqa: E402
from .errors import OutputDirError  # noqa: E402

__all__ += ["Store", "STORE_FILE"]

STORE_FILE = "study.duckdb"

from .indicators.rows import VALUE_COLUMNS  # noqa: E402


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


class Store:
    """The results store of one study in ``OUT/study.duckdb``.

    Each city is written in one transaction, so an interrupted run leaves every city that
    finished readable, and the previous runs' results stay untouched.
    """

    def __init__(self, path: str | Path, study: str | None = None, read_only: bool = False,
                 engines: list | tuple = ()):
        """Open (or create) the store; ``engines`` get their declared tables created (and
        older stores the columns added since)."""
        self.path = Path(path)
        self.con = connect(self.path, read_only=read_only)
        if not read_only:
            self.con.execute(DDL)
            self.con.execute("ALTER TABLE run_cities ADD COLUMN IF NOT EXISTS city_key VARCHAR")
            for eng in engines:
                eng.ensure_tables(self.con)
            if study is not None:
                self._claim(study)

    # -- ownership --------------------------------------------------------------------------
    def _claim(self, study: str) -> None:
        row = self.con.execute("SELECT value FROM study_meta WHERE key = 'name'").fetchone()
        if row is None:
            self.con.execute("INSERT INTO study_meta VALUES ('name', ?), ('schema_version', ?)",
                             [study, str(SCHEMA_VERSION)])
        elif row[0] != study:
            self.close()
            raise OutputDirError(
                f"this output directory holds the results of study {row[0]!r}, not {study!r}",
                path=self.path, fix="choose another --out, or set study.name to "
                                    f"{row[0]!r} if this is the same study")

    @staticmethod
    def check_owner(out_dir: str | Path, study: str) -> None:
        """Raise :class:`OutputDirError` (touching nothing) if OUT belongs to another study."""
        p = Path(out_dir) / STORE_FILE
        if not p.exists():
            return
        try:
            con = connect(p, read_only=True)
        except Exception as exc:  # noqa: BLE001
            raise OutputDirError(f"the results store cannot be opened ({exc})", path=p,
                                 fix="close programs that hold it open, or choose another --out"
                                 ) from exc
        try:
            row = con.execute("SELECT value FROM study_meta WHERE key = 'name'").fetchone()
        except Exception:  # noqa: BLE001 - not our store
            row = ("<not a carlcities store>",)
        finally:
            con.close()
        if row is not None and row[0] != study:
            raise OutputDirError(
                f"this output directory holds the results of study {row[0]!r}, not {study!r}",
                path=p, fix="choose another --out, or set study.name to "
                            f"{row[0]!r} if this is the same study")

    def set_meta(self, **items: str) -> None:
        for k, v in items.items():
            self.con.execute("INSERT OR REPLACE INTO study_meta VALUES (?, ?)", [k, str(v)])

    # -- runs -------------------------------------------------------------------------------
    def start_run(self, run_id: str, study: str, config_sha256: str, software: dict) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, NULL, 'running', ?, ?)",
            [run_id, study, _now(), config_sha256, json.dumps(software, sort_keys=True)])

    def finish_run(self, run_id: str, status: str) -> None:
        self.con.execute("UPDATE runs SET status = ?, finished = ? WHERE run_id = ?",
                         [status, _now(), run_id])

    def resumable_run(self, config_sha256: str) -> str | None:
        """The latest run with this config that did not complete, if it is the latest run."""
        row = self.con.execute("SELECT run_id, status, config_sha256 FROM runs "
                               "ORDER BY started DESC LIMIT 1").fetchone()
        if row and row[1] in ("running", "interrupted") and row[2] == config_sha256:
            return row[0]
        return None

    def done_cities(self, run_id: str) -> set[str]:
        rows = self.con.execute("SELECT city_id FROM run_cities WHERE run_id = ? AND "
                                "status = 'complete'", [run_id]).fetchall()
        return {r[0] for r in rows}

    def reusable(self, keys: dict[str, str], run_id: str | None = None) -> dict[str, str]:
        """City -> run id of the cities whose latest finished result has the key given now
        (their settings and inputs are unchanged); only results of ``run_id`` when given."""
        rows = self.con.execute(
            "SELECT rc.city_id, rc.run_id, rc.city_key FROM run_cities rc "
            "JOIN latest_city_runs l USING (city_id, run_id) WHERE rc.status = 'complete'"
        ).fetchall()
        return {c: r for c, r, k in rows
                if k is not None and keys.get(c) == k and (run_id is None or r == run_id)}

    # -- definitions --------------------------------------------------------------------------
    def write_indicators(self, indicators) -> None:
        self.con.execute("BEGIN")
        for ind in indicators:
            self.con.execute("INSERT OR REPLACE INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [ind.id, ind.theme, ind.name_en, ind.name_ru, ind.unit, ind.method,
                              ind.reference, ind.kind, ind.higher_is])
        self.con.execute("COMMIT")

    # -- one city, one transaction -----------------------------------------------------------
    def write_city(self, run_id: str, result, writers: list | tuple = (),
                   key: str | None = None) -> None:
        """Write everything one city produced in one transaction.

        ``writers``: (engine, engine result) pairs; each engine writes its own tables with
        ``engine.write(con, run_id, city_id, result)`` inside the same transaction.
        """
        import pyarrow as pa

        c = result.city
        g = result.grid
        con = self.con
        con.execute("BEGIN")
        try:
            con.execute("DELETE FROM indicator_values WHERE run_id = ? AND city_id = ?",
                        [run_id, c.city_id])
            con.execute("DELETE FROM urban_extents WHERE run_id = ? AND city_id = ?",
                        [run_id, c.city_id])
            con.execute("DELETE FROM zones WHERE city_id = ?", [c.city_id])
            con.execute("DELETE FROM cities WHERE city_id = ?", [c.city_id])
            con.execute("DELETE FROM city_populations WHERE city_id = ?", [c.city_id])
            con.execute(
                "INSERT INTO cities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ST_Point(?, ?))",
                [c.city_id, c.name_en, c.name_ru, c.country_iso3, c.region, c.lat, c.lon,
                 c.population, c.population_year, c.population_source, c.elevation_m,
                 c.is_capital, c.inclusion_basis, c.setting, g.epsg, g.res, g.width, g.height,
                 result.synthetic, c.lon, c.lat])
            for p in c.history:
                con.execute("INSERT INTO city_populations VALUES (?, ?, ?, ?, ?)",
                            [c.city_id, p.year, p.population, p.kind, p.source])
            rows = result.rows
            if rows:
                table = pa.table({k: [getattr(r, k) for r in rows] for k in VALUE_COLUMNS},
                                 schema=pa.schema([
                                     ("run_id", pa.string()), ("city_id", pa.string()),
                                     ("zone_id", pa.string()), ("indicator_id", pa.string()),
                                     ("epoch", pa.int32()), ("epoch_start", pa.int32()),
                                     ("scenario", pa.string()), ("value", pa.float64()),
                                     ("unit", pa.string()), ("source", pa.string()),
                                     ("method_version", pa.string()), ("synthetic", pa.bool_()),
                                     ("flag", pa.string())]))
                con.register("_vals", table)
                con.execute("INSERT INTO indicator_values SELECT * FROM _vals")
                con.unregister("_vals")
            for epoch, area_km2, wkb in result.extents:
                con.execute("INSERT INTO urban_extents VALUES (?, ?, ?, ?, ?, ST_GeomFromWKB(?))",
                            [run_id, c.city_id, epoch, area_km2, result.synthetic, wkb])
            for z in result.zones:
                con.execute("INSERT INTO zones VALUES (?, ?, ?, ?, ?, ?, ?, ST_GeomFromWKB(?))",
                            [c.city_id, z["zone_id"], z["name_en"], z["name_ru"], z["area_km2"],
                             z["source"], z["note"], z["wkb"]])
            for engine, payload in writers:
                engine.write(con, run_id, c.city_id, payload)
            con.execute("INSERT OR REPLACE INTO run_cities (run_id, city_id, status, finished, "
                        "seconds, city_key) VALUES (?, ?, 'complete', ?, ?, ?)",
                        [run_id, c.city_id, _now(), result.seconds, key])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- exports -------------------------------------------------------------------------------
    def export(self, out_dir: str | Path, run_id: str | None = None) -> dict[str, Path]:
        """indicator_values.csv/.parquet and study.gpkg, written atomically.

        Each city's values come from the latest run that finished it (view ``latest_values``),
        so the exports always hold every city of the study; ``run_id`` is kept per row.
        """
        exports = Path(out_dir) / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        q = ("SELECT v.*, i.name_en, i.name_ru, i.theme FROM latest_values v "
             "LEFT JOIN indicators i USING (indicator_id) "
             "ORDER BY city_id, zone_id, indicator_id, epoch_start NULLS FIRST, epoch")
        paths = {}
        for ext, opts in (("csv", "(HEADER, DELIMITER ',')"), ("parquet", "(FORMAT PARQUET)")):
            final = exports / f"indicator_values.{ext}"
            tmp = exports / f".indicator_values.{ext}.part"
            self.con.execute(f"COPY ({q}) TO '{tmp}' {opts}")
            os.replace(tmp, final)
            paths[ext] = final
        paths["gpkg"] = self._export_gpkg(exports / "study.gpkg")
        return paths

    def _export_gpkg(self, path: Path) -> Path:
        import geopandas as gpd
        import shapely

        tmp = path.with_name(".study.part.gpkg")
        if tmp.exists():
            tmp.unlink()
        layers = {
            "cities": "SELECT * EXCLUDE (geom), ST_AsWKB(geom) AS wkb FROM cities ORDER BY city_id",
            "urban_extents": "SELECT city_id, epoch, area_km2, synthetic, run_id, "
                             "ST_AsWKB(geom) AS wkb FROM latest_extents ORDER BY city_id, epoch",
            "districts": "SELECT city_id, zone_id, name_en, name_ru, area_km2, source, note, "
                         "ST_AsWKB(geom) AS wkb FROM zones ORDER BY city_id, zone_id",
        }
        for name, sql in layers.items():
            df = self.con.execute(sql).df()
            if df.empty:
                continue
            geom = shapely.from_wkb([bytes(b) for b in df.pop("wkb")])
            gdf = gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        if tmp.exists():
            os.replace(tmp, path)
        return path

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:  # noqa: BLE001
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
