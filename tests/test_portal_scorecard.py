"""The portal's sign-in, scorecard and survey pages (over `carlcities.portal.accounts`, SQLite):
sign in and out, autosaved answers with optimistic concurrency (the second editor is told and
shown both), CSRF, roles per city, escaping of comments, surveys, a closed portal without
anonymous viewers, and Russian pages. Skipped where the accounts library is not installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

pytest.importorskip("carlcities.portal.accounts")

from carlcities.portal.app import create_app  # noqa: E402
from tests.report_text import latin_leftovers  # noqa: E402
from tests.test_report import make_fake_out  # noqa: E402

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("portal-acct")
    out = make_fake_out(tmp / "out")
    app = create_app(out, db_url=f"sqlite:///{tmp / 'accounts.sqlite'}")
    st = app.state.accounts
    st.create_user("ed1", PASSWORD, "editor", cities=("almaty",))
    st.create_user("ed2", PASSWORD, "editor", cities=("almaty",))
    st.create_user("viewer1", PASSWORD, "viewer")
    return app


def _login(app, user: str) -> TestClient:
    c = TestClient(app)
    r = c.post("/login", data={"username": user, "password": PASSWORD,
                               "next": "/city/almaty/scorecard"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/city/almaty/scorecard"
    return c


def _csrf(c: TestClient, url: str = "/city/almaty/scorecard") -> str:
    html = c.get(url).text
    m = re.search(r'"csrf": "([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert m, url
    return m.group(1)


def _save(c: TestClient, token: str | None, qid: str, score, comment: str, base: int,
          city: str = "almaty"):
    return c.post(f"/api/v1/cities/{city}/scorecard/preliminary/{qid}",
                  json={"score": score, "comment": comment, "evidence_url": "",
                        "base_version": base},
                  headers={"X-CSRF-Token": token} if token else {})


def test_login_refused_and_redirects_stay_local(app):
    c = TestClient(app)
    r = c.post("/login?lang=ru", data={"username": "ed1", "password": "wrong"})
    assert r.status_code == 401 and "Неверное имя пользователя или пароль" in r.text
    r = c.post("/login", data={"username": "ed1", "password": PASSWORD,
                               "next": "https://evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = c.post("/login", data={"username": "ed1", "password": PASSWORD, "next": "//evil"},
               follow_redirects=False)
    assert r.headers["location"] == "/"


def test_scorecard_page_and_autosave(app):
    c = _login(app, "ed1")
    html = c.get("/city/almaty/scorecard").text
    assert html.count('class="question"') == 47           # the preliminary level
    assert 'id="progress"' in html
    detailed = c.get("/city/almaty/scorecard?level=detailed").text
    assert detailed.count('class="question"') == 117
    token = _csrf(c)
    r = _save(c, token, "P1.1", 2, "<script>alert(1)</script>", 0)
    assert r.status_code == 200 and r.json()["answer"]["version"] == 1
    page = c.get("/city/almaty/scorecard").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert re.search(r'<output id="progress"[^>]*>1</output>', page)
    assert _save(c, token, "P1.1", 9, "", 1).status_code == 422          # score 0-3


def test_two_editors_never_lose_an_edit(app):
    a, b = _login(app, "ed1"), _login(app, "ed2")
    ta, tb = _csrf(a), _csrf(b)
    assert _save(a, ta, "P2.1", 1, "theirs", 0).status_code == 200
    r = _save(b, tb, "P2.1", 3, "mine", 0)                 # b opened it before a saved
    assert r.status_code == 409
    j = r.json()
    assert (j["theirs"]["score"], j["theirs"]["comment"], j["theirs"]["updated_by"]) == \
        (1, "theirs", "ed1")
    assert (j["yours"]["score"], j["yours"]["comment"]) == (3, "mine")
    assert _save(b, tb, "P2.1", 3, "mine", j["theirs"]["version"]).status_code == 200
    log = app.state.accounts.audit("almaty")
    assert [x["who"] for x in log][:2] == ["ed2", "ed1"]


def test_csrf_roles_and_cities(app):
    c = _login(app, "ed1")
    token = _csrf(c)
    assert _save(c, None, "P3.1", 1, "", 0).status_code == 403            # no token
    assert _save(c, "forged", "P3.1", 1, "", 0).status_code == 403
    assert _save(c, token, "P3.1", 1, "", 0, city="bishkek").status_code == 403
    v = _login(app, "viewer1")
    page = v.get("/city/almaty/scorecard").text
    assert "disabled" in page and '"csrf": ""' in page                    # read-only
    assert _save(v, _csrf(c), "P3.1", 1, "", 0).status_code == 403
    anon = TestClient(app)
    assert _save(anon, token, "P3.1", 1, "", 0).status_code in (401, 403)
    assert anon.get("/city/almaty/survey", follow_redirects=False).status_code == 303


def test_survey(app):
    c = _login(app, "ed1")
    token = _csrf(c, "/city/almaty/survey")
    form = {"csrf_token": token, "profile": "city_finance", "respondent": "ed1",
            "risk_reduction|net_benefit": "1/3", "risk_reduction|feasibility": "5"}
    r = c.post("/city/almaty/survey", data=form, follow_redirects=False)
    assert r.status_code == 303 and "saved=10" in r.headers["location"]
    rows = {(x["criterion"], x["versus"]): x["value"]
            for x in app.state.accounts.survey_rows("almaty") if x["respondent"] == "ed1"}
    assert rows[("risk_reduction", "net_benefit")] == pytest.approx(1 / 3)
    assert rows[("risk_reduction", "feasibility")] == 5
    bad = dict(form, **{"risk_reduction|feasibility": "11"})
    assert c.post("/city/almaty/survey", data=bad).status_code == 422
    assert c.post("/city/almaty/survey", data=dict(form, csrf_token="x")).status_code == 403


@pytest.mark.parametrize("url", ["/login", "/city/almaty/scorecard", "/city/almaty/survey"])
def test_russian(app, url: str):
    c = _login(app, "ed1")
    html = c.get(url + "?lang=ru").text
    assert '<html lang="ru">' in html and latin_leftovers(html) == [], url


def test_logout(app):
    c = _login(app, "ed1")
    token = _csrf(c)
    assert c.post("/logout", data={"csrf_token": "bad"}).status_code == 403
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert _save(c, token, "P4.1", 1, "", 0).status_code in (401, 403)


def test_closed_portal(tmp_path: Path):
    out = make_fake_out(tmp_path / "out")
    app = create_app(out, db_url=f"sqlite:///{tmp_path / 'a.sqlite'}", allow_anonymous=False)
    c = TestClient(app)
    r = c.get("/city/almaty", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert c.get("/api/v1/cities").status_code == 401
    assert c.get("/tiles/almaty/atlas_class_2020/1/0/0.png").status_code == 401
    assert c.get("/login").status_code == 200 and c.get("/static/portal.css").status_code == 200


def test_admin_page_roles_and_rerun(app, monkeypatch):
    import time

    import carlcities.portal.rerun as rerun_mod

    st = app.state.accounts
    for name, role in (("analyst1", "analyst"), ("admin1", "admin")):
        if st.user(name) is None:
            st.create_user(name, PASSWORD, role)
    assert TestClient(app).get("/admin", follow_redirects=False).status_code == 303
    assert _login(app, "viewer1").get("/admin").status_code == 403
    assert _login(app, "ed1").get("/admin").status_code == 403
    calls = []

    class Summary:
        run_id = "run-portal"

    def fake_rerun(store, out, config, **kw):
        calls.append((store, Path(out), config, kw))
        return Summary()

    monkeypatch.setattr(rerun_mod, "rerun", fake_rerun)
    an = _login(app, "analyst1")
    page = an.get("/admin")
    assert page.status_code == 200 and 'id="rerun-go"' in page.text
    assert 'id="users"' not in page.text                       # analysts do not manage users
    token = _csrf(an, "/admin")
    assert an.post("/admin/rerun", data={"csrf_token": "bad"}).status_code == 403
    r = an.post("/admin/rerun", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    for _ in range(100):
        if 'data-status="done"' in an.get("/admin").text:
            break
        time.sleep(0.05)
    assert "run-portal" in an.get("/admin").text
    (store, out, _cfg, kw), = calls
    assert store is st and out == app.state.source.out_dir
    assert kw == {"cities": ["almaty", "bishkek", "tashkent"], "workers": 1}
    # the administrator changes a role; an editor may not
    ad = _login(app, "admin1")
    atok = _csrf(ad, "/admin")
    assert 'id="users"' in ad.get("/admin").text
    r = ad.post("/admin/users/viewer1", data={"csrf_token": atok, "role": "editor",
                                             "cities": "bishkek"}, follow_redirects=False)
    assert r.status_code == 303
    u = st.user("viewer1")
    assert (u.role, u.cities) == ("editor", ("bishkek",))
    assert ad.post("/admin/users/viewer1", data={"csrf_token": atok, "role": "king"}
                   ).status_code == 422
    ed = _login(app, "ed1")
    assert ed.post("/admin/users/ed1", data={"csrf_token": _csrf(ed), "role": "admin"}
                   ).status_code == 403
    ru = ad.get("/admin?lang=ru").text
    assert latin_leftovers(ru) == []
    st.set_role(None, "viewer1", "viewer", ())
