"""SQLAlchemy 2.0 models. The schema itself lives in Alembic migrations (annotator/migrations)."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, false, types)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("admin", "reviewer", "annotator")


# Every id column is a 32-bit INTEGER (PostgreSQL refuses larger values): a larger id is no row.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class UTCDateTime(types.TypeDecorator):
    """Naive UTC datetimes in the database on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # None: the account exists (e.g. imported annotations) but cannot sign in yet.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="annotator")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime | None]
    # Part of every session cookie's fingerprint: one more ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where invites and resets are mailed (when SMTP is configured); set from an invite.
    email: Mapped[str | None] = mapped_column(String(254))
    # A soft delete (annotator.deletion): hidden and signed out until restored or purged.
    deleted_at: Mapped[datetime | None]
    # A crowd participant (role "participant", crowd.py) is bound to this one project.
    study_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The interface language the user chose (a catalogue's tag: en, ru, ar ...); None: the
    # browser's Accept-Language, else English (web/i18n.py).
    locale: Mapped[str | None] = mapped_column(String(35))

    # Flask-Login protocol, kept here so the model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id kept in the session cookie: with a fingerprint of the password hash, so that
        setting a new password signs the user out everywhere."""
        return f"{self.id}.{self.session_fingerprint()}"

    def session_fingerprint(self) -> str:
        """Changes with the password and the session version (users.end_sessions)."""
        seed = f"{self.password_hash or ''}:{self.session_version or 0}"
        return hashlib.sha256(seed.encode()).hexdigest()[:12]

    def can_review(self) -> bool:
        return self.role in ("admin", "reviewer")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so a token can be recognised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class AccountLink(Base):
    """An invite (`kind` "invite") or a password reset ("reset") link: single use, expiring.
    Only the SHA-256 of its token is kept (users.hash_token); see annotator/account_links.py."""
    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A reset's user; an invite's once it is used (the account it made).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    # An invite's presets: the username (None: the invitee chooses), role and project ids.
    username: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str | None] = mapped_column(String(16))
    project_ids: Mapped[list] = mapped_column(JSON, default=list)


class SignInFailure(Base):
    """A failed sign-in, kept for the window of the sign-in limit (users.begin_sign_in): counted
    per account (the name as typed, lower-cased) and per address, in the database so that
    every worker process reads one count."""
    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_username_at", "username", "at"),
                      Index("ix_sign_in_failures_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    guidelines: Mapped[str] = mapped_column(Text, default="")
    # The guidelines in other languages, {language tag: Markdown}; `guidelines` is the default
    # text, shown where the reader's language has none (projects.guidelines_for).
    guidelines_translations: Mapped[dict | None] = mapped_column(JSON)
    overlap: Mapped[int] = mapped_column(Integer, default=2)
    labels: Mapped[list] = mapped_column(JSON)
    # spans mode, lease minutes, gold rate ... see annotator.projects.DEFAULT_SETTINGS
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    lexicon: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on the hidden project a streamed import stages its articles under (staged_import):
    # the project they go to when the import is published. Listings leave such projects out.
    staging_for: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    deleted_at: Mapped[datetime | None]  # a soft delete (annotator.deletion)

    members: Mapped[list[User]] = relationship(secondary="project_members", lazy="selectin")

    # What access.allowed asks of a project (projects.ProjectRef answers the same).
    @property
    def has_members(self) -> bool:
        return bool(self.members)

    def lists(self, user) -> bool:
        return any(m.id == user.id for m in self.members)


class GuidelinesVersion(Base):
    """Append-only: each text a project's guidelines have had, and each change of its labels'
    meaning (names, descriptions, ids), numbered 1, 2, ... A label was given under the newest
    version stored before it (exports say which)."""

    __tablename__ = "guidelines_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the version was: the guidelines text and the labels (id, name, description), so
    # annotators can be shown what changed. None on versions stored before they were kept.
    text: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[list | None] = mapped_column(JSON)


class ProjectMember(Base):
    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("project_id", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str | None] = mapped_column(String(35))  # a language tag, as imported
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]  # a soft delete (annotator.deletion)

    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="article", order_by="Sentence.position",
        cascade="all, delete-orphan", passive_deletes=True)


class Sentence(Base):
    __tablename__ = "sentences"
    __table_args__ = (
        UniqueConstraint("article_id", "position"),
        # The assignment query walks a project's open sentences by queue_pos (all 0 in
        # reading order), then in reading order.
        Index("ix_sentences_queue", "project_id", "full", "kind", "queue_pos", "article_id",
              "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="body")
    # Labels stored so far; kept in step with annotations in the same transaction so that
    # assignment never has to count a growing table.
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(Boolean, default=False)  # n_labels >= project overlap
    # Cut by segment's length cap, not at a sentence boundary: shown to admins, who may repair it.
    long: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Place in the project's queue order (model/queue.py): ranked sentences -n..-1 come first
    # (lowest first), the rest 0; all 0 in reading order.
    queue_pos: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    article: Mapped[Article] = relationship(back_populates="sentences")


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("sentence_id", "user_id"),
        Index("ix_annotations_user_project", "user_id", "project_id", "updated_at"),
        Index("ix_annotations_project", "project_id", "sentence_id"),
        # A user's labels here newer than a given id: what `next` counts for progress.
        Index("ix_annotations_user_project_id", "user_id", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    spans: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float | None] = mapped_column(Float)
    hints_shown: Mapped[list | None] = mapped_column(JSON)
    # The arm of the assistance experiment this label was given in (annotator.assist): none,
    # hints or suggestion, decided by labelling.save; NULL on labels from before it existed.
    assist: Mapped[str | None] = mapped_column(String(12))
    # Task shapes (labelling.validate): the labels of a multi-label project in scheme order
    # (`label` is the first of them; NULL in single-label projects), a point on the project's
    # confidence scale, the "unsure" flag and the free-text rationale.
    labels: Mapped[list | None] = mapped_column(JSON)
    confidence: Mapped[int | None] = mapped_column(Integer)
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rationale: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class AnnotationHistory(Base):
    """Append-only: every create, change and delete of an annotation."""

    __tablename__ = "annotation_history"
    __table_args__ = (Index("ix_history_sentence_user", "sentence_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    label: Mapped[str | None] = mapped_column(String(40))
    spans: Mapped[list | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[list | None] = mapped_column(JSON)
    confidence: Mapped[int | None] = mapped_column(Integer)
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rationale: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Lease(Base):
    """A sentence served to an annotator and held for them until it expires."""

    __tablename__ = "leases"
    __table_args__ = (UniqueConstraint("sentence_id", "user_id"),
                      Index("ix_leases_user", "user_id", "project_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    # the assistance arm the sentence was first shown in (assist.arms); NULL: none kept
    assist: Mapped[str | None] = mapped_column(String(12))


class Participation(Base):
    """A crowd participant's session in a study (crowd.py): who they are on the platform, when
    their time is up, and whether they completed (only then do their labels count)."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("project_id", "platform", "participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    platform: Mapped[str] = mapped_column(String(16))          # prolific | mturk
    participant: Mapped[str] = mapped_column(String(128))      # PROLIFIC_PID | workerId
    study: Mapped[str | None] = mapped_column(String(128))     # STUDY_ID | hitId
    session_ref: Mapped[str | None] = mapped_column(String(128))  # SESSION_ID | assignmentId
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | completed | returned
    finished_at: Mapped[datetime | None]
    code: Mapped[str | None] = mapped_column(String(64))


class Skip(Base):
    __tablename__ = "skips"
    __table_args__ = (UniqueConstraint("sentence_id", "user_id"),
                      Index("ix_skips_user", "user_id", "project_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Adjudication(Base):
    """A reviewer's gold label; stored apart, never overwriting an annotator's label."""

    __tablename__ = "adjudications"

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentences.id", ondelete="CASCADE"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    # A multi-label project's gold set in scheme order (`label` is its first); NULL otherwise,
    # as Annotation.labels.
    labels: Mapped[list | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    reviewer: Mapped[User] = relationship(lazy="joined")


class AdjudicationHistory(Base):
    __tablename__ = "adjudication_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentences.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))
    label: Mapped[str | None] = mapped_column(String(40))
    labels: Mapped[list | None] = mapped_column(JSON)  # as Adjudication.labels
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ControlItem(Base):
    """Quality control: a sentence with a known answer, served to every annotator unmarked."""

    __tablename__ = "control_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentences.id", ondelete="CASCADE"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """A project model trained from the final labels (annotator.model): append-only, numbered
    1, 2, ... per project. ``pipeline`` is the fitted scikit-learn pipeline as joblib bytes,
    written only by this app (loading it runs code, so nothing from outside is ever stored
    here)."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    n_labels: Mapped[int] = mapped_column(Integer)       # final labels trained on
    label_count: Mapped[int] = mapped_column(Integer)    # the project's annotations then (retraining)
    folds: Mapped[int] = mapped_column(Integer)
    macro_f1: Mapped[float] = mapped_column(Float)       # cross-validated, mean over folds
    per_label_f1: Mapped[dict] = mapped_column(JSON)     # label -> cross-validated F1
    labels: Mapped[list] = mapped_column(JSON)           # the classes, in the pipeline's order
    seconds: Mapped[float] = mapped_column(Float)        # training time, cross-validation included
    pipeline: Mapped[bytes] = mapped_column(LargeBinary)
    # All its model_predictions rows are written (in batches, after the version): readers take
    # the newest version that has them, so they never see a version's predictions half written.
    predictions_ready: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What its model_suspects rows' score is: "posterior" (P(label wrong), model/suspects.py);
    # NULL for versions trained before 2026-12-05, whose rows hold the margin p(pred) - p(label).
    suspect_score: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ModelSuspect(Base):
    """A final label that a model version's out-of-fold probabilities flag as a suspected
    error (annotator.model.suspects): written with the version, never changed."""

    __tablename__ = "model_suspects"
    __table_args__ = (UniqueConstraint("model_version_id", "sentence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))       # the final label trained on
    predicted: Mapped[str] = mapped_column(String(40))   # the most probable other label
    score: Mapped[float] = mapped_column(Float)          # margin: p(predicted) - p(label)
    probabilities: Mapped[dict] = mapped_column(JSON)    # label -> out-of-fold probability


class ModelPrediction(Base):
    """The newest model version's label and probabilities for every body sentence of its
    project, written with the version (annotator.model.store) so that no web process ever
    loads scikit-learn: the annotate page's suggestion (annotator.assist) and the model-as-rater
    figures (annotator.review.model_rater) read these rows. A sentence the model was trained on
    carries its out-of-fold probabilities (``out_of_fold``: predicted by a fold model that never
    saw its label); the others the final model's. Older versions' rows are dropped."""

    __tablename__ = "model_predictions"
    __table_args__ = (UniqueConstraint("model_version_id", "sentence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))       # the most probable label
    probabilities: Mapped[dict] = mapped_column(JSON)    # label -> probability
    out_of_fold: Mapped[bool] = mapped_column(Boolean, default=False)
    margin: Mapped[float | None] = mapped_column(Float)  # top probability - the second (queue orders)


JOB_STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """A background job (annotator.jobs), run by `annotator worker`."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state", "state", "id"),
                      Index("ix_jobs_project", "project_id", "kind", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(String(200))  # "12,000 records written" while it runs
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Release(Base):
    """A frozen, citable snapshot of a project's export (annotator.releases): its files live in
    RELEASES_DIR/<slug>/<name>/, written once and made read-only; this row names them and holds
    the content hash that a paper cites."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex over the canonical records
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(Text)                # the release's folder
    manifest: Mapped[dict] = mapped_column(JSON)           # files, record counts, skipped kinds


class Event(Base):
    """Append-only log of every change to what a project holds and who may touch it
    (annotator.events): labels, gold, unit kinds and segmentation, schemes, guidelines,
    lexicons, members, settings, users, tokens, and the soft deletes. Ids are stored as plain
    numbers, never foreign keys, so that no delete can cascade a row of it away."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_project", "project_id", "id"),
                      Index("ix_events_actor", "actor_id", "id"),
                      Index("ix_events_kind", "kind", "id"),
                      Index("ix_events_target", "kind", "target"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)   # None: the command line
    actor: Mapped[str | None] = mapped_column(String(64))   # the name then
    request_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))           # events.KINDS
    action: Mapped[str] = mapped_column(String(10))         # create | update | delete | restore | purge
    target: Mapped[str] = mapped_column(String(64))         # what changed, e.g. "12/3" (sentence/user)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
