"""Portal accounts, sessions, answers, surveys and the audit log: one :class:`AccountStore`.

``AccountStore(url)`` opens (and creates) the portal database: SQLite by default
(``OUT/portal.sqlite``), PostgreSQL given ``postgresql://…``. Everything the web application
changes goes through it, and every change is one transaction with its audit row
(who, when, what, old → new).

* Logins: Argon2id hashes (rehashed on login when the parameters change); at most
  :data:`MAX_FAILURES` failed logins per user name and client within :data:`FAILURE_WINDOW`
  seconds (and 4 × that per client over every user name), counted in the database so that
  the limit holds across worker processes.
* Sessions: random tokens stored hashed, expiring :data:`SESSION_TTL` seconds after login or
  :data:`SESSION_IDLE` seconds after the last use, whichever comes first.
* Answers: validated against the MCR2030 question bank (preliminary 0–3, detailed 0–5);
  optimistic concurrency through a ``version`` column (compare-and-set in one UPDATE); the
  second writer gets :class:`~carlcities.errors.EditConflict` with both values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..errors import (
    EditConflict,
    LoginRateLimited,
    LoginRefused,
    PermissionDenied,
    PortalError,
)
from . import db
from .roles import ROLES, User, check_city_id, check_role, check_username
from .security import (
    check_password,
    csrf_for,
    csrf_ok,
    hash_token,
    new_secret,
    new_token,
    verify_password,
)
from .validate import check_answer, check_judgements

__all__ = ["FAILURE_WINDOW", "MAX_FAILURES", "SESSION_IDLE", "SESSION_TTL", "AccountStore",
           "Answer", "ROLES", "User"]

MAX_FAILURES = 5            #: failed logins per user name and client ...
FAILURE_WINDOW = 300        #: ... within this many seconds [s]
CLIENT_FAILURES = 4 * MAX_FAILURES   #: failed logins per client over all user names
SESSION_TTL = 12 * 3600     #: a session ends this long after login [s]
SESSION_IDLE = 2 * 3600     #: ... or this long after its last use [s]
_OPERATOR = "(operator)"    #: who made a change from the command line


@dataclass(frozen=True)
class Answer:
    """One stored scorecard answer of a city (``score`` ``None`` = not answered yet)."""

    question_id: str
    score: int | None
    comment: str
    evidence_url: str
    version: int
    updated_by: str
    updated_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["updated_at"] = self.updated_at.isoformat()
        return d


def _when(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def _answer(row: Any) -> Answer:
    return Answer(row.question_id, row.score, row.comment, row.evidence_url, row.version,
                  row.updated_by, _when(row.updated_at))


class AccountStore:
    """Accounts, sessions, scorecard answers, survey judgements and the audit log.

    ``url``: ``sqlite:///path.sqlite`` (or a plain path), or ``postgresql://user@host/db``.
    ``cities``: the study's city ids (city ids outside it are refused); ``None`` accepts any
    city slug. ``hasher`` and ``clock`` exist for tests and for operators who tune Argon2.
    """

    def __init__(self, url: str | Path, *, cities: Iterable[str] | None = None,
                 hasher: PasswordHasher | None = None,
                 clock: Callable[[], float] = time.time):
        self.url = db.normalise_url(url)
        self.engine = db.connect(self.url)
        #: reads: on SQLite a second engine whose reads never queue behind a writer
        self.reader = db.connect(self.url, readonly=True) \
            if self.engine.dialect.name == "sqlite" else self.engine
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.known_cities = None if cities is None else frozenset(cities)
        self._secret = self._meta_secret()
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        """A hash to check unknown user names against (they cost as much as known ones)."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("carlcities-no-such-user")
        return self._dummy

    # ------------------------------------------------------------------ plumbing
    def _meta_secret(self) -> str:
        with self.engine.begin() as con:
            row = con.execute(select(db.meta.c.value).where(db.meta.c.key == "csrf_secret")
                              ).first()
            if row is not None:
                return str(row[0])
            secret = new_secret()
            try:
                with con.begin_nested():
                    con.execute(insert(db.meta).values(key="csrf_secret", value=secret))
            except IntegrityError:           # another process made it first
                return str(con.execute(select(db.meta.c.value).where(
                    db.meta.c.key == "csrf_secret")).scalar_one())
            return secret

    def _audit(self, con: Connection, who: str, action: str, city_id: str | None, target: str,
               old: Any, new: Any) -> None:
        con.execute(insert(db.audit).values(
            at=self.clock(), who=who, action=action, city_id=city_id, target=target,
            old=None if old is None else json.dumps(old, ensure_ascii=False, sort_keys=True),
            new=None if new is None else json.dumps(new, ensure_ascii=False, sort_keys=True)))

    def _city(self, city_id: str) -> str:
        return check_city_id(city_id, self.known_cities)

    def _user(self, con: Connection, username: str) -> User | None:
        row = con.execute(select(db.users.c.role, db.users.c.active)
                          .where(db.users.c.username == username)).first()
        if row is None or not row.active:
            return None
        cities = con.execute(select(db.user_cities.c.city_id)
                             .where(db.user_cities.c.username == username)
                             .order_by(db.user_cities.c.city_id)).scalars().all()
        return User(username, row.role, tuple(cities))

    def close(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # ------------------------------------------------------------------ users
    def create_user(self, username: str, password: str, role: str,
                    cities: Iterable[str] = ()) -> User:
        """Create an account (the operator's command ``carlcities users add``)."""
        check_username(username)
        check_role(role)
        cs = tuple(sorted({self._city(c) for c in cities}))
        why = check_password(password)
        if why:
            raise PortalError(f"user {username}: {why}", fix="choose a longer password "
                              "(a few unrelated words are easy to remember)")
        h = self.hasher.hash(password)
        try:
            with self.engine.begin() as con:
                con.execute(insert(db.users).values(username=username, password_hash=h,
                                                    role=role, active=1,
                                                    created_at=self.clock()))
                for c in cs:
                    con.execute(insert(db.user_cities).values(username=username, city_id=c))
                self._audit(con, _OPERATOR, "create_user", None, username, None,
                            {"role": role, "cities": list(cs)})
        except IntegrityError:
            raise PortalError(f"user {username!r} exists already",
                              fix="choose another name, or change the role with "
                                  "`carlcities users set-role`") from None
        return User(username, role, cs)

    def users(self) -> list[User]:
        with self.reader.connect() as con:
            names = con.execute(select(db.users.c.username).where(db.users.c.active == 1)
                                .order_by(db.users.c.username)).scalars().all()
            return [u for n in names if (u := self._user(con, n)) is not None]

    def user(self, username: str) -> User | None:
        with self.reader.connect() as con:
            return self._user(con, username)

    def set_role(self, actor: User | None, username: str, role: str,
                 cities: Iterable[str] = ()) -> None:
        """Give ``username`` ``role`` and ``cities`` (replacing the old ones). ``actor`` must be
        an admin; ``None`` is the operator at the command line."""
        if actor is not None and not actor.can("admin"):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not change roles",
                                   fix="ask an administrator")
        check_username(username)
        check_role(role)
        cs = tuple(sorted({self._city(c) for c in cities}))
        with self.engine.begin() as con:
            old = self._user(con, username)
            if old is None:
                raise PortalError(f"no user {username!r}", fix="`carlcities users list` lists "
                                  "them; `carlcities users add` creates one")
            con.execute(update(db.users).where(db.users.c.username == username)
                        .values(role=role))
            con.execute(delete(db.user_cities).where(db.user_cities.c.username == username))
            for c in cs:
                con.execute(insert(db.user_cities).values(username=username, city_id=c))
            if role != "admin":      # the last admin may not demote themselves away
                admins = con.execute(select(func.count()).select_from(db.users).where(
                    and_(db.users.c.role == "admin", db.users.c.active == 1))).scalar_one()
                if admins == 0:
                    raise PortalError(f"{username} is the last administrator",
                                      fix="make another user admin first")
            self._audit(con, _OPERATOR if actor is None else actor.username, "set_role", None,
                        username, {"role": old.role, "cities": list(old.cities)},
                        {"role": role, "cities": list(cs)})

    def set_password(self, actor: User | None, username: str, password: str) -> None:
        """Change a password (the user themselves, an admin, or the operator: ``None``); every
        session of the user ends."""
        if actor is not None and actor.username != username and not actor.can("admin"):
            raise PermissionDenied(f"{actor.username} may not change {username}'s password",
                                   fix="ask an administrator")
        why = check_password(password)
        if why:
            raise PortalError(f"user {username}: {why}", fix="choose a longer password")
        with self.engine.begin() as con:
            n = con.execute(update(db.users).where(db.users.c.username == username)
                            .values(password_hash=self.hasher.hash(password))).rowcount
            if not n:
                raise PortalError(f"no user {username!r}", fix="`carlcities users list`")
            con.execute(delete(db.sessions).where(db.sessions.c.username == username))
            self._audit(con, _OPERATOR if actor is None else actor.username, "set_password",
                        None, username, None, None)

    # ------------------------------------------------------------------ login
    def authenticate(self, username: str, password: str, client: str) -> User:
        """The user, when ``password`` is right and the login is not rate-limited; else
        :class:`LoginRefused` (wrong name or password, never saying which) or
        :class:`LoginRateLimited`. ``client`` is the client's address (or another key of the
        caller, such as the address and the user agent)."""
        name, client = str(username)[:256], str(client)[:256]
        now = self.clock()
        since = now - FAILURE_WINDOW
        f = db.login_failures
        with self.reader.connect() as con:
            mine = con.execute(select(func.count(), func.min(f.c.at)).where(and_(
                f.c.username == name, f.c.client == client, f.c.at > since))).one()
            theirs = con.execute(select(func.count(), func.min(f.c.at)).where(and_(
                f.c.client == client, f.c.at > since))).one()
            for (n, first), limit in ((mine, MAX_FAILURES), (theirs, CLIENT_FAILURES)):
                if n >= limit:
                    wait = max(1, int(first + FAILURE_WINDOW - now) + 1)
                    raise LoginRateLimited(
                        f"too many failed logins; try again in {wait} s / слишком много "
                        f"неудачных попыток входа; повторите через {wait} с",
                        retry_after=wait, fix="wait, or ask an administrator to reset the "
                                              "password")
            row = con.execute(select(db.users.c.password_hash, db.users.c.active)
                              .where(db.users.c.username == name)).first()
        stored = row.password_hash if row is not None else self._dummy_hash
        ok = verify_password(self.hasher, stored, str(password)) and row is not None \
            and bool(row.active)
        if not ok:
            with self.engine.begin() as con:     # committed before the refusal is raised
                con.execute(insert(f).values(username=name, client=client, at=now))
                con.execute(delete(f).where(f.c.at < now - 2 * FAILURE_WINDOW))
            raise LoginRefused("wrong user name or password / неверное имя пользователя "
                               "или пароль", fix="check both, or ask an administrator")
        with self.engine.begin() as con:
            con.execute(delete(f).where(and_(f.c.username == name, f.c.client == client)))
            if self.hasher.check_needs_rehash(stored):
                con.execute(update(db.users).where(db.users.c.username == name)
                            .values(password_hash=self.hasher.hash(str(password))))
            user = self._user(con, name)
        assert user is not None
        return user

    # ------------------------------------------------------------------ sessions
    def new_session(self, user: User) -> str:
        """A new session token for ``user`` (set it as an HttpOnly, Secure, SameSite cookie)."""
        token = new_token()
        now = self.clock()
        with self.engine.begin() as con:
            con.execute(insert(db.sessions).values(
                token_hash=hash_token(token), username=user.username, created_at=now,
                expires_at=now + SESSION_TTL, last_seen=now))
            con.execute(delete(db.sessions).where(db.sessions.c.expires_at < now))
        return token

    def user_for_session(self, token: str | None) -> User | None:
        """The user of a live session, or ``None`` (unknown, ended or expired token)."""
        if not token or not isinstance(token, str) or len(token) > 256:
            return None
        now = self.clock()
        s = db.sessions
        h = hash_token(token)
        with self.reader.connect() as con:
            row = con.execute(select(s.c.username, s.c.expires_at, s.c.last_seen)
                              .where(s.c.token_hash == h)).first()
            user = None if row is None else self._user(con, row.username)
        if row is None:
            return None
        if row.expires_at <= now or row.last_seen + SESSION_IDLE <= now:
            with self.engine.begin() as con:
                con.execute(delete(s).where(s.c.token_hash == h))
            return None
        if now - row.last_seen > 60:     # one write a minute at most per session
            with self.engine.begin() as con:
                con.execute(update(s).where(s.c.token_hash == h).values(last_seen=now))
        return user

    def end_session(self, token: str) -> None:
        if not token:
            return
        with self.engine.begin() as con:
            con.execute(delete(db.sessions).where(db.sessions.c.token_hash == hash_token(token)))

    def csrf_token(self, session: str) -> str:
        """The CSRF token of a session: put it in every form (and the ``X-CSRF-Token`` header
        of scripted requests)."""
        return csrf_for(self._secret, session)

    def check_csrf(self, session: str, token: str) -> bool:
        """Whether ``token`` is the CSRF token of ``session`` and the session is live."""
        return csrf_ok(self._secret, session, token) and \
            self.user_for_session(session) is not None

    # ------------------------------------------------------------------ answers
    def answers(self, city_id: str, level: str) -> dict[str, Answer]:
        """The stored answers of a city at ``level``, by question id."""
        from ..scorecard.questions import LEVELS

        self._city(city_id)
        if level not in LEVELS:
            raise PortalError(f"unknown scorecard level {str(level)[:40]!r}",
                              fix="use 'preliminary' or 'detailed'")
        a = db.answers
        with self.reader.connect() as con:
            rows = con.execute(select(a).where(and_(a.c.city_id == city_id,
                                                    a.c.level == level))).all()
        return {r.question_id: _answer(r) for r in rows}

    def save_answer(self, actor: User, city_id: str, level: str, question_id: str,
                    score: int | None, comment: str, evidence_url: str,
                    base_version: int) -> Answer:
        """Save one answer. ``base_version`` is the version the editor started from (0 for a
        question not answered before); when the stored one is newer, nothing is written and
        :class:`EditConflict` carries the stored answer (``theirs``) and these values
        (``yours``)."""
        self._city(city_id)
        if not actor.can("edit_scorecard", city_id):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not edit the "
                                   f"scorecard of {city_id}",
                                   fix="ask an administrator to add the city to your account")
        qid, score, comment, url = check_answer(level, question_id, score, comment,
                                                 evidence_url)
        new = {"score": score, "comment": comment, "evidence_url": url}
        a = db.answers
        key = and_(a.c.city_id == city_id, a.c.level == level, a.c.question_id == qid)
        now = self.clock()
        base = int(base_version)
        with self.engine.begin() as con:
            old = con.execute(select(a).where(key)).first()
            if base == 0 and old is None:
                try:
                    with con.begin_nested():
                        con.execute(insert(a).values(city_id=city_id, level=level,
                                                     question_id=qid, version=1,
                                                     updated_by=actor.username,
                                                     updated_at=now, **new))
                    done = True
                except IntegrityError:          # another editor inserted it first
                    done = False
            elif old is not None and old.version == base:
                done = con.execute(update(a).where(and_(key, a.c.version == base)).values(
                    version=base + 1, updated_by=actor.username, updated_at=now,
                    **new)).rowcount == 1
            else:
                done = False
            if done:
                self._audit(con, actor.username, "save_answer", city_id, f"{level}/{qid}",
                            None if old is None else {"score": old.score,
                                                      "comment": old.comment,
                                                      "evidence_url": old.evidence_url,
                                                      "version": old.version},
                            dict(new, version=base + 1))
                return Answer(qid, score, comment, url, base + 1, actor.username, _when(now))
        with self.reader.connect() as con:
            cur = con.execute(select(a).where(key)).first()
        theirs = None if cur is None else _answer(cur)
        raise EditConflict(
            f"{city_id} {qid}: {theirs.updated_by if theirs else 'someone'} saved this answer "
            f"since you opened it / ответ изменён другим пользователем",
            theirs=theirs, yours=dict(new, question_id=qid, base_version=base),
            fix="compare both answers, then save again on top of the current one")

    # ------------------------------------------------------------------ surveys
    def save_survey(self, actor: User, city_id: str, survey_id: str, respondent: str,
                    judgements: dict) -> None:
        """Replace one respondent's answers to a survey of a city. ``survey_id`` is the
        stakeholder profile the weights are made for (``emergency_ministry``, …)."""
        self._city(city_id)
        if not actor.can("edit_survey", city_id):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not enter surveys "
                                   f"for {city_id}", fix="ask an administrator")
        for what, v in (("survey", survey_id), ("respondent", respondent)):
            if not isinstance(v, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", v):
                raise PortalError(f"invalid {what} id {str(v)[:80]!r}",
                                  fix="use 1-64 Latin letters, digits and _ . -")
        rows = check_judgements(judgements)
        s = db.survey_judgements
        key = and_(s.c.city_id == city_id, s.c.survey_id == survey_id,
                   s.c.respondent == respondent)
        now = self.clock()
        with self.engine.begin() as con:
            old = {(r.criterion if not r.versus else f"{r.criterion}|{r.versus}"): r.value
                   for r in con.execute(select(s).where(key))}
            con.execute(delete(s).where(key))
            for typ, c, v, val in rows:
                con.execute(insert(s).values(city_id=city_id, survey_id=survey_id,
                                             respondent=respondent, type=typ, criterion=c,
                                             versus=v, value=val, updated_by=actor.username,
                                             updated_at=now))
            self._audit(con, actor.username, "save_survey", city_id,
                        f"{survey_id}/{respondent}", old or None,
                        {(c if not v else f"{c}|{v}"): val for _t, c, v, val in rows})

    def survey_rows(self, city_id: str | None = None) -> list[dict[str, Any]]:
        """The stored survey judgements (of one city, or all)."""
        s = db.survey_judgements
        q = select(s).order_by(s.c.city_id, s.c.survey_id, s.c.respondent, s.c.type,
                               s.c.criterion, s.c.versus)
        if city_id is not None:
            q = q.where(s.c.city_id == city_id)
        with self.reader.connect() as con:
            return [dict(r._mapping) for r in con.execute(q)]

    # ------------------------------------------------------------------ audit, export
    def audit(self, city_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit rows first: who, when (UTC), what (action and target), old, new."""
        t = db.audit
        q = select(t).order_by(t.c.id.desc()).limit(max(1, min(int(limit), 10_000)))
        if city_id is not None:
            q = q.where(t.c.city_id == city_id)
        with self.reader.connect() as con:
            rows = con.execute(q).all()
        return [{"who": r.who, "when": _when(r.at), "what": f"{r.action} {r.target}",
                 "action": r.action, "city_id": r.city_id, "target": r.target,
                 "old": None if r.old is None else json.loads(r.old),
                 "new": None if r.new is None else json.loads(r.new)} for r in rows]

    def all_answers(self) -> dict[tuple[str, str], dict[str, Answer]]:
        """Every stored answer by (city, level)."""
        a = db.answers
        out: dict[tuple[str, str], dict[str, Answer]] = {}
        with self.reader.connect() as con:
            for r in con.execute(select(a).order_by(a.c.city_id, a.c.level)):
                out.setdefault((r.city_id, r.level), {})[r.question_id] = _answer(r)
        return out

    def export_scorecards(self, out_dir: str | Path) -> list[Path]:
        """Write the answers and surveys as the run's input files (see
        :func:`carlcities.portal.exports.export_scorecards`)."""
        from .exports import export_scorecards

        return export_scorecards(self, out_dir)
