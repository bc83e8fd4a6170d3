"""The study portal (``carlcities serve``): the web application, accounts, roles, storage of
the edits, publishing.

:func:`carlcities.portal.app.create_app` builds the application (FastAPI, Jinja2 pages,
vendored MapLibre GL JS and Chart.js, XYZ tiles from the run's COGs, an offline basemap from
each city's OSM file); it reads the study only through :mod:`carlcities.results`. The account
library lives in :mod:`carlcities.portal.accounts` (one :class:`AccountStore` over SQLite or
PostgreSQL); roles and the authorisation matrix in :mod:`carlcities.portal.roles`. Import them
from those modules: this package stays tiny. See ``docs/portal.md``.
"""
