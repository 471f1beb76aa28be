"""The annotate loop's fast path (annotator/web/fastpath.py) answers as Flask does, byte for byte,
and hands everything else to Flask."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from annotator import assign, create_app, projects, users
from annotator.models import AnnotationHistory, Lease, Sentence
from annotator.web import api
from annotator.web.fastpath import FastPath

_TIMES = re.compile(rb'"(created_at|updated_at)":"[^"]*"')


@pytest.fixture
def flask_only(app):
    """A second app on the same database with the fast path off: every request through Flask."""
    config = {k: app.config[k] for k in ("TESTING", "DATABASE_URL", "EXPORT_DIR", "SECRET_KEY",
                                         "LOGIN_RATE_LIMIT")}
    other = create_app({**config, "INSTANCE_PATH": app.instance_path, "FAST_PATH": False})
    assert not isinstance(other.wsgi_app, FastPath)
    yield other
    other.extensions["annotator.engine"].dispose()


@pytest.fixture
def handed_on(app):
    """How many requests the fast path handed to Flask."""
    fast = app.wsgi_app
    assert isinstance(fast, FastPath)
    count = {"n": 0}
    inner = fast.inner

    def counting(environ, start_response):
        count["n"] += 1
        return inner(environ, start_response)

    fast.inner = counting
    return count


def _bearer(db, user) -> dict:
    _, token = users.create_token(db, user, "test")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _same(a, b, ignore_times: bool = False) -> None:
    assert a.status == b.status
    assert sorted(a.headers.items()) == sorted(b.headers.items())
    da, db_ = a.data, b.data
    if ignore_times:
        da, db_ = _TIMES.sub(b"T", da), _TIMES.sub(b"T", db_)
    assert da == db_


def test_next_and_its_errors_match_flask(app, flask_only, db, make_user, project, handed_on):
    alice, admin = make_user("alice"), make_user("root", "admin")
    h = _bearer(db, alice)
    fast, slow = app.test_client(), flask_only.test_client()
    # The same sentence twice (the lease is held), with the same progress.
    for extra in ({}, {"Accept-Encoding": "gzip, deflate", "Accept": "*/*"}):
        _same(fast.get("/api/v1/projects/news/next", headers={**h, **extra}),
              slow.get("/api/v1/projects/news/next", headers={**h, **extra}))
    closed = projects.create_project(db, "closed", members=[admin])
    db.commit()
    for path, headers in [("/api/v1/projects/nope/next", h),              # 404
                          ("/api/v1/projects/closed/next", h),            # 403: not a member
                          ("/api/v1/projects/news/next", {"Authorization": "Bearer ann_x"})]:  # 401
        a, b = fast.get(path, headers=headers), slow.get(path, headers=headers)
        assert a.status_code in (401, 403, 404)
        _same(a, b)
    assert closed.id and handed_on["n"] == 0


def test_labels_and_their_errors_match_flask(app, flask_only, db, make_user, project, handed_on):
    alice, bob = make_user("alice"), make_user("bob")
    ha, hb = _bearer(db, alice), _bearer(db, bob)
    fast, slow = app.test_client(), flask_only.test_client()
    sa = fast.get("/api/v1/projects/news/next", headers=ha).get_json()["sentence"]["id"]
    sb = slow.get("/api/v1/projects/news/next", headers=hb).get_json()["sentence"]["id"]
    assert sa == sb  # overlap 2: both are served the first sentence

    def put(client, sid, headers, body):
        return client.put(f"/api/v1/sentences/{sid}/annotation", headers=headers,
                          data=json.dumps(body), content_type="application/json")

    label = {"label": "neutral_fact", "seconds": 2.5}
    created = put(fast, sa, ha, label), put(slow, sb, hb, label)
    assert created[0].status_code == 201
    _same(*created, ignore_times=True)
    unchanged = put(fast, sa, ha, label), put(slow, sb, hb, label)
    assert unchanged[0].get_json()["outcome"] == "unchanged"
    _same(*unchanged, ignore_times=True)
    # On PostgreSQL the fast path tries a new label in autocommit mode, one statement; a
    # label that is there already is changed in a transaction, with its history.
    changed = {"label": "attributed_claim", "seconds": 1.0}
    updated = put(fast, sa, ha, changed), put(slow, sb, hb, changed)
    assert updated[0].get_json()["outcome"] == "updated"
    _same(*updated, ignore_times=True)
    for sid, body in [(sa, {"label": "no_such_label"}),                   # 400
                      (sa, {"label": "neutral_fact", "spans": "x"}),       # 400
                      (999_999, label)]:                                   # 404
        a, b = put(fast, sid, ha, body), put(slow, sid, ha, body)
        assert a.status_code in (400, 404)
        _same(a, b)
    assert handed_on["n"] == 0
    db.rollback()
    stored = db.scalar(select(Sentence.n_labels).where(Sentence.id == sa))
    assert stored == 2
    history = db.execute(select(AnnotationHistory.user_id, AnnotationHistory.action)
                         .order_by(AnnotationHistory.id)).all()
    assert history == [(alice.id, "create"), (bob.id, "create"),
                       (alice.id, "update"), (bob.id, "update")]


def test_what_it_does_not_answer_goes_to_flask(app, db, make_user, project, handed_on):
    alice = make_user("alice")
    h = _bearer(db, alice)
    client = app.test_client()
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    assert handed_on["n"] == 0
    url = f"/api/v1/sentences/{sid}/annotation"
    cases = [
        lambda: client.get("/api/v1/projects/news/next?ahead=2", headers=h),            # query
        lambda: client.put(url, headers=h, data="not json", content_type="application/json"),
        lambda: client.put(url, headers=h, data="[1]", content_type="application/json"),
        lambda: client.put(url, headers=h, data="[" * 100_000 + "]" * 100_000,    # too deep
                           content_type="application/json"),
        lambda: client.put(url, headers=h, data='{"label": "neutral_fact"}',
                           content_type="text/plain"),
        lambda: client.get(url, headers=h),                                             # method
        lambda: client.get("/api/v1/projects/news/next", headers={"Authorization": "Basic x"}),
        lambda: client.get("/api/v1/projects/news/next"),                               # no token
    ]
    statuses = []
    for n, request in enumerate(cases, 1):
        statuses.append(request().status_code)
        assert handed_on["n"] == n
    assert statuses == [200, 400, 400, 400, 400, 404, 401, 401]


def test_an_unexpected_error_is_rolled_back_and_flask_answers(app, db, make_user, project,
                                                              handed_on, monkeypatch):
    """A first attempt that fails midway is rolled back (its leases are gone), and Flask
    answers the same request, body and all (a label already committed stays stored once)."""
    alice = make_user("alice")
    h = _bearer(db, alice)
    client = app.test_client()
    failures = {"next": 1, "label": 1}
    real_next, real_label = api.next_body, api.label_body

    def lease_then_fail(session, project, user, *args):
        if failures["next"]:
            failures["next"] -= 1
            assign.lease_next(session, project, user, 3, commit=False)  # three, uncommitted
            raise RuntimeError("midway")
        return real_next(session, project, user, *args)

    monkeypatch.setattr(api, "next_body", lease_then_fail)
    resp = client.get("/api/v1/projects/news/next", headers=h)
    assert resp.status_code == 200 and handed_on["n"] == 1
    sid = resp.get_json()["sentence"]["id"]
    assert db.scalars(select(Lease.sentence_id)).all() == [sid]

    def write_then_fail(session, project, sentence, user, data, **kw):
        if failures["label"]:
            failures["label"] -= 1
            real_label(session, project, sentence, user, data, **kw)  # commits: then the error
            raise RuntimeError("after the write")
        return real_label(session, project, sentence, user, data, **kw)

    monkeypatch.setattr(api, "label_body", write_then_fail)
    resp = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
                      json={"label": "attributed_claim"})
    # Flask saw the same body: the PUT is idempotent, the label stored once.
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "unchanged"
    assert handed_on["n"] == 2
    db.rollback()  # a fresh snapshot
    assert db.scalar(select(Sentence.n_labels).where(Sentence.id == sid)) == 1


def test_connections_go_back_to_the_pool_in_transactional_mode(app, db, make_user, project):
    """On PostgreSQL a new label runs in autocommit mode; the connection must not stay so."""
    alice = make_user("alice")
    h = _bearer(db, alice)
    client = app.test_client()
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    resp = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
                      json={"label": "neutral_fact"})
    assert resp.status_code == 201
    engine = app.extensions["annotator.engine"]
    pooled = engine.pool.checkedin()
    conns = [engine.connect() for _ in range(max(1, pooled))]  # every pooled one at once
    try:
        for conn in conns:
            driver = conn.connection.driver_connection
            if engine.dialect.name == "postgresql":
                from psycopg import IsolationLevel

                assert driver.autocommit is False
                assert driver.isolation_level in (None, IsolationLevel.READ_COMMITTED)
    finally:
        for conn in conns:
            conn.close()
