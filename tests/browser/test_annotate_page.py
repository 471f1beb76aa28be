"""The annotate page in a real browser: keyboard labelling, Back, Skip, evidence spans, help."""
from __future__ import annotations

from sqlalchemy import select

from annotator.models import AnnotationHistory, Skip
from e2e import (PASSWORD, SMALL, annotations, body_sentences, make_project, shown_id,
                 wait_id_change, wait_saved)

LABELS = {"1": "attributed_claim", "2": "contested_framing", "3": "neutral_fact"}


def assert_in_view(page):
    """The sentence and every label button are fully visible without scrolling."""
    height = page.viewport_size["height"]
    assert page.evaluate("() => window.scrollY") == 0
    for loc in [page.locator("#sentence")] + page.locator(".label-button").all():
        box = loc.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, box


def test_sign_in_and_label_a_whole_article_by_keyboard(server, page, shot):
    page.goto(server.url + "/")
    assert "/login" in page.url
    shot(page, "login")
    # Keyboard only: the username field has the focus, Tab to the password, Enter signs in.
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/")
    shot(page, "projects")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Annotate":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/projects/demo/annotate")

    rows = body_sentences(server)
    article = rows[0][1]
    ids = [sid for sid, art, _ in rows if art == article]
    assert len(ids) >= 10
    assert shown_id(page) == ids[0]
    page.wait_for_selector("#sentence .hint")  # hints from the lexicon are highlighted
    shot(page, "annotate")
    expected = {}
    for i, sid in enumerate(ids):
        assert shown_id(page) == sid, "sentences come in reading order"
        assert_in_view(page)
        key = "123"[i % 3]
        page.keyboard.press(key)
        expected[sid] = LABELS[key]
        wait_id_change(page, sid)
    wait_saved(page)
    # The live counter follows background writes and prefetches, which may cross (it can be one
    # ahead until the next fetch); the server's figure, after a reload, is exact.
    page.reload()
    page.wait_for_selector("#progress-text")
    assert page.locator("#progress-text").inner_text().startswith(f"{len(ids)} /")
    stored = annotations(server, "alice")
    assert {sid: a.label for sid, a in stored.items()} == expected
    assert all(a.seconds is not None and a.spans == [] for a in stored.values())
    # the next article follows, in reading order
    assert shown_id(page) == next(sid for sid, art, _ in rows if art != article)


