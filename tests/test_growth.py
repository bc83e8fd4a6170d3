"""Growth indicators (SDG 11.3.1, Angel et al. 2024 ΔC, Atlas new growth) worked by hand."""

from __future__ import annotations

import math

import pytest

from carlcities.indicators import Value, evaluate

# Two-epoch toy (by hand), y = 10 yr:
#   Urb (built-up surface) 100 -> 150 ha; Pop 10,000 -> 12,000
#   LCR    = ln(150/100)/10        = 0.405465/10 = 0.0405465 [1/yr]
#   PGR    = ln(12,000/10,000)/10  = 0.182322/10 = 0.0182322 [1/yr]
#   LCRPGR = 0.0405465/0.0182322   = 2.22388
#   ΔC     = (0.405465 − 0.182322)/10 = 0.0223144 [1/yr]
#   built-up per person 100e4/10,000 = 100 -> 150e4/12,000 = 125 m²/person: change +25
#   extent 200 -> 300 ha: ln 1.5 / 10 = 0.0405465 [1/yr]
#   new growth: infill 20, extension 50, leapfrog 30 ha (total 100) -> 20 %, 50 %, 30 %
PAIR = {
    "builtup_surface_ha_1": 100.0,
    "builtup_surface_ha_2": 150.0,
    "population_1": 10_000.0,
    "population_2": 12_000.0,
    "extent_ha_1": 200.0,
    "extent_ha_2": 300.0,
    "years": 10.0,
    "pgr_epsilon": 0.001,
    "infill_ha": 20.0,
    "extension_ha": 50.0,
    "leapfrog_ha": 30.0,
    "inclusion_ha": 40.0,
}


def test_sdg_11_3_1_by_hand():
    v = evaluate(PAIR, kind="pair")
    assert v["growth.lcr"].value == pytest.approx(0.0405465, rel=1e-5)
    assert v["growth.pgr"].value == pytest.approx(0.0182322, rel=1e-5)
    assert v["growth.lcrpgr"].value == pytest.approx(2.22388, rel=1e-5)
    assert v["growth.delta_c"].value == pytest.approx(0.0223144, rel=1e-5)
    assert v["growth.builtup_per_person_change"].value == pytest.approx(25.0)
    assert v["growth.extent_growth_rate"].value == pytest.approx(math.log(1.5) / 10)
    assert all(x.flag is None for x in v.values())


def test_new_growth_areas_and_shares():
    v = evaluate(PAIR, kind="pair")
    assert v["growth.infill_area"] == Value(20.0)
    assert v["growth.extension_area"] == Value(50.0)
    assert v["growth.leapfrog_area"] == Value(30.0)
    assert v["growth.inclusion_area"] == Value(40.0)
    assert v["growth.infill_share"].value == pytest.approx(20.0)
    assert v["growth.extension_share"].value == pytest.approx(50.0)
    assert v["growth.leapfrog_share"].value == pytest.approx(30.0)
    none = evaluate(dict(PAIR, infill_ha=0.0, extension_ha=0.0, leapfrog_ha=0.0), kind="pair")
    assert none["growth.infill_share"].value is None
    assert none["growth.infill_share"].flag.startswith("undefined: new built-up area")


def test_lcrpgr_undefined_when_population_falls():
    # Pop 12,000 -> 10,000: PGR = ln(10/12)/10 = −0.0182322 ≤ ε -> ratio undefined;
    # ΔC = (ln 1.5 − ln(10/12))/10 = (0.405465 + 0.182322)/10 = 0.0587787 [1/yr]
    v = evaluate(dict(PAIR, population_1=12_000.0, population_2=10_000.0), kind="pair")
    assert v["growth.pgr"].value == pytest.approx(-0.0182322, rel=1e-5)
    assert v["growth.lcrpgr"] == Value(
        None, "undefined: population growth rate ≤ ε; see growth.delta_c"
    )
    assert v["growth.delta_c"].value == pytest.approx(0.0587787, rel=1e-5)


def test_lcrpgr_undefined_when_population_growth_below_epsilon():
    # Pop 10,000 -> 10,050 over 10 yr: PGR = ln 1.005/10 = 0.000499 ≤ ε = 0.001
    v = evaluate(dict(PAIR, population_2=10_050.0), kind="pair")
    assert v["growth.pgr"].value == pytest.approx(math.log(1.005) / 10)
    assert v["growth.lcrpgr"].value is None
    assert v["growth.delta_c"].value == pytest.approx((math.log(1.5) - math.log(1.005)) / 10)


def test_zero_start_and_zero_years_are_flagged():
    v = evaluate(dict(PAIR, builtup_surface_ha_1=0.0), kind="pair")
    assert v["growth.lcr"] == Value(None, "undefined: builtup_surface_ha_1 is zero")
    assert v["growth.delta_c"] == Value(None, "undefined: builtup_surface_ha_1 is zero")
    v = evaluate(dict(PAIR, years=0.0), kind="pair")
    assert v["growth.lcr"] == Value(None, "undefined: years is zero")
    assert v["growth.pgr"] == Value(None, "undefined: years is zero")
    assert v["growth.lcrpgr"] == Value(None, "undefined: years is zero")


def test_pair_indicators_not_run_for_epoch():
    assert not any(k.startswith("growth.") for k in evaluate(PAIR, kind="epoch"))
    assert not any(k.startswith("form.") for k in evaluate(PAIR, kind="pair"))
