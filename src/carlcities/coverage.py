"""What a configuration's data will measure, city by city, before any computation: the
coverage matrix of input roles → engines → indicators (``carlcities data check``).

For each city it resolves the input files the run would read (:func:`carlcities.inputs.
city_inputs`, the same function the run uses), then says for each input role whether it is
there, stands in by a fallback (Vs30 from the DEM slope, exposure from the grid, ...) or is
missing, which engines will run (each engine's declared ``inputs`` and ``required_inputs``
from :func:`carlcities.engines.registered`), which indicators of the registry the role gives,
and which products of the source catalogue (``carlcities data sources``) would add it.

The table :data:`ROLES` is the one place that says which indicators a role gives; the tests
check that every indicator pattern in it names registered indicators.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ROLES", "CityCoverage", "Coverage", "RoleInfo", "coverage", "role_indicators"]


@dataclass(frozen=True)
class RoleInfo:
    """An input role: the engine that reads it, the indicators (patterns of ids) it gives, and
    what stands in when it is missing (empty: nothing, the indicators are not measured)."""

    role: str
    engine: str
    indicators: tuple[str, ...]
    fallback: str = ""
    fallback_role: str = ""  #: the role the fallback needs ("" = none)
    label: str = ""


ROLES: tuple[RoleInfo, ...] = (
    RoleInfo("builtup", "form", ("form.*", "growth.*"),
             label="built-up surface (each epoch)"),
    RoleInfo("population", "form", ("form.*", "growth.*"), label="population (each epoch)"),
    RoleInfo("dem", "form", ("exposure.*mudflow*",), label="elevation model",
             fallback="none: no slope for Vs30, no mudflow corridors, no terrain for growth"),
    RoleInfo("osm", "mobility", ("mobility.*", "access.*"), label="OpenStreetMap streets and "
             "destinations"),
    RoleInfo("landcover", "environment", ("environment.green_*",),
             fallback="green space from NDVI ≥ 0.3", fallback_role="ndvi", label="land cover"),
    RoleInfo("ndvi", "environment", ("environment.ndvi_mean",), label="vegetation index"),
    RoleInfo("pm25", "environment", ("environment.pm25_*",), label="annual PM2.5"),
    RoleInfo("lst", "environment", ("environment.lst_*", "environment.suhi"),
             label="land surface temperature"),
    RoleInfo("lights", "environment", ("economy.lights_*", "economy.activity_gini",
                                       "economy.monocentricity", "economy.centre_offset"),
             label="night lights"),
    RoleInfo("gdp", "environment", ("economy.gdp_*",), label="gridded GDP"),
    RoleInfo("flood_depth", "risk", ("exposure.*flood_100", "risk.flood_eal"),
             label="flood depth maps (return periods)"),
    RoleInfo("mudflow", "risk", ("exposure.*mudflow",), label="mudflow hazard map",
             fallback="run-out corridors derived from the DEM", fallback_role="dem"),
    RoleInfo("vs30", "risk", ("hazard.vs30_median",), label="Vs30 site model",
             fallback="Vs30 from the DEM slope (Wald & Allen 2007)", fallback_role="dem"),
    RoleInfo("tmax_daily", "risk", ("hazard.heat_days_*", "hazard.heatwave_days",
                                    "risk.heat_excess_deaths", "exposure.pop_65plus_heat"),
             label="daily maximum temperature"),
    RoleInfo("exposure", "risk", (), label="exposure model",
             fallback="exposure built from the grid's population and built-up surface with "
                      "the GEM typology mixes"),
    RoleInfo("earthquake_catalogue", "risk", (), label="earthquake catalogue",
             fallback="the packaged Gutenberg-Richter sources fitted from the catalogues"),
)


def role_indicators(info: RoleInfo) -> list[str]:
    """The registered indicator ids a role gives (its patterns matched on the registry)."""
    from .indicators.registry import REGISTRY

    return sorted(i for i in REGISTRY if any(fnmatch.fnmatchcase(i, p) for p in info.indicators))


@dataclass
class CityCoverage:
    city_id: str
    roles: dict[str, str] = field(default_factory=dict)  #: present | fallback | missing
    engines: dict[str, str] = field(default_factory=dict)  #: "runs" or why not
    missing_indicators: dict[str, list[str]] = field(default_factory=dict)  #: role → ids
    add_with: dict[str, list[str]] = field(default_factory=dict)  #: role → product ids
    error: str = ""  #: the run would stop on this city (a required layer missing)


@dataclass
class Coverage:
    """The matrix of a configuration: one :class:`CityCoverage` per city."""

    source: str
    cities: list[CityCoverage]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "cities": [asdict(c) for c in self.cities]}

    def not_measured(self) -> dict[str, tuple[list[str], list[str], list[str]]]:
        """role → (cities without it, indicators it would give, products that add it)."""
        out: dict[str, tuple[list[str], list[str], list[str]]] = {}
        for c in self.cities:
            for role, ids in c.missing_indicators.items():
                cs, _, _ = out.setdefault(role, ([], ids, c.add_with.get(role, [])))
                cs.append(c.city_id)
        return out


def _products_by_role() -> dict[str, list[str]]:
    from .fetch import load_sources

    out: dict[str, list[str]] = {}
    for s in load_sources().products.values():
        for r in s.roles:
            base = r.split("_EPOCH")[0].split("_YEAR")[0].removesuffix("_rpN")
            out.setdefault(base, []).append(s.id)
    return out


def _present(inputs: dict[str, str], role: str) -> bool:
    return any(k == role or k.startswith(role + "_") for k in inputs)


def coverage(cfg: Any, cities: list[str] | None = None) -> Coverage:
    """The coverage matrix of ``cfg`` (a :class:`~carlcities.config.StudyConfig`) for
    ``cities`` (ids or names; None = the configuration's cities)."""
    from .catalog import load_catalog
    from .engines import order
    from .errors import CarlError
    from .inputs import city_inputs

    sel = load_catalog().select(cities if cities is not None else cfg.cities)
    by_role = _products_by_role()
    engines = order(list(cfg.run.engines))
    demo = cfg.data.source == "demo"
    out = []
    for city in sel:
        cc = CityCoverage(city.city_id)
        try:
            inputs = {} if demo else city_inputs(cfg, city, None)
        except CarlError as exc:
            cc.error = exc.message
            inputs = {}
        if cfg.data.earthquake_catalogue:
            inputs["earthquake_catalogue"] = str(cfg.data.earthquake_catalogue)
        for info in ROLES:
            if demo or _present(inputs, info.role):
                cc.roles[info.role] = "present"
                continue
            fb = info.fallback and (not info.fallback_role or _present(inputs, info.fallback_role))
            cc.roles[info.role] = "fallback" if fb else "missing"
            if not fb and info.indicators:
                cc.missing_indicators[info.role] = role_indicators(info)
                cc.add_with[info.role] = by_role.get(info.role, [])
        for eng in engines:
            if cc.error:
                cc.engines[eng.name] = "stops: " + cc.error
            elif demo or not eng.required_inputs or not eng.inputs:
                cc.engines[eng.name] = "runs"
            elif any(_present(inputs, r.rstrip("*").removesuffix("_rp")) for r in eng.inputs):
                cc.engines[eng.name] = "runs"
            else:
                cc.engines[eng.name] = "skipped: none of " + ", ".join(eng.inputs)
        out.append(cc)
    return Coverage("demo" if demo else "files", out)
