"""Writing labels: one per (sentence, annotator), idempotent, every change kept in history."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import begin_write
from .labels import SchemeError, validate_spans
from .models import Annotation, AnnotationHistory, Lease, Project, Sentence, Skip, User, utcnow
from .projects import settings

MAX_COMMENT = 2000
MAX_SECONDS = 24 * 3600.0


class AnnotationError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class LabelInput:
    label: str
    spans: list | None = None
    comment: str | None = None
    seconds: float | None = None
    hints_shown: list | None = None


def validate(project: Project, sentence: Sentence, data: LabelInput) -> LabelInput:
    ids = [l["id"] for l in project.labels]
    if data.label not in ids:
        raise AnnotationError("invalid_label", f"label: one of {', '.join(ids)} (got {data.label!r})")
    if sentence.kind != "body":
        raise AnnotationError("not_queued", f"sentence {sentence.id} is a {sentence.kind}, not labelled")
    try:
        spans = validate_spans(data.spans, sentence.text)
    except SchemeError as err:
        raise AnnotationError("invalid_spans", str(err)) from None
    mode = settings(project)["spans"].get(data.label, "optional")
    if mode == "off" and spans:
        raise AnnotationError("invalid_spans", f"spans: this project takes no spans for {data.label}")
    if mode == "required" and not spans:
        raise AnnotationError("invalid_spans", f"spans: this project needs at least one span for {data.label}")
    comment = data.comment
    if comment is not None:
        if not isinstance(comment, str):
            raise AnnotationError("invalid_comment", "comment: must be a string")
        comment = comment.strip()[:MAX_COMMENT] or None
    seconds = data.seconds
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
            raise AnnotationError("invalid_seconds", "seconds: a number of seconds >= 0")
        seconds = round(min(float(seconds), MAX_SECONDS), 3)
    hints = data.hints_shown
    if hints is not None and not isinstance(hints, list):
        raise AnnotationError("invalid_hints", "hints_shown: must be a list")
    return LabelInput(data.label, spans, comment, seconds, hints)


def _history(session: Session, ann: Annotation | None, action: str, sentence_id: int,
             user_id: int) -> None:
    session.add(AnnotationHistory(
        sentence_id=sentence_id, user_id=user_id, action=action,
        label=ann.label if ann else None, spans=ann.spans if ann else None,
        comment=ann.comment if ann else None))


def save(session: Session, project: Project, sentence: Sentence, user: User,
         data: LabelInput) -> tuple[Annotation, str]:
    """Store a label and commit. Returns (annotation, "created" | "updated" | "unchanged")."""
    data = validate(project, sentence, data)
    begin_write(session)
    for attempt in range(3):
        ann = session.scalar(select(Annotation).where(
            Annotation.sentence_id == sentence.id, Annotation.user_id == user.id))
        now = utcnow()
        if ann is None:
            ann = Annotation(sentence_id=sentence.id, user_id=user.id, project_id=project.id,
                             label=data.label, spans=data.spans, comment=data.comment,
                             seconds=data.seconds, hints_shown=data.hints_shown,
                             created_at=now, updated_at=now)
            try:
                with session.begin_nested():
                    session.add(ann)
                    session.flush()
            except IntegrityError:
                # The same annotator's twin request won the race: treat ours as a change.
                continue
            _count(session, project, sentence, +1)
            outcome = "created"
        elif (ann.label, ann.spans, ann.comment) == (data.label, data.spans, data.comment):
            outcome = "unchanged"
        else:
            ann.label, ann.spans, ann.comment = data.label, data.spans, data.comment
            if data.seconds is not None:
                ann.seconds = round((ann.seconds or 0) + data.seconds, 3)
            if data.hints_shown is not None:
                ann.hints_shown = data.hints_shown
            ann.updated_at = now
            outcome = "updated"
        if outcome != "unchanged":
            _history(session, ann, outcome[:-1], sentence.id, user.id)
        session.execute(delete(Lease).where(Lease.sentence_id == sentence.id, Lease.user_id == user.id))
        session.execute(delete(Skip).where(Skip.sentence_id == sentence.id, Skip.user_id == user.id))
        user.last_active_at = now
        session.commit()
        return ann, outcome
    raise AnnotationError("conflict", "the label could not be stored; please retry")


def _count(session: Session, project: Project, sentence: Sentence, delta: int) -> None:
    # One UPDATE, so concurrent writers cannot lose a count; SET sees the old n_labels.
    session.execute(update(Sentence).where(Sentence.id == sentence.id).values(
        n_labels=Sentence.n_labels + delta, full=Sentence.n_labels + delta >= project.overlap))


def remove(session: Session, project: Project, sentence: Sentence, user: User) -> bool:
    """Delete a user's label (kept in history). True if there was one."""
    begin_write(session)
    ann = session.scalar(select(Annotation).where(
        Annotation.sentence_id == sentence.id, Annotation.user_id == user.id))
    if ann is None:
        session.commit()
        return False
    session.delete(ann)
    _count(session, project, sentence, -1)
    _history(session, None, "delete", sentence.id, user.id)
    session.commit()
    return True


def skip(session: Session, project: Project, sentence: Sentence, user: User) -> None:
    """Put the sentence at the end of this annotator's queue."""
    begin_write(session)
    row = session.scalar(select(Skip).where(Skip.sentence_id == sentence.id, Skip.user_id == user.id))
    if row is None:
        session.add(Skip(sentence_id=sentence.id, user_id=user.id, project_id=project.id))
    else:
        row.at = utcnow()
    session.execute(delete(Lease).where(Lease.sentence_id == sentence.id, Lease.user_id == user.id))
    session.commit()
