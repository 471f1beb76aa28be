"""Sentence boundaries within one line: pysbd, inside a frame of news rules.

A boundary is only ever placed after terminal punctuation (``. ! ? …``, optionally followed
by closing quotes/brackets) and white space, and only where the veto (veto.py) allows it.
pysbd misses a few boundaries (after ``.’`` and ``…``) that are added back.

pysbd has regexes with catastrophic backtracking (``said..[111 111 ...]`` runs for minutes)
and quadratic passes on very long lines.  Threads cannot interrupt it and ``signal.alarm``
only works in the main thread, so instead nothing risky reaches it: lines are cut into
chunks of bounded size at the fallback splitter's boundaries, and chunks matching the risky
pattern (or failing in pysbd) use the fallback splitter, a linear regex splitter with the
same abbreviation protections.
"""

from __future__ import annotations

import re

import pysbd

from .chars import CLOSERS, HARD_STOPS, STRIP, TERMINAL
from .veto import MONTHS, NUMBER_ABBR, SOFT_ABBR, TITLES, vetoed

# Lines up to this length go to pysbd whole; longer ones are cut into chunks of about
# CHUNK_CHARS at fallback boundaries first (pysbd cost grows faster than linearly).
PYSBD_MAX_CHARS = 2000
CHUNK_CHARS = 1000
# A single fallback piece longer than this is not worth pysbd's time (and risk).
PYSBD_HARD_MAX = 4000
# A candidate boundary: terminal punctuation, optional closers, then white space.
# Only these positions can ever separate two units.
_CAND_RE = re.compile(f"[{TERMINAL}]+" + r"[)\]\"'”’»]*(?=[\s\u200b\ufeff])")
# A cut after each hard stop, outside brackets.
_HARD_STOP_RE = re.compile(f"[{HARD_STOPS}]+" + r"[)\]\"'”’»」』）〕】]*[\s\u200b\ufeff]*")
_HAS_HARD_STOP_RE = re.compile(f"[{HARD_STOPS}]")
_HARD_OPEN, _HARD_CLOSE = "「『（〔【“(", "」』）〕】”)"
_SPACE_RUN_RE = re.compile(r"[\s\u200b\ufeff]+")
# pysbd's NUMBERED_REFERENCE_REGEX backtracks exponentially on a '[' followed by a
# long run of digits, separators and brackets ("..[111 111 111 ...]"); runs of 10
# characters take milliseconds, so 11+ are kept away from it.
RISKY_RE = re.compile(r"\[[\d\s,\-\[\]]{11,}")


def _candidates(line: str) -> list[tuple[int, int]]:
    """Candidate boundaries as (end of punctuation, start of next text)."""
    out = []
    n = len(line)
    for m in _CAND_RE.finditer(line):
        sp = _SPACE_RUN_RE.match(line, m.end())
        nxt = sp.end() if sp else m.end()
        if nxt < n:
            out.append((m.end(), nxt))
    return out


def _ok(line: str, cand: tuple[int, int]) -> bool:
    end, nxt = cand
    return not vetoed(line[max(0, end - 40) : end], line[nxt : nxt + 40])


def _in_quote(line: str, cands: list[tuple[int, int]]) -> list[bool]:
    """For each candidate: inside a double quotation that closes later on the line?"""
    out = []
    prev = 0
    straight = 0  # '"' seen so far (odd: one is open)
    curly = 0  # '“' minus '”' seen so far
    for end, _nxt in cands:
        seg = line[prev:end]
        straight += seg.count('"')
        curly += seg.count("“") - seg.count("”")
        prev = end
        rest = line[end : end + 400]
        out.append(bool((straight % 2 and '"' in rest) or (curly > 0 and "”" in rest)))
    return out


def _fallback_cuts(line: str, cands: list[tuple[int, int]], quoted: list[bool]) -> list[int]:
    """Linear regex splitter: split at candidates unless vetoed or inside a quotation
    ("We lost. We won," he said)."""
    return [nxt for (end, nxt), q in zip(cands, quoted) if not q and _ok(line, (end, nxt))]


