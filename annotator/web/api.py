"""HTTP JSON API v1: bearer tokens (or the browser session, with CSRF), JSON errors."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .. import account_links, controls, deletion, events, export, ingest, jobs, loop, progress, projects, users
from ..access import Refused, allowed, require
from ..hints.lexicon import validate_lexicon
from ..articles import add_articles
from ..labelling import CONFLICTS, AnnotationError
from ..model import schedule, store as model_store
from ..models import Article, Project, User
from ..unit_repair import Repair, RepairError, merge_units, split_unit
from ..review import adjudication
from ..review.adjudication import AdjudicationError
from ..review.stats import project_stats
from .view_helpers import (event_filters, export_args, export_download, get_session, hand_over, queue_args,
                           stats_filters)
from .errors import error_response
from .extensions import csrf, locks_own_writes
from .openapi import SPEC

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    return error_response(err.status, err.code, err.message)


@bp.errorhandler(Refused)
def refused(err: Refused):
    return error_response(404 if err.code == "not_found" else 403, err.code, err.message)


@bp.errorhandler(RepairError)
def not_repaired(err: RepairError):
    return error_response(400, "invalid_repair", str(err))


@bp.errorhandler(AdjudicationError)
def not_adjudicated(err: AdjudicationError):
    status = {"not_found": 404, "not_queued": 409, "conflict": 409}.get(err.code, 400)
    return error_response(status, err.code, str(err))


@bp.errorhandler(AnnotationError)
def not_stored(err: AnnotationError):
    return error_response(409 if err.code in CONFLICTS else 400, err.code, str(err))




@bp.before_request
def authenticate():
    # g can outlive a request (an app context shared by tests): never inherit a user.
    g.pop("api_user", None)
    if request.endpoint in ("api.openapi", "api.index"):
        return None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "Authorization must be 'Bearer TOKEN'.")
        g.api_user = users.by_token(get_session(), token.strip())
        if g.api_user is None:
            raise ApiError(401, "unauthorized", "The token is unknown or revoked.")
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


def _project(slug: str, action: str) -> Project:
    """The project (an ORM object) if the user may `action` there; 404/403 otherwise."""
    session = get_session()
    require(_user(), action, projects.ref_by_slug(session, slug, _user()), f"No project {slug!r}.")
    return projects.by_slug(session, slug)


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
    if not allowed(_user(), "admin"):
        raise ApiError(403, "forbidden", "Only admins may do this.")


@bp.post("/projects")
def create_project():
    """Create a project (admins): {"slug", "name"?, "overlap"?, "guidelines"?, "labels"?,
    "members"?: [usernames], "settings"?, "template"?: default|babe|parc}."""
    _admin()
    data, session = _body(), get_session()
    names = data.get("members") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(400, "invalid_project", "members: a list of usernames")
    members = [users.by_name(session, n) for n in names]
    if None in members:
        missing = [n for n, m in zip(names, members) if m is None]
        raise ApiError(400, "invalid_project", f"members: no user {', '.join(missing)}")
    if not all(isinstance(data.get(k, ""), (str, type(None))) for k in ("name", "guidelines", "template")):
        raise ApiError(400, "invalid_project", "name, guidelines and template: strings")
    try:
        p = projects.create_project(
            session, data.get("slug", ""), data.get("name"), overlap=data.get("overlap", 2),
            guidelines=data.get("guidelines") or "", labels=data.get("labels"), members=members,
            settings_=data.get("settings") or {}, template=data.get("template"))
    except projects.ProjectError as err:
        session.rollback()
        status = 409 if "exists already" in str(err) else 400
        raise ApiError(status, "invalid_project", str(err)) from None
    session.commit()
    return jsonify(_project_json(p, _user())), 201


def _project_json(p, user) -> dict:
    return {"slug": p.slug, "name": p.name, "overlap": p.overlap, "labels": p.labels,
            "can_annotate": allowed(user, "annotate", p)}


# ------------------------------------------------- versioned updates (issue 20 item 2): ETag / If-Match

def _etag(version: int) -> str:
    return f'"v{version}"'


def _if_match() -> str:
    """The version an update was made from: its If-Match header ("v12" or v12). Required, so
    that no script can overwrite a change it never saw (428 without one)."""
    given = request.headers.get("If-Match", "").strip()
    if not given:
        raise ApiError(428, "version_required", 'If-Match: the ETag of the GET this update was '
                                                'made from, e.g. If-Match: "v12"')
    return given.removeprefix("W/").strip('"').removeprefix("v")


def _stale(err: events.StaleVersion):
    resp = jsonify({"error": {"code": "version_conflict", "message": str(err)},
                    "version": err.version, "changes": err.changes})
    resp.headers["ETag"] = _etag(err.version)
    return resp, 409


@bp.get("/projects/<slug>")
def project_settings(slug: str):
    """A project as an admin edits it, with its version as the ETag."""
    _admin()
    session = get_session()
    p = _project(slug, "admin")
    resp = jsonify(projects.state(p))
    resp.headers["ETag"] = _etag(events.version_of(session, events.PROJECT_KINDS, p.id))
    return resp


@bp.patch("/projects/<slug>")
def update_project(slug: str):
    """Change some of name, overlap, labels, settings, guidelines, members (usernames) and
    lexicon; If-Match must carry the current ETag (409 with the changes since otherwise).
    Only fields given and different from what is stored are written."""
    _admin()
    session, data = get_session(), _body()
    p = _project(slug, "admin")
    version = _if_match()
    try:
        if data.get("lexicon") is not None:
            data["lexicon"] = validate_lexicon(data["lexicon"])
        written = schedule.edit_project(session, p, data, version)  # commits
    except events.StaleVersion as err:
        session.rollback()
        return _stale(err)
    except ValueError as err:  # ProjectError and the lexicon's refusals
        session.rollback()
        raise ApiError(400, "invalid_project", str(err)) from None
    resp = jsonify({**projects.state(p), "written": written})
    resp.headers["ETag"] = _etag(events.version_of(session, events.PROJECT_KINDS, p.id))
    return resp


@bp.get("/users/<int:user_id>")
def user_account(user_id: int):
    _admin()
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        raise ApiError(404, "not_found", "No such user.")
    resp = jsonify({"id": u.id, **events.user_state(u)})
    resp.headers["ETag"] = _etag(events.version_of(session, ("user",), u.id))
    return resp


@bp.patch("/users/<int:user_id>")
def update_user(user_id: int):
    """Change a user's role and/or active flag; If-Match as for projects."""
    _admin()
    session, data = get_session(), _body()
    u = session.get(User, user_id)
    if u is None:
        raise ApiError(404, "not_found", "No such user.")
    version = _if_match()
    role, active = data.get("role", u.role), data.get("active", u.active)
    if not isinstance(active, bool) or not isinstance(role, str):
        raise ApiError(400, "invalid_user", "role: a string; active: true or false")
    try:
        u = users.change_account(session, u.id, _user(), role, active, version=version)
    except events.StaleVersion as err:
        session.rollback()
        return _stale(err)
    except users.AccountError as err:
        session.rollback()
        raise ApiError(400, "invalid_user", str(err)) from None
    session.commit()
    resp = jsonify({"id": u.id, **events.user_state(u)})
    resp.headers["ETag"] = _etag(events.version_of(session, ("user",), u.id))
    return resp


