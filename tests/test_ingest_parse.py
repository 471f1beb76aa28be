"""Parsing imported files: decoding, .txt/.md, .jsonl/.json, .html, and every error path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.ingest import ArticleIn, IngestError, decode, parse_file, parse_html, parse_jsonl, parse_txt

DATA = Path(__file__).parent / "data"


def error_of(filename: str, data: bytes) -> IngestError:
    with pytest.raises(IngestError) as info:
        parse_file(filename, data)
    return info.value


# ---------------------------------------------------------------------------
# IngestError
# ---------------------------------------------------------------------------


def test_ingest_error_format():
    e = IngestError("news.jsonl", "text is missing", 3)
    assert str(e) == "news.jsonl, line 3: text is missing"
    assert (e.filename, e.line, e.message) == ("news.jsonl", 3, "text is missing")
    assert isinstance(e, ValueError)
    assert str(IngestError("news.txt", "file is empty")) == "news.txt: file is empty"


# ---------------------------------------------------------------------------
# decode
# ---------------------------------------------------------------------------


def test_decode_bom_and_line_ends():
    assert decode("a.txt", b"\xef\xbb\xbfTitle\r\n\r\nOne.\rTwo.\n") == "Title\n\nOne.\nTwo.\n"


def test_decode_strips_dos_eof_mark():
    assert decode("a.txt", b"Title\r\n\r\nText.\r\n\x1a") == "Title\n\nText.\n"


@pytest.mark.parametrize("data", [b"", b"   ", b" \r\n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty_files(data):
    e = error_of("news.txt", data)
    assert str(e) == "news.txt: file is empty"


def test_invalid_utf8_names_line_and_offset():
    e = error_of("news.txt", b"Title\n\nThe caf\xe9 opened.\n")
    assert e.line == 3
    assert str(e).startswith("news.txt, line 3: invalid UTF-8")
    assert "byte 0xe9 at byte offset 14" in str(e)


def test_invalid_utf8_offset_counts_the_bom():
    e = error_of("news.jsonl", b'\xef\xbb\xbf{"title": "A", "text": "B"}\n{"title": "\xff"}\n')
    assert e.line == 2 and "byte offset 42" in e.message


def test_latin1_file_is_refused():
    e = error_of("news.txt", "Title\n\nÉtat de siège à Karvan.\n".encode("latin-1"))
    assert e.line == 3 and "invalid UTF-8" in e.message


def test_nul_bytes_are_binary():
    e = error_of("news.txt", b"Title\n\nText\x00\x01\x02 more")
    assert e.line == 3 and "binary" in e.message


def test_control_characters_are_binary():
    e = error_of("news.jsonl", b'{"title": "A", "text": "B"}\n\x05\x06\x07\n')
    assert e.line == 2 and "binary" in e.message


@pytest.mark.parametrize(
    ("data", "what"),
    [(b"%PDF-1.7\n%\xe2\xe3", "PDF"), (b"PK\x03\x04\x14\x00", "ZIP"), (b"\x89PNG\r\n\x1a\n", "PNG")],
)
def test_known_binary_formats(data, what):
    e = error_of("news.txt", data)
    assert what in e.message and e.line is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_its_byte_order_mark_is_read(encoding, tmp_path):
    """Excel's "Unicode text" (UTF-16 with a byte order mark) reads as UTF-8 does: whole, and
    line by line when streamed; broken UTF-16 is named."""
    import codecs

    from annotator.ingest.stream import stream_articles

    bom = codecs.BOM_UTF16_BE if encoding.endswith("be") else b""
    body = "title,text\nЗаголовок,\"Министр сказал: «нет».\"\nSecond,Plain text.\n"
    data = bom + body.encode(encoding)
    whole = parse_file("rows.csv", data)
    assert [a.title for a in whole] == ["Заголовок", "Second"]
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        streamed = [a for a, _ in stream_articles("rows.csv", fh)]
    assert [(a.title, a.text) for a in streamed] == [(a.title, a.text) for a in whole]
    e = error_of("news.txt", codecs.BOM_UTF16_LE + b"T\x00\x00\xd8")
    assert "UTF-16" in e.message


# ---------------------------------------------------------------------------
# parse_file dispatch
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["news.pdf", "news.docx", "archive.tar.gz", "news.xls"])
def test_unknown_extension(name):
    e = error_of(name, b"Title\n\nText.")
    assert e.filename == name and "unsupported file type" in e.message


@pytest.mark.parametrize("name", ["NEWS.TXT", "news.md", "news.html", "news.HTM", "news.jsonl", "news.json"])
def test_extensions_dispatch(name):
    data = {
        "txt": b"Title\n\nText.",
        "md": b"# Title\n\nText.",
        "html": b"<h1>Title</h1><p>Text.</p>",
        "htm": b"<h1>Title</h1><p>Text.</p>",
        "jsonl": b'{"title": "Title", "text": "Text."}',
        "json": b'{"title": "Title", "text": "Text."}',
    }[name.rsplit(".", 1)[1].lower()]
    [art] = parse_file(name, data)
    assert (art.title, art.text) == ("Title", "Text.")


def test_no_extension_is_sniffed():
    assert parse_file("-", b'{"title": "A", "text": "B"}\n')[0].title == "A"
    assert parse_file("-", b"<html><h1>A</h1><p>B</p></html>")[0].text == "B"
    assert parse_file("-", b"A\n\nB")[0].text == "B"


# ---------------------------------------------------------------------------
# .txt and .md
# ---------------------------------------------------------------------------


def test_txt_title_and_paragraphs():
    data = b"\n\n  Ceasefire collapses in Karvan  \n\nFirst paragraph, line one.\n\nSecond paragraph.\n\n\n"
    [art] = parse_file("news.txt", data)
    assert art.title == "Ceasefire collapses in Karvan"
    assert art.text == "First paragraph, line one.\n\nSecond paragraph."
    assert art.url is None and art.line is None


def test_txt_crlf_and_bom():
    data = b"\xef\xbb\xbfCeasefire collapses\r\n\r\nFirst paragraph.\r\n\r\nSecond paragraph.\r\n"
    [art] = parse_file("news.txt", data)
    assert art.title == "Ceasefire collapses"
    assert art.text == "First paragraph.\n\nSecond paragraph."
    assert "\r" not in art.text


def test_txt_keeps_short_lines_and_headings():
    text = "Title\n\nWhat happens next\nThe talks resume on Monday.\n\nREAD MORE: Other story"
    assert parse_txt("news.txt", text)[0].text == "What happens next\nThe talks resume on Monday.\n\nREAD MORE: Other story"


def test_txt_hard_wrapped_lines_are_joined():
    text = ("Title\n\nThe ministry said on Tuesday that the talks would resume\n"
            "next week in Geneva, officials said.\nThe army moved on Monday.\n")
    assert parse_txt("news.txt", text)[0].text == (
        "The ministry said on Tuesday that the talks would resume next week in Geneva, officials said.\n"
        "The army moved on Monday."
    )


def test_txt_only_a_title():
    e = error_of("news.txt", b"Just a title\n\n\n")
    assert e.filename == "news.txt" and "no text" in e.message


def test_md_heading_markers_are_stripped():
    data = b"# Ceasefire collapses #\n\nThe talks ended.\n\n## What happens next\n\nMore talks.\n"
    [art] = parse_file("news.md", data)
    assert art.title == "Ceasefire collapses"
    assert art.text == "The talks ended.\n\nWhat happens next\n\nMore talks."


def test_md_setext_title_links_emphasis_rules():
    data = (
        "Ceasefire collapses\n===================\n\n"
        "Troops **withdrew** from [Karvan](https://example.org/karvan) on *Monday*. ![map](map.png)\n\n"
        "---\n\n"
        "> \u201cWe will return,\u201d the commander said.\n"
    ).encode()
    [art] = parse_file("news.md", data)
    assert art.title == "Ceasefire collapses"
    assert art.text == "Troops withdrew from Karvan on Monday.\n\n\u201cWe will return,\u201d the commander said."


def test_md_is_read_as_markdown_not_by_line():
    data = ("# Vote passes\n\nThe bill, which *critics* called `rushed`,\npassed 61-39 [on Monday](/x).\n\n"
            "- First point\n- Second **point**\n\n| Party | Seats |\n| --- | --- |\n| Blue | 12 |\n\n"
            "<div class=\"ad\">Advertisement</div>\n\nLast line.  \nAfter a hard break.\n").encode()
    [art] = parse_file("news.md", data)
    assert art.text.split("\n") == [
        "The bill, which critics called rushed, passed 61-39 on Monday.", "",  # soft break: a space
        "\u2022 First point", "\u2022 Second point", "",
        "Party | Seats", "Blue | 12", "",
        "Last line.", "After a hard break."]


def test_md_front_matter():
    data = b"---\ntitle: \"Karvan shelling\"\nurl: https://example.org/a\nsource: VPA\ndate: 2026-11-24\n---\n# Karvan shelling\n\nText.\n"
    [art] = parse_file("news.md", data)
    assert (art.title, art.url, art.source, art.published) == ("Karvan shelling", "https://example.org/a", "VPA",
                                                                "2026-11-24")
    assert art.text == "Text."
    [art] = parse_file("news.md", b"---\ntitle: Front title\n---\nFirst line.\n\nText.\n")
    assert (art.title, art.text) == ("Front title", "First line.\n\nText.")


# ---------------------------------------------------------------------------
# .jsonl
# ---------------------------------------------------------------------------


def jsonl(*objs) -> bytes:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs).encode()


def test_jsonl_all_fields():
    data = jsonl(
        {"title": " Karvan  shelling ", "text": "Para one.\r\n\r\nPara two. ", "url": "https://e.org/1",
         "source": "Reuters", "published": "2026-11-24", "id": "r-1", "topic": "conflict", "extra": [1, 2]},
        "",
        "   ",
        {"title": "Second", "text": "Body.", "outlet": "VPA", "id": 42, "url": None},
    )
    arts = parse_file("news.jsonl", data)
    assert arts == [
        ArticleIn(title="Karvan shelling", text="Para one.\n\nPara two.", url="https://e.org/1", source="Reuters",
                  published="2026-11-24", external_id="r-1", topic="conflict", line=1),
        ArticleIn(title="Second", text="Body.", source="VPA", external_id="42", line=4),
    ]


def test_jsonl_crlf_and_bom():
    data = b"\xef\xbb\xbf" + jsonl({"title": "A", "text": "B"}, {"title": "C", "text": "D"}).replace(b"\n", b"\r\n")
    assert [(a.title, a.line) for a in parse_file("news.jsonl", data)] == [("A", 1), ("C", 2)]


def test_jsonl_source_wins_over_outlet():
    [art] = parse_jsonl("n.jsonl", json.dumps({"title": "A", "text": "B", "source": "S", "outlet": "O"}))
    assert art.source == "S"


def test_jsonl_control_characters_in_strings_are_dropped():
    [art] = parse_jsonl("n.jsonl", json.dumps({"title": "A\u0000", "text": "B\u0001C"}))
    assert (art.title, art.text) == ("A", "BC")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"title": "A", "text": "B"', "invalid JSON"),
        ("not json at all", "invalid JSON"),
        ('["title", "text"]', "expected a JSON object, got an array"),
        ('"just a string"', "expected a JSON object, got a string"),
        ('{"text": "B"}', "title is missing"),
        ('{"title": "A"}', "text is missing"),
        ('{"title": "A", "body": "B"}', "text is missing (found 'body'; rename it to 'text')"),
        ('{"headline": "A", "text": "B"}', "title is missing (found 'headline'; rename it to 'title')"),
        ('{"title": "", "text": "B"}', "title is empty"),
        ('{"title": "A", "text": " \\n "}', "text is empty"),
        ('{"title": null, "text": "B"}', "title is missing"),
        ('{"title": 5, "text": "B"}', "title must be a string, got a number"),
        ('{"title": "A", "text": ["B"]}', "text must be a string, got an array"),
        ('{"title": "A", "text": "B", "url": 3}', "url must be a string, got a number"),
        ('{"title": "A", "text": "B", "published": {"y": 2026}}', "published must be a string, got an object"),
        ('{"title": "A", "text": "B", "id": true}', "id must be a string, got a boolean"),
        ('{"title": "A", "text": "B", "outlet": 1.5}', "outlet must be a string, got a number"),
    ],
)
def test_jsonl_bad_line(line, message):
    data = jsonl({"title": "Good", "text": "Fine."}, "", line, {"title": "Good", "text": "Also fine."})
    e = error_of("news.jsonl", data)
    assert e.line == 3
    assert str(e).startswith("news.jsonl, line 3: ")
    assert message in e.message


def test_jsonl_names_every_bad_line():
    data = jsonl({"title": "A", "text": "B"}, '{"title": 1}', "{oops", {"title": "C", "text": "D"}, '{"text": "x"}')
    e = error_of("news.jsonl", data)
    assert e.line == 2
    assert "line 3: invalid JSON" in str(e) and "line 5: title is missing" in str(e)
    assert [ln for ln, _ in e.errors] == [2, 3, 5]


def test_jsonl_many_bad_lines_are_summarised():
    e = error_of("news.jsonl", b"x\n" * 50)
    assert e.line == 1 and "and 30 more bad lines" in e.message


def test_jsonl_pretty_printed_object_gets_a_hint():
    e = error_of("news.jsonl", b'{\n  "title": "A",\n  "text": "B"\n}\n')
    assert e.line == 1 and "one object per line" in e.message


def test_json_array_and_single_object():
    arts = parse_file("news.json", b'[{"title": "A", "text": "B"},\n {"title": "C", "text": "D"}]')
    assert [a.title for a in arts] == ["A", "C"]
    assert parse_file("news.json", b'{\n  "title": "A",\n  "text": "B"\n}\n')[0].text == "B"
    e = error_of("news.json", b'[{"title": "A", "text": "B"}, {"title": "C"}, 7]')
    assert "item 2: text is missing" in e.message and "item 3: expected a JSON object" in e.message
    e = error_of("news.json", b'[{"title": "A", "text": "B"},\n {"title": ')
    assert e.line == 2 and "invalid JSON" in e.message


# ---------------------------------------------------------------------------
# .html
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messy() -> ArticleIn:
    [art] = parse_file("messy_article.html", (DATA / "messy_article.html").read_bytes())
    return art


def test_html_metadata(messy):
    assert messy.title == "Shelling resumes near Karvan as Geneva talks stall"
    assert messy.url == "https://courier.example/world/karvan-shelling"
    assert messy.source == "The Daily Courier"
    assert messy.published == "2026-11-24T08:15:00Z"
    assert messy.topic == "World"


def test_html_body_blocks(messy):
    assert messy.text.split("\n\n") == [
        "By Jana Kovel",  # the article's own <header>: kept, and then boilerplate (below)
        "24 November 2026",
        "Soldiers patrol the border near Karvan on Monday. (Photo by Jane Doe/AFP via Getty Images)",
        "KARVAN, Nov 24 (Reuters) \u2013 Troops exchanged artillery fire overnight near the border town of Karvan, "
        "the U.S. State Department said on Tuesday, urging \u201cmaximum restraint.\u201d",
        # the ad slot's "Advertisement" label: a furniture container, left out
        '"We will not allow our territory to be occupied," Defence Minister Gen. Arif Aliyev told reporters.\n'
        "He did not take questions.",  # <br>: a line break
        "Prices rose 2.5% & more than 1,000 people fled, the ministry's figures show.",
        "What happens next",
        "Talks are due to resume in Geneva on Nov. 28. Officials said a ceasefire was \u201cwithin reach.\u201d",
        "\u2022 About 1,200 people were evacuated",
        "\u2022 Two villages lost power",
        "Our forces returned fire.",
        "The ministry\u2019s spokesman declined to comment.",
    ]


@pytest.mark.parametrize(
    "junk",
    ["dataLayer", "alert", "display:block", "We use cookies", "Accept all", "Home", "Politics", "hidden",
     "Related", "Ceasefire talks collapse", "Facebook", "iframes", "JavaScript", "Share this", "Most read",
     "All rights reserved", "ad slot", "loadAd", "The Daily Courier", "@mod", "\u00a0", "\u00ad"],
)
def test_html_drops_page_chrome(messy, junk):
    assert junk not in messy.text


def test_html_title_fallbacks():
    page = "<html><head><title>Karvan shelling resumes | Daily Courier</title>{meta}</head><body>{body}</body></html>"
    [a] = parse_html("a.html", page.format(meta="", body="<p>Text.</p>"))
    assert a.title == "Karvan shelling resumes"
    [a] = parse_html("a.html", page.format(meta='<meta property="og:title" content="OG headline">',
                                           body="<header><h1>Site logo</h1></header><p>Text.</p>"))
    assert a.title == "OG headline"
    [a] = parse_html("a.html", page.format(meta='<meta property="og:site_name" content="Daily Courier">',
                                           body="<p>Text.</p>"))
    assert (a.title, a.source) == ("Karvan shelling resumes", "Daily Courier")


def test_html_metadata_fallbacks():
    page = """<html><head>
      <meta property="og:url" content="https://e.org/og">
      <script type="application/ld+json">{"@graph": [{"@type": "WebPage"},
        {"@type": ["NewsArticle"], "datePublished": "2026-01-02", "publisher": {"name": "LD News"},
         "articleSection": "Europe"}]}</script>
      </head><body><main><h1>Headline</h1><time datetime="2026-03-04">4 March</time><p>Text.</p></main></body></html>"""
    [a] = parse_html("a.html", page)
    assert (a.url, a.published, a.source, a.topic) == ("https://e.org/og", "2026-01-02", "LD News", "Europe")
    [a] = parse_html("a.html", "<h1>Headline</h1><time datetime='2026-03-04'>4 March</time><p>Text.</p>")
    assert a.published == "2026-03-04" and a.url is None and a.source is None


def test_html_prefers_article_and_keeps_subheadings_and_captions():
    page = """<body><div class="promo"><p>Promo outside the article.</p></div>
      <article><h1>Headline</h1><p>First &amp; <b>bold</b> <a href='#'>linked</a> text.</p>
      <h3>Sub   heading</h3><figure><figcaption>Caption text.</figcaption></figure>
      <p>Escaped &amp;lt;b&amp;gt; twice.</p></article></body>"""
    [a] = parse_html("a.html", page)
    assert a.text == "First & bold linked text.\n\nSub heading\n\nCaption text.\n\nEscaped <b> twice."


def test_html_without_paragraphs_uses_lines():
    [a] = parse_html("a.html", "<html><body><h1>Headline</h1><div>Line one.<br>Line two.</div></body></html>")
    assert a.text == "Line one.\nLine two."


def test_html_byline_and_date_are_not_queued(messy):
    from annotator.segment import segment

    kinds = {u.text: u.kind for u in segment(messy.text, title=messy.title)}
    assert kinds["By Jana Kovel"] == kinds["24 November 2026"] == "boilerplate"
    assert kinds["He did not take questions."] == "body"


def test_html_text_in_divs_is_kept_beside_paragraphs():
    page = """<html><body><h1>Quake toll rises</h1>
      <div class="consent"><p>We use cookies to improve your experience.</p></div>
      <div>ISTANBUL, Feb 7 (Reuters) - The death toll rose above 5,000.</div>
      <div class="para">Rescuers pulled a child alive from the rubble.</div>
      <p>Aid arrived on <a href="/x">Tuesday</a>.</p>
      <div class="related"><a href="/a">Another story entirely</a></div></body></html>"""
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == [
        "We use cookies to improve your experience.",
        "ISTANBUL, Feb 7 (Reuters) - The death toll rose above 5,000.",
        "Rescuers pulled a child alive from the rubble.",
        "Aid arrived on Tuesday."]  # the link-only box is left out


def test_html_inline_tags_and_source_line_breaks_never_break_a_line():
    page = """<html><body><h1>Senate vote</h1><div>WASHINGTON (Reuters) - The Senate passed aid for
      <a href="#">Ukraine</a>, Israel and Taiwan, and the leader called it "a <em>historic</em>
      vote."</div></body></html>"""
    [a] = parse_html("a.html", page)
    assert a.text == ('WASHINGTON (Reuters) - The Senate passed aid for Ukraine, Israel and Taiwan, '
                      'and the leader called it "a historic vote."')


