"""The label write: one label per (sentence, annotator), idempotent, every change appended to
history, the sentence's label count kept in step (no Flask import).

`save`, `remove` and `skip` are the only writers of a user's labels; pages, API and CLI reach
them through annotator.loop. `record_history` and `count_labels` are the history row and the
counter, used by every writer (annotation import too).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, String, bindparam, delete, exists, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from . import assign, assist, events
from .db import begin_write
from .labels import SchemeError, check_span_labels, validate_spans
from .models import Annotation, AnnotationHistory, Lease, Project, Sentence, Skip, User, utcnow
from .projects import settings

MAX_COMMENT = 2000
# Told the outcome ("created", "updated", "unchanged") of every stored save, after its commit:
# web/ops counts them for /metrics without the label write knowing about metrics.
on_save: list = []
MAX_SECONDS = 24 * 3600.0
MAX_HINTS = 100  # terms in hints_shown
MAX_HINT = 200  # characters in one term


class AnnotationError(ValueError):
    """A label that cannot be stored; `code` says why (invalid_label, not_leased, ...). For a
    page to word it in its reader's language: `reason` names the rule broken where one code
    covers several ("missing", "required", "not_taken", "too_long"), `labels` the label ids it
    concerns."""

    def __init__(self, code: str, message: str, *, reason: str | None = None, labels=()):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.labels = list(labels)


# What each refusal means to a client: 409 where the request is well formed but the state
# says no, 400 otherwise.
CONFLICTS = ("not_queued", "not_leased", "conflict")


@dataclass
class LabelInput:
    label: str
    spans: list | None = None
    comment: str | None = None
    seconds: float | None = None
    hints_shown: list | None = None
    labels: list | None = None      # multi-label projects: the labels chosen (`label` then optional)
    confidence: int | None = None   # a point on the project's confidence scale (1..N)
    unsure: bool = False
    rationale: str | None = None


MAX_RATIONALE = 2000


def _seconds(value) -> float | None:
    if value is None:
        return None
    if not isinstance(value, bool) and isinstance(value, (int, float)):
        try:
            value = float(value)  # an int with hundreds of digits does not fit a float
        except OverflowError:
            value = math.inf
        if math.isfinite(value) and value >= 0:
            return round(min(value, MAX_SECONDS), 3)
    raise AnnotationError("invalid_seconds", f"seconds: a number of seconds from 0 to {MAX_SECONDS:.0f}")


def _hints(value) -> list | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_HINTS or not all(
            isinstance(t, str) and len(t) <= MAX_HINT for t in value):
        raise AnnotationError("invalid_hints", f"hints_shown: a list of at most {MAX_HINTS} terms "
                                               f"of at most {MAX_HINT} characters")
    return value


@dataclass(frozen=True)
class Scheme:
    """What a label is checked against: a project's labels and settings (anything with these
    two attributes will do, a Project too)."""
    labels: list
    settings: dict | None


def chosen_labels(ids: list, task: str, label, labels) -> list:
    """The labels chosen, in scheme order: one in a single-label project, one or more in a
    multi-label one (`labels`, or `label` alone). An annotator's label and a reviewer's gold
    label (review.adjudication) are checked by this one rule."""
    if labels is None or (task == "single" and labels == [label]):
        if not isinstance(label, str) or label not in ids:
            field = "label" if task == "single" else "label or labels"
            raise AnnotationError("invalid_label", f"{field}: one of {', '.join(ids)} (got {label!r})",
                                  reason="missing" if label is None else None)
        return [label]
    if task == "single":
        raise AnnotationError("invalid_labels", "labels: this project takes one label: send "
                                                "`label` (a label id)")
    if (not isinstance(labels, list) or not labels or len(set(map(repr, labels))) != len(labels)
            or not all(isinstance(l, str) and l in ids for l in labels)):
        raise AnnotationError("invalid_labels", f"labels: a list of one or more different "
                                                f"label ids from {', '.join(ids)} (got {labels!r})")
    if label is not None and label not in labels:
        raise AnnotationError("invalid_labels", f"labels: label {label!r} is not among them",
                              reason="not_among")
    return [l for l in ids if l in labels]


def _shape(conf: dict, chosen: list, data: LabelInput) -> tuple[int | None, bool, str | None]:
    """The confidence, unsure flag and rationale as the project's settings take them."""
    points, confidence = conf["confidence"], data.confidence
    if not points:
        if confidence is not None:
            raise AnnotationError("invalid_confidence", "confidence: this project has no confidence scale")
    elif isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= points:
        raise AnnotationError("invalid_confidence", f"confidence: a whole number from 1 to {points} "
                                                    f"(got {confidence!r})",
                              reason="missing" if confidence is None else None)
    unsure = data.unsure if data.unsure is not None else False
    if not isinstance(unsure, bool):
        raise AnnotationError("invalid_unsure", "unsure: true or false")
    if unsure and not conf["unsure"]:
        raise AnnotationError("invalid_unsure", "unsure: this project has no unsure flag")
    rationale = data.rationale
    if rationale is not None:
        if not isinstance(rationale, str):
            raise AnnotationError("invalid_rationale", "rationale: must be a string")
        if len(rationale.strip()) > MAX_RATIONALE:
            raise AnnotationError("invalid_rationale", f"rationale: at most {MAX_RATIONALE} characters",
                                  reason="too_long")
        rationale = rationale.strip() or None
    modes = {l: conf["rationale"].get(l, "off") for l in chosen}
    if rationale and all(m == "off" for m in modes.values()):
        raise AnnotationError("invalid_rationale", f"rationale: this project takes no rationale "
                                                   f"for {', '.join(chosen)}", reason="not_taken",
                              labels=chosen)
    needed = [l for l, m in modes.items() if m == "required"]
    if needed and not rationale:
        raise AnnotationError("invalid_rationale", f"rationale: this project needs a rationale "
                                                   f"for {', '.join(needed)}", reason="required",
                              labels=needed)
    return confidence, unsure, rationale


