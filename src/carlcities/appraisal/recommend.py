"""Recommendations per city and for the region, each citing the evidence it rests on.

Every text is a template of ``data/recommendation_templates.yaml`` filled in English and
Russian; every number in it is formatted (:func:`format_number`) from the ``value`` of one of
the evidence items the recommendation carries, and from nothing else. Names (cities,
indicators, options, Essentials) are inserted verbatim. The rules that decide which
recommendations are made and their priority and confidence are stated in the template file.

Evidence items are dicts ``{indicator_id | metric, city_id, epoch, scenario, value, unit,
table}``: ``table`` is the store table the value comes from (``indicator_values``,
``appraisal``, ``rank_acceptability``, ``scorecard_scores``, ...).
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from carlcities.errors import AppraisalError

__all__ = ["confidence_label", "fill", "format_number", "load_templates", "recommend_city",
           "recommend_region"]


@lru_cache(maxsize=4)
def _load(path: str | None) -> dict[str, Any]:
    from .._datafiles import read_data_text

    text, name = read_data_text(path, "data/recommendation_templates.yaml",
                                "recommendation templates")
    data = yaml.safe_load(text) or {}
    for k in ("rules", "templates"):
        if k not in data:
            raise AppraisalError(f"no `{k}` section", path=name,
                                 fix="keep the structure of the bundled file")
    for tid, t in data["templates"].items():
        if set(t) != {"text_en", "text_ru"}:
            raise AppraisalError(f"template {tid}: needs exactly text_en and text_ru",
                                 path=name, fix="give both languages, nothing else")
    data["_name"] = name
    return data


def load_templates(path: str | Path | None = None) -> dict[str, Any]:
    """The template file (``rules``, ``themes``, ``templates``), validated."""
    return _load(str(path) if path is not None else None)


def format_number(value: float, lang: str = "en") -> str:
    """A number for a sentence: three significant figures; English ``1,230,000`` and
    ``0.125``, Russian ``1 230 000`` and ``0,125`` (no-break spaces)."""
    v = float(value)
    if not math.isfinite(v):
        raise AppraisalError(f"cannot print {v} in a recommendation",
                             fix="leave undefined values out of the evidence")
    if v == 0:
        s = "0"
    else:
        r = float(f"{v:.3g}")
        if abs(r) >= 100:
            s = f"{int(round(r)):,}"
        else:
            d = max(0, 2 - int(math.floor(math.log10(abs(r)))))
            s = f"{r:.{d}f}"
            if "." in s:
                s = s.rstrip("0").rstrip(".")
    if lang == "ru":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s


def confidence_label(c: float) -> str:
    """``high`` (>= 0.67), ``medium`` (>= 0.34) or ``low``."""
    return "high" if c >= 0.67 else "medium" if c >= 0.34 else "low"


def _unit(u: str) -> str:
    return u.replace("CO2", "CO₂")


def fill(template_id: str, *, words: Mapping[str, tuple[str, str]],
         numbers: Mapping[str, Mapping[str, Any]], templates: Mapping[str, Any] | None = None
         ) -> tuple[str, str]:
    """(text_en, text_ru) of a template.

    ``words``: placeholder -> (English, Russian); ``numbers``: placeholder -> evidence item
    whose ``value`` is printed. Raises AppraisalError for an unknown template or a placeholder
    without a value.
    """
    t = templates or load_templates()
    tpl = t["templates"].get(template_id)
    if tpl is None:
        raise AppraisalError(f"unknown template {template_id!r}", path=t.get("_name"),
                             fix=f"use one of {', '.join(t['templates'])}")
    out = []
    for lang in ("en", "ru"):
        text = tpl[f"text_{lang}"]
        vals: dict[str, str] = {}
        for _lit, field, _spec, _conv in string.Formatter().parse(text):
            if field is None:
                continue
            if field in numbers:
                vals[field] = format_number(numbers[field]["value"], lang)
            elif field in words:
                vals[field] = words[field][0 if lang == "en" else 1]
            else:
                raise AppraisalError(
                    f"template {template_id} ({lang}): no value for {{{field}}}",
                    path=t.get("_name"),
                    fix="pass it as a word or an evidence number, or change the template")
        out.append(text.format(**vals))
    return out[0], out[1]


def _ev(city_id: str | None, value: float, unit: str, table: str, *, indicator_id: str | None
        = None, metric: str | None = None, epoch: int | None = None,
        scenario: str | None = None, option_id: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = dict(city_id=city_id, epoch=epoch, scenario=scenario,
                             value=float(value), unit=unit, table=table)
    if indicator_id is not None:
        e["indicator_id"] = indicator_id
    if metric is not None:
        e["metric"] = metric
    if option_id is not None:
        e["option_id"] = option_id
    return e


def _names(indicator_id: str, given: Mapping[str, tuple[str, str]] | None) -> tuple[str, str]:
    if given and indicator_id in given:
        return given[indicator_id]
    from carlcities.indicators.registry import REGISTRY

    ind = REGISTRY.get(indicator_id)
    return (ind.name_en, ind.name_ru) if ind is not None else (indicator_id, indicator_id)


#: templates of the "what to measure next" section (data, not policy)
MEASURE_NEXT = ("data_gap", "cost_first")
#: responsible body types, as printed
BODIES = {"city": ("city administration", "городская администрация"),
          "ministry": ("national ministry", "профильное министерство"),
          "utility": ("utility", "коммунальное предприятие")}


def _lever(t: Mapping[str, Any], theme: str) -> tuple[tuple[str, str], str]:
    """(lever (en, ru), body type) of an indicator theme (``levers`` of the template file)."""
    lv = (t.get("levers") or {})
    d = lv.get(theme) or lv.get("default") or {"en": "", "ru": "", "body": "city"}
    return (str(d["en"]), str(d["ru"])), str(d.get("body", "city"))


def _rec(rec_id: str, template: str, priority: str, conf: float, words: Mapping[str, Any],
         numbers: Mapping[str, dict[str, Any]], evidence: list[dict[str, Any]],
         options: Sequence[str], t: Mapping[str, Any], city_id: str | None, *,
         lever: tuple[str, str] = ("", ""), body: str = "") -> dict[str, Any]:
    words = {**words, "lever": lever, "body": BODIES.get(body, (body, body))}
    en, ru = fill(template, words=words, numbers=numbers, templates=t)
    conf = max(0.0, min(1.0, conf))
    return dict(rec_id=rec_id, city_id=city_id, template=template, priority=priority,
                text_en=en, text_ru=ru, confidence=round(conf, 3),
                confidence_label=confidence_label(conf), options=list(options),
                evidence=evidence,
                section="measure_next" if template in MEASURE_NEXT else "policy",
                lever_en=lever[0], lever_ru=lever[1], body=body)


def recommend_city(city_id: str, city_name: tuple[str, str], *,
                   benchmark_rows: Sequence[Mapping[str, Any]] = (),
                   appraisal: Mapping[str, Any] | None = None,
                   scorecard: Sequence[Mapping[str, Any]] = (),
                   options: Sequence[Any] = (),
                   indicator_names: Mapping[str, tuple[str, str]] | None = None,
                   epoch: int | None = None, scenario: str = "observed",
                   synthetic: bool = False, flagged: Sequence[str] = (),
                   templates: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Recommendations for one city, highest priority first.

    Parameters
    ----------
    city_id, city_name : the city and its (English, Russian) name.
    benchmark_rows : rows of :func:`~carlcities.appraisal.typology.benchmark` (any cities;
        this city's are used). Risk and emission metrics (ids ``risk.*``, ``carbon.*``) are
        benchmarked the same way and get the hazard / emissions templates.
    appraisal : the dict returned by :func:`~carlcities.appraisal.appraise_city`.
    scorecard : one dict per Essential: ``essential`` (1–10), ``share`` [0–1], ``score``,
        ``max_score`` (from the scorecard engine).
    options : the :class:`~carlcities.appraisal.options.Option` objects (to link scorecard
        gaps to the options that carry out that Essential).
    indicator_names : {indicator_id: (en, ru)}; default from the registry.
    epoch, scenario : cited with the indicator evidence.
    synthetic, flagged : data flags lowering the confidence (flagged: indicator ids).
    """
    t = templates or load_templates()
    rules = t["rules"]
    themes = t.get("themes") or {}
    city_w = {"city": city_name}
    recs: list[dict[str, Any]] = []
    for r in benchmark_rows:
        if r["city_id"] != city_id or r.get("peer_standing") is None:
            continue
        # too few peers of the city's size class: compare with every city of the region
        group = "peer" if r["n_peer"] >= rules["min_peers"] or r.get("region_standing") is None \
            else "region"
        st = float(r[f"{group}_standing"])
        ind = r["indicator_id"]
        theme = ind.split(".", 1)[0]
        data_ind = ind in set(t.get("data_indicators") or ())
        if data_ind and st > rules["gap_pct"]:
            continue  # good data coverage is no policy strength
        if st <= rules["gap_pct"] and data_ind:
            tid, prio = "data_gap", "medium"
        elif st <= rules["gap_pct"]:
            tid = themes.get(theme, "indicator_gap")
            prio = "high" if st <= rules["high_pct"] or tid != "indicator_gap" else "medium"
        elif st >= rules["strength_pct"] and theme not in themes:
            tid, prio = "strength", "low"
        else:
            continue
        unit = r.get("unit") or ""
        ev_v = _ev(city_id, r["value"], unit, "indicator_values", indicator_id=ind,
                   epoch=epoch, scenario=scenario)
        ev_p = _ev(city_id, st, "%", "benchmark", metric=f"{ind}:{group}_standing",
                   epoch=epoch, scenario=scenario)
        ev_n = _ev(city_id, r[f"n_{group}"], "count", "benchmark", metric=f"{ind}:n_{group}",
                   epoch=epoch, scenario=scenario)
        ev_m = _ev(None, r[f"{group}_median"], unit, "benchmark",
                   metric=f"{ind}:{group}_median", epoch=epoch, scenario=scenario)
        conf = 1.0 - 0.4 * synthetic - 0.2 * (r[f"n_{group}"] < rules["min_peers"]) - \
            0.2 * (ind in flagged)
        recs.append(_rec(
            f"{city_id}:{tid}:{ind}", tid, prio, max(conf, 0.1),
            {**city_w, "indicator": _names(ind, indicator_names), "unit": (_unit(unit),
                                                                           _unit(unit))},
            {"value": ev_v, "pct": ev_p, "n_peers": ev_n, "median": ev_m},
            [ev_v, ev_p, ev_n, ev_m], [], t, city_id,
            lever=_lever(t, theme)[0], body=_lever(t, theme)[1]))
    if appraisal:
        recs += _appraisal_recs(city_id, city_w, appraisal, rules, t)
    opt_by_ess: dict[int, list[str]] = {}
    for o in options:
        for e in getattr(o, "essentials", ()):
            opt_by_ess.setdefault(int(e), []).append(o.option_id)
    from carlcities.scorecard.questions import essential

    for s in scorecard:
        share = s.get("share")
        if share is None or share >= rules["scorecard_gap"]:
            continue
        n = int(s["essential"])
        es = essential(n)
        ev = _ev(city_id, 100 * float(share), "%", "scorecard_scores",
                 metric=f"scorecard.essential_{n}_share")
        prio = "high" if share < rules["scorecard_high"] else "medium"
        recs.append(_rec(f"{city_id}:scorecard_gap:{n}", "scorecard_gap", prio,
                         max(1.0 - 0.4 * synthetic, 0.1),
                         {**city_w, "essential": (es.name_en, es.name_ru)}, {"share": ev},
                         [ev], opt_by_ess.get(n, []), t, city_id,
                         lever=_lever(t, "scorecard")[0], body=_lever(t, "scorecard")[1]))
    # strengths: the few most marked ones (rules.max_strengths), not every good percentile
    strengths = sorted((r for r in recs if r["template"] == "strength"),
                       key=lambda r: -r["evidence"][1]["value"])
    drop = {id(r) for r in strengths[int(rules.get("max_strengths", 3)):]}
    recs = [r for r in recs if id(r) not in drop]
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(recs, key=lambda r: (order[r["priority"]], -r["confidence"], r["rec_id"]))


