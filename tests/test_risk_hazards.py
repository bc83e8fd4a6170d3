"""The hazard family (risk.hazards): built-ins, registration, entry points, and a toy hazard
added with one module and one call."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import numpy as np
import pytest

from carlcities.catalog import load_catalog
from carlcities.errors import ConfigError
from carlcities.grid import CityGrid
from carlcities.indicators.registry import REGISTRY
from carlcities.risk import hazards as H
from carlcities.risk.hazards import base
from carlcities.risk.run import compute_city_risk
from carlcities.zonal import whole_grid_weights
from tests.plugins import toy_hazard


@pytest.fixture
def clean_registry():
    """Whatever a test registers is gone afterwards (hazards and the toy's indicators)."""
    before = dict(H.HAZARDS)
    yield
    H.HAZARDS.clear()
    H.HAZARDS.update(before)
    for iid in toy_hazard.INDICATORS:
        REGISTRY.pop(iid, None)


@pytest.fixture(scope="module")
def astana():
    """A city without a seismic source (the earthquake is short) on a small grid."""
    c = load_catalog().get("astana")
    grid = CityGrid.around("astana", c.lon, c.lat, 2000.0, res=100.0)
    pop = np.zeros(grid.shape)
    bu = np.zeros(grid.shape)
    r0, c0 = grid.height // 2, grid.width // 2
    pop[r0 - 8:r0 + 8, c0 - 8:c0 + 8] = 100.0
    bu[r0 - 8:r0 + 8, c0 - 8:c0 + 8] = 0.2
    bu[r0 - 8:r0, c0 - 8:c0 + 8] = 0.6  # the northern half is dense
    return c, grid, pop, bu


def _run(city_grid, **params):
    c, grid, pop, bu = city_grid
    return compute_city_risk(c, grid, {}, {2020: dict(population=pop, builtup=bu)},
                             whole_grid_weights(grid.shape), ["city"],
                             dict(realisations=1, years=[2020, 2050],
                                  climate_scenarios=["ssp585"], **params))


def test_the_builtins_are_registered_in_order_and_declare_their_inputs():
    assert list(H.HAZARDS)[:4] == ["earthquake", "flood", "mudflow", "heat"]
    for h in H.HAZARDS.values():
        assert isinstance(h, H.Hazard)
    roles = H.hazard_roles()
    assert {"flood_depth_rp*", "mudflow", "tmax_daily", "vs30", "exposure"} <= set(roles)
    ctx = H.HazardContext(*([None] * 2), {"flood_depth_rp10": "a", "flood_depth_rp100": "b",
                                          "mudflow": "c"}, *([None] * 14))
    assert ctx.role_paths("flood_depth_rp*") == {"flood_depth_rp10": "a",
                                                 "flood_depth_rp100": "b"}


def test_a_toy_hazard_is_one_module_and_one_call(astana, clean_registry):
    H.register_hazard(toy_hazard.Dust(days_per_year=12.0))
    res = _run(astana)
    c, grid, pop, bu = astana
    v = {(r["indicator_id"], r["scenario"], r["epoch"]): r["value"] for r in res.rows
         if r["zone_id"] == "city"}
    assert v[("hazard.dust_days", None, 2020)] == 12.0
    # the engine counts the residents of every hazard mask: the dense northern half
    assert res.masks["dust"].sum() == 8 * 16
    assert v[("exposure.pop_dust", None, 2020)] == pytest.approx(8 * 16 * 100.0)
    assert v[("exposure.pop_dust", None, 2020)] < pop.sum()
    # its trajectory: 3 decades of SSP5-8.5 warming, 2 days each
    assert v[("hazard.dust_days", "trend|ssp585", 2050)] == pytest.approx(18.0)
    assert [x["hazard"] for x in res.curves] == ["dust"]  # astana: no earthquake curve
    assert "dust_days" in res.rasters
    # its summary part is merged beside the built-ins'
    assert res.summary["eal_usd_by_hazard"] == {"earthquake": 0.0, "flood": 0.0, "dust": 0.0}
    assert {"step": "dust", "note": "toy hazard"} in res.provenance


def test_without_the_toy_nothing_of_it_appears(astana):
    res = _run(astana)
    assert "dust" not in res.masks
    assert not any(r["indicator_id"].endswith("dust_days") for r in res.rows)


def test_an_entry_point_adds_a_hazard(monkeypatch, clean_registry):
    ep = EntryPoint("dust", "tests.plugins.toy_hazard:Dust", H.ENTRY_POINT_GROUP)
    seen = []

    def fake(group):
        seen.append(group)
        return [ep]
    monkeypatch.setattr(base, "entry_points", lambda group: fake(group))
    assert H.load_entry_points() == ["dust"]
    assert seen == ["carlcities.hazards"]
    assert isinstance(H.HAZARDS["dust"], toy_hazard.Dust)
    assert list(H.HAZARDS)[-1] == "dust"


def test_a_broken_entry_point_names_itself(monkeypatch, clean_registry):
    ep = EntryPoint("sand", "no_such_package.hazard:Sand", H.ENTRY_POINT_GROUP)
    monkeypatch.setattr(base, "entry_points", lambda group: [ep])
    with pytest.raises(ConfigError, match="sand = no_such_package.hazard:Sand"):
        H.load_entry_points()


def test_registration_refuses_a_second_hazard_of_a_name_and_a_half_hazard(clean_registry):
    class Flood2(toy_hazard.Dust):
        name = "flood"

    with pytest.raises(ConfigError, match="already registered"):
        H.register_hazard(Flood2())
    H.register_hazard(Flood2(), replace=True)
    assert isinstance(H.HAZARDS["flood"], Flood2)

    class Half:
        name = "half"

        def compute(self, ctx):
            return H.HazardOutcome()

    with pytest.raises(ConfigError, match="roles, section, damage_model"):
        H.register_hazard(Half())
    assert "half" not in H.HAZARDS
