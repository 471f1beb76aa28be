"""Files (.txt .md .jsonl .html) -> articles, with clear errors.

This part is pure parsing: no database, no Flask.  Every parser returns the whole
list of articles of a file or raises ``IngestError`` naming the file (and the line
where there is one), so a file imports all or nothing.
"""

from __future__ import annotations

import codecs
import html
import json
import os
import re
from dataclasses import dataclass

__all__ = [
    "ArticleIn",
    "IngestError",
    "decode",
    "parse_file",
    "parse_html",
    "parse_jsonl",
    "parse_txt",
]


# A \uD800-\uDFFF escape: half of a UTF-16 pair. Python's parser joins whole pairs into one
# character and leaves a lone half in the string, which no database can store (UTF-8 has no
# encoding for it): such text is refused here, with the file and line, not at the INSERT.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_ESCAPE_BYTES_RE = re.compile(_SURROGATE_ESCAPE_RE.pattern.encode())
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_loads(text):
    """json.loads, with input nested too deeply for the parser (which raises RecursionError),
    numbers too long for int() and strings holding half a UTF-16 pair ("\\ud83d") reported as
    invalid JSON like any other, so that callers name the file and line."""
    doc = text if isinstance(text, str) else ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError as err:  # bytes that are not UTF-8 (or UTF-16/32 with a BOM)
        raise json.JSONDecodeError(f"not UTF-8 (byte {err.start})", doc, 0) from None
    except (RecursionError, ValueError) as err:
        # ValueError: an integer past Python's limit of digits (sys.get_int_max_str_digits)
        what = "nested too deeply" if isinstance(err, RecursionError) else "a number too long"
        raise json.JSONDecodeError(what, doc, 0) from None
    escape = _SURROGATE_ESCAPE_RE if isinstance(text, str) else _SURROGATE_ESCAPE_BYTES_RE
    if escape.search(text):
        _refuse_lone_surrogates(value, doc)
    return value


def _refuse_lone_surrogates(value, doc: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if m := _SURROGATE_RE.search(item):
                raise json.JSONDecodeError(
                    f"{ascii(m.group())[1:-1]} is half of a UTF-16 pair, not a character", doc, 0)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@dataclass
class ArticleIn:
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    external_id: str | None = None
    topic: str | None = None
    line: int | None = None  # line number in the source file (JSONL), for messages


class IngestError(ValueError):
    """A file that cannot be imported.  ``str(e)``: "news.jsonl, line 3: text is missing"."""

    def __init__(self, filename: str, message: str, line: int | None = None):
        self.filename = filename
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.filename}, line {self.line}: {self.message}"
        return f"{self.filename}: {self.message}"


# ---------------------------------------------------------------------------
# Bytes -> text
# ---------------------------------------------------------------------------

