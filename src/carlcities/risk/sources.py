"""The regional seismic source model: smoothed seismicity on a grid, one b-value, per-cell Mmax.

Catalogue-based area sources around each city (``seismicity.fit_city_source``) are too thin
in Central Asia: within 300 km of Tashkent, Bishkek or Ashgabat the USGS Centennial catalogue
holds fewer than ten complete events, and the b-values fitted to so few events are unstable
(0.2-0.8). This module builds one model for the whole region the way Frankel (1995) did for
the United States:

1. **Catalogue**: the USGS Centennial catalogue (complete M >= 7.0 since 1900, M >= 6.5 since
   1930, M >= 5.5 since 1964, to 2000) joined with the large pre-instrumental events of the
   NOAA NCEI significant-earthquake database (M >= 7.0 before 1900: Belovodsk is M 6.9 and
   stays out; Verny 1887, Chilik 1889 come in), complete for M >= 7.0 since 1850 (assumption:
   the Russian Turkestan settlements recorded every destructive shock from about then).
   Shallow crust only (depth <= 50 km; the Hindu Kush-Pamir intermediate-depth events are a
   separate source class that this model leaves out, as do the EMCA crustal sources).
2. **One regional b-value**: Weichert (1980) maximum likelihood on every complete event of the
   region (hundreds of events, so sigma_b is small).
3. **Smoothed a-values**: a logic tree of three spatial densities, each normalised to the
   regional rate of M >= 5.5, weighted 0.4 / 0.4 / 0.2: (C) a uniform background over the
   cells within 100 km of any complete event (Frankel's background zones), and two Frankel
   models: (A) epicentres of M >= 5.5 since 1964, (B) epicentres of M >= 6.5 since 1930 and M >= 7.0
   since 1850; Gaussian kernel c = 75 km on a 0.2 degree grid (Frankel 1995 used c = 50 and 75 km;
   the wider one here because the catalogue holds only M >= 5.5, which argues for smoothing more:
   c = 50 km gives Almaty 0.31 g but Bishkek 0.07 g, c = 75 km 0.27 g and 0.12 g).
4. **Mmax per cell**: the largest magnitude observed within 150 km + 0.5, at least 7.0 and at
   most 8.5 (the upper limit of BSSA14 and of the Bindi 2011 data).

The model is fitted once from the catalogues (``python -m carlcities.risk.sources
--catalogue CENTENNIAL --catalogue NOAA``) and packaged as ``risk/data/seismic_sources.csv``
(one row per grid cell with a non-negligible rate), so a study runs without the catalogues;
``data.earthquake_catalogue`` refits it from the user's catalogue.

References
----------
Frankel, A. (1995). Mapping seismic hazard in the central and eastern United States. Seismol.
Res. Lett. 66(4):8-21. Weichert, D.H. (1980). BSSA 70(4):1337-1346. Engdahl, E.R.,
Villasenor, A. (2002). Global seismicity: 1900-1999. In: International Handbook of Earthquake
and Engineering Seismology, 665-690.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import HazardError
from ..files import sha256_file
from .seismicity import (
    CENTENNIAL_END_YEAR,
    EventSet,
    haversine_km,
    read_catalogue,
    weichert,
    wells_coppersmith_rld_km,
)

__all__ = ["COMPLETENESS", "SourceModel", "fit_source_model", "load_source_model",
           "event_set_for", "merge_catalogues", "write_source_model", "fit_zones",
           "load_zones", "zones_source_model"]

#: completeness used for the rates: the Centennial table plus M >= 7.0 since 1850 (NOAA)
COMPLETENESS = {5.5: 1964, 6.5: 1930, 7.0: 1850}
END_YEAR = CENTENNIAL_END_YEAR
BBOX = (46.0, 34.0, 90.0, 56.0)         # lon_min, lat_min, lon_max, lat_max [deg]
CELL_DEG = 0.2
KERNEL_KM = 75.0
MMAX_RADIUS_KM = 150.0
MMAX_MIN, MMAX_CAP = 7.0, 8.5
MREF = 5.5
BACKGROUND_KM = 100.0
BRANCH_WEIGHTS = (0.4, 0.4, 0.2)   # (A) M >= 5.5 since 1964, (B) large events, background
MAX_DEPTH_KM = 50.0
DEDUP_KM, DEDUP_YR = 300.0, 0.01  # same event: early locations are poor, dates are not
_FILE = "seismic_sources.csv"
_ZONES_FILE = "seismic_zones.csv"


@dataclass(frozen=True)
class SourceModel:
    """Gridded smoothed seismicity: cell centres, rate of M >= mref, Mmax; one b-value."""

    lon: np.ndarray          # [deg E]
    lat: np.ndarray          # [deg N]
    rate: np.ndarray         # annual rate of M >= mref in the cell [1/yr]
    mmax: np.ndarray         # [M]
    b: float
    b_sigma: float
    mref: float
    n_events: int
    source: str              # catalogues and their sha256

    def total_rate(self) -> float:
        return float(self.rate.sum())


def merge_catalogues(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Centennial events (1900-2000) with the NOAA events of M >= 7.0 before 1900 and those of
    1900 on missing from the Centennial catalogue; shallow only."""
    parts = []
    cent = [df for df in frames if not df.empty and (df["source"] == "usgs_centennial").all()]
    for df in frames:
        if df.empty:
            continue
        if (df["source"] == "usgs_centennial").all():
            parts.append(df)
        else:  # a damage catalogue: its large pre-instrumental events, and the M >= 7.0 events
            # of 1900 on that the Centennial catalogue lacks (no Centennial event within
            # DEDUP_KM and DEDUP_YR: a gap of that catalogue, e.g. 1946 Chatkal M 7.6)
            big = df[df["mag"] >= 7.0]
            keep = big["year"] < 1900
            if cent:
                c = pd.concat(cent, ignore_index=True)
                for i, r in big[big["year"] >= 1900].iterrows():
                    near = ((haversine_km(c["lon"].to_numpy(float), c["lat"].to_numpy(float),
                                          float(r["lon"]), float(r["lat"])) <= DEDUP_KM)
                            & (np.abs(c["decimal_year"].to_numpy(float)
                                      - float(r["decimal_year"])) <= DEDUP_YR))
                    keep.loc[i] = not near.any()
            parts.append(big[keep])
    if not parts:
        raise HazardError("no usable earthquake catalogue given",
                          fix="give the USGS Centennial catalogue (and optionally NOAA NCEI)")
    cat = pd.concat(parts, ignore_index=True)
    depth = cat["depth_km"].fillna(10.0)
    return cat[depth <= MAX_DEPTH_KM].reset_index(drop=True)


