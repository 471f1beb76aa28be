"""Admin pages: projects, label schemes, users, units and their kinds, deleting articles."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from annotator import assign, ingest, labelling, projects
from annotator.articles import add_articles
from annotator.models import Article, Project, Sentence, User
from annotator.labelling import LabelInput
from helpers import form_values, form_version, login


def _scheme_file(body: str):
    """A scheme and settings JSON file for the project form's upload field."""
    return (io.BytesIO(body.encode()), "scheme.json")


def _admin(client, make_user):
    make_user("root", "admin")
    return login(client, "root")


def test_create_and_edit_project(client, db, make_user):
    token = _admin(client, make_user)
    make_user("alice")
    resp = client.post("/admin/projects/new", data={
        "csrf_token": token, "slug": "p1", "name": "P one", "overlap": "3", "members": "alice",
        "guidelines": "# Rules\n<script>x</script>",
        "scheme_file": _scheme_file('{"settings": {"lease_minutes": 5}}')})
    assert resp.status_code == 302
    db.rollback()
    db.expire_all()
    p = projects.by_slug(db, "p1")
    assert p.overlap == 3 and [m.username for m in p.members] == ["alice"]
    assert projects.settings(p)["lease_minutes"] == 5
    # guidelines are rendered, raw HTML is escaped
    html = client.get("/projects/p1/guidelines").get_data(as_text=True)
    assert "<h1>Rules</h1>" in html and "<script>x</script>" not in html
    scheme = [{"id": "yes", "name": "Yes", "key": "y"}, {"id": "no", "name": "No", "key": "n"}]
    resp = client.post("/admin/projects/p1/edit", data={
        "csrf_token": token, "slug": "p1", "name": "P one", "overlap": "2", "members": "",
        "version": form_version(client, "/admin/projects/p1/edit"),
        "guidelines": "", "scheme_file": _scheme_file(json.dumps({"labels": scheme}))})
    assert resp.status_code == 302
    db.rollback()
    db.expire_all()
    p = db.scalar(select(Project).where(Project.slug == "p1"))
    assert [l["id"] for l in p.labels] == ["yes", "no"] and p.members == []


def test_bad_scheme_and_settings_are_refused(client, db, make_user):
    token = _admin(client, make_user)
    for body, message in [
        ('{"labels": [{"id": "a", "key": "1"}]}', "2 to 9 labels"),
        ('{"labels": [{"id": "a", "key": "1"}, {"id": "a", "key": "2"}]}', "id &#39;a&#39; is used twice"),
        ('{"labels": [{"id": "a", "key": "1"}, {"id": "b", "key": "1"}]}', "key &#39;1&#39; is used twice"),
        ('{"settings": {"nope": 1}}', "unknown setting"),
        ('{"settings": {"control_rate": 2}}', "from 0 to 1"),
        ("not json", "not valid JSON"),
        ('{"labels": [], "other": 1}', "scheme file: an object"),
    ]:
        resp = client.post("/admin/projects/new", data={
            "csrf_token": token, "slug": "p2", "name": "x", "overlap": "2",
            "scheme_file": _scheme_file(body)}, follow_redirects=True)
        assert message in resp.get_data(as_text=True), message
    db.rollback()
    db.expire_all()
    assert projects.by_slug(db, "p2") is None


def test_used_labels_cannot_be_removed(client, db, make_user, project):
    token = _admin(client, make_user)
    u = make_user("alice")
    labelling.save(db, project, assign.next_sentence(db, project, u), u, LabelInput("neutral_fact"))
    resp = client.post("/admin/projects/news/edit", data={
        "csrf_token": token, "slug": "news", "name": "News", "overlap": "2",
        "version": form_version(client, "/admin/projects/news/edit"),
        "scheme_file": _scheme_file('{"labels": [{"id": "a", "key": "1"}, {"id": "b", "key": "2"}]}')},
        follow_redirects=True)
    assert "cannot be removed or get a new id" in resp.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert projects.by_slug(db, "news").labels[0]["id"] == "attributed_claim"


def test_overlap_change_reopens_sentences(client, db, make_user, project):
    token = _admin(client, make_user)
    a, b = make_user("a"), make_user("b")
    for u in (a, b):
        while (s := assign.next_sentence(db, project, u)) is not None:
            labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert assign.next_sentence(db, project, make_user("c")) is None
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    assert client.post("/admin/projects/news/edit", data={**values, "overlap": "3"}).status_code == 302
    db.rollback()
    db.expire_all()
    assert assign.next_sentence(db, projects.by_slug(db, "news"), db.scalar(select(User).where(User.username == "c"))) is not None


