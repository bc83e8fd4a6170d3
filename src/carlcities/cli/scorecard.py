"""``carlcities scorecard ...``: thin commands over :mod:`carlcities.scorecard`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import CarlError
from .common import fail, out_console

__all__ = ["scorecard_app"]

scorecard_app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
    help="Disaster resilience scorecard (UNDRR / MCR2030) and stakeholder surveys.\n\n"
         "The scorecard rates a city on the Ten Essentials: 47 preliminary questions scored "
         "0–3, or 117 detailed criteria scored 0–5. Fill one in with [bold]fill CITY[/bold], "
         "or start from [bold]template --out answers.yaml[/bold] (or .xlsx) and score it with "
         "[bold]score FILE[/bold]. Stakeholder surveys (AHP pairwise comparisons and Likert "
         "priorities) become appraisal weights with [bold]survey FILE --out weights.json[/bold].",
)

def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


@scorecard_app.command()
def fill(
    city: str = typer.Argument(..., help="City id or name from the catalogue, e.g. osh."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Answers file (YAML), "
                                        "written after every answer; default "
                                        "scorecard_CITY_LEVEL.yaml here. An existing file is "
                                        "resumed."),
    level: str = typer.Option("preliminary", "--level", "-l", help="preliminary (47 questions, "
                              "0–3) or detailed (117 criteria, 0–5)."),
    respondents: Optional[str] = typer.Option(None, "--respondents", "-r", help="Who answers, "
                                              "separated by ';' (asked when not given)."),
) -> None:
    """Answer the scorecard interactively, in English and Russian.

    Each question shows its Essential, topic and what each score means. Type a score, [bold]s[/bold]
    to skip, [bold]b[/bold] to go back, [bold]q[/bold] to save and quit; Enter keeps the current
    answer. The file is saved after every answer; run the same command again to continue.

    Example: carlcities scorecard fill osh --file osh_2024.yaml
    """
    from ..catalog import load_catalog
    from ..scorecard.fill import fill as run_fill

    try:
        c = load_catalog().get(city)
        path = file or Path(f"scorecard_{c.city_id}_{level}.yaml")
        run_fill(c.city_id, path, level=level, city_name=f"{c.name_en} / {c.name_ru}",
                 respondents=respondents, console=Console())
    except CarlError as exc:
        fail(exc)


@scorecard_app.command()
def score(
    files: list[Path] = typer.Argument(..., help="Answers files (.yaml, .csv or .xlsx); "
                                       "several cities are compared, two dates of one city "
                                       "show the change."),
    threshold: float = typer.Option(0.5, "--threshold", "-t", min=0, max=1,
                                    help="An Essential scoring below this share of its highest "
                                         "possible score is a gap [0–1]."),
) -> None:
    """Score answers per Essential and in total; list gaps and the recommendations.

    Share = score / highest possible score over the answered questions; completeness =
    answered / all questions (a partial scorecard is scored and marked incomplete).

    Example: carlcities scorecard score osh_2024.yaml bishkek.xlsx
    """
    from ..scorecard.io import read_answers
    from ..scorecard.questions import ESSENTIALS
    from ..scorecard.recommend import recommend
    from ..scorecard.scoring import change, score_assessment

    try:
        items = [read_answers(f) for f in files]
    except CarlError as exc:
        fail(exc)
    results = [score_assessment(a) for a in items]
    t = Table(title="Disaster resilience scorecard / Оценка устойчивости к бедствиям")
    t.add_column("Essential / Раздел")
    for a in items:
        t.add_column(f"{a.city_id}\n{a.assessment_date}", justify="right")
    for k in range(11):
        label = "Total / Итого" if k == 0 else f"{k} {ESSENTIALS[k - 1].short_en}"
        t.add_row(label, *[f"{_pct(r.rows()[k].share)} ({r.rows()[k].score}/"
                           f"{r.rows()[k].max_score})" for r in results])
    t.add_row("completeness", *[_pct(a.completeness) for a in items])
    out_console.print(t)
    by_city: dict[str, list[int]] = {}
    for i, a in enumerate(items):
        by_city.setdefault(a.city_id, []).append(i)
    for cid, idx in by_city.items():
        if len(idx) > 1:
            idx.sort(key=lambda i: items[i].assessment_date)
            if items[idx[0]].assessment_date == items[idx[-1]].assessment_date:
                continue
            d = change(results[idx[0]], results[idx[-1]])
            out_console.print(f"[bold]{cid}[/bold] change {items[idx[0]].assessment_date} → "
                       f"{items[idx[-1]].assessment_date}: " + ", ".join(
                           f"E{k} {100 * v:+.0f}" if k else f"total {100 * v:+.0f}"
                           for k, v in d.items() if v is not None) + " (share points)")
    for a, r in zip(items, results):
        if not a.complete:
            out_console.print(f"[yellow]{a.city_id} {a.assessment_date}: incomplete[/yellow] — "
                       f"{a.answered}/{len(a.questions)} questions scored")
        for rec in recommend(a, r, threshold):
            out_console.print(f"[bold]{rec.priority}[/bold] {rec.city_id} E{rec.essential}: "
                       f"{rec.text_en}\n  [dim]{rec.evidence_en}[/dim]")


@scorecard_app.command("import-xlsx")
def import_xlsx(
    file: Path = typer.Argument(..., help="Scorecard workbook (.xlsx): ours or one laid out "
                                "like the official UNDRR workbook."),
    out: Path = typer.Option(..., "--out", "-o", help="Answers file to write (.yaml or .csv)."),
    city: Optional[str] = typer.Option(None, "--city", help="City id, when the workbook has "
                                       "no Summary sheet."),
    date: Optional[str] = typer.Option(None, "--date", help="Assessment date YYYY-MM-DD, when "
                                       "the workbook has no Summary sheet."),
) -> None:
    """Read a scorecard workbook into a YAML (or CSV) answers file.

    The header row (Question ID, Score, Evidence, Respondents — English or Russian) is found
    wherever it is in the first 40 rows of each 'Essential N' sheet; columns may be in any
    order; extra sheets and columns are ignored. Bad cells are reported with their address,
    e.g. "Essential 2!F7: 'high' is not a number 0–3".

    Example: carlcities scorecard import-xlsx almaty_2024.xlsx --out almaty_2024.yaml
    """
    import datetime as dt

    from ..scorecard.io import read_workbook, write_answers

    try:
        d = dt.date.fromisoformat(date) if date else None
        a = read_workbook(file, city_id=city, assessment_date=d)
        write_answers(a, out)
    except CarlError as exc:
        fail(exc)
    except ValueError:
        fail(CarlError(f"--date {date!r} is not a date", fix="write it as YYYY-MM-DD"))
    out_console.print(f"[green]wrote[/green] {out}: {a.city_id} {a.assessment_date}, {a.answered}/"
               f"{len(a.questions)} scored")


@scorecard_app.command("export-xlsx")
def export_xlsx(
    file: Path = typer.Argument(..., help="Answers file (.yaml or .csv)."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
) -> None:
    """Write answers as a workbook: a Summary sheet and one sheet per Essential.

    English headers in row 1, Russian in row 2; the Score column accepts only 0–3 (or 0–5).
    Importing it again gives the same scores.

    Example: carlcities scorecard export-xlsx osh_2024.yaml --out osh_2024.xlsx
    """
    from ..scorecard.io import read_answers, write_workbook

    try:
        a = read_answers(file)
        write_workbook(a, out)
    except CarlError as exc:
        fail(exc)
    out_console.print(f"[green]wrote[/green] {out}")


@scorecard_app.command()
def survey(
    files: list[Path] = typer.Argument(..., help="Survey responses (.csv or .xlsx) with columns "
                                       "respondent, profile, type, criterion, versus, value."),
    out: Path = typer.Option(Path("weights.json"), "--out", "-o", help="Weight profiles (JSON)."),
) -> None:
    """Turn stakeholder surveys into appraisal weight profiles (AHP).

    Per respondent: weights from the principal eigenvector of their pairwise matrix and the
    consistency ratio CR (Saaty; CR > 0.10 is flagged and left out of the group). Per profile:
    the geometric mean of the consistent respondents' judgements, its weights and CR, and the
    consensus of the respondents' rankings (Kendall's W, 0 = none, 1 = full). Pairwise values
    use Saaty's scale 1/9–9 ("criterion is 3 times as important as versus" = 3); Likert
    priorities use 1–5.

    Example: carlcities scorecard survey ministry.csv finance.xlsx --out weights.json
    """
    from ..scorecard.survey import read_surveys, survey_weights, write_weights

    try:
        profiles = survey_weights(read_surveys(files))
    except CarlError as exc:
        fail(exc)
    write_weights(profiles, out)
    t = Table(title="Weight profiles / Профили весов")
    t.add_column("profile")
    crit = list(dict.fromkeys(c for p in profiles.values() for c in p.criteria))
    for c in crit:
        t.add_column(c, justify="right")
    t.add_column("CR", justify="right")
    t.add_column("Kendall W", justify="right")
    t.add_column("respondents (inconsistent)", justify="right")
    for p in profiles.values():
        t.add_row(p.profile, *[f"{p.weights.get(c, 0):.3f}" for c in crit],
                  "—" if p.group_cr is None else f"{p.group_cr:.3f}",
                  "—" if p.kendall_w is None else f"{p.kendall_w:.2f}",
                  f"{len(p.respondents)} ({p.n_inconsistent})")
    out_console.print(t)
    for p in profiles.values():
        for r in p.respondents:
            if r.get("consistent") is False:
                out_console.print(f"[yellow]inconsistent[/yellow] {p.profile} {r['respondent']}: "
                           f"CR = {r['cr']:.2f} > 0.10 — left out of the group weights; ask "
                           "them to revisit their judgements")
    out_console.print(f"[green]wrote[/green] {out}")


@scorecard_app.command()
def template(
    out: Path = typer.Option(..., "--out", "-o", help="File to write: .yaml (each question as a "
                             "comment), .csv or .xlsx (laid out like the official workbook)."),
    level: str = typer.Option("preliminary", "--level", "-l", help="preliminary or detailed."),
    city: str = typer.Option("CITY", "--city", help="City id to put in the file."),
) -> None:
    """Write an empty answers file listing every question, to fill in by hand or in Excel.

    Example: carlcities scorecard template --out osh.xlsx --city osh
    """
    from ..scorecard.io import write_template

    try:
        write_template(out, level=level, city_id=city)
    except CarlError as exc:
        fail(exc)
    out_console.print(f"[green]wrote[/green] {out}")
