"""What a hazard is to the risk engine: the :class:`Hazard` protocol, its context and outcome,
and the registry of hazards.

A hazard is one object with a few attributes and two methods::

    class Dust:
        name = "dust"                      # key of the hazard (curves, masks, summary)
        roles = ("dust_days",)             # input roles it reads (a glob: "flood_depth_rp*")
        section = "dust"                   # report section key
        damage_model = "none: exposure only"

        def compute(self, ctx: HazardContext) -> HazardOutcome: ...
        def project(self, ctx, outcome, year, growth, climate) -> dict[str, float]: ...

:meth:`Hazard.compute` reads what it needs from the :class:`HazardContext` (the city, its grid,
input paths, parameters, population, exposure, Vs30, DEM — all made once per city) and returns a
:class:`HazardOutcome`: indicator inputs (``risk_*`` names that the indicator registry turns
into ``hazard.*``, ``exposure.*`` and ``risk.*`` rows), curves, scenario rows, rasters, the
intensity it produces on the grid, and ``masks`` — named boolean grids (the 100-year flood
zone, mudflow corridors) that the growth scenarios can keep new building out of. The engine
counts the population, value and critical facilities in every mask and sums them per district,
so a hazard that gives a mask gets ``risk_pop_<mask>``, ``risk_value_<mask>`` and
``risk_facilities_<mask>`` inputs for free.

:meth:`Hazard.project` gives the inputs of one year of the trajectories to 2050: ``growth`` is
the projected population over today's, ``climate`` the climate scenario (``None`` for the
exposure-only trajectory ``trend|historical``). Return ``{}`` where the hazard does not change.

Registration: :func:`register_hazard` adds a hazard to :data:`HAZARDS` (the built-ins register
themselves when :mod:`carlcities.risk.hazards` is imported); a pip-installed package adds one
through the entry-point group ``carlcities.hazards``, whose entries name a Hazard instance, a
class or a factory (``dust = "carl_dust:DustHazard"`` under
``[project.entry-points."carlcities.hazards"]``). :func:`registered_hazards` loads the entry
points once and returns the hazards in registration order.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

import numpy as np

from carlcities.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "HAZARDS", "Hazard", "HazardContext", "HazardOutcome",
           "register_hazard", "unregister_hazard", "registered_hazards", "load_entry_points",
           "hazard_roles"]

#: entry-point group through which installed packages add hazards
ENTRY_POINT_GROUP = "carlcities.hazards"


@dataclass
class HazardContext:
    """What every hazard may read about one city (made once by ``compute_city_risk``).

    Arrays are on ``grid`` (rows × columns); ``population`` [persons] and ``builtup`` [share]
    are the last epoch's. ``value`` [USD] and ``buildings`` [count] are the exposure summed per
    cell. ``params`` holds the risk settings (``carlcities.config.SETTINGS``, section
    ``risk``) and the engine's tuning, already merged with what the caller passed.
    """

    city: Any
    grid: Any
    inputs: dict[str, str]
    params: dict[str, Any]
    epoch: int
    population: np.ndarray
    builtup: np.ndarray
    dem: np.ndarray | None
    vs30: np.ndarray
    exposure: Any
    exposure_source: str
    curves: Any
    fatality_curves: Any
    value: np.ndarray
    buildings: np.ndarray
    synthetic: bool
    source: str  # default "source" of the rows (the engine, and "synthetic" when it is)

    @property
    def seed(self) -> int:
        return int(self.params["seed"])

    def role_paths(self, role: str) -> dict[str, str]:
        """Input paths whose role matches ``role`` (a glob such as ``flood_depth_rp*``)."""
        return {k: v for k, v in self.inputs.items() if fnmatch.fnmatchcase(k, role)}


@dataclass
class HazardOutcome:
    """What one hazard found for one city. Every field is optional (empty when the hazard had
    no input for the city); ``summary`` keys are merged into ``RiskResult.summary`` (dict
    values are merged key by key, so two hazards can fill ``eal_usd_by_hazard``)."""

    #: indicator inputs (``risk_*``) of the last epoch, whole city
    inputs: dict[str, float] = field(default_factory=dict)
    #: indicator id -> flag of a value that could not be made (stored as NULL with the flag)
    undefined: dict[str, str] = field(default_factory=dict)
    #: (scenario id, indicator inputs, source) of named scenarios, e.g. historic earthquakes
    scenario_inputs: list[tuple[str, dict[str, float], str]] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)      # risk_curves rows
    scenarios: list[dict[str, Any]] = field(default_factory=list)   # risk_scenarios rows
    rasters: dict[str, tuple[np.ndarray, str, str]] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    #: expected annual loss per unit of exposed value [1/yr] per cell, for the growth scenarios
    eal_per_value: np.ndarray | None = None
    #: the footprint or intensity the hazard produces on the grid, and its unit
    intensity: np.ndarray | None = None
    intensity_unit: str = ""
    #: expected annual loss [USD/yr] by exposure typology (the ``risk_exposure`` table)
    eal_by_typology: dict[str, float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    provenance: list[Any] = field(default_factory=list)
    #: what :meth:`Hazard.project` needs again (depth maps, a temperature series, ...)
    state: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Hazard(Protocol):
    """One hazard of the risk engine (see the module docstring)."""

    name: str
    roles: tuple[str, ...]
    section: str
    damage_model: str

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        """The hazard's outcome for one city (never raises for a missing optional input)."""
        ...

    def project(self, ctx: HazardContext, outcome: HazardOutcome, year: int, growth: float,
                climate: str | None) -> dict[str, float]:
        """Indicator inputs of ``year`` under ``climate`` (None: exposure growth only)."""
        ...


