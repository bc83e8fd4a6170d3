"""The corpus of bad inputs: every reader, config section and command refuses bad input with a
clean error (exit code 2, the file or option named, a fix) and leaves the last complete run's
store, manifest, rasters, exports and report byte-identical.

One small study (Kulob, urban form only, with its report) is made once per module; each case
copies it, runs one command in-process and compares every file of the copy with the original.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from carlcities import run_study
from carlcities.cli import app
from carlcities.config import load_config

pytestmark = pytest.mark.slow

CITY = "kulob"
GHSL_POP = "GHS_POP_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif"
GHSL_BUILT = "GHS_BUILT_S_E{epoch}_GLOBE_R2023A_54009_100_V1_0.tif"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    demo = root / "demo"
    cfg = root / "study.yaml"
    cfg.write_text(f"data:\n  demo_dir: {demo}\nrun:\n  engines: []\n  appraisal: false\n",
                   encoding="utf-8")
    out = root / "out"
    s = run_study(load_config(cfg), out, cities=[CITY], workers=1)
    assert s.status == "complete"
    return root, out, demo / CITY


def _snapshot(out: Path) -> dict[str, str]:
    snap = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and rel != ".carlcities.lock" and not rel.startswith("demo/"):
            snap[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return snap


# ------------------------------------------------------------------------------ file makers
def _tif(path: Path, data: np.ndarray, transform: Affine, crs: str | None, nodata=None,
         count: int = 1) -> Path:
    prof = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=count,
                dtype=str(data.dtype), transform=transform)
    if crs:
        prof["crs"] = crs
    if nodata is not None:
        prof["nodata"] = nodata
    with rasterio.open(path, "w", **prof) as ds:
        for b in range(1, count + 1):
            ds.write(data, b)
    return path


@dataclass
class Case:
    id: str
    #: (case dir, demo city dir) -> (extra YAML for the config, command args after the config)
    make: Callable[[Path, Path], tuple[str, list[str]]]
    #: what the message must name (the file or the option)
    names: str
    command: str = "run"


def _files_cfg(d: Path, demo: Path, *, pop: str | None = None, built: str | None = None
               ) -> str:
    """data.source: files with copies of the demo's GHSL rasters in ``d``."""
    for p in demo.glob("GHS_*.tif"):
        if not (d / p.name).exists():
            shutil.copy(p, d / p.name)
    return (f"  source: files\n  builtup: {built or d / GHSL_BUILT}\n"
            f"  population: {pop or d / GHSL_POP}\n")


def _pop2020(d: Path) -> Path:
    return d / GHSL_POP.format(epoch=2020)


def _raster_case(mutate: Callable[[Path, Path], None]):
    def make(d: Path, demo: Path) -> tuple[str, list[str]]:
        data = _files_cfg(d, demo)
        mutate(_pop2020(d), demo)
        return data, []
    return make


def _no_crs(p: Path, demo: Path) -> None:
    with rasterio.open(p) as ds:
        arr, tr, nd = ds.read(1), ds.transform, ds.nodata
    p.unlink()
    _tif(p, arr, tr, None, nd)


def _elsewhere(p: Path, demo: Path) -> None:
    with rasterio.open(p) as ds:
        arr, nd, crs = ds.read(1), ds.nodata, ds.crs
    p.unlink()
    _tif(p, arr, Affine(100, 0, -9_000_000, 0, -100, 5_000_000), crs.to_string(), nd)


def _negative(p: Path, demo: Path) -> None:
    with rasterio.open(p) as ds:
        arr, tr, nd, crs = ds.read(1), ds.transform, ds.nodata, ds.crs
    p.unlink()
    _tif(p, np.full_like(arr, -5.0), tr, crs.to_string(), nd)


def _no_nodata(p: Path, demo: Path) -> None:
    with rasterio.open(p) as ds:
        arr, tr, crs = ds.read(1), ds.transform, ds.crs
    p.unlink()
    _tif(p, arr, tr, crs.to_string(), None)


def _two_bands(p: Path, demo: Path) -> None:
    with rasterio.open(p) as ds:
        arr, tr, nd, crs = ds.read(1), ds.transform, ds.nodata, ds.crs
    p.unlink()
    _tif(p, arr, tr, crs.to_string(), nd, count=2)


