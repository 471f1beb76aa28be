"""Annotators' pages: their projects, the annotate page (with and without JavaScript), guidelines."""
from __future__ import annotations

import time

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import assign, ingest, projects, writes
from .. import sentences as sent
from ..writes import AnnotationError, LabelInput
from ..models import Sentence
from ..rendering import render_markdown
from .common import get_session, int_arg, project_for
from .hints import matcher_for

bp = Blueprint("annotate", __name__)


@bp.get("/")
@login_required
def index():
    session = get_session()
    rows = []
    for p in projects.visible_projects(session, current_user):
        mine = assign.progress(session, p, current_user) if projects.can_annotate(p, current_user) else None
        rows.append((p, mine))
    return render_template("index.html", rows=rows)


def _shown(sentence: Sentence) -> bool:
    return sentence.kind == "body"


@bp.route("/projects/<slug>/annotate", methods=["GET", "POST"])
@login_required
def annotate(slug: str):
    session = get_session()
    project = project_for(slug, current_user, "annotate")
    if request.method == "POST":
        return _submit(session, project)
    sentence, mine = None, None
    wanted = int_arg(request.args.get("sentence"))
    if wanted is not None:
        # Going back: only to a sentence the user labelled or holds.
        sentence = session.get(Sentence, wanted)
        if sentence is None or sentence.project_id != project.id:
            abort(404, "No such sentence in this project.")
        mine = sent.own_annotation(session, sentence, current_user)
        if mine is None and wanted not in assign.held(session, project, current_user):
            abort(403, "That sentence is not yours to label.")
    else:
        sentence = assign.next_sentence(session, project, current_user)
    progress = assign.progress(session, project, current_user)
    if sentence is None:
        return render_template("done.html", project=project, progress=progress,
                               back=sent.previous(session, project, current_user, None))
    cfg = projects.settings(project)
    matcher = matcher_for(project) if cfg["hints"] else None
    view = sent.view(session, project, sentence, matcher)
    return render_template(
        "annotate.html", project=project, s=view, mine=mine, progress=progress,
        pieces=sent.mark(view["text"], view["hints"]),
        back=sent.previous(session, project, current_user, mine),
        shown_at=int(time.time() * 1000), settings=cfg)


def _submit(session, project):
    form = request.form
    sentence = session.get(Sentence, int_arg(form.get("sentence_id"), -1))
    if sentence is None or sentence.project_id != project.id:
        abort(404, "No such sentence in this project.")
    target = url_for("annotate.annotate", slug=project.slug)
    if form.get("action") == "skip":
        writes.skip(session, project, sentence, current_user)
        return redirect(target)
    shown_at = form.get("shown_at", type=int)
    seconds = None
    if shown_at:
        seconds = max(0.0, min(time.time() - shown_at / 1000, 3600.0))
    cfg = projects.settings(project)
    label = form.get("label", "")
    # Without JavaScript spans cannot be marked, but a relabel keeps the ones stored before
    # (the page carries them in a hidden field), unless the new label takes no spans.
    spans = None
    if form.get("spans"):
        try:
            spans = ingest.json_loads(form["spans"])
        except ValueError:
            abort(400, "spans: not valid JSON")
    if cfg["spans"].get(label, "optional") == "off":
        spans = None
    try:
        writes.save(session, project, sentence, current_user, LabelInput(
            label=label, spans=spans, comment=form.get("comment") or None, seconds=seconds,
            hints_shown=[h["term"] for h in matcher_for(project).hints(sentence.text)]
            if cfg["hints"] else None))
    except AnnotationError as err:
        if err.code == "invalid_spans" and not spans:
            flash(f"{err}; marking evidence spans needs JavaScript.", "error")
            return redirect(url_for("annotate.annotate", slug=project.slug, sentence=sentence.id))
        abort(400, str(err))
    from .api import control_feedback

    feedback = control_feedback(session, project, sentence)
    if feedback:
        flash(f"Known answer for the last sentence: {feedback['label']}. {feedback['explanation']}",
              "info")
    return redirect(target)


@bp.get("/account/session")
def session_state():
    """Who is signed in, with a fresh CSRF token: an annotate page whose session expired uses it
    to send the labels it kept once its user has signed in again (in this tab or another)."""
    if current_user.is_authenticated:
        resp = jsonify({"username": current_user.username, "csrf_token": generate_csrf()})
    else:
        resp = jsonify({"error": {"code": "unauthorized", "message": "Not signed in."}})
        resp.status_code = 401
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/projects/<slug>/guidelines")
@login_required
def guidelines(slug: str):
    project = project_for(slug, current_user, "see")
    return render_template("guidelines.html", project=project,
                           body=Markup(render_markdown(project.guidelines or "")))
