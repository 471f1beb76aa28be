"""The annotate page with a project's task shape (issue 17 item 2), in a real browser: a
confidence asked for after the label, the unsure flag (U), a rationale required per label, and
multi-label choice (label keys toggle, Enter saves); each stored through the one label write,
and shown again on a revisit."""
from __future__ import annotations

from e2e import SIX_SENTENCES as SIX, SMALL, annotations, make_project, shown_id, wait_id_change, wait_saved


def test_confidence_unsure_and_rationale_by_keyboard(server, page, login, shot):
    ids = make_project(server, "shapes", SMALL, confidence=5, unsure=True,
                       rationale={"contested_framing": "required", "attributed_claim": "optional"})
    login(page, "alice", "/projects/shapes/annotate")
    assert shown_id(page) == ids[0]
    # A label first, then the confidence: the sentence stays until a digit gives it.
    page.keyboard.press("1")
    page.wait_for_selector("#confidence.asking")
    assert page.inner_text("#status").startswith("How sure are you of “\u2068Attributed claim\u2069”?")  # the name isolated
    assert shown_id(page) == ids[0]
    assert page.get_attribute(".label-button[value=attributed_claim]", "aria-pressed") == "true"
    shot(page, "task-shapes")
    page.keyboard.press("4")
    second = wait_id_change(page, ids[0])
    assert page.locator("#confidence input:checked").count() == 0  # each sentence asks anew
    # U marks unsure; a label that needs a rationale takes the focus to its field.
    page.keyboard.press("u")
    assert page.is_checked("#unsure")
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.wait_for_function("document.activeElement.id === 'rationale'")
    assert "needs a rationale" in page.inner_text("#status")
    assert shown_id(page) == second
    page.keyboard.type("Loaded verb in the outlet's voice.")
    page.keyboard.press("Enter")
    third = wait_id_change(page, second)
    assert not page.is_checked("#unsure") and page.input_value("#rationale") == ""
    # R opens the rationale; Esc leaves it; Esc also takes back a label waiting for confidence;
    # a rationale given with a label that takes none is not saved, and the page says so.
    page.keyboard.press("r")
    page.keyboard.type("Plain number.")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_selector("#confidence.asking")
    page.keyboard.press("Escape")
    assert page.locator("#confidence.asking").count() == 0
    assert page.locator(".label-button[aria-pressed=true]").count() == 0
    page.keyboard.press("3")
    page.click("#confidence label:nth-of-type(5)")  # the mouse works too
    wait_id_change(page, third)
    assert "takes no rationale" in page.inner_text("#status")
    wait_saved(page)
    stored = annotations(server, "alice")
    got = {sid: (a.label, a.labels, a.confidence, bool(a.unsure), a.rationale) for sid, a in stored.items()}
    assert got[ids[0]] == ("attributed_claim", None, 4, False, None)
    assert got[second] == ("contested_framing", None, 3, True, "Loaded verb in the outlet's voice.")
    assert got[third] == ("neutral_fact", None, 5, False, None)
    # Back shows what was given; a new label asks for the confidence again.
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{third}'")
    assert "confidence 5 of 5" in page.inner_text("#revisit")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{second}'")
    assert "unsure" in page.inner_text("#revisit")
    assert page.is_checked("#unsure")
    assert page.input_value("#rationale") == "Loaded verb in the outlet's voice."
    page.keyboard.press("u")  # no longer unsure
    page.keyboard.press("2")
    page.wait_for_selector("#confidence.asking")
    page.keyboard.press("5")
    wait_id_change(page, second)
    wait_saved(page)
    a = annotations(server, "alice")[second]
    assert (a.label, a.confidence, bool(a.unsure), a.rationale) == (
        "contested_framing", 5, False, "Loaded verb in the outlet's voice.")
    # A reload of the revisited sentence shows the stored shape from the server.
    page.goto(f"{server.url}/projects/shapes/annotate?sentence={second}")
    assert page.get_attribute(".label-button[value=contested_framing]", "aria-pressed") == "true"
    assert page.is_checked("#confidence input[value='5']")
    assert not page.is_checked("#unsure")


