"""Storing imported articles and their units; changing a unit's kind (no Flask import)."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from . import events
from .db import begin_write, refresh_statistics
from .ingest import ArticleIn
from .ingest.language import LANG_RE, article_lang
from .models import Article, ControlItem, Project, Sentence
from .segment import KINDS, Unit, normalize_for_hash, segment
from .unit_repair import REPLACED

# Below this many articles a process pool costs more than it saves.
PARALLEL_MIN = 200


@dataclass
class ImportReport:
    added: list[int] = field(default_factory=list)  # article ids
    skipped: list[str] = field(default_factory=list)  # one message each
    sentences: int = 0
    skipped_count: int = 0  # all of them (a streamed import keeps only the first messages)
    publish_seconds: float = 0.0  # a streamed import: how long its publication held the write lock


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_for_hash(text).encode()).hexdigest()


def _segment_one(art: ArticleIn) -> tuple[str | None, list[Unit]]:
    """The article's language (as given, else detected) and its units in that language;
    pre-split units are kept as given."""
    lang = art.lang or article_lang(art.title, art.text, art.declared_lang)
    if art.units is not None:
        return lang, given_units(art.units)
    return lang, segment(art.text, title=art.title, lang=lang)  # a body line repeating the headline is a duplicate


def segment_all(articles: list[ArticleIn]) -> list[tuple[str | None, list[Unit]]]:
    """Languages and units of the articles, in a process pool when there are many (each
    worker loads the language model once)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(articles) < PARALLEL_MIN or workers < 2:
        return [_segment_one(a) for a in articles]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_segment_one, articles, chunksize=32))


def given_units(texts: list[str]) -> list[Unit]:
    """Units given pre-split, in order, as body units of the text that joins them with a space
    (ArticleIn.text): offsets exact, no segmentation."""
    units, start = [], 0
    for text in texts:
        units.append(Unit(start, start + len(text), text, "body"))
        start += len(text) + 1
    return units


def add_articles(session: Session, project: Project, articles: list[ArticleIn],
                 origin: str = "") -> ImportReport:
    """Add articles with their sentences in one transaction: all of them or, on error, none.

    An article already in the project (or earlier in the same batch) is skipped with a message
    rather than stored twice: the same normalised text, the same external id or the same URL
    (a page imported again after its text was extracted differently is still the same article).
    """
    report = ImportReport()
    known = _known(session, project)
    session.commit()  # end the read (as begin_write did): no transaction open while segmenting
    fresh: list[tuple[ArticleIn, str]] = []
    for art in articles:
        digest = text_hash(art.text)
        keys = _keys(digest, art.external_id, art.url)
        if keys & known:
            _skip(report, art, origin)
            continue
        known |= keys
        fresh.append((art, digest))
    # Segmenting is the slow part: it runs before the write transaction, so that a long
    # import does not hold SQLite's write lock (and every annotator's writes) while it computes.
    # Pre-split units (a sentence CSV) are kept as given.
    segmented = segment_all([a for a, _ in fresh])
    begin_write(session)
    try:
        stored = _known(session, project)  # another import may have added some meanwhile
        for (art, digest), (lang, units) in zip(fresh, segmented):
            if _keys(digest, art.external_id, art.url) & stored:
                _skip(report, art, origin)
                continue
            row = Article(project_id=project.id, external_id=art.external_id, title=art.title,
                          text=art.text, text_hash=digest, url=art.url, source=art.source,
                          published=art.published, topic=art.topic, lang=lang)
            session.add(row)
            session.flush()
            if units:
                session.execute(insert(Sentence), [
                    {"article_id": row.id, "project_id": project.id, "position": i,
                     "start": u.start, "end": u.end, "text": u.text, "kind": u.kind,
                     "long": u.long, "n_labels": 0, "full": False}
                    for i, u in enumerate(units)])
            events.imported(session, row)
            report.added.append(row.id)
            report.sentences += len(units)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    refresh_statistics(session, {Article.__tablename__: len(report.added),
                                 Sentence.__tablename__: report.sentences})
    return report


def _keys(digest: str, external_id: str | None, url: str | None) -> set[tuple[str, str]]:
    keys = {("text", digest)}
    if external_id:
        keys.add(("id", external_id))
    if url:
        keys.add(("url", url))
    return keys


def _known(session: Session, project: Project) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    for row in session.execute(select(Article.text_hash, Article.external_id, Article.url)
                               .where(Article.project_id == project.id)):
        known |= _keys(*row)
    return known


def _skip(report: ImportReport, art: ArticleIn, origin: str) -> None:
    where = f"{origin}, line {art.line}" if art.line else origin
    report.skipped.append(f"{where}: {art.title!r} is in the project already, skipped")


def set_kind(session: Session, sentence: Sentence, kind: str) -> None:
    """Change a unit's kind. A unit that stops being body also stops being a control item
    (only body sentences are served)."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)} (got {kind!r})")
    if sentence.kind == REPLACED:  # kept for its history only: it must not come back
        raise ValueError(f"sentence: unit {sentence.id} was replaced by a segmentation repair")
    begin_write(session)
    sentence.kind = kind
    events.units(session, sentence.project_id, [sentence], "update")
    if kind != "body":
        session.execute(delete(ControlItem).where(ControlItem.sentence_id == sentence.id))
    session.commit()


def set_lang(session: Session, article: Article, lang: str) -> None:
    """An admin's word on the article's language (a tag such as de or pt-BR).  Its units
    stay as they were cut; an admin repairs them by merging or splitting."""
    lang = (lang or "").strip()
    if not LANG_RE.fullmatch(lang):
        raise ValueError(f"lang: a language tag such as en, de or pt-BR (got {lang[:40]!r})")
    begin_write(session)
    article.lang = lang
    session.commit()


def delete_article(session: Session, article: Article) -> None:
    begin_write(session)
    session.execute(delete(Article).where(Article.id == article.id))
    session.commit()
