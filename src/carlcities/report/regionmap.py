"""Real geography under the regional map: country boundaries, rivers and lakes from Natural
Earth (public domain), and the five national capitals.

The layers come from :mod:`carlcities.io.natural_earth`: a full Natural Earth file where one is
found (``$CARLCITIES_NATURAL_EARTH``, ``natural_earth/`` of the shared data), otherwise the
1:50m extract shipped with the package — so the map always has its geography. The countries of
the study are tinted; boundaries are drawn as lines, lakes filled, rivers as thin blue lines.
"""

from __future__ import annotations

from typing import Any

from ..io import natural_earth as ne

__all__ = ["CAPITALS", "add_geography", "geography_key", "geography_note", "sources_note"]

CAPITALS = ne.CAPITALS_CSV
STUDY = ne.STUDY_COUNTRIES
WATER, RIVER, LAND, STUDY_LAND = "#d4e6f4", "#6fa6d2", "#fbfbf8", "#f3efe4"


def sources_note() -> str:
    """'; Natural Earth: FILE, ...' for the figure's source line."""
    return "; Natural Earth: " + ", ".join(s.label for s in ne.sources().values())


def geography_key() -> str:
    """Changes when a Natural Earth file drawn changes (part of the figure's cache key)."""
    return ";".join(s.key for s in ne.sources().values())


def geography_note() -> tuple[str, str]:
    """The caption's sentence on what geography the map shows."""
    full = [s.path.name for s in ne.sources().values() if not s.packaged]
    en = ("Country boundaries, rivers and lakes: Natural Earth (public domain"
          + (f"; {', '.join(full)}" if full else ", 1:50m extract shipped with carlcities")
          + "); stars: capitals.")
    ru = ("Границы стран, реки и озёра: Natural Earth (общественное достояние"
          + (f"; {', '.join(full)}" if full else ", выборка масштаба 1:50 млн из пакета carlcities")
          + "); звёзды — столицы.")
    return en, ru


def add_geography(ax: Any, *, lang: str = "both",
                  cities: list[tuple[float, float]] | None = None) -> list[str]:
    """Draw the geography under the cities of ``ax`` (lon/lat axes); returns the layers drawn.

    ``cities``: (lon, lat) of the study's cities; a capital among them keeps the city's own
    label (the map labels cities), others are named here."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bbox = (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    drawn = []
    c = ne.countries(bbox)
    if len(c):   # land is the countries: what lies outside them is water (the Caspian)
        ax.set_facecolor(WATER)
        c.plot(ax=ax, color=[STUDY_LAND if s else LAND for s in c["study"]],
               edgecolor="none", zorder=0.5)
        c.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.7, zorder=1)
        drawn.append("countries")
    lk = ne.lakes(bbox)
    if len(lk):
        lk.plot(ax=ax, color=WATER, edgecolor=RIVER, linewidth=0.4, zorder=1)
        drawn.append("lakes")
    rv = ne.rivers(bbox)
    if len(rv):
        rv.plot(ax=ax, color=RIVER, linewidth=0.8, zorder=1)
        drawn.append("rivers")
    caps = ne.capitals((x0, y0, x1, y1))
    if len(caps):
        ax.scatter(caps.geometry.x, caps.geometry.y, marker="*", s=90, c="#1d232a",
                   edgecolors="white", linewidths=0.6, zorder=4)
        from matplotlib.patheffects import withStroke

        for r in caps.itertuples():
            lon, lat = r.geometry.x, r.geometry.y
            if any(abs(lon - a) < 0.2 and abs(lat - b) < 0.2 for a, b in cities or []):
                continue
            name = {"en": r.name_en, "ru": r.name_ru}.get(lang, f"{r.name_en} / {r.name_ru}")
            ax.annotate(name, (lon, lat), xytext=(0, -9), textcoords="offset points",
                        ha="center", va="top", fontsize=7, style="italic", color="#1d232a",
                        path_effects=[withStroke(linewidth=2, foreground="white")], zorder=4)
        drawn.append("capitals")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return drawn
