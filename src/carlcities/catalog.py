"""The city catalogue: the 48 cities of the 2023 Central Asia study, with sourced facts.

Shipped as two CSV files in ``carlcities/data``: ``cities.csv`` (one row per city) and
``city_populations.csv`` (population by year: censuses back to 1989 and official estimates,
each with its source). ``docs/catalogue.md`` explains the choices and the flags.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import math
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import CatalogError, UnknownCityError

__all__ = ["CLONES_ENV", "City", "Catalog", "load_catalog", "PopulationPoint", "SETTINGS"]

#: environment variable: add this many clones of every catalogue city (ids ``<id>_c<k>``,
#: k = 1, 2, ...), for scale benchmarks on the synthetic demo region, whose data follow from
#: the city id (benchmarks/bench_scale.py); unset or 0: the catalogue as shipped
CLONES_ENV = "CARLCITIES_DEMO_CLONES"

SETTINGS = ("mountain_front", "valley_basin", "oasis", "steppe_river", "sea_coast")
CITY_COLUMNS = (
    "city_id", "name_en", "name_ru", "country_iso3", "region", "lat", "lon", "population",
    "population_year", "population_source", "elevation_m", "is_capital", "inclusion_basis",
    "setting", "flags",
)
POP_COLUMNS = ("city_id", "year", "population", "kind", "source")


@dataclass(frozen=True)
class PopulationPoint:
    year: int
    population: float
    kind: str  # census | estimate
    source: str


@dataclass(frozen=True)
class City:
    """One catalogue city. ``population`` [persons] is the latest figure, of ``population_year``."""

    city_id: str
    name_en: str
    name_ru: str
    country_iso3: str
    region: str
    lat: float
    lon: float
    population: float
    population_year: int
    population_source: str
    elevation_m: float
    is_capital: bool
    inclusion_basis: str
    setting: str
    flags: str = ""
    history: tuple[PopulationPoint, ...] = field(default=(), compare=False, repr=False)

    def population_at(self, year: int) -> tuple[float, str]:
        """Population in ``year`` [persons] and how it was obtained.

        Exact where the catalogue has the year; otherwise log-linear interpolation between the
        two nearest known years (constant exponential growth), or extrapolation with the rate
        over the whole known span capped to −2…+4 %/yr (short intervals often straddle a
        boundary change). With a single known point, 1.5 %/yr is assumed. The returned method
        string says which was done; it goes into the provenance.
        """
        pts = list(self.history)
        if not pts:
            pts = [PopulationPoint(self.population_year, self.population, "estimate",
                                   self.population_source)]
        for p in pts:
            if p.year == year:
                return float(p.population), f"{p.kind} {p.year}"
        if len(pts) == 1:
            p = pts[0]
            return float(p.population * math.exp(0.015 * (year - p.year))), (
                f"extrapolated from {p.year} at an assumed 1.5 %/yr")
        if year < pts[0].year or year > pts[-1].year:
            # extrapolate with the growth rate over the whole known span (short intervals
            # often straddle a boundary change), capped to a plausible -2 … +4 %/yr
            a, b = pts[0], pts[-1]
            rate = math.log(b.population / a.population) / (b.year - a.year)
            rate = min(max(rate, -0.02), 0.04)
            ref = a if year < a.year else b
            how = (f"extrapolated from {ref.year} at {100 * rate:.2f} %/yr "
                   f"(the {a.year}-{b.year} rate, capped to -2…+4 %/yr)")
            return float(ref.population * math.exp(rate * (year - ref.year))), how
        i = max(k for k, p in enumerate(pts) if p.year < year)
        a, b = pts[i], pts[i + 1]
        how = f"interpolated between {a.year} and {b.year}"
        rate = math.log(b.population / a.population) / (b.year - a.year)
        return float(a.population * math.exp(rate * (year - a.year))), how


def _fold(s: str) -> str:
    """Lowercase, strip accents and punctuation: 'Türkmenabat' → 'turkmenabat'."""
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s.lower() if ch.isalnum() and not unicodedata.combining(ch))


class Catalog:
    """The cities, with lookup by id or by English or Russian name."""

    def __init__(self, cities: list[City], source: str):
        self.cities = cities
        self.source = source
        self._by_key: dict[str, City] = {}
        for c in cities:
            names = [c.city_id, c.name_en, c.name_ru]
            # names such as "Oskemen (Ust-Kamenogorsk)" are found by either part
            for n in list(names):
                if "(" in n:
                    names += [n.split("(")[0], n.split("(")[1].rstrip(")")]
            for n in names:
                self._by_key.setdefault(_fold(n), c)

    def __iter__(self):
        return iter(self.cities)

    def __len__(self) -> int:
        return len(self.cities)

    @property
    def ids(self) -> list[str]:
        return [c.city_id for c in self.cities]

    def get(self, key: str) -> City:
        """The city with this id or name; raises :class:`UnknownCityError` with suggestions."""
        k = _fold(key)
        if k in self._by_key:
            return self._by_key[k]
        close = difflib.get_close_matches(k, list(self._by_key), n=3, cutoff=0.6)
        ids = list(dict.fromkeys(self._by_key[m].city_id for m in close))
        hint = (f"did you mean {', '.join(ids)}?" if ids
                else "run `carlcities cities` to list the ids")
        raise UnknownCityError(f"unknown city {key!r}; {hint}", fix=hint)

    def select(self, keys: list[str] | None) -> list[City]:
        if not keys:
            return list(self.cities)
        return [self.get(k) for k in keys]


def _read_csv(path: Path | resources.abc.Traversable, required: tuple[str, ...]
              ) -> list[dict[str, str]]:
    # typeshed's Traversable.open lists only encoding/errors, but the protocol passes text
    # options such as newline on to io.TextIOWrapper (importlib.resources.abc docs)
    with path.open(encoding="utf-8", newline="") as f:  # type: ignore[call-overload]
        rows = list(csv.DictReader(f))
    if not rows:
        raise CatalogError("catalogue file is empty", path=str(path),
                           fix="restore the file shipped with carlcities")
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise CatalogError(f"missing columns {missing}", path=str(path),
                           fix=f"the file needs the columns {list(required)}")
    return rows


def load_catalog(path: str | Path | None = None, populations: str | Path | None = None) -> Catalog:
    """Load the shipped catalogue (or a user's CSV with the same columns)."""
    raw = os.environ.get(CLONES_ENV, "").strip() or "0"
    try:
        clones = int(raw)
    except ValueError:
        clones = -1
    if clones < 0:
        raise CatalogError(f"{CLONES_ENV}={raw!r} is not a whole number >= 0",
                           path=CLONES_ENV, fix=f"unset {CLONES_ENV} or give e.g. 1")
    return _load(str(path) if path else None, str(populations) if populations else None,
                 clones)


def _clone(c: City, k: int) -> City:
    """Clone ``k`` of a city: the same facts under the id ``<id>_c<k>``; the demo region
    generates other synthetic data for it (the data follow from the id)."""
    return dataclasses.replace(c, city_id=f"{c.city_id}_c{k}", name_en=f"{c.name_en} (clone {k})",
                               name_ru=f"{c.name_ru} (копия {k})",
                               flags="; ".join(f for f in (c.flags, f"clone {k} of {c.city_id} "
                                                           "for a scale benchmark") if f))


@lru_cache(maxsize=8)
def _load(path: str | None, populations: str | None, clones: int = 0) -> Catalog:
    data = resources.files("carlcities") / "data"
    cpath = Path(path) if path else data / "cities.csv"
    ppath = Path(populations) if populations else (
        Path(path).with_name("city_populations.csv") if path else data / "city_populations.csv")
    rows = _read_csv(cpath, CITY_COLUMNS)
    hist: dict[str, list[PopulationPoint]] = {}
    if ppath.is_file():
        for r in _read_csv(ppath, POP_COLUMNS):
            if r["kind"] not in ("census", "estimate"):
                raise CatalogError(f"kind {r['kind']!r} for {r['city_id']} {r['year']}",
                                   path=str(ppath), fix="kind is 'census' or 'estimate'")
            if any(p.year == int(r["year"]) for p in hist.get(r["city_id"], [])):
                raise CatalogError(f"two rows for {r['city_id']} in {r['year']}",
                                   path=str(ppath), fix="keep one figure per city and year")
            try:
                hist.setdefault(r["city_id"], []).append(PopulationPoint(
                    int(r["year"]), float(r["population"]), r["kind"], r["source"]))
            except ValueError as exc:
                raise CatalogError(f"bad population row {r}: {exc}", path=str(ppath),
                                   fix="year and population must be numbers") from exc
    cities = []
    for i, r in enumerate(rows, start=2):
        try:
            cities.append(City(
                city_id=r["city_id"], name_en=r["name_en"], name_ru=r["name_ru"],
                country_iso3=r["country_iso3"], region=r["region"], lat=float(r["lat"]),
                lon=float(r["lon"]), population=float(r["population"]),
                population_year=int(r["population_year"]),
                population_source=r["population_source"],
                elevation_m=float(r["elevation_m"] or "nan"),
                is_capital=r["is_capital"].strip().lower() in ("yes", "true", "1"),
                inclusion_basis=r["inclusion_basis"], setting=r["setting"],
                flags=r.get("flags", "") or "",
                history=tuple(sorted(hist.get(r["city_id"], []), key=lambda p: p.year)),
            ))
        except ValueError as exc:
            raise CatalogError(f"line {i}: {exc}", path=str(cpath),
                               fix="lat, lon, population and population_year must be numbers"
                               ) from exc
        if cities[-1].setting not in SETTINGS:
            raise CatalogError(f"line {i}: setting {r['setting']!r} is not one of {SETTINGS}",
                               path=str(cpath), fix=f"use one of {', '.join(SETTINGS)}")
    cities += [_clone(c, k) for k in range(1, clones + 1) for c in cities]
    ids = [c.city_id for c in cities]
    if len(set(ids)) != len(ids):
        raise CatalogError("duplicate city_id", path=str(cpath), fix="make city ids unique")
    return Catalog(cities, str(cpath))