def validate(project: Project | Scheme, sentence: Sentence, data: LabelInput) -> LabelInput:
    ids = [l["id"] for l in project.labels]
    conf = settings(project)
    chosen = chosen_labels(ids, conf["task"], data.label, data.labels)
    label = chosen[0]
    if sentence.kind != "body":
        raise AnnotationError("not_queued", f"sentence {sentence.id} is a {sentence.kind}, not labelled")
    try:
        spans = validate_spans(data.spans, sentence.text, conf["span_types"])
        check_span_labels(spans, chosen, conf["span_types"])
    except SchemeError as err:
        raise AnnotationError("invalid_spans", str(err)) from None
    modes = [conf["spans"].get(l, "optional") for l in chosen]
    if all(m == "off" for m in modes) and spans:
        raise AnnotationError("invalid_spans", f"spans: this project takes no spans for {label}")
    if "required" in modes and not spans:
        raise AnnotationError("invalid_spans", f"spans: this project needs at least one span for {label}")
    confidence, unsure, rationale = _shape(conf, chosen, data)
    comment = data.comment
    if comment is not None:
        if not isinstance(comment, str):
            raise AnnotationError("invalid_comment", "comment: must be a string")
        comment = comment.strip()[:MAX_COMMENT] or None
    return LabelInput(label, spans, comment, _seconds(data.seconds), _hints(data.hints_shown),
                      chosen if conf["task"] == "multi" else None, confidence, unsure, rationale)


_A, _S, _H = Annotation.__table__, Sentence.__table__, AnnotationHistory.__table__
_P = Project.__table__
_L, _K, _U = Lease.__table__, Skip.__table__, User.__table__
_sid, _uid = bindparam("sid"), bindparam("uid")
_SHAPE_KEYS = ("labels", "confidence", "unsure", "rationale")
_HISTORY_KEYS = ("sentence_id", "user_id", "action", "label", "spans", "comment", "at") + _SHAPE_KEYS
_HISTORY = insert(_H).values({k: bindparam(k) for k in _HISTORY_KEYS})
_COUNT = (update(_S).where(_S.c.id == _sid)
          .values(n_labels=_S.c.n_labels + bindparam("delta"),
                  full=_S.c.n_labels + bindparam("delta") >= bindparam("k")))


def record_history(session: Session, sentence_id: int, user_id: int, action: str,
                   label=None, spans=None, comment=None, at=None, labels=None, confidence=None,
                   unsure=False, rationale=None) -> None:
    """Append one row to a label's history (append-only: nothing ever updates it)."""
    session.connection().execute(_HISTORY, {"sentence_id": sentence_id, "user_id": user_id, "action": action,
                               "label": label, "spans": spans, "comment": comment,
                               "at": at or utcnow(), "labels": labels, "confidence": confidence,
                               "unsure": bool(unsure), "rationale": rationale})
    events.label(session, sentence_id, user_id, action, label, spans, comment)


