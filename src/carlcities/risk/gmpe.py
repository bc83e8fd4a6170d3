"""Ground-motion and intensity models for Central Asian earthquakes.

Public functions
----------------
* :func:`bindi2011_intensity` -- macroseismic intensity [MSK-64] (Bindi et al. 2011).
* :func:`bssa2014` -- PGA and 5 %-damped SA [g] for active shallow crust (Boore et al. 2014).
* :func:`ground_motion` -- dispatcher by model name (``"bssa2014"``, ``"cy2014"``,
  ``"ask2014"``; the last two in :mod:`carlcities.risk.nga_west2`).
* :func:`to_g`, :func:`check_g` -- unit conversion and a guard against [cm/s²] given as [g].
* :func:`vs30_from_slope`, :func:`slope_from_dem` -- Vs30 [m/s] proxy from topographic slope
  (Wald & Allen 2007).

All accelerations are in [g] (1 g = 9.80665 m/s²), distances in [km], Vs30 in [m/s].
"""

from __future__ import annotations

import re

import numpy as np

from carlcities.errors import HazardError
from carlcities.risk.nga_west2 import ask2014, cy2014, mean_ztor_km

__all__ = [
    "IMTS",
    "GMPE_MODELS",
    "parse_imt",
    "bssa2014_site_term",
    "bindi2011_intensity",
    "bssa2014",
    "ground_motion",
    "MECHANISM_DIP_RAKE",
    "to_g",
    "check_g",
]

G_MS2 = 9.80665  # standard gravity [m/s²]

# --------------------------------------------------------------------------------------------
# Bindi et al. (2011) intensity prediction equation, Central Asia
# --------------------------------------------------------------------------------------------

#: a1, a2, a3, a4, sigma, h [km] (h None: hypocentral depth given by the caller)
_BINDI2011 = {
    "hypocentral": (0.898, 1.215, 1.809, 0.003447, 0.737, None),
    "fixed_depth": (1.049, 0.686, 2.706, 0.0001811, 0.689, 15.0),
}
#: Magnitude range accepted for Bindi et al. (2011) [M]
BINDI2011_MAG_RANGE = (4.0, 8.5)
#: Largest epicentral distance accepted [km] (a guard, see the docstring)
BINDI2011_MAX_REPI_KM = 1000.0


