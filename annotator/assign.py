"""Which sentence an annotator gets next (no Flask import).

Rules: each body sentence should receive `overlap` (k) labels from different annotators. An
annotator gets the first open sentence, in reading order, that they have not labelled, staying
in the article they are working on so its context stays coherent. A served sentence is leased
to them so that two annotators do not fill the last slot twice; an expired lease counts for
nothing. Skipped sentences come back at the end of that annotator's own queue. Quality-control
items are interleaved at the project's control rate. The order depends only on the stored state.
"""
from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session

from .db import begin_write
from .models import Annotation, ControlItem, Lease, Project, Sentence, Skip, User, utcnow
from .projects import settings

BATCH = 64


def _open_sentences(project: Project, user: User):
    """Body sentences still short of k labels that this user has not labelled, in reading order."""
    return (select(Sentence.id, Sentence.n_labels, Sentence.article_id)
            .where(Sentence.project_id == project.id, Sentence.full.is_(False),
                   Sentence.kind == "body",
                   ~exists().where(Annotation.sentence_id == Sentence.id,
                                   Annotation.user_id == user.id),
                   ~exists().where(ControlItem.sentence_id == Sentence.id)))


def _not_skipped(query, user: User):
    return query.where(~exists().where(Skip.sentence_id == Sentence.id, Skip.user_id == user.id))


def _current_article(session: Session, project: Project, user: User) -> int | None:
    """The article of the user's latest label: finish it before starting another."""
    return session.scalar(
        select(Sentence.article_id).join(Annotation, Annotation.sentence_id == Sentence.id)
        .where(Annotation.user_id == user.id, Annotation.project_id == project.id)
        .order_by(Annotation.updated_at.desc(), Annotation.id.desc()).limit(1))


def _leases_by_others(session: Session, ids: list[int], user: User, now) -> dict[int, int]:
    rows = session.execute(
        select(Lease.sentence_id, func.count()).where(
            Lease.sentence_id.in_(ids), Lease.user_id != user.id, Lease.expires_at > now)
        .group_by(Lease.sentence_id))
    return dict(rows.all())


def _first_free(session: Session, project: Project, user: User, query, now,
                exclude: set[int]) -> int | None:
    """Walk `query` in batches (keyset on its order) to the first sentence with a free slot."""
    offset = 0
    while True:
        rows = session.execute(query.limit(BATCH).offset(offset)).all()
        if not rows:
            return None
        leased = _leases_by_others(session, [r.id for r in rows], user, now)
        for r in rows:
            if r.id not in exclude and r.n_labels + leased.get(r.id, 0) < project.overlap:
                return r.id
        offset += BATCH


def _pick(session: Session, project: Project, user: User, now, exclude: set[int]) -> int | None:
    base = _open_sentences(project, user)
    fresh = _not_skipped(base, user)
    current = _current_article(session, project, user)
    if current is not None:
        found = _first_free(session, project, user,
                            fresh.where(Sentence.article_id == current).order_by(Sentence.position),
                            now, exclude)
        if found is not None:
            return found
    found = _first_free(session, project, user,
                        fresh.order_by(Sentence.article_id, Sentence.position), now, exclude)
    if found is not None:
        return found
    skipped = (base.join(Skip, and_(Skip.sentence_id == Sentence.id, Skip.user_id == user.id))
               .order_by(Skip.at, Skip.id))
    return _first_free(session, project, user, skipped, now, exclude)


def _control_due(session: Session, project: Project, user: User, rate: float,
                 exclude: set[int]) -> int | None:
    """The next unanswered control item, if the user's share of them is below the rate."""
    if rate <= 0:
        return None
    answered_controls = session.scalar(
        select(func.count()).select_from(Annotation).join(
            ControlItem, ControlItem.sentence_id == Annotation.sentence_id)
        .where(Annotation.user_id == user.id, Annotation.project_id == project.id))
    answered = session.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.user_id == user.id, Annotation.project_id == project.id))
    if answered_controls >= math.floor((answered + 1) * rate):
        return None
    return session.scalar(
        select(ControlItem.sentence_id).where(
            ControlItem.project_id == project.id,
            ControlItem.sentence_id.not_in(exclude) if exclude else True,
            ~exists().where(Annotation.sentence_id == ControlItem.sentence_id,
                            Annotation.user_id == user.id))
        .order_by(ControlItem.id).limit(1))


def held(session: Session, project: Project, user: User, now=None) -> list[int]:
    """Sentences leased to the user and still unlabelled, oldest lease first."""
    now = now or utcnow()
    return list(session.scalars(
        select(Lease.sentence_id).where(
            Lease.user_id == user.id, Lease.project_id == project.id, Lease.expires_at > now,
            ~exists().where(Annotation.sentence_id == Lease.sentence_id,
                            Annotation.user_id == user.id))
        .order_by(Lease.id)))


def next_sentences(session: Session, project: Project, user: User, count: int = 1,
                   now=None) -> list[Sentence]:
    """Up to `count` sentences for the user, each leased to them; commits the leases."""
    now = now or utcnow()
    cfg = settings(project)
    expires = now + timedelta(minutes=cfg["lease_minutes"])
    begin_write(session)
    picked = held(session, project, user, now)[:count]
    chosen = set(picked)
    while len(picked) < count:
        sid = _control_due(session, project, user, cfg["control_rate"], chosen)
        if sid is None:
            sid = _pick(session, project, user, now, chosen)
        if sid is None:
            break
        if session.get_bind().dialect.name != "sqlite":
            # Serialise leases on this sentence across connections, then count again.
            session.execute(select(Sentence.id).where(Sentence.id == sid).with_for_update())
            n = session.scalar(select(Sentence.n_labels).where(Sentence.id == sid))
            others = _leases_by_others(session, [sid], user, now).get(sid, 0)
            is_control = session.scalar(select(exists().where(ControlItem.sentence_id == sid)))
            if not is_control and n + others >= project.overlap:
                chosen.add(sid)  # lost the race; look further
                session.commit()
                begin_write(session)
                continue
        _lease(session, project, user, sid, expires)
        picked.append(sid)
        chosen.add(sid)
    session.execute(delete(Lease).where(Lease.user_id == user.id, Lease.expires_at <= now))
    session.commit()
    if not picked:
        return []
    rows = {s.id: s for s in session.scalars(select(Sentence).where(Sentence.id.in_(picked)))}
    return [rows[i] for i in picked]


def _lease(session: Session, project: Project, user: User, sid: int, expires) -> None:
    row = session.scalar(select(Lease).where(Lease.sentence_id == sid, Lease.user_id == user.id))
    if row is None:
        session.add(Lease(sentence_id=sid, user_id=user.id, project_id=project.id, expires_at=expires))
    else:
        row.expires_at = expires
    session.flush()


def next_sentence(session: Session, project: Project, user: User, now=None) -> Sentence | None:
    found = next_sentences(session, project, user, 1, now)
    return found[0] if found else None


def progress(session: Session, project: Project, user: User) -> dict:
    """done: the user's labels here; total: done plus what is still open to them."""
    done = session.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.user_id == user.id, Annotation.project_id == project.id))
    remaining = session.scalar(select(func.count()).select_from(
        _open_sentences(project, user).subquery()))
    return {"done": done, "total": done + remaining}
