"""Right-to-left text (issue 22 item 4) without a browser: the direction of a language tag
(checked against CLDR's, through Babel) and of a sentence; the directions the sentence view,
the article view, the review queue and the admin article page carry; code-point offsets with
an astral character before a span, through the API, the export and the review page.
tests/browser/test_rtl.py checks the drawing in Chromium."""
from __future__ import annotations

import itertools
import json
import random
import re
import unicodedata

import pytest

from annotator import ingest, labelling, projects, sentences
from annotator.articles import add_articles
from annotator.bidi import lang_dir, text_dir
from annotator.models import Article, Sentence
from annotator.review import adjudication
from helpers import csrf_token, login

ARABIC = {"title": "اشتباكات قرب الحدود", "lang": "ar",
          "text": 'نقلت وكالة Reuters عن Joe Biden قوله إن "تحرير" القرى تم يوم 12 مايو 2024.\n\n'
                  "We will not leave, the mayor said.\n\n"
                  "🙂 قال المتحدث إن 12 جنديا أصيبوا.\n\n"
                  "2024 - 12"}


def test_lang_dir_of_tags():
    assert [lang_dir(t) for t in ("ar", "he", "iw", "fa-IR", "ur", "yi", "ckb", "ar_EG", "he-IL")] == ["rtl"] * 9
    assert [lang_dir(t) for t in ("en", "de", "ru", "az", "hy", "zh-Hant", "tr")] == ["ltr"] * 7
    # A script subtag decides, whatever the language: Azerbaijani in Arabic script, Sindhi in
    # Devanagari, Kurdish in Latin script.
    assert (lang_dir("az-Arab"), lang_dir("pa-Arab-PK"), lang_dir("sd-Deva"), lang_dir("ku-Latn")) == (
        "rtl", "rtl", "ltr", "ltr")
    assert lang_dir(None) is None and lang_dir("") is None


def test_lang_dir_agrees_with_cldr():
    babel = pytest.importorskip("babel")
    from babel import localedata

    differ = []
    for ident in localedata.locale_identifiers():
        want = "rtl" if babel.Locale.parse(ident).character_order == "right-to-left" else "ltr"
        if lang_dir(ident.replace("_", "-")) != want:
            differ.append(ident)
    assert len(localedata.locale_identifiers()) > 500 and differ == []


def test_text_dir_follows_the_letters_then_the_article():
    assert text_dir("قال المتحدث إن 12 جنديا", "rtl") == "rtl"
    assert text_dir("We will not leave, the mayor said.", "rtl") == "ltr"  # a quotation in English
    # Letters of both directions: the article's, where dir="auto" would take the first letter.
    assert text_dir('IDF: דובר צה"ל אמר', "rtl") == "rtl"
    assert text_dir("The word تحرير means liberation", "ltr") == "ltr"
    assert text_dir('IDF: דובר צה"ל אמר') == "ltr" and text_dir("דובר IDF") == "rtl"  # no article: first letter
    # No letters (digits, punctuation): the article's, else left to right.
    assert text_dir("2024 - 12", "rtl") == "rtl" and text_dir("2024 - 12") == "ltr" and text_dir("") == "ltr"
    assert text_dir("🙂 שלום", None) == "rtl"


