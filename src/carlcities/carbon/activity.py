"""Activity data of a city: proxies from the sourced defaults, replaced line by line by user data.

An activity line is one quantity in its canonical unit: fuel burnt [TJ], electricity or
district heat consumed [MWh], heat and power produced by CHP plants [MWh], waste landfilled
[t], residents served by sewers [person] or, where only national figures exist, emissions
downscaled by population [t CO2e]. Each line says whether a default stood in for data
(``proxy=True``) and which defaults (:attr:`ActivityLine.proxies`).

Proxies (every default from ``data/carbon_parameters.csv``):

* floor area: built-up surface × mean storeys by Atlas class (urban, suburban, rural) ×
  residential share, when the city grid is given; population × floor area per person otherwise;
* heat demand: floor area × intensity; the intensity of Soviet-era stock measured in
  northern Kazakhstan is scaled by the ratio of heating degree days, and floor area built
  since the first epoch gets the lower normative intensity;
* heating degree days from a sinusoidal year between the January and annual mean
  temperatures (base 18 °C); temperatures of cities without a normal are fitted on latitude
  with the standard lapse rate for elevation;
* district heating share, network losses, CHP share and fuel; fuels of individual heating;
* electricity per person (national) split by sector; cars per 1,000, km per car and energy
  per km; buses; municipal solid waste per person; wastewater from population.

User data: a CSV or Excel file with columns ``sector, subsector, activity, fuel, value,
unit`` (optional ``vehicle_class, year, source``) replaces the proxy line with the same
``(sector, subsector, activity, vehicle_class, fuel)``; a user ``fuel`` line in a sub-sector
whose proxy was downscaled ``emissions`` replaces that line too. Units are checked: a value in
kWh where TJ is expected is an error.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.carbon import factors as F
from carlcities.carbon.parameters import Parameters, UnitMismatchError, quantity
from carlcities.errors import DataValueError, InputFileError

__all__ = ["ActivityLine", "Activity", "EXPECTED_UNITS", "heating_degree_days",
           "proxy_activity", "read_user_activity", "apply_user_activity", "city_climate"]

#: canonical unit of each activity
EXPECTED_UNITS = {"fuel": "TJ", "electricity": "MWh", "district_heat": "MWh",
                  "chp_fuel": "TJ", "hob_fuel": "TJ", "chp_heat": "MWh", "chp_power": "MWh",
                  "hob_heat": "MWh", "emissions": "t CO2e", "msw_landfilled": "t",
                  "population_served": "person"}
#: the GPC sub-sectors of BASIC this package covers (sector, subsector)
SUBSECTORS = {("stationary", "residential"), ("stationary", "commercial"),
              ("stationary", "manufacturing"), ("stationary", "energy_industries"),
              ("transport", "on_road"), ("transport", "rail"), ("waste", "solid"),
              ("waste", "wastewater")}
VEHICLE_CLASSES = ("car", "bus", "truck", "metro", "trolleybus", "tram", "train", "")


@dataclass(frozen=True)
class ActivityLine:
    """One activity quantity [``unit``] of a GPC sub-sector."""

    sector: str
    subsector: str
    activity: str
    fuel: str
    value: float
    unit: str
    vehicle_class: str = ""
    source: str = ""
    proxy: bool = True
    proxies: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.sector, self.subsector, self.activity, self.vehicle_class, self.fuel)


@dataclass
class Activity:
    """All activity lines of a city-year, with the drivers the pathways need."""

    city_id: str
    year: int
    population: float
    lines: list[ActivityLine]
    proxies: list[dict[str, Any]] = field(default_factory=list)
    drivers: dict[str, float] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    grids: dict[str, Any] = field(default_factory=dict)

    def total(self, **match: str) -> float:
        return sum(ln.value for ln in self.lines
                   if all(getattr(ln, k) == v for k, v in match.items()))


# ----------------------------------------------------------------------------- climate
def heating_degree_days(t_annual_c: float, t_january_c: float, base_c: float = 18.0) -> float:
    """Heating degree days [K·d] of a sinusoidal year.

    Daily mean temperature T(d) = Tₐ − A·cos(2π(d − 15)/365), with A = Tₐ − T_jan (coldest
    around 15 January); HDD = Σ_d max(0, base − T(d)) over the 365 days.
    """
    amp = t_annual_c - t_january_c
    d = np.arange(365)
    t = t_annual_c - amp * np.cos(2 * math.pi * (d - 15) / 365.0)
    return float(np.clip(base_c - t, 0.0, None).sum())


def city_climate(city, params: Parameters, used: list[dict[str, Any]]) -> dict[str, float]:
    """Annual and January mean temperatures [°C] of ``city`` and how they were found.

    Where the parameter file has no normal for the city, the temperature is fitted on the
    cities that have one: T = a + b·latitude + Γ·elevation, Γ = −6.5 K/km (ICAO standard
    atmosphere), a and b by least squares.
    """
    from carlcities.catalog import load_catalog

    out: dict[str, float] = {}
    cat = None
    lapse = params.number("lapse_rate_c_per_km", city.city_id, city.country_iso3, "degC/km")
    for key in ("t_annual_c", "t_january_c"):
        own = [p for p in params if p.key == key and p.country == city.city_id]
        if own:
            out[key] = params.number(key, city.city_id, city.country_iso3, "degC", used,
                                     stands_for="climate normal")
            continue
        cat = cat or load_catalog()
        xs, ys = [], []
        for p in params:
            if p.key == key and p.country in cat.ids:
                c = cat.get(p.country)
                xs.append(c.lat)
                ys.append(float(p.value) - lapse * c.elevation_m / 1000.0)
        b, a = np.polyfit(np.asarray(xs), np.asarray(ys), 1)
        out[key] = float(a + b * city.lat + lapse * city.elevation_m / 1000.0)
        used.append(dict(key=key, value=round(out[key], 2), unit="degC", level="fitted",
                         scope="fit", fallback=True, confidence="low", year="normal",
                         source=f"fitted on {len(xs)} city normals: {a:.2f} + {b:.3f}·lat "
                                f"{lapse:+.1f}·elev_km", stands_for="climate normal"))
    return out


# ----------------------------------------------------------------------------- proxies
def _floor_area(city, pop: float, grid_data: dict[str, Any] | None, params: Parameters,
                used: list[dict[str, Any]], method: str = "per_person"
                ) -> tuple[float, float, float, dict[str, Any]]:
    """Residential and commercial floor area [m²] and the share built before the first epoch.

    ``method='per_person'`` (default): population × floor area per person (GEM / census),
    the built-up grid only giving the spatial pattern and the age split; ``'builtup'``:
    built-up surface × storeys by Atlas class × residential share (needs the grid). Both
    figures are recorded when the grid is given.
    """
    cid, iso = city.city_id, city.country_iso3
    info: dict[str, Any] = {}
    old_share = 1.0
    grid_res: float | None = None
    grid_com: float | None = None
    if grid_data is not None and grid_data.get("builtup") is not None:
        from carlcities.indicators import atlas as A

        share = np.nan_to_num(np.asarray(grid_data["builtup"], dtype=float), nan=0.0)
        cell_m2 = float(grid_data["cell_area_m2"])
        classes = grid_data.get("classes")
        st = {k: params.number(f"storeys_{k}", cid, iso, "", used, "building heights")
              for k in ("urban", "suburban", "rural")}
        storeys = np.full(share.shape, st["rural"])
        if classes is not None:
            storeys[classes == A.URBAN] = st["urban"]
            storeys[classes == A.SUBURBAN] = st["suburban"]
        floor = share * cell_m2 * storeys
        res_share = params.number("residential_floor_share", cid, iso, "", used,
                                  "floor-area use split")
        grid_res = float(floor.sum()) * res_share
        grid_com = float(floor.sum()) * (1 - res_share)
        first = grid_data.get("builtup_first")
        if first is not None:
            old = np.minimum(np.nan_to_num(np.asarray(first, float), nan=0.0), share)
            old_share = float((old * cell_m2 * storeys).sum() / max(floor.sum(), 1e-9))
        info.update(floor_grid=floor, grid_floor_res_m2=grid_res,
                    grid_floor_m2_per_person=grid_res / pop)
    else:
        p_first = grid_data.get("population_first") if grid_data else None
        old_share = min(1.0, p_first / pop) if p_first else 1.0
    if method == "builtup" and grid_res is not None and grid_com is not None:  # set together
        res, com = grid_res, float(grid_com)
        info.update(method="built-up surface × storeys by Atlas class")
    else:
        fpp = params.number("floor_area_per_person", cid, iso, "m^2/person", used,
                            "residential floor area")
        res = pop * fpp
        com = res * params.number("commercial_floor_ratio", cid, iso, "", used,
                                  "commercial floor area")
        info.update(method="population × floor area per person" + (
            " (built-up × storeys gives the map and the age split)" if grid_res else ""))
    return res, com, old_share, info


def proxy_activity(city, year: int, population: float, params: Parameters,
                   grid_data: dict[str, Any] | None = None,
                   floor_area: str = "per_person") -> Activity:
    """Activity lines of ``city`` in ``year`` from the sourced defaults (every line a proxy).

    ``grid_data`` (optional): ``builtup`` (2-D share), ``builtup_first`` (share in the first
    epoch), ``classes`` (Atlas classes), ``cell_area_m2``, ``population_first``.
    """
    if not population > 0:
        raise DataValueError(f"population of {city.city_id} in {year} is {population}",
                             fix="give a positive population")
    cid, iso = city.city_id, city.country_iso3
    lines: list[ActivityLine] = []
    drivers: dict[str, float] = {"population": population}

    def add(sector, subsector, activity, fuel, value, unit, used, vclass="", note=""):
        srcs = tuple(sorted({f"{u['key']} ({u['scope']})" for u in used}))
        lines.append(ActivityLine(sector, subsector, activity, fuel, float(value), unit, vclass,
                                  source="; ".join(srcs), proxy=True, proxies=srcs, note=note))

    allused: list[list[dict[str, Any]]] = []

    def U() -> list[dict[str, Any]]:
        lst: list[dict[str, Any]] = []
        allused.append(lst)
        return lst

    # --- buildings: heat --------------------------------------------------------------
    u_fa = U()
    res_m2, com_m2, old_share, fa_info = _floor_area(city, population, grid_data, params, u_fa,
                                                     floor_area)
    u_cl = U()
    clim = city_climate(city, params, u_cl)
    base = params.number("hdd_base_c", cid, iso, "", u_cl, "heating degree days")
    hdd = heating_degree_days(clim["t_annual_c"], clim["t_january_c"], base)
    from carlcities.catalog import load_catalog

    ref_id = params.text("heat_intensity_reference_city", cid, iso, u_cl)
    ref = load_catalog().get(ref_id)
    ref_clim = city_climate(ref, params, [])
    hdd_ref = heating_degree_days(ref_clim["t_annual_c"], ref_clim["t_january_c"], base)
    q_old = params.number("heat_intensity_soviet", cid, iso, "kWh/m^2/year", u_cl,
                          "heat demand intensity") * hdd / hdd_ref
    q_new = q_old * params.number("heat_intensity_new_ratio", cid, iso, "", u_cl,
                                  "intensity of newer floor area")
    q = old_share * q_old + (1 - old_share) * q_new
    drivers.update(hdd=hdd, hdd_ref=hdd_ref, heat_intensity=q, heat_intensity_old=q_old,
                   heat_intensity_new=q_new, old_share=old_share, floor_res_m2=res_m2,
                   floor_com_m2=com_m2, t_annual_c=clim["t_annual_c"],
                   t_january_c=clim["t_january_c"])
    u_dh = U()
    dh = params.number("dh_share", cid, iso, "", u_dh, "district heating share")
    loss = params.number("dh_losses", cid, iso, "", u_dh, "district heating losses")
    chp_share = params.number("dh_chp_share", cid, iso, "", u_dh, "CHP share of district heat")
    dh_fuel = F.fuel(params.text("dh_fuel", cid, iso, u_dh, "district heating fuel")).id
    mix = params.mix("heat_fuel_mix", cid, iso, u_dh, "individual heating fuels")
    drivers.update(dh_share=dh, dh_losses=loss, dh_chp_share=chp_share)
    dh_delivered = 0.0
    for sub, m2 in (("residential", res_m2), ("commercial", com_m2)):
        demand = m2 * q / 1000.0  # MWh/yr
        drivers[f"heat_{sub}_mwh"] = demand
        dh_delivered += demand * dh
        add("stationary", sub, "district_heat", "", demand * dh, "MWh", u_fa + u_cl + u_dh)
        for f, share in mix.items():
            if f == "electricity":
                continue  # electric heating is inside electricity per person (IE)
            eff = params.number(f"stove_efficiency_{F.fuel(f).id}", cid, iso, "", u_dh,
                                "heater efficiency")
            tj = demand * (1 - dh) * share / eff * 3.6e-3
            add("stationary", sub, "fuel", F.fuel(f).id, tj, "TJ", u_fa + u_cl + u_dh)
    # district heat production (energy industries, grid-supplied: GPC I.4.4)
    u_chp = U()
    produced = dh_delivered / (1 - loss) if loss < 1 else 0.0
    hp = params.number("chp_heat_to_power", cid, iso, "", u_chp, "CHP heat-to-power ratio")
    eta = params.number("chp_total_efficiency", cid, iso, "", u_chp, "CHP efficiency")
    eta_b = params.number("boiler_efficiency", cid, iso, "", u_chp, "boiler efficiency")
    chp_heat = produced * chp_share
    hob_heat = produced - chp_heat
    eta_h = eta * hp / (1 + hp)
    chp_fuel_tj = chp_heat / eta_h * 3.6e-3 if eta_h > 0 else 0.0
    add("stationary", "energy_industries", "chp_fuel", dh_fuel, chp_fuel_tj, "TJ", u_dh + u_chp)
    add("stationary", "energy_industries", "chp_heat", "", chp_heat, "MWh", u_dh + u_chp)
    add("stationary", "energy_industries", "chp_power", "", chp_heat / hp, "MWh", u_dh + u_chp)
    add("stationary", "energy_industries", "hob_fuel", dh_fuel, hob_heat / eta_b * 3.6e-3, "TJ",
        u_dh + u_chp)
    add("stationary", "energy_industries", "hob_heat", "", hob_heat, "MWh", u_dh + u_chp)
    # --- electricity --------------------------------------------------------------------
    u_el = U()
    epp = params.number("electricity_per_person", cid, iso, "MWh/person/year", u_el,
                        "electricity consumption")
    shares = {sub: params.number(f"electricity_share_{sub}", cid, iso, "", u_el,
                                 f"{sub} share of electricity")
              for sub in ("residential", "commercial", "manufacturing")}
    if sum(shares.values()) > 1.0 + 1e-9:
        raise DataValueError(
            f"the electricity shares of {cid} sum to {sum(shares.values()):.3f} > 1 "
            f"({', '.join(f'{k} {v:g}' for k, v in shares.items())}): a city or country row "
            "of one sector is combined with regional rows of the others",
            path=params.path, fix="give all three electricity_share_* rows for the same scope")
    for sub, sh in shares.items():
        add("stationary", sub, "electricity", "", population * epp * sh, "MWh", u_el)
    drivers["street_light_mwh"] = population * params.number(
        "street_light_kwh_per_person", cid, iso, "MWh/person/year", u_el, "street lighting")
    # --- manufacturing fuel: national emissions downscaled by population ----------------
    u_man = U()
    man = params.number("manufacturing_combustion_per_person", cid, iso,
                        "t CO2e/person/year", u_man, "manufacturing fuel combustion")
    add("stationary", "manufacturing", "emissions", "", population * man, "t CO2e", u_man,
        note="national emissions downscaled by population")
    # --- transport ----------------------------------------------------------------------
    u_car = U()
    cars = population * params.number("cars_per_1000", cid, iso, "vehicle/person", u_car,
                                      "car ownership")
    km = params.number("km_per_car", cid, iso, "km/vehicle/year", u_car, "distance per car")
    mj = params.number("car_energy", cid, iso, "MJ/km", u_car, "car energy use")
    drivers.update(cars=cars, km_per_car=km, car_mj_per_km=mj)
    for f, share in params.mix("car_fuel_mix", cid, iso, u_car, "car fuels").items():
        add("transport", "on_road", "fuel", F.fuel(f).id, cars * km * mj * share * 1e-6, "TJ",
            u_car, vclass="car")
    u_bus = U()
    buses = population * params.number("buses_per_1000", cid, iso, "vehicle/person", u_bus,
                                       "bus fleet")
    bkm = params.number("km_per_bus", cid, iso, "km/vehicle/year", u_bus, "distance per bus")
    bmj = params.number("bus_energy", cid, iso, "MJ/km", u_bus, "bus energy use")
    drivers.update(buses=buses, km_per_bus=bkm, bus_mj_per_km=bmj)
    for f, share in params.mix("bus_fuel_mix", cid, iso, u_bus, "bus fuels").items():
        add("transport", "on_road", "fuel", F.fuel(f).id, buses * bkm * bmj * share * 1e-6, "TJ",
            u_bus, vclass="bus")
    # --- waste --------------------------------------------------------------------------
    u_w = U()
    msw = population * params.number("msw_per_person", cid, iso, "t/person/year", u_w,
                                     "waste generation")
    coll = params.number("msw_collected_share", cid, iso, "", u_w, "collection coverage")
    land = params.number("msw_landfilled_share", cid, iso, "", u_w, "landfilled share")
    drivers["msw_generated_t"] = msw
    add("waste", "solid", "msw_landfilled", "", msw * coll * land, "t", u_w)
    add("waste", "wastewater", "population_served", "", population, "person", [])
    # the flat list of proxies: each default once, with what it stood in for
    seen: set[tuple[str, str]] = set()
    proxies: list[dict[str, Any]] = []
    for lst in allused:
        for rec in lst:
            k = (rec["key"], rec["scope"])
            if k not in seen:
                seen.add(k)
                proxies.append(rec)
    drivers["floor_method"] = 1.0 if fa_info["method"].startswith("built") else 0.0
    act = Activity(cid, year, population, lines, proxies, drivers)
    act.provenance.append(dict(step="activity", method=fa_info["method"],
                               hdd=round(hdd, 0), hdd_reference=round(hdd_ref, 0),
                               floor_m2_per_person=round(res_m2 / population, 1),
                               grid_floor_m2_per_person=fa_info.get("grid_floor_m2_per_person"),
                               old_share=round(old_share, 3)))
    if "floor_grid" in fa_info:
        act.grids["floor_m2"] = fa_info["floor_grid"]
    return act


# ----------------------------------------------------------------------------- user data
USER_COLUMNS = ("sector", "subsector", "activity", "fuel", "value", "unit")


def read_user_activity(path: str | Path) -> list[ActivityLine]:
    """Read a user activity file (CSV, or Excel .xlsx with the same columns on its first sheet).

    Raises
    ------
    InputFileError
        Missing file or columns.
    DataValueError
        Negative or non-numeric values, unknown sector or fuel (naming the file and row).
    UnitMismatchError
        A unit other than the canonical unit of the activity (e.g. kWh where TJ is expected);
        fuel may also be given as mass [t], converted with the IPCC net calorific value.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError("the activity data file does not exist", path=p,
                             fix="check data.activity in the config")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            import openpyxl
        except ImportError:  # pragma: no cover - depends on the environment
            raise InputFileError("reading Excel needs openpyxl", path=p,
                                 fix="pip install openpyxl, or save the sheet as CSV") from None
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip().lower() if h is not None else "" for h in next(it)]
        raw = [dict(zip(header, ("" if v is None else v for v in row))) for row in it
               if any(v not in (None, "") for v in row)]
        wb.close()
    else:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            rd = csv.DictReader(fh)
            header = [h.strip().lower() for h in (rd.fieldnames or [])]
            raw = [{k.strip().lower(): v for k, v in r.items() if k} for r in rd]
    missing = [c for c in USER_COLUMNS if c not in header]
    if missing:
        raise InputFileError(f"missing column(s) {', '.join(missing)}", path=p,
                             fix=f"the header must hold {', '.join(USER_COLUMNS)} "
                                 "(vehicle_class, year and source are optional)")
    out = []
    for i, r in enumerate(raw, start=2):
        where = f"{p.name} row {i}"
        sector, sub = str(r["sector"]).strip().lower(), str(r["subsector"]).strip().lower()
        if (sector, sub) not in SUBSECTORS:
            raise DataValueError(f"{where}: unknown sector/subsector {sector}/{sub}", path=p,
                                 fix="use one of " + ", ".join(f"{a}/{b}" for a, b in
                                                               sorted(SUBSECTORS)))
        act = str(r["activity"]).strip().lower()
        if act not in EXPECTED_UNITS:
            raise DataValueError(f"{where}: unknown activity {act!r}", path=p,
                                 fix="use one of " + ", ".join(EXPECTED_UNITS))
        try:
            value = float(r["value"])
        except (TypeError, ValueError):
            raise DataValueError(f"{where}: value {r['value']!r} is not a number", path=p,
                                 fix="write a number") from None
        if not math.isfinite(value) or value < 0:
            raise DataValueError(f"{where}: negative or missing activity ({value})", path=p,
                                 fix="activity data cannot be negative; give 0 for none")
        fuel = str(r.get("fuel") or "").strip()
        if act in ("fuel", "chp_fuel", "hob_fuel"):
            fu = F.fuel(fuel, where=f"{p} {where.split(' ', 1)[1]}")
            fuel = fu.id
            unit = str(r["unit"]).strip()
            try:
                value = quantity(value, unit, "TJ", where=f"{p} {where}")
            except UnitMismatchError:
                try:  # a mass of fuel: through the IPCC net calorific value
                    value = quantity(value, unit, "t", where=f"{p} {where}") * \
                        (fu.ncv_tj_per_gg or 0.0) / 1000.0
                except UnitMismatchError:
                    raise UnitMismatchError(
                        f"{where}: fuel {fuel} given in {unit!r}; expected TJ (energy) or t "
                        f"(mass)", path=p,
                        fix="give fuel use in TJ, or as a mass in t (converted with the IPCC "
                            "net calorific value)") from None
        else:
            if fuel:
                F.fuel(fuel, where=f"{p} {where}") if fuel not in F.CARRIERS else None
            value = quantity(value, str(r["unit"]).strip(), EXPECTED_UNITS[act],
                             where=f"{p} {where}")
            fuel = F.fuel(fuel).id if fuel and fuel not in F.CARRIERS else ""
        vclass = str(r.get("vehicle_class") or "").strip().lower()
        if vclass not in VEHICLE_CLASSES:
            raise DataValueError(f"{where}: unknown vehicle class {vclass!r}", path=p,
                                 fix="use one of " + ", ".join(c for c in VEHICLE_CLASSES if c))
        src = str(r.get("source") or "").strip() or f"user data {p.name}"
        out.append(ActivityLine(sector, sub, act, fuel, value, EXPECTED_UNITS[act], vclass,
                                source=f"{src} ({p.name} row {i})", proxy=False))
    return out


