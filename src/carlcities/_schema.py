"""DDL of the results store (DuckDB). The table and column names are a contract (DESIGN.md)."""

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS study_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    study VARCHAR,
    started TIMESTAMP,
    finished TIMESTAMP,
    status VARCHAR,              -- running | complete | interrupted | failed
    config_sha256 VARCHAR,
    software VARCHAR             -- JSON: package versions
);
CREATE TABLE IF NOT EXISTS run_cities (
    run_id VARCHAR,
    city_id VARCHAR,
    status VARCHAR,              -- complete
    finished TIMESTAMP,
    seconds DOUBLE,
    city_key VARCHAR,            -- sha256 of the city's settings and input files (reuse)
    PRIMARY KEY (run_id, city_id)
);
CREATE TABLE IF NOT EXISTS cities (
    city_id VARCHAR PRIMARY KEY,
    name_en VARCHAR, name_ru VARCHAR, country_iso3 VARCHAR, region VARCHAR,
    lat DOUBLE, lon DOUBLE,
    population DOUBLE, population_year INTEGER, population_source VARCHAR,
    elevation_m DOUBLE, is_capital BOOLEAN, inclusion_basis VARCHAR, setting VARCHAR,
    grid_epsg INTEGER, grid_res_m DOUBLE, grid_width INTEGER, grid_height INTEGER,
    synthetic BOOLEAN,
    geom GEOMETRY                -- catalogue point, WGS 84
);
CREATE TABLE IF NOT EXISTS city_populations (
    city_id VARCHAR, year INTEGER, population DOUBLE, kind VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS indicators (
    indicator_id VARCHAR PRIMARY KEY,
    theme VARCHAR, name_en VARCHAR, name_ru VARCHAR, unit VARCHAR,
    method VARCHAR, reference VARCHAR, kind VARCHAR,   -- kind: epoch | pair
    higher_is VARCHAR                                   -- better | worse | neutral
);
CREATE TABLE IF NOT EXISTS indicator_values (
    run_id VARCHAR,
    city_id VARCHAR,
    zone_id VARCHAR,             -- 'city' for the whole study area, else a district id
    indicator_id VARCHAR,
    epoch INTEGER,               -- year; for growth indicators the end year
    epoch_start INTEGER,         -- for growth indicators the start year, else NULL
    scenario VARCHAR,            -- 'observed' for measured values
    value DOUBLE,                -- NULL when undefined (see flag)
    unit VARCHAR,
    source VARCHAR,              -- input products, e.g. 'GHS_BUILT_S R2023A; GHS_POP R2023A'
    method_version VARCHAR,      -- e.g. 'form.builtup_density@1'
    synthetic BOOLEAN,
    flag VARCHAR                 -- e.g. 'undefined: population growth <= 0'
);
CREATE TABLE IF NOT EXISTS zones (
    city_id VARCHAR, zone_id VARCHAR, name_en VARCHAR, name_ru VARCHAR,
    area_km2 DOUBLE, source VARCHAR, note VARCHAR,
    geom GEOMETRY                -- WGS 84
);
CREATE TABLE IF NOT EXISTS urban_extents (
    run_id VARCHAR, city_id VARCHAR, epoch INTEGER, area_km2 DOUBLE, synthetic BOOLEAN,
    geom GEOMETRY                -- WGS 84 (multi)polygon
);
-- the run that last finished each city: a study is the union of its cities' latest results,
-- so running a few cities again does not hide the others
CREATE OR REPLACE VIEW latest_city_runs AS
    SELECT city_id, arg_max(run_id, finished) AS run_id, max(finished) AS finished
    FROM run_cities WHERE status = 'complete' GROUP BY city_id;
CREATE OR REPLACE VIEW latest_values AS
    SELECT v.* FROM indicator_values v JOIN latest_city_runs l USING (city_id, run_id);
CREATE OR REPLACE VIEW latest_extents AS
    SELECT e.* FROM urban_extents e JOIN latest_city_runs l USING (city_id, run_id);
"""

# Atlas of Urban Expansion cell classes written to rasters/CITY/atlas_class_EPOCH.tif
ATLAS_CLASSES = {
    0: ("nodata", "нет данных"),
    1: ("urban built-up", "городская застройка"),
    2: ("suburban built-up", "пригородная застройка"),
    3: ("rural built-up", "сельская застройка"),
    4: ("fringe open space", "краевое открытое пространство"),
    5: ("captured open space", "захваченное открытое пространство"),
    6: ("rural open space", "сельское открытое пространство"),
    7: ("water", "вода"),
}
# New growth types written to rasters/CITY/growth_T1_T2.tif
GROWTH_CLASSES = {
    0: ("no new growth", "нет нового роста"),
    1: ("infill", "заполнение"),
    2: ("extension", "расширение"),
    3: ("leapfrog", "скачкообразный рост"),
    4: ("inclusion", "включение"),
}


def apply_ddl(con, ddl: str, added: tuple[tuple[str, str, str], ...] = ()) -> None:
    """Run the ``CREATE TABLE IF NOT EXISTS`` statements of ``ddl`` (idempotent), then give
    tables of an older store the columns added since, as ``(table, column, type)`` (NULL in
    the rows already there)."""
    for stmt in ddl.split(";"):
        if stmt.strip():
            con.execute(stmt)
    for table, col, typ in added:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {col} {typ}")
