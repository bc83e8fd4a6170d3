"""The city's sites: the ground under it (Vs30) and the buildings on it (exposure), on the grid.

Every hazard reads these, so they are made once per city (:func:`site_conditions`,
:func:`city_exposure`) and handed to the hazards in a
:class:`~carlcities.risk.hazards.HazardContext`.

Ground motion is evaluated per *block* of k × k cells rather than per cell (500 m blocks at
100 m cells): :func:`blocks` numbers the blocks, :func:`coarsen_sites` merges the exposure's
assets into one per block, class and occupancy (quantities summed, position at the block
centre), which keeps the event losses exactly when the fine assets sit at the block centres.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import VulnerabilityError

__all__ = ["ROCK_VS30", "read_on_grid", "blocks", "block_xy", "block_centres", "coarsen_sites",
           "per_cell", "ground_motion_fn", "site_conditions", "city_exposure",
           "casualty_curves"]

#: Vs30 [m/s] assumed where nothing is known about the ground (NEHRP B/C boundary, "rock")
ROCK_VS30 = 760.0


def read_on_grid(path: str, grid, kind: str = "fraction") -> np.ndarray:
    """Any single-band raster onto the grid (windowed read, nodata -> NaN)."""
    from carlcities.io.raster import read_window_float

    a, tr, crs, _tags = read_window_float(path, grid)
    return grid.resample(a, tr, crs, kind)


def blocks(grid, k: int) -> tuple[np.ndarray, int]:
    """Block index of every cell (blocks of k × k cells) and the number of block columns."""
    r, c = np.indices(grid.shape)
    bw = math.ceil(grid.width / k)
    return (r // k) * bw + (c // k), bw


def block_xy(grid, k: int, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates [m] of the centres of k × k blocks given by their index (:func:`blocks`)."""
    bw = math.ceil(grid.width / k)
    x = grid.x0 + ((index % bw) * k + k / 2.0) * grid.res
    y = grid.y0 - ((index // bw) * k + k / 2.0) * grid.res
    return x, y


def block_centres(grid, k: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude [°] of the centre of every k × k block (block index order)."""
    from pyproj import Transformer

    x, y = block_xy(grid, k, np.arange(nb))
    lon, lat = Transformer.from_crs(grid.epsg, 4326, always_xy=True).transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)


def coarsen_sites(expo, grid, k: int):
    """The exposure with sites merged into k × k-cell blocks (position: block centre), and the
    block index of every cell."""
    from pyproj import Transformer

    from carlcities.risk.exposure import OCCUPANCIES, QUANTITIES

    blk, _ = blocks(grid, k)
    # one asset per (block, class, occupancy): quantities summed; the key is made in place
    # (one array of the exposure's length, not four, beside np.unique's)
    nt, no = len(expo.taxonomies), len(OCCUPANCIES)
    key = blk.ravel()[expo.site]
    key *= nt
    key += expo.taxonomy
    key *= no
    for i, o in enumerate(OCCUPANCIES[1:], start=1):
        key[expo.occupancy == o] += i
    # np.unique(key, return_inverse=True) without its sort: the keys are small integers
    present = np.bincount(key, minlength=1) > 0
    uk = np.flatnonzero(present)
    inv = (np.cumsum(present) - 1)[key]
    del key, present
    sums = {q: np.bincount(inv, weights=getattr(expo, q), minlength=uk.size)
            for q in QUANTITIES}
    site = uk // (nt * no)
    tax = (uk // no) % nt
    occ_names = np.asarray(OCCUPANCIES)[uk % no]
    x, y = block_xy(grid, k, site)
    lon, lat = Transformer.from_crs(grid.epsg, 4326, always_xy=True).transform(x, y)
    agg = replace(expo, site=site, x=x, y=y, lon=np.asarray(lon), lat=np.asarray(lat),
                  taxonomy=tax, occupancy=occ_names, storeys=np.full(uk.size, "", "<U6"),
                  **sums, meta=dict(expo.meta, blocks=k))
    return agg, blk


def per_cell(expo, grid, values: np.ndarray) -> np.ndarray:
    """Sum an asset quantity onto the grid cells (exposure sites are flat cell indices)."""
    out = np.bincount(expo.site, weights=values, minlength=grid.width * grid.height)
    return out[: grid.width * grid.height].reshape(grid.shape)


def ground_motion_fn(model: str):
    """``gm(imt, mag, rjb, vs30)`` of a ground-motion model, with distances capped at 400 km and
    Vs30 clipped to 150-1500 m/s (the model's range), as the loss engine calls it; its
    ``gm.imts(imts, mag, rjb, vs30)`` gives several intensity measures at once (a list)."""
    from carlcities.risk.gmpe import ground_motion, ground_motions

    def gm(imt, mag, rjb, vs30):
        return ground_motion(model, imt, mag, np.minimum(rjb, 400.0),
                             np.clip(vs30, 150.0, 1500.0))

    def imts(imts, mag, rjb, vs30):
        return ground_motions(model, imts, mag, np.minimum(rjb, 400.0),
                              np.clip(vs30, 150.0, 1500.0))
    gm.imts = imts  # type: ignore[attr-defined]
    return gm


def site_conditions(grid, inputs: dict[str, str], dem: np.ndarray | None
                    ) -> tuple[np.ndarray, str]:
    """Vs30 [m/s] on the grid and where it came from: the site model (``inputs['vs30']``), else
    the Wald & Allen 2007 slope proxy on the DEM, else rock everywhere. Cells without a value
    are rock."""
    from carlcities.risk.vs30 import slope_from_dem, vs30_from_slope

    if inputs.get("vs30"):
        vs30 = read_on_grid(inputs["vs30"], grid)
        src = f"site model {Path(inputs['vs30']).name}"
    elif dem is not None:
        vs30 = vs30_from_slope(slope_from_dem(np.nan_to_num(dem, nan=np.nanmean(dem)), grid.res))
        src = "Wald & Allen 2007 slope proxy on the DEM"
    else:
        vs30 = np.full(grid.shape, ROCK_VS30)
        src = f"no DEM and no site model: rock ({ROCK_VS30:g} m/s) assumed"
    return np.where(np.isfinite(vs30), vs30, ROCK_VS30), src


def city_exposure(city, grid, inputs: dict[str, str], pop: np.ndarray, bu: np.ndarray,
                  params: dict[str, Any], prov: list[Any]):
    """The city's exposure (GEM CSV or built on the grid) with its classes recoded to the
    vulnerability functions, and the loss and fatality curve sets (packaged or the user's).

    The exposure comes :meth:`~carlcities.risk.exposure.Exposure.without_positions` (x, y, lon,
    lat NaN, storeys ``''``): its sites are grid cells.

    Returns ``(exposure, source, curves, fatality_curves)``; ``fatality_curves`` is None when
    the occupants model misses a class (then no fatalities are computed, and ``prov`` says so).
    With the packaged models the fatality curves are the calibrated casualty model in
    SA(1.0 s) (:func:`casualty_curves`), not the loss curves' PGA: callers run a second
    ground-motion pass for deaths when ``fatality_curves.imt`` differs from ``curves.imt``.
    """
    from carlcities.risk.exposure import (
        OCCUPANCIES,
        build_exposure,
        join_exposures,
        mix_unit,
        read_gem_exposure_csv,
    )
    from carlcities.risk.losses import CurveSet
    from carlcities.risk.vulnerability import (
        carl_function_id,
        load_default_models,
        load_models,
        read_taxonomy_mapping,
    )

    user_vuln = params.get("vulnerability") or {}
    em = None
    if not inputs.get("exposure") and not user_vuln \
            and params.get("residential_exposure", "emca") == "emca":
        # EMCA's residential assets first: where they replace the grid's, the grid exposure
        # is built without its residential assets (Tashkent: 1.1 M assets, 0.16 GB less)
        em, em_src = _emca_residential(city, grid, pop, bu, mix_unit(city, city.country_iso3),
                                       params, prov)
        em = em.without_positions() if em is not None else None
    # the assets' positions are dropped as soon as they are made: the hazards place their
    # sites on the grid (sites are cells) and they would be held through all of them
    if inputs.get("exposure"):
        expo = read_gem_exposure_csv(inputs["exposure"], grid=grid).without_positions()
        expo_src = f"GEM exposure CSV {Path(inputs['exposure']).name}"
    else:
        expo = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3,
                              occupancies=OCCUPANCIES if em is None else ("Com", "Ind"),
                              positions=False)
        expo_src = ("GEM global exposure model (Central Asia) mixes "
                    f"({expo.meta.get('mix_level', 'unit')} {expo.meta.get('unit', '')}) on "
                    "the grid's population and built-up surface")
    if user_vuln:
        if not inputs.get("exposure") and params.get("residential_exposure") == "emca":
            prov.append({"step": "exposure", "note": "EMCA residential exposure needs the "
                         "packaged vulnerability classes: grid exposure kept with the user's "
                         "models"})
        models = load_models(user_vuln)
        if params.get("taxonomy_mapping"):
            mp = read_taxonomy_mapping(params["taxonomy_mapping"])
            unknown = sorted({t for t in expo.taxonomies if mp.lookup(t) is None})
            if unknown:
                more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
                raise VulnerabilityError(
                    f"{len(unknown)} exposure taxonomies are not in the taxonomy mapping: "
                    f"{', '.join(repr(u) for u in unknown[:5])}{more}", path=mp.path,
                    fix="add rows for them to the mapping CSV (data.taxonomy_mapping)")

            def to_fid(t: str) -> str:
                opts = mp.lookup(t)
                assert opts is not None  # every taxonomy was checked above
                return max(opts, key=lambda kv: kv[1])[0]
            expo = expo.recoded(to_fid)
    else:
        models = load_default_models()
        known = set(models["structural"].functions)
        expo = expo.recoded(lambda t: t if t in known else carl_function_id(t))
        if em is not None:
            meta = dict(expo.meta, residential=em_src)
            note = {"step": "exposure", "residential": em_src,
                    "emca_buildings": float(em.buildings.sum()),
                    "emca_residents": float(em.occupants_night.sum()),
                    "emca_value_usd": float(em.total_value)}
            # joined column by column, each part's column freed once joined: the grid's and
            # EMCA's assets and one joined column at once, not both whole exposures
            parts = [expo, em]
            del expo, em
            expo = join_exposures(parts, meta=meta)
            prov.append(note)
            expo_src = (f"residential: {em_src}, spread over the grid by its residents; "
                        f"commercial and industrial: {expo_src}")
    prov.append({"step": "exposure", "source": expo_src,
                 "fallback": bool(expo.meta.get("fallback")), "assets": len(expo)})
    classes = list(expo.taxonomies)
    st = models["structural"]
    curves = CurveSet.from_functions({t: st[t] for t in classes})
    fat_curves = None
    if not user_vuln:
        fat_curves, _ = casualty_curves(classes)
        prov.append({"step": "fatalities", "note": "calibrated casualty model in SA(1.0 s) "
                     "(carl_casualty_curves; docs/validation.md 'Earthquake losses and lives')"})
    elif "occupants" in models:
        oc = models["occupants"]
        fat_curves = CurveSet.from_functions({t: oc[t] for t in classes if t in oc.functions})
        if len(fat_curves.taxonomies) < len(classes):
            fat_curves = None
            prov.append({"step": "fatalities", "note": "occupants curves miss classes: no "
                                                       "fatalities"})
    return expo, expo_src, curves, fat_curves


def _emca_residential(city, grid, pop, bu, unit: str, params: dict[str, Any], prov: list[Any]):
    """EMCA's residential exposure of the city (packaged extract or ``params['emca_dir']``)
    with its source, to replace the grid exposure's residential assets; ``(None, None)`` and a
    note in ``prov`` where EMCA does not cover the city."""
    from carlcities.risk.exposure.emca_extract import city_emca_exposure

    em, src = city_emca_exposure(city, grid, pop, emca_dir=params.get("emca_dir"),
                                 unit=unit, builtup=bu)
    if em is None:
        prov.append({"step": "exposure", "note": src})
        return None, None
    return em, src


def casualty_curves(classes, params: dict[str, Any] | None = None):
    """The calibrated casualty model of the packaged classes as loss-engine curve sets:
    ``(fatality ratio curves, P(collapse) curves)`` in SA(1.0 s) [g]
    (:func:`carlcities.risk.vulnerability.carl_casualty_curves`, fitted to the region's
    earthquakes by ``carlcities risk calibrate``). ``(None, None)`` when the user gave their
    own vulnerability models (``params['vulnerability']``): their occupants curves are used
    as they are, and there is no collapse model."""
    from carlcities.risk.losses import CurveSet
    from carlcities.risk.vulnerability import carl_casualty_curves

    if (params or {}).get("vulnerability"):
        return None, None
    fat, col = carl_casualty_curves()
    classes = list(classes)
    return (CurveSet.from_functions({t: fat[t] for t in classes}),
            CurveSet.from_functions({t: col[t] for t in classes}))
