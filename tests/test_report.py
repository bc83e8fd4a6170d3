"""Reports: built from a small fake output directory written here (store + tiny rasters)."""

from __future__ import annotations

import itertools
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from carlcities._schema import DDL
from carlcities.report import build_report, median, percentile_ranks
from carlcities.store import connect

EPOCHS = (2000, 2010, 2020)
CITIES = [  # city_id, name_en, name_ru, iso3, lat, lon, population, year
    ("almaty", "Almaty", "Алматы", "KAZ", 43.24, 76.89, 2_228_700, 2023),
    ("bishkek", "Bishkek", "Бишкек", "KGZ", 42.87, 74.59, 1_145_000, 2023),
    ("tashkent", "Tashkent", "Ташкент", "UZB", 41.31, 69.28, 2_956_400, 2023),
]
INDICATORS = [  # id, theme, en, ru, unit, kind
    ("form.population", "form", "Population", "Население", "persons", "epoch"),
    ("form.extent_area", "form", "Urban extent area", "Площадь городской территории", "km2",
     "epoch"),
    ("form.builtup_density", "form", "Built-up area density", "Плотность застроенной территории",
     "persons/ha", "epoch"),
    ("form.openness", "form", "Openness", "Открытость", "ratio", "epoch"),
    ("growth.lcrpgr", "growth", "Land consumption rate to population growth rate",
     "Отношение темпа потребления земли к темпу роста населения", "ratio", "pair"),
]
# the hand-made example: built-up density in 2020 is 1, 2, 3 -> ranks 16.7, 50, 83.3
DENSITY_2020 = {"almaty": 2.0, "bishkek": 1.0, "tashkent": 3.0}


def _write_rasters(folder: Path, seed: int, size: int = 40, res: float = 100.0) -> None:
    import rasterio
    from rasterio.transform import from_origin

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    c = size / 2
    d = np.hypot(yy - c, xx - c) + rng.normal(0, size * 0.03, (size, size))
    river = np.abs(yy - 0.35 * xx - size * 0.55) < max(1, size * 0.025)
    prof = {"driver": "GTiff", "height": size, "width": size, "count": 1, "crs": "EPSG:32643",
            "transform": from_origin(500_000, 4_800_000, res, res)}
    built_prev = None
    for i, e in enumerate(EPOCHS):
        r = size * (0.12 + 0.08 * i)
        cls = np.full((size, size), 6, np.uint8)
        cls[d < r * 1.35] = 4
        cls[d < r * 1.1] = 3
        cls[d < r] = 2
        cls[d < r * 0.7] = 1
        cls[(d < r * 0.5) & (rng.random((size, size)) < 0.05)] = 5
        cls[river] = 7
        cls[:, :1] = 0
        with rasterio.open(folder / f"atlas_class_{e}.tif", "w", dtype="uint8", nodata=0,
                           **prof) as dst:
            dst.write(cls, 1)
            dst.update_tags(source="synthetic demo GHS_BUILT_S")
        pop = (8000 * np.exp(-d / (r * 0.6)) * (1 + 0.2 * i)).astype(np.float32)
        pop[river] = 0
        with rasterio.open(folder / f"population_{e}.tif", "w", dtype="float32", nodata=-1,
                           **prof) as dst:
            dst.write(pop, 1)
        built = (cls >= 1) & (cls <= 3)
        if built_prev is not None:
            g = np.zeros((size, size), np.uint8)
            new = built & ~built_prev
            g[new] = 2
            g[new & (d < r * 0.6)] = 1
            g[new & (rng.random((size, size)) < 0.1)] = 3
            with rasterio.open(folder / f"growth_{EPOCHS[i - 1]}_{e}.tif", "w", dtype="uint8",
                               **prof) as dst:
                dst.write(g, 1)
        built_prev = built


