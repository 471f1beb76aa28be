"""Lexicon hints: attribution cues and contested terms, with character offsets.

Pure functions over plain data (no Flask, no database). The pieces:

* ``DEFAULT_LEXICON`` and ``validate_lexicon(obj)``: the lexicon JSON format (see docs/hints.md).
* ``Matcher(lexicon).hints(sentence)``: non-overlapping, sorted hint spans
  ``{"start", "end", "type": "cue"|"contested_term"|"source", "term"}``.
* ``find_attributions(sentence, matcher=None)``: rule-based source / cue / content proposals.
* ``hint_quality(items)``: precision, recall and F1 of hints against human labels and spans.
* ``inflections(word)``: the surface forms a one-word lexicon term matches.

Hints mark words; they never choose a label.
"""
from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "DEFAULT_LEXICON",
    "Matcher",
    "default_matcher",
    "find_attributions",
    "hint_quality",
    "inflections",
    "validate_lexicon",
]

LEXICON_VERSION = 1
MAX_TERM_WORDS = 8
MAX_TERM_CHARS = 120
GAP_WORDS = 3  # how many words "..." may skip in an exception phrase

# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------
# A token is a run of word characters (combining accents included), or an apostrophe standing
# between two word characters ("regime's", "don't", "regime’s"). Everything else separates.
_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4\u2032"
_TOKEN_RE = re.compile(r"[\w\u0300-\u036f]+|(?<=\w)[" + _APOSTROPHES + r"](?=\w)")
# What may stand between two words of a multi-word term: whitespace, or one hyphen of any kind
# (so-called / so called / so‑called / so–called).
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2212\u00ad\ufe63\uff0d"
_JOIN_RE = re.compile(r"\s+|[" + _HYPHENS + r"]")


def _fold(text: str) -> str:
    """Lower case without accents ("Régime" -> "regime"); apostrophes become "'"."""
    if text.isascii():
        return text.lower()
    if len(text) == 1 and text in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded key) for every token of `text`."""
    if text.isascii():
        return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN_RE.finditer(text)]
    # U+02BC (modifier letter apostrophe) counts as a letter for \w: make it a plain
    # apostrophe first (same length, so offsets hold).
    scan = text.replace("\u02bc", "'") if "\u02bc" in text else text
    return [(m.start(), m.end(), _fold(m.group())) for m in _TOKEN_RE.finditer(scan)]


def _joined(text: str, toks: list, i: int) -> bool:
    """True if token i continues token i-1 within one phrase (no punctuation in between)."""
    gap = text[toks[i - 1][1]:toks[i][0]]
    if not gap:
        return True  # only possible around an apostrophe token
    return _JOIN_RE.fullmatch(gap) is not None


def _continues(text: str, toks: list, i: int, keys: tuple) -> bool:
    """Do tokens i+1.. continue a multi-word term whose first word matched token i?"""
    if i + len(keys) > len(toks):
        return False
    for j in range(1, len(keys)):
        if toks[i + j][2] != keys[j] or not _joined(text, toks, i + j):
            return False
    return True


def _words(text: str) -> list[str]:
    """Folded words of a term: hyphens and spaces separate, apostrophes are their own token."""
    return [key for _, _, key in _tokens(text)]


# ---------------------------------------------------------------------------------------------
# Inflection
# ---------------------------------------------------------------------------------------------
# Irregular verbs worth having; every form maps to the whole family.
_IRREGULAR_FAMILIES = [
    ("say", "says", "said", "saying"),
    ("tell", "tells", "told", "telling"),
    ("speak", "speaks", "spoke", "spoken", "speaking"),
    ("write", "writes", "wrote", "written", "writing"),
    ("think", "thinks", "thought", "thinking"),
    ("hold", "holds", "held", "holding"),
    ("give", "gives", "gave", "given", "giving"),
    ("take", "takes", "took", "taken", "taking"),
    ("make", "makes", "made", "making"),
    ("know", "knows", "knew", "known", "knowing"),
    ("see", "sees", "saw", "seen", "seeing"),
    ("flee", "flees", "fled", "fleeing"),
    ("seek", "seeks", "sought", "seeking"),
    ("bring", "brings", "brought", "bringing"),
    ("fight", "fights", "fought", "fighting"),
    ("shoot", "shoots", "shot", "shooting"),
    ("strike", "strikes", "struck", "striking"),
    ("beat", "beats", "beaten", "beating"),
    ("drive", "drives", "drove", "driven", "driving"),
    ("rise", "rises", "rose", "risen", "rising"),
    ("fall", "falls", "fell", "fallen", "falling"),
    ("begin", "begins", "began", "begun", "beginning"),
    ("choose", "chooses", "chose", "chosen", "choosing"),
    ("break", "breaks", "broke", "broken", "breaking"),
    ("steal", "steals", "stole", "stolen", "stealing"),
    ("swear", "swears", "swore", "sworn", "swearing"),
    ("withdraw", "withdraws", "withdrew", "withdrawn", "withdrawing"),
    ("overrun", "overruns", "overran", "overrunning"),
    ("die", "dies", "died", "dying"),
    ("lie", "lies", "lied", "lying"),
    ("tie", "ties", "tied", "tying"),
    ("crisis", "crises"),
    ("child", "children"),
]
_IRREGULAR = {form: family for family in _IRREGULAR_FAMILIES for form in family}
# Words that look inflected but are not; they are matched as written.
_KNOWN_BASES = frozenset("""
    need feed bleed breed speed proceed succeed exceed heed seed weed greed deed indeed embed shed
    bed red wed hundred sacred naked wicked kindred hatred bring thing king ring sing string spring
    swing wing sting evening morning news series species politics economics physics ethics tactics
    lens means