def test_html_keeps_the_article_header_but_not_the_page_header():
    page = """<html><body><header><a href="/">Site</a><p>Sign in to read more</p></header><article>
      <header><h1>Independents win</h1><p class="standfirst">Independent candidates won the most
      seats, official results showed.</p></header><p>Turnout was 61%.</p></article></body></html>"""
    [a] = parse_html("a.html", page)
    assert a.title == "Independents win"
    assert a.text == "Independent candidates won the most seats, official results showed.\n\nTurnout was 61%."


def test_html_without_headline():
    e = error_of("page.html", b"<html><body><p>Text only.</p></body></html>")
    assert str(e) == "page.html: no headline found (no <h1>, og:title or <title>)"


def test_html_without_text():
    e = error_of("page.html", b"<html><head><title>T</title><script>x()</script></head><body><nav>Home</nav></body></html>")
    assert e.filename == "page.html" and "no article text" in e.message


def test_html_not_utf8_is_read_not_refused():
    # Issue 16: a page that is not UTF-8 is read in its declared, marked or detected encoding.
    [a] = parse_file("page.html", b"<html>\n<h1>T</h1>\n<p>Le caf\xe9 a ferm\xe9 ses portes.</p>\n</html>")
    assert a.text == "Le caf\u00e9 a ferm\u00e9 ses portes."


