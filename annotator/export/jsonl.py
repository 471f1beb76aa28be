"""Export records as JSON lines, in batches to keep write calls few (no Flask import).

orjson writes UTF-8 bytes, which go to the file or the response as they are; its lines are
compact (no space after ':' and ',').
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO

import orjson

BATCH = 500  # lines per write


def _batches(records: Iterable[dict]) -> Iterator[tuple[int, bytes]]:
    it = iter(records)
    while batch := list(islice(it, BATCH)):
        yield len(batch), b"\n".join(map(orjson.dumps, batch)) + b"\n"


def iter_jsonl(records: Iterable[dict]) -> Iterator[bytes]:
    """The records as JSON lines, BATCH lines per chunk (an HTTP streaming response's chunks)."""
    for _, chunk in _batches(records):
        yield chunk


def write_jsonl(records: Iterable[dict], fh: IO[bytes]) -> int:
    """Write the records to a binary file as JSON lines; returns how many."""
    n = 0
    for count, chunk in _batches(records):
        fh.write(chunk)
        n += count
    return n
