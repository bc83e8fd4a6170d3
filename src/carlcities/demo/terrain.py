"""Synthetic terrain for the demo region: elevation, rivers, sea and slopes of one city.

Everything is a deterministic function of the local metric frame of the city — ``u`` east and
``v`` north [m] from the catalogue point, in the city's UTM zone — so the same model can be
sampled on any product grid (GHSL Mollweide cells, Copernicus DEM 3″ cells, the city grid)
and always agrees with itself. Random choices come from generators seeded with a stable hash
of the city id (``zlib.crc32``), never from Python's ``hash()``.

The terrain follows the catalogue's ``setting``:

``mountain_front``  a piedmont plain rising gently (1–2.5 %) towards a range that climbs
                    1000–2500 m within 10–20 km; streams leave the range across the plain;
``valley_basin``    a valley floor between two ridges (500–1500 m), a river along the axis;
``oasis``           flat land on a river or canal, dunes in the desert beyond the oasis;
``steppe_river``    flat steppe, a broad meandering river in a shallow floodplain;
``sea_coast``       land rising from the shore to a low plateau; sea cells at or below the
                    Caspian level (−27 m).

Smooth random fields (white noise on a coarse lattice, Gaussian-filtered, evaluated with
cubic splines) add texture at several scales. The splines are evaluated by a numba kernel that
does SciPy's arithmetic (``ndimage.map_coordinates(order=3, prefilter=False)`` inside the
lattice: the same weights, products and sums in the same order), number for number and ~4×
faster; SciPy evaluates the points near the lattice edge, and all of them without numba.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy import ndimage

njit: Any
try:  # numba is a dependency; SciPy's map_coordinates is the fallback
    from numba import njit
except ImportError:  # pragma: no cover
    njit = None

__all__ = [
    "CASPIAN_LEVEL_M",
    "MOUNTAIN_BEARING_DEG",
    "SEA_BEARING_DEG",
    "SLOPE_LIMIT",
    "CityModel",
    "River",
    "SmoothNoise",
    "Surface",
    "city_seed",
    "rng_for",
]

CASPIAN_LEVEL_M = -27.0
SLOPE_LIMIT = 0.15  # rise/run above which land is not built on

#: Where the mountains are, as a compass bearing from the city centre [degrees].
MOUNTAIN_BEARING_DEG = {
    "almaty": 180.0, "bishkek": 180.0, "taraz": 180.0, "shymkent": 180.0,
    "taldykorgan": 180.0, "jalal_abad": 45.0, "ashgabat": 200.0, "osh": 135.0,
    "dushanbe": 0.0,
}
#: Where the sea is, as a compass bearing from the city centre [degrees].
SEA_BEARING_DEG = {"aktau": 270.0}


def city_seed(city_id: str) -> int:
    """A stable 32-bit seed for a city (crc32 of the id)."""
    return zlib.crc32(f"carlcities-demo:{city_id}".encode())


def rng_for(city_id: str, stream: str) -> np.random.Generator:
    """An independent generator per (city, purpose), so one part's draws never shift another's."""
    return np.random.default_rng([city_seed(city_id), zlib.crc32(stream.encode("utf-8"))])


def _unit(bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    return math.sin(b), math.cos(b)  # (east, north)


def _cubic_weights(x: float, w: np.ndarray) -> None:  # pragma: no cover - numba
    """Cubic B-spline weights of the 4 knots around ``x``, as SciPy's
    ``get_spline_interpolation_weights`` (ni_splines.c) computes them."""
    x -= np.floor(x)
    z = 1.0 - x
    w[1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0
    w[0] = z * z * z / 6.0
    w[3] = 1.0
    w[3] -= w[0]
    w[3] -= w[1]
    w[3] -= w[2]


def _spline_at(coef: np.ndarray, rows: np.ndarray, cols: np.ndarray,
               out: np.ndarray) -> None:  # pragma: no cover - compiled by numba
    """Cubic spline of coefficients ``coef`` at (rows, cols) [lattice cells], points at least
    one cell inside the edges: the sum over the 4×4 knots of coefficient × row weight ×
    column weight, row-major, as SciPy's ``NI_GeometricTransform`` adds it."""
    wr = np.empty(4)
    wc = np.empty(4)
    for k in range(rows.size):
        r0 = int(np.floor(rows[k])) - 1
        c0 = int(np.floor(cols[k])) - 1
        _cubic_weights_fast(rows[k], wr)
        _cubic_weights_fast(cols[k], wc)
        t = 0.0
        for i in range(4):
            for j in range(4):
                c = coef[r0 + i, c0 + j]
                c *= wr[i]
                c *= wc[j]
                t += c
        out[k] = t


