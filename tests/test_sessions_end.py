"""Sessions end on the server: a cookie copied before sign-out, a new password, deactivation or
an admin's "sign out everywhere" no longer works, and a new password or deactivation revokes
the user's API tokens too."""
from __future__ import annotations

import re

from helpers import csrf_token, form_version, login


def _copy(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in(client) -> bool:
    resp = client.get("/account/session")
    return resp.status_code == 200


def _token(client, csrf) -> str:
    resp = client.post("/account/tokens", data={"csrf_token": csrf, "name": "script"})
    page = resp.get_data(as_text=True)
    start = page.index('<code class="token">') + len('<code class="token">')
    return page[start:page.index("</code>", start)]


def _api_ok(client, token) -> bool:
    return client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def _user_id(client, name: str) -> int:
    page = client.get("/admin/users").get_data(as_text=True)
    for chunk in page.split('href="/admin/users/')[1:]:
        ident, rest = chunk.split('"', 1)
        if rest.lstrip(">").startswith(name):
            return int(ident)
    raise AssertionError(f"{name} not on the users page")


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, make_user):
    make_user("alice")
    csrf = login(client, "alice")
    stolen = _copy(app, client)
    assert _signed_in(stolen)
    client.post("/logout", data={"csrf_token": csrf})
    assert not _signed_in(client)
    assert not _signed_in(stolen)
    page = stolen.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    # Nor can the replayed cookie mint a token.
    assert stolen.post("/account/tokens", data={"csrf_token": csrf, "name": "x"}).status_code in (302, 400, 401)
    # Signing in again works as before.
    login(client, "alice")
    assert _signed_in(client)


def test_signing_out_ends_every_session_of_the_user(app, make_user):
    make_user("alice")
    laptop, phone = app.test_client(), app.test_client()
    csrf = login(laptop, "alice")
    login(phone, "alice")
    laptop.post("/logout", data={"csrf_token": csrf})
    assert not _signed_in(phone)


def test_a_new_password_ends_sessions_and_revokes_tokens(app, client, make_user):
    make_user("boss", role="admin")
    make_user("alice")
    alice = app.test_client()
    token = _token(alice, login(alice, "alice"))
    assert _api_ok(alice, token) and _signed_in(alice)
    csrf = login(client, "boss")
    alice_id = _user_id(client, "alice")
    resp = client.post(f"/admin/users/{alice_id}", data={
        "csrf_token": csrf, "role": "annotator", "active": "y", "password": "a-new-password-1",
        "version": form_version(client, f"/admin/users/{alice_id}")})
    assert resp.status_code == 302
    assert not _signed_in(alice)
    assert not _api_ok(app.test_client(), token)
    login(alice, "alice", "a-new-password-1")
    assert _signed_in(alice)


def test_deactivation_ends_sessions_for_good(app, client, make_user):
    make_user("boss", role="admin")
    make_user("alice")
    alice = app.test_client()
    token = _token(alice, login(alice, "alice"))
    csrf = login(client, "boss")
    uid = _user_id(client, "alice")
    client.post(f"/admin/users/{uid}", data={"csrf_token": csrf, "role": "annotator",
                                             "version": form_version(client, f"/admin/users/{uid}")})
    assert not _signed_in(alice) and not _api_ok(alice, token)
    # Reactivated: the old session and token stay dead; signing in again works.
    client.post(f"/admin/users/{uid}", data={"csrf_token": csrf, "role": "annotator", "active": "y",
                                             "version": form_version(client, f"/admin/users/{uid}")})
    assert not _signed_in(alice) and not _api_ok(alice, token)
    login(alice, "alice")
    assert _signed_in(alice)


def test_an_admin_signs_a_user_out_everywhere_and_revokes_their_tokens(app, client, make_user):
    make_user("boss", role="admin")
    make_user("alice")
    alice = app.test_client()
    token = _token(alice, login(alice, "alice"))
    csrf = login(client, "boss")
    uid = _user_id(client, "alice")
    assert client.post(f"/admin/users/{uid}/sign-out", data={"csrf_token": csrf}).status_code == 302
    assert not _signed_in(alice)
    assert _api_ok(alice, token)  # "also revoke their tokens" was unticked
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "script" in page
    token_id = int(page.split(f"/admin/users/{uid}/tokens/")[1].split("/")[0])
    client.post(f"/admin/users/{uid}/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert not _api_ok(alice, token)


def test_sign_out_everywhere_revokes_tokens_as_ticked_by_default(app, client, make_user):
    make_user("boss", role="admin")
    make_user("alice")
    alice = app.test_client()
    token = _token(alice, login(alice, "alice"))
    csrf = login(client, "boss")
    uid = _user_id(client, "alice")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', page).group(0)
    assert "checked" in box  # ticked unless the admin unticks it
    client.post(f"/admin/users/{uid}/sign-out", data={"csrf_token": csrf, "revoke_tokens": "y"})
    assert not _signed_in(alice) and not _api_ok(alice, token)


def test_only_admins_sign_others_out(app, client, make_user):
    make_user("alice")
    make_user("bob")
    csrf = login(client, "alice")
    bob = app.test_client()
    login(bob, "bob")
    resp = client.post("/admin/users/1/sign-out", data={"csrf_token": csrf})
    assert resp.status_code in (403, 404)
    assert _signed_in(bob)
    assert csrf_token(client, "/")


def test_changing_ones_own_password(app, client, make_user):
    make_user("alice")
    csrf = login(client, "alice")
    other = app.test_client()
    token = _token(other, login(other, "alice"))
    form = {"csrf_token": csrf, "current": "wrong-one", "new": "a-new-password-1",
            "confirm": "a-new-password-1", "revoke_tokens": "y"}
    assert "current password is wrong" in client.post("/account/password", data=form).get_data(as_text=True)
    mismatch = {**form, "current": "password123", "confirm": "something-else"}
    resp = client.post("/account/password", data=mismatch)
    assert resp.status_code == 400 and "differ" in resp.get_data(as_text=True)
    assert _signed_in(other)  # nothing changed yet
    resp = client.post("/account/password", data={**form, "current": "password123"})
    assert resp.status_code == 302
    assert _signed_in(client)  # this session goes on
    assert not _signed_in(other) and not _api_ok(other, token)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "alice", "a-new-password-1")
    assert _signed_in(client)
