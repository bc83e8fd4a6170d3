"""The web application: :func:`create_app` over one output directory.

``carlcities serve --out OUT`` runs it with uvicorn. Everything it serves comes from the
package (templates, styles, scripts, the vendored MapLibre GL JS and Chart.js) or from the
study (through :mod:`carlcities.results`): it works with no internet. FastAPI's own
documentation pages load Swagger UI from a CDN, so they are switched off; ``/api`` lists the
endpoints from the OpenAPI description (``/openapi.json``) instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException as FastAPIHTTPException
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import OutputDirError
from ..store import STORE_FILE
from . import api, pages
from .db import database_url
from .i18n import COOKIE, LANGS, globals_for, pick_lang
from .source import StudySource

__all__ = ["STATIC", "TEMPLATES", "create_app"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def create_app(out_dir: str | Path, db_url: str | None = None,
               allow_anonymous: bool = True) -> FastAPI:
    """The portal over the study in ``out_dir`` (the directory of ``carlcities run --out``).

    ``db_url``: the accounts database (``sqlite:///…`` or ``postgresql://…``; default
    ``$CARLCITIES_PORTAL_DB``, else ``OUT/portal.sqlite``, the same database that
    ``carlcities users --out OUT`` manages); ``allow_anonymous``: whether visitors who are not
    logged in may read. Session and CSRF secrets are the account store's own.
    Raises :class:`~carlcities.errors.OutputDirError` when ``out_dir`` has no store.
    """
    out = Path(out_dir)
    if not (out / STORE_FILE).is_file():
        raise OutputDirError(f"no results store ({STORE_FILE}) to serve", path=out,
                             fix="pass the directory of `carlcities run --out DIR`, or run "
                                 "`carlcities run --out DIR` first")
    app = FastAPI(title="carlcities study portal", version=__version__,
                  description="Resilient and low-carbon city assessment for Central Asia: "
                              "the study's cities, indicators, maps and files as JSON.",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)
    app.state.source = StudySource(out)
    app.state.db_url = database_url(out, db_url)
    app.state.allow_anonymous = allow_anonymous
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["version"] = __version__
    app.state.templates = env

    @app.middleware("http")
    async def language(request: Request, call_next: Any) -> Response:
        query = request.query_params.get("lang")
        lang = pick_lang(query, request.cookies.get(COOKIE))
        request.state.lang = lang
        request.state.globals = globals_for(lang)
        response: Response = await call_next(request)
        if query in LANGS:
            response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        wants_html = not request.url.path.startswith(("/api/", "/tiles/", "/download/",
                                                      "/openapi"))
        if wants_html and exc.status_code == 404:
            return pages.not_found_page(request, str(exc.detail))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    app.add_exception_handler(FastAPIHTTPException, http_error)  # type: ignore[arg-type]
    app.add_middleware(GZipMiddleware, minimum_size=2048)   # MapLibre: 1.06 MB -> about 0.3 MB
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _add_accounts(app, db_url=app.state.db_url, allow_anonymous=allow_anonymous)
    return app


def _add_accounts(app: FastAPI, *, db_url: str, allow_anonymous: bool) -> None:
    """Sign-in, scorecard and survey pages over :mod:`carlcities.portal.accounts`, when it
    and its database libraries are installed; without them the portal is read-only."""
    if importlib.util.find_spec("carlcities.portal.accounts") is None:
        app.state.accounts = None
        return
    from . import admin_pages, scorecard_pages
    from .accounts import AccountStore

    if db_url.startswith("sqlite:///"):
        Path(db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app.state.accounts = AccountStore(db_url, cities=[c["city_id"] for c in
                                                      app.state.source.cities()])
    app.state.anonymous_view = allow_anonymous
    app.include_router(scorecard_pages.router)
    app.include_router(admin_pages.router)

    @app.middleware("http")
    async def signed_in(request: Request, call_next: Any) -> Response:
        """Without anonymous viewing, everything but the sign-in page and the static files
        needs a session: pages redirect to /login, the API answers 401."""
        path = request.url.path
        if not allow_anonymous and not path.startswith(("/login", "/static/")):
            from .deps import current_user

            if current_user(request, app.state.accounts) is None:
                if path.startswith(("/api/", "/tiles/", "/download/", "/openapi")):
                    return JSONResponse({"detail": "sign in first / сначала войдите"},
                                        status_code=401)
                return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        response: Response = await call_next(request)
        return response
