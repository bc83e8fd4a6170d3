"""Download what a list of cities needs, then write the configuration: :func:`fetch`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DestinationError
from ..progress import Progress
from .catalogue import (
    FetchItem,
    Sources,
    city_bounds,
    index_items,
    load_sources,
    manual_products,
    mirror_url,
    plan,
)
from .config_writer import write_study_config
from .credentials import auth_headers
from .derived import check_file, postprocess
from .download import download, head_size
from .manifest import MANIFEST_NAME, is_current, now_utc, read_manifest, write_manifest

__all__ = ["FetchResult", "fetch"]


@dataclass
class FetchResult:
    """What :func:`fetch` did: the planned items, the files downloaded and the ones already
    current, sizes (dry run: from HEAD requests; None = unknown, with a note), the derived
    files (VRTs, per-city links) and the configuration written."""

    dest: Path
    items: list[FetchItem]
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    sizes: dict[str, int | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    derived: dict[str, list[str]] = field(default_factory=dict)
    config_path: Path | None = None
    dry_run: bool = False

    @property
    def total_bytes(self) -> int:
        return sum(s for s in self.sizes.values() if s)


def fetch(cities: list[str] | None = None, products: list[str] | None = None,
          dest: str | Path = "data", *, base_url: str | None = None, dry_run: bool = False,
          epochs: list[int] | None = None, checksums: dict[str, str] | None = None,
          retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
          progress: bool = False, sources: Sources | None = None,
          years: list[int] | None = None) -> FetchResult:
    """Download what ``cities`` need of ``products`` into ``dest`` and write the study
    configuration ``dest/carlcities-data.yaml`` (see the module docstring).

    ``dry_run`` resolves the files and asks the server for their sizes (HEAD), and writes
    nothing. Errors are :class:`CarlError` subclasses naming the URL or file and the fix; a
    failure leaves earlier files and ``dest/manifest.json`` intact.
    """
    from ..catalog import load_catalog
    from ..config import default_config

    sources = sources or load_sources()
    epochs = sorted(set(epochs)) if epochs else list(default_config().epochs)
    cat = load_catalog()
    items = plan(cities, products, epochs=epochs, sources=sources, checksums=checksums,
                 catalog=cat, years=years)
    dest = Path(dest)
    res = FetchResult(dest=dest, items=items, dry_run=dry_run)
    for src in manual_products(products, sources):
        res.notes[src.id] = (f"no download address: get {src.file_pattern or src.format} from "
                             f"{src.landing_page} and set data.{src.config_key}")
    # logins first: a missing one stops the command before anything is downloaded
    headers = {p: auth_headers(sources.get(p).auth or "", p)
               for p in dict.fromkeys(it.product for it in items) if sources.get(p).auth}
    if dry_run:
        for it in items:
            size, note = head_size(mirror_url(it.url, base_url), timeout=timeout,
                                   headers=headers.get(it.product))
            res.sizes[it.relpath] = size
            if note:
                res.notes[it.relpath] = note
        return res
    try:
        dest.mkdir(parents=True, exist_ok=True)
        probe = dest / ".carlcities-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DestinationError(f"the destination cannot be written ({exc})", path=dest,
                               fix="choose a writable folder with --dest, or fix its "
                                   "permissions") from None
    manifest = read_manifest(dest)
    prog = Progress(progress, unit="bytes")
    sel = {c.city_id: c for c in cat.select(cities)}
    queue = list(items)
    with prog.bars():
        while queue:
            it = queue.pop(0)
            entry = manifest["files"].get(it.relpath)
            src = sources.get(it.product)
            if is_current(dest, it, entry):
                res.skipped.append(it.relpath)
                res.sizes[it.relpath] = entry["size"] if entry else None
                prog.note(f"[dim]current[/dim] {it.relpath}")
            else:
                url = mirror_url(it.url, base_url)
                size, sha = download(url, dest / it.relpath, expected_sha256=it.sha256,
                                     retries=retries, backoff=backoff, timeout=timeout,
                                     on_progress=_bar(prog, it.name),
                                     headers=headers.get(it.product), product=it.product)
                check_file(dest / it.relpath, product=it.product, url=url, fmt=src.format)
                manifest = copy.deepcopy(manifest)
                manifest["files"][it.relpath] = {
                    "product": it.product, "url": url, "catalogue_url": it.url, "size": size,
                    "sha256": sha, "fetched": now_utc(), "licence": it.licence,
                    "url_verified": it.url_verified, "cities": list(it.cities),
                    "expected_sha256": it.sha256, "params": dict(it.params),
                    "access": src.access}
                write_manifest(dest, manifest)
                res.downloaded.append(it.relpath)
                res.sizes[it.relpath] = size
            if dict(it.params).get("index"):  # a tile index: the tiles the cities need next
                bounds = {cid: city_bounds(sel[cid], "EPSG:4326", epochs=epochs)
                          for cid in it.cities if cid in sel}
                more = index_items(src, dest / it.relpath, bounds, checksums)
                queue = more + queue
                res.items = res.items + more
    if not (dest / MANIFEST_NAME).exists():
        write_manifest(dest, manifest)
    res.derived = postprocess(dest, sources, res.items)
    city_ids = [c.city_id for c in cat.select(cities)] if cities else []
    res.config_path = write_study_config(dest, sources, res.items, city_ids or None, epochs,
                                         manual=manual_products(products, sources))
    return res


def _bar(prog: Progress, name: str) -> Callable[[int, int | None], None] | None:
    """A bar for one file, fed by :func:`download`'s ``on_progress`` (None when hidden)."""
    if not prog.show:
        return None
    task = prog.task(name, total=None)
    return lambda done, total: prog.update(task, done, total)
