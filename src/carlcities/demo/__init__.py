"""The demo region: deterministic synthetic data for every catalogue city, written in the real
product formats (GHSL GHS-BUILT-S / GHS-POP R2023A in World Mollweide, Copernicus DEM GLO-90
tiles in WGS 84), so the pipeline reads it through the same readers as real data.

Everything written here is tagged ``synthetic=true``: it is *not real* data.
"""

from .common import DEMO_VERSION, DESCRIPTION, GHSL_CRS, GHSL_RES
from .generator import (
    BUILT_DTYPE,
    BUILT_NODATA,
    DEFAULT_EPOCHS,
    DEM_DTYPE,
    POP_DTYPE,
    POP_NODATA,
    built_name,
    city_grid,
    city_model,
    dem_grid,
    dem_name,
    generate,
    generate_city,
    mollweide_grid,
    pop_name,
)
from .terrain import CityModel, city_seed
from .urban import urban_layers

__all__ = [
    "BUILT_DTYPE",
    "BUILT_NODATA",
    "DEFAULT_EPOCHS",
    "DEMO_VERSION",
    "DEM_DTYPE",
    "DESCRIPTION",
    "GHSL_CRS",
    "GHSL_RES",
    "POP_DTYPE",
    "POP_NODATA",
    "CityModel",
    "built_name",
    "city_grid",
    "city_model",
    "city_seed",
    "dem_grid",
    "dem_name",
    "generate",
    "generate_city",
    "mollweide_grid",
    "pop_name",
    "urban_layers",
]
