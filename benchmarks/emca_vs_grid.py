"""EMCA exposure beside the grid-based exposure for the ten largest cities.

For each of the ten most populous catalogue cities: the residential buildings, occupants
(residents) and replacement value [USD] inside the urban extent (Atlas of Urban Expansion
classification of the 2020 built-up layer, as the form engine makes it) from

* EMCA (Pittore, Haas & Silva 2020): the Voronoi cells cut by the extent polygon, each
  weighted by the share of its area inside (``emca_totals_in``);
* carlcities' grid-based exposure (``build_exposure``: population × floor area per person ×
  GEM class mix) on the same extent, residential assets only.

* the default study's residential exposure (``risk.residential_exposure: emca``): the packaged
  per-city EMCA extract put on the grid (``city_emca_exposure``: each EMCA cell's totals × the
  share of the cell the grid covers, spread over the grid by its residents), inside the same
  extent.

The population and built-up layers are the demo region's (synthetic) unless ``--config``
points at real layers: the grid side of the comparison is then as synthetic as the demo.

    PYTHONPATH=src python benchmarks/emca_vs_grid.py [--emca DIR] [--out results/emca_vs_grid.md]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np


def extent_polygon(mask, grid):
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely.geometry import shape
    from shapely.ops import unary_union

    polys = [shape(g) for g, v in shapes(mask.astype("uint8"), mask=mask,
                                         transform=grid.transform) if v == 1]
    poly = unary_union(polys)
    return gpd.GeoSeries([poly], crs=grid.epsg).to_crs(4326).iloc[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emca", default=os.environ.get("CARLCITIES_SHARED_DATA", "../shared/data")
                    + "/emca_exposure")
    ap.add_argument("--demo-dir", default="/tmp/carl_emca_demo")
    ap.add_argument("--out", default="benchmarks/results/emca_vs_grid.md")
    ap.add_argument("--n", type=int, default=10)
    a = ap.parse_args()

    from carlcities.catalog import load_catalog
    from carlcities.demo import generate
    from carlcities.grid import for_city
    from carlcities.indicators import atlas as A
    from carlcities.io.raster import read_layer
    from carlcities.risk.exposure import CITY_UNITS, build_exposure
    from carlcities.risk.exposure.emca import emca_csv_path, emca_totals_in, read_emca
    from carlcities.risk.exposure.emca_extract import city_emca_exposure

    cities = sorted(load_catalog(), key=lambda c: -c.population)[: a.n]
    cache: dict = {}
    rows = []
    for c in cities:
        paths = generate(a.demo_dir, [c], epochs=(2000, 2020))[c.city_id]
        grid = for_city(c, epochs=[2000, 2020])
        pop = np.nan_to_num(read_layer(str(paths["population_2020"]), grid,
                                       role="population").data)
        bu = np.nan_to_num(read_layer(str(paths["builtup_2020"]), grid, role="builtup").data)
        ext = A.classify(bu, grid.res).extent
        if c.country_iso3 not in cache:
            cache[c.country_iso3] = read_emca(emca_csv_path(a.emca, c.country_iso3))
        cells = cache[c.country_iso3]
        em = emca_totals_in(cells, extent_polygon(ext, grid), grid.epsg)
        g = build_exposure(c, grid, pop, bu, country_iso3=c.country_iso3)
        g = g.subset((g.occupancy == "Res") & ext.ravel()[g.site])
        eg, _ = city_emca_exposure(c, grid, pop, builtup=bu,
                                   unit=CITY_UNITS.get(c.city_id, c.country_iso3))
        eg = eg.subset(ext.ravel()[eg.site])
        rows.append(dict(city=c.city_id, pop=c.population, ext_km2=ext.sum() * grid.cell_area_m2
                         / 1e6, e_b=em["buildings"], g_b=float(g.buildings.sum()),
                         e_o=em["occupants"], g_o=float(g.occupants_night.sum()),
                         g_res=float(pop[ext].sum()), e_v=em["value_usd"], g_v=g.total_value,
                         eg_v=eg.total_value, eg_b=float(eg.buildings.sum()),
                         eg_o=float(eg.occupants_night.sum()), e_ado=em["by_class"].get("MUR-ADO", {}).get(
                             "buildings", 0.0) / max(em["buildings"], 1)))
        print(rows[-1], flush=True)
    lines = ["| city | catalogue pop. | extent [km²] | buildings EMCA | buildings grid | ratio | "
             "occupants EMCA | residents grid | ratio | value EMCA [bn USD] | value grid "
             "[bn USD] | ratio | adobe share of EMCA buildings | default study (EMCA on the "
             "grid): buildings | night occupants | value [bn USD] |", "|" + "---|" * 16]
    for r in rows:
        lines.append(
            f"| {r['city']} | {r['pop']:,.0f} | {r['ext_km2']:,.0f} | {r['e_b']:,.0f} | "
            f"{r['g_b']:,.0f} | {r['e_b'] / r['g_b']:.2f} | {r['e_o']:,.0f} | {r['g_res']:,.0f} "
            f"| {r['e_o'] / r['g_res']:.2f} | {r['e_v'] / 1e9:,.1f} | {r['g_v'] / 1e9:,.1f} | "
            f"{r['e_v'] / r['g_v']:.2f} | {100 * r['e_ado']:.0f} % | {r['eg_b']:,.0f} | "
            f"{r['eg_o']:,.0f} | {r['eg_v'] / 1e9:,.1f} |")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
