"""Context under the city maps, from the city's own OpenStreetMap file: major roads, rivers and
water, green areas and a few place names, drawn under (and roads over) each map image.

The PBF is the one the run read for the city (the manifest's input of role ``osm``), opened
the way :mod:`carlcities.io.osm` opens it (pyosmium ``FileProcessor`` with node locations and
area assembly); its checks run first (:func:`carlcities.io.osm.read_osm` raises ``OSMError``
for a missing or corrupt file, so a broken file never reaches here — a file that cannot be read
simply gives no basemap). What is kept:

=========  ==============================================================================
layer      tags
=========  ==============================================================================
roads      highway = motorway, trunk, primary, secondary (and their ``_link``), tertiary
rivers     waterway = river, canal, stream (lines)
water      natural = water, landuse = reservoir / basin, waterway = riverbank (areas)
green      leisure = park, garden, nature_reserve; landuse = forest, grass, meadow,
           recreation_ground, village_green; natural = wood, scrub (areas)
places     place = city, town, suburb, quarter, neighbourhood, village (nodes with a name)
=========  ==============================================================================

A map image of the report is a raster of the city grid (one pixel per cell, or a whole
multiple); :func:`apply` redraws it at least :data:`MIN_WIDTH` px wide over the green and water
areas, with the roads, rivers and names on top, and keeps the raster's colours (nodata stays
see-through, so the basemap shows there).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .figcache import cached
from .maps import FigureInfo
from .png import write_png

__all__ = ["MIN_WIDTH", "Basemap", "apply", "layers", "load_basemap", "with_basemap"]

MIN_WIDTH = 800          # map images are redrawn at least this wide [px]
ROADS = {"motorway": 3, "trunk": 3, "primary": 2, "secondary": 2, "tertiary": 1,
         "motorway_link": 2, "trunk_link": 2, "primary_link": 1, "secondary_link": 1}
RIVERS = {"river": 2, "canal": 1, "stream": 1}
PLACES = {"city": 5, "town": 4, "suburb": 3, "quarter": 2, "neighbourhood": 1, "village": 2}
_WATER = {("natural", "water"), ("landuse", "reservoir"), ("landuse", "basin"),
          ("waterway", "riverbank")}
_GREEN = {("leisure", "park"), ("leisure", "garden"), ("leisure", "nature_reserve"),
          ("landuse", "forest"), ("landuse", "grass"), ("landuse", "meadow"),
          ("landuse", "recreation_ground"), ("landuse", "village_green"), ("natural", "wood"),
          ("natural", "scrub")}


@dataclass
class Basemap:
    """Lines and areas in the city grid's CRS [m]; places with their names."""

    roads: list[tuple[int, np.ndarray]] = field(default_factory=list)    # (rank, xy)
    rivers: list[tuple[int, np.ndarray]] = field(default_factory=list)
    water: list[np.ndarray] = field(default_factory=list)                # outer rings
    green: list[np.ndarray] = field(default_factory=list)
    places: list[tuple[int, float, float, str, str]] = field(default_factory=list)
    source: str = ""
    #: the drawn layers, by (extent, width, height, language) (:func:`layers`)
    layers: dict[tuple[Any, ...], tuple[Any, Any]] = field(default_factory=dict, repr=False,
                                                           compare=False)

    @property
    def empty(self) -> bool:
        return not (self.roads or self.rivers or self.water or self.green or self.places)


