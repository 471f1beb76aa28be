"""Export -> import-annotations -> export gives the same records; errors name the line."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, update

from annotator import assign, export, writes
from annotator.annotation_import import import_annotations
from annotator.ingest import IngestError
from annotator.models import Annotation, AnnotationHistory, Sentence, User
from annotator.writes import LabelInput

STAMPS = ("created_at", "updated_at")


def _labelled(db, project, make_user):
    for name, label in (("a", "neutral_fact"), ("b", "attributed_claim")):
        u = make_user(name)
        while (s := assign.next_sentence(db, project, u)) is not None:
            spans = [{"start": 0, "end": 3, "label": "source"}] if label == "attributed_claim" else []
            writes.save(db, project, s, u, LabelInput(label, spans=spans, comment=f"by {name}", seconds=1.5))


def _dump(db, project):
    return [json.dumps(r, sort_keys=True) for r in export.iter_annotations(db, project)]


def test_round_trip_gives_the_same_records(db, project, make_user):
    _labelled(db, project, make_user)
    first = _dump(db, project)
    data = "\n".join(first).encode()
    # a fresh database holding the same articles: no labels, no annotators
    db.execute(delete(Annotation))
    db.execute(delete(AnnotationHistory))
    db.execute(delete(User))
    db.execute(update(Sentence).values(n_labels=0, full=False))
    db.commit()
    report = import_annotations(db, project, "x.jsonl", data)
    assert report.created == len(first) and sorted(report.new_users) == ["a", "b"]
    strip = lambda rows: [{k: v for k, v in json.loads(r).items() if k not in STAMPS} for r in rows]
    assert strip(_dump(db, project)) == strip(first)
    # imported annotators cannot sign in yet; counts are right
    assert db.scalar(select(User.password_hash).where(User.username == "a")) is None
    assert set(db.scalars(select(Sentence.n_labels).where(Sentence.kind == "body"))) == {2}
    # importing again changes nothing
    again = import_annotations(db, project, "x.jsonl", data)
    assert again.unchanged == len(first) and again.created == 0


def test_minimal_records_match_by_offsets(db, project):
    s = db.scalar(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.id))
    line = json.dumps({"article_id": s.article_id, "start": s.start, "end": s.end,
                       "annotator": "zed", "label": "neutral_fact"})
    report = import_annotations(db, project, "min.jsonl", line.encode())
    assert report.created == 1
    assert db.scalar(select(Annotation.label)) == "neutral_fact"


@pytest.mark.parametrize("bad, message", [
    ('{"sentence_id": 999999, "annotator": "x", "label": "neutral_fact"}', "no sentence"),
    ('{"sentence_id": SID, "label": "neutral_fact"}', "annotator is missing"),
    ('{"sentence_id": SID, "annotator": "x", "label": "nope"}', "label"),
    ('{"sentence_id": SID, "annotator": "x"', "not valid JSON"),
    ('[1, 2]', "JSON object"),
    ('{"sentence_id": SID, "annotator": "x", "label": "neutral_fact", "spans": [{"start": 0, "end": 9999, "label": "cue"}]}', "spans"),
])
def test_bad_line_imports_nothing(db, project, bad, message):
    s = db.scalar(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.id))
    good = json.dumps({"sentence_id": s.id, "annotator": "ok", "label": "neutral_fact"})
    data = (good + "\n" + bad.replace("SID", str(s.id)) + "\n").encode()
    with pytest.raises(IngestError) as err:
        import_annotations(db, project, "bad.jsonl", data)
    assert str(err.value).startswith("bad.jsonl, line 2:") and message in str(err.value)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_cli_import_annotations(app, db, project, make_user, tmp_path):
    _labelled(db, project, make_user)
    runner = app.test_cli_runner()
    out = tmp_path / "e.jsonl"
    assert runner.invoke(args=["export", "news", "-o", str(out)]).exit_code == 0
    r = runner.invoke(args=["import-annotations", "news", str(out)])
    assert r.exit_code == 0 and "unchanged" in r.output, r.output
