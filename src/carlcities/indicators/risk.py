"""Hazard, exposure and risk indicators (themes ``hazard``, ``exposure``, ``risk``).

The numbers are computed by :mod:`carlcities.risk` (exposure model on the city grid, the
stochastic earthquake event set with a ground-motion model, vulnerability functions, flood
depth-damage functions, debris-flow run-out corridors, heat days and excess deaths); these
registrations give them ids, names in English and Russian, units and references, so that the
store, the report and ``carlcities indicators`` list them. Their inputs (``risk_*``) are
produced only by the risk engine, so the form/growth pipeline never evaluates them by accident.
A hazard added as a plugin (:mod:`carlcities.risk.hazards`) registers its own indicators in
its module; the engine gives every hazard mask ``risk_pop_<mask>``, ``risk_value_<mask>`` and
``risk_facilities_<mask>`` inputs, which the ``exposure.*_flood_100`` and ``*_mudflow``
indicators below read for the built-in masks.

Scenario losses of a named historic earthquake are stored under ``scenario = <event id>``;
trajectories under ``scenario = <exposure>|<climate>`` with ``epoch`` the year.

References
----------
Bindi, D. et al. (2011). Intensity prediction equations for Central Asia. GJI 187:327-337.
Boore, D.M., Stewart, J.P., Seyhan, E., Atkinson, G.M. (2014). NGA-West2 equations for
predicting PGA, PGV, and 5% damped PSA for shallow crustal earthquakes. Earthq. Spectra
30(3):1057-1085. Silva, V. et al. (2014). Development of the OpenQuake engine, the Global
Earthquake Model's open-source software for seismic risk assessment. Nat. Hazards 72:1409.
Huizinga, J., de Moel, H., Szewczyk, W. (2017). Global flood depth-damage functions. JRC
EUR 28552 EN.
"""

from __future__ import annotations

from typing import Any

from carlcities.indicators.registry import IndicatorResult, divide, indicator

__all__: list[str] = []  # indicators are reached through the registry

PSHA = ("classical PSHA, mean of an 18-branch logic tree (source model: smoothed seismicity "
        "with or without moment-balanced fault sources, plus Hindu Kush-Pamir intermediate "
        "depth; Mmax; b-value); Boore et al. 2014 on rock (Vs30 = 760 m/s); "
        "eq-source-model 2.0")
PSHA_FRACTILE = PSHA.replace("mean of", "weighted fractile of")
EB = ("event-based risk: stochastic event set x exposure x vulnerability with sampled "
      "between- and within-event ground-motion variability (OpenQuake convention, Silva et al. "
      "2014)")
CLASSICAL = ("classical risk (OpenQuake classical_risk): hazard curves of the central "
             "branch's event set per exposure block (point sources, untruncated BSSA14 "
             "variability, the event-based cut-off distance) convolved with the vulnerability "
             "functions")
CLASSICAL_USER = ("classical risk on the authoritative hazard: the user's rock hazard curves "
                  "(OpenQuake CSV) or maps (GeoTIFF / OpenQuake CSV, power law between return "
                  "periods) amplified with the BSSA14 site term, convolved with the "
                  "vulnerability functions")
JRC = "JRC global flood depth-damage functions, Asia (Huizinga et al. 2017)"


def _passthrough(iid: str, en: str, ru: str, unit: str, inp: str, ref: str, method: str,
                 higher_is: str = "worse", zonal: bool = False) -> None:
    def f(**kw: float) -> float:
        return float(kw[inp])

    f.__name__ = iid.replace(".", "_")
    f.__doc__ = f"{en} [{unit}]."
    indicator(iid, name_en=en, name_ru=ru, unit=unit, inputs=(inp,), reference=ref,
              method=method, zonal=zonal, higher_is=higher_is)(f)


