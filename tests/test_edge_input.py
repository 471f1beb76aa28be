"""Input an attacker would send gets a 4xx naming what is wrong, never a 500, on SQLite and
PostgreSQL alike (issue 15, item 5). The checks live at the edge (annotator.web.input_checks)."""
from __future__ import annotations

import http.client
import io
import json
import re
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from annotator import users
from annotator.models import Annotation, Article, Project, Sentence, User
from helpers import csrf_token, login

INT4_MAX = 2**31 - 1
PAST_INT4 = [INT4_MAX + 1, 2**40, 2**63 - 1]


@pytest.fixture
def admin_token(db, project):
    admin = users.create_user(db, "root", "admin", "password123")
    db.commit()
    _, token = users.create_token(db, admin)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sentence_id(client, admin_token, project):
    """A sentence leased to the admin (a new label is taken only on a leased sentence)."""
    return client.get(f"/api/v1/projects/{project.slug}/next", headers=admin_token).get_json()["sentence"]["id"]


def _error(resp) -> str:
    return resp.get_data(as_text=True)[:400]


@pytest.mark.parametrize("big", PAST_INT4)
def test_ids_past_a_32_bit_column_are_not_found(client, make_user, project, admin_token, big):
    make_user("boss", "admin")
    login(client, "boss")
    for path in (f"/admin/articles/{big}", f"/admin/users/{big}"):
        assert client.get(path).status_code == 404, path
    resp = client.get(f"/api/v1/sentences/{big}/annotation", headers=admin_token)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.put(f"/api/v1/sentences/{big}/annotation", headers=admin_token,
                      json={"label": "neutral_fact"})
    assert resp.status_code == 404, _error(resp)
    resp = client.post(f"/api/v1/sentences/{big}/skip", headers=admin_token)
    assert resp.status_code == 404, _error(resp)


@pytest.mark.parametrize("big", PAST_INT4)
def test_query_and_form_ids_past_a_32_bit_column(client, make_user, project, sentence_id, big):
    make_user("boss", "admin")
    token = login(client, "boss")
    # Going back to a sentence that cannot exist: refused like any unknown sentence.
    assert client.get(f"/projects/news/annotate?sentence={big}").status_code in (200, 404)
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": str(big), "label": "neutral_fact"})
    assert resp.status_code == 404, _error(resp)
    resp = client.get(f"/projects/news/review?article={big}")
    assert resp.status_code in (200, 400), _error(resp)
    resp = client.get(f"/projects/news/disagreements?page={big}&per_page={big}")
    assert resp.status_code in (200, 302), _error(resp)


def test_nul_in_the_sign_in_username_is_a_clear_400(client, make_user):
    make_user("alice")
    token = csrf_token(client)
    resp = client.post("/login", data={"username": "ali\x00ce", "password": "password123",
                                       "csrf_token": token})
    assert resp.status_code == 400, _error(resp)
    assert "username" in resp.get_data(as_text=True) and "NUL" in resp.get_data(as_text=True)


def test_nul_in_query_form_path_and_json_fields(client, make_user, project, admin_token,
                                                 sentence_id, db):
    make_user("boss", "admin")
    token = login(client, "boss")
    resp = client.get("/projects/news/review?annotator=a%00b")
    assert resp.status_code == 400 and "annotator" in resp.get_data(as_text=True)
    resp = client.get("/projects/ne%00ws/review")
    assert resp.status_code in (400, 404), _error(resp)
    resp = client.post("/admin/projects/new", data={
        "csrf_token": token, "slug": "nul", "name": "Bad\x00name", "overlap": "2"})
    assert resp.status_code == 400 and "name" in resp.get_data(as_text=True)
    resp = client.post("/api/v1/users", headers=admin_token, json={"username": "x\u0000y"})
    assert resp.status_code == 400, _error(resp)
    assert "username" in resp.get_json()["error"]["message"]
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      json={"label": "neutral_fact", "comment": "a\u0000b"})
    assert resp.status_code == 400 and resp.is_json, _error(resp)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0
    assert db.scalar(select(Project.id).where(Project.slug == "nul")) is None
    assert db.scalar(select(User.id).where(User.username.like("x%y"))) is None


def test_an_escaped_backslash_before_u0000_is_text_not_nul(client, admin_token, sentence_id):
    body = '{"label": "neutral_fact", "comment": "C:\\\\u0000 is a path"}'
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      data=body, content_type="application/json")
    assert resp.status_code == 201, _error(resp)
    assert resp.get_json()["comment"] == "C:\\u0000 is a path"


