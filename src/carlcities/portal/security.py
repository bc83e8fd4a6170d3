"""Passwords, session tokens and CSRF tokens.

* Passwords: Argon2id (argon2-cffi's :class:`~argon2.PasswordHasher`, RFC 9106 defaults); a
  hash made with older parameters is replaced at the next successful login.
* Session tokens: 256 random bits (:func:`secrets.token_urlsafe`); only their SHA-256 is
  stored, so a copy of the database does not give anyone a live session.
* CSRF tokens: HMAC-SHA256 of the session token under the store's secret key (kept in the
  database, so every worker process agrees): a token is valid for its own session only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MIN_PASSWORD", "check_password", "csrf_for", "csrf_ok", "hash_token", "new_secret",
           "new_token", "verify_password"]

MIN_PASSWORD = 10  #: shortest password accepted [characters]


def check_password(password: str) -> str | None:
    """Why ``password`` is not acceptable, or ``None``."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    if len(password) > 1024:
        return "a password has at most 1024 characters"
    return None


def verify_password(hasher: PasswordHasher, stored: str, password: str) -> bool:
    """Whether ``password`` matches the Argon2 hash ``stored`` (False for a malformed hash)."""
    try:
        return bool(hasher.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_hex(32)


def hash_token(token: str) -> str:
    """SHA-256 hex of a session token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def csrf_for(secret: str, session_token: str) -> str:
    """The CSRF token bound to ``session_token``."""
    return hmac.new(bytes.fromhex(secret), b"csrf\0" + hash_token(session_token).encode(),
                    hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session_token: str, token: str) -> bool:
    if not isinstance(token, str) or not token or not session_token:
        return False
    return hmac.compare_digest(csrf_for(secret, session_token), token)
