"""Soft deletes, restores and the one hard delete, `purge` (issue 20 item 1; no Flask import).

Deleting an article, a project or a user hides it and keeps everything; an admin restores it
(page, API, CLI alike call this module). Only `purge` removes rows, and only after it wrote a
full export (every kind, as a release writes them) of what it removes. Each step is an event.

- A project: `deleted_at` is set; projects.by_slug, ref_by_slug and visible_projects skip it,
  so no page, API call, export, statistic or queue reaches it.
- An article: it moves, with its units, labels, gold and control items, into the project's
  holding project (slug "~deleted-<id>", itself marked deleted), so that every query by
  project -- assignment, progress, stats, exports, lists -- leaves it out with no filter of
  its own. Restoring moves it back; the log keeps where it came from.
- A user: `deleted_at` is set (User.is_active is then false), every session ends and their
  tokens are revoked; user lists leave them out. Their labels stay in the figures until they
  are purged (a label once given is part of the record).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import events, progress, users
from .db import begin_write
from .models import (Adjudication, Annotation, Article, ControlItem, Event, Lease, Project, Sentence,
                     Skip, User, utcnow)
from .releases import export_all
from .timestamps import iso_utc

HOLD_PREFIX = "~deleted-"
WHAT = ("article", "project", "user")
# The rows that move with an article (each has the project id of its own).
_MOVED = (Sentence, Annotation, Adjudication, ControlItem)


class DeletionError(ValueError):
    """A delete, restore or purge that cannot be done; str(e) says why."""


def _hold(session: Session, project: Project) -> Project:
    """The hidden project that keeps `project`'s deleted articles (made on first use)."""
    slug = f"{HOLD_PREFIX}{project.id}"
    hold = session.scalar(select(Project).where(Project.slug == slug))
    if hold is None:
        hold = Project(slug=slug, name=f"Deleted articles of {project.slug}", guidelines="",
                       overlap=project.overlap, labels=project.labels, settings=project.settings or {},
                       deleted_at=utcnow())
        session.add(hold)
        session.flush()
    else:
        hold.labels, hold.settings = project.labels, project.settings or {}
    return hold


def _move(session: Session, article: Article, to: int) -> None:
    ids = select(Sentence.id).where(Sentence.article_id == article.id).scalar_subquery()
    for table in (Lease, Skip):  # served, not given: nothing to keep
        session.execute(delete(table).where(table.sentence_id.in_(ids)))
    for model in _MOVED:
        where = (model.article_id == article.id) if model is Sentence else model.sentence_id.in_(ids)
        session.execute(update(model).where(where).values(project_id=to))
    article.project_id = to


def delete_article(session: Session, article: Article) -> None:
    """Hide an article and all it holds; the caller commits."""
    begin_write(session)
    project = session.get(Project, article.project_id)
    if project is None or project.slug.startswith(HOLD_PREFIX):
        raise DeletionError(f"article {article.id}: deleted already")
    hold = _hold(session, project)
    _move(session, article, hold.id)
    events.record(session, "article", "delete", article.id, project_id=project.id,
                  before={"project_id": project.id, "title": article.title},
                  after={"held_in": hold.id})
    progress.forget(project.id)


def delete_project(session: Session, project: Project) -> None:
    begin_write(session)
    if project.deleted_at is not None:
        raise DeletionError(f"project {project.slug}: deleted already")
    project.deleted_at = utcnow()
    events.record(session, "project", "delete", project.id, project_id=project.id,
                  before={"slug": project.slug, "name": project.name})


def delete_user(session: Session, user: User, acting) -> None:
    begin_write(session)
    if acting is not None and user.id == acting.id:
        raise DeletionError("You cannot delete yourself.")
    if user.deleted_at is not None:
        raise DeletionError(f"user {user.username}: deleted already")
    before = events.user_state(user)
    user.deleted_at = utcnow()
    users.end_sessions(session, user, tokens=True)
    events.user_change(session, user, "delete", before, {"deleted": True})


@dataclass(frozen=True)
class Deleted:
    what: str
    id: int
    name: str
    project: str | None
    deleted_at: str | None

    def as_dict(self) -> dict:
        return {"what": self.what, "id": self.id, "name": self.name, "project": self.project,
                "deleted_at": self.deleted_at}


def listed(session: Session) -> list[Deleted]:
    """Everything deleted and not purged: projects, articles (with the project they came
    from), users."""
    out = [Deleted("project", p.id, p.slug, None, iso_utc(p.deleted_at))
           for p in session.scalars(select(Project).where(Project.deleted_at.is_not(None),
                                                          ~Project.slug.startswith(HOLD_PREFIX))
                                    .order_by(Project.id))]
    held = session.execute(select(Article.id, Article.title, Project.slug)
                           .join(Project, Project.id == Article.project_id)
                           .where(Project.slug.startswith(HOLD_PREFIX)).order_by(Article.id)).all()
    for aid, title, slug in held:
        source = session.get(Project, int(slug.removeprefix(HOLD_PREFIX)))
        out.append(Deleted("article", aid, title, source.slug if source else None,
                           iso_utc(_deleted_at(session, "article", aid))))
    out += [Deleted("user", u.id, u.username, None, iso_utc(u.deleted_at))
            for u in session.scalars(select(User).where(User.deleted_at.is_not(None)).order_by(User.id))]
    return out


