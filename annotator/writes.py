"""Writing labels: one per (sentence, annotator), idempotent, every change kept in history."""
from __future__ import annotations

import math
from dataclasses import dataclass

from datetime import timedelta

from sqlalchemy import Integer, String, bindparam, delete, exists, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .db import begin_write
from .prepared import Prepared
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


# The label write is the other half of the annotate loop: statements built once, run as Core
# statements on the session's connection (see assign.py).
_A, _S, _H = Annotation.__table__, Sentence.__table__, AnnotationHistory.__table__
_L, _K, _U = Lease.__table__, Skip.__table__, User.__table__
_sid, _uid = bindparam("sid"), bindparam("uid")
# The label, if there is one, and whether a lease or a skip is there to clear, in one query.
_PROBE = select(select(_A.c.id).where(_A.c.sentence_id == _sid, _A.c.user_id == _uid).scalar_subquery(),
                exists().where(_L.c.sentence_id == _sid, _L.c.user_id == _uid),
                exists().where(_K.c.sentence_id == _sid, _K.c.user_id == _uid))
_MINE = (select(_A.c.id, _A.c.label, _A.c.spans, _A.c.comment, _A.c.seconds, _A.c.hints_shown,
                _A.c.created_at, _A.c.updated_at)
         .where(_A.c.sentence_id == _sid, _A.c.user_id == _uid))
_CHANGE = (update(_A).where(_A.c.id == bindparam("aid"))
           .values(label=bindparam("label"), spans=bindparam("spans"),
                   comment=bindparam("comment"), seconds=bindparam("seconds"),
                   hints_shown=bindparam("hints_shown"), updated_at=bindparam("now")))
_COUNT = (update(_S).where(_S.c.id == _sid)
          .values(n_labels=_S.c.n_labels + bindparam("delta"),
                  full=_S.c.n_labels + bindparam("delta") >= bindparam("k")))
_HISTORY = insert(_H)
_UNLEASE = delete(_L).where(_L.c.sentence_id == _sid, _L.c.user_id == _uid)
_UNSKIP = delete(_K).where(_K.c.sentence_id == _sid, _K.c.user_id == _uid)
_TOUCH = update(_U).where(_U.c.id == _uid).values(last_active_at=bindparam("now"))
# users.last_active_at is shown to the minute: write it at most once a minute per user.
TOUCH_EVERY = timedelta(minutes=1)


def _new_label(dialect: str):
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(_A)
    # The (sentence, user) pair is unique: if a twin request of the same annotator won the race,
    # nothing is inserted and the loop in save() treats ours as a change of that label.
    ins = ins.on_conflict_do_nothing(index_elements=[_A.c.sentence_id, _A.c.user_id])
    return ins.returning(_A.c.id) if dialect == "postgresql" else ins


_NEW = {"sqlite": _new_label("sqlite"), "postgresql": _new_label("postgresql")}
# SQLite's new-label path on the DBAPI cursor (annotator/prepared.py); PostgreSQL's is
# _RUN_PG_CREATE, one statement.
_LABEL_KEYS = ("sentence_id", "user_id", "project_id", "label", "spans", "comment", "seconds",
               "hints_shown", "created_at", "updated_at")
_HISTORY_KEYS = ("sentence_id", "user_id", "action", "label", "spans", "comment", "at")
_RUN_SQLITE = {
    "probe": Prepared(_PROBE),
    "new": Prepared(sqlite_insert(_A).values({k: bindparam(k) for k in _LABEL_KEYS})
                    .on_conflict_do_nothing(index_elements=[_A.c.sentence_id, _A.c.user_id])),
    "count": Prepared(_COUNT),
    "history": Prepared(insert(_H).values({k: bindparam(k) for k in _HISTORY_KEYS})),
    "unlease": Prepared(_UNLEASE),
    "unskip": Prepared(_UNSKIP),
}


