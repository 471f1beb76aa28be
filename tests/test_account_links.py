"""Invite and password-reset links (issue 18, item 1): single use, expiring, presets of role
and projects, bulk invites all or none, resets that end every other session, the API, the
CLI, and e-mail through a local SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import email
import hashlib
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from annotator import account_links, projects, users
from annotator.models import AccountLink, User, utcnow
from helpers import csrf_token, login
from test_api import conforms

LINK = re.compile(r"(?:https?://[^/\s<]+)?/(?:invite|reset)/[A-Za-z0-9_-]{20,}")


def _count(db, model=AccountLink) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


def _links(html: str) -> list[str]:
    return LINK.findall(html)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.startswith("http") else url


def _signed_in_as(client) -> str | None:
    resp = client.get("/account/session")
    return resp.get_json()["username"] if resp.status_code == 200 else None


@pytest.fixture
def admin(app, make_user):
    make_user("boss", "admin")
    client = app.test_client()
    return client, login(client, "boss")


def _invite(client, csrf, people: str, role="annotator", projects_=(), days="7"):
    return client.post("/admin/invites", data={"csrf_token": csrf, "people": people, "role": role,
                                                "projects": list(projects_), "days": days})


def _accept(url, app, password="a-good-password", username=None, confirm=None, **extra):
    """An anonymous browser opens the link and fills its form."""
    client = app.test_client()
    path = _path(url)
    page = client.get(path)
    if page.status_code != 200:
        return client, page
    data = {"csrf_token": csrf_token(client, path), "password": password,
            "confirm": confirm or password, **extra}
    if username is not None:
        data["username"] = username
    return client, client.post(path, data=data)


def test_an_invite_presets_role_and_projects_and_works_once(app, admin, db, project):
    client, csrf = admin
    otto = users.create_user(db, "otto", "annotator", "password123")
    projects.create_project(db, "closed", "Closed", members=[otto])
    db.commit()
    resp = _invite(client, csrf, "nina", role="reviewer", projects_=["closed", "news"])
    (url,) = _links(resp.get_data(as_text=True))
    assert url.startswith("http://localhost/invite/")
    invitee, done = _accept(url, app)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    db.rollback()
    nina = users.by_name(db, "nina")
    assert nina.role == "reviewer" and nina.last_active_at is not None
    assert sorted(m.username for m in projects.by_slug(db, "closed").members) == ["nina", "otto"]
    # An open project (no member list) stays open to everyone: nina is not listed there.
    assert projects.by_slug(db, "news").members == []
    assert invitee.get("/projects/closed/guidelines").status_code == 200  # signed in, member
    # Used: the link is gone, for a page view as for a second form post.
    again, resp = _accept(url, app, password="another-password")
    assert resp.status_code == 404 and account_links.INVALID in resp.get_data(as_text=True)
    assert again.post(_path(url), data={"csrf_token": csrf_token(again), "password": "x" * 9,
                                         "confirm": "x" * 9}).status_code == 404
    assert _count(db, User) == 3
    listed = client.get("/admin/invites?format=json").get_json()["invites"]
    assert [(i["username"], i["status"], i["account"], sorted(i["projects"])) for i in listed] == \
        [("nina", "used", "nina", ["closed", "news"])]
    assert "url" not in listed[0] and url.rsplit("/", 1)[1] not in str(listed)  # never in a list


def test_the_token_is_stored_hashed_and_shown_once(app, admin, db):
    client, csrf = admin
    made = _invite(client, csrf, "nina", days="3")
    (url,) = _links(made.get_data(as_text=True))
    token = url.rsplit("/", 1)[1]
    db.rollback()
    (row,) = db.scalars(select(AccountLink)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(days=3)
    assert token not in client.get("/admin/invites").get_data(as_text=True)


def test_an_invite_by_address_lets_the_invitee_choose_a_username(app, admin, db, make_user):
    client, csrf = admin
    make_user("taken")
    (url,) = _links(_invite(client, csrf, "Nina@Example.org").get_data(as_text=True))
    _, resp = _accept(url, app, username="taken")
    assert resp.status_code == 400 and "exists already" in resp.get_data(as_text=True)
    _, resp = _accept(url, app, username="nina", password="short")
    assert resp.status_code == 400 and "at least 8" in resp.get_data(as_text=True)
    _, resp = _accept(url, app, username="nina", confirm="a-different-password")
    assert resp.status_code == 400 and "differ" in resp.get_data(as_text=True)
    # None of these used the link up.
    invitee, resp = _accept(url, app, username="nina")
    assert resp.status_code == 302
    db.rollback()
    assert users.by_name(db, "nina").email == "Nina@Example.org"
    assert users.authenticate(db, "nina", "a-good-password") is not None


def test_expired_revoked_used_and_unknown_links_look_alike(app, admin, db, make_user):
    client, csrf = admin
    long_ago = utcnow() - timedelta(days=8)
    (expired,) = account_links.create_invites(db, "old", days=7, now=long_ago)
    (revoked, used) = account_links.create_invites(db, ["gone", "used"])
    db.commit()
    assert account_links.revoke(db, revoked.link.id)
    account_links.accept_invite(db, used.token, "a-good-password")
    db.commit()
    bodies = set()
    for path in (expired.path, revoked.path, used.path, "/invite/" + "x" * 43, "/invite/a",
                 "/reset/" + used.token, "/reset/" + "y" * 43):
        resp = app.test_client().get(path)
        assert resp.status_code == 404, path
        bodies.add(resp.get_data(as_text=True))
        twin = app.test_client().get(path + "?format=json")
        assert twin.status_code == 404 and twin.get_json()["error"]["message"] == account_links.INVALID
    assert len(bodies) == 1 and account_links.INVALID in bodies.pop()
    statuses = {i["username"]: i["status"] for i in
                client.get("/admin/invites?format=json").get_json()["invites"]}
    assert statuses == {"old": "expired", "gone": "revoked", "used": "used"}
    with pytest.raises(account_links.LinkInvalid):
        account_links.accept_invite(db, expired.token, "a-good-password", now=utcnow())


def test_an_invite_expires_after_its_days(db, app):
    start = utcnow()
    (new,) = account_links.create_invites(db, "nina", days=2, now=start)
    db.commit()
    assert account_links.find(db, "invite", new.token, start + timedelta(days=2, seconds=-1))
    assert account_links.find(db, "invite", new.token, start + timedelta(days=2)) is None
    assert account_links.find(db, "reset", new.token, start) is None  # the kind must match


def test_revoking_an_invite_from_the_page(app, admin, db):
    client, csrf = admin
    (url,) = _links(_invite(client, csrf, "nina").get_data(as_text=True))
    (row,) = client.get("/admin/invites?format=json").get_json()["invites"]
    assert client.post(f"/admin/links/{row['id']}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert app.test_client().get(_path(url)).status_code == 404
    # Without the CSRF token nothing is revoked.
    (url2,) = _links(_invite(client, csrf, "nora").get_data(as_text=True))
    rows = client.get("/admin/invites?format=json").get_json()["invites"]
    nora = next(r for r in rows if r["username"] == "nora")
    client.post(f"/admin/links/{nora['id']}/revoke", data={})
    assert app.test_client().get(_path(url2)).status_code == 200


def test_bulk_invites_from_a_pasted_list(app, admin, db, project):
    client, csrf = admin
    project.members.append(users.create_user(db, "otto", "annotator", "password123"))
    db.commit()  # a project with a member list: the invitees join it
    resp = _invite(client, csrf, "ann1\n\n  ann2  \nann3@example.org\n", projects_=["news"])
    links = _links(resp.get_data(as_text=True))
    assert len(links) == 3 and len(set(links)) == 3
    assert _count(db) == 3
    for url, name in zip(links, ("ann1", "ann2", None)):
        _, done = _accept(url, app, username=None if name else "ann3")
        assert done.status_code == 302
    db.rollback()
    assert sorted(m.username for m in projects.by_slug(db, "news").members) == ["ann1", "ann2", "ann3", "otto"]


@pytest.mark.parametrize("people, line, says", [
    ("ok1\nbad name!\nok2", 2, "username"),
    ("ok1\nok2\nnot@an address", 3, "e-mail"),
    ("ok1\nok2\nok1", 3, "line 1 already"),
    ("ok1\nboss", 2, "has an account already"),
])
def test_a_bad_line_refuses_the_whole_list(app, admin, db, people, line, says):
    client, csrf = admin
    resp = _invite(client, csrf, people)
    text = resp.get_data(as_text=True)
    assert f"line {line}:" in text and says in text, text[:2000]
    assert _links(text) == [] and _count(db) == 0


def test_a_second_invite_while_one_is_open_is_refused(app, admin, db):
    client, csrf = admin
    _invite(client, csrf, "nina\nnora@example.org")
    text = _invite(client, csrf, "fred\nNORA@example.org").get_data(as_text=True)
    assert "line 2:" in text and "open invite" in text and _count(db) == 2


def test_only_admins_invite_or_make_reset_links(app, client, make_user, db):
    make_user("rev", "reviewer")
    anna = make_user("anna")
    csrf = login(client, "rev")
    assert client.get("/admin/invites").status_code == 403
    assert _invite(client, csrf, "nina").status_code == 403
    assert client.post(f"/admin/users/{anna.id}/reset-link", data={"csrf_token": csrf}).status_code == 403
    assert _count(db) == 0
    anonymous = app.test_client().post("/admin/invites", data={"people": "x"})
    assert anonymous.status_code in (302, 400, 401)
    assert _count(db) == 0


def test_a_reset_link_ends_every_other_session(app, admin, db, make_user):
    client, csrf = admin
    alice = make_user("alice")
    laptop = app.test_client()
    login(laptop, "alice")
    stolen = app.test_client()
    stolen.set_cookie("session", laptop.get_cookie("session").value)
    _, api_token = users.create_token(db, alice)
    db.commit()
    assert _signed_in_as(stolen) == "alice"
    page = client.post(f"/admin/users/{alice.id}/reset-link", data={"csrf_token": csrf})
    assert page.status_code == 200
    (url,) = _links(page.get_data(as_text=True))
    assert url.rsplit("/", 1)[1] not in client.get(f"/admin/users/{alice.id}").get_data(as_text=True)
    page = app.test_client().get(_path(url)).get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', page).group(0)
    phone, done = _accept(url, app, password="brand-new-password", revoke_tokens="y")
    assert done.status_code == 302
    assert _signed_in_as(phone) == "alice"
    # The replayed old cookie is sent to the sign-in page; the old password is gone.
    replay = stolen.get("/")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert _signed_in_as(laptop) is None
    assert app.test_client().get("/api/v1/projects",
                                 headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    db.rollback()
    db.expire_all()
    assert users.authenticate(db, "alice", "password123") is None
    assert users.authenticate(db, "alice", "brand-new-password") is not None
    _, again = _accept(url, app, password="third-password-1")
    assert again.status_code == 404


def test_a_new_reset_link_replaces_the_last_and_a_deactivated_user_gets_none(app, db, make_user):
    alice = make_user("alice")
    first = account_links.create_reset(db, alice, hours=1)
    second = account_links.create_reset(db, alice, hours=1)
    db.commit()
    assert account_links.find(db, "reset", first.token) is None
    assert account_links.find(db, "reset", second.token) is not None
    alice.active = False
    db.commit()
    assert app.test_client().get(second.path).status_code == 404
    with pytest.raises(account_links.LinkError, match="deactivated"):
        account_links.create_reset(db, alice)


def test_reset_link_expires(app, db, make_user):
    alice = make_user("alice")
    new = account_links.create_reset(db, alice, hours=2, now=utcnow() - timedelta(hours=3))
    db.commit()
    assert app.test_client().get(new.path).status_code == 404
    with pytest.raises(account_links.LinkInvalid):
        account_links.use_reset(db, new.token, "a-good-password")


def test_api_invites(app, client, db, make_user, project):
    boss, anna = make_user("boss", "admin"), make_user("anna")
    admin_h = {"Authorization": f"Bearer {users.create_token(db, boss)[1]}"}
    anna_h = {"Authorization": f"Bearer {users.create_token(db, anna)[1]}"}
    db.commit()
    refused = client.post("/api/v1/invites", headers=anna_h, json={"people": ["nina"]})
    assert refused.status_code == 403
    conforms(refused, "/invites", "post")
    bad = client.post("/api/v1/invites", headers=admin_h,
                      json={"people": ["nina", "no good"], "projects": ["news"]})
    assert bad.status_code == 400 and bad.get_json()["error"]["message"].startswith("line 2:")
    unknown = client.post("/api/v1/invites", headers=admin_h,
                          json={"people": ["nina"], "projects": ["nope"]})
    assert unknown.status_code == 400 and "nope" in unknown.get_json()["error"]["message"]
    assert _count(db) == 0
    made = client.post("/api/v1/invites", headers=admin_h,
                       json={"people": ["nina", "nora@example.org"], "role": "reviewer",
                             "projects": ["news"], "days": 2})
    assert made.status_code == 201
    body = conforms(made, "/invites", "post")
    nina, nora = body["invites"]
    assert (nina["username"], nora["email"], nina["mailed_to"]) == ("nina", "nora@example.org", None)
    _, done = _accept(nina["url"], app)
    assert done.status_code == 302
    db.rollback()
    assert users.by_name(db, "nina").role == "reviewer"


def test_cli_invite_and_reset_link(app, db, make_user, project):
    runner = app.test_cli_runner()
    make_user("alice")
    out = runner.invoke(args=["invite", "nina", "nora@example.org", "--project", "news",
                              "--role", "reviewer", "--days", "3"])
    assert out.exit_code == 0, out.output
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [who for who, _ in rows] == ["nina", "nora@example.org"]
    assert all(url.startswith("/invite/") for _, url in rows)  # no PUBLIC_URL: the path
    _, done = _accept(rows[0][1], app)
    assert done.status_code == 302
    bad = runner.invoke(args=["invite", "ok", "bad name!"])
    assert bad.exit_code != 0 and "line 2:" in bad.output
    app.config["PUBLIC_URL"] = "https://annotate.example.org/"
    out = runner.invoke(args=["reset-link", "alice", "--hours", "1"])
    assert out.exit_code == 0, out.output
    url = out.stdout.splitlines()[-1]
    assert url.startswith("https://annotate.example.org/reset/")
    out = runner.invoke(args=["reset-link", "alice", "--base-url", "http://10.0.0.5:5000"])
    assert out.stdout.splitlines()[-1].startswith("http://10.0.0.5:5000/reset/")
    # The newer link replaced the first.
    assert app.test_client().get(_path(url)).status_code == 404
    missing = runner.invoke(args=["reset-link", "nobody"])
    assert missing.exit_code != 0 and "no user 'nobody'" in missing.output


class _Sink:
    """Keeps every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_FROM="annotator@example.org", PUBLIC_URL="https://annotate.example.org")
    yield sink
    controller.stop()


