"""`carlcities data fetch`: resolution, download with resume and checksums, manifest, mirror,
the configuration it writes, and the command line. No test touches the internet: a local
HTTP server (http.server in a thread) serves files written to tmp_path, and --base-url
points the fetcher at it."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from typer.testing import CliRunner

from carlcities.catalog import load_catalog
from carlcities.cli import app
from carlcities.config import load_config
from carlcities.errors import (
    CarlError,
    ChecksumError,
    DataSourceError,
    DestinationError,
    DownloadError,
    RemoteNotFoundError,
    UnknownCityError,
    UnknownProductError,
)
from carlcities.fetch import (
    CONFIG_NAME,
    GHSL_LEFT,
    GHSL_STEP,
    GHSL_TOP,
    MANIFEST_NAME,
    build_vrt,
    city_tiles,
    fetch,
    ghsl_tiles,
    load_sources,
    mirror_url,
    plan,
    read_checksums,
)

from .conftest import write_tif

CENT = "data/centennial/centennial_Y2K.CAT"  # URL path of the USGS catalogue
VS30 = "static/lfs/data/global_vs30_grd.zip"  # URL path of the USGS Vs30 grid (not served)


# ------------------------------------------------------------------------------ local server
class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves files under ``server.root``; honours Range; counts requests; can fail a path
    with 500 a given number of times."""

    def log_message(self, *args):  # quiet
        pass

    def _file(self) -> Path | None:
        p = (self.server.root / self.path.split("?")[0].lstrip("/")).resolve()
        return p if p.is_file() and self.server.root in p.parents else None

    def _serve(self, body: bool) -> None:
        srv = self.server
        with srv.lock:
            srv.log.append((self.command, self.path, self.headers.get("Range")))
            fails = srv.fail.get(self.path.lstrip("/"), 0)
            if fails:
                srv.fail[self.path.lstrip("/")] = fails - 1
            short = srv.short.get(self.path.lstrip("/"), 0)
            if short and not fails:
                srv.short[self.path.lstrip("/")] = short - 1
        if fails:
            self.send_error(500, "boom")
            return
        p = self._file()
        if p is None:
            self.send_error(404, "not found")
            return
        data = p.read_bytes()
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with srv.lock:
                wrong = srv.wrong_range.get(self.path.lstrip("/"), 0)
                if wrong:
                    srv.wrong_range[self.path.lstrip("/")] = wrong - 1
            if wrong:  # a broken proxy: answers a resume with the file's first bytes
                start = 0
            part = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            part = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if body and short:  # the connection drops half way
            self.wfile.write(part[: len(part) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif body:
            self.wfile.write(part)

    def do_GET(self):  # noqa: N802
        self._serve(True)

    def do_HEAD(self):  # noqa: N802
        self._serve(False)


@pytest.fixture
def server(tmp_path):
    root = (tmp_path / "www").resolve()
    root.mkdir()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.root, srv.log, srv.fail, srv.short = root, [], {}, {}
    srv.wrong_range = {}
    srv.lock = threading.Lock()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"

    def put(rel: str, data: bytes) -> bytes:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return data

    def gets(needle: str = "") -> list:
        return [e for e in srv.log if e[0] == "GET" and needle in e[1]]

    srv.put, srv.gets = put, gets
    yield srv
    srv.shutdown()
    srv.server_close()


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _eq_file(n: int = 5000) -> bytes:
    rng = np.random.default_rng(1)
    return b"".join(b" ABE        %4d  8 22   3  0  0.00   40.000  77.000\n" % (1900 + i % 100)
                    for i in range(n)) + rng.bytes(16)


def _kgz_files(server) -> dict[str, bytes]:
    """The catalogue, the Kyrgyz OSM extract and the three GEM CSVs for Kyrgyzstan."""
    files = {CENT: _eq_file(), "asia/kyrgyzstan-latest.osm.pbf": b"PBF" * 3000}
    for occ in ("Res", "Com", "Ind"):
        files[f"gem/global_exposure_model/main/Central_Asia/Kyrgyzstan/Exposure_{occ}_"
              f"Kyrgyzstan_Adm1.csv"] = f"ID_0,OCCUPANCY\nKGZ,{occ}\n".encode()
    for rel, data in files.items():
        server.put(rel, data)
    return files


KGZ = dict(cities=["osh", "bishkek"], products=["usgs_centennial", "osm_geofabrik",
                                                  "gem_exposure"], epochs=[2020])


# ------------------------------------------------------------------------------ resolution
def test_ghsl_tiles_by_hand():
    # the tile of a point: 1000 km squares counted from (-18,041,000, 9,000,000), from 1
    x, y = GHSL_LEFT + 24.5 * GHSL_STEP, GHSL_TOP - 3.5 * GHSL_STEP
    assert ghsl_tiles((x - 10, y - 10, x + 10, y + 10)) == ["R4_C25"]
    # a box across a corner needs four tiles, row by row
    cx, cy = GHSL_LEFT + 25 * GHSL_STEP, GHSL_TOP - 4 * GHSL_STEP
    assert ghsl_tiles((cx - 5, cy - 5, cx + 5, cy + 5)) == ["R4_C25", "R4_C26", "R5_C25",
                                                             "R5_C26"]
    # a box that ends exactly on a tile edge does not take the next tile
    assert ghsl_tiles((cx - 5, cy + 5, cx, cy + 10)) == ["R4_C25"]


@pytest.mark.parametrize("city", ["almaty", "osh", "aktau", "tashkent"])
def test_city_tiles_hold_the_city_centre(city):
    c = load_catalog().get(city)
    x, y = Transformer.from_crs(4326, "ESRI:54009", always_xy=True).transform(c.lon, c.lat)
    r = int((GHSL_TOP - y) // GHSL_STEP) + 1
    col = int((x - GHSL_LEFT) // GHSL_STEP) + 1
    tiles = city_tiles(c, epochs=[2020])
    assert f"R{r}_C{col}" in tiles and 1 <= len(tiles) <= 4


def test_city_tiles_known_values():
    # Almaty (43.26 N, 76.93 E) lies at y ≈ 5.15e6 m, x ≈ 6.33e6 m in Mollweide: row 4, col 25
    assert city_tiles(load_catalog().get("almaty"), epochs=[2020]) == ["R4_C25"]
    assert city_tiles(load_catalog().get("tashkent"), epochs=[2020]) == ["R5_C24"]


def test_plan_products_countries_and_sharing():
    items = plan(["osh", "bishkek", "almaty"], ["osm_geofabrik", "usgs_centennial",
                                                "ghsl_built_s"], epochs=[2000, 2020])
    osm = {i.relpath: i.cities for i in items if i.product == "osm_geofabrik"}
    assert osm == {"osm/kyrgyzstan-latest.osm.pbf": ("osh", "bishkek"),
                   "osm/kazakhstan-latest.osm.pbf": ("almaty",)}
    cat = [i for i in items if i.product == "usgs_centennial"]
    assert len(cat) == 1 and cat[0].cities == ("osh", "bishkek", "almaty")
    ghsl = [i.relpath for i in items if i.product == "ghsl_built_s"]
    assert "ghsl/GHS_BUILT_S_E2000_GLOBE_R2023A_54009_100_V1_0_R4_C25.zip" in ghsl
    assert len(ghsl) == len(set(ghsl))  # a tile shared by two cities is fetched once
    assert all(i.url.startswith("https://") for i in items)


def test_plan_refuses_unknown_things():
    with pytest.raises(UnknownCityError, match="bishkek"):
        plan(["bishkak"], ["usgs_centennial"])
    with pytest.raises(UnknownProductError, match="ghsl_pop"):
        plan(["osh"], ["ghsl_popp"])
    with pytest.raises(DataSourceError, match="1990"):
        plan(["osh"], ["worldpop"], epochs=[1990, 2000])


def test_catalogue_is_complete_and_honest():
    srcs = load_sources()
    assert {"ghsl_built_s", "ghsl_pop", "worldpop", "osm_geofabrik", "gem_exposure",
            "usgs_centennial", "noaa_signif"} <= set(srcs.products)
    from carlcities.config import SETTINGS

    # data.hazard_maps is issue 15b's setting (the config writer skips it, with a note, until
    # it exists)
    keys = {s.key for s in SETTINGS if s.section == "data"} | {"hazard_maps"}
    for p in srcs.products.values():
        assert p.title_ru and p.licence and p.landing_page.startswith("https://")
        assert p.config_key is None or p.config_key in keys, p.id
        assert not p.sha256  # no checksum is published for these: none is invented
    assert not srcs.get("noaa_signif").url_verified
    assert srcs.get("gem_exposure").licence.startswith("CC BY-NC-SA")
    gshm = srcs.get("gem_gshm")
    assert gshm.licence.startswith("CC BY-NC-SA") and "Non-commercial" in gshm.licence_note
    assert not gshm.default  # a non-commercial product is fetched only when asked for
    assert gshm.tags["units"] == "g" and gshm.tags["imt"] == "PGA"
    assert srcs.get("wb_ca_hazard_2023").selection == "manual"
    # every url_verified says what was checked
    assert all(p.url_note for p in srcs.products.values()
               if p.id not in ("ghsl_built_s", "ghsl_pop", "worldpop", "osm_geofabrik",
                               "usgs_centennial"))


def test_mirror_url():
    u = "https://jeodpp.jrc.ec.europa.eu/ftp/x/y.zip"
    assert mirror_url(u, None) == u
    assert mirror_url(u, "http://m.local:8080") == "http://m.local:8080/ftp/x/y.zip"
    assert mirror_url(u, "http://m.local/base/") == "http://m.local/base/ftp/x/y.zip"
    with pytest.raises(DataSourceError, match="absolute"):
        mirror_url(u, "m.local")


def test_read_checksums(tmp_path):
    p = tmp_path / "SHA256SUMS"
    p.write_text(f"# sums\n{'a' * 64}  earthquakes/centennial_Y2K.CAT\n{'B' * 64} *x.zip\n")
    assert read_checksums(p) == {"centennial_Y2K.CAT": "a" * 64, "x.zip": "b" * 64}
    p.write_text("nothex  file\n")
    with pytest.raises(DataSourceError, match="line 1"):
        read_checksums(p)


# ------------------------------------------------------------------------------ fetching
def test_dry_run_lists_urls_and_sizes_and_writes_nothing(server, tmp_path):
    files = _kgz_files(server)
    dest = tmp_path / "data"
    r = fetch(dest=dest, base_url=server.url, dry_run=True, backoff=0, **KGZ)
    assert not dest.exists()
    assert r.sizes["earthquakes/centennial_Y2K.CAT"] == len(files[CENT])
    assert r.total_bytes == sum(len(b) for b in files.values())
    assert not server.gets()  # HEAD only
    # a missing file is listed with the reason, not an error
    r = fetch(["osh"], ["usgs_vs30"], dest, base_url=server.url, dry_run=True, epochs=[2020])
    assert r.sizes == {"vs30/global_vs30_grd.zip": None}
    assert "404" in r.notes["vs30/global_vs30_grd.zip"]


def test_fetch_manifest_config_and_idempotent_second_run(server, tmp_path):
    files = _kgz_files(server)
    dest = tmp_path / "data"
    r = fetch(dest=dest, base_url=server.url, backoff=0, **KGZ)
    assert len(r.downloaded) == 5 and not r.skipped
    man = json.loads((dest / MANIFEST_NAME).read_text())
    e = man["files"]["earthquakes/centennial_Y2K.CAT"]
    assert e["sha256"] == _sha(files[CENT]) and e["size"] == len(files[CENT])
    assert e["licence"].startswith("public domain") and e["url"].startswith(server.url)
    assert e["catalogue_url"] == "https://earthquake.usgs.gov/data/centennial/centennial_Y2K.CAT"
    assert e["fetched"].endswith("Z") and e["cities"] == ["osh", "bishkek"]
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == files[CENT]
    assert not list(dest.rglob("*.part"))
    # per-city names for the country extract, as data.osm's {city_id} pattern needs
    for cid in ("osh", "bishkek"):
        assert (dest / f"osm/{cid}.osm.pbf").read_bytes() == files[
            "asia/kyrgyzstan-latest.osm.pbf"]
    # the configuration loads and points at the files
    cfg = load_config(dest / CONFIG_NAME)
    assert cfg.data.osm == "osm/{city_id}.osm.pbf"
    assert cfg.data.earthquake_catalogue == "earthquakes/centennial_Y2K.CAT"
    assert cfg.data.source == "demo"  # no built-up / population layers fetched
    assert cfg.cities == ["osh", "bishkek"] and cfg.epochs == [2020]
    assert cfg.data.exposure is None  # GEM Adm1 CSVs have no coordinates
    text = (dest / CONFIG_NAME).read_text()
    assert "gem_exposure: fetched to gem/" in text and "stays 'demo'" in text
    # second run: nothing downloaded, no GET at all
    n = len(server.gets())
    r2 = fetch(dest=dest, base_url=server.url, backoff=0, **KGZ)
    assert r2.downloaded == [] and len(r2.skipped) == 5
    assert len(server.gets()) == n
    # a file changed on disk no longer matches the manifest: fetched again
    (dest / "earthquakes/centennial_Y2K.CAT").write_bytes(b"edited")
    r3 = fetch(dest=dest, base_url=server.url, backoff=0, **KGZ)
    assert r3.downloaded == ["earthquakes/centennial_Y2K.CAT"]
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == files[CENT]


def test_resume_part_with_range(server, tmp_path):
    data = server.put(CENT, _eq_file())
    dest = tmp_path / "data"
    half = len(data) // 2
    (dest / "earthquakes").mkdir(parents=True)
    (dest / "earthquakes/centennial_Y2K.CAT.part").write_bytes(data[:half])
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020])
    assert server.gets(CENT)[-1][2] == f"bytes={half}-"
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data
    assert not (dest / "earthquakes/centennial_Y2K.CAT.part").exists()
    man = json.loads((dest / MANIFEST_NAME).read_text())
    assert man["files"]["earthquakes/centennial_Y2K.CAT"]["sha256"] == _sha(data)


def test_resume_answered_with_another_range_restarts_whole(server, tmp_path):
    """A 206 for the wrong bytes must not be written at offset 0 and then 'resumed' into a
    corrupt file of the right size: the part is dropped and the file fetched whole."""
    data = server.put(CENT, _eq_file())
    server.wrong_range[CENT] = 1
    dest = tmp_path / "data"
    half = len(data) // 2
    (dest / "earthquakes").mkdir(parents=True)
    (dest / "earthquakes/centennial_Y2K.CAT.part").write_bytes(data[:half])
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020])
    got = server.gets(CENT)
    assert got[0][2] == f"bytes={half}-" and got[-1][2] is None
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data


