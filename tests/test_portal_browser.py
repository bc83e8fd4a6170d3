"""The portal in a real browser: Debian's Chromium driven by Playwright, headless, against
`carlcities serve`'s application in a thread, over a real two-city demo run. Opens the region
map and changes the indicator, opens a city, switches layers and the epoch, compares two cities,
switches to Russian; saves screenshots (``$CARLCITIES_TEST_ARTEFACTS`` or a temporary folder)
and checks that the browser asked no other host for anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.portal_server import chromium, serving
from tests.report_text import latin_leftovers

pytestmark = pytest.mark.slow

CITIES = ["osh", "aktau"]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A real run of two demo cities (``$CARLCITIES_PORTAL_STUDY``: an existing one)."""
    if os.environ.get("CARLCITIES_PORTAL_STUDY"):
        return Path(os.environ["CARLCITIES_PORTAL_STUDY"])
    from carlcities import run_study
    from carlcities.config import load_config

    tmp = tmp_path_factory.mktemp("portal-study")
    cfg = tmp / "study.yaml"
    cfg.write_text(f"data:\n  demo_dir: {tmp / 'demo'}\n", encoding="utf-8")
    run_study(load_config(cfg), tmp / "out", cities=CITIES, workers=1)
    return tmp / "out"


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    d = Path(os.environ.get("CARLCITIES_TEST_ARTEFACTS") or tmp_path_factory.mktemp("shots"))
    d = d / "portal"
    d.mkdir(parents=True, exist_ok=True)
    return d


PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(study: Path, tmp_path_factory):
    from carlcities.portal.app import create_app

    db = tmp_path_factory.mktemp("accounts") / "accounts.sqlite"
    app = create_app(study, db_url=f"sqlite:///{db}")
    if getattr(app.state, "accounts", None) is not None:
        for name in ("editor1", "editor2"):
            app.state.accounts.create_user(name, PASSWORD, "editor", cities=("osh",))
        for role in ("viewer", "analyst", "admin"):
            app.state.accounts.create_user(f"the_{role}", PASSWORD, role)
    yield from serving(app)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.external = []        # type: ignore[attr-defined]
    pg.errors = []          # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.external.append(r.url)
          if not r.url.startswith((server, "data:", "blob:")) else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    assert pg.external == [], f"requests to other hosts: {pg.external}"
    assert pg.errors == [], f"script errors: {pg.errors}"
    ctx.close()


def test_region_map_and_indicator(page, server, artefacts):
    page.goto(server + "/?lang=en")
    page.wait_for_selector("#region-map[data-ready]", state="attached", timeout=30000)
    before = page.inner_text("#region-legend")
    page.fill("#ind-search", "population")
    visible = page.eval_on_selector_all("#ind-select option:not([hidden])",
                                        "os => os.map(o => o.value)")
    assert visible and all("population" in v or "pop" in v for v in visible) is not None
    target = next(v for v in visible if v == "form.population")
    page.select_option("#ind-select", target)
    page.wait_for_selector(f"#region-map[data-indicator='{target}']", state="attached")
    after = page.inner_text("#region-legend")
    assert after != before and "Population" in after
    cells = page.eval_on_selector_all("#city-table .ind-val", "cs => cs.map(c => c.dataset.v)")
    assert len(cells) >= len(CITIES) and all(float(v) > 100_000 for v in cells)
    page.click("#city-table th:nth-child(3)")              # sort by population
    names = page.eval_on_selector_all("#city-table tbody tr",
                                      "rs => rs.map(r => r.dataset.city)")
    assert set(CITIES) <= set(names) and len(names) == len(cells)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artefacts / "region.png"))


