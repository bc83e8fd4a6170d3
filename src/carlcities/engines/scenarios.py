"""Urban growth scenarios to 2050: projection, allocation on the grid and their effects.

Runs after risk, carbon and mobility when those are enabled (``uses``): a scenario's hazard
exposure, EAL, emissions and new streets are valued with their results.
"""

from __future__ import annotations

from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult
from carlcities.engines.merge import as_engine_result

__all__ = ["ENGINE", "ScenariosEngine"]


class ScenariosEngine(BaseEngine):
    name = "scenarios"
    section = "scenarios"
    needs = ("form",)
    uses = ("risk", "carbon", "mobility")
    inputs = ("dem",)

    def run(self, ctx: CityContext) -> EngineResult:
        from carlcities.config import resolve_path
        from carlcities.scenarios.run import compute_city_scenarios

        cfg = ctx.config
        sc = cfg.scenarios
        street = next((r.value for r in ctx.rows_of("mobility")
                       if r.indicator_id == "mobility.street_density" and r.zone_id == "city"
                       and r.value is not None), None)
        fs = cfg.form
        res = compute_city_scenarios(
            ctx.city, ctx.grid, ctx.inputs, ctx.epochs, names=list(sc.names),
            dirs=[str(resolve_path(cfg, d)) for d in sc.dirs], epochs=list(sc.epochs),
            seed=sc.seed,
            overrides=str(resolve_path(cfg, cfg.data.population_overrides))
            if cfg.data.population_overrides else None,
            form=dict(builtup_threshold=fs.builtup_threshold, walk_radius_m=fs.walk_radius_m,
                      fringe_m=fs.fringe_m, captured_max_ha=fs.captured_max_ha),
            pgr_epsilon=cfg.growth.pgr_epsilon, risk=ctx.product("risk"),
            carbon=ctx.product("carbon"), street_density=street, raster_dir=ctx.raster_dir,
            synthetic=ctx.synthetic)
        return as_engine_result(res)


ENGINE = ScenariosEngine()
