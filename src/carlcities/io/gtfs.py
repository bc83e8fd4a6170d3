"""GTFS feeds: the stops and their mean headways (the transit side of the mobility engine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_gtfs_stop_headways"]


def read_gtfs_stop_headways(path: str | Path, *, start_h: float = 7.0, end_h: float = 19.0
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stops of a GTFS feed (zip or folder) with their mean headway [min] on the busiest day.

    Headway of a stop = (end_h − start_h) × 60 / departures in that window, counting every
    trip of every route that calls there on the service day with the most trips
    (``calendar.txt`` weekdays; without it all trips count). Returns (stop_id, lon, lat,
    headway_min); stops with no departure get inf.

    Raises
    ------
    InputFileError
        The feed lacks stops.txt or stop_times.txt, or cannot be read.
    """
    import csv
    import io
    import zipfile

    from carlcities.errors import InputFileError

    path = Path(path)

    def open_table(name: str):
        if path.is_dir():
            p = path / name
            return p.open(encoding="utf-8-sig", newline="") if p.exists() else None
        try:
            z = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InputFileError(f"cannot open the GTFS feed ({exc})", path=path,
                                 fix="give a GTFS .zip or a folder of its .txt files") from exc
        if name not in z.namelist():
            return None
        return io.TextIOWrapper(z.open(name), encoding="utf-8-sig", newline="")

    f = open_table("stops.txt")
    st = open_table("stop_times.txt")
    if f is None or st is None:
        raise InputFileError("the GTFS feed lacks stops.txt or stop_times.txt", path=path,
                             fix="give a complete GTFS feed")
    with f:
        rows = list(csv.DictReader(f))
    for col in ("stop_id", "stop_lon", "stop_lat"):
        if rows and col not in rows[0]:
            raise InputFileError(f"stops.txt has no {col} column", path=path,
                                 fix="give a GTFS feed whose stops.txt has stop_id, stop_lat "
                                     "and stop_lon")
    ids = [r["stop_id"] for r in rows]
    coords = []
    for i, r in enumerate(rows, start=2):  # line 1 is the header
        try:
            x, y = float(r["stop_lon"]), float(r["stop_lat"])
        except (TypeError, ValueError):
            raise InputFileError(f"stops.txt line {i}: stop_lat/stop_lon "
                                 f"{r.get('stop_lat')!r}/{r.get('stop_lon')!r} are not numbers",
                                 path=path, fix="write decimal degrees (WGS 84), e.g. 42.87 / "
                                                "74.59") from None
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise InputFileError(f"stops.txt line {i}: stop_lat/stop_lon {y:g}/{x:g} are "
                                 "outside the Earth", path=path,
                                 fix="write decimal degrees (WGS 84), latitude first")
        coords.append((x, y))
    lon = np.array([c[0] for c in coords], dtype=float)
    lat = np.array([c[1] for c in coords], dtype=float)
    trips_service: dict[str, str] = {}
    tf = open_table("trips.txt")
    if tf is not None:
        with tf:
            for r in csv.DictReader(tf):
                trips_service[r["trip_id"]] = r.get("service_id", "")
    best: set[str] | None = None
    cf = open_table("calendar.txt")
    if cf is not None and trips_service:
        with cf:
            cal = list(csv.DictReader(cf))
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        per_service: dict[str, int] = {}
        for s in trips_service.values():
            per_service[s] = per_service.get(s, 0) + 1
        load = {d: sum(per_service.get(r["service_id"], 0) for r in cal if r.get(d) == "1")
                for d in days}
        day = max(days, key=lambda d: load[d])
        best = {r["service_id"] for r in cal if r.get(day) == "1"}
    counts: dict[str, int] = {}
    lo, hi = start_h * 3600, end_h * 3600
    with st:
        for line, r in enumerate(csv.DictReader(st), start=2):
            t = r.get("departure_time") or r.get("arrival_time")
            if not t:
                continue
            if best is not None and trips_service.get(r["trip_id"]) not in best:
                continue
            try:
                h, m, sc = (int(x) for x in t.strip().split(":"))
            except ValueError:
                raise InputFileError(f"stop_times.txt line {line}: time {t!r} is not HH:MM:SS",
                                     path=path, fix="write times as HH:MM:SS (after midnight "
                                                    "past 24:00:00)") from None
            sec = h * 3600 + m * 60 + sc
            if lo <= sec < hi:
                counts[r["stop_id"]] = counts.get(r["stop_id"], 0) + 1
    n = np.array([counts.get(i, 0) for i in ids], dtype=np.float64)
    with np.errstate(divide="ignore"):
        head = np.where(n > 0, (end_h - start_h) * 60.0 / np.maximum(n, 1), np.inf)
    return np.asarray(ids, dtype=object), lon, lat, head
