"""Crowd studies over HTTP: entry with consent, quota through the annotate API, finish with
the code and redirect, the admins' participants page, its CSV and JSON twin."""
from __future__ import annotations

import csv
import io

from annotator import projects
from annotator.models import Sentence
from helpers import CSRF_RE, login

from test_crowd import STUDY, _study


def _participant_labels(client, path, n):
    html = client.get(path).get_data(as_text=True)
    assert "I agree" in html
    token = CSRF_RE.search(html).group(1)
    resp = client.post(path, data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/projects/study/annotate")
    csrf = CSRF_RE.search(client.get("/crowd/study/finish").get_data(as_text=True)).group(1)
    got = []
    for _ in range(n + 1):
        sent = client.get("/api/v1/projects/study/next").get_json()["sentence"]
        if sent is None:
            break
        assert client.put(f"/api/v1/sentences/{sent['id']}/annotation", json={"label": "neutral_fact"},
                          headers={"X-CSRFToken": csrf}).status_code == 201
        got.append(sent["id"])
    return got, csrf


def test_a_participant_enters_labels_their_quota_and_gets_the_code(app, client, db, make_user):
    p = _study(db, overlap=2)
    path = "/crowd/study/prolific?PROLIFIC_PID=abc123&STUDY_ID=s1&SESSION_ID=x1"
    got, csrf = _participant_labels(client, path, STUDY["crowd_quota"])
    assert len(got) == STUDY["crowd_quota"]  # the quota stops the queue
    assert 'href="/crowd/study/finish"' in client.get("/projects/study/annotate").get_data(as_text=True)
    # Not counted before completion.
    assert all(db.get(Sentence, i).n_labels == 0 for i in got)
    # Other projects stay closed to the participant.
    projects.create_project(db, "other")
    db.commit()
    assert client.get("/projects/other/annotate").status_code == 403
    twin = client.get("/crowd/study/finish?format=json").get_json()
    assert (twin["state"], twin["code"]) == ("finished", None)
    resp = client.post("/crowd/study/finish", data={"csrf_token": csrf})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "C0DE" in page
    assert 'href="https://app.prolific.com/x?cc=C0DE"' in page
    twin = client.get("/crowd/study/finish?format=json").get_json()
    assert (twin["state"], twin["code"]) == ("completed", "C0DE")
    db.expire_all()
    assert all(db.get(Sentence, i).n_labels == 1 for i in got)
    # The admins' page, its JSON twin and CSV.
    client.get("/logout")
    make_user("boss", "admin")
    login(client, "boss")
    twin = client.get("/admin/projects/study/participants?format=json").get_json()
    [row] = twin["participants"]
    assert (row["participant"], row["status"], row["items"], row["code"]) == ("abc123", "completed", 4, "C0DE")
    assert "PROLIFIC_PID" in twin["entry_urls"]["prolific"]
    rows = list(csv.DictReader(io.StringIO(
        client.get("/admin/projects/study/participants?format=csv").get_data(as_text=True))))
    assert rows[0]["status"] == "completed" and rows[0]["items"] == "4"


def test_no_code_before_the_quota_and_bad_entries_refused(client, db):
    _study(db)
    got, csrf = _participant_labels(client, "/crowd/study/mturk?workerId=W1&hitId=H&assignmentId=A", 1)
    resp = client.post("/crowd/study/finish", data={"csrf_token": csrf})
    assert resp.status_code == 400 and "C0DE" not in resp.get_data(as_text=True)
    assert client.get("/crowd/nosuch/prolific?PROLIFIC_PID=a").status_code == 404
    assert client.get("/crowd/study/other?x=1").status_code == 404


def test_participants_page_is_for_admins(client, db, make_user):
    _study(db)
    make_user("ann")
    login(client, "ann")
    assert client.get("/admin/projects/study/participants").status_code == 403


def test_nothing_free_for_now_says_so_and_prefetching_never_passes_the_quota(app, db):
    from annotator.models import Lease

    _study(db, overlap=1, n_articles=1, n_sent=6)  # quota 4 of 6 sentences
    first, second = app.test_client(), app.test_client()
    for c, pid in ((first, "A1"), (second, "B2")):
        path = f"/crowd/study/prolific?PROLIFIC_PID={pid}&STUDY_ID=s&SESSION_ID=x"
        token = CSRF_RE.search(c.get(path).get_data(as_text=True)).group(1)
        assert c.post(path, data={"csrf_token": token}).status_code == 302
    # The page prefetches far ahead; the quota caps what one participant takes, labelled or held.
    batch = first.get("/api/v1/projects/study/next?ahead=10").get_json()
    held = [batch["sentence"]["id"]] + [s["id"] for s in batch["upcoming"]]
    assert len(held) == 4
    csrf = CSRF_RE.search(first.get("/crowd/study/finish").get_data(as_text=True)).group(1)
    for sid in held[:2]:
        assert first.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "neutral_fact"},
                         headers={"X-CSRFToken": csrf}).status_code == 201
        again = first.get("/api/v1/projects/study/next?ahead=10").get_json()
        assert {s["id"] for s in [again["sentence"], *again["upcoming"]] if s} <= set(held)
    # The second participant takes the 2 left, then finds nothing free, and is told so.
    batch = second.get("/api/v1/projects/study/next?ahead=10").get_json()
    assert len([batch["sentence"], *batch["upcoming"]]) == 2
    csrf2 = CSRF_RE.search(second.get("/crowd/study/finish").get_data(as_text=True)).group(1)
    for s in [batch["sentence"], *batch["upcoming"]]:
        assert second.put(f"/api/v1/sentences/{s['id']}/annotation", json={"label": "neutral_fact"},
                          headers={"X-CSRFToken": csrf2}).status_code == 201
    twin = second.get("/projects/study/annotate?format=json").get_json()
    assert twin["sentence"] is None and twin["study"] == "active"
    html = second.get("/projects/study/annotate").get_data(as_text=True)
    assert "Nothing free right now" in html and 'id="crowd-wait"' in html
    db.rollback()
    assert db.query(Lease).count() == 6


