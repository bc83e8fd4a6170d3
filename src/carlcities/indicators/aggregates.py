"""Zone aggregates of one epoch: the inputs contract of the form and growth indicators.

:func:`zone_aggregates` sums, per zone (the whole study area, or each district by exact
coverage weights), the quantities the Atlas of Urban Expansion and SDG 11.3.1 indicators are
ratios of: population, built-up surface, urban extent, the Atlas classes' areas and the
openness of built-up cells. The observed epochs (the form engine) and the growth scenarios use
the same function, so a scenario's form is measured exactly as an observed epoch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carlcities.indicators import atlas as A

__all__ = ["AGG_KEYS", "zone_aggregates"]

AGG_KEYS = ("population", "population_extent", "builtup_surface_ha", "builtup_extent_ha",
            "extent_ha", "urban_builtup_ha", "suburban_builtup_ha", "rural_builtup_ha",
            "fringe_open_ha", "captured_open_ha", "openness_sum", "builtup_cells_extent")


def zone_aggregates(weights: Any, pop: np.ndarray, share: np.ndarray, atlas: A.AtlasResult,
                    cell_ha: float) -> list[dict[str, float]]:
    """Coverage-weighted aggregates of one epoch, one dict of :data:`AGG_KEYS` per zone.

    ``weights`` is a :class:`~carlcities.zonal.CoverageWeights`; ``pop`` persons per cell,
    ``share`` built-up share of cell, ``atlas`` the epoch's Atlas classification, ``cell_ha``
    the cell area [ha].
    """
    ext = atlas.extent
    bu_ext = atlas.builtup & ext
    cls = atlas.classes
    pop0 = np.nan_to_num(pop, nan=0.0)
    open_b = np.where(bu_ext, 1.0 - np.nan_to_num(atlas.b, nan=0.0), 0.0)
    share0 = np.nan_to_num(share, nan=0.0)
    if weights.is_whole:
        # the whole study area: plain sums, no weights to apply
        counts = np.bincount(cls.ravel(), minlength=8).astype(np.float64)
        row = [pop0.sum(), pop0[ext].sum(), share0.sum() * cell_ha,
               np.count_nonzero(bu_ext) * cell_ha, np.count_nonzero(ext) * cell_ha,
               counts[A.URBAN] * cell_ha, counts[A.SUBURBAN] * cell_ha, counts[A.RURAL] * cell_ha,
               counts[A.FRINGE] * cell_ha, counts[A.CAPTURED] * cell_ha, open_b.sum(),
               float(np.count_nonzero(bu_ext))]
        return [dict(zip(AGG_KEYS, map(float, row)))]
    layers = np.stack([
        pop0.ravel(), (pop0 * ext).ravel(), share0.ravel() * cell_ha,
        bu_ext.ravel() * cell_ha, ext.ravel() * cell_ha,
        (cls == A.URBAN).ravel() * cell_ha, (cls == A.SUBURBAN).ravel() * cell_ha,
        (cls == A.RURAL).ravel() * cell_ha, (cls == A.FRINGE).ravel() * cell_ha,
        (cls == A.CAPTURED).ravel() * cell_ha, open_b.ravel(), bu_ext.ravel().astype(np.float64),
    ], axis=1)
    sums = weights.sum_many(layers)
    return [dict(zip(AGG_KEYS, map(float, row))) for row in sums]
