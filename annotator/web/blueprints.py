"""The blueprints, one per audience (auth, annotate, admin, review, api), on the app."""
from __future__ import annotations

from flask import Flask

from . import admin, annotate, api, auth, review
from .extensions import csrf
from .fastpath import FastPath


def init_app(app: Flask) -> None:
    for module in (auth, annotate, admin, review, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # api checks CSRF itself for cookie-authenticated requests
    if app.config.get("FAST_PATH", True) and not app.debug:
        app.wsgi_app = FastPath(app, app.wsgi_app)  # the annotate loop's token requests