def load_basemap(pbf: str | Path, epsg: int, bounds: tuple[float, float, float, float]
                 ) -> Basemap:
    """The context layers of ``pbf`` inside ``bounds`` (left, bottom, right, top) [m, ``epsg``]."""
    import osmium
    from pyproj import Transformer

    to_xy = Transformer.from_crs(4326, epsg, always_xy=True).transform
    left, bottom, right, top = bounds
    pad = 0.05 * max(right - left, top - bottom)

    def xy(lons: list[float], lats: list[float]) -> np.ndarray | None:
        x, y = to_xy(np.asarray(lons), np.asarray(lats))
        inside = ((x > left - pad) & (x < right + pad) & (y > bottom - pad) & (y < top + pad))
        if not inside.any():
            return None
        return np.column_stack([x, y])

    bm = Basemap(source=f"OpenStreetMap: {Path(pbf).name}")
    fp = (osmium.FileProcessor(str(pbf)).with_locations().with_areas()
          .with_filter(osmium.filter.EmptyTagFilter()))
    o: Any
    for o in fp:
        tags = o.tags
        if o.is_node():
            place = tags.get("place")
            if place in PLACES and tags.get("name"):
                p = xy([o.location.lon], [o.location.lat])
                if p is not None:
                    bm.places.append((PLACES[place], float(p[0, 0]), float(p[0, 1]),
                                      tags.get("name:en") or tags.get("name"),
                                      tags.get("name:ru") or tags.get("name")))
        elif o.is_way():
            hw, ww = tags.get("highway"), tags.get("waterway")
            if hw in ROADS or ww in RIVERS:
                try:
                    nodes = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
                except Exception:  # noqa: BLE001 - a way with missing nodes is left out
                    continue
                if len(nodes) > 1:
                    line = xy([a for a, _ in nodes], [b for _, b in nodes])
                    if line is not None:
                        (bm.roads if hw in ROADS else bm.rivers).append(
                            (ROADS.get(hw, 0) or RIVERS.get(ww, 0), line))
        elif o.is_area():
            kind = ("water" if any((k, tags.get(k)) in _WATER for k in ("natural", "landuse",
                                                                         "waterway"))
                    else "green" if any((k, tags.get(k)) in _GREEN
                                        for k in ("leisure", "landuse", "natural")) else None)
            if kind is None:
                continue
            for ring in o.outer_rings():
                pts = [(n.lon, n.lat) for n in ring]
                if len(pts) > 3:
                    poly = xy([a for a, _ in pts], [b for _, b in pts])
                    if poly is not None:
                        getattr(bm, kind).append(poly)
    return bm


def _labels(ax, places, extent, fig_w_px: float, lang: str, n_max: int = 8) -> int:
    """Place names, most important first, skipping any whose box would overlap one drawn."""
    from matplotlib.patheffects import withStroke

    x0, x1, y0, y1 = extent
    boxes: list[Any] = []
    drawn = 0
    renderer = ax.figure.canvas.get_renderer()
    for _rank, x, y, en, ru in sorted(places, key=lambda p: -p[0]):
        if not (x0 <= x <= x1 and y0 <= y <= y1) or drawn >= n_max:
            continue
        t = ax.text(x, y, ru if lang == "ru" else en, fontsize=max(7, fig_w_px / 90),
                    ha="center", va="center", color="#222",
                    path_effects=[withStroke(linewidth=2.5, foreground="white")])
        bb = t.get_window_extent(renderer).expanded(1.1, 1.2)
        fb = ax.figure.bbox
        if any(bb.overlaps(b) for b in boxes) or not fb.contains(bb.x0, bb.y0) or \
                not fb.contains(bb.x1, bb.y1):
            t.remove()
            continue
        boxes.append(bb)
        drawn += 1
    return drawn


def apply(png: Path, extent: tuple[float, float, float, float], bm: Basemap, *,
          lang: str = "both", out: Path | None = None) -> tuple[int, int]:
    """Redraw the map image ``png`` (covering ``extent`` = left, right, bottom, top [m]) over
    the basemap into ``out`` (default: ``png`` itself); returns the new size [px].

    The basemap is drawn once per extent, size and language as two layers (green and water
    under the map; rivers, roads and names over it, see :func:`layers`) and each map is
    composited between them with numpy: a city's dozen maps share one drawing. The map's
    cells are enlarged by a whole factor (nearest neighbour), so each cell stays a sharp
    block. The image is written to a new file renamed into place, never through an existing
    one (a report's images may be hard links of the previous report's)."""
    from PIL import Image

    img = Image.open(png).convert("RGBA")
    w, h = img.size
    k = max(1, math.ceil(MIN_WIDTH / w))
    W, H = w * k, h * k
    under, over = layers(bm, extent, W, H, lang)
    if k > 1:
        img = img.resize((W, H), Image.Resampling.NEAREST)
    comp = Image.alpha_composite(Image.alpha_composite(under, img), over)
    return write_png(np.asarray(comp), Path(out) if out is not None else Path(png))


def layers(bm: Basemap, extent: tuple[float, float, float, float], W: int, H: int,
           lang: str = "both") -> tuple[Any, Any]:
    """The basemap of ``extent`` at ``W`` × ``H`` px as two RGBA images (PIL): the layer under
    a map (paper, green areas, water; opaque) and the one over it (rivers, roads, place names;
    transparent elsewhere). Drawn once per basemap, extent, size and language (kept on ``bm``).
    """
    key = (tuple(float(x) for x in extent), W, H, lang)
    if key not in bm.layers:
        if len(bm.layers) >= 8:
            bm.layers.clear()
        bm.layers[key] = (_draw_layer(bm, extent, W, H, lang, under=True),
                          _draw_layer(bm, extent, W, H, lang, under=False))
    return bm.layers[key]


