"""Writing a page in its three languages (bilingual, English, Russian) from one template.

``write_page(folder, "almaty", "city.html", ctx, data)`` writes ``almaty.html`` (both
languages, the page links point to), ``almaty.en.html`` and ``almaty.ru.html``, and the JSON
twin ``almaty.json`` once. The helpers each language gets are those of :mod:`.lang`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import i18n
from .lang import LANGS, SUFFIX, page_globals

__all__ = ["env", "preload", "write_page"]

_HERE = Path(__file__).parent


@cache
def _compiled():
    """Templates compiled once per process for the three languages' environments: they differ
    only in their globals (looked up when a page is rendered), never in the compiled code."""
    from jinja2 import BytecodeCache

    class Compiled(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, tuple[str, Any]] = {}

        def load_bytecode(self, bucket) -> None:
            hit = self.code.get(bucket.key)
            if hit is not None and hit[0] == bucket.checksum:
                bucket.code = hit[1]

        def dump_bytecode(self, bucket) -> None:
            self.code[bucket.key] = (bucket.checksum, bucket.code)

    return Compiled()


@cache
def env(lang: str = "both"):
    """The Jinja environment of pages in ``lang``."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    e = Environment(loader=FileSystemLoader(_HERE / "templates"),
                    autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True, bytecode_cache=_compiled())
    e.globals.update(
        i18n_text=i18n.text,
        css=Markup((_HERE / "static" / "report.css").read_text(encoding="utf-8")),
        print_css=Markup((_HERE / "static" / "print.css").read_text(encoding="utf-8")),
        js=Markup((_HERE / "static" / "report.js").read_text(encoding="utf-8")),
        **page_globals(lang))
    return e


def preload(*templates: str) -> None:
    """Compile ``templates`` for every language now (before the page workers are forked, so
    that they inherit them instead of compiling them each)."""
    for lang in LANGS:
        for name in templates:
            env(lang).get_template(name)


def page_name(stem: str, lang: str) -> str:
    return f"{stem}{SUFFIX[lang]}.html"


def write_page(folder: Path, stem: str, template: str, ctx: dict[str, Any],
               data: dict[str, Any] | None = None,
               langs: tuple[str, ...] = LANGS) -> dict[str, Path]:
    """Render ``template`` with ``ctx`` once per language into ``folder``; the JSON twin once."""
    out: dict[str, Path] = {}
    for lang in langs:
        alt = {la: page_name(stem, la) for la in LANGS}
        html = env(lang).get_template(template).render(**ctx, lang_pages=alt)
        path = Path(folder) / page_name(stem, lang)
        path.write_text(html, encoding="utf-8")
        out[lang] = path
    if data is not None:
        (Path(folder) / f"{stem}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return out
