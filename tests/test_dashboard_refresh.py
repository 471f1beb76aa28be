"""A dashboard that takes long to compute is served as last computed, said so, while this
process computes it anew in the background (issue 21 item 3: no view recomputes from all rows
at 5,000,000 labels); a quick one is recomputed on the view after a change."""
from __future__ import annotations

import time

from annotator import assign, labelling
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
