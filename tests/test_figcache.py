"""Report figures are reused when their inputs are unchanged, redrawn when any input changes
(report/figcache.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from carlcities.report import figcache
from carlcities.report.maps import FigureInfo

CALLS: list[str] = []


@figcache.cached
def _figure(values: np.ndarray, raster: Path, out_file: Path, *, source: str) -> FigureInfo:
    CALLS.append(out_file.name)
    out_file.write_bytes(b"png:" + values.tobytes() + raster.read_bytes())
    return FigureInfo(file=out_file, kind="test", title_en="T", title_ru="Т", alt="a",
                      caption_en="c", caption_ru="к", unit="m", source=source, width=3,
                      height=2, extra={"vmax": np.float64(2.5)},
                      panels=[{"file": out_file, "label": "x"}])


def _build(tmp: Path, n: int, run_id: str, values, raster, prev: int | None):
    img = tmp / f"report{n}" / "img"
    img.mkdir(parents=True)
    figcache.configure(img, None if prev is None else tmp / f"report{prev}" / "img", run_id)
    try:
        return _figure(values, raster, img / "osh-x.png", source=f"study.duckdb, run {run_id}")
    finally:
        figcache.configure(None)


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()
    yield
    figcache.configure(None)


def test_unchanged_inputs_reuse_the_image_and_carry_the_new_run(tmp_path):
    raster = tmp_path / "a.tif"
    raster.write_bytes(b"r1")
    v = np.arange(3.0)
    f1 = _build(tmp_path, 1, "20250101T000000Z-aaaaaa", v, raster, None)
    f2 = _build(tmp_path, 2, "20250102T000000Z-bbbbbb", v, raster, 1)
    assert CALLS == ["osh-x.png"]                       # drawn once
    assert f2.file == tmp_path / "report2" / "img" / "osh-x.png" and f2.file.is_file()
    assert f2.file.read_bytes() == f1.file.read_bytes()
    assert f2.source == "study.duckdb, run 20250102T000000Z-bbbbbb"
    assert f2.panels == [{"file": f2.file, "label": "x"}] and f2.extra == {"vmax": 2.5}
    assert (f2.width, f2.height, f2.kind) == (3, 2, "test")
    assert figcache.count_reused(tmp_path / "report2" / "img") == (1, 0)


@pytest.mark.parametrize("change", ["values", "raster"])
def test_a_changed_input_redraws(tmp_path, change):
    raster = tmp_path / "a.tif"
    raster.write_bytes(b"r1")
    v = np.arange(3.0)
    _build(tmp_path, 1, "run-1", v, raster, None)
    if change == "values":
        v = v + 1e-12
    else:
        raster.write_bytes(b"r2")
        os.utime(raster, ns=(1, 1))
    _build(tmp_path, 2, "run-2", v, raster, 1)
    assert CALLS == ["osh-x.png", "osh-x.png"]
    assert figcache.count_reused(tmp_path / "report2" / "img") == (0, 1)



@figcache.cached
def _rows_figure(rows: list[dict], out_file: Path) -> FigureInfo:
    CALLS.append(out_file.name)
    out_file.write_bytes(repr([r["value"] for r in rows]).encode())
    return FigureInfo(file=out_file, kind="test", title_en="T", title_ru="Т", alt="a",
                      caption_en="c", caption_ru="к", unit="", source="s", width=3, height=2)


def test_the_run_that_wrote_a_data_row_does_not_key_its_chart(tmp_path):
    """A city computed in run 1 and reused unchanged in runs 2 and 3 keeps run 1's id in its
    rows: its chart is drawn once; a changed value is drawn again."""
    def build(n: int, run_id: str, rows: list[dict]) -> None:
        img = tmp_path / f"report{n}" / "img"
        img.mkdir(parents=True)
        figcache.configure(img, tmp_path / f"report{n - 1}" / "img" if n > 1 else None,
                           run_id)
        try:
            _rows_figure(rows, img / "osh-macc.png")
        finally:
            figcache.configure(None)

    rows = [{"run_id": "20250101T000000Z-aaaaaa", "value": 1.5}]
    build(1, "20250101T000000Z-aaaaaa", rows)          # the city computed in this run
    build(2, "20250102T000000Z-bbbbbb", rows)          # reused: its rows keep run 1's id
    assert CALLS == ["osh-macc.png"]
    build(3, "20250103T000000Z-cccccc", [dict(rows[0], value=2.5)])
    assert CALLS == ["osh-macc.png", "osh-macc.png"]

def test_a_missing_image_is_drawn_again(tmp_path):
    raster = tmp_path / "a.tif"
    raster.write_bytes(b"r1")
    f1 = _build(tmp_path, 1, "run-1", np.ones(2), raster, None)
    f1.file.unlink()
    _build(tmp_path, 2, "run-2", np.ones(2), raster, 1)
    assert len(CALLS) == 2


def test_without_a_build_the_function_just_runs(tmp_path):
    raster = tmp_path / "a.tif"
    raster.write_bytes(b"r1")
    _figure(np.ones(2), raster, tmp_path / "x.png", source="s")
    _figure(np.ones(2), raster, tmp_path / "x.png", source="s")
    assert len(CALLS) == 2 and not (tmp_path / ".figcache").exists()


def test_figure_workers_fork_after_a_closed_dask_client_but_not_beside_a_busy_thread():
    """A run on local Dask workers leaves only Dask's idle offload thread behind; the report's
    figures must still be drawn in parallel then (they ran one after another, at twice the
    time, until this was told apart), and not when another thread is at work."""
    import threading

    from carlcities.report.build import _busy_threads

    stop = threading.Event()
    idle = threading.Thread(target=stop.wait, name="Dask-Offload_0", daemon=True)
    idle.start()
    other = threading.Thread(target=stop.wait, name="worker", daemon=True)
    try:
        assert not _busy_threads(threading)
        other.start()
        assert _busy_threads(threading)
    finally:
        stop.set()
        idle.join()
        other.join()


def _pid_of(x: int) -> tuple[int, int]:
    import os
    import time

    time.sleep(0.05 * (x % 3))
    return x * x, os.getpid()


def test_figure_workers_take_the_costliest_jobs_first_and_give_results_in_job_order():
    """The figure and page workers take one city at a time, the costliest first (chunks of
    six cities left one worker idle at the end); the results come back in the cities' order."""
    import os

    from carlcities.report.build import _map_jobs

    jobs = list(range(10))
    cost = [float(x % 4) for x in jobs]
    out = _map_jobs(_pid_of, jobs, 2, cost)
    assert [r for r, _pid in out] == [x * x for x in jobs]
    assert len({pid for _r, pid in out} - {os.getpid()}) == 2      # both workers took jobs
    assert [r for r, _pid in _map_jobs(_pid_of, jobs, 1, cost)] == [x * x for x in jobs]
