"""Compiled kernels of the loss engine (numba): counter-based normal deviates, curve
look-up and the per-site loss sums; pure-Python twins for testing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["dense_par", "dense_ser", "dense2_par", "dense2_ser", "csr_par", "csr_ser",
           "site_par", "sample"]


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
def _lookup(x, c, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero):
    """Mean ratio of curve c at x (np.interp formula); flag −1/+1 when clamped low/high.

    The segment holding x is found through a bucket table (``t_seg[c, b]`` = the segment at
    the left edge of bucket b of equal width over the curve's range) and a short walk, so
    the result is that of a binary search at O(1) cost.
    """
    n = t_n[c]
    x0 = t_iml[c, 0]
    if x < x0:
        return (0.0 if below_zero else t_lr[c, 0]), -1
    if x >= t_iml[c, n - 1]:
        return t_lr[c, n - 1], (1 if x > t_iml[c, n - 1] else 0)
    nb = t_seg.shape[1]
    b = int((x - x0) * t_inv[c])
    if b >= nb:
        b = nb - 1
    j = t_seg[c, b]
    while t_iml[c, j + 1] <= x:
        j += 1
    while t_iml[c, j] > x:
        j -= 1
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
                    flag_lo[a] = 1
                elif fl > 0:
                    n_hi += 1
                    flag_hi[a] = 1
                prev_c = c
                prev_r = r
            acc[k] += a_val[a, k] * r
    return n_lo, n_hi


def _dense_kernel_py(mean_ln, tau, phi, use_eta, use_eps, seed, real, ev_index, site_ptr,
                     a_cidx, a_val, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero, out,
                     clamps, flag_lo, flag_hi):
    ne, ns = mean_ln.shape
    nlt = a_val.shape[1]
    for i in prange(ne):
        key = _event_key(seed, real, ev_index[i])
        shift = 0.0
        if use_eta:
            shift = tau[i] * _normal(key, _ETA_SITE)
        acc = np.zeros(nlt)
        n_lo = 0
        n_hi = 0
        for s in range(ns):
            if mean_ln[i, s] == -np.inf:  # beyond the cut-off distance
                continue
            ln_im = mean_ln[i, s] + shift
            if use_eps:
                ln_im += phi[i, s] * _normal(key, s)
            lo, hi = _site_assets(math.exp(ln_im), s, site_ptr, a_cidx, a_val, t_iml, t_lr,
                                  t_n, t_seg, t_inv, t_slope, below_zero, acc, flag_lo, flag_hi)
            n_lo += lo
            n_hi += hi
        for k in range(nlt):
            out[i, k] = acc[k]
        clamps[i, 0] = n_lo
        clamps[i, 1] = n_hi


@njit(cache=True, nogil=True, inline="always")
def _site_assets2(im1, im2, col_imt, s, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n, t_seg,
                  t_inv, t_slope, below_zero, acc, flag_lo, flag_hi):
    """:func:`_site_assets` with two intensity measures: column k reads ``im2`` where
    ``col_imt[k]`` is 1 (the fatality columns of a run whose deaths use another IMT)."""
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
            if c == prev_c and col_imt[k] == col_imt[k - 1]:
                r = prev_r
            else:
                x = im2 if col_imt[k] == 1 else im1
                r, fl = _lookup(x, c, t_iml, t_lr, t_n, t_seg, t_inv, t_slope, below_zero)
                if fl < 0:
                    n_lo += 1
                    flag_lo[a] = 1
                elif fl > 0:
                    n_hi += 1
                    flag_hi[a] = 1
                prev_c = c
                prev_r = r
            acc[k] += a_val[a, k] * r
    return n_lo, n_hi


def _dense2_kernel_py(mean_ln, tau, phi, mean2, tau2, phi2, col_imt, use_eta, use_eps, seed,
                      real, ev_index, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n, t_seg, t_inv,
                      t_slope, below_zero, out, clamps, flag_lo, flag_hi):
    """:func:`_dense_kernel_py` with a second intensity measure (medians ``mean2``, ``tau2``,
    ``phi2``) for the columns flagged in ``col_imt``; both take the same normalised
    between- and within-event deviates, so the first IMT's results are those of the one-IMT
    kernel exactly."""
    ne, ns = mean_ln.shape
    nlt = a_val.shape[1]
    for i in prange(ne):
        key = _event_key(seed, real, ev_index[i])
        z_eta = 0.0
        if use_eta:
            z_eta = _normal(key, _ETA_SITE)
        shift = tau[i] * z_eta
        shift2 = tau2[i] * z_eta
        acc = np.zeros(nlt)
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
            lo, hi = _site_assets2(math.exp(ln_im), math.exp(ln_im2), col_imt, s, site_ptr,
                                   a_cidx, a_val, t_iml, t_lr, t_n, t_seg, t_inv, t_slope,
                                   below_zero, acc, flag_lo, flag_hi)
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


def _site_kernel_py(im, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n, t_seg, t_inv, t_slope,
                    below_zero, out, clamps, flag_lo, flag_hi):
    ns = im.size
    nlt = a_val.shape[1]
    for s in prange(ns):
        acc = np.zeros(nlt)
        lo, hi = _site_assets(im[s], s, site_ptr, a_cidx, a_val, t_iml, t_lr, t_n,
                              t_seg, t_inv, t_slope, below_zero, acc, flag_lo, flag_hi)
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
site_par = njit(cache=True, nogil=True, parallel=True)(_site_kernel_py)
sample = njit(cache=True, nogil=True)(_sample_py)
