"""``carlcities users …``: the operator's commands over the portal's accounts
(:mod:`carlcities.portal.accounts`) — create the first administrator, list, change roles."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ..errors import CarlError
from .common import fail, out_console, split_list

__all__ = ["users_app"]

users_app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
    help="Accounts of the study portal ([bold]carlcities serve[/bold]): viewer, editor (the "
         "scorecard and surveys of their own cities), analyst (re-runs), admin (users and "
         "roles).\n\nThe database is OUT/portal.sqlite (--out), or the URL given with --db or "
         "$CARLCITIES_PORTAL_DB (sqlite:///PATH or postgresql://USER@HOST/DB).\n\n"
         "Start with: carlcities users add admin --role admin --out out/",
)

_OUT = typer.Option(None, "--out", "-o", help="Study output directory: the database is "
                    "OUT/portal.sqlite.")
_DB = typer.Option(None, "--db", help="Database URL (sqlite:///PATH or "
                   "postgresql://USER@HOST/DB); default $CARLCITIES_PORTAL_DB or "
                   "OUT/portal.sqlite.")
_CITIES = typer.Option(None, "--cities", "-c", help="Cities the user edits, ids or names "
                       "separated by commas (editors and analysts).")


def _store(out: Path | None, db: str | None):
    from ..catalog import load_catalog
    from ..errors import PortalError

    try:
        from ..portal.accounts import AccountStore
        from ..portal.db import database_url
    except ImportError as exc:
        raise PortalError(f"the portal's libraries are not installed ({exc.name})",
                          fix="pip install 'carlcities[portal]'") from None

    return AccountStore(database_url(out, db), cities=load_catalog().ids)


@contextmanager
def _opened(out: Path | None, db: str | None) -> Iterator[Any]:
    """The accounts store for the command, closed afterwards; a :class:`CarlError` inside ends
    the command with its message and fix."""
    try:
        store = _store(out, db)
        try:
            yield store
        finally:
            store.close()
    except CarlError as exc:
        fail(exc)


def _password(from_stdin: bool, prompt: str) -> str:
    """The first line of standard input (scripts), or asked twice, hidden."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _city_ids(cities: str | None) -> list[str]:
    from ..catalog import load_catalog

    cat = load_catalog()
    return [cat.get(c).city_id for c in split_list(cities) or []]


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="User name: Latin letters, digits, . _ @ -"),
    role: str = typer.Option("viewer", "--role", "-r", help="viewer, editor, analyst or admin."),
    cities: Optional[str] = _CITIES,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password "
                                        "from the first line of standard input (scripts); "
                                        "otherwise it is asked twice, hidden."),
    out: Optional[Path] = _OUT,
    db: Optional[str] = _DB,
) -> None:
    """Create an account. The password is never taken from the command line (it would show in
    the process list and the shell history).

    Example: carlcities users add aigul --role editor --cities osh,bishkek --out out/
    """
    password = _password(password_stdin, "Password / пароль")
    with _opened(out, db) as store:
        u = store.create_user(username, password, role, _city_ids(cities))
    out_console.print(f"created {u.username} ({u.role}"
                      + (f"; cities {', '.join(u.cities)}" if u.cities else "") + ")")


@users_app.command("list")
def list_users(out: Optional[Path] = _OUT, db: Optional[str] = _DB) -> None:
    """List the accounts with their roles and cities."""
    with _opened(out, db) as store:
        users = store.users()
    t = Table("user", "role", "cities")
    for u in users:
        t.add_row(u.username, u.role, ", ".join(u.cities) or "—")
    out_console.print(t)


@users_app.command("set-role")
def set_role(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="viewer, editor, analyst or admin."),
    cities: Optional[str] = _CITIES,
    out: Optional[Path] = _OUT,
    db: Optional[str] = _DB,
) -> None:
    """Change an account's role and cities (the cities given replace the old ones).

    Example: carlcities users set-role aigul editor --cities osh --out out/
    """
    with _opened(out, db) as store:
        store.set_role(None, username, role, _city_ids(cities))
        u = store.user(username)
    assert u is not None
    out_console.print(f"{u.username}: {u.role}"
                      + (f"; cities {', '.join(u.cities)}" if u.cities else ""))


@users_app.command("passwd")
def passwd(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password "
                                        "from standard input."),
    out: Optional[Path] = _OUT,
    db: Optional[str] = _DB,
) -> None:
    """Set a new password (every session of the user ends)."""
    password = _password(password_stdin, "New password / новый пароль")
    with _opened(out, db) as store:
        store.set_password(None, username, password)
    out_console.print(f"password of {username} changed")


@users_app.command("audit")
def audit(
    city: Optional[str] = typer.Option(None, "--city", help="Only this city's edits."),
    limit: int = typer.Option(50, "--limit", "-n", help="How many rows, newest first."),
    out: Optional[Path] = _OUT,
    db: Optional[str] = _DB,
) -> None:
    """Show the audit log: who changed what, when, old → new."""
    import json

    with _opened(out, db) as store:
        rows = store.audit(_city_ids(city)[0] if city else None, limit)
    t = Table("when (UTC)", "who", "what", "city", "old", "new")
    for r in rows:
        t.add_row(r["when"].strftime("%Y-%m-%d %H:%M:%S"), r["who"], r["what"],
                  r["city_id"] or "", json.dumps(r["old"], ensure_ascii=False)[:60],
                  json.dumps(r["new"], ensure_ascii=False)[:60])
    out_console.print(t)


@users_app.command("export")
def export(
    to: Path = typer.Option(..., "--to", help="Folder to write scorecards/ and surveys/ into "
                            "(name them in data.scorecards_dir and data.surveys_dir)."),
    out: Optional[Path] = _OUT,
    db: Optional[str] = _DB,
) -> None:
    """Write the answers and surveys entered in the portal as the run's input files.

    Example: carlcities users export --out out/ --to out/portal
    """
    with _opened(out, db) as store:
        files = store.export_scorecards(to)
    out_console.print(f"wrote {len(files)} files under {to}")
