"""OpenQuake event-based outputs as input to the event-based losses: ruptures and
ground-motion fields.

Recognised layouts (OpenQuake engine 3.11 and later, ``oq export``; checked against the
exporters of engine 3.26, ``openquake/calculators/export/hazard.py``):

* ruptures (``ruptures_*.csv``): a first comment line holding ``investigation_time=...`` and
  ``ses_per_logic_tree_path=...``, then comma-separated ``rup_id, source_id, multiplicity,
  mag, centroid_lon, centroid_lat, centroid_depth, trt, strike, dip, rake`` (``model`` may
  follow). Each rupture occurs ``multiplicity`` times in T = investigation_time x
  ses_per_logic_tree_path years: its annual rate is multiplicity / T. Engines before 3.11
  wrote a tab-separated file with ``rupid`` and a ``boundary`` column: refused with the fix;
* ground-motion fields (``gmf-data_*.csv``): a comment line, then ``event_id, site_id`` (or
  ``custom_site_id``) and ``gmv_<IMT>`` columns [g]; the sites in ``sitemesh_*.csv`` beside it
  (comment line, then ``site_id`` or ``custom_site_id``, ``lon``, ``lat``). Fields below the
  calculation's minimum intensity are not stored: missing (event, site) pairs are 0. The
  events' annual rate is 1 / T with T from the ruptures file of the same calculation (or given).
  Older layouts (``rlzi``, ``sid``, ``eid`` columns) are refused with the fix.

:func:`gmf_ground_motion` turns a GMF table into the ``gm`` callable of
:func:`carlcities.risk.losses.run_event_based`: the losses then use the user's fields as they
are (no ground-motion model, no further variability; the site effects are those of the user's
calculation).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carlcities.errors import HazardError

__all__ = ["OQRuptures", "OQGmfs", "read_oq_ruptures", "read_oq_gmfs", "find_sitemesh",
           "gmf_ground_motion", "events_years", "GmfGroundMotion", "GMF_MAX_SITE_KM"]

#: Largest distance from an exposure site to its nearest GMF site [km]
GMF_MAX_SITE_KM = 10.0
_RUP_COLS = ["rup_id", "multiplicity", "mag", "centroid_lon", "centroid_lat", "centroid_depth"]
_FIX_EXPORT = ("export it with OpenQuake engine 3.11 or later (oq export ruptures / oq export "
               "gmf_data), keeping the first comment line")


@dataclass(frozen=True)
class OQRuptures:
    rup_id: np.ndarray
    mag: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    depth_km: np.ndarray
    rake: np.ndarray
    rate: np.ndarray          # multiplicity / years [1/yr]
    years: float              # investigation_time x ses_per_logic_tree_path
    source: str


@dataclass(frozen=True)
class OQGmfs:
    event_id: np.ndarray      # (n_event,)
    site_lon: np.ndarray      # (n_site,)
    site_lat: np.ndarray
    gmv: np.ndarray           # (n_event, n_site) [g], 0 where not stored
    imt: str
    source: str


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline()
    except OSError as exc:
        raise HazardError(f"cannot read the OpenQuake CSV: {exc}", path=path,
                          fix="check the path in the configuration") from None


def _meta_float(first: str, key: str, path: Path) -> float:
    m = re.search(key + r"\s*=\s*'?([0-9.eE+-]+)", first)
    if not m:
        raise HazardError(f"OpenQuake ruptures CSV has no {key} in its first (comment) line",
                          path=path, fix=_FIX_EXPORT)
    return float(m.group(1))


def read_oq_ruptures(path) -> OQRuptures:
    """Ruptures of an OpenQuake event-based calculation (see the module docstring)."""
    path = Path(path)
    first = _first_line(path)
    if not first.startswith("#"):
        raise HazardError("the file does not start with the OpenQuake comment line",
                          path=path, fix=_FIX_EXPORT)
    t = _meta_float(first, "investigation_time", path) * _meta_float(
        first, "ses_per_logic_tree_path", path)
    df = pd.read_csv(path, comment="#", sep=None, engine="python")
    cols = [c.strip() for c in df.columns]
    df.columns = cols
    if "rupid" in cols or "boundary" in cols:
        raise HazardError("OpenQuake ruptures CSV in the layout of an engine before 3.11 "
                          "('rupid', 'boundary', tab-separated)", path=path, fix=_FIX_EXPORT)
    missing = [c for c in _RUP_COLS if c not in cols]
    if missing:
        raise HazardError(f"OpenQuake ruptures CSV lacks column(s) {missing} (has {cols})",
                          path=path, fix=_FIX_EXPORT)
    if not t > 0 or df.empty:
        raise HazardError("the ruptures file holds no rupture or no positive duration",
                          path=path, fix=_FIX_EXPORT)
    mult = df["multiplicity"].to_numpy(float)
    mag = df["mag"].to_numpy(float)
    if np.any(~np.isfinite(mag)) or np.any(mult < 1):
        raise HazardError("ruptures with a missing magnitude or a multiplicity below 1",
                          path=path, fix=_FIX_EXPORT)
    rake = df["rake"].to_numpy(float) if "rake" in cols else np.zeros(mag.size)
    return OQRuptures(df["rup_id"].to_numpy(), mag, df["centroid_lon"].to_numpy(float),
                      df["centroid_lat"].to_numpy(float),
                      df["centroid_depth"].to_numpy(float), rake, mult / t, t,
                      f"OpenQuake ruptures {path.name} ({len(df)} ruptures, {t:g} yr)")


def find_sitemesh(gmf_path) -> Path:
    """``sitemesh_N.csv`` beside ``gmf-data_N.csv``, else the only ``sitemesh*.csv`` there."""
    gmf_path = Path(gmf_path)
    m = re.search(r"_(\d+)\.csv$", gmf_path.name)
    if m and (gmf_path.parent / f"sitemesh_{m.group(1)}.csv").is_file():
        return gmf_path.parent / f"sitemesh_{m.group(1)}.csv"
    hits = sorted(gmf_path.parent.glob("sitemesh*.csv"))
    if len(hits) != 1:
        raise HazardError(f"no single sitemesh CSV beside the ground-motion fields (found "
                          f"{len(hits)})", path=gmf_path,
                          fix="export gmf_data with oq export: it writes sitemesh_N.csv "
                              "beside gmf-data_N.csv; keep them in the same folder")
    return hits[0]


def read_oq_gmfs(path, imt: str, *, sitemesh=None) -> OQGmfs:
    """Ground-motion fields of one IMT ("PGA", "SA(1.0)", ...) as an (event x site) table."""
    path = Path(path)
    first = _first_line(path)
    if not first.startswith("#"):
        raise HazardError("the file does not start with the OpenQuake comment line",
                          path=path, fix=_FIX_EXPORT)
    df = pd.read_csv(path, comment="#")
    cols = [c.strip() for c in df.columns]
    df.columns = cols
    if {"rlzi", "sid", "eid"} & set(cols):
        raise HazardError("OpenQuake ground-motion fields in the layout of an engine before "
                          f"3.11 (columns {cols})", path=path, fix=_FIX_EXPORT)
    sid = "site_id" if "site_id" in cols else "custom_site_id" if "custom_site_id" in cols \
        else None
    if "event_id" not in cols or sid is None:
        raise HazardError(f"ground-motion fields need event_id and site_id columns (has "
                          f"{cols})", path=path, fix=_FIX_EXPORT)
    col = f"gmv_{imt}"
    if col not in cols:
        have = [c[4:] for c in cols if c.startswith("gmv_")]
        raise HazardError(f"the ground-motion fields have no {imt} (they hold {have})",
                          path=path, fix=f"run the OpenQuake calculation with {imt} among "
                                         "the intensity measure types (the vulnerability's "
                                         "IMT and, for deaths, the fatality model's)")
    sm_path = Path(sitemesh) if sitemesh else find_sitemesh(path)
    sm = pd.read_csv(sm_path, comment="#")
    sm.columns = [c.strip() for c in sm.columns]
    if sid not in sm.columns or not {"lon", "lat"} <= set(sm.columns):
        raise HazardError(f"the site mesh has no {sid}, lon, lat columns", path=sm_path,
                          fix=_FIX_EXPORT)
    sites = {s: i for i, s in enumerate(sm[sid].tolist())}
    try:
        si = np.array([sites[s] for s in df[sid].tolist()], dtype=np.int64)
    except KeyError as exc:
        raise HazardError(f"site {exc.args[0]!r} of the fields is not in the site mesh",
                          path=path, fix=f"use the sitemesh file of the same calculation "
                                         f"({sm_path.name})") from None
    events, ei = np.unique(df["event_id"].to_numpy(), return_inverse=True)
    vals = df[col].to_numpy(float)
    if np.any(~np.isfinite(vals)) or np.any(vals < 0) or np.nanmax(vals, initial=0) > 5.0:
        raise HazardError(f"{col} holds values that are not accelerations in [g] (negative, "
                          "missing or above 5 g)", path=path, fix=_FIX_EXPORT)
    table = np.zeros((events.size, len(sites)))
    table[ei, si] = vals
    return OQGmfs(events, sm["lon"].to_numpy(float), sm["lat"].to_numpy(float), table, imt,
                  f"OpenQuake ground-motion fields {path.name} ({events.size} events, "
                  f"{len(sites)} sites, {imt})")


class GmfGroundMotion:
    """The ``gm`` callable of :func:`carlcities.risk.losses.run_event_based` on the user's
    fields (see :func:`gmf_ground_motion`)."""

    def __init__(self, fields: dict[str, OQGmfs], site_lon, site_lat, max_km: float):
        first = next(iter(fields.values()))
        for f in fields.values():
            if f.event_id.size != first.event_id.size or np.any(f.event_id != first.event_id):
                raise HazardError("the IMTs of the ground-motion fields hold different events",
                                  path=f.source, fix="give fields of one calculation")
        self.fields, self.max_km, self._mesh = fields, max_km, first
        self.near = self.nearest(site_lon, site_lat)

    def nearest(self, lon, lat) -> np.ndarray:
        """Index of the nearest GMF site of each point (an error beyond ``max_km``)."""
        from carlcities.risk.seismicity.catalogue import haversine_km

        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        out = np.empty(lon.size, np.int64)
        f = self._mesh
        for c0 in range(0, lon.size, 256):
            d = haversine_km(f.site_lon[None, :], f.site_lat[None, :],
                             lon[c0:c0 + 256, None], lat[c0:c0 + 256, None])
            out[c0:c0 + 256] = d.argmin(axis=1)
            far = d.min(axis=1) > self.max_km
            if far.any():
                raise HazardError(
                    f"{int(far.sum())} exposure site(s) lie more than {self.max_km:g} km from "
                    f"every site of the ground-motion fields ({f.source}): the fields do not "
                    "cover the city", fix="run the OpenQuake calculation on a site mesh that "
                                          "covers the city (e.g. the exposure's locations)")
        return out

    def field(self, imt: str, rows, near) -> np.ndarray:
        """ln ground motion [ln g] of events ``rows`` at GMF sites ``near`` (n_row, n_near); a
        field not stored (below the calculation's minimum intensity) is 1e-12 g, below any
        vulnerability curve's first level (the engine wants finite values)."""
        if imt not in self.fields:
            raise HazardError(f"no ground-motion fields in {imt}",
                              fix=f"give fields with gmv_{imt}")
        rows = np.asarray(rows, float).astype(np.int64)
        return np.log(np.maximum(self.fields[imt].gmv[rows][:, near], 1e-12))

    def __call__(self, imt, mag, rjb_km, vs30):
        mean_ln = self.field(imt, mag, self.near)
        shape = np.broadcast(mean_ln, np.asarray(rjb_km)).shape
        return (np.broadcast_to(mean_ln, shape), np.zeros((mean_ln.shape[0], 1)),
                np.zeros(shape))


def gmf_ground_motion(fields: dict[str, OQGmfs], site_lon, site_lat, *,
                      max_km: float = GMF_MAX_SITE_KM) -> GmfGroundMotion:
    """The ``gm`` callable of :func:`carlcities.risk.losses.run_event_based` on the user's
    fields: every site (``site_lon``/``site_lat`` in the engine's site order: the sorted
    unique exposure sites) takes the field of its nearest GMF site (an error when that is
    farther than ``max_km``). The events must be passed with ``mag`` = their row in the
    tables (0 ... n_event - 1); tau = phi = 0, so the engine adds no variability.

    ``fields`` maps each IMT the run needs to its table (same events, same site mesh)."""
    return GmfGroundMotion(fields, site_lon, site_lat, max_km)


def events_years(ruptures: OQRuptures | None, years: float | None, where: str) -> float:
    """The duration T the fields represent: the ruptures file's, else ``years``."""
    if ruptures is not None:
        return ruptures.years
    if years is None or not (isinstance(years, (int, float)) and math.isfinite(years)
                             and years > 0):
        raise HazardError("the ground-motion fields need the duration they represent",
                          path=where, fix="give data.hazard_ruptures (the ruptures CSV of the "
                                          "same calculation) or data.hazard_gmf_years")
    return float(years)