def apply_user_activity(act: Activity, user: list[ActivityLine], path: str) -> Activity:
    """Replace proxy lines by user lines with the same key; add user lines without a proxy.

    Every replacement is recorded in ``act.provenance``.
    """
    by_key = {ln.key: ln for ln in user}
    fuel_subs = {(ln.sector, ln.subsector) for ln in user if ln.activity == "fuel"}
    lines: list[ActivityLine] = []
    for ln in act.lines:
        if ln.key in by_key:
            new = by_key.pop(ln.key)
            lines.append(new)
            act.provenance.append(dict(step="user activity", path=str(path), key="/".join(
                k for k in ln.key if k), proxy_value=ln.value, value=new.value, unit=ln.unit))
        elif ln.activity == "emissions" and (ln.sector, ln.subsector) in fuel_subs:
            act.provenance.append(dict(step="user activity", path=str(path),
                                       key=f"{ln.sector}/{ln.subsector}/emissions",
                                       proxy_value=ln.value, value=None, unit=ln.unit,
                                       note="downscaled emissions replaced by user fuel lines"))
        else:
            lines.append(ln)
    for ln in user:
        if ln.key in by_key:
            lines.append(ln)
            act.provenance.append(dict(step="user activity", path=str(path),
                                       key="/".join(k for k in ln.key if k), proxy_value=None,
                                       value=ln.value, unit=ln.unit))
    still = {p for ln in lines if ln.proxy for p in ln.proxies}
    act.proxies = [p for p in act.proxies if f"{p['key']} ({p['scope']})" in still]
    return replace(act, lines=lines)
