"""Task shapes (issue 17 item 2): multi-label, confidence scale, unsure flag and rationale,
through the one label write, the API and the project settings."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import labelling, projects, users
from annotator.labelling import AnnotationError, LabelInput
from annotator.models import Annotation, AnnotationHistory, Sentence
from annotator.projects import ProjectError

SHAPED = {"task": "multi", "confidence": 5, "unsure": True,
          "rationale": {"contested_framing": "required", "attributed_claim": "optional"}}


def _body(db, project, n=0):
    return db.scalars(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")
                      .order_by(Sentence.position)).all()[n]


def _shaped(db, project, **extra):
    projects.set_settings(project, {**(project.settings or {}), **SHAPED, **extra})
    db.commit()
    return project


def test_defaults_leave_single_label_projects_as_they_were(db, project, make_user):
    u, s = make_user("alice"), _body(db, project)
    ann, _ = labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert (ann.labels, ann.confidence, ann.unsure, ann.rationale) == (None, None, False, None)
    for data, code in ((LabelInput("neutral_fact", labels=["neutral_fact", "attributed_claim"]), "invalid_labels"),
                       (LabelInput("neutral_fact", confidence=3), "invalid_confidence"),
                       (LabelInput("neutral_fact", unsure=True), "invalid_unsure"),
                       (LabelInput("neutral_fact", rationale="because"), "invalid_rationale")):
        with pytest.raises(AnnotationError) as err:
            labelling.save(db, project, s, u, data, held_only=False)
        assert err.value.code == code and str(err.value).startswith(code.split("_", 1)[1])


def test_multi_label_in_scheme_order_idempotent_and_in_history(db, project, make_user):
    _shaped(db, project)
    u, s = make_user("alice"), _body(db, project)
    data = LabelInput(None, labels=["neutral_fact", "contested_framing"], confidence=4, unsure=True,
                      rationale="  loaded word  ")
    ann, outcome = labelling.save(db, project, s, u, data, held_only=False)
    assert outcome == "created"
    row = db.scalar(select(Annotation))
    # scheme order: contested_framing comes before neutral_fact; `label` is the first
    assert row.labels == ["contested_framing", "neutral_fact"] and row.label == "contested_framing"
    assert (row.confidence, row.unsure, row.rationale) == (4, True, "loaded word")
    _, outcome = labelling.save(db, project, s, u, LabelInput(
        None, labels=["contested_framing", "neutral_fact"], confidence=4, unsure=True,
        rationale="loaded word"), held_only=False)
    assert outcome == "unchanged"
    _, outcome = labelling.save(db, project, s, u, LabelInput(
        None, labels=["contested_framing", "neutral_fact"], confidence=2, unsure=True,
        rationale="loaded word"), held_only=False)
    assert outcome == "updated"
    hist = db.execute(select(AnnotationHistory.action, AnnotationHistory.labels, AnnotationHistory.confidence,
                             AnnotationHistory.unsure, AnnotationHistory.rationale)
                      .order_by(AnnotationHistory.id)).all()
    assert [tuple(h) for h in hist] == [
        ("create", ["contested_framing", "neutral_fact"], 4, True, "loaded word"),
        ("update", ["contested_framing", "neutral_fact"], 2, True, "loaded word")]


@pytest.mark.parametrize("data,code", [
    (dict(labels=[]), "invalid_labels"),
    (dict(labels=["neutral_fact", "neutral_fact"]), "invalid_labels"),
    (dict(labels=["bogus"]), "invalid_labels"),
    (dict(labels="neutral_fact"), "invalid_labels"),
    (dict(labels=["neutral_fact"], confidence=None), "invalid_confidence"),
    (dict(labels=["neutral_fact"], confidence=6), "invalid_confidence"),
    (dict(labels=["neutral_fact"], confidence=True), "invalid_confidence"),
    (dict(labels=["neutral_fact"], confidence=3, unsure="yes"), "invalid_unsure"),
    (dict(labels=["contested_framing"], confidence=3), "invalid_rationale"),
    (dict(labels=["contested_framing"], confidence=3, rationale="   "), "invalid_rationale"),
    (dict(labels=["neutral_fact"], confidence=3, rationale="why"), "invalid_rationale"),
    (dict(labels=["neutral_fact"], confidence=3, rationale=5), "invalid_rationale"),
])
def test_bad_shapes_are_refused_naming_the_field(db, project, make_user, data, code):
    _shaped(db, project)
    u, s = make_user("alice"), _body(db, project)
    with pytest.raises(AnnotationError) as err:
        labelling.save(db, project, s, u, LabelInput(None, **data), held_only=False)
    assert err.value.code == code
    assert db.scalar(select(Annotation)) is None


def test_single_label_key_still_works_in_multi_project(db, project, make_user):
    _shaped(db, project, confidence=0)
    u, s = make_user("alice"), _body(db, project)
    ann, _ = labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert ann.labels == ["neutral_fact"] and ann.label == "neutral_fact"


def test_settings_are_validated(db, project, make_user):
    for bad, field in (({"task": "many"}, "settings.task"), ({"confidence": 2}, "settings.confidence"),
                       ({"confidence": 8}, "settings.confidence"), ({"confidence": True}, "settings.confidence"),
                       ({"rationale": {"bogus": "required"}}, "settings.rationale"),
                       ({"rationale": {"neutral_fact": "always"}}, "settings.rationale"),
                       ({"unsure": "yes"}, "settings.unsure")):
        with pytest.raises(ProjectError, match=field):
            projects.set_settings(project, {**(project.settings or {}), **bad})
    labels = [{**l, "key": "u"} if l["id"] == "neutral_fact" else l for l in project.labels]
    projects.set_labels(db, project, labels)
    with pytest.raises(ProjectError, match="settings.unsure"):
        projects.set_settings(project, {**(project.settings or {}), "unsure": True})


def test_task_cannot_change_once_labelled(db, project, make_user):
    _shaped(db, project)
    projects.set_settings(project, {**project.settings, "task": "single", "rationale": {}})
    db.commit()
    u, s = make_user("alice"), _body(db, project)
    labelling.save(db, project, s, u, LabelInput("neutral_fact", confidence=3), held_only=False)
    with pytest.raises(ProjectError, match="settings.task: cannot change from single to multi"):
        projects.set_settings(project, {**project.settings, "task": "multi"})


def test_the_scale_cannot_shrink_below_a_confidence_given(db, project, make_user):
    """A stored confidence of 4 would read '4 of 3' on a 3-point scale: refused; more points,
    or none (stop asking, keep what was given), are fine."""
    _shaped(db, project, task="single", rationale={})
    u, s = make_user("alice"), _body(db, project)
    labelling.save(db, project, s, u, LabelInput("neutral_fact", confidence=4), held_only=False)
    db.commit()
    with pytest.raises(ProjectError, match="settings.confidence: 3 points is fewer than a confidence already given"):
        projects.set_settings(project, {**project.settings, "confidence": 3})
    for points in (4, 7, 0):
        projects.set_settings(project, {**project.settings, "confidence": points})
        assert projects.settings(project)["confidence"] == points


def test_api_put_and_get_with_shapes(client, db, make_user, project):
    from test_api import conforms

    _shaped(db, project)
    _, token = users.create_token(db, make_user("alice"), "test")
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    url = f"/api/v1/sentences/{sid}/annotation"
    body = {"labels": ["neutral_fact", "attributed_claim"], "confidence": 5, "unsure": False,
            "rationale": "quoted"}
    r = client.put(url, json=body, headers=h)
    assert r.status_code == 201, r.get_json()
    got = conforms(r, "/sentences/{id}/annotation", "put")
    assert got["labels"] == ["attributed_claim", "neutral_fact"] and got["label"] == "attributed_claim"
    assert (got["confidence"], got["unsure"], got["rationale"]) == (5, False, "quoted")
    assert client.put(url, json=body, headers=h).get_json()["outcome"] == "unchanged"
    again = conforms(client.get(url, headers=h), "/sentences/{id}/annotation")
    assert again["labels"] == ["attributed_claim", "neutral_fact"] and again["confidence"] == 5
    bad = client.put(url, json={**body, "confidence": 9}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_confidence"
    assert "confidence" in bad.get_json()["error"]["message"]


def test_export_import_round_trip_keeps_the_shapes(db, project, make_user):
    import json

    from sqlalchemy import delete, update

    from annotator.export.annotation_import import import_annotations
    from annotator.export.annotations import iter_annotations
    from annotator.models import User

    _shaped(db, project)
    for n, (name, labels, conf, unsure, why) in enumerate((
            ("a", ["contested_framing", "neutral_fact"], 2, True, "a loaded word"),
            ("b", ["attributed_claim"], 5, False, None))):
        labelling.save(db, project, _body(db, project), make_user(name),
                       LabelInput(None, labels=labels, confidence=conf, unsure=unsure, rationale=why),
                       held_only=False)
    first = [json.dumps(r, sort_keys=True) for r in iter_annotations(db, project)]
    recs = [json.loads(r) for r in first]
    assert [(r["labels"], r["label"], r["confidence"], r["unsure"], r["rationale"]) for r in recs] == [
        (["contested_framing", "neutral_fact"], "contested_framing", 2, True, "a loaded word"),
        (["attributed_claim"], "attributed_claim", 5, False, None)]
    db.execute(delete(Annotation))
    db.execute(delete(AnnotationHistory))
    db.execute(delete(User))
    db.execute(update(Sentence).values(n_labels=0, full=False))
    db.commit()
    report = import_annotations(db, project, "a.jsonl", "\n".join(first).encode())
    assert report.created == 2
    strip = lambda rows: [{k: v for k, v in r.items() if not k.endswith("_at")} for r in rows]
    assert strip(iter_annotations(db, project)) == strip(recs)
    again = import_annotations(db, project, "a.jsonl", "\n".join(first).encode())
    assert again.unchanged == 2
    hist = db.scalars(select(AnnotationHistory.labels).order_by(AnnotationHistory.id)).all()
    assert hist == [["contested_framing", "neutral_fact"], ["attributed_claim"]]


def test_csv_export_json_encodes_the_labels(db, project, make_user):
    import csv
    import io
    import json

    from annotator.export.annotations import iter_annotations
    from annotator.export.csv_rows import write_csv
    from annotator.export.kinds import FIELDS

    _shaped(db, project)
    labelling.save(db, project, _body(db, project), make_user("a"),
                   LabelInput(None, labels=["neutral_fact", "attributed_claim"], confidence=3),
                   held_only=False)
    out = io.BytesIO()
    assert write_csv(iter_annotations(db, project), FIELDS["annotations"], out) == 1
    row = next(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert json.loads(row["labels"]) == ["attributed_claim", "neutral_fact"]
    assert (row["confidence"], row["unsure"], row["rationale"]) == ("3", "false", "")


def test_per_label_binary_alpha_matches_the_krippendorff_package(db, project, make_user):
    import krippendorff
    import numpy as np

    from annotator.review.shapes import per_label_alpha
    from annotator.review.stats import project_stats

    _shaped(db, project, rationale={})
    people = [make_user(n) for n in ("a", "b", "c")]
    chosen = {  # sentence index -> labels of a, b, c (None: not labelled)
        0: (["contested_framing"], ["contested_framing", "neutral_fact"], ["neutral_fact"]),
        1: (["attributed_claim"], ["attributed_claim"], None),
        2: (["neutral_fact"], ["contested_framing"], ["neutral_fact"]),
        3: (["attributed_claim", "neutral_fact"], ["neutral_fact"], ["attributed_claim"]),
    }
    levels = {"a": 5, "b": 3, "c": 5}
    for n, triple in chosen.items():
        s = _body(db, project, n)
        for u, labels in zip(people, triple):
            if labels is not None:
                labelling.save(db, project, s, u, LabelInput(None, labels=labels, confidence=levels[u.username]),
                               held_only=False)
    ids = [l["id"] for l in project.labels]
    whole = project_stats(db, project)
    stats = whole["shapes"]
    assert stats["statistic"].startswith("per-label binary alpha")
    for label in ids:
        data = np.array([[np.nan if t[i] is None else float(label in t[i]) for t in chosen.values()]
                         for i in range(3)])
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert stats["per_label_alpha"][label] == pytest.approx(expected)
    assert stats["alpha"] == pytest.approx(sum(stats["per_label_alpha"].values()) / 3)
    conf = stats["confidence"]
    assert conf["mean_by_annotator"] == {"a": {"mean": 5.0, "n": 4}, "b": {"mean": 3.0, "n": 4},
                                         "c": {"mean": 5.0, "n": 3}}
    assert conf["n_by_level"] == {"1": 0, "2": 0, "3": 4, "4": 0, "5": 7}
    assert conf["alpha_by_level"]["3"] is None  # one annotator at that level: nothing pairable
    # at level 5: annotators a and c only, per-label binary alpha as above
    five = per_label_alpha([(n, i, t[i]) for n, t in chosen.items() for i in (0, 2) if t[i]], ids)
    assert conf["alpha_by_level"]["5"] == pytest.approx(
        sum(a for a in five.values() if a is not None) / len([a for a in five.values() if a is not None]))
    # the headline is in the statistic that applies, never the first label of each set
    assert whole["krippendorff_alpha"] == pytest.approx(stats["alpha"])
    assert {l: v["alpha"] for l, v in whole["per_label"].items()} == stats["per_label_alpha"]
    given = [l for t in chosen.values() for labels in t if labels for l in labels]
    assert {l: v["count"] for l, v in whole["per_label"].items()} == {l: given.count(l) for l in ids}
    by_a = {a["annotator"]: a["label_distribution"] for a in whole["annotator_stats"]}
    assert by_a["b"] == {"attributed_claim": 1, "contested_framing": 2, "neutral_fact": 2}
    for key in ("percent_agreement", "fleiss_kappa", "gwet_ac1"):
        assert whole[key] is None and "multi-label" in whole["reasons"][key]
    # every pairable unit adds m (its annotators) to the coincidence matrix of sets, as singles do
    m = [sum(1 for x in t if x) for t in chosen.values()]
    assert sum(sum(row.values()) for row in whole["coincidence"].values()) == pytest.approx(sum(m))
    # sentence 1: a and b agree on attributed_claim: one pair each way
    assert whole["coincidence"]["attributed_claim"]["attributed_claim"] >= 2


LABEL_SETS = [["attributed_claim"], ["contested_framing"], ["neutral_fact"],
              ["attributed_claim", "contested_framing"], ["contested_framing", "neutral_fact"],
              ["attributed_claim", "contested_framing", "neutral_fact"]]


@pytest.mark.parametrize("seed", range(6))
def test_masi_alpha_matches_nltk(seed):
    """Alpha over whole label sets with the MASI distance, against NLTK's independent alpha
    (its AnnotationTask needs every coder on every item: complete data here) given the same
    distance; and our distance against NLTK's masi_distance, which rounds 2/3 and 1/3 to
    0.67 and 0.33."""
    import random

    from nltk.metrics.agreement import AnnotationTask
    from nltk.metrics.distance import masi_distance as nltk_masi

    from annotator.review.shapes import masi_alpha, masi_distance

    rng = random.Random(seed)
    truth = [rng.choice(LABEL_SETS) for _ in range(40)]
    records = [(i, coder, truth[i] if rng.random() < 0.7 else rng.choice(LABEL_SETS))
               for i in range(40) for coder in range(3)]
    task = AnnotationTask(data=[(c, i, frozenset(s)) for i, c, s in records], distance=masi_distance)
    assert masi_alpha(records) == pytest.approx(task.alpha(), abs=1e-9)
    for a in LABEL_SETS:
        for b in LABEL_SETS:
            assert masi_distance(frozenset(a), frozenset(b)) == pytest.approx(
                nltk_masi(set(a), set(b)), abs=0.0034)


def test_masi_alpha_in_the_stats_with_units_of_one_left_out(db, project, make_user):
    from annotator.review.shapes import masi_alpha, masi_distance
    from annotator.review.stats import project_stats

    _shaped(db, project, rationale={})
    a, b = make_user("a"), make_user("b")
    sets = [(["attributed_claim"], ["attributed_claim"]), (["contested_framing", "neutral_fact"],
            ["contested_framing"]), (["neutral_fact"], None)]
    for n, pair in enumerate(sets):
        for user, chosen in zip((a, b), pair):
            if chosen:
                labelling.save(db, project, _body(db, project, n), user,
                               LabelInput(None, labels=chosen, confidence=3), held_only=False)
    got = project_stats(db, project)["shapes"]["masi_alpha"]
    # two pairable units; by hand: D_o = (1/4) * 2 * 2 * d(CN, C), d(CN, C) = 1 - 1/2 * 2/3
    d = 1 - 0.5 * (2 / 3)
    pool = [frozenset(["attributed_claim"])] * 2 + [frozenset(["contested_framing", "neutral_fact"]),
                                                    frozenset(["contested_framing"])]
    expected_de = sum(masi_distance(x, y) for i, x in enumerate(pool) for j, y in enumerate(pool) if i != j) / (4 * 3)
    observed = 2 * d / 4  # the second unit's two ordered pairs, over 4 pairable sets
    assert got == pytest.approx(1 - observed / expected_de)
    assert masi_alpha([(1, 1, ["neutral_fact"])]) is None


def test_single_label_stats_have_no_shapes(db, project, make_user):
    from annotator.review.stats import project_stats

    u, s = make_user("a"), _body(db, project)
    labelling.save(db, project, s, u, LabelInput("neutral_fact"), held_only=False)
    assert "shapes" not in project_stats(db, project)


def test_the_page_form_posts_shapes_through_the_same_write(client, db, make_user, project):
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project)
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact", "contested_framing"],
        "confidence": "4", "unsure": "1", "rationale": "loaded", "shown_at": "0"})
    assert resp.status_code == 302
    db.rollback()
    row = db.scalar(select(Annotation).where(Annotation.sentence_id == sid))
    assert (row.labels, row.confidence, row.unsure, row.rationale) == (
        ["contested_framing", "neutral_fact"], 4, True, "loaded")



@pytest.mark.parametrize("form, said", [
    ({"labels": ["contested_framing"], "confidence": "4"},                 # required, missing
     "“Contested framing” needs a rationale in this project"),
    ({"labels": ["neutral_fact"]}, "Say how sure you are (1 to 5)"),       # none given
    ({"labels": ["neutral_fact"], "confidence": "\u00b2"}, "Say how sure"),  # isdigit, not int
    ({"labels": ["neutral_fact"], "confidence": "9"}, "Say how sure"),
    ({"labels": ["neutral_fact"], "confidence": "3", "unsure": "maybe"}, "unsure: true or false"),
    ({"labels": ["neutral_fact"], "confidence": "3", "rationale": "why"},
     "“Neutral fact” takes no rationale in this project"),
    ({"label": "neutral_fact", "labels": ["attributed_claim"], "confidence": "3"}, "Tick one or more labels"),
    ({"action": "save", "confidence": "3", "comment": "hm"}, "Tick one or more labels"),
    # a post the page cannot make: the API's words, naming the field
    ({"labels": ["neutral_fact", "neutral_fact"], "confidence": "3"}, "labels: a list of one or more different"),
])
def test_a_shape_mistake_without_javascript_shows_the_sentence_again_saying_why(
        client, db, make_user, project, form, said):
    """A form post the project's shape refuses shows the same sentence again (422) with a
    message in words, the fields as they were posted (ticked, chosen, written), and what was
    stored stays as it was; never a bare 400 or a 500."""
    import lxml.html
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project, rationale={"contested_framing": "required", "neutral_fact": "off"})
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    ok = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["attributed_claim"], "confidence": "2"})
    assert ok.status_code == 302
    resp = client.post("/projects/news/annotate", data={"csrf_token": token, "sentence_id": sid, **form})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Not saved: " + said in html
    doc = lxml.html.fromstring(html)
    assert doc.xpath("//p[@id='sentence']/@data-id") == [str(sid)]
    ticked = doc.xpath("//noscript//input[@name='labels'][@checked]/@value")
    assert ticked == list(dict.fromkeys(form.get("labels") or ([form["label"]] if "label" in form else [])))
    conf = form.get("confidence", "")
    assert doc.xpath("//input[@name='confidence'][@checked]/@value") == ([conf] if conf in "12345" and conf else [])
    assert doc.xpath("//textarea[@name='rationale']/text()") == ([form["rationale"]] if "rationale" in form else [])
    assert doc.xpath("//input[@name='comment']/@value") == [form.get("comment", "")]
    db.rollback()
    row = db.scalar(select(Annotation).where(Annotation.sentence_id == sid))
    assert (row.labels, row.confidence) == (["attributed_claim"], 2)


def test_enter_in_the_comment_without_javascript_saves_no_label(client, db, make_user, project):
    """The form's default button is not the first label: Enter in the comment field of a
    single-label project says to choose a label and keeps the comment."""
    import lxml.html
    from helpers import login
    from test_annotate_loop import _current

    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    doc = lxml.html.fromstring(client.get("/projects/news/annotate").data)
    first = doc.xpath("//form[@id='label-form']//button[@type='submit']")[0]
    assert (first.get("name"), first.get("value")) == ("action", "enter")
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "action": "enter", "comment": "a thought"})
    assert resp.status_code == 422 and "Not saved: Choose one of the labels." in resp.get_data(as_text=True)
    assert 'value="a thought"' in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Annotation).where(Annotation.sentence_id == sid)) is None


def test_the_revisit_note_without_javascript_names_every_shape(client, db, make_user, project):
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project, rationale={})
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact", "contested_framing"],
        "confidence": "3", "unsure": "1"})
    html = client.get(f"/projects/news/annotate?sentence={sid}").get_data(as_text=True)
    assert "You labelled this: <strong>Contested framing, Neutral fact (confidence 3 of 5, unsure)</strong>" in html
    assert "to remove it" not in html  # U marks unsure in this project


@pytest.mark.parametrize("value, stored", [("yes", True), ("on", True), ("no", False), ("", False)])
def test_the_unsure_box_takes_the_usual_form_values(client, db, make_user, project, value, stored):
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project, rationale={})
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact"], "confidence": "3",
        "unsure": value})
    assert resp.status_code == 302
    db.rollback()
    assert db.scalar(select(Annotation.unsure).where(Annotation.sentence_id == sid)) is stored


def test_the_page_without_javascript_has_a_field_for_every_shape(client, db, make_user, project):
    """The annotate page's form carries the project's task shape as plain fields (checkboxes
    for several labels, a radio per confidence point, the unsure box, the rationale), so a
    browser without JavaScript posts them; a revisit shows them as stored."""
    import lxml.html
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project)
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    doc = lxml.html.fromstring(client.get("/projects/news/annotate").data)
    noscript = "".join(lxml.html.tostring(n, encoding="unicode") for n in doc.xpath("//noscript"))
    assert noscript.count('name="labels"') == 3
    assert doc.xpath("//input[@name='confidence']/@value") == ["1", "2", "3", "4", "5"]
    assert doc.xpath("//input[@name='unsure']/@type") == ["checkbox"]
    assert doc.xpath("//textarea[@name='rationale']")
    assert doc.xpath("//button[@name='action'][@value='save']")
    resp = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "action": "save",
        "labels": ["attributed_claim"], "confidence": "2", "rationale": ""})
    assert resp.status_code == 302
    doc = lxml.html.fromstring(client.get(f"/projects/news/annotate?sentence={sid}").data)
    assert doc.xpath("//input[@name='confidence'][@checked]/@value") == ["2"]
    assert doc.xpath("//button[@aria-pressed='true']/@value") == ["attributed_claim"]
    assert not doc.xpath("//input[@name='unsure'][@checked]")


def test_the_dashboard_shows_the_task_shape_figures(client, db, project, make_user):
    from helpers import login

    from annotator.review.figures import fmt

    _shaped(db, project, rationale={})
    a, b = make_user("a"), make_user("b")
    for n, (x, y) in enumerate([(["attributed_claim"], ["attributed_claim"]),
                                (["contested_framing", "neutral_fact"], ["contested_framing"]),
                                (["neutral_fact"], ["attributed_claim"])]):
        for user, chosen, c in ((a, x, 4), (b, y, 2)):
            labelling.save(db, project, _body(db, project, n), user,
                           LabelInput(None, labels=chosen, confidence=c), held_only=False)
    make_user("rev", "reviewer")
    login(client, "rev")
    shapes = client.get("/projects/news/review?format=json").get_json()["stats"]["shapes"]
    html = client.get("/projects/news/review").get_data(as_text=True)
    section = html[html.index('id="shape-title"'):]
    section = section[:section.index("</section>")]
    assert "alpha for each label (given or not given" in section
    assert "masi_alpha" not in section  # the JSON's key, not a word for the reader
    assert f'<td class="num">{fmt(shapes["masi_alpha"])}</td>' in section
    for label, alpha in shapes["per_label_alpha"].items():
        assert f'<td class="num">{fmt(alpha)}</td>' in section
    assert shapes["confidence"]["n_by_level"]["4"] == 3
    assert '<th scope="row">4</th><td class="num">3</td>' in section


def _refused(client, token, sid, **extra):
    """A no-JavaScript post a confidence project refuses (no confidence given)."""
    return client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact"], "comment": "kept",
        **extra}, **({"headers": {"Accept": "application/json"}} if extra.pop("_json", False) else {}))


def test_a_refused_post_is_the_same_fresh_sentence_with_its_time_running_on(client, db, make_user, project):
    """A refused post on a sentence never labelled is shown as it was (no "Revisiting", no
    Forward), and its time counts from when it was first shown, not from the refusal."""
    import time

    import lxml.html
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project, rationale={})
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    first_shown = int(time.time() * 1000) - 40_000
    resp = _refused(client, token, sid, shown_at=str(first_shown))
    assert resp.status_code == 422
    doc = lxml.html.fromstring(resp.data)
    assert doc.xpath("//p[@id='revisit']")[0].get("hidden") is not None
    assert doc.xpath("//a[@id='forward']")[0].get("hidden") is not None
    assert doc.xpath("//div[@id='annotate']/@data-revisit") == [""]
    assert abs(int(doc.xpath("//input[@name='shown_at']/@value")[0]) - first_shown) < 2_000
    # saved from the page shown again: the seconds count from the first showing
    ok = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact"], "confidence": "3",
        "shown_at": doc.xpath("//input[@name='shown_at']/@value")[0]})
    assert ok.status_code == 302
    db.rollback()
    assert db.scalar(select(Annotation.seconds).where(Annotation.sentence_id == sid)) >= 39


def test_a_refused_post_on_a_lapsed_lease_keeps_the_draft(client, db, make_user, project):
    """The label write takes a sentence whose lease has lapsed (the row is there): so does the
    page that shows a refused post again, rather than refusing the sentence and losing what
    was written."""
    from datetime import timedelta

    from helpers import login
    from test_annotate_loop import _current
    from annotator.models import Lease, utcnow

    _shaped(db, project, rationale={})
    alice = make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    db.query(Lease).filter(Lease.user_id == alice.id).update(
        {Lease.expires_at: utcnow() - timedelta(hours=1)})
    db.commit()
    resp = _refused(client, token, sid)
    assert resp.status_code == 422 and 'value="kept"' in resp.get_data(as_text=True)
    ok = client.post("/projects/news/annotate", data={
        "csrf_token": token, "sentence_id": sid, "labels": ["neutral_fact"], "confidence": "3"})
    assert ok.status_code == 302
    db.rollback()
    assert db.scalar(select(Annotation.confidence).where(Annotation.sentence_id == sid)) == 3


def test_the_json_twin_of_a_refused_post_is_the_error_and_nothing_flashes(client, db, make_user, project):
    from helpers import login
    from test_annotate_loop import _current

    _shaped(db, project, rationale={})
    make_user("alice")
    token = login(client, "alice")
    sid, _ = _current(client)
    resp = _refused(client, token, sid, _json=True)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "invalid_confidence"
    assert "Say how sure you are" in resp.get_json()["error"]["message"]
    assert "Not saved" not in client.get("/projects/news/annotate").get_data(as_text=True)


def test_label_sets_that_differ_are_disagreements_in_the_queue(client, db, project, make_user):
    """Two annotators whose sets share the first label but differ are a disagreement to
    adjudicate; the queue, its page and its twin show each annotator's whole set."""
    from helpers import login

    _shaped(db, project, rationale={}, confidence=0, unsure=False)
    a, b = make_user("a"), make_user("b")
    same, differ = _body(db, project, 0), _body(db, project, 1)
    for user, labels in ((a, ["attributed_claim", "contested_framing"]), (b, ["attributed_claim", "neutral_fact"])):
        labelling.save(db, project, differ, user, LabelInput(None, labels=labels), held_only=False)
        labelling.save(db, project, same, user, LabelInput(None, labels=["neutral_fact"]), held_only=False)
    make_user("rev", "reviewer")
    login(client, "rev")
    twin = client.get("/projects/news/disagreements?format=json&reveal=1").get_json()
    assert [it["sentence_id"] for it in twin["items"]] == [differ.id]
    (item,) = twin["items"]
    assert item["reasons"] == ["disagreement"]
    assert sorted(map(tuple, (x["labels"] for x in item["annotations"]))) == [
        ("attributed_claim", "contested_framing"), ("attributed_claim", "neutral_fact")]
    html = client.get("/projects/news/disagreements").get_data(as_text=True)
    assert html.count(">Contested framing</span>") >= 1 and html.count(">Neutral fact</span>") >= 1


def test_the_sentences_export_gives_the_majority_set(db, project, make_user):
    """`majority_labels`: every label chosen by more than half of a sentence's annotators,
    in scheme order (a multi-label sentence's majority set; a single label's strict majority)."""
    from annotator import export

    _shaped(db, project, rationale={}, confidence=0, unsure=False)
    people = [make_user(n) for n in ("a", "b", "c")]
    s = _body(db, project, 0)
    for user, labels in zip(people, (["neutral_fact", "contested_framing"], ["contested_framing"],
                                     ["contested_framing", "attributed_claim"])):
        labelling.save(db, project, s, user, LabelInput(None, labels=labels), held_only=False)
    rec = next(r for r in export.records(db, project, "sentences") if r["sentence_id"] == s.id)
    assert rec["majority_labels"] == ["contested_framing"]
    labelling.save(db, project, s, people[1], LabelInput(None, labels=["contested_framing", "neutral_fact"]),
                   held_only=False)
    rec = next(r for r in export.records(db, project, "sentences") if r["sentence_id"] == s.id)
    assert rec["majority_labels"] == ["contested_framing", "neutral_fact"]