def _enter_client(client, path):
    token = CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    return CSRF_RE.search(client.get("/crowd/study/finish").get_data(as_text=True)).group(1)


def test_after_completing_labels_can_no_longer_change_or_go(app, client, db):
    """A completed participant cannot delete, skip or change what was counted (the items would
    stay full with no labels), through the API or the page."""
    _study(db, overlap=1, n_articles=1, n_sent=6)
    got, csrf = _participant_labels(client, "/crowd/study/prolific?PROLIFIC_PID=p1&STUDY_ID=s&SESSION_ID=x", 4)
    assert client.post("/crowd/study/finish", data={"csrf_token": csrf}).status_code == 200
    h = {"X-CSRFToken": csrf}
    sid = got[0]
    assert client.delete(f"/api/v1/sentences/{sid}/annotation", headers=h).status_code == 403
    assert client.post(f"/api/v1/sentences/{sid}/skip", headers=h).status_code == 403
    assert client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "attributed_claim"},
                      headers=h).status_code == 403
    db.expire_all()
    assert all(db.get(Sentence, i).n_labels == 1 for i in got)
    assert client.get(f"/api/v1/sentences/{sid}/annotation").get_json()["label"] == "neutral_fact"


def test_a_failed_check_cannot_be_edited_away(app, client, db):
    from sqlalchemy import select

    from annotator.models import ControlItem

    p = _study(db, overlap=1, n_articles=1, n_sent=6, crowd_quota=6, crowd_fail_policy="stop",
               crowd_min_controls=2, control_rate=0.5)
    for s in db.scalars(select(Sentence).where(Sentence.project_id == p.id).order_by(Sentence.id).limit(2)):
        db.add(ControlItem(sentence_id=s.id, project_id=p.id, label="attributed_claim"))
    db.commit()
    controls = {c.sentence_id for c in db.scalars(select(ControlItem))}
    got, csrf = _participant_labels(client, "/crowd/study/prolific?PROLIFIC_PID=p2&STUDY_ID=s&SESSION_ID=x", 6)
    assert client.get("/crowd/study/finish?format=json").get_json()["state"] == "failed"
    h = {"X-CSRFToken": csrf}
    for sid in controls & set(got):  # the right answer now: refused, the state stays failed
        assert client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "attributed_claim"},
                          headers=h).status_code == 403
        assert client.delete(f"/api/v1/sentences/{sid}/annotation", headers=h).status_code == 403
    assert client.get("/crowd/study/finish?format=json").get_json()["state"] == "failed"
    resp = client.post("/crowd/study/finish", data={"csrf_token": csrf})
    assert "RET" in resp.get_data(as_text=True) and "C0DE" not in resp.get_data(as_text=True)


def test_an_answer_to_a_check_cannot_be_changed_while_working(app, client, db):
    from sqlalchemy import select

    from annotator.models import ControlItem

    p = _study(db, overlap=1, n_articles=1, n_sent=6, crowd_quota=6, control_rate=0.5)
    first = db.scalar(select(Sentence).where(Sentence.project_id == p.id).order_by(Sentence.id).limit(1))
    db.add(ControlItem(sentence_id=first.id, project_id=p.id, label="attributed_claim"))
    db.commit()
    csrf = _enter_client(client, "/crowd/study/prolific?PROLIFIC_PID=p3&STUDY_ID=s&SESSION_ID=x")
    h = {"X-CSRFToken": csrf}
    seen = []
    for _ in range(6):
        s = client.get("/api/v1/projects/study/next").get_json()["sentence"]
        if s is None:
            break
        assert client.put(f"/api/v1/sentences/{s['id']}/annotation", json={"label": "neutral_fact"},
                          headers=h).status_code == 201
        seen.append(s["id"])
    assert first.id in seen
    assert client.put(f"/api/v1/sentences/{first.id}/annotation", json={"label": "attributed_claim"},
                      headers=h).status_code == 403
    other = next(i for i in seen if i != first.id)  # an ordinary label may still be corrected
    assert client.put(f"/api/v1/sentences/{other}/annotation", json={"label": "attributed_claim"},
                      headers=h).status_code == 200


def test_entry_needs_every_platform_id_and_resumes_only_the_same_session(app, db):
    _study(db)
    thief, victim = app.test_client(), app.test_client()
    assert thief.get("/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s").status_code == 200  # consent page
    html = thief.get("/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s").get_data(as_text=True)
    resp = thief.post("/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s",
                      data={"csrf_token": CSRF_RE.search(html).group(1)})
    assert resp.status_code == 400 and "SESSION_ID" in resp.get_data(as_text=True)
    _enter_client(victim, "/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s&SESSION_ID=real")
    html = thief.get("/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s&SESSION_ID=guess").get_data(as_text=True)
    resp = thief.post("/crowd/study/prolific?PROLIFIC_PID=V1&STUDY_ID=s&SESSION_ID=guess",
                      data={"csrf_token": CSRF_RE.search(html).group(1)})
    assert resp.status_code == 400
