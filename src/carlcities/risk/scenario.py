"""One rupture on one city: losses and deaths of a scenario earthquake on today's exposure.

:func:`run_scenario` is what ``carlcities risk scenario`` calls: a point source of the given
magnitude and epicentre, its ground motion (BSSA14, sampled residuals) on the city's blocks,
through the vulnerability curves; the intensity at the centre comes from Bindi et al. 2011.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from carlcities.risk.sites import (
    ROCK_VS30,
    casualty_curves,
    city_exposure,
    coarsen_sites,
    ground_motion_fn,
    site_conditions,
)

__all__ = ["run_scenario"]


def run_scenario(city, inputs: dict[str, str], *, magnitude: float, lon: float, lat: float,
                 depth_km: float = 10.0, epochs: list[int] | None = None,
                 grid_kw: Mapping[str, Any] | None = None, realisations: int = 50,
                 seed: int = 0,
                 time_of_day: str = "night", gmpe: str = "bssa2014",
                 params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Losses of one rupture (a point source) for a city, on today's exposure.

    ``inputs`` are the city's layer paths (``builtup_EPOCH``, ``population_EPOCH``, optional
    ``dem``, ``vs30``, ``exposure``), as the pipeline finds them; the last epoch is used.
    Returns the intensity at the city centre (Bindi et al. 2011, MSK-64, ± σ), the median PGA
    there [g], the mean loss [USD] and deaths with their 5-95 % intervals across
    ``realisations`` ground-motion fields, and the equivalent destroyed buildings.
    """
    from carlcities.grid import for_city
    from carlcities.io.raster import read_layer
    from carlcities.risk.gmpe import bindi2011_intensity
    from carlcities.risk.hazards.earthquake import scenario_casualties, split_fatality_curves
    from carlcities.risk.losses import EventSet as LossEvents
    from carlcities.risk.losses import scenario_losses
    from carlcities.risk.seismicity import haversine_km

    eps = sorted(int(k.split("_")[1]) for k in inputs if k.startswith("population_"))
    last = eps[-1]
    grid = for_city(city, epochs=epochs or eps, **(grid_kw or {}))
    pop = np.nan_to_num(read_layer(inputs[f"population_{last}"], grid, role="population").data)
    bu = np.nan_to_num(read_layer(inputs[f"builtup_{last}"], grid, role="builtup").data)
    prov: list[Any] = []
    expo, src, curves, fat = city_exposure(city, grid, inputs, pop, bu, dict(params or {}), prov)
    dem = None
    if inputs.get("dem") and not inputs.get("vs30"):
        dem = np.asarray(read_layer(inputs["dem"], grid, role="dem").data, float)
    vs30, _ = site_conditions(grid, inputs, dem)
    cexpo, blk = coarsen_sites(expo, grid, 5)
    nb = int(blk.max()) + 1
    vs_blk = np.bincount(blk.ravel(), weights=vs30.ravel(), minlength=nb) / np.maximum(
        np.bincount(blk.ravel(), minlength=nb), 1)
    ev = LossEvents(event_id=np.array([0]), rate=np.array([0.0]), mag=np.array([magnitude]),
                    lon=np.array([lon]), lat=np.array([lat]))
    gm = ground_motion_fn(gmpe)
    fat_one, fat_two = split_fatality_curves(curves, fat)
    res = scenario_losses(ev, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=vs_blk,
                          n_realisations=realisations, seed=seed, fatality_curves=fat_one,
                          time_of_day=time_of_day, below_min="zero")
    deaths, collapses = (res.fatalities_mean, res.fatalities_interval), None
    if fat_two is not None:  # the calibrated casualty model, in SA(1.0 s)
        collapse = casualty_curves(cexpo.taxonomies, params)[1]
        cas = scenario_casualties(ev, cexpo, fat_two, collapse, gm, vs30=vs_blk,
                                  n_realisations=realisations, seed=seed,
                                  time_of_day=time_of_day)
        deaths = (cas.fatalities_mean, cas.fatalities_interval)
        if collapse is not None:
            collapses = (cas.buildings_mean, cas.buildings_interval)
    d = float(haversine_km(lon, lat, city.lon, city.lat))
    msk, sig = bindi2011_intensity(np.array([magnitude]), np.array([d]), np.array([depth_km]))
    vmed = float(np.median(vs30[pop > 0])) if (pop > 0).any() else ROCK_VS30
    pga = float(np.exp(gm("PGA", np.array([magnitude]), np.array([[max(d, 0.1)]]),
                          np.array([vmed]))[0][0, 0]))
    return dict(city_id=city.city_id, magnitude=magnitude, lon=lon, lat=lat, depth_km=depth_km,
                distance_km=d, msk=float(np.ravel(msk)[0]), msk_sigma=float(np.ravel(sig)[0]),
                pga_median_g=pga, vs30_median=vmed, exposed_value_usd=float(expo.total_value),
                loss_usd=res.loss_mean, loss_interval=res.loss_interval,
                fatalities=deaths[0], fatalities_interval=deaths[1],
                collapses=collapses[0] if collapses else None,
                collapses_interval=collapses[1] if collapses else None,
                buildings_destroyed_equiv=res.buildings_mean, realisations=realisations,
                exposure=src, clamped=res.clamped)
