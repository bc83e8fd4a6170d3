"""The engine protocol: what an engine declares, what it is given and what it gives back.

An engine is one step of a city's work (urban form and growth, environment, mobility, risk,
carbon, growth scenarios, or a plug-in). It declares

- ``name``: the product it makes, the name later engines ``need`` it by;
- ``section``: the settings section it owns (``None`` for none); its settings arrive typed
  in :attr:`CityContext.settings` and come from :data:`carlcities.config.SETTINGS` only;
- ``needs``: earlier products it cannot run without (a missing one is a ``ConfigError``);
- ``uses``: earlier products it reads when they are enabled (it runs after them, if present);
- ``inputs``: the input roles it reads (``osm``, ``flood_depth_rp*``); when ``required_inputs``
  is true and none is present the engine is skipped for that city;
- ``ddl``: the ``CREATE TABLE IF NOT EXISTS`` statements of its own store tables;
- ``run(ctx) -> EngineResult`` and ``write(con, run_id, city_id, result)`` (its tables, called
  inside the city's transaction), and optionally ``report_section(study, city_id, lang)``.

The conductor (:mod:`carlcities.pipeline`) orders engines by their needs and knows none of
them by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from carlcities.indicators.rows import OBSERVED, ValueRow, value_row

if TYPE_CHECKING:
    from carlcities.catalog import City
    from carlcities.config import StudyConfig
    from carlcities.grid import CityGrid
    from carlcities.indicators.atlas import AtlasResult
    from carlcities.zonal import CoverageWeights

__all__ = ["CityContext", "Engine", "EngineResult", "EpochLayers", "ReportSection",
           "RasterOut"]


@dataclass
class EpochLayers:
    """One epoch's layers on the city grid, as the form engine read and classified them."""

    population: np.ndarray
    builtup: np.ndarray
    atlas: AtlasResult
    source: str
    synthetic: bool

    def __getitem__(self, key: str) -> Any:  # the older dict-style access of the engines
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


#: A raster an engine hands back: (array on the city grid, unit, description).
RasterOut = tuple[np.ndarray, str, str]


@dataclass
class EngineResult:
    """What one engine produced for one city.

    rows : the ``indicator_values`` rows (made with :func:`value_row`)
    rasters : name -> (array, unit, description), written as ``rasters/CITY/NAME.tif``
    tables : the payload the engine's own ``write`` puts into its tables (None: nothing)
    provenance : input files read (dicts with ``path``, ``sha256``, ``product``, ...)
    notes : one line per method step or assumption worth telling; end up in the manifest
        (``city_notes``) and the report
    product : what later engines read by this engine's name (e.g. the risk layers)
    """

    rows: list[ValueRow] = field(default_factory=list)
    rasters: dict[str, RasterOut] = field(default_factory=dict)
    tables: Any = None
    provenance: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    product: Any = None
    #: extras the conductor hands to the store directly (urban extents, zones)
    extents: list[tuple[int, float, bytes]] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)
    synthetic: bool = False


@dataclass
class CityContext:
    """Everything an engine may read for one city; nothing else reaches it."""

    city: City
    grid: CityGrid
    inputs: dict[str, str]
    config: StudyConfig
    run_id: str
    raster_dir: Path
    #: earlier engines' results by engine name
    products: dict[str, EngineResult] = field(default_factory=dict)
    #: the engine's own settings section (set by the conductor before ``run``)
    settings: Any = None
    #: filled by the form engine: zone weights, zone ids, epoch layers, synthetic flag
    weights: CoverageWeights | None = None
    zone_ids: list[str] = field(default_factory=lambda: ["city"])
    epochs: dict[int, EpochLayers] = field(default_factory=dict)
    synthetic: bool = False
    districts: str | None = None

    def product(self, name: str) -> Any:
        """The ``product`` of an earlier engine, or None when it did not run."""
        res = self.products.get(name)
        return None if res is None else res.product

    def rows_of(self, name: str) -> list[ValueRow]:
        res = self.products.get(name)
        return [] if res is None else res.rows

    def row(self, indicator_id: str, value: float | None, *, epoch: int | None, source: str,
            zone_id: str = "city", epoch_start: int | None = None,
            scenario: str = OBSERVED, flag: str | None = None,
            synthetic: bool | None = None) -> ValueRow:
        """A value row of this city (synthetic defaults to the city's flag)."""
        return value_row(indicator_id, value, epoch=epoch, source=source,
                         synthetic=self.synthetic if synthetic is None else synthetic,
                         zone_id=zone_id, epoch_start=epoch_start, scenario=scenario, flag=flag)


@dataclass(frozen=True)
class ReportSection:
    """A section an engine adds to a city's report: title in both languages, an HTML body."""

    key: str
    title_en: str
    title_ru: str
    html: str


@runtime_checkable
class Engine(Protocol):
    name: str
    section: str | None
    needs: tuple[str, ...]
    uses: tuple[str, ...]
    inputs: tuple[str, ...]
    required_inputs: bool
    ddl: str
    version: str

    def applies(self, ctx: CityContext) -> bool: ...

    def run(self, ctx: CityContext) -> EngineResult: ...

    def ensure_tables(self, con: Any) -> None: ...

    def write(self, con: Any, run_id: str, city_id: str, result: EngineResult) -> None: ...
