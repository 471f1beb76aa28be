"""The `annotator` command: a thin shell over the domain modules (also `flask --app annotator`)."""
from __future__ import annotations

import io
import json
import os
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, pass_script_info, with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import (account_links, create_app, events, export, ingest, job_kinds, jobs, mail, projects, releases,
               scheme_repair, scheme_templates, staged_import, unit_repair, users, worker)
from .ingest import stream
from .access import Refused
from .articles import add_articles, set_lang
from .backup import BackupError, backup
from .cli_provenance import COMMANDS as provenance_commands
from .db import alembic_config, upgrade
from .demo import load_demo
from .export.annotation_import import import_annotations
from .export.dataset_card import dataset_card
from .model import schedule, store as model_store
from .model.errors import TooFewLabels
from .models import MAX_ID, Article
from .review.intervals import TOO_FEW, describe_field
from .review.stats import annotator_accuracy, hint_quality, project_stats
from .web.serve import serve


def _progressbar(*args, **kwargs):
    """click's progress bar, on standard error where that is a terminal. Elsewhere (a pipe, a
    log file, a test runner) click would still print the label once; nothing is drawn there."""
    return click.progressbar(*args, file=sys.stderr if sys.stderr.isatty() else io.StringIO(),
                             **kwargs)


def _session():
    return current_app.extensions["annotator.sessionmaker"]()


def _project(session, slug: str):
    project = projects.by_slug(session, slug)
    if project is None:
        raise click.ClickException(f"no project {slug!r} (see `annotator create-project`)")
    return project


def _user(session, name: str):
    user = users.by_name(session, name)
    if user is None:
        raise click.ClickException(f"no user {name!r} (see `annotator create-user`)")
    return user


@click.command("init")
@with_appcontext
def init_cmd():
    """Create or upgrade the database."""
    upgrade(current_app.extensions["annotator.engine"])
    url = current_app.extensions["annotator.engine"].url.render_as_string(hide_password=True)
    click.echo(f"Database ready: {url}")


