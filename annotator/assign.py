"""Which sentence an annotator gets next (no Flask import).

Rules: each body sentence should receive `overlap` (k) labels from different annotators. An
annotator gets the first open sentence, in the project's queue order, that they have not
labelled; in reading order (the default) staying in the article they are working on so its
context stays coherent, in the model's orders (model/queue.py) by the rank it gave. A served sentence is leased
to them so that two annotators do not fill the last slot twice; an expired lease counts for
nothing. Skipped sentences come back at the end of that annotator's own queue. Quality-control
items are interleaved at the project's control rate. The order depends only on the stored state.

This is the hot path of the annotate loop, so the statements are built once, with bound
parameters, and run as Core statements on the session's connection: no ORM loading, no
statement construction per request. Each search is one query that stops at the first sentence
with a free slot (n_labels + live leases of others < k), walking the queue index in order.
Where PostgreSQL and SQLite need different SQL (row locks, upserts), both stand side by side
here.
"""
from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import (Integer, and_, bindparam, delete, exists, false, func, literal, literal_column,
                        select, update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import begin_write
from .models import Annotation, ControlItem, Lease, Project, Sentence, Skip, User, utcnow
from .projects import settings

S, A, L = Sentence.__table__, Annotation.__table__, Lease.__table__
K, C = Skip.__table__, ControlItem.__table__

_pid, _uid, _now = bindparam("pid"), bindparam("uid"), bindparam("now", type_=L.c.expires_at.type)



def _probe(fenced: bool, table, *where):
    """EXISTS(a row of `table` matching `where`), to be looked up row by row through the
    table's index. Fenced with OFFSET 0 for PostgreSQL, which would otherwise turn it into an
    anti-join and plan that (from statistics that lag behind a growing table) as a scan of
    all of the user's rows per candidate sentence: a walk that should stop after a few
    sentences then costs O(sentences x labels). SQLite probes row by row anyway, and
    slightly faster without the fence."""
    if not fenced:
        return exists().where(*where)
    return select(literal(1)).select_from(table).where(*where).offset(0).exists()


# Body sentences still short of k labels that the user has not labelled (controls apart).
# `full = false` rather than `full IS false`, which PostgreSQL cannot answer from an index.
_OPEN_WHERE = (S.c.project_id == _pid, S.c.full == false(), S.c.kind == "body")


def has_free_slot(n_labels, sentence_id):
    """The slot rule, written once: a sentence takes another annotator while its labels plus
    the live leases of other annotators stay below k. (`n_labels` and `sentence_id` are
    columns or expressions; uid, now and k are bound parameters.)"""
    leased_by_others = (select(func.count()).select_from(L)
                        .where(L.c.sentence_id == sentence_id, L.c.user_id != _uid,
                               L.c.expires_at > _now).scalar_subquery())
    return n_labels + leased_by_others < bindparam("k", type_=Integer)


_FREE = has_free_slot(S.c.n_labels, S.c.id)
_LIMIT = bindparam("lim")

# The article of the user's latest label: finish it before starting another. The latest
# time is looked up first (max() is one step down ix_annotations_user_project), then its
# label(s): a plain ORDER BY updated_at, id over the user's labels was planned by PostgreSQL,
# short of fresh statistics, as a sort of all of them on every `next` (0.64 ms per pick
# with 300 labels each, growing with every label).
_LATEST = (select(func.max(A.c.updated_at)).where(A.c.user_id == _uid, A.c.project_id == _pid)
           .scalar_subquery())
_CURRENT_ARTICLE = (select(S.c.article_id).select_from(A.join(S, S.c.id == A.c.sentence_id))
                    .where(A.c.user_id == _uid, A.c.project_id == _pid, A.c.updated_at == _LATEST)
                    .order_by(A.c.id.desc()).limit(literal_column("1")))


def held_by(user, project, now, fenced: bool = False):
    """The sentences leased to `user` in `project`, live at `now` and not labelled by them,
    oldest lease first."""
    return (select(L.c.sentence_id)
            .where(L.c.user_id == user, L.c.project_id == project, L.c.expires_at > now,
                   ~_probe(fenced, A, A.c.sentence_id == L.c.sentence_id, A.c.user_id == user))
            .order_by(L.c.id))


def _walks(fenced: bool) -> dict:
    """The statements that walk the queue (see _probe for `fenced`)."""
    open_ = and_(*_OPEN_WHERE,
                 ~_probe(fenced, A, A.c.sentence_id == S.c.id, A.c.user_id == _uid),
                 ~_probe(fenced, C, C.c.sentence_id == S.c.id))
    not_skipped = ~_probe(fenced, K, K.c.sentence_id == S.c.id, K.c.user_id == _uid)
    unlabelled = ~_probe(fenced, A, A.c.sentence_id == L.c.sentence_id, A.c.user_id == _uid)
    return {
        "pick_in_article": (
            select(S.c.id)
            .where(open_, not_skipped, S.c.article_id == _CURRENT_ARTICLE.scalar_subquery(), _FREE)
            .order_by(S.c.position).limit(_LIMIT)),
        # queue_pos is 0 throughout in reading order; other orders rank sentences first
        # (model/queue.py).
        "pick": (select(S.c.id).where(open_, not_skipped, _FREE)
                 .order_by(S.c.queue_pos, S.c.article_id, S.c.position).limit(_LIMIT)),
        "pick_skipped": (
            select(S.c.id).join(K, and_(K.c.sentence_id == S.c.id, K.c.user_id == _uid))
            .where(open_, _FREE).order_by(K.c.at, K.c.id).limit(_LIMIT)),
        "held": held_by(_uid, _pid, _now, fenced),
        # All the user's leases at once: the held ones (live, here, unlabelled) and whether
        # any expired.
        "leases": (select(L.c.sentence_id, L.c.project_id == _pid, L.c.expires_at > _now,
                          unlabelled)
                   .where(L.c.user_id == _uid).order_by(L.c.id)),
    }


_FENCED, _PLAIN = _walks(True), _walks(False)


def _pg_claims():
    """PostgreSQL: pick and lock in one statement, then lease in one statement.

    The pick locks the first free sentence FOR UPDATE, passing over rows another transaction
    holds (SKIP LOCKED: leasing or labelling them); the lease is inserted only if, counted
    again in the lease statement's own snapshot, which is taken after the lock and so sees
    what any earlier holder committed, the sentence still has a free slot. Two round trips
    where the portable path takes four (pick, lock, count, lease)."""
    w = _FENCED
    out = {}
    for name in ("pick_in_article", "pick"):
        # LIMIT 1 written out: as a parameter its value is unknown to a generic plan, which
        # PostgreSQL then costs as if a tenth of the table came back, and so plans the
        # statement anew on every execution (0.4 ms of planning per `next`).
        stmt = w[name].limit(literal_column("1")).with_for_update(of=S, skip_locked=True)
        out[name] = stmt
        out[name + "_except"] = stmt.where(S.c.id.not_in(bindparam("ex", expanding=True)))
    # Both picks in one round trip: COALESCE runs the second (an init plan) only when the
    # first found nothing, so at most one sentence is locked, as when they run in turn.
    out["pick_first"] = select(func.coalesce(out["pick_in_article"].scalar_subquery(),
                                             out["pick"].scalar_subquery()))
    sid = bindparam("sid", type_=Integer)
    free = has_free_slot(select(S.c.n_labels).where(S.c.id == sid).scalar_subquery(), sid)
    ins = pg_insert(L).from_select(
        ["sentence_id", "user_id", "project_id", "expires_at"],
        select(sid, bindparam("uid", type_=Integer), bindparam("pid", type_=Integer),
               bindparam("exp", type_=L.c.expires_at.type)).where(free))
    out["lease_if_free"] = ins.on_conflict_do_update(
        index_elements=[L.c.sentence_id, L.c.user_id],
        set_={"expires_at": ins.excluded.expires_at}).returning(L.c.sentence_id)
    return out


_PG = _pg_claims()


def _pg_claim(conn, params: dict, lease: dict, exclude: set[int], ranked: bool) -> int | None:
    """Pick, lock and lease the first free sentence (PostgreSQL); None if there is none.
    `ranked`: the project's queue order is not reading order, so there is no article to
    finish first."""
    walks_ = ("pick_except",) if ranked else ("pick_in_article_except", "pick_except")
    while True:
        if exclude:  # one walk after the other, passing over `exclude`
            sid = None
            for name in walks_:
                sid = conn.execute(_PG[name], {**params, "ex": list(exclude)}).scalar()
                if sid is not None:
                    break
        else:
            sid = conn.execute(_PG["pick" if ranked else "pick_first"], params).scalar()
        if sid is None:
            return None
        args = {**lease, "sid": sid, "now": params["now"], "k": params["k"]}
        if conn.execute(_PG["lease_if_free"], args).scalar() is not None:
            return sid
        exclude.add(sid)  # lost the race: full in the snapshot taken after the lock


def walks(dialect: str) -> dict:
    """The queue-walking statements for a database dialect (bench/load.py shows their plans)."""
    return _PLAIN if dialect == "sqlite" else _FENCED


_DROP_EXPIRED = delete(L).where(L.c.user_id == _uid, L.c.expires_at <= _now)
# PostgreSQL: serialise leases on one sentence across connections, then count again. A row
# another transaction holds (leasing or labelling it) is passed over rather than waited for:
# otherwise every annotator queues behind the others on the first open sentence.
_LOCK_SENTENCE = (select(S.c.id).where(S.c.id == bindparam("sid"))
                  .with_for_update(skip_locked=True))
_RECOUNT = select(has_free_slot(S.c.n_labels, S.c.id),
                  exists().where(C.c.sentence_id == S.c.id)).where(S.c.id == bindparam("sid"))


def _lease_upsert(dialect: str):
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(L).values(
        sentence_id=bindparam("sid"), user_id=_uid, project_id=_pid, expires_at=bindparam("exp"))
    return ins.on_conflict_do_update(index_elements=[L.c.sentence_id, L.c.user_id],
                                     set_={"expires_at": ins.excluded.expires_at})


_LEASE = {"sqlite": _lease_upsert("sqlite"), "postgresql": _lease_upsert("postgresql")}


def _set_lease(conn, params: dict) -> None:
    stmt = _LEASE.get(conn.dialect.name)
    if stmt is not None:
        conn.execute(stmt, params)
        return
    # Other databases: update, else insert (the transaction holds the sentence's row lock).
    done = conn.execute(update(L).where(L.c.sentence_id == params["sid"], L.c.user_id == params["uid"])
                        .values(expires_at=params["exp"]))
    if not done.rowcount:
        conn.execute(L.insert().values(sentence_id=params["sid"], user_id=params["uid"],
                                       project_id=params["pid"], expires_at=params["exp"]))


def hold(session: Session, project: Project, user: User, sentence_id: int, now=None) -> None:
    """Lease one sentence to the user for the project's lease time (no commit: the caller's
    write, e.g. a removed label the user is to give again, commits it with its own change)."""
    now = now or utcnow()
    _set_lease(session.connection(), {
        "sid": sentence_id, "uid": user.id, "pid": project.id,
        "exp": now + timedelta(minutes=settings(project)["lease_minutes"])})


def _first_free(conn, name: str, params: dict, exclude: set[int]) -> int | None:
    """The first sentence of walk `name`'s order with a free slot that is not in `exclude`."""
    for sid in conn.execute(walks(conn.dialect.name)[name], {**params, "lim": len(exclude) + 1}).scalars():
        if sid not in exclude:
            return sid
    return None


def _pick(conn, params: dict, exclude: set[int], ranked: bool) -> int | None:
    # In reading order, first in the article of the user's latest label; then the first in the
    # queue order; then what they skipped.
    if not ranked:
        found = _first_free(conn, "pick_in_article", params, exclude)
        if found is not None:
            return found
    found = _first_free(conn, "pick", params, exclude)
    if found is not None:
        return found
    return _first_free(conn, "pick_skipped", params, exclude)


def _control_due(session: Session, project: Project, user: User, rate: float,
                 exclude: set[int]) -> int | None:
    """The next unanswered control item, if the user's share of them is below the rate.
    Like any sentence it must be body; one the user skipped is not served to them again."""
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
        select(ControlItem.sentence_id)
        .join(Sentence, Sentence.id == ControlItem.sentence_id)
        .where(
            ControlItem.project_id == project.id, Sentence.kind == "body",
            ControlItem.sentence_id.not_in(exclude) if exclude else True,
            ~exists().where(Annotation.sentence_id == ControlItem.sentence_id,
                            Annotation.user_id == user.id),
            ~exists().where(Skip.sentence_id == ControlItem.sentence_id, Skip.user_id == user.id))
        .order_by(ControlItem.id).limit(1))


