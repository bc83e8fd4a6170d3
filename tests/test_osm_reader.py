"""OSM PBF reader: fixtures, tag table, clipping, bad input, the demo writer."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.errors import InputFileError, NetworkError, OSMError
from carlcities.io.osm import DESTINATION_TYPES, destination_types_of, read_osm
from tests.conftest import shared_file

AGS_EPSG = 32613


def write_pbf(path, nodes, ways, generator="test"):
    """nodes: [(id, lon, lat, tags)], ways: [(id, [node ids], tags)]."""
    import osmium

    h = osmium.io.Header()
    h.set("generator", generator)
    w = osmium.SimpleWriter(str(path), header=h, overwrite=True)
    for nid, lon, lat, tags in nodes:
        w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags, version=1))
    for wid, refs, tags in ways:
        w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    w.close()
    return path


def test_tag_table():
    assert destination_types_of({"amenity": "school"}) == ["school"]
    assert destination_types_of({"amenity": "doctors"}) == ["clinic"]
    assert destination_types_of({"shop": "supermarket"}) == ["market"]
    assert destination_types_of({"highway": "bus_stop"}) == ["transit"]
    assert destination_types_of({"emergency": "assembly_point"}) == ["shelter"]
    assert destination_types_of({"leisure": "park", "access": "private"}) == []
    assert destination_types_of({"amenity": "bench"}) == []
    assert set(DESTINATION_TYPES) >= {"school", "hospital", "park", "fire_station", "police"}


def test_read_fixture_aguascalientes():
    osm = read_osm(shared_file("osm/aguascalientes.osm.pbf"), AGS_EPSG)
    assert osm.n_ways == 674  # every way with a highway tag
    assert osm.way_ptr[-1] == osm.node_id.size
    assert np.all(np.isfinite(osm.x)) and 2.3e6 < osm.y.mean() < 2.5e6
    c = osm.destinations.counts()
    assert c["school"] >= 10 and c["park"] >= 1
    parks = osm.destinations.area_m2[osm.destinations.type == "park"]
    assert np.nanmax(parks) > 1000  # polygons have their area [m²]
    assert osm.header["bbox"][0] == pytest.approx(-102.2799068)


def test_clip_to_bounds_splits_ways():
    full = read_osm(shared_file("osm/aguascalientes.osm.pbf"), AGS_EPSG)
    mx, my = np.median(full.x), np.median(full.y)
    b = (mx - 300, my - 300, mx + 300, my + 300)
    osm = read_osm(shared_file("osm/aguascalientes.osm.pbf"), AGS_EPSG, bounds=b)
    assert 0 < osm.n_ways
    assert np.all((osm.x >= b[0]) & (osm.x <= b[2]) & (osm.y >= b[1]) & (osm.y <= b[3]))
    assert np.all(np.diff(osm.way_ptr) >= 2)
    assert any("clipped" in n for n in osm.notes)
    assert len(osm.destinations) < len(full.destinations)


def test_truncated_pbf(tmp_path):
    src = shared_file("osm/aguascalientes.osm.pbf").read_bytes()
    p = tmp_path / "cut.osm.pbf"
    p.write_bytes(src[: len(src) // 2])
    with pytest.raises(OSMError, match="truncated or corrupt") as e:
        read_osm(p, AGS_EPSG)
    assert isinstance(e.value, InputFileError) and isinstance(e.value, OSError)


def test_not_pbf(tmp_path):
    p = tmp_path / "fake.osm.pbf"
    p.write_text("<osm version='0.6'></osm>")
    with pytest.raises(OSMError, match="not an OSM PBF"):
        read_osm(p, AGS_EPSG)
    q = tmp_path / "x.osm"
    q.write_text("<osm/>")
    with pytest.raises(OSMError, match="only OSM PBF"):
        read_osm(q, AGS_EPSG)
    with pytest.raises(OSMError, match="not found"):
        read_osm(tmp_path / "missing.osm.pbf", AGS_EPSG)
    (tmp_path / "empty.osm.pbf").write_bytes(b"")
    with pytest.raises(OSMError, match="empty"):
        read_osm(tmp_path / "empty.osm.pbf", AGS_EPSG)


def test_no_ways_in_city(tmp_path):
    from carlcities.network import build_graph

    # the file is in Mexico, the study area in Bishkek: nothing is kept, and building says so
    osm = read_osm(shared_file("osm/aguascalientes.osm.pbf"), 32643,
                   bounds=(0.0, 4.7e6, 1000.0, 4.7e6 + 1000.0))
    assert osm.n_ways == 0 and len(osm.destinations) == 0
    with pytest.raises(NetworkError, match="no 'walk' street ways"):
        build_graph(osm, "walk")


def test_coordinates_outside_grid(tmp_path, small_grid):
    lon, lat = small_grid.lon, small_grid.lat
    p = write_pbf(tmp_path / "t.osm.pbf",
                  [(1, lon, lat, {}), (2, lon + 0.001, lat, {}), (3, lon + 1.0, lat, {}),
                   (4, lon, lat + 0.0005, {"amenity": "school"}),
                   (5, lon + 2.0, lat, {"amenity": "school"})],
                  [(1, [1, 2, 3], {"highway": "residential"})])
    osm = read_osm(p, small_grid.epsg, bounds=small_grid.bounds)
    assert osm.n_ways == 1 and osm.node_id.tolist() == [1, 2]
    assert len(osm.destinations) == 1  # the far school is left out
    assert osm.counts["destinations_read"] == 2


def test_demo_writer_roundtrip(tmp_path, small_grid):
    from carlcities.demo.streets import GENERATOR, write_osm
    from carlcities.network import build_graph

    x, y = small_grid.cell_centres()
    cx, cy = small_grid.centre_xy()
    r = np.hypot(x - cx, y - cy)
    share = np.clip(1.0 - r / 2500.0, 0, 1)
    pop = share * 80
    p = write_osm(small_grid, small_grid, tmp_path, {2020: share}, {2020: pop}, [2020])
    assert p.name == "bishkek-latest.osm.pbf"
    osm = read_osm(p, small_grid.epsg, bounds=small_grid.bounds)
    assert GENERATOR in osm.header["generator"] and "synthetic" in osm.header["generator"]
    c = osm.destinations.counts()
    assert c["school"] >= 1 and c["hospital"] >= 1 and c["park"] >= 1 and c["transit"] >= 1
    hw = {t["highway"] for t in osm.way_tags}
    assert {"primary", "residential"} <= hw
    g = build_graph(osm, "walk")
    assert g.n > 100
    # deterministic
    p2 = write_osm(small_grid, small_grid, tmp_path / "b", {2020: share}, {2020: pop}, [2020])
    assert p2.read_bytes() == p.read_bytes()


def test_the_last_extract_is_kept_read_only_and_read_again_when_the_file_changes(tmp_path):
    """read_osm keeps the last file it read (the mobility and risk engines read a city's
    extract one after the other): the second call gives the same data without reading, with
    read-only arrays and its own lists; a rewritten file is read again."""
    import os

    import carlcities.io.osm as osm_io

    p = write_pbf(tmp_path / "t.osm.pbf",
                  [(1, 10.0, 50.0, {}), (2, 10.001, 50.0, {}), (3, 10.0005, 50.0005,
                                                                 {"amenity": "school"})],
                  [(1, [1, 2], {"highway": "residential"})])
    a = read_osm(p, 32632)
    b = read_osm(p, 32632)
    assert b is not a and b.x is a.x and np.array_equal(b.node_id, [1, 2])
    assert not b.x.flags.writeable and not b.destinations.x.flags.writeable
    b.notes.append("mine")
    assert "mine" not in read_osm(p, 32632).notes
    write_pbf(p, [(1, 10.0, 50.0, {}), (2, 10.001, 50.0, {}), (4, 10.002, 50.0, {})],
              [(1, [1, 2, 4], {"highway": "residential"})])
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    c = read_osm(p, 32632)
    assert np.array_equal(c.node_id, [1, 2, 4]) and len(c.destinations) == 0
    osm_io._LAST_READ.clear()
