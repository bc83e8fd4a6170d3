"""Roles and what each may do: the one authorisation matrix of the portal.

=========== ====== ================ ============= ======= =======
role        view   edit_scorecard   edit_survey   rerun   admin
=========== ====== ================ ============= ======= =======
viewer      yes    —                —             —       —
editor      yes    own cities       own cities    —       —
analyst     yes    own cities       own cities    yes     —
admin       yes    every city       every city    yes     yes
=========== ====== ================ ============= ======= =======

"Own cities" are the cities listed on the account. An analyst (who triggers re-runs) edits
answers only for the cities listed on their account — usually none: the answers are the city
focal points' (editors'), and an analyst's account lists a city only when the analyst is also
that city's focal point. ``can(action)`` without a city answers "for at least one city" (to
show or hide a menu entry); a page that saves for a city must always pass the city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import PortalError

__all__ = ["ACTIONS", "CITY_ACTIONS", "ROLES", "User", "check_city_id", "check_role",
           "check_username", "matrix"]

ROLES = ("viewer", "editor", "analyst", "admin")
ACTIONS = ("view", "edit_scorecard", "edit_survey", "rerun", "admin")
#: actions that are granted per city
CITY_ACTIONS = ("edit_scorecard", "edit_survey")

_GLOBAL: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view"}),
    "editor": frozenset({"view"}),
    "analyst": frozenset({"view", "rerun"}),
    "admin": frozenset(ACTIONS),
}

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
CITY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_username(name: str) -> str:
    """``name`` if it is a valid user name (1–64 letters, digits, ``. _ @ -``), else
    :class:`PortalError`."""
    if not isinstance(name, str) or not USERNAME_RE.match(name):
        raise PortalError(f"invalid user name {str(name)[:80]!r}",
                          fix="use 1-64 Latin letters, digits and . _ @ - (starting with a "
                              "letter or digit)")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise PortalError(f"unknown role {str(role)[:40]!r}", fix=f"use one of {', '.join(ROLES)}")
    return role


def check_city_id(city_id: str, known: frozenset[str] | None = None) -> str:
    """``city_id`` if it is a city slug (and in ``known`` when given), else
    :class:`PortalError`."""
    if not isinstance(city_id, str) or not CITY_RE.match(city_id):
        raise PortalError(f"invalid city id {str(city_id)[:80]!r}",
                          fix="city ids are lowercase ASCII slugs such as 'almaty' or 'osh'")
    if known is not None and city_id not in known:
        raise PortalError(f"unknown city {city_id!r}", fix="use a city of the study "
                          "(`carlcities cities` lists them)")
    return city_id


@dataclass(frozen=True)
class User:
    """A portal account: its role and the cities it edits."""

    username: str
    role: str
    cities: tuple[str, ...] = ()

    def can(self, action: str, city_id: str | None = None) -> bool:
        """Whether this user may do ``action`` (one of :data:`ACTIONS`) on ``city_id``."""
        if action not in ACTIONS:
            raise PortalError(f"unknown action {action!r}", fix=f"use one of {', '.join(ACTIONS)}")
        if action in _GLOBAL.get(self.role, frozenset()):
            return True
        if action in CITY_ACTIONS and self.role in ("editor", "analyst"):
            return bool(self.cities) if city_id is None else city_id in self.cities
        return False


def matrix() -> list[dict[str, str]]:
    """The authorisation matrix as rows (role, then each action: ``yes``, ``own cities``, ``—``)
    for the documentation and the portal's about page."""
    out = []
    for role in ROLES:
        row = {"role": role}
        for a in ACTIONS:
            if User("x", role).can(a, "c"):
                row[a] = "yes"
            elif User("x", role, ("c",)).can(a, "c"):
                row[a] = "own cities"
            else:
                row[a] = "—"
        out.append(row)
    return out
