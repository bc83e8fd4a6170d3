"""Logins for publishers that ask for one: read from the environment or ``~/.netrc``, sent
only in the request headers, never written to the manifest, a log or an error message.

========== ============================================ ===================================
scheme     read from (first found wins)                 sent as
========== ============================================ ===================================
earthdata  ``EARTHDATA_TOKEN`` (a user token); or       ``Authorization: Bearer TOKEN``;
           ``EARTHDATA_USERNAME`` + ``EARTHDATA_PASSWORD`` or HTTP Basic
           or ``~/.netrc`` machine urs.earthdata.nasa.gov
eog        ``EOG_ACCESS_TOKEN``; or ``~/.netrc`` machine ``Authorization: Bearer TOKEN``
           eogdata.mines.edu (the token as password)
========== ============================================ ===================================

NASA Earthdata Login issues user tokens on its profile page ("Generate Token") and accepts
Basic authentication; the Earth Observation Group (Colorado School of Mines) serves the VIIRS
night lights to registered users with an OpenID Connect access token (their "how to download"
page shows how to get one with the user's login). ``NETRC`` points at another netrc file.
"""

from __future__ import annotations

import base64
import netrc
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import CredentialError

__all__ = ["SCHEMES", "Scheme", "auth_headers", "redact"]


@dataclass(frozen=True)
class Scheme:
    name: str
    publisher: str
    machine: str  #: the ~/.netrc machine
    token_env: str
    user_env: str | None
    password_env: str | None
    signup: str
    basic: bool  #: login + password go as HTTP Basic (else the password is the token)


SCHEMES: dict[str, Scheme] = {
    "earthdata": Scheme("earthdata", "NASA Earthdata Login", "urs.earthdata.nasa.gov",
                        "EARTHDATA_TOKEN", "EARTHDATA_USERNAME", "EARTHDATA_PASSWORD",
                        "https://urs.earthdata.nasa.gov/users/new", basic=True),
    "eog": Scheme("eog", "Earth Observation Group, Colorado School of Mines (VIIRS night "
                  "lights)", "eogdata.mines.edu", "EOG_ACCESS_TOKEN", None, None,
                  "https://eogdata.mines.edu/products/register/", basic=False),
}


def _netrc(machine: str) -> tuple[str, str] | None:
    path = os.environ.get("NETRC") or str(Path.home() / ".netrc")
    if not Path(path).is_file():
        return None
    try:
        auth = netrc.netrc(path).authenticators(machine)
    except (netrc.NetrcParseError, OSError) as exc:
        raise CredentialError(f"{path} cannot be read ({type(exc).__name__})", path=path,
                              fix="fix the file (lines 'machine HOST login USER password "
                                  "PASS') or use the environment variables") from None
    if not auth:
        return None
    return auth[0] or "", auth[2] or ""


def auth_headers(scheme: str, product: str) -> dict[str, str]:
    """The ``Authorization`` header for ``scheme``; :class:`CredentialError` naming where it is
    read from and the sign-up page when there is none."""
    if scheme not in SCHEMES:
        raise CredentialError(f"{product}: unknown credential scheme {scheme!r}",
                              fix=f"use one of {', '.join(SCHEMES)} in data_sources.yaml")
    s = SCHEMES[scheme]
    token = os.environ.get(s.token_env, "").strip()
    if token:
        return {"Authorization": f"Bearer {token}"}
    if s.user_env and s.password_env:
        u, p = os.environ.get(s.user_env, ""), os.environ.get(s.password_env, "")
        if u and p:
            return {"Authorization": "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()}
    found = _netrc(s.machine)
    if found:
        login, password = found
        if s.basic and login:
            return {"Authorization": "Basic "
                    + base64.b64encode(f"{login}:{password}".encode()).decode()}
        if password:
            return {"Authorization": f"Bearer {password}"}
    envs = s.token_env + (f", or {s.user_env} and {s.password_env}" if s.user_env else "")
    raise CredentialError(
        f"{product} needs a free login with {s.publisher}, and none was found",
        fix=f"register at {s.signup}, then set {envs}, or add 'machine {s.machine} login "
            f"USER password {'PASSWORD' if s.basic else 'TOKEN'}' to ~/.netrc (chmod 600)")


def redact(text: str, headers: dict[str, str] | None) -> str:
    """``text`` with any credential of ``headers`` replaced by ``***``."""
    for v in (headers or {}).values():
        secret = v.split(" ", 1)[-1]
        if secret:
            text = text.replace(secret, "***")
    return text
