"""``DEST/manifest.json``: what was fetched (url, size, sha256, time, licence per file).

It is rewritten atomically after each file, so a failure later leaves it and every earlier
file as they were; a file whose size and sha256 match it is not downloaded again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import DestinationError, FetchError
from ..files import sha256_file, write_atomic
from .catalogue import FetchItem

__all__ = ["MANIFEST_FORMAT", "MANIFEST_NAME", "is_current", "now_utc", "read_manifest",
           "write_manifest", "write_text_atomic"]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "carlcities-data-manifest/1"


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_manifest(dest: Path) -> dict[str, Any]:
    p = dest / MANIFEST_NAME
    if not p.exists():
        return {"format": MANIFEST_FORMAT, "files": {}}
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(m.get("files"), dict):
            raise ValueError("no 'files' mapping")
        return m
    except (ValueError, OSError) as exc:
        raise FetchError(f"the data manifest cannot be read ({exc})", path=p,
                         fix="restore it, or delete it to download every file again") from None


def write_text_atomic(path: Path, text: str) -> None:
    """:func:`carlcities.files.write_atomic`, a failure told as a :class:`DestinationError`."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise DestinationError(f"cannot write ({exc})", path=path,
                               fix="make the destination folder writable, or free disk space "
                                   "(choose another with --dest)") from None


def write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    manifest["format"] = MANIFEST_FORMAT
    manifest["software"] = f"carlcities {__version__}"
    manifest["updated"] = now_utc()
    write_text_atomic(dest / MANIFEST_NAME,
                  json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def is_current(dest: Path, item: FetchItem, entry: dict[str, Any] | None) -> bool:
    """The file is there, and its size and sha256 are those the manifest recorded (and the
    expected sha256, when one is given)."""
    p = dest / item.relpath
    if entry is None or not p.is_file() or p.stat().st_size != entry.get("size"):
        return False
    sha = sha256_file(p)
    return sha == entry.get("sha256") and (item.sha256 is None or sha == item.sha256)
