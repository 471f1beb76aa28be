"""The hints an annotator sees: lexicon terms plus the sources of attributions.

``Matcher(lexicon).hints(sentence)`` is the hot path of the annotate page's hints.
"""
from __future__ import annotations

import bisect
from functools import cache

from .attribution import attributions
from .concepts import explain, links
from .lexicon import DEFAULT_LEXICON, DEFAULT_LEXICONS, lexicon_for, lexicon_lang
from .terms import TermMatcher


class Matcher(TermMatcher):
    """A TermMatcher that also marks the source of each attribution (``sources=False``: only
    the lexicon's terms)."""

    def __init__(self, lexicon: dict | None = None, *, sources: bool = True,
                 lang: str | None = None):
        super().__init__(lexicon, lang)
        self.sources = sources and lexicon_lang(self.lang) == "en"

    @classmethod
    def for_article(cls, own: dict | None, article_lang: str | None, **options) -> "Matcher":
        """The matcher for the sentences of an article in `article_lang` in a project whose own
        lexicon is `own` (None: none): the lexicon and word shapes lexicon_for chooses."""
        lexicon, shapes = lexicon_for(own, article_lang)
        return cls(lexicon, lang=shapes, **options)

    def explain(self, hint: dict) -> dict | None:
        """For a contested-term hint that names a concept: the concept, its side, the same side's
        terms in the other languages ("equivalents"), the other sides' terms ("counterparts",
        by side and language) and neutral wording (concepts.explain over the default
        lexicons); None for any other hint."""
        concept = hint.get("concept")
        if hint.get("type") != "contested_term" or not concept:
            return None
        return explain(concept, lexicon_lang(self.lang), concept_table())

    def hints(self, sentence: str) -> list[dict]:
        """[{"start", "end", "type": "cue"|"contested_term"|"source", "term"}], sorted by start,
        never overlapping; ``sentence[start:end]`` is the matched text. ``term`` is the canonical
        lexicon term (for a source: the source's text). Sources come from
        ``find_attributions`` and are dropped where they would overlap a lexicon hint."""
        lexical = self.lexical(sentence)
        if not self.sources or not any(h["type"] == "cue" for h in lexical):
            return lexical
        spans = attributions(sentence, lexical, content=False)
        # `taken` holds the non-overlapping spans kept so far (lexicon hints, then sources),
        # sorted by start and so by end: a span overlaps one of them only if it overlaps the
        # last one starting before its end (bisect, so many sources stay O(n log n))
        taken = [(h["start"], h["end"]) for h in lexical]
        sources = []
        for span in spans:
            if span["label"] != "source":
                continue
            s, e = span["start"], span["end"]
            k = bisect.bisect_left(taken, (e, -1))
            if k > 0 and taken[k - 1][1] > s:
                continue
            taken.insert(k, (s, e))
            sources.append({"start": s, "end": e, "type": "source",
                            "term": " ".join(sentence[s:e].split())})
        if not sources:
            return lexical
        return sorted(lexical + sources, key=lambda h: h["start"])


@cache
def concept_table() -> dict:
    """concepts.links over the default lexicons of every language, built on first use."""
    return links(DEFAULT_LEXICONS)


@cache
def default_matcher() -> Matcher:
    """A Matcher for DEFAULT_LEXICON, built on first use."""
    return Matcher(DEFAULT_LEXICON)
