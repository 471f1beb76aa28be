"""Sign-in, roles, CSRF on every form, escaping, security headers."""
from __future__ import annotations

import pytest

from helpers import csrf_token, login


def test_every_page_needs_sign_in(client, project):
    for path in ["/", "/projects/news/annotate", "/projects/news/review", "/admin/",
                 "/admin/users", "/account/tokens", "/projects/news/guidelines"]:
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path


def test_sign_in_and_out(client, make_user):
    make_user("alice")
    token = login(client, "alice")
    assert client.get("/").status_code == 200
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    make_user("alice")
    token = csrf_token(client)
    a = client.post("/login", data={"username": "alice", "password": "nope-nope", "csrf_token": token})
    b = client.post("/login", data={"username": "nobody", "password": "nope-nope", "csrf_token": token})
    assert a.status_code == b.status_code == 401
    assert "Unknown username or wrong password" in a.get_data(as_text=True)
    assert "Unknown username or wrong password" in b.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, make_user, db):
    u = make_user("alice")
    u.active = False
    db.commit()
    token = csrf_token(client)
    resp = client.post("/login", data={"username": "alice", "password": "password123", "csrf_token": token})
    assert resp.status_code == 401


def test_passwords_are_stored_hashed(make_user):
    u = make_user("alice", password="password123")
    assert "password123" not in u.password_hash
    assert u.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize("path", ["/admin/", "/admin/users", "/admin/projects/news",
                                  "/admin/projects/new", "/projects/news/review",
                                  "/projects/news/disagreements"])
def test_annotator_gets_403_on_admin_and_review(client, make_user, project, path):
    make_user("alice")
    login(client, "alice")
    assert client.get(path).status_code == 403


def test_reviewer_gets_403_on_admin_but_sees_review(client, make_user, project):
    make_user("rita", role="reviewer")
    login(client, "rita")
    assert client.get("/admin/").status_code == 403
    assert client.get("/projects/news/review").status_code == 200


def test_non_member_cannot_annotate(client, make_user, db):
    from annotator import projects

    bob = make_user("bob")
    make_user("alice")
    projects.create_project(db, "closed", members=[bob])
    db.commit()
    login(client, "alice")
    assert client.get("/projects/closed/annotate").status_code == 403


@pytest.mark.parametrize("path", ["/login", "/logout", "/account/tokens", "/projects/news/annotate",
                                  "/admin/projects/news", "/admin/projects/new", "/admin/users"])
def test_csrf_enforced_on_every_form(client, make_user, project, path):
    make_user("root", role="admin")
    login(client, "root")
    resp = client.post(path, data={"username": "x", "password": "y", "label": "neutral_fact",
                                   "sentence_id": "1", "slug": "x", "name": "x"})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)


def test_safe_next_redirect(client, make_user):
    make_user("alice")
    token = csrf_token(client)
    resp = client.post("/login?next=https://evil.example/", data={
        "username": "alice", "password": "password123", "csrf_token": token})
    assert resp.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": token})
    token = csrf_token(client)
    resp = client.post("/login?next=/account/tokens", data={
        "username": "alice", "password": "password123", "csrf_token": token})
    assert resp.headers["Location"] == "/account/tokens"


def test_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_once_on_every_kind_of_response(client):
    names = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
             "Referrer-Policy")
    api = client.get("/api/v1/projects/nope/next")  # a JSON error
    page = client.get("/login")
    css = client.get("/static/css/app.css")
    for resp in (api, page, css):
        for name in names:
            assert len(resp.headers.getlist(name)) == 1, (resp.request.path, name)
    assert api.status_code == 401 and api.headers.getlist("Cache-Control") == ["no-store"]
    assert page.headers.getlist("Cache-Control") == ["no-store"]
    # A header the view set is kept: static files keep their own caching rule.
    assert len(css.headers.getlist("Cache-Control")) <= 1
    assert css.headers.get("Cache-Control") != "no-store"


def test_article_text_is_escaped(client, make_user, db):
    from annotator import ingest, projects
    from annotator.articles import add_articles

    p = projects.create_project(db, "xss")
    db.commit()
    evil = ('<script>alert(1)</script> headline\n\nThe minister said profits fell <5% & rose '
            'on Monday.\n\nThe minister said <script>alert("x")</script> was <b>bold</b>.\n')
    report = add_articles(db, p, ingest.parse_file("evil.txt", evil.encode()), "evil.txt")
    make_user("alice")
    make_user("root", role="admin")
    login(client, "alice")
    html = client.get("/projects/xss/annotate").get_data(as_text=True)
    assert "profits fell &lt;5% &amp; rose" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; headline" in html
    assert "<script>alert" not in html
    client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    login(client, "root")
    html = client.get(f"/admin/articles/{report.added[0]}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<b>bold</b>" not in html
