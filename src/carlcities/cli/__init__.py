"""The ``carlcities`` command line: thin — it parses, calls the library, prints.

One module per command group, all sharing :mod:`carlcities.cli.common` (the consoles, the one
error printer, option parsing) and :class:`carlcities.progress.Progress`:

* :mod:`~carlcities.cli.run` — ``run``, ``demo``, ``cities``, ``indicators``, ``engines``,
  ``report``, ``init``
* :mod:`~carlcities.cli.data` — ``data sources``, ``data fetch``
* :mod:`~carlcities.cli.scorecard` — ``scorecard …``
* :mod:`~carlcities.cli.risk` — ``risk events``, ``risk scenario``
* :mod:`~carlcities.cli.network` — ``network-stats``
* :mod:`~carlcities.cli.serve` — ``serve`` (the study portal)
* :mod:`~carlcities.cli.publish` — ``publish`` (tables and geometries to PostGIS)
* :mod:`~carlcities.cli.users` — ``users add|list|set-role|passwd|audit|export`` (portal accounts)
"""

from __future__ import annotations

import typer

from .data import data_app
from .network import network_app
from .publish import publish_app
from .risk import risk_app
from .run import run_app
from .scorecard import scorecard_app
from .serve import serve_app
from .users import users_app

__all__ = ["app", "data_app", "main", "network_app", "publish_app", "risk_app", "scorecard_app",
           "serve_app", "users_app"]

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
    help="carlcities — resilient and low-carbon city assessment for Central Asia.\n\n"
         "Start with [bold]carlcities run --out out/[/bold]: it builds the synthetic demo region "
         "and runs the default study (48 cities) into out/ — store, exports, maps and reports.",
)
app.add_typer(run_app)  # run, demo, cities, indicators, engines, report, init: listed first
app.add_typer(serve_app)
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(network_app)
app.add_typer(risk_app, name="risk")
app.add_typer(data_app, name="data")
app.add_typer(users_app, name="users")
app.add_typer(publish_app)


def main() -> None:  # pragma: no cover
    app()
