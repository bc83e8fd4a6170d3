"""Fault sources by moment balance, and the intermediate-depth (Hindu Kush-Pamir) source.

Fault sources (``risk/data/fault_sources.csv``, method notes in ``fault_sources.md``):

* geometry: a trace (straight segments between the listed points; the GEM Global Active
  Faults trace where one is matched, see :mod:`carlcities.risk.seismicity.gem_faults`), dip,
  rake, upper and lower seismogenic depth; the down-dip width is W = (lsd - usd) / sin(dip),
  the area A = L_trace x W (L_trace of the hand trace also when the GEM trace is used);
* moment rate: M0_dot = mu * A * s (mu = 3.0e10 Pa, s the slip rate [m/yr], full seismic
  coupling), with M0 = 10^(1.5 Mw + 9.05) N m (Hanks & Kanamori 1979);
* characteristic magnitude: Wells & Coppersmith (1994) magnitude-area relation, all slip
  types, Mw = 4.07 + 0.98 log10(A [km2]), capped at the fault's ``mmax_cap`` (largest
  historic or palaeoseismic magnitude, see the notes) and at 8.5 (BSSA14 range);
* magnitude-frequency distribution: ``CHAR_FRACTION`` (0.5) of the moment rate goes to a
  characteristic box of three 0.1 bins just below Mchar, the rest to a truncated
  Gutenberg-Richter distribution from ``FAULT_MMIN`` (6.0) to the box with the regional b; the
  rates are scaled so that sum(rate_i * M0(m_i)) = M0_dot exactly;
* ruptures: each magnitude bin floats ruptures of the Wells & Coppersmith (1994) subsurface
  length along the trace every ``FLOAT_STEP_KM`` (5 km), the bin's rate shared equally; for a
  given site every rupture is represented by its point nearest the site (so the epicentral
  distance the hazard code computes is the Joyner-Boore distance to the trace; the surface
  projection of the dipping plane is not added, which under-states hazard on the hanging wall).

The smoothed-seismicity grid keeps the events below ``FAULT_MMIN`` near the faults: cells within
``FAULT_BUFFER_KM`` of a modelled trace have their Mmax capped at ``FAULT_MMIN`` in the branches
with fault sources, so that large events are not counted twice.

Intermediate-depth source: the events of the USGS Centennial catalogue deeper than 70 km in the
Hindu Kush-Pamir box are fitted by Weichert (1980) (``fit_intraslab``) and used as point
sources at their own epicentres and depths (each a share of the rate). The ground-motion
model is BSSA14 evaluated at the hypocentral distance (an assumption: BSSA14 is a shallow-crust
model; an in-slab GMPE is left for later, see docs/risk.md).

References
----------
Hanks, T.C., Kanamori, H. (1979). A moment magnitude scale. JGR 84(B5):2348-2350.
Wells, D.L., Coppersmith, K.J. (1994). BSSA 84(4):974-1002.
Youngs, R.R., Coppersmith, K.J. (1985). Implications of fault slip rates and earthquake
recurrence models to probabilistic seismic hazard estimates. BSSA 75(4):939-964.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from carlcities.errors import HazardError
from carlcities.risk.seismicity.catalogue import haversine_km
from carlcities.risk.seismicity.events import EventSet, wells_coppersmith_rld_km
from carlcities.risk.seismicity.gem_faults import gem_trace, gem_traces_path, read_gem_traces
from carlcities.risk.seismicity.recurrence import weichert

__all__ = ["FaultSource", "IntraslabSource", "load_fault_sources", "fault_mfd",
           "fault_event_set", "moment_nm", "fit_intraslab", "intraslab_event_set",
           "load_intraslab", "write_intraslab", "near_fault_mask", "SHEAR_MODULUS_PA",
           "CHAR_FRACTION", "FAULT_MMIN", "FAULT_BUFFER_KM", "parse_lonlat_points",
           "with_gem_geometry"]

SHEAR_MODULUS_PA = 3.0e10
CHAR_FRACTION = 0.5
FAULT_MMIN = 6.0
FAULT_BUFFER_KM = 20.0
FLOAT_STEP_KM = 5.0
MAG_CAP = 8.5
_KM_PER_DEG = 111.195
_COLUMNS = ["fault_id", "name", "trace", "dip_deg", "rake_deg", "usd_km", "lsd_km",
            "slip_rate_mm_yr", "slip_source", "mmax_cap"]
_FIX = "correct the row (see src/carlcities/risk/data/fault_sources.md for the columns)"

#: Hindu Kush-Pamir intermediate-depth box and depth range (lon_min, lat_min, lon_max, lat_max)
INTRASLAB_BOX = (69.0, 35.5, 75.0, 39.0)
INTRASLAB_DEPTH_KM = (70.0, 300.0)
_INTRASLAB_FILE = "intraslab_sources.csv"


def moment_nm(mw):
    """Seismic moment [N m] of moment magnitude Mw: 10^(1.5 Mw + 9.05) (Hanks & Kanamori)."""
    return 10.0 ** (1.5 * np.asarray(mw, dtype=float) + 9.05)


@dataclass(frozen=True)
class FaultSource:
    """One fault: trace [deg], dip [deg], rake [deg], seismogenic depths [km], slip [mm/yr]."""

    fault_id: str
    name: str
    lon: np.ndarray
    lat: np.ndarray
    dip_deg: float
    rake_deg: float
    usd_km: float
    lsd_km: float
    slip_rate_mm_yr: float
    slip_source: str
    mmax_cap: float
    gaf_index: tuple[int, ...] = ()          # GEM GAF traces matched to this fault
    moment_length_km: float | None = None    # length for the moment balance (see below)

    def length_km(self) -> float:
        """Trace length [km]; with the GEM geometry, the length of the fault as mapped here
        (the hand trace) so that the moment rate does not grow with the joined trace's
        zig-zags between strands (``moment_length_km``)."""
        if self.moment_length_km is not None:
            return self.moment_length_km
        return float(haversine_km(self.lon[:-1], self.lat[:-1], self.lon[1:],
                                  self.lat[1:]).sum())

    def width_km(self) -> float:
        return (self.lsd_km - self.usd_km) / math.sin(math.radians(self.dip_deg))

    def area_km2(self) -> float:
        return self.length_km() * self.width_km()

    def moment_rate_nm_yr(self) -> float:
        """mu * A * s [N m / yr]."""
        return SHEAR_MODULUS_PA * self.area_km2() * 1e6 * self.slip_rate_mm_yr * 1e-3

    def mchar(self) -> float:
        """Wells & Coppersmith (1994) Mw = 4.07 + 0.98 log10(A), capped at mmax_cap / 8.5."""
        return float(min(4.07 + 0.98 * math.log10(self.area_km2()), self.mmax_cap, MAG_CAP))


def parse_lonlat_points(text: str, *, min_points: int, where: str, kind: str, shown: str,
                        path, fix: str) -> np.ndarray:
    """``'lon lat;lon lat;...'`` as an (n, 2) array of degrees (fault traces, zone polygons).

    ``where`` names the row or zone and ``kind`` the geometry in the error messages; ``shown``
    is the text quoted there.
    """
    try:
        pts = [tuple(float(v) for v in p.split()) for p in str(text).split(";") if p.strip()]
        if len(pts) < min_points or any(len(p) != 2 for p in pts):
            raise ValueError
    except ValueError:
        count = {2: "two", 3: "three"}.get(min_points, str(min_points))
        raise HazardError(f"{where}: {kind} {shown!r} is not 'lon lat;lon lat;...' with at "
                          f"least {count} points", path=path, fix=fix) from None
    arr = np.array(pts)
    if np.any(np.abs(arr[:, 0]) > 180) or np.any(np.abs(arr[:, 1]) > 90):
        raise HazardError(f"{where}: {kind} outside lon/lat degrees", path=path, fix=fix)
    return arr


def _parse_trace(text: str, path, row: int) -> tuple[np.ndarray, np.ndarray]:
    arr = parse_lonlat_points(text, min_points=2, where=f"fault source row {row}",
                              kind="trace", shown=str(text), path=path, fix=_FIX)
    return arr[:, 0], arr[:, 1]


def read_fault_sources(path) -> list[FaultSource]:
    """Read and check a fault-source CSV (columns as the packaged file)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, comment="#", dtype={"fault_id": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise HazardError(f"cannot read the fault-source file: {exc}", path=path,
                          fix=_FIX) from None
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise HazardError(f"fault-source file lacks column(s) {missing}", path=path,
                          fix=f"give the columns {_COLUMNS}")
    out = []
    for i, r in enumerate(df.itertuples(index=False), start=1):
        for col in ("dip_deg", "rake_deg", "usd_km", "lsd_km", "slip_rate_mm_yr", "mmax_cap"):
            v = getattr(r, col)
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                raise HazardError(f"fault {r.fault_id!r} (row {i}) has no {col}", path=path,
                                  fix="give every fault its dip, rake, seismogenic depths, "
                                      "slip rate and mmax_cap (a trace without dip cannot "
                                      "be turned into a fault plane)")
        if not 0 < float(r.dip_deg) <= 90:
            raise HazardError(f"fault {r.fault_id!r}: dip {r.dip_deg} outside (0, 90] deg",
                              path=path, fix=_FIX)
        if not 0 <= float(r.usd_km) < float(r.lsd_km):
            raise HazardError(f"fault {r.fault_id!r}: need 0 <= usd_km < lsd_km", path=path,
                              fix=_FIX)
        if not float(r.slip_rate_mm_yr) > 0:
            raise HazardError(f"fault {r.fault_id!r}: slip rate {r.slip_rate_mm_yr} mm/yr "
                              "must be > 0", path=path,
                              fix="give the published slip rate [mm/yr] > 0, or drop the fault")
        lon, lat = _parse_trace(r.trace, path, i)
        gaf = getattr(r, "gaf_index", None)
        try:
            gaf_t = (() if gaf is None or (isinstance(gaf, float) and math.isnan(gaf))
                     else tuple(int(float(v)) for v in str(gaf).split(";") if v.strip()))
        except ValueError:
            raise HazardError(f"fault {r.fault_id!r}: gaf_index {gaf!r} is not a ';'-separated "
                              "list of integers", path=path, fix=_FIX) from None
        out.append(FaultSource(str(r.fault_id), str(r.name), lon, lat, float(r.dip_deg),
                               float(r.rake_deg), float(r.usd_km), float(r.lsd_km),
                               float(r.slip_rate_mm_yr), str(r.slip_source),
                               float(r.mmax_cap), gaf_t))
    return out


def with_gem_geometry(faults, traces) -> tuple[FaultSource, ...]:
    """The faults with their GEM trace where one is recorded and found (see
    :mod:`carlcities.risk.seismicity.gem_faults`), the moment balance on the hand trace's
    length."""
    out = []
    for f in faults:
        tr = gem_trace(f, traces)
        out.append(f if tr is None else replace(f, lon=tr[0], lat=tr[1],
                                                moment_length_km=f.length_km()))
    return tuple(out)


@lru_cache(maxsize=8)
def load_fault_sources(path: str | None = None, geometry: str = "auto"
                       ) -> tuple[FaultSource, ...]:
    """The packaged fault sources (``risk/data/fault_sources.csv``) or those at ``path``.

    ``geometry="auto"`` (default) uses the GEM Global Active Faults traces recorded for each
    fault (``gaf_index``) when the GEM file is found (shared data, else the packaged extract:
    :func:`carlcities.risk.seismicity.gem_faults.gem_traces_path`); ``"packaged"`` keeps the
    hand-drawn traces of the CSV; ``"gem"`` requires the GEM traces."""
    if geometry not in ("auto", "gem", "packaged"):
        raise HazardError(f"unknown fault geometry={geometry!r}",
                          fix="use 'auto', 'gem' or 'packaged'")
    if path is None:
        with resources.as_file(resources.files("carlcities.risk") / "data"
                               / "fault_sources.csv") as p:
            faults = tuple(read_fault_sources(p))
    else:
        faults = tuple(read_fault_sources(path))
    if geometry == "packaged":
        return faults
    gem = gem_traces_path()
    if gem is None:
        if geometry == "gem":
            raise HazardError("the GEM fault traces were not found",
                              fix="set CARLCITIES_SHARED_DATA to the folder holding "
                                  "faults/gem_gaf_central_asia_traces.geojson")
        return faults
    return with_gem_geometry(faults, read_gem_traces(gem))


def fault_mfd(fault: FaultSource, b: float, *, dm: float = 0.1, mchar_shift: float = 0.0,
              char_fraction: float = CHAR_FRACTION, mmin: float = FAULT_MMIN):
    """Moment-balanced magnitude-frequency distribution of one fault.

    Returns (bin centres [Mw], annual rates [1/yr]); sum(rate * M0(m)) equals the fault's moment
    rate. ``mchar_shift`` moves the characteristic magnitude (logic-tree Mmax branch).
    """
    if not 0 <= char_fraction <= 1:
        raise HazardError("char_fraction must be within [0, 1]", fix="e.g. 0.5")
    mchar = min(fault.mchar() + mchar_shift, MAG_CAP)
    mchar = max(mchar, mmin + 0.4)
    top = mmin + dm * math.floor((mchar - mmin) / dm + 1e-9)   # grid edge at or below Mchar
    char_m = top - dm * (np.arange(3)[::-1] + 0.5)
    gr_m = np.arange(mmin + dm / 2, char_m[0] - dm / 2 + 1e-9, dm)
    m0dot = fault.moment_rate_nm_yr()
    char_r = np.full(3, char_fraction * m0dot / moment_nm(char_m).sum())
    if gr_m.size:
        shape = 10.0 ** (-b * gr_m)
        gr_r = shape * (1 - char_fraction) * m0dot / (shape * moment_nm(gr_m)).sum()
    else:
        gr_r, char_r = np.zeros(0), char_r / char_fraction if char_fraction else char_r
    return np.concatenate([gr_m, char_m]), np.concatenate([gr_r, char_r])


def _densify(fault: FaultSource, lon0: float, lat0: float, step_km: float = 1.0):
    """Points every ``step_km`` along the trace in local km (x east, y north) about (lon0, lat0)."""
    kx = _KM_PER_DEG * math.cos(math.radians(lat0))
    x = (fault.lon - lon0) * kx
    y = (fault.lat - lat0) * _KM_PER_DEG
    seg = np.hypot(np.diff(x), np.diff(y))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    ss = np.arange(0.0, s[-1] + 1e-9, step_km)
    return np.interp(ss, s, x), np.interp(ss, s, y), ss, kx


def fault_event_set(faults, lon: float, lat: float, b: float, *, radius_km: float = 300.0,
                    mchar_shift: float = 0.0, depth_km: float = 10.0) -> EventSet | None:
    """Ruptures of the faults within ``radius_km`` of (lon, lat), each placed at its point
    nearest the site (see the module docstring); None when no fault is that close."""
    mags: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    rates: list[np.ndarray] = []
    for f in faults:
        x, y, ss, kx = _densify(f, lon, lat)
        d = np.hypot(x, y)
        if d.min() > radius_km:
            continue
        m, r = fault_mfd(f, b, mchar_shift=mchar_shift)
        total = ss[-1]
        for mi, ri in zip(m, r):
            length = min(float(wells_coppersmith_rld_km(mi)), total)
            n_pos = max(1, int(math.floor((total - length) / FLOAT_STEP_KM)) + 1)
            starts = np.linspace(0.0, total - length, n_pos)
            i0 = np.searchsorted(ss, starts - 1e-9)
            n_pts = max(1, int(np.searchsorted(ss, length + 1e-9)))
            i0 = np.minimum(i0, ss.size - n_pts)
            win = np.lib.stride_tricks.sliding_window_view(d, n_pts)[i0]
            k = i0 + np.argmin(win, axis=1)
            ok = d[k] <= radius_km
            mags.append(np.full(ok.sum(), mi))
            rates.append(np.full(ok.sum(), ri / n_pos))
            lons.append(lon + x[k[ok]] / kx)
            lats.append(lat + y[k[ok]] / _KM_PER_DEG)
    if not mags or sum(a.size for a in mags) == 0:
        return None
    mag = np.concatenate(mags)
    return EventSet(mag=mag, lon=np.concatenate(lons), lat=np.concatenate(lats),
                    depth_km=np.full(mag.size, depth_km), rate=np.concatenate(rates),
                    rupture_length_km=np.zeros(mag.size))


def near_fault_mask(faults, lon, lat, buffer_km: float = FAULT_BUFFER_KM) -> np.ndarray:
    """True for the points (lon, lat arrays) within ``buffer_km`` of any fault trace."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    near = np.zeros(lon.size, bool)
    for f in faults:
        lo = np.interp(np.linspace(0, 1, 200), np.linspace(0, 1, f.lon.size), f.lon)
        la = np.interp(np.linspace(0, 1, 200), np.linspace(0, 1, f.lat.size), f.lat)
        box = ((lon > lo.min() - 1) & (lon < lo.max() + 1) & (lat > la.min() - 1)
               & (lat < la.max() + 1) & ~near)
        for i in np.flatnonzero(box):
            if haversine_km(lo, la, lon[i], lat[i]).min() <= buffer_km:
                near[i] = True
    return near


# -- intermediate depth ------------------------------------------------------------------------


@dataclass(frozen=True)
class IntraslabSource:
    """Point sources at the catalogue's intermediate-depth hypocentres sharing one GR law."""

    lon: np.ndarray
    lat: np.ndarray
    depth_km: np.ndarray
    b: float
    b_sigma: float
    rate_ref: float       # annual rate of M >= mref over the whole source [1/yr]
    mref: float
    mmax: float
    n_events: int
    source: str


def fit_intraslab(catalogue: pd.DataFrame, *, completeness: dict, end_year: float,
                  source: str = "") -> IntraslabSource:
    """Weichert fit of the intermediate-depth events in ``INTRASLAB_BOX``."""
    lo, la, hi, ha = INTRASLAB_BOX
    c = catalogue[(catalogue["lon"].between(lo, hi)) & (catalogue["lat"].between(la, ha))
                  & (catalogue["depth_km"].between(*INTRASLAB_DEPTH_KM))]
    mmax = min(float(c["mag"].max()) + 0.3, 8.0)
    gr = weichert(c["mag"].to_numpy(), c["decimal_year"].to_numpy(), completeness,
                  end_year=end_year, dm=0.1, mmax=mmax, min_events=20)
    mref = 5.5
    rate = float(gr.cumulative_rate(mref)) if gr.mmin <= mref else float(gr.rate_mmin)
    return IntraslabSource(c["lon"].to_numpy(float), c["lat"].to_numpy(float),
                           c["depth_km"].to_numpy(float), float(gr.b), float(gr.b_sigma), rate,
                           mref, mmax, int(gr.n_events), source)


def write_intraslab(src: IntraslabSource, path) -> Path:
    path = Path(path)
    head = (f"# carlcities intermediate-depth source (Hindu Kush-Pamir, depth "
            f"{INTRASLAB_DEPTH_KM[0]:g}-{INTRASLAB_DEPTH_KM[1]:g} km); b = {src.b:.4f} +/- "
            f"{src.b_sigma:.4f}; rate M>={src.mref} = {src.rate_ref:.6g}/yr; mmax = "
            f"{src.mmax:.1f}; n = {src.n_events}; Weichert 1980; source: {src.source}\n")
    df = pd.DataFrame({"lon": src.lon.round(3), "lat": src.lat.round(3),
                       "depth_km": src.depth_km.round(1)})
    path.write_text(head + df.to_csv(index=False), encoding="utf-8")
    return path


def _read_intraslab(path) -> IntraslabSource:
    text = Path(path).read_text(encoding="utf-8")
    head = text.splitlines()[0]
    try:
        b = float(head.split("b = ")[1].split()[0])
        bs = float(head.split("+/- ")[1].split(";")[0])
        rate = float(head.split("= ")[2].split("/yr")[0])
        mref = float(head.split("rate M>=")[1].split()[0])
        mmax = float(head.split("mmax = ")[1].split(";")[0])
        n = int(head.split("n = ")[1].split(";")[0])
        source = head.split("source: ", 1)[1]
    except (IndexError, ValueError):
        raise HazardError("malformed header of the intermediate-depth source file", path=path,
                          fix="regenerate it: python -m carlcities.risk.sources") from None
    df = pd.read_csv(path, comment="#")
    return IntraslabSource(df["lon"].to_numpy(float), df["lat"].to_numpy(float),
                           df["depth_km"].to_numpy(float), b, bs, rate, mref, mmax, n, source)


@lru_cache(maxsize=2)
def load_intraslab(path: str | None = None) -> IntraslabSource:
    if path is None:
        with resources.as_file(resources.files("carlcities.risk") / "data"
                               / _INTRASLAB_FILE) as p:
            return _read_intraslab(p)
    return _read_intraslab(path)


def intraslab_event_set(src: IntraslabSource, lon: float, lat: float, *, b: float | None = None,
                        mmin: float = 5.0, mmax_shift: float = 0.0, radius_km: float = 400.0,
                        dm: float = 0.1) -> EventSet | None:
    """Events of the intermediate-depth source for a site, each point moved along its azimuth
    from the site to the hypocentral distance sqrt(R_epi^2 + h^2) (so that the epicentral
    distance the hazard code computes is the hypocentral one); None beyond ``radius_km``."""
    bb = src.b if b is None else b
    mmax = min(src.mmax + mmax_shift, MAG_CAP)
    repi = haversine_km(src.lon, src.lat, lon, lat)
    rhyp = np.hypot(repi, src.depth_km)
    keep = rhyp <= radius_km
    if not keep.any():
        return None
    # N(>= m) = A (10^-b m - 10^-b mmax), N(>= mref) = rate_ref, shared by every hypocentre
    amp = src.rate_ref / (10 ** (-bb * src.mref) - 10 ** (-bb * mmax)) / src.lon.size
    edges = np.append(np.arange(mmin, mmax - 1e-9, dm), mmax)
    cum = amp * (10 ** (-bb * edges) - 10 ** (-bb * mmax))
    mags, br = 0.5 * (edges[:-1] + edges[1:]), cum[:-1] - cum[1:]
    az = np.arctan2((src.lat - lat) * _KM_PER_DEG,
                    (src.lon - lon) * _KM_PER_DEG * math.cos(math.radians(lat)))
    px = lon + rhyp * np.cos(az) / (_KM_PER_DEG * math.cos(math.radians(lat)))
    py = lat + rhyp * np.sin(az) / _KM_PER_DEG
    k = np.flatnonzero(keep)
    n = mags.size
    return EventSet(mag=np.tile(mags, k.size), lon=np.repeat(px[k], n),
                    lat=np.repeat(py[k], n), depth_km=np.repeat(src.depth_km[k], n),
                    rate=np.tile(br, k.size), rupture_length_km=np.zeros(n * k.size))


def write_gem_matches(gem_path, csv_path=None, extract_path=None) -> list:
    """Match the fault sources of ``csv_path`` (default: the packaged CSV) with the GEM traces
    at ``gem_path`` on their hand-drawn traces, write the columns gaf_index, gaf_coverage,
    gaf_median_km and gaf_hausdorff_km into the CSV (comment lines kept) and the matched traces
    to ``extract_path`` (default: the packaged extract; CC BY-SA 4.0, attribution included).
    Returns the :class:`~carlcities.risk.seismicity.gem_faults.FaultMatch` list.

    Run: ``python -m carlcities.risk.seismicity.faults ../shared/data/faults/<GEM file>``."""
    from carlcities.risk.seismicity.gem_faults import ATTRIBUTION, EXTRACT_FILE, match_fault

    pkg = Path(str(resources.files("carlcities.risk") / "data"))
    csv_path = Path(csv_path) if csv_path else pkg / "fault_sources.csv"
    extract_path = Path(extract_path) if extract_path else pkg / EXTRACT_FILE
    traces = read_gem_traces(gem_path)
    faults = read_fault_sources(csv_path)
    matches = [match_fault(f, traces) for f in faults]
    text = csv_path.read_text(encoding="utf-8")
    comments = "".join(ln + "\n" for ln in text.splitlines() if ln.startswith("#"))
    df = pd.read_csv(csv_path, comment="#", dtype={"fault_id": str})
    df["gaf_index"] = [";".join(map(str, m.gaf_index)) for m in matches]
    df["gaf_coverage"] = [round(m.coverage, 2) for m in matches]
    df["gaf_median_km"] = [round(m.median_km, 1) if m.matched else None for m in matches]
    df["gaf_hausdorff_km"] = [round(m.hausdorff_km, 1) if m.matched else None
                              for m in matches]
    csv_path.write_text(comments + df.to_csv(index=False), encoding="utf-8")
    used = sorted({i for m in matches for i in m.gaf_index})
    feats = [dict(type="Feature", properties=dict(gaf_index=t.gaf_index),
                  geometry=dict(type="LineString",
                                coordinates=[[float(x), float(y)]
                                             for x, y in zip(t.lon, t.lat)]))
             for t in traces if t.gaf_index in used]
    extract_path.write_text(json.dumps(dict(type="FeatureCollection", attribution=ATTRIBUTION,
                                            license="CC-BY-SA-4.0", features=feats)) + "\n",
                            encoding="utf-8")
    return matches


if __name__ == "__main__":
    import sys

    for m in write_gem_matches(sys.argv[1]):
        print(m.fault_id, m.gaf_index, f"coverage {m.coverage:.2f}",
              f"median {m.median_km:.1f} km, Hausdorff {m.hausdorff_km:.1f} km")