def _grid():
    lon = np.arange(BBOX[0] + CELL_DEG / 2, BBOX[2], CELL_DEG)
    lat = np.arange(BBOX[1] + CELL_DEG / 2, BBOX[3], CELL_DEG)
    gx, gy = np.meshgrid(lon, lat)
    return gx.ravel(), gy.ravel()


def _smooth(glon, glat, ev_lon, ev_lat, weight=None) -> np.ndarray:
    """Frankel (1995) Gaussian smoothing of event counts onto the grid, normalised to 1."""
    w = np.ones(ev_lon.size) if weight is None else weight
    dens = np.zeros(glon.size)
    for x, y, wi in zip(ev_lon, ev_lat, w):
        d = haversine_km(glon, glat, x, y)
        k = np.exp(-(d / KERNEL_KM) ** 2)
        s = k.sum()
        if s > 0:
            dens += wi * k / s   # each event keeps its count, spread over nearby cells
    tot = dens.sum()
    return dens / tot if tot > 0 else dens


def fit_source_model(catalogue: pd.DataFrame, source: str = "") -> SourceModel:
    """Fit the regional model (see the module docstring) to a merged catalogue."""
    cat = catalogue[(catalogue["lon"] >= BBOX[0]) & (catalogue["lon"] <= BBOX[2])
                    & (catalogue["lat"] >= BBOX[1]) & (catalogue["lat"] <= BBOX[3])]
    gr = weichert(cat["mag"].to_numpy(), cat["decimal_year"].to_numpy(), COMPLETENESS,
                  end_year=END_YEAR, dm=0.1, mmax=MMAX_CAP, min_events=30)
    rate_ref = float(gr.cumulative_rate(MREF)) if gr.mmin <= MREF else float(
        10 ** (gr.a - gr.b * MREF) - 10 ** (gr.a - gr.b * MMAX_CAP))
    glon, glat = _grid()
    y, m = cat["decimal_year"].to_numpy(), cat["mag"].to_numpy()
    a_sel = (m >= 5.5) & (y >= 1964) & (y < END_YEAR)
    b_sel = (((m >= 6.5) & (y >= 1930)) | ((m >= 7.0) & (y >= 1850))) & (y < END_YEAR)
    if a_sel.sum() < 5 or b_sel.sum() < 5:
        raise HazardError("too few complete events to smooth the seismicity",
                          fix="give a catalogue covering Central Asia (USGS Centennial)")
    lon, lat = cat["lon"].to_numpy(), cat["lat"].to_numpy()
    # background: uniform over the cells within BACKGROUND_KM of any complete event
    near = np.zeros(glon.size, bool)
    for x, yy in zip(lon[a_sel | b_sel], lat[a_sel | b_sel]):
        near |= haversine_km(glon, glat, x, yy) <= BACKGROUND_KM
    bg = near / near.sum()
    wa, wb, wbg = BRANCH_WEIGHTS
    dens = wa * _smooth(glon, glat, lon[a_sel], lat[a_sel]) + \
        wb * _smooth(glon, glat, lon[b_sel], lat[b_sel]) + wbg * bg
    mmax = np.full(glon.size, MMAX_MIN)
    for x, yy, mm in zip(lon, lat, m):
        near = haversine_km(glon, glat, x, yy) <= MMAX_RADIUS_KM
        mmax[near] = np.maximum(mmax[near], min(mm + 0.5, MMAX_CAP))
    keep = dens * rate_ref >= 1e-7     # cells below one M >= 5.5 in 10 Myr are dropped
    return SourceModel(glon[keep], glat[keep], dens[keep] * rate_ref, mmax[keep], float(gr.b),
                       float(gr.b_sigma), MREF, int(gr.n_events), source)


