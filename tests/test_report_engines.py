"""City pages: the engines' own report sections and the run's method notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carlcities.engines.base import ReportSection
from carlcities.report import build_report
from carlcities.report import engine_sections as es
from carlcities.results import Study

from .test_report import make_fake_out


class NoiseEngine:
    name = "noise"

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def report_section(self, study, city_id, lang):
        assert isinstance(study, Study)
        self.calls.append((city_id, lang))
        if city_id != "almaty":
            return None
        n = len(study.values("form.builtup_density", city=city_id))
        text = f"{n} density values" if lang == "en" else f"{n} значения плотности"
        return ReportSection("noise", "Noise <levels>", "Шум <уровни>",
                             f'<p class="noise-body">{text} &amp; more</p>')


class Silent:
    name = "silent"   # no report_section at all


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> tuple[Path, NoiseEngine]:
    out = make_fake_out(tmp_path_factory.mktemp("out"), rasters=False)
    note = json.dumps({"step": "flood", "source": "flood_depth_rp100.tif", "fallback": True})
    (out / "manifest.json").write_text(json.dumps(
        {"run_id": "run-1", "city_notes": {"almaty": [note, "plain <words>"]}}))
    engine = NoiseEngine()
    mp = pytest.MonkeyPatch()
    mp.setattr(es, "registered_engines", lambda: {"silent": Silent(), "noise": engine})
    try:
        build_report(out)
    finally:
        mp.undo()
    return out / "report" / "cities", engine


def test_engine_section_in_both_languages(pages):
    cities, engine = pages
    html = (cities / "almaty.html").read_text(encoding="utf-8")
    assert '<section aria-labelledby="h-engine-noise" id="engine-noise"' in html
    assert "Noise &lt;levels&gt;" in html and "Шум &lt;уровни&gt;" in html   # titles escaped
    assert '<p class="noise-body">3 density values &amp; more</p>' in html   # body as given
    assert '<div class="engine-section" lang="ru"><p class="noise-body">3 значения плотности' \
        in html
    # near the end: after the indicator tables, before the footer
    assert html.index('id="h-districts"') < html.index("engine-noise") < html.index(
        'id="provenance"')
    assert ("almaty", "en") in engine.calls and ("almaty", "ru") in engine.calls
    data = json.loads((cities / "almaty.json").read_text(encoding="utf-8"))
    assert [s["key"] for s in data["engine_sections"]] == ["noise"]
    # a city the engine has nothing for gets no section
    other = (cities / "bishkek.html").read_text(encoding="utf-8")
    assert "engine-noise" not in other
    assert json.loads((cities / "bishkek.json").read_text())["engine_sections"] == []


def test_method_notes_collapsed(pages):
    cities, _engine = pages
    html = (cities / "almaty.html").read_text(encoding="utf-8")
    start = html.index('id="method-notes"')
    block = html[start:html.index("</section>", start)]
    assert "<details>" in block and "Method notes" in block and "Примечания к методам" in block
    assert "<strong>flood</strong>: source: flood_depth_rp100.tif; fallback: true" in block
    assert "plain &lt;words&gt;" in block
    assert "method-notes" not in (cities / "bishkek.html").read_text(encoding="utf-8")
    data = json.loads((cities / "almaty.json").read_text(encoding="utf-8"))
    assert data["method_notes"][0] == {"step": "flood",
                                      "text": "source: flood_depth_rp100.tif; fallback: true"}


def test_broken_engine_names_itself(tmp_path, monkeypatch):
    from carlcities.errors import ConfigError

    class Broken:
        name = "broken"

        def report_section(self, study, city_id, lang):
            raise RuntimeError("boom")

    out = make_fake_out(tmp_path / "out", rasters=False)
    monkeypatch.setattr(es, "registered_engines", lambda: {"broken": Broken()})
    with pytest.raises(ConfigError, match="broken.*boom"):
        build_report(out)


def test_registry_import_error_means_no_sections(monkeypatch):
    import carlcities.engines as engines

    def missing():
        raise ImportError("No module named 'carlcities.engines.form'")

    monkeypatch.setattr(engines, "registered", missing)
    assert es.registered_engines() == {}
