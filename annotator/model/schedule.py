"""When the project model is trained: on demand, and after every `model_every` new labels
(no Flask import). Both only queue a job; `annotator worker` trains.

The label write is left untouched: the worker polls each project's label count (one COUNT per
project every CHECK_EVERY seconds) and queues a training once the project has `model_every`
labels more than at its last training, asked or automatic, successful or not (so a project
with too few labels is not retried at every poll)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import jobs
from ..models import Job, ModelVersion, Project
from ..projects import LIVE, save_edit, settings
from .store import label_count, train

TRAIN = "train_model"
REORDER = "reorder_queue"
CHECK_EVERY = 30.0  # seconds between the worker's looks at the label counts


def enqueue_training(session: Session, project: Project, reason: str = "asked") -> tuple[Job, bool]:
    """Queue a training of the project's model (or return the one queued already)."""
    return jobs.enqueue(session, TRAIN, project.id,
                        {"label_count": label_count(session, project.id), "reason": reason})


def enqueue_reorder(session: Session, project: Project) -> tuple[Job, bool]:
    """Queue a reordering of the project's queue (its `order` changed); the worker ranks it."""
    return jobs.enqueue(session, REORDER, project.id, {"order": settings(project)["order"]})


def _last_count(session: Session, project_id: int) -> int | None:
    """The label count at the project's last training, asked or automatic, or None."""
    counts = [session.scalar(select(ModelVersion.label_count).where(ModelVersion.project_id == project_id)
                             .order_by(ModelVersion.version.desc()).limit(1))]
    job = session.scalar(select(Job).where(Job.project_id == project_id, Job.kind == TRAIN)
                         .order_by(Job.id.desc()).limit(1))
    if job is not None:
        if job.state in ("queued", "running"):
            return None  # one is on its way: nothing more to queue
        counts.append(int((job.payload or {}).get("label_count") or 0))
    known = [c for c in counts if c is not None]
    return max(known) if known else 0


def enqueue_due(session: Session) -> list[str]:
    """Queue a training for every project with `model_every` new labels since its last one.
    Returns their slugs."""
    queued = []
    for project in session.scalars(select(Project).where(LIVE).order_by(Project.id)).all():
        every = settings(project)["model_every"]
        if not every:
            continue
        last = _last_count(session, project.id)
        if last is None:
            continue
        if label_count(session, project.id) - last >= every:
            enqueue_training(session, project, reason=f"{every} new labels")
            queued.append(project.slug)
    session.commit()
    return queued


def _project(session: Session, job: Job) -> Project:
    project = session.get(Project, job.project_id)
    if project is None:
        raise LookupError(f"project {job.project_id} no longer exists")
    return project


def train_now(session: Session, project: Project) -> dict:
    """Train the project's model, then rank its queue anew where its order follows the model:
    what the worker's job and `annotator model train` both run. TooFewLabels as train."""
    mv = train(session, project)
    out = {"version": mv.version, "macro_f1": mv.macro_f1, "n_labels": mv.n_labels,
           "folds": mv.folds}
    if settings(project)["order"] != "reading":
        out["queue"] = _reorder(session, project)
    return out


def train_job(session: Session, job: Job) -> dict:
    """The worker's handler of TRAIN jobs."""
    return train_now(session, _project(session, job))


def edit_project(session: Session, project: Project, changes: dict, version) -> list[str]:
    """projects.save_edit, committed, and a reordering queued where `order` changed: the
    admin page and the API edit a project through here. Returns the fields written."""
    before = settings(project)["order"]
    written = save_edit(session, project, changes, version)
    session.commit()
    if settings(project)["order"] != before:  # the worker ranks it (enqueue commits)
        enqueue_reorder(session, project)
    return written


def reorder_job(session: Session, job: Job) -> dict:
    """The worker's handler of REORDER jobs."""
    return _reorder(session, _project(session, job))


def _reorder(session: Session, project: Project) -> dict:
    # Here, not at the top: the queue's ranking needs scikit-learn and scipy, which load in the
    # worker only, never in a web process that merely queues the job.
    from .queue import reorder

    return reorder(session, project)
