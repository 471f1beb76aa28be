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
    [with_project] = _same(db, hotpath._RUN_TOKEN_PROJECT,
                           {"digest": digest, "slug": "news", "since": 0, "now": now})
    assert isinstance(with_project[13], list) and isinstance(with_project[14], dict)
    assert with_project[18] == 1 and with_project[19] > 0  # alice's labels here, newest id
    leased = assign.held(db, project, alice)
    db.rollback()
    assert len(leased) == 1 and with_project[20:] == (leased[0], False)  # held here, none expired
    later = {"digest": digest, "slug": "news", "since": 0, "now": now + timedelta(days=1)}
    assert _same(db, hotpath._RUN_TOKEN_PROJECT, later)[0][20:] == (None, True)
    assert _same(db, hotpath._RUN_TOKEN_PROJECT, {"digest": digest, "slug": "news", "now": now,
                                                  "since": with_project[19]})[0][18:20] == (0, None)
    assert _same(db, hotpath._RUN_TOKEN_PROJECT,
                 {"digest": digest, "slug": "nope", "since": 0, "now": now})[0][9] is None
    _same(db, hotpath._RUN_TOKEN_SENTENCE, {"digest": digest, "sid": first.id})
    _same(db, hotpath._RUN_PROJECT, {"slug": "news", "uid": alice.id})
    _same(db, hotpath._RUN_SENTENCE, {"sid": first.id, "uid": alice.id})
    for s in sentences[:4]:
        assert _same(db, hotpath._RUN_VIEW, {"sid": s.id})
        assert _same(db, hotpath._RUN_VIEW_ROW, {"sid": s.id})
    run = assign._RUN[db.connection().dialect.name != "sqlite"]
    leases = _same(db, run["leases"], {"uid": alice.id, "pid": project.id, "now": now})
    db.rollback()
    assert leases and all(isinstance(v, bool) for r in leases for v in r[1:])
    # An expired lease reads as not live.
    assert not _same(db, run["leases"], {"uid": alice.id, "pid": project.id,
                                         "now": now + timedelta(days=1)})[0][2]
    walk = {"uid": alice.id, "pid": project.id, "now": now, "k": project.overlap, "lim": 3}
    for name in ("pick_in_article", "pick", "pick_skipped", "held"):
        _same(db, run[name], walk)


@pytest.mark.usefixtures("project")
def test_postgresql_statements(db, make_user, project):
    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    alice = make_user("alice")
    db.commit()
    params = {"uid": alice.id, "pid": project.id, "now": utcnow(), "k": project.overlap, "lim": 1}
    [(sid,)] = _same(db, assign._RUN_PG["pick_first"], params)
    # Nothing labelled yet, so no current article: the first open sentence anywhere.
    assert sid == db.connection().execute(assign._PG["pick"], params).scalar()
    db.rollback()
    lease = {**params, "sid": sid, "exp": params["now"] + timedelta(minutes=5)}
    assert _same(db, assign._RUN_PG["lease_if_free"], lease) == [(sid,)]
    # The lease answered with the sentence's view rows, as views() reads them; none when full.
    with_view = _same(db, assign._RUN_PG["lease_and_view"], lease)
    assert with_view and with_view == _same(db, hotpath._RUN_VIEW, {"sid": sid})
    assert _same(db, assign._RUN_PG["lease_and_view"], {**lease, "k": 0}) == []
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


def test_sqlite_label_writes_store_what_sqlalchemy_stores(db, project, make_user):
    """On SQLite the new-label path runs prepared: the stored text of each column (dates,
    JSON) is in the form SQLAlchemy writes and reads back."""
    if db.connection().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    alice, bob = make_user("alice"), make_user("bob")
    db.commit()
    s = db.scalar(select(Sentence).where(Sentence.project_id == project.id).order_by(Sentence.id))
    spans = [{"start": 0, "end": 3, "label": "source"}]
    writes.save(db, project, s, alice, LabelInput("attributed_claim", spans=spans, comment="c"))
    # bob's row goes through the ORM: the reference for how each column is stored.
    from annotator.models import Annotation

    now = utcnow()
    stored_spans = db.scalar(select(Annotation.spans).where(Annotation.user_id == alice.id))
    assert [{k: v for k, v in x.items() if k != "text"} for x in stored_spans] == spans
    db.add(Annotation(sentence_id=s.id, user_id=bob.id, project_id=project.id,
                      label="attributed_claim", spans=stored_spans, comment="c",
                      created_at=now, updated_at=now))
    db.commit()
    stored = db.connection().execute(text(
        "SELECT user_id, typeof(created_at), length(created_at), spans FROM annotations "
        "WHERE sentence_id = :s ORDER BY user_id"), {"s": s.id}).all()
    assert stored[0][1:] == stored[1][1:]
    history = db.connection().execute(text(
        "SELECT action, label, spans, typeof(at), length(at) FROM annotation_history "
        "WHERE sentence_id = :s"), {"s": s.id}).all()
    assert history == [("create", "attributed_claim", stored[1][3], "text", stored[1][2])]
    ann = db.scalar(select(Annotation).where(Annotation.user_id == alice.id))
    assert ann.spans == stored_spans and ann.created_at.tzinfo is None
    assert abs((ann.created_at - now).total_seconds()) < 60
    assert db.scalar(select(Sentence.n_labels).where(Sentence.id == s.id)) == 1


def test_none_goes_through_the_bind_processor_as_with_sqlalchemy(db, project, make_user):
    """A JSON column given None stores what SQLAlchemy stores for it (JSON 'null'), whichever
    path wrote the label."""
    alice, bob = make_user("alice"), make_user("bob")
    db.commit()
    s = db.scalar(select(Sentence).where(Sentence.project_id == project.id).order_by(Sentence.id))
    writes.save(db, project, s, alice, LabelInput("neutral_fact"))  # the fast path
    from annotator.models import Annotation

    now = utcnow()
    db.add(Annotation(sentence_id=s.id, user_id=bob.id, project_id=project.id,
                      label="neutral_fact", spans=None, hints_shown=None,
                      created_at=now, updated_at=now))
    db.commit()
    stored = db.connection().execute(text(
        "SELECT user_id, hints_shown IS NULL FROM annotations WHERE sentence_id = :s "
        "ORDER BY user_id"), {"s": s.id}).all()
    assert stored[0][1] == stored[1][1]


@pytest.mark.usefixtures("project")
def test_postgresql_pick_first_stays_in_the_current_article(db, make_user, project):
    """pick_first is the in-article pick when it finds one, the pick anywhere otherwise."""
    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from annotator import ingest
    from annotator.articles import add_articles

    add_articles(db, project, ingest.parse_file("b.jsonl", (
        b'{"title": "Second", "text": "One thing happened. Then another. And a third."}\n')), "b")
    alice = make_user("alice")
    db.commit()
    second = db.scalars(select(Sentence.id).where(Sentence.project_id == project.id,
                                                  Sentence.kind == "body")
                        .order_by(Sentence.article_id.desc(), Sentence.position)).all()
    writes.save(db, project, db.get(Sentence, second[0]), alice, LabelInput("neutral_fact"))
    params = {"uid": alice.id, "pid": project.id, "now": utcnow(), "k": project.overlap}
    conn = db.connection()
    here = conn.execute(assign._PG["pick_in_article"], params).scalar()
    anywhere = conn.execute(assign._PG["pick"], params).scalar()
    db.rollback()
    assert here == second[1] and anywhere != here  # the first article comes first anywhere
    assert _same(db, assign._RUN_PG["pick_first"], params) == [(here,)]
