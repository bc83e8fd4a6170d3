"""Zonal statistics: carlcities vs exactextract vs rasterstats, side by side in one run.

Requirement (README, "Performance"): on the same raster and polygons, carlcities' zonal
statistics are >= 20x faster than rasterstats and within 1.2x of exactextract.

Set-up (deterministic, seed 20240601):
  * grid   ``CityGrid.around('tashkent', 69.28, 41.31, 25000)``: 500 x 500 cells of 100 m,
           EPSG:32642;
  * layers 8 float32 rasters (smooth field + noise, ~1 % NaN), kept as numpy arrays and also
           written as GeoTIFFs (tiled, deflate — ``grid.profile()``, what the pipeline writes)
           plus one 8-band GeoTIFF;
  * zones  (a) the 12 Tashkent districts from
           ``/work/shared/data/boundaries/tashkent_districts.geojson`` via
           ``carlcities.io.vector.read_zones`` (skipped with a note if absent);
           (b) ~200 Voronoi cells of random points, clipped to the grid.

Workloads, for 1 layer and 8 layers, each timed with ``time.perf_counter``: one warm-up,
then the median of ``REPEATS`` alternating rounds (default 7):
  * carlcities   ``coverage_weights(grid, zones)`` once, then ``W.sum(x)`` and ``W.mean(x)``
                 per layer; reported "including weights" and "weights reused";
  * exactextract ``exact_extract(raster, zones, ['sum', 'mean'], output='pandas')`` per layer;
                 three raster inputs are timed (GeoTIFF path, open rasterio dataset,
                 in-memory ``NumPyRasterSource``) and the fastest is used for the ratios;
                 for 8 layers also one call on the 8-band GeoTIFF (all bands at once);
  * rasterstats  ``zonal_stats(zones, raster, stats=['sum', 'mean'], affine=...)`` per layer,
                 on the GeoTIFF path and on the numpy array; the fastest is used. Its default
                 rule counts a cell fully if its centre is inside the polygon (not exact
                 coverage), so its sums differ from the other two.

Agreement: max relative difference of the zone sums, carlcities vs exactextract and
carlcities vs rasterstats. Results go to ``benchmarks/results/zonal.json``.

Run:  ``.venv/bin/python benchmarks/bench_zonal.py``  (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "zonal.json"
DISTRICTS = Path("/work/shared/data/boundaries/tashkent_districts.geojson")
SEED = 20240601
N_LAYERS = 8
N_VORONOI = 200
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


# -- timing --------------------------------------------------------------------------------
def race(fns: dict, repeats: int = REPEATS) -> dict:
    """Time several callables side by side: one warm-up each, then ``repeats`` rounds in
    which every callable runs once in turn (so a load spike on a shared machine hits all of
    them alike). Returns {name: (median wall time [s] by perf_counter, median CPU time [s] by
    process_time)} over the rounds."""
    for f in fns.values():
        f()
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            f()
            t1, c1 = time.perf_counter(), time.process_time()
            wall[k].append(t1 - t0)
            cpu[k].append(c1 - c0)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in fns}


# -- set-up --------------------------------------------------------------------------------
def make_layers(grid, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``n`` float32 layers: a smooth random field plus noise, with ~1 % NaN cells."""
    h, w = grid.shape
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    layers = []
    for _ in range(n):
        f = np.zeros((h, w))
        for _ in range(6):
            kx, ky = rng.uniform(1, 8, 2)
            px, py = rng.uniform(0, 2 * np.pi, 2)
            f += rng.uniform(0.5, 2.0) * np.sin(2 * np.pi * kx * xx + px) * np.cos(
                2 * np.pi * ky * yy + py)
        f = 100.0 + 20.0 * f + rng.normal(0.0, 5.0, (h, w))
        f[rng.random((h, w)) < 0.01] = np.nan
        layers.append(f.astype(np.float32))
    return layers


