"""Environment and economic activity (green space, PM2.5, heat island, night lights, GDP)."""

from __future__ import annotations

from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult
from carlcities.engines.merge import as_engine_result

__all__ = ["ENGINE", "EnvironmentEngine"]


class EnvironmentEngine(BaseEngine):
    name = "environment"
    section = "environment"
    needs = ("form",)
    required_inputs = True

    @property
    def inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        from carlcities.io.environment import ENV_ROLES

        return tuple(ENV_ROLES)

    def run(self, ctx: CityContext) -> EngineResult:
        from carlcities.indicators.environment import compute_environment, environment_settings

        res = compute_environment(ctx.grid, ctx.inputs, ctx.epochs, ctx.weights, ctx.zone_ids,
                                  environment_settings(ctx.config))
        return as_engine_result(res)


ENGINE = EnvironmentEngine()
