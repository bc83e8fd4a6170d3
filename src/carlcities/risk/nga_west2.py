"""Two NGA-West2 ground-motion models for active shallow crust besides BSSA14 (in
:mod:`carlcities.risk.gmpe`): Chiou & Youngs (2014) and Abrahamson, Silva & Kamai (2014).

Public functions
----------------
* :func:`cy2014` -- Chiou & Youngs (2014), Earthquake Spectra 30(3):1117-1153.
* :func:`ask2014` -- Abrahamson, Silva & Kamai (2014), Earthquake Spectra 30(3):1025-1055.
* :func:`mean_ztor_km` -- the magnitude- and rake-dependent mean depth to the top of rupture
  of CY14 (eqs 4-5), the default when Ztor is not known (used by both models here).
* :func:`cy2014_z1_m`, :func:`ask2014_z1_m` -- the papers' default Z1.0 [m] from Vs30.

Both take the canonical IMT names of :data:`carlcities.risk.gmpe.IMTS` ("PGA", "SA(0.3)",
"SA(0.6)", "SA(1.0)"; the dispatcher :func:`carlcities.risk.gmpe.ground_motion` normalises user
spellings first), return (ln median [ln g], tau, phi) with the shapes broadcast to
(n_ev, n_site), and are vectorised numpy. SA(0.6) is not a period of the papers' tables: its
coefficients are interpolated linearly in ln(period) between 0.5 and 0.75 s (the OpenQuake
convention, so that the two agree exactly). California / global regional terms; no
directivity (CY14 ΔDPP = 0), no aftershock term (ASK14 F_AS = 0); Vs30 inferred, not measured
(the within-event sigma of the papers' "inferred" class).

The coefficients are those of the papers' electronic supplements (as tabulated in OpenQuake
hazardlib, against which tests/data/nga_west2_openquake.csv checks these functions to 1e-6).
"""

from __future__ import annotations

import math

import numpy as np

from carlcities.errors import HazardError

__all__ = ["cy2014", "ask2014", "mean_ztor_km", "cy2014_z1_m", "ask2014_z1_m",
           "NGA_IMT_PERIODS", "NGA_RANGES"]

#: Canonical IMT name -> period [s] (0 for PGA)
NGA_IMT_PERIODS = {"PGA": 0.0, "SA(0.3)": 0.3, "SA(0.6)": 0.6, "SA(1.0)": 1.0}
#: Inputs accepted (a guard against unit mistakes): M, Rrup [km], Vs30 [m/s]. The authors'
#: stated applicability is M 3.5-8.5 (CY14; 3.5-8.0 reverse/normal) and 3.0-8.5 (ASK14),
#: Rrup 0-300 km, Vs30 180-1500 m/s; beyond 300 km (the deep Hindu Kush-Pamir source up to
#: ~390 km) the models are extrapolated, as documented in docs/risk.md.
NGA_RANGES = {"mag": (3.0, 8.5), "rrup_km": (0.0, 450.0), "vs30": (150.0, 1500.0)}


def _table(text: str) -> dict[float, dict[str, float]]:
    lines = [ln.split() for ln in text.strip().splitlines()]
    names = lines[0][1:]
    return {float(r[0]): dict(zip(names, map(float, r[1:]))) for r in lines[1:]}


