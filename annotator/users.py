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

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.orm import Session, make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from . import events, languages
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
                password_hash=None if password is None else hash_password(password))
    session.add(user)
    session.flush()
    events.user_change(session, user, "create")
    return user


def hash_password(password: str) -> str:
    """The stored form of a password, after the password rules (0.1 s of scrypt: callers make
    it before they take the write lock)."""
    return generate_password_hash(check_password(password))


def set_password(session: Session, user: User, password: str, tokens: bool = False) -> None:
    """A new password: every session of the user ends with it, and with `tokens` their API
    tokens are revoked too. The hash (0.1 s of scrypt) is made before the write lock."""
    digest = hash_password(password)
    begin_write(session)
    user.password_hash = digest
    events.user_change(session, user, "update", after={"password": "changed"})
    end_sessions(session, user, tokens=tokens)


def change_account(session: Session, user_id: int, acting: User, role: str, active: bool,
                   password: str | None = None, version=None) -> User:
    """An admin's edit of an account. A new password or a deactivation ends every session of
    the user and revokes their tokens: neither reactivation nor the old password brings any
    back. Nobody takes away their own admin role or deactivates themselves."""
    role = check_role(role)
    if user_id == acting.id and (role != "admin" or not active):
        raise AccountError("You cannot take away your own admin role or deactivate yourself.")
    digest = hash_password(password) if password else None
    begin_write(session)
    user = session.get(User, user_id, populate_existing=True, with_for_update=True)
    if user is None:
        raise AccountError("No such user.")
    if version is not None:  # a form or an API update: refused if made from a stale copy
        events.check_version(session, ("user",), user.id, version)
    deactivated = user.active and not active
    before = events.user_state(user)
    user.role, user.active = role, bool(active)
    if digest is not None:
        user.password_hash = digest
    after = {**events.user_state(user), **({"password": "changed"} if digest else {})}
    if after != before:
        events.user_change(session, user, "update", before, after)
    if digest is not None or deactivated:
        end_sessions(session, user, tokens=True)
    return user


def set_locale(session: Session, user_id: int, locale) -> str | None:
    """The user's interface language (one of languages.interface_languages(); None or "":
    the browser's). AccountError names the field otherwise. The caller commits."""
    try:
        locale = languages.check_interface_language(locale)
    except ValueError as err:
        raise AccountError(str(err)) from None
    begin_write(session)
    session.execute(update(User).where(User.id == user_id).values(locale=locale))
    return locale


def end_sessions(session: Session, user: User, tokens: bool = False) -> None:
    """Sign `user` out everywhere: every session cookie made so far stops working, a copy of
    one included (its fingerprint no longer matches). With `tokens`, revoke their API tokens
    too (a new password, deactivation). In the caller's transaction."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_version=User.session_version + 1))
    if tokens:
        revoked = session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                         ApiToken.revoked_at.is_(None))
                                  .values(revoked_at=utcnow())).rowcount
        if revoked:
            events.token_change(session, user.id, "all", "delete")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if name and password match an active account, else None (no hint which failed)."""
    user = by_name(session, (username or "").strip())
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    ok = check_password_hash(stored, password or "")
    if user is None or not user.password_hash or not user.is_active or not ok:
        return None
    return user


@dataclass(frozen=True)
class SignInLimit:
    """Failed sign-ins allowed within `window`; successful ones never count, so a class behind
    one campus address signs in at once.

    - `per_account`: for one account from one address (a guesser at one machine);
    - `per_address`: from one address, whatever the account (a guesser trying many names);
    - `per_account_anywhere`: for one account from every address together (a guesser with many
      machines). Past it, an address with no recent failure for the account may still try, so
      nobody can lock the owner out from elsewhere, and a guesser gets one try per address."""
    per_account: int = 10
    per_address: int = 100
    per_account_anywhere: int = 100
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class SignInAttempt:
    wait: int | None  # seconds until another try is allowed; None: go on and check the password
    failure_id: int | None = None  # the attempt, counted as failed until the password is right


def begin_sign_in(session: Session, username: str, address: str, limit: SignInLimit,
                  now=None) -> SignInAttempt:
    """Check the limit and, if the attempt may go on, count it as failed at once, in the
    caller's write transaction: concurrent attempts then see each other, and the password
    check (0.1 s of scrypt) runs after the caller commits, outside the write lock. A right
    password takes the count back (sign_in_succeeded). Counted in the database, so every
    worker process agrees (Flask-Limiter counts in memory or Redis, per process by default)."""
    now = now or utcnow()
    account, address = _account_key(username), (address or "")[:64]
    begin_write(session)
    _serialise(session, account, address)
    wait = _wait(session, account, address, limit, now)
    if wait is not None:
        return SignInAttempt(wait)
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - limit.window))
    row = SignInFailure(at=now, username=account, address=address)
    session.add(row)
    session.flush()
    return SignInAttempt(None, row.id)


def sign_in_succeeded(session: Session, attempt: SignInAttempt, user: User, now=None) -> None:
    """The password was right: the attempt no longer counts, and the user was active now."""
    begin_write(session)
    if attempt.failure_id is not None:
        session.execute(delete(SignInFailure).where(SignInFailure.id == attempt.failure_id))
    note_sign_in(session, user, now)


def _wait(session: Session, account: str, address: str, limit: SignInLimit, now) -> int | None:
    F = SignInFailure
    since = now - limit.window

    def past(most: int, *where) -> int | None:
        """Seconds until fewer than `most` such failures are in the window, or None."""
        recent = session.scalars(select(F.at).where(F.at > since, *where)
                                 .order_by(F.at.desc()).limit(most)).all()
        if len(recent) < most:
            return None
        return max(1, math.ceil((recent[-1] + limit.window - now).total_seconds()))

    pair = (F.username == account, F.address == address)
    waits = [past(limit.per_account, *pair), past(limit.per_address, F.address == address)]
    if past(1, *pair) is not None:  # this address has failed for this account lately
        waits.append(past(limit.per_account_anywhere, F.username == account))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def _serialise(session: Session, account: str, address: str) -> None:
    """On PostgreSQL, attempts for one account or from one address take turns (SQLite's one
    write lock already does this), so that two at once cannot both pass the last free count."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True)
                  for k in {"account:" + account, "address:" + address})
    for key in keys:  # always in one order: no deadlock between two attempts
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


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


def hash_token(token: str) -> str:
    """The stored form of a random secret (API tokens, invite and reset links): SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=(name or "").strip()[:100], token_hash=hash_token(token),
                   prefix=token[:12])
    session.add(row)
    session.flush()
    events.token_change(session, user.id, row.id, "create", row.name)
    return row, token


def token_digest(token: str) -> str | None:
    """The stored form (SHA-256) of a well-formed token; None for anything else."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return hash_token(token)


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
    if not user.is_active or not hmac.compare_digest(stored, digest):
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
    events.token_change(session, user.id, row.id, "delete", row.name)
    return True
