"""Words inside figures: titles wrapped to the width they have, never cut."""

from __future__ import annotations

import textwrap

from .lang import unit_en, unit_ru

__all__ = ["panel_title"]


def panel_title(name_en: str, name_ru: str | None, unit: str, width: int = 36, *,
                lang: str = "en") -> str:
    """'English name [unit]' and 'Русское название [ед.]', each wrapped at ``width`` chars;
    ``name_ru=None``: the one name given, with the unit in ``lang``."""
    if lang == "ru" and not name_ru:
        return "\n".join(textwrap.wrap(f"{name_en} [{unit_ru(unit)}]", width))
    en = textwrap.wrap(f"{name_en} [{unit_en(unit)}]", width)
    ru = textwrap.wrap(f"{name_ru} [{unit_ru(unit)}]", width) if name_ru and name_ru != name_en \
        else []
    return "\n".join(en + ru)
