"""Greenhouse-gas indicators (theme ``ghg``): the GPC BASIC inventory and its pathways.

The numbers are computed by :mod:`carlcities.carbon` (activity × IPCC 2006 factors, GPC v1.1
BASIC); these registrations give them ids, names in English and Russian, units and
references, so that the store, the report and ``carlcities indicators`` list them. The inputs
(``ghg_*_t``) are produced only by the carbon module, so the form/growth pipeline never
evaluates them by accident.

References
----------
WRI, C40, ICLEI (2021). Global Protocol for Community-Scale Greenhouse Gas Inventories
(GPC), version 1.1. IPCC (2006). 2006 IPCC Guidelines for National Greenhouse Gas
Inventories.
"""

from __future__ import annotations

from carlcities.indicators.registry import IndicatorResult, divide, indicator

__all__: list[str] = []  # indicators are reached through the registry

GPC = "GPC v1.1 (WRI, C40, ICLEI 2021), BASIC; IPCC 2006 Tier 1 factors"


@indicator("ghg.total", name_en="Greenhouse gas emissions (GPC BASIC)",
           name_ru="Выбросы парниковых газов (GPC BASIC)", unit="t CO2e/yr",
           inputs=("ghg_basic_t",), reference=GPC, zonal=False, higher_is="worse",
           method="stationary energy and transport (scopes 1+2) and waste (scopes 1+3) "
                  "[t CO2e/yr]; grid-supplied energy generation (I.4.4) excluded")
def total(ghg_basic_t: float) -> float:
    """GPC BASIC total [t CO2e/yr] (GPC v1.1 ch. 3)."""
    return float(ghg_basic_t)


@indicator("ghg.per_capita", name_en="Greenhouse gas emissions per person",
           name_ru="Выбросы парниковых газов на человека", unit="t CO2e/person/yr",
           inputs=("ghg_basic_t", "ghg_population"), reference=GPC, zonal=False,
           higher_is="worse", method="GPC BASIC total / population [t CO2e/person/yr]")
def per_capita(ghg_basic_t: float, ghg_population: float) -> IndicatorResult:
    """BASIC total per resident [t CO2e/person/yr]."""
    return divide(ghg_basic_t, ghg_population, "population")


def _register(iid: str, en: str, ru: str, inp: str, gpc: str, method: str) -> None:
    def f(**kw: float) -> float:
        return float(kw[inp])

    f.__name__ = iid.replace(".", "_")
    f.__doc__ = f"{en} [t CO2e/yr] (GPC {gpc})."
    indicator(iid, name_en=en, name_ru=ru, unit="t CO2e/yr", inputs=(inp,),
              reference=f"{GPC}; GPC {gpc}", method=method, zonal=False,
              higher_is="worse")(f)


for _iid, _en, _ru, _gpc, _m in (
    ("ghg.stationary", "Stationary energy emissions", "Выбросы стационарной энергетики", "I",
     "residential, commercial and manufacturing, scopes 1+2 [t CO2e/yr]"),
    ("ghg.stationary.residential", "Residential buildings emissions",
     "Выбросы жилых зданий", "I.1", "fuel burnt (scope 1), electricity and district heat "
     "(scope 2) [t CO2e/yr]"),
    ("ghg.stationary.commercial", "Commercial and institutional buildings emissions",
     "Выбросы коммерческих и общественных зданий", "I.2",
     "fuel burnt (scope 1), electricity and district heat (scope 2) [t CO2e/yr]"),
    ("ghg.stationary.manufacturing", "Manufacturing and construction emissions",
     "Выбросы обрабатывающей промышленности и строительства", "I.3",
     "fuel burnt (scope 1) and electricity (scope 2) [t CO2e/yr]"),
    ("ghg.stationary.energy_industries", "Grid-supplied energy generation in the city",
     "Выбросы производства энергии для сетей в городе", "I.4.4",
     "CHP plants and heat-only boilers (scope 1), reported but not in the BASIC total "
     "[t CO2e/yr]"),
    ("ghg.transport", "Transport emissions", "Выбросы транспорта", "II",
     "on-road and rail, scopes 1+2 [t CO2e/yr]"),
    ("ghg.transport.on_road", "On-road transport emissions",
     "Выбросы автомобильного транспорта", "II.1",
     "cars and buses by fuel (scope 1) [t CO2e/yr]; freight not estimated"),
    ("ghg.transport.rail", "Rail, metro and trolleybus emissions",
     "Выбросы рельсового транспорта, метро и троллейбусов", "II.2",
     "traction electricity (scope 2) and diesel (scope 1) [t CO2e/yr]; IE by default"),
    ("ghg.waste", "Waste emissions", "Выбросы отходов", "III",
     "solid waste disposal and wastewater [t CO2e/yr]"),
    ("ghg.waste.solid", "Solid waste disposal emissions", "Выбросы от захоронения отходов",
     "III.1", "landfill methane, IPCC methane commitment (scope 1 or 3) [t CO2e/yr]"),
    ("ghg.waste.wastewater", "Wastewater emissions", "Выбросы от сточных вод", "III.4",
     "CH4 from treatment and N2O from effluent (scope 1) [t CO2e/yr]"),
):
    _register(_iid, _en, _ru, "ghg_" + _iid.split(".", 1)[1].replace(".", "_") + "_t", _gpc, _m)
