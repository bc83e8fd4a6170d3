"""Pathways, actions, MACC, costs, the store and the national check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carlcities.carbon import compute_city_carbon
from carlcities.carbon.actions import ActionError, load_actions, uptake
from carlcities.carbon.macc import annualised_capex, cost_per_tonne, macc
from carlcities.catalog import load_catalog

EMISSIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "emissions" / \
    "EDGARv7.0_GHG_AR4_AR5.xlsx"
CAPITALS = ("astana", "bishkek", "dushanbe", "ashgabat", "tashkent")


@pytest.fixture(scope="module")
def almaty():
    return compute_city_carbon(load_catalog().get("almaty"), None, {},
                               {"growth.lcrpgr": 1.2}, {})


def test_annualised_capex_and_cost_per_tonne_by_hand():
    # CRF(6 %, 10 yr) = 0.06 / (1 - 1.06^-10) = 0.135868
    assert annualised_capex(1000, 0.06, 10) == pytest.approx(135.868, rel=1e-5)
    assert annualised_capex(1000, 0.0, 10) == pytest.approx(100.0)
    # (135.868 + 20 - 50) / 2 t = 52.934 USD/t
    assert cost_per_tonne(1000, 20, 50, 2, 0.06, 10) == pytest.approx(52.934, rel=1e-4)
    assert cost_per_tonne(1000, 20, 50, 0, 0.06, 10) is None


def test_macc_sorted_by_cost(almaty):
    m = macc(almaty.actions, 2030)
    costs = [a["cost_usd_per_t"] for a in m]
    assert costs == sorted(costs) and len(m) >= 5
    assert all(a["x1"] > a["x0"] for a in m)
    assert m[-1]["x1"] == pytest.approx(sum(a["abatement_2030_t"] for a in m))


def test_pathways_monotone(almaty):
    rows = [r for r in almaty.rows if r["indicator_id"] == "ghg.total"]
    by = {s: {r["epoch"]: r["value"] for r in rows if r["scenario"] == s}
          for s in ("bau", "compact", "sprawl", "observed")}
    years = sorted(by["bau"])
    assert years[0] == 2020 and years[-1] == 2050 and len(years) == 31
    assert by["bau"][2020] == pytest.approx(by["observed"][2020])
    # Almaty grows: compact <= BAU (observed LCRPGR 1.2) <= sprawl every year
    for y in years[1:]:
        assert by["compact"][y] < by["bau"][y] < by["sprawl"][y]
    # an action stays at or below BAU, and its abatement grows while uptake rises
    # (landfill gas capture: 2026-2032) on a growing city
    act = {r["epoch"]: r["value"] for r in rows if r["scenario"] == "action:landfill_gas_capture"}
    gaps = np.array([by["bau"][y] - act[y] for y in years])
    assert np.all(gaps >= -1e-6) and np.all(np.diff(gaps) >= -1e-6)


def test_uptake_curve_and_uptake_over_stock(tmp_path):
    u = uptake(np.arange(2020, 2051), 2025, 2035, 0.6)
    assert u[0] == 0 and u[-1] == pytest.approx(0.6) and np.all(np.diff(u) >= 0)
    bad = tmp_path / "actions.yaml"
    bad.write_text("actions:\n  - id: too_much\n    name_en: x\n    name_ru: x\n"
                   "    model: reduce\n    streams: [cars]\n    mechanism: x\n"
                   "    stock: cars\n    unit: cars\n    uptake: {start: 2025, full: 2030, "
                   "share: 1.5}\n    capex_usd_per_unit: 1\n    opex_usd_per_unit_yr: 0\n"
                   "    lifetime_yr: 10\n    co_benefits: {}\n    resilience: x\n"
                   "    sources: [x]\n", encoding="utf-8")
    with pytest.raises(ActionError) as e:
        load_actions(bad)
    assert "exceeds the stock" in str(e.value) and "actions.yaml" in str(e.value)


def test_action_library_is_sourced():
    acts = load_actions()
    ids = {a.id for a in acts}
    for want in ("dh_network_renewal", "chp_coal_to_gas", "panel_retrofit",
                 "panel_retrofit_seismic", "heat_pumps", "rooftop_solar", "led_street_lighting",
                 "brt_metro_trolleybus", "electric_buses", "ev_uptake", "parking_walk_cycle",
                 "landfill_gas_capture", "waste_diversion_composting", "compact_growth_tod"):
        assert want in ids
    assert all(a["sources"] and a["resilience"] for a in acts)


def test_result_contract_and_store(almaty, tmp_path):
    import duckdb

    from carlcities.carbon.store import write_city

    r = almaty
    assert {"observed", "bau", "compact", "sprawl"} <= {x["scenario"] for x in r.rows}
    assert any(x["scenario"].startswith("action:") for x in r.rows)
    assert all(x["zone_id"] == "city" and x["unit"] for x in r.rows)
    assert r.proxies and all(p["source"] for p in r.proxies)
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("BEGIN")
    write_city(con, "run1", "almaty", r)
    write_city(con, "run1", "almaty", r)  # replaces, does not duplicate
    con.execute("COMMIT")
    n = con.execute("SELECT count(*) FROM ghg_inventory").fetchone()[0]
    assert n == len(r.inventory)
    assert con.execute("SELECT count(*) FROM ghg_actions").fetchone()[0] == len(r.actions)
    con.close()


def test_grid_allocation_sums_to_inventory():
    from carlcities.carbon.activity import proxy_activity
    from carlcities.carbon.allocate import allocate
    from carlcities.carbon.inventory import compute_inventory
    from carlcities.carbon.parameters import load_parameters

    city = load_catalog().get("osh")
    P = load_parameters()
    rng = np.random.default_rng(1)
    share = rng.uniform(0, 1, (20, 20))
    pop = share * 800
    gd = dict(builtup=share, builtup_first=share * 0.5, population=pop, classes=None,
              cell_area_m2=10_000.0)
    act = proxy_activity(city, 2020, float(pop.sum()), P, gd)
    inv = compute_inventory(act, city, P)
    ras = allocate(inv, act, gd)
    assert ras["ghg_2020"][0].sum() == pytest.approx(inv.total, rel=1e-9)


def _edgar_2020() -> dict[str, float]:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(EMISSIONS, read_only=True)
    out: dict[str, float] = {}
    for row in wb["Total GHG by sector country AR5"].iter_rows(values_only=True):
        if row and row[0] in ("Power Industry", "Other industrial combustion", "Buildings",
                              "Transport") and row[1] in ("KAZ", "KGZ", "TJK", "TKM", "UZB"):
            out[row[1]] = out.get(row[1], 0.0) + float(row[-2]) * 1e6  # Mt -> t, year 2020
    wb.close()
    return out


@pytest.mark.skipif(not EMISSIONS.exists(), reason="../shared/data/emissions is absent")
def test_national_check_cities_below_edgar(capsys):
    from carlcities.carbon.activity import proxy_activity
    from carlcities.carbon.inventory import compute_inventory
    from carlcities.carbon.parameters import load_parameters

    national = _edgar_2020()
    P = load_parameters()
    sums: dict[str, float] = {}
    per_person: dict[str, float] = {}
    for c in load_catalog():
        pop, _ = c.population_at(2020)
        inv = compute_inventory(proxy_activity(c, 2020, pop, P), c, P, gwp="ar5")
        st_tr = inv.sector_total("stationary") + inv.sector_total("transport")
        sums[c.country_iso3] = sums.get(c.country_iso3, 0.0) + st_tr
        if c.is_capital:
            per_person[c.city_id] = inv.total / pop
    for iso, v in sums.items():
        assert v < national[iso], f"{iso}: cities {v / 1e6:.1f} Mt >= EDGAR {national[iso]/1e6:.1f}"
    with capsys.disabled():
        print("\ncities' stationary+transport vs EDGAR 2020 (power+industry+buildings+"
              "transport):", {k: f"{v / 1e6:.1f}/{national[k] / 1e6:.1f} Mt"
                              for k, v in sums.items()})
        print("capitals, t CO2e/person:", {k: round(v, 2) for k, v in per_person.items()})
