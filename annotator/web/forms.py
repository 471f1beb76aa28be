"""Flask-WTF forms; every one carries a CSRF token."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, HiddenField, IntegerField, MultipleFileField, PasswordField,
                     SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, StopValidation

from ..models import ROLES


class PageForm(FlaskForm):
    """A form of the pages: it reads form posts only. (Flask-WTF also fills a form from a JSON
    body, whose values may be lists or objects where every field expects text.)"""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            return None if request.is_json else super().wrap_formdata(form, formdata)


class LoginForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class PostForm(PageForm):
    """A bare form for buttons that change state (sign out, revoke, delete): CSRF only."""


class SignOutForm(PageForm):
    revoke_tokens = BooleanField(_l("Also revoke their API tokens"), default=True)


class PasswordForm(PageForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password (at least 8 characters)"),
                        validators=[DataRequired(), Length(min=8, max=200)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), Length(max=200),
                                        EqualTo("new", _l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    revoke_tokens = BooleanField(_l("Also revoke my API tokens"), default=True)
    submit = SubmitField(_l("Change password"))


class TokenForm(PageForm):
    name = StringField(_l("Token name"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Create token"))


class UploadForm(PageForm):
    files = MultipleFileField(_l("Files (.txt, .md, .jsonl, .csv, .tsv, .html)"), validators=[DataRequired()])
    submit = SubmitField(_l("Import"))


def whole_number(low: int, high: int):
    """A whole number from `low` to `high`, compared as integers: WTForms' NumberRange asks
    math.isnan first, which fails with OverflowError (a 500) on a number of 400 digits."""
    def check(_form, field):
        if not isinstance(field.data, int) or not low <= field.data <= high:
            raise StopValidation(f"A whole number from {low} to {high}.")
    return check


class UserForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=list(ROLES), default="annotator")
    password = PasswordField(_l("Password (empty: generate one)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Create user"))


class UserEditForm(PageForm):
    role = SelectField(_l("Role"), choices=list(ROLES))
    active = BooleanField(_l("Active"))
    version = HiddenField()  # events.version_of when the form was loaded: a stale save is refused
    password = PasswordField(_l("New password (empty: keep)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class InviteForm(PageForm):
    """Invites, one or many: the projects' choices are set by the view."""
    people = TextAreaField(_l("Who (one username or e-mail address a line)"),
                           validators=[DataRequired(), Length(max=100_000)])
    role = SelectField(_l("Role"), choices=list(ROLES), default="annotator")
    projects = SelectMultipleField(_l("Projects (they become members; a project with no members "
                                   "is open to every annotator until one is listed)"), choices=[])
    days = IntegerField(_l("Valid for (days)"), validators=[whole_number(1, 90)])
    submit = SubmitField(_l("Create invites"))


class ResetLinkForm(PageForm):
    """An admin's reset link for a user: CSRF only."""


class NewPasswordForm(PageForm):
    """An invitee's or a reset link's new password (the username where the invite leaves it
    to them)."""
    username = StringField(_l("Username"), validators=[Optional(), Length(max=64)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password (at least 8 characters)"),
                             validators=[DataRequired(), Length(max=200)],  # users.check_password
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"),
                            validators=[DataRequired(), Length(max=200),
                                        EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    revoke_tokens = BooleanField(_l("Also revoke my API tokens"), default=True)
    submit = SubmitField(_l("Save and sign in"))


class KindForm(PageForm):
    sentence_id = HiddenField(validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=["body", "heading", "boilerplate", "duplicate"])


class LangForm(PageForm):
    lang = StringField(_l("Language"), validators=[DataRequired(), Length(max=35)])


class AdjudicateForm(PageForm):
    label = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


__all__ = ["LoginForm", "PostForm", "TokenForm", "UploadForm", "UserForm",
           "UserEditForm", "InviteForm", "ResetLinkForm", "NewPasswordForm", "KindForm", "AdjudicateForm", "FileField", "FileRequired"]


class ReleaseForm(PageForm):
    name = StringField(_l("Release name"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"placeholder": "e.g. v1.0 or 2026-12-paper",
                                  "pattern": "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}"})
    submit = SubmitField(_l("Make release"))
