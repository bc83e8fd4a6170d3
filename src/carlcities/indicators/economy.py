"""Economic activity indicators (theme ``economy``): night lights and gridded GDP.

Pure functions of zone aggregates, plus the cell-level helpers they need (:func:`gini`,
:func:`main_centre`). Night-light radiance [nW/cm²/sr] is summed as radiance × area, the "sum
of lights" [nW/cm²/sr·km²], so that it does not depend on the grid's cell size.

References
----------
Elvidge, C. D., Zhizhin, M., Ghosh, T., Hsu, F.-C. and Taneja, J. (2021). Annual time series of
global VIIRS nighttime lights derived from monthly averages: 2012 to 2019. *Remote Sensing*
13(5):922. doi:10.3390/rs13050922

Gini, C. (1912). *Variabilità e mutabilità*. Bologna; formula for sorted values as in
Damgaard & Weiner (2000) *Ecology* 81(4):1139–1142.

Henderson, J. V., Storeygard, A. and Weil, D. N. (2012). Measuring economic growth from outer
space. *American Economic Review* 102(2):994–1028. doi:10.1257/aer.102.2.994

Kummu, M., Taka, M. and Guillaume, J. H. A. (2018). Gridded global datasets for Gross Domestic
Product and Human Development Index over 1990–2015. *Scientific Data* 5:180004.
doi:10.1038/sdata.2018.4
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from carlcities.indicators.registry import IndicatorResult, divide, indicator, log_ratio, percent

__all__ = ["gini", "main_centre", "compute_economy"]

VNL = "Elvidge et al. (2021) Remote Sens. 13:922, doi:10.3390/rs13050922 (VIIRS VNL v2)"


def gini(values: np.ndarray) -> float:
    """Gini coefficient [0–1] of non-negative values: G = 2 Σᵢ i·x₍ᵢ₎ / (n Σ x) − (n + 1)/n for
    the values sorted ascending, i = 1…n (0 when all are equal; → 1 when one holds all).
    NaN for an empty or all-zero set."""
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    x = x[np.isfinite(x)]
    n = x.size
    tot = float(x.sum())
    if n == 0 or tot <= 0:
        return float("nan")
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.sum(i * x) / (n * tot) - (n + 1.0) / n)


def main_centre(lights: np.ndarray, mask: np.ndarray, res_m: float,
                smooth_m: float = 500.0) -> tuple[int, int] | None:
    """(row, col) of the main centre: the peak of the lights smoothed by a Gaussian of
    ``smooth_m`` [m] (standard deviation), searched within ``mask``. None without lights."""
    from scipy import ndimage

    x = np.nan_to_num(lights, nan=0.0)
    s = ndimage.gaussian_filter(x, sigma=smooth_m / res_m, mode="constant")
    s = np.where(mask, s, -np.inf)
    if not np.isfinite(s).any() or float(np.max(s)) <= 0:
        return None
    r, c = np.unravel_index(int(np.argmax(s)), s.shape)
    return int(r), int(c)


@indicator(
    "economy.lights_sum",
    name_en="Sum of night lights in the urban extent",
    name_ru="Суммарная ночная освещённость городского ареала",
    unit="nW/cm²/sr·km²",
    inputs=("lights_extent_km2",),
    reference=VNL,
    method="Σ radiance × cell area over the urban extent (VIIRS annual average, masked)",
)
def lights_sum(lights_extent_km2: float) -> float:
    """Sum of lights of the urban extent [nW/cm²/sr·km²] = Σ w · radiance · cell area."""
    return float(lights_extent_km2)


@indicator(
    "economy.lights_per_person",
    name_en="Night lights per person",
    name_ru="Ночная освещённость на жителя",
    unit="nW/cm²/sr·m²/person",
    inputs=("lights_extent_km2", "population_extent_econ"),
    reference=VNL + "; Henderson, Storeygard & Weil (2012)",
    method="sum of lights of the urban extent [nW/cm²/sr·m²] / residents of the extent",
)
def lights_per_person(lights_extent_km2: float, population_extent_econ: float
                      ) -> IndicatorResult:
    """Sum of lights per resident [nW/cm²/sr·m²/person] = 10⁶ · SOL [·km²] / population."""
    return divide(lights_extent_km2 * 1.0e6, population_extent_econ, "population of the extent")


@indicator(
    "economy.lights_growth",
    name_en="Growth of night lights",
    name_ru="Рост ночной освещённости",
    unit="1/yr",
    inputs=("lights_zone_km2_1", "lights_zone_km2_2", "years"),
    reference=VNL + "; Henderson, Storeygard & Weil (2012) AER 102:994",
    method="ln(SOL₂/SOL₁)/years over the whole zone (a fixed area), continuous annual rate",
    kind="pair",
    higher_is="better",
)
def lights_growth(lights_zone_km2_1: float, lights_zone_km2_2: float, years: float
                  ) -> IndicatorResult:
    """Annual growth of the sum of lights [1/yr] = ln(SOL₂ / SOL₁) / years."""
    r = log_ratio(lights_zone_km2_2, lights_zone_km2_1, "later sum of lights",
                  "earlier sum of lights")
    if isinstance(r, tuple):
        return r
    return divide(r, years, "the number of years")


@indicator(
    "economy.activity_gini",
    name_en="Concentration of activity (Gini of night lights)",
    name_ru="Концентрация активности (коэффициент Джини ночной освещённости)",
    unit="index",
    inputs=("lights_cells",),
    reference="Gini (1912); Damgaard & Weiner (2000) Ecology 81:1139; " + VNL,
    method="Gini coefficient of the radiance of the cells of the urban extent in the zone",
)
def activity_gini(lights_cells: np.ndarray) -> IndicatorResult:
    """Gini coefficient [0–1] of night-light radiance across the extent's cells (:func:`gini`)."""
    g = gini(lights_cells)
    if math.isnan(g):
        return (None, "undefined: no lights in the zone")
    return g


