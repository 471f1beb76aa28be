"""Rule-based attribution finder: source / cue / content spans around a sentence's cues."""
from __future__ import annotations

import bisect
import itertools
import operator
import re
from typing import NamedTuple

from .terms import TermMatcher, default_terms

_NP_TOKEN_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"                                     # U.S. U.N.
    r"|(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Sgt|Capt|Sen|Rep|Gov|St|Jr|Sr|Adm|Maj|Brig|Rev)\."
    r"|[\w\u0300-\u036f]+(?:[-'\u2019\u02bc.][\w\u0300-\u036f]+)*(?:(?<=s)['\u2019](?=\s))?"
    r"|\S")
_OPEN_QUOTES = "\"\u201c\u00ab\u201e\u2018'\u2039"
_CLOSE_QUOTES = "\"\u201d\u00bb\u2019'\u203a"
_QUOTES = frozenset(_OPEN_QUOTES + _CLOSE_QUOTES)
_PRONOUNS = frozenset("he she they it we i".split())
_OBJECT_PRONOUNS = frozenset("him her them us me it you".split())
_DETERMINERS = frozenset("""the a an this these those its his her their our your some several many
    two three four five six seven eight nine ten another both most one each""".split())
_CONNECTORS = frozenset("of for at from to and de del della da di du des la le al el von van der "
                        "den bin ibn ben y".split())
_STOP_CAPS = frozenset("""but and or so yet however meanwhile moreover also then now still later
    earlier today yesterday tomorrow tonight on in at by for from with after before during since
    while when although though if as because asked speaking separately instead indeed overall
    last next there here according despite under over amid among following citing that what
    where why how who which not nor such other another no yes thus hence therefore
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december""".split())
_SOURCE_NOUNS = frozenset("""official officials spokesman spokesmen spokeswoman spokeswomen
    spokesperson spokespeople ministry ministries minister ministers government governments
    authorities authority police army military forces command commander commanders president
    leader leaders source sources witness witnesses resident residents analyst analysts expert
    experts observer observers diplomat diplomats lawyer lawyers attorney prosecutor prosecutors
    investigators agency agencies company firm group groups organisation organization office
    department embassy council committee commission parliament court judge report reports
    statement study survey poll newspaper paper outlet broadcaster media network channel website
    service representative representatives envoy ambassador mayor governor lawmaker lawmakers
    legislator senator campaigners activist activists protesters medics doctor doctors officer
    officers soldier soldiers fighters rebels separatists militants insurgents villagers family
    relatives colleague colleagues chief head director adviser advisers advisor aide aides staff
    union movement party administration cabinet presidency secretary premier regime junta
    operator manager owner chairman chairwoman founder member members scientists researchers
    economists watchdog body sources monitor monitors ombudsman wife husband son daughter mother
    father brother sister neighbour neighbor friend friends""".split())
_SOURCE_MODIFIERS = frozenset("""senior junior top local regional federal national state
    government military defence defense foreign interior health justice finance economy security
    police army ministry presidential deputy chief former acting unnamed anonymous independent
    western eastern european international press news parliamentary opposition separatist rebel
    union company party campaign hospital rescue emergency nuclear human rights intelligence
    kremlin pentagon navy naval air energy trade education prime""".split())
_AGENT_SUFFIXES = ("ers", "ors", "ists", "ians", "ants", "ents")
_BE = frozenset("is are was were be been being".split())
_SKIP_BACK = frozenset("""has have had also later previously repeatedly earlier further again then
    would will could may might must did does do not never once publicly privately subsequently
    recently separately flatly strongly firmly angrily quickly immediately openly explicitly
    categorically vehemently always often frequently long still yet already just even reportedly
    allegedly purportedly apparently""".split())
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_ADJUNCT_RE = re.compile(
    r"\s*(?:,\s*)?(?:(?:late |early )?on (?:" + "|".join(_WEEKDAYS) + r")"
    r"(?: (?:morning|afternoon|evening|night))?"
    r"|(?:last|this|next) (?:week|month|year|night|weekend|" + "|".join(_WEEKDAYS) + r")"
    r"|earlier|later|yesterday|today|again|also|separately|publicly|repeatedly"
    r"|in (?:a|an|the) (?:\w+ ){0,2}(?:statement|interview|post|video|speech|address|briefing|"
    r"message|letter|report|tweet)(?: (?:on|to|with|posted on) [\w.-]+)?"
    r"|on (?:twitter|x|telegram|facebook|instagram|social media|state (?:tv|television)|television|tv|radio)"
    r"|at a (?:news|press) conference)\b(?:\s*,)?",
    re.IGNORECASE)


