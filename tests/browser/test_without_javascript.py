"""The annotate page without JavaScript: a plain form that still labels, keeps stored spans on
a relabel, and explains when a project requires spans (which need JavaScript to mark)."""
from __future__ import annotations

import pytest

from e2e import (PASSWORD, SMALL, VIEWPORT, annotations, body_sentences, label_as, make_project,
                 sign_in)


@pytest.fixture
def nojs(browser):
    ctx = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    yield ctx.new_page()
    ctx.close()


def sid_of(page):
    return int(page.get_attribute("#sentence-id", "value"))


def test_labelling_without_javascript(server, nojs):
    page = nojs
    sign_in(page, server.url, "alice", PASSWORD, "/projects/demo/annotate")
    first = sid_of(page)
    assert not page.is_visible("#span-tools")
    # no control that only a script can work: the key help dialog needs one (guidelines stay)
    assert not page.is_visible("#help-button") and page.is_visible("a:has-text('Guidelines')")
    page.fill("#comment", "plain form")
    page.click(".label-button[value=neutral_fact]")
    page.wait_for_load_state()
    assert sid_of(page) != first
    stored = annotations(server, "alice")[first]
    assert stored.label == "neutral_fact" and stored.comment == "plain form"
    page.click("#skip")
    page.wait_for_load_state()
    page.click("#back")  # the server's Back: the last label
    page.wait_for_load_state()
    assert sid_of(page) == first
    assert page.get_attribute(".label-button[value=neutral_fact]", "aria-pressed") == "true"


def test_a_relabel_without_javascript_keeps_the_stored_spans(server, nojs):
    sid, _, text = body_sentences(server)[0]
    start = text.index("Velorian army units")
    label_as(server, "alice", {sid: "attributed_claim"}, spans={
        sid: [{"start": start, "end": start + len("Velorian army units"), "label": "source"}]})
    page = nojs
    sign_in(page, server.url, "alice", PASSWORD, f"/projects/demo/annotate?sentence={sid}")
    assert page.inner_text("#span-list") == "source “Velorian army units”"
    page.click(".label-button[value=contested_framing]")
    page.wait_for_load_state()
    ann = annotations(server, "alice")[sid]
    assert ann.label == "contested_framing"
    assert [(s["label"], s["text"]) for s in ann.spans] == [("source", "Velorian army units")]


def test_required_spans_without_javascript_say_why(server, nojs):
    ids = make_project(server, "req", SMALL, spans={"attributed_claim": "required"})
    page = nojs
    sign_in(page, server.url, "alice", PASSWORD, "/projects/req/annotate")
    page.click(".label-button[value=attributed_claim]")
    page.wait_for_load_state()
    assert "needs JavaScript" in page.inner_text(".flash.error")
    assert sid_of(page) == ids[0]
    assert annotations(server, "alice") == {}
    page.click(".label-button[value=neutral_fact]")
    page.wait_for_load_state()
    assert annotations(server, "alice")[ids[0]].label == "neutral_fact"


def test_task_shapes_without_javascript(server, nojs):
    """A multi-label project without JavaScript: the label buttons give way to the boxes and
    Save; Enter in the comment presses Save (never a label); a mistake shows the sentence
    again with what was ticked and written, and says why."""
    from e2e import SIX_SENTENCES

    ids = make_project(server, "nojs-multi", SIX_SENTENCES, task="multi", confidence=3,
                       rationale={"contested_framing": "required"})
    page = nojs
    sign_in(page, server.url, "alice", PASSWORD, "/projects/nojs-multi/annotate")
    assert not page.is_visible(".label-button") and page.is_visible("#save-labels")
    page.check("input[name=labels][value=contested_framing]")
    page.check("input[name=confidence][value='2']")
    page.fill("#comment", "loaded word")
    page.press("#comment", "Enter")  # the form's default button: Save, and no rationale
    page.wait_for_load_state()
    assert sid_of(page) == ids[0]
    assert "Not saved: “Contested framing” needs a rationale" in page.inner_text(".flashes")
    assert page.is_checked("input[name=labels][value=contested_framing]")
    assert page.is_checked("input[name=confidence][value='2']")
    assert page.input_value("#comment") == "loaded word"
    page.fill("#rationale", "the outlet's own word")
    page.click("#save-labels")
    page.wait_for_load_state()
    assert sid_of(page) != ids[0]
    a = annotations(server, "alice")[ids[0]]
    assert (a.labels, a.confidence, a.rationale, a.comment) == (
        ["contested_framing"], 2, "the outlet's own word", "loaded word")
