"""The packaged per-city extract of the EMCA residential exposure, and the city's residential
exposure from it (or from the full EMCA data).

The EMCA exposure (GFZ Potsdam: Pittore, Haas & Silva 2020, MIT licence) covers the five
countries with Voronoi cells; the study needs only the cells under its 48 city grids. The
extract ``data/emca_city_extract.csv.gz`` holds those cells (every country's cells that meet a
city's default grid enlarged by :data:`MARGIN`), with the package's own numbers: per cell
``iso3``, ``cell_id``, the cell polygon as WKT (WGS 84, 5 decimals ≈ 1 m) and, for each EMCA
type ``T``, ``T`` [buildings], ``pop_T`` [residents] and ``val_T`` [USD as read, see
:mod:`.emca`]. It is made from the data package by::

    python -m carlcities.risk.exposure.emca_extract /path/to/emca_exposure [out.csv.gz]

The MIT licence of the package allows redistributing this derived extract; its copyright
notice travels with it (``data/LICENSE_EMCA``).

:func:`city_emca_exposure` gives a city's residential assets on its grid from the extract (or
from a full EMCA data directory) when the cells cover the city — at least :data:`MIN_COVER` of
the grid's residents lie in EMCA cells — and says why not otherwise.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import ExposureError
from carlcities.risk.exposure.emca import EMCA_TYPES, EmcaCells, emca_exposure, emca_mapping

__all__ = ["EXTRACT_PATH", "LICENSE_PATH", "MARGIN", "MIN_COVER", "build_extract",
           "read_extract", "city_emca_exposure", "EMCA_ATTRIBUTION"]

_DATA = Path(__file__).resolve().parents[1] / "data"
EXTRACT_PATH = _DATA / "emca_city_extract.csv.gz"
LICENSE_PATH = _DATA / "LICENSE_EMCA"
#: the extract holds the cells meeting each city's default grid enlarged by this factor [-]
MARGIN = 1.5
#: EMCA covers a city when at least this share of the grid's residents lies in its cells [-]
MIN_COVER = 0.9
EMCA_ATTRIBUTION = ("EMCA residential exposure, GFZ Potsdam (Pittore, Haas & Silva 2020, "
                    "Earthquake Spectra 36(S1)), MIT licence")
_COLS = tuple(f"{p}{t}" for t in EMCA_TYPES for p in ("", "pop_", "val_"))
_ISO3 = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


def build_extract(emca_dir: str | Path, out: str | Path = EXTRACT_PATH, *,
                  margin: float = MARGIN) -> dict[str, Any]:
    """Write the per-city extract from an EMCA data directory; returns counts and the size."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from carlcities.catalog import load_catalog
    from carlcities.grid import CityGrid, for_city
    from carlcities.risk.exposure.emca import emca_csv_path, read_emca

    countries = {iso: read_emca(emca_csv_path(emca_dir, iso)) for iso in _ISO3}
    boxes = []
    for c in load_catalog():
        g = for_city(c, epochs=[1990, 2000, 2010, 2020])
        big = CityGrid.around(c.city_id, c.lon, c.lat, margin * g.width * g.res / 2, res=g.res)
        boxes.append(gpd.GeoSeries([box(*big.bounds)], crs=big.epsg).to_crs(4326).iloc[0])
    area = gpd.GeoSeries(boxes, crs=4326).union_all()
    frames = []
    for iso, cells in countries.items():
        geo = gpd.GeoSeries(cells.geometry.values, crs=4326)
        keep = np.flatnonzero(geo.intersects(area).to_numpy())
        if not keep.size:
            continue
        df = pd.DataFrame({"iso3": iso, "cell_id": cells.cell_id[keep],
                           "wkt": geo.iloc[keep].to_wkt(rounding_precision=5).to_numpy()})
        for j, t in enumerate(cells.types):
            df[t] = cells.buildings[keep, j]
            df["pop_" + t] = cells.occupants[keep, j]
            df["val_" + t] = cells.value[keep, j]
        frames.append(df)
    out = Path(out)
    full = pd.concat(frames, ignore_index=True)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# EMCA residential exposure (GFZ Potsdam; Pittore, Haas & Silva 2020), cells "
                "under the carlcities city grids; MIT licence, see LICENSE_EMCA\n")
        full.to_csv(f, index=False, float_format="%.10g")
    return dict(cells=len(full), by_country=full.groupby("iso3").size().to_dict(),
                bytes=out.stat().st_size, path=str(out))


_CACHE: dict[str, EmcaCells] = {}


