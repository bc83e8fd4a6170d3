"""Reading an exposure model in the GEM global exposure model CSV format.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError
from carlcities.risk.exposure.model import (
    GEM_COLUMNS,
    GEM_SOURCE,
    OCCUPANCIES,
    Exposure,
    storeys_class,
)

__all__ = ["read_gem_exposure_csv", "read_gem_rows"]


# ----------------------------------------------------------------------------- GEM CSV
def read_gem_rows(path: Path) -> list[dict[str, str]]:
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
    rows = read_gem_rows(path)
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