def count_labels(session: Session, sentence_id: int, delta: int, overlap: int) -> None:
    """Add `delta` to a sentence's label count and mark it full at `overlap`. One UPDATE, so
    concurrent writers cannot lose a count (SET reads the old n_labels)."""
    session.connection().execute(_COUNT, {"sid": sentence_id, "delta": delta, "k": overlap})


# The user's label if there is one, whether they hold a lease or a skip on the sentence, and
# the assistance arm their lease kept (assist.arms).
_SHOWN_ARM = select(_L.c.assist).where(_L.c.sentence_id == _sid, _L.c.user_id == _uid).scalar_subquery()
_PROBE = select(select(_A.c.id).where(_A.c.sentence_id == _sid, _A.c.user_id == _uid).scalar_subquery(),
                exists().where(_L.c.sentence_id == _sid, _L.c.user_id == _uid),
                exists().where(_K.c.sentence_id == _sid, _K.c.user_id == _uid),
                _SHOWN_ARM)
_MINE = (select(_A.c.id, _A.c.label, _A.c.spans, _A.c.comment, _A.c.seconds, _A.c.hints_shown,
                _A.c.assist, _A.c.labels, _A.c.confidence, _A.c.unsure, _A.c.rationale,
                _A.c.created_at, _A.c.updated_at)
         .where(_A.c.sentence_id == _sid, _A.c.user_id == _uid))
_CHANGE = (update(_A).where(_A.c.id == bindparam("aid"))
           .values(label=bindparam("label"), spans=bindparam("spans"),
                   comment=bindparam("comment"), seconds=bindparam("seconds"),
                   hints_shown=bindparam("hints_shown"), assist=bindparam("assist"),
                   labels=bindparam("labels"), confidence=bindparam("confidence"),
                   unsure=bindparam("unsure"), rationale=bindparam("rationale"),
                   updated_at=bindparam("now")))
_UNLEASE = delete(_L).where(_L.c.sentence_id == _sid, _L.c.user_id == _uid)
_UNSKIP = delete(_K).where(_K.c.sentence_id == _sid, _K.c.user_id == _uid)
# The scheme as stored, read under the write lock (SQLite) or a share lock on the project row
# (PostgreSQL, where projects.set_labels takes the row for update): a label is never checked
# against a scheme that an admin's change replaced in the meantime.
_SCHEME = (select(_P.c.labels, _P.c.settings).where(_P.c.id == bindparam("pid"))
           .with_for_update(read=True))
_TOUCH = update(_U).where(_U.c.id == _uid).values(last_active_at=bindparam("now"))
# users.last_active_at is shown to the minute: write it at most once a minute per user.
TOUCH_EVERY = timedelta(minutes=1)
_LABEL_KEYS = ("sentence_id", "user_id", "project_id", "label", "spans", "comment", "seconds",
               "hints_shown", "assist", "created_at", "updated_at") + _SHAPE_KEYS


def _new_label(dialect: str):
    """Insert a label unless the (sentence, user) pair has one: a twin request of the same
    annotator that won the race makes ours a change of that label."""
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(_A).values(
        {k: bindparam(k) for k in _LABEL_KEYS})
    ins = ins.on_conflict_do_nothing(index_elements=[_A.c.sentence_id, _A.c.user_id])
    return ins.returning(_A.c.id) if dialect == "postgresql" else ins


_NEW = {"sqlite": _new_label("sqlite"), "postgresql": _new_label("postgresql")}