def test_city_layers_and_epoch(page, server, artefacts):
    tiles = []
    page.on("response", lambda r: tiles.append((r.url, r.status, r.headers.get("content-type")))
            if "/tiles/" in r.url else None)
    page.goto(server + "/city/osh?lang=en")
    page.wait_for_selector("#city-map[data-ready]", state="attached", timeout=30000)
    page.wait_for_selector("#city-map[data-layer='atlas_class_2020']", state="attached")
    families = page.eval_on_selector_all("#layer-select option", "os => os.map(o => o.value)")
    assert {"atlas_class", "population", "builtup", "growth", "flood_depth_rp100"} \
        <= set(families)
    assert "urban built-up" in page.inner_text("#legend")
    page.select_option("#layer-select", "population")
    page.wait_for_selector("#city-map[data-layer='population_2020']", state="attached")
    page.eval_on_selector("#epoch-slider",
                          "e => { e.value = 0; e.dispatchEvent(new Event('input')); }")
    page.wait_for_selector("#city-map[data-layer='population_1990']", state="attached")
    assert page.inner_text("#epoch-out") == "1990"
    page.wait_for_timeout(2500)                              # tiles load
    pop = [t for t in tiles if "/population_1990/" in t[0]]
    assert pop and all(s == 200 and ct == "image/png" for _u, s, ct in pop)
    page.check("[data-overlay=districts]")
    page.screenshot(path=str(artefacts / "city.png"))
    page.locator("#charts").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artefacts / "city-charts.png"))
    # evidence links of a recommendation lead to rows on the page
    hrefs = page.eval_on_selector_all(".ev a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs
    for h in hrefs[:20]:
        assert page.locator(f"[id='{h[1:]}']").count() == 1 or h == "#recommendations", h


def test_compare_two_cities(page, server, artefacts):
    page.goto(server + "/compare?lang=en")
    for c in CITIES:
        page.check(f"input[name=city][value={c}]")
    page.click("#compare-go")
    page.wait_for_selector("#compare-table")
    assert "cities=" in page.url and all(c in page.url for c in CITIES)
    heads = page.eval_on_selector_all("#compare-table thead th", "ts => ts.map(t => t.innerText)")
    assert len(heads) == 1 + len(CITIES)
    page.wait_for_selector("#scatter[data-points]", state="attached")
    assert int(page.get_attribute("#scatter", "data-points")) == len(cells_of(page))
    page.screenshot(path=str(artefacts / "compare.png"), full_page=True)


def cells_of(page) -> list[str]:
    return page.eval_on_selector_all("input[name=city]", "cs => cs.map(c => c.value)")


def test_russian(page, server, artefacts):
    page.goto(server + "/city/osh?lang=en")
    page.wait_for_selector("#city-map[data-ready]", state="attached", timeout=30000)
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=ru]")
    page.wait_for_selector("#city-map[data-ready]", state="attached", timeout=30000)
    page.wait_for_timeout(1500)
    # the DOM after the scripts ran: legends, layer names and map labels included
    assert latin_leftovers(page.content()) == []
    page.screenshot(path=str(artefacts / "city-ru.png"))
    for url in ("/", "/compare?cities=osh,aktau", "/downloads", "/api"):
        page.goto(server + url)               # the cookie keeps Russian
        page.wait_for_timeout(1000)
        assert page.get_attribute("html", "lang") == "ru", url
        assert latin_leftovers(page.content()) == [], url
    page.goto(server + "/")
    page.wait_for_selector("#region-map[data-ready]", state="attached", timeout=30000)
    page.screenshot(path=str(artefacts / "region-ru.png"))


def _sign_in(page, server, user: str) -> None:
    page.goto(server + "/login?lang=en&next=/city/osh/scorecard")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-go")
    page.wait_for_selector("fieldset.question")


