"""Figures with words in them, saved once per language (issue 20: Russian-only charts).

A chart is drawn once; the texts that differ by language (titles, axis labels, tick labels,
legends) are registered with :class:`Words` as setters with their English and Russian forms,
and :func:`save_langs` sets them and saves the figure once per language: ``NAME.png`` in
English (also shown on the bilingual page, whose captions, titles and legends stay bilingual in
HTML) and ``NAME.ru.png`` in Russian. Only the text-bearing figures do this; the maps carry no
words (their legends, colour bars and scale bars are HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import maps

__all__ = ["LANGS", "Words", "lang_files", "ru_file", "save_langs", "tick_formatter"]

LANGS = ("en", "ru")


def ru_file(path: Path) -> Path:
    """The Russian image beside ``path``: NAME.ru.png."""
    return path.with_name(f"{path.stem}.ru{path.suffix}")


class Words:
    """The language-dependent texts of one figure: ``add(setter, en, ru)``."""

    def __init__(self) -> None:
        self._items: list[tuple[Callable[[Any], Any], Any, Any]] = []

    def add(self, setter: Callable[[Any], Any], en: Any, ru: Any) -> Words:
        self._items.append((setter, en, ru))
        return self

    def ticks(self, axis: Any, formatter: Callable[[str], Any] | None = None) -> Words:
        """The tick labels of ``axis`` in each language (:func:`tick_formatter` by default)."""
        make = formatter or tick_formatter
        return self.add(lambda la: axis.set_major_formatter(make(la)), "en", "ru")

    def set(self, lang: str) -> None:
        for setter, en, ru in self._items:
            setter(ru if lang == "ru" else en)


def save_langs(fig: Any, out_file: Path, words: Words, *, tight: bool = False
               ) -> tuple[int, int, dict[str, Any]]:
    """Save ``fig`` in English to ``out_file`` and in Russian to :func:`ru_file`; returns the
    English size [px] and the ``lang_files`` entry of the figure's ``extra``."""
    size: dict[str, tuple[int, int]] = {}
    for lang in LANGS:
        words.set(lang)
        size[lang] = maps.save_figure(fig, out_file if lang == "en" else ru_file(out_file),
                                      tight=tight)
    w, h = size["en"]
    return w, h, {"ru": {"file": ru_file(out_file), "width": size["ru"][0],
                         "height": size["ru"][1]}}


def lang_files(extra: dict[str, Any]) -> dict[str, Any]:
    """The per-language images recorded in a figure's ``extra`` (empty for one image)."""
    return dict(extra.get("lang_files") or {})


def tick_formatter(lang: str = "en") -> Any:
    """Matplotlib's own tick labels in English; in Russian a decimal comma, a true minus and
    «тыс.»/«млн» for large values (never '1e+06')."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    if lang != "ru":
        return ScalarFormatter()

    def f(v: float, _pos: int | None = None) -> str:
        a = abs(v)
        x, word = ((v / 1e6, " млн") if a >= 1e6 else (v / 1e3, " тыс.") if a >= 1e4
                   else (v, ""))
        return f"{round(x, 10):g}".replace(".", ",").replace("-", "−") + word

    return FuncFormatter(f)
