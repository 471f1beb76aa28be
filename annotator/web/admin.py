"""Admins' pages: projects, imports, exports, users, articles and their units (kinds, repairs), progress."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import (account_links, controls, deletion, events, export, ingest, job_kinds, jobs, languages,
               projects, scheme_templates, users)
from ..ingest import stream
from ..articles import add_articles, set_kind, set_lang
from ..bidi import lang_dir, text_dir
from ..hints.lexicon import keep_unshown, lexicon_of, validate_lexicon
from ..hints.matcher import concept_table
from ..access import Refused
from ..labels import COLOURS, SchemeError, validate_scheme
from ..model import schedule, store as model_store
from ..models import ApiToken, Article, ControlItem, Project, Sentence, User
from ..review.intervals import describe
from ..unit_repair import RepairError, live_units, merge_units, split_unit
from .page_data import (article_summary, link_row, project_detail, project_summary, token_row,
                        user_row)
from .view_helpers import (event_filters, export_args, export_download, get_session, hand_over, int_arg,
                           page, page_arg, roles_required)
from .forms import (KindForm, LangForm, PostForm, ResetLinkForm, SignOutForm, UploadForm, UserEditForm,
                    UserForm)
from .setup_forms import MAX_LEXICON_ROWS, LexiconForm, ProjectForm, row_error
from .extensions import locks_own_writes

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def _project(slug: str) -> Project:
    project = projects.by_slug(get_session(), slug)
    if project is None:
        abort(404, f"No project {slug!r}.")
    return project


@bp.get("/")
@roles_required("admin")
def index():
    session = get_session()
    counts = dict(session.execute(select(Article.project_id, func.count()).group_by(Article.project_id)).all())
    rows = session.scalars(select(Project).where(projects.LIVE).order_by(Project.name)).all()
    return page("admin/index.html", {"projects": [
        {**project_summary(p), "articles": counts.get(p.id, 0)} for p in rows]})


def _names(text: str) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _members(session, text: str) -> list[User]:
    names = _names(text)
    found = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    missing = [n for n in names if n not in found]
    if missing:
        raise projects.ProjectError(f"members: no user {', '.join(missing)}")
    return [found[n] for n in names]


def _upload(field, what: str):
    """A JSON file posted in `field` (parsed), or None when none was chosen."""
    f = field.data
    if not f or not getattr(f, "filename", ""):
        return None
    try:  # utf-8-sig: a file from a Windows editor starts with a byte order mark
        return ingest.json_loads(f.read().decode("utf-8-sig", "replace"))
    except ValueError as err:
        raise projects.ProjectError(f"{what}: not valid JSON ({err})") from None


def _scheme_upload(form) -> dict | None:
    data = _upload(form.scheme_file, "scheme file")
    return None if data is None else projects.scheme_file(data)


def _rows_scheme(form) -> list[dict] | None:
    """The scheme of the form's rows, validated (None: no row filled in)."""
    rows = form.scheme()
    try:
        return None if rows is None else validate_scheme(rows)
    except SchemeError as err:
        raise projects.ProjectError(str(err)) from None


def _settings_help() -> dict:
    return {k: {"label": label, "help": text} for k, (label, text) in projects.SETTINGS_HELP.items()}


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required("admin")
def new_project():
    """A new project: its scheme starts from a template (?template=NAME fills the rows)."""
    form = ProjectForm()
    chosen = request.args.get("template", scheme_templates.DEFAULT_TEMPLATE)
    if chosen not in scheme_templates.TEMPLATES:
        chosen = scheme_templates.DEFAULT_TEMPLATE
    if request.method == "GET":
        start = scheme_templates.template(chosen)
        form.template.data = chosen
        form.fill(validate_scheme(start["labels"]), {**projects.DEFAULT_SETTINGS, **start["settings"]})
    elif form.validate_on_submit():
        session = get_session()
        try:
            upload = _scheme_upload(form)
            if upload is not None:
                labels, values = upload.get("labels"), upload.get("settings") or {}
            else:
                labels = _rows_scheme(form)
                values = form.settings_values({}, labels or [])
            p = projects.create_project(
                session, form.slug.data, form.name.data, overlap=form.overlap.data,
                guidelines=form.guidelines.data or "", labels=labels,
                members=_members(session, form.members.data), settings_=values,
                template=form.template.data)
            session.commit()
            flash(_("Project %(slug)s created.", slug=p.slug), "info")
            return redirect(url_for("admin.project", slug=p.slug))
        except projects.ProjectError as err:
            session.rollback()
            flash(str(err), "error")
    return page("admin/project_form.html", {
        "project": None, "template": chosen, "templates": scheme_templates.summaries(),
        "settings_help": _settings_help(), "colours": COLOURS}, form=form)


