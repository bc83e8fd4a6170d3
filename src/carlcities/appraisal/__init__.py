"""Appraisal of risk-reduction, low-carbon and growth options side by side.

Pure functions over plain inputs (the integrator wires them to the store):

* :mod:`.options` — the option model and packages; its sources :mod:`.resilience` (the
  resilience library), :mod:`.carbon_actions` and :mod:`.growth_scenarios`;
* :mod:`.cba` — cash flows, NPV, BCR, IRR, abatement cost, Monte Carlo NPV;
* :mod:`.mcda` — weighted sum, TOPSIS, PROMETHEE II, AHP, stakeholder profiles;
* :mod:`.smaa` — SMAA-2 rank acceptability, central weights, confidence factors;
* :mod:`.sensitivity` — Sobol and Morris indices of the NPV (SALib);
* :mod:`.portfolio` — the best set of options under a budget (MILP, HiGHS);
* :mod:`.typology` — peer groups, percentile ranks, a typology of cities;
* :mod:`.recommend` — recommendations filled from templates, citing their evidence.

:func:`appraise_city` strings the steps together for one city.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from carlcities.errors import AppraisalError

from .carbon_actions import options_from_carbon_actions
from .cba import (
    AppraisalParameters,
    CashFlows,
    abatement_cost,
    annuity_factor,
    appraise_option,
    capital_recovery_factor,
    cash_flows,
    irr,
    load_parameters,
    npv,
    npv_samples,
)
from .growth_scenarios import growth_cost, options_from_growth
from .mcda import (
    CRITERIA,
    AHPResult,
    Profile,
    ahp,
    load_profiles,
    promethee_ii,
    topsis,
    weighted_sum,
)
from .options import COBENEFIT_KEYS, EFFECT_KEYS, Effect, Option, combine
from .portfolio import Portfolio, exclusive_groups, select_portfolio
from .recommend import fill, format_number, load_templates, recommend_city, recommend_region
from .resilience import load_resilience_options, resilience_option_effects
from .sensitivity import morris_indices, npv_morris, npv_sobol, sobol_indices
from .smaa import (
    SMAAResult,
    sample_weights_around,
    sample_weights_uniform,
    smaa2,
    smaa2_each,
)
from .typology import Typology, benchmark, city_typology, peer_groups, percentile_ranks

__all__ = [
    "AHPResult", "AppraisalParameters", "CRITERIA", "CashFlows", "Effect", "Option",
    "Portfolio", "Profile", "SMAAResult", "Typology", "abatement_cost", "ahp",
    "annuity_factor", "appraise_city", "breakeven_capex", "appraise_option", "benchmark",
    "capital_recovery_factor", "cash_flows", "city_typology", "combine", "criteria_samples",
    "exclusive_groups", "fill", "format_number", "growth_cost", "irr", "load_parameters",
    "load_profiles", "load_resilience_options", "load_templates", "morris_indices", "npv",
    "npv_morris",
    "npv_samples", "npv_sobol", "options_from_carbon_actions", "options_from_growth",
    "peer_groups", "percentile_ranks", "promethee_ii", "recommend_city", "recommend_region",
    "resilience_option_effects", "sample_weights_around", "sample_weights_uniform",
    "select_portfolio", "smaa2", "smaa2_each", "sobol_indices", "topsis", "weighted_sum",
]

#: metric -> unit of the ``appraisal`` rows
METRIC_UNITS = {
    "npv_usd": "USD", "pv_benefits_usd": "USD", "pv_costs_usd": "USD", "bcr": "ratio",
    "irr": "1/yr", "abatement_cost_usd_per_t_co2e": "USD/t CO2e", "horizon_yr": "yr",
    "pv_avoided_eal_usd": "USD", "pv_avoided_fatalities": "USD", "pv_avoided_t_co2e": "USD",
    "pv_energy_savings_usd": "USD", "npv_p05_usd": "USD", "npv_p95_usd": "USD",
    "p_npv_positive": "probability", "co_benefits": "index 0-1", "feasibility": "index 0-1",
    "capex_low_usd": "USD", "capex_high_usd": "USD", "cost_unknown": "boolean",
    "breakeven_capex_usd": "USD", "first_if_costed:pooled": "%",
    **EFFECT_KEYS,
}


def criteria_samples(options: Sequence[Option], params: AppraisalParameters, n: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Samples (n × options × criteria, criteria in :data:`CRITERIA` order) and NPV draws.

    Effects are drawn from their distributions; NPV and BCR follow from the same draws
    (:func:`~.cba.npv_samples`); the avoided EAL, fatalities and emissions criteria are the
    full-uptake annual values. The capex is drawn from the option's interval
    (:meth:`~.options.Option.capex_samples`: log-uniform when unknown). Where PV(costs) = 0
    (BCR undefined) the BCR criterion takes the
    largest finite BCR of that sample (such an option is at least as good as the best).
    ``co_benefits``: mean of the option's :data:`~.options.COBENEFIT_KEYS` scores (0 where
    absent); ``feasibility``: mean of feasibility and institutional capacity. Both fixed.
    """
    crit = list(CRITERIA)
    a = len(options)
    x = np.zeros((n, a, len(crit)))
    npvs = {}
    for i, o in enumerate(options):
        draws = {k: e.sample(n, rng) for k, e in o.effects.items()}
        scale: np.ndarray | float = 1.0
        if o.capex_low is not None and o.capex_usd > 0:
            scale = o.capex_samples(n, rng) / o.capex_usd
        s = npv_samples(o, params, draws=draws, capex_scale=scale)
        npvs[o.option_id] = s["npv_usd"]
        x[:, i, crit.index("npv_usd")] = s["npv_usd"]
        x[:, i, crit.index("bcr")] = s["bcr"]
        for k in ("avoided_eal_usd_yr", "avoided_fatalities_yr", "avoided_t_co2e_yr"):
            if k in draws:
                x[:, i, crit.index(k)] = draws[k]
        x[:, i, crit.index("co_benefits")] = np.mean([o.effect(k) for k in COBENEFIT_KEYS])
        x[:, i, crit.index("feasibility")] = (o.feasibility + o.institutional_capacity) / 2
    j = crit.index("bcr")
    b = x[:, :, j]
    if np.isnan(b).any():
        finite = np.where(np.isfinite(b), b, -np.inf).max(axis=1)
        finite = np.where(np.isfinite(finite), finite, 0.0)
        x[:, :, j] = np.where(np.isnan(b), finite[:, None], b)
    return x, npvs


