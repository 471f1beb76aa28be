"""The annotate page's article view (issue 17 item 1) in a real browser: the key A toggles the
focused and the article view and the page remembers it; the sentence is highlighted in place and
scrolled into view; paragraphs and headings are kept and boilerplate dimmed; your own labels are
marked in your label's colour; no sideways scroll at 390 px; key -> next works in both views."""
from __future__ import annotations

from annotator import projects
from annotator.labels import colours as label_colours
from e2e import (PASSWORD, axe_available, label_as, make_project, run_axe, shown_id, sign_in,
                 wait_id_change, wait_saved)

# Paragraphs split by blank lines and by a single line break, a heading and an advert (boilerplate).
TEXT = ("The vote\n\n"
        "Alpha one said the mayor. Alpha two follows here. Alpha three ends it.\n\n"
        "How the vote went\n\n"
        "Beta one opens the paragraph. Beta two is in the middle. Beta three closes.\n"
        "Gamma one is a new line. Gamma two shares the line.\n\n"
        "Advertisement\n\n"
        "Delta one comes after the advert. Delta two is the last sentence here.\n")

IN_BOX = """() => { const box = document.getElementById('article').getBoundingClientRect();
  const r = document.getElementById('sentence').getBoundingClientRect();
  return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }"""


def article_view(page) -> bool:
    return page.evaluate("() => document.getElementById('annotate').classList.contains('article-view')")


def toggle_to_article(page):
    page.keyboard.press("a")
    page.wait_for_selector("#annotate.article-view #article #sentence")


def test_the_key_toggles_the_views_and_the_choice_is_remembered(server, page, login):
    ids = make_project(server, "views", TEXT)
    login(page, "alice", "/projects/views/annotate")
    assert shown_id(page) == ids[0] and not article_view(page)
    assert page.is_visible("#before") or page.is_visible("#after")
    assert not page.is_visible("#article")
    assert page.get_attribute("#view-toggle", "aria-pressed") == "false"
    toggle_to_article(page)
    assert page.is_visible("#article") and not page.is_visible("#after")
    assert page.get_attribute("#view-toggle", "aria-pressed") == "true"
    assert page.evaluate("() => localStorage.getItem('annotator:view:alice')") == "article"
    # The choice survives a reload.
    page.reload()
    page.wait_for_selector("#annotate.article-view #article #sentence")
    # The button does the same as the key; back to the focused view.
    page.click("#view-toggle")
    page.wait_for_selector("#annotate:not(.article-view)")
    assert page.is_visible("#after") and not page.is_visible("#article")
    assert page.locator("#before + #sentence + #after").count() == 1, "the sentence is back in place"
    assert page.evaluate("() => localStorage.getItem('annotator:view:alice')") == "focused"
    # The key help lists the key.
    page.keyboard.press("?")
    assert "whole article" in page.inner_text("#help")


def test_key_to_next_in_both_views_and_the_article_is_fetched_once(server, page, login):
    ids = make_project(server, "views", TEXT)
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/articles/" in r.url else None)
    login(page, "alice", "/projects/views/annotate")
    page.keyboard.press("1")
    assert wait_id_change(page, ids[0]) == ids[1]
    toggle_to_article(page)
    for i, sid in enumerate(ids[1:-1], 1):
        page.keyboard.press("2")
        assert wait_id_change(page, sid) == ids[i + 1]
        assert page.locator("#article #sentence").count() == 1
        assert page.locator(f"#article .unit[data-id='{ids[i + 1]}']").count() == 0, \
            "the sentence stands in for its unit"
    wait_saved(page)
    assert len(requests) == 1, requests  # one article, fetched once
    page.keyboard.press("a")
    page.keyboard.press("3")
    page.wait_for_selector("h1:has-text('All done')")


def test_paragraphs_headings_and_boilerplate(server, page, login, shot):
    make_project(server, "views", TEXT)
    login(page, "alice", "/projects/views/annotate")
    toggle_to_article(page)
    assert page.inner_text("#article-title") == "The vote"  # the .txt file's first line
    assert page.locator("#article h2.art-heading").all_inner_texts() == ["How the vote went"]
    paras = page.locator("#article .art-paragraph")
    assert paras.count() == 4  # Alpha, Beta, Gamma (a new line), Delta
    assert paras.nth(1).inner_text().startswith("Beta one") and "Gamma" not in paras.nth(1).inner_text()
    assert page.locator("#article .art-boilerplate").all_inner_texts() == ["Advertisement"]
    # Dimmed: drawn in the muted colour, not the text colour.
    muted = page.evaluate("""() => [getComputedStyle(document.querySelector('#article .art-boilerplate')).color,
                                     getComputedStyle(document.querySelector('#article .art-paragraph')).color]""")
    assert muted[0] != muted[1]
    big = page.evaluate("""() => [parseFloat(getComputedStyle(document.querySelector('#article h2.art-heading')).fontSize),
                                   parseFloat(getComputedStyle(document.querySelector('#article .art-paragraph')).fontSize)]""")
    assert big[0] > big[1], "headings are larger than body text"
    shot(page, "annotate-article")
    if axe_available() is None:
        assert run_axe(page) == []  # the article box is a focusable region; chips keep contrast


