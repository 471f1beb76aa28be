"""Right-to-left text in a real browser (issue 22 item 4): an Arabic and a Hebrew article with
Latin words, digits and quotes. Evidence spans marked with the keyboard in reading order are
stored with offsets that slice exactly the marked words (read back through the API); the order
of the words on screen is the same before and after hints, spans and a selection are drawn (and
the measurement can tell: isolating a highlight would have reordered them); an astral
character (emoji, CJK extension B) before a span does not shift it. Screenshots:
docs/screenshots/rtl-arabic.png and rtl-hebrew.png."""
from __future__ import annotations

import json
import re

import pytest

from annotator import ingest, projects
from annotator.articles import add_articles
from annotator.hints.lexicon import validate_lexicon
from e2e import axe_available, body_sentences, label_as, run_axe, wait_id_change, wait_saved

# Words as the guidelines define them (letters and digits, joined by an apostrophe, a period, a
# comma, an ampersand or a hyphen): Python's \w is letters and digits here (no underscores or
# combining marks in these texts). Offsets are code points, as the API's.
WORD = re.compile(r"\w+(?:['’.,&\u2010\u2011-]\w+)*")

LEXICON = {"cues": ["قوله", "לדברי"], "contested_terms": [{"term": "تحرير"}, {"term": "שחרר"}]}

ARABIC = {"title": "اشتباكات قرب الحدود", "lang": "ar",
          "text": 'نقلت وكالة Reuters عن Joe Biden قوله إن "تحرير" القرى تم يوم 12 مايو 2024.\n\n'
                  'قال المتحدث إن 12 جنديا أصيبوا في 2024. وصف التقرير ما جرى بأنه "تحرير" للقرى.'}
HEBREW = {"title": "עימותים ליד הגבול", "lang": "he",
          "text": 'לדברי דובר צה"ל, 3 חיילים נפצעו ב-2024 ליד "קו כחול", כך דיווח The Times of Israel, והצבא "שחרר" את הכפר.\n\n'
                  '🙂 הצבא אמר כי 𠀋 "שחרר" את הכפר ב-12 במאי.'}

# The visual order of the whitespace-separated tokens of an element's text: each token's box
# (a Range over its characters, whatever elements cut it), sorted by line, then from the
# right in right-to-left text (from the left otherwise). Returns [[token index, ...], rects].
ORDER = """([el, control]) => {
  if (control) for (const p of el.querySelectorAll(control)) p.style.unicodeBidi = 'isolate';
  const nodes = [], w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let at = 0;
  while (w.nextNode()) { nodes.push([w.currentNode, at]); at += w.currentNode.length; }
  const point = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; };
  const text = el.textContent, out = [];
  for (const m of text.matchAll(/\\S+/g)) {
    const r = document.createRange();
    r.setStart(...point(m.index));
    const end = point(m.index + m[0].length - 1);
    r.setEnd(end[0], end[1] + 1);
    const rects = Array.from(r.getClientRects()).filter((x) => x.width > 0);
    const left = Math.min(...rects.map((x) => x.left)), right = Math.max(...rects.map((x) => x.right));
    out.push({ i: out.length, top: Math.round(rects[0].top), x: (left + right) / 2 });
  }
  if (control) for (const p of el.querySelectorAll(control)) p.style.unicodeBidi = '';
  const rtl = getComputedStyle(el).direction === 'rtl';
  const lines = Array.from(new Set(out.map((o) => o.top))).sort((a, b) => a - b);
  const line = (o) => lines.findIndex((t) => Math.abs(t - o.top) < 8);
  return out.slice().sort((a, b) => line(a) - line(b) || (rtl ? b.x - a.x : a.x - b.x)).map((o) => o.i);
}"""

# The same text drawn plainly (one text node, no hint, span or selection), in an element like
# the sentence (class, dir, lang) just after it: the reference order.
PLAIN = """() => {
  const el = document.getElementById('sentence'), p = document.createElement('p');
  p.className = 'sentence'; p.id = 'plain'; p.dir = el.dir; p.lang = el.closest('[lang]').lang;
  p.textContent = el.textContent;
  el.after(p);
}"""