@click.command("demo")
@with_appcontext
def demo_cmd():
    """Demo project "demo", demo users and articles (idempotent)."""
    with _session() as session:
        lines = load_demo(session, Path(current_app.instance_path))
    for line in lines:
        click.echo(line)


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "annotator"]), default="annotator")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_cmd(name, role, password_stdin):
    """Create a user; without --password-stdin a password is generated and printed once."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else users.generate_password()
    with _session() as session:
        try:
            users.create_user(session, name, role, password)
        except users.AccountError as err:
            raise click.ClickException(str(err)) from None
        session.commit()
    click.echo(f"Created {role} {name}.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@click.command("create-project")
@click.argument("slug")
@click.option("--name", help="Display name (default: the slug).")
@click.option("--overlap", type=int, default=2, show_default=True, help="Labels wanted per sentence.")
@click.option("--guidelines", type=click.Path(exists=True, dir_okay=False), help="Markdown file.")
@click.option("--members", default="", help="Comma-separated usernames; empty: every annotator.")
@click.option("--labels", "--scheme", "labels_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON file with the labels, or the scheme as the project form downloads it "
                   '({"labels": [...], "settings": {...}}; default: the template\'s).')
@click.option("--template", type=click.Choice(list(scheme_templates.TEMPLATES)),
              default=scheme_templates.DEFAULT_TEMPLATE, show_default=True,
              help="The labels and settings to start from (docs/admin.md).")
@with_appcontext
def create_project_cmd(slug, name, overlap, guidelines, members, labels_file, template):
    """Create a project."""
    with _session() as session:
        member_rows = [_user(session, n.strip()) for n in members.split(",") if n.strip()]
        try:
            scheme = _scheme_file(labels_file) if labels_file else {}
            p = projects.create_project(
                session, slug, name, overlap=overlap, labels=scheme.get("labels"),
                settings_=scheme.get("settings"), members=member_rows, template=template,
                guidelines=Path(guidelines).read_text(encoding="utf-8") if guidelines else "")
        except (projects.ProjectError, ValueError) as err:
            raise click.ClickException(str(err)) from None
        session.commit()
        click.echo(f"Created project {p.slug} (overlap {p.overlap}; labels "
                   f"{', '.join(label['id'] for label in p.labels)}).")


def _scheme_file(path: str) -> dict:
    """projects.scheme_file of a JSON file; errors name the file."""
    try:
        return projects.scheme_file(ingest.json_loads(Path(path).read_text(encoding="utf-8-sig")))
    except ValueError as err:
        raise projects.ProjectError(f"{path}: {err}") from None


@click.command("edit-project")
@click.argument("slug")
@click.option("--scheme", "scheme_path", type=click.Path(exists=True, dir_okay=False),
              help='JSON file: {"labels": [...], "settings": {...}} (either part), as the project '
                   "form downloads it; settings not named keep their values.")
@click.option("--name", help="A new display name.")
@click.option("--overlap", type=int, help="Labels wanted per sentence.")
@click.option("--guidelines", type=click.Path(exists=True, dir_okay=False), help="Markdown file.")
@with_appcontext
def edit_project_cmd(slug, scheme_path, name, overlap, guidelines):
    """Change a project's labels, settings (task shapes, span types, order ...), name, overlap
    or guidelines, through the same checks and history as the project page."""
    with _session() as session:
        project = _project(session, slug)
        try:
            changes = dict(_scheme_file(scheme_path)) if scheme_path else {}
            if name is not None:
                changes["name"] = name
            if overlap is not None:
                changes["overlap"] = overlap
            if guidelines:
                changes["guidelines"] = Path(guidelines).read_text(encoding="utf-8")
            written = schedule.edit_project(
                session, project, changes, events.version_of(session, events.PROJECT_KINDS, project.id))
        except (projects.ProjectError, ValueError) as err:
            session.rollback()
            raise click.ClickException(str(err)) from None
        click.echo(f"{slug}: {'changed ' + ', '.join(written) if written else 'nothing changed'}")


@click.command("import")
@click.argument("slug")
@click.argument("files", nargs=-1, required=True)
@click.option("--queue", is_flag=True, help="Queue each file for `annotator worker` instead "
              "(JSONL and article CSV/TSV only).")
@with_appcontext
def import_cmd(slug, files, queue):
    """Import articles from .txt .md .jsonl .csv .tsv .html files ('-' reads JSONL from stdin).

    JSONL and article CSV/TSV files are streamed: read line by line at flat memory, written in
    short batches (annotators keep labelling) and published at once at the end, with a
    progress bar. Other formats are read whole."""
    with _session() as session:
        project = _project(session, slug)
        for name in files:
            head = b""
            if name != "-":
                try:
                    with open(name, "rb") as fh:
                        head = fh.read(4096)
                except OSError as err:
                    raise click.ClickException(f"{name}: {err.strerror}") from None
            if name != "-" and stream.streamable(name, head):
                if queue:
                    job = job_kinds.enqueue_import(session, project, name, Path(name).name)
                    click.echo(f"{name}: queued as job {job.id}; `annotator worker` runs it")
                    continue
                _import_streamed(session, project, name)
                continue
            if queue:
                raise click.ClickException(f"{name}: only JSONL and article CSV/TSV files are "
                                           "queued; import it without --queue")
            try:
                if name == "-":
                    data, label = sys.stdin.buffer.read(), "stdin.jsonl"
                else:
                    data, label = Path(name).read_bytes(), name
                items = ingest.parse_file(label, data)
            except OSError as err:
                raise click.ClickException(f"{name}: {err.strerror}") from None
            except ingest.IngestError as err:
                raise click.ClickException(f"{err} (nothing imported from this file)") from None
            report = add_articles(session, project, items, label)
            click.echo(f"{label}: {len(report.added)} article(s), {report.sentences} units imported")
            for msg in report.skipped:
                click.echo(msg, err=True)


def _import_streamed(session, project, name: str) -> None:
    """One streamed import with a progress bar over the file's bytes (click's own: no new
    dependency, and it draws nothing when the output is not a terminal)."""
    size = Path(name).stat().st_size
    with _progressbar(length=size, label=Path(name).name, show_eta=True,
                      show_percent=True) as bar:
        def progress(read, _size):
            bar.update(read - bar.pos)
        try:
            report = staged_import.import_file(session, project, name, name, progress=progress)
        except ingest.IngestError as err:
            raise click.ClickException(f"{err} (nothing imported from this file)") from None
    click.echo(f"{name}: {len(report.added)} article(s), {report.sentences} units imported "
               f"(published in {report.publish_seconds:.1f} s)")
    for msg in report.skipped:
        click.echo(msg, err=True)
    if report.skipped_count > len(report.skipped):
        click.echo(f"... {report.skipped_count} skipped in all", err=True)


@click.command("import-annotations")
@click.argument("slug")
@click.argument("file")
@with_appcontext
def import_annotations_cmd(slug, file):
    """Read an `annotations` export (or a minimal converted file) back, all or nothing."""
    with _session() as session:
        project = _project(session, slug)
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
            report = import_annotations(session, project, "stdin" if file == "-" else file, data)
        except OSError as err:
            raise click.ClickException(f"{file}: {err.strerror}") from None
        except ingest.IngestError as err:
            raise click.ClickException(f"{err} (nothing imported)") from None
    older = f", {report.older} older than the stored label (kept)" if report.older else ""
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged{older}")
    if report.new_users:
        click.echo(f"New annotators (no password yet): {', '.join(report.new_users)}")


@click.command("export")
@click.argument("slug")
@click.option("--kind", type=click.Choice(list(export.KINDS)),
              default="annotations",
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(list(export.FORMATS)),
              help="jsonl or csv (default: from the -o file's extension, else jsonl).")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark (for Excel).")
@click.option("-o", "--output", help="File path, or '-' for standard output.")
@click.option("--card", is_flag=True, help="Also write a dataset card (README.md) beside the file.")
@click.option("--queue", is_flag=True, help="Queue the export for `annotator worker` (written "
              "to the export folder; the admin page offers it when ready).")
@with_appcontext
def export_cmd(slug, kind, fmt, bom, output, card, queue):
    """Write a project's labels as JSONL or CSV (default export/SLUG-KIND-YYYYMMDDTHHMMSSZ.jsonl)."""
    if fmt is None:
        fmt = "csv" if output and output.lower().endswith(".csv") else "jsonl"
    if card and fmt != "jsonl":
        raise click.ClickException("--card describes a JSONL export (Hugging Face datasets reads "
                                   "its nested fields from JSON lines): leave out --format csv")
    with _session() as session:
        project = _project(session, slug)
        try:
            reason = export.empty_reason(session, project, kind)
        except export.ExportRefused as err:
            raise click.ClickException(str(err)) from None
        if queue:
            if output or card:
                raise click.ClickException("--queue writes to the export folder: leave out -o and --card")
            job = job_kinds.enqueue_export(session, project, kind, fmt,
                                           current_app.config["EXPORT_DIR"], bom)
            click.echo(f"Export queued as job {job.id}; `annotator worker` writes it to "
                       f"{current_app.config['EXPORT_DIR']}")
            return
        if output == "-":
            if card:
                raise click.ClickException("--card writes README.md beside a file: give -o PATH")
            sys.stdout.flush()  # anything printed before goes first
            n = export.write_export(session, project, kind, fmt, sys.stdout.buffer, bom)
            sys.stdout.buffer.flush()
            click.echo(f"{n} records", err=True)
            if reason:
                click.echo(reason, err=True)
            return
        if not output:
            output = str(Path(current_app.config["EXPORT_DIR"]) / export.file_name(slug, kind, fmt))
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        # The count of records is not known before the end: the bar counts lines as they go.
        with open(tmp, "wb") as fh, _progressbar(iter(()), label=path.name, show_pos=True) as bar:
            counted = job_kinds.LineCounter(fh, lambda k: bar.update(k - bar.pos))
            n = export.write_export(session, project, kind, fmt, counted, bom)
        os.replace(tmp, path)  # a reader never sees half a file
        click.echo(f"{n} records written to {path}")
        if reason:
            click.echo(reason, err=True)
        if card:
            readme = path.with_name("README.md")
            readme.write_text(dataset_card(session, project, kind, path.name), encoding="utf-8")
            click.echo(f"Dataset card written to {readme}")


