"""Turn a theme module's result object (rows as dicts, provenance, rasters, notes) into an
:class:`~carlcities.engines.base.EngineResult`."""

from __future__ import annotations

import json
from typing import Any

from carlcities.engines.base import EngineResult
from carlcities.indicators.rows import ValueRow

__all__ = ["as_engine_result", "split_provenance"]


def split_provenance(items: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Input files (dicts with ``path`` and ``sha256``) apart from notes on method steps."""
    files: list[dict[str, Any]] = []
    notes: list[str] = []
    for p in items:
        if isinstance(p, dict) and "sha256" in p and "path" in p:
            files.append(p)
        else:
            notes.append(json.dumps(p, default=str, ensure_ascii=False)
                         if isinstance(p, dict) else str(p))
    return files, notes


def as_engine_result(res: Any, *, tables: Any = None, product: Any = None) -> EngineResult:
    """An engine result from an object with ``rows`` (dicts or :class:`ValueRow`),
    ``provenance``, and optionally ``rasters`` and ``notes``."""
    rows = [r if isinstance(r, ValueRow) else ValueRow.from_dict(r)
            for r in getattr(res, "rows", [])]
    files, notes = split_provenance(list(getattr(res, "provenance", [])))
    notes += [str(n) for n in getattr(res, "notes", []) or []]
    return EngineResult(rows=rows, rasters=dict(getattr(res, "rasters", {}) or {}),
                        tables=tables, provenance=files, notes=notes,
                        product=res if product is None else product)
