"""Invite and password-reset links: single use, expiring, only their hash stored (no Flask).

The pages (web/links.py, web/admin.py), the API (POST /api/v1/invites) and the CLI
(`annotator invite`, `annotator reset-link`) all come here. Who may create a link is the
caller's check (access.allowed(user, "admin")), as for creating an account; the CLI is the
operator's. A link's token is shown once, in the answer that made it: the database keeps its
SHA-256 (users.hash_token, the one hashing rule of every random secret), looked up by hash.
An invalid, used, revoked or expired link is one answer, INVALID, so that nobody learns which.
"""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from . import events, projects, users
from .db import begin_write
from .mail import Mailer
from .models import AccountLink, Project, User, utcnow

INVITE, RESET = "invite", "reset"
INVALID = "This link is invalid or expired."
MAX_DAYS, MAX_HOURS, MAX_LINES = 90, 24 * 90, 1000
# An address as people type one: something@domain.tld, no spaces, brackets or separators.
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.][^@\s<>,;\"']*$")


class LinkError(ValueError):
    """A request for links that cannot be made; the message names the field or line."""


class LinkInvalid(Exception):
    """The link is unknown, used, revoked or expired (one answer for all: INVALID)."""

    def __init__(self):
        super().__init__(INVALID)


@dataclass(frozen=True)
class NewLink:
    """A link just made: its token exists here, in this answer, and nowhere else."""
    link: AccountLink
    token: str

    @property
    def path(self) -> str:
        return f"/{self.link.kind}/{self.token}"

    def url(self, base: str | None) -> str:
        """The full link under `base` (PUBLIC_URL or the request's root), else the path."""
        return (base or "").rstrip("/") + self.path


@dataclass(frozen=True)
class Invitee:
    line: int
    username: str | None
    email: str | None


def check_email(text: str) -> str:
    text = (text or "").strip()
    if len(text) > 254 or not EMAIL.match(text):
        raise LinkError(f"e-mail: {text[:60]!r} is not an address like name@example.org")
    return text


def parse_invitees(text: str) -> list[Invitee]:
    """One username or e-mail address a line (blank lines skipped); LinkError names the first
    bad line. An address leaves the username to the invitee."""
    out, seen = [], {}
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            who = Invitee(n, None, check_email(line)) if "@" in line else \
                Invitee(n, users.check_username(line), None)
        except (LinkError, users.AccountError) as err:
            raise LinkError(f"line {n}: {err}") from None
        key = (who.username or who.email).lower()
        if key in seen:
            raise LinkError(f"line {n}: {line[:60]!r} is on line {seen[key]} already")
        seen[key] = n
        out.append(who)
    if not out:
        raise LinkError("people: give one username or e-mail address a line")
    if len(out) > MAX_LINES:
        raise LinkError(f"people: at most {MAX_LINES} lines at once")
    return out


