"""The regional earthquake source model as a logic tree, and its classical hazard at a site.

Sources (see docs/risk.md, "Seismic source model"):

* distributed seismicity: the smoothed-seismicity grid of :mod:`carlcities.risk.sources`
  (Frankel 1995 on the USGS Centennial and NOAA catalogues; regional b by Weichert 1980);
* fault sources: :mod:`carlcities.risk.seismicity.faults` (moment balance of published slip
  rates, characteristic + truncated Gutenberg-Richter, M >= 6.0 on the faults, the grid capped
  at M 6.0 within 20 km of a modelled trace);
* intermediate-depth seismicity of the Hindu Kush-Pamir (catalogue events deeper than 70 km).

* area zones: :mod:`carlcities.risk.seismicity.zones` (uniform rate within six tectonic
  provinces, rates by maximum likelihood with the regional b on the same catalogue), the grid
  outside them.

Logic tree (branch weights sum to one in each set):

* source model: ``grid`` (distributed seismicity and intermediate depth only; weight 0.15),
  ``grid+faults`` (the grid capped near the faults, plus the faults; weight 0.35),
  ``zones+faults`` (the area zones, the grid outside them, capped near the faults, plus the
  faults; weight 0.5);
* Mmax: the grid cells' Mmax and the faults' characteristic magnitude shifted by -0.3, 0,
  +0.3 (weights 0.2, 0.6, 0.2);
* b-value: b - 1.645 sigma_b, b, b + 1.645 sigma_b with weights 0.185, 0.63, 0.185 (the
  three-point discretisation of a normal distribution of Keefer & Bodily 1983), on the grid's
  regional b (faults use the same b for their Gutenberg-Richter part);
* ground-motion model: BSSA14, CY14 and ASK14 (Boore et al. 2014, Chiou & Youngs 2014,
  Abrahamson et al. 2014; :mod:`carlcities.risk.gmpe`, :mod:`carlcities.risk.nga_west2`) with
  equal weights 1/3: the USGS 2014 national model gives the NGA-West2 models of active shallow
  crust equal weights (0.22 each for ASK14, BSSA14, CB14, CY14, Petersen et al. 2014, USGS
  OFR 2014-1091), and ESHM20 and the GEM regional models likewise give no NGA-West2 model
  precedence; renormalised to the three implemented here. The same three apply to the
  intermediate-depth source (at the hypocentral distance, as BSSA14 did before).

3 x 3 x 3 x 3 = 81 branches. The P(IM > x | m, r) of each ground-motion model is tabulated once
per process on a (magnitude, ln distance) grid (:func:`carlcities.risk.seismicity.poe_table`)
and each branch's rates are spread onto its nodes (``rates_on_nodes``): the branches differing
in b and in the ground-motion model then cost one matrix product each.

Mean hazard curve = weighted mean of the branch curves (annual rates); fractile curves = weighted
quantiles of the branch rates level by level (the OpenQuake convention); the PGA at a return
period is read on the mean and on the 16 % and 84 % fractile curves.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from carlcities.errors import HazardError
from carlcities.risk import sources
from carlcities.risk.seismicity import EventSet, level_at_return_period
from carlcities.risk.seismicity.faults import (
    FAULT_MMIN,
    fault_event_set,
    intraslab_event_set,
    load_fault_sources,
    load_intraslab,
    near_fault_mask,
)
from carlcities.risk.seismicity.hazard_curves import poe_table, rates_on_nodes, site_distance

__all__ = ["Branch", "BRANCHES", "branch_event_sets", "central_event_set", "site_hazard",
           "weighted_quantile", "METHOD_VERSION", "PGA_LEVELS"]

METHOD_VERSION = ("eq-source-model 3.1 (grid | area zones, + faults + intermediate depth, "
                  "BSSA14 | CY14 | ASK14, 81-branch tree)")
#: smoothed seismicity and area zones weighted equally (EMCA ran both families, Ullah et al.
#: 2015); within the smoothed family the 0.3 / 0.7 split of model 2.0
SOURCE_BRANCHES = (("grid", 0.15), ("grid+faults", 0.35), ("zones+faults", 0.5))
MMAX_BRANCHES = ((-0.3, 0.2), (0.0, 0.6), (0.3, 0.2))
B_BRANCHES = ((-1.645, 0.185), (0.0, 0.63), (1.645, 0.185))
GMPE_BRANCHES = (("bssa2014", 1 / 3), ("cy2014", 1 / 3), ("ask2014", 1 / 3))
PGA_LEVELS = np.geomspace(1e-3, 4.0, 80)


@dataclass(frozen=True)
class Branch:
    source: str
    mmax_shift: float
    b_sigma: float           # b shift in units of sigma_b
    gmpe: str
    weight: float

    @property
    def label(self) -> str:
        return (f"{self.source}|mmax{self.mmax_shift:+.1f}|b{self.b_sigma:+.3f}s|"
                f"{self.gmpe}")


BRANCHES: tuple[Branch, ...] = tuple(
    Branch(s, m, bs, g, ws * wm * wb * wg)
    for (s, ws), (m, wm), (bs, wb), (g, wg) in itertools.product(
        SOURCE_BRANCHES, MMAX_BRANCHES, B_BRANCHES, GMPE_BRANCHES))


_NEAR: dict[tuple[str, int, float, float], np.ndarray] = {}


def _fingerprint(faults) -> float:
    """A number that changes with the fault set and its geometry (cache keys)."""
    return float(len(faults) + sum(float(f.lon.sum() + 7.0 * f.lat.sum()) for f in faults))


def _near_fault_cells(model) -> np.ndarray:
    """Grid cells within the fault buffer (cached per model and fault set)."""
    faults = load_fault_sources()
    key = (model.source, model.lon.size, float(model.rate.sum()), _fingerprint(faults))
    if key not in _NEAR:
        _NEAR[key] = near_fault_mask(faults, model.lon, model.lat)
    return _NEAR[key]


def _concat(parts: list[EventSet]) -> EventSet:
    rl = [p.rupture_length_km if p.rupture_length_km is not None else np.zeros(p.mag.size)
          for p in parts]
    return EventSet(mag=np.concatenate([p.mag for p in parts]),
                    lon=np.concatenate([p.lon for p in parts]),
                    lat=np.concatenate([p.lat for p in parts]),
                    depth_km=np.concatenate([p.depth_km for p in parts]),
                    rate=np.concatenate([p.rate for p in parts]),
                    rupture_length_km=np.concatenate(rl))


_ZONED: dict[tuple[str, int, float, float], tuple] = {}


def _zoned(model):
    """The "zones" gridded model for ``model`` (area zones inside, the grid outside) and its
    near-fault mask (cached per model)."""
    key = (model.source, model.lon.size, float(model.rate.sum()),
           _fingerprint(load_fault_sources()))
    if key not in _ZONED:
        zm = sources.zones_source_model(model, sources.load_zones())
        _ZONED[key] = (zm, near_fault_mask(load_fault_sources(), zm.lon, zm.lat))
    return _ZONED[key]


def _branch_set(model, lon, lat, br: Branch, *, radius_km: float, mmin: float,
                near=None) -> EventSet | None:
    if br.source.startswith("zones"):
        model, near = _zoned(model)
    b = model.b + br.b_sigma * model.b_sigma
    mmax = model.mmax + br.mmax_shift
    mcap = None
    parts: list[EventSet] = []
    if br.source.endswith("+faults"):
        if near is None:
            near = near_fault_mask(load_fault_sources(), model.lon, model.lat)
        mcap = np.where(near, FAULT_MMIN, np.inf)
        fs = fault_event_set(load_fault_sources(), lon, lat, b, radius_km=radius_km,
                             mchar_shift=br.mmax_shift)
        if fs is not None:
            parts.append(fs)
    try:
        parts.append(sources.event_set_for(model, lon, lat, radius_km=radius_km, mmin=mmin,
                                           b=b, mmax=mmax, mcap=mcap))
    except HazardError:
        pass
    slab = load_intraslab()
    ds = intraslab_event_set(slab, lon, lat, b=slab.b + br.b_sigma * slab.b_sigma,
                             mmin=mmin, mmax_shift=br.mmax_shift,
                             radius_km=min(radius_km + 100.0, 390.0))
    if ds is not None:
        parts.append(ds)
    return _concat(parts) if parts else None


def branch_event_sets(lon: float, lat: float, *, radius_km: float = 300.0, mmin: float = 5.0,
                      model=None) -> list[tuple[Branch, EventSet | None]]:
    """Every branch's event set for a site (None where a branch has no source in range)."""
    model = sources.load_source_model() if model is None else model
    near = _near_fault_cells(model)
    built: dict[tuple[str, float, float], EventSet | None] = {}  # the GMPE leaves the set
    out = []
    for br in BRANCHES:
        key = (br.source, br.mmax_shift, br.b_sigma)
        if key not in built:
            built[key] = _branch_set(model, lon, lat, br, radius_km=radius_km, mmin=mmin,
                                     near=near)
        out.append((br, built[key]))
    return out