class _T(NamedTuple):
    """A token of the attribution finder: a word ("Azerbaijan's", "U.S.", "Mr.") or one
    punctuation mark. low: lower case with plain apostrophes; cap: has an upper-case letter."""
    start: int
    end: int
    text: str
    low: str
    word: bool
    cap: bool


def _np_tokens(sentence: str) -> list[_T]:
    # built column by column with C-level map() calls: this runs for every hinted sentence
    ms = list(_NP_TOKEN_RE.finditer(sentence))
    texts = list(map(re.Match.group, ms))
    lows = list(map(str.lower, texts))
    if "\u2019" in sentence or "\u02bc" in sentence:
        lows = [low.replace("\u2019", "'").replace("\u02bc", "'") for low in lows]
    words = [t[0].isalnum() for t in texts]
    caps = list(map(operator.and_, words, map(operator.ne, map(str.lower, texts), texts)))
    return list(map(tuple.__new__, itertools.repeat(_T), zip(
        map(re.Match.start, ms), map(re.Match.end, ms), texts, lows, words, caps)))


def _possessive(t: _T) -> bool:
    return t.word and (t.low.endswith("'s") or t.low.endswith("s'"))


def _source_head(t: _T) -> bool:
    if not t.word:
        return False
    if t.low in _PRONOUNS:
        return True
    if t.cap:
        return t.low not in _STOP_CAPS and t.low not in _DETERMINERS
    return (t.low in _SOURCE_NOUNS
            or (len(t.low) > 5 and t.low.endswith(_AGENT_SUFFIXES) and t.low.isalpha()))


def _np_inside(t: _T) -> bool:
    """May this token sit inside a source noun phrase (besides the head)?"""
    if not t.word:
        return False
    if t.cap:
        return t.low not in _STOP_CAPS and t.low not in _DETERMINERS and t.low not in _PRONOUNS
    return (_possessive(t) or t.low in _SOURCE_NOUNS or t.low in _SOURCE_MODIFIERS
            or t.low.isdigit())


def _np_back(toks: list[_T], j: int) -> tuple[int, int] | None:
    """A source noun phrase ending at token j, walking left: (first, last) token index."""
    if j < 0 or not _source_head(toks[j]):
        return None
    if toks[j].low in _PRONOUNS:
        return j, j
    k = j
    while k - 1 >= 0:
        t = toks[k - 1]
        if _np_inside(t):
            k -= 1
            continue
        if t.low in _CONNECTORS or t.low == "the":
            # "Ministry of (the) Foreign Affairs", "a spokesman for the ministry"
            m = k - 1
            if toks[m].low == "the" and m - 1 >= 0 and toks[m - 1].low in _CONNECTORS:
                m -= 1
            if toks[m].low in _CONNECTORS and m - 1 >= 0 and (
                    _np_inside(toks[m - 1]) or _source_head(toks[m - 1])):
                k = m - 1
                continue
        break
    if k - 1 >= 0 and toks[k - 1].word and toks[k - 1].low in _DETERMINERS:
        k -= 1
    return k, j


def _np_forward(toks: list[_T], k: int) -> tuple[int, int] | None:
    """A source noun phrase starting at token k (`"...," said the ministry`)."""
    if k >= len(toks) or not toks[k].word:
        return None
    if toks[k].low in _PRONOUNS:
        return k, k
    j = k
    if toks[j].low in _DETERMINERS:
        j += 1
    last = None
    while j < len(toks):
        t = toks[j]
        if _np_inside(t) or _source_head(t):
            last = j
            j += 1
            continue
        if t.low in ("of", "for", "at", "and") and j + 1 < len(toks):
            nxt = toks[j + 1]
            if nxt.cap or nxt.low in _DETERMINERS:
                j += 2 if nxt.low in _DETERMINERS else 1
                continue
        break
    while last is not None and last >= k and not _source_head(toks[last]):
        last -= 1
    if last is None or last < k:
        return None
    return k, last


def _insertion(t: _T) -> bool:
    """Can a comma-delimited insertion after a name start with this token? (", who ...",
    ", the ministry's spokesman,", ", 64,", ", commander of ...")"""
    return t.word and (t.low in ("who", "whose", "himself", "herself") or t.low in _DETERMINERS
                       or t.low.isdigit() or _possessive(t) or t.low in _SOURCE_NOUNS
                       or t.low in _SOURCE_MODIFIERS)


