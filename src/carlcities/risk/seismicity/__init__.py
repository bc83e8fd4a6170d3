"""Earthquake catalogues, recurrence, source event sets and classical hazard at a site.

Pipeline (each step a pure function, see ``data/seismic_sources.md`` for the method notes):

1. read a catalogue: :func:`read_noaa_signif` (NOAA NCEI significant earthquakes TSV) or
   :func:`read_centennial` (USGS Centennial catalogue, fixed width); :func:`read_catalogue`
   picks the reader from the file;
2. completeness: :data:`COMPLETENESS_CENTENNIAL` (Engdahl & Villaseñor 2002) or
   :func:`stepp_completeness` (Stepp 1972);
3. Gutenberg–Richter: :func:`aki_utsu_b` (Aki 1965 / Utsu, Shi & Bolt 1982 σ) and
   :func:`weichert` (Weichert 1980, unequal completeness periods) → :class:`GRParams`;
4. area source around a city: :func:`fit_city_source`, :func:`build_event_set` →
   :class:`EventSet` (uniform or Frankel 1995 smoothed), :func:`sample_stochastic_catalogue`;
5. hazard: :func:`hazard_curve`, :func:`level_at_return_period`, :func:`city_hazard`.

Units: magnitudes [M] (as given by the catalogue, type recorded), distances [km],
accelerations [g], rates [1/yr], intensities [MSK-64].

Modules: ``catalogue``, ``recurrence``, ``events``, ``hazard_curves``.
"""

from __future__ import annotations

from .catalogue import (
    CATALOGUE_COLUMNS,
    CENTENNIAL_END_YEAR,
    COMPLETENESS_CENTENNIAL,
    EARTH_RADIUS_KM,
    haversine_km,
    read_catalogue,
    read_centennial,
    read_noaa_signif,
    select_within,
)
from .events import (
    MMAX_CAP,
    EventSet,
    build_event_set,
    fit_city_source,
    sample_stochastic_catalogue,
    wells_coppersmith_rld_km,
)
from .hazard_curves import (
    TRUNCATION_SIGMA,
    city_hazard,
    hazard_curve,
    hazard_curves_sites,
    level_at_return_period,
    return_period_from_poe,
)
from .recurrence import GRParams, aki_utsu_b, completeness_start, stepp_completeness, weichert

__all__ = [
    "CATALOGUE_COLUMNS", "COMPLETENESS_CENTENNIAL", "GRParams", "EventSet", "read_noaa_signif",
    "read_centennial", "read_catalogue", "haversine_km", "select_within", "completeness_start",
    "stepp_completeness", "aki_utsu_b", "weichert", "fit_city_source", "wells_coppersmith_rld_km",
    "build_event_set", "sample_stochastic_catalogue", "hazard_curve", "hazard_curves_sites",
    "return_period_from_poe",
    "level_at_return_period", "city_hazard", "MMAX_CAP", "TRUNCATION_SIGMA", "CENTENNIAL_END_YEAR",
    "EARTH_RADIUS_KM",
]
