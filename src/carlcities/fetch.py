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
"""

from __future__ import annotations

import copy
import hashlib
import http.client
import json
import math
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

from . import __version__
from .errors import (
    CarlError,
    ChecksumError,
    DataSourceError,
    DestinationError,
    DownloadError,
    FetchError,
    RemoteNotFoundError,
    UnknownProductError,
)

__all__ = [
    "CONFIG_NAME", "MANIFEST_NAME", "SOURCES_PATH", "FetchItem", "FetchResult", "Source",
    "build_vrt", "download", "fetch", "ghsl_tiles", "load_sources", "mirror_url", "plan",
    "read_checksums", "write_study_config",
]

SOURCES_PATH = "data/data_sources.yaml"  #: inside the package
MANIFEST_NAME = "manifest.json"
CONFIG_NAME = "carlcities-data.yaml"
MANIFEST_FORMAT = "carlcities-data-manifest/1"

#: GHSL R2023A tiling (ESRI:54009, 100 m products): 1000 km squares, 18 rows x 36 columns,
#: numbered from 1 at the top left corner (-18,041,000 m, 9,000,000 m).
GHSL_LEFT, GHSL_TOP, GHSL_STEP = -18_041_000.0, 9_000_000.0, 1_000_000.0
GHSL_ROWS, GHSL_COLS = 18, 36

_SELECTIONS = ("ghsl_tiles", "country", "country_epoch", "single")
_USER_AGENT = f"carlcities/{__version__} (+https://github.com/; data fetch)"
_GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16",
               "uint32": "UInt32", "int32": "Int32", "float32": "Float32",
               "float64": "Float64"}


# ------------------------------------------------------------------------------ catalogue
@dataclass(frozen=True)
class Source:
    """One product of the source catalogue (see the header of data_sources.yaml)."""

    id: str
    title_en: str
    title_ru: str
    publisher: str
    licence: str
    landing_page: str
    url_template: str
    url_verified: bool
    selection: str
    format: str
    folder: str
    citation: str = ""
    epochs: tuple[int, ...] = ()
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    filename: str | None = None
    unpack: str | None = None
    mosaic: str | None = None
    city_link: str | None = None
    config_key: str | None = None
    config_value: str | None = None
    default: bool = False
    sha256: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """The catalogue: products in file order, and the countries they know."""

    products: dict[str, Source]
    countries: dict[str, dict[str, str]]
    origin: str

    def get(self, pid: str) -> Source:
        if pid not in self.products:
            import difflib

            near = difflib.get_close_matches(pid, list(self.products), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise UnknownProductError(
                f"unknown product {pid!r}", path=self.origin,
                fix=f"{hint}known products: {', '.join(self.products)} "
                    "(`carlcities data sources` lists them)")
        return self.products[pid]

    @property
    def defaults(self) -> list[str]:
        return [p.id for p in self.products.values() if p.default]


def load_sources(path: str | Path | None = None) -> Sources:
    """Read the source catalogue: the packaged one, or ``path`` in its place."""
    from ._datafiles import read_data_text

    text, origin = read_data_text(path, SOURCES_PATH, "data source catalogue",
                                  error=DataSourceError)
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise DataSourceError(f"YAML syntax error: {exc}", path=origin,
                              fix="fix the YAML of the source catalogue") from None
    products: dict[str, Source] = {}
    for i, e in enumerate(raw.get("products") or [], start=1):
        where = f"product {i} ({e.get('id', '?')})" if isinstance(e, dict) else f"product {i}"
        if not isinstance(e, dict):
            raise DataSourceError(f"{where} is not a mapping", path=origin,
                                  fix="write each product as a mapping of its fields")
        missing = [k for k in ("id", "title_en", "title_ru", "publisher", "licence",
                               "landing_page", "url_template", "url_verified", "selection",
                               "format", "folder") if k not in e]
        if missing:
            raise DataSourceError(f"{where}: missing {', '.join(missing)}", path=origin,
                                  fix="add the fields (see the header of the catalogue)")
        if e["selection"] not in _SELECTIONS:
            raise DataSourceError(f"{where}: unknown selection {e['selection']!r}", path=origin,
                                  fix=f"use one of {', '.join(_SELECTIONS)}")
        if e["selection"] in ("ghsl_tiles", "country_epoch") and not e.get("epochs"):
            raise DataSourceError(f"{where}: selection {e['selection']} needs epochs",
                                  path=origin, fix="list the years the product has")
        kw = dict(e)
        kw["epochs"] = tuple(int(y) for y in e.get("epochs") or ())
        kw["variants"] = {k: tuple(str(x) for x in v) for k, v in (e.get("variants") or {}).items()}
        kw["sha256"] = {str(k): str(v).lower() for k, v in (e.get("sha256") or {}).items()}
        kw["url_verified"] = bool(e["url_verified"])
        kw["default"] = bool(e.get("default", False))
        unknown = set(kw) - set(Source.__dataclass_fields__)
        if unknown:
            raise DataSourceError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
                                  path=origin, fix="remove them or correct their spelling")
        products[e["id"]] = Source(**kw)
    countries = {str(k).upper(): dict(v) for k, v in (raw.get("countries") or {}).items()}
    return Sources(products, countries, origin)


# ------------------------------------------------------------------------------ resolution
def ghsl_tiles(bounds: tuple[float, float, float, float]) -> list[str]:
    """GHSL R2023A tile ids (``R4_C25``) covering ``bounds`` = (left, bottom, right, top) in
    Mollweide metres (ESRI:54009), row by row."""
    left, bottom, right, top = bounds
    eps = 1e-6
    c0 = math.floor((left - GHSL_LEFT) / GHSL_STEP) + 1
    c1 = math.floor((right - eps - GHSL_LEFT) / GHSL_STEP) + 1
    r0 = math.floor((GHSL_TOP - top) / GHSL_STEP) + 1
    r1 = math.floor((GHSL_TOP - bottom - eps) / GHSL_STEP) + 1
    c0, c1 = max(1, c0), min(GHSL_COLS, c1)
    r0, r1 = max(1, r0), min(GHSL_ROWS, r1)
    return [f"R{r}_C{c}" for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def city_tiles(city: Any, *, epochs: Iterable[int] = (), grid: dict[str, float] | None = None
               ) -> list[str]:
    """GHSL tiles covering the study square of a catalogue city (sized as the run sizes it)."""
    from .config import default_config
    from .grid import for_city
    from .pipeline import _grid_kw

    kw = grid if grid is not None else _grid_kw(default_config())
    g = for_city(city, epochs=list(epochs), **kw)
    return ghsl_tiles(g.footprint("ESRI:54009"))


@dataclass(frozen=True)
class FetchItem:
    """One file to fetch: its product, URL (before any mirror), path under DEST (POSIX), the
    cities that need it, the placeholders it was made from, and the expected sha256 if any."""

    product: str
    url: str
    relpath: str
    cities: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    licence: str
    url_verified: bool
    sha256: str | None = None

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


def _fill(template: str, values: dict[str, Any]) -> str:
    out = template
    for k, v in values.items():
        out = out.replace("{" + k + "}", str(v))
    return out


def _country_values(sources: Sources, iso3: str, product: Source) -> dict[str, str]:
    c = sources.countries.get(iso3)
    if c is None:
        raise DataSourceError(f"the catalogue has no country {iso3} for product {product.id}",
                              path=sources.origin, fix=f"add {iso3} under countries:")
    return {"iso3": iso3, "iso3_lower": iso3.lower(), "country": c.get("name", iso3),
            "geofabrik": c.get("geofabrik", "")}


def _check_epochs(src: Source, epochs: list[int]) -> None:
    bad = [e for e in epochs if e not in src.epochs]
    if bad:
        raise DataSourceError(
            f"{src.id} has no layer for {', '.join(map(str, bad))}",
            fix=f"choose --epochs among {', '.join(map(str, src.epochs))}")


def plan(cities: list[str] | None = None, products: list[str] | None = None, *,
         epochs: list[int] | None = None, sources: Sources | None = None,
         checksums: dict[str, str] | None = None, catalog: Any = None) -> list[FetchItem]:
    """The files that ``cities`` (ids or names; None = every catalogue city) need for
    ``products`` (ids; None = the catalogue's defaults), for ``epochs`` (None = the default
    configuration's epochs). ``checksums`` maps file names to expected sha256 (they win over
    the catalogue's). Raises :class:`UnknownCityError`, :class:`UnknownProductError`,
    :class:`DataSourceError`."""
    from .catalog import load_catalog
    from .config import default_config

    sources = sources or load_sources()
    chosen = [sources.get(p) for p in (products or sources.defaults)]
    sel = (catalog or load_catalog()).select(cities)
    epochs = list(epochs) if epochs else list(default_config().epochs)
    checksums = {k: v.lower() for k, v in (checksums or {}).items()}
    items: dict[str, dict[str, Any]] = {}

    def add(src: Source, values: dict[str, Any], city_ids: Iterable[str]) -> None:
        for combo in _variant_combos(src):
            v = {**values, **combo}
            url = _fill(src.url_template, v)
            name = _fill(src.filename, v) if src.filename else \
                urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            rel = f"{src.folder}/{name}"
            it = items.setdefault(rel, dict(product=src.id, url=url, relpath=rel, cities=[],
                                            params=tuple(sorted((k, str(x))
                                                                for k, x in v.items())),
                                            licence=src.licence,
                                            url_verified=src.url_verified,
                                            sha256=checksums.get(name) or src.sha256.get(name)))
            it["cities"] += [c for c in city_ids if c not in it["cities"]]

    grid_epochs = sorted(set(epochs))
    for src in chosen:
        if src.selection == "ghsl_tiles":
            _check_epochs(src, epochs)
            for city in sel:
                for tile in city_tiles(city, epochs=grid_epochs):
                    for e in epochs:
                        add(src, {"epoch": e, "tile": tile}, [city.city_id])
        elif src.selection == "country":
            for city in sel:
                add(src, _country_values(sources, city.country_iso3, src), [city.city_id])
        elif src.selection == "country_epoch":
            _check_epochs(src, epochs)
            for city in sel:
                for e in epochs:
                    add(src, {**_country_values(sources, city.country_iso3, src), "epoch": e},
                        [city.city_id])
        else:  # single
            add(src, {}, [c.city_id for c in sel])
    return [FetchItem(**{**d, "cities": tuple(d["cities"])}) for d in items.values()]


def _variant_combos(src: Source) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for k, vals in src.variants.items():
        combos = [{**c, k: v} for c in combos for v in vals]
    return combos


def mirror_url(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url`` (whose own path, if any, is
    put before the original path): ``mirror_url("https://a.org/x/y.tif", "http://m:8/d")``
    is ``http://m:8/d/x/y.tif``."""
    if not base_url:
        return url
    u = urllib.parse.urlsplit(url)
    b = urllib.parse.urlsplit(base_url)
    if not b.scheme or not b.netloc:
        raise DataSourceError(f"--base-url {base_url!r} is not an absolute URL",
                              fix="give scheme and host, e.g. http://mirror.example.org/data")
    path = b.path.rstrip("/") + u.path
    return urllib.parse.urlunsplit((b.scheme, b.netloc, path, u.query, ""))


def read_checksums(path: str | Path) -> dict[str, str]:
    """Expected sha256 by file name from a ``sha256sum``-style file (``HEX  NAME`` lines)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataSourceError(f"cannot read the checksum file ({exc})", path=p,
                              fix="check the path given to --checksums") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        hexd = parts[0].lower()
        if len(parts) != 2 or len(hexd) != 64 or any(ch not in "0123456789abcdef" for ch in hexd):
            raise DataSourceError(f"line {n}: expected 'SHA256  FILENAME'", path=p,
                                  fix="write one '64-hex-digit-sha256  file name' per line "
                                      "(the output of sha256sum)")
        out[parts[1].lstrip("*").rsplit("/", 1)[-1]] = hexd
    return out


# ------------------------------------------------------------------------------ manifest
def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _read_manifest(dest: Path) -> dict[str, Any]:
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


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise DestinationError(f"cannot write ({exc})", path=path,
                               fix="make the destination folder writable, or free disk space "
                                   "(choose another with --dest)") from None


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    manifest["format"] = MANIFEST_FORMAT
    manifest["software"] = f"carlcities {__version__}"
    manifest["updated"] = _now()
    _write_atomic(dest / MANIFEST_NAME,
                  json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def _is_current(dest: Path, item: FetchItem, entry: dict[str, Any] | None) -> bool:
    """The file is there, and its size and sha256 are those the manifest recorded (and the
    expected sha256, when one is given)."""
    p = dest / item.relpath
    if entry is None or not p.is_file() or p.stat().st_size != entry.get("size"):
        return False
    sha = file_sha256(p)
    return sha == entry.get("sha256") and (item.sha256 is None or sha == item.sha256)


# ------------------------------------------------------------------------------ download
def _request(url: str, *, method: str = "GET", start: int = 0, timeout: float):
    headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    if start:
        headers["Range"] = f"bytes={start}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method),
                                  timeout=timeout)


def _total_from(resp, start: int) -> int | None:
    cr = resp.headers.get("Content-Range")
    if cr and "/" in cr and not cr.endswith("/*"):
        return int(cr.rsplit("/", 1)[1])
    cl = resp.headers.get("Content-Length")
    return int(cl) + start if cl is not None else None


def head_size(url: str, *, timeout: float = 30.0) -> tuple[int | None, str | None]:
    """(size in bytes or None, a note when the size could not be had) — for the dry run."""
    try:
        with _request(url, method="HEAD", timeout=timeout) as r:
            cl = r.headers.get("Content-Length")
            return (int(cl) if cl is not None else None), None
    except urllib.error.HTTPError as exc:
        return None, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, f"unreachable ({getattr(exc, 'reason', exc)})"


def download(url: str, target: Path, *, expected_sha256: str | None = None,
             retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
             on_progress: Callable[[int, int | None], None] | None = None,
             chunk: int = 1 << 16) -> tuple[int, str]:
    """Download ``url`` to ``target`` through ``target.part``; return (size, sha256).

    A ``.part`` already there is resumed with an HTTP Range request (a server that ignores
    it sends the whole file, which then replaces the part). Network errors, timeouts and 5xx
    answers are retried ``retries`` times, waiting ``backoff``·2^k seconds. The file appears
    at ``target`` only complete and, when ``expected_sha256`` is given, matching it.
    ``on_progress(done, total)`` is called as bytes arrive.

    Raises :class:`RemoteNotFoundError` (404, 410), :class:`DownloadError` (other HTTP errors,
    network failure after the retries, a short file), :class:`ChecksumError`,
    :class:`DestinationError`.
    """
    part = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DestinationError(f"cannot create the folder ({exc})", path=target.parent, url=url,
                               fix="choose a writable --dest, or fix its permissions") from None
    attempt = 0
    while True:
        start = part.stat().st_size if part.exists() else 0
        try:
            total = _fetch_once(url, part, start, timeout, on_progress, chunk)
            break
        except _RangeMismatch as exc:
            part.unlink(missing_ok=True)  # the next try asks for the whole file
            if attempt >= retries:
                raise DownloadError(f"the server answered a resume with another range ({exc})",
                                    url=url, path=target,
                                    fix="run again; if it persists, the server or a proxy "
                                        "mishandles HTTP Range: try another --base-url") from None
            attempt += 1
            continue
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and start:  # the part is as long as (or longer than) the file
                part.unlink(missing_ok=True)
                continue
            if exc.code in (404, 410):
                raise RemoteNotFoundError(
                    f"HTTP {exc.code}: the file is not at this address", url=url, path=target,
                    fix="check the product's url_template in data_sources.yaml (is it "
                        "url_verified?), the epoch and the --base-url mirror; or download the "
                        "file from its landing page by hand") from None
            if exc.code < 500 and exc.code != 429 or attempt >= retries:
                raise DownloadError(f"HTTP {exc.code} {exc.reason}", url=url, path=target,
                                    fix="try again later; if it persists, check the URL and "
                                        "any proxy or mirror (--base-url)") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, _ShortRead,
                http.client.HTTPException) as exc:
            if attempt >= retries:
                reason = getattr(exc, "reason", None) or exc
                raise DownloadError(
                    f"network failure after {retries + 1} tries ({reason})", url=url,
                    path=target, fix="check the internet connection (or proxy settings: "
                                     "HTTPS_PROXY), then run the same command again: finished "
                                     "files are kept and this one resumes") from None
        except DestinationError:
            raise
        attempt += 1
        if backoff > 0:
            time.sleep(backoff * 2 ** (attempt - 1))
    size = part.stat().st_size
    if total is not None and size != total:
        part.unlink(missing_ok=True)
        raise DownloadError(f"received {size} bytes of {total}", url=url, path=target,
                            fix="run the command again")
    sha = file_sha256(part)
    if expected_sha256 and sha != expected_sha256.lower():
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"sha256 {sha} differs from the expected {expected_sha256.lower()}; the file was "
            "deleted", url=url, path=target,
            fix="run again (the transfer may have been corrupted); if it persists, the "
                "publisher has changed the file: check the expected checksum (--checksums "
                "or the catalogue's sha256)")
    try:
        os.replace(part, target)
    except OSError as exc:
        raise DestinationError(f"cannot move the finished download into place ({exc})",
                               path=target, url=url,
                               fix="make the destination writable") from None
    return size, sha


class _ShortRead(Exception):
    """The connection closed before the announced length arrived (retried, resumed)."""


class _RangeMismatch(Exception):
    """A 206 answer for another range than asked: the part is dropped and fetched whole."""


def _fetch_once(url: str, part: Path, start: int, timeout: float,
                on_progress: Callable[[int, int | None], None] | None, chunk: int) -> int | None:
    with _request(url, start=start, timeout=timeout) as resp:
        status = getattr(resp, "status", 200)
        if start and status == 206:
            cr = resp.headers.get("Content-Range", "")
            if not cr.startswith(f"bytes {start}-"):
                # bytes of another range: writing them at offset 0 would corrupt the file
                raise _RangeMismatch(f"asked for bytes {start}-, got {cr!r}")
        else:
            start = 0  # 200: the server sent the whole file
        total = _total_from(resp, start)
        mode = "ab" if start else "wb"
        done = start
        try:
            with open(part, mode) as f:
                if not start:
                    f.truncate(0)
                if on_progress:
                    on_progress(done, total)
                while b := resp.read(chunk):
                    f.write(b)
                    done += len(b)
                    if on_progress:
                        on_progress(done, total)
        except OSError as exc:
            if isinstance(exc, (TimeoutError, ConnectionError)):
                raise
            raise DestinationError(f"cannot write ({exc})", path=part, url=url,
                                   fix="make the destination writable or free disk space "
                                       "(choose another with --dest)") from None
        if total is not None and done < total:
            raise _ShortRead(f"{done} of {total} bytes")
        return total


# ------------------------------------------------------------------------------ after fetching
def _unpack(zpath: Path) -> list[Path]:
    """Extract the GeoTIFFs of a tile ZIP beside it (skipping ones already extracted)."""
    out = []
    try:
        with zipfile.ZipFile(zpath) as z:
            for info in z.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if not name.lower().endswith((".tif", ".tiff")):
                    continue
                p = zpath.parent / name
                if not (p.exists() and p.stat().st_size == info.file_size):
                    tmp = p.with_name(p.name + ".part")
                    with z.open(info) as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    os.replace(tmp, p)
                out.append(p)
    except zipfile.BadZipFile:
        raise FetchError("not a valid ZIP file", path=zpath,
                         fix="delete it and run the command again") from None
    return out


def build_vrt(tiles: list[Path], vrt: Path) -> Path:
    """Write a GDAL VRT mosaic of single-band ``tiles`` of one CRS and cell size (paths
    relative to the VRT), so that one file name serves every city's window."""
    import rasterio

    infos = []
    for t in sorted(tiles):
        with rasterio.open(t) as ds:
            bx, by = ds.block_shapes[0][1], ds.block_shapes[0][0]
            infos.append(dict(path=t, w=ds.width, h=ds.height, tr=ds.transform,
                              dtype=ds.dtypes[0], nodata=ds.nodata, wkt=ds.crs.to_wkt(),
                              bx=bx, by=by))
    if not infos:
        raise FetchError("no GeoTIFF to mosaic", path=vrt, fix="run the fetch again")
    res_x, res_y = infos[0]["tr"].a, infos[0]["tr"].e
    for i in infos[1:]:
        if (abs(i["tr"].a - res_x) > 1e-9 or abs(i["tr"].e - res_y) > 1e-9
                or i["wkt"] != infos[0]["wkt"] or i["dtype"] != infos[0]["dtype"]):
            raise FetchError(f"{i['path'].name} differs from {infos[0]['path'].name} in CRS, "
                             "cell size or data type", path=vrt,
                             fix="delete the odd tile and fetch it again")
    left = min(i["tr"].c for i in infos)
    top = max(i["tr"].f for i in infos)
    right = max(i["tr"].c + i["w"] * res_x for i in infos)
    bottom = min(i["tr"].f + i["h"] * res_y for i in infos)
    width = int(round((right - left) / res_x))
    height = int(round((bottom - top) / res_y))
    gtype = _GDAL_TYPES.get(infos[0]["dtype"], "Float64")
    nodata = infos[0]["nodata"]
    nd = "" if nodata is None else f"    <NoDataValue>{nodata!r}</NoDataValue>\n"
    lines = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f'  <SRS dataAxisToSRSAxisMapping="1,2">{escape(infos[0]["wkt"])}</SRS>',
             f"  <GeoTransform>{left!r}, {res_x!r}, 0.0, {top!r}, 0.0, {res_y!r}</GeoTransform>",
             f'  <VRTRasterBand dataType="{gtype}" band="1">', nd.rstrip("\n")]
    for i in infos:
        xoff = int(round((i["tr"].c - left) / res_x))
        yoff = int(round((i["tr"].f - top) / res_y))
        rel = os.path.relpath(i["path"], vrt.parent).replace(os.sep, "/")
        lines += [
            "    <ComplexSource>",
            f'      <SourceFilename relativeToVRT="1">{escape(rel)}</SourceFilename>',
            "      <SourceBand>1</SourceBand>",
            f'      <SourceProperties RasterXSize="{i["w"]}" RasterYSize="{i["h"]}" '
            f'DataType="{gtype}" BlockXSize="{i["bx"]}" BlockYSize="{i["by"]}"/>',
            f'      <SrcRect xOff="0" yOff="0" xSize="{i["w"]}" ySize="{i["h"]}"/>',
            f'      <DstRect xOff="{xoff}" yOff="{yoff}" xSize="{i["w"]}" ySize="{i["h"]}"/>',
        ]
        if i["nodata"] is not None:
            lines.append(f"      <NODATA>{i['nodata']!r}</NODATA>")
        lines.append("    </ComplexSource>")
    lines += ["  </VRTRasterBand>", "</VRTDataset>"]
    _write_atomic(vrt, "\n".join(x for x in lines if x) + "\n")
    return vrt


