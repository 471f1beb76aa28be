"""Crowd studies (crowd.py): entry, quota, deadline, counting only completed labels, codes."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from annotator import access, assign, crowd, ingest, labelling, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Annotation, ControlItem, Lease, Sentence, utcnow

STUDY = {"crowd": True, "crowd_quota": 4, "crowd_minutes": 30, "crowd_completion_code": "C0DE",
         "crowd_returned_code": "RET", "crowd_redirect": "https://app.prolific.com/x?cc={code}"}


def _study(db, overlap=3, n_articles=4, n_sent=10, **extra):
    p = projects.create_project(db, "study", overlap=overlap, settings_={**STUDY, **extra})
    db.commit()
    lines = "".join(
        '{"title": "R%d", "text": "%s"}\n' % (a, " ".join(
            f"The council of district {a} met for session number {i} on Monday." for i in range(n_sent)))
        for a in range(n_articles))
    add_articles(db, p, ingest.parse_file("a.jsonl", lines.encode()), "a.jsonl")
    return p


def _enter(db, p, n, platform="prolific", now=None):
    names = crowd.PLATFORMS[platform]
    return crowd.enter(db, p, platform, {names[0]: f"P{n}", names[1]: "S1", names[2]: f"X{n}"}, now)


def _work(db, p, part, count, now):
    user = db.get(crowd.User, part.user_id)
    done = 0
    while done < count:
        ids = crowd.next_ids(db, p, user, 1, now)
        if not ids:
            break
        labelling.save(db, p, db.get(Sentence, ids[0]), user, LabelInput("neutral_fact"))
        done += 1
    return done


def test_entry_creates_then_resumes_one_participant_bound_to_the_study(db):
    p = _study(db)
    first = _enter(db, p, 1)
    again = _enter(db, p, 1)
    assert first.id == again.id
    # The participant id alone does not resume someone's session: the session id must match.
    with pytest.raises(crowd.CrowdError) as err:
        crowd.enter(db, p, "prolific", {"PROLIFIC_PID": "P1", "STUDY_ID": "S1", "SESSION_ID": "X999"})
    assert err.value.code == "other_session"
    db.rollback()
    user = db.get(crowd.User, first.user_id)
    assert user.role == "participant" and user.password_hash is None
    other = projects.create_project(db, "other")
    db.commit()
    assert access.allowed(user, "annotate", p) and not access.allowed(user, "annotate", other)
    assert not access.allowed(user, "review", p) and not access.allowed(user, "see", None)
    with pytest.raises(crowd.CrowdError) as err:
        crowd.enter(db, p, "prolific", {"STUDY_ID": "S1"})
    assert err.value.code == "bad_id"
    with pytest.raises(crowd.CrowdError) as err:
        crowd.enter(db, other, "mturk", {"workerId": "W1"})
    assert err.value.code == "not_enabled"


def test_whole_study_exact_k_completed_labels_abandoned_work_returns(db):
    """30 participants, 6 abandon midway; overlap met by completed labels only."""
    k, quota = 3, 4
    p = _study(db, overlap=k, n_articles=3, n_sent=8)  # 24 sentences x 3 = 72 completed slots
    n_sentences = db.query(Sentence).filter_by(project_id=p.id, kind="body").count()
    rng = random.Random(7)
    t0 = utcnow()
    abandoners = set(rng.sample(range(30), 6))
    codes = {}
    parts = []
    for n in range(30):
        now = t0 + timedelta(minutes=n)
        part = _enter(db, p, n, now=now)
        parts.append(part)
        if n in abandoners:
            _work(db, p, part, quota // 2, now)
            with pytest.raises(crowd.CrowdError):
                crowd.complete(db, p, part, now)  # quota not met: no code
            continue
        got = _work(db, p, part, quota, now)
        if got == quota:
            codes[n] = crowd.complete(db, p, part, now)
    # Late workers after every abandoned session lapsed (one time limit later).
    late = t0 + timedelta(minutes=30 + 31)
    n = 30
    while True:
        part = _enter(db, p, n, now=late)
        got = _work(db, p, part, quota, late)
        if got < quota:
            break
        codes[n] = crowd.complete(db, p, part, late)
        n += 1
    completed = {pt.user_id for pt in parts if pt.status == "completed"}
    assert all(code == "C0DE" for code in codes.values())
    assert not any(i in codes for i in abandoners)
    # Every item ends with exactly k completed labels, n_labels agrees, nobody labels twice.
    rows = db.execute(select(Annotation.sentence_id, Annotation.user_id)
                      .where(Annotation.project_id == p.id)).all()
    assert len(rows) == len(set(rows))
    statuses = {pt.user_id: pt.status for pt in db.scalars(select(crowd.Participation))}
    done_by_sentence = Counter(s for s, u in rows if statuses[u] == "completed")
    for s in db.scalars(select(Sentence).where(Sentence.project_id == p.id)):
        db.refresh(s)
        assert s.n_labels == done_by_sentence[s.id] == k, s.id
        assert s.full
    assert len(done_by_sentence) == n_sentences
    assert len(completed) > 0
    # The abandoned participants' labels are stored but never counted.
    assert sum(1 for s, u in rows if u in {parts[i].user_id for i in abandoners}) == 6 * (quota // 2)


def test_abandoned_leases_block_until_the_deadline_then_return(db):
    p = _study(db, overlap=1, n_articles=1, n_sent=2, crowd_quota=2)
    t0 = utcnow()
    a = _enter(db, p, 1, now=t0)
    _work(db, p, a, 2, t0)  # labelled both, not completed
    b = _enter(db, p, 2, now=t0 + timedelta(minutes=5))
    user_b = db.get(crowd.User, b.user_id)
    assert crowd.next_ids(db, p, user_b, 1, t0 + timedelta(minutes=5)) == []
    after = t0 + timedelta(minutes=30, seconds=1)
    assert crowd.state(db, p, a, after) == "lapsed"
    with pytest.raises(crowd.CrowdError) as err:
        crowd.complete(db, p, a, after)
    assert err.value.code == "lapsed"
    b2 = _enter(db, p, 3, now=after)
    assert _work(db, p, b2, 2, after) == 2
    assert crowd.complete(db, p, b2, after) == "C0DE"
    assert crowd.complete(db, p, b2, after) == "C0DE"  # idempotent
    assert all(s.n_labels == 1 for s in db.scalars(select(Sentence).where(Sentence.project_id == p.id)))
    assert crowd.redirect_url(p, "C0DE") == "https://app.prolific.com/x?cc=C0DE"
    rows = {r["participant"]: r for r in crowd.participants(db, p, after)}
    assert rows["P1"]["status"] == "abandoned" and rows["P1"]["items"] == 2
    assert rows["P3"]["status"] == "completed" and rows["P3"]["code"] == "C0DE"


def test_failed_controls_under_stop_policy_return_with_the_returned_code(db):
    p = _study(db, overlap=1, n_articles=1, n_sent=6, crowd_quota=6, crowd_fail_policy="stop",
               crowd_min_controls=2, control_rate=0.5)
    for s in db.scalars(select(Sentence).where(Sentence.project_id == p.id).order_by(Sentence.id).limit(2)):
        db.add(ControlItem(sentence_id=s.id, project_id=p.id, label="attributed_claim"))
    db.commit()
    t0 = utcnow()
    part = _enter(db, p, 1, now=t0)
    _work(db, p, part, 6, t0)  # answers neutral_fact: controls wrong
    assert crowd.state(db, p, part, t0) == "failed"
    assert crowd.next_ids(db, p, db.get(crowd.User, part.user_id), 1, t0) == []
    assert crowd.complete(db, p, part, t0) == "RET"
    assert part.status == "returned"
    # Nothing of theirs counts, and their leases are gone.
    assert all(s.n_labels == 0 for s in db.scalars(select(Sentence).where(Sentence.project_id == p.id)))
    assert db.scalar(select(Lease.id).where(Lease.user_id == part.user_id)) is None


def test_settings_validated(db):
    with pytest.raises(projects.ProjectError, match="crowd_quota"):
        projects.validate_settings({"crowd_quota": 0}, [])
    with pytest.raises(projects.ProjectError, match="crowd_redirect"):
        projects.validate_settings({"crowd_redirect": "javascript:x"}, [])
    assert projects.validate_settings({"crowd_fail_policy": "stop"}, []) == {"crowd_fail_policy": "stop"}
