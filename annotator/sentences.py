"""A sentence as the annotate page and the API show it: text, context, hints (no Flask import)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2
CONTEXT_KINDS = ("body", "heading")


def context(session: Session, sentence: Sentence) -> dict:
    """Up to two body or heading units on each side, within the same article."""
    rows = session.execute(
        select(Sentence.position, Sentence.text).where(
            Sentence.article_id == sentence.article_id, Sentence.kind.in_(CONTEXT_KINDS),
            Sentence.position.between(sentence.position - 8, sentence.position + 8),
            Sentence.id != sentence.id)
        .order_by(Sentence.position)).all()
    before = [t for p, t in rows if p < sentence.position][-CONTEXT:]
    after = [t for p, t in rows if p > sentence.position][:CONTEXT]
    return {"before": before, "after": after}


def view(session: Session, project: Project, sentence: Sentence, matcher=None,
         title: str | None = None) -> dict:
    """The JSON shape of DESIGN.md's `next` sentence."""
    if title is None:
        title = session.scalar(select(Article.title).where(Article.id == sentence.article_id))
    hints = matcher.hints(sentence.text) if matcher is not None else []
    return {"id": sentence.id, "article_id": sentence.article_id, "article_title": title,
            "position": sentence.position, "text": sentence.text, "kind": sentence.kind,
            "context": context(session, sentence), "hints": hints}


def mark(text: str, hints: list[dict]) -> list[tuple[str, str | None]]:
    """Split text into (piece, hint type or None) so a template can highlight without |safe."""
    out, cursor = [], 0
    for h in sorted(hints, key=lambda h: h["start"]):
        if h["start"] < cursor:
            continue
        if h["start"] > cursor:
            out.append((text[cursor:h["start"]], None))
        out.append((text[h["start"]:h["end"]], h["type"]))
        cursor = h["end"]
    if cursor < len(text):
        out.append((text[cursor:], None))
    return out


def own_annotation(session: Session, sentence: Sentence, user: User) -> Annotation | None:
    return session.scalar(select(Annotation).where(
        Annotation.sentence_id == sentence.id, Annotation.user_id == user.id))


def previous(session: Session, project: Project, user: User,
             before: Annotation | None) -> int | None:
    """The sentence the user labelled before `before` (or most recently, if None)."""
    stmt = select(Annotation.sentence_id).where(
        Annotation.user_id == user.id, Annotation.project_id == project.id)
    if before is not None:
        stmt = stmt.where((Annotation.created_at < before.created_at) |
                          ((Annotation.created_at == before.created_at) & (Annotation.id < before.id)))
    return session.scalar(stmt.order_by(Annotation.created_at.desc(), Annotation.id.desc()).limit(1))
