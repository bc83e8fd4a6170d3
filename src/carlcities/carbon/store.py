"""Store tables of the carbon module: the GPC inventory and the action appraisal.

:func:`write_city` neither opens nor commits a transaction: the pipeline calls it inside the
city's transaction (``Store.write_city``), so a city's carbon results are written together
with its indicator values or not at all.
"""

from __future__ import annotations

from typing import Any

from carlcities._schema import apply_ddl

__all__ = ["DDL", "ensure_tables", "write_city"]

DDL = """
CREATE TABLE IF NOT EXISTS ghg_inventory (
    city_id VARCHAR, run_id VARCHAR, year INTEGER,
    sector VARCHAR, subsector VARCHAR, gpc_ref VARCHAR,   -- e.g. 'I.1.2' (sub-sector, scope)
    scope INTEGER, gas VARCHAR,                           -- CO2 | CH4 | N2O | CO2e
    value_t DOUBLE,                                       -- mass of the gas [t/yr]
    co2e_t DOUBLE,                                        -- [t CO2e/yr]
    notation_key VARCHAR,                                 -- NO | NE | IE | C, else NULL
    method VARCHAR, source VARCHAR, synthetic BOOLEAN,
    vehicle_class VARCHAR, in_basic BOOLEAN, proxy BOOLEAN, gwp VARCHAR
);
CREATE TABLE IF NOT EXISTS ghg_actions (
    city_id VARCHAR, run_id VARCHAR, action_id VARCHAR, name_en VARCHAR, name_ru VARCHAR,
    abatement_2030_t DOUBLE, abatement_2050_t DOUBLE,     -- [t CO2e/yr]
    cost_usd_per_t DOUBLE,                                -- NULL when it abates nothing
    capex_usd DOUBLE, opex_usd_yr DOUBLE, lifetime_yr DOUBLE,
    co_benefits VARCHAR,                                  -- JSON
    synthetic BOOLEAN,
    resilience VARCHAR, flag VARCHAR, units DOUBLE, unit VARCHAR, sources VARCHAR,
    uptake_start INTEGER, uptake_full INTEGER,            -- S-curve years
    uptake_share DOUBLE,                                  -- share of the stock reached
    uptake_scope VARCHAR,                                 -- city id, ISO3 or '*' (default)
    uptake_source VARCHAR                                 -- the plan or target followed
);
CREATE TABLE IF NOT EXISTS ghg_proxies (
    city_id VARCHAR, run_id VARCHAR, key VARCHAR, scope VARCHAR, level VARCHAR,
    value VARCHAR, unit VARCHAR, stands_for VARCHAR, source VARCHAR, confidence VARCHAR
);
"""

_INV = ("city_id", "run_id", "year", "sector", "subsector", "gpc_ref", "scope", "gas",
        "value_t", "co2e_t", "notation_key", "method", "source", "synthetic", "vehicle_class",
        "in_basic", "proxy", "gwp")
_ACT = ("city_id", "run_id", "action_id", "name_en", "name_ru", "abatement_2030_t",
        "abatement_2050_t", "cost_usd_per_t", "capex_usd", "opex_usd_yr", "lifetime_yr",
        "co_benefits", "synthetic", "resilience", "flag", "units", "unit", "sources",
        "uptake_start", "uptake_full", "uptake_share", "uptake_scope", "uptake_source")
# columns added after 0.2.0: stores written before get them (NULL) on first use
_ADDED = (("ghg_actions", "uptake_start", "INTEGER"), ("ghg_actions", "uptake_full", "INTEGER"),
          ("ghg_actions", "uptake_share", "DOUBLE"), ("ghg_actions", "uptake_scope", "VARCHAR"),
          ("ghg_actions", "uptake_source", "VARCHAR"))
_PROX = ("city_id", "run_id", "key", "scope", "level", "value", "unit", "stands_for",
         "source", "confidence")


def ensure_tables(con) -> None:
    """Create the carbon tables if they do not exist (idempotent)."""
    apply_ddl(con, DDL, _ADDED)


def write_city(con, run_id: str, city_id: str, result: Any) -> None:
    """Replace this run's carbon rows of ``city_id`` by those of ``result`` (a CarbonResult).

    Does not BEGIN or COMMIT: call it inside the city's transaction.
    """
    ensure_tables(con)
    for t in ("ghg_inventory", "ghg_actions", "ghg_proxies"):
        con.execute(f"DELETE FROM {t} WHERE run_id = ? AND city_id = ?", [run_id, city_id])
    syn = bool(result.synthetic)
    inv_rows = [[city_id, run_id, r["year"], r["sector"], r["subsector"], r["gpc_ref"],
                 r["scope"], r["gas"], r["value_t"], r["co2e_t"], r["notation_key"],
                 r["method"], r["source"], syn, r.get("vehicle_class") or "",
                 bool(r["in_basic"]), bool(r["proxy"]), r.get("gwp")]
                for r in result.inventory]
    if inv_rows:
        con.executemany(f"INSERT INTO ghg_inventory ({', '.join(_INV)}) VALUES "
                        f"({', '.join('?' * len(_INV))})", inv_rows)
    act_rows = [[city_id, run_id, a["action_id"], a["name_en"], a["name_ru"],
                 _f(a["abatement_2030_t"]), _f(a["abatement_2050_t"]), _f(a["cost_usd_per_t"]),
                 _f(a["capex_usd"]), _f(a["opex_usd_yr"]), _f(a["lifetime_yr"]),
                 a["co_benefits"], syn, a["resilience"], a["flag"], _f(a["units"]), a["unit"],
                 a["sources"], a.get("uptake_start"), a.get("uptake_full"),
                 _f(a.get("uptake_share")), a.get("uptake_scope"), a.get("uptake_source")]
                for a in result.actions]
    if act_rows:
        con.executemany(f"INSERT INTO ghg_actions ({', '.join(_ACT)}) VALUES "
                        f"({', '.join('?' * len(_ACT))})", act_rows)
    prox = [[city_id, run_id, p["key"], p["scope"], p["level"], _text(p["value"]), p["unit"],
             p.get("stands_for", ""), p["source"], p["confidence"]] for p in result.proxies]
    if prox:
        con.executemany(f"INSERT INTO ghg_proxies ({', '.join(_PROX)}) VALUES "
                        f"({', '.join('?' * len(_PROX))})", prox)


def _text(v: Any) -> str:
    """A parameter value as text: floats to 6 significant digits (1.626, not 1.6260000000000001,
    after a unit conversion), everything else as it is."""
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _f(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if v == v and abs(v) != float("inf") else None
