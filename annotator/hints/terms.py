"""Lexicon terms found in a sentence: cues and contested terms, with their exception phrases.

``TermMatcher(lexicon).lexical(sentence)`` gives non-overlapping, sorted hints
``{"start", "end", "type": "cue"|"contested_term", "term"}`` (and "concept", "id/side",
where the entry names one); sources are added on top of
these by :class:`annotator.hints.matcher.Matcher`.
"""
from __future__ import annotations

import bisect
import re
from functools import cache

from .inflection import lemma, word_forms
from .lexicon import DEFAULT_LEXICON, GAP_WORDS, exception_phrase, validate_lexicon
from .morphology import Analyser, morphology
from .tokens import glue_words, is_joined, term_words, token_spans


def _pattern_regex(pattern: tuple) -> str:
    """One phrase as a regex over context words joined by single spaces (each word followed by
    a space; '|' is a word of its own)."""
    parts = []
    for p in pattern:
        if p == "...":
            parts.append(r"(?:[^ |][^ ]* ){0,%d}" % GAP_WORDS)
        elif p == "*":
            parts.append(r"[^ |][^ ]* ")
        elif p == "|":
            parts.append(r"\| ")
        elif p.endswith("*"):
            parts.append(re.escape(p[:-1]) + r"[^ ]* ")
        else:
            parts.append(re.escape(p) + " ")
    return "".join(parts)


def _exceptions_regex(patterns: list[tuple]) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile("(?:" + "|".join(_pattern_regex(p) for p in patterns) + ")")


class _Entry:
    """One compiled lexicon entry: its hint type, canonical term and exception regexes."""
    __slots__ = ("type", "term", "concept", "before", "after", "reach_before", "reach_after")

    def __init__(self, kind: str, data: dict):
        self.type = kind
        self.term = data["term"]
        self.concept = data.get("concept")
        before = [exception_phrase(p, "") for p in data.get("not_before", [])]
        after = [tuple(reversed(exception_phrase(p, ""))) for p in data.get("not_after", [])]
        self.before = _exceptions_regex(before)
        self.after = _exceptions_regex(after)
        self.reach_before = max((_reach(p) for p in before), default=0)
        self.reach_after = max((_reach(p) for p in after), default=0)

    def blocked(self, text: str, toks: list, lo: int, hi: int) -> bool:
        """True if an exception phrase matches around tokens lo..hi-1."""
        if self.before is not None:
            words = _after(text, toks, hi, self.reach_before)
            if self.before.match(" ".join(words) + " "):
                return True
        if self.after is not None:
            words = _before(text, toks, lo, self.reach_after)
            if self.after.match(" ".join(words) + " "):
                return True
        return False


def _reach(pattern: tuple) -> int:
    return sum(GAP_WORDS if p == "..." else 1 for p in pattern) + 1


def _after(text: str, toks: list, j: int, limit: int) -> list[str]:
    """Up to `limit` words after token j-1, stopping at punctuation; '|' marks where they stop
    at punctuation or the sentence end."""
    hi = j
    while hi < len(toks) and hi - j < 2 * limit and is_joined(text, toks, hi):
        hi += 1
    words = glue_words(text, toks, j, hi)
    if len(words) >= limit:
        return words[:limit]
    return words + ["|"]


def _before(text: str, toks: list, i: int, limit: int) -> list[str]:
    """Up to `limit` words before token i, nearest first, stopping at punctuation or the
    sentence start ('|')."""
    lo = i
    while lo > 0 and i - lo < 2 * limit and is_joined(text, toks, lo):
        lo -= 1
    words = glue_words(text, toks, lo, i)[::-1]
    if len(words) >= limit:
        return words[:limit]
    return words + ["|"]


