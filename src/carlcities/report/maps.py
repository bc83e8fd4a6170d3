"""City maps drawn from the rasters a run wrote under ``OUT/rasters/CITY/``.

Raster conventions (pipeline contract): ``atlas_class_EPOCH.tif`` uint8 codes of
:data:`carlcities._schema.ATLAS_CLASSES` (0 nodata), ``population_EPOCH.tif`` float32 persons per
cell, ``growth_T1_T2.tif`` uint8 codes of :data:`carlcities._schema.GROWTH_CLASSES`; all on the
city's metric (UTM) grid. Large rasters are read decimated (nearest for classes, average for
population) so that a map never needs more pixels than it shows.

Every function draws with matplotlib's object API on the Agg canvas (no pyplot state), writes one
PNG and returns a :class:`FigureInfo`, or ``None`` when its rasters are missing.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._schema import ATLAS_CLASSES, GROWTH_CLASSES
from . import i18n

__all__ = [
    "FigureInfo", "RasterSet", "find_rasters", "atlas_panels", "expansion_map", "density_map",
    "growth_map", "png_size", "DPI",
]

DPI = 100
MAX_PX = 420          # largest raster side drawn per panel [px]
FONT = 8

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
    extra: dict = field(default_factory=dict)


@dataclass
class RasterSet:
    """The rasters found for one city, by epoch."""

    folder: Path
    atlas: dict[int, Path]
    population: dict[int, Path]
    growth: dict[tuple[int, int], Path]

    @property
    def empty(self) -> bool:
        return not (self.atlas or self.population or self.growth)


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
    extent_km: tuple[float, float, float, float]
    tags: dict


def _read(path: Path, *, average: bool = False, shape: tuple[int, int] | None = None) -> _Grid:
    import rasterio
    from rasterio.enums import Resampling

    with rasterio.open(path) as src:
        h, w = src.height, src.width
        if shape is None:
            f = max(1, math.ceil(max(h, w) / MAX_PX))
            shape = (math.ceil(h / f), math.ceil(w / f))
        rs = Resampling.average if average else Resampling.nearest
        arr = src.read(1, out_shape=shape, resampling=rs, masked=True)
        res_x, res_y = abs(src.transform.a), abs(src.transform.e)
        if src.crs is not None and src.crs.is_geographic:
            lat = math.radians((src.bounds.top + src.bounds.bottom) / 2)
            res_x *= 111_320.0 * math.cos(lat)
            res_y *= 110_540.0
        tags = dict(src.tags())
    data = np.asarray(arr.filled(0) if np.ma.isMaskedArray(arr) else arr)
    valid = ~np.ma.getmaskarray(arr)
    if data.dtype.kind == "f":
        valid &= np.isfinite(data)
        data = np.where(np.isfinite(data), data, 0)
    extent = (0.0, w * res_x / 1000.0, 0.0, h * res_y / 1000.0)
    return _Grid(data, valid, res_x * res_y, extent, tags)


def _source(paths: list[Path], out_dir: Path, tags: dict, fallback: str) -> str:
    rel = ", ".join(str(p.relative_to(out_dir)) if p.is_relative_to(out_dir) else p.name
                    for p in paths)
    tagged = "; ".join(dict.fromkeys(v for k, v in tags.items()
                                     if k.lower() in ("source", "product", "sources") and v))
    inputs = tagged or fallback
    return f"{rel}" + (f" ({i18n.text('inputs')}: {inputs})" if inputs else "")


def _axes_style(ax, extent, *, title: str | None = None, ylabel: bool = True) -> None:
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.tick_params(labelsize=FONT - 1, length=2, pad=1)
    ax.set_xlabel("km / км", fontsize=FONT - 1, labelpad=1)
    if ylabel:
        ax.set_ylabel("km / км", fontsize=FONT - 1, labelpad=1)
    for s in ax.spines.values():
        s.set_linewidth(0.5)
        s.set_color("#888888")
    if title:
        ax.set_title(title, fontsize=FONT + 1, pad=3)


def _lut(colours: dict[int, str], size: int = 256) -> np.ndarray:
    from matplotlib.colors import to_rgba

    lut = np.zeros((size, 4), dtype=np.float32)
    for code, c in colours.items():
        lut[code] = to_rgba(c)
    return lut


def _figure(w_in: float, h_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w_in, h_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, facecolor="white")
    return png_size(path)


def _legend(fig, handles, ncol: int) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=FONT,
               frameon=False, handlelength=1.2, columnspacing=1.2, handletextpad=0.4)


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor="#777777", linewidth=0.4, label=label)


# ----------------------------------------------------------------------------- maps
def atlas_panels(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
                 fallback_source: str) -> FigureInfo | None:
    """One panel per epoch coloured by the Atlas of Urban Expansion classes."""
    if not rs.atlas:
        return None
    epochs = list(rs.atlas)
    grids = [_read(rs.atlas[e]) for e in epochs]
    n = len(epochs)
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    ext = grids[-1].extent_km
    aspect = (ext[3] - ext[2]) / max(ext[1] - ext[0], 1e-9)
    panel_w = 2.5
    w = max(7.5, panel_w * ncols + 0.3)
    h = nrows * (panel_w * min(max(aspect, 0.5), 1.6) + 0.45) + 0.75
    fig = _figure(w, h)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    lut = _lut(ATLAS_COLOURS)
    for i, (ax, e, g) in enumerate(zip(axes, epochs, grids)):
        codes = np.where(g.valid, g.data, 0).astype(np.intp).clip(0, 255)
        ax.imshow(lut[codes], extent=g.extent_km, origin="upper", interpolation="nearest")
        _axes_style(ax, g.extent_km, title=str(e), ylabel=(i % ncols == 0))
    for ax in axes[n:]:
        ax.set_visible(False)
    present = sorted(set(np.unique(np.concatenate([g.data[g.valid].ravel() for g in grids])
                                   .astype(int))) & set(ATLAS_COLOURS))
    handles = [_patch(ATLAS_COLOURS[c], f"{ATLAS_CLASSES[c][0]} / {ATLAS_CLASSES[c][1]}")
               for c in (present or list(ATLAS_COLOURS))]
    _legend(fig, handles, ncol=3 if w >= 9.5 else 2)
    wpx, hpx = _save(fig, out_file)
    ep = ", ".join(map(str, epochs))
    return FigureInfo(
        file=out_file, kind="atlas", title_en=i18n.text("atlas_classes"),
        title_ru=i18n.text("atlas_classes", "ru"),
        alt=f"{i18n.text('atlas_alt', city=city_en, epochs=ep)} "
            f"{i18n.text('atlas_alt', 'ru', city_ru=city_ru, epochs=ep)}",
        caption_en=i18n.text("atlas_caption"), caption_ru=i18n.text("atlas_caption", "ru"),
        unit="class / класс",
        source=_source([rs.atlas[e] for e in epochs], out_dir, grids[-1].tags, fallback_source),
        width=wpx, height=hpx, extra={"epochs": epochs})


def expansion_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
                  fallback_source: str) -> FigureInfo | None:
    """Built-up cells (classes 1-3) coloured by the first epoch in which they are built up."""
    if not rs.atlas:
        return None
    from matplotlib import colormaps

    epochs = list(rs.atlas)
    last = _read(rs.atlas[epochs[-1]])
    shape = last.data.shape
    first = np.full(shape, -1, dtype=np.int16)
    for i, e in enumerate(epochs):
        g = last if e == epochs[-1] else _read(rs.atlas[e], shape=shape)
        built = g.valid & (g.data >= 1) & (g.data <= 3)
        first[(first < 0) & built] = i
    n = len(epochs)
    cmap = colormaps["plasma"]
    colours = [cmap(0.05 + 0.8 * (i / max(n - 1, 1))) for i in range(n)]
    img = np.ones(shape + (4,), dtype=np.float32)
    img[..., 3] = 0.0
    from matplotlib.colors import to_rgba

    img[last.valid] = to_rgba(BACKGROUND)
    img[last.valid & (last.data == 7)] = to_rgba(WATER)
    for i, c in enumerate(colours):
        img[first == i] = c
    fig = _figure(5.0, 5.0 * min(max((last.extent_km[3] - last.extent_km[2])
                                      / max(last.extent_km[1] - last.extent_km[0], 1e-9), 0.6),
                                  1.4) + 0.6)
    ax = fig.subplots()
    ax.imshow(img, extent=last.extent_km, origin="upper", interpolation="nearest")
    _axes_style(ax, last.extent_km)
    labels = [f"≤ {epochs[0]}"] + [f"{a}–{b}" for a, b in zip(epochs[:-1], epochs[1:])]
    handles = [_patch(c, lab) for c, lab in zip(colours, labels)]
    _legend(fig, handles, ncol=min(n, 5))
    wpx, hpx = _save(fig, out_file)
    return FigureInfo(
        file=out_file, kind="expansion", title_en=i18n.text("expansion_map"),
        title_ru=i18n.text("expansion_map", "ru"),
        alt=f"{i18n.text('expansion_alt', city=city_en)} "
            f"{i18n.text('expansion_alt', 'ru', city_ru=city_ru)}",
        caption_en=i18n.text("expansion_caption"), caption_ru=i18n.text("expansion_caption", "ru"),
        unit="epoch / период",
        source=_source([rs.atlas[e] for e in epochs], out_dir, last.tags, fallback_source),
        width=wpx, height=hpx, extra={"epochs": epochs})


def density_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
                fallback_source: str) -> FigureInfo | None:
    """Residents per hectare in the latest epoch, logarithmic colour scale."""
    if not rs.population:
        return None
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm

    epoch = max(rs.population)
    g = _read(rs.population[epoch], average=True)
    dens = g.data.astype(np.float64) / (g.cell_area_m2 / 10_000.0)   # [persons/ha]
    pos = g.valid & (dens > 0)
    fig = _figure(5.2, 5.0 * min(max((g.extent_km[3] - g.extent_km[2])
                                     / max(g.extent_km[1] - g.extent_km[0], 1e-9), 0.6), 1.4)
                  + 0.3)
    ax = fig.subplots()
    bg = np.zeros(dens.shape + (4,), dtype=np.float32)
    from matplotlib.colors import to_rgba

    bg[g.valid] = to_rgba(BACKGROUND)
    ax.imshow(bg, extent=g.extent_km, origin="upper", interpolation="nearest")
    if pos.any():
        vals = dens[pos]
        vmin = max(float(np.percentile(vals, 2)), 0.01)
        vmax = max(float(vals.max()), vmin * 10)
        cmap = colormaps["inferno_r"].copy()
        cmap.set_bad(alpha=0.0)
        im = ax.imshow(np.ma.masked_where(~pos, dens), extent=g.extent_km, origin="upper",
                       interpolation="nearest", cmap=cmap,
                       norm=LogNorm(vmin=vmin, vmax=vmax, clip=True))
        cb = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.02, aspect=25)
        cb.set_label("persons/ha / чел./га (log)", fontsize=FONT)
        cb.ax.tick_params(labelsize=FONT - 1)
    _axes_style(ax, g.extent_km, title=str(epoch))
    wpx, hpx = _save(fig, out_file)
    return FigureInfo(
        file=out_file, kind="density", title_en=f"{i18n.text('density_map')}, {epoch}",
        title_ru=f"{i18n.text('density_map', 'ru')}, {epoch}",
        alt=f"{i18n.text('density_alt', city=city_en, epoch=epoch)} "
            f"{i18n.text('density_alt', 'ru', city_ru=city_ru, epoch=epoch)}",
        caption_en=i18n.text("density_caption", epoch=epoch),
        caption_ru=i18n.text("density_caption", "ru", epoch=epoch),
        unit="persons/ha / чел./га",
        source=_source([rs.population[epoch]], out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={"epoch": epoch})


def growth_map(rs: RasterSet, out_file: Path, *, out_dir: Path, city_en: str, city_ru: str,
               fallback_source: str) -> FigureInfo | None:
    """New growth by type for the last epoch pair, over the built-up area at its start."""
    if not rs.growth:
        return None
    t1, t2 = max(rs.growth, key=lambda p: (p[1], p[0]))
    g = _read(rs.growth[(t1, t2)])
    img = np.zeros(g.data.shape + (4,), dtype=np.float32)
    from matplotlib.colors import to_rgba

    img[g.valid] = to_rgba(BACKGROUND)
    paths = [rs.growth[(t1, t2)]]
    if t1 in rs.atlas:
        a = _read(rs.atlas[t1], shape=g.data.shape)
        img[a.valid & (a.data == 7)] = to_rgba(WATER)
        img[a.valid & (a.data >= 1) & (a.data <= 3)] = to_rgba(EXISTING_GREY)
        paths.append(rs.atlas[t1])
    lut = _lut(GROWTH_COLOURS)
    codes = np.where(g.valid, g.data, 0).astype(np.intp).clip(0, 255)
    new = (codes >= 1) & (codes <= 4)
    img[new] = lut[codes[new]]
    fig = _figure(5.0, 5.0 * min(max((g.extent_km[3] - g.extent_km[2])
                                     / max(g.extent_km[1] - g.extent_km[0], 1e-9), 0.6), 1.4)
                  + 0.6)
    ax = fig.subplots()
    ax.imshow(img, extent=g.extent_km, origin="upper", interpolation="nearest")
    _axes_style(ax, g.extent_km, title=f"{t1}–{t2}")
    handles = []
    if len(paths) > 1:
        handles.append(_patch(EXISTING_GREY, f"{i18n.plain('existing_builtup', t1=t1)}"))
    handles += [_patch(GROWTH_COLOURS[c], f"{GROWTH_CLASSES[c][0]} / {GROWTH_CLASSES[c][1]}")
                for c in GROWTH_COLOURS]
    _legend(fig, handles, ncol=2)
    wpx, hpx = _save(fig, out_file)
    return FigureInfo(
        file=out_file, kind="growth", title_en=f"{i18n.text('growth_map')}, {t1}–{t2}",
        title_ru=f"{i18n.text('growth_map', 'ru')}, {t1}–{t2}",
        alt=f"{i18n.text('growth_alt', city=city_en, t1=t1, t2=t2)} "
            f"{i18n.text('growth_alt', 'ru', city_ru=city_ru, t1=t1, t2=t2)}",
        caption_en=i18n.text("growth_caption", t1=t1, t2=t2),
        caption_ru=i18n.text("growth_caption", "ru", t1=t1, t2=t2),
        unit="class / класс", source=_source(paths, out_dir, g.tags, fallback_source),
        width=wpx, height=hpx, extra={"epoch_start": t1, "epoch": t2})
