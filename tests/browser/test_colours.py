"""Label colours (issue 17, item 7): nine labels get nine colours, the same colour for a label on
the annotate page, the review charts and the adjudication queue, and axe-core finds no contrast
problem with them in the light or the dark theme."""
from __future__ import annotations

import pytest

from annotator import ingest, projects
from annotator.articles import add_articles
from e2e import (PASSWORD, VIEWPORT, axe_available, body_sentences, label_as, run_axe, shown_id,
                 sign_in)

NINE = [{"id": f"kind_{i}", "name": name, "key": str(i), "description": f"The sentence is {name.lower()}."}
        for i, name in enumerate(["Quote", "Paraphrase", "Loaded term", "Neutral fact", "Opinion",
                                  "Speculation", "Question", "Call to action", "Other"], 1)]
TEXT = "Nine kinds\n\n" + "\n\n".join(
    f"Paragraph {i}: the council met on day {i} and the mayor spoke about the bridge." for i in range(1, 22)) + "\n"


def nine_project(server) -> list[int]:
    """Project `nine` with nine labels; alice and carol give sentence i label i mod 9, bob the
    next one, so every label is in the charts and in the disagreement queue."""
    with server.session() as s:
        project = projects.create_project(s, "nine", "Nine labels", labels=NINE)
        s.commit()
        add_articles(s, project, ingest.parse_file("nine.txt", TEXT.encode()), "nine.txt")
    ids = [sid for sid, _, _ in body_sentences(server, "nine")]
    assert len(ids) >= 20
    work = ids[2:20]  # the first two stay open for the annotate page
    for name, shift in (("alice", 0), ("carol", 0), ("bob", 1)):
        label_as(server, name, {sid: NINE[(i + shift) % 9]["id"] for i, sid in enumerate(work)},
                 slug="nine")
    return ids


COLOURS = {
    "annotate": """() => Array.from(document.querySelectorAll('#label-form .label-button')).map((b) =>
        getComputedStyle(b).borderLeftColor)""",
    "disagreements": """() => { const seen = {};
        for (const c of document.querySelectorAll('.chip')) seen[c.textContent.trim()] = getComputedStyle(c).borderTopColor;
        return seen; }""",
    "review": """() => { const seen = {};
        for (const r of document.querySelectorAll('#distribution rect.seg')) {
          const k = r.getAttribute('class').match(/seg-(\\d+)/)[1]; seen[k] = getComputedStyle(r).fill; }
        return seen; }""",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nine_labels_nine_colours_the_same_everywhere(browser, server, scheme):
    nine_project(server)
    ctx = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "admin", PASSWORD, "/projects/nine/annotate")
        buttons = page.evaluate(COLOURS["annotate"])
        assert len(buttons) == 9 and len(set(buttons)) == 9, buttons
        page.goto(server.url + "/projects/nine/review")
        bars = page.evaluate(COLOURS["review"])
        assert [bars[str(i)] for i in range(1, 10)] == buttons
        page.goto(server.url + "/projects/nine/disagreements")
        chips = page.evaluate(COLOURS["disagreements"])
        assert len(chips) >= 9
        assert {name: colour for name, colour in chips.items()} == \
            {label["name"]: buttons[i] for i, label in enumerate(NINE) if label["name"] in chips}
        # the theme's own palette: the two themes differ
        page.emulate_media(color_scheme="dark" if scheme == "light" else "light")
        assert page.evaluate(COLOURS["disagreements"]) != chips
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_passes_the_label_colours_in_both_themes(browser, server, scheme):
    why = axe_available()
    if why:
        pytest.skip(why)
    ids = nine_project(server)
    found = {}
    for where, options in (("desktop", {"viewport": VIEWPORT}),
                           ("phone", {"viewport": {"width": 390, "height": 844}, "has_touch": True,
                                      "is_mobile": True})):
        ctx = browser.new_context(color_scheme=scheme, **options)
        try:
            page = ctx.new_page()
            sign_in(page, server.url, "alice" if where == "desktop" else "bob", PASSWORD,
                    "/projects/nine/annotate")
            assert shown_id(page) in ids[:2] or where == "phone"
            found[f"{where} annotate, nine labels"] = run_axe(page)
            if where == "desktop":
                # each label chosen in turn: its button pressed, the label's colour behind the
                # name and description (axe leaves the one-letter key badge unchecked)
                for i, sid in enumerate(ids[2:11]):
                    page.goto(server.url + f"/projects/nine/annotate?sentence={sid}")
                    pressed = page.locator(".label-button[aria-pressed=true]")
                    assert pressed.get_attribute("value") == NINE[i]["id"]
                    found[f"annotate, label {i + 1} pressed"] = run_axe(page)
            ctx.clear_cookies()
            sign_in(page, server.url, "reviewer", PASSWORD, "/projects/nine/review")
            found[f"{where} review dashboard"] = run_axe(page)
            page.goto(server.url + "/projects/demo/review")
            found[f"{where} review dashboard, demo"] = run_axe(page)
            page.goto(server.url + "/projects/nine/disagreements")
            found[f"{where} disagreements"] = run_axe(page)
        finally:
            ctx.close()
    assert len(found) == 8 + 9
    assert {what: v for what, v in found.items() if v} == {}
