"""Crowd studies on Prolific or MTurk (issue 18 item 4; no Flask import).

A participant arrives by the project's entry URL with the platform's ids, and becomes a user
with role "participant", no password, bound to that one project (access.allowed). Their
session has a deadline (`crowd_minutes` after entry): their leases last until it, so every
sentence they took or labelled keeps its slot while they work. Their labels are written by the
one label write (labelling.save) but do not count toward the overlap (n_labels, full) until
they complete: `complete` then counts them all and frees their leases in one transaction, and
only before the deadline. A participant who leaves never completes: at the deadline their
leases lapse and the slots go back to the pool, so an item ends with exactly k completed
labels and no late worker is turned away for an abandoned one (Potato's issue #100).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from . import assign
from .db import begin_write
from .labelling import count_labels
from .models import Annotation, ControlItem, Lease, Participation, Project, User, utcnow
from .projects import settings

# platform -> (participant id, study id, session id) query parameters
PLATFORMS = {"prolific": ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"),
             "mturk": ("workerId", "hitId", "assignmentId")}
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class CrowdError(Exception):
    """A refused entry or step; `code` says why (not_enabled, bad_id, over, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Study:
    """A project's crowd settings (projects.DEFAULT_SETTINGS, crowd_*)."""
    enabled: bool
    quota: int
    minutes: int
    fail_policy: str       # warn | stop
    min_controls: int      # answered controls before the fail policy applies
    completion_code: str
    returned_code: str
    redirect: str          # the platform's completion URL; {code} is replaced


def study(project) -> Study:
    cfg = settings(project)
    return Study(cfg["crowd"], cfg["crowd_quota"], cfg["crowd_minutes"], cfg["crowd_fail_policy"],
                 cfg["crowd_min_controls"], cfg["crowd_completion_code"],
                 cfg["crowd_returned_code"], cfg["crowd_redirect"])


def enter(session: Session, project: Project, platform: str, params: dict, now=None) -> Participation:
    """The participant's session in the study, created on first entry and resumed after.
    CrowdError where the study is off, the platform unknown or an id missing or malformed.
    Commits."""
    now = now or utcnow()
    cfg = study(project)
    if not cfg.enabled:
        raise CrowdError("not_enabled", "this project takes no crowd participants")
    if platform not in PLATFORMS:
        raise CrowdError("bad_platform", f"platform: one of {', '.join(PLATFORMS)}")
    names = PLATFORMS[platform]
    ids = [params.get(n) or None for n in names]
    for name, value in zip(names, ids):
        if value is not None and not _ID.match(value):
            raise CrowdError("bad_id", f"{name}: 1-128 letters, digits, '_', '.', ':' or '-'")
    for name, value in zip(names, ids):
        if value is None:  # all three: the session id is what makes a resume the participant's
            raise CrowdError("bad_id", f"{name}: missing")
    begin_write(session)
    found = session.scalar(select(Participation).where(
        Participation.project_id == project.id, Participation.platform == platform,
        Participation.participant == ids[0]))
    if found is not None:
        # Resuming needs the platform's session id too: a participant id alone (shown in
        # URLs and screenshots) would let anyone take over someone's session and their code.
        if ids[2] != found.session_ref:
            raise CrowdError("other_session", f"{names[2]}: this is not the session in which "
                             f"{ids[0]} entered the study; use the link the platform gave you")
        return found
    digest = hashlib.sha256(f"{project.id}:{platform}:{ids[0]}".encode()).hexdigest()[:16]
    user = User(username=f"{platform}-{digest}", role="participant", password_hash=None,
                study_project_id=project.id)
    session.add(user)
    session.flush()
    part = Participation(project_id=project.id, user_id=user.id, platform=platform,
                         participant=ids[0], study=ids[1], session_ref=ids[2], started_at=now,
                         deadline=now + timedelta(minutes=cfg.minutes), status="active")
    session.add(part)
    session.commit()
    return part


def of_user(session: Session, user) -> Participation | None:
    return session.scalar(select(Participation).where(Participation.user_id == user.id))


def _labelled(session: Session, part: Participation) -> int:
    return session.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.user_id == part.user_id, Annotation.project_id == part.project_id))


def controls(session: Session, part: Participation) -> tuple[int, int]:
    """(control items answered, of them right) by the participant."""
    rows = session.execute(
        select(Annotation.label, ControlItem.label)
        .join(ControlItem, ControlItem.sentence_id == Annotation.sentence_id)
        .where(Annotation.user_id == part.user_id, Annotation.project_id == part.project_id)).all()
    return len(rows), sum(a == b for a, b in rows)


def state(session: Session, project, part: Participation, now=None) -> str:
    """What the participant faces now: active (more to label), failed (the control checks
    failed under the stop policy), finished (quota met, may complete), lapsed (time is up),
    completed or returned."""
    now = now or utcnow()
    if part.status != "active":
        return part.status
    if now >= part.deadline:
        return "lapsed"
    cfg = study(project)
    answered, right = controls(session, part)
    if (cfg.fail_policy == "stop" and answered >= cfg.min_controls and answered
            and right / answered < settings(project)["min_control_accuracy"]):
        return "failed"
    return "finished" if _labelled(session, part) >= cfg.quota else "active"


