"""`annotator delete | restore | purge | deleted | events`: soft deletes, their undoing, the one
hard delete and the event log, from the command line (annotator.deletion, annotator.events)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import deletion, events, projects, users
from .models import Article, Project, User

WHAT = click.Choice(list(deletion.WHAT))


def _session():
    return current_app.extensions["annotator.sessionmaker"]()


@contextmanager
def _deleting(commit: bool = True):
    """A session for one delete, restore or purge: a refusal (DeletionError) becomes the
    command's one-line error, and nothing is committed unless it went through."""
    with _session() as session:
        try:
            yield session
        except deletion.DeletionError as err:
            raise click.ClickException(str(err)) from None
        if commit:
            session.commit()


def _ident(session, what: str, name: str) -> int:
    """A project by slug, a user by name, or anything by id."""
    if name.isdigit():
        return int(name)
    row = projects.by_slug(session, name) if what == "project" else (
        users.by_name(session, name) if what == "user" else None)
    if row is None:
        raise click.ClickException(f"no {what} {name!r} (give its id)")
    return row.id


@click.command("delete")
@click.argument("what", type=WHAT)
@click.argument("name")
@with_appcontext
def delete_cmd(what, name):
    """Soft-delete an article (id), a project (slug or id) or a user (name or id): hidden
    everywhere until `annotator restore`; only `annotator purge` removes it."""
    with _deleting() as session:
        ident = _ident(session, what, name)
        row = session.get({"article": Article, "project": Project, "user": User}[what], ident)
        if row is None:
            raise click.ClickException(f"no {what} {ident}")
        {"article": deletion.delete_article, "project": deletion.delete_project,
         "user": lambda s, r: deletion.delete_user(s, r, None)}[what](session, row)
    click.echo(f"deleted {what} {ident} (restore: annotator restore {what} {ident})")


@click.command("restore")
@click.argument("what", type=WHAT)
@click.argument("ident", type=int)
@with_appcontext
def restore_cmd(what, ident):
    """Bring back a deleted article, project or user (ids: see `annotator deleted`)."""
    with _deleting() as session:
        deletion.restore(session, what, ident)
    click.echo(f"restored {what} {ident}")


@click.command("purge")
@click.argument("what", type=WHAT)
@click.argument("ident", type=int)
@click.option("--to", "directory", type=click.Path(file_okay=False),
              help="Where the export goes first (default: RELEASES_DIR/purged).")
@with_appcontext
def purge_cmd(what, ident, directory):
    """Remove a deleted article, project or user for good: first a full export of what goes
    (every kind, JSON lines) to DIR/purged-WHAT-ID/, then the rows. The event log keeps it."""
    directory = Path(directory or Path(current_app.config["RELEASES_DIR"]) / "purged")
    with _deleting(commit=False) as session:  # purge commits its own steps
        folder = deletion.purge(session, what, ident, directory)
    click.echo(f"purged {what} {ident}; its export: {folder}")


@click.command("deleted")
@with_appcontext
def deleted_cmd():
    """List what was deleted and can be restored or purged."""
    with _session() as session:
        for d in deletion.listed(session):
            click.echo(f"{d.what:<8} {d.id:>7}  {d.name}" + (f"  (from {d.project})" if d.project else ""))


@click.command("events")
@click.option("--project", help="Project slug.")
@click.option("--kind", type=click.Choice(list(events.KINDS)))
@click.option("--limit", type=int, default=50, show_default=True)
@with_appcontext
def events_cmd(project, kind, limit):
    """The event log, newest first, one JSON object a line."""
    with _session() as session:
        pid = None
        if project:
            p = projects.by_slug(session, project)
            if p is None:
                raise click.ClickException(f"no project {project!r}")
            pid = p.id
        rows, _next = events.listing(session, events.Filters(project_id=pid, kind=kind), limit=limit)
        for e in rows:
            click.echo(json.dumps(e, ensure_ascii=False))


COMMANDS = [delete_cmd, restore_cmd, purge_cmd, deleted_cmd, events_cmd]
