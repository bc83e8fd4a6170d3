"""``carlcities publish``: a study's tables and geometries in a real PostGIS database, read
back with geopandas as QGIS would see them (SRID, validity, primary keys, spatial indexes);
publishing twice replaces, never duplicates."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from typer.testing import CliRunner

from carlcities.cli import app
from carlcities.errors import PublishError
from carlcities.portal.publish import publish
from tests.conftest import write_tif
from tests.test_results import make_store


@pytest.fixture(scope="module")
def study_out(tmp_path_factory):
    out = make_store(tmp_path_factory.mktemp("pub"))
    # a COG of almaty in UTM 43N (the city grids' kind of CRS)
    d = out / "rasters" / "almaty"
    d.mkdir(parents=True)
    write_tif(d / "builtup_2020.tif", np.ones((20, 30), "float32"),
              Affine(100, 0, 650_000, 0, -100, 4_790_000), "EPSG:32643", nodata=-1,
              tags={"units": "share"}, tiled=False)
    return out


@pytest.fixture(scope="module")
def postgis(pg_server):
    from tests.conftest import require_system

    require_system("PostGIS", None if pg_server.has_postgis() else
                   "no postgis.control (apt-get install postgresql-15-postgis-3)")
    return pg_server.new_database("pub", postgis=True)


def test_publish_to_postgis_and_read_back(study_out, postgis):
    import geopandas as gpd
    import psycopg
    import sqlalchemy as sa

    rep = publish(study_out, postgis, "gis dept".replace(" ", "_"))
    assert rep.layers[-4:] == ["cities", "urban_extents", "zones", "raster_footprints"]
    assert "latest_extents" in rep.layers          # a view of the store with geometries
    assert rep.tables["indicator_values"] == 6      # latest: almaty from run-b, bishkek run-a
    assert rep.tables["noise_levels"] == 2 and rep.tables["urban_extents"] == 2
    eng = sa.create_engine(postgis.replace("postgresql://", "postgresql+psycopg://"))
    with eng.connect() as con:
        ext = gpd.read_postgis("SELECT * FROM gis_dept.urban_extents ORDER BY city_id", con,
                               geom_col="geom")
        assert ext.crs.to_epsg() == 4326 and list(ext["city_id"]) == ["almaty", "bishkek"]
        assert list(ext["run_id"]) == ["run-b", "run-a"]
        assert ext.geometry.iloc[0].bounds == pytest.approx((76.85, 43.0, 76.95, 43.1))
        pts = gpd.read_postgis("SELECT * FROM gis_dept.cities", con, geom_col="geom")
        assert set(pts.geom_type) == {"Point"} and len(pts) == 2
        fp = gpd.read_postgis("SELECT * FROM gis_dept.raster_footprints", con, geom_col="geom")
        assert list(fp["name"]) == ["builtup_2020"] and fp["crs"][0] == "EPSG:32643"
        assert fp["path"][0] == "rasters/almaty/builtup_2020.tif" and fp["units"][0] == "share"
        # 3 km x 2 km around 650-653 km E, 4788-4790 km N of UTM 43N: near 76.8 E, 43.2 N
        x0, y0, x1, y1 = fp.geometry.iloc[0].bounds
        assert 76.7 < x0 < x1 < 76.9 and 43.1 < y0 < y1 < 43.3
        q = sa.text("SELECT f_table_name, srid, type FROM geometry_columns WHERE "
                    "f_table_schema = 'gis_dept' ORDER BY 1")
        assert [tuple(r) for r in con.execute(q)] == [
            ("cities", 4326, "POINT"), ("latest_extents", 4326, "GEOMETRY"),
            ("raster_footprints", 4326, "MULTIPOLYGON"),
            ("urban_extents", 4326, "MULTIPOLYGON"), ("zones", 4326, "MULTIPOLYGON")]
        bad = con.execute(sa.text(
            "SELECT count(*) FROM (SELECT geom FROM gis_dept.urban_extents UNION ALL SELECT geom "
            "FROM gis_dept.zones UNION ALL SELECT geom FROM gis_dept.raster_footprints UNION ALL "
            "SELECT geom FROM gis_dept.latest_extents) g "
            "WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326")).scalar_one()
        assert bad == 0
        gist = con.execute(sa.text("SELECT count(*) FROM pg_indexes WHERE schemaname = "
                                   "'gis_dept' AND indexdef LIKE '%USING gist%'")).scalar_one()
        assert gist == 5
        nopk = con.execute(sa.text(
            "SELECT count(*) FROM information_schema.tables t WHERE t.table_schema = 'gis_dept' "
            "AND NOT EXISTS (SELECT 1 FROM information_schema.table_constraints c WHERE "
            "c.table_schema = t.table_schema AND c.table_name = t.table_name AND "
            "c.constraint_type = 'PRIMARY KEY')")).scalar_one()
        assert nopk == 0
        vals = con.execute(sa.text("SELECT city_id, value FROM gis_dept.indicator_values "
                                   "WHERE indicator_id = 'form.density' AND epoch = 2020 AND "
                                   "zone_id = 'city' ORDER BY 1")).all()
        assert [tuple(v) for v in vals] == [("almaty", 10.0), ("bishkek", 2.0)]
        recs = con.execute(sa.text("SELECT options, evidence FROM gis_dept.recommendations")
                           ).one()
        assert recs[0] == ["o1"] and recs[1][0]["value"] == 2.5       # jsonb, latest run
    # publishing again replaces (no duplicate rows), and leaves foreign tables alone
    with psycopg.connect(postgis, autocommit=True) as c:
        c.execute("CREATE TABLE gis_dept.city_notes (id int primary key, txt text)")
    rep2 = publish(study_out, postgis, "gis_dept")
    assert rep2.tables == rep.tables
    with psycopg.connect(postgis) as c:
        assert c.execute("SELECT count(*) FROM gis_dept.urban_extents").fetchone()[0] == 2
        assert c.execute("SELECT count(*) FROM gis_dept.city_notes").fetchone()[0] == 0
        info = c.execute("SELECT run_id, synthetic FROM gis_dept.publish_info").fetchall()
        assert info == [("run-b", False)]
    eng.dispose()


def test_publish_refusals(study_out, pg_server, postgis):
    with pytest.raises(PublishError, match="invalid schema"):
        publish(study_out, postgis, "x; DROP TABLE y")
    with pytest.raises(PublishError, match="not a PostgreSQL URL"):
        publish(study_out, "mysql://u:secret@h/db")
    with pytest.raises(PublishError, match="cannot connect") as e:
        publish(study_out, "postgresql://u:secret@127.0.0.1:1/db")
    assert "secret" not in str(e.value)
    # the CLI: exit 0 and a summary; exit 2 with the reason
    r = CliRunner().invoke(app, ["publish", "--out", str(study_out), "--to", postgis,
                                 "--schema", "cli_test"])
    assert r.exit_code == 0, r.output
    assert "cli_test" in r.output and "urban_extents" in r.output
    r = CliRunner().invoke(app, ["publish", "--out", str(study_out), "--to",
                                 "postgresql://u@127.0.0.1:1/db"])
    assert r.exit_code == 2 and "cannot connect" in r.output
