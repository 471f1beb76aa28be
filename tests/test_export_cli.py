"""Export offsets, the command line, demo idempotence."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from annotator import assign, export, labelling
from annotator.export.annotations import iter_annotations
from annotator.review.sentence_records import iter_sentences
from annotator.labelling import LabelInput
from annotator.models import Article

# Kinds made from labels; `predictions` needs a trained model (tests/test_model.py).
LABEL_KINDS = [k for k in export.KINDS if k not in ("predictions", "suspects")]


def _label_some(db, project, users):
    for u in users:
        while (s := assign.next_sentence(db, project, u)) is not None:
            labelling.save(db, project, s, u, LabelInput("neutral_fact" if u.username != "b" else "attributed_claim"), held_only=False)


def test_export_offsets_match_article_text(db, project, make_user):
    _label_some(db, project, [make_user("a"), make_user("b")])
    texts = {a.id: a.text for a in db.scalars(select(Article))}
    recs = list(iter_annotations(db, project))
    assert recs
    for r in recs:
        assert texts[r["article_id"]][r["start"]:r["end"]] == r["text"]
        assert set(r) >= {"project", "article_id", "article_external_id", "article_title", "sentence_id",
                          "position", "start", "end", "text", "label", "spans", "annotator",
                          "comment", "seconds", "created_at", "updated_at"}
    sents = list(iter_sentences(db, project))
    for r in sents:
        assert texts[r["article_id"]][r["start"]:r["end"]] == r["text"]
    body = [r for r in sents if r["kind"] == "body"]
    assert all(len(r["annotations"]) == 2 for r in body)
    assert all(r["majority"] is None and r["agreement"] is None for r in body)  # a vs b tie


def test_export_reads_with_pandas(db, project, make_user, tmp_path):
    import pandas as pd

    _label_some(db, project, [make_user("a")])
    path = tmp_path / "out.jsonl"
    with open(path, "wb") as fh:
        n = export.write_jsonl(iter_annotations(db, project), fh)
    df = pd.read_json(path, lines=True)
    assert len(df) == n and set(df["label"]) == {"neutral_fact"}


def test_cli_end_to_end(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    r = runner.invoke(args=["create-user", "ann", "--role", "annotator", "--password-stdin"],
                      input="longpassword\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["create-project", "proj", "--name", "Project", "--overlap", "1"])
    assert r.exit_code == 0, r.output
    f = tmp_path / "a.txt"
    f.write_text("Headline here\n\nThe mayor said the bridge would reopen. It closed in May.\n")
    r = runner.invoke(args=["import", "proj", str(f)])
    assert r.exit_code == 0 and "1 article(s)" in r.output, r.output
    r = runner.invoke(args=["import", "proj", str(f)])
    assert "already" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "t", "text": "x"}\n{oops\n')
    r = runner.invoke(args=["import", "proj", str(bad)])
    assert r.exit_code != 0 and "bad.jsonl, line 2" in r.output
    r = runner.invoke(args=["token", "ann"])
    assert r.exit_code == 0 and r.output.strip().splitlines()[-1].startswith("ann_")
    out = tmp_path / "x.jsonl"
    r = runner.invoke(args=["export", "proj", "-o", str(out), "--kind", "sentences"])
    assert r.exit_code == 0
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert {l["kind"] for l in lines} >= {"body"}
    r = runner.invoke(args=["export", "nope"])
    assert r.exit_code != 0 and "no project" in r.output


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "alice" in first.output and "4 new article(s)" in first.output
    second = runner.invoke(args=["demo"])
    assert "0 new article(s), 4 already there" in second.output
    # the same passwords are shown again, and they work
    pw = [l.split()[1] for l in second.output.splitlines() if l.strip().startswith("alice")][0]
    client = app.test_client()
    from helpers import login

    login(client, "alice", pw)


def test_cli_says_init_first_on_an_empty_database(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "ANNOTATOR_INSTANCE_PATH": str(tmp_path),
           "ANNOTATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = lambda *args: subprocess.run([sys.executable, "-c", "from annotator.cli import main; main()", *args],
                                       env=env, capture_output=True, text=True, timeout=60)
    r = run("export", "demo")
    assert r.returncode != 0 and "run `annotator init` first" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1  # one line, no traceback
    r = run("serve", "--port", "5999")
    assert r.returncode != 0 and "annotator init" in r.stderr
    assert run("init").returncode == 0
    r = run("export", "demo")
    assert r.returncode != 0 and "no project 'demo'" in r.stderr


def test_export_takes_stored_spans_and_times_as_they_are(db, project, make_user):
    """Spans and timestamps are read as text (no parse and re-format): the record still says
    exactly what was stored, on SQLite and PostgreSQL."""
    from datetime import datetime, timezone

    from annotator.models import Annotation

    ann = make_user("a")
    first = assign.next_sentence(db, project, ann)
    spans = [{"start": 0, "end": 12, "label": "source", "text": first.text[:12]}]
    labelling.save(db, project, first, ann, LabelInput("attributed_claim", spans=spans, comment="ok"), held_only=False)
    second = assign.next_sentence(db, project, ann)
    labelling.save(db, project, second, ann, LabelInput("neutral_fact"), held_only=False)
    stored = {a.sentence_id: a for a in db.scalars(select(Annotation))}
    recs = {r["sentence_id"]: r for r in export.records(db, project, "annotations")}
    assert recs[first.id]["spans"] == spans and recs[second.id]["spans"] == []
    for sid, a in stored.items():
        for field in ("created_at", "updated_at"):
            when = getattr(a, field)
            expected = (when if when.tzinfo else when.replace(tzinfo=timezone.utc))
            assert recs[sid][field] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert datetime.strptime(recs[sid][field], "%Y-%m-%dT%H:%M:%SZ")


def test_export_cursors_are_planned_for_every_row(db, project):
    """PostgreSQL plans a cursor for its first tenth of rows unless told otherwise; an export
    reads them all, so it says so for its own transaction (seen: 8.6 s -> 1.1 s for 100,000
    annotations of a project grown since the last ANALYZE)."""
    from sqlalchemy import text

    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    fraction = lambda: float(db.execute(text("SHOW cursor_tuple_fraction")).scalar())  # noqa: E731
    db.rollback()
    assert fraction() == 0.1
    for kind in LABEL_KINDS:
        list(export.records(db, project, kind))
        assert fraction() == 1.0, kind
        db.rollback()
        assert fraction() == 0.1, kind


def test_hugging_face_datasets_reads_the_export_with_its_card(app, db, project, make_user, tmp_path,
                                                              monkeypatch):
    """`datasets` types each column from the first chunk of a JSON file (10 MB by default,
    a few hundred bytes here): a column empty there, such as a sparse `comment` or `spans`,
    stops it at the first row with a value. The card's header gives it every field's type,
    for every export kind."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")  # local files only, never the Hub
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    from annotator.models import Sentence

    annotators = [make_user("a"), make_user("c")]
    _label_some(db, project, annotators)
    # The last sentence alone gets spans and a comment: both annotators call it contested
    # framing with the same framing term (the agreed span gives semeval its row), and the last
    # record adds a source span and the comment.
    last = list(iter_annotations(db, project))[-1]
    sentence = db.get(Sentence, last["sentence_id"])
    term = {"start": 4, "end": 9, "label": "framing_term"}
    for user in annotators:
        if user.username == last["annotator"]:
            label = LabelInput("contested_framing", comment="checked",
                               spans=[{"start": 0, "end": 3, "label": "source"}, term])
        else:
            label = LabelInput("contested_framing", spans=[term])
        labelling.save(db, project, sentence, user, label, held_only=False)
    runner = app.test_cli_runner()
    small = {"chunksize": 300, "cache_dir": str(tmp_path / "cache")}
    for kind in LABEL_KINDS:
        folder = tmp_path / kind
        out = folder / f"news-{kind}.jsonl"
        r = runner.invoke(args=["export", "news", "--kind", kind, "-o", str(out), "--card"])
        assert r.exit_code == 0, r.output
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert rows, kind
        ds = datasets.load_dataset(str(folder), split="train", **small)
        assert len(ds) == len(rows), kind
        assert set(ds.column_names) == set(export.FIELDS[kind]), kind
        for got, want in zip(ds, rows):
            for key in ("created_at", "updated_at"):
                if key in want:  # typed as `datasets` types them unaided: datetimes
                    got[key] = got[key].strftime("%Y-%m-%dT%H:%M:%SZ")
            assert _no_absent_keys(got) == _no_absent_keys(want), kind
    # Without the card, the same file is refused: what the card is for.
    from datasets.exceptions import DatasetGenerationError

    with pytest.raises(DatasetGenerationError):
        datasets.load_dataset("json", data_files=str(tmp_path / "annotations" / "news-annotations.jsonl"),
                              split="train", **small)


def _no_absent_keys(value):
    """A record as read by `datasets`, less the keys it fills with None in list items (a
    struct has all its fields: a span without a `voice` gets "voice": None)."""
    if isinstance(value, list):
        return [{k: _no_absent_keys(v) for k, v in x.items() if v is not None}
                if isinstance(x, dict) else x for x in value]
    if isinstance(value, dict):
        return {k: _no_absent_keys(v) for k, v in value.items()}
    return value
