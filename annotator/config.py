"""Configuration, lowest to highest precedence: DEFAULTS, <instance>/config.py, ANNOTATOR_*
environment variables (read as JSON where they parse), the dict given to create_app.

Loading is Flask's own (Config.from_pyfile, Config.from_prefixed_env); this module holds the
defaults, the instance folder's override and the settings derived from the instance folder."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,  # None: sqlite:///<instance>/annotator.db
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # uploads and API bodies
    "LEASE_MINUTES": 10,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # set True behind HTTPS
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # an annotator's tab stays open all day
    "PROXY_FIX": 0,  # number of trusted reverse proxies in front of the app
    # Failed sign-ins allowed within the window (minutes): for one account from one address,
    # from one address whatever the account, and for one account from every address (past
    # that, only addresses that have not failed for it lately may try). Successful sign-ins
    # never count. Counted in the database: one count for every worker (users.SignInLimit).
    "LOGIN_FAILURES_PER_ACCOUNT": 10,
    "LOGIN_FAILURES_PER_ADDRESS": 100,
    "LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE": 100,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    # One JSON line per request on standard error (time, request id, route, status, ms).
    "LOG_REQUESTS": True,
    # /metrics answers loopback addresses only, or any holder of this bearer token if set.
    "METRICS_TOKEN": None,
    "EXPORT_DIR": None,  # None: export/ beside the instance folder (the repository's in a checkout)
    # Uploaded JSONL/CSV files larger than this (bytes) are imported by `annotator worker`
    # (streamed, with a progress page); smaller ones at once. Uploads wait in IMPORT_DIR
    # (None: <instance>/imports), which every app node and worker must share.
    "IMPORT_INLINE_MAX": 2 * 1024 * 1024,
    "IMPORT_DIR": None,
    # Releases (annotator/releases.py), one read-only folder each. None: <instance>/releases.
    # Several app nodes must share it (a network file system), as they share the database.
    "RELEASES_DIR": None,
    # Invite and password-reset links (annotator/account_links.py): how long they stay valid,
    # and the address they start with (None: the address the admin's request came to; the
    # CLI then prints the path alone).
    "INVITE_DAYS": 7,
    "RESET_HOURS": 24,
    "PUBLIC_URL": None,  # e.g. "https://annotate.example.org"
    # Optional SMTP: with a server set, invites and resets are also mailed where an address is
    # known. Off by default; MAIL_USE_TLS means STARTTLS.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_FROM": "annotator@localhost",
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
}

ENV_PREFIX = "ANNOTATOR"


def instance_path(overrides: dict | None = None) -> str | None:
    """The instance folder asked for (create_app's INSTANCE_PATH, then ANNOTATOR_INSTANCE_PATH),
    absolute as Flask requires; None lets Flask choose: instance/ in a checkout,
    <prefix>/var/annotator-instance for an installed package (never site-packages)."""
    asked = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return str(Path(asked).resolve()) if asked else None


def configure(app, overrides: dict | None = None) -> None:
    """Fill app.config from every source in order of precedence, then the derived defaults.
    `app` is a Flask app built with instance_relative_config=True."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    app.config.update(overrides or {})
    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'annotator.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(instance)
    if not app.config["EXPORT_DIR"]:
        app.config["EXPORT_DIR"] = str(instance.parent / "export")
    if not app.config["RELEASES_DIR"]:
        app.config["RELEASES_DIR"] = str(instance / "releases")
    if not app.config["IMPORT_DIR"]:
        app.config["IMPORT_DIR"] = str(instance / "imports")


def secret_key(instance: Path) -> str:
    """Generated once into <instance>/secret_key (mode 600), never committed."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
