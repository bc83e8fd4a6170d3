"""Where the demo data set is kept between runs (issue 21).

The demo region is deterministic: the same demo version, code, epochs, grid settings, layers
and catalogue facts give the same files. A run that names no ``data.demo_dir`` uses a cache
shared by every run of this user, so the data are generated once:

``$CARLCITIES_CACHE_DIR/demo/KEY/`` (default ``$XDG_CACHE_HOME/carlcities`` or
``~/.cache/carlcities``), where KEY = ``v<DEMO_VERSION>-`` and 16 hex digits of the SHA-256 of
the epochs, grid settings, layer groups and the source of the code that writes the layers
(:mod:`carlcities.demo`, the mudflow routing it reuses, the grid and the GeoTIFF writer). Each
city's folder is also checked against its ``demo.json`` (version, epochs, grid, the city's
catalogue facts) before it is reused, and written under a per-city lock, so two runs (or two
workers) never write one city at once. When the cache cannot be created the run falls back
to ``OUT/demo``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .common import DEMO_VERSION

__all__ = ["cache_root", "demo_cache_dir"]


def cache_root() -> Path:
    """``$CARLCITIES_CACHE_DIR``, else ``$XDG_CACHE_HOME/carlcities``, else
    ``~/.cache/carlcities``."""
    env = os.environ.get("CARLCITIES_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "carlcities"


@functools.cache
def _code_sha() -> str:
    pkg = Path(__file__).resolve().parents[1]
    files = sorted((pkg / "demo").glob("*.py")) + [pkg / "risk" / "mudflow.py",
                                                   pkg / "grid.py", pkg / "io" / "raster.py"]
    h = hashlib.sha256()
    for p in files:
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def demo_cache_dir(epochs: Sequence[int], grid: Mapping[str, Any], extras: Sequence[str],
                   root: Path | None = None) -> Path | None:
    """The cache folder for these settings (created), or None when it cannot be created."""
    key = json.dumps({"epochs": sorted(int(e) for e in epochs),
                      "grid": {k: float(v) for k, v in sorted(grid.items())},
                      "extras": sorted(extras), "code": _code_sha()}, sort_keys=True)
    d = (root or cache_root()) / "demo" / \
        f"v{DEMO_VERSION}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return None
    return d
