"""The veto on a candidate boundary: abbreviations (titles, initials, "No. 5", "Inc."),
clock times, and text that cannot start a sentence."""

from __future__ import annotations

import re

from .chars import OPENERS
from .wordlists import words

TITLES = words("titles")  # before a name: never end a sentence ("Gen. Ali", "Sen. Warren")
NUMBER_ABBR = words("number_abbreviations")  # before a number: "No. 5", "p. 12", "Art. 5"
MONTHS = words("month_abbreviations")
MONTH_WORDS = MONTHS | words("month_names")
WEEKDAYS = words("weekdays")
TIME_ZONES = words("time_zones")
# May end a sentence, usually does not: split only before a typical sentence starter
# ("Acme Inc. The company ..." vs "Acme Inc. Chief Executive ...").
SOFT_ABBR = words("soft_abbreviations")
_NEVER_FINAL = words("never_final")  # multi-period abbreviations: "e.g", "i.e"
STARTERS = words("sentence_starters")
# What follows a clock time in the same sentence: "3 p.m. Monday", "11 a.m. EST", "8 p.m.
# Moscow time". Any other capitalised word after "a.m."/"p.m." starts a new sentence.
_CLOCK = frozenset(("a.m", "p.m"))
_AFTER_CLOCK = MONTH_WORDS | WEEKDAYS | TIME_ZONES | words("after_clock")

_TIME_WORD_RE = re.compile(r"\s*time\b", re.I)
# U.S, a.m, Ph.D, e.g, D.C - not a domain name such as bbc.com.
_MULTI_PERIOD_RE = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
FIRST_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
# Name suffixes: "Cal Ripken Jr. Fans cheered" starts a sentence at "Fans" (a capitalised
# word, then a lowercase one); "Acme Inc. Chief Executive" does not.
_NAME_SUFFIXES = frozenset("jr sr inc corp co ltd llc plc bros".split())
_CLAUSE_START_RE = re.compile(r"[^\W\d_][^\W\d_'’-]*\s+[^\W\d_]")
# A unit of temperature: "minus 6.6 degrees C. Seoul ..." (not an initial).
_DEGREES_RE = re.compile(r"\bdeg(?:rees?|\.)?\s+[CFK]\.$")
# A list item's marker at the start of a line ("1. The first item", "• 9. The first item").
_LIST_MARKER_RE = re.compile(r"^(?:[•⁃▪◦‣*-]\s?)?(?:\d{1,2}|[a-z])\.$")
# A clock time that opens its sentence ("At 5 a.m. Mr. Smith went ..."): the sentence goes on.
_TIME_PHRASE_RE = re.compile(r"(?:^|[.!?]\s+)(?:[A-Z][a-z]*\s+){1,2}\d{1,2}(?:[:.]\d{2})?\s*[ap]\.m\.$")


def _starts_sentence(right: str) -> bool:
    """Does the text after a soft abbreviation look like a new sentence?"""
    if right[0] in OPENERS:
        return True
    m = FIRST_WORD_RE.match(right)
    return bool(m) and m.group() in STARTERS


def _clock_continues(right: str) -> bool:
    """After "a.m."/"p.m.": does the sentence go on ("Monday", "EST", "Moscow time")?"""
    if right[0] in OPENERS:
        return False
    m = FIRST_WORD_RE.match(right)
    if not m:
        return True  # a number, a dash: the same sentence
    word = m.group()
    if word in STARTERS:
        return False
    if word.lower() in _AFTER_CLOCK:
        return True
    return bool(_TIME_WORD_RE.match(right, m.end()))  # "8 p.m. Moscow time"


def _last_token(left: str) -> str:
    """The word (with inner periods) before the final period of ``left``: "U.S" in "the
    U.S.", "Mr" in "said Mr."; found by walking back, since a regex search for it would
    retry at every position of the window."""
    i = len(left) - 1
    j = i
    while j and (left[j - 1].isalnum() or left[j - 1] in "._"):
        j -= 1
    return left[j:i].lstrip(".")


def closing_abbreviation(left: str) -> bool:
    """Does ``left`` end in an abbreviation that can also end a sentence: "D.C.", "U.S.",
    "Jr.", "Inc.", "degrees C."?"""
    tok = _last_token(left)
    if not tok:
        return False
    if "." in tok:
        return bool(_MULTI_PERIOD_RE.fullmatch(tok)) and tok.lower() not in _NEVER_FINAL
    return tok.lower() in _NAME_SUFFIXES or (len(tok) == 1 and bool(_DEGREES_RE.search(left)))


def vetoed(left: str, right: str, abbreviations: frozenset[str] | None = None,
           lowercase_starts: bool = False, ordinals: bool = False) -> bool:
    """Reject a boundary between ``left`` (ends in punctuation) and ``right``.

    ``left`` and ``right`` are short windows, stripped towards the boundary.
    ``abbreviations``: another language's list (None: English, with the lists above);
    ``lowercase_starts``: a script whose sentences start with what Python calls lowercase;
    ``ordinals``: a language that writes ordinals with a period ("1. Dünya Savaşı").
    """
    c = right[0]
    # Sentences do not start lowercase ('"Is it over?" he asked.', "3.2 pct. in
    # March"), except brand names such as iPhone or eBay.
    if c.islower() and not lowercase_starts and not (len(right) > 1 and right[1].isupper()):
        return True
    # A boundary before a comma etc. is pysbd splitting "D-Calif., said".
    if c in ",;:%)]}":
        return True
    if _LIST_MARKER_RE.match(left):
        return True
    # Only a lone final period can belong to an abbreviation ("..." cannot).
    if not left.endswith(".") or left.endswith(".."):
        return False
    tok = _last_token(left)
    if not tok:
        return False
    if abbreviations is not None:
        return _vetoed_in(tok, right, abbreviations, ordinals)
    low = tok.lower()
    if "." in tok:  # U.S., a.m., Ph.D., e.g.; not bbc.com
        if not _MULTI_PERIOD_RE.fullmatch(tok):
            return False
        if low in _CLOCK:
            return bool(_TIME_PHRASE_RE.search(left)) or _clock_continues(right)
        return low in _NEVER_FINAL or not _starts_sentence(right)
    if len(tok) == 1 and tok.isupper():  # initials: J. R. R. Tolkien, George W. Bush
        if _DEGREES_RE.search(left):
            return not c.isupper()
        return not _starts_sentence(right)
    if low in TITLES:
        return True
    if (low in NUMBER_ABBR or low in MONTHS) and c.isdigit():
        return True
    if low in SOFT_ABBR:
        if low in _NAME_SUFFIXES and right[0].isupper() and (m := _CLAUSE_START_RE.match(right)) \
                and right[m.end() - 1].islower():
            return False
        return not _starts_sentence(right)
    return False


def _vetoed_in(tok: str, right: str, abbreviations: frozenset[str], ordinals: bool) -> bool:
    """The veto after ``tok.`` in a language other than English: its listed abbreviations
    ("z. B.", "т. е.", "Dr."), initials ("В. В. Путин"), abbreviations with inner periods
    ("z.B.", "т.е.") unless a quotation opens after them, and ordinals where the language
    writes them with a period."""
    if tok.lower() in abbreviations or (ordinals and tok.isdigit() and len(tok) <= 2):
        return True
    if "." in tok:
        return bool(_MULTI_PERIOD_RE.fullmatch(tok)) and right[0] not in OPENERS
    return len(tok) == 1 and tok.isupper() and right[0] not in OPENERS
