"""The event-based and scenario loss engine: prepare the assets, sample ground motion
per chunk of events, look up the curves, sum losses into an event loss table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from carlcities.errors import DefaultUsedWarning, RiskInputError
from carlcities.risk import metrics as M
from carlcities.risk.exposure import Exposure
from carlcities.risk.losses.inputs import LOSS_TYPES, CurveSet, EventSet, epicentral_distance_km
from carlcities.risk.losses.kernels import (
    csr_par,
    csr_ser,
    dense2_par,
    dense2_ser,
    dense_par,
    dense_ser,
    sample,
    site_ser,
    site_slots,
)
from carlcities.risk.losses.results import EventBasedResult, EventLossTable, ScenarioResult

__all__ = [
    "EventLossTable", "EventBasedResult", "ScenarioResult", "run_event_based", "scenario_losses",
    "event_losses_from_intensity", "default_chunk_events", "stream_blocks",
]


_GM_BYTES_PER_CELL = 24  # rjb, mean_ln, phi: three float64 arrays of chunk × sites
_CHUNK_MEMORY = 32e6     # bytes of ground-motion arrays per chunk by default
_BUCKETS = 512           # buckets of the curve search table
# ----------------------------------------------------------------------------- preparation
@dataclass(eq=False)
class _Assets:
    """The asset table sorted by site, as the kernels read it."""

    order: np.ndarray           # position in the exposure of each sorted asset
    sites: np.ndarray           # site number of each unique site (sorted)
    site_ptr: np.ndarray        # (n_sites + 1) asset ranges
    site_lon: np.ndarray
    site_lat: np.ndarray
    a_cidx: np.ndarray          # (n_assets, n_cols) curve row, −1 = none
    a_val: np.ndarray           # (n_assets, n_cols) value [USD, buildings, persons]
    columns: tuple[str, ...]
    t_iml: np.ndarray
    t_lr: np.ndarray
    t_n: np.ndarray
    t_seg: np.ndarray           # (n_curves, _BUCKETS) segment at each bucket's left edge
    t_inv: np.ndarray           # (n_curves,) buckets per IMT unit
    t_slope: np.ndarray         # (n_curves, width) slope of each segment (np.interp's)
    exposed: dict[str, float]


def _prepare(exposure: Exposure, curves: CurveSet | Mapping[str, CurveSet],
             fatality_curves: CurveSet | None, time_of_day: str, with_buildings: bool,
             imt: str | None, fatality_imt: str | None = None) -> _Assets:
    if len(exposure) == 0:
        raise RiskInputError("the exposure has no assets", fix="check the exposure input")
    order = np.argsort(exposure.site, kind="stable")
    site_sorted = exposure.site[order]
    sites, first = np.unique(site_sorted, return_index=True)
    site_ptr = np.append(first, site_sorted.size).astype(np.int64)
    names = exposure.taxonomies
    sets: list[tuple[str, CurveSet, np.ndarray]] = []
    if isinstance(curves, CurveSet):
        sets.append(("total", curves, exposure.value_total[order]))
    else:
        for lt, cs in curves.items():
            if lt not in LOSS_TYPES:
                raise RiskInputError(f"unknown loss type {lt!r} in the curves",
                                     fix=f"use {', '.join(LOSS_TYPES)}")
            sets.append((lt, cs, exposure.value(lt)[order]))
    loss_sets = list(sets)
    if with_buildings:
        sets.append(("buildings", loss_sets[0][1], exposure.buildings[order]))
    if fatality_curves is not None:
        sets.append(("fatalities", fatality_curves, exposure.occupants(time_of_day)[order]))
    for name, cs, _ in sets:
        want = fatality_imt if name == "fatalities" and fatality_imt else imt
        if want is not None and cs.imt and want != cs.imt:
            raise RiskInputError(f"{name} curves are for {cs.imt!r}, the run for {want!r}",
                                 fix="use curves of the intensity measure of the run")
    width = max(cs.imls.shape[1] for _, cs, _ in sets)
    uniq: list[CurveSet] = []
    offs: list[int] = []
    for _, cs, _ in sets:
        if not any(cs is u for u in uniq):
            offs.append(sum(len(u.taxonomies) for u in uniq))
            uniq.append(cs)
    t_iml = np.vstack([np.pad(u.imls, ((0, 0), (0, width - u.imls.shape[1])), mode="edge")
                       for u in uniq])
    t_lr = np.vstack([np.pad(u.ratios, ((0, 0), (0, width - u.ratios.shape[1])), mode="edge")
                      for u in uniq])
    t_n = np.concatenate([u.n_levels for u in uniq]).astype(np.int64)
    tax_sorted = exposure.taxonomy[order]
    a_cidx = np.empty((order.size, len(sets)), dtype=np.int32)
    a_val = np.empty((order.size, len(sets)))
    for k, (name, cs, val) in enumerate(sets):
        off = offs[[i for i, u in enumerate(uniq) if u is cs][0]]
        a_cidx[:, k] = (cs.index_of(names, f"exposure ({name})") + off)[tax_sorted]
        a_val[:, k] = val
    first_asset = order[first]
    exposed = {name: float(val.sum()) for name, _, val in sets}
    t_seg, t_inv = _bucket_table(t_iml, t_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_slope = np.nan_to_num(np.diff(t_lr, axis=1) / np.diff(t_iml, axis=1))
    t_slope = np.ascontiguousarray(np.pad(t_slope, ((0, 0), (0, 1))))
    return _Assets(order, sites, site_ptr, exposure.lon[first_asset], exposure.lat[first_asset],
                   np.ascontiguousarray(a_cidx), np.ascontiguousarray(a_val),
                   tuple(n for n, _, _ in sets), t_iml, t_lr, t_n, t_seg, t_inv, t_slope,
                   exposed)


def _bucket_table(t_iml: np.ndarray, t_n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each curve, ``_BUCKETS`` equal buckets over [first, last level) and the segment
    (index of the level at or below) at each bucket's left edge."""
    seg = np.zeros((t_iml.shape[0], _BUCKETS), dtype=np.int64)
    inv = np.zeros(t_iml.shape[0])
    for c in range(t_iml.shape[0]):
        n = int(t_n[c])
        if n < 2:
            continue
        x = t_iml[c, :n]
        inv[c] = _BUCKETS / (x[-1] - x[0])
        edges = x[0] + np.arange(_BUCKETS) / inv[c]
        seg[c] = np.clip(np.searchsorted(x, edges, side="right") - 1, 0, n - 2)
    return seg, inv