def appraise_city(options: Sequence[Option], params: AppraisalParameters,
                  profiles: Mapping[str, Profile], rng: np.random.Generator | int, *,
                  city_id: str, budget_usd: float | None = None, n_samples: int | None = None,
                  must_include: Sequence[str] = ()) -> dict[str, Any]:
    """Appraise one city's options: CBA, MCDA matrix, SMAA per profile and pooled, portfolio.

    Parameters
    ----------
    options : the city's options (ids unique).
    params : :func:`~.cba.load_parameters` for the city's country.
    profiles : :func:`~.mcda.load_profiles`; profiles whose AHP matrix is inconsistent
        (CR > 0.10) are left out of the SMAA and listed in ``flags``.
    rng : seed or generator (the whole result is reproducible from it).
    city_id : cited in every row.
    budget_usd : portfolio budget [USD]; default ``budget_share_capex`` × Σ capex.
    n_samples : Monte Carlo samples (default ``smaa_samples`` of the parameter file).

    Returns
    -------
    dict with plain rows for the store:
        ``options``: Option.as_row() + city_id; ``appraisal``: (city_id, option_id, metric,
        value, unit) — CBA metrics at central values, Monte Carlo NPV percentiles and
        P(NPV > 0), the criterion values and the SMAA confidence factors
        (``smaa_confidence:<profile>``); ``rank_acceptability``: (city_id, option_id, rank,
        probability, profile) for every profile, ``pooled`` (equal mixture of the consistent
        profiles) and ``uniform`` (no preference information); ``central_weights``:
        (city_id, profile, option_id, criterion, weight); ``portfolio``: selected ids, value
        [USD], cost [USD], budget [USD]; ``flags``: list of str; ``unranked``: the options
        whose cost is unknown (``cost_known=False``): capex interval, the break-even capex
        (:func:`breakeven_capex`), what would have to be known, and ``first_if_costed``, the
        pooled first-rank acceptability when their costs are drawn from the wide interval.
        They take no rank, no central weights and no place in the portfolio.
    """
    if not options:
        raise AppraisalError(f"{city_id}: no options to appraise",
                             fix="give at least one option")
    ids = [o.option_id for o in options]
    if len(set(ids)) != len(ids):
        raise AppraisalError(f"{city_id}: duplicate option ids",
                             fix="give every option a unique option_id")
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n = int(n_samples or params.values.get("smaa_samples", 10_000))
    crit = list(CRITERIA)
    types = [CRITERIA[c][3] for c in crit]
    flags: list[str] = []
    rows: list[dict[str, Any]] = []

    def add(oid: str, metric: str, value: Any) -> None:
        v = None if value is None or not np.isfinite(value) else float(value)
        rows.append(dict(city_id=city_id, option_id=oid, metric=metric, value=v,
                         unit=METRIC_UNITS.get(metric, "probability")))

    central = {}
    for o in options:
        m = appraise_option(o, params)
        central[o.option_id] = m
        for k, v in m.items():
            add(o.option_id, k, v)
        for k in EFFECT_KEYS:
            if k in o.effects:
                add(o.option_id, k, o.effect(k))
        add(o.option_id, "co_benefits", float(np.mean([o.effect(k) for k in COBENEFIT_KEYS])))
        add(o.option_id, "feasibility", (o.feasibility + o.institutional_capacity) / 2)
        flags += [f"{o.option_id}: {f}" for f in o.flags]

    x, npvs = criteria_samples(options, params, n, g)
    for oid, s in npvs.items():
        # both in one call (one partial sort): each is interpolated as by its own call
        p05, p95 = np.percentile(s, [5, 95])
        add(oid, "npv_p05_usd", float(p05))
        add(oid, "npv_p95_usd", float(p95))
        add(oid, "p_npv_positive", float((s > 0).mean()))
    unranked: list[dict[str, Any]] = []
    for o in options:
        if o.capex_low is not None:
            add(o.option_id, "capex_low_usd", o.capex_low)
            add(o.option_id, "capex_high_usd", o.capex_high)
        if not o.cost_known:
            add(o.option_id, "cost_unknown", 1.0)
            be = breakeven_capex(o, params)
            add(o.option_id, "breakeven_capex_usd", be)
            unranked.append(dict(city_id=city_id, option_id=o.option_id, name_en=o.name_en,
                                 name_ru=o.name_ru, capex_low_usd=o.capex_low,
                                 capex_high_usd=o.capex_high, breakeven_capex_usd=be,
                                 needs=o.cost_needs))
    # an option whose cost is unknown is never ranked: the ranking is over the costed ones
    keep = [i for i, o in enumerate(options) if o.cost_known]
    rids = [ids[i] for i in keep]
    if unranked:
        flags.append("not ranked, cost unknown: " + ", ".join(u["option_id"] for u in unranked))

    usable = {}
    for pid, p in profiles.items():
        if not p.consistent:
            flags.append(f"profile {pid} left out of the SMAA: {'; '.join(p.flags)}")
            continue
        usable[pid] = sample_weights_around(p.vector(crit), p.concentration, n, g)
    weight_sets = dict(usable)
    if usable:
        pick = g.integers(0, len(usable), n)
        stack = np.stack(list(usable.values()))
        weight_sets["pooled"] = stack[pick, np.arange(n)]
    else:
        flags.append("no consistent stakeholder profile: pooled SMAA not computed")
    weight_sets["uniform"] = sample_weights_uniform(n, len(crit), g)

    ra, cw = [], []
    # one SMAA per weight set, in order, on the same values (prepared once for all)
    results = smaa2_each(x[:, keep, :] if len(keep) < len(options) else x, weight_sets, types,
                         rng=g) if rids else {}
    for pid, res in results.items():
        for i, oid in enumerate(rids):
            for r in range(len(rids)):
                ra.append(dict(city_id=city_id, option_id=oid, rank=r + 1,
                               probability=float(res.acceptability[i, r]), profile=pid))
            add(oid, f"smaa_confidence:{pid}", res.confidence[i])
            if np.isfinite(res.central_weights[i]).all():
                for j, c in enumerate(crit):
                    cw.append(dict(city_id=city_id, profile=pid, option_id=oid, criterion=c,
                                   weight=float(res.central_weights[i, j])))
    if unranked:
        # what the SMAA says when the unknown costs are drawn from their wide intervals:
        # information for the list of options to cost, never a rank
        key = "pooled" if "pooled" in weight_sets else "uniform"
        res = smaa2(x, weight_sets[key], types, rng=g)
        for u in unranked:
            p1 = float(res.acceptability[ids.index(u["option_id"]), 0])
            u["first_if_costed"] = p1
            # stored in % so that a recommendation cites the stored value as it prints it
            add(u["option_id"], "first_if_costed:pooled", round(100 * p1, 1))

    ranked_opts = [options[i] for i in keep]
    total = sum(o.capex_usd for o in ranked_opts)
    budget = float(budget_usd if budget_usd is not None else
                   params.values.get("budget_share_capex", 0.5) * total)
    vals = [central[o.option_id]["npv_usd"] for o in ranked_opts]
    pf = select_portfolio(rids, vals, [o.capex_usd for o in ranked_opts], budget,
                          groups=exclusive_groups(ranked_opts),
                          must_include=[m for m in must_include if m in rids])
    return dict(
        options=[{"city_id": city_id, **o.as_row()} for o in options],
        appraisal=rows, rank_acceptability=ra, central_weights=cw,
        portfolio=dict(city_id=city_id, selected=list(pf.selected), value_usd=pf.value,
                       cost_usd=pf.cost_usd, budget_usd=pf.budget_usd, objective="npv_usd"),
        criteria=crit, n_samples=n, flags=flags, unranked=unranked)


def breakeven_capex(option: Option, params: AppraisalParameters) -> float:
    """The capital cost [USD] at which the option's central NPV is 0: (PV(B) − PV(opex)) /
    PV(capex schedule per USD) — what its cost would have to stay below to pay. Negative when
    the operating costs alone exceed the benefits."""
    import dataclasses

    m0, m1 = (appraise_option(dataclasses.replace(option, capex_usd=c, capex_low=None,
                                                  capex_high=None, cost_known=True), params)
              for c in (0.0, 1.0))
    per_usd = m1["pv_costs_usd"] - m0["pv_costs_usd"]
    return float((m0["pv_benefits_usd"] - m0["pv_costs_usd"]) / per_usd)
