"""The lexicon JSON format (see docs/hints.md): the default lexicon and its validation.

The default lexicon is data, shipped beside this module as ``default_lexicon.json``.
"""
from __future__ import annotations

import json
import unicodedata
from importlib.resources import files

from .tokens import context_words, term_words

LEXICON_VERSION = 1
MAX_TERM_WORDS = 8
MAX_TERM_CHARS = 120
GAP_WORDS = 3  # how many words "..." may skip in an exception phrase

DEFAULT_LEXICON: dict = json.loads(files(__package__).joinpath("default_lexicon.json")
                                   .read_text(encoding="utf-8"))


def lexicon_of(project) -> dict:
    """The lexicon a project's hints use: its own, else the default."""
    return project.lexicon or DEFAULT_LEXICON

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