@bp.get("/events")
def list_events():
    """The event log, newest first (admins): ?project=SLUG&actor=NAME&kind=K&since=&until=
    (ISO dates) and ?before=ID for the next page (the answer's "next")."""
    _admin()
    filters, before, limit = event_filters(get_session())
    rows, nxt = events.listing(get_session(), filters, before, limit)
    return jsonify({"events": rows, "next": nxt})


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


@bp.post("/invites")
def create_invites():
    """Invite links (admins): {"people": [username or e-mail, ...] (or one a line),
    "role"?, "projects"?: [slugs], "days"?}; all or none. Each link is in this answer only."""
    _admin()
    data, session = _body(), get_session()
    people, slugs = data.get("people"), data.get("projects") or []
    if not (isinstance(people, str) or isinstance(people, list)
            and all(isinstance(p, str) for p in people)):
        raise ApiError(400, "invalid_invite", "people: a list of usernames or e-mail addresses")
    if not isinstance(slugs, list) or not all(isinstance(p, str) for p in slugs):
        raise ApiError(400, "invalid_invite", "projects: a list of project slugs")
    try:
        made = account_links.create_invites(
            session, people, data.get("role", "annotator"), slugs,
            days=data.get("days", int(current_app.config["INVITE_DAYS"])), created_by=_user())
    except account_links.LinkError as err:
        session.rollback()
        raise ApiError(400, "invalid_invite", str(err)) from None
    session.commit()
    return jsonify({"invites": [hand_over(new, slugs) for new in made]}), 201


