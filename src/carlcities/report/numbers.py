"""Numbers as the report shows them: medians of defined values, display formatting."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["fmt_number", "median", "round1"]


def median(values: Iterable[float | None]) -> float | None:
    """Median of the defined (non-NULL, finite) values, or ``None`` when there are none."""
    v = sorted(x for x in values if x is not None and math.isfinite(x))
    if not v:
        return None
    k = len(v) // 2
    return float(v[k]) if len(v) % 2 else float((v[k - 1] + v[k]) / 2)


def fmt_number(v: float | None) -> str:
    """A value for display: about three significant figures, thin spaces between thousands."""
    if v is None or not math.isfinite(v):
        return "—"
    a = abs(v)
    if a >= 1000:
        s = f"{v:,.0f}".replace(",", "\u202f")
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 0.1:
        s = f"{v:.2f}"
    elif a == 0:
        s = "0"
    else:
        s = f"{v:#.3g}"
        if "e" in s:   # very small numbers
            s = f"{v:.2e}"
    return s.replace("-", "−")


def round1(v: float | None) -> float | None:
    return None if v is None else round(v, 1)

