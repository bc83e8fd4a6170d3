"""Charts of the reports: the regional map of cities and line charts of indicators by epoch.

Drawn with matplotlib's object API on the Agg canvas (no pyplot state, no basemap data). Each
function writes one PNG and returns a :class:`~carlcities.report.maps.FigureInfo`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from pathlib import Path

import numpy as np

from . import i18n
from .figcache import cached
from .figlang import Words, ru_file, save_langs, tick_formatter
from .figtext import panel_title
from .maps import DPI, FONT, FigureInfo, new_figure, save_figure
from .regionmap import add_geography

__all__ = ["COUNTRY_COLOURS", "CityPoint", "RadarSeries", "Series", "ghg_macc", "ghg_map",
           "ghg_pathways", "radar", "region_map", "time_series"]

COUNTRY_COLOURS = {
    "KAZ": "#1f77b4",
    "KGZ": "#d62728",
    "TJK": "#2ca02c",
    "TKM": "#9467bd",
    "UZB": "#ff7f0e",
}
_EXTRA = ["#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


@dataclass
class CityPoint:
    city_id: str
    name_en: str
    lon: float | None        # [°], WGS 84
    lat: float | None        # [°], WGS 84
    population: float | None  # [persons]
    country_iso3: str | None
    name_ru: str | None = None


@dataclass
class Series:
    """One panel of a line chart: a city's values by epoch and the regional median."""

    name_en: str
    name_ru: str
    unit: str
    epochs: list[int]
    city: list[float | None]
    median: list[float | None]


def _country_colour(iso: str | None, others: dict[str, str]) -> str:
    if iso and iso.upper() in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[iso.upper()]
    key = iso or "?"
    if key not in others:
        others[key] = _EXTRA[len(others) % len(_EXTRA)]
    return others[key]


def _place_labels(fig, ax, pts: list[CityPoint], sizes: np.ndarray, lang: str = "en") -> None:
    """Greedy label placement: biggest cities first, first free spot among eight around it."""
    renderer = fig.canvas.get_renderer()
    taken = []
    trans = ax.transData
    for i in np.argsort(-np.nan_to_num(sizes)):
        x, y = trans.transform((pts[i].lon, pts[i].lat))
        r = math.sqrt(max(sizes[i], 1.0)) / 2 * DPI / 72  # marker radius [px]
        taken.append((x - r, y - r, x + r, y + r))
    order = list(np.argsort(-np.nan_to_num(sizes)))
    ax_bb = ax.get_window_extent(renderer)
    for i in order:
        p = pts[i]
        name = (p.name_ru or p.name_en) if lang == "ru" else p.name_en
        r_pt = math.sqrt(max(sizes[i], 1.0)) / 2 + 1.5
        cands = []
        for k, ring in enumerate((1.0, 2.6, 4.2)):   # next to the circle, then farther out
            d = r_pt * ring + 6 * k
            e = d * 0.7
            cands += [(d, 0, "left", "center", k), (-d, 0, "right", "center", k),
                      (0, d, "center", "bottom", k), (0, -d, "center", "top", k),
                      (e, e, "left", "bottom", k), (-e, e, "right", "bottom", k),
                      (e, -e, "left", "top", k), (-e, -e, "right", "top", k)]
        best = None
        for dx, dy, ha, va, ring in cands:
            t = ax.annotate(name, (p.lon, p.lat), xytext=(dx, dy),
                            textcoords="offset points", ha=ha, va=va, fontsize=FONT - 0.5,
                            color="#222222", zorder=4)
            bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
            box = (bb.x0, bb.y0, bb.x1, bb.y1)
            inside = (bb.x0 >= ax_bb.x0 and bb.x1 <= ax_bb.x1 and bb.y0 >= ax_bb.y0
                      and bb.y1 <= ax_bb.y1)
            overlap = sum(_overlap(box, o) for o in taken)
            score = overlap + (0 if inside else 1e6) + ring * 40
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, t, box, ring, dx, dy, ha, va)
                if overlap == 0 and inside:
                    break
            else:
                t.remove()
        if best is not None:
            taken.append(best[2])
            if best[3] > 0:   # far from its circle: draw a leader line
                score, t, box, ring, dx, dy, ha, va = best
                t.remove()
                ax.annotate(name, (p.lon, p.lat), xytext=(dx, dy),
                            textcoords="offset points", ha=ha, va=va, fontsize=FONT - 0.5,
                            color="#222222", zorder=4,
                            arrowprops={"arrowstyle": "-", "color": "#8a8a8a", "lw": 0.5,
                                        "shrinkA": 1, "shrinkB": 3})


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@cached
def region_map(points: list[CityPoint], out_file: Path, *, source: str,
               geography: str = "") -> FigureInfo | None:
    """Cities at their longitude and latitude, circle area ∝ population, colour by country,
    over Natural Earth's geography (``geography``: its files' identity, for the figure cache).
    Drawn once per language (``NAME.png`` English, ``NAME.ru.png`` Russian): the labels are
    placed for each language's names."""
    pts = [p for p in points if p.lon is not None and p.lat is not None
           and math.isfinite(p.lon) and math.isfinite(p.lat)]
    if not pts:
        return None
    lon = np.array([p.lon for p in pts], dtype=float)
    lat = np.array([p.lat for p in pts], dtype=float)
    pop = np.array([p.population if p.population and p.population > 0 else np.nan for p in pts])
    pmax = np.nanmax(pop) if np.isfinite(pop).any() else 1.0
    sizes = np.where(np.isfinite(pop), 20 + 700 * pop / pmax, 20.0)   # marker area [pt²]
    size: dict[str, tuple[int, int]] = {}
    for lang in ("en", "ru"):
        size[lang] = _region_figure(pts, lon, lat, pop, pmax, sizes, lang,
                                    out_file if lang == "en" else ru_file(out_file))
    wpx, hpx = size["en"]
    return FigureInfo(
        file=out_file, kind="region_map", title_en=i18n.text("region_map"),
        title_ru=i18n.text("region_map", "ru"),
        alt=f"{i18n.text('region_map_alt')} {i18n.text('region_map_alt', 'ru')}",
        caption_en=i18n.text("region_map_caption"), caption_ru=i18n.text("region_map_caption",
                                                                         "ru"),
        unit="° (WGS 84); persons / чел.", source=source, width=wpx, height=hpx,
        extra={"lang_files": {"ru": {"file": ru_file(out_file), "width": size["ru"][0],
                                     "height": size["ru"][1]}}})