def _pg_create():
    """PostgreSQL: a new label on a sentence the user holds, in one statement (a round trip
    there costs more than the work): insert it unless the pair exists or the lease is missing,
    and only if it was inserted, write its history, count it and clear the user's lease and
    skip. No row back: the label is there already, or the user holds no lease (save() then
    looks closer)."""
    sid, uid = bindparam("sid", type_=Integer), bindparam("uid", type_=Integer)
    label = bindparam("label", type_=_A.c.label.type)
    spans = bindparam("spans", type_=_A.c.spans.type)
    comment = bindparam("comment", type_=_A.c.comment.type)
    now = bindparam("now", type_=_A.c.created_at.type)
    shape = [bindparam(k, type_=_A.c[k].type) for k in _SHAPE_KEYS]
    held = exists().where(_L.c.sentence_id == sid, _L.c.user_id == uid)
    ins = (pg_insert(_A).from_select(
        list(_LABEL_KEYS),
        select(sid, uid, bindparam("pid", type_=Integer), label, spans, comment,
               bindparam("seconds", type_=_A.c.seconds.type),
               bindparam("hints_shown", type_=_A.c.hints_shown.type),
               func.coalesce(_SHOWN_ARM, bindparam("assist", type_=_A.c.assist.type)),
               now, now, *shape).where(held))
           .on_conflict_do_nothing(index_elements=[_A.c.sentence_id, _A.c.user_id])
           .returning(_A.c.id, _A.c.assist).cte("ins"))
    made = select(ins.c.id).exists()
    history = insert(_H).from_select(
        list(_HISTORY_KEYS),
        select(sid, uid, literal("create", String), label, spans, comment, now, *shape).where(made)
    ).cte("history")
    delta = bindparam("delta", type_=Integer)
    count = (update(_S).where(_S.c.id == sid, made)
             .values(n_labels=_S.c.n_labels + delta,
                     full=_S.c.n_labels + delta >= bindparam("k", type_=Integer))
             .cte("counted"))
    unlease = delete(_L).where(_L.c.sentence_id == sid, _L.c.user_id == uid, made,
                               bindparam("delta", type_=Integer) > 0).cte("unlease")
    unskip = delete(_K).where(_K.c.sentence_id == sid, _K.c.user_id == uid, made).cte("unskip")
    return select(ins.c.id, ins.c.assist).add_cte(history, count, unlease, unskip)


_PG_CREATE = _pg_create()


def _insert_label(session: Session, conn, values: dict) -> int | None:
    """Insert a new label; its id, or None if the pair exists already."""
    stmt = _NEW.get(conn.dialect.name)
    if stmt is None:  # another database: a savepoint catches the unique violation
        try:
            with session.begin_nested():
                return conn.execute(insert(_A), values).inserted_primary_key[0]
        except IntegrityError:
            return None
    result = conn.execute(stmt, values)
    if conn.dialect.name == "postgresql":
        return result.scalar()
    return result.lastrowid if result.rowcount == 1 else None


