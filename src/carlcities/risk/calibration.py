"""The region's damaging earthquakes replayed on the exposure of their time: modelled deaths and
collapses beside the recorded ones, and USGS PAGER's empirical estimate.

The events and their exposure are in ``data/calibration_events.yaml`` (every value with its
source, assumptions flagged). For each event:

1. the rupture: a packaged historic event (``historic_id``, :mod:`carlcities.risk.historic`) or
   the event's own magnitude, epicentre and depth;
2. the exposure of its time: each settlement's population of the time × its building-stock
   mix (shares of residents by class) gives residents by class; buildings = residents /
   persons per building of the class (EMCA regional means); occupants = residents × the share
   indoors at the time of day (night or day). A settlement with ``radius_km`` is spread over
   seven points (its centre and six at 0.6 r), else it is one point;
3. ground motion: BSSA14 on the settlement's Vs30 with sampled between- and within-event
   residuals, ``realisations`` fields, through the loss engine
   (:func:`carlcities.risk.losses.scenario_losses`) — the same code the city scenarios use;
4. deaths: the occupants (fatality) curves; collapses: buildings × P(collapse | PGA) of
   :func:`carlcities.risk.vulnerability.carl_collapse_curves`; both as the mean and 5–95 %
   interval across fields;
5. PAGER: Jaiswal & Wald (2010) with the country's θ, β on the Bindi et al. (2011) intensity
   of each point and its residents (n/a where the packaged table has no parameters).

:func:`calibration_table` gives one row per event; ``within`` says whether the modelled mean
is inside [low / 3, high × 3] of the recorded range.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from carlcities.errors import HazardError
from carlcities.files import read_yaml

__all__ = ["CalibrationEvent", "Settlement", "DEFAULT_PATH", "RESULTS_PATH",
           "load_calibration_events", "event_exposure", "event_rupture", "replay",
           "calibration_table", "packaged_results", "RESULT_COLUMNS", "FACTOR",
           "historic_ruptures"]

DEFAULT_PATH = Path(__file__).with_name("data") / "calibration_events.yaml"
#: the packaged table of ``carlcities risk calibrate --write`` (read by the report)
RESULTS_PATH = Path(__file__).with_name("data") / "calibration_results.csv"
RESULT_COLUMNS = ("event", "exposure_year", "city_scale", "deaths", "deaths_lo", "deaths_hi",
                  "collapses", "collapses_lo", "collapses_hi", "destroyed_equiv", "pager",
                  "recorded_low", "recorded_high", "ratio", "within")
#: modelled deaths within [low / FACTOR, high × FACTOR] of the recorded range pass
FACTOR = 3.0


@dataclass(frozen=True)
class Settlement:
    """A settlement of the time: position [°], residents [persons], Vs30 [m/s], mix."""

    name: str
    lon: float
    lat: float
    population: float
    vs30: float
    mix: dict[str, float]
    radius_km: float = 0.0
    population_source: str = ""
    mix_source: str = ""


@dataclass(frozen=True)
class CalibrationEvent:
    """One replayed earthquake with its exposure of the time and its recorded toll."""

    id: str
    name_en: str
    name_ru: str
    magnitude: float
    lon: float
    lat: float
    depth_km: float
    exposure_year: int
    time: str
    city_scale: bool
    deaths: dict[str, Any]
    collapses: dict[str, Any] | None
    settlements: tuple[Settlement, ...]
    source: str
    country_iso3: str | None = None
    not_shaking: str | None = None
    #: finite rupture: {strike_deg, length_km (default Wells & Coppersmith 1994), source}
    rupture: dict[str, Any] | None = None
    #: the packaged historic event it replays (``historic_earthquakes.yaml``), if any
    historic_id: str | None = None


def _num(path, where, key, v, lo=-math.inf, hi=math.inf) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise HazardError(f"{where}: {key!r} must be a number, got {v!r}", path=path,
                          fix=f"give {key} as a number") from None
    if not (lo <= x <= hi):
        raise HazardError(f"{where}: {key}={x} outside {lo}…{hi}", path=path,
                          fix=f"correct {key}")
    return x


def load_calibration_events(path: str | Path | None = None) -> tuple[
        list[CalibrationEvent], dict[str, float], dict[str, float], str]:
    """The events, persons per building by class, the indoor shares (night, day) and their
    source, from the packaged YAML (or a user's file of the same form).

    Raises
    ------
    HazardError
        Naming the file and record: an unknown historic id, a class without persons per
        building, mix shares that do not sum to 1, a recorded range without its source.
    """
    from carlcities.risk.exposure.model import MACRO_CLASSES
    from carlcities.risk.historic import load_historic

    path = Path(path) if path else DEFAULT_PATH
    try:
        doc = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise HazardError(f"cannot read the calibration events: {exc}", path=path,
                          fix="give a YAML file like the packaged calibration_events.yaml"
                          ) from None
    ppb = {k: _num(path, "persons_per_building", k, v, 0.1) for k, v in
           (doc.get("persons_per_building") or {}).items()}
    indoor = {k: _num(path, "indoor_share", k, v, 0.0, 1.0) for k, v in
              (doc.get("indoor_share") or {}).items()}
    hist = {e.id: e for e in load_historic()}
    events = []
    for i, r in enumerate(doc.get("events") or []):
        where = f"events[{i}] ({r.get('id')})"
        base: dict[str, Any]
        if r.get("historic_id"):
            h = hist.get(r["historic_id"])
            if h is None:
                raise HazardError(f"{where}: unknown historic_id {r['historic_id']!r}",
                                  path=path, fix="use an id of `carlcities risk events`")
            base = dict(name_en=h.name_en, name_ru=h.name_ru, magnitude=h.magnitude,
                        lon=h.epicentre_lon, lat=h.epicentre_lat, depth_km=h.depth_km,
                        source=f"historic_earthquakes.yaml {h.id}: {h.magnitude_source}")
        else:
            base = dict(name_en=str(r["name_en"]), name_ru=str(r["name_ru"]),
                        magnitude=_num(path, where, "magnitude", r.get("magnitude"), 4, 8.5),
                        lon=_num(path, where, "epicentre_lon", r.get("epicentre_lon"), -180,
                                 180),
                        lat=_num(path, where, "epicentre_lat", r.get("epicentre_lat"), -90, 90),
                        depth_km=_num(path, where, "depth_km", r.get("depth_km"), 0.1, 700),
                        source=str(r.get("source") or ""))
        d = r.get("deaths") or {}
        for rec, name in ((d, "deaths"), (r.get("collapses"), "collapses")):
            if rec is None and name == "collapses":
                continue
            if not rec or not rec.get("source") or "low" not in rec or "high" not in rec:
                raise HazardError(f"{where}: {name} needs low, high and source", path=path,
                                  fix="give the recorded range and where it comes from")
        setts = []
        for j, s in enumerate(r.get("settlements") or []):
            sw = f"{where}.settlements[{j}]"
            mix = {str(k): _num(path, sw, f"mix.{k}", v, 0, 1) for k, v in s["mix"].items()}
            bad = [k for k in mix if k not in MACRO_CLASSES or k not in ppb]
            if bad:
                raise HazardError(f"{sw}: class(es) {bad} unknown or without persons per "
                                  "building", path=path,
                                  fix="use carlcities classes listed in persons_per_building")
            if abs(sum(mix.values()) - 1.0) > 1e-6:
                raise HazardError(f"{sw}: mix shares sum to {sum(mix.values()):.3f}",
                                  path=path, fix="shares of residents by class sum to 1")
            setts.append(Settlement(
                name=str(s["name"]), lon=_num(path, sw, "lon", s["lon"], -180, 180),
                lat=_num(path, sw, "lat", s["lat"], -90, 90),
                population=_num(path, sw, "population", s["population"], 0),
                vs30=_num(path, sw, "vs30", s.get("vs30", 760), 150, 1500), mix=mix,
                radius_km=_num(path, sw, "radius_km", s.get("radius_km", 0.0), 0, 100),
                population_source=str(s.get("population_source", "")),
                mix_source=str(s.get("mix_source", ""))))
        if not setts:
            raise HazardError(f"{where}: no settlements", path=path,
                              fix="list the settlements of the time")
        if r.get("time") not in indoor:
            raise HazardError(f"{where}: time {r.get('time')!r} has no indoor share",
                              path=path, fix=f"use one of {sorted(indoor)}")
        rup = r.get("rupture")
        if rup is not None:
            if not isinstance(rup, dict) or "strike_deg" not in rup or not rup.get("source"):
                raise HazardError(f"{where}: rupture needs strike_deg and source", path=path,
                                  fix="give rupture: {strike_deg: ..., source: ...}")
            rup = dict(rup, strike_deg=_num(path, where, "rupture.strike_deg",
                                            rup["strike_deg"], 0, 360))
            for key, lo, hi in (("centre_lon", -180, 180), ("centre_lat", -90, 90)):
                if key in rup:
                    rup[key] = _num(path, where, f"rupture.{key}", rup[key], lo, hi)
            if "length_km" in rup:
                rup["length_km"] = _num(path, where, "rupture.length_km", rup["length_km"],
                                        0.1, 1500)
        events.append(CalibrationEvent(rupture=rup, historic_id=r.get("historic_id"),
            id=str(r["id"]), exposure_year=int(r["exposure_year"]), time=str(r["time"]),
            city_scale=bool(r.get("city_scale", False)), deaths=dict(d),
            collapses=r.get("collapses"), settlements=tuple(setts),
            not_shaking=r.get("not_shaking"), country_iso3=r.get("country_iso3"), **base))
    return events, ppb, indoor, str(doc.get("indoor_source", ""))


def _points(s: Settlement) -> list[tuple[float, float, float]]:
    """(lon, lat, share of residents) of a settlement's points."""
    if s.radius_km <= 0:
        return [(s.lon, s.lat, 1.0)]
    k = 0.6 * s.radius_km / 111.2
    pts = [(s.lon, s.lat, 1 / 7)]
    for a in np.arange(6) * np.pi / 3:
        pts.append((s.lon + k * math.cos(a) / math.cos(math.radians(s.lat)),
                    s.lat + k * math.sin(a), 1 / 7))
    return pts


def event_exposure(ev: CalibrationEvent, ppb: dict[str, float], indoor: dict[str, float]):
    """The exposure of the event's time: one asset per (point, class); value = buildings (so
    the engine's loss is in destroyed-building equivalents) [see the module docstring]."""
    from carlcities.risk.exposure import MACRO_CLASSES, Exposure

    classes = tuple(MACRO_CLASSES)
    rows = []
    for s in ev.settlements:
        for lon, lat, w in _points(s):
            for k, share in s.mix.items():
                n = s.population * w * share
                if n > 0:
                    rows.append((0, lon, lat, classes.index(k), n, n / ppb[k], s.vs30))
    site_of: dict[tuple[float, float], int] = {}
    site = np.array([site_of.setdefault((r[1], r[2]), len(site_of)) for r in rows])
    res = np.array([r[4] for r in rows])
    bld = np.array([r[5] for r in rows])
    occ = res * indoor[ev.time]
    z = np.zeros(len(rows))
    vs = np.zeros(len(site_of))
    vs[site] = [r[6] for r in rows]
    expo = Exposure(site=site, x=z * np.nan, y=z * np.nan, lon=np.array([r[1] for r in rows]),
                    lat=np.array([r[2] for r in rows]),
                    taxonomy=np.array([r[3] for r in rows], np.int64),
                    taxonomies=classes, occupancy=np.full(len(rows), "Res"), buildings=bld,
                    floor_area_m2=z, value_structural=bld, value_nonstructural=z,
                    value_contents=z, occupants_day=occ, occupants_night=occ,
                    occupants_transit=occ, meta=dict(source=f"calibration exposure {ev.id}"))
    return expo, vs, res


def event_rupture(ev: CalibrationEvent):
    """The event's :class:`~carlcities.risk.losses.LineRupture` (centred on the epicentre, along
    the recorded strike, length given or from Wells & Coppersmith 1994), or None (point)."""
    from carlcities.risk.losses import LineRupture, wells_coppersmith_length_km

    if not ev.rupture:
        return None
    length = float(ev.rupture.get("length_km") or wells_coppersmith_length_km(ev.magnitude))
    return LineRupture(float(ev.rupture.get("centre_lon", ev.lon)),
                       float(ev.rupture.get("centre_lat", ev.lat)),
                       float(ev.rupture["strike_deg"]), length)


def historic_ruptures(path: str | Path | None = None) -> dict[str, Any]:
    """The finite ruptures of the calibration events by the id of the packaged historic event
    they replay (``{historic_id: LineRupture}``), for the city runs' historic scenarios (read
    once per file and process)."""
    key = str(Path(path).resolve()) if path else ""
    if key not in _RUPTURES:
        events, _, _, _ = load_calibration_events(path)
        out = {}
        for ev in events:
            rup = event_rupture(ev) if ev.historic_id else None
            if rup is not None:
                out[str(ev.historic_id)] = rup
        _RUPTURES[key] = out
    return dict(_RUPTURES[key])


_RUPTURES: dict[str, dict[str, Any]] = {}


def replay(ev: CalibrationEvent, ppb: dict[str, float], indoor: dict[str, float], *,
           realisations: int = 200, seed: int = 0, models=None,
           casualty: dict[str, Any] | None = None, finite_fault: bool = True
           ) -> dict[str, Any]:
    """Modelled deaths and collapses of one event on its exposure (module docstring).

    ``casualty``: keyword arguments of
    :func:`~carlcities.risk.vulnerability.carl_casualty_curves` (``imt``, ``scale``, ``beta``,
    ``collapse``) to try other values than the calibrated ones; ``finite_fault=False``
    replays every event as a point source."""
    from carlcities.risk.historic import HistoricEvent, scenario_intensity_at
    from carlcities.risk.losses import CurveSet, EventSet, scenario_losses
    from carlcities.risk.pager import expected_fatalities, load_pager_models
    from carlcities.risk.sites import ground_motion_fn
    from carlcities.risk.vulnerability import carl_casualty_curves, load_default_models

    models = models or load_default_models()
    expo, vs, residents = event_exposure(ev, ppb, indoor)
    st = models["structural"]
    cas = dict(casualty or {})
    cimt = str(cas.get("imt", "SA(1.0)"))
    oc, col = carl_casualty_curves(**cas)
    loss_c = CurveSet.from_functions({t: st[t] for t in expo.taxonomies})
    fat_c = CurveSet.from_functions({t: oc[t] for t in expo.taxonomies})
    col_c = CurveSet.from_functions({t: col[t] for t in expo.taxonomies})
    rup = event_rupture(ev) if finite_fault else None
    one = EventSet(event_id=np.array([0]), rate=np.array([0.0]),
                   mag=np.array([min(ev.magnitude, 8.5)]), lon=np.array([ev.lon]),
                   lat=np.array([ev.lat]))
    gm = ground_motion_fn("bssa2014")
    tod = "night" if ev.time == "night" else "day"
    kw = dict(vs30=vs, n_realisations=realisations, seed=seed, below_min="zero", rupture=rup)
    r = scenario_losses(one, expo, loss_c, gm, imt=loss_c.imt or "PGA", **kw)
    c = scenario_losses(one, expo, col_c, gm, imt=cimt, fatality_curves=fat_c,
                        time_of_day=tod, **kw)
    h = HistoricEvent(id=ev.id, name_en=ev.name_en, name_ru=ev.name_ru,
                      date=_dt.date(ev.exposure_year, 1, 1), magnitude=ev.magnitude,
                      magnitude_type="", magnitude_source="", epicentre_lon=ev.lon,
                      epicentre_lat=ev.lat, epicentre_source="", depth_km=ev.depth_km,
                      depth_source="")
    lon = np.array([expo.lon[expo.site == s][0] for s in range(vs.size)])
    lat = np.array([expo.lat[expo.site == s][0] for s in range(vs.size)])
    msk = scenario_intensity_at(h, lon, lat)
    res_site = np.bincount(expo.site, weights=residents, minlength=vs.size)
    pager = load_pager_models().get(ev.country_iso3 or _country(ev))
    f_pager = expected_fatalities(msk, res_site, pager) if pager else None
    return dict(event=ev.id, name_en=ev.name_en, name_ru=ev.name_ru, magnitude=ev.magnitude,
                exposure_year=ev.exposure_year, time=ev.time, city_scale=ev.city_scale,
                population=float(residents.sum()), buildings=float(expo.buildings.sum()),
                msk_max=float(msk.max()), deaths=c.fatalities_mean,
                deaths_lo=c.fatalities_interval[0], deaths_hi=c.fatalities_interval[1],
                rupture_km=(rup.length_km if rup else 0.0),
                collapses=c.buildings_mean, collapses_lo=c.buildings_interval[0],
                collapses_hi=c.buildings_interval[1], destroyed_equiv=r.buildings_mean,
                pager=f_pager, recorded_low=float(ev.deaths["low"]),
                recorded_high=float(ev.deaths["high"]), deaths_source=ev.deaths["source"],
                collapses_recorded=(float(ev.collapses["low"]) if ev.collapses else None),
                collapses_source=(ev.collapses["source"] if ev.collapses else None),
                not_shaking=ev.not_shaking)


def _country(ev: CalibrationEvent) -> str:
    """ISO3 of the event's country from its epicentre (the five countries' boxes; else '')."""
    from carlcities.catalog import load_catalog

    best, dist = "", math.inf
    for c in load_catalog():
        d = math.hypot(c.lon - ev.lon, c.lat - ev.lat)
        if d < dist:
            best, dist = c.country_iso3, d
    return best if dist < 3.0 else ""


def calibration_table(path: str | Path | None = None, *, realisations: int = 200,
                      seed: int = 0, models=None, casualty: dict[str, Any] | None = None,
                      finite_fault: bool = True) -> pd.DataFrame:
    """One row per event (:func:`replay`), with ``ratio`` = modelled deaths / the recorded
    range's nearest end (1 inside it) and ``within`` = inside [low / 3, high × 3]."""
    events, ppb, indoor, _ = load_calibration_events(path)
    rows = [replay(e, ppb, indoor, realisations=realisations, seed=seed, models=models,
                   casualty=casualty, finite_fault=finite_fault) for e in events]
    df = pd.DataFrame(rows)
    lo, hi, m = df["recorded_low"], df["recorded_high"], df["deaths"]
    df["ratio"] = np.where(m < lo, m / lo, np.where(m > hi, m / hi, 1.0))
    df["within"] = (m >= lo / FACTOR) & (m <= hi * FACTOR)
    return df


def packaged_results(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The packaged calibration table (:data:`RESULTS_PATH`, written by
    ``carlcities risk calibrate --write`` with 200 fields, seed 0) by event id; {} when the file
    is absent. The test suite checks it against a fresh :func:`calibration_table`."""
    p = Path(path) if path else RESULTS_PATH
    if not p.exists():
        return {}
    df = pd.read_csv(p)
    return {str(r["event"]): r for r in df.to_dict(orient="records")}
