"""Sentence boundaries within one line: pysbd, inside a frame of news rules.

A boundary is only ever placed after terminal punctuation (``. ! ? …``, optionally followed
by closing quotes/brackets) and white space, and only where the veto (veto.py) allows it.
pysbd misses a few boundaries (after ``.’`` and ``…``) that are added back.

pysbd has regexes with catastrophic backtracking (``said..[111 111 ...]`` runs for minutes)
and quadratic passes on very long lines.  Threads cannot interrupt it and ``signal.alarm``
only works in the main thread, so instead nothing risky reaches it: lines are cut into
chunks of bounded size at the fallback splitter's boundaries, and chunks matching the risky
pattern (or failing in pysbd) use the fallback splitter, a linear regex splitter with the
same abbreviation protections.  A line longer than PYSBD_LINE_MAX is cut by the fallback
splitter alone, and every step looks at each candidate once (sorted lists, bisection), so
any input takes time linear in its length.

Inline lists ("1. one 2. two") are cut before each item.  Each language (languages.py) has
its pysbd rules where pysbd has the language (else the fallback splitter alone), its
quotation marks (read as the curly quotes this module knows) and its abbreviations; English
alone has the news lists of veto.py; every language with pysbd rules has the fast path, with
pysbd's abbreviations of that language and its own lists as the words that make a cut unsure.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache

from pysbd.languages import LANGUAGE_CODES

from .chars import CLOSERS, HARD_STOPS, OPENERS, STRIP, TERMINAL
from .languages import Rules, rules_for, segmenter
from .veto import MONTHS, NUMBER_ABBR, SOFT_ABBR, TITLES, closing_abbreviation, vetoed

# Lines up to this length go to pysbd whole; longer ones are cut into chunks of about
# CHUNK_CHARS at fallback boundaries first (pysbd cost grows faster than linearly).
PYSBD_MAX_CHARS = 2000
CHUNK_CHARS = 1000
# A single fallback piece longer than this is not worth pysbd's time (and risk).
PYSBD_HARD_MAX = 4000
# A line longer than this is no paragraph (a scraper's run-on debris, a whole file on one
# line): the fallback splitter alone cuts it, so that any input takes linear time.
PYSBD_LINE_MAX = 50_000
# A candidate boundary: terminal punctuation, optional closers, then white space.
# Only these positions can ever separate two units.
_CAND_RE = re.compile(f"[{TERMINAL}]+" + r"[)\]\"'”’»]*(?=[\s\u200b\ufeff])")
# The same where a quotation may close after a space (French « Non. » Puis).
_SPACED_CAND_RE = re.compile(f"[{TERMINAL}]+" + r"[)\]\"'”’»]*(?:[ \u00a0\u202f][”’][)\]\"'”’»]*)?(?=[\s\u200b\ufeff])")
# A cut after each hard stop, outside brackets.
_HARD_STOP_RE = re.compile(f"[{HARD_STOPS}]+" + r"[)\]\"'”’»」』）〕】]*[\s\u200b\ufeff]*")
_HAS_HARD_STOP_RE = re.compile(f"[{HARD_STOPS}]")
_HARD_OPEN, _HARD_CLOSE = "「『（〔【“(", "」』）〕】”)"
_SPACE_RUN_RE = re.compile(r"[\s\u200b\ufeff]+")
# A quotation glued to the sentence before it: 'the street..."It was horrific," she said'.
_GLUED_RE = re.compile(f"[{TERMINAL}]+" + r"(?=[\"“][^\W\d_])")
# pysbd's NUMBERED_REFERENCE_REGEX backtracks exponentially on a '[' followed by a
# long run of digits, separators and brackets ("..[111 111 111 ...]"); runs of 10
# characters take milliseconds, so 11+ are kept away from it.
RISKY_RE = re.compile(r"\[[\d\s,\-\[\]]{11,}")


def _candidates(line: str, rules: Rules) -> list[tuple[int, int]]:
    """Candidate boundaries as (end of punctuation, start of next text)."""
    out = []
    n = len(line)
    for m in (_SPACED_CAND_RE if rules.spaced_closers else _CAND_RE).finditer(line):
        sp = _SPACE_RUN_RE.match(line, m.end())
        nxt = sp.end() if sp else m.end()
        if nxt < n:
            out.append((m.end(), nxt))
    glued = [(m.end(), m.end()) for m in _GLUED_RE.finditer(line) if line[m.end() + 1].isupper()]
    return sorted(out + glued) if glued else out


def _ok(line: str, cand: tuple[int, int], rules: Rules) -> bool:
    end, nxt = cand
    return not vetoed(line[max(0, end - 40) : end], line[nxt : nxt + 40], rules.abbreviations,
                      rules.lowercase_starts, rules.ordinals)


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
        out.append(bool((straight % 2 and line.find('"', end, end + 400) >= 0)
                        or (curly > 0 and line.find("”", end, end + 400) >= 0)))
    return out


def _fallback_cuts(cands: list[tuple[int, int]], quoted: list[bool], ok: list[bool]) -> list[int]:
    """Linear regex splitter: split at candidates unless vetoed or inside a quotation
    ("We lost. We won," he said)."""
    return [nxt for (_end, nxt), q, o in zip(cands, quoted, ok) if o and not q]


def pysbd_sentences(text: str, lang: str = "en") -> list[str]:
    # Segmenter.segment() keeps the text on the shared instance (a race between
    # request threads) and maps spans in quadratic time; a fresh Processor per call
    # is thread-safe and we map offsets ourselves.
    return segmenter(lang).processor(text).process()


def _pysbd_cuts(line: str, a: int, b: int, allowed: dict[int, tuple[int, int]], lang: str) -> list[int] | None:
    """Boundaries pysbd finds in line[a:b], kept only at allowed candidates (not vetoed)."""
    chunk = line[a:b]
    try:
        sents = pysbd_sentences(chunk, lang)
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
        if cursor and pos in allowed:
            cuts.append(pos)
        cursor = i + len(s)
    return cuts


# Boundaries pysbd misses: after a closing curly single quote (‘We will respond.’ The
# army moved.), after a Unicode ellipsis before a capital (He paused… Then), before a
# quotation glued to the sentence before it, and after an abbreviation that ends the
# sentence (Washington, D.C. The president; Cal Ripken Jr. Fans cheered; 6.6 degrees C.
# Seoul), which the veto lets through only where a sentence clearly starts.
_EXTRA_LEFT_RE = re.compile(r"(?:[.!?]’|…)$")


# In other languages pysbd also misses boundaries after "?" "!" and "..." before a capital
# (Стороны разъехались; «Когда будет ответ?» Ответа не было) and after an abbreviation that
# ends a list ("и т. д. Цены", "usw. Die"): the language's final_<code> list.
_STRONG_END_RE = re.compile(r"(?:[!?…]|\.\.\.)[)\]\"'”’»]*$")


def _extra_cuts(line: str, cands: list[tuple[int, int]], quoted: list[bool], ok: list[bool],
                rules: Rules) -> list[int]:
    """Cuts to add to pysbd's, over the whole line (each candidate looked at once)."""
    cuts = []
    other = rules.abbreviations is not None
    for (end, nxt), q, o in zip(cands, quoted, ok):
        if q or not o:
            continue
        if end == nxt:  # glued
            cuts.append(nxt)
            continue
        first, last = line[nxt], line[end - 1]
        if other and (first.isupper() or first in OPENERS) and (
                _STRONG_END_RE.search(line, max(0, end - 8), end)
                or (last == "." and _last_word(line, end) in rules.final)):
            cuts.append(nxt)
            continue
        if last in "”’" and line[end - 2] in " \u00a0\u202f" and (first.isupper() or first in "“\"‘("):
            cuts.append(nxt)  # « Non. » Puis: pysbd keeps the quotation whole
            continue
        if (first.isupper() or first in "“\"‘(") and (
                (last in "’…" and _EXTRA_LEFT_RE.search(line, max(0, end - 2), end))
                or (last == "." and closing_abbreviation(line[max(0, end - 20):end]))):
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


