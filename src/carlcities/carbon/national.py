"""Top-down consistency: the study cities' emissions stay below the national totals.

A bottom-up proxy (cars per 1,000 × km per car, floor area × heat intensity, electricity per
person, waste per person) can give a city more emissions than its share of the country makes
plausible — the three Kyrgyz cities' transport once exceeded the country's. This module caps
each city by the national total of the matching sector.

National sectors (``data/national_emissions.csv``, derived from the shared data):

==============  ===============================================  ==============================
group           city inventory rows (GPC BASIC)                  national figure
==============  ===============================================  ==============================
``buildings``   residential + commercial, scope 1                EDGAR v7.0 "Buildings"
``industry``    manufacturing, scope 1                           EDGAR "Other industrial comb."
``transport``   transport, scope 1                               EDGAR "Transport"
``power``       every scope-2 row (grid electricity, district    EDGAR "Power Industry"
                heat)
``waste``       waste (solid, wastewater), scopes 1 and 3        UNFCCC "6. Waste" (KAZ: EDGAR
                                                                 "Other sectors", a loose bound)
==============  ===============================================  ==============================

Constraint (a carlcities method, stated here): the catalogue cities of a country may hold at
most the share sₘₐₓ = min(1, k × pᵤ) of each national sector, where pᵤ is their share of the
country's urban population in the inventory year (``data/urban_projections.csv``) and k the
plausibility ratio of the sector (:data:`PLAUSIBLE_RATIO`, assumption: 1, urban residents
emit in proportion to their number). City i's cap is its population share of that allowance,

    capᵢ = E_national × sₘₐₓ × Pᵢ / Σⱼ Pⱼ     (j over the country's catalogue cities),

so that Σᵢ capᵢ ≤ E_national for every country and sector whatever the bottom-up figures.
Where a city's bottom-up emissions of a group exceed its cap, its proxy activity lines of that
group (never user data) are scaled by capᵢ / Eᵢ and the inventory recomputed: emissions are
linear in activity, so energy savings and actions stay consistent. A city whose user data
alone break the cap is left as it is and flagged.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from carlcities.errors import DataValueError

__all__ = ["GROUPS", "PLAUSIBLE_RATIO", "city_caps", "group_of_line", "group_totals",
           "national_totals", "scale_activity", "urban_population"]

GROUPS = ("buildings", "industry", "transport", "power", "waste")
#: k of each group: the cities' plausible share of the national sector per unit share of the
#: urban population (assumption: 1 for every group; see the module docstring)
PLAUSIBLE_RATIO = {g: 1.0 for g in GROUPS}


@lru_cache(maxsize=2)
def national_totals(path: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """{(country_iso3, group): {year, value_t, source, kind}} of ``national_emissions.csv``."""
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/national_emissions.csv",
                                "national emissions file", error=DataValueError)
    out = {}
    for i, r in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if r.get("sector") not in GROUPS:
            raise DataValueError(f"row {i}: sector {r.get('sector')!r} is not one of "
                                 f"{', '.join(GROUPS)}", path=name,
                                 fix="use the groups of carlcities.carbon.national")
        try:
            out[(r["country_iso3"], r["sector"])] = dict(
                year=int(r["year"]), value_t=float(r["value_t"]), source=r["source"],
                kind=r.get("kind") or "total")
        except (KeyError, ValueError):
            raise DataValueError(f"row {i}: year and value_t must be numbers", path=name,
                                 fix="keep the columns of the bundled file") from None
    return out


@lru_cache(maxsize=2)
def _urban_rows() -> dict[str, list[tuple[int, float]]]:
    from .._datafiles import read_data_text

    text, _name = read_data_text(None, "data/urban_projections.csv", "urban projections")
    by: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in csv.DictReader(io.StringIO(text)):
        by[r["country_iso3"]].append((int(r["year"]), float(r["urban_population"])))
    return {k: sorted(v) for k, v in by.items()}


def urban_population(country_iso3: str, year: int) -> float | None:
    """The country's urban population in ``year`` [persons], linear between the 5-year points
    of ``data/urban_projections.csv`` (None for a country not in the file)."""
    pts = _urban_rows().get(country_iso3)
    if not pts:
        return None
    ys, vs = zip(*pts)
    return float(np.interp(year, ys, vs))


def group_of_line(ln) -> str | None:
    """The national group whose total an activity line's emissions count against."""
    if ln.activity in ("electricity", "district_heat"):
        return "power"
    if ln.sector == "waste":
        return "waste"
    if ln.sector == "transport":
        return "transport"
    if ln.sector == "stationary" and ln.subsector in ("residential", "commercial"):
        return "buildings"
    if ln.sector == "stationary" and ln.subsector == "manufacturing":
        return "industry"
    return None


def group_totals(rows) -> dict[str, float]:
    """Emissions of an inventory's rows by national group [t CO2e] (BASIC rows only)."""
    out = dict.fromkeys(GROUPS, 0.0)
    for r in rows:
        v = r.get("co2e_t")
        if v is None or not r.get("in_basic", True):
            continue
        s, sub, scope = r["sector"], r["subsector"], r["scope"]
        if scope == 2:
            out["power"] += v
        elif s == "waste":
            out["waste"] += v
        elif s == "transport" and scope == 1:
            out["transport"] += v
        elif s == "stationary" and scope == 1 and sub in ("residential", "commercial"):
            out["buildings"] += v
        elif s == "stationary" and scope == 1 and sub == "manufacturing":
            out["industry"] += v
    return out


def city_caps(city, year: int, catalog=None) -> dict[str, dict[str, Any]]:
    """{group: {cap_t, national_t, share_max, urban_share, pop_share, year, source}} for one
    city (groups without a national figure are left out)."""
    from carlcities.catalog import load_catalog

    cat = catalog or load_catalog()
    iso = city.country_iso3
    pops = {c.city_id: c.population_at(year)[0] for c in cat if c.country_iso3 == iso}
    if city.city_id not in pops:
        pops[city.city_id] = city.population_at(year)[0]
    total = sum(pops.values())
    own = pops[city.city_id]
    urban = urban_population(iso, year)
    p_u = min(1.0, total / urban) if urban else 1.0
    out = {}
    for g in GROUPS:
        nat = national_totals().get((iso, g))
        if nat is None:
            continue
        s_max = min(1.0, PLAUSIBLE_RATIO[g] * p_u)
        out[g] = dict(cap_t=nat["value_t"] * s_max * own / total, national_t=nat["value_t"],
                      share_max=s_max, urban_share=p_u, pop_share=own / total,
                      year=nat["year"], source=nat["source"])
    return out


def scale_activity(activity, factors: Mapping[str, float]):
    """A copy of ``activity`` with every proxy line of a group scaled by ``factors[group]``
    (user data untouched); the scaled lines say so in their ``note``."""
    lines = []
    for ln in activity.lines:
        g = group_of_line(ln)
        f = factors.get(g) if g else None
        if f is not None and f < 1.0 and ln.proxy:
            note = (ln.note + "; " if ln.note else "") + \
                f"scaled by {f:.3f} to the national {g} total (carbon.national)"
            ln = replace(ln, value=ln.value * f, note=note)
        lines.append(ln)
    return replace(activity, lines=lines)
