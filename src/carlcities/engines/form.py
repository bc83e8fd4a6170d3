"""The spine: urban form and growth of every epoch (Atlas of Urban Expansion, SDG 11.3.1).

Reads each epoch's built-up and population layers onto the city grid, classifies the cells
(:func:`carlcities.indicators.atlas.classify`), sums them per zone
(:func:`carlcities.indicators.aggregates.zone_aggregates`), evaluates the ``form`` and
``growth`` indicators of every epoch and epoch pair, writes the COGs (built-up, population,
Atlas classes, new growth, DEM) and the urban-extent polygons. Every other engine needs its
product: the zone weights, the zone ids and the epoch layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from carlcities._version import __version__
from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult, EpochLayers
from carlcities.grid import grid_kw
from carlcities.indicators.rows import ValueRow, value_row

__all__ = ["ENGINE", "FormEngine", "FormProduct", "grid_kw"]


@dataclass
class FormProduct:
    """What later engines read from the spine."""

    weights: Any
    zone_ids: list[str]
    epochs: dict[int, EpochLayers]
    synthetic: bool


class FormEngine(BaseEngine):
    name = "form"
    section = "form"
    needs: tuple[str, ...] = ()
    inputs = ("builtup_*", "population_*", "dem")
    version = "1"

    def run(self, ctx: CityContext) -> EngineResult:
        import shapely
        from pyproj import Transformer
        from rasterio import features

        from carlcities.indicators import atlas as A
        from carlcities.indicators import evaluate
        from carlcities.indicators.aggregates import zone_aggregates
        from carlcities.io.raster import read_layer, write_cog
        from carlcities.zonal import whole_grid_weights

        cfg, city, grid = ctx.config, ctx.city, ctx.grid
        epochs = list(cfg.epochs)
        rdir = ctx.raster_dir
        prov: list[dict[str, Any]] = []
        fs = cfg.form

        wts: Any = whole_grid_weights(grid.shape)
        zone_ids: list[str] = ["city"]
        zone_rows: list[dict[str, Any]] = []
        if ctx.districts:
            wts, zone_ids, zone_rows, zprov = _district_zones(ctx, wts)
            prov.append(zprov)

        cell_ha = grid.cell_area_ha
        per_epoch: dict[int, dict[str, Any]] = {}
        layers: dict[int, EpochLayers] = {}
        synthetic = False
        to_wgs84 = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
        extents: list[tuple[int, float, bytes]] = []
        rows: list[ValueRow] = []
        tags_common = {"city_id": city.city_id, "run_id": ctx.run_id, "carlcities": __version__}

        def add_rows(values: dict[str, Any], zone_id: str, epoch: int, epoch_start: int | None,
                     source: str, syn: bool) -> None:
            for iid, v in values.items():
                rows.append(value_row(iid, v.value, epoch=epoch, epoch_start=epoch_start,
                                      zone_id=zone_id, source=source, synthetic=syn,
                                      flag=v.flag))

        for e in epochs:
            bu = read_layer(ctx.inputs[f"builtup_{e}"], grid, role="builtup")
            pop = read_layer(ctx.inputs[f"population_{e}"], grid, role="population")
            for lay in (bu, pop):
                prov.append(dict(lay.provenance(), city_id=city.city_id))
            syn = bu.synthetic or pop.synthetic
            synthetic |= syn
            source = (f"{bu.info.product} {bu.info.version}; {pop.info.product} "
                      f"{pop.info.version}" + ("; synthetic demo data" if syn else ""))
            at = A.classify(bu.data, grid.res, threshold=fs.builtup_threshold,
                            walk_radius_m=fs.walk_radius_m, fringe_m=fs.fringe_m,
                            captured_max_ha=fs.captured_max_ha)
            aggs = zone_aggregates(wts, pop.data, bu.data, at, cell_ha)
            per_epoch[e] = dict(atlas=at, aggs=aggs, source=source, syn=syn)
            layers[e] = EpochLayers(population=pop.data, builtup=bu.data, atlas=at,
                                    source=source, synthetic=syn)
            for zi, zid in enumerate(zone_ids):
                inp: dict[str, Any] = dict(aggs[zi])
                if zid == "city":
                    inp.update(extent_mask=at.extent, res_m=grid.res)
                add_rows(evaluate(inp, kind="epoch", zonal_only=zid != "city"), zid, e, None,
                         source, syn)
            tags = dict(tags_common, epoch=e, synthetic=str(syn).lower(), source=source)
            write_cog(rdir / f"builtup_{e}.tif", bu.data.astype("float32"), grid,
                      nodata=float("nan"), tags=dict(tags, unit="share of cell"),
                      description="built-up surface share")
            write_cog(rdir / f"population_{e}.tif", pop.data.astype("float32"), grid,
                      nodata=float("nan"), tags=dict(tags, unit="persons per cell"),
                      description="population")
            write_cog(rdir / f"atlas_class_{e}.tif", at.classes.astype("uint8"), grid, nodata=0,
                      tags=dict(tags, classes="1 urban, 2 suburban, 3 rural built-up, 4 fringe, "
                                              "5 captured, 6 rural open, 7 water"),
                      description="Atlas of Urban Expansion classes")
            polys = [shapely.geometry.shape(g) for g, v in features.shapes(
                at.extent.astype("uint8"), mask=at.extent, transform=grid.transform) if v == 1]
            if polys:
                geom = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
                area_km2 = float(at.extent.sum() * grid.cell_area_m2 / 1e6)
                geom = shapely.transform(geom, lambda xy: np.column_stack(
                    to_wgs84.transform(xy[:, 0], xy[:, 1])))
                extents.append((e, area_km2, shapely.to_wkb(geom)))

        # every epoch pair
        for i, e1 in enumerate(epochs):
            for e2 in epochs[i + 1:]:
                a1, a2 = per_epoch[e1]["atlas"], per_epoch[e2]["atlas"]
                g = A.new_growth(a1.extent, a1.builtup, a2.extent, a2.builtup)
                kinds = (A.INFILL, A.EXTENSION, A.LEAPFROG, A.INCLUSION)
                if wts.is_whole:  # counts of each growth class [ha]
                    gsum = (np.bincount(g.ravel(), minlength=5)[list(kinds)] * cell_ha)[None, :]
                else:
                    gsum = wts.sum_many(np.stack([(g == c).ravel() * cell_ha for c in kinds],
                                                 axis=1))
                syn = per_epoch[e1]["syn"] or per_epoch[e2]["syn"]
                source = per_epoch[e2]["source"]
                for zi, zid in enumerate(zone_ids):
                    inp = {f"{k}_1": v for k, v in per_epoch[e1]["aggs"][zi].items()}
                    inp.update({f"{k}_2": v for k, v in per_epoch[e2]["aggs"][zi].items()})
                    inp.update(years=float(e2 - e1), pgr_epsilon=cfg.growth.pgr_epsilon,
                               infill_ha=float(gsum[zi, 0]), extension_ha=float(gsum[zi, 1]),
                               leapfrog_ha=float(gsum[zi, 2]), inclusion_ha=float(gsum[zi, 3]))
                    add_rows(evaluate(inp, kind="pair", zonal_only=zid != "city"), zid, e2, e1,
                             source, syn)
                if epochs.index(e2) == i + 1:
                    write_cog(rdir / f"growth_{e1}_{e2}.tif", g.astype("uint8"), grid,
                              nodata=None,
                              tags=dict(tags_common, synthetic=str(syn).lower(),
                                        classes="1 infill, 2 extension, 3 leapfrog, 4 inclusion"),
                              description=f"new growth {e1}-{e2}")

        if "dem" in ctx.inputs:
            dem = read_layer(ctx.inputs["dem"], grid, role="dem")
            prov.append(dict(dem.provenance(), city_id=city.city_id))
            write_cog(rdir / "dem.tif", dem.data.astype("float32"), grid, nodata=float("nan"),
                      tags=dict(tags_common, synthetic=str(dem.synthetic).lower(), unit="m"),
                      description="elevation [m]")
        # the spine fills the context every later engine reads
        ctx.weights, ctx.zone_ids, ctx.epochs, ctx.synthetic = wts, list(zone_ids), layers, \
            synthetic
        return EngineResult(rows=rows, provenance=prov, extents=extents, zones=zone_rows,
                            synthetic=synthetic,
                            product=FormProduct(wts, zone_ids, layers, synthetic))


def _district_zones(ctx: CityContext, whole: Any) -> tuple[Any, list[str], list[dict], dict]:
    """Weights over the whole area and each district; zone rows; the districts' provenance."""
    import scipy.sparse as sp
    import shapely

    from carlcities.io.vector import read_zones
    from carlcities.zonal import CoverageWeights, coverage_weights

    districts = str(ctx.districts)
    z = read_zones(districts, ctx.grid, ctx.config.data.district_name_field)
    dw = coverage_weights(ctx.grid, z.frame, z.ids)
    wts = CoverageWeights.build(("city",) + dw.zone_ids, ctx.grid.shape,
                                sp.vstack([whole.matrix, dw.matrix]).tocsr())
    zone_ids = ["city"] + list(dw.zone_ids)
    rows = []
    to_wgs = z.frame.to_crs(4326)
    for (_, r), g in zip(z.frame.iterrows(), to_wgs.geometry):
        rows.append(dict(zone_id=r["zone_id"], name_en=r["name_en"], name_ru=r["name_ru"],
                         area_km2=float(r.geometry.area / 1e6),
                         source=f"{Path(districts).name} sha256:{z.sha256[:12]}",
                         note="; ".join(z.notes), wkb=shapely.to_wkb(g)))
    prov = dict(path=z.path, sha256=z.sha256, product="districts", version="", epoch=None,
                role="districts", synthetic=False, notes=z.notes, city_id=ctx.city.city_id)
    return wts, zone_ids, rows, prov


ENGINE = FormEngine()
