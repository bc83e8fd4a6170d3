"""Every chart type of the report, drawn at the page's sizes with long names and awkward
values: no text leaves the figure and no two tick labels of an axis overlap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carlcities.report import charts, maps, sections
from tests.figure_fit import fit_problems
from tests.report_text import russian_enough

LONG_EN = ("Emergency response capacity (search and rescue, medical surge) with a very long "
           "name")
LONG_RU = "Потенциал экстренного реагирования (поисково-спасательные работы, медицина)"


#: the texts of each image saved under the ``checked`` fixture, by file name
WORDS: dict[str, list[str]] = {}


@pytest.fixture
def checked(monkeypatch):
    """Run the fit check on each figure as it is saved."""
    found: dict[str, list[str]] = {}
    orig = maps.save_figure

    def wrap(fig, path, *, tight=False):
        from matplotlib.text import Text

        found[Path(path).name] = fit_problems(fig, tight=tight)
        size = orig(fig, path, tight=tight)
        # the words drawn in the image (tick labels are set by the draw of savefig)
        # (mathtext markup of log-scale ticks, '$\\mathdefault{10^{4}}$', is not words)
        WORDS[Path(path).name] = [re.sub(r"\\mathdefault|[${}^]", "", t.get_text())
                                  for t in fig.findobj(Text)
                                  if t.get_visible() and t.get_text().strip()]
        return size

    for m in (charts, maps):     # sections and figlang save through maps.save_figure
        monkeypatch.setattr(m, "save_figure", wrap)
    return found


def test_the_fit_check_finds_problems(tmp_path: Path):
    fig = maps.new_figure(3, 2)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_title("a title much longer than a three-inch figure can hold " * 2, fontsize=9)
    ax.set_xticks(range(5))
    ax.set_xticklabels(["a long tick label"] * 5)
    p = fit_problems(fig)
    assert any("outside the figure" in x for x in p)
    assert any("tick labels overlap" in x for x in p)


def test_every_chart_fits(tmp_path: Path, checked):
    kw = {"city_en": "Kulob", "city_ru": "Куляб", "source": "test"}
    s = charts.Series("Built-up area density of the urban extent", "Плотность застройки",
                      "persons/ha", [1990, 2000, 2010, 2020], [120.0, 95.5, 80.1, 71.0],
                      [110.0, 100.0, 90.0, 85.0])
    charts.time_series([s, s, s], tmp_path / "ts.png", kind="chart", title_key="chart_title",
                       **kw)
    axes = [(f"Essential {i}: {LONG_EN[:30]}", f"Раздел {i}") for i in range(1, 11)]
    charts.radar(axes, [charts.RadarSeries("Kulob", "Куляб", [0.1 * i for i in range(10)],
                                           "#c0392b")], tmp_path / "radar.png", **kw)
    charts.ghg_pathways({"bau": ([2020, 2030, 2040, 2050], [1.2e6, 1.5e6, 1.9e6, 2.4e6]),
                         "compact": ([2020, 2030, 2040, 2050], [1.2e6, 1.3e6, 1.2e6, 1.1e6])},
                        tmp_path / "path.png", **kw)
    acts = [{"action_id": f"a{i}", "name_en": LONG_EN, "cost_usd_per_t": c,
             "abatement_2030_t": t} for i, (c, t) in
            enumerate([(-300, 5e4), (-20, 2e3), (15, 8e5), (60, 1e3), (850, 3e4), (9000, 10)])]
    charts.ghg_macc(acts, tmp_path / "macc.png", **kw)
    pts = [charts.CityPoint("bishkek", "Bishkek", 74.59, 42.87, 1.1e6, "KGZ", "Бишкек"),
           charts.CityPoint("taraz", "Taraz", 71.37, 42.90, 3.6e5, "KAZ", "Тараз"),
           charts.CityPoint("tokmok", "Tokmok", 75.29, 42.84, 7e4, "KGZ", "Токмок"),
           charts.CityPoint("almaty", "Almaty", 76.89, 43.24, 2.2e6, "KAZ", "Алматы"),
           charts.CityPoint("kulob", "Kulob", 69.78, 37.91, 2.1e5, "TJK", "Куляб")]
    charts.region_map(pts, tmp_path / "region.png", source="test")
    curves = [{"hazard": "earthquake", "curve": "loss", "return_period": rp, "x": x}
              for rp, x in ((10, 1e5), (100, 4e7), (475, 3e8), (2475, 9e8))]
    curves += [{"hazard": "flood", "curve": "loss", "return_period": rp, "x": x}
               for rp, x in ((10, 0.0), (100, 2e6), (1000, 7e6))]
    sections.loss_curve(curves, tmp_path / "lec.png", **kw)
    opts = [{"option_id": f"o{i}", "name_en": LONG_EN, "name_ru": LONG_RU,
             "ranks": [0.5, 0.3, 0.2]} for i in range(10)]
    sections.rank_chart(opts, tmp_path / "ranks.png", **kw)
    ids = ["scenario.land_take", "exposure.pop_new_flood_100", "exposure.pop_new_mudflow",
           "ghg.total"]
    sids = ["bau_sprawl", "compact", "tod", "risk_aware"]
    sc = {"scenarios": sids, "epoch": 2050,
          "table": [{"indicator_id": i, "name_en": "New residents in the 100-year flood zone",
                     "name_ru": "Новые жители в зоне паводка 1 % обеспеченности",
                     "values": {s: 1234567.0 * (j + 1) for j, s in enumerate(sids)}}
                    for i in ids]}
    sections.scenario_chart(sc, tmp_path / "scen.png", **kw)
    names = ["lec", "macc", "path", "radar", "ranks", "region", "scen", "ts"]
    # each chart once per language (report/figlang.py): NAME.png English, NAME.ru.png Russian
    assert sorted(checked) == sorted([f"{n}.png" for n in names]
                                     + [f"{n}.ru.png" for n in names]), sorted(checked)
    bad = {k: v for k, v in checked.items() if v}
    assert bad == {}
    # the Russian images have Russian words only, the English ones no Russian (issue 20)
    cyr = re.compile("[А-Яа-яЁё]")
    for name, texts in WORDS.items():
        if name.endswith(".ru.png"):
            assert [t for t in texts if not russian_enough(t)] == [], name
        else:
            assert [t for t in texts if cyr.search(t)] == [], name
    assert any("Куляб" not in t and cyr.search(t) for t in WORDS["ranks.ru.png"])
    assert any("Longitude" in t for t in WORDS["region.png"])
    assert any("Долгота" in t for t in WORDS["region.ru.png"])
