"""Readers and writers of real formats."""

from .raster import Layer, ProductInfo, identify_product, read_layer, write_cog
from .vector import Zones, read_zones

__all__ = ["Layer", "ProductInfo", "identify_product", "read_layer", "write_cog", "Zones",
           "read_zones"]
