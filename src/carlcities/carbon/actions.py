"""The low-carbon action library (``data/carbon_actions.yaml``) applied to a city.

Each action acts on emission streams of the business-as-usual pathway through a named model
(:data:`MODELS`), spreads along an S-shaped uptake curve u(t) = s · (3x² − 2x³),
x = (t − start)/(full − start) clipped to 0–1, to a share s of its stock, and has capital
and operating costs per unit of stock, a lifetime and energy savings valued at the prices of
the parameter file. Abatement [t CO2e/yr] is reported for 2030 and 2050; the cost per tonne
(:func:`carlcities.carbon.macc.cost_per_tonne`) at the year uptake is complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from carlcities.carbon import factors as F
from carlcities.carbon.activity import Activity
from carlcities.carbon.inventory import Inventory
from carlcities.carbon.macc import cost_per_tonne
from carlcities.carbon.parameters import Parameters
from carlcities.carbon.pathways import Pathway
from carlcities.errors import ConfigError, DataValueError

__all__ = ["Action", "ActionError", "MODELS", "apply_actions", "load_actions", "uptake",
           "uptake_for"]

MODELS = ("reduce", "network", "fuel_switch_chp", "retrofit", "electrify_heat", "solar",
          "lighting", "electrify_vehicles", "urban_form")
REQUIRED = ("id", "name_en", "name_ru", "model", "streams", "mechanism", "stock", "unit",
            "uptake", "capex_usd_per_unit", "opex_usd_per_unit_yr", "lifetime_yr",
            "co_benefits", "resilience", "sources")
STOCKS = ("dh_heat_mwh", "chp_heat_mwh", "old_floor_m2", "ind_heat_mwh", "pv_potential_kwp",
          "street_light_mwh", "residents", "cars", "buses", "msw_landfilled_t")


class ActionError(DataValueError):
    """An action of the library cannot be used: unknown model, uptake above the stock, ..."""


@dataclass(frozen=True)
class Action:
    """One action of the library (the YAML fields, validated)."""

    id: str
    spec: dict[str, Any]

    def __getitem__(self, k: str) -> Any:
        return self.spec[k]

    def get(self, k: str, default: Any = None) -> Any:
        return self.spec.get(k, default)


def uptake(years: np.ndarray, start: int, full: int, share: float) -> np.ndarray:
    """Share of the stock adopted in each year: s · smoothstep((t − start)/(full − start))."""
    x = np.clip((np.asarray(years, float) - start) / max(full - start, 1e-9), 0.0, 1.0)
    return share * (3 * x ** 2 - 2 * x ** 3)


def load_actions(path: str | Path | None = None) -> list[Action]:
    """Read and validate the action library (default: the bundled YAML).

    Raises
    ------
    ActionError
        Missing fields, unknown model or stock, or an uptake share outside 0–1 (an uptake
        that exceeds the stock), naming the file and the action.
    """
    return list(_load(str(path) if path else None))


@lru_cache(maxsize=8)
def _load(path: str | None) -> tuple[Action, ...]:
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/carbon_actions.yaml", "action library")
    data = yaml.safe_load(text) or {}
    out = []
    seen = set()
    for i, a in enumerate(data.get("actions") or []):
        aid = a.get("id", f"#{i + 1}")
        miss = [k for k in REQUIRED if k not in a]
        if miss:
            raise ActionError(f"action {aid}: missing {', '.join(miss)}", path=name,
                              fix="give every field listed at the top of the file")
        if aid in seen:
            raise ActionError(f"action {aid} is defined twice", path=name, fix="rename one")
        seen.add(aid)
        if a["model"] not in MODELS:
            raise ActionError(f"action {aid}: unknown model {a['model']!r}", path=name,
                              fix=f"use one of {', '.join(MODELS)}")
        if a["stock"] not in STOCKS:
            raise ActionError(f"action {aid}: unknown stock {a['stock']!r}", path=name,
                              fix=f"use one of {', '.join(STOCKS)}")
        _check_uptake(a["uptake"], f"action {aid}", a["unit"], name)
        by_scope = a.get("uptake_by_scope") or {}
        if not isinstance(by_scope, dict):
            raise ActionError(f"action {aid}: uptake_by_scope must map a city id or ISO3 "
                              "code to an uptake", path=name,
                              fix="e.g. uptake_by_scope: {tashkent: {start: 2022, full: 2030, "
                                  "share: 0.75, source: ...}}")
        if by_scope:
            from carlcities.catalog import load_catalog

            cat = load_catalog()
            known = {c.city_id for c in cat} | {c.country_iso3 for c in cat}
            bad = sorted(str(k) for k in by_scope if k not in known)
            if bad:
                raise ActionError(f"action {aid}: uptake_by_scope names {', '.join(bad)}, "
                                  "neither a catalogue city nor a country", path=name,
                                  fix="use a city id (carlcities cities) or an ISO3 code "
                                      "such as KAZ")
        for scope, up in by_scope.items():
            _check_uptake(up, f"action {aid}, uptake for {scope}", a["unit"], name)
            if not str(up.get("source", "")).strip():
                raise ActionError(f"action {aid}: the uptake for {scope} has no source",
                                  path=name, fix="cite the plan or target it follows")
        if float(a["lifetime_yr"]) <= 0:
            raise ActionError(f"action {aid}: lifetime must be positive", path=name,
                              fix="give lifetime_yr in years")
        out.append(Action(aid, dict(a)))
    if not out:
        raise ConfigError("the action library is empty", path=name, fix="add actions")
    return tuple(out)


def _check_uptake(up: Any, what: str, unit: str, name: str) -> None:
    if not isinstance(up, dict) or not {"start", "full"} <= set(up):
        raise ActionError(f"{what}: uptake needs start, full and share", path=name,
                          fix="e.g. uptake: {start: 2025, full: 2040, share: 0.5}")
    share = float(up.get("share", 1.0))
    if share > 1.0:
        raise ActionError(f"{what}: uptake share {share} exceeds the stock ({unit})",
                          path=name, fix="the uptake share is a fraction of the stock: give a "
                                         "value between 0 and 1")
    if share < 0 or int(up["full"]) <= int(up["start"]):
        raise ActionError(f"{what}: uptake needs 0 <= share and start < full", path=name,
                          fix="e.g. uptake: {start: 2025, full: 2040, share: 0.5}")


def uptake_for(action: Action, city_id: str, country: str) -> tuple[dict[str, Any], str]:
    """The uptake of ``action`` in a city and where it comes from: the city's own entry of
    ``uptake_by_scope``, else its country's, else the library default (scope ``*``)."""
    by_scope = action.get("uptake_by_scope") or {}
    for scope in (city_id, country):
        if scope in by_scope:
            return dict(by_scope[scope]), scope
    return dict(action["uptake"]), "*"


