"""Export records as CSV that a spreadsheet opens safely (no Flask import).

One row per record of the kind's JSONL, the columns the kind's fields (kinds.FIELDS) in order,
so a file has its header even when it has no rows. Nested values (lists, dicts) are their JSON
text; null is an empty cell; booleans are true/false (pandas reads them as bool).

Spreadsheet formula injection (OWASP, "CSV Injection"): a text cell that starts with
= + - @ (or a tab or carriage return) is written with a leading apostrophe, so Excel,
LibreOffice and Google Sheets show it as text instead of running it. A number is never
changed (-0.5 stays a number), nor is text that is a plain number ("-3", "+1e5"): no
formula can hide in it. The apostrophe stays in the cell for programs that read the file;
that is the price of a file a person can open with a double click.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO

import orjson

BATCH = 500  # rows per write
BOM = codecs.BOM_UTF8
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def cell(value) -> str | int | float:
    """One value as a CSV cell, neutralised against formula injection."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def iter_csv(records: Iterable[dict], columns: Iterable[str], bom: bool = False) -> Iterator[bytes]:
    """The header and one row per record as UTF-8 CSV (RFC 4180: CRLF, quoted where needed),
    BATCH rows per chunk; with `bom`, a UTF-8 byte order mark first, which Excel needs to
    read the file as UTF-8 rather than in the machine's code page."""
    columns = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    yield (BOM if bom else b"") + buf.getvalue().encode()
    n = 0
    buf.seek(0)
    buf.truncate()
    for rec in records:
        writer.writerow([cell(rec.get(c)) for c in columns])
        n += 1
        if n % BATCH == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def write_csv(records: Iterable[dict], columns: Iterable[str], fh: IO[bytes], bom: bool = False) -> int:
    """Write the records to a binary file as CSV; returns how many."""
    n = 0

    def counted():
        nonlocal n
        for rec in records:
            n += 1
            yield rec

    for chunk in iter_csv(counted(), columns, bom):
        fh.write(chunk)
    return n
