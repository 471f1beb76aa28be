"""Review figures kept per project data version (no Flask import).

A project's data version is read from what every change already writes, so no writer has to
remember to bump anything: the newest event of the project (every label write, gold label,
unit change, import, setting and member change appends one: annotator.events), the newest
user event (a rename changes the names shown), the newest model version (the queue's
suspects) and the project row's scheme and settings. One index probe each, so a reviewer's
page asks "has anything changed?" in well under a millisecond and recomputes the figures from
all rows only when it has (issue 21 item 3: the dashboard at 5,000,000 labels).

The cache is per process and bounded; a stale entry can never be served, because its key
holds the version it was computed at.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Callable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Event, ModelVersion, Project

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


def forget() -> None:
    """Drop every kept entry (tests whose database is wiped under the process)."""
    with _lock:
        _entries.clear()


def frozen(filters: dict) -> tuple:
    """A hashable form of a filters dict (lists become tuples)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, (list, set, tuple)) else v)
                        for k, v in filters.items()))