""".split())
_VOWELS = frozenset("aeiou")


def _syllables(word: str) -> int:
    return len(re.findall(r"[aeiouy]+", word))


def _cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant (stop, admit, rebel): a candidate for doubling."""
    return (len(word) >= 3 and word[-1] not in _VOWELS and word[-1] not in "wxy"
            and word[-2] in _VOWELS and word[-3] not in _VOWELS)


_MAY_DOUBLE = ("l", "mit", "cur", "fer", "ter", "pel", "bel", "gret", "quip", "nap", "fit", "bed",
               "lot")


def _forms(base: str) -> set[str]:
    """base, -s, -ed, -ing of a base form (nouns get their plural from the same rule)."""
    if base in _IRREGULAR:
        return set(_IRREGULAR[base])
    forms = {base}
    if not base.isalpha():
        return forms
    consonant_y = len(base) > 1 and base[-1] == "y" and base[-2] not in _VOWELS
    if base.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(base + "es")
    elif consonant_y:
        forms.add(base[:-1] + "ies")
    elif base.endswith("o") and len(base) > 1 and base[-2] not in _VOWELS:
        forms.update((base + "s", base + "es"))
    else:
        forms.add(base + "s")
    if base.endswith("man") and len(base) > 4:
        forms.add(base[:-3] + "men")  # spokesman -> spokesmen
    if base.endswith("e"):
        forms.add(base + "d")
        if base.endswith("ie"):
            forms.add(base[:-2] + "ying")
        elif base.endswith(("ee", "ye", "oe")):
            forms.add(base + "ing")
        else:
            forms.add(base[:-1] + "ing")
    elif consonant_y:
        forms.update((base[:-1] + "ied", base + "ing"))
    else:
        stems = [base]
        if _cvc(base):
            # stop -> stopped. In longer words doubling follows the stress (admitted, but
            # visited) or the spelling (labelled, labeled): where it may go either way, both
            # spellings are produced; the wrong one never occurs in text.
            if _syllables(base) == 1:
                stems = [base + base[-1]]
            elif base.endswith(_MAY_DOUBLE):
                stems = [base, base + base[-1]]
        for stem in stems:
            forms.update((stem + "ed", stem + "ing"))
    return forms


_POLY_E_ENDINGS = ("at", "ot", "ut", "ud", "id", "in", "ar", "ir", "ur", "um", "ok")


def _needs_e(stem: str) -> bool:
    """Guess whether a stem stripped of -ed/-ing had a final e (noted -> note, claimed -> claim)."""
    if len(stem) < 2:
        return False
    if stem.endswith(("v", "u", "c")) or (stem.endswith("z") and not stem.endswith("zz")):
        return True
    if stem.endswith("g") and not stem.endswith(("ng", "gg")):
        return True
    if stem.endswith("s") and not stem.endswith("ss") and (stem[-2] in _VOWELS or stem[-2] in "rnlp"):
        return True
    if re.search(r"[^aeiouyrlw][lr]$", stem):  # massacr-e, settl-e
        return True
    if _cvc(stem) and stem[-2] in "aiou":
        if _syllables(stem) == 1:
            return True  # not-e, stat-e, hop-e
        return stem.endswith(_POLY_E_ENDINGS)  # liberat-e, declar-e, but visit, develop
    return False


def _stem_candidates(stem: str) -> list[str]:
    out = []
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouslfz":
        out.append(stem[:-1])  # stopp-ed, occurr-ed
    if len(stem) >= 4 and stem.endswith("ll") and _syllables(stem) >= 2:
        out.append(stem[:-1])  # rebell-ed, but call-ed
    if _needs_e(stem):
        out.append(stem + "e")
    out.append(stem)
    out.append(stem + "e")
    return out


