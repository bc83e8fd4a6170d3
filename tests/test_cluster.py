"""A study on a real Dask cluster (issue 21): a scheduler and two workers started as separate
OS processes (loopback only, each with a lifetime and an idle timeout), a 4-city study sent
to it through ``run.scheduler``, and its store compared, table by table and pixel by pixel,
with the same study run locally (``tests/golden/store_dump.py``'s ``compare``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from carlcities.config import load_config
from carlcities.pipeline import run_study

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
CITIES = ["kulob", "mary", "termez", "jalal_abad"]
#: nothing outlives the test: the scheduler stops after this long idle, workers after this long
IDLE_S, LIFETIME_S, START_S = 300, 900, 120


def _cfg(tmp: Path, demo: Path, scheduler: str | None) -> Path:
    p = tmp / ("cluster.yaml" if scheduler else "local.yaml")
    text = f"data:\n  demo_dir: {demo}\n"
    if scheduler:
        text += f"run:\n  scheduler: {scheduler}\n"
    p.write_text(text, encoding="utf-8")
    return p


def _spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)


@pytest.fixture
def cluster(tmp_path):
    """Scheduler + 2 single-threaded workers on 127.0.0.1; yields the scheduler address."""
    pytest.importorskip("distributed")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]))
    sfile = tmp_path / "scheduler.json"
    procs = [_spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(sfile),
                     "--idle-timeout", f"{IDLE_S}s"], tmp_path / "scheduler.log", env)]
    try:
        t0 = time.monotonic()
        while not sfile.exists():
            if procs[0].poll() is not None or time.monotonic() - t0 > START_S:
                pytest.fail("the scheduler did not start: "
                            + (tmp_path / "scheduler.log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        address = json.loads(sfile.read_text())["address"]
        for i in range(2):
            # the malloc settings the local cluster gives its workers (pipeline.WORKER_MALLOC)
            wenv = dict(env, MALLOC_TRIM_THRESHOLD_=str(256 << 20),
                        MALLOC_MMAP_THRESHOLD_=str(64 << 20))
            procs.append(_spawn(["distributed.cli.dask_worker", address, "--host", "127.0.0.1",
                                 "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                 "--name", f"w{i}", "--memory-limit", "3GiB",
                                 "--lifetime", f"{LIFETIME_S}s",
                                 "--local-directory", str(tmp_path / f"w{i}")],
                                tmp_path / f"worker{i}.log", wenv))
        from distributed import Client

        with Client(address, timeout=START_S) as c:
            c.wait_for_workers(2, timeout=START_S)
            pids = set(c.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids   # two processes, not this one
        yield address, pids
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_a_study_on_a_cluster_equals_the_local_run(cluster, tmp_path):
    sys.path.insert(0, str(HERE / "golden"))
    try:
        import store_dump as S
    finally:
        sys.path.pop(0)
    address, pids = cluster
    demo = tmp_path / "demo"        # shared by client and workers (one machine here)
    on_cluster = run_study(load_config(_cfg(tmp_path, demo, address)), tmp_path / "cluster",
                           cities=CITIES)
    assert on_cluster.status == "complete" and sorted(on_cluster.cities) == sorted(CITIES)
    local = run_study(load_config(_cfg(tmp_path, demo, None)), tmp_path / "local",
                      cities=CITIES, workers=1)
    assert local.status == "complete"
    S.write_dump(S.dump_store(tmp_path / "local"), tmp_path / "dump_local")
    problems = S.compare(S.read_dump(tmp_path / "dump_local"),
                         S.dump_store(tmp_path / "cluster"), rtol=0)
    assert problems == []
    # the rasters were written by the workers, under the run's staging area, then committed
    tifs = sorted(p.relative_to(tmp_path / "cluster")
                  for p in (tmp_path / "cluster" / "rasters").glob("*/*.tif"))
    assert {p.parts[1] for p in tifs} == set(CITIES)
    m = json.loads((tmp_path / "cluster" / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["run"]["scheduler"] == address and m["status"] == "complete"
