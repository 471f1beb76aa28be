"""The whole loop through the Flask test client: import, label, back, skip, export."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from annotator.models import Annotation, AnnotationHistory, Sentence
from helpers import login

SID = re.compile(r'name="sentence_id" id="sentence-id" value="(\d+)"')


def _current(client, slug="news"):
    html = client.get(f"/projects/{slug}/annotate").get_data(as_text=True)
    m = SID.search(html)
    return (int(m.group(1)) if m else None), html


def test_label_every_sentence_without_javascript(client, make_user, project, db):
    make_user("alice")
    token = login(client, "alice")
    body = db.scalar(select(func.count()).select_from(Sentence).where(Sentence.kind == "body"))
    assert body >= 4
    seen = []
    for _ in range(body + 2):
        sid, html = _current(client)
        if sid is None:
            assert "All done" in html
            break
        assert sid not in seen
        seen.append(sid)
        resp = client.post("/projects/news/annotate", data={
            "csrf_token": token, "sentence_id": sid, "label": "neutral_fact",
            "shown_at": "0"})
        assert resp.status_code == 302
    assert len(seen) == body
    db.rollback()  # end the test session's read snapshot
    assert db.scalar(select(func.count()).select_from(Annotation)) == body
    # headings and boilerplate are never queued
    kinds = set(db.scalars(select(Sentence.kind).where(Sentence.id.in_(seen))))
    assert kinds == {"body"}


def test_context_and_title_are_shown(client, make_user, project):
    make_user("alice")
    login(client, "alice")
    _, html = _current(client)
    assert "Troops clash near the border" in html
    assert 'class="context after"' in html


def test_back_changes_the_label_and_keeps_history(client, make_user, project, db):
    make_user("alice")
    token = login(client, "alice")
    first, _ = _current(client)
    client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": first,
                                                 "label": "neutral_fact"})
    _, html = _current(client)
    back = re.search(r'id="back" class="button" href="([^"]+)"', html).group(1)
    html = client.get(back.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{first}"' in html and 'aria-pressed="true"' in html
    client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": first,
                                                 "label": "attributed_claim"})
    db.rollback()
    ann = db.scalar(select(Annotation).where(Annotation.sentence_id == first))
    assert ann.label == "attributed_claim"
    actions = db.scalars(select(AnnotationHistory.action).where(
        AnnotationHistory.sentence_id == first).order_by(AnnotationHistory.id)).all()
    assert actions == ["create", "update"]


def test_skip_returns_the_sentence_at_the_end(client, make_user, project, db):
    make_user("alice")
    token = login(client, "alice")
    first, _ = _current(client)
    client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": first,
                                                 "action": "skip"})
    order = []
    for _ in range(20):
        sid, _ = _current(client)
        if sid is None:
            break
        order.append(sid)
        client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": sid,
                                                     "label": "neutral_fact"})
    assert order[-1] == first and order.count(first) == 1


def test_invalid_label_is_refused(client, make_user, project):
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    resp = client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": sid,
                                                        "label": "nonsense"})
    assert resp.status_code == 400


def test_admin_export_download(client, make_user, project, db):
    make_user("alice")
    make_user("root", role="admin")
    token = login(client, "alice")
    sid, _ = _current(client)
    client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": sid,
                                                 "label": "attributed_claim"})
    client.post("/logout", data={"csrf_token": token})
    login(client, "root")
    resp = client.get("/admin/projects/news/export?kind=annotations")
    assert resp.status_code == 200
    rows = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert len(rows) == 1 and rows[0]["annotator"] == "alice" and rows[0]["label"] == "attributed_claim"


def test_admin_upload_is_atomic(client, make_user, project, db):
    from annotator.models import Article

    make_user("root", role="admin")
    token = login(client, "root")
    before = db.scalar(select(func.count()).select_from(Article))
    import io
    good = (io.BytesIO(b"A title\n\nThe council met on Tuesday. It adjourned at 5 p.m.\n"), "good.txt")
    bad = (io.BytesIO(b'{"title": "x", "text": "y"}\nnot json\n'), "bad.jsonl")
    resp = client.post("/admin/projects/news", data={"csrf_token": token, "files": [good, bad]},
                       content_type="multipart/form-data", follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "bad.jsonl, line 2" in text and "Nothing was imported" in text
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Article)) == before
    good = (io.BytesIO(b"A title\n\nThe council met on Tuesday. It adjourned at 5 p.m.\n"), "good.txt")
    resp = client.post("/admin/projects/news", data={"csrf_token": token, "files": [good]},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "good.txt: 1 article(s)" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Article)) == before + 1