@click.command("release")
@click.argument("slug")
@click.argument("name")
@click.option("--by", "admin", help="The admin making the release (named in its row).")
@with_appcontext
def release_cmd(slug, name, admin):
    """Freeze the project's labels as release NAME: every export kind, a dataset card citing it,
    a changelog since the release before, and a content hash (RELEASES_DIR/SLUG/NAME)."""
    with _session() as session:
        project = _project(session, slug)
        by = _user(session, admin) if admin else None
        try:
            release = releases.create(session, project, name, current_app.config["RELEASES_DIR"], by)
        except releases.ReleaseError as err:
            raise click.ClickException(str(err)) from None
        counts = ", ".join(f"{f}: {v['records']}" for f, v in release.manifest["files"].items())
        click.echo(f"release {name} of {slug}: sha256:{release.content_hash}")
        click.echo(f"  {release.path} ({counts})")
        for kind, why in release.manifest["skipped"].items():
            click.echo(f"  {kind} left out: {why}")


@click.command("diff")
@click.argument("slug")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per change.")
@with_appcontext
def diff_cmd(slug, a, b, as_json):
    """The labels, gold labels and units added, changed and removed from release A to B."""
    with _session() as session:
        project = _project(session, slug)
        try:
            changes = releases.diff(session, project, a, b)
        except releases.ReleaseError as err:
            raise click.ClickException(str(err)) from None
    for change in changes:
        click.echo(json.dumps(change.as_dict(), ensure_ascii=False) if as_json else change.line())
    counts = releases.summary(changes)
    click.echo(f"{len(changes)} changes from {a} to {b}: " + "; ".join(
        f"{what}s " + ", ".join(f"{n} {c}" for c, n in v.items()) for what, v in counts.items()),
        err=as_json)