def test_invites_and_resets_are_mailed_through_smtp(app, admin, db, smtp):
    client, csrf = admin
    resp = _invite(client, csrf, "nina@example.org\nfred")
    html = resp.get_data(as_text=True)
    shown = _links(html)
    assert len(shown) == 2 and "sent to nina@example.org" in html
    (rcpt, message), = smtp.messages  # fred has no address: nothing mailed
    assert rcpt == ["nina@example.org"] and message["To"] == "nina@example.org"
    assert message["From"] == "annotator@example.org"
    body = message.get_payload(decode=True).decode()
    (mailed,) = _links(body)
    assert mailed == shown[0] and mailed.startswith("https://annotate.example.org/invite/")
    _, done = _accept(mailed, app, username="nina")
    assert done.status_code == 302
    # The reset goes to the address the invite gave the account.
    db.rollback()
    nina = users.by_name(db, "nina")
    page = client.post(f"/admin/users/{nina.id}/reset-link", data={"csrf_token": csrf})
    (reset_shown,) = _links(page.get_data(as_text=True))
    rcpt, message = smtp.messages[-1]
    assert rcpt == ["nina@example.org"] and "password" in message["Subject"].lower()
    assert _links(message.get_payload(decode=True).decode()) == [reset_shown]


def test_a_mail_server_that_is_down_is_reported_and_the_link_still_shown(app, admin, db):
    client, csrf = admin
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nobody listens
    resp = _invite(client, csrf, "nina@example.org")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "could not be sent" in html
    (url,) = _links(html)
    assert app.test_client().get(_path(url)).status_code == 200


def test_two_uses_at_once_make_one_account(app, db):
    """Both requests find the link open; the first to mark it used wins, the other gets the
    invalid-link answer and stores nothing."""
    (new,) = account_links.create_invites(db, "nina")
    db.commit()
    maker = app.extensions["annotator.sessionmaker"]
    with maker() as first, maker() as second:
        assert account_links.find(first, "invite", new.token)
        assert account_links.find(second, "invite", new.token)
        second.commit()  # no read snapshot held while the other one writes
        account_links.accept_invite(first, new.token, "a-good-password")
        first.commit()
        with pytest.raises(account_links.LinkInvalid):
            account_links.accept_invite(second, new.token, "another-password")
        second.rollback()
    assert _count(db, User) == 1
