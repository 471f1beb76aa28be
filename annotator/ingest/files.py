"""One uploaded file -> its articles, by extension (or by content when there is none)."""

from __future__ import annotations

import os

from .article import ArticleIn, IngestError
from .decode import decode
from .html_page import parse_html
from .jsonl import parse_jsonl
from .text import parse_txt

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
