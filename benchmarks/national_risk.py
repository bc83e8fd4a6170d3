"""Earthquake risk of a finished study summed by country, for the table "National sums" in
docs/validation.md (issue 16): EAL [M USD/yr], exposed value [bn USD] (EAL / EAL ratio),
the sums' EAL ratio [‰] and expected deaths per year, read through ``carlcities.results``.

    PYTHONPATH=src python benchmarks/national_risk.py OUT [--json results/national_risk.json]

The study's demo layers are synthetic unless its config points at real ones: say so beside
the table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from carlcities.results import open_study

def national_sums(out: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """By country and for the five together, from each city's ``risk_summary`` (the study
    year's exposure): earthquake EAL, exposed value and expected deaths per year."""
    study = open_study(out)
    try:
        summ = study.risk_summary()
        cities = study.cities()[["city_id", "country_iso3"]]
    finally:
        study.close()
    rows = [{"city_id": cid, "year": s.get("year"),
             "eal_usd": (s.get("eal_usd_by_hazard") or {}).get("earthquake", 0.0),
             "value_usd": s.get("value_usd") or 0.0,
             "deaths_per_year": (s.get("fatalities_yr_by_hazard") or {}).get("earthquake", 0.0)}
            for cid, s in summ.items()]
    wide = pd.DataFrame(rows).merge(cities, on="city_id")
    wide["eal_ratio_permille"] = 1000.0 * wide["eal_usd"] / wide["value_usd"]
    by = wide.groupby("country_iso3").agg(
        cities=("city_id", "size"), eal_musd=("eal_usd", lambda s: s.sum() / 1e6),
        value_busd=("value_usd", lambda s: s.sum() / 1e9),
        deaths_per_year=("deaths_per_year", "sum"))
    total = pd.DataFrame([{"cities": int(by["cities"].sum()), "eal_musd": by["eal_musd"].sum(),
                           "value_busd": by["value_busd"].sum(),
                           "deaths_per_year": by["deaths_per_year"].sum()}],
                         index=pd.Index(["five countries"], name="country_iso3"))
    by = pd.concat([by, total])
    by["eal_ratio_permille"] = by["eal_musd"] / by["value_busd"]
    return by, wide


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--json")
    a = ap.parse_args()
    by, wide = national_sums(a.out)
    print(by.round(2).to_markdown() if hasattr(by, "to_markdown") else by.round(2))
    top = wide.sort_values("eal_usd", ascending=False).head(10)
    print(top[["city_id", "eal_usd", "value_usd", "eal_ratio_permille", "deaths_per_year"]]
          .round(3).to_string(index=False))
    if a.json:
        Path(a.json).write_text(json.dumps({"study": str(a.out),
                                            "by_country": by.round(4).reset_index()
                                            .to_dict(orient="records"),
                                            "cities": wide.round(4).to_dict(orient="records")},
                                           indent=1))


if __name__ == "__main__":
    main()
