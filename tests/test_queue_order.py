"""The project's queue order (issue 19 item 2): the claim path follows the ranks the worker
writes, and still respects overlap, leases and control items."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import assign, controls, jobs, labelling, projects
from annotator.labelling import LabelInput
from annotator.model import schedule, store
from annotator.model.queue import reorder
from annotator.models import Sentence
from annotator.worker import run_job, worker_name
from model_corpus import labelled_project


def _body(db, project):
    return list(db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                  Sentence.kind == "body")
                           .order_by(Sentence.article_id, Sentence.position)))


def test_reading_order_is_untouched_and_random_follows_the_ranks(db, project, make_user):
    a = make_user("a")
    first = assign.next_sentence(db, project, a)
    assert first.id == _body(db, project)[0].id  # reading order
    assert reorder(db, project) == {"order": "reading", "ranked": 0, "model_version": None}
    projects.set_settings(project, {"order": "random"})
    db.commit()
    out = reorder(db, project)
    assert out["ranked"] == len(_body(db, project))
    ranked = sorted(_body(db, project), key=lambda s: s.queue_pos)
    assert [s.queue_pos for s in ranked] == list(range(-len(ranked), 0))
    b = make_user("b")
    got = []
    for _ in range(len(ranked)):
        s = assign.next_sentence(db, project, b)
        labelling.save(db, project, s, b, LabelInput("neutral_fact"))
        got.append(s.id)
    assert got == [s.id for s in ranked]


def _second_round(db, make_user):
    """The corpus project, every sentence labelled once; then overlap 2, so every sentence is
    open again for a second annotator."""
    project, _ = labelled_project(db, make_user("first"))
    projects.set_overlap(db, project, 2)
    db.commit()
    return project


def test_uncertainty_order_needs_a_model_then_serves_the_least_certain(app, db, make_user):
    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "uncertainty"})
    db.commit()
    assert reorder(db, project)["ranked"] == 0  # no model yet: reading order stays
    store.train(db, project)
    out = reorder(db, project)
    assert out["ranked"] == len(_body(db, project)) and out["model_version"] == 1
    # the probabilities stored with the version (out of fold for the sentences it learnt from)
    from annotator.models import ModelPrediction
    margins = {sid: sorted(p.values())[-1] - sorted(p.values())[-2] for sid, p in
               db.execute(select(ModelPrediction.sentence_id, ModelPrediction.probabilities)).all()}
    assert set(margins) == {s.id for s in _body(db, project)}
    newcomer = make_user("newcomer")
    served = []
    for _ in range(3):
        s = assign.next_sentence(db, project, newcomer)
        labelling.save(db, project, s, newcomer, LabelInput("neutral_fact"))
        served.append(margins[s.id])
    assert served == pytest.approx(sorted(margins.values())[:3])


def test_control_items_and_overlap_still_hold_in_a_ranked_queue(app, db, make_user):
    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "random",
                                    "control_rate": 0.5})
    body = _body(db, project)
    controls.set_control(db, project, body[-1], "neutral_fact")
    db.commit()
    reorder(db, project)
    ann = make_user("ann")
    seen = []
    for _ in range(4):
        s = assign.next_sentence(db, project, ann)
        labelling.save(db, project, s, ann, LabelInput("neutral_fact"))
        seen.append(s.id)
    assert body[-1].id in seen  # the control item is interleaved at the rate
    assert len(set(seen)) == 4
    ranked = [s.id for s in sorted(_body(db, project), key=lambda s: s.queue_pos)
              if s.id != body[-1].id]
    assert [i for i in seen if i != body[-1].id] == ranked[:3]


def test_the_worker_reorders_when_asked(app, db, make_user):
    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "random"})
    db.commit()
    schedule.enqueue_reorder(db, project)
    me = worker_name()
    claimed = jobs.claim(db, me)
    assert claimed.kind == schedule.REORDER
    assert run_job(app.extensions["annotator.sessionmaker"], claimed, me) == "done"
    db.rollback()
    (done,) = jobs.recent(db, project.id)
    assert done["state"] == "done" and done["result"]["ranked"] == len(_body(db, project))
    assert min(s.queue_pos for s in _body(db, project)) == -len(_body(db, project))


def test_order_is_a_checked_setting():
    with pytest.raises(projects.ProjectError, match="settings.order: one of reading, random"):
        projects.validate_settings({"order": "alphabetical"}, [])


def _run_queued(app, db, kind):
    db.rollback()  # a new read: the job was queued by the app's own session
    me = worker_name()
    claimed = jobs.claim(db, me)
    assert claimed is not None and claimed.kind == kind
    assert run_job(app.extensions["annotator.sessionmaker"], claimed, me) == "done"
    db.rollback()


def test_an_order_changed_through_the_api_ranks_the_queue_and_reading_undoes_it(app, client, db, make_user):
    """The API edits a project through the same path as the admin page: a changed order queues
    the worker's reordering, and back to reading order every place is cleared."""
    from helpers import login

    project = _second_round(db, make_user)
    make_user("boss", "admin")
    token = login(client, "boss")

    def patch(settings):
        etag = client.get("/api/v1/projects/m").headers["ETag"]
        resp = client.patch("/api/v1/projects/m", json={"settings": settings},
                            headers={"X-CSRFToken": token, "If-Match": etag})
        assert resp.status_code == 200, resp.get_json()

    patch({**projects.settings(project), "order": "random"})
    _run_queued(app, db, schedule.REORDER)
    assert min(s.queue_pos for s in _body(db, project)) == -len(_body(db, project))
    patch({**projects.settings(project), "order": "reading"})
    _run_queued(app, db, schedule.REORDER)
    assert {s.queue_pos for s in _body(db, project)} == {0}