# Chiou & Youngs (2014) Table 1 (electronic supplement), period 0 = PGA
_CY = _table("""
T c1 c1a c1b c1c c1d cn cm c3 c5 chm c6 c7 c7b c9 c9a c9b c11b cg1 cg2 cg3 phi1 phi2 phi3 phi4 phi5 tau1 tau2 sig1 sig2 sig3
0.0 -1.5065 0.165 -0.255 -0.165 0.255 16.0875 4.9993 1.9636 6.4551 3.0956 0.4908 0.0352 0.0462 0.9228 0.1202 6.8607 -0.4536 -0.007146 -0.006758 4.2542 -0.521 -0.1417 -0.00701 0.102151 0.0 0.4 0.26 0.4912 0.3762 0.8
0.3 -1.0514 0.165 -0.2313 -0.165 0.2313 9.1908 5.167 2.344 7.56 3.6232 0.4919 0.0352 -0.0004 0.8829 0.1175 6.8789 -0.2688 -0.008251 -0.001812 5.1954 -0.8501 -0.2405 -0.006704 0.207277 0.001 0.4363 0.3119 0.5395 0.4338 0.7997
0.5 -1.6508 0.165 -0.1972 -0.165 0.1972 5.2305 5.2893 2.5567 7.5778 3.7401 0.4707 0.0352 -0.0278 0.7884 0.1061 6.526 -0.1428 -0.006492 -0.001074 4.7854 -1.0044 -0.1633 -0.007435 0.133828 0.01 0.4419 0.3199 0.5433 0.4446 0.7966
0.75 -2.1511 0.165 -0.162 -0.165 0.162 3.7896 5.4109 2.6812 7.5808 3.7941 0.4575 0.0352 -0.0477 0.6754 0.1 6.5 -0.1138 -0.005147 -0.001115 4.3304 -1.0602 -0.1028 -0.00812 0.085153 0.034 0.4459 0.3255 0.5294 0.4533 0.7792
1.0 -2.5365 0.165 -0.14 -0.165 0.14 3.3024 5.5106 2.7474 7.5814 3.8144 0.4522 0.0352 -0.0559 0.6196 0.1 6.5 -0.1062 -0.004277 -0.001197 4.1667 -1.0941 -0.0699 -0.008444 0.058595 0.067 0.4484 0.3291 0.5105 0.4594 0.7504
""")  # noqa: E501
#: period-independent CY14 coefficients
_CY_C2, _CY_C4, _CY_C4A, _CY_CRB, _CY_PHI6, _CY_VREF = 1.06, -2.1, -0.5, 50.0, 300.0, 1130.0

# Abrahamson, Silva & Kamai (2014) Tables 4-6 (electronic supplement), period 0 = PGA
_ASK = _table("""
T m1 vlin b c c4 a1 a2 a3 a4 a5 a6 a7 a8 a10 a11 a12 a13 a15 a17 a43 a44 a45 a46 s1e s2e s3 s4
0.0 6.75 660.0 -1.47 2.4 4.5 0.587 -0.79 0.275 -0.1 -0.41 2.154 0.0 -0.015 1.735 0.0 -0.1 0.6 1.1 -0.0072 0.1 0.05 0.0 -0.05 0.754 0.52 0.47 0.36
0.3 6.75 430.0 -2.76 2.4 4.5 1.712 -0.79 0.275 -0.1 -0.41 2.338 0.0 -0.045 3.25 0.0 -0.1 0.6 1.03 -0.0064 0.1 0.05 0.03 0.03 0.74 0.58 0.47 0.36
0.5 6.75 340.0 -3.6 2.4 4.5 1.571 -0.79 0.275 -0.1 -0.41 2.559 0.0 -0.065 4.45 0.0 -0.1 0.56 0.84 -0.0032 0.1 0.1 0.1 0.09 0.676 0.6 0.47 0.36
0.75 6.75 330.0 -3.8 2.4 4.5 1.299 -0.79 0.275 -0.1 -0.41 2.682 0.0 -0.095 4.75 0.0 -0.1 0.53 0.68 -0.0025 0.14 0.14 0.14 0.13 0.631 0.615 0.47 0.36
1.0 6.75 330.0 -3.5 2.4 4.5 1.043 -0.79 0.275 -0.1 -0.41 2.763 0.0 -0.11 4.3 0.0 -0.1 0.5 0.57 -0.0025 0.17 0.17 0.17 0.14 0.609 0.63 0.47 0.36
""")  # noqa: E501
#: period-independent ASK14 coefficients (n, M2, hanging-wall a2HW, h1-h3)
_ASK_N, _ASK_M2, _ASK_A2HW, _ASK_H = 1.5, 5.0, 0.2, (0.25, 1.5, -0.75)


