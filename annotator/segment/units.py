"""Article body text -> units (sentences, headings, boilerplate, duplicates) with exact
character offsets: ``text == article_text[start:end]``.  White space (Unicode spaces such as
U+00A0 included) and invisible format characters stay outside the spans, and no unit ever
crosses a line break."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .boundaries import line_cuts
from .chars import INVISIBLE_RE, LINE_RE, STRIP
from .kinds import BOILER_LINE_RE, NOTICE_RE, WORD_RE, is_boilerplate, is_heading

KINDS = ("body", "heading", "boilerplate", "duplicate")


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    text: str  # == article_text[start:end]
    kind: str  # one of KINDS


# Duplicate detection only for units of some length: short lines ("He denied it.")
# legitimately repeat.
DUPLICATE_MIN_WORDS = 4


def normalize_for_hash(text: str) -> str:
    """NFC, drop invisible format characters, collapse all white space (no-break
    spaces included) to one space, strip, casefold."""
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE_RE.sub("", text)
    return " ".join(text.split()).casefold()


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    piece = text[a:b]
    left = len(piece) - len(piece.lstrip(STRIP))
    right = len(piece.rstrip(STRIP))
    return a + left, a + max(left, right)


def segment(text: str, *, title: str | None = None) -> list[Unit]:
    """Split an article body into units (sentences, headings, boilerplate, duplicates).

    ``title`` (optional) is the article's headline: a body line repeating it is a
    duplicate.
    """
    units: list[Unit] = []
    seen: set[str] = set()
    if title:
        seen.add(normalize_for_hash(title))
    for lm in LINE_RE.finditer(text):
        ls, le = _strip_span(text, lm.start(), lm.end())
        if ls >= le:
            continue
        line = text[ls:le]
        if BOILER_LINE_RE.match(line):
            # "READ MORE: ...", "Photo: ..." - one unit for the whole line.
            spans = [(0, len(line))]
            line_kind = "boilerplate"
        else:
            cuts = line_cuts(line)
            bounds = [0, *cuts, len(line)]
            spans = []
            for a, b in zip(bounds, bounds[1:]):
                a, b = _strip_span(line, a, b)
                if a < b:
                    spans.append((a, b))
            line_kind = None
        for i, (a, b) in enumerate(spans):
            u = line[a:b]
            nwords = len(WORD_RE.findall(u)) if len(u) < 400 else 99
            if line_kind:
                kind = line_kind
            elif is_boilerplate(u, nwords):
                kind = "boilerplate"
                if i == 0 and nwords <= 40 and NOTICE_RE.search(u):
                    # A cookie banner or legal notice: the rest of its line too.
                    line_kind = "boilerplate"
            elif len(spans) == 1 and is_heading(u, nwords):
                kind = "heading"
            else:
                kind = "body"
            if kind != "boilerplate" and nwords >= DUPLICATE_MIN_WORDS:
                key = normalize_for_hash(u)
                if key in seen:
                    kind = "duplicate"
                else:
                    seen.add(key)
            units.append(Unit(ls + a, ls + b, u, kind))
    return units
