"""The plain data the pages show of a project, a user, a token or an article: what a page's
template reads and its JSON twin sends (web/view_helpers.page). No ORM object, no secret (a
password or token hash never leaves here), times as ISO 8601 UTC."""
from __future__ import annotations

from .. import account_links, projects
from ..models import AccountLink, ApiToken, Article, Project, Release, User
from ..timestamps import iso_utc


def project_summary(project: Project) -> dict:
    return {"slug": project.slug, "name": project.name, "overlap": project.overlap,
            "labels": project.labels}


def project_detail(project: Project) -> dict:
    """The summary, the members (usernames; none: every annotator may work there), settings
    and guidelines (Markdown source) as an admin sees and edits them."""
    return {**project_summary(project), "members": [m.username for m in project.members],
            "settings": projects.settings(project), "guidelines": project.guidelines or ""}


def user_status(user: User) -> str:
    if user.deleted_at is not None:
        return "deleted"
    if not user.active:
        return "deactivated"
    return "active" if user.password_hash else "no password yet"


def user_row(user: User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role,
            "active": bool(user.active), "status": user_status(user),
            "last_active_at": iso_utc(user.last_active_at)}


def link_row(link: AccountLink, slugs: dict[int, str], names: dict[int, str]) -> dict:
    """An invite or reset link as the lists show it: never its token or hash. `slugs` and
    `names` map ids to project slugs and usernames (account_links.project_slugs, usernames)."""
    return {"id": link.id, "kind": link.kind, "username": link.username, "email": link.email,
            "role": link.role,
            "projects": [slugs[i] for i in link.project_ids or [] if i in slugs],
            "status": account_links.status(link), "account": names.get(link.user_id),
            "created_at": iso_utc(link.created_at), "expires_at": iso_utc(link.expires_at),
            "used_at": iso_utc(link.used_at)}


def token_row(token: ApiToken) -> dict:
    """A token as its list shows it: the prefix that recognises it, never its hash."""
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso_utc(token.created_at), "last_used_at": iso_utc(token.last_used_at),
            "revoked_at": iso_utc(token.revoked_at)}


def article_summary(article: Article) -> dict:
    return {"id": article.id, "external_id": article.external_id, "title": article.title,
            "source": article.source, "published": article.published, "url": article.url,
            "lang": article.lang}


def release_row(release: Release) -> dict:
    """A release as its list shows it (not its folder: the server's own path)."""
    m = release.manifest
    return {"name": release.name, "sha256": release.content_hash,
            "created_at": iso_utc(release.created_at), "previous": m.get("previous"),
            "files": m["files"], "skipped": m["skipped"], "changes": m.get("changes")}
