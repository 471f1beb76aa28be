"""A multi-label project's gold label is a set (issue 17, item 2): set through the one gold
write (page without JavaScript, API), kept in history, and the final labels (gold export,
training) aggregate each label's yes-or-no on its own."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlalchemy import select

from annotator import export, labelling, projects, users
from annotator.labelling import LabelInput
from annotator.models import Adjudication, AdjudicationHistory, Sentence
from annotator.review import adjudication
from annotator.review.adjudication import AdjudicationError
from annotator.review.aggregation import dawid_skene
from helpers import login

IDS = ["attributed_claim", "contested_framing", "neutral_fact"]  # the scheme's order


def _bodies(db, project):
    return db.scalars(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")
                      .order_by(Sentence.article_id, Sentence.position)).all()


def _multi(db, project, **extra):
    projects.set_settings(project, {**(project.settings or {}), "task": "multi", **extra})
    db.commit()
    return project


def test_a_gold_set_is_stored_in_scheme_order_idempotent_and_in_history(db, project, make_user):
    _multi(db, project)
    rev, s = make_user("rev", "reviewer"), _bodies(db, project)[0]
    adj, outcome = adjudication.set_gold(db, project, s, rev, None, "two apply",
                                         labels=["neutral_fact", "attributed_claim"])
    assert outcome == "created"
    assert (adj.label, adj.labels) == ("attributed_claim", ["attributed_claim", "neutral_fact"])
    _, outcome = adjudication.set_gold(db, project, s, rev, None, "two apply",
                                       labels=["attributed_claim", "neutral_fact"])
    assert outcome == "unchanged"
    # the same first label, another set: a change
    _, outcome = adjudication.set_gold(db, project, s, rev, None, "two apply", labels=["attributed_claim"])
    assert outcome == "updated"
    # `label` alone is a set of one, as an annotator's label is
    _, outcome = adjudication.set_gold(db, project, s, rev, "attributed_claim", "two apply")
    assert outcome == "unchanged"
    hist = db.execute(select(AdjudicationHistory.action, AdjudicationHistory.labels)
                      .order_by(AdjudicationHistory.id)).all()
    assert hist == [("create", ["attributed_claim", "neutral_fact"]), ("update", ["attributed_claim"])]
    assert adjudication.history(db, [s.id])[s.id][0]["labels"] == ["attributed_claim", "neutral_fact"]
    assert adjudication.gold_of(db, s)["labels"] == ["attributed_claim"]


@pytest.mark.parametrize("label, labels, code", [
    (None, [], "invalid_labels"),
    (None, ["attributed_claim", "attributed_claim"], "invalid_labels"),
    (None, ["attributed_claim", "nope"], "invalid_labels"),
    ("neutral_fact", ["attributed_claim"], "invalid_labels"),
    (None, None, "invalid_label"),
    (None, "attributed_claim", "invalid_labels"),
])
def test_a_bad_gold_set_is_refused_naming_the_field(db, project, make_user, label, labels, code):
    _multi(db, project)
    rev, s = make_user("rev", "reviewer"), _bodies(db, project)[0]
    with pytest.raises(AdjudicationError) as err:
        adjudication.set_gold(db, project, s, rev, label, None, labels=labels)
    assert err.value.code == code and str(err.value).split(":")[0] in ("labels", "label or labels")
    assert db.scalar(select(Adjudication)) is None


def test_a_single_label_project_takes_one_gold_label(db, project, make_user):
    rev, s = make_user("rev", "reviewer"), _bodies(db, project)[0]
    with pytest.raises(AdjudicationError) as err:
        adjudication.set_gold(db, project, s, rev, None, None, labels=["attributed_claim", "neutral_fact"])
    assert err.value.code == "invalid_labels"
    adj, _ = adjudication.set_gold(db, project, s, rev, "neutral_fact", None, labels=["neutral_fact"])
    assert (adj.label, adj.labels) == ("neutral_fact", None)  # stored as before sets existed
    assert adjudication.gold_of(db, s)["labels"] == ["neutral_fact"]


def test_the_api_puts_and_gets_a_gold_set(client, db, project, make_user):
    _multi(db, project)
    from test_api import conforms

    s = _bodies(db, project)[0]
    _, token = users.create_token(db, make_user("rev", "reviewer"), "test")
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/sentences/{s.id}/gold"
    r = client.put(url, json={"labels": ["neutral_fact", "contested_framing"], "note": "both"}, headers=h)
    assert r.status_code == 201, r.get_json()
    got = conforms(r, "/sentences/{id}/gold", "put")
    assert got["labels"] == ["contested_framing", "neutral_fact"] and got["label"] == "contested_framing"
    got = client.get(url, headers=h).get_json()
    assert got["labels"] == ["contested_framing", "neutral_fact"] and got["note"] == "both"
    bad = client.put(url, json={"labels": ["contested_framing", "x"]}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_labels"
    assert "labels" in bad.get_json()["error"]["message"]


def test_the_page_without_javascript_posts_the_checked_set(client, db, project, make_user):
    _multi(db, project)
    a, b, _ = make_user("a"), make_user("b"), make_user("rev", "reviewer")
    s = _bodies(db, project)[0]
    labelling.save(db, project, s, a, LabelInput(None, labels=["attributed_claim", "contested_framing"]),
                   held_only=False)
    labelling.save(db, project, s, b, LabelInput(None, labels=["attributed_claim"]), held_only=False)
    csrf = login(client, "rev")
    html = client.get(f"/projects/{project.slug}/disagreements").get_data(as_text=True)
    # a checkbox per label with its votes, and one save
    assert html.count('type="checkbox" name="labels"') == 3
    assert "2 of 2 annotators" in html and "1 of 2 annotators" in html
    r = client.post(f"/projects/{project.slug}/disagreements/{s.id}",
                    data={"labels": ["contested_framing", "attributed_claim"], "note": "quoted and loaded",
                          "csrf_token": csrf})
    assert r.status_code == 302
    adj = db.scalar(select(Adjudication))
    db.refresh(adj)
    assert adj.labels == ["attributed_claim", "contested_framing"] and adj.note == "quoted and loaded"
    page = client.get(f"/projects/{project.slug}/disagreements?resolved=1").get_data(as_text=True)
    assert "gold: Attributed claim, Contested framing" in page
    none = client.post(f"/projects/{project.slug}/disagreements/{s.id}", data={"note": "nothing checked", "csrf_token": csrf})
    assert none.status_code == 400
    db.refresh(adj)
    assert adj.labels == ["attributed_claim", "contested_framing"]


@pytest.fixture
def many(db, project):
    """The project with 40 more body sentences (an article of its own)."""
    from annotator import ingest
    from annotator.articles import add_articles

    text = "Forty sentences.\n\n" + "\n\n".join(
        f"Sentence {i} says that the council met on day {i}." for i in range(1, 41))
    add_articles(db, project, ingest.parse_file("forty.txt", text.encode()), "forty.txt")
    return project


def _seeded_sets(db, project, make_user, n_units=40, n_people=3, seed=0):
    """Random label sets by `n_people` annotators on `n_units` sentences; returns
    {sentence id: [set per annotator]}."""
    rng = np.random.default_rng(seed)
    people = [make_user(f"p{i}") for i in range(n_people)]
    given = {}
    for s in _bodies(db, project)[:n_units]:
        sets = []
        for user in people:
            chosen = [l for l in IDS if rng.random() < 0.45] or [IDS[rng.integers(3)]]
            labelling.save(db, project, s, user, LabelInput(None, labels=chosen), held_only=False)
            sets.append(chosen)
        given[s.id] = sets
    return given


def test_majority_final_sets_are_each_labels_majority(db, many, make_user):
    """Each label is in the final set where more than half of the annotators chose it (three
    annotators: no tie), computed here by counting; a sentence whose majority set is empty has
    no final label."""
    _multi(db, many)
    given = _seeded_sets(db, many, make_user)
    expected = {}
    for sid, sets in given.items():
        counts = Counter(l for chosen in sets for l in chosen)
        final = [l for l in IDS if counts[l] >= 2]
        if final:
            expected[sid] = (final, min(max(counts[l], 3 - counts[l]) / 3 for l in IDS))
    recs = {r["sentence_id"]: r for r in adjudication.final_labels(db, many)}
    assert len(expected) >= 10 and {sid: r["labels"] for sid, r in recs.items()} == {
        sid: e[0] for sid, e in expected.items()}
    for sid, r in recs.items():
        assert r["label"] == r["labels"][0] and r["source"] == "majority" and r["annotators"] == 3
        assert r["confidence"] == pytest.approx(expected[sid][1])
    # a gold set wins, and the gold export carries it
    rev = make_user("rev", "reviewer")
    sid = next(iter(given))
    adjudication.set_gold(db, many, db.get(Sentence, sid), rev, None, None,
                          labels=["neutral_fact", "contested_framing"])
    gold = {r["sentence_id"]: r for r in export.records(db, many, "gold")}
    assert gold[sid]["labels"] == ["contested_framing", "neutral_fact"] and gold[sid]["source"] == "gold"
    sentences = {r["sentence_id"]: r for r in export.records(db, many, "sentences")}
    assert sentences[sid]["gold_labels"] == ["contested_framing", "neutral_fact"]
    spans = {r["meta"]["sentence_id"]: r["meta"] for r in export.records(db, many, "spans")}
    assert spans[sid]["labels"] == ["contested_framing", "neutral_fact"]


def test_dawid_skene_final_sets_are_each_labels_two_class_model(db, many, make_user):
    """With "dawid_skene", each label's chose-it-or-not matrix is aggregated by its own
    two-class model: the final set is the labels whose posterior of "chosen" wins."""
    _multi(db, many, aggregation="dawid_skene")
    given = _seeded_sets(db, many, make_user, n_units=40, seed=3)
    sids = list(given)
    chosen = {}
    for i, label in enumerate(IDS):
        # columns: annotators p0..p2 (name order), 1 where the annotator chose the label
        M = np.array([[int(label in sets[a]) for a in range(3)] for sets in given.values()])
        ds = dawid_skene(M, 2)
        chosen[label] = ds.labels == 1
    expected = {sid: [l for l in IDS if chosen[l][u]] for u, sid in enumerate(sids)}
    expected = {sid: labels for sid, labels in expected.items() if labels}
    recs = {r["sentence_id"]: r["labels"] for r in adjudication.project_final_labels(db, many)}
    assert recs == expected and len(recs) >= 10


def test_single_label_final_labels_carry_a_set_of_one(db, project, make_user):
    a, b = make_user("a"), make_user("b")
    s = _bodies(db, project)[0]
    for user in (a, b):
        labelling.save(db, project, s, user, LabelInput("neutral_fact"), held_only=False)
    (rec,) = adjudication.final_labels(db, project)
    assert (rec["label"], rec["labels"]) == ("neutral_fact", ["neutral_fact"])


def test_a_label_held_only_inside_sets_cannot_be_removed_from_the_scheme(db, project, make_user):
    """`label` is a set's first only: a label that annotators' or reviewers' sets hold
    further on is in use all the same."""
    from annotator.projects import ProjectError

    _multi(db, project)
    a, rev = make_user("a"), make_user("rev", "reviewer")
    first, second = _bodies(db, project)[:2]
    labelling.save(db, project, first, a, LabelInput(None, labels=["attributed_claim", "neutral_fact"]),
                   held_only=False)
    adjudication.set_gold(db, project, second, rev, None, None, labels=["attributed_claim", "contested_framing"])
    for gone in ("neutral_fact", "contested_framing"):
        with pytest.raises(ProjectError) as err:
            projects.set_labels(db, project, [l for l in project.labels if l["id"] != gone])
        assert repr(gone) in str(err.value)
