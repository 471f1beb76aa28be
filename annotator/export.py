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

from sqlalchemy import Text, cast, select, type_coerce
from sqlalchemy.orm import Session

from .db import plan_for_every_row
from .models import Adjudication, Annotation, Article, ControlItem, Project, Sentence, User

CHUNK = 2000


# The type of every field of each export kind. JSON readers that type a column from the rows
# they see first need them: Hugging Face `datasets` types each column from the first 10 MB of
# a file, so a column with only nulls there (a sparse `comment`, `spans` all empty) makes
# it refuse the first row that has a value. The dataset card (card.py) carries these types,
# and `load_dataset` on the card's folder then reads a file of any size.
_S, _I, _F, _B = "string", "int64", "float64", "bool"
_T = "timestamp[s]"  # as `datasets` reads "2026-11-25T09:00:00Z" unaided (naive, UTC)
_SPAN = {"start": _I, "end": _I, "label": _S, "text": _S, "voice": _S}
_ARTICLE = {"article_url": _S, "article_source": _S, "article_published": _S, "article_topic": _S}
_SENTENCE = {"project": _S, "article_id": _I, "article_external_id": _S, "article_title": _S,
             "sentence_id": _I, "position": _I, "start": _I, "end": _I, "text": _S}
FIELDS: dict[str, dict] = {
    "annotations": {**_SENTENCE, "label": _S, "spans": [_SPAN], "annotator": _S, "comment": _S,
                    "seconds": _F, "created_at": _T, "updated_at": _T, **_ARTICLE},
    "sentences": {**_SENTENCE, "kind": _S, "control": _B,
                  "annotations": [{"annotator": _S, "label": _S, "spans": [_SPAN], "comment": _S}],
                  "majority": _S, "agreement": _F, "gold": _S, **_ARTICLE},
    "gold": {**_SENTENCE, "kind": _S, "label": _S, "source": _S, "confidence": _F, "annotators": _I},
    "spans": {"text": _S, "spans": [{"start": _I, "end": _I, "label": _S}],
              "meta": {"project": _S, "sentence_id": _I, "article_id": _I, "label": _S,
                       "label_source": _S, "confidence": _F, "outlet": _S, "url": _S,
                       "topic": _S, "published": _S}},
    "babe": {"text": _S, "news_link": _S, "outlet": _S, "topic": _S, "label_bias": _S,
             "label_opinion": _S, "biased_words": [_S], "label": _S, "sentence_id": _I},
    "semeval": {"article_id": _S, "technique": _S, "start": _I, "end": _I, "text": _S,
                "voice": _S, "sentence_id": _I},
}
KINDS = tuple(FIELDS)  # annotations sentences gold spans babe semeval


def _ts(value: datetime | str | None) -> str | None:
    if not value:
        return None
    if isinstance(value, str):  # read as text (_AS_TEXT): 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        if len(value) >= 19 and value[10] in " T":
            return f"{value[:10]}T{value[11:19]}Z"
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_list(raw) -> list:
    """A JSON list column read as text (_AS_TEXT) or already decoded."""
    if raw is None or raw == "[]" or raw == "null":
        return []
    return json.loads(raw) if isinstance(raw, str) else raw


# Timestamps ('YYYY-MM-DD HH:MM:SS[.ffffff]', UTC) and spans (JSON) read as text: SQLite
# stores them so; PostgreSQL casts them on its own core, in parallel with the export's.
_AS_TEXT = {"sqlite": lambda col: type_coerce(col, Text),
            "postgresql": lambda col: cast(col, Text)}


def iter_annotations(session: Session, project: Project) -> Iterator[dict]:
    """One record per annotation, in article and sentence order.

    A million rows go through here, so it reads plain rows (Core, not the ORM), takes the
    timestamps and the spans as text (_AS_TEXT) instead of parsing them into objects only to
    format them again, and streams in chunks."""
    A, S, AR, U = (Annotation.__table__, Sentence.__table__, Article.__table__, User.__table__)
    conn = session.connection()
    as_text = _AS_TEXT.get(conn.dialect.name, lambda col: col)
    stmt = (select(A.c.label, as_text(A.c.spans), A.c.comment,
                   A.c.seconds, as_text(A.c.created_at), as_text(A.c.updated_at), U.c.username,
                   S.c.id, S.c.position, S.c.start, S.c.end, S.c.text,
                   AR.c.id, AR.c.external_id, AR.c.title, AR.c.url, AR.c.source,
                   AR.c.published, AR.c.topic)
            .select_from(A.join(S, S.c.id == A.c.sentence_id)
                         .join(AR, AR.c.id == S.c.article_id)
                         .join(U, U.c.id == A.c.user_id))
            .where(A.c.project_id == project.id)
            .order_by(AR.c.id, S.c.position, U.c.username)
            .execution_options(yield_per=CHUNK))
    slug = project.slug
    for rows in conn.execute(stmt).partitions():
        for (label, spans, comment, seconds, created, updated, username, sid, pos, start, end,
             text, aid, ext, title, url, source, published, topic) in rows:
            yield {"project": slug, "article_id": aid, "article_external_id": ext,
                   "article_title": title, "sentence_id": sid, "position": pos, "start": start,
                   "end": end, "text": text, "label": label, "spans": _json_list(spans),
                   "annotator": username, "comment": comment, "seconds": seconds,
                   "created_at": _ts(created), "updated_at": _ts(updated),
                   "article_url": url, "article_source": source, "article_published": published,
                   "article_topic": topic}


def majority_of(labels: list[str]) -> tuple[str | None, float | None]:
    """The strict plurality label and the share of annotators giving it; (None, None) on a tie,
    since no label is the majority for anyone to agree with."""
    if not labels:
        return None, None
    (top, n), *rest = Counter(labels).most_common()
    if rest and rest[0][1] == n:
        return None, None
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


def _make_encode():
    """json.dumps(record, ensure_ascii=False), with the C encoder built once, not per record."""
    try:
        from json.encoder import c_encode_basestring, c_make_encoder
    except ImportError:
        c_make_encoder = None
    if c_make_encoder is None or c_encode_basestring is None:
        return json.JSONEncoder(ensure_ascii=False).encode
    default = json.JSONEncoder().default
    encoder = c_make_encoder(None, default, c_encode_basestring, None, ": ", ", ", False, False,
                             True)
    join = "".join

    def encode(record) -> str:
        return join(encoder(record, 0))
    return encode


_encode = _make_encode()


def write_jsonl(records: Iterable[dict], fh: IO[str]) -> int:
    n = 0
    buf: list[str] = []
    for rec in records:
        buf.append(_encode(rec))
        if len(buf) >= 500:
            fh.write("\n".join(buf) + "\n")
            n += len(buf)
            buf = []
    if buf:
        fh.write("\n".join(buf) + "\n")
        n += len(buf)
    return n


def iter_jsonl(records: Iterable[dict]) -> Iterator[str]:
    """Lines for an HTTP streaming response, batched to keep write calls few."""
    buf: list[str] = []
    for rec in records:
        buf.append(_encode(rec))
        if len(buf) >= 500:
            yield "\n".join(buf) + "\n"
            buf = []
    if buf:
        yield "\n".join(buf) + "\n"


def records(session: Session, project: Project, kind: str) -> Iterator[dict]:
    """The records of an export `kind`, streamed in the session's transaction."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)} (got {kind!r})")
    plan_for_every_row(session)
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
