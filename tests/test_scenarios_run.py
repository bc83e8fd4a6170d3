"""The growth-scenario engine on one city (scenarios.run): hazard levers from the risk engine,
emissions and EAL per scenario, and bad scenario files."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from carlcities.catalog import load_catalog
from carlcities.errors import ScenarioError
from carlcities.grid import CityGrid
from carlcities.scenarios.run import compute_city_scenarios


@pytest.fixture(scope="module")
def town():
    c = load_catalog().get("osh")
    grid = CityGrid.around("osh", c.lon, c.lat, 4000.0, res=100.0)
    pop = np.zeros(grid.shape)
    bu = np.zeros(grid.shape)
    r0, c0 = grid.height // 2, grid.width // 2
    pop[r0 - 12:r0 + 12, c0 - 12:c0 + 12] = 180.0
    bu[r0 - 12:r0 + 12, c0 - 12:c0 + 12] = 0.6
    flood = np.zeros(grid.shape, bool)
    flood[:, c0 + 12:c0 + 20] = True  # a river plain east of the town
    ratio = np.where(flood, 0.01, 0.0)  # flood EAL per unit value [1/yr]
    risk = SimpleNamespace(masks={"flood_100": flood, "mudflow": np.zeros(grid.shape, bool)},
                           eal_per_value={"flood": ratio},
                           summary={"population": float(pop.sum()), "value_usd": 1e9,
                                    "eal_usd_by_hazard": {"earthquake": 1e6, "flood": 2e5}})
    return c, grid, pop, bu, risk


def _run(town, **sp):
    c, grid, pop, bu, risk = town
    return compute_city_scenarios(c, grid, {}, {2020: dict(population=pop, builtup=bu)},
                                  names=["bau_sprawl", "risk_aware"], epochs=[2030, 2050],
                                  seed=1, form={}, risk=risk, synthetic=True, **sp)


def test_risk_aware_keeps_new_residents_out_of_the_flood_zone(town):
    res = _run(town)
    v = {(r["scenario"], r["indicator_id"], r["epoch"]): r["value"] for r in res.rows
         if r.get("epoch_start") in (None, 2020)}
    assert v[("growth:risk_aware", "exposure.pop_new_flood_100", 2050)] == 0
    assert v[("growth:bau_sprawl", "exposure.pop_new_flood_100", 2050)] > 0
    # flood EAL: value per person (1e9 / population) x people in the zone x 0.01 /yr
    c, grid, pop, *_ = town
    assert v[("growth:risk_aware", "risk.flood_eal", 2050)] == pytest.approx(0.0)
    vpp = 1e9 / pop.sum()
    assert v[("growth:bau_sprawl", "risk.flood_eal", 2050)] == pytest.approx(
        v[("growth:bau_sprawl", "exposure.pop_new_flood_100", 2050)] * vpp * 0.01, rel=1e-6)
    # earthquake EAL grows with the scenario's population (today's EAL per person)
    p2050 = v[("growth:bau_sprawl", "form.population", 2050)]
    assert v[("growth:bau_sprawl", "risk.eq_eal", 2050)] == pytest.approx(
        1e6 * p2050 / pop.sum(), rel=1e-6)
    # the packaged risk_aware names fault buffers, which this city lacks: said, not failed
    assert any("fault_buffer" in str(p) for p in res.provenance)


def test_a_user_scenario_naming_a_missing_layer_is_an_error(town, tmp_path):
    (tmp_path / "no_faults.yaml").write_text(
        "id: no_faults\nname_en: No faults\nname_ru: Без разломов\nlevers:\n"
        "  density_target: {multiplier: 1.0, annual_change: 0.0}\n  infill_share: 0.5\n"
        "  no_build: [fault_buffer]\n", encoding="utf-8")
    c, grid, pop, bu, risk = town
    with pytest.raises(ScenarioError, match="fault_buffer"):
        compute_city_scenarios(c, grid, {}, {2020: dict(population=pop, builtup=bu)},
                               names=["no_faults"], dirs=[str(tmp_path)], epochs=[2030],
                               seed=0, form={}, risk=risk, synthetic=True)
