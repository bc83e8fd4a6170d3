"""Pathways, actions, MACC, costs, the store and the national check."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.carbon import compute_city_carbon
from carlcities.carbon.actions import ActionError, load_actions, uptake
from carlcities.carbon.macc import annualised_capex, cost_per_tonne, macc
from carlcities.catalog import load_catalog

from .conftest import SHARED

EMISSIONS = SHARED / "emissions" / "EDGARv7.0_GHG_AR4_AR5.xlsx"
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


_ONE_ACTION = ("actions:\n  - id: ebus\n    name_en: x\n    name_ru: x\n"
               "    model: electrify_vehicles\n    vehicle: bus\n    kwh_per_km: 1.3\n"
               "    streams: [buses]\n    mechanism: x\n    stock: buses\n    unit: buses\n"
               "    uptake: {start: 2025, full: 2040, share: 0.5}\n{by_scope}"
               "    capex_usd_per_unit: 1000\n    opex_usd_per_unit_yr: 0\n"
               "    lifetime_yr: 10\n    savings_carrier: vehicle_fuel\n    co_benefits: {}\n"
               "    resilience: x\n    sources: [x]\n")


def _one_action(by_scope: str) -> str:
    return _ONE_ACTION.replace("{by_scope}", by_scope)


def test_uptake_by_scope_city_then_country_then_default(tmp_path):
    from carlcities.carbon.actions import uptake_for

    f = tmp_path / "a.yaml"
    f.write_text(_one_action(
        "    uptake_by_scope:\n"
        "      tashkent: {start: 2022, full: 2030, share: 0.75, source: city plan 2024}\n"
        "      UZB: {start: 2024, full: 2035, share: 0.6, source: national plan 2023}\n"),
        encoding="utf-8")
    a = load_actions(f)[0]
    assert uptake_for(a, "tashkent", "UZB") == (
        {"start": 2022, "full": 2030, "share": 0.75, "source": "city plan 2024"}, "tashkent")
    assert uptake_for(a, "samarkand", "UZB")[0]["share"] == 0.6
    assert uptake_for(a, "samarkand", "UZB")[1] == "UZB"
    assert uptake_for(a, "almaty", "KAZ") == ({"start": 2025, "full": 2040, "share": 0.5}, "*")
    # the city's own plan reaches its share by 2030; the default is half-way up its S-curve
    cat = load_catalog()
    res = {cid: compute_city_carbon(cat.get(cid), None, {}, {}, {"actions": str(f)})
           for cid in ("tashkent", "almaty")}
    t = res["tashkent"].actions[0]
    assert (t["uptake_scope"], t["uptake_full"], t["uptake_share"]) == ("tashkent", 2030, 0.75)
    assert t["units"] == pytest.approx(0.75 * t["stock"])
    a_ = res["almaty"].actions[0]
    assert a_["uptake_scope"] == "*" and a_["units"] == pytest.approx(0.5 * a_["stock"])
    # Tashkent without its own plan: the default S-curve at 2030 is x = 1/3 of the way,
    # 0.5 · (3x² − 2x³) = 0.1296 of the stock against 0.75 with the plan
    g = tmp_path / "default_only.yaml"
    g.write_text(_one_action(""), encoding="utf-8")
    t0 = compute_city_carbon(cat.get("tashkent"), None, {}, {}, {"actions": str(g)}).actions[0]
    x = 1 / 3
    assert t["abatement_2030_t"] / t0["abatement_2030_t"] == pytest.approx(
        0.75 / (0.5 * (3 * x ** 2 - 2 * x ** 3)), rel=1e-9)


@pytest.mark.parametrize("entry, message", [
    ("      tashkent: {start: 2022, full: 2030, share: 0.75}\n", "has no source"),
    ("      tashkent: {start: 2022, full: 2030, share: 1.2, source: s 2024}\n", "exceeds the stock"),
    ("      tashkent: {start: 2030, full: 2030, share: 0.5, source: s 2024}\n", "start < full"),
    ("      tashkent: {start: 2022, full: 2030, share: 0.5, source: s 2024}\n"
     "      tashkentt: {start: 2022, full: 2030, share: 0.5, source: s 2024}\n",
     "neither a catalogue city"),
])
def test_uptake_by_scope_bad_entries_name_the_file(tmp_path, entry, message):
    f = tmp_path / "bad_actions.yaml"
    f.write_text(_one_action("    uptake_by_scope:\n" + entry), encoding="utf-8")
    with pytest.raises(ActionError) as e:
        load_actions(f)
    assert message in str(e.value) and "bad_actions.yaml" in str(e.value)
    assert "tashkent" in str(e.value)


def test_store_written_before_the_uptake_columns_gets_them(almaty, tmp_path):
    import duckdb

    from carlcities.carbon.store import write_city

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    # the 0.2.0 table, without the uptake columns
    con.execute("CREATE TABLE ghg_actions (city_id VARCHAR, run_id VARCHAR, action_id VARCHAR, "
                "name_en VARCHAR, name_ru VARCHAR, abatement_2030_t DOUBLE, "
                "abatement_2050_t DOUBLE, cost_usd_per_t DOUBLE, capex_usd DOUBLE, "
                "opex_usd_yr DOUBLE, lifetime_yr DOUBLE, co_benefits VARCHAR, synthetic BOOLEAN, "
                "resilience VARCHAR, flag VARCHAR, units DOUBLE, unit VARCHAR, sources VARCHAR)")
    con.execute("INSERT INTO ghg_actions (city_id, run_id, action_id) VALUES ('x', 'old', 'a')")
    write_city(con, "run1", "almaty", almaty)
    rows = con.execute("SELECT action_id, uptake_scope, uptake_full FROM ghg_actions "
                       "WHERE run_id = 'run1' AND action_id = 'chp_coal_to_gas'").fetchall()
    assert rows == [("chp_coal_to_gas", "almaty", 2027)]  # Almaty's dated plan
    assert con.execute("SELECT uptake_scope FROM ghg_actions WHERE run_id = 'old'"
                       ).fetchall() == [(None,)]
    con.close()


def test_action_that_does_not_apply_costs_nothing():
    """Converting a CHP that already burns gas is not an action: no units, no capex."""
    from carlcities.carbon.parameters import load_parameters

    cat = load_catalog()
    p = load_parameters()
    gas_city = next(c for c in cat if p.text("dh_fuel", c.city_id, c.country_iso3)
                    == "natural_gas")
    r = compute_city_carbon(gas_city, None, {}, {}, {})
    a = next(x for x in r.actions if x["action_id"] == "chp_coal_to_gas")
    assert a["flag"].startswith("not applicable")
    assert a["units"] == 0 and a["capex_usd"] == 0 and a["opex_usd_yr"] == 0


def test_action_with_nothing_to_act_on_is_not_an_option():
    """Kulob has no district-heat network: renewing it or converting its CHP costs nothing
    and avoids nothing, so the action is "not applicable" (the appraisal leaves it out)
    rather than a zero-cost option that would rank first on its co-benefits."""
    from carlcities.appraisal import options_from_carbon_actions

    r = compute_city_carbon(load_catalog().get("kulob"), None, {}, {}, {})
    by = {a["action_id"]: a for a in r.actions}
    for aid in ("chp_coal_to_gas", "dh_network_renewal"):
        a = by[aid]
        assert a["stock"] == 0, aid
        assert a["flag"] == f"not applicable: no {a['unit']} in the city"
        assert a["units"] == 0 and a["capex_usd"] == 0
    ids = {o.option_id for o in options_from_carbon_actions(r.actions)}
    assert "chp_coal_to_gas" not in ids and "dh_network_renewal" not in ids
    assert "rooftop_solar" in ids  # an action with a stock stays


def test_proxy_values_are_stored_without_float_noise(almaty, tmp_path):
    """A value converted between units (1,626 kWh → 1.626 MWh) is stored as 1.626, not as
    1.6260000000000001, since the report lists the stored text."""
    import duckdb

    from carlcities.carbon.store import write_city

    con = duckdb.connect(str(tmp_path / "p.duckdb"))
    write_city(con, "r", "almaty", almaty)
    vals = [v for (v,) in con.execute("SELECT value FROM ghg_proxies").fetchall()]
    assert vals and not any("0000000" in v or "9999999" in v for v in vals)
    con.close()