# Formats people upload by mistake; named so the message says what the file is.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .xlsx file?)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)
# C0 controls other than tab, LF, VT, FF, CR: never in text, common in binary.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")
# A character reference left by a scraper ("&amp;", "&#8217;", "&nbsp;"), always with its
# semicolon: "AT&T" and "&notation" stay as they are.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescape(text: str) -> str:
    """Character references in scraped plain text, as the characters they stand for."""
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def _plain(text: str) -> str:
    """Imported plain text as stored: \n line ends, references decoded, and no C0 control
    characters (scraper debris; PostgreSQL refuses NUL in text)."""
    return _CONTROL_RE.sub("", _unescape(text.replace("\r\n", "\n").replace("\r", "\n")))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(filename: str, data: bytes) -> str:
    """UTF-8 bytes (BOM accepted) -> text with LF line ends.

    Refuses empty or blank files, binary data and invalid UTF-8 (naming the line and
    byte offset).
    """
    if not data.strip():
        raise IngestError(filename, "file is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(filename, f"not a text file: this looks like {what}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(filename, "file is UTF-16 encoded; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            filename, f"binary data (a NUL byte at byte offset {nul}), not a text file", _line_of(data, nul)
        )
    data = data.rstrip(b"\x1a")  # the DOS end-of-file mark of old text files
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        raise IngestError(
            filename,
            f"invalid UTF-8 (byte 0x{data[offset]:02x} at byte offset {offset}); save the file as UTF-8",
            _line_of(data, offset),
        ) from None
    bad = _CONTROL_RE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise IngestError(filename, f"binary data (control character U+{ord(bad.group()):04X}), not a text file", line)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(filename, "file is empty")
    return text


# ---------------------------------------------------------------------------
# .txt and .md
# ---------------------------------------------------------------------------

_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")
_MD_CLOSING_HASHES_RE = re.compile(r"\s+#+\s*$")
_MD_SETEXT_RE = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_RULE_RE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_IMAGE_RE = re.compile(r"[ \t]*!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_MD_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM_RE = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_CODE_RE = re.compile(r"`([^`\n]+)`")
_MD_QUOTE_RE = re.compile(r"^\s{0,3}>\s?")
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


def _md_line(line: str) -> str:
    line = _MD_QUOTE_RE.sub("", line)
    if _MD_HEADING_RE.match(line):
        line = _MD_CLOSING_HASHES_RE.sub("", _MD_HEADING_RE.sub("", line))
    line = _MD_IMAGE_RE.sub("", line)
    line = _MD_LINK_RE.sub(r"\1", line)
    line = _MD_STRONG_RE.sub(r"\2", line)
    line = _MD_EM_RE.sub(r"\1", line)
    return _MD_CODE_RE.sub(r"\1", line)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
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
    (paragraphs separated by blank lines).  For Markdown, heading markers, links,
    images and emphasis are reduced to their text, and front matter is read."""
    text = _plain(text)
    lines = text.split("\n")
    is_md = os.path.splitext(filename)[1].lower() in (".md", ".markdown")
    meta: dict[str, str] = {}
    if is_md:
        meta, lines = _front_matter(lines)
        cleaned = []
        for i, x in enumerate(lines):
            # Rules and setext underlines ("Title\n=====") are markup, not text.
            if _MD_RULE_RE.match(x) or (_MD_SETEXT_RE.match(x) and i and lines[i - 1].strip()):
                cleaned.append("")
            else:
                cleaned.append(_md_line(x))
        lines = cleaned
        # Removed markup leaves runs of blank lines: one blank line between paragraphs.
        lines = [x for i, x in enumerate(lines) if x.strip() or not i or lines[i - 1].strip()]
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


# ---------------------------------------------------------------------------
# .jsonl (and .json)
# ---------------------------------------------------------------------------

_OPTIONAL = (("url", "url"), ("source", "source"), ("outlet", "source"), ("published", "published"),
             ("id", "external_id"), ("topic", "topic"))
_TEXT_ALIASES = ("body", "content", "article", "text_body")
_TITLE_ALIASES = ("headline", "heading", "name")
_MAX_REPORTED = 20


def _epoch(value: float) -> str:
    from datetime import datetime, timezone

    seconds = value / 1000 if abs(value) >= 1e11 else value  # 1e11 s is the year 5138
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"published: {value} is not a Unix time in seconds or milliseconds") from None


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)


def _article_from(obj: object, where: int | None) -> ArticleIn:
    """One JSON value -> ArticleIn; ValueError with a message naming the field."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {_type_name(obj)}")
    fields: dict[str, str | None] = {}
    for name, aliases in (("title", _TITLE_ALIASES), ("text", _TEXT_ALIASES)):
        value = obj.get(name)
        if value is None:
            hint = next((a for a in aliases if a in obj), None)
            raise ValueError(f"{name} is missing" + (f" (found {hint!r}; rename it to {name!r})" if hint else ""))
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, got {_type_name(value)}")
        value = _plain(value).strip()  # escaped controls ("\u0000") dropped too
        if not value:
            raise ValueError(f"{name} is empty")
        fields[name] = value
    extra: dict[str, str | None] = {}
    for key, attr in _OPTIONAL:
        if key not in obj or obj[key] is None:
            continue
        value = obj[key]
        if type(value) in (int, float) and value == value and abs(value) < 1e15:  # not NaN, bool
            if key == "id" and value == int(value):
                value = str(int(value))  # numeric ids are common (17.0 where pandas saw gaps); stored as text
            elif key == "published":
                value = _epoch(value)  # Unix time, in seconds or milliseconds
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, got {_type_name(value)}")
        value = _CONTROL_RE.sub("", value).strip() or None
        if extra.get(attr) is None:  # "source" wins over its alias "outlet"
            extra[attr] = value
    return ArticleIn(title=" ".join(fields["title"].split()), text=fields["text"], line=where, **extra)


def _raise_collected(filename: str, errors: list[tuple[int | None, str]]) -> None:
    first_line, first_msg = errors[0]
    rest = [f"line {ln}: {msg}" if ln is not None else msg for ln, msg in errors[1:_MAX_REPORTED]]
    if len(errors) > _MAX_REPORTED:
        rest.append(f"and {len(errors) - _MAX_REPORTED} more bad lines")
    message = "; ".join([first_msg, *rest])
    err = IngestError(filename, message, first_line)
    err.errors = errors  # type: ignore[attr-defined]  # every (line, message), for UIs
    raise err


def parse_jsonl(filename: str, text: str) -> list[ArticleIn]:
    """One JSON object per line; blank lines skipped.  All or nothing: every bad line
    is named in one IngestError (``line`` is the first bad line)."""
    stripped = text.lstrip()
    if filename.lower().endswith(".json") and stripped.startswith("["):
        return _parse_json_array(filename, text)
    articles: list[ArticleIn] = []
    errors: list[tuple[int | None, str]] = []
    for n, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            obj = json_loads(raw)
        except json.JSONDecodeError as e:
            if not articles and not errors and _is_one_object(text):
                if filename.lower().endswith(".json"):  # one pretty-printed article
                    try:
                        return [_article_from(json_loads(text), None)]
                    except ValueError as e2:
                        raise IngestError(filename, str(e2)) from None
                raise IngestError(filename, "this is one pretty-printed JSON object; JSONL needs one "
                                  "object per line (or name the file .json)", n) from None
            errors.append((n, f"invalid JSON ({e.msg} at column {e.colno})"))
            continue
        try:
            articles.append(_article_from(obj, n))
        except ValueError as e:
            errors.append((n, str(e)))
    if errors:
        _raise_collected(filename, errors)
    if not articles:
        raise IngestError(filename, "no articles in the file")
    return articles


def _is_one_object(text: str) -> bool:
    try:
        return isinstance(json_loads(text), dict)
    except json.JSONDecodeError:
        return False


def _parse_json_array(filename: str, text: str) -> list[ArticleIn]:
    try:
        items = json_loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(filename, f"invalid JSON ({e.msg} at column {e.colno})", e.lineno) from None
    if not isinstance(items, list):
        raise IngestError(filename, "expected a JSON array of article objects")
    articles: list[ArticleIn] = []
    errors: list[tuple[int | None, str]] = []
    for i, obj in enumerate(items, 1):
        try:
            articles.append(_article_from(obj, None))
        except ValueError as e:
            errors.append((None, f"item {i}: {e}"))
    if errors:
        _raise_collected(filename, errors)
    if not articles:
        raise IngestError(filename, "no articles in the file")
    return articles


# ---------------------------------------------------------------------------
# .html
# ---------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript", "iframe", "button",
              "svg", "template", "object", "embed", "select", "input", "textarea", "dialog", "canvas", "audio",
              "video", "map")
# Elements that start a new block of text: news pages put paragraphs in <div>s and
# <section>s as often as in <p>s. Inline elements (<a>, <span>, <em>, ...) never break a line.
_BLOCK_TAGS = frozenset((
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
# "Headline | Site" / "Headline - Site News" in <title>.
_TITLE_SUFFIX_RE = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]{2,60}$")


def _clean(text: str) -> str:
    text = _unescape(text)  # double-escaped scrapes ("&amp;quot;"), as in plain text
    text = _INVISIBLE_RE.sub("", text)
    return " ".join(text.split())


def _block_text(el) -> str:
    """The text of one element (a headline) on one line."""
    from bs4.element import NavigableString, Tag

    parts: list[str] = []
    for node in el.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append(" ")
        elif type(node) is NavigableString:  # not comments, CDATA, doctype, script text
            parts.append(str(node))
    return _clean("".join(parts))


def _blocks(root) -> list[str]:
    """The text blocks of a page in document order, each a paragraph of the article.

    Every block element starts and ends a block, so text directly in a <div> is kept beside
    the <p>s around it, and a block never runs on into the next; a <br> ends a line within a
    block. List items are marked as such; link-only items and boxes (related stories, share
    buttons) are left out."""
    from bs4.element import NavigableString, Tag

    blocks: list[str] = []
    text: list[str] = []  # pieces of the block being read
    linked = [0, 0]  # its non-space characters inside <a>, and all of them

    def flush(owner, loose: bool = False) -> None:
        lines = [_clean(x) for x in "".join(text).split("\n")]
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
            elif text and text[-1][-1:] in ".!?" and node.name not in _BLOCK_TAGS:
                text.append(" ")  # "Antakya.<span>Photo: Reuters</span>": two units, not one
            if node.name in _BLOCK_TAGS:
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


def _meta(soup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name}) \
            or soup.find("meta", attrs={"itemprop": name})
        if tag and tag.get("content") and tag["content"].strip():
            return _clean(tag["content"])
    return None


def _json_ld(soup) -> dict:
    """NewsArticle metadata from <script type="application/ld+json">, if any."""
    for tag in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json_loads(tag.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                    return item
    return {}


def _ld_str(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    if isinstance(value, list):
        value = value[0] if value else None
    return _clean(value) if isinstance(value, str) and value.strip() else None


def _inside(el, names: tuple[str, ...]) -> bool:
    return any(p.name in names for p in el.parents)


def parse_html(filename: str, text: str) -> list[ArticleIn]:
    """One article from a news page: headline, paragraphs, sub-headings, captions."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    ld = _json_ld(soup)
    site = _meta(soup, "og:site_name", "application-name") or _ld_str(ld.get("publisher"))
    url = None
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rel = rel if isinstance(rel, list) else [rel]
        if "canonical" in (r.lower() for r in rel) and link["href"].strip():
            url = link["href"].strip()
            break
    url = url or _meta(soup, "og:url") or _ld_str(ld.get("url")) or _ld_str(ld.get("mainEntityOfPage"))
    published = _meta(soup, "article:published_time", "og:published_time", "datePublished", "pubdate",
                      "publish-date", "date") or _ld_str(ld.get("datePublished"))
    topic = _meta(soup, "article:section") or _ld_str(ld.get("articleSection"))

    # Prefer the article itself over the page around it.
    articles = soup.find_all("article")
    root = max(articles, key=lambda a: sum(len(p.get_text()) for p in a.find_all("p"))) if articles else None
    root = root or soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup

    # Headline: an <h1> of the article, else one outside the page chrome (a site logo
    # often sits in an <h1> inside <header>), else og:title / <title>.
    h1 = root.find("h1") if root.name in ("article", "main") else None
    h1 = h1 or next((h for h in soup.find_all("h1") if not _inside(h, ("header", "nav", "footer"))), None)
    title = _block_text(h1) if h1 else ""
    if not title:
        title = _meta(soup, "og:title", "twitter:title") or _ld_str(ld.get("headline")) or ""
    if not title and soup.title:
        title = _clean(soup.title.get_text())
        if site:
            for sep in (" | ", " - ", " – ", " — ", ": "):
                if title.endswith(sep + site):
                    title = title[: -len(sep + site)]
        elif _TITLE_SUFFIX_RE.search(title) and len(_TITLE_SUFFIX_RE.sub("", title)) > 15:
            title = _TITLE_SUFFIX_RE.sub("", title)
    if not title:  # last resort: any <h1>, even in the page header
        h1 = soup.find("h1")
        title = _block_text(h1) if h1 else ""
    if not published:
        time_tag = root.find("time", attrs={"datetime": True}) or soup.find("time", attrs={"datetime": True})
        published = time_tag["datetime"].strip() if time_tag and time_tag["datetime"].strip() else None

    if h1 is not None:
        h1.decompose()
    # A <header> inside the <article> is the article's own (standfirst, byline, date); the
    # page's header (logo, menus) is page chrome.
    drop = [t for t in _DROP_TAGS if not (t == "header" and root.name == "article")]
    for tag in root.find_all(drop):
        tag.decompose()
    for tag in root.find_all(attrs={"hidden": True}) + root.find_all(attrs={"aria-hidden": "true"}):
        if not tag.decomposed:
            tag.decompose()

    blocks = _blocks(root)
    body = "\n\n".join(blocks)
    if not title:
        raise IngestError(filename, "no headline found (no <h1>, og:title or <title>)")
    if not body:
        raise IngestError(filename, "no article text found (only page chrome: navigation, scripts, forms)")
    return [ArticleIn(title=title, text=body, url=url, source=site, published=published, topic=topic)]


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------

_PARSERS = {
    ".txt": parse_txt,
    ".text": parse_txt,
    ".md": parse_txt,
    ".markdown": parse_txt,
    ".jsonl": parse_jsonl,
    ".ndjson": parse_jsonl,
    ".json": parse_jsonl,
    ".html": parse_html,
    ".htm": parse_html,
}


def parse_file(filename: str, data: bytes) -> list[ArticleIn]:
    """Bytes of one file -> its articles, dispatching on the extension."""
    ext = os.path.splitext(filename)[1].lower()
    parser = _PARSERS.get(ext)
    if parser is None:
        if ext:
            raise IngestError(filename, f"unsupported file type {ext!r} (use .txt, .md, .jsonl or .html)")
        text = decode(filename, data)  # no extension (stdin): look at the content
        head = text.lstrip()[:1]
        parser = parse_jsonl if head == "{" else parse_html if head == "<" else parse_txt
        return parser(filename, text)
    return parser(filename, decode(filename, data))
