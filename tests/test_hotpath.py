"""The annotate loop's fast path gives the same answers as the ORM path it replaces."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from annotator import assign, hotpath, projects, users, writes
from annotator import sentences as sent
from annotator.models import ApiToken, Sentence, User, utcnow
from annotator.web.hints import matcher_for
from annotator.writes import LabelInput


def test_view_matches_sentences_view(db, project):
    matcher = matcher_for(project)
    rows = db.scalars(select(Sentence).where(Sentence.project_id == project.id)).all()
    for s in rows:
        [(row, title)] = hotpath.view_rows(db, [s.id])
        assert hotpath.view(db, row, title, matcher) == sent.view(db, project, s, matcher)
        assert hotpath.views(db, [s.id], matcher) == [sent.view(db, project, s, matcher)]
    ids = [s.id for s in rows][::-1]
    assert [v["id"] for v in hotpath.views(db, ids + [10**9])] == ids


def test_lookups_match_the_orm(db, project, make_user):
    member, outsider = make_user("member"), make_user("outsider")
    closed = projects.create_project(db, "closed", members=[member])
    db.commit()
    _, token = users.create_token(db, member)
    db.commit()
    p, row = hotpath.principal_and_project(db, token, "closed")
    assert (p.id, p.username, p.role) == (member.id, "member", "annotator")
    assert row.id == closed.id and row.allows(p, "annotate") and not row.allows(p, "review")
    assert row.done == 0
    assert hotpath.project_for(db, "closed", outsider).allows(outsider, "annotate") is False
    assert hotpath.project_for(db, "news", outsider).allows(outsider, "annotate") is True
    assert hotpath.principal_and_project(db, token, "nope")[1] is None
    assert hotpath.principal_and_project(db, "ann_wrong", "closed") == (None, None)
    s = db.scalar(select(Sentence).where(Sentence.project_id == project.id))
    p, (prow, srow) = hotpath.principal_and_sentence(db, token, s.id)
    assert (prow.id, srow.id, srow.text, srow.kind) == (project.id, s.id, s.text, s.kind)
    assert hotpath.principal_and_sentence(db, token, 10**9) == (p, None)


def test_revoked_or_inactive_tokens_are_refused(db, make_user):
    u = make_user("alice")
    row, token = users.create_token(db, u)
    db.commit()
    assert hotpath.principal_for_token(db, token).id == u.id
    u.active = False
    db.commit()
    assert hotpath.principal_for_token(db, token) is None
    u.active = True
    users.revoke_token(db, u, row.id)
    db.commit()
    assert hotpath.principal_for_token(db, token) is None


def test_token_use_is_noted_at_most_once_a_minute(db, make_user):
    u = make_user("alice")
    row, token = users.create_token(db, u)
    db.commit()
    assert row.last_used_at is None
    hotpath.principal_for_token(db, token)
    first = db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == row.id))
    assert first is not None
    hotpath.principal_for_token(db, token)
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == row.id)) == first
    db.execute(ApiToken.__table__.update().values(last_used_at=first - timedelta(minutes=2)))
    db.commit()
    hotpath.principal_for_token(db, token)
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == row.id)) > first


def test_label_notes_activity_at_most_once_a_minute(db, project, make_user):
    u = make_user("alice")
    s1, s2 = db.scalars(select(Sentence).where(Sentence.kind == "body").limit(2)).all()
    writes.save(db, project, s1, u, LabelInput("neutral_fact"))
    first = db.scalar(select(User.last_active_at).where(User.id == u.id))
    assert first is not None and u.last_active_at == first
    writes.save(db, project, s2, u, LabelInput("neutral_fact"))
    assert db.scalar(select(User.last_active_at).where(User.id == u.id)) == first


def test_progress_total_may_be_reused_but_done_is_counted(db, make_user):
    p = projects.create_project(db, "p", overlap=1)
    db.commit()
    from annotator import ingest
    from annotator.articles import add_articles

    text = " ".join(f"Session number {i} of the council took place on Monday." for i in range(4))
    add_articles(db, p, ingest.parse_file("a.jsonl", f'{{"title": "T", "text": "{text}"}}\n'.encode()), "a")
    a, b = make_user("a"), make_user("b")
    assign.forget_totals()
    assert assign.progress(db, p, a, max_age=60) == {"done": 0, "total": 4}
    # a's own labels: done moves, total stays (exactly as the uncached count says).
    s = assign.next_sentence(db, p, a)
    writes.save(db, p, s, a, LabelInput("neutral_fact"))
    assert assign.progress(db, p, a, max_age=60) == assign.progress(db, p, a) == {"done": 1, "total": 4}
    # b fills a sentence (overlap 1): a's exact total drops; the kept one catches up after max_age.
    s = assign.next_sentence(db, p, b)
    writes.save(db, p, s, b, LabelInput("neutral_fact"))
    assert assign.progress(db, p, a) == {"done": 1, "total": 3}
    assign.forget_totals(p.id)
    assert assign.progress(db, p, a, max_age=60) == {"done": 1, "total": 3}


def test_last_used_at_is_not_touched_by_failed_lookups(db, make_user):
    u = make_user("alice")
    row, token = users.create_token(db, u)
    db.commit()
    assert hotpath.principal_for_token(db, token + "x") is None
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == row.id)) is None


def test_next_reports_done_and_total_through_the_api(client, db, make_user, project):
    _, token = users.create_token(db, make_user("alice"))
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    assign.forget_totals()
    body = client.get("/api/v1/projects/news/next", headers=h).get_json()
    total = body["progress"]["total"]
    assert body["progress"] == {"done": 0, "total": total} and total > 1
    for done in (1, 2):
        sid = body["sentence"]["id"]
        assert client.put(f"/api/v1/sentences/{sid}/annotation", headers=h,
                          json={"label": "neutral_fact"}).status_code == 201
        body = client.get("/api/v1/projects/news/next", headers=h).get_json()
        assert body["progress"] == {"done": done, "total": total}


def test_done_counts_new_labels_and_recounts_in_full(db, project, make_user, monkeypatch):
    """`next`'s done: exact for the user's own labels at once; a deletion made elsewhere
    shows at the next full count (every DONE_RECOUNT_EVERY seconds)."""
    alice = make_user("alice")
    _, token = users.create_token(db, alice)
    db.commit()
    hotpath.forget_done()

    def done():
        _, row = hotpath.principal_and_project(db, token, "news")
        db.commit()
        return row.done

    assert done() == 0
    labelled = []
    for expected in (1, 2, 3):
        s = assign.next_sentence(db, project, alice)
        writes.save(db, project, s, alice, LabelInput("neutral_fact"))
        labelled.append(s)
        assert done() == expected
    # Deleted behind this process's back (as by another worker): the kept count lags...
    from annotator.models import Annotation
    db.execute(Annotation.__table__.delete().where(Annotation.sentence_id == labelled[0].id))
    db.commit()
    assert done() == 3
    # ...until the full count, which the clock brings.
    monkeypatch.setattr(hotpath, "DONE_RECOUNT_EVERY", 0.0)
    assert done() == 2
    # Another project's labels never count here.
    projects.create_project(db, "other", overlap=1)
    db.commit()
    assert hotpath.principal_and_project(db, token, "other")[1].done == 0


def test_done_drops_at_once_when_the_user_removes_a_label(client, db, make_user, project):
    _, token = users.create_token(db, make_user("alice"))
    db.commit()
    h = {"Authorization": f"Bearer {token}"}
    hotpath.forget_done()
    for _ in range(2):
        sid = client.get("/api/v1/projects/news/next", headers=h).get_json()["sentence"]["id"]
        assert client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": "neutral_fact"},
                          headers=h).status_code == 201
    assert client.get("/api/v1/projects/news/next", headers=h).get_json()["progress"]["done"] == 2
    assert client.delete(f"/api/v1/sentences/{sid}/annotation", headers=h).get_json()["deleted"]
    assert client.get("/api/v1/projects/news/next", headers=h).get_json()["progress"]["done"] == 1


def test_leases_read_with_the_token_give_lease_next_what_it_reads_itself(db, project, make_user):
    from annotator.models import Lease

    alice = make_user("alice")
    _, token = users.create_token(db, alice)
    db.commit()
    hotpath.principal_and_project(db, token, "news")  # notes the token's use (a commit)
    db.commit()
    [first] = assign.lease_next(db, project, alice)
    principal, row = hotpath.principal_and_project(db, token, "news")
    assert row.leases == ([first], False)
    assert assign.lease_next(db, row, principal, leases=row.leases) == [first]
    # The lease expires: none is held, and lease_next drops it as when it reads them itself.
    db.execute(Lease.__table__.update().values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    principal, row = hotpath.principal_and_project(db, token, "news")
    assert row.leases == ([], True)
    again = assign.lease_next(db, row, principal, leases=row.leases)
    assert again == [first]  # still the first open sentence: leased anew
    leases = db.execute(select(Lease.sentence_id, Lease.expires_at)).all()
    assert len(leases) == 1 and leases[0][1] > utcnow()
    # A lookup that noted the token's use (and so committed) leaves lease_next to read them.
    db.execute(ApiToken.__table__.update().values(last_used_at=None))
    db.commit()
    assert hotpath.principal_and_project(db, token, "news")[1].leases is None
