"""Urban form indicators of one epoch (theme ``form``).

Inputs are zone aggregates (coverage-weighted sums over the study area or a district) of the
Atlas of Urban Expansion classification (:mod:`carlcities.indicators.atlas`), except the
compactness indices, which take the extent mask of the whole city.

References
----------
Angel, S. et al. (2016). *Atlas of Urban Expansion — 2016 Edition, Volume 1: Areas and
Densities*. NYU Urban Expansion Program and Lincoln Institute of Land Policy.

Angel, S., Parent, J. and Civco, D. L. (2010). Ten compactness properties of circles:
measuring shape in geography. *The Canadian Geographer* 54(4):441–461.
doi:10.1111/j.1541-0064.2009.00304.x

UN-Habitat (2021). SDG indicator 11.3.1 metadata: ratio of land consumption rate to
population growth rate (with built-up area per capita as secondary indicator).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from carlcities.indicators.atlas import compactness
from carlcities.indicators.registry import IndicatorResult, divide, indicator

__all__: list[str] = []  # indicators are reached through the registry

ATLAS = "Angel et al. (2016) Atlas of Urban Expansion, vol. 1"
APC = (
    "Angel, Parent & Civco (2010) Canadian Geographer 54(4):441–461, "
    "doi:10.1111/j.1541-0064.2009.00304.x"
)
SDG = "UN-Habitat SDG 11.3.1 metadata (built-up area per capita)"


# --- areas and population -------------------------------------------------------------


@indicator(
    "form.population",
    name_en="Population",
    name_ru="Численность населения",
    unit="persons",
    inputs=("population",),
    reference="GHSL GHS-POP (Schiavina et al. 2023); zone sum of the population grid",
    method="population of the zone [persons]",
)
def population(population: float) -> float:
    """Population of the zone [persons] (coverage-weighted sum of the population grid)."""
    return float(population)


@indicator(
    "form.builtup_area",
    name_en="Built-up area in the urban extent",
    name_ru="Площадь застройки в городском ареале",
    unit="ha",
    inputs=("builtup_extent_ha",),
    reference=ATLAS,
    method="area of Atlas built-up cells (urban, suburban, enclosed rural) in the urban extent",
)
def builtup_area(builtup_extent_ha: float) -> float:
    """Built-up area inside the urban extent [ha] (Angel et al. 2016)."""
    return float(builtup_extent_ha)


@indicator(
    "form.builtup_surface",
    name_en="Built-up surface",
    name_ru="Застроенная поверхность",
    unit="ha",
    inputs=("builtup_surface_ha",),
    reference="GHSL GHS-BUILT-S (Pesaresi & Politis 2023); UN-Habitat SDG 11.3.1 metadata",
    method="sum of built-up surface share × cell area over the zone (Urb of SDG 11.3.1)",
)
def builtup_surface(builtup_surface_ha: float) -> float:
    """Built-up surface of the zone [ha]: Σ share × cell area (GHS-BUILT-S); Urb of SDG 11.3.1."""
    return float(builtup_surface_ha)


@indicator(
    "form.extent_area",
    name_en="Urban extent area",
    name_ru="Площадь городского ареала",
    unit="ha",
    inputs=("extent_ha",),
    reference=ATLAS,
    method="area of the urban extent: urban + suburban built-up, fringe and captured open space",
)
def extent_area(extent_ha: float) -> float:
    """Area of the urban extent [ha] (Angel et al. 2016)."""
    return float(extent_ha)


@indicator(
    "form.urban_builtup_area",
    name_en="Urban built-up area",
    name_ru="Площадь городской застройки",
    unit="ha",
    inputs=("urban_builtup_ha",),
    reference=ATLAS,
    method="area of built-up cells whose walking circle is more than 50 % built-up",
)
def urban_builtup_area(urban_builtup_ha: float) -> float:
    """Urban built-up area [ha]: built-up cells with b > 0.5 (Angel et al. 2016)."""
    return float(urban_builtup_ha)


@indicator(
    "form.suburban_builtup_area",
    name_en="Suburban built-up area",
    name_ru="Площадь пригородной застройки",
    unit="ha",
    inputs=("suburban_builtup_ha",),
    reference=ATLAS,
    method="area of built-up cells whose walking circle is 25–50 % built-up",
)
def suburban_builtup_area(suburban_builtup_ha: float) -> float:
    """Suburban built-up area [ha]: built-up cells with 0.25 < b ≤ 0.5 (Angel et al. 2016)."""
    return float(suburban_builtup_ha)


@indicator(
    "form.rural_builtup_area",
    name_en="Rural built-up area",
    name_ru="Площадь сельской застройки",
    unit="ha",
    inputs=("rural_builtup_ha",),
    reference=ATLAS,
    method="area of built-up cells whose walking circle is at most 25 % built-up",
)
def rural_builtup_area(rural_builtup_ha: float) -> float:
    """Rural built-up area [ha]: built-up cells with b ≤ 0.25 (Angel et al. 2016)."""
    return float(rural_builtup_ha)


@indicator(
    "form.fringe_open_area",
    name_en="Fringe open space",
    name_ru="Краевое открытое пространство",
    unit="ha",
    inputs=("fringe_open_ha",),
    reference=ATLAS,
    method="area of open cells within 100 m of urban or suburban built-up cells",
)
def fringe_open_area(fringe_open_ha: float) -> float:
    """Fringe open space [ha] (Angel et al. 2016)."""
    return float(fringe_open_ha)


@indicator(
    "form.captured_open_area",
    name_en="Captured open space",
    name_ru="Захваченное открытое пространство",
    unit="ha",
    inputs=("captured_open_ha",),
    reference=ATLAS,
    method="area of enclosed open clusters smaller than 200 ha",
)
def captured_open_area(captured_open_ha: float) -> float:
    """Captured open space [ha] (Angel et al. 2016)."""
    return float(captured_open_ha)


# --- densities and shares ---------------------------------------------------------------


@indicator(
    "form.builtup_density",
    name_en="Built-up area density",
    name_ru="Плотность населения на застроенной территории",
    unit="persons/ha",
    inputs=("population_extent", "builtup_extent_ha"),
    reference=ATLAS,
    method="population in the urban extent / built-up area in the extent",
    higher_is="better",
)
def builtup_density(population_extent: float, builtup_extent_ha: float) -> IndicatorResult:
    """Built-up area density [persons/ha] = population in the extent / built-up area [ha].

    Angel et al. (2016), Atlas of Urban Expansion, vol. 1.
    """
    return divide(population_extent, builtup_extent_ha, "builtup_extent_ha")


@indicator(
    "form.extent_density",
    name_en="Urban extent density",
    name_ru="Плотность населения городского ареала",
    unit="persons/ha",
    inputs=("population_extent", "extent_ha"),
    reference=ATLAS,
    method="population in the urban extent / extent area",
    higher_is="better",
)
def extent_density(population_extent: float, extent_ha: float) -> IndicatorResult:
    """Urban extent density [persons/ha] = population in the extent / extent area [ha].

    Angel et al. (2016), Atlas of Urban Expansion, vol. 1.
    """
    return divide(population_extent, extent_ha, "extent_ha")


@indicator(
    "form.saturation",
    name_en="Saturation",
    name_ru="Насыщенность застройкой",
    unit="ratio",
    inputs=("builtup_extent_ha", "extent_ha"),
    reference=ATLAS,
    method="built-up area in the urban extent / extent area",
)
def saturation(builtup_extent_ha: float, extent_ha: float) -> IndicatorResult:
    """Saturation [ratio] = built-up area in the extent [ha] / extent area [ha].

    Angel et al. (2016), Atlas of Urban Expansion, vol. 1.
    """
    return divide(builtup_extent_ha, extent_ha, "extent_ha")


@indicator(
    "form.openness",
    name_en="Openness index",
    name_ru="Индекс открытости",
    unit="ratio",
    inputs=("openness_sum", "builtup_cells_extent"),
    reference=ATLAS,
    method="mean over built-up cells in the extent of the open share (1 − b) of their walking "
           "circle",
)
def openness(openness_sum: float, builtup_cells_extent: float) -> IndicatorResult:
    """Openness index [ratio] = Σ(1 − b) / Σ weights over built-up cells in the extent.

    b is the built-up share of the cell's 1 km² walking-distance circle. Angel et al. (2016),
    Atlas of Urban Expansion, vol. 1.
    """
    return divide(openness_sum, builtup_cells_extent, "builtup_cells_extent")


@indicator(
    "form.builtup_per_person",
    name_en="Built-up area per person",
    name_ru="Застроенная площадь на человека",
    unit="m²/person",
    inputs=("builtup_surface_ha", "population"),
    reference=SDG,
    method="built-up surface × 10,000 / population (SDG 11.3.1 secondary indicator)",
    higher_is="worse",
)
def builtup_per_person(builtup_surface_ha: float, population: float) -> IndicatorResult:
    """Built-up area per person [m²/person] = built-up surface [ha] × 10⁴ / population.

    UN-Habitat SDG 11.3.1 metadata, secondary indicator (built-up area per capita).
    """
    return divide(float(builtup_surface_ha) * 1e4, population, "population")


# --- compactness (whole city only) -------------------------------------------------------

_cache: dict[str, Any] = {}


def _compactness(extent_mask: np.ndarray, res_m: float) -> dict[str, float]:
    """compactness() of the mask, memoised for the last mask (the four indices share it)."""
    m = np.ascontiguousarray(extent_mask, dtype=bool)
    key = (
        f"{m.shape}|{float(res_m)!r}|"
        + hashlib.blake2b(np.packbits(m).tobytes(), digest_size=16).hexdigest()
    )
    if _cache.get("key") != key:
        _cache["key"] = key
        _cache["value"] = compactness(m, float(res_m))
    value: dict[str, float] = _cache["value"]
    return value


def _shape_index(name: str, extent_mask: np.ndarray, res_m: float) -> IndicatorResult:
    if not np.any(extent_mask):
        return (None, "undefined: extent_mask is empty")
    return _compactness(extent_mask, res_m)[name]


@indicator(
    "form.proximity",
    name_en="Proximity index",
    name_ru="Индекс близости",
    unit="index",
    inputs=("extent_mask", "res_m"),
    reference=APC,
    method="(2r/3) / mean distance of extent cells to the centroid; r = √(A/π)",
    zonal=False,
    higher_is="better",
)
def proximity(extent_mask: np.ndarray, res_m: float) -> IndicatorResult:
    """Proximity index [index] of the urban extent (Angel, Parent & Civco 2010)."""
    return _shape_index("proximity", extent_mask, res_m)


@indicator(
    "form.cohesion",
    name_en="Cohesion index",
    name_ru="Индекс связности",
    unit="index",
    inputs=("extent_mask", "res_m"),
    reference=APC,
    method="0.9054·r / exact mean distance between pairs of extent cells; r = √(A/π)",
    zonal=False,
    higher_is="better",
)
def cohesion(extent_mask: np.ndarray, res_m: float) -> IndicatorResult:
    """Cohesion index [index] of the urban extent (Angel, Parent & Civco 2010)."""
    return _shape_index("cohesion", extent_mask, res_m)


@indicator(
    "form.spin",
    name_en="Spin index",
    name_ru="Индекс инерции (спин)",
    unit="index",
    inputs=("extent_mask", "res_m"),
    reference=APC,
    method="(r²/2) / mean squared distance of extent cells to the centroid; r = √(A/π)",
    zonal=False,
    higher_is="better",
)
def spin(extent_mask: np.ndarray, res_m: float) -> IndicatorResult:
    """Spin index [index] of the urban extent (Angel, Parent & Civco 2010)."""
    return _shape_index("spin", extent_mask, res_m)


@indicator(
    "form.exchange",
    name_en="Exchange index",
    name_ru="Индекс обмена",
    unit="index",
    inputs=("extent_mask", "res_m"),
    reference=APC,
    method="share of extent cells inside the equal-area circle on the centroid",
    zonal=False,
    higher_is="better",
)
def exchange(extent_mask: np.ndarray, res_m: float) -> IndicatorResult:
    """Exchange index [index] of the urban extent (Angel, Parent & Civco 2010)."""
    return _shape_index("exchange", extent_mask, res_m)
