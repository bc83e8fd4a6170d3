"""Emission pathways 2020–2050, year by year: business as usual and urban-form scenarios.

Each emission stream of the base-year inventory (residential district heat, residential
individual heating, electricity by sector, cars, buses, landfill, ...) is scaled year by
year by its drivers:

* population P(t) from the catalogue's trajectory (:meth:`City.population_at`);
* GDP per person g(t) = (1 + γ)^(t − t₀);
* urban form: population density D(t) follows d ln D = (1 − LCRPGR) · d ln P, with LCRPGR
  the ratio of land consumption rate to population growth rate: observed (growth indicators,
  ``growth.lcrpgr``) in business as usual, 0.5 for compact growth (or the observed ratio if
  lower), 1.5 for continued sprawl (or the observed ratio if higher), so that compact ≤ BAU ≤
  sprawl in land take per person;
* floor area per person ∝ g^ε_gdp · D^ε_density; car ownership ∝ g^ε (to a saturation
  level); km per car ∝ D^ε_vkm with ε_vkm = −0.381 (Cervero & Murakami 2010);
* stock turnover: a share of Soviet-era floor area is replaced each year by code-built floor
  area of lower intensity; fleet fuel economy improves by a fixed rate.

References
----------
Angel, S. et al. (2016). Atlas of Urban Expansion, vol. 1 (LCRPGR, densities).
Cervero, R. & Murakami, J. (2010). Effects of built environments on vehicle miles traveled:
evidence from 370 US urbanized areas. Environment and Planning A 42:400–418.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from carlcities.carbon.activity import Activity
from carlcities.carbon.inventory import Inventory
from carlcities.carbon.parameters import Parameters

__all__ = ["SCENARIOS", "Pathway", "STREAM_SECTOR", "density_ratio", "pathway"]

SCENARIOS = ("bau", "compact", "sprawl")
END_YEAR = 2050
#: sub-sector indicator of each emission stream
STREAM_SECTOR = {
    "res_dh": "ghg.stationary.residential", "res_ind": "ghg.stationary.residential",
    "res_elec": "ghg.stationary.residential", "com_dh": "ghg.stationary.commercial",
    "com_ind": "ghg.stationary.commercial", "com_elec": "ghg.stationary.commercial",
    "man_fuel": "ghg.stationary.manufacturing", "man_elec": "ghg.stationary.manufacturing",
    "cars": "ghg.transport.on_road", "buses": "ghg.transport.on_road",
    "trucks": "ghg.transport.on_road", "rail": "ghg.transport.rail",
    "landfill": "ghg.waste.solid", "wastewater": "ghg.waste.wastewater",
}


@dataclass
class Pathway:
    """Emission streams [t CO2e/yr] of one scenario, one value per year."""

    scenario: str
    years: np.ndarray
    population: np.ndarray
    streams: dict[str, np.ndarray]
    drivers: dict[str, np.ndarray]

    @property
    def total(self) -> np.ndarray:
        return np.sum(list(self.streams.values()), axis=0) if self.streams else \
            np.zeros_like(self.years, dtype=float)

    def sector(self, indicator_id: str) -> np.ndarray:
        out = np.zeros(len(self.years))
        for k, v in self.streams.items():
            if STREAM_SECTOR.get(k) == indicator_id:
                out = out + v
        return out


def density_ratio(pop_ratio: np.ndarray, lcrpgr: float) -> np.ndarray:
    """D(t)/D(t₀) = (P(t)/P(t₀))^(1 − LCRPGR): land grows LCRPGR times as fast as population."""
    return np.power(np.asarray(pop_ratio, float), 1.0 - lcrpgr)


def pathway(inv: Inventory, act: Activity, city, params: Parameters, scenario: str = "bau",
            *, lcrpgr_observed: float | None = None, end: int = END_YEAR,
            used: list[dict[str, Any]] | None = None) -> Pathway:
    """Streams of ``scenario`` ('bau', 'compact' or 'sprawl') from the base year to ``end``."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; use one of {SCENARIOS}")
    cid, iso = city.city_id, city.country_iso3
    u = used if used is not None else []

    def n(key: str, unit: str | None = None) -> float:
        return params.number(key, cid, iso, unit, u, "pathway driver")

    t0 = inv.year
    years = np.arange(t0, end + 1)
    base_pop = city.population_at(t0)[0]
    p = np.array([city.population_at(int(y))[0] / base_pop for y in years])
    k = years - t0
    g = (1 + n("gdp_per_capita_growth", "1/year")) ** k
    observed = lcrpgr_observed if lcrpgr_observed is not None and np.isfinite(lcrpgr_observed) \
        else 1.0
    observed = float(np.clip(observed, 0.0, 3.0))
    if scenario == "bau":
        lc = observed
    elif scenario == "compact":  # never less compact than the city already grows
        lc = min(n("compact_lcrpgr"), observed)
    else:  # continued sprawl: never less sprawling than the observed trend
        lc = max(n("sprawl_lcrpgr"), observed)
    d = density_ratio(p, lc)
    # buildings: floor area and intensity with stock turnover
    fa_pp = g ** n("floor_area_gdp_elasticity") * d ** n("floor_area_density_elasticity")
    fa = p * fa_pp
    old0 = act.drivers.get("old_share", 1.0)
    q_old = act.drivers.get("heat_intensity_old", 1.0)
    q_new = act.drivers.get("heat_intensity_new", q_old)
    q0 = act.drivers.get("heat_intensity", q_old)
    old = np.minimum(old0 * (1 - n("building_renewal_rate", "1/year")) ** k, fa)
    heat = (old * q_old + (fa - old) * q_new) / q0
    elec = p * g ** n("electricity_gdp_elasticity")
    c0 = act.drivers.get("cars", 0.0) / act.population if act.population else 0.0
    sat = n("car_ownership_saturation", "vehicle/person")
    own = np.minimum(sat, c0 * g ** n("car_ownership_gdp_elasticity")) / c0 if c0 else g
    eff = (1 - n("vehicle_efficiency_gain", "1/year")) ** k
    cars = p * own * d ** n("vkm_density_elasticity") * eff
    factors = {"res_dh": heat, "res_ind": heat, "com_dh": heat, "com_ind": heat,
               "res_elec": elec, "com_elec": elec, "man_elec": p, "man_fuel": p, "cars": cars,
               "buses": p * eff, "trucks": p * g ** 0.5, "rail": p, "landfill": p,
               "wastewater": p}
    streams = {s: v * factors.get(s, p) for s, v in inv.streams.items()}
    pop = base_pop * p * (inv.population / base_pop)
    return Pathway(scenario, years, pop, streams,
                   dict(density=d, floor_area=fa, gdp=g, car_km=cars / eff / p, lcrpgr=np.full(
                       len(years), lc)))
