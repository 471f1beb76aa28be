"""Reviewers' pages: agreement dashboard, disagreement queue, adjudication.

Thin: the figures come from annotator.review.stats / annotator.review.adjudication, the
charts' layout from annotator.review.figures. Every page has a JSON twin (``?format=json`` or
``Accept: application/json``, web/view_helpers.page).
"""
from __future__ import annotations

from urllib.parse import urlencode

import json

from flask import (Blueprint, Response, abort, current_app, flash, redirect, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import releases
from ..access import allowed
from ..review import adjudication
from ..review import figures as charts
from ..review.adjudication import AdjudicationError
from ..review.queue_filters import pseudonyms
from ..labels import colours as label_colours
from ..review.intervals import describe
from ..models import Annotation, Article, Sentence, User
from ..projects import settings
from ..review.stats import dashboard as dashboard_figures, hint_quality
from .errors import InputError, wants_json
from .forms import ReleaseForm
from .i18n import script_strings
from .page_data import project_summary, release_row
from .view_helpers import (get_session, page, project_for, queue_args, roles_required,
                           stats_filters)

bp = Blueprint("review", __name__)

PER_PAGE = 20
MAX_ARTICLE_OPTIONS = 300
RELIABLE, TENTATIVE = 0.800, 0.667


def reading(value: float | None, ci: list | None = None, why: str | None = None) -> dict:
    """A plain reading of an alpha value (Krippendorff's conventional thresholds)."""
    if value is None:
        return {"cls": "reading-none", "text": _("Not computable: %(why)s.", why=why or _("undefined"))}
    if value >= RELIABLE:
        text, cls = _("Reliable (alpha ≥ 0.800)."), "reading-reliable"
        if ci and ci[0] < RELIABLE:
            text = _("Reliable (alpha ≥ 0.800); but the interval reaches down to %(low).3f, "
                     "below 0.800.", low=ci[0])
    elif value >= TENTATIVE:
        text, cls = _("Tentative: only tentative conclusions (0.667 ≤ alpha < 0.800)."), "reading-tentative"
    else:
        text, cls = (_("Not reliable (alpha < 0.667): do not train on these labels as they are."),
                     "reading-unreliable")
    return {"cls": cls, "text": text}


def _filter_choices(session, project):
    """Options of the filter form: articles as a list when there are few, annotators who
    labelled, the articles' languages."""
    count = session.scalar(select(func.count(Article.id)).where(Article.project_id == project.id))
    articles = None
    if count <= MAX_ARTICLE_OPTIONS:
        articles = session.execute(select(Article.id, Article.title)
                                   .where(Article.project_id == project.id)
                                   .order_by(Article.id)).all()
    annotators = session.scalars(
        select(User.username).where(select(Annotation.id).where(
            Annotation.user_id == User.id, Annotation.project_id == project.id).exists())
        .order_by(User.username)).all()
    langs = session.scalars(select(Article.lang).where(Article.project_id == project.id,
                                                       Article.lang.is_not(None))
                            .distinct().order_by(Article.lang)).all()
    return {"articles": articles, "annotators": annotators, "langs": langs}


@bp.get("/projects/<slug>/review")
@roles_required("review")
def dashboard(slug: str):
    session = get_session()
    project = project_for(slug, current_user, "review")
    filters = stats_filters()
    try:
        kept = dashboard_figures(session, project, **filters)
    except ValueError as err:
        abort(400, str(err))
    if kept["computing"]:  # the first view in this process: the page says so and reloads
        return page("review/dashboard.html", {
            "project": project_summary(project), "computing": True, "stats": None,
            "filters": filters, "as_of": None},
            choices=_filter_choices(session, project), args=request.args,
            json_url=_with_filters(url_for("review.dashboard", slug=slug), format="json"))
    stats, extra, outlets = kept["stats"], kept["figures"], kept["outlets"]
    ds, timeline = extra["dawid_skene"], extra["over_time"]
    # Hint quality walks every sentence: computed when asked for.
    hints = hint_quality(session, project) if request.args.get("hints") == "1" else None
    cfg = settings(project)
    data = {"project": project_summary(project), "stats": stats, "dawid_skene": ds,
            "over_time": timeline, "spans": extra["spans"],
            "by_guidelines": extra["by_guidelines"], "by_language": extra["by_language"],
            "filters": filters, "by_outlet": dict(outlets), "as_of": kept["as_of"],
            "computing": False,
            "hint_quality": hints,
            "settings": {k: cfg[k] for k in ("aggregation", "gold_threshold",
                                             "min_items_per_annotator")}}
    names = {l["id"]: l["name"] for l in project.labels}
    reasons = stats.get("reasons", {})
    alpha = stats["krippendorff_alpha"]
    accuracy = {a["annotator"]: a for a in ds["annotators"]}
    minimum = cfg["min_items_per_annotator"]
    figures = {
        "alpha": reading(alpha, stats["krippendorff_alpha_ci95"], reasons.get("krippendorff_alpha")),
        "per_label": {lab: reading(v["alpha"], None, reasons.get(f"per_label[{lab}].alpha"))
                      for lab, v in stats["per_label"].items()},
    }
    # An annotator who gives one label to most sentences, far more often than the others do.
    dominant = {}
    everyone = {lab: v["count"] for lab, v in stats["per_label"].items()}
    n_all = sum(everyone.values())
    for a in stats["annotator_stats"]:
        total = a["annotations"]
        if total < 10:
            continue
        lab, n = max(a["label_distribution"].items(), key=lambda kv: kv[1])
        rest_n, rest_total = everyone[lab] - n, n_all - total
        rest_share = rest_n / rest_total if rest_total else 1.0
        if n / total >= 0.6 and n / total >= 1.5 * rest_share:
            dominant[a["annotator"]] = (names.get(lab, lab), n / total, rest_share)
    ann_names = [a["annotator"] for a in stats["annotator_stats"]]
    chart = {
        "coincidence": charts.heatmap(stats["coincidence"], stats["labels"], names),
        "distribution": charts.stacked_bars(
            [(a["annotator"], a["label_distribution"]) for a in stats["annotator_stats"]],
            stats["labels"], names, colours=label_colours(project.labels)),
        "kappa": charts.kappa_matrix(ann_names, stats["cohen_kappa"]),
        "agreement_intervals": charts.intervals_chart(
            stats["annotator_stats"], "agreement_with_majority", "agreement-intervals",
            _("Agreement with the others' majority, with %(level)s%% intervals", level=95), minimum),
        "accuracy_intervals": charts.intervals_chart(
            ds["annotators"], "accuracy", "accuracy-intervals",
            _("Estimated accuracy (Dawid–Skene), with %(level)s%% intervals", level=95), minimum),
        "outlets": charts.stacked_bars(outlets, stats["labels"], names, chart_id="outlets",
                                       title=_("Labels by outlet"),
                                       colours=label_colours(project.labels)) if outlets else None,
        "over_time": charts.line_chart(
            timeline["points"], [("alpha", _("per batch")), ("cumulative", _("cumulative"))],
            x_title=_("sentences that became pairable, up to this date (UTC)"),
            extra_columns=[("units", _("sentences in batch"))]),
        "calibration": (charts.reliability_diagram(stats["model"]["calibration"])
                        if stats["model"].get("calibration", {}).get("n") else None),
    }
    return page(
        "review/dashboard.html", data, figures=figures, chart=chart, accuracy=accuracy,
        dominant=dominant, names=names, reasons=reasons,
        hints_url=_with_filters(url_for("review.dashboard", slug=slug), hints="1"),
        choices=_filter_choices(session, project), args=request.args, fmt=charts.fmt,
        describe=describe,
        json_url=_with_filters(url_for("review.dashboard", slug=slug), format="json"))


FILTER_KEYS = ("article", "annotator", "lang", "since", "until", "hints")


def _with_filters(base: str, **extra) -> str:
    """`base` with the request's known filters (repeated ones kept) and `extra` as its query."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS and k not in extra]
    pairs += list(extra.items())
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _queue_choices(session, project, reveal: bool) -> dict:
    """Options of the queue's filter form: articles (when few), label pairs, annotators (by
    pseudonym unless names are shown) and outlets."""
    labels = project.labels
    names = pseudonyms(session, project)
    outlets = session.scalars(
        select(Article.source).where(Article.project_id == project.id, Article.source.is_not(None))
        .distinct().order_by(Article.source).limit(MAX_ARTICLE_OPTIONS)).all()
    return {"articles": _filter_choices(session, project)["articles"],
            "pairs": [(f"{a['id']},{b['id']}", f"{a['name']} vs {b['name']}")
                      for i, a in enumerate(labels) for b in labels[i + 1:]],
            "annotators": [(n if reveal else p, n if reveal else p) for n, p in names.items()],
            "outlets": outlets}


def _queue_url(slug: str, args: dict, **extra) -> str:
    """The queue's URL with its filters, resolved and names kept, and `extra` over them."""
    pairs = args["filters"].query()
    if args["include_resolved"]:
        pairs.append(("resolved", "1"))
    if args["reveal"]:
        pairs.append(("names", "1"))
    pairs = [(k, v) for k, v in pairs if k not in extra] + [(k, str(v)) for k, v in extra.items() if v != ""]
    base = url_for("review.disagreements", slug=slug)
    return f"{base}?{urlencode(pairs)}" if pairs else base