def _yaml(text: str) -> Callable[[Path, Path], tuple[str, list[str]]]:
    return lambda d, demo: (text, [])


def _file_setting(key: str, name: str, content: bytes | str | None,
                  per_city: bool = False) -> Callable[[Path, Path], tuple[str, list[str]]]:
    """data.KEY pointing at a file ``name`` holding ``content`` (None: missing)."""
    def make(d: Path, demo: Path) -> tuple[str, list[str]]:
        p = d / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif isinstance(content, str):
            p.write_text(content, encoding="utf-8")
        value = f"\n    {CITY}: {p}" if per_city else f" {p}"
        return f"  {key}:{value}\n", []
    return make


def _list_setting(key: str, name: str, content: bytes | str | None):
    def make(d: Path, demo: Path) -> tuple[str, list[str]]:
        p = d / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif isinstance(content, str):
            p.write_text(content, encoding="utf-8")
        return f"  {key}: [{p}]\n", []
    return make


def _gtfs(files: dict[str, str]) -> Callable[[Path, Path], tuple[str, list[str]]]:
    def make(d: Path, demo: Path) -> tuple[str, list[str]]:
        p = d / "feed.zip"
        with zipfile.ZipFile(p, "w") as z:
            for n, t in files.items():
                z.writestr(n, t)
        return f"  gtfs:\n    {CITY}: {p}\n", []
    return make


def _districts(write: Callable[[Path], Path]) -> Callable[[Path, Path], tuple[str, list[str]]]:
    def make(d: Path, demo: Path) -> tuple[str, list[str]]:
        p = write(d)
        return f"  districts:\n    {CITY}: {p}\n", []
    return make


def _gdf(d: Path, name: str, geoms, crs="EPSG:4326", driver=None) -> Path:
    import geopandas as gpd

    p = d / name
    gpd.GeoDataFrame({"name": [f"d{i}" for i in range(len(geoms))]}, geometry=geoms,
                     crs=crs).to_file(p, driver=driver)
    return p


def _near_kulob():
    import shapely

    from carlcities.catalog import load_catalog

    c = load_catalog().get(CITY)
    return shapely, c.lon, c.lat


def _no_crs_shp(d: Path) -> Path:
    shapely, x, y = _near_kulob()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = _gdf(d, "districts.shp", [shapely.box(x - .02, y - .02, x + .02, y + .02)],
                 crs=None)
    return p


def _bowtie(d: Path) -> Path:
    shapely, x, y = _near_kulob()
    return _gdf(d, "bowtie.gpkg", [shapely.Polygon([(x, y), (x + .02, y + .02),
                                                      (x + .02, y), (x, y + .02)])])


def _points(d: Path) -> Path:
    shapely, x, y = _near_kulob()
    return _gdf(d, "points.gpkg", [shapely.Point(x, y)])


def _far(d: Path) -> Path:
    shapely, _x, _y = _near_kulob()
    return _gdf(d, "far.gpkg", [shapely.box(10, 10, 10.1, 10.1)])


def _empty_layer(d: Path) -> Path:
    p = d / "empty.geojson"
    p.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return p


def _scorecard_wrong_city(d: Path, demo: Path) -> tuple[str, list[str]]:
    p = d / "answers.yaml"
    p.write_text("city_id: osh\nassessment_date: 2024-01-01\nlevel: preliminary\n"
                 "answers: {}\n", encoding="utf-8")
    return f"  scorecards:\n    {CITY}: {p}\n", []


def _vulnerability(d: Path) -> tuple[str, list[str]]:
    (d / "v.xml").write_text("<nrml/>", encoding="utf-8")
    return f"  vulnerability:\n    structural: {d / 'v.xml'}\n", []


STOPS_OK = "stop_id,stop_name,stop_lat,stop_lon\ns1,A,37.91,69.78\n"
TIMES_OK = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,08:00:00,08:00:00,s1,1\n"

