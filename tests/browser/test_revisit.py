"""Revisiting on the annotate page: Back and Forward (keys, buttons, the browser's own), the
revisit notice, changing, removing and skipping a label, the URL at each step, reloads."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from annotator.models import AnnotationHistory, Skip
from e2e import (PASSWORD, VIEWPORT, annotations, axe_available, run_axe, shown_id, sign_in,
                 wait_id_change, wait_saved)


def stored(page, server, sid: int) -> str | None:
    """The signed-in user's label of a sentence, as the API gives it (None: no label)."""
    resp = page.request.get(f"{server.url}/api/v1/sentences/{sid}/annotation")
    assert resp.status in (200, 404), resp.text()
    return resp.json()["label"] if resp.status == 200 else None


def pressed(page) -> list[str]:
    return [b.get_attribute("value") for b in page.locator(".label-button[aria-pressed=true]").all()]


def notice(page) -> str | None:
    el = page.locator("#revisit")
    return el.inner_text() if el.is_visible() else None


def history(server, sid: int) -> list[str]:
    with server.session() as s:
        return s.scalars(select(AnnotationHistory.action).where(
            AnnotationHistory.sentence_id == sid).order_by(AnnotationHistory.id)).all()


def test_back_forward_change_remove_and_skip_by_keyboard(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    front = server.url + "/projects/demo/annotate"
    at = lambda sid: f"{front}?sentence={sid}"  # noqa: E731
    a = shown_id(page)
    page.keyboard.press("1")
    b = wait_id_change(page, a)
    page.keyboard.press("2")
    c = wait_id_change(page, b)
    page.keyboard.press("3")
    d = wait_id_change(page, c)
    assert page.url == front and notice(page) is None
    assert page.locator("#forward").is_hidden() and page.locator("#unlabel").is_hidden()

    # Back twice: the notice says what I gave, the button shows it, the URL names the sentence.
    page.keyboard.press("Backspace")
    assert wait_id_change(page, d) == c and page.url == at(c)
    assert notice(page).startswith("You labelled this: Neutral fact") and pressed(page) == ["neutral_fact"]
    page.keyboard.press("ArrowLeft")
    assert wait_id_change(page, c) == b and page.url == at(b)
    assert "Contested framing" in notice(page) and pressed(page) == ["contested_framing"]
    assert page.locator("#unlabel").is_visible() and page.locator("#forward").is_visible()

    # Forward (key), then change a label: on to where I was, the clean URL at the frontier.
    page.keyboard.press("ArrowRight")
    assert wait_id_change(page, b) == c and page.url == at(c)
    page.keyboard.press("1")
    assert wait_id_change(page, c) == d and page.url == front and notice(page) is None
    wait_saved(page)
    assert stored(page, server, c) == "attributed_claim"
    assert history(server, c) == ["create", "update"]

    # Back (button) to b and remove its label (key U): it stays shown, unlabelled.
    page.click("#back")
    assert wait_id_change(page, d) == c
    page.click("#back")
    assert wait_id_change(page, c) == b and page.url == at(b)
    page.keyboard.press("u")
    page.wait_for_selector("#unlabel", state="hidden")
    assert shown_id(page) == b and page.url == at(b) and pressed(page) == []
    assert "not labelled" in notice(page)
    wait_saved(page)
    assert stored(page, server, b) is None and history(server, b) == ["create", "delete"]

    # Forward (button) to c, then skip it: its label goes, it waits at the end of my queue.
    page.click("#forward")
    assert wait_id_change(page, b) == c and page.url == at(c)
    page.keyboard.press("s")
    assert wait_id_change(page, c) == d and page.url == front
    wait_saved(page)
    assert stored(page, server, c) is None and history(server, c) == ["create", "update", "delete"]
    with server.session() as s:
        assert s.scalars(select(Skip.sentence_id)).all() == [c]

    # A reload mid-revisit stays on the sentence, as the server renders it.
    page.keyboard.press("Backspace")
    assert wait_id_change(page, d) == b and page.url == at(b)
    page.reload()
    assert shown_id(page) == b and page.url == at(b) and "not labelled" in notice(page)
    page.keyboard.press("Backspace")  # the server's chain: the label before b's place
    assert wait_id_change(page, b) == a and page.url == at(a)
    assert "Attributed claim" in notice(page)
    page.keyboard.press("ArrowRight")  # back to b (the tab's own trail), unlabelled
    assert wait_id_change(page, a) == b
    page.keyboard.press("2")  # a label for b; forward goes to the frontier
    assert wait_id_change(page, b) == d and page.url == front and notice(page) is None
    wait_saved(page)
    mine = {sid: x.label for sid, x in annotations(server, "alice").items()}
    assert mine == {a: "attributed_claim", b: "contested_framing"}
    assert history(server, b) == ["create", "delete", "create"]


def test_the_browser_back_button_walks_what_was_shown(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    front = server.url + "/projects/demo/annotate"
    a = shown_id(page)
    page.keyboard.press("1")
    b = wait_id_change(page, a)
    page.keyboard.press("2")
    c = wait_id_change(page, b)
    page.keyboard.press("Backspace")
    wait_id_change(page, c)
    page.keyboard.press("Backspace")
    assert wait_id_change(page, b) == a
    page.go_back()  # undoes the last Back
    assert wait_id_change(page, a) == b and page.url == f"{front}?sentence={b}"
    page.go_back()
    assert wait_id_change(page, b) == c and page.url == front and notice(page) is None
    page.go_forward()
    assert wait_id_change(page, c) == b and "Contested framing" in notice(page)
    # A URL the tab holds nothing for is rendered by the server.
    page.go_forward()
    assert wait_id_change(page, b) == a and pressed(page) == ["attributed_claim"]


def test_a_label_changed_at_once_while_revisiting_ends_with_the_last_choice(server, page, login):
    # Every write takes a while, so the changes below overtake the ones still in flight.
    def slow(route):
        time.sleep(0.3)
        route.continue_()

    page.route("**/api/v1/sentences/*/annotation", slow)
    login(page, "alice", "/projects/demo/annotate")
    a = shown_id(page)
    page.keyboard.press("1")
    b = wait_id_change(page, a)
    page.keyboard.press("Backspace")
    wait_id_change(page, b)
    page.keyboard.press("2")
    wait_id_change(page, a)
    page.keyboard.press("Backspace")
    wait_id_change(page, b)
    page.keyboard.press("u")
    page.keyboard.press("3")
    wait_id_change(page, a)
    page.keyboard.press("Backspace")
    wait_id_change(page, b)
    assert pressed(page) == ["neutral_fact"]  # what I chose last, not what the server had
    wait_saved(page)
    assert stored(page, server, a) == "neutral_fact"
    page.unroute("**/api/v1/sentences/*/annotation")


def test_a_reload_shows_a_change_the_server_does_not_have_yet(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    a = shown_id(page)
    page.keyboard.press("1")
    b = wait_id_change(page, a)
    wait_saved(page)
    # The server refuses writes for a while: the change waits in the outbox.
    page.route("**/api/v1/sentences/*/annotation",
               lambda route: route.fulfill(status=503, body="{}", content_type="application/json"))
    page.keyboard.press("Backspace")
    wait_id_change(page, b)
    page.keyboard.press("3")
    wait_id_change(page, a)
    page.keyboard.press("Backspace")
    wait_id_change(page, b)
    page.reload()
    assert shown_id(page) == a and pressed(page) == ["neutral_fact"]
    assert "Neutral fact" in notice(page)
    assert stored(page, server, a) == "attributed_claim"  # not stored yet
    page.unroute("**/api/v1/sentences/*/annotation")
    wait_saved(page, timeout=30000)  # retried by itself
    assert stored(page, server, a) == "neutral_fact"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_revisit_controls_pass_axe(browser, server, scheme):
    why = axe_available()
    if why:
        pytest.skip(why)
    ctx = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "alice", PASSWORD, "/projects/demo/annotate")
        a = shown_id(page)
        page.keyboard.press("2")
        wait_id_change(page, a)
        page.keyboard.press("Backspace")
        page.wait_for_selector("#revisit", state="visible")
        assert run_axe(page) == []
        page.keyboard.press("u")
        page.wait_for_selector("#unlabel", state="hidden")
        assert run_axe(page) == []
    finally:
        ctx.close()
