"""Report pages people read and print: one page per language with no leftovers of the other,
the city and the region at a glance first, links to the data, units in Russian typography,
and the PDF (A4, contents page, page numbers)."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from carlcities.report import build_report
from carlcities.report.lang import fmt_lang, half, ru_units, unit_ru
from tests.report_text import latin_leftovers, text_nodes
from tests.test_report import CITIES, make_fake_out

_CYR = re.compile("[А-Яа-яЁё]")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = make_fake_out(tmp_path_factory.mktemp("pages"))
    (out / "exports").mkdir()
    (out / "exports" / "indicator_values.csv").write_text("city_id\n", encoding="utf-8")
    return build_report(out)


def _pages(report: Path, lang: str) -> list[Path]:
    return [report.with_name(f"index.{lang}.html"),
            *sorted((report.parent / "cities").glob(f"*.{lang}.html"))]


def test_the_leftover_check_finds_english():
    html = ("<html><body><p>Hello world</p><p>Привет, world</p><code>form.population</code>"
            "<p translate='no'>Kazinform 2026</p><p>PM2.5 — 12,5</p><p>3 km</p>"
            "<img alt='Map of Osh'></body></html>")
    bad = [s for _w, s in latin_leftovers(html)]
    assert bad == ["Hello world", "3 km", "Map of Osh"]


def test_russian_pages_have_no_english(report: Path):
    pages = _pages(report, "ru")
    assert len(pages) == 1 + len(CITIES)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="ru">' in html
        assert latin_leftovers(html) == [], page.name
        # units after numbers are Russian ('4 030 м', not '4 030 m')
        for _w, s in text_nodes(html):
            assert not re.search(r"\d[ \u00a0\u202f](m|km|ha|USD|persons)\b", s), (page.name, s)


def test_english_pages_have_no_russian(report: Path):
    for page in _pages(report, "en"):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en">' in html and not re.search(r'\slang="ru"', html)
        bad = [s for _w, s in text_nodes(html) if _CYR.search(s)]
        assert bad == [], (page.name, bad[:5])


def test_pages_link_their_languages(report: Path):
    ru = (report.parent / "cities" / "almaty.ru.html").read_text(encoding="utf-8")
    for target in ("almaty.html", "almaty.en.html", "almaty.ru.html", "../index.ru.html"):
        assert f'href="{target}"' in ru
    index_ru = report.with_name("index.ru.html").read_text(encoding="utf-8")
    assert 'href="cities/almaty.ru.html"' in index_ru


def test_city_at_a_glance_comes_first(report: Path):
    cities = report.parent / "cities"
    for lang in ("", ".en", ".ru"):
        html = (cities / f"almaty{lang}.html").read_text(encoding="utf-8")
        assert 0 < html.index('id="glance"') < html.index('id="h-ind"') < html.index('id="data"')
    data = json.loads((cities / "almaty.json").read_text(encoding="utf-8"))
    pop = next(b for b in data["indicators"]
               if b["indicator"]["indicator_id"] == "form.population")["epochs"]
    (e1, v1), (e2, v2) = [(r["epoch"], r["value"]) for r in pop][-2:]
    rate = 100 * ((v2 / v1) ** (1 / (e2 - e1)) - 1)
    html = (cities / "almaty.en.html").read_text(encoding="utf-8")
    assert f"{fmt_lang(v2)} residents on the city&#39;s grid in {e2}; {rate:.2f} % a year since {e1}" \
        in html
    # the findings: the city's latest values furthest from the middle of its peers
    ranks = {b["indicator"]["indicator_id"]: b["epochs"][-1]["percentile_rank"]
             for b in data["indicators"] if b["indicator"]["indicator_id"] != "form.population"
             and b["epochs"][-1]["percentile_rank"] is not None}
    shown = re.findall(r'<li data-indicator="([^"]+)">', html.split('id="h-ind"')[0])
    assert 1 <= len(shown) <= 5
    far = sorted(abs(r - 50) for r in ranks.values())[::-1][:len(shown)]
    assert sorted((abs(ranks[i] - 50) for i in shown), reverse=True) == far


def test_region_at_a_glance(report: Path):
    html = report.with_name("index.ru.html").read_text(encoding="utf-8")
    assert html.index('id="glance"') < html.index('id="h-table"')
    total = sum(c[6] for c in CITIES)
    assert fmt_lang(total, "ru") in html
    assert "Ташкент" in html.split('id="h-table"')[0]   # the largest city


def test_data_links_resolve(report: Path):
    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs: list[str] = []
            self.inside = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section" and a.get("id") == "data":
                self.inside = True
            elif tag == "a" and self.inside:
                self.hrefs.append(a["href"])

        def handle_endtag(self, tag):
            if tag == "section":
                self.inside = False

    for page in [report.parent / "cities" / "almaty.ru.html", report]:
        p = Links()
        p.feed(page.read_text(encoding="utf-8"))
        assert any(h.endswith("manifest.json") for h in p.hrefs)
        assert any(h.endswith("exports/indicator_values.csv") for h in p.hrefs)
        for h in p.hrefs:
            assert (page.parent / h).resolve().is_file(), (page.name, h)
    p = Links()
    p.feed((report.parent / "cities" / "almaty.html").read_text(encoding="utf-8"))
    assert any(h.endswith("rasters/almaty/atlas_class_2020.tif") for h in p.hrefs)


def test_captions_list_only_the_figures_own_inputs(report: Path):
    cities = report.parent / "cities"
    figs = json.loads((cities / "almaty.json").read_text(encoding="utf-8"))["figures"]
    own = {"atlas": "atlas_class_", "expansion": "atlas_class_", "growth": "growth_",
           "density": "population_"}
    for key, prefix in own.items():
        names = [i["name"] for i in figs[key]["inputs"]]
        assert names and all(n.startswith(f"rasters/almaty/{prefix}") for n in names), names
        for i in figs[key]["inputs"]:
            assert (cities / i["href"]).resolve().is_file()
    html = (cities / "almaty.en.html").read_text(encoding="utf-8")
    assert "national statistics office" not in html.split('id="h-maps"')[1].split("</section>")[0]


def test_units_and_numbers_in_russian():
    assert unit_ru("USD/person") == "долл. США/чел."
    assert unit_ru("t CO2e/person/yr") == "т CO₂-экв./чел./год"
    assert unit_ru("m") == "м" and unit_ru("persons/ha") == "чел./га" and unit_ru("km²") == "км²"
    assert unit_ru("M USD / млн USD") == "млн USD"          # a bilingual unit: its Russian half
    assert ru_units("4 030 m; 5 210 USD/person; 3 km") == "4 030 м; 5 210 долл. США/чел.; 3 км"
    assert ru_units("0,21 g, MSK-64") == "0,21 g, MSK-64"   # no Russian form
    assert fmt_lang(1234.5, "ru") == "1\u202f234" and fmt_lang(2.345, "ru") == "2,35"
    assert fmt_lang(math.nan, "ru") == "—"
    assert half("Map of Osh. Карта Оша.", "ru") == "Карта Оша."
    assert half("5 km / 5 км", "en") == "5 km"


# -- PDF ----------------------------------------------------------------------------------------

def _need_pdf() -> None:
    from carlcities.report.pdf import pdf_available

    why = pdf_available()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the PDF writer is missing: {why}")
        pytest.skip(f"PDF writer missing (see README, prerequisites): {why}")


def test_pdf_has_contents_page_numbers_and_the_summary_first(report: Path):
    _need_pdf()
    from carlcities.report.pdf import write_pdfs

    pdfs = write_pdfs(report.parent, cities=["almaty"], langs=("ru",))
    assert [p.name for p in pdfs] == ["index.ru.pdf", "almaty.ru.pdf"]
    pdf = report.parent / "pdf" / "almaty.ru.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext (poppler-utils) missing: page text not checked")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Page size:\s+595.* x 841.* \(A4\)", info), info
    pages = text.split("\f")[:-1]
    n = len(pages)
    assert n >= 4
    assert "Кратко" in pages[0] and "Алматы" in pages[0]
    contents = next(i for i, p in enumerate(pages) if "Содержание" in p and ". . . . ." in p)
    assert contents <= 3                                   # after the summary pages
    m = re.search(r"Ключевые показатели в сравнении[ .]+(\d+)", pages[contents])
    assert m and "Ключевые показатели в сравнении" in pages[int(m.group(1)) - 1]
    for i, p in enumerate(pages):
        assert re.search(rf"\b{i + 1}\s*/\s*{n}\b", p), f"page {i + 1} has no page number"


def test_pdf_refused_cleanly_without_the_page(tmp_path: Path):
    from carlcities.report.pdf import ReportError, write_pdfs

    with pytest.raises(ReportError, match="missing") as e:
        write_pdfs(tmp_path)
    assert "carlcities report" in str(e.value)


@pytest.mark.slow
def test_demo_cities_in_russian_and_print(tmp_path: Path):
    """Almaty and Kulob of the demo region: every section, in Russian, no English left."""
    from carlcities import run_study
    from carlcities.config import load_config

    cfg = tmp_path / "study.yaml"
    cfg.write_text(f"data:\n  demo_dir: {tmp_path / 'demo'}\n", encoding="utf-8")
    out = tmp_path / "out"
    run_study(load_config(cfg), out, cities=["almaty", "kulob"], workers=1)
    for city in ("almaty", "kulob"):
        html = (out / "report" / "cities" / f"{city}.ru.html").read_text(encoding="utf-8")
        assert latin_leftovers(html) == [], city
        for sec in ('id="ghg"', 'id="risk"', 'id="options"', 'compare glance-risk',
                    'compare glance-ghg', 'data-kind="cog"'):
            assert sec in html, (city, sec)
        figs = json.loads((out / "report" / "cities" / f"{city}.json").read_text())["figures"]
        school = " ".join(i["name"] for i in figs["mob_access_school_m"]["inputs"])
        assert "OpenStreetMap" in school and "GHS_POP" in school
        assert "GHS_BUILT_S" not in school and "MOD11A2" not in school
        assert figs["density"]["basemap"].startswith("OpenStreetMap")
        en = (out / "report" / "cities" / f"{city}.en.html").read_text(encoding="utf-8")
        assert not [s for _w, s in text_nodes(en) if _CYR.search(s)]


def test_pdf_without_weasyprint_names_the_fix(tmp_path: Path, monkeypatch):
    from carlcities.report import pdf

    monkeypatch.setattr(pdf, "pdf_available", lambda: "WeasyPrint cannot be loaded: no Pango")
    page = tmp_path / "index.ru.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(pdf.ReportError) as e:
        pdf.write_pdf(page, tmp_path / "x.pdf")
    assert "no Pango" in str(e.value) and "libpango-1.0-0" in str(e.value)
    assert not (tmp_path / "x.pdf").exists()


def test_report_command_writes_pdfs(tmp_path: Path):
    _need_pdf()
    from typer.testing import CliRunner

    from carlcities.cli import app

    out = make_fake_out(tmp_path / "out", raster_size=12)
    r = CliRunner().invoke(app, ["report", "--out", str(out), "--pdf", "--pdf-cities",
                                 "bishkek"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (out / "report" / "pdf").iterdir()) == [
        "bishkek.en.pdf", "bishkek.ru.pdf", "index.en.pdf", "index.ru.pdf"]


def test_chart_images_follow_the_page_language(report: Path):
    """Charts with words: NAME.ru.png on the Russian page, NAME.png on the English and the
    bilingual page (report/figlang.py); maps (no words) the same image everywhere."""
    cities = report.parent / "cities"
    srcs = {lang: re.findall(r'<img[^>]* src="([^"]+\.png)"',
                             (cities / f"almaty{lang}.html").read_text(encoding="utf-8"))
            for lang in ("", ".en", ".ru")}
    ru = [s for s in srcs[".ru"] if s.endswith(".ru.png")]
    assert ru, srcs[".ru"]
    assert not [s for s in srcs[".en"] + srcs[""] if s.endswith(".ru.png")]
    assert len(srcs[".ru"]) == len(srcs[".en"]) == len(srcs[""])
    assert sorted(s.replace(".ru.png", ".png") for s in srcs[".ru"]) == sorted(srcs[".en"])
    for s in srcs[".ru"] + srcs[".en"]:
        assert (cities / s).is_file(), s
    index = {lang: report.with_name(f"index{lang}.html").read_text(encoding="utf-8")
             for lang in (".en", ".ru")}
    assert "region-map.ru.png" in index[".ru"] and "region-map.ru.png" not in index[".en"]


def test_the_scale_bar_keeps_its_number_in_each_language():
    """The map scale bar reads "5 km" and "5 км" on the one-language pages (it read "км",
    without its number, on the Russian pages until the label carried the number twice)."""
    from carlcities.report.lang import half
    from carlcities.report.maps import _scale as scale_of

    for width_km, en, ru in ((23.0, "5 km", "5 км"), (3.0, "500 m", "500 м"),
                             (90.0, "20 km", "20 км")):
        label = scale_of(width_km)["label"]
        assert half(label, "en") == en and half(label, "ru") == ru, label
