"""End to end: `run` on a few cities against the output contract; resume after kill -9;
bad input through the CLI leaves previous results untouched."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rasterio

from carlcities import run_study
from carlcities.config import load_config
from carlcities.errors import OutputDirError
from carlcities.store import connect

pytestmark = pytest.mark.slow

CITIES = ["almaty", "osh", "aktau"]


def _cfg(tmp: Path, demo_dir: Path, extra: str = "") -> Path:
    p = tmp / "study.yaml"
    p.write_text(f"data:\n  demo_dir: {demo_dir}\n{extra}", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def three(tmp_path_factory, demo_dir):
    tmp = tmp_path_factory.mktemp("run3")
    out = tmp / "out"
    s = run_study(load_config(_cfg(tmp, demo_dir)), out, cities=CITIES, workers=1)
    return s, out


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_output_contract(three):
    s, out = three
    assert s.status == "complete" and s.cities == CITIES
    for rel in ("manifest.json", "study.duckdb", "exports/indicator_values.csv",
                "exports/indicator_values.parquet", "exports/study.gpkg", "report/index.html"):
        assert (out / rel).is_file(), rel
    for c in CITIES:
        assert (out / "report" / "cities" / f"{c}.html").is_file()
        for e in (1990, 2000, 2010, 2020):
            for name in (f"builtup_{e}", f"population_{e}", f"atlas_class_{e}"):
                with rasterio.open(out / "rasters" / c / f"{name}.tif") as ds:
                    assert ds.crs.is_projected and ds.tags()["synthetic"] == "true"
        assert (out / "rasters" / c / "growth_2010_2020.tif").is_file()


def test_manifest(three):
    s, out = three
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["run_id"] == s.run_id and m["status"] == "complete"
    assert len(m["config_sha256"]) == 64 and m["config"]["epochs"] == [1990, 2000, 2010, 2020]
    prods = {i["product"] for i in m["inputs"]}
    assert {"GHS_BUILT_S", "GHS_POP"} <= prods
    assert all(len(i["sha256"]) == 64 and i["synthetic"] for i in m["inputs"])
    assert {"carlcities", "gdal", "duckdb"} <= set(m["software"])
    assert {"inputs", "cities", "exports", "report", "total"} <= set(m["timings"])


def test_store_contract(three):
    s, out = three
    con = connect(out / "study.duckdb", read_only=True)
    cols = {t: [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
            for t in ("cities", "indicators", "indicator_values", "runs", "urban_extents")}
    assert {"city_id", "name_en", "name_ru", "country_iso3", "lat", "lon", "population",
            "population_year"} <= set(cols["cities"])
    assert {"indicator_id", "theme", "name_en", "name_ru", "unit", "method",
            "reference"} <= set(cols["indicators"])
    assert {"run_id", "city_id", "indicator_id", "epoch", "scenario", "value", "unit", "source",
            "method_version", "synthetic"} <= set(cols["indicator_values"])
    assert {"run_id", "started", "finished", "status", "config_sha256",
            "software"} <= set(cols["runs"])
    assert con.execute("SELECT status FROM runs WHERE run_id = ?", [s.run_id]).fetchone()[0] == \
        "complete"
    n, bad_unit, not_syn = con.execute(
        "SELECT count(*), count(*) FILTER (unit IS NULL OR unit = ''), "
        "count(*) FILTER (NOT synthetic) FROM indicator_values WHERE run_id = ?",
        [s.run_id]).fetchone()
    assert n > 3 * 4 * 15 and bad_unit == 0 and not_syn == 0
    # every value is traceable: source and method version
    assert con.execute("SELECT count(*) FROM indicator_values WHERE coalesce(source, '') = '' "
                       "OR method_version NOT LIKE '%@%'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM indicator_values WHERE split_part(indicator_id, "
                       "'.', 1) IN ('form', 'growth') AND source NOT LIKE '%GHS_BUILT_S%'"
                       ).fetchone()[0] == 0
    # one row per number
    dup = con.execute("SELECT count(*) FROM (SELECT run_id, city_id, zone_id, indicator_id, "
                      "epoch, epoch_start, scenario, count(*) c FROM indicator_values GROUP BY "
                      "ALL HAVING c > 1)").fetchone()[0]
    assert dup == 0
    # observed scenario; population matches the catalogue calibration of the demo
    from carlcities.catalog import load_catalog

    pop = con.execute("SELECT value FROM indicator_values WHERE city_id = 'osh' AND indicator_id "
                      "= 'form.population' AND epoch = 2020 AND zone_id = 'city'").fetchone()[0]
    assert pop == pytest.approx(load_catalog().get("osh").population_at(2020)[0], rel=0.01)
    # urban extents are valid geometries, growing over time
    rows = con.execute("SELECT epoch, area_km2, ST_IsValid(geom), ST_Area_Spheroid(ST_FlipCoordinates(geom)) / 1e6 "
                       "FROM urban_extents WHERE city_id = 'almaty' ORDER BY epoch").fetchall()
    assert [r[0] for r in rows] == [1990, 2000, 2010, 2020]
    assert all(r[2] for r in rows)
    assert all(abs(r[1] - r[3]) / r[1] < 0.02 for r in rows)  # raster area ≈ geodesic area
    assert rows[-1][1] > rows[0][1]
    con.close()


def test_exports_open(three):
    import pyogrio

    _, out = three
    layers = {name for name, _ in pyogrio.list_layers(out / "exports" / "study.gpkg")}
    assert {"cities", "urban_extents"} <= layers
    ext = pyogrio.read_dataframe(out / "exports" / "study.gpkg", layer="urban_extents")
    assert len(ext) == 12 and ext.crs.to_epsg() == 4326
    import pandas as pd

    csv = pd.read_csv(out / "exports" / "indicator_values.csv")
    pq = pd.read_parquet(out / "exports" / "indicator_values.parquet")
    assert len(csv) == len(pq) > 0 and set(csv.city_id) == set(CITIES)


def test_districts_per_district(tmp_path, demo_dir):
    """Tashkent's real districts: the same indicators per district, areas adding up."""
    from .conftest import shared_file

    d = shared_file("boundaries/tashkent_districts.geojson")
    cfg = _cfg(tmp_path, demo_dir, f"  districts:\n    tashkent: {d}\n")
    out = tmp_path / "out"
    with pytest.warns(Warning):  # reprojected to the city grid, with a note
        s = run_study(load_config(cfg), out, cities=["tashkent"], workers=1, report=False)
    con = connect(out / "study.duckdb", read_only=True)
    zones = con.execute("SELECT count(DISTINCT zone_id) FROM indicator_values WHERE run_id = ? "
                        "AND zone_id <> 'city'", [s.run_id]).fetchone()[0]
    assert zones == 12
    city_pop, dist_pop = con.execute(
        "SELECT sum(value) FILTER (zone_id = 'city'), sum(value) FILTER (zone_id <> 'city') "
        "FROM indicator_values WHERE indicator_id = 'form.population' AND epoch = 2020").fetchone()
    assert 0 < dist_pop < city_pop
    note = con.execute("SELECT note FROM zones LIMIT 1").fetchone()[0]
    assert "reprojected" in note
    # compactness is not computed per district
    assert con.execute("SELECT count(*) FROM indicator_values WHERE zone_id <> 'city' AND "
                       "indicator_id = 'form.cohesion'").fetchone()[0] == 0
    con.close()


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "carlcities.cli", *args], capture_output=True,
                          text=True, timeout=600, **kw)


