"""Access to destinations by walking and driving (theme ``access``).

Pure functions of zone aggregates formed by :func:`carlcities.indicators.mobility.compute_mobility`
(coverage-weighted sums of population layers, see :mod:`carlcities.zonal`):

* population-weighted share within d: Σ pᵢ[distᵢ ≤ d] / Σ pᵢ × 100 [%], over *all* residents
  of the zone — residents of cells farther than ``snap_max_m`` from the walk network have no
  network access and count as not within reach (their share is its own indicator);
* walking distance of a cell = distance of its centre to the nearest walk-network node (the
  snap distance) + network distance to the nearest destination entry point (which adds its
  own snap distance); 15 minutes at 4.8 km/h = 1,200 m;
* daily-needs score: how many of market, school, clinic and transit stop lie within 15
  minutes' walk (0–4), population-weighted mean;
* drive time [min] to the nearest hospital / fire station on the directed drive network at
  the free-flow speeds of :data:`carlcities.network.SPEEDS_KMH` (or ``maxspeed``), plus the
  snap leg at ``ACCESS_SPEED_KMH``.

References
----------
Boeing, G. et al. (2022). Using open data and open-source software to develop spatial
indicators of urban design and transport features for achieving healthy and sustainable
cities. *The Lancet Global Health* 10(6):e907–e918. doi:10.1016/S2214-109X(22)00072-9

Moreno, C. et al. (2021). Introducing the "15-minute city". *Smart Cities* 4(1):93–111.
doi:10.3390/smartcities4010006
"""

from __future__ import annotations

from carlcities.indicators.registry import IndicatorResult, divide, indicator, percent

__all__ = ["DEST_NAMES", "THRESHOLDS", "ACCESS_TYPES", "DAILY_NEEDS", "ACCESS_SPEED_KMH",
           "access_ids"]

GHSCI = ("Boeing et al. (2022) Lancet Glob Health 10:e907, doi:10.1016/S2214-109X(22)00072-9; "
         "population-weighted network distance")
FIFTEEN = "Moreno et al. (2021) Smart Cities 4:93, doi:10.3390/smartcities4010006"
#: access leg from a cell centre to the drive network [km/h]
ACCESS_SPEED_KMH = 20.0
#: destination type -> (English, Russian) names
DEST_NAMES: dict[str, tuple[str, str]] = {
    "school": ("a school", "школы"),
    "kindergarten": ("a kindergarten", "детского сада"),
    "clinic": ("a clinic or doctor", "поликлиники или врача"),
    "hospital": ("a hospital", "больницы"),
    "pharmacy": ("a pharmacy", "аптеки"),
    "market": ("a market or supermarket", "рынка или супермаркета"),
    "park": ("a park or public open space", "парка или общественного пространства"),
    "transit": ("a public transport stop", "остановки общественного транспорта"),
    "fire_station": ("a fire station", "пожарной части"),
    "police": ("a police station", "отделения полиции"),
    "shelter": ("a shelter or assembly point", "убежища или пункта сбора"),
}
ACCESS_TYPES = tuple(DEST_NAMES)
#: threshold key -> (distance [m] at 4.8 km/h, English, Russian)
THRESHOLDS: dict[str, tuple[float, str, str]] = {
    "500m": (500.0, "500 m", "500 м"),
    "1km": (1000.0, "1 km", "1 км"),
    "15min": (1200.0, "15 minutes' walk", "15 минут пешком"),
}
DAILY_NEEDS = ("market", "school", "clinic", "transit")


def access_ids() -> list[str]:
    """Ids of every registered ``access.*`` indicator."""
    from carlcities.indicators.registry import all_indicators

    return [i.id for i in all_indicators("access")]


def _share(num: float, den: float) -> IndicatorResult:
    return percent(num, den, "population")


def _register_within(typ: str, key: str) -> None:
    d, en_t, ru_t = THRESHOLDS[key]
    en, ru = DEST_NAMES[typ]
    num = f"pop_{typ}_{key}"

    @indicator(f"access.{typ}_{key}", name_en=f"Population within {en_t} of {en}",
               name_ru=f"Доля населения в пределах {ru_t} от {ru}", unit="%",
               inputs=(num, "population_access"), reference=GHSCI,
               method=f"Σ p [walk distance ≤ {d:g} m] / Σ p × 100 (residents without network "
                      "access count as beyond)", higher_is="better")
    def f(**kw: float) -> IndicatorResult:
        return _share(kw[num], kw["population_access"])

    f.__doc__ = f"Share of residents [%] within {d:g} m network walk of {en}."


def _register_median(typ: str) -> None:
    en, ru = DEST_NAMES[typ]
    name = f"median_{typ}_m"

    @indicator(f"access.{typ}_median_m", name_en=f"Median walking distance to {en}",
               name_ru=f"Медианное расстояние пешком до {ru}", unit="m",
               inputs=(name,), reference=GHSCI,
               method="population-weighted median network walk distance of residents with "
                      "network access", higher_is="worse")
    def f(**kw: float) -> IndicatorResult:
        v = kw[name]
        return (None, f"undefined: no resident reaches {en}") if v != v else float(v)

    f.__doc__ = f"Population-weighted median walking distance [m] to {en}."


