"""Multi-hazard risk: earthquake, flood, mudflow and heat (:mod:`carlcities.risk`)."""

from __future__ import annotations

from typing import Any

from carlcities.engines import BaseEngine
from carlcities.engines.base import CityContext, EngineResult
from carlcities.engines.merge import as_engine_result

__all__ = ["ENGINE", "RiskEngine", "risk_params"]


def risk_params(cfg: Any) -> dict[str, Any]:
    """The risk settings of a configuration (paths resolved), as the risk engine takes them."""
    from carlcities.config import resolve_path

    r = cfg.risk
    return dict(gmpe=r.gmpe, source_radius_km=r.source_radius_km, mmin=r.mmin,
                realisations=r.realisations, time_of_day=r.time_of_day, years=list(r.years),
                climate_scenarios=list(r.climate_scenarios),
                heat_thresholds_c=list(r.heat_thresholds_c), seed=r.seed,
                catalogue=[str(resolve_path(cfg, cfg.data.earthquake_catalogue))]
                if cfg.data.earthquake_catalogue else None,
                vulnerability={k: str(resolve_path(cfg, v))
                               for k, v in cfg.data.vulnerability.items()},
                taxonomy_mapping=str(resolve_path(cfg, cfg.data.taxonomy_mapping))
                if cfg.data.taxonomy_mapping else None,
                residential_exposure=r.residential_exposure,
                emca_dir=str(resolve_path(cfg, r.emca_dir)) if r.emca_dir else None,
                hazard_vs30=float(cfg.data.hazard_vs30),
                hazard_gmf_years=cfg.data.hazard_gmf_years)


class RiskEngine(BaseEngine):
    name = "risk"
    section = "risk"
    needs = ("form",)

    @property
    def inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        """The input roles of the registered hazards (earthquake, flood, mudflow, heat, ...)."""
        from carlcities.risk.hazards import hazard_roles

        return hazard_roles()

    @property
    def ddl(self) -> str:  # type: ignore[override]
        from carlcities.risk.store import DDL

        return DDL

    def ensure_tables(self, con: Any) -> None:
        from carlcities.risk.store import ensure_tables

        ensure_tables(con)

    def run(self, ctx: CityContext) -> EngineResult:
        from carlcities.risk.run import compute_city_risk

        res = compute_city_risk(ctx.city, ctx.grid, ctx.inputs, ctx.epochs, ctx.weights,
                                ctx.zone_ids, dict(risk_params(ctx.config),
                                                   synthetic=ctx.synthetic))
        return as_engine_result(res, tables=res)

    def write(self, con: Any, run_id: str, city_id: str, result: EngineResult) -> None:
        from carlcities.risk.store import write_city

        write_city(con, run_id, city_id, result.tables)


ENGINE = RiskEngine()
