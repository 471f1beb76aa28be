"""Word shapes per language: clitic prefixes, inflectional suffixes and stems.

English keeps its own inflection (``inflection.py``: every form listed when the lexicon is
compiled). Every other language matches by stem: a word of a term stands for its stem (the
entry's ``stem``, else the term word with its longest ending taken off), and a token of the
sentence matches it when the token is

    [a clitic prefix of the language] + stem + [a chain of the language's suffixes]

Prefixes are Arabic (و ف + ب ل ك س + ال, with ل+ال written لل) and Hebrew (up to three of
ו ה ב ל מ ש כ); suffixes are Slavic case and verb endings (with -ся/-сь), Turkic suffix chains,
Armenian case endings and articles, Arabic and Hebrew plural, feminine and pronoun endings, and
the plain endings of French, German and Spanish. Everything is in folded form (``tokens.fold``:
lower case, accents and Hebrew/Arabic vowel points removed), so the rules are written once for
both the lexicon and the sentence.

Time per token is bounded (a few prefix splits times the number of distinct stem lengths, each
a dict look-up and one anchored regex on a remainder of at most ``MAX_REMAINDER`` characters),
so matching a sentence stays linear in its length.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .tokens import fold

MAX_REMAINDER = 24  # a suffix chain longer than this is not tried
STEM_MARK = "~"  # keys of stems start with this, so a stem never equals a plain word


def _alt(words: str) -> str:
    items = sorted({fold(w) for w in words.split()}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in items) + ")"


# Slavic: an optional participle / past / infinitive marker, an inflection ending, reflexive.
_RU_INFL = _alt("""а я о е ё ы и у ю ь й ом ем ём ой ей ою ею ам ям ами ями ах ях ов ев ёв
    ий ия ие ии ию ием иям иями иях ье ья ьи ью ьем ьям ьях ый ая ое ые ого его ому ему ым им
    ую юю ых их ыми ими ее яя ть ти л ла ло ли ет ют ут ат ят ит ишь ешь ете ите ил ила ило или
    ал ала ало али ел ела ели ял яла яли ует уют ова ован ована овано ованы ает ают яет яют ить
    ать ять ешь ишь""")
_RU = rf"(?:нн|н|вш|ющ|ущ|ащ|ящ|ем|т|ств)?{_RU_INFL}?(?:ся|сь)?"
_UK_INFL = _alt("""а я о е є и і ї у ю ь й ом ем єм ою ею ам ям ами ями ах ях ів їв ій ія іє
    ії ію ої ий ого ому им ім ую их іх ими ти ть ться л ла ло ли в ить ять ать ує ують ює ють
    ить ив ила или ило ав ала али ало ені ення енню енням ень""")
_UK = rf"(?:нн|н|т|вш|юч|уч|ач|яч)?{_UK_INFL}?(?:ся|сь)?"
# Turkic: a chain of up to five suffixes (plural, possessive, case, ki, derivation, verb).
_TR_SUFFIX = _alt("""lar ler ı i u ü sı si su sü ın in un ün nın nin nun nün ları leri a e ya ye
    na ne da de ta te nda nde dan den tan ten ndan nden la le yla yle ki ca ce ça çe cı ci cu cü
    çı çi çu çü lık lik luk lük yı yi yu yü nı ni nu nü ım im um üm ımız imiz ınız iniz dı di
    du dü tı ti tu tü mış miş muş müş an en yan yen ıl il ul ül n dık dik duk dük tık tik ma me
    ması mesi acak ecek r ar er ır ir ur ür yor sın sin z lı li lu lü ş iş ış uş üş""")
_TR = rf"{_TR_SUFFIX}{{0,5}}"
_AZ_SUFFIX = _alt("""lar lər ı i u ü sı si su sü ın in un ün nın nin nun nün ları ləri a ə ya yə
    na nə da də ta tə nda ndə dan dən tan tən ndan ndən la lə ilə ki çı çi çu çü cı ci cu cü lıq
    lik luq lük dı di du dü tı ti tu tü mış miş muş müş an ən yan yən ıl il ul ül n maq mək
    ması məsi ib ıb ub üb dır dir dur dür ım im um üm ımız imiz ır ir ur ür ar ər r acaq əcək
    lı li lu lü ş iş ış uş üş sın sin""")
_AZ = rf"{_AZ_SUFFIX}{{0,5}}"
_HY_SUFFIX = _alt("""ներ եր ի ու ից ով ում ին ը ն ս դ ա ել ած ված եց եցին եցի ացավ վել վեց վող
    ություն ության յան յանը ան իա յի յից յով յում ական ությամբ ր""")
_HY = rf"{_HY_SUFFIX}{{0,3}}"
_AR_SUFFIX = _alt("ا ة ه ها هم هما هن ك كم نا ي ية يين يون ون ين ان ات تين ت وا تم ته تها تهم اء")
_AR = rf"{_AR_SUFFIX}{{0,2}}"
_HE_SUFFIX = _alt("ים ות ת ה י ו ך נו כם הם ן יו יה יהם תו תה תם ית יות ייה")
_HE = rf"{_HE_SUFFIX}{{0,2}}"
_FR = _alt("e s es ee ees er ez ent ant ants ante antes ai ais ait aient a as ons ions iez it") + "?"
_DE = _alt("e en er es em n s t te ten tet st et ern") + "?"
_ES = _alt("""o a os as e es aron ado ada ados adas ido ida idos idas ar er ir an en amos ando
    iendo io ia ieron""") + "?"


def _arabic_prefixes() -> frozenset[str]:
    out = set()
    for conj in ("", "و", "ف"):
        for prep in ("", "ب", "ل", "ك", "س"):
            for art in ("", "ال"):
                out.add(conj + ("لل" if prep == "ل" and art else prep + art))
    out.discard("")
    return frozenset(out)


def _hebrew_prefixes() -> frozenset[str]:
    letters = "ושהבכלמ"
    out = set(letters)
    out |= {a + b for a in letters for b in letters}
    out |= {a + b + c for a in "ו" for b in "שכמבל" for c in "הבלכ"}  # ו+ש+ה, וכש..., ומה...
    return frozenset(out)


@dataclass(frozen=True)
class Morphology:
    """One language's word shapes (folded): prefixes, a suffix grammar, the shortest stem."""
    lang: str
    suffix: str  # regex of what may follow a stem (anchored at both ends when used)
    prefixes: frozenset[str] = frozenset()
    min_stem: int = 3
    strip: bool = True  # does a term word lose its ending by default (stem())? Turkic and
    # Armenian terms are written as stems (nouns) or given a "stem" (verbs): they keep theirs.
    _suffix_re: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_suffix_re", re.compile(self.suffix))

    def suffix_ok(self, rest: str) -> bool:
        return len(rest) <= MAX_REMAINDER and self._suffix_re.fullmatch(rest) is not None

    def prefix_splits(self, word: str) -> list[int]:
        """Where a stem may start in `word`: 0, then after each clitic prefix it begins with."""
        out = [0]
        for n in (1, 2, 3, 4):
            if len(word) - n >= 2 and word[:n] in self.prefixes:
                out.append(n)
        return out

    def stem(self, word: str) -> str:
        """The default stem of a folded term word: the word less its longest ending (the
        suffix grammar), keeping at least `min_stem` characters; the word if none fits (and
        always where the language writes its terms as stems)."""
        if not self.strip:
            return word
        for n in range(min(self.min_stem, len(word)), len(word)):
            if self.suffix_ok(word[n:]):
                return word[:n]
        return word


