"""The sentence view: a sentence as the annotate page, the API and review show it, with its
context and hints (no Flask import). `views` is the one place that builds it."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2
CONTEXT_KINDS = ("body", "heading")
CONTEXT_WINDOW = 8  # positions looked at on each side (captions and credits may lie between)

_S, _ART = Sentence.__table__, Article.__table__
_C = _S.alias("c")


@lru_cache(maxsize=16)
def _views_statement(n: int):
    """One statement for `n` sentences: their own rows (with the article title), then the body
    and heading units around each within its article (`own` false, title NULL). The ids are
    n plain parameters, so the statement is compiled once per n and cached, where an
    expanding IN list is rendered anew on every call."""
    ids = [bindparam(f"id{i}") for i in range(n)]
    own = (select(_S.c.id, literal(True).label("own"), _S.c.article_id, _S.c.position,
                  _S.c.text, _S.c.kind, _ART.c.title)
           .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id)).where(_S.c.id.in_(ids)))
    around = (select(_S.c.id, literal(False), null(), _C.c.position, _C.c.text, null(), null())
              .select_from(_S.join(_C, _C.c.article_id == _S.c.article_id))
              .where(_S.c.id.in_(ids), or_(*(_C.c.kind == k for k in CONTEXT_KINDS)),
                     _C.c.position.between(_S.c.position - CONTEXT_WINDOW,
                                           _S.c.position + CONTEXT_WINDOW),
                     _C.c.id != _S.c.id))
    return union_all(own, around)


def views(session: Session, ids: list[int], hints=None) -> list[dict]:
    """DESIGN.md's `next` sentence for each id that exists, in the order given: id, article,
    position, text, kind, up to CONTEXT body or heading units on each side, and `hints(text)`
    (None: no hints). One query."""
    if not ids:
        return []
    own: dict[int, tuple] = {}
    near: dict[int, list[tuple[int, str]]] = {}
    rows = session.connection().execute(_views_statement(len(ids)),
                                        {f"id{i}": sid for i, sid in enumerate(ids)})
    for sid, is_own, article_id, position, text, kind, title in rows:
        if is_own:
            own[sid] = (article_id, position, text, kind, title)
        else:
            near.setdefault(sid, []).append((position, text))
    out = []
    for sid in ids:
        if sid not in own:
            continue
        article_id, pos, text, kind, title = own[sid]
        around = sorted(near.get(sid, []))
        out.append({
            "id": sid, "article_id": article_id, "article_title": title, "position": pos,
            "text": text, "kind": kind,
            "context": {"before": [t for p, t in around if p < pos][-CONTEXT:],
                        "after": [t for p, t in around if p > pos][:CONTEXT]},
            "hints": hints(text) if hints is not None else []})
    return out


def view(session: Session, sentence_id: int, hints=None) -> dict | None:
    found = views(session, [sentence_id], hints)
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
