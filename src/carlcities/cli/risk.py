"""``carlcities risk …``: run a named or any earthquake scenario for a city; list the events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import CarlError
from .common import fail, out_console

risk_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode="rich",
    help="Earthquake scenarios on a city's exposure, and the historic events packaged.\n\n"
         "Example: [bold]carlcities risk scenario almaty --event verny_1887[/bold]")

@risk_app.command("events")
def events_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the packaged historic earthquakes (use their id with `risk scenario --event`)."""
    from ..risk.historic import load_historic

    evs = load_historic()
    if as_json:
        typer.echo(json.dumps([dict(id=e.id, name_en=e.name_en, name_ru=e.name_ru,
                                    date=str(e.date), magnitude=e.magnitude,
                                    lon=e.epicentre_lon, lat=e.epicentre_lat,
                                    depth_km=e.depth_km, cities=[o.city for o in e.cities])
                               for e in evs], indent=2, ensure_ascii=False))
        return
    t = Table(title="Historic earthquakes / Исторические землетрясения")
    for c in ("id", "name", "date", "M", "epicentre", "depth [km]", "cities"):
        t.add_column(c)
    for e in evs:
        t.add_row(e.id, f"{e.name_en} / {e.name_ru}", str(e.date), f"{e.magnitude:.1f}",
                  f"{e.epicentre_lon:.2f}, {e.epicentre_lat:.2f}", f"{e.depth_km:g}",
                  ", ".join(o.city for o in e.cities))
    out_console.print(t)


