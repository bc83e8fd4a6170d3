"""Memory of a study (issue 21): a city task gives its pages back, the largest cities are not
computed together, the grid exposure is built with one copy of its columns at a time."""

from __future__ import annotations

import ctypes.util
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from carlcities import pipeline, runplan
from carlcities.memory import release_memory

GLIBC = sys.platform.startswith("linux") and "libc.so" in (ctypes.util.find_library("c") or "")


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_release_memory_gives_freed_heap_pages_back():
    # 64 KiB blocks come from the heap (under glibc's 128 KiB mmap threshold); keeping every
    # tenth one alive leaves holes that free() never returns to the system
    blocks = [bytearray(64 << 10) for _ in range(3000)]      # ~200 MB, touched (zeroed)
    keep = blocks[::10]
    del blocks
    held = _rss()
    assert release_memory() is True
    assert held - _rss() > 100e6, "malloc_trim(0) gave back less than half the freed 180 MB"
    assert len(keep) == 300


def test_a_city_task_releases_memory_after_computing(monkeypatch):
    calls: list[str] = []
    result = SimpleNamespace(seconds=1.0, engine_seconds={})
    monkeypatch.setattr(pipeline, "compute_city",
                        lambda *a, **k: calls.append("compute") or result)
    monkeypatch.setattr(pipeline, "release_memory", lambda: calls.append("release"))
    out = pipeline.city_task(SimpleNamespace(city_id="x"), None, {}, "out", "run", None, None)
    assert out is result
    assert calls == ["compute", "release"]


def _cities(cells: dict[str, int]):
    return [SimpleNamespace(city_id=k) for k in sorted(cells, key=lambda k: -cells[k])]


def test_the_two_largest_cities_are_not_computed_together():
    cells = {"tashkent": 448_900, "almaty": 315_844, "astana": 198_916, "osh": 60_000,
             "kulob": 30_000, "mary": 40_000, "termez": 35_000}
    cap = runplan.cells_in_work_cap(list(cells.values()), workers=2)
    assert cap == 448_900 + 60_000          # the largest and the median city (Osh)
    waiting = _cities(cells)
    first = runplan.next_city(waiting, cells, 0, cap, running=0)
    assert first is not None and first.city_id == "tashkent"
    waiting.remove(first)
    # with Tashkent in work the other worker takes the largest city that fits: Osh
    second = runplan.next_city(waiting, cells, cells["tashkent"], cap, running=1)
    assert second is not None and second.city_id == "osh"
    # with nothing running the largest waiting city starts whatever its size
    alone = runplan.next_city([SimpleNamespace(city_id="almaty")], cells, 0, 10, running=0)
    assert alone is not None and alone.city_id == "almaty"
    # nothing fits beside a running city: wait
    assert runplan.next_city([SimpleNamespace(city_id="almaty")], cells, cells["tashkent"],
                              cap, running=1) is None


def test_one_worker_may_take_every_city_in_turn():
    assert runplan.cells_in_work_cap([5, 9, 1], workers=1) == 9
    assert runplan.cells_in_work_cap([], workers=2) == 0


def test_the_grid_exposure_is_the_same_built_column_by_column():
    """build_exposure joins and orders its columns one at a time (less memory at the risk
    engine's peak): the assets are those of joining everything, then ordering by site."""
    from carlcities.risk.exposure import build_exposure

    city, grid, pop, bu = _osh(4)
    e = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3)
    assert np.all(np.diff(e.site) >= 0)                       # ordered by site
    xs, ys = (a.ravel() for a in grid.cell_centres())
    assert np.array_equal(e.x, xs[e.site]) and np.array_equal(e.y, ys[e.site])
    # residents: every populated cell's people are in its residential assets
    res = e.occupancy == "Res"
    by_cell = np.bincount(e.site[res], weights=e.floor_area_m2[res], minlength=pop.size)
    assert np.array_equal(by_cell > 0, pop.ravel() > 0)


