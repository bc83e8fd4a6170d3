"""Greenhouse gases: the GPC BASIC inventory, pathways to 2050, actions and the MACC."""

from __future__ import annotations

from typing import Any

from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult
from carlcities.engines.merge import as_engine_result

__all__ = ["ENGINE", "CarbonEngine", "carbon_params"]


def carbon_params(cfg: Any) -> dict[str, Any]:
    """The carbon settings of a configuration, as :func:`compute_city_carbon` takes them."""
    c = cfg.carbon
    return dict(gwp=c.gwp, base_year=c.base_year, discount_rate=c.discount_rate,
                chp_allocation=c.chp_allocation)


class CarbonEngine(BaseEngine):
    name = "carbon"
    section = "carbon"
    needs = ("form",)
    inputs = ("activity",)

    @property
    def ddl(self) -> str:  # type: ignore[override]
        from carlcities.carbon.store import DDL

        return DDL

    def ensure_tables(self, con: Any) -> None:
        from carlcities.carbon.store import ensure_tables

        ensure_tables(con)

    def run(self, ctx: CityContext) -> EngineResult:
        from carlcities.carbon import compute_city_carbon
        from carlcities.config import resolve_path

        epochs = sorted(ctx.epochs)
        first, last = epochs[0], epochs[-1]
        # the form indicators of the latest epoch (growth over the whole period)
        form_values = {r.indicator_id: r.value for r in ctx.rows_of("form")
                       if r.zone_id == "city" and r.epoch == last and r.value is not None
                       and r.epoch_start in (None, first)}
        cfg = ctx.config
        activity = cfg.data.activity.get(ctx.city.city_id)
        res = compute_city_carbon(ctx.city, ctx.grid, ctx.epochs, form_values,
                                  dict(carbon_params(cfg), synthetic=ctx.synthetic),
                                  user_activity=str(resolve_path(cfg, activity))
                                  if activity else None)
        return as_engine_result(res, tables=res)

    def write(self, con: Any, run_id: str, city_id: str, result: EngineResult) -> None:
        from carlcities.carbon.store import write_city

        write_city(con, run_id, city_id, result.tables)


ENGINE = CarbonEngine()