@cache
def not_sure(code: str) -> frozenset[str]:
    """Words before a period that leave a cut to pysbd in language ``code``: its pysbd
    abbreviations and our lists (English: the news lists)."""
    if code == "en":
        return _NOT_SURE
    rules = rules_for(code)
    try:
        listed = LANGUAGE_CODES[rules.pysbd].Abbreviation.ABBREVIATIONS
    except (KeyError, AttributeError):  # no pysbd rules, or a future pysbd layout
        listed = ()
    return frozenset(a.strip().lower() for a in listed) | (rules.abbreviations or frozenset()) | rules.final


def _sure_cuts(line: str, cands: list[tuple[int, int]], unsure: frozenset[str]) -> list[int]:
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
        if not w or w.group(1).lower() in unsure:
            continue
        r = line[nxt : nxt + 3]
        if r[:1] in ('"', "“"):  # a quotation opens the next sentence
            r = r[1:]
        if len(r) >= 2 and r[0].isupper() and r[1].islower():
            cuts.append(nxt)
    return cuts


# A news agency's dateline ending in a full stop ("MOSCOW, March 3. /TASS/.", "МОСКВА, 14
# октября. /ТАСС/.") or a US state's abbreviation ("NORTHFIELD, Mass. — ", "CEDAR GAP,
# Calif. (AP) — "): it stays with the sentence it opens, as "KARVAN, Nov 24 (Reuters) -" does.
_DATELINE_RE = re.compile(
    r"^[A-ZА-ЯЁ][A-ZА-ЯЁ .'-]{1,40}, (?:(?:\d{1,2}\s+[^\W\d_]+|[^\W\d_]+\.?\s+\d{1,2})\.\s+(?:/\s*[\w-]+\s*/\.?\s+)?"
    r"|(?:[A-Z][a-z]{1,5}\.|(?:[A-Z]\.){2,3})\s+(?:\([^)]{1,30}\)\s+)?[—–-])")
