"""The interface's languages and the choice of a text by language (no Flask).

The interface speaks the languages that have a gettext catalogue in `translations/`
(`translations/LANG/LC_MESSAGES/messages.po`, compiled to `.mo` when the package is built or
installed; see docs/translating.md) and English, the language of the source strings. A new
catalogue is a new language: nothing here lists them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

from .bidi import lang_dir
from .ingest.language import normalize_tag

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT = "en"


@lru_cache(maxsize=1)
def interface_languages() -> tuple[str, ...]:
    """English first, then every language with a catalogue, by tag."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
    found += sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")
                    if p.parent.parent.name not in found)
    return (DEFAULT, *sorted(set(found) - {DEFAULT}))


def _locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


@lru_cache(maxsize=64)
def native_name(tag: str) -> str:
    """The language's name in itself ("Русский", "العربية"), else the tag."""
    loc = _locale(tag)
    name = loc.get_display_name(loc) if loc else None
    return (name[:1].upper() + name[1:]) if name else tag


def is_rtl(tag: str | None) -> bool:
    """Whether the language is written right to left (Arabic, Hebrew, Persian, Urdu ...): the
    one rule of bidi.lang_dir (equal to CLDR's character order on every locale Babel knows:
    tests/test_rtl.py)."""
    return lang_dir(tag) == "rtl"


def check_interface_language(tag) -> str | None:
    """A user's choice as stored: one of interface_languages(), or None (the browser's
    Accept-Language decides). ValueError names the field and what it takes."""
    if tag in (None, ""):
        return None
    norm = normalize_tag(str(tag))
    if norm not in interface_languages():
        raise ValueError(f"locale: one of {', '.join(interface_languages())} "
                         f"(or empty for the browser's language), got {str(tag)[:40]!r}")
    return norm


def check_language_tag(tag, field: str = "lang") -> str:
    """A language tag as stored (en, ru, pt-BR); ValueError naming `field` otherwise."""
    norm = normalize_tag(str(tag)) if isinstance(tag, str) else None
    if norm is None:
        raise ValueError(f"{field}: a language tag such as en, ru or pt-BR, got {str(tag)[:40]!r}")
    return norm


def pick(texts: dict[str, str], wanted: list[str | None]) -> str | None:
    """The key of `texts` for the first language in `wanted` (most preferred first) that has
    one: the same tag, else the same language (pt-BR for pt, pt for pt-BR). None if none."""
    by_lang: dict[str, str] = {}
    for key in texts:
        by_lang.setdefault(key.split("-")[0].lower(), key)
    for tag in wanted:
        norm = normalize_tag(tag) if tag else None
        if norm is None:
            continue
        if norm in texts:
            return norm
        if norm.split("-")[0] in by_lang:
            return by_lang[norm.split("-")[0]]
    return None