@bp.route("/projects/<slug>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_project(slug: str):
    """Edit a project: the label scheme as rows (ids in use stay), every setting as a field;
    ?download=1 gives the scheme and settings as a JSON file that the form takes back."""
    session = get_session()
    project = _project(slug)
    if request.args.get("download"):
        body = json.dumps({"labels": project.labels, "settings": projects.settings(project)},
                          indent=2, ensure_ascii=False)
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{project.slug}-scheme.json"'})
    used = projects.used_label_ids(session, project)
    if request.method == "GET":
        form = ProjectForm(data={"slug": project.slug, "name": project.name,
                                 "overlap": project.overlap, "guidelines": project.guidelines,
                                 "members": ", ".join(m.username for m in project.members),
                                 "version": _version(project)})
        form.fill(validate_scheme(project.labels), projects.settings(project), used)
    elif (form := ProjectForm()).validate_on_submit():
        try:
            if form.slug.data != project.slug:
                raise projects.ProjectError("slug: cannot be changed (scripts and exports use it)")
            upload = _scheme_upload(form)
            labels = upload.get("labels") if upload is not None else (_rows_scheme(form) or [])
            if upload is not None:
                values = upload.get("settings", {})
            else:
                values = form.settings_values(project.settings or {}, labels or project.labels)
            changes = {"name": form.name.data.strip(), "guidelines": form.guidelines.data,
                       "overlap": projects.check_overlap(form.overlap.data),
                       "members": _names(form.members.data), "settings": values}
            if labels is not None:
                changes["labels"] = labels
            written = schedule.edit_project(session, project, changes, form.version.data)
            flash(_("Saved: %(fields)s.", fields=", ".join(written)) if written else _("Nothing changed."), "info")
            return redirect(url_for("admin.project", slug=project.slug))
        except events.StaleVersion as err:
            session.rollback()
            return _conflict("admin/project_form.html", form, err, {
                "project": project_detail(project), "used_label_ids": sorted(used),
                "settings_help": _settings_help(), "colours": COLOURS})
        except projects.ProjectError as err:
            session.rollback()
            flash(str(err), "error")
    return page("admin/project_form.html", {
        "project": project_detail(project), "used_label_ids": sorted(used),
        "settings_help": _settings_help(), "colours": COLOURS}, form=form)


@bp.route("/projects/<slug>/guidelines", methods=["GET", "POST"])
@roles_required("admin")
def project_guidelines(slug: str):
    """The guidelines per language: the default text (edited with the project) and one text per
    language tag; an annotator sees the one in their language, else the default. The form
    posts rows lang-N / text-N (an empty text removes a language) and the version it was
    loaded at (a stale save is refused, 409)."""
    session = get_session()
    project = _project(slug)
    status = 200
    if request.method == "POST":
        try:
            texts = _guideline_rows(request.form)
            written = projects.save_edit(session, project, {"guidelines_translations": texts},
                                         request.form.get("version"))
            session.commit()
            flash((_("Saved: the guidelines in %(languages)s.", languages=", ".join(sorted(texts)))
                   if texts else _("Saved: the guidelines in no other language."))
                  if written else _("Nothing changed."), "info")
            return redirect(url_for("admin.project_guidelines", slug=project.slug))
        except events.StaleVersion:
            session.rollback()
            flash(_("Not saved: the guidelines changed since you opened this page. Reload it and "
                    "make your change again."), "error")
            status = 409
        except projects.ProjectError as err:
            session.rollback()
            flash(str(err), "error")
            status = 400
    translations = project.guidelines_translations or {}
    return page("admin/guidelines.html", {
        "project": project_summary(project), "default": project.guidelines or "",
        "translations": translations,
        "version": projects.guidelines_version(session, project),
        "interface_languages": [{"tag": t, "name": languages.native_name(t)}
                                for t in languages.interface_languages()]},
        status, form_version=_version(project))


def _guideline_rows(form) -> dict[str, str]:
    """{language tag: text} from the rows lang-N, text-N; ProjectError names the row."""
    texts: dict[str, str] = {}
    rows = sorted({k.split("-", 1)[1] for k in form if k.startswith(("lang-", "text-"))},
                  key=lambda n: (len(n), n))
    for n in rows:
        tag, text = form.get(f"lang-{n}", "").strip(), form.get(f"text-{n}", "")
        if not tag and not text.strip():
            continue
        if not tag:
            raise projects.ProjectError(f"lang-{n}: the language of the text in row {n} "
                                        "(a tag such as ru, ar or pt-BR)")
        try:
            tag = languages.check_language_tag(tag, f"lang-{n}")
        except ValueError as err:
            raise projects.ProjectError(str(err)) from None
        if tag in texts:
            raise projects.ProjectError(f"lang-{n}: {tag} is given twice")
        texts[tag] = text
    return texts


def _version(project: Project) -> int:
    return events.version_of(get_session(), events.PROJECT_KINDS, project.id)


def _conflict(template: str, form, err, data: dict):
    """A stale save (events.StaleVersion): the form again as the admin filled it in, with
    what others changed since and the current version, so that saving again is a choice
    made knowing those changes. 409, as in the API."""
    form.version.data = str(err.version)
    flash(_("Not saved: this page changed since you opened it (see below). Saving again "
            "replaces those changes with what you see here."), "error")
    return page(template, {**data, "conflict": {"version": err.version, "changes": err.changes}},
                status=409, form=form)


@bp.route("/projects/<slug>", methods=["GET", "POST"])
@roles_required("admin")
def project(slug: str):
    session = get_session()
    project = _project(slug)
    form = UploadForm()
    if form.validate_on_submit():
        big = [f for f in form.files.data if _queued_upload(f)]
        if big:
            return _queue_imports(project, big, [f for f in form.files.data if f not in big])
        parsed, errors = [], []
        for f in form.files.data:
            name = f.filename or "upload"
            try:
                parsed.append((name, ingest.parse_file(name, f.read())))
            except ingest.IngestError as err:
                errors.append(str(err))
        if errors:
            # Nothing is stored when any file is bad: fix it and upload again.
            for e in errors:
                flash(e, "error")
            flash(_("Nothing was imported."), "error")
        else:
            for name, items in parsed:
                report = add_articles(session, project, items, name)
                flash(_("%(file)s: %(articles)d article(s), %(units)d units imported.", file=name,
                        articles=len(report.added), units=report.sentences), "info")
                for msg in report.skipped:
                    flash(msg, "warning")
            return redirect(url_for("admin.project", slug=slug))
    n = page_arg()
    # One page of articles first, then counts for just those: fast with 50,000 articles.
    # `after` (an article id, the JSON's `next_after`) pages by key instead of by number.
    after = int_arg(request.args.get("after"))
    listing = (select(Article.id, Article.title, Article.source, Article.lang)
               .where(Article.project_id == project.id).order_by(Article.id).limit(PER_PAGE))
    page_rows = session.execute(listing.where(Article.id > after) if after is not None
                                else listing.offset((n - 1) * PER_PAGE)).all()
    counts = {aid: (body, full) for aid, body, full in session.execute(
        select(Sentence.article_id, func.count().filter(Sentence.kind == "body"),
               func.count().filter(Sentence.kind == "body", Sentence.full.is_(True)))
        .where(Sentence.article_id.in_([r.id for r in page_rows])).group_by(Sentence.article_id))}
    arts = [{"id": r.id, "title": r.title, "source": r.source, "lang": r.lang,
             **dict(zip(("body_units", "complete_units"), counts.get(r.id, (0, 0))))}
            for r in page_rows]
    total = session.scalar(select(func.count()).select_from(Article).where(Article.project_id == project.id))
    return page("admin/project.html", {
        "project": project_detail(project), "articles": arts, "total": total, "page": n,
        "pages": max(1, -(-total // PER_PAGE)), "model": _model_block(project),
        "next_after": page_rows[-1].id if len(page_rows) == PER_PAGE else None},
        form=form, train_form=PostForm(), export_form=PostForm())


# ------------------------------------------------------------------------- background jobs


def _queued_upload(f) -> bool:
    """A JSONL or article CSV over IMPORT_INLINE_MAX goes to the worker, streamed."""
    size = f.seek(0, 2)
    f.seek(0)
    return size > current_app.config["IMPORT_INLINE_MAX"] and _streams(f)


def _queue_imports(project: Project, big: list, small: list):
    """Save each upload under IMPORT_DIR and queue its streamed import; the page of the (last)
    job shows the progress. Small files of the same upload are queued too (an upload is one
    decision); a large upload cannot mix in files that are not streamed."""
    rest = [f.filename for f in small if not _streams(f)]
    if rest:
        flash(_("%(files)s: upload these apart from the large JSONL/CSV files (which are "
                "imported in the background). Nothing was imported.", files=", ".join(rest)), "error")
        return redirect(url_for("admin.project", slug=project.slug))
    folder = Path(current_app.config["IMPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    job = None
    for f in big + small:
        name = Path(f.filename or "upload.jsonl").name
        path = folder / f"{secrets.token_hex(8)}-{name}"
        f.save(str(path))
        job = job_kinds.enqueue_import(get_session(), project, path, name, remove_after=True)
        flash(_("%(file)s: import queued as job %(job)s.", file=name, job=job.id), "info")
    return redirect(url_for("admin.job", job_id=job.id))


def _streams(f) -> bool:
    head = f.read(4096)
    f.seek(0)
    return stream.streamable(f.filename or "", head)


@bp.post("/projects/<slug>/export-job")
@roles_required("admin")
def export_job(slug: str):
    """Queue an export for the worker; its page offers the file when ready."""
    project = _project(slug)
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page.")
    kind, fmt, bom = export_args()
    job = job_kinds.enqueue_export(get_session(), project, kind, fmt,
                                   current_app.config["EXPORT_DIR"], bom)
    return redirect(url_for("admin.job", job_id=job.id))


def _job_of(job_id: int):
    job = jobs.get(get_session(), job_id)
    if job is None or job.project_id is None:
        abort(404, f"No job {job_id}.")
    project = get_session().get(Project, job.project_id)
    return job, project


@bp.get("/jobs/<int:job_id>")
@roles_required("admin")
def job(job_id: int):
    """A job's state and progress; its JSON twin is what the page's script polls."""
    row, project = _job_of(job_id)
    data = jobs.as_dict(row)
    data["project"] = project.slug if project else None
    data["download"] = (url_for("admin.job_download", job_id=row.id)
                        if row.kind == job_kinds.EXPORT and row.state == "done" else None)
    if row.result and row.kind == job_kinds.EXPORT:
        data["result"] = {k: v for k, v in row.result.items() if k != "path"}  # no server paths
    if row.kind == job_kinds.IMPORT:
        data["payload"] = {"filename": (row.payload or {}).get("filename")}
    return page("admin/job.html", {"job": data})


@bp.get("/jobs/<int:job_id>/download")
@roles_required("admin")
def job_download(job_id: int):
    row, _job = _job_of(job_id)
    if row.kind != job_kinds.EXPORT or row.state != "done":
        abort(404, "This job has no file to download (yet).")
    name = Path(row.result["file"]).name  # under EXPORT_DIR only, whatever the row says
    path = Path(current_app.config["EXPORT_DIR"]) / name
    if not path.is_file():
        abort(404, f"{name} is no longer in the export folder.")
    return send_file(path, as_attachment=True, download_name=name,
                     mimetype=export.MIMETYPES[row.payload["format"]])


# ------------------------------------------------------------------------- the project model


def _model_block(project: Project) -> dict:
    """The project page's model section: the newest versions and training jobs."""
    session = get_session()
    return {"versions": model_store.versions(session, project)[:5],
            "jobs": jobs.recent(session, project.id, schedule.TRAIN, limit=3),
            "every": projects.settings(project)["model_every"]}


@bp.post("/projects/<slug>/model")
@roles_required("admin")
def train_model(slug: str):
    """Queue a training of the project model; the page never waits for it."""
    project = _project(slug)
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page.")
    job, created = schedule.enqueue_training(get_session(), project)
    flash(_("Training queued as job %(job)s; `annotator worker` runs it.", job=job.id) if created
          else _("A training is queued already (job %(job)s).", job=job.id), "info")
    return redirect(url_for("admin.project", slug=slug) + "#model")


@bp.get("/projects/<slug>/export")
@roles_required("admin")
def download(slug: str):
    project = _project(slug)
    kind, fmt, bom = export_args()
    try:
        reason = export.empty_reason(get_session(), project, kind)
    except export.ExportRefused as err:  # nothing to download: say why on the project page
        flash(str(err), "error")
        return redirect(url_for("admin.project", slug=slug))
    if reason:  # the empty file is still sent (a CSV has its header); the page says why next
        flash(reason, "warning")
    return export_download(project, kind, fmt, bom, reason)


@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@roles_required("admin")
def article(article_id: int):
    session = get_session()
    art = session.get(Article, article_id)
    if art is None:
        abort(404, "No such article.")
    form = KindForm()
    if form.validate_on_submit():
        s = session.get(Sentence, int_arg(form.sentence_id.data, -1))
        if s is None or s.article_id != art.id:
            abort(404, "No such unit in this article.")
        try:
            set_kind(session, s, form.kind.data)
        except ValueError as err:
            abort(400, str(err))
        flash(_("Unit %(unit)s is now %(kind)s.", unit=s.position + 1, kind=s.kind), "info")
        return redirect(url_for("admin.article", article_id=art.id) + f"#u{s.id}")
    project = session.get(Project, art.project_id)
    units = live_units(session, art)
    known = {c.sentence_id: {"label": c.label, "explanation": c.explanation}
             for c in session.scalars(select(ControlItem).where(
                 ControlItem.sentence_id.in_([u.id for u in units])))}
    adir = lang_dir(art.lang)
    return page("admin/article.html", {
        "article": article_summary(art), "project": project_summary(project),
        "units": [{"id": u.id, "position": u.position, "start": u.start, "end": u.end,
                   "text": u.text, "kind": u.kind, "long": bool(u.long), "labels": u.n_labels,
                   "control": known.get(u.id), "dir": text_dir(u.text, adir)} for u in units]},
        lang_form=LangForm(lang=art.lang))


@bp.post("/articles/<int:article_id>/lang")
@roles_required("admin")
def article_lang(article_id: int):
    """Set the article's language (form field lang, a tag such as de or pt-BR)."""
    session = get_session()
    art = session.get(Article, article_id)
    if art is None:
        abort(404, "No such article.")
    form = LangForm()
    if not form.validate_on_submit():
        abort(400, "The form expired; reload the page." if "csrf_token" in form.errors
              else "lang: a language tag such as en, de or pt-BR.")
    try:
        set_lang(session, art, form.lang.data)
    except ValueError as err:
        abort(400, str(err))
    flash(_("The article's language is now %(lang)s.", lang=art.lang), "info")
    return redirect(url_for("admin.article", article_id=art.id))


@bp.post("/articles/<int:article_id>/units/merge")
@roles_required("admin")
def merge(article_id: int):
    """Merge a unit with the next one (form fields first, second)."""
    art, form = _repair_form(article_id)
    done = _repair(merge_units, art, int_arg(form.get("first")), int_arg(form.get("second")))
    flash(_("Units merged into unit %(n)s.", n=_first_new(done).position + 1)
          + _moved(done.labels_moved), "info")
    return redirect(url_for("admin.article", article_id=art.id) + f"#u{done.created[0]}")


@bp.post("/articles/<int:article_id>/units/split")
@roles_required("admin")
def split(article_id: int):
    """Split a unit before character `at` of its text (form fields sentence, at)."""
    art, form = _repair_form(article_id)
    at = int_arg(form.get("at"))
    if at is None:
        abort(400, "at: a whole number, the character of the unit where the second part starts.")
    done = _repair(split_unit, art, int_arg(form.get("sentence")), at)
    position = _first_new(done).position + 1
    flash(_("Unit %(n)s split into units %(n)s and %(next)s.", n=position, next=position + 1)
          + _moved(done.labels_moved), "info")
    return redirect(url_for("admin.article", article_id=art.id) + f"#u{done.created[0]}")


def _repair_form(article_id: int):
    art = get_session().get(Article, article_id)
    if art is None:
        abort(404, "No such article.")
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page.")
    return art, request.form


def _repair(change, art: Article, *args):
    try:
        return change(get_session(), current_user, art, *args)
    except RepairError as err:
        abort(400, str(err))
    except Refused as err:
        abort(404 if err.code == "not_found" else 403, err.message)


def _first_new(done) -> Sentence:
    return next(u for u in done.units if u.id == done.created[0])


def _moved(n: int) -> str:
    return " " + ngettext("%(num)s label moved to history.", "%(num)s labels moved to history.", n) if n else ""


@bp.post("/sentences/<int:sentence_id>/control")
@roles_required("admin")
def control(sentence_id: int):
    """Mark a sentence as a quality-control item with its known answer, or unmark it."""
    session = get_session()
    s = session.get(Sentence, sentence_id)
    if s is None:
        abort(404, "No such sentence.")
    form = PostForm()
    if not form.validate_on_submit():
        abort(400, "The form expired; reload the page.")
    project = session.get(Project, s.project_id)
    label = request.form.get("label", "")
    try:
        if label == "":
            controls.clear_control(session, s)
            flash(_("Unit %(n)s is no longer a control item.", n=s.position + 1), "info")
        else:
            controls.set_control(session, project, s, label, request.form.get("explanation", "")[:1000])
            flash(_("Unit %(n)s is a control item with answer %(label)s.", n=s.position + 1, label=label), "info")
    except controls.ControlError as err:
        flash(str(err), "error")
    return redirect(url_for("admin.article", article_id=s.article_id) + f"#u{s.id}")


@bp.route("/projects/<slug>/lexicon", methods=["GET", "POST"])
@roles_required("admin")
def lexicon(slug: str):
    """Edit the project's hint lexicon as a table of entries, upload it or download it (JSON)."""
    session = get_session()
    project = _project(slug)
    current = lexicon_of(project)
    if request.args.get("download"):
        body = json.dumps(current, indent=2, ensure_ascii=False)
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{project.slug}-lexicon.json"'})
    # A row is nine fields: the default lexicon's 107 entries are past Flask's 1,000 parts.
    request.max_form_parts = 20 * MAX_LEXICON_ROWS
    form = LexiconForm()
    if request.method == "GET":
        form.fill(current)
        form.version.data = str(_version(project))
    elif form.validate_on_submit():
        rows: dict = {"cues": [], "contested_terms": []}
        try:
            if request.form.get("action") == "reset":
                value = None
            else:
                posted = _upload(form.file, "file")
                if posted is None:
                    posted, rows = form.lexicon()
                    posted = keep_unshown(posted, current)  # lang, stems, concepts
                value = validate_lexicon(posted)
            projects.save_edit(session, project, {"lexicon": value}, form.version.data)
            session.commit()
            flash(_("Lexicon saved. New hints apply from the next sentence served."), "info")
            return redirect(url_for("admin.lexicon", slug=slug))
        except events.StaleVersion as err:
            session.rollback()
            return _conflict("admin/lexicon.html", form, err, {
                "project": project_summary(project), "custom": project.lexicon is not None,
                "lexicon": current})
        except ValueError as err:  # ProjectError from the upload is a ValueError too
            session.rollback()
            flash(_("Lexicon not saved: %(error)s", error=row_error(str(err), rows)), "error")
    # The table keeps what was posted when it was refused; the JSON is the lexicon in use, and
    # `concepts` each contested concept's terms by side and language (hints/concepts.py).
    return page("admin/lexicon.html", {"project": project_summary(project),
                                       "custom": project.lexicon is not None, "lexicon": current,
                                       "concepts": concept_table()},
                form=form)


@bp.get("/projects/<slug>/progress")
@roles_required("admin")
def progress(slug: str):
    project = _project(slug)
    cfg = projects.settings(project)
    return page("admin/progress.html", {
        "project": project_summary(project),
        "settings": {k: cfg[k] for k in ("control_rate", "min_control_accuracy",
                                         "min_items_per_annotator")},
        **controls.annotator_progress(get_session(), project)}, describe=describe)


@bp.post("/articles/<int:article_id>/delete")
@roles_required("admin")
def remove_article(article_id: int):
    session = get_session()
    art = session.get(Article, article_id)
    if art is None:
        abort(404, "No such article.")
    form = PostForm()
    if not form.validate_on_submit() or request.form.get("confirm") != "yes":
        abort(400, "Tick the confirmation box to delete an article.")
    slug = session.get(Project, art.project_id).slug
    try:
        deletion.delete_article(session, art)
    except deletion.DeletionError as err:
        session.rollback()
        abort(409, str(err))
    session.commit()
    flash(_("Article deleted: hidden with its sentences and labels; an admin can restore it "
            "from the Deleted page."), "info")
    return redirect(url_for("admin.project", slug=slug))


@bp.post("/projects/<slug>/delete")
@roles_required("admin")
def remove_project(slug: str):
    session = get_session()
    project = _project(slug)
    if not PostForm().validate_on_submit() or request.form.get("confirm") != "yes":
        abort(400, "Tick the confirmation box to delete a project.")
    deletion.delete_project(session, project)
    session.commit()
    flash(_("Project %(slug)s deleted: hidden everywhere; restore it from the Deleted page.", slug=slug), "info")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/delete")
@roles_required("admin")
def remove_user(user_id: int):
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        abort(404, "No such user.")
    if not PostForm().validate_on_submit() or request.form.get("confirm") != "yes":
        abort(400, "Tick the confirmation box to delete a user.")
    try:
        deletion.delete_user(session, u, current_user)
    except deletion.DeletionError as err:
        session.rollback()
        abort(409, str(err))
    session.commit()
    flash(_("User %(user)s deleted: signed out, tokens revoked; restore them from the Deleted page.",
            user=u.username), "info")
    return redirect(url_for("admin.users_page"))


@bp.get("/deleted")
@roles_required("admin")
def deleted_page():
    """What was deleted and can be restored (or purged with `annotator purge`)."""
    rows = [d.as_dict() for d in deletion.listed(get_session())]
    return page("admin/deleted.html", {"deleted": rows}, post=PostForm())


@bp.post("/deleted/<what>/<int:ident>/restore")
@roles_required("admin")
def restore(what: str, ident: int):
    session = get_session()
    if not PostForm().validate_on_submit():
        abort(400, "The form expired; reload the page.")
    try:
        deletion.restore(session, what, ident)
    except deletion.DeletionError as err:
        session.rollback()
        flash(_("Not restored: %(error)s", error=err), "error")
        return redirect(url_for("admin.deleted_page"))
    session.commit()
    flash(_("Restored %(what)s %(id)s.", what=what, id=ident), "info")
    return redirect(url_for("admin.deleted_page"))


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users_page():
    session = get_session()
    form = UserForm()
    created = None
    if form.validate_on_submit():
        password = form.password.data or users.generate_password()
        try:
            u = users.create_user(session, form.username.data, form.role.data, password)
            session.commit()
            created = {"username": u.username,
                       "password": None if form.password.data else password}
        except users.AccountError as err:
            session.rollback()
            flash(str(err), "error")
    n = page_arg()
    live = User.deleted_at.is_(None)  # the deleted are on the Deleted page
    rows = session.scalars(select(User).where(live).order_by(User.username)
                           .limit(PER_PAGE).offset((n - 1) * PER_PAGE)).all()
    total = session.scalar(select(func.count()).select_from(User).where(live))
    # A generated password is in the answer to the request that created it, and never again.
    return page("admin/users.html", {"users": [user_row(u) for u in rows], "created": created,
                                     "total": total, "page": n,
                                     "pages": max(1, -(-total // PER_PAGE))}, form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
@locks_own_writes  # a new password's scrypt hash runs outside SQLite's write lock
def user(user_id: int):
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        abort(404, "No such user.")
    form = UserEditForm(obj=u)
    if request.method == "GET":
        form.version.data = str(events.version_of(session, ("user",), u.id))
    if form.validate_on_submit():
        try:
            users.change_account(session, u.id, current_user, form.role.data,
                                 bool(form.active.data), form.password.data or None,
                                 version=form.version.data or "")
            session.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("admin.users_page"))
        except events.StaleVersion as err:
            session.rollback()
            form.version.data = str(err.version)
            flash(_("Not saved: this account changed since you opened the page (see below). "
                    "Saving again replaces those changes with what you see here."), "error")
            resp = _user_page(session, u, form, conflict={"version": err.version, "changes": err.changes})
            return resp[0], 409
        except users.AccountError as err:
            session.rollback()
            flash(str(err), "error")
    return _user_page(session, u, form)


def _user_page(session, u: User, form, reset_link: dict | None = None, conflict: dict | None = None):
    """The user's admin page; a reset link just made is in this answer alone."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == u.id)
                             .order_by(ApiToken.id.desc())).all()
    resets = account_links.listed(session, account_links.RESET, user_id=u.id, limit=10)
    return page("admin/user.html", {"user": {**user_row(u), "email": u.email},
                                    "tokens": [token_row(t) for t in tokens],
                                    "reset_links": [link_row(r, {}, {}) for r in resets],
                                    "reset_link": reset_link, "conflict": conflict},
                form=form, post=PostForm(), sign_out=SignOutForm())


@bp.post("/users/<int:user_id>/reset-link")
@roles_required("admin")
def reset_link(user_id: int):
    """A password reset link for the user, shown once here (and mailed to their address where
    SMTP is configured); their earlier reset links stop working."""
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        abort(404, "No such user.")
    made = None
    if ResetLinkForm().validate_on_submit():
        try:
            new = account_links.create_reset(session, u, created_by=current_user,
                                             hours=int(current_app.config["RESET_HOURS"]))
            session.commit()
        except account_links.LinkError as err:
            session.rollback()
            flash(str(err), "error")
        else:
            made = hand_over(new)  # mailed after the commit, outside the write lock
    return _user_page(session, u, UserEditForm(obj=u), made)


@bp.post("/users/<int:user_id>/sign-out")
@roles_required("admin")
def sign_out_user(user_id: int):
    """Sign a user out everywhere, and revoke their API tokens unless the admin unticks it
    (a stolen token outlives a stolen cookie)."""
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        abort(404, "No such user.")
    form = SignOutForm()
    if form.validate_on_submit():
        users.end_sessions(session, u, tokens=bool(form.revoke_tokens.data))
        session.commit()
        flash(_("%(user)s is signed out everywhere and their API tokens are revoked.", user=u.username)
              if form.revoke_tokens.data else _("%(user)s is signed out everywhere.", user=u.username),
              "info")
    return redirect(url_for("admin.user", user_id=u.id))


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_user_token(user_id: int, token_id: int):
    session = get_session()
    u = session.get(User, user_id)
    if u is None:
        abort(404, "No such user.")
    if PostForm().validate_on_submit() and users.revoke_token(session, u, token_id):
        session.commit()
        flash(_("Token revoked."), "info")
    return redirect(url_for("admin.user", user_id=u.id))


@bp.get("/events")
@roles_required("admin")
def events_page():
    """The event log, newest first, with filters (project, actor, kind, since, until) and
    keyset pages (?before=ID); /api/v1/events answers the same."""
    session = get_session()
    filters, before, limit = event_filters(session)
    rows, nxt = events.listing(session, filters, before, limit)
    args = {k: v for k, v in request.args.items() if k in ("project", "actor", "kind", "since", "until") and v}
    return page("admin/events.html", {"events": rows, "next": nxt, "filters": args,
                                      "kinds": list(events.KINDS)})