# An inline list: "1. The first item 2. The second item", "a) one b) two", "• 9. one • 10. two".
_LIST_START_RE = re.compile(r"^([•⁃▪◦‣*-]\s?)?(\d{1,2}|[a-z])(\.\)|[.)])\s")


def line_cuts(line: str, fast: bool = True, lang: str | None = "en") -> list[int]:
    """Positions in ``line`` where a new unit starts (excluding 0), in language ``lang`` (a
    tag; an unknown one gets the rule-based splitter)."""
    rules = rules_for(lang)
    cuts = _cuts(rules.prepare(line), fast, rules)
    items = _list_cuts(line)
    if items:
        cuts = sorted(set(cuts).union(items))
    m = _DATELINE_RE.match(line)
    return [c for c in cuts if c > m.end()] if m and cuts else cuts


def _list_cuts(line: str) -> list[int]:
    """Before each item of an inline list after the first, numbered (or lettered) in order
    with the first item's marker."""
    m = _LIST_START_RE.match(line)
    if not m:
        return []
    bullet, mark, punct = m.group(1) or "", m.group(2), m.group(3)
    cuts, pos = [], m.end()
    while True:
        mark = str(int(mark) + 1) if mark.isdigit() else chr(ord(mark) + 1)
        nxt = re.compile(r"\s(" + re.escape(bullet.strip()) + r"\s?" * bool(bullet) + re.escape(mark + punct) + r")\s")
        found = nxt.search(line, pos)
        if not found:
            return cuts
        cuts.append(found.start(1))
        pos = found.end()


def _cuts(line: str, fast: bool, rules: Rules) -> list[int]:
    hard = _hard_cuts(line)
    cands = _candidates(line, rules)
    if not cands:  # a single sentence, or CJK: nothing for pysbd to do
        return hard
    quoted = _in_quote(line, cands)
    ok = [_ok(line, c, rules) for c in cands]
    fb = _fallback_cuts(cands, quoted, ok)
    extra = _extra_cuts(line, cands, quoted, ok, rules)
    if len(line) > PYSBD_LINE_MAX or rules.pysbd is None:
        return sorted(set(fb).union(extra, hard))
    allowed = {nxt: (end, nxt) for (end, nxt), o in zip(cands, ok) if o}
    # pysbd's cuts are kept only where the veto allows one: a region whose candidates are
    # all vetoed ("Mr. Smith met Dr. Jones.") is left as it is, without asking pysbd.
    starts = sorted(allowed)
    sure = _sure_cuts(line, cands, not_sure(rules.code)) if fast else []
    cuts: list[int] = []
    bounds = [0, *sure, len(line)]
    # Every look-up below is a bisection in a sorted list: linear time on any line.
    for r0, r1 in zip(bounds, bounds[1:]):
        if r0:
            cuts.append(r0)
        if bisect_right(starts, r0) == bisect_left(starts, r1):
            continue  # no possible cut strictly inside the region
        # Chunks: the whole region if short enough, else consecutive fallback pieces
        # up to CHUNK_CHARS (a cut between chunks is a fallback boundary).
        chunks = []
        start = r0
        if r1 - r0 > PYSBD_MAX_CHARS:
            for p in fb[bisect_right(fb, r0):bisect_left(fb, r1)]:
                if p - start >= CHUNK_CHARS:
                    chunks.append((start, p))
                    start = p
        chunks.append((start, r1))
        for a, b in chunks:
            if a != r0:
                cuts.append(a)
            got = None
            if b - a <= PYSBD_HARD_MAX and not RISKY_RE.search(line, a, b):
                got = _pysbd_cuts(line, a, b, allowed, rules.pysbd)
                if got is not None:
                    got = sorted(set(got).union(extra[bisect_right(extra, a):bisect_left(extra, b)]))
            if got is None:
                got = fb[bisect_right(fb, a):bisect_left(fb, b)]
            cuts.extend(got)
    # pysbd's English (and other Latin-script rules) cannot see a sentence start before a
    # letter of a caseless script (Arabic, Hebrew, CJK, ...): there the rule-based decision stands.
    caseless = [p for p in fb if _caseless(line[p])]
    return sorted(set(cuts).union(hard, caseless)) if hard or caseless else cuts


def _last_word(line: str, end: int) -> str:
    """The word before the period at line[end - 1], lowercase: "д" in "и т. д."."""
    i = end - 1
    while i and line[i - 1].isalpha():
        i -= 1
    return line[i:end - 1].lower()


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
