"""Attacks on the portal over HTTP (FastAPI's test client, real sign-ins): SQL injection in every
parameter that reaches a query, path traversal in download, tile and static URLs, cross-site
request forgery, stored and reflected script injection, session fixation and sign-out, the
login rate limit, and the security headers of every kind of answer.

The test client sends a percent-encoded path (``%2e%2e``, ``%2F``) to the application decoded,
as uvicorn does; so ``/download/%2e%2e/secret.txt`` reaches the router as
``/download/../secret.txt``, exactly what a raw ``..`` from ``curl --path-as-is`` gives.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from fastapi.testclient import TestClient

pytest.importorskip("carlcities.portal.accounts")

from carlcities.portal.accounts import CLIENT_FAILURES, FAILURE_WINDOW, MAX_FAILURES  # noqa: E402
from carlcities.portal.app import create_app  # noqa: E402
from carlcities.portal.pages import to_json  # noqa: E402
from tests.test_report import make_fake_out  # noqa: E402

PASSWORD = "correct horse battery staple"
SECRET = "SECRET-NOT-FOR-DOWNLOAD"
OUTSIDE = "OUTSIDE-THE-OUTPUT-DIRECTORY"
SQLI = ["' OR '1'='1", "almaty' OR '1'='1' --", "almaty'; DROP TABLE cities; --",
        "1 UNION SELECT username, password_hash FROM users --", '" OR 1=1 --',
        "almaty%' --", "'; DELETE FROM answers; --", "almaty\\'; --"]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("attacks")
    out = make_fake_out(tmp / "out")
    (out / "exports").mkdir()
    (out / "exports" / "indicator_values.csv").write_text("city_id\nalmaty\n", encoding="utf-8")
    (out / "secret.txt").write_text(SECRET, encoding="utf-8")
    (out / "secret.csv").write_text(SECRET, encoding="utf-8")
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "leak.csv").write_text(OUTSIDE, encoding="utf-8")
    (outside / "passwd").write_text(OUTSIDE, encoding="utf-8")
    # a real raster outside OUT, reachable only through links inside it
    shutil.copy(out / "rasters" / "almaty" / "atlas_class_2020.tif", outside / "atlas.tif")
    (out / "rasters" / "almaty" / "escape.tif").symlink_to(outside / "atlas.tif")
    (out / "exports" / "leak.csv").symlink_to(outside / "leak.csv")
    (out / "exports" / "outdir").symlink_to(outside, target_is_directory=True)
    (out / "rasters" / "evil").symlink_to(outside, target_is_directory=True)
    return out


def _users(app) -> None:
    st = app.state.accounts
    st.create_user("edna", PASSWORD, "editor", cities=("almaty",))
    st.create_user("ben", PASSWORD, "editor", cities=("bishkek",))
    st.create_user("vera", PASSWORD, "viewer")
    st.create_user("root", PASSWORD, "admin")


@pytest.fixture(scope="module")
def app(study: Path, tmp_path_factory):
    db = tmp_path_factory.mktemp("attacks-db") / "accounts.sqlite"
    a = create_app(study, db_url=f"sqlite:///{db}")
    _users(a)
    return a


@pytest.fixture()
def fresh_app(study: Path, tmp_path: Path):
    """An application with a database of its own (rate limits and clocks do not leak)."""
    a = create_app(study, db_url=f"sqlite:///{tmp_path / 'accounts.sqlite'}")
    _users(a)
    return a


def login(app, user: str = "edna", client: TestClient | None = None) -> TestClient:
    c = client or TestClient(app)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return c


def csrf(app, c: TestClient) -> str:
    return app.state.accounts.csrf_token(c.cookies.get("carlcities_session"))


def plant(c: TestClient, token: str) -> None:
    """Put a session cookie into ``c`` as the server's own would be stored (http.cookiejar
    files a dotless host under ``HOST.local``)."""
    c.cookies.set("carlcities_session", token, domain="testserver.local", path="/")


def save(c: TestClient, token: str | None, qid: str = "P1.1", *, comment: str = "",
         url: str = "", base: int = 0, city: str = "almaty", level: str = "preliminary",
         headers: dict[str, str] | None = None):
    h = dict(headers or {})
    if token is not None:
        h["X-CSRF-Token"] = token
    return c.post(f"/api/v1/cities/{city}/scorecard/{level}/{qid}",
                  json={"score": 1, "comment": comment, "evidence_url": url,
                        "base_version": base}, headers=h)


def _store_counts(out: Path) -> dict[str, int]:
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("cities", "indicators", "indicator_values", "runs")}
    finally:
        con.close()


# ------------------------------------------------------------------------- SQL injection
def _sqli_urls(p: str) -> list[tuple[str, set[int]]]:
    q = quote(p, safe="")
    nf = {404}
    return [(f"/api/v1/cities/{q}", nf), (f"/api/v1/cities/{q}/values", nf),
            (f"/api/v1/cities/{q}/values?format=csv", nf), (f"/api/v1/cities/{q}/layers", nf),
            (f"/api/v1/cities/{q}/vectors/extents.geojson", nf),
            (f"/api/v1/cities/almaty/vectors/{q}.geojson", nf),
            (f"/api/v1/region/{q}.geojson", nf), (f"/api/v1/values?indicator={q}", nf),
            (f"/api/v1/values?indicator=form.population{q}", nf),
            (f"/api/v1/cities/almaty/layers?lang={q}", {422}),
            (f"/api/v1/cities/almaty/values?format={q}", {422}),
            (f"/city/{q}", nf), (f"/city/{q}/scorecard", nf),
            (f"/city/almaty/scorecard?level={q}", nf),
            (f"/tiles/{q}/atlas_class_2020/1/0/0.png", nf),
            (f"/tiles/almaty/{q}/1/0/0.png", nf),
            (f"/compare?cities={q},almaty&ind={q}&x={q}&y={q}", {200}),
            (f"/?lang={q}", {200}), (f"/download/exports/{q}", nf),
            (f"/login?next={q}", {200})]


def test_sql_injection_is_handled_literally(app, study: Path):
    before = _store_counts(study)
    users_before = sorted(u.username for u in app.state.accounts.users())
    c = TestClient(app)
    bad = []
    for p in SQLI:
        for url, ok in _sqli_urls(p):
            r = c.get(url)
            if r.status_code not in ok:
                bad.append(f"{url}: {r.status_code} {r.text[:120]}")
            if r.status_code == 200 and url.startswith("/api/"):
                bad.append(f"{url}: answered 200")
    assert bad == []
    # the values of an injected indicator id are not the values of every indicator
    assert c.get("/api/v1/values?indicator=" + quote("' OR '1'='1")).status_code == 404
    # the compare page ignores the unknown ids: no city chosen but almaty
    page = c.get("/compare?cities=" + quote("almaty' OR '1'='1") + ",almaty").text
    assert "almaty' OR" not in page
    assert _store_counts(study) == before
    assert sorted(u.username for u in app.state.accounts.users()) == users_before


def test_sql_injection_in_user_names_and_answers(fresh_app, study: Path):
    c = TestClient(fresh_app)
    for p in SQLI[:MAX_FAILURES]:          # under the per-client limit
        r = c.post("/login", data={"username": p, "password": f"{p}' OR '1'='1"},
                   follow_redirects=False)
        assert r.status_code == 401, p
        assert "carlcities_session" not in r.headers.get("set-cookie", "")
    ed = login(fresh_app, "edna")
    token = csrf(fresh_app, ed)
    assert save(ed, token, "P1.1", comment=SQLI[2]).status_code == 200
    for p in SQLI:
        assert save(ed, token, quote(p, safe="")).status_code == 422, p
        assert save(ed, token, level=quote(p, safe="")).status_code == 404, p
        assert save(ed, token, city=quote(p, safe="")).status_code in (403, 404), p
    form = {"csrf_token": token, "profile": SQLI[2], "respondent": SQLI[6]}
    assert ed.post("/city/almaty/survey", data=form).status_code == 422
    form["profile"] = "city_finance"
    form["risk_reduction|feasibility"] = SQLI[0]
    assert ed.post("/city/almaty/survey", data=form).status_code == 422
    root = login(fresh_app, "root")
    rt = csrf(fresh_app, root)
    for p in SQLI:
        r = root.post(f"/admin/users/{quote(p, safe='')}",
                      data={"csrf_token": rt, "role": "admin", "cities": p})
        assert r.status_code in (404, 422), (p, r.status_code)
    r = root.post("/admin/users/vera", data={"csrf_token": rt, "role": SQLI[0], "cities": ""})
    assert r.status_code == 422
    st = fresh_app.state.accounts
    assert sorted(u.username for u in st.users()) == ["ben", "edna", "root", "vera"]
    assert {u.username: u.role for u in st.users()}["vera"] == "viewer"
    answers = st.answers("almaty", "preliminary")
    assert list(answers) == ["P1.1"] and answers["P1.1"].comment == SQLI[2]   # stored as text
    assert login(fresh_app, "vera")                                           # still works


# ------------------------------------------------------------------------- path traversal
TRAVERSAL = [
    "../secret.txt", "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt", "%2E%2E%2Fsecret.csv",
    "exports/%2e%2e/secret.csv", "exports/..%2f..%2fsecret.csv", "exports/..%5csecret.csv",
    "exports/%2e%2e/%2e%2e/outside/leak.csv", "%252e%252e/secret.csv", "..%00/secret.csv",
    "/etc/passwd", "%2Fetc%2Fpasswd", "%2F%2Fetc%2Fpasswd", "exports/%2Fetc%2Fpasswd",
    "exports/leak.csv", "exports/outdir/leak.csv", "exports/outdir/passwd",
    "rasters/almaty/escape.tif", "rasters/evil/atlas.tif", "rasters/almaty/%2e%2e/%2e%2e/secret.csv",
    "study.duckdb", "exports/%2e%2e/study.duckdb", "manifest.json/%2e%2e/secret.csv",
    "exports/indicator_values.csv%00.png", "runs/run-1/manifest.json",
    "exports/..;/secret.csv", "%c0%ae%c0%ae/secret.csv", "exports/.%2e/secret.csv",
]


@pytest.mark.parametrize("rel", TRAVERSAL)
def test_download_traversal(app, rel: str):
    r = TestClient(app).get(f"/download/{rel}")
    assert r.status_code in (400, 404), (rel, r.status_code)
    assert SECRET.encode() not in r.content and OUTSIDE.encode() not in r.content
    assert r.content[:2] not in (b"II", b"MM")              # no TIFF from outside


def test_accounts_database_is_not_downloadable(study: Path, monkeypatch):
    monkeypatch.delenv("CARLCITIES_PORTAL_DB", raising=False)
    a = create_app(study)                       # the default database, inside OUT
    db = Path(a.state.db_url.removeprefix("sqlite:///")).resolve()
    assert db.is_file() and study.resolve() in db.parents
    rel = db.relative_to(study.resolve()).as_posix()
    c = TestClient(a)
    for url in (rel, f"exports/%2e%2e/{rel}", f"report/%2e%2e/{rel}", f"manifest.json/../{rel}",
                "portal_cache/accounts.sqlite", "portal.sqlite"):
        r = c.get(f"/download/{url}")
        assert r.status_code == 404 and b"SQLite format" not in r.content, url


@pytest.mark.parametrize("url", [
    "/tiles/%2e%2e/atlas_class_2020/1/0/0.png", "/tiles/almaty/%2e%2e%2f%2e%2e%2fsecret/1/0/0.png",
    "/tiles/almaty/..%2F..%2Fstudy/1/0/0.png", "/tiles/almaty/%2Fetc%2Fpasswd/1/0/0.png",
    "/tiles/almaty/escape/1/0/0.png", "/tiles/evil/atlas/1/0/0.png",
    "/tiles/almaty/..%2Fbishkek%2Fatlas_class_2020/1/0/0.png",
    "/tiles/almaty/atlas_class_2020.tif%2F..%2F..%2F..%2Fsecret/1/0/0.png",
    "/tiles/almaty/atlas_class_2020/1/0/-1.png", "/tiles/almaty/atlas_class_2020/99/0/0.png",
    "/static/%2e%2e/app.py", "/static/..%2F..%2Fportal%2Fapp.py", "/static/%2e%2e/%2e%2e/errors.py",
    "/static/%2Fetc%2Fpasswd", "/static/vendor/%2e%2e/%2e%2e/accounts.py",
])
def test_tile_and_static_traversal(app, url: str):
    r = TestClient(app).get(url)
    assert r.status_code in (400, 404, 422), (url, r.status_code)
    assert b"import " not in r.content and OUTSIDE.encode() not in r.content
    assert r.headers.get("content-type") != "image/png"


def test_the_links_are_really_there(app, study: Path):
    """The traversal targets exist, so a 404 above is a refusal, not a missing file."""
    assert (study / "rasters" / "almaty" / "escape.tif").resolve().is_file()
    assert (study / "exports" / "outdir" / "leak.csv").read_text() == OUTSIDE
    c = TestClient(app)
    assert c.get("/download/exports/indicator_values.csv").status_code == 200
    assert c.get("/tiles/almaty/atlas_class_2020/1/0/0.png").status_code == 200


# ------------------------------------------------------------------------- CSRF
def test_csrf(fresh_app):
    a = fresh_app
    ed = login(a, "edna")
    token = csrf(a, ed)
    other = login(a, "edna")                          # the same editor, another browser
    ben = login(a, "ben")
    assert save(ed, None).status_code == 403                          # no token
    assert save(ed, "").status_code == 403
    assert save(ed, csrf(a, other)).status_code == 403                # another session's
    assert save(ed, csrf(a, ben)).status_code == 403                  # another user's
    assert save(ed, token.upper()).status_code == 403
    assert save(ed, token, headers={"Origin": "https://evil.example"}).status_code == 403
    assert save(ed, token, headers={"Origin": "null"}).status_code == 403
    r = ed.post(f"/api/v1/cities/almaty/scorecard/preliminary/P1.1?csrf_token={token}",
                json={"score": 1, "comment": "", "evidence_url": "", "base_version": 0})
    assert r.status_code == 403                                       # not from the query
    assert a.state.accounts.answers("almaty", "preliminary") == {}
    # forms: the survey, sign-out, sign-in from another site
    form = {"profile": "city_finance", "respondent": "x"}
    assert ed.post("/city/almaty/survey", data=form).status_code == 403
    assert ed.post("/city/almaty/survey", data=dict(form, csrf_token=csrf(a, ben))
                   ).status_code == 403
    assert ed.post("/logout", data={}).status_code == 403
    assert ed.post("/logout", data={"csrf_token": csrf(a, other)}).status_code == 403
    assert a.state.accounts.user_for_session(ed.cookies.get("carlcities_session")) is not None
    r = TestClient(a).post("/login", data={"username": "edna", "password": PASSWORD},
                           headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    # the control: the right token from the right origin is accepted
    assert save(ed, token, headers={"Origin": "http://testserver"}).status_code == 200


def test_csrf_token_of_an_expired_or_ended_session(fresh_app):
    from carlcities.portal.accounts import SESSION_TTL

    a = fresh_app
    st = a.state.accounts
    ed = login(a, "edna")
    token = csrf(a, ed)
    real = st.clock
    st.clock = lambda: real() + SESSION_TTL + 10
    try:
        assert save(ed, token).status_code == 403
    finally:
        st.clock = real
    assert save(ed, token).status_code in (401, 403)        # the session is gone for good
    ed2 = login(a, "edna")
    t2 = csrf(a, ed2)
    assert ed2.post("/logout", data={"csrf_token": t2}, follow_redirects=False).status_code \
        == 303
    plant(ed2, st_token := ed.cookies.get("carlcities_session") or "")
    assert st_token and save(ed2, t2).status_code == 403
    assert st.answers("almaty", "preliminary") == {}


# ------------------------------------------------------------------------- script injection
XSS = ['<script>alert(1)</script>', '</textarea><script>alert(1)</script>',
       '"><img src=x onerror=alert(1)>', "' autofocus onfocus='alert(1)",
       '<svg/onload=alert(1)>', '{{ 7*7 }}<b>x</b>']
BAD_LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
             "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
             'https://ok.example/" onfocus="alert(1)', "https://ok.example/<script>",
             "https://ok.example/'onmouseover='alert(1)", "//evil.example/x", "file:///etc/passwd"]


def test_stored_script_injection_is_escaped(fresh_app):
    a = fresh_app
    ed = login(a, "edna")
    token = csrf(a, ed)
    for i, x in enumerate(XSS):
        assert save(ed, token, f"P2.{i + 1}" if i < 4 else f"P3.{i - 3}", comment=x,
                    url="https://example.org/plan.pdf?a=1&b=2").status_code == 200, x
    for link in BAD_LINKS:
        assert save(ed, token, "P4.1", url=link).status_code == 422, link
    assert "P4.1" not in a.state.accounts.answers("almaty", "preliminary")
    for who in (ed, login(a, "vera"), TestClient(a)):
        page = who.get("/city/almaty/scorecard").text
        for x in XSS:
            assert x not in page, x
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;/textarea&gt;&lt;script&gt;" in page
        assert "onerror=alert(1)&gt;" in page and "<img src=x" not in page
        assert "{{ 7*7 }}" in page or "{{ 7*7 }}".replace(" ", "") in page   # not evaluated
        assert "49<b>" not in page
        assert 'value="https://example.org/plan.pdf?a=1&amp;b=2"' in page
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts)
    # nothing of them comes through raw on the administrator's page (audit log) either
    audit = login(a, "root").get("/admin")
    assert audit.status_code == 200 and 'id="audit"' in audit.text
    for x in XSS:
        assert x not in audit.text, x
    # the conflict answer carries the comment as JSON, never as HTML
    r = save(ed, token, "P2.1", comment="new", base=0)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("url", [
    "/login?next=" + quote('/"><script>alert(1)</script>', safe=""),
    "/city/" + quote("<script>alert(1)</script>", safe=""),
    "/city/" + quote("<script>alert(1)</script>", safe="") + "/scorecard",
    "/compare?cities=" + quote("<script>alert(1)</script>", safe="") + "&x=" +
    quote('"><script>alert(1)</script>', safe=""),
    "/?lang=" + quote("<script>alert(1)</script>", safe=""),
    "/api/v1/cities/" + quote("<script>alert(1)</script>", safe=""),
])
def test_reflected_script_injection(app, url: str):
    r = TestClient(app).get(url)
    assert r.status_code < 500
    assert "<script>alert(1)</script>" not in r.text
    if r.headers["content-type"].startswith("application/json"):
        assert r.headers["x-content-type-options"] == "nosniff"


def test_json_blocks_cannot_close_their_script():
    s = str(to_json({"x": "</script><script>alert(1)</script>", "y": "<!--<script>"}))
    assert "</script" not in s.lower() and "<!--" not in s


# ------------------------------------------------------------------------- sessions
def test_session_fixation_and_logout(fresh_app):
    a = fresh_app
    st = a.state.accounts
    c = TestClient(a)
    plant(c, "attacker-chosen-session-id")
    login(a, "edna", client=c)
    new = c.cookies.get("carlcities_session")
    assert new and new != "attacker-chosen-session-id"
    assert st.user_for_session("attacker-chosen-session-id") is None
    # a session someone planted (their own) is replaced at sign-in, and ended
    planted = login(a, "vera").cookies.get("carlcities_session")
    victim = TestClient(a)
    plant(victim, planted)
    login(a, "edna", client=victim)
    assert victim.cookies.get("carlcities_session") != planted
    assert st.user_for_session(planted) is None
    assert st.user_for_session(victim.cookies.get("carlcities_session")).username == "edna"
    # sign-out ends the session on the server, not only in the browser
    token = csrf(a, c)
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert re.search(r'carlcities_session=("")?;.*(Max-Age=0|expires=)', r.headers["set-cookie"],
                     re.I)
    assert st.user_for_session(new) is None
    replay = TestClient(a)
    plant(replay, new)
    assert save(replay, token).status_code == 403
    assert replay.get("/city/almaty/survey", follow_redirects=False).status_code == 303
    cookie = TestClient(a).post("/login", data={"username": "edna", "password": PASSWORD},
                                follow_redirects=False).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


# ------------------------------------------------------------------------- rate limit
def test_login_rate_limit_over_http(fresh_app):
    a = fresh_app
    st = a.state.accounts
    c = TestClient(a)
    for _ in range(MAX_FAILURES):
        assert c.post("/login", data={"username": "edna", "password": "wrong password!"}
                      ).status_code == 401
    r = c.post("/login", data={"username": "edna", "password": PASSWORD},
               follow_redirects=False)                  # the right password, too late
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "carlcities_session" not in r.headers.get("set-cookie", "")
    assert c.post("/login?lang=ru", data={"username": "edna", "password": PASSWORD}
                  ).status_code == 429
    login(a, "vera")                                    # another name from the same client
    for i in range(CLIENT_FAILURES - MAX_FAILURES):     # guessing over many names
        assert c.post("/login", data={"username": f"user{i}", "password": "x" * 12}
                      ).status_code == 401
    assert c.post("/login", data={"username": "ben", "password": PASSWORD},
                  follow_redirects=False).status_code == 429
    real = st.clock
    st.clock = lambda: real() + FAILURE_WINDOW + 5
    try:
        login(a, "edna")                                # the window has passed
    finally:
        st.clock = real


# ------------------------------------------------------------------------- headers
_ALLOWED_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}


@pytest.mark.parametrize("url,anonymous", [
    ("/", True), ("/city/almaty", True), ("/login", True), ("/api/v1/cities", True),
    ("/tiles/almaty/atlas_class_2020/1/0/0.png", True), ("/static/portal.css", True),
    ("/city/nowhere", True), ("/api/v1/cities/nowhere", True), ("/openapi.json", True),
    ("/api/v1/cities", False), ("/city/almaty", False)])
def test_security_headers(study: Path, tmp_path: Path, url: str, anonymous: bool):
    a = create_app(study, db_url=f"sqlite:///{tmp_path / 'a.sqlite'}",
                   allow_anonymous=anonymous)
    r = TestClient(a).get(url, follow_redirects=False)
    h = r.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    csp = {d.split()[0]: d.split()[1:] for d in h["content-security-policy"].split(";")
           if d.strip()}
    assert csp["frame-ancestors"] == ["'none'"] and csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    for directive, sources in csp.items():
        assert set(sources) <= _ALLOWED_SOURCES, (directive, sources)   # no other host
    assert "unsafe-eval" not in h["content-security-policy"]
