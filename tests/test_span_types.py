"""Span types per project (issue 17 item 2): a project names its own kinds of evidence span,
their keys and colours, which labels may or must carry them; the attribution triple plus the
framing term stays the default. One rule (labels.validate_spans, check_span_labels) for the
page, the API and the CLI."""
from __future__ import annotations

import re

import pytest

from annotator import assign, labelling, projects, users
from annotator.labelling import AnnotationError, LabelInput
from annotator.labels import DEFAULT_SPAN_TYPES, SchemeError, validate_span_types
from annotator.review.span_agreement import span_agreement
from helpers import login

QUOTE = {"id": "quote", "name": "Quote", "key": "q", "colour": 5, "labels": ["attributed_claim"],
         "required": ["attributed_claim"]}
LOADED = {"id": "loaded_word", "name": "Loaded word", "key": "l", "colour": 7, "voice": True}


@pytest.fixture
def custom(db, project):
    projects.set_settings(project, {**project.settings, "span_types": [QUOTE, LOADED]})
    db.commit()
    return project


def _labels(project):
    return project.labels


@pytest.mark.parametrize("types, field", [
    ([], "span_types: a list of 1 to"),
    ([{"id": "Quote", "key": "q"}], "span_types[1].id"),
    ([{"id": "quote", "key": "s"}], "span_types[1] (quote).key"),
    ([{"id": "quote", "key": "qq"}], "span_types[1] (quote).key"),
    ([{"id": "quote", "key": "q"}, {"id": "quote", "key": "w"}], "id 'quote' is used twice"),
    ([{"id": "quote", "key": "q"}, {"id": "other", "key": "q"}], "key 'q' is used twice"),
    ([{"id": "quote", "key": "q", "labels": ["no_such_label"]}], "span_types[1] (quote).labels"),
    ([{"id": "quote", "key": "q", "labels": ["neutral_fact"], "required": ["attributed_claim"]}],
     "span_types[1] (quote).required"),
    ([{"id": "quote", "key": "q", "colour": 12}], "colour is a palette number"),
])
def test_bad_span_types_name_the_type_and_field(project, types, field):
    with pytest.raises(SchemeError, match=field.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        validate_span_types(types, project.labels)


def test_span_types_are_normalised_and_default_to_the_four(project):
    assert [t["id"] for t in projects.settings(project)["span_types"]] == [
        "source", "cue", "content", "framing_term"]
    out = validate_span_types([{"name": "Loaded word", "key": "L", "voice": 1}], project.labels)
    assert out == [{"id": "loaded_word", "name": "Loaded word", "key": "l", "colour": 1, "voice": True}]
    assert validate_span_types(DEFAULT_SPAN_TYPES, project.labels) == DEFAULT_SPAN_TYPES


def _save(db, project, user, label, spans):
    s = assign.next_sentence(db, project, user)
    return labelling.save(db, project, s, user, LabelInput(label, spans=spans))


def test_the_label_write_checks_spans_against_the_projects_types(db, custom, make_user):
    ann = make_user("ann")
    s = assign.next_sentence(db, custom, ann)
    n = len(s.text)

    def refused(label, spans):
        with pytest.raises(AnnotationError) as err:
            labelling.save(db, custom, s, ann, LabelInput(label, spans=spans))
        assert err.value.code == "invalid_spans"
        db.rollback()
        return str(err.value)

    # a default type is not one of this project's
    assert "spans[0].label: one of quote, loaded_word (got 'source')" in refused(
        "attributed_claim", [{"start": 0, "end": 3, "label": "source"}])
    # a quote goes only with an attributed claim, and an attributed claim needs one
    assert "a quote span goes only with attributed_claim, not neutral_fact" in refused(
        "neutral_fact", [{"start": 0, "end": 3, "label": "quote"}])
    assert "attributed_claim needs a quote span" in refused("attributed_claim", [])
    # the voiced type takes a voice, the other none
    assert "quote spans have no voice" in refused(
        "attributed_claim", [{"start": 0, "end": 3, "label": "quote", "voice": "author"}])
    ann_row, outcome = labelling.save(db, custom, s, ann, LabelInput("attributed_claim", spans=[
        {"start": 0, "end": n, "label": "quote"}, {"start": 0, "end": 3, "label": "loaded_word"}]))
    assert outcome == "created"
    assert ann_row.spans == [{"start": 0, "end": 3, "label": "loaded_word", "text": s.text[:3],
                              "voice": "author"},
                             {"start": 0, "end": n, "label": "quote", "text": s.text}]


def test_the_api_refuses_an_unknown_span_type_naming_the_field(db, client, custom, make_user):
    ann = make_user("ann")
    _, token = users.create_token(db, ann, "t")
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
    resp = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h, json={
        "label": "attributed_claim", "spans": [{"start": 0, "end": 2, "label": "cue"}]})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_spans"
    assert "spans[0].label" in resp.get_json()["error"]["message"]
    ok = client.put(f"/api/v1/sentences/{sid}/annotation", headers=h, json={
        "label": "attributed_claim", "spans": [{"start": 0, "end": 2, "label": "quote"}]})
    assert ok.status_code in (200, 201)


