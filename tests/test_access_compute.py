"""Accessibility: shares and medians worked out by hand, bad input reported, GTFS."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import scipy.sparse as sp

from carlcities.errors import CoverageError, NetworkError
from carlcities.indicators.mobility import compute_mobility
from carlcities.zonal import CoverageWeights
from tests.conftest import shared_file
from tests.test_osm_reader import write_pbf


def _line_city(tmp_path, grid, *, clinic_far=True, hospital=True):
    """A street along the grid's middle row line, nodes on cell-centre columns."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    ymid = grid.y0 - grid.height / 2 * grid.res  # between two rows of cells
    xs = grid.x0 + (np.arange(5, 55) + 0.5) * grid.res
    lon, lat = to_ll.transform(xs, np.full(xs.size, ymid))
    nodes = [(i + 1, lo, la, {}) for i, (lo, la) in enumerate(zip(lon, lat))]
    sx = grid.x0 + 40.5 * grid.res
    slon, slat = to_ll.transform(sx, ymid)
    nodes.append((1000, slon, slat, {"amenity": "school"}))
    nodes.append((1001, slon, slat, {"shop": "supermarket"}))
    if hospital:
        nodes.append((1002, slon, slat, {"amenity": "hospital"}))
    if clinic_far:
        flon, flat = to_ll.transform(sx, ymid + 2000.0)
        nodes.append((1003, flon, flat, {"amenity": "clinic"}))
    ways = [(1, list(range(1, xs.size + 1)), {"highway": "residential"})]
    return write_pbf(tmp_path / "line.osm.pbf", nodes, ways), ymid


def _pop(grid):
    pop = np.zeros(grid.shape)
    r = grid.height // 2 - 1  # the row just above the street: centres 50 m away
    pop[r, 40] = 100.0  # A: on the school → 50 m
    pop[r, 35] = 200.0  # B: 50 + 500 m
    pop[r, 30] = 300.0  # C: 50 + 1000 m
    pop[5, 30] = 400.0  # D: 2.5 km from the street → no network access
    return pop


def _weights(grid):
    n = grid.shape[0] * grid.shape[1]
    west = np.zeros(grid.shape)
    west[:, :33] = 1.0
    m = sp.csr_matrix(np.vstack([np.ones(n), west.ravel()]))
    return CoverageWeights.build(("city", "west"), grid.shape, m)


def _rows(res):
    return {(r["zone_id"], r["indicator_id"]): r for r in res.rows}


def test_shares_medians_by_hand(tmp_path, small_grid):
    p, _ = _line_city(tmp_path, small_grid)
    res = compute_mobility(small_grid, small_grid, p, {2020: {"population": _pop(small_grid),
                                                              "atlas": None}},
                           _weights(small_grid), ["city", "west"], {})
    r = _rows(res)
    v = lambda z, i: r[(z, i)]["value"]  # noqa: E731
    assert v("city", "access.school_500m") == pytest.approx(10.0)
    assert v("city", "access.school_1km") == pytest.approx(30.0)
    assert v("city", "access.school_15min") == pytest.approx(60.0)
    assert v("west", "access.school_15min") == pytest.approx(300 / 700 * 100)
    assert v("city", "access.school_median_m") == pytest.approx(550.0, abs=3.0)  # UTM vs great circle
    assert v("city", "access.no_network_share") == pytest.approx(40.0)
    # daily needs: school and market for A, B, C (2 each), none for D → mean 1.2
    assert v("city", "access.daily_needs_score") == pytest.approx(1.2)
    assert v("city", "access.daily_needs_all_share") == 0.0
    # drive: A 50 m at 20 km/h, C 1 km at 25 km/h + 50 m → all under 10 min; D has no road
    assert v("city", "access.hospital_beyond_10min") == pytest.approx(40.0)
    assert v("city", "access.hospital_drive_median_min") == pytest.approx(
        0.05 / 20 * 60 + 0.5 / 25 * 60, rel=5e-3)
    # rows carry the contract's fields
    row = r[("city", "access.school_500m")]
    assert row["epoch"] == 2020 and row["epoch_start"] is None and row["unit"] == "%"
    assert row["scenario"] == "observed" and row["synthetic"] is False
    # mobility stats are city-only; densities are zonal
    assert ("west", "mobility.node_count") not in r and ("west", "mobility.street_density") in r
    assert set(res.rasters) >= {"access_school_m", "access_clinic_m", "drive_hospital_min"}
    assert np.isnan(res.rasters["access_school_m"][0][5, 30])
    assert any("no network access" in n for n in res.notes)