def voronoi_zones(grid, n: int, rng: np.random.Generator):
    import geopandas as gpd
    import shapely

    left, bottom, right, top = grid.bounds
    box = shapely.box(left, bottom, right, top)
    pts = shapely.multipoints(np.column_stack([rng.uniform(left, right, n),
                                               rng.uniform(bottom, top, n)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))
    cells = shapely.intersection(cells, box)
    cells = cells[~shapely.is_empty(cells)]
    return gpd.GeoDataFrame({"zone_id": [f"v{i:03d}" for i in range(len(cells))]},
                            geometry=cells, crs=grid.crs)


def district_zones(grid):
    if not DISTRICTS.exists():
        print(f"note: {DISTRICTS} not found - the Tashkent-districts variant is skipped")
        return None
    from carlcities.io.vector import read_zones

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_zones(DISTRICTS, grid).frame


def write_tifs(grid, layers, tmp: Path) -> tuple[list[str], str]:
    import rasterio

    paths = []
    for k, a in enumerate(layers):
        p = tmp / f"layer{k}.tif"
        with rasterio.open(p, "w", **grid.profile("float32", nodata=float("nan"))) as dst:
            dst.write(a, 1)
        paths.append(str(p))
    multi = tmp / "layers8.tif"
    with rasterio.open(multi, "w", **grid.profile("float32", nodata=float("nan"),
                                                   count=len(layers))) as dst:
        for k, a in enumerate(layers):
            dst.write(a, k + 1)
    return paths, str(multi)


# -- the three tools -----------------------------------------------------------------------
def bench_zone_set(name, grid, zones, layers, paths, multi_path) -> dict:
    import rasterio
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource, RasterioRasterSource
    from rasterstats import zonal_stats

    from carlcities.zonal import coverage_weights

    left, bottom, right, top = grid.bounds
    wkt = grid.crs.to_wkt()
    geoms = zones[["geometry"]].copy()
    affine = grid.transform
    res: dict = {"zones": int(len(zones)), "timings_s": {}}
    T = res["timings_s"]
    print(f"\n== {name}: {len(zones)} polygons, {grid.shape[0]}x{grid.shape[1]} cells ==")

    # the callables ---------------------------------------------------------------------
    def cc(n, W=None):
        W = W if W is not None else coverage_weights(grid, geoms)
        return [(W.sum(x), W.mean(x)) for x in layers[:n]]

    dsets = [rasterio.open(p) for p in paths]

    def ee(n, kind):
        out = []
        for k in range(n):
            if kind == "path":
                r = paths[k]
            elif kind == "rasterio":
                r = RasterioRasterSource(dsets[k], 1)
            else:
                r = NumPyRasterSource(layers[k], left, bottom, right, top, nodata=np.nan,
                                      srs_wkt=wkt)
            out.append(exact_extract(r, geoms, ["sum", "mean"], output="pandas"))
        return out

    def rs(n, kind):
        return [zonal_stats(geoms, paths[k] if kind == "path" else layers[k],
                            stats=["sum", "mean"], affine=affine, nodata=np.nan)
                for k in range(n)]

    W = coverage_weights(grid, geoms)
    res["weights_nnz"] = int(W.matrix.nnz)
    C = res["cpu_timings_s"] = {}
    try:
        # 1 layer: every input variant of each peer, interleaved
        fns = {"carlcities_weights_only": lambda: coverage_weights(grid, geoms),
               "carlcities_incl_weights_1": lambda: cc(1),
               "carlcities_reused_weights_1": lambda: cc(1, W)}
        for kind in ("path", "rasterio", "numpy"):
            fns[f"exactextract_{kind}_1"] = lambda kind=kind: ee(1, kind)
        for kind in ("path", "array"):
            fns[f"rasterstats_{kind}_1"] = lambda kind=kind: rs(1, kind)
        for k, (w, c) in race(fns).items():
            T[k], C[k] = w, c
        ee_best = min(("path", "rasterio", "numpy"), key=lambda k: T[f"exactextract_{k}_1"])
        rs_best = min(("path", "array"), key=lambda k: T[f"rasterstats_{k}_1"])
        # 8 layers: the fastest input of each peer (from 1 layer), plus exactextract on one
        # 8-band GeoTIFF in a single call
        n = N_LAYERS
        fns = {f"carlcities_incl_weights_{n}": lambda: cc(n),
               f"carlcities_reused_weights_{n}": lambda: cc(n, W),
               f"exactextract_{ee_best}_{n}": lambda: ee(n, ee_best),
               f"exactextract_multiband_path_{n}": lambda: exact_extract(
                   multi_path, geoms, ["sum", "mean"], output="pandas"),
               f"rasterstats_{rs_best}_{n}": lambda: rs(n, rs_best)}
        for k, (w, c) in race(fns).items():
            T[k], C[k] = w, c
    finally:
        for d in dsets:
            d.close()
    best = {1: (ee_best, rs_best), N_LAYERS: (ee_best, rs_best)}
    res["fastest_input"] = {"exactextract": ee_best, "rasterstats": rs_best,
                            "chosen_on": "1-layer wall time; used for 8 layers too"}

    # ratios (wall time; the same from CPU time in ratios_cpu) ---------------------------
    for key, src in (("ratios", T), ("ratios_cpu", C)):
        R = res[key] = {}
        for n in (1, N_LAYERS):
            e = src[f"exactextract_{ee_best}_{n}"]
            r = src[f"rasterstats_{rs_best}_{n}"]
            for mode in ("incl_weights", "reused_weights"):
                c = src[f"carlcities_{mode}_{n}"]
                R[f"rasterstats_over_carlcities_{mode}_{n}"] = r / c
                R[f"carlcities_over_exactextract_{mode}_{n}"] = c / e
        e8m = src[f"exactextract_multiband_path_{N_LAYERS}"]
        for mode in ("incl_weights", "reused_weights"):
            R[f"carlcities_over_exactextract_multiband_{mode}_{N_LAYERS}"] = (
                src[f"carlcities_{mode}_{N_LAYERS}"] / e8m)
    R = res["ratios"]
    e8m = T[f"exactextract_multiband_path_{N_LAYERS}"]

    # agreement ---------------------------------------------------------------------------
    x = layers[0]
    c_sum, c_mean = W.sum(x), W.mean(x)
    e = exact_extract(NumPyRasterSource(x, left, bottom, right, top, nodata=np.nan,
                                        srs_wkt=wkt), geoms, ["sum", "mean"], output="pandas")
    r = zonal_stats(geoms, x, stats=["sum", "mean"], affine=affine, nodata=np.nan)
    e_sum, e_mean = e["sum"].to_numpy(float), e["mean"].to_numpy(float)
    r_sum = np.array([d["sum"] if d["sum"] is not None else np.nan for d in r], float)
    r_mean = np.array([d["mean"] if d["mean"] is not None else np.nan for d in r], float)

    def rel(a, b):
        return float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))

    res["agreement"] = {
        "max_rel_diff_sum_vs_exactextract": rel(c_sum, e_sum),
        "max_rel_diff_mean_vs_exactextract": rel(c_mean, e_mean),
        "max_rel_diff_sum_vs_rasterstats": rel(c_sum, r_sum),
        "median_rel_diff_sum_vs_rasterstats": float(np.nanmedian(
            np.abs(c_sum - r_sum) / np.abs(r_sum))),
        "max_rel_diff_mean_vs_rasterstats": rel(c_mean, r_mean),
    }

    # table -------------------------------------------------------------------------------
    print(f"  coverage_weights once: {T['carlcities_weights_only'] * 1e3:9.2f} ms "
          f"(nnz {W.matrix.nnz})")
    print(f"  {'layers':>6} {'cc incl W':>10} {'cc reuse W':>10} {'exactextract':>13} "
          f"{'rasterstats':>12} {'rs/cc(incl)':>11} {'rs/cc(reuse)':>12} "
          f"{'cc/ee(incl)':>11} {'cc/ee(reuse)':>12}")
    for n in (1, N_LAYERS):
        print(f"  {n:>6} {T[f'carlcities_incl_weights_{n}'] * 1e3:8.2f}ms "
              f"{T[f'carlcities_reused_weights_{n}'] * 1e3:8.2f}ms "
              f"{T[f'exactextract_{best[n][0]}_{n}'] * 1e3:11.2f}ms "
              f"{T[f'rasterstats_{best[n][1]}_{n}'] * 1e3:10.2f}ms "
              f"{R[f'rasterstats_over_carlcities_incl_weights_{n}']:10.1f}x "
              f"{R[f'rasterstats_over_carlcities_reused_weights_{n}']:11.1f}x "
              f"{R[f'carlcities_over_exactextract_incl_weights_{n}']:10.2f}x "
              f"{R[f'carlcities_over_exactextract_reused_weights_{n}']:11.2f}x")
    print(f"  fastest input: exactextract {ee_best}, rasterstats {rs_best}; exactextract, "
          f"one call on the {N_LAYERS}-band GeoTIFF: {e8m * 1e3:.2f} ms")
    Rc = res["ratios_cpu"]
    print("  from CPU time: rs/cc " + ", ".join(
        f"{m} {n}: {Rc[f'rasterstats_over_carlcities_{m}_{n}']:.1f}x"
        for n in (1, N_LAYERS) for m in ("incl_weights", "reused_weights")))
    print("                 cc/ee " + ", ".join(
        f"{m} {n}: {Rc[f'carlcities_over_exactextract_{m}_{n}']:.2f}x"
        for n in (1, N_LAYERS) for m in ("incl_weights", "reused_weights")))
    a = res["agreement"]
    print(f"  sums: max rel diff vs exactextract {a['max_rel_diff_sum_vs_exactextract']:.2e}, "
          f"vs rasterstats {a['max_rel_diff_sum_vs_rasterstats']:.2e} (median "
          f"{a['median_rel_diff_sum_vs_rasterstats']:.2e}; centre-of-cell rule)")
    return res


