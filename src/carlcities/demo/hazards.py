"""Demo hazard layers, written like real hazard products, from the city's synthetic landscape.

For one city, :func:`write_hazard_layers` writes into ``out_dir/<city_id>/`` (every file
tagged ``synthetic=true`` and described "synthetic demo data — not real"):

==========================  ========================================================================
file                        content
==========================  ========================================================================
``flood_depth_rp{T}.tif``   T = 10, 50, 100, 500 yr: water depth [m], float32, nodata −9999 outside
                            the flood extent, EPSG:4326 at 3″ (like global flood-hazard maps)
``mudflow_fans.tif``        mountain-front cities only: debris-flow susceptibility class (uint8,
                            0–3) on the city grid, computed by
                            :func:`carlcities.risk.mudflow.debris_flow_susceptibility` on the
                            model's DEM (so the demo and the method agree)
``vs30.tif``                Vs30 [m/s], float32, EPSG:4326 at 30″, from the slope of the model's
                            terrain by the active-tectonic classes of Wald & Allen (2007)
``tmax_daily.csv``          daily Tmax/Tmin/Tmean [°C] 1991–2020: seasonal cycle + AR(1) noise
==========================  ========================================================================

The models (synthetic, illustrative):

* **Flood depth**: the height above the nearest drainage, HAND = z − z(the river cell the
  cell's D8 flow path reaches first) [m] (Rennó et al. 2008); a flood stage per return period
  rising with ln T, s(T) = 1.0 + 0.5 ln(T/10) [m] (1.0, 1.80, 2.15, 2.96 m); depth =
  max(0, s(T) − HAND) within 2.5 km of a river (or 1.5 × its floodplain width if larger),
  0 at sea. Cities without a river (the sea coast) get a flash-flood depth
  0.3·(1 + 0.35 ln(T/10)) [m] along the lowest D8 channels (upslope area ≥ 2 km²). Depths
  grow with T cell by cell by construction.
* **Vs30**: log-linear interpolation of Vs30 in log10(slope) between the class edges of Wald &
  Allen (2007, BSSA 97:1379–1395, Table 1, active tectonic regions: slope [m/m] 1.0e-4 →
  180, 2.2e-3 → 240, 6.3e-3 → 300, 0.018 → 360, 0.050 → 490, 0.10 → 620, 0.138 → 760 m/s),
  held at 180 and 760 m/s beyond; slope by central differences over one 30″ cell.
* **Daily temperature**: Tmean = A + B·cos(2π(doy − 200)/365.25) with A, B from the city's
  January and July mean air temperatures (``reference/parameters.csv`` rows ``climate`` where
  given, see ``risk/data/hazard_sources.md``; else a fit to latitude and elevation through
  the tabulated cities with a 6.5 K/km lapse rate); a diurnal range of 8 °C in winter rising
  to 14 °C in summer (15 °C oases, 12 °C mountain fronts); AR(1) anomalies (φ = 0.7,
  σ = 2.0 °C in summer … 3.5 °C in winter) seeded with ``rng_for(city_id, "heat")``. No trend.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..files import write_atomic
from .common import DESCRIPTION, local_coords, synthetic_tags, write_geotiff

__all__ = ["write_hazard_layers", "FLOOD_RPS", "HAZARD_FILES", "vs30_wald_allen_active",
           "flood_stage_m"]

FLOOD_RPS = (10, 50, 100, 500)
HAZARD_FILES = {**{f"flood_depth_rp{T}": f"flood_depth_rp{T}.tif" for T in FLOOD_RPS},
                "mudflow": "mudflow_fans.tif", "vs30": "vs30.tif", "tmax_daily": "tmax_daily.csv"}
FLOOD_NODATA = -9999.0
FLOOD_RES_DEG = 3.0 / 3600.0
VS30_RES_DEG = 30.0 / 3600.0
FLOODPLAIN_M = 2500.0
#: (row, column) step of each D8 code of :func:`carlcities.risk.mudflow.d8_directions`:
#: 0–7 clockwise from north (N, NE, E, SE, S, SW, W, NW); rows grow southwards
D8_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))

#: Wald & Allen (2007) Table 1, active tectonic regions: (slope [m/m], Vs30 [m/s]) class edges
WALD_ALLEN_ACTIVE = ((1.0e-4, 180.0), (2.2e-3, 240.0), (6.3e-3, 300.0), (0.018, 360.0),
                     (0.050, 490.0), (0.10, 620.0), (0.138, 760.0))

#: January / July mean air temperature [°C] (reference/parameters.csv, rows `climate`)
JAN_MEAN_C = {"almaty": -4.7, "astana": -15.2, "tashkent": 2.5, "khujand": 1.5,
              "ashgabat": 5.5, "turkmenabat": 3.0, "termez": 5.0, "dushanbe": 0.0}
JUL_MEAN_C = {"almaty": 23.8, "astana": 20.9, "tashkent": 28.5, "ashgabat": 31.2}


def flood_stage_m(T: float) -> float:
    """Demo flood stage above the river [m] for return period ``T`` [yr]: 1.0 + 0.5 ln(T/10)."""
    return 1.0 + 0.5 * math.log(T / 10.0)


def vs30_wald_allen_active(slope: np.ndarray) -> np.ndarray:
    """Vs30 [m/s] from topographic slope [m/m] (Wald & Allen 2007, BSSA 97(5):1379–1395,
    doi:10.1785/0120060267, Table 1, active tectonic regions), log-linear between class
    edges, held at 180 / 760 m/s beyond the first / last edge."""
    s = np.maximum(np.asarray(slope, dtype=np.float64), 1e-6)
    xs = np.log10([e for e, _ in WALD_ALLEN_ACTIVE])
    ys = np.array([v for _, v in WALD_ALLEN_ACTIVE])
    return np.interp(np.log10(s), xs, ys)


# -- helpers ---------------------------------------------------------------------------------
def _product_grid(grid, res_deg: float, margin_deg: float = 0.02):
    from affine import Affine

    l, b, r, t = grid.footprint(4326)
    c0, r0 = math.floor((l - margin_deg) / res_deg), math.floor((-(t + margin_deg)) / res_deg)
    c1, r1 = math.ceil((r + margin_deg) / res_deg), math.ceil((-(b - margin_deg)) / res_deg)
    return Affine(res_deg, 0, c0 * res_deg, 0, -res_deg, -r0 * res_deg), c1 - c0, r1 - r0


def _metres_per_deg(lat: float) -> tuple[float, float]:
    return 111_320.0 * math.cos(math.radians(lat)), 110_574.0


# -- layers ----------------------------------------------------------------------------------
def _flood_depths(city, grid, model) -> tuple[dict[int, np.ndarray], Any]:
    from scipy import ndimage

    tr, w, h = _product_grid(grid, FLOOD_RES_DEG)
    u, v = local_coords(tr, w, h, 4326, grid)
    z = model.elevation(u, v)
    sea = model.sea(u, v)
    river = model.river(u, v) & ~sea
    out: dict[int, np.ndarray] = {}
    if river.any():
        hand = _height_above_drainage(z, river, sea, grid.lat)
        plain = max([FLOODPLAIN_M] + [1.5 * r.plain_width for r in model.rivers])
        near = (model.river_distance(u, v) <= plain) & ~sea & np.isfinite(hand)
        for T in FLOOD_RPS:
            out[T] = np.where(near, np.maximum(0.0, flood_stage_m(T) - np.nan_to_num(hand)),
                              0.0)
    else:
        from ..risk.mudflow import d8_directions, fill_depressions, flow_accumulation

        mx, my = _metres_per_deg(grid.lat)
        res_m = math.sqrt(FLOOD_RES_DEG * mx * FLOOD_RES_DEG * my)
        zf = fill_depressions(np.where(sea, np.nan, z))
        acc, _ = flow_accumulation(zf, d8_directions(zf, res_m))
        chan = ndimage.binary_dilation(acc * res_m * res_m >= 2.0e6) & ~sea
        for T in FLOOD_RPS:
            out[T] = np.where(chan, 0.3 * (1.0 + 0.35 * math.log(T / 10.0)), 0.0)
    return out, tr


def _height_above_drainage(z: np.ndarray, river: np.ndarray, sea: np.ndarray,
                           lat: float) -> np.ndarray:
    """HAND [m] (Rennó et al. 2008, Remote Sens. Environ. 112:3469–3481): each cell's
    elevation above the river cell its D8 flow path (on the depression-filled DEM) reaches
    first, ≥ 0; inf where the path leaves the raster without meeting a river."""
    from ..risk.mudflow import d8_directions, fill_depressions

    mx, my = _metres_per_deg(lat)
    res_m = math.sqrt(FLOOD_RES_DEG * mx * FLOOD_RES_DEG * my)
    zf = fill_depressions(np.where(sea, np.nan, z))
    dirs = d8_directions(zf, res_m)
    h, w = z.shape
    # every cell follows its D8 receiver (always lower, so paths end) until a river cell or a
    # cell without receiver; pointer doubling finds that end for all cells at once
    k = dirs.ravel().astype(np.int64)
    idx = np.arange(h * w)
    r, c = np.divmod(idx, w)
    dr, dc = np.asarray(D8_OFFSETS).T
    kk = np.maximum(k, 0)
    stop = river.ravel() | (k < 0)
    nxt = np.where(stop, idx, (r + dr[kk]) * w + c + dc[kk])
    while True:
        nn = nxt[nxt]
        if np.array_equal(nn, nxt):
            break
        nxt = nn
    target = np.where(river.ravel()[nxt], z.ravel()[nxt], np.inf)
    t = target.reshape(h, w)
    return np.where(np.isfinite(t), np.maximum(z - t, 0.0), np.inf)


def _daily_temperature(city, model, start: int = 1991, end: int = 2020) -> list[str]:
    from .terrain import rng_for

    cid = city.city_id
    elev = float(model.base)
    lat = float(city.lat)
    jul = JUL_MEAN_C.get(cid, 64.76 - 0.811 * lat - 0.0065 * elev)
    jan = JAN_MEAN_C.get(cid, 80.9 - 1.831 * lat - 0.0065 * elev)
    dtr_s = {"oasis": 15.0, "mountain_front": 12.0}.get(city.setting, 14.0)
    dtr_w = 8.0
    days = np.arange(np.datetime64(f"{start}-01-01"), np.datetime64(f"{end + 1}-01-01"),
                     dtype="datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(int) + 1
    season = np.cos(2 * np.pi * (doy - 200) / 365.25)          # +1 mid-July, −1 mid-January
    tmean = (jul + jan) / 2.0 + (jul - jan) / 2.0 * season
    summer = (1.0 + season) / 2.0
    dtr = dtr_w + (dtr_s - dtr_w) * summer
    sigma = 3.5 - 1.5 * summer
    rng = rng_for(cid, "heat")
    xi = rng.standard_normal((2, days.size))
    phi = 0.7
    c = math.sqrt(1 - phi * phi)
    x0, x1 = xi[0].tolist(), xi[1].tolist()  # the AR(1) recursion on Python floats
    a = b = 0.0
    ea, eb = [0.0], [0.0]
    for i in range(1, days.size):
        a = phi * a + c * x0[i]
        b = phi * b + c * x1[i]
        ea.append(a)
        eb.append(b)
    e, e2 = np.array(ea), np.array(eb)
    anom = sigma * e
    tmax = tmean + dtr / 2.0 + anom
    tmin = tmean - dtr / 2.0 + 0.7 * anom + 0.5 * sigma * e2
    tm = (tmax + tmin) / 2.0
    lines = [f"# {DESCRIPTION}: city {cid}, carlcities demo (seasonal cycle + AR(1) noise)",
             "date,tmax,tmin,tmean"]
    lines += [f"{d},{hi:.1f},{lo:.1f},{mid:.1f}" for d, hi, lo, mid in
              zip(days.astype(str).tolist(), tmax.tolist(), tmin.tolist(), tm.tolist())]
    return lines


def write_hazard_layers(city, grid, model, out_dir: str | Path, *,
                        population: np.ndarray | None = None,
                        builtup: np.ndarray | None = None) -> dict[str, Path]:
    """Write the demo flood, mudflow, Vs30 and daily-temperature layers of one city.

    ``city`` a catalogue :class:`~carlcities.catalog.City`; ``grid`` its
    :class:`~carlcities.grid.CityGrid`; ``model`` its :class:`~carlcities.demo.terrain.CityModel`
    (``carlcities.demo.city_model``); files go to ``out_dir/<city_id>/``. ``population`` and
    ``builtup`` (on the grid) are accepted for symmetry with the other demo writers and not
    needed by these models. Deterministic. Returns paths keyed ``flood_depth_rp10`` …
    ``flood_depth_rp500``, ``mudflow`` (mountain-front cities only), ``vs30``, ``tmax_daily``.
    """
    from ..io.raster import write_cog
    from ..risk.mudflow import debris_flow_susceptibility
    d = Path(out_dir) / city.city_id
    d.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    depths, tr = _flood_depths(city, grid, model)
    for T, a in depths.items():
        arr = np.where(a > 0, a, FLOOD_NODATA).astype(np.float32)
        p = d / HAZARD_FILES[f"flood_depth_rp{T}"]
        write_geotiff(p, arr, tr, 4326, "float32", FLOOD_NODATA,
               synthetic_tags(city, "flood depth (synthetic look-alike of a global flood map)",
                     return_period_yr=T, units="m", nodata_means="dry (outside the flood "
                     "extent)", stage_m=f"{flood_stage_m(T):.3f}"))
        paths[f"flood_depth_rp{T}"] = p

    if city.setting == "mountain_front":
        gu, gv = local_coords(grid.transform, grid.width, grid.height, grid.crs, grid)
        z = model.elevation(gu, gv)
        mud = debris_flow_susceptibility(z, grid.res)
        p = d / HAZARD_FILES["mudflow"]
        write_cog(p, mud.classes.astype(np.uint8), grid, nodata=None,
                  tags=synthetic_tags(city, "debris-flow susceptibility (carlcities.risk.mudflow)",
                             classes="0 none, 1 low, 2 medium, 3 high",
                             apexes=len(mud.apexes), TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION),
                  description=DESCRIPTION)
        paths["mudflow"] = p

    tr30, w30, h30 = _product_grid(grid, VS30_RES_DEG)
    u, v = local_coords(tr30, w30, h30, 4326, grid)
    _, my = _metres_per_deg(grid.lat)
    slope = model.slope(u, v, h=VS30_RES_DEG * my)
    p = d / HAZARD_FILES["vs30"]
    write_geotiff(p, vs30_wald_allen_active(slope).astype(np.float32), tr30, 4326, "float32",
                  None, synthetic_tags(city, "Vs30 from slope (Wald & Allen 2007, active "
                                             "tectonic)", units="m/s"))
    paths["vs30"] = p

    p = d / HAZARD_FILES["tmax_daily"]
    write_atomic(p, "\n".join(_daily_temperature(city, model)) + "\n")
    paths["tmax_daily"] = p
    return paths
