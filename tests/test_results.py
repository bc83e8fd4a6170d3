"""The read API over the results store (carlcities.results) on a tiny store built by hand.

Two runs: ``run-a`` finishes Almaty and Bishkek, the later ``run-b`` finishes Almaty only, so
"latest" must give Almaty from run-b and Bishkek from run-a.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carlcities.errors import CarlError, InputFileError, OutputDirError, StoreError
from carlcities.results import APPRAISAL_TABLES, Study, open_study, records
from carlcities.store import STORE_FILE, Store

T0 = dt.datetime(2024, 1, 1, 10, 0, 0)

SQUARE = "POLYGON(({x} {y}, {x2} {y}, {x2} {y2}, {x} {y2}, {x} {y}))"


def _value(run, city, iid, epoch, value, *, zone="city", start=None, scenario="observed",
           synthetic=False):
    return [run, city, zone, iid, epoch, start, scenario, value, "u", "src", f"{iid}@1",
            synthetic, None]


def make_store(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    store = Store(out / STORE_FILE, study="tiny")
    con = store.con
    con.execute("INSERT INTO runs VALUES ('run-a', 'tiny', ?, ?, 'complete', 'x', '{}')",
                [T0, T0 + dt.timedelta(hours=1)])
    con.execute("INSERT INTO runs VALUES ('run-b', 'tiny', ?, ?, 'complete', 'x', '{}')",
                [T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=1, hours=1)])
    con.executemany("INSERT INTO run_cities (run_id, city_id, status, finished, seconds) "
                    "VALUES (?, ?, 'complete', ?, 1.0)", [
        ["run-a", "almaty", T0 + dt.timedelta(minutes=10)],
        ["run-a", "bishkek", T0 + dt.timedelta(minutes=20)],
        ["run-b", "almaty", T0 + dt.timedelta(days=1, minutes=10)]])
    for cid, name, lon, lat in (("almaty", "Almaty", 76.9, 43.2),
                                ("bishkek", "Bishkek", 74.6, 42.9)):
        con.execute("INSERT INTO cities (city_id, name_en, country_iso3, population, "
                    "population_year, lon, lat, geom) VALUES (?, ?, 'KAZ', 1e6, NULL, ?, ?, "
                    "ST_Point(?, ?))", [cid, name, lon, lat, lon, lat])
    con.execute("INSERT INTO indicators (indicator_id, theme, name_en, name_ru, unit, kind) "
                "VALUES ('form.density', 'form', 'Density', 'Плотность', 'p/ha', 'epoch')")
    rows = [
        _value("run-a", "almaty", "form.density", 2020, 1.0),
        _value("run-a", "almaty", "form.density", 2010, 0.5),
        _value("run-a", "bishkek", "form.density", 2020, 2.0, synthetic=True),
        _value("run-a", "bishkek", "form.density", 2020, 3.0, zone="d1"),
        _value("run-a", "bishkek", "risk.eq_eal", 2020, 7.0),
        _value("run-b", "almaty", "form.density", 2020, 10.0),
        _value("run-b", "almaty", "form.density", 2050, 12.0, scenario="growth:compact"),
        _value("run-b", "almaty", "risk.eq_eal", 2020, 5.0, scenario=None),
    ]
    con.executemany("INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
    for run, cid, x in (("run-a", "almaty", 76.8), ("run-b", "almaty", 76.85),
                        ("run-a", "bishkek", 74.5)):
        con.execute("INSERT INTO urban_extents VALUES (?, ?, 2020, 1.0, false, "
                    "ST_GeomFromText(?))",
                    [run, cid, SQUARE.format(x=x, y=43.0, x2=x + 0.1, y2=43.1)])
    con.execute("INSERT INTO zones VALUES ('bishkek', 'd1', 'District 1', 'Район 1', 2.5, 's', "
                "NULL, ST_GeomFromText(?))", [SQUARE.format(x=74.5, y=42.8, x2=74.6, y2=42.9)])
    # a plug-in engine's own table
    con.execute("CREATE TABLE noise_levels (run_id VARCHAR, city_id VARCHAR, lden_db DOUBLE)")
    con.executemany("INSERT INTO noise_levels VALUES (?, ?, ?)",
                    [["run-a", "almaty", 60.0], ["run-a", "bishkek", 55.0],
                     ["run-b", "almaty", 58.0]])
    # the appraisal: both runs appraised every city; run-b is the latest
    from carlcities.appraisal.store import write_all

    for run, bcr in (("run-a", 1.5), ("run-b", 2.5)):
        write_all(con, run, {
            "options": [{"city_id": "almaty", "option_id": "o1", "kind": "carbon"}],
            "appraisal": [{"city_id": "almaty", "option_id": "o1", "metric": "bcr",
                           "value": bcr, "unit": "ratio"}],
            "recommendations": [{"city_id": "almaty", "rec_id": "r1", "priority": "high",
                                 "confidence": 0.9, "options": ["o1"],
                                 "evidence": [{"table": "appraisal", "value": bcr}]}]})
    store.close()
    (out / "manifest.json").write_text(json.dumps(
        {"run_id": "run-b", "city_notes": {"almaty": ["a note"]}}), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("tiny"))


@pytest.fixture()
def study(out):
    with open_study(out) as s:
        yield s


def test_latest_runs_per_city(study):
    lr = study.latest_runs().set_index("city_id")["run_id"].to_dict()
    assert lr == {"almaty": "run-b", "bishkek": "run-a"}
    assert list(study.runs()["run_id"]) == ["run-a", "run-b"]


def test_values_latest_match_sql(study):
    got = study.values()
    want = study.con.execute("SELECT * FROM latest_values WHERE zone_id = 'city'").df()
    key = ["city_id", "indicator_id", "epoch", "scenario"]
    pd.testing.assert_frame_equal(
        got.sort_values(key, na_position="first").reset_index(drop=True),
        want.sort_values(key, na_position="first").reset_index(drop=True))
    d = study.values("form.density", scenario="observed")
    assert sorted(zip(d["city_id"], d["epoch"], d["value"], strict=True)) == [
        ("almaty", 2020, 10.0), ("bishkek", 2020, 2.0)]   # run-a's Almaty 2020 (1.0) is gone


def test_values_filters(study):
    assert len(study.values(latest=False, zone=None)) == 8
    assert set(study.values(run_id="run-a")["run_id"]) == {"run-a"}
    assert len(study.values(run_id="run-a")) == 4
    # 'observed' also matches rows written without a scenario
    risk = study.values("risk.*", scenario="observed")
    assert sorted(zip(risk["city_id"], risk["value"], strict=True)) == [("almaty", 5.0),
                                                                         ("bishkek", 7.0)]
    g = study.values(scenario="growth:*")
    assert list(g["value"]) == [12.0]
    z = study.values(zone="d1")
    assert list(z["value"]) == [3.0]
    assert study.values(city=["bishkek"], indicator=["form.density"]).shape[0] == 1
    assert study.values(indicator=[]).empty


def test_city_profile_peers(study):
    p = study.city_profile("almaty")
    row = p[(p["indicator_id"] == "form.density") & (p["epoch"] == 2020)].iloc[0]
    assert row["value"] == 10.0
    assert row["regional_median"] == 6.0      # median of 10 (Almaty) and 2 (Bishkek)
    assert row["n"] == 2
    assert row["percentile_rank"] == 75.0     # 100 · (1 lower + 0.5 · 1 equal) / 2
    assert row["name_en"] == "Density"
    with pytest.raises(CarlError, match="almaty"):
        study.city_profile("almayt")


def test_extents_and_districts_are_wgs84(study):
    e = study.extents()
    assert e.crs.to_epsg() == 4326
    assert sorted(zip(e["city_id"], e["run_id"], strict=True)) == [("almaty", "run-b"),
                                                                   ("bishkek", "run-a")]
    alm = e[e["city_id"] == "almaty"].geometry.iloc[0]
    assert alm.bounds[0] == pytest.approx(76.85)   # run-b's polygon, not run-a's
    assert len(study.extents(latest=False)) == 3
    d = study.districts()
    assert list(d["zone_id"]) == ["d1"] and d.crs.to_epsg() == 4326
    assert d.geometry.iloc[0].area == pytest.approx(0.01)


def test_plugin_table_and_unknown_table(study):
    t = study.table("noise_levels")
    assert sorted(zip(t["city_id"], t["lden_db"], strict=True)) == [("almaty", 58.0),
                                                                    ("bishkek", 55.0)]
    assert len(study.table("noise_levels", latest=False)) == 3
    assert list(study.table("noise_levels", city="bishkek")["lden_db"]) == [55.0]
    with pytest.raises(StoreError, match="noise_levels"):
        study.table("noise_level")


def test_appraisal_tables_from_the_latest_appraisal(study):
    assert study.appraisal_run_id() == "run-b"
    assert list(study.appraisal()["value"]) == [2.5]
    rec = study.recommendations().iloc[0]
    assert rec["options"] == ["o1"]
    assert rec["evidence"] == [{"table": "appraisal", "value": 2.5}]
    # missing tables read as empty frames
    assert study.risk_curves().empty and study.ghg_actions("almaty").empty
    assert study.typology().empty and study.risk_summary() == {}


def test_appraisal_tables_constant_matches_the_store():
    from carlcities.appraisal.store import TABLES

    assert tuple(TABLES) == APPRAISAL_TABLES


def test_raster_coordinates_follow_the_transform(out, study):
    import rasterio
    from rasterio.transform import from_origin

    d = out / "rasters" / "almaty"
    d.mkdir(parents=True, exist_ok=True)
    data = np.arange(12, dtype="float32").reshape(3, 4)
    data[0, 0] = -9999
    transform = from_origin(500000.0, 4800000.0, 100.0, 100.0)
    with rasterio.open(d / "density_2020.tif", "w", driver="GTiff", width=4, height=3, count=1,
                       dtype="float32", crs="EPSG:32643", transform=transform,
                       nodata=-9999) as dst:
        dst.write(data, 1)
        dst.update_tags(epoch="2020")
    r = study.raster("almaty", "density_2020")
    assert r.dims == ("y", "x") and r.shape == (3, 4)
    assert list(r.x.values) == [500050.0, 500150.0, 500250.0, 500350.0]
    assert list(r.y.values) == [4799950.0, 4799850.0, 4799750.0]
    with rasterio.open(d / "density_2020.tif") as ds:   # cell centres, as rasterio has them
        assert ds.xy(2, 3) == (r.x.values[3], r.y.values[2])
    assert r.attrs["crs"] == "EPSG:32643" and r.attrs["nodata"] == -9999
    assert r.attrs["epoch"] == "2020"
    assert float(r.values[1, 2]) == 6.0 and float(r.values[0, 0]) == -9999
    assert math.isnan(float(study.raster("almaty", "density_2020", masked=True)[0, 0]))
    assert study.rasters("almaty") == ["density_2020"]
    with pytest.raises(InputFileError, match="density_2020"):
        study.raster("almaty", "density_2030")


def test_open_study_errors_and_read_only(tmp_path, out):
    with pytest.raises(OutputDirError, match="carlcities run"):
        open_study(tmp_path)
    with open_study(out / STORE_FILE) as s:   # the store file itself is accepted
        assert s.meta()["name"] == "tiny"
        with pytest.raises(Exception, match="read-only"):
            s.con.execute("DELETE FROM runs")


def test_from_connection_and_manifest(out):
    from carlcities.store import connect

    con = connect(out / STORE_FILE, read_only=True)
    try:
        s = Study.from_connection(con)
        assert s.out_dir == out
        assert s.manifest()["city_notes"] == {"almaty": ["a note"]}
        s.close()                            # never closes a connection it was given
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    finally:
        con.close()


def test_fallback_without_run_cities(tmp_path):
    out = make_store(tmp_path / "old")
    from carlcities.store import connect

    con = connect(out / STORE_FILE)
    con.execute("DELETE FROM run_cities")
    con.close()
    with open_study(out) as s:
        # no per-city bookkeeping: every city of the latest complete run (run-b)
        assert s.latest_runs().set_index("city_id")["run_id"].to_dict() == {"almaty": "run-b"}
        assert sorted(s.values(scenario="observed")["value"]) == [5.0, 10.0]


def test_records_are_plain_python(study):
    rows = records(study.cities(), ["city_id", "population_year", "missing_column"])
    assert rows[0] == {"city_id": "almaty", "population_year": None, "missing_column": None}
    r = records(study.runs())[0]
    assert isinstance(r["started"], dt.datetime) and not isinstance(r["started"], pd.Timestamp)
    v = records(study.values("form.density", city="almaty", scenario="observed"))
    assert all(type(x["epoch"]) is int and type(x["value"]) is float for x in v)