def _lemma(word: str) -> str:
    """Best guess at the base form of one folded word; the word itself if unsure."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][0]
    if len(word) <= 3 or word in _KNOWN_BASES or not word.isalpha():
        return word
    candidates: list[str] = []
    if word.endswith("ied") and len(word) > 4:
        candidates.append(word[:-3] + "y")
    elif word.endswith("eed"):
        candidates.append(word[:-1])  # freed -> free, agreed -> agree
    elif word.endswith("ed"):
        candidates += _stem_candidates(word[:-2])
    elif word.endswith("ing") and len(word) > 5:
        candidates += _stem_candidates(word[:-3])
    elif word.endswith("ies") and len(word) > 4:
        candidates.append(word[:-3] + "y")
    elif word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "ch", "sh")):
        candidates.append(word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "os", "as")):
        candidates.append(word[:-1])
    elif word.endswith("men") and len(word) > 4:
        candidates.append(word[:-3] + "man")
    for candidate in candidates:
        if word in _forms(candidate):
            return candidate
    return word


def inflections(word: str) -> list[str]:
    """Every surface form a one-word term matches: its base form guessed from `word`, plus
    -s/-es/-ies, -ed/-d/-ied and -ing with the usual spelling rules and an irregulars table.
    Always includes `word` itself. Sorted. Example: inflections("occupied") ->
    ['occupied', 'occupies', 'occupy', 'occupying']."""
    folded = _fold(word.strip())
    return sorted(_forms(_lemma(folded)) | {folded})


# ---------------------------------------------------------------------------------------------
# Default lexicon
# ---------------------------------------------------------------------------------------------
_DET = ["the", "a", "an", "its", "his", "her", "their", "our", "your", "my"]

DEFAULT_LEXICON: dict = {
    "version": 1,
    "description": (
        "Default English lexicon: attribution cues and contested terms in news about armed "
        "conflict. One-word terms match all their inflections; 'not_before' / 'not_after' "
        "list contexts in which a term does not fire (see docs/hints.md)."),
    "cues": [
        {"term": "said",
         "note": "say/says/said/saying. 'X is said to be' is kept: hearsay with an implied source.",
         "not_after": ["a", "no", "any", "final", "more", "bigger", "greater", "equal", "the",
                       "hard to", "fair to", "safe to", "needless to", "suffice it to",
                       "that is to", "so to", "without", "having", "| that"],
         "not_before": ["the least", "nothing of"]},
        {"term": "told", "inflect": False, "variants": ["tells", "telling"],
         "not_after": ["all", "a", "very", "most"], "not_before": ["apart", "the difference"]},
        {"term": "told reporters", "inflect": True,
         "variants": ["told journalists", "told the press", "told a news conference",
                      "told a press conference", "told a briefing", "telling journalists"]},
        {"term": "stated", "inflect": False, "variants": ["stating", "states that"],
         "not_after": _DET},
        {"term": "according to",
         "not_before": ["plan", "schedule", "tradition", "custom", "the plan", "the schedule",
                        "the rules"]},
        {"term": "added", "inflect": False, "variants": ["adding", "adds"],
         "not_before": ["to", "up", "... points", "... jobs", "... percent", "... per cent"],
         "not_after": ["value", "an", "the"]},
        {"term": "noted", "inflect": False, "variants": ["noting", "notes that"],
         "not_after": ["a", "the", "as", "well", "duly", "highly", "widely"]},
        {"term": "stressed", "inflect": False, "variants": ["stressing", "stresses that"],
         "not_before": ["out"],
         "not_after": ["a", "the", "very", "highly", "too", "so", "get", "got", "feel", "felt"]},
        {"term": "urged", "note": "urge/urges/urged/urging; the noun 'the urge' is excluded.",
         "not_after": ["the", "an", "a", "sudden", "strong", "irresistible"]},
        {"term": "warned",
         "not_before": ["... shot*", "... sign*", "... light*", "... label*", "system*"],
         "not_after": ["early", "weather", "flood", "storm", "heat", "travel", "tsunami", "fair",
                       "without", "amber", "red", "yellow"]},
        {"term": "claimed",
         "not_before": ["... lives", "... life", "... victims", "... title*", "... medal*",
                        "... trophy", "... prize", "... seat*", "... gold", "... silver",
                        "... bronze"],
         "not_after": ["insurance", "benefit*", "expense*", "compensation", "tax", "no"]},
        "alleged",
        "allegation",
        {"term": "denied",
         "not_before": ["entry", "access", "bail", "permission", "... visa*", "... request*",
                        "... application*", "... appeal*", "... asylum", "... boarding"]},
        "insisted",
        "announced",
        {"term": "reported", "inflect": False, "variants": ["reporting that", "reports that"],
         "not_after": _DET + ["any", "no", "self"],
         "not_before": ["missing", "... cases", "... case", "... infections", "... deaths"]},
        {"term": "confirmed",
         "not_before": ["... cases", "... case", "... infections", "... deaths", "dead"],
         "not_after": ["a", "un"]},
        {"term": "accused", "not_after": ["the", "an", "his", "her", "their"]},
        "argued",
        "asserted",
        {"term": "declared",
         "not_before": ["dead", "bankrupt", "insolvent", "... winner", "... champion*"]},
        "explained",
        {"term": "believes", "not_before": ["it or not"]},
        "acknowledged",
        {"term": "admitted",
         "not_before": ["to hospital", "to * hospital", "into", "... patient*"]},
        {"term": "emphasized",
         "variants": ["emphasise", "emphasises", "emphasised", "emphasising"]},
        "reiterated",
        "condemned",
        {"term": "criticized",
         "variants": ["criticise", "criticises", "criticised", "criticising"]},
        "vowed",
        {"term": "pledged", "not_after": ["a", "the"]},
        {"term": "blamed", "not_after": ["the", "no", "to"]},
        {"term": "wrote", "inflect": False, "variants": ["writes", "writing on"]},
        "tweeted",
        {"term": "cited", "note": "cite/cites/cited/citing ('citing officials')."},
        {"term": "called for", "inflect": True},
        {"term": "called on", "inflect": True},
        {"term": "pointed out", "inflect": True},
        {"term": "in a statement",
         "variants": ["in a joint statement", "in a written statement", "in a separate statement",
                      "in a brief statement", "in a statement posted"]},
        "in an interview",
        "in a press release",
        {"term": "quoted as saying", "variants": ["quoted as telling"]},
        {"term": "reportedly", "inflect": False},
        {"term": "allegedly", "inflect": False},
        {"term": "purportedly", "inflect": False},
    ],
    "contested_terms": [
        {"term": "occupied", "counterparts": ["liberated", "freed", "controlled", "held"],
         "note": "occupy/occupies/occupied/occupying. Not: a seat, a room, one's time or mind.",
         "not_before": ["with", "himself", "herself", "themselves", "itself", "oneself",
                        "... seat*", "... place*", "... position*", "... post", "... posts",
                        "... office*", "... room*", "... chair*", "... spot*", "... role*",
                        "... bed*", "... space*", "... lane*", "... time", "... mind*",
                        "... thought*", "... attention", "... flat", "... apartment*"],
         "not_after": ["room* ...", "seat* ...", "bed* ...", "toilet* ...", "bathroom* ...",
                       "lavatory ...", "table* ...", "lane* ...", "chair* ...", "space* ...",
                       "mind* ...", "pre"]},
        {"term": "occupation", "counterparts": ["liberation", "control", "administration"],
         "not_after": ["his", "her", "their", "my", "your", "whose", "by", "main", "primary",
                       "previous", "former"]},
        {"term": "occupier", "counterparts": ["liberator", "forces", "troops"],
         "not_after": ["owner"]},
        {"term": "liberated", "counterparts": ["occupied", "captured", "took control of"]},
        {"term": "liberation", "counterparts": ["occupation", "capture", "takeover"],
         "not_after": ["women's", "gay", "animal", "sexual", "personal"],
         "not_before": ["theology"]},
        {"term": "liberator", "counterparts": ["occupier", "invader"]},
        {"term": "freed", "inflect": False, "variants": ["freeing"],
         "counterparts": ["captured", "took control of", "retook"],
         "note": "Only 'freed'/'freeing': 'free' (of charge, speech, trade) never fires.",
         "not_before": ["... prisoner*", "... hostage*", "... detainee*", "... captive*",
                        "... inmate*", "from prison", "from jail", "from custody",
                        "from detention", "on bail", "up", "... funds", "... money"],
         "not_after": ["prisoner* ...", "hostage* ...", "detainee* ...", "captive* ...",
                       "inmate* ..."]},
        {"term": "invader", "counterparts": ["troops", "forces"]},
        {"term": "invasion", "counterparts": ["special military operation", "offensive", "war"],
         "not_after": ["home"], "not_before": ["of privacy", "of * privacy"]},
        {"term": "special military operation", "counterparts": ["invasion", "war"]},
        {"term": "provocation", "counterparts": ["incident", "action", "move"]},
        {"term": "aggression", "counterparts": ["attack", "offensive", "military action"],
         "not_after": ["passive"]},
        {"term": "aggressor", "counterparts": ["party", "side"]},
        {"term": "regime", "counterparts": ["government", "administration", "authorities"],
         "note": "Not the technical sense: tax/training/sanctions/visa regime, the regime of a river.",
         "not_after": ["tax", "training", "sanctions", "sanction", "visa", "visa-free",
                       "ceasefire", "customs", "legal", "regulatory", "exchange rate",
                       "currency", "trade", "tariff", "fiscal", "monetary", "dietary", "diet",
                       "exercise", "fitness", "treatment", "dosing", "drug", "medication",
                       "feeding", "flow", "water", "thermal", "temperature", "rainfall",
                       "hydrological", "flood", "fire", "wind", "pressure", "operating",
                       "safety", "non-proliferation", "nonproliferation", "arms control",
                       "export control", "inspection", "verification", "licensing",
                       "investment", "pension", "welfare", "subsidy", "quota", "pricing",
                       "accounting", "reporting", "disclosure", "compliance", "privacy",
                       "data protection", "liability", "insolvency", "asylum", "border",
                       "international", "climate", "flight", "work", "working", "sleep",
                       "skincare", "beauty"],
         "not_before": ["of * river*", "of river*", "of * lake*", "of * water*", "of flow*"]},
        {"term": "regime change", "inflect": False,
         "counterparts": ["change of government", "political transition"]},
        {"term": "junta", "counterparts": ["military government", "military authorities"]},
        {"term": "puppet", "counterparts": ["ally", "allied government"],
         "not_before": ["show*", "theatre*", "theater*", "... show*"],
         "not_after": ["sock", "hand", "glove", "finger"]},
        {"term": "terrorist", "counterparts": ["militant", "fighter", "gunman", "attacker"]},
        {"term": "terrorism", "counterparts": ["violence", "attack", "armed struggle"],
         "not_after": ["counter", "anti"]},
        {"term": "militant", "counterparts": ["terrorist", "fighter", "gunman", "activist"],
         "note": "'the militant wing' is kept: it is a contested label."},
        {"term": "separatist", "counterparts": ["rebel", "pro-Russian forces", "independence fighter"]},
        {"term": "rebel", "counterparts": ["insurgent", "opposition fighter", "terrorist"]},
        {"term": "insurgent", "counterparts": ["rebel", "militant", "fighter"]},
        {"term": "freedom fighter", "inflect": False, "variants": ["freedom fighters"],
         "counterparts": ["militant", "terrorist", "rebel"]},
        {"term": "so-called", "inflect": False, "counterparts": [],
         "note": "Distances the outlet from the word that follows (scare quotes in words)."},
        {"term": "self-proclaimed", "inflect": False, "variants": ["self-styled"],
         "counterparts": ["self-declared", "unrecognised", "breakaway"]},
        {"term": "massacre", "counterparts": ["killings", "attack", "deaths"]},
        {"term": "genocide", "variants": ["genocidal"],
         "counterparts": ["mass killing", "atrocities", "war crimes"]},
        {"term": "ethnic cleansing", "inflect": False,
         "counterparts": ["forced displacement", "expulsion", "population transfer"]},
        {"term": "martyr", "variants": ["martyrdom"], "counterparts": ["killed", "dead", "victim"]},
        {"term": "annexation", "counterparts": ["reunification", "accession", "incorporation"]},
        {"term": "annexed", "inflect": False, "variants": ["annexing"],
         "counterparts": ["reunified with", "incorporated", "joined"]},
        {"term": "reunification", "counterparts": ["annexation", "accession"],
         "not_after": ["family", "german", "germany's", "korean"],
         "not_before": ["of germany", "of korea", "of * family", "of families", "with * family",
                        "with * families"]},
        {"term": "apartheid", "counterparts": ["segregation", "discrimination"]},
        {"term": "pogrom", "counterparts": ["riot", "attack", "clashes"]},
        {"term": "atrocity", "counterparts": ["attack", "incident", "killing"]},
        {"term": "thug", "counterparts": ["protester", "supporter"]},
        {"term": "neo-Nazi", "inflect": False, "variants": ["neo-Nazis", "neo-Nazism"],
         "counterparts": ["nationalist", "far-right"]},
        {"term": "Zionist entity", "inflect": False, "counterparts": ["Israel"]},
    ],
}


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
_ENTRY_KEYS = {"term", "variants", "inflect", "not_before", "not_after", "note"}
_TOP_KEYS = {"version", "description", "cues", "contested_terms"}
_WILDCARDS = {"*", "...", "\u2026", "|"}


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _string(value, where: str) -> str:
    if not isinstance(value, str) or not _clean(value):
        raise ValueError(f"{where}: must be a non-empty string")
    text = _clean(value)
    if len(text) > MAX_TERM_CHARS:
        raise ValueError(f"{where}: longer than {MAX_TERM_CHARS} characters")
    return text


def _string_list(value, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: must be a list of strings")
    return [_string(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _term_text(value, where: str) -> str:
    text = _string(value, where)
    words = _words(text)
    if not any(w != "'" for w in words):
        raise ValueError(f"{where}: must contain a word")
    if len(words) > MAX_TERM_WORDS:
        raise ValueError(f"{where}: more than {MAX_TERM_WORDS} words")
    return text


def _phrase(text: str, where: str) -> tuple[str, ...]:
    """Compile one exception phrase into pattern tokens: words, 'pre*', '*', '...', '|'."""
    out: list[str] = []
    for piece in text.split():
        if piece in _WILDCARDS:
            out.append("..." if piece == "\u2026" else piece)
            continue
        prefix = piece.endswith("*")
        words = _context_words(piece.rstrip("*"))
        if not words or "|" in words or "*" in piece.rstrip("*"):
            raise ValueError(f"{where}: '{piece}' is not a word, 'word*', '*', '...' or '|'")
        if prefix:
            words[-1] += "*"
        out.extend(words)
    if not any(p not in ("*", "...") for p in out):
        raise ValueError(f"{where}: must contain a word or '|' (a phrase of wildcards matches anything)")
    return tuple(out)


def _entry(item, where: str, contested: bool) -> dict | str:
    if isinstance(item, str):
        term = _term_text(item, where)
        return {"term": term, "counterparts": []} if contested else term
    if not isinstance(item, dict):
        raise ValueError(f"{where}: must be a string or an object with a 'term'")
    allowed = _ENTRY_KEYS | ({"counterparts"} if contested else set())
    for key in item:
        if key not in allowed:
            raise ValueError(f"{where}: unknown field '{key}' (allowed: {', '.join(sorted(allowed))})")
    if "term" not in item:
        raise ValueError(f"{where}.term: must be a non-empty string")
    out: dict = {"term": _term_text(item["term"], f"{where}.term")}
    if contested:
        out["counterparts"] = _string_list(item.get("counterparts", []), f"{where}.counterparts")
    if "note" in item:
        if not isinstance(item["note"], str):
            raise ValueError(f"{where}.note: must be a string")
        if item["note"].strip():
            out["note"] = item["note"].strip()
    if "inflect" in item:
        if not isinstance(item["inflect"], bool):
            raise ValueError(f"{where}.inflect: must be true or false")
        out["inflect"] = item["inflect"]
    if "variants" in item:
        variants = _string_list(item["variants"], f"{where}.variants")
        for i, variant in enumerate(variants):
            _term_text(variant, f"{where}.variants[{i}]")
        if variants:
            out["variants"] = variants
    for key in ("not_before", "not_after"):
        if key in item:
            phrases = _string_list(item[key], f"{where}.{key}")
            for i, phrase in enumerate(phrases):
                _phrase(phrase, f"{where}.{key}[{i}]")
            if phrases:
                out[key] = phrases
    if not contested and len(out) == 1:
        return out["term"]  # a cue with no options is written as a plain string
    return out


def validate_lexicon(obj) -> dict:
    """Check a lexicon (parsed JSON) and return a normalised copy.

    Raises ValueError naming the bad field, e.g. "contested_terms[3].term: must be a non-empty
    string". Normalisation: whitespace collapsed, empty optional fields dropped, cues without
    options written as plain strings, every contested term given a 'counterparts' list."""
    if not isinstance(obj, dict):
        raise ValueError("lexicon: must be a JSON object")
    for key in obj:
        if key not in _TOP_KEYS:
            raise ValueError(f"lexicon: unknown field '{key}' (allowed: {', '.join(sorted(_TOP_KEYS))})")
    version = obj.get("version", LEXICON_VERSION)
    if version != LEXICON_VERSION or isinstance(version, bool):
        raise ValueError(f"version: unsupported version {version!r} (expected {LEXICON_VERSION})")
    out: dict = {"version": LEXICON_VERSION}
    if "description" in obj:
        if not isinstance(obj["description"], str):
            raise ValueError("description: must be a string")
        out["description"] = obj["description"].strip()
    for field, contested in (("cues", False), ("contested_terms", True)):
        items = obj.get(field, [])
        if not isinstance(items, list):
            raise ValueError(f"{field}: must be a list")
        seen: dict[tuple, int] = {}
        entries = []
        for i, item in enumerate(items):
            entry = _entry(item, f"{field}[{i}]", contested)
            term = entry if isinstance(entry, str) else entry["term"]
            key = tuple(_words(term))
            if key in seen:
                raise ValueError(f"{field}[{i}].term: '{term}' duplicates {field}[{seen[key]}]")
            seen[key] = i
            entries.append(entry)
        out[field] = entries
    return out


# ---------------------------------------------------------------------------------------------
# Matcher
# ---------------------------------------------------------------------------------------------
def _context_words(text: str) -> list[str]:
    """Folded words of a phrase, with apostrophe-joined parts glued ("women's" is one word)."""
    toks = _tokens(text)
    return _glue(text, toks, 0, len(toks))


def _glue(text: str, toks: list, lo: int, hi: int) -> list[str]:
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
    __slots__ = ("type", "term", "before", "after", "reach_before", "reach_after")

    def __init__(self, kind: str, data: dict):
        self.type = kind
        self.term = data["term"]
        before = [_phrase(p, "") for p in data.get("not_before", [])]
        after = [tuple(reversed(_phrase(p, ""))) for p in data.get("not_after", [])]
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
    while hi < len(toks) and hi - j < 2 * limit and _joined(text, toks, hi):
        hi += 1
    words = _glue(text, toks, j, hi)
    if len(words) >= limit:
        return words[:limit]
    return words + ["|"]


def _before(text: str, toks: list, i: int, limit: int) -> list[str]:
    """Up to `limit` words before token i, nearest first, stopping at punctuation or the
    sentence start ('|')."""
    lo = i
    while lo > 0 and i - lo < 2 * limit and _joined(text, toks, lo):
        lo -= 1
    words = _glue(text, toks, lo, i)[::-1]
    if len(words) >= limit:
        return words[:limit]
    return words + ["|"]


class Matcher:
    """A lexicon compiled for fast matching. Build once per lexicon and reuse (thread-safe:
    nothing changes after __init__). ``hints(sentence)`` is the hot path."""

    def __init__(self, lexicon: dict | None = None, *, sources: bool = True):
        self.lexicon = validate_lexicon(DEFAULT_LEXICON if lexicon is None else lexicon)
        self.sources = sources
        self._entries: dict[tuple[str, str], dict] = {}
        table: dict[tuple, list[_Entry]] = {}
        # contested terms first: when a cue and a contested term share a surface form, the
        # contested term is tried first.
        for kind, field in (("contested_term", "contested_terms"), ("cue", "cues")):
            for item in self.lexicon[field]:
                data = {"term": item} if isinstance(item, str) else item
                entry = _Entry(kind, data)
                self._entries[(kind, entry.term)] = data
                for surface in self._surfaces(data):
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
        words = _words(data["term"])
        surfaces = {tuple(words)}
        # one-word terms are inflected unless told otherwise; multi-word terms only when
        # "inflect" is true, and then on their first word ("told reporters" -> "tells reporters")
        if data.get("inflect", len(words) == 1) and words[0].isalpha():
            for form in _forms(_lemma(words[0])):
                surfaces.add((form, *words[1:]))
        for variant in data.get("variants", []):
            surfaces.add(tuple(_words(variant)))
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

    def _lexical(self, sentence: str) -> list[dict]:
        """Cue and contested-term hints, non-overlapping, sorted by start."""
        if not isinstance(sentence, str) or not sentence:
            return []
        toks = _tokens(sentence)
        first = self._first
        found = []
        n_toks = len(toks)
        for i, (start, _end, key) in enumerate(toks):
            options = first.get(key)
            if options is None:
                continue
            for n, keys, entries in options:
                if n > 1 and not _continues(sentence, toks, i, keys):
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
            kept: list[tuple] = []
            for cand in found:
                if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
                    kept.append(cand)
            kept.sort(key=lambda f: f[0])
            found = kept
        return [{"start": s, "end": e, "type": entry.type, "term": entry.term}
                for s, e, entry in found]

    def hints(self, sentence: str) -> list[dict]:
        """[{"start", "end", "type": "cue"|"contested_term"|"source", "term"}], sorted by start,
        never overlapping; ``sentence[start:end]`` is the matched text. ``term`` is the canonical
        lexicon term (for a source: the source's text). Sources come from
        ``find_attributions`` and are dropped where they would overlap a lexicon hint."""
        lexical = self._lexical(sentence)
        if not self.sources or not any(h["type"] == "cue" for h in lexical):
            return lexical
        spans = _attributions(sentence, lexical, content=False)
        sources = []
        for span in spans:
            if span["label"] != "source":
                continue
            s, e = span["start"], span["end"]
            if any(s < h["end"] and h["start"] < e for h in lexical):
                continue
            if any(s < h["end"] and h["start"] < e for h in sources):
                continue
            sources.append({"start": s, "end": e, "type": "source",
                            "term": " ".join(sentence[s:e].split())})
        if not sources:
            return lexical
        return sorted(lexical + sources, key=lambda h: h["start"])


_DEFAULT_MATCHER: Matcher | None = None


def default_matcher() -> Matcher:
    """A Matcher for DEFAULT_LEXICON, built on first use."""
    global _DEFAULT_MATCHER
    if _DEFAULT_MATCHER is None:
        _DEFAULT_MATCHER = Matcher(DEFAULT_LEXICON)
    return _DEFAULT_MATCHER


# ---------------------------------------------------------------------------------------------
# Rule-based attribution finder
# ---------------------------------------------------------------------------------------------
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
        self.clips: list[int] = []

    def add(self, a: int, b: int, label: str) -> None:
        span = {"start": a, "end": b, "label": label}
        if span not in self.spans:
            self.spans.append(span)

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
        for span in self.spans:
            if span not in out:
                out.append(span)
        out.sort(key=lambda sp: (sp["start"], sp["end"], sp["label"]))
        return out


def _attributions(sentence: str, lexical: list[dict], content: bool = True) -> list[dict]:
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


def find_attributions(sentence: str, matcher: Matcher | None = None) -> list[dict]:
    """Propose attribution spans [{"start", "end", "label": "source"|"cue"|"content"}], sorted.

    Best-effort rules over the matcher's cues (default lexicon if None): "X said (that) ...",
    "..., X said.", '"...," X said in a statement', '"...," said X', "according to X, ...",
    "..., according to X", "X told reporters (that) ...", "X, who ..., said ...". Sources are
    capitalised sequences ("Azerbaijan's Defence Ministry"), phrases headed by a source noun
    ("the ministry", "senior officials") or pronouns (he, she, they, it, we). Spans of different
    attributions in one sentence may nest; every span is non-empty and inside the sentence."""
    if not isinstance(sentence, str) or not sentence:
        return []
    matcher = matcher or default_matcher()
    return _attributions(sentence, matcher._lexical(sentence))


# ---------------------------------------------------------------------------------------------
# Hint quality
# ---------------------------------------------------------------------------------------------
_SPAN_LABEL_OF_HINT = {"cue": "cue", "source": "source", "contested_term": "framing_term"}


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _scores(tp_pred: int, predicted: int, tp_gold: int, support: int, n: int) -> dict:
    precision, recall = _ratio(tp_pred, predicted), _ratio(tp_gold, support)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "support": support, "predicted": predicted, "n": n}


def hint_quality(items: Iterable, *, cue_label: str = "attributed_claim",
                 contested_label: str = "contested_framing") -> dict:
    """How well hints predict what humans decided.

    items: iterable of (hints, majority_label, spans) per sentence; hints as from
    ``Matcher.hints`` (None = none shown), majority_label a label id or None (no majority: left
    out of the label scores), spans the human spans [{"start", "end", "label"}] or None (spans
    not collected: left out of the span score).

    * "cue": sentence has a cue hint -> predicts majority == cue_label.
    * "contested_term": sentence has a contested-term hint -> predicts majority == contested_label.
    * "spans": a hint is correct if it overlaps a human span of its kind (cue->cue,
      source->source, contested_term->framing_term); precision over hints, recall over human
      spans of those three labels. "by_label" gives the same per human label.

    Each score: {"precision", "recall", "f1", "support", "predicted", "n"} where support is the
    number of gold positives, predicted the number of positive predictions, n the sentences
    counted; a ratio with a zero denominator is None (never NaN)."""
    sentence = {"cue": [0, 0, 0, 0], "contested_term": [0, 0, 0, 0]}  # tp, predicted, support, n
    gold_label = {"cue": cue_label, "contested_term": contested_label}
    span_counts = {lab: [0, 0, 0, 0] for lab in ("source", "cue", "framing_term")}
    span_n = 0
    for item in items:
        hints, majority, spans = item
        hints = [h for h in (hints or []) if isinstance(h, dict)]
        if majority is not None:
            for kind, counts in sentence.items():
                predicted = any(h.get("type") == kind for h in hints)
                gold = majority == gold_label[kind]
                counts[0] += predicted and gold
                counts[1] += predicted
                counts[2] += gold
                counts[3] += 1
        if spans is not None:
            span_n += 1
            for h in hints:
                label = _SPAN_LABEL_OF_HINT.get(h.get("type"))
                if label is None:
                    continue
                counts = span_counts[label]
                counts[1] += 1
                if any(s.get("label") == label and s["start"] < h["end"] and h["start"] < s["end"]
                       for s in spans):
                    counts[0] += 1
            for s in spans:
                counts = span_counts.get(s.get("label"))
                if counts is None:
                    continue
                counts[3] += 1
                hint_type = {"framing_term": "contested_term"}.get(s["label"], s["label"])
                if any(h.get("type") == hint_type and s["start"] < h["end"] and h["start"] < s["end"]
                       for h in hints):
                    counts[2] += 1
    out = {kind: _scores(c[0], c[1], c[0], c[2], c[3]) for kind, c in sentence.items()}
    by_label = {lab: _scores(c[0], c[1], c[2], c[3], span_n) for lab, c in span_counts.items()}
    total = [sum(c[i] for c in span_counts.values()) for i in range(4)]
    out["spans"] = _scores(total[0], total[1], total[2], total[3], span_n)
    out["spans"]["by_label"] = by_label
    return out

