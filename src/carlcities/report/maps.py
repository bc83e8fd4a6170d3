"""City maps drawn from the rasters a run wrote under ``OUT/rasters/CITY/``.

Raster conventions (pipeline contract): ``atlas_class_EPOCH.tif`` uint8 codes of
:data:`carlcities._schema.ATLAS_CLASSES` (0 nodata), ``population_EPOCH.tif`` float32 persons per
cell, ``growth_T1_T2.tif`` uint8 codes of :data:`carlcities._schema.GROWTH_CLASSES`; all on the
city's metric (UTM) grid. Large rasters are read decimated (nearest for classes, average for
population) so that a map never needs more pixels than it shows.

Maps are written as plain raster PNGs (one image pixel per drawn cell, enlarged by whole factors
for small grids), north up, with their legend, colour bar and scale bar given as data in the
returned :class:`FigureInfo` and drawn in HTML by the page. That keeps the text of legends
crisp, bilingual and selectable, and costs tens of milliseconds per map instead of the seconds a
matplotlib figure with axes takes (48 cities must build in well under 30 s). Each function
returns ``None`` when its rasters are missing.
"""

from __future__ import annotations

import itertools
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._schema import ATLAS_CLASSES, GROWTH_CLASSES
from . import i18n
from .figcache import cached, register_info
from .png import write_png

__all__ = [
    "DPI",
    "FONT",
    "FigureInfo",
    "RasterSet",
    "new_figure",
    "save_figure",
    "atlas_panels",
    "density_map",
    "expansion_map",
    "find_rasters",
    "growth_map",
    "png_size",
]

DPI = 100             # matplotlib figures (charts, regional map) [dots/inch]
FONT = 8              # matplotlib base font size [pt]
MAX_PX = 480          # largest raster side drawn per map [px]
MIN_PX = 320          # smaller rasters are enlarged by a whole factor up to this side [px]

ATLAS_COLOURS = {
    1: "#7f1d1d",  # urban built-up
    2: "#d9572b",  # suburban built-up
    3: "#f2b279",  # rural built-up
    4: "#b9d98b",  # fringe open space
    5: "#5f9e4a",  # captured open space
    6: "#f1f0e6",  # rural open space
    7: "#8ec3e6",  # water
}
GROWTH_COLOURS = {
    1: "#2b7bba",  # infill
    2: "#f28e2b",  # extension
    3: "#d62728",  # leapfrog
    4: "#8c5fb0",  # inclusion
}
EXISTING_GREY = "#bdbdbd"
BACKGROUND = "#f3f3f0"
WATER = "#cfe3f0"


@dataclass
class FigureInfo:
    """One figure written to disk, with the words that go around it on the page."""

    file: Path
    kind: str
    title_en: str
    title_ru: str
    alt: str
    caption_en: str
    caption_ru: str
    unit: str
    source: str
    width: int = 0
    height: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    panels: list[dict[str, Any]] = field(default_factory=list)  # one image each: file, label
    legend: list[dict[str, str]] = field(default_factory=list)  # colour, en, ru (, line)
    colorbar: dict[str, Any] | None = None                      # gradient, ticks, label
    scale: dict[str, Any] | None = None                         # km, label, percent


register_info(FigureInfo)


@dataclass
class RasterSet:
    """The rasters found for one city, by epoch."""

    folder: Path
    atlas: dict[int, Path]
    population: dict[int, Path]
    growth: dict[tuple[int, int], Path]

    window: tuple[int, int, int, int, int, int] | None = None   # r0, r1, c0, c1, height, width

    @property
    def empty(self) -> bool:
        return not (self.atlas or self.population or self.growth)

    def zoom_to_urban(self, *, pad: float = 0.12) -> None:
        """Limit the maps to the box around every urban cell (Atlas classes 1-5, all epochs).

        The pipeline's grid reaches well beyond the city (a buffer for growth); the maps zoom to
        the part that holds the urban area, padded by ``pad`` of its size on each side.
        """
        if not self.atlas:
            return
        from .extent import urban_window

        self.window = urban_window(self.folder, self.atlas, _read, pad) or self.window


