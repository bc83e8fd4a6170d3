"""The sourced default parameters of the carbon inventory (``data/carbon_parameters.csv``).

One row per default: ``key, country, value, unit, year, source, confidence, fallback``.
``country`` is a city id (``almaty``), an ISO3 country code (``KAZ``) or ``*`` (regional
default). A value is looked up for the city first, then its country, then ``*``; every value
taken from the country or from ``*`` is a *fallback* and is listed among the proxies of the
city. Units are checked with pint: :meth:`Parameters.number` converts to the unit the caller
expects and raises :class:`UnitMismatchError` when they do not match.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from carlcities.errors import ConfigError, DataValueError

__all__ = ["Param", "Parameters", "UnitMismatchError", "load_parameters", "quantity", "ureg"]

COLUMNS = ("key", "country", "value", "unit", "year", "source", "confidence", "fallback")


class UnitMismatchError(DataValueError):
    """A value comes in a unit other than the one expected (e.g. kWh where TJ is expected)."""


@lru_cache(maxsize=1)
def ureg():
    """The pint unit registry, with ``person``, ``vehicle`` and ``CO2e`` as extra units."""
    import pint

    u = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    u.define("person = [person] = persons = inhabitant")
    u.define("kiloperson = 1000 * person")
    u.define("vehicle = [vehicle] = vehicles = car = cars = bus = buses")
    u.define("CO2e = [co2e]")
    u.define("vehicle_km = vehicle * km = vkm")
    u.define("Gcal = 1e9 * calorie")
    u.define("USD = [currency]")
    return u


def quantity(value: float, unit: str, expected: str, *, where: str = "",
             allow_conversion: bool = False) -> float:
    """``value`` [``unit``] as a number in ``expected`` units, checked with pint.

    With ``allow_conversion=False`` (the default for activity data) the unit must be the
    expected one, spelled in any way pint accepts (``TJ`` = ``terajoule``); a compatible
    but different unit (``kWh`` where ``TJ`` is expected) is an error, so that a value is
    never read in the wrong magnitude. With ``allow_conversion=True`` compatible units are
    converted.

    Raises
    ------
    UnitMismatchError
        Unknown unit, incompatible dimensions, or (without conversion) a different unit.
    """
    loc = f" in {where}" if where else ""
    factor, problem = _factor(unit or "", expected or "")
    if problem == "unreadable":
        raise UnitMismatchError(f"unit {unit!r} cannot be read{loc}",
                                fix=f"write the unit as pint understands it, e.g. {expected!r}")
    if problem == "dimension":
        raise UnitMismatchError(
            f"unit {unit!r} does not measure the same thing as the expected {expected!r}{loc}",
            fix=f"give the value in {expected}")
    if not allow_conversion and abs(factor - 1.0) > 1e-9:
        raise UnitMismatchError(
            f"value given in {unit!r} where {expected!r} is expected{loc} "
            f"(1 {unit} = {factor:.6g} {expected})",
            fix=f"convert the value to {expected} (multiply by {factor:.6g}) and write "
                f"{expected!r} in the unit column")
    return float(value) * factor


@lru_cache(maxsize=512)
def _factor(unit: str, expected: str) -> tuple[float, str]:
    """(magnitude of 1 ``unit`` in ``expected``, problem or '') by pint."""
    import pint

    u = ureg()
    try:
        given = u.parse_expression(unit or "dimensionless")
        want = u.parse_expression(expected or "dimensionless")
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError,
            TypeError, ValueError):
        return float("nan"), "unreadable"
    given_q = given if isinstance(given, u.Quantity) else 1.0 * given
    want_q = want if isinstance(want, u.Quantity) else 1.0 * want
    if given_q.dimensionality != want_q.dimensionality:
        return float("nan"), "dimension"
    return float((given_q / want_q).to("dimensionless").magnitude), ""


@dataclass(frozen=True)
class Param:
    """One row of the parameter file."""

    key: str
    country: str
    value: Any
    unit: str
    year: str
    source: str
    confidence: str
    fallback: bool


@dataclass(frozen=True)
class Lookup:
    """A value found for a city, and how: ``'city'``, ``'country'`` or ``'regional'``."""

    param: Param
    level: str

    @property
    def is_fallback(self) -> bool:
        return self.level != "city" or self.param.fallback


class Parameters:
    """The parameter table; look values up per city with :meth:`get` / :meth:`number`."""

    def __init__(self, params: list[Param], path: str):
        self.path = path
        self._by: dict[tuple[str, str], Param] = {}
        for p in params:
            k = (p.key, p.country)
            if k in self._by:
                raise ConfigError(f"parameter {p.key!r} for {p.country!r} is given twice",
                                  path=path, fix="keep one row per key and country")
            self._by[k] = p
        self.keys = {p.key for p in params}

    def __iter__(self):
        return iter(self._by.values())

    def find(self, key: str, city_id: str, country: str) -> Lookup:
        """The row for ``key`` at the city, else its country, else ``*``.

        Raises
        ------
        DataValueError
            When the key has no value for that city (a missing factor).
        """
        for scope, level in ((city_id, "city"), (country, "country"), ("*", "regional")):
            p = self._by.get((key, scope))
            if p is not None:
                return Lookup(p, level)
        raise DataValueError(
            f"no value of {key!r} for {city_id} ({country}) and no regional default",
            path=self.path, fix=f"add a row '{key},{country},VALUE,UNIT,...' or '{key},*,...'"
                                " to the parameter file, or give the data in data.activity")

    def number(self, key: str, city_id: str, country: str, unit: str | None = None,
               used: list[dict[str, Any]] | None = None, stands_for: str = "") -> float:
        """Numeric value of ``key`` for the city in ``unit`` (pint-checked, converted).

        ``unit=None`` skips the check (the value is used in the file's own unit).

        When ``used`` is given, a record of the lookup is appended to it (the proxy list).
        """
        lk = self.find(key, city_id, country)
        try:
            v = float(lk.param.value)
        except ValueError:
            raise DataValueError(f"parameter {key!r} ({lk.param.country}) is not a number: "
                                 f"{lk.param.value!r}", path=self.path,
                                 fix="write a number in the value column") from None
        if unit is not None:
            if "degC" not in unit + lk.param.unit:
                v = quantity(v, lk.param.unit, unit, where=f"{self.path} key {key}",
                             allow_conversion=True)
        if used is not None:
            used.append(_record(lk, v, unit, stands_for))
        return v

    def text(self, key: str, city_id: str, country: str,
             used: list[dict[str, Any]] | None = None, stands_for: str = "") -> str:
        """Text value of ``key`` for the city (fuel names, mixes, flags)."""
        lk = self.find(key, city_id, country)
        if used is not None:
            used.append(_record(lk, lk.param.value, "", stands_for))
        return str(lk.param.value)

    def mix(self, key: str, city_id: str, country: str,
            used: list[dict[str, Any]] | None = None, stands_for: str = "") -> dict[str, float]:
        """A mix ``'a:0.6;b:0.4'`` as a dict of shares; shares must be in 0-1 and sum to 1."""
        text = self.text(key, city_id, country, used, stands_for)
        out: dict[str, float] = {}
        for part in text.split(";"):
            name, _, share = part.partition(":")
            out[name.strip()] = float(share)
        if any(s < 0 or s > 1 for s in out.values()) or abs(sum(out.values()) - 1) > 1e-6:
            raise DataValueError(f"mix {key!r} for {city_id} does not sum to 1: {text!r}",
                                 path=self.path, fix="make the shares sum to 1")
        return out


def _record(lk: Lookup, value: Any, unit: str | None, stands_for: str) -> dict[str, Any]:
    p = lk.param
    return dict(key=p.key, value=value, unit=unit or p.unit, level=lk.level,
                scope=p.country, fallback=lk.is_fallback, source=p.source,
                confidence=p.confidence, year=p.year, stands_for=stands_for)


def load_parameters(path: str | Path | None = None) -> Parameters:
    """Read the parameter file (default: the bundled ``data/carbon_parameters.csv``)."""
    return _load(str(path) if path else None)


@lru_cache(maxsize=8)
def _load(path: str | None) -> Parameters:
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/carbon_parameters.csv", "carbon parameter file")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or set(COLUMNS) - set(rows[0]):
        raise ConfigError(f"the parameter file needs the columns {', '.join(COLUMNS)}",
                          path=name, fix="add the missing columns")
    out = []
    for i, r in enumerate(rows, start=2):
        if not r["source"].strip():
            raise ConfigError(f"row {i}: parameter {r['key']!r} has no source", path=name,
                              fix="cite the source of every default")
        out.append(Param(r["key"].strip(), r["country"].strip(), r["value"].strip(),
                         r["unit"].strip(), r["year"].strip(), r["source"].strip(),
                         r["confidence"].strip(), r["fallback"].strip().lower() == "yes"))
    return Parameters(out, name)