def _cue_kind(text: str) -> str:
    low = " ".join(text.lower().split())
    if low.startswith("according") or low in ("citing", "quoting"):
        return "prep"
    if low.startswith(("in a ", "in an ", "in the ")):
        return "adjunct"
    if " " not in low and low.endswith("ly"):
        return "adverb"
    return "verb"


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    """Shrink [a, b) past spaces, quotes and clause punctuation at both ends."""
    lead = " \t\n\u00a0:,;\u2014\u2013-" + _OPEN_QUOTES + _CLOSE_QUOTES
    trail = " \t\n\u00a0.,;:\u2014\u2013-" + _OPEN_QUOTES + _CLOSE_QUOTES
    while a < b and text[a] in lead:
        a += 1
    while b > a and text[b - 1] in trail:
        b -= 1
    if b <= a or not any(c.isalnum() for c in text[a:b]):
        return None
    return a, b


def _index_at(toks: list[_T], pos: int) -> int:
    """Index of the first token starting at or after character `pos`."""
    return bisect.bisect_left(toks, pos, key=_START)


_START = operator.itemgetter(0)


def _content_after(sentence: str, toks: list[_T], k: int, kind_tell: bool) -> tuple[int, int, str] | None:
    """Content following a verb cue whose last token is k-1: (start, end, how) where how is
    "marked" (after 'that', a colon or an opening quote), "adjunct" (starts like a time or place
    phrase) or "plain"; None when the cue closes the clause ("..., the ministry said.")."""
    if k >= len(toks):
        return None
    pos = toks[k - 1].end if k > 0 else 0
    m = _ADJUNCT_RE.match(sentence, pos)
    while m and m.end() > pos:
        pos = m.end()
        m = _ADJUNCT_RE.match(sentence, pos)
    k = _index_at(toks, pos)
    if k >= len(toks):
        return None
    if kind_tell and toks[k].word and toks[k].low != "that":
        # skip the addressee: "told Reuters", "told the BBC", "told him"
        if toks[k].low in _OBJECT_PRONOUNS or toks[k].low in ("reporters", "journalists"):
            k += 1
        else:
            span = _np_forward(toks, k)
            if span is None and toks[k].low in _DETERMINERS and k + 1 < len(toks):
                span = (k, k + 1)
            if span is not None:
                k = span[1] + 1
        if k < len(toks):
            m = _ADJUNCT_RE.match(sentence, toks[k - 1].end)
            if m and m.end() > toks[k - 1].end:
                k = _index_at(toks, m.end())
    if k >= len(toks):
        return None
    how = "plain"
    t = toks[k]
    if t.low in _ADJUNCT_STARTS:
        how = "adjunct"
        # "told reporters at 3 p.m. that ...": look past a short adjunct for 'that'
        for j in range(k + 1, min(k + 10, len(toks))):
            if toks[j].low == "that":
                k, t, how = j, toks[j], "plain"
                break
            if not toks[j].word and toks[j].text not in ".-":
                break
    if t.low == "that" or t.text == ":":
        k += 1
        how = "marked"
    elif not t.word:
        if t.text not in _QUOTES:
            return None  # ", the ministry said, adding ..." / "... said."
        how = "marked"
    if k >= len(toks):
        return None
    start = toks[k].start
    end = len(sentence)
    if sentence[start] in _OPEN_QUOTES:
        how = "marked"
        close = max(sentence.rfind(q, start + 1) for q in "\"\u201d\u00bb")
        if close > start:
            end = close
    span = _trim(sentence, start, end)
    return (span[0], span[1], how) if span else None


_CLAIM_NOUN_RE = re.compile(
    r",\s*(?:a|an|the|which|what)\s+(?:\w+\s+)?(?:claim|charge|accusation|allegation|assertion|"
    r"report|account|version)s?\s*$", re.IGNORECASE)
_ADJUNCT_STARTS = frozenset("""at on in during after before late early last this yesterday today
    earlier later from by via over also again repeatedly publicly privately separately then once
    through near while when amid""".split())


