"""Area sources: uniform seismicity within a polygon (Cornell 1968), one truncated
Gutenberg-Richter law per zone.

A zone is a polygon (lon/lat degrees), an annual rate of M >= ``mref``, a b-value, an Mmax and a
hypocentral depth. Its rate is spread uniformly over the zone's *area*: each cell of a regular
``cell_deg`` grid whose centre lies inside the polygon takes the share cos(lat_cell) /
sum(cos(lat)) of the zone's rate (the cells of a lon/lat grid shrink with cos(lat)). The result
is a gridded model that the point-source code of :mod:`carlcities.risk.sources` turns into
events, exactly as OpenQuake discretises an area source into point sources
(``area_source_discretization``).

Rates from a catalogue (:func:`zone_rate_fixed_b`): with the b-value fixed (the regional value,
as the EMCA super zones share theirs, Ullah et al. 2015), the maximum-likelihood rate of
M >= mref over unequal completeness periods is

    lambda = N / sum_k t_k P_k,

N the complete events of the zone (M >= mref, within their completeness period), t_k the
observation time of magnitude class k (end_year - start year of the class) and P_k the
probability of the class under the truncated Gutenberg-Richter density
beta exp(-beta (m - mref)) / (1 - exp(-beta (mmax - mref))), beta = b ln 10 (Weichert 1980 with
beta known).

References
----------
Cornell, C.A. (1968). Engineering seismic risk analysis. BSSA 58(5):1583-1606.
Weichert, D.H. (1980). BSSA 70(4):1337-1346.
Ullah, S. et al. (2015). Probabilistic seismic hazard assessment for Central Asia. Annals of
Geophysics 58(1), S0103. https://doi.org/10.4401/ag-6687
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from carlcities.errors import HazardError
from carlcities.risk.seismicity.faults import parse_lonlat_points

__all__ = ["AreaZone", "read_zones", "write_zones", "zone_of_points", "zone_rate_fixed_b",
           "grid_from_zones", "ZONE_COLUMNS"]

ZONE_COLUMNS = ["zone_id", "name", "polygon", "rate_mref", "mref", "b", "mmax", "depth_km",
                "n_events", "source"]
_FIX = "correct the row (see src/carlcities/risk/data/seismic_sources.md, 'Area zones')"


@dataclass(frozen=True)
class AreaZone:
    """One area source: polygon [deg], rate of M >= mref [1/yr], b, Mmax, depth [km]."""

    zone_id: str
    name: str
    lon: np.ndarray
    lat: np.ndarray
    rate_mref: float
    mref: float
    b: float
    mmax: float
    depth_km: float
    n_events: int
    source: str

    @property
    def polygon(self) -> Polygon:
        return Polygon(np.column_stack([self.lon, self.lat]))


def _parse_polygon(text, path, zid) -> tuple[np.ndarray, np.ndarray]:
    arr = parse_lonlat_points(text, min_points=3, where=f"zone {zid!r}", kind="polygon",
                              shown=str(text)[:60], path=path, fix=_FIX)
    poly = Polygon(arr)
    if not poly.is_valid or poly.area <= 0:
        raise HazardError(f"zone {zid!r}: polygon is self-intersecting or empty", path=path,
                          fix="list the vertices in order around the zone, without crossings")
    return arr[:, 0], arr[:, 1]


def read_zones(path) -> list[AreaZone]:
    """Read and check an area-zone CSV (columns :data:`ZONE_COLUMNS`, '#' comments)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, comment="#", dtype={"zone_id": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise HazardError(f"cannot read the area-zone file: {exc}", path=path, fix=_FIX) from None
    missing = [c for c in ZONE_COLUMNS if c not in df.columns]
    if missing:
        raise HazardError(f"area-zone file lacks column(s) {missing}", path=path,
                          fix=f"give the columns {ZONE_COLUMNS}")
    out: list[AreaZone] = []
    for r in df.itertuples(index=False):
        zid = str(r.zone_id)
        vals = {c: float(getattr(r, c)) for c in ("rate_mref", "mref", "b", "mmax", "depth_km")}
        if any(not math.isfinite(v) for v in vals.values()):
            raise HazardError(f"zone {zid!r} lacks one of rate_mref, mref, b, mmax, depth_km",
                              path=path, fix=_FIX)
        if vals["rate_mref"] < 0:
            raise HazardError(f"zone {zid!r}: rate {vals['rate_mref']} < 0", path=path, fix=_FIX)
        if not 0.3 <= vals["b"] <= 2.0:
            raise HazardError(f"zone {zid!r}: b = {vals['b']} outside [0.3, 2.0]", path=path,
                              fix="give the zone's Gutenberg-Richter b-value (about 0.7-1.2)")
        if vals["mmax"] <= vals["mref"]:
            raise HazardError(f"zone {zid!r}: mmax {vals['mmax']} <= mref {vals['mref']}",
                              path=path, fix="Mmax must exceed the reference magnitude")
        if not 0 <= vals["depth_km"] <= 70:
            raise HazardError(f"zone {zid!r}: depth {vals['depth_km']} km outside [0, 70]",
                              path=path, fix="area zones here are crustal (depth <= 70 km)")
        lon, lat = _parse_polygon(r.polygon, path, zid)
        out.append(AreaZone(zid, str(r.name), lon, lat, vals["rate_mref"], vals["mref"],
                            vals["b"], vals["mmax"], vals["depth_km"], int(r.n_events),
                            str(r.source)))
    polys = [z.polygon for z in out]
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            if polys[i].intersection(polys[j]).area > 1e-6 * min(polys[i].area, polys[j].area):
                raise HazardError(f"zones {out[i].zone_id!r} and {out[j].zone_id!r} overlap",
                                  path=path, fix="zones must not overlap (their rates would "
                                                 "be counted twice)")
    return out


def write_zones(zones, path, header: str) -> Path:
    path = Path(path)
    rows = [dict(zone_id=z.zone_id, name=z.name,
                 polygon=";".join(f"{x:.2f} {y:.2f}" for x, y in zip(z.lon, z.lat)),
                 rate_mref=f"{z.rate_mref:.6g}", mref=z.mref, b=f"{z.b:.4f}", mmax=z.mmax,
                 depth_km=z.depth_km, n_events=z.n_events, source=z.source) for z in zones]
    path.write_text("# " + header + "\n" + pd.DataFrame(rows, columns=ZONE_COLUMNS).to_csv(
        index=False), encoding="utf-8")
    return path


def zone_of_points(zones, lon, lat) -> np.ndarray:
    """Index of the zone holding each point (-1 outside every zone; first zone wins)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    out = np.full(lon.size, -1)
    for i, z in enumerate(zones):
        inside = shapely.contains_xy(z.polygon, lon, lat) & (out < 0)
        out[inside] = i
    return out


def zone_rate_fixed_b(mags, years, completeness: dict, *, b: float, mref: float, mmax: float,
                      end_year: float) -> tuple[float, int]:
    """Annual rate of M >= mref with b fixed, over unequal completeness periods (module
    docstring). Returns (rate, number of complete events used)."""
    keys = sorted(completeness)
    if mref < keys[0] - 1e-9:
        raise HazardError(f"mref {mref} below the smallest complete magnitude {keys[0]}",
                          fix="use mref at or above the completeness threshold")
    m = np.asarray(mags, float)
    y = np.asarray(years, float)
    beta = b * math.log(10.0)
    norm = 1.0 - math.exp(-beta * (mmax - mref))

    def cdf(x):
        return (1.0 - math.exp(-beta * (min(max(x, mref), mmax) - mref))) / norm

    edges = [k for k in keys if mref - 1e-9 <= k < mmax] or [mref]
    if edges[0] > mref + 1e-9:
        edges = [mref] + edges
    denom = 0.0
    n = 0
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else mmax
        start = completeness[max(k for k in keys if k <= lo + 1e-9)]
        t = max(end_year - start, 0.0)
        denom += t * (cdf(hi) - cdf(lo))
        sel = (m >= lo - 1e-9) & (m < hi - 1e-9 if i + 1 < len(edges) else m <= mmax + 1e-9)
        n += int((sel & (y >= start) & (y < end_year)).sum())
    if denom <= 0:
        raise HazardError("no observation time for the zone's rate", fix="check completeness")
    return n / denom, n


def grid_from_zones(zones, glon, glat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread each zone's rate over the grid cells whose centres it holds, by cell area.

    Returns (rate of M >= the zone's mref per cell [1/yr], Mmax per cell, zone index per cell;
    -1 and rate 0 outside every zone). A zone holding no cell centre raises HazardError."""
    idx = zone_of_points(zones, glon, glat)
    rate = np.zeros(np.asarray(glon).size)
    mmax = np.zeros(rate.size)
    w = np.cos(np.radians(np.asarray(glat, float)))
    for i, z in enumerate(zones):
        cells = idx == i
        if not cells.any():
            raise HazardError(f"zone {z.zone_id!r} holds no grid cell centre",
                              fix="enlarge the zone or refine the grid")
        rate[cells] = z.rate_mref * w[cells] / w[cells].sum()
        mmax[cells] = z.mmax
    return rate, mmax, idx
