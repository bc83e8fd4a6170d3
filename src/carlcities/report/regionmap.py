"""Real geography under the regional map: country boundaries, rivers and lakes from Natural
Earth (public domain) where its files are present, and the five national capitals.

Natural Earth is looked for in ``$CARLCITIES_NATURAL_EARTH`` and in ``natural_earth/`` of the
shared data (``$CARLCITIES_SHARED_DATA``); any scale works (10m, 50m, 110m), as shapefile,
GeoJSON, GeoPackage or the zip Natural Earth distributes:

* ``ne_*_admin_0_countries.*``  — country boundaries (drawn as lines, countries of the study
  tinted);
* ``ne_*_rivers_lake_centerlines.*`` — rivers;
* ``ne_*_lakes.*`` — lakes (the Aral Sea, Issyk-Kul, Balkhash).

Without them the map says so in its caption. The capitals are a five-row extract of Natural
Earth's populated places (``data/ne_capitals_central_asia.csv``, public domain).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

__all__ = ["CAPITALS", "add_geography", "find_layers", "geography_note", "sources_note"]

_DATA = Path(__file__).resolve().parents[1] / "data"
CAPITALS = _DATA / "ne_capitals_central_asia.csv"
LAYERS = {"countries": "admin_0_countries", "rivers": "rivers_lake_centerlines",
          "lakes": "lakes"}
STUDY = {"KAZ", "KGZ", "TJK", "TKM", "UZB"}


def _dirs() -> list[Path]:
    out = []
    if os.environ.get("CARLCITIES_NATURAL_EARTH"):
        out.append(Path(os.environ["CARLCITIES_NATURAL_EARTH"]))
    if os.environ.get("CARLCITIES_SHARED_DATA"):
        out.append(Path(os.environ["CARLCITIES_SHARED_DATA"]) / "natural_earth")
    return [d for d in out if d.is_dir()]


def find_layers() -> dict[str, Path]:
    """The Natural Earth files found, by layer (finest scale first)."""
    found: dict[str, Path] = {}
    for d in _dirs():
        for layer, stem in LAYERS.items():
            if layer in found:
                continue
            for scale in ("10m", "50m", "110m"):
                hits = sorted(p for p in d.glob(f"ne_{scale}_{stem}.*")
                              if p.suffix.lower() in (".shp", ".geojson", ".gpkg", ".zip"))
                if hits:
                    found[layer] = hits[0]
                    break
    return found


def sources_note() -> str:
    """'; Natural Earth: FILE, ...' for the figure's source line (and its cache key)."""
    got = find_layers()
    return ("; Natural Earth: " + ", ".join(p.name for p in got.values())) if got else ""


def geography_note() -> tuple[str, str]:
    """The caption's sentence on what geography the map shows."""
    got = find_layers()
    if "countries" in got:
        return ("Country boundaries, rivers and lakes: Natural Earth (public domain); stars: "
                "capitals.",
                "Границы стран, реки и озёра: Natural Earth (общественное достояние); "
                "звёзды — столицы.")
    return ("Stars: capitals (Natural Earth). Country boundaries not drawn: the Natural Earth "
            "file ne_10m_admin_0_countries was not found (see docs/report.md).",
            "Звёзды — столицы (Natural Earth). Границы стран не показаны: не найден файл "
            "Natural Earth ne_10m_admin_0_countries (см. docs/report.md).")


def _read(path: Path, bbox: tuple[float, float, float, float]):
    import geopandas as gpd

    src = f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)
    return gpd.read_file(src, bbox=bbox, engine="pyogrio")


def add_geography(ax: Any, *, lang: str = "both",
                  cities: list[tuple[float, float]] | None = None) -> list[str]:
    """Draw what is available under the cities of ``ax`` (lon/lat axes); returns the layers.

    ``cities``: (lon, lat) of the study's cities; a capital among them keeps the city's own
    label (the map labels cities), others are named here."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bbox = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    drawn = []
    layers = find_layers()
    try:
        if "countries" in layers:
            c = _read(layers["countries"], bbox)
            iso = next((k for k in ("ADM0_A3", "ISO_A3", "adm0_a3", "iso_a3") if k in c), None)
            if iso:
                c[c[iso].isin(STUDY)].plot(ax=ax, color="#f3efe4", edgecolor="none", zorder=0.5)
            c.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.7, zorder=1)
            drawn.append("countries")
        if "lakes" in layers:
            _read(layers["lakes"], bbox).plot(ax=ax, color="#cfe3f3", edgecolor="#8fb8d8",
                                              linewidth=0.4, zorder=1)
            drawn.append("lakes")
        if "rivers" in layers:
            _read(layers["rivers"], bbox).plot(ax=ax, color="#8fb8d8", linewidth=0.6, zorder=1)
            drawn.append("rivers")
    except Exception:  # noqa: BLE001 - a broken optional file: the map without it
        pass
    with open(CAPITALS, encoding="utf-8") as f:
        caps = [r for r in csv.DictReader(f)
                if x0 <= float(r["lon"]) <= x1 and y0 <= float(r["lat"]) <= y1]
    if caps:
        ax.scatter([float(r["lon"]) for r in caps], [float(r["lat"]) for r in caps], marker="*",
                   s=90, c="#1d232a", edgecolors="white", linewidths=0.6, zorder=4)
        from matplotlib.patheffects import withStroke

        for r in caps:
            lon, lat = float(r["lon"]), float(r["lat"])
            if any(abs(lon - a) < 0.2 and abs(lat - b) < 0.2 for a, b in cities or []):
                continue
            name = {"en": r["name_en"], "ru": r["name_ru"]}.get(lang,
                                                                f"{r['name_en']} / {r['name_ru']}")
            ax.annotate(name, (lon, lat), xytext=(0, -9), textcoords="offset points",
                        ha="center", va="top", fontsize=7, style="italic", color="#1d232a",
                        path_effects=[withStroke(linewidth=2, foreground="white")], zorder=4)
        drawn.append("capitals")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return drawn