def _merged_cues(sentence: str, lexical: list[dict]) -> list[tuple[int, int, str]]:
    """Cue hints as (start, end, text); adjacent cues ("said" + "in a statement") become one."""
    merged: list[list] = []
    for h in lexical:
        if h["type"] != "cue":
            continue
        if merged and sentence[merged[-1][1]:h["start"]].isspace():
            merged[-1][1] = h["end"]
        else:
            merged.append([h["start"], h["end"]])
    return [(a, b, sentence[a:b]) for a, b in merged]


class _Finder:
    """State for one sentence: tokens, the spans proposed so far, and where content found
    before a source ("..., X said") begins its clause, to clip earlier content there."""

    def __init__(self, sentence: str, content: bool = True):
        self.s = sentence
        self.content = content  # False: sources and cues only (the hints hot path)
        self.toks = _np_tokens(sentence)
        self.spans: list[dict] = []
        self.seen: set[tuple] = set()  # (start, end, label) of spans: a set, so adding is O(1)
        self.clips: list[int] = []

    def add(self, a: int, b: int, label: str) -> None:
        if (a, b, label) not in self.seen:
            self.seen.add((a, b, label))
            self.spans.append({"start": a, "end": b, "label": label})

    def add_tokens(self, span: tuple[int, int], label: str) -> int:
        start = self.toks[span[0]].start
        self.add(start, self.toks[span[1]].end, label)
        return start

    def content_before(self, end: int, clip: int | None = None) -> None:
        content = _trim(self.s, 0, end)
        if content:
            self.add(*content, "content")
            self.clips.append(end if clip is None else clip)

    # "according to X, ..." / "..., according to X"
    def prep(self, c_start: int, ce: int) -> None:
        toks, s = self.toks, self.s
        initial = _trim(s, 0, c_start) is None
        j = ce
        while j < len(toks) and j - ce < 12 and toks[j].word \
                and toks[j].low not in ("that", "which", "who"):
            j += 1
        # the source runs to the clause end: "according to a report by the U.N. rights office,"
        if j > ce and ((j < len(toks) and toks[j].text == ",") if initial
                       else (j == len(toks) or not toks[j].word)):
            src = (ce, j - 1)
        else:
            src = _np_forward(toks, ce)
        if src is None:
            return
        self.add_tokens(src, "source")
        if not self.content:
            return
        if not initial:
            content = _trim(s, 0, c_start)
            if content:
                self.add(*content, "content")
            return
        k = src[1] + 1
        if k < len(toks) and toks[k].text == ",":
            # skip an insertion: "According to X, the ministry's spokesman, CONTENT"
            nxt = next((i for i in range(k + 1, min(k + 10, len(toks))) if toks[i].text == ","), None)
            if nxt is not None and k + 1 < len(toks) and _insertion(toks[k + 1]) and nxt + 1 < len(toks):
                k = nxt
            content = _trim(s, toks[k].end, len(s))
            if content:
                self.add(*content, "content")

    def source_before(self, j: int) -> tuple[int, int] | None | str:
        """The source ending at token j (left of the cue), None, or "inverted" when the cue
        follows a quote or comma ('"...," said X')."""
        toks = self.toks
        if j < 0 or toks[j].text in _QUOTES or (not toks[j].word and toks[j].text != ","):
            return "inverted"
        if toks[j].text != ",":
            return _np_back(toks, j)
        # "X, who has led Armenia since 2018, said": find the comma opening the insertion
        k = j - 1
        while k >= 0 and toks[k].text != "," and toks[k].text not in _QUOTES:
            k -= 1
        if k >= 1 and toks[k].text == "," and k + 1 < j:
            if _insertion(toks[k + 1]):
                src = _np_back(toks, k - 1)
                if src is not None:
                    return src
            elif toks[k + 1].cap:
                # "His wife, Lena, said" / "Karsk's envoy to the U.N., Halvard Tenn, told"
                name = _np_back(toks, j - 1)
                if name is not None and name[0] == k + 1:
                    outer = _np_back(toks, k - 1)
                    return (outer[0], name[1]) if outer is not None else name
        return "inverted"

    # "X said (that) ...", "..., X said.", '"...," said X', "X, who ..., said ..."
    def verb(self, c_start: int, ci: int, ce: int, surface: str) -> None:
        toks, s = self.toks, self.s
        j = ci - 1
        if j >= 0 and toks[j].word and (toks[j].low in _DETERMINERS or _possessive(toks[j])):
            return  # "the alleged attack", "Russia's claims": a noun or adjective, no clause
        passive = False
        while j >= 0 and toks[j].word and (toks[j].low in _SKIP_BACK or toks[j].low in _BE
                                           or (toks[j].low.endswith("ly") and not toks[j].cap)):
            passive = passive or toks[j].low in _BE
            j -= 1
        if passive and not surface.lower().startswith("quoted"):
            # "X is said to ...", "X was told": X is not the source
            if not self.content:
                return
            after = _content_after(s, toks, ce, False)
            if after:
                self.add(after[0], after[1], "content")
            return
        src = self.source_before(j)
        if src == "inverted":
            fwd = _np_forward(toks, ce)
            if fwd is not None and fwd[1] + 1 < len(toks) and toks[fwd[1] + 1].word and (
                    toks[fwd[0]].low in _PRONOUNS or toks[fwd[1] + 1].low not in _ADJUNCT_STARTS):
                fwd = None  # '..., said she feared', '..., accuses Karsk of': no inversion
            if fwd is not None:
                self.add_tokens(fwd, "source")
                if self.content:
                    self.content_before(c_start)
            return
        if src is None:
            return
        s_start = self.add_tokens(src, "source")
        if not self.content:
            return
        words = surface.lower().split()
        tell = len(words) == 1 and words[0] in ("told", "tell", "tells", "telling")
        after = _content_after(s, toks, ce, tell)
        pre = s[:s_start].rstrip()
        quoted_before = (pre.rstrip(", ").endswith(('"', "\u201d", "\u00bb"))
                         and _trim(s, 0, s_start) is not None)
        if after is not None and (after[2] == "marked" or not (
                quoted_before or (pre.endswith(",") and after[2] == "adjunct"))):
            self.add(after[0], after[1], "content")
            return
        claim = _CLAIM_NOUN_RE.search(pre)
        if claim is None:
            # '"...," X said in a televised address': the content came first
            self.content_before(s_start)
            return
        # "..., a claim Yerevan denied": the claim is the clause before (after an earlier 'that')
        earlier = [sp["start"] for sp in self.spans
                   if sp["label"] == "content" and sp["start"] < claim.start()]
        content = _trim(s, max(earlier, default=0), claim.start())
        if content:
            self.add(*content, "content")
            self.clips.append(claim.start())

    def result(self) -> list[dict]:
        # content that runs into a later "..., X said" clause stops before it
        for span in self.spans:
            if span["label"] != "content":
                continue
            for clip in self.clips:
                if span["start"] < clip < span["end"]:
                    clipped = _trim(self.s, span["start"], clip)
                    if clipped:
                        span["start"], span["end"] = clipped
        out: list[dict] = []
        kept: set[tuple] = set()  # clipping may have made two spans equal
        for span in self.spans:
            key = (span["start"], span["end"], span["label"])
            if key not in kept:
                kept.add(key)
                out.append(span)
        out.sort(key=lambda sp: (sp["start"], sp["end"], sp["label"]))
        return out


