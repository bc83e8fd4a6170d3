"""Readers and writers of real formats."""

from .raster import Layer, ProductInfo, identify_product, read_layer, write_cog
from .vector import Zones, read_zones

__all__ = ["Layer", "ProductInfo", "identify_product", "read_layer", "write_cog", "Zones",
           "read_zones", "forget_city_reads"]


def forget_city_reads() -> None:
    """Drop what a city's engines shared in this process (its raster layers, cell areas and
    OSM extract, read once per city), so that the city's memory can be given back
    (:func:`carlcities.memory.release_memory`)."""
    from carlcities.grid import forget_cell_areas

    from .osm import forget_last_read
    from .raster import forget_layers

    forget_layers()
    forget_cell_areas()
    forget_last_read()
