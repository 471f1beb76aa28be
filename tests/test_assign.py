"""Assignment: overlap k, leases, skips, article order, determinism, concurrency."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from annotator import assign, ingest, labelling, progress, projects
from annotator.labelling import LabelInput
from annotator.articles import add_articles
from annotator.models import Annotation, Lease, Sentence, utcnow


def _articles(n_articles=3, n_sent=4):
    lines = []
    for a in range(n_articles):
        body = " ".join(f"The council of district {a} met for session number {i} on Monday."
                        for i in range(n_sent))
        lines.append(f'{{"title": "Report {a}", "text": "{body}"}}')
    return ("\n".join(lines) + "\n").encode()


def _project(db, overlap=2, n_articles=3, n_sent=4):
    p = projects.create_project(db, "p", overlap=overlap)
    db.commit()
    add_articles(db, p, ingest.parse_file("a.jsonl", _articles(n_articles, n_sent)), "a.jsonl")
    return p


def _label_all(db, project, user, label="neutral_fact"):
    got = []
    while (s := assign.next_sentence(db, project, user)) is not None:
        labelling.save(db, project, s, user, LabelInput(label), held_only=False)
        got.append(s.id)
    return got


def test_every_sentence_gets_k_labels_and_no_more(db, make_user):
    p = _project(db, overlap=2)
    users = [make_user(n) for n in ("a", "b", "c")]
    for u in users:
        _label_all(db, p, u)
    counts = db.execute(select(Sentence.n_labels).where(Sentence.kind == "body")).scalars().all()
    assert counts and all(c == 2 for c in counts)
    assert db.scalar(select(func.count()).select_from(Annotation)) == 2 * len(counts)


def test_reading_order_and_article_kept_together(db, make_user):
    p = _project(db, overlap=1)
    u = make_user("a")
    ids = _label_all(db, p, u)
    rows = db.execute(select(Sentence.id, Sentence.article_id, Sentence.position)
                      .where(Sentence.id.in_(ids))).all()
    by_id = {r.id: (r.article_id, r.position) for r in rows}
    assert [by_id[i] for i in ids] == sorted(by_id[i] for i in ids)


def test_next_stays_in_the_article_of_the_latest_label(db, make_user):
    """The current article is that of the label changed last (going back to fix one moves
    there), the newer label winning a tie of times."""
    p = _project(db, overlap=2, n_articles=2, n_sent=3)
    u = make_user("a")
    rows = db.execute(select(Sentence).where(Sentence.kind == "body")
                      .order_by(Sentence.article_id, Sentence.position)).scalars().all()
    (a1, a2, _), (b1, b2, _) = rows[:3], rows[3:]

    def next_id():
        found = assign.next_sentence(db, p, u)
        db.execute(Lease.__table__.delete())  # what `next` leased is not the point here
        db.commit()
        return found.id

    labelling.save(db, p, a1, u, LabelInput("neutral_fact"), held_only=False)
    labelling.save(db, p, b1, u, LabelInput("neutral_fact"), held_only=False)
    assert next_id() == b2.id
    labelling.save(db, p, a1, u, LabelInput("attributed_claim"), held_only=False)  # back to fix a label
    assert next_id() == a2.id
    same = utcnow()
    db.execute(Annotation.__table__.update().values(updated_at=same))
    db.commit()
    assert next_id() == b2.id  # a tie of times: b1's label is the newer row


def test_lease_keeps_the_last_slot_for_its_holder(db, make_user):
    p = _project(db, overlap=1, n_articles=1, n_sent=2)
    a, b = make_user("a"), make_user("b")
    sa = assign.next_sentence(db, p, a)
    sb = assign.next_sentence(db, p, b)
    assert sa.id != sb.id
    assert assign.next_sentence(db, p, make_user("c")) is None
    # the same user asking again gets the same leased sentence
    assert assign.next_sentence(db, p, a).id == sa.id


def test_expired_lease_is_released(db, make_user):
    p = _project(db, overlap=1, n_articles=1, n_sent=1)
    a, b = make_user("a"), make_user("b")
    s = assign.next_sentence(db, p, a)
    assert assign.next_sentence(db, p, b) is None
    later = utcnow() + timedelta(minutes=11)
    assert assign.next_sentence(db, p, b, now=later).id == s.id


def test_skipped_sentence_comes_back_last(db, make_user):
    p = _project(db, overlap=1, n_articles=2, n_sent=3)
    u = make_user("a")
    first = assign.next_sentence(db, p, u)
    labelling.skip(db, p, first, u)
    ids = _label_all(db, p, u)
    assert ids[-1] == first.id and ids.count(first.id) == 1


def test_order_is_deterministic(db, make_user):
    p = _project(db, overlap=2)
    a, b = make_user("a"), make_user("b")
    assert assign.next_sentence(db, p, a).id == assign.next_sentence(db, p, b).id
    assert _label_all(db, p, a) == _label_all(db, p, b)


def test_progress_counts(db, make_user):
    p = _project(db, overlap=1, n_articles=1, n_sent=4)
    u = make_user("a")
    assert progress.of_user(db, p, u) == {"done": 0, "total": 4}
    s = assign.next_sentence(db, p, u)
    labelling.save(db, p, s, u, LabelInput("neutral_fact"), held_only=False)
    assert progress.of_user(db, p, u) == {"done": 1, "total": 4}


def test_concurrent_annotators_never_exceed_k(app, db, make_user):
    """20 annotators in threads, each with its own session: every sentence reaches k, none passes it."""
    k = 2
    p = _project(db, overlap=k, n_articles=4, n_sent=5)
    users = [make_user(f"u{i}") for i in range(20)]
    maker = app.extensions["annotator.sessionmaker"]
    errors = []

    def work(user_id):
        from annotator.models import Project, User

        try:
            with maker() as session:
                user = session.get(User, user_id)
                project = session.get(Project, p.id)
                while (s := assign.next_sentence(session, project, user)) is not None:
                    labelling.save(session, project, s, user, LabelInput("neutral_fact"), held_only=False)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=work, args=(u.id,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    per_sentence = Counter(db.scalars(select(Annotation.sentence_id)))
    body = db.scalars(select(Sentence.id).where(Sentence.kind == "body")).all()
    assert set(per_sentence) == set(body)
    assert all(per_sentence[sid] == k for sid in body), per_sentence