def _pg_create():
    """PostgreSQL: a new label in one statement (a round trip there costs more than all the
    work): insert it unless the pair exists, and only if it was inserted, write its history
    and count it; clear the user's lease and skip on the sentence either way."""
    sid, uid = bindparam("sid", type_=Integer), bindparam("uid", type_=Integer)
    label = bindparam("label", type_=_A.c.label.type)
    spans = bindparam("spans", type_=_A.c.spans.type)
    comment = bindparam("comment", type_=_A.c.comment.type)
    now = bindparam("now", type_=_A.c.created_at.type)
    ins = (pg_insert(_A).values(sentence_id=sid, user_id=uid, project_id=bindparam("pid", type_=Integer),
                                label=label, spans=spans, comment=comment,
                                seconds=bindparam("seconds", type_=_A.c.seconds.type),
                                hints_shown=bindparam("hints_shown", type_=_A.c.hints_shown.type),
                                created_at=now, updated_at=now)
           .on_conflict_do_nothing(index_elements=[_A.c.sentence_id, _A.c.user_id])
           .returning(_A.c.id).cte("ins"))
    made = select(ins.c.id).exists()
    history = insert(_H).from_select(
        ["sentence_id", "user_id", "action", "label", "spans", "comment", "at"],
        select(sid, uid, literal("create", String), label, spans, comment, now).where(made)
    ).cte("history")
    delta = literal(1, Integer)
    count = (update(_S).where(_S.c.id == sid, made)
             .values(n_labels=_S.c.n_labels + delta,
                     full=_S.c.n_labels + delta >= bindparam("k", type_=Integer))
             .cte("counted"))
    unlease = delete(_L).where(_L.c.sentence_id == sid, _L.c.user_id == uid).cte("unlease")
    unskip = delete(_K).where(_K.c.sentence_id == sid, _K.c.user_id == uid).cte("unskip")
    return select(ins.c.id).add_cte(history, count, unlease, unskip)


_PG_CREATE = _pg_create()
_RUN_PG_CREATE = Prepared(_PG_CREATE)


_PORTABLE = {"probe": _PROBE, "count": _COUNT, "history": _HISTORY, "unlease": _UNLEASE,
             "unskip": _UNSKIP}


def _write(conn, name: str, params: dict) -> None:
    """A write of the label path: prepared on SQLite, through SQLAlchemy elsewhere."""
    if conn.dialect.name == "sqlite":
        _RUN_SQLITE[name].run(conn, params)
    else:
        conn.execute(_PORTABLE[name], params)


def _probe(conn, key: dict) -> tuple:
    """(the user's label id or None, leased, skipped) for a sentence."""
    if conn.dialect.name == "sqlite":
        return _RUN_SQLITE["probe"].first(conn, key)
    return tuple(conn.execute(_PROBE, key).one())


