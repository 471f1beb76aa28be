"""Regression tests for defects found in review: sessions across users, reviewers labelling,
odd query strings, huge ids, empty passwords, link schemes, time zones, control items."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from annotator import controls, projects, users
from annotator.access import allowed
from annotator.articles import set_kind
from annotator.models import ControlItem, Sentence
from annotator.timestamps import parse_when
from helpers import login


def test_a_tab_left_open_cannot_write_as_the_next_user(client, db, make_user, project):
    make_user("alice")
    make_user("bob")
    alice_token = login(client, "alice")
    sid = client.get("/api/v1/projects/news/next").get_json()["sentence"]["id"]
    client.post("/logout", data={"csrf_token": alice_token})
    login(client, "bob")
    # alice's page still holds her CSRF token: it no longer writes, as anyone
    resp = client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "neutral_fact"},
                      headers={"X-CSRFToken": alice_token})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"


def test_new_password_signs_out_everywhere(client, db, make_user):
    u = make_user("alice")
    login(client, "alice")
    assert client.get("/").status_code == 200
    users.set_password(db, u, "a-brand-new-password")
    db.commit()
    assert client.get("/").status_code == 302


def test_reviewers_label_only_where_listed(db, make_user, project):
    rita = make_user("rita", "reviewer")
    assert not allowed(rita, "annotate", project)
    project.members = [rita]
    db.commit()
    assert allowed(rita, "annotate", project)


def test_reviewer_gets_403_on_annotate_of_open_project(client, make_user, project):
    make_user("rita", "reviewer")
    login(client, "rita")
    assert client.get("/projects/news/annotate").status_code == 403


@pytest.mark.parametrize("query", ["slug=x", "endpoint=x", "_anchor=x", "_method=POST",
                                   "_external=1&_scheme=javascript", "article=1&article=2&hints=1"])
def test_dashboard_odd_query_strings(client, make_user, project, query):
    make_user("rita", "reviewer")
    login(client, "rita")
    resp = client.get(f"/projects/news/review?{query}")
    assert resp.status_code in (200, 400)
    assert "javascript:" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/projects/news?page=99999999999999999999",
                                  "/admin/users?page=99999999999999999999",
                                  "/admin/articles/99999999999999999999",
                                  "/admin/users/99999999999999999999",
                                  "/projects/news/annotate?sentence=99999999999999999999"])
def test_huge_numbers_are_not_a_crash(client, make_user, project, path):
    make_user("root", "admin")
    login(client, "root")
    assert client.get(path).status_code in (200, 404)


def test_huge_ids_in_the_api(client, db, make_user, project):
    u = make_user("alice")
    _, token = users.create_token(db, u)
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    assert client.put("/api/v1/sentences/99999999999999999999/annotation", json={"label": "neutral_fact"},
                      headers=h).status_code == 404


def test_empty_password_is_refused(app, db):
    with pytest.raises(users.AccountError):
        users.create_user(db, "eve", "annotator", "")
    r = app.test_cli_runner().invoke(args=["create-user", "eve", "--password-stdin"], input="\n")
    assert r.exit_code != 0 and "password" in r.output


def test_only_http_links_for_article_urls(client, db, make_user, project):
    from annotator.models import Article

    art = db.scalar(select(Article))
    art.url = "javascript:alert(1)"
    db.commit()
    make_user("root", "admin")
    login(client, "root")
    html = client.get(f"/admin/articles/{art.id}").get_data(as_text=True)
    assert 'href="javascript:' not in html


def test_dates_with_offsets_are_converted_to_utc():
    assert parse_when("2026-11-25T10:00:00+05:00").isoformat() == "2026-11-25T05:00:00"
    assert parse_when("2026-11-25T10:00:00Z").isoformat() == "2026-11-25T10:00:00"
    assert parse_when("2026-11-25").isoformat() == "2026-11-25T00:00:00"


def test_unit_that_stops_being_body_stops_being_a_control_item(db, project):
    s = db.scalar(select(Sentence).where(Sentence.kind == "body"))
    controls.set_control(db, project, s, "neutral_fact")
    set_kind(db, s, "boilerplate")
    assert db.scalar(select(ControlItem)) is None


def test_double_delete_counts_once(db, make_user, project):
    from annotator import assign, labelling
    from annotator.labelling import LabelInput

    u = make_user("alice")
    s = assign.next_sentence(db, project, u)
    labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert labelling.remove(db, project, s, u) is True
    assert labelling.remove(db, project, s, u) is False
    db.expire_all()
    assert db.get(Sentence, s.id).n_labels == 0


def test_a_skipped_control_item_is_not_served_again(db, make_user, project):
    from annotator import assign, labelling

    project.settings = {"control_rate": 0.5}
    db.commit()
    s = db.scalar(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.position.desc()))
    controls.set_control(db, project, s, "neutral_fact")
    u = make_user("alice")
    labelling.save(db, project, assign.next_sentence(db, project, u), u, labelling.LabelInput("neutral_fact"))
    due = assign.next_sentence(db, project, u)
    assert due.id == s.id  # due after one label at this rate
    labelling.skip(db, project, due, u)
    again = assign.next_sentence(db, project, u)
    assert again is None or again.id != s.id


def test_stats_api_refuses_huge_article_ids(client, db, make_user, project):
    u = make_user("rita", "reviewer")
    _, token = users.create_token(db, u)
    db.commit()
    resp = client.get("/api/v1/projects/news/stats?article=99999999999999999999999",
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400


def test_reviewer_cannot_label_an_open_project_through_the_api(client, db, make_user, project):
    u = make_user("rita", "reviewer")
    _, token = users.create_token(db, u)
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/projects/news/next", headers=h).status_code == 403
    sid = db.scalar(select(Sentence.id).where(Sentence.kind == "body"))
    assert client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "neutral_fact"},
                      headers=h).status_code == 403


@pytest.mark.parametrize("role, has_members, listed, expected", [
    ("admin", True, False, True), ("annotator", False, False, True), ("annotator", True, False, False),
    ("annotator", True, True, True), ("reviewer", False, False, False), ("reviewer", True, True, True)])
def test_one_access_rule(role, has_members, listed, expected):
    user = SimpleNamespace(id=7, role=role, is_authenticated=True, is_active=True)
    project = SimpleNamespace(has_members=has_members, lists=lambda u: listed and u.id == 7)
    assert allowed(user, "annotate", project) is expected
