"""A streamed import of a large JSONL/CSV file (issue 21 item 2; no Flask import).

`articles.add_articles` takes a parsed list and writes it in one transaction: right for an
upload of a few MB, not for 1 GB. Here the file is read line by line (ingest.stream), each
batch of articles is segmented outside any transaction (in a process pool where there are
cores) and written in its own short write transaction, so annotators' label writes wait at
most one batch for SQLite's write lock, never for the whole import.

Atomic as users see it: the batches go to a hidden staging project (Project.staging_for, left
out of every listing and never served, since every reader selects by project). Publishing moves
them into the project in one short transaction (`_publish`): two UPDATEs of project_id, after
dropping staged articles that an import finished meanwhile already brought. A failed or
interrupted import deletes its staging project; until publication nothing of it is visible.

Run as a job, the publication also marks the job done in the same transaction, only while the
job is still this worker's: a worker that lost its job (taken back as stale) cannot publish,
so an import is never applied twice.

Memory: one batch of articles plus, for skipping duplicates, an 8-byte digest per key (text,
external id, URL) of the project's articles and the file's, held in a Python set (about 150
bytes an article with an id and a URL), and the stored ids (8 bytes each).
"""
from __future__ import annotations

import hashlib
from array import array
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import delete, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from .articles import PARALLEL_MIN, ImportReport, _segment_one, text_hash
from .db import begin_write, refresh_statistics
from .ingest.stream import stream_articles
from .models import Article, Job, Project, Sentence, utcnow

BATCH = 200          # articles per write transaction
_PUBLISH_LOCKS = 0x5055  # advisory lock space of publications ("PU"), keyed by project id
MAX_SKIPPED = 100    # skip messages kept in the report (the count is exact)

Progress = Callable[[int, int], None]  # (bytes read, file size)


class LostJob(RuntimeError):
    """The job was taken back from this worker (it looked dead): its import is not published."""


