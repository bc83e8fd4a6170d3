"""Checks on the shipped city catalogue (``carlcities/data/cities.csv`` and ``city_populations.csv``)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from carlcities.catalog import SETTINGS, load_catalog
from carlcities.errors import UnknownCityError

EXPECTED_COUNTS = {"KAZ": 19, "KGZ": 3, "TJK": 4, "TKM": 4, "UZB": 18}
BORDERLINE = {"kulob", "bokhtar", "shahrisabz", "jalal_abad"}


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_48_cities(cat):
    assert len(cat) == 48


def test_country_counts(cat):
    assert dict(Counter(c.country_iso3 for c in cat)) == EXPECTED_COUNTS


def test_excluded_cities_absent(cat):
    for name in ("Ekibastuz", "Balkanabat"):
        with pytest.raises(UnknownCityError):
            cat.get(name)


def test_population_threshold_and_basis(cat):
    for c in cat:
        assert c.inclusion_basis.split(":")[0] in ("city_proper_ge_150k", "urban_area_ge_150k"), c.city_id
        if c.inclusion_basis.startswith("urban_area_ge_150k"):
            assert c.city_id in BORDERLINE
            assert ":" in c.inclusion_basis  # the basis is explained
        else:
            assert c.population >= 150_000, c.city_id
    assert {c.city_id for c in cat if c.inclusion_basis.startswith("urban_area_ge_150k")} == BORDERLINE


def test_ids_unique_slugs(cat):
    ids = cat.ids
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert re.fullmatch(r"[a-z0-9_]+", i), i
    for i in ("almaty", "oskemen", "oral", "petropavl", "turkmenabat", "dasoguz", "jalal_abad", "almalyk"):
        assert i in ids


def test_population_history_sourced(cat):
    for c in cat:
        assert len(c.history) >= 1, c.city_id
        for p in c.history:
            assert p.source.strip(), (c.city_id, p.year)
            assert p.kind in ("census", "estimate"), (c.city_id, p.year)
            assert p.population > 0
        # the latest figure in cities.csv is also in the long table
        assert any(p.year == c.population_year and p.population == c.population for p in c.history), c.city_id
        assert c.population_source.strip()


def test_russian_names_cyrillic(cat):
    for c in cat:
        assert re.search(r"[\u0400-\u04FF]", c.name_ru), c.city_id


def test_coordinates_in_box(cat):
    for c in cat:
        assert 35 <= c.lat <= 56, c.city_id
        assert 46 <= c.lon <= 88, c.city_id


def test_settings_and_capitals(cat):
    for c in cat:
        assert c.setting in SETTINGS
    capitals = {c.city_id for c in cat if c.is_capital}
    assert capitals == {"astana", "bishkek", "dushanbe", "ashgabat", "tashkent"}


def test_lookups(cat):
    assert cat.get("Алматы").city_id == "almaty"
    assert cat.get("Tashkent").city_id == "tashkent"
    assert cat.get("turkmenabat").city_id == "turkmenabat"
    assert cat.get("Türkmenabat").city_id == "turkmenabat"
    assert cat.get("Ust-Kamenogorsk").city_id == "oskemen"


def test_unknown_city_suggests(cat):
    with pytest.raises(UnknownCityError) as exc:
        cat.get("Tashkant")
    assert "tashkent" in str(exc.value)


def test_population_at_2020_within_known_range(cat):
    checked = 0
    for c in cat:
        years = [p.year for p in c.history]
        if len(c.history) >= 2 and min(years) <= 2020 <= max(years):
            pops = [p.population for p in c.history]
            value, how = c.population_at(2020)
            assert min(pops) <= value <= max(pops), (c.city_id, value, how)
            checked += 1
    assert checked >= 35


def test_demo_clones_add_cities_with_new_ids(monkeypatch):
    """CARLCITIES_DEMO_CLONES=k adds k clones of every city (for the scale benchmark)."""
    from carlcities.catalog import CLONES_ENV
    from carlcities.errors import CatalogError

    base = list(load_catalog())
    monkeypatch.setenv(CLONES_ENV, "2")
    cl = load_catalog()
    assert len(list(cl)) == 3 * len(base)
    c2 = cl.get("osh_c2")
    osh = cl.get("osh")
    assert (c2.lat, c2.population, c2.setting) == (osh.lat, osh.population, osh.setting)
    assert c2.name_ru.startswith("Ош") and "clone 2 of osh" in c2.flags
    monkeypatch.setenv(CLONES_ENV, "two")
    with pytest.raises(CatalogError, match=CLONES_ENV):
        load_catalog()
    monkeypatch.delenv(CLONES_ENV)
    assert len(list(load_catalog())) == len(base)