def _region_figure(pts: list[CityPoint], lon: np.ndarray, lat: np.ndarray, pop: np.ndarray,
                   pmax: float, sizes: np.ndarray, lang: str, out_file: Path
                   ) -> tuple[int, int]:
    pad_x = max(1.5, 0.08 * (lon.max() - lon.min()))
    pad_y = max(1.0, 0.08 * (lat.max() - lat.min()))
    x0, x1 = lon.min() - pad_x, lon.max() + pad_x
    y0, y1 = lat.min() - pad_y, lat.max() + pad_y
    kx = math.cos(math.radians((y0 + y1) / 2))
    w = 10.0
    h = min(max(w * 0.82 * (y1 - y0) / ((x1 - x0) * kx) + 0.9, 4.0), 9.0)
    fig = new_figure(w, h, layout="constrained")
    ax = fig.subplots()
    ax.set_facecolor("#fbfbf8")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / kx)
    add_geography(ax, lang=lang,
                  cities=list(zip(lon.tolist(), lat.tolist(), strict=True)))  # regionmap.py
    step = 5 if max(x1 - x0, y1 - y0) > 12 else (2 if max(x1 - x0, y1 - y0) > 5 else 1)
    ax.set_xticks(np.arange(math.ceil(x0 / step) * step, x1 + 1e-9, step))
    ax.set_yticks(np.arange(math.ceil(y0 / step) * step, y1 + 1e-9, step))
    ax.grid(True, color="#d9d9d9", linewidth=0.6, zorder=0)
    ax.tick_params(labelsize=FONT)
    ax.set_xlabel(i18n.text("lon", lang), fontsize=FONT)
    ax.set_ylabel(i18n.text("lat", lang), fontsize=FONT)
    if lang == "ru":
        ax.xaxis.set_major_formatter(tick_formatter(lang))
        ax.yaxis.set_major_formatter(tick_formatter(lang))
    others: dict[str, str] = {}
    colours = [_country_colour(p.country_iso3, others) for p in pts]
    ax.scatter(lon, lat, s=sizes, c=colours, alpha=0.75, edgecolors="white", linewidths=0.7,
               zorder=3)
    from matplotlib.lines import Line2D

    isos = sorted({p.country_iso3 or "?" for p in pts})
    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, alpha=0.8,
                      markerfacecolor=_country_colour(None if i == "?" else i, others),
                      markeredgecolor="white",
                      label=i18n.country_name(i)[lang == "ru"] if i != "?" else "?")
               for i in isos]
    mega, kilo = (" млн", " тыс.") if lang == "ru" else (" M", " k")
    if np.isfinite(pop).any():
        for ref in _nice_refs(pmax):
            handles.append(Line2D([], [], marker="o", linestyle="", alpha=0.5,
                                  markersize=math.sqrt(20 + 700 * ref / pmax),
                                  markerfacecolor="#999999", markeredgecolor="white",
                                  label=f"{ref / 1e6:g}{mega}".replace(".", ",")
                                  if ref >= 1e6 else f"{ref / 1e3:g}{kilo}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT,
              frameon=False, labelspacing=1.0, borderaxespad=0.0,
              title="Страна · Население" if lang == "ru" else "Country · Population",
              title_fontsize=FONT)
    fig.draw_without_rendering()   # lays the figure out once; then freeze it, place labels
    fig.set_layout_engine("none")
    _place_labels(fig, ax, pts, sizes, lang)
    return save_figure(fig, out_file, tight=True)


def _nice_refs(pmax: float) -> list[float]:
    refs = [float(p) for p in (100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000,
                               10_000_000) if p <= pmax]
    return refs[-3:] if len(refs) > 3 else refs


CITY_COLOUR = "#c0392b"
MEDIAN_COLOUR = "#555555"


@cached
def time_series(series: list[Series], out_file: Path, *, kind: str, title_key: str,
                city_en: str, city_ru: str, source: str) -> FigureInfo | None:
    """Small multiples: the city (solid) against the regional median (dashed) by epoch.

    Laid out by hand (no layout engine) and with its legend left to the page: a chart costs a
    fraction of a second.
    """
    series = [s for s in series if any(v is not None for v in s.city)]
    if not series:
        return None
    n = len(series)
    pw, ph = 2.9, 2.45                       # panel size incl. margins [in]
    ml, mr, mt, mb = 0.55, 0.12, 0.48, 0.32  # margins [in]
    t_en = [panel_title(s.name_en, None, s.unit) for s in series]   # report/figtext.py
    t_ru = [panel_title(s.name_ru or s.name_en, None, s.unit, lang="ru") for s in series]
    words = Words()
    lines = max(t.count("\n") + 1 for t in t_en + t_ru)
    ph, mt = ph + max(0.0, 0.15 * lines + 0.18 - mt), max(mt, 0.15 * lines + 0.18)
    fig = new_figure(pw * n, ph)
    for k, s in enumerate(series):
        ax = fig.add_axes(((k * pw + ml) / (pw * n), mb / ph,
                           (pw - ml - mr) / (pw * n), (ph - mt - mb) / ph))
        x = np.array(s.epochs, dtype=float)
        c = np.array([np.nan if v is None else v for v in s.city], dtype=float)
        m = np.array([np.nan if v is None else v for v in s.median], dtype=float)
        ax.plot(x, m, "--s", color=MEDIAN_COLOUR, markersize=3, linewidth=1.1)
        ax.plot(x, c, "-o", color=CITY_COLOUR, markersize=3.5, linewidth=1.6)
        # y given: the title stays where matplotlib would put it above these axes (nothing
        # on top), without measuring every tick label to find that out at each draw
        words.add(partial(ax.set_title, fontsize=FONT, pad=4, y=1.0), t_en[k], t_ru[k])
        ax.set_xticks(x)
        ax.set_xticklabels([str(e) for e in s.epochs])
        pad = max(2.0, 0.06 * (x.max() - x.min()))
        ax.set_xlim(x.min() - pad, x.max() + pad)
        ax.tick_params(labelsize=FONT - 1, length=2, pad=2)
        ax.grid(True, axis="y", color="#e5e5e5", linewidth=0.6)
        both = np.concatenate([c, m])
        top = np.nanmax(both) if np.isfinite(both).any() else 1.0
        if np.nanmin(both) >= 0:
            ax.set_ylim(0, top * 1.1 if top > 0 else 1.0)
        words.ticks(ax.yaxis, _compact_formatter)
        ax.yaxis.set_major_locator(_locator())
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    names = "; ".join(f"{s.name_en} [{s.unit}]" for s in series)
    names_ru = "; ".join(f"{s.name_ru} [{s.unit}]" for s in series)
    return FigureInfo(
        file=out_file, kind=kind, title_en=i18n.text(title_key),
        title_ru=i18n.text(title_key, "ru"),
        alt=f"{i18n.text('chart_alt', city=city_en, names=names)} "
            f"{i18n.text('chart_alt', 'ru', city_ru=city_ru, names=names_ru)}",
        caption_en=i18n.text("chart_caption"), caption_ru=i18n.text("chart_caption", "ru"),
        unit="; ".join(dict.fromkeys(s.unit for s in series)), source=source,
        width=wpx, height=hpx,
        legend=[{"colour": CITY_COLOUR, "en": city_en, "ru": city_ru, "line": "solid"},
                {"colour": MEDIAN_COLOUR, "en": i18n.text("regional_median"),
                 "ru": i18n.text("regional_median", "ru"), "line": "dashed"}],
        extra={"series": [{"name_en": s.name_en, "name_ru": s.name_ru, "unit": s.unit,
                           "epochs": s.epochs, "city": s.city, "regional_median": s.median}
                          for s in series], "lang_files": lang_files})


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4)


