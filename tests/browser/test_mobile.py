"""Phones and touch screens (issue 17, item 6): at 390x844 the sentence and every label button
are on screen without scrolling (up to five labels), touch screens get touch hints instead of
key hints, no page a signed-in user reaches scrolls sideways, and chart text is at least 12px
as rendered."""
from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from annotator import account_links, ingest, job_kinds, projects, releases, users
from annotator.articles import add_articles
from annotator.labels import DEFAULT_LABELS
from annotator.models import Article
from e2e import (PASSWORD, axe_available, body_sentences, label_as, make_project, run_axe,
                 seed_labels, shown_id, sign_in, wait_id_change)
from test_accessibility import LONG

PHONE = {"width": 390, "height": 844}
FIVE = [{"id": lid, "name": name, "key": str(i), "description": desc} for i, (lid, name, desc) in
        enumerate([("quote", "Quote", "The sentence reports what someone said."),
                   ("loaded", "Loaded term", "The outlet's own voice uses a loaded word."),
                   ("neutral", "Neutral", "A verifiable statement in neutral words."),
                   ("opinion", "Opinion", "The outlet's own judgement or prediction."),
                   ("unclear", "Unclear or other", "None of these, or cannot tell.")], 1)]


def phone(browser, touch: bool, scheme: str = "light", locale: str = "en-GB"):
    return browser.new_context(viewport=PHONE, has_touch=touch, is_mobile=touch,
                               color_scheme=scheme, locale=locale)


def project_with(server, slug: str, labels: list[dict] | None, text: str = LONG) -> list[int]:
    """A project open to everyone with one article; returns its body sentence ids in order."""
    with server.session() as s:
        project = projects.create_project(s, slug, slug.title(), labels=labels)
        s.commit()
        add_articles(s, project, ingest.parse_file(f"{slug}.txt", text.encode()), f"{slug}.txt")
    return [sid for sid, _, _ in body_sentences(server, slug)]


ON_TOP = """(el) => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (hit === el || el.contains(hit)); }"""


