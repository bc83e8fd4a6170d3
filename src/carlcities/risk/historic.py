"""Named historic earthquakes as scenario ruptures, and their modelled vs observed intensity.

The events are kept in ``data/historic_earthquakes.yaml`` (one record per event, every value
with its source; uncertain values flagged). :func:`scenario_intensity` predicts the MSK-64
intensity at a place with Bindi et al. (2011); :func:`comparison_table` sets it beside the
intensity observed at each affected city.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from carlcities.errors import HazardError
from carlcities.files import read_yaml
from carlcities.risk.gmpe import bindi2011_intensity
from carlcities.risk.seismicity import haversine_km

__all__ = ["HistoricEvent", "CityObservation", "DEFAULT_PATH", "load_historic",
           "scenario_intensity", "scenario_intensity_at", "comparison_table"]

DEFAULT_PATH = Path(__file__).with_name("data") / "historic_earthquakes.yaml"

_EVENT_REQUIRED = ("id", "name_en", "name_ru", "date", "magnitude", "magnitude_type",
                   "magnitude_source", "epicentre_lon", "epicentre_lat", "epicentre_source",
                   "depth_km", "depth_source", "cities")
_EVENT_OPTIONAL = ("depth_uncertain", "fault_trace", "trace_source", "notes",
                   "observed_deaths", "deaths_source")
_CITY_REQUIRED = ("city", "lon", "lat", "observed_msk", "observed_text", "scale", "source")
_CITY_OPTIONAL = ("uncertain",)
_SCALES = ("MSK-64", "MMI", "EMS-98")


@dataclass(frozen=True)
class CityObservation:
    """Intensity observed at a city [MSK-64 or the scale named], with its source."""

    city: str
    lon: float
    lat: float
    observed_msk: float | None
    observed_text: str
    scale: str
    source: str | None
    uncertain: bool = False


@dataclass(frozen=True)
class HistoricEvent:
    """A historic earthquake: magnitude [M], epicentre [°E, °N], depth [km], optional trace."""

    id: str
    name_en: str
    name_ru: str
    date: _dt.date
    magnitude: float
    magnitude_type: str
    magnitude_source: str
    epicentre_lon: float
    epicentre_lat: float
    epicentre_source: str
    depth_km: float
    depth_source: str
    cities: tuple[CityObservation, ...] = ()
    depth_uncertain: bool = False
    fault_trace: tuple[tuple[float, float], ...] | None = None
    trace_source: str | None = None
    notes: str | None = field(default=None)
    observed_deaths: float | None = None   # deaths of the event then [persons]
    deaths_source: str | None = None


def _err(path, where, msg, fix):
    return HazardError(f"{where}: {msg}", path=path, fix=fix)


def _float(path, where, key, v, lo=-math.inf, hi=math.inf):
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise _err(path, where, f"'{key}' must be a number, got {v!r}",
                   f"give {key} as a number") from None
    if not (lo <= x <= hi) or not math.isfinite(x):
        raise _err(path, where, f"'{key}'={x} outside {lo}…{hi}", f"correct {key}")
    return x


def _check_keys(path, where, rec, required, optional):
    if not isinstance(rec, dict):
        raise _err(path, where, "must be a mapping", "see the existing records for the layout")
    unknown = sorted(set(rec) - set(required) - set(optional))
    if unknown:
        raise _err(path, where, f"unknown key(s) {unknown}",
                   f"allowed keys: {sorted(required + optional)}")
    missing = [k for k in required if k not in rec]
    if missing:
        raise _err(path, where, f"missing key(s) {missing}", "add them (null where unknown "
                   "for observed_msk/source only)")


def load_historic(path=None) -> list[HistoricEvent]:
    """Load and validate the historic-earthquake file (default: the packaged YAML).

    Raises
    ------
    HazardError
        Naming the file and record: unknown or missing keys, an observed intensity without
        its source, magnitudes outside 4–8.5 [M], coordinates out of range, depth ≤ 0 [km],
        duplicate ids, bad dates.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    if not path.exists():
        raise HazardError("historic-earthquake file not found", path=path,
                          fix="check the path or omit it to use the packaged file")
    try:
        doc = read_yaml(path)
    except yaml.YAMLError as e:
        raise HazardError(f"invalid YAML: {e}", path=path, fix="repair the YAML syntax") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise HazardError("top level must be a mapping with a list 'events'", path=path,
                          fix="start the file with 'events:' followed by the records")
    unknown_top = sorted(set(doc) - {"version", "events"})
    if unknown_top:
        raise HazardError(f"unknown top-level key(s) {unknown_top}", path=path,
                          fix="allowed: version, events")
    events, seen = [], set()
    for i, rec in enumerate(doc["events"]):
        where = f"events[{i}]" + (f" ({rec.get('id')})" if isinstance(rec, dict) else "")
        _check_keys(path, where, rec, _EVENT_REQUIRED, _EVENT_OPTIONAL)
        if rec["id"] in seen:
            raise _err(path, where, f"duplicate id {rec['id']!r}", "give each event its own id")
        seen.add(rec["id"])
        for k in ("magnitude_source", "epicentre_source", "depth_source"):
            if not rec[k]:
                raise _err(path, where, f"'{k}' is empty", "name the source of the value")
        date = rec["date"]
        if isinstance(date, str):
            try:
                date = _dt.date.fromisoformat(date)
            except ValueError:
                raise _err(path, where, f"bad date {rec['date']!r}", "use YYYY-MM-DD") from None
        elif not isinstance(date, _dt.date):
            raise _err(path, where, f"bad date {date!r}", "use YYYY-MM-DD")
        cities = []
        if not isinstance(rec["cities"], list) or not rec["cities"]:
            raise _err(path, where, "'cities' must be a non-empty list",
                       "list the affected cities")
        for j, c in enumerate(rec["cities"]):
            cw = f"{where}.cities[{j}]"
            _check_keys(path, cw, c, _CITY_REQUIRED, _CITY_OPTIONAL)
            obs = c["observed_msk"]
            if obs is not None:
                obs = _float(path, cw, "observed_msk", obs, 1.0, 12.0)
                if not c["source"]:
                    raise _err(path, cw, "observed_msk given without its 'source'",
                               "add the source of the observed intensity or set it to null")
            if c["scale"] not in _SCALES:
                raise _err(path, cw, f"unknown scale {c['scale']!r}", f"use one of {_SCALES}")
            cities.append(CityObservation(
                city=str(c["city"]), lon=_float(path, cw, "lon", c["lon"], -180, 180),
                lat=_float(path, cw, "lat", c["lat"], -90, 90), observed_msk=obs,
                observed_text=str(c["observed_text"]), scale=c["scale"],
                source=c["source"], uncertain=bool(c.get("uncertain", False))))
        trace = rec.get("fault_trace")
        if trace is not None:
            if not rec.get("trace_source"):
                raise _err(path, where, "fault_trace given without 'trace_source'",
                           "add the source of the trace coordinates")
            try:
                trace = tuple((float(p[0]), float(p[1])) for p in trace)
            except (TypeError, ValueError, IndexError):
                raise _err(path, where, "fault_trace must be a list of [lon, lat] points",
                           "give at least two [lon, lat] pairs") from None
            if len(trace) < 2:
                raise _err(path, where, "fault_trace needs at least two points",
                           "give at least two [lon, lat] pairs")
        deaths = rec.get("observed_deaths")
        if deaths is not None:
            deaths = _float(path, where, "observed_deaths", deaths, 0.0)
            if not rec.get("deaths_source"):
                raise _err(path, where, "observed_deaths given without 'deaths_source'",
                           "add the source of the death toll or remove it")
        events.append(HistoricEvent(
            id=str(rec["id"]), name_en=str(rec["name_en"]), name_ru=str(rec["name_ru"]),
            date=date, magnitude=_float(path, where, "magnitude", rec["magnitude"], 4.0, 8.5),
            magnitude_type=str(rec["magnitude_type"]),
            magnitude_source=str(rec["magnitude_source"]),
            epicentre_lon=_float(path, where, "epicentre_lon", rec["epicentre_lon"], -180, 180),
            epicentre_lat=_float(path, where, "epicentre_lat", rec["epicentre_lat"], -90, 90),
            epicentre_source=str(rec["epicentre_source"]),
            depth_km=_float(path, where, "depth_km", rec["depth_km"], 0.1, 700.0),
            depth_source=str(rec["depth_source"]), cities=tuple(cities),
            depth_uncertain=bool(rec.get("depth_uncertain", False)), fault_trace=trace,
            trace_source=rec.get("trace_source"), notes=rec.get("notes"),
            observed_deaths=deaths, deaths_source=rec.get("deaths_source")))
    return events


