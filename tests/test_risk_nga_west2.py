"""CY14 and ASK14: against OpenQuake hazardlib on the same inputs (fixture written by
benchmarks/peers/oq_nga_west2.py, hazardlib version in its first line), values by hand, guards."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carlcities.errors import HazardError
from carlcities.risk.gmpe import IMTS, ground_motion
from carlcities.risk.nga_west2 import ask2014, cy2014, cy2014_z1_m, mean_ztor_km

FIXTURE = Path(__file__).parent / "data" / "nga_west2_openquake.csv"


def _peer():
    return pd.read_csv(FIXTURE, comment="#")


def test_fixture_names_its_producer():
    head = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
    assert "openquake.hazardlib" in head and "oq_nga_west2.py" in head


@pytest.mark.parametrize("model", ["cy2014", "ask2014"])
@pytest.mark.parametrize("imt", IMTS)
def test_matches_openquake_to_1e6(model, imt):
    df = _peer()
    d = df[(df.model == model) & (df.imt == imt)]
    assert len(d) >= 300
    fn = cy2014 if model == "cy2014" else ask2014
    extra = {} if model == "cy2014" else {"ry0_km": d.ry0_km.to_numpy()[:, None],
                                          "width_km": d.width_km.to_numpy()[:, None]}
    z1 = np.where(d.z1_m.to_numpy() < 0, np.nan, d.z1_m.to_numpy())
    # default Z1.0 rows: z1_m=None; the others: the given depth
    for default in (True, False):
        sel = np.isnan(z1) if default else ~np.isnan(z1)
        dd = d[sel]
        kw = {k: v[sel] for k, v in extra.items()}

        def col(name, dd=dd):  # one event per row, one site each: (n, 1)
            return dd[name].to_numpy()[:, None]
        mean, tau, phi = fn(imt, dd.mag.to_numpy(), col("rrup_km"), col("vs30"),
                            rjb_km=col("rjb_km"), rx_km=col("rx_km"), rake=col("rake"),
                            dip=col("dip"), ztor_km=col("ztor_km"),
                            z1_m=None if default else col("z1_m"), **kw)
        np.testing.assert_allclose(np.exp(mean[:, 0]), np.exp(dd.mean_ln.to_numpy()),
                                   rtol=1e-6)
        np.testing.assert_allclose(tau[:, 0], dd.tau.to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(phi[:, 0], dd.phi.to_numpy(), rtol=1e-6)


def test_fixture_exercises_hanging_wall_and_basin():
    """The peer cases would not catch a dropped term if none of them used it."""
    df = _peer()
    d = df[(df.model == "ask2014") & (df.imt == "PGA")]
    on = d[(d.rx_km > 0) & (d.dip < 90) & (d.mag > 5.5)]
    mean_hw, _, _ = ask2014("PGA", on.mag.to_numpy(), on.rrup_km.to_numpy(),
                            on.vs30.to_numpy(), rjb_km=on.rjb_km.to_numpy(), rx_km=None,
                            rake=on.rake.to_numpy(), dip=on.dip.to_numpy(),
                            ztor_km=on.ztor_km.to_numpy())
    assert np.max(np.abs(mean_hw - on.mean_ln.to_numpy())) > 0.05
    c = df[(df.model == "cy2014") & (df.imt == "SA(1.0)") & (df.z1_m > 0)]
    m0, _, _ = cy2014("SA(1.0)", c.mag.to_numpy(), c.rrup_km.to_numpy(), c.vs30.to_numpy(),
                      rjb_km=c.rjb_km.to_numpy(), rx_km=c.rx_km.to_numpy(),
                      rake=c.rake.to_numpy(), dip=c.dip.to_numpy(),
                      ztor_km=c.ztor_km.to_numpy())
    assert np.max(np.abs(m0 - c.mean_ln.to_numpy())) > 0.01


def test_cy2014_pga_by_hand_rock_strike_slip():
    # M 6.5, Rrup 20 km, Vs30 1130 (reference: no site term), vertical SS, Ztor = E[Ztor]
    c1, c3, cn, cm, c5, chm, c6 = -1.5065, 1.9636, 16.0875, 4.9993, 6.4551, 3.0956, 0.4908
    cg1, cg2, cg3 = -0.007146, -0.006758, 4.2542
    m, r = 6.5, 20.0
    ln_y = (c1 + 1.06 * (m - 6) + (1.06 - c3) / cn * math.log(1 + math.exp(cn * (cm - m)))
            - 2.1 * math.log(r + c5 * math.cosh(c6 * max(m - chm, 0)))
            + (-0.5 + 2.1) * math.log(math.sqrt(r**2 + 50**2))
            + (cg1 + cg2 / math.cosh(max(m - cg3, 0))) * r)
    mean, tau, phi = cy2014("PGA", m, r, 1130.0)
    assert float(mean) == pytest.approx(ln_y, abs=1e-9)
    assert float(tau) == pytest.approx(0.4 + (0.26 - 0.4) / 1.5 * 1.5)   # M >= 6.5: tau2
    assert float(phi) == pytest.approx(0.3762 * math.sqrt(0.8 + 1.0))     # NL0 = 0 at 1130


def test_ask2014_pga_by_hand_rock_strike_slip():
    # M 7.0 >= M1 = 6.75, Rrup 30 km, Vs30 760 >= Vlin = 660, Ztor 0 (f6 = 0)
    m, r = 7.0, 30.0
    f1 = (0.587 - 0.0072 * r + (-0.41) * (m - 6.75) - 0.015 * (8.5 - m) ** 2
          + (-0.79 + 0.275 * (m - 6.75)) * math.log(math.sqrt(r**2 + 4.5**2)))
    f5 = (1.735 + (-1.47) * 1.5) * math.log(760.0 / 660.0)
    mean, tau, phi = ask2014("PGA", m, r, 760.0, ztor_km=0.0)
    assert float(mean) == pytest.approx(f1 + f5, abs=1e-9)
    assert float(tau) == pytest.approx(0.36)   # s4 for M >= 7, dAmp = 0 above Vlin
    assert float(phi) == pytest.approx(0.52)   # s2e for M >= 6


def test_sa03_not_below_pga_in_cy2014():
    for m in (5.0, 6.0, 7.5):
        pga = cy2014("PGA", m, 10.0, 760.0)[0]
        sa = cy2014("SA(0.3)", m, 10.0, 760.0)[0]
        assert float(sa) >= float(pga)


def test_defaults_and_scaling():
    assert float(mean_ztor_km(7.5, 0.0)) == 0.0
    assert float(mean_ztor_km(5.0, 0.0)) == pytest.approx((2.673 - 1.136 * 0.03) ** 2)
    assert float(mean_ztor_km(5.0, 90.0)) == pytest.approx(2.704**2)
    assert float(cy2014_z1_m(1360.0)) == pytest.approx(1.0)
    for fn in (cy2014, ask2014):
        mu_r, _, _ = fn("PGA", 6.5, np.array([[1.0, 10.0, 50.0, 150.0]]), 760.0)
        assert np.all(np.diff(mu_r[0]) < 0)
        mu_m, _, _ = fn("SA(1.0)", np.array([5.0, 6.0, 7.0]), np.full((3, 1), 30.0), 760.0)
        assert np.all(np.diff(mu_m[:, 0]) > 0)
        soft, _, _ = fn("SA(1.0)", 5.5, 50.0, 250.0)
        rock, _, _ = fn("SA(1.0)", 5.5, 50.0, 760.0)
        assert soft > rock
        rev, _, _ = fn("PGA", 6.5, 20.0, 760.0, rake=90.0, dip=45.0, ztor_km=2.0)
        ss, _, _ = fn("PGA", 6.5, 20.0, 760.0, rake=0.0, dip=90.0, ztor_km=2.0)
        # CY14 has a reverse-faulting term; ASK14's a11 is 0 at these periods
        assert rev > ss if fn is cy2014 else rev == pytest.approx(ss)


def test_three_models_agree_within_a_factor_two_on_rock():
    """The NGA-West2 models were fitted to the same database: medians within a factor ~1.5
    on rock for M 6-7.5 at 10-100 km (a check that no term is off by orders)."""
    mags = np.array([6.0, 7.0, 7.5])
    r = np.array([[10.0, 30.0, 100.0]])
    for imt in IMTS:
        b = ground_motion("bssa2014", imt, mags, np.repeat(r, 3, 0), np.array([760.0]))[0]
        for model in ("cy2014", "ask2014"):
            o = ground_motion(model, imt, mags, np.repeat(r, 3, 0), np.array([760.0]))[0]
            assert np.all(np.abs(o - b) < math.log(2.0)), (model, imt, np.exp(o - b))


def test_ground_motion_dispatches_the_nga_models_with_point_source_conventions():
    mean, tau, phi = ground_motion("cy2014", "sa(1)", np.array([6.0, 7.0]),
                                   np.array([[10.0, 50.0, 100.0], [5.0, 20.0, 200.0]]),
                                   np.array([760.0, 400.0, 250.0]))
    assert mean.shape == tau.shape == phi.shape == (2, 3)
    # Rrup = sqrt(RJB^2 + E[Ztor]^2), vertical strike-slip, no hanging wall
    zt = float(mean_ztor_km(6.0, 0.0))
    ref = cy2014("SA(1.0)", 6.0, math.hypot(10.0, zt), 760.0, rjb_km=10.0)[0]
    assert mean[0, 0] == pytest.approx(float(ref), abs=1e-12)
    rev = ground_motion("ask2014", "PGA", 6.5, np.array([[20.0]]), np.array([760.0]),
                        mechanism="reverse")[0]
    ss = ground_motion("ask2014", "PGA", 6.5, np.array([[20.0]]), np.array([760.0]))[0]
    assert rev.item() > ss.item()   # deeper E[Ztor] of reverse faults: f6 = a15 Ztor/20


def test_bad_inputs():
    with pytest.raises(HazardError, match="imt"):
        cy2014("SA(2.0)", 6.0, 10.0, 760.0)
    with pytest.raises(HazardError, match="'mag'"):
        ask2014("PGA", 9.0, 10.0, 760.0)
    with pytest.raises(HazardError, match="'rrup_km'"):
        cy2014("PGA", 6.0, 1000.0, 760.0)
    with pytest.raises(HazardError, match="'vs30'"):
        ask2014("PGA", 6.0, 10.0, 3000.0)
    with pytest.raises(HazardError, match="'dip'"):
        cy2014("PGA", 6.0, 10.0, 760.0, dip=0.0)
    with pytest.raises(HazardError, match="'rake'"):
        ask2014("PGA", 6.0, 10.0, 760.0, rake=270.0)