class TermMatcher:
    """A lexicon compiled for fast matching: its cues and contested terms. Build once per
    lexicon and reuse (thread-safe: nothing changes after __init__).

    `lang` chooses the word shapes (morphology.py): the lexicon's own "lang" when not given;
    English (listed inflections) when neither names a language with stem rules."""

    def __init__(self, lexicon: dict | None = None, lang: str | None = None):
        self.lexicon = validate_lexicon(DEFAULT_LEXICON if lexicon is None else lexicon)
        self.lang = lang or self.lexicon.get("lang") or "en"
        morph = morphology(self.lang.split("-")[0].lower())
        self._entries: dict[tuple[str, str], dict] = {}
        table: dict[tuple, list[_Entry]] = {}
        items = [(kind, {"term": item} if isinstance(item, str) else item)
                 for kind, field in (("contested_term", "contested_terms"), ("cue", "cues"))
                 for item in self.lexicon[field]]
        self._analyser = None
        if morph is not None:
            self._analyser = _analyser(morph, [data for _, data in items])
        # contested terms first: when a cue and a contested term share a surface form, the
        # contested term is tried first.
        for kind, data in items:
            entry = _Entry(kind, data)
            self._entries[(kind, entry.term)] = data
            surfaces = (self._surfaces(data) if self._analyser is None
                        else self._stem_surfaces(data))
            for surface in surfaces:
                bucket = table.setdefault(surface, [])
                if entry not in bucket:
                    bucket.append(entry)
        first: dict[str, list] = {}
        for keys, entries in table.items():
            first.setdefault(keys[0], []).append((len(keys), keys, entries))
        for options in first.values():
            options.sort(key=lambda o: -o[0])
        self._first = first

    @staticmethod
    def _surfaces(data: dict) -> set[tuple]:
        words = term_words(data["term"])
        surfaces = {tuple(words)}
        # one-word terms are inflected unless told otherwise; multi-word terms only when
        # "inflect" is true, and then on their first word ("told reporters" -> "tells reporters")
        if data.get("inflect", len(words) == 1) and words[0].isalpha():
            for form in word_forms(lemma(words[0])):
                surfaces.add((form, *words[1:]))
        for variant in data.get("variants", []):
            surfaces.add(tuple(term_words(variant)))
        if data.get("not_forms"):
            blocked = {w for f in data["not_forms"] for w in term_words(f)}
            surfaces = {s for s in surfaces if not blocked & set(s)}
        return surfaces

    def _stem_surfaces(self, data: dict) -> set[tuple]:
        key = self._analyser.key
        surfaces = {tuple(key(w) for w in term_words(data["term"]))}
        for variant in data.get("variants", []):
            surfaces.add(tuple(key(w) for w in term_words(variant)))
        return surfaces

    def entry(self, kind: str, term: str) -> dict | None:
        """The lexicon entry behind a hint (type, term): its counterparts, note, ... or None."""
        return self._entries.get((kind, term))

    @property
    def terms(self) -> dict[str, list[str]]:
        """Canonical terms by hint type: {"cue": [...], "contested_term": [...]}."""
        out: dict[str, list[str]] = {"cue": [], "contested_term": []}
        for kind, term in self._entries:
            out[kind].append(term)
        return out

    def lexical(self, sentence: str) -> list[dict]:
        """Cue and contested-term hints, non-overlapping, sorted by start."""
        if not isinstance(sentence, str) or not sentence:
            return []
        toks = token_spans(sentence)
        first = self._first
        if self._analyser is None:
            keyed = [t[2] for t in toks]
        else:
            analyse = self._analyser.key
            keyed = [analyse(t[2]) for t in toks]
        found = []
        for i, key in enumerate(keyed):
            options = first.get(key)
            if options is None:
                continue
            start = toks[i][0]
            for n, keys, entries in options:
                if n > 1 and not _continues(sentence, toks, keyed, i, keys):
                    continue
                hit = None
                for entry in entries:
                    if (entry.before or entry.after) and entry.blocked(sentence, toks, i, i + n):
                        continue
                    hit = entry
                    break
                if hit is not None:
                    found.append((start, toks[i + n - 1][1], hit))
                    break
        if not found:
            return []
        if len(found) > 1:
            # longest match wins; on a tie the earlier one
            found.sort(key=lambda f: (f[0] - f[1], f[0]))
            # kept spans never overlap, so sorted by start they are sorted by end too: a
            # candidate overlaps a kept span only if it overlaps one of its two neighbours
            starts: list[int] = []
            kept: list[tuple] = []
            for cand in found:
                k = bisect.bisect_left(starts, cand[0])
                if k > 0 and kept[k - 1][1] > cand[0]:
                    continue
                if k < len(kept) and kept[k][0] < cand[1]:
                    continue
                starts.insert(k, cand[0])
                kept.insert(k, cand)
            found = kept
        return [{"start": s, "end": e, "type": entry.type, "term": entry.term}
                if entry.concept is None else
                {"start": s, "end": e, "type": entry.type, "term": entry.term,
                 "concept": entry.concept}
                for s, e, entry in found]


def _continues(text: str, toks: list, keyed: list, i: int, keys: tuple) -> bool:
    """Do tokens i+1.. continue a multi-word term whose first word matched token i?"""
    if i + len(keys) > len(toks):
        return False
    for j in range(1, len(keys)):
        if keyed[i + j] != keys[j] or not is_joined(text, toks, i + j):
            return False
    return True


def _analyser(morph, entries: list[dict]) -> Analyser:
    """The stems and exact words of a lexicon's entries under one language's morphology: a
    term word is a stem (its entry's "stem", else the default stem) unless the entry says
    "inflect": false or it is shorter than the language's shortest stem; a word of a variant
    is an exact word unless a stem already covers it; not_forms are exact words (so they key to
    themselves and match nothing)."""
    exact: set[str] = set()
    stems: set[str] = set()
    variant_words: set[str] = set()
    for data in entries:
        words = term_words(data["term"])
        given = term_words(data["stem"]) if data.get("stem") else None
        for n, word in enumerate(words):
            if word == "'" or len(word) < morph.min_stem or not data.get("inflect", True):
                exact.add(word)
            else:
                stems.add(given[n] if given else morph.stem(word))
        for variant in data.get("variants", []):
            variant_words.update(term_words(variant))
        for form in data.get("not_forms", []):
            exact.update(term_words(form))
    first = Analyser(morph, exact, stems)
    exact |= {w for w in variant_words if first.key(w) == w}
    return Analyser(morph, exact, stems)


@cache
def default_terms() -> TermMatcher:
    """A TermMatcher for DEFAULT_LEXICON, built on first use."""
    return TermMatcher(DEFAULT_LEXICON)