def save(session: Session, project: Project, sentence: Sentence, user: User,
         data: LabelInput, held_only: bool = True) -> tuple[Annotation, str]:
    """Store a label and commit. Returns (annotation, "created" | "updated" | "unchanged").

    With `held_only` (every annotator's write) a new label is taken only on a sentence leased
    to the user (live or expired, as long as the lease row is there): AnnotationError
    not_leased otherwise. A label of theirs can always be changed. `project`, `sentence` and
    `user` may be any objects with the attributes used here; the annotation returned is a
    detached snapshot of the stored row."""
    begin_write(session)
    conn = session.connection()
    # A crowd participant's label counts toward overlap only once they complete, and their
    # lease keeps the slot until then (crowd.py: complete counts, a lapsed session frees).
    delta = 0 if getattr(user, "role", None) == "participant" else 1
    scheme = Scheme(*conn.execute(_SCHEME, {"pid": project.id}).one())
    data = validate(scheme, sentence, data)
    # The arm of the assistance experiment the annotator was shown this sentence in: the one
    # their lease kept, else the same rule as the view (assist.arms); never the client's word.
    arm = assist.arm_of(session, settings(scheme), project.id, user.id, sentence.id) \
        if assist.in_experiment(user) else None  # a reviewer's or admin's label: no arm
    key = {"sid": sentence.id, "uid": user.id}
    values = {"sentence_id": sentence.id, "user_id": user.id, "project_id": project.id,
              "label": data.label, "spans": data.spans, "comment": data.comment,
              "seconds": data.seconds, "hints_shown": data.hints_shown, "assist": arm,
              "labels": data.labels, "confidence": data.confidence, "unsure": data.unsure,
              "rationale": data.rationale}
    if conn.dialect.name == "postgresql" and held_only:
        now = utcnow()
        # Only the statement's own parameters: a key named like a column of the INSERT
        # (sentence_id, ...) would be taken as that column's value.
        params = {k: values[k] for k in ("label", "spans", "comment", "seconds", "hints_shown",
                                         "assist") + _SHAPE_KEYS}
        made = conn.execute(_PG_CREATE, {**key, **params, "pid": project.id, "now": now,
                                         "k": project.overlap, "delta": delta}).first()
        if made is not None:
            new_id, values["assist"] = made
            events.label(session, sentence.id, user.id, "create", data.label, data.spans, data.comment, project.id)
            _touch(conn, user, now)
            session.commit()
            _saved("created")
            return Annotation(id=new_id, **values, created_at=now, updated_at=now), "created"
        # A label is there already, or no lease: see below.
    for _attempt in range(3):
        ann_id, leased, skipped, shown_arm = conn.execute(_PROBE, key).one()
        row = conn.execute(_MINE, key).first() if ann_id is not None else None
        now = utcnow()
        values["assist"] = (shown_arm or arm) if arm is not None else None
        if row is None:
            if held_only and not leased:
                raise AnnotationError("not_leased", f"sentence {sentence.id} is not leased to you: "
                                                    "ask for your next sentence")
            new_id = _insert_label(session, conn, {**values, "created_at": now, "updated_at": now})
            if new_id is None:
                continue  # the same annotator's twin request won the race: treat ours as a change
            if delta:
                count_labels(session, sentence.id, delta, project.overlap)
            ann = Annotation(id=new_id, **values, created_at=now, updated_at=now)
            outcome = "created"
        else:
            ann = Annotation(sentence_id=sentence.id, user_id=user.id, project_id=project.id,
                             **row._asdict())
            stored = (ann.label, ann.spans, ann.comment, ann.labels, ann.confidence, bool(ann.unsure),
                      ann.rationale)
            given = (data.label, data.spans, data.comment, data.labels, data.confidence, data.unsure,
                     data.rationale)
            if stored == given:
                outcome = "unchanged"
            else:
                ann.label, ann.spans, ann.comment = data.label, data.spans, data.comment
                ann.labels, ann.confidence, ann.unsure, ann.rationale = given[3:]
                if data.seconds is not None:
                    ann.seconds = round(min((ann.seconds or 0) + data.seconds, MAX_SECONDS), 3)
                if data.hints_shown is not None:
                    ann.hints_shown = data.hints_shown
                ann.assist = values["assist"]  # the arm of the label as given now
                ann.updated_at = now
                conn.execute(_CHANGE, {"aid": ann.id, "label": ann.label, "spans": ann.spans,
                                       "comment": ann.comment, "seconds": ann.seconds,
                                       "hints_shown": ann.hints_shown, "assist": ann.assist,
                                       "labels": ann.labels, "confidence": ann.confidence,
                                       "unsure": ann.unsure, "rationale": ann.rationale,
                                       "now": now})
                outcome = "updated"
                _expire(session, Annotation, ann.id)
        if outcome != "unchanged":
            record_history(session, sentence.id, user.id, outcome[:-1], ann.label, ann.spans,
                           ann.comment, now, ann.labels, ann.confidence, ann.unsure, ann.rationale)
        if leased and delta:
            conn.execute(_UNLEASE, key)
        if skipped:
            conn.execute(_UNSKIP, key)
        _touch(conn, user, now)
        session.commit()
        _saved(outcome)
        return ann, outcome
    raise AnnotationError("conflict", "the label could not be stored; please retry")


def _saved(outcome: str) -> None:
    for notify in on_save:
        notify(outcome)


def _touch(conn, user, now) -> None:
    last = getattr(user, "last_active_at", None)
    if last is not None and now - last < TOUCH_EVERY:
        return
    conn.execute(_TOUCH, {"uid": user.id, "now": now})
    if isinstance(user, User):
        set_committed_value(user, "last_active_at", now)
    else:
        try:
            user.last_active_at = now
        except AttributeError:
            pass


def _expire(session: Session, cls, ident) -> None:
    """Core writes bypass the session: drop a stale copy of the row the session may hold."""
    obj = session.identity_map.get(session.identity_key(cls, ident))
    if obj is not None:
        session.expire(obj)


def remove(session: Session, project: Project, sentence: Sentence, user: User,
           hold: bool = False) -> bool:
    """Delete a user's label (kept in history). True if there was one. With `hold` the
    sentence is leased to them again in the same transaction, so they can label it afresh
    (its freed slot is not given to someone else first)."""
    begin_write(session)
    # Decide by what the DELETE itself removed: two overlapping requests (a double click, two
    # tabs) on PostgreSQL both see the row, but only one of them deletes it and counts it.
    gone = session.execute(delete(Annotation).where(
        Annotation.sentence_id == sentence.id, Annotation.user_id == user.id)).rowcount
    if gone != 1:
        session.commit()
        return False
    record_history(session, sentence.id, user.id, "delete")
    if getattr(user, "role", None) == "participant":
        session.commit()  # never counted, and their lease was kept (save): nothing to free
        return True
    count_labels(session, sentence.id, -1, project.overlap)
    if hold:
        assign.hold(session, project, user, sentence.id)
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
