"""Figures skipped when their inputs are unchanged (issue 21).

Every figure function of the report (:mod:`.maps`, :mod:`.charts`, the section charts) is
wrapped by :func:`cached`. While :func:`configure` has set a build up, a call is keyed by the
SHA-256 of

* the function and the source of the report package and the matplotlib version (new code
  redraws everything),
* its arguments, canonicalised: numbers, texts (the run id replaced by a placeholder, so that a
  new run with the same inputs keys the same), data rows without their ``run_id`` field (the
  run that wrote a row is its provenance, not what is drawn: a city reused unchanged keeps the
  run id of the run that computed it, while a city computed in the run carries the new one —
  with the field in the key, the first re-run after a study redrew every such chart), arrays
  by their bytes, a raster file by name, size and modification time, a raster folder by the
  same of each GeoTIFF in it (the rasters of a reused city are hard links of the committed
  ones: same size and time), the output file by its place in the report;

and the key, with the figure's description (:class:`~.maps.FigureInfo`), is written beside the
image as ``img/.figcache/ID.json``. The next build looks the call up in the previous report's
``img/.figcache/``: same key and every image still there — the images are hard-linked (or
copied) into the new report and the description is read back with the new run id; otherwise
the figure is drawn. A value that cannot be canonicalised (an object without a stable form)
means no reuse: the figure is drawn.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

__all__ = ["cached", "configure", "count_reused", "register_info"]

F = TypeVar("F", bound=Callable[..., Any])
_RUN = "\x00run\x00"
_DIR = ".figcache"


@dataclasses.dataclass
class _Build:
    img: Path
    previous: Path | None
    run_id: str
    code: str
    #: input files and folders already keyed in this build (a city's rasters are keyed by
    #: each of its ~45 figures: stat them once; they are inputs, unchanged while it runs)
    seen: dict[Path, Any] = dataclasses.field(default_factory=dict)


_CTX: _Build | None = None
#: the figure description class (:class:`~.maps.FigureInfo`, registered by :mod:`.maps`, which
#: imports this module: no import back)
_INFO_CLS: Any = None


def register_info(cls: type) -> None:
    """Name the dataclass a figure function returns (called once by :mod:`.maps`)."""
    global _INFO_CLS
    _INFO_CLS = cls


class _Unstable(Exception):
    pass


@functools.cache
def _code_key() -> str:
    import matplotlib

    h = hashlib.sha256(matplotlib.__version__.encode())
    here = Path(__file__).parent
    for p in sorted(here.glob("*.py")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def configure(img: Path | None, previous: Path | None = None, run_id: str = "") -> None:
    """Start (``img`` = the new report's image folder) or end (``None``) a build; ``previous``
    is the image folder of the report built last, whose figures may be reused. Set before the
    figure workers are forked, so that they inherit it."""
    global _CTX
    if img is None:
        _CTX = None
        return
    prev = previous if previous is not None and (previous / _DIR).is_dir() else None
    _CTX = _Build(Path(img), prev, run_id, _code_key())


def count_reused(img: Path) -> tuple[int, int]:
    """(figures reused, figures drawn) of the build that wrote ``img`` (all its workers)."""
    n = r = 0
    for p in (Path(img) / _DIR).glob("*.json"):
        n += 1
        r += '"reused": true' in p.read_text(encoding="utf-8")
    return r, n - r


def _stat(p: Path) -> list[Any]:
    st = p.stat()
    return [p.name, st.st_size, st.st_mtime_ns]


def _canon_input(v: Path) -> list[Any]:
    if v.is_file():
        return ["file", *_stat(v)]
    if v.is_dir():
        return ["dir", [_stat(p) for p in sorted(v.glob("*.tif"))]]
    return ["missing", v.name]


def _canon(v: Any, ctx: _Build) -> Any:
    if v is None or isinstance(v, bool | int):
        return v
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return v.replace(ctx.run_id, _RUN) if ctx.run_id else v
    if isinstance(v, Path):
        if v.is_relative_to(ctx.img):
            return ["img", v.relative_to(ctx.img).as_posix()]
        known = ctx.seen.get(v)
        if known is None:
            known = ctx.seen[v] = _canon_input(v)
        return known
    if isinstance(v, np.ndarray):
        a = np.ascontiguousarray(v)
        return ["array", str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]
    if isinstance(v, np.generic):
        return _canon(v.item(), ctx)
    if isinstance(v, dict):
        return ["dict", sorted([json.dumps(_canon(k, ctx)), _canon(x, ctx)]
                               for k, x in v.items() if k != "run_id")]
    if isinstance(v, list | tuple):
        return [type(v).__name__, [_canon(x, ctx) for x in v]]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        d = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
        if hasattr(v, "folder") and isinstance(v.folder, Path):
            d["folder"] = v.folder         # a RasterSet: every GeoTIFF of its folder
        return [type(v).__qualname__, _canon(d, ctx)]
    raise _Unstable(type(v).__qualname__)


def _out_path(args: tuple[Any, ...], kw: dict[str, Any], ctx: _Build) -> Path | None:
    for v in (*args, *kw.values()):
        if isinstance(v, Path) and v.is_relative_to(ctx.img):
            return v
    return None


def _dump(v: Any, ctx: _Build, files: list[str]) -> Any:
    if isinstance(v, Path):
        if v.is_relative_to(ctx.img):
            rel = v.relative_to(ctx.img).as_posix()
            files.append(rel)
            return {"__img__": rel}
        return {"__path__": str(v)}
    if isinstance(v, str):
        return v.replace(ctx.run_id, _RUN) if ctx.run_id else v
    if isinstance(v, dict):
        return {k: _dump(x, ctx, files) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_dump(x, ctx, files) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _load(v: Any, ctx: _Build) -> Any:
    if isinstance(v, dict):
        if set(v) == {"__img__"}:
            return ctx.img / v["__img__"]
        if set(v) == {"__path__"}:
            return Path(v["__path__"])
        return {k: _load(x, ctx) for k, x in v.items()}
    if isinstance(v, list):
        return [_load(x, ctx) for x in v]
    if isinstance(v, str):
        return v.replace(_RUN, ctx.run_id)
    return v


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _reuse(ident: str, key: str, ctx: _Build) -> tuple[bool, Any]:
    if ctx.previous is None:
        return False, None
    try:
        entry = json.loads((ctx.previous / _DIR / f"{ident}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, None
    if entry.get("key") != key or not all((ctx.previous / f).is_file()
                                          for f in entry.get("files", [])):
        return False, None
    for f in entry["files"]:
        _link(ctx.previous / f, ctx.img / f)
    info = entry.get("info")
    if info is not None:
        if _INFO_CLS is None:
            return False, None
        info = _INFO_CLS(**_load(info, ctx))
    _record(ident, dict(entry, reused=True), ctx)
    return True, info


def _record(ident: str, entry: dict[str, Any], ctx: _Build) -> None:
    d = ctx.img / _DIR
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{ident}.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")


def cached(fn: F) -> F:
    """Wrap a figure function (one that writes under the report's ``img/`` and returns a
    :class:`~.maps.FigureInfo` or None) so that an unchanged call is not drawn again. A
    ``run_id`` in its arguments (a data row's, or a keyword) is not part of the key: the
    function must not draw it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        ctx = _CTX
        out = _out_path(args, kw, ctx) if ctx is not None else None
        if ctx is None or out is None:
            return fn(*args, **kw)
        what = f"{fn.__module__}.{fn.__qualname__}:{out.relative_to(ctx.img).as_posix()}:" \
               f"{kw.get('city_id', '')}"
        ident = hashlib.sha256(what.encode()).hexdigest()[:24]
        try:
            blob = json.dumps([ctx.code, what, _canon(list(args), ctx), _canon(kw, ctx)])
        except _Unstable:
            return fn(*args, **kw)
        key = hashlib.sha256(blob.encode()).hexdigest()
        hit, info = _reuse(ident, key, ctx)
        if hit:
            return info
        info = fn(*args, **kw)
        files: list[str] = []
        dumped = None if info is None else _dump(
            {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}, ctx, files)
        _record(ident, {"what": what, "key": key, "files": files, "info": dumped}, ctx)
        return info

    return wrapper  # type: ignore[return-value]