def read_extract(path: str | Path | None = None) -> EmcaCells:
    """The extract's cells (all countries) as :class:`EmcaCells` (cached per path).

    Raises :class:`ExposureError` naming the file for a missing file, a missing column, a
    non-numeric or negative number, or a cell without geometry."""
    import geopandas as gpd
    import pandas as pd

    p = Path(path) if path else EXTRACT_PATH
    key = str(p)
    if key in _CACHE:
        return _CACHE[key]
    try:
        df = pd.read_csv(p, comment="#")
    except (OSError, ValueError) as exc:
        raise ExposureError(f"cannot read the EMCA city extract: {exc}", path=p,
                            fix="reinstall carlcities or rebuild it with `python -m "
                                "carlcities.risk.exposure.emca_extract EMCA_DIR`") from None
    miss = [c for c in ("iso3", "cell_id", "wkt", *_COLS) if c not in df.columns]
    if miss:
        raise ExposureError(f"the EMCA city extract lacks the column(s) {miss[:4]}", path=p,
                            fix="rebuild it with `python -m "
                                "carlcities.risk.exposure.emca_extract EMCA_DIR`")
    geom = gpd.GeoSeries.from_wkt(df["wkt"].fillna("").replace("", None), crs=4326)
    bad = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if bad.any():
        raise ExposureError(f"{int(bad.sum())} cell(s) of the EMCA city extract without "
                            f"geometry (first: {df['iso3'].iloc[np.argmax(bad)]} cell "
                            f"{df['cell_id'].iloc[np.argmax(bad)]})", path=p,
                            fix="rebuild the extract from the EMCA data package")
    arrays = {}
    for name, pre in (("buildings", ""), ("occupants", "pop_"), ("value", "val_")):
        a = df[[pre + t for t in EMCA_TYPES]].apply(pd.to_numeric, errors="coerce")
        a = a.to_numpy(float)
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ExposureError(f"missing, non-numeric or negative {name} in the EMCA city "
                                "extract", path=p, fix="rebuild the extract from the EMCA "
                                                       "data package")
        arrays[name] = a
    cells = EmcaCells(iso3="ALL", cell_id=df["cell_id"].to_numpy(), types=EMCA_TYPES,
                      geometry=geom.reset_index(drop=True),
                      source=f"{p.name}: {EMCA_ATTRIBUTION}",
                      meta=dict(currency="USD", usd_rate=1.0, mapping=emca_mapping(),
                                csv=str(p), shapefile=str(p)), **arrays)
    _CACHE[key] = cells
    return cells


def _full_cells(emca_dir: str | Path) -> EmcaCells:
    """All five countries of a full EMCA data directory as one :class:`EmcaCells`."""
    from carlcities.risk.exposure.emca import emca_csv_path, read_emca

    key = f"dir:{Path(emca_dir).resolve()}"
    if key in _CACHE:
        return _CACHE[key]
    import geopandas as gpd
    import pandas as pd

    parts = [read_emca(emca_csv_path(emca_dir, iso)) for iso in _ISO3]
    types = parts[0].types
    if any(c.types != types for c in parts):
        raise ExposureError("the countries' EMCA files list different building types",
                            path=emca_dir, fix="use one EMCA release for all five countries")
    cells = EmcaCells(
        iso3="ALL", cell_id=np.concatenate([c.cell_id for c in parts]), types=types,
        buildings=np.vstack([c.buildings for c in parts]),
        occupants=np.vstack([c.occupants for c in parts]),
        value=np.vstack([c.value for c in parts]),
        geometry=gpd.GeoSeries(pd.concat([c.geometry for c in parts], ignore_index=True),
                               crs=4326),
        source=f"EMCA data {Path(emca_dir).name}: {EMCA_ATTRIBUTION}",
        meta=dict(parts[0].meta))
    _CACHE[key] = cells
    return cells


def city_emca_exposure(city: Any, grid: Any, population: np.ndarray, *,
                       emca_dir: str | Path | None = None, unit: str | None = None,
                       extract: str | Path | None = None,
                       builtup: np.ndarray | None = None) -> tuple[Any, str]:
    """The city's residential exposure from EMCA, or ``(None, why)`` when EMCA does not cover
    the city's grid (less than :data:`MIN_COVER` of its residents in EMCA cells).

    ``emca_dir``: a full EMCA data directory (default: the packaged extract); ``builtup``: the
    grid's built-up share, which places a cell's buildings where the grid has no residents in
    it (:func:`~carlcities.risk.exposure.emca.emca_exposure`). Returns
    ``(Exposure, source text)``."""
    cells = _full_cells(emca_dir) if emca_dir else read_extract(extract)
    expo = emca_exposure(cells, grid, population, unit=unit, builtup=builtup)
    pop = np.asarray(population, float)
    total = float(pop.sum())
    covered = float(pop.ravel()[np.unique(expo.site)].sum()) if len(expo) else 0.0
    share = covered / total if total > 0 else 0.0
    if share < MIN_COVER:
        return None, (f"EMCA cells hold {100 * share:.0f} % of the grid's residents (< "
                      f"{100 * MIN_COVER:.0f} %): grid exposure kept")
    return expo, cells.source


if __name__ == "__main__":  # pragma: no cover
    import sys

    if len(sys.argv) < 2:
        sys.exit("usage: python -m carlcities.risk.exposure.emca_extract EMCA_DIR [OUT]")
    print(build_extract(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else EXTRACT_PATH))
