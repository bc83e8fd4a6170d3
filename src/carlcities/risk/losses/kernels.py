"""Compiled kernels of the loss engine (numba): counter-based normal deviates, curve
look-up and the per-site loss sums; pure-Python twins for testing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["dense_par", "dense_ser", "dense2_par", "dense2_ser", "csr_par", "csr_ser",
           "site_ser", "sample", "site_slots"]


# ----------------------------------------------------------------------------- kernels
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ETA_SITE = 1 << 62  # stream number of the between-event deviate (no site has it)


@njit(cache=True, nogil=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, nogil=True, inline="always")
def _normal(key, s):
    """Standard normal deviate for (key, s) by SplitMix64 hashing and Box–Muller."""
    h1 = _mix64(key ^ (np.uint64(s) * _GOLD + np.uint64(1)))
    h2 = _mix64(h1 ^ _GOLD)
    u1 = (np.float64(h1 >> _S11) + 0.5) * (1.0 / 9007199254740992.0)
    u2 = np.float64(h2 >> _S11) * (1.0 / 9007199254740992.0)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True, nogil=True)
def _event_key(seed, real, event):
    return _mix64(_mix64(np.uint64(seed) ^ (np.uint64(real) * _GOLD)) + np.uint64(event))


@njit(cache=True, nogil=True, inline="always")
def _segment(x, c, t_iml, t_n, t_seg, t_inv):
    """Where x falls on the levels of curve c: −1 below the first level, n − 1 at or above the
    last (n levels), else the segment j with level j ≤ x < level j + 1.

    The segment is found through a bucket table (``t_seg[c, b]`` = the segment at the left
    edge of bucket b of equal width over the curve's range) and a short walk, so the result
    is that of a binary search at O(1) cost. Curves with the same levels give the same
    answer (their tables are the same).
    """
    n = t_n[c]
    x0 = t_iml[c, 0]
    if x < x0:
        return -1
    if x >= t_iml[c, n - 1]:
        return n - 1
    nb = t_seg.shape[1]
    b = int((x - x0) * t_inv[c])
    if b >= nb:
        b = nb - 1
    j = t_seg[c, b]
    while t_iml[c, j + 1] <= x:
        j += 1
    while t_iml[c, j] > x:
        j -= 1
    return j


@njit(cache=True, nogil=True, inline="always")
def _lookup(x, c, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero):
    """Mean ratio of curve c at x (np.interp formula); flag −1/+1 when clamped low/high."""
    j = _segment(x, c, t_iml, t_n, t_seg, t_inv)
    if j < 0:
        return (0.0 if below_zero else t_lr[c, 0]), -1
    if j == t_n[c] - 1:
        return t_lr[c, j], (1 if x > t_iml[c, j] else 0)
    return t_slope[c, j] * (x - t_iml[c, j]) + t_lr[c, j], 0


@njit(cache=True, nogil=True, inline="always")
def _site_assets(im, s, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n, t_seg, t_inv, t_slope,
                 below_zero, acc, flag_lo, flag_hi):
    """Add value × ratio of the assets of site s at intensity im into acc; count clamps."""
    nlt = a_val.shape[1]
    n_lo = 0
    n_hi = 0
    for a in range(site_ptr[s], site_ptr[s + 1]):
        prev_c = -1
        prev_r = 0.0
        for k in range(nlt):
            c = a_cidx[a, k]
            if c < 0:
                continue
            if c == prev_c:
                r = prev_r
            else:
                r, fl = _lookup(im, c, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero)
                if fl < 0:
                    n_lo += 1
                    if flag_lo[a] == 0:  # write once: threads share these cache lines
                        flag_lo[a] = 1
                elif fl > 0:
                    n_hi += 1
                    if flag_hi[a] == 0:
                        flag_hi[a] = 1
                prev_c = c
                prev_r = r
            acc[k] += a_val[a, k] * r
    return n_lo, n_hi


@njit(cache=True, nogil=True)
def site_slots(site_ptr, a_cidx, col_imt, t_iml, t_grid):
    """The curves each site looks up, once per (curve, intensity measure): its *slots*.

    All assets of a site feel the same intensity, so the dense kernels look each distinct
    curve of the site up once (:func:`_site_losses`) and every asset column reads its slot's
    ratio. Within a site the slots are ordered by intensity measure and level grid
    (``t_grid``: curves with the same levels share a number), so that the kernels find the
    segment once per grid (``slot_key``). Returns ``slot_ptr`` (n_sites + 1) the slot
    ranges, ``slot_curve``, ``slot_imt`` (0 the run's intensity measure, 1 the second one of
    :func:`_dense2_kernel_py`), ``slot_key``,
    ``slot_uses`` the look-ups of the slot that the assets make (a column that repeats the
    previous column's curve in the same intensity measure is not one; these counts make the
    clamp counts), ``a_slot`` (n_assets, n_columns) each column's slot within its site (−1:
    no curve), and per site ``lo`` (n_sites, 2) the lowest first level of its curves in each
    intensity measure (+inf when none) and ``n_look`` its look-ups.
    """
    ns = site_ptr.size - 1
    na, nlt = a_cidx.shape
    slot_ptr = np.zeros(ns + 1, np.int64)
    slot_curve = np.empty(na * nlt, np.int64)
    slot_imt = np.empty(na * nlt, np.int64)
    slot_uses = np.zeros(na * nlt, np.int64)
    slot_key = np.empty(na * nlt, np.int64)
    a_slot = np.full((na, nlt), -1, np.int64)
    n_grid = t_grid.max() + 1 if t_grid.size else 1
    lo = np.full((ns, 2), np.inf)
    n_look = np.zeros(ns, np.int64)
    n = 0
    for s in range(ns):
        first = n
        for a in range(site_ptr[s], site_ptr[s + 1]):
            prev_c = -1
            for k in range(nlt):
                c = a_cidx[a, k]
                if c < 0:
                    continue
                m = col_imt[k]
                j = first
                while j < n and (slot_curve[j] != c or slot_imt[j] != m):
                    j += 1
                if j == n:
                    slot_curve[n] = c
                    slot_imt[n] = m
                    n += 1
                    if t_iml[c, 0] < lo[s, m]:
                        lo[s, m] = t_iml[c, 0]
                a_slot[a, k] = j - first
                if c == prev_c and m == col_imt[k - 1]:
                    continue  # the previous column's ratio, not looked up again
                slot_uses[j] += 1
                n_look[s] += 1
                prev_c = c
        # order the site's slots by (intensity measure, grid), first seen first among equals
        for j in range(first, n):
            slot_key[j] = slot_imt[j] * n_grid + t_grid[slot_curve[j]]
        order = np.argsort(slot_key[first:n], kind="mergesort")
        where = np.empty(n - first, np.int64)
        where[order] = np.arange(n - first)
        slot_curve[first:n] = slot_curve[first:n][order].copy()
        slot_imt[first:n] = slot_imt[first:n][order].copy()
        slot_uses[first:n] = slot_uses[first:n][order].copy()
        slot_key[first:n] = slot_key[first:n][order].copy()
        for a in range(site_ptr[s], site_ptr[s + 1]):
            for k in range(nlt):
                if a_slot[a, k] >= 0:
                    a_slot[a, k] = where[a_slot[a, k]]
        slot_ptr[s + 1] = n
    return (slot_ptr, slot_curve[:n].copy(), slot_imt[:n].copy(), slot_key[:n].copy(),
            slot_uses[:n].copy(), a_slot, lo, n_look)


@njit(cache=True, nogil=True, inline="always")
def _site_losses(im1, im2, s, site_ptr, a_slot, a_val, slot_ptr, slot_curve, slot_imt,
                 slot_key, slot_uses, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero,
                 ratio, acc, slot_lo, slot_hi):
    """Add value × ratio of the assets of site s into acc, each slot's curve looked up once at
    its intensity (``im2`` for the slots of the second intensity measure), the segment found
    once per level grid; returns the clamp counts and marks the clamped slots."""
    n_lo = 0
    n_hi = 0
    base = slot_ptr[s]
    key = -1
    seg = 0
    for j in range(base, slot_ptr[s + 1]):
        x = im2 if slot_imt[j] == 1 else im1
        c = slot_curve[j]
        if slot_key[j] != key:
            key = slot_key[j]
            seg = _segment(x, c, t_iml, t_n, t_seg, t_inv)
        # :func:`_lookup` written out (as a call returning a tuple it is 2× slower here)
        if seg < 0:
            ratio[j - base] = 0.0 if below_zero else t_lr[c, 0]
            n_lo += slot_uses[j]
            if slot_lo[j] == 0:  # write once: threads share these cache lines
                slot_lo[j] = 1
        elif seg == t_n[c] - 1:
            ratio[j - base] = t_lr[c, seg]
            if x > t_iml[c, seg]:
                n_hi += slot_uses[j]
                if slot_hi[j] == 0:
                    slot_hi[j] = 1
        else:
            ratio[j - base] = t_slope[c, seg] * (x - t_iml[c, seg]) + t_lr[c, seg]
    nlt = a_val.shape[1]
    for a in range(site_ptr[s], site_ptr[s + 1]):
        for k in range(nlt):
            j = a_slot[a, k]
            if j >= 0:
                acc[k] += a_val[a, k] * ratio[j]
    return n_lo, n_hi


def _dense_kernel_py(mean_ln, tau, phi, use_eta, use_eps, seed, real, ev_index, site_ptr,
                     a_slot, a_val, slot_ptr, slot_curve, slot_imt, slot_key, slot_uses, s_lo,
                     s_nlook, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero, out, clamps,
                     slot_lo, slot_hi, site_lo):
    """Losses of each event of a chunk in one realisation (``out``, ``clamps``). The site
    tables come from :func:`site_slots`; a site whose intensity is below its floor ``s_lo``
    (−inf: never) adds nothing but ``s_nlook`` clamps below and is marked in ``site_lo``."""
    ne, ns = mean_ln.shape
    nlt = a_val.shape[1]
    width = 1
    for s in range(ns):
        width = max(width, slot_ptr[s + 1] - slot_ptr[s])
    for i in prange(ne):
        key = _event_key(seed, real, ev_index[i])
        shift = 0.0
        if use_eta:
            shift = tau[i] * _normal(key, _ETA_SITE)
        acc = np.zeros(nlt)
        ratio = np.empty(width)
        n_lo = 0
        n_hi = 0
        for s in range(ns):
            if mean_ln[i, s] == -np.inf:  # beyond the cut-off distance
                continue
            ln_im = mean_ln[i, s] + shift
            if use_eps:
                ln_im += phi[i, s] * _normal(key, s)
            im = math.exp(ln_im)
            if im < s_lo[s, 0]:  # below every curve of the site: ratio 0, clamps only
                n_lo += s_nlook[s]
                if site_lo[s] == 0:
                    site_lo[s] = 1
                continue
            lo, hi = _site_losses(im, im, s, site_ptr, a_slot, a_val, slot_ptr, slot_curve,
                                  slot_imt, slot_key, slot_uses, t_iml, t_lr, t_n, t_seg, t_inv,
                                  t_slope, below_zero, ratio, acc, slot_lo, slot_hi)
            n_lo += lo
            n_hi += hi
        for k in range(nlt):
            out[i, k] = acc[k]
        clamps[i, 0] = n_lo
        clamps[i, 1] = n_hi


def _dense2_kernel_py(mean_ln, tau, phi, mean2, tau2, phi2, use_eta, use_eps, seed, real,
                      ev_index, site_ptr, a_slot, a_val, slot_ptr, slot_curve, slot_imt,
                      slot_key, slot_uses, s_lo, s_nlook, t_iml, t_lr, t_n, t_seg, t_inv,
                      t_slope, below_zero, out, clamps, slot_lo, slot_hi, site_lo):
    """:func:`_dense_kernel_py` with a second intensity measure (medians ``mean2``, ``tau2``,
    ``phi2``) for the slots whose ``slot_imt`` is 1; both take the same normalised
    between- and within-event deviates, so the first IMT's results are those of the one-IMT
    kernel exactly. A site is passed over when both intensities are below its floors."""
    ne, ns = mean_ln.shape
    nlt = a_val.shape[1]
    width = 1
    for s in range(ns):
        width = max(width, slot_ptr[s + 1] - slot_ptr[s])
    for i in prange(ne):
        key = _event_key(seed, real, ev_index[i])
        z_eta = 0.0
        if use_eta:
            z_eta = _normal(key, _ETA_SITE)
        shift = tau[i] * z_eta
        shift2 = tau2[i] * z_eta
        acc = np.zeros(nlt)
        ratio = np.empty(width)
        n_lo = 0
        n_hi = 0
        for s in range(ns):
            if mean_ln[i, s] == -np.inf:  # beyond the cut-off distance
                continue
            ln_im = mean_ln[i, s] + shift
            ln_im2 = mean2[i, s] + shift2
            if use_eps:
                z = _normal(key, s)
                ln_im += phi[i, s] * z
                ln_im2 += phi2[i, s] * z
            im = math.exp(ln_im)
            im2 = math.exp(ln_im2)
            if im < s_lo[s, 0] and im2 < s_lo[s, 1]:  # below every curve: clamps only
                n_lo += s_nlook[s]
                if site_lo[s] == 0:
                    site_lo[s] = 1
                continue
            lo, hi = _site_losses(im, im2, s, site_ptr, a_slot, a_val, slot_ptr, slot_curve,
                                  slot_imt, slot_key, slot_uses, t_iml, t_lr, t_n, t_seg, t_inv,
                                  t_slope, below_zero, ratio, acc, slot_lo, slot_hi)
            n_lo += lo
            n_hi += hi
        for k in range(nlt):
            out[i, k] = acc[k]
        clamps[i, 0] = n_lo
        clamps[i, 1] = n_hi


def _csr_kernel_py(indptr, indices, data, col_to_site, site_ptr, a_cidx, a_val, t_iml, t_lr,
                   t_n, t_seg, t_inv, t_slope, below_zero, out, clamps, flag_lo, flag_hi):
    ne = indptr.size - 1
    nlt = a_val.shape[1]
    for i in prange(ne):
        acc = np.zeros(nlt)
        n_lo = 0
        n_hi = 0
        for j in range(indptr[i], indptr[i + 1]):
            s = col_to_site[indices[j]]
            if s < 0:
                continue
            lo, hi = _site_assets(data[j], s, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n,
                                  t_seg, t_inv, t_slope, below_zero, acc, flag_lo, flag_hi)
            n_lo += lo
            n_hi += hi
        for k in range(nlt):
            out[i, k] = acc[k]
        clamps[i, 0] = n_lo
        clamps[i, 1] = n_hi


def _site_kernel_py(im, site_ptr, a_slot, a_val, slot_ptr, slot_curve, slot_imt, slot_key,
                    slot_uses, s_lo, s_nlook, t_iml, t_lr, t_n, t_seg, t_inv, t_slope,
                    below_zero, out, clamps, slot_lo, slot_hi, site_lo):
    """Losses of each site at intensity ``im[s]`` (one ground-motion field), the site tables
    and floors as in :func:`_dense_kernel_py`. Serial: a field is too little work for
    threads."""
    ns = im.size
    nlt = a_val.shape[1]
    width = 1
    for s in range(ns):
        width = max(width, slot_ptr[s + 1] - slot_ptr[s])
    ratio = np.empty(width)
    acc = np.zeros(nlt)
    for s in range(ns):
        for k in range(nlt):
            acc[k] = 0.0
        if im[s] < s_lo[s, 0]:  # below every curve of the site: ratio 0, clamps only
            lo, hi = s_nlook[s], 0
            if site_lo[s] == 0:
                site_lo[s] = 1
        else:
            lo, hi = _site_losses(im[s], im[s], s, site_ptr, a_slot, a_val, slot_ptr,
                                  slot_curve, slot_imt, slot_key, slot_uses, t_iml, t_lr, t_n,
                                  t_seg, t_inv, t_slope, below_zero, ratio, acc, slot_lo,
                                  slot_hi)
        for k in range(nlt):
            out[s, k] = acc[k]
        clamps[s, 0] = lo
        clamps[s, 1] = hi


def _sample_py(mean_ln, tau, phi, use_eta, use_eps, seed, real, event, out):
    key = _event_key(seed, real, event)
    shift = 0.0
    if use_eta:
        shift = tau * _normal(key, _ETA_SITE)
    for s in range(mean_ln.size):
        v = mean_ln[s] + shift
        if use_eps:
            v += phi[s] * _normal(key, s)
        out[s] = math.exp(v)


dense_par = njit(cache=True, nogil=True, parallel=True)(_dense_kernel_py)
dense_ser = njit(cache=True, nogil=True)(_dense_kernel_py)
dense2_par = njit(cache=True, nogil=True, parallel=True)(_dense2_kernel_py)
dense2_ser = njit(cache=True, nogil=True)(_dense2_kernel_py)
csr_par = njit(cache=True, nogil=True, parallel=True)(_csr_kernel_py)
csr_ser = njit(cache=True, nogil=True)(_csr_kernel_py)
site_ser = njit(cache=True, nogil=True)(_site_kernel_py)
sample = njit(cache=True, nogil=True)(_sample_py)
