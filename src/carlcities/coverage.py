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

__all__ = ["ROLES", "CityCoverage", "Coverage", "RoleInfo", "coverage", "manifest_section",
           "role_indicators"]


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
    label_ru: str = ""
    fallback_ru: str = ""


ROLES: tuple[RoleInfo, ...] = (
    RoleInfo("builtup", "form", ("form.*", "growth.*"),
             label="built-up surface (each epoch)",
             label_ru="застроенная поверхность (каждая эпоха)"),
    RoleInfo("population", "form", ("form.*", "growth.*"), label="population (each epoch)",
             label_ru="население (каждая эпоха)"),
    RoleInfo("dem", "form", ("exposure.*mudflow*",), label="elevation model",
             fallback="none: no slope for Vs30, no mudflow corridors, no terrain for growth",
             label_ru="цифровая модель рельефа",
             fallback_ru="нет: ни уклона для Vs30, ни коридоров селей, ни рельефа для роста"),
    RoleInfo("osm", "mobility", ("mobility.*", "access.*"), label="OpenStreetMap streets and "
             "destinations",
             label_ru="улицы и объекты OpenStreetMap"),
    RoleInfo("landcover", "environment", ("environment.green_*",),
             fallback="green space from NDVI ≥ 0.3", fallback_role="ndvi", label="land cover",
             label_ru="растительный и земельный покров",
             fallback_ru="зелёные зоны по NDVI ≥ 0,3"),
    RoleInfo("ndvi", "environment", ("environment.ndvi_mean",), label="vegetation index",
             label_ru="вегетационный индекс"),
    RoleInfo("pm25", "environment", ("environment.pm25_*",), label="annual PM2.5",
             label_ru="среднегодовые PM2.5"),
    RoleInfo("lst", "environment", ("environment.lst_*", "environment.suhi"),
             label="land surface temperature",
             label_ru="температура земной поверхности"),
    RoleInfo("lights", "environment", ("economy.lights_*", "economy.activity_gini",
                                       "economy.monocentricity", "economy.centre_offset"),
             label="night lights",
             label_ru="ночные огни"),
    RoleInfo("gdp", "environment", ("economy.gdp_*",), label="gridded GDP",
             label_ru="ВВП по сетке"),
    RoleInfo("flood_depth", "risk", ("exposure.*flood_100", "risk.flood_eal"),
             label="flood depth maps (return periods)",
             label_ru="карты глубины затопления (периоды повторяемости)"),
    RoleInfo("mudflow", "risk", ("exposure.*mudflow",), label="mudflow hazard map",
             fallback="run-out corridors derived from the DEM", fallback_role="dem",
             label_ru="карта селевой опасности",
             fallback_ru="коридоры выноса, рассчитанные по ЦМР"),
    RoleInfo("vs30", "risk", ("hazard.vs30_median",), label="Vs30 site model",
             fallback="Vs30 from the DEM slope (Wald & Allen 2007)", fallback_role="dem",
             label_ru="модель грунтовых условий Vs30",
             fallback_ru="Vs30 по уклону рельефа (Wald & Allen 2007)"),
    RoleInfo("tmax_daily", "risk", ("hazard.heat_days_*", "hazard.heatwave_days",
                                    "risk.heat_excess_deaths", "exposure.pop_65plus_heat"),
             label="daily maximum temperature",
             label_ru="суточный максимум температуры"),
    RoleInfo("exposure", "risk", (), label="exposure model",
             fallback="exposure built from the grid's population and built-up surface with "
                      "the GEM typology mixes",
             label_ru="модель подверженности",
             fallback_ru="подверженность из населения и застройки сетки с типологией GEM"),
    RoleInfo("earthquake_catalogue", "risk", (), label="earthquake catalogue",
             fallback="the packaged Gutenberg-Richter sources fitted from the catalogues",
             label_ru="каталог землетрясений",
             fallback_ru="встроенные источники Гутенберга–Рихтера, подобранные по каталогам"),
    RoleInfo("hazard_maps", "risk", (), label="authoritative seismic hazard maps",
             label_ru="официальные карты сейсмической опасности",
             fallback="seismic hazard from carlcities' own PSHA on the packaged sources",
             fallback_ru="сейсмическая опасность по собственному PSHA carlcities на "
                         "встроенных источниках"),
    RoleInfo("hazard_curves", "risk", (), label="authoritative seismic hazard curves "
             "(OpenQuake CSV)", label_ru="официальные кривые сейсмической опасности "
             "(CSV OpenQuake)",
             fallback="hazard curves from carlcities' own PSHA on the packaged sources",
             fallback_ru="кривые опасности по собственному PSHA carlcities на встроенных "
                         "источниках"),
    RoleInfo("hazard_gmfs", "risk", (), label="authoritative ground-motion fields "
             "(OpenQuake gmf-data and sitemesh CSV)", label_ru="официальные поля сотрясений "
             "(CSV gmf-data и sitemesh OpenQuake)",
             fallback="stochastic events of carlcities' own source model",
             fallback_ru="стохастические события собственной модели источников carlcities"),
    RoleInfo("hazard_ruptures", "risk", (), label="authoritative ruptures (OpenQuake CSV)",
             label_ru="официальные разрывы (CSV OpenQuake)",
             fallback="stochastic events of carlcities' own source model",
             fallback_ru="стохастические события собственной модели источников carlcities"),
    RoleInfo("gtfs", "mobility", ("access.frequent_transit_500m",),
             label="GTFS public transport timetable",
             label_ru="расписание общественного транспорта GTFS"),
    RoleInfo("activity", "carbon", (), label="city activity data (fuel, energy, transport, "
             "waste)", label_ru="данные о деятельности города (топливо, энергия, транспорт, "
             "отходы)",
             fallback="activity estimated from population, floor area and national statistics "
                      "(GPC proxies)",
             fallback_ru="деятельность оценена по населению, площади зданий и национальной "
                         "статистике (заменители GPC)"),
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
        for name in ("gtfs", "activity"):  # per-city files: data.gtfs, data.activity
            per_city = getattr(cfg.data, name, None) or {}
            if per_city.get(city.city_id):
                inputs[name] = str(per_city[city.city_id])
        for name in ("hazard_maps", "hazard_curves", "hazard_gmfs", "hazard_ruptures"):
            if getattr(cfg.data, name, None):  # authoritative hazard given by the user
                inputs[name] = str(getattr(cfg.data, name))
        for info in ROLES:
            if demo or _present(inputs, info.role):
                cc.roles[info.role] = "present"
                continue
            fb = info.fallback and not info.fallback.startswith("none") and \
                (not info.fallback_role or _present(inputs, info.fallback_role))
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


def manifest_section(cfg: Any, cities: list[str] | None = None) -> dict[str, Any]:
    """The coverage matrix as the run manifest keeps it (``manifest.json`` → ``coverage``),
    for the report's "What this study could not measure, and how to add it": per role its
    labels (English, Russian), the indicators it gives, its stand-in and the catalogue
    products that fill it (title, access, landing page, the ``data:`` key); per city each
    role's state (present | fallback | missing) and each engine's."""
    from .fetch import load_sources

    cov = coverage(cfg, cities)
    srcs = load_sources()
    by_role = _products_by_role()
    roles: dict[str, Any] = {}
    for info in ROLES:
        prods = [srcs.get(p) for p in by_role.get(info.role, [])]
        roles[info.role] = {
            "label_en": info.label, "label_ru": info.label_ru, "engine": info.engine,
            "indicators": role_indicators(info), "fallback_en": info.fallback,
            "fallback_ru": info.fallback_ru,
            "products": [{"id": p.id, "title_en": p.title_en, "title_ru": p.title_ru,
                          "access": p.access, "licence": p.licence,
                          "landing_page": p.landing_page, "config_key": p.config_key,
                          "fetch": p.selection != "manual"} for p in prods]}
    return {"source": cov.source, "roles": roles,
            "cities": {c.city_id: {"roles": c.roles, "engines": c.engines, "error": c.error}
                       for c in cov.cities}}
