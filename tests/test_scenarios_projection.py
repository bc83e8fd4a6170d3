"""Growth scenarios: population projection (share method) and scenario files (levers)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from carlcities.catalog import PopulationPoint, load_catalog
from carlcities.errors import DataValueError, ScenarioError
from carlcities.scenarios import (
    DEFAULT_SCENARIOS,
    check_levers,
    default_parameters,
    load_scenario_file,
    load_scenarios,
    load_urban_projections,
    project_population,
    project_populations,
)
from carlcities.scenarios.projection import NationalUrban


@dataclass(frozen=True)
class ToyCity:
    """Just what the projection reads from a catalogue city."""

    city_id: str
    country_iso3: str
    history: tuple[PopulationPoint, ...]
    points: dict[int, float] = field(default_factory=dict)

    def population_at(self, year: int) -> tuple[float, str]:
        return self.points[year], f"toy {year}"


def _nat(values: dict[int, float]) -> dict[str, NationalUrban]:
    ys = sorted(values)
    return {"TOY": NationalUrban("TOY", tuple(ys), tuple(values[y] for y in ys), "toy", "")}


def _pt(y, p):
    return PopulationPoint(y, p, "census", "toy")


# -- projection -----------------------------------------------------------------------------
def test_share_method_by_hand():
    # national urban population 1,000,000 in 2010 growing to 2,000,000 in 2050 (log-linear)
    nat = _nat({2010: 1.0e6, 2050: 2.0e6})
    U = lambda y: 1.0e6 * 2 ** ((y - 2010) / 40)  # noqa: E731
    # city share 10 % in 2010 and 11 % in 2020: trend g = ln(1.1)/10 per year
    hist = (_pt(2010, 0.10 * U(2010)), _pt(2020, 0.11 * U(2020)))
    city = ToyCity("toy", "TOY", hist, {2020: 0.11 * U(2020)})
    proj = project_population(city, national=nat, end_year=2030,
                              params=dict(damping=0.5, fit_start_year=2000, share_rate_cap=1))
    g = math.log(1.1) / 10
    assert proj.share_rate == pytest.approx(g)
    # damped: ln s(2020+h) = ln 0.11 + g * sum_{i=1..h} 0.5^i
    for h in (1, 2, 10):
        s = 0.11 * math.exp(g * sum(0.5 ** i for i in range(1, h + 1)))
        assert proj.at(2020 + h) == pytest.approx(s * U(2020 + h), rel=1e-12)
    assert proj.at(2020) == pytest.approx(0.11 * U(2020))
    assert list(proj.years) == list(range(2020, 2031))


def test_trend_is_capped_and_undamped_limit():
    nat = _nat({2000: 1.0e6, 2060: 1.0e6})
    hist = (_pt(2010, 1.0e5), _pt(2020, 2.0e5))  # share doubles in 10 years: 6.9 %/yr
    city = ToyCity("toy", "TOY", hist, {2020: 2.0e5})
    proj = project_population(city, national=nat, params=dict(fit_start_year=2000))
    cap, phi = 0.03, 0.9
    assert proj.share_rate == pytest.approx(math.log(2) / 10)  # raw rate is reported
    # capped at 3 %/yr and damped with phi = 0.9: the share grows at most by exp(9 * 0.03)
    assert proj.at(2050) == pytest.approx(2.0e5 * math.exp(cap * phi * (1 - phi ** 30)
                                                           / (1 - phi)))
    assert proj.at(2050) < 2.0e5 * math.exp(9 * cap)


def test_monotone_when_national_grows_and_share_is_constant():
    nat = _nat({2000: 1.0e6, 2025: 1.2e6, 2035: 1.5e6, 2050: 1.6e6})
    U = nat["TOY"].at
    hist = (_pt(2010, 0.2 * U(2010)), _pt(2015, 0.2 * U(2015)), _pt(2020, 0.2 * U(2020)))
    city = ToyCity("toy", "TOY", hist, {2020: 0.2 * U(2020)})
    proj = project_population(city, national=nat, params=dict(fit_start_year=2000))
    assert proj.share_rate == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(proj.population) > 0)
    assert np.allclose(proj.share, 0.2)


def test_overrides_win_and_are_interpolated_between():
    nat = _nat({2000: 1.0e6, 2050: 1.0e6})
    city = ToyCity("toy", "TOY", (_pt(2020, 1.0e5),), {2020: 1.0e5})
    plain = project_population(city, national=nat)
    assert np.allclose(plain.population, 1.0e5)  # constant national, one point: flat
    ov = {2030: 2.0e5, 2040: 8.0e5}
    proj = project_population(city, national=nat, overrides=ov)
    assert proj.at(2030) == 2.0e5 and proj.at(2040) == 8.0e5
    assert proj.at(2035) == pytest.approx(4.0e5)  # log-linear between the overrides
    assert proj.at(2050) == pytest.approx(8.0e5)  # ratio at 2040 (8x) carried forward
    assert proj.at(2025) == pytest.approx(2.0e5)  # ratio at 2030 (2x) carried back
    assert proj.overridden == (2030, 2040)
    assert "overrides" in proj.method


def test_overrides_from_csv_and_unknown_city(tmp_path):
    cat = load_catalog()
    f = tmp_path / "ov.csv"
    f.write_text("city_id,year,population\nosh,2030,500000\n", encoding="utf-8")
    out = project_populations([cat.get("osh")], overrides=f)
    assert out["osh"].at(2030) == 500000
    f.write_text("city_id,year,population\noshh,2030,500000\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="did you mean osh"):
        project_populations([cat.get("osh")], overrides=f)
    f.write_text("city_id,year,population\nosh,2030,-5\n", encoding="utf-8")
    with pytest.raises(DataValueError, match="not positive"):
        project_populations([cat.get("osh")], overrides=f)


def test_shipped_table_covers_every_catalogue_country_and_projects_all_cities():
    nat = load_urban_projections()
    cat = load_catalog()
    assert {c.country_iso3 for c in cat} <= set(nat)
    for c, t in nat.items():
        assert t.years[0] <= 2009 and t.years[-1] >= 2050, c
        assert "population.un.org" in t.url
    projs = project_populations(list(cat))
    for cid, p in projs.items():
        assert p.years[0] == 2020 and p.years[-1] == 2050
        assert np.all(p.population > 0), cid
        # damping and the cap keep every city within a plausible band of national growth
        assert 0.5 < p.at(2050) / p.at(2020) < 4.0, cid


def test_national_table_refuses_years_outside():
    nat = _nat({2000: 1.0e6, 2050: 2.0e6})["TOY"]
    with pytest.raises(DataValueError, match="2060"):
        nat.at(2060)


# -- levers -------------------------------------------------------------------------------------
def test_default_scenarios_load_and_cite_sources():
    sc = load_scenarios()
    assert set(DEFAULT_SCENARIOS) <= set(sc)
    bau, compact = sc["bau_sprawl"].levers, sc["compact"].levers
    assert bau.density_target.annual_change == -0.02 and "Angel" in bau.density_target.source
    assert bau.infill_share == 0.25 and "3835" in bau.infill_source
    assert compact.density_target.persons_per_ha == 150
    assert "UN-Habitat" in compact.density_target.source
    assert sc["risk_aware"].levers.no_build == ("flood_100", "mudflow", "fault_buffer")
    assert sc["tod"].levers.transit_corridors.width_m == 800
    assert sc["compact"].label == "growth:compact"
    # BAU density after 10 years: today's x exp(-0.2)
    assert bau.density(100.0, 10) == pytest.approx(100 * math.exp(-0.2))
    # every engine default carries a source
    from importlib import resources

    import yaml

    raw = yaml.safe_load((resources.files("carlcities") / "data" / "growth_scenarios" /
                          "_parameters.yaml").read_text(encoding="utf-8"))
    assert all(v.get("source") and "unit" in v for v in raw.values())
    assert default_parameters()["street_density_km_per_km2"] == 18.0


def test_unknown_scenario_suggests():
    with pytest.raises(ScenarioError, match="did you mean compact"):
        load_scenarios(["compakt"])


def _write(tmp_path, name, levers, **top):
    import yaml

    d = dict(id=name, name_en="x", name_ru="икс", levers=levers, **top)
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return p


def test_user_scenarios_are_added_from_extra_dirs(tmp_path):
    _write(tmp_path, "mine", dict(density_target=dict(persons_per_ha=90), infill_share=0.3))
    sc = load_scenarios(["mine", "compact"], extra_dirs=[tmp_path])
    assert sc["mine"].levers.density(50.0, 30) == 90.0
    assert sc["compact"].levers.infill_share == 0.5


def test_contradictory_levers_raise_with_reason(tmp_path):
    p = _write(tmp_path, "bad", dict(density_target=dict(multiplier=0.8), infill_share=1.0))
    with pytest.raises(ScenarioError, match="cannot be done at a density lower") as ei:
        load_scenario_file(p)
    assert "infill_share" in str(ei.value) and str(p) in str(ei.value)
    # an absolute target is checked against today's density of the city
    p = _write(tmp_path, "bad2", dict(density_target=dict(persons_per_ha=50), infill_share=1.0))
    sc = load_scenario_file(p)
    check_levers(sc, today_density=40.0)  # 50 ≥ 40: fine
    with pytest.raises(ScenarioError, match=r"target 50.0 persons/ha, today 80.0"):
        check_levers(sc, today_density=80.0)


def test_missing_hazard_layer_names_lever_and_available():
    sc = load_scenarios(["risk_aware"])["risk_aware"]
    masks = {"flood_100": np.zeros((2, 2), bool), "mudflows": np.zeros((2, 2), bool)}
    with pytest.raises(ScenarioError) as ei:
        check_levers(sc, masks=masks)
    msg = str(ei.value)
    assert "levers.no_build" in msg and "mudflow" in msg and "fault_buffer" in msg
    assert "available: ['flood_100', 'mudflows']" in msg and "did you mean mudflows" in msg
    check_levers(sc, masks=dict(masks, mudflow=1, fault_buffer=1))  # all present: no error


@pytest.mark.parametrize("levers,match", [
    (dict(density_target=dict(persons_per_ha=150), infill_share=1.5), "infill_share"),
    (dict(density_target=dict(persons_per_ha=-3), infill_share=0.5), "persons_per_ha"),
    (dict(density_target=dict(persons_per_ha=150, multiplier=1), infill_share=0.5),
     "exactly one"),
    (dict(density_target=dict(persons_per_ha=150), infill_share=0.5, growth_boundary_km=-1),
     "growth_boundary_km"),
    (dict(density_target=dict(persons_per_ha=150), infill_share=0.5, sprawl=True), "sprawl"),
    (dict(density_target=dict(persons_per_ha=150), infill_share=0.5,
          no_build=["mudflow", "mudflow"]), "twice"),
])
def test_out_of_range_and_unknown_keys(tmp_path, levers, match):
    p = _write(tmp_path, "oops", levers)
    with pytest.raises(ScenarioError, match=match):
        load_scenario_file(p)


def test_id_must_match_file_name(tmp_path):
    p = _write(tmp_path, "one", dict(density_target=dict(persons_per_ha=150), infill_share=0.5))
    p2 = p.with_name("two.yaml")
    p.rename(p2)
    with pytest.raises(ScenarioError, match="rename the file"):
        load_scenario_file(p2)


def test_unknown_parameter_suggests():
    with pytest.raises(ScenarioError, match="did you mean 'damping'"):
        default_parameters({"dampng": 0.8})
