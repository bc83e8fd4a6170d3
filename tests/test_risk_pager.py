"""USGS PAGER empirical fatality model: formula by hand, packaged parameters, historic tolls."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from scipy.special import ndtr

from carlcities.errors import HazardError
from carlcities.risk.historic import load_historic, scenario_intensity, scenario_intensity_at
from carlcities.risk.pager import (
    PagerModel,
    expected_fatalities,
    fatality_rate,
    load_pager_models,
)
from tests.conftest import shared_file

CA = PagerModel("UZB", "UZ", 20.476568, 0.280662, "InGroup", "test")


def test_rate_by_hand():
    # ν(8) = Φ(ln(8 / 20.476568) / 0.280662) = Φ(−0.93981 / 0.280662) = Φ(−3.3487) = 4.06e-4
    z = math.log(8 / 20.476568) / 0.280662
    assert z == pytest.approx(-3.3487, abs=1e-4)
    assert fatality_rate(8.0, CA.theta, CA.beta) == pytest.approx(float(ndtr(z)), rel=1e-12)
    assert float(fatality_rate(8.0, CA.theta, CA.beta)) == pytest.approx(4.06e-4, rel=2e-3)
    # above X evaluated at X; below V nothing; monotone in between
    r = fatality_rate([4.9, 5.0, 7.0, 10.0, 11.5], CA.theta, CA.beta)
    assert r[0] == 0 and r[-1] == r[-2] and np.all(np.diff(r[1:4]) > 0)
    assert fatality_rate([np.nan], CA.theta, CA.beta)[0] == 0


def test_expected_fatalities_sum_by_hand():
    # 100,000 people at VIII and 50,000 at IX: 1e5·ν(8) + 5e4·ν(9)
    want = 1e5 * ndtr(math.log(8 / CA.theta) / CA.beta) + 5e4 * ndtr(math.log(9 / CA.theta)
                                                                       / CA.beta)
    assert expected_fatalities([8.0, 9.0], [1e5, 5e4], CA) == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(40.6 + 85.0, rel=5e-3)
    with pytest.raises(HazardError, match="negative population"):
        expected_fatalities([8.0], [-1.0], CA)
    with pytest.raises(HazardError, match="positive"):
        fatality_rate(8.0, 0.0, 0.3)


def test_packaged_parameters_and_bad_table(tmp_path):
    m = load_pager_models()
    assert {"KAZ", "KGZ", "TJK", "TKM", "UZB"} <= set(m)
    # one regional-group model for Central Asia (fatality.xml: all five InGroup, same θ, β)
    assert len({(m[c].theta, m[c].beta) for c in ("KAZ", "KGZ", "TJK", "TKM", "UZB")}) == 1
    assert m["IRN"].theta < m["UZB"].theta  # Iran's own fit is far more lethal at VIII
    bad = tmp_path / "pager.csv"
    bad.write_text("iso3,ccode,theta,beta,status,source\nUZB,UZ,x,0.2,InGroup,s\n",
                   encoding="utf-8")
    with pytest.raises(HazardError) as e:
        load_pager_models(bad)
    assert "pager.csv" in str(e.value) and "row 2" in str(e.value)


def test_vectorised_intensity_equals_the_scalar_one():
    for ev in load_historic():
        c = ev.cities[0]
        lons = np.array([c.lon, c.lon + 0.1, c.lon - 0.3])
        lats = np.array([c.lat, c.lat - 0.1, c.lat + 0.2])
        many = scenario_intensity_at(ev, lons, lats)
        one = [scenario_intensity(ev, x, y)[0] for x, y in zip(lons, lats)]
        assert many == pytest.approx(one, rel=1e-12), ev.id


def test_historic_tolls_match_noaa():
    path = shared_file("earthquakes/noaa_ncei_signif_earthquakes_central_asia.tsv")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    by_year = {}
    for r in rows:
        if (r.get("DEATHS") or "").strip():
            by_year.setdefault(int(r["YEAR"]), []).append(float(r["DEATHS"]))
    tolls = {e.id: e.observed_deaths for e in load_historic() if e.observed_deaths is not None}
    assert tolls == {"kemin_1911": 450, "karatag_1907": 12000, "ashgabat_1948": 110000,
                     "tashkent_1966": 10, "andijan_1902": 4880}
    for eid, d in tolls.items():
        assert d in by_year[int(eid.rsplit("_", 1)[1])], eid


def test_toll_needs_its_source(tmp_path):
    import yaml

    from carlcities.risk.historic import DEFAULT_PATH

    doc = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    ev = next(e for e in doc["events"] if e["id"] == "tashkent_1966")
    ev.pop("deaths_source")
    f = tmp_path / "events.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(HazardError) as e:
        load_historic(f)
    assert "deaths_source" in str(e.value) and "events.yaml" in str(e.value)


def test_store_written_before_the_pager_columns_gets_them(tmp_path):
    """A 0.2.0 store (risk_scenarios without the PAGER and toll columns) takes new rows."""
    import duckdb

    from carlcities.risk.store import write_city

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE TABLE risk_scenarios (city_id VARCHAR, run_id VARCHAR, event_id "
                "VARCHAR, name_en VARCHAR, name_ru VARCHAR, year INTEGER, magnitude DOUBLE, "
                "lon DOUBLE, lat DOUBLE, depth_km DOUBLE, distance_km DOUBLE, msk_model DOUBLE, "
                "msk_sigma DOUBLE, msk_observed VARCHAR, observed_source VARCHAR, "
                "pga_median_g DOUBLE, loss_usd DOUBLE, loss_lo DOUBLE, loss_hi DOUBLE, "
                "fatalities DOUBLE, fatalities_lo DOUBLE, fatalities_hi DOUBLE, "
                "synthetic BOOLEAN)")
    con.execute("INSERT INTO risk_scenarios (city_id, run_id, event_id) "
                "VALUES ('tashkent', 'old', 'tashkent_1966')")

    class _R:  # the parts of a RiskResult that write_city reads
        curves, exposure, summary, synthetic = [], [], None, True
        scenarios = [dict(event_id="tashkent_1966", name_en="T", name_ru="Т", year=1966,
                          magnitude=5.1, fatalities=2088.0, fatalities_pager=3.47,
                          observed_deaths=10.0, deaths_source="NOAA row 1966 TASHKENT")]

    write_city(con, "new", "tashkent", _R())
    got = con.execute("SELECT run_id, fatalities_pager, observed_deaths FROM risk_scenarios "
                      "ORDER BY run_id").fetchall()
    assert got == [("new", 3.47, 10.0), ("old", None, None)]
    con.close()