def _appraisal_recs(city_id: str, city_w: Mapping[str, Any], appraisal: Mapping[str, Any],
                    rules: Mapping[str, Any], t: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    opts = {o["option_id"]: o for o in appraisal["options"]}
    names = {k: (o["name_en"], o["name_ru"]) for k, o in opts.items()}
    metric = {(r["option_id"], r["metric"]): r for r in appraisal["appraisal"]}
    bodies = t.get("bodies") or {}
    unknown = {u["option_id"] for u in appraisal.get("unranked", ())}

    def m(oid: str, key: str) -> dict[str, Any] | None:
        r = metric.get((oid, key))
        if r is None or r["value"] is None or not math.isfinite(r["value"]):
            return None
        return _ev(city_id, r["value"], r["unit"], "appraisal", metric=key, option_id=oid)

    def ranges(oid: str) -> dict[str, dict[str, Any]]:
        """Capital-cost range and the 90 % NPV interval of an option, as evidence items."""
        cap = _ev(city_id, opts[oid]["capex_usd"], "USD", "options", metric="capex_usd",
                  option_id=oid)
        out = {"capex_lo": m(oid, "capex_low_usd") or cap,
               "capex_hi": m(oid, "capex_high_usd") or cap}
        lo, hi = m(oid, "npv_p05_usd"), m(oid, "npv_p95_usd")
        if lo is not None and hi is not None:
            out.update(npv_lo=lo, npv_hi=hi)
        return out

    def body(oid: str) -> str:
        return str(bodies.get(opts[oid].get("kind", ""), "city"))

    bcrs = [(r["value"], r["option_id"]) for r in appraisal["appraisal"]
            if r["metric"] == "bcr" and r["value"] is not None and math.isfinite(r["value"])
            and r["option_id"] not in unknown]
    if bcrs:
        bcr, oid = max(bcrs)
        rg = ranges(oid)
        if bcr >= 1 and "npv_lo" in rg:
            npv = metric[(oid, "npv_usd")]
            p = metric.get((oid, "p_npv_positive"))
            ev_b = _ev(city_id, bcr, "ratio", "appraisal", metric="bcr", option_id=oid)
            ev_n = _ev(city_id, npv["value"], "USD", "appraisal", metric="npv_usd",
                       option_id=oid)
            conf = float(p["value"]) if p else 0.5
            evs = [ev_b, ev_n] + ([_ev(city_id, p["value"], "probability", "appraisal",
                                       metric="p_npv_positive", option_id=oid)] if p else [])
            out.append(_rec(f"{city_id}:best_bcr:{oid}", "best_bcr",
                            "high" if bcr >= rules["bcr_high"] else "medium", conf,
                            {**city_w, "option": names[oid]}, {"bcr": ev_b, "npv": ev_n, **rg},
                            evs + list(rg.values()), [oid], t, city_id,
                            lever=names[oid], body=body(oid)))
    firsts = [r for r in appraisal["rank_acceptability"]
              if r["rank"] == 1 and r.get("profile", "pooled") == "pooled"
              and r["option_id"] not in unknown]
    if firsts:
        best = max(firsts, key=lambda r: (r["probability"], r["option_id"]))
        b = float(best["probability"])
        oid = best["option_id"]
        ev = _ev(city_id, round(100 * b, 1), "%", "rank_acceptability",
                 metric="rank_acceptability_1", option_id=oid)
        prio = "high" if b >= rules["prob_high"] else \
            "medium" if b >= rules["prob_medium"] else "low"
        rg = ranges(oid)
        if "npv_lo" in rg:
            out.append(_rec(f"{city_id}:first_rank:{oid}", "first_rank", prio, b,
                            {**city_w, "option": names[oid]}, {"prob": ev, **rg},
                            [ev, *rg.values()], [oid], t, city_id, lever=names[oid],
                            body=body(oid)))
    for u in appraisal.get("unranked", ()):
        oid = u["option_id"]
        be, p1 = m(oid, "breakeven_capex_usd"), m(oid, "first_if_costed:pooled")
        lo, hi = m(oid, "capex_low_usd"), m(oid, "capex_high_usd")
        if be is None or p1 is None or lo is None or hi is None:
            continue
        p1 = dict(p1, value=round(100 * p1["value"], 1), unit="%")
        out.append(_rec(f"{city_id}:cost_first:{oid}", "cost_first", "medium", 1.0,
                        {**city_w, "option": names[oid], "needs": (u["needs"], u["needs"])},
                        {"breakeven": be, "prob": p1, "capex_lo": lo, "capex_hi": hi},
                        [be, p1, lo, hi], [oid], t, city_id, lever=names[oid],
                        body=body(oid)))
    return out


def recommend_region(appraisals: Mapping[str, Mapping[str, Any]], *,
                     benchmark_rows: Sequence[Mapping[str, Any]] = (),
                     indicator_names: Mapping[str, tuple[str, str]] | None = None,
                     templates: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Regional recommendations: the option most often ranked first (pooled SMAA) and the
    indicator most often a gap (peer standing <= the gap percentile) across the cities.

    ``appraisals``: {city_id: output of appraise_city}.
    """
    t = templates or load_templates()
    rules = t["rules"]
    recs = []
    tops: Counter[str] = Counter()
    names: dict[str, tuple[str, str]] = {}
    for _cid, a in appraisals.items():
        names.update({o["option_id"]: (o["name_en"], o["name_ru"]) for o in a["options"]})
        unknown = {u["option_id"] for u in a.get("unranked", ())}
        firsts = [r for r in a["rank_acceptability"]
                  if r["rank"] == 1 and r.get("profile", "pooled") == "pooled"
                  and r["option_id"] not in unknown]
        if firsts:
            tops[max(firsts, key=lambda r: (r["probability"], r["option_id"]))["option_id"]] += 1
    n_c = len(appraisals)
    if tops:
        oid, cnt = sorted(tops.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        ev_c = _ev(None, cnt, "count", "rank_acceptability", metric="cities_ranked_first",
                   option_id=oid)
        ev_n = _ev(None, n_c, "count", "rank_acceptability", metric="cities_appraised")
        recs.append(_rec(f"region:region_first:{oid}", "region_first", "medium", cnt / n_c,
                         {"option": names[oid]}, {"count": ev_c, "n_cities": ev_n},
                         [ev_c, ev_n], [oid], t, None, lever=names[oid], body="ministry"))
    gaps: Counter[str] = Counter()
    cities_with: Counter[str] = Counter()
    data_ind = set(t.get("data_indicators") or ())
    for r in benchmark_rows:
        if r.get("peer_standing") is None or r["indicator_id"] in data_ind:
            continue
        cities_with[r["indicator_id"]] += 1
        if r["peer_standing"] <= rules["gap_pct"]:
            gaps[r["indicator_id"]] += 1
    if gaps:
        ind, cnt = sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        ev_c = _ev(None, cnt, "count", "benchmark", metric=f"{ind}:cities_with_gap",
                   indicator_id=ind)
        ev_n = _ev(None, cities_with[ind], "count", "benchmark", metric=f"{ind}:cities")
        recs.append(_rec(f"region:region_gap:{ind}", "region_gap", "medium",
                         cnt / cities_with[ind], {"indicator": _names(ind, indicator_names)},
                         {"count": ev_c, "n_cities": ev_n}, [ev_c, ev_n], [], t, None,
                         lever=_lever(t, ind.split(".", 1)[0])[0],
                         body=_lever(t, ind.split(".", 1)[0])[1]))
    return recs
