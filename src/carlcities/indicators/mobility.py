"""Street-network indicators (theme ``mobility``) and the mobility pipeline step.

The ``mobility.*`` indicators are OSMnx's ``basic_stats`` and Boeing's (2019) orientation
measures of the city's simplified walk network (largest component, as OSMnx), plus street
and intersection densities per zone. :func:`compute_mobility` is the one pipeline entry
point: it reads the city's OSM PBF, builds the walk and drive networks, measures them, runs
one multi-source Dijkstra pass per destination type and forms the zone aggregates of the
``access`` theme (:mod:`carlcities.indicators.access`).

References
----------
Boeing, G. (2017). OSMnx. *Computers, Environment and Urban Systems* 65:126–139.
doi:10.1016/j.compenvurbsys.2017.05.004

Boeing, G. (2019). Urban spatial order: street network orientation, configuration, and
entropy. *Applied Network Science* 4:67. doi:10.1007/s41109-019-0189-1
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carlcities.indicators.registry import IndicatorResult, divide, indicator

if TYPE_CHECKING:
    from carlcities._epochs import EpochData

__all__ = ["MobilityResult", "mobility_settings", "compute_mobility", "network_stats"]

OSMNX = "Boeing (2017) OSMnx, CEUS 65:126, doi:10.1016/j.compenvurbsys.2017.05.004"
BOEING19 = "Boeing (2019) Applied Network Science 4:67, doi:10.1007/s41109-019-0189-1"

def mobility_settings(cfg: Any = None) -> dict[str, Any]:
    """The mobility settings of a configuration (the bundled default's when ``cfg`` is None):
    every value comes from :data:`carlcities.config.SETTINGS`; ``gtfs`` is per city (None)."""
    if cfg is None:
        from carlcities.config import default_config

        cfg = default_config()
    m = cfg.mobility
    return dict(walk_speed_kmh=m.walk_speed_kmh, snap_max_m=m.snap_max_m,
                consolidate_m=m.consolidate_m, thresholds_m=list(m.thresholds_m),
                green_min_ha=m.green_min_ha, gtfs=None)


# --------------------------------------------------------------------------- indicators
def _stat(id_: str, key: str, en: str, ru: str, unit: str, method: str, ref: str = OSMNX,
          higher_is: str = "neutral") -> None:
    @indicator(f"mobility.{id_}", name_en=en, name_ru=ru, unit=unit, inputs=(f"net_{key}",),
               reference=ref, method=method, zonal=False, higher_is=higher_is)
    def f(**kw: float) -> IndicatorResult:
        v = kw[f"net_{key}"]
        return (None, "undefined") if v is None or v != v else float(v)

    f.__doc__ = f"{en} [{unit}] of the simplified walk network ({ref})."


for _a in (
    ("node_count", "n", "Street network nodes", "Узлы уличной сети", "count",
     "nodes of the simplified walk network (largest component)"),
    ("edge_count", "m", "Street network edges", "Рёбра уличной сети", "count",
     "directed edges of the simplified walk network"),
    ("k_avg", "k_avg", "Average node degree", "Средняя степень узла", "ratio", "2m / n"),
    ("edge_length_total", "edge_length_total_km", "Total edge length",
     "Суммарная длина рёбер", "km", "sum of directed edge lengths"),
    ("edge_length_avg", "edge_length_avg", "Mean edge length", "Средняя длина ребра", "m",
     "edge_length_total / m"),
    ("street_length_total", "street_length_total_km", "Total street length",
     "Суммарная длина улиц", "km", "sum of undirected street segment lengths"),
    ("street_length_avg", "street_length_avg", "Mean street segment length",
     "Средняя длина участка улицы", "m", "street_length_total / street_segment_count"),
    ("street_segment_count", "street_segment_count", "Street segments",
     "Участки улиц", "count", "edges of the undirected graph"),
    ("streets_per_node_avg", "streets_per_node_avg", "Mean streets per node",
     "Среднее число улиц на узел", "ratio", "mean physical streets incident on a node"),
    ("dead_end_share", "dead_end_share", "Dead-end share of nodes", "Доля тупиков", "%",
     "nodes with one street / n × 100 (streets-per-node proportion 1)"),
    ("four_way_share", "four_way_share", "Four-way intersection share of nodes",
     "Доля четырёхсторонних перекрёстков", "%", "nodes with four streets / n × 100"),
    ("intersection_count", "intersection_count", "Intersections", "Перекрёстки", "count",
     "nodes with two or more streets"),
    ("clean_intersection_count", "clean_intersection_count",
     "Intersections, consolidated", "Перекрёстки после объединения", "count",
     "intersections merged within consolidate_m (OSMnx consolidate_intersections)"),
    ("circuity_avg", "circuity_avg", "Average circuity", "Средняя извилистость", "ratio",
     "street length / straight-line length between segment ends"),
    ("self_loop_proportion", "self_loop_proportion", "Self-loop proportion",
     "Доля петель", "ratio", "share of street segments that start and end at one node"),
    ("components", "components", "Network components", "Компоненты сети", "count",
     "weakly connected components of the walk network"),
    ("length_outside_largest", "length_outside_share", "Street length outside the largest "
     "component", "Длина улиц вне крупнейшей компоненты", "%",
     "share of edge length outside the largest connected component × 100"),
    ("population_outside_largest", "pop_outside_share", "Population snapped outside the "
     "largest component", "Население вне крупнейшей компоненты", "%",
     "residents whose nearest node lies outside the largest component / residents × 100"),
):
    _stat(*_a)

_stat("orientation_entropy", "orientation_entropy", "Street orientation entropy",
      "Энтропия ориентации улиц", "index", "H = −Σ pᵢ ln pᵢ [nats] over 36 bearing bins",
      BOEING19)
_stat("orientation_order", "orientation_order", "Street orientation order",
      "Упорядоченность ориентации улиц", "index",
      "φ = 1 − ((H − ln 4)/(ln 36 − ln 4))²", BOEING19)


@indicator("mobility.intersection_density", name_en="Intersection density",
           name_ru="Плотность перекрёстков", unit="1/km²",
           inputs=("zone_intersections", "zone_area_km2"), reference=OSMNX,
           method="consolidated intersections in the zone / zone area", higher_is="better")
def intersection_density(zone_intersections: float, zone_area_km2: float) -> IndicatorResult:
    """Consolidated intersections per km² of the zone (OSMnx clean intersection density)."""
    return divide(zone_intersections, zone_area_km2, "zone_area_km2")


@indicator("mobility.street_density", name_en="Street density", name_ru="Плотность улиц",
           unit="km/km²", inputs=("zone_street_km", "zone_area_km2"), reference=OSMNX,
           method="street (undirected) length in the zone / zone area")
def street_density(zone_street_km: float, zone_area_km2: float) -> IndicatorResult:
    """Street length per km² of the zone [km/km²] (OSMnx street_density_km / 1000)."""
    return divide(zone_street_km, zone_area_km2, "zone_area_km2")


# --------------------------------------------------------------------------- engine
@dataclass
class MobilityResult:
    """What :func:`compute_mobility` gives the pipeline: rows, provenance, rasters, notes.

    ``summary`` holds the network statistics and the reports (components, snapping,
    destinations) for the profile; ``network`` the simplified walk graph's edges as arrays
    of line coordinates for the map.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    rasters: dict[str, tuple[np.ndarray, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def network_stats(path: str | Path, *, boundary: Any = None, network: str = "all",
                  clean_int_tol: float = 10.0, epsg: int | None = None) -> dict[str, Any]:
    """OSMnx-style statistics of any PBF extract (the ``network-stats`` command).

    The graph is built like ``osmnx.graph_from_xml`` on the ``network`` filter: largest
    weakly connected component, then simplification. Area for the densities: the
    ``boundary`` polygon (WGS 84), else the file header's bounding box, else the nodes'
    convex hull. ``epsg`` defaults to the UTM zone of the data's centre.
    """
    import shapely
    from pyproj import Transformer

    from carlcities.grid import utm_epsg
    from carlcities.io.osm import read_osm
    from carlcities.network import basic_stats, build_graph, largest_component, simplify

    bpoly = None
    if boundary is not None:
        bpoly = boundary
    if epsg is None:
        import osmium

        box = None
        lon: float | None = None
        lat: float | None = None
        try:
            box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
        except Exception:  # noqa: BLE001 - the reader raises below with a clear error
            box = None
        if box is not None and box.valid():
            lon = (box.bottom_left.lon + box.top_right.lon) / 2
            lat = (box.bottom_left.lat + box.top_right.lat) / 2
        elif bpoly is not None:
            lon, lat = bpoly.centroid.x, bpoly.centroid.y
        if lon is None or lat is None:  # set together above
            osm0 = read_osm(path, 4326)
            lon, lat = float(np.median(osm0.x)), float(np.median(osm0.y))
        epsg = utm_epsg(lon, lat)
    tr = Transformer.from_crs(4326, epsg, always_xy=True)

    def proj(geom):
        return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0],
                                                                             c[:, 1])))

    bproj = proj(bpoly) if bpoly is not None else None
    osm = read_osm(path, epsg, boundary=bproj)
    g = build_graph(osm, network)
    g, rep = largest_component(g)
    gs = simplify(g)
    if bproj is not None:
        area, area_from = float(bproj.area), "boundary"
    elif "bbox" in osm.header:
        lo0, la0, lo1, la1 = osm.header["bbox"]
        area = float(proj(shapely.box(lo0, la0, lo1, la1).segmentize(0.0005)).area)
        area_from = "file header bounding box"
    else:
        area = float(shapely.MultiPoint(np.column_stack([gs.x, gs.y])).convex_hull.area)
        area_from = "convex hull of the nodes"
    s = basic_stats(gs, area_m2=area, clean_int_tol=clean_int_tol)
    s["area_km2"] = area / 1e6
    s["area_from"] = area_from
    s["network"] = network
    s["epsg"] = int(epsg)
    s["clean_int_tol_m"] = clean_int_tol
    s["components"] = rep["components"]
    s["length_outside_largest_share"] = rep["length_outside_share"]
    s["notes"] = osm.notes + gs.notes
    return s


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    v, w = values[ok], weights[ok]
    o = np.argsort(v)
    c = np.cumsum(w[o])
    return float(v[o][np.searchsorted(c, 0.5 * c[-1])])


