"""Projects: creation, settings, membership and who may see what (no Flask import)."""
from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass

from sqlalchemy import Text, bindparam, cast, exists, func, select, union, update
from sqlalchemy.orm import Session, object_session

from . import events, languages, scheme_templates
from .access import allowed
from .db import begin_write
from .labels import DEFAULT_LABELS, DEFAULT_SPAN_TYPES, SchemeError, validate_scheme, validate_span_types
from .models import (Adjudication, Annotation, AnnotationHistory, ControlItem, GuidelinesVersion,
                     Project, ProjectMember, Sentence, User)
from .review.intervals import MIN_ITEMS
from .sentences import CONTEXT, CONTEXT_UNITS, MAX_CONTEXT
from .timestamps import iso_utc

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SPAN_MODES = ("off", "optional", "required")

DEFAULT_SETTINGS: dict = {
    "lease_minutes": 10,          # how long a served sentence is held for its annotator
    "spans": {},                  # label id -> off | optional | required (missing: optional)
    "span_types": DEFAULT_SPAN_TYPES,  # the evidence span types (labels.validate_span_types)
    # Task shapes (labelling.validate): single or multi label, a confidence scale of 3..7
    # points (0: off), an "unsure" flag, and a rationale per label (missing: off).
    "task": "single",
    "confidence": 0,
    "unsure": False,
    "rationale": {},              # label id -> off | optional | required (missing: off)
    "hints": True,                # highlight lexicon hints on the annotate page
    "control_rate": 0.0,          # share of served items that are quality-control items
    "control_feedback": False,    # show the known answer after a control item (training rounds)
    "min_control_accuracy": 0.7,  # annotators below are flagged
    "gold_threshold": 0.5,        # `gold` export: the majority's share (or DS posterior) must reach this
    "aggregation": "majority",    # or dawid_skene, for the `gold` export
    "pseudonymous": False,        # dataset cards name annotators as A1, A2, ...
    "model_every": 200,           # the worker trains the project model after this many new labels (0: never)
    "min_items_per_annotator": MIN_ITEMS,  # per-annotator figures on fewer items: too few to judge
    "order": "reading",           # the queue order (QUEUE_ORDERS; model/queue.py)
    "assist": "hints",            # the assist arm: off | hints | suggestion (annotator/assist.py)
    "assist_share": 1.0,          # share of (annotator, sentence) pairs in the assist arm; the rest: none
    "context_unit": "sentences",  # the annotate page's focused view: context in sentences or paragraphs
    "context_size": CONTEXT,      # ... this many on each side of the sentence
    # Crowd studies (crowd.py): entry by /crowd/SLUG/prolific or /crowd/SLUG/mturk
    "crowd": False,               # participants may enter from a crowd platform
    "crowd_quota": 20,            # sentences per participant
    "crowd_minutes": 60,          # a participant's session time; then their held sentences return
    "crowd_fail_policy": "warn",  # below min_control_accuracy on control items: warn | stop
    "crowd_min_controls": 2,      # control answers before the fail policy applies
    "crowd_completion_code": "",  # the code the platform expects on completion
    "crowd_returned_code": "",    # the code given when the checks failed (stop policy)
    "crowd_redirect": "",         # the platform's completion URL; {code} becomes the code
}
QUEUE_ORDERS = ("reading", "random", "uncertainty", "uncertainty_diversity")
ASSIST_MODES = ("off", "hints", "suggestion")
TASKS = ("single", "multi")
CONFIDENCE_POINTS = range(3, 8)  # a scale of 3 to 7 points; 0 is off


