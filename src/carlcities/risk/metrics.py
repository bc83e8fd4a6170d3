"""Risk metrics from event loss tables and from hazard-map losses (pure functions).

Definitions (``METHODS.md`` "Risk metrics"):

* event set with annual frequencies fₑ [1/yr] and losses Lₑ [USD or persons]:
  expected annual loss **EAL** = Σ fₑLₑ [USD/yr];
* exceedance frequency λ(l) = Σ fₑ [Lₑ > l] [1/yr], return period 1/λ [yr] and annual
  probability of exceedance 1 − e^(−λ) (Poisson occurrence);
* losses Dₖ read from hazard maps of return periods T₁ < … < Tₙ [yr] at annual exceedance
  probabilities pₖ = 1/Tₖ: EAL ≈ Σ ½(Dₖ + Dₖ₊₁)(pₖ − pₖ₊₁) (trapezoidal rule on the loss
  exceedance curve), with the two tails treated as stated in :func:`eal_from_return_periods`.

References
----------
Yeo, G. L. & Cornell, C. A. (2009). Loss estimation under uncertainty: the expected annual
loss and loss exceedance curve. OpenQuake Engine manual, "Event based risk" (GEM 2023):
``EAL = Σ rate × loss``, loss curves from the event loss table.
Ward, P. J. et al. (2011). How are flood risk estimates affected by the choice of
return-periods? Nat. Hazards Earth Syst. Sci. 11:3181, doi:10.5194/nhess-11-3181-2011
(trapezoidal EAL from return-period losses and the effect of its tails).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from carlcities.errors import RiskInputError

__all__ = ["eal_from_event_losses", "exceedance_curve", "loss_at_return_period",
           "losses_at_return_periods", "eal_from_return_periods",
           "DEFAULT_RETURN_PERIODS", "NO_DAMAGE_PROBABILITY"]

#: return periods [yr] reported by default
DEFAULT_RETURN_PERIODS = (100, 250, 500, 1000)
#: annual exceedance probability [1/yr] at which the lower tail reaches zero loss (a 2-year
#: event does no damage; project choice, see :func:`eal_from_return_periods`)
NO_DAMAGE_PROBABILITY = 0.5


def _event_arrays(rates, losses) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(rates, dtype=float).ravel()
    L = np.asarray(losses, dtype=float).ravel()
    if f.shape != L.shape:
        raise RiskInputError(f"{f.size} event rates but {L.size} event losses",
                             fix="give one rate [1/yr] and one loss per event")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(L))):
        raise RiskInputError("event rates or losses contain NaN or infinity",
                             fix="remove the events without a loss or rate, or fill them")
    if np.any(f < 0):
        raise RiskInputError(f"{int(np.sum(f < 0))} negative event rates [1/yr]",
                             fix="annual rates of occurrence are ≥ 0")
    if np.any(L < 0):
        raise RiskInputError(f"{int(np.sum(L < 0))} negative event losses",
                             fix="losses are ≥ 0")
    return f, L


def eal_from_event_losses(rates: Sequence[float] | np.ndarray,
                          losses: Sequence[float] | np.ndarray) -> float:
    """Expected annual loss EAL = Σ fₑLₑ [loss unit/yr].

    Parameters
    ----------
    rates : annual frequency of each event fₑ [1/yr].
    losses : loss of each event Lₑ [USD, or persons for fatalities].

    References: OpenQuake Engine manual, event-based risk (GEM 2023); METHODS.md "Risk
    metrics".

    Raises
    ------
    RiskInputError
        Different lengths, negative or non-finite rates or losses.
    """
    f, L = _event_arrays(rates, losses)
    return float(np.dot(f, L))


def exceedance_curve(rates: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss exceedance curve of an event set: λ(l) = Σ fₑ [Lₑ > l].

    Returns ``(loss_levels, annual_rate, annual_probability)``: ``loss_levels`` [loss unit]
    are 0 and the distinct event losses in increasing order, ``annual_rate`` λ(l) [1/yr] the
    frequency with which each level is *exceeded* (strictly), non-increasing and 0 at the
    largest loss, and ``annual_probability`` = 1 − e^(−λ) (Poisson occurrence).

    References: METHODS.md "Risk metrics"; Yeo & Cornell (2009).
    """
    f, L = _event_arrays(rates, losses)
    levels = np.unique(np.concatenate([[0.0], L]))
    order = np.argsort(L, kind="stable")
    Ls, fs = L[order], f[order]
    # total rate of events whose loss is ≤ level, then subtract from the total
    cum = np.concatenate([[0.0], np.cumsum(fs)])
    n_le = np.searchsorted(Ls, levels, side="right")
    lam = cum[-1] - cum[n_le]
    lam = np.maximum(lam, 0.0)  # rounding of the cumulative sum
    return levels, lam, -np.expm1(-lam)