@click.command("repair-labels")
@click.argument("slug")
@click.option("--map", "mapping", multiple=True, metavar="OLD=NEW",
              help="Rewrite stored label OLD (outside the scheme) as NEW (repeatable).")
@click.option("--by", "admin", help="The admin making the repair (needed with --map).")
@with_appcontext
def repair_labels_cmd(slug, mapping, admin):
    """List stored labels outside the project's scheme; with --map, rewrite them onto labels
    of the scheme (histories keep the old values)."""
    with _session() as session:
        project = _project(session, slug)
        if not mapping:
            stray = scheme_repair.stray_labels(session, project)
            for label, where in stray.items():
                click.echo(f"{label}: " + ", ".join(f"{n} {w}" for w, n in where.items()))
            click.echo(f"{len(stray)} label(s) outside the scheme of {slug}" +
                       (": map each with --map OLD=NEW --by ADMIN" if stray else ""))
            return
        if not admin:
            raise click.ClickException("--by ADMIN: name the admin making the repair")
        pairs = {}
        for item in mapping:
            old, eq, new = item.partition("=")
            if not eq or not old or not new:
                raise click.ClickException(f"--map {item!r}: write OLD=NEW")
            pairs[old] = new
        try:
            changed = scheme_repair.map_stray(session, project, pairs, _user(session, admin))
        except (scheme_repair.SchemeRepairError, Refused) as err:
            raise click.ClickException(str(err)) from None
        click.echo("rewritten: " + ", ".join(f"{n} {w}" for w, n in changed.items()))


@click.command("stats")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="The JSON contract instead of a table.")
@click.option("--article", "articles", type=int, multiple=True, help="Only this article (repeatable).")
@click.option("--annotator", "annotators", multiple=True, help="Only this annotator (repeatable).")
@click.option("--lang", "langs", multiple=True, help="Only articles in this language, e.g. de (repeatable).")
@click.option("--since", help="Only labels stored at or after this ISO date/time (UTC).")
@click.option("--until", help="Only labels stored at or before this ISO date/time (UTC).")
@click.option("--hints", is_flag=True, help="Add hint quality: precision/recall/F1 of the lexicon hints.")
@click.option("--accuracy", is_flag=True, help="Add each annotator's estimated accuracy (Dawid-Skene), "
              "with its n and 95% interval, as the dashboard shows it.")
