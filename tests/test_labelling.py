"""Label writes: one per (sentence, annotator), idempotent, history kept, counts exact."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator import assign, labelling
from annotator.labelling import AnnotationError, LabelInput
from annotator.models import Annotation, AnnotationHistory, Sentence


def _first_body(db, project):
    return db.scalar(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")
                     .order_by(Sentence.position))


def test_resubmitting_is_idempotent(db, project, make_user):
    u = make_user("alice")
    s = _first_body(db, project)
    for _ in range(3):
        _, outcome = labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert outcome == "unchanged"
    assert db.scalar(select(func.count()).select_from(Annotation)) == 1
    assert db.scalar(select(func.count()).select_from(AnnotationHistory)) == 1
    db.refresh(s)
    assert s.n_labels == 1


def test_change_updates_and_appends_history(db, project, make_user):
    u = make_user("alice")
    s = _first_body(db, project)
    labelling.save(db, project, s, u, LabelInput("neutral_fact", seconds=2.0), held_only=False)
    ann, outcome = labelling.save(db, project, s, u, LabelInput("attributed_claim", comment="said", seconds=1.5), held_only=False)
    assert outcome == "updated" and ann.label == "attributed_claim" and ann.seconds == 3.5
    hist = db.execute(select(AnnotationHistory.action, AnnotationHistory.label)
                      .order_by(AnnotationHistory.id)).all()
    assert hist == [("create", "neutral_fact"), ("update", "attributed_claim")]


def test_delete_is_kept_in_history_and_recounted(db, project, make_user):
    u = make_user("alice")
    s = _first_body(db, project)
    labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert labelling.remove(db, project, s, u) is True
    assert labelling.remove(db, project, s, u) is False
    db.refresh(s)
    assert s.n_labels == 0 and s.full is False
    actions = db.scalars(select(AnnotationHistory.action).order_by(AnnotationHistory.id)).all()
    assert actions == ["create", "delete"]


def test_unique_constraint_holds_in_the_database(db, project, make_user):
    from sqlalchemy.exc import IntegrityError

    u = make_user("alice")
    s = _first_body(db, project)
    db.add(Annotation(sentence_id=s.id, user_id=u.id, project_id=project.id, label="neutral_fact"))
    db.commit()
    db.add(Annotation(sentence_id=s.id, user_id=u.id, project_id=project.id, label="neutral_fact"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


@pytest.mark.parametrize("data, code", [
    (LabelInput("bogus"), "invalid_label"),
    (LabelInput("neutral_fact", spans=[{"start": 0, "end": 999, "label": "source"}]), "invalid_spans"),
    (LabelInput("neutral_fact", spans=[{"start": 3, "end": 3, "label": "source"}]), "invalid_spans"),
    (LabelInput("neutral_fact", spans=[{"start": 0, "end": 2, "label": "nope"}]), "invalid_spans"),
    (LabelInput("neutral_fact", spans=[{"start": 0, "end": 2, "label": "cue"}] * 2), "invalid_spans"),
    (LabelInput("neutral_fact", seconds=-1), "invalid_seconds"),
    (LabelInput("neutral_fact", seconds=float("nan")), "invalid_seconds"),
    (LabelInput("neutral_fact", comment=5), "invalid_comment"),
])
def test_bad_input_stores_nothing(db, project, make_user, data, code):
    u = make_user("alice")
    s = _first_body(db, project)
    with pytest.raises(AnnotationError) as err:
        labelling.save(db, project, s, u, data, held_only=False)
    assert err.value.code == code
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0


def test_headings_cannot_be_labelled(db, project, make_user):
    u = make_user("alice")
    heading = db.scalar(select(Sentence).where(Sentence.kind != "body"))
    assert heading is not None
    with pytest.raises(AnnotationError) as err:
        labelling.save(db, project, heading, u, LabelInput("neutral_fact"), held_only=False)
    assert err.value.code == "not_queued"


def test_full_flag_follows_overlap(db, project, make_user):
    from annotator.projects import set_overlap

    a, b = make_user("alice"), make_user("bob")
    s = _first_body(db, project)
    labelling.save(db, project, s, a, LabelInput("neutral_fact"), held_only=False)
    db.refresh(s)
    assert not s.full
    labelling.save(db, project, s, b, LabelInput("neutral_fact"), held_only=False)
    db.refresh(s)
    assert s.full and s.n_labels == 2
    set_overlap(db, project, 3)
    db.commit()
    db.refresh(s)
    assert not s.full
    assert assign.next_sentence(db, project, make_user("carol")).id == s.id


def test_a_label_is_checked_against_the_scheme_as_stored_when_it_is_written(app, db, project, make_user):
    """The annotator's request read the project before an admin changed its scheme (no labels
    yet, so the change was allowed): the label of the old scheme is refused, not stored, and
    the project keeps a scheme that every stored label belongs to."""
    from annotator import loop, projects

    u = make_user("alice")
    s = _first_body(db, project)
    ref, sentence = loop.sentence_for(db, s.id, u)  # what the request read first
    db.commit()
    with app.extensions["annotator.sessionmaker"]() as admin:
        p = projects.by_slug(admin, "news")
        projects.set_labels(admin, p, [{"id": "biased", "name": "Biased", "key": "1"},
                                       {"id": "unbiased", "name": "Unbiased", "key": "2"}])
        admin.commit()
    with pytest.raises(AnnotationError) as err:
        labelling.save(db, ref, sentence, u, LabelInput("neutral_fact"), held_only=False)
    assert err.value.code == "invalid_label" and "biased" in str(err.value)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Annotation)) == 0
    ann, outcome = labelling.save(db, ref, sentence, u, LabelInput("biased"), held_only=False)
    assert outcome == "created" and ann.label == "biased"


def test_a_scheme_change_and_label_writes_never_interleave(app, db, make_user):
    """20 writers label while an admin changes the scheme, 50 times over: either the change
    is refused (labels came first) or the writers' labels are refused (the change came first),
    never a stored label outside the project's scheme."""
    import threading

    from annotator import ingest, loop, projects, users
    from annotator.articles import add_articles
    from annotator.db import begin_write
    from annotator.projects import ProjectError

    writers = [make_user(f"w{i}").id for i in range(20)]
    new_scheme = [{"id": "biased", "name": "Biased", "key": "1"},
                  {"id": "unbiased", "name": "Unbiased", "key": "2"}]
    sessions = app.extensions["annotator.sessionmaker"]
    outcomes = {"changed": 0, "refused": 0}
    for run in range(50):
        p = projects.create_project(db, f"race{run}", "Race", overlap=20)
        db.commit()
        add_articles(db, p, ingest.parse_file("a.txt", b"Bridge\n\nThe ministry said the bridge opened."), "a.txt")
        sid = _first_body(db, p).id
        db.commit()
        go = threading.Barrier(21)

        def write(uid):
            with sessions() as session:  # as a request does: its own user, sentence and project
                user = users.signed_in(session, uid)
                ref, sentence = loop.sentence_for(session, sid, user)
                session.commit()  # the read ends (its connection goes back to the pool)
                go.wait(timeout=60)
                try:
                    labelling.save(session, ref, sentence, user, LabelInput("neutral_fact"),
                                   held_only=False)
                except AnnotationError as err:
                    assert err.code == "invalid_label"

        def change():
            with sessions() as session:
                go.wait(timeout=60)
                begin_write(session)  # as every admin request that writes does
                mine = projects.by_slug(session, f"race{run}")
                try:
                    projects.set_labels(session, mine, new_scheme)
                    session.commit()
                    outcomes["changed"] += 1
                except ProjectError:
                    session.rollback()
                    outcomes["refused"] += 1

        threads = [threading.Thread(target=write, args=(u,)) for u in writers]
        threads.append(threading.Thread(target=change))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        db.expire_all()
        scheme = {l["id"] for l in db.get(type(p), p.id).labels}
        stored = set(db.scalars(select(Annotation.label).where(Annotation.project_id == p.id)))
        assert stored <= scheme, (run, stored, scheme)
        db.commit()  # end this read before the next run writes
    assert outcomes["changed"] + outcomes["refused"] == 50