_cubic_weights_fast: Any = njit(cache=True)(_cubic_weights) if njit is not None else None
_spline_at_fast = njit(cache=True)(_spline_at) if njit is not None else None


def spline_at(coef: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``ndimage.map_coordinates(coef, [rows, cols], order=3, mode="mirror",
    prefilter=False)`` for 1-D float64 ``rows``, ``cols``, number for number."""
    h, w = coef.shape
    if (_spline_at_fast is not None and rows.size and coef.flags.c_contiguous
            and rows.min() >= 1.0 and rows.max() < h - 2 and cols.min() >= 1.0
            and cols.max() < w - 2):
        out = np.empty(rows.size)
        _spline_at_fast(coef, rows, cols, out)
        return out
    return ndimage.map_coordinates(coef, np.stack([rows, cols]), order=3, mode="mirror",
                                   prefilter=False)


class SmoothNoise:
    """A smooth random field of unit variance and correlation length ~``scale_m``.

    White noise on a lattice of spacing ``scale_m / 2`` over ``extent`` (u0, v0, u1, v1), filtered
    with a Gaussian of two lattice cells and evaluated anywhere with cubic splines. The lattice
    depends only on the seed and the extent, so every product samples the same field.
    """

    def __init__(self, rng: np.random.Generator, extent: tuple[float, float, float, float],
                 scale_m: float):
        self.spacing = scale_m / 2.0
        u0, v0, u1, v1 = extent
        self.u0 = u0 - 3 * self.spacing
        self.v0 = v0 - 3 * self.spacing
        nx = math.ceil((u1 - u0) / self.spacing) + 7
        ny = math.ceil((v1 - v0) / self.spacing) + 7
        z = ndimage.gaussian_filter(rng.standard_normal((ny, nx)), 2.0, mode="mirror")
        z = (z - z.mean()) / (z.std() or 1.0)
        self.coef = ndimage.spline_filter(z, order=3, mode="mirror")

    def __call__(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        out = spline_at(self.coef, ((v - self.v0) / self.spacing).ravel(),
                        ((u - self.u0) / self.spacing).ravel())
        return out.reshape(u.shape)


@dataclass(frozen=True)
class Surface:
    """Elevation ``z`` [m] and ``slope`` [rise/run] on a regular grid (upper-left corner at
    local (u0, v0), cell ``res`` [m]); ``sample`` interpolates bilinearly at any (u, v)."""

    u0: float
    v0: float
    res: float
    z: np.ndarray
    slope: np.ndarray

    def sample(self, field: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        coords = np.stack([((self.v0 - np.asarray(v)) / self.res - 0.5).ravel(),
                           ((np.asarray(u) - self.u0) / self.res - 0.5).ravel()])
        out = ndimage.map_coordinates(field, coords, order=1, mode="nearest")
        return out.reshape(np.shape(u))


@dataclass(frozen=True)
class River:
    """A meandering channel: a straight axis through ``(pu, pv)`` along bearing ``bearing_deg``
    with a centreline offset of summed sines; ``half_width`` [m] of the channel, ``depth`` [m]
    it is cut below the land, ``plain_width``/``plain_depth`` [m] of its floodplain.
    ``start`` [m along the axis from (pu, pv)]: where it begins (−inf for a through river)."""

    pu: float
    pv: float
    bearing_deg: float
    amps: tuple[float, ...]
    waves: tuple[float, ...]
    phases: tuple[float, ...]
    half_width: float
    depth: float
    plain_width: float = 0.0
    plain_depth: float = 0.0
    start: float = -math.inf

    def frame(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(s along the axis, signed distance n from the meandering centreline) [m]."""
        ae, an = _unit(self.bearing_deg)
        du, dv = u - self.pu, v - self.pv
        s = du * ae + dv * an
        n = du * an - dv * ae  # to the right of the flow
        f = np.zeros_like(s)
        fp = np.zeros_like(s)
        for a, w, p in zip(self.amps, self.waves, self.phases):
            k = 2 * math.pi / w
            ks = k * s + p
            f += a * np.sin(ks)
            fp += a * k * np.cos(ks)
        return s, (n - f) / np.sqrt(1.0 + fp * fp)

    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.distance_in_frame(*self.frame(u, v))

    def distance_in_frame(self, s: np.ndarray, n: np.ndarray) -> np.ndarray:
        """:meth:`distance` from the river frame (s, n) of the points (:meth:`frame`)."""
        d = np.abs(n)
        if math.isfinite(self.start):
            d = np.where(s < self.start, np.hypot(d, self.start - s), d)
        return d


class CityModel:
    """The synthetic landscape of one city, in its local frame (u east, v north [m]).

    ``half_m`` is the half side of the city's study square; fields are defined (and smooth)
    well beyond it. ``urban_radius_m`` is the expected radius of the built-up area at the
    largest population, which sets the scale of the landforms around the city.
    """

    def __init__(self, city_id: str, setting: str, base_elevation_m: float, half_m: float,
                 urban_radius_m: float):
        self.city_id = city_id
        self.setting = setting
        self.base = float(base_elevation_m) if math.isfinite(base_elevation_m) else 400.0
        self.half = float(half_m)
        self.R = float(urban_radius_m)
        ext_half = 1.6 * self.half + 8000.0
        self.extent = (-ext_half, -ext_half, ext_half, ext_half)
        rng = rng_for(city_id, "terrain")
        self.rng_setting = rng_for(city_id, f"setting:{setting}")
        # gentle regional tilt and multi-scale texture
        self.tilt_bearing = float(rng.uniform(0, 360))
        self.tilt = float(rng.uniform(0.0005, 0.002))
        self._tex = [(SmoothNoise(rng_for(city_id, f"tex{i}"), self.extent, sc), amp)
                     for i, (sc, amp) in enumerate(((9000.0, float(rng.uniform(12, 30))),
                                                    (2500.0, float(rng.uniform(4, 10))),
                                                    (700.0, float(rng.uniform(1.0, 2.5)))))]
        self.rivers: list[River] = []
        self.params: dict[str, float | str] = {}
        self._frames_of: tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]] \
            | None = None
        getattr(self, f"_setup_{setting}")()
        self._centre_offset = 0.0
        self._centre_offset = self.base - float(self.elevation(np.zeros(1), np.zeros(1))[0])

    # -- settings ----------------------------------------------------------------------------
    def _river(self, rng: np.random.Generator, bearing: float, offset: float, half_width: float,
               depth: float, meander: float, plain_width: float = 0.0,
               plain_depth: float = 0.0, start: float = -math.inf, along: float = 0.0) -> River:
        """A river whose axis passes ``offset`` m to the right of the centre."""
        ae, an = _unit(bearing)
        pu, pv = offset * an + along * ae, -offset * ae + along * an
        waves = tuple(float(x) for x in rng.uniform(0.6, 1.4, 3) * np.array([9000, 4000, 1800]))
        amps = tuple(float(x)
                     for x in meander * np.array([1.0, 0.45, 0.15]) * rng.uniform(0.6, 1.2, 3))
        phases = tuple(float(x) for x in rng.uniform(0, 2 * math.pi, 3))
        return River(pu, pv, bearing, amps, waves, phases, half_width, depth, plain_width,
                     plain_depth, start)

    def _setup_mountain_front(self) -> None:
        rng = self.rng_setting
        b = MOUNTAIN_BEARING_DEG.get(self.city_id, float(rng.uniform(0, 360)))
        self.mountain_bearing = b
        self.front_dist = float(self.R * rng.uniform(0.75, 1.05) + 1500.0)
        self.relief = float(rng.uniform(1000, 2500))
        self.rise_len = float(rng.uniform(10000, 20000))
        self.fan_slope = float(rng.uniform(0.01, 0.025))
        self.front_wiggle = SmoothNoise(rng_for(self.city_id, "front"), self.extent, 4000.0)
        self.rugged = SmoothNoise(rng_for(self.city_id, "rugged"), self.extent, 1800.0)
        self.tilt = 0.0
        # streams leave the range and cross the plain, flowing away from the mountains
        for _ in range(int(rng.integers(1, 3))):
            off = float(rng.uniform(-0.6, 0.6) * self.R)
            self.rivers.append(self._river(rng, (b + 180.0) % 360.0, off,
                                           float(rng.uniform(25, 45)), float(rng.uniform(3, 8)),
                                           float(rng.uniform(80, 250)),
                                           start=-(self.front_dist + 12000.0)))
        self.params.update(mountain_bearing_deg=b, relief_m=self.relief, rise_len_m=self.rise_len,
                           front_dist_m=self.front_dist)

    def _setup_valley_basin(self) -> None:
        rng = self.rng_setting
        self.axis = float(rng.uniform(0, 180))
        self.walls = (float(self.R * rng.uniform(0.9, 1.4) + 2000),
                      float(self.R * rng.uniform(0.9, 1.4) + 2000))
        self.ridge_h = (float(rng.uniform(500, 1500)), float(rng.uniform(500, 1500)))
        self.ridge_len = float(rng.uniform(5000, 9000))
        self.rugged = SmoothNoise(rng_for(self.city_id, "rugged"), self.extent, 1800.0)
        off = float(rng.uniform(1000, 4000) * rng.choice([-1, 1]))
        self.rivers.append(self._river(rng, self.axis, off, float(rng.uniform(40, 90)),
                                       float(rng.uniform(4, 10)), float(rng.uniform(200, 600)),
                                       plain_width=800.0, plain_depth=3.0))
        self.params.update(axis_deg=self.axis, ridge_m=max(self.ridge_h))

    def _setup_oasis(self) -> None:
        rng = self.rng_setting
        self.tilt = float(rng.uniform(0.0003, 0.0012))
        axis = float(rng.uniform(0, 360))
        off = float(rng.uniform(500, 2500) * rng.choice([-1, 1]))
        self.rivers.append(self._river(rng, axis, off, float(rng.uniform(50, 200)),
                                       float(rng.uniform(3, 7)), float(rng.uniform(200, 700)),
                                       plain_width=1500.0, plain_depth=2.0))
        self.oasis_width = float(self.R * rng.uniform(0.8, 1.3) + 2000.0)
        self.dunes = SmoothNoise(rng_for(self.city_id, "dunes"), self.extent, 500.0)
        self.dune_h = float(rng.uniform(3, 10))
        self.params.update(river_bearing_deg=axis, oasis_width_m=self.oasis_width)

    def _setup_steppe_river(self) -> None:
        rng = self.rng_setting
        self.tilt = float(rng.uniform(0.0003, 0.0015))
        axis = float(rng.uniform(0, 360))
        off = float(rng.uniform(800, 3000) * rng.choice([-1, 1]))
        self.rivers.append(self._river(rng, axis, off, float(rng.uniform(70, 220)),
                                       float(rng.uniform(5, 10)), float(rng.uniform(500, 1500)),
                                       plain_width=float(rng.uniform(1200, 2500)),
                                       plain_depth=float(rng.uniform(4, 8))))
        self.params.update(river_bearing_deg=axis)

    def _setup_sea_coast(self) -> None:
        rng = self.rng_setting
        self.sea_bearing = SEA_BEARING_DEG.get(self.city_id, float(rng.uniform(0, 360)))
        self.coast_dist = float(rng.uniform(1000, 2500))
        self.coast_wiggle = SmoothNoise(rng_for(self.city_id, "coast"), self.extent, 3000.0)
        self.plateau_len = float(rng.uniform(2000, 4000))
        self.tilt = 0.0
        self.params.update(sea_bearing_deg=self.sea_bearing, coast_dist_m=self.coast_dist)

    # -- fields ------------------------------------------------------------------------------
    def texture(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        # _tex has three layers, so sum() never returns its start value 0
        return cast(np.ndarray, sum(amp * f(u, v) for f, amp in self._tex))

    def _seaward(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Sea-coast cities: distance inland from the shore [m] (negative at sea)."""
        de, dn = _unit(self.sea_bearing)
        t = u * de + v * dn
        return self.coast_dist + 400.0 * self.coast_wiggle(u, v) - t

    def sea(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """True where the point is at sea."""
        if self.setting != "sea_coast":
            return np.zeros(np.shape(u), dtype=bool)
        return self._seaward(u, v) < 0

    def river_frames(self, u: np.ndarray, v: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`River.frame` of the points for each river. The frames of the last arrays
        asked for are kept: the flood layers ask for the elevation, the channels and the
        distances at the same points (the arrays are never changed in place)."""
        kept = self._frames_of
        if kept is not None and kept[0] is u and kept[1] is v:
            return kept[2]
        frames = [r.frame(u, v) for r in self.rivers]
        self._frames_of = (u, v, frames)
        return frames

    def river_distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Distance to the nearest river centreline [m] (inf without rivers)."""
        d = np.full(np.shape(u), np.inf)
        for r, fr in zip(self.rivers, self.river_frames(u, v)):
            d = np.minimum(d, r.distance_in_frame(*fr))
        return d

    def river(self, u: np.ndarray, v: np.ndarray, min_half_width: float = 75.0) -> np.ndarray:
        """True on river-channel cells (the channel, at least ``min_half_width`` each side, so
        that it is continuous on a 100 m grid)."""
        m = np.zeros(np.shape(u), dtype=bool)
        for r, fr in zip(self.rivers, self.river_frames(u, v)):
            m |= r.distance_in_frame(*fr) < max(r.half_width, min_half_width)
        return m

    def elevation(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Ground (or water-surface) elevation [m]; equals the catalogue elevation at the centre."""
        u = np.asarray(u, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        te, tn = _unit(self.tilt_bearing)
        z = self.base + self.tilt * (u * te + v * tn) + self.texture(u, v)
        st = self.setting
        if st == "mountain_front":
            me, mn = _unit(self.mountain_bearing)
            t = u * me + v * mn
            x = t - (self.front_dist + 1500.0 * self.front_wiggle(u, v))
            z = z + self.fan_slope * np.minimum(t, self.front_dist)
            xp = np.maximum(x, 0.0)
            z = z + self.relief * (1.0 - np.exp(-xp / (self.rise_len / 3.0)))
            z = z + 0.12 * self.relief * np.clip(xp / 3000.0, 0, 1) * self.rugged(u, v)
        elif st == "valley_basin":
            ae, an = _unit(self.axis)
            n = u * an - v * ae
            rugged = 1.0 + 0.25 * self.rugged(u, v)  # one field, both walls
            for sign, wall, h in ((1.0, self.walls[0], self.ridge_h[0]),
                                  (-1.0, self.walls[1], self.ridge_h[1])):
                x = np.maximum(sign * n - wall, 0.0)
                z = z + h * (1.0 - np.exp(-x / self.ridge_len)) * rugged
                # the floor rises to the walls
                z = z + 0.004 * np.minimum(np.maximum(sign * n, 0.0), wall)
        elif st == "oasis":
            _, n = self.river_frames(u, v)[0]
            desert = np.clip((np.abs(n) - self.oasis_width) / 2000.0, 0, 1)
            z = z + self.dune_h * desert * (1.0 + self.dunes(u, v))
        if st != "sea_coast":
            for r, fr in zip(self.rivers, self.river_frames(u, v)):
                d = r.distance_in_frame(*fr)
                if r.plain_width > 0:
                    z = z - r.plain_depth * np.exp(-(d / r.plain_width) ** 2)
                z = z - r.depth * np.clip(1.0 - (d / max(r.half_width, 75.0)) ** 2, 0.0, 1.0)
            return z + self._centre_offset
        # sea coast: land rising from the shore to a plateau; sea below the Caspian level
        x = self._seaward(u, v)
        xc = self.coast_dist + 400.0 * float(self.coast_wiggle(np.zeros(1), np.zeros(1))[0])
        lift = max(self.base - (CASPIAN_LEVEL_M + 1.0), 1.0)
        xp = np.maximum(x, 0.0)
        shape = (1.0 - np.exp(-xp / self.plateau_len)) / (1.0 - math.exp(-xc / self.plateau_len))
        tex = (self.texture(u, v) - float(self.texture(np.zeros(1), np.zeros(1))[0]))
        land = CASPIAN_LEVEL_M + 1.0 + lift * shape + tex * np.clip(xp / 1500.0, 0, 1)
        land = np.maximum(land, CASPIAN_LEVEL_M + 0.5)
        sea = CASPIAN_LEVEL_M - 1.0 - np.minimum(-x * 0.004, 40.0)
        return np.where(x < 0, sea, land)

    def surface(self, u0: float, v0: float, res: float, width: int,
                height: int) -> Surface:
        """Elevation and slope on a regular north-up grid whose upper-left corner is at local
        (u0, v0) [m], for fast bilinear sampling (see :class:`Surface`)."""
        us = u0 + (np.arange(width) + 0.5) * res
        vs = v0 - (np.arange(height) + 0.5) * res
        uu, vv = np.meshgrid(us, vs)
        z = self.elevation(uu, vv)
        dzdv, dzdu = np.gradient(z, -res, res)
        return Surface(u0, v0, res, z, np.hypot(dzdu, dzdv))

    def slope(self, u: np.ndarray, v: np.ndarray, h: float = 50.0) -> np.ndarray:
        """Terrain slope [rise/run] by central differences over ``2h`` m."""
        dzdu = (self.elevation(u + h, v) - self.elevation(u - h, v)) / (2 * h)
        dzdv = (self.elevation(u, v + h) - self.elevation(u, v - h)) / (2 * h)
        return np.hypot(dzdu, dzdv)
