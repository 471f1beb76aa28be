"""Annotators' pages: their projects, the annotate page (with and without JavaScript), guidelines."""
from __future__ import annotations

import math
import time

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import controls, ingest, languages, loop, progress, projects, sentences
from ..access import Refused, allowed
from ..labelling import MAX_RATIONALE, AnnotationError
from ..labels import DEFAULT_SPAN_TYPES, colours as label_colours
from ..guidelines import render_markdown
from ..bidi import lang_dir
from .i18n import reader_languages, script_strings, select_locale, span_type_names
from .page_data import project_summary
from .view_helpers import get_session, int_arg, page, project_for
from .errors import InputError, error_response, wants_json
from .extensions import locks_own_writes

bp = Blueprint("annotate", __name__)


@bp.errorhandler(Refused)
def refused(err: Refused):
    return error_response(404 if err.code == "not_found" else 403, err.code, err.message)


@bp.get("/")
@login_required
def index():
    session = get_session()
    rows = []
    for p in projects.visible_projects(session, current_user):
        mine = progress.of_user(session, p, current_user) \
            if allowed(current_user, "annotate", p) else None
        rows.append({**project_summary(p), "progress": mine})
    return page("index.html", {"projects": rows})


@bp.get("/me")
@login_required
def my_work():
    """The annotator's own page: per project their progress, labels, time spent, and their
    control-item accuracy where the project shows control answers."""
    session, user = get_session(), current_user._get_current_object()
    rows = [{**project_summary(p), **controls.own_work(session, p, user)}
            for p in projects.visible_projects(session, user) if allowed(user, "annotate", p)]
    return page("me.html", {"user": user.username, "projects": rows,
                            "locale": user.locale, "ui_language": select_locale(),
                            "languages": [{"tag": tag, "name": languages.native_name(tag)}
                                          for tag in languages.interface_languages()]})


@bp.route("/projects/<slug>/annotate", methods=["GET", "POST"])
@login_required
@locks_own_writes
def annotate(slug: str):
    """The annotate page: the next sentence, leased to the user (or, with ?sentence=ID, one
    they labelled or hold). Its JSON twin (Accept: application/json) is the same data."""
    session, user = get_session(), current_user._get_current_object()
    project = loop.project_for(session, slug, user)
    if request.method == "POST":
        return _submit(session, project, user)
    return _show(session, project, user, int_arg(request.args.get("sentence")))


def _show(session, project, user, wanted: int | None, draft: dict | None = None, status: int = 200):
    """The page (or its twin) at the user's next sentence, or at sentence `wanted`; `draft`:
    the fields of a form post that could not be saved, shown again to be corrected."""
    if wanted is not None:
        shown = loop.revisit(session, project, user, wanted)
    else:
        shown = loop.next_batch(session, project, user)
        shown["mine"], shown["back"] = None, loop.back_from(session, project, user)
        shown["forward"] = None
    shown["guidelines_news"] = projects.guidelines_news(session, project, user)
    s = shown["sentence"]
    if s is None:
        return page("done.html", shown, project=project)
    # A refused post's sentence is a revisit only if it was labelled before; its time runs
    # on from when it was first shown.
    return page("annotate.html", shown, status, project=project, s=s, draft=draft,
                pieces=sentences.mark(s["text"], s["hints"]),
                context=sentences.context_groups(s["context"], s["article_dir"]),
                colours=label_colours(project.labels),
                shown_at=(draft or {}).get("shown_at") or int(time.time() * 1000),
                settings=projects.settings(project),
                revisiting=wanted is not None and (draft is None or shown["mine"] is not None),
                ui_strings=script_strings(),
                **_span_types(projects.settings(project)["span_types"]))


def _span_types(types: list[dict]) -> dict:
    """The project's span types for the page, by id, each with the name on its button, the
    word its chips use (the interface's own words for the default four, unless renamed) and
    its CSS classes."""
    names, words = span_type_names()
    default = {t["id"]: t["name"] for t in DEFAULT_SPAN_TYPES}
    out = {}
    for t in types:
        own = default.get(t["id"]) != t["name"]
        # the default four keep their own marks (static/css/app.css); others their colour's
        out[t["id"]] = {**t, "name": t["name"] if own else names[t["id"]],
                        "word": t["name"].lower() if own else words[t["id"]],
                        "classes": f"sp-{t['id']}" + ("" if t["id"] in default else f" sp-c{t['colour']}")}
    return {"span_types": out, "custom_span_types": types != DEFAULT_SPAN_TYPES}


# What a person can get wrong in the form without JavaScript (no label ticked, no confidence,
# a rationale missing or not taken): shown on the sentence, not as a bare 400.
SHAPE_MISTAKES = ("invalid_label", "invalid_labels", "invalid_confidence", "invalid_unsure",
                  "invalid_rationale")


def _mistake(err: AnnotationError, project) -> str:
    """A shape mistake in the reader's language, with label names (the API's messages are
    English and name label ids)."""
    conf = projects.settings(project)
    names = ", ".join(next((l["name"] for l in project.labels if l["id"] == i), i) for i in err.labels)
    if err.code in ("invalid_label", "invalid_labels") and err.reason in ("missing", "not_among"):
        return _("Tick one or more labels, then save them.") if conf["task"] == "multi" \
            else _("Choose one of the labels.")
    if err.code == "invalid_confidence" and conf["confidence"]:
        return _("Say how sure you are (1 to %(n)s) with the label.", n=conf["confidence"])
    if err.reason == "required":
        return _("“%(labels)s” needs a rationale in this project: write why, then save.", labels=names)
    if err.reason == "not_taken":
        return _("“%(labels)s” takes no rationale in this project: empty the field, or choose "
                 "another label.", labels=names)
    if err.reason == "too_long":
        return _("The rationale is too long (at most %(n)s characters).", n=MAX_RATIONALE)
    return str(err)  # only a post the page cannot make (duplicate labels, unsure=maybe): the field named