def test_go_back_and_change_a_label(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    a = shown_id(page)
    page.keyboard.press("1")
    b = wait_id_change(page, a)
    page.keyboard.press("2")
    c = wait_id_change(page, b)
    page.keyboard.press("Backspace")
    assert wait_id_change(page, c) == b
    assert page.get_attribute(".label-button[value=contested_framing]", "aria-pressed") == "true"
    page.keyboard.press("ArrowLeft")
    assert wait_id_change(page, b) == a
    assert page.get_attribute(".label-button[value=attributed_claim]", "aria-pressed") == "true"
    # a comment: C focuses the field, Enter does not submit, Esc leaves it
    page.keyboard.press("c")
    page.keyboard.type("quote continues")
    page.keyboard.press("Enter")
    assert shown_id(page) == a
    page.keyboard.press("Escape")
    page.keyboard.press("3")  # relabel; the queue goes on with where we were
    assert wait_id_change(page, a) == b
    assert page.get_attribute(".label-button[value=contested_framing]", "aria-pressed") == "true"
    page.keyboard.press("2")  # keep it
    assert wait_id_change(page, b) == c
    wait_saved(page)
    stored = annotations(server, "alice")
    assert stored[a].label == "neutral_fact" and stored[a].comment == "quote continues"
    assert stored[b].label == "contested_framing" and c not in stored
    with server.session() as s:
        actions = s.scalars(select(AnnotationHistory.action).where(
            AnnotationHistory.sentence_id == a).order_by(AnnotationHistory.id)).all()
    assert actions == ["create", "update"]

    # After a reload the tab's own history is gone: Back asks the server for the last label.
    page.reload()
    assert shown_id(page) == c
    page.keyboard.press("Backspace")
    page.wait_for_url(f"**sentence={b}")
    assert shown_id(page) == b
    assert page.get_attribute(".label-button[value=contested_framing]", "aria-pressed") == "true"
    page.keyboard.press("1")
    assert wait_id_change(page, b) == c
    wait_saved(page)
    assert annotations(server, "alice")[b].label == "attributed_claim"


def test_skip_and_come_back(server, page, login, shot):
    ids = make_project(server, "small", SMALL)
    login(page, "alice", "/projects/small/annotate")
    assert shown_id(page) == ids[0]
    page.keyboard.press("s")
    order = [wait_id_change(page, ids[0])]
    for _ in range(len(ids) - 1):
        page.keyboard.press("3")
        order.append(wait_id_change(page, order[-1]))
    assert order == ids[1:] + [ids[0]], "the skipped sentence comes back at the end"
    page.keyboard.press("1")
    page.wait_for_selector("h1:has-text('All done')")
    shot(page, "done")
    stored = annotations(server, "alice")
    assert {sid: a.label for sid, a in stored.items()} == {
        **{sid: "neutral_fact" for sid in ids[1:]}, ids[0]: "attributed_claim"}
    with server.session() as s:
        assert s.scalars(select(Skip)).all() == []  # a label clears the skip


def word(page, text):
    return page.locator("#sentence .w", has_text=text).first


def drag(page, start, end):
    a, b = start.bounding_box(), end.bounding_box()
    page.mouse.move(a["x"] + 3, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.move(b["x"] + b["width"] - 2, b["y"] + b["height"] / 2, steps=2)
    page.mouse.up()


def test_mark_spans_with_the_mouse_and_edit_them_after_going_back(server, page, login, shot):
    login(page, "alice", "/projects/demo/annotate")
    first = shown_id(page)
    text = page.evaluate("() => JSON.parse(document.getElementById('sentence').dataset.view).text")
    assert "Velorian army units" in text
    # A drag from inside "Velorian" to inside "units" snaps to the whole words.
    drag(page, word(page, "Velorian"), word(page, "units"))
    assert page.locator("#sentence .sel").all_inner_texts() == ["Velorian", " ", "army", " ", "units"]
    page.click(".span-button[data-span=source]")
    page.locator("#sentence .w", has_text="entered").first.dblclick()
    page.click(".span-button[data-span=cue]")
    word(page, "liberating").click()
    page.click(".span-button[data-span=framing_term]")
    assert page.locator("#span-list li").all_inner_texts() == [
        "source “Velorian army units” ×", "cue “entered” ×", "framing term “liberating” voice: author ×"]
    shot(page, "annotate-spans")
    page.click(".label-button[value=contested_framing]")
    second = wait_id_change(page, first)
    wait_saved(page)

    def offsets(t):
        i = text.index(t)
        return i, i + len(t)

    spans = annotations(server, "alice")[first].spans
    assert spans == sorted([
        {"start": offsets("Velorian army units")[0], "end": offsets("Velorian army units")[1],
         "label": "source", "text": "Velorian army units"},
        {"start": offsets("entered")[0], "end": offsets("entered")[1], "label": "cue", "text": "entered"},
        {"start": offsets("liberating")[0], "end": offsets("liberating")[1], "label": "framing_term",
         "text": "liberating", "voice": "author"}], key=lambda s: s["start"])

    # Back: the spans are there to edit; remove the cue, switch the voice, save with the label.
    page.keyboard.press("Backspace")
    assert wait_id_change(page, second) == first
    assert page.locator("#span-list li").count() == 3
    page.click("#span-list button[aria-label^='Remove cue']")
    page.click("#span-list .chip-voice")
    assert page.locator("#sentence .sp-framing_term.v-attributed").count() == 1
    page.keyboard.press("2")
    assert wait_id_change(page, first) == second
    wait_saved(page)
    spans = annotations(server, "alice")[first].spans
    assert [(s["label"], s["text"], s.get("voice")) for s in spans] == [
        ("source", "Velorian army units", None), ("framing_term", "liberating", "attributed")]

    # A server-rendered revisit (after a reload) shows the stored spans too, ready to edit.
    page.goto(server.url + f"/projects/demo/annotate?sentence={first}")
    assert page.locator("#span-list li").count() == 2
    page.keyboard.press("x")  # removes the last span marked: the framing term
    page.keyboard.press("1")
    wait_id_change(page, first)
    wait_saved(page)
    spans = annotations(server, "alice")[first].spans
    assert [(s["label"], s["text"]) for s in spans] == [("source", "Velorian army units")]
    assert annotations(server, "alice")[first].label == "attributed_claim"


def test_spans_by_keyboard_and_the_project_setting(server, page, login):
    ids = make_project(server, "spans", SMALL,
                       spans={"attributed_claim": "required", "neutral_fact": "off"})
    login(page, "alice", "/projects/spans/annotate")
    assert shown_id(page) == ids[0]  # "The ministry said the road was closed."
    page.keyboard.press("1")
    page.wait_for_selector("#status.error")
    assert "needs evidence" in page.inner_text("#status")
    assert shown_id(page) == ids[0], "a required span keeps the sentence"
    # Shift+→ selects word by word; → moves; Q W E mark source, cue, content.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("q")
    page.keyboard.press("ArrowRight")  # a fresh selection starts at the first word
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("w")
    page.keyboard.press("Shift+ArrowLeft")  # nothing selected: selects the last word
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("e")
    assert page.locator("#span-list li .chip-name").all_inner_texts() == ["source", "cue", "content"]
    page.keyboard.press("1")
    second = wait_id_change(page, ids[0])
    # a framing term with the attributed voice: F then V; X and Delete remove spans
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("f")
    page.keyboard.press("v")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("f")
    page.keyboard.press("Delete")
    page.keyboard.press("Escape")
    assert page.locator("#span-list li").count() == 1
    page.keyboard.press("2")
    third = wait_id_change(page, second)
    # spans are off for neutral_fact: the label is stored without them
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("q")
    page.keyboard.press("3")
    wait_id_change(page, third)
    assert "not saved" in page.inner_text("#status")
    wait_saved(page)
    stored = annotations(server, "alice")
    assert [(s["label"], s["text"]) for s in stored[ids[0]].spans] == [
        ("source", "The ministry"), ("cue", "said"), ("content", "the road was closed")]
    assert stored[second].spans == [{"start": 7, "end": 16, "label": "framing_term",
                                     "text": "liberated", "voice": "attributed"}]
    assert stored[third].label == "neutral_fact" and stored[third].spans == []


def test_help_overlay_lists_every_key(server, page, login, shot):
    login(page, "alice", "/projects/demo/annotate")
    first = shown_id(page)
    page.keyboard.press("?")
    dialog = page.locator("#help")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    for key in ["1", "2", "3", "S", "Backspace", "←", "C", "?", "Shift", "→", "Q", "W", "E", "F", "V", "X", "Esc"]:
        assert key in text, key
    shot(page, "help")
    page.keyboard.press("1")  # keys do nothing behind the dialog
    assert shown_id(page) == first
    page.keyboard.press("?")
    dialog.wait_for(state="hidden")
    page.click("#help-button")
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.keyboard.press("1")
    wait_id_change(page, first)


def test_dark_theme_follows_the_system(browser, server, shot):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="dark")
    try:
        page = ctx.new_page()
        from e2e import sign_in

        sign_in(page, server.url, "alice", PASSWORD, "/projects/demo/annotate")
        bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(22, 24, 27)"
        word(page, "Velorian").click()
        page.click(".span-button[data-span=source]")
        shot(page, "annotate-dark")
    finally:
        ctx.close()


def test_a_projects_own_span_types_by_keyboard(server, page, login):
    """A project with its own span types (issue 17 item 2): the toolbar is built from them,
    their keys mark the selection, a voiced type takes V, and a type that the label must carry
    is asked for before the label is stored; the stored spans carry the project's type ids."""
    types = [{"id": "speaker", "name": "Speaker", "key": "k", "colour": 6,
              "labels": ["attributed_claim"], "required": ["attributed_claim"]},
             {"id": "loaded_word", "name": "Loaded word", "key": "l", "colour": 7, "voice": True}]
    ids = make_project(server, "custom", SMALL, span_types=types)
    login(page, "alice", "/projects/custom/annotate")
    buttons = page.locator("#span-tools [data-span]")
    assert buttons.all_inner_texts() == ["K Speaker", "L Loaded word"]
    assert shown_id(page) == ids[0]  # "The ministry said the road was closed."
    page.keyboard.press("1")  # an attributed claim needs a speaker: the page says so and stays
    page.wait_for_selector("#status.error")
    assert "needs a speaker span" in page.inner_text("#status")
    assert shown_id(page) == ids[0]
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("k")
    assert page.locator("#span-list li .chip-name").all_inner_texts() == ["speaker"]
    assert "sp-c6" in page.locator("#span-list li").first.get_attribute("class")
    page.keyboard.press("1")
    second = wait_id_change(page, ids[0])
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("l")
    page.keyboard.press("v")
    page.keyboard.press("2")
    wait_id_change(page, second)
    wait_saved(page)
    stored = annotations(server, "alice")
    assert [(s["label"], s["text"]) for s in stored[ids[0]].spans] == [("speaker", "The ministry")]
    assert stored[second].spans == [{"start": 7, "end": 16, "label": "loaded_word",
                                     "text": "liberated", "voice": "attributed"}]
