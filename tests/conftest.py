"""Fixtures: an app on a throw-away database (SQLite by default, PostgreSQL when
ANNOTATOR_DATABASE_URL names one; a private schema is created there and dropped afterwards)."""
from __future__ import annotations

import ipaddress
import os
import socket
import uuid

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from annotator import create_app, progress
from annotator.review import versioned
from annotator.db import make_engine, upgrade
from annotator.models import Base
from helpers import SAMPLE

# CI draws the same examples on every run (a failure there is one you can rerun); a developer's
# runs draw new ones each time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_URL = os.environ.get("ANNOTATOR_DATABASE_URL", "")
IS_PG = PG_URL.startswith("postgresql")


def _loopback(host) -> bool:
    if host in ("localhost", "") or str(host).endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def network_off():
    """The tests run with the network off (issue 19: every asset and model ships with the
    package): a Python socket may connect to this machine only; anything else fails at once
    with OSError. (libpq and the browser are not Python sockets; they reach 127.0.0.1 only.)"""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OSError(f"network off in the tests: no connection to {address[0]}")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not IS_PG:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(make_engine(url))
        yield url
        return
    # Never touch existing data: everything happens in a schema of our own.
    schema = f"test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def clean_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _wipe(engine) -> None:
    with engine.begin() as conn:
        if IS_PG:
            # A connection left open by a test must fail the next one, not hang the run.
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(database_url, clean_engine, tmp_path):
    _wipe(clean_engine)
    progress.forget()  # totals kept in this process belong to the wiped database
    versioned.forget()  # so do the review figures kept per data version
    # Figures are computed in the request, however long that takes, on the first view and
    # after a change: a test that labels and then reads the dashboard must see its label
    # (test_dashboard_refresh.py sets the bounds itself to check serving the last figures, or
    # none yet, while they are computed).
    versioned.REFRESH_INLINE_SECONDS = versioned.FIRST_VIEW_SECONDS = float("inf")
    (tmp_path / "instance").mkdir()
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "EXPORT_DIR": str(tmp_path / "export"),
                      "SECRET_KEY": "test-secret", "LOGIN_FAILURES_PER_ADDRESS": 10_000})
    yield app
    app.extensions["annotator.engine"].dispose()


@pytest.fixture
def db(app):
    session = app.extensions["annotator.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def make_user(db):
    from annotator import users

    def make(name, role="annotator", password="password123"):
        u = users.create_user(db, name, role, password)
        db.commit()
        return u
    return make




@pytest.fixture
def project(db):
    from annotator import ingest, projects
    from annotator.articles import add_articles

    p = projects.create_project(db, "news", "News", overlap=2)
    db.commit()
    add_articles(db, p, ingest.parse_file("sample.txt", SAMPLE.encode()), "sample.txt")
    return p


@pytest.fixture(autouse=True)
def _push_request_context():
    """pytest-flask pushes one request context for a whole test, so `g` would be shared by
    every request the test client makes; requests here get their own contexts, as in
    production (per-request state such as the CSRF token cache must not leak)."""
    yield
