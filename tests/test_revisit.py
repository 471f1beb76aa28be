"""Revisiting: Back and Forward over one's own labels, removing a label, skipping a labelled
sentence, through loop.py as the page, its JSON twin and the API reach it (both databases)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from annotator import loop, users
from annotator.models import Annotation, AnnotationHistory, Lease, Skip, User
from helpers import login


def _headers(db, user):
    _, token = users.create_token(db, user)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def alice(db, make_user):
    return make_user("alice")


def _label_next(client, h, label="neutral_fact") -> int:
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    assert client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": label},
                      headers=h).status_code == 201
    return sid


def _history(db, sid, user_id):
    db.rollback()  # end the test session's read snapshot
    return db.execute(select(AnnotationHistory.action, AnnotationHistory.label).where(
        AnnotationHistory.sentence_id == sid, AnnotationHistory.user_id == user_id)
        .order_by(AnnotationHistory.id)).all()


def test_revisit_names_the_labels_before_and_after(client, db, project, alice):
    h = _headers(db, alice)
    a, b, c = (_label_next(client, h) for _ in range(3))
    db.rollback()
    user = db.get(User, alice.id)
    ref = loop.project_for(db, "news", user)
    chain = {sid: loop.revisit(db, ref, user, sid) for sid in (a, b, c)}
    assert [(chain[s]["back"], chain[s]["forward"]) for s in (a, b, c)] == [
        (None, b), (a, c), (b, None)]
    assert chain[b]["mine"]["label"] == "neutral_fact" and chain[b]["sentence"]["id"] == b
    # The page's JSON twin carries the same, and the frontier says where Back goes.
    login(client, "alice")
    twin = client.get(f"/projects/news/annotate?sentence={b}&format=json").get_json()
    assert (twin["back"], twin["forward"], twin["mine"]["label"]) == (a, c, "neutral_fact")
    front = client.get("/projects/news/annotate?format=json").get_json()
    assert front["back"] == c and front["forward"] is None and front["mine"] is None


def test_a_removed_label_stays_in_history_and_the_sentence_stays_yours(client, db, project,
                                                                        make_user, alice):
    h = _headers(db, alice)
    b_user = make_user("bob")
    hb = _headers(db, b_user)
    hc = _headers(db, make_user("carol"))
    first = _label_next(client, h, "attributed_claim")
    assert _label_next(client, hb) == first  # overlap 2: the sentence is full now
    resp = client.delete(f"/api/v1/sentences/{first}/annotation", headers=h)
    assert resp.get_json() == {"deleted": True}
    # The freed slot stays alice's (leased to her again), not carol's.
    assert client.get("/api/v1/projects/news/next", headers=hc).get_json()["sentence"]["id"] != first
    db.rollback()
    assert db.scalar(select(Lease.sentence_id).where(Lease.user_id == alice.id,
                                                     Lease.sentence_id == first)) == first
    # She may label it again at once (no "not leased"), and history has every step.
    again = client.put(f"/api/v1/sentences/{first}/annotation", json={"label": "neutral_fact"}, headers=h)
    assert again.status_code == 201
    assert _history(db, first, alice.id) == [("create", "attributed_claim"), ("delete", None),
                                             ("create", "neutral_fact")]
    assert client.delete(f"/api/v1/sentences/{first}/annotation", headers=h).get_json() == {"deleted": True}
    assert client.delete(f"/api/v1/sentences/{first}/annotation", headers=h).get_json() == {"deleted": False}


def test_skip_on_a_labelled_sentence_removes_the_label_and_queues_it_last(client, db, project, alice):
    h = _headers(db, alice)
    first = _label_next(client, h, "contested_framing")
    second = _label_next(client, h)
    resp = client.post(f"/api/v1/sentences/{first}/skip", headers=h)
    assert resp.get_json() == {"skipped": first, "unlabelled": True}
    db.rollback()
    assert db.scalar(select(Annotation).where(Annotation.sentence_id == first)) is None
    assert db.scalar(select(Skip.sentence_id).where(Skip.user_id == alice.id)) == first
    assert _history(db, first, alice.id) == [("create", "contested_framing"), ("delete", None)]
    # An unlabelled skip says so; the skipped sentence comes back after every other one.
    nxt = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    assert client.post(f"/api/v1/sentences/{nxt}/skip", headers=h).get_json() == {
        "skipped": nxt, "unlabelled": False}
    order = []
    for _ in range(30):
        body = client.get("/api/v1/projects/news/next", headers=h).get_json()
        if body["sentence"] is None:
            break
        order.append(body["sentence"]["id"])
        client.put(f"/api/v1/sentences/{order[-1]}/annotation", json={"label": "neutral_fact"}, headers=h)
    assert order[-2:] == [first, nxt] and second not in order


SID = re.compile(r'name="sentence_id" id="sentence-id" value="(\d+)"')


def test_the_page_without_javascript_removes_and_skips_on_a_revisit(client, db, project, alice):
    token = login(client, "alice")
    sids = []
    for label in ("attributed_claim", "neutral_fact"):
        html = client.get("/projects/news/annotate").get_data(as_text=True)
        sids.append(int(SID.search(html).group(1)))
        client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": sids[-1],
                                                     "label": label})
    a, b = sids
    html = client.get(f"/projects/news/annotate?sentence={a}").get_data(as_text=True)
    assert "You labelled this: <strong>Attributed claim</strong>" in html
    assert f'id="forward" class="button" href="/projects/news/annotate?sentence={b}"' in html
    assert re.search(r'id="unlabel"[^>]*>', html) and "hidden" not in re.search(r'id="unlabel"[^>]*>', html).group(0)
    resp = client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": a,
                                                        "action": "unlabel"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"?sentence={a}")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "you have not labelled this sentence" in html and 'aria-pressed="true"' not in html
    # Labelled again from the page, then skipped on a revisit: the label goes, history keeps it.
    client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": a,
                                                 "label": "contested_framing"})
    resp = client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": b,
                                                        "action": "skip"})
    assert resp.headers["Location"].endswith("/projects/news/annotate")
    assert [x for x, _ in _history(db, a, alice.id)] == ["create", "delete", "create"]
    assert [x for x, _ in _history(db, b, alice.id)] == ["create", "delete"]
    # The frontier page is plain: no revisit notice shown, no Forward.
    html = client.get("/projects/news/annotate").get_data(as_text=True)
    assert re.search(r'id="revisit"[^>]*hidden', html) and re.search(r'id="forward"[^>]*hidden', html)


def test_revisit_refuses_what_is_not_yours(client, db, project, alice, make_user):
    h = _headers(db, alice)
    mine = _label_next(client, h)
    make_user("bob")
    login(client, "bob")
    assert client.get(f"/projects/news/annotate?sentence={mine}&format=json").status_code == 403
