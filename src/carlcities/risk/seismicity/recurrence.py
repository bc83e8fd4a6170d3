"""Magnitude recurrence: completeness (Stepp 1972), Gutenberg-Richter b (Aki-Utsu) and
rates over unequal completeness periods (Weichert 1980).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from carlcities.errors import HazardError

__all__ = ["GRParams", "completeness_start", "stepp_completeness", "aki_utsu_b", "weichert"]


# --------------------------------------------------------------------------------------------
# Completeness
# --------------------------------------------------------------------------------------------


def completeness_start(mags, completeness: dict) -> np.ndarray:
    """First complete year for each magnitude from a table {lower magnitude: start year}.

    A magnitude takes the start year of the largest table magnitude not above it; magnitudes
    below the smallest table magnitude get +inf (never complete).
    """
    if not completeness:
        raise HazardError("completeness table is empty",
                          fix="give {magnitude: first complete year}, e.g. "
                              "COMPLETENESS_CENTENNIAL")
    keys = np.array(sorted(completeness), dtype=float)
    starts = np.array([completeness[k] for k in sorted(completeness)], dtype=float)
    m = np.asarray(mags, dtype=float)
    i = np.searchsorted(keys, m + 1e-9, side="right") - 1
    out = np.where(i >= 0, starts[np.clip(i, 0, None)], np.inf)
    return out


def stepp_completeness(catalogue: pd.DataFrame, mag_edges, *, end_year: float | None = None,
                       dt_years: float = 5.0, min_events: int = 5, alpha: float = 0.05):
    """Completeness periods from the stationarity of rates (Stepp 1972).

    Stepp's method computes, for each magnitude class [m_k, m_{k+1}), the mean annual rate
    λ(T) = n(T)/T over intervals T = dt, 2dt, … ending at ``end_year`` and its standard
    deviation σ_λ = √(λ/T); while the sample is complete the process is stationary Poisson and
    σ_λ falls as 1/√T, once T reaches into the incomplete past λ(T) drops and σ_λ falls faster.
    The departure is detected here by a sequential Poisson test: going back in steps of
    ``dt_years``, the count in the older step is compared with the rate of the complete
    recent period (tested only once that period holds ``min_events``); the class is complete
    back to the first step whose count is improbably low, P(N ≤ n_obs | λ·dt) < ``alpha``.

    Returns
    -------
    (dict {class lower magnitude: first complete year}, DataFrame of the Stepp curves with
    columns mag_lo, T [yr], n, rate [1/yr], sigma_rate [1/yr]).

    References
    ----------
    Stepp, J.C. (1972). Analysis of completeness of the earthquake sample in the Puget Sound
    area and its effect on statistical estimates of earthquake hazard. Proc. 1st Int. Conf.
    Microzonation, Seattle, vol. 2, pp. 897–910.
    """
    from scipy.stats import poisson

    edges = np.asarray(mag_edges, dtype=float)
    yrs = catalogue["decimal_year"].to_numpy()
    mags = catalogue["mag"].to_numpy()
    if end_year is None:
        end_year = math.floor(np.nanmax(yrs)) + 1.0
    start_all = math.floor(float(np.nanmin(yrs)))
    ts = np.arange(dt_years, end_year - start_all + dt_years / 2, dt_years)
    table, curves = {}, []
    for lo, hi in zip(edges[:-1], edges[1:]):
        y = yrs[(mags >= lo - 1e-9) & (mags < hi - 1e-9) & (yrs < end_year)]
        n = np.array([(y >= end_year - t).sum() for t in ts])
        rate = n / ts
        for t_, n_, r_ in zip(ts, n, rate):
            curves.append(dict(mag_lo=float(lo), T=float(t_), n=int(n_), rate=float(r_),
                               sigma_rate=float(np.sqrt(r_ / t_))))
        k = 0  # ts[k] is the complete period found so far
        while k + 1 < len(ts):
            if n[k] >= min_events:
                lam = n[k] / ts[k]
                n_old = n[k + 1] - n[k]
                if poisson.cdf(n_old, lam * dt_years) < alpha:
                    break
            k += 1
        table[float(lo)] = int(round(end_year - ts[k]))
    return table, pd.DataFrame(curves)


# --------------------------------------------------------------------------------------------
# Gutenberg–Richter
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GRParams:
    """Doubly-truncated Gutenberg–Richter recurrence: log10 N(≥M) = a − b·M [1/yr].

    a : annual a-value (untruncated); b : b-value; mmin, mmax [M]; rate_mmin : annual rate of
    M ≥ mmin [1/yr]; b_sigma : standard error of b; n_events : events used; periods :
    completeness table used {magnitude: first complete year}.
    """

    a: float
    b: float
    mmin: float
    mmax: float
    rate_mmin: float
    b_sigma: float = math.nan
    n_events: int = 0
    periods: dict = field(default_factory=dict)

    def __post_init__(self):
        fix = "widen the source radius, or give the recurrence parameters explicitly"
        if not (np.isfinite(self.b) and self.b > 0):
            raise HazardError(f"Gutenberg–Richter b-value must be > 0 (got {self.b})", fix=fix)
        if not (np.isfinite(self.rate_mmin) and self.rate_mmin >= 0):
            raise HazardError(f"annual rate of M ≥ mmin must be ≥ 0 [1/yr] (got "
                              f"{self.rate_mmin})", fix=fix)
        if not self.mmax > self.mmin:
            raise HazardError(f"mmax ({self.mmax}) must exceed mmin ({self.mmin}) [M]",
                              fix="raise mmax (max observed + 0.5) or lower mmin")

    def cumulative_rate(self, m):
        """Annual rate of events with mmin ≤ M' with M' ≥ m, truncated at mmax [1/yr]."""
        m = np.clip(np.asarray(m, dtype=float), self.mmin, self.mmax)
        return self.rate_mmin * (10 ** (-self.b * (m - self.mmin))
                                 - 10 ** (-self.b * (self.mmax - self.mmin)))


def aki_utsu_b(mags, mc: float, dm: float = 0.1):
    """Maximum-likelihood b-value with the binning correction, and its standard error.

    b = log10(e) / (mean(M) − (Mc − Δm/2))  (Aki 1965; Utsu 1965 correction for binned
    magnitudes), σ_b = 2.3·b²·√(Σ(Mᵢ − mean)² / (n(n − 1)))  (Shi & Bolt 1982).
    Magnitudes below ``mc`` are ignored.

    References
    ----------
    Aki, K. (1965). Maximum likelihood estimate of b in the formula log N = a − bM and its
    confidence limits. Bull. Earthq. Res. Inst. Tokyo Univ. 43:237–239.
    Utsu, T. (1965). A method for determining the value of b in a formula log n = a − bM
    showing the magnitude–frequency relation for earthquakes. Geophys. Bull. Hokkaido Univ.
    13:99–103.
    Shi, Y., Bolt, B.A. (1982). The standard error of the magnitude-frequency b value. Bull.
    Seismol. Soc. Am. 72(5):1677–1687. https://doi.org/10.1785/BSSA0720051677
    """
    m = np.asarray(mags, dtype=float)
    m = m[m >= mc - 1e-9]
    n = m.size
    if n < 2:
        raise HazardError(f"aki_utsu_b: {n} magnitude(s) ≥ Mc = {mc}",
                          fix="lower Mc or widen the selection")
    mean = m.mean()
    b = math.log10(math.e) / (mean - (mc - dm / 2.0))
    sigma = 2.3 * b**2 * math.sqrt(((m - mean) ** 2).sum() / (n * (n - 1)))
    return b, sigma


def weichert(mags, years, completeness: dict, *, end_year: float, dm: float = 0.1,
             mmax: float, min_events: int = 10):
    """Gutenberg–Richter a, b by the maximum-likelihood method of Weichert (1980).

    Magnitudes are grouped into bins of width ``dm`` centred on the reported values mᵢ;
    bin i is observed for tᵢ = end_year − start(mᵢ) years (start from ``completeness``)
    and events before their start are dropped. β = b·ln 10 solves

        Σ tᵢ mᵢ e^(−β mᵢ) / Σ tⱼ e^(−β mⱼ) = Σ nᵢ mᵢ / N,

    the annual rate of M ≥ m₁ − Δm/2 is N·Σ e^(−β mᵢ) / Σ tⱼ e^(−β mⱼ), with
    var(β) = 1 / (N·(⟨m²⟩ − ⟨m⟩²)) (weights tᵢ e^(−β mᵢ)), σ_b = σ_β / ln 10.

    Returns a :class:`GRParams` with mmin = the smallest complete magnitude (the reported value;
    the rate is that of the continuous magnitudes ≥ mmin, the a-value being fitted on the
    bin edge mmin − Δm/2).

    Raises
    ------
    HazardError
        Fewer than ``min_events`` complete events (fix: widen the radius or give parameters).

    References
    ----------
    Weichert, D.H. (1980). Estimation of the earthquake recurrence parameters for unequal
    observation periods for different magnitudes. Bull. Seismol. Soc. Am. 70(4):1337–1346.
    https://doi.org/10.1785/BSSA0700041337
    """
    m = np.asarray(mags, dtype=float)
    y = np.asarray(years, dtype=float)
    start = completeness_start(m, completeness)
    keep = np.isfinite(start) & (y >= start) & (y < end_year)
    m, start = m[keep], start[keep]
    n_ev = m.size
    if n_ev < min_events:
        raise HazardError(
            f"only {n_ev} complete events for the Gutenberg–Richter fit (at least "
            f"{min_events} needed)",
            fix="widen the source radius (radius_km), relax the completeness table, or give "
                "the recurrence parameters (GRParams) explicitly",
        )
    centres = np.round(m / dm) * dm
    bins = np.unique(np.round(centres, 6))
    m_low = bins.min()
    grid = np.round(np.arange(m_low, bins.max() + dm / 2, dm), 6)
    t = end_year - completeness_start(grid, completeness)
    counts = np.array([(np.abs(centres - g) < dm / 2 - 1e-9).sum() for g in grid])
    target = (counts * grid).sum() / n_ev

    def f(beta):
        w = t * np.exp(-beta * (grid - m_low))
        return (w * grid).sum() / w.sum() - target

    try:
        beta = brentq(f, 1e-3, 20.0)
    except ValueError:
        raise HazardError("Weichert likelihood has no root for b in (0, 8.7)",
                          fix="check the magnitudes and completeness table; widen the source "
                              "or give the recurrence parameters") from None
    w = t * np.exp(-beta * (grid - m_low))
    mean_w = (w * grid).sum() / w.sum()
    var_w = (w * grid**2).sum() / w.sum() - mean_w**2
    b = beta / math.log(10)
    b_sigma = math.sqrt(1.0 / (n_ev * var_w)) / math.log(10) if var_w > 0 else math.nan
    e = np.exp(-beta * (grid - m_low))
    rate_edge = n_ev * e.sum() / (t * e).sum()  # rate of M ≥ m_low − dm/2
    edge = m_low - dm / 2
    a = math.log10(rate_edge) + b * edge
    return GRParams(a=a, b=b, mmin=float(m_low), mmax=float(mmax),
                    rate_mmin=10 ** (a - b * m_low), b_sigma=b_sigma, n_events=int(n_ev),
                    periods={float(k): int(v) for k, v in completeness.items()})
