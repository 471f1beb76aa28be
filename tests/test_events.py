"""The event log (issue 20 item 1): every change is an event with actor, time, before, after and
request id; replaying the log from empty gives the current labels, gold and unit kinds; nothing
cascades it away; soft deletes hide and restore, and purge exports before it removes."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import func, select

from annotator import assign, deletion, events, labelling, projects, users
from annotator.articles import set_kind
from annotator.export.kinds import records
from annotator.labelling import LabelInput
from annotator.models import Adjudication, Annotation, Article, Event, Sentence
from annotator.review import adjudication
from annotator.unit_repair import REPLACED, merge_units, split_unit
from helpers import login

LABELS = ("attributed_claim", "contested_framing", "neutral_fact")
KINDS = ("body", "heading", "boilerplate")


def _tables(db, project) -> dict:
    """The current state as the tables hold it, in replay's shape."""
    db.rollback()
    db.expire_all()
    labels = {(a.sentence_id, a.user_id): {"label": a.label, "spans": a.spans or [], "comment": a.comment}
              for a in db.scalars(select(Annotation).where(Annotation.project_id == project.id))}
    gold = {g.sentence_id: {"label": g.label, "note": g.note}
            for g in db.scalars(select(Adjudication).where(Adjudication.project_id == project.id))}
    kinds = dict(db.execute(select(Sentence.id, Sentence.kind)
                            .where(Sentence.project_id == project.id)).all())
    return {"labels": labels, "gold": gold, "kinds": kinds}


_op = st.one_of(
    st.tuples(st.just("label"), st.integers(0, 2), st.integers(0, 8), st.sampled_from(LABELS),
              st.sampled_from([None, "a note", "another"])),
    st.tuples(st.just("unlabel"), st.integers(0, 2), st.integers(0, 8)),
    st.tuples(st.just("gold"), st.integers(0, 8), st.sampled_from(LABELS), st.sampled_from([None, "why"])),
    st.tuples(st.just("ungold"), st.integers(0, 8)),
    st.tuples(st.just("kind"), st.integers(0, 8), st.sampled_from(KINDS)),
    st.tuples(st.just("merge"), st.integers(0, 8)),
    st.tuples(st.just("split"), st.integers(0, 8), st.integers(1, 40)),
)


def test_replaying_the_log_from_empty_gives_the_current_labels_gold_and_kinds(db, project, make_user):
    """Hypothesis drives random label writes, removals, gold, kind changes and unit repairs
    (merge, split: labels move to history); after every sequence the log, replayed from the
    first event, equals the tables exactly."""
    people = [make_user(n) for n in ("a1", "a2", "a3")]
    admin = make_user("root", "admin")

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(_op, min_size=1, max_size=12))
    @example([("label", 0, i, "neutral_fact", None) for i in range(9)]
             + [("label", 0, i, "attributed_claim", "x") for i in range(9)]
             + [("unlabel", 0, i) for i in range(4)]
             + [("gold", i, "neutral_fact", None) for i in range(9)]
             + [("gold", i, "contested_framing", "why") for i in range(3)]
             + [("ungold", i) for i in range(4)]
             + [("kind", 5, "heading"), ("merge", 2), ("split", 3, 5)])
    def run(ops):
        for op in ops:
            live = db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                     Sentence.kind != REPLACED)
                              .order_by(Sentence.article_id, Sentence.position)).all()
            if op[0] == "label":
                _, who, i, lab, comment = op
                s = live[i % len(live)]
                if s.kind == "body":
                    labelling.save(db, project, s, people[who], LabelInput(lab, comment=comment),
                                   held_only=False)
            elif op[0] == "unlabel":
                labelling.remove(db, project, live[op[2] % len(live)], people[op[1]])
            elif op[0] == "gold":
                s = live[op[1] % len(live)]
                if s.kind == "body":
                    adjudication.set_gold(db, project, s, admin, op[2], op[3])
            elif op[0] == "ungold" and live[op[1] % len(live)].kind == "body":
                adjudication.clear_gold(db, project, live[op[1] % len(live)], admin)
            elif op[0] == "kind":
                set_kind(db, live[op[1] % len(live)], op[2])
            elif op[0] == "merge":
                s = live[op[1] % len(live)]
                nxt = [u for u in live if u.article_id == s.article_id and u.position == s.position + 1]
                if nxt:
                    merge_units(db, admin, db.get(Article, s.article_id), s.id, nxt[0].id)
            elif op[0] == "split":
                s = live[op[1] % len(live)]
                if 0 < op[2] < len(s.text):
                    split_unit(db, admin, db.get(Article, s.article_id), s.id, op[2])
            db.commit()
        db.expire_all()
        assert events.replay(db, project.id) == _tables(db, project)

    run()
    # The test exercised every kind of change it claims to.
    seen = {(k, a) for k, a in db.execute(select(Event.kind, Event.action).distinct())}
    assert {("label", "create"), ("label", "update"), ("label", "delete"), ("gold", "create"),
            ("gold", "delete"), ("unit", "create"), ("unit", "update")} <= seen