@click.option("--queue", is_flag=True, help="Queue a statistics refresh for `annotator worker`.")
@with_appcontext
def stats_cmd(slug, as_json, articles, annotators, langs, since, until, hints, accuracy, queue):
    """Agreement statistics of a project (the same JSON as GET /api/v1/projects/SLUG/stats)."""
    filters = {}
    if articles:
        filters["article_ids"] = list(articles)
    if annotators:
        filters["annotators"] = list(annotators)
    if langs:
        filters["langs"] = list(langs)
    if since:
        filters["since"] = since
    if until:
        filters["until"] = until
    with _session() as session:
        project = _project(session, slug)
        if queue:
            job = job_kinds.enqueue_stats(session, project)
            click.echo(f"Statistics refresh queued as job {job.id}; `annotator worker` runs it")
            return
        # A bar by stage (the statistics are one computation over the label rows; a stage
        # can take seconds on a large project). Drawn on standard error, only on a terminal.
        steps = ["statistics"] + (["hint quality"] if hints else []) + (["accuracy"] if accuracy else [])
        with _progressbar(steps, label=project.slug, item_show_func=lambda s: s) as bar:
            for step in bar:
                if step == "statistics":
                    try:
                        result = project_stats(session, project, **filters)
                    except ValueError as err:
                        raise click.ClickException(str(err)) from None
                elif step == "hint quality":
                    result["hint_quality"] = hint_quality(session, project)
                else:
                    result["dawid_skene"] = annotator_accuracy(session, project, **filters)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(_stats_table(result))


def _stats_table(s: dict) -> str:
    def f(x, digits=3):
        return "-" if x is None else (f"{x:,}" if isinstance(x, int) else f"{x:.{digits}f}")

    def reading(a):
        if a is None:
            return "not computable"
        return "reliable" if a >= 0.8 else "tentative" if a >= 0.667 else "not reliable"

    why = s.get("reasons", {})
    ci = s["krippendorff_alpha_ci95"]
    lines = [
        f"units {f(s['units'])}   pairable {f(s['pairable_units'])}   "
        f"annotations {f(s['annotations'])}   annotators {f(s['annotators'])}",
        "",
        f"  Krippendorff's alpha  {f(s['krippendorff_alpha']):>8}  "
        + (f"95% CI [{f(ci[0])}, {f(ci[1])}]  " if ci else "")
        + f"{reading(s['krippendorff_alpha'])}"
        + (f" ({why['krippendorff_alpha']})" if "krippendorff_alpha" in why else ""),
        f"  percent agreement     {f(s['percent_agreement']):>8}",
        f"  Fleiss' kappa         {f(s['fleiss_kappa']):>8}  over {f(s['fleiss_units'])} units",
        f"  Gwet's AC1            {f(s['gwet_ac1']):>8}",
        "",
        f"  {'label':<24} {'count':>8} {'alpha':>8}",
    ]
    for lab, v in s["per_label"].items():
        lines.append(f"  {lab:<24} {f(v['count']):>8} {f(v['alpha']):>8}")
    lines += ["", f"  {'annotator':<20} {'labels':>8} {'median s':>9}  " + "  ".join(s["labels"])
              + "  with the others' majority"]
    for a in s["annotator_stats"]:
        dist = "  ".join(f"{a['label_distribution'][l]:>{len(l)}}" for l in s["labels"])
        lines.append(f"  {a['annotator']:<20} {f(a['annotations']):>8} "
                     f"{f(a['median_seconds'], 1):>9}  {dist}  "
                     + describe_field(a, "agreement_with_majority"))
    if "dawid_skene" in s:
        lines += ["", f"  {'annotator':<20} estimated accuracy (Dawid-Skene)"]
        for e in s["dawid_skene"]["annotators"]:
            lines.append(f"  {e['annotator']:<20} " + describe_field(e, "accuracy"))
    if "hint_quality" in s:
        lines += ["", f"  {'hints vs humans':<24} {'precision':>9} {'recall':>8} {'F1':>8} {'support':>8}"]
        q = s["hint_quality"]
        for name, v in (("cue -> attributed", q["cue"]), ("term -> contested", q["contested_term"]),
                        ("spans (overlap)", q["spans"])):
            lines.append(f"  {name:<24} {f(v['precision']):>9} {f(v['recall']):>8} {f(v['f1']):>8} "
                         f"{f(v['support']):>8}")
    m = s.get("model") or {}
    if m.get("model_version") is not None:
        cal = m["calibration"]
        lines += ["", f"  model v{m['model_version']}: alpha with the model as a rater "
                  f"{f(m['alpha_with_model'])} (humans {f(m['alpha_humans'])}); macro-F1 against "
                  f"gold {f(m['vs_gold']['macro_f1'])} on {f(m['vs_gold']['n'])}; ECE {f(cal['ece'])} "
                  f"on {f(cal['n'])} gold and control items"]
    an = s.get("anchoring") or {}
    if any(v["n"] for v in an.get("arms", {}).values()):
        lines += ["", f"  {'arm':<12} {'labels':>8} {'gold':>8} {'majority':>9} {'model':>8} {'median s':>9}"]
        for arm, v in an["arms"].items():
            lines.append(f"  {arm:<12} {f(v['n']):>8} {f(v['agreement_with_gold']):>8} "
                         f"{f(v['agreement_with_majority']):>9} {f(v['agreement_with_model']):>8} "
                         f"{f(v['median_seconds'], 1):>9}")
        for d in an["differences"]:
            ci = d["agreement_with_model_ci95"]
            lines.append(f"  {d['arm']} - none: with the model {f(d['agreement_with_model'])}"
                         + (f" [{f(ci[0])}, {f(ci[1])}]" if ci else "")
                         + f", with gold {f(d['agreement_with_gold'])}")
    if s["cohen_kappa"]:
        lines += ["", f"  {'pair':<41} {'n':>7} {'kappa':>8}  95% CI"]
        for p in s["cohen_kappa"]:
            ci = p.get("kappa_ci95")
            lines.append(f"  {p['a'] + ' / ' + p['b']:<41} {f(p['n']):>7} {f(p['kappa']):>8}  "
                         + (f"[{f(ci[0])}, {f(ci[1])}]" if ci else "-")
                         + (f"  {TOO_FEW}" if p.get("kappa_too_few") else ""))
    return "\n".join(lines)


