"""Signing in, the MCR2030 scorecard in the browser and the stakeholder (AHP) surveys.

Accounts, sessions, CSRF tokens, answers with optimistic concurrency and the audit log belong
to :mod:`carlcities.portal.accounts` (with :mod:`carlcities.portal.deps` for the request
helpers); this module only draws the pages and passes the requests on. It imports them inside
its functions, so the rest of the portal runs where the accounts' database libraries are not
installed (``create_app`` includes these routes only when they are).

Saving: the scorecard page sends each answer as JSON to
``POST /api/v1/cities/CITY/scorecard/LEVEL/QUESTION`` with the session's CSRF token in the
``X-CSRF-Token`` header and the version the editor started from. A newer stored answer gives
HTTP 409 with both answers (``theirs``, ``yours``); the page shows them side by side and lets
the editor keep theirs or save theirs over (with the new base version). Nothing is overwritten
silently.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ..errors import CarlError
from ..scorecard.questions import ESSENTIALS, LEVELS, SCALE, questions
from .api import src
from .i18n import say
from .pages import render

__all__ = ["AnswerIn", "SURVEY_CRITERIA", "account_store", "require_action", "router"]

router = APIRouter()

#: the criteria the stakeholder surveys weigh (as the appraisal reads them)
SURVEY_CRITERIA = {
    "risk_reduction": ("Disaster risk reduction", "Снижение риска бедствий"),
    "emissions_reduction": ("Emission reduction", "Сокращение выбросов"),
    "net_benefit": ("Net economic benefit", "Чистая экономическая выгода"),
    "co_benefits": ("Co-benefits (air, access, heat)", "Сопутствующие выгоды (воздух, "
                                                        "доступность, жара)"),
    "feasibility": ("Feasibility and capacity", "Осуществимость и потенциал"),
}
PROFILES = {"emergency_ministry": ("Emergency ministry", "Министерство по чрезвычайным "
                                                         "ситуациям"),
            "city_finance": ("City finance", "Финансы города"),
            "environment_agency": ("Environment agency", "Природоохранное ведомство")}
SAATY = ("1/9", "1/7", "1/5", "1/3", "1", "3", "5", "7", "9")


class AnswerIn(BaseModel):
    """One scorecard answer as the page sends it."""

    score: int | None = Field(None, ge=0, le=5)
    comment: str = Field("", max_length=20_000)
    evidence_url: str = Field("", max_length=2_000)
    base_version: int = Field(0, ge=0)


def account_store(request: Request) -> Any:
    from .deps import accounts_of

    return accounts_of(request)


def _user(request: Request) -> Any:
    from .deps import current_user

    return current_user(request, account_store(request))


def require_action(request: Request, action: str, city_id: str | None = None) -> Any:
    from .deps import require

    if city_id is not None:
        try:
            src(request).city(city_id)
        except CarlError as exc:
            raise HTTPException(404, f"no city {city_id!r} in this study") from exc
    return require(request, account_store(request), action, city_id)


def _local(url: str | None) -> str:
    """A redirect target on this site only (``/path``), else ``/``."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    parts = urlsplit(url)
    return url if not parts.scheme and not parts.netloc else "/"


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True
    return origin != "null" and urlsplit(origin).netloc.lower() == \
        request.headers.get("host", "").lower()


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_local(next), error=None)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    from ..errors import LoginRateLimited, LoginRefused
    from .deps import set_session_cookie

    form = await request.form()
    nxt = _local(str(form.get("next") or "/"))
    lang = request.state.lang
    if not _same_origin(request):
        raise HTTPException(403, "the form did not come from this site")
    store = account_store(request)
    client = request.client.host if request.client else "unknown"
    try:
        user = store.authenticate(str(form.get("username") or "")[:200],
                                  str(form.get("password") or "")[:1000], client)
    except LoginRateLimited as exc:
        wait = int(getattr(exc, "retry_after", 60) or 60)
        limited = render(request, "login.html", status=429, next=nxt,
                         error=say("login_limited", lang, s=wait))
        limited.headers["Retry-After"] = str(wait)
        return limited
    except LoginRefused:
        return render(request, "login.html", status=401, next=nxt,
                      error=say("login_refused", lang))
    resp = RedirectResponse(nxt, status_code=303)
    set_session_cookie(resp, store.new_session(user), secure=request.url.scheme == "https")
    return resp


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    from .deps import check_csrf, clear_session_cookie, session_token

    store = account_store(request)
    await check_csrf(request, store)
    token = session_token(request)
    if token:
        store.end_session(token)
    resp = RedirectResponse("/", status_code=303)
    clear_session_cookie(resp)
    return resp


def _level(level: str) -> str:
    if level not in LEVELS:
        raise HTTPException(404, "scorecard levels: preliminary, detailed")
    return level


