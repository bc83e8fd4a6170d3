"""Earthquake catalogues: NOAA NCEI significant earthquakes and the USGS Centennial
catalogue, great-circle distances, and selecting the events around a city.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from carlcities.errors import HazardError

__all__ = [
    "CATALOGUE_COLUMNS", "COMPLETENESS_CENTENNIAL", "read_noaa_signif", "read_centennial",
    "read_catalogue", "haversine_km", "select_within", "CENTENNIAL_END_YEAR", "EARTH_RADIUS_KM",
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