_ID = click.IntRange(1, MAX_ID)  # an id column's range: a larger one is no row


@click.command("merge-units")
@click.argument("article", type=_ID)
@click.argument("first", type=_ID)
@click.argument("second", type=_ID)
@click.option("--by", "admin", required=True, help="The admin making the repair (named in the history).")
@with_appcontext
def merge_units_cmd(article, first, second, admin):
    """Merge two adjacent units (sentence ids FIRST and SECOND) of ARTICLE into one."""
    _repair(unit_repair.merge_units, article, admin, first, second)


@click.command("split-unit")
@click.argument("article", type=_ID)
@click.argument("sentence", type=_ID)
@click.argument("at", type=int)
@click.option("--by", "admin", required=True, help="The admin making the repair (named in the history).")
@with_appcontext
def split_unit_cmd(article, sentence, at, admin):
    """Split unit SENTENCE of ARTICLE in two before character AT of its text (from 0)."""
    _repair(unit_repair.split_unit, article, admin, sentence, at)


@click.command("set-lang")
@click.argument("article", type=_ID)
@click.argument("lang")
@with_appcontext
def set_lang_cmd(article, lang):
    """Set ARTICLE's language to LANG (a tag such as de or pt-BR), over the detected one."""
    with _session() as session:
        art = session.get(Article, article)
        if art is None:
            raise click.ClickException(f"no article {article}")
        try:
            set_lang(session, art, lang)
        except ValueError as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"article {article}: language {art.lang}")


def _repair(change, article_id: int, admin: str, *args) -> None:
    with _session() as session:
        user = _user(session, admin)
        art = session.get(Article, article_id)
        if art is None:
            raise click.ClickException(f"no article {article_id}")
        try:
            done = change(session, user, art, *args)
        except (unit_repair.RepairError, Refused) as err:
            raise click.ClickException(f"{admin}: {err}" if isinstance(err, Refused) else str(err)) from None
        for u in done.units:
            mark = "+" if u.id in done.created else " "
            click.echo(f"{mark} {u.position:4d}  {u.id:8d}  {u.kind:11s} {u.text[:60]}")
        click.echo(f"{len(done.replaced)} unit(s) replaced by {len(done.created)}; "
                   f"{done.labels_moved} label(s) moved to history")


