"""City population to 2050 by the share-of-national-urban ratio method, damped.

Method (the "ratio" or "share" method of small-area projection; Smith, Tayman & Swanson
2013, *A Practitioner's Guide to State and Local Population Projections*, Springer, ch. 8,
"shift-share" / share-of-growth family; UN DESA 2018 WUP methodology projects city
populations from their share of the national urban population in the same spirit):

1. The city's share of its country's urban population, ``s(t) = P_city(t) / U(t)``, is taken
   at every catalogue year ``t ≥ fit_start_year`` (``U`` interpolated log-linearly between the
   5-year points of ``data/urban_projections.csv``).
2. Its trend ``g`` [1/yr] is the least-squares slope of ``ln s`` on ``t`` (log-linear), capped
   to ±``share_rate_cap``; with fewer than two points, ``g = 0`` (constant share).
3. The share is anchored at the base year ``t0`` (the catalogue population of ``t0``, as
   :meth:`carlcities.catalog.City.population_at` gives it, over ``U(t0)``) and projected with
   the **damped trend** of Gardner & McKenzie (1985): ``ln s(t0+h) = ln s(t0) + g·Σᵢ₌₁ʰ φⁱ``
   = ``ln s(t0) + g·φ(1−φʰ)/(1−φ)``, φ = ``damping`` per year (0.9: the trend adds at most
   ``9g`` in total, so no city's share runs away).
4. ``P_city(t) = s(t) · U(t)`` [persons], yearly ``t0 … 2050``.
5. User overrides (CSV ``city_id, year, population``) replace the projection at their years;
   between two override years the population is interpolated log-linearly between the
   overrides; before the first and after the last override the projection is scaled by the
   ratio override/projection at the nearest override year (so the series stays continuous).

References
----------
Gardner, E. S. and McKenzie, E. (1985). Forecasting trends in time series. *Management
Science* 31(10):1237–1246. doi:10.1287/mnsc.31.10.1237

Smith, S. K., Tayman, J. and Swanson, D. A. (2013). *A Practitioner's Guide to State and
Local Population Projections*. Springer. doi:10.1007/978-94-007-7551-0

UN DESA Population Division (2018). *World Urbanization Prospects: The 2018 Revision*
(file F03, urban population at mid-year).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import DataValueError, ScenarioError

from .levers import default_parameters

__all__ = ["NationalUrban", "Projection", "load_overrides", "load_urban_projections",
           "project_population", "project_populations"]

URBAN_COLUMNS = ("country_iso3", "year", "urban_population", "unit", "kind", "source", "url")
OVERRIDE_COLUMNS = ("city_id", "year", "population")


@dataclass(frozen=True)
class NationalUrban:
    """Urban population of one country at given years [persons], with its source."""

    country_iso3: str
    years: tuple[int, ...]
    population: tuple[float, ...]
    source: str
    url: str

    def at(self, year: float) -> float:
        """Urban population in ``year`` [persons]: log-linear between the table's years.

        Raises :class:`DataValueError` outside the table (no extrapolation).
        """
        ys = self.years
        if year < ys[0] or year > ys[-1]:
            raise DataValueError(
                f"{self.country_iso3}: no national urban population for {year} (table covers "
                f"{ys[0]}–{ys[-1]})", fix="extend data/urban_projections.csv or pass a table "
                                          "covering the years")
        return float(np.exp(np.interp(year, ys, np.log(self.population))))


def _read(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc}", path=path, fix="check the path") from exc
    if not rows:
        raise ScenarioError("file is empty", path=path, fix=f"give columns {list(required)}")
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise ScenarioError(f"missing columns {missing}", path=path,
                            fix=f"the file needs the columns {list(required)}")
    return rows


def load_urban_projections(path: str | Path | None = None) -> dict[str, NationalUrban]:
    """National urban population tables by ISO3 code (shipped ``data/urban_projections.csv``
    unless ``path`` is given). Values must be positive persons, years unique per country."""
    return _load_urban(str(path) if path else None)


@lru_cache(maxsize=8)
def _load_urban(path: str | None) -> dict[str, NationalUrban]:
    p = Path(path) if path else Path(str(resources.files("carlcities") / "data" /
                                         "urban_projections.csv"))
    by: dict[str, dict[int, tuple[float, str, str]]] = {}
    for i, r in enumerate(_read(p, URBAN_COLUMNS), start=2):
        try:
            y, v = int(r["year"]), float(r["urban_population"])
        except ValueError as exc:
            raise DataValueError(f"line {i}: {exc}", path=p,
                                 fix="year and urban_population must be numbers") from exc
        if r["unit"].strip() != "persons":
            raise DataValueError(f"line {i}: unit {r['unit']!r}", path=p,
                                 fix="give urban_population in persons (unit 'persons')")
        if not v > 0:
            raise DataValueError(f"line {i}: urban population {v} is not positive", path=p,
                                 fix="urban_population must be > 0 persons")
        d = by.setdefault(r["country_iso3"], {})
        if y in d:
            raise DataValueError(f"line {i}: {r['country_iso3']} {y} given twice", path=p,
                                 fix="keep one row per country and year")
        d[y] = (v, r["source"], r["url"])
    out = {}
    for c, d in by.items():
        ys = sorted(d)
        out[c] = NationalUrban(c, tuple(ys), tuple(d[y][0] for y in ys), d[ys[-1]][1],
                               d[ys[-1]][2])
    return out


def load_overrides(path: str | Path) -> dict[str, dict[int, float]]:
    """User population overrides: CSV ``city_id, year, population`` [persons] → nested dict."""
    p = Path(path)
    out: dict[str, dict[int, float]] = {}
    for i, r in enumerate(_read(p, OVERRIDE_COLUMNS), start=2):
        try:
            y, v = int(r["year"]), float(r["population"])
        except ValueError as exc:
            raise DataValueError(f"line {i}: {exc}", path=p,
                                 fix="year and population must be numbers") from exc
        if not v > 0:
            raise DataValueError(f"line {i}: population {v} is not positive", path=p,
                                 fix="give a population > 0 persons")
        if y in out.get(r["city_id"], {}):
            raise DataValueError(f"line {i}: {r['city_id']} {y} given twice", path=p,
                                 fix="keep one row per city and year")
        out.setdefault(r["city_id"], {})[y] = v
    return out


@dataclass(frozen=True)
class Projection:
    """A city's projected population.

    ``years`` [year] and ``population`` [persons] are yearly arrays; ``share`` is the city's
    share of national urban population [ratio], ``national`` that population [persons];
    ``share_rate`` the fitted trend [1/yr] before damping; ``method`` says what was done.
    """

    city_id: str
    years: np.ndarray
    population: np.ndarray
    share: np.ndarray
    national: np.ndarray
    share_rate: float
    method: str
    source: str
    overridden: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def at(self, year: int) -> float:
        """Population in ``year`` [persons] (a year of the projection)."""
        idx = np.flatnonzero(self.years == year)
        if idx.size == 0:
            raise DataValueError(f"{self.city_id}: {year} is outside the projection "
                                 f"{int(self.years[0])}–{int(self.years[-1])}",
                                 fix="ask for a year between the base year and the end year")
        return float(self.population[idx[0]])


def _fit_share_rate(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of ln(share) on year [1/yr]; 0 with fewer than 2 distinct years."""
    if len({y for y, _ in points}) < 2:
        return 0.0
    t = np.array([y for y, _ in points], dtype=float)
    ls = np.log([s for _, s in points])
    return float(np.polyfit(t - t.mean(), ls, 1)[0])


