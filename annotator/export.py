"""Streaming JSONL exports and the reader for annotations files (no Flask import).

Rows are read from the database in chunks and written one line at a time, so memory stays
flat whatever the size of the project.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Adjudication, Annotation, Article, ControlItem, Project, Sentence, User

KINDS = ("annotations", "sentences", "gold", "spans", "babe", "semeval")
CHUNK = 2000


def _ts(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def iter_annotations(session: Session, project: Project) -> Iterator[dict]:
    """One record per annotation, in article and sentence order."""
    stmt = (select(Annotation.label, Annotation.spans, Annotation.comment, Annotation.seconds,
                   Annotation.created_at, Annotation.updated_at, User.username,
                   Sentence.id, Sentence.position, Sentence.start, Sentence.end, Sentence.text,
                   Article.id, Article.external_id, Article.title, Article.url, Article.source,
                   Article.published, Article.topic)
            .join(Sentence, Sentence.id == Annotation.sentence_id)
            .join(Article, Article.id == Sentence.article_id)
            .join(User, User.id == Annotation.user_id)
            .where(Annotation.project_id == project.id)
            .order_by(Article.id, Sentence.position, User.username)
            .execution_options(yield_per=CHUNK))
    slug = project.slug
    for (label, spans, comment, seconds, created, updated, username, sid, pos, start, end, text,
         aid, ext, title, url, source, published, topic) in session.execute(stmt):
        yield {"project": slug, "article_id": aid, "article_external_id": ext,
               "article_title": title, "sentence_id": sid, "position": pos, "start": start,
               "end": end, "text": text, "label": label, "spans": spans or [],
               "annotator": username, "comment": comment, "seconds": seconds,
               "created_at": _ts(created), "updated_at": _ts(updated),
               "article_url": url, "article_source": source, "article_published": published,
               "article_topic": topic}


def majority_of(labels: list[str]) -> tuple[str | None, float | None]:
    """The strict plurality label and the share of annotators giving it (None on a tie)."""
    if not labels:
        return None, None
    (top, n), *rest = Counter(labels).most_common()
    if rest and rest[0][1] == n:
        return None, n / len(labels)
    return top, n / len(labels)


def iter_sentences(session: Session, project: Project) -> Iterator[dict]:
    """One record per sentence of the project (every kind), with all its labels."""
    sentences = (select(Sentence, Article.id, Article.external_id, Article.title, Article.url,
                        Article.source, Article.published, Article.topic)
                 .join(Article, Article.id == Sentence.article_id)
                 .where(Sentence.project_id == project.id)
                 .order_by(Article.id, Sentence.position)
                 .execution_options(yield_per=CHUNK))
    labels = (select(Annotation.sentence_id, User.username, Annotation.label, Annotation.spans,
                     Annotation.comment)
              .join(User, User.id == Annotation.user_id)
              .join(Sentence, Sentence.id == Annotation.sentence_id)
              .where(Annotation.project_id == project.id)
              .order_by(Sentence.article_id, Sentence.position, User.username)
              .execution_options(yield_per=CHUNK))
    gold = dict(session.execute(select(Adjudication.sentence_id, Adjudication.label)
                                .where(Adjudication.project_id == project.id)).all())
    controls = set(session.scalars(select(ControlItem.sentence_id)
                                   .where(ControlItem.project_id == project.id)))
    # Walk both ordered streams side by side (a merge join): no per-sentence query.
    label_rows = iter(session.execute(labels))
    pending = next(label_rows, None)
    slug = project.slug
    for s, aid, ext, title, url, source, published, topic in session.execute(sentences):
        anns = []
        while pending is not None and pending[0] == s.id:
            anns.append({"annotator": pending[1], "label": pending[2], "spans": pending[3] or [],
                         "comment": pending[4]})
            pending = next(label_rows, None)
        top, share = majority_of([a["label"] for a in anns])
        yield {"project": slug, "article_id": aid, "article_external_id": ext,
               "article_title": title, "sentence_id": s.id, "position": s.position,
               "start": s.start, "end": s.end, "text": s.text, "kind": s.kind,
               "control": s.id in controls, "annotations": anns, "majority": top,
               "agreement": share, "gold": gold.get(s.id), "article_url": url,
               "article_source": source, "article_published": published, "article_topic": topic}


def write_jsonl(records: Iterable[dict], fh: IO[str]) -> int:
    n = 0
    for rec in records:
        fh.write(json.dumps(rec, ensure_ascii=False))
        fh.write("\n")
        n += 1
    return n


def iter_jsonl(records: Iterable[dict]) -> Iterator[str]:
    """Lines for an HTTP streaming response, batched to keep write calls few."""
    buf: list[str] = []
    for rec in records:
        buf.append(json.dumps(rec, ensure_ascii=False))
        if len(buf) >= 500:
            yield "\n".join(buf) + "\n"
            buf = []
    if buf:
        yield "\n".join(buf) + "\n"


def records(session: Session, project: Project, kind: str) -> Iterator[dict]:
    if kind == "annotations":
        return iter_annotations(session, project)
    if kind == "sentences":
        return iter_sentences(session, project)
    if kind == "gold":
        from .adjudicate import final_labels
        from .projects import settings

        conf = settings(project)
        return final_labels(session, project, method=conf["aggregation"],
                            threshold=conf["gold_threshold"])
    if kind in ("spans", "babe", "semeval"):
        from . import formats

        return getattr(formats, f"iter_{kind}")(session, project)
    raise ValueError(f"kind: one of {', '.join(KINDS)} (got {kind!r})")