@click.command("token")
@click.argument("name")
@click.option("--label", "token_name", default="cli", help="A name to recognise the token by.")
@with_appcontext
def token_cmd(name, token_name):
    """Print a new API token for user NAME (alone on the last line)."""
    with _session() as session:
        user = _user(session, name)
        _, token = users.create_token(session, user, token_name)
        session.commit()
    click.echo(f"New API token for {name} (shown once; stored hashed):", err=True)
    click.echo(token)


def _hand_over(new, base_url: str | None, project_names=()) -> str:
    """The link (full under --base-url or PUBLIC_URL, else the path), mailed where SMTP is
    configured and the link has an address."""
    url = new.url(base_url or current_app.config.get("PUBLIC_URL"))
    try:
        sent = account_links.deliver(mail.from_config(current_app.config), new, url, project_names)
    except mail.MailError as err:
        click.echo(f"warning: {err}", err=True)
    else:
        if sent:
            click.echo(f"mailed to {sent}", err=True)
    return url


_BASE_URL = click.option("--base-url", help="Start links with this address (default: the "
                                            "PUBLIC_URL setting; neither: print the path).")


@click.command("invite")
@click.argument("people", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["admin", "reviewer", "annotator"]), default="annotator")
@click.option("--project", "project_slugs", multiple=True, help="Preset membership (repeatable).")
@click.option("--days", type=int, default=None, help="Valid for this many days (default: INVITE_DAYS).")
@_BASE_URL
@with_appcontext
def invite_cmd(people, role, project_slugs, days, base_url):
    """Invite links for USERNAME_OR_EMAIL... ('-' reads one a line from standard input), all
    or none; prints each person and link, tab-separated."""
    lines = [line for who in people
             for line in (sys.stdin.read().splitlines() if who == "-" else [who])]
    with _session() as session:
        try:
            made = account_links.create_invites(
                session, lines, role, list(project_slugs),
                days=days if days is not None else int(current_app.config["INVITE_DAYS"]))
        except account_links.LinkError as err:
            raise click.ClickException(str(err)) from None
        session.commit()
    for new in made:
        click.echo(f"{new.link.username or new.link.email}\t{_hand_over(new, base_url, project_slugs)}")


@click.command("reset-link")
@click.argument("username")
@click.option("--hours", type=int, default=None, help="Valid for this many hours (default: RESET_HOURS).")
@_BASE_URL
@with_appcontext
def reset_link_cmd(username, hours, base_url):
    """Print a password reset link for USERNAME (alone on the last line); earlier ones stop
    working."""
    with _session() as session:
        user = _user(session, username)
        try:
            new = account_links.create_reset(
                session, user, hours=hours if hours is not None else int(current_app.config["RESET_HOURS"]))
        except account_links.LinkError as err:
            raise click.ClickException(str(err)) from None
        session.commit()
    click.echo(f"Reset link for {username} (works once; shown once, stored hashed):", err=True)
    click.echo(_hand_over(new, base_url))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--workers", default=None, type=int, help="Worker processes (default: CPU count).")
@click.option("--threads", default=4, type=int, show_default=True, help="Threads per worker.")
@pass_script_info
def serve_cmd(info, host, port, workers, threads):
    """Serve with a production WSGI server (gunicorn; waitress where gunicorn cannot run)."""
    app = info.load_app()
    if not schema_is_current(app.extensions["annotator.engine"]):
        raise click.ClickException("the database is not at the newest schema: run `annotator init` first")
    workers = workers or os.cpu_count() or 1
    serve(app, host, port, workers, threads)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_cmd(path):
    """Write a consistent snapshot of the SQLite database to PATH (PostgreSQL: see pg_dump)."""
    try:
        report = backup(current_app.extensions["annotator.engine"], path)
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backup written to {report.path} ({report.bytes:,} bytes)")


# ---------------------------------------------------------------- the project model, the worker


@click.group("model")
def model_cmd():
    """The project model: train it, list its versions."""