def test_dropped_connection_resumes_in_the_same_run(server, tmp_path):
    data = server.put(CENT, _eq_file())
    server.short[CENT] = 1
    dest = tmp_path / "data"
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020])
    got = server.gets(CENT)
    assert len(got) == 2 and got[0][2] is None
    assert got[1][2] == f"bytes={len(data) // 2}-"  # the second try asks for the rest only
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data


def test_part_longer_than_file_starts_again(server, tmp_path):
    data = server.put(CENT, b"0123456789" * 100)
    dest = tmp_path / "data"
    (dest / "earthquakes").mkdir(parents=True)
    (dest / "earthquakes/centennial_Y2K.CAT.part").write_bytes(b"x" * 5000)  # stale, too long
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020])
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data


def test_server_errors_are_retried(server, tmp_path):
    data = server.put(CENT, _eq_file(100))
    server.fail[CENT] = 2
    dest = tmp_path / "data"
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, retries=2,
          epochs=[2020])
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data
    assert len(server.gets(CENT)) == 3
    server.fail[CENT] = 5
    (dest / "earthquakes/centennial_Y2K.CAT").unlink()
    with pytest.raises(DownloadError, match="HTTP 500") as ei:
        fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, retries=1,
              epochs=[2020])
    assert CENT in str(ei.value)