@router.get("/city/{city_id}/scorecard", response_class=HTMLResponse, include_in_schema=False)
def scorecard_page(request: Request, city_id: str, level: str = "preliminary") -> Response:
    level = _level(level)
    try:
        user = require_action(request, "view", city_id)
    except HTTPException as exc:
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next=/city/{city_id}/scorecard?level={level}",
                                    status_code=303)
        raise
    lang = request.state.lang
    store = account_store(request)
    answers = {k: a.as_dict() for k, a in store.answers(city_id, level).items()}
    qs = questions(level)
    groups = []
    for e in ESSENTIALS:
        items = [q for q in qs if q.essential == e.number]
        if items:
            groups.append({"essential": e, "questions": items})
    from .deps import session_token

    token = session_token(request)
    can_edit = bool(user.can("edit_scorecard", city_id)) and user.username != "anonymous"
    city = src(request).city(city_id)
    name = city.get("name_ru") if lang == "ru" else city.get("name_en")
    return render(request, "scorecard.html", city=city, city_name=name, level=level,
                  max_score=LEVELS[level], groups=groups, answers=answers,
                  scale=SCALE[level], can_edit=can_edit, user=user,
                  csrf=store.csrf_token(token) if token and can_edit else "",
                  n_answered=sum(1 for a in answers.values() if a.get("score") is not None),
                  n_total=len(qs), synthetic=False)


@router.post("/api/v1/cities/{city_id}/scorecard/{level}/{question_id}", tags=["scorecard"],
             summary="Save one scorecard answer (editors of the city; CSRF token header)")
async def save_answer(request: Request, city_id: str, level: str, question_id: str,
                      body: AnswerIn) -> Response:
    from ..errors import EditConflict, PermissionDenied, PortalError
    from .deps import check_csrf

    level = _level(level)
    store = account_store(request)
    await check_csrf(request, store)
    user = require_action(request, "edit_scorecard", city_id)
    try:
        a = store.save_answer(user, city_id, level, question_id, body.score, body.comment,
                              body.evidence_url, body.base_version)
    except EditConflict as exc:
        theirs = exc.theirs.as_dict() if getattr(exc, "theirs", None) is not None else None
        return JSONResponse({"detail": str(exc), "theirs": theirs,
                             "yours": getattr(exc, "yours", None)}, status_code=409)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except PortalError as exc:
        raise HTTPException(422, str(exc)) from exc
    return JSONResponse({"answer": a.as_dict()}, status_code=200)


@router.get("/city/{city_id}/survey", response_class=HTMLResponse, include_in_schema=False)
def survey_page(request: Request, city_id: str, profile: str = "emergency_ministry",
                saved: int | None = None) -> Response:
    try:
        user = require_action(request, "edit_survey", city_id)
    except HTTPException as exc:
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next=/city/{city_id}/survey", status_code=303)
        raise
    lang = request.state.lang
    store = account_store(request)
    from .deps import session_token

    token = session_token(request)
    crit = list(SURVEY_CRITERIA)
    pairs = [(a, b) for i, a in enumerate(crit) for b in crit[i + 1:]]
    city = src(request).city(city_id)
    return render(request, "survey.html", city=city,
                  city_name=city.get("name_ru") if lang == "ru" else city.get("name_en"),
                  pairs=pairs, criteria=SURVEY_CRITERIA, profiles=PROFILES,
                  profile=profile if profile in PROFILES else "emergency_ministry",
                  saaty=SAATY, user=user, saved=saved,
                  csrf=store.csrf_token(token) if token else "")


@router.post("/city/{city_id}/survey", include_in_schema=False)
async def survey_save(request: Request, city_id: str) -> Response:
    from ..errors import PermissionDenied, PortalError
    from .deps import check_csrf

    store = account_store(request)
    await check_csrf(request, store)
    user = require_action(request, "edit_survey", city_id)
    form = await request.form()
    profile = str(form.get("profile") or "")
    if profile not in PROFILES:
        raise HTTPException(422, "unknown stakeholder profile")
    crit = list(SURVEY_CRITERIA)
    judgements: dict[str, float] = {}
    for i, a in enumerate(crit):
        for b in crit[i + 1:]:
            raw = str(form.get(f"{a}|{b}") or "1")
            if raw not in SAATY:
                raise HTTPException(422, f"{a} vs {b}: not on Saaty's scale")
            num, _, den = raw.partition("/")
            judgements[f"{a}|{b}"] = float(num) / float(den or 1)
    try:
        store.save_survey(user, city_id, profile, str(form.get("respondent") or "")[:64],
                          judgements)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from exc
    except PortalError as exc:
        raise HTTPException(422, str(exc)) from exc
    return RedirectResponse(f"/city/{city_id}/survey?profile={profile}&saved="
                            f"{len(judgements)}", status_code=303)
