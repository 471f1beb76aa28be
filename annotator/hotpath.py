"""Lookups of the annotate loop's API requests, one prepared statement each (no Flask import).

`GET /next` and `PUT /annotation` are most of an annotation project's traffic. Loading the
token, its user, the project with its members and the sentence as ORM objects costs more than
the work itself, so these lookups read plain rows with statements built once:

* ``principal_for_token``: the token and its user in one query (the rule is
  ``users.token_accepts``), as a ``Principal``;
* ``project_for``: the project and the user's membership in one query, as a ``ProjectRow``;
* ``sentence_for``: a sentence with its project and the user's membership, in one query.

The rows carry the attributes the domain functions use (``assign``, ``writes``,
``projects.settings``), so they can be passed where those take ORM objects.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, bindparam, cast, exists, func, select, update
from sqlalchemy.orm import Session

from .assign import held_by
from .db import begin_write
from .prepared import Prepared
from .models import (Annotation, ApiToken, Article, Lease, Project, ProjectMember, Sentence, User,
                     utcnow)
from .projects import allowed
from .sentences import CONTEXT, CONTEXT_WINDOW, kind_in, view_of
from . import users

_T, _U, _P = ApiToken.__table__, User.__table__, Project.__table__
_M, _S, _ART = ProjectMember.__table__, Sentence.__table__, Article.__table__
_uid = bindparam("uid")

# api_tokens.last_used_at is shown to the minute: write it at most once a minute per token.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(slots=True)
class Principal:
    """The user behind a request: what the API and the domain functions need of a User."""

    id: int
    username: str
    role: str
    active: bool
    last_active_at: datetime | None
    token_id: int | None = None

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def can_review(self) -> bool:
        return self.role in ("admin", "reviewer")


@dataclass(slots=True)
class ProjectRow:
    id: int
    slug: str
    name: str
    overlap: int
    labels: list
    settings: dict
    lexicon_json: str | None  # the stored JSON text: a cache key for the hint matcher
    has_members: bool
    is_member: bool
    done: int | None = None  # the user's labels here, where the lookup counted them
    # (held: [the oldest sentence leased to the user here, unlabelled], any lease expired),
    # where the lookup read them (see assign.lease_next)
    leases: tuple[list[int], bool] | None = None

    def allows(self, user, purpose: str) -> bool:
        """projects.allowed, the one access rule, for this user."""
        return allowed(user.role, self.has_members, self.is_member, purpose)


@dataclass(slots=True)
class SentenceRow:
    id: int
    article_id: int
    project_id: int
    position: int
    text: str
    kind: str


_TOKEN = (select(_T.c.id, _T.c.token_hash, _T.c.revoked_at, _T.c.last_used_at,
                 _U.c.id, _U.c.username, _U.c.role, _U.c.active, _U.c.last_active_at)
          .select_from(_T.join(_U, _U.c.id == _T.c.user_id))
          .where(_T.c.token_hash == bindparam("digest")))
_TOKEN_TOUCH = update(_T).where(_T.c.id == bindparam("tid")).values(last_used_at=bindparam("now"))



def _project_cols(user_id):
    return (_P.c.id, _P.c.slug, _P.c.name, _P.c.overlap, _P.c.labels, _P.c.settings,
            cast(_P.c.lexicon, Text),
            exists().where(_M.c.project_id == _P.c.id),
            exists().where(_M.c.project_id == _P.c.id, _M.c.user_id == user_id))


_PROJECT_COLS = _project_cols(_uid)
_SENTENCE_COLS = (_S.c.id, _S.c.article_id, _S.c.project_id, _S.c.position, _S.c.text, _S.c.kind)
_PROJECT = select(*_PROJECT_COLS).where(_P.c.slug == bindparam("slug"))
_SENTENCE = (select(*_SENTENCE_COLS, *_PROJECT_COLS)
             .select_from(_S.join(_P, _P.c.id == _S.c.project_id))
             .where(_S.c.id == bindparam("sid")))
# The token and, in the same query, the project or the sentence the request names (and,
# for `next`, the user's labels there with an id above `since`: how many, and the newest id).
_A = Annotation.__table__
_MINE_SINCE = (_A.c.user_id == _U.c.id, _A.c.project_id == _P.c.id, _A.c.id > bindparam("since"))
_DONE_SINCE = select(func.count()).select_from(_A).where(*_MINE_SINCE).scalar_subquery()
_TOP_SINCE = select(func.max(_A.c.id)).where(*_MINE_SINCE).scalar_subquery()
# ... and the user's leases that assign.lease_next reads first: the oldest live one here on a
# sentence they have not labelled, and whether any of theirs expired (one round trip fewer).
_L = Lease.__table__
_lease_now = bindparam("now", type_=_L.c.expires_at.type)
_HELD_HERE = held_by(_U.c.id, _P.c.id, _lease_now).limit(1).scalar_subquery()
_ANY_EXPIRED = exists().where(_L.c.user_id == _U.c.id, _L.c.expires_at <= _lease_now)
_TOKEN_PROJECT = (select(*_TOKEN.selected_columns, *_project_cols(_U.c.id), _DONE_SINCE, _TOP_SINCE,
                         _HELD_HERE, _ANY_EXPIRED)
                  .select_from(_T.join(_U, _U.c.id == _T.c.user_id)
                               .outerjoin(_P, _P.c.slug == bindparam("slug")))
                  .where(_T.c.token_hash == bindparam("digest")))
_TOKEN_SENTENCE = (select(*_TOKEN.selected_columns, *_SENTENCE_COLS, *_project_cols(_U.c.id))
                   .select_from(_T.join(_U, _U.c.id == _T.c.user_id)
                                .outerjoin(_S, _S.c.id == bindparam("sid"))
                                .outerjoin(_P, _P.c.id == _S.c.project_id))
                   .where(_T.c.token_hash == bindparam("digest")))
_VIEW_ROW = (select(_S.c.id, _S.c.article_id, _S.c.project_id, _S.c.position, _S.c.text,
                    _S.c.kind, _ART.c.title)
             .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id))
             .where(_S.c.id == bindparam("sid")))
_CONTEXT = (select(_S.c.position, _S.c.text)
            .where(_S.c.article_id == bindparam("aid"), kind_in(_S.c.kind),
                   _S.c.position.between(bindparam("lo"), bindparam("hi")),
                   _S.c.id != bindparam("sid"))
            .order_by(_S.c.position))
# A sentence with its article title, and its context, in one query (views()).
_VIEW = view_of(bindparam("sid"))
_VIEW_ROWS = (select(_S.c.id, _S.c.article_id, _S.c.project_id, _S.c.position, _S.c.text,
                     _S.c.kind, _ART.c.title)
              .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id))
              .where(_S.c.id.in_(bindparam("ids", expanding=True))))


# Each run on the DBAPI cursor, compiled once per database (annotator/prepared.py).
_RUN_TOKEN, _RUN_TOKEN_PROJECT, _RUN_TOKEN_SENTENCE = (
    Prepared(_TOKEN), Prepared(_TOKEN_PROJECT), Prepared(_TOKEN_SENTENCE))
_RUN_PROJECT, _RUN_SENTENCE = Prepared(_PROJECT), Prepared(_SENTENCE)
_RUN_VIEW, _RUN_VIEW_ROW = Prepared(_VIEW), Prepared(_VIEW_ROW)


def _principal(session: Session, row, digest: str, touch: bool) -> Principal | None:
    """The user of a row that starts with _TOKEN's columns, if users.token_accepts it."""
    if row is None or not users.token_accepts(row[1], row[2], row[7], digest):
        return None
    tid, _, _, last_used, uid, username, role, active, last_active = row[:9]
    if touch:
        now = utcnow()
        if last_used is None or now - last_used >= TOKEN_TOUCH_EVERY:
            _touch_token(session, tid, now)
    return Principal(uid, username, role, bool(active), last_active, tid)


