"""The city grid: a local metric grid per city, and putting any layer onto it.

Each city is analysed on a square grid in its UTM zone (WGS 84 / UTM, EPSG:326zz north),
``res`` metres per cell (100 m by default), centred on the catalogue point and large enough
for the urban area plus a buffer. Any raster is put onto it with the resampling its kind
needs:

``count``     quantities that add up (population [persons], built-up surface [m²]): the total
              is preserved — values are turned into densities per m² of *true* cell area,
              warped with area-weighted averaging, and multiplied by the grid's cell area;
``fraction``  shares and intensities (built-up share, NDVI, temperature): area-weighted mean;
``class``     categorical codes (land cover, settlement model): mode.

Reads are windowed: only the part of a source that covers the grid (plus a margin of two
source cells) is read, so a continental tile is never loaded whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, TypedDict

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

__all__ = ["CityGrid", "utm_epsg", "grid_half_size_m", "for_city", "cell_areas_m2",
           "forget_cell_areas", "LayerKind"]

LayerKind = Literal["count", "fraction", "class"]


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone holding (lon, lat) [degrees]."""
    zone = int(math.floor((lon + 180.0) / 6.0)) + 1
    zone = min(max(zone, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def grid_half_size_m(
    population: float, *, design_density: float = 40.0, factor: float = 2.0,
    buffer_km: float = 3.0, res: float = 100.0, min_half_km: float = 6.0,
) -> float:
    """Half the side of a city's study square [m].

    The expected urban extent is approximated by a disc of ``population / design_density``
    [persons/ha → ha]; the half-size is ``factor`` times its radius plus ``buffer_km``, never
    less than ``min_half_km``, rounded up to whole cells.
    """
    area_m2 = population / design_density * 1.0e4
    radius = math.sqrt(area_m2 / math.pi)
    half = max(factor * radius + buffer_km * 1000.0, min_half_km * 1000.0)
    return math.ceil(half / res) * res


@dataclass(frozen=True)
class CityGrid:
    """A north-up metric grid in the city's UTM zone.

    Attributes: ``city_id``; ``epsg`` of the UTM CRS; ``x0``/``y0`` the upper-left corner [m];
    ``res`` cell size [m]; ``width``/``height`` [cells]; ``lon``/``lat`` the centre [degrees].
    """

    city_id: str
    epsg: int
    x0: float
    y0: float
    res: float
    width: int
    height: int
    lon: float
    lat: float
    meta: dict[Any, Any] = field(default_factory=dict, compare=False)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def around(cls, city_id: str, lon: float, lat: float, half_size_m: float,
               res: float = 100.0) -> CityGrid:
        """Square grid of side ``2 × half_size_m`` centred on (lon, lat), snapped to ``res``."""
        epsg = utm_epsg(lon, lat)
        to_utm = Transformer.from_crs(4326, epsg, always_xy=True)
        cx, cy = to_utm.transform(lon, lat)
        cx = round(cx / res) * res
        cy = round(cy / res) * res
        n = int(round(2 * half_size_m / res))
        return cls(city_id=city_id, epsg=epsg, x0=cx - n / 2 * res, y0=cy + n / 2 * res,
                   res=float(res), width=n, height=n, lon=float(lon), lat=float(lat))

    # -- geometry -------------------------------------------------------------------------
    @property
    def crs(self) -> CRS:
        return CRS.from_epsg(self.epsg)

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) [m] in the grid CRS."""
        return (self.x0, self.y0 - self.height * self.res, self.x0 + self.width * self.res, self.y0)

    @property
    def cell_area_m2(self) -> float:
        return self.res * self.res

    @property
    def cell_area_ha(self) -> float:
        return self.cell_area_m2 / 1.0e4

    def centre_xy(self) -> tuple[float, float]:
        """The catalogue point in grid coordinates [m] (computed once per grid)."""
        if "_centre" not in self.meta:
            t = Transformer.from_crs(4326, self.epsg, always_xy=True)
            self.meta["_centre"] = t.transform(self.lon, self.lat)
        centre: tuple[float, float] = self.meta["_centre"]
        return centre

    def centre_rowcol(self) -> tuple[int, int]:
        x, y = self.centre_xy()
        return int((self.y0 - y) // self.res), int((x - self.x0) // self.res)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Arrays (x, y) [m] of cell centres, each of shape ``self.shape``."""
        xs = self.x0 + (np.arange(self.width) + 0.5) * self.res
        ys = self.y0 - (np.arange(self.height) + 0.5) * self.res
        return np.meshgrid(xs, ys)

    def footprint(self, crs: Any, densify: int = 21) -> tuple[float, float, float, float]:
        """Bounds of the grid in another CRS (edges densified so curved edges are covered)."""
        from rasterio.warp import transform_bounds

        return transform_bounds(self.crs, CRS.from_user_input(crs), *self.bounds,
                                densify_pts=densify)

    def profile(self, dtype: str = "float32", nodata: float | None = None,
                count: int = 1) -> dict[str, Any]:
        """A rasterio profile for a GeoTIFF on this grid (tiled, deflate-compressed)."""
        prof: dict[str, Any] = dict(driver="GTiff", width=self.width, height=self.height,
                                    count=count, dtype=dtype, crs=self.crs,
                                    transform=self.transform, tiled=True, blockxsize=256,
                                    blockysize=256, compress="deflate")
        if nodata is not None:
            prof["nodata"] = nodata
        return prof

    def to_dict(self) -> dict[str, Any]:
        return dict(city_id=self.city_id, epsg=self.epsg, x0=self.x0, y0=self.y0,
                    res=self.res, width=self.width, height=self.height, lon=self.lon,
                    lat=self.lat)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CityGrid:
        return cls(**{k: d[k] for k in ("city_id", "epsg", "x0", "y0", "res", "width",
                                        "height", "lon", "lat")})

    # -- putting layers onto the grid -------------------------------------------------------
    def resample(self, src: np.ndarray, src_transform: Affine, src_crs: Any,
                 kind: LayerKind, src_nodata: float | None = None) -> np.ndarray:
        """Put a source array (already windowed) onto this grid.

        ``count`` preserves totals (see module docstring); ``fraction`` is an area-weighted
        mean; ``class`` takes the mode. Cells the source does not cover are NaN (``count``,
        ``fraction``) or -1 (``class``). ``src`` may be a stack of bands (bands, rows, cols)
        on one source grid (``count``, ``fraction``): they are warped in one pass, each as if
        alone, and come back as a stack.
        """
        from rasterio.warp import Resampling, reproject

        src_crs = CRS.from_user_input(src_crs)
        if kind == "class":
            dst = np.full(self.shape, -1, dtype=np.int32)
            reproject(src.astype(np.int32), dst, src_transform=src_transform, src_crs=src_crs,
                      src_nodata=src_nodata, dst_transform=self.transform, dst_crs=self.crs,
                      dst_nodata=-1, resampling=Resampling.mode)
            return dst
        data = src.astype(np.float64)
        if src_nodata is not None and not (isinstance(src_nodata, float)
                                           and math.isnan(src_nodata)):
            data = np.where(data == src_nodata, np.nan, data)
        if kind == "count":
            area = cell_areas_m2(src_transform, src_crs, data.shape[-2:])
            data = data / area
        dst = np.full(data.shape[:-2] + self.shape, np.nan, dtype=np.float64)
        # one warp for a stack: GDAL's set-up (a Mollweide-to-UTM transformation costs ~25 ms
        # to build) is paid once, the pixels of each band are the same as warped alone
        reproject(data, dst, src_transform=src_transform, src_crs=src_crs, src_nodata=np.nan,
                  dst_transform=self.transform, dst_crs=self.crs, dst_nodata=np.nan,
                  resampling=Resampling.average)
        if kind == "count":
            dst = dst * self.true_cell_areas_m2()
            # GDAL's average weights approximate each target cell's footprint in the source
            # grid, which loses or gains ~0.1 % of the mass where the two grids are rotated
            # against each other (Mollweide vs UTM away from the central meridian). Restore
            # the total exactly: source cells whose centres fall inside the grid.
            inside = self._source_inside(src_transform, src_crs, data.shape[-2:])
            if dst.ndim == 3:
                return np.stack([_restore_total(d, s, inside, src_nodata)
                                 for d, s in zip(dst, src)])
            dst = _restore_total(dst, src, inside, src_nodata)
        return dst

    def source_centres(self, src_transform: Affine, src_crs: Any,
                       shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) [m] in this grid's CRS of the cell centres of a source raster of ``shape``.

        Also keeps which of them lie inside the grid, what a ``count`` resample of that
        source needs (a caller that has the centres anyway saves a second projection)."""
        src_crs = CRS.from_user_input(src_crs)
        cols, rows = np.meshgrid(np.arange(shape[1]) + 0.5, np.arange(shape[0]) + 0.5)
        x, y = src_transform * (cols, rows)  # type: ignore[operator]  # Affine maps arrays
        if src_crs != self.crs:
            x, y = _transformer(src_crs, self.epsg).transform(x, y)
        key = ("_inside", tuple(src_transform)[:6], tuple(shape), src_crs.to_wkt())
        if key not in self.meta:
            left, bottom, right, top = self.bounds
            self.meta[key] = (x >= left) & (x < right) & (y > bottom) & (y <= top)
        return np.asarray(x), np.asarray(y)

    def _source_inside(self, src_transform: Affine, src_crs: CRS,
                       shape: tuple[int, int]) -> np.ndarray:
        """Mask of source cells whose centres lie inside this grid (cached per source grid)."""
        key = ("_inside", tuple(src_transform)[:6], tuple(shape), src_crs.to_wkt())
        if key not in self.meta:
            self.source_centres(src_transform, src_crs, shape)
        return self.meta[key]

    def true_cell_areas_m2(self) -> np.ndarray:
        """True (ellipsoidal) area of each grid cell [m²]: res² over UTM's areal scale."""
        key = "_true_areas"
        if key not in self.meta:
            self.meta[key] = cell_areas_m2(self.transform, self.crs, self.shape)
        return self.meta[key]


def _restore_total(dst: np.ndarray, src: np.ndarray, inside: np.ndarray,
                   src_nodata: float | None) -> np.ndarray:
    """``dst`` scaled so that its total is that of the ``src`` cells ``inside`` the grid."""
    want = float(np.nansum(np.where(inside, src, 0.0) if src_nodata is None else
                           np.where(inside & (src != src_nodata), src, 0.0)))
    got = float(np.nansum(dst))
    if got > 0 and want > 0:
        dst = dst * (want / got)
    return dst


@lru_cache(maxsize=16)
def _transformer(src_crs: CRS, epsg: int) -> Transformer:
    """A transformer from a CRS to a grid's UTM zone, kept: building one from Mollweide costs
    ~25 ms, and every city of a zone asks for the same."""
    return Transformer.from_crs(src_crs, CRS.from_epsg(epsg), always_xy=True)


#: the last few results of :func:`cell_areas_m2`, by (transform, CRS as WKT, shape): every
#: layer of a product read for one city (built-up and population of each epoch) asks for the
#: same window, and the areal scale of a projection costs ~0.3 s per window
_AREAS: dict[tuple[Any, ...], np.ndarray] = {}
_AREAS_KEPT = 4


def forget_cell_areas() -> None:
    """Drop the kept cell areas (at the end of a city: the next city has other windows)."""
    _AREAS.clear()


def cell_areas_m2(transform: Affine, crs: Any, shape: tuple[int, int]) -> np.ndarray:
    """True area of each cell of a raster [m²], broadcastable to ``shape``.

    Projected CRSs use |a·e| divided by the projection's areal scale factor at the cell (1 for
    equal-area projections such as Mollweide; about 0.9996² near a UTM central meridian);
    geographic CRSs use the area of the cell on the authalic sphere of the CRS's ellipsoid
    (exact for a lat/lon box on a sphere), per row. The array is read-only: the last few are
    kept and handed out again for the same window.
    """
    crs = CRS.from_user_input(crs)
    key = (tuple(transform)[:6], crs.to_wkt(), (int(shape[0]), int(shape[1])))
    if key not in _AREAS:
        area = _cell_areas_m2(transform, crs, shape)
        area.setflags(write=False)
        while len(_AREAS) >= _AREAS_KEPT:
            del _AREAS[next(iter(_AREAS))]
        _AREAS[key] = area
    return _AREAS[key]


def _cell_areas_m2(transform: Affine, crs: Any, shape: tuple[int, int]) -> np.ndarray:
    if crs.is_geographic:
        ell = crs.ellipsoid
        a, b = ell.semi_major_metre, ell.semi_minor_metre
        e2 = 1 - (b * b) / (a * a)
        e = math.sqrt(e2)
        # authalic radius
        rq = (a * math.sqrt((1 + (1 - e2) / (2 * e) * math.log((1 + e) / (1 - e))) / 2)
              if e > 0 else a)
        rows = np.arange(shape[0] + 1)
        lats = transform.f + transform.e * rows  # top edges [deg]
        lats = np.clip(lats, -90, 90)
        dlon = abs(transform.a)
        s = np.sin(np.radians(lats))
        band = np.abs(s[:-1] - s[1:]) * math.radians(dlon) * rq * rq
        return band[:, None] * np.ones((1, shape[1]))
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    nominal = abs(transform.a * transform.e) * unit * unit
    return nominal / _areal_scale(transform, crs, shape)


@lru_cache(maxsize=32)
def _proj(wkt: str):
    """A cached PROJ object (building one costs ~30 ms)."""
    from pyproj import Proj

    return Proj(CRS.from_wkt(wkt))


def _areal_scale(transform: Affine, crs: CRS, shape: tuple[int, int], step: int = 32) -> np.ndarray:
    """Areal scale factor of a projected CRS at each cell centre (1 for equal-area CRSs).

    Evaluated with PROJ (``Proj.get_factors``) on every ``step``-th cell and interpolated
    bilinearly; the factor varies by ~1e-4 across a city, so this is exact to ~1e-9.
    """
    from scipy.interpolate import RegularGridInterpolator

    proj = _proj(crs.to_wkt())
    h, w = shape
    # equal-area projections (Mollweide, LAEA, ...): scale 1 everywhere — check the corners
    cx, cy = transform * (np.array([0.5, w - 0.5, 0.5, w - 0.5, w / 2]),  # type: ignore[operator]
                          np.array([0.5, 0.5, h - 0.5, h - 0.5, h / 2]))
    k0 = np.asarray(proj.get_factors(*proj(cx, cy, inverse=True)).areal_scale)
    if np.all(np.abs(k0 - 1.0) < 1e-12):
        return np.ones(shape)
    rows = np.unique(np.r_[np.arange(0, h, step), h - 1]).astype(float)
    cols = np.unique(np.r_[np.arange(0, w, step), w - 1]).astype(float)
    cc, rr = np.meshgrid(cols + 0.5, rows + 0.5)
    x, y = transform * (cc, rr)  # type: ignore[operator]  # Affine maps arrays
    lon, lat = proj(x, y, inverse=True)
    k = np.asarray(proj.get_factors(lon, lat).areal_scale, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        return np.ones(shape)
    if len(rows) == 1 or len(cols) == 1:
        return np.full(shape, float(np.mean(k)))
    f = RegularGridInterpolator((rows, cols), k)
    R, C = np.meshgrid(np.arange(h, dtype=float), np.arange(w, dtype=float), indexing="ij")
    return f(np.stack([R.ravel(), C.ravel()], axis=1)).reshape(shape)


def for_city(city: Any, *, res_m: float = 100.0, buffer_km: float = 3.0,
             design_density: float = 40.0, size_factor: float = 2.0,
             epochs: tuple[int, ...] | list[int] = ()) -> CityGrid:
    """The study grid of a catalogue city, sized for its largest population over ``epochs``."""
    pops = [city.population_at(e)[0] for e in epochs] or [city.population]
    half = grid_half_size_m(max(pops), design_density=design_density, factor=size_factor,
                            buffer_km=buffer_km, res=res_m)
    return CityGrid.around(city.city_id, city.lon, city.lat, half, res=res_m)


class GridKw(TypedDict):
    """The keyword arguments of :func:`for_city` that come from the ``grid`` settings."""

    res_m: float
    buffer_km: float
    design_density: float
    size_factor: float


def grid_kw(cfg: Any) -> GridKw:
    """The city-grid settings of a study configuration, as :func:`for_city` takes them."""
    return GridKw(res_m=cfg.grid.res_m, buffer_km=cfg.grid.buffer_km,
                  design_density=cfg.grid.design_density, size_factor=cfg.grid.size_factor)
