"""Words of a sentence for matching: tokens with offsets, folded keys, phrase joins."""
from __future__ import annotations

import re
import unicodedata

# A token is a run of word characters (combining accents included), or an apostrophe standing
# between two word characters ("regime's", "don't", "regime’s"). Everything else separates.
_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4\u2032"
# Combining marks inside a word: Latin/Cyrillic accents, Hebrew points and cantillation, Arabic
# short vowels (re's \w does not include them, so "שּׁלום" would be cut in two).
_MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
          "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed")
_TOKEN_RE = re.compile(r"[\w" + _MARKS + r"]+|(?<=\w)[" + _APOSTROPHES + r"](?=\w)")
# What may stand between two words of a multi-word term: whitespace, or one hyphen of any kind
# (so-called / so called / so‑called / so–called).
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2212\u00ad\ufe63\uff0d"
_JOIN_RE = re.compile(r"\s+|[" + _HYPHENS + r"]")


# Hebrew final letters as their plain forms, Arabic alef maqsura as ya, tatweel dropped: one
# spelling for a stem whichever letter ends it (folded keys only; offsets come from the text).
_LETTERS = str.maketrans({"\u05da": "\u05db", "\u05dd": "\u05de", "\u05df": "\u05e0",
                          "\u05e3": "\u05e4", "\u05e5": "\u05e6", "\u0649": "\u064a",
                          "\u0640": None})


def fold(text: str) -> str:
    """Lower case without accents ("Régime" -> "regime"), Hebrew vowel points or Arabic
    short vowels; apostrophes become "'"; Hebrew final letters become their plain forms."""
    if text.isascii():
        return text.lower()
    if len(text) == 1 and text in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().translate(_LETTERS)


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded key) for every token of `text`."""
    if text.isascii():
        return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN_RE.finditer(text)]
    # U+02BC (modifier letter apostrophe) counts as a letter for \w: make it a plain
    # apostrophe first (same length, so offsets hold).
    scan = text.replace("\u02bc", "'") if "\u02bc" in text else text
    return [(m.start(), m.end(), fold(m.group())) for m in _TOKEN_RE.finditer(scan)]


def is_joined(text: str, toks: list, i: int) -> bool:
    """True if token i continues token i-1 within one phrase (no punctuation in between)."""
    gap = text[toks[i - 1][1]:toks[i][0]]
    if not gap:
        return True  # only possible around an apostrophe token
    return _JOIN_RE.fullmatch(gap) is not None


def term_words(text: str) -> list[str]:
    """Folded words of a term: hyphens and spaces separate, apostrophes are their own token."""
    return [key for _, _, key in token_spans(text)]


def context_words(text: str) -> list[str]:
    """Folded words of a phrase, with apostrophe-joined parts glued ("women's" is one word)."""
    toks = token_spans(text)
    return glue_words(text, toks, 0, len(toks))


def glue_words(text: str, toks: list, lo: int, hi: int) -> list[str]:
    words: list[str] = []
    glue = False
    for i in range(lo, hi):
        key = toks[i][2]
        if key == "'":
            glue = True
            continue
        if glue and words:
            words[-1] += "'" + key
        else:
            words.append(key)
        glue = False
    return words
