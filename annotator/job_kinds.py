"""The kinds of background job besides model training (issue 21 item 2; no Flask import):
a streamed import, an export written to a file, a statistics refresh and a release.

Each `enqueue_*` queues one job with everything the worker needs in its payload (paths are
absolute: the worker reads no web configuration); each handler takes (session, job) and
returns the job's result, a JSON-able dict. Handlers report progress through `Reporter`,
which writes at most every REPORT_EVERY seconds so a fast loop does not turn into writes.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy.orm import Session

from . import export, jobs, releases
from .ingest.article import IngestError
from .models import Job, Project, User
from .review.stats import project_stats
from .staged_import import import_file, result_of

IMPORT, EXPORT, STATS, RELEASE = "import", "export", "stats", "release"
REPORT_EVERY = 1.0  # seconds between progress writes


class Reporter:
    """Progress of a running job, written to its row (and refreshing its heartbeat)."""

    def __init__(self, session: Session, job: Job, every: float | None = None):
        self.session, self.job, self.last = session, job, 0.0
        self.every = REPORT_EVERY if every is None else every

    def __call__(self, fraction: float | None, detail: str | None = None, force: bool = False):
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last = now
            # Its own session: the handler's may be mid-read (an export's rows streaming), and
            # a commit there would end that read.
            with Session(self.session.get_bind()) as own:
                jobs.heartbeat(own, self.job.id, self.job.worker, fraction, detail)


def _project(session: Session, job: Job) -> Project:
    project = session.get(Project, job.project_id) if job.project_id else None
    if project is None:
        raise LookupError(f"project {job.project_id} no longer exists")
    return project


# ------------------------------------------------------------------------------- imports

def enqueue_import(session: Session, project: Project, path: str | Path, filename: str,
                   remove_after: bool = False) -> Job:
    """Queue a streamed import of the file at `path` (`filename` names it in messages);
    `remove_after`: the file is an upload's copy, deleted once the import ends either way."""
    job, _ = jobs.enqueue(session, IMPORT, project.id,
                          {"path": str(Path(path).resolve()), "filename": filename,
                           "remove_after": remove_after}, unique=False)
    return job


def import_job(session: Session, job: Job) -> dict:
    project = _project(session, job)
    p = job.payload
    report = Reporter(session, job)

    def progress(read: int, size: int):
        report(read / size if size else 1.0, f"{read / 1e6:,.1f} of {size / 1e6:,.1f} MB read")

    try:
        # Publication marks the job done in its own transaction (staged_import._publish).
        r = import_file(session, project, p["path"], p["filename"], progress=progress, job=job)
    except IngestError as err:
        _drop_upload(p)
        raise ExpectedFailure(str(err)) from None
    except FileNotFoundError:
        raise ExpectedFailure(f"{p['filename']}: the uploaded file is gone") from None
    _drop_upload(p)  # not on an interruption: the retry reads it again
    return result_of(r)


def _drop_upload(payload: dict) -> None:
    if payload.get("remove_after"):
        Path(payload["path"]).unlink(missing_ok=True)


class ExpectedFailure(Exception):
    """A job failed for a reason a person can act on (bad input): its message alone is kept."""


# ------------------------------------------------------------------------------- exports

def enqueue_export(session: Session, project: Project, kind: str, fmt: str, directory: str | Path,
                   bom: bool = False) -> Job:
    export.check_format(fmt)
    job, _ = jobs.enqueue(session, EXPORT, project.id,
                          {"kind": kind, "format": fmt, "bom": bom,
                           "directory": str(Path(directory).resolve())}, unique=False)
    return job


class LineCounter:
    """A binary file that counts the lines written through it (JSONL records, CSV rows)."""

    def __init__(self, fh, on_line):
        self.fh, self.lines, self.on_line = fh, 0, on_line

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        self.on_line(self.lines)
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)


def export_job(session: Session, job: Job) -> dict:
    """Write the export to DIRECTORY/<slug>-<kind>-<time>.<ext> (whole or not at all: it is
    written as .part and renamed)."""
    project = _project(session, job)
    p = job.payload
    report = Reporter(session, job)
    try:
        reason = export.empty_reason(session, project, p["kind"])
    except export.ExportRefused as err:
        raise ExpectedFailure(str(err)) from None
    name = export.file_name(project.slug, p["kind"], p["format"])
    path = Path(p["directory"]) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(name + ".part")
    with open(tmp, "wb") as fh:
        n = export.write_export(session, project, p["kind"], p["format"],
                                LineCounter(fh, lambda k: report(None, f"{k:,} lines written")),
                                p.get("bom", False))
    os.replace(tmp, path)
    # the progress line is written at most every few seconds: the last word is the whole count
    report(1.0, f"{n:,} record{'s' if n != 1 else ''} written", force=True)
    return {"file": name, "path": str(path), "records": n, "bytes": path.stat().st_size,
            "empty_reason": reason}


# ------------------------------------------------------------------------ statistics, releases

def enqueue_stats(session: Session, project: Project) -> Job:
    job, _ = jobs.enqueue(session, STATS, project.id, {})
    return job


def stats_job(session: Session, job: Job) -> dict:
    """Recompute the project's statistics; the result is the statistics contract, kept on the
    job row for readers that can take the last refresh (see docs/architecture.md)."""
    project = _project(session, job)
    return project_stats(session, project)


def enqueue_release(session: Session, project: Project, name: str, directory: str | Path,
                    by: User | None = None) -> Job:
    job, _ = jobs.enqueue(session, RELEASE, project.id,
                          {"name": name, "directory": str(Path(directory).resolve()),
                           "by": by.id if by is not None else None}, unique=False)
    return job


def release_job(session: Session, job: Job) -> dict:
    project = _project(session, job)
    p = job.payload
    by = session.get(User, p["by"]) if p.get("by") else None
    try:
        rel = releases.create(session, project, p["name"], p["directory"], by)
    except releases.ReleaseError as err:
        raise ExpectedFailure(str(err)) from None
    return {"release": rel.name, "path": rel.path, "content_hash": rel.content_hash}


HANDLERS = {IMPORT: import_job, EXPORT: export_job, STATS: stats_job, RELEASE: release_job}
