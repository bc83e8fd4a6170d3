"""``carlcities publish``: a study's tables and geometries in PostgreSQL/PostGIS, as they are.

Everything the read API (:mod:`carlcities.results`) gives — each city's latest results — is
written to one schema (default ``carlcities``) of the target database, in one transaction:

* every table of the store (``indicator_values``, ``risk_curves``, ``options``, ``scorecard_*``,
  plug-in tables, …) as a table of the same name and columns;
* the geometries as PostGIS layers in WGS 84 (SRID 4326) with a GiST spatial index:
  ``cities`` (catalogue points), ``urban_extents`` (per city and epoch) and ``zones`` (districts)
  as ``MultiPolygon``/``Point`` layers, and ``raster_footprints``: the outline of every COG the
  run wrote (``OUT/rasters/CITY/NAME.tif``) with its path, CRS, size and cell size, so that a GIS
  department finds the rasters (which QGIS and GeoServer open directly) from the database;
* other tables and views with a ``geom`` column (``latest_extents``, plug-in tables) as
  layers of generic geometry type, also SRID 4326 with a GiST index;
* ``publish_info``: the run published, when, from where, by which carlcities version.

Each table gets an integer primary key ``fid`` (what QGIS and GeoServer pick up as the feature
id) and a comment naming the run and whether the values are synthetic. Publishing again
replaces the schema's tables (drop and create inside the transaction: readers see the old tables
until the commit, then the new ones). Tables the schema holds that the study does not have are
left alone.

Rows go in by ``COPY`` (psycopg 3) — geometries as hex EWKB with their SRID — so a 48-city study
publishes in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PublishError

__all__ = ["DEFAULT_SCHEMA", "PublishReport", "publish"]

DEFAULT_SCHEMA = "carlcities"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: layers written from the read API's geometry methods, not as plain tables
_GEO_TABLES = ("cities", "urban_extents", "zones")


@dataclass
class PublishReport:
    """What :func:`publish` wrote: rows per table, the layers, the time it took."""

    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    layers: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _psycopg_url(url: str) -> str:
    for p in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(p):
            return "postgresql://" + url[len(p):]
    if not url.startswith("postgresql://"):
        raise PublishError(f"{_safe(url)} is not a PostgreSQL URL",
                           fix="give --to postgresql://USER@HOST:PORT/DATABASE")
    return url


def _safe(url: str) -> str:
    """The URL without its password (for messages)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _pg_type(values: list[Any], dtype: str) -> str:
    if dtype == "bool" or dtype == "boolean":
        return "boolean"
    if dtype.startswith(("int", "Int", "uint", "UInt")):
        return "bigint"
    if dtype.startswith(("float", "Float")):
        return "double precision"
    if dtype.startswith("datetime64"):
        return "timestamp"
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return "text"
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "bigint"
    if kinds <= {int, float}:
        return "double precision"
    if kinds <= {dt.datetime}:
        return "timestamp"
    if kinds <= {dt.date}:
        return "date"
    if kinds <= {list, dict}:
        return "jsonb"
    if kinds <= {bytes, bytearray, memoryview}:
        return "bytea"
    return "text"


def _cell(v: Any, typ: str) -> Any:
    if v is None:
        return None
    if typ == "jsonb":
        return json.dumps(v, ensure_ascii=False, default=str)
    if typ == "text" and not isinstance(v, str):
        return str(v)
    if typ == "bytea" and isinstance(v, memoryview):
        return bytes(v)
    return v


