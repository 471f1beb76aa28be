"""A project's queue order, written into sentences.queue_pos (issue 19 item 2; no Flask import).

The claim path (assign.py) walks open sentences by queue_pos, lowest first, then in reading
order; so reading order is every queue_pos 0, and nothing here runs for it. For the other
orders (model.ordering) the open body sentences get -n..-1 in the order's sequence.
Sentences imported after the last reordering keep queue_pos 0 and come after the ranked ones
until the next reordering, which the worker runs after every training (and when an admin
changes the order). Without a trained model the uncertainty orders leave reading order.
"""
from __future__ import annotations

import pickle

import numpy as np
import orjson
from sqlalchemy import Text, and_, false, select, type_coerce, update
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import ModelPrediction, ModelVersion, Project, Sentence
from ..projects import settings
from .ordering import model_features, rank
from .predictions import CHUNK

def _probabilities(session: Session, project: Project, ids: list[int], text_of):
    """(model version, n x labels probabilities of the sentences `ids`, a function giving the
    version's fitted pipeline), or None without a model. The probabilities are those stored
    with the newest version whose predictions are all written (store.store_predictions), so
    that a reordering predicts nothing again; a sentence without a stored row (imported since)
    is predicted here (`text_of`: row indices -> their texts), as is every sentence before any
    version's predictions were stored."""
    found = session.execute(
        select(ModelVersion.id, ModelVersion.version, ModelVersion.labels, ModelVersion.predictions_ready)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.predictions_ready.desc(), ModelVersion.version.desc()).limit(1)).first()
    if found is None:
        return None
    loaded = []

    def pipeline():
        if not loaded:
            loaded.append(pickle.loads(session.scalar(
                select(ModelVersion.pipeline).where(ModelVersion.id == found.id))))
        return loaded[0]
    # the stored JSON read as text and parsed by orjson: a queue of 100,000 is 100,000 of them
    P = ModelPrediction.__table__
    rows = session.connection().execute(
        select(P.c.sentence_id, type_coerce(P.c.probabilities, Text))
        .where(P.c.model_version_id == found.id)).all() if found.predictions_ready else []
    if rows and isinstance(rows[0][1], str):  # SQLite hands the JSON over as text: one parse
        parsed = orjson.loads("[" + ",".join(r[1] for r in rows) + "]")
    else:  # PostgreSQL's driver has parsed it already
        parsed = [r[1] for r in rows]
    classes = list(found.labels)
    table = np.array([[p.get(c, 0.0) for c in classes] for p in parsed]).reshape(len(parsed), len(classes))
    row_of = {r[0]: k for k, r in enumerate(rows)}
    at = np.fromiter((row_of.get(sid, -1) for sid in ids), dtype=np.int64, count=len(ids))
    proba = table[np.maximum(at, 0)] if len(table) else np.zeros((len(ids), len(classes)))
    missing = np.flatnonzero(at < 0).tolist()
    for lo in range(0, len(missing), CHUNK):
        part = missing[lo:lo + CHUNK]
        fitted = pipeline()
        got = fitted.predict_proba(text_of(part))
        cols = [list(map(str, fitted.classes_)).index(c) for c in classes]
        proba[part] = got[:, cols]
    return found.version, proba, pipeline


def reorder(session: Session, project: Project) -> dict:
    """Rank the project's open body sentences under its `order` and store their places;
    commits. Returns {"order", "ranked", "model_version"}."""
    order = settings(project)["order"]
    S = Sentence.__table__
    conn = session.connection()  # Core reads and writes: a queue may hold 100,000 sentences
    is_open = and_(S.c.project_id == project.id, S.c.kind == "body", S.c.full == false())
    ids = conn.execute(select(S.c.id).where(is_open).order_by(S.c.article_id, S.c.position)).scalars().all()

    def text_of(rows) -> list[str]:  # only the texts a step needs: the candidates, the new
        wanted = [ids[i] for i in rows]
        found = dict(session.connection().execute(select(S.c.id, S.c.text).where(S.c.id.in_(wanted))).all())
        return [found[sid] for sid in wanted]
    version, position = None, None
    if order == "random":
        position = rank("random", len(ids), seed=project.id)
    elif order != "reading":
        found = _probabilities(session, project, ids, text_of)
        if found is not None:
            version, proba, pipeline = found
            # the features of the few candidates the diversity term looks at, not of all
            feats = (lambda pool: model_features(pipeline(), text_of(pool))) \
                if order == "uncertainty_diversity" and ids else None
            position = rank(order, len(ids), proba, feats)
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
