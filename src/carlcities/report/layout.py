"""Chart margins measured from the chart's own texts, instead of a layout engine (issue 21).

Matplotlib's constrained layout finds each axes' decorations by laying out every tick label,
title and legend (``get_tightbbox``), and the drawing then does that work again: for the
report's growth-scenario and rank charts the layout was half of their time (9 % of the whole
report). These charts have a known shape — one row of panels, titles above, tick labels to the
left, a legend or an axis label below — so the margins are computed here from the widths and
heights of the very strings that will be drawn (the font's metrics through the Agg renderer,
cached by matplotlib), once per language, and the axes are placed with ``set_position``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Margins", "place_row", "pt", "text_size", "tick_labels"]

_GAP = 4.0          # px between neighbouring decorations and around the figure


def text_size(fig: Any, texts: Iterable[str], size: float) -> tuple[float, float]:
    """(widest line, height of one line) [px] of ``texts`` at ``size`` pt in the default font;
    a text may have several lines."""
    from matplotlib.font_manager import FontProperties

    r = fig.canvas.get_renderer()
    prop = FontProperties(size=size)
    w = 0.0
    for s in texts:
        for line in str(s).split("\n"):
            if line:
                w = max(w, r.get_text_width_height_descent(line, prop, ismath="$" in line)[0])
    h = r.get_text_width_height_descent("lp", prop, ismath=False)[1]
    return w, h


def tick_labels(axis: Any) -> list[str]:
    """The major tick labels ``axis`` will draw (inside its view limits)."""
    lo, hi = sorted(axis.get_view_interval())
    locs = [v for v in axis.get_majorticklocs() if lo - 1e-9 * abs(hi - lo) <= v
            <= hi + 1e-9 * abs(hi - lo)]
    return [s for s in axis.get_major_formatter().format_ticks(locs) if s]


def pt(fig: Any, points: float) -> float:
    """``points`` in the figure's pixels."""
    return points * fig.dpi / 72.0


@dataclass(frozen=True)
class Margins:
    """Space around a row of panels [px]: ``top`` and ``bottom`` of the row, to the left of
    each panel (its tick labels) and to the right of the row."""

    top: float
    bottom: float
    left: Sequence[float]
    right: float = _GAP


def place_row(fig: Any, axes: Sequence[Any], m: Margins) -> None:
    """Place ``axes`` side by side in one row of equal widths, inside the margins."""
    W, H = fig.bbox.width, fig.bbox.height
    free = W - m.right - sum(x + _GAP for x in m.left)
    w = max(free / len(axes), 1.0)
    x = 0.0
    for ax, left in zip(axes, m.left, strict=True):
        x += _GAP + left
        ax.set_position((x / W, m.bottom / H, w / W, max(H - m.top - m.bottom, 1.0) / H))
        x += w