def _draw_layer(bm: Basemap, extent: tuple[float, float, float, float], W: int, H: int,
                lang: str, *, under: bool) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from PIL import Image

    dpi = 100
    fig = Figure(figsize=(W / dpi, H / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.patch.set_alpha(0.0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    scale = W / 800
    if under:
        ax.add_patch(_rect(extent, "#f2f1ec"))
        if bm.green:
            ax.add_collection(PolyCollection(bm.green, facecolor="#d7ebcc", edgecolor="none"))
        if bm.water:
            ax.add_collection(PolyCollection(bm.water, facecolor="#b9d7ee", edgecolor="none"))
    else:
        if bm.rivers:
            ax.add_collection(LineCollection([r for _k, r in bm.rivers], colors="#5b9bd5",
                                             linewidths=[0.8 * scale * (1 + k_) for k_, _r in
                                                         bm.rivers], zorder=3))
        if bm.roads:
            lines = [r for _k, r in bm.roads]
            widths = [0.6 * scale * k_ for k_, _r in bm.roads]
            ax.add_collection(LineCollection(lines, colors="white",
                                             linewidths=[x + 1.2 * scale for x in widths],
                                             alpha=0.8, zorder=3))
            ax.add_collection(LineCollection(lines, colors="#6b6b6b", linewidths=widths,
                                             alpha=0.9, zorder=4))
        _labels(ax, bm.places, extent, W, lang)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    if rgba.shape[:2] != (H, W):       # a rounding of the figure size: pad or crop to W × H
        full = np.zeros((H, W, 4), dtype=np.uint8)
        hh, ww = min(H, rgba.shape[0]), min(W, rgba.shape[1])
        full[:hh, :ww] = rgba[:hh, :ww]
        rgba = full
    return Image.fromarray(np.ascontiguousarray(rgba), "RGBA")


@functools.lru_cache(maxsize=4)
def _basemap_of(pbf: str, epsg: int, bounds: tuple[float, float, float, float]) -> Basemap:
    return load_basemap(pbf, epsg, bounds)


def _extent(cog: Path, window: tuple[int, int, int, int, int, int] | None
            ) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float], int]:
    """(left, right, bottom, top) of the mapped window, the raster's bounds and its EPSG."""
    import rasterio

    with rasterio.open(cog) as src:
        t, hh, ww, epsg = src.transform, src.height, src.width, src.crs.to_epsg()
        b = src.bounds
    r0, r1, c0, c1 = (0, hh, 0, ww) if window is None else window[:4]
    if window is not None and (window[4], window[5]) != (hh, ww):
        fy, fx = hh / window[4], ww / window[5]
        r0, r1, c0, c1 = r0 * fy, r1 * fy, c0 * fx, c1 * fx
    ext = (t.c + c0 * t.a, t.c + c1 * t.a, t.f + r1 * t.e, t.f + r0 * t.e)
    return ext, (b.left, b.bottom, b.right, b.top), int(epsg or 0)


def bm_name(p: Path) -> Path:
    """The name of a map image redrawn over the basemap: NAME-bm.png."""
    return p.with_name(f"{p.stem}-bm{p.suffix}")


@cached
def with_basemap(base: FigureInfo, cogs: list[Path], window: Any, pbf: Path, out_file: Path,
                 *, lang: str = "ru") -> FigureInfo:
    """The map ``base`` redrawn over the basemap of ``pbf``: new images beside the old ones
    (``NAME-bm.png``; ``out_file`` is the one of ``base.file``), the same description with the
    new sizes, the basemap's source and the OpenStreetMap credit among the inputs.

    Cached like the other figures (:mod:`.figcache`): keyed by the map's description, the
    rasters' and the PBF's names, sizes and times, and the code."""
    ext, bounds, epsg = _extent(cogs[0], window)
    bm = _basemap_of(str(pbf), epsg, tuple(float(x) for x in bounds))
    panels = []
    for p in base.panels:
        new = bm_name(Path(p["file"]))
        w, h = apply(Path(p["file"]), ext, bm, lang=lang, out=new)
        panels.append({**p, "file": new, "width": w, "height": h})
    if base.panels:
        w, h = base.width, base.height
    else:
        w, h = apply(base.file, ext, bm, lang=lang, out=out_file)
    extra = dict(base.extra)
    extra["basemap"] = bm.source
    extra["inputs"] = [*extra.get("inputs", []),
                       {"name": f"{bm.source} © OpenStreetMap contributors, ODbL",
                        "href": "../../manifest.json"}]
    return dataclasses.replace(base, file=out_file, width=w, height=h, panels=panels,
                               extra=extra)


def _rect(extent, colour):
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    return Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=colour, edgecolor="none", zorder=0)
