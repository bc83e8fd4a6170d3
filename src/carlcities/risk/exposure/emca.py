"""The EMCA residential exposure (GFZ Potsdam, MIT licence): reading it, its classes, and
putting it on a city's grid.

Pittore, Haas & Silva (2020) built a variable-resolution residential exposure model for the
five Central Asian countries: per cell of a centroidal Voronoi tessellation (small cells in
towns, large ones in the steppe), the expected number of buildings, occupants and replacement
value for 15 EMCA building types plus ``OTH``. The data package has, per country, a CSV
(``exposure_cvt_<iso3>_pw10_eps001_v20190205.csv``: ``cell_id``, and for each type ``T`` the
columns ``T`` [buildings], ``pop_T`` [persons], ``val_T`` [currency]) and a shapefile of the
cells (``cvt_<iso3>.shp``, field ``cell_id``, EPSG:4326).

* :func:`read_emca` reads one country (CSV joined to its cells), checks it and converts the
  values to USD;
* :func:`emca_totals_in` sums buildings, occupants and value inside a polygon (cells cut by
  the polygon count with the share of their area inside);
* :func:`emca_exposure` puts the cells on a city grid as an :class:`Exposure` of residential
  assets in the carlcities classes (``data/emca_taxonomy_mapping.csv``).

The package does not state the currency of the values. They are read as USD (``currency``
default): the five-country total (6.7e11) is of the order of the GEM model's USD 802 bn for all
occupancies, and an adobe house at about 6,200 is a USD figure, not a som or tenge one. Give
``currency`` and ``usd_rate`` when a copy is in another currency.

References
----------
Pittore, M., Haas, M. & Silva, V. (2020). Variable resolution probabilistic modeling of
residential exposure and vulnerability for risk applications. Earthquake Spectra 36(S1).
Data: github.com/GFZ-Centre-for-Early-Warning/EMCA-Exposure @ b42c8c12 (MIT).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError
from carlcities.risk.exposure.model import QUANTITIES, Exposure

__all__ = ["EMCA_TYPES", "EMCA_MAPPING_FILE", "EmcaCells", "read_emca", "emca_mapping",
           "emca_totals_in", "emca_exposure", "emca_csv_path"]

#: the 15 EMCA building types and OTH, in the column order of the data package
EMCA_TYPES = ("URM1", "URM2", "CM", "RM-L", "RM-M", "RC1", "RC2", "RC3", "RC4", "RCPC1",
              "RCPC2", "ADO", "WOOD1", "WOOD2", "STEEL", "OTH")
EMCA_MAPPING_FILE = Path(__file__).resolve().parents[1] / "data" / "emca_taxonomy_mapping.csv"
_ISO3 = ("kaz", "kgz", "tjk", "tkm", "uzb")


@dataclass(frozen=True, eq=False)
class EmcaCells:
    """One country's EMCA cells: per cell and type, buildings, occupants and value [USD].

    ``buildings``, ``occupants``, ``value`` have shape (n_cells, n_types) in the order of
    ``types``; ``geometry`` is a GeoSeries of the cell polygons (EPSG:4326).
    """

    iso3: str
    cell_id: np.ndarray
    types: tuple[str, ...]
    buildings: np.ndarray
    occupants: np.ndarray
    value: np.ndarray
    geometry: Any
    source: str
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.cell_id.size)


def emca_csv_path(directory: str | Path, iso3: str) -> Path:
    """The CSV of a country in an EMCA data directory (prior strength 10, the package's
    first model)."""
    d = Path(directory)
    hits = sorted(d.glob(f"exposure_cvt_{iso3.lower()}_pw10_*.csv")) or \
        sorted(d.glob(f"exposure_cvt_{iso3.lower()}_*.csv"))
    if not hits:
        raise ExposureError(f"no EMCA exposure CSV for {iso3.upper()} in the directory",
                            path=d, fix="point risk.emca_dir at the EMCA data directory "
                            f"(with exposure_cvt_{iso3.lower()}_pw10_eps001_*.csv and "
                            f"cvt_{iso3.lower()}.shp)")
    return hits[0]


def emca_mapping(path: str | Path | None = None) -> dict[str, str]:
    """EMCA type → carlcities class from the mapping CSV (``emca_type``, ``class_id``)."""
    from carlcities.risk.exposure.model import MACRO_CLASSES

    p = Path(path) if path else EMCA_MAPPING_FILE
    try:
        lines = [ln for ln in p.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")]
    except OSError as exc:
        raise ExposureError(f"cannot read the EMCA class mapping: {exc.strerror}", path=p,
                            fix="give a CSV with the columns emca_type, class_id") from None
    out: dict[str, str] = {}
    for i, r in enumerate(csv.DictReader(lines), start=2):
        t, c = (r.get("emca_type") or "").strip(), (r.get("class_id") or "").strip()
        if c not in MACRO_CLASSES:
            raise ExposureError(f"row {i}: class {c!r} of EMCA type {t!r} is not a carlcities "
                                "class", path=p, fix="use one of " + ", ".join(MACRO_CLASSES))
        out[t] = c
    return out


def read_emca(csv_path: str | Path, shapefile: str | Path | None = None, *,
              currency: str = "USD", usd_rate: float | None = None,
              mapping: dict[str, str] | None = None) -> EmcaCells:
    """Read one country's EMCA exposure: the CSV and its cells' shapefile.

    Parameters
    ----------
    csv_path : ``exposure_cvt_<iso3>_*.csv``.
    shapefile : ``cvt_<iso3>.shp`` (default: beside the CSV).
    currency : currency of the ``val_*`` columns; ``'USD'`` (default, see the module note)
        or another ISO 4217 code, which needs ``usd_rate``.
    usd_rate : USD per unit of ``currency``.
    mapping : EMCA type → class (default: the packaged mapping); every building type of the
        file must be in it.

    Raises
    ------
    ExposureError
        Naming the file: a missing file, a building type the mapping does not know, a type
        without its ``pop_`` or ``val_`` column, negative or missing numbers, cells without
        geometry (or not in the shapefile), a currency other than USD without a rate.
    """
    import geopandas as gpd
    import pandas as pd

    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise ExposureError("EMCA exposure CSV not found", path=csv_path,
                            fix="check the path (exposure_cvt_<iso3>_pw10_eps001_*.csv)")
    iso3 = next((c for c in _ISO3 if f"_{c}_" in csv_path.name.lower()), "")
    shp = Path(shapefile) if shapefile else csv_path.with_name(f"cvt_{iso3}.shp")
    cur = str(currency).upper()
    if cur != "USD":
        if usd_rate is None or not np.isfinite(usd_rate) or usd_rate <= 0:
            raise ExposureError(f"values in {cur} without an exchange rate", path=csv_path,
                                fix="give usd_rate= (USD per unit of "
                                    f"{cur}) or give the values in USD")
    rate = 1.0 if cur == "USD" else float(usd_rate)  # type: ignore[arg-type]
    try:
        df = pd.read_csv(csv_path)
    except (OSError, ValueError) as exc:
        raise ExposureError(f"cannot read the EMCA CSV: {exc}", path=csv_path,
                            fix="give the CSV of the EMCA data package") from None
    if "cell_id" not in df.columns:
        raise ExposureError("no 'cell_id' column", path=csv_path,
                            fix="the EMCA CSV links cells to the shapefile by cell_id")
    mp = emca_mapping() if mapping is None else mapping
    skip = {"cell_id", "name_en", "lat", "lon", "bdg_tot", "pop_tot", "val_tot"}
    types = [c for c in df.columns if c not in skip and not c.startswith(("pop_", "val_"))]
    unknown = [t for t in types if t not in mp]
    if unknown:
        raise ExposureError(f"unknown building type(s) {unknown}", path=csv_path,
                            fix="add them to the EMCA class mapping "
                                f"({EMCA_MAPPING_FILE.name}: emca_type, class_id)")
    for t in types:
        for pre, what in (("pop_", "occupant"), ("val_", "value")):
            if pre + t not in df.columns:
                raise ExposureError(f"building type {t!r} has no {what} column {pre + t!r}",
                                    path=csv_path, fix="give buildings, pop_ and val_ "
                                                       "columns for every type")
    arrays = {}
    for key, pre in (("buildings", ""), ("occupants", "pop_"), ("value", "val_")):
        a = df[[pre + t for t in types]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        if not np.all(np.isfinite(a)):
            r = int(np.argwhere(~np.isfinite(a))[0][0])
            raise ExposureError(f"missing or non-numeric {key} in row {r + 2} (cell "
                                f"{df['cell_id'].iloc[r]})", path=csv_path,
                                fix="fill the cell's numbers (0 where there is nothing)")
        if np.any(a < 0):
            raise ExposureError(f"negative {key}", path=csv_path, fix="quantities are ≥ 0")
        arrays[key] = a
    arrays["value"] = arrays["value"] * rate
    if not shp.exists():
        raise ExposureError("the cells' shapefile is missing", path=shp,
                            fix=f"put cvt_{iso3}.shp (with .shx, .dbf, .prj) beside the CSV")
    try:
        cells = gpd.read_file(shp)
    except Exception as exc:  # noqa: BLE001 - pyogrio/fiona errors vary
        raise ExposureError(f"cannot read the cells: {exc}", path=shp,
                            fix="give the shapefile of the EMCA data package") from None
    if "cell_id" not in cells.columns:
        raise ExposureError("no 'cell_id' field", path=shp, fix="the cells carry cell_id")
    cells = cells.to_crs(4326) if cells.crs is not None else cells.set_crs(4326)
    geom = cells.set_index("cell_id").geometry
    ids = df["cell_id"].to_numpy()
    missing = ~np.isin(ids, geom.index.to_numpy())
    empty = np.zeros(ids.size, bool)
    if not missing.any():
        g = geom.reindex(ids)
        empty = g.isna().to_numpy() | g.is_empty.to_numpy()
    bad = missing | empty
    if bad.any():
        raise ExposureError(f"{int(bad.sum())} cell(s) without geometry (first: cell_id "
                            f"{ids[bad][0]})", path=shp,
                            fix="use the shapefile of the same EMCA release as the CSV")
    return EmcaCells(iso3=iso3.upper(), cell_id=ids, types=tuple(types),
                     geometry=geom.reindex(ids).reset_index(drop=True),
                     source=f"EMCA exposure {csv_path.name} (Pittore, Haas & Silva 2020; MIT)",
                     meta=dict(currency=cur, usd_rate=rate, mapping=dict(mp),
                               csv=str(csv_path), shapefile=str(shp)), **arrays)


def _area_share(cells: EmcaCells, polygon: Any, epsg: int) -> np.ndarray:
    """Share of each cell's area inside ``polygon`` (both in EPSG:4326, areas in ``epsg``)."""
    import geopandas as gpd

    g = gpd.GeoSeries(cells.geometry.values, crs=4326)
    cand = np.flatnonzero(g.intersects(polygon).to_numpy())
    share = np.zeros(len(cells))
    if cand.size:
        sub = g.iloc[cand].to_crs(epsg)
        poly = gpd.GeoSeries([polygon], crs=4326).to_crs(epsg).iloc[0]
        a = sub.area.to_numpy()
        inside = sub.intersection(poly).area.to_numpy()
        share[cand] = np.divide(inside, a, out=np.zeros_like(a), where=a > 0)
    return np.clip(share, 0.0, 1.0)


