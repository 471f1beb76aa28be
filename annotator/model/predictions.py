"""The project model's labels of every body sentence: the `predictions` export kind, and the
rows stored with each trained version that it reads (no Flask import)."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..models import Article, ModelPrediction, Project, Sentence
from .store import has_model, pipeline_of, stored_version

CHUNK = 5000  # sentences predicted per batch: memory stays flat, the model's work vectorised


def no_model(session: Session, project: Project) -> str | None:
    """Why there are no predictions (no model yet), or None."""
    if has_model(session, project):
        return None
    return (f"kind predictions needs a model and project {project.slug} has none yet: train one "
            f"(`annotator model train {project.slug}`, or Train model on the admin project page)")


def iter_predictions(session: Session, project: Project) -> Iterator[dict]:
    """One record per body sentence, in reading order: the label and probabilities the newest
    model version stored with its training (model_predictions: what the annotate page suggests
    and the dashboard judges; `out_of_fold` for a sentence it learnt from, predicted by a fold
    model that never saw its label), and for a sentence imported since, that version's model
    applied to it. Before a version's predictions are all stored, the one before it is read;
    with none stored at all, the newest model predicts every sentence."""
    found = stored_version(session, project)
    if found is None:
        return
    vid, version = found.id, found.version
    stmt = (select(Sentence.id, Sentence.text, Article.lang, ModelPrediction.label,
                   ModelPrediction.probabilities, ModelPrediction.out_of_fold)
            .join(Article, Article.id == Sentence.article_id)
            .outerjoin(ModelPrediction, and_(ModelPrediction.sentence_id == Sentence.id,
                                             ModelPrediction.model_version_id == vid))
            .where(Sentence.project_id == project.id, Sentence.kind == "body")
            .order_by(Article.id, Sentence.position)
            .execution_options(yield_per=CHUNK))
    pipeline = None
    for part in session.execute(stmt).partitions(CHUNK):
        fresh = [r for r in part if r.label is None]
        computed = {}
        if fresh:
            pipeline = pipeline or pipeline_of(session, vid)
            classes = [str(c) for c in pipeline.classes_]
            for r, p in zip(fresh, pipeline.predict_proba([r.text for r in fresh]).tolist()):
                computed[r.id] = (classes[max(range(len(p)), key=p.__getitem__)], dict(zip(classes, p)))
        for r in part:
            label, probabilities = computed.get(r.id) or (r.label, r.probabilities)
            yield {"sentence_id": r.id, "label": label, "probabilities": probabilities,
                   "out_of_fold": bool(r.out_of_fold), "model_version": version,
                   "article_lang": r.lang}


def stored_rows(session: Session, project: Project, pipeline, oof: dict[int, list[float]]) -> list[dict]:
    """The model_predictions rows of a freshly fitted model (without its version): every body
    sentence of the project with the most probable label and the probability of each label.
    A sentence in `oof` (sentence id -> out-of-fold probabilities, in the pipeline's class
    order) keeps those: the figures that judge the model against gold (review/model_rater.py)
    must not judge it on the labels it learnt."""
    # Here, not at the top: ordering loads scipy, which a web process (the export) never needs.
    from .ordering import margins

    classes = [str(c) for c in pipeline.classes_]
    stmt = (select(Sentence.id, Sentence.text)
            .where(Sentence.project_id == project.id, Sentence.kind == "body")
            .order_by(Sentence.id).execution_options(yield_per=CHUNK))
    out = []
    for part in session.execute(stmt).partitions(CHUNK):
        fresh = [r for r in part if r.id not in oof]
        proba = dict(zip([r.id for r in fresh],
                         pipeline.predict_proba([r.text for r in fresh]).tolist() if fresh else []))
        rows = [oof[r.id] if r.id in oof else proba[r.id] for r in part]
        gaps = margins(np.asarray(rows)).tolist() if rows else []  # the queue orders' margin
        for r, p, gap in zip(part, rows, gaps):
            best = max(range(len(classes)), key=p.__getitem__)
            out.append({"sentence_id": r.id, "label": classes[best],
                        "probabilities": {c: round(float(v), 6) for c, v in zip(classes, p)},
                        "out_of_fold": r.id in oof, "margin": round(gap, 6)})
    return out
