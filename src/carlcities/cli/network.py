"""``carlcities network-stats FILE.osm.pbf``: OSMnx-style statistics of any OSM extract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import CarlError, GeometryError
from .common import fail, out_console

__all__ = ["network_app"]

network_app = typer.Typer(add_completion=False, rich_markup_mode="rich",
                          help="Street network statistics of OpenStreetMap extracts.")

def _read_boundary(path: Path):
    import geopandas as gpd
    import shapely

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the user's file
        raise GeometryError(f"cannot read the boundary ({exc})", path=path,
                            fix="give a GeoJSON, GeoPackage or Shapefile polygon") from exc
    if frame.empty:
        raise GeometryError("the boundary file has no features", path=path,
                            fix="give a file with at least one polygon")
    if frame.crs is not None:
        frame = frame.to_crs(4326)
    geom = shapely.union_all(frame.geometry.values)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError("the boundary is not a polygon", path=path,
                            fix="give polygon features")
    return geom


@network_app.command("network-stats")
def network_stats_cmd(
    file: Path = typer.Argument(..., help="OpenStreetMap extract (.osm.pbf)."),
    boundary: Optional[Path] = typer.Option(None, "--boundary", help="Polygon file (GeoJSON, "
                                            "GeoPackage, ...) to clip to; its area is the "
                                            "density denominator."),
    network: str = typer.Option("all", "--network", help="Network type: all, drive or walk "
                                "(OSMnx filters)."),
    tolerance: float = typer.Option(10.0, "--tolerance", help="Intersection consolidation "
                                    "tolerance [m] for the clean intersection count."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Print OSMnx basic_stats and orientation entropy/order of an OSM PBF extract.

    The graph is built as osmnx.graph_from_xml does: the chosen network filter, the largest
    weakly connected component, topological simplification; lengths are great-circle.
    """
    from ..indicators.mobility import network_stats

    try:
        geom = _read_boundary(boundary) if boundary is not None else None
        s = network_stats(file, boundary=geom, network=network, clean_int_tol=tolerance)
    except CarlError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(s, indent=2, ensure_ascii=False, default=str))
        return
    t = Table(title=f"{file.name}: '{network}' network ({s['area_km2']:.3f} km² from "
                    f"{s['area_from']})")
    t.add_column("statistic")
    t.add_column("value", justify="right")
    for k, v in s.items():
        if k in ("notes", "area_from", "network"):
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a}: {b:.3f}" if isinstance(b, float) else f"{a}: {b}"
                          for a, b in v.items())
        elif isinstance(v, float):
            v = f"{v:,.4f}"
        t.add_row(k, str(v))
    out_console.print(t)
    for n in s.get("notes", []):
        out_console.print(f"note: {n}")