def write_source_model(model: SourceModel, path: Path) -> Path:
    """Write the model as CSV (with a header comment naming the fit)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write(f"# carlcities regional smoothed seismicity (Frankel 1995); b = {model.b:.4f} "
                f"+/- {model.b_sigma:.4f} (Weichert 1980, {model.n_events} events); rate = "
                f"annual rate of M >= {model.mref} in the {CELL_DEG} deg cell; kernel "
                f"{KERNEL_KM} km; source: {model.source}\n")
        w = csv.writer(f)
        w.writerow(["lon", "lat", "rate", "mmax"])
        for x, y, r, mm in zip(model.lon, model.lat, model.rate, model.mmax):
            w.writerow([f"{x:.2f}", f"{y:.2f}", f"{r:.6g}", f"{mm:.1f}"])
    return path


def _read(path: Path) -> SourceModel:
    text = Path(path).read_text(encoding="utf-8").splitlines()
    if not text or not text[0].startswith("#"):
        raise HazardError("not a carlcities seismic source file (no header comment)",
                          path=path, fix="regenerate it: python -m carlcities.risk.sources")
    head = text[0]
    try:
        b = float(head.split("b = ")[1].split()[0])
        b_sigma = float(head.split("+/- ")[1].split()[0])
        n = int(head.split("Weichert 1980, ")[1].split()[0])
        mref = float(head.split("rate of M >= ")[1].split()[0])
        source = head.split("source: ", 1)[1]
    except (IndexError, ValueError):
        raise HazardError("malformed header of the seismic source file", path=path,
                          fix="regenerate it: python -m carlcities.risk.sources") from None
    df = pd.read_csv(path, comment="#")
    if list(df.columns) != ["lon", "lat", "rate", "mmax"] or (df["rate"] < 0).any():
        raise HazardError("seismic source file must have columns lon, lat, rate >= 0, mmax",
                          path=path, fix="regenerate it: python -m carlcities.risk.sources")
    return SourceModel(df["lon"].to_numpy(float), df["lat"].to_numpy(float),
                       df["rate"].to_numpy(float), df["mmax"].to_numpy(float), b, b_sigma,
                       mref, n, source)


@lru_cache(maxsize=4)
def load_source_model(path: str | None = None) -> SourceModel:
    """The packaged model (``risk/data/seismic_sources.csv``), or the one at ``path``."""
    if path is None:
        with resources.as_file(resources.files("carlcities.risk") / "data" / _FILE) as p:
            return _read(p)
    return _read(Path(path))


@lru_cache(maxsize=8)
def model_from_catalogues(paths: tuple[str, ...]) -> SourceModel:
    """Fit the model to the user's catalogue file(s) (cached per process)."""
    frames = [read_catalogue(p) for p in paths]
    sha = ", ".join(f"{Path(p).name} sha256:{sha256_file(p)[:12]}" for p in paths)
    return fit_source_model(merge_catalogues(frames), sha)


