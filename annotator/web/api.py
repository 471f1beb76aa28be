"""HTTP JSON API v1: bearer tokens (or the browser session, with CSRF), JSON errors."""
from __future__ import annotations

import json
from functools import lru_cache
from types import SimpleNamespace

from flask import Blueprint, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .. import assign, export, hotpath, ingest, projects, quality, users, writes
from .. import sentences as sent
from ..writes import AnnotationError, LabelInput
from ..articles import add_articles
from ..db import begin_write
from ..models import Sentence, User
from .common import get_session, jsonl_download, stats_filters
from .hints import matcher_for
from .openapi import SPEC
from .errors import error_response
from .extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_AHEAD = 10
# Seconds a `next` may reuse the total of progress (see assign.progress): the count walks the
# project's open sentences, and only other people's work changes the total.
PROGRESS_MAX_AGE = 10.0


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_BAD_TOKEN = (401, "unauthorized", "The token is unknown or revoked.")


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    return error_response(err.status, err.code, err.message)


# The annotate loop's writes look up token, project and sentence inside their write
# transaction: one transaction per request instead of a read transaction before it.
_LOOP_WRITES = {("api.next_sentence", "GET"), ("api.annotation", "PUT"),
                ("api.annotation", "DELETE"), ("api.skip", "POST")}
# Their token is looked up together with the project or sentence they name (_project_row,
# _sentence_row): one query for both.
_LOOKUP_LATER = {"api.next_sentence", "api.annotation", "api.skip"}


@limiter.request_filter
def _annotate_loop() -> bool:
    """The annotate loop (one authenticated request per label) is never rate limited; it
    also spares these requests the limiter's per-request lookup of limits (~40 us)."""
    return request.endpoint in _LOOKUP_LATER


@bp.before_request
def authenticate():
    # g can outlive a request (an app context shared by tests): never inherit a user.
    g.pop("api_user", None)
    g.pop("api_principal", None)
    g.pop("api_token", None)
    if request.endpoint in ("api.openapi", "api.index"):
        return None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "Authorization must be 'Bearer TOKEN'.")
        # One statement, no ORM objects: the annotate loop's requests spend most of their
        # time here otherwise. `_user()` loads the full User for the endpoints that want it.
        session = get_session()
        if (request.endpoint, request.method) in _LOOP_WRITES:
            begin_write(session)
        if request.endpoint in _LOOKUP_LATER:
            g.api_token = token.strip()
            return None
        principal = hotpath.principal_for_token(session, token.strip())
        if principal is None:
            raise ApiError(*_BAD_TOKEN)
        g.api_principal = principal
        return None
    if current_user.is_authenticated:
        # A browser session: state changes need the CSRF token like any form.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                csrf.protect()
            except CSRFError as err:
                raise ApiError(400, "csrf_failed", err.description) from None
        g.api_user = g.api_principal = current_user._get_current_object()
        return None
    raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer TOKEN' or sign in.")


def _user():
    """The signed-in User (an ORM object, loaded on first use for token requests)."""
    user = g.get("api_user")
    if user is None:
        user = g.api_user = get_session().get(User, _principal().id)
    return user


def _principal():
    """Who is asking: id, username, role, can_review() (see annotator.hotpath.Principal)."""
    principal = g.get("api_principal")
    if principal is None:
        principal = hotpath.principal_for_token(get_session(), g.get("api_token") or "")
        _set_principal(principal)
    return principal


def _set_principal(principal) -> None:
    if principal is None:
        raise ApiError(*_BAD_TOKEN)
    g.api_principal = principal


def _light(with_token, plain):
    """(principal, what was looked up): with a token not yet checked, one query for both
    (`with_token(session, token)`), else `plain(session, principal)`."""
    if g.get("api_principal") is None and g.get("api_token"):
        principal, found = with_token(get_session(), g.api_token)
        _set_principal(principal)
    else:
        found = plain(get_session(), _principal())
    return _principal(), found


def _allowed(project, user, purpose: str) -> None:
    if not project.allows(user, purpose):
        raise ApiError(403, "forbidden", "Your role or membership does not allow this.")


def checked(principal, found, missing: str, purpose: str):
    """What a request names (a project row, or (project row, sentence row)) once the rules
    pass: 401 without a principal, 404 with `missing` when not found, 403 when not allowed."""
    if principal is None:
        raise ApiError(*_BAD_TOKEN)
    if found is None:
        raise ApiError(404, "not_found", missing)
    _allowed(found[0] if isinstance(found, tuple) else found, principal, purpose)
    return found


def _project_row(slug: str, purpose: str):
    """Like _project, as a light row (annotator.hotpath.ProjectRow) for the annotate loop."""
    user, project = _light(lambda s, token: hotpath.principal_and_project(s, token, slug),
                           lambda s, who: hotpath.project_for(s, slug, who))
    return checked(user, project, f"No project {slug!r}.", purpose)


