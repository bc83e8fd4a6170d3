"""Store tables of the appraisal (DESIGN.md style: one row per fact, ``run_id`` on every row).

``options``             every option appraised for a city (carbon actions, resilience options,
                        growth scenarios, packages) with its costs and sources;
``appraisal``           (option, metric, value, unit): NPV, BCR, IRR, abatement cost, avoided
                        losses, lives and emissions, Monte Carlo NPV bounds, P(NPV > 0), SMAA
                        confidence factors;
``rank_acceptability``  SMAA-2: probability that the option takes each rank, per stakeholder
                        profile, pooled and with uniform weights;
``central_weights``     SMAA-2 central weight vectors;
``portfolio``           the best set of options under the budget;
``benchmark``           every city's percentile rank per indicator, in the region and among peers;
``typology``            the type of each city and the indicators that separate the types;
``recommendations``     per city and for the region (``city_id`` = 'region'), with the store
                        rows each one cites in ``evidence`` (JSON); ``section`` is ``policy``
                        or ``measure_next`` (data gaps, options whose cost must be known
                        first); policies name their lever and the body type (city,
                        ministry, utility).
"""

from __future__ import annotations

import json
from typing import Any

from carlcities._schema import apply_ddl

__all__ = ["DDL", "ensure_tables", "write_all"]

DDL = """
CREATE TABLE IF NOT EXISTS options (
    run_id VARCHAR, city_id VARCHAR, option_id VARCHAR, kind VARCHAR, name_en VARCHAR,
    name_ru VARCHAR, capex_usd DOUBLE, opex_usd_yr DOUBLE, lifetime_yr DOUBLE,
    start_year INTEGER, mechanism VARCHAR, sources VARCHAR, flags VARCHAR, parts VARCHAR,
    essentials VARCHAR
);
CREATE TABLE IF NOT EXISTS appraisal (
    run_id VARCHAR, city_id VARCHAR, option_id VARCHAR, metric VARCHAR, value DOUBLE,
    unit VARCHAR
);
CREATE TABLE IF NOT EXISTS rank_acceptability (
    run_id VARCHAR, city_id VARCHAR, option_id VARCHAR, profile VARCHAR, rank INTEGER,
    probability DOUBLE
);
CREATE TABLE IF NOT EXISTS central_weights (
    run_id VARCHAR, city_id VARCHAR, profile VARCHAR, option_id VARCHAR, criterion VARCHAR,
    weight DOUBLE
);
CREATE TABLE IF NOT EXISTS portfolio (
    run_id VARCHAR, city_id VARCHAR, option_id VARCHAR, value_usd DOUBLE, cost_usd DOUBLE,
    budget_usd DOUBLE, objective VARCHAR
);
CREATE TABLE IF NOT EXISTS benchmark (
    run_id VARCHAR, city_id VARCHAR, indicator_id VARCHAR, epoch INTEGER, value DOUBLE,
    unit VARCHAR, higher_is VARCHAR, peer_by VARCHAR, peer_group VARCHAR, region_pct DOUBLE,
    peer_pct DOUBLE, region_standing DOUBLE, peer_standing DOUBLE, n_region INTEGER,
    n_peer INTEGER, peer_median DOUBLE, region_median DOUBLE
);
CREATE TABLE IF NOT EXISTS typology (
    run_id VARCHAR, city_id VARCHAR, type INTEGER, k INTEGER, silhouette DOUBLE,
    separating VARCHAR
);
CREATE TABLE IF NOT EXISTS recommendations (
    run_id VARCHAR, city_id VARCHAR, rec_id VARCHAR, priority VARCHAR, template VARCHAR,
    text_en VARCHAR, text_ru VARCHAR, confidence DOUBLE, confidence_label VARCHAR,
    options VARCHAR, evidence VARCHAR, section VARCHAR, lever_en VARCHAR, lever_ru VARCHAR,
    body VARCHAR
);
"""
#: columns added since the first version of a table (older stores get them, NULL)
ADDED = tuple(("recommendations", c, "VARCHAR") for c in ("section", "lever_en", "lever_ru",
                                                          "body"))

TABLES = ("options", "appraisal", "rank_acceptability", "central_weights", "portfolio",
          "benchmark", "typology", "recommendations")

_COLS = {
    "options": ("run_id", "city_id", "option_id", "kind", "name_en", "name_ru", "capex_usd",
                "opex_usd_yr", "lifetime_yr", "start_year", "mechanism", "sources", "flags",
                "parts", "essentials"),
    "appraisal": ("run_id", "city_id", "option_id", "metric", "value", "unit"),
    "rank_acceptability": ("run_id", "city_id", "option_id", "profile", "rank", "probability"),
    "central_weights": ("run_id", "city_id", "profile", "option_id", "criterion", "weight"),
    "portfolio": ("run_id", "city_id", "option_id", "value_usd", "cost_usd", "budget_usd",
                  "objective"),
    "benchmark": ("run_id", "city_id", "indicator_id", "epoch", "value", "unit", "higher_is",
                  "peer_by", "peer_group", "region_pct", "peer_pct", "region_standing",
                  "peer_standing", "n_region", "n_peer", "peer_median", "region_median"),
    "typology": ("run_id", "city_id", "type", "k", "silhouette", "separating"),
    "recommendations": ("run_id", "city_id", "rec_id", "priority", "template", "text_en",
                        "text_ru", "confidence", "confidence_label", "options", "evidence",
                        "section", "lever_en", "lever_ru", "body"),
}


def ensure_tables(con) -> None:
    """Create the appraisal tables if they do not exist (idempotent)."""
    apply_ddl(con, DDL, ADDED)


def _cell(v: Any) -> Any:
    if type(v) in (str, float, int) or v is None:
        return v
    if isinstance(v, list | tuple | dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


_PLAIN = frozenset({str, float, int, type(None)})


def _column(rows: list[dict[str, Any]], col: str) -> list[Any]:
    """The cells of column ``col``: :func:`_cell` of each value, skipped where every value is
    already a plain str, float, int or None (which :func:`_cell` returns as it is)."""
    cells = [r.get(col) for r in rows]
    if _PLAIN.issuperset(map(type, cells)):
        return cells
    return [_cell(v) for v in cells]


def _insert(con, table: str, cols: tuple[str, ...], run_id: str,
            rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in one bulk statement through an Arrow table built column by column
    (DuckDB scans it without copying; ``executemany`` binds each row in turn: 23 s against
    0.19 s for ~186k rows). DuckDB casts each column to the table's type as ``executemany``
    would; a column whose Python values Arrow cannot hold in one type falls back to
    ``executemany``."""
    import pyarrow as pa

    columns = {c: [run_id] * len(rows) if c == "run_id" else _column(rows, c) for c in cols}
    try:
        data = pa.table({c: pa.array(v) for c, v in columns.items()})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})", list(zip(*columns.values())))
        return
    name = f"_bulk_{table}"
    con.register(name, data)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                    f"FROM {name}")
    finally:
        con.unregister(name)


def write_all(con, run_id: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Replace this run's appraisal rows by ``tables`` in one transaction."""
    ensure_tables(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for t in TABLES:
            con.execute(f"DELETE FROM {t} WHERE run_id = ?", [run_id])
            if tables.get(t):
                _insert(con, t, _COLS[t], run_id, tables[t])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
