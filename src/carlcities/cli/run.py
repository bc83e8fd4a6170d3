"""The study commands: ``run``, ``demo``, ``cities``, ``indicators``, ``engines``, ``report``,
``init``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import CarlError, ConfigError
from .common import Progress, err_console, fail, interrupted, out_console, split_list

__all__ = ["run_app"]

run_app = typer.Typer()  #: its commands are added to the top level of ``carlcities``


@run_app.command()
def run(
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Study configuration YAML "
                                          "(make one with `carlcities init`). Without it, the "
                                          "bundled Central Asia study runs on the demo region."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output directory: manifest.json, "
                             "study.duckdb, exports/, rasters/, report/."),
    cities: Optional[str] = typer.Option(None, "--cities", help="Comma-separated city ids or "
                                         "names, e.g. almaty,tashkent,osh (default: all)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1,
                                          help="Parallel worker processes (default: run.workers "
                                               "from the config, else as many as the CPU cores "
                                               "and memory allow; always capped by them)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip the HTML reports."),
    force: bool = typer.Option(False, "--force", help="Recompute every city and stage even when "
                               "nothing changed since the last complete run."),
) -> None:
    """Run the study: check → cities → scorecards → appraisal → exports → reports → commit.

    Every input is checked before any city starts (`carlcities check` does only that). The run
    works in OUT/runs/RUN_ID/ and swaps its store, rasters, exports, report and manifest into
    place only when it succeeded: a failed, killed or disk-full run leaves the last complete
    results exactly as they were. Run the same command again and it resumes: cities whose
    settings and inputs are unchanged are reused. With nothing changed it does nothing
    (--force recomputes). One run writes into OUT at a time; others may read it meanwhile.

    Examples:

      carlcities run --out out/

      carlcities run --cities almaty,bishkek,tashkent --out out/

      carlcities run --config study.yaml --out results/ --workers 2
    """
    from .. import run_study

    ids = split_list(cities)
    if cities is not None and not ids:
        fail(ConfigError(f"--cities {cities!r} names no city", fix="give comma-separated city "
                         "ids or names (`carlcities cities` lists them), or leave --cities out "
                         "to run every city of the study"))
    try:
        s = run_study(config, out, cities=ids, workers=workers, progress=True,
                      report=not no_report, force=force,
                      say=lambda m: err_console.print(f"[yellow]note[/yellow]: {m}",
                                                      highlight=False))
    except CarlError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted("finished cities")
    if s.status == "unchanged":
        out_console.print(f"[green]up to date[/green]: nothing changed since run {s.run_id} "
                          f"→ {out} (--force recomputes)")
        return
    msg = f"run {s.run_id}: {len(s.cities)} cities"
    if s.skipped:
        msg += f" ({'resumed; ' if s.resumed else ''}{len(s.skipped)} reused unchanged)"
    elif s.resumed:
        msg += " (resumed)"
    out_console.print(f"[green]done[/green] {msg} in {s.timings.get('total', 0):.1f} s → {out}")
    if not no_report:
        out_console.print(f"report: {out / 'report' / 'index.html'}")


@run_app.command()
def check(
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Study configuration "
                                          "YAML (default: the bundled study)."),
    cities: Optional[str] = typer.Option(None, "--cities", help="Comma-separated city ids or "
                                         "names (default: the study's)."),
) -> None:
    """Check every input a run would read, and report every problem at once.

    Rasters (CRS, nodata, coverage of each city, the blocks over it read), districts (CRS,
    validity, overlap), OSM and GTFS files, scorecards, surveys, workbooks, activity,
    override, catalogue and vulnerability files. Writes nothing. Exit code 0: all good;
    2: problems, each with its file, line or cell and the fix.
    """
    from ..catalog import load_catalog
    from ..config import load_config
    from ..engines import order
    from ..errors import PreflightError
    from ..preflight import check_inputs

    ids = split_list(cities)
    if cities is not None and not ids:
        fail(ConfigError(f"--cities {cities!r} names no city", fix="give comma-separated city "
                         "ids or names, or leave --cities out"))
    try:
        cfg = load_config(config)
        order(list(cfg.run.engines))
        catalog = load_catalog()
        rep = check_inputs(cfg, catalog.select(ids or cfg.cities), catalog)
    except CarlError as exc:
        fail(exc)
    if rep.problems:
        fail(PreflightError(rep.problems) if len(rep.problems) > 1 else rep.problems[0])
    out_console.print(f"[green]ok[/green]: {len(rep.checked)} inputs checked in "
                      f"{rep.seconds:.1f} s; no problems")


@run_app.command()
def demo(
    out: Path = typer.Option(..., "--out", "-o", help="Directory for the demo data set."),
    cities: Optional[str] = typer.Option(None, "--cities", help="Comma-separated city ids "
                                         "(default: all)."),
) -> None:
    """Write the synthetic demo region (real formats, flagged synthetic).

    For every catalogue city: GHSL-style built-up surface and population GeoTIFFs
    (Mollweide, 100 m) for 1990, 2000, 2010, 2020 and a DEM (WGS 84).

    The files use the real products' names, formats and nodata, and carry `synthetic=true` in
    their metadata; everything derived from them is flagged synthetic. `run` builds and caches
    this by itself when no real data are configured.
    """
    from ..catalog import load_catalog
    from ..config import default_config
    from ..demo import generate
    from ..grid import grid_kw

    cfg = default_config()
    try:
        sel = load_catalog().select(split_list(cities))
    except CarlError as exc:
        fail(exc)
    prog = Progress(True)
    with prog.bars():
        task = prog.task("demo data (synthetic)", len(sel))
        generate(out, sel, epochs=tuple(cfg.epochs),
                 progress=lambda cid: prog.advance(task, f"demo data: {cid}"), **grid_kw(cfg))
    out_console.print(f"[green]wrote[/green] synthetic demo data for {len(sel)} cities → {out}")


@run_app.command()
def cities(
    country: Optional[str] = typer.Option(None, "--country", help="Only this country (ISO3: KAZ, "
                                          "KGZ, TJK, TKM, UZB)."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
) -> None:
    """List the catalogue: the 48 cities of the 2023 Central Asia study.

    With the latest population, its year and source, and the basis on which each city is
    included (city proper ≥ 150,000, or wider urban area)."""
    from ..catalog import load_catalog

    cat = [c for c in load_catalog() if not country or c.country_iso3 == country.upper()]
    if as_csv:
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(["city_id", "name_en", "name_ru", "country_iso3", "population",
                    "population_year", "setting", "inclusion_basis"])
        for c in cat:
            w.writerow([c.city_id, c.name_en, c.name_ru, c.country_iso3, int(c.population),
                        c.population_year, c.setting, c.inclusion_basis])
        return
    t = Table(title=f"{len(cat)} cities / городов")
    for col in ("id", "city", "город", "country", "population", "year", "setting"):
        t.add_column(col, justify="right" if col in ("population", "year") else "left")
    for c in cat:
        t.add_row(c.city_id, c.name_en, c.name_ru, c.country_iso3, f"{c.population:,.0f}",
                  str(c.population_year), c.setting)
    out_console.print(t)


@run_app.command()
def indicators(
    theme: Optional[str] = typer.Option(None, "--theme", help="Only one theme (form, growth)."),
) -> None:
    """List the registered indicators with names in English and Russian and units.

    Also whether each is computed per district. The same registry drives the pipeline, the
    reports and docs/indicators.md."""
    from ..indicators import all_indicators

    t = Table(title="indicators / индикаторы")
    for col in ("id", "name", "название", "unit", "kind", "districts"):
        t.add_column(col)
    for ind in all_indicators(theme):
        t.add_row(ind.id, ind.name_en, ind.name_ru, ind.unit, ind.kind,
                  "yes" if ind.zonal else "no")
    out_console.print(t)


@run_app.command()
def engines() -> None:
    """List the engines a run can use: built-in and installed plug-ins, in run order.

    Each engine names the settings section it owns, what it needs (it cannot run without),
    what it uses when enabled (it runs after them), the input roles it reads and the store
    tables it adds. Plug-ins come from the `carlcities.engines` entry-point group
    (docs/architecture.md says how to write one); list them in run.engines to use them."""
    import re

    from ..engines import order, registered

    try:
        reg = registered()
        ordered = order([n for n in reg if n != "form"])
    except CarlError as exc:
        fail(exc)
    t = Table(title="engines / модули расчёта")
    for col in ("engine", "settings", "needs", "uses", "inputs", "tables", "from"):
        t.add_column(col)
    for e in ordered:
        tables = sorted(set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", e.ddl or "")))
        t.add_row(e.name, e.section or "", ", ".join(e.needs), ", ".join(e.uses),
                  ", ".join(e.inputs), ", ".join(tables), type(e).__module__.split(".")[0])
    out_console.print(t)


@run_app.command()
def report(
    out: Path = typer.Option(Path("out"), "--out", "-o", help="The output directory of a run."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write print-ready A4 PDFs (English and "
                             "Russian) of the regional page and each city in report/pdf/."),
    pdf_cities: str = typer.Option("", "--pdf-cities", help="Comma-separated city ids to print "
                                   "(default: all)."),
) -> None:
    """Rebuild the HTML reports from the store in OUT, without recomputing anything.

    Writes report/index.html and one profile per city, each also as CITY.en.html and
    CITY.ru.html. Pages work offline (no CDN). --pdf needs WeasyPrint (see README)."""
    from ..outdir import WriterLock
    from ..pipeline import rebuild_report

    if not (out / "study.duckdb").exists():
        fail(CarlError("no results store here", path=out / "study.duckdb",
                        fix="run `carlcities run --out DIR` first, or point --out at a run"))
    try:
        with WriterLock(out):
            p = rebuild_report(out)
            if pdf:
                from ..report.pdf import write_pdfs

                only = [c.strip() for c in pdf_cities.split(",") if c.strip()] or None
                pdfs = write_pdfs(p.parent, cities=only, workers=min(4, os.cpu_count() or 1))
                out_console.print(f"[green]pdf[/green] → {p.parent / 'pdf'} ({len(pdfs)} files)")
    except CarlError as exc:
        fail(exc)
    out_console.print(f"[green]report[/green] → {p}")


@run_app.command()
def init(
    path: Path = typer.Argument(Path("study.yaml"), help="Where to write the configuration."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a study configuration YAML with every setting documented.

    Each setting appears with its default, and its help and unit as comments.

    Edit it, then: carlcities run --config study.yaml --out out/
    """
    from ..config_docs import render_template

    if path.exists() and not force:
        fail(CarlError("the file exists", path=path, fix="use --force to overwrite it, or "
                                                          "choose another path"))
    path.write_text(render_template(), encoding="utf-8")
    out_console.print(f"[green]wrote[/green] {path}")
