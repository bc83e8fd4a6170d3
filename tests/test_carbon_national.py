"""Top-down consistency of the carbon engine: every country x sector below the national total."""

from __future__ import annotations

from collections import defaultdict

import pytest

from carlcities.carbon.national import (
    GROUPS,
    city_caps,
    group_totals,
    national_totals,
    urban_population,
)
from carlcities.carbon.run import compute_city_carbon
from carlcities.catalog import load_catalog

COUNTRIES = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


@pytest.fixture(scope="module")
def sums():
    """Constrained and bottom-up group totals summed over every catalogue city (2020)."""
    after: dict[tuple[str, str], float] = defaultdict(float)
    before: dict[tuple[str, str], float] = defaultdict(float)
    for c in load_catalog():
        r = compute_city_carbon(c, None, {}, {}, {"base_year": 2020})
        for g, v in group_totals(r.inventory).items():
            after[(c.country_iso3, g)] += v
        for p in r.provenance:
            if p.get("step") == "national_constraint":
                before[(c.country_iso3, p["group"])] += p["bottom_up_t"]
    return before, after


@pytest.mark.parametrize("iso", COUNTRIES)
@pytest.mark.parametrize("group", GROUPS)
def test_every_country_and_sector_stays_below_the_national_total(sums, iso, group):
    nat = national_totals()[(iso, group)]
    _before, after = sums
    assert after[(iso, group)] > 0
    assert after[(iso, group)] <= nat["value_t"] * (1 + 1e-9)
    # and below the cities' plausible share (their share of the urban population)
    cap = sum(city_caps(c, 2020)[group]["cap_t"] for c in load_catalog()
              if c.country_iso3 == iso)
    assert after[(iso, group)] <= cap * (1 + 1e-6)


def test_the_kyrgyz_transport_proxy_is_capped(sums):
    """The case of issue 17: the bottom-up Kyrgyz transport exceeded the national total."""
    before, after = sums
    nat = national_totals()[("KGZ", "transport")]["value_t"]
    assert before[("KGZ", "transport")] > nat
    assert after[("KGZ", "transport")] < before[("KGZ", "transport")]


def test_caps_share_the_allowance_by_population():
    cat = load_catalog()
    osh = cat.get("osh")
    caps = city_caps(osh, 2020)
    c = caps["transport"]
    pops = {x.city_id: x.population_at(2020)[0] for x in cat if x.country_iso3 == "KGZ"}
    urban = urban_population("KGZ", 2020)
    s_max = min(1.0, sum(pops.values()) / urban)
    assert c["share_max"] == pytest.approx(s_max)
    assert c["cap_t"] == pytest.approx(national_totals()[("KGZ", "transport")]["value_t"]
                                       * s_max * pops["osh"] / sum(pops.values()))


def test_user_activity_is_never_scaled(tmp_path):
    """A city's own data stay as given even when they break the cap (flagged in provenance)."""
    cat = load_catalog()
    bishkek = cat.get("bishkek")
    f = tmp_path / "act.csv"
    f.write_text("sector,subsector,activity,fuel,value,unit,vehicle_class\n"
                 "transport,on_road,fuel,motor_gasoline,40000,TJ,car\n")
    r = compute_city_carbon(bishkek, None, {}, {}, {"base_year": 2020}, user_activity=str(f))
    rows = [x for x in r.inventory if x["sector"] == "transport" and x["scope"] == 1
            and x.get("vehicle_class") == "car" and x["gas"] == "CO2"]
    # 40,000 TJ of gasoline x 69.3 t CO2/TJ (IPCC 2006 default)
    assert sum(x["co2e_t"] for x in rows) == pytest.approx(40000 * 69.3, rel=0.01)


def test_a_bad_national_file_names_itself(tmp_path):
    from carlcities.errors import DataValueError

    bad = tmp_path / "n.csv"
    bad.write_text("country_iso3,sector,year,value_t,source,kind\nKGZ,cows,2020,1,x,total\n")
    with pytest.raises(DataValueError, match="n.csv"):
        national_totals(str(bad))