CASES: list[Case] = [
    # --- the configuration file ----------------------------------------------------------
    Case("yaml-syntax", _yaml("grid: [1, 2\n"), "line"),
    Case("yaml-tab", _yaml("grid:\n\tres_m: 100\n"), "line"),
    Case("unknown-top-key", _yaml("gird:\n  res_m: 100\n"), "gird"),
    Case("unknown-nested-key", _yaml("grid:\n  res: 50\n"), "res_m"),
    Case("wrong-type", _yaml("grid:\n  res_m: fifty\n"), "grid.res_m"),
    Case("out-of-range", _yaml("grid:\n  res_m: -5\n"), "grid.res_m"),
    Case("epochs-not-list", _yaml("epochs: 2020\n"), "epochs"),
    Case("duplicate-top-key", _yaml("cities: [osh]\ncities: [mary]\n"), "twice"),
    Case("duplicate-nested-key", _yaml("grid:\n  res_m: 100\n  res_m: 50\n"), "twice"),
    Case("top-level-list", _yaml("- a\n- b\n"), "mapping"),
    Case("top-level-scalar", _yaml("hello\n"), "mapping"),
    Case("unknown-engine", _yaml("run:\n  engines: [noise]\n"), "noise"),
    Case("bad-source", _yaml("data:\n  source: web\n"), "data.source"),
    Case("files-without-builtup", _yaml("data:\n  source: files\n"), "data.builtup"),
    Case("unknown-city-in-config", _yaml("cities: [tashkant]\n"), "tashkent"),
    Case("unknown-district-city", _yaml("data:\n  districts:\n    atlantis: x.gpkg\n"),
         "atlantis"),
    Case("unknown-scorecard-city", _yaml("data:\n  scorecards:\n    atlantis: x.yaml\n"),
         "atlantis"),
    Case("other-study", _yaml("study:\n  name: another\n"), "another"),
    Case("workers-zero-in-config", _yaml("run:\n  workers: 0\n"), "run.workers"),
    Case("gap-threshold-range", _yaml("scorecard:\n  gap_threshold: 7\n"),
         "scorecard.gap_threshold"),
    Case("discount-wrong-type", _yaml("appraisal:\n  discount_rate: high\n"),
         "appraisal.discount_rate"),
    Case("grid-section-scalar", _yaml("grid: 100\n"), "grid"),
    Case("flood-rps-strings", _yaml("data:\n  flood_return_periods: [ten]\n"),
         "data.flood_return_periods"),
]

# whole-file problems of the configuration (the file itself, not its YAML)
CONFIG_FILE_CASES = [
    ("empty-config", b"", "empty"),
    ("comment-only-config", b"# nothing\n", "empty"),
    ("binary-config", PNG, "study.yaml"),
    ("latin1-config", "study:\n  title_en: caf\xe9\n".encode("latin-1"), "UTF-8"),
]

RASTER_CASES = [
    Case("raster-missing", lambda d, demo: (_files_cfg(d, demo, pop=str(d / "nope_{epoch}.tif")),
                                            []), "nope_"),
    Case("raster-truncated", _raster_case(lambda p, demo: p.write_bytes(p.read_bytes()[:2000])),
         "GHS_POP_E2020"),
    Case("raster-empty", _raster_case(lambda p, demo: p.write_bytes(b"")), "GHS_POP_E2020"),
    Case("raster-is-png", _raster_case(lambda p, demo: p.write_bytes(PNG)), "GHS_POP_E2020"),
    Case("raster-is-text", _raster_case(lambda p, demo: p.write_text("x,y\n1,2\n")),
         "GHS_POP_E2020"),
    Case("raster-no-crs", _raster_case(_no_crs), "GHS_POP_E2020"),
    Case("raster-elsewhere", _raster_case(_elsewhere), "GHS_POP_E2020"),
    Case("raster-negative-pop", _raster_case(_negative), "GHS_POP_E2020"),
    Case("raster-no-nodata", _raster_case(_no_nodata), "GHS_POP_E2020"),
    Case("raster-two-bands", _raster_case(_two_bands), "GHS_POP_E2020"),
    Case("raster-wrong-product", lambda d, demo: (_files_cfg(d, demo, pop=str(d / GHSL_BUILT)),
                                                  []), "GHS_BUILT_S"),
    Case("dem-is-text", lambda d, demo: (_files_cfg(d, demo) + _file_setting(
        "dem", "dem.tif", "not a raster")(d, demo)[0], []), "dem.tif"),
    Case("osm-missing", lambda d, demo: (_files_cfg(d, demo) + f"  osm: {d}/none.osm.pbf\n",
                                         []), "none.osm.pbf"),
    Case("osm-xml", lambda d, demo: (_files_cfg(d, demo) + _file_setting(
        "osm", "city.osm.pbf", "<?xml version='1.0'?><osm></osm>")(d, demo)[0], []),
         "city.osm.pbf"),
    Case("osm-empty", lambda d, demo: (_files_cfg(d, demo) + _file_setting(
        "osm", "e.osm.pbf", b"")(d, demo)[0], []), "e.osm.pbf"),
    Case("osm-png", lambda d, demo: (_files_cfg(d, demo) + _file_setting(
        "osm", "p.osm.pbf", PNG)(d, demo)[0], []), "p.osm.pbf"),
    Case("tmax-garbage", lambda d, demo: (_files_cfg(d, demo) + _file_setting(
        "vs30", "vs30.tif", PNG)(d, demo)[0], []), "vs30.tif"),
]

