"""File plumbing used across the house: checksums, atomic writes and parsed YAML data files
(one home each)."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["atomic_path", "read_yaml", "sha256_file", "sha256_text", "write_atomic",
           "write_json_atomic"]

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (hex digest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes (hex digest)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A sibling ``.part`` path to write ``path`` through (for writers that want a file name,
    such as rasterio or netCDF4): renamed onto ``path`` when the block succeeds, deleted when
    it fails, so a reader never sees a half-written file.

    >>> with atomic_path("out.tif") as tmp:  # doctest: +SKIP
    ...     write_geotiff(tmp)
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a sibling ``.part`` file and ``os.replace``.

    A reader never sees a half-written file, and a failed write leaves the old file intact.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Pretty JSON (UTF-8, non-ASCII kept) written atomically; unknown types as ``str``."""
    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str))


def read_yaml(path: str | Path) -> Any:
    """``yaml.safe_load`` of a file, parsed once per process while the file is unchanged (same
    size and modification time): the packaged data files are read for every city, and pure-
    Python YAML parsing costs milliseconds per kilobyte. Each call gets its own copy. Raises
    what reading and ``yaml.safe_load`` raise (``OSError``, ``yaml.YAMLError``)."""
    p = Path(path)
    st = p.stat()
    return copy.deepcopy(_parsed(str(p.resolve()), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _parsed(path: str, _mtime_ns: int, _size: int) -> Any:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