def test_404_is_an_error_and_nothing_is_lost(server, tmp_path):
    data = server.put(CENT, _eq_file())
    dest = tmp_path / "data"
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020])
    before = (dest / MANIFEST_NAME).read_bytes()
    with pytest.raises(RemoteNotFoundError) as ei:
        fetch(["osh"], ["usgs_centennial", "usgs_vs30"], dest, base_url=server.url,
              backoff=0, epochs=[2020])
    msg = str(ei.value)
    assert "404" in msg and VS30 in msg and "fix:" in msg and "landing page" in msg
    assert isinstance(ei.value, CarlError) and isinstance(ei.value, OSError)
    assert (dest / MANIFEST_NAME).read_bytes() == before
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data
    assert not list(dest.rglob("*.part"))


def test_checksum_mismatch_keeps_no_bad_file(server, tmp_path):
    data = server.put(CENT, _eq_file())
    dest = tmp_path / "data"
    with pytest.raises(ChecksumError, match="differs") as ei:
        fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0,
              epochs=[2020], checksums={"centennial_Y2K.CAT": "0" * 64})
    assert "centennial_Y2K.CAT" in str(ei.value)
    assert not (dest / "earthquakes/centennial_Y2K.CAT").exists()
    assert not list(dest.rglob("*.part"))
    man_path = dest / MANIFEST_NAME
    assert not man_path.exists() or "centennial" not in man_path.read_text()
    # the right checksum passes and is recorded as expected
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url, backoff=0, epochs=[2020],
          checksums={"centennial_Y2K.CAT": _sha(data)})
    e = json.loads(man_path.read_text())["files"]["earthquakes/centennial_Y2K.CAT"]
    assert e["expected_sha256"] == e["sha256"] == _sha(data)