FILE_CASES = [
    # districts
    Case("districts-missing", _file_setting("districts", "none.gpkg", None, True), "none.gpkg"),
    Case("districts-no-crs", _districts(_no_crs_shp), "districts.shp"),
    Case("districts-invalid", _districts(_bowtie), "bowtie.gpkg"),
    Case("districts-points", _districts(_points), "points.gpkg"),
    Case("districts-elsewhere", _districts(_far), "far.gpkg"),
    Case("districts-empty", _districts(_empty_layer), "empty.geojson"),
    Case("districts-text", _file_setting("districts", "d.gpkg", "hello", True), "d.gpkg"),
    Case("districts-png", _file_setting("districts", "d.geojson", PNG, True), "d.geojson"),
    # GTFS
    Case("gtfs-missing", _file_setting("gtfs", "none.zip", None, True), "none.zip"),
    Case("gtfs-not-zip", _file_setting("gtfs", "feed.zip", "hello", True), "feed.zip"),
    Case("gtfs-no-stops", _gtfs({"stop_times.txt": TIMES_OK}), "feed.zip"),
    Case("gtfs-text-lat", _gtfs({"stops.txt": STOPS_OK.replace("37.91", "north"),
                                 "stop_times.txt": TIMES_OK}), "stop_lat"),
    Case("gtfs-lat-range", _gtfs({"stops.txt": STOPS_OK.replace("37.91", "137.9"),
                                  "stop_times.txt": TIMES_OK}), "feed.zip"),
    Case("gtfs-no-lat-column", _gtfs({"stops.txt": "stop_id,stop_lon\ns1,69.7\n",
                                      "stop_times.txt": TIMES_OK}), "stop_lat"),
    Case("gtfs-bad-time", _gtfs({"stops.txt": STOPS_OK,
                                 "stop_times.txt": TIMES_OK.replace("08:00:00,08", "8am,8am")}),
         "stop_times.txt"),
    # scorecards
    Case("scorecard-png-as-xlsx", _file_setting("scorecards", "sc.xlsx", PNG, True), "sc.xlsx"),
    Case("scorecard-missing", _file_setting("scorecards", "none.yaml", None, True), "none.yaml"),
    Case("scorecard-empty-yaml", _file_setting("scorecards", "sc.yaml", "", True), "sc.yaml"),
    Case("scorecard-yaml-syntax", _file_setting("scorecards", "sc.yaml", "a: [1\n", True),
         "sc.yaml"),
    Case("scorecard-unknown-suffix", _file_setting("scorecards", "sc.txt", "x", True),
         "sc.txt"),
    Case("scorecard-csv-garbage", _file_setting("scorecards", "sc.csv", "a,b\n1,2\n", True),
         "sc.csv"),
    Case("scorecard-text-as-xlsx", _file_setting("scorecards", "sc.xlsx", "text", True),
         "sc.xlsx"),
    Case("scorecard-wrong-city", _scorecard_wrong_city, "answers.yaml"),
    # surveys
    Case("survey-missing", _list_setting("surveys", "none.csv", None), "none.csv"),
    Case("survey-empty", _list_setting("surveys", "s.csv", ""), "s.csv"),
    Case("survey-garbage", _list_setting("surveys", "s.csv", "a,b\nx,y\n"), "s.csv"),
    Case("survey-png-as-xlsx", _list_setting("surveys", "s.xlsx", PNG), "s.xlsx"),
    # activity data, overrides, risk inputs
    Case("activity-missing", _file_setting("activity", "none.csv", None, True), "none.csv"),
    Case("activity-garbage", _file_setting("activity", "act.csv", "a,b\n1,2\n", True),
         "act.csv"),
    Case("activity-png", _file_setting("activity", "act.xlsx", PNG, True), "act.xlsx"),
    Case("overrides-missing", _file_setting("population_overrides", "none.csv", None),
         "none.csv"),
    Case("overrides-garbage", _file_setting("population_overrides", "ov.csv", "a,b\n1,2\n"),
         "ov.csv"),
    Case("catalogue-missing", _file_setting("earthquake_catalogue", "none.csv", None),
         "none.csv"),
    Case("catalogue-garbage", _file_setting("earthquake_catalogue", "cat.csv", "a,b\n1,2\n"),
         "cat.csv"),
    Case("taxonomy-garbage", _file_setting("taxonomy_mapping", "tax.csv", "a,b\n1,2\n"),
         "tax.csv"),
    Case("vulnerability-garbage", lambda d, demo: _vulnerability(d), "v.xml"),
]