@bp.get("/projects/<slug>/next")
def next_sentence(slug: str):
    session, user = get_session(), _user()
    project = loop.project_for(session, slug, user)
    return jsonify(loop.next_batch(session, project, user, request.args.get("ahead", 0, type=int)))


@bp.get("/projects/<slug>/articles/<int:article_id>")
def article_text(slug: str, article_id: int):
    """The whole article as the annotate page's article view shows it, with your labels."""
    session, user = get_session(), _user()
    project = loop.project_for(session, slug, user)
    return jsonify(loop.article(session, project, user, article_id))


@bp.route("/sentences/<int:sentence_id>/annotation", methods=["GET", "PUT", "DELETE"])
@locks_own_writes
def annotation(sentence_id: int):
    session, user = get_session(), _user()
    project, sentence = loop.sentence_for(session, sentence_id, user)
    if request.method == "GET":
        mine = loop.own_label(session, sentence, user)
        if mine is None:
            raise ApiError(404, "not_found", "You have not labelled this sentence.")
        return jsonify(mine)
    if request.method == "DELETE":
        return jsonify({"deleted": loop.unlabel(session, project, sentence, user)})
    body, created = loop.label(session, project, sentence, user, _body())
    return jsonify(body), 201 if created else 200


@bp.get("/projects/<slug>/disagreements")
def disagreements(slug: str):
    """The disagreement queue with the page's filters; `seen=1,2` leaves out ids a client
    holds already (its look-ahead)."""
    project = _project(slug, "review")
    return jsonify(adjudication.disagreements(get_session(), project, **queue_args(project)))


@bp.route("/sentences/<int:sentence_id>/gold", methods=["GET", "PUT", "DELETE"])
@locks_own_writes
def gold(sentence_id: int):
    """A reviewer's gold label: PUT {"label", "note"?} (idempotent; a multi-label project's
    gold set: {"labels": [...]}), DELETE (kept in history)."""
    session, user = get_session(), _user()
    project, sentence = adjudication.sentence_for_review(session, sentence_id, user)
    if request.method == "GET":
        found = adjudication.gold_of(session, sentence)
        if found is None:
            raise ApiError(404, "not_found", "This sentence has no gold label.")
        return jsonify({"sentence_id": sentence.id, **found})
    if request.method == "DELETE":
        return jsonify({"deleted": adjudication.clear_gold(session, project, sentence, user)})
    data = _body()
    adj, outcome = adjudication.set_gold(session, project, sentence, user, data.get("label"),
                                         data.get("note"), labels=data.get("labels"))
    body = {"sentence_id": sentence.id, "label": adj.label, "labels": adj.labels or [adj.label],
            "note": adj.note, "reviewer": user.username, "outcome": outcome}
    return jsonify(body), 201 if outcome == "created" else 200


@bp.get("/projects/<slug>/progress")
def annotator_progress(slug: str):
    project = _project(slug, "review")
    return jsonify(controls.annotator_progress(get_session(), project))


@bp.post("/sentences/<int:sentence_id>/skip")
@locks_own_writes
def skip(sentence_id: int):
    session, user = get_session(), _user()
    project, sentence = loop.sentence_for(session, sentence_id, user)
    unlabelled = loop.skip(session, project, sentence, user)
    return jsonify({"skipped": sentence.id, "unlabelled": unlabelled})


@bp.get("/projects/<slug>/export")
def export_project(slug: str):
    project = _project(slug, "review")
    kind, fmt, bom = export_args()
    try:
        reason = export.empty_reason(get_session(), project, kind)
    except export.ExportRefused as err:
        raise ApiError(409, "kind_not_applicable", str(err)) from None
    return export_download(project, kind, fmt, bom, reason)


@bp.post("/projects/<slug>/articles")
def import_articles(slug: str):
    project = _project(slug, "admin")
    raw = request.get_data(cache=False)
    name = _TABLES.get(request.mimetype, "request.jsonl")
    try:
        if name != "request.jsonl":  # CSV or TSV: articles or pre-split sentences
            items = ingest.parse_file(name, raw)
            return _imported(project, items, name)
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
    return _imported(project, items, name)