def find_rasters(folder: Path) -> RasterSet:
    """Index ``atlas_class_*.tif``, ``population_*.tif`` and ``growth_*_*.tif`` in ``folder``."""
    atlas: dict[int, Path] = {}
    pop: dict[int, Path] = {}
    growth: dict[tuple[int, int], Path] = {}
    if folder.is_dir():
        for p in sorted(folder.glob("*.tif")):
            if m := re.fullmatch(r"atlas_class_(\d{4})\.tif", p.name):
                atlas[int(m.group(1))] = p
            elif m := re.fullmatch(r"population_(\d{4})\.tif", p.name):
                pop[int(m.group(1))] = p
            elif m := re.fullmatch(r"growth_(\d{4})_(\d{4})\.tif", p.name):
                growth[(int(m.group(1)), int(m.group(2)))] = p
    return RasterSet(folder, dict(sorted(atlas.items())), dict(sorted(pop.items())),
                     dict(sorted(growth.items())))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height [px] of a PNG file, read from its header."""
    with open(path, "rb") as f:
        head = f.read(24)
    w, h = struct.unpack(">II", head[16:24])
    return int(w), int(h)


# ----------------------------------------------------------------------------- raster reading
@dataclass
class _Grid:
    data: np.ndarray            # 2-D, decimated
    valid: np.ndarray           # bool, same shape
    cell_area_m2: float         # area of one ORIGINAL cell [m2]
    width_km: float
    height_km: float
    tags: dict
    full_shape: tuple[int, int] = (0, 0)


def _read(path: Path, *, average: bool = False, shape: tuple[int, int] | None = None,
          window: tuple[int, int, int, int, int, int] | None = None) -> _Grid:
    """Band 1, decimated to at most MAX_PX a side, optionally inside ``window`` (same grid)."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        full = (src.height, src.width)
        h, w = full
        win = None
        if window is not None and window[4:] == full:
            r0, r1, c0, c1 = window[:4]
            win = Window(c0, r0, c1 - c0, r1 - r0)
            h, w = r1 - r0, c1 - c0
        if shape is None:
            f = max(1, math.ceil(max(h, w) / MAX_PX))
            shape = (math.ceil(h / f), math.ceil(w / f))
        rs = Resampling.average if average else Resampling.nearest
        arr = src.read(1, window=win, out_shape=shape, resampling=rs, masked=True)
        res_x, res_y = abs(src.transform.a), abs(src.transform.e)
        if src.crs is not None and src.crs.is_geographic:
            lat = math.radians((src.bounds.top + src.bounds.bottom) / 2)
            res_x *= 111_320.0 * math.cos(lat)
            res_y *= 110_540.0
        tags = dict(src.tags())
    valid = ~np.ma.getmaskarray(arr)
    data = np.asarray(np.ma.getdata(arr))
    if data.dtype.kind == "f":
        valid &= np.isfinite(data)
        data = np.where(valid, data, 0)
    else:
        data = np.where(valid, data, 0)
    return _Grid(data, valid, res_x * res_y, w * res_x / 1000.0, h * res_y / 1000.0, tags, full)


def _source(paths: list[Path], out_dir: Path, tags: dict, fallback: str) -> str:
    rel = ", ".join(str(p.relative_to(out_dir)) if p.is_relative_to(out_dir) else p.name
                    for p in paths)
    tagged = "; ".join(dict.fromkeys(v for k, v in tags.items()
                                     if k.lower() in ("source", "product", "sources") and v))
    inputs = tagged or fallback
    return rel + (f" ({i18n.text('inputs')}: {inputs})" if inputs else "")


def _rgba(colour: str) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return (np.array(to_rgba(colour)) * 255).round().astype(np.uint8)


def _lut(colours: dict[int, str]) -> np.ndarray:
    lut = np.zeros((256, 4), dtype=np.uint8)
    for code, c in colours.items():
        lut[code] = _rgba(c)
    return lut


