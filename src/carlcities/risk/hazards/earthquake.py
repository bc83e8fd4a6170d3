"""Earthquake: hazard at the city centre, event-based losses and lives, historic scenarios.

In order:

1. the regional smoothed-seismicity model (:mod:`carlcities.risk.sources`) gives the city's
   point-source event set within ``source_radius_km``; the classical hazard curve at the city
   centre on rock (Vs30 = 760 m/s) gives ``hazard.eq_pga475_rock``, ``hazard.eq_pga2475_rock``
   and, with Bindi et al. 2011, ``hazard.eq_msk475``;
2. event-based risk: ``realisations`` stochastic catalogues of ``catalogue_years`` years each
   are sampled from the event set (Poisson), each occurrence with its own between- and
   within-event ground-motion residuals (BSSA14 on the block's Vs30), through the
   vulnerability curves to losses [USD] and deaths; EAL, fatalities per year and losses at
   100-1000 years come from all catalogues together, their 5-95 % intervals from the spread
   between catalogues. Sites are blocks of ``site_block`` × ``site_block`` cells
   (:func:`carlcities.risk.sites.coarsen_sites`);
3. EAL by building class: the event-based EAL split in proportion to the classical risk
   integral of each class at the city centre (OpenQuake classical risk, Vs30 median);
4. the historic earthquakes within 150 km and the stochastic event whose loss is nearest the
   475-year loss give scenario maps (median PGA, damage ratio); each historic event also gets
   the USGS PAGER empirical deaths as a second opinion.

Damage model: the vulnerability curves of the exposure classes (packaged Hazus-based curves or
the user's NRML 0.5 models, :mod:`carlcities.risk.vulnerability`).

Lives: with the packaged models, deaths (annual, at 475 years, in the historic scenarios) and
collapsed buildings come from the calibrated casualty model in SA(1.0 s)
(:func:`carlcities.risk.sites.casualty_curves`; fitted to the region's earthquakes, see
docs/validation.md "Earthquake losses and lives"). The event-based pass evaluates BSSA14 in
both PGA (losses) and SA(1.0 s) (deaths) at the same sites with the same normalised residuals
(``run_event_based(fatality_imt=...)``: one sampling, the losses unchanged); the scenarios run
a second pass (:func:`scenario_casualties`). The true correlation of PGA and SA(1.0 s)
residuals is about 0.5 (Baker & Jayaram 2008), not 1: this changes only the joint statistics
of losses and deaths, not the mean or the spread of either. A user's occupants model in the
loss curves' intensity measure is applied as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carlcities.risk.hazards.base import HazardContext, HazardOutcome
from carlcities.risk.metrics import DEFAULT_RETURN_PERIODS
from carlcities.risk.sites import (
    ROCK_VS30,
    block_centres,
    coarsen_sites,
    ground_motion_fn,
)
from carlcities.risk.vulnerability import GEM_PREFIX

__all__ = ["Earthquake", "HISTORIC_RADIUS_KM", "classical_eal_shares",
           "scenario_casualties", "split_fatality_curves"]

#: historic earthquakes whose epicentre is this close to a city [km] are replayed for it (and
#: every event whose literature names the city)
HISTORIC_RADIUS_KM = 150.0


def classical_eal_shares(curves, fat_curves, taxonomies, values, occupants, es, lon, lat,
                         vs30: float, model: str) -> tuple[dict[str, float], dict[str, float]]:
    """Classical risk integral per class at one site: Σ_levels MLR(x)·Δλ(x) × value (and the
    same with fatality ratios × occupants)."""
    from carlcities.risk.seismicity import hazard_curve

    levels = np.geomspace(0.005, 3.0, 60)
    v = float(np.clip(vs30, 150.0, 1500.0))
    lam = hazard_curve(es, lon, lat, curves.imt or "PGA", levels, model=model, vs30=v,
                       rupture="line_random_strike")
    mid = np.sqrt(levels[:-1] * levels[1:])
    dlam = lam[:-1] - lam[1:]
    dlam_f = dlam
    if fat_curves is not None and (fat_curves.imt or "PGA") != (curves.imt or "PGA"):
        lam_f = hazard_curve(es, lon, lat, fat_curves.imt, levels, model=model, vs30=v,
                             rupture="line_random_strike")
        dlam_f = lam_f[:-1] - lam_f[1:]
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
            fat[t] = float((fr * dlam_f).sum() * occupants.get(t, 0.0))
    return eal, fat


class Earthquake:
    """Earthquake hazard and risk (see the module docstring)."""

    name = "earthquake"
    roles: tuple[str, ...] = ("vs30", "exposure", "dem", "hazard_curves", "hazard_map*",
                              "hazard_gmfs", "hazard_ruptures")
    section = "earthquake"
    damage_model = ("vulnerability curves per building class (OpenQuake NRML 0.5; packaged "
                    "Hazus-based curves by default)")

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        from carlcities.risk import sources

        p, city = ctx.params, ctx.city
        o = HazardOutcome(intensity_unit="g")
        from carlcities.risk import psha

        cat = p.get("catalogue")
        model = sources.model_from_catalogues(tuple(cat)) if cat else sources.load_source_model()
        try:
            es = psha.central_event_set(city.lon, city.lat,
                                        radius_km=float(p["source_radius_km"]),
                                        mmin=float(p["mmin"]), model=model if cat else None)
        except Exception as exc:  # noqa: BLE001 - HazardError: no source near the city
            o.provenance.append({"step": "earthquake", "note": str(exc).splitlines()[0]})
            for k in ("hazard.eq_pga475_rock", "hazard.eq_pga2475_rock", "hazard.eq_msk475",
                      "risk.eq_eal", "risk.eq_fatalities_annual", "risk.eq_fatalities_rp475"):
                o.undefined[k] = ("undefined: no seismic source within "
                                  f"{p['source_radius_km']:g} km in the catalogue")
            o.summary = _summary({}, ctx.fatality_curves)
            return o
        o.provenance.append({"step": "seismic sources", "source": model.source,
                             "b": model.b, "events": len(es),
                             "method_version": psha.METHOD_VERSION})
        _centre_hazard(ctx, es, o, model if cat else None)
        blocks = _blocks(ctx)
        eq = _event_based(ctx, es, o, blocks)
        _classical(ctx, es, o, blocks)
        o.state["eq"] = eq
        o.eal_by_typology = dict(eq["eal_by_class"])
        o.summary = _summary(eq, ctx.fatality_curves)
        total = float(ctx.value.sum())
        if total:
            o.eal_per_value = np.full(ctx.grid.shape, eq["eal"] / total)
        return o

    def project(self, ctx: HazardContext, outcome: HazardOutcome, year: int, growth: float,
                climate: str | None) -> dict[str, float]:
        """Today's EAL and deaths scaled with the population (the exposure grows with it); the
        value goes along so that the EAL ratio of the year can be made."""
        eq = outcome.state.get("eq")
        if climate is not None or not eq:
            return {}
        return dict(risk_eq_eal_usd=eq["eal"] * growth,
                    risk_eq_fatalities=eq["fatalities"] * growth,
                    risk_value_usd=float(ctx.value.sum()) * growth)


def _summary(eq: dict[str, Any], fat_curves) -> dict[str, Any]:
    """The earthquake's part of the appraisal summary (zeros when there was no source)."""
    return dict(
        eal_usd_by_hazard={"earthquake": eq.get("eal", 0.0)},
        eal_usd_by_hazard_interval={"earthquake": eq.get("eal_interval", (0.0, 0.0))},
        fatalities_yr_by_hazard=({"earthquake": eq["fatalities"]}
                                 if eq and fat_curves is not None else {}),
        fatalities_yr_by_hazard_interval={"earthquake": eq.get("fatalities_interval",
                                                               (0.0, 0.0))},
        eal_usd_by_typology={GEM_PREFIX.get(t, t): v
                             for t, v in eq.get("eal_by_class", {}).items()},
        fatalities_yr_by_typology={GEM_PREFIX.get(t, t): v
                                   for t, v in eq.get("fatalities_by_class", {}).items()},
        eq_losses_rp={str(k): v for k, v in eq.get("rp", {}).items()})


