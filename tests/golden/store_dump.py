"""Canonical dump of a study store, for the before/after comparison of a refactor.

``python tests/golden/store_dump.py OUT DEST`` writes one gzipped CSV per store table (rows
sorted, run ids and timings removed, geometries as WKT) and ``rasters.csv`` with a checksum
of every COG's pixels; :func:`compare` checks two dumps value by value.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: tables of bookkeeping only (ids, times, software versions)
SKIP_TABLES = {"runs", "run_cities", "study_meta"}
#: columns that differ between two runs of the same study
SKIP_COLUMNS = {"run_id", "finished", "started", "seconds"}
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")


def dump_store(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    from carlcities.store import connect

    con = connect(Path(out_dir) / "study.duckdb", read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY 1").fetchall()]
        out: dict[str, pd.DataFrame] = {}
        for t in tables:
            if t in SKIP_TABLES:
                continue
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = ? ORDER BY ordinal_position", [t]).fetchall()
            sel = [f"ST_AsText({c})" if dtype == "GEOMETRY" else f'"{c}"'
                   for c, dtype in cols if c not in SKIP_COLUMNS]
            names = [c for c, _ in cols if c not in SKIP_COLUMNS]
            df = con.execute(f"SELECT {', '.join(sel)} FROM {t}").df()
            df.columns = names
            out[t] = canonical(df)
    finally:
        con.close()
    out["rasters"] = raster_checksums(out_dir)
    return out


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(lambda v: (RUN_ID.sub("<run>", v) or None) if isinstance(v, str)
                              else v)
    key = [c for c in df.columns if df[c].dtype == object]
    key += [c for c in df.columns if c not in key]
    df = df.sort_values(key, na_position="first", kind="mergesort")
    return df.reset_index(drop=True)


def raster_checksums(out_dir: str | Path) -> pd.DataFrame:
    import rasterio

    rows = []
    for p in sorted(Path(out_dir, "rasters").glob("*/*.tif")):
        with rasterio.open(p) as src:
            a = src.read()
            rows.append(dict(raster=f"{p.parent.name}/{p.name}", dtype=str(a.dtype),
                             shape="x".join(map(str, a.shape)), crs=str(src.crs),
                             transform=",".join(f"{v:.6f}" for v in tuple(src.transform)[:6]),
                             sha256=hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()))
    return pd.DataFrame(rows)


def write_dump(tables: dict[str, pd.DataFrame], dest: str | Path) -> None:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        buf = io.StringIO()
        df.to_csv(buf, index=False, float_format="%.17g")
        with gzip.GzipFile(dest / f"{name}.csv.gz", "wb", mtime=0) as f:
            f.write(buf.getvalue().encode("utf-8"))


def read_dump(src: str | Path) -> dict[str, pd.DataFrame]:
    return {p.name.removesuffix(".csv.gz"): pd.read_csv(p, keep_default_na=True)
            for p in sorted(Path(src).glob("*.csv.gz"))}


def compare(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame],
            rtol: float = 1e-12) -> list[str]:
    """Differences between two dumps (empty: the same numbers, units, flags and texts)."""
    problems: list[str] = []
    for name in sorted(set(expected) | set(got)):
        if name not in got:
            problems.append(f"{name}: missing")
            continue
        if name not in expected:
            if len(got[name]):
                problems.append(f"{name}: new table with {len(got[name])} rows")
            continue
        a, b = expected[name], _roundtrip(got[name])
        if list(a.columns) != list(b.columns):
            problems.append(f"{name}: columns {list(a.columns)} != {list(b.columns)}")
            continue
        if len(a) != len(b):
            problems.append(f"{name}: {len(a)} rows expected, {len(b)} found")
            continue
        for c in a.columns:
            x, y = a[c], b[c]
            if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
                xv, yv = x.to_numpy(float), y.to_numpy(float)
                bad = ~(np.isclose(xv, yv, rtol=rtol, atol=0) | (np.isnan(xv) & np.isnan(yv)))
            else:
                tx, ty = _text(x), _text(y)
                bad = ~(tx == ty)
                for i in np.flatnonzero(bad):   # JSON texts: numbers within rtol
                    bad[i] = not _json_close(tx[i], ty[i], rtol)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                problems.append(f"{name}.{c}: {int(bad.sum())} differ, e.g. row {i}: "
                                f"{x.iloc[i]!r} != {y.iloc[i]!r}")
    return problems


def _json_close(a: str, b: str, rtol: float) -> bool:
    """Whether two texts are the same JSON up to numbers within ``rtol`` (a sum of float64
    may differ in its last bit between CPUs: NumPy's SIMD loops add in another order on AVX2
    than on AVX-512, so the golden store, made on one, is read on the other)."""
    try:
        ja, jb = json.loads(a), json.loads(b)
    except (TypeError, ValueError):
        return False
    return _close(ja, jb, rtol)


def _close(a: Any, b: Any, rtol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return bool(np.isclose(a, b, rtol=rtol, atol=0) or (a != a and b != b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rtol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rtol) for x, y in zip(a, b, strict=True))
    return a == b


def _text(s: pd.Series) -> np.ndarray:
    return np.array(["<NA>" if pd.isna(v) else str(v) for v in s.astype(object)], dtype=object)


def _roundtrip(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it reads back from the CSV (same dtypes as a stored dump)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.17g")
    buf.seek(0)
    return pd.read_csv(buf)


if __name__ == "__main__":
    write_dump(dump_store(sys.argv[1]), sys.argv[2])
