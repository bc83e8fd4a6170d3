"""Emission factors and global warming potentials (IPCC 2006 defaults; IPCC AR5 and AR6).

Fuel factors are Tier 1 defaults of the 2006 IPCC Guidelines, Volume 2 (Energy): CO2 factors
and net calorific values from Chapter 1, Tables 1.2 and 1.4; CH4 and N2O of stationary
combustion from Chapter 2, Tables 2.2 (energy industries), 2.3 (manufacturing), 2.4
(commercial/institutional) and 2.5 (residential); CH4 and N2O of road transport from
Chapter 3, Table 3.2.2. Waste parameters are those of Volume 5 (Waste), Chapters 3 and 6.

GWP-100 sets: AR5 (IPCC 2013, WG I, Table 8.7, without climate-carbon feedback): CH4 28,
N2O 265. AR6 (IPCC 2021, WG I, Table 7.15): CH4 29.8 (fossil) / 27.0 (non-fossil), N2O 273.

References
----------
IPCC (2006). 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Eggleston, H.S.
et al. (eds). IGES, Japan. https://www.ipcc-nggip.iges.or.jp/public/2006gl/
"""

from __future__ import annotations

from dataclasses import dataclass

from carlcities.errors import ConfigError, DataValueError

__all__ = [
    "FUELS",
    "GWP",
    "Fuel",
    "combustion_factors",
    "co2e",
    "fuel",
    "gwp",
]

IPCC_V2 = "IPCC 2006 Vol.2"


@dataclass(frozen=True)
class Fuel:
    """One fuel: CO2 factor [kg CO2/TJ], net calorific value [TJ/Gg] and whether it is fossil."""

    id: str
    name: str
    co2_kg_per_tj: float
    ncv_tj_per_gg: float | None
    fossil: bool = True


#: IPCC 2006 Vol. 2 Ch. 1, Tables 1.2 (NCV) and 1.4 (CO2), default values (METHODS.md).
FUELS: dict[str, Fuel] = {f.id: f for f in (
    Fuel("natural_gas", "Natural gas", 56_100.0, 48.0),
    Fuel("other_bituminous_coal", "Other bituminous coal", 94_600.0, 25.8),
    Fuel("sub_bituminous_coal", "Sub-bituminous coal", 96_100.0, 18.9),
    Fuel("lignite", "Lignite", 101_000.0, 11.9),
    Fuel("anthracite", "Anthracite", 98_300.0, 26.7),
    Fuel("gas_diesel_oil", "Gas/diesel oil", 74_100.0, 43.0),
    Fuel("motor_gasoline", "Motor gasoline", 69_300.0, 44.3),
    Fuel("lpg", "Liquefied petroleum gases", 63_100.0, 47.3),
    Fuel("residual_fuel_oil", "Residual fuel oil (mazut)", 77_400.0, 40.4),
)}
#: common names accepted in user files
ALIASES = {"gas": "natural_gas", "cng": "natural_gas", "coal": "other_bituminous_coal",
           "diesel": "gas_diesel_oil", "gasoline": "motor_gasoline", "petrol": "motor_gasoline",
           "mazut": "residual_fuel_oil", "fuel_oil": "residual_fuel_oil"}
#: energy carriers that are not combusted in the city (emissions come from a grid factor)
CARRIERS = ("electricity", "district_heat")

_COAL = ("other_bituminous_coal", "sub_bituminous_coal", "lignite", "anthracite")
_OIL = ("gas_diesel_oil", "residual_fuel_oil")