_SEGMENTER = pysbd.Segmenter(language="en", clean=False)


def pysbd_sentences(text: str) -> list[str]:
    # Segmenter.segment() keeps the text on the shared instance (a race between
    # request threads) and maps spans in quadratic time; a fresh Processor per call
    # is thread-safe and we map offsets ourselves.
    return _SEGMENTER.processor(text).process()


def _pysbd_cuts(line: str, a: int, b: int, allowed: dict[int, tuple[int, int]]) -> list[int] | None:
    """Boundaries pysbd finds in line[a:b], kept only at allowed candidates."""
    chunk = line[a:b]
    try:
        sents = pysbd_sentences(chunk)
    except Exception:  # pysbd bug on odd input: the caller falls back
        return None
    cuts = []
    cursor = 0
    for s in sents:
        s = s.strip(STRIP)
        if not s:
            continue
        i = chunk.find(s, cursor)
        if i < 0:  # pysbd altered the text: merge it into the previous unit
            continue
        pos = a + i
        if cursor and pos in allowed and _ok(line, allowed[pos]):
            cuts.append(pos)
        cursor = i + len(s)
    return cuts


# Boundaries pysbd misses: after a closing curly single quote (‘We will respond.’ The
# army moved.) and after a Unicode ellipsis before a capital (He paused… Then).
_EXTRA_LEFT_RE = re.compile(r"(?:[.!?]’|…)$")


def _extra_cuts(line: str, a: int, b: int, cands: list[tuple[int, int]], quoted: list[bool]) -> list[int]:
    cuts = []
    for (end, nxt), q in zip(cands, quoted):
        if a < nxt < b and not q and _EXTRA_LEFT_RE.search(line, max(0, end - 2), end):
            right = line[nxt : nxt + 40]
            if (right[0].isupper() or right[0] in "“\"‘(") and _ok(line, (end, nxt)):
                cuts.append(nxt)
    return cuts


# Fast path.  pysbd costs ~1.5 us per character, so lines are first cut at boundaries
# pysbd would certainly accept too: a single '.' or '?' right after a plain word of
# 3+ letters that is no abbreviation, outside quotes and brackets, before a capitalised
# word.  Only the pieces that still hold a candidate go to pysbd.
# Lines with single quotes, '--' or guillemets keep pysbd whole: pysbd protects text
# between those and its view could differ from ours.
_NO_FAST_RE = re.compile(r"(?<!\S)['‘]|--|[«»]")
_SURE_LEFT_RE = re.compile(r"(?<!\S)([^\W_]{3,})[.?]$")
try:  # pysbd's own list: words it may treat as abbreviations ("is", "mass", "ill")
    from pysbd.lang.english import English as _English

    _PYSBD_ABBR = frozenset(a.strip().lower() for a in _English.Abbreviation.ABBREVIATIONS)
except Exception:  # a future pysbd layout: the fast path just gets more careful
    _PYSBD_ABBR = frozenset()
_NOT_SURE = _PYSBD_ABBR | TITLES | NUMBER_ABBR | MONTHS | SOFT_ABBR | {"yahoo", "jeopardy"}


def _sure_cuts(line: str, cands: list[tuple[int, int]]) -> list[int]:
    if _NO_FAST_RE.search(line):
        return []
    cuts = []
    prev = 0
    dq = cq = br = 0  # open '"', open '“', open brackets
    for end, nxt in cands:
        seg = line[prev:end]
        prev = end
        dq += seg.count('"')
        cq += seg.count("“") - seg.count("”")
        br += seg.count("(") + seg.count("[") - seg.count(")") - seg.count("]")
        if dq % 2 or cq > 0 or br > 0:
            continue
        if end < 2 or line[end - 2] in TERMINAL or line[end - 2] in CLOSERS:
            continue
        w = _SURE_LEFT_RE.search(line, max(0, end - 40), end)
        if not w or w.group(1).lower() in _NOT_SURE:
            continue
        r = line[nxt : nxt + 3]
        if r[:1] in ('"', "“"):  # a quotation opens the next sentence
            r = r[1:]
        if len(r) >= 2 and r[0].isupper() and r[1].islower():
            cuts.append(nxt)
    return cuts


