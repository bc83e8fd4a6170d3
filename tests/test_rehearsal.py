"""The real-data rehearsal: a loopback HTTP server serves small files in each product's real
layout (names, tiling, ZIP and gzip packing, nodata, scale, the tile index, the point
service's JSON, a login for the night lights), `data fetch` downloads them for two cities,
then `carlcities run` runs every engine on what it fetched — no demo data, no synthetic flag.

The files are small: each covers the two cities' study squares, not the whole tile or the
globe, with the product's file name, CRS, data type, nodata and units.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from carlcities.catalog import load_catalog
from carlcities.cli import app
from carlcities.errors import CredentialError, ProductFileError
from carlcities.fetch import fetch
from carlcities.fetch.catalogue import city_bounds, latlon_tiles

from .test_fetch import _Handler

CITIES = ["osh", "kulob"]
EPOCHS = [2000, 2020]
TOKEN = "s3cr3t-token-for-the-test"
PRODUCTS = ["ghsl_built_s", "ghsl_pop", "cop_dem_glo30", "esa_worldcover", "osm_geofabrik",
            "openmeteo_tmax", "jrc_flood_global", "usgs_vs30", "viirs_vnl", "kummu_gdp",
            "gem_gshm"]


class _AuthHandler(_Handler):
    """The shared test handler, with a login asked for the night-lights paths (as EOG does)."""

    def _serve(self, body: bool) -> None:
        if self.path.startswith("/nighttime_light/") and \
                self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send_error(401, "login required")
            return
        super()._serve(body)


@pytest.fixture
def www(tmp_path):
    root = (tmp_path / "www").resolve()
    root.mkdir()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AuthHandler)
    srv.root, srv.log, srv.fail, srv.short, srv.wrong_range = root, [], {}, {}, {}
    srv.lock, srv.token = threading.Lock(), TOKEN
    srv.timeout = 5
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


# ------------------------------------------------------------------ files in the real layout
def _tif_bytes(data: np.ndarray, tr: Affine, crs, nodata=None) -> bytes:
    data = data[None] if data.ndim == 2 else data
    buf = io.BytesIO()
    with rasterio.MemoryFile() as mem:
        with mem.open(driver="GTiff", width=data.shape[2], height=data.shape[1],
                      count=data.shape[0], dtype=str(data.dtype), crs=crs, transform=tr,
                      nodata=nodata, compress="deflate", tiled=True, blockxsize=256,
                      blockysize=256) as ds:
            ds.write(data)
        buf.write(mem.read())
    return buf.getvalue()


def _put(root: Path, rel: str, data: bytes) -> None:
    p = root / rel.split("?")[0]
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


def _zip(name: str, data: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
        for k, v in (extra or {"GHSL_Data_Package.pdf": b"%PDF-1.4 not read"}).items():
            z.writestr(k, v)
    return buf.getvalue()


def _gmt_grid(data: np.ndarray, lon: np.ndarray, lat: np.ndarray, tmp: Path) -> bytes:
    """A grid as GMT writes it (netCDF: lon and lat axes in degrees, latitudes south to north,
    one variable z, no CRS stated)."""
    import netCDF4

    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.createDimension("lon", len(lon))
        nc.createDimension("lat", len(lat))
        x = nc.createVariable("lon", "f8", ("lon",))
        y = nc.createVariable("lat", "f8", ("lat",))
        x.units, y.units = "degrees_east", "degrees_north"
        x[:], y[:] = lon, lat[::-1]
        z = nc.createVariable("z", "f4", ("lat", "lon"), zlib=True)
        z[:] = data[::-1]
        nc.Conventions = "CF-1.7"
    out = tmp.read_bytes()
    tmp.unlink()
    return out


def _blob(x, y, cx, cy, scale):
    return np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * scale ** 2))


def _geo_grid(box, res):
    w, s, e, n = box
    width, height = int(np.ceil((e - w) / res)), int(np.ceil((n - s) / res))
    tr = Affine(res, 0, w, 0, -res, n)
    lon = w + (np.arange(width) + 0.5) * res
    lat = n - (np.arange(height) + 0.5) * res
    return tr, *np.meshgrid(lon, lat)


def _reheader(src: Path, dst: Path) -> None:
    """Copy a PBF with a Geofabrik-like header (the demo writer stamps "synthetic" in its
    generator and on each object, which the readers rightly flag)."""
    import osmium

    hdr = osmium.io.Header()
    hdr.set("generator", "osmium/1.16.0")
    dst.parent.mkdir(parents=True, exist_ok=True)
    w = osmium.SimpleWriter(str(dst), header=hdr, overwrite=True)
    try:
        for obj in osmium.FileProcessor(str(src)):
            tags = {t.k: t.v for t in obj.tags if "synthetic" not in t.k
                    and "synthetic" not in t.v}
            if obj.is_node():
                w.add_node(obj.replace(tags=tags))
            elif obj.is_way():
                w.add_way(obj.replace(tags=tags))
            elif obj.is_relation():
                w.add_relation(obj.replace(tags=tags))
    finally:
        w.close()


def _serve_products(root: Path) -> None:
    from pyproj import Transformer

    cat = load_catalog()
    cities = [cat.get(c) for c in CITIES]
    moll = Transformer.from_crs(4326, "ESRI:54009", always_xy=True)
    # --- GHSL BUILT-S and POP: one tile ZIP per city and epoch (the part around the city)
    from carlcities.fetch import city_tiles

    by_tile: dict[str, list] = {}
    for c in cities:
        (tile,) = city_tiles(c, epochs=EPOCHS)
        by_tile.setdefault(tile, []).append(c)
    for tile, cs in by_tile.items():  # the part of the tile over its cities
        bs = [city_bounds(c, "ESRI:54009", epochs=EPOCHS) for c in cs]
        left = np.floor(min(b[0] for b in bs) / 100) * 100 - 1000
        top = np.ceil(max(b[3] for b in bs) / 100) * 100 + 1000
        w = int((max(b[2] for b in bs) - left) / 100) + 20
        h = int((top - min(b[1] for b in bs)) / 100) + 20
        tr = Affine(100, 0, left, 0, -100, top)
        X, Y = np.meshgrid(left + (np.arange(w) + 0.5) * 100, top - (np.arange(h) + 0.5) * 100)
        for e in EPOCHS:
            r = 3500 if e == 2000 else 5000
            share = sum(np.clip(1.4 * _blob(X, Y, *moll.transform(c.lon, c.lat), r) - 0.1, 0, 1)
                        for c in cs)
            built = np.rint(share * 10_000).astype(np.uint16)
            pop = (share * 60.0).astype(np.float32)
            for layer, arr, nd in (("BUILT_S", built, 65535), ("POP", pop, -200.0)):
                name = f"GHS_{layer}_E{e}_GLOBE_R2023A_54009_100_V1_0_{tile}"
                url = (f"ftp/jrc-opendata/GHSL/GHS_{layer}_GLOBE_R2023A/GHS_{layer}_E{e}_GLOBE_"
                       f"R2023A_54009_100/V1-0/tiles/{name}.zip")
                _put(root, url, _zip(f"{name}.tif", _tif_bytes(arr, tr, "ESRI:54009", nd)))
    # --- the region box of both cities (for the tiled and global products)
    bx = [city_bounds(c, "EPSG:4326", epochs=EPOCHS) for c in cities]
    region = (min(b[0] for b in bx) - .05, min(b[1] for b in bx) - .05,
              max(b[2] for b in bx) + .05, max(b[3] for b in bx) + .05)

    def per_tile(deg, fmt, res, make, dtype, nodata, url):
        for c, b in zip(cities, bx):
            for t in latlon_tiles(b, deg, fmt):
                # the part of the tile over the city (a real tile is the whole square)
                tr, lon, lat = _geo_grid((b[0] - .02, b[1] - .02, b[2] + .02, b[3] + .02), res)
                _put(root, url.format(tile=t), _tif_bytes(make(c, lon, lat).astype(dtype), tr,
                                                          "EPSG:4326", nodata))

    per_tile(1, "{ns}{lat:02d}_00_{ew}{lon:03d}_00", 1 / 1200,
             lambda c, lon, lat: 900 + 4000 * (lat - c.lat) + 300 * _blob(lon, lat, c.lon + .1,
                                                                          c.lat + .1, .05),
             np.float32, None,
             "Copernicus_DSM_COG_10_{tile}_DEM/Copernicus_DSM_COG_10_{tile}_DEM.tif")
    per_tile(3, "{ns}{lat:02d}{ew}{lon:03d}", 1 / 1200,
             lambda c, lon, lat: np.where(_blob(lon, lat, c.lon, c.lat, .03) > .3, 50,
                                          np.where((lon * 100).astype(int) % 7 == 0, 10, 40)),
             np.uint8, 0, "v200/2021/map/ESA_WorldCover_10m_2021_v200_{tile}_Map.tif")
    # --- OSM: one PBF per country, streets and destinations of its city (real PBF encoding)
    from carlcities.demo.streets import write_osm
    from carlcities.grid import for_city

    for c in cities:
        g = for_city(c, epochs=EPOCHS)
        share = np.clip(1.4 * _blob(*np.meshgrid(np.arange(g.width), np.arange(g.height)),
                                    g.width / 2, g.height / 2, 30) - 0.1, 0, 1)
        p = write_osm(c, g, root / "tmp_osm", {2020: share}, {2020: share * 60}, [2020])
        country = {"KGZ": "kyrgyzstan", "TJK": "tajikistan"}[c.country_iso3]
        _reheader(p, root / f"asia/{country}-latest.osm.pbf")
    # --- Open-Meteo archive: the JSON answer (°C), 1991-2020
    days = np.arange(np.datetime64("1991-01-01"), np.datetime64("2021-01-01"))
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    tmax = 14 - 17 * np.cos(2 * np.pi * (doy - 15) / 365.25) + \
        np.random.default_rng(3).normal(0, 3, len(days))
    _put(root, "v1/archive", json.dumps({
        "latitude": 40.5, "longitude": 72.8, "daily_units": {"time": "iso8601",
                                                             "temperature_2m_max": "°C"},
        "daily": {"time": [str(d) for d in days],
                  "temperature_2m_max": [round(float(v), 1) for v in tmax],
                  "temperature_2m_min": [round(float(v) - 12, 1) for v in tmax]}}).encode())
    # --- JRC flood: the tile index and one tile per return period over both cities
    w, s, e, n = 60.0, 30.0, 80.0, 50.0
    _put(root, "ftp/jrc-opendata/CEMS-GLOFAS/flood_hazard/tile_extents.geojson", json.dumps(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": 77, "name": "N50_E60"},
             "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n],
                                                              [w, s]]]}},
            {"type": "Feature", "properties": {"id": 78, "name": "N50_E80"},
             "geometry": {"type": "Polygon", "coordinates": [[[80, 30], [90, 30], [90, 50],
                                                              [80, 50], [80, 30]]]}}]}).encode())
    tr, lon, lat = _geo_grid(region, 1 / 400)
    for rp in (10, 50, 100, 500):
        depth = np.zeros(lon.shape, np.float32)
        for c in cities:  # a river through the centre, wider for rarer floods
            band = np.abs(lat - c.lat - 0.01) < 0.002 * (1 + np.log10(rp))
            depth[band] = 0.3 * np.log10(rp) + 0.2
        _put(root, f"ftp/jrc-opendata/CEMS-GLOFAS/flood_hazard/RP{rp}/ID77_N50_E60_RP{rp}_"
                   "depth.tif", _tif_bytes(depth, tr, "EPSG:4326", -9999.0))
    # --- USGS Vs30: a ZIP holding global_vs30.grd, a GMT netCDF grid (30", m/s) with lon/lat
    # axes, latitudes south to north, no CRS stated
    tr, lon, lat = _geo_grid(region, 1 / 120)
    vs30 = (300 + 200 * ((lon * 37).astype(int) % 3)).astype(np.float32)
    _put(root, "static/lfs/data/global_vs30_grd.zip",
         _zip("global_vs30.grd", _gmt_grid(vs30, lon[0], lat[:, 0], root / "tmp.grd")))
    # --- GEM global seismic hazard map v2023.1: a ZIP of the GeoTIFF (float64 PGA in g on
    # rock, 0.05°, no units tag) with its README
    tr, lon, lat = _geo_grid((region[0] - .5, region[1] - .5, region[2] + .5, region[3] + .5),
                             0.05)
    pga = (0.25 + 0.1 * np.cos(lon) * np.sin(lat)).astype(np.float64)
    _put(root, "records/8409647/files/GEM-GSHM_PGA-475y-rock_v2023.zip",
         _zip("v2023_1_pga_475_rock_3min.tif", _tif_bytes(pga, tr, "EPSG:4326", None),
              extra={"README.txt": b"PGA in g, 10% in 50 years, rock"}))
    # --- VIIRS VNL v2.1: gzip of the global GeoTIFF (15", nW/cm²/sr), behind a login
    tr, lon, lat = _geo_grid(region, 1 / 240)
    for y in (2014, 2020, 2021):
        lights = sum(60 * _blob(lon, lat, c.lon, c.lat, .04) for c in cities)
        lights = (lights * (1 + (y - 2014) * 0.03) - 0.2).astype(np.float32)  # noise < 0
        name = f"VNL_v21_npp_{y}_global_vcmslcfg_c202205302300.average_masked.dat.tif"
        _put(root, f"nighttime_light/annual/v21/{y}/{name}.gz",
             gzip.compress(_tif_bytes(lights, tr, "EPSG:4326")))
    # --- Kummu et al. (2025) GDP: one band per year 1990-2020, USD per cell
    tr, lon, lat = _geo_grid(region, 1 / 120)
    base = sum(4e6 * _blob(lon, lat, c.lon, c.lat, .05) for c in cities) + 1e4
    gdp = np.stack([base * 1.03 ** k for k in range(31)]).astype(np.float32)
    _put(root, "records/10976734/files/rast_gdpTot_1990_2020_30arcsec.tif",
         _tif_bytes(gdp, tr, "EPSG:4326", -9.0))


# ------------------------------------------------------------------------------ the rehearsal
@pytest.mark.slow
def test_fetch_then_run_every_engine_on_two_real_layout_cities(www, tmp_path, monkeypatch):
    _serve_products(www.root)
    dest = tmp_path / "data"
    monkeypatch.setenv("EOG_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    r = fetch(CITIES, PRODUCTS, dest, base_url=www.url, epochs=EPOCHS, backoff=0,
              years=[2014, 2020, 2021])
    assert r.config_path and r.config_path.is_file()
    manifest = (dest / "manifest.json").read_text(encoding="utf-8")
    assert TOKEN not in manifest and TOKEN not in r.config_path.read_text(encoding="utf-8")
    m = json.loads(manifest)
    assert {e["product"] for e in m["files"].values()} == set(PRODUCTS)
    cfg_text = r.config_path.read_text(encoding="utf-8")
    for key in ("builtup", "population", "dem", "osm", "landcover", "lights", "gdp",
                "flood_depth", "vs30", "tmax_daily"):
        assert f"\n  {key}: " in cfg_text and f"\n  {key}: null" not in cfg_text, key
    assert "flood_return_periods: [10, 50, 100, 500]" in cfg_text
    # the Vs30 grid states no CRS: its VRT does; the hazard map's VRT states its units
    with rasterio.open(dest / "vs30/global_vs30.vrt") as ds:
        assert ds.crs.to_epsg() == 4326
    from carlcities.risk.authoritative import read_hazard_geotiff

    osh = load_catalog().get("osh")
    g = read_hazard_geotiff(dest / "hazard/GEM_GSHM_v2023_1_PGA_rp475.vrt", osh.lon, osh.lat)
    assert 0.14 < g < 0.36
    from carlcities.config import SETTINGS

    if "data.hazard_maps" in {s.name for s in SETTINGS}:
        # one map per return period: a pattern with {rp}, and the return period it has
        assert "\n  hazard_maps: hazard/GEM_GSHM_v2023_1_PGA_rp{rp}.vrt" in cfg_text
        assert "\n  hazard_return_periods: [475]" in cfg_text
    else:
        assert "gem_gshm: fetched to hazard/GEM_GSHM_v2023_1_PGA_rp475.vrt" in cfg_text
    assert "gem_gshm is CC BY-NC-SA 4.0 (non-commercial): Non-commercial use only" in cfg_text
    # the coverage matrix before any computation
    res = CliRunner().invoke(app, ["data", "check", "--config", str(r.config_path)])
    assert res.exit_code == 0, res.output
    assert "skipped" not in res.output and "stops" not in res.output
    # the run on what was fetched, the appraisal across the two cities included (it once
    # failed here: an option with nothing to act on — Kulob has no CHP plant — had a constant
    # NPV and the Sobol step refused it; issue 17)
    assert "\n  appraisal: true" in cfg_text
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", "--config", str(r.config_path), "--out", str(out),
                                   "--workers", "1", "--no-report"])
    assert res.exit_code == 0, res.output
    from carlcities.results import open_study

    with open_study(out) as st:
        v = st.values()
        assert set(v["city_id"]) == set(CITIES)
        assert not v["synthetic"].any(), sorted(set(v.loc[v["synthetic"], "indicator_id"]))[:20]
        themes = set(v["indicator_id"].str.split(".").str[0])
        for theme in ("form", "growth", "mobility", "access", "environment", "economy",
                      "ghg", "hazard", "risk", "exposure", "scenario"):
            assert theme in themes, theme
        for ind in ("risk.flood_eal", "hazard.heat_days_35", "hazard.vs30_median",
                    "economy.gdp_total", "economy.lights_sum", "environment.green_share"):
            assert ind in set(v["indicator_id"]), ind
        a = st.appraisal()
        assert set(a["city_id"]) == set(CITIES)
        sob = a[a["metric"].str.startswith("sobol_ST:")]
        assert set(sob["city_id"]) == set(CITIES) and sob["value"].notna().all()
        opts = st.options()
        assert not ((opts["city_id"] == "kulob") & (opts["option_id"] == "chp_coal_to_gas")).any()
        assert len(st.recommendations()) > 0
    # what could not be measured, in the manifest and on each city page (English, Russian)
    cov = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["coverage"]
    for c in CITIES:
        st = cov["cities"][c]["roles"]
        assert st["vs30"] == st["flood_depth"] == st["gdp"] == "present"
        assert st["pm25"] == st["lst"] == "missing" and st["exposure"] == "fallback"
    from carlcities.report.build import build_report

    build_report(out)
    page = (out / "report/cities/osh.html").read_text(encoding="utf-8")
    assert 'id="coverage"' in page and "Что это исследование не смогло измерить" in page
    assert 'data-role="pm25" data-state="missing"' in page and 'data-role="vs30"' not in page
    assert "ACAG" in page and "https://sites.wustl.edu/acag/" in page


def test_missing_login_names_the_sign_up_page(www, tmp_path, monkeypatch):
    monkeypatch.delenv("EOG_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    with pytest.raises(CredentialError) as ei:
        fetch(["osh"], ["viirs_vnl"], tmp_path / "d", base_url=www.url, years=[2020])
    assert "eogdata.mines.edu/products/register" in str(ei.value)
    assert not (tmp_path / "d" / "lights").exists()


def test_wrong_login_is_refused_and_never_written(www, tmp_path, monkeypatch):
    _put(www.root, "nighttime_light/annual/v21/2020/VNL_v21_npp_2020_global_vcmslcfg_"
                   "c202205302300.average_masked.dat.tif.gz", gzip.compress(b"x"))
    netrc = tmp_path / "netrc"
    netrc.write_text("machine eogdata.mines.edu login me password wrong-token-123\n")
    netrc.chmod(0o600)
    monkeypatch.delenv("EOG_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("NETRC", str(netrc))
    with pytest.raises(CredentialError) as ei:
        fetch(["osh"], ["viirs_vnl"], tmp_path / "d", base_url=www.url, years=[2020],
              backoff=0)
    assert "401" in str(ei.value) and "wrong-token-123" not in str(ei.value)
    assert "wrong-token-123" not in "".join(p.read_text(errors="ignore")
                                            for p in (tmp_path / "d").rglob("*") if p.is_file())


def test_a_tile_that_is_not_a_geotiff_is_refused_and_the_rest_stays(www, tmp_path):
    _serve_products(www.root)
    c = load_catalog().get("osh")
    (tile,) = latlon_tiles(city_bounds(c, "EPSG:4326"), 3, "{ns}{lat:02d}{ew}{lon:03d}")
    _put(www.root, f"v200/2021/map/ESA_WorldCover_10m_2021_v200_{tile}_Map.tif",
         b"<html>Access denied</html>")
    dest = tmp_path / "d"
    with pytest.raises(ProductFileError) as ei:
        fetch(["osh"], ["cop_dem_glo30", "esa_worldcover"], dest, base_url=www.url, backoff=0)
    assert "esa_worldcover" in str(ei.value) and tile in str(ei.value)
    m = json.loads((dest / "manifest.json").read_text())
    assert [e["product"] for e in m["files"].values()] == ["cop_dem_glo30"]
    assert not list((dest / "worldcover").glob("*.tif"))


def test_a_product_that_does_not_cover_a_city_is_refused_before_download(tmp_path):
    from carlcities.errors import DataSourceError
    from carlcities.fetch import load_sources, plan

    src = load_sources()
    emca = src.get("emca_exposure")
    assert emca.bbox is not None
    # a city outside the EMCA countries' box: move Osh east of it
    c = load_catalog().get("osh")
    far = type(c)(**{**c.__dict__, "lon": 100.0}) if hasattr(c, "__dict__") else None
    if far is None:
        pytest.skip("catalogue cities are not plain dataclasses")

    class _Cat:
        def select(self, _):
            return [far]

    with pytest.raises(DataSourceError, match="does not cover"):
        plan(["osh"], ["emca_exposure"], sources=src, catalog=_Cat())