CLI_CASES = [
    # (id, args after `carlcities`, what the message names)
    ("cities-empty", ["run", "--cities", ""], "--cities"),
    ("cities-commas", ["run", "--cities", ",,"], "--cities"),
    ("cities-unknown", ["run", "--cities", "tashkant"], "tashkent"),
    ("workers-zero", ["run", "--workers", "0"], "--workers"),
    ("workers-negative", ["run", "--workers", "-3"], "--workers"),
    ("workers-text", ["run", "--workers", "many"], "--workers"),
    ("config-missing", ["run", "--config", "/nonexistent/study.yaml"], "study.yaml"),
    ("config-directory", ["run", "--config", "/tmp"], "/tmp"),
    ("check-config-missing", ["check", "--config", "/nonexistent/s.yaml"], "s.yaml"),
    ("check-cities-empty", ["check", "--cities", ""], "--cities"),
    ("check-cities-unknown", ["check", "--cities", "bishkok"], "bishkek"),
    ("risk-lon", ["risk", "scenario", CITY, "-m", "6", "--lon", "200", "--lat", "38"], "--lon"),
    ("risk-lat", ["risk", "scenario", CITY, "-m", "6", "--lon", "69", "--lat", "100"], "--lat"),
    ("risk-magnitude", ["risk", "scenario", CITY, "-m", "12", "--lon", "69", "--lat", "38"],
     "--magnitude"),
    ("risk-depth", ["risk", "scenario", CITY, "-m", "6", "--lon", "69", "--lat", "38",
                    "--depth", "-4"], "--depth"),
    ("risk-partial", ["risk", "scenario", CITY, "--lon", "69"], "--magnitude"),
    ("risk-unknown-event", ["risk", "scenario", CITY, "--event", "kemin_1912"], "kemin_1911"),
    ("risk-unknown-city", ["risk", "scenario", "atlantis", "--event", "kemin_1911"], "atlantis"),
    ("demo-unknown-city", ["demo", "--out", "{tmp}/d", "--cities", "atlantis"], "atlantis"),
    ("report-no-store", ["report", "--out", "{tmp}/nothing"], "study.duckdb"),
    ("init-exists", ["init", "{cfg}"], "study.yaml"),
]


def _invoke(args: list[str]):
    r = CliRunner().invoke(app, args)
    text = r.output + (getattr(r, "stderr", "") if r.stderr_bytes is not None else "")
    return r, text


def _assert_clean(r, text: str, names: str) -> None:
    if os.environ.get("CARLCITIES_SHOW_CORPUS"):
        print("\n---", text)
    assert r.exit_code == 2, (r.exit_code, text, r.exception)
    assert "Traceback" not in text
    assert names.lower() in text.lower(), text
    # a fix: ours ("fix:") or click's usage hint for an option of the wrong form
    assert "fix" in text or "Try '" in text or "did you mean" in text, text


