"""A dashboard that takes long to compute is served as last computed, said so, while this
process computes it anew in the background (issue 21 item 3: no view recomputes from all rows
at 5,000,000 labels); a quick one is recomputed on the view after a change."""
from __future__ import annotations

import threading
import time

from annotator import assign, labelling
from annotator.models import Sentence
from annotator.review import adjudication, stats
from annotator.labelling import LabelInput
from annotator.review import versioned
from helpers import login


def _label(db, project, user, label="neutral_fact"):
    s = assign.next_sentence(db, project, user)
    labelling.save(db, project, s, user, LabelInput(label))


def _wait_refresh(project):
    for _ in range(100):
        if not versioned.refreshing(project.id):
            return
        time.sleep(0.1)


def _dashboard(client):
    return client.get("/projects/news/review?format=json").get_json()


def test_a_slow_dashboard_is_served_as_last_computed_while_it_is_recomputed(
        client, db, project, make_user, monkeypatch):
    people = [make_user(n) for n in ("a", "b", "c")]
    make_user("rev", "reviewer")
    for u in people[:2]:
        _label(db, project, u)
    login(client, "rev")
    monkeypatch.setattr(versioned, "REFRESH_INLINE_SECONDS", 0.0)  # every computation is "slow"
    first = _dashboard(client)
    assert first["as_of"] is None and first["stats"]["annotations"] == 2
    release = threading.Event()  # the refresh waits for it: the views below meet it unfinished
    computed = stats.project_stats
    monkeypatch.setattr(stats, "project_stats", lambda *a, **k: release.wait(10) and computed(*a, **k))
    _label(db, project, people[2])
    stale = _dashboard(client)  # at once: the figures of before, with when they were computed
    assert stale["stats"]["annotations"] == 2 and stale["as_of"]
    assert "as of" in client.get("/projects/news/review").get_data(as_text=True)
    release.set()
    _wait_refresh(project)
    fresh = _dashboard(client)
    assert fresh["as_of"] is None and fresh["stats"]["annotations"] == 3


def test_a_quick_dashboard_is_recomputed_on_the_view_after_a_change(client, db, project, make_user,
                                                                   monkeypatch):
    people = [make_user(n) for n in ("a", "b")]
    make_user("rev", "reviewer")
    _label(db, project, people[0])
    login(client, "rev")
    monkeypatch.setattr(versioned, "REFRESH_INLINE_SECONDS", 60.0)
    assert _dashboard(client)["stats"]["annotations"] == 1
    _label(db, project, people[1])
    again = _dashboard(client)
    assert again["as_of"] is None and again["stats"]["annotations"] == 2



def test_a_slow_queue_and_progress_are_served_as_last_computed(client, db, project, make_user,
                                                               monkeypatch):
    """The disagreement queue's order and the progress rows follow the dashboard: served as
    last computed after a change while computed anew; a sentence adjudicated since that
    order is left out of it all the same."""
    a, b = make_user("a"), make_user("b")
    rev = make_user("rev", "reviewer")
    make_user("boss", "admin")
    disputed = []
    for _ in range(2):
        s = assign.next_sentence(db, project, a)
        labelling.save(db, project, s, a, LabelInput("neutral_fact"))
        assert assign.next_sentence(db, project, b).id == s.id  # overlap 2: b gets it next
        labelling.save(db, project, s, b, LabelInput("attributed_claim"))
        disputed.append(s.id)
    monkeypatch.setattr(versioned, "REFRESH_INLINE_SECONDS", 0.0)
    login(client, "rev")
    queue = client.get("/projects/news/disagreements?format=json").get_json()
    assert queue["as_of"] is None and sorted(i["sentence_id"] for i in queue["items"]) == sorted(disputed)
    release = threading.Event()  # the refresh waits for it: the views below meet it unfinished
    ordered = adjudication._ordered
    monkeypatch.setattr(adjudication, "_ordered", lambda *a: release.wait(10) and ordered(*a))
    adjudication.set_gold(db, project, db.get(Sentence, disputed[0]), rev, "neutral_fact")
    db.commit()
    stale = client.get("/projects/news/disagreements?format=json").get_json()
    assert stale["as_of"] and [i["sentence_id"] for i in stale["items"]] == [disputed[1]]
    assert "as of" in client.get("/projects/news/disagreements").get_data(as_text=True)
    release.set()
    _wait_refresh(project)
    fresh = client.get("/projects/news/disagreements?format=json").get_json()
    assert fresh["as_of"] is None and [i["sentence_id"] for i in fresh["items"]] == [disputed[1]]

    login(client, "boss")
    rows = client.get("/api/v1/projects/news/progress").get_json()  # the session signs it in
    assert rows["as_of"] is None
    done = {r["annotator"]: r for r in rows["annotators"]}
    _label(db, project, make_user("c"))
    stale = client.get("/admin/projects/news/progress?format=json").get_json()
    assert stale["as_of"] and {r["annotator"]: r["done"] for r in stale["annotators"]} == {
        name: r["done"] for name, r in done.items()}
    _wait_refresh(project)
    fresh = client.get("/admin/projects/news/progress?format=json").get_json()
    assert fresh["as_of"] is None
    assert {r["annotator"]: r["done"] for r in fresh["annotators"]} == {
        **{name: r["done"] for name, r in done.items()}, "c": 1}


