"""Helpers for tests that sign in through the pages (kept out of conftest.py so that
test modules can import them unambiguously)."""
from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username, password="password123"):
    token = csrf_token(client)
    resp = client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    # Signing in starts a new session, with a new CSRF token: the one for the signed-in pages.
    return csrf_token(client, "/")