@pytest.fixture
def arabic(db, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    make_user("rev", "reviewer")
    make_user("root", "admin")
    p = projects.create_project(db, "rtl", "RTL", overlap=2)
    db.commit()
    add_articles(db, p, ingest.parse_file("a.jsonl", (json.dumps(ARABIC) + "\n").encode()), "a.jsonl")
    units = db.query(Sentence).filter(Sentence.project_id == p.id).order_by(Sentence.position).all()
    assert [u.kind for u in units] == ["body", "body", "body", "heading"]  # the last line: a heading
    return p, units, alice, bob


def test_the_sentence_view_carries_directions(db, arabic):
    p, units, alice, _ = arabic
    assert [u.text for u in units][:3] == [ARABIC["text"].split("\n\n")[i] for i in range(3)]
    v = sentences.view(db, units[1].id)
    assert (v["lang"], v["article_dir"], v["title_dir"], v["dir"]) == ("ar", "rtl", "rtl", "ltr")
    assert v["context"]["dirs"] == {"before": ["rtl"], "after": ["rtl", "rtl"]}
    assert sentences.view(db, units[3].id)["dir"] == "rtl"  # digits only: the article's
    groups = sentences.context_groups(v["context"], v["article_dir"])
    assert [g["dir"] for g in groups["before"] + groups["after"]] == ["rtl", "rtl", "rtl"]

    art = sentences.article(db, units[0].article_id, alice)
    assert (art["lang"], art["dir"], art["title_dir"]) == ("ar", "rtl", "rtl")
    flat = [(u["text"], u["dir"]) for b in art["blocks"] for u in b["units"] if u["kind"] == "body"]
    assert [d for _, d in flat] == ["rtl", "ltr", "rtl"]
    assert [b["dir"] for b in art["blocks"]] == ["rtl", "ltr", "rtl", "rtl"]


def test_an_article_without_a_language_goes_by_its_letters(db, arabic):
    p, units, *_ = arabic
    db.get(Article, units[0].article_id).lang = None
    db.commit()
    v = sentences.view(db, units[0].id)
    assert (v["lang"], v["article_dir"], v["dir"]) == (None, "auto", "rtl")  # the first letter is Arabic
    assert sentences.view(db, units[3].id)["dir"] == "ltr"  # no letter, no article direction


def test_pages_and_api_set_dir_and_lang(db, client, arabic):
    p, units, *_ = arabic
    login(client, "alice")
    html = client.get("/projects/rtl/annotate").get_data(as_text=True)
    assert re.search(r'<section class="unit"[^>]* lang="ar" dir="rtl">', html)
    assert re.search(r'<h1 id="article-title"[^>]* dir="rtl">', html)
    assert re.search(r'<p id="sentence" class="sentence" dir="rtl"', html)
    assert re.search(r'<div id="after" class="context after"><p dir="ltr">We will not leave', html)
    twin = client.get("/projects/rtl/annotate", headers={"Accept": "application/json"}).get_json()
    assert (twin["sentence"]["dir"], twin["sentence"]["lang"]) == ("rtl", "ar")
    nxt = client.get("/api/v1/projects/rtl/next?ahead=3", headers={"Accept": "application/json"}).get_json()
    assert [s["dir"] for s in [nxt["sentence"], *nxt.get("upcoming", [])]][:2] == ["rtl", "ltr"]
    art = client.get(f"/api/v1/projects/rtl/articles/{units[0].article_id}",
                     headers={"Accept": "application/json"}).get_json()
    assert art["dir"] == "rtl" and art["blocks"][0]["units"][0]["dir"] == "rtl"


def _spans(text: str, *words: tuple[str, str]) -> list[dict]:
    out = []
    for label, w in words:
        start = text.index(w)
        out.append({"start": start, "end": start + len(w), "label": label})
    return out


def test_code_points_with_an_astral_character_before_a_span(db, client, arabic):
    """🙂 is one code point and two UTF-16 units: the API, the export and the review page all
    count code points, so the span still slices 'المتحدث'."""
    p, units, alice, bob = arabic
    s = units[2]
    assert s.text.startswith("🙂")
    spans = _spans(s.text, ("source", "المتحدث"), ("cue", "قال"))
    assert spans[0]["start"] == 6  # '🙂', ' ', 'ق', 'ا', 'ل', ' '
    login(client, "alice")
    tok = csrf_token(client, "/projects/rtl/annotate")
    client.get("/api/v1/projects/rtl/next?ahead=3", headers={"Accept": "application/json"})  # leases all three
    res = client.put(f"/api/v1/sentences/{s.id}/annotation", json={"label": "attributed_claim", "spans": spans},
                     headers={"X-CSRFToken": tok, "Accept": "application/json"})
    assert res.status_code == 201, res.get_json()
    mine = client.get(f"/api/v1/sentences/{s.id}/annotation", headers={"Accept": "application/json"}).get_json()
    got = {sp["label"]: s.text[sp["start"]:sp["end"]] for sp in mine["spans"]}
    assert got == {"source": "المتحدث", "cue": "قال"}
    # Offsets in UTF-16 units would be one further on: what an unconverted page would send.
    assert len(s.text[:spans[0]["start"]].encode("utf-16-le")) // 2 == spans[0]["start"] + 1

    # A second annotator disagrees: the review queue and its page show the spans' words.
    labelling.save(db, p, s, bob, labelling.LabelInput(label="neutral_fact"), held_only=False)
    item = next(it for it in adjudication.disagreements(db, p)["items"] if it["sentence_id"] == s.id)
    assert (item["dir"], item["lang"], item["context"]["dirs"]["before"]) == ("rtl", "ar", ["rtl", "ltr"])
    client.get("/logout")
    login(client, "rev")
    html = client.get("/projects/rtl/disagreements").get_data(as_text=True)
    assert '<p class="sentence" dir="rtl" lang="ar">🙂 قال' in html
    assert "source: “<bdi>المتحدث</bdi>”" in html and "cue: “<bdi>قال</bdi>”" in html


def test_admin_article_page_isolates_each_unit(db, client, arabic):
    p, units, *_ = arabic
    login(client, "root")
    html = client.get(f"/admin/articles/{units[0].article_id}").get_data(as_text=True)
    assert f'<bdi dir="ltr" lang="ar">{units[1].text}</bdi>' in html
    assert f'<bdi dir="rtl" lang="ar">{units[0].text}</bdi>'.replace('"تحرير"', "&#34;تحرير&#34;") in html


def _first_strong_reference(text: str, default: str | None) -> str:
    """text_dir's rule read character by character from unicodedata (the reference)."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    rtl, ltr = bool(kinds & {"R", "AL"}), "L" in kinds
    if rtl != ltr:
        return "rtl" if rtl else "ltr"
    first = next(("ltr" if unicodedata.bidirectional(c) == "L" else "rtl" for c in text
                  if unicodedata.bidirectional(c) in ("L", "R", "AL")), None)
    return default or first or "ltr"


def test_text_dir_agrees_with_a_per_character_reading():
    """ASCII text takes a shortcut: every printable ASCII string of up to 3 characters, and
    mixed samples, give what the bidi classes of their characters say."""
    chars = [chr(c) for c in range(32, 127)] + ["\n", "\t"]
    samples = ["".join(p) for n in range(3) for p in itertools.product(chars, repeat=n)]
    rng = random.Random(22)
    pool = chars + list("قالשלום🙂𠀋é")
    samples += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    for text in samples:
        for default in (None, "rtl", "ltr"):
            assert text_dir(text, default) == _first_strong_reference(text, default), (text, default)