@dataclass(eq=False)
class _Slots:
    """The curves each site looks up, once per curve and intensity measure
    (:func:`~carlcities.risk.losses.kernels.site_slots`), and the sites' floors."""

    ptr: np.ndarray             # (n_sites + 1) slot ranges
    curve: np.ndarray           # curve row of each slot
    imt: np.ndarray             # 0: the run's intensity measure, 1: the second one
    key: np.ndarray             # (intensity measure, level grid): one segment search each
    uses: np.ndarray            # look-ups of each slot by the assets (clamp counts)
    a_slot: np.ndarray          # (n_assets, n_cols) slot of each column within its site, −1
    lo: np.ndarray              # (n_sites, 2) lowest first level per IMT; −inf: never below
    n_look: np.ndarray          # look-ups per site


def _slots(A: _Assets, col_imt: np.ndarray, below_zero: bool) -> _Slots:
    """The slots of the assets. A site whose intensity is below the first level of all its
    curves (its floor) is passed over by the kernels: it adds value × 0 = 0, so this is
    exact only with ``below_min='zero'`` and finite values; otherwise its floors are −inf."""
    levels = np.column_stack([A.t_n, A.t_iml])
    grid = np.unique(levels, axis=0, return_inverse=True)[1].ravel().astype(np.int64)
    ptr, curve, imt, key, uses, a_slot, lo, n_look = site_slots(A.site_ptr, A.a_cidx, col_imt,
                                                                A.t_iml, grid)
    if not (below_zero and np.all(np.isfinite(A.a_val))):
        lo = np.full_like(lo, -np.inf)
    return _Slots(ptr, curve, imt, key, uses, a_slot, lo, n_look)


