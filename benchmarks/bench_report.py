"""Benchmark: the report stage alone (issue 21: ≤ 15 s for the 48-city default study).

Builds the report of an existing study (``--study OUT``, made once with
``carlcities run --out OUT``) cold — into a fresh folder with no previous report, so that every
figure is drawn, as on a study's first run — in a fresh process per build. Each ``--variant
NAME=SRC`` is a source tree (``src/`` of a checkout) put first on ``PYTHONPATH``; the variants
alternate round by round (``--rounds``, default 3) and the median is reported, so a load change
on a shared machine hits all of them alike. The study's store is opened read-only; its SHA-256
is checked before and after (the report never writes the store).

Per build the JSON keeps the wall time, the CPU time of the process tree (user + system, the
figure workers included), the report's size (files, MB) and the figure workers used.

    python benchmarks/bench_report.py --study /tmp/study48 \\
        --variant before=/path/to/main/src --variant after=src [--rounds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SRC = Path(__file__).resolve().parents[1] / "src"

_WRAPPER = """
import json, resource, sys, time
from pathlib import Path
from carlcities.report import build_report
t0 = time.perf_counter()
build_report(Path(sys.argv[2]), dest=Path(sys.argv[3]), previous=Path(sys.argv[3]) / "none")
wall = time.perf_counter() - t0
s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"build_s": wall, "cpu_s": s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime},
          open(sys.argv[1], "w"))
"""


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _one(study: Path, src: Path, tmp: Path, env: dict[str, str],
         keep: Path | None = None) -> dict:
    dest = tmp / "report"
    shutil.rmtree(dest, ignore_errors=True)
    ru = tmp / "rusage.json"
    e = dict(env, PYTHONPATH=str(src))
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _WRAPPER, str(ru), str(study), str(dest)], env=e,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"report failed ({p.returncode}): {p.stderr.decode()[-3000:]}")
    r = json.loads(ru.read_text())
    files = [f for f in dest.rglob("*") if f.is_file()]
    out = {"wall_s": round(wall, 2), "build_s": round(r["build_s"], 2),
            "cpu_s": round(r["cpu_s"], 2), "files": len(files),
            "png": sum(1 for f in files if f.suffix == ".png"),
            "mb": round(sum(f.stat().st_size for f in files) / 1e6, 1)}
    if keep is not None:            # the variant's last report, to compare pages and images
        shutil.rmtree(keep, ignore_errors=True)
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(dest), str(keep))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", required=True, type=Path, help="output folder of a finished run")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=SRC (a checkout's src/); default: after=this checkout")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", default=None,
                    help="CARLCITIES_REPORT_WORKERS for the builds (default: the code's own)")
    ap.add_argument("--output", default=str(RESULTS / "report.json"))
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep each variant's last report in KEEP/NAME (to compare them)")
    args = ap.parse_args()
    variants = dict(v.split("=", 1) for v in args.variant) or {"after": str(SRC)}
    env = dict(os.environ)
    if args.workers:
        env["CARLCITIES_REPORT_WORKERS"] = args.workers
    store = args.study / "study.duckdb"
    before = _sha(store)
    tmp = Path(tempfile.mkdtemp(prefix="carl-bench-report-"))
    runs: dict[str, list[dict]] = {k: [] for k in variants}
    try:
        for i in range(args.rounds):
            order = list(variants.items())
            if i % 2:
                order.reverse()
            for name, src in order:
                r = _one(args.study, Path(src).resolve(), tmp, env,
                         None if args.keep is None else args.keep / name)
                runs[name].append(r)
                print(f"round {i + 1} {name}: {r}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    after = _sha(store)
    load = os.getloadavg()
    out = {
        "benchmark": "report stage alone (build_report, cold: no previous report), each build "
                     "a fresh process; variants alternate round by round",
        "study": str(args.study), "cities": len(json.loads(
            (args.study / "manifest.json").read_text(encoding="utf-8")).get("cities", [])),
        "rounds": args.rounds, "report_workers_env": args.workers,
        "store_sha256_before": before, "store_sha256_after": after,
        "store_unchanged": before == after,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "loadavg_at_end": load},
        "median_build_s": {k: round(statistics.median(r["build_s"] for r in v), 2)
                           for k, v in runs.items()},
        "median_cpu_s": {k: round(statistics.median(r["cpu_s"] for r in v), 2)
                         for k, v in runs.items()},
        "runs": runs,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(json.dumps(out["median_build_s"]), json.dumps(out["median_cpu_s"]),
          "store unchanged:", out["store_unchanged"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