@bp.get("/projects/<slug>/disagreements")
@roles_required("review")
def disagreements(slug: str):
    session = get_session()
    project = project_for(slug, current_user, "review")
    args = queue_args(project)
    queue = adjudication.disagreements(session, project, **args)
    # A page past the end sends the browser to the last one; the JSON says where the end is.
    if queue["total"] and args["page"] > queue["pages"] and not wants_json():
        return redirect(_queue_url(slug, args, page=queue["pages"]))
    names = {l["id"]: l["name"] for l in project.labels}
    label_index = label_colours(project.labels)
    query = _queue_url(slug, args).partition("?")[2]
    return page("review/disagreements.html", {"project": project_summary(project), **queue},
                names=names, label_index=label_index,
                multi=settings(project)["task"] == "multi",
                named=lambda ids: ", ".join(names.get(l, l) for l in ids), resolved=args["include_resolved"],
                reveal=args["reveal"], choices=_queue_choices(session, project, args["reveal"]),
                query=query, queue_url=lambda **extra: _queue_url(slug, args, **extra),
                ui_strings=script_strings())


@bp.post("/projects/<slug>/disagreements/<int:sentence_id>")
@roles_required("review")
def adjudicate_sentence(slug: str, sentence_id: int):
    """The page's form without JavaScript; the page's script uses PUT /api/v1/sentences/ID/gold."""
    session = get_session()
    project = project_for(slug, current_user, "review")
    sentence = session.get(Sentence, sentence_id)
    if sentence is None or sentence.project_id != project.id:
        abort(404, "No such sentence in this project.")
    form = request.form
    reviewer = current_user._get_current_object()
    args = queue_args(project)  # the form posts to the queue's URL with its filters
    try:
        if form.get("action") == "clear":
            if adjudication.clear_gold(session, project, sentence, reviewer):
                flash(_("Gold label of sentence %(id)s cleared.", id=sentence_id), "info")
        else:
            # a multi-label project's form sends its gold set as checked `labels`
            adj, outcome = adjudication.set_gold(session, project, sentence, reviewer,
                                               form.get("label") or None, form.get("note"),
                                               labels=form.getlist("labels") or None)
            names = {l["id"]: l["name"] for l in project.labels}
            name = ", ".join(names.get(l, l) for l in adj.labels or [adj.label])
            flash(_("Sentence %(id)s: gold label “%(label)s” kept.", id=sentence_id, label=name)
                  if outcome == "unchanged" else
                  _("Sentence %(id)s: gold label “%(label)s” saved.", id=sentence_id, label=name), "info")
    except AdjudicationError as err:
        abort(409 if err.code in ("not_queued", "conflict") else 400, str(err))
    target = _queue_url(slug, {**args, "include_resolved": args["include_resolved"]
                               or form.get("resolved") == "1"},
                        page=form.get("page", type=int) or 1)
    nxt = form.get("next", type=int)
    return redirect(target + (f"#s-{nxt}" if nxt else ""))


