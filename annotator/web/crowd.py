"""Crowd studies on the web: the entry URL (/crowd/SLUG/prolific|mturk, consent first), the
participant's finish page with the completion code, and the admins' participants page with
its CSV. The rules are annotator/crowd.py's."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from .. import crowd, projects
from ..guidelines import render_markdown
from ..timestamps import iso_utc
from .forms import PostForm
from ..bidi import lang_dir
from .i18n import reader_languages
from .view_helpers import get_session, page, project_for

bp = Blueprint("crowd", __name__)
CSV_FIELDS = ("platform", "participant", "study", "session", "status", "items", "seconds",
              "controls", "control_accuracy", "started_at", "finished_at", "code")


def _study(slug: str):
    project = projects.by_slug(get_session(), slug)
    if project is None or not crowd.study(project).enabled:
        abort(404, f"No crowd study {slug!r}.")
    return project


def _guidelines(project) -> dict:
    """The instructions in the participant's language where the project has them."""
    lang, text = projects.guidelines_for(project, reader_languages())
    return {"guidelines": text, "guidelines_lang": lang,
            "guidelines_dir": lang_dir(lang)}


@bp.route("/crowd/<slug>/<platform>", methods=["GET", "POST"])
def entry(slug: str, platform: str):
    """Consent and instructions first; agreeing enters (or resumes) the participant."""
    session = get_session()
    project = _study(slug)
    if platform not in crowd.PLATFORMS:
        abort(404, f"platform: one of {', '.join(crowd.PLATFORMS)}")
    ids = {name: request.args.get(name, "") for name in crowd.PLATFORMS[platform]}
    cfg = crowd.study(project)
    data = {"project": {"slug": project.slug, "name": project.name}, "platform": platform,
            "ids": ids, "quota": cfg.quota, "minutes": cfg.minutes,
            **_guidelines(project)}
    form = PostForm()
    if form.validate_on_submit():
        try:
            part = crowd.enter(session, project, platform, ids)
        except crowd.CrowdError as err:
            session.rollback()
            abort(400, err.message)
        user = session.get(crowd.User, part.user_id)
        cookie_session.clear()  # nothing of a previous user's session carries over
        login_user(user)
        return redirect(url_for("annotate.annotate", slug=project.slug))
    return page("crowd/consent.html", data, 400 if form.errors else 200, form=form,
                instructions=Markup(render_markdown(data["guidelines"])))


@bp.route("/crowd/<slug>/finish", methods=["GET", "POST"])
@login_required
def finish(slug: str):
    """Where the participant stands; posting completes and gives the code (and the link back)."""
    session = get_session()
    project = project_for(slug, current_user)
    part = crowd.of_user(session, current_user)
    if part is None or part.project_id != project.id:
        abort(404, _("You are not a participant of this study."))
    form = PostForm()
    error = None
    if form.validate_on_submit():
        try:
            crowd.complete(session, project, part)
        except crowd.CrowdError as err:
            session.rollback()
            error = err.message
    state = crowd.state(session, project, part)
    code = part.code if part.status in ("completed", "returned") else None
    data = {"project": {"slug": project.slug, "name": project.name}, "state": state,
            "warned": crowd.study(project).fail_policy == "warn" and crowd.warned(session, project, part),
            "code": code, "redirect": crowd.redirect_url(project, code) if code else None,
            "deadline": iso_utc(part.deadline), "error": error}
    return page("crowd/finish.html", data, 400 if error else 200, form=form)


@bp.route("/admin/projects/<slug>/participants")
@login_required
def participants(slug: str):
    """The admins' list of participants (time, items, control accuracy, status) and its CSV."""
    project = project_for(slug, current_user, "admin")
    rows = [{**r, "started_at": iso_utc(r["started_at"]), "finished_at": iso_utc(r["finished_at"])}
            for r in crowd.participants(get_session(), project)]
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename={project.slug}-participants.csv"})
    base = request.url_root.rstrip("/")
    entry_urls = {
        "prolific": base + url_for("crowd.entry", slug=project.slug, platform="prolific")
        + "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}",
        "mturk": base + url_for("crowd.entry", slug=project.slug, platform="mturk")}
    return page("admin/participants.html", {
        "project": {"slug": project.slug, "name": project.name},
        "enabled": crowd.study(project).enabled, "entry_urls": entry_urls,
        "participants": rows})