def principal_for_token(session: Session, token: str, touch: bool = True) -> Principal | None:
    """The active user of an unrevoked token, else None. Notes the token's use (per minute)."""
    digest = users.token_digest(token)
    if digest is None:
        return None
    row = _RUN_TOKEN.first(session.connection(), {"digest": digest})
    return _principal(session, row, digest, touch)


def principal_and_project(session: Session, token: str, slug: str):
    """(principal, project row or None) in one query; (None, None) if the token is no good."""
    digest = users.token_digest(token)
    if digest is None:
        return None, None
    key, now = (digest, slug), time.monotonic()
    kept = _done.get(key)
    if kept is not None and now - kept[0] >= DONE_RECOUNT_EVERY:
        kept = None
    row = _RUN_TOKEN_PROJECT.first(session.connection(), {
        "digest": digest, "slug": slug, "since": kept[2] if kept else 0, "now": utcnow()})
    principal = _principal(session, row, digest, True)
    if principal is None:
        return None, None
    if row[9] is None:
        return principal, None
    project = _project_row(row[9:18])
    project.done, top = row[18], row[19]
    if session.in_transaction():  # not when noting the token's use committed meanwhile
        project.leases = ([] if row[20] is None else [row[20]], bool(row[21]))
    if kept is not None:
        project.done += kept[1]
        top = max(top or 0, kept[2])
    if len(_done) >= _DONE_MAX:
        _done.clear()
    _done[key] = (kept[0] if kept else now, project.done, top or 0)
    return principal, project


