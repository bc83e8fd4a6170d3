"""Stakeholder surveys: AHP weights, consistency, aggregation and consensus.

Methods
-------
* **AHP** (Saaty 1980, *The Analytic Hierarchy Process*; Saaty 1987, *Math. Modelling*
  9:161, doi:10.1016/0270-0255(87)90473-8): weights = principal right eigenvector of the
  reciprocal pairwise matrix, normalised to sum 1; CI = (λmax − n)/(n − 1); CR = CI/RI with
  Saaty's random indices RI (n = 3 … 10: 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49);
  CR ≤ 0.10 is acceptable.
* **Aggregation of individual judgements** (Aczél & Saaty 1983, *J. Math. Psychol.* 27:93;
  Forman & Peniwati 1998, *EJOR* 108:165): the element-wise geometric mean of the respondents'
  matrices, which stays reciprocal; respondents with CR > 0.10 are flagged and left out of the
  group matrix (unless every respondent is inconsistent).
* **Kendall's W** (Kendall & Babington Smith 1939, *Ann. Math. Stat.* 10:275), with the
  correction for ties: W = 12·S / (m²(n³ − n) − m·Σ T), S = Σ (Rⱼ − R̄)², Tᵢ = Σ (t³ − t)
  over the groups of tied ranks of rater i; m raters, n items.

Survey files (CSV or Excel, first sheet), one row per judgement::

    respondent,profile,type,criterion,versus,value
    r01,emergency_ministry,pairwise,risk_reduction,emissions,3
    r01,emergency_ministry,likert,risk_reduction,,5

``pairwise``: how much more important ``criterion`` is than ``versus`` on Saaty's 1/9–9 scale
(fractions such as ``1/3`` allowed); ``likert``: the priority of ``criterion``, 1 (low) – 5
(high).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputFileError, SurveyError
from ..files import write_atomic

__all__ = [
    "CR_LIMIT", "RANDOM_INDEX", "Judgement", "WeightProfile", "ahp_weights",
    "aggregate_profile", "consistency_ratio", "geometric_mean_matrix", "kendall_w",
    "pairwise_matrix", "read_survey", "read_surveys", "survey_weights", "write_weights",
]

#: Saaty's random consistency index by matrix size (METHODS.md)
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49}
CR_LIMIT = 0.10
LIKERT = (1, 5)


# ------------------------------------------------------------------------------ pure methods
def ahp_weights(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal-eigenvector weights (sum 1) and λmax of a reciprocal pairwise matrix (Saaty)."""
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise SurveyError(f"a pairwise matrix must be square, got shape {a.shape}",
                          fix="give one judgement for every pair of criteria")
    if (a <= 0).any() or not np.isfinite(a).all():
        raise SurveyError("pairwise judgements must be positive numbers",
                          fix="use Saaty's scale 1/9 … 9")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    return w / w.sum(), float(vals[k].real)


def consistency_ratio(matrix: np.ndarray) -> float:
    """Saaty's CR = CI/RI, CI = (λmax − n)/(n − 1); 0 for n ≤ 2 (always consistent)."""
    n = np.asarray(matrix).shape[0]
    if n <= 2:
        return 0.0
    if n not in RANDOM_INDEX:
        raise SurveyError(f"{n} criteria: Saaty's random index is tabulated for 3–10 only",
                          fix="group the criteria into at most 10")
    _w, lam = ahp_weights(matrix)
    return max(0.0, (lam - n) / (n - 1)) / RANDOM_INDEX[n]


def geometric_mean_matrix(matrices: list[np.ndarray]) -> np.ndarray:
    """Element-wise geometric mean of pairwise matrices (aggregation of judgements)."""
    if not matrices:
        raise SurveyError("no pairwise matrices to aggregate", fix="give at least one respondent")
    stack = np.log(np.stack([np.asarray(m, dtype=float) for m in matrices]))
    return np.exp(stack.mean(axis=0))


