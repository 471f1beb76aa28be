"""Sign-in, sign-out and the user's own API tokens."""
from __future__ import annotations

import math
from datetime import timedelta

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from flask import session as cookie_session
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import users
from ..models import ApiToken, User
from .page_data import token_row
from .errors import InputError, wants_json
from .i18n import select_locale
from .view_helpers import get_session, page, safe_next
from .forms import LoginForm, PasswordForm, PostForm, TokenForm
from .extensions import locks_own_writes

bp = Blueprint("auth", __name__)


def _limit() -> users.SignInLimit:
    cfg = current_app.config
    return users.SignInLimit(per_account=int(cfg["LOGIN_FAILURES_PER_ACCOUNT"]),
                             per_address=int(cfg["LOGIN_FAILURES_PER_ADDRESS"]),
                             per_account_anywhere=int(cfg["LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE"]),
                             window=timedelta(minutes=float(cfg["LOGIN_FAILURE_WINDOW_MINUTES"])))


def _begin_sign_in(username: str) -> users.SignInAttempt:
    """Counted and committed before the password check, which then runs unlocked."""
    session = get_session()
    attempt = users.begin_sign_in(session, username, request.remote_addr or "", _limit())
    session.commit()
    return attempt


def _too_many(wait: int, template: str, form):
    flash(_("Too many failed sign-ins: please wait %(minutes)d minute(s) and try again.",
            minutes=math.ceil(wait / 60)), "error")
    resp = make_response(render_template(template, form=form), 429)
    resp.headers["Retry-After"] = str(wait)
    return resp


@bp.route("/login", methods=["GET", "POST"])
@locks_own_writes  # the password check (0.1 s of scrypt) runs outside SQLite's write lock
def login():
    form = LoginForm()
    if form.validate_on_submit():
        attempt = _begin_sign_in(form.username.data)
        if attempt.wait is not None:
            return _too_many(attempt.wait, "login.html", form)
        session = get_session()
        user = users.authenticate(session, form.username.data, form.password.data)
        if user is not None:
            users.sign_in_succeeded(session, attempt, user)
            session.commit()
            # A fresh session, so that a page still open from the previous user's session
            # (its CSRF token) cannot write as this one.
            cookie_session.clear()
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("annotate.index")))
        # One message for every failure, so the form does not reveal which usernames exist.
        flash(_("Unknown username or wrong password."), "error")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = PostForm()
    if request.method == "POST":
        if form.validate_on_submit():
            if current_user.is_authenticated:
                # On the server: a copy of this cookie (or of any other session of theirs)
                # stops working too.
                session = get_session()
                users.end_sessions(session, current_user)
                session.commit()
            logout_user()
            cookie_session.clear()
            flash(_("You are signed out."), "info")
            return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("logout.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@locks_own_writes  # two scrypt hashes (0.2 s) run outside SQLite's write lock
def password():
    """A new password, chosen by the user: every other session of theirs ends (and, if they
    say so, their API tokens are revoked); this one goes on, signed in afresh."""
    form = PasswordForm()
    if form.validate_on_submit():
        session = get_session()
        user = session.get(User, current_user.id)
        # The current password is checked like a sign-in: a borrowed session cannot guess it.
        attempt = _begin_sign_in(user.username)
        if attempt.wait is not None:
            return _too_many(attempt.wait, "password.html", form)
        if users.authenticate(session, user.username, form.current.data) is None:
            flash(_("The current password is wrong."), "error")
            return render_template("password.html", form=form), 401
        users.sign_in_succeeded(session, attempt, user)
        session.commit()
        try:
            users.set_password(session, user, form.new.data, tokens=bool(form.revoke_tokens.data))
        except users.AccountError as err:
            session.rollback()
            flash(str(err), "error")
            return render_template("password.html", form=form), 400
        session.commit()
        session.refresh(user)  # the new session version, for this session's cookie
        cookie_session.clear()
        login_user(user)
        flash(_("Your password is changed; your other sessions are signed out."), "info")
        return redirect(url_for("annotate.index"))
    return render_template("password.html", form=form), 400 if form.errors else 200


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    session = get_session()
    form, revoke = TokenForm(), PostForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = users.create_token(session, current_user, form.name.data or "")
        session.commit()
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                           .order_by(ApiToken.id.desc())).all()
    # A new token is in the answer to the request that created it, and never again.
    return page("tokens.html", {"tokens": [token_row(t) for t in rows], "new_token": new_token},
                form=form, revoke=revoke)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    form = PostForm()
    if form.validate_on_submit():
        session = get_session()
        if users.revoke_token(session, current_user, token_id):
            session.commit()
            flash(_("Token revoked."), "info")
    return redirect(url_for("auth.tokens"))


@bp.post("/me/language")
@login_required
def language():
    """The user's interface language (the form on /me; a JSON body {"locale": "ru"} too):
    one of the catalogues' languages, or empty for the browser's Accept-Language."""
    # CSRF: checked for every POST by CSRFProtect (the form's field or the X-CSRFToken header).
    body = request.get_json(silent=True) if request.is_json else None
    chosen = body.get("locale") if isinstance(body, dict) else request.form.get("locale", "")
    session = get_session()
    try:
        locale = users.set_locale(session, current_user.id, chosen)
    except users.AccountError as err:
        raise InputError("invalid_locale", str(err)) from None
    session.commit()
    if wants_json():
        return {"locale": locale}
    # Said in the language just chosen (the request's own was picked before the change).
    with force_locale(locale or select_locale()):
        flash(_("Your interface language is saved."), "info")
    return redirect(url_for("annotate.my_work"))
