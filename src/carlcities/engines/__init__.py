"""Engines: registration, discovery of plug-ins and ordering by needs.

Built-in engines register themselves when :func:`registered` first runs; third parties add
theirs through the ``carlcities.engines`` entry-point group::

    [project.entry-points."carlcities.engines"]
    noise = "carlcities_noise:ENGINE"

An entry point names an engine object (or a zero-argument factory returning one).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from carlcities.engines.base import (
    CityContext,
    Engine,
    EngineResult,
    EpochLayers,
    RasterOut,
    ReportSection,
)
from carlcities.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "BaseEngine", "CityContext", "Engine", "EngineResult",
           "EpochLayers", "RasterOut", "ReportSection", "order", "register", "registered"]

ENTRY_POINT_GROUP = "carlcities.engines"

#: modules of the built-in engines, each defining ``ENGINE``
BUILTIN = ("carlcities.engines.form", "carlcities.engines.environment",
           "carlcities.engines.mobility", "carlcities.engines.carbon", "carlcities.engines.risk",
           "carlcities.engines.scenarios")

_REGISTRY: dict[str, Engine] = {}
_LOADED = False


class BaseEngine:
    """Defaults for an engine: no needs, no tables, no settings section, no report section."""

    name: str = ""
    section: str | None = None
    needs: tuple[str, ...] = ("form",)
    uses: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    required_inputs: bool = False
    ddl: str = ""
    version: str = "1"

    def applies(self, ctx: CityContext) -> bool:
        """Whether the engine has anything to do for this city (its inputs are there)."""
        if not self.required_inputs or not self.inputs:
            return True
        return any(_role_matches(k, role) for k in ctx.inputs for role in self.inputs)

    def run(self, ctx: CityContext) -> EngineResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def ensure_tables(self, con: Any) -> None:
        """Create the engine's tables if they are not there (idempotent)."""
        if self.ddl:
            from carlcities._schema import apply_ddl

            apply_ddl(con, self.ddl)

    def write(self, con: Any, run_id: str, city_id: str, result: EngineResult) -> None:
        """Write the engine's own tables (inside the city's transaction); nothing by default."""

    def report_section(self, study: Any, city_id: str, lang: str) -> ReportSection | None:
        return None


def _role_matches(key: str, role: str) -> bool:
    if role.endswith("*"):
        return key.startswith(role[:-1])
    return key == role or key.rpartition("_")[0] == role


def register(engine: Engine, *, replace: bool = False) -> Engine:
    """Register an engine under its name (refuses a second engine of the same name)."""
    if not getattr(engine, "name", ""):
        raise ConfigError(f"engine {engine!r} has no name", fix="give the engine a name")
    if engine.name in _REGISTRY and not replace and _REGISTRY[engine.name] is not engine:
        raise ConfigError(f"two engines are called {engine.name!r}",
                          fix="rename the plug-in engine, or uninstall one of them")
    _REGISTRY[engine.name] = engine
    return engine


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in BUILTIN:
        register(importlib.import_module(mod).ENGINE)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plug-in names itself
            raise ConfigError(f"the engine plug-in {ep.name!r} ({ep.value}) cannot be loaded: "
                              f"{exc}", fix="reinstall or uninstall that package") from exc
        eng = obj() if callable(obj) and not hasattr(obj, "run") else obj
        register(eng)


def registered() -> dict[str, Engine]:
    """Every engine known: the built-in ones and those installed as plug-ins."""
    _load()
    return dict(_REGISTRY)


def order(names: list[str] | tuple[str, ...]) -> list[Engine]:
    """The engines to run, ``form`` first, each after what it needs and uses.

    Raises :class:`ConfigError` for an unknown engine, a missing need or a circle.
    """
    known = registered()
    wanted = ["form"] + [n for n in names if n != "form"]
    for n in wanted:
        if n not in known:
            import difflib

            near = difflib.get_close_matches(n, list(known), n=1)
            raise ConfigError(f"unknown engine {n!r} in run.engines",
                              fix=(f"did you mean {near[0]!r}? " if near else "")
                              + "known engines: " + ", ".join(sorted(known)))
    chosen = set(wanted)
    for n in wanted:
        missing = [d for d in known[n].needs if d not in chosen]
        if missing:
            raise ConfigError(f"engine {n!r} needs {', '.join(map(repr, missing))}, which "
                              "run.engines does not list",
                              fix=f"add {', '.join(missing)} to run.engines, or remove {n}")
    out: list[Engine] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(n: str, path: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            cycle = " → ".join(path[path.index(n):] + [n])
            raise ConfigError(f"the engines need each other in a circle: {cycle}",
                              fix="remove one of these needs (or uses) from a plug-in engine")
        state[n] = 1
        e = known[n]
        for d in tuple(e.needs) + tuple(getattr(e, "uses", ())):
            if d in chosen:
                visit(d, path + [n])
        state[n] = 2
        out.append(e)

    for n in wanted:  # configured order is kept wherever the needs allow it
        visit(n, [])
    return out
