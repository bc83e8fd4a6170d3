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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr

from carlcities.errors import HazardError
from carlcities.risk.gmpe import _parse_imt, bindi2011_intensity, check_g, ground_motion

__all__ = [
    "CATALOGUE_COLUMNS",
    "COMPLETENESS_CENTENNIAL",
    "GRParams",
    "EventSet",
    "read_noaa_signif",
    "read_centennial",
    "read_catalogue",
    "haversine_km",
    "select_within",
    "completeness_start",
    "stepp_completeness",
    "aki_utsu_b",
    "weichert",
    "fit_city_source",
    "wells_coppersmith_rld_km",
    "build_event_set",
    "sample_stochastic_catalogue",
    "hazard_curve",
    "return_period_from_poe",
    "level_at_return_period",
    "city_hazard",
]

EARTH_RADIUS_KM = 6371.0088
CATALOGUE_COLUMNS = ("time", "year", "decimal_year", "lat", "lon", "depth_km", "mag",
                     "mag_type", "source")

#: Completeness of the USGS Centennial catalogue stated by its authors (Engdahl & Villaseñor
#: 2002; USGS catalogue page): M ≥ 7.0 since 1900, M ≥ 6.5 since 1930, M ≥ 5.5 since 1964.
#: Mapping lower magnitude [M] → first complete year.
COMPLETENESS_CENTENNIAL = {5.5: 1964, 6.5: 1930, 7.0: 1900}
#: End of the complete part of the Centennial catalogue [yr]: Engdahl & Villaseñor (2002)
#: cover 1900–1999; the later records of the Y2K file are partial (M 5.5–6.0 events per
#: decade in the Central Asia box: 27 in the 1990s, 6 in 2000–2007).
CENTENNIAL_END_YEAR = 2000.0

# --------------------------------------------------------------------------------------------
# Catalogue readers
# --------------------------------------------------------------------------------------------

_NOAA_MAGS = (("EQ_MAG_MW", "Mw"), ("EQ_MAG_MS", "Ms"), ("EQ_MAG_MB", "mb"),
              ("EQ_MAG_ML", "ML"), ("EQ_MAG_MFA", "Mfa"), ("EQ_MAG_UNK", "unknown"))
_NOAA_REQUIRED = ("YEAR", "LATITUDE", "LONGITUDE", "FOCAL_DEPTH") + tuple(c for c, _ in _NOAA_MAGS)


def _num(text: str, path, lineno: int, col: str):
    s = text.strip()
    if s == "":
        return math.nan
    try:
        return float(s)
    except ValueError:
        raise HazardError(
            f"line {lineno}: column {col} has the non-numeric value {s!r}",
            path=path,
            fix="repair or delete that line (the file is not a clean NOAA/USGS export)",
        ) from None


def _decimal_year(year, month, day):
    m = 1 if not np.isfinite(month) or month < 1 else int(month)
    d = 1 if not np.isfinite(day) or day < 1 else int(day)
    return float(year) + ((m - 1) * 30.44 + (d - 1)) / 365.25


def _frame(rows: list[dict], path, n_skipped: int, reason: str) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))
    df = df.astype({"year": "int64", "decimal_year": float, "lat": float, "lon": float,
                    "depth_km": float, "mag": float})
    df.attrs.update(path=str(path), n_skipped=int(n_skipped), skipped_reason=reason)
    return df


def _check_latlon(lat, lon, path, lineno):
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise HazardError(f"line {lineno}: latitude {lat} / longitude {lon} out of range",
                          path=path, fix="repair that line (degrees north / east)")


