"""Fault geometry from the GEM Global Active Faults database (Styron & Pagani 2020).

Our 16 fault sources (``risk/data/fault_sources.csv``) were digitised by hand at ~10 km
precision. Where the GEM traces follow them, the GEM geometry replaces the hand-drawn trace:

* matching (:func:`match_fault`): every GEM trace is densified every 1 km and clipped to the
  part within ``BUFFER_KM`` (20 km) of our trace; pieces shorter than ``MIN_PIECE_KM`` (10 km)
  are dropped; the pieces are then taken greedily, closest first (median distance to our
  trace), each only if at least half of the along-strike stretch of our trace that it covers
  is not yet covered (so that of two parallel strands only the closer one is used). A fault is
  matched when the chosen pieces cover at least ``MIN_COVERAGE`` (50 %) of our trace; the
  ``gaf_index`` values and the match distances (median and Hausdorff, km) are recorded in
  ``fault_sources.csv``;
* geometry (:func:`gem_trace`): km by km along our trace, the position on the closest chosen
  piece that covers that stretch (its points interpolated in our along-strike coordinate, so
  parallel strands are not zig-zagged between and overlaps count once), our own trace where no
  piece covers it; about 100 vertices. The new trace thus keeps our fault's extent (and so,
  nearly, its length and moment rate) and takes GEM's position and shape. Dip, rake,
  depths and slip rate stay ours (the GEM copy here has geometry only).

Where the traces are read from: ``$CARLCITIES_SHARED_DATA/faults/``, else ``../shared/data/
faults/`` beside the repository, else the derived extract packaged as
``risk/data/gem_gaf_matched_traces.geojson`` (the matched traces only, CC BY-SA 4.0, with the
attribution in its ``attribution`` member). Without any of them the hand-drawn traces are used.

References
----------
Styron, R., Pagani, M. (2020). The GEM Global Active Faults Database. Earthquake Spectra
36(1_suppl):160-180. https://doi.org/10.1177/8755293020944182 (data: GEMScienceTools/
gem-global-active-faults, CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from carlcities.errors import HazardError
from carlcities.risk.seismicity.catalogue import haversine_km

__all__ = ["GemTrace", "FaultMatch", "read_gem_traces", "match_fault", "gem_trace",
           "gem_traces_path", "GEM_FILE", "EXTRACT_FILE", "BUFFER_KM", "MIN_PIECE_KM",
           "MIN_COVERAGE", "ATTRIBUTION"]

GEM_FILE = "gem_gaf_central_asia_traces.geojson"
EXTRACT_FILE = "gem_gaf_matched_traces.geojson"
BUFFER_KM = 20.0
MIN_PIECE_KM = 10.0
MIN_COVERAGE = 0.5
ATTRIBUTION = ("Fault traces: GEM Global Active Faults Database (Styron & Pagani 2020, "
               "GEMScienceTools/gem-global-active-faults @ 56816508), CC BY-SA 4.0; extract "
               "of the traces matched to the carlcities fault sources, geometry unchanged")
_KM = 111.195
_FIX = ("give a GeoJSON FeatureCollection of LineString / MultiLineString features with a "
        "'gaf_index' property (the GEM GAF layout)")


@dataclass(frozen=True)
class GemTrace:
    gaf_index: int
    lon: np.ndarray
    lat: np.ndarray


@dataclass(frozen=True)
class FaultMatch:
    """The GEM pieces chosen for one fault (empty when unmatched)."""

    fault_id: str
    gaf_index: tuple[int, ...]
    coverage: float          # share of our trace's length covered by the pieces
    median_km: float         # median distance from the pieces' points to our trace [km]
    hausdorff_km: float      # symmetric Hausdorff distance [km], our trace vs the new one
    lon: np.ndarray          # the new trace (empty when unmatched)
    lat: np.ndarray

    @property
    def matched(self) -> bool:
        return len(self.gaf_index) > 0


def read_gem_traces(path) -> list[GemTrace]:
    """The traces of a GEM GAF GeoJSON (one GemTrace per LineString part)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feats = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HazardError(f"cannot read the fault-trace file: {exc}", path=path,
                          fix=_FIX) from None
    out = []
    for i, f in enumerate(feats):
        try:
            idx = int(f["properties"]["gaf_index"])
            geom = f["geometry"]
            parts = ([geom["coordinates"]] if geom["type"] == "LineString"
                     else geom["coordinates"] if geom["type"] == "MultiLineString" else None)
            if parts is None:
                raise ValueError(geom["type"])
            for p in parts:
                a = np.asarray(p, dtype=float)[:, :2]
                if a.shape[0] >= 2:
                    out.append(GemTrace(idx, a[:, 0], a[:, 1]))
        except (KeyError, TypeError, ValueError, IndexError):
            raise HazardError(f"feature {i} is not a line with a 'gaf_index'", path=path,
                              fix=_FIX) from None
    return out


