"""The portal's authorisation matrix: every route of the application × every role, with real
sign-ins (Argon2 passwords, session cookies, CSRF tokens) over a small real study.

The expected outcome of each cell is written down once, in :data:`MATRIX` (a Markdown table
that docs/portal.md carries verbatim, checked below, so the documentation cannot go stale).
Every route the application has — found by walking ``app.routes`` — must have a row and a
request (:data:`REQUESTS`): a new route without both fails :func:`test_every_route_has_a_row`.

Columns: an anonymous visitor on a portal that lets anonymous viewers in (``anon``) and on one
that does not (``closed``); a viewer; the editor of city A (almaty, the city every request
names) and of city B (bishkek); an analyst (no city on the account); an administrator.
``allow`` means the request reached its handler and succeeded (2xx, or a redirect that is not
to the sign-in page; 409 for a second re-run while one runs); ``deny`` means 401, 403 or a
redirect to ``/login``. HEAD follows GET. The re-run itself is replaced by a stub that records
its calls (one per allowed cell, checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

pytest.importorskip("carlcities.portal.accounts")

from carlcities.portal.app import create_app  # noqa: E402
from tests.test_report import make_fake_out  # noqa: E402

PASSWORD = "correct horse battery staple"
ROLES = ("anon", "closed", "viewer", "editor_a", "editor_b", "analyst", "admin")
#: accounts behind the signed-in columns: (user name, role, cities)
ACCOUNTS = {"viewer": ("vera", "viewer", ()), "editor_a": ("edna", "editor", ("almaty",)),
            "editor_b": ("ben", "editor", ("bishkek",)), "analyst": ("ana", "analyst", ()),
            "admin": ("root", "admin", ())}
#: the account whose role the admin route changes (to what it already is)
TARGET = ("zed", "viewer", ())
DOC = Path(__file__).resolve().parents[1] / "docs" / "portal.md"
BEGIN, END = "<!-- authz-matrix: begin -->", "<!-- authz-matrix: end -->"

MATRIX = """\
| route | anonymous (open portal) | anonymous (closed portal) | viewer | editor of city A | editor of city B | analyst | admin |
|---|---|---|---|---|---|---|---|
| `GET /` | allow | deny | allow | allow | allow | allow | allow |
| `GET /admin` | deny | deny | deny | deny | deny | allow | allow |
| `POST /admin/rerun` | deny | deny | deny | deny | deny | allow | allow |
| `POST /admin/users/{username}` | deny | deny | deny | deny | deny | deny | allow |
| `GET /api` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/cities` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/cities/{city_id}` | allow | deny | allow | allow | allow | allow | allow |
| `POST /api/v1/cities/{city_id}/scorecard/{level}/{question_id}` | deny | deny | deny | allow | deny | deny | allow |
| `GET /api/v1/cities/{city_id}/layers` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/cities/{city_id}/values` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/cities/{city_id}/vectors/{name}.geojson` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/indicators` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/region/{layer}.geojson` | allow | deny | allow | allow | allow | allow | allow |
| `GET /api/v1/values` | allow | deny | allow | allow | allow | allow | allow |
| `GET /city/{city_id}` | allow | deny | allow | allow | allow | allow | allow |
| `GET /city/{city_id}/scorecard` | allow | deny | allow | allow | allow | allow | allow |
| `GET /city/{city_id}/survey` | deny | deny | deny | allow | deny | deny | allow |
| `POST /city/{city_id}/survey` | deny | deny | deny | allow | deny | deny | allow |
| `GET /compare` | allow | deny | allow | allow | allow | allow | allow |
| `GET /download/{path:path}` | allow | deny | allow | allow | allow | allow | allow |
| `GET /downloads` | allow | deny | allow | allow | allow | allow | allow |
| `GET /login` | allow | allow | allow | allow | allow | allow | allow |
| `POST /login` | allow | allow | allow | allow | allow | allow | allow |
| `POST /logout` | deny | deny | allow | allow | allow | allow | allow |
| `GET /openapi.json` | allow | deny | allow | allow | allow | allow | allow |
| `GET /static/{path}` | allow | allow | allow | allow | allow | allow | allow |
| `GET /tiles/{city_id}/{layer}/{z}/{x}/{y}.png` | allow | deny | allow | allow | allow | allow | allow |
"""


@dataclass(frozen=True)
class Req:
    """The concrete request of a route: a URL naming city A, and what a POST sends (``form``
    or ``json``; ``csrf`` adds the session's token, as the pages do)."""

    url: str
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    csrf: bool = True


#: one request per route; scorecard answers go to a question of the cell's own (see _save)
REQUESTS: dict[str, Req] = {
    "GET /": Req("/"),
    "GET /admin": Req("/admin"),
    "POST /admin/rerun": Req("/admin/rerun", form={}),
    "POST /admin/users/{username}": Req("/admin/users/zed", form={"role": "viewer",
                                                                   "cities": ""}),
    "GET /api": Req("/api"),
    "GET /api/v1/cities": Req("/api/v1/cities"),
    "GET /api/v1/cities/{city_id}": Req("/api/v1/cities/almaty"),
    "POST /api/v1/cities/{city_id}/scorecard/{level}/{question_id}":
        Req("/api/v1/cities/almaty/scorecard/preliminary/{question}",
            json={"score": 2, "comment": "matrix", "evidence_url": "", "base_version": 0}),
    "GET /api/v1/cities/{city_id}/layers": Req("/api/v1/cities/almaty/layers"),
    "GET /api/v1/cities/{city_id}/values": Req("/api/v1/cities/almaty/values"),
    "GET /api/v1/cities/{city_id}/vectors/{name}.geojson":
        Req("/api/v1/cities/almaty/vectors/extents.geojson"),
    "GET /api/v1/indicators": Req("/api/v1/indicators"),
    "GET /api/v1/region/{layer}.geojson": Req("/api/v1/region/countries.geojson"),
    "GET /api/v1/values": Req("/api/v1/values?indicator=form.population"),
    "GET /city/{city_id}": Req("/city/almaty"),
    "GET /city/{city_id}/scorecard": Req("/city/almaty/scorecard"),
    "GET /city/{city_id}/survey": Req("/city/almaty/survey"),
    "POST /city/{city_id}/survey": Req("/city/almaty/survey", form={
        "profile": "city_finance", "respondent": "matrix", "risk_reduction|net_benefit": "3"}),
    "GET /compare": Req("/compare?cities=almaty,bishkek"),
    "GET /download/{path:path}": Req("/download/manifest.json"),
    "GET /downloads": Req("/downloads"),
    "GET /login": Req("/login"),
    "POST /login": Req("/login", form={"username": "vera", "password": PASSWORD, "next": "/"},
                       csrf=False),
    "POST /logout": Req("/logout", form={}),
    "GET /openapi.json": Req("/openapi.json"),
    "GET /static/{path}": Req("/static/portal.css"),
    "GET /tiles/{city_id}/{layer}/{z}/{x}/{y}.png": Req("/tiles/almaty/atlas_class_2020/13/0/0.png"),
}
#: the scorecard question each column saves (a question of its own: no edit conflicts)
QUESTION = dict(zip(ROLES, ("P1.1", "P1.2", "P1.3", "P2.1", "P2.2", "P2.3", "P2.4"), strict=True))


def parse_matrix(text: str = MATRIX) -> dict[str, dict[str, str]]:
    """``{"METHOD /path": {column: "allow" | "deny"}}`` from the Markdown table."""
    rows = [line for line in text.strip().splitlines()[2:]]
    out: dict[str, dict[str, str]] = {}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 1 + len(ROLES), line
        route = cells[0].strip("`")
        assert route not in out, f"two rows for {route}"
        assert set(cells[1:]) <= {"allow", "deny"}, line
        out[route] = dict(zip(ROLES, cells[1:], strict=True))
    return out


def app_routes(app: Any) -> set[str]:
    """``"METHOD /path"`` of every route the application serves (included routers walked;
    a mount is ``GET /mount/{path}``; HEAD is left out, it follows GET)."""
    try:   # FastAPI ≥ 0.120 keeps included routers lazily; walk them
        from fastapi.routing import iter_route_contexts
        routes = [(r.path, r.methods, r.original_route) for r in iter_route_contexts(app.routes)]
    except ImportError:
        routes = [(r.path, getattr(r, "methods", None), r) for r in app.routes]
    out = set()
    for path, methods, route in routes:
        if methods is None:      # a Mount (static files)
            assert type(route).__name__ == "Mount", route
            out.add(f"GET {path}/{{path}}")
            continue
        for m in methods:
            if m != "HEAD":
                out.add(f"{m} {path}")
    return out


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return make_fake_out(tmp_path_factory.mktemp("authz") / "out")


def _app(study: Path, db: Path, allow_anonymous: bool):
    app = create_app(study, db_url=f"sqlite:///{db}", allow_anonymous=allow_anonymous)
    if not app.state.accounts.users():
        for name, role, cities in (*ACCOUNTS.values(), TARGET):
            app.state.accounts.create_user(name, PASSWORD, role, cities=cities)
    return app


@pytest.fixture(scope="module")
def reruns():
    """The analyst's re-run without running the study: the calls are recorded."""
    from carlcities.portal import rerun

    calls: list[Any] = []
    mp = pytest.MonkeyPatch()
    mp.setattr(rerun, "rerun", lambda *a, **k: calls.append((a, k)))
    yield calls
    mp.undo()


@pytest.fixture(scope="module")
def apps(study: Path, tmp_path_factory, reruns) -> dict[bool, Any]:
    db = tmp_path_factory.mktemp("authz-db") / "accounts.sqlite"
    return {True: _app(study, db, True), False: _app(study, db, False)}


def login(app: Any, username: str) -> TestClient:
    """A client signed in as ``username`` through the sign-in form."""
    c = TestClient(app)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text[:300]
    assert c.cookies.get("carlcities_session")
    return c


def csrf_of(c: TestClient, app: Any) -> str:
    token = c.cookies.get("carlcities_session")
    return app.state.accounts.csrf_token(token) if token else ""


def outcome(status: int, location: str | None) -> str:
    if status in (401, 403) or (status in (302, 303, 307) and (location or "").startswith(
            "/login")):
        return "deny"
    if 200 <= status < 400 or status == 409:
        return "allow"
    return f"unexpected {status}"


def call(app: Any, c: TestClient, route: str, role: str) -> tuple[int, str | None]:
    req = REQUESTS[route]
    method = route.split(" ", 1)[0]
    url = req.url.replace("{question}", QUESTION[role])
    if method == "GET":
        r = c.get(url, follow_redirects=False)
    else:
        headers = {}
        form = dict(req.form) if req.form is not None else None
        if req.csrf:
            token = csrf_of(c, app) or "no-session"
            headers["X-CSRF-Token"] = token
            if form is not None:
                form["csrf_token"] = token
        r = c.request(method, url, data=form, json=req.json, headers=headers,
                      follow_redirects=False)
    return r.status_code, r.headers.get("location")


def test_every_route_has_a_row(apps):
    have = app_routes(apps[True])
    rows = set(parse_matrix())
    assert have - rows == set(), "routes without a row in MATRIX (add one, and a request)"
    assert rows - have == set(), "rows of MATRIX for routes the application does not have"
    assert set(REQUESTS) == rows
    assert app_routes(apps[False]) == have


def test_docs_carry_the_matrix():
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOC} needs the matrix between {BEGIN} and {END}"
    inside = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert inside == MATRIX.strip(), "docs/portal.md's matrix differs from the test's; " \
                                     "copy MATRIX from tests/test_portal_authz.py"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(apps, role: str):
    """Every route for one column; all cells checked, then every wrong one reported."""
    app = apps[role != "closed"]
    clients: dict[str, TestClient] = {}

    def client() -> TestClient:
        # a fresh sign-in per request that ends the session (logout), one otherwise
        if role in ("anon", "closed"):
            return TestClient(app)
        if "c" not in clients:
            clients["c"] = login(app, ACCOUNTS[role][0])
        return clients["c"]

    wrong = []
    for route, expect in sorted(parse_matrix().items()):
        c = login(app, ACCOUNTS[role][0]) if route == "POST /logout" and role in ACCOUNTS \
            else client()
        status, location = call(app, c, route, role)
        got = outcome(status, location)
        if got != expect[role]:
            wrong.append(f"{route}: expected {expect[role]}, got {got} ({status} {location})")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