def test_a_type_that_stored_spans_use_keeps_its_id(db, custom, make_user):
    ann = make_user("ann")
    _save(db, custom, ann, "neutral_fact", [{"start": 0, "end": 3, "label": "loaded_word"}])
    db.commit()
    renamed = {**LOADED, "name": "Charged word", "key": "k", "colour": 2}
    projects.set_settings(custom, {**custom.settings, "span_types": [QUOTE, renamed]})
    db.commit()
    assert projects.settings(custom)["span_types"][1]["name"] == "Charged word"
    with pytest.raises(projects.ProjectError, match="'loaded_word' cannot be removed"):
        projects.set_settings(custom, {**custom.settings, "span_types": [QUOTE]})
    # removing a type nobody used is fine
    projects.set_settings(custom, {**custom.settings, "span_types": [renamed]})


def test_span_agreement_and_the_page_use_the_projects_types(db, client, custom, make_user):
    a, b = make_user("a"), make_user("b")
    s = assign.next_sentence(db, custom, a)
    for user in (a, b):
        assign.next_sentence(db, custom, user)
        labelling.save(db, custom, s, user, LabelInput("neutral_fact", spans=[
            {"start": 0, "end": 4, "label": "loaded_word"}]))
    db.commit()
    agreement = span_agreement(db, custom, resamples=0)
    assert set(agreement) == {"quote", "loaded_word"}
    assert agreement["loaded_word"]["f1"] == 1.0 and agreement["quote"]["sentences"] == 0
    login(client, "a")
    page = client.get(f"/projects/news/annotate?sentence={s.id}").get_data(as_text=True)
    assert 'data-span="quote" data-key="q"' in page and 'data-span="loaded_word" data-key="l"' in page
    assert "sp-c7" in page and 'data-span="source"' not in page
    assert "Loaded word" in page


def test_the_scheme_form_edits_span_types(client, db, make_user, project):
    """The project form shows the span types as rows (the default four, a blank row), and a
    row filled in, renamed or removed there is what the project then has."""
    from helpers import form_values
    make_user("root", "admin")
    login(client, "root")
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    assert [values[f"span_types-{i}-type_id"] for i in range(5)] == [
        "source", "cue", "content", "framing_term", ""]
    assert "span_types-3-voice" in values and "span_types-0-voice" not in values
    values.update({"span_types-4-type_id": "quote", "span_types-4-name": "Quote",
                   "span_types-4-key": "r", "span_types-4-colour": "6",
                   "span_types-4-labels": "attributed_claim",
                   "span_types-4-required": "attributed_claim",
                   "span_types-1-name": "Reporting verb", "span_types-2-remove": "y"})
    resp = client.post("/admin/projects/news/edit", data=values)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    types = projects.settings(db.get(type(project), project.id))["span_types"]
    assert [t["id"] for t in types] == ["source", "cue", "framing_term", "quote"]
    assert types[1]["name"] == "Reporting verb"
    assert types[3] == {"id": "quote", "name": "Quote", "key": "r", "colour": 6, "voice": False,
                        "labels": ["attributed_claim"], "required": ["attributed_claim"]}
    # a bad key is refused with the type and the field named, nothing stored
    values = form_values(client, "/admin/projects/news/edit", "project-form")
    values["span_types-0-key"] = "s"
    page = client.post("/admin/projects/news/edit", data=values).get_data(as_text=True)
    assert "span_types[1] (source).key" in page


@pytest.mark.parametrize("spans, types, says", [
    # required spans, but the only span type goes with other labels
    ({"neutral_fact": "required"},
     [{"id": "loaded", "key": "l", "labels": ["contested_framing"]}], "settings.spans.neutral_fact: required"),
    # spans off, but a span type must go with the label
    ({"contested_framing": "off"},
     [{"id": "loaded", "key": "l", "labels": ["contested_framing"], "required": ["contested_framing"]}],
     "settings.spans.contested_framing: off, but span type loaded"),
])
def test_settings_that_leave_a_label_impossible_to_give_are_refused(spans, types, says):
    from annotator import projects
    from annotator.labels import DEFAULT_LABELS

    with pytest.raises(projects.ProjectError, match=re.escape(says)):
        projects.validate_settings({"spans": spans, "span_types": types}, DEFAULT_LABELS)
    # either rule alone is fine
    projects.validate_settings({"span_types": types}, DEFAULT_LABELS)
    projects.validate_settings({"spans": spans}, DEFAULT_LABELS)
