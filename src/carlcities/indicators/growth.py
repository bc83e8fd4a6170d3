"""Urban growth indicators between two epochs (theme ``growth``).

Inputs are the epoch inputs suffixed ``_1`` (start) and ``_2`` (end), ``years`` = t₂ − t₁ [yr],
``pgr_epsilon`` [1/yr] and the new-growth areas ``infill_ha``, ``extension_ha``,
``leapfrog_ha`` and ``inclusion_ha`` [ha] (from :func:`carlcities.indicators.atlas.new_growth`).

References
----------
UN-Habitat (2021). SDG indicator 11.3.1 metadata: ratio of land consumption rate to
population growth rate. LCR = ln(Urb₂/Urb₁)/y; PGR = ln(Pop₂/Pop₁)/y; LCRPGR = LCR/PGR.

Angel, S. et al. (2024). *Land* 13(9):1491 — the rate of change of land consumption per
person, ΔC = [ln(Urb₂/Urb₁) − ln(Pop₂/Pop₁)]/y, reported where LCRPGR is meaningless.

Angel, S. et al. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1*: infill,
extension, leapfrog and inclusion.
"""

from __future__ import annotations

from carlcities.indicators.registry import IndicatorResult, divide, indicator, log_ratio, percent

__all__: list[str] = []  # indicators are reached through the registry

SDG = "UN-Habitat SDG 11.3.1 metadata"
ANGEL24 = "Angel et al. (2024) Land 13(9):1491"
ATLAS = "Angel et al. (2016) Atlas of Urban Expansion, vol. 1"


def _rate(
    end: float, start: float, years: float, end_name: str, start_name: str
) -> IndicatorResult:
    """Continuous annual rate ln(end/start)/years [1/yr], or (None, flag)."""
    lr = log_ratio(end, start, end_name, start_name)
    if isinstance(lr, tuple):
        return lr
    return divide(lr, years, "years")


@indicator(
    "growth.lcr",
    name_en="Land consumption rate",
    name_ru="Темп потребления земли",
    unit="1/yr",
    inputs=("builtup_surface_ha_1", "builtup_surface_ha_2", "years"),
    reference=SDG,
    method="LCR = ln(Urb₂/Urb₁)/y, Urb = built-up surface",
    kind="pair",
)
def lcr(builtup_surface_ha_1: float, builtup_surface_ha_2: float, years: float) -> IndicatorResult:
    """Land consumption rate [1/yr] LCR = ln(Urb₂/Urb₁)/y (UN-Habitat SDG 11.3.1 metadata).

    Urb is the built-up surface [ha]; y the years between the epochs [yr].
    """
    return _rate(
        builtup_surface_ha_2,
        builtup_surface_ha_1,
        years,
        "builtup_surface_ha_2",
        "builtup_surface_ha_1",
    )


@indicator(
    "growth.pgr",
    name_en="Population growth rate",
    name_ru="Темп роста населения",
    unit="1/yr",
    inputs=("population_1", "population_2", "years"),
    reference=SDG,
    method="PGR = ln(Pop₂/Pop₁)/y",
    kind="pair",
)
def pgr(population_1: float, population_2: float, years: float) -> IndicatorResult:
    """Population growth rate [1/yr] PGR = ln(Pop₂/Pop₁)/y (UN-Habitat SDG 11.3.1 metadata)."""
    return _rate(population_2, population_1, years, "population_2", "population_1")


