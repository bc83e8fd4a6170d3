"""One typed row builder for every number the engines store (``indicator_values``).

Every engine (the form/growth spine, environment, mobility, risk, carbon, scenarios and any
plug-in) makes its rows with :func:`value_row`, which takes the unit and method version from
the indicator registry, so a number can never be stored with another unit than its indicator's.
The conductor stamps ``run_id`` and ``city_id`` when it writes the city.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from carlcities.indicators.registry import REGISTRY

__all__ = ["OBSERVED", "VALUE_COLUMNS", "ValueRow", "value_row"]

#: ``scenario`` of measured values.
OBSERVED = "observed"


@dataclass(frozen=True, slots=True)
class ValueRow:
    """One row of ``indicator_values`` (the columns, in the store's order)."""

    run_id: str | None
    city_id: str | None
    zone_id: str
    indicator_id: str
    epoch: int | None
    epoch_start: int | None
    scenario: str
    value: float | None
    unit: str
    source: str
    method_version: str
    synthetic: bool
    flag: str | None = None

    def stamped(self, run_id: str, city_id: str) -> ValueRow:
        """The same row with its run and city set (done by the conductor)."""
        return replace(self, run_id=run_id, city_id=city_id)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ValueRow:
        """A row from a mapping with the store's column names (missing run/city/flag: None)."""
        return cls(run_id=d.get("run_id"), city_id=d.get("city_id"), zone_id=d["zone_id"],
                   indicator_id=d["indicator_id"], epoch=d.get("epoch"),
                   epoch_start=d.get("epoch_start"), scenario=d.get("scenario") or OBSERVED,
                   value=d.get("value"), unit=d["unit"], source=d["source"],
                   method_version=d["method_version"], synthetic=bool(d["synthetic"]),
                   flag=d.get("flag"))


VALUE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ValueRow))


def value_row(indicator_id: str, value: float | None, *, epoch: int | None, source: str,
              synthetic: bool, zone_id: str = "city", epoch_start: int | None = None,
              scenario: str | None = None, flag: str | None = None,
              method_version: str | None = None) -> ValueRow:
    """A row for a registered indicator; unit and method version come from the registry.

    ``method_version`` may extend the registry's (e.g. with a GWP set) but not replace it.
    """
    ind = REGISTRY[indicator_id]
    mv = ind.method_version if method_version is None else method_version
    if not mv.startswith(ind.method_version):
        raise ValueError(f"method version {mv!r} of {indicator_id} must start with the "
                         f"registry's {ind.method_version!r}")
    return ValueRow(run_id=None, city_id=None, zone_id=zone_id, indicator_id=indicator_id,
                    epoch=epoch, epoch_start=epoch_start, scenario=scenario or OBSERVED,
                    value=None if value is None else float(value), unit=ind.unit, source=source,
                    method_version=mv, synthetic=bool(synthetic), flag=flag)
