"""Article body text -> units (sentences, headings, boilerplate, duplicates) with exact
character offsets: ``text == article_text[start:end]``.  White space (Unicode spaces such as
U+00A0 included) and invisible format characters stay outside the spans, and no unit ever
crosses a line break."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .boundaries import line_cuts
from .chars import INVISIBLE_RE, LINE_RE, OPENERS, STRIP
from .kinds import (
    BOILER_LINE_RE,
    NOTICE_RE,
    WORD_RE,
    is_boilerplate,
    is_heading,
    is_photo_credit,
)

KINDS = ("body", "heading", "boilerplate", "duplicate")


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    text: str  # == article_text[start:end]
    kind: str  # one of KINDS
    # Cut out of a longer run without a sentence boundary (at a clause or word boundary, by
    # MAX_UNIT_CHARS): its boundaries are the length cap's, not the text's.
    long: bool = False


# No unit is longer: a run without a sentence boundary is cut at the last clause boundary
# (", ; : — –" and a space) or else word boundary before this length, never before
# CLAUSE_MIN_CHARS.
MAX_UNIT_CHARS = 1000
CLAUSE_MIN_CHARS = 300
_CLAUSE_END_RE = re.compile(r"[,;:)\]–—](?=\s)|\s[–—-](?=\s)")
_SPACE_RE = re.compile(r"\s")
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


# Captions are short: a line this long is a paragraph even beside a credit.
CAPTION_MAX_WORDS = 60
CREDIT_MAX_CHARS = 200


def segment(text: str, *, title: str | None = None, lang: str | None = None) -> list[Unit]:
    """Split an article body into units (sentences, headings, boilerplate, duplicates).

    ``title`` (optional) is the article's headline: a body line repeating it is a
    duplicate.  ``lang`` is the article's language tag (None: English); see languages.py.  Captions (a line followed by a picture credit, on the line or the next, and
    the first copy of a caption printed twice) are boilerplate.
    """
    rows: list[list] = []  # [start, end, kind, line number, whole line, long, words]
    for n, lm in enumerate(LINE_RE.finditer(text)):
        ls, le = _strip_span(text, lm.start(), lm.end())
        if ls < le:
            rows.extend([ls + a, ls + b, kind, n, whole, long, nwords]
                        for a, b, kind, whole, long, nwords in _line_units(text[ls:le], lang))
    _mark_captions(text, rows)
    return _mark_duplicates(text, rows, title)


def _line_units(line: str, lang: str | None) -> list[tuple[int, int, str, bool, bool, int]]:
    """(start, end, kind, whole line, long, words) of the units of one line, before
    duplicates; words are counted up to 99 (enough for every rule)."""
    if BOILER_LINE_RE.match(line) and len(line) <= MAX_UNIT_CHARS:
        return [(0, len(line), "boilerplate", True, False, _words(line))]  # "READ MORE: ...", "Photo: ..."
    bounds = [0, *line_cuts(line, lang=lang), len(line)]
    spans = []
    for a, b in zip(bounds, bounds[1:]):
        a, b = _strip_span(line, a, b)
        if b - a > MAX_UNIT_CHARS:
            spans.extend((x, y, True) for x, y in _capped(line, a, b))
        elif a < b:
            spans.append((a, b, False))
    out = []
    line_kind = None
    for i, (a, b, long) in enumerate(spans):
        u = line[a:b]
        nwords = _words(u)
        if line_kind:
            kind = line_kind
        elif is_boilerplate(u, nwords):
            kind = "boilerplate"
            if i == 0 and nwords <= 40 and NOTICE_RE.search(u):
                line_kind = "boilerplate"  # a cookie banner or legal notice: the rest of its line too
        elif len(spans) == 1 and is_heading(u, nwords):
            kind = "heading"
        else:
            kind = "body"
        out.append((a, b, kind, len(spans) == 1, long, nwords))
    return out


def _words(unit: str) -> int:
    return len(WORD_RE.findall(unit)) if len(unit) < 400 else 99


def _capped(line: str, a: int, b: int) -> list[tuple[int, int]]:
    """line[a:b] in pieces of at most MAX_UNIT_CHARS, cut after the last clause boundary,
    else at the last space, else (a script without spaces) at the cap itself."""
    pieces = []
    while b - a > MAX_UNIT_CHARS:
        lo, hi = a + CLAUSE_MIN_CHARS, a + MAX_UNIT_CHARS
        cut = None
        for m in _CLAUSE_END_RE.finditer(line, lo, hi):
            cut = m.end()
        if cut is None:
            for m in _SPACE_RE.finditer(line, lo, hi):
                cut = m.start()
        if cut is None:
            cut = hi
            while cut > lo and unicodedata.combining(line[cut]):  # not between a letter and its accent
                cut -= 1
        x, y = _strip_span(line, a, cut)
        if x < y:
            pieces.append((x, y))
        a = _strip_span(line, cut, b)[0]
    if a < b:
        pieces.append((a, b))
    return pieces


def _mark_captions(text: str, rows: list[list]) -> None:
    """A short line whose last unit is a picture credit, or followed by a line that is one,
    is a caption: its units are boilerplate."""
    lines: dict[int, list[list]] = {}
    for r in rows:
        lines.setdefault(r[3], []).append(r)
    order = sorted(lines)
    for k, n in enumerate(order):
        units = lines[n]
        if units[-1][1] - units[0][0] <= CREDIT_MAX_CHARS and is_photo_credit(text[units[0][0]:units[-1][1]]):
            caption = lines[order[k - 1]] if k else []
            for r in units:
                r[2] = "boilerplate"
        elif len(units) > 1 and units[-1][1] - units[-1][0] <= CREDIT_MAX_CHARS \
                and is_photo_credit(text[units[-1][0]:units[-1][1]]):
            caption = units[:-1]
        else:
            continue
        if caption and sum(r[6] for r in caption) <= CAPTION_MAX_WORDS:
            for r in caption:
                r[2] = "boilerplate"


def _mark_duplicates(text: str, rows: list[list], title: str | None) -> list[Unit]:
    """Units repeating an earlier one are duplicates.  A caption printed twice (a whole
    line repeated as a whole line, not a quotation) loses its first copy too."""
    seen: dict[str, list | None] = {}
    if title:
        seen[normalize_for_hash(title)] = None
    for r in rows:
        if r[6] < DUPLICATE_MIN_WORDS:
            continue
        u = text[r[0]:r[1]]
        key = normalize_for_hash(u)
        if r[2] == "boilerplate":  # stays so; a later copy of it is a duplicate
            first = seen.setdefault(key, r)
            if first is not None and first[4] and r[4] and first[2] == "body":
                first[2] = "boilerplate"  # the first copy of a caption printed twice
            continue
        if key not in seen:
            seen[key] = r
            continue
        first = seen[key]
        r[2] = "duplicate"
        if first is not None and first[4] and r[4] and first[2] == "body" and u[:1] not in OPENERS \
                and r[6] <= CAPTION_MAX_WORDS:
            first[2] = "boilerplate"
    return [Unit(a, b, text[a:b], kind, long) for a, b, kind, _n, _whole, long, _words in rows]