# `done` of `next`: a user's labels in a project, counted in full at most every few seconds per
# process; in between only the labels with a newer id are counted and added (index
# ix_annotations_user_project_id), so the count costs O(new labels), not O(all of them).
# A label deleted, or one committed out of id order by a concurrent request, shows at the
# next full count. (token digest, slug) -> (monotonic time of the full count, done, top id).
DONE_RECOUNT_EVERY = 5.0
_DONE_MAX = 10_000
_done: dict[tuple[str, str], tuple[float, int, int]] = {}


def forget_done(token: str | None = None, slug: str | None = None) -> None:
    """Drop the counts kept for `next`'s progress (the next call counts in full): all of
    them, or those of one token in one project (after its user removes a label)."""
    if token is None:
        _done.clear()
        return
    _done.pop((users.token_digest(token), slug), None)


def principal_and_sentence(session: Session, token: str, sentence_id: int):
    """(principal, (project row, sentence row) or None) in one query; (None, None) if the
    token is no good."""
    digest = users.token_digest(token)
    if digest is None:
        return None, None
    row = _RUN_TOKEN_SENTENCE.first(session.connection(), {"digest": digest, "sid": sentence_id})
    principal = _principal(session, row, digest, True)
    if principal is None:
        return None, None
    if row[9] is None or row[15] is None:
        return principal, None
    return principal, (_project_row(row[15:]), SentenceRow(*row[9:15]))


def _touch_token(session: Session, token_id: int, now) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        begin_write(session)
        session.connection().execute(_TOKEN_TOUCH, {"tid": token_id, "now": now})
        session.commit()
    except SQLAlchemyError:  # bookkeeping only: never fail a request over it
        session.rollback()


def _project_row(values) -> ProjectRow:
    values = values[:9]
    return ProjectRow(values[0], values[1], values[2], values[3], values[4], values[5] or {},
                      values[6], bool(values[7]), bool(values[8]))


def project_for(session: Session, slug: str, user) -> ProjectRow | None:
    row = _RUN_PROJECT.first(session.connection(), {"slug": slug, "uid": user.id})
    return None if row is None else _project_row(row)


def sentence_for(session: Session, sentence_id: int, user) -> tuple[ProjectRow, SentenceRow] | None:
    row = _RUN_SENTENCE.first(session.connection(), {"sid": sentence_id, "uid": user.id})
    if row is None:
        return None
    return _project_row(row[6:]), SentenceRow(*row[:6])


def view_rows(session: Session, ids: list[int]) -> list[tuple[SentenceRow, str]]:
    """(sentence, article title) for each id, in the order given."""
    if not ids:
        return []
    conn = session.connection()
    if len(ids) == 1:
        found = _RUN_VIEW_ROW.rows(conn, {"sid": ids[0]})
    else:
        found = conn.execute(_VIEW_ROWS, {"ids": list(ids)}).all()
    rows = {r[0]: (SentenceRow(*r[:6]), r[6]) for r in found}
    return [rows[i] for i in ids if i in rows]


def views(session: Session, ids: list[int], matcher=None, read: dict | None = None) -> list[dict]:
    """`sentences.view` of each sentence (in the order given), one query per sentence, but
    for those whose view rows are in `read` already (assign.lease_next's `read`)."""
    conn = session.connection()
    out = []
    for sid in ids:
        rows = read.get(sid) if read else None
        if rows is None:
            rows = _RUN_VIEW.rows(conn, {"sid": sid})
        own = next((r for r in rows if r[0] is not None), None)
        if own is None:
            continue
        sentence, title = SentenceRow(*own[:6]), own[6]
        near = sorted((r[3], r[4]) for r in rows if r[0] is None)
        out.append(_view(sentence, title, near, matcher))
    return out


def _view(sentence: SentenceRow, title: str, near: list, matcher) -> dict:
    pos = sentence.position
    before = [t for p, t in near if p < pos][-CONTEXT:]
    after = [t for p, t in near if p > pos][:CONTEXT]
    hints = matcher.hints(sentence.text) if matcher is not None else []
    return {"id": sentence.id, "article_id": sentence.article_id, "article_title": title,
            "position": pos, "text": sentence.text, "kind": sentence.kind,
            "context": {"before": before, "after": after}, "hints": hints}


def view(session: Session, sentence: SentenceRow, title: str, matcher=None) -> dict:
    """`sentences.view` with a prepared context query (the same JSON; tests compare the two)."""
    rows = session.connection().execute(_CONTEXT, {
        "aid": sentence.article_id, "lo": sentence.position - CONTEXT_WINDOW,
        "hi": sentence.position + CONTEXT_WINDOW, "sid": sentence.id}).all()
    return _view(sentence, title, list(rows), matcher)