def _sha256(path: Path) -> str:
    from ..files import sha256_file

    return sha256_file(path)


def compute_mobility(city, grid, osm_path: str | Path | None, epochs_data: Mapping[int, EpochData],
                     weights, zone_ids: list[str], params: dict | None = None
                     ) -> MobilityResult:
    """Street network and access to destinations of one city, for the latest epoch.

    Parameters
    ----------
    city : catalogue city (``city_id`` is used).
    grid : :class:`~carlcities.grid.CityGrid`.
    osm_path : the city's OSM PBF; None gives an empty result with a note.
    epochs_data : ``{epoch: {'population': persons/cell, 'atlas': AtlasResult}}``.
    weights : :class:`~carlcities.zonal.CoverageWeights` over ``zone_ids`` ('city' first).
    params : overrides of :func:`mobility_settings`; ``gtfs`` a GTFS feed path or None.

    Raises
    ------
    OSMError, NetworkError
        Unreadable file; no walkable ways in the study area.
    """
    from carlcities.errors import ConfigError, CoverageError
    from carlcities.indicators import access as AC
    from carlcities.indicators.registry import REGISTRY, all_indicators, evaluate
    from carlcities.io.gtfs import read_gtfs_stop_headways
    from carlcities.io.osm import read_osm
    from carlcities.network import (
        basic_stats,
        build_graph,
        components,
        consolidate,
        largest_component,
        nearest_distance,
        simplify,
        snap,
        to_csr,
    )

    p = mobility_settings()
    p.update({k: v for k, v in (params or {}).items() if v is not None})
    res = MobilityResult()
    if osm_path is None or not epochs_data:
        res.notes.append("no OSM file for this city: mobility and access not computed")
        return res
    bad = [t for t in p["thresholds_m"] if float(t) not in (500.0, 1000.0)]
    if bad:
        raise ConfigError(f"mobility.thresholds_m has {bad}: no indicator is registered for "
                          "them", fix="choose among [500, 1000] (15 minutes is always given)")
    epoch = max(epochs_data)
    pop = np.nan_to_num(np.asarray(epochs_data[epoch]["population"], dtype=np.float64), nan=0.0)
    if float(pop.sum()) <= 0:
        raise CoverageError(f"no population in the study area of {grid.city_id}",
                            fix="check the population layer")
    osm_path = Path(osm_path)
    osm = read_osm(osm_path, grid.epsg, bounds=grid.bounds)
    synthetic = "synthetic" in str(osm.header.get("generator", "")).lower()
    source = f"OpenStreetMap {osm_path.name}" + ("; synthetic demo data" if synthetic else "")
    res.provenance.append(dict(path=str(osm_path), sha256=_sha256(osm_path),
                               product="OpenStreetMap PBF",
                               version=str(osm.header.get("generator", "")), epoch=epoch,
                               role="osm", synthetic=synthetic, notes=list(osm.notes)))
    if osm.n_ways == 0:
        raise CoverageError(f"the OSM file has no street ways inside the study area of "
                            f"{grid.city_id}", path=osm_path,
                            fix="use an extract that covers the city (check data.osm)")
    walk = build_graph(osm, "walk")
    res.notes.extend(osm.notes)

    # ---- network statistics: simplified walk network, largest component (as OSMnx)
    big, rep = largest_component(walk)
    gs = simplify(big)
    from carlcities.network import undirected_edges

    ue = undirected_edges(gs)  # the street segments: for the statistics and the street km
    area_m2 = grid.width * grid.height * grid.cell_area_m2
    st = basic_stats(gs, area_m2=area_m2, clean_int_tol=p["consolidate_m"], undirected=ue)
    props = st["streets_per_node_proportions"]
    net = {f"net_{k}": st[k] for k in ("n", "m", "k_avg", "edge_length_avg", "street_length_avg",
                                       "street_segment_count", "streets_per_node_avg",
                                       "intersection_count", "clean_intersection_count",
                                       "circuity_avg", "self_loop_proportion",
                                       "orientation_entropy", "orientation_order")}
    net.update(net_edge_length_total_km=st["edge_length_total"] / 1e3,
               net_street_length_total_km=st["street_length_total"] / 1e3,
               net_dead_end_share=100.0 * props.get(1, 0.0),
               net_four_way_share=100.0 * props.get(4, 0.0),
               net_components=float(rep["components"]),
               net_length_outside_share=100.0 * rep["length_outside_share"])

    # ---- population cells → walk network
    snap_max = float(p["snap_max_m"])
    cx, cy = grid.cell_centres()
    occ = pop > 0
    node, sd = snap(walk, cx[occ], cy[occ], snap_max)
    has = node >= 0
    _, lab = components(walk)
    biglab = np.argmax(np.bincount(lab))
    pocc = pop[occ]
    pop_total = float(pocc.sum())
    out_big = float(pocc[has & (lab[np.maximum(node, 0)] != biglab)].sum())
    net["net_pop_outside_share"] = 100.0 * out_big / pop_total if pop_total > 0 else None
    no_net = np.zeros(grid.shape)
    no_net[occ] = np.where(has, 0.0, pocc)
    if pop_total > 0 and (~has).any():
        res.notes.append(f"{100 * float(pocc[~has].sum()) / pop_total:.1f} % of residents live "
                         f"farther than {snap_max:g} m from the walk network (no network "
                         "access)")
    if rep["components"] > 1:
        res.notes.append(f"walk network in {rep['components']} components: "
                         f"{100 * rep['length_outside_share']:.1f} % of street length and "
                         f"{net['net_pop_outside_share'] or 0:.1f} % of residents outside the "
                         "largest (kept, served by destinations in their own component)")

    # ---- destinations → extra nodes of the walk graph; one Dijkstra per type
    dest = osm.destinations
    walk_m = p["walk_speed_kmh"] * 1000.0 / 60.0  # [m/min]
    d15 = 15.0 * walk_m
    ex_u, ex_v, ex_w = [], [], []
    nxt = walk.n
    type_nodes: dict[str, np.ndarray] = {}
    dest_report: dict[str, dict[str, int]] = {}
    for typ in AC.ACCESS_TYPES:
        px, py, pdest = dest.points_of(typ, p["green_min_ha"] * 1e4 if typ == "park" else 0.0)
        nd, dd = snap(walk, px, py, snap_max)
        ok = nd >= 0
        n_dest = int(np.unique(pdest).size)
        reach = int(np.unique(pdest[ok]).size)
        dest_report[typ] = dict(destinations=n_dest, reachable=reach)
        if n_dest and reach < n_dest:
            res.notes.append(f"{n_dest - reach} of {n_dest} {typ} destinations lie farther "
                             f"than {snap_max:g} m from the walk network (left out)")
        k = int(ok.sum())
        ids = np.arange(nxt, nxt + k)
        nxt += k
        ex_u.append(ids)
        ex_v.append(nd[ok])
        ex_w.append(dd[ok])
        type_nodes[typ] = ids
    extra = (np.concatenate(ex_u), np.concatenate(ex_v), np.concatenate(ex_w))
    csr = to_csr(walk, undirected=True, n=nxt, extra=extra)
    cell_node = np.where(has, node, 0)
    dist: dict[str, np.ndarray] = {}
    for typ in AC.ACCESS_TYPES:
        src = type_nodes[typ]
        d_node = nearest_distance(csr, src, directed=False)
        dcell = np.full(pocc.shape, np.inf)
        dcell[has] = d_node[cell_node[has]] + sd[has]
        dist[typ] = dcell

    # ---- drive network: times to hospital and fire station (reverse Dijkstra)
    drive_min: dict[str, np.ndarray] = {}
    try:
        drive = build_graph(osm, "drive")
    except Exception as exc:  # noqa: BLE001 - a city without drivable ways: say so
        drive = None
        res.notes.append(f"no drive network ({exc}); drive times undefined")
    if drive is not None:
        tmin = drive.length / (drive.speed_kmh * 1000.0 / 60.0)
        acc = AC.ACCESS_SPEED_KMH * 1000.0 / 60.0
        dnode, dsd = snap(drive, cx[occ], cy[occ], snap_max)
        dhas = dnode >= 0
        for typ in ("hospital", "fire_station"):
            px, py, _ = dest.points_of(typ)
            nd, dd = snap(drive, px, py, snap_max)
            ok = nd >= 0
            k = int(ok.sum())
            ids = np.arange(drive.n, drive.n + k)
            # facility leg is one-way facility <- node: build transposed graph + extra edges
            csr_t = to_csr(drive, tmin, n=drive.n + k).T.tocsr()
            if k:
                import scipy.sparse as sps

                ext = sps.csr_matrix((dd[ok] / acc + 1e-9, (ids, nd[ok])),
                                     shape=csr_t.shape)
                csr_t = (csr_t + ext).tocsr()
            t_node = nearest_distance(csr_t, ids, directed=True)
            tc = np.full(pocc.shape, np.inf)
            tc[dhas] = t_node[dnode[dhas]] + dsd[dhas] / acc
            drive_min[typ] = tc

    # ---- GTFS frequent stops (optional)
    freq = None
    if p.get("gtfs"):
        from pyproj import Transformer

        _, slon, slat, head = read_gtfs_stop_headways(p["gtfs"])
        good = head <= 20.0
        sx, sy = Transformer.from_crs(4326, grid.epsg, always_xy=True).transform(slon[good],
                                                                                 slat[good])
        nd, dd = snap(walk, np.asarray(sx), np.asarray(sy), snap_max)
        ok = nd >= 0
        k = int(ok.sum())
        ids = np.arange(walk.n, walk.n + k)
        csr_g = to_csr(walk, undirected=True, n=walk.n + k, extra=(ids, nd[ok], dd[ok]))
        d_node = nearest_distance(csr_g, ids, directed=False, limit=600.0)
        freq = np.full(pocc.shape, np.inf)
        freq[has] = d_node[cell_node[has]] + sd[has]
        res.provenance.append(dict(path=str(p["gtfs"]), sha256="", product="GTFS", version="",
                                   epoch=epoch, role="gtfs", synthetic=False,
                                   notes=[f"{int(good.sum())} of {good.size} stops served "
                                          "every 20 min or better (07–19 h)"]))

    # ---- zone aggregates
    def full(vals: np.ndarray) -> np.ndarray:
        a = np.zeros(grid.shape)
        a[occ] = vals
        return a

    layers: dict[str, np.ndarray] = {"population_access": pop, "pop_no_network": no_net}
    for typ in AC.ACCESS_TYPES:
        for key, (dm, _, _) in AC.THRESHOLDS.items():
            dm = d15 if key == "15min" else dm
            layers[f"pop_{typ}_{key}"] = full(pocc * (dist[typ] <= dm))
    score = sum((dist[t] <= d15).astype(np.float64) for t in AC.DAILY_NEEDS)
    layers["daily_needs_sum"] = full(pocc * score)
    layers["pop_daily_all"] = full(pocc * (score == len(AC.DAILY_NEEDS)))
    layers["pop_green_15min"] = full(pocc * (dist["park"] <= d15))
    for typ, tc in drive_min.items():
        for mins in (10, 20):
            layers[f"pop_{typ}_beyond_{mins}min"] = full(pocc * ~(tc <= mins))
    if freq is not None:
        layers["pop_frequent_500m"] = full(pocc * (freq <= 500.0))
    # street km and consolidated intersections per cell (for zonal densities)
    cons, _ = consolidate(gs, p["consolidate_m"])
    inter = cons.street_count >= 2
    layers["zone_intersections"] = _count_on_grid(grid, cons.x[inter], cons.y[inter])
    mx = (gs.x[gs.u[ue]] + gs.x[gs.v[ue]]) / 2
    my = (gs.y[gs.u[ue]] + gs.y[gs.v[ue]]) / 2
    layers["zone_street_km"] = _count_on_grid(grid, mx, my, gs.length[ue] / 1e3)
    names = list(layers)
    sums = weights.sum_many(np.stack([layers[k].ravel() for k in names], axis=1))
    area_km2 = weights.coverage_cells * grid.cell_area_m2 / 1e6
    acc_ids = [i.id for i in all_indicators("access")] + \
        [i.id for i in all_indicators("mobility")]
    thr_ok = {"15min"} | {("500m" if float(t) == 500 else "1km") for t in p["thresholds_m"]}
    skip = {f"access.{t}_{k}" for t in AC.ACCESS_TYPES for k in AC.THRESHOLDS
            if k not in thr_ok}
    acc_ids = [i for i in acc_ids if i not in skip]
    # medians per zone: weighted by coverage × population
    wmat = weights.matrix
    occ_flat = np.flatnonzero(occ.ravel())
    sub = wmat[:, occ_flat].tocsr()
    for zi, zid in enumerate(zone_ids):
        row = sub.getrow(zi)
        wz = np.zeros(occ_flat.size)
        wz[row.indices] = row.data
        wz *= pocc
        inp: dict[str, Any] = dict(zip(names, map(float, sums[zi])))
        inp["zone_area_km2"] = float(area_km2[zi])
        for typ in AC.ACCESS_TYPES:
            inp[f"median_{typ}_m"] = _weighted_median(dist[typ], wz)
        for typ, tc in drive_min.items():
            inp[f"median_drive_{typ}_min"] = _weighted_median(tc, wz)
        if zid == "city":
            inp.update(net)
        vals = evaluate(inp, kind="epoch", zonal_only=zid != "city", ids=acc_ids)
        for iid, v in vals.items():
            ind = REGISTRY[iid]
            flag = v.flag
            rest = iid.split(".")[1]
            typ = next((t for t in AC.ACCESS_TYPES if rest.startswith(t + "_")), "")
            if iid.startswith("access.") and typ in dest_report and \
                    dest_report[typ]["reachable"] == 0 and v.value is not None:
                flag = "; ".join(x for x in (flag, f"no reachable {typ} destination in the "
                                                   "study area") if x)
            res.rows.append(dict(zone_id=zid, indicator_id=iid, epoch=epoch, epoch_start=None,
                                 scenario="observed", value=v.value, flag=flag, unit=ind.unit,
                                 source=source, method_version=ind.method_version,
                                 synthetic=synthetic))

    # ---- rasters
    def raster(vals: np.ndarray) -> np.ndarray:
        a = np.full(grid.shape, np.nan, dtype=np.float32)
        a[occ] = np.where(np.isfinite(vals), vals, np.nan)
        return a

    res.rasters["access_school_m"] = (raster(dist["school"]), "m",
                                      "walking distance to the nearest school")
    res.rasters["access_clinic_m"] = (raster(dist["clinic"]), "m",
                                      "walking distance to the nearest clinic or doctor")
    res.rasters["access_transit_m"] = (raster(dist["transit"]), "m",
                                       "walking distance to the nearest public transport stop")
    res.rasters["access_daily_needs"] = (raster(score), "count",
                                         "daily needs (market, school, clinic, transit) within "
                                         "15 minutes' walk")
    for typ, tc in drive_min.items():
        res.rasters[f"drive_{typ}_min"] = (raster(tc), "min",
                                           f"free-flow drive time to the nearest {typ}")
    res.rasters["street_km"] = (layers["zone_street_km"].astype(np.float32), "km",
                                "street length per cell (simplified walk network)")
    res.summary = dict(network_stats={k: v for k, v in st.items()
                                      if not isinstance(v, dict)},
                       components=rep, destinations=dest_report, epoch=epoch,
                       snap_max_m=snap_max)
    return res


def _count_on_grid(grid, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
                   ) -> np.ndarray:
    """Sum of ``w`` (or counts) of points per grid cell; points outside the grid are dropped."""
    col = np.floor((x - grid.x0) / grid.res).astype(np.int64)
    row = np.floor((grid.y0 - y) / grid.res).astype(np.int64)
    ok = (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    flat = row[ok] * grid.width + col[ok]
    return np.bincount(flat, weights=None if w is None else w[ok],
                       minlength=grid.width * grid.height).reshape(grid.shape).astype(float)
