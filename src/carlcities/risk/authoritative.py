"""Authoritative earthquake hazard as input: OpenQuake CSV outputs and hazard-map GeoTIFFs,
and the classical risk integral (EAL by convolution of a hazard curve with a vulnerability
function).

Recognised layouts (OpenQuake engine 3.x exports):

* hazard curves (``hazard_curve-mean-PGA_*.csv``): a first comment line holding
  ``investigation_time=...`` and ``imt='PGA'``, then ``lon,lat,depth,poe-<iml>,...``;
* hazard maps (``hazard_map-mean_*.csv``): a comment line, then ``lon,lat,<IMT>-<poe>,...``
  (poe in the investigation time of the comment line).

Probabilities of exceedance in t years become annual rates lambda = -ln(1 - poe) / t (Poisson).
A GeoTIFF hazard map (one return period per file, as the GEM global hazard map and the World
Bank 2023 Central Asia maps are published) must state its units (tag ``units`` or ``unit``:
g, m/s2, cm/s2, gal) and may state its IMT (tag ``imt``); a map in another IMT than the one
the vulnerability needs is refused.

Classical risk (OpenQuake "classical_risk"): EAL = sum_k MLR(x_k) (lambda(x_k-) - lambda(x_k+))
over level bins with x_k the geometric bin centre, times the exposed value.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from carlcities.errors import HazardError
from carlcities.risk.gmpe import to_g

__all__ = ["HazardCurve", "read_oq_hazard_curves", "read_oq_hazard_map", "read_hazard_geotiff",
           "curve_from_map", "classical_eal", "level_at"]

_POE = re.compile(r"^poe-([0-9.eE+-]+)$")


class HazardCurve:
    """Annual exceedance rates [1/yr] at strictly increasing levels [g] of one IMT."""

    def __init__(self, levels, rates, imt: str = "PGA", source: str = ""):
        self.levels = np.asarray(levels, float)
        self.rates = np.asarray(rates, float)
        self.imt = imt
        self.source = source

    def level_at(self, return_period: float) -> float:
        return level_at(self, return_period)


def _header(path: Path) -> tuple[str, list[str]]:
    with path.open(encoding="utf-8") as f:
        first = f.readline()
        second = f.readline()
    return first, [c.strip() for c in second.strip().split(",")]


def _meta(first: str, key: str, path: Path) -> str:
    m = re.search(key + r"\s*=\s*'?([^',\"]+)'?", first)
    if not m:
        raise HazardError(f"OpenQuake CSV has no {key} in its first (comment) line", path=path,
                          fix="export the file with the OpenQuake engine 3.x (oq export), "
                              "keeping its first comment line")
    return m.group(1).strip()


def _check_curve(levels, rates, path, where: str) -> None:
    if np.any(~np.isfinite(rates)) or np.any(rates < 0):
        raise HazardError(f"hazard curve {where}: probabilities must be finite and >= 0",
                          path=path, fix="give probabilities of exceedance in [0, 1)")
    if np.any(np.diff(rates) > 1e-12):
        raise HazardError(f"hazard curve {where}: probabilities of exceedance increase with the "
                          "ground-motion level (a hazard curve never increases)", path=path,
                          fix="check the column order (poe-<level> increasing) and the values")


def read_oq_hazard_curves(path, lon: float | None = None,
                          lat: float | None = None) -> HazardCurve:
    """The hazard curve of an OpenQuake hazard-curve CSV at the site nearest (lon, lat)
    (the only site when lon/lat are None)."""
    path = Path(path)
    first, cols = _header(path)
    if not first.startswith("#"):
        raise HazardError("not an OpenQuake export: the first line is not a comment", path=path,
                          fix="give the CSV as exported by the OpenQuake engine 3.x")
    poe_cols = [c for c in cols if _POE.match(c)]
    if cols[:3] != ["lon", "lat", "depth"] or not poe_cols:
        raise HazardError(f"hazard-curve columns {cols[:4]}... are not the OpenQuake 3.x "
                          "layout lon,lat,depth,poe-<iml>,...", path=path,
                          fix="re-export with OpenQuake engine >= 3.0 (older layouts without "
                              "depth are not read)")
    t = float(_meta(first, "investigation_time", path))
    imt = _meta(first, "imt", path)
    df = pd.read_csv(path, skiprows=1)
    levels = np.array([float(_POE.match(c).group(1)) for c in poe_cols])  # type: ignore[union-attr]
    if np.any(np.diff(levels) <= 0):
        raise HazardError("hazard-curve levels (poe-<iml> columns) are not increasing",
                          path=path, fix="keep the columns in the order OpenQuake wrote them")
    i = 0 if lon is None or lat is None else int(np.argmin(
        np.hypot(df["lon"] - lon, (df["lat"] - lat))))
    poe = df.loc[i, poe_cols].to_numpy(float)
    _check_curve(levels, poe, path, f"at ({df.loc[i, 'lon']}, {df.loc[i, 'lat']})")
    if np.any(poe >= 1):
        raise HazardError("probability of exceedance of 1 cannot be turned into a rate",
                          path=path, fix="start the levels higher or shorten the time")
    return HazardCurve(levels, -np.log1p(-poe) / t, imt, f"{path.name} (OpenQuake, t={t:g} yr)")


def read_oq_hazard_map(path, lon: float | None = None, lat: float | None = None,
                       imt: str = "PGA") -> dict[float, float]:
    """{return period [yr]: level [g]} of an OpenQuake hazard-map CSV at the nearest site."""
    path = Path(path)
    first, cols = _header(path)
    if not first.startswith("#") or cols[:2] != ["lon", "lat"]:
        raise HazardError("hazard-map CSV is not the OpenQuake 3.x layout lon,lat,<IMT>-<poe>",
                          path=path, fix="give the file as exported by the OpenQuake engine")
    t = float(_meta(first, "investigation_time", path))
    pat = re.compile(rf"^{re.escape(imt)}-([0-9.eE+-]+)$")
    use = [c for c in cols if pat.match(c)]
    if not use:
        found = sorted({c.split("-")[0] for c in cols[2:]})
        raise HazardError(f"hazard map has no {imt} columns (it has {found})", path=path,
                          fix=f"give a map of {imt}, the measure the vulnerability needs")
    df = pd.read_csv(path, skiprows=1)
    i = 0 if lon is None or lat is None else int(np.argmin(
        np.hypot(df["lon"] - lon, (df["lat"] - lat))))
    out = {}
    for c in use:
        poe = float(pat.match(c).group(1))  # type: ignore[union-attr]
        out[-t / math.log1p(-poe)] = float(df.loc[i, c])
    return out


def read_hazard_geotiff(path, lon: float, lat: float, *, imt: str = "PGA") -> float:
    """The value [g] of a hazard-map GeoTIFF (one return period) at (lon, lat)."""
    import rasterio
    from rasterio.warp import transform

    path = Path(path)
    with rasterio.open(path) as src:
        tags = {k.lower(): v for k, v in src.tags().items()}
        tags.update({k.lower(): v for k, v in src.tags(1).items()})
        unit = tags.get("units") or tags.get("unit") or (src.units[0] if src.units else None)
        if not unit:
            raise HazardError("hazard-map GeoTIFF states no units", path=path,
                              fix="set the tag units=g (or m/s2, cm/s2) with gdal_edit.py "
                                  "-mo units=g")
        got = tags.get("imt")
        if got and got.strip().upper() != imt.upper():
            raise HazardError(f"hazard map is {got}, the vulnerability needs {imt}", path=path,
                              fix=f"give the {imt} map of the same return period")
        xs, ys = transform("EPSG:4326", src.crs, [lon], [lat]) if src.crs else ([lon], [lat])
        val = float(next(src.sample([(xs[0], ys[0])]))[0])
        if src.nodata is not None and val == src.nodata or not math.isfinite(val):
            raise HazardError(f"hazard map has no value at ({lon:.3f}, {lat:.3f})", path=path,
                              fix="give a map that covers the city")
    return float(to_g(val, unit))


def curve_from_map(values: dict[float, float], imt: str = "PGA", source: str = "") -> HazardCurve:
    """A hazard curve through the points (level at T, 1/T) of hazard maps."""
    if len(values) < 2:
        raise HazardError("a hazard curve from maps needs at least two return periods",
                          fix="give maps for e.g. 475 and 2475 years")
    tt = np.array(sorted(values))
    lv = np.array([values[t] for t in tt])
    if np.any(np.diff(lv) <= 0):
        raise HazardError("hazard-map levels do not increase with the return period",
                          fix="check that each map is assigned its own return period")
    return HazardCurve(lv, 1.0 / tt, imt, source)


def level_at(curve: HazardCurve, return_period: float) -> float:
    """Level at 1/T, log-log interpolation; HazardError outside the curve's range."""
    target = 1.0 / return_period
    lam, x = curve.rates, curve.levels
    if not (lam[-1] <= target <= lam[0]):
        raise HazardError(f"return period {return_period:g} yr is outside the range of the "
                          f"hazard curve ({1 / lam[0]:.3g}-{1 / max(lam[-1], 1e-300):.3g} yr)",
                          path=curve.source or None,
                          fix="give a curve (or maps) covering that return period")
    pos = lam > 0
    return float(np.exp(np.interp(-math.log(target), -np.log(lam[pos]), np.log(x[pos]))))


def classical_eal(curve: HazardCurve, imls, mean_loss_ratios, value: float = 1.0) -> float:
    """Expected annual loss by convolution of the hazard curve with a vulnerability function
    (mean loss ratio at intensity levels ``imls``, 0 below the first level, flat above the
    last), times ``value``. The part of the curve above its last level is counted at that
    level's loss ratio (lambda at the last level times MLR there)."""
    x, lam = curve.levels, curve.rates
    mid = np.sqrt(x[:-1] * x[1:])
    dlam = lam[:-1] - lam[1:]
    imls = np.asarray(imls, float)
    mlr = np.asarray(mean_loss_ratios, float)
    f = np.interp(mid, imls, mlr, left=0.0, right=mlr[-1])
    tail = np.interp(x[-1], imls, mlr, left=0.0, right=mlr[-1]) * lam[-1]
    return float(((f * dlam).sum() + tail) * value)
