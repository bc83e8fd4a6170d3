"""Global sensitivity of an option's NPV to the economic parameters (SALib).

* **Sobol** indices (Sobol' 2001, *Math. Comput. Simul.* 55:271,
  doi:10.1016/S0378-4754(00)00270-6) estimated with Saltelli's scheme (Saltelli et al. 2010,
  *Comput. Phys. Commun.* 181:259, doi:10.1016/j.cpc.2009.09.018): first-order S1 (share of
  the NPV variance explained by one parameter alone) and total ST (including interactions);
  sampled with :func:`SALib.sample.sobol.sample`, analysed with
  :func:`SALib.analyze.sobol.analyze`. N should be a power of 2 (N·(k + 2) model runs).
* **Morris** elementary effects (Morris 1991, *Technometrics* 33(2):161,
  doi:10.1080/00401706.1991.10484804; μ* of Campolongo, Cariboni & Saltelli 2007,
  *Environ. Model. Softw.* 22:1509, doi:10.1016/j.envsoft.2006.10.004): μ* (mean absolute
  effect) and σ; :func:`SALib.sample.morris.sample` / :func:`SALib.analyze.morris.analyze`.

Parameters varied by default (uniform between the ``low`` and ``high`` of
``data/appraisal_parameters.csv``): ``discount_rate`` [1/yr], ``scc_usd_per_t_co2e``
[USD/t CO2e], ``vsl_usd`` [USD], ``capex_scale`` and ``effect_scale`` [ratio].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from carlcities.errors import AppraisalError

from .cba import AppraisalParameters, npv_samples
from .options import Option

__all__ = ["CONSTANT_NOTE", "NPV_PARAMETERS", "is_constant", "morris_indices", "npv_bounds",
           "npv_model", "sobol_indices"]

NPV_PARAMETERS = ("discount_rate", "scc_usd_per_t_co2e", "vsl_usd", "capex_scale",
                  "effect_scale")


def npv_bounds(params: AppraisalParameters, names: tuple[str, ...] = NPV_PARAMETERS
               ) -> dict[str, tuple[float, float]]:
    """(low, high) of each parameter from the parameter file's ranges."""
    out = {}
    for k in names:
        if k not in params.ranges:
            raise AppraisalError(f"no low/high for {k} in the parameter file",
                                 fix=f"give low and high on the row of {k}")
        out[k] = params.ranges[k]
    return out


def npv_model(option: Option, params: AppraisalParameters, names: tuple[str, ...]
              ) -> Callable[[np.ndarray], np.ndarray]:
    """f(X) -> NPV [USD] for X of shape (n, len(names)) (columns in the order of ``names``)."""
    bad = sorted(set(names) - set(NPV_PARAMETERS))
    if bad:
        raise AppraisalError(f"unknown NPV parameter(s) {', '.join(bad)}",
                             fix=f"use {', '.join(NPV_PARAMETERS)}")

    def f(x: np.ndarray) -> np.ndarray:
        kw: dict[str, Any] = {k: x[:, i] for i, k in enumerate(names)}
        return npv_samples(option, params, **kw)["npv_usd"]
    return f


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    for k, (lo, hi) in bounds.items():
        if not lo < hi:
            raise AppraisalError(f"{k}: low {lo} must be below high {hi}",
                                 fix="widen the range")
    return {"num_vars": len(bounds), "names": list(bounds),
            "bounds": [list(map(float, b)) for b in bounds.values()]}


def sobol_indices(func: Callable[[np.ndarray], np.ndarray],
                  bounds: Mapping[str, tuple[float, float]], *, n: int = 1024,
                  seed: int = 0) -> dict[str, dict[str, float]]:
    """First-order and total Sobol indices of ``func`` over uniform ``bounds``.

    Returns ``{name: {'S1', 'S1_conf', 'ST', 'ST_conf', 'output_sd'}}`` (conf: 95 % bootstrap
    half-width; ``output_sd``: standard deviation of the output over the sample [output unit]).

    An output that does not vary over the ranges (an option whose NPV depends on none of the
    parameters, e.g. one that costs nothing and avoids nothing) is an answer, not an error:
    no parameter moves it, so every index is 0 with ``output_sd`` 0 — the note a caller
    reports (:data:`CONSTANT_NOTE`). The variance decomposition is undefined there (0/0), so
    SALib is not called. "Constant" is a spread below 1e-12 of the output's magnitude
    (rounding noise of a sum of discounted streams).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise AppraisalError(f"Sobol sample size {n} must be a power of 2",
                             fix="use e.g. 256, 512 or 1024")
    prob = _problem(bounds)
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = np.asarray(func(x), dtype=float)
    if not np.isfinite(y).all():
        raise AppraisalError(f"the output is not finite for {int((~np.isfinite(y)).sum())} of "
                             f"{y.size} samples", fix="check the model over the ranges given")
    sd = float(np.std(y))
    if is_constant(y):
        return {k: {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0, "output_sd": 0.0}
                for k in prob["names"]}
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, seed=seed)
    return {k: {"S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i]),
                "output_sd": sd}
            for i, k in enumerate(prob["names"])}


#: what is reported beside the zero indices of an output that does not vary
CONSTANT_NOTE = ("the NPV does not vary over the sensitivity ranges (discount rate, carbon "
                 "value, VSL, capex and effect scales): no parameter moves it, Sobol indices 0")


def is_constant(y: np.ndarray) -> bool:
    """True where ``y`` varies by less than 1e-12 of its magnitude (or is all 0)."""
    y = np.asarray(y, dtype=float)
    return bool(np.ptp(y) <= 1e-12 * max(float(np.max(np.abs(y))), 1e-300))


def morris_indices(func: Callable[[np.ndarray], np.ndarray],
                   bounds: Mapping[str, tuple[float, float]], *, trajectories: int = 20,
                   levels: int = 4, seed: int = 0) -> dict[str, dict[str, float]]:
    """Morris screening: ``{name: {'mu', 'mu_star', 'sigma', 'mu_star_conf'}}`` [output unit]."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    prob = _problem(bounds)
    x = morris_sample.sample(prob, trajectories, num_levels=levels, seed=seed)
    y = np.asarray(func(x), dtype=float)
    res = morris_analyze.analyze(prob, x, y, num_levels=levels, seed=seed)
    return {k: {"mu": float(res["mu"][i]), "mu_star": float(res["mu_star"][i]),
                "sigma": float(res["sigma"][i]),
                "mu_star_conf": float(res["mu_star_conf"][i])}
            for i, k in enumerate(prob["names"])}


def npv_sobol(option: Option, params: AppraisalParameters, *,
              bounds: Mapping[str, tuple[float, float]] | None = None, n: int = 1024,
              seed: int = 0) -> dict[str, dict[str, float]]:
    """Sobol indices of the option's NPV (default: :data:`NPV_PARAMETERS` and file ranges)."""
    b = dict(bounds) if bounds is not None else npv_bounds(params)
    return sobol_indices(npv_model(option, params, tuple(b)), b, n=n, seed=seed)


def npv_morris(option: Option, params: AppraisalParameters, *,
               bounds: Mapping[str, tuple[float, float]] | None = None,
               trajectories: int = 20, seed: int = 0) -> dict[str, dict[str, float]]:
    """Morris μ* and σ of the option's NPV [USD]."""
    b = dict(bounds) if bounds is not None else npv_bounds(params)
    return morris_indices(npv_model(option, params, tuple(b)), b,
                          trajectories=trajectories, seed=seed)


__all__ += ["npv_morris", "npv_sobol"]
