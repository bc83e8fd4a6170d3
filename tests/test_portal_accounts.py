"""The portal's account library (issue 19, parts 3, 4 and 6): roles, logins, sessions, CSRF,
answers with optimistic concurrency, surveys, the audit log and the export to the run's input
files — on SQLite and on a real PostgreSQL server (tests/pgserver.py)."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

from carlcities.errors import (
    CarlError,
    EditConflict,
    LoginRateLimited,
    LoginRefused,
    PermissionDenied,
    PortalError,
)
from carlcities.portal import accounts as acc
from carlcities.portal.accounts import AccountStore, User
from carlcities.portal.db import normalise_url
from carlcities.portal.roles import ACTIONS, ROLES, matrix

PW = "correct horse battery"
#: cheap Argon2 parameters: the tests hash many passwords on a shared 2-core machine
FAST = dict(time_cost=1, memory_cost=8 * 1024, parallelism=1)
CITIES = ("osh", "almaty", "bishkek", "tashkent")
TABLES = {"portal_meta", "portal_users", "portal_user_cities", "portal_sessions",
          "portal_login_failures", "portal_answers", "portal_survey_judgements", "portal_audit"}


class Clock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.sqlite'}"
    server = request.getfixturevalue("pg_server")
    return server.new_database("acct")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db_url, clock):
    s = AccountStore(db_url, cities=CITIES, hasher=PasswordHasher(**FAST), clock=clock)
    s.create_user("root", PW, "admin")
    s.create_user("ed", PW, "editor", ["osh"])
    s.create_user("ana", PW, "analyst")
    s.create_user("vic", PW, "viewer")
    yield s
    s.close()


def tables_intact(s: AccountStore) -> None:
    assert TABLES <= set(inspect(s.engine).get_table_names())
    assert {u.username for u in s.users()} >= {"root", "ed", "ana", "vic"}


# ------------------------------------------------------------------ roles
def test_authorisation_matrix():
    ed, ana = User("e", "editor", ("osh",)), User("a", "analyst")
    admin, viewer = User("r", "admin"), User("v", "viewer", ("osh",))
    assert ed.can("edit_scorecard", "osh") and ed.can("edit_survey", "osh")
    assert not ed.can("edit_scorecard", "almaty") and not ed.can("rerun")
    assert not ed.can("admin") and ed.can("view", "almaty")
    assert ana.can("rerun") and ana.can("view") and not ana.can("edit_scorecard", "osh")
    assert not ana.can("admin")
    assert User("a", "analyst", ("osh",)).can("edit_scorecard", "osh")
    assert admin.can("admin") and admin.can("edit_survey", "tashkent") and admin.can("rerun")
    # a viewer's city list gives no edit right
    assert not viewer.can("edit_scorecard", "osh") and viewer.can("view")
    with pytest.raises(PortalError):
        ed.can("delete_everything")
    m = {r["role"]: r for r in matrix()}
    assert list(m) == list(ROLES)
    assert m["editor"]["edit_scorecard"] == "own cities" and m["viewer"]["rerun"] == "—"
    assert all(m["admin"][a] == "yes" for a in ACTIONS)


def test_normalise_url(tmp_path):
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url(tmp_path / "p.sqlite") == f"sqlite:///{tmp_path / 'p.sqlite'}"
    with pytest.raises(PortalError, match="SQLite or PostgreSQL"):
        AccountStore("mysql://u@h/db")


# ------------------------------------------------------------------ users and logins
def test_users_and_roles(store):
    assert [(u.username, u.role, u.cities) for u in store.users()] == [
        ("ana", "analyst", ()), ("ed", "editor", ("osh",)), ("root", "admin", ()),
        ("vic", "viewer", ())]
    with pytest.raises(PortalError, match="exists already"):
        store.create_user("ed", PW, "viewer")
    with pytest.raises(PortalError, match="at least 10"):
        store.create_user("shorty", "abc", "viewer")
    with pytest.raises(PortalError, match="unknown role"):
        store.create_user("x1", PW, "superuser")
    with pytest.raises(PortalError, match="unknown city"):
        store.create_user("x2", PW, "editor", ["atlantis"])
    ed = store.user("ed")
    with pytest.raises(PermissionDenied):
        store.set_role(ed, "vic", "admin")
    store.set_role(store.user("root"), "vic", "editor", ["almaty", "osh"])
    assert store.user("vic") == User("vic", "editor", ("almaty", "osh"))
    with pytest.raises(PortalError, match="last administrator"):
        store.set_role(None, "root", "viewer")
    assert store.user("root").role == "admin"     # the refused change was rolled back
    row = store.audit(limit=2)[0]
    assert row["who"] == "root" and row["action"] == "set_role" and row["target"] == "vic"
    assert row["old"] == {"role": "viewer", "cities": []}
    assert row["new"] == {"role": "editor", "cities": ["almaty", "osh"]}


def test_login_rehash_and_wrong_password(db_url, store):
    assert store.authenticate("ed", PW, "10.0.0.1") == User("ed", "editor", ("osh",))
    for name, pw in (("ed", "wrong password!"), ("nobody", PW)):
        with pytest.raises(LoginRefused, match="wrong user name or password") as e:
            store.authenticate(name, pw, "10.0.0.1")
        assert not isinstance(e.value, LoginRateLimited)
    # stronger parameters: the hash is replaced at the next successful login
    stronger = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    s2 = AccountStore(db_url, cities=CITIES, hasher=stronger, clock=store.clock)
    with s2.engine.connect() as con:
        before = con.execute(text("SELECT password_hash FROM portal_users WHERE username='ed'")
                             ).scalar_one()
    assert "t=1" in before
    s2.authenticate("ed", PW, "10.0.0.2")
    with s2.engine.connect() as con:
        after = con.execute(text("SELECT password_hash FROM portal_users WHERE username='ed'")
                            ).scalar_one()
    assert after != before and "t=2" in after and after.startswith("$argon2id$")
    assert PW not in after
    s2.close()


def test_login_rate_limit(store, clock):
    for _ in range(acc.MAX_FAILURES):
        with pytest.raises(LoginRefused):
            store.authenticate("ed", "not the password", "10.0.0.9")
    # the right password is refused too while the limit holds, from this client
    with pytest.raises(LoginRateLimited) as e:
        store.authenticate("ed", PW, "10.0.0.9")
    assert 0 < e.value.retry_after <= acc.FAILURE_WINDOW + 1
    # another client is not blocked, and a second store (another worker) sees the limit
    assert store.authenticate("ed", PW, "10.0.0.10").username == "ed"
    other = AccountStore(store.url, hasher=PasswordHasher(**FAST), clock=clock)
    with pytest.raises(LoginRateLimited):
        other.authenticate("ed", PW, "10.0.0.9")
    other.close()
    clock.t += acc.FAILURE_WINDOW + 1
    assert store.authenticate("ed", PW, "10.0.0.9").username == "ed"


def test_client_limit_over_many_user_names(store):
    for i in range(acc.CLIENT_FAILURES):
        with pytest.raises(LoginRefused):
            store.authenticate(f"guess{i}", "whatever password", "10.9.9.9")
    with pytest.raises(LoginRateLimited):
        store.authenticate("root", PW, "10.9.9.9")


# ------------------------------------------------------------------ sessions and CSRF
def test_sessions_expire_and_end(store, clock):
    ed = store.authenticate("ed", PW, "c")
    tok = store.new_session(ed)
    assert store.user_for_session(tok) == ed
    with store.engine.connect() as con:
        stored = con.execute(text("SELECT token_hash FROM portal_sessions")).scalars().all()
    assert tok not in stored and len(stored) == 1          # only the hash is stored
    assert store.user_for_session(tok + "x") is None
    assert store.user_for_session("") is None and store.user_for_session(None) is None
    # idle too long
    clock.t += acc.SESSION_IDLE + 1
    assert store.user_for_session(tok) is None
    # used regularly, but past the absolute lifetime
    tok2 = store.new_session(ed)
    for _ in range(acc.SESSION_TTL // 3600 + 1):
        clock.t += 3600
        alive = store.user_for_session(tok2)
    assert alive is None
    tok3 = store.new_session(ed)
    store.end_session(tok3)
    assert store.user_for_session(tok3) is None


def test_csrf_is_bound_to_the_session(store):
    ed = store.authenticate("ed", PW, "c")
    a, b = store.new_session(ed), store.new_session(ed)
    ta, tb = store.csrf_token(a), store.csrf_token(b)
    assert ta != tb and len(ta) == 64
    assert store.check_csrf(a, ta) and store.check_csrf(b, tb)
    assert not store.check_csrf(a, tb)            # another session's token
    assert not store.check_csrf(a, "") and not store.check_csrf(a, ta[:-1] + ("1" if ta[-1] == "0" else "0"))
    # a second worker (another store on the database) accepts the same token
    other = AccountStore(store.url, hasher=PasswordHasher(**FAST), clock=store.clock)
    assert other.check_csrf(a, ta)
    other.close()
    store.end_session(a)
    assert not store.check_csrf(a, ta)            # the session ended


# ------------------------------------------------------------------ answers
def test_answers_validated_and_script_kept_as_data(store):
    ed = store.user("ed")
    script = '<script>alert("x")</script> & «кавычки»'
    a = store.save_answer(ed, "osh", "preliminary", "p1.1", 3, script,
                          "https://example.org/plan.pdf", 0)
    assert (a.question_id, a.score, a.version, a.updated_by) == ("P1.1", 3, 1, "ed")
    got = store.answers("osh", "preliminary")
    assert got["P1.1"].comment == script and got["P1.1"].evidence_url.endswith("plan.pdf")
    assert store.answers("osh", "detailed") == {}
    d = store.save_answer(store.user("root"), "osh", "detailed", "D1.1.1", 5, "", "", 0)
    assert d.score == 5
    bad = [("preliminary", "P1.1", 4, ""),          # preliminary is 0-3
           ("detailed", "D1.1.1", 6, ""),           # detailed is 0-5
           ("preliminary", "P1.1", -1, ""),
           ("preliminary", "P1.1", True, ""),
           ("preliminary", "D1.1.1", 1, ""),        # a detailed question at the other level
           ("preliminary", "P99.1", 1, ""),
           ("sketchy", "P1.1", 1, ""),
           ("preliminary", "P1.2", 1, "javascript:alert(1)")]
    for level, q, score, url in bad:
        with pytest.raises(PortalError):
            store.save_answer(ed, "osh", level, q, score, "", url, 0)
    assert set(store.answers("osh", "preliminary")) == {"P1.1"}
    # a score may be cleared (None: not answered)
    c = store.save_answer(ed, "osh", "preliminary", "P1.1", None, "unsure", "", 1)
    assert c.score is None and c.version == 2


def test_editor_of_one_city_cannot_save_for_another(store):
    ed, ana, vic = store.user("ed"), store.user("ana"), store.user("vic")
    with pytest.raises(PermissionDenied, match="almaty"):
        store.save_answer(ed, "almaty", "preliminary", "P1.1", 1, "", "", 0)
    for u in (ana, vic):
        with pytest.raises(PermissionDenied):
            store.save_answer(u, "osh", "preliminary", "P1.1", 1, "", "", 0)
    with pytest.raises(PermissionDenied):
        store.save_survey(ed, "almaty", "emergency_ministry", "r1", {"risk_reduction": 3})
    assert store.answers("almaty", "preliminary") == {} and store.survey_rows() == []
    # the role change takes effect at the next request: users are read fresh
    store.set_role(None, "ed", "editor", ["almaty"])
    with pytest.raises(PermissionDenied):
        store.save_answer(store.user("ed"), "osh", "preliminary", "P1.1", 1, "", "", 0)


def test_second_writer_gets_a_conflict_with_both_values(store):
    ed, root = store.user("ed"), store.user("root")
    store.save_answer(ed, "osh", "preliminary", "P2.1", 1, "first", "", 0)
    mine = store.save_answer(ed, "osh", "preliminary", "P2.1", 2, "ed's edit", "", 1)
    with pytest.raises(EditConflict) as e:            # root started from version 1 too
        store.save_answer(root, "osh", "preliminary", "P2.1", 3, "root's edit", "", 1)
    assert e.value.theirs == mine
    assert e.value.yours["score"] == 3 and e.value.yours["comment"] == "root's edit"
    assert e.value.yours["base_version"] == 1
    assert store.answers("osh", "preliminary")["P2.1"].comment == "ed's edit"
    # two "first" answers to the same question
    store.save_answer(ed, "osh", "preliminary", "P3.1", 1, "a", "", 0)
    with pytest.raises(EditConflict) as e2:
        store.save_answer(root, "osh", "preliminary", "P3.1", 2, "b", "", 0)
    assert e2.value.theirs.comment == "a" and e2.value.yours["comment"] == "b"


def test_concurrent_saves_in_threads(store):
    ed, root = store.user("ed"), store.user("root")
    store.save_answer(ed, "osh", "preliminary", "P4.1", 0, "start", "", 0)
    for round_ in range(3):
        base = store.answers("osh", "preliminary")["P4.1"].version
        barrier = threading.Barrier(4)
        results: list[object] = []

        def save(user, n, base=base, barrier=barrier, results=results):
            barrier.wait()
            try:
                results.append(store.save_answer(user, "osh", "preliminary", "P4.1", n % 4,
                                                 f"{user.username} {n}", "", base))
            except EditConflict as exc:
                results.append(exc)

        ts = [threading.Thread(target=save, args=(u, i)) for i, u in
              enumerate((ed, root, ed, root))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        wins = [r for r in results if isinstance(r, acc.Answer)]
        lost = [r for r in results if isinstance(r, EditConflict)]
        assert len(results) == 4 and len(wins) == 1 and len(lost) == 3, round_
        now = store.answers("osh", "preliminary")["P4.1"]
        assert now == wins[0] and now.version == base + 1
        for c in lost:
            assert c.theirs is not None and c.theirs.version == base + 1
            assert c.yours["comment"] != now.comment
    saves = [r for r in store.audit("osh", limit=50) if r["action"] == "save_answer"]
    assert len(saves) == 4                      # the first save and one per round


# ------------------------------------------------------------------ injection
INJECTIONS = ["x'; DROP TABLE portal_users; --", "osh' OR '1'='1", 'a"; DELETE FROM x; --',
              "P1.1'; UPDATE portal_answers SET score=0; --", "../../etc/passwd",
              "Robert'); DROP TABLE portal_answers;--"]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_sql_injection_is_refused_or_stored_literally(store, evil):
    ed = store.user("ed")
    store.save_answer(ed, "osh", "preliminary", "P1.1", 2, "keep", "", 0)
    with pytest.raises(LoginRefused):
        store.authenticate(evil, evil, evil)
    for call in (lambda: store.create_user(evil, PW, "viewer"),
                 lambda: store.create_user("eve", PW, "editor", [evil]),
                 lambda: store.save_answer(ed, evil, "preliminary", "P1.1", 1, "", "", 0),
                 lambda: store.save_answer(ed, "osh", evil, "P1.1", 1, "", "", 0),
                 lambda: store.save_answer(ed, "osh", "preliminary", evil, 1, "", "", 0),
                 lambda: store.answers(evil, "preliminary"),
                 lambda: store.save_survey(ed, "osh", evil, "r1", {"risk_reduction": 3}),
                 lambda: store.save_survey(ed, "osh", "s1", "r1", {evil: 3})):
        with pytest.raises(CarlError):
            call()
    assert store.user_for_session(evil) is None
    assert not store.check_csrf(evil, evil)
    # comments are data: stored and read back byte for byte
    store.save_answer(ed, "osh", "preliminary", "P1.2", 1, evil, "", 0)
    assert store.answers("osh", "preliminary")["P1.2"].comment == evil
    assert store.answers("osh", "preliminary")["P1.1"].comment == "keep"
    tables_intact(store)
    assert store.audit(limit=1)[0]["new"]["comment"] == evil


# ------------------------------------------------------------------ surveys, audit, export
def test_surveys_audit_and_export(store, tmp_path):
    from carlcities.scorecard.io import read_yaml
    from carlcities.scorecard.survey import read_surveys, survey_weights

    ed, root = store.user("ed"), store.user("root")
    store.save_answer(ed, "osh", "preliminary", "P1.1", 2, "<b>plan</b> 2021",
                      "https://example.org/p", 0)
    store.save_answer(ed, "osh", "preliminary", "P1.2", None, "not known yet", "", 0)
    store.save_answer(root, "almaty", "detailed", "D2.1.1", 4, "", "", 0)
    crit = ("risk_reduction", "emissions", "cost")
    store.save_survey(ed, "osh", "emergency_ministry", "r1",
                      {(crit[0], crit[1]): 3, f"{crit[0]}|{crit[2]}": 5, (crit[1], crit[2]): 2,
                       "risk_reduction": 5})
    store.save_survey(ed, "osh", "emergency_ministry", "r1",
                      {(crit[0], crit[1]): 1 / 3, (crit[0], crit[2]): 5, (crit[1], crit[2]): 2})
    with pytest.raises(PortalError, match="Saaty"):
        store.save_survey(ed, "osh", "emergency_ministry", "r2", {(crit[0], crit[1]): 12})
    with pytest.raises(PortalError, match="Likert"):
        store.save_survey(ed, "osh", "emergency_ministry", "r2", {"cost": 7})
    root_survey = {(crit[0], crit[1]): 2, (crit[0], crit[2]): 3, (crit[1], crit[2]): 1}
    store.save_survey(root, "almaty", "emergency_ministry", "r1", root_survey)

    rows = store.audit("osh")
    assert [r["action"] for r in rows] == ["save_survey", "save_survey", "save_answer",
                                           "save_answer"]
    last = rows[0]
    assert last["who"] == "ed" and last["target"] == "emergency_ministry/r1"
    assert last["old"]["risk_reduction"] == 5 and "risk_reduction" not in last["new"]
    assert last["new"]["risk_reduction|emissions"] == pytest.approx(1 / 3)
    assert rows[-1]["old"] is None and rows[-1]["new"]["score"] == 2
    assert rows[-1]["when"].tzinfo is not None
    assert len(store.audit(limit=3)) == 3

    files = store.export_scorecards(tmp_path / "portal")
    names = sorted(p.name for p in files)
    assert names == ["almaty_detailed.yaml", "almaty_emergency_ministry.csv",
                     "osh_emergency_ministry.csv", "osh_preliminary.yaml"]
    a = read_yaml(tmp_path / "portal" / "scorecards" / "osh_preliminary.yaml")
    assert (a.city_id, a.level, a.source) == ("osh", "preliminary", "carlcities portal")
    assert a.answers["P1.1"].score == 2
    assert a.answers["P1.1"].evidence == "<b>plan</b> 2021 — https://example.org/p"
    assert a.answers["P1.1"].respondents == ("ed",)
    assert a.answers["P1.2"].score is None and a.answers["P1.2"].evidence == "not known yet"
    js = read_surveys(sorted((tmp_path / "portal" / "surveys").glob("*.csv")))
    assert {j.respondent for j in js} == {"osh/r1", "almaty/r1"}
    prof = survey_weights(js)["emergency_ministry"]
    assert set(prof.weights) == set(crit) and sum(prof.weights.values()) == pytest.approx(1)
    # the folders mirror the database: a stale file is removed
    stale = tmp_path / "portal" / "scorecards" / "gone_preliminary.yaml"
    stale.write_text("x")
    store.export_scorecards(tmp_path / "portal")
    assert not stale.exists()