def project_population(city: Any, *, base_year: int = 2020, end_year: int = 2050,
                       national: Mapping[str, NationalUrban] | None = None,
                       overrides: Mapping[int, float] | None = None,
                       params: Mapping[str, Any] | None = None) -> Projection:
    """Yearly population of ``city`` [persons] from ``base_year`` to ``end_year``.

    Share-of-national-urban ratio method with a damped log-linear share trend (see the
    module docstring for every step and its references). ``national`` defaults to the
    shipped UN WUP 2018 table; ``overrides`` maps year → population [persons] for this city;
    ``params`` may override ``damping``, ``share_rate_cap`` and ``fit_start_year``.
    """
    p = default_parameters(params)
    phi, cap, fit_start = float(p["damping"]), float(p["share_rate_cap"]), int(p["fit_start_year"])
    if not 0.0 <= phi < 1.0:
        raise ScenarioError(f"damping {phi} is outside [0, 1)", fix="use 0.8–0.98 for annual data")
    if end_year < base_year:
        raise ScenarioError(f"end_year {end_year} before base_year {base_year}",
                            fix="give end_year ≥ base_year")
    nat_all = national if national is not None else load_urban_projections()
    if city.country_iso3 not in nat_all:
        raise DataValueError(f"{city.city_id}: no national urban population for "
                             f"{city.country_iso3}", fix="add the country to "
                                                         "data/urban_projections.csv")
    nat = nat_all[city.country_iso3]
    pts = [(pt.year, pt.population / nat.at(pt.year)) for pt in city.history
           if pt.year >= max(fit_start, nat.years[0]) and pt.year <= nat.years[-1]]
    g_raw = _fit_share_rate(pts)
    g = min(max(g_raw, -cap), cap)
    p0, how0 = city.population_at(base_year)
    s0 = p0 / nat.at(base_year)
    years = np.arange(base_year, end_year + 1)
    h = (years - base_year).astype(float)
    damp = phi * (1.0 - phi ** h) / (1.0 - phi) if phi > 0 else np.zeros_like(h)
    share = s0 * np.exp(g * damp)
    U = np.array([nat.at(int(y)) for y in years])
    pop = share * U
    method = (f"share of national urban population ({nat.country_iso3}), base {base_year} "
              f"({how0}), log-linear share trend {100 * g:.2f} %/yr over {len(pts)} catalogue "
              f"points since {fit_start}" + (f" (capped from {100 * g_raw:.2f})" if g != g_raw
                                             else "") + f", damped phi={phi:g}/yr")
    notes: list[str] = []
    done: tuple[int, ...] = ()
    if overrides:
        pop, done = _apply_overrides(years, pop, overrides)
        ign = sorted(set(overrides) - set(done))
        if ign:
            notes.append(f"overrides outside {base_year}–{end_year} ignored: {ign}")
        method += f"; user overrides at {list(done)}"
    return Projection(city.city_id, years, pop, share, U, g_raw, method,
                      f"{nat.source} {nat.url}", done, tuple(notes))


