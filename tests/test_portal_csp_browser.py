"""The portal's Content Security Policy in a real browser (Debian's Chromium through Playwright,
headless): every page works under it — the maps start (MapLibre's ``blob:`` workers), tiles and
GeoJSON load, charts draw, the scorecard autosaves — and Chromium reports no violation. A small
fake study is enough (the point is the policy, not the data). Skipped without Chromium or
Playwright, failing under ``CI=true``."""

from __future__ import annotations

import pytest

from tests.portal_server import chromium, serving

pytestmark = pytest.mark.slow
pytest.importorskip("carlcities.portal.accounts")

PASSWORD = "correct horse battery staple"
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from carlcities.portal.app import create_app
    from tests.test_report import make_fake_out

    tmp = tmp_path_factory.mktemp("csp")
    app = create_app(make_fake_out(tmp / "out"), db_url=f"sqlite:///{tmp / 'a.sqlite'}")
    app.state.accounts.create_user("edna", PASSWORD, "editor", cities=("almaty",))
    yield from serving(app)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _open(browser, server: str):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    ctx.add_init_script(WATCH)
    pg = ctx.new_page()
    pg.console_csp = []          # type: ignore[attr-defined]
    pg.errors = []               # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.console_csp.append(m.text)
          if "Content Security Policy" in m.text else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    return ctx, pg


def _clean(pg) -> None:
    assert pg.evaluate("window.__csp") == [], "CSP violations"
    assert pg.console_csp == [] and pg.errors == []


@pytest.mark.parametrize("url,ready", [
    ("/", ".maplibregl-canvas"), ("/city/almaty", ".maplibregl-canvas"),
    ("/compare?cities=almaty,bishkek", "canvas"), ("/downloads", "table"), ("/api", "table"),
    ("/login", "form")])
def test_pages_work_under_the_policy(browser, server: str, url: str, ready: str):
    ctx, pg = _open(browser, server)
    tiles: list[int] = []
    pg.on("response", lambda r: tiles.append(r.status) if "/tiles/" in r.url else None)
    r = pg.goto(server + url)
    assert r is not None and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    pg.wait_for_selector(ready, state="attached", timeout=30_000)
    pg.wait_for_load_state("networkidle", timeout=30_000)
    if url.startswith("/city/"):
        assert tiles and set(tiles) == {200}, tiles       # the map asked for tiles: it runs
    _clean(pg)
    ctx.close()


def test_scorecard_autosaves_under_the_policy(browser, server: str):
    ctx, pg = _open(browser, server)
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "edna")
    pg.fill("input[name=password]", PASSWORD)
    pg.locator("form button, form input[type=submit]").first.click()
    pg.wait_for_load_state("networkidle")
    pg.goto(server + "/city/almaty/scorecard")
    saved = []
    pg.on("response", lambda r: saved.append(r.status) if "/scorecard/" in r.url and
          r.request.method == "POST" else None)
    pg.locator("fieldset.question input[type=radio]").first.check()
    pg.wait_for_timeout(1500)
    pg.wait_for_load_state("networkidle")
    assert saved and saved[-1] == 200, saved
    _clean(pg)
    ctx.close()