def _insert_label(session: Session, conn, values: dict) -> int | None:
    """Insert a new label; its id, or None if the pair exists already."""
    if conn.dialect.name == "sqlite":
        inserted, new_id = _RUN_SQLITE["new"].run(conn, values)
        return new_id if inserted == 1 else None
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
         data: LabelInput, only_new: bool = False) -> tuple[Annotation, str] | None:
    """Store a label and commit. Returns (annotation, "created" | "updated" | "unchanged").

    `project`, `sentence` and `user` may be any objects with the attributes used here (the API
    passes light rows); the annotation returned is a detached snapshot of the stored row.

    only_new (PostgreSQL): store a new label in its one statement and return None when the
    user's label is there already, having changed nothing but clearing their lease and skip
    on the sentence (which any save of theirs does). On a connection in autocommit mode
    that statement is its own transaction (no BEGIN and COMMIT round trips); changing a
    label takes several statements and so needs a transaction (save without only_new)."""
    data = validate(project, sentence, data)
    begin_write(session)
    conn = session.connection()
    key = {"sid": sentence.id, "uid": user.id}
    if conn.dialect.name == "postgresql":
        now = utcnow()
        values = {"sentence_id": sentence.id, "user_id": user.id, "project_id": project.id,
                  "label": data.label, "spans": data.spans, "comment": data.comment,
                  "seconds": data.seconds, "hints_shown": data.hints_shown,
                  "created_at": now, "updated_at": now}
        new_id = _RUN_PG_CREATE.scalar(conn, {**key, "pid": project.id, "label": data.label,
                                              "spans": data.spans, "comment": data.comment,
                                              "seconds": data.seconds,
                                              "hints_shown": data.hints_shown, "now": now,
                                              "k": project.overlap})
        if new_id is not None:
            _touch(session, conn, user, now)
            session.commit()
            return Annotation(id=new_id, **values), "created"
        if only_new:
            return None
        # A label is there already: change it (or not) below.
    for attempt in range(3):
        ann_id, leased, skipped = _probe(conn, key)
        row = conn.execute(_MINE, key).first() if ann_id is not None else None
        now = utcnow()
        if row is None:
            values = {"sentence_id": sentence.id, "user_id": user.id, "project_id": project.id,
                      "label": data.label, "spans": data.spans, "comment": data.comment,
                      "seconds": data.seconds, "hints_shown": data.hints_shown,
                      "created_at": now, "updated_at": now}
            new_id = _insert_label(session, conn, values)
            if new_id is None:
                continue  # the same annotator's twin request won the race: treat ours as a change
            _write(conn, "count", {**key, "delta": 1, "k": project.overlap})
            ann = Annotation(id=new_id, **values)
            outcome = "created"
        else:
            ann = Annotation(sentence_id=sentence.id, user_id=user.id, project_id=project.id,
                             **row._asdict())
            if (ann.label, ann.spans, ann.comment) == (data.label, data.spans, data.comment):
                outcome = "unchanged"
            else:
                ann.label, ann.spans, ann.comment = data.label, data.spans, data.comment
                if data.seconds is not None:
                    ann.seconds = round((ann.seconds or 0) + data.seconds, 3)
                if data.hints_shown is not None:
                    ann.hints_shown = data.hints_shown
                ann.updated_at = now
                conn.execute(_CHANGE, {"aid": ann.id, "label": ann.label, "spans": ann.spans,
                                       "comment": ann.comment, "seconds": ann.seconds,
                                       "hints_shown": ann.hints_shown, "now": now})
                outcome = "updated"
                _expire(session, Annotation, ann.id)
        if outcome != "unchanged":
            _write(conn, "history", {"sentence_id": sentence.id, "user_id": user.id,
                                     "action": outcome[:-1], "label": ann.label,
                                     "spans": ann.spans, "comment": ann.comment, "at": now})
        if leased:
            _write(conn, "unlease", key)
        if skipped:
            _write(conn, "unskip", key)
        _touch(session, conn, user, now)
        session.commit()
        return ann, outcome
    raise AnnotationError("conflict", "the label could not be stored; please retry")


def _touch(session: Session, conn, user, now) -> None:
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


def _count(session: Session, project: Project, sentence: Sentence, delta: int) -> None:
    # One UPDATE, so concurrent writers cannot lose a count; SET sees the old n_labels.
    session.execute(update(Sentence).where(Sentence.id == sentence.id).values(
        n_labels=Sentence.n_labels + delta, full=Sentence.n_labels + delta >= project.overlap))


def remove(session: Session, project: Project, sentence: Sentence, user: User) -> bool:
    """Delete a user's label (kept in history). True if there was one."""
    begin_write(session)
    # Decide by what the DELETE itself removed: two overlapping requests (a double click, two
    # tabs) on PostgreSQL both see the row, but only one of them deletes it and counts it.
    gone = session.execute(delete(Annotation).where(
        Annotation.sentence_id == sentence.id, Annotation.user_id == user.id)).rowcount
    if gone != 1:
        session.commit()
        return False
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
