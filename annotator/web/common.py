"""Helpers shared by the blueprints: role checks and loading a project the user may see."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user, login_required

from .. import projects
from ..access import allowed
from .setup import get_session

__all__ = ["get_session", "roles_required", "project_for", "safe_next", "jsonl_download"]


def jsonl_download(project, kind: str):
    """A streamed JSONL attachment. The stream has a session of its own, closed when the
    stream ends or the client goes away, so no transaction outlives the download."""
    from flask import Response, current_app

    from .. import export
    from ..models import Project

    maker = current_app.extensions["annotator.sessionmaker"]
    project_id = project.id

    def lines():
        with maker() as session:
            proj = session.get(Project, project_id)
            yield from export.iter_jsonl(export.records(session, proj, kind))

    return Response(lines(), mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{project.slug}-{kind}.jsonl"'})


def roles_required(action: str):
    """Signed in, and access.allowed(user, action) across the installation (admin | review);
    403 otherwise."""
    def deco(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed(current_user, action):
                abort(403, "Your role does not give access to this page.")
            return view(*args, **kwargs)
        return wrapped
    return deco


def project_for(slug: str, user, action: str = "annotate"):
    """The project (an ORM object) if `user` may `action` there (access.allowed), else 404/403."""
    project = projects.by_slug(get_session(), slug)
    if project is None:
        abort(404, f"No project {slug!r}.")
    if not allowed(user, action, project):
        abort(403, "You are not a member of this project.")
    return project


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


MAX_ID = 2**63 - 1


def int_arg(value, default=None):
    """A whole number from a query string or form that fits a database integer, else default."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return n if -MAX_ID <= n <= MAX_ID else default


def page_arg(default: int = 1) -> int:
    return max(1, min(int_arg(request.args.get("page"), default), 10**9))
