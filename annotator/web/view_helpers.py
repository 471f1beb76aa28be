"""Helpers shared by the blueprints: a page and its JSON twin, role checks, loading a project
the user may see, and the query arguments several pages read (ids, pages, review filters, the
sign-in `next`)."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from .. import account_links, events, export, mail, projects, users
from ..access import allowed
from ..labels import label_ids
from ..ingest.language import LANG_RE
from ..models import MAX_ID, Project
from ..timestamps import iso_utc, parse_when
from ..review.queue_filters import FilterError, parse, parse_seen
from .errors import InputError, wants_json
from .extensions import get_session

__all__ = ["get_session", "page", "roles_required", "project_for", "safe_next", "export_args", "export_download", "event_filters",
           "int_arg", "page_arg", "stats_filters", "hand_over", "queue_args"]


def page(template: str, data: dict, status: int = 200, **html):
    """A page and its JSON twin from one dict of plain data (issue 15, after Datasette): the
    JSON when asked for (`Accept: application/json` or `?format=json`), else `template`
    rendered with `data` as its context. `html` is what only the page needs and the JSON must
    not carry: its forms (with their CSRF tokens) and markup made from `data`."""
    if wants_json():
        return jsonify(data), status
    return render_template(template, **data, **html), status


def export_args() -> tuple[str, str, bool]:
    """An export request's kind, format and BOM (?kind=, ?format=jsonl|csv, ?bom=1), for the
    API and the admin page alike; a 400 names a bad one."""
    kind = request.args.get("kind", "annotations")
    if kind not in export.KINDS:
        raise InputError("invalid_kind", f"kind: one of {', '.join(export.KINDS)}")
    fmt = request.args.get("format", "jsonl")
    if fmt not in export.FORMATS:
        raise InputError("invalid_format", f"format: one of {', '.join(export.FORMATS)}")
    return kind, fmt, request.args.get("bom", "") in ("1", "true", "yes")


def export_download(project, kind: str, fmt: str, bom: bool = False, empty_reason: str | None = None):
    """A streamed attachment named project-kind-timestamp.ext. The stream has a session of its
    own, closed when the stream ends or the client goes away, so no transaction outlives the
    download. Why an empty export is empty goes in the X-Export-Empty header."""
    maker = current_app.extensions["annotator.sessionmaker"]
    project_id = project.id

    def chunks():
        with maker() as session:
            proj = session.get(Project, project_id)
            yield from export.iter_export(session, proj, kind, fmt, bom)

    headers = {"Content-Disposition":
               f'attachment; filename="{export.file_name(project.slug, kind, fmt)}"'}
    if empty_reason:
        headers["X-Export-Empty"] = empty_reason.encode("ascii", "replace").decode()
    return Response(chunks(), mimetype=export.MIMETYPES[fmt], headers=headers)


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
    """Only same-site relative paths are followed after sign-in (no open redirects), and none
    with a control character (CR/LF would split the Location header)."""
    if not target or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def int_arg(value, default=None):
    """A whole number from a query string or form that fits an id column, else default."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return n if -MAX_ID <= n <= MAX_ID else default


def page_arg(default: int = 1) -> int:
    return max(1, min(int_arg(request.args.get("page"), default), 10**9))


def stats_filters() -> dict:
    """The agreement figures' filters from the query (article ids, annotators, languages, since, until),
    for the review page and the API alike; a 400 names a bad one."""
    args = request.args
    out = {}
    if args.get("article"):
        if not all(x.isascii() and x.isdigit() and len(x) <= 10 and int(x) <= MAX_ID
                   for x in args.getlist("article")):
            raise InputError("invalid_filter",
                             f"article: article ids are whole numbers up to {MAX_ID}")
        out["article_ids"] = [int(x) for x in args.getlist("article")]
    if args.get("annotator"):
        out["annotators"] = args.getlist("annotator")
    if args.get("lang"):
        if not all(LANG_RE.fullmatch(x) for x in args.getlist("lang")):
            raise InputError("invalid_filter", "lang: language tags such as en, de or pt-BR")
        out["langs"] = args.getlist("lang")
    for name in ("since", "until"):
        if args.get(name):
            try:  # checked here, not only where the figures are computed (in the background)
                parse_when(args[name])
            except ValueError as err:
                raise InputError("invalid_filter", f"{name}: {str(err).removeprefix('date: ')}") from None
            out[name] = args[name]
    return out


def _moment(name: str) -> datetime | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        raise InputError("invalid_filter", f"{name}: a date or time such as 2026-05-01 or "
                                           f"2026-05-01T12:00 (UTC), got {value[:40]!r}") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def event_filters(session) -> tuple[events.Filters, int | None, int]:
    """The event log's filters from the query, for the page and the API alike: project (slug),
    actor (username), kind, since / until (UTC), before (an event id: keyset pagination) and
    limit (1 to 500); a 400 names a bad one."""
    args = request.args
    project_id = actor_id = None
    if args.get("project"):
        p = projects.by_slug(session, args["project"])
        if p is None:
            raise InputError("invalid_filter", f"project: no project {args['project'][:64]!r}")
        project_id = p.id
    if args.get("actor"):
        u = users.by_name(session, args["actor"])
        if u is None:
            raise InputError("invalid_filter", f"actor: no user {args['actor'][:64]!r}")
        actor_id = u.id
    kind = args.get("kind") or None
    if kind is not None and kind not in events.KINDS:
        raise InputError("invalid_filter", f"kind: one of {', '.join(events.KINDS)}")
    before = int_arg(args.get("before"))
    limit = max(1, min(int_arg(args.get("limit"), 50), 500))
    return events.Filters(project_id, actor_id, kind, _moment("since"), _moment("until")), before, limit


def hand_over(new: account_links.NewLink, project_names=()) -> dict:
    """A link just made, as the answer that made it shows it (once): the full URL under
    PUBLIC_URL or this request's root, and the e-mail it went to where SMTP is configured
    (a refusal by the mail server is reported, not raised: the link still works)."""
    url = new.url(current_app.config.get("PUBLIC_URL") or request.url_root)
    sent, error = None, None
    try:
        sent = account_links.deliver(mail.from_config(current_app.config), new, url, project_names)
    except mail.MailError as err:
        error = str(err)
    return {"id": new.link.id, "kind": new.link.kind, "username": new.link.username,
            "email": new.link.email, "url": url, "mailed_to": sent, "mail_error": error,
            "expires_at": iso_utc(new.link.expires_at)}


def queue_args(project) -> dict:
    """The disagreement queue's arguments from the query, for the page, its twin and the API
    alike: filters (review/queue_filters.parse), resolved=1, names=1 (reveal annotators'
    names), page, per_page and seen (ids a client holds already); a 400 names a bad one."""
    args = request.args
    try:
        filters = parse(args.to_dict(flat=False), label_ids(project.labels))
        seen = parse_seen(args.get("seen"))
    except FilterError as err:
        raise InputError("invalid_filter", str(err)) from None
    per_page = int_arg(args.get("per_page"), 20) or 20
    return {"filters": filters, "seen": seen, "include_resolved": args.get("resolved") == "1",
            "reveal": args.get("names") == "1", "page": page_arg(),
            "per_page": max(1, min(per_page, 200))}