def _coeffs(table: dict[float, dict[str, float]], imt: str) -> dict[str, float]:
    if imt not in NGA_IMT_PERIODS:
        raise HazardError(f"unknown intensity measure imt={imt!r} for the NGA-West2 models",
                          fix=f"use one of {tuple(NGA_IMT_PERIODS)}")
    t = NGA_IMT_PERIODS[imt]
    if t in table:
        return table[t]
    lo = max(p for p in table if p < t)
    hi = min(p for p in table if p > t)
    w = (math.log(t) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return {k: table[lo][k] + w * (table[hi][k] - table[lo][k]) for k in table[lo]}


def mean_ztor_km(mag, rake):
    """E[Ztor] [km] of CY14 eqs (4)-(5): reverse (30 <= rake <= 150)
    max(2.704 - 1.226 max(M - 5.849, 0), 0)^2, otherwise max(2.673 - 1.136 max(M - 4.970, 0),
    0)^2."""
    m = np.asarray(mag, dtype=float)
    rev = (np.asarray(rake) >= 30.0) & (np.asarray(rake) <= 150.0)
    return np.where(rev, np.clip(2.704 - 1.226 * np.clip(m - 5.849, 0.0, None), 0.0, None),
                    np.clip(2.673 - 1.136 * np.clip(m - 4.970, 0.0, None), 0.0, None)) ** 2


def cy2014_z1_m(vs30):
    """CY14 eq (1) default Z1.0 [m] for California / global: ln Z1 = -7.15/4 ln((Vs30^4 +
    570.94^4) / (1360^4 + 570.94^4))."""
    v = np.asarray(vs30, dtype=float)
    return np.exp(-7.15 / 4.0 * np.log((v**4 + 570.94**4) / (1360.0**4 + 570.94**4)))


def ask2014_z1_m(vs30):
    """ASK14 eq (18) default Z1.0 [m] for California: ln Z1 [km] = -7.67/4 ln((Vs30^4 +
    610^4) / (1360^4 + 610^4))."""
    v = np.asarray(vs30, dtype=float)
    return np.exp(-7.67 / 4.0 * np.log((v**4 + 610.0**4) / (1360.0**4 + 610.0**4)))


def _check(name: str, mag, rrup, vs30):
    m = np.asarray(mag, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    r = np.asarray(rrup, dtype=float)
    v = np.asarray(vs30, dtype=float)
    for arg, a, key, fix in (
            ("mag", m, "mag", "cap the magnitudes of the event set at 8.5"),
            ("rrup_km", r, "rrup_km", "give rupture distances in kilometres, sources within "
                                      "450 km"),
            ("vs30", v, "vs30", "give Vs30 in m/s (760 for rock)")):
        lo, hi = NGA_RANGES[key]
        if np.any(~np.isfinite(a)) or np.any((a < lo) | (a > hi)):
            raise HazardError(f"{name}: argument {arg!r} outside {lo:g}-{hi:g} "
                              f"(got {np.nanmin(a):.4g}-{np.nanmax(a):.4g})", fix=fix)
    return m, r, v


def _geom(m, rrup, rjb, rx, rake, dip, ztor):
    """Broadcast rupture and distance arrays; defaults: RJB = Rrup, no hanging wall."""
    rjb = rrup if rjb is None else np.asarray(rjb, dtype=float)
    rake = np.asarray(rake, dtype=float)
    if np.any(np.abs(rake) > 180.0):
        raise HazardError("argument 'rake' must be within -180...180 [deg]",
                          fix="give the rake in degrees (Aki & Richards convention)")
    dip = np.asarray(dip, dtype=float)
    if np.any((dip <= 0.0) | (dip > 90.0)):
        raise HazardError("argument 'dip' must be within (0, 90] [deg]",
                          fix="give the fault dip in degrees")
    ztor = mean_ztor_km(m, rake) if ztor is None else np.asarray(ztor, dtype=float)
    return rjb, rx, rake, dip, ztor


def cy2014(imt: str, mag, rrup_km, vs30, *, rjb_km=None, rx_km=None, rake=0.0, dip=90.0,
           ztor_km=None, z1_m=None):
    """Chiou & Youngs (2014) NGA-West2 model, RotD50 PGA and 5 %-damped SA [g].

    ln y_ref = c1 + [c1a + c1c/cosh(2 max(M - 4.5, 0))] F_RV + [c1b + c1d/cosh(.)] F_NM
    + [c7 + c7b/cosh(.)] dZtor + c11b/cosh(.) cos^2(dip) + c2 (M - 6)
    + (c2 - c3)/cn ln(1 + exp(cn (cM - M))) + c4 ln(Rrup + c5 cosh(c6 max(M - cHM, 0)))
    + (c4a - c4) ln sqrt(Rrup^2 + cRB^2) + [cg1 + cg2/cosh(max(M - cg3, 0))] Rrup
    + c9 1{Rx >= 0} cos(dip) [c9a + (1 - c9a) tanh(Rx/c9b)] [1 - sqrt(RJB^2 + Ztor^2)/(Rrup + 1)]
    (eq 11, directivity off); site (eq 12): ln y = ln y_ref + phi1 min(ln(Vs30/1130), 0)
    + phi2 [exp(phi3 (min(Vs30, 1130) - 360)) - exp(phi3 770)] ln((y_ref + phi4)/phi4)
    + phi5 (1 - exp(-dZ1/300)). F_RV = 1 for 30 <= rake <= 150, F_NM = 1 for -120 <= rake <= -60;
    dZtor = Ztor - E[Ztor] (:func:`mean_ztor_km`), dZ1 = Z1.0 - E[Z1.0](Vs30)
    (:func:`cy2014_z1_m`). As the paper recommends, SA at T <= 0.3 s is not less than PGA.

    Sigma (eq 13): NL0 = phi2 (exp(phi3 (min(Vs30, 1130) - 360)) - exp(phi3 770)) y_ref/(y_ref
    + phi4); tau = |1 + NL0| [tau1 + (tau2 - tau1)/1.5 (min(max(M, 5), 6.5) - 5)]; phi = [sig1 +
    (sig2 - sig1)/1.5 (min(max(M, 5), 6.5) - 5)] sqrt(sig3 + (1 + NL0)^2) (Vs30 inferred).

    Parameters
    ----------
    imt : "PGA", "SA(0.3)", "SA(0.6)" or "SA(1.0)"
    mag : Mw, scalar or (n_ev,)
    rrup_km : rupture distance [km], broadcastable to (n_ev, n_site)
    vs30 : [m/s], scalar or (n_site,)
    rjb_km, rx_km : Joyner-Boore distance and the Rx distance [km] (default RJB = Rrup and
        no hanging-wall term; Rx >= 0 on the hanging wall)
    rake, dip : [deg] (default 0 and 90: vertical strike-slip)
    ztor_km : depth to the top of rupture [km] (default E[Ztor](M, rake))
    z1_m : depth to Vs = 1 km/s [m] (default the Vs30 relation, so no basin term)

    Returns
    -------
    mean_ln [ln g], tau, phi [ln units], each (n_ev, n_site)

    References
    ----------
    Chiou, B.S.-J., Youngs, R.R. (2014). Update of the Chiou and Youngs NGA model for the
    average horizontal component of peak ground motion and response spectra. Earthquake
    Spectra 30(3):1117-1153. https://doi.org/10.1193/072813EQS219M
    """
    m, rrup, v = _check("cy2014", mag, rrup_km, vs30)
    rjb, rx, rake_a, dip_a, ztor = _geom(m, rrup, rjb_km, rx_km, rake, dip, ztor_km)
    mean, tau, phi = _cy_one(_coeffs(_CY, imt), m, rrup, rjb, rx, rake_a, dip_a, ztor, v, z1_m)
    if imt == "SA(0.3)":
        mean = np.maximum(mean, _cy_one(_CY[0.0], m, rrup, rjb, rx, rake_a, dip_a, ztor, v,
                                        z1_m)[0])
    shape = np.broadcast(mean, tau, phi).shape
    return tuple(np.broadcast_to(a, shape).astype(float) for a in (mean, tau, phi))


def _cy_one(c, m, rrup, rjb, rx, rake, dip, ztor, v, z1_m):
    cosh_m = np.cosh(2.0 * np.clip(m - 4.5, 0.0, None))
    f_rv = ((rake >= 30.0) & (rake <= 150.0)).astype(float)
    f_nm = ((rake >= -120.0) & (rake <= -60.0)).astype(float)
    dztor = ztor - mean_ztor_km(m, rake)
    ln_ref = (c["c1"] + (c["c1a"] + c["c1c"] / cosh_m) * f_rv
              + (c["c1b"] + c["c1d"] / cosh_m) * f_nm
              + (c["c7"] + c["c7b"] / cosh_m) * dztor
              + (c["c11b"] / cosh_m) * np.cos(np.radians(dip)) ** 2
              + _CY_C2 * (m - 6.0)
              + (_CY_C2 - c["c3"]) / c["cn"] * np.log1p(np.exp(c["cn"] * (c["cm"] - m)))
              + _CY_C4 * np.log(rrup + c["c5"] * np.cosh(c["c6"] * np.clip(m - c["chm"], 0.0,
                                                                           None)))
              + (_CY_C4A - _CY_C4) * np.log(np.sqrt(rrup**2 + _CY_CRB**2))
              + (c["cg1"] + c["cg2"] / np.cosh(np.clip(m - c["cg3"], 0.0, None))) * rrup)
    if rx is not None:
        rx = np.asarray(rx, dtype=float)
        fdist = 1.0 - np.sqrt(rjb**2 + ztor**2) / (rrup + 1.0)
        hw = (c["c9"] * np.cos(np.radians(dip)) * fdist
              * (c["c9a"] + (1.0 - c["c9a"]) * np.tanh(rx / c["c9b"])))
        ln_ref = ln_ref + np.where(rx >= 0.0, hw, 0.0)
    y_ref = np.exp(ln_ref)
    vs = np.minimum(v, _CY_VREF)
    f_nl = c["phi2"] * (np.exp(c["phi3"] * (vs - 360.0))
                        - np.exp(c["phi3"] * (_CY_VREF - 360.0)))
    basin = 0.0
    if z1_m is not None:
        z1 = np.asarray(z1_m, dtype=float)
        dz1 = np.where(z1 > 0.0, z1 - cy2014_z1_m(v), 0.0)
        basin = c["phi5"] * (1.0 - np.exp(-dz1 / _CY_PHI6))
    mean = (ln_ref + c["phi1"] * np.minimum(np.log(v / _CY_VREF), 0.0)
            + f_nl * np.log((y_ref + c["phi4"]) / c["phi4"]) + basin)
    nl0 = f_nl * y_ref / (y_ref + c["phi4"])
    mc = np.clip(m - 5.0, 0.0, 1.5)
    tau = np.abs(1.0 + nl0) * (c["tau1"] + (c["tau2"] - c["tau1"]) / 1.5 * mc)
    phi = ((c["sig1"] + (c["sig2"] - c["sig1"]) * mc / 1.5)
           * np.sqrt(c["sig3"] + (1.0 + nl0) ** 2))
    return mean, tau, phi


def ask2014(imt: str, mag, rrup_km, vs30, *, rjb_km=None, rx_km=None, ry0_km=None, rake=0.0,
            dip=90.0, ztor_km=None, width_km=None, z1_m=None):
    """Abrahamson, Silva & Kamai (2014) NGA-West2 model, RotD50 PGA and 5 %-damped SA [g].

    ln Sa = f1(M, Rrup) + F_RV f7(M) + F_N f8(M) + F_HW f4 + f5(Sa1180, Vs30) + f6(Ztor)
    + f10(Z1.0, Vs30) (eq 1; California, mainshocks), with

    * f1 = a1 + a17 Rrup + g(M) + [a2 + a3 (M' - M1)] ln R with, for M >= M1: g = a5 (M -
      M1) + a8 (8.5 - M)^2, M' = M; for M2 <= M < M1: g = a4 (M - M1) + a8 (8.5 - M)^2, M' = M;
      for M < M2: g = a4 (M2 - M1) + a8 (8.5 - M2)^2 + a6 (M - M2) + a7 (M - M2)^2, M' = M2;
      R = sqrt(Rrup^2 + c4M^2), c4M = c4 for M > 5, c4 - (c4 - 1)(5 - M) for 4 <= M <= 5, 1
      below (eqs 2-4);
    * f7 = a11 min(max(M - 4, 0), 1) for 30 < rake < 150, f8 = a12 min(max(M - 4, 0), 1) for
      -150 < rake < -30;
    * f5 (eq 17): (a10 + b n) ln(Vs30*/Vlin) for Vs30 >= Vlin, a10 ln(Vs30*/Vlin) - b ln(Sa1180
      + c) + b ln(Sa1180 + c (Vs30*/Vlin)^n) below, Vs30* = min(Vs30, V1(T)), Sa1180 the median
      at Vs30 = 1180 m/s;
    * f6 = a15 min(Ztor/20, 1); f10 = interp(Vs30; a43, a44, a45, a46) ln((Z1 + 0.01)/(Z1ref +
      0.01)) [km] (zero at the default Z1.0 of :func:`ask2014_z1_m`);
    * hanging wall (Rx > 0, dip < 90): a13 T1(dip) T2(M) T3(Rx, W, dip) T4(Ztor) T5(Rx, Ry0).

    Sigma (eqs 24-30, Vs30 estimated): phi_A = s1e + (s2e - s1e)/2 (min(max(M, 4), 6) - 4),
    tau_A = s3 + (s4 - s3)/2 (min(max(M, 5), 7) - 5), dAmp = b Sa1180 (-1/(Sa1180 + c) +
    1/(Sa1180 + c (Vs30/Vlin)^n)) below Vlin (0 above), tau = tau_A (1 + dAmp), phi =
    sqrt((phi_A^2 - 0.4^2)(1 + dAmp)^2 + 0.4^2).

    Parameters
    ----------
    imt, mag, rrup_km, vs30, rjb_km, rx_km, rake, dip, ztor_km, z1_m : as :func:`cy2014`
    ry0_km : distance off the ends of the rupture [km] (default 0)
    width_km : down-dip width [km] (hanging-wall taper T3 only; default (20 - Ztor)/sin(dip))

    Returns
    -------
    mean_ln [ln g], tau, phi [ln units], each (n_ev, n_site)

    References
    ----------
    Abrahamson, N.A., Silva, W.J., Kamai, R. (2014). Summary of the ASK14 ground motion
    relation for active crustal regions. Earthquake Spectra 30(3):1025-1055.
    https://doi.org/10.1193/070913EQS198M
    """
    m, rrup, v = _check("ask2014", mag, rrup_km, vs30)
    rjb, rx, rake_a, dip_a, ztor = _geom(m, rrup, rjb_km, rx_km, rake, dip, ztor_km)
    c = _coeffs(_ASK, imt)
    t = NGA_IMT_PERIODS[imt]
    v1 = 1500.0 if t <= 0.5 else (math.exp(-0.35 * math.log(t / 0.5) + math.log(1500.0))
                                  if t < 3.0 else 800.0)
    # source, path, style, top of rupture and hanging wall (shared by Sa1180 and Sa)
    c4m = np.where(m > 5.0, c["c4"], np.where(m < 4.0, 1.0, c["c4"] - (c["c4"] - 1.0)
                                                 * (5.0 - m)))
    lnr = np.log(np.sqrt(rrup**2 + c4m**2))
    m1, m2 = c["m1"], _ASK_M2
    f1 = c["a1"] + c["a17"] * rrup + np.where(
        m >= m1, c["a5"] * (m - m1) + c["a8"] * (8.5 - m) ** 2
        + (c["a2"] + c["a3"] * (m - m1)) * lnr,
        np.where(m >= m2, c["a4"] * (m - m1) + c["a8"] * (8.5 - m) ** 2
                 + (c["a2"] + c["a3"] * (m - m1)) * lnr,
                 c["a4"] * (m2 - m1) + c["a8"] * (8.5 - m2) ** 2 + c["a6"] * (m - m2)
                 + c["a7"] * (m - m2) ** 2 + (c["a2"] + c["a3"] * (m2 - m1)) * lnr))
    mc = np.clip(m - 4.0, 0.0, 1.0)
    f_style = (c["a11"] * mc * ((rake_a > 30.0) & (rake_a < 150.0))
               + c["a12"] * mc * ((rake_a > -150.0) & (rake_a < -30.0)))
    f6 = c["a15"] * np.minimum(ztor / 20.0, 1.0)
    f4 = 0.0
    if rx is not None:
        f4 = _ask_hanging_wall(c, m, np.asarray(rx, dtype=float), ry0_km, dip_a, ztor,
                               width_km)
    common = f1 + f_style + f6 + f4
    v1180 = min(1180.0, v1)
    ln_sa1180 = common + (c["a10"] + c["b"] * _ASK_N) * math.log(v1180 / c["vlin"])
    sa1180 = np.exp(ln_sa1180)
    vstar = np.minimum(v, v1)
    ratio = vstar / c["vlin"]
    with np.errstate(invalid="ignore", divide="ignore"):
        f5 = np.where(v >= c["vlin"], (c["a10"] + c["b"] * _ASK_N) * np.log(ratio),
                      c["a10"] * np.log(ratio) - c["b"] * np.log(sa1180 + c["c"])
                      + c["b"] * np.log(sa1180 + c["c"] * ratio**_ASK_N))
    f10 = 0.0
    if z1_m is not None:
        z1 = np.asarray(z1_m, dtype=float) / 1000.0
        z1ref = ask2014_z1_m(v) / 1000.0
        z1 = np.where(z1 < 0.0, z1ref, z1)
        coef = np.interp(v, [0.0, 150.0, 250.0, 400.0, 700.0, 1000.0, 6000.0],
                         [c["a43"], c["a43"], c["a44"], c["a45"], c["a46"], c["a46"],
                          c["a46"]])
        f10 = coef * np.log((z1 + 0.01) / (z1ref + 0.01))
    mean = common + f5 + f10
    d_amp = np.where(v < c["vlin"], c["b"] * sa1180 * (
        -1.0 / (sa1180 + c["c"]) + 1.0 / (sa1180 + c["c"] * (v / c["vlin"]) ** _ASK_N)), 0.0)
    phi_a = c["s1e"] + (c["s2e"] - c["s1e"]) / 2.0 * (np.clip(m, 4.0, 6.0) - 4.0)
    tau_a = c["s3"] + (c["s4"] - c["s3"]) / 2.0 * (np.clip(m, 5.0, 7.0) - 5.0)
    phi_amp = np.where(phi_a < 0.4, 0.99 * phi_a, 0.4)
    phi = np.sqrt((phi_a**2 - phi_amp**2) * (1.0 + d_amp) ** 2 + phi_amp**2)
    tau = tau_a * (1.0 + d_amp)
    shape = np.broadcast(mean, tau, phi).shape
    return tuple(np.broadcast_to(a, shape).astype(float) for a in (mean, tau, phi))


def _ask_hanging_wall(c, m, rx, ry0, dip, ztor, width):
    """ASK14 eqs (9)-(15): a13 T1 T2 T3 T4 T5 for Rx > 0 and dip < 90, else 0."""
    ry0 = np.zeros_like(rx) if ry0 is None else np.asarray(ry0, dtype=float)
    if width is None:
        width = np.maximum(20.0 - ztor, 1.0) / np.sin(np.radians(dip))
    width = np.asarray(width, dtype=float)
    t1 = np.where(dip <= 30.0, 60.0 / 45.0, (90.0 - dip) / 45.0)
    t2 = np.where(m > 6.5, 1.0 + _ASK_A2HW * (m - 6.5),
                  1.0 + _ASK_A2HW * (m - 6.5) - (1.0 - _ASK_A2HW) * (m - 6.5) ** 2)
    t2 = np.where(m <= 5.5, 0.0, t2)
    r1 = width * np.cos(np.radians(dip))
    r2 = 3.0 * r1
    h1, h2, h3 = _ASK_H
    with np.errstate(invalid="ignore", divide="ignore"):
        t3 = np.where(rx < r1, h1 + h2 * (rx / r1) + h3 * (rx / r1) ** 2,
                      np.where(rx <= r2, 1.0 - (rx - r1) / (r2 - r1), 0.0))
    t4 = np.where(ztor <= 10.0, 1.0 - ztor**2 / 100.0, 0.0)
    dy = ry0 - rx * math.tan(math.radians(20.0))
    t5 = np.where(dy <= 0.0, 1.0, np.where(dy < 5.0, 1.0 - dy / 5.0, 0.0))
    on = (rx > 0.0) & (dip != 90.0)
    return np.where(on, c["a13"] * t1 * t2 * t3 * t4 * t5, 0.0)
