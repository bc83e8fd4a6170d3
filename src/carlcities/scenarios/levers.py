"""Growth scenarios and their levers: YAML files validated once, at the boundary.

A scenario file (``data/growth_scenarios/<id>.yaml``, or a user's own) holds an ``id``, names
and descriptions in English and Russian, and ``levers``:

``density_target``      density of new built-up land: ``persons_per_ha`` [persons/ha], or a
                        ``multiplier`` of today's built-up area density [ratio], optionally
                        changing by ``annual_change`` [1/yr] (−0.02: falling 2 %/yr);
``infill_share``        share of new residents placed inside today's urban extent [0–1];
``growth_boundary_km``  no new land farther than this from today's urban extent [km];
``transit_corridors``   ``weight`` [0–1] and ``width_m`` [m] of the corridors growth is steered
                        to (major streets / transit when given, else radial corridors);
``no_build``            hazard layers kept free of new building (``flood_100``, ``mudflow``,
                        ``fault_buffer``; any layer name the caller supplies);
``green_belt_m``        width of a protected open ring [m] (see :mod:`.allocate`);
``floor_area_per_person``  ``annual_growth`` [1/yr] of floor area per person: the density of
                        new land falls by the same factor.

The shipped defaults are ``bau_sprawl``, ``compact``, ``tod`` and ``risk_aware``; each value
cites its source in the file. ``_parameters.yaml`` beside them holds the engine's sourced
default parameters (:func:`default_parameters`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carlcities.errors import ScenarioError
from carlcities.files import read_yaml

__all__ = [
    "DEFAULT_SCENARIOS",
    "HAZARD_LAYERS",
    "DensityTarget",
    "FloorArea",
    "Levers",
    "Scenario",
    "TransitCorridors",
    "check_levers",
    "default_parameters",
    "load_scenario_file",
    "load_scenarios",
]

DEFAULT_SCENARIOS = ("bau_sprawl", "compact", "tod", "risk_aware")
#: Hazard layers the engines produce (a caller may supply others under their own names).
HAZARD_LAYERS = ("flood_100", "mudflow", "fault_buffer")


def _data_dir() -> Path:
    return Path(str(resources.files("carlcities") / "data" / "growth_scenarios"))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DensityTarget(_Model):
    """Density of new built-up land: absolute [persons/ha] or a multiple of today's."""

    persons_per_ha: float | None = Field(None, gt=0, le=1000)
    multiplier: float | None = Field(None, gt=0, le=10)
    annual_change: float = Field(0.0, ge=-0.1, le=0.1)
    source: str = ""

    @model_validator(mode="after")
    def _one_of(self) -> DensityTarget:
        if (self.persons_per_ha is None) == (self.multiplier is None):
            raise ValueError("give exactly one of persons_per_ha [persons/ha] or multiplier "
                             "[ratio of today's built-up area density]")
        return self

    def at(self, today_density: float, years_from_base: float) -> float:
        """Density of new land [persons/ha] ``years_from_base`` [yr] after the base year."""
        if self.persons_per_ha is not None:
            d = self.persons_per_ha
        else:
            assert self.multiplier is not None  # _one_of: exactly one of the two is given
            d = self.multiplier * today_density
        return float(d) * math.exp(self.annual_change * years_from_base)


class TransitCorridors(_Model):
    weight: float = Field(0.5, ge=0, le=1)
    width_m: float = Field(800.0, gt=0, le=5000)
    source: str = ""


class FloorArea(_Model):
    """Growth of floor area per person [1/yr]; new land's density falls by the same factor."""

    annual_growth: float = Field(..., ge=-0.05, le=0.1)
    source: str = ""


class Levers(_Model):
    density_target: DensityTarget
    infill_share: float = Field(..., ge=0, le=1)
    infill_source: str = ""
    growth_boundary_km: float | None = Field(None, ge=0, le=100)
    transit_corridors: TransitCorridors | None = None
    no_build: tuple[str, ...] = ()
    green_belt_m: float = Field(0.0, ge=0, le=20000)
    floor_area_per_person: FloorArea | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Levers:
        dt = self.density_target
        if self.infill_share == 1.0 and dt.multiplier is not None and (
                dt.multiplier < 1.0 or (dt.multiplier == 1.0 and dt.annual_change < 0)):
            raise ValueError(_INFILL_CONTRADICTION)
        if len(set(self.no_build)) != len(self.no_build):
            raise ValueError(f"no_build lists a layer twice: {list(self.no_build)}")
        return self

    def density(self, today_density: float, years_from_base: float) -> float:
        """Density of new land [persons/ha], floor-area growth included."""
        d = self.density_target.at(today_density, years_from_base)
        if self.floor_area_per_person is not None:
            d /= math.exp(self.floor_area_per_person.annual_growth * years_from_base)
        return d


_INFILL_CONTRADICTION = (
    "infill_share is 1.0 (every new resident inside today's urban extent) but the density "
    "target is below today's density: infill raises the density of the existing extent, so "
    "it cannot be done at a density lower than today's")