def kendall_w(scores: np.ndarray) -> float:
    """Kendall's coefficient of concordance W [0–1] of m raters (rows) over n items (columns).

    Each row is ranked (ties get their average rank); the tie correction is applied. A higher
    score means a higher rank; W does not depend on the direction. Returns NaN when it is
    undefined (fewer than 2 raters or 2 items, or every rater ties everything).
    """
    from scipy.stats import rankdata

    x = np.asarray(scores, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return float("nan")
    m, n = x.shape
    ranks = np.vstack([rankdata(r) for r in x])
    rj = ranks.sum(axis=0)
    s = float(((rj - rj.mean()) ** 2).sum())
    t = 0.0
    for r in ranks:
        _v, counts = np.unique(r, return_counts=True)
        t += float((counts ** 3 - counts).sum())
    den = m * m * (n ** 3 - n) - m * t
    return float(12 * s / den) if den > 0 else float("nan")


def pairwise_matrix(criteria: list[str], judgements: dict[tuple[str, str], float]) -> np.ndarray:
    """Reciprocal matrix from judgements ``(a, b) -> a over b``; missing pairs raise KeyError."""
    n = len(criteria)
    a = np.ones((n, n))
    for i, j in itertools.combinations(range(n), 2):
        ci, cj = criteria[i], criteria[j]
        if (ci, cj) in judgements:
            v = judgements[(ci, cj)]
        elif (cj, ci) in judgements:
            v = 1.0 / judgements[(cj, ci)]
        else:
            raise KeyError((ci, cj))
        a[i, j], a[j, i] = v, 1.0 / v
    return a


# ------------------------------------------------------------------------------ files
@dataclass(frozen=True)
class Judgement:
    respondent: str
    profile: str
    type: str            # pairwise | likert
    criterion: str
    versus: str | None
    value: float
    where: str           # file and row, for messages


_SURVEY_COLS = ("respondent", "profile", "type", "criterion", "versus", "value")
_ALIASES = {"respondent_id": "respondent", "stakeholder": "profile", "group": "profile",
            "kind": "type", "question_type": "type", "criterion_a": "criterion",
            "item": "criterion", "criterion_b": "versus", "over": "versus", "judgement": "value",
            "score": "value", "respondent id": "respondent"}


def _value(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    s = str(raw).strip().replace(",", ".").replace(" ", "")
    if not s:
        return None
    try:
        return float(Fraction(s))        # 3, 0.5, 1/3
    except (ValueError, ZeroDivisionError):
        return math.nan


def _rows_of(path: Path) -> tuple[list[str], list[tuple[str, list[Any]]]]:
    """(header, [(where, cells)]) of a CSV file or the first sheet of a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        ws = load_workbook(path, data_only=True).worksheets[0]
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        start = next((i for i, r in enumerate(rows[:40])
                      if "respondent" in {_key(v) for v in r}), None)
        if start is None:
            raise SurveyError(f"{ws.title}: no header row with a 'respondent' column in rows "
                              "1–40", path=path, fix="head the columns respondent, profile, "
                                                     "type, criterion, versus, value")
        return ([str(v or "") for v in rows[start]],
                [(f"{ws.title}!row {start + 1 + k}", r) for k, r in
                 enumerate(rows[start + 1:], start=1)])
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows:
        raise SurveyError("the survey file is empty", path=path,
                          fix="head the columns respondent, profile, type, criterion, versus, "
                              "value")
    return rows[0], [(f"row {k}", r) for k, r in enumerate(rows[1:], start=2)]


def _key(v: Any) -> str:
    s = re.sub(r"\s+", " ", str(v or "").strip().lower())
    return _ALIASES.get(s, s)


def read_survey(path: str | Path) -> list[Judgement]:
    """Read one survey file (CSV or Excel); every bad row is reported at once."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("survey file not found", path=path, fix="check the path")
    header, rows = _rows_of(path)
    keys = [_key(h) for h in header]
    missing = [c for c in _SURVEY_COLS if c not in keys and c != "versus"]
    if missing:
        raise SurveyError(f"no {', '.join(missing)} column(s) in the header ({', '.join(header)})",
                          path=path, fix="head the columns respondent, profile, type, "
                                         "criterion, versus, value")
    idx = {k: keys.index(k) for k in _SURVEY_COLS if k in keys}
    problems: list[tuple[str, str, str]] = []
    out: list[Judgement] = []
    for where, r in rows:
        if not any(str(c).strip() for c in r if c is not None):
            continue

        def get(k: str, r: list[Any] = r) -> Any:
            i = idx.get(k)
            return r[i] if i is not None and i < len(r) else None

        resp, prof = str(get("respondent") or "").strip(), str(get("profile") or "").strip()
        typ = str(get("type") or "").strip().lower()
        crit, vs = str(get("criterion") or "").strip(), str(get("versus") or "").strip() or None
        raw = get("value")
        val = _value(raw)
        if not resp or not prof:
            problems.append((where, "respondent or profile is empty",
                             "give every row a respondent id and a stakeholder profile"))
            continue
        if typ not in ("pairwise", "likert"):
            problems.append((where, f"type {typ!r} is neither 'pairwise' nor 'likert'",
                             "write pairwise (criterion versus another) or likert (1–5)"))
            continue
        if not crit or (typ == "pairwise" and not vs):
            problems.append((where, "criterion (and, for pairwise, versus) is empty",
                             "name the criteria compared"))
            continue
        if typ == "pairwise" and vs == crit:
            problems.append((where, f"{crit} is compared with itself", "compare two criteria"))
            continue
        if val is None or math.isnan(val):
            problems.append((where, f"value {raw!r} is not a number",
                             "pairwise: 1/9 … 9 (e.g. 3 or 1/3); likert: 1–5"))
            continue
        if typ == "pairwise" and not (1 / 9 - 1e-9 <= val <= 9 + 1e-9):
            problems.append((where, f"judgement {raw!r} is outside Saaty's scale 1/9–9",
                             "use 1 (equal), 3, 5, 7, 9 (extreme) or their reciprocals"))
            continue
        if typ == "likert" and (val != int(val) or not LIKERT[0] <= val <= LIKERT[1]):
            problems.append((where, f"Likert value {raw!r} is not a whole number 1–5",
                             "use 1 (low priority) … 5 (high priority)"))
            continue
        out.append(Judgement(resp, prof, typ, crit, vs, val, f"{path.name} {where}"))
    if problems:
        raise SurveyError("", path=path, problems=problems)
    return out


def read_surveys(paths: Sequence[str | Path]) -> list[Judgement]:
    """Read several survey files and check that no respondent answers twice."""
    js = [j for p in paths for j in read_survey(p)]
    _check_duplicates(js)
    return js


def _check_duplicates(js: list[Judgement]) -> None:
    problems = []
    profile_of: dict[str, Judgement] = {}
    seen: dict[tuple[str, str, frozenset[str]], Judgement] = {}
    for j in js:
        first = profile_of.setdefault(j.respondent, j)
        if first.profile != j.profile:
            problems.append((j.where, f"respondent {j.respondent!r} appears in profile "
                             f"{j.profile!r} and in {first.profile!r} ({first.where})",
                             "give each respondent one profile, or distinct ids"))
            continue
        key = (j.respondent, j.type, frozenset({j.criterion, j.versus or ""}))
        if key in seen:
            what = (f"{j.criterion} vs {j.versus}" if j.type == "pairwise" else j.criterion)
            problems.append((j.where, f"respondent {j.respondent!r} answered {j.type} "
                             f"{what} twice (first at {seen[key].where})",
                             "keep one answer per respondent and question; if two people share "
                             "an id, give them distinct ids"))
            continue
        seen[key] = j
    if problems:
        raise SurveyError("", problems=problems)


# ------------------------------------------------------------------------------ profiles
@dataclass
class WeightProfile:
    """The weights one stakeholder profile gives the appraisal criteria."""

    profile: str
    criteria: list[str]
    weights: dict[str, float]                   # AHP, group matrix [sum 1]
    group_cr: float | None
    kendall_w: float | None                     # consensus of the respondents' rankings
    respondents: list[dict[str, Any]] = field(default_factory=list)
    likert_weights: dict[str, float] | None = None
    kendall_w_likert: float | None = None
    method: str = ("AHP: principal eigenvector of the element-wise geometric mean of the "
                   "consistent respondents' pairwise matrices (Saaty; Forman & Peniwati 1998); "
                   "consensus: Kendall's W with tie correction")
    synthetic: bool = False
    sources: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def n_inconsistent(self) -> int:
        return sum(1 for r in self.respondents if r.get("consistent") is False)

    def as_json(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None or (isinstance(x, float) and math.isnan(x)) \
                else round(float(x), 6)

        return {"profile": self.profile, "criteria": self.criteria,
                "weights": {k: r(v) for k, v in self.weights.items()},
                "group_cr": r(self.group_cr), "cr_limit": CR_LIMIT,
                "kendall_w": r(self.kendall_w),
                "likert_weights": None if self.likert_weights is None else
                {k: r(v) for k, v in self.likert_weights.items()},
                "kendall_w_likert": r(self.kendall_w_likert),
                "n_respondents": len(self.respondents), "n_inconsistent": self.n_inconsistent,
                "respondents": [{**x, "cr": r(x.get("cr")),
                                 "weights": {k: r(v) for k, v in (x.get("weights") or {}).items()}}
                                for x in self.respondents],
                "method": self.method, "synthetic": self.synthetic, "sources": self.sources,
                "note": self.note}


def aggregate_profile(profile: str, js: list[Judgement], *, synthetic: bool = False
                      ) -> WeightProfile:
    """Weights of one profile from its respondents' pairwise and Likert judgements."""
    js = [j for j in js if j.profile == profile]
    crit = list(dict.fromkeys(c for j in js for c in (j.criterion, j.versus) if c))
    by_resp: dict[str, list[Judgement]] = {}
    for j in js:
        by_resp.setdefault(j.respondent, []).append(j)
    resp_rows: list[dict[str, Any]] = []
    matrices: dict[str, np.ndarray] = {}
    problems = []
    for rid, rj in by_resp.items():
        pw = {(j.criterion, j.versus): j.value for j in rj if j.type == "pairwise" and j.versus}
        row: dict[str, Any] = {"respondent": rid, "cr": None, "consistent": None, "weights": {}}
        if pw:
            try:
                m = pairwise_matrix(crit, pw)
            except KeyError as exc:
                a, b = exc.args[0]
                problems.append((rj[0].where.rsplit(" row", 1)[0],
                                 f"respondent {rid!r} ({profile}) gave no judgement for "
                                 f"{a} vs {b}", "judge every pair of criteria (n(n−1)/2 rows)"))
                continue
            w, _lam = ahp_weights(m)
            cr = consistency_ratio(m)
            row.update(cr=cr, consistent=bool(cr <= CR_LIMIT),
                       weights=dict(zip(crit, map(float, w))))
            matrices[rid] = m
        lk = {j.criterion: j.value for j in rj if j.type == "likert"}
        if lk:
            row["likert"] = lk
        resp_rows.append(row)
    if problems:
        raise SurveyError("", problems=problems)
    note = ""
    weights: dict[str, float] = {}
    gcr: float | None = None
    kw: float | None = None
    if matrices:
        good = [m for rid, m in matrices.items()
                if next(r for r in resp_rows if r["respondent"] == rid)["consistent"]]
        if not good:
            good = list(matrices.values())
            note = ("every respondent has CR > 0.10; the group weights use all of them and "
                    "should be confirmed with the respondents")
        g = geometric_mean_matrix(good)
        w, _lam = ahp_weights(g)
        weights = dict(zip(crit, map(float, w)))
        gcr = consistency_ratio(g)
        kw = kendall_w(np.array([[r["weights"][c] for c in crit] for r in resp_rows
                                 if r["weights"]]))
    lw = None
    kwl = None
    lik = [r["likert"] for r in resp_rows if r.get("likert")]
    if lik:
        lc = [c for c in crit if any(c in x for x in lik)] or list(
            dict.fromkeys(c for x in lik for c in x))
        means = {c: float(np.mean([x[c] for x in lik if c in x])) for c in lc}
        tot = sum(means.values())
        lw = {c: v / tot for c, v in means.items()}
        full = [x for x in lik if all(c in x for c in lc)]
        kwl = kendall_w(np.array([[x[c] for c in lc] for x in full])) if len(full) > 1 else None
        if not weights:
            weights, crit = dict(lw), lc
            note = note or "no pairwise comparisons: the weights are the normalised mean Likert " \
                           "priorities"
    return WeightProfile(profile, crit, weights, gcr, kw, resp_rows, lw, kwl,
                         synthetic=synthetic,
                         sources=sorted({j.where.split(" ")[0] for j in js}), note=note)


def survey_weights(js: list[Judgement], *, synthetic: bool = False) -> dict[str, WeightProfile]:
    """One :class:`WeightProfile` per stakeholder profile found in the judgements."""
    _check_duplicates(js)
    profiles = list(dict.fromkeys(j.profile for j in js))
    return {p: aggregate_profile(p, js, synthetic=synthetic) for p in profiles}


def write_weights(profiles: dict[str, WeightProfile], path: str | Path) -> Path:
    """Write every profile to one JSON file (``{"profiles": {...}}``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"profiles": {k: v.as_json() for k, v in profiles.items()}}
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
    return path
