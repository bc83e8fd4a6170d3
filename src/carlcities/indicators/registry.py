"""The indicator registry: one declaration per indicator drives the pipeline, CLI and docs.

Each indicator is a small pure function registered with :func:`indicator`, which records its
id (``theme.name``), English and Russian names, unit, inputs, method and reference.
:func:`evaluate` runs every registered indicator whose inputs are supplied.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from carlcities.errors import ConfigError

__all__ = [
    "REGISTRY",
    "Indicator",
    "UNITS",
    "Value",
    "all_indicators",
    "divide",
    "percent",
    "to_value",
    "evaluate",
    "indicator",
    "log_ratio",
]

KINDS = ("epoch", "pair")

#: The unit glossary: every indicator's unit is one of these (tests check it). Add a unit here
#: when a new engine needs one, so that reports and docs spell each unit one way.
UNITS = frozenset({
    "persons", "ha", "persons/ha", "m²/person", "1/yr", "ratio", "index", "%",
    "µg/m³", "°C", "K", "km", "USD", "USD/person", "nW/cm²/sr·km²", "nW/cm²/sr·m²/person",
    "m", "min", "count", "1/km²", "km/km²", "m/km²",
    "t CO2e/yr", "t CO2e/person/yr", "USD/t CO2e",
    "g", "MSK-64", "m/s", "USD/yr", "‰", "persons/yr", "days/yr", "m/person",
})
HIGHER_IS = ("better", "worse", "neutral")

IndicatorResult = float | tuple[float | None, str | None]


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One registered indicator.

    Attributes
    ----------
    id : str
        ``theme.name``, e.g. ``'form.builtup_density'``.
    theme : str
        The part of ``id`` before the dot: ``'form'``, ``'growth'``, ...
    name_en, name_ru : str
        Names in English and Russian.
    unit : str
        Unit in the glossary style: ``'persons/ha'``, ``'ha'``, ``'m²/person'``, ``'1/yr'``,
        ``'ratio'``, ``'index'``, ``'%'``, ``'persons'``.
    inputs : tuple of str
        Keyword arguments the function takes (names of the inputs contract).
    reference : str
        The published method it implements.
    method : str
        One line saying what it computes.
    kind : str
        ``'epoch'`` (one epoch) or ``'pair'`` (between two epochs).
    zonal : bool
        Whether it can be computed per district from zone aggregates.
    version : int
        Bumped whenever the method changes.
    higher_is : str
        ``'better'``, ``'worse'`` or ``'neutral'``.
    func : callable
        The pure function; returns a float or ``(value or None, flag or None)``.
    """

    id: str
    theme: str
    name_en: str
    name_ru: str
    unit: str
    inputs: tuple[str, ...]
    reference: str
    method: str
    kind: str = "epoch"
    zonal: bool = True
    version: int = 1
    higher_is: str = "neutral"
    func: Callable[..., IndicatorResult]

    @property
    def method_version(self) -> str:
        """``id@version``, stored with every value (e.g. ``'form.builtup_density@1'``)."""
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class Value:
    """An indicator value: a plain float, or None with a flag saying why it is undefined."""

    value: float | None
    flag: str | None = None


REGISTRY: dict[str, Indicator] = {}


def indicator(
    id: str,
    *,
    name_en: str,
    name_ru: str,
    unit: str,
    inputs: Iterable[str],
    reference: str,
    method: str,
    kind: str = "epoch",
    zonal: bool = True,
    version: int = 1,
    higher_is: str = "neutral",
) -> Callable[[Callable[..., IndicatorResult]], Callable[..., IndicatorResult]]:
    """Register a pure function as indicator ``id``; the function itself is returned unchanged.

    Raises
    ------
    ValueError
        If ``id`` is already registered or malformed, or ``kind``/``higher_is`` is unknown.
    """
    if "." not in id:
        raise ValueError(f"indicator id {id!r} must be 'theme.name'")
    if id in REGISTRY:
        raise ValueError(f"indicator {id!r} is already registered; choose another id")
    if kind not in KINDS:
        raise ValueError(f"indicator {id!r}: kind must be one of {KINDS}, got {kind!r}")
    if higher_is not in HIGHER_IS:
        raise ValueError(f"indicator {id!r}: higher_is must be one of {HIGHER_IS}")

    def register(func: Callable[..., IndicatorResult]) -> Callable[..., IndicatorResult]:
        REGISTRY[id] = Indicator(
            id=id,
            theme=id.split(".")[0],
            name_en=name_en,
            name_ru=name_ru,
            unit=unit,
            inputs=tuple(inputs),
            reference=reference,
            method=method,
            kind=kind,
            zonal=zonal,
            version=version,
            higher_is=higher_is,
            func=func,
        )
        return func

    return register


