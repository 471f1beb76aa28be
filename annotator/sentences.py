"""The sentence view: a sentence as the annotate page, the API and review show it, with its
context and hints (no Flask import). `views` is the one place that builds it."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, literal, literal_column, null, or_, select, union_all
from sqlalchemy.orm import Session

from .models import Annotation, Article, Project, Sentence, User

CONTEXT = 2
CONTEXT_KINDS = ("body", "heading")
CONTEXT_WINDOW = 8  # positions looked at on each side (captions and credits may lie between)

_S, _ART = Sentence.__table__, Article.__table__


def _context_kind(column):
    return or_(*(column == kind for kind in CONTEXT_KINDS))


@lru_cache(maxsize=16)
def _views_statement(n: int):
    """One statement for `n` sentences: their own rows (with the article title), then for each
    up to CONTEXT body or heading units before and after it within its article (`own` false,
    title NULL), each side an index walk that stops after CONTEXT rows. The ids are n plain
    parameters, so the statement is compiled once per n and cached, where an expanding IN
    list is rendered anew on every call."""
    ids = [bindparam(f"id{i}") for i in range(n)]
    parts = [select(_S.c.id, literal(True).label("own"), _S.c.article_id, _S.c.position,
                    _S.c.text, _S.c.kind, _ART.c.title)
             .select_from(_S.join(_ART, _ART.c.id == _S.c.article_id)).where(_S.c.id.in_(ids))]
    limit = literal_column(str(CONTEXT))  # written out: PostgreSQL plans a known LIMIT better
    for sid in ids:
        for side in ("before", "after"):
            c = _S.alias("c")
            near = (c.c.position.between(_S.c.position - CONTEXT_WINDOW, _S.c.position - 1)
                    if side == "before" else
                    c.c.position.between(_S.c.position + 1, _S.c.position + CONTEXT_WINDOW))
            rows = (select(_S.c.id, c.c.position, c.c.text)
                    .select_from(_S.join(c, c.c.article_id == _S.c.article_id))
                    .where(_S.c.id == sid, near, _context_kind(c.c.kind))
                    .order_by(c.c.position.desc() if side == "before" else c.c.position)
                    .limit(limit).subquery())
            parts.append(select(rows.c.id, literal(False), null(), rows.c.position, rows.c.text,
                                null(), null()))
    return union_all(*parts)


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
            "context": {"before": [t for p, t in around if p < pos],
                        "after": [t for p, t in around if p > pos]},
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


def following(session: Session, project: Project, user: User, after: Annotation) -> int | None:
    """The sentence the user labelled next after `after` (None: `after` is their latest)."""
    return session.scalar(
        select(Annotation.sentence_id).where(
            Annotation.user_id == user.id, Annotation.project_id == project.id,
            (Annotation.created_at > after.created_at) |
            ((Annotation.created_at == after.created_at) & (Annotation.id > after.id)))
        .order_by(Annotation.created_at, Annotation.id).limit(1))
