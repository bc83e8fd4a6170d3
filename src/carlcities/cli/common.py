"""What every command shares: the consoles, the one error printer, option parsing, progress."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import CarlError
from ..progress import Progress

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "Progress", "err_console", "fail", "interrupted",
           "out_console", "split_list"]

EXIT_ERROR = 2  #: a CarlError: bad input, named with its file and fix
EXIT_INTERRUPTED = 130  #: Ctrl-C

out_console = Console()
err_console = Console(stderr=True)


def fail(exc: CarlError) -> NoReturn:
    """Print ``exc`` (its message, file and fix) on stderr and exit with code 2."""
    err_console.print(f"[bold red]error[/bold red] ({type(exc).__name__}): {escape(str(exc))}",
                      soft_wrap=True, highlight=False)
    raise typer.Exit(code=EXIT_ERROR)


def interrupted(what: str) -> NoReturn:
    """Say that ``what`` (finished cities, finished files) is kept; exit with code 130."""
    err_console.print(f"[yellow]interrupted[/yellow]: {what} are kept; run the same command "
                      "again to resume.")
    raise typer.Exit(code=EXIT_INTERRUPTED)


def split_list(value: str | None) -> list[str] | None:
    """``"a, b,,c"`` → ``["a", "b", "c"]``; None or empty → None (meaning: all)."""
    return [x.strip() for x in value.split(",") if x.strip()] if value else None
