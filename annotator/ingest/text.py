"""Plain text and Markdown files: one article, the first non-empty line its title."""

from __future__ import annotations

import os
import re

from .article import ArticleIn, IngestError
from .decode import plain
from .markdown import front_matter, markdown_lines

# Hard-wrapped text: a long line without closing punctuation, continued by a line
# starting in lowercase, is one paragraph (segmentation never crosses a line break).
_WRAP_END_RE = re.compile(r"[\w,;\-–—]$")
_WRAP_MIN = 40
# A paragraph wrapped at a fixed width (40-120 characters, as mail, wire feeds and old
# archives do): 3+ lines, each but the last filled to within a quarter of the widest and
# not shorter than the next line's first word would have needed, several of them broken
# mid-sentence and at least one continued in lowercase; no columns aligned with runs of
# spaces (a text table), no list of headlines. Its line breaks are layout, not structure: it
# is joined into one line.
_WRAP_WIDTH = (40, 120)
_COLUMNS_RE = re.compile(r"\S(?: {2,}|\t)\S")


def _wrapped(para: list[str]) -> bool:
    if len(para) < 3:
        return False
    width = max(len(x) for x in para)
    if not _WRAP_WIDTH[0] <= width <= _WRAP_WIDTH[1]:
        return False
    body = para[:-1]
    if any(len(x) < 0.75 * width or len(x) + 1 + len(nxt.split()[0]) <= width
           for x, nxt in zip(body, para[1:])):
        return False
    if any(_COLUMNS_RE.search(x) for x in para) or not any(x[:1].islower() for x in para[1:]):
        return False
    return sum(1 for x in body if _WRAP_END_RE.search(x)) >= max(2, len(body) // 2)


def _unwrap(lines: list[str]) -> list[str]:
    """Hard-wrapped paragraphs as one line each (see _WRAP_WIDTH and _WRAP_END_RE)."""
    joined: list[str] = []
    para: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            para.append(line)
            continue
        if _wrapped([x.strip() for x in para]):
            joined.append(" ".join(x.strip() for x in para))
        else:
            joined.extend(para)
        para = []
        joined.append(line)
    lines = joined[:-1]
    out: list[str] = []
    for line in lines:
        prev = out[-1].rstrip() if out else ""
        cur = line.lstrip()
        if len(prev) >= _WRAP_MIN and cur[:1].islower() and _WRAP_END_RE.search(prev):
            out[-1] = prev + " " + cur
        else:
            out.append(line)
    return out


def parse_txt(filename: str, text: str) -> list[ArticleIn]:
    """One article: the first non-empty line is the title, the rest the text
    (paragraphs separated by blank lines).  Markdown is read as markdown-it parses it
    (markdown.py): markup, links and images reduced to text, front matter read."""
    text = plain(text)
    lines = text.split("\n")
    is_md = os.path.splitext(filename)[1].lower() in (".md", ".markdown")
    meta: dict[str, str] = {}
    if is_md:
        meta, lines = front_matter(lines)
        lines = markdown_lines("\n".join(lines))
    title = " ".join(meta.pop("title", "").split())
    for i, line in enumerate(lines):
        if line.strip():
            # The first non-empty line is the title (front matter may have given it
            # already; then a first heading repeating it is dropped).
            if not title or " ".join(line.split()) == title:
                title = " ".join(line.split())
                lines = lines[i + 1 :]
            break
    body = "\n".join(_unwrap(lines)).strip()
    if not title:
        raise IngestError(filename, "no title: the first non-empty line is the title")
    if not body:
        raise IngestError(filename, "no text after the title line (the first non-empty line is the title)")
    return [ArticleIn(title=title, text=body, **{k: v for k, v in meta.items() if v})]