def rtl_project(server, slug: str, article: dict) -> list[tuple[int, str]]:
    """A project with an Arabic and Hebrew lexicon and one article (JSONL, with its lang)."""
    with server.session() as s:
        project = projects.create_project(s, slug, slug.upper(), overlap=2)
        projects.set_lexicon(s, project, validate_lexicon(LEXICON))
        s.commit()
        data = (json.dumps(article, ensure_ascii=False) + "\n").encode()
        add_articles(s, project, ingest.parse_file(f"{slug}.jsonl", data), f"{slug}.jsonl")
    return [(sid, text) for sid, _, text in body_sentences(server, slug)]


def words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def selected(page) -> str:
    return "".join(page.eval_on_selector_all("#sentence .sel", "els => els.map(e => e.textContent)"))


def select_words(page, first: int, last: int, nxt: str) -> None:
    """Select words first..last with the keyboard, `nxt` being the next-word arrow: a fresh
    selection starts at the first word, the arrow moves, Shift+arrow grows."""
    page.keyboard.press("Escape")
    page.keyboard.press(f"Shift+{nxt}")
    for _ in range(first):
        page.keyboard.press(nxt)
    for _ in range(last - first):
        page.keyboard.press(f"Shift+{nxt}")


def order(page, selector: str, control: str | None = None) -> list[int]:
    return page.evaluate(f"(c) => ({ORDER})([document.querySelector({json.dumps(selector)}), c])", control)


def plain_order(page, selector: str) -> list[int]:
    """The order of the element's words drawn as one plain text node in the same place (its
    children put back after)."""
    return page.evaluate(f"""() => {{
      const el = document.querySelector({json.dumps(selector)}), kids = Array.from(el.childNodes);
      el.replaceChildren(el.textContent);
      const got = ({ORDER})([el, null]);
      el.replaceChildren(...kids);
      return got;
    }}""")


def stored_spans(page, server, sid: int) -> list[dict]:
    """The user's stored spans of sentence sid, read through the API."""
    res = page.request.get(server.url + f"/api/v1/sentences/{sid}/annotation",
                           headers={"Accept": "application/json"})
    assert res.status == 200, res.text()
    return res.json()["spans"]


