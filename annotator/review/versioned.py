"""Review figures kept per project data version (no Flask import).

A project's data version is read from what every change already writes, so no writer has to
remember to bump anything: the newest event of the project (every label write, gold label,
unit change, import, setting and member change appends one: annotator.events), the newest
user event (a rename changes the names shown), the newest model version (the queue's
suspects) and the project row's scheme and settings. One index probe each, so a reviewer's
page asks "has anything changed?" in well under a millisecond and recomputes the figures from
all rows only when it has (issue 21 item 3: the dashboard at 5,000,000 labels).

The cache is per process and bounded; a stale entry of `cached` can never be served, because
its key holds the version it was computed at. `lasting` (the dashboard, the disagreement
queue's order, the progress rows) may serve one, said so, while it recomputes in the
background, where computing takes long (a large project); and the first view in a process
says the figures are being computed rather than wait minutes for them.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Callable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Event, ModelVersion, Project, utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ENTRIES = 32  # a queue's entry holds a few arrays over the project's units

_E, _MV = Event.__table__, ModelVersion.__table__
_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def data_version(session: Session, project: Project) -> tuple:
    """What the project's review figures depend on, as a comparable key."""
    conn = session.connection()
    newest = conn.execute(select(_E.c.id).where(_E.c.project_id == project.id)
                          .order_by(_E.c.id.desc()).limit(1)).scalar() or 0
    users = conn.execute(select(_E.c.id).where(_E.c.kind == "user")
                         .order_by(_E.c.id.desc()).limit(1)).scalar() or 0
    # the newest version, and the newest whose stored predictions are whole (model_rater and
    # anchoring read those; a version becomes ready after it is stored)
    model = conn.execute(select(func.max(_MV.c.id)).where(_MV.c.project_id == project.id)).scalar() or 0
    ready = conn.execute(select(func.max(_MV.c.id)).where(_MV.c.project_id == project.id,
                                                         _MV.c.predictions_ready)).scalar() or 0
    shape = json.dumps([project.labels, project.settings, project.overlap], sort_keys=True, default=str)
    return newest, users, model, ready, shape


def cached(session: Session, project: Project, name: str, params, compute: Callable[[], T]) -> T:
    """compute(), or what it gave for the same `name`, `params` (hashable) and data version.
    Callers treat the result as read-only: it is shared by later requests."""
    key = (project.id, name, params, data_version(session, project))
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _entries[key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


# Figures that take long to compute from all rows are served as last computed while this
# process recomputes them in a thread: a reviewer's view never waits minutes for them. The
# bound is well under the 300 ms a review page may take (issue 21), because a computation in
# the request may share the CPU with another's refresh (bench/scale.py: at 100,000 labels on
# SQLite the queue's 340 ms took 545 ms beside the dashboard's refresh).
REFRESH_INLINE_SECONDS = 0.15
# The first view in a process has nothing to serve yet: it waits this long for the
# computation (a thread's), then says the figures are being computed (value None) and leaves
# the thread to finish for the next view. Infinite: computed in the request (the tests).
FIRST_VIEW_SECONDS = 0.2
_latest: OrderedDict[tuple, tuple] = OrderedDict()  # slot -> (version, value, seconds, computed at)
_refreshing: dict[tuple, threading.Event] = {}  # slot -> set when its computation ends


def lasting(session: Session, project: Project, name: str, params,
            compute: Callable[[Session, Project], T]) -> tuple[T | None, datetime | None]:
    """(compute(session, project), None) once per data version, as `cached`; except that
    - where the last computation of the same `name` and `params` took REFRESH_INLINE_SECONDS
      or more, a change gives the figures last computed with the time that computation began,
      while a thread of this process computes them anew (on its own session) for the next view;
    - where none was made yet in this process, a view waits FIRST_VIEW_SECONDS for a thread's
      computation and gives (None, None) if it is still running: the caller says the figures
      are being computed."""
    version = data_version(session, project)
    slot = (project.id, name, params)
    with _lock:
        last = _latest.get(slot)
        if last is not None:
            _latest.move_to_end(slot)
    if last is not None and last[0] == version:
        return last[1], None
    if last is not None and last[2] >= REFRESH_INLINE_SECONDS:
        _refresh_later(session.get_bind(), project.id, slot, compute)
        return last[1], last[3]
    if last is None and FIRST_VIEW_SECONDS != float("inf"):
        if _refresh_later(session.get_bind(), project.id, slot, compute).wait(FIRST_VIEW_SECONDS):
            with _lock:
                last = _latest.get(slot)
            if last is not None:
                return last[1], None
        return None, None
    return _compute(session, project, slot, version, compute), None


def _compute(session, project, slot, version, compute):
    # "As of" is when the computation began: a change after that may not be in the figures.
    started, began = time.perf_counter(), utcnow()
    value = compute(session, project)
    with _lock:
        _latest[slot] = (version, value, time.perf_counter() - started, began)
        while len(_latest) > MAX_ENTRIES:
            _latest.popitem(last=False)
    return value


def _refresh_later(engine, project_id: int, slot: tuple, compute) -> threading.Event:
    """Compute the slot in a thread unless one is at it; the event is set when it ends."""
    with _lock:
        if slot in _refreshing:
            return _refreshing[slot]
        done = _refreshing[slot] = threading.Event()

    def run():
        try:
            with Session(engine) as session:
                project = session.get(Project, project_id)
                if project is not None:
                    _compute(session, project, slot, data_version(session, project), compute)
        except Exception:  # the next view tries again; the stale figures stay meanwhile
            log.exception("refreshing %s of project %s failed", slot[1], project_id)
        finally:
            with _lock:
                _refreshing.pop(slot, None)
            done.set()

    threading.Thread(target=run, name=f"refresh-{slot[1]}-{project_id}", daemon=True).start()
    return done


def refreshing(project_id: int | None = None) -> bool:
    """Is a refresh thread running (for this project)?"""
    with _lock:
        return any(project_id is None or s[0] == project_id for s in _refreshing)


def forget() -> None:
    """Drop every kept entry (tests whose database is wiped under the process)."""
    with _lock:
        _entries.clear()
        _latest.clear()


def frozen(filters: dict) -> tuple:
    """A hashable form of a filters dict (lists become tuples)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, (list, set, tuple)) else v)
                        for k, v in filters.items()))
