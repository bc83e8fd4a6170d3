"""PGA475 / PGA2475 on rock for the 48 catalogue cities from the logic tree, beside the values of
the previous model and the published ones: writes benchmarks/results/pga_48_model31.json and
prints the markdown table of docs/validation.md ("Earthquake hazard").

Run from the repository root: PYTHONPATH=src python benchmarks/validation_pga_table.py
(optionally CARLCITIES_SHARED_DATA=... so the GEM fault geometry is used where present)."""
import json
import math
from importlib import resources

import pandas as pd

from carlcities.risk import psha

BEFORE = "benchmarks/results/pga_48_model30.json"
OUT = "benchmarks/results/pga_48_model31.json"


def main():
    cities = pd.read_csv("src/carlcities/data/cities.csv")
    with resources.as_file(resources.files("carlcities.risk") / "data"
                           / "published_hazard.csv") as p:
        pub = pd.read_csv(p, comment="#").set_index("city_id")
    before = json.load(open(BEFORE, encoding="utf-8"))["cities"]
    now = {}
    keys = [f"pga{t}_{k}" for t in (475, 2475) for k in ("mean", "p16", "p84")]
    for c in cities.itertuples():
        h = psha.site_hazard(float(c.lon), float(c.lat))
        now[c.city_id] = {k: round(float(h[k]), 4) for k in keys}
    json.dump(dict(method_version=psha.METHOD_VERSION, branches=len(psha.BRANCHES),
                   cities=now), open(OUT, "w", encoding="utf-8"), indent=1)
    print("| city | PGA475 model 3.0 | PGA475 model 3.1 mean [16–84 %] | PGA2475 model 3.0 → "
          "3.1 mean [16–84 %] | code MSK (A [g]) | EMCA MSK475 (A [g]) | ours / code A | "
          "ours / EMCA A |")
    print("|---|---|---|---|---|---|---|---|")
    for c in cities.itertuples():
        n, b = now[c.city_id], before[c.city_id]
        r = pub.loc[c.city_id] if c.city_id in pub.index else None
        code = emca = rc = re_ = "–"
        if r is not None and not math.isnan(r.msk_code):
            code = f"{r.msk_code:g} ({r.pga_code_g:g})"
            rc = f"{n['pga475_mean'] / r.pga_code_g:.2f}"
        if r is not None and not math.isnan(r.msk_emca):
            a = 0.1 * 2.0 ** (r.msk_emca - 7.0)
            emca = f"{r.msk_emca:g} ({a:.2f})"
            re_ = f"{n['pga475_mean'] / a:.2f}"
        print(f"| {c.name_en} | {b['pga475_mean']:.3f} | {n['pga475_mean']:.3f} "
              f"[{n['pga475_p16']:.3f}–{n['pga475_p84']:.3f}] | {b['pga2475_mean']:.3f} → "
              f"{n['pga2475_mean']:.3f} [{n['pga2475_p16']:.3f}–{n['pga2475_p84']:.3f}] | "
              f"{code} | {emca} | {rc} | {re_} |")


if __name__ == "__main__":
    main()
