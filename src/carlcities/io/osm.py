"""OpenStreetMap PBF reader: street ways and destinations, clipped to a city's study area.

One streaming pass with pyosmium (``FileProcessor`` with node locations and area assembly):
memory grows with the ways and destinations kept, never with the file. Untagged objects are
filtered out in C++ before they reach Python.

Streets
-------
Every way with a ``highway`` tag is kept with the tags that the network filters and speeds
need (:data:`WAY_TAGS`): highway class, access, foot / motor restrictions, oneway, junction,
maxspeed, lanes, service, area, sidewalk. Which ways make the walk, drive or all network is
decided later by :mod:`carlcities.network` (OSMnx's filters).

Destinations: the tag table
---------------------------
A feature (node, way or multipolygon relation) is a destination of type T when any of its
tags matches a ``key=value`` pair of :data:`DESTINATION_TAGS`; one feature may be of several
types. Polygons (closed ways, multipolygons) are represented by their centroid and, for
``park``, by up to 32 points of their outline (entry points) and their area [m²].

=============  ==========================================================================
type           tags
=============  ==========================================================================
school         amenity=school
kindergarten   amenity=kindergarten, amenity=childcare
clinic         amenity=clinic, amenity=doctors, healthcare=clinic, healthcare=doctor,
               healthcare=centre
hospital       amenity=hospital, healthcare=hospital
pharmacy       amenity=pharmacy, healthcare=pharmacy, shop=chemist
market         amenity=marketplace, shop=supermarket, shop=convenience, shop=greengrocer,
               shop=general, shop=grocery
park           leisure=park, leisure=garden, leisure=playground, leisure=recreation_ground,
               leisure=nature_reserve, landuse=recreation_ground, landuse=village_green,
               place=square (public open space; area from the polygon)
transit        highway=bus_stop, public_transport=platform, public_transport=stop_position,
               public_transport=station, railway=station, railway=halt, railway=tram_stop,
               railway=subway_entrance, amenity=bus_station, amenity=ferry_terminal
fire_station   amenity=fire_station
police         amenity=police
shelter        emergency=assembly_point, amenity=shelter, social_facility=shelter
=============  ==========================================================================

Gardens and parks marked ``access=private|no`` are left out of ``park``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from carlcities.errors import OSMError

__all__ = ["DESTINATION_TAGS", "DESTINATION_TYPES", "WAY_TAGS", "OSMData", "Destinations",
           "read_osm", "destination_types_of", "forget_last_read"]

#: type -> {key: set of values}; see the module docstring.
DESTINATION_TAGS: dict[str, dict[str, frozenset[str]]] = {
    "school": {"amenity": frozenset({"school"})},
    "kindergarten": {"amenity": frozenset({"kindergarten", "childcare"})},
    "clinic": {"amenity": frozenset({"clinic", "doctors"}),
               "healthcare": frozenset({"clinic", "doctor", "centre"})},
    "hospital": {"amenity": frozenset({"hospital"}), "healthcare": frozenset({"hospital"})},
    "pharmacy": {"amenity": frozenset({"pharmacy"}), "healthcare": frozenset({"pharmacy"}),
                 "shop": frozenset({"chemist"})},
    "market": {"amenity": frozenset({"marketplace"}),
               "shop": frozenset({"supermarket", "convenience", "greengrocer", "general",
                                  "grocery"})},
    "park": {"leisure": frozenset({"park", "garden", "playground", "recreation_ground",
                                   "nature_reserve"}),
             "landuse": frozenset({"recreation_ground", "village_green"}),
             "place": frozenset({"square"})},
    "transit": {"highway": frozenset({"bus_stop"}),
                "public_transport": frozenset({"platform", "stop_position", "station"}),
                "railway": frozenset({"station", "halt", "tram_stop", "subway_entrance"}),
                "amenity": frozenset({"bus_station", "ferry_terminal"})},
    "fire_station": {"amenity": frozenset({"fire_station"})},
    "police": {"amenity": frozenset({"police"})},
    "shelter": {"emergency": frozenset({"assembly_point"}), "amenity": frozenset({"shelter"}),
                "social_facility": frozenset({"shelter"})},
}
DESTINATION_TYPES: tuple[str, ...] = tuple(DESTINATION_TAGS)
_DEST_KEYS = sorted({k for t in DESTINATION_TAGS.values() for k in t})

#: tags of street ways kept for the network filters, directions and speeds
WAY_TAGS: tuple[str, ...] = ("highway", "access", "foot", "motor_vehicle", "motorcar", "oneway",
                             "junction", "maxspeed", "lanes", "service", "area", "sidewalk",
                             "sidewalk:both", "sidewalk:left", "sidewalk:right", "bicycle")

_PARK_POINTS = 32


def destination_types_of(tags: Any) -> list[str]:
    """Destination types (of :data:`DESTINATION_TAGS`) that an OSM tag list matches."""
    out = []
    for typ, table in DESTINATION_TAGS.items():
        for key, values in table.items():
            v = tags.get(key) if hasattr(tags, "get") else None
            if v is not None and v in values:
                if typ == "park" and tags.get("access") in ("private", "no"):
                    break
                out.append(typ)
                break
    return out


@dataclass
class Destinations:
    """Destinations by type, in the grid CRS.

    ``type`` [str], ``x``/``y`` [m] the representative point, ``osm_type`` ('n', 'w', 'r'),
    ``osm_id``, ``area_m2`` (NaN for points), and entry points: ``point_dest`` (index into the
    destinations) with ``point_x``/``point_y`` [m] (the representative point, plus outline
    points for parks).
    """

    type: np.ndarray
    x: np.ndarray
    y: np.ndarray
    osm_type: np.ndarray
    osm_id: np.ndarray
    area_m2: np.ndarray
    point_dest: np.ndarray
    point_x: np.ndarray
    point_y: np.ndarray

    def __len__(self) -> int:
        return int(self.type.size)

    def counts(self) -> dict[str, int]:
        return {t: int(np.sum(self.type == t)) for t in DESTINATION_TYPES}

    def points_of(self, typ: str, min_area_m2: float = 0.0) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
        """Entry points (x, y, destination index) of destinations of ``typ`` with area ≥ min."""
        ok = self.type == typ
        if min_area_m2 > 0:
            ok &= np.nan_to_num(self.area_m2, nan=0.0) >= min_area_m2
        sel = ok[self.point_dest]
        return self.point_x[sel], self.point_y[sel], self.point_dest[sel]


@dataclass
class OSMData:
    """What :func:`read_osm` gives: street ways and destinations, in ``epsg`` metres.

    Ways: ``way_ptr`` (n_ways + 1) into the per-way-node arrays ``node_id``, ``x``, ``y``,
    ``lon``, ``lat``; ``way_id`` and ``way_tags`` (dicts of :data:`WAY_TAGS`). ``header``:
    the file's generator and bounding box; ``notes``: what was clipped or skipped.
    """

    path: str
    epsg: int
    way_id: np.ndarray
    way_ptr: np.ndarray
    node_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    way_tags: list[dict[str, str]]
    destinations: Destinations
    header: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def n_ways(self) -> int:
        return int(self.way_id.size)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise OSMError("OSM file not found", path=path,
                       fix="check the path (data.osm in the config, or the command argument)")
    if path.stat().st_size == 0:
        raise OSMError("OSM file is empty", path=path, fix="download the extract again")
    name = path.name.lower()
    if not name.endswith(".pbf"):
        raise OSMError("only OSM PBF files (.osm.pbf) are read", path=path,
                       fix="convert it with `osmium cat FILE -o FILE.osm.pbf`")
    with path.open("rb") as f:
        head = f.read(16)
    # a PBF starts with a 4-byte big-endian header length, then a BlobHeader whose first
    # field (type, tag 0x0A) holds "OSMHeader"
    if len(head) < 8 or head[4] != 0x0A:
        raise OSMError("not an OSM PBF file (bad header)", path=path,
                       fix="give an .osm.pbf extract (e.g. from Geofabrik); XML is not read")


def read_osm(path: str | Path, epsg: int, *, bounds: tuple[float, float, float, float] | None
             = None, boundary: Any = None) -> OSMData:
    """Read street ways and destinations of an OSM PBF file, projected to EPSG ``epsg``.

    Parameters
    ----------
    path : path of an ``.osm.pbf`` file.
    epsg : the metric CRS of the city grid (UTM).
    bounds : (left, bottom, right, top) [m] in ``epsg``: the study area; way nodes outside
        it are dropped (ways split there) and destinations outside it left out.
    boundary : optional shapely polygon in ``epsg``: clip to it as well.

    Raises
    ------
    OSMError
        The file is missing, empty, not PBF or truncated / corrupt.
    """
    path = Path(path)
    _check_file(path)
    if boundary is not None:
        return _read_osm(path, epsg, bounds, boundary)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, int(epsg),
           None if bounds is None else tuple(float(b) for b in bounds))
    if key not in _LAST_READ:
        data = _read_osm(path, epsg, bounds, None)
        for a in _arrays(data):
            a.setflags(write=False)
        _LAST_READ.clear()
        _LAST_READ[key] = data
    kept = _LAST_READ[key]
    return replace(kept, way_tags=list(kept.way_tags), header=dict(kept.header),
                   notes=list(kept.notes), counts=dict(kept.counts))


#: the last file read by :func:`read_osm` (without a boundary), by path, size, modification
#: time, CRS and bounds: the mobility and risk engines read a city's extract one after the
#: other in the same process. Its arrays are read-only; the lists and dicts are copied.
_LAST_READ: dict[tuple[Any, ...], OSMData] = {}


def forget_last_read() -> None:
    """Drop the kept extract (at the end of a city: the next city reads its own file)."""
    _LAST_READ.clear()


def _arrays(data: OSMData) -> list[np.ndarray]:
    d = data.destinations
    return [data.way_id, data.way_ptr, data.node_id, data.x, data.y, data.lon, data.lat,
            d.type, d.x, d.y, d.osm_type, d.osm_id, d.area_m2, d.point_dest, d.point_x,
            d.point_y]


def _read_osm(path: Path, epsg: int, bounds: tuple[float, float, float, float] | None,
              boundary: Any) -> OSMData:
    import osmium
    from pyproj import Transformer

    keys = ["highway", *_DEST_KEYS]
    ways_nodes: list[list[int]] = []
    ways_lon: list[list[float]] = []
    ways_lat: list[list[float]] = []
    way_ids: list[int] = []
    way_tags: list[dict[str, str]] = []
    d_type: list[str] = []
    d_lon: list[float] = []
    d_lat: list[float] = []
    d_osm_type: list[str] = []
    d_osm_id: list[int] = []
    d_rings: list[list[tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]]
                 | None] = []
    header: dict[str, Any] = {}
    bad_locations = 0
    try:
        fp = (osmium.FileProcessor(str(path))
              .with_locations()
              .with_areas(osmium.filter.KeyFilter(*_DEST_KEYS))
              .with_filter(osmium.filter.EmptyTagFilter())
              .with_filter(osmium.filter.KeyFilter(*keys)))
        h = fp.header
        header["generator"] = h.get("generator", "")
        try:
            box = h.box()
            if box.valid():
                header["bbox"] = (box.bottom_left.lon, box.bottom_left.lat,
                                  box.top_right.lon, box.top_right.lat)
        except Exception:  # noqa: BLE001 - a header without a box is fine
            pass
        for obj in fp:
            # the tags as a dict, read once (each TagList look-up is a call into C++)
            tags = {t.k: t.v for t in obj.tags}
            # isinstance is what pyosmium's is_node()/is_way()/is_area() do; it narrows the
            # Node | Way | Relation | Area | Changeset union for the type checker
            if isinstance(obj, osmium.osm.Node):
                types = destination_types_of(tags)
                if types and obj.location.valid():
                    for t in types:
                        d_type.append(t)
                        d_lon.append(obj.location.lon)
                        d_lat.append(obj.location.lat)
                        d_osm_type.append("n")
                        d_osm_id.append(obj.id)
                        d_rings.append(None)
            elif isinstance(obj, osmium.osm.Way):
                if "highway" in tags:
                    wt = {k: tags[k] for k in WAY_TAGS if k in tags}
                    nodes = list(obj.nodes)  # one pass over the C++ node list
                    try:
                        ids = [n.ref for n in nodes]
                        locs = [n.location for n in nodes]
                        lons = [loc.lon for loc in locs]
                        lats = [loc.lat for loc in locs]
                        runs: list[tuple[list[int], list[float], list[float]]] = [
                            (ids, lons, lats)]
                    except osmium.InvalidLocationError:
                        # nodes missing from the extract: keep the runs of located nodes
                        bad_locations += 1
                        runs = []
                        cur: tuple[list[int], list[float], list[float]] = ([], [], [])
                        for nd in nodes:
                            if nd.location.valid():
                                cur[0].append(nd.ref)
                                cur[1].append(nd.location.lon)
                                cur[2].append(nd.location.lat)
                            else:
                                runs.append(cur)
                                cur = ([], [], [])
                        runs.append(cur)
                    for ids, lons, lats in runs:
                        if len(ids) < 2:
                            continue
                        ways_nodes.append(ids)
                        ways_lon.append(lons)
                        ways_lat.append(lats)
                        way_ids.append(obj.id)
                        way_tags.append(wt)
                if not obj.is_closed():
                    types = destination_types_of(tags)
                    if types:
                        try:
                            lo = np.array([n.lon for n in obj.nodes])
                            la = np.array([n.lat for n in obj.nodes])
                        except osmium.InvalidLocationError:
                            continue
                        for t in types:
                            d_type.append(t)
                            d_lon.append(float(lo.mean()))
                            d_lat.append(float(la.mean()))
                            d_osm_type.append("w")
                            d_osm_id.append(obj.id)
                            d_rings.append(None)
            elif isinstance(obj, osmium.osm.Area):
                types = destination_types_of(tags)
                if not types:
                    continue
                polys = []
                try:
                    for outer in obj.outer_rings():
                        ox = np.array([n.lon for n in outer])
                        oy = np.array([n.lat for n in outer])
                        inners = [(np.array([n.lon for n in r]), np.array([n.lat for n in r]))
                                  for r in obj.inner_rings(outer)]
                        polys.append((ox, oy, inners))
                except osmium.InvalidLocationError:
                    continue
                if not polys:
                    continue
                lo = np.concatenate([p[0] for p in polys])
                la = np.concatenate([p[1] for p in polys])
                for t in types:
                    d_type.append(t)
                    d_lon.append(float(lo.mean()))
                    d_lat.append(float(la.mean()))
                    d_osm_type.append("w" if obj.from_way() else "r")
                    d_osm_id.append(obj.orig_id())
                    d_rings.append(polys)
    except OSMError:
        raise
    except Exception as exc:  # osmium raises RuntimeError on truncated / corrupt input
        raise OSMError(f"cannot read the OSM file ({type(exc).__name__}: {exc})", path=path,
                       fix="the file is truncated or corrupt: download it again, or check it "
                           "with `osmium fileinfo -e FILE`") from exc

    to_xy = Transformer.from_crs(4326, epsg, always_xy=True)
    notes: list[str] = []
    if bad_locations:
        notes.append(f"{bad_locations} highway ways lack some node locations (an extract "
                     "cut without complete ways): only their located parts are kept")
    # ---- ways: concatenate, project, clip
    lens = np.fromiter((len(w) for w in ways_nodes), dtype=np.int64, count=len(ways_nodes))
    node_id = np.fromiter((i for w in ways_nodes for i in w), dtype=np.int64,
                          count=int(lens.sum()))
    lon = np.fromiter((v for w in ways_lon for v in w), dtype=np.float64, count=node_id.size)
    lat = np.fromiter((v for w in ways_lat for v in w), dtype=np.float64, count=node_id.size)
    way_id = np.asarray(way_ids, dtype=np.int64)
    way_of = np.repeat(np.arange(lens.size), lens)
    x, y = to_xy.transform(lon, lat) if node_id.size else (np.zeros(0), np.zeros(0))
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    inside = _inside(x, y, bounds, boundary)
    n_read = int(lens.size)
    if not inside.all():
        # split ways where nodes fall outside: each run of inside nodes becomes a piece
        keep_idx = np.flatnonzero(inside)
        brk = np.ones(keep_idx.size, dtype=bool)
        if keep_idx.size:
            brk[1:] = (np.diff(keep_idx) != 1) | (np.diff(way_of[keep_idx]) != 0)
        starts = np.flatnonzero(brk)
        plens = np.diff(np.r_[starts, keep_idx.size])
        good = plens >= 2
        piece_of_node = np.repeat(np.arange(starts.size), plens)
        keep_node = good[piece_of_node]
        keep_idx = keep_idx[keep_node]
        first_nodes = starts[good]
        src_way = way_of[np.flatnonzero(inside)[first_nodes]] if first_nodes.size else \
            np.zeros(0, np.int64)
        plens = plens[good]
        node_id, x, y, lon, lat = (a[keep_idx] for a in (node_id, x, y, lon, lat))
        way_id = way_id[src_way]
        way_tags = [way_tags[i] for i in src_way]
        lens = plens
        dropped = n_read - np.unique(src_way).size
        notes.append(f"clipped to the study area: {dropped} of {n_read} highway ways lie "
                     "wholly outside it")
    way_ptr = np.r_[0, np.cumsum(lens)].astype(np.int64)

    # ---- destinations
    dest = _destinations(d_type, d_lon, d_lat, d_osm_type, d_osm_id, d_rings, to_xy, bounds,
                         boundary)
    return OSMData(path=str(path), epsg=int(epsg), way_id=way_id, way_ptr=way_ptr,
                   node_id=node_id, x=x, y=y, lon=lon, lat=lat, way_tags=way_tags,
                   destinations=dest, header=header, notes=notes,
                   counts=dict(ways_read=n_read, ways_kept=int(way_id.size),
                               destinations_read=len(d_type), destinations_kept=len(dest)))


def _inside(x: np.ndarray, y: np.ndarray, bounds, boundary) -> np.ndarray:
    ok = np.ones(x.shape, dtype=bool)
    if bounds is not None:
        left, bottom, right, top = bounds
        ok &= (x >= left) & (x <= right) & (y >= bottom) & (y <= top)
    if boundary is not None and x.size:
        import shapely

        ok &= shapely.contains_xy(boundary, x, y)
    return ok


def _ring_area(x: np.ndarray, y: np.ndarray) -> float:
    """Area of a ring [m²] by the shoelace formula."""
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _project_rings(d_rings, to_xy) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Every polygon ring in the grid CRS, keyed by ``id`` of its longitude array: one PROJ
    call for all of them (each point is projected on its own, so the numbers are those of
    one call per ring)."""
    rings = {id(ox): (ox, oy) for polys in d_rings if polys is not None
             for outer_x, outer_y, inners in polys
             for ox, oy in ((outer_x, outer_y), *inners)}
    if not rings:
        return {}
    lon = np.concatenate([ox for ox, _ in rings.values()])
    lat = np.concatenate([oy for _, oy in rings.values()])
    x, y = (np.asarray(v, dtype=np.float64) for v in to_xy.transform(lon, lat))
    cuts = np.cumsum([ox.size for ox, _ in rings.values()])[:-1]
    return {k: (px.copy(), py.copy())
            for k, px, py in zip(rings, np.split(x, cuts), np.split(y, cuts))}


