"""A dashboard that takes long to compute is served as last computed, said so, while this
process computes it anew in the background (issue 21 item 3: no view recomputes from all rows
at 5,000,000 labels); a quick one is recomputed on the view after a change."""
from __future__ import annotations

import time

from annotator import assign, labelling
from annotator.models import Sentence
from annotator.review import adjudication
from annotator.labelling import LabelInput
from annotator.review import versioned
from helpers import login


def _label(db, project, user, label="neutral_fact"):
    s = assign.next_sentence(db, project, user)
    labelling.save(db, project, s, user, LabelInput(label))


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
    _label(db, project, people[2])
    stale = _dashboard(client)  # at once: the figures of before, with when they were computed
    assert stale["stats"]["annotations"] == 2 and stale["as_of"]
    assert "as of" in client.get("/projects/news/review").get_data(as_text=True)
    for _ in range(100):  # the background refresh
        if not versioned.refreshing(project.id):
            break
        time.sleep(0.1)
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


def _wait_refresh(project):
    for _ in range(100):
        if not versioned.refreshing(project.id):
            return
        time.sleep(0.1)


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
    adjudication.set_gold(db, project, db.get(Sentence, disputed[0]), rev, "neutral_fact")
    db.commit()
    stale = client.get("/projects/news/disagreements?format=json").get_json()
    assert stale["as_of"] and [i["sentence_id"] for i in stale["items"]] == [disputed[1]]
    assert "as of" in client.get("/projects/news/disagreements").get_data(as_text=True)
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
