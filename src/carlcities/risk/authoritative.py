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
from carlcities.risk.gmpe import parse_imt, to_g

__all__ = ["HazardCurve", "read_oq_hazard_curves", "read_oq_hazard_map", "read_hazard_geotiff",
           "curve_from_map", "classical_eal", "level_at", "oq_curves_at",
           "sample_hazard_geotiff", "user_rock_curves", "resample_rates", "amplify_rates",
           "hazard_points", "classical_eal_assets", "EAL_LEVELS", "VS30_BIN_EDGES",
           "HAZARD_CELL_DEG"]

#: levels of the classical risk integral [g]: 70 log-spaced from 0.001 to 5 g
EAL_LEVELS = np.geomspace(1e-3, 5.0, 70)
#: Vs30 classes of the hazard points [m/s]: 24 log-spaced bins over the BSSA14 range
VS30_BIN_EDGES = np.geomspace(150.0, 1500.0, 25)
#: size of the hazard cells the exposure blocks share a hazard curve in [deg]
HAZARD_CELL_DEG = 0.02

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


def _read_oq_curves(path) -> tuple[pd.DataFrame, list[str], np.ndarray, str, float]:
    """The site table, poe columns, levels, IMT and investigation time of an OpenQuake
    hazard-curve CSV (layout checked)."""
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
    return df, poe_cols, levels, imt, t


def _oq_rates(df, poe_cols, levels, t, i: int, path) -> np.ndarray:
    poe = df.loc[i, poe_cols].to_numpy(float)
    _check_curve(levels, poe, path, f"at ({df.loc[i, 'lon']}, {df.loc[i, 'lat']})")
    if np.any(poe >= 1):
        raise HazardError("probability of exceedance of 1 cannot be turned into a rate",
                          path=path, fix="start the levels higher or shorten the time")
    return -np.log1p(-poe) / t


def read_oq_hazard_curves(path, lon: float | None = None,
                          lat: float | None = None) -> HazardCurve:
    """The hazard curve of an OpenQuake hazard-curve CSV at the site nearest (lon, lat)
    (the only site when lon/lat are None)."""
    path = Path(path)
    df, poe_cols, levels, imt, t = _read_oq_curves(path)
    i = 0 if lon is None or lat is None else int(np.argmin(
        np.hypot(df["lon"] - lon, (df["lat"] - lat))))
    return HazardCurve(levels, _oq_rates(df, poe_cols, levels, t, i, path), imt,
                       f"{path.name} (OpenQuake, t={t:g} yr)")


def oq_curves_at(path, lons, lats) -> tuple[np.ndarray, np.ndarray, str, str]:
    """Levels [g], rates (n_point x n_level) [1/yr] of the file's sites nearest each point,
    the IMT and a source label."""
    path = Path(path)
    df, poe_cols, levels, imt, t = _read_oq_curves(path)
    slon, slat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
    near = [int(np.argmin(np.hypot(slon - x, slat - y))) for x, y in zip(lons, lats)]
    cache = {i: _oq_rates(df, poe_cols, levels, t, i, path) for i in set(near)}
    return (levels, np.array([cache[i] for i in near]), imt,
            f"{path.name} (OpenQuake hazard curves, t={t:g} yr)")


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
    return float(sample_hazard_geotiff(path, [lon], [lat], imt=imt)[0])


def sample_hazard_geotiff(path, lons, lats, *, imt: str = "PGA") -> np.ndarray:
    """Values [g] of a hazard-map GeoTIFF (one return period) at the points (lon, lat)."""
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
        lons, lats = list(map(float, lons)), list(map(float, lats))
        xs, ys = transform("EPSG:4326", src.crs, lons, lats) if src.crs else (lons, lats)
        vals = np.array([float(v[0]) for v in src.sample(list(zip(xs, ys)))])
        bad = ~np.isfinite(vals) | ((vals == src.nodata) if src.nodata is not None else False)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise HazardError(f"hazard map has no value at ({lons[i]:.3f}, {lats[i]:.3f})",
                              path=path, fix="give a map that covers the city")
    return np.asarray(to_g(vals, unit), float)


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


# -- classical risk on the exposure --------------------------------------------------------


def resample_rates(x, lam, levels, *, extrapolate: bool) -> np.ndarray:
    """A hazard curve (levels x [g], rates lam [1/yr]) on other ``levels``: log-log (power-law)
    interpolation between its points; outside them the end segments' power laws when
    ``extrapolate`` (hazard maps: two or three points, lambda = k0 x^-k between them, the
    approximation of Cornell et al. 2002), else the rate of the first point below it and the
    last segment's power law above (an OpenQuake curve covers the levels that matter)."""
    x, lam, lv = np.asarray(x, float), np.asarray(lam, float), np.asarray(levels, float)
    pos = lam > 0
    if pos.sum() < 2:
        return np.where(lv <= x[0], lam[0], 0.0)
    lx, ll = np.log(x[pos]), np.log(lam[pos])
    out = np.interp(np.log(lv), lx, ll)
    k_hi = (ll[-1] - ll[-2]) / (lx[-1] - lx[-2])
    hi = np.log(lv) > lx[-1]
    out[hi] = ll[-1] + k_hi * (np.log(lv[hi]) - lx[-1])
    lo = np.log(lv) < lx[0]
    if extrapolate:
        k_lo = (ll[1] - ll[0]) / (lx[1] - lx[0])
        out[lo] = ll[0] + k_lo * (np.log(lv[lo]) - lx[0])
    return np.minimum(np.exp(out), 10.0)


