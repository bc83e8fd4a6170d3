"""The files a run wrote, listed for download with licence and provenance, and served safely.

Only files under ``OUT/exports/``, ``OUT/rasters/``, ``OUT/report/`` and ``OUT/manifest.json``
are served. A requested path is resolved (symbolic links and ``..`` followed) and must still
lie inside one of those places; anything else — ``../``, an absolute path, a link out of the
output directory, the store itself, the staging area ``runs/`` — is "not found", never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "ROOTS", "city_files", "region_files", "safe_file"]

#: what may be downloaded: directories (and one file) of the output directory
ROOTS = ("exports", "rasters", "report", "manifest.json")
#: file suffix → (format name, media type)
FORMATS = {".csv": ("CSV", "text/csv"), ".parquet": ("Parquet", "application/vnd.apache.parquet"),
           ".gpkg": ("GeoPackage", "application/geopackage+sqlite3"),
           ".tif": ("GeoTIFF (COG)", "image/tiff"),
           ".html": ("HTML", "text/html"), ".pdf": ("PDF", "application/pdf"),
           ".json": ("JSON", "application/json"), ".png": ("PNG", "image/png")}


def safe_file(out_dir: Path, rel: str) -> Path | None:
    """The file ``rel`` names inside ``out_dir``'s downloadable places, or ``None``."""
    if not rel or "\x00" in rel or rel.startswith(("/", "\\")):
        return None
    root = out_dir.resolve()
    try:
        path = (root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    allowed = [(root / r).resolve() for r in ROOTS]
    inside = any(path == a or a in path.parents for a in allowed)
    if not inside or not path.is_file() or path.suffix.lower() not in FORMATS:
        return None
    return path


def _entry(out_dir: Path, p: Path) -> dict[str, Any]:
    fmt = FORMATS.get(p.suffix.lower(), (p.suffix.lstrip("."), "application/octet-stream"))
    return {"path": p.relative_to(out_dir).as_posix(), "name": p.name, "format": fmt[0],
            "bytes": p.stat().st_size}


def region_files(out_dir: Path) -> list[dict[str, Any]]:
    """The study-wide downloads: exports, the regional report, the manifest."""
    files = sorted((out_dir / "exports").glob("*"))
    files += sorted((out_dir / "report").glob("index*.html"))
    files += sorted((out_dir / "report").glob("*.pdf"))
    files += [out_dir / "manifest.json"]
    return [_entry(out_dir, p) for p in files if p.is_file() and p.suffix.lower() in FORMATS]


def city_files(out_dir: Path, city_id: str, rasters: list[str]) -> list[dict[str, Any]]:
    """One city's downloads: its profile (HTML/PDF) and its COGs (``rasters`` from the
    results API)."""
    rep = out_dir / "report" / "cities"
    files = sorted(rep.glob(f"{city_id}.html")) + sorted(rep.glob(f"{city_id}.*.html"))
    files += sorted(rep.glob(f"{city_id}*.pdf"))
    files += [out_dir / "rasters" / city_id / f"{n}.tif" for n in rasters]
    return [_entry(out_dir, p) for p in files if p.is_file()]
