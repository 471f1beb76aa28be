"""Issue 18 item 4: a whole crowd study in the browser, on SQLite and on PostgreSQL.

30 participants arrive by the Prolific entry URL, agree on the consent page and label by
keyboard; 6 of them (20%) leave midway. Checked at the end: every item has exactly k labels
from participants who completed, no participant was shown an item to label twice, the work the
leavers held came back within one time limit (the late wave could only finish on it), and codes
went to those who completed, never to the leavers.
"""
from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter

import pytest
from sqlalchemy import select

from annotator import crowd, ingest, projects
from annotator.articles import add_articles
from annotator.models import Annotation, Participation, Sentence
from e2e import LiveServer, wait_id_change, wait_saved

pytestmark = pytest.mark.any_database

K, QUOTA, MINUTES = 3, 3, 1
N_SENTENCES = 24            # 24 x 3 = 72 slots = 24 completers x a quota of 3
CODE = "C0MPLETE"
KEYS = {"attributed_claim": "1", "contested_framing": "2", "neutral_fact": "3"}
STUDY = {"crowd": True, "crowd_quota": QUOTA, "crowd_minutes": MINUTES, "crowd_completion_code": CODE,
         "crowd_returned_code": "RETURNED", "crowd_redirect": "https://app.prolific.com/submissions/complete?cc={code}"}


def _project(db):
    p = projects.create_project(db, "study", "Study", overlap=K, settings_=STUDY)
    db.commit()
    text = "\n\n".join(" ".join(f"The council of district {a} met for session {i} on Monday."
                                for i in range(6)) for a in range(4))
    add_articles(db, p, ingest.parse_file("study.txt", f"Council week\n\n{text}\n".encode()), "study.txt")
    n = db.scalar(select(Sentence.id).where(Sentence.project_id == p.id, Sentence.kind == "body")
                  .order_by(Sentence.id.desc()).limit(1))
    assert n is not None
    return p


class Participant:
    """One participant in a browser context of their own."""

    def __init__(self, browser, base, n):
        self.n, self.base, self.seen = n, base, []
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.ctx.new_page()
        self.errors = []
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))

    def enter(self):
        self.page.goto(f"{self.base}/crowd/study/prolific?PROLIFIC_PID=P{self.n:03d}"
                       f"&STUDY_ID=S1&SESSION_ID=X{self.n:03d}")
        assert "I agree" in self.page.content()
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state()

    def shown(self) -> int | None:
        el = self.page.query_selector("#sentence")
        return int(el.get_attribute("data-id")) if el and el.get_attribute("data-id") else None

    def label(self, how_many: int, rng) -> int:
        """Label up to how_many sentences by keyboard; how many were labelled."""
        done = 0
        while done < how_many:
            sid = self.shown()
            if sid is None:
                break
            self.seen.append(sid)
            self.page.keyboard.press(KEYS[rng.choice(list(KEYS))])
            done += 1
            # The next prefetched sentence, or the page that says nothing is left.
            self.page.wait_for_function(
                "old => { const el = document.getElementById('sentence');"
                " return !el || (el.dataset.id && el.dataset.id !== String(old)); }",
                arg=str(sid), timeout=15000)
            if self.page.query_selector("#sentence"):
                wait_saved(self.page)
            else:
                self.page.wait_for_load_state()
        return done

    def finish(self) -> str:
        self.page.goto(f"{self.base}/crowd/study/finish")
        self.page.click("#crowd-complete")
        self.page.wait_for_load_state()
        return self.page.inner_text("#crowd-code")

    def leave(self):
        self.ctx.close()