# A news agency's dateline ending in a full stop ("MOSCOW, March 3. /TASS/.", "МОСКВА, 14
# октября. /ТАСС/."): it stays with the sentence it opens, as "KARVAN, Nov 24 (Reuters) -" does.
_DATELINE_RE = re.compile(
    r"^[A-ZА-ЯЁ][A-ZА-ЯЁ .'-]{1,40}, (?:\d{1,2}\s+[^\W\d_]+|[^\W\d_]+\.?\s+\d{1,2})\.\s+(?:/\s*[\w-]+\s*/\.?\s+)?")


def line_cuts(line: str, fast: bool = True) -> list[int]:
    """Positions in ``line`` where a new unit starts (excluding 0)."""
    cuts = _cuts(line, fast)
    m = _DATELINE_RE.match(line)
    return [c for c in cuts if c > m.end()] if m and cuts else cuts


def _cuts(line: str, fast: bool) -> list[int]:
    hard = _hard_cuts(line)
    cands = _candidates(line)
    if not cands:  # a single sentence, or CJK: nothing for pysbd to do
        return hard
    quoted = _in_quote(line, cands)
    fb = _fallback_cuts(line, cands, quoted)
    allowed = {nxt: (end, nxt) for end, nxt in cands}
    sure = _sure_cuts(line, cands) if fast else []
    cuts: list[int] = []
    bounds = [0, *sure, len(line)]
    ci = 0  # index into cands
    for r0, r1 in zip(bounds, bounds[1:]):
        if r0:
            cuts.append(r0)
        # Skip candidates up to r0; is any left strictly inside the region?
        while ci < len(cands) and cands[ci][1] <= r0:
            ci += 1
        if ci == len(cands) or cands[ci][1] >= r1:
            continue
        # Chunks: the whole region if short enough, else consecutive fallback pieces
        # up to CHUNK_CHARS (a cut between chunks is a fallback boundary).
        chunks = []
        start = r0
        if r1 - r0 > PYSBD_MAX_CHARS:
            for p in fb:
                if p > start and p < r1 and p - start >= CHUNK_CHARS:
                    chunks.append((start, p))
                    start = p
        chunks.append((start, r1))
        for a, b in chunks:
            if a != r0:
                cuts.append(a)
            got = None
            if b - a <= PYSBD_HARD_MAX and not RISKY_RE.search(line, a, b):
                got = _pysbd_cuts(line, a, b, allowed)
                if got is not None:
                    got = sorted(set(got).union(_extra_cuts(line, a, b, cands, quoted)))
            if got is None:
                got = [p for p in fb if a < p < b]
            cuts.extend(got)
    # pysbd reads English: before a letter of a caseless script (Arabic, Hebrew, CJK, ...)
    # it cannot see a sentence start, so there the rule-based decision stands.
    caseless = [p for p in fb if _caseless(line[p])]
    return sorted(set(cuts).union(hard, caseless)) if hard or caseless else cuts


def _caseless(c: str) -> bool:
    return c.isalpha() and not c.isupper() and not c.islower()


def _hard_cuts(line: str) -> list[int]:
    """Cuts after the stops of _HARD_STOP_RE that are not inside brackets or quotes."""
    if not _HAS_HARD_STOP_RE.search(line):
        return []
    cuts, depth, prev = [], 0, 0
    # An opening mark closed nowhere later on the line (Chinese quotations running over
    # several paragraphs leave it open) holds nothing back.
    last_close = max(line.rfind(c) for c in _HARD_CLOSE)
    for m in _HARD_STOP_RE.finditer(line):
        seg = line[prev:m.end()]
        prev = m.end()
        depth += sum(seg.count(c) for c in _HARD_OPEN) - sum(seg.count(c) for c in _HARD_CLOSE)
        if (depth <= 0 or m.end() > last_close) and m.end() < len(line):
            depth = 0
            cuts.append(m.end())
    return cuts