@indicator(
    "economy.centre_offset",
    name_en="Distance of the main centre from the city point",
    name_ru="Удаление главного центра от точки города",
    unit="km",
    inputs=("centre_offset_km",),
    reference=VNL + "; peak of the lights smoothed by a 500 m Gaussian",
    method="distance from the catalogue point to the peak of the smoothed night lights",
    zonal=False,
)
def centre_offset(centre_offset_km: float) -> float:
    """Distance [km] from the catalogue point to the main centre (peak of smoothed lights)."""
    return float(centre_offset_km)


@indicator(
    "economy.monocentricity",
    name_en="Monocentricity (share of lights near the main centre)",
    name_ru="Моноцентричность (доля освещённости у главного центра)",
    unit="%",
    inputs=("lights_near_centre_km2", "lights_extent_km2"),
    reference=VNL + "; radius stated in economy.centre_radius_km",
    method="share of the extent's sum of lights within economy.centre_radius_km of the main "
           "centre",
    zonal=False,
)
def monocentricity(lights_near_centre_km2: float, lights_extent_km2: float) -> IndicatorResult:
    """Share [%] of the urban extent's sum of lights within the centre radius of the peak."""
    return percent(lights_near_centre_km2, lights_extent_km2, "sum of lights of the extent")


@indicator(
    "economy.gdp_total",
    name_en="Gross domestic product (gridded)",
    name_ru="Валовой продукт (по сетке)",
    unit="USD",
    inputs=("gdp_usd",),
    reference="Kummu, Taka & Guillaume (2018) Sci. Data 5:180004, doi:10.1038/sdata.2018.4",
    method="Σ w · GDP of the cells of the zone (PPP, the product's base-year dollars)",
)
def gdp_total(gdp_usd: float) -> float:
    """Gridded GDP of the zone [USD, PPP] = Σ w · GDP per cell."""
    return float(gdp_usd)


@indicator(
    "economy.gdp_per_person",
    name_en="GDP per person (gridded)",
    name_ru="Валовой продукт на жителя (по сетке)",
    unit="USD/person",
    inputs=("gdp_usd", "population_econ"),
    reference="Kummu, Taka & Guillaume (2018) Sci. Data 5:180004, doi:10.1038/sdata.2018.4",
    method="gridded GDP of the zone / residents of the zone",
    higher_is="better",
)
def gdp_per_person(gdp_usd: float, population_econ: float) -> IndicatorResult:
    """GDP per resident [USD/person] = Σ w · GDP / Σ w · population."""
    return divide(gdp_usd, population_econ, "population")


