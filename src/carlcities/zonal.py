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
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["CoverageWeights", "coverage_weights", "whole_grid_weights"]


@dataclass(frozen=True)
class CoverageWeights:
    """Sparse coverage weights W [share of cell] of ``zone_ids`` × cells of a grid of ``shape``.

    Only the grid cells that some zone touches are kept (``cols``), so each layer costs a
    gather of those cells and one sparse product, whatever the size of the grid.
    """

    zone_ids: tuple[str, ...]
    shape: tuple[int, int]
    matrix: sp.csr_matrix  # zones × all cells of the grid
    cols: np.ndarray | None = None  # flat indices of the covered cells
    compact: sp.csr_matrix | None = None  # zones × covered cells

    @classmethod
    def build(cls, zone_ids, shape, matrix: sp.csr_matrix) -> CoverageWeights:
        matrix = matrix.tocsr()
        n = shape[0] * shape[1]
        used = np.zeros(n, dtype=bool)
        used[matrix.indices] = True
        cols = np.flatnonzero(used)
        if cols.size == n:
            return cls(tuple(zone_ids), shape, matrix, None, matrix)
        remap = np.empty(n, dtype=np.int64)  # flat cell index → column of the compact matrix
        remap[cols] = np.arange(cols.size)
        compact = sp.csr_matrix((matrix.data, remap[matrix.indices], matrix.indptr),
                                shape=(matrix.shape[0], cols.size))
        return cls(tuple(zone_ids), shape, matrix, cols, compact)

    def _gather(self, x: np.ndarray) -> np.ndarray:
        """The covered cells of ``x`` as float64: gathered first, then converted (a float32
        raster is not converted whole; the values are the same)."""
        v = np.asarray(x).ravel()
        if self.cols is not None:
            v = v[self.cols]
        return v.astype(np.float64, copy=False)

    @staticmethod
    def _nan_to_zero(v: np.ndarray) -> np.ndarray:
        """A copy of ``v`` with NaN as 0 (``np.where``: a quarter of ``np.nan_to_num``'s
        time; ±inf are replaced by ±max float as ``np.nan_to_num`` does)."""
        out = np.where(np.isnan(v), 0.0, v)
        if not np.isfinite(out).all():
            out = np.nan_to_num(out, nan=0.0)
        return out

    def _m(self) -> sp.csr_matrix:
        return self.compact if self.compact is not None else self.matrix

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Σ_j w_ij x_j per zone (NaN cells count as 0)."""
        return self._m() @ self._nan_to_zero(self._gather(x))

    def sum_many(self, layers: np.ndarray) -> np.ndarray:
        """Zone sums of several layers at once: ``layers`` is (cells, k) → (zones, k)."""
        v = np.asarray(layers).reshape(self.shape[0] * self.shape[1], -1)
        if self.cols is not None:
            v = v[self.cols]
        return self._m() @ self._nan_to_zero(v.astype(np.float64, copy=False))

    def mean(self, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Coverage-weighted (optionally also ``weights``-weighted) mean per zone; NaN where
        empty."""
        xv = self._gather(x)
        ok = ~np.isnan(xv)
        w = ok.astype(np.float64)
        vals = np.where(ok, xv, 0.0)
        if weights is not None:
            w *= np.nan_to_num(self._gather(weights), nan=0.0)
            vals *= w
        # without weights w is 1 on every value cell and 0 elsewhere: vals * w == vals
        m = self._m()
        num = m @ vals
        den = m @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    @property
    def is_whole(self) -> bool:
        """One zone covering every cell with weight 1 (the whole study area)."""
        m = self.matrix
        return (m.shape[0] == 1 and m.nnz == self.shape[0] * self.shape[1]
                and bool(np.all(m.data == 1.0)))

    @property
    def coverage_cells(self) -> np.ndarray:
        """Σ_j w_ij: each zone's area in cells."""
        return np.asarray(self._m().sum(axis=1)).ravel()


