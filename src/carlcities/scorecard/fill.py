"""Interactive scorecard questionnaire in the terminal: resumable, saved after every answer.

Each question is shown in English and Russian with its Essential, topic and the meaning of each
score. Type a score, ``s`` to skip, ``b`` to go back one question, ``q`` to save and quit (Ctrl-D
does the same). After a score, an optional evidence note. The YAML file is rewritten after every
answer, so nothing is lost if the session stops; running the command again on the same file
continues at the first question not yet visited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from ..errors import ScorecardError
from .io import read_yaml, write_yaml
from .model import Answer, Assessment
from .questions import SCALE, essential

__all__ = ["fill"]

_COMMANDS = ("q", "quit", "в", "b", "back", "н", "s", "skip", "п", "")


def _header(console: Console, a: Assessment, i: int, n: int, city_name: str) -> None:
    done = sum(1 for q in a.questions if q.id in a.answers)
    t = Table.grid(expand=True)
    t.add_column(ratio=3)
    t.add_column(ratio=2, justify="right")
    t.add_row(f"[bold]{city_name}[/bold] · {a.level} scorecard · {a.assessment_date}",
              f"question [bold]{i + 1}/{n}[/bold] · answered {a.answered} · skipped "
              f"{done - a.answered}")
    console.print(t)
    width = max(10, min(console.width, 110) - 8)
    k = round(width * done / n)
    bar = f"[green]{'█' * k}[/green][dim]{'░' * (width - k)}[/dim]"
    console.print(f"{bar} {100 * done / n:3.0f} %", highlight=False)


def _show(console: Console, a: Assessment, i: int) -> None:
    q = a.questions[i]
    e = essential(q.essential)
    prev = a.answers.get(q.id)
    body = (f"[dim]Essential {e.number} · {e.name_en}\nРаздел {e.number} · {e.name_ru}[/dim]\n"
            f"[cyan]{q.topic_en} / {q.topic_ru}[/cyan]\n\n"
            f"[bold]{q.text_en}[/bold]\n{q.text_ru}\n")
    scale = "\n".join(f"  [bold]{k}[/bold]  {en} / {ru}" for k, (en, ru) in SCALE[a.level].items())
    if prev is not None:
        cur = "skipped" if prev.score is None else str(prev.score)
        scale += f"\n[dim]current answer: {cur}" + (f" — {prev.evidence}" if prev.evidence
                                                    else "") + "[/dim]"
    console.print(Panel(body + "\n" + scale, title=f"[bold]{q.id}[/bold]", title_align="left",
                        width=min(console.width, 110)))


def fill(city_id: str, path: str | Path, *, level: str = "preliminary",
         city_name: str | None = None, respondents: str | None = None,
         console: Console | None = None, ask: Callable[[str], str] | None = None) -> Assessment:
    """Run the questionnaire for ``city_id``, saving to ``path`` (YAML) after every answer.

    ``ask`` reads one line (default: the console's ``input``); EOF saves and stops. Returns the
    assessment as saved.
    """
    console = console or Console()
    ask = ask or (lambda prompt: console.input(prompt))
    path = Path(path)
    if path.exists():
        a = read_yaml(path)
        if a.city_id != city_id:
            raise ScorecardError(f"this file holds the scorecard of {a.city_id!r}, not "
                                 f"{city_id!r}", path=path,
                                 fix="give another --file, or the matching city")
        if a.level != level:
            level = a.level
        console.print(f"[green]resuming[/green] {path} — {len(a.answers)} of "
                      f"{len(a.questions)} questions visited")
    else:
        a = Assessment(city_id, dt.date.today(), level, source="carlcities scorecard fill")
        console.print(f"new scorecard → {path}")
    qs = a.questions
    n = len(qs)
    name = city_name or city_id
    try:
        if respondents is None:
            respondents = ask("Who is answering? Names or roles, separated by ';' "
                              "(Enter to leave empty): ").strip()
        who = tuple(p.strip() for p in respondents.split(";") if p.strip())
        i = next((k for k, q in enumerate(qs) if q.id not in a.answers), n)
        while i < n:
            q = qs[i]
            _header(console, a, i, n, name)
            _show(console, a, i)
            while True:
                raw = ask(f"Score 0–{a.max_score}, s = skip, b = back, q = save and quit › "
                          ).strip()
                low = raw.lower()
                if low in _COMMANDS or (raw.isdigit() and 0 <= int(raw) <= a.max_score):
                    break
                console.print(f"[red]{raw!r} is not a score[/red]: type a whole number "
                              f"0–{a.max_score}, s, b or q")
            if low in ("q", "quit", "в"):
                break
            if low in ("b", "back", "н"):
                i = max(0, i - 1)
                continue
            if low == "" and q.id in a.answers:      # Enter keeps the current answer
                i += 1
                continue
            if low in ("s", "skip", "п", ""):
                a.answers[q.id] = Answer(q.id, None, "", who)
                write_yaml(a, path, all_questions=False)
                i += 1
                continue
            note = ask("Evidence note (optional, Enter to leave empty) › ").strip()
            if not note and q.id in a.answers:
                note = a.answers[q.id].evidence
            a.answers[q.id] = Answer(q.id, int(raw), note, who)
            write_yaml(a, path, all_questions=False)
            i += 1
    except EOFError:
        console.print()
    write_yaml(a, path, all_questions=False)
    visited = sum(1 for q in qs if q.id in a.answers)
    if visited < n:
        console.print(f"[yellow]saved[/yellow] {path}: {visited}/{n} visited, {a.answered} "
                      f"scored. Run the same command again to continue.")
    else:
        from .scoring import score_assessment

        r = score_assessment(a)
        share = "—" if r.total.share is None else f"{100 * r.total.share:.0f} %"
        console.print(f"[green]done[/green] {path}: {a.answered}/{n} scored, total "
                      f"{r.total.score}/{r.total.max_score} ({share}), completeness "
                      f"{100 * a.completeness:.0f} %")
    return a
