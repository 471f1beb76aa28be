"""A sentence as the annotate page and the API show it: text, context, hints (no Flask import)."""
from __future__ import annotations

from sqlalchemy import null, or_, select, union_all
from sqlalchemy.orm import Session

from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2
CONTEXT_KINDS = ("body", "heading")
CONTEXT_WINDOW = 8  # positions looked at on each side (captions and credits may lie between)


def context(session: Session, sentence: Sentence) -> dict:
    """Up to two body or heading units on each side, within the same article."""
    rows = session.execute(
        select(Sentence.position, Sentence.text).where(
            Sentence.article_id == sentence.article_id, Sentence.kind.in_(CONTEXT_KINDS),
            Sentence.position.between(sentence.position - CONTEXT_WINDOW,
                                      sentence.position + CONTEXT_WINDOW),
            Sentence.id != sentence.id)
        .order_by(Sentence.position)).all()
    before = [t for p, t in rows if p < sentence.position][-CONTEXT:]
    after = [t for p, t in rows if p > sentence.position][:CONTEXT]
    return {"before": before, "after": after}


def kind_in(column):
    """column IN CONTEXT_KINDS as ORs of equalities: a fixed statement without expanding
    parameters, which annotator.prepared can run."""
    return or_(*(column == kind for kind in CONTEXT_KINDS))


_S, _ART = Sentence.__table__, Article.__table__
_C, _S2 = _S.alias("c"), _S.alias("s2")


def view_of(sid):
    """What `view` shows of the sentence `sid` (a bound parameter or a scalar subquery), as
    one statement: its row with the article title, then its context rows (None but position
    and text). annotator.hotpath turns the rows into view's JSON."""
    return union_all(
        select(_S.c.id, _S.c.article_id, _S.c.project_id, _S.c.position, _S.c.text, _S.c.kind,
               _ART.c.title)
        .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id)).where(_S.c.id == sid),
        select(null(), null(), null(), _C.c.position, _C.c.text, null(), null())
        .select_from(_S2.join(_C, _C.c.article_id == _S2.c.article_id))
        .where(_S2.c.id == sid, kind_in(_C.c.kind),
               _C.c.position.between(_S2.c.position - CONTEXT_WINDOW,
                                     _S2.c.position + CONTEXT_WINDOW),
               _C.c.id != _S2.c.id))


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