def _compact_formatter(lang: str = "en"):
    from matplotlib.ticker import FuncFormatter

    if lang == "ru":
        return tick_formatter("ru")      # «тыс.», «млн», decimal comma (report/figlang.py)

    def f(v: float, _pos: int) -> str:
        a = abs(v)
        if a >= 1e6:
            return f"{v / 1e6:g}M"
        if a >= 1e4:
            return f"{v / 1e3:g}k"
        return f"{v:g}"

    return FuncFormatter(f)


@dataclass
class RadarSeries:
    """One polygon of a radar chart: a share [0–1] per axis (None = no value)."""

    label_en: str
    label_ru: str
    values: list[float | None]
    colour: str
    line: str = "solid"        # solid | dashed | dotted


@cached
def radar(axes: list[tuple[str, str]], series: list[RadarSeries], out_file: Path, *,
          city_en: str, city_ru: str, source: str) -> FigureInfo | None:
    """Radar (spider) chart of shares [0–1] on ``axes`` (label_en, label_ru), one polygon per
    series; the first series is filled. Missing values are drawn at 0 and noted in the legend.
    """
    series = [s for s in series if any(v is not None for v in s.values)]
    if not series or len(axes) < 3:
        return None
    n = len(axes)
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    fig = new_figure(6.4, 5.6)
    ax = fig.add_axes((0.16, 0.1, 0.68, 0.78), projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    styles = {"solid": "-", "dashed": "--", "dotted": ":"}
    for k, s in enumerate(series):
        v = np.array([0.0 if x is None else float(x) for x in s.values])
        a = np.concatenate([ang, ang[:1]])
        vv = np.concatenate([v, v[:1]])
        ax.plot(a, vv, styles.get(s.line, "-"), color=s.colour, linewidth=2.0 if k == 0 else 1.3)
        if k == 0:
            ax.fill(a, vv, color=s.colour, alpha=0.18)
            ax.scatter(ang, v, s=12, color=s.colour, zorder=3)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels(["25 %", "50 %", "75 %", "100 %"], fontsize=FONT - 1, color="#666666")
    ax.set_xticks(ang)
    words = Words().add(lambda labels: ax.set_xticklabels(labels, fontsize=FONT - 0.5),
                        [f"{i + 1}. {en}" for i, (en, _ru) in enumerate(axes)],
                        [f"{i + 1}. {ru or en}" for i, (en, ru) in enumerate(axes)])
    ax.tick_params(axis="x", pad=10)
    ax.grid(color="#d0d0d0", linewidth=0.6)
    wpx, hpx, lang_files = save_langs(fig, out_file, words, tight=True)
    others = ", ".join(s.label_en for s in series[1:]) or "nothing else"
    others_ru = ", ".join(s.label_ru for s in series[1:]) or "—"
    kw = {"city": city_en, "city_ru": city_ru, "others": others, "others_ru": others_ru}
    return FigureInfo(
        file=out_file, kind="radar", title_en=i18n.text("radar_title"),
        title_ru=i18n.text("radar_title", "ru"),
        alt=f"{i18n.text('radar_alt', **kw)} {i18n.text('radar_alt', 'ru', **kw)}",
        caption_en=i18n.text("radar_caption"), caption_ru=i18n.text("radar_caption", "ru"),
        unit="share of the highest possible score / доля максимального балла [%]",
        source=source, width=wpx, height=hpx,
        legend=[{"colour": s.colour, "en": s.label_en, "ru": s.label_ru, "line": s.line}
                for s in series],
        extra={"axes": [{"en": en, "ru": ru} for en, ru in axes],
               "series": [{"label_en": s.label_en, "label_ru": s.label_ru,
                           "values": s.values} for s in series], "lang_files": lang_files})


# ----------------------------------------------------------------------------- greenhouse gases
GHG_SCENARIO_STYLE = {"bau": ("#444444", "-"), "compact": ("#2ca02c", "-"),
                      "sprawl": ("#d62728", "-")}


@cached
def ghg_pathways(series: dict[str, tuple[list[int], list[float]]], out_file: Path, *,
                 city_en: str, city_ru: str, source: str) -> FigureInfo | None:
    """Line chart of ``ghg.total`` [t CO2e/yr] by scenario and year (BAU, compact, sprawl
    bold; the action pathways thin and grey)."""
    series = {k: v for k, v in series.items() if v[0]}
    if not series:
        return None
    fig = new_figure(7.2, 4.0)
    ax = fig.add_axes((0.11, 0.13, 0.86, 0.78))
    legend = [{"colour": "#bbbbbb", "en": i18n.text("ghg_actions_line"),
               "ru": i18n.text("ghg_actions_line", "ru"), "line": "solid"}]
    for name, (years, vals) in sorted(series.items(), key=lambda kv: kv[0] in
                                      GHG_SCENARIO_STYLE):
        colour, line = GHG_SCENARIO_STYLE.get(name, ("#bbbbbb", "-"))
        main = name in GHG_SCENARIO_STYLE
        ax.plot(years, np.asarray(vals, float) / 1e6, line, color=colour,
                linewidth=2.0 if main else 0.8, label=name if main else None)
        if main:
            legend.append({"colour": colour, "en": i18n.text(f"ghg_{name}"),
                           "ru": i18n.text(f"ghg_{name}", "ru"), "line": "solid"})
    words = Words().add(lambda t: ax.set_ylabel(t, fontsize=FONT), "Mt CO₂e/yr",
                        "Мт CO₂-экв./год")
    words.ticks(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.grid(color="#e0e0e0", linewidth=0.6)
    ax.tick_params(labelsize=FONT - 1)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    kw = {"city": city_en, "city_ru": city_ru}
    return FigureInfo(
        file=out_file, kind="ghg_pathways", title_en=i18n.text("ghg_pathway_title"),
        title_ru=i18n.text("ghg_pathway_title", "ru"),
        alt=f"{i18n.text('ghg_pathway_alt', **kw)} {i18n.text('ghg_pathway_alt', 'ru', **kw)}",
        caption_en=i18n.text("ghg_pathway_caption"),
        caption_ru=i18n.text("ghg_pathway_caption", "ru"), unit="Mt CO2e/yr / Мт CO2-экв./год",
        source=source, width=wpx, height=hpx, legend=legend,
        extra={"series": {k: {"years": list(map(int, v[0])), "values": list(v[1])}
                          for k, v in series.items()}, "lang_files": lang_files})


@cached
def ghg_macc(actions: list[dict], out_file: Path, *, city_en: str, city_ru: str,
             source: str) -> FigureInfo | None:
    """Marginal abatement cost curve: bars as wide as the 2030 abatement [t CO2e/yr], as high
    as the cost [USD/t CO2e], cheapest first."""
    acts = sorted([a for a in actions if a.get("cost_usd_per_t") is not None
                   and (a.get("abatement_2030_t") or 0) > 0], key=lambda a: a["cost_usd_per_t"])
    if not acts:
        return None
    fig = new_figure(7.2, 4.2)
    ax = fig.add_axes((0.11, 0.13, 0.86, 0.78))
    w = [a["abatement_2030_t"] / 1e3 for a in acts]
    c = [a["cost_usd_per_t"] for a in acts]
    x = list(accumulate(w[:-1], initial=0.0))      # each bar's left edge
    # one call for every bar (a call per bar cost a third of the chart)
    ax.bar(x, c, width=w, align="edge", color=["#2ca02c" if v < 0 else "#1f77b4" for v in c],
           edgecolor="white", linewidth=0.6)
    for i in range(len(acts)):
        ax.text(x[i] + w[i] / 2, c[i], str(i + 1), ha="center",
                va="bottom" if c[i] >= 0 else "top", fontsize=FONT - 2)
    ax.axhline(0, color="#444444", linewidth=0.8)
    words = Words().add(lambda t: ax.set_xlabel(t, fontsize=FONT - 1),
                        "abatement in 2030 [kt CO₂e/yr]",
                        "сокращение в 2030 г. [тыс. т CO₂-экв./год]")
    words.add(lambda t: ax.set_ylabel(t, fontsize=FONT), "USD/t CO₂e", "долл. США/т CO₂-экв.")
    words.ticks(ax.xaxis)
    words.ticks(ax.yaxis)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.tick_params(labelsize=FONT - 1)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    kw = {"city": city_en, "city_ru": city_ru}
    return FigureInfo(
        file=out_file, kind="ghg_macc", title_en=i18n.text("ghg_macc_title"),
        title_ru=i18n.text("ghg_macc_title", "ru"),
        alt=f"{i18n.text('ghg_macc_alt', **kw)} {i18n.text('ghg_macc_alt', 'ru', **kw)}",
        caption_en=i18n.text("ghg_macc_caption"), caption_ru=i18n.text("ghg_macc_caption", "ru"),
        unit="USD/t CO2e", source=source, width=wpx, height=hpx,
        extra={"order": [{"n": i + 1, "action_id": a["action_id"], "name_en": a["name_en"],
                          "cost_usd_per_t": a["cost_usd_per_t"],
                          "abatement_2030_t": a["abatement_2030_t"]} for i, a in enumerate(acts)],
               "lang_files": lang_files})


@cached
def ghg_map(tif: Path, out_file: Path, *, city_en: str, city_ru: str,
            source: str) -> FigureInfo | None:
    """Emissions per grid cell [t CO2e/cell/yr] from ``rasters/CITY/ghg_YEAR.tif``; None when
    the file is absent."""
    if not Path(tif).exists():
        return None
    import rasterio

    with rasterio.open(tif) as src:
        a = src.read(1, masked=True).filled(np.nan).astype(float)
    if not np.isfinite(a).any() or np.nanmax(a) <= 0:
        return None
    fig = new_figure(6.0, 5.2)
    ax = fig.add_axes((0.04, 0.06, 0.78, 0.86))
    v = np.where(a > 0, a, np.nan)
    im = ax.imshow(np.log10(v), cmap="YlOrRd", interpolation="nearest")
    ax.set_axis_off()
    cax = fig.add_axes((0.85, 0.15, 0.03, 0.65))
    cb = fig.colorbar(im, cax=cax)
    words = Words().add(lambda t: cb.set_label(t, fontsize=FONT - 1), "log10 t CO₂e/cell/yr",
                        "десятичный логарифм, т CO₂-экв. на ячейку в год")
    words.ticks(cb.ax.yaxis)
    cb.ax.tick_params(labelsize=FONT - 2)
    wpx, hpx, lang_files = save_langs(fig, out_file, words)
    kw = {"city": city_en, "city_ru": city_ru}
    return FigureInfo(
        file=out_file, kind="ghg_map", title_en=i18n.text("ghg_map_title"),
        title_ru=i18n.text("ghg_map_title", "ru"),
        alt=f"{i18n.text('ghg_map_alt', **kw)} {i18n.text('ghg_map_alt', 'ru', **kw)}",
        caption_en=i18n.text("ghg_map_caption"), caption_ru=i18n.text("ghg_map_caption", "ru"),
        unit="t CO2e/cell/yr / т CO2-экв./ячейка/год", source=source, width=wpx, height=hpx,
        extra={"lang_files": lang_files})
