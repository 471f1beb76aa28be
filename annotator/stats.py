"""Agreement statistics of a project, from database rows to the JSON contract (no Flask import)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from . import agreement
from .labels import label_ids
from .models import Annotation, ControlItem, Project, Sentence, User


def utc_naive(when: datetime) -> datetime:
    """Times are stored as naive UTC: convert an aware time, keep a naive one (taken as UTC)."""
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None else utc_naive(value)
    try:
        return utc_naive(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"date: use ISO 8601, e.g. 2026-11-25 or 2026-11-25T09:00 (got {value!r})") from None


def rows(session: Session, project: Project, *columns, article_ids=None, annotators=None,
         since=None, until=None) -> list:
    """(sentence_id, annotator, label, *columns) of every counted label, in reading order.

    Counted: labels of body sentences (a unit an admin later turned into a heading no longer
    counts); control items are left out. The filters are those of the API and the dashboard.
    """
    stmt = (select(Annotation.sentence_id, User.username, Annotation.label, *columns)
            .join(User, User.id == Annotation.user_id)
            .join(Sentence, Sentence.id == Annotation.sentence_id)
            .where(Annotation.project_id == project.id, Sentence.kind == "body",
                   ~exists().where(ControlItem.sentence_id == Annotation.sentence_id)))
    if article_ids:
        stmt = stmt.where(Sentence.article_id.in_(list(article_ids)))
    if annotators:
        stmt = stmt.where(User.username.in_(list(annotators)))
    if (since := _when(since)) is not None:
        stmt = stmt.where(Annotation.updated_at >= since)
    if (until := _when(until)) is not None:
        stmt = stmt.where(Annotation.updated_at <= until)
    return session.execute(stmt.order_by(Sentence.article_id, Sentence.position,
                                         Annotation.sentence_id)).all()


def project_stats(session: Session, project: Project, **filters) -> dict:
    labels = label_ids(project.labels)
    return agreement.statistics(rows(session, project, Annotation.seconds, **filters), labels)


def hint_quality(session: Session, project: Project) -> dict:
    """Precision, recall and F1 of the project's hints against the human majority and spans,
    so that the lexicon can be tuned with evidence (see docs/hints.md)."""
    from . import suggest
    from .export import iter_sentences
    from .formats import agreed_spans

    matcher = suggest.Matcher(project.lexicon or suggest.DEFAULT_LEXICON)
    items = []
    for rec in iter_sentences(session, project):
        if rec["kind"] != "body" or not rec["annotations"] or rec["control"]:
            continue
        label = rec["gold"] or rec["majority"]
        spans = agreed_spans([a["spans"] for a in rec["annotations"] if a["label"] == label]) \
            if label else None
        items.append((matcher.hints(rec["text"]), label, spans))
    return suggest.hint_quality(items)


def by_outlet(session: Session, project: Project) -> list[tuple[str, dict]]:
    """Label counts per outlet (article source), so outlets can be compared."""
    from .models import Article

    labels = label_ids(project.labels)
    out: dict[str, dict] = {}
    for source, label, n in session.execute(
            select(Article.source, Annotation.label, func.count())
            .join(Sentence, Sentence.article_id == Article.id)
            .join(Annotation, Annotation.sentence_id == Sentence.id)
            .where(Article.project_id == project.id,
                   ~exists().where(ControlItem.sentence_id == Annotation.sentence_id))
            .group_by(Article.source, Annotation.label)):
        row = out.setdefault(source or "unknown outlet", {l: 0 for l in labels})
        if label in row:
            row[label] += n
    return sorted(out.items())