def bindi2011_intensity(mag, r_epi_km, depth_km=None, *, form: str = "hypocentral"):
    """Macroseismic intensity [MSK-64] from magnitude and epicentral distance.

    I = a1·M + a2 − a3·log10(√((R² + h²)/h²)) − a4·(√(R² + h²) − h)

    with R the epicentral distance [km] and h the hypocentral depth [km].

    ``form="hypocentral"``: a1 = 0.898, a2 = 1.215, a3 = 1.809, a4 = 0.003447, σ = 0.737
    (h = ``depth_km``, required). ``form="fixed_depth"``: h = 15 km, a1 = 1.049, a2 = 0.686,
    a3 = 2.706, a4 = 0.0001811, σ = 0.689 (``depth_km`` is not used).

    Parameters
    ----------
    mag : float or array
        Magnitude [M] (the equations were regressed on surface-wave / MLH magnitudes of the
        Central Asian catalogues; Mw is used interchangeably here, as in METHODS.md).
    r_epi_km : float or array
        Epicentral distance [km] (broadcast against ``mag``).
    depth_km : float or array, optional
        Hypocentral depth [km] > 0, required for the hypocentral form.
    form : {"hypocentral", "fixed_depth"}

    Returns
    -------
    intensity : ndarray
        Mean intensity [MSK-64] (not clipped to the I–XII scale).
    sigma : float
        Standard deviation of the intensity residuals [MSK-64 units].

    Raises
    ------
    HazardError
        Unknown form, magnitude outside 4.0–8.5, negative or > 1000 km distance, depth ≤ 0.

    Notes
    -----
    The equations were calibrated on MSK-64 intensity data points of Central Asian earthquakes
    of the 1885–2008 period with magnitudes from about M 4.6 to 8.3 (Kemin 1911, Chilik 1889);
    the magnitude range accepted here (4.0–8.5) brackets that. The 1000 km distance cap is a
    guard against degree/kilometre confusion, not a limit stated by the paper.

    References
    ----------
    Bindi, D., Parolai, S., Oth, A., Abdrakhmatov, K., Muraliev, A., Zschau, J. (2011).
    Intensity prediction equations for Central Asia. Geophys. J. Int. 187(1):327–337.
    https://doi.org/10.1111/j.1365-246X.2011.05142.x
    """
    if form not in _BINDI2011:
        raise HazardError(
            f"bindi2011_intensity: unknown form={form!r}",
            fix=f"use one of {sorted(_BINDI2011)}",
        )
    a1, a2, a3, a4, sigma, h_fixed = _BINDI2011[form]
    m = np.asarray(mag, dtype=float)
    r = np.asarray(r_epi_km, dtype=float)
    lo, hi = BINDI2011_MAG_RANGE
    if np.any(~np.isfinite(m)) or np.any((m < lo) | (m > hi)):
        raise HazardError(
            f"bindi2011_intensity: argument 'mag' has values outside the model range "
            f"{lo}–{hi} [M] (got {np.nanmin(m):.2f}–{np.nanmax(m):.2f})",
            fix="restrict the events to magnitudes 4.0–8.5 or use another model",
        )
    if np.any(~np.isfinite(r)) or np.any(r < 0) or np.any(r > BINDI2011_MAX_REPI_KM):
        raise HazardError(
            "bindi2011_intensity: argument 'r_epi_km' must be finite, ≥ 0 and ≤ "
            f"{BINDI2011_MAX_REPI_KM:.0f} [km]",
            fix="give epicentral distances in kilometres (not degrees or metres)",
        )
    h: np.ndarray | float
    if h_fixed is None:
        if depth_km is None:
            raise HazardError(
                "bindi2011_intensity: argument 'depth_km' is required for form='hypocentral'",
                fix="give the hypocentral depth [km] or use form='fixed_depth' (h = 15 km)",
            )
        h = np.asarray(depth_km, dtype=float)
        if np.any(~np.isfinite(h)) or np.any(h <= 0):
            raise HazardError(
                "bindi2011_intensity: argument 'depth_km' must be > 0 [km]",
                fix="give a positive hypocentral depth in kilometres (e.g. 10)",
            )
    else:
        h = h_fixed
    d = np.sqrt(r**2 + h**2)
    intensity = a1 * m + a2 - a3 * np.log10(d / h) - a4 * (d - h)
    return intensity, sigma


# --------------------------------------------------------------------------------------------
# Boore, Stewart, Seyhan & Atkinson (2014), NGA-West2
# --------------------------------------------------------------------------------------------

#: Intensity measures available [g]
IMTS = ("PGA", "SA(0.3)", "SA(0.6)", "SA(1.0)")

