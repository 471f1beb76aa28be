"""HTTP JSON API v1: bearer tokens (or the browser session, with CSRF), JSON errors."""
from __future__ import annotations

import json

from flask import Blueprint, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .. import assign, export, ingest, projects, quality, users, writes
from .. import sentences as sent
from ..writes import AnnotationError, LabelInput
from ..articles import add_articles
from ..models import Sentence
from .common import get_session, jsonl_download
from .hints import matcher_for
from .openapi import SPEC
from .setup import csrf, error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_AHEAD = 10


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    return error_response(err.status, err.code, err.message)


@bp.before_request
def authenticate():
    if request.endpoint in ("api.openapi", "api.index"):
        return None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "Authorization must be 'Bearer TOKEN'.")
        user = users.user_for_token(get_session(), token.strip())
        if user is None:
            raise ApiError(401, "unauthorized", "The token is unknown or revoked.")
        g.api_user = user
        return None
    if current_user.is_authenticated:
        # A browser session: state changes need the CSRF token like any form.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                csrf.protect()
            except CSRFError as err:
                raise ApiError(400, "csrf_failed", err.description) from None
        g.api_user = current_user._get_current_object()
        return None
    raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer TOKEN' or sign in.")


def _user():
    return g.api_user


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
    data = request.get_json(silent=True)
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
    body = {"username": u.username, "role": u.role, "can_sign_in": password is not None}
    if data.get("token") is True:
        _, body["token"] = users.create_token(session, u, "created by API")
    session.commit()
    return jsonify(body), 201


@bp.get("/projects/<slug>/next")
def next_sentence(slug: str):
    session, user = get_session(), _user()
    project = _project(slug, "annotate")
    ahead = request.args.get("ahead", 0, type=int)
    ahead = max(0, min(ahead, MAX_AHEAD))
    found = assign.next_sentences(session, project, user, 1 + ahead)
    matcher = matcher_for(project) if projects.settings(project)["hints"] else None
    views = [sent.view(session, project, s, matcher) for s in found]
    body = {"sentence": views[0] if views else None,
            "progress": assign.progress(session, project, user)}
    if ahead:
        body["upcoming"] = views[1:]
    return jsonify(body)


@bp.route("/sentences/<int:sentence_id>/annotation", methods=["GET", "PUT", "DELETE"])
def annotation(sentence_id: int):
    session, user = get_session(), _user()
    project, sentence = _sentence(sentence_id)
    if request.method == "GET":
        mine = sent.own_annotation(session, sentence, user)
        if mine is None:
            raise ApiError(404, "not_found", "You have not labelled this sentence.")
        return jsonify(_annotation_json(mine))
    if request.method == "DELETE":
        removed = writes.remove(session, project, sentence, user)
        return jsonify({"deleted": removed})
    data = _body()
    try:
        ann, outcome = writes.save(session, project, sentence, user, LabelInput(
            label=data.get("label"), spans=data.get("spans"), comment=data.get("comment"),
            seconds=data.get("seconds"), hints_shown=data.get("hints_shown")))
    except AnnotationError as err:
        status = 409 if err.code in ("not_queued", "conflict") else 400
        raise ApiError(status, err.code, str(err)) from None
    body = _annotation_json(ann)
    body["outcome"] = outcome
    feedback = control_feedback(session, project, sentence)
    if feedback:
        body["feedback"] = feedback
    return jsonify(body), 201 if outcome == "created" else 200


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
    project, sentence = _sentence(sentence_id)
    writes.skip(get_session(), project, sentence, _user())
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
            obj = json.loads(stripped)
            items = ingest.parse_jsonl(name, json.dumps(obj, ensure_ascii=False))
        else:
            items = ingest.parse_jsonl(name, text)
    except ingest.IngestError as err:
        raise ApiError(400, "invalid_article", str(err)) from None
    except ValueError as err:
        raise ApiError(400, "invalid_json", f"{name}: {err}") from None
    report = add_articles(get_session(), project, items, name)
    return jsonify({"added": report.added, "skipped": report.skipped,
                    "sentences": report.sentences}), 201 if report.added else 200


@bp.get("/projects/<slug>/stats")
def stats(slug: str):
    from ..stats import project_stats

    project = _project(slug, "review")
    try:
        return jsonify(project_stats(get_session(), project, **_stats_filters()))
    except ValueError as err:
        raise ApiError(400, "invalid_filter", str(err)) from None


def _stats_filters() -> dict:
    args = request.args
    out = {}
    if args.get("article"):
        out["article_ids"] = [int(x) for x in args.getlist("article") if x.isdigit()]
    if args.get("annotator"):
        out["annotators"] = args.getlist("annotator")
    if args.get("since"):
        out["since"] = args["since"]
    if args.get("until"):
        out["until"] = args["until"]
    return out