# CH4, N2O [kg/TJ] of stationary combustion by GPC sub-sector (IPCC 2006 Vol.2 Ch.2)
_STATIONARY: dict[str, dict[str, tuple[float, float]]] = {
    # Table 2.2 energy industries
    "energy": {**{c: (1.0, 1.5) for c in _COAL}, "natural_gas": (1.0, 0.1),
               **{o: (3.0, 0.6) for o in _OIL}, "lpg": (1.0, 0.1), "motor_gasoline": (3.0, 0.6)},
    # Table 2.3 manufacturing industries and construction
    "manufacturing": {**{c: (10.0, 1.5) for c in _COAL}, "natural_gas": (1.0, 0.1),
                      **{o: (3.0, 0.6) for o in _OIL}, "lpg": (1.0, 0.1),
                      "motor_gasoline": (3.0, 0.6)},
    # Table 2.4 commercial / institutional
    "commercial": {**{c: (10.0, 1.5) for c in _COAL}, "natural_gas": (5.0, 0.1),
                   **{o: (10.0, 0.6) for o in _OIL}, "lpg": (5.0, 0.1),
                   "motor_gasoline": (10.0, 0.6)},
    # Table 2.5 residential
    "residential": {**{c: (300.0, 1.5) for c in _COAL}, "natural_gas": (5.0, 0.1),
                    **{o: (10.0, 0.6) for o in _OIL}, "lpg": (5.0, 0.1),
                    "motor_gasoline": (10.0, 0.6)},
}
# CH4, N2O [kg/TJ] of road transport (IPCC 2006 Vol.2 Ch.3 Table 3.2.2, uncontrolled gasoline)
_ROAD: dict[str, tuple[float, float]] = {
    "motor_gasoline": (33.0, 3.2), "gas_diesel_oil": (3.9, 3.9), "natural_gas": (92.0, 3.0),
    "lpg": (62.0, 0.2)}

#: GWP-100 by set name; 'CH4_fossil' and 'CH4_biogenic' distinguish AR6's two methane values
GWP: dict[str, dict[str, float]] = {
    "ar5": {"CO2": 1.0, "CH4_fossil": 28.0, "CH4_biogenic": 28.0, "N2O": 265.0},
    "ar6": {"CO2": 1.0, "CH4_fossil": 29.8, "CH4_biogenic": 27.0, "N2O": 273.0},
}
GWP_REFERENCE = {"ar5": "IPCC AR5 WG I (2013) Table 8.7, GWP-100 without feedbacks",
                 "ar6": "IPCC AR6 WG I (2021) Table 7.15, GWP-100"}


def fuel(name: str, *, where: str = "") -> Fuel:
    """The :class:`Fuel` called ``name`` (id or common alias such as ``'gas'``, ``'diesel'``).

    Raises
    ------
    DataValueError
        For an unknown fuel, naming ``where`` and listing the known ones.
    """
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_").replace("/", "_")
    key = ALIASES.get(key, key)
    if key not in FUELS:
        raise DataValueError(
            f"unknown fuel {name!r}" + (f" in {where}" if where else ""),
            fix=f"use one of {', '.join(sorted(FUELS))} (or gas, coal, diesel, gasoline, lpg, "
                f"mazut), or electricity / district_heat for purchased energy")
    return FUELS[key]


def gwp(gas: str, set_name: str = "ar5", *, fossil: bool = True) -> float:
    """GWP-100 of ``gas`` ('CO2', 'CH4', 'N2O') in ``set_name`` ('ar5' or 'ar6') [t CO2e/t].

    In AR6 methane of fossil origin weighs 29.8 and of biogenic origin (landfills,
    wastewater) 27.0; AR5 has one value, 28.
    """
    s = str(set_name).lower()
    if s not in GWP:
        raise ConfigError(f"unknown GWP set {set_name!r}", fix="use carbon.gwp: ar5 or ar6")
    if gas == "CH4":
        return GWP[s]["CH4_fossil" if fossil else "CH4_biogenic"]
    if gas not in GWP[s]:
        raise ConfigError(f"no GWP for gas {gas!r}", fix="use CO2, CH4 or N2O")
    return GWP[s][gas]


