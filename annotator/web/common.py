"""Helpers shared by the blueprints: role checks and loading a project the user may see."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user, login_required

from .. import projects
from .setup import get_session

__all__ = ["get_session", "roles_required", "project_for", "safe_next"]


def roles_required(*roles: str):
    """Signed in, and one of `roles`; 403 otherwise."""
    def deco(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, "Your role does not give access to this page.")
            return view(*args, **kwargs)
        return wrapped
    return deco


def project_for(slug: str, user, purpose: str = "annotate"):
    """The project if `user` may use it for `purpose` (annotate | see | review), else 404/403."""
    project = projects.by_slug(get_session(), slug)
    if project is None:
        abort(404, f"No project {slug!r}.")
    allowed = {"annotate": projects.can_annotate, "see": projects.can_see,
               "review": lambda p, u: u.can_review()}[purpose](project, user)
    if not allowed:
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


def page_arg(default: int = 1) -> int:
    try:
        return max(1, int(request.args.get("page", default)))
    except ValueError:
        return default
