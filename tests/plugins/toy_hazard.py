"""A made-up "dust" hazard: everything a new hazard needs, in one module.

It reads no file: every cell gets a constant number of dust days per year (its intensity), and
the densely built cells (built-up share above :data:`DENSE`) make the ``dust`` mask. It brings
its own indicators (``hazard.dust_days`` from its input, ``exposure.pop_dust`` from the
``risk_pop_dust`` input that the engine counts in every hazard mask), a curve, a raster and a
climate trajectory (two more days per decade of warming under SSP5-8.5, one under SSP2-4.5).

Registration is one call, ``register_hazard(Dust())``, or an entry point of an installed
package::

    [project.entry-points."carlcities.hazards"]
    dust = "tests.plugins.toy_hazard:Dust"
"""

from __future__ import annotations

import numpy as np

from carlcities.indicators.registry import REGISTRY, indicator
from carlcities.risk.hazards import HazardContext, HazardOutcome

__all__ = ["DENSE", "INDICATORS", "Dust"]

#: built-up share above which a cell is in the dust mask
DENSE = 0.3
INDICATORS = ("hazard.dust_days", "exposure.pop_dust")
_WARMING_DAYS_PER_DECADE = {"ssp245": 1.0, "ssp585": 2.0}


def _register_indicators() -> None:
    if INDICATORS[0] in REGISTRY:
        return
    indicator("hazard.dust_days", name_en="Dust days", name_ru="Пыльные дни", unit="days/yr",
              inputs=("risk_dust_days",), reference="toy", method="constant",
              zonal=False, higher_is="worse")(lambda risk_dust_days: float(risk_dust_days))
    indicator("exposure.pop_dust", name_en="Population in the dust zone",
              name_ru="Население в пыльной зоне", unit="persons", inputs=("risk_pop_dust",),
              reference="toy", method="residents of dense cells", zonal=True,
              higher_is="worse")(lambda risk_pop_dust: float(risk_pop_dust))


class Dust:
    """Dust days: a constant intensity, a mask of dense cells, no damage."""

    name = "dust"
    roles: tuple[str, ...] = ()
    section = "dust"
    damage_model = "none: exposure only"

    def __init__(self, days_per_year: float = 12.0):
        self.days = float(days_per_year)
        _register_indicators()

    def compute(self, ctx: HazardContext) -> HazardOutcome:
        days = np.full(ctx.grid.shape, self.days)
        return HazardOutcome(
            inputs={"risk_dust_days": self.days}, intensity=days, intensity_unit="days/yr",
            masks={"dust": ctx.builtup > DENSE},
            rasters={"dust_days": (days.astype("float32"), "days/yr", "dust days per year")},
            curves=[dict(hazard="dust", curve="hazard", scenario="constant", measure="days",
                         unit="days/yr", x=self.days, annual_rate=1.0, return_period=1.0,
                         synthetic=True)],
            summary={"eal_usd_by_hazard": {"dust": 0.0}},
            provenance=[{"step": "dust", "note": "toy hazard"}])

    def project(self, ctx, outcome, year, growth, climate) -> dict[str, float]:
        if climate not in _WARMING_DAYS_PER_DECADE:
            return {}
        return {"risk_dust_days": self.days + _WARMING_DAYS_PER_DECADE[climate]
                * max(0, year - ctx.epoch) / 10.0}
