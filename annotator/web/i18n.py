"""The interface's language (Flask-Babel): the user's choice, else the browser's
Accept-Language, else English; and what every template needs to say it (<html lang dir>).

The catalogues are annotator/translations/LANG/LC_MESSAGES/messages.po, compiled to .mo when
the package is built or installed (setup.py, `make translations`); see docs/translating.md.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, gettext as _
from flask_login import current_user

from .. import languages

babel = Babel()


def select_locale() -> str:
    """The user's own choice, else the best of the browser's languages we have, else English."""
    if not has_request_context():
        return languages.DEFAULT
    if "ui_locale" not in g:
        chosen = getattr(current_user, "locale", None) if current_user else None
        if chosen not in languages.interface_languages():
            # The browser's languages by preference, each matched by tag, then by language
            # (werkzeug's best_match would take "en;q=0.3" over "ar-EG" for lack of "ar-EG").
            offered = {tag: tag for tag in languages.interface_languages()}
            chosen = languages.pick(offered, [tag for tag, q in request.accept_languages if q > 0]) \
                or languages.DEFAULT
        g.ui_locale = chosen
    return g.ui_locale


def reader_languages() -> list[str]:
    """The reader's languages, most preferred first, for texts written per language (the
    guidelines): the interface's language, then the browser's Accept-Language in its order."""
    if not has_request_context():
        return [languages.DEFAULT]
    return [select_locale(), *(tag for tag, _q in request.accept_languages)]


# The scripts whose words the page passes them (#ui-strings), and the functions they call on
# those words; babel.cfg extracts the same calls into the catalogue.
SCRIPTS = ("js/annotate.js", "js/article_view.js", "js/adjudicate.js", "js/setup.js")
JS_KEYWORDS = {"tr": None, "trNodes": None}


@lru_cache(maxsize=4)
def _script_messages(static_folder: str) -> tuple[str, ...]:
    """The texts the scripts pass to tr() and trNodes(), read from the scripts themselves once,
    so that no list of them is kept by hand."""
    found: list[str] = []
    for name in SCRIPTS:
        with (Path(static_folder) / name).open("rb") as f:
            found += [msg for _line, msg, _comments, _context in extract("javascript", f, JS_KEYWORDS)
                      if isinstance(msg, str)]
    return tuple(dict.fromkeys(found))


def script_strings() -> dict[str, str]:
    """{English text: its translation} for the scripts (SCRIPTS), in the request's
    language; texts that stay as they are left out (the scripts fall back to the English)."""
    out = {}
    for msg in _script_messages(current_app.static_folder):
        said = _(msg)
        if said != msg:
            out[msg] = said
    return out


def span_type_names() -> tuple[dict, dict]:
    """The default span types' names (buttons) and words (chips) in the interface's language."""
    return ({"source": _("Source"), "cue": _("Cue"), "content": _("Content"),
             "framing_term": _("Framing term")},
            {"source": _("source"), "cue": _("cue"), "content": _("content"),
             "framing_term": _("framing term")})


def _template_globals() -> dict:
    tag = str(get_locale() or languages.DEFAULT).replace("_", "-")
    return {"ui_lang": tag, "ui_dir": "rtl" if languages.is_rtl(tag) else "ltr",
            "script_strings": script_strings,  # a page with a script passes it its words
            "ui_language_name": languages.native_name(tag),
            "role_names": {"admin": _("admin"), "reviewer": _("reviewer"),
                           "annotator": _("annotator"), "participant": _("participant")},
            # The annotate page's evidence spans' voice and the hints' kinds.
            "voice_names": {"author": _("author"), "attributed": _("attributed")},
            "hint_names": {"cue": _("cue"), "source": _("source"),
                           "contested_term": _("contested term")}}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", languages.DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(languages.TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(_template_globals)