def whole_grid_weights(shape: tuple[int, int], zone_id: str = "city") -> CoverageWeights:
    """Weights of a single zone that is the whole grid (every w = 1)."""
    n = shape[0] * shape[1]
    m = sp.csr_matrix(np.ones((1, n)))
    return CoverageWeights((zone_id,), shape, m, None, m)


def coverage_weights(grid, zones, zone_ids: list[str] | None = None) -> CoverageWeights:
    """Exact coverage weights of polygons on a :class:`~carlcities.grid.CityGrid`.

    ``zones`` is a GeoDataFrame (or GeoSeries) in the grid's CRS. Uses exactextract's
    ``cell_id`` and ``coverage`` operations once; the result is reused for every layer.
    """
    import geopandas as gpd
    import shapely
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    if isinstance(zones, gpd.GeoSeries):
        zones = gpd.GeoDataFrame(geometry=zones)
    left, bottom, right, top = grid.bounds
    wkt = grid.crs.to_wkt()
    src = NumPyRasterSource(np.zeros(grid.shape, dtype=np.float32), left, bottom, right, top,
                            srs_wkt=wkt)
    ids = zone_ids or [str(i) for i in range(len(zones))]
    geoms = np.asarray(zones.geometry.values, dtype=object)
    if len(geoms) and not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
        # the polygons as WKB: exactextract's GeoDataFrame source writes and parses GeoJSON
        # (the same coordinates, exactly: Python's float repr round-trips)
        vec: Any = _WKBSource(shapely.to_wkb(geoms), wkt)
    else:
        vec = zones[[zones.geometry.name]]
        if vec.crs is None or not vec.crs.equals(grid.crs):
            vec = vec.set_crs(grid.crs, allow_override=True)
    res = exact_extract(src, vec, ["cell_id", "coverage"], output="pandas")
    cells = [np.asarray(c, dtype=np.int64) for c in res["cell_id"]]
    covs = [np.asarray(c, dtype=np.float64) for c in res["coverage"]]
    n = grid.shape[0] * grid.shape[1]
    lengths = np.fromiter((c.size for c in cells), dtype=np.int64, count=len(cells))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(cells) if cells else np.zeros(0, np.int64)
    data = np.concatenate(covs) if covs else np.zeros(0)
    m = sp.csr_matrix((data, indices, indptr), shape=(len(ids), n))
    return CoverageWeights.build(ids, grid.shape, m)


def _wkb_source_classes() -> tuple[type, type]:
    from exactextract.feature import Feature, FeatureSource

    class WKBFeature(Feature):
        """One zone for exactextract: its geometry as WKB, no attributes."""

        def __init__(self, wkb: bytes) -> None:
            Feature.__init__(self)
            self.wkb = wkb

        def geometry(self) -> bytes:
            return self.wkb

        def set_geometry_format(self) -> str:
            return "wkb"

        def fields(self) -> list[str]:
            return []

    class WKBSource(FeatureSource):
        """Zones for exactextract from WKB geometries in the grid's CRS (``srs_wkt``)."""

        def __init__(self, wkbs: Any, srs_wkt: str) -> None:
            super().__init__()
            self.wkbs = list(wkbs)
            self.wkt = srs_wkt

        def count(self) -> int:
            return len(self.wkbs)

        def __iter__(self):
            for w in self.wkbs:
                yield WKBFeature(w)

        def srs_wkt(self) -> str:
            return self.wkt

    return WKBFeature, WKBSource


def _WKBSource(wkbs: Any, srs_wkt: str) -> Any:
    """An exactextract feature source of WKB polygons (classes made on first use, so that
    importing this module does not import exactextract)."""
    global _WKB_CLASSES
    if _WKB_CLASSES is None:
        _WKB_CLASSES = _wkb_source_classes()
    return _WKB_CLASSES[1](wkbs, srs_wkt)


_WKB_CLASSES: tuple[type, type] | None = None
