"""The suspected label errors the project's newest model flagged, as stored with it (no Flask
import, no scikit-learn): what the review queue and the `suspects` export read.

model/suspects.py finds them when a model is trained; this module only reads them, so the
review package can import it without loading the training (or its import of the review)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ModelSuspect, ModelVersion, Project, Sentence

REASON = "suspected error"  # the queue's word for an item the model flags
POSTERIOR = "posterior"     # the score model/suspects.py gives, stored with each version


@dataclass(frozen=True)
class Flag:
    label: str              # the final label the model was trained on
    predicted: str          # the most probable true label other than the given one
    score: float            # higher = more suspect; what it is, `score_kind` says
    probabilities: dict     # label -> out-of-fold probability
    model_version: int
    # "posterior": P(the label is wrong); "margin": p(predicted) - p(label), the score of the
    # models trained before 2026-12-05 (migration 0025)
    score_kind: str = POSTERIOR

    def as_dict(self) -> dict:
        return {"label": self.label, "predicted": self.predicted, "score": self.score,
                "score_kind": self.score_kind, "probabilities": self.probabilities,
                "model_version": self.model_version}


def latest_version(session: Session, project: Project) -> tuple[int, int] | None:
    """(id, version) of the project's newest model, or None."""
    row = _latest(session, project)
    return (row.id, row.version) if row else None


def _latest(session: Session, project: Project):
    return session.execute(select(ModelVersion.id, ModelVersion.version, ModelVersion.suspect_score)
                           .where(ModelVersion.project_id == project.id)
                           .order_by(ModelVersion.version.desc()).limit(1)).first()


def latest_flags(session: Session, project: Project) -> dict[int, Flag]:
    """sentence id -> Flag, from the project's newest model (empty without one), of the
    sentences still in the project (a deleted article's moved out: deletion.py)."""
    found = _latest(session, project)
    if found is None:
        return {}
    mv_id, version, kind = found
    return {r.sentence_id: Flag(r.label, r.predicted, r.score, r.probabilities, version, kind or "margin")
            for r in session.scalars(select(ModelSuspect)
                                     .join(Sentence, Sentence.id == ModelSuspect.sentence_id)
                                     .where(ModelSuspect.model_version_id == mv_id,
                                            Sentence.project_id == project.id))}
