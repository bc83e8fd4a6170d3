"""What the theme modules read of one epoch's layers (for type checking only)."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["EpochData"]


class EpochData(Protocol):
    """One epoch's layers by name (``population``, ``builtup``, ``atlas``, ...): the engines'
    :class:`~carlcities.engines.base.EpochLayers`, or a plain dict with the same keys."""

    def __getitem__(self, key: str, /) -> Any: ...

    def get(self, key: str, default: Any = None, /) -> Any: ...