def _deleted_at(session: Session, kind: str, target: int):
    return session.scalar(select(Event.at).where(Event.kind == kind, Event.target == str(target),
                                                 Event.action == "delete")
                          .order_by(Event.id.desc()).limit(1))


def _get(session: Session, what: str, ident: int):
    if what not in WHAT:
        raise DeletionError(f"what: one of {', '.join(WHAT)} (got {what!r})")
    row = session.get({"article": Article, "project": Project, "user": User}[what], ident)
    if row is None:
        raise DeletionError(f"{what} {ident}: no such {what}")
    return row


def _held_in(session: Session, article: Article) -> tuple[Project, Project]:
    hold = session.get(Project, article.project_id)
    if not hold.slug.startswith(HOLD_PREFIX):
        raise DeletionError(f"article {article.id}: not deleted")
    source = session.get(Project, int(hold.slug.removeprefix(HOLD_PREFIX)))
    return hold, source


def restore(session: Session, what: str, ident: int) -> None:
    """Bring back a deleted article, project or user; the caller commits."""
    begin_write(session)
    row = _get(session, what, ident)
    if what == "article":
        _hold_, source = _held_in(session, row)
        ids = {lab["id"] for lab in source.labels}
        used = set(session.scalars(select(Annotation.label).join(Sentence).where(
            Sentence.article_id == row.id))) | set(session.scalars(select(Adjudication.label).join(
                Sentence).where(Sentence.article_id == row.id)))
        if used - ids:
            raise DeletionError(f"article {row.id}: its labels {', '.join(sorted(used - ids))} are "
                                f"no longer in the scheme of {source.slug}")
        clash = session.scalar(select(Article.id).where(Article.project_id == source.id,
                                                        Article.text_hash == row.text_hash))
        if clash is not None:
            raise DeletionError(f"article {row.id}: article {clash} of {source.slug} has the same "
                                "text (imported again since); delete that one first")
        _move(session, row, source.id)
        events.record(session, "article", "restore", row.id, project_id=source.id,
                      after={"project_id": source.id, "title": row.title})
        progress.forget(source.id)
    elif row.deleted_at is None or (what == "project" and row.slug.startswith(HOLD_PREFIX)):
        raise DeletionError(f"{what} {ident}: not deleted")
    else:
        row.deleted_at = None
        if what == "project":
            events.record(session, "project", "restore", row.id, project_id=row.id,
                          after={"slug": row.slug, "name": row.name})
        else:
            events.user_change(session, row, "restore")


def purge(session: Session, what: str, ident: int, directory: str | Path) -> Path:
    """Remove a deleted article, project or user for good, after writing a full export of what
    goes (every kind, JSON lines, as a release writes them) to `directory`/purged-<what>-<id>/.
    Returns that folder. Commits."""
    row = _get(session, what, ident)
    folder = Path(directory) / f"purged-{what}-{ident}"
    if what == "article":
        hold, source = _held_in(session, row)
        scope = [hold]
    elif row.deleted_at is None:
        raise DeletionError(f"{what} {ident}: delete it first (purge removes only what was deleted)")
    elif what == "project":
        scope = [row]
        hold = session.scalar(select(Project).where(Project.slug == f"{HOLD_PREFIX}{row.id}"))
        scope += [hold] if hold is not None else []
    else:  # a user: every project they labelled or reviewed in
        pids = set(session.scalars(select(Annotation.project_id).where(Annotation.user_id == row.id)))
        pids |= set(session.scalars(select(Adjudication.project_id).where(Adjudication.reviewer_id == row.id)))
        scope = [session.get(Project, p) for p in sorted(pids)]
    if folder.exists():
        raise DeletionError(f"{folder}: exists already (a purge export is never overwritten)")
    folder.mkdir(parents=True)
    written = {p.slug: export_all(session, p, folder / p.slug) for p in scope}
    begin_write(session)
    row = _get(session, what, ident)
    if what == "article":
        before = {"title": row.title, "project_id": source.id if source else None}
        events.record(session, "article", "purge", ident, project_id=source.id if source else None,
                      before=before, after={"export": str(folder)})
    elif what == "project":
        events.record(session, "project", "purge", ident, project_id=ident,
                      before={"slug": row.slug}, after={"export": str(folder)})
        if len(scope) > 1:
            session.delete(scope[1])
    else:
        events.user_change(session, row, "purge", events.user_state(row), {"export": str(folder)})
    session.delete(row)
    session.commit()
    lines = [f"{slug}: " + ", ".join(f"{n} ({v['records']} records)" for n, v in files.items())
             for slug, files in written.items()]
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