def test_an_event_names_actor_request_before_and_after(client, db, project, make_user):
    make_user("anna")
    token = users.create_token(db, users.by_name(db, "anna"), "t")[1]
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    sid = client.get("/api/v1/projects/news/next", headers=auth).get_json()["sentence"]["id"]
    for lab in ("neutral_fact", "attributed_claim"):
        resp = client.put(f"/api/v1/sentences/{sid}/annotation", json={"label": lab},
                          headers={**auth, "X-Request-Id": f"req-{lab}"})
        assert resp.status_code in (200, 201)
    got = db.scalars(select(Event).where(Event.kind == "label").order_by(Event.id)).all()
    assert [(e.action, e.request_id, e.actor) for e in got] == [
        ("create", "req-neutral_fact", "anna"), ("update", "req-attributed_claim", "anna")]
    assert got[1].before["label"] == "neutral_fact" and got[1].after["label"] == "attributed_claim"
    assert got[1].project_id == project.id and got[1].target == f"{sid}/{got[0].actor_id}"


def test_scheme_guidelines_members_settings_users_tokens_are_logged(db, project, make_user):
    alice = make_user("alice")
    projects.set_guidelines(db, project, "Be careful.")
    projects.set_members(db, project, [alice])
    projects.set_settings(project, {**project.settings, "lease_minutes": 7})
    projects.set_labels(db, project, [*project.labels, {"id": "other", "key": "9", "name": "Other"}])
    row, _ = users.create_token(db, alice, "script")
    users.revoke_token(db, alice, row.id)
    db.commit()
    got = {(e.kind, e.action) for e in db.scalars(select(Event))}
    assert {("guidelines", "update"), ("members", "update"), ("settings", "update"),
            ("scheme", "update"), ("token", "create"), ("token", "delete"), ("user", "create"),
            ("project", "create")} <= got
    members = db.scalar(select(Event).where(Event.kind == "members"))
    assert members.before == {"members": []} and members.after == {"members": ["alice"]}


def _body_sentence(db, project):
    return db.scalar(select(Sentence).where(Sentence.project_id == project.id, Sentence.kind == "body")
                     .order_by(Sentence.id))


def test_soft_deleted_article_is_hidden_restored_and_purged_after_an_export(app, db, project, make_user, tmp_path):
    anna = make_user("anna")
    s = _body_sentence(db, project)
    labelling.save(db, project, s, anna, LabelInput("neutral_fact"), held_only=False)
    art = db.get(Article, s.article_id)
    before = len(list(records(db, project, "annotations")))
    n_sentences = db.scalar(select(func.count()).select_from(Sentence).where(Sentence.article_id == art.id))
    deletion.delete_article(db, art)
    db.commit()
    # hidden: exports, the queue and the project's counts no longer reach it
    assert len(list(records(db, project, "annotations"))) == before - 1
    served = set()
    while (nxt := assign.next_sentence(db, project, anna)) is not None:
        served.add(nxt.article_id)
        labelling.skip(db, project, nxt, anna)
        if len(served) > 50:
            break
    assert art.id not in served
    assert [d.what for d in deletion.listed(db)] == ["article"]
    # restored: back with its label
    deletion.restore(db, "article", art.id)
    db.commit()
    assert len(list(records(db, project, "annotations"))) == before
    # purged: only after a delete, and only after an export of every kind
    deletion.delete_article(db, db.get(Article, art.id))
    db.commit()
    folder = deletion.purge(db, "article", art.id, tmp_path)
    lines = (folder / "~deleted-1" / "annotations.jsonl").read_text().splitlines() \
        if (folder / "~deleted-1").exists() else \
        next(folder.glob("*/annotations.jsonl")).read_text().splitlines()
    assert [json.loads(x)["label"] for x in lines] == ["neutral_fact"]
    assert len(list(next(folder.glob("*/")).glob("sentences.jsonl"))) == 1
    assert db.get(Article, art.id) is None
    # nothing cascades the log away: the label's events and the units' are all still there
    assert db.scalar(select(func.count()).select_from(Event).where(
        Event.kind == "label", Event.target == f"{s.id}/{anna.id}")) == 1
    assert db.scalar(select(func.count()).select_from(Event).where(
        Event.kind == "unit", Event.action == "create", Event.project_id == project.id)) >= n_sentences
    assert [e.action for e in db.scalars(select(Event).where(Event.kind == "article", Event.target == str(art.id))
                                          .order_by(Event.id))] == ["create", "delete", "restore", "delete", "purge"]