_BSSA_NAMES = (
    "e0 e1 e2 e3 e4 e5 e6 Mh c1 c2 c3 Mref Rref h dc3_global dc3_china_turkey dc3_italy_japan "
    "c Vc Vref f1 f3 f4 f5 f6 f7 R1 R2 dphiR dphiV V1 V2 phi1 phi2 tau1 tau2"
).split()
# Period-dependent coefficients, BSSA14 Table (electronic supplement, revised 2014-07-15);
# all four periods are tabulated, so no interpolation between periods is needed.
_BSSA_ROWS = {
    0.0: (0.4473, 0.4856, 0.2459, 0.4539, 1.431, 0.05053, -0.1662, 5.5, -1.134, 0.1917,
          -0.008088, 4.5, 1.0, 4.5, 0.0, 0.0028576, -0.00255, -0.6, 1500.0, 760.0, 0.0, 0.1,
          -0.15, -0.00701, -9.9, -9.9, 110.0, 270.0, 0.1, 0.07, 225.0, 300.0, 0.695, 0.495,
          0.398, 0.348),
    0.3: (1.2217, 1.2401, 1.0246, 1.2653, 0.95676, -0.1959, -0.092855, 6.14, -1.0948, 0.13388,
          -0.005475, 4.5, 1.0, 4.93, 0.0, 0.0021958, -0.0032969, -0.84165, 1308.47, 760.0, 0.0,
          0.1, -0.21912, -0.0067, -9.9, -9.9, 103.15, 268.59, 0.138, 0.05, 225.0, 300.0, 0.675,
          0.561, 0.363, 0.229),
    0.6: (0.84165, 0.86715, 0.63875, 0.87351, 1.1336, -0.23128, 0.062667, 6.2, -1.1615, 0.11671,
          -0.00261, 4.5, 1.0, 5.48, 0.0, 0.0024515, -0.0027892, -1.0012, 1184.93, 760.0, 0.0,
          0.1, -0.1583, -0.00773, -9.9, -9.9, 105.83, 264.83, 0.106, 0.071, 225.0, 300.0, 0.605,
          0.607, 0.424, 0.235),
    1.0: (0.3932, 0.4218, 0.207, 0.4124, 1.5004, -0.18983, 0.17895, 6.2, -1.193, 0.10248,
          -0.00121, 4.5, 1.0, 5.74, 0.0, 0.0029211, -0.0020894, -1.05, 1109.95, 760.0, 0.0, 0.1,
          -0.10521, -0.00844, 0.36695, 0.20789, 116.39, 270.0, 0.098, 0.02, 225.0, 300.0, 0.553,
          0.625, 0.498, 0.298),
}
BSSA2014_COEFFS = {t: dict(zip(_BSSA_NAMES, row)) for t, row in _BSSA_ROWS.items()}
_IMT_PERIOD = {"PGA": 0.0, "SA(0.3)": 0.3, "SA(0.6)": 0.6, "SA(1.0)": 1.0}
_BSSA_REGIONS = {"global": "dc3_global", "china_turkey": "dc3_china_turkey",
                 "italy_japan": "dc3_italy_japan"}
_MECHANISMS = ("unspecified", "strike_slip", "normal", "reverse")
#: Applicability of BSSA14 stated by the authors: M 3–8.5 (strike-slip, reverse,
#: unspecified), 3–7 (normal); RJB 0–400 km; Vs30 150–1500 m/s.
BSSA2014_RANGES = {"mag": (3.0, 8.5), "mag_normal": (3.0, 7.0), "rjb_km": (0.0, 400.0),
                   "vs30": (150.0, 1500.0)}


def parse_imt(imt) -> str:
    """Normalise an IMT name ("sa(1)" → "SA(1.0)") or raise a HazardError naming the fix."""
    if not isinstance(imt, str):
        raise HazardError(f"argument 'imt' must be a string, got {imt!r}",
                          fix=f"use one of {IMTS}")
    s = imt.strip()
    if re.search(r"(cm|gal|m/s|mg\b|\[|%)", s, flags=re.IGNORECASE):
        raise HazardError(
            f"argument 'imt'={imt!r} carries a unit; the models return accelerations in [g] "
            "and IMT names carry no unit",
            fix=f"use one of {IMTS} and convert observed values with to_g(value, unit)",
        )
    u = s.upper().replace(" ", "")
    if u == "PGA":
        return "PGA"
    m = re.fullmatch(r"SA\(([0-9]*\.?[0-9]+)S?\)", u)
    if m:
        period = float(m.group(1))
        for name, t in _IMT_PERIOD.items():
            if name != "PGA" and abs(t - period) < 1e-9:
                return name
    raise HazardError(
        f"unknown intensity measure imt={imt!r}",
        fix=f"use one of {IMTS} (periods in seconds; other periods are not tabulated here)",
    )


def _mechanism_flags(rake, mechanism: str):
    """(U, SS, NS, RS) dummy variables of BSSA14 from the rake [deg] or the mechanism name."""
    if rake is not None:
        r = float(rake)
        if not -180.0 <= r <= 180.0:
            raise HazardError(f"argument 'rake'={rake} must be within −180…180 [deg]",
                              fix="give the rake in degrees (Aki & Richards convention)")
        # BSSA14 classification: normal −150 < rake < −30, reverse 30 < rake < 150, else SS
        if -150.0 < r < -30.0:
            mechanism = "normal"
        elif 30.0 < r < 150.0:
            mechanism = "reverse"
        else:
            mechanism = "strike_slip"
    if mechanism not in _MECHANISMS:
        raise HazardError(f"unknown mechanism={mechanism!r}", fix=f"use one of {_MECHANISMS}")
    return mechanism, tuple(float(mechanism == k) for k in _MECHANISMS)


