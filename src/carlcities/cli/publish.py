"""``carlcities publish``: a study's tables and geometries to PostgreSQL/PostGIS."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..errors import CarlError
from .common import fail, out_console

__all__ = ["publish_app"]

publish_app = typer.Typer(add_completion=False, rich_markup_mode="rich")


@publish_app.command("publish")
def publish(
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Study output directory (the one "
                             "given to carlcities run --out)."),
    to: str = typer.Option(..., "--to", help="Target database: postgresql://USER[:PASSWORD]@"
                           "HOST[:PORT]/DATABASE (a password is better kept in ~/.pgpass or "
                           "$PGPASSWORD); it needs PostGIS."),
    schema: str = typer.Option("carlcities", "--schema", "-s", help="Schema to write (created "
                               "if missing; its tables of the same names are replaced)."),
    rasters: bool = typer.Option(True, "--rasters/--no-rasters", help="Also write the "
                                 "footprints of the COG rasters (layer raster_footprints)."),
) -> None:
    """Write the study's tables and geometries to PostGIS, for QGIS and GeoServer.

    Every table of the results (each city's latest run) becomes a table of the schema; cities,
    urban extents, districts and raster footprints become layers in WGS 84 (SRID 4326) with a
    primary key and a spatial index. Publishing again replaces them in one transaction.

    Example: carlcities publish --out out/ --to postgresql://gis@db.example.org/city -s osh
    """
    try:
        from ..portal.publish import publish as run_publish

        rep = run_publish(out, to, schema, rasters=rasters)
    except ImportError as exc:
        from ..errors import PublishError

        fail(PublishError(f"the portal's libraries are not installed ({exc.name})",
                          fix="pip install 'carlcities[portal]'"))
    except CarlError as exc:
        fail(exc)
    t = Table("table", "rows", "layer", title=f"schema {rep.schema}")
    for name, n in rep.tables.items():
        t.add_row(name, str(n), "yes (SRID 4326)" if name in rep.layers else "")
    out_console.print(t)
    out_console.print(f"published {len(rep.tables)} tables to schema {rep.schema} in "
                      f"{rep.seconds:.1f} s")