def _draft(form) -> dict:
    """A refused form post's fields, as the page shows a stored label's."""
    raw = form.get("confidence", "")
    labels = form.getlist("labels") or ([form["label"]] if form.get("label") else [])
    seconds = _seconds_since(form.get("shown_at"))
    return {"shown_at": int(time.time() * 1000 - seconds * 1000) if seconds is not None else None,
            "labels": labels, "confidence": int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else None,
            "unsure": form.get("unsure", "").lower() in ("1", "on", "true", "yes"),
            "rationale": form.get("rationale") or "", "comment": form.get("comment") or ""}


def _shape_fields(form) -> dict:
    """The task shapes of a form post (labels, confidence, unsure, rationale), as the API
    body takes them; labelling.validate checks them against the project's settings."""
    out = {}
    if form.getlist("labels"):
        out["labels"] = form.getlist("labels")
    if form.get("confidence"):
        raw = form["confidence"]
        # ASCII digits only: str.isdigit also takes "²", which int() refuses
        out["confidence"] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else raw
    if "unsure" in form:
        # a checkbox's value; anything else goes on as given, for validate to refuse by name
        raw = form.get("unsure", "").lower()
        out["unsure"] = {"1": True, "on": True, "true": True, "yes": True,
                         "0": False, "off": False, "false": False, "no": False, "": False}.get(raw, raw)
    if form.get("rationale") is not None:
        out["rationale"] = form.get("rationale")
    return out


def _refuse(session, project, user, sentence, code: str, message: str):
    """A form post that could not be saved: the sentence again (422) with what was chosen and
    written kept, told why; its JSON twin is the error alone (nothing flashed for later)."""
    if wants_json():
        return error_response(422, code, message)
    flash(_("Not saved: %(error)s", error=message), "error")
    return _show(session, project, user, sentence.id, draft=_draft(request.form), status=422)


def _seconds_since(shown_at: str | None) -> float | None:
    """Seconds since the page was shown (its shown_at, in ms), within an hour; None if the
    field is missing or no sensible time."""
    try:
        ms = float(shown_at or "")
    except ValueError:
        return None
    if not math.isfinite(ms) or ms <= 0:
        return None
    return max(0.0, min(time.time() - ms / 1000, 3600.0))


def _submit(session, project, user):
    """The page without JavaScript: a label, a skip or a removed label, posted as a form."""
    form = request.form
    project_, sentence = loop.sentence_for(session, int_arg(form.get("sentence_id"), -1), user)
    if project_.id != project.id:
        abort(404, _("No such sentence in this project."))
    target = url_for("annotate.annotate", slug=project.slug)
    if form.get("action") == "skip":
        loop.skip(session, project, sentence, user)
        return redirect(target)
    if form.get("action") == "enter":  # Enter in a text field, and no label chosen with it
        return _refuse(session, project, user, sentence, "invalid_label", _("Choose one of the labels."))
    if form.get("action") == "unlabel":  # stay on the sentence, now without a label
        loop.unlabel(session, project, sentence, user)
        return redirect(url_for("annotate.annotate", slug=project.slug, sentence=sentence.id))
    seconds = _seconds_since(form.get("shown_at"))
    label = form.get("label", "")
    # Without JavaScript spans cannot be marked, but a relabel keeps the ones stored before
    # (the page carries them in a hidden field), unless the new label takes no spans.
    spans = None
    if form.get("spans"):
        try:
            spans = ingest.json_loads(form["spans"])
        except ValueError:
            abort(400, "spans: not valid JSON")
    if projects.settings(project)["spans"].get(label, "optional") == "off":
        spans = None
    try:
        body, _lease = loop.label(session, project, sentence, user, {
            "label": label or None, "spans": spans, "comment": form.get("comment") or None,
            "seconds": seconds,
            "hints_shown": loop.hints_shown(session, project, user, sentence),
            **_shape_fields(form)})
    except AnnotationError as err:
        if err.code == "invalid_spans" and not spans:
            flash(_("%(error)s; marking evidence spans needs JavaScript.", error=err), "error")
            return redirect(url_for("annotate.annotate", slug=project.slug, sentence=sentence.id))
        if err.code in SHAPE_MISTAKES and not (err.code == "invalid_label" and err.reason != "missing"):
            # a mistake in the form (not a label id the page never offered): the sentence again,
            # told why, with what was chosen and written kept
            session.rollback()
            return _refuse(session, project, user, sentence, err.code, _mistake(err, project))
        abort(409 if err.code in ("not_leased", "not_queued") else 400, str(err))
    feedback = body.get("feedback")
    if feedback:
        flash(_("Known answer for the last sentence: %(label)s. %(explanation)s",
                label=feedback["label"], explanation=feedback["explanation"]), "info")
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
    """The guidelines; with ?since=N, what changed since version N as well."""
    project = project_for(slug, current_user, "see")
    lang, text = projects.guidelines_for(project, reader_languages())
    data = {"project": project_summary(project), "guidelines": text, "guidelines_lang": lang,
            "guidelines_dir": lang_dir(lang),
            "version": projects.guidelines_version(get_session(), project), "changes": None}
    since = request.args.get("since")
    if since is not None:
        try:
            data["changes"] = projects.guidelines_changes(get_session(), project, int(since))
        except (ValueError, projects.ProjectError) as err:
            raise InputError("invalid_since", f"since: {err}" if isinstance(err, projects.ProjectError)
                             else "since: a guidelines version number") from None
    return page("guidelines.html", data, body=Markup(render_markdown(data["guidelines"])))
