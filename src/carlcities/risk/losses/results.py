"""What the loss engine returns: the event loss table and the summaries of an event-based
run and of a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carlcities.errors import RiskInputError
from carlcities.risk.losses.inputs import LOSS_TYPES

__all__ = ["EventLossTable", "EventBasedResult", "ScenarioResult"]


@dataclass(eq=False)
class EventLossTable:
    """Event losses: ``losses[r, e, k]`` of realisation r, event e and column k.

    ``columns``: loss types (``'total'`` or ``'structural'``, ``'nonstructural'``,
    ``'contents'``) [USD], then ``'fatalities'`` [persons] when occupants curves were
    given. ``rate`` [1/yr] per event. Realisations are ground-motion samples (one row of
    medians when there is no variability).
    """

    event_id: np.ndarray
    rate: np.ndarray
    columns: tuple[str, ...]
    losses: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_realisations(self) -> int:
        return int(self.losses.shape[0])

    def loss(self, column: str = "total") -> np.ndarray:
        """(n_realisations, n_events) losses of ``column``; ``'total'`` sums the loss types
        [USD]."""
        if column in self.columns:
            return self.losses[:, :, self.columns.index(column)]
        if column == "total":
            idx = [i for i, c in enumerate(self.columns) if c in LOSS_TYPES]
            return self.losses[:, :, idx].sum(axis=2)
        raise RiskInputError(f"no column {column!r} in the event loss table",
                             fix=f"use one of {self.columns}")


@dataclass(eq=False)
class EventBasedResult:
    """Summary of an event-based run (means over ground-motion realisations, and 5–95 %
    intervals across them).

    ``eal`` [USD/yr], ``fatalities_per_year`` [persons/yr] (NaN without occupants curves),
    ``rp_losses`` {T [yr]: loss [USD]}, ``exposed_value`` [USD], ``eal_ratio_permille``
    = EAL / exposed value × 1000 [‰]; ``*_interval`` = (5 %, 95 %) percentiles;
    ``clamped`` counts of clamped curve evaluations and of assets ever clamped.
    """

    elt: EventLossTable
    eal: float
    eal_interval: tuple[float, float]
    fatalities_per_year: float
    fatalities_interval: tuple[float, float]
    rp_losses: dict[float, float]
    rp_intervals: dict[float, tuple[float, float]]
    exposed_value: float
    eal_ratio_permille: float
    clamped: dict[str, int]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class ScenarioResult:
    """Losses of one scenario over ground-motion realisations.

    ``loss_mean`` [USD] and ``loss_interval`` (5 %, 95 %); ``fatalities_mean`` [persons] and
    interval; ``buildings_mean`` [buildings] — equivalent completely damaged buildings
    (Σ buildings × mean loss ratio) — and interval; ``losses`` (n_realisations,) [USD];
    ``sites`` site numbers and ``site_loss_ratio`` [-] mean loss / value per site (for
    maps); ``clamped`` counts.
    """

    loss_mean: float
    loss_interval: tuple[float, float]
    fatalities_mean: float
    fatalities_interval: tuple[float, float]
    buildings_mean: float
    buildings_interval: tuple[float, float]
    losses: np.ndarray
    sites: np.ndarray
    site_loss_ratio: np.ndarray
    clamped: dict[str, int]
    meta: dict[str, Any] = field(default_factory=dict)
