"""Download the real inputs a study reads: ``carlcities data fetch``.

The source catalogue (``src/carlcities/data/data_sources.yaml``) says, per product, where the
files are, under which licence, and how the files a list of cities needs are chosen (GHSL
tiles from each city's study square, one file per country, one file for the region). This
module resolves that list (:func:`plan`), downloads it (:func:`fetch`) and writes beside the
files a study configuration that points at them (``DEST/carlcities-data.yaml``).

Downloads are careful with what is already there:

* every file arrives as ``NAME.part`` and is renamed only when complete (and, where a sha256
  is expected, only when it matches: a bad file is deleted, never kept);
* an interrupted ``.part`` is resumed with an HTTP ``Range`` request;
* network errors and server errors (5xx) are retried with exponential backoff;
* ``DEST/manifest.json`` records url, size, sha256, time and licence of each file and is
  rewritten (atomically) after each one, so a failure later leaves it and every earlier file
  as they were; a file whose size and sha256 match the manifest is not downloaded again.

``base_url`` (``--base-url``) replaces the scheme and host of every URL: a mirror, or a local
server in the tests. Only the standard library talks to the network (urllib).

The package: :mod:`~carlcities.fetch.catalogue` (the products and :func:`plan`),
:mod:`~carlcities.fetch.download` (one file), :mod:`~carlcities.fetch.manifest`,
:mod:`~carlcities.fetch.derived` (unpacked tiles, VRT mosaics, per-city links),
:mod:`~carlcities.fetch.config_writer` and :mod:`~carlcities.fetch.run` (:func:`fetch`). The
command line is :mod:`carlcities.cli.data`.
"""

from __future__ import annotations

from .catalogue import (
    GHSL_COLS,
    GHSL_LEFT,
    GHSL_ROWS,
    GHSL_STEP,
    GHSL_TOP,
    SOURCES_PATH,
    FetchItem,
    Source,
    Sources,
    city_tiles,
    ghsl_tiles,
    load_sources,
    mirror_url,
    plan,
    read_checksums,
)
from .config_writer import CONFIG_NAME, write_study_config
from .derived import build_vrt
from .download import download, head_size
from .manifest import MANIFEST_FORMAT, MANIFEST_NAME
from .run import FetchResult, fetch

__all__ = [
    "CONFIG_NAME", "GHSL_COLS", "GHSL_LEFT", "GHSL_ROWS", "GHSL_STEP", "GHSL_TOP",
    "MANIFEST_FORMAT", "MANIFEST_NAME", "SOURCES_PATH", "FetchItem", "FetchResult", "Source",
    "Sources", "build_vrt", "city_tiles", "download", "fetch", "ghsl_tiles", "head_size",
    "load_sources", "mirror_url", "plan", "read_checksums", "write_study_config",
]