def _sentence_row(sentence_id: int, purpose: str = "annotate"):
    """Like _sentence, as light rows (project, sentence), in one query."""
    user, found = _light(lambda s, token: hotpath.principal_and_sentence(s, token, sentence_id),
                         lambda s, who: hotpath.sentence_for(s, sentence_id, who))
    return checked(user, found, f"No sentence {sentence_id}.", purpose)


@lru_cache(maxsize=64)
def _matcher(lexicon_json: str | None):
    """The hint matcher of a project's stored lexicon (its JSON text is the cache key)."""
    lexicon = json.loads(lexicon_json) if lexicon_json else None
    return matcher_for(SimpleNamespace(lexicon=lexicon))


def _project(slug: str, purpose: str):
    project = projects.by_slug(get_session(), slug)
    if project is None:
        raise ApiError(404, "not_found", f"No project {slug!r}.")
    user = _user()
    ok = {"annotate": projects.can_annotate, "see": projects.can_see,
          "review": lambda p, u: u.can_review(), "admin": lambda p, u: u.role == "admin"}[purpose]
    if not ok(project, user):
        raise ApiError(403, "forbidden", "Your role or membership does not allow this.")
    return project


def _body() -> dict:
    data = None
    if request.is_json:  # parsed as every JSON input is (ingest.json_loads: the same refusals)
        try:
            data = ingest.json_loads(request.get_data(cache=True))
        except ValueError:
            data = None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return data


def _sentence(sentence_id: int, purpose: str = "annotate"):
    session = get_session()
    sentence = session.get(Sentence, sentence_id)
    if sentence is None:
        raise ApiError(404, "not_found", f"No sentence {sentence_id}.")
    from ..models import Project

    project = session.get(Project, sentence.project_id)
    _project(project.slug, purpose)
    return project, sentence


@bp.get("/")
def index():
    return jsonify({"version": 1, "openapi": url_for("api.openapi")})


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)


@bp.get("/projects")
def list_projects():
    session, user = get_session(), _user()
    return jsonify({"projects": [_project_json(p, user) for p in projects.visible_projects(session, user)]})


def _admin():
    if _user().role != "admin":
        raise ApiError(403, "forbidden", "Only admins may do this.")


@bp.post("/projects")
def create_project():
    """Create a project (admins): {"slug", "name"?, "overlap"?, "guidelines"?, "labels"?,
    "members"?: [usernames], "settings"?}."""
    _admin()
    data, session = _body(), get_session()
    names = data.get("members") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(400, "invalid_project", "members: a list of usernames")
    members = [users.by_name(session, n) for n in names]
    if None in members:
        missing = [n for n, m in zip(names, members) if m is None]
        raise ApiError(400, "invalid_project", f"members: no user {', '.join(missing)}")
    if not isinstance(data.get("name", ""), (str, type(None))) or \
            not isinstance(data.get("guidelines", ""), (str, type(None))):
        raise ApiError(400, "invalid_project", "name and guidelines: strings")
    try:
        p = projects.create_project(
            session, data.get("slug", ""), data.get("name"), overlap=data.get("overlap", 2),
            guidelines=data.get("guidelines") or "", labels=data.get("labels"), members=members,
            settings_=data.get("settings") or {})
    except projects.ProjectError as err:
        session.rollback()
        status = 409 if "exists already" in str(err) else 400
        raise ApiError(status, "invalid_project", str(err)) from None
    session.commit()
    return jsonify(_project_json(p, _user())), 201


def _project_json(p, user) -> dict:
    return {"slug": p.slug, "name": p.name, "overlap": p.overlap, "labels": p.labels,
            "can_annotate": projects.can_annotate(p, user)}


@bp.post("/users")
def create_user():
    """Create a user (admins): {"username", "role"?, "password"?}; a token for them comes with it
    when "token": true, so a script can act as that user at once."""
    _admin()
    data, session = _body(), get_session()
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise ApiError(400, "invalid_user", "password: a string")
    try:
        u = users.create_user(session, str(data.get("username", "")), str(data.get("role", "annotator")),
                              password)
    except users.AccountError as err:
        session.rollback()
        status = 409 if "exists already" in str(err) else 400
        raise ApiError(status, "invalid_user", str(err)) from None
    body = {"username": u.username, "role": u.role, "can_sign_in": u.password_hash is not None}
    if data.get("token") is True:
        _, body["token"] = users.create_token(session, u, "created by API")
    session.commit()
    return jsonify(body), 201


@bp.get("/projects/<slug>/next")
def next_sentence(slug: str):
    session = get_session()
    project = _project_row(slug, "annotate")
    user = _principal()
    ahead = request.args.get("ahead", 0, type=int)
    return jsonify(next_body(session, project, user, max(0, min(ahead, MAX_AHEAD))))