def test_mirror_with_a_path_prefix(server, tmp_path):
    data = server.put("mirror/" + CENT, _eq_file(10))
    dest = tmp_path / "data"
    fetch(["osh"], ["usgs_centennial"], dest, base_url=server.url + "/mirror", backoff=0,
          epochs=[2020])
    assert server.gets()[-1][1] == "/mirror/" + CENT
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data


def test_network_failure_and_unwritable_destination(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(DownloadError, match="network failure after 2 tries") as ei:
        fetch(["osh"], ["usgs_centennial"], tmp_path / "d", base_url=f"http://127.0.0.1:{port}",
              backoff=0, retries=1, timeout=5, epochs=[2020])
    assert "run the same command again" in str(ei.value)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(DestinationError, match="a_file") as ei:
        fetch(["osh"], ["usgs_centennial"], blocker / "sub", base_url="http://127.0.0.1:9",
              epochs=[2020])
    assert "--dest" in str(ei.value)


def _ghsl_zip(server, layer: str, epoch: int, tile: str, value, dtype, nodata) -> None:
    """A small GHSL-style tile: a 20 x 20 GeoTIFF at the top left corner of the tile."""
    r, c = (int(t[1:]) for t in tile.split("_"))
    x0, y0 = GHSL_LEFT + (c - 1) * GHSL_STEP, GHSL_TOP - (r - 1) * GHSL_STEP
    name = f"GHS_{layer}_E{epoch}_GLOBE_R2023A_54009_100_V1_0_{tile}"
    tif = server.root / f"{name}.tif"
    write_tif(tif, np.full((20, 20), value, dtype=dtype), Affine(100, 0, x0, 0, -100, y0),
              "ESRI:54009", nodata=nodata, tiled=False)
    zrel = (f"ftp/jrc-opendata/GHSL/GHS_{layer}_GLOBE_R2023A/GHS_{layer}_E{epoch}_GLOBE_R2023A"
            f"_54009_100/V1-0/tiles/{name}.zip")
    (server.root / zrel).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(server.root / zrel, "w") as z:
        z.write(tif, f"{name}.tif")
        z.writestr("GHSL_Data_Package.txt", "readme")
    tif.unlink()


def test_ghsl_tiles_are_unpacked_mosaicked_and_configured(server, tmp_path):
    # Almaty is R4_C25, Osh R5_C25: one VRT per epoch joins both tiles
    for tile, v in (("R4_C25", 7), ("R5_C25", 9)):
        _ghsl_zip(server, "BUILT_S", 2020, tile, v, "uint16", 65535)
        _ghsl_zip(server, "POP", 2020, tile, float(v), "float64", -200.0)
    dest = tmp_path / "data"
    fetch(["almaty"], ["ghsl_built_s", "ghsl_pop"], dest, base_url=server.url, backoff=0,
          epochs=[2020])
    r = fetch(["almaty", "osh"], ["ghsl_built_s", "ghsl_pop"], dest, base_url=server.url,
              backoff=0, epochs=[2020])
    assert len(r.downloaded) == 2 and len(r.skipped) == 2
    # a later fetch for another city keeps the earlier tiles in the mosaic
    fetch(["osh"], ["ghsl_built_s", "ghsl_pop"], dest, base_url=server.url, backoff=0,
          epochs=[2020])
    vrt = dest / "ghsl/GHS_BUILT_S_E2020_GLOBE_R2023A_54009_100_V1_0.vrt"
    assert "ghsl/" + vrt.name in r.derived["ghsl_built_s"]
    with rasterio.open(vrt) as ds:
        assert ds.crs == rasterio.crs.CRS.from_user_input("ESRI:54009")
        assert ds.res == (100.0, 100.0) and ds.nodata == 65535
        assert ds.height == 10_020 and ds.width == 20  # two tiles 1000 km apart, one column
        top = ds.read(1, window=((0, 20), (0, 20)))
        bottom = ds.read(1, window=((10_000, 10_020), (0, 20)))
        gap = ds.read(1, window=((5000, 5001), (0, 20)))
    assert (top == 7).all() and (bottom == 9).all() and (gap == 65535).all()
    cfg = load_config(dest / CONFIG_NAME)
    assert cfg.data.source == "files"
    assert cfg.data.builtup == "ghsl/GHS_BUILT_S_E{epoch}_GLOBE_R2023A_54009_100_V1_0.vrt"
    assert (dest / cfg.data.population.format(epoch=2020)).is_file()
    from carlcities.io.raster import identify_product

    assert identify_product(vrt.name).product == "GHS_BUILT_S"


def test_build_vrt_refuses_mixed_tiles(tmp_path):
    a = write_tif(tmp_path / "a.tif", np.ones((4, 4), "uint16"), Affine(100, 0, 0, 0, -100, 0),
                  "ESRI:54009", nodata=0, tiled=False)
    b = write_tif(tmp_path / "b.tif", np.ones((4, 4), "uint16"), Affine(50, 0, 0, 0, -50, 0),
                  "ESRI:54009", nodata=0, tiled=False)
    with pytest.raises(CarlError, match="cell size"):
        build_vrt([a, b], tmp_path / "m.vrt")


# ------------------------------------------------------------------------------ command line
runner = CliRunner()


@pytest.mark.parametrize("cmd", [["data", "fetch"], ["data", "sources"], ["data"]])
def test_help_teaches(cmd):
    r = runner.invoke(app, cmd + ["--help"])
    assert r.exit_code == 0
    assert len(r.output.split()) > 25


def test_cli_sources_lists_licences_in_two_languages():
    r = runner.invoke(app, ["data", "sources"], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    for s in ("ghsl_built_s", "CC BY 4.0", "CC BY-NC-SA 4.0", "ODbL", "Население GHSL",
              "data.builtup"):
        assert s in r.output


def test_cli_fetch_exit_codes(server, tmp_path):
    data = server.put(CENT, _eq_file(50))
    dest = tmp_path / "data"
    base = ["data", "fetch", "--cities", "osh", "--dest", str(dest), "--base-url", server.url,
            "--epochs", "2020"]
    r = runner.invoke(app, base + ["--products", "usgs_centennial", "--dry-run"],
                      env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    assert "centennial_Y2K.CAT" in r.output and "dry run" in r.output and not dest.exists()
    r = runner.invoke(app, base + ["--products", "usgs_centennial"])
    assert r.exit_code == 0, r.output
    assert (dest / "earthquakes/centennial_Y2K.CAT").read_bytes() == data
    assert CONFIG_NAME in r.output
    r = runner.invoke(app, base + ["--products", "usgs_vs30", "--retries", "0"])
    assert r.exit_code == 2 and "RemoteNotFoundError" in r.output and "404" in r.output
    r = runner.invoke(app, base + ["--products", "ghsl_bult_s"])
    assert r.exit_code == 2 and "ghsl_built_s" in r.output
    r = runner.invoke(app, ["data", "fetch", "--cities", "bishkak", "--dest", str(dest)])
    assert r.exit_code == 2 and "bishkek" in r.output
    r = runner.invoke(app, base + ["--epochs", "twenty"])
    assert r.exit_code == 2 and "--epochs" in r.output
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{'f' * 64}  centennial_Y2K.CAT\n")
    (dest / "earthquakes/centennial_Y2K.CAT").unlink()
    r = runner.invoke(app, base + ["--products", "usgs_centennial", "--checksums", str(sums)])
    assert r.exit_code == 2 and "ChecksumError" in r.output
