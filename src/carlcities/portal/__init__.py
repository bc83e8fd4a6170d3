"""The study portal: ``carlcities serve`` — a web application over one study's results.

:func:`carlcities.portal.app.create_app` builds it (FastAPI, Jinja2 pages, vendored MapLibre GL
JS and Chart.js, XYZ tiles from the run's COGs, an offline basemap from each city's OSM file);
it reads the study only through :mod:`carlcities.results`. See ``docs/portal.md``.
"""