def check_article(server, page, login, shot, slug, article, marks, partial_latin, screenshot):
    """marks: [(span label, first word, last word)] of the first sentence, in marking order."""
    (sid, text), *_ = rtl_project(server, slug, article)
    ws = words(text)
    login(page, "alice", f"/projects/{slug}/annotate")
    assert int(page.get_attribute("#sentence", "data-id")) == sid
    assert page.get_attribute("#sentence", "dir") == "rtl"
    assert page.get_attribute("section.unit", "dir") == "rtl"
    assert page.get_attribute("section.unit", "lang") == article["lang"]
    assert page.get_attribute("#article-title", "dir") == "rtl"
    assert page.eval_on_selector("#sentence", "e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("#sentence mark.hint, #sentence .hint").count() >= 1  # the lexicon's hints

    page.evaluate(PLAIN)
    reference = order(page, "#plain")
    assert reference != sorted(reference)  # mixed directions: the screen order is not the logical one
    assert order(page, "#sentence") == reference  # hints drawn: the same order

    # The next-word key is ← in right-to-left text (the page says so): a fresh selection starts
    # at the first word (the rightmost), ← moves on to the logically next word, → back.
    assert "Shift+←" in page.inner_text("#span-status")
    page.keyboard.press("Shift+ArrowLeft")
    assert selected(page) == ws[0][2]
    page.keyboard.press("ArrowLeft")
    assert selected(page) == ws[1][2]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    assert selected(page) == ws[1][2]
    page.keyboard.press("Home")
    assert selected(page) == ws[0][2]

    keys = {"source": "q", "cue": "w", "content": "e", "framing_term": "f"}
    for label, first, last in marks:
        select_words(page, first, last, "ArrowLeft")
        want = text[ws[first][0]:ws[last][1]]
        assert selected(page) == want, (label, selected(page), want)
        page.keyboard.press(keys[label])
    # Spans drawn, and a selection over part of a Latin run inside the right-to-left text.
    select_words(page, partial_latin, partial_latin, "ArrowLeft")
    assert order(page, "#sentence") == reference
    # The check can tell: isolating the highlighted pieces (as a naive "bidi-isolate every
    # span" would) puts the selected Latin word on the other side of its neighbour.
    assert order(page, "#sentence", ".sel") != reference
    page.evaluate("() => document.getElementById('plain').remove()")
    shot(page, screenshot)
    page.keyboard.press("Escape")

    # The article view: the sentence in place, its own isolate in the right-to-left article;
    # its words in the same order with its highlights as drawn plainly there.
    page.keyboard.press("a")
    page.wait_for_selector("#annotate.article-view #article #sentence")
    assert page.get_attribute("#article", "dir") == "rtl"
    assert page.eval_on_selector("#article #sentence", "e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert set(page.eval_on_selector_all("#article .unit", "els => els.map(e => e.dir)")) == {"rtl"}
    select_words(page, partial_latin, partial_latin, "ArrowLeft")
    assert order(page, "#article #sentence") == plain_order(page, "#article #sentence")
    assert order(page, "#article #sentence", ".sel") != plain_order(page, "#article #sentence")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_selector("#annotate:not(.article-view)")

    page.keyboard.press("1")
    wait_id_change(page, sid)
    wait_saved(page)
    spans = stored_spans(page, server, sid)
    got = sorted((sp["label"], sp["start"], sp["end"]) for sp in spans)
    assert got == sorted((label, ws[a][0], ws[b][1]) for label, a, b in marks)
    for sp in spans:  # the stored offsets, in code points, slice exactly the marked words
        first, last = next((a, b) for label, a, b in marks if label == sp["label"])
        assert text[sp["start"]:sp["end"]] == text[ws[first][0]:ws[last][1]]
        assert WORD.findall(text[sp["start"]:sp["end"]]) == [w for _, _, w in ws[first:last + 1]]
    return sid, text, spans


def test_arabic_spans_offsets_and_word_order(server, page, login, shot):
    # words: 0 نقلت 1 وكالة 2 Reuters 3 عن 4 Joe 5 Biden 6 قوله 7 إن 8 تحرير 9 القرى 10 تم
    # 11 يوم 12 12 13 مايو 14 2024
    ws = words(ARABIC["text"].split("\n")[0])
    assert [w for *_, w in ws][:9] == ["نقلت", "وكالة", "Reuters", "عن", "Joe", "Biden", "قوله", "إن", "تحرير"]
    check_article(server, page, login, shot, "rtl-ar", ARABIC,
                  [("source", 1, 2), ("cue", 6, 6), ("content", 8, 14), ("framing_term", 8, 8)],
                  partial_latin=4, screenshot="rtl-arabic")


def test_hebrew_spans_offsets_and_word_order(server, page, login, shot):
    ws = words(HEBREW["text"].split("\n")[0])
    names = [w for *_, w in ws]
    # 0 לדברי 1 דובר 2 צה 3 ל 4 3 5 חיילים 6 נפצעו 7 ב-2024 8 ליד 9 קו 10 כחול 11 כך 12 דיווח
    # 13 The 14 Times 15 of 16 Israel 17 והצבא 18 שחרר 19 את 20 הכפר
    assert names[7] == "ב-2024" and names[13:17] == ["The", "Times", "of", "Israel"] and names[18] == "שחרר"
    check_article(server, page, login, shot, "rtl-he", HEBREW,
                  [("cue", 0, 0), ("source", 1, 3), ("content", 4, 10), ("framing_term", 18, 18)],
                  partial_latin=13, screenshot="rtl-hebrew")


def test_an_astral_character_before_a_span_does_not_shift_it(server, page, login):
    """🙂 (U+1F642) and 𠀋 (U+2000B) are one code point each and two UTF-16 units: the page
    counts UTF-16 units, the API code points."""
    ids = rtl_project(server, "astral", HEBREW)
    sid, text = ids[1]
    assert text.startswith("🙂") and "𠀋" in text
    login(page, "alice", "/projects/astral/annotate")
    assert int(page.get_attribute("#sentence", "data-id")) == ids[0][0]
    page.keyboard.press("1")  # label the first sentence; the astral one comes next
    wait_id_change(page, ids[0][0])
    assert int(page.get_attribute("#sentence", "data-id")) == sid
    ws = words(text)
    target = next(i for i, (_, _, w) in enumerate(ws) if w == "שחרר")
    select_words(page, target, target, "ArrowLeft")
    assert selected(page) == "שחרר"
    page.keyboard.press("f")
    select_words(page, target + 1, target + 2, "ArrowLeft")
    page.keyboard.press("e")
    assert "“שחרר”" in page.inner_text("#span-list")
    page.keyboard.press("2")  # the last sentence: the page then says all is done
    page.wait_for_selector("#annotate", state="detached", timeout=10000)
    spans = {sp["label"]: sp for sp in stored_spans(page, server, sid)}
    start = text.index("שחרר")
    assert (spans["framing_term"]["start"], spans["framing_term"]["end"]) == (start, start + 4)
    assert text[spans["framing_term"]["start"]:spans["framing_term"]["end"]] == "שחרר"
    assert text[spans["content"]["start"]:spans["content"]["end"]] == "את הכפר"
    # In UTF-16 the span would start two units later: what a page that did not convert would send.
    assert len(text[:start].encode("utf-16-le")) // 2 == start + 2

    # The review queue's script slices the stored offsets by code point too.
    label_as(server, "bob", {sid: "neutral_fact"}, slug="astral")
    page.goto(server.url + "/logout")
    login(page, "reviewer", "/projects/astral/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden]) #adj-given tr")
    assert int(page.get_attribute("#sentence", "data-id")) == sid
    given = page.inner_text("#adj-given")
    assert "framing term: “שחרר”" in given and "content: “את הכפר”" in given


def test_right_to_left_pages_pass_axe(server, page, login):
    """The annotate page (both views) and the review queue with Arabic text: no serious or
    critical axe-core violation (lang values, contrast of the highlights, names)."""
    why = axe_available()
    if why:
        pytest.skip(why)
    (sid, text), *_ = rtl_project(server, "rtl-axe", ARABIC)
    ws = words(text)
    label_as(server, "bob", {sid: "neutral_fact"}, slug="rtl-axe")
    label_as(server, "carol", {sid: "attributed_claim"}, slug="rtl-axe",
             spans={sid: [{"start": ws[1][0], "end": ws[2][1], "label": "source"}]})
    login(page, "alice", "/projects/rtl-axe/annotate")
    select_words(page, 1, 2, "ArrowLeft")
    page.keyboard.press("q")
    assert run_axe(page) == []
    page.keyboard.press("a")
    page.wait_for_selector("#annotate.article-view #article #sentence")
    assert run_axe(page) == []
    page.goto(server.url + "/logout")
    login(page, "reviewer", "/projects/rtl-axe/disagreements")
    page.wait_for_selector("#adjudicate:not([hidden]) #adj-given tr")
    assert page.get_attribute("#sentence", "dir") == "rtl"
    assert page.inner_text("#adj-given").count("source: “وكالة Reuters”") == 1
    assert run_axe(page) == []


def test_mouse_selection_in_right_to_left_text(server, page, login):
    """A click selects the word under the pointer and Shift+click extends to another, across a
    change of direction (an Arabic word to a Latin name): the span stored is the words between
    them in reading order."""
    (sid, text), *_ = rtl_project(server, "rtl-mouse", ARABIC)
    ws = words(text)
    login(page, "alice", "/projects/rtl-mouse/annotate")
    page.click("#sentence .w[data-w='1']")  # وكالة
    assert selected(page) == "وكالة"
    page.click("#sentence .w[data-w='5']", modifiers=["Shift"])  # Biden, left of it on screen
    assert selected(page) == text[ws[1][0]:ws[5][1]] == "وكالة Reuters عن Joe Biden"
    page.keyboard.press("q")
    page.keyboard.press("1")
    wait_id_change(page, sid)
    wait_saved(page)
    (span,) = stored_spans(page, server, sid)
    assert (span["label"], text[span["start"]:span["end"]]) == ("source", "وكالة Reuters عن Joe Biden")
