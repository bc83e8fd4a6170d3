"""The charts' canvas (report/canvas.py) and a title placed without measuring: the text drawn
from the caches is pixel for pixel what matplotlib's own Agg renderer draws, in both languages,
at any angle and position."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.report import canvas


def _draw(canvas_cls, shift: float = 0.0, *, antialiased: bool = True) -> np.ndarray:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.1, 2.3), dpi=100)
    canvas_cls(fig)
    ax = fig.add_axes((0.2 + shift, 0.2, 0.7, 0.6))
    ax.bar([0, 1, 2], [3.0, -1.5, 2.2], color="#1f77b4")
    ax.set_title("Сокращение выбросов\nabatement 2030", fontsize=6.5)
    ax.set_xlabel("kt CO₂e/yr — тыс. т", fontsize=7)
    ax.set_ylabel("USD/t", fontsize=8)
    ax.set_yticks([-1, 0, 1, 2, 3], ["−1", "0", "1,0", "2", "3 тыс."])
    ax.text(1.3 + shift, 2.0, "rotated / повёрнутый", rotation=33, fontsize=7,
            antialiased=antialiased)
    ax.text(0.1, -1.0, r"$\alpha^2 + \sqrt{x}$", fontsize=8)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("shift", [0.0, 0.0137, 0.1])
@pytest.mark.parametrize("antialiased", [True, False])
def test_cached_text_draws_the_pixels_of_matplotlib(shift: float, antialiased: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas.clear()
    want = _draw(FigureCanvasAgg, shift, antialiased=antialiased)
    first = _draw(canvas.Canvas, shift, antialiased=antialiased)   # fills the caches
    again = _draw(canvas.Canvas, shift, antialiased=antialiased)   # drawn from them
    assert np.array_equal(first, want)
    assert np.array_equal(again, want)


def test_the_second_figure_is_drawn_from_the_cache() -> None:
    canvas.clear()
    _draw(canvas.Canvas)
    n = len(canvas._GLYPHS), len(canvas._LAYOUTS), len(canvas._METRICS)
    assert all(k > 0 for k in n)
    _draw(canvas.Canvas)
    assert (len(canvas._GLYPHS), len(canvas._LAYOUTS), len(canvas._METRICS)) == n


def test_a_report_chart_is_the_same_with_and_without_the_cache(tmp_path, monkeypatch) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from carlcities.report import sections

    opts = [{"option_id": f"o{i}", "name_en": f"Option number {i} with a long name",
             "name_ru": f"Вариант номер {i} с длинным названием", "ranks": r}
            for i, r in enumerate([[0.6, 0.3, 0.1], [0.3, 0.5, 0.2], [0.1, 0.2, 0.7]])]
    kw = {"city_en": "A", "city_ru": "А", "source": "s"}
    canvas.clear()
    with monkeypatch.context() as m:        # matplotlib's own renderer
        m.setattr(canvas.Canvas, "get_renderer", FigureCanvasAgg.get_renderer)
        sections.rank_chart(opts, tmp_path / "plain.png", **kw)
    sections.rank_chart(opts, tmp_path / "first.png", **kw)
    sections.rank_chart(opts, tmp_path / "again.png", **kw)
    for lang in ("", ".ru"):
        want = (tmp_path / f"plain{lang}.png").read_bytes()
        assert (tmp_path / f"first{lang}.png").read_bytes() == want
        assert (tmp_path / f"again{lang}.png").read_bytes() == want


@pytest.mark.parametrize(("values", "y"), [([3.0, 5.0, 4.0], 1.0),
                                           ([1e7 + 1, 1e7 + 3, 1e7 + 2], None)])
def test_a_panel_title_is_placed_by_hand_only_where_matplotlib_would_not_move_it(values, y):
    """The scenario chart's titles: at the top of the axes (the same pixels as matplotlib's
    own placement) unless an offset text is there."""
    from matplotlib.figure import Figure

    from carlcities.report.sections import _title_y

    def draw(title_y):
        fig = Figure(figsize=(2, 2), dpi=100)
        canvas.Canvas(fig)
        ax = fig.add_axes((0.3, 0.1, 0.6, 0.6))
        ax.bar(range(3), values)
        ax.set_xticks([])
        got = _title_y(ax)
        ax.set_title("Land take\n[ha]", fontsize=6.5, y=title_y if title_y != "auto" else got)
        fig.canvas.draw()
        return got, np.asarray(fig.canvas.buffer_rgba()).copy()

    got, image = draw("auto")
    assert got == y
    assert np.array_equal(image, draw(None)[1])


def test_mathtext_follows_the_mathtext_settings_of_rcparams():
    """One parser per process would reuse a parse made under other mathtext settings: the
    parsers are kept per setting (review of issue 21)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def draw(make, rc):
        with matplotlib.rc_context(rc):
            fig = Figure(figsize=(2, 1), dpi=100)
            make(fig)
            fig.text(0.1, 0.3, "$x10^{2}$", fontsize=20)
            fig.canvas.draw()
            return np.asarray(fig.canvas.buffer_rgba()).copy()

    for rc in ({}, {"mathtext.default": "regular"}, {}):
        assert np.array_equal(draw(canvas.Canvas, rc), draw(FigureCanvasAgg, rc))