def read_noaa_signif(path) -> pd.DataFrame:
    """Read the NOAA NCEI Significant Earthquake Database tab-separated export.

    The magnitude kept is the first present of EQ_MAG_MW > EQ_MAG_MS > EQ_MAG_MB >
    EQ_MAG_ML > EQ_MAG_MFA > EQ_MAG_UNK; its type is stored in ``mag_type``. Rows without a
    magnitude or an epicentre are skipped and counted in ``df.attrs["n_skipped"]``. A missing
    focal depth is left NaN.

    Returns
    -------
    DataFrame with columns time (Timestamp or NaT before 1678), year, decimal_year,
    lat [°N], lon [°E], depth_km [km], mag [M], mag_type, source ("noaa_ncei").

    Raises
    ------
    InputFileError-like HazardError naming the file (missing file, missing columns) or the
    file and line (non-numeric value, coordinates out of range).

    References
    ----------
    NOAA National Centers for Environmental Information (NCEI/WDS): Global Significant
    Earthquake Database. https://doi.org/10.7289/V5TD9V7K
    """
    path = Path(path)
    if not path.exists():
        raise HazardError("catalogue file not found", path=path,
                          fix="check the path (shared data: data/earthquakes/)")
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().splitlines()
    if not lines:
        raise HazardError("empty catalogue file", path=path, fix="re-export the NOAA table")
    header = lines[0].split("\t")
    missing = [c for c in _NOAA_REQUIRED if c not in header]
    if missing:
        raise HazardError(f"not a NOAA NCEI significant-earthquake TSV: missing columns "
                          f"{missing}", path=path,
                          fix="export the table as tab-separated values with its header")
    idx = {c: header.index(c) for c in header}
    rows, skipped = [], 0
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        f = line.split("\t")
        if len(f) < len(header):
            f = f + [""] * (len(header) - len(f))
        year = _num(f[idx["YEAR"]], path, lineno, "YEAR")
        lat = _num(f[idx["LATITUDE"]], path, lineno, "LATITUDE")
        lon = _num(f[idx["LONGITUDE"]], path, lineno, "LONGITUDE")
        mag, mtype = math.nan, ""
        for col, t in _NOAA_MAGS:
            v = _num(f[idx[col]], path, lineno, col)
            if np.isfinite(v):
                mag, mtype = v, t
                break
        if not (np.isfinite(year) and np.isfinite(lat) and np.isfinite(lon)
                and np.isfinite(mag)):
            skipped += 1
            continue
        _check_latlon(lat, lon, path, lineno)
        month = _num(f[idx["MONTH"]], path, lineno, "MONTH") if "MONTH" in idx else math.nan
        day = _num(f[idx["DAY"]], path, lineno, "DAY") if "DAY" in idx else math.nan
        depth = _num(f[idx["FOCAL_DEPTH"]], path, lineno, "FOCAL_DEPTH")
        time = pd.NaT
        if year >= 1678:
            time = pd.Timestamp(int(year), int(month) if np.isfinite(month) else 1,
                                int(day) if np.isfinite(day) else 1)
        rows.append(dict(time=time, year=int(year), decimal_year=_decimal_year(year, month, day),
                         lat=lat, lon=lon, depth_km=depth, mag=mag, mag_type=mtype,
                         source="noaa_ncei"))
    return _frame(rows, path, skipped, "no magnitude or no epicentre")


def read_centennial(path) -> pd.DataFrame:
    """Read the USGS Centennial earthquake catalogue (fixed-width ``centennial_Y2K.CAT``).

    Columns used (1-based): year 13–16, month 18–19, day 21–22, hour 25–26, minute 28–29,
    second 31–35, latitude 37–44, longitude 45–52, depth [km] 53–58, preferred (common,
    corrected) magnitude 68–70 and its type 72–73. A magnitude of 0.0 means none: such rows
    are skipped and counted in ``df.attrs["n_skipped"]``.

    Returns the catalogue DataFrame (see :data:`CATALOGUE_COLUMNS`), source "usgs_centennial".

    References
    ----------
    Engdahl, E.R., Villaseñor, A. (2002). Global seismicity: 1900–1999. In: Lee, W.H.K. et
    al. (eds) International Handbook of Earthquake and Engineering Seismology, Part A,
    chapter 41, pp. 665–690. Academic Press. https://doi.org/10.1016/S0074-6142(02)80244-3
    """
    path = Path(path)
    if not path.exists():
        raise HazardError("catalogue file not found", path=path,
                          fix="check the path (shared data: data/earthquakes/)")
    with open(path, encoding="latin-1") as fh:
        lines = fh.read().splitlines()
    rows, skipped = [], 0
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) < 73:
            raise HazardError(
                f"line {lineno}: {len(line)} characters, a Centennial record has at least 73",
                path=path, fix="check that this is the fixed-width centennial_Y2K.CAT text")
        year = _num(line[12:16], path, lineno, "year (13-16)")
        month = _num(line[17:19], path, lineno, "month (18-19)")
        day = _num(line[20:22], path, lineno, "day (21-22)")
        hour = _num(line[24:26], path, lineno, "hour (25-26)")
        minute = _num(line[27:29], path, lineno, "minute (28-29)")
        sec = _num(line[30:35], path, lineno, "second (31-35)")
        lat = _num(line[36:44], path, lineno, "latitude (37-44)")
        lon = _num(line[44:52], path, lineno, "longitude (45-52)")
        depth = _num(line[52:58], path, lineno, "depth (53-58)")
        mag = _num(line[67:70], path, lineno, "magnitude (68-70)")
        if not (np.isfinite(year) and np.isfinite(lat) and np.isfinite(lon)) or not (
            np.isfinite(mag) and mag > 0
        ):
            skipped += 1
            continue
        _check_latlon(lat, lon, path, lineno)
        try:
            time = pd.Timestamp(int(year), int(month), int(day), int(hour or 0),
                                int(minute or 0)) + pd.to_timedelta(sec or 0.0, unit="s")
        except ValueError:
            raise HazardError(f"line {lineno}: invalid date {line[12:35]!r}", path=path,
                              fix="repair the date of that record") from None
        rows.append(dict(time=time, year=int(year), decimal_year=_decimal_year(year, month, day),
                         lat=lat, lon=lon, depth_km=depth, mag=mag,
                         mag_type=line[71:73].strip() or "unknown", source="usgs_centennial"))
    return _frame(rows, path, skipped, "magnitude 0.0 (none) or no epicentre")