def test_review_filter_that_is_not_a_number_is_a_400(client, make_user, project):
    make_user("boss", "admin")
    login(client, "boss")
    resp = client.get("/projects/news/review?article=abc")
    assert resp.status_code == 400 and "article" in resp.get_data(as_text=True)
    resp = client.get("/projects/news/review?article=abc&format=json",
                      headers={"Accept": "application/json"})
    assert resp.status_code == 400 and "article" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("target", ["/admin\r\nSet-Cookie: x=1", "/a\nb", "/\r", "/%0d%0a"])
def test_sign_in_next_with_a_line_break_goes_home(client, make_user, target):
    make_user("alice")
    token = csrf_token(client)
    resp = client.post("/login", query_string={"next": target},
                       data={"username": "alice", "password": "password123", "csrf_token": token})
    assert resp.status_code == 302, _error(resp)
    location = resp.headers["Location"]
    assert "\r" not in location and "\n" not in location and "Set-Cookie" not in location


def test_json_nested_1000_deep_is_a_400(client, admin_token, sentence_id, db):
    deep = "[" * 1000 + "]" * 1000  # json.dumps itself stops short of this depth
    for method, path, body in (
            ("put", f"/api/v1/sentences/{sentence_id}/annotation",
             '{"label": "neutral_fact", "hints_shown": %s}' % deep),
            ("post", "/api/v1/projects", '{"slug": "deep", "labels": %s}' % deep),
            ("post", "/api/v1/projects", '{"slug": "deep", "settings": {"x": %s}}' % deep),
            ("post", "/api/v1/users", '{"username": "deep", "role": %s}' % deep)):
        resp = getattr(client, method)(path, headers=admin_token, data=body,
                                       content_type="application/json")
        assert resp.status_code == 400, (path, _error(resp))
        assert "nested" in resp.get_json()["error"]["message"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0


def test_brackets_inside_strings_are_text_not_nesting(client, admin_token, sentence_id):
    comment = "[" * 200 + "{" * 200
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      json={"label": "neutral_fact", "comment": comment})
    assert resp.status_code == 201, _error(resp)
    assert resp.get_json()["comment"] == comment


def test_ordinary_nesting_still_passes(client, admin_token, sentence_id):
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      json={"label": "neutral_fact", "hints_shown": ["said", "claimed"]})
    assert resp.status_code == 201, _error(resp)


def _chunked(client, path, body: bytes, headers, content_type):
    """A request with `Transfer-Encoding: chunked` and no Content-Length, as a server that
    decodes chunks (gunicorn, waitress, werkzeug) hands it to the app."""
    return client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                       environ_overrides={"wsgi.input_terminated": True},
                       headers={**headers, "Transfer-Encoding": "chunked"})


def _jsonl(n: int) -> bytes:
    return "".join(json.dumps({"title": f"Article {i}", "text": f"Sentence number {i} is here."})
                   + "\n" for i in range(n)).encode()


def test_a_chunked_body_past_the_limit_is_413_and_nothing_is_stored(app, client, admin_token, db):
    body = _jsonl(300)
    app.config["MAX_CONTENT_LENGTH"] = len(body) - 100
    resp = _chunked(client, "/api/v1/projects/news/articles", body, admin_token,
                    "application/x-ndjson")
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Article).join(Project).where(
        Project.slug == "news", Article.title.like("Article %"))) == 0


def test_a_chunked_body_within_the_limit_is_read_whole(app, client, admin_token, db):
    body = _jsonl(300)
    app.config["MAX_CONTENT_LENGTH"] = len(body) + 100
    resp = _chunked(client, "/api/v1/projects/news/articles", body, admin_token,
                    "application/x-ndjson")
    assert resp.status_code == 201, _error(resp)
    assert len(resp.get_json()["added"]) == 300


def test_a_declared_length_past_the_limit_is_413(app, client, make_user, project):
    make_user("boss", "admin")
    token = login(client, "boss")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post("/admin/projects/news", data={
        "csrf_token": token, "files": (io.BytesIO(b"x" * 5000), "big.txt")})
    assert resp.status_code == 413, _error(resp)