def test_multi_label_by_keyboard(server, page, login):
    ids = make_project(server, "multi", SMALL, task="multi")
    login(page, "alice", "/projects/multi/annotate")
    pressed = lambda: [b.get_attribute("value") for b in page.locator(".label-button[aria-pressed=true]").all()]
    page.keyboard.press("2")
    page.keyboard.press("1")
    assert pressed() == ["attributed_claim", "contested_framing"]  # toggled, in scheme order
    assert "Press Enter to save" in page.inner_text("#status")
    page.keyboard.press("2")
    page.keyboard.press("2")
    assert shown_id(page) == ids[0]
    page.keyboard.press("Enter")
    second = wait_id_change(page, ids[0])
    assert pressed() == []
    page.keyboard.press("Enter")  # nothing chosen: the page says so and stays
    page.wait_for_selector("#status.error")
    assert shown_id(page) == second
    page.keyboard.press("3")
    page.click("#save-labels")
    wait_id_change(page, second)
    wait_saved(page)
    stored = annotations(server, "alice")
    assert (stored[ids[0]].label, stored[ids[0]].labels) == (
        "attributed_claim", ["attributed_claim", "contested_framing"])
    assert (stored[second].label, stored[second].labels) == ("neutral_fact", ["neutral_fact"])
    # Back: the labels given are pressed and can be changed; U removes them.
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{second}'")
    assert pressed() == ["neutral_fact"]
    assert "Neutral" in page.inner_text("#revisit")
    page.keyboard.press("3")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    wait_id_change(page, second)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{ids[0]}'")
    assert pressed() == ["attributed_claim", "contested_framing"]
    page.keyboard.press("u")
    page.wait_for_selector("#unlabel", state="hidden")
    wait_saved(page)
    stored = annotations(server, "alice")
    assert stored[second].labels == ["contested_framing"]
    assert ids[0] not in stored



def test_confidence_keys_prompts_and_drafts_in_the_corners(server, page, login):
    """What reviewers found: arrows on a focused confidence point move along the scale (not
    Back) and Enter saves; clicking the point a revisit already shows saves it; a question
    about one sentence does not stay on the next; the unsure mark and a rationale not yet
    saved survive Back and Forward."""
    ids = make_project(server, "corners", SIX, confidence=5, unsure=True,
                       rationale={"contested_framing": "optional"})
    login(page, "alice", "/projects/corners/annotate")
    page.keyboard.press("1")
    page.keyboard.press("4")
    second = wait_id_change(page, ids[0])
    # A label waits for its confidence; the keyboard user tabs onto the scale and uses arrows.
    page.keyboard.press("2")
    page.wait_for_selector("#confidence.asking")
    page.focus("#confidence input[value='3']")
    page.keyboard.press("ArrowLeft")
    assert shown_id(page) == second  # not Back
    assert page.is_checked("#confidence input[value='2']")
    page.keyboard.press("Enter")
    third = wait_id_change(page, second)
    # The question about the label goes with the sentence it was about.
    page.keyboard.press("1")
    page.wait_for_selector("#status.ask")
    page.keyboard.press("s")
    fourth = wait_id_change(page, third)
    assert page.locator("#status.ask, #confidence.asking").count() == 0
    # Unsure and a rationale being written are kept across Back and Forward.
    page.keyboard.press("u")
    page.keyboard.press("r")
    page.keyboard.type("half a thought")
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{second}'")
    assert not page.is_checked("#unsure")
    assert page.is_checked("#confidence input[value='2']")  # the stored one, shown
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{fourth}'")
    assert page.is_checked("#unsure") and page.input_value("#rationale") == "half a thought"
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{second}'")
    # On the revisit a new label, then a click on the point already checked: saved with it.
    page.keyboard.press("3")
    page.wait_for_selector("#confidence.asking")
    page.click("#confidence input[value='2']")
    wait_id_change(page, second)
    wait_saved(page)
    stored = annotations(server, "alice")
    assert (stored[second].label, stored[second].confidence) == ("neutral_fact", 2)
    assert third not in stored and fourth not in stored


