"""The basemap under the city maps: read from an OSM PBF written here, drawn under a map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carlcities.report.basemap import MIN_WIDTH, apply, load_basemap

LON0, LAT0 = 69.78, 37.91          # Kulob; UTM zone 42N
EPSG = 32642


def _pbf(path: Path) -> Path:
    osmium = pytest.importorskip("osmium")
    from osmium.osm.mutable import Node, Way

    w = osmium.SimpleWriter(str(path))
    nid = 1
    def node(lon, lat, tags=None):
        nonlocal nid
        w.add_node(Node(id=nid, location=(lon, lat), tags=tags or {}))
        nid += 1
        return nid - 1

    road = [node(LON0 - 0.02 + 0.004 * i, LAT0) for i in range(11)]        # west-east
    river = [node(LON0, LAT0 - 0.02 + 0.004 * i) for i in range(11)]       # south-north
    d = 0.004
    park = [node(LON0 + a, LAT0 + b) for a, b in ((d, d), (2 * d, d), (2 * d, 2 * d),
                                                   (d, 2 * d))]
    lake = [node(LON0 - a, LAT0 - b) for a, b in ((d, d), (2 * d, d), (2 * d, 2 * d),
                                                   (d, 2 * d))]
    res = [node(LON0 + 0.001 * i, LAT0 + 0.01) for i in range(3)]
    node(LON0 - 0.01, LAT0 + 0.01, {"place": "suburb", "name": "Центр",
                                    "name:en": "Centre"})
    w.add_way(Way(id=1, nodes=road, tags={"highway": "primary"}))
    w.add_way(Way(id=2, nodes=river, tags={"waterway": "river"}))
    w.add_way(Way(id=3, nodes=park + park[:1], tags={"leisure": "park"}))
    w.add_way(Way(id=4, nodes=lake + lake[:1], tags={"natural": "water"}))
    w.add_way(Way(id=5, nodes=res, tags={"highway": "residential"}))    # not a major road
    w.close()
    return path


def test_basemap_layers_and_drawing(tmp_path: Path):
    from PIL import Image
    from pyproj import Transformer

    pbf = _pbf(tmp_path / "city.osm.pbf")
    x0, y0 = Transformer.from_crs(4326, EPSG, always_xy=True).transform(LON0, LAT0)
    half = 3000.0
    ext = (x0 - half, x0 + half, y0 - half, y0 + half)
    bm = load_basemap(pbf, EPSG, (ext[0], ext[2], ext[1], ext[3]))
    assert len(bm.roads) == 1 and bm.roads[0][0] == 2          # the primary road only
    assert len(bm.rivers) == 1 and len(bm.green) == 1 and len(bm.water) == 1
    assert [p[3:] for p in bm.places] == [("Centre", "Центр")]
    # a 60 x 60 map, see-through except one opaque red cell in a corner
    img = np.zeros((60, 60, 4), np.uint8)
    img[:3, :3] = (255, 0, 0, 255)
    png = tmp_path / "map.png"
    Image.fromarray(img, "RGBA").save(png)
    w, h = apply(png, ext, bm)
    assert w >= MIN_WIDTH and w == h
    out = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert out.shape[:2] == (h, w)
    assert tuple(out[5, 5]) == (255, 0, 0)                       # the map's own cell kept
    grey = (out.sum(axis=2) < 600) & (np.abs(out[:, :, 0] - out[:, :, 2]) < 25)   # road
    blue = (out[:, :, 2] - out[:, :, 0] > 40)                    # river and lake
    green = (out[:, :, 1] - out[:, :, 2] > 12) & (out[:, :, 1] > 200)   # park
    band = slice(int(h / 2) - 8, int(h / 2) + 8)                 # the road runs along LAT0
    assert grey[band, int(w * 0.25)].any() and grey[band, int(w * 0.75)].any()
    assert not grey[: int(h * 0.3), int(w * 0.25)].any()         # nothing else grey there
    cols = slice(int(w / 2) - 8, int(w / 2) + 8)                 # the river along LON0
    assert blue[int(h * 0.2), cols].any() and blue[int(h * 0.8), cols].any()
    assert green.sum() > 500 and blue.sum() > 2000               # park and lake areas
    # the name of the place is drawn (dark text pixels near it, nothing dark elsewhere)
    dark = out.sum(axis=2) < 200
    assert dark[: int(h / 2), : int(w / 2)].sum() > 20


def test_region_geography_from_natural_earth(tmp_path: Path, monkeypatch):
    """The packaged extract without a full file; a full Natural Earth file when one is found
    (it wins over the extract, layer by layer); the caption says which."""
    import geopandas as gpd
    from shapely.geometry import box

    from carlcities.report import regionmap
    from carlcities.report.maps import new_figure

    monkeypatch.delenv("CARLCITIES_SHARED_DATA", raising=False)
    monkeypatch.setenv("CARLCITIES_NATURAL_EARTH", str(tmp_path))
    assert "extract shipped with carlcities" in regionmap.geography_note()[0]
    assert "countries.geojson (Natural Earth 4.1.0, 1:50m)" in regionmap.sources_note()
    key0 = regionmap.geography_key()
    fig = new_figure(6, 4)
    ax = fig.subplots()
    ax.set_xlim(55, 85)
    ax.set_ylim(35, 50)
    assert regionmap.add_geography(ax) == ["countries", "lakes", "rivers", "capitals"]
    assert ax.get_xlim() == (55, 85)
    stars = [c for c in ax.collections if c.get_offsets().shape[0] == 4]
    assert stars  # Bishkek, Dushanbe, Ashgabat, Tashkent (Astana is north of 50°N)

    gpd.GeoDataFrame({"ADM0_A3": ["KGZ", "CHN"]},
                     geometry=[box(69, 39, 80, 43.3), box(80, 35, 90, 45)], crs=4326
                     ).to_file(tmp_path / "ne_50m_admin_0_countries.geojson", driver="GeoJSON")
    note = regionmap.geography_note()
    assert "ne_50m_admin_0_countries.geojson" in note[0] and "Natural Earth" in note[1]
    assert regionmap.geography_key() != key0          # a redrawn figure, not a cached one
    fig = new_figure(6, 4)
    ax = fig.subplots()
    ax.set_xlim(55, 85)
    ax.set_ylim(35, 50)
    assert regionmap.add_geography(ax)[0] == "countries"
    polys = [c for c in ax.collections if len(c.get_paths()) == 2]   # the two boxes
    assert polys
