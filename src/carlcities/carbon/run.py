"""One entry point for the pipeline: :func:`compute_city_carbon`.

inventory of the base year (GPC BASIC) → pathways 2020–2050 (BAU, compact, sprawl) →
actions (abatement, cost per tonne, MACC) → emission maps → store rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from carlcities.carbon.actions import apply_actions, load_actions
from carlcities.carbon.activity import apply_user_activity, proxy_activity, read_user_activity
from carlcities.carbon.allocate import allocate
from carlcities.carbon.factors import GWP_REFERENCE
from carlcities.carbon.inventory import SECTOR_IDS, compute_inventory
from carlcities.carbon.macc import macc
from carlcities.carbon.national import city_caps, group_totals, scale_activity
from carlcities.carbon.parameters import load_parameters
from carlcities.carbon.pathways import SCENARIOS, pathway

if TYPE_CHECKING:
    from carlcities._epochs import EpochData

__all__ = ["CarbonResult", "compute_city_carbon", "METHOD_VERSION"]

METHOD_VERSION = "carbon@2"  # 2: proxies capped by the national totals (carbon.national)
SECTOR_STEP = 5  # sub-sector values of the pathways every SECTOR_STEP years


@dataclass
class CarbonResult:
    """What :func:`compute_city_carbon` returns (see the module docstring of run)."""

    rows: list[dict[str, Any]]
    inventory: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    proxies: list[dict[str, Any]]
    rasters: dict[str, tuple[np.ndarray, str, str]]
    provenance: list[dict[str, Any]]
    synthetic: bool = False
    totals: dict[str, float] = field(default_factory=dict)
    macc: list[dict[str, Any]] = field(default_factory=list)
    pathways: dict[str, Any] = field(default_factory=dict)


def _base_epoch(epochs_data: Mapping[int, EpochData], base_year: int) -> int | None:
    eps = sorted(e for e in epochs_data if e <= base_year) or sorted(epochs_data)
    return eps[-1] if eps else None


def compute_city_carbon(city, grid, epochs_data: Mapping[int, EpochData],
                        form_values: dict[str, float],
                        params: dict, user_activity: str | None = None) -> CarbonResult:
    """GPC inventory, pathways, actions, MACC and maps of one city.

    Parameters
    ----------
    city : carlcities.catalog.City
    grid : CityGrid or None
        None (with empty ``epochs_data``) runs from the catalogue population alone.
    epochs_data : dict
        ``{epoch: {'population': 2-D persons/cell, 'builtup': 2-D share, 'atlas':
        AtlasResult}}``; may be empty.
    form_values : dict
        The city's zone indicator values of the latest epoch (``growth.lcrpgr`` drives BAU).
    params : dict
        ``gwp`` ('ar5'), ``base_year`` (2020), ``discount_rate`` (0.06), ``chp_allocation``
        ('efficiency'), ``floor_area`` ('per_person' or 'builtup'), optional
        ``parameters`` and ``actions`` file paths, ``synthetic``.
    user_activity : str, optional
        CSV/XLSX of activity data replacing proxies line by line.
    """
    from carlcities.indicators.registry import REGISTRY, to_value

    def evaluate(inp: dict[str, Any], ids: list[str]) -> dict[str, Any]:
        """The registered ghg indicators whose inputs are all in ``inp`` (registry order)."""
        out = {}
        for iid in ids:
            ind = REGISTRY[iid]
            if all(inp.get(k) is not None for k in ind.inputs):
                out[iid] = to_value(ind.func(**{k: inp[k] for k in ind.inputs}))
        return out

    gwp = str(params.get("gwp", "ar5"))
    base_year = int(params.get("base_year", 2020))
    rate = float(params.get("discount_rate", 0.06))
    chp = str(params.get("chp_allocation", "efficiency"))
    synthetic = bool(params.get("synthetic", False))
    P = load_parameters(params.get("parameters"))
    library = load_actions(params.get("actions"))
    prov: list[dict[str, Any]] = [dict(step="carbon", city_id=city.city_id, gwp=gwp,
                                       gwp_reference=GWP_REFERENCE[gwp], base_year=base_year,
                                       chp_allocation=chp, discount_rate=rate,
                                       parameters=P.path)]
    # --- activity --------------------------------------------------------------------------
    e = _base_epoch(epochs_data or {}, base_year)
    grid_data = None
    if e is not None and grid is not None:
        ep = epochs_data[e]
        first = min(epochs_data)
        pop_grid = np.asarray(ep["population"], float)
        atlas = ep.get("atlas")
        grid_data = dict(builtup=ep["builtup"], population=pop_grid,
                         builtup_first=epochs_data[first]["builtup"] if first != e else None,
                         classes=getattr(atlas, "classes", None),
                         cell_area_m2=grid.cell_area_m2)
        population = float(np.nansum(pop_grid))
        if e != base_year:
            population *= city.population_at(base_year)[0] / city.population_at(e)[0]
        how = f"population grid of {e}" + (f" scaled to {base_year}" if e != base_year else "")
    else:
        population, how = city.population_at(base_year)
        first_year = 1990
        grid_data = {"population_first": city.population_at(first_year)[0]}
        how = f"catalogue: {how}"
    prov.append(dict(step="population", value=population, method=how))
    act = proxy_activity(city, base_year, population, P, grid_data,
                         floor_area=str(params.get("floor_area", "per_person")))
    if user_activity:
        act = apply_user_activity(act, read_user_activity(user_activity), user_activity)
    prov.extend(act.provenance)
    # --- inventory -------------------------------------------------------------------------
    inv = compute_inventory(act, city, P, gwp=gwp, chp_method=chp)
    # top-down consistency: no group above the city's share of the national total
    caps = city_caps(city, base_year)
    got = group_totals(inv.rows)
    factors = {g: c["cap_t"] / got[g] for g, c in caps.items() if got[g] > c["cap_t"] > 0}
    national = []
    for g, c in caps.items():
        national.append(dict(step="national_constraint", group=g, bottom_up_t=got[g],
                             cap_t=c["cap_t"], national_t=c["national_t"],
                             national_year=c["year"], share_max=c["share_max"],
                             factor=factors.get(g, 1.0), source=c["source"][:200]))
    if factors:
        act = scale_activity(act, factors)
        inv = compute_inventory(act, city, P, gwp=gwp, chp_method=chp)
        after = group_totals(inv.rows)
        inv.notes.append("national constraint (carbon.national): " + "; ".join(
            f"{g} {got[g]:,.0f} → {after[g]:,.0f} t CO2e (cap {caps[g]['cap_t']:,.0f}, "
            f"{100 * caps[g]['share_max']:.0f} % of the national total shared by the "
            f"country's catalogue cities by population)" for g in sorted(factors)))
    prov.extend(national)
    prov.append(dict(step="inventory", notes=inv.notes))
    src = "GPC BASIC from carbon_parameters.csv proxies" + (
        f"; user activity {user_activity}" if user_activity else "") + (
        "; synthetic demo data" if synthetic else "")
    rows: list[dict[str, Any]] = []

    def add(values: dict[str, Any], epoch: int, scenario: str) -> None:
        for iid, v in values.items():
            ind = REGISTRY[iid]
            rows.append(dict(city_id=city.city_id, zone_id="city", indicator_id=iid,
                             epoch=int(epoch), epoch_start=None, scenario=scenario,
                             value=v.value, flag=v.flag, unit=ind.unit, source=src,
                             method_version=f"{ind.method_version};{METHOD_VERSION};{gwp}",
                             synthetic=synthetic))

    sub = {sid: inv.subsector_total(s, ss) for (s, ss), sid in SECTOR_IDS.items()}
    inputs = {f"ghg_{sid.split('.', 1)[1].replace('.', '_')}_t": v for sid, v in sub.items()}
    inputs.update(ghg_basic_t=inv.total, ghg_population=population,
                  ghg_stationary_t=inv.sector_total("stationary"),
                  ghg_transport_t=inv.sector_total("transport"),
                  ghg_waste_t=inv.sector_total("waste"))
    ghg_ids = sorted(i for i in REGISTRY if i.startswith("ghg."))
    add(evaluate(inputs, ids=ghg_ids), base_year, "observed")
    # --- pathways --------------------------------------------------------------------------
    lc = form_values.get("growth.lcrpgr") if form_values else None
    used: list[dict[str, Any]] = []
    if lc is None:
        used.append(dict(key="growth.lcrpgr", value=1.0, unit="ratio", level="regional",
                         scope="*", fallback=True, confidence="low", year="",
                         source="no observed LCRPGR for the city: BAU land consumption keeps "
                                "pace with population (LCRPGR = 1)", stands_for="BAU urban form"))
    paths = {s: pathway(inv, act, city, P, s, lcrpgr_observed=lc, used=used) for s in SCENARIOS}
    for s, pw in paths.items():
        for i, y in enumerate(pw.years):
            vals: dict[str, Any] = dict(ghg_basic_t=float(pw.total[i]),
                                        ghg_population=float(pw.population[i]))
            if (y - base_year) % SECTOR_STEP == 0:
                for sid in set(SECTOR_IDS.values()) - {"ghg.stationary.energy_industries"}:
                    vals[f"ghg_{sid.split('.', 1)[1].replace('.', '_')}_t"] = \
                        float(pw.sector(sid)[i])
            add(evaluate(vals, ids=ghg_ids), int(y), s)
    # --- actions ---------------------------------------------------------------------------
    acts = apply_actions(library, inv, act, paths["bau"], paths["compact"], city, P,
                         discount_rate=rate, used=used)
    bau = paths["bau"]
    for a in acts:
        series = bau.total - np.asarray(a["abatement"])
        for i, y in enumerate(bau.years):
            add(evaluate(dict(ghg_basic_t=float(series[i]),
                              ghg_population=float(bau.population[i])),
                         ids=["ghg.total", "ghg.per_capita"]), int(y), f"action:{a['action_id']}")
    # --- proxies, inventory rows, maps -----------------------------------------------------
    seen = {(p["key"], p["scope"]) for p in act.proxies}
    proxies = [p for p in act.proxies if p.get("fallback", True)]
    for p in used:
        if (p["key"], p["scope"]) not in seen and p.get("fallback", True):
            seen.add((p["key"], p["scope"]))
            proxies.append(p)
    inv_rows = [dict(r, year=base_year, gwp=gwp) for r in inv.rows]
    rasters = allocate(inv, act, grid_data if grid is not None else None)
    actions_out = [{k: v for k, v in a.items() if k != "abatement"} for a in acts]
    totals = dict(total=inv.total, population=population, per_capita=inv.total / population,
                  stationary=inv.sector_total("stationary"),
                  transport=inv.sector_total("transport"), waste=inv.sector_total("waste"),
                  **{sid: v for sid, v in sub.items()})
    return CarbonResult(rows=rows, inventory=inv_rows, actions=actions_out, proxies=proxies,
                        rasters=rasters, provenance=prov, synthetic=synthetic, totals=totals,
                        macc=macc(actions_out, 2030),
                        pathways={s: dict(
                            years=pw.years.tolist(), total=pw.total.tolist(),
                            density=pw.drivers["density"].tolist(),
                            cars=_stream_sum(pw, _CAR_STREAMS),
                            heat=_stream_sum(pw, _HEAT_STREAMS),
                            elasticity=dict(
                                cars=P.number("vkm_density_elasticity", city.city_id,
                                              city.country_iso3),
                                heat=P.number("floor_area_density_elasticity", city.city_id,
                                              city.country_iso3)))
                            for s, pw in paths.items()})


_CAR_STREAMS = ("cars",)
_HEAT_STREAMS = ("res_dh", "res_ind", "com_dh", "com_ind")


def _stream_sum(pw, keys) -> list[float]:
    out = np.zeros(len(pw.years))
    for k in keys:
        out = out + pw.streams.get(k, 0.0)
    return out.tolist()


def emissions_at_density(result: CarbonResult, year: int, density_ratio: float) -> float | None:
    """BASIC emissions [t CO2e/yr] in ``year`` if the city's density (ratio to the base year)
    were ``density_ratio`` instead of the BAU pathway's: car travel and heated floor area
    follow their density elasticities (the same drivers as :func:`pathways.pathway`)."""
    bau = result.pathways.get("bau")
    if not bau or year not in bau["years"]:
        return None
    i = bau["years"].index(year)
    d_bau = bau["density"][i]
    if not (d_bau > 0 and density_ratio > 0):
        return None
    r = density_ratio / d_bau
    e = bau["elasticity"]
    return (bau["total"][i] - bau["cars"][i] - bau["heat"][i]
            + bau["cars"][i] * r ** e["cars"] + bau["heat"][i] * r ** e["heat"])
