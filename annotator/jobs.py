"""Background jobs: a table the workers claim rows from (no Flask import).

Why a table and not RQ or Celery: those need a broker (Redis, RabbitMQ) to install, run and
watch beside the database, which a research lab running one machine does not have, and the
jobs here are few and long (a model's training), not many and short. The database is
already there and already shared by every process. On PostgreSQL a worker claims the oldest
queued job with ``SELECT ... FOR UPDATE SKIP LOCKED`` (the known pattern: concurrent workers
skip each other's rows instead of waiting); on SQLite the claim runs under the database's
one write lock (BEGIN IMMEDIATE), which serialises claims the same way.

A claimed job is ``running`` with the claiming worker's name and a heartbeat the worker
refreshes every HEARTBEAT seconds while the job runs. A running job whose heartbeat is older
than STALE seconds belongs to a worker that died: any worker puts it back in the queue
(``requeue_stale``), up to MAX_ATTEMPTS claims, after which it fails. A job is never run by two
workers at once: only a stale job is taken back, and a worker's writes to a job (heartbeat,
done, failed) count only while the job is still running under its name.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import begin_write
from .models import Job, utcnow
from .timestamps import iso_utc

HEARTBEAT = 10.0   # seconds between a running job's heartbeats
STALE = 120.0      # a running job without a heartbeat this long has lost its worker
MAX_ATTEMPTS = 3   # claims of one job (worker deaths included) before it is failed
MAX_ERROR = 2000


def enqueue(session: Session, kind: str, project_id: int | None = None,
            payload: dict | None = None, unique: bool = True) -> tuple[Job, bool]:
    """Queue a job and commit. With `unique`, a job of the same kind for the same project that
    is still queued is the one returned instead (False): asking twice trains once. Imports and
    exports are not unique (two files are two jobs)."""
    begin_write(session)
    waiting = None if not unique else session.scalar(select(Job).where(Job.kind == kind, Job.project_id == project_id,
                                               Job.state == "queued").order_by(Job.id).limit(1))
    if waiting is not None:
        session.commit()
        return waiting, False
    job = Job(kind=kind, project_id=project_id, payload=payload or {}, state="queued",
              attempts=0, progress=0.0, created_at=utcnow())
    session.add(job)
    session.commit()
    return job, True


def claim(session: Session, worker: str) -> Job | None:
    """Take the oldest queued job for `worker` and commit, or None when the queue is empty."""
    stmt = select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
    if session.scalar(stmt) is None:  # an idle worker's poll takes no lock
        session.commit()
        return None
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        begin_write(session)  # the claim runs under SQLite's write lock
    job_id = session.scalar(stmt)
    if job_id is None:
        session.commit()
        return None
    now = utcnow()
    session.execute(update(Job).where(Job.id == job_id, Job.state == "queued").values(
        state="running", attempts=Job.attempts + 1, worker=worker, started_at=now,
        heartbeat_at=now, progress=0.0, error=None, detail=None))
    session.commit()
    return session.get(Job, job_id, populate_existing=True)


def _mine(job_id: int, worker: str):
    return (Job.id == job_id, Job.state == "running", Job.worker == worker)


def heartbeat(session: Session, job_id: int, worker: str, progress: float | None = None,
              detail: str | None = None) -> bool:
    """Refresh a running job's heartbeat (and progress, 0..1, and a line saying how far) and
    commit. False when the job is no longer this worker's (it was taken back as stale)."""
    values = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = max(0.0, min(1.0, float(progress)))
    if detail is not None:
        values["detail"] = detail[:200]
    begin_write(session)
    n = session.execute(update(Job).where(*_mine(job_id, worker)).values(**values)).rowcount
    session.commit()
    return n == 1


def finish(session: Session, job_id: int, worker: str, result: dict | None = None,
           error: str | None = None) -> bool:
    """Mark this worker's running job done (with `result`) or failed (with `error`)."""
    values = {"finished_at": utcnow(), "heartbeat_at": utcnow()}
    if error is None:
        values.update(state="done", progress=1.0, result=result)
    else:
        values.update(state="failed", error=error[:MAX_ERROR])
    begin_write(session)
    n = session.execute(update(Job).where(*_mine(job_id, worker)).values(**values)).rowcount
    session.commit()
    return n == 1


def release(session: Session, job_id: int, worker: str) -> bool:
    """Put this worker's running job back in the queue, its claim not counted (the worker is
    stopping: a restart runs it again from the start). Commits."""
    begin_write(session)
    n = session.execute(update(Job).where(*_mine(job_id, worker)).values(
        state="queued", worker=None, attempts=Job.attempts - 1, progress=0.0,
        detail="taken back: its worker stopped")).rowcount
    session.commit()
    return n == 1


def requeue_stale(session: Session, stale: float = STALE) -> int:
    """Put running jobs whose worker died (no heartbeat for `stale` seconds) back in the
    queue, or fail those claimed MAX_ATTEMPTS times already. Returns how many. Commits."""
    cutoff = utcnow() - timedelta(seconds=stale)
    dead = (Job.state == "running", Job.heartbeat_at < cutoff)
    begin_write(session)
    failed = session.execute(update(Job).where(*dead, Job.attempts >= MAX_ATTEMPTS).values(
        state="failed", finished_at=utcnow(),
        error=f"its worker stopped {MAX_ATTEMPTS} times while running it")).rowcount
    requeued = session.execute(update(Job).where(*dead, Job.attempts < MAX_ATTEMPTS).values(
        state="queued", worker=None)).rowcount
    session.commit()
    return failed + requeued


def as_dict(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "state": job.state, "attempts": job.attempts,
            "progress": job.progress, "detail": job.detail, "error": job.error,
            "result": job.result, "project_id": job.project_id,
            "created_at": iso_utc(job.created_at), "started_at": iso_utc(job.started_at),
            "finished_at": iso_utc(job.finished_at)}


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id, populate_existing=True)


def recent(session: Session, project_id: int, kind: str | None = None, limit: int = 5) -> list[dict]:
    """The project's newest jobs, newest first."""
    stmt = select(Job).where(Job.project_id == project_id)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return [as_dict(j) for j in session.scalars(stmt.order_by(Job.id.desc()).limit(limit))]
