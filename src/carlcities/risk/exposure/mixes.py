"""GEM typology mixes: the share of each building class per administrative unit and
occupancy (derived from the GEM exposure CSVs), and the split by built density.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError
from carlcities.risk.exposure.gem_csv import read_gem_rows
from carlcities.risk.exposure.model import (
    CITY_UNITS,
    COUNTRY_ISO3,
    GEM_SOURCE,
    MACRO_CLASSES,
    OCCUPANCIES,
    macro_class,
    storeys_class,
)

__all__ = ["load_typology_mix", "density_split", "MIX_COLUMNS", "derive_typology_mix",
           "write_typology_mix"]


# ----------------------------------------------------------------------------- the mix
MIX_COLUMNS = ("unit", "unit_name", "country_iso3", "level", "occupancy", "class_id",
               "storeys_class", "share_floor_area", "floor_ratio_to_res",
               "cost_structural_per_m2_usd", "cost_nonstructural_per_m2_usd",
               "cost_contents_per_m2_usd", "cost_total_per_m2_usd", "area_per_building_m2",
               "occupants_per_m2", "occupants_day_per_m2", "occupants_night_per_m2",
               "occupants_transit_per_m2", "source")


def derive_typology_mix(gem_dir: str | Path) -> list[dict[str, Any]]:
    """Rows of ``data/typology_mix.csv`` computed from the GEM Adm1 exposure CSVs.

    For each city unit (:data:`CITY_UNITS`) and each country, by occupancy, the floor-area
    share of every (macro class, storeys class) and its cost per m² [USD/m²] (Σ cost / Σ
    area), floor area per building [m²], occupants per m² [persons/m²] (census, day, night,
    transit) and the floor-area ratio of the occupancy to residential [-].
    """
    gem_dir = Path(gem_dir)
    rows_out: list[dict[str, Any]] = []
    units = {u: c for c, u in CITY_UNITS.items()}
    for country, iso in COUNTRY_ISO3.items():
        recs: list[tuple[dict[str, str], str, str]] = []
        for occ in OCCUPANCIES:
            fn = gem_dir / country / f"Exposure_{occ}_{country}_Adm1.csv"
            recs.extend((r, occ, fn.name) for r in read_gem_rows(fn))
        groups: list[tuple[str, str, str, list]] = []
        for u in sorted({r["ID_1"] for r, _, _ in recs} & set(units)):
            sub = [t for t in recs if t[0]["ID_1"] == u]
            groups.append((u, sub[0][0]["NAME_1"], "city", sub))
        groups.append((iso, country, "country", recs))
        for unit, name, level, sub in groups:
            area_res = sum(float(r["TOTAL_AREA_SQM"]) for r, o, _ in sub if o == "Res")
            for occ in OCCUPANCIES:
                so = [(r, f) for r, o, f in sub if o == occ]
                if not so:
                    continue
                tot_area = sum(float(r["TOTAL_AREA_SQM"]) for r, _ in so)
                agg: dict[tuple[str, str], dict[str, float]] = {}
                for r, _ in so:
                    key = (macro_class(r["TAXONOMY"]), storeys_class(r["TAXONOMY"]))
                    d = agg.setdefault(key, dict.fromkeys(
                        ("area", "bld", "cs", "cn", "cc", "occ", "day", "night", "transit"), 0.0))
                    d["area"] += float(r["TOTAL_AREA_SQM"])
                    d["bld"] += float(r["BUILDINGS"])
                    d["cs"] += float(r["COST_STRUCTURAL_USD"])
                    d["cn"] += float(r["COST_NONSTRUCTURAL_USD"])
                    d["cc"] += float(r["COST_CONTENTS_USD"])
                    d["occ"] += float(r["OCCUPANTS_PER_ASSET"] or 0)
                    d["day"] += float(r["OCCUPANTS_PER_ASSET_DAY"] or 0)
                    d["night"] += float(r["OCCUPANTS_PER_ASSET_NIGHT"] or 0)
                    d["transit"] += float(r["OCCUPANTS_PER_ASSET_TRANSIT"] or 0)
                files = sorted({f for _, f in so})
                where = f"ID_1={unit}" if level == "city" else "all Adm1 units"
                for (cid, stc), d in sorted(agg.items(), key=lambda kv: -kv[1]["area"]):
                    a = d["area"]
                    if a <= 0:
                        continue
                    rows_out.append(dict(
                        unit=unit, unit_name=name, country_iso3=iso, level=level,
                        occupancy=occ, class_id=cid, storeys_class=stc,
                        share_floor_area=f"{a / tot_area:.10f}",
                        floor_ratio_to_res=f"{tot_area / area_res:.8f}",
                        cost_structural_per_m2_usd=f"{d['cs'] / a:.4f}",
                        cost_nonstructural_per_m2_usd=f"{d['cn'] / a:.4f}",
                        cost_contents_per_m2_usd=f"{d['cc'] / a:.4f}",
                        cost_total_per_m2_usd=f"{(d['cs'] + d['cn'] + d['cc']) / a:.4f}",
                        area_per_building_m2=f"{a / d['bld']:.4f}" if d["bld"] else "",
                        occupants_per_m2=f"{d['occ'] / a:.8f}",
                        occupants_day_per_m2=f"{d['day'] / a:.8f}",
                        occupants_night_per_m2=f"{d['night'] / a:.8f}",
                        occupants_transit_per_m2=f"{d['transit'] / a:.8f}",
                        source=f"{GEM_SOURCE}; {', '.join(files)} ({where}); derived by "
                               "carlcities.risk.exposure.derive_typology_mix"))
    return rows_out


def write_typology_mix(gem_dir: str | Path, out: str | Path) -> int:
    """Write :func:`derive_typology_mix` rows as CSV to ``out``; returns the row count."""
    rows = derive_typology_mix(gem_dir)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MIX_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


@lru_cache(maxsize=4)
def _mix_table(path: str | None) -> tuple[dict[str, Any], ...]:
    from carlcities._datafiles import read_data_text

    text, name = read_data_text(path, "data/typology_mix.csv", "typology mix CSV",
                                package="carlcities.risk", error=ExposureError)
    rows = list(csv.DictReader(text.splitlines()))
    missing = set(MIX_COLUMNS) - set(rows[0] if rows else {})
    if missing:
        raise ExposureError(f"typology mix lacks columns {sorted(missing)}", path=name,
                            fix="use the columns of carlcities/risk/data/typology_mix.csv")
    out = []
    for i, r in enumerate(rows, start=2):
        d: dict[str, Any] = dict(r, _file=name, _row=i)
        for c in MIX_COLUMNS[7:-1]:
            try:
                d[c] = float(r[c]) if r[c] != "" else float("nan")
            except ValueError:
                raise ExposureError(f"row {i}: {c} is not a number ({r[c]!r})", path=name,
                                    fix="write numbers in the numeric columns") from None
            if d[c] < 0:
                raise ExposureError(f"row {i}: {c} is negative", path=name,
                                    fix="shares, costs and occupancy ratios are ≥ 0")
        if r["occupancy"] not in OCCUPANCIES or r["class_id"] not in MACRO_CLASSES:
            raise ExposureError(f"row {i}: unknown occupancy or class "
                                f"({r['occupancy']!r}, {r['class_id']!r})", path=name,
                                fix="use Res/Com/Ind and one of the ten class ids")
        out.append(d)
    return tuple(out)


def load_typology_mix(unit: str, path: str | Path | None = None
                      ) -> dict[str, list[dict[str, Any]]]:
    """Rows of the typology mix for ``unit`` (Adm1 id like ``'KZ-ALA'`` or ISO3 country) by
    occupancy; ``share_floor_area`` [-] renormalised to sum to 1 in each occupancy."""
    rows = [r for r in _mix_table(str(path) if path else None) if r["unit"] == unit]
    if not rows:
        raise ExposureError(f"no typology mix for unit {unit!r}",
                            path=str(path) if path else "carlcities/risk/data/typology_mix.csv",
                            fix="use a GEM Adm1 unit id or a Central Asian ISO3 code, or add "
                                "rows for it to the mix CSV")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["occupancy"], []).append(dict(r))
    for occ, rs in out.items():
        s = sum(r["share_floor_area"] for r in rs)
        if s <= 0:
            raise ExposureError(f"shares of {unit} {occ} sum to 0", path=rs[0]["_file"],
                                fix="give positive floor-area shares")
        for r in rs:
            r["share_floor_area"] /= s
    return out


# ----------------------------------------------------------------------------- density split
def density_split(cell_floor: np.ndarray, density: np.ndarray, shares: np.ndarray,
                  storeys: list[str] | np.ndarray, *, tol: float = 1e-11,
                  max_iter: int = 500) -> np.ndarray:
    """Floor area [m²] per (cell, class) with both margins, by the module's density rule.

    Parameters
    ----------
    cell_floor : floor area of each cell [m²] (n_cells).
    density : density used for ranking (any unit; higher = denser) (n_cells).
    shares : city share of floor area of each class [-] (n_classes), summing to 1.
    storeys : storeys class of each class (``'multi'``, ``'low'``, ``'mixed'``).

    Returns an (n_cells, n_classes) array A with A.sum(0) = shares × cell_floor.sum() (to
    rounding) and A.sum(1) = cell_floor (to ``tol``, relative). Iterative proportional
    fitting (Deming & Stephan 1940) on the seed q / 1 − q / 1 (see the module docstring).
    """
    from scipy.stats import rankdata

    F = np.asarray(cell_floor, float)
    s = np.asarray(shares, float)
    n, k = F.size, s.size
    A = np.zeros((n, k))
    live = F > 0
    if not live.any() or k == 0:
        return A
    q = (rankdata(np.asarray(density, float)[live]) - 0.5) / live.sum()
    seed = np.empty((int(live.sum()), k))
    for j, st in enumerate(storeys):
        seed[:, j] = q if st == "multi" else (1.0 - q if st == "low" else 1.0)
    r = F[live]
    t = s / s.sum() * r.sum()
    W = seed * (r / seed.sum(1))[:, None]
    for _ in range(max_iter):
        col = W.sum(0)
        W *= np.divide(t, col, out=np.zeros_like(t), where=col > 0)[None, :]
        row = W.sum(1)
        if np.max(np.abs(row - r) / r) < tol:
            break
        W *= (r / row)[:, None]
    A[live] = W
    return A
