"""The exposure model: assets (buildings by typology and occupancy at sites) with their
values and occupants, typology classes and storeys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from carlcities.errors import ExposureError

__all__ = [
    "Exposure", "concat_exposures", "join_exposures",
    "macro_class", "storeys_class", "OCCUPANCIES", "MACRO_CLASSES", "CITY_UNITS",
    "FACILITY_TYPOLOGY", "QUANTITIES", "GEM_COLUMNS", "GEM_SOURCE", "COUNTRY_ISO3",
    "unplaced"
]


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
QUANTITIES = ("buildings", "floor_area_m2", "value_structural", "value_nonstructural",
               "value_contents", "occupants_day", "occupants_night", "occupants_transit")
COUNTRY_ISO3 = {"Kazakhstan": "KAZ", "Kyrgyzstan": "KGZ", "Tajikistan": "TJK",
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
                "lat": float, **{q: float for q in QUANTITIES}}
        for name, dt in conv.items():
            object.__setattr__(self, name, _column(getattr(self, name), dt))
        object.__setattr__(self, "occupancy", np.asarray(self.occupancy, dtype="<U3").ravel())
        object.__setattr__(self, "taxonomies", tuple(str(t) for t in self.taxonomies))
        st = self.storeys if self.storeys is not None else np.full(n, "", dtype="<U6")
        object.__setattr__(self, "storeys", _column(st, "<U6"))
        where = self.meta.get("source", "exposure")
        for name in (*conv, "occupancy", "storeys"):
            if getattr(self, name).size != n:
                raise ExposureError(f"array {name!r} has {getattr(self, name).size} values for "
                                    f"{n} assets", path=where,
                                    fix="give every asset array the same length")
        for name in QUANTITIES:
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
        value = self.value_total  # once, not per class
        for code, name in enumerate(self.taxonomies):
            m = self.taxonomy == code
            if not m.any():
                continue
            out[name] = self._totals(m, total_area, value)
        out["TOTAL"] = self._totals(np.ones(len(self), bool), total_area, value)
        return out

    def _totals(self, m: np.ndarray, total_area: float, value: np.ndarray
                ) -> dict[str, float]:
        area = float(self.floor_area_m2[m].sum())
        return {"assets": float(m.sum()), "buildings": float(self.buildings[m].sum()),
                "floor_area_m2": area, "value_usd": float(value[m].sum()),
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
        kw = {q: getattr(self, q) * fa for q in QUANTITIES}
        meta = dict(self.meta, scaled=True)
        return replace(self, **kw, meta=meta)

    def without_positions(self) -> Exposure:
        """The same assets without their positions and storeys classes: x, y, lon and lat
        NaN and storeys ``''``, each one value seen by every asset, not a column.

        What the hazards on the city grid need (an asset's site is its grid cell; the
        earthquake places its blocks itself, :func:`carlcities.risk.sites.coarsen_sites`):
        56 bytes an asset less, 0.16 GB of Tashkent's 2.8 M assets held through the hazards.
        """
        u = unplaced(len(self))
        return replace(self, x=u["x"], y=u["y"], lon=u["lon"], lat=u["lat"],
                       storeys=u["storeys"], meta=dict(self.meta))

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


def concat_exposures(*parts: Exposure, meta: dict[str, Any] | None = None) -> Exposure:
    """The assets of several exposures in one (taxonomies merged by name, in first-seen
    order; sites kept as they are, so the parts must number sites alike, e.g. grid cells)."""
    return join_exposures(list(parts), meta=meta)


def join_exposures(parts: list[Exposure], meta: dict[str, Any] | None = None) -> Exposure:
    """:func:`concat_exposures` of the exposures in ``parts``, which is emptied: their columns
    are joined one at a time and each part's column dropped once joined, so parts that nothing
    else holds are freed as they are joined (one joined column more than the parts at once,
    not the whole joined exposure: with the grid exposure built without the residential
    assets EMCA replaces, Tashkent's worker peaks at 1.5 GB instead of 1.9 GB;
    ``benchmarks/results/memory.json``)."""
    names: list[str] = []
    for taxonomies in (e.taxonomies for e in parts):
        names += [t for t in taxonomies if t not in names]
    meta = dict(meta if meta is not None else parts[0].meta)
    codes = [np.array([names.index(t) for t in e.taxonomies], np.int64) for e in parts]
    tax = np.concatenate([c[e.taxonomy] if len(e) else np.empty(0, np.int64)
                          for c, e in zip(codes, parts)])
    cols = [f.name for f in fields(Exposure) if f.name not in ("taxonomies", "meta",
                                                                 "taxonomy")]
    held = [{c: getattr(e, c) for c in cols} for e in parts]
    parts.clear()
    kw = {c: _joined([h.pop(c) for h in held]) for c in cols}
    return Exposure(**kw, taxonomy=tax, taxonomies=tuple(names), meta=meta)


def unplaced(n: int) -> dict[str, np.ndarray]:
    """The position and storeys columns of ``n`` assets without them (x, y, lon, lat NaN,
    storeys ``''``), each one value broadcast to every asset: :meth:`Exposure.without_positions`
    and ``build_exposure(positions=False)``."""
    nan = np.broadcast_to(np.float64(np.nan), (n,))
    return dict(x=nan, y=nan, lon=nan, lat=nan,
                storeys=np.broadcast_to(np.array("", dtype="<U6"), (n,)))


def _column(a: Any, dtype: Any) -> np.ndarray:
    """An asset column as a flat array of ``dtype``; one value seen by every asset (a
    broadcast, :meth:`Exposure.without_positions`) stays one value."""
    a = np.asarray(a, dtype=dtype)
    return a if _constant(a) else a.ravel()


def _constant(a: np.ndarray) -> bool:
    """Whether ``a`` is one value seen by all its elements (a 1-D broadcast)."""
    return a.ndim == 1 and a.size > 1 and a.strides == (0,)


def _joined(columns: list[np.ndarray]) -> np.ndarray:
    """The parts' column joined: one value again where every part holds the same one value
    (the positions of exposures :meth:`~Exposure.without_positions`), else concatenated."""
    n = sum(c.size for c in columns)
    filled = [c for c in columns if c.size]
    if any(_constant(c) for c in filled) and all(_constant(c) or c.size == 1 for c in filled):
        v = filled[0][:1]
        if all(np.array_equal(c[:1], v, equal_nan=v.dtype.kind == "f") for c in filled):
            return np.broadcast_to(v, (n,)) if n > 1 else v.copy()
    return np.concatenate(columns)
