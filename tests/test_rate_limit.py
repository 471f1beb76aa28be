"""The sign-in limit: failed attempts only, per account and address, per address, and per
account from every address, counted in the database (one count for every worker process),
429 with Retry-After past it."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from annotator import create_app, users
from annotator.models import SignInFailure, User, utcnow
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
    # Three failures for alice from this address: even the right password waits now ...
    refused = _attempt(client, password="password123")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    # ... but only here: a guesser elsewhere cannot lock alice out of her own desk.
    assert _attempt(limited.test_client(), password="password123", address="10.9.9.9").status_code == 302
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
    assert _attempt(a, password="password123").status_code == 429
    for x in (one, two):
        x.extensions["annotator.engine"].dispose()


def test_a_guesser_with_many_addresses_gets_one_try_each_past_the_account_ceiling(app, db, tmp_path, database_url):
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x", LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE=4)
    client = limited.test_client()
    # Four failures for alice from four addresses: the account's ceiling is reached.
    assert [_attempt(client, address=f"10.1.0.{i}").status_code for i in range(4)] == [401] * 4
    # Those addresses may not try alice again ...
    assert _attempt(client, address="10.1.0.0").status_code == 429
    # ... a new address gets its one try, and is then held back too.
    assert _attempt(client, address="10.1.0.9").status_code == 401
    assert _attempt(client, address="10.1.0.9", password="password123").status_code == 429
    # Alice at her own desk, which has not failed, signs in.
    assert _attempt(client, address="10.2.0.1", password="password123").status_code == 302
    limited.extensions["annotator.engine"].dispose()


def test_twenty_wrong_passwords_at_once_store_no_more_than_the_limit(app, db, tmp_path, database_url):
    """Each attempt is counted before its password check, so attempts racing each other
    cannot all pass the last free count."""
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x", LOGIN_FAILURES_PER_ACCOUNT=5)
    clients = [limited.test_client() for _ in range(20)]
    tokens = [csrf_token(c) for c in clients]
    start, statuses = threading.Barrier(20), []

    def attempt(client, token):
        start.wait()
        statuses.append(client.post("/login", data={"username": "alice", "password": "wrong-one",
                                                    "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 15
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SignInFailure)) == 5
    limited.extensions["annotator.engine"].dispose()


def test_the_limit_lifts_when_the_failures_leave_the_window(db):
    limit = users.SignInLimit(per_account=2, per_address=100, window=timedelta(minutes=15))
    start = utcnow()
    for minute in (0, 5):
        attempt = users.begin_sign_in(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=minute))
        assert attempt.wait is None
        db.commit()
    wait = users.begin_sign_in(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=6)).wait
    db.commit()
    assert wait == 9 * 60  # until the first failure is 15 minutes old
    later = users.begin_sign_in(db, "alice", "10.0.0.1", limit, now=start + timedelta(minutes=15, seconds=1))
    assert later.wait is None


def test_a_right_password_takes_its_count_back(app, db, tmp_path, database_url):
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x")
    client = limited.test_client()
    for _ in range(10):  # ten right passwords under a limit of three failures
        assert _attempt(client, password="password123").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SignInFailure)) == 0
    limited.extensions["annotator.engine"].dispose()


def test_signing_in_counts_as_activity(client, db, make_user):
    make_user("alice")
    assert db.scalar(User.__table__.select().with_only_columns(User.last_active_at)) is None
    db.rollback()
    token = csrf_token(client)
    assert client.post("/login", data={"username": "alice", "password": "password123",
                                       "csrf_token": token}).status_code == 302
    db.rollback()  # a fresh read
    assert db.scalar(User.__table__.select().with_only_columns(User.last_active_at)) is not None
