"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, start it on a
free port with its socket in that folder, stop and delete it at the end.

Debian's ``postgresql`` package provides the binaries (``/usr/lib/postgresql/*/bin``) and
``postgresql-15-postgis-3`` the PostGIS extension; the Debian service itself is never used
(CI starts nothing). PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` user (``runuser``), in a folder given to it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest folder holding ``initdb`` and ``pg_ctl``, or ``None``."""
    cands = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    if os.environ.get("PG_BIN"):
        cands.insert(0, Path(os.environ["PG_BIN"]))
    which = shutil.which("pg_ctl")
    if which:
        cands.append(Path(which).parent)
    cands.sort(key=lambda p: (p == Path(os.environ.get("PG_BIN", "/nonexistent")),
                              p.parent.name.isdigit() and int(p.parent.name)), reverse=True)
    for c in cands:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running server; ``url(db)`` is a SQLAlchemy/psycopg URL of one of its databases."""

    def __init__(self) -> None:
        b = pg_bin()
        if b is None:
            raise FileNotFoundError("no initdb/pg_ctl in /usr/lib/postgresql/*/bin "
                                    "(apt-get install postgresql)")
        self.bin = b
        self.root = Path(tempfile.mkdtemp(prefix="carlcities-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run([str(b / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--no-sync", "--locale=C"])
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=60")
        self._run([str(b / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                   str(self.root / "server.log"), "-w", "-t", "60", "start"])
        self._n = 0

    def _run(self, cmd: list[str]) -> None:
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if r.returncode:
            log = self.root / "server.log"
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}"
                               + (log.read_text()[-2000:] if log.exists() else ""))

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def execute(self, sql: str, db: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as con:
            con.execute(sql)

    def new_database(self, prefix: str = "t", postgis: bool = False) -> str:
        """A fresh database (with PostGIS when asked); returns its URL."""
        self._n += 1
        name = f"{prefix}_{self._n}_{int(time.time() * 1000) % 10**8}"
        self.execute(f'CREATE DATABASE "{name}"')
        if postgis:
            self.execute("CREATE EXTENSION IF NOT EXISTS postgis", db=name)
        return self.url(name)

    def has_postgis(self) -> bool:
        share = self.bin.parent / "share"
        candidates = [share, Path("/usr/share/postgresql") / self.bin.parent.name]
        return any((c / "extension" / "postgis.control").exists() for c in candidates)

    def stop(self) -> None:
        try:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                       "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
