"""The output directory of a study: one writer lock, a staging area per run, and the commit
that swaps a finished run's files into place.

Layout (``docs/architecture.md``, "Runs: check, stage, commit, resume")::

    OUT/study.duckdb, manifest.json, rasters/, exports/, report/   the last complete run
    OUT/runs/RUN_ID/manifest.json                                 every run's own manifest
    OUT/runs/RUN_ID/{study.duckdb, rasters/, exports/, report/}   a run's staging area
    OUT/.carlcities.lock                                          the writer lock

A run works only in its staging area. :func:`commit` first writes ``runs/RUN_ID/COMMITTING``
(the commit point), then renames the staged store, rasters, exports and report onto the
committed ones and copies the manifest; :func:`roll_forward` finishes a commit that a kill
interrupted, so the committed files are always one run's, whole.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from .errors import OutputDirError
from .files import atomic_path, write_atomic

__all__ = ["LOCK_FILE", "RUNS_DIR", "WriterLock", "commit", "prepare_stage", "roll_forward",
           "staged_runs", "stage_dir", "discard_stage", "link_tree"]

LOCK_FILE = ".carlcities.lock"
RUNS_DIR = "runs"
COMMIT_MARK = "COMMITTING"
#: what a commit moves from the staging area onto the committed output, in this order
#: (the store first: it is what readers open); the manifest is copied last
MOVED = ("study.duckdb", "rasters", "exports", "report")


class WriterLock:
    """An exclusive, non-blocking ``flock`` on ``OUT/.carlcities.lock``, held by the writing
    process for the whole run (cities, appraisal, exports, report and commit). The kernel
    releases it when the process dies, so a ``kill -9`` never leaves a stale lock."""

    def __init__(self, out: str | Path):
        self.path = Path(out) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> WriterLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            except OSError:
                holder = ""
            os.close(fd)
            raise OutputDirError(
                f"another run is writing into this output directory ({holder or 'unknown'})",
                path=self.path.parent,
                fix="wait for it to finish (readers of the last results are not affected), "
                    "or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def stage_dir(out: str | Path, run_id: str) -> Path:
    return Path(out) / RUNS_DIR / run_id


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def staged_runs(out: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """Staging areas of runs that did not commit (failed, killed, disk full), newest first,
    with their manifests. Only the lock holder calls it: a staging area without a manifest
    is removed."""
    root = Path(out) / RUNS_DIR
    found = []
    for d in root.glob("*/") if root.is_dir() else []:
        if d.name.startswith(".") or (d / COMMIT_MARK).exists():
            continue
        m = _read_json(d / "manifest.json")
        if m is None:  # stopped before its manifest (a full disk): nothing to resume
            shutil.rmtree(d, ignore_errors=True)
            continue
        if m.get("status") == "complete":
            continue
        if not (d / "study.duckdb").exists():
            continue
        found.append((d, m))
    found.sort(key=lambda x: str(x[1].get("started") or ""), reverse=True)
    return found


def discard_stage(stage: Path) -> None:
    """Delete a staging area's files, keeping its manifest (the record that the run was)."""
    for p in stage.iterdir() if stage.is_dir() else []:
        if p.name == "manifest.json":
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def link_tree(src: Path, dst: Path) -> None:
    """Mirror ``src`` into ``dst`` with hard links (a copy where links are not possible).

    Safe for files that are only ever replaced (written to a ``.part`` and renamed), never
    rewritten in place: the committed rasters and exports are such files.
    """
    def _link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=_link, dirs_exist_ok=True)


def prepare_stage(out: Path, stage: Path, *, recompute: set[str], store_file: str) -> None:
    """Make ``stage`` a complete output directory to work in.

    The committed store is copied (once per run), committed exports are copied and the rasters
    of every city not in ``recompute`` are hard-linked; the staged rasters of the cities in
    ``recompute`` are removed (a killed run may have left half of them).
    """
    stage.mkdir(parents=True, exist_ok=True)
    store = out / store_file
    staged = stage / store_file
    if store.exists() and not staged.exists():
        with atomic_path(staged) as part:
            shutil.copyfile(store, part)
    rasters = stage / "rasters"
    rasters.mkdir(exist_ok=True)
    committed = out / "rasters"
    for city_dir in sorted(committed.iterdir()) if committed.is_dir() else []:
        if city_dir.is_dir() and city_dir.name not in recompute \
                and not (rasters / city_dir.name).exists():
            link_tree(city_dir, rasters / city_dir.name)
    for cid in recompute:
        shutil.rmtree(rasters / cid, ignore_errors=True)
    exports = stage / "exports"
    if (out / "exports").is_dir() and not exports.exists():
        tmp = stage / ".exports.part"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(out / "exports", tmp)
        os.replace(tmp, exports)


def commit(out: Path, stage: Path) -> None:
    """Swap the staged run into place. Writing ``COMMITTING`` is the commit point: from then
    on :func:`roll_forward` finishes the swap even after a kill."""
    items = [n for n in MOVED if (stage / n).exists()]
    mark = stage / COMMIT_MARK
    with open(mark, "w", encoding="utf-8") as f:
        json.dump({"move": items}, f)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(stage)
    roll_forward(out, stage)


def roll_forward(out: Path, stage: Path | None = None) -> list[Path]:
    """Finish every commit that was interrupted (all of ``OUT/runs/*`` when ``stage`` is
    None). Returns the staging areas finished. Only a process holding the lock calls it."""
    stages = [stage] if stage is not None else sorted(
        p.parent for p in (out / RUNS_DIR).glob(f"*/{COMMIT_MARK}"))
    done = []
    for st in stages:
        mark = _read_json(st / COMMIT_MARK)
        if mark is None:
            continue
        trash = st / ".previous"
        trash.mkdir(exist_ok=True)
        for name in mark.get("move", []):
            new, dst = st / name, out / name
            if not new.exists():
                continue  # moved before the interruption
            if new.is_dir():
                if dst.exists():
                    shutil.rmtree(trash / name, ignore_errors=True)
                    dst.rename(trash / name)
                new.rename(dst)
            else:
                os.replace(new, dst)
        manifest = st / "manifest.json"
        if manifest.exists():
            write_atomic(out / "manifest.json", manifest.read_bytes())
        _fsync_dir(out)
        (st / COMMIT_MARK).unlink()
        discard_stage(st)
        done.append(st)
    return done


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
