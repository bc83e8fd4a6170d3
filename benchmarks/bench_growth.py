"""Growth-scenario allocation: all catalogue cities × 4 scenarios × 3 decades, timed.

Target (issue 7): the allocation of the 48 cities × 4 scenarios × 3 decades runs within
1 minute on the development machine.

Set-up (deterministic):
  * base layers for 2020 on each city's study grid (``carlcities.grid.for_city`` with the demo
    epochs 1990–2020), built in memory with the demo generator's own model
    (``carlcities.demo.generator.urban_layers`` on the grid's cell centres; the DEM and slope
    from ``CityModel.surface``; water from its rivers and sea) — no GeoTIFF is written or read;
  * hazard masks, synthetic and for timing only: ``flood_100`` cells within 400 m of a river
    channel, ``mudflow`` the 5–15 % slopes above the city's base elevation + 30 m
    (mountain-front and valley settings), ``fault_buffer`` a 500 m band along a straight line
    3 km from the centre;
  * populations from ``project_population`` (UN WUP 2018 share method);
  * scenarios: the four shipped ones, seed 0.

Timed (``time.perf_counter``): per city, ``prepare_site`` once plus ``allocate`` for the four
scenarios (each 3 decades). Input building and projection are reported but not part of the
target figure. Results go to ``benchmarks/results/bench_growth.json``.

Run:  ``.venv/bin/python benchmarks/bench_growth.py [--cities a,b]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

from carlcities.catalog import load_catalog
from carlcities.demo.generator import DEFAULT_EPOCHS, city_grid, city_model, urban_layers
from carlcities.scenarios import (
    BaseLayers,
    allocate,
    load_scenarios,
    prepare_site,
    project_population,
)

OUT = Path(__file__).resolve().parent / "results" / "bench_growth.json"


def base_layers(city):
    """2020 built-up share, population, DEM, water and synthetic hazard masks on the grid."""
    grid = city_grid(city, epochs=DEFAULT_EPOCHS)
    model = city_model(city, grid, DEFAULT_EPOCHS)
    cx, cy = grid.centre_xy()
    x, y = grid.cell_centres()
    u, v = x - cx, y - cy
    shares, pops, _ = urban_layers(city, grid, model, u, v, DEFAULT_EPOCHS)
    surf = model.surface(grid.x0 - cx, grid.y0 - cy, grid.res, grid.width, grid.height)
    water = model.river(u, v) | model.sea(u, v)
    near_river = np.zeros(grid.shape, bool)
    for rv in model.rivers:
        near_river |= rv.distance(u, v) < max(rv.half_width, 75.0) + 400.0
    flood = near_river & ~water
    if city.setting in ("mountain_front", "valley_basin"):
        mud = (surf.slope > 0.05) & (surf.slope <= 0.15) & (surf.z > model.base + 30.0)
    else:
        mud = np.zeros(grid.shape, bool)
    th = (sum(map(ord, city.city_id)) % 360) * math.pi / 180.0
    d_line = np.abs(u * math.cos(th) - v * math.sin(th) - 3000.0)
    fault = d_line < 500.0
    base = BaseLayers(shares[2020], pops[2020], year=2020, dem=surf.z, slope=surf.slope,
                      water=water, synthetic=True, source="carlcities demo model (in memory)")
    return grid, base, dict(flood_100=flood, mudflow=mud, fault_buffer=fault)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", default="")
    args = ap.parse_args(argv)
    cat = load_catalog()
    cities = cat.select([c for c in args.cities.split(",") if c] or None)
    scenarios = load_scenarios()
    per_city = {}
    t_inputs = t_alloc = 0.0
    remainders = {}
    for city in cities:
        t = time.perf_counter()
        grid, base, masks = base_layers(city)
        proj = project_population(city)
        t_in = time.perf_counter() - t
        t = time.perf_counter()
        site = prepare_site(grid, base)
        land = {}
        for sid, sc in scenarios.items():
            a = allocate(site, sc, proj, masks=masks, seed=0)
            land[sid] = round(sum(e.new_land_ha for e in a.epochs.values()), 1)
            if a.remainder > 0:
                remainders[f"{city.city_id}/{sid}"] = round(a.remainder)
        t_al = time.perf_counter() - t
        t_inputs += t_in
        t_alloc += t_al
        per_city[city.city_id] = dict(cells=grid.width * grid.height,
                                      inputs_s=round(t_in, 3), allocation_s=round(t_al, 3),
                                      land_take_2050_ha=land)
        print(f"{city.city_id:15s} {grid.width}x{grid.height} inputs {t_in:6.2f}s "
              f"allocation {t_al:6.2f}s  land 2020-2050 {land}", flush=True)
    res = dict(
        benchmark="growth-scenario allocation (issue 7)",
        target_s=60.0,
        cities=len(cities), scenarios=list(scenarios), decades=[2030, 2040, 2050],
        allocation_total_s=round(t_alloc, 2), inputs_total_s=round(t_inputs, 2),
        meets_target=t_alloc <= 60.0,
        remainders_persons=remainders,
        machine=dict(python=platform.python_version(), cpu_count=os.cpu_count(),
                     platform=platform.platform()),
        note="CPU shared with other processes while measured; allocation includes prepare_site",
        per_city=per_city,
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if not args.cities:
        OUT.write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"allocation total {t_alloc:.1f} s (target 60 s); inputs {t_inputs:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
