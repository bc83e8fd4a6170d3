"""One city through the risk engine: what the pipeline calls (``run.engines: [risk]``).

:func:`compute_city_risk` takes the layers already on the city grid (population and built-up
surface of the last epoch, the DEM) and the hazard inputs found for the city (flood depth maps,
a mudflow map, a Vs30 model, a daily temperature series, a GEM exposure CSV) and returns a
:class:`RiskResult`: store rows (``hazard.*``, ``exposure.*``, ``risk.*``), rasters for the
maps, hazard and loss curves, historic scenarios, exposure by typology and a summary for the
appraisal. Nothing is written here.

Earthquake, in order:

1. exposure on the grid (``exposure.build_exposure`` with GEM mixes, or a GEM CSV), classes
   recoded to the vulnerability classes; sites are blocks of ``site_block`` × ``site_block``
   cells (500 m at 100 m cells), so that the ground motion is evaluated once per block;
2. the regional smoothed-seismicity model (``sources``) gives the city's point-source event
   set within ``source_radius_km``; the classical hazard curve at the city centre on rock
   (Vs30 = 760 m/s) gives ``hazard.eq_pga475_rock``, ``hazard.eq_pga2475_rock`` and, with
   Bindi et al. 2011, ``hazard.eq_msk475``;
3. event-based risk: ``realisations`` stochastic catalogues of ``catalogue_years`` years each
   are sampled from the event set (Poisson), each occurrence with its own between- and
   within-event ground-motion residuals (BSSA14 on the block's Vs30, slope proxy from the DEM
   when no site model is given), through the vulnerability curves to losses [USD] and deaths;
   EAL, fatalities per year and losses at 100-1000 years come from all catalogues together,
   their 5-95 % intervals from the spread between catalogues;
4. EAL by building class: the event-based EAL split in proportion to the classical risk
   integral of each class at the city centre (OpenQuake classical risk, Vs30 median);
5. the historic earthquakes within 150 km and the stochastic event whose loss is nearest the
   475-year loss give scenario maps (median PGA, damage ratio).

Flood, mudflow and heat follow their modules; the trajectories to 2050 scale the exposure
with the projected population and shift heat and flood with the climate deltas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RiskResult", "compute_city_risk", "GEM_PREFIX"]

#: carlcities vulnerability class -> GEM taxonomy prefix (the appraisal's option library
#: names typologies by GEM prefixes)
GEM_PREFIX = {"CR-PC": "CR+PC", "CR-LWAL": "CR+CIP/LWAL", "CR-LFINF": "CR+CIP/LFINF",
              "MUR-CLBRS": "MUR+CLBRS", "MCF": "MCF", "MUR-ADO": "MUR+ADO",
              "MIX-MUR-W": "MIX(MUR+W)", "W": "W", "S": "S", "MATO": "MATO"}
RETURN_PERIODS = (100, 250, 500, 1000)
#: floods more frequent than the most frequent map do no damage (drainage and protection up to
#: that standard); "linear_to_zero" (loss falling to 0 at 1/2 yr) is the alternative. The
#: choice moves the EAL a lot where the most frequent map already floods the city (Ward et
#: al. 2011): with the demo maps, Aktobe's flood EAL is 351 M USD/yr with the linear tail and
#: 147 M USD/yr without it.
FLOOD_LOWER_TAIL = "none"
HISTORIC_RADIUS_KM = 150.0


@dataclass
class RiskResult:
    """What :func:`compute_city_risk` returns (see the module docstring)."""

    rows: list[dict[str, Any]]
    provenance: list[Any]
    rasters: dict[str, tuple[np.ndarray, str, str]]
    curves: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    exposure: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    #: for the growth-scenario engine: hazard masks on the grid and value per person
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    eal_per_value: dict[str, np.ndarray] = field(default_factory=dict)
    synthetic: bool = False


def _read_on_grid(path: str, grid, kind: str = "fraction") -> np.ndarray:
    """Any single-band raster onto the grid (windowed read, nodata -> NaN)."""
    from ..io.raster import read_window_float

    a, tr, crs, _tags = read_window_float(path, grid)
    return grid.resample(a, tr, crs, kind)


def _blocks(grid, k: int) -> tuple[np.ndarray, int]:
    """Block index of every cell (blocks of k × k cells) and the number of block columns."""
    r, c = np.indices(grid.shape)
    bw = math.ceil(grid.width / k)
    return (r // k) * bw + (c // k), bw


def _coarsen_sites(expo, grid, k: int):
    """The exposure with sites merged into k × k-cell blocks (position: block centre)."""
    from dataclasses import replace

    from pyproj import Transformer

    from .exposure import OCCUPANCIES, QUANTITIES

    blk, _ = _blocks(grid, k)
    site = blk.ravel()[expo.site]
    # one asset per (block, class, occupancy): quantities summed
    occ = np.zeros(len(expo), np.int64)
    for i, o in enumerate(OCCUPANCIES):
        occ[expo.occupancy == o] = i
    nt, no = len(expo.taxonomies), len(OCCUPANCIES)
    key = (site * nt + expo.taxonomy) * no + occ
    uk, inv = np.unique(key, return_inverse=True)
    sums = {q: np.bincount(inv, weights=getattr(expo, q), minlength=uk.size)
            for q in QUANTITIES}
    site = uk // (nt * no)
    tax = (uk // no) % nt
    occ_names = np.asarray(OCCUPANCIES)[uk % no]
    x, y = _block_xy(grid, k, site)
    lon, lat = Transformer.from_crs(grid.epsg, 4326, always_xy=True).transform(x, y)
    agg = replace(expo, site=site, x=x, y=y, lon=np.asarray(lon), lat=np.asarray(lat),
                  taxonomy=tax, occupancy=occ_names, storeys=np.full(uk.size, "", "<U6"),
                  **sums, meta=dict(expo.meta, blocks=k))
    return agg, blk


def _block_xy(grid, k: int, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates [m] of the centres of k × k blocks given by their index (``_blocks``)."""
    bw = math.ceil(grid.width / k)
    x = grid.x0 + ((blocks % bw) * k + k / 2.0) * grid.res
    y = grid.y0 - ((blocks // bw) * k + k / 2.0) * grid.res
    return x, y


def _block_centres(grid, k: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude [°] of the centre of every k × k block (block index order)."""
    from pyproj import Transformer

    x, y = _block_xy(grid, k, np.arange(nb))
    lon, lat = Transformer.from_crs(grid.epsg, 4326, always_xy=True).transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)


def _per_cell(expo, grid, values: np.ndarray) -> np.ndarray:
    """Sum an asset quantity onto the grid cells (exposure sites are flat cell indices)."""
    out = np.bincount(expo.site, weights=values, minlength=grid.width * grid.height)
    return out[: grid.width * grid.height].reshape(grid.shape)


def _gm(model: str):
    from .gmpe import ground_motion

    def gm(imt, mag, rjb, vs30):
        return ground_motion(model, imt, mag, np.minimum(rjb, 400.0),
                             np.clip(vs30, 150.0, 1500.0))
    return gm


def _classical_eal_shares(curves, fat_curves, taxonomies, values, occupants, es, lon, lat,
                          vs30: float, model: str) -> tuple[dict[str, float], dict[str, float]]:
    """Classical risk integral per class at one site: Σ_levels MLR(x)·Δλ(x) × value."""
    from .seismicity import hazard_curve

    levels = np.geomspace(0.005, 3.0, 60)
    lam = hazard_curve(es, lon, lat, curves.imt or "PGA", levels, model=model,
                       vs30=float(np.clip(vs30, 150.0, 1500.0)), rupture="line_random_strike")
    mid = np.sqrt(levels[:-1] * levels[1:])
    dlam = lam[:-1] - lam[1:]
    eal, fat = {}, {}
    for t in taxonomies:
        i = curves.taxonomies.index(t)
        n = int(curves.n_levels[i])
        mlr = np.interp(mid, curves.imls[i, :n], curves.ratios[i, :n], left=0.0)
        eal[t] = float((mlr * dlam).sum() * values.get(t, 0.0))
        if fat_curves is not None and t in fat_curves.taxonomies:
            j = fat_curves.taxonomies.index(t)
            m = int(fat_curves.n_levels[j])
            fr = np.interp(mid, fat_curves.imls[j, :m], fat_curves.ratios[j, :m], left=0.0)
            fat[t] = float((fr * dlam).sum() * occupants.get(t, 0.0))
    return eal, fat


def exposure_and_curves(city, grid, inputs: dict[str, str], pop: np.ndarray, bu: np.ndarray,
                        p: dict[str, Any], prov: list[Any]):
    """The city's exposure (GEM CSV or built on the grid) with its classes recoded to the
    vulnerability functions, and the loss and fatality curve sets (packaged or the user's)."""
    from .exposure import build_exposure, read_gem_exposure_csv
    from .losses import CurveSet
    from .vulnerability import carl_function_id, load_default_models, load_models

    if inputs.get("exposure"):
        expo = read_gem_exposure_csv(inputs["exposure"], grid=grid)
        expo_src = f"GEM exposure CSV {Path(inputs['exposure']).name}"
    else:
        expo = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3)
        expo_src = ("GEM global exposure model (Central Asia) mixes "
                    f"({expo.meta.get('mix_level', 'unit')} {expo.meta.get('unit', '')}) on "
                    "the grid's population and built-up surface")
    user_vuln = p.get("vulnerability") or {}
    if user_vuln:
        models = load_models(user_vuln)
        if p.get("taxonomy_mapping"):
            from .vulnerability import read_taxonomy_mapping

            mp = read_taxonomy_mapping(p["taxonomy_mapping"])

            def to_fid(t: str) -> str:
                opts = mp.lookup(t)
                return max(opts, key=lambda kv: kv[1])[0]
            expo = expo.recoded(to_fid)
    else:
        models = load_default_models()
        known = set(models["structural"].functions)
        expo = expo.recoded(lambda t: t if t in known else carl_function_id(t))
    prov.append({"step": "exposure", "source": expo_src,
                 "fallback": bool(expo.meta.get("fallback")), "assets": len(expo)})
    classes = list(expo.taxonomies)
    st = models["structural"]
    curves = CurveSet.from_functions({t: st[t] for t in classes})
    fat_curves = None
    if "occupants" in models:
        oc = models["occupants"]
        fat_curves = CurveSet.from_functions({t: oc[t] for t in classes if t in oc.functions})
        if len(fat_curves.taxonomies) < len(classes):
            fat_curves = None
            prov.append({"step": "fatalities", "note": "occupants curves miss classes: no "
                                                       "fatalities"})
    return expo, expo_src, curves, fat_curves


def compute_city_risk(city, grid, inputs: dict[str, str], epochs_data: dict[int, dict],
                      weights, zone_ids: list[str], params: dict[str, Any]) -> RiskResult:
    """Exposure, hazard, losses and lives of one city (see the module docstring)."""
    from ..indicators import evaluate
    from ..indicators.registry import REGISTRY
    from ..io.raster import read_layer
    from .gmpe import bindi2011_intensity, slope_from_dem, vs30_from_slope
    from .losses import EventSet as LossEvents
    from .losses import run_event_based, scenario_losses
    from .metrics import losses_at_return_periods
    from .seismicity import (
        haversine_km,
        hazard_curve,
        level_at_return_period,
        sample_stochastic_catalogue,
    )
    from .sources import event_set_for, load_source_model, model_from_catalogues

    p = dict(params)
    syn = bool(p.get("synthetic"))
    last = max(epochs_data)
    pop = np.nan_to_num(np.asarray(epochs_data[last]["population"], float))
    bu = np.nan_to_num(np.asarray(epochs_data[last]["builtup"], float))
    rows: list[dict[str, Any]] = []
    prov: list[Any] = []
    rasters: dict[str, tuple[np.ndarray, str, str]] = {}
    res = RiskResult(rows, prov, rasters, synthetic=syn)
    seed = int(p.get("seed", 0))
    base_source = "carlcities risk engine" + ("; synthetic demo data" if syn else "")
    ind_inputs: dict[str, float] = {}
    undefined: dict[str, str] = {}  # indicator id -> flag of a value that could not be made

    def row(iid: str, value, flag, *, epoch, scenario, zone, source) -> dict[str, Any]:
        ind = REGISTRY[iid]
        return dict(zone_id=zone, indicator_id=iid, epoch=epoch, epoch_start=None,
                    scenario=scenario, value=value, unit=ind.unit, source=source or base_source,
                    method_version=ind.method_version, synthetic=syn, flag=flag)

    def add(values: dict[str, Any], *, epoch=last, scenario=None, zone="city", source=None):
        for iid, v in evaluate(values, kind="epoch", zonal_only=zone != "city").items():
            rows.append(row(iid, v.value, v.flag, epoch=epoch, scenario=scenario, zone=zone,
                            source=source))

    # -- site conditions ------------------------------------------------------------------
    dem = None
    if inputs.get("dem"):
        lay = read_layer(inputs["dem"], grid, role="dem")
        dem = np.asarray(lay.data, float)
    if inputs.get("vs30"):
        vs30 = _read_on_grid(inputs["vs30"], grid)
        vs30_src = f"site model {Path(inputs['vs30']).name}"
    elif dem is not None:
        vs30 = vs30_from_slope(slope_from_dem(np.nan_to_num(dem, nan=np.nanmean(dem)), grid.res))
        vs30_src = "Wald & Allen 2007 slope proxy on the DEM"
    else:
        vs30 = np.full(grid.shape, 760.0)
        vs30_src = "no DEM and no site model: rock (760 m/s) assumed"
        prov.append({"step": "vs30", "note": vs30_src})
    vs30 = np.where(np.isfinite(vs30), vs30, 760.0)
    rasters["vs30"] = (vs30.astype("float32"), "m/s", f"Vs30 [m/s] ({vs30_src})")
    built = pop > 0
    if built.any():
        ind_inputs["risk_vs30_median"] = float(np.median(vs30[built]))

    # -- exposure -------------------------------------------------------------------------
    expo, expo_src, curves, fat_curves = exposure_and_curves(city, grid, inputs, pop, bu, p, prov)
    classes = list(expo.taxonomies)
    value_cell = _per_cell(expo, grid, expo.value_total)
    bld_cell = _per_cell(expo, grid, expo.buildings)
    ind_inputs["risk_value_usd"] = float(value_cell.sum())
    ind_inputs["risk_buildings"] = float(bld_cell.sum())
    rasters["exposure_value"] = (value_cell.astype("float32"), "USD",
                                 "replacement value of buildings and contents [USD]")
    by_tax = expo.summary()
    val_t = {t: d["value_usd"] for t, d in by_tax.items() if t != "TOTAL"}
    tod = p.get("time_of_day", "night")
    occ_t = {t: float(expo.occupants(tod)[expo.taxonomy == i].sum())
             for i, t in enumerate(expo.taxonomies)}

    # -- earthquake: sources, hazard at the centre ---------------------------------------
    cat = p.get("catalogue")
    model = model_from_catalogues(tuple(cat)) if cat else load_source_model()
    gmpe = p.get("gmpe", "bssa2014")
    eq_ok = True
    try:
        es = event_set_for(model, city.lon, city.lat, radius_km=float(p.get(
            "source_radius_km", 300.0)), mmin=float(p.get("mmin", 5.0)))
    except Exception as exc:  # noqa: BLE001 - HazardError: no source near the city
        eq_ok = False
        prov.append({"step": "earthquake", "note": str(exc).splitlines()[0]})
        for k in ("hazard.eq_pga475_rock", "hazard.eq_pga2475_rock", "hazard.eq_msk475",
                  "risk.eq_eal", "risk.eq_fatalities_annual"):
            undefined[k] = ("undefined: no seismic source within "
                            f"{p.get('source_radius_km', 300.0):g} km in the catalogue")
    eq_summary: dict[str, Any] = {}
    if eq_ok:
        prov.append({"step": "seismic sources", "source": model.source,
                     "b": model.b, "events": len(es)})
        pga_levels = np.geomspace(1e-3, 4.0, 80)
        msk_levels = np.arange(3.0, 12.01, 0.05)
        lam = hazard_curve(es, city.lon, city.lat, "PGA", pga_levels, model=gmpe, vs30=760.0,
                           rupture="line_random_strike")
        lam_m = hazard_curve(es, city.lon, city.lat, "MSK", msk_levels,
                             rupture="line_random_strike")
        for key, iid, lv, lm, T, log in (
                ("risk_pga475_g", "hazard.eq_pga475_rock", pga_levels, lam, 475.0, True),
                ("risk_pga2475_g", "hazard.eq_pga2475_rock", pga_levels, lam, 2475.0, True),
                ("risk_msk475", "hazard.eq_msk475", msk_levels, lam_m, 475.0, False)):
            if lm[0] < 1.0 / T:  # even the lowest level is rarer than 1/T: below the range
                undefined[iid] = (f"undefined: hazard below {lv[0]:g} "
                                  f"{'g' if log else 'MSK-64'} at {T:g} yr")
                continue
            ind_inputs[key] = float(level_at_return_period(lv, lm, T, log_levels=log))
        for x, r in zip(pga_levels, lam):
            if r > 1e-6:
                res.curves.append(dict(hazard="earthquake", curve="hazard", scenario="rock",
                                       measure="PGA", unit="g", x=float(x), annual_rate=float(r),
                                       return_period=float(1 / r) if r > 0 else None,
                                       synthetic=False))
        for x, r in zip(msk_levels[::4], lam_m[::4]):
            if r > 1e-6:
                res.curves.append(dict(hazard="earthquake", curve="hazard", scenario="rock",
                                       measure="MSK-64", unit="MSK-64", x=float(x),
                                       annual_rate=float(r), return_period=float(1 / r),
                                       synthetic=False))
        # event-based losses over stochastic catalogues
        k = int(p.get("site_block", 5))
        cexpo, blk = _coarsen_sites(expo, grid, k)
        nb = int(blk.max()) + 1
        vs_blk = np.bincount(blk.ravel(), weights=vs30.ravel(), minlength=nb) / np.maximum(
            np.bincount(blk.ravel(), minlength=nb), 1)
        n_cat = int(p.get("realisations", 10))
        years = float(p.get("catalogue_years", 1000.0))
        rng = np.random.default_rng([seed, 5])
        cats = [sample_stochastic_catalogue(es, years, rng) for _ in range(n_cat)]
        mags = np.concatenate([c["mag"].to_numpy() for c in cats])
        lons = np.concatenate([c["lon"].to_numpy() for c in cats])
        lats = np.concatenate([c["lat"].to_numpy() for c in cats])
        which = np.concatenate([np.full(len(c), i) for i, c in enumerate(cats)])
        total_years = years * n_cat
        quiet = mags.size == 0  # no event in any simulated catalogue: one event of rate 0
        if quiet:
            mags, lons, lats = es.mag[:1].copy(), es.lon[:1].copy(), es.lat[:1].copy()
            which = np.zeros(1, int)
            prov.append({"step": "earthquake losses", "note": f"no event in {total_years:g} "
                                                              "simulated years: EAL 0"})
        ev = LossEvents(event_id=np.arange(mags.size),
                        rate=np.full(mags.size, 0.0 if quiet else 1 / total_years),
                        mag=mags, lon=lons, lat=lats)
        gm = _gm(gmpe)
        ebr = run_event_based(ev, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=vs_blk,
                              n_realisations=1, seed=seed, fatality_curves=fat_curves,
                              below_min="zero", time_of_day=p.get("time_of_day", "night"),
                              max_distance_km=float(p.get("max_distance_km", 200.0)))
        loss = ebr.elt.loss("total")[0]
        fat = ebr.elt.loss("fatalities")[0] if "fatalities" in ebr.elt.columns else \
            np.zeros_like(loss)
        if quiet:
            loss, fat = np.zeros_like(loss), np.zeros_like(fat)
        per_cat_eal = np.array([loss[which == i].sum() / years for i in range(n_cat)])
        per_cat_fat = np.array([fat[which == i].sum() / years for i in range(n_cat)])
        eal = float(loss.sum() / total_years)
        fat_yr = float(fat.sum() / total_years)
        rp = losses_at_return_periods(ev.rate, loss, RETURN_PERIODS)
        ind_inputs.update(risk_eq_eal_usd=eal,
                          **{f"risk_eq_loss_rp{T}": float(rp[T]) for T in RETURN_PERIODS})
        if fat_curves is not None:
            ind_inputs["risk_eq_fatalities"] = fat_yr
        else:
            undefined["risk.eq_fatalities_annual"] = ("undefined: no occupants (fatality) "
                                                      "vulnerability for every class")
        # loss exceedance curve (levels at every 10th sorted loss)
        order = np.sort(loss[loss > 0])[::-1]
        for j in range(0, order.size, max(1, order.size // 60)):
            lam_l = (j + 1) / total_years
            res.curves.append(dict(hazard="earthquake", curve="loss", scenario="event_based",
                                   measure="loss", unit="USD", x=float(order[j]),
                                   annual_rate=lam_l, return_period=1 / lam_l, synthetic=syn))
        # classes: split the event-based EAL by the classical risk integral at the centre
        vmed = float(np.median(vs30[built])) if built.any() else 760.0
        c_eal, c_fat = _classical_eal_shares(curves, fat_curves, classes, val_t, occ_t, es,
                                             city.lon, city.lat, vmed, gmpe)
        s_eal, s_fat = sum(c_eal.values()), sum(c_fat.values())
        eal_t = {t: eal * v / s_eal if s_eal > 0 else 0.0 for t, v in c_eal.items()}
        fat_t = {t: fat_yr * v / s_fat if s_fat > 0 else 0.0 for t, v in c_fat.items()}
        eq_summary = dict(
            eal=eal, eal_interval=tuple(np.percentile(per_cat_eal, [5, 95]).tolist()),
            fatalities=fat_yr, fatalities_interval=tuple(np.percentile(per_cat_fat,
                                                                       [5, 95]).tolist()),
            eal_by_class=eal_t, fatalities_by_class=fat_t, rp=dict(rp),
            events=int(mags.size), catalogue_years=total_years,
            clamped=dict(ebr.clamped))
        prov.append({"step": "earthquake losses", "events": int(mags.size),
                     "years": total_years, "sites": int(np.unique(cexpo.site).size),
                     "clamped": dict(ebr.clamped)})
        # scenario maps: the stochastic event nearest the 475-year loss, and historic events
        if not quiet and loss.max() > 0:
            l475 = float(losses_at_return_periods(ev.rate, loss, (475,))[475])
            pick = int(np.argmin(np.abs(loss - l475)))
            one = LossEvents(event_id=np.array([0]), rate=np.array([0.0]),
                             mag=mags[pick:pick + 1], lon=lons[pick:pick + 1],
                             lat=lats[pick:pick + 1])
            sc = scenario_losses(one, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=vs_blk,
                                 n_realisations=0, seed=seed, fatality_curves=fat_curves,
                                 below_min="zero")
            ratio_blk = np.zeros(nb)
            ratio_blk[sc.sites] = sc.site_loss_ratio
            rasters["eq_damage_ratio_rp475"] = (
                np.where(value_cell > 0, ratio_blk[blk], np.nan).astype("float32"), "ratio",
                f"mean damage ratio of the stochastic M{mags[pick]:.1f} event whose loss is "
                "nearest the 475-year loss")
            d_c = haversine_km(lons[pick], lats[pick], cexpo.lon, cexpo.lat)
            mln, _, _ = gm(curves.imt or "PGA", mags[pick:pick + 1], d_c[None, :],
                           vs_blk[cexpo.site])
            pga_blk = np.full(nb, np.nan)
            pga_blk[cexpo.site] = np.exp(mln[0])
            rasters["eq_pga_rp475_event"] = (pga_blk[blk].astype("float32"), "g",
                                             "median PGA of the same event [g]")
        from .historic import load_historic, scenario_intensity, scenario_intensity_at
        from .pager import expected_fatalities, load_pager_models

        pager = load_pager_models(p.get("pager_parameters")).get(city.country_iso3)
        res_blk = np.bincount(blk.ravel(), weights=pop.ravel(), minlength=nb)
        lon_blk, lat_blk = _block_centres(grid, k, nb)
        lived = res_blk > 0
        for hev in load_historic():
            obs = next((o for o in hev.cities if o.city == city.city_id), None)
            dist = float(haversine_km(hev.epicentre_lon, hev.epicentre_lat, city.lon, city.lat))
            if obs is None and dist > HISTORIC_RADIUS_KM:
                continue
            msk, sig = scenario_intensity(hev, city.lon, city.lat)
            h1 = LossEvents(event_id=np.array([0]), rate=np.array([0.0]),
                            mag=np.array([min(hev.magnitude, 8.5)]),
                            lon=np.array([hev.epicentre_lon]), lat=np.array([hev.epicentre_lat]))
            hs = scenario_losses(h1, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=vs_blk,
                                 n_realisations=int(p.get("scenario_realisations", 30)),
                                 seed=seed, fatality_curves=fat_curves, below_min="zero")
            pga_c = float(np.exp(gm("PGA", np.array([min(hev.magnitude, 8.5)]),
                                    np.array([[max(dist, 0.1)]]), np.array([vmed]))[0][0, 0]))
            # second opinion: PAGER's empirical deaths from residents and the intensity map
            f_pager = None
            if pager is not None and lived.any():
                i_blk = scenario_intensity_at(hev, lon_blk[lived], lat_blk[lived])
                f_pager = expected_fatalities(i_blk, res_blk[lived], pager)
            res.scenarios.append(dict(
                event_id=hev.id, name_en=hev.name_en, name_ru=hev.name_ru, year=hev.date.year,
                magnitude=hev.magnitude, lon=hev.epicentre_lon, lat=hev.epicentre_lat,
                depth_km=hev.depth_km, distance_km=dist, msk_model=float(msk),
                msk_sigma=float(sig), msk_observed=(obs.observed_text if obs else None),
                observed_source=(obs.source if obs else None), pga_median_g=pga_c,
                loss_usd=hs.loss_mean, loss_lo=hs.loss_interval[0], loss_hi=hs.loss_interval[1],
                fatalities=hs.fatalities_mean, fatalities_lo=hs.fatalities_interval[0],
                fatalities_hi=hs.fatalities_interval[1], synthetic=syn,
                fatalities_pager=f_pager, observed_deaths=hev.observed_deaths,
                deaths_source=hev.deaths_source))
            add({"risk_scenario_loss_usd": hs.loss_mean,
                 "risk_scenario_fatalities": hs.fatalities_mean,
                 "risk_scenario_msk": float(msk)}, scenario=hev.id,
                source=f"{base_source}; {hev.name_en} rupture (today's exposure)")
        # Bindi intensity check at the centre for the map legend is in risk_scenarios
        _ = bindi2011_intensity
    # exposure by class with its EAL
    for t, d in by_tax.items():
        if t == "TOTAL":
            continue
        res.exposure.append(dict(year=last, taxonomy=t, occupancy="all",
                                 buildings=d["buildings"], area_m2=d["floor_area_m2"],
                                 value_usd=d["value_usd"], occupants_night=d["occupants_night"],
                                 eq_eal_usd=eq_summary.get("eal_by_class", {}).get(t),
                                 source=expo_src, synthetic=syn))

    # -- flood ------------------------------------------------------------------------------
    flood_rps = {int(k.rsplit("rp", 1)[1]): v for k, v in inputs.items()
                 if k.startswith("flood_depth_rp")}
    flood_summary: dict[str, Any] = {}
    occ_val = {occ: _per_cell(expo, grid, np.where(expo.occupancy == code, expo.value_total, 0.0))
               for occ, code in (("residential", "Res"), ("commercial", "Com"),
                                 ("industrial", "Ind"))}
    if flood_rps:
        from .flood import flood_losses, read_flood_depths

        depths = read_flood_depths({float(T): v for T, v in flood_rps.items()}, grid)
        fr = flood_losses(depths, occ_val, population=pop, buildings=bld_cell,
                          lower_tail=FLOOD_LOWER_TAIL)
        ind_inputs["risk_flood_eal_usd"] = fr.eal_usd
        t_zone = min((T for T in depths if T >= 100.0), default=None)
        if t_zone is not None:  # the 100-year zone, or the next rarer map's when none is 100
            zone = depths[t_zone] > 0
            res.masks["flood_100"] = zone
            ind_inputs["risk_pop_flood_100"] = float(pop[zone].sum())
            ind_inputs["risk_value_flood_100"] = float(value_cell[zone].sum())
            if t_zone != 100.0:
                prov.append({"step": "flood", "note": f"no 100-year map: the {t_zone:g}-year "
                                                      "map stands for the 100-year flood zone"})
        else:
            for iid in ("exposure.pop_flood_100", "exposure.value_flood_100"):
                undefined[iid] = "undefined: no flood map of 100 years or rarer"
        if fr.damage_ratio_100 is not None:
            rasters["flood_damage_ratio_rp100"] = (
                np.where(value_cell > 0, fr.damage_ratio_100, np.nan).astype("float32"),
                "ratio", "flood damage ratio of the 100-year flood (JRC Asia curves)")
        if t_zone is not None:
            d100 = depths[t_zone]
            rasters["flood_depth_rp100"] = (np.where(d100 > 0, d100, np.nan).astype("float32"),
                                            "m", f"flood depth of the {t_zone:g}-year flood [m]")
        for T in fr.return_periods:
            res.curves.append(dict(hazard="flood", curve="loss", scenario="maps",
                                   measure="loss", unit="USD", x=fr.loss_usd[T],
                                   annual_rate=1.0 / T, return_period=T, synthetic=syn))
        # per-cell flood EAL per unit of value (the trapezoid is linear in the map losses)
        from .flood import damage_fraction
        from .metrics import eal_from_return_periods

        rps = sorted(depths)
        wts = [eal_from_return_periods(rps, [1.0 if j == k else 0.0 for j in range(len(rps))],
                                       lower_tail=FLOOD_LOWER_TAIL) for k in range(len(rps))]
        res.eal_per_value["flood"] = sum(w * damage_fraction(np.nan_to_num(depths[T]),
                                                             "residential")
                                         for w, T in zip(wts, rps))
        flood_summary = dict(eal=fr.eal_usd, by_rp={T: fr.loss_usd[T] for T in fr.return_periods},
                             affected=fr.affected_population, depths=depths,
                             method=fr.eal_method)
        prov.append({"step": "flood", "maps": {str(T): Path(v).name
                                               for T, v in flood_rps.items()},
                     "method": fr.eal_method})

    # -- mudflow -------------------------------------------------------------------------------
    mud = None
    if inputs.get("mudflow"):
        from .mudflow import read_mudflow_map

        mud = read_mudflow_map(inputs["mudflow"], grid)
        mud_src = f"mudflow map {Path(inputs['mudflow']).name}"
    elif dem is not None and np.isfinite(dem).any() and \
            float(np.nanmax(dem) - np.nanmin(dem)) > 300.0:
        from .mudflow import debris_flow_susceptibility

        mud = debris_flow_susceptibility(np.nan_to_num(dem, nan=float(np.nanmin(dem))),
                                         grid.res).classes
        mud_src = "run-out corridors from the DEM (angle of reach)"
    if mud is not None:
        m = mud >= 2
        res.masks["mudflow"] = m
        ind_inputs["risk_pop_mudflow"] = float(pop[m].sum())
        ind_inputs["risk_value_mudflow"] = float(value_cell[m].sum())
        rasters["mudflow_class"] = (np.where(mud > 0, mud, np.nan).astype("float32"), "class",
                                    "mudflow susceptibility 1 low, 2 medium, 3 high")
        prov.append({"step": "mudflow", "source": mud_src})

    # -- heat ---------------------------------------------------------------------------------
    heat_summary: dict[str, Any] = {}
    if inputs.get("tmax_daily"):
        from .heat import (
            attributable_deaths,
            heat_parameter,
            heatwave_days_threshold,
            hot_days_per_year,
            read_daily_temperature,
        )

        series = read_daily_temperature(inputs["tmax_daily"])
        n_y = max(1, len({int(str(d)[:4]) for d in series.dates}))
        for thr in p.get("heat_thresholds_c", (35, 40)):
            days = sum(hot_days_per_year(series, float(thr)).values()) / n_y
            if int(thr) in (35, 40):
                ind_inputs[f"risk_heat_days_{int(thr)}"] = float(days)
        hw = heatwave_days_threshold(series)
        ind_inputs["risk_heatwave_days"] = float(hw.sum()) / n_y if hasattr(hw, "sum") else \
            float(sum(hw.values())) / n_y
        total_pop = float(pop.sum())
        share = _country_param(heat_parameter, "share_65plus", city.country_iso3, prov)
        cdr = _country_param(heat_parameter, "crude_death_rate", city.country_iso3, prov)
        if ind_inputs.get("risk_heat_days_40", 0.0) > 0:
            ind_inputs["risk_pop_65plus"] = total_pop * share / 100.0
        ad = attributable_deaths(series, total_pop, cdr)
        ind_inputs["risk_heat_deaths"] = ad["deaths_per_year"]
        heat_summary = dict(deaths=ad["deaths_per_year"], mmt_c=ad["mmt_c"], cdr=cdr,
                            series=series)
        prov.append({"step": "heat", "series": Path(inputs["tmax_daily"]).name,
                     "mmt_c": ad["mmt_c"]})

    if inputs.get("osm") and res.masks:  # critical facilities in the hazard zones
        from .exposure import critical_facilities

        cf = critical_facilities(inputs["osm"], grid)
        if len(cf):
            for zone, key in (("flood_100", "risk_facilities_flood_100"),
                              ("mudflow", "risk_facilities_mudflow")):
                if zone in res.masks:
                    ind_inputs[key] = float(res.masks[zone].ravel()[cf.site].sum())
            prov.append({"step": "critical facilities", "counts": cf.counts(),
                         "source": Path(inputs["osm"]).name})
    add(ind_inputs)
    for iid, flag in undefined.items():  # values that could not be made: NULL and why
        rows.append(row(iid, None, flag, epoch=last, scenario=None, zone="city", source=None))
    # per district: the additive quantities
    if not weights.is_whole and len(zone_ids) > 1:
        layers = {"risk_value_usd": value_cell, "risk_buildings": bld_cell}
        if "flood_100" in res.masks:
            layers["risk_pop_flood_100"] = pop * res.masks["flood_100"]
            layers["risk_value_flood_100"] = value_cell * res.masks["flood_100"]
        if "mudflow" in res.masks:
            layers["risk_pop_mudflow"] = pop * res.masks["mudflow"]
            layers["risk_value_mudflow"] = value_cell * res.masks["mudflow"]
        keys = list(layers)
        sums = weights.sum_many(np.stack([layers[k].ravel() for k in keys], axis=1))
        for zi, zid in enumerate(zone_ids):
            if zid != "city":
                add(dict(zip(keys, map(float, sums[zi]))), zone=zid)

    # -- trajectories to 2050 (exposure grows with population; heat and flood with climate) ----
    years = [int(y) for y in p.get("years", (2020, 2030, 2040, 2050))]
    climates = list(p.get("climate_scenarios", ("ssp245", "ssp585")))
    base_pop = city.population_at(last)[0]
    for y in years:
        g = city.population_at(y)[0] / base_pop if base_pop > 0 else 1.0
        vals: dict[str, float] = {}
        if eq_summary:
            vals.update(risk_eq_eal_usd=eq_summary["eal"] * g,
                        risk_eq_fatalities=eq_summary["fatalities"] * g,
                        risk_value_usd=ind_inputs["risk_value_usd"] * g)
        add(vals, epoch=y, scenario="trend|historical",
            source=f"{base_source}; exposure scaled with the projected population")
        for scn in climates:
            cv: dict[str, float] = {}
            if flood_summary:
                from .flood import climate_adjusted_depths, flood_losses

                adj = climate_adjusted_depths(flood_summary["depths"], scn, y) if y > 2005 \
                    else flood_summary["depths"]
                cv["risk_flood_eal_usd"] = flood_losses(
                    adj, {k: v * g for k, v in occ_val.items()},
                    lower_tail=FLOOD_LOWER_TAIL).eal_usd
            if heat_summary:
                from .climate import delta
                from .heat import attributable_deaths, shift_series

                d = delta(scn, y) if y > 2005 else 0.0
                cv["risk_heat_deaths"] = attributable_deaths(
                    shift_series(heat_summary["series"], d), float(pop.sum()) * g,
                    heat_summary["cdr"], mmt_c=heat_summary["mmt_c"])["deaths_per_year"]
            if cv:
                add(cv, epoch=y, scenario=f"trend|{scn}",
                    source=f"{base_source}; climate deltas {scn} (risk/data/climate_deltas.csv)")

    # -- for the growth scenarios and the appraisal ----------------------------------------
    if eq_summary and ind_inputs.get("risk_value_usd"):
        res.eal_per_value["earthquake"] = np.full(grid.shape, eq_summary["eal"]
                                                  / ind_inputs["risk_value_usd"])
    res.summary = dict(
        city_id=city.city_id, year=last, population=float(pop.sum()),
        value_usd=ind_inputs.get("risk_value_usd"),
        eal_usd_by_hazard={"earthquake": eq_summary.get("eal", 0.0),
                           "flood": flood_summary.get("eal", 0.0)},
        eal_usd_by_hazard_interval={"earthquake": eq_summary.get("eal_interval", (0.0, 0.0))},
        fatalities_yr_by_hazard=({"earthquake": eq_summary["fatalities"]}
                                 if eq_summary and fat_curves is not None else {}),
        fatalities_yr_by_hazard_interval={"earthquake": eq_summary.get(
            "fatalities_interval", (0.0, 0.0))},
        eal_usd_by_typology={GEM_PREFIX.get(t, t): v for t, v in
                             eq_summary.get("eal_by_class", {}).items()},
        fatalities_yr_by_typology={GEM_PREFIX.get(t, t): v for t, v in
                                   eq_summary.get("fatalities_by_class", {}).items()},
        floor_area_m2_by_typology={GEM_PREFIX.get(t, t): d["floor_area_m2"]
                                   for t, d in by_tax.items() if t != "TOTAL"},
        flood_eal_usd_by_rp=_flood_bands(flood_summary),
        heat_excess_deaths_yr=heat_summary.get("deaths", 0.0),
        eq_losses_rp={str(k): v for k, v in eq_summary.get("rp", {}).items()},
        synthetic=syn)
    return res


def _flood_bands(fs: dict[str, Any]) -> dict[str, float]:
    """EAL contribution of each return-period band (trapezoid between neighbouring maps)."""
    by = fs.get("by_rp") or {}
    rps = sorted(by)
    out: dict[str, float] = {}
    for a, b in zip(rps[:-1], rps[1:]):
        out[str(int(b))] = 0.5 * (by[a] + by[b]) * (1 / a - 1 / b)
    return out


def _country_param(fn, name: str, iso3: str, prov: list[Any]) -> float:
    """A heat parameter of the country, else the median of the countries that have one."""
    from ..errors import HazardError

    try:
        return float(fn(name, iso3))
    except HazardError:
        vals = []
        for c in ("KAZ", "KGZ", "TJK", "TKM", "UZB"):
            try:
                vals.append(float(fn(name, c)))
            except HazardError:
                pass
        v = float(np.median(vals))
        prov.append({"step": "heat", "note": f"{name} of {iso3} not found: median of the "
                                             f"other countries ({v:g}) used", "fallback": True})
        return v


def run_scenario(city, inputs: dict[str, str], *, magnitude: float, lon: float, lat: float,
                 depth_km: float = 10.0, epochs: list[int] | None = None,
                 grid_kw: dict[str, Any] | None = None, realisations: int = 50, seed: int = 0,
                 time_of_day: str = "night", gmpe: str = "bssa2014",
                 params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Losses of one rupture (a point source) for a city, on today's exposure.

    ``inputs`` are the city's layer paths (``builtup_EPOCH``, ``population_EPOCH``, optional
    ``dem``, ``vs30``, ``exposure``), as the pipeline finds them; the last epoch is used.
    Returns the intensity at the city centre (Bindi et al. 2011, MSK-64, ± σ), the median PGA
    there [g], the mean loss [USD] and deaths with their 5-95 % intervals across
    ``realisations`` ground-motion fields, and the equivalent destroyed buildings.
    """
    from ..grid import for_city
    from ..io.raster import read_layer
    from .gmpe import bindi2011_intensity, slope_from_dem, vs30_from_slope
    from .losses import EventSet as LossEvents
    from .losses import scenario_losses
    from .seismicity import haversine_km

    eps = sorted(int(k.split("_")[1]) for k in inputs if k.startswith("population_"))
    last = eps[-1]
    grid = for_city(city, epochs=epochs or eps, **(grid_kw or {}))
    pop = np.nan_to_num(read_layer(inputs[f"population_{last}"], grid, role="population").data)
    bu = np.nan_to_num(read_layer(inputs[f"builtup_{last}"], grid, role="builtup").data)
    prov: list[Any] = []
    expo, src, curves, fat = exposure_and_curves(city, grid, inputs, pop, bu, dict(params or {}),
                                                 prov)
    if inputs.get("vs30"):
        vs30 = _read_on_grid(inputs["vs30"], grid)
    elif inputs.get("dem"):
        dem = np.asarray(read_layer(inputs["dem"], grid, role="dem").data, float)
        vs30 = vs30_from_slope(slope_from_dem(np.nan_to_num(dem, nan=np.nanmean(dem)), grid.res))
    else:
        vs30 = np.full(grid.shape, 760.0)
    vs30 = np.where(np.isfinite(vs30), vs30, 760.0)
    cexpo, blk = _coarsen_sites(expo, grid, 5)
    nb = int(blk.max()) + 1
    vs_blk = np.bincount(blk.ravel(), weights=vs30.ravel(), minlength=nb) / np.maximum(
        np.bincount(blk.ravel(), minlength=nb), 1)
    ev = LossEvents(event_id=np.array([0]), rate=np.array([0.0]), mag=np.array([magnitude]),
                    lon=np.array([lon]), lat=np.array([lat]))
    gm = _gm(gmpe)
    res = scenario_losses(ev, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=vs_blk,
                          n_realisations=realisations, seed=seed, fatality_curves=fat,
                          time_of_day=time_of_day, below_min="zero")
    d = float(haversine_km(lon, lat, city.lon, city.lat))
    msk, sig = bindi2011_intensity(np.array([magnitude]), np.array([d]), np.array([depth_km]))
    vmed = float(np.median(vs30[pop > 0])) if (pop > 0).any() else 760.0
    pga = float(np.exp(gm("PGA", np.array([magnitude]), np.array([[max(d, 0.1)]]),
                          np.array([vmed]))[0][0, 0]))
    return dict(city_id=city.city_id, magnitude=magnitude, lon=lon, lat=lat, depth_km=depth_km,
                distance_km=d, msk=float(np.ravel(msk)[0]), msk_sigma=float(np.ravel(sig)[0]),
                pga_median_g=pga, vs30_median=vmed, exposed_value_usd=float(expo.total_value),
                loss_usd=res.loss_mean, loss_interval=res.loss_interval,
                fatalities=res.fatalities_mean, fatalities_interval=res.fatalities_interval,
                buildings_destroyed_equiv=res.buildings_mean, realisations=realisations,
                exposure=src, clamped=res.clamped)