# -- hazard ----------------------------------------------------------------------------------
_a: tuple[Any, ...]  # _passthrough's arguments: 7 to 9 of them, per table below
for _a in (
    ("hazard.eq_pga475_rock", "Peak ground acceleration on rock, 475-year return period",
     "Пиковое ускорение грунта на скальном основании, период повторяемости 475 лет", "g",
     "risk_pga475_g", PSHA, "PGA with 10 % probability of exceedance in 50 years at the city "
     "centre [g]"),
    ("hazard.eq_pga2475_rock", "Peak ground acceleration on rock, 2,475-year return period",
     "Пиковое ускорение грунта на скальном основании, период повторяемости 2475 лет", "g",
     "risk_pga2475_g", PSHA, "PGA with 2 % probability of exceedance in 50 years [g]"),
    ("hazard.eq_pga475_rock_p16", "PGA on rock, 475 years, 16 % fractile",
     "ПУГ на скальном основании, 475 лет, квантиль 16 %", "g", "risk_pga475_p16_g",
     PSHA_FRACTILE, "16 % fractile hazard curve of the logic tree, read at 475 years [g]"),
    ("hazard.eq_pga475_rock_p84", "PGA on rock, 475 years, 84 % fractile",
     "ПУГ на скальном основании, 475 лет, квантиль 84 %", "g", "risk_pga475_p84_g",
     PSHA_FRACTILE, "84 % fractile hazard curve of the logic tree, read at 475 years [g]"),
    ("hazard.eq_pga2475_rock_p16", "PGA on rock, 2,475 years, 16 % fractile",
     "ПУГ на скальном основании, 2475 лет, квантиль 16 %", "g", "risk_pga2475_p16_g",
     PSHA_FRACTILE, "16 % fractile hazard curve of the logic tree, read at 2475 years [g]"),
    ("hazard.eq_pga2475_rock_p84", "PGA on rock, 2,475 years, 84 % fractile",
     "ПУГ на скальном основании, 2475 лет, квантиль 84 %", "g", "risk_pga2475_p84_g",
     PSHA_FRACTILE, "84 % fractile hazard curve of the logic tree, read at 2475 years [g]"),
    ("hazard.eq_pga475_authoritative", "PGA on rock, 475 years, authoritative hazard",
     "ПУГ на скальном основании, 475 лет, по официальной модели опасности", "g",
     "risk_pga475_authoritative_g", "the user's hazard curves or maps (data.hazard_curves / "
     "data.hazard_maps) at the city centre", "PGA with 10 % probability of exceedance in 50 "
     "years read on the authoritative hazard [g]"),
    ("hazard.eq_msk475", "Macroseismic intensity, 475-year return period",
     "Макросейсмическая интенсивность, период повторяемости 475 лет", "MSK-64",
     "risk_msk475", "classical PSHA with the Bindi et al. 2011 intensity prediction equation "
     "for Central Asia", "MSK-64 intensity with 10 % probability of exceedance in 50 years"),
    ("hazard.vs30_median", "Median Vs30 of built-up cells", "Медиана Vs30 застроенных ячеек",
     "m/s", "risk_vs30_median", "Wald & Allen 2007 slope proxy, or the site model given",
     "population-weighted median shear-wave velocity of the top 30 m [m/s]", "neutral"),
    ("hazard.heat_days_35", "Days with maximum temperature of 35 °C or more",
     "Дни с максимальной температурой 35 °C и выше", "days/yr", "risk_heat_days_35",
     "daily temperature series", "mean number of days per year with Tmax >= 35 degC"),
    ("hazard.heat_days_40", "Days with maximum temperature of 40 °C or more",
     "Дни с максимальной температурой 40 °C и выше", "days/yr", "risk_heat_days_40",
     "daily temperature series", "mean number of days per year with Tmax >= 40 degC"),
    ("hazard.heatwave_days", "Heatwave days", "Дни волн жары", "days/yr",
     "risk_heatwave_days", "daily temperature series; Turkmen hazardous-heat criterion",
     "mean days per year in runs of 5 or more consecutive days with Tmax > 40 degC"),
):
    _passthrough(*_a)

