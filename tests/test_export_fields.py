"""What export records carry about how a label was given: hints_shown and assist, the
guidelines version in force, the article's language, and the reviewer's adjudication note."""
from __future__ import annotations

import json

from sqlalchemy import select

from annotator import export, ingest, labelling, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review.adjudication import set_gold
from helpers import login

# Kinds made from labels; `predictions` needs a trained model (tests/test_model.py).
LABEL_KINDS = [k for k in export.KINDS if k not in ("predictions", "suspects")]

ARTICLE = {"title": "Talks", "lang": "en", "id": "t-1",
           "text": "The ministry said talks would resume.\n\nThe occupiers shelled the town.\n\nIt rained."}


def _project(db, guidelines="Label each sentence."):
    p = projects.create_project(db, "f", overlap=2, guidelines=guidelines)
    db.commit()
    add_articles(db, p, ingest.parse_jsonl("a.jsonl", json.dumps(ARTICLE)), "a.jsonl")
    return p, db.scalars(select(Sentence).order_by(Sentence.position)).all()


def test_hints_shown_and_assist(db, make_user):
    p, (s1, s2, _) = _project(db)
    a = make_user("a")
    labelling.save(db, p, s1, a, LabelInput("attributed_claim", hints_shown=["said"]), held_only=False)
    p.settings = {**(p.settings or {}), "assist": "off"}
    db.commit()
    labelling.save(db, p, s2, a, LabelInput("contested_framing"), held_only=False)
    recs = {r["sentence_id"]: r for r in export.records(db, p, "annotations")}
    # the arm is the one labelling.save drew (assist.arm), whatever the client sent
    assert (recs[s1.id]["hints_shown"], recs[s1.id]["assist"]) == (["said"], "hints")
    assert (recs[s2.id]["hints_shown"], recs[s2.id]["assist"]) == (None, "none")
    assert {r["article_lang"] for r in recs.values()} == {"en"}


def test_the_annotate_page_records_the_hints_it_showed(client, db, make_user):
    p, _ = _project(db)
    make_user("alice")
    token = login(client, "alice")
    view = client.get("/projects/f/annotate", headers={"Accept": "application/json"}).get_json()
    sid = view["sentence"]["id"]
    client.post("/projects/f/annotate", data={"csrf_token": token, "sentence_id": sid,
                                              "label": "attributed_claim"})
    (rec,) = export.records(db, p, "annotations")
    assert rec["assist"] == "hints" and "said" in rec["hints_shown"]


def test_guidelines_version_in_force(db, make_user):
    p, (s1, s2, s3) = _project(db)
    a = make_user("a")
    labelling.save(db, p, s1, a, LabelInput("attributed_claim"), held_only=False)
    assert projects.set_guidelines(db, p, "Label each sentence.") == 1  # the same text: no new version
    assert projects.set_guidelines(db, p, "Label each sentence. Quotes are claims.") == 2
    db.commit()
    labelling.save(db, p, s2, a, LabelInput("contested_framing"), held_only=False)
    recs = {r["sentence_id"]: r["guidelines_version"] for r in export.records(db, p, "annotations")}
    assert recs == {s1.id: 1, s2.id: 2}
    assert export.FIELDS["annotations"]["guidelines_version"] == "int64"


def test_adjudication_notes_and_lang_in_every_kind(db, make_user):
    p, (s1, s2, _) = _project(db)
    a, b, rev = make_user("a"), make_user("b"), make_user("rev", role="reviewer")
    labelling.save(db, p, s1, a, LabelInput("attributed_claim"), held_only=False)
    labelling.save(db, p, s1, b, LabelInput("neutral_fact"), held_only=False)
    for u in (a, b):
        labelling.save(db, p, s2, u, LabelInput("contested_framing", spans=[
            {"start": 4, "end": 13, "label": "framing_term", "voice": "author"}]), held_only=False)
    set_gold(db, p, s1, rev, "attributed_claim", note="the ministry is the source")
    sents = {r["sentence_id"]: r for r in export.records(db, p, "sentences")}
    assert sents[s1.id]["gold_note"] == "the ministry is the source"
    assert sents[s2.id]["gold_note"] is None
    gold = {r["sentence_id"]: r for r in export.records(db, p, "gold")}
    assert (gold[s1.id]["source"], gold[s1.id]["gold_note"]) == ("gold", "the ministry is the source")
    for kind in LABEL_KINDS:
        recs = list(export.records(db, p, kind))
        assert recs, kind
        for r in recs:
            lang = r["meta"]["lang"] if kind == "spans" else r["article_lang"]
            assert lang == "en", kind
            assert set(r) == set(export.FIELDS[kind]), kind
