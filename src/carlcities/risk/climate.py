"""Climate scenarios: warming deltas [°C] and flood-frequency multipliers [-] by year.

The table ``risk/data/climate_deltas.csv`` holds, per scenario (``historical``, ``ssp245``,
``ssp585``), tabulated year (2030, 2040, 2050) and variable, a change relative to the baseline
climate (1995–2014 in the CMIP6 convention; see the ``baseline`` column of each row):

``tas``                         change of near-surface air temperature [°C] — added to a
                                daily temperature series (delta method);
``flood_frequency_multiplier``  m [-]: the T-year flood of the baseline becomes the T/m-year
                                flood (see :func:`carlcities.risk.flood.climate_adjusted_depths`).

Sources (every row carries its own): the mid-century (2050) warming of the Amu Darya basin from
CMIP6 ensembles (Dolgikh, Beldeubayev & Turumova, ingeo.kz), the 2030 values derived from it by
pattern scaling with the global warming of IPCC AR6 WGI Table SPM.1, 2040 linear between them.
The flood-frequency multipliers are **assumptions** (confidence column ``assumption``): no
published value for the region was found.

:func:`delta` interpolates linearly between tabulated years; between the baseline centre year
(2005, change 0) and the first tabulated year it interpolates from zero; beyond the last
tabulated year it holds the last value and warns (:class:`~carlcities.errors.ClampWarning`).
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ClampWarning, HazardError

__all__ = ["SCENARIOS", "VARIABLES", "BASELINE_CENTRE_YEAR", "ClimateDelta",
           "load_climate_deltas", "delta", "frequency_multiplier"]

DATA = Path(__file__).with_name("data") / "climate_deltas.csv"
SCENARIOS = ("historical", "ssp245", "ssp585")
VARIABLES = ("tas", "flood_frequency_multiplier")
#: centre of the 1995–2014 baseline [yr]: the change is 0 there (1 for a multiplier)
BASELINE_CENTRE_YEAR = 2005


@dataclass(frozen=True)
class ClimateDelta:
    """One row of the table: ``value`` [``unit``] for ``scenario``, ``year``, ``variable``."""

    scenario: str
    year: int
    variable: str
    value: float
    unit: str
    baseline: str
    source: str
    confidence: str


def load_climate_deltas(path: str | Path | None = None) -> list[ClimateDelta]:
    """Read the climate-delta table (default: the packaged ``climate_deltas.csv``).

    Raises :class:`~carlcities.errors.HazardError` naming the file and line for a missing
    column, a non-numeric value or an unknown variable.
    """
    return list(_load(str(path) if path is not None else str(DATA)))


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[ClimateDelta, ...]:
    need = ("scenario", "year", "variable", "value", "unit", "baseline", "source", "confidence")
    p = Path(path)
    if not p.is_file():
        raise HazardError("climate-delta table not found", path=p,
                          fix="reinstall carlcities or point at a CSV with columns "
                              + ", ".join(need))
    rows: list[ClimateDelta] = []
    with open(p, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        missing = [c for c in need if c not in (rd.fieldnames or [])]
        if missing:
            raise HazardError(f"missing columns {missing}", path=p,
                              fix="the header must be " + ",".join(need))
        for i, r in enumerate(rd, start=2):
            try:
                year, value = int(r["year"]), float(r["value"])
            except ValueError as exc:
                raise HazardError(f"line {i}: year {r['year']!r} or value {r['value']!r} is "
                                  "not a number", path=p, fix="write plain numbers") from exc
            if r["variable"] not in VARIABLES:
                raise HazardError(f"line {i}: unknown variable {r['variable']!r}", path=p,
                                  fix=f"use one of {', '.join(VARIABLES)}")
            rows.append(ClimateDelta(r["scenario"].strip(), year, r["variable"], value,
                                     r["unit"], r["baseline"], r["source"], r["confidence"]))
    return tuple(rows)


def delta(scenario: str, year: float, variable: str = "tas", *,
          path: str | Path | None = None) -> float:
    """Change of ``variable`` under ``scenario`` in ``year`` relative to the baseline.

    ``tas`` [°C]; ``flood_frequency_multiplier`` [-]. Linear interpolation between tabulated
    years; from the baseline centre year 2005 (0 °C, multiplier 1) to the first tabulated year;
    the last tabulated value beyond the last year (with a ClampWarning). ``historical`` is the
    baseline itself.

    Raises :class:`~carlcities.errors.HazardError` for an unknown scenario (listing the known
    ones), an unknown variable, or a year before the baseline centre.
    """
    rows = _load(str(path) if path is not None else str(DATA))
    known = sorted({r.scenario for r in rows})
    if scenario not in known:
        raise HazardError(f"unknown climate scenario {scenario!r}; known: {', '.join(known)}",
                          path=path or DATA, fix="choose one of the known scenarios, or add "
                          "rows for it to the climate-delta table")
    if variable not in VARIABLES:
        raise HazardError(f"unknown climate variable {variable!r}", path=path or DATA,
                          fix=f"use one of {', '.join(VARIABLES)}")
    pts = sorted((r.year, r.value) for r in rows
                 if r.scenario == scenario and r.variable == variable)
    if not pts:
        raise HazardError(f"no rows for scenario {scenario!r}, variable {variable!r}",
                          path=path or DATA, fix="add the rows to the climate-delta table")
    base = 1.0 if variable == "flood_frequency_multiplier" else 0.0
    year = float(year)
    if year < BASELINE_CENTRE_YEAR:
        raise HazardError(f"year {year:g} lies before the baseline centre "
                          f"{BASELINE_CENTRE_YEAR}", path=path or DATA,
                          fix="use the 'historical' scenario for past years")
    xs = [float(BASELINE_CENTRE_YEAR)] + [float(y) for y, _ in pts]
    ys = [base] + [v for _, v in pts]
    if year > xs[-1]:
        warnings.warn(f"{scenario} {variable}: year {year:g} is beyond the last tabulated year "
                      f"{xs[-1]:g}; its value is held", ClampWarning, stacklevel=2)
        return float(ys[-1])
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        if x0 <= year <= x1:
            t = 0.0 if x1 == x0 else (year - x0) / (x1 - x0)
            return float(y0 + t * (y1 - y0))
    return float(ys[0])  # pragma: no cover - year == baseline handled above


def frequency_multiplier(scenario: str, year: float, *, path: str | Path | None = None) -> float:
    """Flood frequency multiplier m [-] (:func:`delta` of ``flood_frequency_multiplier``)."""
    return delta(scenario, year, "flood_frequency_multiplier", path=path)