@indicator(
    "growth.lcrpgr",
    name_en="Ratio of land consumption rate to population growth rate (SDG 11.3.1)",
    name_ru="Отношение темпа потребления земли к темпу роста населения (ЦУР 11.3.1)",
    unit="ratio",
    inputs=(
        "builtup_surface_ha_1",
        "builtup_surface_ha_2",
        "population_1",
        "population_2",
        "years",
        "pgr_epsilon",
    ),
    reference=SDG,
    method="LCRPGR = LCR/PGR; undefined when PGR ≤ ε (then see growth.delta_c)",
    kind="pair",
    higher_is="worse",
)
def lcrpgr(
    builtup_surface_ha_1: float,
    builtup_surface_ha_2: float,
    population_1: float,
    population_2: float,
    years: float,
    pgr_epsilon: float,
) -> IndicatorResult:
    """SDG 11.3.1 LCRPGR [ratio] = LCR / PGR (UN-Habitat SDG 11.3.1 metadata).

    When the population growth rate is at most ``pgr_epsilon`` [1/yr] (falling, stable or
    barely growing population) the ratio is meaningless (Angel et al. 2024, Land 13:1491):
    the value is undefined and growth.delta_c should be read instead.
    """
    p = pgr(population_1, population_2, years)
    if isinstance(p, tuple):
        return p
    if p <= float(pgr_epsilon):
        return (None, "undefined: population growth rate ≤ ε; see growth.delta_c")
    c = lcr(builtup_surface_ha_1, builtup_surface_ha_2, years)
    if isinstance(c, tuple):
        return c
    return c / p


@indicator(
    "growth.delta_c",
    name_en="Rate of change of land consumption per person",
    name_ru="Темп изменения потребления земли на человека",
    unit="1/yr",
    inputs=(
        "builtup_surface_ha_1",
        "builtup_surface_ha_2",
        "population_1",
        "population_2",
        "years",
    ),
    reference=ANGEL24,
    method="ΔC = [ln(Urb₂/Urb₁) − ln(Pop₂/Pop₁)]/y",
    kind="pair",
    higher_is="worse",
)
def delta_c(
    builtup_surface_ha_1: float,
    builtup_surface_ha_2: float,
    population_1: float,
    population_2: float,
    years: float,
) -> IndicatorResult:
    """Rate of change of land consumption per person [1/yr] (Angel et al. 2024, Land 13:1491).

    ΔC = [ln(Urb₂/Urb₁) − ln(Pop₂/Pop₁)] / y, defined whatever the sign of population growth.
    """
    lu = log_ratio(
        builtup_surface_ha_2, builtup_surface_ha_1, "builtup_surface_ha_2", "builtup_surface_ha_1"
    )
    if isinstance(lu, tuple):
        return lu
    lp = log_ratio(population_2, population_1, "population_2", "population_1")
    if isinstance(lp, tuple):
        return lp
    return divide(lu - lp, years, "years")


@indicator(
    "growth.builtup_per_person_change",
    name_en="Change in built-up area per person",
    name_ru="Изменение застроенной площади на человека",
    unit="m²/person",
    inputs=("builtup_surface_ha_1", "builtup_surface_ha_2", "population_1", "population_2"),
    reference="UN-Habitat SDG 11.3.1 metadata (built-up area per capita)",
    method="built-up surface per person at the end minus at the start",
    kind="pair",
    higher_is="worse",
)
def builtup_per_person_change(
    builtup_surface_ha_1: float,
    builtup_surface_ha_2: float,
    population_1: float,
    population_2: float,
) -> IndicatorResult:
    """Change of built-up area per person [m²/person] = Urb₂·10⁴/Pop₂ − Urb₁·10⁴/Pop₁.

    UN-Habitat SDG 11.3.1 metadata, secondary indicator (built-up area per capita).
    """
    a = divide(float(builtup_surface_ha_1) * 1e4, population_1, "population_1")
    if isinstance(a, tuple):
        return a
    b = divide(float(builtup_surface_ha_2) * 1e4, population_2, "population_2")
    if isinstance(b, tuple):
        return b
    return b - a


@indicator(
    "growth.infill_area",
    name_en="Infill area",
    name_ru="Площадь заполнения",
    unit="ha",
    inputs=("infill_ha",),
    reference=ATLAS,
    method="new built-up area inside the start-epoch urban extent",
    kind="pair",
)
def infill_area(infill_ha: float) -> float:
    """Infill area between the epochs [ha] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return float(infill_ha)


@indicator(
    "growth.extension_area",
    name_en="Extension area",
    name_ru="Площадь расширения",
    unit="ha",
    inputs=("extension_ha",),
    reference=ATLAS,
    method="new built-up area in clusters touching the start-epoch urban extent",
    kind="pair",
)
def extension_area(extension_ha: float) -> float:
    """Extension area between the epochs [ha] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return float(extension_ha)