@pytest.mark.parametrize(("head", "encoding"), [
    ('<meta charset="windows-1250">', "cp1250"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">', "iso-8859-2"),
    ("<meta charset=koi8-r>", "koi8-r"),
])
def test_html_declared_charset_is_honoured(head, encoding):
    text = {"cp1250": "Rz\u0105d przyj\u0105\u0142 ustaw\u0119 w \u015brod\u0119.",
            "iso-8859-2": "Vl\u00e1da schv\u00e1lila z\u00e1kon ve st\u0159edu.",
            "koi8-r": "\u041f\u0440\u0430\u0432\u0438\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e "
                      "\u043f\u0440\u0438\u043d\u044f\u043b\u043e \u0437\u0430\u043a\u043e\u043d."}[encoding]
    page = f"<html><head>{head}</head><body><h1>{text[:10]}</h1><p>{text}</p></body></html>"
    [a] = parse_file("page.html", page.encode(encoding))
    assert a.text == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_html_byte_order_mark_wins(encoding):
    page = '<html><head><meta charset="windows-1252"></head><h1>T</h1><p>Za\u017c\u00f3\u0142\u0107.</p></html>'
    [a] = parse_file("page.html", page.encode(encoding))
    assert a.text == "Za\u017c\u00f3\u0142\u0107."


def test_html_binary_is_still_refused():
    e = error_of("page.html", b"%PDF-1.7\n<h1>T</h1>")
    assert "PDF" in e.message


def test_character_references_left_by_scrapers_are_decoded():
    """Scraped plain text often keeps HTML references; only well-formed ones (with their
    semicolon) are decoded, so "AT&T" and "&notation" stay as written."""
    [a] = parse_file("a.jsonl", b'{"title": "Oil&nbsp;prices &amp; AT&T", '
                                b'"text": "Prices &#8220;rose&#8221; at AT&T, &notation aside &#x2014; &amp; more."}')
    assert a.title == "Oil prices & AT&T"
    assert a.text == "Prices \u201crose\u201d at AT&T, &notation aside \u2014 & more."
    [t] = parse_file("a.txt", b"Talks &amp; tensions\n\nThe minister&#8217;s office said so.\n")
    assert (t.title, t.text) == ("Talks & tensions", "The minister\u2019s office said so.")


def test_txt_paragraph_wrapped_at_a_fixed_width_is_one_line():
    text = ("Title\n\n"
            "WASHINGTON (Reuters) - The Federal Reserve held interest rates steady on\n"
            "Wednesday, but signalled it could cut them later this year, as officials\n"
            "in Washington weighed signs of cooling inflation. The U.S. central bank\n"
            "kept its benchmark rate in the 5.25%-5.50% range.\n\n"
            "Key points\nRates held\nCuts possible\n")
    assert parse_txt("news.txt", text)[0].text == (
        "WASHINGTON (Reuters) - The Federal Reserve held interest rates steady on Wednesday, but "
        "signalled it could cut them later this year, as officials in Washington weighed signs of "
        "cooling inflation. The U.S. central bank kept its benchmark rate in the 5.25%-5.50% range."
        "\n\nKey points\nRates held\nCuts possible")
    # Lines of one paragraph each, of about the same length, are not a wrapped paragraph.
    lines = ["The ministry said on Monday that 1,000 troops had moved.",
             "Government forces liberated the village of Dren on Tuesday.",
             "The river crossing is 12 km long and it opened in 2019.",
             "Talks are due to resume in Geneva on Thursday morning."]
    assert parse_txt("news.txt", "Title\n\n" + "\n".join(lines))[0].text == "\n".join(lines)


def test_jsonl_numeric_ids_and_unix_times_are_read():
    """As pandas and scrapers write them: ids as numbers (17.0 where a column has gaps),
    publication times as Unix seconds or milliseconds."""
    arts = parse_file("a.jsonl", b'{"title": "T", "text": "X.", "id": 17.0, "published": 1732435200}\n'
                                 b'{"title": "U", "text": "Y.", "id": 18, "published": 1732435200123}\n')
    assert [(a.external_id, a.published) for a in arts] == [
        ("17", "2024-11-24T08:00:00Z"), ("18", "2024-11-24T08:00:00Z")]
    for bad, message in (('"id": 17.5', "id must be a string"),
                         ('"published": true', "published must be a string"),
                         ('"published": 9e14', "not a Unix time")):
        e = error_of("a.jsonl", ('{"title": "T", "text": "X.", %s}' % bad).encode())
        assert e.line == 1 and message in e.message, e.message


def test_html_tables_rows_and_embeds():
    page = """<html><body><h1>Results</h1><p>Results:</p><table><tr><th>Party</th><th>Seats</th>
      <th>Share</th></tr><tr><td>Labour</td><td>412</td><td>33.7%</td></tr></table>
      <figure><figcaption>Rescuers in Antakya.<span>Photo: Reuters</span></figcaption></figure>
      <blockquote><p>We stand firm.</p>The minister repeated the line on Tuesday.</blockquote>
      <blockquote class="twitter-tweet"><p>Our forces returned fire.</p>— MoD (@mod) Nov 24</blockquote>
      </body></html>"""
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == [
        "Results:", "Party | Seats | Share", "Labour | 412 | 33.7%",  # a row is one line
        "Rescuers in Antakya. Photo: Reuters",  # no longer glued: "Antakya.Photo"
        "We stand firm.", "The minister repeated the line on Tuesday.",  # a quote's own text
        "Our forces returned fire."]  # an embedded post's attribution is left out


def test_html_extraction_never_hashes_a_tag(monkeypatch):
    """bs4 hashes a tag by serialising its whole subtree: a set of tags made every step cost
    the size of the page (192 s for 4,000 nested blocks, 0.3 s by identity)."""
    from bs4.element import Tag

    def refuse(self):
        raise AssertionError("a Tag was hashed")

    page = "<h1>T</h1>" + "<div><p>x y z.</p>" * 300 + "</div>" * 300
    monkeypatch.setattr(Tag, "__hash__", refuse)
    [a] = parse_html("a.html", page)
    assert len(a.text.split("\n\n")) == 300


def test_txt_lists_and_text_tables_are_not_taken_for_wrapped_paragraphs():
    heads = ["Ceasefire talks collapse in Geneva as both sides trade blame",
             "Refugees return to Brenica after months of shelling in valley",
             "Karsk and Veloria agree on prisoner exchange at the border post",
             "Oil prices climb after the pipeline through the valley is shut"]
    table = ["Country        Cases      Deaths     Recovered in the past week",
             "Veloria        1,204      32         1,100 and counting so far now",
             "Karsk          2,310      51         2,001 and counting so far too"]
    for lines in (heads, table):
        assert parse_txt("news.txt", "Title\n\n" + "\n".join(lines))[0].text == "\n".join(lines)


# ---------------------------------------------------------------------------
# .html: region and headline (issue 16)
# ---------------------------------------------------------------------------

STORY = ["The council approved the budget on Tuesday after a four-hour debate in the town hall.",
         "The plan raises property taxes by 3% and adds two new bus routes in the eastern districts.",
         "Opponents said the increase would hurt retirees on fixed incomes and vowed to appeal."]


def test_html_teaser_cards_never_take_the_article():
    cards = "".join(f"<article class='teaser'><h3><a href='/{i}'>Other story {i}</a></h3><p>A teaser blurb of "
                    f"another story, number {i}, long enough to count.</p></article>" for i in range(3))
    page = (f"<html><body><main><h1>Budget passes</h1><div class='txt'>{''.join(f'<p>{p}</p>' for p in STORY)}</div>"
            f"{cards}</main></body></html>")
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == STORY


def test_html_small_region_is_widened():
    # The densest container holds one paragraph; the rest of the story sits beside it.
    page = (f"<html><body><h1>Budget passes</h1><div><div class='a'><p>{STORY[0]}</p></div>"
            f"<div class='b'><span>{STORY[1]}</span><br><span>{STORY[2]}</span></div></div></body></html>")
    [a] = parse_html("a.html", page)
    assert all(p in a.text for p in STORY)


def test_html_headline_matches_og_title_and_skips_boxes():
    page = """<html><head><meta property="og:title" content="Budget passes after long debate"></head><body>
      <form class="login"><h1>Sign in</h1></form>
      <div class="newsletter-box"><h1>Get our newsletter</h1><p>Sign up for the morning briefing.</p></div>
      <a href="/promo"><h1>Win a trip to Paris</h1></a>
      <div class="promo-card"><h1>Budget</h1></div>
      <main><h1>Budget passes after long debate</h1><p>{0}</p></main></body></html>""".format(STORY[0])
    [a] = parse_html("a.html", page)
    assert a.title == "Budget passes after long debate"
    assert a.text == STORY[0]


@pytest.mark.parametrize("box", ["comments", "newsletter-signup", "paywall", "author-bio", "related-stories",
                                 "article-tags", "share-bar", "app-promo", "next-article"])
def test_html_furniture_containers_are_dropped(box):
    page = (f"<html><body><article><h1>Budget passes</h1>{''.join(f'<p>{p}</p>' for p in STORY)}"
            f"<div class='{box}'><p>Furniture text that must not reach the queue, however long it is.</p></div>"
            "</article></body></html>")
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == STORY


def test_html_wrapper_named_like_a_box_is_kept():
    page = (f"<html><body><div class='has-comments share-enabled'><h1>Budget passes</h1>"
            f"{''.join(f'<p>{p}</p>' for p in STORY * 3)}</div></body></html>")
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == STORY * 3


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_never_cut_a_sentence(sep):
    from annotator.segment import segment

    text = f"The minister said{sep}the talks would resume.{sep}Officials agreed."
    [a] = parse_jsonl("a.jsonl", json.dumps({"title": "T", "text": text}))
    assert [u.text for u in segment(a.text)] == ["The minister said the talks would resume.", "Officials agreed."]
    [b] = parse_file("b.txt", f"Title\n\n{text}".encode())
    assert b.text == a.text


def test_html_rendered_by_script_takes_the_json_ld_article_body():
    body = "\n".join(STORY)
    page = (f"<html><head><script type='application/ld+json'>{{\"@type\": \"NewsArticle\", \"articleBody\": "
            f"{json.dumps(body)}}}</script></head><body><h1>Budget passes</h1><p>{STORY[0]}</p>"
            "<div id='root'></div></body></html>")
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == STORY


def test_html_localised_box_names_are_furniture():
    page = (f"<html><body><article><h1>Presupuesto aprobado</h1>{''.join(f'<p>{p}</p>' for p in STORY)}"
            "<div class='comentarios'><p>Un comentario de un lector que no debe llegar a la cola.</p></div>"
            "</article></body></html>")
    [a] = parse_html("a.html", page)
    assert a.text.split("\n\n") == STORY


def test_html_paragraphs_without_a_body_element():
    [a] = parse_html("a.html", f"<h1>T</h1><div class='share'><p>{STORY[0]}</p></div><p>{STORY[1]}</p>")
    assert a.text == STORY[1]


def test_html_deeply_nested_boxes_are_handled():
    # 3,000 nested furniture boxes: every containment test is by identity, each walk is once.
    page = f"<h1>T</h1>{'<div class=share>' * 3000}<p>{STORY[0]}</p>{'</div>' * 3000}<p>{STORY[1]}</p>"
    [a] = parse_html("a.html", page)
    assert a.text == STORY[1]


def test_html_valid_utf8_under_a_stale_latin_declaration_is_read_as_utf8():
    page = ('<html><head><meta charset="iso-8859-1"></head><h1>T</h1>'
            '<p>Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144.</p></html>')
    [a] = parse_file("page.html", page.encode("utf-8"))
    assert a.text == "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144."