def _one_disagreement_and_slow(db, project, make_user, monkeypatch, module, name):
    """Two annotators disagree on one sentence (a reviewer "rev" looks on); nothing is computed
    in this process yet, and module.name (a computation) takes until the event returned is
    set. Returns (the sentence, that event)."""
    a, b = make_user("a"), make_user("b")
    make_user("rev", "reviewer")
    s = assign.next_sentence(db, project, a)
    labelling.save(db, project, s, a, LabelInput("neutral_fact"))
    assert assign.next_sentence(db, project, b).id == s.id
    labelling.save(db, project, s, b, LabelInput("attributed_claim"))
    monkeypatch.setattr(versioned, "FIRST_VIEW_SECONDS", 0.2)
    monkeypatch.setattr(versioned, "REFRESH_INLINE_SECONDS", 0.0)
    versioned.forget()
    release = threading.Event()
    slow = getattr(module, name)

    def held(*args, **kwargs):  # a computation that takes as long as the test says
        release.wait(10)
        return slow(*args, **kwargs)
    monkeypatch.setattr(module, name, held)
    return s, release


def test_the_first_view_in_a_process_never_waits_for_long(client, db, project, make_user,
                                                           monkeypatch):
    """Nothing computed yet in this process: the view waits FIRST_VIEW_SECONDS for a
    thread's computation, then says the figures are being computed; the thread finishes for
    a later view. A quick computation is served on the first view itself."""
    from annotator import controls
    make_user("boss", "admin")
    s, release = _one_disagreement_and_slow(db, project, make_user, monkeypatch,
                                            controls, "_annotator_progress")
    login(client, "boss")
    t = time.perf_counter()
    first = client.get("/admin/projects/news/progress?format=json").get_json()
    assert time.perf_counter() - t < 5
    assert first == {**first, "computing": True, "annotators": [], "as_of": None}
    page = client.get("/admin/projects/news/progress").get_data(as_text=True)
    assert 'id="computing"' in page and 'http-equiv="refresh"' in page
    release.set()
    _wait_refresh(project)
    done = client.get("/admin/projects/news/progress?format=json").get_json()
    assert not done["computing"] and {r["annotator"]: r["done"] for r in done["annotators"]} == {"a": 1, "b": 1}

    # quick ones (the queue, the dashboard here) are there on the first view
    login(client, "rev")
    queue = client.get("/projects/news/disagreements?format=json").get_json()
    assert not queue["computing"] and [i["sentence_id"] for i in queue["items"]] == [s.id]
    dash = client.get("/projects/news/review?format=json").get_json()
    assert not dash["computing"] and dash["stats"]["annotations"] == 2


def test_the_dashboard_page_says_it_is_computing_and_a_bad_date_is_a_400(client, db, project, make_user,
                                                                          monkeypatch):
    """The first view of a slow dashboard is a page that says so (not an HTTP 500), and a date
    filter the figures cannot read is refused at once, naming it (not left computing)."""
    from annotator.review import stats as review_stats

    _, release = _one_disagreement_and_slow(db, project, make_user, monkeypatch, review_stats, "project_stats")
    login(client, "rev")
    resp = client.get("/projects/news/review")
    assert resp.status_code == 200 and 'id="computing"' in resp.get_data(as_text=True)
    release.set()
    _wait_refresh(project)
    for bad in ("garbage", "2026-13-45"):
        for path in (f"/projects/news/review?since={bad}", f"/projects/news/review?until={bad}&format=json",
                     f"/api/v1/projects/news/stats?since={bad}"):
            r = client.get(path)
            assert r.status_code == 400, path
            assert ("since" if "since" in path else "until") in r.get_data(as_text=True)
