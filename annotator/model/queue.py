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
from sqlalchemy import bindparam, false, select, update
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import Project, Sentence
from ..projects import settings
from .ordering import model_features, rank
from .predictions import CHUNK
from .store import latest

_SET = (update(Sentence.__table__).where(Sentence.__table__.c.id == bindparam("sid"))
        .values(queue_pos=bindparam("p")))


def reorder(session: Session, project: Project) -> dict:
    """Rank the project's open body sentences under its `order` and store their places;
    commits. Returns {"order", "ranked", "model_version"}."""
    order = settings(project)["order"]
    S = Sentence
    rows = session.execute(select(S.id, S.text).where(
        S.project_id == project.id, S.kind == "body", S.full == false())
        .order_by(S.article_id, S.position)).all()
    ids, texts = [r.id for r in rows], [r.text for r in rows]
    version, position = None, None
    if order == "random":
        position = rank("random", len(ids), seed=project.id)
    elif order != "reading":
        found = latest(session, project)
        if found is not None:
            version, pipeline = found
            proba = np.vstack([pipeline.predict_proba(texts[i:i + CHUNK])
                               for i in range(0, len(texts), CHUNK)]) if texts else np.zeros((0, 2))
            feats = model_features(pipeline, texts) if order == "uncertainty_diversity" and texts else None
            position = rank(order, len(ids), proba, feats)
    session.commit()  # the reads (and the predictions) outside the write lock
    begin_write(session)
    session.execute(update(S).where(S.project_id == project.id, S.queue_pos != 0).values(queue_pos=0))
    if position is not None and len(ids):
        n = len(ids)
        session.execute(_SET, [{"sid": sid, "p": int(pos) - n} for sid, pos in zip(ids, position)])
    session.commit()
    session.expire_all()  # sentences loaded before hold their old places
    return {"order": order, "ranked": 0 if position is None else len(ids), "model_version": version}