def attributions(sentence: str, lexical: list[dict], content: bool = True) -> list[dict]:
    cues = _merged_cues(sentence, lexical)
    if not cues:
        return []
    finder = _Finder(sentence, content)
    for c_start, c_end, surface in cues:
        finder.add(c_start, c_end, "cue")
        kind = _cue_kind(surface)
        if kind in ("adverb", "adjunct"):
            continue
        ce = _index_at(finder.toks, c_end)  # the first token after the cue
        if kind == "prep":
            finder.prep(c_start, ce)
        else:
            finder.verb(c_start, _index_at(finder.toks, c_start), ce, surface)
    return finder.result()


def find_attributions(sentence: str, matcher: TermMatcher | None = None) -> list[dict]:
    """Propose attribution spans [{"start", "end", "label": "source"|"cue"|"content"}], sorted.

    Best-effort rules over the matcher's cues (default lexicon if None): "X said (that) ...",
    "..., X said.", '"...," X said in a statement', '"...," said X', "according to X, ...",
    "..., according to X", "X told reporters (that) ...", "X, who ..., said ...". Sources are
    capitalised sequences ("Azerbaijan's Defence Ministry"), phrases headed by a source noun
    ("the ministry", "senior officials") or pronouns (he, she, they, it, we). Spans of different
    attributions in one sentence may nest; every span is non-empty and inside the sentence."""
    if not isinstance(sentence, str) or not sentence:
        return []
    matcher = matcher or default_terms()
    return attributions(sentence, matcher.lexical(sentence))