def test_a_whole_study_30_participants_6_leave(app, db, browser, make_user):
    project = _project(db)
    n_body = db.query(Sentence).filter_by(project_id=project.id, kind="body").count()
    assert n_body == N_SENTENCES
    rng = random.Random(18)
    leavers = set(rng.sample(range(30), 6))
    # Wave 1: the 6 leavers and 12 who complete arrive together and work interleaved.
    wave1 = sorted(leavers) + [n for n in range(30) if n not in leavers][:12]
    wave2 = [n for n in range(30) if n not in leavers][12:]
    with LiveServer(None, None, app=app) as srv:
        people = {n: Participant(browser, srv.url, n) for n in wave1}
        for n in wave1:
            people[n].enter()
        entered_last = time.monotonic()
        # Interleaved: one label each per round; leavers stop after one label and close the tab.
        for round_ in range(QUOTA):
            for n in wave1:
                p = people[n]
                if n in leavers and round_ >= 1:
                    continue
                assert p.label(1, rng) == 1, f"participant {n} found nothing to label"
        for n in sorted(leavers):
            people[n].leave()
        codes = {}
        for n in wave1:
            if n not in leavers:
                assert people[n].shown() is None, ("the quota stops the queue", n, people[n].seen)
                assert people[n].page.is_visible("#crowd-finish")
                codes[n] = people[n].finish()
                people[n].leave()
        # Before the leavers' time is up their held sentences are still theirs: the late wave
        # cannot get them yet.
        held = _held_by_leavers(db, project)
        assert held > 0
        # One time limit after the last leaver entered, their work is back in the pool.
        time.sleep(max(0.0, entered_last + MINUTES * 60 + 1 - time.monotonic()))
        for n in wave2:
            p = people[n] = Participant(browser, srv.url, n)
            p.enter()
            assert p.label(QUOTA, rng) == QUOTA, f"late participant {n} found too little to label"
            assert p.shown() is None
            codes[n] = p.finish()
            p.leave()
        # A leaver coming back after the time limit gets no code.
        back = Participant(browser, srv.url, sorted(leavers)[0])
        back.page.goto(f"{srv.url}/crowd/study/prolific?PROLIFIC_PID=P{sorted(leavers)[0]:03d}"
                       f"&STUDY_ID=S1&SESSION_ID=X{sorted(leavers)[0]:03d}")
        back.page.click("form button[type=submit]")
        back.page.goto(f"{srv.url}/crowd/study/finish")
        assert "The time for this session is up" in back.page.content()
        assert back.page.query_selector("#crowd-code") is None
        back.leave()
        errors = {n: p.errors for n, p in people.items() if p.errors}
        assert not errors, errors

        # Codes only on completion, to every participant who completed.
        assert codes == {n: CODE for n in range(30) if n not in leavers}
        # No participant was shown an item to label twice.
        for n, p in people.items():
            assert len(p.seen) == len(set(p.seen)), (n, p.seen)
        db.rollback()  # a new snapshot: the server wrote meanwhile
        status = {part.participant: (part.status, part.code, part.user_id)
                  for part in db.scalars(select(Participation).where(Participation.project_id == project.id))}
        assert {pid for pid, (st, _, _) in status.items() if st == "completed"} == {
            f"P{n:03d}" for n in range(30) if n not in leavers}
        assert all(status[f"P{n:03d}"][:2] == ("active", None) for n in leavers)
        # Every item has exactly k labels from completed participants, and n_labels says so.
        completed = {uid for st, _, uid in status.values() if st == "completed"}
        per_item = Counter(sid for sid, uid in db.execute(
            select(Annotation.sentence_id, Annotation.user_id).where(Annotation.project_id == project.id))
            if uid in completed)
        body = db.scalars(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")).all()
        assert {s.id: per_item[s.id] for s in body} == {s.id: K for s in body}
        assert all(s.n_labels == K for s in body)
        # The leavers' labels are kept (history) but count for nothing.
        assert db.query(Annotation).filter(Annotation.user_id.in_(
            [status[f"P{n:03d}"][2] for n in leavers])).count() == len(leavers)

        # The admins' participants CSV, as an admin downloads it.
        make_user("boss", "admin", "boss-password-1")
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(srv.url + "/login")
        page.fill("#username", "boss")
        page.fill("#password", "boss-password-1")
        page.click("form button[type=submit].primary")
        page.wait_for_load_state()
        resp = page.request.get(srv.url + "/admin/projects/study/participants?format=csv")
        rows = list(csv.DictReader(io.StringIO(resp.text())))
        ctx.close()
    assert Counter(r["status"] for r in rows) == {"completed": 24, "abandoned": 6}
    assert all(r["code"] == CODE and int(r["items"]) == QUOTA for r in rows if r["status"] == "completed")
    assert all(r["code"] == "" and int(r["items"]) == 1 for r in rows if r["status"] == "abandoned")


def _held_by_leavers(db, project) -> int:
    from annotator.models import Lease
    db.rollback()  # a new snapshot: the server wrote meanwhile
    leavers = select(Participation.user_id).where(Participation.project_id == project.id,
                                                  Participation.status == "active")
    return db.query(Lease).filter(Lease.user_id.in_(leavers)).count()
