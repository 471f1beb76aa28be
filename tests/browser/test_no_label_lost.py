"""Issue 9 item 3 and issue 8 item 5: the next sentence shows at once, writes go through an
outbox in localStorage with a visible retry, and no label is lost when the network drops, the
server fails, the page is closed, or the session expires (labels typed while signed out are
sent after signing in again)."""
from __future__ import annotations

from e2e import PASSWORD, annotations, outbox, shown_id, sign_in, wait_id_change, wait_saved

API = "**/api/v1/**"


def ready(page):
    """Signed in on the annotate page with the next sentences prefetched."""
    page.wait_for_load_state("networkidle")
    return shown_id(page)


def label_three(page, first):
    ids = [first]
    for key in "123":
        page.keyboard.press(key)
        # shown from the prefetched queue, without the server
        ids.append(wait_id_change(page, ids[-1]))
    return ids


def test_network_drop_keeps_labels_and_sends_them_later(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    page.route(API, lambda route: route.abort("internetdisconnected"))
    ids = label_three(page, first)
    page.wait_for_selector("#status.offline")
    assert "3 unsaved change(s) kept in this browser" in page.inner_text("#status")
    assert page.is_visible("#retry")
    assert [item["id"] for item in outbox(page, "alice")] == ids[:3]
    assert annotations(server, "alice") == {}
    page.unroute(API)
    page.click("#retry")  # the visible retry; it also retries by itself
    wait_saved(page, timeout=5000)
    stored = annotations(server, "alice")
    assert {sid: a.label for sid, a in stored.items()} == {
        ids[0]: "attributed_claim", ids[1]: "contested_framing", ids[2]: "neutral_fact"}
    page.wait_for_selector("#status:has-text('All labels saved.')")
    assert not page.is_visible("#retry")
    assert outbox(page, "alice") == []
    # and labelling goes on
    page.keyboard.press("3")
    wait_id_change(page, ids[3])
    wait_saved(page)
    assert annotations(server, "alice")[ids[3]].label == "neutral_fact"


def test_server_errors_are_retried_by_themselves(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    failures = []

    def flaky(route):
        if route.request.method == "PUT" and len(failures) < 2:
            failures.append(route.request.url)
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "busy"}})
        else:
            route.continue_()

    page.route("**/api/v1/sentences/*/annotation", flaky)
    page.keyboard.press("1")
    wait_id_change(page, first)
    page.wait_for_selector("#status.pending")
    assert "error 503" in page.inner_text("#status") and "Retrying in" in page.inner_text("#status")
    wait_saved(page, timeout=15000)
    assert len(failures) == 2
    assert annotations(server, "alice")[first].label == "attributed_claim"


def test_outbox_survives_closing_the_page(server, context, login):
    page = context.new_page()
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    # the page's own route (as above): it goes with the page, and the next page is online
    page.route(API, lambda route: route.abort("internetdisconnected"))
    ids = label_three(page, first)
    page.close()
    assert annotations(server, "alice") == {}
    again = context.new_page()
    again.goto(server.url + "/projects/demo/annotate")
    wait_saved(again)
    stored = annotations(server, "alice")
    assert set(stored) == set(ids[:3])
    # the page does not show a sentence that waited in the outbox: it goes on after them
    # (the server may render one of them first; the page then moves on once they are stored)
    again.wait_for_function(
        "ids => !ids.includes(Number(document.getElementById('sentence').dataset.id))",
        arg=list(ids[:3]), timeout=15000)
    assert shown_id(again) not in ids[:3]


def test_session_expiry_keeps_labels_until_signed_in_again(server, context, page, login):
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    context.clear_cookies()  # the session is gone (expired, or signed out elsewhere)
    page.keyboard.press("1")
    second = wait_id_change(page, first)
    notice = page.wait_for_selector("#status.error")
    assert "session has expired" in notice.inner_text()
    page.keyboard.press("2")  # typed while signed out: kept
    wait_id_change(page, second)
    assert [item["id"] for item in outbox(page, "alice")] == [first, second]
    assert annotations(server, "alice") == {}
    page.click("#status a:has-text('sign in again')")
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url("**/projects/demo/annotate")
    wait_saved(page)
    stored = annotations(server, "alice")
    assert {sid: a.label for sid, a in stored.items()} == {
        first: "attributed_claim", second: "contested_framing"}
    page.wait_for_function("() => document.getElementById('sentence').dataset.id")
    assert shown_id(page) not in (first, second)


def _label_after_the_session_ended(context, page, login) -> int:
    """alice's session ends (cookies gone); she labels the sentence shown with 3, which the
    page keeps and reports as not saved. Returns that sentence's id."""
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    context.clear_cookies()
    page.keyboard.press("3")
    wait_id_change(page, first)
    page.wait_for_selector("#status.error")
    return first


def test_signing_in_in_another_tab_sends_the_kept_labels(server, context, page, login):
    first = _label_after_the_session_ended(context, page, login)
    other = context.new_page()
    sign_in(other, server.url, "alice")
    page.bring_to_front()
    # the page notices the new session (on focus, or within a few seconds), takes its new
    # CSRF token and sends what it kept
    wait_saved(page, timeout=15000)
    assert annotations(server, "alice")[first].label == "neutral_fact"
    page.wait_for_selector("#status:has-text('All labels saved.')")


def test_someone_else_signing_in_does_not_get_the_labels(server, context, page, login):
    _label_after_the_session_ended(context, page, login)
    other = context.new_page()
    sign_in(other, server.url, "bob")
    page.bring_to_front()
    page.wait_for_selector("#status:has-text('signed in as bob')", timeout=15000)
    assert annotations(server) == {}
    assert len(outbox(page, "alice")) == 1


def test_a_new_session_made_elsewhere_only_renews_the_csrf_token(server, context, page, login):
    login(page, "alice", "/projects/demo/annotate")
    first = ready(page)
    context.clear_cookies()  # the session expired, and before this page noticed ...
    other = context.new_page()
    sign_in(other, server.url, "alice")  # ... alice signed in again: the page's token is stale
    rejected = []
    page.on("response", lambda r: rejected.append(r.url) if r.status == 400 else None)
    page.bring_to_front()
    page.keyboard.press("2")
    wait_id_change(page, first)
    wait_saved(page)
    assert annotations(server, "alice")[first].label == "contested_framing"
    assert len(rejected) == 1  # the write with the old token, sent again with a fresh one
    assert "expired" not in page.inner_text("#status")
