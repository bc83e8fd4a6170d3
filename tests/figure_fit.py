"""Does a matplotlib figure fit: every text inside the saved image, no two tick labels of one
axis overlapping, no text cut by the figure's edge. Used by the report's figure-fit test."""

from __future__ import annotations

from typing import Any


def _shown_ticks(axis) -> tuple[list[Any], list[Any]]:
    """Tick labels drawn (tick inside the view interval) and those matplotlib leaves out."""
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) or 1.0
    shown, hidden = [], []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        inside = lo - 1e-9 * span <= tick.get_loc() <= hi + 1e-9 * span
        for lab in (tick.label1, tick.label2):
            (shown if inside and lab.get_visible() and lab.get_text().strip()
             else hidden).append(lab)
    return shown, hidden


def _boxes(texts, renderer):
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


def fit_problems(fig: Any, *, tight: bool = False, tol: float = 1.0) -> list[str]:
    """What does not fit in ``fig`` as it will be saved (``tight``: bbox_inches='tight')."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    frame = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans) if tight else fig.bbox
    if tight:   # the tight box grows to hold every text: only the page width limits it
        frame = fig.bbox.union([fig.bbox, frame])
    hidden_ids = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                  for t in (_shown_ticks(axis)[1] if ax.axison
                            else _shown_ticks(axis)[0] + _shown_ticks(axis)[1])}
    for t in fig.findobj(Text):
        if id(t) in hidden_ids:
            continue
        if not t.get_visible() or not t.get_text().strip() or t.axes is None and t.figure is None:
            continue
        bb = t.get_window_extent(renderer)
        if bb.width == 0:
            continue
        if not tight and (bb.x0 < frame.x0 - tol or bb.x1 > frame.x1 + tol
                          or bb.y0 < frame.y0 - tol or bb.y1 > frame.y1 + tol):
            problems.append(f"text outside the figure: {t.get_text()[:40]!r}")
        # a title or label clipped by its own text box: a long title wider than the figure
        if bb.width > fig.bbox.width + tol:
            problems.append(f"text wider than the figure: {t.get_text()[:40]!r}")
    for ax in fig.axes:
        if not ax.axison:
            continue
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            bs = _boxes(_shown_ticks(axis)[0], renderer)
            for i in range(len(bs)):
                for j in range(i + 1, len(bs)):
                    a, b = bs[i][1], bs[j][1]
                    if a.overlaps(b) and (min(a.x1, b.x1) - max(a.x0, b.x0) > tol
                                          and min(a.y1, b.y1) - max(a.y0, b.y0) > tol):
                        problems.append(f"{axis_name} tick labels overlap: {bs[i][0]!r} "
                                        f"and {bs[j][0]!r}")
    return problems
