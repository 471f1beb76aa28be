"""The versions of a project's model in the database (no Flask import).

The fitted pipeline is kept as pickle bytes in `model_versions.pipeline`. Unpickling runs code,
which is safe here only because nothing but this app ever writes that column: a model is never
imported from a file or an upload."""
from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import begin_write
from ..hints.lexicon import lexicon_of
from ..labels import label_ids
from ..models import Annotation, ModelPrediction, ModelSuspect, ModelVersion, Project
from ..timestamps import iso_utc
from .flagged import POSTERIOR

if TYPE_CHECKING:
    from .training import Fitted

_COLUMNS = (ModelVersion.version, ModelVersion.created_at, ModelVersion.n_labels,
            ModelVersion.label_count, ModelVersion.folds, ModelVersion.macro_f1,
            ModelVersion.per_label_f1, ModelVersion.labels, ModelVersion.seconds)


def label_count(session: Session, project_id: int) -> int:
    """The project's annotations now: what `model_every` counts new labels against."""
    return session.scalar(select(func.count()).select_from(Annotation)
                          .where(Annotation.project_id == project_id)) or 0


PREDICTION_BATCH = 500  # model_predictions rows per write transaction


def save(session: Session, project: Project, fitted: Fitted, labels_then: int,
         suspects: list[dict] = (), predictions: list[dict] | None = None) -> ModelVersion:
    """Store a fitted model as the project's next version, with its suspected label errors
    (suspects.rows_of), and commit; then its predictions (predictions.stored_rows:
    `store_predictions`)."""
    blob = pickle.dumps(fitted.pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    begin_write(session)
    for _attempt in range(3):
        version = (session.scalar(select(func.max(ModelVersion.version))
                                  .where(ModelVersion.project_id == project.id)) or 0) + 1
        mv = ModelVersion(project_id=project.id, version=version, n_labels=fitted.n_labels,
                          label_count=labels_then, folds=fitted.folds, macro_f1=fitted.macro_f1,
                          per_label_f1=fitted.per_label_f1, labels=fitted.labels,
                          seconds=fitted.seconds, pipeline=blob, suspect_score=POSTERIOR)
        try:
            with session.begin_nested():
                session.add(mv)
                session.flush()
                session.add_all(ModelSuspect(model_version_id=mv.id, **row) for row in suspects)
                session.flush()
        except IntegrityError:
            continue  # another worker stored this number first (PostgreSQL): take the next
        session.commit()
        if predictions is not None:
            store_predictions(session, project, mv.id, predictions)
        return mv
    raise RuntimeError("the model version could not be stored; please retry")


def store_predictions(session: Session, project: Project, version_id: int,
                      rows: list[dict]) -> None:
    """Write a version's predictions in short write transactions of PREDICTION_BATCH rows (on
    SQLite the annotators' label writes wait for one batch at most, never for all of them),
    then mark the version ready, so that readers switch to it at once, and drop the older
    versions' rows, batch by batch too."""
    for lo in range(0, len(rows), PREDICTION_BATCH):
        begin_write(session)
        session.execute(insert(ModelPrediction), [
            {"model_version_id": version_id, "project_id": project.id, **row}
            for row in rows[lo:lo + PREDICTION_BATCH]])
        session.commit()
    begin_write(session)
    session.execute(update(ModelVersion).where(ModelVersion.id == version_id)
                    .values(predictions_ready=True))
    session.commit()
    old = (select(ModelPrediction.id).where(ModelPrediction.project_id == project.id,
                                            ModelPrediction.model_version_id != version_id)
           .limit(PREDICTION_BATCH))
    while True:
        ids = session.scalars(old).all()
        if not ids:
            session.commit()
            return
        begin_write(session)
        session.execute(delete(ModelPrediction).where(ModelPrediction.id.in_(ids)))
        session.commit()


def versions(session: Session, project: Project) -> list[dict]:
    """Every version of the project's model, newest first, without the pipeline."""
    rows = session.execute(select(*_COLUMNS).where(ModelVersion.project_id == project.id)
                           .order_by(ModelVersion.version.desc())).all()
    return [{"version": r.version, "created_at": iso_utc(r.created_at), "n_labels": r.n_labels,
             "label_count": r.label_count, "folds": r.folds, "macro_f1": r.macro_f1,
             "per_label_f1": r.per_label_f1, "labels": r.labels, "seconds": r.seconds}
            for r in rows]


def latest(session: Session, project: Project) -> tuple[int, object] | None:
    """(version, fitted pipeline) of the project's newest model, or None."""
    row = session.execute(select(ModelVersion.version, ModelVersion.pipeline)
                          .where(ModelVersion.project_id == project.id)
                          .order_by(ModelVersion.version.desc()).limit(1)).first()
    if row is None:
        return None
    return row.version, pickle.loads(row.pipeline)


def stored_version(session: Session, project: Project):
    """The version whose stored predictions are read (id, version, predictions_ready): the
    newest whose predictions are all written, else the newest (none stored: readers predict);
    None without a model."""
    return session.execute(
        select(ModelVersion.id, ModelVersion.version, ModelVersion.predictions_ready)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.predictions_ready.desc(), ModelVersion.version.desc()).limit(1)).first()


def pipeline_of(session: Session, version_id: int):
    """The fitted pipeline of one model version."""
    return pickle.loads(session.scalar(select(ModelVersion.pipeline).where(ModelVersion.id == version_id)))


def has_model(session: Session, project: Project) -> bool:
    return session.scalar(select(func.count()).select_from(ModelVersion)
                          .where(ModelVersion.project_id == project.id)) > 0


def train(session: Session, project: Project) -> ModelVersion:
    """Train the project's model now (TooFewLabels where it has too few final labels), store
    it as a new version and commit. Reads happen in one transaction; only the final insert
    takes the write lock."""
    from_count = label_count(session, project.id)
    # Here, not at the top: scikit-learn (0.8 s, 100 MiB) loads in the process that trains,
    # never in a web worker that only shows the versions.
    from .predictions import stored_rows
    from .suspects import confident_errors, rows_of
    from .training import fit, training_records

    texts, y, ids = training_records(session, project)
    session.commit()  # nothing written: ends the read transaction before the long fit
    fitted = fit(texts, y, label_ids(project.labels), lexicon_of(project))
    found = confident_errors(y, fitted.oof_proba, fitted.labels)
    predicted = stored_rows(session, project, fitted.pipeline,
                            dict(zip(ids, fitted.oof_proba.tolist())))
    session.commit()  # the read of the sentences, before the write lock
    return save(session, project, fitted, from_count, rows_of(found, ids, y), predicted)
