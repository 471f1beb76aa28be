"""Articles from a JSONL or CSV file read line by line: memory bounded by one article, not by
the file (issue 21: a 1 GB import). Pure parsing, no database.

`stream_articles` yields (article, bytes read so far) for a progress bar. It checks every line
as parse_jsonl / parse_csv do, with the same messages; on the first bad line it stops yielding
and reads on only to name more bad lines (up to MAX_REPORTED), then raises one IngestError
naming the file and the first bad line. The consumer must treat that as "nothing imported".
Formats that need the whole file (.json arrays, .txt, .html, sentence CSVs grouped by article)
are not streamed: `streamable` says which are.
"""
from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Iterator
from typing import BinaryIO

from .article import ArticleIn, IngestError
from . import csv_table
from .jsonl import _MAX_REPORTED, article_from, raise_collected
from .strict_json import json_loads

STREAMED = {".jsonl": None, ".ndjson": None, ".csv": ",", ".tsv": "\t"}


def streamable(filename: str, head: bytes = b"") -> bool:
    """Whether the file can be read line by line: JSONL, or an article CSV/TSV (a sentence CSV,
    whose header has a position column, groups rows by article and is read whole)."""
    ext = os.path.splitext(filename)[1].lower()
    if ext not in STREAMED:
        return False
    if STREAMED[ext] is None:
        return True
    first = head.decode(_encoding(head), "replace").split("\n", 1)[0].lower()
    return "position" not in first


def _encoding(head: bytes) -> str:
    """UTF-16 where the file starts with its byte order mark (Excel's "Unicode text"), else
    UTF-8 (a UTF-8 byte order mark is dropped from the first line)."""
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8"


def _lines(filename: str, fh: BinaryIO, counter: list[int]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded as UTF-8 (or UTF-16 with its byte order
    mark); counter[0] is the bytes read."""
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if not head and fh.seekable():
        head = fh.read(2)
        fh.seek(0)
    if _encoding(head) == "utf-16":
        # its line ends are two bytes: read as text, counting two bytes per UTF-16 unit
        text = io.TextIOWrapper(fh, encoding="utf-16", newline="")
        try:
            for n, line in enumerate(text, 1):
                counter[0] += len(line.encode("utf-16-le"))
                yield n, line
        except UnicodeDecodeError as e:
            raise IngestError(filename, f"not valid UTF-16 ({e.reason})") from None
        finally:
            text.detach()
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    for n, raw in enumerate(fh, 1):
        counter[0] += len(raw)
        try:
            line = decoder.decode(raw)
        except UnicodeDecodeError as e:
            raise IngestError(filename, f"not UTF-8 (byte {e.start + 1} of the line); save the "
                              "file as UTF-8", n) from None
        if n == 1:
            line = line.lstrip("\ufeff")
        yield n, line


def stream_articles(filename: str, fh: BinaryIO) -> Iterator[tuple[ArticleIn, int]]:
    ext = os.path.splitext(filename)[1].lower()
    if STREAMED.get(ext, None) is None:
        yield from _jsonl(filename, fh)
    else:
        yield from _csv(filename, fh, STREAMED[ext])


def _jsonl(filename: str, fh: BinaryIO) -> Iterator[tuple[ArticleIn, int]]:
    read = [0]
    errors: list[tuple[int | None, str]] = []
    seen = False
    for n, line in _lines(filename, fh, read):
        if not line.strip():
            continue
        try:
            art = article_from(json_loads(line), n)
        except json.JSONDecodeError as e:
            errors.append((n, f"invalid JSON ({e.msg} at column {e.colno})"))
        except ValueError as e:
            errors.append((n, str(e)))
        else:
            seen = True
            if not errors:
                yield art, read[0]
        if len(errors) > _MAX_REPORTED:
            break
    _finish(filename, errors, seen)


def _csv(filename: str, fh: BinaryIO, delimiter: str) -> Iterator[tuple[ArticleIn, int]]:
    read = [0]
    table = csv_table.rows(filename, (line for _, line in _lines(filename, fh, read)), delimiter)
    first = next(table, None)
    if first is None:
        raise IngestError(filename, "no header row")
    names = csv_table.header(filename, *first)
    if "position" in names:
        raise IngestError(filename, "a sentence CSV (article_id, position, text) is "
                          "not streamed: import it without --stream", first[0])
    errors: list[tuple[int | None, str]] = []
    seen = False
    for line, art, error in csv_table.article_rows(names, table):
        if error is not None:
            errors.append((line, error))
            if len(errors) > _MAX_REPORTED:
                break
            continue
        seen = True
        if not errors:
            yield art, read[0]
    _finish(filename, errors, seen)


def _finish(filename: str, errors: list, seen: bool) -> None:
    if errors:
        raise_collected(filename, errors)
    if not seen:
        raise IngestError(filename, "no articles in the file")
