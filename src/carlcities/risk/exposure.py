"""Building exposure of a city: assets by grid cell, building class and occupancy.

An :class:`Exposure` holds one asset per (grid cell, building class, occupancy): counts of
buildings, floor area [m²], replacement values [USD] split into structural, non-structural
and contents, and occupants by time of day [persons]. Three ways to get one:

* :func:`build_exposure` — from the city's population grid [persons/cell] and built-up share,
  with floor area per person (the carbon module's sourced value, so both modules see the same
  stock), the non-residential floor area, building-class mix, replacement costs and occupancy
  ratios of the GEM Global Exposure Model (Yepes-Estrada et al. 2023) for the city's own Adm1
  unit or, failing that, its country (``data/typology_mix.csv``, shares derived from GEM and
  packaged with attribution; CC BY-NC-SA 4.0);
* :func:`read_gem_exposure_csv` — a GEM exposure CSV as published;
* :func:`critical_facilities` — hospitals, schools and fire stations from OpenStreetMap, with
  an assumed building class.

Density rule (how the city mix is put on the grid)
--------------------------------------------------
Every GEM class carries a storeys class read from its taxonomy string: ``multi`` when every
building has 4 storeys or more (``HBET:4-7``, ``HBET:5-9``, ``HBET:8-``, ``HBET:9-12``: panel
and RC wall blocks), ``low`` when none has more than 3 (``H:1``, ``H:3``, ``HBET:1-2``,
``HBET:1-3``: adobe, brick, timber, mixed houses), ``mixed`` otherwise (``HBET:1-4``,
``HBET:1-10``, ``HBET:3-``, no height). Cells are ranked by net residential density
(population per m² of built-up surface) and given the percentile q = (rank − ½)/n ∈ (0, 1).
The floor area A[c, k] of class k in cell c is the matrix closest (in the sense of minimum
information) to the seed q for ``multi``, 1 − q for ``low`` and 1 for ``mixed`` that has
*both* margins: Σₖ A[c, k] = floor area of cell c, and Σ_c A[c, k] = GEM share of k × city
floor area. It is found by iterative proportional fitting (Deming & Stephan 1940) and finishes
with the column step, so the city totals of every class equal the GEM shares to rounding;
cell totals agree to 1e-9 (relative). The rule is a project choice: it puts tall classes in
dense cells and houses in sparse ones without making any cell single-class.

References
----------
Yepes-Estrada, C. et al. (2023). Global building exposure model for earthquake risk
assessment. Earthquake Spectra 39(4), doi:10.1177/87552930231194048; data:
github.com/gem/global_exposure_model @da2131a3 (CC BY-NC-SA 4.0).
Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
table when the expected marginal totals are known. Ann. Math. Stat. 11:427.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError

__all__ = ["Exposure", "build_exposure", "read_gem_exposure_csv", "critical_facilities",
           "CriticalFacilities", "load_typology_mix", "macro_class", "storeys_class",
           "density_split", "OCCUPANCIES", "MACRO_CLASSES", "CITY_UNITS", "FACILITY_TYPOLOGY"]

OCCUPANCIES = ("Res", "Com", "Ind")
#: the ten macro building classes (ids shared with ``risk.vulnerability``)
MACRO_CLASSES = {
    "CR-PC": "precast large-panel RC (LWAL) / precast frame (LPB)",
    "CR-LWAL": "cast-in-place RC wall (monolithic)",
    "CR-LFINF": "cast-in-place RC frame with infill",
    "MUR-CLBRS": "unreinforced fired-brick masonry",
    "MCF": "confined masonry",
    "MUR-ADO": "adobe / rammed earth (unreinforced earthen)",
    "MIX-MUR-W": "mixed masonry and timber",
    "W": "timber",
    "S": "steel frame",
    "MATO": "other material",
}
#: catalogue city → GEM Adm1 unit holding it (Bishkek has none: Chuy Region is the proxy)
CITY_UNITS = {"almaty": "KZ-ALA", "astana": "KZ-AST", "tashkent": "UZ-TK",
              "dushanbe": "TJ-DU", "ashgabat": "TM-S", "bishkek": "KG-C"}
#: assumed building class of critical facilities (project assumption, low confidence):
#: Soviet standard designs — hospitals as RC frames with infill, schools and fire stations
#: as 2–4 storey fired-brick masonry. Replace with a survey where one exists.
FACILITY_TYPOLOGY = {"hospital": "CR-LFINF", "school": "MUR-CLBRS",
                     "fire_station": "MUR-CLBRS"}

GEM_COLUMNS = ("ID_0", "NAME_0", "ID_1", "NAME_1", "SETTLEMENT", "OCCUPANCY", "TAXONOMY",
               "BUILDINGS", "TOTAL_REPL_COST_USD", "COST_STRUCTURAL_USD",
               "COST_NONSTRUCTURAL_USD", "COST_CONTENTS_USD", "TOTAL_AREA_SQM",
               "OCCUPANTS_PER_ASSET", "OCCUPANTS_PER_ASSET_DAY", "OCCUPANTS_PER_ASSET_NIGHT",
               "OCCUPANTS_PER_ASSET_TRANSIT")
GEM_SOURCE = ("GEM Global Exposure Model, Central Asia (Yepes-Estrada et al. 2023; "
              "github.com/gem/global_exposure_model @da2131a3), CC BY-NC-SA 4.0")
_QUANTITIES = ("buildings", "floor_area_m2", "value_structural", "value_nonstructural",
               "value_contents", "occupants_day", "occupants_night", "occupants_transit")
_ISO3 = {"Kazakhstan": "KAZ", "Kyrgyzstan": "KGZ", "Tajikistan": "TJK",
         "Turkmenistan": "TKM", "Uzbekistan": "UZB"}


# ----------------------------------------------------------------------------- classes
def macro_class(taxonomy: str) -> str:
    """Macro class id of a GEM taxonomy string (``'CR+PC/LWAL+CDL/HBET:5-9/RES'`` → ``'CR-PC'``).

    The mapping of ``reference/gem_calc/gem_city_shares.py`` (EU+ETR counts as adobe).

    Raises
    ------
    ExposureError
        A taxonomy that matches none of the ten classes.
    """
    t = taxonomy.strip()
    for prefix, cid in (("CR+PC/", "CR-PC"), ("CR+CIP/LFINF", "CR-LFINF"),
                        ("CR+CIP/LWAL", "CR-LWAL"), ("MUR+CLBRS", "MUR-CLBRS"),
                        ("MCF", "MCF"), ("MUR+ADO", "MUR-ADO"), ("EU+ETR", "MUR-ADO"),
                        ("MIX(MUR+W)", "MIX-MUR-W"), ("W/", "W"), ("S/", "S"),
                        ("MATO", "MATO")):
        if t.startswith(prefix):
            return cid
    if t in MACRO_CLASSES:
        return t
    raise ExposureError(f"taxonomy {taxonomy!r} matches none of the ten macro classes",
                        fix="map it to one of " + ", ".join(MACRO_CLASSES))


_HEIGHT = re.compile(r"(?:^|/)(HBET|H):(\d+)(?:-(\d*))?")


def storeys_class(taxonomy: str) -> str:
    """``'multi'`` (all ≥ 4 storeys), ``'low'`` (all ≤ 3) or ``'mixed'`` from the GEM height
    attribute (``H:n`` exact, ``HBET:a-b`` range, ``HBET:a-`` open)."""
    m = _HEIGHT.search(taxonomy)
    if not m:
        return "mixed"
    lo = int(m.group(2))
    if m.group(1) == "H":
        hi: float = lo
    else:
        hi = float(m.group(3)) if m.group(3) else float("inf")
    if lo >= 4:
        return "multi"
    if hi <= 3:
        return "low"
    return "mixed"


# ----------------------------------------------------------------------------- Exposure
@dataclass(frozen=True, eq=False)
class Exposure:
    """Assets of a city, one per (site, building class, occupancy); equal-length arrays.

    Attributes
    ----------
    site : flat grid-cell index (row × width + col) [-], or any site number ≥ 0.
    x, y : site position in the grid CRS [m] (NaN when unknown).
    lon, lat : site position [degrees, WGS 84] (NaN when unknown).
    taxonomy : codes into ``taxonomies`` (class ids or GEM taxonomy strings).
    occupancy : ``'Res'``, ``'Com'`` or ``'Ind'``.
    buildings : number of buildings [buildings].
    floor_area_m2 : floor area [m²].
    value_structural, value_nonstructural, value_contents : replacement value [USD].
    occupants_day, occupants_night, occupants_transit : occupants [persons].
    storeys : storeys class (``'multi'``, ``'low'``, ``'mixed'`` or ``''``).
    meta : provenance (source, mix used, fallback flag, parameters).
    """

    site: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    taxonomy: np.ndarray
    taxonomies: tuple[str, ...]
    occupancy: np.ndarray
    buildings: np.ndarray
    floor_area_m2: np.ndarray
    value_structural: np.ndarray
    value_nonstructural: np.ndarray
    value_contents: np.ndarray
    occupants_day: np.ndarray
    occupants_night: np.ndarray
    occupants_transit: np.ndarray
    storeys: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = np.asarray(self.site).size
        conv = {"site": np.int64, "taxonomy": np.int64, "x": float, "y": float, "lon": float,
                "lat": float, **{q: float for q in _QUANTITIES}}
        for name, dt in conv.items():
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=dt).ravel())
        object.__setattr__(self, "occupancy", np.asarray(self.occupancy, dtype="<U3").ravel())
        object.__setattr__(self, "taxonomies", tuple(str(t) for t in self.taxonomies))
        st = self.storeys if self.storeys is not None else np.full(n, "", dtype="<U6")
        object.__setattr__(self, "storeys", np.asarray(st, dtype="<U6").ravel())
        where = self.meta.get("source", "exposure")
        for name in (*conv, "occupancy", "storeys"):
            if getattr(self, name).size != n:
                raise ExposureError(f"array {name!r} has {getattr(self, name).size} values for "
                                    f"{n} assets", path=where,
                                    fix="give every asset array the same length")
        for name in _QUANTITIES:
            a = getattr(self, name)
            if not np.all(np.isfinite(a)):
                raise ExposureError(f"{name} has {int(np.sum(~np.isfinite(a)))} NaN or "
                                    "infinite values", path=where,
                                    fix="fill the missing values (0 where there is nothing)")
            if np.any(a < 0):
                i = int(np.argmax(a < 0))
                raise ExposureError(f"{name} is negative at asset {i} ({a[i]})", path=where,
                                    fix="quantities [buildings, m², USD, persons] are ≥ 0")
        if np.any(self.site < 0):
            raise ExposureError("negative site index", path=where, fix="sites are ≥ 0")
        if n and (self.taxonomy.min() < 0 or self.taxonomy.max() >= len(self.taxonomies)):
            raise ExposureError("taxonomy codes outside the taxonomies list", path=where,
                                fix="codes index the taxonomies tuple")
        bad = ~np.isin(self.occupancy, OCCUPANCIES)
        if np.any(bad):
            raise ExposureError(f"unknown occupancy {self.occupancy[bad][0]!r}", path=where,
                                fix="use Res, Com or Ind")

    # -- views -----------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.site.size)

    @property
    def taxonomy_names(self) -> np.ndarray:
        """Taxonomy of each asset as strings."""
        return np.asarray(self.taxonomies, dtype=object)[self.taxonomy] if len(self) else \
            np.empty(0, dtype=object)

    @property
    def value_total(self) -> np.ndarray:
        """Replacement value per asset: structural + non-structural + contents [USD]."""
        return self.value_structural + self.value_nonstructural + self.value_contents

    @property
    def total_value(self) -> float:
        """Replacement value of all assets [USD]."""
        return float(self.value_total.sum())

    def value(self, loss_type: str) -> np.ndarray:
        """Value per asset [USD] of ``'structural'``, ``'nonstructural'``, ``'contents'`` or
        ``'total'``."""
        if loss_type == "total":
            return self.value_total
        if loss_type in ("structural", "nonstructural", "contents"):
            return getattr(self, f"value_{loss_type}")
        raise ExposureError(f"unknown loss type {loss_type!r}",
                            fix="use structural, nonstructural, contents or total")

    def occupants(self, time_of_day: str = "night") -> np.ndarray:
        """Occupants per asset [persons] at ``'day'``, ``'night'`` or ``'transit'``."""
        if time_of_day not in ("day", "night", "transit"):
            raise ExposureError(f"unknown time of day {time_of_day!r}",
                                fix="use day, night or transit")
        return getattr(self, f"occupants_{time_of_day}")

    def summary(self) -> dict[str, dict[str, float]]:
        """Totals by taxonomy: assets, buildings, floor area [m²], value [USD], night
        occupants [persons] and share of floor area [-]; key ``'TOTAL'`` for all."""
        out: dict[str, dict[str, float]] = {}
        total_area = float(self.floor_area_m2.sum())
        for code, name in enumerate(self.taxonomies):
            m = self.taxonomy == code
            if not m.any():
                continue
            out[name] = self._totals(m, total_area)
        out["TOTAL"] = self._totals(np.ones(len(self), bool), total_area)
        return out

    def _totals(self, m: np.ndarray, total_area: float) -> dict[str, float]:
        area = float(self.floor_area_m2[m].sum())
        return {"assets": float(m.sum()), "buildings": float(self.buildings[m].sum()),
                "floor_area_m2": area, "value_usd": float(self.value_total[m].sum()),
                "occupants_night": float(self.occupants_night[m].sum()),
                "share_floor_area": area / total_area if total_area > 0 else 0.0}

    def subset(self, mask: np.ndarray) -> Exposure:
        """The assets where ``mask`` (boolean or index array) selects them."""
        sel = np.asarray(mask)
        kw = {f.name: getattr(self, f.name)[sel] for f in fields(self)
              if f.name not in ("taxonomies", "meta")}
        return replace(self, **kw, meta=dict(self.meta))

    def scaled(self, factor_per_site: np.ndarray | float) -> Exposure:
        """Exposure with buildings, floor area, values and occupants × factor of each site.

        ``factor_per_site`` [-] is a scalar or an array indexed by the site number (length >
        the largest site; e.g. the flattened ratio of future to present population).
        """
        f = np.asarray(factor_per_site, dtype=float)
        fa = np.full(len(self), float(f)) if f.ndim == 0 else f.ravel()[self.site]
        if not np.all(np.isfinite(fa)) or np.any(fa < 0):
            raise ExposureError("growth factors must be finite and ≥ 0",
                                path=self.meta.get("source", "exposure"),
                                fix="check the factor grid (NaN where a cell has no data?)")
        kw = {q: getattr(self, q) * fa for q in _QUANTITIES}
        meta = dict(self.meta, scaled=True)
        return replace(self, **kw, meta=meta)

    def sorted_by_site(self) -> Exposure:
        """The same assets ordered by site (stable)."""
        return self.subset(np.argsort(self.site, kind="stable"))

    def recoded(self, mapping: Callable[[str], str] | Mapping[str, str]) -> Exposure:
        """Exposure whose taxonomies are renamed by ``mapping`` (e.g. :func:`macro_class`)."""
        fn = mapping if callable(mapping) else mapping.__getitem__
        new_names = [fn(t) for t in self.taxonomies]
        uniq = sorted(set(new_names))
        code = np.array([uniq.index(n) for n in new_names], dtype=np.int64)
        tax = code[self.taxonomy] if len(self) else self.taxonomy
        return replace(self, taxonomy=tax, taxonomies=tuple(uniq), meta=dict(self.meta))


# ----------------------------------------------------------------------------- the mix
MIX_COLUMNS = ("unit", "unit_name", "country_iso3", "level", "occupancy", "class_id",
               "storeys_class", "share_floor_area", "floor_ratio_to_res",
               "cost_structural_per_m2_usd", "cost_nonstructural_per_m2_usd",
               "cost_contents_per_m2_usd", "cost_total_per_m2_usd", "area_per_building_m2",
               "occupants_per_m2", "occupants_day_per_m2", "occupants_night_per_m2",
               "occupants_transit_per_m2", "source")


def _derive_typology_mix(gem_dir: str | Path) -> list[dict[str, Any]]:
    """Rows of ``data/typology_mix.csv`` computed from the GEM Adm1 exposure CSVs.

    For each city unit (:data:`CITY_UNITS`) and each country, by occupancy, the floor-area
    share of every (macro class, storeys class) and its cost per m² [USD/m²] (Σ cost / Σ
    area), floor area per building [m²], occupants per m² [persons/m²] (census, day, night,
    transit) and the floor-area ratio of the occupancy to residential [-].
    """
    gem_dir = Path(gem_dir)
    rows_out: list[dict[str, Any]] = []
    units = {u: c for c, u in CITY_UNITS.items()}
    for country, iso in _ISO3.items():
        recs = []
        for occ in OCCUPANCIES:
            fn = gem_dir / country / f"Exposure_{occ}_{country}_Adm1.csv"
            recs.extend((r, occ, fn.name) for r in _read_gem_rows(fn))
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
                               "carlcities.risk.exposure._derive_typology_mix"))
    return rows_out


def write_typology_mix(gem_dir: str | Path, out: str | Path) -> int:
    """Write :func:`_derive_typology_mix` rows as CSV to ``out``; returns the row count."""
    rows = _derive_typology_mix(gem_dir)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MIX_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


@lru_cache(maxsize=4)
def _mix_table(path: str | None) -> tuple[dict[str, Any], ...]:
    from .._datafiles import read_data_text

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


# ----------------------------------------------------------------------------- builder
def build_exposure(city: Any, grid: Any, population: np.ndarray, builtup_share: np.ndarray,
                   *, country_iso3: str, params: Any = None,
                   mix: str | Path | None = None) -> Exposure:
    """Exposure of a city on its grid from population and built-up share.

    Steps (sources in brackets):

    1. residential floor area per cell [m²] = population [persons] × floor area per person
       [m²/person] (``floor_area_per_person`` of the carbon parameters: the same value the
       carbon module uses, GEM-derived or census, looked up city → country → region);
    2. commercial and industrial floor area [m²] = residential total × the GEM ratio of their
       floor area to residential floor area in the unit (GEM occupancy totals), placed in
       proportion to built-up surface [m²] (to population where there is none);
    3. class mix: the GEM shares of the city's Adm1 unit (:data:`CITY_UNITS`), else of its
       country (``meta['mix_level'] = 'country'``, ``meta['fallback'] = True``), split over
       cells by :func:`density_split` with the class totals kept;
    4. values [USD] = floor area × GEM cost per m² (structural, non-structural, contents) of
       the class; buildings = floor area / GEM floor area per building;
    5. occupants [persons]: residential — the cell's residents in proportion to floor area,
       times the GEM ratios of day, night and transit occupants to residents of the class;
       commercial and industrial — floor area × GEM occupants per m² at each time of day.

    Parameters
    ----------
    city : a catalogue ``City`` (``city_id``) or a city id.
    grid : :class:`carlcities.grid.CityGrid`.
    population : residents per cell [persons], ``grid.shape``.
    builtup_share : built-up share of each cell [-], ``grid.shape``.
    country_iso3 : the city's country (KAZ, KGZ, TJK, TKM, UZB).
    params : carbon :class:`~carlcities.carbon.parameters.Parameters` (default: bundled).
    mix : a unit id to force (``'KZ-ALA'``, ``'UZB'``) or a path to a CSV with the columns
        of ``data/typology_mix.csv``.

    References: Yepes-Estrada et al. (2023) (GEM exposure); Deming & Stephan (1940) (IPF).

    Raises
    ------
    ExposureError
        Grids of the wrong shape, negative or NaN population or shares, unknown unit.
    """
    from carlcities.carbon.parameters import load_parameters

    city_id = str(getattr(city, "city_id", city)).lower()
    pop = np.asarray(population, dtype=float)
    bu = np.asarray(builtup_share, dtype=float)
    for name, a in (("population", pop), ("builtup_share", bu)):
        if a.shape != tuple(grid.shape):
            raise ExposureError(f"{name} grid has shape {a.shape}, the city grid {grid.shape}",
                                path=name, fix="put the layer on the city grid first")
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ExposureError(f"{name} has NaN or negative cells", path=name,
                                fix="set nodata cells to 0 before building the exposure")
    params = params if params is not None else load_parameters()
    used: list[dict[str, Any]] = []
    fpp = params.number("floor_area_per_person", city_id, country_iso3, "m^2/person", used,
                        "residential floor area")
    mix_path: str | Path | None = None
    if mix is not None and (Path(str(mix)).suffix.lower() == ".csv"):
        mix_path, unit = mix, CITY_UNITS.get(city_id, country_iso3)
        try:
            table = load_typology_mix(unit, mix_path)
        except ExposureError:
            unit = country_iso3
            table = load_typology_mix(unit, mix_path)
    elif mix is not None:
        unit = str(mix)
        table = load_typology_mix(unit)
    else:
        unit = CITY_UNITS.get(city_id, country_iso3)
        table = load_typology_mix(unit)
    level = table["Res"][0]["level"] if "Res" in table else "country"
    fallback = level != "city"

    cell_m2 = float(grid.cell_area_m2)
    flat_pop = pop.ravel()
    flat_bu = bu.ravel() * cell_m2
    res_floor = flat_pop * fpp
    density = np.divide(flat_pop, flat_bu, out=flat_pop / cell_m2, where=flat_bu > 0)
    xs, ys = (a.ravel() for a in grid.cell_centres())
    lon, lat = _to_lonlat(xs, ys, grid.epsg)

    taxonomies = tuple(MACRO_CLASSES)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("site", "tax", "occ", "st", *_QUANTITIES)}
    for occ in OCCUPANCIES:
        rows = table.get(occ)
        if not rows:
            continue
        if occ == "Res":
            floor = res_floor
        else:
            total = float(res_floor.sum()) * rows[0]["floor_ratio_to_res"]
            weight = flat_bu if flat_bu.sum() > 0 else flat_pop
            floor = total * weight / weight.sum() if weight.sum() > 0 else weight * 0.0
        shares = np.array([r["share_floor_area"] for r in rows])
        A = density_split(floor, density, shares, [r["storeys_class"] for r in rows])
        cells, cls = np.nonzero(A > 0)
        area = A[cells, cls]
        r_arr = {c: np.array([r[c] for r in rows]) for c in MIX_COLUMNS[9:18]}
        parts["site"].append(cells)
        parts["tax"].append(np.array([taxonomies.index(rows[j]["class_id"]) for j in cls],
                                     dtype=np.int64))
        parts["occ"].append(np.full(cells.size, occ))
        parts["st"].append(np.array([r["storeys_class"] for r in rows])[cls])
        apb = r_arr["area_per_building_m2"][cls]
        parts["buildings"].append(np.where(apb > 0, area / np.where(apb > 0, apb, 1), 0.0))
        parts["floor_area_m2"].append(area)
        for lt in ("structural", "nonstructural", "contents"):
            parts[f"value_{lt}"].append(area * r_arr[f"cost_{lt}_per_m2_usd"][cls])
        for tod in ("day", "night", "transit"):
            per_m2 = r_arr[f"occupants_{tod}_per_m2"][cls]
            if occ == "Res":
                census = r_arr["occupants_per_m2"][cls]
                ratio = np.divide(per_m2, census, out=np.zeros_like(per_m2), where=census > 0)
                residents = flat_pop[cells] * area / res_floor[cells]
                parts[f"occupants_{tod}"].append(residents * ratio)
            else:
                parts[f"occupants_{tod}"].append(area * per_m2)

    cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in parts.items()}
    site = cat["site"].astype(np.int64)
    order = np.argsort(site, kind="stable")
    meta = dict(source=f"build_exposure({city_id})", unit=unit, mix_level=level,
                fallback=fallback, mix_source=str(mix_path or
                                                  "carlcities/risk/data/typology_mix.csv"),
                mix={occ: {f"{r['class_id']}/{r['storeys_class']}": r["share_floor_area"]
                           for r in rs} for occ, rs in table.items()},
                floor_area_per_person_m2=fpp, parameters_used=used, epsg=grid.epsg,
                grid_shape=tuple(grid.shape), density_rule="IPF on density percentile "
                "(multi: q, low: 1-q, mixed: 1)", attribution=GEM_SOURCE)
    return Exposure(site=site[order], x=xs[site][order], y=ys[site][order],
                    lon=lon[site][order], lat=lat[site][order],
                    taxonomy=cat["tax"].astype(np.int64)[order], taxonomies=taxonomies,
                    occupancy=cat["occ"][order], storeys=cat["st"][order],
                    **{q: cat[q][order] for q in _QUANTITIES}, meta=meta)


def _to_lonlat(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    t = Transformer.from_crs(epsg, 4326, always_xy=True)
    lon, lat = t.transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)


# ----------------------------------------------------------------------------- GEM CSV
def _read_gem_rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in GEM_COLUMNS if c not in header]
            if missing:
                raise ExposureError(f"GEM exposure CSV lacks columns {missing}", path=path,
                                    fix="give an Exposure_<Occ>_<Country>_Adm1.csv file of the "
                                        "GEM global exposure model (all its columns)")
            return list(reader)
    except OSError as exc:
        raise ExposureError(f"cannot read the GEM exposure CSV ({exc})", path=path,
                            fix="check the path") from None


def read_gem_exposure_csv(path: str | Path, *, grid: Any = None,
                          locations: Mapping[str, tuple[float, float]] | None = None
                          ) -> Exposure:
    """Read a GEM global exposure model CSV (one row per Adm unit, occupancy, taxonomy).

    Columns: ``ID_0, NAME_0, ID_1, NAME_1, SETTLEMENT, OCCUPANCY, TAXONOMY, BUILDINGS,
    TOTAL_REPL_COST_USD, COST_STRUCTURAL_USD, COST_NONSTRUCTURAL_USD, COST_CONTENTS_USD
    [USD], TOTAL_AREA_SQM [m²], OCCUPANTS_PER_ASSET[_DAY|_NIGHT|_TRANSIT] [persons]``;
    optional ``LONGITUDE, LATITUDE`` [degrees]. Adm1 rows have no coordinates: give
    ``locations`` {ID_1: (lon, lat)}. Empty occupant fields count as 0 (their number goes to
    ``meta['empty_occupant_fields']``). Taxonomies are kept as GEM strings (use
    ``.recoded(macro_class)`` for the ten classes).

    Sites: with ``grid``, the flat index of the grid cell holding the location (x, y in the
    grid CRS); without, the position of ``ID_1`` in the sorted list of units
    (``meta['site_ids']``).

    References: Yepes-Estrada et al. (2023), data format of github.com/gem/global_exposure_model.

    Raises
    ------
    ExposureError
        Missing columns, non-numeric or negative values (naming file and row), a location
        outside the grid, a grid without locations.
    """
    path = Path(path)
    rows = _read_gem_rows(path)
    has_xy = rows and "LONGITUDE" in rows[0] and "LATITUDE" in rows[0]
    num = {"BUILDINGS": "buildings", "TOTAL_AREA_SQM": "floor_area_m2",
           "COST_STRUCTURAL_USD": "value_structural",
           "COST_NONSTRUCTURAL_USD": "value_nonstructural",
           "COST_CONTENTS_USD": "value_contents", "OCCUPANTS_PER_ASSET_DAY": "occupants_day",
           "OCCUPANTS_PER_ASSET_NIGHT": "occupants_night",
           "OCCUPANTS_PER_ASSET_TRANSIT": "occupants_transit"}
    vals = {v: np.zeros(len(rows)) for v in num.values()}
    lon = np.full(len(rows), np.nan)
    lat = np.full(len(rows), np.nan)
    empty = 0
    for i, r in enumerate(rows):
        line = i + 2
        if r["OCCUPANCY"] not in OCCUPANCIES:
            raise ExposureError(f"row {line}: unknown OCCUPANCY {r['OCCUPANCY']!r}", path=path,
                                fix="OCCUPANCY is Res, Com or Ind")
        for col, name in num.items():
            txt = (r[col] or "").strip()
            if txt == "":
                if col.startswith("OCCUPANTS"):
                    empty += 1
                    continue
                raise ExposureError(f"row {line}: {col} is empty", path=path,
                                    fix=f"fill {col} (0 where there is nothing)")
            try:
                v = float(txt)
            except ValueError:
                raise ExposureError(f"row {line}: {col} is not a number ({txt!r})",
                                    path=path, fix=f"write a number in {col}") from None
            if not np.isfinite(v) or v < 0:
                raise ExposureError(f"row {line}: {col} is negative or not finite ({txt})",
                                    path=path, fix=f"{col} must be a finite value ≥ 0")
            vals[name][i] = v
        if has_xy:
            try:
                lon[i], lat[i] = float(r["LONGITUDE"]), float(r["LATITUDE"])
            except ValueError:
                raise ExposureError(f"row {line}: LONGITUDE/LATITUDE not numbers", path=path,
                                    fix="write decimal degrees") from None
        elif locations is not None and r["ID_1"] in locations:
            lon[i], lat[i] = locations[r["ID_1"]]
    ids = sorted({r["ID_1"] for r in rows})
    unit_idx = np.array([ids.index(r["ID_1"]) for r in rows], dtype=np.int64)
    x = np.full(len(rows), np.nan)
    y = np.full(len(rows), np.nan)
    site = unit_idx
    if grid is not None:
        if np.any(np.isnan(lon)):
            i = int(np.argmax(np.isnan(lon)))
            raise ExposureError(f"row {i + 2}: unit {rows[i]['ID_1']!r} has no location",
                                path=path, fix="pass locations={ID_1: (lon, lat)} or add "
                                               "LONGITUDE/LATITUDE columns")
        from pyproj import Transformer

        x, y = Transformer.from_crs(4326, grid.epsg, always_xy=True).transform(lon, lat)
        x, y = np.asarray(x, float), np.asarray(y, float)
        col = np.floor((x - grid.x0) / grid.res).astype(np.int64)
        row = np.floor((grid.y0 - y) / grid.res).astype(np.int64)
        out = (col < 0) | (col >= grid.width) | (row < 0) | (row >= grid.height)
        if out.any():
            i = int(np.argmax(out))
            raise ExposureError(f"row {i + 2}: location of {rows[i]['ID_1']!r} lies outside "
                                "the city grid", path=path,
                                fix="drop the rows of other units (subset) or enlarge the grid")
        site = row * grid.width + col
    taxa = sorted({r["TAXONOMY"] for r in rows})
    tax = np.array([taxa.index(r["TAXONOMY"]) for r in rows], dtype=np.int64)
    meta = dict(source=str(path), site_ids=ids, empty_occupant_fields=empty,
                attribution=GEM_SOURCE, id_1=np.array([r["ID_1"] for r in rows]))
    return Exposure(site=site, x=x, y=y, lon=lon, lat=lat, taxonomy=tax, taxonomies=tuple(taxa),
                    occupancy=np.array([r["OCCUPANCY"] for r in rows], dtype="<U3"),
                    storeys=np.array([storeys_class(r["TAXONOMY"]) for r in rows]),
                    **vals, meta=meta)


# ----------------------------------------------------------------------------- facilities
@dataclass(frozen=True, eq=False)
class CriticalFacilities:
    """Hospitals, schools and fire stations as points.

    ``type`` (hospital / school / fire_station), ``x``/``y`` [m] in the grid CRS, ``lon``/
    ``lat`` [degrees], ``site`` flat grid-cell index, ``taxonomy`` the assumed class
    (:data:`FACILITY_TYPOLOGY`), ``osm_id``; ``meta`` says where they came from.
    """

    type: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    site: np.ndarray
    taxonomy: np.ndarray
    osm_id: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.type.size)

    def counts(self) -> dict[str, int]:
        return {t: int(np.sum(self.type == t)) for t in FACILITY_TYPOLOGY}


def critical_facilities(osm_path: str | Path | None, grid: Any) -> CriticalFacilities:
    """Hospitals, schools and fire stations of an OSM PBF extract inside the city grid.

    Read with :func:`carlcities.io.osm.read_osm` (its destination types ``hospital``,
    ``school``, ``fire_station``); the building class is *assumed* per type
    (:data:`FACILITY_TYPOLOGY`, recorded in ``meta``). ``osm_path=None`` gives an empty set.
    """
    empty = CriticalFacilities(*(np.empty(0, dtype=d) for d in
                                 ("<U12", float, float, float, float, np.int64, "<U10",
                                  np.int64)),
                               meta=dict(source="none", typology_assumption=FACILITY_TYPOLOGY))
    if osm_path is None:
        return empty
    from carlcities.io.osm import read_osm

    data = read_osm(osm_path, grid.epsg, bounds=grid.bounds)
    d = data.destinations
    keep = np.isin(d.type, list(FACILITY_TYPOLOGY))
    x, y = np.asarray(d.x, float)[keep], np.asarray(d.y, float)[keep]
    types = np.asarray(d.type)[keep].astype("<U12")
    col = np.clip(np.floor((x - grid.x0) / grid.res).astype(np.int64), 0, grid.width - 1)
    row = np.clip(np.floor((grid.y0 - y) / grid.res).astype(np.int64), 0, grid.height - 1)
    lon, lat = _to_lonlat(x, y, grid.epsg) if x.size else (x.copy(), y.copy())
    return CriticalFacilities(
        type=types, x=x, y=y, lon=lon, lat=lat, site=row * grid.width + col,
        taxonomy=np.array([FACILITY_TYPOLOGY[t] for t in types], dtype="<U10"),
        osm_id=np.asarray(d.osm_id)[keep].astype(np.int64),
        meta=dict(source=str(osm_path), typology_assumption=FACILITY_TYPOLOGY,
                  note="building class assumed per facility type (project assumption)"))
