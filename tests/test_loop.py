"""The annotate loop's rules, as the page, the API and the admin's pages see them."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select

from annotator import controls, users
from annotator.models import Sentence, User
from conftest import IS_PG
from helpers import login


@pytest.fixture
def annotator_token(db, make_user):
    u = make_user("ann")
    _, token = users.create_token(db, u)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _body_ids(db):
    return list(db.scalars(select(Sentence.id).where(Sentence.kind == "body").order_by(Sentence.id)))


def test_only_a_leased_or_own_sentence_can_be_labelled(client, db, project, annotator_token):
    h = annotator_token
    served = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    other = next(i for i in _body_ids(db) if i != served)
    resp = client.put(f"/api/v1/sentences/{other}/annotation", json={"label": "neutral_fact"}, headers=h)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "not_leased"
    assert client.put(f"/api/v1/sentences/{served}/annotation", json={"label": "neutral_fact"},
                      headers=h).status_code == 201
    # Once labelled it stays theirs to change, though the lease is gone.
    resp = client.put(f"/api/v1/sentences/{served}/annotation", json={"label": "attributed_claim"},
                      headers=h)
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "updated"


def test_a_full_sentence_cannot_be_filled_past_its_overlap(client, db, project, make_user):
    """overlap 2: a third annotator who was never served the sentence is refused."""
    heads = []
    for name in ("a", "b", "c"):
        u = make_user(name)
        _, token = users.create_token(db, u)
        heads.append({"Authorization": f"Bearer {token}"})
    db.commit()
    first = _body_ids(db)[0]
    for h in heads[:2]:
        assert client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"] == first
        assert client.put(f"/api/v1/sentences/{first}/annotation", json={"label": "neutral_fact"},
                          headers=h).status_code == 201
    assert client.get("/api/v1/projects/news/next", headers=heads[2]).get_json()["sentence"]["id"] != first
    assert client.put(f"/api/v1/sentences/{first}/annotation", json={"label": "neutral_fact"},
                      headers=heads[2]).status_code == 409
    db.rollback()  # end the test session's read snapshot
    assert db.get(Sentence, first).n_labels == 2


def test_the_page_and_its_json_twin_show_the_same_sentence(client, db, project, make_user):
    make_user("ann")
    csrf = login(client, "ann")
    twin = client.get("/projects/news/annotate", headers={"Accept": "application/json"}).get_json()
    api = client.get("/api/v1/projects/news/next").get_json()
    assert twin["sentence"] == api["sentence"]  # the sentence held for the user, both times
    assert twin["progress"] == api["progress"]
    page = client.get("/projects/news/annotate").get_data(as_text=True)
    assert f'data-id="{api["sentence"]["id"]}"' in page
    # The page's own requests: cookie session and the CSRF header.
    resp = client.put(f"/api/v1/sentences/{api['sentence']['id']}/annotation",
                      json={"label": "neutral_fact"}, headers={"X-CSRFToken": csrf})
    assert resp.status_code == 201


def test_every_place_that_shows_progress_agrees_control_items_included(client, db, project,
                                                                        make_user, annotator_token):
    """One control item among the project's body sentences: the annotator's `next`, the
    annotate page, their project list and the admin's progress page and API count alike."""
    admin = make_user("boss", "admin")
    _, admin_token = users.create_token(db, admin)
    db.commit()
    body = [db.get(Sentence, i) for i in _body_ids(db)]
    proj = project
    controls.set_control(db, proj, body[-1], "neutral_fact")
    h = annotator_token
    first = client.get("/api/v1/projects/news/next", headers=h).get_json()
    assert first["progress"] == {"done": 0, "total": len(body) - 1}
    client.put(f"/api/v1/sentences/{first['sentence']['id']}/annotation",
               json={"label": "neutral_fact"}, headers=h)
    shown = client.get("/api/v1/projects/news/next", headers=h).get_json()["progress"]
    assert shown == {"done": 1, "total": len(body) - 1}
    rows = client.get("/api/v1/projects/news/progress",
                      headers={"Authorization": f"Bearer {admin_token}"}).get_json()["annotators"]
    mine = next(r for r in rows if r["annotator"] == "ann")
    assert (mine["done"], mine["done"] + mine["remaining"]) == (shown["done"], shown["total"])
    login(client, "ann")
    twin = client.get("/projects/news/annotate", headers={"Accept": "application/json"}).get_json()
    assert twin["progress"] == shown
    assert f"{shown['done']} / {shown['total']} labelled by you" in client.get("/").get_data(as_text=True)


@pytest.mark.skipif(IS_PG, reason="SQLite's write lock: PostgreSQL locks rows, not the database")
def test_a_write_waits_for_the_lock_instead_of_failing(app, client, db, make_user):
    """An admin's write that reads first waits while another process holds SQLite's write
    lock, then succeeds: never 'database is locked'."""
    make_user("boss", "admin")
    csrf = login(client, "boss")
    path = app.extensions["annotator.engine"].url.database
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, holder.execute, args=("COMMIT",))
    release.start()
    try:
        resp = client.post("/api/v1/users", json={"username": "newbie"}, headers={"X-CSRFToken": csrf})
    finally:
        release.join()
        holder.close()
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert db.scalar(select(User).where(User.username == "newbie")) is not None
