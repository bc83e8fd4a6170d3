"""Ground-motion and intensity models: values by hand, published verification values, guards."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carlcities.errors import HazardError
from carlcities.risk.gmpe import (
    IMTS,
    bindi2011_intensity,
    bssa2014,
    check_g,
    ground_motion,
    to_g,
)
from carlcities.risk.vs30 import slope_from_dem, vs30_from_slope

# ---------------------------------------------------------------- Bindi et al. 2011


def test_bindi2011_hypocentral_by_hand():
    # M 6.5, R 20 km, h 10 km: D = √500 = 22.3607 km
    d = math.sqrt(20**2 + 10**2)
    expected = 0.898 * 6.5 + 1.215 - 1.809 * math.log10(d / 10) - 0.003447 * (d - 10)
    assert expected == pytest.approx(6.37717, abs=1e-4)
    i, s = bindi2011_intensity(6.5, 20.0, 10.0)
    assert i == pytest.approx(expected, rel=1e-12)
    assert s == 0.737


def test_bindi2011_fixed_depth_by_hand():
    # h = 15 km: D = 25 km, D/h = 5/3
    expected = 1.049 * 6.5 + 0.686 - 2.706 * math.log10(25 / 15) - 0.0001811 * (25 - 15)
    assert expected == pytest.approx(6.90237, abs=1e-4)
    i, s = bindi2011_intensity(6.5, 20.0, form="fixed_depth")
    assert i == pytest.approx(expected, rel=1e-12)
    assert s == 0.689


def test_bindi2011_vectorised_and_decreasing():
    i, _ = bindi2011_intensity(np.array([6.0, 7.0]), np.array([[5.0], [50.0], [200.0]]), 10.0)
    assert i.shape == (3, 2)
    assert np.all(np.diff(i, axis=0) < 0)  # decreasing with distance
    assert np.all(np.diff(i, axis=1) > 0)  # increasing with magnitude


@pytest.mark.parametrize("mag", [3.5, 8.8])
def test_bindi2011_magnitude_out_of_range(mag):
    with pytest.raises(HazardError, match="'mag'.*4.0–8.5"):
        bindi2011_intensity(mag, 10.0, 10.0)


def test_bindi2011_bad_arguments():
    with pytest.raises(HazardError, match="depth_km"):
        bindi2011_intensity(6.0, 10.0)
    with pytest.raises(HazardError, match="form"):
        bindi2011_intensity(6.0, 10.0, 10.0, form="epicentral")
    with pytest.raises(HazardError, match="r_epi_km"):
        bindi2011_intensity(6.0, -1.0, 10.0)


# ---------------------------------------------------------------- BSSA14

# Verification values distributed with OpenQuake's BSSA14 implementation
# (openquake/hazardlib/tests/gsim/data/BSSA2014/BSSA_2014_NOSOF_MEAN.csv: unspecified mechanism,
# global Δc3 = 0, no basin term), columns PGA, SA(0.3), SA(0.6), SA(1.0) [g].
PUBLISHED = [
    (7.0, 20.0, 250.0, (0.211924, 0.48465, 0.365071, 0.247092)),
    (8.0, 0.0, 760.0, (0.500088, 1.02885, 0.713053, 0.473139)),
    (7.0, 100.0, 600.0, (0.030744, 0.0665332, 0.0432381, 0.0258996)),
    (4.0, 0.0, 600.0, (0.0359044, 0.0331503, 0.00978823, 0.00314782)),
    (3.0, 0.0, 760.0, (0.00686845, 0.00302002, 0.000587575, 0.000164761)),
]


@pytest.mark.parametrize("mag,rjb,vs30,values", PUBLISHED)
def test_bssa2014_against_verification_table(mag, rjb, vs30, values):
    for imt, ref in zip(IMTS, values):
        mean_ln, _, _ = bssa2014(imt, mag, rjb, vs30)
        assert math.exp(float(mean_ln)) == pytest.approx(ref, rel=2e-5), imt


def test_bssa2014_pga_by_hand_nonlinear_site():
    # M 6.5, RJB 20 km, Vs30 400 m/s, unspecified mechanism, PGA coefficients of the paper
    e0, e4, e5, e6, mh = 0.4473, 1.431, 0.05053, -0.1662, 5.5
    c1, c2, c3, h = -1.134, 0.1917, -0.008088, 4.5
    c, f3, f4, f5 = -0.6, 0.1, -0.15, -0.00701
    fe = e0 + e6 * (6.5 - mh)  # M > Mh
    r = math.sqrt(20**2 + h**2)
    fp = (c1 + c2 * (6.5 - 4.5)) * math.log(r / 1.0) + c3 * (r - 1.0)
    pga_r = math.exp(fe + fp)
    f2 = f4 * (math.exp(f5 * (400 - 360)) - math.exp(f5 * (760 - 360)))
    ln_y = fe + fp + c * math.log(400 / 760) + f2 * math.log((pga_r + f3) / f3)
    mean_ln, tau, phi = bssa2014("PGA", 6.5, 20.0, 400.0)
    assert float(mean_ln) == pytest.approx(ln_y, abs=1e-12)
    assert float(tau) == pytest.approx(0.348)  # τ2 for M ≥ 5.5
    assert float(phi) == pytest.approx(0.495)  # φ2, RJB < R1, Vs30 > V2
    # below the hinge (M 5.0 ≤ Mh): quadratic source term, rock site (no site terms)
    fe5 = e0 + e4 * (5.0 - mh) + e5 * (5.0 - mh) ** 2
    fp5 = (c1 + c2 * (5.0 - 4.5)) * math.log(r) + c3 * (r - 1.0)
    assert float(bssa2014("PGA", 5.0, 20.0, 760.0)[0]) == pytest.approx(fe5 + fp5, abs=1e-12)


def test_bssa2014_sigma_terms_by_hand():
    # M 5.0 (half way between 4.5 and 5.5), RJB 200 km, Vs30 250 m/s, PGA
    tau_e = 0.398 + 0.5 * (0.348 - 0.398)
    phi_m = 0.695 + 0.5 * (0.495 - 0.695)
    phi_e = (phi_m + 0.1 * math.log(200 / 110) / math.log(270 / 110)
             - 0.07 * math.log(300 / 250) / math.log(300 / 225))
    _, tau, phi = bssa2014("PGA", 5.0, 200.0, 250.0)
    assert float(tau) == pytest.approx(tau_e, abs=1e-12)
    assert float(phi) == pytest.approx(phi_e, abs=1e-12)


def test_bssa2014_scaling_signs():
    mu_r, _, _ = bssa2014("PGA", 6.5, np.array([[1.0, 10.0, 50.0, 150.0]]), 760.0)
    assert np.all(np.diff(mu_r[0]) < 0)  # decreasing with distance
    mu_m, _, _ = bssa2014("PGA", np.array([5.0, 6.0, 7.0]), np.full((3, 1), 30.0), 760.0)
    assert np.all(np.diff(mu_m[:, 0]) > 0)  # increasing with magnitude
    soft, _, _ = bssa2014("PGA", 5.5, 50.0, 250.0)
    rock, _, _ = bssa2014("PGA", 5.5, 50.0, 760.0)
    assert soft > rock  # weak motion: soft sites amplify


def test_bssa2014_reverse_mechanism_from_rake():
    mu_rs, _, _ = bssa2014("PGA", 6.5, 10.0, 760.0, rake=90.0)
    mu_rs2, _, _ = bssa2014("PGA", 6.5, 10.0, 760.0, mechanism="reverse")
    assert float(mu_rs) == float(mu_rs2)
    mu_u, _, _ = bssa2014("PGA", 6.5, 10.0, 760.0)
    assert float(mu_rs) - float(mu_u) == pytest.approx(0.4539 - 0.4473)


def test_ground_motion_broadcasting_shapes():
    mag = np.array([5.5, 6.5, 7.5])
    rjb = np.array([[5.0, 20.0, 60.0, 120.0]] * 3)
    vs30 = np.array([250.0, 400.0, 760.0, 1100.0])
    mean_ln, tau, phi = ground_motion("bssa2014", "SA(0.6)", mag, rjb, vs30)
    assert mean_ln.shape == (3, 4)
    assert tau.shape == (3, 1)
    assert phi.shape == (3, 4)


def test_ground_motion_bad_inputs():
    with pytest.raises(HazardError, match="unknown ground-motion model"):
        ground_motion("akkar2014", "PGA", 6.0, 10.0, 760.0)
    with pytest.raises(HazardError, match="unknown intensity measure"):
        bssa2014("SA(0.5)", 6.0, 10.0, 760.0)
    with pytest.raises(HazardError, match="carries a unit"):
        bssa2014("PGA [cm/s2]", 6.0, 10.0, 760.0)
    with pytest.raises(HazardError, match="'mag'"):
        bssa2014("PGA", 8.8, 10.0, 760.0)
    with pytest.raises(HazardError, match="'mag'"):
        bssa2014("PGA", 7.5, 10.0, 760.0, mechanism="normal")
    with pytest.raises(HazardError, match="'rjb_km'"):
        bssa2014("PGA", 6.0, 450.0, 760.0)
    with pytest.raises(HazardError, match="'vs30'"):
        bssa2014("PGA", 6.0, 10.0, 0.76)
    assert bssa2014("sa(1)", 6.0, 10.0, 760.0)[0] == bssa2014("SA(1.0)", 6.0, 10.0, 760.0)[0]


# ---------------------------------------------------------------- units


def test_to_g_and_check_g():
    assert to_g(980.665, "gal") == pytest.approx(1.0)
    assert to_g(980.665, "cm/s2") == pytest.approx(1.0)
    assert to_g(9.80665, "m/s²") == pytest.approx(1.0)
    np.testing.assert_allclose(to_g([0.1, 0.2], "g"), [0.1, 0.2])
    with pytest.raises(HazardError, match="unknown acceleration unit"):
        to_g(1.0, "ft/s2")
    check_g([0.05, 0.4, 1.2], "pga")
    with pytest.raises(HazardError, match="pga.*cm/s"):
        check_g([120.0, 350.0], "pga")
    with pytest.raises(HazardError, match="negative"):
        check_g([-0.1], "pga")


# ---------------------------------------------------------------- Wald & Allen 2007


def test_wald_allen_active_table_edges():
    slopes = [1.0e-4, 2.2e-3, 6.3e-3, 0.018, 0.050, 0.10, 0.138]
    np.testing.assert_allclose(vs30_from_slope(slopes),
                               [180, 240, 300, 360, 490, 620, 760], rtol=1e-12)
    assert vs30_from_slope(1e-6) == 180.0
    assert vs30_from_slope(0.0) == 180.0
    assert vs30_from_slope(5.0) == 900.0  # cap above the table


def test_wald_allen_interpolates_log_log_within_class():
    s = math.sqrt(2.2e-3 * 6.3e-3)  # geometric middle of the 240–300 class
    assert vs30_from_slope(s) == pytest.approx(math.sqrt(240 * 300))


def test_wald_allen_stable_and_errors():
    assert vs30_from_slope(0.025, tectonic="stable") == pytest.approx(760.0)
    with pytest.raises(HazardError, match="tectonic"):
        vs30_from_slope(0.01, tectonic="craton")
    with pytest.raises(HazardError, match="degrees or percent"):
        vs30_from_slope(30.0)


def test_slope_from_dem_plane():
    x = np.arange(20) * 100.0
    dem = np.tile(0.05 * x, (10, 1))  # 5 % plane rising eastwards
    slope = slope_from_dem(dem, 100.0)
    np.testing.assert_allclose(slope, 0.05)
    assert vs30_from_slope(slope)[0, 0] == pytest.approx(490.0)
    with pytest.raises(HazardError, match="res_m"):
        slope_from_dem(dem, 0.0)


def test_several_imts_at_once_equal_one_call_each():
    from carlcities.risk.gmpe import bssa2014_imts, ground_motions

    rng = np.random.default_rng(3)
    mag = rng.uniform(4.0, 8.0, 7)
    rjb = rng.uniform(0.0, 300.0, (7, 5))
    vs30 = rng.uniform(180.0, 1200.0, 5)
    for imts in (("PGA", "SA(1.0)"), ("SA(1.0)", "PGA"), ("SA(0.3)", "SA(1.0)", "PGA")):
        together = bssa2014_imts(imts, mag, rjb, vs30)
        assert len(together) == len(imts)
        for imt, got in zip(imts, together):
            for a, b in zip(got, bssa2014(imt, mag, rjb, vs30)):
                np.testing.assert_array_equal(a, b)  # bit for bit
    cy = ground_motions("cy2014", ("PGA", "SA(1.0)"), mag, rjb, vs30)
    np.testing.assert_array_equal(cy[1][0], ground_motion("cy2014", "SA(1.0)", mag, rjb,
                                                          vs30)[0])
