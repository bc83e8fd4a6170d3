"""Indicators of growth scenarios (themes ``exposure`` and ``scenario``).

Computed by :func:`carlcities.scenarios.scenario_effects` between the base year and each
scenario decade (kind ``pair``). Their inputs carry the prefix ``scn_`` so that the observed
pipeline, which never supplies them, never evaluates them.

Inputs
------
``scn_new_pop_<layer>`` [persons], ``scn_new_builtup_<layer>`` [ha]: residents added and
built-up land developed inside a hazard layer since the base year; ``scn_new_land_ha`` [ha]
built-up land developed; ``scn_new_population`` [persons] residents added;
``scn_street_density`` [km/km²]; ``scn_remainder`` [persons] growth that did not fit.

References
----------
UN-Habitat (2014). *A new strategy of sustainable neighbourhood planning: five principles*
(Urban Planning Discussion Note 3): at least 18 km of street per km² of new neighbourhoods.

Angel, S. et al. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1*: built-up area
and its density.

UNDRR (2017). *Words into Action: National Disaster Risk Assessment*: exposure = people and
assets located in hazard zones.
"""

from __future__ import annotations

from carlcities.indicators.registry import IndicatorResult, divide, indicator

__all__: list[str] = []  # indicators are reached through the registry

HAZARD_NAMES = {
    "flood_100": ("the 100-year flood zone", "зоне паводка 1 % обеспеченности"),
    "mudflow": ("mudflow zones", "селеопасных зонах"),
    "fault_buffer": ("fault buffers", "буферных зонах активных разломов"),
}
UNDRR = "UNDRR (2017) Words into Action: National Disaster Risk Assessment (exposure)"
HABITAT = "UN-Habitat (2014) A new strategy of sustainable neighbourhood planning: five principles"
ATLAS = "Angel et al. (2016) Atlas of Urban Expansion, vol. 1"


def _register_hazard(layer: str) -> None:
    en, ru = HAZARD_NAMES[layer]
    pop_in, land_in = f"scn_new_pop_{layer}", f"scn_new_builtup_{layer}"

    def pop(**kw: float) -> IndicatorResult:
        return float(kw[pop_in])

    pop.__doc__ = (f"Residents added in {en} since the base year [persons]: Σ over the "
                   "layer's cells of (scenario population − base population).")
    indicator(f"exposure.pop_new_{layer}", name_en=f"New residents in {en}",
              name_ru=f"Новые жители в {ru}", unit="persons", inputs=(pop_in,),
              reference=UNDRR, method=f"sum of residents added in {en} since the base year",
              kind="pair", zonal=False, higher_is="worse")(pop)

    def land(**kw: float) -> IndicatorResult:
        return float(kw[land_in])

    land.__doc__ = (f"Built-up land developed in {en} since the base year [ha]: Σ over the "
                    "layer's cells of new developed land.")
    indicator(f"exposure.builtup_new_{layer}", name_en=f"New built-up land in {en}",
              name_ru=f"Новая застройка в {ru}", unit="ha", inputs=(land_in,),
              reference=UNDRR, method=f"built-up land developed in {en} since the base year",
              kind="pair", zonal=False, higher_is="worse")(land)


for _layer in HAZARD_NAMES:
    _register_hazard(_layer)


@indicator("scenario.land_take", name_en="Land take (new built-up land)",
           name_ru="Изъятие земель под новую застройку", unit="ha",
           inputs=("scn_new_land_ha",), reference=ATLAS,
           method="built-up land developed since the base year", kind="pair", zonal=False,
           higher_is="worse")
def land_take(scn_new_land_ha: float) -> IndicatorResult:
    """Built-up land developed since the base year [ha] (land take of the scenario)."""
    return float(scn_new_land_ha)


@indicator("scenario.growth_density", name_en="Density of growth",
           name_ru="Плотность прироста населения", unit="persons/ha",
           inputs=("scn_new_population", "scn_new_land_ha"), reference=ATLAS,
           method="residents added per ha of new built-up land (infill included)",
           kind="pair", zonal=False, higher_is="better")
def growth_density(scn_new_population: float, scn_new_land_ha: float) -> IndicatorResult:
    """Residents added per ha of built-up land developed since the base year [persons/ha]."""
    return divide(scn_new_population, scn_new_land_ha, "scn_new_land_ha")


@indicator("scenario.new_road_length", name_en="New street length",
           name_ru="Протяжённость новых улиц", unit="km",
           inputs=("scn_new_land_ha", "scn_street_density"), reference=HABITAT,
           method="new built-up land [km²] × street density [km/km²]", kind="pair",
           zonal=False, higher_is="neutral")
def new_road_length(scn_new_land_ha: float, scn_street_density: float) -> IndicatorResult:
    """Street length serving new built-up land [km] = land [ha] / 100 × density [km/km²].

    The density is the city's observed street density when given, else UN-Habitat's (2014)
    18 km/km² for new neighbourhoods.
    """
    return float(scn_new_land_ha) / 100.0 * float(scn_street_density)


@indicator("scenario.road_per_new_resident", name_en="New street length per new resident",
           name_ru="Протяжённость новых улиц на нового жителя", unit="m/person",
           inputs=("scn_new_land_ha", "scn_street_density", "scn_new_population"),
           reference=HABITAT, method="new street length [m] / residents added", kind="pair",
           zonal=False, higher_is="worse")
def road_per_new_resident(scn_new_land_ha: float, scn_street_density: float,
                          scn_new_population: float) -> IndicatorResult:
    """New street length per resident added [m/person] (an infrastructure cost proxy)."""
    km = float(scn_new_land_ha) / 100.0 * float(scn_street_density)
    return divide(km * 1000.0, scn_new_population, "scn_new_population")


@indicator("scenario.unallocated_population", name_en="Growth that does not fit",
           name_ru="Неразмещённый прирост населения", unit="persons",
           inputs=("scn_remainder",),
           reference="carlcities growth allocation (docs/growth_scenarios.md)",
           method="projected growth beyond the land the scenario allows", kind="pair",
           zonal=False, higher_is="worse")
def unallocated_population(scn_remainder: float) -> IndicatorResult:
    """Projected residents the scenario's land could not hold, summed to the epoch [persons]."""
    return float(scn_remainder)