# -- exposure --------------------------------------------------------------------------------
for _a in (
    ("exposure.value_total", "Replacement value of buildings and contents",
     "Восстановительная стоимость зданий и имущества", "USD", "risk_value_usd",
     "GEM global exposure model (Central Asia) typology mixes and costs on the city grid",
     "structural + non-structural + contents replacement cost [USD]", "neutral", True),
    ("exposure.buildings", "Buildings", "Здания", "count", "risk_buildings",
     "GEM global exposure model typology mixes on the city grid", "number of buildings",
     "neutral", True),
    ("exposure.pop_flood_100", "Population in the 100-year flood zone",
     "Население в зоне затопления 100-летнего паводка", "persons", "risk_pop_flood_100",
     "flood depth rasters on the city grid", "residents of cells with depth > 0 at the "
     "100-year flood", "worse", True),
    ("exposure.value_flood_100", "Value in the 100-year flood zone",
     "Стоимость в зоне затопления 100-летнего паводка", "USD", "risk_value_flood_100",
     "flood depth rasters on the city grid", "replacement value of cells flooded at the "
     "100-year flood [USD]", "worse", True),
    ("exposure.pop_mudflow", "Population in mudflow run-out corridors",
     "Население в зонах выноса селей", "persons", "risk_pop_mudflow",
     "mudflow map, or run-out corridors on debris fans from the DEM (angle of reach)",
     "residents of cells in mudflow run-out corridors", "worse", True),
    ("exposure.value_mudflow", "Value in mudflow run-out corridors",
     "Стоимость в зонах выноса селей", "USD", "risk_value_mudflow",
     "mudflow map, or run-out corridors from the DEM", "replacement value in mudflow run-out "
     "corridors [USD]", "worse", True),
    ("exposure.facilities_flood_100", "Hospitals, schools and fire stations in the 100-year "
     "flood zone", "Больницы, школы и пожарные части в зоне паводка 1 %", "count",
     "risk_facilities_flood_100", "OpenStreetMap amenities on the flood depth maps",
     "critical facilities (OSM amenity=hospital, school, fire_station) in flooded cells",
     "worse", True),
    ("exposure.facilities_mudflow", "Hospitals, schools and fire stations in mudflow "
     "corridors", "Больницы, школы и пожарные части в зонах выноса селей", "count",
     "risk_facilities_mudflow", "OpenStreetMap amenities on the mudflow run-out corridors",
     "critical facilities (OSM amenity=hospital, school, fire_station) in run-out corridors",
     "worse", True),
    ("exposure.pop_65plus_heat", "People aged 65 and over exposed to heat days",
     "Люди 65 лет и старше, подверженные жаре", "persons", "risk_pop_65plus",
     "UN World Population Prospects share of people 65+ x population",
     "residents aged 65 and over in a city with days of Tmax >= 40 degC", "worse", True),
):
    _passthrough(*_a)