def _stocks(act: Activity, inv: Inventory, params: Parameters, city) -> dict[str, float]:
    d = act.drivers
    cid, iso = city.city_id, city.country_iso3
    storeys = float(np.mean([params.number(f"storeys_{k}", cid, iso) for k in
                             ("urban", "suburban", "rural")]))
    dh = d.get("dh_share", 0.0)
    return dict(
        dh_heat_mwh=act.total(activity="district_heat"),
        chp_heat_mwh=act.total(activity="chp_heat"),
        old_floor_m2=d.get("floor_res_m2", 0.0) * d.get("old_share", 1.0),
        ind_heat_mwh=(d.get("heat_residential_mwh", 0.0) + d.get("heat_commercial_mwh", 0.0))
        * (1 - dh),
        pv_potential_kwp=(d.get("floor_res_m2", 0.0) + d.get("floor_com_m2", 0.0)) / storeys
        * 0.3 * 0.18,
        street_light_mwh=d.get("street_light_mwh", 0.0),
        residents=act.population,
        cars=d.get("cars", 0.0),
        buses=d.get("buses", 0.0),
        msw_landfilled_t=act.total(activity="msw_landfilled"),
    )


def apply_actions(actions: list[Action], inv: Inventory, act: Activity, bau: Pathway,
                  compact: Pathway | None, city, params: Parameters, *,
                  discount_rate: float = 0.06, used: list[dict[str, Any]] | None = None
                  ) -> list[dict[str, Any]]:
    """Abatement series, costs and co-benefits of every action for one city.

    Returns one dict per action with ``abatement`` (array per pathway year [t CO2e/yr]),
    ``abatement_2030_t``, ``abatement_2050_t``, ``cost_usd_per_t`` (None with a ``flag``
    when the action does not lower emissions), ``capex_usd``, ``opex_usd_yr``,
    ``lifetime_yr``, ``co_benefits`` (JSON text), names, mechanism and resilience.
    """
    cid, iso = city.city_id, city.country_iso3
    u = used if used is not None else []

    def n(key: str, unit: str | None = None) -> float:
        return params.number(key, cid, iso, unit, u, "action costs")

    years = bau.years
    stocks = _stocks(act, inv, params, city)
    grid_ef = n("grid_ef", "t CO2e/MWh")
    price = {k: n(f"price_{k}", "USD/MWh") for k in
             ("natural_gas", "other_bituminous_coal", "electricity", "district_heat",
              "motor_gasoline", "gas_diesel_oil")}
    pop_ratio = bau.population / bau.population[0]
    dh_fuel = F.fuel(params.text("dh_fuel", cid, iso)).id
    out: list[dict[str, Any]] = []
    for a in actions:
        streams: np.ndarray = sum((bau.streams.get(s, np.zeros(len(years)))
                                   for s in a["streams"]), np.zeros(len(years)))
        base = streams[0] if len(streams) else 0.0
        stock = stocks[a["stock"]]
        m = a["model"]
        flag = None
        # USD/yr at full adoption of the whole stock (a float where the stream is 0)
        sav: np.ndarray | float = np.zeros(len(years))
        if m == "reduce" or m == "lighting":
            eff = float(a.get("effect", 0.0))
            if m == "lighting":
                full = eff * stocks["street_light_mwh"] * grid_ef * pop_ratio
                sav = eff * stocks["street_light_mwh"] * price["electricity"] * pop_ratio
            else:
                full = eff * streams
                if a.get("savings_carrier") == "car_fuel":
                    sav = eff * streams / (F.FUELS["motor_gasoline"].co2_kg_per_tj / 1000) \
                        * 277.78 * price["motor_gasoline"]
        elif m == "network":
            loss = act.drivers.get("dh_losses", 0.0)
            target = float(a["target_losses"])
            eff = max(0.0, 1 - (1 - loss) / (1 - target))
            full = eff * streams
            sav = stocks["dh_heat_mwh"] * max(0.0, 1 / (1 - loss) - 1 / (1 - target)) * \
                price["district_heat"] * pop_ratio
            if eff == 0:
                flag = "not applicable: network losses already at the target"
        elif m == "fuel_switch_chp":
            if dh_fuel == a["new_fuel"]:
                full = np.zeros(len(years))
                flag = f"not applicable: district heat already burns {dh_fuel}"
            else:
                new = F.FUELS[a["new_fuel"]].co2_kg_per_tj
                old = F.FUELS[dh_fuel].co2_kg_per_tj
                gain = float(a.get("new_efficiency_gain", 0.0))
                share_chp = act.drivers.get("dh_chp_share", 1.0)
                eff = share_chp * (1 - new / old / (1 + gain))
                full = eff * streams
                chp_fuel_mwh = act.total(activity="chp_fuel") * 277.78
                sav = (chp_fuel_mwh * price["other_bituminous_coal"]
                       - chp_fuel_mwh / (1 + gain) * price["natural_gas"]) * pop_ratio
        elif m == "retrofit":
            d = act.drivers
            old_frac = d.get("old_share", 1.0) * d.get("heat_intensity_old", 1.0) / \
                max(d.get("heat_intensity", 1.0), 1e-9)
            eff = float(a["effect"])
            full = eff * streams * min(old_frac, 1.0)
            sav = eff * stock * d.get("heat_intensity_old", 0.0) / 1000 * \
                price["district_heat"] * np.ones(len(years))
        elif m == "electrify_heat":
            cop = float(a["cop"])
            heat_mwh = stocks["ind_heat_mwh"] * (streams / base if base else 1.0)
            full = streams - heat_mwh / cop * grid_ef
            sav = heat_mwh / 0.85 * price["natural_gas"] - heat_mwh / cop * price["electricity"]
        elif m == "solar":
            mwh = stock * float(a["yield_kwh_per_kwp"]) / 1000
            full = np.full(len(years), mwh * grid_ef)
            sav = np.full(len(years), mwh * price["electricity"])
        elif m == "electrify_vehicles":
            veh = a["vehicle"]
            km = act.drivers.get("km_per_car" if veh == "car" else "km_per_bus", 0.0)
            mwh = stock * km * float(a["kwh_per_km"]) / 1000 * pop_ratio
            full = streams - mwh * grid_ef
            fuel_mwh = stock * km * act.drivers.get(
                "car_mj_per_km" if veh == "car" else "bus_mj_per_km", 0.0) / 3600 * pop_ratio
            fp = price["motor_gasoline"] if veh == "car" else price["gas_diesel_oil"]
            sav = fuel_mwh * fp - mwh * price["electricity"]
        elif m == "urban_form":
            full = (bau.total - compact.total) if compact is not None else np.zeros(len(years))
        else:  # pragma: no cover - validated on load
            raise ActionError(f"unknown model {m}", fix="see MODELS")
        if flag is None and not stock > 0:
            # nothing to act on (no CHP plant, no district-heat network in the city): an action
            # with no stock costs nothing and avoids nothing; it is not an option here
            flag = f"not applicable: no {a['unit']} in the city"
        up, up_scope = uptake_for(a, cid, city.country_iso3)
        share = float(up.get("share", 1.0))
        units = share * stock
        if flag is not None and flag.startswith("not applicable"):
            units = 0.0  # nothing to buy: no capex or opex for an action that does not apply
        if units > stock * (1 + 1e-9):
            raise ActionError(f"action {a.id}: {units:.0f} {a['unit']} exceeds the stock "
                              f"{stock:.0f} of {cid}", fix="lower the uptake share")
        ups = uptake(years, int(up["start"]), int(up["full"]), share) / (share or 1.0)
        # the whole-stock effect is reached at `share` of the stock
        series = ups * share * np.asarray(full, float) if m != "urban_form" else \
            ups * np.asarray(full, float)
        i_full = int(np.clip(int(up["full"]) - int(years[0]), 0, len(years) - 1))
        ab_full = float(series[i_full])
        sav_full = float((share if m != "urban_form" else 1.0) * np.asarray(sav)[i_full]) \
            if np.ndim(sav) else 0.0
        capex = units * float(a["capex_usd_per_unit"])
        opex = units * float(a["opex_usd_per_unit_yr"])
        cpt = cost_per_tonne(capex, opex, sav_full, ab_full, discount_rate,
                             float(a["lifetime_yr"]))
        if cpt is None and flag is None:
            flag = ("increases emissions at today's grid factor" if ab_full < 0 else
                    "no abatement")
        if m == "urban_form":
            flag = flag or "costs of planning and regulation not estimated (set to 0)"

        def at(y: int, series: np.ndarray = series) -> float:
            i = y - int(years[0])
            return float(series[i]) if 0 <= i < len(series) else float("nan")

        cob = dict(a["co_benefits"])
        cob["energy_savings_usd_yr"] = round(sav_full, 0)
        out.append(dict(
            action_id=a.id, name_en=a["name_en"], name_ru=a["name_ru"], model=m,
            mechanism=a["mechanism"], streams=list(a["streams"]),
            abatement=series, abatement_2030_t=at(2030), abatement_2050_t=at(2050),
            cost_usd_per_t=cpt, capex_usd=capex, opex_usd_yr=opex,
            lifetime_yr=float(a["lifetime_yr"]), units=units, unit=a["unit"], stock=stock,
            savings_usd_yr=sav_full, co_benefits=json.dumps(cob, ensure_ascii=False),
            resilience=a["resilience"], sources="; ".join(a["sources"]),
            confidence=a.get("confidence", ""), flag=flag,
            uptake_start=int(up["start"]), uptake_full=int(up["full"]), uptake_share=share,
            uptake_scope=up_scope, uptake_source=str(up.get("source", ""))))
    return out