MORPHOLOGIES: dict[str, Morphology] = {m.lang: m for m in (
    Morphology("ru", _RU, min_stem=4),
    Morphology("uk", _UK, min_stem=4),
    Morphology("tr", _TR, min_stem=3, strip=False),
    Morphology("az", _AZ, min_stem=3, strip=False),
    Morphology("hy", _HY, min_stem=3, strip=False),
    Morphology("ar", _AR, _arabic_prefixes(), min_stem=3),
    Morphology("he", _HE, _hebrew_prefixes(), min_stem=3),
    Morphology("fr", _FR, min_stem=4),
    Morphology("de", _DE, min_stem=4),
    Morphology("es", _ES, min_stem=4),
)}


def morphology(lang: str | None) -> Morphology | None:
    """The stem rules of a language; None for English and for languages without rules (their
    terms match as written, English with its listed inflections)."""
    return MORPHOLOGIES.get(lang or "")


class Analyser:
    """Maps a folded token to the key it is matched by: a known exact word, else a known stem
    (``STEM_MARK`` + stem) that the token is built on, else the token itself. Built per lexicon
    from its exact words and stems."""

    def __init__(self, morph: Morphology, exact: set[str], stems: set[str]):
        self.morph = morph
        self.exact = frozenset(exact)
        self.stems = frozenset(stems)
        self.lengths = sorted({len(s) for s in stems}, reverse=True)

    def key(self, word: str) -> str:
        morph = self.morph
        for p in morph.prefix_splits(word) if morph.prefixes else (0,):
            rest = word[p:]
            if rest in self.exact:
                return rest
            for n in self.lengths:
                if n <= len(rest) and rest[:n] in self.stems and morph.suffix_ok(rest[n:]):
                    return STEM_MARK + rest[:n]
        return word
