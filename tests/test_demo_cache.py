"""The demo data cache shared by runs (demo/cache.py): one folder per settings, each city
written once, under a lock."""

from __future__ import annotations

from carlcities.catalog import load_catalog
from carlcities.demo import generate
from carlcities.demo.cache import cache_root, demo_cache_dir


def test_one_folder_per_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CARLCITIES_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    grid = {"buffer_km": 3.0}
    a = demo_cache_dir([1990, 2020], grid, ["osm"])
    assert a is not None and a.parent == tmp_path / "c" / "demo" and a.is_dir()
    assert demo_cache_dir([2020, 1990], grid, ["osm"]) == a
    assert demo_cache_dir([1990, 2020], {"buffer_km": 4.0}, ["osm"]) != a
    assert demo_cache_dir([1990, 2000, 2020], grid, ["osm"]) != a
    assert demo_cache_dir([1990, 2020], grid, []) != a


def test_unwritable_cache_is_none(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert demo_cache_dir([2020], {}, [], root=f) is None


def test_a_city_is_written_once(tmp_path):
    city = load_catalog().get("kulob")
    said: list[str] = []
    p1 = generate(tmp_path, [city], epochs=(2010, 2020), extras=(), progress=said.append)
    mtimes = {k: v.stat().st_mtime_ns for k, v in p1["kulob"].items()}
    p2 = generate(tmp_path, [city], epochs=(2010, 2020), extras=(), progress=said.append)
    assert said == ["kulob: written", "kulob: cached"]
    assert {k: v.stat().st_mtime_ns for k, v in p2["kulob"].items()} == mtimes
    assert (tmp_path / ".locks" / "kulob.lock").exists()
