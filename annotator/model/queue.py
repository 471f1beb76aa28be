"""A project's queue order, written into sentences.queue_pos (issue 19 item 2; no Flask import).

The claim path (assign.py) walks open sentences by queue_pos, lowest first, then in reading
order; so reading order is every queue_pos 0, and nothing here runs for it. For the other
orders (model.ordering) the open body sentences get -n..-1 in the order's sequence.
Sentences imported after the last reordering keep queue_pos 0 and come after the ranked ones
until the next reordering, which the worker runs after every training (and when an admin
changes the order). Without a trained model the uncertainty orders leave reading order.
"""
from __future__ import annotations

import numpy as np
from sqlalchemy import and_, false, select, update
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import ModelPrediction, Project, Sentence
from ..projects import settings
from .ordering import margins, model_features, rank
from .predictions import CHUNK
from .store import pipeline_of, stored_version

def reorder(session: Session, project: Project) -> dict:
    """Rank the project's open body sentences under its `order` and store their places;
    commits. Returns {"order", "ranked", "model_version"}.

    The uncertainty orders read the margins stored with the newest version whose predictions
    are all written (store.store_predictions) in the same read as the sentences, so that a
    reordering predicts nothing again; a sentence without one (imported since, or stored before
    margins were) is predicted here by that version."""
    order = settings(project)["order"]
    S, P = Sentence.__table__, ModelPrediction.__table__
    conn = session.connection()  # Core reads and writes: a queue may hold 100,000 sentences
    is_open = and_(S.c.project_id == project.id, S.c.kind == "body", S.c.full == false())
    in_order = (S.c.article_id, S.c.position)
    found = None if order in ("reading", "random") else stored_version(session, project)
    if found is None:
        ids = conn.execute(select(S.c.id).where(is_open).order_by(*in_order)).scalars().all()
    else:
        rows = conn.execute(select(S.c.id, P.c.margin).select_from(S.outerjoin(P, and_(
            P.c.sentence_id == S.c.id, P.c.model_version_id == found.id))).where(is_open)
            .order_by(*in_order)).all()
        ids = [r[0] for r in rows]
        margin = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)

    def text_of(at) -> list[str]:  # only the texts a step needs: the candidates, the new
        wanted = [ids[i] for i in at]
        got = dict(session.connection().execute(select(S.c.id, S.c.text).where(S.c.id.in_(wanted))).all())
        return [got[sid] for sid in wanted]
    loaded = []

    def pipeline():
        if not loaded:
            loaded.append(pipeline_of(session, found.id))
        return loaded[0]
    version, position = None, None
    if order == "random":
        position = rank("random", len(ids), seed=project.id)
    elif found is not None:
        version = found.version
        missing = np.flatnonzero(np.isnan(margin)).tolist()
        for lo in range(0, len(missing), CHUNK):
            part = missing[lo:lo + CHUNK]
            margin[part] = margins(pipeline().predict_proba(text_of(part)))
        # the features of the few candidates the diversity term looks at, not of all
        feats = (lambda pool: model_features(pipeline(), text_of(pool))) \
            if order == "uncertainty_diversity" and ids else None
        position = rank(order, len(ids), features=feats, margin=margin)
    session.commit()  # the reads (and the predictions) outside the write lock
    begin_write(session)
    conn = session.connection()
    if position is not None and len(ids):
        # the places of the open sentences are written anew; any other loses its place
        conn.execute(update(S).where(S.c.project_id == project.id, S.c.queue_pos != 0, ~is_open)
                     .values(queue_pos=0))
        n = len(ids)
        # the driver's executemany with plain tuples: building 100,000 parameter dicts through
        # the statement compiler cost as much as the writes themselves
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"UPDATE sentences SET queue_pos = {mark} WHERE id = {mark}",
                             list(zip((position - n).tolist(), ids)))
    else:
        conn.execute(update(S).where(S.c.project_id == project.id, S.c.queue_pos != 0).values(queue_pos=0))
    session.commit()
    session.expire_all()  # sentences loaded before hold their old places
    return {"order": order, "ranked": 0 if position is None else len(ids), "model_version": version}