def test_the_worker_estimate_needs_the_memory_of_the_largest_city(monkeypatch):
    from carlcities import runplan

    monkeypatch.setattr(runplan, "_available_gib", lambda: 4.0)
    small = runplan.worker_estimate(10, largest_cells=40_000)
    big = runplan.worker_estimate(10, largest_cells=448_900)
    assert small["gib_per_worker"] < big["gib_per_worker"]
    assert big["gib_per_worker"] == pytest.approx(
        runplan.WORKER_BASE_GIB + runplan.WORKER_GIB_PER_CELL * 448_900, abs=0.01)
    assert big["largest_city_cells"] == 448_900
    assert big["by_memory"] == int(4.0 // big["gib_per_worker"])
    assert runplan.worker_estimate(10)["gib_per_worker"] == runplan.MEM_PER_WORKER_GB
    # 1.9 GiB available, Tashkent's grid: one worker, and the note says why
    monkeypatch.setattr(runplan, "_available_gib", lambda: 1.9)
    n, note = runplan.cap_workers(2, 10, largest_cells=448_900)
    assert n == 1 and note is not None and "GiB per worker" in note


def test_a_city_task_forgets_what_its_engines_shared(monkeypatch):
    """Within a city the cell areas of a window are computed once (the same read-only array);
    after the city task they are computed again: nothing of the city stays kept."""
    from affine import Affine

    from carlcities.grid import cell_areas_m2

    args = (Affine(100.0, 0, 500000.0, 0, -100.0, 4600000.0), "EPSG:32642", (20, 30))
    seen = []

    def compute(*a, **k):
        seen.append(cell_areas_m2(*args))
        assert cell_areas_m2(*args) is seen[0]          # kept within the city
        return SimpleNamespace(seconds=1.0, engine_seconds={})

    monkeypatch.setattr(pipeline, "compute_city", compute)
    pipeline.city_task(SimpleNamespace(city_id="x"), None, {}, "out", "run", None, None)
    again = cell_areas_m2(*args)
    assert again is not seen[0] and np.array_equal(again, seen[0])


def test_the_grid_exposure_without_residents_is_the_full_one_less_its_residential_assets():
    """Where EMCA gives the residential assets, the grid exposure is built without its own
    (less memory at the risk engine's peak): the same assets as dropping them afterwards, and
    joining column by column gives the same exposure as concatenating."""
    from dataclasses import fields

    from carlcities.risk.exposure import (
        Exposure,
        build_exposure,
        concat_exposures,
        join_exposures,
    )

    city, grid, pop, bu = _osh(5)
    full = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3)
    part = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3,
                          occupancies=("Com", "Ind"))
    want = full.subset(full.occupancy != "Res")
    assert 0 < len(part) < len(full) and part.meta == want.meta
    res = full.subset(full.occupancy == "Res")
    joined = join_exposures([part, res], meta={"x": 1})
    concat = concat_exposures(want, res, meta={"x": 1})
    for f in fields(Exposure):
        a, b = getattr(joined, f.name), getattr(concat, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), f.name
        else:
            assert a == b, f.name


def test_the_exposure_without_positions_holds_no_position_columns():
    """The risk engine holds the city's exposure through every hazard without its positions
    and storeys (one value each, no column): the same quantities, classes and sites; the
    positions stay one value through recoding and joining, and a part with positions gives
    the joined exposure its columns back (NaN for the others)."""
    from dataclasses import fields

    from carlcities.risk.exposure import Exposure, build_exposure, join_exposures

    city, grid, pop, bu = _osh(6)
    full = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3)
    slim = full.without_positions()
    built = build_exposure(city, grid, pop, bu, country_iso3=city.country_iso3,
                           positions=False)
    where = ("x", "y", "lon", "lat", "storeys")
    for e in (slim, built):
        for f in fields(Exposure):
            a, b = getattr(e, f.name), getattr(full, f.name)
            if f.name in where:
                assert a.size == len(full) and a.strides == (0,), f.name  # one value
                assert (np.isnan(a).all() if a.dtype.kind == "f" else (a == "").all())
            elif isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and np.array_equal(a, b), f.name
            else:
                assert a == b, f.name
    res, other = slim.subset(slim.occupancy == "Res"), built.subset(built.occupancy != "Res")
    joined = join_exposures([res.without_positions(),
                             other.without_positions().recoded(lambda t: t)])
    assert len(joined) == len(full)
    assert all(getattr(joined, c).strides == (0,) for c in where)
    mixed = join_exposures([full.subset(full.occupancy == "Res"), other.without_positions()])
    n_res = int((full.occupancy == "Res").sum())
    assert mixed.lon.strides != (0,) and np.array_equal(mixed.lon[:n_res],
                                                        full.lon[full.occupancy == "Res"])
    assert np.isnan(mixed.lon[n_res:]).all() and (mixed.storeys[n_res:] == "").all()


def test_the_city_exposure_of_the_risk_engine_has_no_position_columns():
    """What the risk engine's hazards hold: the EMCA residential and grid assets, without
    positions."""
    from carlcities.risk.sites import city_exposure

    city, grid, pop, bu = _osh(7)
    expo, src, _, _ = city_exposure(city, grid, {}, pop, bu, {"residential_exposure": "emca"},
                                    [])
    assert "EMCA" in src and len(expo) > 0
    assert all(getattr(expo, c).strides == (0,) for c in ("x", "y", "lon", "lat", "storeys"))


def _osh(seed: int):
    """Osh's catalogue entry, a 3 km grid around it and random population and built-up
    layers on it (the exposure tests' input)."""
    from carlcities.catalog import load_catalog
    from carlcities.grid import CityGrid

    city = load_catalog().get("osh")
    grid = CityGrid.around("osh", city.lon, city.lat, 3000.0, res=100.0)
    rng = np.random.default_rng(seed)
    pop = rng.gamma(0.6, 40.0, grid.shape) * (rng.random(grid.shape) > 0.3)
    return city, grid, pop, np.clip(pop / pop.max(), 0, 1)