def _apply_overrides(years: np.ndarray, pop: np.ndarray, ov: Mapping[int, float]
                     ) -> tuple[np.ndarray, tuple[int, ...]]:
    oy = sorted(y for y in ov if years[0] <= y <= years[-1])
    if not oy:
        return pop, ()
    idx = {int(y): i for i, y in enumerate(years)}
    lr = np.array([math.log(ov[y] / pop[idx[y]]) for y in oy])  # log ratio at override years
    out = pop.copy()
    inside = (years >= oy[0]) & (years <= oy[-1])
    out[inside] = np.exp(np.interp(years[inside], oy, np.log([ov[y] for y in oy])))
    out[years < oy[0]] = pop[years < oy[0]] * math.exp(lr[0])
    out[years > oy[-1]] = pop[years > oy[-1]] * math.exp(lr[-1])
    for y in oy:  # the overrides themselves, exactly
        out[idx[y]] = float(ov[y])
    return out, tuple(oy)


def project_populations(cities: Iterable[Any], *, overrides: str | Path | Mapping | None = None,
                        **kw: Any) -> dict[str, Projection]:
    """:func:`project_population` for several cities; ``overrides`` a CSV path or a dict
    ``{city_id: {year: population}}``. An override for a city not listed raises
    :class:`ScenarioError` (did you mean)."""
    import difflib

    cities = list(cities)
    ov = load_overrides(overrides) if isinstance(overrides, (str, Path)) else dict(overrides or {})
    ids = [c.city_id for c in cities]
    for cid in ov:
        if cid not in ids:
            close = difflib.get_close_matches(cid, ids, n=1)
            raise ScenarioError(f"override for unknown city {cid!r}" +
                                (f"; did you mean {close[0]}?" if close else ""),
                                path=str(overrides) if isinstance(overrides, (str, Path)) else None,
                                fix="use catalogue city ids (carlcities cities)")
    return {c.city_id: project_population(c, overrides=ov.get(c.city_id), **kw) for c in cities}
