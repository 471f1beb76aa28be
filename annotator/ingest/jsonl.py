"""JSONL (and .json) files: one article per object, all or nothing, every bad line named."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from .article import ArticleIn, IngestError
from .decode import CONTROL_RE, plain
from .language import LANG_RE
from .strict_json import json_loads

_OPTIONAL = (("url", "url"), ("source", "source"), ("outlet", "source"), ("published", "published"),
             ("id", "external_id"), ("topic", "topic"), ("lang", "lang"))
_TEXT_ALIASES = ("body", "content", "article", "text_body")
_TITLE_ALIASES = ("headline", "heading", "name")
_MAX_REPORTED = 20


def _epoch(value: float) -> str:
    seconds = value / 1000 if abs(value) >= 1e11 else value  # 1e11 s is the year 5138
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"published: {value} is not a Unix time in seconds or milliseconds") from None


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)


def article_from(obj: object, where: int | None) -> ArticleIn:
    """One JSON value -> ArticleIn; ValueError with a message naming the field."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {_type_name(obj)}")
    fields: dict[str, str | None] = {}
    for name, aliases in (("title", _TITLE_ALIASES), ("text", _TEXT_ALIASES)):
        value = obj.get(name)
        if value is None:
            hint = next((a for a in aliases if a in obj), None)
            raise ValueError(f"{name} is missing" + (f" (found {hint!r}; rename it to {name!r})" if hint else ""))
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, got {_type_name(value)}")
        value = plain(value).strip()  # escaped controls ("\u0000") dropped too
        if not value:
            raise ValueError(f"{name} is empty")
        fields[name] = value
    extra: dict[str, str | None] = {}
    for key, attr in _OPTIONAL:
        if key not in obj or obj[key] is None:
            continue
        value = obj[key]
        if type(value) in (int, float) and value == value and abs(value) < 1e15:  # not NaN, bool
            if key == "id" and value == int(value):
                value = str(int(value))  # numeric ids are common (17.0 where pandas saw gaps); stored as text
            elif key == "published":
                value = _epoch(value)  # Unix time, in seconds or milliseconds
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, got {_type_name(value)}")
        value = CONTROL_RE.sub("", value).strip() or None
        if key == "lang" and value is not None and not LANG_RE.fullmatch(value):
            raise ValueError(f"lang: a language tag such as en, de or pt-BR, got {value[:40]!r}")
        if extra.get(attr) is None:  # "source" wins over its alias "outlet"
            extra[attr] = value
    return ArticleIn(title=" ".join(fields["title"].split()), text=fields["text"], line=where, **extra)


def raise_collected(filename: str, errors: list[tuple[int | None, str]]) -> None:
    first_line, first_msg = errors[0]
    rest = [f"line {ln}: {msg}" if ln is not None else msg for ln, msg in errors[1:_MAX_REPORTED]]
    if len(errors) > _MAX_REPORTED:
        rest.append(f"and {len(errors) - _MAX_REPORTED} more bad lines")
    message = "; ".join([first_msg, *rest])
    err = IngestError(filename, message, first_line)
    err.errors = errors  # type: ignore[attr-defined]  # every (line, message), for UIs
    raise err


def parse_jsonl(filename: str, text: str) -> list[ArticleIn]:
    """One JSON object per line; blank lines skipped.  All or nothing: every bad line
    is named in one IngestError (``line`` is the first bad line)."""
    stripped = text.lstrip()
    if filename.lower().endswith(".json") and stripped.startswith("["):
        return _parse_json_array(filename, text)
    articles: list[ArticleIn] = []
    errors: list[tuple[int | None, str]] = []
    for n, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            obj = json_loads(raw)
        except json.JSONDecodeError as e:
            if not articles and not errors and _is_one_object(text):
                if filename.lower().endswith(".json"):  # one pretty-printed article
                    try:
                        return [article_from(json_loads(text), None)]
                    except ValueError as e2:
                        raise IngestError(filename, str(e2)) from None
                raise IngestError(filename, "this is one pretty-printed JSON object; JSONL needs one "
                                  "object per line (or name the file .json)", n) from None
            errors.append((n, f"invalid JSON ({e.msg} at column {e.colno})"))
            continue
        try:
            articles.append(article_from(obj, n))
        except ValueError as e:
            errors.append((n, str(e)))
    if errors:
        raise_collected(filename, errors)
    if not articles:
        raise IngestError(filename, "no articles in the file")
    return articles


def _is_one_object(text: str) -> bool:
    try:
        return isinstance(json_loads(text), dict)
    except json.JSONDecodeError:
        return False


def _parse_json_array(filename: str, text: str) -> list[ArticleIn]:
    try:
        items = json_loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(filename, f"invalid JSON ({e.msg} at column {e.colno})", e.lineno) from None
    if not isinstance(items, list):
        raise IngestError(filename, "expected a JSON array of article objects")
    articles: list[ArticleIn] = []
    errors: list[tuple[int | None, str]] = []
    for i, obj in enumerate(items, 1):
        try:
            articles.append(article_from(obj, None))
        except ValueError as e:
            errors.append((None, f"item {i}: {e}"))
    if errors:
        raise_collected(filename, errors)
    if not articles:
        raise IngestError(filename, "no articles in the file")
    return articles