def central_event_set(lon: float, lat: float, *, radius_km: float = 300.0, mmin: float = 5.0,
                      model=None) -> EventSet:
    """The event set of the central branch (grid+faults, Mmax and b at their best estimates):
    the one the event-based loss engine samples."""
    model = sources.load_source_model() if model is None else model
    near = _near_fault_cells(model)
    br = Branch("grid+faults", 0.0, 0.0, "bssa2014", 1.0)
    es = _branch_set(model, lon, lat, br, radius_km=radius_km, mmin=mmin, near=near)
    if es is None:
        raise HazardError(f"no seismic source within {radius_km:g} km of ({lon:.2f}, "
                          f"{lat:.2f})", fix="widen risk.source_radius_km")
    return es


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Weighted quantile along axis 0 (branches): the smallest value whose cumulative weight
    reaches q (values (n_branch, n_level), weights (n_branch,))."""
    order = np.argsort(values, axis=0)
    v = np.take_along_axis(values, order, axis=0)
    cw = np.cumsum(weights[order], axis=0) / weights.sum()
    idx = (cw < q - 1e-12).sum(axis=0)
    idx = np.minimum(idx, values.shape[0] - 1)
    return np.take_along_axis(v, idx[None, :], axis=0)[0]


def _level(levels, lam, T: float) -> float:
    if lam[0] < 1.0 / T:
        return 0.0       # below the lowest level: reported as 0 with the curve's range noted
    return level_at_return_period(levels, lam, T)


_POE: dict[tuple, np.ndarray] = {}


def _poe(gmpe: str, vs30: float, levels) -> np.ndarray:
    """P(PGA > x | m, r) node table of one model (cached per model, Vs30 and levels)."""
    lv = np.asarray(levels, dtype=float)
    key = (gmpe, float(vs30), lv.size, float(lv[0]), float(lv[-1]), float(lv.sum()))
    if key not in _POE:
        _POE[key] = poe_table(gmpe, "PGA", vs30, lv)
    return _POE[key]


def site_hazard(lon: float, lat: float, *, radius_km: float = 300.0, mmin: float = 5.0,
                vs30: float = 760.0, return_periods=(475.0, 2475.0), model=None,
                levels=PGA_LEVELS) -> dict:
    """Classical PGA hazard of the logic tree at one site.

    Returns dict(levels, mean, p16, p84 (curves [1/yr]), branches (n_branch x n_level),
    weights, and for each return period T: ``pga{T}_mean``, ``pga{T}_p16``, ``pga{T}_p84`` [g]).
    """
    sets = branch_event_sets(lon, lat, radius_km=radius_km, mmin=mmin, model=model)
    w = np.array([br.weight for br, _ in sets])
    curves = np.zeros((len(sets), levels.size))
    # branches differing only in b and the GMPE share magnitudes and positions: one spread of
    # their rates onto the nodes per (source, Mmax), one product per ground-motion model
    groups: dict[tuple[str, float], list[int]] = {}
    for i, (br, es) in enumerate(sets):
        if es is not None:
            groups.setdefault((br.source, br.mmax_shift), []).append(i)
    for idx in groups.values():
        es0 = sets[idx[0]][1]
        assert es0 is not None
        d = site_distance(es0, lon, lat, "line_random_strike")
        b_keys = sorted({sets[i][0].b_sigma for i in idx})
        rate_rows = []
        for bk in b_keys:
            es = next(sets[i][1] for i in idx if sets[i][0].b_sigma == bk)
            assert es is not None and es.mag.size == es0.mag.size
            rate_rows.append(es.rate)
        node_rates = rates_on_nodes(es0.mag, d, np.array(rate_rows))
        nz = np.flatnonzero(node_rates.any(axis=0))
        by_gmpe = {g: node_rates[:, nz] @ _poe(g, vs30, levels)[nz]
                   for g in {sets[i][0].gmpe for i in idx}}
        for i in idx:
            br = sets[i][0]
            curves[i] = by_gmpe[br.gmpe][b_keys.index(br.b_sigma)]
    mean = (w[:, None] * curves).sum(axis=0) / w.sum()
    out = dict(levels=levels, mean=mean, p16=weighted_quantile(curves, w, 0.16),
               p84=weighted_quantile(curves, w, 0.84), branches=curves, weights=w)
    for T in return_periods:
        t = int(T)
        for k in ("mean", "p16", "p84"):
            out[f"pga{t}_{k}"] = _level(levels, out[k], T)
    return out
