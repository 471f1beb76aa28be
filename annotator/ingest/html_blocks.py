"""An HTML element -> its text blocks (paragraphs, headings, list items, table rows) in
document order, each on its own line."""

from __future__ import annotations

import re

from bs4.element import NavigableString, Tag

from .decode import unescape

# Elements that start a new block of text: news pages put paragraphs in <div>s and
# <section>s as often as in <p>s. Inline elements (<a>, <span>, <em>, ...) never break a line.
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul"))
# A table row is one line, its cells separated by " | " (the segmenter takes a row of short
# cells for furniture, as it does a menu).
_CELL_TAGS = frozenset(("td", "th"))
# Embedded posts (X, Instagram, TikTok) are <blockquote>s whose text beside their paragraphs
# is the embed's attribution ("— Defence Ministry (@mod) November 24, 2026").
_EMBED_RE = re.compile(r"tweet|twitter|instagram|tiktok|embed|facebook|threads|bluesky", re.I)
# A line break in the HTML source is white space, except in <pre>.
_SOURCE_BREAK_RE = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Blocks that are text by nature: kept even when all of it is a link.
_TEXT_BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figcaption"))
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def clean(text: str) -> str:
    text = unescape(text)  # double-escaped scrapes ("&amp;quot;"), as in plain text
    text = _INVISIBLE_RE.sub("", text)
    return " ".join(text.split())


def block_text(el) -> str:
    """The text of one element (a headline) on one line."""
    parts: list[str] = []
    for node in el.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append(" ")
        elif type(node) is NavigableString:  # not comments, CDATA, doctype, script text
            parts.append(str(node))
    return clean("".join(parts))


def blocks(root) -> list[str]:
    """The text blocks of a page in document order, each a paragraph of the article.

    Every block element starts and ends a block, so text directly in a <div> is kept beside
    the <p>s around it, and a block never runs on into the next; a <br> ends a line within a
    block. List items are marked as such; link-only items and boxes (related stories, share
    buttons) are left out."""
    blocks: list[str] = []
    text: list[str] = []  # pieces of the block being read
    linked = [0, 0]  # its non-space characters inside <a>, and all of them

    def flush(owner, loose: bool = False) -> None:
        lines = [clean(x) for x in "".join(text).split("\n")]
        lines = [x for x in lines if x]
        link_only = linked[1] > 0 and linked[0] >= linked[1]
        text.clear()
        linked[:] = [0, 0]
        if not lines or (link_only and owner is not None and owner.name not in _TEXT_BLOCKS):
            return
        piece = "\n".join(lines)
        if loose and owner is not None and owner.name == "blockquote" and _is_embed(owner, piece):
            return  # an embedded post's attribution, beside the post's own paragraphs
        if owner is not None and owner.name == "li" and piece[0] not in "•-–—*":
            piece = "• " + piece  # marks a list item, which the segmenter keeps as body text
        blocks.append(piece)

    open_blocks = [None]  # the block element each piece of text belongs to
    had_blocks: set[int] = set()  # id() of block elements with blocks inside: their own
    # text is "loose" (ids: a bs4 Tag hashes by serialising its whole subtree)
    inside = {"a": 0, "pre": 0}  # how deep in links (link-only boxes) and in <pre>
    stack: list[tuple[object, bool]] = [(root, False)]  # (node, leaving it): no recursion limit
    while stack:
        node, leaving = stack.pop()
        if leaving:
            if node.name in inside:
                inside[node.name] -= 1
            if node.name != "a":
                flush(node, loose=id(node) in had_blocks)
                open_blocks.pop()
            continue
        if isinstance(node, Tag):
            if node.name == "br":
                text.append("\n")
                continue
            if node.name in _CELL_TAGS and linked[1]:  # the row has text before this cell
                text.append(" | ")
            elif text and text[-1][-1:] in ".!?" and node.name not in BLOCK_TAGS:
                text.append(" ")  # "Antakya.<span>Photo: Reuters</span>": two units, not one
            if node.name in BLOCK_TAGS:
                if open_blocks[-1] is not None:
                    had_blocks.add(id(open_blocks[-1]))
                flush(open_blocks[-1], loose=True)
                open_blocks.append(node)
                stack.append((node, True))
            elif node.name == "a":
                stack.append((node, True))
            if node.name in inside:
                inside[node.name] += 1
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:  # not comments, CDATA, doctype, script text
            piece = str(node) if inside["pre"] else _SOURCE_BREAK_RE.sub(" ", str(node))
            text.append(piece)
            n = len(piece.strip())
            linked[1] += n
            if inside["a"]:
                linked[0] += n
    flush(open_blocks[-1])
    return blocks


def _is_embed(quote, loose: str) -> bool:
    classes = " ".join(quote.get("class") or [])
    return bool(_EMBED_RE.search(classes)) or loose[:1] in "—–-" or "@" in loose
