"""What the segmenter knows of each language: pysbd's rules where pysbd has the language,
its quotation marks and its abbreviations (words/abbreviations_<code>.txt).

A line is read through ``prepare``, a translation of the same length (offsets never move)
that turns the language's quotation marks into the curly double and single quotes the rest
of the segmenter knows (“ ” ‘ ’), and a few marks that are not what they look like into
harmless ones: the straight quote inside a Hebrew acronym (צה"ל) is a gershayim, and the ASCII
colon that Armenian sites type for the full stop ։ is one before a new sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

from .wordlists import words

# Languages with abbreviation lists of their own in words/ (the English lists are the old
# ones, read by veto.py): abbreviations_<code> never end a sentence, final_<code> ("etc.",
# "и т. д.") end one before a capital even where pysbd reads them as inside it.
_LISTED = frozenset("ru uk hy az tr ar fa he de fr es ka it pl".split())
_FINAL = frozenset("ru uk de fr es it pl tr az".split())
# Scripts whose letters Python calls lowercase but that have no case in running text:
# Georgian Mkhedruli (its capitals, Mtavruli, are for titles only).
_LOWERCASE_STARTS = frozenset({"ka"})
# Languages without pysbd rules that write ordinals with a period ("1. Dünya Savaşı", "2.
# Abdülhamid"): a period after a number of one or two digits ends no sentence there.
_ORDINALS = frozenset("tr az".split())
# Languages whose quotations may close with a space before the mark: « Non. »
_SPACED_CLOSERS = frozenset({"fr"})
# Guillemets, as curly quotes, in the direction the line uses: French and Russian « … »,
# German and Danish » … «.
_GUILLEMETS = {True: str.maketrans("»«›‹", "“”‘’"), False: str.maketrans("«»‹›", "“”‘’")}
# „ only ever opens a quotation (German, Russian, Ukrainian, Polish, Georgian, Hebrew ...);
# in a line that has one, “ (German, Russian, Georgian) closes it and ‚ ‘ are the single pair.
_LOW_NINE = str.maketrans("„“‚‘", "“”‘’")
_HEBREW_ACRONYM_RE = re.compile(r'(?<=[\u05d0-\u05ea])"(?=[\u05d0-\u05ea])')
_ARMENIAN_STOP_RE = re.compile(r":(?=\s+[«„“\"(]?[\u0531-\u0556])")


@dataclass(frozen=True)
class Rules:
    code: str  # the primary subtag: "en", "de", "zh"
    pysbd: str | None  # pysbd's language, or None: the rule-based splitter alone
    abbreviations: frozenset[str] | None  # None: English, with veto.py's own lists
    final: frozenset[str]  # abbreviations that end a sentence before a capital
    lowercase_starts: bool  # a sentence may start with a letter Python calls lowercase
    spaced_closers: bool  # ". »" closes a quotation
    ordinals: bool  # "1." is an ordinal, not the end of a sentence

    def prepare(self, line: str) -> str:
        """``line`` with this language's quotation marks as curly quotes; same length."""
        first = next((c for c in line if c in "«»‹›"), None)
        work = line.translate(_GUILLEMETS[first in "»›"]) if first else line
        if "„" in work or "‚" in work:
            work = work.translate(_LOW_NINE)
        if self.code == "he" and '"' in work:
            work = _HEBREW_ACRONYM_RE.sub("\u05f4", work)
        elif self.code == "hy" and ":" in work:
            work = _ARMENIAN_STOP_RE.sub("։", work)
        return work


def primary(lang: str | None) -> str:
    """The primary subtag of a language tag, lowercase: "pt-BR" -> "pt"; none -> "en"."""
    code = (lang or "en").replace("_", "-").split("-")[0].lower()
    return {"iw": "he", "in": "id", "ji": "yi"}.get(code, code) or "en"  # ISO 639 codes withdrawn


@cache
def rules_for(lang: str | None) -> Rules:
    code = primary(lang)
    if code == "en":
        return Rules("en", "en", None, frozenset(), False, False, False)
    listed = words(f"abbreviations_{code}") if code in _LISTED else frozenset()
    final = words(f"final_{code}") if code in _FINAL else frozenset()
    return Rules(code, code if code in LANGUAGE_CODES else None, listed, final,
                 code in _LOWERCASE_STARTS, code in _SPACED_CLOSERS, code in _ORDINALS)


@cache
def segmenter(code: str) -> pysbd.Segmenter:
    """One pysbd Segmenter per language, made on first use.  It is shared by threads: only
    its ``processor`` is called, which makes a fresh Processor each time (see
    boundaries.pysbd_sentences).  Two threads racing here both make one; either is kept."""
    return pysbd.Segmenter(language=code, clean=False)