def _distance_to_trace_km(trace, lon, lat):
    """Shortest distance [km] from a point to a polyline (local equirectangular projection)."""
    lon0, lat0 = float(lon), float(lat)
    k = 6371.0088 * math.pi / 180.0
    pts = np.array([((p[0] - lon0) * k * math.cos(math.radians(lat0)), (p[1] - lat0) * k)
                    for p in trace])
    best = math.inf
    for a, b in zip(pts[:-1], pts[1:]):
        ab = b - a
        t = 0.0 if not ab.any() else float(np.clip(-(a @ ab) / (ab @ ab), 0.0, 1.0))
        best = min(best, float(np.hypot(*(a + t * ab))))
    return best


def scenario_intensity(event: HistoricEvent, lon: float, lat: float):
    """Modelled intensity [MSK-64] and σ at (lon, lat) for a historic event.

    Bindi et al. (2011) hypocentral form with the event's depth [km]; the distance is the
    epicentral distance [km], or the distance to the fault trace when the event has one.

    References
    ----------
    Bindi, D. et al. (2011). Intensity prediction equations for Central Asia. Geophys. J.
    Int. 187:327–337. https://doi.org/10.1111/j.1365-246X.2011.05142.x
    """
    if event.fault_trace:
        r = _distance_to_trace_km(event.fault_trace, lon, lat)
    else:
        r = float(haversine_km(event.epicentre_lon, event.epicentre_lat, lon, lat))
    i, sigma = bindi2011_intensity(event.magnitude, r, event.depth_km, form="hypocentral")
    return float(i), float(sigma)


