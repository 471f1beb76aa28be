"""The sign-in rate limit: one answer for every failure, 429 past the limit, shared by workers
through RATELIMIT_STORAGE_URI."""
from __future__ import annotations

import socket
import uuid

import pytest

from annotator import create_app, users
from helpers import csrf_token


def _app(database_url, tmp_path, **config):
    (tmp_path / "instance").mkdir(parents=True, exist_ok=True)
    return create_app({"TESTING": True, "DATABASE_URL": database_url,
                       "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret",
                       "LOGIN_RATE_LIMIT": "3 per minute", **config})


def _attempt(client, username="alice", password="wrong-password"):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_failures_look_alike_and_the_fourth_attempt_is_refused(app, db, tmp_path, database_url):
    users.create_user(db, "alice", "annotator", "password123")
    db.commit()
    limited = _app(database_url, tmp_path / "x")
    client = limited.test_client()
    wrong_password = _attempt(client)
    unknown_user = _attempt(client, username="nobody")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Unknown username or wrong password" in wrong_password.get_data(as_text=True)
    assert "Unknown username or wrong password" in unknown_user.get_data(as_text=True)
    assert _attempt(client, password="password123").status_code == 302  # the third, right
    refused = _attempt(client, password="password123")
    assert refused.status_code == 429
    assert "Too many" in refused.get_data(as_text=True)
    limited.extensions["annotator.engine"].dispose()


def _redis_up() -> bool:
    try:
        import redis  # noqa: F401
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except (ImportError, OSError):
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 and the redis package")
def test_workers_share_the_limit_through_redis(app, tmp_path, database_url):
    """Two apps stand for two gunicorn worker processes: the attempts add up, and the count is
    in Redis (with memory:// each process would count alone)."""
    prefix = f"annotator-test-{uuid.uuid4().hex}"
    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": prefix}
    one, two = (_app(database_url, tmp_path / n, **shared) for n in ("one", "two"))
    a, b = one.test_client(), two.test_client()
    assert [_attempt(a).status_code, _attempt(b).status_code, _attempt(a).status_code] == [401] * 3
    assert _attempt(b).status_code == 429
    import redis

    server = redis.Redis(host="127.0.0.1", port=6379)
    keys = server.keys(f"*{prefix}*")
    assert keys  # the count is kept in Redis, where every worker process reads it
    server.delete(*keys)
    for x in (one, two):
        x.extensions["annotator.engine"].dispose()
