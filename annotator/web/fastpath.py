"""The annotate loop's two token requests, answered without Flask's request machinery.

`GET /api/v1/projects/<slug>/next` and `PUT /api/v1/sentences/<id>/annotation` with a bearer
token are nearly all of a project's traffic. Through Flask each costs about as much CPU in
the request context, the extensions' hooks and the response object as in its own work, and
on a two-core machine shared with PostgreSQL that halves the labels per second.

`FastPath` wraps the app's WSGI callable and answers exactly those requests in their plain
form, with the same functions as the views (api.checked, api.next_body, api.label_body,
annotator.hotpath), the same JSON, status, errors and headers (tests compare the two paths
byte for byte). Anything else goes to Flask untouched: another route or method, a request
without a bearer token (a browser session), a query string, a body that is not a JSON object,
an unexpected error (logged, rolled back, then Flask answers the same request: a PUT is
idempotent, so a label committed before the error is stored once and answered "unchanged").
Set FAST_PATH = False to send everything through Flask; in debug mode (indented JSON) it is
off.
"""
from __future__ import annotations

import io
import logging
import re

from werkzeug.http import HTTP_STATUS_CODES

from ..db import begin_write
from .. import hotpath, ingest
from . import api
from .errors import error_json
from .headers import SECURITY_HEADERS
from .input_checks import json_refusal

_log = logging.getLogger(__name__)
_NEXT = re.compile(r"/api/v1/projects/([A-Za-z0-9_.-]{1,64})/next")
_LABEL = re.compile(r"/api/v1/sentences/([0-9]{1,18})/annotation")
_JSON_TYPES = ("application/json", "application/json; charset=utf-8")
# As Flask sends them (Vary: Flask-Compress and the cookie session add it to every response).
_HEADERS = [("Content-Type", "application/json"), ("Vary", "Accept-Encoding, Cookie"),
            *(pair for _, pair in SECURITY_HEADERS), ("Cache-Control", "no-store")]


class FastPath:
    def __init__(self, app, inner):
        self.inner = inner
        self.sessions = app.extensions["annotator.sessionmaker"]
        self.max_body = app.config.get("MAX_CONTENT_LENGTH") or 0
        self.dumps = app.json.dumps  # Flask's own JSON settings (sorted keys, ASCII)

    def __call__(self, environ, start_response):
        answer = self._answer(environ)
        if answer is None:
            return self.inner(environ, start_response)
        status, body = answer
        data = (self.dumps(body, separators=(",", ":")) + "\n").encode()
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", [*_HEADERS, ("Content-Length", str(len(data)))])
        return [data]

    def _answer(self, environ) -> tuple[int, dict] | None:
        """(status, JSON body), or None: Flask answers."""
        if environ.get("QUERY_STRING"):
            return None
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        token = token.strip()
        if not token or scheme.lower() != "bearer":
            return None
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        if method == "GET" and (m := _NEXT.fullmatch(path)):
            return self._run(environ, token, _next, m[1], None)
        if method == "PUT" and (m := _LABEL.fullmatch(path)):
            data = self._json_object(environ)
            return None if data is None else self._run(environ, token, _label, int(m[1]), data)
        return None

    def _json_object(self, environ) -> dict | None:
        """The body if it is a JSON object of an allowed size (the stream is rewound for
        Flask otherwise), else None."""
        if environ.get("CONTENT_TYPE", "").lower() not in _JSON_TYPES:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or (self.max_body and length > self.max_body):
            return None
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)
        if json_refusal(raw):
            return None  # Flask's input checks answer it
        try:
            data = ingest.json_loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _run(self, environ, token: str, handler, key, data) -> tuple[int, dict] | None:
        session = self.sessions()
        try:
            begin_write(session)  # as api.authenticate does for the loop's writes
            return handler(session, token, key, data)
        except api.ApiError as err:
            session.rollback()
            return err.status, error_json(err.code, err.message)
        except Exception:
            _log.warning("fast path failed on %s %s; Flask answers it", environ.get("REQUEST_METHOD"),
                         environ.get("PATH_INFO"), exc_info=True)
            session.rollback()
            if "wsgi.input" in environ and hasattr(environ["wsgi.input"], "seek"):
                environ["wsgi.input"].seek(0)
            return None
        finally:
            session.close()


def _next(session, token: str, slug: str, _data) -> tuple[int, dict]:
    principal, project = hotpath.principal_and_project(session, token, slug)
    project = api.checked(principal, project, f"No project {slug!r}.", "annotate")
    return 200, api.next_body(session, project, principal)


def _label(session, token: str, sentence_id: int, data: dict) -> tuple[int, dict]:
    # PostgreSQL: a new label is one statement (writes.save only_new), so the request runs
    # in autocommit mode: two round trips (BEGIN, COMMIT) fewer of the four it takes
    # otherwise. A label that is there already is changed in a transaction, as always.
    one_statement = session.get_bind().dialect.name == "postgresql"
    if one_statement:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    principal, found = hotpath.principal_and_sentence(session, token, sentence_id)
    project, sentence = api.checked(principal, found, f"No sentence {sentence_id}.", "annotate")
    answer = api.label_body(session, project, sentence, principal, data, only_new=one_statement)
    if answer is None:
        session.close()  # back to the pool; the session goes on in a transaction
        answer = api.label_body(session, project, sentence, principal, data)
    body, status = answer
    return status, body
