"""The interface in Arabic in a real browser (issue 22 item 5): the choice on /me, the page
drawn right to left, and the annotate page's script speaking the language of the page."""
from __future__ import annotations

from e2e import shown_id, wait_id_change, wait_saved


def test_arabic_choice_turns_the_annotate_page_and_its_script_arabic(server, page, login):
    login(page, "bob", "/me")
    page.select_option("#locale", "ar")
    page.locator(".language-form button[type=submit]").click()
    page.wait_for_url(server.url + "/me")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("h1").inner_text() == "عملك"
    assert "حُفظت لغة الواجهة." in page.locator(".flashes").inner_text()

    page.goto(server.url + "/projects/demo/annotate")
    first = shown_id(page)
    assert page.locator("#skip").inner_text().split() == ["S", "تخطَّ"]
    # The script's own messages, drawn by annotate.js without a reload: label, go Back ...
    page.keyboard.press("1")
    wait_id_change(page, first)
    wait_saved(page)
    page.keyboard.press("Backspace")
    page.wait_for_function(f"() => document.querySelector('#sentence').dataset.id == '{first}'")
    note = page.locator("#revisit")
    assert note.is_visible()
    text = note.inner_text()
    assert text.startswith("وسمتَ هذه:") and "للتقدم" in text
    assert note.locator("kbd").all_inner_texts()[-2:] == ["S", "→"]  # the keys stay keys
    # ... and skip it there, which takes the label away.
    page.keyboard.press("s")
    wait_id_change(page, first)
    assert page.locator("#status").inner_text() == "تُخطّيت: تعود الجملة في آخر قائمتك، دون وسمك."
    # The browser asks for English (Chromium's en-US): the user's choice wins.
    assert page.evaluate("() => navigator.language").startswith("en")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"


def test_right_to_left_pages_are_no_wider_than_the_window(server, page, login):
    """In Arabic the page runs right to left, so anything hidden off to the left (the skip
    link once was) makes it scroll sideways: every page stays as wide as the window."""
    login(page, "bob", "/me")
    page.select_option("#locale", "ar")
    page.locator(".language-form button[type=submit]").click()
    page.wait_for_url(server.url + "/me")
    for path in ("/", "/me", "/projects/demo/annotate", "/projects/demo/guidelines"):
        page.goto(server.url + path)
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], (path, wide)
    # The skip link still appears where the line begins (the right) when tabbed to.
    page.keyboard.press("Tab")
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["x"] + box["width"] > page.viewport_size["width"] / 2