def divide(num: float, den: float, den_name: str) -> IndicatorResult:
    """``num / den``, or ``(None, 'undefined: DEN_NAME is zero')`` when ``den`` is zero.

    A helper for indicator functions, so that none divides by zero.
    """
    den = float(den)
    if den == 0.0:
        return (None, f"undefined: {den_name} is zero")
    return float(num) / den


def percent(num: float, den: float, den_name: str) -> IndicatorResult:
    """``100 · num / den`` [%], or the undefined flag of :func:`divide` when ``den`` is zero."""
    r = divide(num, den, den_name)
    return r if isinstance(r, tuple) else 100.0 * r


def log_ratio(end: float, start: float, end_name: str, start_name: str) -> IndicatorResult:
    """``ln(end / start)``, or ``(None, 'undefined: ...')`` when either is zero or negative."""
    for val, name in ((start, start_name), (end, end_name)):
        val = float(val)
        if val == 0.0:
            return (None, f"undefined: {name} is zero")
        if val < 0.0 or math.isnan(val):
            return (None, f"undefined: {name} is not positive")
    return math.log(float(end) / float(start))


def all_indicators(theme: str | None = None) -> list[Indicator]:
    """Registered indicators (of one ``theme``, if given), sorted by id."""
    return sorted(
        (ind for ind in REGISTRY.values() if theme is None or ind.theme == theme),
        key=lambda ind: ind.id,
    )


def to_value(result: Any) -> Value:
    if isinstance(result, tuple):
        value, flag = result
    else:
        value, flag = result, None
    if value is None:
        return Value(None, flag or "undefined")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"indicator returned {type(value).__name__}, expected a float")
    value = float(value)
    if not math.isfinite(value):
        return Value(None, f"undefined: non-finite result ({value})")
    return Value(value, flag)


def evaluate(
    inputs: Mapping[str, Any],
    *,
    kind: str = "epoch",
    zonal_only: bool = False,
    ids: Iterable[str] | None = None,
) -> dict[str, Value]:
    """Run every registered indicator of ``kind`` whose inputs are all present in ``inputs``.

    Parameters
    ----------
    inputs : mapping
        Named inputs (the inputs contract); an input whose value is None counts as absent.
    kind : str
        ``'epoch'`` or ``'pair'``.
    zonal_only : bool
        Run only the indicators that can be computed from zone aggregates.
    ids : iterable of str, optional
        Restrict to these indicator ids.

    Returns
    -------
    dict id -> :class:`Value`, in id order. Values are plain Python floats; non-finite results
    become ``Value(None, 'undefined: ...')``.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown indicator kind {kind!r}", fix=f"use one of {KINDS}")
    wanted: set[str] | None = None
    if ids is not None:
        wanted = set(ids)
        unknown = sorted(wanted - REGISTRY.keys())
        if unknown:
            raise ConfigError(
                f"unknown indicator id(s): {', '.join(unknown)}",
                fix="run `carlcities indicators` for the list of registered ids",
            )
    out: dict[str, Value] = {}
    for ind in all_indicators():
        if ind.kind != kind or (zonal_only and not ind.zonal):
            continue
        if wanted is not None and ind.id not in wanted:
            continue
        if not all(inputs.get(name) is not None for name in ind.inputs):
            continue
        out[ind.id] = to_value(ind.func(**{name: inputs[name] for name in ind.inputs}))
    return out
