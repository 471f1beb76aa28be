"""The disagreement queue in the browser (issue 17, item 5): decisions by keyboard without a
page load, gold labels stored through the API, filters, pseudonyms, the fold at 1280x720."""
from __future__ import annotations

from sqlalchemy import select

from annotator.models import Adjudication
from e2e import seed_labels

LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]


def shown(page) -> int:
    return int(page.get_attribute("#sentence", "data-id"))


def wait_other(page, old: int) -> int:
    page.wait_for_function("old => { const el = document.getElementById('sentence');"
                           " return el && el.dataset.id && el.dataset.id !== String(old); }", arg=old)
    return shown(page)


def test_three_decisions_by_keyboard_without_a_page_load(server, page, login):
    seed_labels(server, 60)
    login(page, "reviewer")
    page.goto(server.url + "/projects/demo/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden])")
    # the decision buttons are above the fold at 1280x720, without scrolling
    assert page.evaluate("() => window.scrollY") == 0
    boxes = [b.bounding_box() for b in page.locator("#adjudicate .label-button").all()]
    assert len(boxes) == 3 and all(b and b["y"] >= 0 and b["y"] + b["height"] <= 720 for b in boxes), boxes
    # annotators by pseudonym
    given = page.locator("#adj-given th").all_inner_texts()
    assert given and all(g.startswith("A") and g[1:].isdigit() for g in given), given
    assert "alice" not in page.locator("#adjudicate").inner_text()

    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("() => { window.stayed = true; }")
    decided = {}
    for key, label in zip("123", LABELS):
        sid = shown(page)
        page.keyboard.press(key)
        decided[sid] = label
        wait_other(page, sid)
    assert navigations == [] and page.evaluate("() => window.stayed") is True
    page.wait_for_selector("#adjudicate[data-unsaved='0']", state="attached")
    # stored: through the API and in the database
    for sid, label in decided.items():
        r = page.request.get(f"{server.url}/api/v1/sentences/{sid}/gold")
        assert r.ok and r.json()["label"] == label and r.json()["reviewer"] == "reviewer"
    with server.session() as s:
        stored = dict(s.execute(select(Adjudication.sentence_id, Adjudication.label)).all())
    assert stored == decided

    # back shows the last decision; skip moves on without one
    now = shown(page)
    page.keyboard.press("Backspace")
    last = list(decided)[-1]
    assert wait_other(page, now) == last
    assert page.get_attribute("#adjudicate .label-button[value=neutral_fact]", "aria-pressed") == "true"
    page.keyboard.press("s")
    assert wait_other(page, last) == now
    page.keyboard.press("s")
    wait_other(page, now)
    assert navigations == []


def test_a_filter_narrows_the_queue_and_stays_in_the_url(server, page, login):
    seed_labels(server, 60)
    login(page, "reviewer")
    page.goto(server.url + "/projects/demo/disagreements")
    everything = page.request.get(server.url + "/api/v1/projects/demo/disagreements?per_page=200").json()
    page.select_option("select[name=pair]", "attributed_claim,contested_framing")
    page.click(".queue-filters button[type=submit]")
    page.wait_for_url("**pair=attributed_claim%2Ccontested_framing*")
    page.wait_for_selector("#adjudicate:not([hidden])")
    query = page.url.split("?", 1)[1]
    narrowed = page.request.get(
        server.url + "/api/v1/projects/demo/disagreements?per_page=200&" + query).json()
    assert 0 < narrowed["total"] < everything["total"]
    for it in narrowed["items"]:
        assert {"attributed_claim", "contested_framing"} <= {a["label"] for a in it["annotations"]}
    assert shown(page) == narrowed["items"][0]["sentence_id"]
    # walking the filtered queue by keyboard stays in it
    seen = {shown(page)}
    for _ in range(min(3, narrowed["total"] - 1)):
        old = shown(page)
        page.keyboard.press("s")
        seen.add(wait_other(page, old))
    assert seen <= {it["sentence_id"] for it in narrowed["items"]}
    # names only when asked for
    page.click("a:has-text('Show names')")
    page.wait_for_selector("#adjudicate:not([hidden])")
    assert {"alice", "bob"} & set(page.locator("#adj-given th").all_inner_texts())


