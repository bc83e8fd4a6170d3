"""Area sources and stochastic event sets: a Gutenberg-Richter source around a city,
its point events (uniform or smoothed), rupture lengths, Poisson catalogues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carlcities.errors import HazardError
from carlcities.risk.seismicity.catalogue import (
    CENTENNIAL_END_YEAR,
    COMPLETENESS_CENTENNIAL,
    EARTH_RADIUS_KM,
    haversine_km,
    select_within,
)
from carlcities.risk.seismicity.recurrence import GRParams, weichert

__all__ = [
    "EventSet", "fit_city_source", "wells_coppersmith_rld_km", "build_event_set",
    "sample_stochastic_catalogue", "MMAX_CAP"
]


# --------------------------------------------------------------------------------------------
# Area source and event set
# --------------------------------------------------------------------------------------------

MMAX_CAP = 8.5


def fit_city_source(catalogue: pd.DataFrame, lon: float, lat: float, *, radius_km: float = 300.0,
                    completeness: dict | None = None, end_year: float | None = None,
                    dm: float = 0.1, max_depth_km: float | None = 50.0,
                    mmax: float | None = None, min_events: int = 10) -> GRParams:
    """Weichert Gutenberg–Richter fit for the circular area source around a city.

    mmax defaults to the largest magnitude observed within the radius (whole catalogue,
    complete or not) + 0.5, capped at 8.5 (the upper limit of BSSA14 and Bindi 2011).
    ``completeness`` defaults to :data:`COMPLETENESS_CENTENNIAL`; ``end_year`` to
    :data:`CENTENNIAL_END_YEAR` for a Centennial catalogue, else to the year after its last
    event.
    """
    completeness = COMPLETENESS_CENTENNIAL if completeness is None else completeness
    sel = select_within(catalogue, lon, lat, radius_km, max_depth_km=max_depth_km)
    if end_year is None:
        if len(catalogue) and (catalogue["source"] == "usgs_centennial").all():
            end_year = CENTENNIAL_END_YEAR
        else:
            end_year = math.floor(float(np.nanmax(catalogue["decimal_year"]))) + 1.0
    if mmax is None:
        mmax = min(float(sel["mag"].max()) + 0.5, MMAX_CAP) if len(sel) else MMAX_CAP
    return weichert(sel["mag"].to_numpy(), sel["decimal_year"].to_numpy(), completeness,
                    end_year=end_year, dm=dm, mmax=mmax, min_events=min_events)


def wells_coppersmith_rld_km(mag):
    """Subsurface rupture length [km], all slip types: log10(RLD) = −2.44 + 0.59·M.

    References
    ----------
    Wells, D.L., Coppersmith, K.J. (1994). New empirical relationships among magnitude,
    rupture length, rupture width, rupture area, and surface displacement. Bull. Seismol.
    Soc. Am. 84(4):974–1002. https://doi.org/10.1785/BSSA0840040974
    """
    return 10 ** (-2.44 + 0.59 * np.asarray(mag, dtype=float))


@dataclass
class EventSet:
    """Stochastic event set: one row per (magnitude bin, source point).

    mag [M], lon [°E], lat [°N], depth_km [km], rate [1/yr], rupture_length_km [km]
    (Wells & Coppersmith 1994 RLD) or None.
    """

    mag: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    depth_km: np.ndarray
    rate: np.ndarray
    rupture_length_km: np.ndarray | None = None

    def __post_init__(self):
        arrs = [np.asarray(getattr(self, k), dtype=float)
                for k in ("mag", "lon", "lat", "depth_km", "rate")]
        n = arrs[0].shape
        if any(a.shape != n for a in arrs):
            raise HazardError("EventSet arrays must all have the same length",
                              fix="build the set with build_event_set()")
        if np.any(arrs[4] < 0) or not np.all(np.isfinite(arrs[4])):
            raise HazardError("EventSet: rates must be finite and ≥ 0 [1/yr]",
                              fix="check the Gutenberg–Richter parameters")
        self.mag, self.lon, self.lat, self.depth_km, self.rate = arrs
        if self.rupture_length_km is not None:
            self.rupture_length_km = np.asarray(self.rupture_length_km, dtype=float)

    def __len__(self) -> int:
        return int(self.mag.size)


def _source_points(lon0, lat0, radius_km, spacing_km):
    """Square grid (spacing [km]) on the local tangent plane, clipped to the circle."""
    k = int(math.floor(radius_km / spacing_km))
    off = np.arange(-k, k + 1) * spacing_km
    x, y = np.meshgrid(off, off)
    inside = x**2 + y**2 <= radius_km**2
    x, y = x[inside], y[inside]
    km_per_deg = EARTH_RADIUS_KM * math.pi / 180.0
    lat = lat0 + y / km_per_deg
    lon = lon0 + x / (km_per_deg * math.cos(math.radians(lat0)))
    return lon, lat


def build_event_set(grparams: GRParams, centre_lon: float, centre_lat: float,
                    radius_km: float = 300.0, *, mag_step: float = 0.1, spacing_km: float = 10.0,
                    mmin: float | None = 5.0, depth_km: float = 10.0,
                    spatial: str = "uniform", catalogue: pd.DataFrame | None = None,
                    kernel_km: float = 50.0, max_distance_km: float | None = None) -> EventSet:
    """Event set of a circular area source: magnitude bins × source points.

    Magnitudes: bins of width ``mag_step`` from ``mmin`` (default 5.0; GR extrapolated below
    the fitted mmin) to mmax, represented by their centre, with rate
    N(≥m_lo) − N(≥m_hi) where N(≥m) = 10^(a − b·m) − 10^(a − b·mmax) (doubly-truncated
    exponential). Space: points on a ``spacing_km`` grid inside the circle;
    ``spatial="uniform"`` gives each the same weight, ``spatial="smoothed"`` weights them by
    the Gaussian kernel of Frankel (1995), wᵢ ∝ Σⱼ exp(−Δᵢⱼ²/c²) over the catalogue
    epicentres j inside the circle (c = ``kernel_km``, no background term). Every event has
    hypocentral depth ``depth_km`` (default 10 km, see seismic_sources.md).
    ``max_distance_km`` (integration distance) drops the source points farther than that from
    the centre *after* the spatial weights were normalised over the whole circle, so that a
    recurrence fitted on a wide region keeps its rate density.

    References
    ----------
    Frankel, A. (1995). Mapping seismic hazard in the central and eastern United States.
    Seismol. Res. Lett. 66(4):8–21. https://doi.org/10.1785/gssrl.66.4.8
    Wells & Coppersmith (1994), https://doi.org/10.1785/BSSA0840040974 (rupture length).
    """
    if spacing_km <= 0 or radius_km <= 0 or mag_step <= 0:
        raise HazardError("build_event_set: radius_km, spacing_km and mag_step must be > 0",
                          fix="e.g. radius_km=300, spacing_km=10, mag_step=0.1")
    lo = grparams.mmin if mmin is None else float(mmin)
    if lo >= grparams.mmax:
        raise HazardError(f"build_event_set: mmin {lo} ≥ mmax {grparams.mmax}",
                          fix="lower mmin or raise mmax")
    nb = max(1, int(math.ceil((grparams.mmax - lo) / mag_step - 1e-9)))
    edges = np.minimum(lo + mag_step * np.arange(nb + 1), grparams.mmax)
    a, b = grparams.a, grparams.b

    def cum(m):
        return 10 ** (a - b * m) - 10 ** (a - b * grparams.mmax)

    bin_rate = cum(edges[:-1]) - cum(edges[1:])
    mags = 0.5 * (edges[:-1] + edges[1:])
    lon, lat = _source_points(centre_lon, centre_lat, radius_km, spacing_km)
    if spatial == "uniform":
        w = np.full(lon.size, 1.0 / lon.size)
    elif spatial == "smoothed":
        if catalogue is None or len(catalogue) == 0:
            raise HazardError("build_event_set: spatial='smoothed' needs the catalogue",
                              fix="pass catalogue= (the events of the source) or use "
                                  "spatial='uniform'")
        d = haversine_km(lon[:, None], lat[:, None], catalogue["lon"].to_numpy()[None, :],
                         catalogue["lat"].to_numpy()[None, :])
        w = np.exp(-(d**2) / kernel_km**2).sum(axis=1)
        if w.sum() <= 0:
            raise HazardError("build_event_set: smoothed weights are all zero",
                              fix="increase kernel_km or use spatial='uniform'")
        w = w / w.sum()
    else:
        raise HazardError(f"build_event_set: unknown spatial={spatial!r}",
                          fix="use 'uniform' or 'smoothed'")
    if max_distance_km is not None:
        near = haversine_km(lon, lat, centre_lon, centre_lat) <= max_distance_km
        lon, lat, w = lon[near], lat[near], w[near]
    mm = np.repeat(mags, lon.size)
    return EventSet(mag=mm, lon=np.tile(lon, mags.size), lat=np.tile(lat, mags.size),
                    depth_km=np.full(mm.size, float(depth_km)),
                    rate=np.outer(bin_rate, w).ravel(),
                    rupture_length_km=wells_coppersmith_rld_km(mm))


def sample_stochastic_catalogue(event_set: EventSet, years: float,
                                rng: np.random.Generator) -> pd.DataFrame:
    """Event-based Monte Carlo catalogue: Poisson occurrences of every event over ``years``.

    The number of occurrences of event e is Poisson(rate_e · years); occurrence times are
    uniform in [0, years). Returns a DataFrame (event_index, year [yr from start], mag, lon,
    lat, depth_km) sorted by time.
    """
    if not years > 0:
        raise HazardError("sample_stochastic_catalogue: years must be > 0",
                          fix="give the catalogue length in years, e.g. 10000")
    counts = rng.poisson(event_set.rate * years)
    idx = np.repeat(np.arange(len(event_set)), counts)
    t = rng.uniform(0.0, years, size=idx.size)
    df = pd.DataFrame(dict(event_index=idx, year=t, mag=event_set.mag[idx],
                           lon=event_set.lon[idx], lat=event_set.lat[idx],
                           depth_km=event_set.depth_km[idx]))
    return df.sort_values("year", ignore_index=True)
