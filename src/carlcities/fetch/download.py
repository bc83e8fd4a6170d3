"""One file over HTTP(S): ``NAME.part`` resumed with ``Range``, retried with backoff, renamed
only when complete and (where a sha256 is expected) matching. Only the standard library
talks to the network (urllib)."""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .._version import __version__
from ..errors import ChecksumError, DestinationError, DownloadError, RemoteNotFoundError
from ..files import sha256_file

__all__ = ["USER_AGENT", "download", "head_size"]

USER_AGENT = f"carlcities/{__version__} (+https://github.com/; data fetch)"


def _request(url: str, *, method: str = "GET", start: int = 0, timeout: float,
             extra: dict[str, str] | None = None):
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(extra or {})}
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


def head_size(url: str, *, timeout: float = 30.0, headers: dict[str, str] | None = None
              ) -> tuple[int | None, str | None]:
    """(size in bytes or None, a note when the size could not be had) — for the dry run."""
    try:
        with _request(url, method="HEAD", timeout=timeout, extra=headers) as r:
            cl = r.headers.get("Content-Length")
            return (int(cl) if cl is not None else None), None
    except urllib.error.HTTPError as exc:
        return None, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, f"unreachable ({getattr(exc, 'reason', exc)})"


def download(url: str, target: Path, *, expected_sha256: str | None = None,
             retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
             on_progress: Callable[[int, int | None], None] | None = None,
             chunk: int = 1 << 16, headers: dict[str, str] | None = None,
             product: str | None = None) -> tuple[int, str]:
    """Download ``url`` to ``target`` through ``target.part``; return (size, sha256).

    A ``.part`` already there is resumed with an HTTP Range request (a server that ignores
    it sends the whole file, which then replaces the part). Network errors, timeouts and 5xx
    answers are retried ``retries`` times, waiting ``backoff``·2^k seconds. The file appears
    at ``target`` only complete and, when ``expected_sha256`` is given, matching it.
    ``on_progress(done, total)`` is called as bytes arrive. ``headers`` (a login) are sent
    with each request and never appear in an error; ``product`` names the product in errors.

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
            total = _fetch_once(url, part, start, timeout, on_progress, chunk, headers)
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
            what = f"{product}: " if product else ""
            if exc.code in (401, 403):
                from ..errors import CredentialError

                raise CredentialError(
                    f"{what}HTTP {exc.code}: the server refused "
                    + ("the login given" if headers else "access without a login"),
                    url=url, path=target,
                    fix="check the login for this publisher (`carlcities data sources` "
                        "names it; docs/data_fetch.md, 'Logins'): an expired token or a "
                        "wrong password; then run the same command again") from None
            if exc.code in (404, 410):
                raise RemoteNotFoundError(
                    f"{what}HTTP {exc.code}: the file is not at this address", url=url,
                    path=target,
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
    sha = sha256_file(part)
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
                on_progress: Callable[[int, int | None], None] | None, chunk: int,
                headers: dict[str, str] | None = None) -> int | None:
    with _request(url, start=start, timeout=timeout, extra=headers) as resp:
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