def test_focused_view_in_paragraphs_shows_headings_and_the_sentences_paragraph(server, page, login):
    ids = make_project(server, "views", TEXT)
    with server.session() as s:
        project = projects.by_slug(s, "views")
        projects.set_settings(project, {"context_unit": "paragraphs", "context_size": 1})
        s.commit()
    # Beta two: its paragraph runs into it, the heading above, the Gamma line after.
    login(page, "alice", "/projects/views/annotate")
    for sid in ids[:4]:
        page.keyboard.press("1")
        wait_id_change(page, sid)
    assert "Beta two" in page.inner_text("#sentence")
    assert page.locator("#before h2.ctx-heading").all_inner_texts() == ["How the vote went"]
    assert page.locator("#before p.joins").inner_text() == "Beta one opens the paragraph."
    assert page.locator("#after p.joins").inner_text() == "Beta three closes."
    assert page.locator("#after p").last.inner_text() == "Gamma one is a new line. Gamma two shares the line."
    # The evidence tools sit below the text, never between the sentence and what follows it.
    order = page.evaluate("""() => { const a = document.getElementById('after'), e = document.querySelector('.evidence');
      return !!(a.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    assert order


def test_highlight_scrolled_into_view_and_own_labels_marked(server, page, login):
    # Colours the labels name themselves (the page colours by labels.colours, the one rule).
    with server.session() as s:
        project = projects.by_slug(s, "demo")
        projects.set_labels(s, project, [{**label, "colour": 9 - i} for i, label in enumerate(project.labels)])
        s.commit()
        colours = label_colours(project.labels)
    assert set(colours.values()) == {9, 8, 7}
    login(page, "alice", "/projects/demo/annotate")  # the demo article is long
    for label, n in colours.items():
        assert f"label-{n}" in page.get_attribute(f".label-button[value={label}]", "class")
    first = shown_id(page)
    toggle_to_article(page)
    assert page.evaluate(IN_BOX)
    labelled = {}
    keys = {"1": "attributed_claim", "2": "contested_framing", "3": "neutral_fact"}
    current = first
    for i in range(14):
        key = "123"[i % 3]
        page.keyboard.press(key)
        labelled[current] = keys[key]
        current = wait_id_change(page, current)
        assert page.evaluate(IN_BOX), f"sentence {current} is scrolled into view"
    assert page.evaluate("() => document.getElementById('article').scrollTop") > 0
    # Highlighted: the sentence stands out from the text around it.
    assert page.evaluate("""() => getComputedStyle(document.getElementById('sentence')).boxShadow""") != "none"
    wait_saved(page)
    for sid, label in labelled.items():
        chip = page.locator(f"#article .unit[data-id='{sid}'] .own-chip")
        assert chip.count() == 1
        assert f"chip-{colours[label]}" in chip.get_attribute("class")
    # After a reload the marks come from the server (the outbox is empty).
    page.reload()
    page.wait_for_selector("#annotate.article-view #article #sentence")
    assert page.locator("#article .own-chip").count() == len(labelled)
    # Another annotator's labels are not marked.
    label_as(server, "bob", {current: "neutral_fact"})
    page.reload()
    page.wait_for_selector("#annotate.article-view #article #sentence")
    assert page.locator("#article .own-chip").count() == len(labelled)


def test_no_sideways_scroll_at_390px_in_the_article_view(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "alice", PASSWORD, "/projects/demo/annotate")
        page.click("#view-toggle")  # a touch screen has no A key
        page.wait_for_selector("#annotate.article-view #article #sentence")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert page.evaluate("() => { const a = document.getElementById('article'); return a.scrollWidth <= a.clientWidth; }")
        first = shown_id(page)
        page.locator(".label-button").first.tap()
        wait_id_change(page, first)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        ctx.close()