def event_set_for(model: SourceModel, lon: float, lat: float, *, radius_km: float = 300.0,
                  mmin: float = 5.0, mag_step: float = 0.1, depth_km: float = 10.0,
                  b: float | None = None, mmax=None, mcap=None) -> EventSet:
    """Point-source events of the cells within ``radius_km`` of (lon, lat).

    Each cell's truncated Gutenberg-Richter distribution (regional b, the cell's Mmax, rate of
    M >= mref scaled to M >= mmin) is cut into bins of ``mag_step`` represented by their centre.
    ``b`` and ``mmax`` (one value per cell of the model) replace the model's (logic-tree
    branches); ``mcap`` (one value per cell) drops the events above it while keeping the
    cell's distribution below (events carried by fault sources). Raises HazardError when no
    cell lies within the radius.
    """
    d = haversine_km(model.lon, model.lat, lon, lat)
    near = d <= radius_km
    if not near.any():
        raise HazardError(f"no seismic source cell within {radius_km:g} km of ({lon:.2f}, "
                          f"{lat:.2f})", fix="widen risk.source_radius_km")
    b = model.b if b is None else float(b)
    cell_mmax = model.mmax if mmax is None else np.minimum(np.asarray(mmax, float), MMAX_CAP)
    cell_cap = cell_mmax if mcap is None else np.minimum(np.asarray(mcap, float), cell_mmax)
    lon_c, lat_c, r_ref = model.lon[near], model.lat[near], model.rate[near]
    mmax_c, cap = cell_mmax[near], cell_cap[near]
    # N(>= m) = A (10^-b m - 10^-b mmax) with N(>= mref) = r_ref, cut at cap; bins of
    # mag_step from mmin, the last one ending at the cell's cap
    amp = r_ref / (10 ** (-b * model.mref) - 10 ** (-b * mmax_c))
    nb = np.maximum(1, np.ceil((cap - mmin) / mag_step - 1e-9).astype(int))
    k = np.arange(int(nb.max()) + 1)
    edges = np.minimum(mmin + mag_step * k[None, :], cap[:, None])
    cum = amp[:, None] * (10 ** (-b * edges) - 10 ** (-b * mmax_c[:, None]))
    br = cum[:, :-1] - cum[:, 1:]
    use = (k[None, :-1] < nb[:, None]) & (cap[:, None] > mmin)
    if not use.any():
        raise HazardError(f"no seismic source cell within {radius_km:g} km of ({lon:.2f}, "
                          f"{lat:.2f}) above M {mmin:g}", fix="lower risk.mmin")
    mids = 0.5 * (edges[:, :-1] + edges[:, 1:])
    rows = np.nonzero(use)[0]
    mag = mids[use]
    return EventSet(mag=mag, lon=lon_c[rows], lat=lat_c[rows],
                    depth_km=np.full(mag.size, float(depth_km)), rate=br[use],
                    rupture_length_km=wells_coppersmith_rld_km(mag))


# -- area zones (the "zones" source branch) ---------------------------------------------------


def fit_zones(catalogue: pd.DataFrame, zones, *, b: float, source: str = "") -> list:
    """Each zone's rate of M >= MREF by :func:`zones.zone_rate_fixed_b` on the complete events
    inside its polygon (the regional ``b``), and its Mmax = the largest magnitude observed in the
    zone + 0.5 within [MMAX_MIN, MMAX_CAP] (the rule of the grid cells)."""
    from dataclasses import replace

    from .seismicity.zones import zone_of_points, zone_rate_fixed_b
    idx = zone_of_points(zones, catalogue["lon"].to_numpy(float),
                         catalogue["lat"].to_numpy(float))
    out = []
    for i, z in enumerate(zones):
        c = catalogue[idx == i]
        mobs = float(c["mag"].max()) if len(c) else MMAX_MIN - 0.5
        mmax = float(min(max(mobs + 0.5, MMAX_MIN), MMAX_CAP))
        rate, n = zone_rate_fixed_b(c["mag"].to_numpy(float), c["decimal_year"].to_numpy(float),
                                    COMPLETENESS, b=b, mref=MREF, mmax=mmax, end_year=END_YEAR)
        out.append(replace(z, rate_mref=rate, mref=MREF, b=b, mmax=round(mmax, 1), n_events=n,
                           depth_km=10.0, source=source or z.source))
    return out