def _hex_ewkb(geom: Any, kind: str) -> str | None:
    """Hex EWKB (SRID 4326) of a valid ``kind`` (``MultiPolygon`` or ``Point``) geometry."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    if kind == "MultiPolygon":
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        polys += [p for g in getattr(geom, "geoms", []) if g.geom_type == "MultiPolygon"
                  for p in g.geoms]
        if not polys:
            return None
        geom = shapely.MultiPolygon(polys)
    return str(shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True))


def _footprint(path: Path) -> tuple[Any, dict[str, Any]] | None:
    """The outline of a raster in WGS 84 (edges densified) and its facts."""
    import rasterio
    import shapely
    from pyproj import Transformer

    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                return None
            b = ds.bounds
            facts = {"crs": ds.crs.to_string(), "width": ds.width, "height": ds.height,
                     "res_x": float(ds.res[0]), "res_y": float(ds.res[1]),
                     "bands": ds.count, "dtype": ds.dtypes[0],
                     "units": (ds.units[0] if ds.units and ds.units[0] else
                               ds.tags().get("units"))}
            crs = ds.crs
    except rasterio.errors.RasterioIOError:
        return None
    ring = shapely.segmentize(shapely.box(b.left, b.bottom, b.right, b.top),
                              max((b.right - b.left), (b.top - b.bottom)) / 32)
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = tr.transform(*shapely.get_coordinates(ring).T)
    return shapely.Polygon(list(zip(x, y, strict=True))), facts


def _copy(cur: Any, schema: str, name: str, columns: list[tuple[str, str]],
          rows: Iterable[list[Any]], *, comment: str, geom: str | None = None) -> int:
    from psycopg import sql

    t = sql.Identifier(schema, name)
    cols = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(typ)) for c, typ in columns]
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(t))
    cur.execute(sql.SQL("CREATE TABLE {} (fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        "{})").format(t, sql.SQL(", ").join(cols)))
    n = 0
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
            t, sql.SQL(", ").join(sql.Identifier(c) for c, _t in columns))) as cp:
        for r in rows:
            cp.write_row(r)
            n += 1
    if geom:
        cur.execute(sql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
            sql.Identifier(f"{name}_{geom}_gist"), t, sql.Identifier(geom)))
    cur.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(t, sql.Literal(comment)))
    return n


def _frame_columns(df: Any, skip: tuple[str, ...] = ()) -> tuple[list[tuple[str, str]],
                                                                 list[list[Any]]]:
    from ..results import records

    recs = records(df)
    names = [str(c) for c in df.columns if str(c) not in skip and str(c) != "fid"]
    types = [(c, _pg_type([r[c] for r in recs], str(df[c].dtype))) for c in names]
    rows = [[_cell(r[c], typ) for c, typ in types] for r in recs]
    return types, rows


def publish(out: str | Path, url: str, schema: str = DEFAULT_SCHEMA, *,
            rasters: bool = True) -> PublishReport:
    """Write the study in ``out`` to the PostGIS database ``url`` (schema ``schema``).

    Raises :class:`~carlcities.errors.PublishError` when the database cannot be reached, has
    no PostGIS (and it cannot be created), or the schema cannot be written.
    """
    import psycopg
    import shapely
    from psycopg import sql

    from .._version import __version__
    from ..results import open_study

    if not _IDENT.match(schema):
        raise PublishError(f"invalid schema name {schema[:80]!r}",
                           fix="use lowercase letters, digits and _ (e.g. carlcities)")
    t0 = time.perf_counter()
    rep = PublishReport(schema)
    target = _psycopg_url(url)
    with open_study(out) as study:
        manifest = study.manifest()
        run_id = str(manifest.get("run_id") or "")
        cities = study.cities()
        synthetic = bool(cities["synthetic"].fillna(False).any()) \
            if "synthetic" in cities.columns and len(cities) else False
        note = (f"carlcities {__version__}, run {run_id or '?'}"
                + ("; SYNTHETIC demo data — not real measurements" if synthetic else ""))
        try:
            con = psycopg.connect(target, connect_timeout=15)
        except psycopg.Error as exc:
            raise PublishError(f"cannot connect to {_safe(target)}: "
                               f"{_first_line(exc)}",
                               fix="check the host, port, database, user and password "
                                   "(or ~/.pgpass)") from None
        try:
            with con.transaction(), con.cursor() as cur:
                _ensure_postgis(cur, target)
                cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    sql.Identifier(schema)))
                # plain tables: everything the store has, each city's latest results
                for name in study.tables():
                    if name in _GEO_TABLES:
                        continue
                    df = study.table(name)
                    cols, rows = _frame_columns(df, skip=("geom",))
                    if not cols:
                        continue
                    geoms = _wkb_layer(df)
                    if geoms is not None:       # a view or plug-in table with geometries
                        cols = cols + [("geom", "geometry(Geometry, 4326)")]
                        rows = [r + [g] for r, g in zip(rows, geoms, strict=True)]
                        rep.layers.append(name)
                    rep.tables[name] = _copy(cur, schema, name, cols, rows,
                                             comment=f"{name}: {note}",
                                             geom="geom" if geoms is not None else None)
                # layers
                cols, rows = _frame_columns(cities, skip=("geom",))
                pts = [_hex_ewkb(shapely.Point(r["lon"], r["lat"]), "Point")
                       if r.get("lon") is not None and r.get("lat") is not None else None
                       for r in _records(cities)]
                rep.tables["cities"] = _copy(
                    cur, schema, "cities", cols + [("geom", "geometry(Point, 4326)")],
                    [r + [g] for r, g in zip(rows, pts, strict=True)],
                    comment=f"cities (catalogue points, WGS 84): {note}", geom="geom")
                rep.layers.append("cities")
                for name, gdf in (("urban_extents", study.extents()),
                                  ("zones", study.districts())):
                    gcol = gdf.geometry.name
                    cols, rows = _frame_columns(gdf.drop(columns=[gcol]))
                    geoms = [_hex_ewkb(g, "MultiPolygon") for g in gdf.geometry]
                    rep.tables[name] = _copy(
                        cur, schema, name, cols + [("geom", "geometry(MultiPolygon, 4326)")],
                        [r + [g] for r, g in zip(rows, geoms, strict=True)],
                        comment=f"{name} (WGS 84): {note}", geom="geom")
                    rep.layers.append(name)
                if rasters:
                    rep.tables["raster_footprints"] = _footprints(cur, study, schema, note)
                    rep.layers.append("raster_footprints")
                _copy(cur, schema, "publish_info",
                      [("run_id", "text"), ("published_at", "timestamptz"),
                       ("source", "text"), ("carlcities", "text"), ("synthetic", "boolean")],
                      [[run_id, dt.datetime.now(dt.UTC), str(Path(out).resolve()),
                        __version__, synthetic]], comment=f"what was published: {note}")
            with con.cursor() as cur:      # statistics for the planner, outside the transaction
                for name in rep.layers:
                    cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, name)))
            con.commit()
        except psycopg.Error as exc:
            raise PublishError(f"writing schema {schema!r} of {_safe(target)} failed: "
                               f"{_first_line(exc)}",
                               fix="check that the user may create tables in the database "
                                   "(GRANT CREATE ON DATABASE …)") from None
        finally:
            con.close()
    rep.seconds = time.perf_counter() - t0
    return rep


def _first_line(exc: Exception) -> str:
    """The server's message, first line only (the rest repeats the statement)."""
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _wkb_layer(df: Any) -> list[str | None] | None:
    """Hex EWKB (SRID 4326: the store keeps WGS 84) of a ``geom`` column of WKB, or ``None``
    when the frame has no such column."""
    import shapely

    if "geom" not in df.columns:
        return None
    vals = [bytes(v) if isinstance(v, bytes | bytearray | memoryview) else None
            for v in df["geom"]]
    if not any(v is not None for v in vals) and len(vals):
        return None
    out: list[str | None] = []
    for v in vals:
        g = None if v is None else shapely.from_wkb(v)
        if g is not None and not g.is_empty and not g.is_valid:
            g = shapely.make_valid(g)
        out.append(None if g is None or g.is_empty else
                   str(shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True)))
    return out


