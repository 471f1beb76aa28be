"""The lexicon JSON format (see docs/hints.md): the default lexicons and their validation,
and which lexicon an article's sentences use (``lexicon_for``).

The default lexicons are data, shipped beside this module as ``lexicons/<lang>.json`` (one per
language in ``LANGUAGES``); the contested terms' cross-language links are ``concepts.json``
(see concepts.py).
"""
from __future__ import annotations

import json
import re
import unicodedata
from importlib.resources import files

from .concepts import check_concept, links
from .tokens import context_words, term_words

LEXICON_VERSION = 1
MAX_TERM_WORDS = 8
MAX_TERM_CHARS = 120
GAP_WORDS = 3  # how many words "..." may skip in an exception phrase
# The languages with a default lexicon; an article in any other language (or with none) gets
# FALLBACK_LANG's. Old or alternative tags are mapped onto these.
LANGUAGES = ("en", "ru", "uk", "hy", "az", "tr", "ar", "he", "fr", "de", "es")
FALLBACK_LANG = "en"
_ALIASES = {"iw": "he", "ua": "uk", "arm": "hy"}
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def _load(lang: str) -> dict:
    return json.loads(files(__package__).joinpath("lexicons", f"{lang}.json")
                      .read_text(encoding="utf-8"))


def _with_counterparts(lexicons: dict[str, dict]) -> dict[str, dict]:
    """Each contested term with a concept and no counterparts written gets, as counterparts,
    the other sides' terms and the neutral wording of its concept in its language."""
    table = links(lexicons)
    for lang, lexicon in lexicons.items():
        for entry in lexicon["contested_terms"]:
            if entry.get("concept") and not entry.get("counterparts"):
                concept, side = entry["concept"].split("/")
                c = table[concept]
                found = [t for s, v in c["sides"].items() if s != side
                         for t in v["terms"].get(lang, [])] + c["neutral"].get(lang, [])
                entry["counterparts"] = list(dict.fromkeys(found))
    return lexicons


DEFAULT_LEXICONS: dict[str, dict] = _with_counterparts({lang: _load(lang) for lang in LANGUAGES})
DEFAULT_LEXICON: dict = DEFAULT_LEXICONS["en"]


def lexicon_lang(tag: str | None) -> str:
    """The default lexicon for a language tag: "ru-RU" -> "ru", "iw" -> "he"; FALLBACK_LANG for
    no tag and for languages without a lexicon of their own."""
    primary = (tag or "").strip().split("-")[0].split("_")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in DEFAULT_LEXICONS else FALLBACK_LANG


def lexicon_of(project) -> dict:
    """The lexicon a project edits on its lexicon page: its own, else the English default.
    The lexicon an article's sentences are matched with is lexicon_for(...)."""
    return project.lexicon or DEFAULT_LEXICON


def lexicon_for(own: dict | None, article_lang: str | None) -> tuple[dict, str]:
    """(lexicon, language of its word shapes) for a sentence of an article in `article_lang`
    in a project whose own lexicon is `own` (None: it has none).

    * No own lexicon: the default lexicon of the article's language (lexicon_lang).
    * An own lexicon with a "lang": it is used for the articles in that language; the others
      get their defaults.
    * An own lexicon without "lang": it is used for every article, as before lexicons had
      languages.
    * "extends": true puts the own lexicon's entries over the default of the article's
      language (an entry with the same term replaces the default one) instead of replacing it.
    """
    lang = lexicon_lang(article_lang)
    if not own:
        return DEFAULT_LEXICONS[lang], lang
    own_lang = own.get("lang")
    if own_lang and lexicon_lang(own_lang) != lang:
        return DEFAULT_LEXICONS[lang], lang
    if own.get("extends"):
        return merged(DEFAULT_LEXICONS[lang], own), lang
    return own, (lexicon_lang(own_lang) if own_lang else lang)


def merged(base: dict, own: dict) -> dict:
    """`own` over `base`: base's entries, each replaced by own's entry of the same term, then
    own's other entries."""
    out = {k: v for k, v in base.items() if k not in ("cues", "contested_terms")}
    out.update({k: v for k, v in own.items() if k not in ("cues", "contested_terms", "extends")})
    for field in ("cues", "contested_terms"):
        mine = {_key(e): e for e in own.get(field, [])}
        entries = [mine.pop(_key(e), e) for e in base.get(field, [])]
        out[field] = entries + list(mine.values())
    return out