def _digest(kind: str, value: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{kind}\0{value}".encode(), digest_size=8).digest(), "big")


def _keys(digest: str, external_id: str | None, url: str | None) -> list[int]:
    keys = [_digest("text", digest)]
    if external_id:
        keys.append(_digest("id", external_id))
    if url:
        keys.append(_digest("url", url))
    return keys


def staging_slug(job_id: int | None = None) -> str:
    """'~' is outside the slugs people choose (projects.check_slug), so no project clashes."""
    return f"~import-job-{job_id}" if job_id is not None else f"~import-{secrets.token_hex(6)}"


def discard_staging(session: Session, slug: str) -> bool:
    """Delete a staging project and what it holds (a failed import, or a retried job's first
    attempt). Commits. True when there was one."""
    staging = session.scalar(select(Project.id).where(Project.slug == slug,
                                                      Project.staging_for.is_not(None)))
    session.commit()
    if staging is None:
        return False
    while True:  # in short transactions, as it was written: annotators' writes go between
        begin_write(session)
        ids = session.scalars(select(Article.id).where(Article.project_id == staging)
                              .limit(BATCH * 5)).all()
        if ids:
            session.execute(delete(Sentence).where(Sentence.article_id.in_(ids)))
            session.execute(delete(Article).where(Article.id.in_(ids)))
        else:
            session.execute(delete(Project).where(Project.id == staging))
        session.commit()
        if not ids:
            return True


def import_file(session: Session, project: Project, path: str | Path, filename: str | None = None,
                *, progress: Progress | None = None, job: Job | None = None,
                batch: int | None = None, workers: int | None = None) -> ImportReport:
    """Stream the articles of a JSONL/CSV file at `path` into `project`: all of them or none.
    `filename` names the file in messages (default: the path's name). IngestError names the
    file and line of bad input; nothing is left behind."""
    path = Path(path)
    filename = filename or path.name
    batch = batch or BATCH
    size = path.stat().st_size
    slug = staging_slug(job.id if job is not None else None)
    discard_staging(session, slug)  # a retried job starts clean
    begin_write(session)
    staging = Project(slug=slug, name=f"import into {project.slug}", labels=project.labels,
                      overlap=project.overlap, settings={}, staging_for=project.id)
    session.add(staging)
    session.commit()
    staging_id, project_id = staging.id, project.id
    report = ImportReport()
    report.added = array("q")  # type: ignore[assignment]  # 8 bytes an id, not a list's 36
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    pool = _LazyPool(workers)
    try:
        known = _known(session, project_id)
        pending: list = []
        with open(path, "rb") as fh:
            for art, read in stream_articles(filename, fh):
                digest = text_hash(art.text)
                keys = _keys(digest, art.external_id, art.url)
                if any(k in known for k in keys):
                    _skip(report, art, filename)
                    continue
                known.update(keys)
                pending.append((art, digest))
                if len(pending) >= batch:
                    _write(session, staging_id, pending, pool, report)
                    pending = []
                    if progress:
                        progress(read, size)
        if pending:
            _write(session, staging_id, pending, pool, report)
        del known
        if progress:
            progress(size, size)
        t0 = time.perf_counter()
        _publish(session, staging_id, project_id, job, report)
        report.publish_seconds = time.perf_counter() - t0
    except BaseException:
        session.rollback()
        discard_staging(session, slug)
        raise
    finally:
        pool.shutdown()
    refresh_statistics(session, {Article.__tablename__: len(report.added),
                                 Sentence.__tablename__: report.sentences})
    return report


def _known(session: Session, project_id: int) -> set[int]:
    known: set[int] = set()
    rows = session.execute(select(Article.text_hash, Article.external_id, Article.url)
                           .where(Article.project_id == project_id)
                           .execution_options(yield_per=5000))
    for row in rows:
        known.update(_keys(*row))
    session.commit()  # no read transaction held while the file is read
    return known


def _skip(report: ImportReport, art, filename: str) -> None:
    report.skipped_count += 1
    if len(report.skipped) < MAX_SKIPPED:
        where = f"{filename}, line {art.line}" if art.line else filename
        report.skipped.append(f"{where}: {art.title!r} is in the project already, skipped")


class _LazyPool:
    """Worker processes for segmenting, started at the first batch big enough to gain from
    them (a small file is segmented in this process), kept for the whole file."""

    def __init__(self, workers: int):
        self.workers, self.pool = workers, None

    def segment(self, arts: list) -> list:
        if self.workers < 2 or len(arts) < PARALLEL_MIN:
            return [_segment_one(a) for a in arts]
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers)
        return list(self.pool.map(_segment_one, arts, chunksize=max(1, len(arts) // (4 * self.workers))))

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _write(session: Session, staging_id: int, arts: list, pool: _LazyPool,
           report: ImportReport) -> None:
    """Segment a batch of (article, text hash) (no transaction open), then store it in one
    short write transaction."""
    segmented = pool.segment([a for a, _ in arts])
    rows = [{"project_id": staging_id, "external_id": a.external_id, "title": a.title,
             "text": a.text, "text_hash": digest, "url": a.url, "source": a.source,
             "published": a.published, "topic": a.topic, "lang": lang, "created_at": utcnow()}
            for (a, digest), (lang, _) in zip(arts, segmented)]
    begin_write(session)
    ids = session.scalars(insert(Article).returning(Article.id, sort_by_parameter_order=True),
                          rows).all()
    units = [{"article_id": aid, "project_id": staging_id, "position": i, "start": u.start,
              "end": u.end, "text": u.text, "kind": u.kind, "long": u.long, "n_labels": 0,
              "full": False}
             for aid, (_, us) in zip(ids, segmented) for i, u in enumerate(us)]
    if units:
        session.execute(insert(Sentence), units)
    session.commit()
    report.added.extend(ids)
    report.sentences += len(units)


def _publish(session: Session, staging_id: int, project_id: int, job: Job | None,
             report: ImportReport) -> None:
    """Move the staged articles into the project in one transaction (see the module's doc)."""
    begin_write(session)
    # PostgreSQL: two publications into one project take turns (SQLite's write lock does that)
    # on an advisory lock, not on the project row: every label write reads that row FOR SHARE
    # (labelling._SCHEME), and moving a million sentences takes a while (bench/import_stream.py).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :project)"),
                        {"space": _PUBLISH_LOCKS, "project": project_id})
    live = aliased(Article)
    same = or_(live.text_hash == Article.text_hash,
               (live.external_id == Article.external_id) & Article.external_id.is_not(None),
               (live.url == Article.url) & Article.url.is_not(None))
    clash = select(Article.id).where(Article.project_id == staging_id, exists(
        select(live.id).where(live.project_id == project_id, same)))
    late = set(session.scalars(clash))  # added to the project by another import meanwhile
    if late:
        report.sentences -= session.scalar(select(func.count()).select_from(Sentence)
                                           .where(Sentence.article_id.in_(late)))
        report.skipped_count += len(late)
        session.execute(delete(Sentence).where(Sentence.article_id.in_(late)))
        session.execute(delete(Article).where(Article.id.in_(late)))
        report.added = array("q", (a for a in report.added if a not in late))  # type: ignore[assignment]
        report.skipped.append(f"{len(late)} article(s) were added to the project by another "
                              "import meanwhile, skipped")
    if job is not None:
        owned = session.execute(update(Job).where(
            Job.id == job.id, Job.state == "running", Job.worker == job.worker).values(
            state="done", progress=1.0, finished_at=utcnow(), heartbeat_at=utcnow(),
            result=result_of(report))).rowcount
        if owned != 1:
            session.rollback()
            raise LostJob(f"job {job.id} was taken back from worker {job.worker}: not published")
    session.execute(update(Article).where(Article.project_id == staging_id).values(project_id=project_id))
    session.execute(update(Sentence).where(Sentence.project_id == staging_id).values(project_id=project_id))
    session.execute(delete(Project).where(Project.id == staging_id))
    session.commit()


def result_of(report: ImportReport) -> dict:
    return {"articles": len(report.added), "sentences": report.sentences,
            "skipped": report.skipped_count, "messages": report.skipped[:MAX_SKIPPED]}