def _centre_hazard(ctx: HazardContext, es, o: HazardOutcome, model=None) -> None:
    """Classical hazard at the city centre on rock: PGA at 475 and 2475 yr from the logic
    tree (mean and 16/84 % fractiles, :mod:`carlcities.risk.psha`), MSK-64 at 475 yr on the
    central branch's event set."""
    from carlcities.risk import psha
    from carlcities.risk.seismicity import hazard_curve, level_at_return_period

    city = ctx.city
    msk_levels = np.arange(3.0, 12.01, 0.05)
    h = psha.site_hazard(city.lon, city.lat, radius_km=float(ctx.params["source_radius_km"]),
                         mmin=float(ctx.params["mmin"]), vs30=ROCK_VS30, model=model)
    pga_levels, lam = h["levels"], h["mean"]
    lam_m = hazard_curve(es, city.lon, city.lat, "MSK", msk_levels, rupture="line_random_strike")
    for key, iid, lv, lm, T, log in (
            ("risk_pga475_g", "hazard.eq_pga475_rock", pga_levels, lam, 475.0, True),
            ("risk_pga475_p16_g", "hazard.eq_pga475_rock_p16", pga_levels, h["p16"], 475.0,
             True),
            ("risk_pga475_p84_g", "hazard.eq_pga475_rock_p84", pga_levels, h["p84"], 475.0,
             True),
            ("risk_pga2475_g", "hazard.eq_pga2475_rock", pga_levels, lam, 2475.0, True),
            ("risk_pga2475_p16_g", "hazard.eq_pga2475_rock_p16", pga_levels, h["p16"], 2475.0,
             True),
            ("risk_pga2475_p84_g", "hazard.eq_pga2475_rock_p84", pga_levels, h["p84"], 2475.0,
             True),
            ("risk_msk475", "hazard.eq_msk475", msk_levels, lam_m, 475.0, False)):
        if lm[0] < 1.0 / T:  # even the lowest level is rarer than 1/T: below the range
            o.undefined[iid] = (f"undefined: hazard below {lv[0]:g} "
                                f"{'g' if log else 'MSK-64'} at {T:g} yr")
            continue
        o.inputs[key] = float(level_at_return_period(lv, lm, T, log_levels=log))
    for x, r in zip(pga_levels, lam):
        if r > 1e-6:
            o.curves.append(dict(hazard="earthquake", curve="hazard", scenario="rock",
                                 measure="PGA", unit="g", x=float(x), annual_rate=float(r),
                                 return_period=float(1 / r) if r > 0 else None,
                                 synthetic=False))
    for x, r in zip(msk_levels[::4], lam_m[::4]):
        if r > 1e-6:
            o.curves.append(dict(hazard="earthquake", curve="hazard", scenario="rock",
                                 measure="MSK-64", unit="MSK-64", x=float(x),
                                 annual_rate=float(r), return_period=float(1 / r),
                                 synthetic=False))