def _valid_for(value, most: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise LinkError(f"{unit}: a whole number from 1 to {most}")
    return value


def create_invites(session: Session, people: str | list[str], role: str = "annotator",
                   project_slugs: list[str] | tuple = (), *, days: int = 7,
                   created_by: User | None = None, now: datetime | None = None) -> list[NewLink]:
    """Invites for `people` (a pasted list, or the lines as a list), all or none: every line,
    the role and the projects are checked before anything is stored, in the caller's write
    transaction. A username already taken, or with an open invite, is refused by line."""
    now = now or utcnow()
    if not isinstance(people, str):
        people = "\n".join(people)
    invitees = parse_invitees(people)
    try:
        role = users.check_role(role)
    except users.AccountError as err:
        raise LinkError(str(err)) from None
    days = _valid_for(days, MAX_DAYS, "days")
    begin_write(session)
    chosen = _projects(session, project_slugs)
    _refuse_taken(session, invitees, now)
    made = []
    for who in invitees:
        token = secrets.token_urlsafe(32)
        link = AccountLink(kind=INVITE, token_hash=users.hash_token(token), created_at=now,
                           expires_at=now + timedelta(days=days), username=who.username,
                           email=who.email, role=role, project_ids=[p.id for p in chosen],
                           created_by_id=created_by.id if created_by else None)
        session.add(link)
        made.append(NewLink(link, token))
    session.flush()
    return made


def _projects(session: Session, slugs) -> list[Project]:
    slugs = list(dict.fromkeys(slugs or ()))
    if not all(isinstance(s, str) for s in slugs):
        raise LinkError("projects: a list of project slugs")
    found = {p.slug: p for p in session.scalars(select(Project).where(Project.slug.in_(slugs)))}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise LinkError(f"projects: no project {', '.join(repr(s) for s in missing)}")
    return [found[s] for s in slugs]


def _refuse_taken(session: Session, invitees: list[Invitee], now: datetime) -> None:
    names = [w.username for w in invitees if w.username]
    emails = [w.email.lower() for w in invitees if w.email]
    taken = set(session.scalars(select(User.username).where(User.username.in_(names))))
    taken |= {e.lower() for e in session.scalars(
        select(User.email).where(func.lower(User.email).in_(emails)))}
    pending = session.execute(select(AccountLink.username, AccountLink.email).where(
        AccountLink.kind == INVITE, *_open(now),
        or_(AccountLink.username.in_(names), func.lower(AccountLink.email).in_(emails)))).all()
    waiting = {n for n, _ in pending if n} | {e.lower() for _, e in pending if e}
    for who in invitees:
        key = who.username or who.email.lower()
        if key in taken:
            raise LinkError(f"line {who.line}: {key!r} has an account already")
        if key in waiting:
            raise LinkError(f"line {who.line}: {key!r} has an open invite already")


def _open(now: datetime):
    return (AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None),
            AccountLink.expires_at > now)


