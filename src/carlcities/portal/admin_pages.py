"""``/admin``: the analyst's re-run of the study with the answers entered in the portal, and the
administrator's users, roles and audit log.

The re-run calls :func:`carlcities.portal.rerun.rerun` (export the answers and surveys to
``OUT/portal/``, then run the study with them) in a background thread: one at a time, with the
configuration and cities of the run the portal shows (the manifest's ``config_path``, else its
``config``), one worker. The run takes the output directory's writer lock; readers keep the
committed study until it commits, then the portal reopens the new one. Its state (running,
done with the run id, failed with the error) is shown on the page.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import CarlError, PermissionDenied, PortalError
from .api import src
from .pages import render
from .scorecard_pages import account_store as accounts
from .scorecard_pages import require_action

__all__ = ["RerunState", "router"]

router = APIRouter(include_in_schema=False)


class RerunState:
    """The state of the portal's one background re-run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status = "idle"            # idle | running | done | failed
        self.detail = ""
        self.by = ""
        self.started = 0.0
        self.finished = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, "by": self.by,
                "seconds": round((self.finished or time.time()) - self.started, 1)
                if self.started else None}


def _state(request: Request) -> RerunState:
    st = getattr(request.app.state, "rerun", None)
    if st is None:
        st = request.app.state.rerun = RerunState()
    return st  # type: ignore[no-any-return]


def _config(manifest: dict[str, Any]) -> Any:
    from ..config import StudyConfig, load_config

    path = manifest.get("config_path")
    if path and Path(path).is_file():
        return load_config(path)
    if manifest.get("config"):
        return StudyConfig.model_validate(manifest["config"])
    return load_config(None)


def _run(state: RerunState, store: Any, out: Path, manifest: dict[str, Any],
         cities: list[str]) -> None:
    from .rerun import rerun

    try:
        summary = rerun(store, out, _config(manifest), cities=cities, workers=1)
        state.detail = str(getattr(summary, "run_id", "") or "")
        state.status = "done"
    except Exception as exc:  # noqa: BLE001 - shown to the analyst, the portal keeps serving
        state.detail = f"{type(exc).__name__}: {exc}"
        state.status = "failed"
    finally:
        state.finished = time.time()


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    try:
        user = require_action(request, "view")
    except HTTPException as exc:
        if exc.status_code == 401:
            return RedirectResponse("/login?next=/admin", status_code=303)
        raise
    if user.username == "anonymous":
        return RedirectResponse("/login?next=/admin", status_code=303)
    if not (user.can("rerun") or user.can("admin")):
        raise HTTPException(403, "analysts and administrators only / только аналитики и "
                                 "администраторы")
    store = accounts(request)
    from .deps import session_token

    token = session_token(request)
    lang = request.state.lang
    users = [{"username": u.username, "role": u.role, "cities": ", ".join(u.cities)}
             for u in store.users()] if user.can("admin") else []
    log = store.audit(limit=50) if user.can("admin") else []
    return render(request, "admin.html", user=user, users=users, audit=log,
                  rerun=_state(request).as_dict(), csrf=store.csrf_token(token) if token else "",
                  roles=("viewer", "editor", "analyst", "admin"),
                  cities=[c["city_id"] for c in src(request).cities()], lang_=lang)


@router.post("/admin/rerun")
async def start_rerun(request: Request) -> Response:
    from .deps import check_csrf

    store = accounts(request)
    await check_csrf(request, store)
    user = require_action(request, "rerun")
    state = _state(request)
    with state.lock:
        if state.status == "running":
            raise HTTPException(409, "a re-run is already running / перерасчёт уже идёт")
        s = src(request)
        state.status, state.detail, state.by = "running", "", user.username
        state.started, state.finished = time.time(), 0.0
        threading.Thread(target=_run, args=(state, store, s.out_dir, s.manifest(),
                                            [c["city_id"] for c in s.cities()]),
                         daemon=True, name="carlcities-rerun").start()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}")
async def set_role(request: Request, username: str) -> Response:
    from .deps import check_csrf

    store = accounts(request)
    await check_csrf(request, store)
    user = require_action(request, "admin")
    form = await request.form()
    cities = tuple(c.strip() for c in str(form.get("cities") or "").split(",") if c.strip())
    try:
        store.set_role(user, username, str(form.get("role") or ""), cities)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except (PortalError, CarlError) as exc:
        raise HTTPException(422, str(exc)) from exc
    return RedirectResponse("/admin", status_code=303)
