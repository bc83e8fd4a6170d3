"""Load benchmark of the study portal (issue 19, "Performance and load"); not a test.

Starts ``carlcities serve`` (uvicorn, one process) on a 48-city demo study (made once with
``carlcities run --out DIR`` when DIR has no store yet; reused after) and measures, against
localhost only:

* response times of the region page, a city page (every city once cold, then warm), the compare
  page and the JSON API: p50/p95 per round, the median over ``--rounds`` rounds (>= 5);
* map tiles: p95 of tiles drawn for the first time (cold) and of the same tiles again (warm);
* the weight of a city page before tiles: its HTML and every script, stylesheet and JSON file it
  loads, in bytes as sent to a client that accepts gzip (and uncompressed), for the largest,
  the median and the smallest city;
* 50 simulated users for 60 s (locust headless, ``benchmarks/locustfile_portal.py``): requests,
  errors, requests per second, p50/p95.

Times are measured by the client on the loopback interface (the server's time plus well under a
millisecond). The machine's load average is recorded with the figures: on a shared machine they
are relative. Writes ``benchmarks/results/portal_load.json``.

Run: ``PYTHONPATH=src python benchmarks/bench_portal.py [--out /tmp/portal48] [--users 50]
[--seconds 60] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "portal_load.json"
LOCUSTFILE = ROOT / "benchmarks" / "locustfile_portal.py"
TARGETS = {"page_p95_ms": 300.0, "tile_warm_p95_ms": 100.0, "errors": 0,
           "page_weight_bytes": 2_000_000}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from carlcities.cli import app; app()", *args]


def load() -> dict[str, Any]:
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()], "uptime": up}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``xs``."""
    ys = sorted(xs)
    return ys[max(0, math.ceil(q / 100 * len(ys)) - 1)]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "max_ms": round(max(ms), 1)}


