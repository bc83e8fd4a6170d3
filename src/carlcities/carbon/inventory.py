"""The GPC BASIC inventory of a city-year (GPC v1.1; IPCC 2006 Tier 1 factors).

Emissions = activity × factor, per gas (CO2, CH4, N2O) and in CO2e with a named GWP set.
BASIC covers stationary energy and transport (scopes 1 and 2) and waste (scopes 1 and 3);
emissions of grid-supplied energy generation in the city (GPC I.4.4: CHP plants and heat-only
boilers of district heating) are reported but kept out of the BASIC total, since consumers
count the heat and power they buy in scope 2. Gaps carry the GPC notation keys NO (not
occurring), NE (not estimated), IE (included elsewhere) and C (confidential).

Combined heat and power: the plant's emissions are split between heat and power by a named
method (:func:`chp_allocation`); the heat share, together with heat-only boilers, gives the
emission factor of district heat delivered to consumers (after network losses).

References
----------
WRI, C40, ICLEI (2021). Global Protocol for Community-Scale Greenhouse Gas Inventories,
version 1.1. https://ghgprotocol.org/ghg-protocol-cities
WRI/WBCSD (2006). Allocation of GHG emissions from a combined heat and power (CHP) plant,
version 1.0 (energy-content and efficiency methods).
IPCC (2006). 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vols. 2 and 5.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from carlcities.carbon import factors as F
from carlcities.carbon.activity import Activity
from carlcities.carbon.parameters import Parameters
from carlcities.errors import ConfigError, DataValueError

__all__ = ["GPC_REFS", "NOTATION_KEYS", "Inventory", "chp_allocation", "compute_inventory",
           "SECTOR_IDS"]

NOTATION_KEYS = {"NO": "not occurring", "NE": "not estimated", "IE": "included elsewhere",
                 "C": "confidential"}
#: GPC reference number of each sub-sector
GPC_REFS = {
    ("stationary", "residential"): "I.1", ("stationary", "commercial"): "I.2",
    ("stationary", "manufacturing"): "I.3", ("stationary", "energy_industries"): "I.4",
    ("stationary", "agriculture"): "I.5", ("stationary", "non_specified"): "I.6",
    ("stationary", "fugitive_coal"): "I.7", ("stationary", "fugitive_oil_gas"): "I.8",
    ("transport", "on_road"): "II.1", ("transport", "rail"): "II.2",
    ("transport", "waterborne"): "II.3", ("transport", "aviation"): "II.4",
    ("transport", "off_road"): "II.5",
    ("waste", "solid"): "III.1", ("waste", "biological"): "III.2",
    ("waste", "incineration"): "III.3", ("waste", "wastewater"): "III.4",
}
#: store indicator id of each sub-sector that gets a value
SECTOR_IDS = {
    ("stationary", "residential"): "ghg.stationary.residential",
    ("stationary", "commercial"): "ghg.stationary.commercial",
    ("stationary", "manufacturing"): "ghg.stationary.manufacturing",
    ("stationary", "energy_industries"): "ghg.stationary.energy_industries",
    ("transport", "on_road"): "ghg.transport.on_road",
    ("transport", "rail"): "ghg.transport.rail",
    ("waste", "solid"): "ghg.waste.solid",
    ("waste", "wastewater"): "ghg.waste.wastewater",
}
CHP_METHODS = ("efficiency", "energy")


def chp_allocation(emissions: float, heat_mwh: float, power_mwh: float, method: str = "efficiency",
                   eff_heat: float = 0.80, eff_power: float = 0.35) -> tuple[float, float]:
    """Split a CHP plant's emissions [t CO2e] between heat and power.

    * ``'energy'``: in proportion to the energy content of the outputs,
      E_H = E · H / (H + P);
    * ``'efficiency'`` (GHG Protocol CHP guidance): in proportion to the fuel each output
      would need in a separate plant of reference efficiency e_H, e_P:
      E_H = E · (H/e_H) / (H/e_H + P/e_P), defaults e_H = 0.80, e_P = 0.35.

    Returns (E_heat, E_power) [t CO2e].
    """
    if method not in CHP_METHODS:
        raise ConfigError(f"unknown CHP allocation method {method!r}",
                          fix="set carbon.chp_allocation to 'efficiency' or 'energy'")
    if heat_mwh < 0 or power_mwh < 0 or emissions < 0:
        raise DataValueError("CHP heat, power and emissions must not be negative",
                             fix="check the energy_industries lines of the activity data")
    if heat_mwh + power_mwh == 0:
        return 0.0, float(emissions)
    if method == "energy":
        h, p = heat_mwh, power_mwh
    else:
        h, p = heat_mwh / eff_heat, power_mwh / eff_power
    e_h = emissions * h / (h + p)
    return e_h, emissions - e_h


@dataclass
class Inventory:
    """GPC rows of one city-year, with totals and the emission streams the pathways scale."""

    city_id: str
    year: int
    population: float
    gwp: str
    rows: list[dict[str, Any]]
    streams: dict[str, float] = field(default_factory=dict)
    dh_ef: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        """BASIC total [t CO2e/yr]."""
        return sum(r["co2e_t"] or 0.0 for r in self.rows if r["in_basic"])

    def subsector_total(self, sector: str, subsector: str) -> float:
        """Sub-sector total [t CO2e/yr] (for I.4 the grid-supplied emissions, not in BASIC)."""
        return sum(r["co2e_t"] or 0.0 for r in self.rows
                   if r["sector"] == sector and r["subsector"] == subsector)

    def sector_total(self, sector: str) -> float:
        return sum(r["co2e_t"] or 0.0 for r in self.rows if r["sector"] == sector
                   and r["in_basic"])


def compute_inventory(activity: Activity, city, params: Parameters, *, gwp: str = "ar5",
                      chp_method: str = "efficiency") -> Inventory:
    """The GPC BASIC table of ``activity`` (one city-year).

    Raises
    ------
    DataValueError
        Negative activity, unknown fuel or a missing emission factor.
    """
    F.gwp("CO2", gwp)  # validates the set name
    cid, iso = city.city_id, city.country_iso3
    rows: list[dict[str, Any]] = []
    streams: dict[str, float] = defaultdict(float)
    notes: list[str] = []
    acc: dict[tuple, dict[str, Any]] = {}

    for ln in activity.lines:
        if ln.value < 0:
            raise DataValueError(f"negative activity {ln.value} {ln.unit} for "
                                 f"{ln.sector}/{ln.subsector}/{ln.activity} ({ln.source})",
                                 fix="activity data cannot be negative; correct the source")

    def put(sector, sub, scope, gas, t_gas, co2e_t, method, ln, stream, in_basic=True,
            vclass=""):
        ref = GPC_REFS[(sector, sub)]
        key = (sector, sub, scope, gas, vclass, in_basic)
        r = acc.get(key)
        if r is None:
            r = acc[key] = dict(sector=sector, subsector=sub, vehicle_class=vclass,
                                gpc_ref=f"{ref}.{scope}", scope=scope, gas=gas, value_t=0.0,
                                co2e_t=0.0, notation_key=None, methods=set(), sources=set(),
                                proxy=False, in_basic=in_basic)
        r["value_t"] += t_gas
        r["co2e_t"] += co2e_t
        r["methods"].add(method)
        r["sources"].add(ln.source if ln is not None else "")
        r["proxy"] |= bool(ln is not None and ln.proxy)
        if stream:
            streams[stream] += co2e_t if in_basic else 0.0

    def combust(ln, use, sector, sub, stream, in_basic=True):
        co2_f, ch4_f, n2o_f, ref = F.combustion_factors(ln.fuel, use)
        tj = ln.value
        co2, ch4, n2o = tj * co2_f / 1000, tj * ch4_f / 1000, tj * n2o_f / 1000  # t
        m = f"{ln.fuel} [TJ] × IPCC 2006 Tier 1 factor ({ref})"
        put(sector, sub, 1, "CO2", co2, co2, m, ln, stream, in_basic, ln.vehicle_class)
        put(sector, sub, 1, "CH4", ch4, ch4 * F.gwp("CH4", gwp, fossil=True), m, ln, stream,
            in_basic, ln.vehicle_class)
        put(sector, sub, 1, "N2O", n2o, n2o * F.gwp("N2O", gwp), m, ln, stream, in_basic,
            ln.vehicle_class)
        return co2 + ch4 * F.gwp("CH4", gwp) + n2o * F.gwp("N2O", gwp)

    # --- energy industries first: the emission factor of district heat -------------------
    ei = [ln for ln in activity.lines if ln.subsector == "energy_industries"]
    e_chp = sum(combust(ln, "energy", "stationary", "energy_industries", "", in_basic=False)
                for ln in ei if ln.activity == "chp_fuel")
    e_hob = sum(combust(ln, "energy", "stationary", "energy_industries", "", in_basic=False)
                for ln in ei if ln.activity == "hob_fuel")
    heat = sum(ln.value for ln in ei if ln.activity == "chp_heat")
    power = sum(ln.value for ln in ei if ln.activity == "chp_power")
    eh = params.number("reference_efficiency_heat", cid, iso)
    ep = params.number("reference_efficiency_power", cid, iso)
    e_heat, e_power = chp_allocation(e_chp, heat, power, chp_method, eh, ep)
    delivered = sum(ln.value for ln in activity.lines if ln.activity == "district_heat")
    dh_ef = (e_heat + e_hob) / delivered if delivered > 0 else 0.0
    notes.append(f"CHP allocation ({chp_method} method): {e_heat:,.0f} t CO2e to heat, "
                 f"{e_power:,.0f} t CO2e to power; district heat factor {dh_ef:.3f} t CO2e/MWh "
                 "delivered (CHP heat share + heat-only boilers, after network losses)")
    grid_used: list[dict[str, Any]] = []
    grid_ef = params.number("grid_ef", cid, iso, "t CO2e/MWh", grid_used, "grid emission factor")

    for ln in activity.lines:
        s, sub = ln.sector, ln.subsector
        if sub == "energy_industries":
            continue
        prefix = {"residential": "res", "commercial": "com", "manufacturing": "man"}.get(sub)
        if ln.activity == "fuel":
            if s == "transport":
                stream = {"car": "cars", "bus": "buses", "truck": "trucks"}.get(
                    ln.vehicle_class, "rail" if sub == "rail" else "cars")
                combust(ln, "road" if sub == "on_road" else "manufacturing", s, sub, stream)
            else:
                combust(ln, sub, s, sub, f"{prefix}_ind" if prefix != "man" else "man_fuel")
        elif ln.activity == "electricity":
            e = ln.value * grid_ef
            stream = f"{prefix}_elec" if prefix else "rail"
            put(s, sub, 2, "CO2e", e, e, f"electricity [MWh] × grid factor {grid_ef} t CO2e/MWh "
                f"({grid_used[0]['source'][:60]}…)", ln, stream, vclass=ln.vehicle_class)
        elif ln.activity == "district_heat":
            e = ln.value * dh_ef
            put(s, sub, 2, "CO2e", e, e, f"district heat [MWh] × {dh_ef:.3f} t CO2e/MWh "
                f"(CHP, {chp_method} method)", ln, f"{prefix}_dh")
        elif ln.activity == "emissions":
            put(s, sub, 1, "CO2e", ln.value, ln.value, "national emissions downscaled by "
                "population (EDGAR v7.0)", ln, "man_fuel" if prefix == "man" else "")
        elif ln.activity == "msw_landfilled":
            doc = params.number("msw_doc", cid, iso)
            mcf = params.number("landfill_mcf", cid, iso)
            rec = params.number("landfill_recovery", cid, iso)
            inb = params.text("landfill_in_boundary", cid, iso).lower() in ("yes", "true", "1")
            ch4 = F.landfill_ch4_commitment(ln.value, doc, mcf, recovered=rec)
            put(s, sub, 1 if inb else 3, "CH4", ch4, ch4 * F.gwp("CH4", gwp, fossil=False),
                f"methane commitment: MSW × DOC {doc} × DOCf {F.DOCF} × MCF {mcf} × F {F.F_CH4}"
                f" × 16/12 × (1 − R {rec}) ({F.WASTE_REFERENCE})", ln, "landfill")
        elif ln.activity == "population_served":
            bod = params.number("bod_per_person", cid, iso, "kg/person/year")
            mcf = params.number("wastewater_mcf", cid, iso)
            prot = params.number("protein_per_person", cid, iso, "kg/person/year")
            ch4 = ln.value * bod * F.BO_CH4_PER_BOD * mcf / 1000
            n2o = (ln.value * prot * F.F_NPR * F.F_NON_CON * F.F_IND_COM * F.EF_N2O_EFFLUENT
                   * 44 / 28 / 1000)
            m = f"IPCC 2006 Vol.5 Ch.6: BOD × Bo × MCF {mcf}; effluent N × 0.005 × 44/28"
            put(s, sub, 1, "CH4", ch4, ch4 * F.gwp("CH4", gwp, fossil=False), m, ln,
                "wastewater")
            put(s, sub, 1, "N2O", n2o, n2o * F.gwp("N2O", gwp), m, ln, "wastewater")
        else:
            raise DataValueError(f"activity {ln.activity!r} is not used in {s}/{sub}",
                                 fix="see carlcities.carbon.activity.EXPECTED_UNITS")

    for r in acc.values():
        r["method"] = "; ".join(sorted(r.pop("methods")))
        r["source"] = "; ".join(sorted(x for x in r.pop("sources") if x))[:500]
        rows.append(r)

    # --- notation keys for the rest of BASIC ----------------------------------------------
    have = {(r["sector"], r["subsector"], r["scope"]) for r in rows}
    has_rail = any(ln.subsector == "rail" for ln in activity.lines)
    has_truck = any(ln.vehicle_class == "truck" for ln in activity.lines)
    keys = [
        ("stationary", "energy_industries", 2, "IE", "own use of energy industries inside "
         "electricity per person"),
        ("stationary", "agriculture", 1, "NE", "urban agriculture not estimated"),
        ("stationary", "non_specified", 1, "NE", "no data"),
        ("stationary", "fugitive_coal", 1, "NE", "no coal mining data"),
        ("stationary", "fugitive_oil_gas", 1, "NE", "gas distribution leaks not estimated"),
        ("transport", "rail", 2, "IE" if not has_rail else None,
         "metro, trolleybus and rail electricity inside electricity per person (I.2)"),
        ("transport", "waterborne", 1, "NE", "no in-boundary navigation data"),
        ("transport", "aviation", 1, "NE", "airport fuel sales not estimated"),
        ("transport", "off_road", 1, "NE", "construction and airport machinery not estimated"),
        ("waste", "biological", 1, "NE", "composting not estimated (small)"),
        ("waste", "incineration", 1, "NO", "no municipal waste incinerators known"),
    ]
    for s, sub, scope, key, why in keys:
        if key and (s, sub, scope) not in have:
            rows.append(_key_row(s, sub, scope, key, why))
    if not has_truck:
        rows.append(dict(_key_row("transport", "on_road", 1, "NE",
                                  "freight vehicles: no proxy in the parameter file"),
                         vehicle_class="truck"))
    order = list(GPC_REFS)
    rows.sort(key=lambda r: (order.index((r["sector"], r["subsector"])), r["scope"],
                             r["vehicle_class"], r["gas"]))
    return Inventory(cid, activity.year, activity.population, gwp, rows, dict(streams), dh_ef,
                     notes)


def _key_row(sector: str, sub: str, scope: int, key: str, why: str) -> dict[str, Any]:
    return dict(sector=sector, subsector=sub, vehicle_class="",
                gpc_ref=f"{GPC_REFS[(sector, sub)]}.{scope}", scope=scope, gas="CO2e",
                value_t=None, co2e_t=None, notation_key=key,
                method=f"{key}: {NOTATION_KEYS[key]}", source=why, proxy=False,
                in_basic=True)
