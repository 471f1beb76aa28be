"""`annotator worker`: runs the background jobs of annotator.jobs (no Flask import).

One job at a time per worker process; run as many workers as there are cores to spare. Every
`check_every` seconds a worker requeues the jobs of dead workers and queues the trainings that
are due (model.schedule); each loop claims and runs the oldest queued job. A job's handler
runs in its own session while a thread keeps the job's heartbeat fresh."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable

from . import jobs
from .model import schedule
from .model.errors import TooFewLabels

log = logging.getLogger(__name__)

# kind -> handler(session, job) -> result (a JSON-able dict)
HANDLERS: dict[str, Callable] = {schedule.TRAIN: schedule.train_job,
                                 schedule.REORDER: schedule.reorder_job}
# Errors a handler raises for a reason a person can act on: kept as their message alone.
EXPECTED = (TooFewLabels, LookupError)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_job(sessionmaker, job, worker: str, heartbeat: float = jobs.HEARTBEAT) -> str:
    """Run one claimed job to its end; returns its final state."""
    handler = HANDLERS.get(job.kind)
    done = threading.Event()

    def beat():
        while not done.wait(heartbeat):
            with sessionmaker() as s:
                if not jobs.heartbeat(s, job.id, worker):
                    log.warning("job %s is no longer this worker's", job.id)
                    return

    beater = threading.Thread(target=beat, name=f"heartbeat-{job.id}", daemon=True)
    beater.start()
    result, error = None, None
    try:
        if handler is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r}")
        with sessionmaker() as s:
            result = handler(s, job)
    except EXPECTED as err:
        error = str(err)
    except Exception as err:  # a job's failure must not stop the worker
        log.exception("job %s (%s) failed", job.id, job.kind)
        error = "".join(traceback.format_exception_only(err)).strip()
    finally:
        done.set()
        beater.join()
    with sessionmaker() as s:
        jobs.finish(s, job.id, worker, result, error)
    log.info("job %s (%s) %s", job.id, job.kind, "failed: " + error if error else "done")
    return "failed" if error else "done"


def run(sessionmaker, *, once: bool = False, poll: float = 2.0,
        check_every: float = schedule.CHECK_EVERY, stop: threading.Event | None = None,
        worker: str | None = None) -> int:
    """Run jobs until `stop` is set (or, with `once`, until the queue is empty). Returns how
    many jobs this worker ran."""
    worker = worker or worker_name()
    stop = stop or threading.Event()
    ran, checked = 0, float("-inf")
    while not stop.is_set():
        with sessionmaker() as s:
            if time.monotonic() - checked >= check_every:  # a few writes a minute, not a poll
                jobs.requeue_stale(s)
                for slug in schedule.enqueue_due(s):
                    log.info("training of %s queued (new labels)", slug)
                checked = time.monotonic()
            job = jobs.claim(s, worker)
        if job is None:
            if once:
                break
            stop.wait(poll)
            continue
        run_job(sessionmaker, job, worker)
        ran += 1
    return ran
