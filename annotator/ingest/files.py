"""One uploaded file -> its articles, by extension (or by content when there is none)."""

from __future__ import annotations

import os

from functools import partial

from .article import ArticleIn, IngestError
from .csv_table import parse_csv
from .decode import decode, decode_page
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
    ".csv": parse_csv,
    ".tsv": partial(parse_csv, delimiter="\t"),
}


_PAGES = frozenset((".html", ".htm"))


def parse_file(filename: str, data: bytes) -> list[ArticleIn]:
    """Bytes of one file -> its articles, dispatching on the extension.  Web pages are read
    in the encoding they declare (or one detected); every other format must be UTF-8."""
    ext = os.path.splitext(filename)[1].lower()
    parser = _PARSERS.get(ext)
    if parser is None:
        if ext:
            raise IngestError(filename, f"unsupported file type {ext!r} (use .txt, .md, .jsonl, .csv, .tsv or .html)")
        # no extension (stdin): look at the content
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
            return parse_html(filename, decode_page(filename, data))
        text = decode(filename, data)
        parser = parse_jsonl if text.lstrip()[:1] == "{" else parse_txt
        return parser(filename, text)
    return parser(filename, decode_page(filename, data) if ext in _PAGES else decode(filename, data))
