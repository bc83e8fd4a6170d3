"""The portal database: SQLAlchemy Core tables on SQLite (default) or PostgreSQL.

Times are stored as seconds since the epoch (UTC, ``DOUBLE``/``REAL``), which both databases
compare and index alike. SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions and a
30 s busy timeout, so that several worker processes (and threads) write one after the other
instead of failing; PostgreSQL uses its default READ COMMITTED level, the concurrency of the
answers being decided by compare-and-set on their ``version`` column.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import PortalError

__all__ = ["DB_ENV", "METADATA", "answers", "audit", "connect", "database_url",
           "login_failures", "meta", "normalise_url", "sessions", "survey_judgements",
           "user_cities", "users"]

METADATA = MetaData()

meta = Table("portal_meta", METADATA,
             Column("key", String(64), primary_key=True),
             Column("value", Text, nullable=False))

users = Table("portal_users", METADATA,
              Column("username", String(64), primary_key=True),
              Column("password_hash", Text, nullable=False),
              Column("role", String(16), nullable=False),
              Column("active", Integer, nullable=False, default=1),
              Column("created_at", Float, nullable=False))

user_cities = Table("portal_user_cities", METADATA,
                    Column("username", String(64),
                           ForeignKey("portal_users.username", ondelete="CASCADE"),
                           primary_key=True),
                    Column("city_id", String(64), primary_key=True))

sessions = Table("portal_sessions", METADATA,
                 Column("token_hash", String(64), primary_key=True),
                 Column("username", String(64),
                        ForeignKey("portal_users.username", ondelete="CASCADE"), nullable=False),
                 Column("created_at", Float, nullable=False),
                 Column("expires_at", Float, nullable=False),
                 Column("last_seen", Float, nullable=False))

login_failures = Table("portal_login_failures", METADATA,
                       Column("id", Integer, primary_key=True, autoincrement=True),
                       Column("username", String(256), nullable=False),
                       Column("client", String(256), nullable=False),
                       Column("at", Float, nullable=False),
                       Index("ix_portal_login_failures_user", "username", "client", "at"),
                       Index("ix_portal_login_failures_client", "client", "at"))

answers = Table("portal_answers", METADATA,
                Column("city_id", String(64), primary_key=True),
                Column("level", String(16), primary_key=True),
                Column("question_id", String(16), primary_key=True),
                Column("score", Integer, nullable=True),
                Column("comment", Text, nullable=False, default=""),
                Column("evidence_url", Text, nullable=False, default=""),
                Column("version", Integer, nullable=False),
                Column("updated_by", String(64), nullable=False),
                Column("updated_at", Float, nullable=False))

survey_judgements = Table("portal_survey_judgements", METADATA,
                          Column("city_id", String(64), primary_key=True),
                          Column("survey_id", String(64), primary_key=True),
                          Column("respondent", String(64), primary_key=True),
                          Column("type", String(16), primary_key=True),
                          Column("criterion", String(64), primary_key=True),
                          Column("versus", String(64), primary_key=True),  # '' for likert
                          Column("value", Float, nullable=False),
                          Column("updated_by", String(64), nullable=False),
                          Column("updated_at", Float, nullable=False))

audit = Table("portal_audit", METADATA,
              Column("id", Integer, primary_key=True, autoincrement=True),
              Column("at", Float, nullable=False),
              Column("who", String(64), nullable=False),
              Column("action", String(32), nullable=False),
              Column("city_id", String(64), nullable=True),
              Column("target", Text, nullable=False),
              Column("old", Text, nullable=True),    # JSON
              Column("new", Text, nullable=True),    # JSON
              Index("ix_portal_audit_city", "city_id", "id"))


def normalise_url(url: str | Path) -> str:
    """A SQLAlchemy URL: a plain path becomes ``sqlite:///path``; ``postgresql://`` and
    ``postgres://`` use the psycopg 3 driver."""
    s = str(url)
    if "://" not in s:
        s = f"sqlite:///{Path(s).resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if s.startswith(prefix):
            s = "postgresql+psycopg://" + s[len(prefix):]
    return s


def connect(url: str | Path, *, readonly: bool = False) -> Engine:
    """An engine on ``url`` with the portal's tables created. ``readonly``: an engine for
    reads only — on SQLite its connections run each statement in autocommit (WAL readers never
    wait for the writer), without creating the tables."""
    s = normalise_url(url)
    try:
        u = make_url(s)
    except ArgumentError:
        raise PortalError(f"cannot read the database URL {s.split('@')[-1]!r}",
                          fix="give sqlite:///PATH or postgresql://USER@HOST/DB") from None
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_con, _record):  # pragma: no cover - driver callback
            dbapi_con.isolation_level = None      # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        if not readonly:
            @event.listens_for(engine, "begin")
            def _on_begin(conn):  # pragma: no cover - driver callback
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif u.get_backend_name() == "postgresql":
        engine = create_engine(u, pool_pre_ping=True)
    else:
        raise PortalError(f"the portal database must be SQLite or PostgreSQL, not "
                          f"{u.get_backend_name()!r}",
                          fix="give sqlite:///PATH or postgresql://USER@HOST/DB")
    if readonly:
        return engine
    try:
        METADATA.create_all(engine)
    except Exception as exc:  # noqa: BLE001 - any driver error: no server, no rights
        raise PortalError(f"cannot open the portal database {u.render_as_string(True)}: "
                          f"{str(exc).splitlines()[0][:300]}",
                          fix="check that the server runs, the database exists and the user "
                              "may create tables in it") from exc
    return engine


#: environment variable naming the portal database (a URL), read when no --db is given
DB_ENV = "CARLCITIES_PORTAL_DB"


def database_url(out: str | Path | None = None, url: str | None = None) -> str:
    """The portal database: ``url``, else ``$CARLCITIES_PORTAL_DB``, else
    ``OUT/portal.sqlite`` beside the study ``out``."""
    import os

    if url:
        return normalise_url(url)
    if os.environ.get(DB_ENV):
        return normalise_url(os.environ[DB_ENV])
    if out is None:
        raise PortalError("no portal database given",
                          fix=f"pass --out OUT (uses OUT/portal.sqlite), --db URL or set {DB_ENV}")
    return normalise_url(Path(out) / "portal.sqlite")
