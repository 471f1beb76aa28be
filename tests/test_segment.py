"""Segmentation: sentence boundaries, exact offsets, kinds, hang guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.segment import KINDS, Unit, boundaries, chars, normalize_for_hash, segment

DATA = Path(__file__).parent / "data"


def texts(text: str) -> list[str]:
    return [u.text for u in segment(text)]


def check_offsets(text: str, units: list[Unit]) -> None:
    prev_end = 0
    for u in units:
        assert text[u.start : u.end] == u.text
        assert u.text and u.text == u.text.strip()
        assert u.start >= prev_end
        assert u.kind in KINDS
        assert not any(c in u.text for c in "\n\r\u2028\u2029\x0b\x0c\x85")
        prev_end = u.end


# ---------------------------------------------------------------------------
# Sentence boundaries: (text, expected sentences)
# ---------------------------------------------------------------------------

SENTENCE_CASES = [
    # abbreviations
    ("The U.S. said on Monday it would act. Mr. Smith disagreed.",
     ["The U.S. said on Monday it would act.", "Mr. Smith disagreed."]),
    ("Gen. Ali met officials at 3 p.m. on Tuesday. The talks ended.",
     ["Gen. Ali met officials at 3 p.m. on Tuesday.", "The talks ended."]),
    ("Some options, i.e. the cheap ones, were rejected. Others were not.",
     ["Some options, i.e. the cheap ones, were rejected.", "Others were not."]),
    ("Key players, e.g. Iran and Russia, refused. Others agreed.",
     ["Key players, e.g. Iran and Russia, refused.", "Others agreed."]),
    ("He lives at No. 5 Main Street. It is quiet.", ["He lives at No. 5 Main Street.", "It is quiet."]),
    ("The No. 2 official resigned. He left.", ["The No. 2 official resigned.", "He left."]),
    ("He arrived at 10 a.m. The meeting began at noon.", ["He arrived at 10 a.m.", "The meeting began at noon."]),
    ("It happened at 5 p.m. local time. Nobody was hurt.", ["It happened at 5 p.m. local time.", "Nobody was hurt."]),
    # after a clock time, a capitalised word starts a sentence unless it is a day, a month,
    # a time zone or "... time"
    ("He was arrested at 3 p.m. Ministers said he was unarmed.",
     ["He was arrested at 3 p.m.", "Ministers said he was unarmed."]),
    ("The vote is at 3 p.m. Monday in Brussels.", ["The vote is at 3 p.m. Monday in Brussels."]),
    ("It starts at 11 a.m. EST and ends at noon.", ["It starts at 11 a.m. EST and ends at noon."]),
    ("The blast came at 8 p.m. Moscow time on Friday.", ["The blast came at 8 p.m. Moscow time on Friday."]),
    ("The curfew began at 10 p.m. US troops then moved in.",
     ["The curfew began at 10 p.m.", "US troops then moved in."]),
    ("Police raided at 5 a.m. Police timed their raid well.",
     ["Police raided at 5 a.m.", "Police timed their raid well."]),
    ("“我们会回应。不会退让。然后离开了。", ["“我们会回应。", "不会退让。", "然后离开了。"]),  # never closed
    # stops of other scripts: CJK needs no space after, and a caseless script has no
    # capital to start the next sentence
    ("日本央行维持利率不变。行长表示将关注市场。日元跌至150附近！分析师预计明年加息。",
     ["日本央行维持利率不变。", "行长表示将关注市场。", "日元跌至150附近！", "分析师预计明年加息。"]),
    ("他说：「我们会回应。不会退让。」然后离开了。", ["他说：「我们会回应。不会退让。」", "然后离开了。"]),
    ("قال الوزير إن المحادثات فشلت؟ لا أحد يعرف. \"سنرد.\" ثم غادر.",
     ["قال الوزير إن المحادثات فشلت؟", "لا أحد يعرف.", "\"سنرد.\"", "ثم غادر."]),
    ("प्रधानमंत्री ने कहा। बैठक समाप्त हुई।", ["प्रधानमंत्री ने कहा।", "बैठक समाप्त हुई।"]),
    # an agency's dateline stays with the sentence it opens
    ("MOSCOW, March 3. /TASS/. The Kremlin said talks had stalled. Peskov declined to comment.",
     ["MOSCOW, March 3. /TASS/. The Kremlin said talks had stalled.", "Peskov declined to comment."]),
    ("МОСКВА, 14 октября. /ТАСС/. Кремль заявил о провале переговоров.",
     ["МОСКВА, 14 октября. /ТАСС/. Кремль заявил о провале переговоров."]),
    ("Lt. Col. John Smith said no. Maj. Gen. Ali agreed.", ["Lt. Col. John Smith said no.", "Maj. Gen. Ali agreed."]),
    ("Prof. Dr. Müller spoke. Then Sen. Warren spoke.", ["Prof. Dr. Müller spoke.", "Then Sen. Warren spoke."]),
    ("Mr. and Mrs. Smith arrived. They sat down.", ["Mr. and Mrs. Smith arrived.", "They sat down."]),
    ("Sen. Elizabeth Warren (D-Mass.) said the bill would fail. Others agreed.",
     ["Sen. Elizabeth Warren (D-Mass.) said the bill would fail.", "Others agreed."]),
    ("Gov. Newsom, D-Calif., signed it. Rep. Smith, R-Texas, objected.",
     ["Gov. Newsom, D-Calif., signed it.", "Rep. Smith, R-Texas, objected."]),
    ("Talks began on Sept. 11 and ended Oct. 3. Nothing changed.",
     ["Talks began on Sept. 11 and ended Oct. 3.", "Nothing changed."]),
    ("Talks resume Jan. 5 in Geneva. Both sides agreed.", ["Talks resume Jan. 5 in Geneva.", "Both sides agreed."]),
    ("The St. Petersburg talks failed. Officials left.", ["The St. Petersburg talks failed.", "Officials left."]),
    ("U.N. Secretary-General António Guterres said the U.N. would help. Aid arrived.",
     ["U.N. Secretary-General António Guterres said the U.N. would help.", "Aid arrived."]),
    ("He spoke to the E.U. The bloc agreed.", ["He spoke to the E.U.", "The bloc agreed."]),
    ("The U.S. Army said it had no plans. Russia disagreed.",
     ["The U.S. Army said it had no plans.", "Russia disagreed."]),
    ("Acme Inc. Chief Executive John Doe said profits rose. Shares fell.",
     ["Acme Inc. Chief Executive John Doe said profits rose.", "Shares fell."]),
    ("The deal was signed by Acme Inc. The company declined to comment.",
     ["The deal was signed by Acme Inc.", "The company declined to comment."]),
    ("The company (Acme Corp.) denied it. Shares fell.", ["The company (Acme Corp.) denied it.", "Shares fell."]),
    ("He earned approx. 5,000 dollars vs. 3,000 last year. Fine.",
     ["He earned approx. 5,000 dollars vs. 3,000 last year.", "Fine."]),
    ("It rose 3.2 pct. in March. Then it fell.", ["It rose 3.2 pct. in March.", "Then it fell."]),
    ("See p. 5 of the report. It says so.", ["See p. 5 of the report.", "It says so."]),
    # numbers and decimals
    ("Inflation rose 2.5% in May. Prices of 1,000 items rose.",
     ["Inflation rose 2.5% in May.", "Prices of 1,000 items rose."]),
    ("It costs $4.5 billion. That is a lot.", ["It costs $4.5 billion.", "That is a lot."]),
    ("The vote was 52-48. Republicans cheered.", ["The vote was 52-48.", "Republicans cheered."]),
    ("He was born in 1990. He moved in 2001.", ["He was born in 1990.", "He moved in 2001."]),
    ("Version 2.0 shipped on 1.12.2025. It sold well.", ["Version 2.0 shipped on 1.12.2025.", "It sold well."]),
    # initials
    ("J. R. R. Tolkien wrote it. George W. Bush read it.", ["J. R. R. Tolkien wrote it.", "George W. Bush read it."]),
    ("The plan was drafted by John F. Kennedy's aides. It failed.",
     ["The plan was drafted by John F. Kennedy's aides.", "It failed."]),
    # ellipses
    ("He paused... Then he left.", ["He paused...", "Then he left."]),
    ("He paused… Then he left.", ["He paused…", "Then he left."]),
    ("“We will fight… We will win,” he said. Then he left.",
     ["“We will fight… We will win,” he said.", "Then he left."]),
    ("The talks were... difficult, he said. Then silence.", ["The talks were... difficult, he said.", "Then silence."]),
    # quotes
    ('He said: "We will respond immediately." The army moved.',
     ['He said: "We will respond immediately."', "The army moved."]),
    ("He said: “We will respond immediately.” The army moved.",
     ["He said: “We will respond immediately.”", "The army moved."]),
    ("He said: ‘We will respond immediately.’ The army moved.",
     ["He said: ‘We will respond immediately.’", "The army moved."]),
    ("The minister's office said, 'No comment.' The talks ended.",
     ["The minister's office said, 'No comment.'", "The talks ended."]),
    ('"We will respond immediately," Blinken said in a statement. Then he left.',
     ['"We will respond immediately," Blinken said in a statement.', "Then he left."]),
    ("“This is wrong,” Blinken said in a statement. Then he left.",
     ["“This is wrong,” Blinken said in a statement.", "Then he left."]),
    ('"Is it over?" he asked. Nobody answered.', ['"Is it over?" he asked.', "Nobody answered."]),
    ("“Is it over?” he asked. Nobody answered.", ["“Is it over?” he asked.", "Nobody answered."]),
    ('"We will not retreat. We will win," he said. Others disagreed.',
     ['"We will not retreat. We will win," he said.', "Others disagreed."]),
    ("“We will not retreat. We will win,” he said. Others disagreed.",
     ["“We will not retreat. We will win,” he said.", "Others disagreed."]),
    ('The ministry called it "a provocation." Armenia denied it.',
     ['The ministry called it "a provocation."', "Armenia denied it."]),
    ('The attack killed 12 people, officials said. "This is a massacre," the mayor said.',
     ["The attack killed 12 people, officials said.", '"This is a massacre," the mayor said.']),
    ('Is this the end? "No," he said.', ["Is this the end?", '"No," he said.']),
    # brackets, question and exclamation marks
    ("He said it was over. (The ministry did not comment.) Later more came.",
     ["He said it was over.", "(The ministry did not comment.)", "Later more came."]),
    ("Why now? Officials declined to say! Nobody knows.", ["Why now?", "Officials declined to say!", "Nobody knows."]),
    ("WASHINGTON (Reuters) - The U.S. said on Monday it would act.",
     ["WASHINGTON (Reuters) - The U.S. said on Monday it would act."]),
    ("He said — and this is key — that nothing changed. Fine.",
     ["He said — and this is key — that nothing changed.", "Fine."]),
    # web debris
    ("Read the report at bbc.com. It is long.", ["Read the report at bbc.com.", "It is long."]),
    ("Write to info@example.com. Thanks.", ["Write to info@example.com.", "Thanks."]),
    ("He left.She stayed.", ["He left.She stayed."]),  # no white space, no boundary
    ("iPhone sales rose. eBay fell.", ["iPhone sales rose.", "eBay fell."]),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCE_CASES, ids=[c[0][:40] for c in SENTENCE_CASES])
def test_sentences(text, expected):
    units = segment(text)
    check_offsets(text, units)
    assert [u.text for u in units] == expected


@pytest.mark.parametrize(("text", "expected"), SENTENCE_CASES, ids=[c[0][:40] for c in SENTENCE_CASES])
def test_fast_path_agrees_with_pysbd(text, expected):
    # The fast path must not change any result: it only skips pysbd where pysbd agrees.
    for line in (text, text + " " + text):
        assert boundaries.line_cuts(line, fast=True) == boundaries.line_cuts(line, fast=False)


# ---------------------------------------------------------------------------
# Offsets and white space
# ---------------------------------------------------------------------------


def test_unicode_spaces_stay_outside_spans():
    text = "\u00a0\u2009First sentence here.\u00a0\u00a0Second one follows.\u202f\u3000\n\u200b\ufeffThird line.\u00a0"
    units = segment(text)
    check_offsets(text, units)
    assert [u.text for u in units] == ["First sentence here.", "Second one follows.", "Third line."]
    assert units[0].start == 2
    assert text[units[1].end :].startswith("\u202f\u3000\n")


def test_never_across_a_line_break():
    text = "The ministry said\nthat it would act. It did.\r\nMr. Smith\u2028agreed.\n\nNew paragraph."
    units = segment(text)
    check_offsets(text, units)
    assert [u.text for u in units] == ["The ministry said", "that it would act.", "It did.", "Mr. Smith",
                                       "agreed.", "New paragraph."]


def test_offsets_in_a_long_article():
    text = (DATA / "scraped_body.txt").read_text(encoding="utf-8")
    units = segment(text)
    check_offsets(text, units)
    assert len(units) > 20


def test_empty_and_blank():
    assert segment("") == []
    assert segment(" \n\u00a0\n\t ") == []


def test_unit_is_frozen():
    u = segment("One sentence.")[0]
    assert u == Unit(0, 13, "One sentence.", "body")
    with pytest.raises(AttributeError):
        u.kind = "heading"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Kinds
# ---------------------------------------------------------------------------

KIND_CASES = [
    # headings: short lines without closing punctuation
    ("What happens next", "heading"),
    ("Border clashes: what we know", "heading"),
    ("Minister says border is 'under control'", "heading"),
    ("By Jana Kovel in Brenica", "boilerplate"),  # a byline
    ("By Monday the troops had left.", "body"),
    ('He called it a "provocation."', "body"),  # punctuation before the quote
    ("The ministry denied it (in a statement.)", "body"),
    ("The ministry said in a statement:", "body"),
    ("• 1,200 people were evacuated", "body"),  # a list item, not a heading
    ("and the talks went on", "body"),  # a continuation
    ("Is it over?", "body"),
    # boilerplate
    ("READ MORE: Ceasefire talks collapse in Geneva. Both sides blame each other.", "boilerplate"),
    ("Read more", "boilerplate"),
    ("Also read: Karvan residents flee", "boilerplate"),
    ("Loading...", "boilerplate"),
    ("Loading…", "boilerplate"),
    ("Advertisement", "boilerplate"),
    ("ADVERTISEMENT", "boilerplate"),
    ("Reuters Archive", "boilerplate"),
    ("AFP", "boilerplate"),
    ("Getty Images", "boilerplate"),
    ("AFP via Getty Images", "boilerplate"),
    ("Jane Doe/Reuters", "boilerplate"),
    ("(Photo by Jane Doe/AFP via Getty Images)", "boilerplate"),
    ("Photo: Soldiers at the border", "boilerplate"),
    ("Photograph: John Smith/AP", "boilerplate"),
    ("Image source, Reuters", "boilerplate"),
    ("Share this article", "boilerplate"),
    ("Share on Facebook", "boilerplate"),
    ("Subscribe to our newsletter for daily updates.", "boilerplate"),
    ("Follow us on Twitter", "boilerplate"),
    ("Sign up for our morning newsletter", "boilerplate"),
    ("Click here to read the full report.", "boilerplate"),
    ("We use cookies to improve your experience.", "boilerplate"),
    ("Skip to content", "boilerplate"),
    ("Skip to main content", "boilerplate"),
    ("© 2026 The Daily Courier", "boilerplate"),
    ("Copyright 2026 Reuters. All rights reserved.", "boilerplate"),
    ("Home | World | Politics", "boilerplate"),
    ("Home › News › Europe", "boilerplate"),
    ("(Reporting by Jane Doe in Karvan; Editing by John Smith)", "boilerplate"),
    ("Updated 3 hours ago", "boilerplate"),
    ("5 min read", "boilerplate"),
    ("* * *", "boilerplate"),
    # body sentences that merely mention these words
    ("Reuters could not independently verify the reports.", "body"),
    ("Share prices fell 2% in early trading.", "body"),
    ("Following the talks, both sides withdrew.", "body"),
    ("The AFP news agency said 12 people were killed.", "body"),
    ("Ministry tells Reuters", "heading"),
    ("Updated figures from the ministry show 12 dead.", "body"),
    ("Published: 24 November 2026", "boilerplate"),
    ("(AP Photo/Efrem Lukatsky, File)", "boilerplate"),
    ("Bloomberg Economists Expect Rates To Rise", "heading"),
    # News that only looks like page furniture: real sentences, the whole line body.
    ("The U.S. government has told employees not to download the app. Three agencies have banned TikTok.",
     "body"),
    ("Copyright law is outdated, the judge said. She ordered a new trial.", "body"),
    ("Research by the University of Oxford found that sleep matters.", "body"),
    ("Photo by the ministry showed the damage.", "body"),
    ("«Газпром» и «Роснефть» подписали соглашение.", "body"),
    ("May 2026 be better for everyone.", "body"),
    # ... and furniture.
    ("Reporting by Jane Doe in Kyiv; Editing by John Roe", "boilerplate"),
    ("(Additional reporting by Jana Kovel and the Moscow bureau)", "boilerplate"),
    ("Photo courtesy of the Ministry of Defence", "boilerplate"),
    ("Copyright 2026 The Associated Press. All rights reserved. Do not redistribute.", "boilerplate"),
    ("24 November 2026", "boilerplate"),
    ("Tue 3 Mar 2026 10.30 GMT", "boilerplate"),
    ("Nov. 24, 2026 5:02 p.m. ET", "boilerplate"),
    ("2026-11-24", "boilerplate"),
    ("Home » World » Europe", "boilerplate"),
    ("Associated Press writer Jana Kovel contributed to this report.", "boilerplate"),
    ("This article was amended on 3 March 2026 to correct a date.", "boilerplate"),
    ("Facebook Twitter WhatsApp Email", "boilerplate"),
    ("list of 4 items", "boilerplate"),
    ("list 1 of 4", "boilerplate"),
    ("end of list", "boilerplate"),
    ("1 of 12", "boilerplate"),
    ("Advertisement - Scroll to continue", "boilerplate"),
    ("Related Topics", "boilerplate"),
    ("Facebook and Twitter removed the posts.", "body"),
    ("Reporting by Mohammed al-Sudani in Baghdad; Editing by Tom Hogue", "boilerplate"),
    ("Additional reporting by Jana Kovel; Editing by Toby Chopra - Follow @reuters", "boilerplate"),
    ("Copyright The Associated Press", "boilerplate"),
    ("By Reuters", "boilerplate"),
    ("By The Numbers", "heading"),  # a section heading, not a byline
    ("By Air", "heading"),
    ("99.95", "heading"),  # a figure, not a time
    ("10:30 am", "boilerplate"),
]


@pytest.mark.parametrize(("text", "kind"), KIND_CASES, ids=[c[0][:40] for c in KIND_CASES])
def test_kinds(text, kind):
    units = segment(text)
    check_offsets(text, units)
    assert {u.kind for u in units} == {kind}, [(u.text, u.kind) for u in units]


def test_boilerplate_line_is_one_unit():
    text = "READ MORE: Ceasefire talks collapse in Geneva. Both sides blame each other."
    assert [(u.text, u.kind) for u in segment(text)] == [(text, "boilerplate")]


def test_cookie_banner_line_is_boilerplate_throughout():
    units = segment("We use cookies to improve your experience. By continuing you accept our policy.")
    assert [u.kind for u in units] == ["boilerplate", "boilerplate"]


def test_trailing_photo_credit_in_a_caption():
    # Issue 16: a line followed by a picture credit is a caption, kept out of the queue.
    units = segment("Soldiers patrol the border on Monday. (Photo by Jane Doe/AFP via Getty Images)")
    assert [(u.text, u.kind) for u in units] == [
        ("Soldiers patrol the border on Monday.", "boilerplate"),
        ("(Photo by Jane Doe/AFP via Getty Images)", "boilerplate"),
    ]


@pytest.mark.parametrize("credit", [
    "Photo: Kevin Marsh/The Valley Herald", "REUTERS/Umit Bektas", "Noah Berger/AP", "Foto: Oliver Berg/dpa",
    "Fot. Leszek Szyma\u0144ski/PAP", "(AP Photo/J. Scott Applewhite)", "\u0424\u043e\u0442\u043e: "
    "\u0421\u0435\u0440\u0433\u0435\u0439 \u0418\u0432\u0430\u043d\u043e\u0432/\u0422\u0410\u0421\u0421"])
def test_line_followed_by_a_credit_is_a_caption(credit):
    text = (f"The minister spoke to reporters.\n\nVolunteers fill sandbags outside the fire station.\n{credit}"
            "\n\nThe river rose.")
    kinds = {u.text: u.kind for u in segment(text)}
    assert kinds["Volunteers fill sandbags outside the fire station."] == "boilerplate"
    assert kinds[credit] == "boilerplate"
    assert kinds["The minister spoke to reporters."] == kinds["The river rose."] == "body"


def test_staff_credit_does_not_make_a_caption():
    text = "Troops crossed the river on Monday, officials said.\nReporting by Jana Kovel; Editing by John Roe"
    assert [u.kind for u in segment(text)] == ["body", "boilerplate"]


def test_caption_printed_twice_loses_both_copies():
    cap = "Residents line up to speak at the council meeting on Monday."
    text = f"{cap}\n\nThe council voted 7-4 early Tuesday.\n\n{cap}\n\nThe vote ended a long night."
    units = segment(text)
    assert [u.kind for u in units] == ["boilerplate", "body", "duplicate", "body"]


def test_a_quotation_repeated_as_a_pull_quote_keeps_its_first_copy():
    quote = "\u201cWe are done waiting for the market to solve this,\u201d the mayor said."
    units = segment(f"{quote}\n\nThe plan needs council approval.\n\n{quote}")
    assert [u.kind for u in units] == ["body", "body", "duplicate"]


def test_heading_needs_a_single_unit_line():
    units = segment("Talks stall. Shelling resumes")
    assert [u.kind for u in units] == ["body", "body"]


def test_duplicates():
    text = (
        "Soldiers patrol the border near Karvan on Monday.\n"
        "Reuters Archive\n"
        "The ministry said the shelling began at dawn. He denied it.\n"
        "Soldiers  patrol the border near\u00a0Karvan on Monday.\n"  # same after normalisation
        "Reuters Archive\n"  # boilerplate stays boilerplate
        "He denied it.\n"  # too short to be called a duplicate
        "SOLDIERS PATROL THE BORDER NEAR KARVAN ON MONDAY.\n"
    )
    units = segment(text)
    check_offsets(text, units)
    # Issue 16: a line followed by a credit ("Reuters Archive") is a caption, both times it
    # is printed; the third copy, with no credit, is a duplicate.
    assert [u.kind for u in units] == ["boilerplate", "boilerplate", "body", "body", "boilerplate", "boilerplate",
                                       "body", "duplicate"]


def test_title_repeated_in_body_is_a_duplicate():
    units = segment("Velorian troops enter Brenica\nThe town fell on Monday.", title="Velorian troops enter Brenica")
    assert [u.kind for u in units] == ["duplicate", "body"]
    assert [u.kind for u in segment("Velorian troops enter Brenica")] == ["heading"]


def test_messy_scraped_body():
    text = (DATA / "scraped_body.txt").read_text(encoding="utf-8")
    got = {(u.text, u.kind) for u in segment(text)}
    for expected in [
        ("Home | World | Europe", "boilerplate"),
        ("What happens next", "heading"),
        ("READ MORE: Ceasefire talks collapse in Geneva", "boilerplate"),
        ("Loading...", "boilerplate"),
        ("Reuters Archive", "boilerplate"),
        ("Soldiers patrol the border near Karvan on Monday.", "boilerplate"),  # a caption (issue 16)
        ("“We will not allow our territory to be occupied,” Defence Minister Gen. Arif Aliyev told reporters "
         "at 3 p.m. local time.", "body"),
        ("Share this article", "boilerplate"),
        ("© 2026 The Daily Courier.", "boilerplate"),
        ("All rights reserved.", "boilerplate"),
    ]:
        assert expected in got


# ---------------------------------------------------------------------------
# normalize_for_hash
# ---------------------------------------------------------------------------


def test_normalize_for_hash():
    a = "  Cafe\u0301 opens\u00a0in\tKARVAN.\n\nMore  text. "
    b = "Café opens in karvan. More text."
    assert normalize_for_hash(a) == normalize_for_hash(b) == "café opens in karvan. more text."
    assert normalize_for_hash("a\u200bb") == "ab"
    assert normalize_for_hash("Straße") == normalize_for_hash("STRASSE")


# ---------------------------------------------------------------------------
# Hang guard and fallback splitter
# ---------------------------------------------------------------------------

PATHOLOGICAL = [
    "He said..[111 111 111 111 111 111 111 111 111 111]",
    "He said..[" + "111 " * 300 + "]",
    "He said.[" + "1" * 200 + "] x",
    "He said." + "[111 111 11]" * 200 + " x",
    "He said.[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] and more. The end.",
    ("Mr. Smith spoke. " + "He said..[111 111 111 111 111 111 111 111 111 111] ") * 50,
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=[f"p{i}" for i in range(len(PATHOLOGICAL))])
def test_pathological_input_keeps_exact_offsets(text):
    # How fast such lines go is bench/extract.py's to measure (5 MB single lines).
    check_offsets(text, segment(text))


def test_fallback_keeps_abbreviation_rules():
    # The risky bracket sends this line to the fallback splitter.
    text = ("Mr. Smith met Gen. Ali at 3 p.m. on Sept. 12 in the U.S. capital [1111111111111]. "
            "George W. Bush was not there. “We will not retreat. We will win,” he said. No. 5 is next.")
    assert boundaries.RISKY_RE.search(text)
    assert texts(text) == [
        "Mr. Smith met Gen. Ali at 3 p.m. on Sept. 12 in the U.S. capital [1111111111111].",
        "George W. Bush was not there.",
        "“We will not retreat. We will win,” he said.",
        "No. 5 is next.",
    ]


def test_long_line_is_chunked_exactly():
    sentence = "The ministry said Gen. Ali met Mr. Smith at 3 p.m. on Monday, officials said. "
    text = sentence * 600  # ~48,000 characters on one line
    units = segment(text)
    check_offsets(text, units)
    assert [u.text for u in units] == [sentence.strip()] * 600


def test_no_boundary_lines_skip_pysbd(monkeypatch):
    calls = []
    real = boundaries.pysbd_sentences
    monkeypatch.setattr(boundaries, "pysbd_sentences", lambda t: calls.append(t) or real(t))
    segment("What happens next\nA single sentence without a boundary inside it.\n")
    assert calls == []


def test_pysbd_failure_falls_back(monkeypatch):
    def boom(text):
        raise RuntimeError("pysbd bug")

    monkeypatch.setattr(boundaries, "pysbd_sentences", boom)
    text = "Mr. Smith arrived. \"Is it over?\" he asked. The talks ended."
    assert texts(text) == ["Mr. Smith arrived.", '"Is it over?" he asked.', "The talks ended."]


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("abcXYZ019 .,;:!?…'\"“”‘’()[]-—%$@/\n\t\u00a0\u2009\u200b\r")
    + ["Mr. ", "U.S. ", "p.m. ", "No. 5", "2.5%", "... ", "He said. ", "READ MORE: ", "\u2028", "[111 111 "]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=120).map("".join))
def test_segment_properties(text):
    units = segment(text)
    check_offsets(text, units)
    # every non-space character outside a unit is white space or invisible
    covered = set()
    for u in units:
        covered.update(range(u.start, u.end))
    for i, c in enumerate(text):
        if i not in covered:
            assert not c.strip(chars.STRIP)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_segment_never_raises_on_any_text(text):
    check_offsets(text, segment(text))


# ---------------------------------------------------------------------------
# Length cap (issue 16)
# ---------------------------------------------------------------------------


def test_a_run_without_punctuation_is_cut_at_clause_boundaries_and_flagged_long():
    clause = "the committee heard from residents of the eastern districts about the new bus routes, "
    text = "Residents said " + clause * 40 + "and nobody disagreed. The vote followed."
    units = segment(text)
    check_offsets(text, units)
    assert all(len(u.text) <= 1000 for u in units)
    long = [u for u in units if u.long]
    assert len(long) >= 3 and all(u.text.endswith(",") for u in long[:-1])
    assert units[-1].text == "The vote followed." and not units[-1].long


@pytest.mark.parametrize("text", ["word " * 30000, "\u5317" * 5000, "a\u0301" * 3000, "x" * 2500 + " " + "y" * 10])
def test_no_unit_over_the_cap(text):
    units = segment(text)
    check_offsets(text, units)
    assert units and all(len(u.text) <= 1000 and u.long for u in units)
    assert not any(u.text[0] == "\u0301" for u in units)  # never between a letter and its accent


def test_short_units_are_not_long():
    assert not any(u.long for u in segment("A sentence. Another one, with a clause."))