def participant_state(session: Session, project, user, now=None) -> str | None:
    """state() of a participant user in this project; None for anyone else."""
    part = of_user(session, user)
    if part is None or part.project_id != project.id:
        return None
    return state(session, project, part, now)


def closed(session: Session, project, user, sentence_id: int, changing: bool) -> str | None:
    """Why a participant may not write this label now (None: they may): their session ended
    (completed, returned, time up) or the checks failed under the stop policy; and an answer to
    an attention check, once given, cannot be changed or removed (else a participant told they
    failed could edit their way back)."""
    st = participant_state(session, project, user)
    if st is None:
        return "you are not a participant of this study"
    if st in ("completed", "returned"):
        return "your session in this study has ended; your labels can no longer change"
    if st == "lapsed":
        return "the time for this session is up; please return the study"
    if st == "failed":
        return "the attention checks were not passed; please finish to get your code"
    if changing and session.scalar(select(ControlItem.id).where(ControlItem.sentence_id == sentence_id)):
        return "an answer to an attention check cannot be changed"
    return None


def warned(session: Session, project, part: Participation) -> bool:
    """Under the warn policy: has the participant fallen below the lowest control accuracy?"""
    answered, right = controls(session, part)
    return (answered >= study(project).min_controls and answered > 0
            and right / answered < settings(project)["min_control_accuracy"])


def next_ids(session: Session, project, user, count: int = 1, now=None, commit: bool = True) -> list[int]:
    """The participant's next sentences through the one claim path (assign.lease_next),
    capped by the quota and leased until their deadline; [] once they may not go on."""
    begin_write(session)
    from_ = session.scalar(select(Participation).where(Participation.user_id == user.id)
                           .with_for_update())  # one fetch at a time per participant
    if from_ is None or state(session, project, from_, now) != "active":
        return []
    # The quota counts every sentence taken: labelled, or leased (a participant's leases stay
    # until the deadline, labelled or not), so a label stored meanwhile changes nothing here.
    taken = session.scalar(select(func.count()).select_from(
        select(Lease.sentence_id).where(Lease.user_id == user.id, Lease.project_id == project.id)
        .union(select(Annotation.sentence_id).where(Annotation.user_id == user.id,
                                                    Annotation.project_id == project.id))
        .subquery()))
    return assign.lease_next(session, project, user, count, now, commit, until=from_.deadline,
                             fresh=study(project).quota - taken)


def complete(session: Session, project, part: Participation, now=None) -> str:
    """Close the participant's session and return the code for the platform. Completed (the
    quota met, in time): their labels now count toward overlap and their leases are freed.
    Failed checks under the stop policy: returned, with the returned code, nothing counted.
    Idempotent: a closed session gives its code again. CrowdError otherwise."""
    now = now or utcnow()
    begin_write(session)
    session.refresh(part)
    if part.status in ("completed", "returned"):
        return part.code
    st = state(session, project, part, now)
    cfg = study(project)
    if st == "failed":
        part.status, part.code, part.finished_at = "returned", cfg.returned_code, now
    elif st == "finished":
        for (sid,) in session.execute(select(Annotation.sentence_id).where(
                Annotation.user_id == part.user_id, Annotation.project_id == part.project_id)):
            count_labels(session, sid, 1, project.overlap)
        part.status, part.code, part.finished_at = "completed", cfg.completion_code, now
    elif st == "lapsed":
        raise CrowdError("lapsed", "the time for this session is up; please return the study")
    else:
        raise CrowdError("not_finished", "label your quota of sentences first")
    session.execute(delete(Lease).where(Lease.user_id == part.user_id))
    session.commit()
    return part.code


def redirect_url(project, code: str) -> str | None:
    url = study(project).redirect
    return url.replace("{code}", code) if url else None


def participants(session: Session, project, now=None) -> list[dict]:
    """One row per participant for the participants page and its CSV: ids, status, items,
    seconds spent, control accuracy."""
    now = now or utcnow()
    out = []
    for part in session.scalars(select(Participation).where(Participation.project_id == project.id)
                                .order_by(Participation.id)):
        items, seconds = session.execute(
            select(func.count(), func.coalesce(func.sum(Annotation.seconds), 0.0)).where(
                Annotation.user_id == part.user_id, Annotation.project_id == project.id)).one()
        answered, right = controls(session, part)
        status = part.status
        if status == "active" and now >= part.deadline:
            status = "abandoned"
        out.append({"platform": part.platform, "participant": part.participant, "study": part.study,
                    "session": part.session_ref, "status": status, "items": items,
                    "seconds": round(float(seconds), 1),
                    "controls": answered,
                    "control_accuracy": round(right / answered, 3) if answered else None,
                    "started_at": part.started_at, "finished_at": part.finished_at,
                    "code": part.code})
    return out