# What the settings form shows for each setting: its label and help text. ("spans" is set per
# label in the scheme form.) A setting missing here is shown under its key with no help.
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "task": ("Task", "single: one label per sentence; multi: an annotator may choose one or "
             "more labels (label keys toggle, Enter saves). Cannot be changed once labels exist."),
    "confidence": ("Confidence scale", "0: off; 3 to 7: annotators also give their confidence "
                   "on a scale of this many points (after a label, the digit keys choose it)."),
    "unsure": ("Unsure flag", "Annotators may mark a label as unsure (key U)."),
    "lease_minutes": ("Lease (minutes)", "How long a sentence served to an annotator is held "
                      "for them before another annotator may get it (0 to 1440)."),
    "hints": ("Show hints", "Highlight the lexicon's attribution cues and contested terms on "
              "the annotate page. Hints never choose a label."),
    "control_rate": ("Share of control items", "The share of served sentences that are "
                     "quality-control items with a known answer (0 to 1; 0 = none)."),
    "control_feedback": ("Show the answer after a control item", "For training rounds: "
                         "annotators see the known answer and its explanation."),
    "min_control_accuracy": ("Lowest control accuracy", "Annotators whose accuracy on control "
                             "items is below this share (0 to 1) are flagged on the progress page."),
    "gold_threshold": ("Agreement needed for a final label", "The `gold` export gives a final "
                       "label when the majority's share (or the Dawid-Skene posterior) reaches "
                       "this (0 to 1)."),
    "aggregation": ("Aggregation", "How the `gold` export combines annotators' labels: majority "
                    "vote, or Dawid-Skene, which weighs each annotator by estimated accuracy."),
    "pseudonymous": ("Pseudonymous dataset cards", "Dataset cards name annotators A1, A2, ... "
                     "instead of their usernames."),
    "min_items_per_annotator": ("Fewest items for a per-annotator figure", "Agreement with the "
                                "majority, Dawid-Skene accuracy and control accuracy resting on "
                                "fewer items are marked too few to judge (1 to 100000)."),
    "model_every": ("Train the model every ... new labels", "`annotator worker` trains the "
                    "project model again after this many new labels (0: only on demand)."),
    "order": ("Queue order", "Which sentence annotators get next: reading (the articles in "
              "order), random, uncertainty (the project model's least certain first) or "
              "uncertainty_diversity (least certain, keeping near-duplicates apart). The model "
              "orders need a trained model and are refreshed after every training."),
    "assist": ("Assistance", "What the assisted annotators see: off (nothing), hints (the "
               "lexicon's words highlighted) or suggestion (hints, and the project model's label "
               "outlined on its button, never chosen for them). Which pairs of annotator and "
               "sentence are assisted is drawn at random (Assisted share); each label records "
               "its arm, so the review dashboard can measure what the assistance does."),
    "assist_share": ("Assisted share", "The share (0 to 1) of each annotator's sentences that "
                     "get the assistance; the rest get none. 1: everyone is assisted; 0.5: a "
                     "randomised experiment with two equal arms."),
    "context_unit": ("Context shown around a sentence", "The annotate page's focused view shows "
                     "the sentence with this much of its article around it: whole sentences, or "
                     "paragraphs (the rest of the sentence's own paragraph and whole paragraphs "
                     "beside it, with their headings). The article view (key A) always shows "
                     "the whole article."),
    "context_size": ("Context size", f"How many sentences or paragraphs the focused view shows "
                     f"on each side of the sentence (0 to {MAX_CONTEXT}; 0 with paragraphs: the "
                     "sentence's own paragraph only)."),
    "crowd": ("Crowd study", "Participants may enter from Prolific or MTurk by the entry URL "
              "shown on the participants page, without a password, bound to this project."),
    "crowd_quota": ("Sentences per participant", "A participant may complete after labelling "
                    "this many sentences (1 to 10000)."),
    "crowd_minutes": ("Session time (minutes)", "A participant's time from entry (1 to 1440). "
                      "The sentences they hold return to the pool when it is up, and their "
                      "labels never count unless they complete in time."),
    "crowd_fail_policy": ("When control checks fail", "warn: tell the participant and go on; "
                          "stop: end the session with the returned code."),
    "crowd_min_controls": ("Control answers before judging", "The fail policy applies once a "
                           "participant answered this many control items (1 to 100)."),
    "crowd_completion_code": ("Completion code", "Given to a participant who completes; the "
                              "platform's completion code (letters, digits, '-', '_')."),
    "crowd_returned_code": ("Returned code", "Given when the stop policy ends a session."),
    "crowd_redirect": ("Redirect after completion", "The platform's completion URL, e.g. "
                       "https://app.prolific.com/submissions/complete?cc={code}; empty: show "
                       "the code only."),
}
SETTING_CHOICES: dict[str, tuple[str, ...]] = {"aggregation": ("majority", "dawid_skene"),
                                               "crowd_fail_policy": ("warn", "stop"),
                                               "order": QUEUE_ORDERS, "context_unit": CONTEXT_UNITS,
                                               "assist": ASSIST_MODES, "task": TASKS}


