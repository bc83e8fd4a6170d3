"""``carlcities serve``: the study portal over an output directory (thin over
:func:`carlcities.portal.app.create_app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import CarlError
from .common import EXIT_ERROR, err_console, fail, out_console

__all__ = ["serve_app"]

serve_app = typer.Typer(add_completion=False, rich_markup_mode="rich")


@serve_app.command()
def serve(
    out: Path = typer.Option(..., "--out", "-o", help="The study to serve: the directory of "
                             "`carlcities run --out DIR`."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for "
                             "every interface)."),
    port: int = typer.Option(8765, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    db: Optional[str] = typer.Option(None, "--db", help="Accounts database: sqlite:///FILE or "
                                     "postgresql://USER@HOST/DB (default: "
                                     "$CARLCITIES_PORTAL_DB, else OUT/portal.sqlite, where "
                                     "`carlcities users` keeps them)."),
    anonymous: bool = typer.Option(True, "--anonymous/--no-anonymous", help="Let visitors "
                                   "who are not logged in read the study."),
) -> None:
    """Serve the study portal: region map, city pages, comparisons, downloads and the JSON API.

    Everything (scripts, styles, map tiles, basemap) is served by the portal itself: it works
    with no internet. Open http://HOST:PORT/ in a browser; stop with Ctrl-C.

    Example: carlcities serve --out out/ --port 8765
    """
    try:
        import uvicorn

        from ..portal.app import create_app
    except ImportError as exc:
        err_console.print(f"[bold red]error[/bold red]: the portal needs the extra 'portal' "
                          f"({exc.name or exc} is not installed): pip install "
                          "'carlcities[portal]'", soft_wrap=True)
        raise typer.Exit(code=EXIT_ERROR) from exc
    try:
        app = create_app(out, db_url=db, allow_anonymous=anonymous)
    except CarlError as exc:
        fail(exc)
    out_console.print(f"carlcities portal: http://{host}:{port}/ (study {out}); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning")