def test_a_suspected_error_says_how_likely_the_label_is_wrong(server, page, login):
    """The one-at-a-time view draws the model's flag with its score read as a chance (the
    score of model/suspects.py), never as a raw '%%'."""
    from model_corpus import labelled_project

    from annotator import labelling, users
    from annotator.labelling import LabelInput
    from annotator.model import store
    from annotator.models import Sentence

    with server.session() as s:
        ann = users.by_name(s, "alice")
        p, truth = labelled_project(s, ann, slug="flagged", n=150)
        for sid in [sid for sid, label in truth.items() if label == "contested_framing"][::6]:
            labelling.save(s, p, s.get(Sentence, sid), ann, LabelInput("neutral_fact"), held_only=False)
        s.commit()
        store.train(s, p)
    login(page, "reviewer")
    page.goto(server.url + "/projects/flagged/disagreements?reason=suspect")
    page.wait_for_selector("#adjudicate:not([hidden])")
    note = page.locator("#adj-suspect").inner_text()
    assert note.startswith("Suspected error: the model (version 1, out of fold) puts the chance that")
    assert "%;" in note and "%%" not in note and "most likely instead" in note


def test_nine_labels_fit_above_the_fold(server, page, login):
    """A scheme of nine labels (the most a scheme has): every decision button of the
    adjudication panel is on screen at 1280x720 without scrolling."""
    from annotator import ingest, projects
    from annotator.articles import add_articles
    from e2e import SIX_SENTENCES, body_sentences, label_as

    nine = [{"id": f"label_{i}", "name": f"Label number {i} of the scheme", "key": str(i),
             "description": f"The {i}th kind of sentence, as the guidelines describe it at some length."}
            for i in range(1, 10)]
    with server.session() as s:
        p = projects.create_project(s, "nine", "Nine", overlap=2, labels=nine)
        s.commit()
        add_articles(s, p, ingest.parse_file("n.txt", SIX_SENTENCES.encode()), "n.txt")
    ids = [sid for sid, _, _ in body_sentences(server, "nine")]
    label_as(server, "alice", {sid: "label_1" for sid in ids}, slug="nine")
    label_as(server, "bob", {sid: "label_9" for sid in ids}, slug="nine")
    login(page, "reviewer")
    page.goto(server.url + "/projects/nine/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden])")
    assert page.evaluate("() => window.scrollY") == 0
    boxes = [b.bounding_box() for b in page.locator("#adjudicate .label-button").all()]
    assert len(boxes) == 9
    assert all(b and b["y"] >= 0 and b["y"] + b["height"] <= 720 for b in boxes), boxes
    for control in ("#adj-note", "#adj-back", "#adj-skip"):  # the note, Back and Skip too
        box = page.locator(control).bounding_box()
        assert box and box["y"] + box["height"] <= 720, control


def test_a_multi_label_gold_set_by_keyboard(server, page, login):
    """A multi-label project: a label's key turns it on or off in the gold set, Enter saves
    the set (through the API, in scheme order) and shows the next sentence; back shows it."""
    from annotator import labelling, projects, users
    from annotator.models import Sentence
    from e2e import SIX_SENTENCES, make_project

    ids = make_project(server, "sets", SIX_SENTENCES, task="multi")
    with server.session() as s:
        project = projects.by_slug(s, "sets")
        for name, labels in (("alice", ["attributed_claim", "contested_framing"]),
                             ("bob", ["attributed_claim"])):
            for sid in ids[:3]:
                labelling.save(s, project, s.get(Sentence, sid), users.by_name(s, name),
                               labelling.LabelInput(None, labels=labels), held_only=False)
    login(page, "reviewer")
    page.goto(server.url + "/projects/sets/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden])")
    first = shown(page)
    assert "majority: Attributed claim" in page.inner_text("#adj-meta")
    assert page.is_disabled("#adj-save")
    page.keyboard.press("3")
    page.keyboard.press("2")
    page.keyboard.press("3")  # off again
    page.keyboard.press("1")
    pressed = page.locator("#adjudicate .label-button[aria-pressed=true]").evaluate_all("bs => bs.map(b => b.value)")
    assert pressed == ["attributed_claim", "contested_framing"] and shown(page) == first
    page.keyboard.press("Enter")
    second = wait_other(page, first)
    page.wait_for_selector("#adjudicate[data-unsaved='0']", state="attached")
    with server.session() as s:
        stored = s.execute(select(Adjudication.label, Adjudication.labels)
                           .where(Adjudication.sentence_id == first)).one()
    assert tuple(stored) == ("attributed_claim", ["attributed_claim", "contested_framing"])
    # the button saves too; back shows the set given
    page.click("#adjudicate .label-button[value=neutral_fact]")
    page.click("#adj-save")
    third = wait_other(page, second)
    page.keyboard.press("Backspace")
    assert wait_other(page, third) == second
    page.keyboard.press("Backspace")
    assert wait_other(page, second) == first
    pressed = page.locator("#adjudicate .label-button[aria-pressed=true]").evaluate_all("bs => bs.map(b => b.value)")
    assert pressed == ["attributed_claim", "contested_framing"]
    assert "Attributed claim, Contested framing" in page.inner_text("#adj-gold")