def _asset_flags(A: _Assets, S: _Slots, slot_lo: np.ndarray, slot_hi: np.ndarray,
                 site_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Assets ever clamped below and above their curves: those reading a clamped slot, and
    (below) those of a site passed over."""
    site_of = np.repeat(np.arange(A.sites.size), np.diff(A.site_ptr))
    has = S.a_slot >= 0
    if S.curve.size == 0:
        return np.zeros(A.order.size, np.uint8), np.zeros(A.order.size, np.uint8)
    g = np.where(has, S.ptr[site_of][:, None] + S.a_slot, 0)
    lo = np.where(has, slot_lo[g], 0).max(axis=1, initial=0)
    hi = np.where(has, slot_hi[g], 0).max(axis=1, initial=0)
    return (lo | (site_lo[site_of] & has.any(axis=1))).astype(np.uint8), hi.astype(np.uint8)


def _maybe_near(events: EventSet, A: _Assets, max_distance_km: float | None) -> np.ndarray:
    """The events that may come within ``max_distance_km`` of a site: not those farther from
    the sites' mean position than the cut-off plus the farthest site from it (great-circle
    distances keep the triangle inequality; 1 km more for rounding). Only these get the
    distances to every site."""
    if max_distance_km is None or A.sites.size == 0:
        return np.ones(len(events), bool)
    c_lon, c_lat = np.array([A.site_lon.mean()]), np.array([A.site_lat.mean()])
    reach = float(epicentral_distance_km(c_lon, c_lat, A.site_lon, A.site_lat).max())
    d = epicentral_distance_km(events.lon, events.lat, c_lon, c_lat)[:, 0]
    return d <= max_distance_km + reach + 1.0


def default_chunk_events(n_sites: int, memory_bytes: float = _CHUNK_MEMORY) -> int:
    """Events per chunk so that the chunk's ground-motion arrays (3 × chunk × sites float64)
    stay within ``memory_bytes`` [bytes] (default 32 MB: the run's peak is the largest
    city's exposure plus one chunk: Tashkent's worker 0.06 GB lower than at 64 MB)."""
    return int(max(1, memory_bytes // (_GM_BYTES_PER_CELL * max(n_sites, 1))))


def _run_chunks(tasks: list[Callable[[], Any]], workers: Any) -> list[Any]:
    """Run zero-argument tasks sequentially (workers=1) or through Dask."""
    if workers == 1 or workers is None or len(tasks) <= 1:
        return [t() for t in tasks]
    import dask

    delayed = [dask.delayed(t)() for t in tasks]
    if isinstance(workers, int):
        return list(dask.compute(*delayed, scheduler="threads", num_workers=workers))
    if isinstance(workers, str):
        return list(dask.compute(*delayed, scheduler=workers))
    return list(dask.compute(*delayed, scheduler=workers))


# ----------------------------------------------------------------------------- results
def _interval(x: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(x, 5)), float(np.percentile(x, 95))


def _clamp_summary(clamps: np.ndarray, flag_lo: np.ndarray, flag_hi: np.ndarray
                   ) -> dict[str, int]:
    return {"evaluations_below": int(clamps[..., 0].sum()),
            "evaluations_above": int(clamps[..., 1].sum()),
            "assets_below": int(flag_lo.sum()), "assets_above": int(flag_hi.sum())}


def _vs30_sites(vs30: Any, A: _Assets) -> np.ndarray:
    if vs30 is None:
        import warnings

        warnings.warn("no Vs30 given: 760 m/s (rock, site class B/C boundary) used at every "
                      "site; give vs30= (e.g. from topographic slope, Wald & Allen 2007)",
                      DefaultUsedWarning, stacklevel=3)
        vs30 = 760.0
    v = np.asarray(vs30, float)
    if v.ndim == 0:
        return np.full(A.sites.size, float(v))
    v = v.ravel()
    if v.size == A.sites.size:
        return v
    if v.size > A.sites.max():
        return v[A.sites]
    raise RiskInputError(f"vs30 has {v.size} values for {A.sites.size} sites",
                         fix="give one Vs30 [m/s] per site, per grid cell, or a scalar")


def _check_gm(mean_ln: Any, tau: Any, phi: Any, ne: int, ns: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.asarray(mean_ln, float)
    if m.shape != (ne, ns):
        raise RiskInputError(f"ground-motion model returned mean_ln of shape {m.shape}, "
                             f"expected {(ne, ns)}",
                             fix="gm(imt, mag, rjb_km, vs30) returns (n_ev, n_site) arrays")
    t = np.ascontiguousarray(np.broadcast_to(np.asarray(tau, float).reshape(-1, 1)
                                             if np.ndim(tau) else np.asarray(tau, float),
                                             (ne, 1))[:, 0])
    p = np.ascontiguousarray(np.broadcast_to(np.asarray(phi, float), (ne, ns)))
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(t)) and np.all(np.isfinite(p))):
        raise RiskInputError("ground-motion model returned NaN or infinite values",
                             fix="check magnitudes, distances and Vs30 of the run")
    return np.ascontiguousarray(m), t, p


# ----------------------------------------------------------------------------- event based
def run_event_based(events: EventSet, exposure: Exposure,
                    curves: CurveSet | Mapping[str, CurveSet],
                    gm: Callable[..., tuple[Any, Any, Any]], *, imt: str,
                    vs30: Any = None, chunk_events: int | None = None,
                    n_realisations: int = 0, seed: int = 0, workers: Any = 1,
                    fatality_curves: CurveSet | None = None, time_of_day: str = "night",
                    below_min: str = "clamp", max_distance_km: float | None = None,
                    return_periods: Sequence[float] = M.DEFAULT_RETURN_PERIODS,
                    fatality_imt: str | None = None) -> EventBasedResult:
    """Event-based probabilistic losses of an exposure (OpenQuake-style; Silva et al. 2014).

    Parameters
    ----------
    events : :class:`EventSet` (rate [1/yr], Mw, epicentre).
    exposure : :class:`~carlcities.risk.exposure.Exposure` (taxonomies named as the curves).
    curves : one :class:`CurveSet` applied to the total value [USD], or {loss type:
        CurveSet} for ``structural``, ``nonstructural``, ``contents``.
    gm : ``gm(imt, mag (n_ev,), rjb_km (n_ev, n_site), vs30 (n_site,)) -> (mean_ln [ln g]
        (n_ev, n_site), tau (n_ev, 1), phi (broadcastable to (n_ev, n_site)))``; a
        ``gm.imts(imts, mag, rjb_km, vs30)`` giving a list of those, when there is one, serves
        both intensity measures of a run with ``fatality_imt`` in one call.
    imt : intensity measure of the run (``'PGA'``, ``'SA(0.3)'``...), passed to ``gm``.
    vs30 : [m/s] scalar, per site or per grid cell (default 760 with a DefaultUsedWarning).
    chunk_events : events per chunk (default :func:`default_chunk_events`); the result does
        not depend on it.
    n_realisations : ground-motion samples per event; 0 = medians only (no variability).
    seed : seed of the counter-based generator (same seed, same result).
    workers : 1 (chunks in turn, parallel kernel), an int > 1 (Dask threads), or a Dask
        scheduler name / distributed client.
    fatality_curves : occupants curves (fatality ratio [-] per class); fatalities =
        occupants at ``time_of_day`` (``'night'``, ``'day'``, ``'transit'``) × ratio.
    below_min : ``'clamp'`` (first ratio below the first level) or ``'zero'``.
    max_distance_km : sites farther than this from the epicentre [km] take no loss.
    fatality_imt : intensity measure of ``fatality_curves`` when it is not ``imt`` (e.g. the
        calibrated casualty model's ``'SA(1.0)'`` beside PGA loss curves): deaths then come
        from ground motion in that IMT at the same sites, with the same normalised between-
        and within-event deviates as ``imt`` (one pass; the losses are those of a run
        without it).

    Returns :class:`EventBasedResult` (EAL, fatalities per year, losses at
    ``return_periods`` and their 5–95 % intervals across realisations, the event loss table).
    Memory: O(chunk_events × sites) per running chunk plus O(assets).
    """
    if below_min not in ("clamp", "zero"):
        raise RiskInputError(f"below_min={below_min!r}", fix="use 'clamp' or 'zero'")
    if n_realisations < 0:
        raise RiskInputError("n_realisations must be ≥ 0", fix="0 means medians only")
    two = (fatality_curves is not None and fatality_imt is not None
           and fatality_imt != imt)
    A = _prepare(exposure, curves, fatality_curves, time_of_day, False, imt,
                 fatality_imt if two else None)
    v30 = _vs30_sites(vs30, A)
    ne, ns = len(events), A.sites.size
    chunk = int(chunk_events or default_chunk_events(ns))
    if chunk < 1:
        raise RiskInputError("chunk_events must be ≥ 1", fix="give a positive chunk size")
    nreal = max(n_realisations, 1)
    use_var = n_realisations > 0
    parallel = workers == 1 or workers is None
    kernel = dense_par if parallel else dense_ser
    kernel2 = dense2_par if parallel else dense2_ser
    ncol = len(A.columns)
    col_imt = np.array([1 if two and c == "fatalities" else 0 for c in A.columns], np.int64)
    S = _slots(A, col_imt, below_min == "zero")
    slot_lo = np.zeros(S.curve.size, np.uint8)
    slot_hi = np.zeros(S.curve.size, np.uint8)
    site_lo = np.zeros(ns, np.uint8)

    maybe = _maybe_near(events, A, max_distance_km)

    def task(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros((nreal, hi - lo, ncol))
        cl = np.zeros((nreal, hi - lo, 2), np.int64)
        # events beyond the cut-off of every site do no damage: left out before the ground
        # motion (the deviates are keyed by the event's index, so the others' are unchanged)
        near = np.flatnonzero(maybe[lo:hi])
        rjb = epicentral_distance_km(events.lon[lo:hi][near], events.lat[lo:hi][near],
                                     A.site_lon, A.site_lat)
        if max_distance_km is not None:
            keep = (rjb <= max_distance_km).any(axis=1)
            near, rjb = near[keep], rjb[keep]
        if near.size == 0:
            return out, cl
        mag = events.mag[lo:hi][near]
        imts = (imt, fatality_imt) if two else (imt,)
        if two and hasattr(gm, "imts"):  # both at once (shared work, the same results)
            gms = list(gm.imts(imts, mag, rjb, v30))
        else:
            gms = [gm(i, mag, rjb, v30) for i in imts]
        m, t, p = _check_gm(gms[0][0], gms[0][1], gms[0][2], near.size, ns)
        if two:
            m2, t2, p2 = _check_gm(gms[1][0], gms[1][1], gms[1][2], near.size, ns)
        if max_distance_km is not None:
            m = np.where(rjb > max_distance_km, -np.inf, m)
        del rjb
        sub = np.zeros((nreal, near.size, ncol))
        sub_cl = np.zeros((nreal, near.size, 2), np.int64)
        idx = (lo + near).astype(np.int64)
        for r in range(nreal):
            tables = (A.site_ptr, S.a_slot, A.a_val, S.ptr, S.curve, S.imt, S.key, S.uses,
                      S.lo, S.n_look, A.t_iml, A.t_lr, A.t_n, A.t_seg, A.t_inv, A.t_slope,
                      below_min == "zero", sub[r], sub_cl[r], slot_lo, slot_hi, site_lo)
            if two:
                kernel2(m, t, p, m2, t2, p2, use_var, use_var, seed, r, idx, *tables)
            else:
                kernel(m, t, p, use_var, use_var, seed, r, idx, *tables)
        out[:, near] = sub
        cl[:, near] = sub_cl
        return out, cl

    bounds = [(lo, min(lo + chunk, ne)) for lo in range(0, ne, chunk)]
    res = _run_chunks([partial(task, *b) for b in bounds], workers)
    losses = np.concatenate([r[0] for r in res], axis=1) if res else np.zeros((nreal, 0, ncol))
    clamps = np.concatenate([r[1] for r in res], axis=1) if res else np.zeros((nreal, 0, 2))
    flag_lo, flag_hi = _asset_flags(A, S, slot_lo, slot_hi, site_lo)
    elt = EventLossTable(events.event_id, events.rate, A.columns, losses,
                         meta=dict(imt=imt, fatality_imt=fatality_imt if two else imt,
                                   seed=seed, n_realisations=n_realisations,
                                   time_of_day=time_of_day, below_min=below_min))
    return _summarise(elt, A, _clamp_summary(clamps, flag_lo, flag_hi), return_periods,
                      dict(chunk_events=chunk, n_chunks=len(bounds), workers=str(workers),
                           memory_bound="O(chunk_events × sites) ground-motion arrays "
                                        f"({_GM_BYTES_PER_CELL} B per event-site)"))


def _summarise(elt: EventLossTable, A: _Assets, clamped: dict[str, int],
               return_periods: Sequence[float], extra: dict[str, Any]) -> EventBasedResult:
    total = elt.loss("total")
    eal_r = total @ elt.rate
    rp = {T: np.array([M.loss_at_return_period(elt.rate, total[r], T)
                       for r in range(elt.n_realisations)]) for T in return_periods}
    if "fatalities" in elt.columns:
        fat_r = elt.loss("fatalities") @ elt.rate
        fat, fat_i = float(fat_r.mean()), _interval(fat_r)
    else:
        fat, fat_i = float("nan"), (float("nan"), float("nan"))
    exposed = sum(v for k, v in A.exposed.items() if k in (*LOSS_TYPES, "total"))
    eal = float(eal_r.mean())
    return EventBasedResult(
        elt=elt, eal=eal, eal_interval=_interval(eal_r), fatalities_per_year=fat,
        fatalities_interval=fat_i, rp_losses={T: float(v.mean()) for T, v in rp.items()},
        rp_intervals={T: _interval(v) for T, v in rp.items()}, exposed_value=exposed,
        eal_ratio_permille=eal / exposed * 1000.0 if exposed > 0 else float("nan"),
        clamped=clamped, meta=dict(elt.meta, **extra))


# ----------------------------------------------------------------------------- CSR entry
def event_losses_from_intensity(intensity: Any, exposure: Exposure,
                                curves: CurveSet | Mapping[str, CurveSet], *,
                                fatality_curves: CurveSet | None = None,
                                time_of_day: str = "night", below_min: str = "clamp",
                                workers: Any = 1) -> tuple[np.ndarray, tuple[str, ...],
                                                           dict[str, int]]:
    """Event losses from precomputed intensities [IMT unit] at sites, in sparse form.

    ``intensity``: a ``scipy.sparse`` CSR matrix (events × sites; column j = site number j
    of the exposure, absent entries = no shaking), or an iterable of such matrices (blocks of
    consecutive events, streamed: only one block is held at a time). Returns ``(losses
    (n_events, n_columns), columns, clamped)``; losses [USD] (and fatalities [persons]).
    The same kernel as :func:`run_event_based` without ground-motion sampling.
    """
    import scipy.sparse as sp

    A = _prepare(exposure, curves, fatality_curves, time_of_day, False, None)
    blocks = [intensity] if sp.issparse(intensity) else intensity
    parallel = workers == 1 or workers is None
    kernel = csr_par if parallel else csr_ser
    flag_lo = np.zeros(A.order.size, np.uint8)
    flag_hi = np.zeros(A.order.size, np.uint8)
    col_to_site: np.ndarray | None = None

    def task(block: Any) -> tuple[np.ndarray, np.ndarray]:
        nonlocal col_to_site
        B = block if sp.isspmatrix_csr(block) or isinstance(block, sp.csr_array) \
            else sp.csr_matrix(block)
        if col_to_site is None or col_to_site.size != B.shape[1]:
            if B.shape[1] <= A.sites.max():
                raise RiskInputError(f"intensity has {B.shape[1]} site columns, the exposure "
                                     f"uses site {A.sites.max()}",
                                     fix="one column per site number (flat grid cell)")
            c2s = np.full(B.shape[1], -1, np.int64)
            c2s[A.sites] = np.arange(A.sites.size)
            col_to_site = c2s
        out = np.zeros((B.shape[0], len(A.columns)))
        cl = np.zeros((B.shape[0], 2), np.int64)
        kernel(B.indptr.astype(np.int64, copy=False), B.indices,
               B.data.astype(float, copy=False), col_to_site, A.site_ptr, A.a_cidx, A.a_val,
               A.t_iml, A.t_lr, A.t_n, A.t_seg, A.t_inv, A.t_slope, below_min == "zero", out, cl,
               flag_lo, flag_hi)
        return out, cl

    if parallel:
        res = [task(b) for b in blocks]
    else:
        blocks = list(blocks)
        task(blocks[0][:0])  # set the column map once, outside the threads
        res = _run_chunks([partial(task, b) for b in blocks], workers)
    losses = np.concatenate([r[0] for r in res]) if res else np.zeros((0, len(A.columns)))
    clamps = np.concatenate([r[1] for r in res]) if res else np.zeros((0, 2), np.int64)
    return losses, A.columns, _clamp_summary(clamps, flag_lo, flag_hi)


# ----------------------------------------------------------------------------- scenario
def scenario_losses(scenario: EventSet | np.ndarray, exposure: Exposure,
                    curves: CurveSet | Mapping[str, CurveSet],
                    gm: Callable[..., tuple[Any, Any, Any]] | None = None, *,
                    imt: str | None = None, vs30: Any = None, n_realisations: int = 100,
                    seed: int = 0, fatality_curves: CurveSet | None = None,
                    time_of_day: str = "night", below_min: str = "clamp",
                    rupture: Any = None) -> ScenarioResult:
    """Losses of one named scenario (a rupture, or given ground-motion fields).

    ``scenario``: an :class:`EventSet` of one event (ground motion from ``gm`` with
    ``n_realisations`` samples, 0 = the median field only), or an array of ground-motion
    fields [IMT unit] of shape (n_fields, n_columns) or (n_columns,), column j = site
    number j (each field one realisation).

    Returns :class:`ScenarioResult`: mean loss [USD] and its 5–95 % interval across
    realisations, fatalities [persons], equivalent completely damaged buildings, per-site
    mean loss ratio [-] (for maps) and clamp counts.

    ``rupture``: an object with ``rjb_km(site_lon, site_lat)`` (e.g. :class:`LineRupture`)
    giving the Joyner–Boore distance of a finite rupture; default the epicentral distance
    (point source).

    References: Silva et al. (2014) (scenario risk in OpenQuake).
    """
    if below_min not in ("clamp", "zero"):
        raise RiskInputError(f"below_min={below_min!r}", fix="use 'clamp' or 'zero'")
    A = _prepare(exposure, curves, fatality_curves, time_of_day, True, imt)
    ns = A.sites.size
    if isinstance(scenario, EventSet):
        if len(scenario) != 1 or gm is None or imt is None:
            raise RiskInputError("a scenario rupture needs one event, a gm model and an imt",
                                 fix="pass EventSet of one event with gm=... and imt=...")
        v30 = _vs30_sites(vs30, A)
        rjb = (epicentral_distance_km(scenario.lon, scenario.lat, A.site_lon, A.site_lat)
               if rupture is None else
               np.asarray(rupture.rjb_km(A.site_lon, A.site_lat), float).reshape(1, ns))
        m, t, p = _check_gm(*gm(imt, scenario.mag, rjb, v30), 1, ns)
        nreal = max(n_realisations, 1)
        use = n_realisations > 0
        event = int(np.int64(0))

        def field_of(r: int) -> np.ndarray:
            im = np.empty(ns)
            sample(m[0], float(t[0]), p[0], use, use, seed, r, event, im)
            return im
    else:
        F = np.asarray(scenario, float)
        F = F[None, :] if F.ndim == 1 else F
        if F.ndim != 2 or F.shape[1] <= A.sites.max():
            raise RiskInputError(f"ground-motion fields of shape {F.shape} do not cover site "
                                 f"{A.sites.max()}",
                                 fix="give (n_fields, n_sites) intensities indexed by site")
        if not np.all(np.isfinite(F)) or np.any(F < 0):
            raise RiskInputError("ground-motion fields contain NaN or negative values",
                                 fix="intensities are ≥ 0")
        nreal = F.shape[0]
        Fs = np.ascontiguousarray(F[:, A.sites])

        def field_of(r: int) -> np.ndarray:
            return Fs[r]
    ncol = len(A.columns)
    per_real = np.zeros((nreal, ncol))
    site_sum = np.zeros((ns, ncol))
    S = _slots(A, np.zeros(ncol, np.int64), below_min == "zero")
    slot_lo = np.zeros(S.curve.size, np.uint8)
    slot_hi = np.zeros(S.curve.size, np.uint8)
    site_lo = np.zeros(ns, np.uint8)
    clamps = np.zeros((ns, 2), np.int64)
    out = np.empty((ns, ncol))
    cl = np.empty((ns, 2), np.int64)
    for r in range(nreal):
        site_ser(field_of(r), A.site_ptr, S.a_slot, A.a_val, S.ptr, S.curve, S.imt, S.key,
                 S.uses, S.lo, S.n_look, A.t_iml, A.t_lr, A.t_n, A.t_seg, A.t_inv, A.t_slope,
                 below_min == "zero", out, cl, slot_lo, slot_hi, site_lo)
        per_real[r] = out.sum(axis=0)
        site_sum += out
        clamps += cl
    flag_lo, flag_hi = _asset_flags(A, S, slot_lo, slot_hi, site_lo)
    loss_cols = [i for i, c in enumerate(A.columns) if c in (*LOSS_TYPES, "total")]
    loss_r = per_real[:, loss_cols].sum(axis=1)
    site_loss = site_sum[:, loss_cols].sum(axis=1) / nreal
    site_value = np.add.reduceat(A.a_val[:, loss_cols].sum(axis=1), A.site_ptr[:-1])
    ratio = np.divide(site_loss, site_value, out=np.zeros(ns), where=site_value > 0)
    b = per_real[:, A.columns.index("buildings")]
    if "fatalities" in A.columns:
        f = per_real[:, A.columns.index("fatalities")]
        fm, fi = float(f.mean()), _interval(f)
    else:
        fm, fi = float("nan"), (float("nan"), float("nan"))
    return ScenarioResult(
        loss_mean=float(loss_r.mean()), loss_interval=_interval(loss_r), fatalities_mean=fm,
        fatalities_interval=fi, buildings_mean=float(b.mean()), buildings_interval=_interval(b),
        losses=loss_r, sites=A.sites, site_loss_ratio=ratio,
        clamped=_clamp_summary(clamps, flag_lo, flag_hi),
        meta=dict(n_realisations=nreal, seed=seed, time_of_day=time_of_day,
                  below_min=below_min, columns=A.columns,
                  buildings="equivalent completely damaged: Σ buildings × mean loss ratio "
                            f"({A.columns[0]} curves)"))


def stream_blocks(matrix: Any, rows: int) -> Iterable[Any]:
    """Blocks of ``rows`` consecutive events of a CSR matrix (for streaming)."""
    for lo in range(0, matrix.shape[0], rows):
        yield matrix[lo:lo + rows]