def test_soft_deleted_project_and_user_via_pages_api_and_cli(app, client, db, project, make_user, tmp_path):
    make_user("boss", "admin")
    anna = make_user("anna")
    token = login(client, "boss")
    # a project: hidden from lists and every page, restorable
    assert client.post("/admin/projects/news/delete", data={"csrf_token": token}).status_code == 400
    assert client.post("/admin/projects/news/delete", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    assert client.get("/admin/projects/news").status_code == 404
    assert client.get("/api/v1/projects", headers={"Accept": "application/json"}).get_json()["projects"] == []
    listed = client.get("/api/v1/deleted").get_json()["deleted"]
    assert [(d["what"], d["name"]) for d in listed] == [("project", "news")]
    assert client.post(f"/api/v1/deleted/project/{project.id}/restore",
                       headers={"X-CSRFToken": token}).status_code == 200
    assert client.get("/admin/projects/news").status_code == 200
    # a user: signed out, cannot sign in, hidden as deleted; the CLI restores them
    anna_token = users.create_token(db, anna, "t")[1]
    db.commit()
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {anna_token}"}).status_code == 200
    assert client.delete(f"/api/v1/users/{anna.id}", headers={"X-CSRFToken": token}).status_code == 200
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {anna_token}"}).status_code == 401
    db.rollback()
    db.expire_all()
    assert users.authenticate(db, "anna", "password123") is None
    runner = app.test_cli_runner()
    out = runner.invoke(args=["deleted"])
    assert "user" in out.output and "anna" in out.output
    assert runner.invoke(args=["restore", "user", str(anna.id)]).exit_code == 0
    db.rollback()
    db.expire_all()
    assert users.authenticate(db, "anna", "password123") is not None
    # purge refuses what was not deleted, and exports before it removes
    bad = runner.invoke(args=["purge", "project", str(project.id), "--to", str(tmp_path)])
    assert bad.exit_code != 0 and "delete it first" in bad.output
    assert runner.invoke(args=["delete", "project", "news"]).exit_code == 0
    done = runner.invoke(args=["purge", "project", str(project.id), "--to", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / f"purged-project-{project.id}" / "news" / "sentences.jsonl").stat().st_size > 0
    db.rollback()
    db.expire_all()
    assert projects.by_slug(db, "news") is None
    assert {e.action for e in db.scalars(select(Event).where(Event.kind == "project"))} >= {
        "create", "delete", "restore", "purge"}


def test_events_page_and_api_filter_and_page_by_keyset(client, db, project, make_user):
    make_user("boss", "admin")
    alice = make_user("alice")
    for text in ("one", "two", "three"):
        projects.set_guidelines(db, project, text)
    db.commit()
    login(client, "boss")
    first = client.get("/api/v1/events?kind=guidelines&limit=2").get_json()
    assert [e["after"]["text"] for e in first["events"]] == ["three", "two"]
    rest = client.get(f"/api/v1/events?kind=guidelines&limit=2&before={first['next']}").get_json()
    assert [e["after"]["text"] for e in rest["events"]] == ["one"] and rest["next"] is None
    assert {e["kind"] for e in client.get("/api/v1/events?project=news").get_json()["events"]} >= {
        "guidelines", "unit", "article", "project"}
    assert client.get("/api/v1/events?actor=alice").get_json()["events"] == []
    assert client.get("/api/v1/events?kind=nope").status_code == 400
    assert client.get("/api/v1/events?since=yesterday").status_code == 400
    assert client.get("/api/v1/events?since=2999-01-01").get_json()["events"] == []
    twin = client.get("/admin/events?kind=guidelines&format=json").get_json()
    assert [e["after"]["text"] for e in twin["events"]] == ["three", "two", "one"]
    html = client.get("/admin/events?kind=guidelines&limit=1").get_data(as_text=True)
    assert "Older events" in html and "three" in html and alice.username not in html