# --------------------------------------------------------------------------- the pipeline step
def compute_economy(res, grid, files: dict[str, dict[int, str]], context, read, zsum, emit,
                    p: dict[str, Any], weights) -> None:
    """Night-light and GDP rows of one city into ``res`` (called by
    :func:`carlcities.indicators.environment.compute_environment`, which supplies the helpers)."""
    from pyproj import Transformer

    km2 = grid.cell_area_m2 / 1.0e6
    zone_cells: list[np.ndarray] | None = None
    lights: dict[int, tuple[np.ndarray, str, bool]] = {}
    for year, path in files.get("lights", {}).items():
        lay, src = read("lights", year, path)
        e, pop, at, note = context(year)
        ext = at.extent
        x = np.nan_to_num(lay.data, nan=0.0)
        lights[year] = (x, src, lay.synthetic)
        agg = zsum(x * km2 * ext, pop * ext)
        rows = [dict(lights_extent_km2=float(a[0]), population_extent_econ=float(a[1]))
                for a in agg]
        # cells of each zone (centre inside: coverage > 0.5) within the extent, for the Gini
        if zone_cells is None:
            zone_cells = _zone_cells(weights, grid.shape)
        for r, cells in zip(rows, zone_cells):
            r["lights_cells"] = x[ext & cells]
        city_only: dict[str, Any] = {}
        rc = main_centre(x, ext, grid.res)
        if rc is not None:
            xs, ys = grid.cell_centres()
            cx, cy = float(xs[rc]), float(ys[rc])
            px, py = grid.centre_xy()
            d = np.hypot(xs - cx, ys - cy)
            near = ext & (d <= p["centre_radius_km"] * 1000.0 * (1 + 1e-9))
            city_only = dict(centre_offset_km=math.hypot(cx - px, cy - py) / 1000.0,
                             lights_near_centre_km2=float((x * near).sum() * km2))
            lon, lat = Transformer.from_crs(grid.epsg, 4326, always_xy=True).transform(cx, cy)
            res.summary[f"main_centre_{year}"] = dict(lon=round(lon, 5), lat=round(lat, 5),
                                                      row=rc[0], col=rc[1])
        emit(rows, year, None, ["economy.lights_sum", "economy.lights_per_person",
                                "economy.activity_gini", "economy.centre_offset",
                                "economy.monocentricity"], src, lay.synthetic,
             "; ".join(x for x in (note, f"centre radius {p['centre_radius_km']:g} km") if x),
             city_only=city_only)
        res.rasters[f"lights_{year}"] = (lay.data.astype("float32"), "nW/cm²/sr",
                                         f"night lights {year} ({lay.info.product})")
    years = sorted(lights)
    for y1, y2 in zip(years, years[1:]):
        a1 = zsum(lights[y1][0] * km2)
        a2 = zsum(lights[y2][0] * km2)
        rows = [dict(lights_zone_km2_1=float(u[0]), lights_zone_km2_2=float(v[0]),
                     years=float(y2 - y1)) for u, v in zip(a1, a2)]
        emit(rows, y2, y1, ["economy.lights_growth"], lights[y2][1],
             lights[y1][2] or lights[y2][2], None, kind="pair")

    for year, path in files.get("gdp", {}).items():
        lay, src = read("gdp", year, path)
        e, pop, at, note = context(year)
        agg = zsum(lay.data, np.where(np.isfinite(lay.data), pop, 0.0))
        rows = [dict(gdp_usd=float(a[0]), population_econ=float(a[1])) for a in agg]
        emit(rows, year, None, ["economy.gdp_total", "economy.gdp_per_person"], src,
             lay.synthetic, note)
        res.rasters[f"gdp_{year}"] = (lay.data.astype("float32"), "USD per cell",
                                      f"gridded GDP {year} ({lay.info.product})")


def _zone_cells(weights, shape: tuple[int, int]) -> list[np.ndarray]:
    """Per zone, the cells more than half inside it (their centre, for convex cells)."""
    m = weights.matrix.tocsr()
    out = []
    for i in range(m.shape[0]):
        row = m.getrow(i)
        mask = np.zeros(shape[0] * shape[1], bool)
        mask[row.indices[row.data > 0.5]] = True
        out.append(mask.reshape(shape))
    return out
