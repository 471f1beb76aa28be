"""A project whose stored labels left its scheme (issue 20 item 3) is listed and repaired."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import assign, export, labelling, scheme_repair
from annotator.access import Refused
from annotator.labelling import LabelInput
from annotator.models import Adjudication, AdjudicationHistory, Annotation, AnnotationHistory, Sentence
from annotator.review.adjudication import set_gold
from annotator.review.stats import project_stats


def _broken(db, project, make_user):
    """Labels given under a label `opinion`, which then left the scheme without a check (as
    a scheme change racing label writes left projects before the two were serialised)."""
    a, b, rev = make_user("a"), make_user("b"), make_user("rev", "reviewer")
    project.labels = [*project.labels, {"id": "opinion", "key": "4", "name": "Opinion",
                                        "description": "", "colour": 4}]
    db.commit()
    for u, lab in ((a, "opinion"), (b, "neutral_fact")):
        while (s := assign.next_sentence(db, project, u)) is not None:
            labelling.save(db, project, s, u, LabelInput(lab), held_only=False)
    s = db.scalar(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body"))
    set_gold(db, project, s, rev, "opinion", note="kept")
    project.labels = project.labels[:3]  # the broken state: no check, no lock
    db.commit()
    return a, rev


def test_stray_labels_are_listed_then_mapped_with_history(db, project, make_user):
    a, rev = _broken(db, project, make_user)
    stray = scheme_repair.stray_labels(db, project)
    n = len(db.scalars(select(Annotation).where(Annotation.label == "opinion")).all())
    assert stray == {"opinion": {"annotations": n, "gold": 1, "controls": 0}}
    admin = make_user("boss", "admin")
    with pytest.raises(scheme_repair.SchemeRepairError, match="not a label of the scheme"):
        scheme_repair.map_stray(db, project, {"opinion": "nope"}, admin)
    with pytest.raises(scheme_repair.SchemeRepairError, match="neutral_fact"):
        scheme_repair.map_stray(db, project, {"neutral_fact": "attributed_claim"}, admin)
    assert scheme_repair.stray_labels(db, project) == stray  # a refused map changed nothing
    history_before = len(db.scalars(select(AnnotationHistory)).all())
    changed = scheme_repair.map_stray(db, project, {"opinion": "contested_framing"}, admin)
    assert changed == {"annotations": n, "gold": 1, "controls": 0}
    assert scheme_repair.stray_labels(db, project) == {}
    assert len(db.scalars(select(AnnotationHistory)).all()) == history_before + n
    assert "opinion" in set(db.scalars(select(AnnotationHistory.label)))  # the old value stays
    gold = db.scalar(select(Adjudication))
    assert (gold.label, gold.note) == ("contested_framing", "kept")
    assert db.scalars(select(AdjudicationHistory.label).order_by(AdjudicationHistory.id)).all()[-1] \
        == "contested_framing"
    # The project works again: statistics and every kind that applies.
    assert project_stats(db, project)["annotations"] > 0
    for kind in ("annotations", "sentences", "gold", "spans", "babe", "semeval"):
        list(export.records(db, project, kind))


def test_only_an_admin_repairs(db, project, make_user):
    _, rev = _broken(db, project, make_user)
    with pytest.raises(Refused):
        scheme_repair.map_stray(db, project, {"opinion": "neutral_fact"}, rev)


def test_the_command_lists_and_maps(app, db, project, make_user):
    _broken(db, project, make_user)
    make_user("boss", "admin")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["repair-labels", "news"])
    assert r.exit_code == 0 and "opinion:" in r.output and "1 label(s) outside" in r.output
    r = runner.invoke(args=["repair-labels", "news", "--map", "opinion=neutral_fact"])
    assert r.exit_code != 0 and "--by" in r.output
    r = runner.invoke(args=["repair-labels", "news", "--map", "opinion", "--by", "boss"])
    assert r.exit_code != 0 and "OLD=NEW" in r.output
    r = runner.invoke(args=["repair-labels", "news", "--map", "opinion=neutral_fact", "--by", "boss"])
    assert r.exit_code == 0 and "1 gold" in r.output, r.output
    r = runner.invoke(args=["repair-labels", "news"])
    assert "0 label(s) outside" in r.output