def next_body(session, project, user, ahead: int = 0) -> dict:
    """`next`'s answer; it commits. (Also answered by fastpath, without Flask.)"""
    # One transaction: the leases, then what is shown, committed together.
    known = getattr(project, "leases", None) if ahead == 0 else None  # read with the token
    read: dict = {}  # view rows that came with a lease (PostgreSQL)
    picked = assign.lease_next(session, project, user, 1 + ahead, commit=False, leases=known,
                               read=read)
    matcher = _matcher(project.lexicon_json) if projects.settings(project)["hints"] else None
    views = hotpath.views(session, picked, matcher, read)
    body = {"sentence": views[0] if views else None,
            "progress": assign.progress(session, project, user, max_age=PROGRESS_MAX_AGE,
                                        done=project.done)}
    session.commit()
    if ahead:
        body["upcoming"] = views[1:]
    return body


@bp.route("/sentences/<int:sentence_id>/annotation", methods=["GET", "PUT", "DELETE"])
def annotation(sentence_id: int):
    session = get_session()
    project, sentence = _sentence_row(sentence_id)
    user = _principal()
    if request.method == "GET":
        mine = sent.own_annotation(session, sentence, user)
        if mine is None:
            raise ApiError(404, "not_found", "You have not labelled this sentence.")
        return jsonify(_annotation_json(mine))
    if request.method == "DELETE":
        removed = writes.remove(session, project, sentence, user)
        if removed and g.get("api_token"):
            hotpath.forget_done(g.api_token, project.slug)  # `done` drops at once, not in 5 s
        return jsonify({"deleted": removed})
    body, status = label_body(session, project, sentence, user, _body())
    return jsonify(body), status


def label_body(session, project, sentence, user, data: dict,
               only_new: bool = False) -> tuple[dict, int] | None:
    """PUT annotation's answer and status; it commits. (Also answered by fastpath, which
    first tries only_new: see writes.save; None when the label was there already.)"""
    try:
        saved = writes.save(session, project, sentence, user, LabelInput(
            label=data.get("label"), spans=data.get("spans"), comment=data.get("comment"),
            seconds=data.get("seconds"), hints_shown=data.get("hints_shown")), only_new)
    except AnnotationError as err:
        status = 409 if err.code in ("not_queued", "conflict") else 400
        raise ApiError(status, err.code, str(err)) from None
    if saved is None:
        return None
    ann, outcome = saved
    body = _annotation_json(ann)
    body["outcome"] = outcome
    feedback = control_feedback(session, project, sentence)
    if feedback:
        body["feedback"] = feedback
    return body, 201 if outcome == "created" else 200


def control_feedback(session, project, sentence) -> dict | None:
    """The known answer of a control item, where the project shows it (training rounds)."""
    if not projects.settings(project)["control_feedback"]:
        return None
    item = quality.control_for(session, sentence.id)
    if item is None:
        return None
    return {"label": item.label, "explanation": item.explanation}


@bp.get("/projects/<slug>/progress")
def annotator_progress(slug: str):
    project = _project(slug, "review")
    return jsonify({"annotators": quality.annotator_progress(get_session(), project)})


@bp.post("/sentences/<int:sentence_id>/skip")
def skip(sentence_id: int):
    project, sentence = _sentence_row(sentence_id)  # before _principal(): one query for both
    writes.skip(get_session(), project, sentence, _principal())
    return jsonify({"skipped": sentence.id})


def _annotation_json(ann) -> dict:
    return {"sentence_id": ann.sentence_id, "label": ann.label, "spans": ann.spans or [],
            "comment": ann.comment, "seconds": ann.seconds,
            "created_at": export._ts(ann.created_at), "updated_at": export._ts(ann.updated_at)}


@bp.get("/projects/<slug>/export")
def export_project(slug: str):
    project = _project(slug, "review")
    kind = request.args.get("kind", "annotations")
    if kind not in export.KINDS:
        raise ApiError(400, "invalid_kind", f"kind: one of {', '.join(export.KINDS)}")
    return jsonl_download(project, kind)


@bp.post("/projects/<slug>/articles")
def import_articles(slug: str):
    project = _project(slug, "admin")
    raw = request.get_data(cache=False)
    name = "request.jsonl"
    try:
        text = ingest.decode(name, raw)
        stripped = text.strip()
        if stripped.startswith("{") and "\n" not in stripped:
            obj = ingest.json_loads(stripped)
            items = ingest.parse_jsonl(name, json.dumps(obj, ensure_ascii=False))
        else:
            items = ingest.parse_jsonl(name, text)
    except ingest.IngestError as err:
        raise ApiError(400, "invalid_article", str(err)) from None
    except ValueError as err:
        raise ApiError(400, "invalid_json", f"{name}: {err}") from None
    report = add_articles(get_session(), project, items, name)
    assign.forget_totals(project.id)
    return jsonify({"added": report.added, "skipped": report.skipped,
                    "sentences": report.sentences}), 201 if report.added else 200


@bp.get("/projects/<slug>/stats")
def stats(slug: str):
    from ..stats import project_stats

    project = _project(slug, "review")
    try:
        return jsonify(project_stats(get_session(), project, **stats_filters()))
    except ValueError as err:
        raise ApiError(400, "invalid_filter", str(err)) from None