def model_line(slug: str, v: dict) -> str:
    return (f"model v{v['version']} for {slug}: {v['n_labels']} labels, "
            f"macro-F1 {v['macro_f1']:.2f} ({v['folds']}-fold)")


@model_cmd.command("train")
@click.argument("slug")
@click.option("--queue", is_flag=True, help="Queue the training for `annotator worker` instead.")
@with_appcontext
def model_train_cmd(slug, queue):
    """Train SLUG's model from its final labels now and print its cross-validated macro-F1."""
    with _session() as session:
        project = _project(session, slug)
        if queue:
            job, created = schedule.enqueue_training(session, project)
            click.echo(f"training of {slug} {'queued' if created else 'already queued'} as job {job.id}")
            return
        try:
            done = schedule.train_now(session, project)  # the queue ranked anew, as the worker does
        except TooFewLabels as err:
            raise click.ClickException(str(err)) from None
        click.echo(model_line(slug, done))


@model_cmd.command("status")
@click.argument("slug")
@with_appcontext
def model_status_cmd(slug):
    """SLUG's model versions, newest first, one line each (and its training jobs under way)."""
    with _session() as session:
        project = _project(session, slug)
        found = model_store.versions(session, project)
        for v in found:
            per = "  ".join(f"{label} {f1:.2f}" for label, f1 in v["per_label_f1"].items())
            click.echo(f"{model_line(slug, v)}, {v['created_at']}, {v['seconds']:.1f} s; F1 {per}")
        if not found:
            click.echo(f"no model for {slug} yet")
        for j in jobs.recent(session, project.id, schedule.TRAIN, limit=1):
            if j["state"] in ("queued", "running", "failed"):
                why = f": {j['error']}" if j["error"] else ""
                click.echo(f"training job {j['id']}: {j['state']}{why}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--poll", default=2.0, type=click.FloatRange(0.1, 3600), show_default=True,
              help="Seconds between looks at an empty queue.")
@click.option("--nice", "niceness", default=10, type=click.IntRange(0, 19), show_default=True,
              help="How much lower the worker's CPU priority is than the web server's (POSIX).")
@with_appcontext
def worker_cmd(once, poll, niceness):
    """Run background jobs (trainings, imports, exports, statistics, releases) until stopped;
    start it beside `annotator serve`. On SIGTERM or Ctrl-C the running job goes back to the
    queue for the next worker. It runs at a lower CPU priority: a training's two threads give
    way to the annotators' requests on a machine the two share."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # SystemExit: run_job releases the job
    n = worker.run(current_app.extensions["annotator.sessionmaker"], once=once, poll=poll)
    if once:
        click.echo(f"{n} job(s) run")


COMMANDS = [init_cmd, demo_cmd, create_user_cmd, create_project_cmd, edit_project_cmd, import_cmd,
            import_annotations_cmd, export_cmd, release_cmd, diff_cmd, repair_labels_cmd,
            stats_cmd, merge_units_cmd, split_unit_cmd, set_lang_cmd, token_cmd, invite_cmd,
            reset_link_cmd, serve_cmd, backup_cmd, model_cmd, worker_cmd, *provenance_commands]


def register(app) -> None:
    for cmd in COMMANDS:
        app.cli.add_command(cmd)


class _Group(FlaskGroup):
    """Database errors become one line on standard error, not a traceback."""
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as err:
            if ctx.invoked_subcommand != "init" and _missing_schema(err):
                raise click.ClickException(
                    "the database has no tables yet: run `annotator init` first") from None
            raise click.ClickException(f"database error: {err.orig}") from None


def _missing_schema(err) -> bool:
    text = str(err.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def schema_is_current(engine) -> bool:
    # Alembic is imported here, not at the top: only `serve` needs it, and loading it costs every
    # other command 0.3 s of start-up.
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def main() -> None:
    cli = _Group(create_app=lambda: create_app(), add_default_commands=False,
                 add_version_option=False, help="annotator: label news articles sentence by sentence.")
    # The app is always annotator's own: Flask's --app/--env-file/--debug options do not apply.
    cli.params = [p for p in cli.params if p.name not in ("app", "env_file", "debug")]
    cli.main(prog_name="annotator")


if __name__ == "__main__":  # python -m annotator.cli
    main()
