"""Inputs of the loss engine: vulnerability curve tables (:class:`CurveSet`) and event
sets (:class:`EventSet`), and the epicentral distance from events to sites.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carlcities.errors import RiskInputError

__all__ = ["CurveSet", "EventSet", "epicentral_distance_km", "LOSS_TYPES", "LineRupture",
           "wells_coppersmith_length_km"]


LOSS_TYPES = ("structural", "nonstructural", "contents")


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True, eq=False)
class CurveSet:
    """Vulnerability curves of several classes as plain arrays.

    ``imls[i, :n_levels[i]]`` are the intensity levels [``imt`` unit, e.g. g] of class
    ``taxonomies[i]`` (strictly increasing) and ``ratios[i, :n_levels[i]]`` its mean loss
    ratios [-] (or fatality ratios [-] for an occupants curve set); the rest of each row is
    padding. Build with :meth:`from_arrays` or :meth:`from_functions`.
    """

    taxonomies: tuple[str, ...]
    imls: np.ndarray
    ratios: np.ndarray
    n_levels: np.ndarray
    imt: str = ""

    @classmethod
    def from_arrays(cls, taxonomies: Sequence[str], imls: Sequence[Any], ratios: Sequence[Any],
                    *, imt: str = "") -> CurveSet:
        """Curves from one array of levels [IMT unit] and one of ratios [-] per class."""
        taxonomies = tuple(str(t) for t in taxonomies)
        if not (len(taxonomies) == len(imls) == len(ratios)) or not taxonomies:
            raise RiskInputError(f"{len(taxonomies)} classes, {len(imls)} level arrays and "
                                 f"{len(ratios)} ratio arrays",
                                 fix="give one levels array and one ratios array per class")
        if len(set(taxonomies)) != len(taxonomies):
            raise RiskInputError("a class appears twice in the curve set",
                                 fix="give each class one curve")
        n = np.array([np.asarray(x).size for x in imls], dtype=np.int64)
        width = int(n.max())
        I = np.zeros((len(taxonomies), width))
        R = np.zeros((len(taxonomies), width))
        for i, (t, x, y) in enumerate(zip(taxonomies, imls, ratios)):
            x = np.asarray(x, float).ravel()
            y = np.asarray(y, float).ravel()
            if x.size != y.size or x.size < 1:
                raise RiskInputError(f"curve {t!r}: {x.size} levels but {y.size} ratios",
                                     fix="give one ratio per intensity level")
            if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
                raise RiskInputError(f"curve {t!r} has NaN or infinite values",
                                     fix="fill the curve")
            if np.any(np.diff(x) <= 0) or np.any(x < 0):
                raise RiskInputError(f"curve {t!r}: intensity levels are not increasing",
                                     fix="sort the levels, each once, all ≥ 0")
            if np.any(y < 0) or np.any(y > 1):
                raise RiskInputError(f"curve {t!r}: ratios outside 0–1",
                                     fix="loss and fatality ratios lie in [0, 1]")
            I[i, :x.size], I[i, x.size:] = x, x[-1]
            R[i, :y.size], R[i, y.size:] = y, y[-1]
        return cls(taxonomies, I, R, n, imt)

    @classmethod
    def from_functions(cls, functions: Mapping[str, Any], *, imt: str | None = None
                       ) -> CurveSet:
        """Curves from objects with ``.imls`` and ``.mean_lr`` arrays (and ``.imt``), e.g.
        the ``VulnerabilityFunction`` objects of ``risk.vulnerability``, keyed by class."""
        keys = list(functions)
        imts = {str(getattr(functions[k], "imt", imt or "")) for k in keys}
        if imt is None and len(imts) > 1:
            raise RiskInputError(f"curves are for different intensity measures {sorted(imts)}",
                                 fix="use one IMT per curve set")
        return cls.from_arrays(keys, [functions[k].imls for k in keys],
                               [functions[k].mean_lr for k in keys],
                               imt=imt if imt is not None else imts.pop())

    def index_of(self, taxonomies: Sequence[str], where: str = "exposure") -> np.ndarray:
        """Curve index of each taxonomy name; an unknown one is an error."""
        pos = {t: i for i, t in enumerate(self.taxonomies)}
        missing = [t for t in taxonomies if t not in pos]
        if missing:
            raise RiskInputError(f"no curve for the {where} classes {missing}",
                                 fix="add curves for them or recode the exposure "
                                     "(Exposure.recoded(macro_class))")
        return np.array([pos[t] for t in taxonomies], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class EventSet:
    """Stochastic or historical events as point sources.

    ``event_id``; ``rate`` annual frequency [1/yr]; ``mag`` moment magnitude [Mw];
    ``lon``/``lat`` epicentre [degrees]. The Joyner–Boore distance is approximated by the
    epicentral distance (point source), see :func:`epicentral_distance_km`.
    """

    event_id: np.ndarray
    rate: np.ndarray
    mag: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("rate", "mag", "lon", "lat"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), float).ravel())
        object.__setattr__(self, "event_id", np.asarray(self.event_id).ravel())
        n = self.event_id.size
        if any(getattr(self, k).size != n for k in ("rate", "mag", "lon", "lat")):
            raise RiskInputError("event arrays differ in length",
                                 fix="give id, rate, magnitude and epicentre for every event")
        if not np.all(np.isfinite(self.rate)) or np.any(self.rate < 0):
            raise RiskInputError("event rates must be finite and ≥ 0 [1/yr]",
                                 fix="check the event set")

    def __len__(self) -> int:
        return int(self.event_id.size)


def epicentral_distance_km(ev_lon: np.ndarray, ev_lat: np.ndarray, site_lon: np.ndarray,
                           site_lat: np.ndarray) -> np.ndarray:
    """Great-circle distance [km] of every site from every epicentre (n_ev, n_sites),
    haversine on a sphere of radius 6371.0 km; used as Rjb for point sources."""
    la1 = np.radians(np.asarray(ev_lat, float))[:, None]
    la2 = np.radians(np.asarray(site_lat, float))[None, :]
    # h = sin(dlat/2)^2 + cos(la1) cos(la2) sin(dlon/2)^2, the same operations in place
    h = la2 - la1
    h /= 2
    np.square(np.sin(h, out=h), out=h)
    t = np.radians(np.asarray(site_lon, float))[None, :] - \
        np.radians(np.asarray(ev_lon, float))[:, None]
    t /= 2
    np.square(np.sin(t, out=t), out=t)
    c = np.cos(la1) * np.cos(la2)
    c *= t
    del t
    h += c
    del c
    np.arcsin(np.sqrt(np.minimum(h, 1.0, out=h), out=h), out=h)
    h *= 2.0 * 6371.0
    return h


# ----------------------------------------------------------------------------- finite fault
def wells_coppersmith_length_km(mag: float) -> float:
    """Subsurface rupture length [km] of a moment magnitude, all slip types:
    log10(RLD) = -2.44 + 0.59 M (Wells & Coppersmith 1994, BSSA 84(4), 974–1002, Table 2A)."""
    return float(10.0 ** (-2.44 + 0.59 * float(mag)))


@dataclass(frozen=True)
class LineRupture:
    """A rupture as a straight line on the surface: centre [°], strike [° from north] and
    length [km]. Its Joyner–Boore distance to a site is the distance to the nearest point of
    the line (the surface projection of a vertical rupture; a dipping one would add its
    projected width, which is not modelled). Distances on a local equirectangular plane
    about the centre (error < 1 % within ~200 km at these latitudes)."""

    lon: float
    lat: float
    strike_deg: float
    length_km: float

    def rjb_km(self, site_lon: Any, site_lat: Any) -> np.ndarray:
        """Distance [km] from every site to the line."""
        kx = 111.195 * np.cos(np.radians(self.lat))
        x = (np.asarray(site_lon, float) - self.lon) * kx
        y = (np.asarray(site_lat, float) - self.lat) * 111.195
        ux, uy = np.sin(np.radians(self.strike_deg)), np.cos(np.radians(self.strike_deg))
        t = np.clip(x * ux + y * uy, -self.length_km / 2, self.length_km / 2)
        return np.hypot(x - t * ux, y - t * uy)
