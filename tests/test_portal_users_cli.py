"""``carlcities users …``: the operator creates the first admin, lists, changes roles, reads
the audit log and exports the answers — on OUT/portal.sqlite."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from carlcities.cli import app
from carlcities.portal.accounts import AccountStore

runner = CliRunner()
PW = "correct horse battery"


@pytest.fixture(autouse=True)
def _no_env_db(monkeypatch):
    monkeypatch.delenv("CARLCITIES_PORTAL_DB", raising=False)


def test_users_commands(tmp_path):
    out = ["--out", str(tmp_path)]
    r = runner.invoke(app, ["users", "add", "root", "--role", "admin", *out],
                      input=f"{PW}\n{PW}\n")
    assert r.exit_code == 0, r.output
    assert "created root (admin)" in r.output and PW not in r.output
    assert (tmp_path / "portal.sqlite").is_file()
    r = runner.invoke(app, ["users", "add", "aigul", "--role", "editor", "--cities",
                            "Osh, bishkek", "--password-stdin", *out], input=PW + "\n")
    assert r.exit_code == 0 and "cities bishkek, osh" in r.output
    # refusals: short password, unknown role, unknown city, existing user — exit code 2
    for args, stdin, says in (
            (["add", "bob", "--password-stdin"], "short\n", "at least 10"),
            (["add", "bob", "--role", "god", "--password-stdin"], PW + "\n", "unknown role"),
            (["add", "bob", "--cities", "atlantis", "--password-stdin"], PW + "\n", "atlantis"),
            (["add", "root", "--password-stdin"], PW + "\n", "exists already"),
            (["set-role", "nobody", "viewer"], "", "no user"),
            (["set-role", "root", "viewer"], "", "last administrator")):
        r = runner.invoke(app, ["users", *args, *out], input=stdin)
        assert r.exit_code == 2, (args, r.output)
        assert says in r.output, (args, r.output)
    r = runner.invoke(app, ["users", "set-role", "aigul", "analyst", "--cities", "osh", *out])
    assert r.exit_code == 0 and "aigul: analyst; cities osh" in r.output
    r = runner.invoke(app, ["users", "list", *out])
    assert r.exit_code == 0
    assert "aigul" in r.output and "analyst" in r.output and "root" in r.output
    r = runner.invoke(app, ["users", "passwd", "aigul", "--password-stdin", *out],
                      input="another long password\n")
    assert r.exit_code == 0
    s = AccountStore(tmp_path / "portal.sqlite")
    assert s.authenticate("aigul", "another long password", "cli-test").role == "analyst"
    s.save_answer(s.user("aigul"), "osh", "preliminary", "P1.1", 2, "from the CLI test", "", 0)
    s.close()
    r = runner.invoke(app, ["users", "audit", "--city", "osh", *out])
    assert r.exit_code == 0 and "save_answer" in r.output and "aigul" in r.output
    r = runner.invoke(app, ["users", "export", "--to", str(tmp_path / "portal"), *out])
    assert r.exit_code == 0 and "wrote 1 files" in r.output
    assert (tmp_path / "portal" / "scorecards" / "osh_preliminary.yaml").is_file()
    # the database may be named by URL instead
    r = runner.invoke(app, ["users", "list", "--db", f"sqlite:///{tmp_path / 'portal.sqlite'}"])
    assert r.exit_code == 0 and "aigul" in r.output
    r = runner.invoke(app, ["users", "list"])
    assert r.exit_code == 2 and "--out" in r.output


def test_users_on_postgresql(pg_server, monkeypatch):
    url = pg_server.new_database("cli")
    monkeypatch.setenv("CARLCITIES_PORTAL_DB", url)      # the database named by environment
    r = runner.invoke(app, ["users", "add", "root", "--role", "admin", "--password-stdin"],
                      input=PW + "\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list"])
    assert r.exit_code == 0 and "root" in r.output and "admin" in r.output
    s = AccountStore(url)
    assert [u.username for u in s.users()] == ["root"]
    assert s.audit()[0]["who"] == "(operator)"
    s.close()


def test_serve_uses_the_database_that_carlcities_users_manages(tmp_path, monkeypatch):
    """An administrator added with ``carlcities users add --out OUT`` exists for the portal
    started on the same OUT (one resolver: ``portal.db.database_url``)."""
    from carlcities.portal.db import DB_ENV, database_url

    monkeypatch.delenv(DB_ENV, raising=False)
    import duckdb

    duckdb.connect(str(tmp_path / "study.duckdb")).close()   # an empty store
    from carlcities.portal.app import create_app

    app = create_app(tmp_path)
    assert app.state.db_url == database_url(tmp_path)
    assert app.state.db_url.endswith(f"{tmp_path.name}/portal.sqlite")
