"""annotator.prepared runs Core statements on the DBAPI cursor: same rows as SQLAlchemy gives."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, column, select, table, text

from annotator import assign, hotpath, users, writes
from annotator.models import Sentence, utcnow
from annotator.prepared import Prepared
from annotator.writes import LabelInput


def _same(db, prepared: Prepared, params: dict) -> list[tuple]:
    """Rows through Prepared and through Connection.execute (rolled back in between)."""
    conn = db.connection()
    ours = prepared.rows(conn, params)
    db.rollback()
    theirs = [tuple(r) for r in db.connection().execute(prepared.stmt, params).all()]
    db.rollback()
    assert ours == theirs
    return ours


def test_every_prepared_statement_gives_what_sqlalchemy_gives(db, project, make_user):
    alice = make_user("alice")
    row, token = users.create_token(db, alice)
    db.commit()
    sentences = db.scalars(select(Sentence).where(Sentence.project_id == project.id)
                           .order_by(Sentence.id)).all()
    # Some state for the statements to read: a label with spans and a comment, a lease.
    first = sentences[0]
    writes.save(db, project, first, alice, LabelInput(
        "attributed_claim", spans=[{"start": 0, "end": 3, "label": "source"}], comment="é ‘q’"))
    assign.lease_next(db, project, alice)
    db.commit()
    now = utcnow()
    digest = users.token_digest(token)
    [token_row] = _same(db, hotpath._RUN_TOKEN, {"digest": digest})
    assert token_row[5] == "alice" and token_row[7] is True and token_row[2] is None
    [with_project] = _same(db, hotpath._RUN_TOKEN_PROJECT, {"digest": digest, "slug": "news"})
    assert isinstance(with_project[13], list) and isinstance(with_project[14], dict)
    assert with_project[18] == 1  # alice's labels here
    assert _same(db, hotpath._RUN_TOKEN_PROJECT, {"digest": digest, "slug": "nope"})[0][9] is None
    _same(db, hotpath._RUN_TOKEN_SENTENCE, {"digest": digest, "sid": first.id})
    _same(db, hotpath._RUN_PROJECT, {"slug": "news", "uid": alice.id})
    _same(db, hotpath._RUN_SENTENCE, {"sid": first.id, "uid": alice.id})
    for s in sentences[:4]:
        assert _same(db, hotpath._RUN_VIEW, {"sid": s.id})
        assert _same(db, hotpath._RUN_VIEW_ROW, {"sid": s.id})
    leases = _same(db, assign._RUN_LEASES[db.connection().dialect.name != "sqlite"],
                   {"uid": alice.id, "pid": project.id, "now": now})
    db.rollback()
    assert leases and all(isinstance(v, bool) for r in leases for v in r[1:])
    # An expired lease reads as not live.
    assert not _same(db, assign._RUN_LEASES[db.connection().dialect.name != "sqlite"],
                     {"uid": alice.id, "pid": project.id, "now": now + timedelta(days=1)})[0][2]


@pytest.mark.usefixtures("project")
def test_postgresql_statements(db, make_user, project):
    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    alice = make_user("alice")
    db.commit()
    params = {"uid": alice.id, "pid": project.id, "now": utcnow(), "k": project.overlap, "lim": 1}
    for name in ("pick_in_article", "pick"):
        _same(db, assign._RUN_PG[name], params)
    sid = assign._RUN_PG["pick"].scalar(db.connection(), params)
    db.rollback()
    lease = {**params, "sid": sid, "exp": params["now"] + timedelta(minutes=5)}
    assert _same(db, assign._RUN_PG["lease_if_free"], lease) == [(sid,)]
    # The one-statement label: an id when new, nothing when the pair exists; spans as JSON.
    label = {"sid": sid, "uid": alice.id, "pid": project.id, "label": "neutral_fact",
             "spans": [{"start": 0, "end": 2, "label": "cue"}], "comment": None, "seconds": 1.5,
             "hints_shown": None, "now": utcnow(), "k": project.overlap}
    conn = db.connection()
    new_id = writes._RUN_PG_CREATE.scalar(conn, label)
    assert isinstance(new_id, int)
    assert writes._RUN_PG_CREATE.scalar(conn, label) is None
    stored = conn.execute(text("SELECT spans, seconds FROM annotations WHERE id = :i"),
                          {"i": new_id}).one()
    assert stored == (label["spans"], 1.5)
    db.rollback()


def test_in_lists_are_refused(db):
    t = table("t", column("a"))
    stmt = select(t.c.a).where(t.c.a.in_(bindparam("xs", expanding=True)))
    with pytest.raises(ValueError, match="IN lists"):
        Prepared(stmt).rows(db.connection(), {"xs": [1]})
