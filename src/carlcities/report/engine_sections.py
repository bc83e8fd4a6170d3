"""What the engines add to a city page: their own report sections and the run's method notes.

An engine (built-in or plug-in, :func:`carlcities.engines.registered`) may define
``report_section(study, city_id, lang)`` returning a
:class:`~carlcities.engines.base.ReportSection` (or ``None``); it is called once per language
(``"en"``, ``"ru"``) with the :class:`carlcities.results.Study` being reported. The title is
escaped on the page, the HTML body is inserted as given.

The method notes are the engines' notes of the run that are kept in ``manifest.json``
(``city_notes: {city_id: [str, ...]}``); a note that is a JSON object shows its ``step`` and
its other items.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from ..errors import ConfigError
from ..results import Study
from .data import slug

__all__ = ["LANGS", "engine_sections", "method_notes", "registered_engines"]

LANGS = ("en", "ru")


def registered_engines() -> dict[str, Any]:
    """The engines known to carlcities (name -> engine); ``{}`` while the built-in engine
    modules that :func:`carlcities.engines.registered` imports are not installed."""
    try:
        from carlcities.engines import registered

        return registered()
    except ImportError:
        return {}


def engine_sections(study: Study, city_id: str,
                    engines: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The sections the engines add to one city's page, in the engines' order: per section
    ``key``, ``engine``, ``title_en``, ``title_ru``, ``html_en``, ``html_ru`` (HTML as given)."""
    out = []
    for name, engine in (registered_engines() if engines is None else engines).items():
        make = getattr(engine, "report_section", None)
        if make is None:
            continue
        got = {}
        for lang in LANGS:
            try:
                sec = make(study, city_id, lang)
            except Exception as exc:   # a plug-in's fault names the plug-in
                raise ConfigError(f"the report section of engine {name!r} failed for city "
                                  f"{city_id!r} ({lang}): {exc}",
                                  fix="fix the engine's report_section(), or uninstall or "
                                      "disable that engine") from exc
            if sec is not None:
                got[lang] = sec
        if not got:
            continue
        first = got.get("en") or got["ru"]
        html_en = (got.get("en") or first).html
        html_ru = got["ru"].html if "ru" in got else ""
        out.append({"key": slug(first.key or name), "engine": name,
                    "title_en": first.title_en, "title_ru": first.title_ru,
                    "html_en": Markup(html_en),
                    "html_ru": Markup(html_ru) if html_ru and html_ru != html_en else None})
    return out


def method_notes(manifest: Mapping[str, Any], city_id: str) -> list[dict[str, str]]:
    """The run's notes on one city (``manifest.json``: ``city_notes``), each as
    ``{"step": ..., "text": ...}`` (``step`` empty for a note in plain words)."""
    notes = (manifest.get("city_notes") or {}).get(city_id) or []
    out = []
    for note in notes:
        try:
            obj = json.loads(note) if isinstance(note, str) else note
        except ValueError:
            obj = note
        if isinstance(obj, dict):
            items = dict(obj)
            step = str(items.pop("step", "") or "")
            items.pop("city_id", None)
            text = "; ".join(f"{k}: {_text(v)}" for k, v in items.items())
            out.append({"step": step, "text": text})
        else:
            out.append({"step": "", "text": str(obj)})
    return out


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "; ".join(v)
    return json.dumps(v, ensure_ascii=False)