def _destinations(d_type, d_lon, d_lat, d_osm_type, d_osm_id, d_rings, to_xy, bounds,
                  boundary) -> Destinations:
    n = len(d_type)
    px: list[np.ndarray] = []
    py: list[np.ndarray] = []
    pd: list[np.ndarray] = []
    area = np.full(n, np.nan)
    if n:
        x, y = (np.asarray(a, dtype=np.float64) for a in to_xy.transform(np.asarray(d_lon),
                                                                         np.asarray(d_lat)))
    else:
        x = y = np.zeros(0)
    projected = _project_rings(d_rings, to_xy)
    for i in range(n):
        rings = d_rings[i]
        pts_x = [np.array([x[i]])]
        pts_y = [np.array([y[i]])]
        if rings is not None:
            a = 0.0
            for ox, _, inners in rings:
                rx, ry = projected[id(ox)]
                a += _ring_area(rx, ry)
                for ix, _ in inners:
                    jx, jy = projected[id(ix)]
                    a -= _ring_area(jx, jy)
                if d_type[i] == "park":
                    step = max(1, math.ceil(rx.size / _PARK_POINTS))
                    pts_x.append(rx[::step])
                    pts_y.append(ry[::step])
            area[i] = a
        cx = np.concatenate(pts_x)
        cy = np.concatenate(pts_y)
        px.append(cx)
        py.append(cy)
        pd.append(np.full(cx.size, i, dtype=np.int64))
    point_x = np.concatenate(px) if px else np.zeros(0)
    point_y = np.concatenate(py) if py else np.zeros(0)
    point_dest = np.concatenate(pd) if pd else np.zeros(0, dtype=np.int64)
    keep = _inside(x, y, bounds, boundary)
    # a park whose centroid is outside but whose outline reaches in: keep its inside points
    pin = _inside(point_x, point_y, bounds, boundary)
    has_pt = np.zeros(n, dtype=bool)
    has_pt[point_dest[pin]] = True
    keep |= has_pt & (np.asarray(d_type, dtype=object) == "park") if n else keep
    remap = np.cumsum(keep) - 1
    psel = pin & keep[point_dest] if n else pin
    return Destinations(
        type=np.asarray(d_type, dtype=object)[keep] if n else np.zeros(0, dtype=object),
        x=x[keep], y=y[keep],
        osm_type=np.asarray(d_osm_type, dtype=object)[keep] if n else np.zeros(0, dtype=object),
        osm_id=np.asarray(d_osm_id, dtype=np.int64)[keep] if n else np.zeros(0, np.int64),
        area_m2=area[keep],
        point_dest=remap[point_dest[psel]] if n else np.zeros(0, np.int64),
        point_x=point_x[psel], point_y=point_y[psel])
