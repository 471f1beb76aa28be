"""The latest model applied to every body sentence of a project: the `predictions` export
kind (no Flask import)."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Article, Project, Sentence
from .store import has_model, latest

CHUNK = 5000  # sentences predicted per batch: memory stays flat, the model's work vectorised


def no_model(session: Session, project: Project) -> str | None:
    """Why there are no predictions (no model yet), or None."""
    if has_model(session, project):
        return None
    return (f"kind predictions needs a model and project {project.slug} has none yet: train one "
            f"(`annotator model train {project.slug}`, or Train model on the admin project page)")


def iter_predictions(session: Session, project: Project) -> Iterator[dict]:
    """One record per body sentence, in reading order: sentence_id, the predicted label, the
    probability of every label and the model's version."""
    found = latest(session, project)
    if found is None:
        return
    version, pipeline = found
    classes = [str(c) for c in pipeline.classes_]
    stmt = (select(Sentence.id, Sentence.text, Article.lang)
            .join(Article, Article.id == Sentence.article_id)
            .where(Sentence.project_id == project.id, Sentence.kind == "body")
            .order_by(Article.id, Sentence.position)
            .execution_options(yield_per=CHUNK))
    for part in session.execute(stmt).partitions(CHUNK):
        proba = pipeline.predict_proba([r.text for r in part])
        best = proba.argmax(axis=1)
        for r, p, b in zip(part, proba.tolist(), best.tolist()):
            yield {"sentence_id": r.id, "label": classes[b],
                   "probabilities": dict(zip(classes, p)), "model_version": version,
                   "article_lang": r.lang}


def stored_rows(session: Session, project: Project, pipeline, oof: dict[int, list[float]]) -> list[dict]:
    """The model_predictions rows of a freshly fitted model (without its version): every body
    sentence of the project with the most probable label and the probability of each label.
    A sentence in `oof` (sentence id -> out-of-fold probabilities, in the pipeline's class
    order) keeps those: the figures that judge the model against gold (review/model_rater.py)
    must not judge it on the labels it learnt."""
    classes = [str(c) for c in pipeline.classes_]
    stmt = (select(Sentence.id, Sentence.text)
            .where(Sentence.project_id == project.id, Sentence.kind == "body")
            .order_by(Sentence.id).execution_options(yield_per=CHUNK))
    out = []
    for part in session.execute(stmt).partitions(CHUNK):
        fresh = [r for r in part if r.id not in oof]
        proba = dict(zip([r.id for r in fresh],
                         pipeline.predict_proba([r.text for r in fresh]).tolist() if fresh else []))
        for r in part:
            held_out = r.id in oof
            p = oof[r.id] if held_out else proba[r.id]
            best = max(range(len(classes)), key=p.__getitem__)
            out.append({"sentence_id": r.id, "label": classes[best],
                        "probabilities": {c: round(float(v), 6) for c, v in zip(classes, p)},
                        "out_of_fold": held_out})
    return out