def test_resume_after_kill(tmp_path, demo_dir):
    cfg = _cfg(tmp_path, demo_dir)
    out = tmp_path / "out"
    args = ["run", "--config", str(cfg), "--out", str(out), "--cities",
            "almaty,osh,aktau,bishkek", "--workers", "1", "--no-report"]
    proc = subprocess.Popen([sys.executable, "-m", "carlcities.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    done = 0
    while time.time() < deadline and proc.poll() is None:
        try:
            staged = next((out / "runs").glob("*/manifest.json"))
            done = len(json.loads(staged.read_text(encoding="utf-8"))["city_seconds"])
        except (OSError, ValueError, KeyError, StopIteration):
            done = 0
        if done >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # nothing was committed: no store, no manifest at the top; the run's own work is staged
    assert not (out / "study.duckdb").exists() and not (out / "manifest.json").exists()
    stage = staged.parent
    con = connect(stage / "study.duckdb", read_only=True)
    run_id, status = con.execute("SELECT run_id, status FROM runs").fetchone()
    kept = {r[0] for r in con.execute("SELECT city_id FROM run_cities").fetchall()}
    assert status == "running" and len(kept) >= 1
    con.close()
    # the same command resumes
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    assert "resumed" in r.stdout
    con = connect(out / "study.duckdb", read_only=True)
    assert con.execute("SELECT count(*), min(run_id), max(status) FROM runs").fetchone() == (
        1, run_id, "complete")
    cities = {r[0] for r in con.execute("SELECT DISTINCT city_id FROM indicator_values")
              .fetchall()}
    assert cities == {"almaty", "osh", "aktau", "bishkek"}
    con.close()
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and m["resumed"] is True
    assert {i["city_id"] for i in m["inputs"]} == cities
    assert m == json.loads((out / "runs" / run_id / "manifest.json").read_text("utf-8"))


def test_bad_config_cli(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid:\n  res: 50\n", encoding="utf-8")
    r = _cli("run", "--config", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "bad.yaml" in r.stderr and "line 2" in r.stderr and "res_m" in r.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_city_cli(tmp_path):
    r = _cli("run", "--cities", "tashkant", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "did you mean tashkent" in r.stderr


def test_other_study_refused_and_untouched(three, tmp_path, demo_dir):
    _, out = three
    before = {p: _sha(p) for p in (out / "study.duckdb", out / "manifest.json",
                                   out / "exports" / "indicator_values.csv")}
    cfg = _cfg(tmp_path, demo_dir, "study:\n  name: another_study\n")
    with pytest.raises(OutputDirError, match="central_asia_demo"):
        run_study(load_config(cfg), out, cities=["osh"], workers=1)
    r = _cli("run", "--config", str(cfg), "--out", str(out), "--cities", "osh")
    assert r.returncode == 2 and "another_study" in r.stderr
    assert {p: _sha(p) for p in before} == before


def test_bad_input_keeps_previous_results(three, tmp_path, demo_dir):
    """A corrupt input stops the run with a clear error; earlier exports and report stay."""
    _, out = three
    import shutil

    work = tmp_path / "out"
    shutil.copytree(out, work)
    keep = {p: _sha(p) for p in (work / "exports" / "indicator_values.csv",
                                 work / "report" / "index.html")}
    src = demo_dir / "osh"
    files = tmp_path / "files"
    shutil.copytree(src, files)
    victim = files / "GHS_POP_E2010_GLOBE_R2023A_54009_100_V1_0.tif"
    victim.write_bytes(victim.read_bytes()[:2000])
    cfg = tmp_path / "files.yaml"
    cfg.write_text("data:\n  source: files\n"
                   f"  builtup: {files}/GHS_BUILT_S_E{{epoch}}_GLOBE_R2023A_54009_100_V1_0.tif\n"
                   f"  population: {files}/GHS_POP_E{{epoch}}_GLOBE_R2023A_54009_100_V1_0.tif\n",
                   encoding="utf-8")
    r = _cli("run", "--config", str(cfg), "--out", str(work), "--cities", "osh", "--workers", "1")
    assert r.returncode == 2
    assert "GHS_POP_E2010" in r.stderr and "fix:" in r.stderr
    assert {p: _sha(p) for p in keep} == keep
    # found by the check before the run: nothing was started or written
    assert "before any city" in r.stderr or "GHS_POP_E2010" in r.stderr
    con = connect(work / "study.duckdb", read_only=True)
    statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started").fetchall()]
    assert statuses == ["complete"]
    con.close()


def test_rerun_some_cities_keeps_the_others(three, tmp_path, demo_dir):
    """Running one city again updates it; exports and the report still hold every city."""
    import shutil

    import pandas as pd

    s0, out = three
    work = tmp_path / "out"
    shutil.copytree(out, work)
    # unchanged: nothing to do
    s_same = run_study(load_config(_cfg(tmp_path, demo_dir)), work, cities=CITIES, workers=1)
    assert s_same.status == "unchanged" and s_same.run_id == s0.run_id
    # one city again, forced: it is recomputed, the others kept
    s1 = run_study(load_config(_cfg(tmp_path, demo_dir)), work, cities=["osh"], workers=1,
                   force=True)
    assert s1.run_id != s0.run_id and s1.skipped == []
    csv = pd.read_csv(work / "exports" / "indicator_values.csv")
    assert set(csv.city_id) == set(CITIES)
    assert set(csv[csv.city_id == "osh"].run_id) == {s1.run_id}
    assert set(csv[csv.city_id == "almaty"].run_id) == {s0.run_id}
    index = json.loads((work / "report" / "index.json").read_text(encoding="utf-8"))
    assert {"almaty", "osh", "aktau"} <= set(json.dumps(index).split("\""))


def test_risk_scenarios_and_appraisal_in_the_store(three):
    _, out = three
    con = connect(out / "study.duckdb", read_only=True)
    try:
        for t in ("risk_curves", "risk_exposure", "risk_summary", "options", "appraisal",
                  "rank_acceptability", "recommendations", "benchmark"):
            assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] > 0, t
        # Almaty: the historic scenarios near it, with modelled and observed intensity
        ev = {r[0] for r in con.execute("SELECT event_id FROM risk_scenarios WHERE city_id = "
                                        "'almaty'").fetchall()}
        assert {"verny_1887", "kemin_1911"} <= ev
        # growth scenarios for every city and decade
        n = con.execute("SELECT count(DISTINCT city_id || scenario || epoch) FROM "
                        "indicator_values WHERE scenario LIKE 'growth:%' AND indicator_id = "
                        "'scenario.land_take'").fetchone()[0]
        assert n == 3 * 4 * 3
        # rank acceptabilities sum to 1 over options for every rank
        bad = con.execute("SELECT count(*) FROM (SELECT city_id, profile, rank, "
                          "sum(probability) s FROM rank_acceptability GROUP BY ALL) "
                          "WHERE abs(s - 1) > 1e-9").fetchone()[0]
        assert bad == 0
        # every figure a recommendation cites is in the store with that value
        checked = 0
        for _cid, ev_json in con.execute("SELECT city_id, evidence FROM recommendations"
                                        ).fetchall():
            for e in json.loads(ev_json):
                t, v = e["table"], e["value"]
                if e.get("city_id") is None:  # regional counts over the cities
                    continue
                if t == "indicator_values":
                    rows = con.execute(
                        "SELECT value FROM indicator_values WHERE city_id = ? AND "
                        "indicator_id = ? AND epoch = ? AND scenario = ? AND zone_id = 'city' "
                        "AND epoch_start IS NULL", [e["city_id"], e["indicator_id"],
                                                    e["epoch"], e["scenario"]]).fetchall()
                elif t == "appraisal":
                    rows = con.execute("SELECT value FROM appraisal WHERE city_id = ? AND "
                                       "option_id = ? AND metric = ?",
                                       [e["city_id"], e["option_id"], e["metric"]]).fetchall()
                elif t == "rank_acceptability":
                    rows = [(100 * p,) for (p,) in con.execute(
                        "SELECT probability FROM rank_acceptability WHERE city_id = ? AND "
                        "option_id = ? AND rank = 1 AND profile = 'pooled'",
                        [e["city_id"], e["option_id"]]).fetchall()]
                elif t == "benchmark" and e["metric"].endswith("_standing"):
                    ind, col = e["metric"].split(":")
                    rows = con.execute(f"SELECT {col} FROM benchmark WHERE city_id = ? "
                                       "AND indicator_id = ?", [e["city_id"], ind]).fetchall()
                else:
                    continue
                assert rows, e
                assert any(abs(r[0] - v) <= 0.051 + 1e-9 * abs(v) for r in rows), (e, rows)
                checked += 1
        assert checked > 5
    finally:
        con.close()


def test_appraisal_tables_do_not_depend_on_the_thread_count(three, tmp_path, monkeypatch):
    """The appraisal runs the cities on threads; each city has its own random streams and the
    results are gathered in the cities' order, so one thread and three give the same rows."""
    import shutil

    import duckdb

    from carlcities.appraisal.run import run_appraisal
    from carlcities.appraisal.store import TABLES
    from carlcities.catalog import load_catalog

    _, out = three
    got = []
    for n in ("1", "3"):
        db = tmp_path / f"threads{n}.duckdb"
        shutil.copy(out / "study.duckdb", db)
        monkeypatch.setenv("CARLCITIES_APPRAISAL_THREADS", n)
        con = duckdb.connect(str(db))
        try:
            summary = run_appraisal(con, load_config(None), load_catalog(), "T")
            got.append({t: con.execute(f"SELECT * FROM {t} WHERE run_id = 'T' ORDER BY ALL")
                        .fetchall() for t in TABLES})
        finally:
            con.close()
        assert summary["cities"] == len(CITIES)
    assert all(got[0][t] for t in ("options", "appraisal", "rank_acceptability"))
    assert got[0] == got[1]
