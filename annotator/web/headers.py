"""Headers every response carries: the security policy, and no-store wherever the answer is
personal (pages and their JSON twins, API answers, downloads)."""
from __future__ import annotations

from flask import Flask, request

# No inline script or style anywhere: every asset is a file under static/.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS = tuple((name.lower(), (name, value)) for name, value in (
    ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")))

PERSONAL = ("text/html", "application/json")


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response):
    # One pass over the headers a view set (five setdefault calls walk them five times,
    # on every response of the annotate loop).
    h = response.headers
    present = {key.lower() for key in h.keys()}
    missing = [pair for lower, pair in SECURITY_HEADERS if lower not in present]
    # An export or lexicon download holds a project's data, a page's JSON twin what the page
    # shows (a new token, once): no shared or disk cache keeps them.
    if "cache-control" not in present and (
            request.path.startswith("/api/") or response.mimetype in PERSONAL
            or "content-disposition" in present):
        missing.append(("Cache-Control", "no-store"))
    if missing:
        h.extend(missing)
    return response
