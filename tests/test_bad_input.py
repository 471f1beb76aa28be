"""Property-based bad input: the importer, the segmenter and every API payload.

Never a 500, never a partial import, never a stored label that fails validation."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from annotator import ingest, projects, users
from annotator.articles import add_articles
from annotator.labels import validate_spans
from annotator.models import Annotation, Article, Sentence
from annotator.segment import segment

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


@FAST
@given(st.binary(max_size=400), st.sampled_from(["a.txt", "a.md", "a.jsonl", "a.html", "a.json", "a.bin", "noext"]))
def test_importer_either_parses_or_names_the_file(data, name):
    try:
        articles = ingest.parse_file(name, data)
    except ingest.IngestError as err:
        assert str(err).startswith(name)
        return
    for a in articles:
        assert a.title.strip() and a.text.strip()


@FAST
@given(st.text(max_size=300))
def test_segmenter_offsets_are_exact(text):
    for u in segment(text):
        assert text[u.start:u.end] == u.text and u.text == u.text.strip() and "\n" not in u.text


@FAST
@given(st.lists(st.one_of(
    st.fixed_dictionaries({"title": st.text(max_size=20), "text": st.text(max_size=80)}),
    json_values), min_size=1, max_size=4))
def test_jsonl_import_is_all_or_nothing(db, lines):
    p = projects.by_slug(db, "fuzz") or projects.create_project(db, "fuzz")
    db.commit()
    before = db.scalar(select(func.count()).select_from(Article))
    data = "\n".join(json.dumps(x) for x in lines).encode()
    try:
        items = ingest.parse_file("f.jsonl", data)
    except ingest.IngestError:
        assert db.scalar(select(func.count()).select_from(Article)) == before
        return
    report = add_articles(db, p, items, "f.jsonl")
    assert db.scalar(select(func.count()).select_from(Article)) == before + len(report.added)


@pytest.fixture
def api(app, db, project):
    u = users.create_user(db, "fuzzer", "admin", "password123")
    db.commit()
    _, token = users.create_token(db, u)
    db.commit()
    client = app.test_client()
    return client, {"Authorization": f"Bearer {token}"}


def _stored_labels_are_valid(db, project):
    db.rollback()
    ids = {l["id"] for l in project.labels}
    for ann, text in db.execute(select(Annotation, Sentence.text).join(Sentence, Sentence.id == Annotation.sentence_id)):
        assert ann.label in ids
        assert validate_spans(ann.spans, text) == ann.spans


@FAST
@given(body=json_values)
def test_annotation_payloads_never_500(db, project, api, body):
    client, h = api
    sid = db.scalar(select(Sentence.id).where(Sentence.kind == "body").order_by(Sentence.id))
    for method in ("put", "delete"):
        resp = getattr(client, method)(f"/api/v1/sentences/{sid}/annotation", json=body, headers=h)
        assert resp.status_code < 500, resp.get_data(as_text=True)
        assert resp.is_json
    _stored_labels_are_valid(db, project)


spans = st.lists(st.fixed_dictionaries({
    "start": st.integers(-3, 120), "end": st.integers(-3, 120),
    "label": st.sampled_from(["source", "cue", "content", "framing_term", "x"])},
    optional={"voice": st.sampled_from(["author", "attributed", None, 3])}), max_size=4)


@FAST
@given(label=st.sampled_from(["attributed_claim", "contested_framing", "neutral_fact", "", "x"]),
       spans=spans, comment=st.one_of(st.none(), st.text(max_size=30), st.integers()),
       seconds=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**9), st.text(max_size=3)))
def test_structured_label_payloads(db, project, api, label, spans, comment, seconds):
    client, h = api
    # A sentence the annotator may write: the next one leased to them, else one they labelled.
    nxt = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]
    sid = nxt["id"] if nxt else db.scalar(select(Annotation.sentence_id).limit(1))
    resp = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
                      json={"label": label, "spans": spans, "comment": comment, "seconds": seconds})
    assert resp.status_code in (200, 201, 400), resp.get_data(as_text=True)
    _stored_labels_are_valid(db, project)


@FAST
@given(raw=st.binary(max_size=300))
def test_article_upload_payloads_never_500(db, project, api, raw):
    client, h = api
    before = db.scalar(select(func.count()).select_from(Article))
    resp = client.post("/api/v1/projects/news/articles", data=raw, headers=h,
                       content_type="application/x-ndjson")
    assert resp.status_code in (200, 201, 400), resp.get_data(as_text=True)
    db.rollback()
    after = db.scalar(select(func.count()).select_from(Article))
    if resp.status_code == 400:
        assert after == before
    else:
        assert after == before + len(resp.get_json()["added"])


@FAST
@given(path=st.sampled_from(["/api/v1/projects/news/next", "/api/v1/projects/news/stats",
                             "/api/v1/projects/news/export", "/api/v1/projects/news/progress"]),
       query=st.dictionaries(st.sampled_from(["ahead", "kind", "article", "annotator", "since", "until"]),
                             st.text(max_size=12), max_size=3))
def test_query_strings_never_500(api, path, query):
    client, h = api
    resp = client.get(path, query_string=query, headers=h)
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]


def test_json_nested_too_deeply_is_invalid_json_with_its_line(client, db, make_user):
    """The parser's RecursionError is reported like any invalid JSON (file and line)."""
    import pytest

    from annotator import ingest

    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse_file("deep.jsonl", f'{{"title": "ok", "text": "Fine."}}\n{deep}\n'.encode())
    assert err.value.line == 2 and "nested too deeply" in str(err.value)


def test_half_a_utf16_pair_is_invalid_json_everywhere(api, db, project):
    """"\\ud83d" alone decodes to a lone surrogate, which no database can store: refused as
    invalid JSON with its line (files) or a 400 (API), never a 500 at the INSERT."""
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse_file("a.jsonl", b'{"title": "ok", "text": "Fine."}\n'
                                     b'{"title": "x", "text": "Fans cheered \\ud83d. The team won."}\n')
    assert err.value.line == 2 and "half of a UTF-16 pair" in str(err.value)
    whole = ingest.parse_file("b.jsonl", b'{"title": "ok", "text": "Fans cheered \\ud83d\\ude00 loudly."}\n')
    assert whole[0].text == "Fans cheered \U0001F600 loudly."
    client, h = api
    sid = db.scalar(select(Sentence.id).where(Sentence.kind == "body").order_by(Sentence.id))
    for body in ('{"label": "neutral_fact", "comment": "\\udc00"}',
                 '{"label": "neutral_fact", "\\ud800": 1}',
                 '{"label": "neutral_fact", "seconds": 1%s}' % ("0" * 5000)):
        resp = client.put(f"/api/v1/sentences/{sid}/annotation", data=body, headers=h,
                          content_type="application/json")
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json", body[:60]
    resp = client.post("/api/v1/projects/news/articles", headers=h, content_type="application/json",
                       data='{"title": "T", "text": "Half \\ud83d here."}')
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0