@lru_cache(maxsize=4)
def load_zones(path: str | None = None) -> tuple:
    """The packaged area zones (``risk/data/seismic_zones.csv``) or those at ``path``."""
    from .seismicity.zones import read_zones
    if path is None:
        with resources.as_file(resources.files("carlcities.risk") / "data" / _ZONES_FILE) as p:
            return tuple(read_zones(p))
    return tuple(read_zones(path))


def zones_source_model(grid: SourceModel, zones) -> SourceModel:
    """The "zones" branch as a gridded model: inside the zones, their rates spread uniformly by
    area over the cells of the grid (:func:`zones.grid_from_zones`); outside every zone, the
    smoothed-seismicity cells of ``grid``. The zones must share the grid's b and mref."""
    from .seismicity.zones import grid_from_zones, zone_of_points
    for z in zones:
        if abs(z.b - grid.b) > 1e-3 or abs(z.mref - grid.mref) > 1e-9:
            raise HazardError(f"zone {z.zone_id!r}: b {z.b} / mref {z.mref} differ from the "
                              f"grid's {grid.b:.4f} / {grid.mref}",
                              fix="give the zones the regional b and mref (per-zone b is not "
                                  "supported yet)")
    glon, glat = _grid()
    zr, zm, _ = grid_from_zones(zones, glon, glat)
    inz = zr > 0
    out_grid = zone_of_points(zones, grid.lon, grid.lat) < 0
    return SourceModel(np.concatenate([glon[inz], grid.lon[out_grid]]),
                       np.concatenate([glat[inz], grid.lat[out_grid]]),
                       np.concatenate([zr[inz], grid.rate[out_grid]]),
                       np.concatenate([zm[inz], grid.mmax[out_grid]]), grid.b, grid.b_sigma,
                       grid.mref, grid.n_events, grid.source + "; area zones")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fit the regional seismic source model and write "
                                             "src/carlcities/risk/data/seismic_sources.csv")
    ap.add_argument("--catalogue", action="append", required=True,
                    help="USGS Centennial text and/or NOAA NCEI TSV (repeat)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--zones", action="store_true",
                    help="refit the rates of the area zones in risk/data/seismic_zones.csv")
    a = ap.parse_args(argv)
    model = model_from_catalogues(tuple(a.catalogue))
    if a.zones:
        from .seismicity.zones import write_zones
        cat = merge_catalogues([read_catalogue(p) for p in a.catalogue])
        zs = fit_zones(cat, load_zones(), b=model.b, source="catalogue fit")
        zp = Path(__file__).parent / "data" / _ZONES_FILE
        write_zones(zs, zp, "carlcities area zones: polygons drawn along the tectonic provinces "
                    "(see seismic_sources.md); rate_mref = annual rate of M >= mref by "
                    "maximum likelihood with b fixed at the regional value (Weichert 1980) on "
                    f"the complete events inside the polygon; mmax = largest observed + 0.5 in "
                    f"[{MMAX_MIN}, {MMAX_CAP}]; source: {model.source}")
        for z in zs:
            print(f"{z.zone_id}: n = {z.n_events}, rate M>={z.mref} = {z.rate_mref:.4f}/yr, "
                  f"mmax {z.mmax}")
        return
    out = Path(a.out) if a.out else Path(__file__).parent / "data" / _FILE
    write_source_model(model, out)
    print(f"b = {model.b:.3f} ± {model.b_sigma:.3f} from {model.n_events} events; "
          f"{model.lon.size} cells; rate M>={model.mref} = {model.total_rate():.3f}/yr -> {out}")


if __name__ == "__main__":
    main()