def _blocks(ctx: HazardContext) -> tuple[Any, np.ndarray, int, np.ndarray]:
    """The exposure on blocks of ``site_block`` × ``site_block`` cells
    (:func:`~carlcities.risk.sites.coarsen_sites`), the block of every cell, the number of
    blocks and each block's mean Vs30 [m/s]: the sites of the event-based and classical
    runs."""
    cexpo, blk = coarsen_sites(ctx.exposure, ctx.grid, int(ctx.params["site_block"]))
    nb = int(blk.max()) + 1
    vs_blk = np.bincount(blk.ravel(), weights=ctx.vs30.ravel(), minlength=nb) / np.maximum(
        np.bincount(blk.ravel(), minlength=nb), 1)
    return cexpo, blk, nb, vs_blk


def _classical(ctx: HazardContext, es, o: HazardOutcome, blocks) -> None:
    """Classical EAL (hazard curves x vulnerability, OpenQuake classical risk) on the exposure
    blocks of the event-based run: on our central branch's event set with the loss engine's
    conventions (``risk.eq_eal_classical``, the expectation of the event-based EAL), and on the
    user's authoritative hazard (``risk.eq_eal_authoritative``, rock curves amplified to each
    block's Vs30) where ``data.hazard_curves`` or ``data.hazard_maps`` gives it. The blocks share
    hazard curves per 0.02-degree cell and Vs30 class
    (:func:`carlcities.risk.authoritative.hazard_points`)."""
    from carlcities.risk import authoritative as au
    from carlcities.risk.seismicity import hazard_curves_sites

    p, curves, expo = ctx.params, ctx.curves, ctx.exposure
    imt = curves.imt or "PGA"
    cexpo, blk, nb, vs_blk = blocks
    names = list(expo.taxonomies)
    value = cexpo.value_total
    pt, plon, plat, pvs, pcell = au.hazard_points(cexpo.lon, cexpo.lat, vs_blk[cexpo.site])
    lv = au.EAL_LEVELS
    lam = hazard_curves_sites(es, plon, plat, pvs, imt, lv, model=p["gmpe"],
                              max_distance_km=float(p["max_distance_km"]))
    eal, _ = au.classical_eal_assets(lv, lam, pt, cexpo.taxonomy, value, curves, names)
    o.inputs["risk_eq_eal_classical_usd"] = eal
    user_c = ctx.inputs.get("hazard_curves")
    maps = {float(k.split("rp")[-1]): v for k, v in ctx.role_paths("hazard_map_rp*").items()}
    if not user_c and ctx.inputs.get("hazard_maps"):
        csv_map = ctx.inputs["hazard_maps"]
        maps = {T: csv_map for T in au.read_oq_hazard_map(csv_map, ctx.city.lon, ctx.city.lat,
                                                          imt=imt)}
    if not user_c and len(maps) < 2:
        if maps:
            o.provenance.append({"step": "authoritative hazard", "note": "one hazard map is "
                                 "not a curve: give two or more return periods"})
        return
    cells = np.unique(pcell)
    first = np.array([np.flatnonzero(pcell == c)[0] for c in cells])
    rock, src = au.user_rock_curves(user_c, maps, plon[first], plat[first], imt, lv)
    vref = float(p.get("hazard_vs30", 760.0))
    site = np.array([au.amplify_rates(lv, rock[np.searchsorted(cells, pcell[i])], pvs[i], imt,
                                      vref) for i in range(pcell.size)])
    eal_u, _ = au.classical_eal_assets(lv, site, pt, cexpo.taxonomy, value, curves, names)
    o.inputs["risk_eq_eal_authoritative_usd"] = eal_u
    centre, _ = au.user_rock_curves(user_c, maps, [ctx.city.lon], [ctx.city.lat], imt, lv)
    if imt == "PGA" and centre[0, 0] >= 1 / 475.0 >= centre[0, -1]:
        o.inputs["risk_pga475_authoritative_g"] = au.level_at(
            au.HazardCurve(lv, centre[0]), 475.0)
    o.provenance.append({"step": "authoritative hazard", "source": src, "imt": imt,
                         "reference_vs30": vref, "eal_usd": eal_u,
                         "eal_classical_own_model_usd": eal})


