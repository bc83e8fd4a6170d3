"""Store tables of the risk engine: curves, historic scenarios, exposure by typology.

Indicator values (EAL, fatalities, 475-year PGA, exposed population, ...) go to
``indicator_values`` like every other theme; these tables hold what does not fit one number:

``risk_curves``     hazard curves (annual exceedance rate of PGA / MSK-64 at the city centre)
                    and loss exceedance curves (annual rate of exceeding a loss), one row per
                    point, with 5-95 % bounds across ground-motion realisations for losses;
``risk_scenarios``  each named historic earthquake at each city it affected: modelled
                    intensity beside the observed one from the literature, losses and deaths
                    (engineering model, the USGS PAGER empirical model, the toll then);
``risk_exposure``   the exposure model summed by typology and occupancy, per year and
                    exposure scenario;
``risk_summary``    one JSON document per city with what the appraisal needs (EAL by hazard
                    and typology, fatalities, flood losses per return period, heat deaths).

:func:`write_city` neither opens nor commits a transaction: the pipeline calls it inside the
city's transaction (``Store.write_city``), so a city's risk results land with its indicator
values or not at all.
"""

from __future__ import annotations

import json
from typing import Any

from carlcities._schema import apply_ddl

__all__ = ["DDL", "ensure_tables", "write_city"]

DDL = """
CREATE TABLE IF NOT EXISTS risk_curves (
    city_id VARCHAR, run_id VARCHAR, hazard VARCHAR,      -- earthquake | flood
    curve VARCHAR,                                        -- hazard | loss
    scenario VARCHAR, measure VARCHAR,                    -- e.g. PGA, MSK-64, loss
    unit VARCHAR, x DOUBLE,                               -- level of the measure [unit]
    annual_rate DOUBLE,                                   -- annual exceedance rate [1/yr]
    return_period DOUBLE,                                 -- 1 / annual_rate [yr]
    x_lo DOUBLE, x_hi DOUBLE,                             -- 5 and 95 % bounds of x
    synthetic BOOLEAN
);
CREATE TABLE IF NOT EXISTS risk_scenarios (
    city_id VARCHAR, run_id VARCHAR, event_id VARCHAR, name_en VARCHAR, name_ru VARCHAR,
    year INTEGER, magnitude DOUBLE, lon DOUBLE, lat DOUBLE, depth_km DOUBLE,
    distance_km DOUBLE,                                   -- epicentre (or trace) to city [km]
    msk_model DOUBLE, msk_sigma DOUBLE,                   -- Bindi et al. 2011 [MSK-64]
    msk_observed VARCHAR, observed_source VARCHAR,        -- from the literature
    pga_median_g DOUBLE,                                  -- at the centre, on the site [g]
    loss_usd DOUBLE, loss_lo DOUBLE, loss_hi DOUBLE,      -- today's exposure [USD]
    fatalities DOUBLE, fatalities_lo DOUBLE, fatalities_hi DOUBLE,
    synthetic BOOLEAN,
    fatalities_pager DOUBLE,                              -- USGS PAGER empirical model [persons]
    observed_deaths DOUBLE, deaths_source VARCHAR,        -- the event's toll then (NOAA)
    collapses DOUBLE, collapses_lo DOUBLE, collapses_hi DOUBLE  -- collapsed buildings today
);
CREATE TABLE IF NOT EXISTS risk_exposure (
    city_id VARCHAR, run_id VARCHAR, year INTEGER, taxonomy VARCHAR, occupancy VARCHAR,
    buildings DOUBLE, area_m2 DOUBLE, value_usd DOUBLE, occupants_night DOUBLE,
    eq_eal_usd DOUBLE,                                    -- [USD/yr] of this typology
    source VARCHAR, synthetic BOOLEAN
);
CREATE TABLE IF NOT EXISTS risk_summary (
    city_id VARCHAR, run_id VARCHAR, summary VARCHAR      -- JSON, see risk.run.RiskResult
);
"""

_CURVE = ("city_id", "run_id", "hazard", "curve", "scenario", "measure", "unit", "x",
          "annual_rate", "return_period", "x_lo", "x_hi", "synthetic")
_SCEN = ("city_id", "run_id", "event_id", "name_en", "name_ru", "year", "magnitude", "lon",
         "lat", "depth_km", "distance_km", "msk_model", "msk_sigma", "msk_observed",
         "observed_source", "pga_median_g", "loss_usd", "loss_lo", "loss_hi", "fatalities",
         "fatalities_lo", "fatalities_hi", "synthetic", "fatalities_pager", "observed_deaths",
         "deaths_source", "collapses", "collapses_lo", "collapses_hi")
# columns added after 0.2.0: older stores get them (NULL) on first use
_ADDED = (("risk_scenarios", "fatalities_pager", "DOUBLE"),
          ("risk_scenarios", "observed_deaths", "DOUBLE"),
          ("risk_scenarios", "deaths_source", "VARCHAR"),
          ("risk_scenarios", "collapses", "DOUBLE"),
          ("risk_scenarios", "collapses_lo", "DOUBLE"),
          ("risk_scenarios", "collapses_hi", "DOUBLE"))
_EXPO = ("city_id", "run_id", "year", "taxonomy", "occupancy", "buildings", "area_m2",
         "value_usd", "occupants_night", "eq_eal_usd", "source", "synthetic")


def ensure_tables(con) -> None:
    """Create the risk tables if they do not exist (idempotent)."""
    apply_ddl(con, DDL, _ADDED)


def _insert(con, table: str, cols: tuple[str, ...], rows: list[dict[str, Any]],
            city_id: str, run_id: str) -> None:
    if not rows:
        return
    data = [tuple(dict(r, city_id=city_id, run_id=run_id).get(c) for c in cols) for r in rows]
    con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' * len(cols))})", data)


def write_city(con, run_id: str, city_id: str, result: Any) -> None:
    """Replace this run's risk rows of ``city_id`` by those of ``result`` (a RiskResult).

    Does not BEGIN or COMMIT: call it inside the city's transaction.
    """
    ensure_tables(con)
    for t in ("risk_curves", "risk_scenarios", "risk_exposure", "risk_summary"):
        con.execute(f"DELETE FROM {t} WHERE run_id = ? AND city_id = ?", [run_id, city_id])
    _insert(con, "risk_curves", _CURVE, result.curves, city_id, run_id)
    _insert(con, "risk_scenarios", _SCEN, result.scenarios, city_id, run_id)
    _insert(con, "risk_exposure", _EXPO, result.exposure, city_id, run_id)
    con.execute("INSERT INTO risk_summary VALUES (?, ?, ?)",
                [city_id, run_id, json.dumps(result.summary, default=float, sort_keys=True)])
