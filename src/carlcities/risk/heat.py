"""Extreme heat: hot days, heatwaves, hot cells, exposed elderly and heat-attributable deaths.

Inputs: a daily temperature series (CSV: ``date``, ``tmax`` [°C], optional ``tmin``,
``tmean`` [°C]; lines starting with ``#`` are comments) read and checked by
:func:`read_daily_temperature`, or a land-surface temperature raster on the city grid.

Indicators (defaults and their sources in ``risk/data/heat_parameters.csv``):

* days per year with Tmax ≥ 35 °C and ≥ 40 °C (:func:`hot_days_per_year`);
* heatwave days by the Turkmen national criterion — runs of ≥ 5 consecutive days with
  Tmax > 40 °C (:func:`heatwave_days_threshold`) — and by a percentile criterion — runs of
  ≥ 3 consecutive days with Tmax above the 95th percentile of the series (Anderson & Bell 2011,
  doi:10.1289/ehp.1002313, with 3 instead of 2 days) (:func:`heatwave_days_percentile`);
  a day counts if it belongs to such a run; a missing date breaks a run;
* hot cells: grid cells whose land-surface temperature lies above a percentile of the urban
  cells (:func:`hot_cells`);
* population over 65 [persons] = population × national share 65+ (:func:`population_65plus`);
* heat-attributable deaths (:func:`attributable_deaths`): relative risk
  RR = exp(β·max(0, Tmax − MMT)), β = ln(1.0312) /°C (Baccini et al. 2008, Epidemiology
  19:711–719: +3.12 % mortality per °C above the threshold in Mediterranean cities), MMT the
  85th percentile of the series' Tmax (Honda et al. 2007, doi:10.1265/ehpm.12.209);
  attributable deaths = Σ_days D_daily·(RR − 1)/RR (the attributable fraction among the
  exposed; Gasparrini & Leone 2014, BMC Med Res Methodol 14:55, doi:10.1186/1471-2288-14-55),
  D_daily = crude death rate [per 1000 per yr] / 1000 × population / 365.25, applied by
  default to the **whole** population (all ages, as Baccini's estimate).

Climate: :func:`shift_series` adds the warming delta [°C] of a scenario
(:func:`carlcities.risk.climate.delta`) to every day (delta method); the MMT stays at the
baseline value (no adaptation) when it is passed explicitly.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import HazardError

__all__ = [
    "HeatSeries",
    "heat_parameter",
    "read_daily_temperature",
    "hot_days_per_year",
    "heatwave_days_threshold",
    "heatwave_days_percentile",
    "heat_indicators",
    "hot_cells",
    "population_65plus",
    "relative_risk",
    "attributable_deaths",
    "shift_series",
]

DATA = Path(__file__).with_name("data") / "heat_parameters.csv"
TMAX_RANGE_C = (-60.0, 60.0)


# -- parameters ----------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _params(path: str) -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[(r["parameter"], r["country_or_city"])] = (r["value"], r["source"])
    return out


def heat_parameter(name: str, where: str = "all", *, path: str | Path | None = None) -> float:
    """A value of ``heat_parameters.csv`` (``name`` for country ISO3 / city id / ``all``).

    Raises :class:`~carlcities.errors.HazardError` when the row is missing or 'not found'.
    """
    p = str(path) if path is not None else str(DATA)
    rows = _params(p)
    key = (name, where)
    if key not in rows:
        alt = [k for k in rows if k[0] == name]
        if len(alt) == 1 and where == "all":
            key = alt[0]
        else:
            raise HazardError(f"no value of {name!r} for {where!r}", path=p,
                              fix=f"pass it explicitly, or add a sourced row ({name},{where},...)")
    value, source = rows[key]
    try:
        return float(value)
    except ValueError:
        raise HazardError(f"{name} for {where} is '{value}' ({source})", path=p,
                          fix="pass the value explicitly (with its source) or add it to the "
                              "table") from None


# -- the series ----------------------------------------------------------------------------------
@dataclass
class HeatSeries:
    """A daily temperature series: ``dates`` (datetime64[D], sorted), ``tmax`` [°C] and
    optional ``tmin``/``tmean`` [°C] (NaN where missing); ``missing_dates`` lists the calendar
    days between the first and the last date that have no row or no Tmax; ``path``."""

    dates: np.ndarray
    tmax: np.ndarray
    tmin: np.ndarray | None = None
    tmean: np.ndarray | None = None
    missing_dates: list[np.datetime64] = field(default_factory=list)
    path: str | None = None

    @property
    def years(self) -> np.ndarray:
        return self.dates.astype("datetime64[Y]").astype(int) + 1970


def read_daily_temperature(path: str | Path) -> HeatSeries:
    """Read and check a daily temperature CSV (``date``, ``tmax`` [°C], optional ``tmin``,
    ``tmean``; ``#`` comment lines allowed).

    Checks: the columns exist; dates are ISO (YYYY-MM-DD) and not repeated; Tmax is a number
    in −60…60 °C (a value outside names the line and suggests °F or K). Empty Tmax cells and
    absent calendar days are reported in ``missing_dates`` (not an error).

    Raises :class:`~carlcities.errors.HazardError` naming the file, the line and the fix.
    """
    p = Path(path)
    if not p.is_file():
        raise HazardError("temperature series not found", path=p,
                          fix="check the path of the daily temperature CSV")
    with open(p, newline="", encoding="utf-8-sig") as f:
        lines = [(i, ln) for i, ln in enumerate(f, start=1) if not ln.lstrip().startswith("#")
                 and ln.strip()]
    if not lines:
        raise HazardError("the file has no header or data", path=p,
                          fix="write a header 'date,tmax[,tmin,tmean]' and one row per day")
    rd = csv.reader([ln for _, ln in lines])
    header = [h.strip().lower() for h in next(rd)]
    for col in ("date", "tmax"):
        if col not in header:
            raise HazardError(f"line {lines[0][0]}: no '{col}' column (header {header})",
                              path=p, fix="name the columns date, tmax [°C] (tmin, tmean "
                                          "optional)")
    ix: dict[str, int] = {h: header.index(h) for h in ("date", "tmax", "tmin", "tmean")
                          if h in header}
    dates: list[np.datetime64] = []
    cols: dict[str, list[float]] = {h: [] for h in ix if h != "date"}
    for (lineno, _), row in zip(lines[1:], rd):
        try:
            day = np.datetime64(row[ix["date"]].strip(), "D")
        except (ValueError, IndexError) as exc:
            raise HazardError(f"line {lineno}: date {row[:1]} is not YYYY-MM-DD", path=p,
                              fix="write ISO dates, e.g. 2020-07-15") from exc
        dates.append(day)
        for h in cols:
            s = row[ix[h]].strip() if ix[h] < len(row) else ""
            if s == "" or s.lower() in ("na", "nan"):
                cols[h].append(math.nan)
                continue
            try:
                v = float(s)
            except ValueError as exc:
                raise HazardError(f"line {lineno}: {h} {s!r} is not a number", path=p,
                                  fix="write temperatures in °C as plain numbers (empty for "
                                      "missing)") from exc
            if not TMAX_RANGE_C[0] <= v <= TMAX_RANGE_C[1]:
                hint = ("looks like kelvin: subtract 273.15" if v > 200 else
                        "looks like °F: convert with (F − 32) × 5/9" if v > 60 else
                        "check the sign and the unit")
                raise HazardError(f"line {lineno}: {h} = {v:g} lies outside "
                                  f"{TMAX_RANGE_C[0]:g}…{TMAX_RANGE_C[1]:g} °C", path=p,
                                  fix=f"temperatures must be in °C ({hint})")
            cols[h].append(v)
    if not dates:
        raise HazardError("no data rows", path=p, fix="add one row per day")
    d = np.array(dates, dtype="datetime64[D]")
    order = np.argsort(d, kind="stable")
    d = d[order]
    if np.any(np.diff(d) == np.timedelta64(0, "D")):
        dup = d[1:][np.diff(d) == np.timedelta64(0, "D")][0]
        raise HazardError(f"date {dup} appears more than once", path=p,
                          fix="keep one row per day")
    arrs = {h: np.asarray(v, dtype=np.float64)[order] for h, v in cols.items()}
    full = np.arange(d[0], d[-1] + np.timedelta64(1, "D"), dtype="datetime64[D]")
    have = set(d[np.isfinite(arrs["tmax"])].tolist())
    missing = [x for x in full if x.tolist() not in have]
    return HeatSeries(d, arrs["tmax"], arrs.get("tmin"), arrs.get("tmean"), missing, str(p))


# -- indicators ----------------------------------------------------------------------------------
def hot_days_per_year(series: HeatSeries, threshold_c: float) -> dict[int, int]:
    """Days per calendar year with Tmax ≥ ``threshold_c`` [°C] (35 and 40 °C in
    :func:`heat_indicators`) → {year: days}."""
    yrs = series.years
    hot = np.nan_to_num(series.tmax, nan=-np.inf) >= threshold_c
    return {int(y): int(hot[yrs == y].sum()) for y in np.unique(yrs)}


def _run_days(dates: np.ndarray, flag: np.ndarray, min_days: int) -> np.ndarray:
    """Mask of days that belong to runs of ≥ ``min_days`` consecutive calendar days with
    ``flag`` (a missing calendar day ends a run)."""
    out = np.zeros(flag.shape, dtype=bool)
    start = 0
    n = flag.size
    while start < n:
        if not flag[start]:
            start += 1
            continue
        end = start
        while end + 1 < n and flag[end + 1] and \
                dates[end + 1] - dates[end] == np.timedelta64(1, "D"):
            end += 1
        if end - start + 1 >= min_days:
            out[start:end + 1] = True
        start = end + 1
    return out


def heatwave_days_threshold(series: HeatSeries, *, threshold_c: float | None = None,
                            min_days: int | None = None) -> dict[int, int]:
    """Heatwave days per year by an absolute criterion: days in runs of ≥ ``min_days``
    consecutive days with Tmax **>** ``threshold_c`` — by default the Turkmen national
    criterion, 5 days above 40 °C (``heat_parameters.csv``; Meteojournal)."""
    t = heat_parameter("turkmen_heatwave_tmax", "Turkmenistan") if threshold_c is None \
        else float(threshold_c)
    n = int(heat_parameter("turkmen_heatwave_days", "Turkmenistan")) if min_days is None \
        else int(min_days)
    days = _run_days(series.dates, np.nan_to_num(series.tmax, nan=-np.inf) > t, n)
    yrs = series.years
    return {int(y): int(days[yrs == y].sum()) for y in np.unique(yrs)}


def heatwave_days_percentile(series: HeatSeries, *, percentile: float | None = None,
                             min_days: int | None = None,
                             threshold_c: float | None = None) -> tuple[dict[int, int], float]:
    """Heatwave days per year by a relative criterion: days in runs of ≥ ``min_days`` (3)
    consecutive days with Tmax above the ``percentile`` (95th) of the series' Tmax (or above a
    given ``threshold_c``, e.g. a baseline's, for a shifted series) (Anderson & Bell 2011,
    doi:10.1289/ehp.1002313). Returns ({year: days}, threshold [°C])."""
    q = heat_parameter("percentile_heatwave_percentile") if percentile is None \
        else float(percentile)
    n = int(heat_parameter("percentile_heatwave_days")) if min_days is None else int(min_days)
    thr = float(np.nanpercentile(series.tmax, q)) if threshold_c is None else float(threshold_c)
    days = _run_days(series.dates, np.nan_to_num(series.tmax, nan=-np.inf) > thr, n)
    yrs = series.years
    return {int(y): int(days[yrs == y].sum()) for y in np.unique(yrs)}, thr


def heat_indicators(series: HeatSeries) -> dict[str, float]:
    """Mean annual indicators over the complete years of the series: ``days_tmax_ge35``,
    ``days_tmax_ge40`` [days/yr], ``heatwave_days_turkmen``, ``heatwave_days_p95``
    [days/yr], ``tmax_p95`` [°C], ``missing_days`` [days]."""
    y35 = hot_days_per_year(series, heat_parameter("hot_day_threshold"))
    y40 = hot_days_per_year(series, heat_parameter("extreme_day_threshold"))
    tk = heatwave_days_threshold(series)
    pc, thr = heatwave_days_percentile(series)
    return {"days_tmax_ge35": float(np.mean(list(y35.values()))),
            "days_tmax_ge40": float(np.mean(list(y40.values()))),
            "heatwave_days_turkmen": float(np.mean(list(tk.values()))),
            "heatwave_days_p95": float(np.mean(list(pc.values()))),
            "tmax_p95": thr, "missing_days": float(len(series.missing_dates))}


def hot_cells(lst_c: np.ndarray, urban: np.ndarray | None = None, *,
              percentile: float = 90.0, threshold_c: float | None = None) -> np.ndarray:
    """Hot cells of a land-surface temperature layer [°C] on the grid: above ``threshold_c``
    if given, else above the ``percentile`` (90th — a project choice) of the ``urban`` cells
    (all valid cells without a mask). NaN cells are never hot."""
    t = np.asarray(lst_c, dtype=np.float64)
    ok = np.isfinite(t) & (np.asarray(urban, dtype=bool) if urban is not None else True)
    if threshold_c is None:
        if not np.any(ok):
            raise HazardError("no valid land-surface temperature in the urban cells",
                              fix="check the LST layer and the urban mask")
        threshold_c = float(np.percentile(t[ok], percentile))
    return np.isfinite(t) & (t > threshold_c)


def population_65plus(population: np.ndarray | float, country_iso3: str | None = None, *,
                      share_pct: float | None = None) -> np.ndarray | float:
    """Persons aged 65+ = population [persons] × share 65+ [%] (``share_pct`` or the sourced
    national share in ``heat_parameters.csv``; a HazardError if there is none)."""
    s = share_pct if share_pct is not None else heat_parameter("share_65plus",
                                                               country_iso3 or "?")
    if not 0 <= s <= 100:
        raise HazardError(f"share 65+ {s} % outside 0–100", fix="give a percentage")
    # a plain bool: np.isscalar's TypeGuard would retype population as any numpy scalar
    scalar = bool(np.isscalar(population))
    return np.asarray(population, dtype=np.float64) * s / 100.0 \
        if not scalar else float(population) * s / 100.0


def relative_risk(tmax_c: np.ndarray, mmt_c: float, beta: float | None = None) -> np.ndarray:
    """RR = exp(β·max(0, Tmax − MMT)) [-] (β [1/°C], default ln(1.0312), Baccini et al.
    2008)."""
    b = heat_parameter("rr_beta", "all ages") if beta is None else float(beta)
    t = np.asarray(tmax_c, dtype=np.float64)
    return np.exp(b * np.maximum(0.0, np.nan_to_num(t - mmt_c, nan=0.0)))


def attributable_deaths(series: HeatSeries, population: float,
                        crude_death_rate_per_1000: float, *, beta: float | None = None,
                        mmt_c: float | None = None, mmt_percentile: float | None = None
                        ) -> dict[str, float]:
    """Heat-attributable deaths over the series [deaths] and per year [deaths/yr].

    Σ_days D·(RR − 1)/RR with D = CDR/1000 × ``population`` / 365.25 [deaths/day],
    RR = exp(β·max(0, Tmax − MMT)); MMT = ``mmt_c`` or the ``mmt_percentile`` (85th) of the
    series' Tmax (module docstring: Baccini et al. 2008; Honda et al. 2007; Gasparrini & Leone
    2014). Missing days contribute nothing. Returns ``deaths``, ``deaths_per_year``,
    ``mmt_c``, ``beta``, ``baseline_deaths_per_year``.
    """
    if population < 0 or crude_death_rate_per_1000 < 0:
        raise HazardError("population and crude death rate must be ≥ 0",
                          fix="give persons and deaths per 1000 persons per year")
    if mmt_c is None:
        q = heat_parameter("mmt_percentile") if mmt_percentile is None else float(mmt_percentile)
        mmt_c = float(np.nanpercentile(series.tmax, q))
    b = heat_parameter("rr_beta", "all ages") if beta is None else float(beta)
    rr = relative_risk(series.tmax, mmt_c, b)
    daily = crude_death_rate_per_1000 / 1000.0 * population / 365.25
    deaths = float(np.sum(daily * (rr - 1.0) / rr))
    n_years = (series.dates[-1] - series.dates[0]).astype(int) / 365.25 + 1 / 365.25
    return {"deaths": deaths, "deaths_per_year": deaths / n_years, "mmt_c": float(mmt_c),
            "beta": b, "baseline_deaths_per_year": daily * 365.25}


def shift_series(series: HeatSeries, delta_c: float) -> HeatSeries:
    """The series with ``delta_c`` [°C] added to every temperature (delta method for a climate
    scenario: ``delta_c = carlcities.risk.climate.delta(scenario, year)``)."""
    def sh(a):
        return None if a is None else a + float(delta_c)

    return replace(series, tmax=series.tmax + float(delta_c), tmin=sh(series.tmin),
                   tmean=sh(series.tmean))