def _link(src: Path, link: Path) -> None:
    """``link`` → ``src``: a relative symlink, else a hard link, else a copy."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() == src.resolve():
            return
        link.unlink()
    try:
        link.symlink_to(os.path.relpath(src, link.parent))
    except OSError:
        try:
            os.link(src, link)
        except OSError:
            shutil.copy2(src, link)


def _postprocess(dest: Path, sources: Sources, items: list[FetchItem]) -> dict[str, list[str]]:
    """Unpack ZIPs, build the VRT mosaics, link country files per city; return the derived
    files by product (relative paths)."""
    derived: dict[str, list[str]] = {}
    by_product: dict[str, list[FetchItem]] = {}
    for it in items:
        if (dest / it.relpath).is_file():
            by_product.setdefault(it.product, []).append(it)
    for pid, its in by_product.items():
        src = sources.get(pid)
        tifs_by_epoch: dict[str, list[Path]] = {}
        for it in its:
            p = dest / it.relpath
            files = _unpack(p) if src.unpack == "zip" else [p]
            params = dict(it.params)
            tifs_by_epoch.setdefault(params.get("epoch", ""), []).extend(files)
            if src.city_link:
                for cid in it.cities:
                    link = dest / _fill(src.city_link, {"city_id": cid})
                    _link(p, link)
                    derived.setdefault(pid, []).append(link.relative_to(dest).as_posix())
        if src.mosaic:
            for epoch, tifs in sorted(tifs_by_epoch.items()):
                vrt = dest / src.folder / _fill(src.mosaic, {"epoch": epoch})
                # tiles fetched earlier for other cities stay in the mosaic
                earlier = vrt.parent.glob(vrt.stem + "_R*_C*.tif")
                build_vrt(sorted(set(tifs) | set(earlier)), vrt)
                derived.setdefault(pid, []).append(vrt.relative_to(dest).as_posix())
    return derived


# ------------------------------------------------------------------------------ the configuration
def write_study_config(dest: Path, sources: Sources, items: list[FetchItem],
                       cities: list[str] | None, epochs: list[int]) -> Path:
    """Write ``DEST/carlcities-data.yaml``: the full study template of ``carlcities init``
    with ``cities``, ``epochs`` and the ``data:`` keys of the fetched products filled.

    ``data.source`` becomes ``files`` only when both built-up and population layers are
    there (the run needs both); otherwise it stays ``demo`` and a comment says why.
    """
    from .config import load_config, render_template

    present = [it for it in items if (dest / it.relpath).is_file()]
    values: dict[str, str] = {}
    notes: list[str] = []
    for src in sources.products.values():
        its = [it for it in present if it.product == src.id]
        if not its or not src.config_key:
            if its:
                notes.append(f"{src.id}: fetched to {src.folder}/ but fills no setting "
                             "(see docs/data_fetch.md)")
            continue
        if src.config_key in values:
            notes.append(f"{src.id}: data.{src.config_key} already points at another product; "
                         f"its files are in {src.folder}/")
            continue
        value = src.config_value or ""
        if "{iso3" in value or "{country}" in value:
            isos = sorted({dict(it.params).get("iso3", "") for it in its})
            if len(isos) != 1:
                notes.append(f"{src.id}: files for {', '.join(isos)} are in {src.folder}/, but "
                             f"one data.{src.config_key} pattern can name one country only")
                continue
            value = _fill(value, {"iso3": isos[0], "iso3_lower": isos[0].lower()})
        values[src.config_key] = value
    files = "builtup" in values and "population" in values
    if not files:
        notes.append("data.source stays 'demo': a run on files needs both data.builtup and "
                     "data.population (fetch ghsl_built_s and ghsl_pop)")
    set_top = {"epochs": yaml.safe_dump(list(epochs), default_flow_style=True).strip()}
    if cities:
        set_top["cities"] = yaml.safe_dump(list(cities), default_flow_style=True,
                                           allow_unicode=True).strip()
    set_data = {k: yaml.safe_dump(v, default_flow_style=True, allow_unicode=True,
                                  width=10_000).strip().removesuffix("...").strip()
                for k, v in values.items()}
    set_data["source"] = "files" if files else "demo"
    out = []
    section = None  # the top-level key the template is in (each is written once)
    for line in render_template().splitlines():
        if line and not line.startswith((" ", "#")):
            section = line.split(":", 1)[0]
            if section in set_top:
                line = f"{section}: {set_top.pop(section)}"
        elif section == "data" and line.startswith("  ") and not line.startswith("  #"):
            k = line.strip().split(":", 1)[0]
            if k in set_data:
                line = f"  {k}: {set_data.pop(k)}"
        out.append(line)
    head = ["# Written by `carlcities data fetch` — paths are relative to this file.",
            "# Run:  carlcities run --config " + (dest / CONFIG_NAME).as_posix() + " --out out/",
            f"# Files and their licences: {MANIFEST_NAME} beside this file."]
    head += [f"# note: {n}" for n in notes]
    path = dest / CONFIG_NAME
    _write_atomic(path, "\n".join(head + out) + "\n")
    load_config(path)  # what we wrote must load (raises ConfigError naming the line if not)
    return path


# ------------------------------------------------------------------------------ fetch
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
          progress: bool = False, sources: Sources | None = None) -> FetchResult:
    """Download what ``cities`` need of ``products`` into ``dest`` and write the study
    configuration ``dest/carlcities-data.yaml`` (see the module docstring).

    ``dry_run`` resolves the files and asks the server for their sizes (HEAD), and writes
    nothing. Errors are :class:`CarlError` subclasses naming the URL or file and the fix; a
    failure leaves earlier files and ``dest/manifest.json`` intact.
    """
    from .catalog import load_catalog
    from .config import default_config

    sources = sources or load_sources()
    epochs = sorted(set(epochs)) if epochs else list(default_config().epochs)
    cat = load_catalog()
    items = plan(cities, products, epochs=epochs, sources=sources, checksums=checksums,
                 catalog=cat)
    dest = Path(dest)
    res = FetchResult(dest=dest, items=items, dry_run=dry_run)
    if dry_run:
        for it in items:
            size, note = head_size(mirror_url(it.url, base_url), timeout=timeout)
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
    manifest = _read_manifest(dest)
    with _Bars(progress) as bars:
        for it in items:
            entry = manifest["files"].get(it.relpath)
            if _is_current(dest, it, entry):
                res.skipped.append(it.relpath)
                res.sizes[it.relpath] = entry["size"] if entry else None
                bars.skip(it)
                continue
            url = mirror_url(it.url, base_url)
            size, sha = download(url, dest / it.relpath, expected_sha256=it.sha256,
                                 retries=retries, backoff=backoff, timeout=timeout,
                                 on_progress=bars.start(it))
            manifest = copy.deepcopy(manifest)
            manifest["files"][it.relpath] = {
                "product": it.product, "url": url, "catalogue_url": it.url, "size": size,
                "sha256": sha, "fetched": _now(), "licence": it.licence,
                "url_verified": it.url_verified, "cities": list(it.cities),
                "expected_sha256": it.sha256}
            _write_manifest(dest, manifest)
            res.downloaded.append(it.relpath)
            res.sizes[it.relpath] = size
            bars.done(it)
    if not (dest / MANIFEST_NAME).exists():
        _write_manifest(dest, manifest)
    res.derived = _postprocess(dest, sources, items)
    city_ids = [c.city_id for c in cat.select(cities)] if cities else []
    res.config_path = write_study_config(dest, sources, items, city_ids or None, epochs)
    return res


class _Bars:
    """A rich progress bar per file, or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.p = None
        self.task = None

    def __enter__(self) -> _Bars:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self.p = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                              TransferSpeedColumn(), TimeRemainingColumn(), transient=False)
            self.p.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.p is not None:
            self.p.__exit__(*exc)

    def skip(self, it: FetchItem) -> None:
        if self.p is not None:
            self.p.console.print(f"[dim]current[/dim] {it.relpath}")

    def start(self, it: FetchItem) -> Callable[[int, int | None], None] | None:
        if self.p is None:
            return None
        self.task = self.p.add_task(it.name, total=None)

        def cb(done: int, total: int | None) -> None:
            self.p.update(self.task, completed=done, total=total)
        return cb

    def done(self, it: FetchItem) -> None:
        pass


