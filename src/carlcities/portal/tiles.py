"""XYZ map tiles (256 px PNG, Web Mercator) drawn from a city's COGs with rio-tiler.

Coded rasters (Atlas classes, growth types, land cover) get their palette; continuous ones are
stretched between the 2nd and 98th percentiles of the raster's valid cells (computed once per
file and kept while the file is unchanged) through a matplotlib colour map. Nodata cells are
transparent, so the OSM basemap shows through; a tile outside the raster is a transparent
PNG, not an error.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .layers import classify, style_of

__all__ = ["EMPTY_PNG", "LayerRange", "family_range", "layer_range", "legend_stops",
           "render_tile"]

TILE = 256
_LOCK = threading.Lock()


def _empty_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (TILE, TILE), (0, 0, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


EMPTY_PNG = _empty_png()


@dataclass(frozen=True)
class LayerRange:
    """The stretch of a continuous raster [stored units] and whether it has any data."""

    lo: float
    hi: float
    empty: bool


def _key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=512)
def _range(key: tuple[str, int, int], drop_zero: bool) -> LayerRange:
    import rasterio

    with rasterio.open(key[0]) as ds:
        # a decimated read is enough for percentiles and keeps large grids cheap
        f = max(1, max(ds.width, ds.height) // 1024)
        a = ds.read(1, masked=True, out_shape=(max(1, ds.height // f), max(1, ds.width // f)))
    v = np.asarray(a.astype(float).filled(np.nan)).ravel()
    v = v[np.isfinite(v) & ((v != 0) if drop_zero else True)]
    if not v.size:
        return LayerRange(0.0, 1.0, True)
    lo, hi = (float(x) for x in np.percentile(v, [2, 98]))
    if hi <= lo:
        hi = lo + (abs(lo) * 0.01 or 1.0)
    return LayerRange(lo, hi, False)


def layer_range(path: Path) -> LayerRange:
    """2nd and 98th percentile of the raster's valid cells (cached per file version); cells
    of 0 are left out where the family draws them see-through."""
    return _range(_key(path), style_of(classify(path.stem).family).zero_clear)


def family_range(paths: list[Path]) -> LayerRange:
    """One stretch for the rasters of a family (all its epochs), so that the colours of two
    epochs compare: the lowest 2nd and the highest 98th percentile."""
    rs = [r for r in (layer_range(p) for p in paths) if not r.empty]
    if not rs:
        return LayerRange(0.0, 1.0, True)
    return LayerRange(min(r.lo for r in rs), max(r.hi for r in rs), False)


@functools.lru_cache(maxsize=64)
def _lut(cmap: str) -> np.ndarray:
    from matplotlib import colormaps

    return (colormaps[cmap](np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)


def legend_stops(cmap: str, n: int = 11) -> list[str]:
    """``n`` colours of a colour map from low to high, as CSS hex colours."""
    lut = _lut(cmap)
    idx = np.linspace(0, 255, n).round().astype(int)
    return ["#{:02x}{:02x}{:02x}".format(*lut[i][:3]) for i in idx]


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def render_tile(path: Path, z: int, x: int, y: int, stretch: LayerRange | None = None) -> bytes:
    """One 256 px PNG tile of ``path`` (a COG of the city grid) in Web Mercator; continuous
    values are stretched over ``stretch`` (default: the raster's own :func:`layer_range`).

    The last :data:`CACHED_TILES` tiles drawn are kept in memory, keyed by the file's
    version (path, modification time, size), so a replaced raster is drawn afresh."""
    return _tile(_key(path), z, x, y, stretch)


CACHED_TILES = 2048


@functools.lru_cache(maxsize=CACHED_TILES)
def _tile(key: tuple[str, int, int], z: int, x: int, y: int,
          stretch: LayerRange | None) -> bytes:
    path = Path(key[0])
    from PIL import Image
    from rio_tiler.errors import TileOutsideBounds
    from rio_tiler.io import Reader

    style = style_of(classify(path.stem).family)
    coded = bool(style.classes)
    try:
        with Reader(str(path)) as src:
            if not src.tile_exists(x, y, z):
                return EMPTY_PNG
            img = src.tile(x, y, z, tilesize=TILE,
                           resampling_method="nearest" if coded else "bilinear",
                           reproject_method="nearest")
    except TileOutsideBounds:
        return EMPTY_PNG
    data: np.ma.MaskedArray = np.ma.masked_invalid(np.ma.asarray(img.array[0], dtype=float))
    valid = ~np.ma.getmaskarray(data)
    if style.zero_clear:
        valid &= np.asarray(data.filled(0)) != 0
    rgba = np.zeros((TILE, TILE, 4), dtype=np.uint8)
    vals = np.asarray(data.filled(np.nan))
    if coded:
        for code, colour, _en, _ru in style.classes:
            hit = valid & (vals == code)
            rgba[hit, :3] = _hex(colour)
            rgba[hit, 3] = 210
    else:
        r = stretch or layer_range(path)
        t = np.clip((vals - r.lo) / (r.hi - r.lo), 0, 1)
        idx = np.where(valid, np.nan_to_num(t * 255), 0).astype(np.uint8)
        rgba[...] = _lut(style.cmap)[idx]
        rgba[..., 3] = np.where(valid, 200, 0)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=False, compress_level=3)
    return buf.getvalue()