_TABLES = {"text/csv": "request.csv", "text/tab-separated-values": "request.tsv"}


def _imported(project, items, name: str):
    report = add_articles(get_session(), project, items, name)
    progress.forget(project.id)
    return jsonify({"added": report.added, "skipped": report.skipped,
                    "sentences": report.sentences}), 201 if report.added else 200


@bp.get("/projects/<slug>/stats")
def stats(slug: str):
    project = _project(slug, "review")
    try:
        return jsonify(project_stats(get_session(), project, **stats_filters()))
    except ValueError as err:
        raise ApiError(400, "invalid_filter", str(err)) from None



@bp.post("/articles/<int:article_id>/units/merge")
def merge(article_id: int):
    """Merge two adjacent units (admins): {"first": sentence id, "second": sentence id}."""
    data = _body()
    done = merge_units(get_session(), _user(), _article(article_id), data.get("first"), data.get("second"))
    return jsonify(_repair_json(done))


@bp.post("/articles/<int:article_id>/units/split")
def split(article_id: int):
    """Split a unit (admins): {"sentence": sentence id, "at": character of its text}."""
    data = _body()
    done = split_unit(get_session(), _user(), _article(article_id), data.get("sentence"), data.get("at"))
    return jsonify(_repair_json(done))


def _article(article_id: int) -> Article:
    art = get_session().get(Article, article_id)
    if art is None:
        raise ApiError(404, "not_found", f"No article {article_id}.")
    return art


def _repair_json(done: Repair) -> dict:
    return {"units": [{"id": u.id, "position": u.position, "start": u.start, "end": u.end,
                       "text": u.text, "kind": u.kind, "long": u.long, "n_labels": u.n_labels}
                      for u in done.units],
            "created": done.created, "replaced": done.replaced, "labels_moved": done.labels_moved}


# ------------------------------------------------------------------------- the project model


@bp.get("/projects/<slug>/model")
def model_versions(slug: str):
    """The model's versions and the project's latest training jobs (reviewers and admins)."""
    project = _project(slug, "review")
    session = get_session()
    return jsonify({"versions": model_store.versions(session, project),
                    "jobs": jobs.recent(session, project.id, schedule.TRAIN)})


@bp.post("/projects/<slug>/model")
def train_model(slug: str):
    """Queue a training (admins); answered at once, `annotator worker` trains."""
    project = _project(slug, "admin")
    job, created = schedule.enqueue_training(get_session(), project)
    return jsonify({"job": jobs.as_dict(job), "queued": created}), 202


# --------------------------------------------------- soft deletes and restores (issue 20 item 1)

@bp.delete("/projects/<slug>")
def delete_project(slug: str):
    """Soft-delete a project (admins): hidden everywhere until restored."""
    _admin()
    session = get_session()
    deletion.delete_project(session, _project(slug, "admin"))
    session.commit()
    return jsonify({"deleted": "project", "slug": slug})


@bp.delete("/articles/<int:article_id>")
def delete_article(article_id: int):
    _admin()
    session = get_session()
    try:
        deletion.delete_article(session, _article(article_id))
    except deletion.DeletionError as err:
        session.rollback()
        raise ApiError(409, "deleted_already", str(err)) from None
    session.commit()
    return jsonify({"deleted": "article", "id": article_id})


@bp.delete("/users/<int:user_id>")
def delete_user(user_id: int):
    _admin()
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        raise ApiError(404, "not_found", "No such user.")
    try:
        deletion.delete_user(session, u, _user())
    except deletion.DeletionError as err:
        session.rollback()
        raise ApiError(409, "not_deleted", str(err)) from None
    session.commit()
    return jsonify({"deleted": "user", "id": user_id})


@bp.get("/deleted")
def deleted():
    _admin()
    return jsonify({"deleted": [d.as_dict() for d in deletion.listed(get_session())]})


@bp.post("/deleted/<what>/<int:ident>/restore")
def restore(what: str, ident: int):
    _admin()
    session = get_session()
    try:
        deletion.restore(session, what, ident)
    except deletion.DeletionError as err:
        session.rollback()
        raise ApiError(409, "not_restored", str(err)) from None
    session.commit()
    return jsonify({"restored": what, "id": ident})
