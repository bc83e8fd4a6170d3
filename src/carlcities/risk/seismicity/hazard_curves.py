"""Classical probabilistic seismic hazard at a site: hazard curves over an event set,
return periods and levels at a return period.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr

from carlcities.errors import HazardError
from carlcities.risk.gmpe import bindi2011_intensity, check_g, ground_motion, parse_imt
from carlcities.risk.seismicity.catalogue import haversine_km, select_within
from carlcities.risk.seismicity.events import EventSet, build_event_set, fit_city_source
from carlcities.risk.seismicity.recurrence import GRParams

__all__ = [
    "hazard_curve", "hazard_curves_sites", "return_period_from_poe", "level_at_return_period",
    "city_hazard", "TRUNCATION_SIGMA", "site_distance", "poe_table", "rates_on_nodes",
    "NODE_MAGS", "NODE_LNR"
]


# --------------------------------------------------------------------------------------------
# Hazard
# --------------------------------------------------------------------------------------------

#: Gaussian truncation of the ground-motion variability [number of σ]
TRUNCATION_SIGMA = 3.0
_N_STRIKES = 16


def site_distance(event_set: EventSet, lon, lat, rupture: str):
    """Distance [km] from each event to the site used as RJB: epicentral (``"point"``) or the
    mean over 16 uniformly random strikes of the distance to a line rupture of the event's
    length centred on the epicentre (``"line_random_strike"``)."""
    r = haversine_km(event_set.lon, event_set.lat, lon, lat)
    if rupture == "point":
        return r
    if rupture == "line_random_strike":
        if event_set.rupture_length_km is None:
            raise HazardError("rupture='line_random_strike' needs rupture_length_km",
                              fix="build the set with build_event_set() or use rupture='point'")
        half = event_set.rupture_length_km / 2.0
        th = (np.arange(_N_STRIKES) + 0.5) * (math.pi / 2) / _N_STRIKES
        along = r[:, None] * np.cos(th)[None, :]
        across = r[:, None] * np.sin(th)[None, :]
        d = np.hypot(np.maximum(along - half[:, None], 0.0), across)
        return d.mean(axis=1)
    raise HazardError(f"unknown rupture={rupture!r}",
                      fix="use 'point' or 'line_random_strike'")


def _truncated_sf(z, trunc: float):
    """P(Z > z) for a standard normal truncated (and renormalised) at ±trunc."""
    if trunc is None or not np.isfinite(trunc):
        return ndtr(-z)
    lo, hi = ndtr(-trunc), ndtr(trunc)
    return np.clip((hi - ndtr(z)) / (hi - lo), 0.0, 1.0)


def hazard_curve(event_set: EventSet, site_lon: float, site_lat: float, imt: str, levels, *,
                 model: str = "bssa2014", vs30: float = 760.0, rupture: str = "point",
                 truncation: float = TRUNCATION_SIGMA, mechanism: str = "unspecified",
                 return_poe: bool = False):
    """Annual exceedance rate λ(x) = Σₑ rateₑ · P(IM > x | e) at one site [1/yr].

    Spectral IMTs ("PGA", "SA(0.3)", "SA(0.6)", "SA(1.0)") [g] use the ground-motion model
    ``model`` (default BSSA14) with RJB = epicentral distance (``rupture="point"``) or the
    mean, over uniformly random strikes, of the distance to a line rupture of Wells &
    Coppersmith length centred on the epicentre (``"line_random_strike"``), and lognormal
    variability with σ = √(τ² + φ²). ``imt="MSK"`` gives intensity [MSK-64] with Bindi et al.
    (2011) (hypocentral form, event depth), normal in I with σ = 0.737. The variability is
    truncated at ±``truncation`` σ (default 3) and renormalised.

    Returns
    -------
    ndarray of λ(levels) [1/yr], monotone non-increasing in the level; with
    ``return_poe=True`` the matrix P(IM > x | e) (n_events × n_levels) instead, so that
    logic-tree branches that differ only in their rates share it (λ = rate @ P).
    """
    x = np.asarray(levels, dtype=float)
    if x.ndim != 1 or x.size < 2 or np.any(np.diff(x) <= 0):
        raise HazardError("hazard_curve: 'levels' must be a strictly increasing 1-D array",
                          fix="e.g. np.geomspace(0.005, 3.0, 60) [g]")
    d = site_distance(event_set, site_lon, site_lat, rupture)
    if isinstance(imt, str) and imt.strip().upper() in ("MSK", "MSK-64", "MSK64"):
        mu, sigma = bindi2011_intensity(event_set.mag, d, event_set.depth_km, form="hypocentral")
        z = (x[None, :] - mu[:, None]) / sigma
    else:
        parse_imt(imt)
        check_g(x, "levels")
        if np.any(x <= 0):
            raise HazardError("hazard_curve: ground-motion levels must be > 0 [g]",
                              fix="use np.geomspace with a positive start")
        mean_ln, tau, phi = ground_motion(model, imt, event_set.mag, d[:, None],
                                          np.array([vs30]), mechanism=mechanism)
        sig = np.sqrt(tau**2 + phi**2)[:, 0]
        z = (np.log(x)[None, :] - mean_ln[:, 0][:, None]) / sig[:, None]
    p = _truncated_sf(z, truncation)
    if return_poe:
        return p
    return (event_set.rate[:, None] * p).sum(axis=0)


_MAG_GRID = np.round(np.arange(3.0, 8.5001, 0.05), 4)
_LNR_GRID = np.linspace(math.log(0.1), math.log(400.0), 110)


def _split(x, grid):
    """Lower node index and upper weight of x on an increasing grid (linear, clamped)."""
    j = np.clip(np.searchsorted(grid, x, "right") - 1, 0, grid.size - 2)
    w = np.clip((x - grid[j]) / (grid[j + 1] - grid[j]), 0.0, 1.0)
    return j, w


def hazard_curves_sites(event_set: EventSet, lons, lats, vs30, imt: str, levels, *,
                        model: str = "bssa2014", max_distance_km: float | None = None,
                        distance_cap_km: float = 400.0) -> np.ndarray:
    """Annual exceedance rates [1/yr] at several sites (n_site x n_level) with the loss
    engine's conventions, so that the classical risk integral over these curves is the
    expectation of the event-based loss: epicentral distance as RJB (point sources), capped at
    ``distance_cap_km``, events beyond ``max_distance_km`` of a site left out, lognormal
    variability sqrt(tau^2 + phi^2) untruncated.

    For speed the event rates are spread, per site, onto a grid of magnitude (0.05) and
    log-distance (110 nodes from 0.1 to 400 km) by bilinear weights, and P(IM > x) is computed
    once per node and Vs30 (the grid's error on the rates is below 1 %, see the tests)."""
    lons, lats = np.atleast_1d(np.asarray(lons, float)), np.atleast_1d(np.asarray(lats, float))
    v = np.broadcast_to(np.asarray(vs30, float), lons.shape)
    lnx = np.log(np.asarray(levels, float))
    lo = max(int(np.searchsorted(_MAG_GRID, event_set.mag.min(), "right")) - 2, 0)
    hi = int(np.searchsorted(_MAG_GRID, event_set.mag.max())) + 2
    mgrid = _MAG_GRID[lo:hi]
    nm, nr = mgrid.size, _LNR_GRID.size
    mj, mw = _split(np.clip(event_set.mag, mgrid[0], mgrid[-1]), mgrid)
    rr = np.exp(_LNR_GRID)
    nbin = nm * nr
    hist = np.zeros((lons.size, nbin))
    dmax = np.inf if max_distance_km is None else max_distance_km
    # only the events that may come within dmax of a site get the distances to every site (in
    # their order: the same sums)
    near = _maybe_near(event_set, lons, lats, max_distance_km)
    e_lon, e_lat = event_set.lon[near][None, :], event_set.lat[near][None, :]
    mj, mw, e_rate = mj[near], mw[near], event_set.rate[near]
    for c0 in range(0, lons.size, 32):  # sites in chunks: one bincount per chunk and corner
        c1 = min(c0 + 32, lons.size)
        d = haversine_km(e_lon, e_lat, lons[c0:c1, None], lats[c0:c1, None])
        si, ei = np.nonzero(d <= dmax)
        rj, rw = _split(np.log(np.maximum(np.minimum(d[si, ei], distance_cap_km), 0.1)),
                        _LNR_GRID)
        a, wa, rate = mj[ei], mw[ei], e_rate[ei]
        base = si * nbin
        for dm, fm in ((0, 1 - wa), (1, wa)):
            for dr, fr in ((0, 1 - rw), (1, rw)):
                hist[c0:c1] += np.bincount(base + (a + dm) * nr + rj + dr,
                                           weights=rate * fm * fr,
                                           minlength=(c1 - c0) * nbin).reshape(c1 - c0, nbin)
    out = np.zeros((lons.size, lnx.size))
    for vi in np.unique(v):  # P(IM > x | node) once per Vs30, one product for its sites
        mean_ln, tau, phi = ground_motion(model, imt, mgrid, rr[None, :], np.array([vi]))
        sig = np.broadcast_to(np.sqrt(tau**2 + phi**2), mean_ln.shape).ravel()
        sel = v == vi
        h = hist[sel]
        # nodes that none of these sites has rates on add 0 x P: P left 0 there (exact)
        used = np.flatnonzero(h.any(axis=0))
        p = np.zeros((nbin, lnx.size))
        p[used] = ndtr(-((lnx[None, :] - mean_ln.ravel()[used][:, None]) / sig[used][:, None]))
        out[sel] = h @ p
    return out


def _maybe_near(event_set: EventSet, lons: np.ndarray, lats: np.ndarray,
                max_distance_km: float | None) -> np.ndarray:
    """The events that may come within ``max_distance_km`` of a site: not those farther from
    the sites' mean position than the cut-off plus the farthest site from it (great-circle
    distances keep the triangle inequality; 1 km more for rounding)."""
    if max_distance_km is None or lons.size == 0:
        return np.ones(event_set.mag.size, bool)
    c_lon, c_lat = lons.mean(), lats.mean()
    reach = float(haversine_km(c_lon, c_lat, lons, lats).max())
    return haversine_km(event_set.lon, event_set.lat, c_lon, c_lat) <= \
        max_distance_km + reach + 1.0


#: Nodes of the classical hazard's P(IM > x | m, r) tables: magnitude every 0.05 (bin centres
#: of the source models fall on nodes) and ln distance, 200 nodes from 0.1 to 400 km (4.2 %
#: steps)
NODE_MAGS = _MAG_GRID
NODE_LNR = np.linspace(math.log(0.1), math.log(400.0), 200)


def poe_table(model: str, imt: str, vs30: float, levels, *,
              truncation: float = TRUNCATION_SIGMA) -> np.ndarray:
    """P(IM > x | m, r) on the nodes (:data:`NODE_MAGS` x :data:`NODE_LNR`) for one
    ground-motion model and Vs30, as a (n_mag * n_r, n_level) matrix: lognormal with sigma =
    sqrt(tau^2 + phi^2), truncated at +-``truncation`` sigma and renormalised (as
    :func:`hazard_curve`). With :func:`rates_on_nodes`, lambda(x) = rates_on_nodes(...) @ table."""
    x = np.asarray(levels, dtype=float)
    mean_ln, tau, phi = ground_motion(model, imt, NODE_MAGS, np.exp(NODE_LNR)[None, :],
                                      np.array([float(vs30)]))
    sig = np.sqrt(tau**2 + phi**2)
    z = (np.log(x)[None, None, :] - mean_ln[:, :, None]) / sig[:, :, None]
    return _truncated_sf(z, truncation).reshape(NODE_MAGS.size * NODE_LNR.size, x.size)


def rates_on_nodes(mag, dist_km, rate) -> np.ndarray:
    """Event rates [1/yr] spread onto the (magnitude, ln distance) nodes of :func:`poe_table`
    by bilinear weights (distances clamped to 0.1-400 km, magnitudes to 3.0-8.5); returns the
    flat (n_mag * n_r,) vector. ``rate`` may be (n_ev,) or (n_branch, n_ev) (branches that
    share magnitudes and positions), giving (n_branch, n_nodes)."""
    mj, mw = _split(np.clip(np.asarray(mag, float), NODE_MAGS[0], NODE_MAGS[-1]), NODE_MAGS)
    lnr = np.log(np.clip(np.asarray(dist_km, float), 0.1, 400.0))
    rj, rw = _split(lnr, NODE_LNR)
    nr, nbin = NODE_LNR.size, NODE_MAGS.size * NODE_LNR.size
    rates = np.atleast_2d(np.asarray(rate, float))
    out = np.zeros((rates.shape[0], nbin))
    for dm, fm in ((0, 1 - mw), (1, mw)):
        for dr, fr in ((0, 1 - rw), (1, rw)):
            idx = (mj + dm) * nr + rj + dr
            w = fm * fr
            for b in range(rates.shape[0]):
                out[b] += np.bincount(idx, weights=rates[b] * w, minlength=nbin)
    return out if np.ndim(rate) == 2 else out[0]


def return_period_from_poe(poe: float, years: float) -> float:
    """Return period [yr] of a Poisson probability of exceedance ``poe`` in ``years``.

    T = −t / ln(1 − P); 10 % in 50 yr → 474.6 yr, 2 % in 50 yr → 2475 yr.
    """
    if not 0 < poe < 1 or years <= 0:
        raise HazardError("return_period_from_poe: need 0 < poe < 1 and years > 0",
                          fix="e.g. poe=0.10, years=50")
    return -years / math.log1p(-poe)


def level_at_return_period(levels, rates, return_period_yr: float, *, log_levels: bool = True):
    """Ground-motion level with annual exceedance rate 1/T on a hazard curve.

    Interpolates ln λ linearly in ln x (log–log, ``log_levels=True``, for [g]) or in x
    (``log_levels=False``, for intensities [MSK-64]). Under the Poisson assumption the
    probability of exceedance in t years is 1 − e^(−λ·t) (10 % in 50 yr ↔ T = 474.6 yr).

    Raises
    ------
    HazardError
        When 1/T is outside the range of the curve (fix: extend the levels).
    """
    x = np.asarray(levels, dtype=float)
    lam = np.asarray(rates, dtype=float)
    target = 1.0 / float(return_period_yr)
    if lam[0] < target:
        raise HazardError(
            f"the hazard curve stays below 1/{return_period_yr:g} yr⁻¹ (λ at the lowest level "
            f"{x[0]:g} is {lam[0]:.3g})",
            fix="start the levels lower; the level is below the curve's range")
    if lam[-1] > target:
        raise HazardError(
            f"the hazard curve stays above 1/{return_period_yr:g} yr⁻¹ at the highest level "
            f"{x[-1]:g}", fix="extend the levels upwards")
    pos = lam > 0
    xx = np.log(x[pos]) if log_levels else x[pos]
    ll = np.log(lam[pos])
    # np.interp needs increasing abscissae: interpolate level as a function of −ln λ
    val = np.interp(-math.log(target), -ll, xx)
    return float(math.exp(val)) if log_levels else float(val)


def city_hazard(lon: float, lat: float, catalogue: pd.DataFrame, *, radius_km: float = 300.0,
                fit_radius_km: float | None = None, completeness: dict | None = None,
                end_year: float | None = None, mmin: float = 5.0,
                spatial: str = "smoothed", kernel_km: float = 50.0, spacing_km: float = 10.0,
                depth_km: float = 10.0, max_depth_km: float | None = 50.0,
                rupture: str = "line_random_strike", mmax: float | None = None,
                grparams: GRParams | None = None, return_details: bool = False):
    """475- and 2475-year hazard at a city centre from a catalogue-based area source.

    Returns
    -------
    dict with ``hazard.eq_pga475_rock`` and ``hazard.eq_pga2475_rock`` [g] (BSSA14,
    Vs30 = 760 m/s) and ``hazard.eq_msk475`` [MSK-64] (Bindi et al. 2011); with
    ``return_details=True`` also a dict (grparams, event-set size, curves).

    The recurrence is fitted (Weichert) on the events within ``fit_radius_km`` (default
    ``radius_km``), spread over that circle (Frankel-smoothed by default) and integrated up to
    ``radius_km`` from the city (the integration distance; default 300 km, inside the 400 km
    range of BSSA14). Events deeper than ``max_depth_km`` are left out.

    Raises
    ------
    HazardError
        Too few events within ``radius_km`` (fix: widen the radius or pass ``grparams``).
    """
    fit_r = radius_km if fit_radius_km is None else float(fit_radius_km)
    if fit_r < radius_km:
        raise HazardError("city_hazard: fit_radius_km must be ≥ radius_km",
                          fix="leave fit_radius_km unset or make it at least radius_km")
    gr = grparams or fit_city_source(catalogue, lon, lat, radius_km=fit_r,
                                     completeness=completeness, end_year=end_year,
                                     max_depth_km=max_depth_km, mmax=mmax)
    sel = select_within(catalogue, lon, lat, fit_r, max_depth_km=max_depth_km)
    sel = sel[sel["mag"] >= gr.mmin - 0.05]
    es = build_event_set(gr, lon, lat, fit_r, mmin=mmin, spacing_km=spacing_km,
                         depth_km=depth_km, spatial=spatial,
                         catalogue=sel if spatial == "smoothed" else None,
                         kernel_km=kernel_km, max_distance_km=radius_km)
    pga_levels = np.geomspace(1e-3, 4.0, 80)
    msk_levels = np.arange(3.0, 12.01, 0.05)
    lam_pga = hazard_curve(es, lon, lat, "PGA", pga_levels, vs30=760.0, rupture=rupture)
    lam_msk = hazard_curve(es, lon, lat, "MSK", msk_levels, rupture=rupture)
    out = {
        "hazard.eq_pga475_rock": level_at_return_period(pga_levels, lam_pga, 475.0),
        "hazard.eq_pga2475_rock": level_at_return_period(pga_levels, lam_pga, 2475.0),
        "hazard.eq_msk475": level_at_return_period(msk_levels, lam_msk, 475.0,
                                                   log_levels=False),
    }
    if return_details:
        return out, dict(grparams=gr, n_events=len(es), pga_levels=pga_levels,
                         pga_rates=lam_pga, msk_levels=msk_levels, msk_rates=lam_msk,
                         n_catalogue=len(sel))
    return out