def _records(df: Any) -> list[dict[str, Any]]:
    from ..results import records

    return records(df)


def _ensure_postgis(cur: Any, target: str) -> None:
    import psycopg

    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    if cur.fetchone() is not None:
        return
    try:
        cur.execute("SAVEPOINT carlcities_postgis")
        cur.execute("CREATE EXTENSION postgis")
        cur.execute("RELEASE SAVEPOINT carlcities_postgis")
    except psycopg.Error as exc:
        cur.execute("ROLLBACK TO SAVEPOINT carlcities_postgis")
        raise PublishError(f"{_safe(target)} has no PostGIS and it cannot be added here "
                           f"({str(exc).strip().splitlines()[0][:200]})",
                           fix="install PostGIS (Debian: postgresql-15-postgis-3) and run "
                               "CREATE EXTENSION postgis; as the database owner") from None


def _footprints(cur: Any, study: Any, schema: str, note: str) -> int:
    rows = []
    base = study.out_dir
    for cid in study.cities()["city_id"]:
        for name in study.rasters(cid):
            p = base / "rasters" / cid / f"{name}.tif"
            got = _footprint(p)
            if got is None:
                continue
            poly, f = got
            rows.append([cid, name, str(p.relative_to(base)), f["crs"], f["width"],
                         f["height"], f["res_x"], f["res_y"], f["bands"], f["dtype"],
                         f["units"], _hex_ewkb(poly, "MultiPolygon")])
    cols = [("city_id", "text"), ("name", "text"), ("path", "text"), ("crs", "text"),
            ("width", "bigint"), ("height", "bigint"), ("res_x", "double precision"),
            ("res_y", "double precision"), ("bands", "bigint"), ("dtype", "text"),
            ("units", "text"), ("geom", "geometry(MultiPolygon, 4326)")]
    return _copy(cur, schema, "raster_footprints", cols, rows,
                 comment=f"outlines of the COG rasters OUT/rasters/CITY/NAME.tif (path relative "
                         f"to the study folder): {note}", geom="geom")