def test_admin_downloads_are_not_cached(client, make_user, project):
    make_user("boss", "admin")
    login(client, "boss")
    for path in ("/admin/projects/news/export?kind=annotations",
                 "/admin/projects/news/lexicon?download=1"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "attachment" in resp.headers["Content-Disposition"]
        assert resp.headers["Cache-Control"] == "no-store", path


# The label write's own limits are writes.validate's (the lead's part of issue 15).
def test_a_400_digit_seconds_is_a_400(client, admin_token, sentence_id):
    body = '{"label": "neutral_fact", "seconds": %s}' % ("9" * 400)
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      data=body, content_type="application/json")
    assert resp.status_code == 400, _error(resp)


def test_hints_shown_is_capped(client, admin_token, sentence_id, db):
    resp = client.put(f"/api/v1/sentences/{sentence_id}/annotation", headers=admin_token,
                      json={"label": "neutral_fact", "hints_shown": ["said " * 20] * 50_000})
    assert resp.status_code == 400, _error(resp)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0


def test_a_json_body_posted_to_a_page_form_is_not_read_as_the_form(client, make_user, db):
    """Flask-WTF fills forms from JSON bodies too, with lists where text is expected."""
    make_user("boss", "admin")
    token = login(client, "boss")
    resp = client.post("/admin/projects/new", headers={"X-CSRFToken": token},
                       json={"slug": ["x"], "name": {"a": 1}, "labels": [1], "overlap": 2})
    assert resp.status_code == 200, _error(resp)  # the form again, nothing filled in
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Project)) == 0


def test_api_bodies_are_checked_against_the_openapi_schemas(client, admin_token, db):
    for path, body, field in (("/api/v1/projects", {"slug": {"a": 1}}, "slug"),
                              ("/api/v1/projects", {"slug": "ok", "members": [1]}, "members[0]"),
                              ("/api/v1/users", {"username": ["x"]}, "username"),
                              ("/api/v1/projects/news/articles", {"title": "T", "text": 5}, "text")):
        resp = client.post(path, headers=admin_token, json=body)
        assert resp.status_code == 400, (path, _error(resp))
        assert resp.get_json()["error"]["message"].startswith(f"{field}:"), _error(resp)
    db.rollback()
    assert db.scalar(select(Project.id).where(Project.slug == "ok")) is None


def test_a_400_digit_shown_at_on_the_annotate_form_is_refused(client, make_user, project):
    make_user("anna")
    token = login(client, "anna")
    page = client.get("/projects/news/annotate").get_data(as_text=True)
    sid = re.search(r'name="sentence_id"[^>]*value="(\d+)"', page).group(1)
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "label": "neutral_fact", "shown_at": "9" * 400})
    assert resp.status_code in (302, 400), _error(resp)


@pytest.fixture
def served(app):
    """The app behind a real WSGI server (Werkzeug's, which de-chunks bodies as gunicorn and
    waitress do), on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()


def _post_chunked(port: int, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    pieces = (body[i:i + 4096] for i in range(0, len(body), 4096))
    conn.request("POST", path, body=pieces, encode_chunked=True,
                 headers={**headers, "Content-Type": "application/x-ndjson"})
    resp = conn.getresponse()
    answer = resp.status, json.loads(resp.read())
    conn.close()
    return answer


def test_chunked_uploads_through_a_real_server(app, served, admin_token, db):
    body = _jsonl(300)
    app.config["MAX_CONTENT_LENGTH"] = len(body) + 100
    status, answer = _post_chunked(served, "/api/v1/projects/news/articles", body, admin_token)
    assert status == 201 and len(answer["added"]) == 300
    app.config["MAX_CONTENT_LENGTH"] = len(body) - 100
    status, answer = _post_chunked(served, "/api/v1/projects/news/articles",
                                   body.replace(b"Article", b"Artikel"), admin_token)
    assert status == 413 and answer["error"]["code"] == "too_large"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Article).where(
        Article.title.like("Artikel %"))) == 0


def test_a_400_digit_overlap_in_the_project_form_is_a_form_error(client, make_user, project):
    """WTForms' NumberRange asked math.isnan of it: OverflowError, a 500."""
    make_user("boss", role="admin")
    token = login(client, "boss")
    for url in ("/admin/projects/new", "/admin/projects/news/edit"):
        resp = client.post(url, data={"csrf_token": token, "slug": "news2", "name": "News",
                                      "overlap": "9" * 400, "labels": "", "settings": "{}",
                                      "members": "", "guidelines": ""})
        assert resp.status_code < 500, url
        assert "A whole number from 1 to 50" in resp.get_data(as_text=True), url
