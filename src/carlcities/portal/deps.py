"""FastAPI helpers over :class:`~carlcities.portal.accounts.AccountStore`: who is signed in,
may they do this, and is this form really theirs (CSRF).

The session token travels in the ``carlcities_session`` cookie (HttpOnly, SameSite=Lax,
Secure over HTTPS); every state-changing request (POST, PUT, PATCH, DELETE) must carry the
session's CSRF token in the form field ``csrf_token`` or the header ``X-CSRF-Token``, and, when
the browser sends an ``Origin`` header, come from the portal's own origin.

Typical use in a route::

    @app.post("/city/{city_id}/scorecard")
    async def save(request: Request, city_id: str):
        store = accounts_of(request)
        await check_csrf(request, store)
        user = require(request, store, "edit_scorecard", city_id)
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from .roles import User

if TYPE_CHECKING:
    from .accounts import AccountStore

__all__ = ["ANONYMOUS", "COOKIE", "CSRF_FIELD", "CSRF_HEADER", "accounts_of", "check_csrf",
           "clear_session_cookie", "current_user", "require", "session_token",
           "set_session_cookie"]

COOKIE = "carlcities_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: the user of a request without a session, when the operator lets anonymous viewers in
ANONYMOUS = User("anonymous", "viewer", ())


def accounts_of(request: Request) -> AccountStore:
    """The application's store (``app.state.accounts``)."""
    return request.app.state.accounts


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def current_user(request: Request, store: AccountStore) -> User | None:
    """The signed-in user, or ``None``."""
    return store.user_for_session(session_token(request) or "")


def require(request: Request, store: AccountStore, action: str, city_id: str | None = None,
            *, anonymous_view: bool | None = None) -> User:
    """The signed-in user when they may do ``action`` (on ``city_id``); otherwise HTTP 401
    (not signed in) or 403 (signed in, not allowed). ``view`` is open to anonymous visitors
    when ``anonymous_view`` (default: ``app.state.anonymous_view``, else true)."""
    user = current_user(request, store)
    if user is None:
        if anonymous_view is None:
            anonymous_view = bool(getattr(request.app.state, "anonymous_view", True))
        if action == "view" and anonymous_view:
            return ANONYMOUS
        raise HTTPException(401, "sign in first / сначала войдите в систему")
    if not user.can(action, city_id):
        raise HTTPException(403, "your role does not allow this / ваша роль не позволяет "
                                 "это действие")
    return user


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True                      # no Origin header: the CSRF token decides
    if origin == "null":
        return False
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


async def check_csrf(request: Request, store: AccountStore) -> None:
    """HTTP 403 unless a state-changing request carries its session's CSRF token (form field
    ``csrf_token`` or header ``X-CSRF-Token``) and comes from the portal's own origin. Safe
    methods (GET, HEAD, OPTIONS) pass."""
    if request.method.upper() in SAFE_METHODS:
        return
    token: Any = request.headers.get(CSRF_HEADER)
    if not token:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            token = form.get(CSRF_FIELD)
    session = session_token(request)
    if not session or not isinstance(token, str) or not _same_origin(request) \
            or not store.check_csrf(session, token):
        raise HTTPException(403, "the form expired or did not come from this site; reload "
                                 "the page / форма устарела или отправлена не с этого сайта; "
                                 "обновите страницу")


def set_session_cookie(response: Any, token: str, *, secure: bool) -> None:
    """Set the session cookie on ``response`` (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    from .accounts import SESSION_TTL

    response.set_cookie(COOKIE, token, max_age=SESSION_TTL, httponly=True, secure=secure,
                        samesite="lax", path="/")


def clear_session_cookie(response: Any) -> None:
    response.delete_cookie(COOKIE, path="/")
