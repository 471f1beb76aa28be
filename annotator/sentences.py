"""The sentence view: a sentence as the annotate page, the API and review show it, with its
context and hints (no Flask import). `views` is the one place that builds it."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2
CONTEXT_KINDS = ("body", "heading")
CONTEXT_WINDOW = 8  # positions looked at on each side (captions and credits may lie between)

_S, _ART = Sentence.__table__, Article.__table__
_C = _S.alias("c")
_ids = bindparam("ids", expanding=True)
# The sentences asked for, with their article titles ...
_OWN = (select(_S.c.id, _S.c.article_id, _S.c.position, _S.c.text, _S.c.kind, _ART.c.title)
        .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id)).where(_S.c.id.in_(_ids)))
# ... and the body and heading units around each, within its article.
_AROUND = (select(_S.c.id, _C.c.position, _C.c.text)
           .select_from(_S.join(_C, _C.c.article_id == _S.c.article_id))
           .where(_S.c.id.in_(_ids), _C.c.kind.in_(CONTEXT_KINDS),
                  _C.c.position.between(_S.c.position - CONTEXT_WINDOW,
                                        _S.c.position + CONTEXT_WINDOW),
                  _C.c.id != _S.c.id)
           .order_by(_C.c.position))


def views(session: Session, ids: list[int], matcher=None) -> list[dict]:
    """DESIGN.md's `next` sentence for each id that exists, in the order given: id, article,
    position, text, kind, up to CONTEXT body or heading units on each side, and the hints of
    `matcher` (None: no hints). Two queries, however many ids."""
    if not ids:
        return []
    own = {row[0]: row for row in session.execute(_OWN, {"ids": list(ids)})}
    near: dict[int, list[tuple[int, str]]] = {}
    for sid, position, text in session.execute(_AROUND, {"ids": list(own)}):
        near.setdefault(sid, []).append((position, text))
    out = []
    for sid in ids:
        row = own.get(sid)
        if row is None:
            continue
        _, article_id, pos, text, kind, title = row
        around = near.get(sid, [])
        out.append({
            "id": sid, "article_id": article_id, "article_title": title, "position": pos,
            "text": text, "kind": kind,
            "context": {"before": [t for p, t in around if p < pos][-CONTEXT:],
                        "after": [t for p, t in around if p > pos][:CONTEXT]},
            "hints": matcher.hints(text) if matcher is not None else []})
    return out


def view(session: Session, sentence_id: int, matcher=None) -> dict | None:
    found = views(session, [sentence_id], matcher)
    return found[0] if found else None


def context(session: Session, sentence: Sentence) -> dict:
    """Up to CONTEXT body or heading units on each side, within the same article."""
    shown = view(session, sentence.id)
    return shown["context"] if shown else {"before": [], "after": []}


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


def own_annotation(session: Session, sentence_id: int, user: User) -> Annotation | None:
    return session.scalar(select(Annotation).where(
        Annotation.sentence_id == sentence_id, Annotation.user_id == user.id))


def previous(session: Session, project: Project, user: User,
             before: Annotation | None) -> int | None:
    """The sentence the user labelled before `before` (or most recently, if None)."""
    stmt = select(Annotation.sentence_id).where(
        Annotation.user_id == user.id, Annotation.project_id == project.id)
    if before is not None:
        stmt = stmt.where((Annotation.created_at < before.created_at) |
                          ((Annotation.created_at == before.created_at) & (Annotation.id < before.id)))
    return session.scalar(stmt.order_by(Annotation.created_at.desc(), Annotation.id.desc()).limit(1))