def scenario_intensity_at(event: HistoricEvent, lons, lats) -> np.ndarray:
    """Modelled intensity [MSK-64] of a historic event at many sites (as
    :func:`scenario_intensity`, vectorised over epicentral distance; point by point along a
    fault trace)."""
    lons = np.asarray(lons, float)
    lats = np.asarray(lats, float)
    if event.fault_trace:
        r = np.array([_distance_to_trace_km(event.fault_trace, x, y) for x, y in zip(lons, lats)])
    else:
        r = np.asarray(haversine_km(event.epicentre_lon, event.epicentre_lat, lons, lats), float)
    i, _ = bindi2011_intensity(event.magnitude, r, event.depth_km, form="hypocentral")
    return np.asarray(i, float).reshape(lons.shape)


def comparison_table(events: list[HistoricEvent] | None = None) -> pd.DataFrame:
    """Modelled (Bindi 2011) vs observed intensity at each affected city.

    Columns: event, city, distance_km [km], modelled_msk [MSK-64], sigma, observed_msk
    [MSK-64] (NaN where not found), observed_text, residual (observed − modelled),
    within_1sigma, uncertain, source.
    """
    events = load_historic() if events is None else events
    rows = []
    for ev in events:
        for c in ev.cities:
            i, s = scenario_intensity(ev, c.lon, c.lat)
            dist = (_distance_to_trace_km(ev.fault_trace, c.lon, c.lat) if ev.fault_trace
                    else float(haversine_km(ev.epicentre_lon, ev.epicentre_lat, c.lon, c.lat)))
            obs = math.nan if c.observed_msk is None else c.observed_msk
            rows.append(dict(event=ev.id, city=c.city, distance_km=dist, modelled_msk=i,
                             sigma=s, observed_msk=obs, observed_text=c.observed_text,
                             residual=obs - i, within_1sigma=bool(abs(obs - i) <= s),
                             uncertain=c.uncertain or ev.depth_uncertain, source=c.source))
    return pd.DataFrame(rows)
