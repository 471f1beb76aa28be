"""Research exports (spans, babe, semeval), article metadata, dataset card, hint quality, lexicon page."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from annotator import export, ingest, labelling, projects
from annotator.articles import add_articles
from annotator.review.aggregation import agreed_spans
from annotator.models import Article, Sentence
from annotator.review.stats import hint_quality
from annotator.labelling import LabelInput
from helpers import form_version, login

ARTICLE = {"title": "Clashes in the valley", "url": "https://example.org/a", "source": "Daily Wire Service",
           "topic": "border conflict", "published": "2026-11-20", "id": "ext-1",
           "text": "The ministry said 40 soldiers were killed.\n\nThe occupiers shelled the town again."}


def _setup(db, make_user):
    p = projects.create_project(db, "res", overlap=2)
    db.commit()
    add_articles(db, p, ingest.parse_jsonl("a.jsonl", json.dumps(ARTICLE)), "a.jsonl")
    s1, s2 = db.scalars(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.position)).all()
    a, b = make_user("a"), make_user("b")
    src = [{"start": 0, "end": 12, "label": "source"}, {"start": 13, "end": 17, "label": "cue"}]
    for u, extra in ((a, []), (b, [{"start": 18, "end": 20, "label": "content"}])):
        labelling.save(db, p, s1, u, LabelInput("attributed_claim", spans=src + extra), held_only=False)
        labelling.save(db, p, s2, u, LabelInput("contested_framing", spans=[
            {"start": 4, "end": 13, "label": "framing_term", "voice": "author"}]), held_only=False)
    return p, s1, s2


def test_agreed_spans_needs_half():
    x = {"start": 0, "end": 2, "label": "cue"}
    y = {"start": 3, "end": 5, "label": "source"}
    assert agreed_spans([[x], [x, y], [x]]) == [x]
    assert agreed_spans([[x, y], [y]]) == [x, y]
    assert agreed_spans([[y]]) == [y]
    assert agreed_spans([]) == []


def test_spans_export(db, make_user):
    p, s1, s2 = _setup(db, make_user)
    recs = list(export.records(db, p, "spans"))
    assert [r["meta"]["label"] for r in recs] == ["attributed_claim", "contested_framing"]
    first = recs[0]
    assert first["text"] == s1.text
    # "content" was marked by one of two annotators: half is enough
    assert [(s["start"], s["end"], s["label"]) for s in first["spans"]] == [(0, 12, "source"), (13, 17, "cue"), (18, 20, "content")]
    assert first["meta"]["outlet"] == "Daily Wire Service" and first["meta"]["topic"] == "border conflict"
    for r in recs:
        for s in r["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(r["text"])


def test_babe_export(db, make_user):
    p, _, s2 = _setup(db, make_user)
    recs = list(export.records(db, p, "babe"))
    assert set(recs[0]) >= {"text", "news_link", "outlet", "topic", "label_bias", "label_opinion", "biased_words"}
    assert recs[0]["label_bias"] == "Non-biased"
    assert recs[1]["label_bias"] == "Biased" and recs[1]["biased_words"] == ["occupiers"]
    assert recs[1]["news_link"] == "https://example.org/a"


def test_semeval_export_has_article_offsets(db, make_user):
    p, _, s2 = _setup(db, make_user)
    recs = list(export.records(db, p, "semeval"))
    text = db.scalar(select(Article.text))
    assert len(recs) == 1 and recs[0]["technique"] == "Loaded_Language"
    assert recs[0]["article_id"] == "ext-1"
    assert text[recs[0]["start"]:recs[0]["end"]] == "occupiers"


def test_metadata_in_every_export(db, make_user):
    p, *_ = _setup(db, make_user)
    for kind in ("annotations", "sentences"):
        rec = next(iter(export.records(db, p, kind)))
        assert rec["article_source"] == "Daily Wire Service" and rec["article_url"] == ARTICLE["url"]
        assert rec["article_topic"] == "border conflict" and rec["article_published"] == "2026-11-20"


def test_card_and_exports_from_cli(app, db, make_user, tmp_path):
    _setup(db, make_user)
    runner = app.test_cli_runner()
    for kind in ("spans", "babe", "semeval", "gold"):
        out = tmp_path / kind / "x.jsonl"
        r = runner.invoke(args=["export", "res", "--kind", kind, "-o", str(out), "--card"])
        assert r.exit_code == 0, r.output
        card = (out.parent / "README.md").read_text()
        assert "Guidelines version" in card and "Krippendorff" in card and "`attributed_claim`" in card
        assert "Hint lexicon" in card and "Labelled between" in card
    r = runner.invoke(args=["export", "res", "-o", "-", "--card"])
    assert r.exit_code != 0


def test_card_pseudonymous(app, db, make_user, tmp_path):
    p, *_ = _setup(db, make_user)
    p.settings = {"pseudonymous": True}
    db.commit()
    out = tmp_path / "x.jsonl"
    app.test_cli_runner().invoke(args=["export", "res", "-o", str(out), "--card"])
    card = (tmp_path / "README.md").read_text()
    assert "| A1 |" in card and "| a |" not in card


def test_datasets_reads_the_export(db, make_user, tmp_path):
    import pandas as pd

    p, *_ = _setup(db, make_user)
    for kind in ("annotations", "sentences", "spans", "babe"):
        path = tmp_path / f"{kind}.jsonl"
        with open(path, "wb") as fh:
            n = export.write_jsonl(export.records(db, p, kind), fh)
        assert len(pd.read_json(path, lines=True)) == n


def test_hint_quality(db, make_user):
    p, *_ = _setup(db, make_user)
    q = hint_quality(db, p)
    assert q["cue"]["support"] == 1 and q["cue"]["recall"] == 1.0
    assert q["contested_term"]["support"] == 1


def test_lexicon_page(client, db, make_user, project):
    make_user("root", "admin")
    token = login(client, "root")
    page = client.get("/admin/projects/news/lexicon")
    assert page.status_code == 200 and "Contested term" in page.get_data(as_text=True)
    lex = {"version": 1, "cues": ["said"], "contested_terms": [{"term": "regime", "counterparts": ["government"]}]}
    resp = client.post("/admin/projects/news/lexicon", data={
        "csrf_token": token, "file": (io.BytesIO(json.dumps(lex).encode()), "lexicon.json"),
        "version": form_version(client, "/admin/projects/news/lexicon")})
    assert resp.status_code == 302
    db.rollback()
    from annotator.models import Project

    assert db.scalar(select(Project.lexicon).where(Project.id == project.id))["cues"] == ["said"]
    bad = client.post("/admin/projects/news/lexicon", data={
        "csrf_token": token, "file": (io.BytesIO(b'{"cues": 5}'), "lexicon.json"),
        "version": form_version(client, "/admin/projects/news/lexicon")}, follow_redirects=True)
    assert "Lexicon not saved" in bad.get_data(as_text=True)
    dl = client.get("/admin/projects/news/lexicon?download=1")
    assert json.loads(dl.get_data(as_text=True))["cues"] == ["said"]


def test_dashboard_outlets_and_hint_quality(client, db, make_user):
    p, *_ = _setup(db, make_user)
    make_user("rev", "reviewer")
    login(client, "rev")
    html = client.get("/projects/res/review").get_data(as_text=True)
    assert "Labels by outlet" in html and "Daily Wire Service" in html and "Compute hint quality" in html
    data = client.get("/projects/res/review?format=json&hints=1").get_json()
    assert data["by_outlet"]["Daily Wire Service"]["attributed_claim"] == 2
    assert data["hint_quality"]["cue"]["support"] == 1
    html = client.get("/projects/res/review?hints=1").get_data(as_text=True)
    assert "Hints against human labels" in html


def test_stats_cli_hints(app, db, make_user):
    _setup(db, make_user)
    r = app.test_cli_runner().invoke(args=["stats", "res", "--json", "--hints"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["hint_quality"]["contested_term"]["support"] == 1
    r = app.test_cli_runner().invoke(args=["stats", "res", "--hints"])
    assert "hints vs humans" in r.output


def test_the_babe_template_exports_babe_and_parc_refuses_semeval(db, make_user):
    """A project made from the BABE-style template has BABE's own labels: the layout maps them,
    its loaded words are the biased words and its SemEval spans; the column its single choice
    did not ask is null, not "No agreement". A PARC-style project marks no loaded words, so
    semeval refuses it, saying why."""
    import pytest

    p = projects.create_project(db, "bb", overlap=1, template="babe")
    q = projects.create_project(db, "pc", overlap=1, template="parc")
    db.commit()
    add_articles(db, p, ingest.parse_jsonl("a.jsonl", json.dumps(ARTICLE)), "a.jsonl")
    s1, s2 = db.scalars(select(Sentence).where(Sentence.project_id == p.id, Sentence.kind == "body")
                        .order_by(Sentence.position)).all()
    u = make_user("a")
    labelling.save(db, p, s1, u, LabelInput("non_biased"), held_only=False)
    labelling.save(db, p, s2, u, LabelInput("biased", spans=[{"start": 4, "end": 13, "label": "loaded_word"}]),
                   held_only=False)
    recs = list(export.records(db, p, "babe"))
    assert [(r["label_bias"], r["label_opinion"], r["biased_words"]) for r in recs] == [
        ("Non-biased", None, []), ("Biased", None, ["occupiers"])]
    (span,) = export.records(db, p, "semeval")
    assert (span["technique"], span["text"]) == ("Loaded_Language", "occupiers")
    with pytest.raises(export.ExportRefused, match="kind semeval: .*no"):
        export.records(db, q, "semeval")
