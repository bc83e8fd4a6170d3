"""Indicators: the registry, the Atlas of Urban Expansion cell classification and the themes.

Importing this package registers every indicator (``form``, ``growth``). Look them up in
:data:`REGISTRY` or with :func:`all_indicators`, and compute them with :func:`evaluate`.
"""

from __future__ import annotations

from carlcities.indicators import (  # noqa: F401  (registration)  # noqa: F401,I001  (registration)
    access,
    carbon,  # noqa: F401,I001  (registration)
    economy,
    environment,
    form,
    growth,
    mobility,
    risk,
    scenario,
)
from carlcities.indicators.atlas import AtlasResult, classify, compactness, new_growth
from carlcities.indicators.registry import (
    REGISTRY,
    Indicator,
    Value,
    all_indicators,
    evaluate,
    indicator,
)

__all__ = [
    "REGISTRY",
    "AtlasResult",
    "Indicator",
    "Value",
    "all_indicators",
    "classify",
    "compactness",
    "evaluate",
    "indicator",
    "new_growth",
]
