"""Markdown -> plain text lines, from markdown-it's tokens: the text of headings,
paragraphs, list items, quotations and table rows, without markup, links reduced to their
text and images left out.  Front matter ('---' block of 'key: value' lines) is read too."""

from __future__ import annotations

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable("table")
_FRONT_KEYS = {
    "title": "title",
    "url": "url",
    "source": "source",
    "outlet": "source",
    "published": "published",
    "date": "published",
    "id": "external_id",
    "topic": "topic",
}
# Inline tokens whose content is text; a soft break is a space (CommonMark renders it so).
_INLINE_TEXT = {"text": None, "code_inline": None, "softbreak": " ", "hardbreak": "\n"}


def front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Optional '---' block of 'key: value' lines at the top of a Markdown file."""
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for i in range(1, min(len(lines), 60)):
        if lines[i].strip() in ("---", "..."):
            meta = {}
            for raw in lines[1:i]:
                key, sep, value = raw.partition(":")
                key = key.strip().lower()
                if sep and key in _FRONT_KEYS:
                    meta[_FRONT_KEYS[key]] = value.strip().strip("\"'")
            return meta, lines[i + 1 :]
    return {}, lines


def _inline(token) -> str:
    # An image's alt text is one of its children, not of the paragraph: left out.
    return "".join(_INLINE_TEXT[c.type] or c.content for c in token.children or () if c.type in _INLINE_TEXT)


def markdown_lines(text: str) -> list[str]:
    """Each block's text as one line (a hard break inside a block starts a line); blocks
    separated by a blank line, list items and table rows by a line break only."""
    out: list[str] = []
    list_depth = 0
    item_start = False
    row: list[str] | None = None
    for tok in _MD.parse(text):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if not list_depth:
                out.append("")
        elif tok.type == "list_item_open":
            item_start = True
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            if any(row):
                out.append(" | ".join(row))
            row = None
        elif tok.type == "table_close":
            out.append("")
        elif tok.type == "inline":
            line = _inline(tok).strip()
            if row is not None:
                row.append(" ".join(line.split()))
            elif line:
                out.extend(("• " + line if item_start else line).split("\n"))
                item_start = False
                if not list_depth:
                    out.append("")
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            out.extend([*tok.content.rstrip("\n").split("\n"), ""])
    while out and not out[-1]:
        out.pop()
    return out
