"""English inflection of one-word lexicon terms: the surface forms a term matches."""
from __future__ import annotations

import re

from .tokens import fold

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


def word_forms(base: str) -> set[str]:
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


def lemma(word: str) -> str:
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
        if word in word_forms(candidate):
            return candidate
    return word


def inflections(word: str) -> list[str]:
    """Every surface form a one-word term matches: its base form guessed from `word`, plus
    -s/-es/-ies, -ed/-d/-ied and -ing with the usual spelling rules and an irregulars table.
    Always includes `word` itself. Sorted. Example: inflections("occupied") ->
    ['occupied', 'occupies', 'occupy', 'occupying']."""
    folded = fold(word.strip())
    return sorted(word_forms(lemma(folded)) | {folded})
