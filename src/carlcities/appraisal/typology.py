"""Benchmarking cities against peers, and a typology of cities.

Peer groups
-----------
A city's peers share its **size class** (population of the city: 150–200 k "small urban
area", 200–500 k "medium-sized urban area", 0.5–1.5 M "metropolitan area", ≥ 1.5 M "large
metropolitan area", the classes of OECD (2012) *Redefining "Urban"*,
doi:10.1787/9789264174108-en), or its country, its setting/climate, or its hazard profile
(the dominant hazard by EAL), as chosen with ``by``.

Percentile ranks
----------------
``rank_pct`` = 100 · (L + ½ T)/n (mid-rank, as the reports: values 1, 2, 3 give 16.7, 50,
83.3), L cities with a lower value, T with the same value (itself included), n with a value.
``standing_pct`` orients it by the indicator's ``higher_is`` (registry): equal to
``rank_pct`` when higher is better, 100 − ``rank_pct`` when higher is worse (the mid-rank of
the negated values), None when neutral — so that a low standing always means "worse than the
peers".

Typology
--------
Indicators with more than ``max_nan_share`` missing values are skipped; the others are
imputed with their median and standardised (z-scores); KMeans (scikit-learn, k-means++ with
``n_init = 10`` and a fixed ``random_state``; Lloyd 1982, doi:10.1109/TIT.1982.1056489) is run
for every k in ``k_range`` and the k with the highest mean silhouette (Rousseeuw 1987,
*J. Comput. Appl. Math.* 20:53, doi:10.1016/0377-0427(87)90125-7) kept. The indicators that
separate the types are ranked by the one-way ANOVA F statistic of the standardised values
between the types (:func:`sklearn.feature_selection.f_classif`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carlcities.errors import AppraisalError

__all__ = [
    "SIZE_CLASSES",
    "Typology",
    "benchmark",
    "city_typology",
    "peer_groups",
    "percentile_ranks",
    "size_class",
    "standing",
]

#: (lower bound [persons], label) of the OECD (2012) city size classes
SIZE_CLASSES = ((0, "small"), (200_000, "medium"), (500_000, "metropolitan"),
                (1_500_000, "large_metropolitan"))


def size_class(population: float) -> str:
    """OECD (2012) size class of a city from its population [persons]."""
    label = SIZE_CLASSES[0][1]
    for lo, name in SIZE_CLASSES:
        if population >= lo:
            label = name
    return label


def peer_groups(cities: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Peer-group keys of each city.

    Each city dict: ``city_id``, ``population`` [persons], ``country_iso3``, optional
    ``setting`` (or ``climate``) and ``eal_usd_by_hazard`` ({hazard: USD/yr}). Returns
    {city_id: {'size': ..., 'country': ..., 'setting': ..., 'hazard': dominant hazard}}.
    """
    out = {}
    for c in cities:
        eal = c.get("eal_usd_by_hazard") or {}
        out[str(c["city_id"])] = {
            "size": size_class(float(c["population"])),
            "country": str(c.get("country_iso3", "")),
            "setting": str(c.get("setting") or c.get("climate") or ""),
            "hazard": max(eal, key=lambda h: eal[h]) if eal else "",
        }
    return out