def test_unreachable_destinations_flagged(tmp_path, small_grid):
    p, _ = _line_city(tmp_path, small_grid, clinic_far=True)
    res = compute_mobility(small_grid, small_grid, p, {2020: {"population": _pop(small_grid),
                                                              "atlas": None}},
                           _weights(small_grid), ["city", "west"], {})
    r = _rows(res)
    row = r[("city", "access.clinic_1km")]
    assert row["value"] == 0.0 and "no reachable clinic destination" in row["flag"]
    med = r[("city", "access.clinic_median_m")]
    assert med["value"] is None and "undefined" in med["flag"]
    assert any("1 of 1 clinic destinations lie farther" in n for n in res.notes)
    # no fire station at all: 0 % with a flag, never a silent zero
    assert "no reachable fire_station" in r[("city", "access.fire_station_500m")]["flag"]


def test_population_beyond_snap_and_no_population(tmp_path, small_grid):
    p, _ = _line_city(tmp_path, small_grid)
    pop = np.zeros(small_grid.shape)
    pop[5, 30] = 10.0
    res = compute_mobility(small_grid, small_grid, p, {2020: {"population": pop,
                                                              "atlas": None}},
                           _weights(small_grid), ["city", "west"], {"snap_max_m": 100})
    r = _rows(res)
    assert r[("city", "access.no_network_share")]["value"] == 100.0
    assert r[("city", "access.school_median_m")]["value"] is None
    with pytest.raises(CoverageError, match="no population"):
        compute_mobility(small_grid, small_grid, p, {2020: {"population": pop * 0,
                                                            "atlas": None}},
                         _weights(small_grid), ["city", "west"], {})


def test_several_components_reported(tmp_path, small_grid):
    from pyproj import Transformer

    to_ll = Transformer.from_crs(small_grid.epsg, 4326, always_xy=True)
    ymid = small_grid.y0 - small_grid.height / 2 * small_grid.res
    xs = small_grid.x0 + (np.arange(5, 25) + 0.5) * small_grid.res
    xs2 = small_grid.x0 + (np.arange(35, 55) + 0.5) * small_grid.res
    lon, lat = to_ll.transform(np.r_[xs, xs2], np.full(40, ymid))
    nodes = [(i + 1, lo, la, {}) for i, (lo, la) in enumerate(zip(lon, lat))]
    slon, slat = to_ll.transform(xs2[5], ymid)
    nodes.append((100, slon, slat, {"amenity": "school"}))
    p = write_pbf(tmp_path / "two.osm.pbf", nodes,
                  [(1, list(range(1, 21)), {"highway": "residential"}),
                   (2, list(range(21, 41)), {"highway": "residential"})])
    pop = _pop(small_grid)
    res = compute_mobility(small_grid, small_grid, p, {2020: {"population": pop,
                                                              "atlas": None}},
                           _weights(small_grid), ["city", "west"], {})
    r = _rows(res)
    assert r[("city", "mobility.components")]["value"] == 2
    assert r[("city", "mobility.length_outside_largest")]["value"] == pytest.approx(50.0,
                                                                                    abs=1)
    assert any("2 components" in n for n in res.notes)
    # C (column 30) snaps to neither line within 500 m? it is 50 m above the gap's edge
    assert r[("city", "access.school_15min")]["value"] is not None


def test_no_ways_in_city(tmp_path, small_grid):
    p = shared_file("osm/aguascalientes.osm.pbf")
    with pytest.raises(CoverageError, match="no street ways"):
        compute_mobility(small_grid, small_grid, p, {2020: {"population": _pop(small_grid),
                                                            "atlas": None}},
                         _weights(small_grid), ["city", "west"], {})


