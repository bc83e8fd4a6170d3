"""What every demo layer shares: the version, the "not real" label and tags, the GHSL grid
constants, local coordinates and the GeoTIFF writer.

The lowest module of :mod:`carlcities.demo`: the generator, the environment, hazard and
street writers import from here, never from each other's internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS

from ..catalog import City
from ..files import atomic_path
from ..grid import CityGrid

__all__ = ["DEMO_VERSION", "DESCRIPTION", "GHSL_CRS", "GHSL_ORIGIN", "GHSL_PROJ", "GHSL_RES",
           "MARGIN_M", "SHRINK_M", "local_coords", "populations", "synthetic_tags", "write_geotiff"]

DEMO_VERSION = "5"
DESCRIPTION = "synthetic demo data — not real"

GHSL_CRS = "ESRI:54009"
#: the same CRS (World Mollweide on WGS 84) as a PROJ string, for the generator's own
#: projections and warps: GDAL sets a warp up from it in ~3 ms, from "ESRI:54009" in ~20 ms,
#: with the same pipeline (inverse Mollweide, then UTM) and the same numbers
GHSL_PROJ = "+proj=moll +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
GHSL_RES = 100.0
GHSL_ORIGIN = (-18_041_000.0, 9_000_000.0)
MARGIN_M = 1000.0  #: the GHSL and DEM windows cover the city grid plus this
SHRINK_M = 1500.0  #: built-up and population are 0 outside the city grid shrunk by this


def populations(city: City, epochs: Iterable[int]) -> dict[int, float]:
    """The catalogue population of ``city`` at each epoch."""
    return {int(e): float(city.population_at(int(e))[0]) for e in epochs}


def local_coords(tr: Affine, width: int, height: int, src_crs: Any,
                 grid: CityGrid) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a raster as local (u east, v north) [m] from the city centre (UTM)."""
    x, y = grid.source_centres(tr, src_crs, (height, width))
    cx, cy = grid.centre_xy()
    return x - cx, y - cy


def synthetic_tags(city: City, product: str, epoch: int | None = None,
                   **extra: Any) -> dict[str, str]:
    """GeoTIFF tags of a demo layer: ``synthetic=true``, the demo version, city and product."""
    t = {"synthetic": "true", "carlcities_demo_version": DEMO_VERSION, "city_id": city.city_id,
         "product": product, "description": DESCRIPTION}
    if epoch is not None:
        t["epoch"] = str(epoch)
    t.update({k: str(v) for k, v in extra.items()})
    return t


def write_geotiff(path: Path, arr: np.ndarray, tr: Affine, crs: Any, dtype: str,
                  nodata: float | None, tags: dict[str, str]) -> None:
    """One band as a tiled, DEFLATE-compressed GeoTIFF labelled "not real", atomically."""
    h, w = arr.shape
    prof: dict[str, Any] = {"driver": "GTiff", "width": w, "height": h, "count": 1,
                            "dtype": dtype, "crs": CRS.from_user_input(crs), "transform": tr,
                            "tiled": True, "blockxsize": 256, "blockysize": 256,
                            "compress": "deflate"}
    if nodata is not None:
        prof["nodata"] = nodata
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **prof) as dst:
        dst.write(arr.astype(dtype), 1)
        dst.update_tags(**tags, TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION)
        dst.set_band_description(1, f"{tags.get('product', '')} — {DESCRIPTION}")