def emca_totals_in(cells: EmcaCells, polygon: Any, epsg: int) -> dict[str, Any]:
    """Buildings, occupants [persons] and value [USD] of the EMCA cells inside ``polygon``
    (EPSG:4326), each cell weighted by the share of its area inside (uniform density within a
    cell); also the totals by carlcities class (``by_class``)."""
    w = _area_share(cells, polygon, epsg)
    mp = cells.meta["mapping"]
    by: dict[str, dict[str, float]] = {}
    for j, t in enumerate(cells.types):
        d = by.setdefault(mp[t], {"buildings": 0.0, "occupants": 0.0, "value_usd": 0.0})
        d["buildings"] += float(w @ cells.buildings[:, j])
        d["occupants"] += float(w @ cells.occupants[:, j])
        d["value_usd"] += float(w @ cells.value[:, j])
    return dict(buildings=float((w @ cells.buildings).sum()),
                occupants=float((w @ cells.occupants).sum()),
                value_usd=float((w @ cells.value).sum()), cells=int((w > 0).sum()),
                by_class=by)


def emca_exposure(cells: EmcaCells, grid: Any, population: np.ndarray, *,
                  unit: str | None = None, builtup: np.ndarray | None = None) -> Exposure:
    """The EMCA residential assets on a city grid, in carlcities classes.

    Each EMCA cell's buildings, occupants and value are spread over the grid cells whose
    centre lies in it, in proportion to the grid's residents — where the grid has no resident
    in the EMCA cell, in proportion to its built-up share (``builtup``), and where it has
    neither, at the one grid cell nearest the middle of the covered part (as EMCA's own NRML
    exposure puts a cell's assets at one point) — and
    multiplied by the share of the EMCA cell's area that the grid covers (so that a large
    cell reaching beyond the grid brings only its part). Occupants: EMCA's are residents; night,
    day and transit occupants are residents × the GEM ratios of the class (``unit``'s mix, as
    :func:`carlcities.risk.exposure.build_exposure`); floor area = value / GEM cost per m²;
    value split into structural, non-structural and contents by the GEM cost shares.
    """
    import geopandas as gpd
    from rasterio.features import rasterize

    from carlcities.risk.exposure.builder import to_lonlat
    from carlcities.risk.exposure.mixes import load_typology_mix
    from carlcities.risk.exposure.model import MACRO_CLASSES

    pop = np.asarray(population, float)
    if pop.shape != tuple(grid.shape):
        raise ExposureError(f"population grid has shape {pop.shape}, the city grid "
                            f"{grid.shape}", path=cells.source, fix="put it on the city grid")
    g = gpd.GeoSeries(cells.geometry.values, crs=4326).to_crs(grid.epsg)
    xmin, ymin, xmax, ymax = grid.bounds
    near = np.flatnonzero(g.intersects(gpd.GeoSeries.from_xy([xmin, xmax], [ymin, ymax])
                                       .union_all().envelope).to_numpy())
    label = np.full(grid.shape, -1, np.int64)
    if near.size:
        label = rasterize(((g.iloc[i], int(i)) for i in near), out_shape=grid.shape,
                          transform=grid.transform, fill=-1, dtype="int64")
    flat = label.ravel()
    on = flat >= 0
    cid = flat[on]
    cell_m2 = float(grid.cell_area_m2)
    covered = np.bincount(cid, minlength=len(cells)) * cell_m2
    area = g.area.to_numpy()
    share = np.clip(np.divide(covered, area, out=np.zeros_like(area), where=area > 0), 0, 1)
    p = np.where(pop.ravel()[on] > 0, pop.ravel()[on], 0.0)
    psum = np.bincount(cid, weights=p, minlength=len(cells))
    bu = np.zeros_like(p) if builtup is None else np.nan_to_num(
        np.clip(np.asarray(builtup, float).ravel()[on], 0, None))
    bsum = np.bincount(cid, weights=bu, minlength=len(cells))
    wt = np.where(psum[cid] > 0, p / np.where(psum[cid] > 0, psum[cid], 1),
                  np.where(bsum[cid] > 0, bu / np.where(bsum[cid] > 0, bsum[cid], 1), 0.0))
    gx, gy = (a.ravel()[on] for a in grid.cell_centres())
    for c in np.unique(cid[(psum[cid] <= 0) & (bsum[cid] <= 0)]):  # neither: one grid cell
        idx = np.flatnonzero(cid == c)
        d = np.hypot(gx[idx] - gx[idx].mean(), gy[idx] - gy[idx].mean())
        wt[idx[np.argmin(d)]] = 1.0
    wt = wt * share[cid]
    gridcell = np.flatnonzero(on)
    mp = cells.meta["mapping"]
    classes = tuple(MACRO_CLASSES)
    ratios: dict[str, dict[str, float]] = {}
    if unit:
        for r in load_typology_mix(unit).get("Res", []):
            occ = r["occupants_per_m2"]
            ratios[r["class_id"]] = dict(
                day=r["occupants_day_per_m2"] / occ if occ > 0 else 0.0,
                night=r["occupants_night_per_m2"] / occ if occ > 0 else 1.0,
                transit=r["occupants_transit_per_m2"] / occ if occ > 0 else 0.0,
                cost=r["cost_structural_per_m2_usd"] + r["cost_nonstructural_per_m2_usd"],
                s=r["cost_structural_per_m2_usd"], c=r["cost_contents_per_m2_usd"])
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("site", "tax", *QUANTITIES)}
    for j, t in enumerate(cells.types):
        k = mp[t]
        b, o, v = (cells.buildings[cid, j] * wt, cells.occupants[cid, j] * wt,
                   cells.value[cid, j] * wt)
        keep = (b > 0) | (o > 0) | (v > 0)
        if not keep.any():
            continue
        r = ratios.get(k, dict(day=0.17, night=1.0, transit=0.45, cost=0.0, s=0.0, c=0.0))
        s_share = r["s"] / r["cost"] if r["cost"] > 0 else 1.0
        c_ratio = r["c"] / r["cost"] if r["cost"] > 0 else 0.0
        parts["site"].append(gridcell[keep])
        parts["tax"].append(np.full(int(keep.sum()), classes.index(k)))
        parts["buildings"].append(b[keep])
        parts["floor_area_m2"].append(v[keep] / r["cost"] if r["cost"] > 0 else 0 * v[keep])
        parts["value_structural"].append(v[keep] * s_share)
        parts["value_nonstructural"].append(v[keep] * (1 - s_share))
        parts["value_contents"].append(v[keep] * c_ratio)
        for tod in ("day", "night", "transit"):
            parts[f"occupants_{tod}"].append(o[keep] * r[tod])
    cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in parts.items()}
    site = cat["site"].astype(np.int64)
    order = np.argsort(site, kind="stable")
    xs, ys = (a.ravel() for a in grid.cell_centres())
    lon, lat = to_lonlat(xs[site], ys[site], grid.epsg)
    return Exposure(site=site[order], x=xs[site][order], y=ys[site][order], lon=lon[order],
                    lat=lat[order], taxonomy=cat["tax"].astype(np.int64)[order],
                    taxonomies=classes, occupancy=np.full(site.size, "Res"),
                    storeys=np.full(site.size, ""), **{q: cat[q][order] for q in QUANTITIES},
                    meta=dict(source=cells.source, unit=unit, fallback=False,
                              currency=cells.meta["currency"], usd_rate=cells.meta["usd_rate"],
                              spread="EMCA cell totals × grid share of the cell, spread by "
                                     "residents (built-up share, else one point, where none)",
                              attribution="EMCA exposure, GFZ Potsdam (Pittore, Haas & Silva "
                                          "2020), MIT licence"))