def timed(c: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    t = time.perf_counter()
    r = c.get(url)
    dt = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise SystemExit(f"GET {url}: {r.status_code} {r.text[:200]}")
    return dt, r


def rounds(c: httpx.Client, urls: list[str], n_rounds: int, per_round: int
           ) -> dict[str, Any]:
    """``per_round`` requests cycling over ``urls`` per round; p50/p95 per round, and their
    medians over the rounds."""
    per = []
    for _ in range(n_rounds):
        ms = [timed(c, urls[i % len(urls)])[0] for i in range(per_round)]
        per.append(summary(ms))
    return {"p50_ms": round(statistics.median(r["p50_ms"] for r in per), 1),
            "p95_ms": round(statistics.median(r["p95_ms"] for r in per), 1),
            "rounds": per, "urls": urls[:5] + (["…"] if len(urls) > 5 else [])}


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_urls(c: httpx.Client, city: dict[str, Any], zooms: range, max_layers: int
              ) -> list[str]:
    groups = c.get(f"/api/v1/cities/{city['city_id']}/layers?lang=en").json()
    names = [g["layers"][-1]["name"] for g in groups][:max_layers]
    urls = []
    for name in names:
        for z in zooms:
            x0, y0 = tile_xy(city["lon"], city["lat"], z)
            urls += [f"/tiles/{city['city_id']}/{name}/{z}/{x0 + dx}/{y0 + dy}.png"
                     for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return urls


def page_weight(c: httpx.Client, city_id: str) -> dict[str, Any]:
    """Bytes of a city page before tiles: the HTML, its scripts and styles, and the JSON its
    script loads at start (extents, basemap, layer list) — as sent over the wire to a client
    that accepts gzip, as browsers do, and uncompressed."""
    html = c.get(f"/city/{city_id}").content
    refs = re.findall(rb'<script[^>]+src="(/[^"]+)"', html) + re.findall(
        rb'<link[^>]+rel="stylesheet"[^>]+href="(/[^"]+)"', html)
    urls = [f"/city/{city_id}"] + [r.decode() for r in refs] + [
        f"/api/v1/cities/{city_id}/vectors/extents.geojson",
        f"/api/v1/cities/{city_id}/vectors/basemap.geojson",
        f"/api/v1/cities/{city_id}/layers?lang=en"]
    parts = {}
    for u in urls:
        r = c.get(u, headers={"Accept-Encoding": "gzip"})
        parts[u] = {"bytes": r.num_bytes_downloaded, "uncompressed": len(r.content),
                    "encoding": r.headers.get("content-encoding")}
    return {"bytes": sum(p["bytes"] for p in parts.values()),
            "bytes_uncompressed": sum(p["uncompressed"] for p in parts.values()),
            "parts": parts}


def locust(base: str, plan: dict[str, Any], users: int, seconds: int, tmp: Path
           ) -> dict[str, Any]:
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    prefix = tmp / "locust"
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u",
           str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--host", base,
           "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0",
           "--loglevel", "WARNING"]
    before = load()
    p = subprocess.run(cmd, env=dict(os.environ, CARLCITIES_LOCUST_PLAN=str(plan_file)),
                       capture_output=True, text=True, timeout=seconds + 120)
    if p.returncode != 0:
        raise SystemExit(f"locust failed ({p.returncode}): {p.stderr[-2000:]}")
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))

    def row(r: dict[str, str]) -> dict[str, Any]:
        return {"requests": int(r["Request Count"]), "errors": int(r["Failure Count"]),
                "rps": round(float(r["Requests/s"]), 1), "p50_ms": float(r["50%"]),
                "p95_ms": float(r["95%"]), "max_ms": round(float(r["Max Response Time"]), 1)}

    agg = next(r for r in rows if r["Name"] == "Aggregated")
    fails = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
    return {"users": users, "seconds": seconds, "spawn_rate": max(1, users // 5),
            **row(agg), "by_name": {r["Name"]: row(r) for r in rows if r["Name"] != "Aggregated"},
            "failures": fails[:20], "load_before": before, "load_after": load()}


def ensure_study(out: Path) -> float | None:
    if (out / "study.duckdb").is_file():
        return None
    t = time.perf_counter()
    subprocess.run(cli("run", "--out", str(out)), check=True)
    return round(time.perf_counter() - t, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/portal48"))
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-round", type=int, default=20)
    ap.add_argument("--result", type=Path, default=RESULT)
    args = ap.parse_args()
    made_s = ensure_study(args.out)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    res: dict[str, Any] = {
        "benchmark": "study portal: carlcities serve (uvicorn, 1 process) on the 48-city demo "
                     "study, localhost", "study": str(args.out), "study_made_s": made_s,
        "python": platform.python_version(), "cpu_count": os.cpu_count(),
        "load_start": load(), "targets": TARGETS,
        "note": "client-side times over the loopback interface (server time + < 1 ms); the "
                "machine is shared, so the load average is recorded with the figures"}
    server = subprocess.Popen(cli("serve", "--out", str(args.out), "--port", str(port),
                                  "--db", f"sqlite:///{tmp / 'accounts.sqlite'}"),
                              stdout=open(tmp / "server.log", "w"), stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=base, timeout=120) as c:
            t0 = time.perf_counter()
            while True:
                try:
                    if c.get("/api/v1/cities").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.perf_counter() - t0 > 180:
                    raise SystemExit("the portal did not start: " +
                                     (tmp / "server.log").read_text()[-2000:])
                time.sleep(0.5)
            res["startup_s"] = round(time.perf_counter() - t0, 2)
            cities = c.get("/api/v1/cities").json()
            ids = [x["city_id"] for x in cities]
            inds = [i["indicator_id"] for i in c.get("/api/v1/indicators").json()]
            res["cities"], res["indicators"] = len(ids), len(inds)
            # cold: every city page and every indicator's values once
            res["city_page_cold"] = summary([timed(c, f"/city/{i}")[0] for i in ids])
            res["region_page_first_ms"] = round(timed(c, "/")[0], 1)
            comp = [f"/compare?cities={','.join(ids[k:k + 3])}" for k in range(0, len(ids), 3)]
            api = (["/api/v1/cities", "/api/v1/indicators"]
                   + [f"/api/v1/values?indicator={i}" for i in inds[:10]]
                   + [f"/api/v1/cities/{i}" for i in ids[:10]]
                   + [f"/api/v1/cities/{i}/layers?lang=en" for i in ids[:10]])
            for u in comp + api:
                timed(c, u)
            R, N = args.rounds, args.per_round
            res["pages"] = {"region": rounds(c, ["/", "/?lang=ru"], R, N),
                            "city": rounds(c, [f"/city/{i}" for i in ids], R, N),
                            "compare": rounds(c, comp, R, N),
                            "downloads": rounds(c, ["/downloads"], R, max(5, N // 4))}
            res["api"] = rounds(c, api, R, N)
            # tiles: three cities, up to four layers, zooms 11-14, 3 x 3 tiles each
            by_pop = sorted(cities, key=lambda x: -(x.get("population") or 0))
            picks = [by_pop[0], by_pop[len(by_pop) // 2], by_pop[-1]]
            turls = [u for p in picks for u in tile_urls(c, p, range(11, 15), 4)]
            cold = [timed(c, u)[0] for u in turls]
            warm = [timed(c, u)[0] for _ in range(3) for u in turls]
            res["tiles"] = {"cold": summary(cold), "warm": summary(warm),
                            "cities": [p["city_id"] for p in picks]}
            res["page_weight"] = {p["city_id"]: page_weight(c, p["city_id"]) for p in picks}
            plan = {"cities": ids, "indicators": inds, "tiles": turls}
        res["load"] = locust(base, plan, args.users, args.seconds, tmp)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    res["load_end"] = load()
    worst_page = max(res["pages"][k]["p95_ms"] for k in ("region", "city", "compare"))
    res["verdict"] = {
        "pages_p95_ms": worst_page, "pages_ok": worst_page < TARGETS["page_p95_ms"],
        "tiles_warm_p95_ms": res["tiles"]["warm"]["p95_ms"],
        "tiles_ok": res["tiles"]["warm"]["p95_ms"] < TARGETS["tile_warm_p95_ms"],
        "load_errors": res["load"]["errors"], "load_ok": res["load"]["errors"] == 0,
        "page_weight_max_bytes": max(w["bytes"] for w in res["page_weight"].values()),
        "page_weight_ok": max(w["bytes"] for w in res["page_weight"].values())
        < TARGETS["page_weight_bytes"]}
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    print(json.dumps(res["verdict"], indent=1))
    print(f"→ {args.result}")


if __name__ == "__main__":
    main()