def test_multi_label_enter_on_other_controls_and_after_removal(server, page, login):
    """Enter on a focused Skip button skips (it does not save the labels chosen); removing the
    stored labels takes back the pressed buttons, so Enter has nothing to save."""
    ids = make_project(server, "multi2", SIX, task="multi")
    login(page, "alice", "/projects/multi2/annotate")
    pressed = lambda: page.locator(".label-button[aria-pressed=true]").count()
    page.keyboard.press("1")
    page.focus("#skip")
    page.keyboard.press("Enter")
    second = wait_id_change(page, ids[0])
    page.keyboard.press("2")
    page.click(".label-button[value=contested_framing]")  # chosen by the mouse, taken back
    page.click(".label-button[value=neutral_fact]")
    page.keyboard.press("Enter")  # the focus is on a label button: Enter still saves
    wait_id_change(page, second)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{second}'")
    assert pressed() == 1
    page.click("#unlabel")
    page.wait_for_selector("#unlabel", state="hidden")
    assert pressed() == 0
    page.keyboard.press("Enter")
    page.wait_for_selector("#status.error")
    assert shown_id(page) == second
    wait_saved(page)
    stored = annotations(server, "alice")
    assert ids[0] not in stored and second not in stored


def test_revisits_keep_the_stored_confidence_and_enter_keeps_a_point(server, page, login):
    """Back, Forward, Back again still shows the stored confidence; Enter on a focused point
    saves the label waiting for it with that point; a note about the unsure box does not
    follow the page to another sentence."""
    ids = make_project(server, "corners2", SIX, confidence=3, unsure=True)
    login(page, "alice", "/projects/corners2/annotate")
    page.keyboard.press("1")
    page.keyboard.press("3")
    second = wait_id_change(page, ids[0])
    for key, want in (("ArrowLeft", ids[0]), ("ArrowRight", second), ("ArrowLeft", ids[0])):
        page.keyboard.press(key)
        page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{want}'")
    assert page.is_checked("#confidence input[value='3']")
    assert "confidence 3 of 3" in page.inner_text("#revisit")
    page.keyboard.press("2")
    page.wait_for_selector("#confidence.asking")
    page.focus("#confidence input[value='3']")
    page.keyboard.press("Enter")
    wait_id_change(page, ids[0])
    page.keyboard.press("u")
    assert page.inner_text("#status").startswith("Marked unsure")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{ids[0]}'")
    assert page.inner_text("#status") == ""
    wait_saved(page)
    a = annotations(server, "alice")[ids[0]]
    assert (a.label, a.confidence) == ("contested_framing", 3)


def test_a_point_clicked_before_the_label_or_on_a_revisit_is_not_lost(server, page, login):
    """A point clicked on a fresh sentence says what comes next and goes with the label then
    chosen; on a revisit of a single label a click on another point saves it with that label."""
    ids = make_project(server, "corners3", SIX, confidence=3)
    login(page, "alice", "/projects/corners3/annotate")
    page.click("#confidence input[value='1']")
    assert page.inner_text("#status") == "Confidence 1. Now choose the label."
    page.keyboard.press("2")
    second = wait_id_change(page, ids[0])
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('sentence').dataset.id === '{ids[0]}'")
    page.click("#confidence input[value='3']")
    wait_id_change(page, ids[0])
    wait_saved(page)
    a = annotations(server, "alice")[ids[0]]
    assert (a.label, a.confidence) == ("contested_framing", 3)
    assert second not in annotations(server, "alice")


def test_the_article_view_marks_every_label_of_a_sentence(server, page, login):
    ids = make_project(server, "multi3", SIX, task="multi")
    login(page, "alice", "/projects/multi3/annotate")
    page.keyboard.press("1")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    wait_id_change(page, ids[0])
    page.keyboard.press("a")
    page.wait_for_selector("#annotate.article-view #article #sentence")
    chips = page.locator(f"#article .unit[data-id='{ids[0]}'] .own-chip")
    assert chips.all_inner_texts() == ["Attributed claim", "Neutral fact"]
    wait_saved(page)
    page.reload()  # now from the server's article data
    page.wait_for_selector("#annotate.article-view #article")
    page.wait_for_selector(f"#article .unit[data-id='{ids[0]}'] .own-chip")
    assert chips.all_inner_texts() == ["Attributed claim", "Neutral fact"]
