"""Export -> import-annotations -> export gives the same records; errors name the line."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, update

from annotator import assign, export, labelling
from annotator.export.annotation_import import import_annotations
from annotator.export.annotations import iter_annotations
from annotator.ingest import IngestError
from annotator.models import Annotation, AnnotationHistory, Sentence, User
from annotator.labelling import LabelInput

STAMPS = ("created_at", "updated_at")


def _labelled(db, project, make_user):
    for name, label in (("a", "neutral_fact"), ("b", "attributed_claim")):
        u = make_user(name)
        while (s := assign.next_sentence(db, project, u)) is not None:
            spans = [{"start": 0, "end": 3, "label": "source"}] if label == "attributed_claim" else []
            labelling.save(db, project, s, u, LabelInput(label, spans=spans, comment=f"by {name}", seconds=1.5), held_only=False)


def _dump(db, project):
    return [json.dumps(r, sort_keys=True) for r in iter_annotations(db, project)]


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


def _two_sentences(db):
    return db.scalars(select(Sentence).where(Sentence.kind == "body").order_by(Sentence.id)).all()[:2]


def _line(**rec):
    return (json.dumps({"annotator": "zed", "label": "neutral_fact", **rec}) + "\n").encode()


def test_id_and_offsets_must_name_the_same_sentence(db, project):
    one, two = _two_sentences(db)
    data = _line(sentence_id=two.id, article_id=one.article_id, start=one.start, end=one.end)
    with pytest.raises(IngestError, match="name different sentences"):
        import_annotations(db, project, "x.jsonl", data)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0


def test_text_decides_between_an_id_from_elsewhere_and_the_offsets(db, project):
    """A record exported by another installation: its id names another sentence here, its
    offsets and text this one. The text picks the offsets; a text matching neither fails."""
    one, two = _two_sentences(db)
    moved = _line(sentence_id=two.id, article_id=one.article_id, start=one.start, end=one.end,
                  text=one.text)
    assert import_annotations(db, project, "x.jsonl", moved).created == 1
    assert db.scalar(select(Annotation.sentence_id)) == one.id
    wrong = _line(sentence_id=two.id, article_id=one.article_id, start=one.start, end=one.end,
                  text="Something else entirely.", annotator="yan")
    with pytest.raises(IngestError, match="text differs"):
        import_annotations(db, project, "x.jsonl", wrong)
    by_offsets_only = _line(article_id=one.article_id, start=one.start, end=one.end,
                            text="Something else entirely.", annotator="yan")
    with pytest.raises(IngestError, match=r"\(article_id, start, end\) names sentence .* text differs"):
        import_annotations(db, project, "x.jsonl", by_offsets_only)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 1


def test_ids_written_as_text_or_float_are_read(db, project):
    one, two = _two_sentences(db)
    data = _line(sentence_id=str(one.id)) + _line(sentence_id=float(two.id))
    assert import_annotations(db, project, "x.jsonl", data).created == 2


@pytest.mark.parametrize("record, message", [
    ('{"sentence_id": 1%s, "annotator": "x", "label": "neutral_fact"}' % ("9" * 5000), "not valid JSON"),
    ('{"sentence_id": SID, "annotator": "x", "label": 3}', "label must be a string"),
    ('{"sentence_id": SID, "annotator": "x y", "label": "neutral_fact"}', "annotator 1-64 letters"),
    ('{"sentence_id": SID, "annotator": "x", "label": "neutral_fact", '
     '"created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}', "earlier than created_at"),
])
def test_more_bad_lines_are_named(db, project, record, message):
    one, _ = _two_sentences(db)
    with pytest.raises(IngestError) as err:
        import_annotations(db, project, "bad.jsonl", record.replace("SID", str(one.id)).encode())
    assert str(err.value).startswith("bad.jsonl, line 1:") and message in str(err.value)


def test_an_older_record_never_undoes_a_newer_label(db, project):
    one, _ = _two_sentences(db)
    first = _line(sentence_id=one.id, seconds=5, updated_at="2026-11-25T10:00:00Z")
    assert import_annotations(db, project, "x.jsonl", first).created == 1
    ann = db.scalar(select(Annotation))
    assert ann.created_at == ann.updated_at  # not "updated before it was created"
    stale = _line(sentence_id=one.id, label="attributed_claim", seconds=9,
                  updated_at="2020-01-01T00:00:00Z")
    report = import_annotations(db, project, "x.jsonl", stale)
    assert (report.older, report.updated) == (1, 0)
    db.expire_all()
    assert db.scalar(select(Annotation.label)) == "neutral_fact"
    newer = _line(sentence_id=one.id, label="attributed_claim", seconds=9,
                  updated_at="2026-11-26T10:00:00Z")
    assert import_annotations(db, project, "x.jsonl", newer).updated == 1
    db.expire_all()
    ann = db.scalar(select(Annotation))
    assert (ann.label, ann.seconds) == ("attributed_claim", 9)
    assert ann.updated_at.isoformat().startswith("2026-11-26T10:00:00")
    assert ann.created_at.isoformat().startswith("2026-11-25T10:00:00")


def test_junk_offsets_beside_an_id_are_ignored_but_not_without_one(db, project):
    one, _ = _two_sentences(db)
    assert import_annotations(db, project, "x.jsonl", _line(sentence_id=one.id, start="n/a")).created == 1
    with pytest.raises(IngestError, match="start must be an integer"):
        import_annotations(db, project, "x.jsonl", _line(article_id=one.article_id, start="n/a", end=3,
                                                         annotator="yan"))


def test_a_record_of_the_same_second_is_not_older(db, project):
    """Exports keep whole seconds, the database keeps microseconds: a label changed elsewhere
    later in the same second as the stored one is newer, not older."""
    from datetime import datetime

    one, _ = _two_sentences(db)
    import_annotations(db, project, "x.jsonl", _line(sentence_id=one.id))
    db.execute(update(Annotation).values(updated_at=datetime(2026, 11, 25, 10, 0, 0, 700000)))
    db.commit()
    report = import_annotations(db, project, "x.jsonl", _line(
        sentence_id=one.id, label="attributed_claim", updated_at="2026-11-25T10:00:00Z"))
    assert (report.updated, report.older) == (1, 0)


def test_an_export_of_another_installation_is_matched_by_text(db, project, make_user):
    """Another installation (or another tool that follows the export format) labelled the
    same articles: its ids are its own, some naming other sentences here, some nothing. Its
    records find their sentences by the text in the article of the same title."""
    _labelled(db, project, make_user)
    first = _dump(db, project)
    theirs = []
    for line in first:
        rec = json.loads(line)
        rec["sentence_id"] += 1  # the next sentence here, or none
        rec["article_id"] += 1000
        theirs.append(json.dumps(rec))
    db.execute(delete(Annotation))
    db.execute(delete(AnnotationHistory))
    db.execute(update(Sentence).values(n_labels=0, full=False))
    db.commit()
    report = import_annotations(db, project, "theirs.jsonl", "\n".join(theirs).encode())
    assert report.created == len(first)
    strip = lambda rows: [{k: v for k, v in json.loads(r).items() if k not in STAMPS} for r in rows]
    assert strip(_dump(db, project)) == strip(first)
