"""Vs30 from topographic slope (Wald & Allen 2007) and the slope of a DEM."""

from __future__ import annotations

import numpy as np

from carlcities.errors import HazardError

__all__ = ["WALD_ALLEN_2007", "VS30_SLOPE_FLOOR", "VS30_SLOPE_CAP", "vs30_from_slope",
           "slope_from_dem"]

# --------------------------------------------------------------------------------------------
# Vs30 from topographic slope (Wald & Allen 2007)
# --------------------------------------------------------------------------------------------

#: (slope lower edge [m/m], Vs30 at that edge [m/s]) for each NEHRP-based class boundary,
#: Wald & Allen (2007) Table (active tectonic, stable continental). Classes: < 180 m/s,
#: 180–240, 240–300, 300–360, 360–490, 490–620, 620–760, > 760 m/s.
WALD_ALLEN_2007 = {
    "active": ((1.0e-4, 180.0), (2.2e-3, 240.0), (6.3e-3, 300.0), (0.018, 360.0),
               (0.050, 490.0), (0.10, 620.0), (0.138, 760.0)),
    "stable": ((2.0e-5, 180.0), (2.0e-3, 240.0), (4.0e-3, 300.0), (7.2e-3, 360.0),
               (0.013, 490.0), (0.018, 620.0), (0.025, 760.0)),
}
#: Vs30 assigned below the first and above the last slope edge [m/s]
VS30_SLOPE_FLOOR, VS30_SLOPE_CAP = 180.0, 900.0


def vs30_from_slope(slope_m_per_m, *, tectonic: str = "active"):
    """Vs30 [m/s] from topographic slope [m/m] (Wald & Allen 2007).

    The paper gives slope ranges for Vs30 classes (active tectonic regions: < 1.0e-4 → Vs30
    < 180; 1.0e-4–2.2e-3 → 180–240; 2.2e-3–6.3e-3 → 240–300; 6.3e-3–0.018 → 300–360;
    0.018–0.050 → 360–490; 0.050–0.10 → 490–620; 0.10–0.138 → 620–760; > 0.138 → > 760).
    Within each class, ln(Vs30) is interpolated linearly in ln(slope) between the class
    edges (the same log–log scheme as the USGS global Vs30 grid). The open-ended classes are
    set to 180 m/s below the first edge and extrapolated from the last class above the last
    edge, capped at 900 m/s. Slopes ≤ 0 (flat) give 180 m/s; NaN stays NaN.

    Parameters
    ----------
    slope_m_per_m : float or array, gradient magnitude [m/m] (not degrees, not percent)
    tectonic : "active" (default, Central Asia) or "stable"

    Returns
    -------
    ndarray or float, Vs30 [m/s]

    References
    ----------
    Wald, D.J., Allen, T.I. (2007). Topographic slope as a proxy for seismic site conditions
    and amplification. Bull. Seismol. Soc. Am. 97(5):1379–1395.
    https://doi.org/10.1785/0120060267
    """
    if tectonic not in WALD_ALLEN_2007:
        raise HazardError(f"vs30_from_slope: unknown tectonic={tectonic!r}",
                          fix=f"use one of {sorted(WALD_ALLEN_2007)}")
    s = np.asarray(slope_m_per_m, dtype=float)
    if np.nanmax(s, initial=0.0) > 10.0:
        raise HazardError(
            "vs30_from_slope: slopes above 10 m/m (> 84°) look like degrees or percent",
            fix="give the gradient magnitude in m/m, e.g. from slope_from_dem()",
        )
    table = np.array(WALD_ALLEN_2007[tectonic])
    ls, lv = np.log(table[:, 0]), np.log(table[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(np.where(s > 0, s, table[0, 0]))
    y = np.interp(x, ls, lv)  # piecewise linear in log–log inside the table, flat outside
    above = x > ls[-1]
    slope_last = (lv[-1] - lv[-2]) / (ls[-1] - ls[-2])
    y = np.where(above, lv[-1] + slope_last * (x - ls[-1]), y)
    out = np.clip(np.exp(y), VS30_SLOPE_FLOOR, VS30_SLOPE_CAP)
    out = np.where(np.isnan(s), np.nan, out)
    return float(out) if out.ndim == 0 else out


def slope_from_dem(dem, res_m):
    """Topographic slope [m/m] as the gradient magnitude of a projected DEM.

    slope = √((∂z/∂x)² + (∂z/∂y)²) by central differences (one-sided at the edges).

    Parameters
    ----------
    dem : 2-D array of elevations [m] on a projected grid (NaN for nodata)
    res_m : float or (dy, dx), cell size [m]

    Notes
    -----
    Wald & Allen (2007) calibrated the slope–Vs30 relation on 30 arc-second (~ 1 km) SRTM30
    slopes. Slopes from finer DEMs are steeper and give higher Vs30: average or resample the
    DEM to ~ 1 km (30 arc-sec) before calling this function when the proxy is used as
    published.

    References
    ----------
    Wald & Allen (2007), BSSA 97(5):1379, https://doi.org/10.1785/0120060267
    """
    z = np.asarray(dem, dtype=float)
    if z.ndim != 2 or min(z.shape) < 2:
        raise HazardError("slope_from_dem: argument 'dem' must be a 2-D array of at least "
                          "2 × 2 cells", fix="pass the elevation band as a 2-D array [m]")
    dy, dx = (res_m, res_m) if np.ndim(res_m) == 0 else tuple(res_m)
    if not (dx > 0 and dy > 0):
        raise HazardError("slope_from_dem: argument 'res_m' must be > 0 [m]",
                          fix="give the cell size in metres of a projected grid")
    gy, gx = np.gradient(z, float(dy), float(dx))
    return np.hypot(gx, gy)
