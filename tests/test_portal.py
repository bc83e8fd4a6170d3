"""The study portal (`carlcities serve`) through FastAPI's test client, on the small fake output
directory of the report tests (store + tiny rasters) with an OSM file written here: pages in
both languages, the API, map tiles, vectors and the offline basemap, downloads (no way out of
the output directory), and no reference to any other host."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from carlcities.portal import downloads
from carlcities.portal.app import STATIC, create_app
from carlcities.portal.layers import ATLAS_PALETTE, classify, family_title
from carlcities.store import connect
from tests.report_text import latin_leftovers, text_nodes
from tests.test_report import DENSITY_2020, make_fake_out

LON0, LAT0 = 75.025, 43.335      # inside the fake rasters (EPSG:32643, 4 km square)
PAGES = ["/", "/city/almaty", "/city/bishkek", "/compare?cities=almaty,bishkek,tashkent",
         "/downloads", "/api", "/login", "/city/almaty/scorecard?level=detailed"]
_CYR = re.compile("[А-Яа-яЁё]")


def _pbf(path: Path) -> Path:
    import osmium
    from osmium.osm.mutable import Node, Way

    w = osmium.SimpleWriter(str(path))
    nid = 1

    def node(lon, lat, tags=None):
        nonlocal nid
        w.add_node(Node(id=nid, location=(lon, lat), tags=tags or {}))
        nid += 1
        return nid - 1

    road = [node(LON0 - 0.01 + 0.002 * i, LAT0) for i in range(11)]
    river = [node(LON0, LAT0 - 0.01 + 0.002 * i) for i in range(11)]
    d = 0.003
    park = [node(LON0 + a, LAT0 + b) for a, b in ((d, d), (2 * d, d), (2 * d, 2 * d), (d, 2 * d))]
    lake = [node(LON0 - a, LAT0 - b) for a, b in ((d, d), (2 * d, d), (2 * d, 2 * d), (d, 2 * d))]
    node(LON0 - 0.005, LAT0 + 0.005, {"place": "suburb", "name": "Центр", "name:en": "Centre"})
    w.add_way(Way(id=1, nodes=road, tags={"highway": "primary"}))
    w.add_way(Way(id=2, nodes=river, tags={"waterway": "river"}))
    w.add_way(Way(id=3, nodes=park + park[:1], tags={"leisure": "park"}))
    w.add_way(Way(id=4, nodes=lake + lake[:1], tags={"natural": "water"}))
    w.close()
    return path


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("portal")
    out = make_fake_out(tmp / "out")
    (out / "exports").mkdir()
    (out / "exports" / "indicator_values.csv").write_text("city_id\nalmaty\n", encoding="utf-8")
    (out / "secret.txt").write_text("not for download", encoding="utf-8")
    (out / "rasters" / "almaty" / "escape.tif").symlink_to(tmp / "outside.tif")
    (tmp / "outside.tif").write_bytes(b"outside the output directory")
    pbf = _pbf(tmp / "almaty.osm.pbf")
    man = json.loads((out / "manifest.json").read_text())
    man["inputs"] = [{"role": "osm", "city_id": "almaty", "path": str(pbf), "sha256": "abc"}]
    (out / "manifest.json").write_text(json.dumps(man))
    con = connect(out / "study.duckdb")
    con.execute("INSERT INTO urban_extents VALUES ('run-1', 'almaty', 2020, 1.0, true, "
                "ST_GeomFromText('POLYGON((75 43.3, 75.02 43.3, 75.02 43.32, 75 43.3))'))")
    con.close()
    return out


@pytest.fixture(scope="module")
def client(out: Path) -> TestClient:
    return TestClient(create_app(out))


def _get(client: TestClient, url: str, lang: str = "en"):
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}lang={lang}")
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return r


@pytest.mark.parametrize("url", PAGES)
def test_russian_pages_are_russian(client: TestClient, url: str):
    html = _get(client, url, "ru").text
    assert '<html lang="ru">' in html
    assert latin_leftovers(html) == [], url


@pytest.mark.parametrize("url", PAGES)
def test_english_pages_are_english(client: TestClient, url: str):
    html = _get(client, url, "en").text
    assert '<html lang="en">' in html
    assert [s for _w, s in text_nodes(html) if _CYR.search(s)] == [], url
    # the link to the Russian page names its language in Russian, marked as a name
    assert 'hreflang="ru" lang="ru" translate="no">Русский</a>' in html


def test_language_is_remembered(out: Path):
    c = TestClient(create_app(out))
    assert 'lang="ru"' in c.get("/?lang=ru").text[:200]
    assert 'lang="ru"' in c.get("/city/almaty").text[:200]          # cookie
    assert 'lang="en"' in c.get("/city/almaty?lang=en").text[:200]
    assert 'lang="en"' in c.get("/?lang=xx").text[:200]              # bad value: cookie's


def test_region_page(client: TestClient):
    html = _get(client, "/").text
    for cid, name in (("almaty", "Almaty"), ("bishkek", "Bishkek"), ("tashkent", "Tashkent")):
        assert f'href="/city/{cid}">{name}</a>' in html
    assert "3 cities in 3 countries." in html
    assert "3 города в 3 странах." in _get(client, "/", "ru").text
    data = json.loads(re.search(r'id="region-data">(.*?)</script>', html, re.S).group(1))
    assert data["default"] == "form.builtup_density"
    assert data["values"] == DENSITY_2020
    assert {i["id"] for i in data["indicators"]} >= {"form.population", "form.openness"}
    # size classes from the population: Almaty and Tashkent over a million
    rows = dict(re.findall(r'data-city="(\w+)"[^>]*data-size="([^"]*)"', html))
    assert rows == {"almaty": "over 1 million", "bishkek": "over 1 million",
                    "tashkent": "over 1 million"}


def test_city_page_cards_and_ranks(client: TestClient):
    html = _get(client, "/city/bishkek").text
    card = re.search(r'id="ind-form.builtup_density">(.*?)</div>\s*</div>\s*</div>', html,
                     re.S)
    assert card, "no card for form.builtup_density"
    text = " ".join(s for _w, s in text_nodes(card.group(0)))
    # Bishkek has the lowest of 1, 2, 3: percentile rank 16.7 of 3, regional median 2
    assert "percentile rank 16.7 of 3 cities" in text
    assert "Regional median: 2.00" in text or "Regional median: 2" in text
    ru = _get(client, "/city/bishkek", "ru").text
    assert "процентильный ранг 16,7 из 3 городов" in ru


def test_unknown_city_is_404_in_both_languages(client: TestClient):
    r = client.get("/city/atlantis?lang=ru")
    assert r.status_code == 404 and "Не найдено" in r.text
    assert client.get("/api/v1/cities/atlantis").status_code == 404


def test_api(client: TestClient):
    cities = client.get("/api/v1/cities").json()
    assert [c["city_id"] for c in cities] == ["almaty", "bishkek", "tashkent"]
    v = client.get("/api/v1/values", params={"indicator": "form.builtup_density"}).json()
    assert v["values"] == DENSITY_2020 and v["indicator"]["unit"] == "persons/ha"
    assert client.get("/api/v1/values", params={"indicator": "no.such"}).status_code == 404
    prof = client.get("/api/v1/cities/bishkek").json()["profile"]
    row = next(r for r in prof if r["indicator_id"] == "form.builtup_density")
    assert row["percentile_rank"] == pytest.approx(100 / 6) and row["regional_median"] == 2
    csv = client.get("/api/v1/cities/almaty/values?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("run_id,city_id,zone_id,indicator_id")
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cities/{city_id}/layers" in spec["paths"]
    assert "/tiles/{city_id}/{layer}/{z}/{x}/{y}.png" in spec["paths"]
    # FastAPI's own docs pages load Swagger from a CDN: switched off
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


def test_layers_api(client: TestClient):
    groups = {g["family"]: g for g in client.get("/api/v1/cities/almaty/layers").json()}
    assert set(groups) >= {"atlas_class", "population", "growth"}
    atlas = groups["atlas_class"]
    assert [x["epoch"] for x in atlas["layers"]] == [2000, 2010, 2020]
    assert [c["code"] for c in atlas["classes"]] == [1, 2, 3, 4, 5, 6, 7]
    pop = groups["population"]
    assert pop["unit"] == "persons" and len(pop["stops"]) == 11
    assert 0 <= pop["range"][0] < pop["range"][1] <= 8000 * 1.4
    ru = {g["family"]: g for g in client.get("/api/v1/cities/almaty/layers?lang=ru").json()}
    assert ru["population"]["unit_label"] == "чел." and _CYR.search(ru["growth"]["title"])


def test_layer_names():
    assert classify("builtup_2020").family == "builtup"
    lay = classify("population_2050_compact")
    assert (lay.family, lay.epoch, lay.scenario) == ("population_compact", 2050, "compact")
    assert classify("growth_2000_2010").epoch == 2010
    assert family_title("population_compact", "ru") == \
        "Население в ячейке (сценарий компактный)"
    assert family_title("some_new_layer", "en") == "some new layer"


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_tiles_decode_with_the_palette(client: TestClient):
    from PIL import Image

    x, y = _tile_of(LON0, LAT0 + 0.005, 13)
    r = client.get(f"/tiles/almaty/atlas_class_2020/13/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
    assert img.shape == (256, 256, 4)
    seen = {tuple(p[:3]) for p in img.reshape(-1, 4) if p[3] > 0}
    palette = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in ATLAS_PALETTE.values()}
    assert seen and seen <= palette            # only class colours, nothing else
    pop = client.get(f"/tiles/almaty/population_2020/13/{x}/{y}.png")
    assert (np.asarray(Image.open(io.BytesIO(pop.content)))[..., 3] > 0).any()
    far = client.get("/tiles/almaty/atlas_class_2020/13/0/0.png")       # off the raster
    assert far.status_code == 200
    assert (np.asarray(Image.open(io.BytesIO(far.content)).convert("RGBA"))[..., 3] == 0).all()


@pytest.mark.parametrize("url", [
    "/tiles/almaty/no_such_layer/13/0/0.png", "/tiles/almaty/..%2F..%2Fstudy/13/0/0.png",
    "/tiles/..%2Fbishkek/atlas_class_2020/13/0/0.png", "/tiles/almaty/escape/13/0/0.png",
    "/tiles/almaty/atlas_class_2020/40/0/0.png", "/tiles/almaty/atlas_class_2020/2/9/0.png"])
def test_bad_tiles_are_404(client: TestClient, url: str):
    r = client.get(url)
    assert r.status_code == 404, url
    assert b"outside the output" not in r.content


def test_vectors_and_basemap(client: TestClient, out: Path):
    ext = client.get("/api/v1/cities/almaty/vectors/extents.geojson").json()
    assert [f["properties"]["epoch"] for f in ext["features"]] == [2020]
    assert ext["features"][0]["geometry"]["type"] == "Polygon"
    assert client.get("/api/v1/cities/almaty/vectors/districts.geojson").json()["type"] \
        == "FeatureCollection"
    bm = client.get("/api/v1/cities/almaty/vectors/basemap.geojson").json()
    kinds = sorted(f["properties"]["kind"] for f in bm["features"])
    assert kinds == ["green", "place", "river", "road", "water"]
    place = next(f for f in bm["features"] if f["properties"]["kind"] == "place")
    assert (place["properties"]["name_en"], place["properties"]["name_ru"]) == \
        ("Centre", "Центр")
    cached = list((out / "portal_cache" / "almaty").glob("basemap-*.geojson"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    client.get("/api/v1/cities/almaty/vectors/basemap.geojson")
    assert cached[0].stat().st_mtime_ns == mtime                        # served from cache
    # a city without an OSM input: an empty basemap, not an error
    assert client.get("/api/v1/cities/bishkek/vectors/basemap.geojson").json()["features"] == []
    assert client.get("/api/v1/cities/almaty/vectors/secret.geojson").status_code == 404


def test_downloads_page_and_files(client: TestClient):
    html = _get(client, "/downloads").text
    assert 'href="/download/exports/indicator_values.csv"' in html
    assert 'href="/download/rasters/almaty/atlas_class_2020.tif"' in html
    r = client.get("/download/exports/indicator_values.csv")
    assert r.status_code == 200 and r.text == "city_id\nalmaty\n"
    cog = client.get("/download/rasters/almaty/atlas_class_2020.tif")
    assert cog.status_code == 200 and cog.content[:2] in (b"II", b"MM")


@pytest.mark.parametrize("rel", [
    "../secret.txt", "secret.txt", "study.duckdb", "exports/../study.duckdb",
    "exports/../../portal/out/study.duckdb", "/etc/passwd", "rasters/almaty/escape.tif",
    "rasters/../manifest.json/../secret.txt", "exports", "rasters/almaty", "",
    "exports/indicator_values.csv\x00.png", "runs/run-1/manifest.json"])
def test_no_way_out_of_the_output_directory(out: Path, client: TestClient, rel: str):
    assert downloads.safe_file(out, rel) is None
    if "\x00" in rel:
        return          # not a URL a client can send
    for url in (f"/download/{rel}", "/download/" + rel.replace("..", "%2e%2e").replace("/", "%2F")):
        r = client.get(url)
        assert r.status_code == 404, url
        assert b"not for download" not in r.content and b"outside the output" not in r.content


def test_safe_file_allows_what_is_listed(out: Path):
    assert downloads.safe_file(out, "exports/indicator_values.csv") is not None
    assert downloads.safe_file(out, "manifest.json") is not None
    listed = downloads.city_files(out, "almaty", ["atlas_class_2020"])
    assert [f["path"] for f in listed] == ["rasters/almaty/atlas_class_2020.tif"]


_URL = re.compile(r"https?://[^\s\"'<>)]+")
#: URLs inside the vendored libraries that never make a request (XML namespaces, licence
#: headers, the MapLibre logo link we do not show): anything new there fails this list
VENDOR_INERT = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml",
                "https://maplibre.org/", "https://maplibre.invalid/",
                "https://github.com/maplibre/maplibre-gl-js/blob/v5.24.1/LICENSE.txt",
                "https://github.com/mapbox/mapbox-gl-js/issues/2907",
                "https://www.chartjs.org", "https://github.com/kurkle/color#readme",
                "https://github.com/chartjs/Chart.js/blob/master/LICENSE.md"}


def _external(text: str) -> set[str]:
    return {u for u in _URL.findall(text)
            if not re.match(r"https?://(127\.0\.0\.1|localhost|testserver)(:\d+)?(/|$)", u)}


def test_nothing_is_fetched_from_another_host(client: TestClient):
    assets: set[str] = set()
    for url in PAGES:
        for lang in ("en", "ru"):
            html = _get(client, url, lang).text
            assert _external(html) == set(), (url, lang)
            assets |= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert {"/static/vendor/maplibre-gl.js", "/static/vendor/chart.umd.min.js",
            "/static/portal.css", "/static/city.js"} <= assets
    served = {a: client.get(a) for a in assets}
    assert all(r.status_code == 200 for r in served.values())
    for a, r in served.items():
        found = _external(r.text)
        if "/vendor/" in a:
            assert found <= VENDOR_INERT, (a, found - VENDOR_INERT)
        else:
            assert found == set(), (a, found)
    # and every other file of the package's static folder
    for p in STATIC.rglob("*"):
        if p.suffix in (".js", ".css", ".html") and "/vendor/" not in p.as_posix():
            assert _external(p.read_text(encoding="utf-8")) == set(), p
    # the vendored MapLibre shows its logo link only through the attribution control,
    # which the pages switch off
    for js in ("region.js", "city.js"):
        assert "attributionControl: false" in (STATIC / js).read_text(encoding="utf-8")


def test_serve_command(out: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from carlcities.cli import app

    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--anonymous" in r.output
    bad = CliRunner().invoke(app, ["serve", "--out", str(tmp_path / "nothing")])
    assert bad.exit_code == 2 and "carlcities run --out" in bad.output.replace("\n", " ")


def test_create_app_refuses_a_directory_without_a_store(tmp_path: Path):
    from carlcities.errors import OutputDirError

    with pytest.raises(OutputDirError, match="no results store"):
        create_app(tmp_path)


def test_region_layers_from_natural_earth(client: TestClient):
    c = client.get("/api/v1/region/countries.geojson").json()
    study = {f["properties"]["iso_a3"] for f in c["features"] if f["properties"]["study"]}
    assert study == {"KAZ", "KGZ", "TJK", "TKM", "UZB"}
    kaz = next(f for f in c["features"] if f["properties"]["iso_a3"] == "KAZ")
    assert kaz["properties"]["name_ru"] == "Казахстан"
    assert kaz["geometry"]["type"] in ("Polygon", "MultiPolygon")
    for layer in ("rivers", "lakes"):
        assert client.get(f"/api/v1/region/{layer}.geojson").json()["features"], layer
    assert client.get("/api/v1/region/roads.geojson").status_code == 404
    assert "Natural Earth" in _get(client, "/").text