def loss_at_return_period(rates: Sequence[float] | np.ndarray,
                          losses: Sequence[float] | np.ndarray, T: float) -> float:
    """Loss of return period ``T`` [yr]: the largest l with λ(l) ≥ 1/T [loss unit].

    λ is a step function (no interpolation between events): sort the losses in decreasing
    order and add up their rates; the answer is the first loss at which the cumulative rate
    reaches 1/T. (λ(l) ≥ 1/T holds for every l below that loss and fails at it, so the loss
    is the supremum of the set.) When the whole set occurs less often than 1/T, the loss is 0.
    For T beyond the rarest event the largest event loss is returned (no extrapolation).

    References: METHODS.md "Risk metrics".
    """
    f, L = _event_arrays(rates, losses)
    T = float(T)
    if not np.isfinite(T) or T <= 0:
        raise RiskInputError(f"return period {T!r} [yr] is not positive",
                             fix="give return periods > 0 years")
    target = 1.0 / T
    order = np.argsort(-L, kind="stable")
    cum = np.cumsum(f[order])
    # tolerate rounding in the cumulative sum (a rate of exactly 1/T must count)
    k = int(np.searchsorted(cum, target * (1.0 - 1e-12), side="left"))
    if k >= cum.size:
        return 0.0
    return float(L[order][k])


def losses_at_return_periods(rates: Sequence[float] | np.ndarray,
                             losses: Sequence[float] | np.ndarray,
                             return_periods: Sequence[float] = DEFAULT_RETURN_PERIODS
                             ) -> dict[float, float]:
    """:func:`loss_at_return_period` for several return periods [yr] → {T: loss}."""
    return {T: loss_at_return_period(rates, losses, T) for T in return_periods}


def eal_from_return_periods(return_periods: Sequence[float] | np.ndarray,
                            losses: Sequence[float] | np.ndarray, *,
                            lower_tail: str = "linear_to_zero", upper_tail: str = "flat",
                            no_damage_probability: float = NO_DAMAGE_PROBABILITY) -> float:
    """EAL [loss unit/yr] from losses Dₖ of hazard maps with return periods Tₖ [yr].

    EAL ≈ Σₖ ½(Dₖ + Dₖ₊₁)(pₖ − pₖ₊₁), pₖ = 1/Tₖ (trapezoidal rule over the loss–probability
    curve between the first and the last map), plus the tails:

    * ``lower_tail="linear_to_zero"``: between p₁ = 1/T₁ and ``no_damage_probability`` p₀
      (default 0.5 /yr, i.e. the 2-year event does no damage — a project choice) the loss
      falls linearly from D₁ to 0: adds ½ D₁ (p₀ − p₁). ``"none"``: nothing below T₁.
    * ``upper_tail="flat"``: D_n is held from p_n down to p = 0: adds D_n p_n.
      ``"none"``: nothing beyond T_n.

    Ward et al. (2011) show that these tails can change the EAL by tens of per cent; both are
    stated in the result's provenance by the caller.

    References: METHODS.md "Risk metrics"; Ward, P. J. et al. (2011) NHESS 11:3181,
    doi:10.5194/nhess-11-3181-2011.

    Raises
    ------
    RiskInputError
        Unsorted or duplicate return periods, non-positive periods, negative losses, a
        no-damage probability not above 1/T₁, an unknown tail option.
    """
    T = np.asarray(return_periods, dtype=float).ravel()
    D = np.asarray(losses, dtype=float).ravel()
    if T.size != D.size or T.size == 0:
        raise RiskInputError(f"{T.size} return periods but {D.size} losses",
                             fix="give one loss per return period (at least one)")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(D))):
        raise RiskInputError("return periods or losses contain NaN or infinity",
                             fix="fill or drop the missing maps")
    if np.any(T <= 0):
        raise RiskInputError("return periods must be > 0 years", fix="check the map list")
    if np.any(np.diff(T) <= 0):
        raise RiskInputError(f"return periods {T.tolist()} are unsorted or repeated",
                             fix="sort the maps by increasing return period, one map each")
    if np.any(D < 0):
        raise RiskInputError("negative losses", fix="losses are ≥ 0")
    if lower_tail not in ("linear_to_zero", "none"):
        raise RiskInputError(f"unknown lower_tail {lower_tail!r}",
                             fix="use 'linear_to_zero' or 'none'")
    if upper_tail not in ("flat", "none"):
        raise RiskInputError(f"unknown upper_tail {upper_tail!r}", fix="use 'flat' or 'none'")
    p = 1.0 / T
    eal = float(np.sum(0.5 * (D[:-1] + D[1:]) * (p[:-1] - p[1:])))
    if lower_tail == "linear_to_zero":
        if not (no_damage_probability > p[0]) or no_damage_probability > 1.0:
            raise RiskInputError(
                f"no-damage probability {no_damage_probability} [1/yr] must lie above "
                f"1/T₁ = {p[0]:.4g} and at most 1",
                fix="lower it below 1/T of the first map or use lower_tail='none'")
        eal += 0.5 * D[0] * (no_damage_probability - p[0])
    if upper_tail == "flat":
        eal += D[-1] * p[-1]
    return eal