def assert_sentence_and_labels_on_screen(page, n_labels: int):
    assert page.evaluate("() => window.scrollY") == 0
    buttons = page.locator(".label-button").all()
    assert len(buttons) == n_labels
    tops = []
    for b in buttons:
        box = b.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        assert b.evaluate(ON_TOP), "a label button is covered"
        assert box["height"] >= 44, "touch targets are at least 44px high"
        tops.append(box["y"])
    box = page.locator("#sentence").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= min(tops), (box, min(tops))
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.mark.parametrize("touch", [True, False], ids=["touch", "narrow-window"])
@pytest.mark.parametrize("scheme", ["default", "five-labels"])
def test_sentence_and_every_label_fit_a_phone(browser, server, scheme, touch, shot):
    labels = FIVE if scheme == "five-labels" else None
    ids = project_with(server, "phone", labels)
    ctx = phone(browser, touch)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "alice", PASSWORD, "/projects/phone/annotate")
        assert shown_id(page) == ids[0]
        assert_sentence_and_labels_on_screen(page, len(labels or DEFAULT_LABELS))
        if touch:
            page.locator(".label-button").first.tap()
        else:
            page.keyboard.press("1")
        assert wait_id_change(page, ids[0]) == ids[1]
        assert len(page.inner_text("#sentence")) > 400  # the long one
        assert_sentence_and_labels_on_screen(page, len(labels or DEFAULT_LABELS))
        if touch:
            shot(page, f"annotate-phone{'-five' if labels else ''}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        # the rest of the form (Skip, comment) scrolls clear of the label bar
        for control in ("#skip", "#comment"):
            page.focus(control)  # as Tab or a tap would
            assert page.locator(control).evaluate(ON_TOP), control
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.locator("#comment").evaluate(ON_TOP)
    finally:
        ctx.close()


VISIBLE_KBD = """() => Array.from(document.querySelectorAll('button kbd, .button kbd'))
  .filter((k) => k.getClientRects().length).length"""


def test_touch_screens_get_touch_hints_instead_of_key_hints(browser, server):
    ids = make_project(server, "touchy", "Touchy\n\nThe ministry said the road was closed. "
                       "Troops liberated the village. The bridge is 12 km long.\n")
    seen = {}
    for touch in (False, True):
        ctx = phone(browser, touch)
        try:
            page = ctx.new_page()
            sign_in(page, server.url, "alice", PASSWORD, "/projects/touchy/annotate")
            page.wait_for_selector("#span-tools:not([hidden])")
            help_name = page.get_by_role("button", name="Help", exact=True)
            keys_name = page.get_by_role("button", name="Keys ?", exact=True)
            seen[touch] = {
                "kbd": page.evaluate(VISIBLE_KBD),
                "touch hints": page.locator(".touch-hint:visible").count(),
                "key hint": page.locator("#span-status").is_visible()
                and page.locator("#span-status").bounding_box()["width"] > 1,
                "help button": "Help" if help_name.count() else "Keys" if keys_name.count() else None,
            }
            if touch:
                # what the touch hint says works: tap a word, tap Source; tap a label
                assert "tap a word" in page.locator(".evidence .touch-hint").inner_text()
                page.locator("#sentence .w").first.tap()
                page.get_by_role("button", name="Source").tap()
                assert page.locator("#span-list li.sp-source").count() == 1
                page.get_by_role("button", name="Attributed claim").tap()
                assert wait_id_change(page, ids[0]) == ids[1]
                help_name.tap()
                page.locator("#help").wait_for(state="visible")
                assert page.locator("#help p.touch-hint").is_visible()
        finally:
            ctx.close()
    assert seen[False]["kbd"] >= 6 and seen[False]["touch hints"] == 0
    assert seen[False]["key hint"] and seen[False]["help button"] == "Keys"
    assert seen[True]["kbd"] == 0 and seen[True]["touch hints"] >= 2
    assert not seen[True]["key hint"] and seen[True]["help button"] == "Help"


# GET routes that are not pages: files, JSON, downloads.
NOT_PAGES = {"static", "annotate.session_state", "admin.download", "ops.healthz", "ops.metrics",
             "review.release_file", "admin.job_download"}


@pytest.mark.parametrize("locale, walkers", [("en-GB", (None, "alice", "reviewer", "admin")),
                                             ("ru-RU", ("alice", "reviewer", "admin")),
                                             ("ar", ("alice", "reviewer", "admin"))])
def test_no_page_scrolls_sideways_at_390px(browser, server, locale, walkers):
    """Walks app.url_map as an admin, a reviewer and an annotator (and signed out): every page
    each can open, plus the states that change a page's width (a finished queue, computed hint
    quality, resolved disagreements, an error page), is at most 390px wide; in Russian (longer
    words) and Arabic (right to left) too."""
    seed_labels(server, 30)
    done = make_project(server, "tiny", "Tiny\n\nOne sentence only.\n")
    label_as(server, "alice", {done[0]: "neutral_fact"}, slug="tiny")
    with server.session() as s:
        article = s.scalar(select(Article.id).order_by(Article.id).limit(1))
        alice = users.by_name(s, "alice").id
        # Open links (opening one uses nothing up): the invite and reset pages render.
        invite = account_links.create_invites(s, ["newcomer-phone"])[0].token
        reset = account_links.create_reset(s, users.by_name(s, "alice")).token
        s.commit()
        for name in ("r1", "r2"):  # the releases page and a diff between two
            releases.create(s, projects.by_slug(s, "demo"), name, server.app.config["RELEASES_DIR"])
        job = job_kinds.enqueue_stats(s, projects.by_slug(s, "demo")).id  # a job's page
        demo = projects.by_slug(s, "demo")  # a crowd study's entry page
        projects.set_settings(demo, {**(demo.settings or {}), "crowd": True})
        s.commit()
    values = {"slug": "demo", "article_id": article, "user_id": alice, "job_id": job,
              "platform": "prolific"}
    tokens = {"links.invite": invite, "links.reset": reset}
    with server.app.test_request_context():
        routes = {r.endpoint: url_for(r.endpoint, **{a: tokens[r.endpoint] if a == "token" else values[a]
                                                     for a in r.arguments})
                  for r in server.app.url_map.iter_rules()
                  if "GET" in r.methods and not r.rule.startswith("/api/")
                  and r.endpoint not in NOT_PAGES}
    extra = ["/projects/tiny/annotate", "/projects/demo/review?hints=1",
             "/projects/demo/disagreements?resolved=1", "/projects/nope/review", "/admin/users/999999",
             "/projects/demo/releases/diff?a=r1&b=r2",
             "/crowd/demo/prolific?PROLIFIC_PID=phone1&STUDY_ID=s1&SESSION_ID=x1"]
    widths, pages_seen, violations, why_no_axe = {}, set(), {}, axe_available()
    for user in walkers:
        ctx = phone(browser, touch=True, locale=locale)
        try:
            page = ctx.new_page()
            if user:
                sign_in(page, server.url, user, PASSWORD)
            # /logout last: it may end the session
            for endpoint, path in sorted(routes.items(), key=lambda kv: kv[0] == "auth.logout"):
                resp = page.goto(server.url + path)
                if resp.status == 200 and "text/html" in resp.headers.get("content-type", ""):
                    widths[(user, path)] = page.evaluate("() => document.documentElement.scrollWidth")
                    if endpoint not in pages_seen and why_no_axe is None:
                        # the narrow layout keeps the page accessible (scroll boxes reachable...)
                        violations[path] = run_axe(page)
                    pages_seen.add(endpoint)
            for path in extra if user else []:
                page.goto(server.url + path)
                widths[(user, path)] = page.evaluate("() => document.documentElement.scrollWidth")
        finally:
            ctx.close()
    if None in walkers:  # some pages open only signed out (a finished study, a diff link)
        assert pages_seen == set(routes), f"never opened: {set(routes) - pages_seen}"
    assert len(widths) > 40
    assert {k: w for k, w in widths.items() if w > PHONE["width"]} == {}
    assert {path: v for path, v in violations.items() if v} == {}


CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart text')).map((t) => {
  const svg = t.ownerSVGElement, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
          height: t.getBoundingClientRect().height, rotated: t.hasAttribute('transform')};
})"""


def test_chart_text_is_at_least_12px_on_a_phone(browser, server, shot):
    seed_labels(server, 30)
    ctx = phone(browser, touch=True)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "reviewer", PASSWORD, "/projects/demo/review")
        texts = page.evaluate(CHART_TEXT)
        page.locator("#distribution").scroll_into_view_if_needed()
        shot(page, "review-phone")
        assert page.locator("svg.chart").count() >= 4 and len(texts) > 50
        small = [t for t in texts if t["px"] < 12 or (not t["rotated"] and t["height"] < 12)]
        assert small == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        # a chart wider than the screen scrolls in its own box, which the keyboard reaches
        wide = page.locator(".chart-scroll").filter(has=page.locator("svg.chart"))
        box = page.locator("#distribution .chart-scroll")
        assert box.evaluate("(el) => el.scrollWidth > el.clientWidth")
        assert box.get_attribute("tabindex") == "0" and wide.count() >= 4
        # the numbers as tables, opened, stay inside the screen too
        for summary in page.locator("figure summary").all():
            summary.click()
        assert page.locator("figure details[open]").count() >= 4
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        ctx.close()