def gem_traces_path() -> Path | None:
    """The full GEM file in the shared data, else the packaged extract, else None."""
    roots = []
    if os.environ.get("CARLCITIES_SHARED_DATA"):
        roots.append(Path(os.environ["CARLCITIES_SHARED_DATA"]))
    roots += [Path.cwd().parent / "shared" / "data",
              Path(__file__).resolve().parents[4].parent / "shared" / "data"]
    for r in roots:
        if (r / "faults" / GEM_FILE).is_file():
            return r / "faults" / GEM_FILE
    with resources.as_file(resources.files("carlcities.risk") / "data" / EXTRACT_FILE) as p:
        return Path(p) if Path(p).is_file() else None


def _densify(lon, lat, lat0: float, step_km: float = 1.0):
    kx = _KM * math.cos(math.radians(lat0))
    x, y = np.asarray(lon) * kx, np.asarray(lat) * _KM
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    ss = np.arange(0.0, s[-1] + 1e-9, step_km) if s[-1] > 0 else np.zeros(1)
    return np.interp(ss, s, lon), np.interp(ss, s, lat), ss


def _hausdorff(alon, alat, blon, blat) -> float:
    d = haversine_km(alon[:, None], alat[:, None], blon[None, :], blat[None, :])
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()))


def match_fault(fault, traces: list[GemTrace], *, buffer_km: float = BUFFER_KM,
                min_piece_km: float = MIN_PIECE_KM,
                min_coverage: float = MIN_COVERAGE) -> FaultMatch:
    """Choose the GEM pieces that follow ``fault``'s trace (see the module docstring)."""
    lat0 = float(np.mean(fault.lat))
    olon, olat, oss = _densify(fault.lon, fault.lat, lat0)
    pieces = []   # (median distance, gaf_index, s_lo, s_hi, lon, lat, s along ours)
    box = (olon.min() - 1, olon.max() + 1, olat.min() - 1, olat.max() + 1)
    for t in traces:
        if (t.lon.max() < box[0] or t.lon.min() > box[1] or t.lat.max() < box[2]
                or t.lat.min() > box[3]):
            continue
        glon, glat, _ = _densify(t.lon, t.lat, lat0)
        d = haversine_km(glon[:, None], glat[:, None], olon[None, :], olat[None, :])
        near = d.min(axis=1)
        keep = near <= buffer_km
        if keep.sum() < min_piece_km:
            continue
        s_at = oss[d.argmin(axis=1)][keep]
        lo, la = glon[keep], glat[keep]
        if s_at[-1] < s_at[0]:       # orient the piece along our trace
            lo, la, s_at = lo[::-1], la[::-1], s_at[::-1]
        pieces.append((float(np.median(near[keep])), t.gaf_index, float(s_at.min()),
                       float(s_at.max()), lo, la, s_at))
    covered = np.zeros(oss.size, bool)
    chosen = []
    for p in sorted(pieces, key=lambda p: (p[0], p[1])):
        span = (oss >= p[2]) & (oss <= p[3])
        if span.sum() >= min_piece_km and (~covered[span]).mean() >= 0.5:
            covered |= span
            chosen.append(p)
    coverage = float(covered.mean())
    if not chosen or coverage < min_coverage:
        return FaultMatch(fault.fault_id, (), coverage, math.nan, math.nan, np.zeros(0),
                          np.zeros(0))
    # the new trace, km by km along ours: the closest chosen piece where one covers the
    # stretch (its points interpolated in our along-strike coordinate), ours elsewhere
    lon, lat = olon.copy(), olat.copy()
    done = np.zeros(oss.size, bool)
    for p in chosen:
        order = np.argsort(p[6], kind="stable")
        sp, first = np.unique(p[6][order], return_index=True)
        at = (oss >= p[2]) & (oss <= p[3]) & ~done
        lon[at] = np.interp(oss[at], sp, p[4][order][first])
        lat[at] = np.interp(oss[at], sp, p[5][order][first])
        done |= at
    pts = np.concatenate([np.c_[p[4], p[5]] for p in chosen])
    near = haversine_km(pts[:, 0, None], pts[:, 1, None], olon[None, :],
                        olat[None, :]).min(axis=1)
    step = max(1, oss.size // 100)     # about 100 vertices
    keep = np.unique(np.r_[np.arange(0, oss.size, step), oss.size - 1])
    return FaultMatch(fault.fault_id, tuple(sorted(int(p[1]) for p in chosen)), coverage,
                      float(np.median(near)), _hausdorff(olon, olat, lon, lat), lon[keep],
                      lat[keep])


def gem_trace(fault, traces: list[GemTrace]) -> tuple[np.ndarray, np.ndarray] | None:
    """The joined GEM trace (lon, lat) of ``fault`` from the pieces recorded for it (its
    ``gaf_index``), or None when the fault has none or a recorded trace is missing."""
    wanted = set(getattr(fault, "gaf_index", ()) or ())
    if not wanted:
        return None
    have = [t for t in traces if t.gaf_index in wanted]
    if {t.gaf_index for t in have} != wanted:
        return None
    m = match_fault(fault, have, min_coverage=0.0)
    return (m.lon, m.lat) if m.matched else None
