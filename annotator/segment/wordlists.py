"""The word lists of segment/words/*.txt (shipped as package data), read once."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def words(name: str) -> frozenset[str]:
    """The entries of words/<name>.txt: one per line, '#' starts a comment."""
    text = files(__package__).joinpath("words", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.partition("#")[0].strip()))
