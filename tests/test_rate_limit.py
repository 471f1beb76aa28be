"""The sign-in limit: failed attempts only, per account and per address, counted in the
database (one count for every worker process), 429 with Retry-After past it."""
from __future__ import annotations

from datetime import timedelta

from annotator import create_app, users
from annotator.models import User, utcnow
from helpers import csrf_token


def _app(database_url, tmp_path, **config):
    (tmp_path / "instance").mkdir(parents=True, exist_ok=True)
    return create_app({"TESTING": True, "DATABASE_URL": database_url,
                       "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
                       "LOGIN_FAILURES_PER_ACCOUNT": 3, "LOGIN_FAILURES_PER_ADDRESS": 5, **config})


def _attempt(client, username="alice", password="wrong-password", address="10.0.0.1"):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_look_alike_and_the_account_is_refused_past_its_limit(app, db, tmp_path, database_url):
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x")
    client = limited.test_client()
    wrong_password = _attempt(client)
    unknown_user = _attempt(client, username="nobody")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Unknown username or wrong password" in wrong_password.get_data(as_text=True)
    assert "Unknown username or wrong password" in unknown_user.get_data(as_text=True)
    assert _attempt(client, username="ALICE ").status_code == 401  # the same account, as typed
    assert _attempt(client).status_code == 401
    # Three failures for alice: even the right password waits now, from any address.
    refused = _attempt(client, password="password123", address="10.9.9.9")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    # Another account from the same address is not held back by alice's.
    users.create_user(db, "bob", "annotator", "password123")
    db.commit()
    assert _attempt(client, username="bob", password="password123").status_code == 302
    limited.extensions["annotator.engine"].dispose()


def test_a_class_behind_one_address_signs_in_at_once(app, db, tmp_path, database_url):
    for i in range(30):
        users.create_user(db, f"student{i}", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x")
    statuses = [_attempt(limited.test_client(), username=f"student{i}", password="password123").status_code
                for i in range(30)]
    assert statuses == [302] * 30
    # Failures from that address do count, across accounts: the sixth is refused.
    client = limited.test_client()
    assert [_attempt(client, username=f"student{i}").status_code for i in range(6)] == [401] * 5 + [429]
    # ... but only from that address.
    assert _attempt(client, username="student7", password="password123", address="10.0.0.2").status_code == 302
    limited.extensions["annotator.engine"].dispose()


def test_two_workers_read_one_count(app, db, tmp_path, database_url):
    """Two apps stand for two gunicorn worker processes: their failures add up."""
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    one, two = (_app(database_url, tmp_path / n) for n in ("one", "two"))
    a, b = one.test_client(), two.test_client()
    assert [_attempt(a).status_code, _attempt(b).status_code, _attempt(a).status_code] == [401] * 3
    assert _attempt(b, password="password123").status_code == 429
    for x in (one, two):
        x.extensions["annotator.engine"].dispose()


def test_the_limit_lifts_when_the_failures_leave_the_window(db):
    limit = users.SignInLimit(per_account=2, per_address=100, window=timedelta(minutes=15))
    start = utcnow()
    for minute in (0, 5):
        users.note_sign_in_failure(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=minute))
    db.commit()
    wait = users.sign_in_wait(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=6))
    assert wait == 9 * 60  # until the first failure is 15 minutes old
    assert users.sign_in_wait(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=15, seconds=1)) is None


def test_signing_in_counts_as_activity(client, db, make_user):
    make_user("alice")
    assert db.scalar(User.__table__.select().with_only_columns(User.last_active_at)) is None
    db.rollback()
    token = csrf_token(client)
    assert client.post("/login", data={"username": "alice", "password": "password123",
                                       "csrf_token": token}).status_code == 302
    db.rollback()  # a fresh read
    assert db.scalar(User.__table__.select().with_only_columns(User.last_active_at)) is not None
