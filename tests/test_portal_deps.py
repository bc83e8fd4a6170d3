"""The FastAPI helpers of the portal (carlcities.portal.deps) in a tiny application: session
cookie, roles per city, CSRF token in the form or header, foreign origins refused."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from carlcities.portal.accounts import AccountStore

fastapi = pytest.importorskip("fastapi")
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from carlcities.errors import LoginRefused  # noqa: E402
from carlcities.portal import deps  # noqa: E402

PW = "correct horse battery"


@pytest.fixture
def app(tmp_path):
    store = AccountStore(tmp_path / "portal.sqlite", cities=("osh", "almaty"),
                         hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    store.create_user("ed", PW, "editor", ["osh"])
    store.create_user("ana", PW, "analyst")
    app = FastAPI()
    app.state.accounts = store
    app.state.anonymous_view = True

    @app.post("/login")
    async def login(request: Request):
        form = await request.form()
        from fastapi.responses import JSONResponse

        try:
            user = store.authenticate(str(form["username"]), str(form["password"]),
                                      request.client.host if request.client else "?")
        except LoginRefused:
            return JSONResponse({"ok": False}, status_code=401)
        tok = store.new_session(user)
        resp = JSONResponse({"csrf": store.csrf_token(tok)})
        deps.set_session_cookie(resp, tok, secure=False)
        return resp

    @app.get("/city/{city_id}")
    def city(request: Request, city_id: str):
        user = deps.require(request, deps.accounts_of(request), "view", city_id)
        return {"user": user.username}

    @app.post("/city/{city_id}/answer")
    async def answer(request: Request, city_id: str):
        s = deps.accounts_of(request)
        await deps.check_csrf(request, s)
        user = deps.require(request, s, "edit_scorecard", city_id)
        a = s.save_answer(user, city_id, "preliminary", "P1.1", 2, "ok", "", 0)
        return {"version": a.version}

    @app.post("/rerun")
    async def rerun(request: Request):
        s = deps.accounts_of(request)
        await deps.check_csrf(request, s)
        return {"by": deps.require(request, s, "rerun").username}

    yield app
    store.close()


def login(client, name):
    r = client.post("/login", data={"username": name, "password": PW})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    return r.json()["csrf"]


def test_roles_and_csrf_through_fastapi(app):
    anon = TestClient(app)
    assert anon.get("/city/osh").json() == {"user": "anonymous"}
    app.state.anonymous_view = False
    assert anon.get("/city/osh").status_code == 401
    assert anon.post("/rerun", data={"csrf_token": "x"}).status_code == 403

    ed = TestClient(app)
    tok = login(ed, "ed")
    assert ed.get("/city/osh").json() == {"user": "ed"}
    # no token, a wrong token, a foreign origin: refused, nothing saved
    assert ed.post("/city/osh/answer").status_code == 403
    assert ed.post("/city/osh/answer", data={"csrf_token": "0" * 64}).status_code == 403
    assert ed.post("/city/osh/answer", data={"csrf_token": tok},
                   headers={"Origin": "http://evil.example"}).status_code == 403
    assert app.state.accounts.answers("osh", "preliminary") == {}
    # the right token, in the form or the header
    assert ed.post("/city/osh/answer", data={"csrf_token": tok}).json() == {"version": 1}
    assert ed.post("/city/almaty/answer", headers={"X-CSRF-Token": tok}).status_code == 403
    assert ed.post("/rerun", headers={"X-CSRF-Token": tok}).status_code == 403

    ana = TestClient(app)
    tok_a = login(ana, "ana")
    # another session's token is refused
    assert ana.post("/rerun", headers={"X-CSRF-Token": tok}).status_code == 403
    assert ana.post("/rerun", headers={"X-CSRF-Token": tok_a,
                                       "Origin": "http://testserver"}).json() == {"by": "ana"}
    assert ana.post("/city/osh/answer", headers={"X-CSRF-Token": tok_a}).status_code == 403
    assert TestClient(app).post("/login", data={"username": "ana", "password": "nope nope nope"}
                                ).status_code == 401
