"""The best set of options under a budget: a 0–1 integer programme solved by HiGHS.

maximise Σᵢ vᵢ xᵢ  subject to  Σᵢ cᵢ xᵢ <= B,  Σ_{i∈G} xᵢ <= 1 for each exclusive group G,
xᵢ = 1 for must-include options, xᵢ ∈ {0, 1};

vᵢ is the option's value (NPV [USD] by default, or any score), cᵢ its capex [USD], B the
budget [USD]. The 0–1 knapsack with generalised upper-bound (GUB) constraints (Martello & Toth
1990, *Knapsack Problems*, Wiley, ch. 2 and 7), solved with :func:`scipy.optimize.milp`
(HiGHS branch and bound; Huangfu & Hall 2018, *Math. Prog. Comput.* 10:119,
doi:10.1007/s12532-017-0130-5).

Exclusive groups (:func:`exclusive_groups`): a package and each of its parts (a part cannot be
bought twice), and all growth scenarios of a city (one future only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from carlcities.errors import AppraisalError

from .options import Option

__all__ = ["Portfolio", "exclusive_groups", "select_portfolio"]


@dataclass(frozen=True)
class Portfolio:
    """The chosen options, their summed value and cost, and the solver's status."""

    selected: tuple[str, ...]
    value: float
    cost_usd: float
    budget_usd: float
    status: str


def exclusive_groups(options: Sequence[Option]) -> list[tuple[str, ...]]:
    """Groups of option ids of which at most one may be chosen.

    ``(package, part)`` for every part of every package; all ``growth`` options together.
    """
    ids = {o.option_id for o in options}
    groups: list[tuple[str, ...]] = []
    for o in options:
        for p in o.parts:
            if p in ids:
                groups.append((o.option_id, p))
    growth = tuple(o.option_id for o in options if o.kind == "growth")
    if len(growth) > 1:
        groups.append(growth)
    return groups


def select_portfolio(ids: Sequence[str], values: Sequence[float], costs: Sequence[float],
                     budget_usd: float, *, groups: Sequence[Sequence[str]] = (),
                     must_include: Sequence[str] = ()) -> Portfolio:
    """Choose the options maximising Σ value under the budget (see the module docstring).

    Options with a value <= 0 are never chosen unless they must be. Raises
    :class:`~carlcities.errors.AppraisalError` when the must-include options alone break the
    budget or a group.
    """
    ids = list(ids)
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    n = len(ids)
    if len(set(ids)) != n or v.shape != (n,) or c.shape != (n,):
        raise AppraisalError("ids must be unique, one value and one cost per option",
                             fix="check the option list")
    if not np.isfinite(v).all() or not np.isfinite(c).all() or (c < 0).any():
        raise AppraisalError("values must be finite and costs finite and >= 0",
                             fix="fill missing values (e.g. NPV) before optimising")
    if budget_usd < 0:
        raise AppraisalError(f"budget {budget_usd} < 0", fix="give a budget >= 0 [USD]")
    idx = {k: i for i, k in enumerate(ids)}
    unknown = [k for g in groups for k in g if k not in idx] + \
        [k for k in must_include if k not in idx]
    if unknown:
        raise AppraisalError(f"unknown option id(s) {', '.join(sorted(set(unknown)))}",
                             fix="use ids of the options given")
    if n == 0:
        return Portfolio((), 0.0, 0.0, float(budget_usd), "empty")
    rows = [c]
    ub = [float(budget_usd)]
    for g in groups:
        r = np.zeros(n)
        r[[idx[k] for k in g]] = 1.0
        rows.append(r)
        ub.append(1.0)
    lb_x = np.zeros(n)
    lb_x[[idx[k] for k in must_include]] = 1.0
    res = milp(-v, integrality=np.ones(n), bounds=Bounds(lb_x, np.ones(n)),
               constraints=LinearConstraint(np.vstack(rows), -np.inf, np.array(ub)))
    if res.status != 0 or res.x is None:
        raise AppraisalError(f"no feasible portfolio ({res.message})",
                             fix="raise the budget or drop must-include options that "
                                 "exceed it or exclude each other")
    x = np.round(res.x).astype(bool)
    # drop options of value <= 0 that HiGHS may keep at no gain (ties), unless required
    keep = x & ((v > 0) | (lb_x > 0))
    sel = tuple(k for k, s in zip(ids, keep) if s)
    return Portfolio(sel, float(v[keep].sum()), float(c[keep].sum()), float(budget_usd),
                     "optimal")
