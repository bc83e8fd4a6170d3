"""Catalogues, recurrence, event sets, hazard curves and historic scenarios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from carlcities.errors import HazardError
from carlcities.risk import historic
from carlcities.risk.gmpe import bssa2014
from carlcities.risk.seismicity import (
    COMPLETENESS_CENTENNIAL,
    EventSet,
    GRParams,
    aki_utsu_b,
    build_event_set,
    city_hazard,
    completeness_start,
    haversine_km,
    hazard_curve,
    level_at_return_period,
    read_catalogue,
    read_centennial,
    read_noaa_signif,
    return_period_from_poe,
    sample_stochastic_catalogue,
    stepp_completeness,
    weichert,
)
from tests.conftest import shared_file

NOAA_CA = "earthquakes/noaa_ncei_signif_earthquakes_central_asia.tsv"
CENTENNIAL = "earthquakes/usgs_centennial_Y2K_central_asia_bbox.txt"

# ---------------------------------------------------------------- readers


def test_read_noaa_central_asia():
    df = read_noaa_signif(shared_file(NOAA_CA))
    assert len(df) == 65 and df.attrs["n_skipped"] == 3  # 68 rows; 3 without magnitude
    ash = df[(df.year == 1948)].iloc[0]
    assert (ash.mag, ash.mag_type) == (7.3, "Ms")
    kemin = df[(df.year == 1911) & (df.lat == 43.5)].iloc[0]
    assert (kemin.mag, kemin.mag_type) == (7.7, "Mw")  # Mw preferred over Ms 8.4
    assert df[df.year == 1887].iloc[0].mag_type == "unknown"
    assert df.year.min() == -2000 and pd.isna(df.time.iloc[0])


def test_read_centennial():
    df = read_catalogue(shared_file(CENTENNIAL))
    assert len(df) == 255 and df.attrs["n_skipped"] == 0
    first = df.iloc[0]
    assert (first.year, first.lat, first.lon, first.mag, first.mag_type) == (
        1902, 40.0, 77.0, 7.7, "Mw")
    kemin = df[(df.year == 1911) & (df.lat == 43.5)].iloc[0]
    assert kemin.mag == 7.8 and kemin.time == pd.Timestamp("1911-01-03 23:25:45")


def test_reader_errors(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text("YEAR\tLATITUDE\n1900\t40\n")
    with pytest.raises(HazardError, match="missing columns") as e:
        read_noaa_signif(p)
    assert str(p) in str(e.value)
    hdr = "\t".join(["YEAR", "MONTH", "DAY", "FOCAL_DEPTH", "EQ_MAG_MW", "EQ_MAG_MS", "EQ_MAG_MB",
                     "EQ_MAG_ML", "EQ_MAG_MFA", "EQ_MAG_UNK", "LATITUDE", "LONGITUDE"])
    p.write_text(hdr + "\n1900\t1\t1\t10\t6.0\t\t\t\t\t\t40.0\t70.0\n"
                 "1901\t1\t1\t10\t6.1\t\t\t\t\t\tforty\t70.0\n")
    with pytest.raises(HazardError, match="line 3.*LATITUDE"):
        read_noaa_signif(p)
    p.write_text(hdr + "\n1900\t1\t1\t10\t6.0\t\t\t\t\t\t40.0\t70.0\n"
                 "1901\t1\t1\t10\t\t\t\t\t\t\t40.0\t70.0\n")
    df = read_noaa_signif(p)
    assert len(df) == 1 and df.attrs["n_skipped"] == 1
    c = tmp_path / "cent.txt"
    c.write_text(" ABE        1902  8 22   3  0  0.00   40.000  77.000\n")
    with pytest.raises(HazardError, match="line 1"):
        read_centennial(c)
    with pytest.raises(HazardError, match="not found"):
        read_catalogue(tmp_path / "missing.txt")


# ---------------------------------------------------------------- completeness and GR


def test_completeness_start_table():
    np.testing.assert_array_equal(
        completeness_start([5.4, 5.5, 6.4, 6.5, 6.9, 7.0, 8.0], COMPLETENESS_CENTENNIAL),
        [np.inf, 1964, 1964, 1930, 1930, 1900, 1900])


def test_stepp_on_centennial_catalogue():
    cat = read_centennial(shared_file(CENTENNIAL))
    table, curves = stepp_completeness(cat, [5.5, 6.0, 6.5, 7.0, 9.0], end_year=2000,
                                       dt_years=5)
    assert 1960 <= table[5.5] <= 1970  # documented: M ≥ 5.5 complete since 1964
    assert table[7.0] <= 1910  # documented: M ≥ 7 complete since 1900
    assert set(curves.columns) >= {"mag_lo", "T", "rate", "sigma_rate"}


def test_aki_utsu_by_hand():
    mags = np.array([5.5, 5.6, 5.8, 6.0, 6.5, 5.3])  # 5.3 below Mc, ignored
    m = mags[mags >= 5.5]
    b = math.log10(math.e) / (m.mean() - (5.5 - 0.05))
    sig = 2.3 * b**2 * math.sqrt(((m - m.mean()) ** 2).sum() / (5 * 4))
    got_b, got_s = aki_utsu_b(mags, 5.5, 0.1)
    assert got_b == pytest.approx(b, rel=1e-12) and got_s == pytest.approx(sig, rel=1e-12)
    assert b == pytest.approx(0.4343 / (5.88 - 5.45), rel=1e-3)


def _synthetic(b, rate_ge, mmin, mmax, completeness, end_year, dm=0.1):
    """Expected-count catalogue: bin i observed tᵢ years holds round(λᵢ·tᵢ) events."""
    mags, years = [], []
    for m in np.round(np.arange(mmin, mmax + dm / 2, dm), 6):
        lam = rate_ge * (10 ** (-b * (m - dm / 2 - (mmin - dm / 2)))
                         - 10 ** (-b * (m + dm / 2 - (mmin - dm / 2))))
        start = completeness_start([m], completeness)[0]
        n = int(round(lam * (end_year - start)))
        mags += [m] * n
        years += list(np.linspace(start, end_year - 0.01, n))
    return np.array(mags), np.array(years)


def test_weichert_recovers_b_and_rate_with_unequal_periods():
    comp = {5.0: 1990, 6.0: 1950, 7.0: 1850}
    mags, years = _synthetic(1.0, 20.0, 5.0, 7.9, comp, 2020.0)
    gr = weichert(mags, years, comp, end_year=2020.0, mmax=8.0)
    assert gr.b == pytest.approx(1.0, abs=0.02)
    # rate of M ≥ 4.95 (bin edge) is 20/yr; GRParams.rate_mmin is that of M ≥ 5.0
    assert gr.rate_mmin == pytest.approx(20.0 * 10 ** (-gr.b * 0.05), rel=0.03)
    assert gr.n_events == len(mags) and gr.b_sigma > 0
    assert gr.a == pytest.approx(math.log10(gr.rate_mmin) + gr.b * 5.0)


def test_weichert_equal_periods_solves_binned_likelihood():
    comp = {5.0: 1900}
    mags = np.array([5.0] * 30 + [5.1] * 22 + [5.3] * 12 + [5.6] * 6 + [6.0] * 3 + [6.4])
    gr = weichert(mags, np.full(mags.size, 1950.0), comp, end_year=2000.0, mmax=7.0)
    grid = np.round(np.arange(5.0, 6.45, 0.1), 6)
    beta = gr.b * math.log(10)
    w = np.exp(-beta * grid)
    assert (w * grid).sum() / w.sum() == pytest.approx(mags.mean(), abs=1e-9)
    # N·Σe^(−βm)/Σ t e^(−βm) with t = 100 yr for every bin → N/100 per year at M ≥ 4.95
    assert gr.rate_mmin * 10 ** (gr.b * 0.05) == pytest.approx(mags.size / 100.0, rel=1e-9)


def test_gr_guards():
    with pytest.raises(HazardError, match="only 3 complete events.*\n.*widen"):
        weichert([5.5, 6.0, 7.0], [1990, 1991, 1992], COMPLETENESS_CENTENNIAL,
                 end_year=2000, mmax=8.0)
    with pytest.raises(HazardError, match="b-value"):
        GRParams(a=4, b=-0.5, mmin=5, mmax=8, rate_mmin=1)
    with pytest.raises(HazardError, match="mmax"):
        GRParams(a=4, b=1, mmin=5, mmax=5, rate_mmin=1)
    with pytest.raises(HazardError, match="rate"):
        GRParams(a=4, b=1, mmin=5, mmax=8, rate_mmin=-1)


# ---------------------------------------------------------------- event sets


def test_event_set_rates_sum_to_truncated_gr():
    gr = GRParams(a=4.0, b=1.0, mmin=5.0, mmax=7.5, rate_mmin=10.0)
    es = build_event_set(gr, 74.6, 42.9, 100.0, spacing_km=20.0, mag_step=0.1, mmin=5.0)
    assert es.rate.sum() == pytest.approx(10 ** (4 - 5.0) - 10 ** (4 - 7.5), rel=1e-12)
    assert np.unique(es.mag).size == 25 and es.mag.min() == pytest.approx(5.05)
    assert np.all(haversine_km(es.lon, es.lat, 74.6, 42.9) <= 100.5)
    # uniform: every source point of one magnitude bin has the same rate
    first = es.rate[es.mag == es.mag.min()]
    assert np.allclose(first, first[0])


def test_smoothed_event_set_concentrates_near_events():
    gr = GRParams(a=4.0, b=1.0, mmin=5.0, mmax=7.0, rate_mmin=10.0)
    cat = pd.DataFrame(dict(lon=[74.9] * 5, lat=[42.9] * 5))
    es = build_event_set(gr, 74.6, 42.9, 100.0, spacing_km=10.0, spatial="smoothed",
                         catalogue=cat, kernel_km=25.0)
    d = haversine_km(es.lon, es.lat, 74.9, 42.9)
    near, far = es.rate[(d < 10) & (es.mag < 5.1)], es.rate[(d > 80) & (es.mag < 5.1)]
    assert near.min() > 100 * far.max()
    assert es.rate.sum() == pytest.approx(10 ** (4 - 5.0) - 10 ** (4 - 7.0), rel=1e-12)


def test_stochastic_catalogue_poisson_count():
    gr = GRParams(a=4.0, b=1.0, mmin=5.0, mmax=7.0, rate_mmin=10.0)
    es = build_event_set(gr, 74.6, 42.9, 100.0, spacing_km=25.0)
    years = 5000.0
    cat = sample_stochastic_catalogue(es, years, np.random.default_rng(1))
    expected = es.rate.sum() * years
    assert abs(len(cat) - expected) < 5 * math.sqrt(expected)
    assert cat.year.is_monotonic_increasing and cat.mag.min() >= 5.0


# ---------------------------------------------------------------- hazard


def _one_event(rate=0.01, mag=6.5):
    # epicentre 0.2° north of the site: ~22.24 km
    return EventSet(mag=[mag], lon=[74.6], lat=[43.075], depth_km=[10.0], rate=[rate])


def test_hazard_curve_single_event_by_hand():
    es = _one_event()
    r = float(haversine_km(74.6, 43.075, 74.6, 42.875))
    assert r == pytest.approx(22.24, abs=0.01)
    levels = np.array([0.05, 0.1, 0.2, 0.4])
    lam = hazard_curve(es, 74.6, 42.875, "PGA", levels)
    mu, tau, phi = bssa2014("PGA", 6.5, r, 760.0)
    sig = math.sqrt(float(tau) ** 2 + float(phi) ** 2)
    for x, got in zip(levels, lam):
        z = (math.log(x) - float(mu)) / sig
        phi_ = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        lo, hi = 0.5 * (1 + math.erf(-3 / math.sqrt(2))), 0.5 * (1 + math.erf(3 / math.sqrt(2)))
        assert got == pytest.approx(0.01 * (hi - phi_) / (hi - lo), rel=1e-9)


def test_hazard_curve_msk_single_event_by_hand():
    es = _one_event()
    r = float(haversine_km(74.6, 43.075, 74.6, 42.875))
    d = math.sqrt(r**2 + 100)
    mu = 0.898 * 6.5 + 1.215 - 1.809 * math.log10(d / 10) - 0.003447 * (d - 10)
    lam = hazard_curve(es, 74.6, 42.875, "MSK", np.array([5.0, 6.0, 7.0, 9.0]))
    z = (np.array([5.0, 6.0, 7.0, 9.0]) - mu) / 0.737
    exp = 0.01 * (ndtr(3) - ndtr(z)) / (ndtr(3) - ndtr(-3))
    exp[z >= 3] = 0.0
    np.testing.assert_allclose(lam, exp, rtol=1e-9, atol=0)
    assert lam[-1] == 0.0  # 9 is more than 3σ above the mean: truncated


def test_hazard_curve_monotone_and_rate_scaling():
    gr = GRParams(a=3.5, b=0.9, mmin=5.0, mmax=7.8, rate_mmin=10 ** (3.5 - 4.5))
    es = build_event_set(gr, 74.6, 42.9, 150.0, spacing_km=15.0)
    levels = np.geomspace(0.005, 2.0, 40)
    lam = hazard_curve(es, 74.6, 42.9, "PGA", levels)
    assert np.all(np.diff(lam) <= 0)
    es2 = EventSet(es.mag, es.lon, es.lat, es.depth_km, 2 * es.rate, es.rupture_length_km)
    lam2 = hazard_curve(es2, 74.6, 42.9, "PGA", levels)
    np.testing.assert_allclose(lam2, 2 * lam)
    assert level_at_return_period(levels, lam2, 475) > level_at_return_period(levels, lam, 475)
    lam_line = hazard_curve(es, 74.6, 42.9, "PGA", levels, rupture="line_random_strike")
    assert np.all(lam_line >= lam - 1e-15)  # finite ruptures come closer to the site
    with pytest.raises(HazardError, match="cm/s"):
        hazard_curve(es, 74.6, 42.9, "PGA", np.array([50.0, 100.0]))


def test_level_at_return_period_log_log_by_hand():
    levels, rates = np.array([0.1, 0.2]), np.array([1e-2, 1e-3])
    f = (math.log(1 / 475) - math.log(1e-2)) / (math.log(1e-3) - math.log(1e-2))
    expected = math.exp(math.log(0.1) + f * math.log(2))
    assert level_at_return_period(levels, rates, 475) == pytest.approx(expected, rel=1e-12)
    assert level_at_return_period([7.0, 8.0], [1e-2, 1e-3], 475, log_levels=False) == (
        pytest.approx(7.0 + f))
    with pytest.raises(HazardError, match="start the levels lower"):
        level_at_return_period(levels, [1e-4, 1e-5], 475)
    assert return_period_from_poe(0.10, 50) == pytest.approx(474.56, abs=0.01)
    assert return_period_from_poe(0.02, 50) == pytest.approx(2474.9, abs=0.1)


def test_city_hazard_on_centennial_fixture():
    cat = read_centennial(shared_file(CENTENNIAL))
    out = city_hazard(76.928, 43.257, cat, spacing_km=15.0)  # Almaty
    assert set(out) == {"hazard.eq_pga475_rock", "hazard.eq_pga2475_rock", "hazard.eq_msk475"}
    assert 0.05 < out["hazard.eq_pga475_rock"] < out["hazard.eq_pga2475_rock"] < 1.5
    assert 6.0 < out["hazard.eq_msk475"] < 9.5
    with pytest.raises(HazardError, match="complete events.*\n.*widen the source radius"):
        city_hazard(71.446, 51.180, cat)  # Astana: no M ≥ 5.5 within 300 km


# ---------------------------------------------------------------- historic scenarios


def test_historic_loader_default_file():
    events = historic.load_historic()
    ids = {e.id for e in events}
    assert {"verny_1887", "chilik_1889", "kemin_1911", "karatag_1907", "ashgabat_1948",
            "tashkent_1966"} <= ids
    for e in events:
        for c in e.cities:
            assert c.observed_msk is None or c.source


def _write(tmp_path, text):
    p = tmp_path / "h.yaml"
    p.write_text(text)
    return p


BASE = """events:
  - id: x
    name_en: X
    name_ru: Х
    date: "1948-10-05"
    magnitude: 7.3
    magnitude_type: Ms
    magnitude_source: NOAA
    epicentre_lon: 58.32
    epicentre_lat: 37.95
    epicentre_source: NOAA
    depth_km: 15
    depth_source: assumed
    cities:
      - city: ashgabat
        lon: 58.38
        lat: 37.938
        observed_msk: 9.5
        observed_text: IX-X
        scale: MSK-64
        source: NOAA