@risk_app.command("scenario")
def scenario_cmd(
    city: str = typer.Argument(..., help="City id or name from the catalogue."),
    event: Optional[str] = typer.Option(None, "--event", help="Id of a packaged historic "
                                        "earthquake (see `carlcities risk events`)."),
    magnitude: Optional[float] = typer.Option(None, "--magnitude", "-m", help="Moment "
                                              "magnitude of your own rupture [Mw]."),
    lon: Optional[float] = typer.Option(None, "--lon", help="Epicentre longitude [deg E]."),
    lat: Optional[float] = typer.Option(None, "--lat", help="Epicentre latitude [deg N]."),
    depth: float = typer.Option(10.0, "--depth", help="Hypocentral depth [km] (intensity)."),
    realisations: int = typer.Option(50, "--realisations", min=0, help="Ground-motion fields "
                                     "sampled (0 = the median field only)."),
    time_of_day: str = typer.Option("night", "--time", help="Occupancy for deaths: day, night "
                                    "or transit."),
    demo_dir: Path = typer.Option(Path("out/demo"), "--demo-dir", help="Where the demo layers "
                                  "are (written there when missing)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Study configuration; "
                                          "with data.source: files its layers are used."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Losses and deaths of one earthquake for a city, on today's exposure.

    Give a packaged event (--event kemin_1911) or your own rupture (--magnitude 7.0 --lon 76.9
    --lat 43.1). The ground motion is BSSA14 on the site's Vs30, the losses come from the
    vulnerability curves of the study, and the 5-95 % range spans the sampled ground-motion
    fields. Demo layers are synthetic: so are the losses.
    """
    from ..catalog import load_catalog
    from ..config import load_config, resolve_path
    from ..engines.risk import risk_params
    from ..grid import grid_kw
    from ..inputs import city_inputs
    from ..risk.historic import load_historic
    from ..risk.scenario import run_scenario

    try:
        cfg = load_config(config)
        c = load_catalog().get(city)
        if event:
            evs = {e.id: e for e in load_historic()}
            if event not in evs:
                import difflib

                near = difflib.get_close_matches(event, list(evs), n=1)
                raise CarlError(f"unknown event {event!r}",
                                fix=(f"did you mean {near[0]!r}? " if near else "")
                                + "list them with `carlcities risk events`")
            e = evs[event]
            mag, elon, elat, dep = e.magnitude, e.epicentre_lon, e.epicentre_lat, e.depth_km
        else:
            if magnitude is None or lon is None or lat is None:
                raise CarlError("give --event or all of --magnitude, --lon and --lat",
                                fix="e.g. --magnitude 7.0 --lon 76.9 --lat 43.1")
            mag, elon, elat, dep = magnitude, lon, lat, depth
        if cfg.data.source == "demo":
            from ..demo import generate

            d = resolve_path(cfg, cfg.data.demo_dir) if cfg.data.demo_dir else demo_dir
            paths = generate(d, [c], epochs=tuple(cfg.epochs), extras=("hazards",),
                             **grid_kw(cfg))[c.city_id]
            inputs = {k: str(v) for k, v in paths.items()}
        else:
            inputs = city_inputs(cfg, c, None)
        r = run_scenario(c, inputs, magnitude=min(mag, 8.5), lon=elon, lat=elat, depth_km=dep,
                         epochs=list(cfg.epochs), grid_kw=grid_kw(cfg),
                         realisations=realisations, seed=cfg.risk.seed,
                         time_of_day=time_of_day, gmpe=cfg.risk.gmpe,
                         params=risk_params(cfg))
    except CarlError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(r, indent=2, ensure_ascii=False, default=float))
        return
    t = Table(title=f"{c.name_en}: M{r['magnitude']:.1f} at ({elon:.2f}, {elat:.2f}), "
                    f"{r['distance_km']:.0f} km from the centre")
    t.add_column("quantity / величина")
    t.add_column("value / значение", justify="right")
    lo, hi = r["loss_interval"]
    flo, fhi = r["fatalities_interval"]
    for k, v in (("intensity at the centre [MSK-64] (Bindi et al. 2011)",
                  f"{r['msk']:.1f} ± {r['msk_sigma']:.1f}"),
                 ("median PGA at the centre [g] (BSSA14)", f"{r['pga_median_g']:.3f}"),
                 ("exposed value [M USD]", f"{r['exposed_value_usd'] / 1e6:,.0f}"),
                 ("loss [M USD] (5-95 %)", f"{r['loss_usd'] / 1e6:,.0f} ({lo / 1e6:,.0f} to "
                                           f"{hi / 1e6:,.0f})"),
                 (f"deaths ({time_of_day}) (5-95 %)", f"{r['fatalities']:,.0f} ({flo:,.0f} to "
                                                      f"{fhi:,.0f})"),
                 ("destroyed-building equivalent", f"{r['buildings_destroyed_equiv']:,.0f}")):
        t.add_row(escape(k), v)
    out_console.print(t)
    if cfg.data.source == "demo":
        out_console.print("[yellow]synthetic demo data — not real / синтетические данные[/yellow]")


@risk_app.command("calibrate")
def calibrate_cmd(
    events: Optional[Path] = typer.Option(None, "--events", help="Calibration events YAML "
                                          "(default: the packaged calibration_events.yaml)."),
    realisations: int = typer.Option(200, "--realisations", min=1, help="Ground-motion "
                                     "fields per event."),
    seed: int = typer.Option(0, "--seed", help="Seed of the ground-motion fields."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    write: bool = typer.Option(False, "--write", help="Also write the packaged table read by "
                               "the report (risk/data/calibration_results.csv)."),
) -> None:
    """Replay the region's damaging earthquakes on the exposure of their time: modelled deaths
    and collapses (5-95 %) beside the recorded ranges and the USGS PAGER estimate."""
    from ..risk.calibration import FACTOR, RESULT_COLUMNS, RESULTS_PATH, calibration_table

    try:
        df = calibration_table(events, realisations=realisations, seed=seed)
    except CarlError as exc:
        fail(exc)
    if write:
        df[list(RESULT_COLUMNS)].to_csv(RESULTS_PATH, index=False, float_format="%.6g")
        out_console.print(f"written {RESULTS_PATH}")
    if as_json:
        typer.echo(df.to_json(orient="records", force_ascii=False, indent=2))
        return
    t = Table(title="Historic earthquakes: modelled vs recorded / модель и факт")
    for c in ("event", "year", "deaths (5-95 %)", "recorded", "PAGER", "collapses (5-95 %)",
              "recorded", f"within ×{FACTOR:g}"):
        t.add_column(c)
    for r in df.itertuples():
        pager = "n/a" if r.pager is None or r.pager != r.pager else f"{r.pager:,.0f}"
        rec_c = "—" if r.collapses_recorded is None or r.collapses_recorded != \
            r.collapses_recorded else f"{r.collapses_recorded:,.0f}"
        t.add_row(r.event, str(r.exposure_year),
                  f"{r.deaths:,.0f} ({r.deaths_lo:,.0f}-{r.deaths_hi:,.0f})",
                  f"{r.recorded_low:,.0f}-{r.recorded_high:,.0f}", pager,
                  f"{r.collapses:,.0f} ({r.collapses_lo:,.0f}-{r.collapses_hi:,.0f})", rec_c,
                  ("yes" if r.within else "no") + ("" if r.city_scale else " (rural)"))
    out_console.print(t)