def percentile_ranks(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Mid-rank percentile [%] of each city among the defined values (None where undefined)."""
    # bisect on a list of floats: what np.searchsorted gives, without its per-call overhead
    # (the benchmark calls this ~5,000 times on ~48 values)
    defined = sorted(float(v) for v in values.values() if v is not None and math.isfinite(v))
    n = len(defined)
    out: dict[str, float | None] = {}
    for k, v in values.items():
        if v is None or not math.isfinite(v) or n == 0:
            out[k] = None
            continue
        lower = bisect.bisect_left(defined, v)
        ties = bisect.bisect_right(defined, v) - lower
        out[k] = 100.0 * (lower + 0.5 * ties) / n
    return out


def standing(rank_pct: float | None, higher_is: str) -> float | None:
    """Percentile oriented so that higher is better (see the module docstring)."""
    if rank_pct is None or higher_is == "neutral":
        return None
    if higher_is == "better":
        return rank_pct
    if higher_is == "worse":
        return 100.0 - rank_pct
    raise AppraisalError(f"higher_is {higher_is!r}", fix="use better, worse or neutral")


def _higher_is(indicator_id: str, given: Mapping[str, str] | None) -> str:
    if given and indicator_id in given:
        return given[indicator_id]
    from carlcities.indicators.registry import REGISTRY

    ind = REGISTRY.get(indicator_id)
    if ind is None:
        raise AppraisalError(f"indicator {indicator_id!r} is not in the registry and has no "
                             "higher_is", fix="pass higher_is={id: 'better'|'worse'|'neutral'}")
    return ind.higher_is


def benchmark(values: Mapping[str, Mapping[str, float | None]],
              groups: Mapping[str, Mapping[str, str]], *, by: str = "size",
              higher_is: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Percentile ranks of every city for every indicator, in the region and among peers.

    Parameters
    ----------
    values : {indicator_id: {city_id: value}}
    groups : output of :func:`peer_groups`
    by : the peer-group key (``size``, ``country``, ``setting`` or ``hazard``)
    higher_is : {indicator_id: 'better' | 'worse' | 'neutral'}; default from the registry

    Returns
    -------
    list of dict
        One row per (indicator, city) with a value: ``indicator_id``, ``city_id``, ``value``,
        ``higher_is``, ``peer_group``, ``region_pct``, ``peer_pct`` (rank percentiles),
        ``region_standing``, ``peer_standing`` (oriented), ``n_region``, ``n_peer``,
        ``peer_median``, ``region_median``.
    """
    rows = []
    for ind, by_city in values.items():
        hi = _higher_is(ind, higher_is)
        reg = percentile_ranks(by_city)
        defined = {c: v for c, v in by_city.items() if v is not None and math.isfinite(v)}
        if not defined:
            continue
        region_median = float(np.median(list(defined.values())))
        # the ranks and median of each peer group, once per group (not once per city)
        by_group: dict[str, tuple[int, dict[str, float | None], float]] = {}
        for c, v in defined.items():
            g = groups.get(c, {}).get(by, "")
            if g not in by_group:
                peers = {k: x for k, x in defined.items()
                         if groups.get(k, {}).get(by, "") == g}
                by_group[g] = (len(peers), percentile_ranks(peers),
                               float(np.median(list(peers.values()))))
            n_peer, peer_ranks, peer_median = by_group[g]
            pp = peer_ranks[c]
            rows.append(dict(
                indicator_id=ind, city_id=c, value=float(v), higher_is=hi, peer_group=g,
                peer_by=by, region_pct=reg[c], peer_pct=pp,
                region_standing=standing(reg[c], hi), peer_standing=standing(pp, hi),
                n_region=len(defined), n_peer=n_peer, peer_median=peer_median,
                region_median=region_median))
    return rows


@dataclass(frozen=True)
class Typology:
    """A clustering of cities into types.

    ``labels``: city_id -> type (0..k−1, numbered by size of the type, largest first);
    ``silhouette_by_k``: k -> mean silhouette; ``separating``: (indicator_id, F) sorted by F,
    descending; ``centres``: type -> {indicator: mean z-score}.
    """

    labels: dict[str, int]
    k: int
    silhouette: float
    silhouette_by_k: dict[int, float]
    indicators: tuple[str, ...]
    skipped: tuple[str, ...]
    separating: tuple[tuple[str, float], ...]
    centres: dict[int, dict[str, float]]


def city_typology(table: Mapping[str, Mapping[str, float | None]], *,
                  k_range: tuple[int, int] = (3, 6), max_nan_share: float = 0.3,
                  random_state: int = 0) -> Typology:
    """Cluster cities ({city_id: {indicator_id: value}}) into types (module docstring)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_selection import f_classif
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    cities = sorted(table)
    inds = sorted({k for row in table.values() for k in row})
    x = np.array([[_num(table[c].get(i)) for i in inds] for c in cities], dtype=float)
    nan_share = np.isnan(x).mean(axis=0) if len(cities) else np.zeros(len(inds))
    keep = [j for j in range(len(inds)) if nan_share[j] <= max_nan_share]
    x = x[:, keep]
    used = [inds[j] for j in keep]
    skipped = tuple(inds[j] for j in range(len(inds)) if j not in keep)
    if x.size:
        med = np.nanmedian(x, axis=0)
        x = np.where(np.isnan(x), med, x)
        sd = x.std(axis=0)
        ok = sd > 0
        skipped += tuple(u for u, o in zip(used, ok) if not o)
        used = [u for u, o in zip(used, ok) if o]
        z = (x[:, ok] - x[:, ok].mean(axis=0)) / sd[ok]
    else:
        z = x
    lo, hi = k_range
    if not 2 <= lo <= hi:
        raise AppraisalError(f"k_range {k_range} must satisfy 2 <= low <= high",
                             fix="e.g. (3, 6)")
    if z.shape[1] == 0 or len(cities) <= lo:
        raise AppraisalError(f"{len(cities)} cities and {z.shape[1]} usable indicators: too few "
                             f"for {lo} or more types",
                             fix="give more cities or indicators, or lower k_range")
    scores: dict[int, float] = {}
    fits: dict[int, np.ndarray] = {}
    # one OpenMP thread: k-means works on chunks of 256 points, so a second thread has
    # nothing to do for a region's cities but start and wait (48 cities: 0.22 -> 0.05 s CPU),
    # and one thread adds the chunks in one order whatever their number
    with threadpool_limits(limits=1, user_api="openmp"):
        for k in range(lo, min(hi, len(cities) - 1) + 1):
            km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(z)
            if len(set(km.labels_)) < 2:
                continue
            scores[k] = float(silhouette_score(z, km.labels_))
            fits[k] = km.labels_
    if not scores:
        raise AppraisalError("no clustering with at least two types",
                             fix="the cities do not differ on the indicators given")
    best = max(scores, key=lambda k: (scores[k], -k))
    lab = fits[best]
    # renumber: largest type first, ties by first city
    counts = {t: (-int((lab == t).sum()), int(np.argmax(lab == t))) for t in set(lab)}
    order = {t: i for i, t in enumerate(sorted(counts, key=lambda t: counts[t]))}
    lab = np.array([order[t] for t in lab])
    f, _p = f_classif(z, lab)
    f = np.nan_to_num(f, nan=0.0, posinf=np.finfo(float).max)
    sep = tuple(sorted(((used[j], float(f[j])) for j in range(len(used))),
                       key=lambda t: (-t[1], t[0])))
    centres = {int(t): {used[j]: float(z[lab == t, j].mean()) for j in range(len(used))}
               for t in sorted(set(lab))}
    return Typology({c: int(t) for c, t in zip(cities, lab)}, best, scores[best], scores,
                    tuple(used), skipped, sep, centres)


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f if math.isfinite(f) else float("nan")