def read_catalogue(path) -> pd.DataFrame:
    """Read a NOAA TSV (header with ``EQ_MAG_MW``) or a USGS Centennial text catalogue."""
    path = Path(path)
    if not path.exists():
        raise HazardError("catalogue file not found", path=path,
                          fix="check the path (shared data: data/earthquakes/)")
    with open(path, encoding="latin-1") as fh:
        first = fh.readline()
    if "\t" in first and "EQ_MAG_MW" in first:
        return read_noaa_signif(path)
    return read_centennial(path)


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance [km] on a sphere of radius 6371.0088 km (broadcasting)."""
    lo1, la1, lo2, la2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def select_within(catalogue: pd.DataFrame, lon: float, lat: float, radius_km: float, *,
                  max_depth_km: float | None = 50.0) -> pd.DataFrame:
    """Events with epicentre within ``radius_km`` [km] of (lon, lat) and depth ≤ max_depth_km.

    Unknown depths (NaN) are kept. ``max_depth_km=None`` keeps every depth. The default
    (50 km) keeps shallow crustal seismicity, as in the EMCA hazard model (Ullah et al. 2015),
    and removes the intermediate-depth Hindu Kush–Pamir events, for which BSSA14 is not made.
    """
    d = haversine_km(catalogue["lon"].to_numpy(), catalogue["lat"].to_numpy(), lon, lat)
    keep = d <= radius_km
    if max_depth_km is not None:
        dep = catalogue["depth_km"].to_numpy()
        keep &= ~(dep > max_depth_km)
    out = catalogue.loc[keep].copy()
    out["dist_km"] = d[keep]
    return out


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


# --------------------------------------------------------------------------------------------
# Hazard
# --------------------------------------------------------------------------------------------

#: Gaussian truncation of the ground-motion variability [number of σ]
TRUNCATION_SIGMA = 3.0
_N_STRIKES = 16


def _site_distance(event_set: EventSet, lon, lat, rupture: str):
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
                 truncation: float = TRUNCATION_SIGMA, mechanism: str = "unspecified"):
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
    ndarray of λ(levels) [1/yr], monotone non-increasing in the level.
    """
    x = np.asarray(levels, dtype=float)
    if x.ndim != 1 or x.size < 2 or np.any(np.diff(x) <= 0):
        raise HazardError("hazard_curve: 'levels' must be a strictly increasing 1-D array",
                          fix="e.g. np.geomspace(0.005, 3.0, 60) [g]")
    d = _site_distance(event_set, site_lon, site_lat, rupture)
    if isinstance(imt, str) and imt.strip().upper() in ("MSK", "MSK-64", "MSK64"):
        mu, sigma = bindi2011_intensity(event_set.mag, d, event_set.depth_km, form="hypocentral")
        z = (x[None, :] - mu[:, None]) / sigma
    else:
        _parse_imt(imt)
        check_g(x, "levels")
        if np.any(x <= 0):
            raise HazardError("hazard_curve: ground-motion levels must be > 0 [g]",
                              fix="use np.geomspace with a positive start")
        mean_ln, tau, phi = ground_motion(model, imt, event_set.mag, d[:, None],
                                          np.array([vs30]), mechanism=mechanism)
        sig = np.sqrt(tau**2 + phi**2)[:, 0]
        z = (np.log(x)[None, :] - mean_ln[:, 0][:, None]) / sig[:, None]
    p = _truncated_sf(z, truncation)
    return (event_set.rate[:, None] * p).sum(axis=0)


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
