"""Input every request passes before a view sees it, on both databases alike.

One place refuses what no field may hold, whatever the route: a NUL character (PostgreSQL
stores none in text; in the path, a query, a form, a file name or a JSON body), JSON nested
deeper than any payload needs (walking it would exhaust the stack), an API body that its
schema in the OpenAPI document refuses (a list where a name is expected), a body past
MAX_CONTENT_LENGTH (also when it comes chunked, without a length), and ids in URLs past the
32-bit integer columns. What one field means (a label, a span) is checked where it is used.
"""
from __future__ import annotations

import json
import re

from flask import Flask, Request, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from ..models import MAX_ID
from .errors import InputError
from .openapi import SPEC

MAX_JSON_DEPTH = 32  # far deeper than any payload the app takes (settings, spans: 2-3)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A JSON string (skipped whole, so brackets inside text do not count) or a bracket.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# \u0000 that is an escape, not text after an escaped backslash ("\\u0000").
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}")  # <int:sentence_id> in Flask, {id} in OpenAPI
# A label's rules are writes.validate's, the one write path of labels for the page and the API.
_CHECKED_BY_VIEW = {"/sentences/{id}/annotation"}


def _shape(path: str) -> str:
    return _PLACEHOLDER.sub("{}", path)


def _body_schemas() -> dict:
    """(path shape, method) -> the validator of its JSON request body, from the OpenAPI
    document the API publishes."""
    out = {}
    for path, operations in SPEC["paths"].items():
        if path in _CHECKED_BY_VIEW:
            continue
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}) \
                if isinstance(operation, dict) else {}  # "parameters" is a list
            schema = content.get("application/json", {}).get("schema")
            if schema:
                out[(_shape(SPEC["servers"][0]["url"] + path), method.upper())] = \
                    Draft202012Validator({**schema, "components": SPEC["components"]})
    return out


BODY_SCHEMAS = _body_schemas()


def init_app(app: Flask) -> None:
    app.request_class = BodyLimitedRequest
    app.url_map.converters["int"] = IdConverter  # a larger id is a 404, not a database error
    app.before_request(check_request)


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BodyLimitedRequest(Request):
    @cached_property
    def stream(self):
        # A chunked body has no length to refuse up front, and Werkzeug's own limit stops
        # reading at MAX_CONTENT_LENGTH without a word: an import stored the first part.
        limit = self.max_content_length
        if limit is not None and self.content_length is None \
                and self.environ.get("wsgi.input_terminated"):
            return _StrictLimit(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)


class _StrictLimit(LimitedStream):
    """A stream that raises 413 at the first byte past `limit`."""

    def __init__(self, stream, limit: int):
        super().__init__(stream, limit + 1, is_max=True)
        self.allowed = limit

    def readinto(self, b):
        n = super().readinto(b)
        if self.tell() > self.allowed:
            raise RequestEntityTooLarge()
        return n


def check_request() -> None:
    if "\x00" in request.path:
        raise InputError("invalid_input", "path: holds a NUL character")
    _refuse_nul(request.args.items(multi=True))
    if request.mimetype in _FORM_TYPES:
        _refuse_nul(request.form.items(multi=True))
        for field, upload in request.files.items(multi=True):
            if "\x00" in field or "\x00" in (upload.filename or ""):
                raise InputError("invalid_input", f"{_name(field)}: the file name holds a NUL character")
    elif request.is_json:
        rule = request.url_rule.rule if request.url_rule else ""
        problem = json_refusal(request.get_data(cache=True), rule, request.method)
        if problem:
            raise InputError(*problem)


def _refuse_nul(pairs) -> None:
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise InputError("invalid_input", f"{_name(key)}: holds a NUL character, "
                                              "which no text may hold")


def _name(field: str) -> str:
    return field.replace("\x00", "\\0")[:64] or "(unnamed field)"


def json_refusal(raw: bytes, rule: str = "", method: str = "") -> tuple[str, str] | None:
    """(code, message) when a JSON body nests too deeply, holds a NUL or breaks the schema of
    `rule` and `method` (a Flask URL rule), else None. Depth and NUL are cheap for the usual
    body: counts and a substring search, the full scan only when those hit."""
    if raw[:4].count(0) or raw[:3] == b"\xef\xbb\xbf" or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:  # UTF-16/32 or a BOM, which json.loads accepts: scanned as UTF-8
            raw = raw.decode(json.detect_encoding(raw)).lstrip("\ufeff").encode()
        except (UnicodeDecodeError, LookupError):
            return None  # the view's parser names it
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _too_deep(raw):
        return "invalid_json", f"body: nested deeper than {MAX_JSON_DEPTH} levels"
    if b"\\u0000" in raw and _NUL_ESCAPE.search(raw):
        return "invalid_input", f"{_nul_path(raw)}: holds a NUL character, which no text may hold"
    validator = BODY_SCHEMAS.get((_shape(rule), method))
    if validator is not None:
        try:
            doc = json.loads(raw)
        except ValueError:
            return None  # the view's parser names what is wrong
        error = best_match(validator.iter_errors(doc))
        if error is not None:
            where = error.json_path.removeprefix("$").lstrip(".") or "body"
            return "invalid_input", f"{where}: {error.message}"[:500]
    return None


def _too_deep(raw: bytes) -> bool:
    depth = 0
    for m in _JSON_TOKEN.finditer(raw):
        first = m.group()[0]
        if first in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif first in b"]}":
            depth -= 1
    return False


def _nul_path(raw: bytes) -> str:
    """Where the NUL is, as `spans[0].label`; "body" when the JSON does not parse."""
    try:
        stack = [("", json.loads(raw))]
    except ValueError:
        return "body"
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return path or "body"
        items = value.items() if isinstance(value, dict) else \
            enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                return f"{path}: a key" if path else "a key"
            stack.append((f"{path}[{key}]" if isinstance(key, int)
                          else f"{path}.{key}" if path else key, item))
    return "body"