@indicator(
    "growth.leapfrog_area",
    name_en="Leapfrog area",
    name_ru="Площадь скачкообразного роста",
    unit="ha",
    inputs=("leapfrog_ha",),
    reference=ATLAS,
    method="new built-up area in clusters detached from the start-epoch urban extent",
    kind="pair",
)
def leapfrog_area(leapfrog_ha: float) -> float:
    """Leapfrog area between the epochs [ha] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return float(leapfrog_ha)


@indicator(
    "growth.inclusion_area",
    name_en="Inclusion area",
    name_ru="Площадь включения",
    unit="ha",
    inputs=("inclusion_ha",),
    reference=ATLAS,
    method="open space outside the start-epoch extent newly inside the end-epoch extent",
    kind="pair",
)
def inclusion_area(inclusion_ha: float) -> float:
    """Inclusion area between the epochs [ha] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return float(inclusion_ha)


def _share(
    part: float, infill_ha: float, extension_ha: float, leapfrog_ha: float
) -> IndicatorResult:
    total = float(infill_ha) + float(extension_ha) + float(leapfrog_ha)
    return percent(part, total, "new built-up area (infill + extension + leapfrog)")


_SHARE_INPUTS = ("infill_ha", "extension_ha", "leapfrog_ha")


@indicator(
    "growth.infill_share",
    name_en="Infill share of new built-up area",
    name_ru="Доля заполнения в новой застройке",
    unit="%",
    inputs=_SHARE_INPUTS,
    reference=ATLAS,
    method="100 × infill / (infill + extension + leapfrog)",
    kind="pair",
    higher_is="better",
)
def infill_share(infill_ha: float, extension_ha: float, leapfrog_ha: float) -> IndicatorResult:
    """Infill share of new built-up area [%] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return _share(infill_ha, infill_ha, extension_ha, leapfrog_ha)


@indicator(
    "growth.extension_share",
    name_en="Extension share of new built-up area",
    name_ru="Доля расширения в новой застройке",
    unit="%",
    inputs=_SHARE_INPUTS,
    reference=ATLAS,
    method="100 × extension / (infill + extension + leapfrog)",
    kind="pair",
)
def extension_share(infill_ha: float, extension_ha: float, leapfrog_ha: float) -> IndicatorResult:
    """Extension share of new built-up area [%] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return _share(extension_ha, infill_ha, extension_ha, leapfrog_ha)


@indicator(
    "growth.leapfrog_share",
    name_en="Leapfrog share of new built-up area",
    name_ru="Доля скачкообразного роста в новой застройке",
    unit="%",
    inputs=_SHARE_INPUTS,
    reference=ATLAS,
    method="100 × leapfrog / (infill + extension + leapfrog)",
    kind="pair",
    higher_is="worse",
)
def leapfrog_share(infill_ha: float, extension_ha: float, leapfrog_ha: float) -> IndicatorResult:
    """Leapfrog share of new built-up area [%] (Angel et al. 2016, Atlas of Urban Expansion)."""
    return _share(leapfrog_ha, infill_ha, extension_ha, leapfrog_ha)


@indicator(
    "growth.extent_growth_rate",
    name_en="Urban extent growth rate",
    name_ru="Темп роста городского ареала",
    unit="1/yr",
    inputs=("extent_ha_1", "extent_ha_2", "years"),
    reference=ATLAS,
    method="ln(extent₂/extent₁)/y",
    kind="pair",
)
def extent_growth_rate(extent_ha_1: float, extent_ha_2: float, years: float) -> IndicatorResult:
    """Annual growth rate of the urban extent [1/yr] = ln(A₂/A₁)/y (Angel et al. 2016)."""
    return _rate(extent_ha_2, extent_ha_1, years, "extent_ha_2", "extent_ha_1")
