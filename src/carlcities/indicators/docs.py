"""Generate ``docs/indicators.md`` from the registry (the one declaration of each indicator).

Run ``python -m carlcities.indicators.docs`` after adding or changing an indicator; a test
fails while the file differs from :func:`render`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from carlcities.indicators.registry import all_indicators

__all__ = ["DOC_PATH", "main", "render"]

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "indicators.md"

THEMES = {
    "form": "Urban form (one epoch)",
    "growth": "Urban growth (between two epochs)",
    "environment": "Urban environment: green space, air, heat",
    "economy": "Economic activity: night lights, GDP",
    "mobility": "Street network (OSMnx definitions)",
    "access": "Access to amenities",
    "ghg": "Greenhouse gases (GPC BASIC)",
    "hazard": "Hazards: earthquake, heat",
    "exposure": "Exposure: buildings, value and people in hazard zones",
    "risk": "Risk: losses and lives, with probabilities",
    "scenario": "Growth scenarios to 2050: land take, density of growth, new streets",
}

COLUMNS = (
    "id",
    "English name",
    "Russian name",
    "unit",
    "kind",
    "per district",
    "method",
    "reference",
)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The indicator catalogue as Markdown: one table per theme."""
    import carlcities.indicators  # noqa: F401  (registers every indicator)

    lines = [
        "# Indicators",
        "",
        (
            "Generated from the indicator registry by `python -m carlcities.indicators.docs`; "
            "do not edit by hand."
        ),
        "",
        (
            "Units: persons, ha, persons/ha, m²/person, 1/yr (continuous annual rate), "
            "ratio, index (1 for a disc), %. "
            "*Per district*: computable for each district from zone aggregates; "
            "otherwise for the whole city only."
        ),
        "",
    ]
    themes = sorted({ind.theme for ind in all_indicators()})
    for theme in themes:
        lines += [f"## {THEMES.get(theme, theme)}", ""]
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        for ind in all_indicators(theme):
            row = (
                f"`{ind.id}`",
                ind.name_en,
                ind.name_ru,
                ind.unit,
                ind.kind,
                "yes" if ind.zonal else "no",
                ind.method,
                ind.reference,
            )
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write :func:`render` to ``docs/indicators.md`` (or to the path given as argument)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DOC_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
