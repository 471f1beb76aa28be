"""Article body text -> sentence units with exact character offsets and a kind.

Pure functions, no Flask and no database.  ``segment(text)`` returns units whose
``text == article_text[start:end]``; white space (Unicode spaces such as U+00A0
included) and invisible format characters stay outside the spans, and no unit ever
crosses a line break.

Sentence boundaries come from pysbd (best on news among the well-kept segmenters),
run line by line, with news-specific rules around it:

* a boundary is only ever placed after terminal punctuation (``. ! ? …``, optionally
  followed by closing quotes/brackets) and white space;
* a veto rejects boundaries before a lowercase word or ``, ; :``, after titles
  (Mr., Gen.), initials (George W. Bush), ``No.``/month + number, and after
  company/multi-period abbreviations (Inc., U.S.) unless a typical sentence starter
  follows;
* pysbd misses a few boundaries (after ``.’`` and ``…``) that are added back.

pysbd has regexes with catastrophic backtracking (``said..[111 111 ...]`` runs for
minutes) and quadratic passes on very long lines.  Threads cannot interrupt it and
``signal.alarm`` only works in the main thread, so instead nothing risky reaches it:
lines are cut into chunks of bounded size at the fallback splitter's boundaries, and
chunks matching the risky pattern (or failing in pysbd) use the fallback splitter,
a linear regex splitter with the same abbreviation protections.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pysbd

KINDS = ("body", "heading", "boilerplate", "duplicate")


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    text: str  # == article_text[start:end]
    kind: str  # one of KINDS


# ---------------------------------------------------------------------------
# Tunables
# ---------------------------------------------------------------------------

# Lines up to this length go to pysbd whole; longer ones are cut into chunks of about
# CHUNK_CHARS at fallback boundaries first (pysbd cost grows faster than linearly).
PYSBD_MAX_CHARS = 2000
CHUNK_CHARS = 1000
# A single fallback piece longer than this is not worth pysbd's time (and risk).
PYSBD_HARD_MAX = 4000
# Duplicate detection only for units of some length: short lines ("He denied it.")
# legitimately repeat.
DUPLICATE_MIN_WORDS = 4
# Headings are short single-unit lines without closing punctuation.
HEADING_MAX_WORDS = 16
HEADING_MAX_CHARS = 150

# ---------------------------------------------------------------------------
# Characters
# ---------------------------------------------------------------------------

# Everything str.isspace() knows (all Unicode spaces live below U+3001) plus
# invisible format characters often left by scrapers (zero-width space, BOM, ...).
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_STRIP = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + _INVISIBLE
# Line breaks as str.splitlines() sees them: a unit never contains one.
_LINE_RE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_INVISIBLE_RE = re.compile("[" + _INVISIBLE + "]")

# Stops that end a sentence whatever follows, no abbreviation using them: CJK (written
# without a space after), Arabic and Urdu, Devanagari.
_HARD_STOPS = "。！？؟۔।॥"
_TERMINAL = ".!?…" + _HARD_STOPS
_CLOSERS = ")]\"'”’»"
_OPENERS = "\"“‘'([«¿¡"
# A candidate boundary: terminal punctuation, optional closers, then white space.
# Only these positions can ever separate two units.
_CAND_RE = re.compile(f"[{_TERMINAL}]+" + r"[)\]\"'”’»]*(?=[\s\u200b\ufeff])")
# A cut after each hard stop, outside brackets.
_HARD_STOP_RE = re.compile(f"[{_HARD_STOPS}]+" + r"[)\]\"'”’»」』）〕】]*[\s\u200b\ufeff]*")
_HAS_HARD_STOP_RE = re.compile(f"[{_HARD_STOPS}]")
_HARD_OPEN, _HARD_CLOSE = "「『（〔【“(", "」』）〕】”)"
_SPACE_RUN_RE = re.compile(r"[\s\u200b\ufeff]+")
# pysbd's NUMBERED_REFERENCE_REGEX backtracks exponentially on a '[' followed by a
# long run of digits, separators and brackets ("..[111 111 111 ...]"); runs of 10
# characters take milliseconds, so 11+ are kept away from it.
_RISKY_RE = re.compile(r"\[[\d\s,\-\[\]]{11,}")

# ---------------------------------------------------------------------------
# Abbreviations (used by the veto, hence by both pysbd and the fallback path)
# ---------------------------------------------------------------------------

# Title before a name: never ends a sentence ("Gen. Ali", "Sen. Warren").
_TITLES = frozenset(
    "mr mrs ms mx dr drs prof gen lt col maj capt cmdr comdr adm brig sgt cpl pvt "
    "sen sens rep reps gov pres supt insp det rev fr msgr hon amb atty messrs mme mmes "
    "mlle sra srta gens".split()
)
# Before a number: "No. 5", "p. 12", "Art. 5", "Vol. 3".
_NUMBER_ABBR = frozenset("no nos nr art p pp para vol vols fig figs ch chap sec sect op tel ext".split())
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
# Calendar and clock words, for dates alone on a line and for what may follow "3 p.m.".
_MONTH_WORDS = _MONTHS | frozenset(
    "january february march april may june july august september october november december".split())
_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri "
    "sat sun".split())
_TIME_ZONES = frozenset(
    "gmt utc est edt cst cdt mst mdt pst pdt akst akdt hst bst ist cet cest eet eest wet west msk "
    "trt gst pkt ict wib sgt hkt jst kst aest aedt acst awst nzst nzdt sast cat eat wat et ct mt "
    "pt z".split())
# May end a sentence, usually does not: split only before a typical sentence starter
# ("Acme Inc. The company ..." vs "Acme Inc. Chief Executive ...").
_SOFT_ABBR = frozenset(
    "inc corp co ltd llc plc bros jr sr esq approx est vs v etc al dept univ assn "
    "ave blvd rd st mt ft ph cf ca min max govt intl natl".split()
)
# Multi-period abbreviations that never end a sentence.
_NEVER_FINAL = frozenset(["e.g", "i.e", "viz", "cf", "a.k.a"])
_STARTERS = frozenset(
    "A An The He She It I We They You This That These Those There Here His Her Its "
    "Their Our My Your But And Or So Yet Still In On At For From With Without After "
    "Before Since During While When Where What Which Who Whom Whose Why How If As "
    "Although Though However Meanwhile Moreover Also Later Earlier Then Now Last Next "
    "Some Many Most Several Both Each All Any No None Not Neither Such Other Others "
    "According Asked Police Officials Authorities Residents Witnesses Millions "
    "Thousands Hundreds More Being Did Do Does Is Are Was Were Has Have Had".split()
)
# What follows a clock time in the same sentence: "3 p.m. Monday", "11 a.m. EST", "8 p.m.
# Moscow time". Any other capitalised word after "a.m."/"p.m." starts a new sentence.
_CLOCK = frozenset(("a.m", "p.m"))
_AFTER_CLOCK = _MONTH_WORDS | _WEEKDAYS | _TIME_ZONES | frozenset(
    "today tomorrow yesterday tonight eastern pacific central mountain atlantic greenwich local".split())
_TIME_WORD_RE = re.compile(r"\s*time\b", re.I)
_LAST_TOKEN_RE = re.compile(r"(\w[\w.]*)\.$")
# U.S, a.m, Ph.D, e.g, D.C - not a domain name such as bbc.com.
_MULTI_PERIOD_RE = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_FIRST_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def _starts_sentence(right: str) -> bool:
    """Does the text after a soft abbreviation look like a new sentence?"""
    if right[0] in _OPENERS:
        return True
    m = _FIRST_WORD_RE.match(right)
    return bool(m) and m.group() in _STARTERS


def _clock_continues(right: str) -> bool:
    """After "a.m."/"p.m.": does the sentence go on ("Monday", "EST", "Moscow time")?"""
    if right[0] in _OPENERS:
        return False
    m = _FIRST_WORD_RE.match(right)
    if not m:
        return True  # a number, a dash: the same sentence
    word = m.group()
    if word in _STARTERS:
        return False
    if word.lower() in _AFTER_CLOCK:
        return True
    return bool(_TIME_WORD_RE.match(right, m.end()))  # "8 p.m. Moscow time"


def _vetoed(left: str, right: str) -> bool:
    """Reject a boundary between ``left`` (ends in punctuation) and ``right``.

    ``left`` and ``right`` are short windows, stripped towards the boundary.
    """
    c = right[0]
    # Sentences do not start lowercase ('"Is it over?" he asked.', "3.2 pct. in
    # March"), except brand names such as iPhone or eBay.
    if c.islower() and not (len(right) > 1 and right[1].isupper()):
        return True
    # A boundary before a comma etc. is pysbd splitting "D-Calif., said".
    if c in ",;:%)]}":
        return True
    # Only a lone final period can belong to an abbreviation ("..." cannot).
    if not left.endswith(".") or left.endswith(".."):
        return False
    m = _LAST_TOKEN_RE.search(left)
    if not m:
        return False
    tok = m.group(1)
    low = tok.lower()
    if "." in tok:  # U.S., a.m., Ph.D., e.g.; not bbc.com
        if not _MULTI_PERIOD_RE.fullmatch(tok):
            return False
        if low in _CLOCK:
            return _clock_continues(right)
        return low in _NEVER_FINAL or not _starts_sentence(right)
    if len(tok) == 1 and tok.isupper():  # initials: J. R. R. Tolkien, George W. Bush
        return not _starts_sentence(right)
    if low in _TITLES:
        return True
    if (low in _NUMBER_ABBR or low in _MONTHS) and c.isdigit():
        return True
    if low in _SOFT_ABBR:
        return not _starts_sentence(right)
    return False


# ---------------------------------------------------------------------------
# Boundary search within one line
# ---------------------------------------------------------------------------


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
    return not _vetoed(line[max(0, end - 40) : end], line[nxt : nxt + 40])


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


def _pysbd_sentences(text: str) -> list[str]:
    # Segmenter.segment() keeps the text on the shared instance (a race between
    # request threads) and maps spans in quadratic time; a fresh Processor per call
    # is thread-safe and we map offsets ourselves.
    return _SEGMENTER.processor(text).process()


def _pysbd_cuts(line: str, a: int, b: int, allowed: dict[int, tuple[int, int]]) -> list[int] | None:
    """Boundaries pysbd finds in line[a:b], kept only at allowed candidates."""
    chunk = line[a:b]
    try:
        sents = _pysbd_sentences(chunk)
    except Exception:  # pysbd bug on odd input: the caller falls back
        return None
    cuts = []
    cursor = 0
    for s in sents:
        s = s.strip(_STRIP)
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
_NOT_SURE = _PYSBD_ABBR | _TITLES | _NUMBER_ABBR | _MONTHS | _SOFT_ABBR | {"yahoo", "jeopardy"}


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
        if end < 2 or line[end - 2] in _TERMINAL or line[end - 2] in _CLOSERS:
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


def _line_cuts(line: str, fast: bool = True) -> list[int]:
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
            if b - a <= PYSBD_HARD_MAX and not _RISKY_RE.search(line, a, b):
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


# ---------------------------------------------------------------------------
# Kinds
# ---------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")
_NO_WORD_RE = re.compile(r"^[\W_]+$")
# The whole line is one boilerplate unit: link lists and photo/caption prefixes.
_BOILER_LINE_RE = re.compile(
    r"^(?:read\s+more|read\s+also|also\s+read|read\s+next|see\s+also|related(?:\s+(?:articles?|stories|news|content|coverage))?"
    r"|more\s+on\s+this(?:\s+story)?|recommended(?:\s+stories)?|you\s+may\s+also\s+like|most\s+read|most\s+popular"
    r"|top\s+stories|editor'?s\s+picks?|watch|listen|video|gallery|tags?|topics?"
    r"|(?:file\s+)?(?:photo(?:graph)?|image|picture|pic)s?(?:\s+(?:credit|source))?)\s*[:|>»]",
    re.I,
)
# Whole-unit matches (after case folding and trimming trailing dots/colons).
_BOILER_EXACT_RE = re.compile(
    r"(?:advertisement|advertisment|advert|ad|ads|sponsored(?:\s+content)?|promoted(?:\s+content)?|paid\s+content"
    r"|loading|please\s+wait|read\s+more|read\s+full\s+(?:article|story)|more|continue\s+reading|keep\s+reading"
    r"|show\s+more|see\s+more|view\s+more|load\s+more|skip\s+to\s+(?:main\s+)?(?:content|navigation|search)"
    r"|skip\s+(?:ad|advertisement)|back\s+to\s+top|top|menu|close|search|share|share\s+(?:this|on|via)(?:\s+\w+){0,2}"
    r"|print|e-?mail|comments?|\d+\s+comments?|view\s+comments|save|bookmark|copy\s+link|link\s+copied|next|previous"
    r"|subscribe|subscribe\s+now|sign\s+in|log\s+in|sign\s+up|register|newsletter|live|breaking(?:\s+news)?"
    r"|listen(?:\s+to\s+(?:this\s+)?(?:article|story))?|watch|video|image|photo|gallery|media\s+caption|image\s+caption"
    r"|\d+\s+min(?:ute)?s?\s+read|reading\s+time:?\s*\d+\s+min(?:ute)?s?|follow|like|tweet|whatsapp|facebook|twitter|x|linkedin"
    r"|reuters\s+archive|file\s+photo|handout|getty\s+images|ap\s+photo"
    r"|related\s+topics|more\s+on\s+this\s+story|most\s+read|most\s+popular|next\s+article|previous\s+article"
    r"|scroll\s+to\s+continue|advertisement\s*[-–—:]?\s*scroll\s+to\s+continue(?:\s+with\s+content)?"
    r"|\d+\s+of\s+\d+|list\s+of\s+\d+\s+items|list\s+\d+\s+of\s+\d+|end\s+of\s+list)",
    re.I,
)
# A share bar: "Facebook Twitter WhatsApp Email".
_SHARE_WORDS = frozenset(
    "facebook twitter x whatsapp telegram email e-mail mail linkedin reddit pinterest messenger "
    "flipboard print copy link share tumblr vk threads bluesky".split())
# Prefix or anywhere in a short unit.
_BOILER_PREFIX_RE = re.compile(
    r"^(?:share\s+(?:this|on|via|the\s+(?:article|story))|follow\s+(?:us|@|on\s|our|the\s+latest)|subscribe\s+(?:to|now|for|today|here)"
    r"|sign\s+up\s+(?:for|to|now|here)|download\s+(?:the|our)\s+(?:\w+\s+)?app|get\s+(?:the|our)\s+(?:\w+\s+)?(?:app|newsletter)"
    r"|like\s+us\s+on|join\s+(?:us|our)\s+on|(?:story|article)\s+continues|continue\s+reading|skip\s+to|jump\s+to"
    r"|listen\s+to\s+(?:this\s+)?(?:article|story)"
    r"|©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}\b|[:.]|$)|source\s*:|credit\s*:"
    r"|this\s+(?:article|story|report|piece)\s+(?:was|has\s+been|is\s+being)\s+(?:amended|updated|corrected|changed|edited)\b)",
    re.I,
)
# Staff credits ("Reporting by Jane Doe in Kyiv; Editing by John Roe") and bylines ("By Jana
# Kovel, Reuters"): only where names follow, not "Research by the university found ...".
_STAFF_CREDIT_RE = re.compile(
    r"^\(?(?:(?:additional\s+)?(?:reporting|writing|editing|compiled|research|graphics?|produced)\s+)?by\s", re.I)
# Time stamps ("Updated 3 hours ago", "Published: 24 November 2026"); only short
# units not ending like a sentence ("Updated figures show ..." is body text).
_TIMESTAMP_RE = re.compile(
    r"^(?:(?:last\s+)?updated|(?:first\s+)?published|posted|modified)\s*(?:on\b|at\b|:|\d)"
    r"|^\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago$",
    re.I,
)
_BOILER_ANYWHERE_RE = re.compile(
    r"\bclick\s+here\b|\btap\s+here\b|\bwe\s+use\s+cookies\b|\b(?:this|our)\s+(?:web)?site\s+uses\s+cookies\b"
    r"|\baccept\s+(?:all\s+)?cookies\b|\bcookie\s+(?:settings|preferences|consent)\b|\ball\s+rights\s+reserved\b"
    r"|\bsubscribe\s+to\s+(?:our|the)\s+(?:\w+\s+)?newsletter\b|\bsign\s+up\s+for\s+(?:our|the)\s+(?:\w+\s+)?newsletter\b"
    r"|\bfollow\s+us\s+on\b|\bdownload\s+our\s+(?:\w+\s+)?app\b|\btrust\s+principles\b"
    r"|\b(?:enable|requires?)\s+javascript\b|\bjavascript\s+(?:is\s+)?(?:disabled|required)\b"
    r"|\byour\s+browser\s+does(?:n't|\s+not)\s+support\b|\bview\s+(?:this|the)\s+(?:video|content)\s+on\b"
    r"|\bcontributed\s+(?:to\s+)?(?:this\s+)?(?:report|story|article)(?:ing)?\b",
    re.I,
)
# Photo credits: "(Photo by Jane Doe/AFP via Getty Images)", "Image source, Reuters",
# "Photograph: John Doe/Reuters".
_CREDIT_PREFIX_RE = re.compile(
    r"^(?:file\s+)?(?:photo(?:graph)?|image|picture|pic|video|illustration|graphic)s?"
    r"(?:\s+(?:credit|source))?\s*(?:[:,/|–—-]|\s(?:by|courtesy)\b)",
    re.I,
)
# Case-sensitive on purpose: "AP" the agency, not the word "ap".
_AGENCY_RE = re.compile(
    r"\b(?:AFP|AP|EPA(?:-EFE)?|Reuters|REUTERS|Getty(?:\s+Images)?|Shutterstock|Anadolu(?:\s+Agency)?|Xinhua|TASS"
    r"|Sputnik|RIA\s+Novosti|dpa|DPA|Kyodo|Yonhap|Alamy|NurPhoto|SOPA(?:\s+Images)?|LightRocket|Bloomberg|UPI|ANSA"
    r"|PA(?:\s+(?:Media|Wire|Images))?|ZUMA|Zuma|WENN|iStock(?:photo)?|Pool|Handout|HANDOUT)\b"
)
_CREDIT_GLUE = frozenset("via by for the and of photo photos images image archive file pool handout courtesy".split())
# Words that may stand between the names of a credit or byline.
_NAME_GLUE = _CREDIT_GLUE | frozenset(
    "in from with at de van von der den da di du la le el al bin y staff our correspondent "
    "correspondents team desk bureau bureaus newsroom agencies reporting writing editing research "
    "graphics compiled produced additional".split())
_NAME_WORD_RE = re.compile(r"(?<![@\w])[^\W\d_][\w'’.-]*")  # not inside an @handle
_PARTICLE_SPLIT_RE = re.compile(r"[-'’]")
_COPYRIGHT_HOLDER_RE = re.compile(r"copyright\s+", re.I)
# A cookie banner or legal notice: the rest of its line is boilerplate too.
_NOTICE_RE = re.compile(
    r"©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}\b)|\ball\s+rights\s+reserved\b|\bcookies?\b", re.I)
_CLOCK_WORDS = _WEEKDAYS | _TIME_ZONES | frozenset("am pm a m p t".split())
_DATE_WORDS = _MONTH_WORDS | _CLOCK_WORDS | frozenset(
    "at on updated published posted modified last first".split())
_DIGIT_RE = re.compile(r"\d")
_DAY_SHAPE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_CLOCK_SHAPE_RE = re.compile(r"\d{1,2}[:.]\d{2}")
_NAV_SPLIT_RE = re.compile(r"\s*[|•›»·>]\s*")
_NAV_SPLIT_QUOTED_RE = re.compile(r"\s*[|•›·>]\s*")  # where « » are quotation marks
_BULLET_RE = re.compile(r"^[•\-–—*·▪►◦‣]\s")
# Closing punctuation: the line is a sentence, not a heading.
_CLOSING_RE = re.compile(r"[.!?…。！？:;,][)\]\"'”’»]*$")
_EXACT_TRIM = " .…:!|·•-–—>»()[]"


def _name_like(word: str) -> bool:
    """Capitalised, or a particle before one: "al-Sudani", "d'Estaing"."""
    return word[0].isupper() or any(p[:1].isupper() for p in _PARTICLE_SPLIT_RE.split(word)[1:])


def _names_only(text: str) -> bool:
    """Capitalised words, initials and glue only: "Jane Doe/AFP via Getty Images"."""
    words = _NAME_WORD_RE.findall(text)
    return bool(words) and all(w.lower() in _NAME_GLUE or _name_like(w) for w in words)


def _is_byline(rest: str) -> bool:
    """What follows a bare "By": a person's name (two words or more) or an agency, not
    "By Air", "By The Numbers" or "By 2030"."""
    if _DIGIT_RE.search(rest) or not _names_only(rest):
        return False
    names = [w for w in _NAME_WORD_RE.findall(rest) if w.lower() not in _NAME_GLUE]
    return len(names) >= 2 or bool(_AGENCY_RE.search(rest))


def _is_credit(text: str) -> bool:
    core = text.strip("()[] .")
    if not core:
        return False
    if m := _CREDIT_PREFIX_RE.match(core):
        # "Photo: ..." always; "Photo by ..." only with names ("Photo by the ministry shows")
        return not m.group().rstrip().lower().endswith(("by", "courtesy")) or _names_only(core[m.end():])
    if (m := _STAFF_CREDIT_RE.match(core)) and len(core.split()) <= 25:
        rest = core[m.end():]
        return _is_byline(rest) if m.group().strip("( ").lower() == "by" else _names_only(rest)
    if (m := _COPYRIGHT_HOLDER_RE.match(core)) and len(core.split()) <= 12:
        return _names_only(core[m.end():])  # "Copyright The Associated Press", not "Copyright law"
    words = core.split()
    if len(words) > 6 or not _AGENCY_RE.search(core):
        return False
    # "Jane Doe/AFP via Getty Images", "Reuters Archive": capitalised words and glue
    # only; "Ministry tells Reuters" is a headline, not a credit.
    if not all(not w[0].isalpha() or w[0].isupper() or w.lower() in _CREDIT_GLUE for w in words):
        return False
    # Longer ones need a credit's shape: "Name/Agency" or "via", "Photo", "Archive".
    return len(words) <= 3 or "/" in core or any(w.lower() in _CREDIT_GLUE for w in words)


def _is_date(text: str) -> bool:
    """A date or time alone ("24 November 2026", "Tue 3 Mar 2026 10.30 GMT", "2026-11-24")."""
    if len(text) > 60 or not _DIGIT_RE.search(text):
        return False
    words = [w.lower() for w in _NAME_WORD_RE.findall(text.replace(".", " "))]
    if not all(w in _DATE_WORDS for w in words):
        return False
    # a month or a day written as digits; a clock time only beside a clock word ("10.30
    # GMT"), since "99.95" or "£10.99" alone is a figure
    return (any(w in _MONTH_WORDS for w in words) or bool(_DAY_SHAPE_RE.search(text))
            or (bool(_CLOCK_SHAPE_RE.search(text)) and any(w in _CLOCK_WORDS for w in words)))


def _is_nav(text: str) -> bool:
    if text.endswith((".", "!", "?", "…")) and len(text.split()) > 4:
        return False  # a sentence, not a menu
    parts = (_NAV_SPLIT_QUOTED_RE if "«" in text else _NAV_SPLIT_RE).split(text)
    if parts and not parts[0]:
        parts = parts[1:]
    if parts and not parts[-1]:
        parts = parts[:-1]
    return len(parts) >= 3 and all(0 < len(p.split()) <= 4 for p in parts)


def _is_boilerplate(text: str, nwords: int) -> bool:
    if _NO_WORD_RE.match(text):
        return True
    if nwords <= 40 and _BOILER_ANYWHERE_RE.search(text):
        return True
    if nwords > 25:
        return False
    if _BOILER_PREFIX_RE.match(text):
        return True
    if nwords <= 12 and _TIMESTAMP_RE.match(text) and not text.endswith((".", "!", "?")):
        return True
    if nwords <= 6 and _BOILER_EXACT_RE.fullmatch(" ".join(text.strip(_EXACT_TRIM).split())):
        return True
    return _is_share_bar(text) or _is_credit(text) or _is_nav(text) or _is_date(text)


def _is_share_bar(text: str) -> bool:
    if text.split(None, 1)[0].strip(",|·•").lower() not in _SHARE_WORDS:
        return False
    words = text.lower().split()
    return 2 <= len(words) <= 12 and all(w.strip(",|·•") in _SHARE_WORDS for w in words)


def _is_heading(text: str, nwords: int) -> bool:
    return (
        nwords <= HEADING_MAX_WORDS
        and len(text) <= HEADING_MAX_CHARS
        and not _CLOSING_RE.search(text)
        and not text[0].islower()  # a continuation, not a title
        and not _BULLET_RE.match(text)  # list items are body text
    )


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def normalize_for_hash(text: str) -> str:
    """NFC, drop invisible format characters, collapse all white space (no-break
    spaces included) to one space, strip, casefold."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    return " ".join(text.split()).casefold()


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    piece = text[a:b]
    left = len(piece) - len(piece.lstrip(_STRIP))
    right = len(piece.rstrip(_STRIP))
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
    for lm in _LINE_RE.finditer(text):
        ls, le = _strip_span(text, lm.start(), lm.end())
        if ls >= le:
            continue
        line = text[ls:le]
        if _BOILER_LINE_RE.match(line):
            # "READ MORE: ...", "Photo: ..." - one unit for the whole line.
            spans = [(0, len(line))]
            line_kind = "boilerplate"
        else:
            cuts = _line_cuts(line)
            bounds = [0, *cuts, len(line)]
            spans = []
            for a, b in zip(bounds, bounds[1:]):
                a, b = _strip_span(line, a, b)
                if a < b:
                    spans.append((a, b))
            line_kind = None
        for i, (a, b) in enumerate(spans):
            u = line[a:b]
            nwords = len(_WORD_RE.findall(u)) if len(u) < 400 else 99
            if line_kind:
                kind = line_kind
            elif _is_boilerplate(u, nwords):
                kind = "boilerplate"
                if i == 0 and nwords <= 40 and _NOTICE_RE.search(u):
                    # A cookie banner or legal notice: the rest of its line too.
                    line_kind = "boilerplate"
            elif len(spans) == 1 and _is_heading(u, nwords):
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
