"""Accounts, passwords and API tokens (no Flask import)."""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from functools import cache

from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from .db import begin_write
from .models import ROLES, ApiToken, SignInFailure, User, utcnow

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8
# Checked against when the user does not exist, so that sign-in takes as long either way.
# Made on first use: scrypt costs ~0.1 s, which every process would pay at start-up.
@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    pass


def check_username(name: str) -> str:
    name = (name or "").strip()
    if not USERNAME.match(name):
        raise AccountError("username: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)} (got {role!r})")
    return role


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    return password


def by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(session: Session, username: str, role: str = "annotator",
                password: str | None = None) -> User:
    username, role = check_username(username), check_role(role)
    if by_name(session, username) is not None:
        raise AccountError(f"username: {username!r} exists already")
    # None: no password yet (cannot sign in); "" or a short one is refused, never stored.
    user = User(username=username, role=role,
                password_hash=None if password is None
                else generate_password_hash(check_password(password)))
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """A new password: every session of the user ends with it (their cookies' fingerprint
    covers the hash); end_sessions(..., tokens=True) also revokes their tokens."""
    user.password_hash = generate_password_hash(check_password(password))


def end_sessions(session: Session, user: User, tokens: bool = False) -> None:
    """Sign `user` out everywhere: every session cookie made so far stops working, a copy of
    one included (its fingerprint no longer matches). With `tokens`, revoke their API tokens
    too (a new password, deactivation). In the caller's transaction."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_version=User.session_version + 1))
    if tokens:
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if name and password match an active account, else None (no hint which failed)."""
    user = by_name(session, (username or "").strip())
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    ok = check_password_hash(stored, password or "")
    if user is None or not user.password_hash or not user.active or not ok:
        return None
    return user


@dataclass(frozen=True)
class SignInLimit:
    """At most `per_account` failed sign-ins for one account name and `per_address` from one
    address within `window`; successful sign-ins never count (a class behind one campus
    address signs in at once)."""
    per_account: int = 10
    per_address: int = 100
    window: timedelta = timedelta(minutes=15)


def sign_in_wait(session: Session, username: str, address: str, limit: SignInLimit,
                 now=None) -> int | None:
    """Seconds until another sign-in may be tried for this account from this address, or
    None if it may be tried now. Counted in the database, so every worker process agrees.
    (Flask-Limiter counts in memory or Redis only, and would count each process alone by
    default.)"""
    now = now or utcnow()
    wait = None
    for column, value, most in ((SignInFailure.username, _account_key(username), limit.per_account),
                                (SignInFailure.address, address[:64], limit.per_address)):
        recent = session.scalars(select(SignInFailure.at)
                                 .where(column == value, SignInFailure.at > now - limit.window)
                                 .order_by(SignInFailure.at.desc()).limit(most)).all()
        if len(recent) >= most:  # free again once the oldest of them leaves the window
            seconds = math.ceil((recent[-1] + limit.window - now).total_seconds())
            wait = max(wait or 1, seconds, 1)
    return wait


def note_sign_in_failure(session: Session, username: str, address: str, limit: SignInLimit,
                         now=None) -> None:
    """Count a failed sign-in (in the caller's transaction); rows past the window go."""
    now = now or utcnow()
    begin_write(session)  # the check read first (and the password check takes 0.1 s unlocked)
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - limit.window))
    session.add(SignInFailure(at=now, username=_account_key(username), address=address[:64]))


def note_sign_in(session: Session, user: User, now=None) -> None:
    """A successful sign-in counts as activity ("last active")."""
    begin_write(session)
    session.execute(update(User).where(User.id == user.id).values(last_active_at=now or utcnow()))


def _account_key(username: str) -> str:
    return (username or "").strip().lower()[:200]


def generate_password() -> str:
    return secrets.token_urlsafe(12)


# API tokens carry 256 random bits, so a fast hash is enough; only the hash is stored.
TOKEN_PREFIX = "ann_"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=(name or "").strip()[:100], token_hash=_hash_token(token),
                   prefix=token[:12])
    session.add(row)
    session.flush()
    return row, token


def token_digest(token: str) -> str | None:
    """The stored form (SHA-256) of a well-formed token; None for anything else."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _hash_token(token)


# api_tokens.last_used_at is shown to the minute: write it at most once a minute per token.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
_U, _T = User.__table__, ApiToken.__table__
_USER_BY_ID = select(*_U.c).where(_U.c.id == bindparam("uid"))
_BY_TOKEN = (select(*_U.c, _T.c.id, _T.c.token_hash, _T.c.last_used_at)
             .join(_T, _T.c.user_id == _U.c.id)
             .where(_T.c.token_hash == bindparam("digest"), _T.c.revoked_at.is_(None)))
_N = len(_U.c)


def _detached(values) -> User:
    """A User made from its row, detached: the ORM takes it for the stored row (it is never
    inserted again), and code that changes a user loads its own copy. The signed-in user is
    read on every request, and a Core row costs a quarter of an ORM load."""
    user = User(**dict(zip(_U.c.keys(), values)))
    make_transient_to_detached(user)
    return user


def signed_in(session: Session, user_id: int) -> User | None:
    """The user with this id (for the request's signed-in user), detached; None if none."""
    row = session.connection().execute(_USER_BY_ID, {"uid": user_id}).first()
    return _detached(row) if row is not None else None


def by_token(session: Session, token: str) -> User | None:
    """The active user of an unrevoked token (detached, as signed_in), else None. Notes the
    token's use (at most once a minute) in the session's transaction, for the caller to
    commit."""
    digest = token_digest(token)
    if digest is None:
        return None
    row = session.connection().execute(_BY_TOKEN, {"digest": digest}).first()
    if row is None:
        return None
    user, token_id, stored, last_used = _detached(row[:_N]), *row[_N:]
    # The lookup is by hash already; compare_digest keeps the final check constant-time.
    if not user.active or not hmac.compare_digest(stored, digest):
        return None
    now = utcnow()
    if last_used is None or now - last_used >= TOKEN_TOUCH_EVERY:
        begin_write(session)  # the lookup read first: take the write lock before writing
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
