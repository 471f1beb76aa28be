"""No lost edits (issue 20 item 2): forms and API updates carry a version; a stale save is
refused with what changed since (a conflict page, 409 in the API), and only the fields an admin
changed are written."""
from __future__ import annotations

from sqlalchemy import select

from annotator import events, projects
from annotator.models import Event, Project
from helpers import form_values, login


def _form(client, path: str, form_id: str) -> dict:
    """The form's values as a browser posts them: lxml keeps the newline that opens a
    textarea (WTForms writes one), which browsers drop."""
    values = form_values(client, path, form_id)
    if "guidelines" in values:
        values["guidelines"] = values["guidelines"].removeprefix("\r").removeprefix("\n")
    return values


def _fresh(db, slug="news") -> Project:
    db.rollback()
    db.expire_all()
    return db.scalar(select(Project).where(Project.slug == slug))


def test_two_admins_a_stale_form_cannot_clear_guidelines_and_members(app, db, project, make_user):
    """The issue's scenario: admin 1 opens the edit form while the project is open to everyone
    and has no guidelines; admin 2 restricts it to alice and writes guidelines; admin 1, from
    the stale form, renames the project. Before, that save cleared the guidelines and the
    members and so opened the project to every annotator."""
    make_user("one", "admin")
    make_user("two", "admin")
    make_user("alice")
    make_user("outsider")
    first, second = app.test_client(), app.test_client()
    login(first, "one")
    login(second, "two")
    stale = _form(first, "/admin/projects/news/edit", "project-form")
    assert stale["members"] == "" and stale["guidelines"] == ""

    current = _form(second, "/admin/projects/news/edit", "project-form")
    resp = second.post("/admin/projects/news/edit",
                       data={**current, "members": "alice", "guidelines": "Only quotes count."})
    assert resp.status_code == 302

    resp = first.post("/admin/projects/news/edit", data={**stale, "name": "News (renamed)"})
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "Changed since you opened this page" in page
    assert "Only quotes count." in page and "alice" in page and "two" in page  # what, and who
    p = _fresh(db)
    assert p.name == "News" and p.guidelines == "Only quotes count."
    assert [m.username for m in p.members] == ["alice"]
    outsider = app.test_client()
    login(outsider, "outsider")
    assert outsider.get("/projects/news/annotate").status_code == 403  # still restricted

    # The conflict page's form carries the new version: admin 1 reloads, renames, saves; only
    # the name is written.
    fresh = _form(first, "/admin/projects/news/edit", "project-form")
    assert first.post("/admin/projects/news/edit", data={**fresh, "name": "News (renamed)"}).status_code == 302
    p = _fresh(db)
    assert (p.name, p.guidelines, [m.username for m in p.members]) == (
        "News (renamed)", "Only quotes count.", ["alice"])
    last = db.scalars(select(Event).order_by(Event.id.desc())).first()
    assert (last.kind, last.before, last.after) == ("project", {"name": "News"}, {"name": "News (renamed)"})


def test_stale_user_and_lexicon_forms_are_refused(app, db, project, make_user):
    make_user("one", "admin")
    make_user("two", "admin")
    anna = make_user("anna")
    first, second = app.test_client(), app.test_client()
    login(first, "one")
    login(second, "two")
    stale = form_values(first, f"/admin/users/{anna.id}", "user-form")
    current = form_values(second, f"/admin/users/{anna.id}", "user-form")
    assert second.post(f"/admin/users/{anna.id}", data={**current, "role": "reviewer"}).status_code == 302
    # admin 1's stale form would have put the annotator role back
    resp = first.post(f"/admin/users/{anna.id}", data=stale)
    assert resp.status_code == 409 and "reviewer" in resp.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(type(anna), anna.id).role == "reviewer"

    stale = form_values(first, "/admin/projects/news/lexicon", "lexicon-form")
    current = form_values(second, "/admin/projects/news/lexicon", "lexicon-form")
    current["entries-0-remove"] = "y"
    assert second.post("/admin/projects/news/lexicon", data=current).status_code == 302
    kept = _fresh(db).lexicon
    assert kept is not None
    assert first.post("/admin/projects/news/lexicon", data={**stale, "action": "reset"}).status_code == 409
    assert _fresh(db).lexicon == kept


def test_api_updates_need_the_current_etag(client, db, project, make_user):
    make_user("boss", "admin")
    token = login(client, "boss")
    headers = {"X-CSRFToken": token}
    got = client.get("/api/v1/projects/news")
    etag = got.headers["ETag"]
    assert got.get_json()["guidelines"] == "" and etag.startswith('"v')
    # no If-Match: refused, nothing written
    resp = client.patch("/api/v1/projects/news", json={"guidelines": "x"}, headers=headers)
    assert resp.status_code == 428
    ok = client.patch("/api/v1/projects/news", json={"guidelines": "Read twice.", "name": "News"},
                      headers={**headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["written"] == ["guidelines"]
    assert ok.headers["ETag"] != etag
    # the old ETag is stale now: 409 with the change since, and nothing written
    stale = client.patch("/api/v1/projects/news", json={"guidelines": "", "members": []},
                         headers={**headers, "If-Match": etag})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"]["code"] == "version_conflict"
    assert [(c["kind"], c["after"]) for c in body["changes"]] == [("guidelines", {"text": "Read twice."})]
    assert stale.headers["ETag"] == ok.headers["ETag"]
    assert _fresh(db).guidelines == "Read twice."
    # users the same way
    anna = make_user("anna")
    u = client.get(f"/api/v1/users/{anna.id}")
    assert client.patch(f"/api/v1/users/{anna.id}", json={"role": "reviewer"},
                        headers={**headers, "If-Match": u.headers["ETag"]}).status_code == 200
    assert client.patch(f"/api/v1/users/{anna.id}", json={"active": False},
                        headers={**headers, "If-Match": u.headers["ETag"]}).status_code == 409
    assert client.patch(f"/api/v1/users/{anna.id}", json={"colour": "red"},
                        headers={**headers, "If-Match": u.headers["ETag"]}).status_code == 400


def test_save_edit_writes_only_what_differs(db, project, make_user):
    alice = make_user("alice")
    projects.set_members(db, project, [alice])
    projects.set_guidelines(db, project, "G")
    db.commit()
    version = events.version_of(db, events.PROJECT_KINDS, project.id)
    state = projects.state(project)
    written = projects.save_edit(db, project, {**{k: state[k] for k in projects.EDITABLE},
                                               "overlap": 3}, version)
    db.commit()
    assert written == ["overlap"]
