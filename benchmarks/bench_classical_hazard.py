"""Classical hazard for the 48 catalogue cities with the logic tree (81 branches since 3.1) (issue 15: <= 60 s
on the 2-core machine). Run: PYTHONPATH=src python benchmarks/bench_classical_hazard.py"""
import json
import os
import platform
import time

import pandas as pd

from carlcities.risk import psha

cities = pd.read_csv("src/carlcities/data/cities.csv")
psha.site_hazard(76.9, 43.25)  # warm caches (grid, faults, near-fault mask)
t0, c0 = time.perf_counter(), time.process_time()
for c in cities.itertuples():
    psha.site_hazard(c.lon, c.lat)
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
out = dict(benchmark=f"classical hazard, 48 cities, {len(psha.BRANCHES)}-branch logic tree, "
                     "PGA 80 levels",
           seconds=round(dt, 2), cpu_seconds=round(cpu, 2), cities=len(cities), branches=len(psha.BRANCHES),
           method_version=psha.METHOD_VERSION, cpu_count=os.cpu_count(),
           python=platform.python_version(), load_average_1min=round(os.getloadavg()[0], 1),
           note="2-core machine shared by five engineers, measured under their load (not idle)")
print(json.dumps(out, indent=1))
json.dump(out, open("benchmarks/results/classical_hazard_48.json", "w"), indent=1)