def test_users_create_deactivate_reset(client, db, make_user):
    token = _admin(client, make_user)
    resp = client.post("/admin/users", data={"csrf_token": token, "username": "newbie", "role": "annotator", "password": ""})
    html = resp.get_data(as_text=True)
    assert "newbie" in html and "shown once" in html
    db.rollback()
    db.expire_all()
    u = db.scalar(select(User).where(User.username == "newbie"))
    resp = client.post(f"/admin/users/{u.id}", data={"csrf_token": token, "role": "reviewer", "active": "", "password": "another-password",
                                                     "version": form_version(client, f"/admin/users/{u.id}")})
    assert resp.status_code == 302
    db.rollback()
    db.expire_all()
    u = db.get(User, u.id)
    assert u.role == "reviewer" and not u.active
    # an admin cannot lock themselves out
    me = db.scalar(select(User).where(User.username == "root"))
    resp = client.post(f"/admin/users/{me.id}", data={"csrf_token": token, "role": "annotator", "active": "y"},
                       follow_redirects=True)
    assert "cannot take away your own admin role" in resp.get_data(as_text=True)


def test_unit_kind_change_and_article_delete(client, db, make_user, project):
    token = _admin(client, make_user)
    art = db.scalar(select(Article))
    heading = db.scalar(select(Sentence).where(Sentence.article_id == art.id, Sentence.kind == "boilerplate"))
    page = client.get(f"/admin/articles/{art.id}").get_data(as_text=True)
    assert heading.text in page
    client.post(f"/admin/articles/{art.id}", data={"csrf_token": token, "sentence_id": heading.id, "kind": "body"})
    db.rollback()
    db.expire_all()
    assert db.get(Sentence, heading.id).kind == "body"
    # deleting needs the confirmation box
    assert client.post(f"/admin/articles/{art.id}/delete", data={"csrf_token": token}).status_code == 400
    assert client.post(f"/admin/articles/{art.id}/delete", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    db.rollback()
    db.expire_all()
    # a soft delete: hidden from the project (its page, queue and exports), kept until purged
    assert db.scalar(select(func.count()).select_from(Article).where(Article.project_id == project.id)) == 0
    assert db.scalar(select(func.count()).select_from(Sentence).where(Sentence.project_id == project.id)) == 0
    assert db.get(Article, art.id) is not None
    assert "Nothing deleted" not in client.get("/admin/deleted").get_data(as_text=True)


def test_admin_lists_paginate(client, db, make_user, project):
    from annotator import ingest
    from annotator.articles import add_articles

    _admin(client, make_user)
    lines = "\n".join(json.dumps({"title": f"T{i}", "text": f"Report {i} was filed on time."}) for i in range(60))
    add_articles(db, project, ingest.parse_jsonl("x.jsonl", lines), "x.jsonl")
    first = client.get("/admin/projects/news").get_data(as_text=True)
    second = client.get("/admin/projects/news?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and ">T0<" in first and ">T59<" not in first
    assert ">T59<" in second
    assert client.get("/admin/projects/news/progress").status_code == 200


def test_progress_page(client, db, make_user, project):
    _admin(client, make_user)
    u = make_user("alice")
    labelling.save(db, project, assign.next_sentence(db, project, u), u, LabelInput("neutral_fact", seconds=4))
    html = client.get("/admin/projects/news/progress").get_data(as_text=True)
    assert "alice" in html and "<td>1</td>" in html


def test_the_article_page_shows_units_cut_by_the_length_cap(client, db, make_user):
    _admin(client, make_user)
    p = projects.create_project(db, "capped")
    db.commit()
    words = " ".join(f"word{i}" for i in range(600))  # no full stop: cut by the length cap
    add_articles(db, p, ingest.parse_file("a.txt", f"Capped\n\nA sentence.\n{words}\n".encode()), "a.txt")
    art = db.scalar(select(Article).where(Article.project_id == p.id))
    page = client.get(f"/admin/articles/{art.id}").get_data(as_text=True)
    assert page.count('class="flag-long"') == db.scalar(select(func.count()).select_from(Sentence).where(
        Sentence.article_id == art.id, Sentence.long)) > 1