def test_scorecard_fill_save_and_conflict(browser, server, artefacts):
    pytest.importorskip("carlcities.portal.accounts")
    ctx1 = browser.new_context(viewport={"width": 1200, "height": 900})
    ctx2 = browser.new_context(viewport={"width": 1200, "height": 900})
    a, b = ctx1.new_page(), ctx2.new_page()
    _sign_in(a, server, "editor1")
    _sign_in(b, server, "editor2")                 # both have the page open
    q = "#q-P1\\.1"
    a.check(f"{q} input[type=radio][value='2']")
    a.wait_for_selector(f"{q} .status.ok")
    a.fill(f"{q} textarea", "Plan adopted in 2023 <b>not bold</b>")
    # a selector, not wait_for_function: the portal's CSP forbids the eval that needs
    a.wait_for_selector(f"{q}[data-version='2']", state="attached")
    assert a.inner_text("#progress") == "1"
    # the second editor answers the same question without having seen the first's answer
    b.check(f"{q} input[type=radio][value='3']")
    b.wait_for_selector(f"{q} .conflict:not([hidden])")
    text = b.inner_text(f"{q} .conflict")
    assert "editor1" in text and "Plan adopted in 2023 <b>not bold</b>" in text and "3" in text
    b.screenshot(path=str(artefacts / "scorecard-conflict.png"))
    b.click(f"{q} .keep-mine")
    b.wait_for_selector(f"{q} .status.ok")
    a.reload()
    a.wait_for_selector("fieldset.question")
    assert a.is_checked(f"{q} input[type=radio][value='3']")      # the second one's, kept
    assert a.inner_text("#progress") == "1"
    a.goto(server + "/city/osh/scorecard?lang=ru")
    a.wait_for_selector("fieldset.question")
    assert latin_leftovers(a.content()) == []
    a.screenshot(path=str(artefacts / "scorecard-ru.png"))
    ctx1.close()
    ctx2.close()


#: what each role sees in the browser: its name in the header, whether /admin opens (with the
#: re-run for analysts and administrators, the users for administrators), whether the scorecard
#: of Osh takes an answer
ROLE_VIEW = [
    ("the_viewer", "viewer", False, False, False),
    ("editor1", "city editor", False, False, True),
    ("the_analyst", "analyst", True, False, False),
    ("the_admin", "administrator", True, True, True),
]


@pytest.mark.parametrize(("user", "role", "rerun", "users", "edits"), ROLE_VIEW)
def test_each_role_signs_in_and_sees_what_it_may(browser, server, artefacts, user, role, rerun,
                                                 users, edits):
    pytest.importorskip("carlcities.portal.accounts")
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.goto(server + "/login?lang=en&next=/")
    pg.fill("input[name=username]", user)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-go")
    pg.wait_for_selector("form.who")
    assert f"{user} ({role})" in pg.inner_text("form.who")
    r = pg.goto(server + "/admin?lang=en")
    assert r is not None
    assert (r.status == 200) == rerun
    if rerun:
        assert pg.locator("#rerun-go").count() == 1
        assert (pg.locator("#users").count() == 1) == users
        pg.screenshot(path=str(artefacts / f"admin-{user}.png"))
    pg.goto(server + "/city/osh/scorecard?lang=en")
    q = "#q-P1\\.2"
    pg.wait_for_selector(q, state="attached")
    # read-only accounts get the questions as a disabled form; editors get a live one
    assert (pg.get_attribute(q, "disabled") is None) == edits, user
    if edits:
        # a value other than the one saved now, so that the click changes the answer
        free = pg.locator(f"{q} input[type=radio]:not(:checked)").first
        free.check()
        pg.wait_for_selector(f"{q} .status.ok", state="attached", timeout=15000)
    ctx.close()


def test_download_a_geopackage(browser, server, artefacts):
    ctx = browser.new_context(accept_downloads=True)
    pg = ctx.new_page()
    pg.goto(server + "/downloads?lang=en")
    link = pg.locator("#region-files a[href$='.gpkg']").first
    with pg.expect_download() as dl:
        link.click()
    path = artefacts / "study.gpkg"
    dl.value.save_as(str(path))
    import pyogrio

    layers = [name for name, _geom in pyogrio.list_layers(path)]
    assert layers, "the downloaded GeoPackage has no layers"
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    ctx.close()