class Scenario(_Model):
    """One growth scenario (see the module docstring for the levers)."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(..., min_length=1)
    name_ru: str = Field(..., min_length=1)
    description_en: str = ""
    description_ru: str = ""
    levers: Levers
    path: str | None = Field(None, exclude=True)

    @property
    def label(self) -> str:
        """The store's ``scenario`` value: ``growth:<id>``."""
        return f"growth:{self.id}"


def _fmt_errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                     for e in exc.errors())


def load_scenario_file(path: str | Path) -> Scenario:
    """Read and validate one scenario YAML file; raises :class:`ScenarioError` naming the key."""
    path = Path(path)
    try:
        raw = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read the scenario file: {exc}", path=path,
                            fix="give a readable YAML file (see docs/growth_scenarios.md)"
                            ) from exc
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario file must be a YAML mapping", path=path,
                            fix="start from data/growth_scenarios/compact.yaml")
    try:
        sc = Scenario.model_validate(dict(raw, path=str(path)))
    except ValidationError as exc:
        msg = _fmt_errors(exc)
        fix = ("make the density target at least today's, or lower infill_share below 1"
               if _INFILL_CONTRADICTION[:30] in msg else
               "check the key names and ranges in docs/growth_scenarios.md")
        raise ScenarioError(f"invalid scenario: {msg}", path=path, fix=fix) from None
    if sc.id != path.stem:
        raise ScenarioError(f"id {sc.id!r} differs from the file name {path.stem!r}", path=path,
                            fix=f"rename the file to {sc.id}.yaml or set id: {path.stem}")
    return sc


def _scan(dirs: Iterable[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise ScenarioError("scenario directory not found", path=d,
                                fix="give an existing directory of <id>.yaml files")
        for p in sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")):
            if not p.name.startswith("_"):
                found[p.stem] = p  # later directories override earlier ones
    return found


def load_scenarios(names: Iterable[str] | None = None,
                   extra_dirs: Iterable[str | Path] = ()) -> dict[str, Scenario]:
    """Load growth scenarios by id: the shipped ones plus ``extra_dirs`` (users' own files).

    ``names`` None loads every scenario found. An unknown id raises :class:`ScenarioError`
    with the nearest ids ("did you mean").
    """
    files = _scan([_data_dir(), *map(Path, extra_dirs)])
    wanted = list(names) if names is not None else list(files)
    out: dict[str, Scenario] = {}
    for n in wanted:
        if n not in files:
            close = difflib.get_close_matches(n, list(files), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else \
                f"known scenarios: {', '.join(sorted(files))}"
            raise ScenarioError(f"unknown growth scenario {n!r}; {hint}",
                                fix=f"use one of {', '.join(sorted(files))}, or add "
                                    f"{n}.yaml to a directory passed as extra_dirs")
        out[n] = load_scenario_file(files[n])
    return out


def check_levers(scenario: Scenario, *, masks: Mapping[str, Any] | None = None,
                 today_density: float | None = None) -> None:
    """Check a scenario against a city's data before allocation.

    Raises :class:`ScenarioError` when a ``no_build`` layer is not among ``masks`` (naming the
    lever and the layers available), or when ``infill_share`` is 1.0 with a density target
    below ``today_density`` [persons/ha] (infill cannot lower the density of the extent).
    """
    where = scenario.path or f"scenario {scenario.id}"
    lv = scenario.levers
    avail = sorted(masks or {})
    missing = [n for n in lv.no_build if n not in (masks or {})]
    if missing:
        sugg = [m for n in missing for m in difflib.get_close_matches(n, avail, n=1, cutoff=0.5)]
        hint = f" did you mean {', '.join(sugg)}?" if sugg else ""
        raise ScenarioError(
            f"levers.no_build names hazard layer(s) {missing} that are not among the masks "
            f"given (available: {avail or 'none'}).{hint}", path=where,
            fix="supply those hazard masks (flood, mudflow and fault engines) or remove them "
                "from levers.no_build")
    if today_density is not None and lv.infill_share == 1.0:
        d = lv.density(today_density, 0.0)
        if d < today_density:
            raise ScenarioError(
                f"{_INFILL_CONTRADICTION} (target {d:.1f} persons/ha, today "
                f"{today_density:.1f} persons/ha)", path=where,
                fix="raise levers.density_target to at least today's density or lower "
                    "levers.infill_share below 1")


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    raw = yaml.safe_load((_data_dir() / "_parameters.yaml").read_text(encoding="utf-8"))
    return {k: v["value"] for k, v in raw.items()}


def default_parameters(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The engine's sourced defaults (``_parameters.yaml``), updated with ``overrides``.

    An unknown key in ``overrides`` raises :class:`ScenarioError` with the nearest key.
    """
    out = dict(_defaults())
    for k, v in (overrides or {}).items():
        if k not in out and k not in _EXTRA_KEYS:
            close = difflib.get_close_matches(k, list(out) + list(_EXTRA_KEYS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {sorted(out)}"
            raise ScenarioError(f"unknown scenario parameter {k!r}; {hint}",
                                fix="see data/growth_scenarios/_parameters.yaml")
        out[k] = v
    return out


#: parameters without a default that callers may pass (city-specific observations)
_EXTRA_KEYS = ("street_density_observed_km_per_km2", "walk_radius_m", "fringe_m",
               "captured_max_ha", "pgr_epsilon")

