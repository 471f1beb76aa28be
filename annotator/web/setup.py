"""Wires the extensions, the database session, security headers and the blueprints into an app."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .. import db as dbmod
from ..db import begin_write
from ..models import User

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()

# No inline script or style anywhere: every asset is a file under static/.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    # Ids in URLs fit a 64-bit integer column; a larger number is a 404, not a crash.
    app.url_map.converters["int"] = BoundedInt
    engine = dbmod.make_engine(app.config["DATABASE_URL"])
    app.extensions["annotator.engine"] = engine
    app.extensions["annotator.sessionmaker"] = dbmod.make_sessionmaker(engine)

    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    # Pages, CSS and JS (static files are streamed) are sent compressed: the annotate page
    # weighs a third. API JSON is small and latency-bound, and exports are left as they are.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript",
                                                 "application/javascript"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    compress.init_app(app)

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    app.session_interface = _CookieSessions()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        uid, _, fingerprint = user_id.partition(".")
        if not uid.isdigit() or len(uid) > 18:
            return None
        user = get_session().get(User, int(uid))
        if user is None or not user.active or fingerprint != user.session_fingerprint():
            return None
        return user

    # Per request (not per app context), so that a shared app context, as in tests, never
    # carries one request's session and its read snapshot into the next request.
    @app.teardown_request
    @app.teardown_appcontext
    def close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @app.after_request
    def security_headers(response):
        # One pass over the headers a view set (five setdefault calls walk them five times,
        # on every response of the annotate loop).
        h = response.headers
        present = {key.lower() for key in h.keys()}
        missing = [pair for lower, pair in SECURITY_HEADERS if lower not in present]
        if "cache-control" not in present and (
                request.path.startswith("/api/") or response.mimetype == "text/html"):
            missing.append(("Cache-Control", "no-store"))
        if missing:
            h.extend(missing)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return error_response(400, "csrf_failed", err.description)

    @app.errorhandler(HTTPException)
    def http_error(err):
        message = err.description
        if err.code == 429:  # Flask-Limiter describes only the limit ("10 per 1 minute")
            message = f"Too many attempts (the limit is {err.description}); please wait and try again."
        return error_response(err.code or 500, _CODES.get(err.code, "error"), message)

    from . import admin, annotate, api, auth, review

    for module in (auth, annotate, admin, review, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # api checks CSRF itself for cookie-authenticated requests

    from ..cli import register

    register(app)

    app.jinja_env.globals["label_key_map"] = lambda labels: {l["key"]: l["id"] for l in labels}


SECURITY_HEADERS = tuple((name.lower(), (name, value)) for name, value in (
    ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")))


class BoundedInt(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, minus building a signing serializer for requests that carry
    no session cookie (API calls with a token): the same empty session, ~30 us sooner."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "rate_limited"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_json(code: str, message: str) -> dict:
    """The JSON body of every API error."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify(error_json(code, message)), status
    return render_template("error.html", status=status, message=message), status


def get_session():
    """The request's database session, opened on first use and closed at teardown.

    A request that writes takes the write lock before its first read (db.begin_write: BEGIN
    IMMEDIATE on SQLite), so it waits its turn on SQLite's busy timeout instead of failing
    with "database is locked" when it goes from reading to writing: every request but
    GET/HEAD/OPTIONS, and the views marked @writes (a GET that leases sentences)."""
    if "db_session" not in g:
        from flask import current_app

        session = g.db_session = current_app.extensions["annotator.sessionmaker"]()
        view = current_app.view_functions.get(request.endpoint)
        if request.method not in ("GET", "HEAD", "OPTIONS") or getattr(view, "writes", False):
            begin_write(session)
    return g.db_session


def writes(view):
    """Marks a GET view that writes (see get_session)."""
    view.writes = True
    return view
