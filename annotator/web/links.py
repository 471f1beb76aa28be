"""Invite and reset links: the admin's invites page, and the public pages a link opens
(/invite/TOKEN, /reset/TOKEN). The rules are annotator/account_links.py's."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from .. import account_links, projects, users
from ..models import AccountLink, Project
from .extensions import locks_own_writes
from .forms import InviteForm, NewPasswordForm, PostForm
from .page_data import link_row
from ..timestamps import iso_utc
from .view_helpers import get_session, hand_over, page, page_arg, roles_required

bp = Blueprint("links", __name__)
PER_PAGE = 50


@bp.route("/admin/invites", methods=["GET", "POST"])
@roles_required("admin")
def invites():
    """Invites one by one or from a pasted list (all or none); each new link is shown once."""
    session = get_session()
    slugs = list(session.scalars(select(Project.slug).where(projects.LIVE).order_by(Project.slug)))
    form = InviteForm()
    form.projects.choices = slugs
    if request.method == "GET":
        form.days.data = int(current_app.config["INVITE_DAYS"])
    created = None
    if form.validate_on_submit():
        try:
            made = account_links.create_invites(
                session, form.people.data, form.role.data, form.projects.data,
                days=form.days.data, created_by=current_user)
            session.commit()
        except account_links.LinkError as err:
            session.rollback()
            flash(str(err), "error")
        else:
            # Mailed after the commit: no SMTP round trip holds the write lock.
            created = [hand_over(new, form.projects.data) for new in made]
            flash(_("%(num)d invite(s) created.", num=len(created)), "info")
    n = page_arg()
    rows = account_links.listed(session, account_links.INVITE, limit=PER_PAGE,
                                offset=(n - 1) * PER_PAGE)
    total = session.scalar(select(func.count()).select_from(AccountLink)
                           .where(AccountLink.kind == account_links.INVITE))
    shown = account_links.project_slugs(session, rows), account_links.usernames(session, rows)
    return page("admin/invites.html", {
        "invites": [link_row(r, *shown) for r in rows], "created": created, "total": total,
        "page": n, "pages": max(1, -(-total // PER_PAGE))}, form=form, post=PostForm())


@bp.post("/admin/links/<int:link_id>/revoke")
@roles_required("admin")
def revoke(link_id: int):
    session = get_session()
    link = session.get(AccountLink, link_id)
    if link is None:
        abort(404, "No such link.")
    if PostForm().validate_on_submit() and account_links.revoke(session, link_id):
        session.commit()
        flash(_("Link revoked."), "info")
    if link.kind == account_links.RESET:
        return redirect(url_for("admin.user", user_id=link.user_id))
    return redirect(url_for("links.invites"))


def _open(kind: str, token: str):
    """The open link, else the one answer for every other case (unknown, used, expired...)."""
    link = account_links.find(get_session(), kind, token)
    if link is None:
        abort(404, _("This link is invalid or expired."))
    return link


def _signed_in_as(user, message: str):
    # A fresh session: nothing of a previous user's session (its CSRF token) carries over.
    cookie_session.clear()
    login_user(user)
    flash(message, "info")
    return redirect(url_for("annotate.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@locks_own_writes  # the new password's scrypt hash runs outside SQLite's write lock
def invite(token: str):
    """The invitee chooses their username (unless the invite sets it) and password."""
    session = get_session()
    link = _open(account_links.INVITE, token)
    names = account_links.project_slugs(session, [link])
    data = {"invite": {"username": link.username, "role": link.role,
                       "projects": [names[i] for i in link.project_ids or [] if i in names],
                       "expires_at": iso_utc(link.expires_at)}}
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = account_links.accept_invite(session, token, form.password.data,
                                               form.username.data)
            session.commit()
        except account_links.LinkInvalid:
            session.rollback()
            abort(404, _("This link is invalid or expired."))
        except users.AccountError as err:
            session.rollback()
            flash(str(err), "error")
            return page("invite.html", data, 400, form=form)
        return _signed_in_as(user, _("Welcome, %(user)s: you are signed in.", user=user.username))
    return page("invite.html", data, 400 if form.errors else 200, form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@locks_own_writes  # the new password's scrypt hash runs outside SQLite's write lock
def reset(token: str):
    """A new password through an admin's reset link: every other session of the user ends."""
    session = get_session()
    link = _open(account_links.RESET, token)
    data = {"reset": {"username": account_links.usernames(session, [link]).get(link.user_id),
                      "expires_at": iso_utc(link.expires_at)}}
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = account_links.use_reset(session, token, form.password.data,
                                           revoke_tokens=bool(form.revoke_tokens.data))
            session.commit()
        except account_links.LinkInvalid:
            session.rollback()
            abort(404, _("This link is invalid or expired."))
        except users.AccountError as err:
            session.rollback()
            flash(str(err), "error")
            return page("reset.html", data, 400, form=form)
        return _signed_in_as(user, _("Your password is changed; your other sessions are signed out."))
    return page("reset.html", data, 400 if form.errors else 200, form=form)