def has_lease(session: Session, user: User, sentence_id: int) -> bool:
    """Whether the user holds a lease row on the sentence, live or lapsed: what
    labelling.save takes for a new label, so a page may show the sentence while it does."""
    return bool(session.scalar(select(exists().where(Lease.sentence_id == sentence_id,
                                                      Lease.user_id == user.id))))


def held(session: Session, project: Project, user: User, now=None) -> list[int]:
    """Sentences leased to the user and still unlabelled, oldest lease first."""
    conn = session.connection()
    return list(conn.execute(walks(conn.dialect.name)["held"],
                             {"uid": user.id, "pid": project.id, "now": now or utcnow()}).scalars())


def lease_next(session: Session, project: Project, user: User, count: int = 1,
               now=None, commit: bool = True, until=None, fresh: int | None = None) -> list[int]:
    """Ids of up to `count` sentences for the user, each leased to them: first those leased to
    them here already, then new ones. Commits the leases (with commit=False the caller commits,
    after reading what it shows in the same transaction). `project` and `user` need only `id`
    (and the project `overlap` and `settings`). `until`: when new leases lapse, instead of the
    project's lease time (a crowd participant's session deadline, crowd.py); `fresh`: at most
    this many new leases (a participant's quota left, counted under the same lock)."""
    now = now or utcnow()
    cfg = settings(project)
    begin_write(session)
    conn = session.connection()
    params = {"uid": user.id, "pid": project.id, "now": now, "k": project.overlap}
    picked, expired = [], False
    for sid, here, live, unlabelled in conn.execute(walks(conn.dialect.name)["leases"], params):
        if not live:
            expired = True
        elif here and unlabelled:
            picked.append(sid)
    picked = picked[:count]
    chosen = set(picked)
    if fresh is not None:
        count = min(count, len(picked) + max(0, fresh))
    if len(picked) < count:
        lease = {"uid": user.id, "pid": project.id,
                 "exp": until or now + timedelta(minutes=cfg["lease_minutes"])}
        postgres = conn.dialect.name != "sqlite"
        ranked = cfg["order"] != "reading"
        while len(picked) < count:
            sid = _control_due(session, project, user, cfg["control_rate"], chosen)
            if sid is None and conn.dialect.name == "postgresql":
                tried = set(chosen)
                sid = _pg_claim(conn, params, lease, tried, ranked)
                if sid is not None:
                    picked.append(sid)
                    chosen.add(sid)
                    continue
                # Nothing left in reading order: what the user skipped, the portable way.
                chosen |= tried
                sid = _first_free(conn, "pick_skipped", params, chosen)
            elif sid is None:
                sid = _pick(conn, params, chosen, ranked)
            if sid is None:
                break
            if postgres:
                # Serialise leases on this sentence across connections, then count again
                # (a new statement, so that it sees what the last lock holder committed).
                if conn.execute(_LOCK_SENTENCE, {"sid": sid}).first() is None:
                    chosen.add(sid)  # someone is leasing or labelling it right now: look further
                    continue
                free, is_control = conn.execute(_RECOUNT, {**params, "sid": sid}).one()
                if not is_control and not free:
                    chosen.add(sid)  # lost the race; look further
                    continue
            _set_lease(conn, {**lease, "sid": sid})
            picked.append(sid)
            chosen.add(sid)
    if expired:
        conn.execute(_DROP_EXPIRED, params)
    if commit:
        session.commit()
    return picked


def next_sentences(session: Session, project: Project, user: User, count: int = 1,
                   now=None) -> list[Sentence]:
    """Up to `count` sentences for the user, each leased to them; commits the leases."""
    picked = lease_next(session, project, user, count, now)
    if not picked:
        return []
    rows = {s.id: s for s in session.scalars(select(Sentence).where(Sentence.id.in_(picked)))}
    return [rows[i] for i in picked]


def next_sentence(session: Session, project: Project, user: User, now=None) -> Sentence | None:
    found = next_sentences(session, project, user, 1, now)
    return found[0] if found else None
