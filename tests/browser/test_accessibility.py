"""Accessibility: axe-core on every main page (light and dark), keyboard reach with a visible
focus, landmarks, 200% zoom, and the annotate page's essentials inside a 1280x720 screen."""
from __future__ import annotations

import pytest

from e2e import (PASSWORD, VIEWPORT, axe_available, label_as, make_project, run_axe, seed_labels,
                 shown_id, sign_in, wait_id_change)

LONG = ("A very long headline about the long sentence\n\n"
        "Officials in Sardena said on Tuesday that the army would keep its positions. "
        "The deputy defence minister, speaking to reporters outside the parliament building in "
        "Sardena after a closed session of the security committee that lasted more than four hours, "
        "said that the troops who entered Brenica last week would stay in the town and in the "
        "surrounding villages of the Ostrel Valley for as long as the government considered it "
        "necessary to protect the civilians who had returned, and that no withdrawal was planned "
        "before the spring. Karsk said the deployment was an act of aggression. "
        "The talks were postponed again.\n")

# (user, path, what) for every main page; None is signed out.
PAGES = [
    (None, "/login", "sign-in"),
    ("alice", "/", "projects"),
    ("alice", "/projects/demo/annotate", "annotate"),
    ("alice", "/projects/tiny/annotate", "done"),
    ("alice", "/projects/shaped/annotate", "annotate with a task shape"),
    ("alice", "/projects/demo/guidelines", "guidelines"),
    ("alice", "/account/tokens", "API tokens"),
    ("alice", "/admin/", "403 error page"),
    ("admin", "/admin/", "admin"),
    ("admin", "/admin/projects/demo", "admin project"),
    ("admin", "/admin/articles/2", "admin article"),
    ("admin", "/admin/projects/demo/edit", "project settings"),
    ("admin", "/admin/projects/demo/progress", "progress"),
    ("admin", "/admin/users", "users"),
    ("admin", "/admin/invites", "invites"),
    ("reviewer", "/projects/demo/review", "review dashboard"),
    ("reviewer", "/projects/demo/disagreements", "disagreements"),
]


def tiny_done(server):
    ids = make_project(server, "tiny", "Tiny\n\nOne sentence only.\n")
    label_as(server, "alice", {ids[0]: "neutral_fact"}, slug="tiny")
    # and a project with every task shape: several labels, confidence, unsure, rationale
    make_project(server, "shaped", "Shaped\n\nThe ministry said the road was closed.\n", task="multi",
                 confidence=5, unsure=True, rationale={"contested_framing": "required"})


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_any_page(browser, server, scheme):
    why = axe_available()
    if why:
        pytest.skip(why)
    seed_labels(server)
    tiny_done(server)
    found = {}
    for user in (None, "alice", "admin", "reviewer"):
        ctx = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
        page = ctx.new_page()
        if user:
            sign_in(page, server.url, user, PASSWORD)
        for who, path, what in PAGES:
            if who != user:
                continue
            page.goto(server.url + path)
            found[what] = run_axe(page)
            if what == "annotate":
                # the interactive states too: words selected, spans marked, the help open
                page.keyboard.press("Shift+ArrowRight")
                page.keyboard.press("Shift+ArrowRight")
                found["annotate, words selected"] = run_axe(page)
                page.keyboard.press("q")
                page.keyboard.press("ArrowRight")
                page.keyboard.press("f")
                found["annotate with spans"] = run_axe(page)
                page.keyboard.press("?")
                found["help overlay"] = run_axe(page)
        ctx.close()
    assert len(found) == len(PAGES) + 3
    assert {what: v for what, v in found.items() if v} == {}


