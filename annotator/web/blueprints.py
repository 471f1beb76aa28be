"""The blueprints, one per audience (auth, annotate, admin, links, crowd, review, api), on the app."""
from __future__ import annotations

from flask import Flask

from . import admin, annotate, api, auth, crowd, links, review
from .extensions import csrf


def init_app(app: Flask) -> None:
    for module in (auth, annotate, admin, links, crowd, review, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # api checks CSRF itself for cookie-authenticated requests
