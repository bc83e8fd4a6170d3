"""The Agg canvas of the report's charts, with its text set once per process (issue 21).

Most of a chart's drawing time is text: every tick label, axis label and option name is shaped
by HarfBuzz, measured and rendered glyph by glyph by FreeType, which reads each glyph from the
font file through Python's file object — again for every figure, since matplotlib's text-metrics
cache belongs to one renderer and its glyphs are not cached at all. A figure worker draws about
a hundred charts (each city's EN and RU images) out of a few hundred different strings: the
same option names, tick labels and axis labels. :class:`Renderer` keeps, per process,

* the width, height and descent of each string (:meth:`Renderer.get_text_width_height_descent`),
* the glyphs and their offsets of each string (:meth:`Renderer.draw_text`),
* the parsed mathematical text (one parser per mathtext setting of ``rcParams``, whose
  cache is matplotlib's), and
* the coverage bitmap of each glyph at each of the 64 × 64 sub-pixel offsets FreeType
  distinguishes (26.6 fixed point): a glyph rendered at offset ``p`` is the one rendered at
  ``p mod 1 px`` moved by whole pixels, which FreeType does exactly,

so the pixels are those matplotlib draws (a test compares them with the plain Agg renderer).
The keys hold everything the result depends on: the string, the font properties (as matplotlib's
own metrics cache keys them), the font settings of ``rcParams``, the resolution and the hinting.
Strings with mathematical text are measured by matplotlib; their glyphs, and those of TeX, go
through the same glyph cache (matplotlib draws them with the per-glyph loop this renderer
replaces). The glyph path is matplotlib 3.11's (private); on other versions the text is drawn
by matplotlib's own code and only the metrics are cached. The caches are emptied in a forked
child (the parent's
FreeType fonts are not to be used there, as matplotlib's ``get_font`` does).
"""

from __future__ import annotations

import math
import os
from typing import Any

import matplotlib
import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

__all__ = ["Canvas", "Renderer", "clear"]

_METRICS: dict[Any, tuple[float, float, float]] = {}
_LAYOUTS: dict[Any, tuple[tuple[Any, ...], ...]] = {}
_GLYPHS: dict[Any, tuple[np.ndarray, int, int]] = {}
#: glyph rendering as this module does it uses matplotlib's private per-glyph text path, as
#: it is in 3.11 (checked against the plain renderer's pixels by tests/test_report_canvas.py);
#: other versions draw text as matplotlib does, only the metrics cached
_PER_GLYPH = (hasattr(RendererAgg, "_draw_text_glyphs_and_boxes")
              and matplotlib.__version__.startswith("3.11."))


_MAX_GLYPHS = 50_000  # bitmaps kept; a worker of the 48-city report needs ~10 000 (0.3 MB)
#: the process's mathtext parsers, one per mathtext setting of rcParams (a parser caches its
#: parses by string and font properties, not by those settings)
_MATH: dict[tuple[Any, ...], Any] = {}


def clear() -> None:
    """Forget every cached string and glyph."""
    _METRICS.clear()
    _LAYOUTS.clear()
    _GLYPHS.clear()
    _MATH.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=clear)


def _rc() -> tuple[Any, ...]:
    """The font settings that decide which font a property resolves to, and the hinting."""
    rc = rcParams
    return (get_hinting_flag(), rc["text.kerning_factor"], str(rc["font.family"]),
            str(rc["font.sans-serif"]), str(rc["font.serif"]), str(rc["font.monospace"]),
            str(rc["font.cursive"]), str(rc["font.fantasy"]),
            rc.get("font.enable_last_resort"))


class Renderer(RendererAgg):
    """Matplotlib's Agg renderer, with text metrics, layouts and glyph bitmaps cached."""

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)
        # one parser for every figure: matplotlib caches the parsed mathtext (the log axes'
        # '10^2' tick labels) per parser, and each renderer would make its own
        key = (_rc(), *sorted((k, str(v)) for k, v in rcParams.items()
                               if k.startswith("mathtext.")))
        self.mathtext_parser = _MATH.setdefault(key, self.mathtext_parser)

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any
                                      ) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop.copy(), self.dpi, _rc())
        got = _METRICS.get(key)
        if got is None:
            got = _METRICS[key] = super().get_text_width_height_descent(s, prop, ismath)
        return got

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        if ismath or not _PER_GLYPH:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        features = tuple(features) if features is not None else None
        key = (s, prop.copy(), self.dpi, _rc(), features, language)
        glyphs = _LAYOUTS.get(key)
        if glyphs is None:
            font = self._prepare_font(prop)
            size = prop.get_size_in_points()
            glyphs = _LAYOUTS[key] = tuple(
                (item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y)
                for item in font._layout(s, flags=get_hinting_flag(), features=features,
                                         language=language))
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, [])
        return None

    def _draw_text_glyphs_and_boxes(self, gc: Any, x: float, y: float, angle: float,
                                    glyphs: Any, boxes: Any) -> None:
        # matplotlib's own loop (backend_agg.py), with each glyph's bitmap rendered once at
        # its sub-pixel offset and placed by whole pixels; matplotlib's mathtext and TeX call
        # this too, so it is left to matplotlib where the private path is not the known one
        if not _PER_GLYPH:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            return
        from matplotlib.ft2font import RenderMode

        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        flags = get_hinting_flag()
        aa = bool(gc.get_antialiased())
        height = int(self.height)
        x, top_y = float(x), float(self.height - y)     # round() of numpy scalars is slow
        matrices: dict[tuple[float, float], np.ndarray] = {}
        for font, size, index, slant, extend, dx, dy in glyphs:  # dy is upwards
            matrix = matrices.get((slant, extend))
            if matrix is None:
                matrix = matrices[slant, extend] = (
                    0x10000 * np.array([[cos, -sin], [sin, cos]])
                    @ [[extend, extend * slant], [0, 1]]).round().astype(int)
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (top_y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font, size, self.dpi, index, angle, slant, extend, px & 63, py & 63, flags,
                   aa)
            got = _GLYPHS.get(key)
            if got is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [px & 63, py & 63])
                bitmap = font._render_glyph(index, flags,
                                            RenderMode.NORMAL if aa else RenderMode.MONO)
                buffer = np.array(bitmap.buffer)      # FreeType reuses its own
                if not aa:
                    buffer *= 0xff
                if len(_GLYPHS) >= _MAX_GLYPHS:   # a bound on memory
                    _GLYPHS.clear()
                got = _GLYPHS[key] = (buffer, bitmap.left, bitmap.top)
            buffer, left, top = got
            # draw_text_image's y is downwards and the bitmap's bottom side
            self._renderer.draw_text_image(buffer, left + (px >> 6),
                                           height - top - (py >> 6) + buffer.shape[0], 0, gc)
        if boxes:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, (), boxes)


class Canvas(FigureCanvasAgg):
    """The Agg canvas, drawing with :class:`Renderer` (a new one when the size changes, as
    matplotlib's ``get_renderer``)."""

    _size: tuple[int, int, float] | None = None

    def get_renderer(self) -> Renderer:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._size != key:
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._size = key
        return self.renderer
