"""``carlcities data …``: list the public sources (``data sources``) and download what a
study needs (``data fetch``), over :mod:`carlcities.fetch`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..errors import CarlError, DataSourceError
from ..fetch import fetch, load_sources, mirror_url, read_checksums
from .common import fail, interrupted, out_console, split_list

__all__ = ["data_app"]

data_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode="rich",
    help="Real input data: list the public sources and download what a study needs.\n\n"
         "[bold]carlcities data sources[/bold] lists the products with their licences; "
         "[bold]carlcities data fetch --cities osh --dest data/[/bold] downloads them and "
         "writes data/carlcities-data.yaml, a study configuration that points at them.")
@data_app.command("sources")
def sources_cmd() -> None:
    """List the products `data fetch` can download: names in English and Russian,
    publisher, licence, whether the URL pattern is verified, and the setting it fills.

    Products marked [bold]default[/bold] are fetched when --products is not given. Read
    each licence before you use or share the data: GEM's exposure model is
    non-commercial (CC BY-NC-SA 4.0), OpenStreetMap is ODbL (share-alike)."""
    try:
        srcs = load_sources()
    except CarlError as exc:
        fail(exc)
    t = Table(title="data sources / источники данных")
    for col in ("id", "product", "продукт", "publisher", "licence", "access", "URL verified",
                "fills", "default"):
        t.add_column(col, no_wrap=col == "id")
    for s_ in srcs.products.values():
        t.add_row(s_.id, s_.title_en, s_.title_ru, s_.publisher, s_.licence,
                  s_.access + (f" ({s_.auth})" if s_.auth else ""),
                  "yes" if s_.url_verified else "[yellow]no[/yellow]",
                  f"data.{s_.config_key}" if s_.config_key else "-",
                  "yes" if s_.default else "")
    out_console.print(t)
    for s_ in srcs.products.values():
        if s_.licence_note:
            out_console.print(f"[bold]{s_.id}[/bold] ({s_.licence}): {s_.licence_note}")
    out_console.print("Landing pages, formats and how files are chosen: docs/data_fetch.md, "
              "src/carlcities/data/data_sources.yaml")

@data_app.command("fetch")
def fetch_cmd(
    cities: str | None = typer.Option(None, "--cities", help="Comma-separated city ids or "
                                      "names, e.g. almaty,osh (default: all 48)."),
    products: str | None = typer.Option(None, "--products", help="Comma-separated "
                                        "product ids from `carlcities data sources` "
                                        "(default: the products marked default)."),
    dest: Path = typer.Option(Path("data"), "--dest", "-d", help="Folder for the files, "
                              "manifest.json and carlcities-data.yaml."),
    base_url: str | None = typer.Option(None, "--base-url", help="A mirror: replaces the "
                                        "scheme and host of every URL (the path is kept), "
                                        "e.g. http://mirror.local/data."),
    epochs: str | None = typer.Option(None, "--epochs", help="Comma-separated years of "
                                      "the layers (default: the study's 1990,2000,2010,"
                                      "2020)."),
    checksums: Path | None = typer.Option(None, "--checksums", help="A sha256sum-style "
                                          "file ('HEX  NAME' lines): downloads whose "
                                          "sha256 differs are refused and deleted."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the URLs and sizes "
                                 "(HEAD requests) and download nothing."),
    retries: int = typer.Option(4, "--retries", min=0, help="Retries per file after a "
                                "network or server error (waits 1, 2, 4, ... s)."),
    timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds without data "
                                  "before a connection counts as failed."),
) -> None:
    """Download the real inputs for some cities, then write a configuration for them.

    Which files: GHSL tiles that cover each city's study square (per epoch), one
    OpenStreetMap or WorldPop file per country, one earthquake catalogue for the region.
    Each file arrives as NAME.part and is renamed when complete; an interrupted download
    resumes (HTTP Range) when you run the same command again, and files already in
    DEST/manifest.json with the same size and sha256 are not downloaded again.

    Afterwards DEST/carlcities-data.yaml holds the full study configuration with the
    data: paths filled in:

      carlcities data fetch --cities osh,bishkek --dest data/ --dry-run

      carlcities data fetch --cities osh,bishkek --dest data/

      carlcities run --config data/carlcities-data.yaml --cities osh,bishkek --out out/
    """
    try:
        ys = [int(y) for y in split_list(epochs) or []] or None
    except ValueError:
        fail(DataSourceError(f"--epochs {epochs!r} is not a list of years",
                             fix="write years separated by commas, e.g. 2000,2020"))
    try:
        sums = read_checksums(checksums) if checksums else None
        r = fetch(split_list(cities), split_list(products), dest, base_url=base_url,
                  dry_run=dry_run, epochs=ys, checksums=sums, retries=retries,
                  timeout=timeout, progress=not dry_run)
    except CarlError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted("finished files")
    if dry_run:
        t = Table(title=f"{len(r.items)} files (dry run: nothing downloaded)")
        for col in ("product", "file", "size", "URL"):
            t.add_column(col, overflow="fold")
        for it in r.items:
            size = r.sizes.get(it.relpath)
            t.add_row(it.product, it.relpath,
                      f"{size / 1e6:,.1f} MB" if size is not None
                      else f"? ({r.notes.get(it.relpath, 'unknown')})",
                      mirror_url(it.url, base_url))
        out_console.print(t)
        out_console.print(f"total known size: {r.total_bytes / 1e6:,.1f} MB")
        return
    out_console.print(f"[green]done[/green] {len(r.downloaded)} downloaded, {len(r.skipped)} "
              f"already current → {dest}", soft_wrap=True)
    out_console.print(f"configuration: {r.config_path}", soft_wrap=True)
    out_console.print(f"run: carlcities run --config {r.config_path} --out out/", soft_wrap=True)


@data_app.command("check")
def check_cmd(
    config: Path = typer.Option(..., "--config", "-c", help="The study configuration, e.g. "
                                "data/carlcities-data.yaml written by `data fetch`."),
    cities: str | None = typer.Option(None, "--cities", help="Comma-separated city ids "
                                      "(default: the configuration's cities)."),
) -> None:
    """What the configured data will measure, before any computation: for each city, each
    input role (present, stood in by a fallback, or missing), the engines that will run,
    and what this study could not measure with the product that would add it.

      carlcities data check --config data/carlcities-data.yaml
    """
    from ..config import load_config
    from ..coverage import coverage

    try:
        cfg = load_config(config)
        cov = coverage(cfg, split_list(cities))
    except CarlError as exc:
        fail(exc)
    out_console.print(render_coverage(cov), soft_wrap=True)


def render_coverage(cov) -> str:  # type: ignore[no-untyped-def]
    """The matrix as text: roles × cities, engines × cities, then what is not measured."""
    from ..coverage import ROLES

    mark = {"present": "yes", "fallback": "fallback", "missing": "-"}
    ids = [c.city_id for c in cov.cities]
    w = max([len(i) for i in ids] + [9])
    lines = [f"coverage of the configured data ({cov.source}) / покрытие данными",
             "", f"{'input role':<22}" + "".join(f"{i:>{w + 2}}" for i in ids)]
    for info in ROLES:
        lines.append(f"{info.role:<22}" + "".join(
            f"{mark[c.roles[info.role]]:>{w + 2}}" for c in cov.cities))
    lines += ["", f"{'engine':<22}" + "".join(f"{i:>{w + 2}}" for i in ids)]
    for name in cov.cities[0].engines if cov.cities else []:
        lines.append(f"{name:<22}" + "".join(
            f"{c.engines[name].split(':')[0]:>{w + 2}}" for c in cov.cities))
    for c in cov.cities:
        if c.error:
            lines.append(f"{c.city_id}: the run stops: {c.error}")
    lines += ["", "what this study could not measure, and how to add it / "
              "что исследование не может измерить и как это добавить"]
    nm = cov.not_measured()
    if not nm:
        lines.append("  nothing: every role is there or has a fallback")
    for role, (cs, inds, prods) in nm.items():
        how = ("carlcities data fetch --products " + ",".join(prods)) if prods else \
            f"give data.{role} by hand"
        lines.append(f"  {role} ({', '.join(cs)}): {len(inds)} indicators, e.g. "
                     f"{', '.join(inds[:3])} → {how}")
    return "\n".join(lines)
