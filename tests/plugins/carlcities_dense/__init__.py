"""A tiny third-party engine, installed as a plug-in by ``tests/test_engines.py``.

It adds one indicator (``dense.core_share``: share of residents in cells whose built-up share
is at least one half), one table (``dense_cells``) and one report section, through the
``carlcities.engines`` entry-point group, without editing carlcities.
"""

from __future__ import annotations

import html

import numpy as np

from carlcities.engines import BaseEngine, EngineResult, ReportSection
from carlcities.indicators import indicator


@indicator("dense.core_share", name_en="Residents in dense cells",
           name_ru="Жители плотно застроенных ячеек", unit="%",
           inputs=("dense_population", "population"), reference="test plug-in",
           method="share of residents in cells at least half built up", zonal=False)
def core_share(dense_population: float, population: float) -> float:
    return 100.0 * dense_population / population


class DenseEngine(BaseEngine):
    name = "dense"
    needs = ("form",)
    ddl = ("CREATE TABLE IF NOT EXISTS dense_cells (city_id VARCHAR, run_id VARCHAR, "
           "epoch INTEGER, cells INTEGER, population DOUBLE)")

    def run(self, ctx):
        from carlcities.indicators import evaluate

        last = max(ctx.epochs)
        lay = ctx.epochs[last]
        pop = np.nan_to_num(lay.population)
        dense = np.nan_to_num(lay.builtup) >= 0.5
        vals = evaluate(dict(dense_population=float(pop[dense].sum()),
                             population=float(pop.sum())), kind="epoch", zonal_only=False)
        rows = [ctx.row(iid, v.value, epoch=last, source="dense plug-in", flag=v.flag)
                for iid, v in vals.items() if iid.startswith("dense.")]
        return EngineResult(rows=rows, tables=dict(epoch=last, cells=int(dense.sum()),
                                                   population=float(pop[dense].sum())),
                            notes=[f"dense: {int(dense.sum())} cells at least half built up"])

    def write(self, con, run_id, city_id, result):
        t = result.tables
        con.execute("DELETE FROM dense_cells WHERE run_id = ? AND city_id = ?",
                    [run_id, city_id])
        con.execute("INSERT INTO dense_cells VALUES (?, ?, ?, ?, ?)",
                    [city_id, run_id, t["epoch"], t["cells"], t["population"]])

    def report_section(self, study, city_id, lang):
        df = study.table("dense_cells", city=city_id)
        if df.empty:
            return None
        r = df.iloc[0]
        body = (f"<p class='dense-plugin'>{int(r['cells'])} "
                + ("cells at least half built up" if lang == "en"
                   else "ячеек застроены не менее чем наполовину") + "</p>")
        return ReportSection("dense", "Dense cells (plug-in)", "Плотные ячейки (модуль)",
                             html.unescape(body))


ENGINE = DenseEngine()
