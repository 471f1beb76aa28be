"""REST API v1: tokens, JSON errors, role checks, blind annotation, OpenAPI conformance."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from annotator import controls, progress, users
from annotator.models import Sentence
from annotator.web.openapi import SPEC
from helpers import login

REGISTRY = Registry().with_resource("urn:spec", DRAFT202012.create_resource(SPEC))


def conforms(resp, path: str, method: str = "get"):
    """Validate a real response body against the OpenAPI document."""
    op = SPEC["paths"][path][method]
    assert str(resp.status_code) in op["responses"], f"{resp.status_code} not documented for {method} {path}"
    doc = op["responses"][str(resp.status_code)]
    if "$ref" in doc:
        doc = SPEC["components"]["responses"][doc["$ref"].rsplit("/", 1)[1]]
    schema = doc["content"]["application/json"]["schema"]
    schema = json.loads(json.dumps(schema).replace('"#/components', '"urn:spec#/components'))
    Draft202012Validator(schema, registry=REGISTRY).validate(resp.get_json())
    return resp.get_json()


def _token(db, user):
    _, token = users.create_token(db, user, "test")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_spec_is_valid_openapi(client):
    validate_spec(SPEC)
    assert client.get("/api/v1/openapi.json").get_json() == SPEC


def test_requests_need_a_valid_token(client, project):
    for headers in ({}, {"Authorization": "Bearer ann_nope"}, {"Authorization": "Basic abc"}):
        resp = client.get("/api/v1/projects", headers=headers)
        assert resp.status_code == 401
        conforms(resp, "/projects")


def test_revoked_token_is_refused(client, db, make_user, project):
    u = make_user("alice")
    row, token = users.create_token(db, u)
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/projects", headers=h).status_code == 200
    users.revoke_token(db, u, row.id)
    db.commit()
    assert client.get("/api/v1/projects", headers=h).status_code == 401


def test_tokens_are_stored_hashed(db, make_user):
    from annotator.models import ApiToken

    _, token = users.create_token(db, make_user("alice"))
    db.commit()
    stored = db.scalar(select(ApiToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_annotate_through_the_api(client, db, make_user, project):
    h = _token(db, make_user("alice"))
    resp = client.get("/api/v1/projects/news/next?ahead=2", headers=h)
    body = conforms(resp, "/projects/{slug}/next")
    s = body["sentence"]
    assert s["kind"] == "body" and body["progress"]["done"] == 0
    assert len(body["upcoming"]) == 2 and s["id"] not in [u["id"] for u in body["upcoming"]]
    url = f"/api/v1/sentences/{s['id']}/annotation"
    r1 = client.put(url, json={"label": "attributed_claim", "seconds": 2.5,
                               "spans": [{"start": 0, "end": 3, "label": "source"}]}, headers=h)
    assert r1.status_code == 201 and conforms(r1, "/sentences/{id}/annotation", "put")["outcome"] == "created"
    r2 = client.put(url, json={"label": "attributed_claim", "spans": [{"start": 0, "end": 3, "label": "source"}]}, headers=h)
    assert r2.status_code == 200 and r2.get_json()["outcome"] == "unchanged"
    assert conforms(client.get(url, headers=h), "/sentences/{id}/annotation")["label"] == "attributed_claim"
    r3 = client.put(url, json={"label": "bogus"}, headers=h)
    assert r3.status_code == 400 and conforms(r3, "/sentences/{id}/annotation", "put")["error"]["code"] == "invalid_label"
    r4 = client.delete(url, headers=h)
    assert conforms(r4, "/sentences/{id}/annotation", "delete") == {"deleted": True}
    skip = client.post(f"/api/v1/sentences/{s['id']}/skip", headers=h)
    conforms(skip, "/sentences/{id}/skip", "post")


def test_bad_payloads_give_json_errors(client, db, make_user, project):
    h = _token(db, make_user("alice"))
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    url = f"/api/v1/sentences/{sid}/annotation"
    for payload in ("not json", "[1]", "null", '{"label": 3}'):
        resp = client.put(url, data=payload, content_type="application/json", headers=h)
        assert resp.status_code == 400, payload
        assert resp.get_json()["error"]["code"]
    assert client.get("/api/v1/sentences/999999/annotation", headers=h).status_code == 404
    assert client.get("/api/v1/projects/nope/next", headers=h).status_code == 404


def test_blind_annotation(client, db, make_user, project):
    h = _token(db, make_user("alice"))
    for path in ("/api/v1/projects/news/stats", "/api/v1/projects/news/export",
                 "/api/v1/projects/news/progress"):
        resp = client.get(path, headers=h)
        assert resp.status_code == 403, path
        assert resp.get_json()["error"]["code"] == "forbidden"
    sent = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]
    assert not {"annotations", "labels", "n_labels", "majority"} & set(sent)
    resp = client.post("/api/v1/projects/news/articles", headers=h, json={"title": "t", "text": "x"})
    assert resp.status_code == 403


def test_reviewer_reads_stats_and_export(client, db, make_user, project):
    ha, hr = _token(db, make_user("alice")), _token(db, make_user("rita", "reviewer"))
    sid = client.get("/api/v1/projects/news/next", headers=ha).get_json()["sentence"]["id"]
    client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "neutral_fact"}, headers=ha)
    stats = conforms(client.get("/api/v1/projects/news/stats", headers=hr), "/projects/{slug}/stats")
    assert stats["annotations"] == 1
    resp = client.get("/api/v1/projects/news/export?kind=annotations", headers=hr)
    assert resp.status_code == 200 and resp.mimetype == "application/x-ndjson"
    assert json.loads(resp.get_data(as_text=True).splitlines()[0])["sentence_id"] == sid
    prog = conforms(client.get("/api/v1/projects/news/progress", headers=hr), "/projects/{slug}/progress")
    assert [r["done"] for r in prog["annotators"] if r["annotator"] == "alice"] == [1]


def test_admin_imports_articles(client, db, make_user, project):
    h = _token(db, make_user("root", "admin"))
    resp = client.post("/api/v1/projects/news/articles", headers=h,
                       json={"title": "New", "text": "The mayor said the road reopens. It closed in May."})
    assert resp.status_code == 201
    assert conforms(resp, "/projects/{slug}/articles", "post")["sentences"] == 2
    again = client.post("/api/v1/projects/news/articles", headers=h,
                        json={"title": "New", "text": "The mayor said the road reopens. It closed in May."})
    assert again.status_code == 200 and again.get_json()["skipped"]
    lines = "\n".join(json.dumps({"title": f"T{i}", "text": f"Report number {i} was filed."}) for i in range(3))
    resp = client.post("/api/v1/projects/news/articles", headers=h, data=lines,
                       content_type="application/x-ndjson")
    assert resp.status_code == 201 and len(resp.get_json()["added"]) == 3
    bad = client.post("/api/v1/projects/news/articles", headers=h, data='{"title": "x"}\n{"text": 1}\n',
                      content_type="application/x-ndjson")
    assert bad.status_code == 400 and "line 1" in bad.get_json()["error"]["message"]


def test_request_size_limit(app, client, db, make_user, project):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    h = _token(db, make_user("root", "admin"))
    resp = client.post("/api/v1/projects/news/articles", headers=h,
                       json={"title": "big", "text": "word " * 1000})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_cookie_session_needs_csrf_for_writes(client, db, make_user, project):
    make_user("alice")
    token = login(client, "alice")
    sid = client.get("/api/v1/projects/news/next").get_json()["sentence"]["id"]
    url = f"/api/v1/sentences/{sid}/annotation"
    assert client.put(url, json={"label": "neutral_fact"}).status_code == 400
    assert client.put(url, json={"label": "neutral_fact"}, headers={"X-CSRFToken": token}).status_code == 201


def test_control_items_feedback_and_accuracy(client, db, make_user, project):
    from annotator import projects as proj

    project.settings = {"control_rate": 0.5, "control_feedback": True}
    db.commit()
    s = db.scalar(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.position.desc()))
    controls.set_control(db, project, s, "attributed_claim", "The ministry is the source.")
    h = _token(db, make_user("alice"))
    served = []
    for _ in range(6):
        nxt = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]
        if nxt is None:
            break
        served.append(nxt["id"])
        resp = client.put(f"/api/v1/sentences/{nxt['id']}/annotation", json={"label": "neutral_fact"}, headers=h)
        if nxt["id"] == s.id:
            assert resp.get_json()["feedback"]["label"] == "attributed_claim"
        else:
            assert "feedback" not in resp.get_json()
    # the control item came early (rate 0.5), not in reading order at the end
    assert s.id in served[:2]
    rows = controls.annotator_progress(db, project)["annotators"]
    alice = [r for r in rows if r["annotator"] == "alice"][0]
    assert alice["control_answered"] == 1 and alice["control_accuracy"] == 0.0 and alice["flagged"]
    assert proj.settings(project)["min_control_accuracy"] == 0.7


def test_control_items_are_left_out_of_agreement(db, make_user, project):
    from annotator import assign, labelling
    from annotator.review.stats import project_stats
    from annotator.labelling import LabelInput

    s = db.scalar(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.position))
    controls.set_control(db, project, s, "neutral_fact")
    for name in ("a", "b"):
        u = make_user(name)
        labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert project_stats(db, project)["annotations"] == 0
    assert progress.of_user(db, project, users.by_name(db, "a"))["done"] == 1


def test_a_whole_project_through_the_api(client, db, make_user):
    """Create, import, annotate as several users, read statistics, export: API only."""
    admin = _token(db, make_user("root", "admin"))
    resp = client.post("/api/v1/projects", headers=admin, json={"slug": "wire", "name": "Wire", "overlap": 2})
    assert conforms(resp, "/projects", "post")["slug"] == "wire"
    assert client.post("/api/v1/projects", headers=admin, json={"slug": "wire"}).status_code == 409
    assert client.post("/api/v1/projects", headers=admin, json={"slug": "Bad Slug"}).status_code == 400
    articles = "\n".join(json.dumps({"title": f"Report {i}", "text": f"The ministry said talks resumed on day {i}.\n\nThe border crossing reopened on Friday."}) for i in range(3))
    assert client.post("/api/v1/projects/wire/articles", headers=admin, data=articles,
                       content_type="application/x-ndjson").status_code == 201
    tokens = {}
    for name in ("ann1", "ann2", "ann3"):
        resp = client.post("/api/v1/users", headers=admin, json={"username": name, "token": True})
        tokens[name] = {"Authorization": f"Bearer {conforms(resp, '/users', 'post')['token']}"}
    assert client.post("/api/v1/users", headers=admin, json={"username": "ann1"}).status_code == 409
    assert client.post("/api/v1/users", headers=tokens["ann1"], json={"username": "x"}).status_code == 403
    labelled = 0
    for name, h in tokens.items():
        while (s := client.get("/api/v1/projects/wire/next", headers=h).get_json()["sentence"]):
            label = "attributed_claim" if "said" in s["text"] else "neutral_fact"
            assert client.put(f"/api/v1/sentences/{s['id']}/annotation", headers=h, json={"label": label}).status_code == 201
            labelled += 1
    assert labelled == 6 * 2  # 6 body sentences, overlap 2
    stats = client.get("/api/v1/projects/wire/stats", headers=admin).get_json()
    assert stats["annotations"] == 12 and stats["krippendorff_alpha"] == 1.0
    lines = client.get("/api/v1/projects/wire/export?kind=sentences", headers=admin).get_data(as_text=True).splitlines()
    body = [json.loads(l) for l in lines if json.loads(l)["kind"] == "body"]
    assert len(body) == 6 and all(r["agreement"] == 1.0 for r in body)
