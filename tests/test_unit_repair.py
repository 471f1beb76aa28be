"""An admin repairs segmentation: merge two adjacent units or split one, through the domain
function, the article page, the API and the CLI. Offsets stay exact, labels on unchanged units
stay, labels on a changed unit move to history with a note."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator import assign, export, ingest, labelling, projects, unit_repair, users
from annotator.articles import add_articles
from annotator.access import Refused
from annotator.labelling import LabelInput
from annotator.models import AnnotationHistory, Annotation, Article, Sentence
from helpers import login
from test_api import conforms


def _units(db, art):
    db.rollback()  # see what other sessions (the page, the API, the CLI) committed
    db.expire_all()
    return unit_repair.live_units(db, art)


def _by_text(units, start: str) -> Sentence:
    return next(u for u in units if u.text.startswith(start))


def _assert_exact(db, art):
    units = _units(db, art)
    assert [u.position for u in units] == list(range(len(units)))
    for u in units:
        assert art.text[u.start:u.end] == u.text
    assert all(a.end <= b.start for a, b in zip(units, units[1:]))


def _label(db, project, sentence, user, label="neutral_fact"):
    labelling.save(db, project, sentence, user, LabelInput(label, comment="seen"), held_only=False)


@pytest.fixture
def setup(db, project, make_user):
    root, alice = make_user("root", "admin"), make_user("alice")
    art = db.scalar(select(Article).where(Article.project_id == project.id))
    return art, root, alice


def test_merge_keeps_offsets_exact_and_moves_the_changed_units_labels_to_history(db, project, setup):
    art, root, alice = setup
    units = _units(db, art)
    ministry, river, opened = (_by_text(units, t) for t in ("The ministry", "The river", "It opened"))
    _label(db, project, ministry, alice)
    _label(db, project, river, alice, "attributed_claim")
    before = len(units)

    done = unit_repair.merge_units(db, root, art, river.id, opened.id)

    units = _units(db, art)
    assert len(units) == before - 1
    merged = _by_text(units, "The river")
    assert merged.text == "The river crossing is 12 km long. It opened in 2019."
    assert done.created == [merged.id] and sorted(done.replaced) == sorted([river.id, opened.id])
    assert done.labels_moved == 1
    _assert_exact(db, art)
    # the unchanged unit keeps its row and label
    assert _by_text(units, "The ministry").id == ministry.id
    assert db.scalar(select(Annotation.label).where(Annotation.sentence_id == ministry.id)) == "neutral_fact"
    # the changed unit's label is history now, with a note; its counter is back to 0
    assert db.scalar(select(func.count()).select_from(Annotation)
                     .where(Annotation.sentence_id == river.id)) == 0
    last = db.scalars(select(AnnotationHistory).where(AnnotationHistory.sentence_id == river.id)
                      .order_by(AnnotationHistory.id)).all()[-1]
    assert (last.action, last.label, last.user_id) == ("delete", "attributed_claim", alice.id)
    assert "merged into" in last.comment and str(merged.id) in last.comment and "root" in last.comment
    assert "comment: seen" in last.comment
    old = db.get(Sentence, river.id)
    assert old.kind == unit_repair.REPLACED and old.n_labels == 0 and not old.full
    assert art.text[old.start:old.end] == old.text  # the labelled text is kept with its history


def test_split_cuts_at_the_character_and_keeps_white_space_outside(db, project, setup):
    art, root, alice = setup
    river = _by_text(_units(db, art), "The river")
    unit_repair.merge_units(db, root, art, river.id, _by_text(_units(db, art), "It opened").id)
    merged = _by_text(_units(db, art), "The river")
    at = merged.text.index(" It opened")  # the cut falls on the space: it stays outside both

    done = unit_repair.split_unit(db, root, art, merged.id, at)

    units = _units(db, art)
    assert [u.text for u in units if u.id in done.created] == [
        "The river crossing is 12 km long.", "It opened in 2019."]
    assert done.replaced == [merged.id]
    _assert_exact(db, art)


def test_a_replaced_unit_is_neither_queued_nor_exported(db, project, setup):
    art, root, alice = setup
    units = _units(db, art)
    body = [u for u in units if u.kind == "body"]
    unit_repair.merge_units(db, root, art, body[0].id, body[1].id)
    served = set()
    while (s := assign.next_sentence(db, project, alice)) is not None:
        served.add(s.id)
        _label(db, project, s, alice)
    live = {u.id for u in _units(db, art) if u.kind == "body"}
    assert served == live
    exported = {r["sentence_id"] for r in export.records(db, project, "sentences")}
    assert exported == {u.id for u in _units(db, art)}


def _other_projects_unit(db) -> Sentence:
    other = projects.create_project(db, "other")
    db.commit()
    add_articles(db, other, ingest.parse_file("o.txt", b"Other\n\nOne here. Two there.\n"), "o.txt")
    return db.scalar(select(Sentence).where(Sentence.project_id == other.id))


BAD = {  # what is asked -> (function, arguments from the article's body units `b`)
    "not adjacent": lambda b, o: ("merge_units", b[0].id, b[2].id),
    "the same unit twice": lambda b, o: ("merge_units", b[0].id, b[0].id),
    "another project's unit": lambda b, o: ("merge_units", b[-1].id, o.id),
    "an id as text": lambda b, o: ("merge_units", str(b[0].id), b[1].id),
    "no id": lambda b, o: ("merge_units", None, b[1].id),
    "split another project's unit": lambda b, o: ("split_unit", o.id, 2),
    "at 0": lambda b, o: ("split_unit", b[0].id, 0),
    "at the end": lambda b, o: ("split_unit", b[0].id, len(b[0].text)),
    "past the end": lambda b, o: ("split_unit", b[0].id, 10**12),
    "negative": lambda b, o: ("split_unit", b[0].id, -3),
    "at as text": lambda b, o: ("split_unit", b[0].id, "3"),
    "at as a boolean": lambda b, o: ("split_unit", b[0].id, True),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_repairs_are_refused_and_change_nothing(db, project, setup, case):
    art, root, _ = setup
    units = _units(db, art)
    body = [u for u in units if u.kind == "body"]
    name, *args = BAD[case](body, _other_projects_unit(db))
    with pytest.raises(unit_repair.RepairError):
        getattr(unit_repair, name)(db, root, art, *args)
    assert [(u.id, u.position, u.text) for u in _units(db, art)] == [
        (u.id, u.position, u.text) for u in units]


def test_a_cut_just_after_white_space_gives_the_same_units(db, project, setup):
    art, root, _ = setup
    river = _by_text(_units(db, art), "The river")
    unit_repair.merge_units(db, root, art, river.id, _by_text(_units(db, art), "It opened").id)
    merged = _by_text(_units(db, art), "The river")
    assert merged.text.index(" It") == 33
    unit_repair.split_unit(db, root, art, merged.id, 34)  # before "It": the space stays out
    assert [u.text for u in _units(db, art) if u.text.startswith(("The river", "It "))] == [
        "The river crossing is 12 km long.", "It opened in 2019."]


def test_only_admins_repair(db, project, setup, make_user):
    art, _, alice = setup
    body = [u for u in _units(db, art) if u.kind == "body"]
    for user in (alice, make_user("rev", "reviewer")):
        with pytest.raises(Refused):
            unit_repair.merge_units(db, user, art, body[0].id, body[1].id)
        with pytest.raises(Refused):
            unit_repair.split_unit(db, user, art, body[0].id, 3)


def test_the_article_page_merges_and_splits_with_csrf(client, db, project, setup):
    art, root, alice = setup
    token = login(client, "root")
    units = _units(db, art)
    river, opened = _by_text(units, "The river"), _by_text(units, "It opened")
    page = client.get(f"/admin/articles/{art.id}").get_data(as_text=True)
    assert f'action="/admin/articles/{art.id}/units/merge"' in page
    assert f'action="/admin/articles/{art.id}/units/split"' in page
    merge = {"first": river.id, "second": opened.id}
    assert client.post(f"/admin/articles/{art.id}/units/merge", data=merge).status_code == 400  # no CSRF
    resp = client.post(f"/admin/articles/{art.id}/units/merge", data={**merge, "csrf_token": token})
    assert resp.status_code == 302
    merged = _by_text(_units(db, art), "The river")
    assert merged.text.endswith("It opened in 2019.")
    assert merged.text in client.get(f"/admin/articles/{art.id}").get_data(as_text=True)
    resp = client.post(f"/admin/articles/{art.id}/units/split",
                       data={"sentence": merged.id, "at": "34", "csrf_token": token})
    assert resp.status_code == 302
    _assert_exact(db, art)
    assert _by_text(_units(db, art), "The river").text == "The river crossing is 12 km long."
    # bad input: a clear 400, never a 500
    for data in ({"sentence": merged.id, "at": "x"}, {"sentence": "x", "at": "3"},
                 {"sentence": river.id, "at": "3"}, {"first": river.id, "second": 99999999999}):
        path = "merge" if "first" in data else "split"
        resp = client.post(f"/admin/articles/{art.id}/units/{path}", data={**data, "csrf_token": token})
        assert resp.status_code == 400, data
    assert client.post("/admin/articles/999999/units/split",
                       data={"sentence": 1, "at": "3", "csrf_token": token}).status_code == 404


def test_annotators_cannot_repair_on_the_page(client, db, project, setup):
    art, _, alice = setup
    token = login(client, "alice")
    body = [u for u in _units(db, art) if u.kind == "body"]
    resp = client.post(f"/admin/articles/{art.id}/units/merge",
                       data={"first": body[0].id, "second": body[1].id, "csrf_token": token})
    assert resp.status_code == 403


def _bearer(db, user) -> dict:
    _, token = users.create_token(db, user, "t")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_merges_and_splits(client, db, project, setup):
    art, root, alice = setup
    admin = _bearer(db, root)
    units = _units(db, art)
    river, opened = _by_text(units, "The river"), _by_text(units, "It opened")
    resp = client.post(f"/api/v1/articles/{art.id}/units/merge", headers=admin,
                       json={"first": river.id, "second": opened.id})
    body = conforms(resp, "/articles/{id}/units/merge", "post")
    merged = next(u for u in body["units"] if u["id"] == body["created"][0])
    assert merged["text"] == art.text[merged["start"]:merged["end"]] == \
        "The river crossing is 12 km long. It opened in 2019."
    assert [u["position"] for u in body["units"]] == list(range(len(body["units"])))
    resp = client.post(f"/api/v1/articles/{art.id}/units/split", headers=admin,
                       json={"sentence": merged["id"], "at": 33})
    body = conforms(resp, "/articles/{id}/units/split", "post")
    assert [u["text"] for u in body["units"] if u["id"] in body["created"]] == [
        "The river crossing is 12 km long.", "It opened in 2019."]
    assert body["replaced"] == [merged["id"]]


def test_the_api_refuses_bad_repairs_clearly(client, db, project, setup):
    art, root, alice = setup
    admin = _bearer(db, root)
    body = [u for u in _units(db, art) if u.kind == "body"]
    other = _other_projects_unit(db)
    url = f"/api/v1/articles/{art.id}/units"
    cases = [("merge", {"first": body[0].id, "second": body[2].id}, 400),
             ("merge", {"first": body[0].id, "second": other.id}, 400),
             ("merge", {"first": body[0].id}, 400),
             ("merge", {"first": [1], "second": {"a": 1}}, 400),
             ("split", {"sentence": body[0].id, "at": 10**40}, 400),
             ("split", {"sentence": body[0].id, "at": 1.5}, 400),
             ("split", {"sentence": 2**63, "at": 3}, 400)]
    for path, data, status in cases:
        resp = client.post(f"{url}/{path}", headers=admin, json=data)
        assert resp.status_code == status, (path, data, resp.get_data(as_text=True))
        # a body its OpenAPI schema refuses stops at the edge (web/input_checks): invalid_input
        assert resp.get_json()["error"]["code"] in ("invalid_repair", "invalid_input")
    assert client.post(f"{url}/split", headers=admin, data="[1]",
                       content_type="application/json").status_code == 400
    assert client.post(f"/api/v1/articles/{2**31 - 1}/units/split", headers=admin,
                       json={"sentence": 1, "at": 2}).status_code == 404
    resp = client.post(f"{url}/merge", headers=_bearer(db, alice),
                       json={"first": body[0].id, "second": body[1].id})
    assert resp.status_code == 403


def test_the_cli_merges_and_splits(app, db, project, setup):
    art, root, alice = setup
    runner = app.test_cli_runner()
    units = _units(db, art)
    river, opened = _by_text(units, "The river"), _by_text(units, "It opened")
    r = runner.invoke(args=["merge-units", str(art.id), str(river.id), str(opened.id), "--by", "root"])
    assert r.exit_code == 0, r.output
    assert "2 unit(s) replaced by 1" in r.output
    merged = _by_text(_units(db, art), "The river")
    assert merged.text == "The river crossing is 12 km long. It opened in 2019."
    r = runner.invoke(args=["split-unit", str(art.id), str(merged.id), "33", "--by", "root"])
    assert r.exit_code == 0, r.output
    _assert_exact(db, art)
    assert _by_text(_units(db, art), "It opened").text == "It opened in 2019."


@pytest.mark.parametrize("args", [
    ["merge-units", "{art}", "{a}", "{c}", "--by", "root"],  # not adjacent
    ["split-unit", "{art}", "{a}", "0", "--by", "root"],
    ["split-unit", "{art}", "{a}", "9999", "--by", "root"],
    ["split-unit", "{art}", "{a}", "x", "--by", "root"],
    ["split-unit", "{art}", "{a}", "3", "--by", "alice"],  # not an admin
    ["split-unit", "{art}", "{a}", "3", "--by", "nobody"],
    ["split-unit", "999999", "{a}", "3", "--by", "root"],
    ["split-unit", "99999999999", "{a}", "3", "--by", "root"],
    ["split-unit", "{art}", "{a}", "3"],  # who repairs must be named
])
def test_the_cli_refuses_bad_repairs_with_exit_1_or_2(app, db, project, setup, args):
    art, _, _ = setup
    body = [u for u in _units(db, art) if u.kind == "body"]
    values = {"art": art.id, "a": body[0].id, "c": body[2].id}
    r = app.test_cli_runner().invoke(args=[a.format(**values) for a in args])
    assert r.exit_code in (1, 2) and "Traceback" not in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Error" in r.output


def test_a_replaced_unit_cannot_be_given_a_kind_again(client, db, project, setup):
    art, root, _ = setup
    token = login(client, "root")
    body = [u for u in _units(db, art) if u.kind == "body"]
    unit_repair.merge_units(db, root, art, body[0].id, body[1].id)
    resp = client.post(f"/admin/articles/{art.id}", data={"csrf_token": token,
                                                          "sentence_id": body[0].id, "kind": "body"})
    assert resp.status_code == 400
    assert "replaced by a segmentation repair" in resp.get_data(as_text=True)
    assert db.get(Sentence, body[0].id).kind == unit_repair.REPLACED
