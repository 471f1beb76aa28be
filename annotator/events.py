"""The event log (issue 20 item 1): one append-only row per change of labels, gold, unit kinds
and segmentation, schemes, guidelines, lexicons, members, settings, users and tokens, with the
actor, the time, the state before and after (JSON) and the request id.

`record` is the one writer; each domain function that changes something calls it (through the
small helpers below) in its own transaction, so an event exists exactly when its change
was committed. The web layer says who acts and under which request id with `bind` (a
contextvar: no Flask here); the command line leaves both empty. Rows hold plain ids, no
foreign keys: nothing a delete does can cascade them away.

`replay` folds the log back into the current labels, gold and unit kinds (the property test
checks it against the tables), and `version_of` gives the number that admin forms and API
updates carry to detect a stale save (item 2)."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, bindparam, insert, select
from sqlalchemy.orm import Session

from .models import Event, Sentence, utcnow

KINDS = ("label", "gold", "unit", "article", "project", "scheme", "guidelines", "settings",
         "members", "lexicon", "user", "token")
ACTIONS = ("create", "update", "delete", "restore", "purge")
# What an admin edits on the project page and the lexicon page: a change of any of these
# moves the project's version (item 2).
PROJECT_KINDS = ("project", "scheme", "guidelines", "settings", "members", "lexicon")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_actor: contextvars.ContextVar[Callable | None] = contextvars.ContextVar("actor", default=None)
_E, _S = Event.__table__, Sentence.__table__
_INSERT = insert(_E).values({c: bindparam(c) for c in (
    "at", "actor_id", "actor", "request_id", "project_id", "kind", "action", "target",
    "before", "after")})


def bind(request_id: str | None, actor: Callable | None = None) -> None:
    """Set the request id and who acts (a callable giving the user or None, read only when an
    event is written) for the changes that follow in this context."""
    _request_id.set(request_id)
    _actor.set(actor)


def _who(actor) -> tuple[int | None, str | None]:
    if actor is None:
        find = _actor.get()
        actor = find() if find is not None else None
    if actor is None or getattr(actor, "id", None) is None:
        return None, None
    return actor.id, getattr(actor, "username", None)


def record(session: Session, kind: str, action: str, target, *, project_id: int | None = None,
           before=None, after=None, actor=None) -> None:
    """Append one event in the session's transaction (the caller commits with its change).
    `actor` (anything with id and username) is taken from `bind` when not given."""
    actor_id, name = _who(actor)
    session.connection().execute(_INSERT, {
        "at": utcnow(), "actor_id": actor_id, "actor": name, "request_id": _request_id.get(),
        "project_id": project_id, "kind": kind, "action": action, "target": str(target)[:64],
        "before": before, "after": after})


def last_after(session: Session, kind: str, target) -> dict | None:
    """The state the newest event of this thing left it in (None: none, or deleted)."""
    return session.connection().execute(
        select(_E.c.after).where(_E.c.kind == kind, _E.c.target == str(target))
        .order_by(_E.c.id.desc()).limit(1)).scalar()


# -------------------------------------------------------------- one helper per kind of change

def label(session: Session, sentence_id: int, user_id: int, action: str, label_=None, spans=None,
          comment=None, project_id: int | None = None) -> None:
    """A label stored, changed or removed (labelling.record_history calls this)."""
    target = f"{sentence_id}/{user_id}"
    if project_id is None:
        project_id = _project_of(session, sentence_id)
    after = None if action == "delete" else {"label": label_, "spans": spans or [], "comment": comment}
    # A label is created only where there is none (never, or deleted): nothing to look up.
    before = None if action == "create" else last_after(session, "label", target)
    record(session, "label", action, target, project_id=project_id, before=before, after=after)


def _project_of(session: Session, sentence_id: int) -> int | None:
    return session.connection().execute(select(_S.c.project_id).where(_S.c.id == sentence_id)).scalar()


def gold(session: Session, project_id: int | None, sentence_id: int, action: str, label_=None,
         note=None, actor=None, labels=None) -> None:
    """A gold label set, changed or cleared (adjudication's history calls this); `labels`, a
    multi-label project's gold set, is kept only where there is one."""
    if project_id is None:
        project_id = _project_of(session, sentence_id)
    after = None if action == "delete" else {"label": label_, "note": note,
                                             **({"labels": labels} if labels else {})}
    record(session, "gold", action, sentence_id, project_id=project_id,
           before=last_after(session, "gold", sentence_id), after=after, actor=actor)


def unit_state(s) -> dict:
    return {"article_id": s.article_id, "position": s.position, "start": s.start, "end": s.end,
            "kind": s.kind}


def units(session: Session, project_id: int, rows, action: str = "create", actor=None) -> None:
    """Units made (a repair) or changed (a kind, a retirement, a new position): one event each."""
    for s in rows:
        before = last_after(session, "unit", s.id) if action != "create" else None
        record(session, "unit", action, s.id, project_id=project_id, before=before,
               after=unit_state(s), actor=actor)


def imported(session: Session, article) -> None:
    """An article and its units stored by an import: one event for the article, one per unit
    (in one executemany: imports are large)."""
    record(session, "article", "create", article.id, project_id=article.project_id,
           after={"title": article.title, "external_id": article.external_id, "url": article.url})
    cols = (_S.c.id, _S.c.article_id, _S.c.position, _S.c.start, _S.c.end, _S.c.kind)
    rows = session.connection().execute(select(*cols).where(_S.c.article_id == article.id)).all()
    if not rows:
        return
    actor_id, name = _who(None)
    at, request_id = utcnow(), _request_id.get()
    session.connection().execute(_INSERT, [
        {"at": at, "actor_id": actor_id, "actor": name, "request_id": request_id,
         "project_id": article.project_id, "kind": "unit", "action": "create", "target": str(r.id),
         "before": None, "after": {"article_id": r.article_id, "position": r.position,
                                   "start": r.start, "end": r.end, "kind": r.kind}}
        for r in rows])


def project_change(session: Session, project, kind: str, before, after, action: str = "update") -> None:
    """A change of one part of a project (kind: scheme, guidelines, settings, members,
    lexicon, project); nothing is written when it did not change."""
    if session is not None and project.id is not None and (before != after or action != "update"):
        record(session, kind, action, project.id, project_id=project.id, before=before, after=after)


def user_state(user) -> dict:
    return {"username": user.username, "role": user.role, "active": bool(user.active),
            "email": user.email}


def user_change(session: Session, user, action: str, before=None, after=None) -> None:
    record(session, "user", action, user.id, before=before,
           after=user_state(user) if after is None and action != "purge" else after)


def token_change(session: Session, user_id: int, token_id, action: str, name: str | None = None) -> None:
    record(session, "token", action, f"{user_id}/{token_id}",
           after=None if action == "delete" else {"name": name, "user_id": user_id})


def version_of(session: Session, kinds, target, project_id: int | None = None) -> int:
    """The id of the newest event of these kinds about `target` (0: none yet): what a form or
    an ETag carries, so that a save made from an older one is recognised as stale."""
    stmt = select(_E.c.id).where(_E.c.kind.in_(kinds), _E.c.target == str(target))
    if project_id is not None:
        stmt = stmt.where(_E.c.project_id == project_id)
    return session.connection().execute(stmt.order_by(_E.c.id.desc()).limit(1)).scalar() or 0


def since(session: Session, kinds, target, version: int) -> list[dict]:
    """The events about `target` after `version`: what changed since a form was loaded."""
    stmt = (select(Event).where(Event.kind.in_(kinds), Event.target == str(target),
                                Event.id > version).order_by(Event.id))
    return [event_json(e) for e in session.scalars(stmt)]


class StaleVersion(Exception):
    """A save made from a form or an ETag older than the stored thing (item 2): nothing was
    written. `changes` are the events since that version; `version` the current one."""

    def __init__(self, version: int, changes: list[dict]):
        super().__init__(f"version: changed since you loaded it ({len(changes)} change(s)); "
                         "review them and save again")
        self.version, self.changes = version, changes


def check_version(session: Session, kinds, target, given) -> int:
    """Raise StaleVersion unless `given` is the current version of `target`."""
    current = version_of(session, kinds, target)
    try:
        given = int(given)
    except (TypeError, ValueError):
        given = -1
    if given != current:
        raise StaleVersion(current, since(session, kinds, target, max(given, 0)))
    return current


# ---------------------------------------------------------------------------- reading the log

@dataclass(frozen=True, slots=True)
class Filters:
    project_id: int | None = None
    actor_id: int | None = None
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def event_json(e: Event) -> dict:
    return {"id": e.id, "at": e.at.isoformat(timespec="seconds") + "Z", "actor_id": e.actor_id,
            "actor": e.actor, "request_id": e.request_id, "project_id": e.project_id,
            "kind": e.kind, "action": e.action, "target": e.target, "before": e.before,
            "after": e.after}


def listing(session: Session, filters: Filters, before_id: int | None = None,
            limit: int = 50) -> tuple[list[dict], int | None]:
    """Newest first, `limit` at a time. Keyset pagination: the next page starts below the
    last id shown (returned, None at the end), so pages stay right while events are added."""
    conds = []
    if filters.project_id is not None:
        conds.append(Event.project_id == filters.project_id)
    if filters.actor_id is not None:
        conds.append(Event.actor_id == filters.actor_id)
    if filters.kind:
        conds.append(Event.kind == filters.kind)
    if filters.start is not None:
        conds.append(Event.at >= filters.start)
    if filters.end is not None:
        conds.append(Event.at < filters.end)
    if before_id is not None:
        conds.append(Event.id < before_id)
    stmt = select(Event).where(and_(True, *conds)).order_by(Event.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return [event_json(e) for e in rows], (rows[-1].id if more else None)


def replay(session: Session, project_id: int | None = None) -> dict:
    """Fold the log, oldest first, into the state it describes: labels {(sentence, user):
    {label, spans, comment}}, gold {sentence: {label, note}} and unit kinds {sentence: kind}."""
    state: dict = {"label": {}, "gold": {}, "unit": {}}
    stmt = select(_E.c.kind, _E.c.action, _E.c.target, _E.c.after).where(
        _E.c.kind.in_(("label", "gold", "unit"))).order_by(_E.c.id)
    if project_id is not None:
        stmt = stmt.where(_E.c.project_id == project_id)
    for kind, action, target, after in session.connection().execute(stmt):
        key = tuple(int(x) for x in target.split("/")) if kind == "label" else int(target)
        if action == "delete" or after is None:
            state[kind].pop(key, None)
        elif kind == "unit":
            state[kind][key] = after["kind"]
        else:
            state[kind][key] = after
    return {"labels": state["label"], "gold": state["gold"], "kinds": state["unit"]}