#: registered hazards by name, in registration (and computation) order
HAZARDS: dict[str, Hazard] = {}
_LOADED: list[bool] = []  # entry points loaded once per process


def register_hazard(hazard: Hazard, *, replace: bool = False) -> Hazard:
    """Add ``hazard`` to :data:`HAZARDS` (returns it, so it can decorate a factory's result).

    Raises ConfigError when it lacks a part of the protocol, or when another hazard has its
    name and ``replace`` is False.
    """
    missing = [a for a in ("name", "roles", "section", "damage_model", "compute", "project")
               if not hasattr(hazard, a)]
    if missing:
        raise ConfigError(f"hazard {hazard!r} lacks {', '.join(missing)}",
                          fix="give it the attributes and methods of "
                              "carlcities.risk.hazards.Hazard")
    if hazard.name in HAZARDS and not replace and HAZARDS[hazard.name] is not hazard:
        raise ConfigError(f"a hazard named {hazard.name!r} is already registered",
                          fix="choose another name, or pass replace=True to override it")
    HAZARDS[hazard.name] = hazard
    return hazard


def unregister_hazard(name: str) -> Hazard | None:
    """Remove the hazard ``name`` (returns it; None when none was registered)."""
    return HAZARDS.pop(name, None)


def load_entry_points(group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Register the hazards that installed packages declare in ``group``; returns their names.

    An entry point may name a Hazard instance, a class (instantiated without arguments) or a
    function returning a Hazard. One that fails to load raises ConfigError naming it.
    """
    names = []
    for ep in entry_points(group=group):
        try:
            obj = ep.load()
            hz = obj() if isinstance(obj, type) or not hasattr(obj, "compute") else obj
        except Exception as exc:  # noqa: BLE001 - any import error of a plugin
            raise ConfigError(f"the hazard entry point {ep.name} = {ep.value} does not load "
                              f"({type(exc).__name__}: {exc})",
                              fix=f"fix or uninstall the package that declares it in {group}"
                              ) from exc
        names.append(register_hazard(hz, replace=True).name)
    return names


def registered_hazards() -> list[Hazard]:
    """The hazards the engine runs, in order (entry points loaded on the first call)."""
    if not _LOADED:
        _LOADED.append(True)
        load_entry_points()
    return list(HAZARDS.values())


def hazard_roles() -> tuple[str, ...]:
    """Input roles read by the registered hazards (globs such as ``flood_depth_rp*``)."""
    return tuple(dict.fromkeys(r for h in registered_hazards() for r in h.roles))
