"""Projects: creation, settings, membership and who may see what (no Flask import)."""
from __future__ import annotations

import re

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from .labels import DEFAULT_LABELS, SchemeError, validate_scheme
from .models import Annotation, Project, Sentence, User

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SPAN_MODES = ("off", "optional", "required")

DEFAULT_SETTINGS: dict = {
    "lease_minutes": 10,          # how long a served sentence is held for its annotator
    "spans": {},                  # label id -> off | optional | required (missing: optional)
    "hints": True,                # highlight lexicon hints on the annotate page
    "control_rate": 0.0,          # share of served items that are quality-control items
    "control_feedback": False,    # show the known answer after a control item (training rounds)
    "min_control_accuracy": 0.7,  # annotators below are flagged
    "gold_threshold": 0.5,        # `gold` export: the majority's share (or DS posterior) must reach this
    "aggregation": "majority",    # or dawid_skene, for the `gold` export
    "pseudonymous": False,        # dataset cards name annotators as A1, A2, ...
}


class ProjectError(ValueError):
    pass


def settings(project: Project) -> dict:
    merged = dict(DEFAULT_SETTINGS)
    merged.update(project.settings or {})
    return merged


def validate_settings(values: dict, labels: list[dict]) -> dict:
    out = {}
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            raise ProjectError(f"settings.{key}: unknown setting")
        if key == "spans":
            ids = {l["id"] for l in labels}
            if not isinstance(value, dict) or any(k not in ids or v not in SPAN_MODES
                                                  for k, v in value.items()):
                raise ProjectError("settings.spans: map label ids to off, optional or required")
        elif key in ("control_rate", "min_control_accuracy", "gold_threshold"):
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ProjectError(f"settings.{key}: a number from 0 to 1")
            value = float(value)
        elif key == "lease_minutes":
            if not isinstance(value, (int, float)) or not 0 < value <= 24 * 60:
                raise ProjectError("settings.lease_minutes: 0 to 1440 minutes")
        elif key == "aggregation":
            if value not in ("majority", "dawid_skene"):
                raise ProjectError("settings.aggregation: majority or dawid_skene")
        elif not isinstance(value, bool):
            raise ProjectError(f"settings.{key}: true or false")
        out[key] = value
    return out


def check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not SLUG.match(slug):
        raise ProjectError("slug: 1-64 lower-case letters, digits and '-', starting with a letter or digit")
    return slug


def check_overlap(overlap) -> int:
    if not isinstance(overlap, int) or isinstance(overlap, bool) or not 1 <= overlap <= 50:
        raise ProjectError("overlap: a whole number of labels per sentence from 1 to 50")
    return overlap


def by_slug(session: Session, slug: str) -> Project | None:
    return session.scalar(select(Project).where(Project.slug == slug))


def create_project(session: Session, slug: str, name: str | None = None, *, overlap: int = 2,
                   guidelines: str = "", labels: list[dict] | None = None,
                   members: list[User] | None = None, settings_: dict | None = None) -> Project:
    slug = check_slug(slug)
    if by_slug(session, slug) is not None:
        raise ProjectError(f"slug: a project {slug!r} exists already")
    try:
        scheme = validate_scheme(labels if labels is not None else DEFAULT_LABELS)
    except SchemeError as err:
        raise ProjectError(str(err)) from None
    project = Project(slug=slug, name=(name or slug).strip()[:200], guidelines=guidelines or "",
                      overlap=check_overlap(overlap), labels=scheme,
                      settings=validate_settings(settings_ or {}, scheme),
                      members=list(members or []))
    session.add(project)
    session.flush()
    return project


def has_annotations(session: Session, project: Project) -> bool:
    return bool(session.scalar(select(exists().where(Annotation.project_id == project.id))))


def set_labels(session: Session, project: Project, labels: list[dict]) -> None:
    """Change the scheme; refused once labels are stored, since they would lose their meaning."""
    try:
        scheme = validate_scheme(labels)
    except SchemeError as err:
        raise ProjectError(str(err)) from None
    if scheme == project.labels:
        return
    if has_annotations(session, project):
        raise ProjectError("labels: this project has annotations already; changing its label "
                           "scheme would change what they mean. Create a new project instead.")
    project.labels = scheme


def is_member(project: Project, user: User) -> bool:
    """A project with no members listed is open to every annotator."""
    return not project.members or any(m.id == user.id for m in project.members)


def allowed(role: str, has_members: bool, listed: bool, purpose: str) -> bool:
    """The one access rule, for a user of `role` in a project (with or without a member list,
    the user `listed` in it or not): may they `purpose` (annotate | see | review | admin)?

    Admins may do anything. Annotators annotate where they are members or the project is open.
    A reviewer sees everyone's labels, so annotates only where explicitly listed."""
    if purpose == "annotate":
        return role == "admin" or listed or (role == "annotator" and not has_members)
    if purpose == "see":
        return role in ("admin", "reviewer") or listed or not has_members
    if purpose == "review":
        return role in ("admin", "reviewer")
    if purpose == "admin":
        return role == "admin"
    raise ValueError(f"purpose: {purpose!r}")


def _allowed(project: Project, user: User, purpose: str) -> bool:
    return allowed(user.role, bool(project.members), any(m.id == user.id for m in project.members),
                   purpose)


def can_annotate(project: Project, user: User) -> bool:
    return _allowed(project, user, "annotate")


def can_see(project: Project, user: User) -> bool:
    return _allowed(project, user, "see")


def visible_projects(session: Session, user: User) -> list[Project]:
    projects = session.scalars(select(Project).order_by(Project.name)).all()
    return [p for p in projects if can_see(p, user)]


def set_overlap(session: Session, project: Project, overlap: int) -> None:
    """Change k and recompute which sentences are full."""
    project.overlap = check_overlap(overlap)
    session.execute(update(Sentence).where(Sentence.project_id == project.id)
                    .values(full=Sentence.n_labels >= project.overlap))