def test_denied_writes_change_nothing(apps):
    """A refused save leaves no answer and no audit row; an allowed one leaves both."""
    app = apps[True]
    store = app.state.accounts
    route = "POST /api/v1/cities/{city_id}/scorecard/{level}/{question_id}"
    expect = parse_matrix()[route]
    for i, role in enumerate(ROLES[2:]):
        c = login(app, ACCOUNTS[role][0])
        r = c.post(f"/api/v1/cities/almaty/scorecard/preliminary/P3.{i + 1}",
                   json={"score": 1, "comment": role, "evidence_url": "", "base_version": 0},
                   headers={"X-CSRF-Token": csrf_of(c, app)})
        assert outcome(r.status_code, None) == expect[role], (role, r.status_code)
    answers = store.answers("almaty", "preliminary")
    saved = {a.comment for q, a in answers.items() if q.startswith("P3.")}
    assert saved == {r for r in ROLES[2:] if expect[r] == "allow"} == {"editor_a", "admin"}
    audited = {(a["who"], a["target"]) for a in store.audit("almaty", limit=1000)
               if str(a["target"]).startswith("preliminary/P3.") or "P3." in str(a["target"])}
    assert {w for w, _t in audited} == {"edna", "root"}


def test_reruns_started_only_where_allowed(apps, reruns):
    """A re-run starts (the stub is called, with this study) exactly for the columns the
    matrix allows, and a refused request starts nothing."""
    import time

    app = apps[True]
    expect = parse_matrix()["POST /admin/rerun"]
    for role in ROLES[2:]:
        c = login(app, ACCOUNTS[role][0])
        n = len(reruns)
        while getattr(app.state, "rerun", None) is not None and \
                app.state.rerun.status == "running":
            time.sleep(0.05)
        status, _ = call(app, c, "POST /admin/rerun", role)
        t0 = time.time()
        while expect[role] == "allow" and len(reruns) == n and time.time() - t0 < 10:
            time.sleep(0.05)
        assert len(reruns) - n == (1 if expect[role] == "allow" else 0), (role, status)
    assert all(Path(a[1]) == app.state.source.out_dir for a, _k in reruns)


def test_roles_module_matrix_matches():
    """The per-action matrix of :mod:`carlcities.portal.roles` agrees with the routes'."""
    from carlcities.portal.roles import matrix

    m = {r["role"]: r for r in matrix()}
    assert m["viewer"]["edit_scorecard"] == "—" and m["editor"]["edit_scorecard"] == \
        "own cities" and m["admin"]["edit_scorecard"] == "yes"
    assert re.fullmatch(r"yes", m["analyst"]["rerun"]) and m["editor"]["rerun"] == "—"
