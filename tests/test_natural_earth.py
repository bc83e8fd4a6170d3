"""The Natural Earth reader (carlcities.io.natural_earth): the packaged extract, a full file in
its place, the normalised columns, errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from carlcities.errors import InputFileError
from carlcities.io import natural_earth as ne


@pytest.fixture
def no_full(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("CARLCITIES_SHARED_DATA", raising=False)
    monkeypatch.setenv("CARLCITIES_NATURAL_EARTH", str(tmp_path))
    return tmp_path


def test_packaged_extract_covers_the_region(no_full):
    c = ne.countries()
    assert ne.source("countries").packaged
    assert set(c.columns) == {"iso_a3", "name_en", "name_ru", "study", "geometry"}
    assert str(c.crs) == "EPSG:4326"
    study = c[c["study"]]
    assert set(study["iso_a3"]) == {"KAZ", "KGZ", "TJK", "TKM", "UZB"}
    assert dict(zip(study["iso_a3"], study["name_ru"], strict=True))["KGZ"] == "Кыргызстан"
    assert all(n for n in c["name_ru"])            # every country named in Russian
    # clipped to the region's frame, and the cities lie in their countries
    x0, y0, x1, y1 = c.total_bounds
    assert x0 >= 44 - 1e-6 and x1 <= 90 + 1e-6 and y0 >= 33 - 1e-6 and y1 <= 57 + 1e-6
    from shapely.geometry import Point

    kaz = c[c["iso_a3"] == "KAZ"].geometry.iloc[0]
    uzb = c[c["iso_a3"] == "UZB"].geometry.iloc[0]
    assert kaz.contains(Point(76.93, 43.26)) and uzb.contains(Point(69.28, 41.31))  # Almaty, Tashkent
    assert not kaz.contains(Point(69.28, 41.31))
    r, lk = ne.rivers(), ne.lakes()
    assert len(r) > 10 and set(r.geom_type) <= {"LineString", "MultiLineString"}
    assert set(lk.geom_type) <= {"Polygon", "MultiPolygon"}
    # Issyk-Kul, Balkhash and the Aral Sea are there
    for lon, lat in ((77.3, 42.4), (74.9, 46.2), (59.5, 45.0)):
        assert lk.intersects(Point(lon, lat).buffer(0.4)).any(), (lon, lat)
    caps = ne.capitals()
    assert list(caps["name_en"]) == ["Astana", "Bishkek", "Dushanbe", "Ashgabat", "Tashkent"]
    assert len(ne.capitals((55, 35, 85, 50))) == 4


def test_packaged_extract_is_small_and_has_its_notice():
    files = sorted(ne.PACKAGED.glob("*.geojson"))
    assert [p.name for p in files] == ["countries.geojson", "lakes.geojson", "rivers.geojson"]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    notice = (ne.PACKAGED / "NOTICE.md").read_text(encoding="utf-8")
    assert "public domain" in notice and "4.1.0" in notice and "world-atlas" in notice


def test_bbox_keeps_what_reaches_into_it(no_full):
    all_ = ne.countries()
    some = ne.countries((68.0, 39.0, 71.0, 41.0))       # the Fergana side of Tajikistan
    assert 0 < len(some) < len(all_)
    assert "TJK" in set(some["iso_a3"]) and "RUS" not in set(some["iso_a3"])


def test_full_file_wins_and_is_normalised(no_full):
    import geopandas as gpd
    from shapely.geometry import LineString, box

    gpd.GeoDataFrame({"ADM0_A3": ["KGZ", "CHN"], "NAME": ["Kyrgyzstan", "China"],
                      "NAME_RU": ["Киргизия", "КНР"]},
                     geometry=[box(69, 39, 80, 43.3), box(80, 35, 90, 45)], crs=4326
                     ).to_file(no_full / "ne_110m_admin_0_countries.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"name": ["Naryn"]}, geometry=[LineString([(71, 41), (76, 41.5)])],
                     crs=4326).to_file(no_full / "ne_10m_rivers_lake_centerlines.gpkg",
                                       driver="GPKG")
    src = ne.sources()
    assert not src["countries"].packaged and not src["rivers"].packaged and src["lakes"].packaged
    c = ne.countries()
    assert list(c["iso_a3"]) == ["KGZ", "CHN"] and list(c["study"]) == [True, False]
    assert list(c["name_ru"]) == ["Киргизия", "КНР"]
    assert list(ne.rivers()["name_en"]) == ["Naryn"]
    # a finer scale wins over a coarser one
    gpd.GeoDataFrame({"ADM0_A3": ["UZB"]}, geometry=[box(56, 37, 73, 45.6)], crs=4326
                     ).to_file(no_full / "ne_10m_admin_0_countries.geojson", driver="GeoJSON")
    assert list(ne.countries()["iso_a3"]) == ["UZB"]


def test_broken_or_codeless_file_names_itself(no_full):
    import geopandas as gpd
    from shapely.geometry import box

    bad = no_full / "ne_50m_lakes.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        ne.lakes()
    assert "ne_50m_lakes.geojson" in str(e.value) and "Natural Earth" in str(e.value)
    gpd.GeoDataFrame({"pop": [1]}, geometry=[box(69, 39, 80, 43)], crs=4326
                     ).to_file(no_full / "ne_50m_admin_0_countries.geojson", driver="GeoJSON")
    with pytest.raises(InputFileError, match="ADM0_A3"):
        ne.countries()
