"""The version of carlcities (one place; the package and the manifest read it)."""

__version__ = "0.1.0"