for _t in ACCESS_TYPES:
    for _k in THRESHOLDS:
        _register_within(_t, _k)
    _register_median(_t)


@indicator("access.no_network_share", name_en="Population without walk-network access",
           name_ru="Доля населения без доступа к пешеходной сети", unit="%",
           inputs=("pop_no_network", "population_access"), reference=GHSCI,
           method="residents of cells farther than snap_max_m from the walk network / all × 100",
           higher_is="worse")
def no_network_share(pop_no_network: float, population_access: float) -> IndicatorResult:
    """Share of residents [%] whose cell centre is beyond the snap distance of the network."""
    return _share(pop_no_network, population_access)


@indicator("access.daily_needs_score", name_en="Daily-needs score (0–4)",
           name_ru="Индекс повседневных нужд (0–4)", unit="index",
           inputs=("daily_needs_sum", "population_access"), reference=FIFTEEN,
           method="population-weighted mean count of market, school, clinic and transit stop "
                  "within 15 minutes' walk", higher_is="better")
def daily_needs_score(daily_needs_sum: float, population_access: float) -> IndicatorResult:
    """Mean number (0–4) of the daily needs within 15 minutes' walk, population-weighted."""
    return divide(daily_needs_sum, population_access, "population")


@indicator("access.daily_needs_all_share", name_en="Population with all four daily needs "
           "within 15 minutes", name_ru="Доля населения со всеми четырьмя повседневными "
           "объектами в 15 минутах", unit="%", inputs=("pop_daily_all", "population_access"),
           reference=FIFTEEN, method="Σ p [score = 4] / Σ p × 100", higher_is="better")
def daily_needs_all_share(pop_daily_all: float, population_access: float) -> IndicatorResult:
    """Share [%] of residents with market, school, clinic and transit stop all within 15 min."""
    return _share(pop_daily_all, population_access)


@indicator("access.green_15min", name_en="Population within 15 minutes of public green "
           "space ≥ 0.5 ha", name_ru="Доля населения в 15 минутах от общественного зелёного "
           "пространства ≥ 0,5 га", unit="%", inputs=("pop_green_15min", "population_access"),
           reference="WHO Regional Office for Europe (2016) Urban green spaces and health; "
                     + GHSCI,
           method="Σ p [walk ≤ 1,200 m to a park entry point, park area ≥ green_min_ha] / Σ p",
           higher_is="better")
def green_15min(pop_green_15min: float, population_access: float) -> IndicatorResult:
    """Share [%] of residents within 15 minutes' walk of public green space of ≥ 0.5 ha."""
    return _share(pop_green_15min, population_access)


def _register_drive(typ: str) -> None:
    en, ru = DEST_NAMES[typ]
    med = f"median_drive_{typ}_min"

    @indicator(f"access.{typ}_drive_median_min", name_en=f"Median drive time to {en}",
               name_ru=f"Медианное время в пути на автомобиле до {ru}", unit="min",
               inputs=(med,), reference="free-flow network drive time (OSMnx speeds)",
               method="population-weighted median free-flow drive time", higher_is="worse")
    def f(**kw: float) -> IndicatorResult:
        v = kw[med]
        return (None, f"undefined: no resident reaches {en} by road") if v != v else float(v)

    f.__doc__ = f"Population-weighted median free-flow drive time [min] to {en}."

    for mins in (10, 20):
        num = f"pop_{typ}_beyond_{mins}min"

        @indicator(f"access.{typ}_beyond_{mins}min", name_en=f"Population beyond {mins} "
                   f"minutes' drive of {en}", name_ru=f"Доля населения дальше {mins} минут "
                   f"езды от {ru}", unit="%", inputs=(num, "population_access"),
                   reference="free-flow network drive time (OSMnx speeds)",
                   method=f"Σ p [drive time > {mins} min or no road access] / Σ p × 100",
                   higher_is="worse")
        def g(_num: str = num, **kw: float) -> IndicatorResult:
            return _share(kw[_num], kw["population_access"])

        g.__doc__ = f"Share of residents [%] beyond {mins} minutes' drive of {en}."


for _t in ("hospital", "fire_station"):
    _register_drive(_t)


@indicator("access.frequent_transit_500m", name_en="Population within 500 m of a frequent "
           "transit stop", name_ru="Доля населения в 500 м от остановки с частым движением",
           unit="%", inputs=("pop_frequent_500m", "population_access"), reference=GHSCI,
           method="Σ p [walk ≤ 500 m to a GTFS stop served at least every 20 min] / Σ p × 100",
           higher_is="better")
def frequent_transit_500m(pop_frequent_500m: float, population_access: float
                          ) -> IndicatorResult:
    """Share [%] of residents within 500 m of a stop with a headway of 20 min or less."""
    return _share(pop_frequent_500m, population_access)