_WHOLE = {"crowd_quota": (1, 10_000), "crowd_minutes": (1, 24 * 60), "crowd_min_controls": (1, 100)}


class ProjectError(ValueError):
    pass


def settings(project: Project) -> dict:
    merged = dict(DEFAULT_SETTINGS)
    merged.update(project.settings or {})
    return merged


def validate_settings(values: dict, labels: list[dict]) -> dict:
    if not isinstance(values, dict):
        raise ProjectError("settings: an object of setting names and values")
    out = {}
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            raise ProjectError(f"settings.{key}: unknown setting")
        if key == "span_types":
            try:
                value = validate_span_types(value, labels)
            except SchemeError as err:
                raise ProjectError(f"settings.{err}") from None
        elif key == "spans":
            ids = {l["id"] for l in labels}
            if not isinstance(value, dict) or any(k not in ids or v not in SPAN_MODES
                                                  for k, v in value.items()):
                raise ProjectError("settings.spans: map label ids to off, optional or required")
        elif key == "rationale":
            ids = {l["id"] for l in labels}
            if not isinstance(value, dict) or any(k not in ids or v not in SPAN_MODES
                                                  for k, v in value.items()):
                raise ProjectError("settings.rationale: map label ids to off, optional or required")
        elif key == "confidence":
            if isinstance(value, bool) or not isinstance(value, int) or (
                    value != 0 and value not in CONFIDENCE_POINTS):
                raise ProjectError("settings.confidence: 0 (off) or a scale of 3 to 7 points")
        elif key in ("control_rate", "min_control_accuracy", "gold_threshold", "assist_share"):
            # true and false are ints to Python, not shares: refused, not read as 1 and 0
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ProjectError(f"settings.{key}: a number from 0 to 1")
            value = float(value)
        elif key == "lease_minutes":
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not 0 < value <= 24 * 60):
                raise ProjectError("settings.lease_minutes: 0 to 1440 minutes")
        elif key == "model_every":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
                raise ProjectError("settings.model_every: a whole number of new labels from 0 "
                                   "(never train automatically) to 1000000")
        elif key == "min_items_per_annotator":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
                raise ProjectError("settings.min_items_per_annotator: a whole number of items "
                                   "from 1 to 100000")
        elif key in SETTING_CHOICES:
            if value not in SETTING_CHOICES[key]:
                raise ProjectError(f"settings.{key}: one of {', '.join(SETTING_CHOICES[key])}")
        elif key == "context_size":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CONTEXT:
                raise ProjectError(f"settings.context_size: a whole number from 0 to {MAX_CONTEXT}")
        elif key in _WHOLE:
            low, high = _WHOLE[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ProjectError(f"settings.{key}: a whole number from {low} to {high}")
        elif key in ("crowd_completion_code", "crowd_returned_code"):
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{0,64}", value):
                raise ProjectError(f"settings.{key}: up to 64 letters, digits, '-' or '_'")
        elif key == "crowd_redirect":
            if not isinstance(value, str) or (value and not re.fullmatch(r"https?://\S{1,500}", value)):
                raise ProjectError("settings.crowd_redirect: an http(s) URL, or empty")
        elif not isinstance(value, bool):
            raise ProjectError(f"settings.{key}: true or false")
        out[key] = value
    if out.get("unsure") and any(l.get("key") == "u" for l in labels):
        raise ProjectError("settings.unsure: the key U toggles unsure on the annotate page, and "
                           "a label has the key 'u': give that label another key first")
    _spans_can_be_given(out, labels)
    return out


def _spans_can_be_given(values: dict, labels: list[dict]) -> None:
    """The evidence-span rules per label (settings.spans) and per span type (which labels may
    and must carry it) must leave every label a way to be given; ProjectError names the
    label where they do not."""
    types = values.get("span_types", DEFAULT_SPAN_TYPES)
    modes = values.get("spans", {})
    for label in labels:
        lid, mode = label["id"], modes.get(label["id"], "optional")
        if mode == "required" and not any("labels" not in t or lid in t["labels"] for t in types):
            raise ProjectError(f"settings.spans.{lid}: required, but no span type may go with "
                               f"this label (settings.span_types, its labels): no label {lid} "
                               "could ever be stored")
        needed = [t["id"] for t in types if lid in t.get("required", ())]
        if mode == "off" and needed:
            raise ProjectError(f"settings.spans.{lid}: off, but span type {needed[0]} must go "
                               f"with this label (settings.span_types, required): no label {lid} "
                               "could ever be stored")


def check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not SLUG.match(slug):
        raise ProjectError("slug: 1-64 lower-case letters, digits and '-', starting with a letter or digit")
    return slug


def check_overlap(overlap) -> int:
    if not isinstance(overlap, int) or isinstance(overlap, bool) or not 1 <= overlap <= 50:
        raise ProjectError("overlap: a whole number of labels per sentence from 1 to 50")
    return overlap


# The projects people see and work in: neither deleted (annotator.deletion) nor the hidden
# project a streamed import stages its articles under (staged_import).
LIVE = Project.staging_for.is_(None) & Project.deleted_at.is_(None)


def by_slug(session: Session, slug: str) -> Project | None:
    """The project named `slug`, unless it was deleted (annotator.deletion) or is an import's
    staging project."""
    return session.scalar(select(Project).where(Project.slug == slug, LIVE))


def scheme_file(data) -> dict:
    """A scheme file as the project form downloads it, {"labels": [...], "settings": {...}}
    (either part may be missing), or a bare list of labels; ProjectError otherwise. The admin
    page's upload and the command line read it alike."""
    if isinstance(data, list):
        return {"labels": data}
    if (not isinstance(data, dict) or not set(data) <= {"labels", "settings"}
            or not isinstance(data.get("settings", {}), dict)):
        raise ProjectError('scheme file: an object {"labels": [...], "settings": {...}}, or a '
                           'list of labels')
    return data


def create_project(session: Session, slug: str, name: str | None = None, *, overlap: int = 2,
                   guidelines: str = "", labels: list[dict] | None = None,
                   members: list[User] | None = None, settings_: dict | None = None,
                   template: str | None = None) -> Project:
    """A new project. `template` (scheme_templates) gives the labels and settings it starts
    from; `labels` and `settings_` given as well win over the template's."""
    slug = check_slug(slug)
    if session.scalar(select(Project.deleted_at.is_not(None)).where(Project.slug == slug)) is not None:
        raise ProjectError(f"slug: a project {slug!r} exists already (perhaps deleted: restore "
                           "or purge it)")
    try:
        start = scheme_templates.template(template or scheme_templates.DEFAULT_TEMPLATE)
        scheme = validate_scheme(labels if labels is not None else start["labels"])
    except SchemeError as err:
        raise ProjectError(str(err)) from None
    values = start["settings"] if labels is None else {}
    values = {**values, **settings_} if isinstance(settings_, dict) else settings_ or values
    project = Project(slug=slug, name=(name or slug).strip()[:200], guidelines="",
                      overlap=check_overlap(overlap), labels=scheme,
                      settings=validate_settings(values, scheme),
                      members=list(members or []))
    session.add(project)
    session.flush()
    events.record(session, "project", "create", project.id, project_id=project.id,
                  after={**state(project), "guidelines": guidelines or ""})
    set_guidelines(session, project, guidelines)
    return project


def state(project: Project) -> dict:
    """What an admin edits of a project, by part (events.PROJECT_KINDS): what the event log
    keeps before and after, and what a stale form is compared with."""
    return {"name": project.name, "overlap": project.overlap, "labels": project.labels,
            "settings": project.settings, "guidelines": project.guidelines,
            "guidelines_translations": project.guidelines_translations or {},
            "members": sorted(m.username for m in project.members),
            "lexicon": project.lexicon, "slug": project.slug}


EDITABLE = ("name", "overlap", "labels", "settings", "guidelines", "guidelines_translations",
            "members", "lexicon")


def save_edit(session: Session, project: Project, changes: dict, version, members_of=None) -> list[str]:
    """An admin's save of the project page, the lexicon page or an API update: `version` must
    be the project's current one (events.StaleVersion otherwise, and nothing is written), and
    of `changes` only the fields that differ from what is stored are written, so that a field
    the admin did not touch is never overwritten. `members_of` turns the usernames given
    into users. Returns the fields written; the caller commits."""
    begin_write(session)
    session.execute(select(Project).where(Project.id == project.id).with_for_update()
                    .execution_options(populate_existing=True))
    events.check_version(session, events.PROJECT_KINDS, project.id, version)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ProjectError(f"{unknown[0]}: not a field that can be changed "
                           f"(one of {', '.join(EDITABLE)})")
    written = []
    for key in EDITABLE:
        if key not in changes:
            continue
        value = changes[key]
        if key == "members":
            value = sorted({str(n) for n in value or []})
        elif key == "guidelines":
            value = plain_lines(value)
        elif key == "guidelines_translations":
            value = check_translations(value)
        elif key == "settings":
            value = validate_settings({**(project.settings or {}), **(value or {})}, project.labels)
        if value == state(project)[key]:
            continue
        if key == "name":
            set_name(session, project, value)
        elif key == "overlap":
            set_overlap(session, project, value)
        elif key == "labels":
            set_labels(session, project, value)
        elif key == "settings":
            set_settings(project, value)
        elif key == "guidelines":
            set_guidelines(session, project, value)
        elif key == "guidelines_translations":
            set_guidelines_translations(session, project, value)
        elif key == "members":
            set_members(session, project, members_of(value) if members_of else _users(session, value))
        elif key == "lexicon":
            set_lexicon(session, project, value)
        written.append(key)
    return written


def _users(session: Session, names: list[str]) -> list[User]:
    found = list(session.scalars(select(User).where(User.username.in_(names))))
    missing = sorted(set(names) - {u.username for u in found})
    if missing:
        raise ProjectError(f"members: no user {', '.join(missing)}")
    return found


def set_name(session: Session, project: Project, name: str) -> None:
    name = (name or project.slug).strip()[:200]
    events.project_change(session, project, "project", {"name": project.name}, {"name": name})
    project.name = name


def set_members(session: Session, project: Project, members: list[User]) -> None:
    """Who may see the project (none listed: every annotator)."""
    before = sorted(m.username for m in project.members)
    events.project_change(session, project, "members", {"members": before},
                          {"members": sorted(m.username for m in members)})
    project.members = list(members)


def set_lexicon(session: Session, project: Project, lexicon: dict | None) -> None:
    """The project's own hint lexicon (validated by the caller); None: the default one."""
    events.project_change(session, project, "lexicon", {"lexicon": project.lexicon},
                          {"lexicon": lexicon})
    project.lexicon = lexicon


def guidelines_version(session: Session, project: Project) -> int | None:
    """The number of the project's current guidelines text (None before any was stored)."""
    return session.scalar(select(GuidelinesVersion.version)
                          .where(GuidelinesVersion.project_id == project.id)
                          .order_by(GuidelinesVersion.version.desc()).limit(1))


def plain_lines(text: str | None) -> str:
    """A text with LF line ends: a browser's form posts CRLF, which would make a save that
    changed nothing a new guidelines version."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def set_guidelines(session: Session, project: Project, text: str | None) -> int:
    """Give the project these guidelines; a text it has not had just before becomes a new
    version (1, 2, ...), so that exports can say under which one each label was given.
    Returns the current version number. The caller commits."""
    text = plain_lines(text)
    events.project_change(session, project, "guidelines", {"text": project.guidelines},
                          {"text": text})
    project.guidelines = text
    return _version(session, project, meaning(project.labels))


def check_translations(value) -> dict[str, str]:
    """The guidelines in other languages as stored: {language tag: Markdown}, empty texts
    left out. ProjectError names the field and the language that is wrong."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError("guidelines_translations: an object {language tag: Markdown text}")
    out: dict[str, str] = {}
    for tag, text in value.items():
        try:
            norm = languages.check_language_tag(tag, "guidelines_translations")
        except ValueError as err:
            raise ProjectError(str(err)) from None
        if text is not None and not isinstance(text, str):
            raise ProjectError(f"guidelines_translations.{norm}: a Markdown text (a string)")
        if norm in out:
            raise ProjectError(f"guidelines_translations: {norm} is given twice")
        if text and text.strip():
            out[norm] = plain_lines(text)
    return dict(sorted(out.items()))


def set_guidelines_translations(session: Session, project: Project, translations: dict) -> int:
    """Give the project its guidelines in other languages ({tag: Markdown}, checked by
    check_translations); a change makes a new guidelines version, as a change of the default
    text does. Returns the current version number. The caller commits."""
    translations = check_translations(translations)
    before = project.guidelines_translations or {}
    events.project_change(session, project, "guidelines", {"translations": before},
                          {"translations": translations})
    project.guidelines_translations = translations or None
    return _version(session, project, meaning(project.labels))


def guidelines_for(project: Project, wanted: list[str | None]) -> tuple[str | None, str]:
    """The guidelines a reader sees: the text in the first of their languages (`wanted`, most
    preferred first) that the project has one in, else the default text. Returns (its language
    tag, or None for the default text; the Markdown)."""
    translations = project.guidelines_translations or {}
    lang = languages.pick(translations, wanted)
    return (lang, translations[lang]) if lang else (None, project.guidelines or "")


def meaning(labels: list[dict]) -> list[dict]:
    """What a label scheme says, as a guidelines version keeps it: ids, names, descriptions
    (keys, colours and order only change how the page looks)."""
    return sorted(({k: l.get(k) for k in ("id", "name", "description")} for l in labels),
                  key=lambda l: l["id"])


def _version(session: Session, project: Project, labels: list[dict]) -> int:
    """The current version number; a new one if the text or the labels' meaning changed."""
    digest = _digest(project)
    last = session.execute(select(GuidelinesVersion.version, GuidelinesVersion.digest,
                                  GuidelinesVersion.labels)
                           .where(GuidelinesVersion.project_id == project.id)
                           .order_by(GuidelinesVersion.version.desc()).limit(1)).first()
    # A version stored before labels were kept (labels None) holds for the scheme it had.
    if last is not None and last.digest == digest and last.labels in (None, labels):
        return last.version
    version = (last.version if last else 0) + 1
    session.add(GuidelinesVersion(project_id=project.id, version=version, digest=digest,
                                  text=project.guidelines, labels=labels))
    session.flush()
    return version


def _digest(project: Project) -> str:
    """SHA-256 of the guidelines: of the default text alone while there are no translations
    (as versions stored before them were), else of the text and its translations."""
    if not project.guidelines_translations:
        return hashlib.sha256(project.guidelines.encode()).hexdigest()
    both = json.dumps({"": project.guidelines, **project.guidelines_translations},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(both.encode()).hexdigest()


def guidelines_news(session: Session, project: Project, user: User) -> dict | None:
    """What changed in the guidelines or the labels since `user` last labelled in the project,
    or None: {"version", "since" (the version of their last label), "at" (when the current
    version was made)}. Nothing for someone who has not labelled there yet."""
    last_label = session.scalar(select(func.max(Annotation.updated_at)).where(
        Annotation.project_id == project.id, Annotation.user_id == user.id))
    if last_label is None:
        return None
    versions = session.execute(select(GuidelinesVersion.version, GuidelinesVersion.created_at)
                               .where(GuidelinesVersion.project_id == project.id)
                               .order_by(GuidelinesVersion.version)).all()
    if not versions or versions[-1].created_at <= last_label:
        return None
    since = max((v.version for v in versions if v.created_at <= last_label), default=None)
    return {"version": versions[-1].version, "since": since, "at": iso_utc(versions[-1].created_at)}


def guidelines_changes(session: Session, project: Project, since: int) -> dict:
    """The difference between guidelines version `since` and the current one: the text as a
    unified diff (None where the old text was not kept) and the labels added, removed or
    reworded."""
    rows = {v.version: v for v in session.scalars(select(GuidelinesVersion).where(
        GuidelinesVersion.project_id == project.id))}
    if since not in rows:
        raise ProjectError(f"since: no guidelines version {since} (versions 1-{max(rows, default=0)})")
    old, new = rows[since], rows[max(rows)]
    text_diff = None
    if old.text is not None:
        text_diff = "\n".join(difflib.unified_diff(
            old.text.splitlines(), (new.text if new.text is not None else project.guidelines).splitlines(),
            f"version {since}", f"version {new.version}", lineterm=""))
    before = {l["id"]: l for l in old.labels or []}
    after = {l["id"]: l for l in new.labels or meaning(project.labels)}
    labels = None if old.labels is None else {
        "added": [after[i] for i in after if i not in before],
        "removed": [before[i] for i in before if i not in after],
        "changed": [{"before": before[i], "after": after[i]} for i in after
                    if i in before and before[i] != after[i]]}
    return {"since": since, "version": new.version, "text_diff": text_diff, "labels": labels}


def used_label_ids(session: Session, project: Project) -> set[str]:
    """The label ids that stored rows of the project refer to: annotators' labels (current
    and in their history), reviewers' gold labels and control items' answers."""
    history = (select(AnnotationHistory.label)
               .join(Sentence, Sentence.id == AnnotationHistory.sentence_id)
               .where(Sentence.project_id == project.id, AnnotationHistory.label.is_not(None)))
    used = set(session.scalars(union(
        select(Annotation.label).where(Annotation.project_id == project.id),
        select(Adjudication.label).where(Adjudication.project_id == project.id),
        select(ControlItem.label).where(ControlItem.project_id == project.id), history)))
    if settings(project)["task"] != "multi":
        return used
    # A multi-label set's other labels (`label` is only its first). Only multi-label projects
    # store sets, and a labelled project's task cannot change.
    for sets in (select(Annotation.labels).where(Annotation.project_id == project.id,
                                                 Annotation.labels.is_not(None)),
                 select(Adjudication.labels).where(Adjudication.project_id == project.id,
                                                   Adjudication.labels.is_not(None)),
                 select(AnnotationHistory.labels)
                 .join(Sentence, Sentence.id == AnnotationHistory.sentence_id)
                 .where(Sentence.project_id == project.id, AnnotationHistory.labels.is_not(None))):
        for labels in session.scalars(sets):
            used.update(labels or ())
    return used


def used_span_types(session: Session, project: Project) -> set[str]:
    """The span type ids that the project's stored labels (current ones) carry spans of."""
    as_text = cast(Annotation.spans, Text)
    found: set[str] = set()
    for raw in session.scalars(select(as_text).where(Annotation.project_id == project.id,
                                                     as_text.not_in(["[]", "null"]))):
        found.update(sp.get("label") for sp in json.loads(raw) or [])
    return found


def set_labels(session: Session, project: Project, labels: list[dict]) -> None:
    """Change the scheme: names, descriptions, keys, colours and the order may change at any
    time, and labels may be added; a label that stored rows refer to keeps its id and stays,
    or those rows would lose their meaning. Span settings of removed labels are dropped."""
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
    ids = {label["id"] for label in scheme}
    kept = sorted(used_label_ids(session, project) - ids)
    if kept:
        raise ProjectError(
            f"labels: {', '.join(repr(i) for i in kept)} cannot be removed or get a new id: "
            "stored labels use it (exports and statistics name labels by id). Change its "
            "name, description, key, colour or position instead, or create a new project.")
    if settings(project)["unsure"] and any(label["key"] == "u" for label in scheme):
        raise ProjectError("labels: the key 'u' toggles unsure in this project; choose another key")
    changed = meaning(scheme) != meaning(project.labels)
    events.project_change(session, project, "scheme", {"labels": project.labels}, {"labels": scheme})
    project.labels = scheme
    if changed:
        _version(session, project, meaning(scheme))
    spans = (project.settings or {}).get("spans")
    if spans and any(k not in ids for k in spans):
        set_settings(project, {**project.settings, "spans": {k: v for k, v in spans.items() if k in ids}})
    types = (project.settings or {}).get("span_types")
    if types and any(set(t.get(f) or ()) - ids for t in types for f in ("labels", "required")):
        # a removed label leaves the span types' lists of labels (never a stored span)
        set_settings(project, {**project.settings, "span_types": [
            {**t, **{f: [i for i in t[f] if i in ids] for f in ("labels", "required") if f in t}}
            for t in types]})
    rationale = (project.settings or {}).get("rationale")
    if rationale and any(k not in ids for k in rationale):
        set_settings(project, {**project.settings,
                               "rationale": {k: v for k, v in rationale.items() if k in ids}})


def set_settings(project: Project, values: dict) -> None:
    """Replace the project's settings with `values` (validate_settings: all or nothing)."""
    values = validate_settings(values, project.labels)
    before = {t["id"] for t in settings(project)["span_types"]}
    after = {t["id"] for t in values.get("span_types", DEFAULT_SPAN_TYPES)}
    if before - after:
        kept = sorted((before - after) & used_span_types(object_session(project), project))
        if kept:
            raise ProjectError(
                f"settings.span_types: {', '.join(repr(i) for i in kept)} cannot be removed or get "
                "a new id: stored spans use it. Change its name, key or colour instead.")
    old_task = settings(project)["task"]
    new_task = values.get("task", DEFAULT_SETTINGS["task"])
    if new_task != old_task and object_session(project).scalar(
            select(Annotation.id).where(Annotation.project_id == project.id).limit(1)) is not None:
        raise ProjectError(f"settings.task: cannot change from {old_task} to {new_task} once "
                           "sentences are labelled (their labels would change meaning); create "
                           "a new project instead")
    points = values.get("confidence", DEFAULT_SETTINGS["confidence"])
    highest = object_session(project).scalar(
        select(func.max(Annotation.confidence)).where(Annotation.project_id == project.id))
    if highest and 0 < points < highest:  # 0 stops asking; the confidences given are kept
        raise ProjectError(f"settings.confidence: {points} points is fewer than a confidence "
                           f"already given ({highest}); keep at least {highest} points, or set 0 "
                           "to stop asking (the confidences given are kept)")
    events.project_change(object_session(project), project, "settings",
                          {"settings": project.settings}, {"settings": values})
    project.settings = values


def is_member(project: Project, user: User) -> bool:
    """A project with no members listed is open to every annotator."""
    return not project.has_members or project.lists(user)


def visible_projects(session: Session, user: User) -> list[Project]:
    projects = session.scalars(select(Project).where(LIVE)
                               .order_by(Project.name)).all()
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


_REF_BY_SLUG = select(*ref_columns(bindparam("uid"))).where(_P.c.slug == bindparam("slug"),
                                                            _P.c.deleted_at.is_(None))


def ref_by_slug(session: Session, slug: str, user) -> ProjectRef | None:
    """The project named `slug` as `user` sees it (one query), or None."""
    row = session.connection().execute(_REF_BY_SLUG, {"uid": user.id, "slug": slug}).first()
    return None if row is None else make_ref(row, user.id)


def set_overlap(session: Session, project: Project, overlap: int) -> None:
    """Change k and recompute which sentences are full."""
    overlap = check_overlap(overlap)
    events.project_change(session, project, "project", {"overlap": project.overlap}, {"overlap": overlap})
    project.overlap = overlap
    session.execute(update(Sentence).where(Sentence.project_id == project.id)
                    .values(full=Sentence.n_labels >= project.overlap))
