"""Export records as JSON lines, in batches to keep write calls few (no Flask import)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO

_encode = json.JSONEncoder(ensure_ascii=False).encode


def write_jsonl(records: Iterable[dict], fh: IO[str]) -> int:
    n = 0
    buf: list[str] = []
    for rec in records:
        buf.append(_encode(rec))
        if len(buf) >= 500:
            fh.write("\n".join(buf) + "\n")
            n += len(buf)
            buf = []
    if buf:
        fh.write("\n".join(buf) + "\n")
        n += len(buf)
    return n


def iter_jsonl(records: Iterable[dict]) -> Iterator[str]:
    """Lines for an HTTP streaming response, batched to keep write calls few."""
    buf: list[str] = []
    for rec in records:
        buf.append(_encode(rec))
        if len(buf) >= 500:
            yield "\n".join(buf) + "\n"
            buf = []
    if buf:
        yield "\n".join(buf) + "\n"