def _bssa_rock(c: dict, m, rjb, flags, dc3: float):
    """ln Y on the reference site (F_E + F_P), BSSA14 eqs (2)–(4)."""
    u, ss, ns, rs = flags
    fe_mech = c["e0"] * u + c["e1"] * ss + c["e2"] * ns + c["e3"] * rs
    dm = m - c["Mh"]
    fe = np.where(dm <= 0, fe_mech + c["e4"] * dm + c["e5"] * dm**2, fe_mech + c["e6"] * dm)
    r = np.sqrt(rjb**2 + c["h"] ** 2)
    fp = (c["c1"] + c["c2"] * (m - c["Mref"])) * np.log(r / c["Rref"]) + (c["c3"] + dc3) * (
        r - c["Rref"]
    )
    return fe + fp


def bssa2014(imt: str, mag, rjb_km, vs30, *, rake=None, mechanism: str = "unspecified",
             region: str = "global"):
    """Boore, Stewart, Seyhan & Atkinson (2014) NGA-West2 ground-motion model.

    ln Y = F_E(M, mech) + F_P(RJB, M) + F_S(Vs30, RJB, M) + ε·σ, with

    * source: F_E = e0·U + e1·SS + e2·NS + e3·RS + e4·(M − Mh) + e5·(M − Mh)² for M ≤ Mh,
      … + e6·(M − Mh) for M > Mh (Mh the hinge magnitude);
    * path: F_P = [c1 + c2·(M − Mref)]·ln(R/Rref) + (c3 + Δc3)·(R − Rref), R = √(RJB² + h²);
      Δc3 = 0 (global/California, the default; ``region`` "china_turkey" or "italy_japan"
      selects the regional anelastic terms of the paper);
    * site: ln F_lin = c·ln(min(Vs30, Vc)/Vref) with Vref = 760 m/s; nonlinear
      ln F_nl = f1 + f2·ln((PGAr + f3)/f3), f2 = f4·[exp{f5·(min(Vs30, 760) − 360)} −
      exp{f5·(760 − 360)}], PGAr the median PGA [g] on the reference site (Vs30 = 760 m/s);
      basin term off (δz1 = 0).

    Aleatory variability (natural-log units): between-event τ(M) = τ1 for M ≤ 4.5, τ2 for
    M ≥ 5.5, linear in M between; within-event φ(M) likewise from φ1, φ2; then
    φ(M, RJB) = φ(M) + ΔφR·ln(RJB/R1)/ln(R2/R1) for R1 < RJB ≤ R2 (+ΔφR beyond R2), and
    φ(M, RJB, Vs30) = φ(M, RJB) − ΔφV·ln(V2/Vs30)/ln(V2/V1) for V1 ≤ Vs30 ≤ V2 (−ΔφV below V1).

    Parameters
    ----------
    imt : one of :data:`IMTS` ("PGA", "SA(0.3)", "SA(0.6)", "SA(1.0)"), 5 % damping.
    mag : moment magnitude [Mw], scalar or shape (n_ev,)
    rjb_km : Joyner–Boore distance [km], broadcastable to (n_ev, n_site)
    vs30 : time-averaged shear-wave velocity of the top 30 m [m/s], scalar or (n_site,)
    rake : rake angle [deg], optional; overrides ``mechanism`` when given
    mechanism : "unspecified" (default), "strike_slip", "normal" or "reverse"
    region : anelastic-attenuation region, "global" (default), "china_turkey", "italy_japan"

    Returns
    -------
    mean_ln : ndarray, ln of the median ground motion [ln g], shape (n_ev, n_site)
    tau : ndarray, between-event standard deviation [ln units], shape (n_ev, 1)
    phi : ndarray, within-event standard deviation [ln units], shape (n_ev, n_site)

    Raises
    ------
    HazardError
        Unknown IMT, mechanism or region; M, RJB or Vs30 outside the applicability stated by
        the authors (M 3–8.5, 3–7 for normal faulting; RJB 0–400 km; Vs30 150–1500 m/s).

    References
    ----------
    Boore, D.M., Stewart, J.P., Seyhan, E., Atkinson, G.M. (2014). NGA-West2 equations for
    predicting PGA, PGV, and 5% damped PSA for shallow crustal earthquakes. Earthquake Spectra
    30(3):1057–1085. https://doi.org/10.1193/070113EQS184M (coefficients: electronic
    supplement, revised 15 July 2014).
    """
    return bssa2014_imts((imt,), mag, rjb_km, vs30, rake=rake, mechanism=mechanism,
                         region=region)[0]


