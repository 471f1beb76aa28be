"""Progress: how far an annotator is in a project, the one definition (no Flask import).

done       the user's labels in the project (control items included: they were served)
remaining  body sentences still short of their k labels that the user has not labelled,
           control items apart (they are served at the project's control rate, not all)
total      done + remaining

The annotate page, the API's `next`, the admin's progress page and the CLI all read these
functions, so they agree (tests/test_progress.py).
"""
from __future__ import annotations

import time

from sqlalchemy import bindparam, exists, false, func, select
from sqlalchemy.orm import Session

from .models import Annotation, ControlItem, Sentence

_S, _A, _C = Sentence.__table__, Annotation.__table__, ControlItem.__table__
_pid, _uid = bindparam("pid"), bindparam("uid")

# Open: a body sentence short of k labels, not a control item. `full = false` rather than
# `full IS false`, which PostgreSQL cannot answer from an index.
_OPEN = (_S.c.project_id == _pid, _S.c.full == false(), _S.c.kind == "body",
         ~exists().where(_C.c.sentence_id == _S.c.id))
_OPEN_IN_PROJECT = select(func.count()).select_from(_S).where(*_OPEN).scalar_subquery()
_LABELLED_OPEN = select(func.count()).select_from(_A.join(_S, _S.c.id == _A.c.sentence_id)).where(
    _A.c.project_id == _pid, *_OPEN)
_DONE = select(func.count()).select_from(_A).where(_A.c.user_id == _uid, _A.c.project_id == _pid)
# Done, and what is still open to the user: two index walks in one statement (one snapshot
# on PostgreSQL, whose read-committed statements each take their own).
_ONE = select(_DONE.scalar_subquery(),
              _OPEN_IN_PROJECT - _LABELLED_OPEN.where(_A.c.user_id == _uid).scalar_subquery())
_DONE_ONLY = select(_DONE.scalar_subquery())
# The same for every annotator with labels here.
_DONE_BY_USER = (select(_A.c.user_id, func.count()).where(_A.c.project_id == _pid)
                 .group_by(_A.c.user_id))
_LABELLED_OPEN_BY_USER = (_LABELLED_OPEN.with_only_columns(_A.c.user_id, func.count())
                          .group_by(_A.c.user_id))

# `total` of the annotate loop, kept per process: (project id, user id) -> (monotonic time, total).
_totals: dict[tuple[int, int], tuple[float, int]] = {}
_TOTALS_MAX = 10_000


def of_user(session: Session, project, user, max_age: float = 0) -> dict:
    """{"done", "total"} for `user` in `project` (anything with `id`).

    Counting what is still open walks the project's open sentences, so the annotate loop
    (where this comes with every sentence) passes `max_age`: `total` may then be one counted
    in this process at most `max_age` seconds ago. The user's own labels never change it (each
    moves a sentence from open to done); other people's work, imports and settings do, and
    show within `max_age` seconds. `forget(project_id)` drops what is kept."""
    conn = session.connection()  # Core statements: no ORM layer in between
    params = {"uid": user.id, "pid": project.id}
    key = (project.id, user.id)
    kept = _totals.get(key) if max_age > 0 else None
    if kept is not None and time.monotonic() - kept[0] < max_age:
        done = conn.execute(_DONE_ONLY, params).scalar()
        return {"done": done, "total": max(kept[1], done)}
    done, remaining = conn.execute(_ONE, params).one()
    total = done + max(0, remaining)
    if len(_totals) >= _TOTALS_MAX:
        _totals.clear()
    _totals[key] = (time.monotonic(), total)
    return {"done": done, "total": total}


def by_user(session: Session, project, user_ids) -> dict[int, dict]:
    """{user id: {"done", "remaining"}} for each of `user_ids`, as of_user counts them."""
    params = {"pid": project.id}
    done = dict(session.execute(_DONE_BY_USER, params).all())
    labelled_open = dict(session.execute(_LABELLED_OPEN_BY_USER, params).all())
    open_now = session.execute(select(_OPEN_IN_PROJECT), params).scalar()
    return {uid: {"done": done.get(uid, 0),
                  "remaining": max(0, open_now - labelled_open.get(uid, 0))}
            for uid in user_ids}


def forget(project_id: int | None = None) -> None:
    """Drop the totals kept by of_user(max_age=...), for one project or all."""
    if project_id is None:
        _totals.clear()
        return
    for key in list(_totals):
        if key[0] == project_id:
            _totals.pop(key, None)