# ------------------------------------------------------------------------------ command line
def _make_app():
    import typer
    from rich.console import Console
    from rich.table import Table

    app = typer.Typer(
        no_args_is_help=True, rich_markup_mode="rich",
        help="Real input data: list the public sources and download what a study needs.\n\n"
             "[bold]carlcities data sources[/bold] lists the products with their licences; "
             "[bold]carlcities data fetch --cities osh --dest data/[/bold] downloads them and "
             "writes data/carlcities-data.yaml, a study configuration that points at them.")
    out, err = Console(), Console(stderr=True)

    def fail(exc: CarlError) -> None:
        err.print(f"[bold red]error[/bold red] ({type(exc).__name__}): {exc}", soft_wrap=True)
        raise typer.Exit(code=2)

    def split(v: str | None) -> list[str] | None:
        return [x.strip() for x in v.split(",") if x.strip()] if v else None

    @app.command("sources")
    def sources_cmd() -> None:
        """List the products `data fetch` can download: names in English and Russian,
        publisher, licence, whether the URL pattern is verified, and the setting it fills.

        Products marked [bold]default[/bold] are fetched when --products is not given. Read
        each licence before you use or share the data: GEM's exposure model is
        non-commercial (CC BY-NC-SA 4.0), OpenStreetMap is ODbL (share-alike)."""
        try:
            srcs = load_sources()
        except CarlError as exc:
            fail(exc)
        t = Table(title="data sources / источники данных")
        for col in ("id", "product", "продукт", "publisher", "licence", "URL verified",
                    "fills", "default"):
            t.add_column(col, no_wrap=col == "id")
        for s_ in srcs.products.values():
            t.add_row(s_.id, s_.title_en, s_.title_ru, s_.publisher, s_.licence,
                      "yes" if s_.url_verified else "[yellow]no[/yellow]",
                      f"data.{s_.config_key}" if s_.config_key else "-",
                      "yes" if s_.default else "")
        out.print(t)
        out.print("Landing pages, formats and how files are chosen: docs/data_fetch.md, "
                  "src/carlcities/data/data_sources.yaml")

    @app.command("fetch")
    def fetch_cmd(
        cities: str | None = typer.Option(None, "--cities", help="Comma-separated city ids or "
                                          "names, e.g. almaty,osh (default: all 48)."),
        products: str | None = typer.Option(None, "--products", help="Comma-separated "
                                            "product ids from `carlcities data sources` "
                                            "(default: the products marked default)."),
        dest: Path = typer.Option(Path("data"), "--dest", "-d", help="Folder for the files, "
                                  "manifest.json and carlcities-data.yaml."),
        base_url: str | None = typer.Option(None, "--base-url", help="A mirror: replaces the "
                                            "scheme and host of every URL (the path is kept), "
                                            "e.g. http://mirror.local/data."),
        epochs: str | None = typer.Option(None, "--epochs", help="Comma-separated years of "
                                          "the layers (default: the study's 1990,2000,2010,"
                                          "2020)."),
        checksums: Path | None = typer.Option(None, "--checksums", help="A sha256sum-style "
                                              "file ('HEX  NAME' lines): downloads whose "
                                              "sha256 differs are refused and deleted."),
        dry_run: bool = typer.Option(False, "--dry-run", help="List the URLs and sizes "
                                     "(HEAD requests) and download nothing."),
        retries: int = typer.Option(4, "--retries", min=0, help="Retries per file after a "
                                    "network or server error (waits 1, 2, 4, ... s)."),
        timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds without data "
                                      "before a connection counts as failed."),
    ) -> None:
        """Download the real inputs for some cities, then write a configuration for them.

        Which files: GHSL tiles that cover each city's study square (per epoch), one
        OpenStreetMap or WorldPop file per country, one earthquake catalogue for the region.
        Each file arrives as NAME.part and is renamed when complete; an interrupted download
        resumes (HTTP Range) when you run the same command again, and files already in
        DEST/manifest.json with the same size and sha256 are not downloaded again.

        Afterwards DEST/carlcities-data.yaml holds the full study configuration with the
        data: paths filled in:

          carlcities data fetch --cities osh,bishkek --dest data/ --dry-run

          carlcities data fetch --cities osh,bishkek --dest data/

          carlcities run --config data/carlcities-data.yaml --cities osh,bishkek --out out/
        """
        try:
            ys = [int(y) for y in split(epochs) or []] or None
        except ValueError:
            fail(DataSourceError(f"--epochs {epochs!r} is not a list of years",
                                 fix="write years separated by commas, e.g. 2000,2020"))
        try:
            sums = read_checksums(checksums) if checksums else None
            r = fetch(split(cities), split(products), dest, base_url=base_url,
                      dry_run=dry_run, epochs=ys, checksums=sums, retries=retries,
                      timeout=timeout, progress=not dry_run)
        except CarlError as exc:
            fail(exc)
        except KeyboardInterrupt:
            err.print("[yellow]interrupted[/yellow]: finished files are kept; run the same "
                      "command again to resume.")
            raise typer.Exit(code=130) from None
        if dry_run:
            t = Table(title=f"{len(r.items)} files (dry run: nothing downloaded)")
            for col in ("product", "file", "size", "URL"):
                t.add_column(col, overflow="fold")
            for it in r.items:
                size = r.sizes.get(it.relpath)
                t.add_row(it.product, it.relpath,
                          f"{size / 1e6:,.1f} MB" if size is not None
                          else f"? ({r.notes.get(it.relpath, 'unknown')})",
                          mirror_url(it.url, base_url))
            out.print(t)
            out.print(f"total known size: {r.total_bytes / 1e6:,.1f} MB")
            return
        out.print(f"[green]done[/green] {len(r.downloaded)} downloaded, {len(r.skipped)} "
                  f"already current → {dest}", soft_wrap=True)
        out.print(f"configuration: {r.config_path}", soft_wrap=True)
        out.print(f"run: carlcities run --config {r.config_path} --out out/", soft_wrap=True)

    return app


data_app = _make_app()
