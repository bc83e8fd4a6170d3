"""GPC inventory: hand-made city, factors, GWP sets, CHP allocation, bad input."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from carlcities.carbon import factors as F
from carlcities.carbon.activity import (
    Activity,
    ActivityLine,
    apply_user_activity,
    heating_degree_days,
    proxy_activity,
    read_user_activity,
)
from carlcities.carbon.inventory import chp_allocation, compute_inventory
from carlcities.carbon.parameters import UnitMismatchError, load_parameters, quantity
from carlcities.errors import CarlError, DataValueError


@dataclass(frozen=True)
class _City:
    city_id: str = "handtown"
    country_iso3: str = "KGZ"
    lat: float = 42.9
    elevation_m: float = 800.0


def _line(sector, sub, activity, value, unit, fuel="", vclass=""):
    return ActivityLine(sector, sub, activity, fuel, value, unit, vclass, source="hand",
                        proxy=False)


def _hand_activity() -> Activity:
    return Activity("handtown", 2020, 100_000, [
        _line("stationary", "residential", "fuel", 1000.0, "TJ", "natural_gas"),
        _line("stationary", "residential", "electricity", 50_000.0, "MWh"),
        _line("stationary", "residential", "district_heat", 100_000.0, "MWh"),
        _line("stationary", "energy_industries", "chp_fuel", 1000.0, "TJ",
              "other_bituminous_coal"),
        _line("stationary", "energy_industries", "chp_heat", 100_000.0, "MWh"),
        _line("stationary", "energy_industries", "chp_power", 100_000.0, "MWh"),
        _line("transport", "on_road", "fuel", 100.0, "TJ", "motor_gasoline", "car"),
        _line("waste", "solid", "msw_landfilled", 10_000.0, "t"),
    ])


def test_hand_made_city_worked_by_hand():
    # Worked by hand (AR5: CH4 28, N2O 265; KGZ grid 0.164 t CO2e/MWh):
    # residential gas 1000 TJ: CO2 56,100 t; CH4 5 t -> 140; N2O 0.1 t -> 26.5  => 56,266.5
    # residential electricity 50,000 MWh x 0.164                                => 8,200
    # CHP coal 1000 TJ: CO2 94,600; CH4 1 t -> 28; N2O 1.5 t -> 397.5          => 95,025.5
    #   energy method: heat 100,000 / (100,000 + 100,000) = 1/2 -> 47,512.75 t to heat
    #   district heat factor = 47,512.75 / 100,000 MWh delivered = 0.4751275 t/MWh
    #   residential district heat 100,000 MWh x 0.4751275                       => 47,512.75
    # cars gasoline 100 TJ: CO2 6,930; CH4 3.3 t -> 92.4; N2O 0.32 t -> 84.8  => 7,107.2
    # landfill 10,000 t x DOC 0.15 x 0.5 x MCF 0.6 x 0.5 x 16/12 = 300 t CH4    => 8,400
    # BASIC total (I.4.4 CHP reported, not counted) = 56,266.5 + 8,200 + 47,512.75
    #   + 7,107.2 + 8,400 = 127,486.45 t CO2e
    P = load_parameters()
    inv = compute_inventory(_hand_activity(), _City(), P, gwp="ar5", chp_method="energy")
    assert inv.subsector_total("stationary", "residential") == pytest.approx(
        56_266.5 + 8_200 + 47_512.75)
    assert inv.subsector_total("stationary", "energy_industries") == pytest.approx(95_025.5)
    assert inv.subsector_total("transport", "on_road") == pytest.approx(7_107.2)
    assert inv.subsector_total("waste", "solid") == pytest.approx(8_400.0)
    assert inv.total == pytest.approx(127_486.45)
    assert inv.dh_ef == pytest.approx(0.4751275)
    # streams cover exactly the BASIC total (the pathways scale them)
    assert sum(inv.streams.values()) == pytest.approx(inv.total)
    # scopes, gases and notation keys
    ref = {(r["gpc_ref"], r["gas"]) for r in inv.rows if r["notation_key"] is None}
    assert ("I.1.1", "CH4") in ref and ("I.1.2", "CO2e") in ref and ("III.1.1", "CH4") in ref
    keys = {r["gpc_ref"]: r["notation_key"] for r in inv.rows if r["notation_key"]}
    assert keys["II.2.2"] == "IE" and keys["III.3.1"] == "NO" and keys["II.4.1"] == "NE"


def test_gwp_sets():
    assert F.gwp("CH4", "ar5") == 28 and F.gwp("N2O", "ar5") == 265
    assert F.gwp("CH4", "ar6") == 29.8 and F.gwp("CH4", "ar6", fossil=False) == 27.0
    assert F.gwp("N2O", "ar6") == 273
    assert F.co2e(1, 1, 1, "ar6") == pytest.approx(1 + 29.8 + 273)
    P = load_parameters()
    a5 = compute_inventory(_hand_activity(), _City(), P, gwp="ar5", chp_method="energy")
    a6 = compute_inventory(_hand_activity(), _City(), P, gwp="ar6", chp_method="energy")
    # landfill methane is biogenic: 300 t x 27.0 in AR6
    assert a6.subsector_total("waste", "solid") == pytest.approx(300 * 27.0)
    assert a5.total != a6.total
    with pytest.raises(CarlError, match="ar5 or ar6"):
        F.gwp("CH4", "ar4")


def test_chp_allocation_by_hand():
    # energy method: 1000 t, 300 MWh heat and 100 MWh power -> heat 3/4
    assert chp_allocation(1000, 300, 100, "energy") == pytest.approx((750, 250))
    # efficiency method: 300/0.8 = 375, 100/0.35 = 285.714 -> heat 375/660.714 = 0.56757
    h, p = chp_allocation(1000, 300, 100, "efficiency", 0.8, 0.35)
    assert h == pytest.approx(1000 * 375 / (375 + 100 / 0.35))
    assert h + p == pytest.approx(1000)
    with pytest.raises(CarlError, match="chp_allocation"):
        chp_allocation(1, 1, 1, "exergy")


def test_unit_mismatch_kwh_where_tj_expected(tmp_path):
    with pytest.raises(UnitMismatchError, match="kWh.*TJ"):
        quantity(1000, "kWh", "TJ")
    assert quantity(2, "terajoule", "TJ") == 2
    f = tmp_path / "act.csv"
    f.write_text("sector,subsector,activity,fuel,value,unit\n"
                 "stationary,residential,fuel,natural_gas,5000,kWh\n", encoding="utf-8")
    with pytest.raises(UnitMismatchError) as e:
        read_user_activity(f)
    assert "act.csv" in str(e.value) and "TJ" in str(e.value)


def test_negative_activity(tmp_path):
    f = tmp_path / "neg.csv"
    f.write_text("sector,subsector,activity,fuel,value,unit\n"
                 "stationary,residential,electricity,,-5,MWh\n", encoding="utf-8")
    with pytest.raises(DataValueError, match="neg.csv.*negative"):
        read_user_activity(f)
    act = _hand_activity()
    act.lines.append(_line("stationary", "commercial", "electricity", -1.0, "MWh"))
    with pytest.raises(DataValueError, match="negative"):
        compute_inventory(act, _City(), load_parameters())


def test_unknown_fuel(tmp_path):
    f = tmp_path / "fuel.csv"
    f.write_text("sector,subsector,activity,fuel,value,unit\n"
                 "stationary,residential,fuel,unobtainium,5,TJ\n", encoding="utf-8")
    with pytest.raises(DataValueError) as e:
        read_user_activity(f)
    assert "unobtainium" in str(e.value) and "fuel.csv" in str(e.value)
    assert "natural_gas" in str(e.value)  # the fix lists the known fuels


def test_missing_factor(tmp_path):
    # no Tier 1 road factor for coal, no parameter for an unknown key
    with pytest.raises(DataValueError, match="missing emission factor"):
        F.combustion_factors("other_bituminous_coal", "road")
    with pytest.raises(DataValueError, match="no value of 'no_such_key'"):
        load_parameters().number("no_such_key", "almaty", "KAZ")


def test_user_activity_overrides_proxy_line_by_line(tmp_path):
    from carlcities.catalog import load_catalog

    city = load_catalog().get("bishkek")
    P = load_parameters()
    act = proxy_activity(city, 2020, 1_000_000, P)
    before = {ln.key: ln for ln in act.lines}
    f = tmp_path / "bishkek.csv"
    f.write_text(
        "sector,subsector,activity,fuel,value,unit,vehicle_class,source\n"
        "stationary,residential,electricity,,123456,MWh,,utility report 2020\n"
        "transport,on_road,fuel,motor_gasoline,2000,t,car,fuel sales\n", encoding="utf-8")
    new = apply_user_activity(act, read_user_activity(f), str(f))
    after = {ln.key: ln for ln in new.lines}
    k_el = ("stationary", "residential", "electricity", "", "")
    assert after[k_el].value == 123456 and not after[k_el].proxy
    # 2000 t gasoline x NCV 44.3 TJ/Gg = 88.6 TJ
    k_car = ("transport", "on_road", "fuel", "car", "motor_gasoline")
    assert after[k_car].value == pytest.approx(88.6) and "fuel sales" in after[k_car].source
    # every other line is untouched, and the replacements are in the provenance
    for k, ln in before.items():
        if k not in (k_el, k_car):
            assert after[k] == ln
    reps = [p for p in new.provenance if p.get("step") == "user activity"]
    assert {p["key"] for p in reps} == {"stationary/residential/electricity",
                                        "transport/on_road/fuel/car/motor_gasoline"}


def test_user_activity_excel(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["sector", "subsector", "activity", "fuel", "value", "unit"])
    ws.append(["waste", "solid", "msw_landfilled", None, 5000, "t"])
    f = tmp_path / "a.xlsx"
    wb.save(f)
    (ln,) = read_user_activity(f)
    assert ln.value == 5000 and ln.activity == "msw_landfilled"


def test_heating_degree_days_sinusoid():
    # a year at constant 8 degC: 10 K x 365 days
    assert heating_degree_days(8.0, 8.0, 18.0) == pytest.approx(3650.0)
    # warmer climate -> fewer degree days; Almaty between Tashkent and Astana
    astana = heating_degree_days(3.5, -15.2)
    almaty = heating_degree_days(10.0, -4.7)
    tashkent = heating_degree_days(14.8, 2.5)
    assert astana > almaty > tashkent
    # the measured Soviet-era intensity scaled to Almaty: 280 x HDD ratio lies in the
    # 150-180 kWh/m2/yr measured in southern Kazakhstan (UNDP via KOREM)
    assert 150 <= 280 * almaty / astana <= 180
    assert not math.isnan(almaty)


def test_electricity_shares_over_one_are_refused(tmp_path):
    """A country row for one sector beside regional rows for the others can sum past 1:
    that would invent electricity, so the proxy refuses it, naming the file and the fix."""
    from importlib import resources

    from carlcities.catalog import load_catalog

    text = (resources.files("carlcities") / "data" / "carbon_parameters.csv").read_text(
        encoding="utf-8")
    lines = [ln for ln in text.splitlines()
             if not ln.startswith(("electricity_share_commercial,KGZ",
                                   "electricity_share_manufacturing,KGZ"))]
    f = tmp_path / "my_parameters.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = load_parameters(f)
    # KGZ residential 0.525 (sourced) + regional commercial and manufacturing rows
    total = sum(p.number(f"electricity_share_{s}", "osh", "KGZ")
                for s in ("residential", "commercial", "manufacturing"))
    assert total > 1
    with pytest.raises(DataValueError) as e:
        proxy_activity(load_catalog().get("osh"), 2020, 300_000, p)
    assert "my_parameters.csv" in str(e.value) and "sum to" in str(e.value)
    # the packaged rows are consistent for every country
    for _iso, cid in (("KAZ", "astana"), ("KGZ", "osh"), ("TJK", "khujand"), ("TKM", "mary"),
                     ("UZB", "namangan")):
        proxy_activity(load_catalog().get(cid), 2020, 300_000, load_parameters())
