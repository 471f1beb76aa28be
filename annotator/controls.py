"""Control items (sentences with a known answer) and per-annotator progress for admins
(no Flask import).

A control item is a sentence with a known answer. Annotators meet control items in their queue
at the project's control rate without any sign that they are special; their accuracy on them
is shown to admins, and their labels on them are left out of agreement figures.
"""
from __future__ import annotations

import statistics as pystats

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import progress
from .db import begin_write
from .models import Annotation, ControlItem, Project, Sentence, User
from .projects import is_member, settings
from .review.intervals import figure
from .review.versioned import lasting
from .timestamps import iso_utc


class ControlError(ValueError):
    pass


def set_control(session: Session, project: Project, sentence: Sentence, label: str,
                explanation: str = "") -> ControlItem:
    if label not in [l["id"] for l in project.labels]:
        raise ControlError(f"label: one of the project's labels (got {label!r})")
    if sentence.kind != "body":
        raise ControlError("only body sentences can be control items")
    begin_write(session)
    row = session.scalar(select(ControlItem).where(ControlItem.sentence_id == sentence.id))
    if row is None:
        row = ControlItem(sentence_id=sentence.id, project_id=project.id, label=label,
                          explanation=explanation.strip())
        session.add(row)
    else:
        row.label, row.explanation = label, explanation.strip()
    session.commit()
    progress.forget(project.id)  # a control item is no longer counted as open
    return row


def clear_control(session: Session, sentence: Sentence) -> None:
    begin_write(session)
    session.execute(delete(ControlItem).where(ControlItem.sentence_id == sentence.id))
    session.commit()


def control_for(session: Session, sentence_id: int) -> ControlItem | None:
    return session.scalar(select(ControlItem).where(ControlItem.sentence_id == sentence_id))


def _control_hits(session: Session, project: Project, user_id: int | None = None) -> dict[int, list[float]]:
    """Per annotator (or the one given): 1 right, 0 wrong, for each control item answered."""
    stmt = (select(Annotation.user_id, Annotation.label, ControlItem.label)
            .join(ControlItem, ControlItem.sentence_id == Annotation.sentence_id)
            .where(Annotation.project_id == project.id))
    if user_id is not None:
        stmt = stmt.where(Annotation.user_id == user_id)
    control: dict[int, list[float]] = {}
    for uid, given, known in session.execute(stmt):
        control.setdefault(uid, []).append(float(given == known))
    return control


def own_work(session: Session, project: Project, user: User) -> dict:
    """What an annotator sees of their own work in a project: progress (progress.of_user),
    labels and time spent (the seconds recorded with their labels), and their accuracy on
    control items where the project shows control answers (control_feedback); otherwise the
    control items stay unmarked to them, so none is given."""
    cfg = settings(project)
    n = session.scalar(select(func.count(Annotation.id)).where(
        Annotation.project_id == project.id, Annotation.user_id == user.id))
    secs = [s for (s,) in session.execute(select(Annotation.seconds).where(
        Annotation.project_id == project.id, Annotation.user_id == user.id,
        Annotation.seconds.is_not(None)))]
    out = {"progress": progress.of_user(session, project, user), "labels": n,
           "seconds": round(float(sum(secs)), 1),
           "median_seconds": round(pystats.median(secs), 2) if secs else None,
           "control": None}
    if cfg["control_feedback"]:
        hits = _control_hits(session, project, user.id).get(user.id, [])
        out["control"] = figure(hits, cfg["min_items_per_annotator"]).fields("accuracy")
    return out


def annotator_progress(session: Session, project: Project) -> dict:
    """``{"annotators": one row per annotator who may work here or has labels here, "as_of"}``.
    It reads every label's time, so it is kept per project data version
    (review/versioned.lasting): the progress page recomputes it only after a change, and on
    a large project serves the rows last computed (``as_of``: when) while it does; on the
    first view in a process that cannot compute them in versioned.FIRST_VIEW_SECONDS,
    ``computing`` is true and the rows are empty."""
    rows, as_of = lasting(session, project, "progress", None, _annotator_progress)
    return {"annotators": rows or [], "as_of": iso_utc(as_of) if as_of else None,
            "computing": rows is None}


def _annotator_progress(session: Session, project: Project) -> list[dict]:
    cfg = settings(project)
    rows = session.execute(
        select(User.id, User.username, func.count(Annotation.id), func.max(Annotation.updated_at))
        .join(Annotation, Annotation.user_id == User.id)
        .where(Annotation.project_id == project.id).group_by(User.id, User.username)).all()
    seconds: dict[int, list[float]] = {}
    for uid, sec in session.execute(select(Annotation.user_id, Annotation.seconds).where(
            Annotation.project_id == project.id, Annotation.seconds.is_not(None))):
        seconds.setdefault(uid, []).append(sec)
    control = _control_hits(session, project)
    # Annotators with labels here, plus the members (or every annotator) who have none yet.
    by_id = {uid: (name, n, last) for uid, name, n, last in rows}
    candidates = session.scalars(select(User).where(User.role == "annotator", User.active.is_(True), User.deleted_at.is_(None))).all()
    for u in candidates:
        if u.id not in by_id and is_member(project, u):
            by_id[u.id] = (u.username, 0, None)
    counts = progress.by_user(session, project, by_id)
    out = []
    for uid, (name, n, last) in sorted(by_id.items(), key=lambda kv: kv[1][0]):
        accuracy = figure(control.get(uid, []), cfg["min_items_per_annotator"])
        out.append({
            "annotator": name, "done": counts[uid]["done"], "remaining": counts[uid]["remaining"],
            "median_seconds": round(pystats.median(seconds[uid]), 2) if uid in seconds else None,
            "last_active": last.strftime("%Y-%m-%dT%H:%M:%SZ") if last else None,
            "control_answered": accuracy.n, **accuracy.fields("control_accuracy"),
            "flagged": accuracy.value is not None
            and accuracy.value < cfg["min_control_accuracy"]})
    return out