"""


def test_historic_loader_validates(tmp_path):
    assert historic.load_historic(_write(tmp_path, BASE))[0].magnitude == 7.3
    with pytest.raises(HazardError, match=r"unknown key\(s\) \['colour'\]"):
        historic.load_historic(_write(tmp_path, BASE.replace("    depth_km: 15\n",
                                                             "    depth_km: 15\n    colour: red\n")))
    with pytest.raises(HazardError, match="without its 'source'"):
        historic.load_historic(_write(tmp_path, BASE.replace("source: NOAA\n", "source: null\n")
                                      .replace("magnitude_source: null", "magnitude_source: NOAA")
                                      .replace("epicentre_source: null",
                                               "epicentre_source: NOAA")))
    with pytest.raises(HazardError, match="missing key"):
        historic.load_historic(_write(tmp_path, BASE.replace("    depth_source: assumed\n", "")))
    with pytest.raises(HazardError, match="magnitude"):
        historic.load_historic(_write(tmp_path, BASE.replace("magnitude: 7.3", "magnitude: 73")))


def test_ashgabat_1948_comparison_by_hand():
    table = historic.comparison_table()
    row = table[(table.event == "ashgabat_1948") & (table.city == "ashgabat")].iloc[0]
    # haversine distance between the NOAA epicentre (58.32 E, 37.95 N) and Ashgabat
    la1, la2, dlo = math.radians(37.95), math.radians(37.938), math.radians(0.06)
    a = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    r = 2 * 6371.0088 * math.asin(math.sqrt(a))
    assert r == pytest.approx(5.43, abs=0.01)
    d = math.sqrt(r**2 + 15**2)  # depth 15 km (assumed, flagged)
    mod = 0.898 * 7.3 + 1.215 - 1.809 * math.log10(d / 15) - 0.003447 * (d - 15)
    assert row.modelled_msk == pytest.approx(mod, abs=1e-9)
    assert row.sigma == 0.737 and row.observed_msk == 9.5
    assert row.residual == pytest.approx(9.5 - mod)


def test_scenario_intensity_uses_trace_when_given():
    ev = historic.load_historic()[0]
    from dataclasses import replace

    traced = replace(ev, fault_trace=((76.0, 43.0), (78.0, 43.0)), trace_source="test")
    i_trace, _ = historic.scenario_intensity(traced, 77.0, 43.0)  # on the trace
    i_epi, _ = historic.scenario_intensity(ev, 77.0, 43.0)
    assert i_trace > i_epi
    assert i_trace == pytest.approx(0.898 * ev.magnitude + 1.215, abs=1e-9)  # R = 0
