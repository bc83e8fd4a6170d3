"""What keeps the portal light under load (``benchmarks/bench_portal.py`` measures it): text
answers gzip-compressed for clients that accept it, tiles and downloadable files sent as they
are, a city's vectors built once per store version."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from carlcities.portal.app import create_app  # noqa: E402
from tests.test_report import make_fake_out  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    out = make_fake_out(tmp_path_factory.mktemp("load") / "out")
    return TestClient(create_app(out, db_url=f"sqlite:///{out.parent / 'a.sqlite'}"))


@pytest.mark.parametrize("url", ["/city/almaty", "/static/vendor/maplibre-gl.js",
                                 "/static/portal.css", "/api/v1/indicators",
                                 "/api/v1/cities/almaty/values?format=csv"])
def test_text_is_compressed(client: TestClient, url: str):
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", url
    assert r.num_bytes_downloaded < 0.6 * len(r.content)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == r.content


@pytest.mark.parametrize("url", ["/tiles/almaty/atlas_class_2020/1/0/0.png",
                                 "/download/rasters/almaty/atlas_class_2020.tif"])
def test_images_and_files_are_sent_as_they_are(client: TestClient, url: str):
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "content-encoding" not in r.headers, url


def test_vectors_are_built_once(client: TestClient, monkeypatch):
    from carlcities.portal import geo

    first = client.get("/api/v1/cities/almaty/vectors/extents.geojson").json()
    calls = []
    monkeypatch.setattr(geo, "frame_geojson", lambda *a: calls.append(a) or {})
    assert client.get("/api/v1/cities/almaty/vectors/extents.geojson").json() == first
    assert calls == []
