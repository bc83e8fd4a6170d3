"""Boundary checks: collect every problem with an input, then warn for soft ones and raise
for hard ones — once, before heavy work starts (STYLE.md item 4)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import CarlError, CarlWarning, DataValueError

__all__ = ["Problems", "check_population", "check_share"]


@dataclass
class Problems:
    """Problems found with one input file (``path``)."""

    path: str
    hard: list[tuple[type[CarlError], str, str]] = field(default_factory=list)
    soft: list[tuple[type[CarlWarning], str]] = field(default_factory=list)

    def error(self, cls: type[CarlError], message: str, fix: str) -> None:
        self.hard.append((cls, message, fix))

    def warn(self, cls: type[CarlWarning], message: str) -> None:
        self.soft.append((cls, message))

    def __bool__(self) -> bool:
        return bool(self.hard)

    def settle(self) -> None:
        """Warn for every soft problem, then raise the first hard one (mentioning the rest)."""
        for wcls, msg in self.soft:
            warnings.warn(f"{self.path}: {msg}", wcls, stacklevel=3)
        if self.hard:
            ecls, msg, fix = self.hard[0]
            if len(self.hard) > 1:
                msg += "; also: " + "; ".join(m for _, m, _ in self.hard[1:])
            raise ecls(msg, path=self.path, fix=fix)


def check_population(values: np.ndarray, path: str, nodata_mask: np.ndarray | None = None) -> None:
    """Population [persons per cell] must be finite and ≥ 0 where it is not nodata."""
    v = values if nodata_mask is None else values[~nodata_mask]
    n_nan = int(np.count_nonzero(np.isnan(v)))
    n_neg = int(np.count_nonzero(v < 0))
    if n_nan or n_neg:
        parts = []
        if n_neg:
            parts.append(f"{n_neg} negative cells (min {float(np.nanmin(v)):g})")
        if n_nan:
            parts.append(f"{n_nan} NaN cells that are not nodata")
        raise DataValueError("population has " + " and ".join(parts), path=path,
                             fix="set the file's nodata value to the fill used for missing "
                                 "cells (gdal_edit.py -a_nodata VALUE) or correct the values")


def check_share(values: np.ndarray, path: str, name: str = "share") -> None:
    """A share must lie in [0, 1] (a small excess from resampling is clipped by the caller)."""
    v = values[~np.isnan(values)]
    if v.size and (float(v.min()) < -1e-6 or float(v.max()) > 1 + 1e-3):
        raise DataValueError(f"{name} outside [0, 1] (min {float(v.min()):g}, "
                             f"max {float(v.max()):g})", path=path,
                             fix="check the product's scale factor and units")


def finite(x: float) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))
