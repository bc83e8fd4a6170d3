"""Street networks and access (OSM PBF, optional GTFS)."""

from __future__ import annotations

from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult
from carlcities.engines.merge import as_engine_result

__all__ = ["ENGINE", "MobilityEngine"]


class MobilityEngine(BaseEngine):
    name = "mobility"
    section = "mobility"
    needs = ("form",)
    inputs = ("osm", "gtfs")
    required_inputs = True

    def applies(self, ctx: CityContext) -> bool:
        return bool(ctx.inputs.get("osm"))

    def run(self, ctx: CityContext) -> EngineResult:
        from carlcities.config import resolve_path
        from carlcities.indicators.mobility import compute_mobility, mobility_settings

        cfg = ctx.config
        gtfs = cfg.data.gtfs.get(ctx.city.city_id)
        params = dict(mobility_settings(cfg),
                      gtfs=str(resolve_path(cfg, gtfs)) if gtfs else None)
        res = compute_mobility(ctx.city, ctx.grid, ctx.inputs.get("osm"), ctx.epochs,
                               ctx.weights, ctx.zone_ids, params)
        return as_engine_result(res)


ENGINE = MobilityEngine()
