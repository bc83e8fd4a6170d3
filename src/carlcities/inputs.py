"""The input layers of a city: which file fills each role, from the configuration.

A role is what an engine reads: ``builtup_EPOCH``, ``population_EPOCH``, ``dem``, ``osm``,
``flood_depth_rpN``, ``mudflow``, ``vs30``, ``tmax_daily``, ``exposure`` and the environment
roles ``ROLE_YEAR``. Required layers that are missing are refused before any work starts.
"""

from __future__ import annotations

from pathlib import Path

from carlcities.catalog import City
from carlcities.config import StudyConfig, resolve_path
from carlcities.errors import ConfigError, InputFileError

__all__ = ["city_inputs"]


def city_inputs(cfg: StudyConfig, city: City, demo_paths: dict[str, Path] | None) -> dict[str, str]:
    """Paths of the layers of one city: ``builtup_EPOCH``, ``population_EPOCH`` and ``dem``."""
    if demo_paths is not None:
        return {k: str(v) for k, v in demo_paths.items()}
    out: dict[str, str] = {}
    for role in ("builtup", "population"):
        pattern = getattr(cfg.data, role)
        if not pattern:
            raise ConfigError(f"data.source is 'files' but data.{role} is not set",
                              path=cfg.source_path, fix=f"give data.{role}: a path pattern with "
                                                        "{epoch} (and {city_id} if per city)")
        for e in cfg.epochs:
            p = resolve_path(cfg, str(pattern).format(epoch=e, city_id=city.city_id))
            if not p.exists():
                raise InputFileError(f"the {role} layer of {e} for {city.city_id} is missing",
                                     path=p, fix=f"check data.{role} in the config")
            out[f"{role}_{e}"] = str(p)
    if cfg.data.dem:
        p = resolve_path(cfg, str(cfg.data.dem).format(city_id=city.city_id))
        if p.exists():
            out["dem"] = str(p)
    if cfg.data.osm:
        p = resolve_path(cfg, str(cfg.data.osm).format(city_id=city.city_id))
        if not p.exists():
            raise InputFileError(f"the OSM extract for {city.city_id} is missing", path=p,
                                 fix="check data.osm in the config")
        out["osm"] = str(p)
    if cfg.data.flood_depth:
        for rp in cfg.data.flood_return_periods:
            p = resolve_path(cfg, str(cfg.data.flood_depth).format(city_id=city.city_id, rp=rp))
            if p.exists():
                out[f"flood_depth_rp{rp}"] = str(p)
    if cfg.data.hazard_curves:  # authoritative earthquake hazard
        p = resolve_path(cfg, str(cfg.data.hazard_curves).format(city_id=city.city_id))
        if p.exists():
            out["hazard_curves"] = str(p)
    for role in ("hazard_gmfs", "hazard_ruptures"):  # the user's OpenQuake event set
        pat = getattr(cfg.data, role)
        if pat:
            p = resolve_path(cfg, str(pat).format(city_id=city.city_id))
            if not p.exists():
                raise InputFileError(f"data.{role} for {city.city_id} is missing", path=p,
                                     fix=f"check data.{role} in the config")
            out[role] = str(p)
    if cfg.data.hazard_maps:
        for rp in cfg.data.hazard_return_periods:
            p = resolve_path(cfg, str(cfg.data.hazard_maps).format(city_id=city.city_id, rp=rp))
            if p.exists():
                out["hazard_maps" if "{rp}" not in str(cfg.data.hazard_maps)
                    else f"hazard_map_rp{rp}"] = str(p)
    for role in ("mudflow", "vs30", "tmax_daily", "exposure"):  # optional hazard inputs
        pat = getattr(cfg.data, role)
        if pat:
            p = resolve_path(cfg, str(pat).format(city_id=city.city_id))
            if p.exists():
                out[role] = str(p)
    from carlcities.io.environment import ENV_ROLES

    for role in ENV_ROLES:  # environment and economy products, where configured
        pat = getattr(cfg.data, role)
        if not pat:
            continue
        years = cfg.data.env_years if "{year}" in str(pat) else \
            _years_in_file(str(pat), cfg.data.env_years)
        for y in years:
            p = resolve_path(cfg, str(pat).format(year=y, city_id=city.city_id))
            if p.exists():
                out[f"{role}_{y}"] = str(p)
    return out


def _years_in_file(pattern: str, env_years: list[int]) -> list[int]:
    """The year a one-file, many-years product (``rast_gdpTot_1990_2020_30arcsec.tif``: band =
    year) is read for: the latest of ``data.env_years`` inside the span its name states, else
    the latest of them (the reader then says which years the file holds)."""
    import re

    m = re.search(r"(?<!\d)((?:19|20)\d{2})_((?:19|20)\d{2})(?!\d)", pattern.rsplit("/", 1)[-1])
    if m:
        inside = [y for y in env_years if int(m[1]) <= y <= int(m[2])]
        if inside:
            return inside[-1:]
    return env_years[-1:]
