"""Multi-criteria decision analysis: weighted sum, TOPSIS, PROMETHEE II, AHP weights.

Conventions: ``matrix`` has one row per option and one column per criterion; ``types`` holds
+1 for benefit criteria (more is better) and −1 for cost criteria; ``weights`` sum to 1.

Methods
-------
* **Weighted sum** (simple additive weighting) with min–max normalisation:
  rᵢⱼ = (xᵢⱼ − minⱼ)/(maxⱼ − minⱼ) for benefit criteria, (maxⱼ − xᵢⱼ)/(maxⱼ − minⱼ) for cost
  criteria (1 when a column is constant, as :func:`pymcdm.normalizations.minmax_normalization`);
  score Sᵢ = Σⱼ wⱼ rᵢⱼ. Hwang & Yoon (1981) *Multiple Attribute Decision Making*, Springer,
  doi:10.1007/978-3-642-48318-9.
* **TOPSIS** (Hwang & Yoon 1981): vector normalisation rᵢⱼ = xᵢⱼ/√Σᵢ xᵢⱼ², vᵢⱼ = wⱼ rᵢⱼ;
  ideal A⁺ = best vᵢⱼ per column (max for benefit, min for cost), anti-ideal A⁻ the worst;
  S⁺ᵢ = ‖vᵢ − A⁺‖, S⁻ᵢ = ‖vᵢ − A⁻‖, closeness Cᵢ = S⁻ᵢ/(S⁺ᵢ + S⁻ᵢ). Implemented in numpy
  (vectorised over weight samples for SMAA) and checked against :class:`pymcdm.methods.TOPSIS`.
* **PROMETHEE II** (Brans & Vincke 1985, *Management Science* 31(6):647,
  doi:10.1287/mnsc.31.6.647): preference Pⱼ(a, b) = F(dⱼ) of the difference dⱼ = gⱼ(a) − gⱼ(b)
  with F ``usual`` (type I: 1 if d > 0), ``vshape`` (type III: d/p up to p) or ``linear``
  (type V: 0 up to q, (d − q)/(p − q) up to p, then 1); π(a, b) = Σⱼ wⱼ Pⱼ(a, b); net flow
  φ(a) = (Σ_b π(a, b) − Σ_b π(b, a))/(n − 1). Computed by :class:`pymcdm.methods.PROMETHEE_II`.
* **AHP** (Saaty 1980, *The Analytic Hierarchy Process*, McGraw-Hill; Saaty 1987, *Math.
  Modelling* 9:161, doi:10.1016/0270-0255(87)90473-8): weights = principal right eigenvector
  of the reciprocal pairwise matrix, normalised to sum 1; CI = (λmax − n)/(n − 1);
  CR = CI/RI with Saaty's RI (n = 3 … 10: 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49).
  CR ≤ 0.10 is acceptable; a larger CR raises :class:`~carlcities.errors.AppraisalError`
  unless ``strict=False``, which returns the weights with ``consistent = False`` so that the
  caller reports it.

Stakeholder profiles (``data/stakeholder_profiles.yaml``) give each profile's weights on the
appraisal criteria (:data:`CRITERIA`), directly or as an AHP matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from carlcities.errors import AppraisalError

__all__ = [
    "CRITERIA",
    "CR_LIMIT",
    "RANDOM_INDEX",
    "AHPResult",
    "Profile",
    "ahp",
    "load_profiles",
    "minmax_normalise",
    "promethee_ii",
    "topsis",
    "weighted_sum",
]

#: Saaty's random consistency index by matrix size
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49}
CR_LIMIT = 0.10

#: criterion id -> (name_en, name_ru, unit, type: +1 benefit / −1 cost)
CRITERIA: dict[str, tuple[str, str, str, int]] = {
    "npv_usd": ("Net present value", "Чистая приведённая стоимость", "USD", 1),
    "bcr": ("Benefit-cost ratio", "Соотношение выгод и затрат", "ratio", 1),
    "avoided_eal_usd_yr": ("Avoided expected annual loss", "Предотвращённый ожидаемый "
                           "годовой ущерб", "USD/yr", 1),
    "avoided_fatalities_yr": ("Avoided fatalities", "Предотвращённые смерти", "deaths/yr", 1),
    "avoided_t_co2e_yr": ("Avoided emissions", "Предотвращённые выбросы", "t CO2e/yr", 1),
    "co_benefits": ("Co-benefits (air quality, access, heat)",
                    "Сопутствующие выгоды (воздух, доступность, жара)", "index 0-1", 1),
    "feasibility": ("Feasibility and institutional capacity",
                    "Осуществимость и институциональный потенциал", "index 0-1", 1),
}


def _check(matrix: Any, weights: Any, types: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    t = np.asarray(types, dtype=int)
    if x.ndim != 2:
        raise AppraisalError(f"the decision matrix must be 2-D, got shape {x.shape}",
                             fix="one row per option, one column per criterion")
    m = x.shape[1]
    if w.shape[-1] != m or t.shape != (m,):
        raise AppraisalError(f"{m} criteria but {w.shape[-1]} weights and {t.size} types",
                             fix="give one weight and one type per criterion")
    if not np.isfinite(x).all():
        raise AppraisalError("the decision matrix has missing or infinite values",
                             fix="fill every criterion for every option")
    if (w < 0).any() or not np.allclose(w.sum(axis=-1), 1.0, atol=1e-6):
        raise AppraisalError("weights must be >= 0 and sum to 1", fix="normalise the weights")
    if not np.isin(t, (-1, 1)).all():
        raise AppraisalError("types must be +1 (benefit) or -1 (cost)", fix="use +1 or -1")
    return x, w, t


def minmax_normalise(matrix: Any, types: Any) -> np.ndarray:
    """Min–max normalisation per column [0–1], reversed for cost criteria; 1 when constant."""
    x = np.asarray(matrix, dtype=float)
    t = np.asarray(types, dtype=int)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    r = np.where(t > 0, (x - lo) / span, (hi - x) / span)
    return np.where(hi > lo, r, 1.0)


def weighted_sum(matrix: Any, weights: Any, types: Any) -> np.ndarray:
    """Weighted-sum scores [0–1] with min–max normalisation (higher is better).

    ``weights`` may be 2-D (samples × criteria): the result is then samples × options.
    """
    x, w, t = _check(matrix, weights, types)
    return minmax_normalise(x, t) @ w.T if w.ndim == 2 else minmax_normalise(x, t) @ w


def topsis(matrix: Any, weights: Any, types: Any) -> np.ndarray:
    """TOPSIS closeness coefficients Cᵢ = S⁻/(S⁺ + S⁻) [0–1] (higher is better).

    ``weights`` may be 2-D (samples × criteria): the result is then samples × options.
    A column of zeros normalises to zeros.
    """
    x, w, t = _check(matrix, weights, types)
    norm = np.sqrt((x ** 2).sum(axis=0))
    r = x / np.where(norm > 0, norm, 1.0)
    w2 = np.atleast_2d(w)                                    # k × m
    v = r[None, :, :] * w2[:, None, :]                       # k × n × m
    best = np.where(t > 0, v.max(axis=1), v.min(axis=1))     # k × m
    worst = np.where(t > 0, v.min(axis=1), v.max(axis=1))
    sp = np.sqrt(((v - best[:, None, :]) ** 2).sum(axis=2))
    sm = np.sqrt(((v - worst[:, None, :]) ** 2).sum(axis=2))
    den = sp + sm
    c = np.where(den > 0, sm / np.where(den > 0, den, 1.0), 0.5)
    return c if w.ndim == 2 else c[0]


#: our names -> pymcdm's preference functions
_PREFERENCE = {"usual": "usual", "vshape": "vshape", "linear": "vshape_2"}


def promethee_ii(matrix: Any, weights: Any, types: Any, *, preference: str = "usual",
                 p: Sequence[float] | None = None, q: Sequence[float] | None = None
                 ) -> np.ndarray:
    """PROMETHEE II net flows φ [−1, 1] (higher is better), via pymcdm.

    ``preference``: ``usual`` (type I), ``vshape`` (type III, needs ``p``) or ``linear``
    (type V, needs ``q`` and ``p``), one threshold per criterion in the criterion's unit.
    """
    from pymcdm.methods import PROMETHEE_II

    x, w, t = _check(matrix, weights, types)
    if preference not in _PREFERENCE:
        raise AppraisalError(f"unknown preference function {preference!r}",
                             fix=f"use one of {', '.join(_PREFERENCE)}")
    if preference in ("vshape", "linear") and p is None:
        raise AppraisalError(f"preference {preference!r} needs the thresholds p",
                             fix="give p (one per criterion)")
    if preference == "linear" and q is None:
        raise AppraisalError("preference 'linear' needs the thresholds q",
                             fix="give q (one per criterion)")
    if x.shape[0] < 2:
        raise AppraisalError("PROMETHEE needs at least two options", fix="add options")
    body = PROMETHEE_II(_PREFERENCE[preference],
                        p=None if p is None else list(map(float, p)),
                        q=None if q is None or preference == "vshape"
                        else list(map(float, q)))
    # inputs checked above; pymcdm's own validation warns on dominated options, which are
    # legitimate here
    return np.asarray(body(x, w, t, validation=False), dtype=float)


# ------------------------------------------------------------------------------------- AHP
@dataclass(frozen=True)
class AHPResult:
    """Weights [sum 1], λmax, CI, CR and whether CR <= 0.10."""

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    consistent: bool


def ahp(matrix: Any, *, name: str = "pairwise matrix", strict: bool = True) -> AHPResult:
    """AHP weights from a reciprocal pairwise matrix (Saaty's eigenvector method).

    Raises
    ------
    AppraisalError
        A non-square, non-positive or non-reciprocal matrix; more than 10 criteria; and,
        when ``strict``, CR > 0.10 (the message names ``name`` and the CR).
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise AppraisalError(f"{name}: must be square, got shape {a.shape}",
                             fix="give one judgement for every pair of criteria")
    if (a <= 0).any() or not np.isfinite(a).all():
        raise AppraisalError(f"{name}: judgements must be positive numbers",
                             fix="use Saaty's scale 1/9 … 9")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        raise AppraisalError(f"{name}: not reciprocal (a_ji must equal 1/a_ij)",
                             fix="fill the lower triangle with the reciprocals")
    n = a.shape[0]
    if n > 10:
        raise AppraisalError(f"{name}: {n} criteria; Saaty's RI is tabulated up to 10",
                             fix="group the criteria into at most 10")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    lam = float(vals[k].real)
    ci = max(0.0, (lam - n) / (n - 1)) if n > 1 else 0.0
    cr = ci / RANDOM_INDEX[n] if RANDOM_INDEX[n] > 0 else 0.0
    ok = cr <= CR_LIMIT
    if strict and not ok:
        raise AppraisalError(f"{name}: inconsistent judgements, CR = {cr:.3f} > {CR_LIMIT}",
                             fix="revise the judgements with the stakeholder (the largest "
                                 "deviations a_ij·w_j/w_i show which), or pass strict=False "
                                 "to report it")
    return AHPResult(w, lam, ci, cr, ok)


# ------------------------------------------------------------------------------ profiles
@dataclass(frozen=True)
class Profile:
    """A stakeholder profile: weights on the appraisal criteria and their spread.

    ``concentration`` κ: SMAA samples the profile's weights from Dirichlet(κ · w), whose mean
    is w and variance wⱼ(1 − wⱼ)/(κ + 1).
    """

    profile_id: str
    name_en: str
    name_ru: str
    weights: dict[str, float]
    concentration: float
    cr: float | None = None
    consistent: bool = True
    sources: tuple[str, ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)

    def vector(self, criteria: Sequence[str]) -> np.ndarray:
        """The weights in the order of ``criteria`` (0 for absent ones), renormalised."""
        w = np.array([self.weights.get(c, 0.0) for c in criteria], dtype=float)
        if w.sum() <= 0:
            raise AppraisalError(f"profile {self.profile_id}: no weight on "
                                 f"{', '.join(criteria)}", fix="weigh these criteria")
        return w / w.sum()


_PROFILE_KEYS = {"id", "name_en", "name_ru", "weights", "ahp", "concentration", "sources",
                 "note"}


def load_profiles(path: str | Path | None = None) -> dict[str, Profile]:
    """Read the stakeholder profiles (default: ``data/stakeholder_profiles.yaml``).

    A profile gives ``weights`` (criterion -> weight, normalised to sum 1) or ``ahp``
    (``criteria``: list, ``matrix``: rows). An AHP matrix with CR > 0.10 is not used silently:
    the profile keeps the weights but is flagged ``consistent = False`` with the CR in
    ``flags``.

    Raises
    ------
    AppraisalError
        Unknown keys or criteria, negative weights, both or neither of weights/ahp.
    """
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/stakeholder_profiles.yaml", "profiles")
    data = yaml.safe_load(text) or {}
    out: dict[str, Profile] = {}
    for i, p in enumerate(data.get("profiles") or []):
        pid = p.get("id", f"#{i + 1}")
        bad = sorted(set(p) - _PROFILE_KEYS)
        if bad:
            raise AppraisalError(f"profile {pid}: unknown key(s) {', '.join(bad)}", path=name,
                                 fix=f"use {', '.join(sorted(_PROFILE_KEYS))}")
        if ("weights" in p) == ("ahp" in p):
            raise AppraisalError(f"profile {pid}: give either weights or ahp", path=name,
                                 fix="one of the two")
        cr, ok, flags = None, True, []
        if "weights" in p:
            w = {str(k): float(v) for k, v in p["weights"].items()}
        else:
            crit = list(p["ahp"]["criteria"])
            try:
                mat = [[float(Fraction(str(x))) for x in row] for row in p["ahp"]["matrix"]]
            except (ValueError, ZeroDivisionError):
                raise AppraisalError(f"profile {pid}: AHP judgements must be numbers or "
                                     "fractions such as 1/3", path=name,
                                     fix="use Saaty's scale 1/9 … 9") from None
            res = ahp(mat, name=f"{name}: profile {pid}", strict=False)
            w = dict(zip(crit, map(float, res.weights)))
            cr, ok = res.cr, res.consistent
            if not ok:
                flags.append(f"AHP matrix inconsistent: CR = {res.cr:.3f} > {CR_LIMIT}")
        unknown = sorted(set(w) - set(CRITERIA))
        if unknown:
            raise AppraisalError(f"profile {pid}: unknown criteria {', '.join(unknown)}",
                                 path=name, fix=f"use {', '.join(CRITERIA)}")
        if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
            raise AppraisalError(f"profile {pid}: weights must be >= 0 with a positive sum",
                                 path=name, fix="correct the weights")
        s = sum(w.values())
        w = {k: v / s for k, v in w.items()}
        kappa = float(p.get("concentration", data.get("concentration", 50)))
        if kappa <= 0:
            raise AppraisalError(f"profile {pid}: concentration must be > 0", path=name,
                                 fix="e.g. 50")
        out[pid] = Profile(pid, str(p.get("name_en", pid)), str(p.get("name_ru", pid)), w,
                           kappa, cr, ok, tuple(p.get("sources") or ()), tuple(flags))
    if not out:
        raise AppraisalError("no stakeholder profiles", path=name, fix="add `profiles:`")
    return out


def profile_weights(profiles: Mapping[str, Profile], criteria: Sequence[str]
                    ) -> dict[str, np.ndarray]:
    """Each profile's weight vector in the order of ``criteria``."""
    return {k: p.vector(criteria) for k, p in profiles.items()}