def test_no_osm_file_is_a_note(small_grid):
    res = compute_mobility(small_grid, small_grid, None, {2020: {"population": _pop(
        small_grid), "atlas": None}}, _weights(small_grid), ["city", "west"], {})
    assert res.rows == [] and "no OSM file" in res.notes[0]


def _gtfs_from_metro(folder, csv_path, headways):
    folder.mkdir()
    with open(csv_path, encoding="utf-8") as f:
        st = list(csv.DictReader(f))
    with open(folder / "stops.txt", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["stop_id", "stop_name", "stop_lat", "stop_lon"])
        for i, s in enumerate(st):
            w.writerow([f"s{i}", s["name"], s["latitude"], s["longitude"]])
    lines = sorted({s["line"] for s in st})
    with open(folder / "trips.txt", "w", newline="") as f1, \
            open(folder / "stop_times.txt", "w", newline="") as f2:
        w1, w2 = csv.writer(f1), csv.writer(f2)
        w1.writerow(["route_id", "service_id", "trip_id"])
        w2.writerow(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"])
        for li, line in enumerate(lines):
            h = headways.get(line, 30)
            ids = [f"s{i}" for i, s in enumerate(st) if s["line"] == line]
            for k, t0 in enumerate(range(6 * 60, 20 * 60, h)):
                trip = f"{li}-{k}"
                w1.writerow([line, "wk", trip])
                for j, sid in enumerate(ids):
                    t = t0 + 2 * j
                    hh = f"{t // 60:02d}:{t % 60:02d}:00"
                    w2.writerow([trip, hh, hh, sid, j])
    return lines


def test_gtfs_frequent_stops(tmp_path):
    from carlcities.demo.streets import write_osm
    from carlcities.grid import CityGrid
    from carlcities.io.gtfs import read_gtfs_stop_headways
    from carlcities.zonal import whole_grid_weights

    csvp = shared_file("transit/tashkent_metro_stations.csv")
    lines = _gtfs_from_metro(tmp_path / "gtfs", csvp, {"Chilonzor Line": 6})
    ids, lon, lat, head = read_gtfs_stop_headways(tmp_path / "gtfs")
    assert ids.size == 49 and np.all(np.isfinite(head))
    assert np.isclose(head.min(), 6.0) and head.max() == pytest.approx(30.0)
    grid = CityGrid.around("tashkent", 69.2401, 41.2995, 4000.0)
    x, y = grid.cell_centres()
    cx, cy = grid.centre_xy()
    share = np.clip(1.2 - np.hypot(x - cx, y - cy) / 4000.0, 0, 1)
    pop = share * 50
    p = write_osm(grid, grid, tmp_path, {2020: share}, {2020: pop}, [2020])
    w = whole_grid_weights(grid.shape)
    ed = {2020: {"population": pop, "atlas": None}}
    fast = compute_mobility(grid, grid, p, ed, w, ["city"], {"gtfs": str(tmp_path / "gtfs")})
    v = _rows(fast)[("city", "access.frequent_transit_500m")]["value"]
    assert 0.0 < v < 100.0
    assert _rows(fast)[("city", "mobility.node_count")]["synthetic"] is True
    assert len(lines) >= 3
    slow = tmp_path / "slow"
    _gtfs_from_metro(slow, csvp, {})
    r = compute_mobility(grid, grid, p, ed, w, ["city"], {"gtfs": str(slow)})
    assert _rows(r)[("city", "access.frequent_transit_500m")]["value"] == 0.0


def test_bad_thresholds(tmp_path, small_grid):
    from carlcities.errors import ConfigError

    p, _ = _line_city(tmp_path, small_grid)
    with pytest.raises(ConfigError, match="thresholds_m"):
        compute_mobility(small_grid, small_grid, p, {2020: {"population": _pop(small_grid),
                                                            "atlas": None}},
                         _weights(small_grid), ["city", "west"], {"thresholds_m": [300]})
    assert NetworkError  # imported for the error tests of the reader module