def test_model_train_on_the_command_line_ranks_the_queue_as_the_worker_does(app, db, make_user):
    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "uncertainty"})
    db.commit()
    out = app.test_cli_runner().invoke(args=["model", "train", "m"])
    assert out.exit_code == 0 and out.output.startswith("model v1 for m:"), out.output
    db.rollback()
    assert min(s.queue_pos for s in _body(db, project)) == -len(_body(db, project))


def test_a_reordering_reads_the_stored_predictions_and_predicts_only_what_is_new(db, make_user, monkeypatch):
    """The ranking takes the probabilities stored with the version (no second prediction of
    the whole queue) and the model's features of the diversity term's candidates only; a
    sentence imported after the training is predicted then and ranked with the rest."""
    from annotator import ingest
    from annotator.articles import add_articles
    from annotator.model import ordering

    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "uncertainty_diversity"})
    db.commit()
    store.train(db, project)
    add_articles(db, project, ingest.parse_file("late.txt", b"Late\n\nThe regime's thugs stormed the square."),
                 "late.txt")
    seen = []
    real = ordering.model_features
    monkeypatch.setattr("annotator.model.queue.model_features",
                        lambda pipeline, texts: seen.append(len(texts)) or real(pipeline, texts))
    out = reorder(db, project)
    body = _body(db, project)
    assert out["ranked"] == len(body) and out["model_version"] == 1
    assert seen == [min(len(body), ordering.CANDIDATES * ordering.HEAD)]
    assert sorted(s.queue_pos for s in body) == list(range(-len(body), 0))


def test_rows_stored_before_margins_are_predicted_again(db, make_user):
    """Predictions stored before migration 0027 have no margin: the reordering predicts those
    sentences with the version's model, as it did before, and ranks them all."""
    from sqlalchemy import update

    from annotator.models import ModelPrediction

    project = _second_round(db, make_user)
    projects.set_settings(project, {**(project.settings or {}), "order": "uncertainty"})
    db.commit()
    store.train(db, project)
    reorder(db, project)
    ranked = [s.id for s in sorted(_body(db, project), key=lambda s: s.queue_pos)]
    db.execute(update(ModelPrediction).values(margin=None))
    db.commit()
    assert reorder(db, project)["ranked"] == len(ranked)
    _, pipeline = store.latest(db, project)
    body = {s.id: s for s in _body(db, project)}
    proba = pipeline.predict_proba([body[i].text for i in ranked])
    gaps = {sid: sorted(p)[-1] - sorted(p)[-2] for sid, p in zip(ranked, proba)}
    again = [s.id for s in sorted(body.values(), key=lambda s: s.queue_pos)]
    assert [gaps[i] for i in again] == sorted(gaps.values())
