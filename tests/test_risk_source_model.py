"""Issue 15: fault sources by moment balance, the logic tree, authoritative hazard input and
the validation bands against published hazard."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carlcities.errors import CarlError, HazardError
from carlcities.risk import authoritative as au
from carlcities.risk import psha
from carlcities.risk.seismicity import EventSet, hazard_curve
from carlcities.risk.seismicity.faults import (
    CHAR_FRACTION,
    fault_event_set,
    fault_mfd,
    load_fault_sources,
    moment_nm,
    read_fault_sources,
)

HEAD = ("fault_id,name,trace,dip_deg,rake_deg,usd_km,lsd_km,slip_rate_mm_yr,slip_source,"
        "mmax_cap\n")


def _fault(tmp_path, row):
    p = tmp_path / "f.csv"
    p.write_text(HEAD + row + "\n", encoding="utf-8")
    return p


def test_moment_balance_by_hand(tmp_path):
    # 100 km E-W at the equator, vertical, 0-15 km, 2 mm/yr: A = 1500 km2
    p = _fault(tmp_path, "t,T,0 0;0.899321 0,90,180,0,15,2.0,test,8.0")
    (f,) = read_fault_sources(p)
    assert f.length_km() == pytest.approx(100.0, rel=1e-3)
    m0dot = 3.0e10 * 1500e6 * 2e-3                      # N m / yr
    assert f.moment_rate_nm_yr() == pytest.approx(m0dot, rel=1e-3)
    assert f.mchar() == pytest.approx(4.07 + 0.98 * math.log10(1500.0), rel=1e-3)
    m, r = fault_mfd(f, 1.0)
    assert (r * moment_nm(m)).sum() == pytest.approx(f.moment_rate_nm_yr(), rel=1e-9)
    char = r[-3:] * moment_nm(m[-3:])
    assert char.sum() == pytest.approx(CHAR_FRACTION * f.moment_rate_nm_yr(), rel=1e-9)
    assert np.all(np.diff(r[:-3]) < 0)                  # GR part falls with magnitude
    assert moment_nm(6.0) == pytest.approx(10 ** 18.05)  # Hanks & Kanamori


@pytest.mark.parametrize("row, text", [
    ("t,T,0 0;1 0,,180,0,15,2.0,x,8.0", "no dip_deg"),
    ("t,T,0 0;1 0,90,180,0,15,0,x,8.0", "must be > 0"),
    ("t,T,0 0;1 0,90,180,0,15,-1,x,8.0", "must be > 0"),
    ("t,T,0 0,90,180,0,15,1,x,8.0", "at least two points"),
    ("t,T,0 0;1 0,90,180,15,10,1,x,8.0", "usd_km < lsd_km"),
])
def test_fault_bad_input(tmp_path, row, text):
    p = _fault(tmp_path, row)
    with pytest.raises(HazardError, match=text) as e:
        read_fault_sources(p)
    assert isinstance(e.value, CarlError) and "f.csv" in str(e.value)


def test_fault_ruptures_sit_at_the_trace_distance():
    faults = load_fault_sources(geometry="packaged")   # the hand trace (GEM: 1.4 km)
    alm = next(f for f in faults if f.fault_id == "zailisky_alatau")
    es = fault_event_set([alm], 76.928, 43.257, 0.9)
    from carlcities.risk.seismicity import haversine_km
    d = haversine_km(es.lon, es.lat, 76.928, 43.257)
    # Almaty sits ~9 km north of the digitised range front: nearest ruptures at that distance
    assert 5.0 < d.min() < 15.0
    m, r = fault_mfd(alm, 0.9)
    assert es.rate.sum() == pytest.approx(r.sum(), rel=1e-9)   # every rupture within 300 km


def test_branch_weights_and_weighted_quantile_by_hand():
    assert sum(b.weight for b in psha.BRANCHES) == pytest.approx(1.0)
    assert len(psha.BRANCHES) == 81
    for g in ("bssa2014", "cy2014", "ask2014"):   # equal thirds for the GMPE branch set
        assert sum(b.weight for b in psha.BRANCHES if b.gmpe == g) == pytest.approx(1 / 3)
    v = np.array([[1.0], [2.0], [3.0], [4.0]])
    w = np.array([0.1, 0.2, 0.3, 0.4])
    assert psha.weighted_quantile(v, w, 0.16)[0] == 2.0    # cum 0.1, 0.3 -> second
    assert psha.weighted_quantile(v, w, 0.5)[0] == 3.0     # cum 0.6 -> third
    assert psha.weighted_quantile(v, w, 0.84)[0] == 4.0


def test_site_hazard_mean_between_fractiles_and_branch_curves_by_hand():
    h = psha.site_hazard(76.928, 43.257)
    assert h["pga475_p16"] <= h["pga475_mean"] <= h["pga475_p84"] * 1.05
    assert h["pga475_mean"] < h["pga2475_mean"]
    mean = (h["weights"][:, None] * h["branches"]).sum(axis=0)
    np.testing.assert_allclose(mean, h["mean"], rtol=1e-12)


def test_node_tables_reproduce_the_exact_hazard_curve():
    """The classical hazard spreads each branch's rates onto (M, ln R) nodes: on the central
    event set of Almaty and Dushanbe the rates agree with the event-by-event integral within
    1 % and the 475/2475-yr levels within 0.1 %, for each of the three GMPEs."""
    from carlcities.risk.seismicity import hazard_curve, level_at_return_period
    from carlcities.risk.seismicity.hazard_curves import poe_table, rates_on_nodes, site_distance
    lv = psha.PGA_LEVELS
    for lon, lat in ((76.928, 43.257), (68.78, 38.56)):
        es = psha.central_event_set(lon, lat)
        d = site_distance(es, lon, lat, "line_random_strike")
        nodes = rates_on_nodes(es.mag, d, es.rate)
        assert nodes.sum() == pytest.approx(es.rate.sum(), rel=1e-12)
        for g in ("bssa2014", "cy2014", "ask2014"):
            exact = hazard_curve(es, lon, lat, "PGA", lv, model=g, rupture="line_random_strike")
            grid = nodes @ poe_table(g, "PGA", 760.0, lv)
            m = exact > 1e-6
            np.testing.assert_allclose(grid[m], exact[m], rtol=0.01)
            for T in (475.0, 2475.0):
                assert level_at_return_period(lv, grid, T) == pytest.approx(
                    level_at_return_period(lv, exact, T), rel=1e-3)


def test_gmpe_branches_move_the_mean_and_widen_the_fractiles():
    """Each GMPE's branches alone give a different PGA475 (the models differ by 5-20 % at these
    sites), and the mean of the tree lies between the lowest and highest of them."""
    h = psha.site_hazard(69.28, 41.31)   # Tashkent
    lv = h["levels"]
    from carlcities.risk.seismicity import level_at_return_period
    per = {}
    for g in ("bssa2014", "cy2014", "ask2014"):
        sel = np.array([b.gmpe == g for b in psha.BRANCHES])
        lam = (h["weights"][sel, None] * h["branches"][sel]).sum(axis=0) / h["weights"][sel].sum()
        per[g] = level_at_return_period(lv, lam, 475.0)
    assert len({round(v, 4) for v in per.values()}) == 3
    assert min(per.values()) < h["pga475_mean"] < max(per.values())


# -- authoritative hazard ------------------------------------------------------------------

OQ_HEAD = ("#,,,,,\"generated_by='OpenQuake engine 3.16.0', start_date='2023-01-01', "
           "checksum=1, kind='mean', investigation_time=50.0, imt='PGA'\"\n")


def _oq_curve(tmp_path, poes, levels=(0.05, 0.1, 0.2, 0.4, 0.8), head=OQ_HEAD,
              cols="lon,lat,depth"):
    p = tmp_path / "hazard_curve-mean-PGA_1.csv"
    lv = ",".join(f"poe-{x}" for x in levels)
    rows = [f"76.9,43.25,0.0,{','.join(str(x) for x in poes)}",
            f"70.0,40.0,0.0,{','.join(str(x / 10) for x in poes)}"]
    p.write_text(head + f"{cols},{lv}\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_read_oq_hazard_curve_and_level_by_hand(tmp_path):
    poes = [0.6, 0.3, 0.1, 0.02, 0.002]
    c = au.read_oq_hazard_curves(_oq_curve(tmp_path, poes), 76.93, 43.26)
    np.testing.assert_allclose(c.rates, -np.log1p(-np.array(poes)) / 50.0)
    # 475 yr: lambda = 1/475 between 0.2 g (poe 0.1) and 0.4 g (poe 0.02), log-log
    l1, l2 = -math.log(0.9) / 50, -math.log(0.98) / 50
    f = (math.log(1 / 475) - math.log(l1)) / (math.log(l2) - math.log(l1))
    assert c.level_at(475) == pytest.approx(math.exp(math.log(0.2) + f * math.log(2)))
    with pytest.raises(HazardError, match="outside the range"):
        c.level_at(1e6)


def test_oq_curve_bad_inputs(tmp_path):
    with pytest.raises(HazardError, match="increase"):
        au.read_oq_hazard_curves(_oq_curve(tmp_path, [0.3, 0.6, 0.1, 0.02, 0.002]))
    with pytest.raises(HazardError, match="layout"):
        au.read_oq_hazard_curves(_oq_curve(tmp_path, [0.6, 0.3, 0.1, 0.02, 0.002],
                                           cols="lon,lat,x"))
    with pytest.raises(HazardError, match="investigation_time"):
        au.read_oq_hazard_curves(_oq_curve(tmp_path, [0.6, 0.3, 0.1, 0.02, 0.002],
                                           head="# exported by hand\n"))


def test_oq_hazard_map_and_curve_from_map(tmp_path):
    p = tmp_path / "hazard_map-mean_1.csv"
    p.write_text(OQ_HEAD + "lon,lat,PGA-0.1,PGA-0.02\n76.9,43.25,0.35,0.62\n",
                 encoding="utf-8")
    m = au.read_oq_hazard_map(p, 76.9, 43.25)
    assert sorted(round(t) for t in m) == [475, 2475]
    c = au.curve_from_map(m)
    assert c.level_at(-50 / math.log(0.9)) == pytest.approx(0.35, rel=1e-9)
    with pytest.raises(HazardError, match="no SA"):
        au.read_oq_hazard_map(p, imt="SA")


def test_geotiff_hazard_map_units_and_imt(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    def write(name, tags):
        p = tmp_path / name
        with rasterio.open(p, "w", driver="GTiff", height=4, width=4, count=1, dtype="float32",
                           crs="EPSG:4326", transform=from_origin(76.0, 44.0, 0.5, 0.5)) as d:
            d.write(np.full((1, 4, 4), 343.0, "float32"))
            d.update_tags(**tags)
        return p

    ok = write("pga475.tif", {"units": "cm/s2", "imt": "PGA"})
    assert au.read_hazard_geotiff(ok, 76.9, 43.25) == pytest.approx(343.0 / 980.665)
    with pytest.raises(HazardError, match="no units"):
        au.read_hazard_geotiff(write("nounit.tif", {}), 76.9, 43.25)
    with pytest.raises(HazardError, match="SA\\(1.0\\)"):
        au.read_hazard_geotiff(write("sa.tif", {"units": "g", "imt": "SA(1.0)"}), 76.9, 43.25)


def test_classical_eal_matches_event_based_on_one_event_by_hand():
    # one event, rate 0.01/yr, deterministic ground motion: EAL = rate * MLR(PGA)
    es = EventSet(mag=np.array([6.5]), lon=np.array([76.95]), lat=np.array([43.3]),
                  depth_km=np.array([10.0]), rate=np.array([0.01]))
    levels = np.geomspace(0.005, 3.0, 400)
    lam = hazard_curve(es, 76.928, 43.257, "PGA", levels)
    curve = au.HazardCurve(levels, lam)
    imls, mlr = np.array([0.05, 0.2, 0.5, 1.0]), np.array([0.0, 0.05, 0.3, 0.7])
    eal = au.classical_eal(curve, imls, mlr, 1e6)
    # Monte Carlo event-based estimate on the same event (lognormal ground motion)
    from carlcities.risk.gmpe import ground_motion
    from carlcities.risk.seismicity import haversine_km
    d = haversine_km(76.95, 43.3, 76.928, 43.257)
    mu, tau, phi = ground_motion("bssa2014", "PGA", es.mag, np.array([[d]]), np.array([760.0]))
    sig = float(np.hypot(tau[0, 0], phi[0, 0]))
    z = np.random.default_rng(1).standard_normal(400_000)
    z = z[np.abs(z) <= 3]
    pga = np.exp(mu[0, 0] + sig * z)
    eb = 0.01 * np.interp(pga, imls, mlr, left=0.0, right=0.7).mean() * 1e6
    assert eal == pytest.approx(eb, rel=0.03)


# -- validation bands ----------------------------------------------------------------------

#: mean PGA475 [g] of source model 2.0 recorded in docs/validation.md (drift guard +-20 %)
# model 3.1 (BSSA14 | CY14 | ASK14, GEM fault geometry); model 3.0 values in
# benchmarks/results/pga_48_model30.json
RECORDED_PGA475 = {"almaty": 0.413, "bishkek": 0.239, "dushanbe": 0.227, "tashkent": 0.064,
                   "ashgabat": 0.294, "samarkand": 0.161, "bukhara": 0.142, "osh": 0.195,
                   "fergana": 0.198, "termez": 0.165}
#: cities within 5 km of a modelled fault trace (GEM geometry): EMCA, built from area sources
#: and smoothed seismicity without faults, cannot see their near-fault hazard
NEAR_FAULT = {"almaty"}


def _published():
    from importlib import resources

    import pandas as pd
    with resources.as_file(resources.files("carlcities.risk") / "data"
                           / "published_hazard.csv") as p:
        return pd.read_csv(p, comment="#")


@pytest.mark.slow
def test_pga475_stays_within_the_bands_against_published_hazard():
    """Bands (docs/validation.md): (1) 0.1 <= ours / code PGA <= 2.0 where the code zone is
    MSK >= 7 (the code value is for medium soils, ours on rock: rock lower by up to a factor
    ~1.5; below 0.1 the model has lost a source, above 2 it double-counts one); (2) 0.5 <= ours /
    EMCA <= 2.0 for the four cities with an EMCA 475-yr intensity (Ullah et al. 2015, MSK
    turned into A = 0.1 x 2^(MSK - 7) g, the code's table; one intensity degree is a factor 2),
    <= 2.5 for a city within 5 km of a modelled fault trace (Almaty: the GEM Zailisky Alatau
    trace at 1.4 km; EMCA has no fault sources, so a near-fault city may exceed it by more than
    the degree);
    (3) no city drifts more than 20 % from the recorded values without the table being updated."""
    import pandas as pd
    cities = pd.read_csv("src/carlcities/data/cities.csv").set_index("city_id")
    pub = _published()
    cache: dict[str, float] = {}

    def pga(cid):
        if cid not in cache:
            c = cities.loc[cid]
            cache[cid] = psha.site_hazard(float(c.lon), float(c.lat))["pga475_mean"]
        return cache[cid]

    for r in pub[pub["msk_code"] >= 7].itertuples():
        ratio = pga(r.city_id) / r.pga_code_g
        assert 0.1 <= ratio <= 2.0, (r.city_id, pga(r.city_id), r.pga_code_g)
    for r in pub[pub["msk_emca"].notna()].itertuples():
        a_emca = 0.1 * 2.0 ** (float(r.msk_emca) - 7.0)
        hi = 2.5 if r.city_id in NEAR_FAULT else 2.0
        assert 0.5 <= pga(r.city_id) / a_emca <= hi, (r.city_id, pga(r.city_id), a_emca)
    for cid, v in RECORDED_PGA475.items():
        assert pga(cid) == pytest.approx(v, rel=0.2), cid
    # the near-fault exception is earned: Almaty is within 5 km of a fault trace
    from carlcities.risk.seismicity import haversine_km
    alm = cities.loc["almaty"]
    d = min(float(haversine_km(f.lon, f.lat, alm.lon, alm.lat).min())
            for f in psha.load_fault_sources())
    assert d < 5.0
