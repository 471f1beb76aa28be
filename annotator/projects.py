"""Projects: creation, settings, membership and who may see what (no Flask import)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import Text, bindparam, cast, exists, select, update
from sqlalchemy.orm import Session

from .access import allowed
from .labels import DEFAULT_LABELS, SchemeError, validate_scheme
from .models import Annotation, GuidelinesVersion, Project, ProjectMember, Sentence, User
from .review.intervals import MIN_ITEMS

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
    "min_items_per_annotator": MIN_ITEMS,  # per-annotator figures on fewer items: too few to judge
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
        elif key == "min_items_per_annotator":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
                raise ProjectError("settings.min_items_per_annotator: a whole number of items "
                                   "from 1 to 100000")
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
    project = Project(slug=slug, name=(name or slug).strip()[:200], guidelines="",
                      overlap=check_overlap(overlap), labels=scheme,
                      settings=validate_settings(settings_ or {}, scheme),
                      members=list(members or []))
    session.add(project)
    session.flush()
    set_guidelines(session, project, guidelines)
    return project


def guidelines_version(session: Session, project: Project) -> int | None:
    """The number of the project's current guidelines text (None before any was stored)."""
    return session.scalar(select(GuidelinesVersion.version)
                          .where(GuidelinesVersion.project_id == project.id)
                          .order_by(GuidelinesVersion.version.desc()).limit(1))


def set_guidelines(session: Session, project: Project, text: str | None) -> int:
    """Give the project these guidelines; a text it has not had just before becomes a new
    version (1, 2, ...), so that exports can say under which one each label was given.
    Returns the current version number. The caller commits."""
    project.guidelines = text or ""
    digest = hashlib.sha256(project.guidelines.encode()).hexdigest()
    last = session.execute(select(GuidelinesVersion.version, GuidelinesVersion.digest)
                           .where(GuidelinesVersion.project_id == project.id)
                           .order_by(GuidelinesVersion.version.desc()).limit(1)).first()
    if last is not None and last.digest == digest:
        return last.version
    version = (last.version if last else 0) + 1
    session.add(GuidelinesVersion(project_id=project.id, version=version, digest=digest))
    session.flush()
    return version


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
    # Label writes read the scheme under a share lock on this row (labelling.save): taking
    # it for update waits for those in flight, so the check below sees what they stored, and
    # holds back new ones until this change is committed. (On SQLite the caller holds the
    # database's write lock, which does the same.)
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    if has_annotations(session, project):
        raise ProjectError("labels: this project has annotations already; changing its label "
                           "scheme would change what they mean. Create a new project instead.")
    project.labels = scheme


def is_member(project: Project, user: User) -> bool:
    """A project with no members listed is open to every annotator."""
    return not project.has_members or project.lists(user)


def visible_projects(session: Session, user: User) -> list[Project]:
    projects = session.scalars(select(Project).order_by(Project.name)).all()
    return [p for p in projects if allowed(user, "see", p)]


@dataclass(slots=True)
class ProjectRef:
    """A project as the annotate loop reads it, in one query with the viewer's membership:
    what access.allowed, projects.settings and the loop's statements use of a Project."""

    id: int
    slug: str
    name: str
    overlap: int
    labels: list
    settings: dict
    lexicon_json: str | None  # the stored JSON text: a cache key for the hint matcher
    has_members: bool
    viewer_listed: bool
    viewer_id: int

    def lists(self, user) -> bool:
        if user.id != self.viewer_id:
            raise ValueError("this ProjectRef was read for another user")
        return self.viewer_listed


_P, _M = Project.__table__, ProjectMember.__table__


def ref_columns(user_id):
    """The columns of a ProjectRef (less viewer_id), for `user_id` (a value or a column)."""
    return (_P.c.id, _P.c.slug, _P.c.name, _P.c.overlap, _P.c.labels, _P.c.settings,
            cast(_P.c.lexicon, Text),
            exists().where(_M.c.project_id == _P.c.id),
            exists().where(_M.c.project_id == _P.c.id, _M.c.user_id == user_id))


def make_ref(values, user_id: int) -> ProjectRef:
    """A ProjectRef from the values of ref_columns()."""
    pid, slug, name, overlap, labels, settings_, lexicon, has_members, listed = values
    return ProjectRef(pid, slug, name, overlap, labels, settings_ or {}, lexicon,
                      bool(has_members), bool(listed), user_id)


_REF_BY_SLUG = select(*ref_columns(bindparam("uid"))).where(_P.c.slug == bindparam("slug"))


def ref_by_slug(session: Session, slug: str, user) -> ProjectRef | None:
    """The project named `slug` as `user` sees it (one query), or None."""
    row = session.connection().execute(_REF_BY_SLUG, {"uid": user.id, "slug": slug}).first()
    return None if row is None else make_ref(row, user.id)


def set_overlap(session: Session, project: Project, overlap: int) -> None:
    """Change k and recompute which sentences are full."""
    project.overlap = check_overlap(overlap)
    session.execute(update(Sentence).where(Sentence.project_id == project.id)
                    .values(full=Sentence.n_labels >= project.overlap))