# -- releases (annotator.releases): reviewers read them and their diffs, admins make them ---

def _releases_url(slug: str, **args) -> str:
    return url_for("review.releases_page", slug=slug, **args)


@bp.get("/projects/<slug>/releases")
@roles_required("review")
def releases_page(slug: str):
    session = get_session()
    project = project_for(slug, current_user, "review")
    rows = [release_row(r) for r in releases.of_project(session, project)]
    may_release = allowed(current_user, "admin", project)
    return page("review/releases.html", {"project": project_summary(project), "releases": rows},
                form=ReleaseForm() if may_release else None)


@bp.post("/projects/<slug>/releases")
@roles_required("review")
def make_release(slug: str):
    session = get_session()
    project = project_for(slug, current_user, "admin")
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400, "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())
              or "The form expired; reload the page.")
    try:
        release = releases.create(session, project, form.name.data.strip(),
                                  current_app.config["RELEASES_DIR"],
                                  current_user._get_current_object())
    except releases.ReleaseError as err:
        flash(str(err), "error")
        return redirect(_releases_url(slug))
    flash(_("Release %(name)s made: sha256:%(hash)s.", name=release.name, hash=release.content_hash), "info")
    return redirect(_releases_url(slug))


@bp.get("/projects/<slug>/releases/diff")
@roles_required("review")
def release_diff(slug: str):
    """The changes from release ?a= to ?b=; ?download=jsonl sends them as a file."""
    session = get_session()
    project = project_for(slug, current_user, "review")
    a, b = request.args.get("a", ""), request.args.get("b", "")
    try:
        changes = releases.diff(session, project, a, b)
    except releases.ReleaseError as err:
        raise InputError("invalid_release", str(err)) from None
    if request.args.get("download") == "jsonl":
        body = "".join(json.dumps(c.as_dict(), ensure_ascii=False) + "\n" for c in changes)
        return Response(body, mimetype="application/x-ndjson", headers={
            "Content-Disposition": f'attachment; filename="{slug}-diff-{a}-{b}.jsonl"'})
    return page("review/release_diff.html",
                {"project": project_summary(project), "a": a, "b": b,
                 "summary": releases.summary(changes),
                 "changes": [c.as_dict() for c in changes]},
                lines=[c.line() for c in changes])


@bp.get("/projects/<slug>/releases/<name>/<filename>")
@roles_required("review")
def release_file(slug: str, name: str, filename: str):
    """One file of a release, as it was written."""
    session = get_session()
    project = project_for(slug, current_user, "review")
    release = releases.by_name(session, project, name)
    if release is None or filename not in releases.files_of(release):
        abort(404, "No such file in this release.")
    return send_from_directory(release.path, filename, as_attachment=True,
                               download_name=f"{slug}-{name}-{filename}")
