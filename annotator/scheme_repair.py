"""Labels outside a project's scheme: listed, and mapped onto labels of the scheme (issue 20
item 3; no Flask import).

A scheme change and label writes no longer interleave (projects.set_labels takes the project
row for update; labelling.save reads the scheme under a share lock on it). A project broken
before that, with labels stored after their label left the scheme, gives exports and
statistics values they do not know. `stray_labels` lists them; `map_stray` rewrites them onto
labels of the scheme in one transaction, appending to the label and gold histories (which keep
the old values: history is never rewritten).
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .access import require
from .db import begin_write
from .labelling import record_history
from .review.adjudication import record_gold_history
from .labels import label_ids
from .models import (Adjudication, Annotation, ControlItem, Project, User,
                     utcnow)

# Where a label is stored, and the rows that hold it.
_WHERE = {"annotations": Annotation, "gold": Adjudication, "controls": ControlItem}


class SchemeRepairError(ValueError):
    """A mapping that cannot be applied; the message names the label."""


def stray_labels(session: Session, project: Project) -> dict[str, dict[str, int]]:
    """{label: {annotations, gold, controls}}: how many stored rows use each label that the
    project's scheme does not have. Empty for a sound project."""
    ids = label_ids(project.labels)
    out: dict[str, dict[str, int]] = {}
    for where, model in _WHERE.items():
        rows = session.execute(select(model.label, func.count()).where(
            model.project_id == project.id, model.label.not_in(ids)).group_by(model.label))
        for label, n in rows:
            out.setdefault(label, dict.fromkeys(_WHERE, 0))[where] = n
    return dict(sorted(out.items()))


def _remapped(labels: list | None, old: str, new: str, ids: list) -> tuple[str, list | None]:
    """The label and multi-label set of a row whose label `old` is read as `new`: the set in
    scheme order and the label its first (no set: `new` alone)."""
    if not labels:
        return new, labels
    mapped = {new if l == old else l for l in labels}
    labels = [l for l in ids if l in mapped] + sorted(mapped - set(ids))
    return labels[0], labels


def map_stray(session: Session, project: Project, mapping: dict[str, str], admin: User) -> dict[str, int]:
    """Rewrite each stray label `old` as `mapping[old]`, a label of the scheme, and commit.
    Returns how many rows changed where. All or nothing."""
    require(admin, "admin", project)
    begin_write(session)
    try:
        # As a scheme change does: label writes in flight finish first, new ones wait.
        session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
        session.refresh(project)
        stray, ids = stray_labels(session, project), label_ids(project.labels)
        for old, new in mapping.items():
            if old not in stray:
                raise SchemeRepairError(f"{old}: no stored label of project {project.slug} is "
                                        f"outside its scheme under this id")
            if new not in ids:
                raise SchemeRepairError(f"{old}={new}: {new!r} is not a label of the scheme "
                                        f"({', '.join(ids)})")
        changed = dict.fromkeys(_WHERE, 0)
        now = utcnow()
        for old, new in mapping.items():
            for ann in session.scalars(select(Annotation).where(
                    Annotation.project_id == project.id, Annotation.label == old)):
                first, labels = _remapped(ann.labels, old, new, ids)
                record_history(session, ann.sentence_id, ann.user_id, "update", first, ann.spans,
                               ann.comment, now, labels=labels, confidence=ann.confidence,
                               unsure=ann.unsure, rationale=ann.rationale)
                ann.label, ann.labels, ann.updated_at = first, labels, now
                changed["annotations"] += 1
            for adj in session.scalars(select(Adjudication).where(
                    Adjudication.project_id == project.id, Adjudication.label == old)):
                first, labels = _remapped(adj.labels, old, new, ids)
                record_gold_history(session, adj.sentence_id, admin, "update", first, adj.note, now,
                                    project.id, labels=labels)
                adj.label, adj.labels, adj.updated_at = first, labels, now
                changed["gold"] += 1
            changed["controls"] += session.execute(
                update(ControlItem).where(ControlItem.project_id == project.id,
                                          ControlItem.label == old).values(label=new)).rowcount
        session.commit()
        return changed
    except BaseException:
        session.rollback()
        raise
