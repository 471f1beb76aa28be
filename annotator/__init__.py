"""annotator: label news articles sentence by sentence for claim attribution and media bias."""
from __future__ import annotations

from pathlib import Path

from . import config as conf

__version__ = "0.1.0"

_HERE = Path(__file__).resolve().parent


def _asset_dir(name: str) -> str:
    """templates/ and static/ sit beside the package in a checkout and inside it in a wheel."""
    inside = _HERE / name
    return str(inside if inside.is_dir() else _HERE.parent / name)


def create_app(config: dict | None = None):
    """The one app factory. `config` overrides every other source (used by tests)."""
    # Imported here, not above: every `import annotator.<module>` runs this file first, and
    # the domain modules (segment, ingest, agreement, ...) must load without Flask.
    from flask import Flask

    from .cli import register
    from .web import blueprints, errors, extensions, headers, i18n, input_checks, ops

    app = Flask(__name__, instance_path=conf.instance_path(config), instance_relative_config=True,
                template_folder=_asset_dir("templates"), static_folder=_asset_dir("static"))
    conf.configure(app, config)
    for part in (extensions, i18n, ops, input_checks, headers, errors, blueprints):
        part.init_app(app)
    register(app)
    return app
