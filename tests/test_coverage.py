"""The coverage matrix in the run manifest and the report's "What this study could not
measure, and how to add it" section (carlcities.coverage, carlcities.report.coverage)."""

from __future__ import annotations

from carlcities.config import default_config
from carlcities.coverage import ROLES, manifest_section, role_indicators
from carlcities.report.coverage import coverage_section


def test_every_role_with_indicators_names_registered_ones_and_has_russian():
    for info in ROLES:
        assert info.label and info.label_ru, info.role
        if info.indicators:
            assert role_indicators(info), info.role
        if info.fallback:
            assert info.fallback_ru, info.role


def test_demo_lacks_nothing_so_the_report_has_no_section():
    m = manifest_section(default_config(), ["osh"])
    assert m["source"] == "demo" and set(m["cities"]["osh"]["roles"].values()) == {"present"}
    assert coverage_section({"coverage": m}, "osh") is None
    assert coverage_section({}, "osh") is None  # a run made before coverage was recorded


def test_a_files_study_without_layers_lists_what_is_missing_and_how_to_add_it(tmp_path):
    cfg = default_config().model_copy(deep=True)
    cfg.data.source = "files"
    cfg.data.builtup = str(tmp_path / "built_{epoch}.tif")
    cfg.data.population = str(tmp_path / "pop_{epoch}.tif")
    m = manifest_section(cfg, ["osh"])
    city = m["cities"]["osh"]
    assert city["error"] and city["roles"]["dem"] == "missing"
    assert city["roles"]["vs30"] == "missing"  # its stand-in needs the DEM, which is missing
    assert m["roles"]["pm25"]["label_ru"] and "environment.pm25_pop_weighted" in \
        m["roles"]["pm25"]["indicators"]
    sec = coverage_section({"coverage": m}, "osh",
                           {"environment.pm25_pop_weighted": ("Mean PM2.5", "Среднее PM2.5")})
    assert sec is not None and sec["error"] == city["error"]
    rows = {r["role"]: r for r in sec["rows"]}
    assert rows["pm25"]["state"] == "missing"
    assert any(i["name_ru"] == "Среднее PM2.5" for i in rows["pm25"]["indicators"])
    acag = {p["id"]: p for p in rows["pm25"]["products"]}["acag_pm25"]
    assert acag["how"].startswith("https://") and acag["access_ru"]  # by hand: its page
    dem = {p["id"]: p for p in rows["dem"]["products"]}["cop_dem_glo30"]
    assert dem["how"] == "carlcities data fetch --cities osh --products cop_dem_glo30"
    assert dem["config_key"] == "dem"
    # the missing come before the stand-ins
    states = [r["state"] for r in sec["rows"]]
    assert states == sorted(states, key=lambda s: s != "missing")


def test_every_role_an_engine_or_hazard_reads_is_in_the_matrix():
    """`data check` and the report's coverage section know every input role that a built-in
    engine (``inputs``) or hazard (``roles``) reads."""
    from carlcities.coverage import ROLES
    from carlcities.engines import registered
    from carlcities.risk.hazards import HAZARDS

    declared = {r for e in registered().values() for r in e.inputs}
    declared |= {r for h in HAZARDS.values() for r in h.roles}
    known = [i.role for i in ROLES]
    for role in sorted(declared):
        base = role.rstrip("*").removesuffix("_rp").rstrip("_")
        assert any(k == base or k.startswith(base) or base.startswith(k) for k in known), role


def test_per_city_gtfs_and_activity_files_count_as_present(tmp_path):
    cfg = default_config().model_copy(deep=True)
    cfg.data.source = "files"
    cfg.data.builtup = str(tmp_path / "built_{epoch}.tif")
    cfg.data.population = str(tmp_path / "pop_{epoch}.tif")
    cfg.data.gtfs = {"osh": str(tmp_path / "osh_gtfs.zip")}
    m = manifest_section(cfg, ["osh", "kulob"])
    assert m["cities"]["osh"]["roles"]["gtfs"] == "present"
    assert m["cities"]["kulob"]["roles"]["gtfs"] == "missing"
    assert m["cities"]["kulob"]["roles"]["activity"] == "fallback"