def _write_png(img: np.ndarray, path: Path) -> tuple[int, int]:
    """Write an RGBA uint8 image, enlarged by a whole factor when small; returns its size [px]."""
    k = max(1, min(8, MIN_PX // max(img.shape[:2])))
    if k > 1:
        img = img.repeat(k, axis=0).repeat(k, axis=1)
    return write_png(img, path)


def _scale(width_km: float) -> dict:
    """A scale bar of a round length near a quarter of the map width."""
    if width_km <= 0:
        return {"km": 0, "label": "", "percent": 0}
    target = width_km / 4
    mag = 10 ** math.floor(math.log10(target))
    km = max(m * mag for m in (1, 2, 5) if m * mag <= target) if target >= mag else mag
    label = f"{km:g} km / {km:g} км" if km >= 1 else f"{km * 1000:g} m / {km * 1000:g} м"
    return {"km": km, "label": label, "percent": round(100 * km / width_km, 2)}


def _legend(colours: dict[int, str], names: dict[int, tuple[str, str]],
            codes: Iterable[int]) -> list[dict]:
    return [{"colour": colours[c], "en": names[c][0], "ru": names[c][1]} for c in codes]


# ----------------------------------------------------------------------------- maps
@cached
def atlas_panels(rs: RasterSet, out_dir_img: Path, *, city_id: str, out_dir: Path, city_en: str,
                 city_ru: str, fallback_source: str) -> FigureInfo | None:
    """One map per epoch coloured by the Atlas of Urban Expansion classes (a panel each)."""
    if not rs.atlas:
        return None
    epochs = list(rs.atlas)
    lut = _lut(ATLAS_COLOURS)
    panels: list[dict[str, Any]] = []
    present: set[int] = set()
    last = None
    for e in epochs:
        g = _read(rs.atlas[e], window=rs.window)
        idx = g.data.astype(np.intp).clip(0, 255)
        present |= set(np.unique(idx[g.valid]).tolist())
        f = out_dir_img / f"{city_id}-atlas-{e}.png"
        w, h = _write_png(lut[idx], f)
        panels.append({"file": f, "label": str(e), "epoch": e, "width": w, "height": h,
                       "alt": f"{i18n.text('atlas_alt', city=city_en, epochs=e)} "
                              f"{i18n.text('atlas_alt', 'ru', city_ru=city_ru, epochs=e)}"})
        last = g
    assert last is not None
    ep = ", ".join(map(str, epochs))
    codes = [c for c in ATLAS_COLOURS if c in present] or list(ATLAS_COLOURS)
    return FigureInfo(
        file=panels[-1]["file"], kind="atlas", title_en=i18n.text("atlas_classes"),
        title_ru=i18n.text("atlas_classes", "ru"),
        alt=f"{i18n.text('atlas_alt', city=city_en, epochs=ep)} "
            f"{i18n.text('atlas_alt', 'ru', city_ru=city_ru, epochs=ep)}",
        caption_en=i18n.text("atlas_caption"), caption_ru=i18n.text("atlas_caption", "ru"),
        unit="class / класс",
        source=_source([rs.atlas[e] for e in epochs], out_dir, last.tags, fallback_source),
        width=panels[-1]["width"], height=panels[-1]["height"], extra={"epochs": epochs},
        panels=panels, legend=_legend(ATLAS_COLOURS, ATLAS_CLASSES, codes),
        scale=_scale(last.width_km))


@cached
def expansion_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
                  fallback_source: str) -> FigureInfo | None:
    """Built-up cells (classes 1-3) coloured by the first epoch in which they are built up."""
    if not rs.atlas:
        return None
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    epochs = list(rs.atlas)
    last = _read(rs.atlas[epochs[-1]], window=rs.window)
    shape = last.data.shape
    first = np.full(shape, -1, dtype=np.int16)
    for i, e in enumerate(epochs):
        g = last if e == epochs[-1] else _read(rs.atlas[e], shape=shape, window=rs.window)
        built = g.valid & (g.data >= 1) & (g.data <= 3)
        first[(first < 0) & built] = i
    n = len(epochs)
    cmap = colormaps["plasma"]
    colours = [to_hex(cmap(0.05 + 0.8 * (i / max(n - 1, 1)))) for i in range(n)]
    img = np.zeros(shape + (4,), dtype=np.uint8)
    img[last.valid] = _rgba(BACKGROUND)
    img[last.valid & (last.data == 7)] = _rgba(WATER)
    for i, c in enumerate(colours):
        img[first == i] = _rgba(c)
    wpx, hpx = _write_png(img, out_file)
    labels = [(f"≤ {epochs[0]}", f"≤ {epochs[0]}")] + [(f"{a}–{b}", f"{a}–{b}")
                                                     for a, b in itertools.pairwise(epochs)]
    legend = [{"colour": c, "en": en, "ru": ru} for c, (en, ru) in zip(colours, labels)]
    legend += [{"colour": BACKGROUND, "en": "not built up", "ru": "не застроено"},
               {"colour": WATER, "en": "water", "ru": "вода"}]
    return FigureInfo(
        file=out_file, kind="expansion", title_en=i18n.text("expansion_map"),
        title_ru=i18n.text("expansion_map", "ru"),
        alt=f"{i18n.text('expansion_alt', city=city_en)} "
            f"{i18n.text('expansion_alt', 'ru', city_ru=city_ru)}",
        caption_en=i18n.text("expansion_caption"), caption_ru=i18n.text("expansion_caption", "ru"),
        unit="epoch / период",
        source=_source([rs.atlas[e] for e in epochs], out_dir, last.tags, fallback_source),
        width=wpx, height=hpx, extra={"epochs": epochs}, legend=legend,
        scale=_scale(last.width_km))


def _log_ticks(vmin: float, vmax: float) -> list[float]:
    lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
    ticks = [m * 10 ** p for p in range(lo, hi + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if vmin <= t <= vmax]
    if len(ticks) > 7:
        ticks = [t for t in ticks if f"{t:g}".lstrip("0.").startswith("1")]
    return ticks


@cached
def density_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
                fallback_source: str) -> FigureInfo | None:
    """Residents per hectare in the latest epoch, logarithmic colour scale."""
    if not rs.population:
        return None
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    epoch = max(rs.population)
    g = _read(rs.population[epoch], average=True, window=rs.window)
    dens = g.data.astype(np.float64) / (g.cell_area_m2 / 10_000.0)   # [persons/ha]
    pos = g.valid & (dens > 0)
    img = np.zeros(dens.shape + (4,), dtype=np.uint8)
    img[g.valid] = _rgba(BACKGROUND)
    cmap = colormaps["inferno_r"]
    colorbar = None
    if pos.any():
        vals = dens[pos]
        vmin = max(float(np.percentile(vals, 1)), 0.01)
        vmax = max(float(vals.max()), vmin * 10)
        lo, hi = math.log10(vmin), math.log10(vmax)
        frac = np.clip((np.log10(np.where(pos, dens, vmin)) - lo) / (hi - lo), 0, 1)
        lut = (cmap(np.linspace(0.05, 1, 256)) * 255).round().astype(np.uint8)
        img[pos] = lut[(frac[pos] * 255).astype(np.intp)]
        stops = ", ".join(f"{to_hex(cmap(0.05 + 0.95 * i / 10))} {i * 10}%" for i in range(11))
        colorbar = {"gradient": f"linear-gradient(to right, {stops})",
                    "ticks": [{"label": f"{t:g}",
                               "percent": round(100 * (math.log10(t) - lo) / (hi - lo), 2)}
                              for t in _log_ticks(vmin, vmax)],
                    "label": "persons/ha / чел./га (log)", "vmin": vmin, "vmax": vmax}
    wpx, hpx = _write_png(img, out_file)
    return FigureInfo(
        file=out_file, kind="density", title_en=f"{i18n.text('density_map')}, {epoch}",
        title_ru=f"{i18n.text('density_map', 'ru')}, {epoch}",
        alt=f"{i18n.text('density_alt', city=city_en, epoch=epoch)} "
            f"{i18n.text('density_alt', 'ru', city_ru=city_ru, epoch=epoch)}",
        caption_en=i18n.text("density_caption", epoch=epoch),
        caption_ru=i18n.text("density_caption", "ru", epoch=epoch),
        unit="persons/ha / чел./га",
        source=_source([rs.population[epoch]], out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={"epoch": epoch}, colorbar=colorbar,
        scale=_scale(g.width_km))


@cached
def growth_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
               fallback_source: str) -> FigureInfo | None:
    """New growth by type for the last epoch pair, over the built-up area at its start."""
    if not rs.growth:
        return None
    t1, t2 = max(rs.growth, key=lambda p: (p[1], p[0]))
    g = _read(rs.growth[(t1, t2)], window=rs.window)
    img = np.zeros(g.data.shape + (4,), dtype=np.uint8)
    img[g.valid] = _rgba(BACKGROUND)
    paths = [rs.growth[(t1, t2)]]
    legend = []
    if t1 in rs.atlas:
        a = _read(rs.atlas[t1], shape=g.data.shape, window=rs.window)
        img[a.valid] = _rgba(BACKGROUND)
        img[a.valid & (a.data == 7)] = _rgba(WATER)
        img[a.valid & (a.data >= 1) & (a.data <= 3)] = _rgba(EXISTING_GREY)
        paths.append(rs.atlas[t1])
        legend.append({"colour": EXISTING_GREY, "en": i18n.text("existing_builtup", t1=t1),
                       "ru": i18n.text("existing_builtup", "ru", t1=t1)})
    lut = _lut(GROWTH_COLOURS)
    codes = g.data.astype(np.intp).clip(0, 255)
    new = g.valid & (codes >= 1) & (codes <= 4)
    img[new] = lut[codes[new]]
    wpx, hpx = _write_png(img, out_file)
    legend += _legend(GROWTH_COLOURS, GROWTH_CLASSES, GROWTH_COLOURS)
    return FigureInfo(
        file=out_file, kind="growth", title_en=f"{i18n.text('growth_map')}, {t1}–{t2}",
        title_ru=f"{i18n.text('growth_map', 'ru')}, {t1}–{t2}",
        alt=f"{i18n.text('growth_alt', city=city_en, t1=t1, t2=t2)} "
            f"{i18n.text('growth_alt', 'ru', city_ru=city_ru, t1=t1, t2=t2)}",
        caption_en=i18n.text("growth_caption", t1=t1, t2=t2),
        caption_ru=i18n.text("growth_caption", "ru", t1=t1, t2=t2),
        unit="class / класс", source=_source(paths, out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={"epoch_start": t1, "epoch": t2}, legend=legend,
        scale=_scale(g.width_km))


# ----------------------------------------------------------------------------- matplotlib
def new_figure(w_in: float, h_in: float, *, layout: Literal["constrained"] | None = None):
    """A matplotlib figure on the Agg canvas (no pyplot state), its text drawn from the
    process's text cache (report/canvas.py)."""
    from matplotlib.figure import Figure

    from .canvas import Canvas

    fig = Figure(figsize=(w_in, h_in), dpi=DPI, layout=layout)
    Canvas(fig)
    return fig


def save_figure(fig, path: Path, *, tight: bool = False) -> tuple[int, int]:
    """Write ``fig`` as PNG (white background); return its size in pixels.

    A figure with a layout engine is laid out here and then drawn once: ``savefig`` would
    draw it twice, once (without rendering) to lay it out and once to render it; the image is
    the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.savefig(path, dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1},
                    bbox_inches="tight", pad_inches=0.08)
        return png_size(path)
    # what savefig does for a figure at its own resolution, without Pillow's row-filter
    # search (report/png.py): draw on the Agg canvas, write its pixels
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    face = fig.get_facecolor()
    fig.set_facecolor("white")
    try:
        fig.canvas.draw()
        return write_png(np.asarray(fig.canvas.buffer_rgba()), path, dpi=DPI)
    finally:
        fig.set_facecolor(face)
        if engine is not None:
            fig.set_layout_engine(engine)


# ----------------------------------------------------------------------------- environment
#: environment and economy maps: raster prefix → (title key, colormap, unit, caption key)
ENV_MAPS: dict[str, tuple[str, str, str, str]] = {
    "green": ("env_green_map", "Greens", "share of cell / доля ячейки", "env_green_caption"),
    "pm25": ("env_pm25_map", "YlOrBr", "µg/m³ / мкг/м³", "env_pm25_caption"),
    "lst": ("env_lst_map", "inferno", "°C", "env_lst_caption"),
    "lights": ("env_lights_map", "magma", "nW/cm²/sr", "env_lights_caption"),
}


def _colour_scale(g, cmap_name: str, unit: str,
                  fixed: tuple[float, float] | None = None) -> tuple[np.ndarray, dict | None]:
    """RGBA image of a raster on a linear colour scale (2nd–98th percentile unless ``fixed``),
    and the HTML colour bar that goes with it."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    img = np.zeros(g.data.shape + (4,), dtype=np.uint8)
    img[g.valid] = _rgba(BACKGROUND)
    if not g.valid.any():
        return img, None
    cmap = colormaps[cmap_name]
    vals = g.data[g.valid].astype(np.float64)
    vmin, vmax = fixed or (float(np.percentile(vals, 2)), float(np.percentile(vals, 98)))
    if vmax <= vmin:
        vmax = vmin + 1.0
    frac = np.clip((g.data.astype(np.float64) - vmin) / (vmax - vmin), 0, 1)
    lut = (cmap(np.linspace(0.08, 1, 256)) * 255).round().astype(np.uint8)
    img[g.valid] = lut[(frac[g.valid] * 255).astype(np.intp)]
    stops = ", ".join(f"{to_hex(cmap(0.08 + 0.92 * i / 10))} {i * 10}%" for i in range(11))
    ticks = np.linspace(vmin, vmax, 5)
    return img, {"gradient": f"linear-gradient(to right, {stops})",
                 "ticks": [{"label": f"{t:.3g}", "percent": round(100 * i / 4, 2)}
                           for i, t in enumerate(ticks)],
                 "label": unit, "vmin": vmin, "vmax": vmax}


#: mobility and access maps: raster name → (colormap, unit, reversed colours: near is good)
MOB_MAPS: dict[str, tuple[str, str, bool]] = {
    "street_km": ("Greys", "km / км", False),
    "access_school_m": ("viridis", "m / м", True),
    "access_clinic_m": ("viridis", "m / м", True),
    "drive_hospital_min": ("viridis", "min / мин", True),
}


@cached
def named_map(rs: RasterSet, name: str, out_file: Path, *, out_dir: Path, city_en: str,
              city_ru: str, fallback_source: str, cmap: str, unit: str, rev: bool,
              title: tuple[str, str], caption: tuple[str, str],
              fixed: tuple[float, float] | None = None) -> FigureInfo | None:
    """``rasters/CITY/{name}.tif`` on a linear colour scale from its 2nd to 98th percentile
    (``rev`` reverses the colours); None when absent."""
    path = rs.folder / f"{name}.tif"
    if not path.is_file():
        return None
    g = _read(path, average=True, window=rs.window)
    if not np.isfinite(g.data).any():
        return None
    img, colorbar = _colour_scale(g, cmap + ("_r" if rev else ""), unit, fixed=fixed)
    wpx, hpx = _write_png(img, out_file)
    return FigureInfo(
        file=out_file, kind=name.replace("_", "-"), title_en=title[0], title_ru=title[1],
        alt=f"{title[0]}, {city_en}. {title[1]}, {city_ru}.",
        caption_en=caption[0], caption_ru=caption[1],
        unit=unit, source=_source([path], out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={}, colorbar=colorbar, scale=_scale(g.width_km))


@cached
def mob_map(rs: RasterSet, kind: str, out_file: Path, *, out_dir: Path, city_en: str,
            city_ru: str, fallback_source: str) -> FigureInfo | None:
    """``rasters/CITY/{kind}.tif`` of the mobility engine on a linear colour scale from its 2nd
    to 98th percentile (short distances bright); None when absent."""
    if kind not in MOB_MAPS:
        return None
    cmap_name, unit, rev = MOB_MAPS[kind]
    info = named_map(rs, kind, out_file, out_dir=out_dir, city_en=city_en, city_ru=city_ru,
                     fallback_source=fallback_source, cmap=cmap_name, unit=unit, rev=rev,
                     title=(i18n.text(f"mob_{kind}_map"), i18n.text(f"mob_{kind}_map", "ru")),
                     caption=(i18n.text(f"mob_{kind}_caption"),
                              i18n.text(f"mob_{kind}_caption", "ru")))
    if info is not None:
        info.kind = f"mob-{kind}"
    return info


@cached
def env_map(rs: RasterSet, kind: str, out_file: Path, *, out_dir: Path, city_en: str,
            city_ru: str, fallback_source: str) -> FigureInfo | None:
    """The latest ``{kind}_YEAR.tif`` (green share, PM2.5, land-surface temperature or night
    lights) on a linear colour scale from its 2nd to 98th percentile; None when absent."""
    files = sorted(p for p in rs.folder.glob(f"{kind}_*.tif")
                   if re.fullmatch(rf"{kind}_(\d{{4}})\.tif", p.name)) if rs.folder.is_dir() else []
    if not files or kind not in ENV_MAPS:
        return None

    path = files[-1]
    year = int(path.stem.split("_")[-1])
    title_key, cmap_name, unit, cap_key = ENV_MAPS[kind]
    g = _read(path, average=True, window=rs.window)
    img, colorbar = _colour_scale(g, cmap_name, unit,
                                  fixed=(0.0, 1.0) if kind == "green" else None)
    wpx, hpx = _write_png(img, out_file)
    return FigureInfo(
        file=out_file, kind=f"env-{kind}", title_en=f"{i18n.text(title_key)}, {year}",
        title_ru=f"{i18n.text(title_key, 'ru')}, {year}",
        alt=f"{i18n.text(title_key)}, {city_en}, {year}. "
            f"{i18n.text(title_key, 'ru')}, {city_ru}, {year}.",
        caption_en=i18n.text(cap_key, year=year), caption_ru=i18n.text(cap_key, "ru", year=year),
        unit=unit, source=_source([path], out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={"epoch": year}, colorbar=colorbar,
        scale=_scale(g.width_km))