def co2e(t_co2: float, t_ch4: float, t_n2o: float, set_name: str = "ar5", *,
         fossil: bool = True) -> float:
    """CO2-equivalent [t CO2e] of masses of CO2, CH4 and N2O [t] with GWP set ``set_name``."""
    return (t_co2 + t_ch4 * gwp("CH4", set_name, fossil=fossil)
            + t_n2o * gwp("N2O", set_name))


def combustion_factors(fuel_id: str, use: str) -> tuple[float, float, float, str]:
    """CO2, CH4 and N2O factors [kg/TJ] of burning ``fuel_id`` in ``use`` and their source.

    ``use`` is a GPC sub-sector: 'residential', 'commercial', 'manufacturing', 'energy'
    (energy industries) or 'road'.

    Raises
    ------
    DataValueError
        When no factor is known for that fuel and use (a missing factor).
    """
    f = fuel(fuel_id)
    if use == "road":
        table, ref = _ROAD, f"{IPCC_V2} Ch.3 Table 3.2.2"
    elif use in _STATIONARY:
        table = _STATIONARY[use]
        ref = f"{IPCC_V2} Ch.2 Table " + {"energy": "2.2", "manufacturing": "2.3",
                                           "commercial": "2.4", "residential": "2.5"}[use]
    else:
        raise DataValueError(f"no emission factors for use {use!r}",
                             fix="use residential, commercial, manufacturing, energy or road")
    if f.id not in table:
        raise DataValueError(f"missing emission factor: {f.name} burnt in {use}",
                             fix=f"give the factor in the user activity file (column "
                                 f"factor_t_co2e_per_unit) or use one of "
                                 f"{', '.join(sorted(table))} for {use}")
    ch4, n2o = table[f.id]
    return f.co2_kg_per_tj, ch4, n2o, f"{IPCC_V2} Ch.1 Table 1.4 (CO2); {ref} (CH4, N2O)"


# --- waste (IPCC 2006 Vol.5) ------------------------------------------------------------------
#: methane-commitment defaults for solid waste disposal (Vol.5 Ch.3)
DOCF = 0.5        # fraction of DOC that decomposes (Ch.3 §3.2.3)
F_CH4 = 0.5       # fraction of CH4 in landfill gas (Ch.3 §3.2.3)
MCF_UNCATEGORISED = 0.6  # uncategorised SWDS (Ch.3 Table 3.1)
OX_UNMANAGED = 0.0       # oxidation factor, unmanaged/uncategorised sites (Ch.3 Table 3.2)
#: domestic wastewater (Vol.5 Ch.6)
BO_CH4_PER_BOD = 0.6     # kg CH4/kg BOD (Ch.6 Table 6.2)
EF_N2O_EFFLUENT = 0.005  # kg N2O-N/kg N (Ch.6 Table 6.11)
F_NPR = 0.16             # kg N/kg protein (Ch.6 Table 6.11)
F_NON_CON = 1.4          # non-consumed protein factor (Ch.6 Table 6.11)
F_IND_COM = 1.25         # industrial/commercial co-discharged protein (Ch.6 Table 6.11)
WASTE_REFERENCE = "IPCC 2006 Vol.5 Ch.3 (solid waste disposal) and Ch.6 (wastewater)"


def landfill_ch4_commitment(msw_t: float, doc: float, mcf: float = MCF_UNCATEGORISED,
                            docf: float = DOCF, f: float = F_CH4, recovered: float = 0.0,
                            ox: float = OX_UNMANAGED) -> float:
    """Methane committed by ``msw_t`` t of waste landfilled in one year [t CH4].

    CH4 = MSW × DOC × DOCf × MCF × F × 16/12 × (1 − R) × (1 − OX)  (IPCC 2006 Vol.5 Ch.3,
    the methane-commitment shortcut of METHODS.md; R = share recovered, OX = oxidised).
    """
    return msw_t * doc * docf * mcf * f * 16.0 / 12.0 * (1.0 - recovered) * (1.0 - ox)