def make_fake_out(out: Path, *, synthetic: bool = True, cities=CITIES, raster_size: int = 40,
                  districts: bool = True, rasters: bool = True) -> Path:
    """A minimal output directory: study.duckdb with the contract DDL, and tiny COG-like rasters."""
    out.mkdir(parents=True, exist_ok=True)
    con = connect(out / "study.duckdb")
    con.execute(DDL)
    con.executemany("INSERT INTO study_meta VALUES (?, ?)",
                    [["name", "central_asia_demo"],
                     ["title_en", "Central Asia cities study"],
                     ["title_ru", "Исследование городов Центральной Азии"]])
    con.execute("INSERT INTO runs VALUES ('run-old', 'ca', TIMESTAMP '2024-01-01 10:00:00', "
                "TIMESTAMP '2024-01-01 11:00:00', 'complete', 'abc', '{}')")
    con.execute("INSERT INTO runs VALUES ('run-1', 'ca', TIMESTAMP '2024-02-01 10:00:00', "
                "TIMESTAMP '2024-02-01 11:00:00', 'complete', 'abc', '{}')")
    con.execute("INSERT INTO runs VALUES ('run-2', 'ca', TIMESTAMP '2024-03-01 10:00:00', NULL, "
                "'interrupted', 'abc', '{}')")
    for cid, en, ru, iso, lat, lon, pop, year in cities:
        con.execute(
            "INSERT INTO cities (city_id, name_en, name_ru, country_iso3, lat, lon, population, "
            "population_year, population_source, synthetic, geom) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ST_Point(?, ?))",
            [cid, en, ru, iso, lat, lon, pop, year, "national statistics office", synthetic,
             lon, lat])
    con.executemany("INSERT INTO indicators (indicator_id, theme, name_en, name_ru, unit, kind) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [list(r) for r in INDICATORS])
    rows = []
    src = "GHS_BUILT_S R2023A; GHS_POP R2023A"
    for k, (cid, *_rest) in enumerate(cities):
        pop_by_epoch = {}
        for i, e in enumerate(EPOCHS):
            pop_e = _rest[5] * (0.7 + 0.15 * i)
            pop_by_epoch[e] = pop_e
            dens = DENSITY_2020.get(cid, 1.5 + k) if e == 2020 else 40.0 + 5 * k - 3 * i
            vals = {"form.population": pop_e, "form.extent_area": 50 + 20 * i + 10 * k,
                    "form.builtup_density": dens, "form.openness": 0.3 + 0.01 * k}
            for iid, v in vals.items():
                rows.append(["run-1", cid, "city", iid, e, None, "observed", v, None, src,
                             f"{iid}@1", synthetic, None])
        for s, e in itertools.pairwise(EPOCHS):
            undefined = cid == "bishkek" and e == 2020
            rows.append(["run-1", cid, "city", "growth.lcrpgr", e, s, "observed",
                         None if undefined else 1.1 + 0.2 * k, "ratio", src, "growth.lcrpgr@1",
                         synthetic, "undefined: population growth <= 0" if undefined else None])
        # an older run with other numbers that must not show
        rows.append(["run-old", cid, "city", "form.openness", 2020, None, "observed", 99.0,
                     None, src, "form.openness@0", synthetic, None])
        # a scenario row that must not show
        rows.append(["run-1", cid, "city", "form.openness", 2020, None, "bau_2050", 77.0,
                     None, src, "form.openness@1", synthetic, None])
    if districts:
        first = cities[0][0]
        for z, (en, ru) in {"d1": ("Medeu district", "Медеуский район"),
                            "d2": ("Bostandyk district", "Бостандыкский район")}.items():
            con.execute("INSERT INTO zones (city_id, zone_id, name_en, name_ru) VALUES (?,?,?,?)",
                        [first, z, en, ru])
            rows.append(["run-1", first, z, "form.builtup_density", 2020, None, "observed",
                         55.5 if z == "d1" else 66.6, None, src, "form.builtup_density@1",
                         synthetic, None])
    con.executemany("INSERT INTO indicator_values (run_id, city_id, zone_id, indicator_id, epoch, "
                    "epoch_start, scenario, value, unit, source, method_version, synthetic, flag) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    (out / "manifest.json").write_text(json.dumps({"run_id": "run-1", "status": "complete"}))
    if rasters:
        for k, (cid, *_r) in enumerate(cities):
            _write_rasters(out / "rasters" / cid, seed=k, size=raster_size)
    return out


class _Page(HTMLParser):
    """Collects what the tests look at: tags with attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = make_fake_out(tmp_path_factory.mktemp("out"))
    messages: list[str] = []
    index = build_report(out, progress=messages.append)
    assert messages
    return index


def test_statistics_by_hand():
    r = percentile_ranks({"a": 1.0, "b": 2.0, "c": 3.0, "d": None})
    assert r["a"] == pytest.approx(100 / 6) and r["b"] == 50 and r["c"] == pytest.approx(250 / 3)
    assert r["d"] is None
    ties = percentile_ranks({"a": 1.0, "b": 1.0, "c": 2.0, "e": 5.0})
    assert ties["a"] == ties["b"] == 25.0 and ties["c"] == 62.5 and ties["e"] == 87.5
    assert median([3, None, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5 and median([]) is None


def test_pages_exist(report: Path):
    out = report.parent
    assert report.name == "index.html" and report.is_file()
    assert (out / "index.json").is_file()
    for cid, *_ in CITIES:
        assert (out / "cities" / f"{cid}.html").is_file()
        assert (out / "cities" / f"{cid}.json").is_file()


def test_index_table_and_json_twin(report: Path):
    html = report.read_text(encoding="utf-8")
    data = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    page = _parse(report)
    for cid, en, ru, *_ in CITIES:
        assert f'data-city="{cid}"' in html and en in html and ru in html
        assert f'href="cities/{cid}.html"' in html
    assert "Regional median" in html and "Медиана по региону" in html
    assert "<thead>" in html and "<tfoot>" in html
    # latest complete run only, observed scenario only, the 'city' zone only
    assert data["run"]["run_id"] == "run-1" and data["run"]["latest_run_id"] == "run-2"
    assert "99" not in [c["display"] for city in data["cities"] for c in city["values"].values()]
    keys = [c["key"] for c in data["columns"]]
    assert keys[:3] == ["form.population@2020", "form.extent_area@2020",
                        "form.builtup_density@2020"]
    assert "growth.lcrpgr@2010-2020" in keys
    # hand-made percentile ranks: 1, 2, 3 -> 16.7, 50, 83.3
    ranks = {c["city_id"]: c["values"]["form.builtup_density@2020"]["percentile_rank"]
             for c in data["cities"]}
    assert ranks == {"bishkek": 16.7, "almaty": 50.0, "tashkent": 83.3}
    assert data["regional_median"]["form.builtup_density@2020"]["value"] == 2.0
    assert "lower value" in data["percentile_rank_definition"]
    assert "lower value" in html and "меньшим значением" in html
    # the table holds the same numbers as the JSON twin
    cells = {}
    row = None
    for tag, a in page.tags:
        if tag == "tr":
            row = a.get("data-city")
        if tag == "td" and row and a.get("data-key"):
            cells[(row, a["data-key"])] = (a.get("data-sort"), a.get("data-rank"))
    assert len(cells) == len(CITIES) * len(keys)
    for c in data["cities"]:
        for k, v in c["values"].items():
            sort, rank = cells[(c["city_id"], k)]
            if v["value"] is None:
                assert sort == "" and v["flag"]
            else:
                assert float(sort) == pytest.approx(v["value"])
                assert float(rank) == pytest.approx(v["percentile_rank"])
    med_cells = [(a["data-key"], a["data-value"]) for tag, a in page.tags
                 if tag == "td" and "data-value" in a]
    for k, v in med_cells:
        assert float(v) == pytest.approx(data["regional_median"][k]["value"])
    # an undefined value: dash with its flag as tooltip
    assert data["cities"][0]["city_id"] == "almaty"
    bishkek = next(c for c in data["cities"] if c["city_id"] == "bishkek")
    assert bishkek["values"]["growth.lcrpgr@2010-2020"]["value"] is None
    assert 'title="undefined: population growth &lt;= 0">—' in html


def _bilingual(folder: Path) -> list[Path]:
    """The bilingual pages of a folder (not their ``.en.html`` / ``.ru.html`` variants)."""
    return sorted(p for p in folder.glob("*.html") if not p.name.endswith((".en.html",
                                                                           ".ru.html")))


def test_synthetic_banner(report: Path, tmp_path: Path):
    for page in [report, *_bilingual(report.parent / "cities")]:
        assert "Synthetic demo data — not real" in page.read_text(encoding="utf-8")
        assert "Синтетические демонстрационные данные — не реальные" in page.read_text(
            encoding="utf-8")
        en = page.with_name(page.name.replace(".html", ".en.html")).read_text(encoding="utf-8")
        ru = page.with_name(page.name.replace(".html", ".ru.html")).read_text(encoding="utf-8")
        assert "Synthetic demo data — not real" in en and "Синтетические" not in en
        assert "Синтетические демонстрационные данные — не реальные" in ru
        assert "Synthetic demo data" not in ru
    real = make_fake_out(tmp_path / "real", synthetic=False, raster_size=12)
    index = build_report(real)
    for page in [index, *sorted((index.parent / "cities").glob("*.html"))]:
        text = page.read_text(encoding="utf-8")
        assert "Synthetic demo data" not in text and "Синтетические" not in text
    assert json.loads(index.with_suffix(".json").read_text())["synthetic"] is False


def test_offline_and_images(report: Path):
    pages = [report, *_bilingual(report.parent / "cities")]
    n_img = 0
    for path in pages:
        page = _parse(path)
        assert re.search(r'<html lang="en">', path.read_text(encoding="utf-8"))
        assert 'lang="ru"' in path.read_text(encoding="utf-8")
        for tag, a in page.tags:
            for attr in ("src", "href"):
                v = a.get(attr) or ""
                assert not v.startswith(("http://", "https://", "//")), (path, tag, v)
            if tag == "link":
                raise AssertionError(f"{path}: external stylesheet {a}")
            if tag == "script":
                assert "src" not in a
            if tag == "img":
                n_img += 1
                assert a.get("alt"), (path, a)
                assert (path.parent / a["src"]).is_file(), (path, a["src"])
                assert not Path(a["src"]).is_absolute()
    # the region map twice on the index (at a glance and full size)
    assert n_img == 2 + (len(EPOCHS) + 4) * len(CITIES)


def test_city_profile(report: Path):
    cdir = report.parent / "cities"
    html = (cdir / "almaty.html").read_text(encoding="utf-8")
    data = json.loads((cdir / "almaty.json").read_text(encoding="utf-8"))
    assert "Алматы" in html and "Казахстан" in html and "2023" in html
    assert "national statistics office" in html
    assert "../../manifest.json" in html and "form.builtup_density@1" in html
    assert "Городская территория" in html or "Расширение городской территории" in html
    dens = next(b for b in data["indicators"]
                if b["indicator"]["indicator_id"] == "form.builtup_density")
    e2020 = next(r for r in dens["epochs"] if r["epoch"] == 2020)
    assert e2020["value"] == 2.0 and e2020["regional_median"] == 2.0
    assert e2020["percentile_rank"] == 50.0 and e2020["country_median"] == 2.0
    assert [r["epoch"] for r in dens["epochs"]] == list(EPOCHS)
    assert {b["indicator"]["indicator_id"] for b in data["growth"]} == {"growth.lcrpgr"}
    assert set(data["figures"]) == {"atlas", "expansion", "density", "growth", "chart"}
    assert len(data["figures"]["atlas"]["panels"]) == len(EPOCHS)
    chart = data["figures"]["chart"]["series"]
    assert [s["name_en"] for s in chart] == ["Population", "Urban extent area",
                                             "Built-up area density"]
    for f in data["figures"].values():
        assert (cdir / f["src"]).is_file() and f["unit"] and f["source"]
        assert "Synthetic" in f["caption_en"]
        assert f["src"] in html
    # districts from zones
    assert data["districts"]["rows"][0]["name_en"] == "Bostandyk district"
    assert "Медеуский район" in html
    assert data["provenance"]["run_id"] == "run-1"
    # no districts table for a city without districts
    assert json.loads((cdir / "bishkek.json").read_text())["districts"] is None


def test_city_without_rasters(tmp_path: Path):
    out = make_fake_out(tmp_path / "o", raster_size=12, rasters=False, districts=False)
    con = connect(out / "study.duckdb")   # a catalogue city without any value in the run
    con.execute("INSERT INTO cities (city_id, name_en, name_ru, country_iso3, lat, lon) "
                "VALUES ('osh', 'Osh', 'Ош', 'KGZ', 40.53, 72.8)")
    con.close()
    index = build_report(out)
    osh = json.loads((index.parent / "cities" / "osh.json").read_text())
    assert osh["indicators"] == [] and osh["figures"] == {}
    assert "No indicator values" in (index.parent / "cities" / "osh.html").read_text()
    row = next(c for c in json.loads(index.with_suffix(".json").read_text())["cities"]
               if c["city_id"] == "osh")
    assert all(v["value"] is None and v["flag"] for v in row["values"].values())
    html = (index.parent / "cities" / "bishkek.html").read_text(encoding="utf-8")
    data = json.loads((index.parent / "cities" / "bishkek.json").read_text())
    assert data["rasters_missing"] is True
    assert "no rasters were found" in html
    assert set(data["figures"]) == {"chart"}


def test_missing_store(tmp_path: Path):
    from carlcities.errors import OutputDirError

    with pytest.raises(OutputDirError, match="carlcities run"):
        build_report(tmp_path)


def test_percentile_rank_is_nan_safe():
    r = percentile_ranks({"a": math.nan, "b": 1.0})
    assert r == {"a": None, "b": 100 * 0.5}