def bssa2014_imts(imts, mag, rjb_km, vs30, *, rake=None, mechanism: str = "unspecified",
                  region: str = "global") -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`bssa2014` for several intensity measures at the same events and sites, one
    ``(mean_ln, tau, phi)`` per IMT: the checks of the arguments and the median rock PGA of
    the nonlinear site term are computed once (the results are those of one call per IMT)."""
    names = [parse_imt(i) for i in imts]
    if region not in _BSSA_REGIONS:
        raise HazardError(f"bssa2014: unknown region={region!r}",
                          fix=f"use one of {sorted(_BSSA_REGIONS)}")
    mechanism, flags = _mechanism_flags(rake, mechanism)
    m = np.asarray(mag, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    rjb = np.asarray(rjb_km, dtype=float)
    v = np.asarray(vs30, dtype=float)
    mlo, mhi = BSSA2014_RANGES["mag_normal" if mechanism == "normal" else "mag"]
    if np.any(~np.isfinite(m)) or np.any((m < mlo) | (m > mhi)):
        raise HazardError(
            f"bssa2014: argument 'mag' outside the model range {mlo}–{mhi} [Mw] for "
            f"mechanism {mechanism!r} (got {np.nanmin(m):.2f}–{np.nanmax(m):.2f})",
            fix="cap the magnitudes of the event set (mmax) at the model range",
        )
    rlo, rhi = BSSA2014_RANGES["rjb_km"]
    if np.any(~np.isfinite(rjb)) or np.any((rjb < rlo) | (rjb > rhi)):
        raise HazardError(
            f"bssa2014: argument 'rjb_km' outside {rlo:.0f}–{rhi:.0f} [km]",
            fix="give Joyner–Boore distances in kilometres and drop sources beyond 400 km",
        )
    vlo, vhi = BSSA2014_RANGES["vs30"]
    if np.any(~np.isfinite(v)) or np.any((v < vlo) | (v > vhi)):
        raise HazardError(
            f"bssa2014: argument 'vs30' outside {vlo:.0f}–{vhi:.0f} [m/s]",
            fix="give Vs30 in m/s (e.g. 760 for rock, from vs30_from_slope for a proxy)",
        )
    cp = BSSA2014_COEFFS[0.0]
    pga_r = None
    out = []
    for name in names:
        c = BSSA2014_COEFFS[_IMT_PERIOD[name]]
        dc3 = c[_BSSA_REGIONS[region]]
        ln_rock = _bssa_rock(c, m, rjb, flags, dc3)
        if pga_r is None:  # the PGA's own rock term when it is one of the IMTs
            pga_r = np.exp(ln_rock if c is cp else
                           _bssa_rock(cp, m, rjb, flags, cp[_BSSA_REGIONS[region]]))
        f_lin = c["c"] * np.log(np.minimum(v, c["Vc"]) / c["Vref"])
        f2 = c["f4"] * (np.exp(c["f5"] * (np.minimum(v, 760.0) - 360.0))
                        - np.exp(c["f5"] * (760.0 - 360.0)))
        f_nl = c["f1"] + f2 * np.log((pga_r + c["f3"]) / c["f3"])
        mean_ln = ln_rock + f_lin + f_nl

        w = np.clip(m - 4.5, 0.0, 1.0)
        tau = c["tau1"] + (c["tau2"] - c["tau1"]) * w
        phi_m = c["phi1"] + (c["phi2"] - c["phi1"]) * w
        rr = np.clip(rjb, c["R1"], c["R2"])
        phi_mr = phi_m + c["dphiR"] * np.log(rr / c["R1"]) / np.log(c["R2"] / c["R1"])
        vv = np.clip(v, c["V1"], c["V2"])
        phi = phi_mr - c["dphiV"] * np.log(c["V2"] / vv) / np.log(c["V2"] / c["V1"])
        shape = np.broadcast(mean_ln, phi).shape
        mean_ln = np.broadcast_to(mean_ln, shape).copy()
        phi = np.broadcast_to(phi, shape).copy()
        tau = np.asarray(tau, dtype=float)
        if tau.ndim == 0 and len(shape) == 2:
            tau = np.full((1, 1), float(tau))
        out.append((mean_ln, tau, phi))
    return out


def bssa2014_site_term(imt: str, vs30, pga_rock_g):
    """BSSA14 site term ln F_S = ln F_lin + ln F_nl [ln units] at ``vs30`` [m/s] for the median
    rock PGA ``pga_rock_g`` [g] on the reference site (Vs30 = 760 m/s); 0 at 760 m/s. The same
    expressions as in :func:`bssa2014` (basin term off)."""
    c = BSSA2014_COEFFS[_IMT_PERIOD[parse_imt(imt)]]
    v = np.asarray(vs30, dtype=float)
    f_lin = c["c"] * np.log(np.minimum(v, c["Vc"]) / c["Vref"])
    f2 = c["f4"] * (np.exp(c["f5"] * (np.minimum(v, 760.0) - 360.0))
                    - np.exp(c["f5"] * (760.0 - 360.0)))
    return f_lin + c["f1"] + f2 * np.log((np.asarray(pga_rock_g, float) + c["f3"]) / c["f3"])


#: Dip [deg] assumed by mechanism where a model needs one and the source gives none
#: (Kaklamanos et al. 2011, Earthquake Spectra 27(4):1219: 90 strike-slip, 40 reverse,
#: 50 normal); rake [deg] likewise
MECHANISM_DIP_RAKE = {"unspecified": (90.0, 0.0), "strike_slip": (90.0, 0.0),
                      "normal": (50.0, -90.0), "reverse": (40.0, 90.0)}


def _nga(fn):
    """A CY14 / ASK14 model behind the dispatcher's (mag, RJB, Vs30) signature: point-source
    (footwall) conventions, Ztor = E[Ztor](M, rake), Rrup = sqrt(RJB^2 + Ztor^2), no hanging
    wall, Z1.0 from Vs30."""
    def model(imt, mag, rjb_km, vs30, *, rake=None, mechanism="unspecified"):
        name = parse_imt(imt)
        mechanism, _ = _mechanism_flags(rake, mechanism)
        dip, rk = MECHANISM_DIP_RAKE[mechanism]
        rk = rk if rake is None else float(rake)
        m = np.asarray(mag, dtype=float)
        m2 = m[:, None] if m.ndim == 1 else m
        ztor = mean_ztor_km(m2, rk)
        rjb = np.asarray(rjb_km, dtype=float)
        if np.any(~np.isfinite(rjb)) or np.any(rjb < 0):
            raise HazardError(f"{fn.__name__}: argument 'rjb_km' must be finite and >= 0 [km]",
                              fix="give Joyner-Boore distances in kilometres")
        return fn(name, m, np.sqrt(rjb**2 + ztor**2), vs30, rjb_km=rjb, rake=rk, dip=dip,
                  ztor_km=ztor)
    model.__name__ = fn.__name__
    return model


GMPE_MODELS = {"bssa2014": bssa2014, "cy2014": _nga(cy2014), "ask2014": _nga(ask2014)}


def ground_motion(model: str, imt: str, mag, rjb_km, vs30, *, rake=None,
                  mechanism: str = "unspecified"):
    """Median ground motion and its variability from a model chosen by name.

    Parameters
    ----------
    model : "bssa2014" (Boore et al. 2014, see :func:`bssa2014`), "cy2014" (Chiou & Youngs
        2014) or "ask2014" (Abrahamson, Silva & Kamai 2014), see :mod:`carlcities.risk.nga_west2`.
        CY14 and ASK14 are called with point-source conventions: depth to the top of rupture
        E[Ztor](M, rake) of CY14, Rrup = sqrt(RJB^2 + Ztor^2) (the footwall / off-end
        geometry: no hanging-wall term), dip and rake from the mechanism
        (:data:`MECHANISM_DIP_RAKE`; "unspecified" is vertical strike-slip), Z1.0 from Vs30 by
        each paper's relation (no basin term).
    imt, mag, rjb_km, vs30, rake, mechanism : as in :func:`bssa2014`
        (mag [Mw] shape (n_ev,), rjb_km [km] shape (n_ev, n_site), vs30 [m/s] shape (n_site,))

    Returns
    -------
    mean_ln [ln g] (n_ev, n_site), tau [ln units] (n_ev, 1) for BSSA14 and (n_ev, n_site) for
    CY14 / ASK14 (their tau depends on the site's nonlinearity), phi [ln units] (n_ev, n_site)

    References
    ----------
    Boore et al. (2014), Earthquake Spectra 30(3):1057, https://doi.org/10.1193/070113EQS184M;
    Chiou & Youngs (2014), Earthquake Spectra 30(3):1117, https://doi.org/10.1193/072813EQS219M;
    Abrahamson et al. (2014), Earthquake Spectra 30(3):1025, https://doi.org/10.1193/070913EQS198M
    """
    try:
        fn = GMPE_MODELS[model]
    except (KeyError, TypeError):
        raise HazardError(f"unknown ground-motion model={model!r}",
                          fix=f"use one of {sorted(GMPE_MODELS)} (MSK-64 intensity: "
                              "bindi2011_intensity)") from None
    return fn(imt, mag, rjb_km, vs30, rake=rake, mechanism=mechanism)


def ground_motions(model: str, imts, mag, rjb_km, vs30, *, rake=None,
                   mechanism: str = "unspecified"):
    """:func:`ground_motion` for several intensity measures at the same events and sites: a
    list of ``(mean_ln, tau, phi)``, one per IMT (BSSA14 shares its checks and rock PGA)."""
    if model == "bssa2014":
        return bssa2014_imts(imts, mag, rjb_km, vs30, rake=rake, mechanism=mechanism)
    return [ground_motion(model, imt, mag, rjb_km, vs30, rake=rake, mechanism=mechanism)
            for imt in imts]


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

_TO_G = {
    "g": 1.0,
    "cm/s2": 1.0 / (100.0 * G_MS2), "cm/s^2": 1.0 / (100.0 * G_MS2),
    "cm/s²": 1.0 / (100.0 * G_MS2), "gal": 1.0 / (100.0 * G_MS2),
    "m/s2": 1.0 / G_MS2, "m/s^2": 1.0 / G_MS2, "m/s²": 1.0 / G_MS2,
}


def to_g(value, unit: str):
    """Convert an acceleration to [g] (1 g = 9.80665 m/s² = 980.665 cm/s²).

    Parameters
    ----------
    value : float or array, acceleration in ``unit``
    unit : "g", "cm/s2" (= "gal", "cm/s^2", "cm/s²") or "m/s2" ("m/s^2", "m/s²")

    Returns
    -------
    ndarray or float, acceleration [g]
    """
    key = str(unit).strip().lower().replace(" ", "")
    if key not in _TO_G:
        raise HazardError(f"to_g: unknown acceleration unit {unit!r}",
                          fix=f"use one of {sorted(set(_TO_G))}")
    out = np.asarray(value, dtype=float) * _TO_G[key]
    return float(out) if out.ndim == 0 else out


#: Largest acceleration accepted as [g] by :func:`check_g`
MAX_PLAUSIBLE_G = 5.0


def check_g(values, name: str):
    """Raise a HazardError when an array supposed to be in [g] is clearly not.

    Values above 5 g have never been recorded as PGA/SA of engineering interest; such
    arrays are almost always in [cm/s²] (gal) or [m/s²]. Negative values are rejected too.
    Returns the array (as float ndarray) when it passes.
    """
    a = np.asarray(values, dtype=float)
    finite = a[np.isfinite(a)]
    if finite.size and finite.max() > MAX_PLAUSIBLE_G:
        raise HazardError(
            f"{name}: values up to {finite.max():.4g} cannot be accelerations in [g] "
            f"(limit {MAX_PLAUSIBLE_G} g); they look like cm/s² (gal) or m/s²",
            fix=f"convert with to_g({name}, 'cm/s2') or to_g({name}, 'm/s2')",
        )
    if finite.size and finite.min() < 0:
        raise HazardError(f"{name}: negative accelerations [g]",
                          fix="give absolute (peak) accelerations ≥ 0")
    return a

