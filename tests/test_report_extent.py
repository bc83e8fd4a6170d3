"""The maps' urban box (report/extent.py): the urban cells of every epoch, padded; computed
once per process for the same Atlas files, again when a file changes."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import rasterio
from rasterio.transform import from_origin

from carlcities.report import extent, maps


def _atlas(path, urban: tuple[slice, slice]) -> None:
    a = np.full((100, 100), 7, dtype=np.uint8)          # 7: open land (not urban)
    a[urban] = 2
    with rasterio.open(path, "w", driver="GTiff", width=100, height=100, count=1,
                       dtype="uint8", crs="EPSG:3857", nodata=0,
                       transform=from_origin(0, 0, 100, 100)) as dst:
        dst.write(a, 1)


def _read(path):
    with rasterio.open(path) as src:
        a = src.read(1, masked=True)
        return SimpleNamespace(data=a.filled(0), valid=~np.ma.getmaskarray(a),
                               full_shape=(src.height, src.width))


def test_the_box_holds_every_epochs_urban_cells_and_is_read_once(tmp_path):
    a1, a2 = tmp_path / "atlas_class_2000.tif", tmp_path / "atlas_class_2020.tif"
    _atlas(a1, (slice(40, 50), slice(40, 50)))
    _atlas(a2, (slice(40, 60), slice(45, 55)))
    reads = []

    def read(p):
        reads.append(p.name)
        return _read(p)

    atlas = {2000: a1, 2020: a2}
    w = extent.urban_window(tmp_path, atlas, read, pad=0.0)
    # rows 40-60 and columns 40-55: a square of side 20 around the centre (50, 47.5)
    assert w == (40, 60, 37, 57, 100, 100)
    assert extent.urban_window(tmp_path, atlas, read, pad=0.0) == w
    assert len(reads) == 2                                  # each file read once
    _atlas(a2, (slice(10, 90), slice(10, 90)))              # the city grew
    os.utime(a2, ns=(1, 1))
    assert extent.urban_window(tmp_path, atlas, read, pad=0.0) == (10, 90, 10, 90, 100, 100)
    assert len(reads) == 4


def test_a_raster_set_zooms_to_the_box(tmp_path):
    _atlas(tmp_path / "atlas_class_2020.tif", (slice(20, 30), slice(60, 70)))
    rs = maps.find_rasters(tmp_path)
    rs.zoom_to_urban(pad=0.5)
    assert rs.window == (15, 35, 55, 75, 100, 100)