def _run_case(study, tmp_path, extra_yaml: str, args: list[str], names: str) -> None:
    root, out, demo = study
    work = tmp_path / "out"
    shutil.copytree(out, work, symlinks=True)
    before = _snapshot(work)
    cfg = tmp_path / "study.yaml"
    cfg.write_text(f"data:\n  demo_dir: {demo.parent}\n{extra_yaml}"
                   "run:\n  engines: []\n  appraisal: false\n", encoding="utf-8")
    r, text = _invoke(["run", "--config", str(cfg), "--out", str(work), "--cities", CITY,
                       "--workers", "1", *args])
    _assert_clean(r, text, names)
    after = _snapshot(work)
    assert {k: after.get(k) for k in before} == before
    new = [k for k in after if k not in before and not k.startswith("runs/")]
    assert new == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_config_problems_are_refused_cleanly(study, tmp_path, case):
    root, out, demo = study
    text, args = case.make(tmp_path, demo)
    work = tmp_path / "out"
    shutil.copytree(out, work)
    before = _snapshot(work)
    cfg = tmp_path / "study.yaml"
    cfg.write_text(text, encoding="utf-8")
    r, msg = _invoke(["run", "--config", str(cfg), "--out", str(work), "--workers", "1",
                      *args, *([] if "cities" in text else ["--cities", CITY])])
    _assert_clean(r, msg, case.names)
    assert _snapshot(work) == before


@pytest.mark.parametrize("name,content,names", CONFIG_FILE_CASES,
                         ids=[c[0] for c in CONFIG_FILE_CASES])
def test_unusable_config_files_are_refused(study, tmp_path, name, content, names):
    root, out, demo = study
    work = tmp_path / "out"
    shutil.copytree(out, work)
    before = _snapshot(work)
    cfg = tmp_path / "study.yaml"
    cfg.write_bytes(content)
    r, msg = _invoke(["run", "--config", str(cfg), "--out", str(work), "--cities", CITY])
    _assert_clean(r, msg, names)
    assert _snapshot(work) == before


@pytest.mark.parametrize("case", RASTER_CASES + FILE_CASES,
                         ids=[c.id for c in RASTER_CASES + FILE_CASES])
def test_bad_input_files_are_refused_before_any_city(study, tmp_path, case):
    root, out, demo = study
    d = tmp_path / "in"
    d.mkdir()
    data, args = case.make(d, demo)
    _run_case(study, tmp_path, data, args, case.names)


@pytest.mark.parametrize("cid,args,names", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_command_lines_are_refused(study, tmp_path, cid, args, names):
    root, out, demo = study
    work = tmp_path / "out"
    shutil.copytree(out, work)
    before = _snapshot(work)
    cfg = tmp_path / "study.yaml"
    cfg.write_text("study:\n  name: central_asia_demo\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)).replace("{cfg}", str(cfg)) for a in args]
    if args[0] == "run":
        args += ["--out", str(work)]
    r, msg = _invoke(args)
    _assert_clean(r, msg, names)
    assert _snapshot(work) == before


def test_the_corpus_has_at_least_80_cases():
    n = len(CASES) + len(CONFIG_FILE_CASES) + len(RASTER_CASES) + len(FILE_CASES) + \
        len(CLI_CASES)
    assert n >= 80, n


def test_check_reports_every_problem_at_once(study, tmp_path):
    """`carlcities check` lists all problems (here three files) in one message."""
    root, out, demo = study
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.yaml").write_text("", encoding="utf-8")
    (d / "s.xlsx").write_bytes(PNG)
    cfg = tmp_path / "study.yaml"
    cfg.write_text(f"cities: [{CITY}]\ndata:\n  demo_dir: {demo.parent}\n  scorecards:\n"
                   f"    {CITY}: {d / 'a.yaml'}\n  surveys: [{d / 's.xlsx'}]\n"
                   f"  gtfs:\n    {CITY}: {d / 'none.zip'}\n", encoding="utf-8")
    r, msg = _invoke(["check", "--config", str(cfg)])
    assert r.exit_code == 2
    assert "3 problems" in msg
    for name in ("a.yaml", "s.xlsx", "none.zip"):
        assert name in msg
    ok = tmp_path / "ok.yaml"
    ok.write_text(f"cities: [{CITY}]\ndata:\n  demo_dir: {demo.parent}\n", encoding="utf-8")
    r, msg = _invoke(["check", "--config", str(ok)])
    assert r.exit_code == 0 and "no problems" in msg, msg
