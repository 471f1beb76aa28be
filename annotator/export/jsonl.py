"""Export records as JSON lines, in batches to keep write calls few (no Flask import).

orjson encodes a record faster than json does and writes UTF-8 as it is; its lines are
compact (no space after ':' and ',').
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO

import orjson

BATCH = 500  # lines per write


def _batches(records: Iterable[dict]) -> Iterator[tuple[int, str]]:
    it = iter(records)
    while batch := list(islice(it, BATCH)):
        yield len(batch), (b"\n".join(map(orjson.dumps, batch)) + b"\n").decode()


def iter_jsonl(records: Iterable[dict]) -> Iterator[str]:
    """The records as JSON lines, BATCH lines per chunk (an HTTP streaming response's chunks)."""
    for _, chunk in _batches(records):
        yield chunk


def write_jsonl(records: Iterable[dict], fh: IO[str]) -> int:
    """Write the records to a text file as JSON lines; returns how many."""
    n = 0
    for count, chunk in _batches(records):
        fh.write(chunk)
        n += count
    return n
