"""Guideline versions (issue 20 item 4): text and scheme changes make versions, the dashboard
gives alpha per version, and annotators are told what changed since they last labelled."""
from __future__ import annotations

from datetime import timedelta

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from annotator import assign, labelling, projects
from annotator.labelling import LabelInput
from annotator.models import Annotation, GuidelinesVersion, Sentence
from annotator.review import agreement
from annotator.review.stats import alpha_by_version
from helpers import login


def _versions(db, project):
    return db.scalars(select(GuidelinesVersion).where(GuidelinesVersion.project_id == project.id)
                      .order_by(GuidelinesVersion.version)).all()


def test_text_and_label_meaning_make_versions_keys_and_colours_do_not(db, project):
    assert [v.version for v in _versions(db, project)] == [1]
    assert projects.set_guidelines(db, project, "Label the voice.") == 2
    assert projects.set_guidelines(db, project, "Label the voice.") == 2
    recoloured = [{**l, "colour": 9 - i, "key": str(3 - i)} for i, l in enumerate(project.labels)]
    projects.set_labels(db, project, recoloured[::-1])
    assert len(_versions(db, project)) == 2
    renamed = [{**l, "description": l["description"] + " (see §2)"} if l["id"] == "neutral_fact" else l
               for l in project.labels]
    projects.set_labels(db, project, renamed)
    db.commit()
    v = _versions(db, project)
    assert [x.version for x in v] == [1, 2, 3]
    assert v[2].text == "Label the voice." and v[1].text == "Label the voice."
    changes = projects.guidelines_changes(db, project, 1)
    assert "+Label the voice." in changes["text_diff"]
    assert [c["after"]["id"] for c in changes["labels"]["changed"]] == ["neutral_fact"]
    assert changes["labels"]["added"] == changes["labels"]["removed"] == []
    with pytest.raises(projects.ProjectError, match="since"):
        projects.guidelines_changes(db, project, 9)


def test_a_browser_save_of_the_same_text_with_crlf_makes_no_version(db, project):
    """A form posts CRLF line ends: the text is the same, so nothing is written and no version
    is made (the dashboard splits agreement by version, exports name it)."""
    from annotator import events

    projects.set_guidelines(db, project, "Label the voice.\n\nQuotes count.")
    projects.set_guidelines_translations(db, project, {"de": "Die Stimme.\nZitate."})
    db.commit()
    before = [v.version for v in _versions(db, project)]
    version = events.version_of(db, events.PROJECT_KINDS, project.id)
    written = projects.save_edit(db, project, {"guidelines": "Label the voice.\r\n\r\nQuotes count.",
                                               "guidelines_translations": {"de": "Die Stimme.\r\nZitate."}},
                                 version)
    db.commit()
    assert written == [] and [v.version for v in _versions(db, project)] == before


def _label_all(db, project, people, labels):
    for u, lab in zip(people, labels):
        while (s := assign.next_sentence(db, project, u)) is not None:
            labelling.save(db, project, s, u, LabelInput(lab), held_only=False)


def test_alpha_per_version_compares_labels_given_under_each(db, project, make_user):
    a, b = make_user("a"), make_user("b")
    _label_all(db, project, [a, b], ["neutral_fact", "neutral_fact"])
    # Version 1 and these labels an hour ago; version 2 now.
    for v in db.scalars(select(GuidelinesVersion)):
        v.created_at -= timedelta(hours=1)
    for ann in db.scalars(select(Annotation)):
        ann.updated_at -= timedelta(minutes=30)
    db.commit()
    projects.set_guidelines(db, project, "New rules.")
    db.commit()
    sids = sorted(db.scalars(select(Annotation.sentence_id).where(Annotation.user_id == a.id)))
    n, cycle = len(sids), ["attributed_claim", "contested_framing"]  # never the old label

    def relabel(user, shift):
        for i, sid in enumerate(sids):
            labelling.save(db, project, db.get(Sentence, sid), user, LabelInput(cycle[(i + shift) % 2]))

    relabel(a, 0)
    out = alpha_by_version(db, project)
    assert [(v["version"], v["annotations"], v["units"]) for v in out] == [(1, n, 0), (2, n, 0)]
    relabel(b, 1)
    out = alpha_by_version(db, project)
    assert [(v["version"], v["annotations"], v["units"]) for v in out] == [(1, 0, 0), (2, 2 * n, n)]
    M = np.array([[cycle.index(db.scalar(select(Annotation.label).where(
        Annotation.sentence_id == sid, Annotation.user_id == u.id))) for u in (a, b)] for sid in sids])
    assert out[1]["alpha"] == pytest.approx(agreement.krippendorff_alpha(M, 2))
    assert out[1]["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=M.T.astype(float),
                                                               level_of_measurement="nominal"))


def test_the_annotate_page_says_what_changed_since_the_last_label(app, client, db, project, make_user):
    a = make_user("anna")
    s = assign.next_sentence(db, project, a)
    labelling.save(db, project, s, a, LabelInput("neutral_fact"))  # one of several
    login(client, "anna")
    page = client.get("/projects/news/annotate?format=json").get_json()
    assert page.get("guidelines_news") is None
    projects.set_guidelines(db, project, "Quotes: the source's words are the source's voice.")
    db.commit()
    news = client.get("/projects/news/annotate?format=json").get_json()["guidelines_news"]
    assert news["version"] == 2 and news["since"] == 1
    html = client.get("/projects/news/annotate").get_data(as_text=True)
    assert "The guidelines changed" in html and "guidelines?since=1" in html
    diff = client.get("/projects/news/guidelines?since=1").get_data(as_text=True)
    assert "+Quotes: the source&#39;s words" in diff
    assert client.get("/projects/news/guidelines?since=7").status_code == 400
    assert client.get("/projects/news/guidelines?since=1&format=json").get_json()["changes"]["version"] == 2