def _event_based(ctx: HazardContext, es, o: HazardOutcome, blocks) -> dict[str, Any]:
    """Event-based losses over stochastic catalogues, the loss curve, EAL by class, and the
    scenario maps and historic events (which share the coarse sites)."""
    from carlcities.risk.losses import EventSet as LossEvents
    from carlcities.risk.losses import run_event_based
    from carlcities.risk.metrics import losses_at_return_periods
    from carlcities.risk.seismicity import sample_stochastic_catalogue

    p, expo, curves, fat_curves = ctx.params, ctx.exposure, ctx.curves, ctx.fatality_curves
    seed, syn = ctx.seed, ctx.synthetic
    k = int(p["site_block"])
    cexpo, blk, nb, vs_blk = blocks
    gm = ground_motion_fn(p["gmpe"])
    gm_events = gm
    user = _user_events(ctx, cexpo, o)
    if user is None:
        n_cat = int(p["realisations"])
        years = float(p["catalogue_years"])
        rng = np.random.default_rng([seed, 5])
        cats = [sample_stochastic_catalogue(es, years, rng) for _ in range(n_cat)]
        mags = np.concatenate([c["mag"].to_numpy() for c in cats])
        lons = np.concatenate([c["lon"].to_numpy() for c in cats])
        lats = np.concatenate([c["lat"].to_numpy() for c in cats])
        which = np.concatenate([np.full(len(c), i) for i, c in enumerate(cats)])
    else:   # the user's OpenQuake ruptures or ground-motion fields: one catalogue
        mags, lons, lats, years, gm_user = user
        gm_events = gm_user or gm
        n_cat, which = 1, np.zeros(mags.size, int)
    total_years = years * n_cat
    quiet = mags.size == 0  # no event in any simulated catalogue: one event of rate 0
    if quiet:
        mags, lons, lats = es.mag[:1].copy(), es.lon[:1].copy(), es.lat[:1].copy()
        which = np.zeros(1, int)
        o.provenance.append({"step": "earthquake losses", "note": f"no event in {total_years:g} "
                                                                  "simulated years: EAL 0"})
    ev = LossEvents(event_id=np.arange(mags.size),
                    rate=np.full(mags.size, 0.0 if quiet else 1 / total_years),
                    mag=mags, lon=lons, lat=lats)
    # deaths in the fatality curves' own IMT (the calibrated model's SA(1.0 s)), same pass
    ebr = run_event_based(ev, cexpo, curves, gm_events, imt=curves.imt or "PGA", vs30=vs_blk,
                          n_realisations=1, seed=seed, fatality_curves=fat_curves,
                          fatality_imt=(fat_curves.imt or None) if fat_curves is not None
                          else None, below_min="zero", time_of_day=p["time_of_day"],
                          max_distance_km=float(p["max_distance_km"]))
    loss = ebr.elt.loss("total")[0]
    fat = ebr.elt.loss("fatalities")[0] if "fatalities" in ebr.elt.columns else \
        np.zeros_like(loss)
    if quiet:
        loss, fat = np.zeros_like(loss), np.zeros_like(fat)
    per_cat_eal = np.array([loss[which == i].sum() / years for i in range(n_cat)])
    per_cat_fat = np.array([fat[which == i].sum() / years for i in range(n_cat)])
    eal = float(loss.sum() / total_years)
    fat_yr = float(fat.sum() / total_years)
    rp = losses_at_return_periods(ev.rate, loss, DEFAULT_RETURN_PERIODS)
    o.inputs.update(risk_eq_eal_usd=eal,
                    **{f"risk_eq_loss_rp{T}": float(rp[T]) for T in DEFAULT_RETURN_PERIODS})
    fat475 = 0.0
    if fat_curves is not None:
        o.inputs["risk_eq_fatalities"] = fat_yr
        fat475 = float(losses_at_return_periods(ev.rate, fat, (475,))[475])
        o.inputs["risk_eq_fatalities_rp475"] = fat475
    else:
        for iid in ("risk.eq_fatalities_annual", "risk.eq_fatalities_rp475"):
            o.undefined[iid] = "undefined: no occupants (fatality) vulnerability for every class"
    # loss exceedance curve (levels at every 10th sorted loss)
    order = np.sort(loss[loss > 0])[::-1]
    for j in range(0, order.size, max(1, order.size // 60)):
        lam_l = (j + 1) / total_years
        o.curves.append(dict(hazard="earthquake", curve="loss", scenario="event_based",
                             measure="loss", unit="USD", x=float(order[j]),
                             annual_rate=lam_l, return_period=1 / lam_l, synthetic=syn))
    # classes: split the event-based EAL by the classical risk integral at the centre
    built = ctx.population > 0
    vmed = float(np.median(ctx.vs30[built])) if built.any() else ROCK_VS30
    by_tax = expo.summary()
    val_t = {t: d["value_usd"] for t, d in by_tax.items() if t != "TOTAL"}
    occ_t = {t: float(expo.occupants(p["time_of_day"])[expo.taxonomy == i].sum())
             for i, t in enumerate(expo.taxonomies)}
    c_eal, c_fat = classical_eal_shares(curves, fat_curves, list(expo.taxonomies), val_t, occ_t,
                                        es, ctx.city.lon, ctx.city.lat, vmed, p["gmpe"])
    s_eal, s_fat = sum(c_eal.values()), sum(c_fat.values())
    eal_t = {t: eal * v / s_eal if s_eal > 0 else 0.0 for t, v in c_eal.items()}
    fat_t = {t: fat_yr * v / s_fat if s_fat > 0 else 0.0 for t, v in c_fat.items()}
    o.provenance.append({"step": "earthquake losses", "events": int(mags.size),
                         "years": total_years, "sites": int(np.unique(cexpo.site).size),
                         "clamped": dict(ebr.clamped)})
    sites = dict(cexpo=cexpo, blk=blk, nb=nb, k=k, vs_blk=vs_blk, gm=gm, vmed=vmed,
                 gm_events=gm_events)
    if not quiet and loss.max() > 0:
        _scenario_maps(ctx, o, sites, ev, loss, mags, lons, lats)
    _historic(ctx, o, sites)
    return dict(eal=eal, eal_interval=tuple(np.percentile(per_cat_eal, [5, 95]).tolist()),
                fatalities=fat_yr, fatalities_rp475=fat475,
                fatalities_interval=tuple(np.percentile(per_cat_fat, [5, 95]).tolist()),
                eal_by_class=eal_t, fatalities_by_class=fat_t, rp=dict(rp),
                events=int(mags.size), catalogue_years=total_years, clamped=dict(ebr.clamped))


def _user_events(ctx: HazardContext, cexpo, o: HazardOutcome):
    """The events of the user's OpenQuake event-based calculation, where ``data.hazard_gmfs``
    or ``data.hazard_ruptures`` gives one (:mod:`carlcities.risk.oq_events`): (mags, lons,
    lats, years, gm or None). Ruptures are repeated by their multiplicity (each occurrence an
    event of rate 1/T, its ground motion from our GMPE with variability); fields give the
    events' ground motion directly (``mag`` then carries the event's row, the sites at the city
    centre so that no distance cut-off applies). None without either."""
    from carlcities.risk import oq_events as oe

    gmf, rup = ctx.inputs.get("hazard_gmfs"), ctx.inputs.get("hazard_ruptures")
    if not gmf and not rup:
        return None
    ruptures = oe.read_oq_ruptures(rup) if rup else None
    if gmf:
        imts = {ctx.curves.imt or "PGA"}
        if ctx.fatality_curves is not None and ctx.fatality_curves.imt:
            imts.add(ctx.fatality_curves.imt)
        fields = {imt: oe.read_oq_gmfs(gmf, imt) for imt in sorted(imts)}
        years = oe.events_years(ruptures, ctx.params.get("hazard_gmf_years"), gmf)
        order = np.argsort(cexpo.site, kind="stable")   # the loss engine's site order
        _, first = np.unique(cexpo.site[order], return_index=True)
        gm = oe.gmf_ground_motion(fields, cexpo.lon[order][first], cexpo.lat[order][first])
        n = next(iter(fields.values())).event_id.size
        o.provenance.append({"step": "earthquake events", "source": next(
            iter(fields.values())).source, "years": years})
        return (np.arange(n, dtype=float), np.full(n, ctx.city.lon), np.full(n, ctx.city.lat),
                years, gm)
    assert ruptures is not None
    k = np.repeat(np.arange(ruptures.mag.size),
                  np.rint(ruptures.rate * ruptures.years).astype(int))
    o.provenance.append({"step": "earthquake events", "source": ruptures.source,
                         "years": ruptures.years})
    return (np.minimum(ruptures.mag[k], 8.5), ruptures.lon[k], ruptures.lat[k], ruptures.years,
            None)


def _scenario_maps(ctx: HazardContext, o: HazardOutcome, s: dict[str, Any], ev, loss, mags,
                   lons, lats) -> None:
    """Damage ratio and median PGA of the stochastic event whose loss is nearest the 475-year
    loss (the PGA map is the hazard's intensity)."""
    from carlcities.risk.losses import EventSet as LossEvents
    from carlcities.risk.losses import scenario_losses
    from carlcities.risk.metrics import losses_at_return_periods
    from carlcities.risk.seismicity import haversine_km

    cexpo, blk, nb, gm, curves = s["cexpo"], s["blk"], s["nb"], s["gm_events"], ctx.curves
    l475 = float(losses_at_return_periods(ev.rate, loss, (475,))[475])
    pick = int(np.argmin(np.abs(loss - l475)))
    one = LossEvents(event_id=np.array([0]), rate=np.array([0.0]), mag=mags[pick:pick + 1],
                     lon=lons[pick:pick + 1], lat=lats[pick:pick + 1])
    sc = scenario_losses(one, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=s["vs_blk"],
                         n_realisations=0, seed=ctx.seed, below_min="zero")
    ratio_blk = np.zeros(nb)
    ratio_blk[sc.sites] = sc.site_loss_ratio
    o.rasters["eq_damage_ratio_rp475"] = (
        np.where(ctx.value > 0, ratio_blk[blk], np.nan).astype("float32"), "ratio",
        (f"mean damage ratio of the stochastic M{mags[pick]:.1f} event whose loss is "
         "nearest the 475-year loss") if not hasattr(gm, "field") else
        "mean damage ratio of the user's ground-motion field whose loss is nearest the "
        "475-year loss")
    if hasattr(gm, "field"):   # the user's ground-motion fields
        mln = gm.field(curves.imt or "PGA", mags[pick:pick + 1],
                       gm.nearest(cexpo.lon, cexpo.lat))
    else:
        d_c = haversine_km(lons[pick], lats[pick], cexpo.lon, cexpo.lat)
        mln, _, _ = gm(curves.imt or "PGA", mags[pick:pick + 1], d_c[None, :],
                       s["vs_blk"][cexpo.site])
    pga_blk = np.full(nb, np.nan)
    pga_blk[cexpo.site] = np.exp(mln[0])
    o.intensity = pga_blk[blk]
    o.rasters["eq_pga_rp475_event"] = (pga_blk[blk].astype("float32"), "g",
                                       "median PGA of the same event [g]")


def _historic(ctx: HazardContext, o: HazardOutcome, s: dict[str, Any]) -> None:
    """Each historic earthquake near the city (or naming it) on today's exposure: modelled
    intensity beside the observed one, losses and deaths, and PAGER's empirical deaths."""
    from carlcities.risk.calibration import historic_ruptures
    from carlcities.risk.historic import load_historic, scenario_intensity, scenario_intensity_at
    from carlcities.risk.losses import EventSet as LossEvents
    from carlcities.risk.losses import scenario_losses
    from carlcities.risk.pager import expected_fatalities, load_pager_models
    from carlcities.risk.seismicity import haversine_km
    from carlcities.risk.sites import casualty_curves

    city, p, curves = ctx.city, ctx.params, ctx.curves
    cexpo, blk, nb, gm = s["cexpo"], s["blk"], s["nb"], s["gm"]
    collapse = casualty_curves(cexpo.taxonomies, p)[1]
    pager = load_pager_models(p.get("pager_parameters")).get(city.country_iso3)
    res_blk = np.bincount(blk.ravel(), weights=ctx.population.ravel(), minlength=nb)
    lon_blk, lat_blk = block_centres(ctx.grid, s["k"], nb)
    lived = res_blk > 0
    ruptures = historic_ruptures()  # finite faults of the calibration (docs/validation.md)
    for hev in load_historic():
        obs = next((x for x in hev.cities if x.city == city.city_id), None)
        dist = float(haversine_km(hev.epicentre_lon, hev.epicentre_lat, city.lon, city.lat))
        if obs is None and dist > HISTORIC_RADIUS_KM:
            continue
        rup = ruptures.get(hev.id)
        if rup is not None:  # distance to the rupture's trace
            dist = float(rup.rjb_km(np.array([city.lon]), np.array([city.lat]))[0])
        msk, sig = scenario_intensity(hev, city.lon, city.lat)
        h1 = LossEvents(event_id=np.array([0]), rate=np.array([0.0]),
                        mag=np.array([min(hev.magnitude, 8.5)]),
                        lon=np.array([hev.epicentre_lon]), lat=np.array([hev.epicentre_lat]))
        n_sc = int(p["scenario_realisations"])
        fat_one, fat_two = split_fatality_curves(curves, ctx.fatality_curves)
        hs = scenario_losses(h1, cexpo, curves, gm, imt=curves.imt or "PGA", vs30=s["vs_blk"],
                             n_realisations=n_sc, seed=ctx.seed, fatality_curves=fat_one,
                             time_of_day=p["time_of_day"], below_min="zero", rupture=rup)
        deaths = (hs.fatalities_mean, *hs.fatalities_interval)
        collapses: tuple[float | None, ...] = (None, None, None)
        if fat_two is not None:
            cas = scenario_casualties(h1, cexpo, fat_two, collapse, gm, vs30=s["vs_blk"],
                                      n_realisations=n_sc, seed=ctx.seed,
                                      time_of_day=p["time_of_day"], rupture=rup)
            deaths = (cas.fatalities_mean, *cas.fatalities_interval)
            if collapse is not None:
                collapses = (cas.buildings_mean, *cas.buildings_interval)
        pga_c = float(np.exp(gm("PGA", np.array([min(hev.magnitude, 8.5)]),
                                np.array([[max(dist, 0.1)]]), np.array([s["vmed"]]))[0][0, 0]))
        # second opinion: PAGER's empirical deaths from residents and the intensity map
        f_pager = None
        if pager is not None and lived.any():
            i_blk = scenario_intensity_at(hev, lon_blk[lived], lat_blk[lived])
            f_pager = expected_fatalities(i_blk, res_blk[lived], pager)
        o.scenarios.append(dict(
            event_id=hev.id, name_en=hev.name_en, name_ru=hev.name_ru, year=hev.date.year,
            magnitude=hev.magnitude, lon=hev.epicentre_lon, lat=hev.epicentre_lat,
            depth_km=hev.depth_km, distance_km=dist, msk_model=float(msk),
            msk_sigma=float(sig), msk_observed=(obs.observed_text if obs else None),
            observed_source=(obs.source if obs else None), pga_median_g=pga_c,
            loss_usd=hs.loss_mean, loss_lo=hs.loss_interval[0], loss_hi=hs.loss_interval[1],
            fatalities=deaths[0], fatalities_lo=deaths[1], fatalities_hi=deaths[2],
            collapses=collapses[0], collapses_lo=collapses[1], collapses_hi=collapses[2],
            synthetic=ctx.synthetic,
            fatalities_pager=f_pager, observed_deaths=hev.observed_deaths,
            deaths_source=hev.deaths_source))
        o.scenario_inputs.append((hev.id, {"risk_scenario_loss_usd": hs.loss_mean,
                                           "risk_scenario_fatalities": deaths[0],
                                           "risk_scenario_msk": float(msk)},
                                  f"{ctx.source}; {hev.name_en} rupture (today's exposure)"))


# -------------------------------------------------------------------------- lives (fatalities)
def split_fatality_curves(curves, fat_curves):
    """``(fatality curves for the loss pass, fatality curves for a second pass)``: the loss
    pass carries them when they share the loss curves' intensity measure, else a second
    ground-motion pass in their own (the calibrated model's SA(1.0 s))."""
    if fat_curves is None:
        return None, None
    if (fat_curves.imt or "PGA") == (curves.imt or "PGA"):
        return fat_curves, None
    return None, fat_curves


def scenario_casualties(event, cexpo, fat_curves, collapse_curves, gm, *, vs30,
                        n_realisations: int, seed: int, time_of_day: str, rupture=None):
    """Deaths and collapsed buildings of one rupture in the casualty model's intensity
    measure: a :class:`~carlcities.risk.losses.ScenarioResult` whose ``fatalities_*`` are
    deaths [persons] and ``buildings_*`` collapsed buildings (Σ buildings × P(collapse)) when
    ``collapse_curves`` is given (else equivalent destroyed buildings of the fatality curves,
    not to be read)."""
    from carlcities.risk.losses import scenario_losses

    cs = collapse_curves if collapse_curves is not None else fat_curves
    return scenario_losses(event, cexpo, cs, gm, imt=fat_curves.imt, vs30=vs30,
                           n_realisations=n_realisations, seed=seed,
                           fatality_curves=fat_curves, time_of_day=time_of_day,
                           below_min="zero", rupture=rupture)
