"""The Flask extensions (CSRF, sign-in, compression) and the database session of
each request."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, request
from flask_babel import gettext
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import db as dbmod
from .. import users
from .errors import wants_json


class _PagesLogin(LoginManager):
    """A page's JSON twin asked for without a session is answered 401 in JSON (as the API
    is); the page itself sends the browser to the sign-in form."""

    def unauthorized(self):
        if wants_json():
            abort(401, "Sign in to see this page.")
        return super().unauthorized()


def N_(text: str) -> str:
    """Marks a string for the catalogue that is translated later, where it is shown."""
    return text


csrf = CSRFProtect()
login_manager = _PagesLogin()
compress = Compress()


def init_app(app: Flask) -> None:
    # First of all hooks: a request starts with an empty `g`. A request that finds an app
    # context active (a test client that keeps the last one, an embedding app) reuses it,
    # and with it the signed-in user and CSRF token Flask-Login and Flask-WTF keep in `g`.
    app.before_request(_fresh_g)
    engine = dbmod.make_engine(app.config["DATABASE_URL"])
    app.extensions["annotator.engine"] = engine
    app.extensions["annotator.sessionmaker"] = dbmod.make_sessionmaker(engine)
    app.teardown_request(close_session)
    app.teardown_appcontext(close_session)

    if app.config.get("PROXY_FIX"):
        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    # Pages, CSS and JS (static files are streamed) are sent compressed: the annotate page
    # weighs a third. API JSON is small and latency-bound, and exports are left as they are.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript",
                                                 "application/javascript"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    compress.init_app(app)

    csrf.init_app(app)
    login_manager.init_app(app)
    app.session_interface = _CookieSessions()
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to continue.")
    login_manager.localize_callback = gettext  # flashed in the page's language (web/i18n.py)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def _fresh_g() -> None:
    session = g.pop("db_session", None)
    if session is not None:  # left by a request whose teardown did not run here
        session.close()
    vars(g).clear()


def load_user(user_id: str):
    """The user of a session cookie ("<id>.<fingerprint>"), while active and unchanged."""
    uid, _, fingerprint = user_id.partition(".")
    if not uid.isdigit() or len(uid) > 18:
        return None
    user = users.signed_in(get_session(), int(uid))
    if user is None or not user.is_active or fingerprint != user.session_fingerprint():
        return None
    return user


def get_session():
    """The request's database session, opened on first use and closed at teardown.

    A request that writes takes the write lock before its first read (db.begin_write: BEGIN
    IMMEDIATE on SQLite), so it waits its turn on SQLite's busy timeout instead of failing
    with "database is locked" when it goes from reading to writing: every request but
    GET/HEAD/OPTIONS, except the views marked @locks_own_writes."""
    if "db_session" not in g:
        session = g.db_session = current_app.extensions["annotator.sessionmaker"]()
        view = current_app.view_functions.get(request.endpoint)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, "locks_own_writes", False):
            dbmod.begin_write(session)
    return g.db_session


def locks_own_writes(view):
    """Marks a view that writes only through domain functions that take the write lock
    themselves, just before they write (assign.lease_next, labelling.save, remove, skip).
    The annotate loop's views: their reads (the user, the project, the sentence) then run
    outside SQLite's one write lock, which every annotator's label waits for."""
    view.locks_own_writes = True
    return view


def close_session(exc) -> None:
    # Per request (not only per app context), so that a shared app context, as in tests,
    # never carries one request's session and its read snapshot into the next request.
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, minus building a signing serializer for requests that carry
    no session cookie (API calls with a token): the same empty session, ~30 us sooner."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