def create_reset(session: Session, user: User, *, hours: int = 24,
                 created_by: User | None = None, now: datetime | None = None) -> NewLink:
    """A reset link for `user` (an admin hands it over; no mail server needed). Earlier open
    reset links of theirs stop working: only the newest is valid."""
    now = now or utcnow()
    hours = _valid_for(hours, MAX_HOURS, "hours")
    if not user.is_active:
        raise LinkError("user: deactivated accounts get no reset link (activate it first)")
    begin_write(session)
    session.execute(update(AccountLink).where(AccountLink.kind == RESET,
                                              AccountLink.user_id == user.id, *_open(now))
                    .values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    link = AccountLink(kind=RESET, token_hash=users.hash_token(token), created_at=now,
                       expires_at=now + timedelta(hours=hours), user_id=user.id,
                       email=user.email, created_by_id=created_by.id if created_by else None)
    session.add(link)
    session.flush()
    return NewLink(link, token)


def status(link: AccountLink, now: datetime | None = None) -> str:
    """open | used | revoked | expired."""
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= (now or utcnow()) else "open"


def find(session: Session, kind: str, token: str, now: datetime | None = None) -> AccountLink | None:
    """The open link of `kind` with this token (looked up by its hash), else None. A reset
    link of a deactivated account is no link."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    digest = users.hash_token(token)
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == digest,
                                                    AccountLink.kind == kind))
    if link is None or not hmac.compare_digest(link.token_hash, digest) \
            or status(link, now) != "open":
        return None
    if kind == RESET:
        user = session.get(User, link.user_id)
        if user is None or not user.is_active:
            return None
    return link


def _claim(session: Session, kind: str, token: str, now: datetime) -> AccountLink:
    """Mark the link used, in the caller's write transaction; of two requests at once only
    one matches the WHERE (PostgreSQL re-checks it after the row lock), the other gets
    LinkInvalid."""
    begin_write(session)
    digest = users.hash_token(token)
    done = session.execute(update(AccountLink).where(
        AccountLink.token_hash == digest, AccountLink.kind == kind, *_open(now))
        .values(used_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise LinkInvalid()
    return session.scalar(select(AccountLink).where(AccountLink.token_hash == digest)
                          .execution_options(populate_existing=True))


def accept_invite(session: Session, token: str, password: str, username: str | None = None,
                  now: datetime | None = None) -> User:
    """The invitee's account, with the invite's role and projects, the username it presets
    (else the one chosen) and the password chosen (users' password rules). LinkInvalid for a
    link that is not open; users.AccountError for a bad or taken name or a short password
    (the caller rolls back: the link stays unused)."""
    now = now or utcnow()
    link = find(session, INVITE, token, now)
    if link is None:
        raise LinkInvalid()
    name = link.username or users.check_username(username or "")
    digest = users.hash_password(password)  # before the write lock: 0.1 s of scrypt
    link = _claim(session, INVITE, token, now)
    user = users.create_user(session, name, link.role or "annotator")
    user.password_hash, user.email, link.user_id = digest, link.email, user.id
    for project in session.scalars(select(Project).where(Project.id.in_(link.project_ids or []))):
        # A project without a member list is open to every annotator, the invitee included:
        # listing them there would close it to everyone else.
        if project.has_members:
            projects.set_members(session, project, [*project.members, user])
    session.flush()
    users.note_sign_in(session, user, now)
    return user


def use_reset(session: Session, token: str, password: str, *, revoke_tokens: bool = True,
              now: datetime | None = None) -> User:
    """The new password chosen through a reset link: every session of the user ends (and
    with `revoke_tokens` their API tokens are revoked); the caller signs this one in."""
    now = now or utcnow()
    if find(session, RESET, token, now) is None:
        raise LinkInvalid()
    digest = users.hash_password(password)
    link = _claim(session, RESET, token, now)
    user = session.get(User, link.user_id, populate_existing=True)
    user.password_hash = digest
    events.user_change(session, user, "update", after={"password": "changed by a reset link"})
    users.end_sessions(session, user, tokens=revoke_tokens)
    users.note_sign_in(session, user, now)
    session.flush()
    session.refresh(user)  # the new session version, for the caller's cookie
    return user


def revoke(session: Session, link_id: int, now: datetime | None = None) -> bool:
    """Revoke an unused link; False when there is no such link or it is used or revoked."""
    begin_write(session)
    done = session.execute(update(AccountLink).where(
        AccountLink.id == link_id, AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None)).values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False))
    return done.rowcount == 1


def listed(session: Session, kind: str, user_id: int | None = None, limit: int = 200,
           offset: int = 0) -> list[AccountLink]:
    """Links of `kind` (of one user), newest first."""
    query = select(AccountLink).where(AccountLink.kind == kind)
    if user_id is not None:
        query = query.where(AccountLink.user_id == user_id)
    return list(session.scalars(query.order_by(AccountLink.id.desc()).limit(limit).offset(offset)))


def project_slugs(session: Session, links: list[AccountLink]) -> dict[int, str]:
    """The slugs of the projects the links preset, by id."""
    ids = {i for link in links for i in (link.project_ids or [])}
    return dict(session.execute(select(Project.id, Project.slug).where(Project.id.in_(ids))).all())


def usernames(session: Session, links: list[AccountLink]) -> dict[int, str]:
    """The usernames of the links' accounts (a used invite's, a reset's), by id."""
    ids = {link.user_id for link in links if link.user_id is not None}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def deliver(mailer: Mailer | None, new: NewLink, url: str, project_names: list[str] = ()) -> str | None:
    """Mail the link where the configuration has a mailer and the link an address; the
    address it went to, else None. mail.MailError when the server refuses (the link is
    still valid: show it)."""
    to = new.link.email
    if mailer is None or not to:
        return None
    expires = new.link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if new.link.kind == INVITE:
        where = f" to work on {', '.join(project_names)}" if project_names else ""
        subject = "You are invited to annotator"
        body = (f"You are invited to annotator as {new.link.role}{where}.\n\n"
                f"Open this link to choose your password and sign in (it works once, "
                f"until {expires}):\n\n{url}\n")
    else:
        subject = "Reset your annotator password"
        body = (f"An administrator made a password reset link for you. Open it to choose a "
                f"new password (it works once, until {expires}); your other sessions end:"
                f"\n\n{url}\n\nIf you did not ask for this, tell your administrator.\n")
    mailer.send(to, subject, body)
    return to
