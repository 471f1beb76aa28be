"""An article's language, detected offline when the file does not give it.

The detector is py3langid (langid.py's model of 97 languages, 0.7 MB inside its wheel, numpy
only), chosen over lingua-language-detector: lingua is more accurate on a few words, but its
wheel is 96 MB and its models are loaded into memory per language, while the app must start in
under a second and idle under 100 MiB; an article gives langid plenty of text (all 47 of our
test texts right, bench/languages.py).  The model takes a fraction of a second and about
9 MiB to load, so it is loaded on the first detection, never when the app starts.
"""

from __future__ import annotations

import re
import threading

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# langid reads this much of the text: more adds time, not accuracy.
SAMPLE_CHARS = 3000
# A declared language (<html lang>, og:locale, content-language) stands unless the text is
# clearly in another: it must be among the detector's first few guesses.
PLAUSIBLE_RANK = 3
# A BCP 47 language tag, as far as a label needs checking: en, de, pt-BR, zh-Hant.
LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")

_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def _model() -> LanguageIdentifier:
    global _identifier
    with _lock:  # one load, whichever thread comes first
        if _identifier is None:
            _identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        return _identifier


def normalize_tag(tag: str | None) -> str | None:
    """A language tag as stored: "de_DE" -> "de-DE", "EN-us" -> "en-US"; None if it is none."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    if not LANG_RE.fullmatch(tag):
        return None
    first, *rest = tag.split("-")
    return "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def detect(text: str) -> str | None:
    """The language of ``text`` (an ISO 639-1 code), or None when it has no letters."""
    sample = text[:SAMPLE_CHARS]
    if not any(c.isalpha() for c in sample):
        return None
    return _model().classify(sample)[0]


def article_lang(title: str, text: str, declared: str | None = None) -> str | None:
    """The language to store for an article: the declared tag (a page's) where the text
    does not clearly contradict it, else the detected one."""
    declared = normalize_tag(declared)
    sample = f"{title}\n{text}"[:SAMPLE_CHARS]
    if declared and any(c.isalpha() for c in sample):
        model = _model()
        code = declared.split("-")[0]
        if code not in model.nb_classes:  # a language langid does not know: trust the page
            return declared
        if code in [lang for lang, _score in model.rank(sample)[:PLAUSIBLE_RANK]]:
            return declared
    return detect(sample) or declared