def machine_info() -> dict:
    import exactextract
    import rasterio
    import rasterstats
    import scipy
    import shapely

    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
            "numpy": np.__version__, "scipy": scipy.__version__,
            "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__,
            "exactextract": exactextract.__version__, "rasterstats": rasterstats.__version__,
            "shapely": shapely.__version__}


def main() -> int:
    from carlcities.grid import CityGrid

    t_start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    grid = CityGrid.around("tashkent", 69.28, 41.31, 25000.0)
    layers = make_layers(grid, N_LAYERS, rng)
    sets = {}
    d = district_zones(grid)
    if d is not None:
        sets["tashkent_districts"] = d
    sets["voronoi"] = voronoi_zones(grid, N_VORONOI, rng)

    result = {
        "benchmark": "zonal statistics (sum and mean per zone)",
        "requirement": ">= 20x faster than rasterstats and within 1.2x of exactextract",
        "machine": machine_info(),
        "setup": {"grid": grid.to_dict(), "grid_shape": list(grid.shape),
                  "crs": grid.crs.to_string(),
                  "layers": N_LAYERS, "dtype": "float32", "nan_share": 0.01, "seed": SEED,
                  "repeats": REPEATS, "timing": "median of alternating rounds after one warm-up, "
                  "time.perf_counter (timings_s, ratios) and time.process_time "
                  "(cpu_timings_s, ratios_cpu), seconds; the tools run interleaved, one call "
                  "each per round",
                  "geotiff": "tiled 256x256, deflate, nodata NaN (grid.profile())",
                  "polygon_sets": {k: int(len(v)) for k, v in sets.items()},
                  "districts_file": str(DISTRICTS) if d is not None else None},
        "notes": [
            "carlcities: coverage_weights once + W.sum(x) and W.mean(x) per layer; "
            "'incl_weights' includes computing W, 'reused_weights' does not.",
            "exactextract: exact_extract(raster, zones, ['sum','mean'], output='pandas') per "
            "layer; path, open rasterio dataset and NumPyRasterSource are all timed and the "
            "fastest is used in the ratios; multiband = one call on an 8-band GeoTIFF.",
            "rasterstats: zonal_stats(zones, path or array, stats=['sum','mean'], "
            "affine=..., nodata=nan); default centre-of-cell rule (all_touched=False), not "
            "exact coverage; fastest of path/array used in the ratios.",
            "Input variants are timed for 1 layer; the fastest (by wall time) is used for the "
            "8-layer workload too.",
        ],
        "zone_sets": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench_zonal_") as tmp:
        paths, multi = write_tifs(grid, layers, Path(tmp))
        for name, zones in sets.items():
            result["zone_sets"][name] = bench_zone_set(name, grid, zones, layers, paths, multi)
    result["total_runtime_s"] = time.perf_counter() - t_start
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {OUT.relative_to(HERE.parent)} in {result['total_runtime_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
