"""The study behind the portal: one read-only store, reopened when a run replaces it, and the
few tables every page needs, computed once per store version.

Every read goes through :mod:`carlcities.results`. A request gets its own DuckDB cursor over the
shared read-only connection (DuckDB connections are not shared between threads; cursors are
cheap). A run commits by renaming a new ``study.duckdb`` over the old one, so the file's inode
and modification time are the store's version: a new version opens a new connection, and the
cached tables (:meth:`StudySource.memo`) are dropped with the old one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ..errors import InputFileError, UnknownCityError
from ..results import Study, open_study, records
from ..store import STORE_FILE
from .layers import classify

__all__ = ["SIZE_CLASSES", "StudySource", "size_class"]

T = TypeVar("T")

#: population size classes of the region table: (upper bound, English, Russian)
SIZE_CLASSES = ((300_000, "150–300 thousand", "150–300 тыс."),
                (1_000_000, "300 thousand – 1 million", "300 тыс. – 1 млн"),
                (float("inf"), "over 1 million", "более 1 млн"))


def size_class(population: float | None) -> int | None:
    """Index into :data:`SIZE_CLASSES` of a population (``None`` when unknown)."""
    if population is None or pd.isna(population):
        return None
    return next(i for i, (hi, _en, _ru) in enumerate(SIZE_CLASSES) if population < hi)


class StudySource:
    """The study in ``out_dir`` for many threads, with a per-version memo of derived tables."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir).resolve()
        self._lock = threading.Lock()
        self._base: Study | None = None
        self._version: tuple[int, int] | None = None
        self._memo: dict[Any, Any] = {}

    def version(self) -> tuple[int, int]:
        st = (self.out_dir / STORE_FILE).stat()
        return (st.st_ino, st.st_mtime_ns)

    def _current(self) -> Study:
        try:
            ver = self.version()
        except FileNotFoundError:
            ver = None
        with self._lock:
            if self._base is None or ver != self._version:
                self._base = open_study(self.out_dir)   # OutputDirError when there is none
                self._version = ver
                self._memo = {}
            return self._base

    @contextmanager
    def study(self) -> Iterator[Study]:
        """A :class:`~carlcities.results.Study` on a cursor of its own (one per request)."""
        base = self._current()
        cur = base.con.cursor()
        try:
            yield Study.from_connection(cur, self.out_dir)
        finally:
            cur.close()

    def memo(self, key: Any, fn: Callable[[Study], T]) -> T:
        """``fn(study)`` once per store version and ``key``."""
        self._current()
        if key in self._memo:
            return self._memo[key]   # type: ignore[no-any-return]
        with self.study() as st:
            val = fn(st)
        self._memo[key] = val
        return val

    # -- the tables every page needs -------------------------------------------------------
    def cities(self) -> list[dict[str, Any]]:
        """The cities with their size class and type (typology), sorted by English name."""
        def load(st: Study) -> list[dict[str, Any]]:
            rows = records(st.cities())
            typ = {r["city_id"]: r["type"] for r in records(st.typology())}
            for r in rows:
                r["size_class"] = size_class(r.get("population"))
                r["type"] = typ.get(r["city_id"])
            return sorted(rows, key=lambda r: str(r["name_en"]))
        return self.memo("cities", load)

    def city(self, city_id: str) -> dict[str, Any]:
        for c in self.cities():
            if c["city_id"] == city_id:
                return c
        raise UnknownCityError(f"no city {city_id!r} in this study", path=self.out_dir,
                               fix="cities: " + ", ".join(c["city_id"] for c in self.cities()))

    def indicators(self) -> dict[str, dict[str, Any]]:
        """Indicator definitions by id (only those with observed city values)."""
        def load(st: Study) -> dict[str, dict[str, Any]]:
            have = set(self.latest_values()["indicator_id"])
            return {r["indicator_id"]: r for r in records(st.indicators())
                    if r["indicator_id"] in have}
        return self.memo("indicators", load)

    def latest_values(self) -> pd.DataFrame:
        """Per city and indicator, the observed whole-city value of the latest epoch."""
        def load(st: Study) -> pd.DataFrame:
            v = st.values(scenario="observed")
            if v.empty:
                return pd.DataFrame(columns=["city_id", "indicator_id", "epoch", "value",
                                             "unit"])
            v = v.assign(value=pd.to_numeric(v["value"], errors="coerce"))
            v = v.sort_values(["city_id", "indicator_id", "epoch"], na_position="first")
            last = v.groupby(["city_id", "indicator_id"], as_index=False).tail(1)
            return last[["city_id", "indicator_id", "epoch", "value", "unit"]].reset_index(
                drop=True)
        return self.memo("latest_values", load)

    def indicator_values(self, indicator_id: str) -> dict[str, float | None]:
        """The latest observed value of one indicator per city."""
        v = self.latest_values()
        v = v[v["indicator_id"] == indicator_id]
        return {r["city_id"]: r["value"] for r in records(v)}

    def profile(self, city_id: str) -> list[dict[str, Any]]:
        """:meth:`Study.city_profile` of a city at each indicator's latest epoch."""
        def load(st: Study) -> list[dict[str, Any]]:
            p = st.city_profile(city_id)
            p = p.sort_values(["indicator_id", "epoch"], na_position="first")
            return records(p.groupby("indicator_id", as_index=False).tail(1))
        return self.memo(("profile", city_id), load)

    def layers(self, city_id: str) -> list[str]:
        """The city's rasters (:meth:`Study.rasters`) whose files lie inside the output
        directory (a link out of it is not served)."""
        def load(st: Study) -> list[str]:
            return [n for n in st.rasters(city_id) if self._inside(st.raster_path(city_id, n))]
        return self.memo(("rasters", city_id), load)

    def _inside(self, path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return (self.out_dir / "rasters").resolve() in real.parents and real.is_file()

    def raster_path(self, city_id: str, name: str) -> Path:
        """The file of one of :meth:`layers`; :class:`InputFileError` for any other name."""
        self.city(city_id)
        if name not in self.layers(city_id):
            raise InputFileError(f"no raster {name!r} for city {city_id!r}",
                                 path=self.out_dir / "rasters" / city_id,
                                 fix="layers: " + ", ".join(self.layers(city_id)))
        with self.study() as st:
            return st.raster_path(city_id, name)

    def family_paths(self, city_id: str, name: str) -> list[Path]:
        """The rasters of the family of ``name`` (its other epochs), ``name``'s included."""
        fam = classify(name).family
        return [self.raster_path(city_id, n) for n in self.layers(city_id)
                if classify(n).family == fam]

    def manifest(self) -> dict[str, Any]:
        return self.memo("manifest", lambda st: st.manifest())

    def meta(self) -> dict[str, str]:
        return self.memo("meta", lambda st: st.meta())

    def synthetic(self) -> bool:
        return any(bool(c.get("synthetic")) for c in self.cities())