def amplify_rates(levels, rates, vs30, imt: str, vref: float = 760.0) -> np.ndarray:
    """Rates on a site of ``vs30`` [m/s] from rates on the reference rock ``vref``, on the same
    levels: each rock level x moves to x exp(F_S(vs30) - F_S(vref)) with the BSSA14 site term
    (non-linear for PGA, where the rock PGA is the level itself; linear only for SA, whose rock
    PGA a hazard curve does not give). Median amplification: its variability is not added."""
    from carlcities.risk.gmpe import bssa2014_site_term

    lv = np.asarray(levels, float)
    pgar = lv if parse_imt(imt) == "PGA" else np.zeros_like(lv)
    y = lv * np.exp(bssa2014_site_term(imt, np.clip(vs30, 150.0, 1500.0), pgar)
                    - bssa2014_site_term(imt, np.clip(vref, 150.0, 1500.0), pgar))
    r = np.atleast_2d(np.asarray(rates, float))
    out = np.zeros_like(r)
    for i in range(r.shape[0]):
        out[i] = resample_rates(y, r[i], lv, extrapolate=False)
    return out if np.ndim(rates) > 1 else out[0]


def hazard_points(lon, lat, vs30, *, cell_deg: float = HAZARD_CELL_DEG,
                  edges=VS30_BIN_EDGES) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                 np.ndarray]:
    """Group sites into hazard points: (cell of ``cell_deg``, Vs30 class). Returns the point of
    every site, and each point's cell centre (lon, lat), Vs30 (geometric centre of its class)
    and cell number."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    cx, cy = np.floor(lon / cell_deg).astype(np.int64), np.floor(lat / cell_deg).astype(np.int64)
    cells, cell = np.unique(np.stack([cx, cy], 1), axis=0, return_inverse=True)
    cell = cell.ravel()
    vb = np.clip(np.searchsorted(edges, np.clip(vs30, edges[0], edges[-1]), "right") - 1, 0,
                 edges.size - 2)
    keys, point = np.unique(cell * edges.size + vb, return_inverse=True)
    pc, pb = keys // edges.size, keys % edges.size
    return (point.ravel(), (cells[pc, 0] + 0.5) * cell_deg, (cells[pc, 1] + 0.5) * cell_deg,
            np.sqrt(edges[pb] * edges[pb + 1]), pc)


def classical_eal_assets(levels, rates, asset_point, asset_class, asset_value, curves,
                         class_names) -> tuple[float, dict[str, float]]:
    """EAL [USD/yr] of assets by the classical risk integral: for each asset, its value times
    sum_k MLR(x_k) (lambda(x_k) - lambda(x_k+1)) over the ``levels`` bins (x_k the geometric bin
    centre, MLR interpolated linearly on the vulnerability function as the loss engine does, 0
    below its first level, its last ratio above) plus lambda(x_last) MLR(x_last); rates are
    per hazard point (n_point x n_level). Returns the total and the EAL by class."""
    lv = np.asarray(levels, float)
    r = np.asarray(rates, float)
    mid = np.sqrt(lv[:-1] * lv[1:])
    dlam = r[:, :-1] - r[:, 1:]
    per = np.zeros((r.shape[0], len(class_names)))
    for j, t in enumerate(class_names):
        i = curves.taxonomies.index(t)
        n = int(curves.n_levels[i])
        im, mr = curves.imls[i, :n], curves.ratios[i, :n]
        f = np.interp(mid, im, mr, left=0.0, right=mr[-1])
        f_top = float(np.interp(lv[-1], im, mr, left=0.0, right=mr[-1]))
        per[:, j] = dlam @ f + r[:, -1] * f_top
    loss = np.asarray(asset_value, float) * per[np.asarray(asset_point), np.asarray(asset_class)]
    by = np.bincount(np.asarray(asset_class), weights=loss, minlength=len(class_names))
    return float(loss.sum()), {t: float(by[j]) for j, t in enumerate(class_names)}


def user_rock_curves(curves_path, map_paths: dict[float, str], lons, lats, imt: str,
                     levels=EAL_LEVELS) -> tuple[np.ndarray, str]:
    """The user's hazard on rock at the points, on ``levels``: an OpenQuake hazard-curve CSV
    (``curves_path``), else hazard maps {return period [yr]: GeoTIFF or OpenQuake hazard-map
    CSV} (at least two return periods; the curve through them by power laws). Returns the
    rates (n_point x n_level) and a source label. HazardError when the file's IMT is not the
    vulnerability's."""
    lons, lats = np.asarray(lons, float), np.asarray(lats, float)
    if curves_path:
        x, lam, got, src = oq_curves_at(curves_path, lons, lats)
        if got.strip().upper() != imt.upper():
            raise HazardError(f"hazard curves are {got}, the vulnerability needs {imt}",
                              path=curves_path, fix=f"export the {imt} hazard curves")
        return np.array([resample_rates(x, r, levels, extrapolate=False) for r in lam]), src
    vals: dict[float, np.ndarray] = {}
    for T, p in sorted(map_paths.items()):
        if str(p).lower().endswith(".csv"):
            for i, (x, y) in enumerate(zip(lons, lats)):
                m = read_oq_hazard_map(p, x, y, imt=imt)
                t_near = min(m, key=lambda t: abs(math.log(t / T)))
                vals.setdefault(T, np.zeros(lons.size))[i] = m[t_near]
        else:
            vals[T] = sample_hazard_geotiff(p, lons, lats, imt=imt)
    curves = [curve_from_map({T: float(v[i]) for T, v in vals.items()}, imt,
                             ", ".join(Path(p).name for p in map_paths.values()))
              for i in range(lons.size)]
    rates = np.array([resample_rates(c.levels, c.rates, levels, extrapolate=True)
                      for c in curves])
    return rates, "hazard maps " + ", ".join(f"{Path(p).name} ({T:g} yr)"
                                             for T, p in sorted(map_paths.items()))
