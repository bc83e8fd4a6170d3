"""Zonal statistics with exact cell-coverage weights, computed once and reused.

The weight w_ij is the share of grid cell j inside zone i (exact polygon–cell intersection,
computed by exactextract). The weights of one grid and one zone set form a sparse matrix W
(zones × cells); every layer and every epoch is then summarised by one sparse product:

    sum_i  = Σ_j w_ij x_j
    mean_i = Σ_j w_ij x_j / Σ_j w_ij
    population-weighted mean_i = Σ_j w_ij p_j x_j / Σ_j w_ij p_j

(METHODS.md, "Zonal statistics"). Cells where x is NaN are left out of both numerator and
denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["CoverageWeights", "coverage_weights", "whole_grid_weights"]


@dataclass(frozen=True)
class CoverageWeights:
    """Sparse coverage weights W [share of cell] of ``zone_ids`` × cells of a grid of ``shape``."""

    zone_ids: tuple[str, ...]
    shape: tuple[int, int]
    matrix: sp.csr_matrix

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Σ_j w_ij x_j per zone (NaN cells count as 0)."""
        v = np.nan_to_num(np.asarray(x, dtype=np.float64).ravel(), nan=0.0)
        return self.matrix @ v

    def mean(self, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Coverage-weighted (optionally also ``weights``-weighted) mean per zone; NaN where empty."""
        xv = np.asarray(x, dtype=np.float64).ravel()
        ok = ~np.isnan(xv)
        w = ok.astype(np.float64)
        if weights is not None:
            w = w * np.nan_to_num(np.asarray(weights, dtype=np.float64).ravel(), nan=0.0)
        num = self.matrix @ (np.where(ok, xv, 0.0) * w)
        den = self.matrix @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    @property
    def coverage_cells(self) -> np.ndarray:
        """Σ_j w_ij: each zone's area in cells."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()


def whole_grid_weights(shape: tuple[int, int], zone_id: str = "city") -> CoverageWeights:
    """Weights of a single zone that is the whole grid (every w = 1)."""
    n = shape[0] * shape[1]
    m = sp.csr_matrix(np.ones((1, n)))
    return CoverageWeights((zone_id,), shape, m)


def coverage_weights(grid, zones, zone_ids: list[str] | None = None) -> CoverageWeights:
    """Exact coverage weights of polygons on a :class:`~carlcities.grid.CityGrid`.

    ``zones`` is a GeoDataFrame (or GeoSeries) in the grid's CRS. Uses exactextract's
    ``cell_id`` and ``coverage`` operations once; the result is reused for every layer.
    """
    import geopandas as gpd
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    if isinstance(zones, gpd.GeoSeries):
        zones = gpd.GeoDataFrame(geometry=zones)
    left, bottom, right, top = grid.bounds
    src = NumPyRasterSource(np.zeros(grid.shape, dtype=np.float32), left, bottom, right, top,
                            srs_wkt=grid.crs.to_wkt())
    ids = zone_ids or [str(i) for i in range(len(zones))]
    res = exact_extract(src, zones.geometry.to_frame("geometry").set_crs(grid.crs,
                        allow_override=True), ["cell_id", "coverage"], output="pandas")
    rows, cols, vals = [], [], []
    for i, (cells, cov) in enumerate(zip(res["cell_id"], res["coverage"])):
        cells = np.asarray(cells, dtype=np.int64)
        rows.append(np.full(cells.size, i))
        cols.append(cells)
        vals.append(np.asarray(cov, dtype=np.float64))
    n = grid.shape[0] * grid.shape[1]
    if rows:
        m = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(ids), n))
    else:  # pragma: no cover - no zones
        m = sp.csr_matrix((0, n))
    return CoverageWeights(tuple(ids), grid.shape, m)
