"""Shared test fixtures: real-format rasters written by the tests themselves."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

#: the real shared data files: ``../shared/data`` beside the repository, or the directory
#: named by ``CARLCITIES_SHARED_DATA`` (a git worktree elsewhere, another checkout)
SHARED = Path(os.environ.get("CARLCITIES_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(autouse=True, scope="session")
def _demo_cache(tmp_path_factory):
    """The demo data cache of the test session: in a temporary folder, not ~/.cache (set
    ``CARLCITIES_CACHE_DIR`` to keep one between sessions)."""
    if "CARLCITIES_CACHE_DIR" in os.environ:
        yield
        return
    os.environ["CARLCITIES_CACHE_DIR"] = str(tmp_path_factory.mktemp("carlcities-cache"))
    yield
    os.environ.pop("CARLCITIES_CACHE_DIR", None)


def shared_file(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"shared fixture {rel} is not present at {SHARED}")
    return p


def write_tif(path: Path, data: np.ndarray, transform: Affine, crs, nodata=None, tags=None,
              tiled=True) -> Path:
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    prof = dict(driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                dtype=str(data.dtype), crs=crs, transform=transform, compress="deflate")
    if tiled:
        prof.update(tiled=True, blockxsize=256, blockysize=256)
    if nodata is not None:
        prof["nodata"] = nodata
    with rasterio.open(path, "w", **prof) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
    return path


@pytest.fixture
def small_grid():
    from carlcities.grid import CityGrid

    # a 6 km square at 100 m around central Bishkek
    return CityGrid.around("bishkek", 74.612, 42.875, 3000.0, res=100.0)


def mollweide_cover(grid, res=100.0, margin=2000.0):
    """A GHSL-aligned Mollweide transform and shape covering the grid."""
    l, b, r, t = grid.footprint("ESRI:54009")
    l = np.floor((l - margin) / res) * res
    t = np.ceil((t + margin) / res) * res
    w = int(np.ceil((r + margin - l) / res))
    h = int(np.ceil((t - (b - margin)) / res))
    return Affine(res, 0, l, 0, -res, t), (h, w)


def require_system(what: str, missing_why: str | None) -> None:
    """Skip a test whose Debian prerequisite (README, "Prerequisites of make test") is missing,
    with the reason; under ``CI=true`` a missing prerequisite fails the test instead, because
    ``.ci/run`` installs them all and a skip there would hide a broken install step."""
    if not missing_why:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {what} is missing: {missing_why}")
    pytest.skip(f"{what} missing (see README, prerequisites of make test): {missing_why}")


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server of the test session (tests/pgserver.py); skips (fails under
    ``CI=true``) where Debian's postgresql package is not installed."""
    from tests.pgserver import PgServer, pg_bin

    require_system("PostgreSQL", None if pg_bin() else
                   "no initdb/pg_ctl in /usr/lib/postgresql/*/bin (apt-get install postgresql "
                   "postgresql-15-postgis-3)")
    try:
        server = PgServer()
    except (OSError, RuntimeError) as exc:
        require_system("PostgreSQL", f"the test server did not start: {exc}")
        raise
    yield server
    server.stop()
