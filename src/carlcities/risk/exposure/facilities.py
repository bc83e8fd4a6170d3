"""Critical facilities (hospitals, schools, fire stations) from OpenStreetMap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.risk.exposure.builder import to_lonlat
from carlcities.risk.exposure.model import FACILITY_TYPOLOGY

__all__ = ["critical_facilities", "CriticalFacilities"]


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
    empty = CriticalFacilities(type=np.empty(0, dtype="<U12"), x=np.empty(0, dtype=float),
                               y=np.empty(0, dtype=float), lon=np.empty(0, dtype=float),
                               lat=np.empty(0, dtype=float), site=np.empty(0, dtype=np.int64),
                               taxonomy=np.empty(0, dtype="<U10"),
                               osm_id=np.empty(0, dtype=np.int64),
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
    lon, lat = to_lonlat(x, y, grid.epsg) if x.size else (x.copy(), y.copy())
    return CriticalFacilities(
        type=types, x=x, y=y, lon=lon, lat=lat, site=row * grid.width + col,
        taxonomy=np.array([FACILITY_TYPOLOGY[t] for t in types], dtype="<U10"),
        osm_id=np.asarray(d.osm_id)[keep].astype(np.int64),
        meta=dict(source=str(osm_path), typology_assumption=FACILITY_TYPOLOGY,
                  note="building class assumed per facility type (project assumption)"))
