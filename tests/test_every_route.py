"""Every route and method of the app, walked with hostile input as an anonymous visitor, an
annotator and an admin: no answer is a 5xx (issue 15, item 5), on SQLite and PostgreSQL.

Each example walks every rule and method of app.url_map (no route is left out by chance):
hostile path parameters and query arguments, and for a form or JSON body, each field the
views read in turn made hostile in an otherwise plausible request (past CSRF, with the
session's real token), so that every value reaches the view that reads it; then raw bytes
under a random content type. Values are what an attacker would try: NULs, CR/LF, numbers
past every integer column, JSON nested 1,000 deep, bytes that are not UTF-8, long strings."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from sqlalchemy import select

from annotator import users
from annotator.models import ApiToken, Article, Sentence, User
from helpers import csrf_token, login

# Each route is walked on its own: four examples of a GET (one request each), two of a POST or
# PUT (a request per field). About 1,200 requests a role, 20 s on SQLite.
# No shrinking: the failure message names the request, and shrinking a walk takes minutes.
WALK = settings(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])

# A plausible request of every kind the views read (a label, a new project, a user...).
QUERY = {"page": "1", "per_page": "20", "format": "html", "resolved": "0", "hints": "1",
         "ahead": "3", "kind": "annotations", "download": "", "sentence": "", "article": "",
         "annotator": "anna", "lang": "de", "since": "2020-01-01", "until": "2030-01-01", "next": "/"}
# No password in them: a password is hashed on purpose slowly (0.3 s), so only a request
# whose hostile field is the password or the username hashes one.
FORM = {"username": "", "password": "", "name": "Name", "slug": "p2",
        "overlap": "2", "guidelines": "Read *this*.", "members": "", "labels": "",
        "settings": "", "role": "annotator", "active": "y", "kind": "heading",
        "label": "neutral_fact", "note": "n", "action": "", "page": "1", "resolved": "0",
        "next": "1", "explanation": "e", "lexicon": "{}", "comment": "ok",
        "spans": "[]", "shown_at": "1700000000000", "lang": "de",
        "people": "newcomer", "projects": "news", "days": "7", "confirm": "",
        "revoke_tokens": "y"}
JSON = {"label": "neutral_fact", "spans": [], "comment": "ok", "seconds": 3.5,
        "hints_shown": ["said"], "slug": "p3", "name": "P", "overlap": 2, "guidelines": "",
        "labels": None, "members": [], "settings": {}, "username": "u3", "role": "annotator", "token": True, "title": "T", "text": "A sentence.",
        "people": ["newcomer2"], "projects": ["news"], "days": 7}
NUMERIC = {"page", "per_page", "ahead", "sentence", "article", "overlap", "sentence_id",
           "next", "shown_at", "seconds", "days"}
DEEP = "[" * 1000 + "]" * 1000

HOSTILE = [
    "", "news", "neutral_fact", "attributed_claim", "admin", "annotator", "reviewer", "yes",
    "1", "0", "-1", "clear", "reset", "skip", "annotations", "json", "body",
    "\x00", "a\x00b", "\r\n", "/x\r\nSet-Cookie: a=b", "//evil.example/", "../../etc/passwd",
    str(2**31 - 1), str(2**31), str(2**63), str(-2**63 - 1), "9" * 400, "1e400", "NaN",
    "[]", "{}", DEEP, '{"a": ' * 100 + "1" + "}" * 100, "<script>x</script>", "x" * 5000,
    "2026-13-45", "\u202e\ufeff", "😀" * 50,
]
texts = st.one_of(st.sampled_from(HOSTILE),
                  st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
numeric_texts = st.sampled_from([str(2**31), str(2**63), str(-2**63 - 1), "9" * 400, "1e400",
                                 "NaN", "-1", "1.5", "\u0663", "a\x00"])
numbers = st.one_of(st.integers(), st.sampled_from([2**31, 2**63, 10**400, -(2**64)]),
                    st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(sorted(JSON)) | texts, inner, max_size=3),
    max_leaves=8)
CONTENT_TYPES = ["application/json", "application/x-ndjson", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "text/plain", "application/json; charset=utf-16"]
# Hypothesis prefers the first of sampled values: False, most of the time.
ONE_IN_FOUR = st.sampled_from([False, False, False, True])
ONE_IN_TEN = st.sampled_from([False] * 9 + [True])
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture
def world(app, db, project):
    """Who asks (role, or None for anonymous), the ids that exist and the routes."""
    admin = users.create_user(db, "root", "admin", "password123")
    annotator = users.create_user(db, "anna", "annotator", "password123")
    db.commit()
    tokens = {"admin": users.create_token(db, admin)[1],
              "annotator": users.create_token(db, annotator)[1]}
    db.commit()
    ids = sorted({*db.scalars(select(Sentence.id)), *db.scalars(select(Article.id)),
                  *db.scalars(select(User.id)), *db.scalars(select(ApiToken.id))})
    routes = sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                    for method in rule.methods - {"HEAD", "OPTIONS"})
    first = db.scalar(select(Sentence.id).where(Sentence.kind == "body").order_by(Sentence.id))
    return {"ids": ids, "first_sentence": first, "routes": routes, "tokens": tokens, "db": db,
            "accounts": [(u, u.role, u.password_hash) for u in (admin, annotator)]}


def _path(data, rule: str, ids: list[int]) -> str:
    """`rule` with its parameters filled in: a real one three times in four, else hostile."""
    def value(m):
        converter = m.group(1)
        if not data.draw(ONE_IN_FOUR):
            drawn = data.draw(st.sampled_from(ids) if converter == "int" else
                              st.just("css/app.css") if converter == "path" else st.just("news"))
        elif converter == "int":
            drawn = data.draw(st.integers(-5, 2**70) | texts)
        else:
            drawn = data.draw(st.sampled_from(["nope", "../pyproject.toml"]) | texts)
        return quote(str(drawn), safe="") or "x"
    return _PARAM.sub(value, rule)


def _value(data, field: str, in_json: bool):
    if in_json:
        return data.draw(json_values)
    return data.draw(numeric_texts if field in NUMERIC else texts)


def _query(data) -> str:
    base = dict(QUERY)
    for field in data.draw(st.lists(st.sampled_from(sorted(QUERY)), min_size=1, max_size=3)):
        base[field] = _value(data, field, in_json=False)
    query = urlencode(base)
    if data.draw(st.booleans()):
        query += "&annotator=%FF%FE&next=%C3"  # not UTF-8
    return query


def _bodies(data, api: bool, token: str, sentence_id: int):
    """Request keyword arguments: the plausible body with each field in turn hostile (or
    left out), then raw bytes."""
    base = dict(JSON) if api else {**FORM, "sentence_id": str(sentence_id), "csrf_token": token}
    for field in sorted(base):
        body = dict(base)
        if field == "csrf_token" or data.draw(ONE_IN_TEN):
            del body[field]
        else:
            body[field] = _value(data, field, in_json=api)
        if api:
            yield {"data": json.dumps(body), "content_type": "application/json"}
        else:
            if data.draw(ONE_IN_FOUR):
                name = data.draw(st.sampled_from(["a.jsonl", "a.txt", "a\x00.md", "", "a.html"]))
                body[data.draw(st.sampled_from(["files", "file"]))] = (
                    io.BytesIO(data.draw(st.binary(max_size=200))), name)
            yield {"data": body}
    if api:
        yield {"data": data.draw(st.sampled_from([
            DEEP, '{"label": "neutral_fact", "hints_shown": %s}' % DEEP,
            '{"label": "neutral_fact", "comment": "\\u0000"}'])), "content_type": "application/json"}
    yield {"data": data.draw(st.binary(max_size=300)),
           "content_type": data.draw(st.sampled_from(CONTENT_TYPES))}


def _reset(world) -> None:
    """The accounts and tokens as the world made them: a walk may have changed a password or
    a role (the session would end), or revoked a token."""
    db = world["db"]
    db.rollback()
    for user, user_role, password_hash in world["accounts"]:
        user.role, user.password_hash, user.active = user_role, password_hash, True
    for token in db.scalars(select(ApiToken)):
        token.revoked_at = None
    db.commit()


def _send(client, world, role, token, rule, method, data) -> None:
    api = rule.startswith("/api/")
    headers = {}
    if api and role is not None:
        if data.draw(st.booleans()):
            headers["Authorization"] = f"Bearer {world['tokens'][role]}"
        else:
            headers["X-CSRFToken"] = token
    bodies = _bodies(data, api, token, world["first_sentence"]) \
        if method in ("POST", "PUT") else [{}]
    for body in bodies:
        url = _path(data, rule, world["ids"])
        query = _query(data) if data.draw(st.booleans()) else ""
        resp = client.open(f"{url}?{query}" if query else url, method=method,
                           headers=headers, **body)
        text = resp.get_data(as_text=True)  # runs a streamed answer (exports) to its end
        assert resp.status_code < 500, (
            f"{role or 'anonymous'} {method} {url}?{query} {str(body)[:300]} -> "
            f"{resp.status_code}: {text[:300]}")


@pytest.mark.parametrize("role", [None, "annotator", "admin"])
def test_no_route_answers_hostile_input_with_a_5xx(app, world, role):
    _reset(world)
    client = app.test_client()
    token = csrf_token(client) if role is None else \
        login(client, {"admin": "root", "annotator": "anna"}[role])
    for rule, method in world["routes"]:
        if rule == "/logout" and method == "POST":
            continue  # signing out would leave the rest of the walk anonymous
        _reset(world)

        @settings(WALK, max_examples=2 if method in ("POST", "PUT") else 4)
        @given(data=st.data())
        def walk(data):
            _send(client, world, role, token, rule, method, data)

        walk()