FOCUSABLE = """() => {
  const els = Array.from(document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])'));
  const shown = els.filter((el) => el.getClientRects().length && !el.closest('dialog:not([open])')
    && getComputedStyle(el).visibility !== 'hidden');
  shown.forEach((el, i) => el.dataset.kb = String(i));
  return shown.map((el) => el.tagName + ' ' + (el.id || el.textContent.trim().slice(0, 30)));
}"""

ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  return {kb: el.dataset.kb ?? null, name: el.tagName + ' ' + (el.id || el.textContent.trim().slice(0, 30)),
          visible: outline || cs.boxShadow !== 'none'};
}"""


def tab_through(page, limit=150):
    """Tab through the page: every focusable control is reached, each with a visible focus."""
    wanted = page.evaluate(FOCUSABLE)
    reached, invisible = set(), []
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(ACTIVE)
        if info is None:
            continue
        if not info["visible"]:
            invisible.append(info["name"])
        if info["kb"] is not None:
            if int(info["kb"]) in reached and len(reached) == len(wanted):
                break
            reached.add(int(info["kb"]))
    missed = [wanted[i] for i in range(len(wanted)) if i not in reached]
    assert not missed, f"not reachable by Tab: {missed}"
    assert not invisible, f"no visible focus on: {sorted(set(invisible))}"
    return wanted


def test_every_control_is_reachable_and_operable_by_keyboard(server, page, login):
    seed_labels(server, 6)
    login(page, "alice", "/projects/demo/annotate")
    first = shown_id(page)
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("f")  # a span chip with its voice and remove buttons
    controls = tab_through(page)
    assert any("Framing term" in c for c in controls) and any("×" in c for c in controls)
    # operable: the chip's remove button with Enter, a label button with Space
    page.focus("#span-list .chip-x")
    page.keyboard.press("Enter")
    assert page.locator("#span-list li").count() == 0
    page.focus(".label-button[value=neutral_fact]")
    page.keyboard.press("Space")
    wait_id_change(page, first)
    # the help dialog: the Keys button opens it with the focus inside, Esc closes it
    page.focus("#help-button")
    page.keyboard.press("Enter")
    page.locator("#help").wait_for(state="visible")
    assert page.evaluate("() => !!document.activeElement.closest('#help')")
    page.keyboard.press("Escape")
    page.locator("#help").wait_for(state="hidden")
    for path in ["/", "/projects/demo/guidelines", "/account/tokens"]:
        page.goto(server.url + path)
        tab_through(page)


def test_review_and_admin_pages_by_keyboard(server, page, login, context):
    seed_labels(server, 12)
    login(page, "reviewer")
    for path in ["/projects/demo/review", "/projects/demo/disagreements"]:
        page.goto(server.url + path)
        tab_through(page, limit=300)
    context.clear_cookies()
    login(page, "admin")
    for path in ["/admin/", "/admin/projects/demo", "/admin/articles/1", "/admin/users"]:
        page.goto(server.url + path)
        tab_through(page, limit=400)


def test_landmarks_and_names(server, page, login):
    login(page, "alice", "/projects/demo/annotate")
    assert page.get_by_role("banner").count() == 1
    assert page.get_by_role("navigation", name="Main").count() == 1
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("group", name="Label this sentence").count() == 1
    for name in ["Attributed claim", "Contested framing", "Neutral fact", "Skip", "Source", "Cue",
                 "Content", "Framing term", "Keys"]:
        assert page.get_by_role("button", name=name).count() >= 1, name
    assert page.get_by_role("status").count() >= 1
    # the skip link leads to the content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.evaluate("() => getComputedStyle(document.activeElement).left") != "-999px"


def test_sentence_and_labels_fit_a_1280x720_screen_even_for_a_long_sentence(server, page, login):
    ids = make_project(server, "long", LONG)
    login(page, "alice", "/projects/long/annotate")
    page.keyboard.press("1")
    assert wait_id_change(page, ids[0]) == ids[1]
    assert len(page.inner_text("#sentence")) > 400
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("q")  # with a span chip shown
    assert page.evaluate("() => window.scrollY") == 0
    for loc in [page.locator("#sentence")] + page.locator(".label-button").all():
        box = loc.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box


@pytest.mark.parametrize("path,user", [
    ("/login", None), ("/", "alice"), ("/projects/demo/annotate", "alice"),
    ("/projects/demo/disagreements", "reviewer"), ("/projects/demo/review", "reviewer"),
    ("/admin/projects/demo", "admin")])
def test_usable_at_200_percent_zoom(browser, server, path, user):
    seed_labels(server, 8)
    # 200% zoom of a 1280x720 window: 640x360 CSS pixels at two device pixels each
    ctx = browser.new_context(viewport={"width": 640, "height": 360}, device_scale_factor=2)
    try:
        page = ctx.new_page()
        if user:
            sign_in(page, server.url, user, PASSWORD)
        page.goto(server.url + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200%"
        if path.endswith("/annotate"):
            first = shown_id(page)
            for b in page.locator(".label-button").all():
                box = b.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 640
            page.keyboard.press("Shift+ArrowRight")
            page.keyboard.press("q")
            page.keyboard.press("?")
            box = page.locator("#help").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 640
            page.keyboard.press("Escape")
            page.locator(".label-button[value=neutral_fact]").click()
            wait_id_change(page, first)
    finally:
        ctx.close()