# What the admin's lexicon table does not show; a save from the table keeps it (keep_unshown).
UNSHOWN_TOP = ("lang", "extends")
UNSHOWN_ENTRY = ("stem", "concept", "not_forms")


def keep_unshown(table: dict, previous: dict) -> dict:
    """A lexicon edited as a table (without the fields in UNSHOWN_TOP / UNSHOWN_ENTRY) with
    those fields taken from `previous`: the top-level ones, and each entry's from the previous
    entry of the same term and section."""
    out = dict(table)
    for key in UNSHOWN_TOP:
        if key in previous and key not in out:
            out[key] = previous[key]
    for field in ("cues", "contested_terms"):
        old = {_key(e): e for e in previous.get(field, []) if isinstance(e, dict)}
        entries = []
        for entry in out.get(field, []):
            before = old.get(_key(entry))
            if before is not None and any(k in before for k in UNSHOWN_ENTRY):
                entry = {"term": entry} if isinstance(entry, str) else dict(entry)
                for key in UNSHOWN_ENTRY:
                    if key in before and key not in entry:
                        entry[key] = before[key]
            entries.append(entry)
        out[field] = entries
    return out


def _key(entry) -> tuple:
    return tuple(term_words(entry if isinstance(entry, str) else entry["term"]))

_ENTRY_KEYS = {"term", "variants", "inflect", "not_before", "not_after", "note", "stem", "not_forms"}
_TOP_KEYS = {"version", "description", "cues", "contested_terms", "lang", "extends"}
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
    words = term_words(text)
    if not any(w != "'" for w in words):
        raise ValueError(f"{where}: must contain a word")
    if len(words) > MAX_TERM_WORDS:
        raise ValueError(f"{where}: more than {MAX_TERM_WORDS} words")
    return text


def exception_phrase(text: str, where: str) -> tuple[str, ...]:
    """Compile one exception phrase into pattern tokens: words, 'pre*', '*', '...', '|'."""
    out: list[str] = []
    for piece in text.split():
        if piece in _WILDCARDS:
            out.append("..." if piece == "\u2026" else piece)
            continue
        prefix = piece.endswith("*")
        words = context_words(piece.rstrip("*"))
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
    allowed = _ENTRY_KEYS | ({"counterparts", "concept"} if contested else set())
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
    if "stem" in item:
        stem = _string(item["stem"], f"{where}.stem")
        stem_words, words = term_words(stem), term_words(out["term"])
        if len(stem_words) != len(words) or not all(
                w.startswith(s) for s, w in zip(stem_words, words)):
            raise ValueError(f"{where}.stem: must begin each word of the term, word by word "
                             f"('{out['term']}')")
        out["stem"] = stem
    if contested and "concept" in item:
        out["concept"] = check_concept(item["concept"], f"{where}.concept")
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
    if "not_forms" in item:
        forms = _string_list(item["not_forms"], f"{where}.not_forms")
        for i, form in enumerate(forms):
            if len([w for w in term_words(form) if w != "'"]) != 1:
                raise ValueError(f"{where}.not_forms[{i}]: must be one word")
        if forms:
            out["not_forms"] = forms
    for key in ("not_before", "not_after"):
        if key in item:
            phrases = _string_list(item[key], f"{where}.{key}")
            for i, phrase in enumerate(phrases):
                exception_phrase(phrase, f"{where}.{key}[{i}]")
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
    if "lang" in obj:
        if not isinstance(obj["lang"], str) or not _LANG_RE.match(obj["lang"].strip()):
            raise ValueError("lang: must be a language tag such as 'ru' or 'pt-BR'")
        out["lang"] = obj["lang"].strip()
    if "extends" in obj:
        if not isinstance(obj["extends"], bool):
            raise ValueError("extends: must be true or false")
        if obj["extends"]:
            out["extends"] = True
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
            key = tuple(term_words(term))
            if key in seen:
                raise ValueError(f"{field}[{i}].term: '{term}' duplicates {field}[{seen[key]}]")
            seen[key] = i
            entries.append(entry)
        out[field] = entries
    return out
