"""What a run must do: the fingerprint of each city's inputs and settings, the key of the whole
run ("nothing changed"), and the number of worker processes the machine can hold.

A city is reused (not recomputed) when the key of its latest finished result equals the key
computed now: the settings that reach the engines, the city's own input files (content
fingerprints), and the software version. The run key adds everything after the cities
(scorecards, surveys, appraisal settings): when it equals the last complete run's key, the run
has nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ._version import __version__
from .catalog import City
from .config import StudyConfig, resolve_path
from .files import sha256_file

__all__ = ["MEM_PER_WORKER_GB", "WORKER_BASE_GIB", "WORKER_GIB_PER_CELL", "cap_workers",
           "cells_in_work_cap", "city_key", "fingerprint", "gib_per_worker", "next_city",
           "run_key", "worker_estimate"]

#: settings that do not reach a city's engines (run-level, after-the-cities, titles)
_NOT_CITY = {("cities",), ("run", "workers"), ("run", "scheduler"), ("run", "appraisal"),
             ("study", "title_en"), ("study", "title_ru"), ("data", "scorecards"),
             ("data", "surveys"), ("data", "scorecards_dir"), ("data", "surveys_dir")}
_NOT_CITY_SECTIONS = {"scorecard", "appraisal"}
#: data settings that map a city id to its own file: only the city's entry counts
_PER_CITY = ("districts", "activity", "gtfs")
#: single files every city reads
_SHARED_FILES = ("population_overrides", "earthquake_catalogue", "taxonomy_mapping")
_WHOLE_FILE_LIMIT = 64 << 20
#: peak resident memory of one city worker [GiB] when the cities' grids are not known
MEM_PER_WORKER_GB = 1.0
#: a worker's memory, measured (``benchmarks/bench_memory.py``, results/memory.json): its code
#: and caches [GiB] once a city is done and its pages given back, and what computing a city
#: adds at its peak per grid cell [GiB] (every engine; Tashkent's 449k cells: +1.1 GiB)
WORKER_BASE_GIB = 0.55
WORKER_GIB_PER_CELL = 2.5e-6


def fingerprint(path: str | Path) -> str:
    """Content fingerprint of a file or folder: SHA-256 of files up to 64 MiB; for larger files
    the size, modification time and SHA-256 of the first and last MiB (hashing a 2 GB GHSL
    tile on every run would cost seconds per city). Missing: ``"missing"``."""
    p = Path(path)
    if p.is_dir():
        h = hashlib.sha256()
        for x in sorted(x for x in p.rglob("*") if x.is_file()):
            h.update(f"{x.relative_to(p)}:{fingerprint(x)};".encode())
        return h.hexdigest()
    try:
        st = p.stat()
    except OSError:
        return "missing"
    if st.st_size <= _WHOLE_FILE_LIMIT:
        return sha256_file(p)
    h = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode())
    with open(p, "rb") as f:
        h.update(f.read(1 << 20))
        f.seek(-(1 << 20), os.SEEK_END)
        h.update(f.read(1 << 20))
    return h.hexdigest()


def _city_settings(cfg: StudyConfig, city_id: str) -> dict[str, Any]:
    data = cfg.model_dump(mode="json")
    for sec in _NOT_CITY_SECTIONS:
        data.pop(sec, None)
    for path in _NOT_CITY:
        node = data
        for part in path[:-1]:
            node = node.get(part, {})
        node.pop(path[-1], None)
    for key in _PER_CITY:
        data["data"][key] = data["data"].get(key, {}).get(city_id)
    return data


def city_key(cfg: StudyConfig, city: City, inputs: dict[str, str] | None) -> str:
    """The key of one city's work: settings that reach its engines, its input files'
    fingerprints, the software version."""
    files: dict[str, str] = {}
    for role, p in sorted((inputs or {}).items()):
        files[role] = fingerprint(p)
    d = cfg.data
    for key in _PER_CITY:
        f = getattr(d, key).get(city.city_id)
        if f:
            files[key] = fingerprint(resolve_path(cfg, f))
    for key in _SHARED_FILES:
        f = getattr(d, key)
        if f:
            files[key] = fingerprint(resolve_path(cfg, f))
    for cat, f in sorted(d.vulnerability.items()):
        files[f"vulnerability:{cat}"] = fingerprint(resolve_path(cfg, f))
    text = json.dumps({"city": city.city_id, "settings": _city_settings(cfg, city.city_id),
                       "files": files, "carlcities": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_key(cfg: StudyConfig, keys: dict[str, str], *, report: bool) -> str:
    """The key of the whole run: every setting, each city's key, the scorecard and survey
    files' fingerprints, and whether a report is built."""
    from .scorecard.run import scorecard_files

    cards, surveys = scorecard_files(cfg)
    files = {(f"scorecard:{k}" if k else f"scorecard_dir:{p.name}"): fingerprint(p)
             for k, p in cards}
    files |= {f"survey:{i}": fingerprint(p) for i, p in enumerate(surveys)}
    text = json.dumps({"config": cfg.sha256(), "cities": keys, "files": files,
                       "report": report, "carlcities": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _available_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / (1 << 20)
    except OSError:
        return None
    return None


def gib_per_worker(largest_cells: int | None) -> float:
    """The memory one worker needs [GiB]: its code and caches and the peak of the largest city
    (:data:`WORKER_BASE_GIB`, :data:`WORKER_GIB_PER_CELL`); :data:`MEM_PER_WORKER_GB` when the
    grids are not known."""
    if largest_cells is None:
        return MEM_PER_WORKER_GB
    return round(WORKER_BASE_GIB + WORKER_GIB_PER_CELL * largest_cells, 2)


def worker_estimate(tasks: int, largest_cells: int | None = None) -> dict[str, Any]:
    """What this machine allows for ``tasks`` cities: usable CPU cores, available memory,
    the memory per worker (:func:`gib_per_worker` of the largest city's grid cells), and the
    resulting number of workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    mem = _available_gib()
    per = gib_per_worker(largest_cells)
    by_mem = max(1, int(mem // per)) if mem is not None else None
    n = max(1, min(cores, by_mem or cores, max(tasks, 1)))
    return {"cores": cores, "available_gib": None if mem is None else round(mem, 2),
            "gib_per_worker": per, "largest_city_cells": largest_cells, "by_memory": by_mem,
            "cities": tasks, "workers": n}


def cap_workers(requested: int | None, tasks: int,
                largest_cells: int | None = None) -> tuple[int, str | None]:
    """Workers for ``tasks`` cities: at most the usable CPU cores, the memory available for
    what each worker needs (:func:`gib_per_worker`), and the number of tasks; ``None`` = all
    of that (:func:`worker_estimate`). Returns (workers, a note saying why fewer than
    requested, or None)."""
    est = worker_estimate(tasks, largest_cells)
    if requested is None:
        return est["workers"], None
    cores, mem = est["cores"], est["available_gib"]
    by_mem = est["by_memory"] or requested
    n = max(1, min(requested, cores, by_mem, max(tasks, 1)))
    if n >= requested:
        return n, None
    why = []
    if requested > cores:
        why.append(f"{cores} usable CPU cores")
    if mem is not None and requested > by_mem:
        why.append(f"{mem:.1f} GiB memory available ({est['gib_per_worker']:g} GiB per "
                   "worker)")
    if requested > tasks:
        why.append(f"{tasks} cities to compute")
    return n, f"--workers {requested} capped to {n}: " + ", ".join(why)


def cells_in_work_cap(cells: list[int], workers: int) -> int:
    """The most grid cells computed at once on a local cluster: the largest city and the
    median one on each other worker. A worker computing a large city peaks at about 3.5 kB per
    cell above its 0.5 GB of code (Tashkent, 449k cells: 2.1 GB), so two of the largest
    cities at once would double the peak; the other workers take the smaller cities meanwhile."""
    s = sorted(cells)
    return s[-1] + s[len(s) // 2] * max(workers - 1, 0) if s else 0


def next_city(waiting: list[City], cells: dict[str, int], in_work: int, cap: int,
              running: int) -> City | None:
    """The largest waiting city whose cells fit under ``cap`` with the ``in_work`` cells of
    the ``running`` cities (any city when none runs), or None: wait for one to finish."""
    for c in waiting:                  # largest first
        if running == 0 or in_work + cells[c.city_id] <= cap:
            return c
    return None