# -- risk ------------------------------------------------------------------------------------
for _a in (
    ("risk.eq_eal", "Expected annual earthquake loss", "Ожидаемые среднегодовые потери от "
     "землетрясений", "USD/yr", "risk_eq_eal_usd", EB, "sum over events of annual rate x "
     "loss [USD/yr]", "worse", True),
    ("risk.eq_eal_classical", "Expected annual earthquake loss, classical",
     "Ожидаемые среднегодовые потери от землетрясений, классический метод", "USD/yr",
     "risk_eq_eal_classical_usd", CLASSICAL, "sum over the exposure of value x integral of "
     "the mean loss ratio over the hazard curve of the central branch [USD/yr] (the "
     "expectation of risk.eq_eal)", "worse", True),
    ("risk.eq_eal_authoritative", "Expected annual earthquake loss on the authoritative "
     "hazard", "Ожидаемые среднегодовые потери от землетрясений по официальной модели "
     "опасности", "USD/yr", "risk_eq_eal_authoritative_usd", CLASSICAL_USER, "sum over the "
     "exposure of value x integral of the mean loss ratio over the user's hazard curve "
     "(data.hazard_curves / data.hazard_maps) amplified to the site [USD/yr]", "worse", True),
    ("risk.eq_fatalities_annual", "Expected annual earthquake fatalities",
     "Ожидаемое среднегодовое число погибших при землетрясениях", "persons/yr",
     "risk_eq_fatalities", EB, "sum over events of annual rate x deaths (occupants x fatality "
     "ratio) [persons/yr]", "worse", True),
    ("risk.eq_fatalities_rp475", "Earthquake deaths, 475-year return period",
     "Число погибших при землетрясении, период повторяемости 475 лет", "persons",
     "risk_eq_fatalities_rp475", EB, "deaths exceeded with annual frequency 1/475 in the "
     "stochastic catalogues (calibrated casualty model in SA(1.0 s)) [persons]"),
    ("risk.eq_loss_rp100", "Earthquake loss, 100-year return period",
     "Потери от землетрясения, период повторяемости 100 лет", "USD", "risk_eq_loss_rp100", EB,
     "loss exceeded with annual frequency 1/100 [USD]"),
    ("risk.eq_loss_rp250", "Earthquake loss, 250-year return period",
     "Потери от землетрясения, период повторяемости 250 лет", "USD", "risk_eq_loss_rp250", EB,
     "loss exceeded with annual frequency 1/250 [USD]"),
    ("risk.eq_loss_rp500", "Earthquake loss, 500-year return period",
     "Потери от землетрясения, период повторяемости 500 лет", "USD", "risk_eq_loss_rp500", EB,
     "loss exceeded with annual frequency 1/500 [USD]"),
    ("risk.eq_loss_rp1000", "Earthquake loss, 1,000-year return period",
     "Потери от землетрясения, период повторяемости 1000 лет", "USD", "risk_eq_loss_rp1000",
     EB, "loss exceeded with annual frequency 1/1000 [USD]"),
    ("risk.flood_eal", "Expected annual flood loss", "Ожидаемые среднегодовые потери от "
     "наводнений", "USD/yr", "risk_flood_eal_usd", JRC, "trapezoid integration of the losses "
     "of the flood return periods over annual exceedance probability [USD/yr]", "worse", True),
    ("risk.heat_excess_deaths", "Heat-attributable deaths", "Смертность, связанная с жарой",
     "persons/yr", "risk_heat_deaths", "exposure-response function over the minimum-mortality "
     "temperature (see docs/risk.md)", "attributable deaths per year [persons/yr]"),
    ("risk.scenario_loss", "Scenario earthquake loss", "Потери при сценарном землетрясении",
     "USD", "risk_scenario_loss_usd", EB, "mean loss of the named scenario rupture [USD]",
     "worse", True),
    ("risk.scenario_fatalities", "Scenario earthquake fatalities",
     "Погибшие при сценарном землетрясении", "persons", "risk_scenario_fatalities", EB,
     "mean deaths of the named scenario rupture [persons]", "worse", True),
    ("risk.scenario_msk", "Scenario intensity at the city centre",
     "Сценарная интенсивность в центре города", "MSK-64", "risk_scenario_msk",
     "Bindi et al. 2011 intensity prediction equation for Central Asia",
     "modelled MSK-64 intensity at the catalogue point of the city"),
):
    _passthrough(*_a)


@indicator("risk.eq_eal_ratio", name_en="Expected annual earthquake loss ratio",
           name_ru="Коэффициент ожидаемых среднегодовых потерь от землетрясений", unit="‰",
           inputs=("risk_eq_eal_usd", "risk_value_usd"), reference=EB, zonal=True,
           higher_is="worse", method="expected annual loss / replacement value x 1000 [‰]")
def eq_eal_ratio(risk_eq_eal_usd: float, risk_value_usd: float) -> IndicatorResult:
    """Expected annual loss per mille of the exposed value [‰]."""
    r = divide(risk_eq_eal_usd, risk_value_usd, "exposed value")
    return r if isinstance(r, tuple) else 1000.0 * r
