"""Configuration: defaults, then instance/config.py, then ANNOTATOR_* environment variables."""
from __future__ import annotations

import json
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
    "LOGIN_RATE_LIMIT": "10 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "EXPORT_DIR": None,  # None: <repo or cwd>/export
}


def instance_path() -> Path:
    """instance/ beside the package in a checkout, or ANNOTATOR_INSTANCE_PATH."""
    env = os.environ.get("ANNOTATOR_INSTANCE_PATH")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent / "instance"


def _coerce(raw: str):
    """Environment values are strings; accept JSON literals (numbers, true/false, null)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def secret_key(instance: Path) -> str:
    """Generated once into instance/secret_key (mode 600), never committed."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load(instance: Path, overrides: dict | None = None) -> dict:
    cfg = dict(DEFAULTS)
    pyconf = instance / "config.py"
    if pyconf.exists():
        namespace: dict = {}
        exec(compile(pyconf.read_text(), str(pyconf), "exec"), namespace)
        cfg.update({k: v for k, v in namespace.items() if k.isupper()})
    for key, raw in os.environ.items():
        if key.startswith("ANNOTATOR_") and key != "ANNOTATOR_INSTANCE_PATH":
            cfg[key.removeprefix("ANNOTATOR_")] = _coerce(raw) if key != "ANNOTATOR_DATABASE_URL" else raw
    cfg.update(overrides or {})
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'annotator.db'}"
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = secret_key(instance)
    if not cfg["EXPORT_DIR"]:
        cfg["EXPORT_DIR"] = str(instance.parent / "export")
    return cfg
