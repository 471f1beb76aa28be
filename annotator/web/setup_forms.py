"""The forms that set a project up without JSON: the label scheme as rows, every setting as a
named field with its help text, the lexicon as a table. Each only maps what was posted to the
plain data that the domain's one validator checks (labels.validate_scheme through
projects.create_project / set_labels, projects.validate_settings, hints.lexicon.validate_lexicon).
Rows are posted as ordinary fields, so the forms work without JavaScript; static/js/setup.js
adds, removes and reorders rows and draws the preview."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, FloatField, Form, FormField, HiddenField,
                     IntegerField, SelectField, StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .. import projects, scheme_templates
from ..labels import COLOURS, MAX_SPAN_TYPES, default_colour
from .forms import PageForm, whole_number

MAX_LEXICON_ROWS = 5000
BLANK_ROWS = 2  # empty rows below the scheme and the lexicon, to fill in without JavaScript
COLOUR_CHOICES = [SelectChoice(str(i), _l("Colour %(n)s", n=i)) for i in range(1, COLOURS + 1)]


class LabelRow(Form):
    """One label of the scheme form. `original` is the id the row had when the page was drawn."""

    original = HiddenField()
    position = IntegerField(_l("Position"), validators=[Optional()])
    label_id = StringField(_l("Id"))
    key = StringField(_l("Key"))
    name = StringField(_l("Name"))
    description = StringField(_l("Description"))
    colour = SelectField(_l("Colour"), choices=COLOUR_CHOICES)
    spans = SelectField(_l("Evidence spans"), choices=list(projects.SPAN_MODES), default="optional")
    rationale = SelectField(_l("Rationale"), choices=list(projects.SPAN_MODES), default="off",
                            description=_l("A free-text reason with this label: off, optional or required."))
    remove = BooleanField(_l("Remove"))

    def blank(self) -> bool:
        return not any((f.data or "").strip()
                       for f in (self.label_id, self.key, self.name, self.description))


class SpanTypeRow(Form):
    """One evidence span type of the scheme form (labels.validate_span_types); lists of label
    ids are comma-separated."""

    type_id = StringField(_l("Id"))
    name = StringField(_l("Name"))
    key = StringField(_l("Key"))
    colour = SelectField(_l("Colour"), choices=COLOUR_CHOICES)
    voice = BooleanField(_l("Has a voice (author or attributed)"))
    labels = StringField(_l("Labels that may carry it (ids; empty: all)"))
    required = StringField(_l("Labels that must carry one (ids)"))
    remove = BooleanField(_l("Remove"))

    def blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.type_id, self.name, self.key))

    def value(self) -> dict:
        out = {"id": (self.type_id.data or "").strip(), "name": (self.name.data or "").strip(),
               "key": (self.key.data or "").strip(), "colour": self.colour.data,
               "voice": bool(self.voice.data)}
        for field in ("labels", "required"):
            ids = [x.strip() for x in (getattr(self, field).data or "").split(",") if x.strip()]
            if ids:
                out[field] = ids
        return out


def _setting_field(key: str, default):
    label, help_text = projects.SETTINGS_HELP.get(key, (key.replace("_", " ").capitalize(), ""))
    kw = {"description": help_text, "default": default}
    if key in projects.SETTING_CHOICES:
        return SelectField(label, choices=list(projects.SETTING_CHOICES[key]), **kw)
    if isinstance(default, bool):
        return BooleanField(label, **kw)
    if isinstance(default, int):
        return IntegerField(label, validators=[Optional()], **kw)
    if isinstance(default, float):
        return FloatField(label, validators=[Optional()], **kw)
    if isinstance(default, str):
        return StringField(label, **kw)
    return None  # a list or a map (spans: set per label in the scheme rows) has no one field


class SettingsForm(Form):
    """Every scalar setting of projects.DEFAULT_SETTINGS, in its order, named by its key."""


for _key, _default in projects.DEFAULT_SETTINGS.items():
    if (_field := _setting_field(_key, _default)) is not None:
        setattr(SettingsForm, _key, _field)


class ProjectForm(PageForm):
    slug = StringField(_l("Slug"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    overlap = IntegerField(_l("Labels wanted per sentence (overlap)"), default=2,
                           validators=[whole_number(1, 50)])
    guidelines = TextAreaField(_l("Guidelines (Markdown)"), validators=[Optional()])
    members = StringField(_l("Members (usernames, comma-separated; empty = every annotator)"),
                          validators=[Optional()])
    template = SelectField(_l("Start from template"), default=scheme_templates.DEFAULT_TEMPLATE,
                           choices=[SelectChoice(n, t["title"])
                                    for n, t in scheme_templates.TEMPLATES.items()])
    labels = FieldList(FormField(LabelRow), max_entries=40)
    span_types = FieldList(FormField(SpanTypeRow), max_entries=MAX_SPAN_TYPES + BLANK_ROWS)
    settings = FormField(SettingsForm)
    scheme_file = FileField(_l("…or upload the scheme and settings as JSON "
                            "({\"labels\": [...], \"settings\": {...}}; replaces the rows above)"))
    version = HiddenField()  # events.version_of when the form was loaded: a stale save is refused
    submit = SubmitField(_l("Save"))

    def fill(self, labels: list[dict], settings: dict, used: set[str] = frozenset()) -> None:
        """Show a scheme and settings (a project's or a template's) with blank rows below."""
        while self.labels.entries:
            self.labels.pop_entry()
        spans = settings.get("spans") or {}
        rationale = settings.get("rationale") or {}
        for i, label in enumerate(labels):
            self.labels.append_entry({
                "original": label["id"] if label["id"] in used else "", "position": i + 1,
                "label_id": label["id"], "key": label["key"], "name": label["name"],
                "description": label.get("description", ""),
                "colour": str(label.get("colour") or default_colour(i)),
                "spans": spans.get(label["id"], "optional"),
                "rationale": rationale.get(label["id"], "off")})
        self.add_blank_rows()
        while self.span_types.entries:
            self.span_types.pop_entry()
        for i, t in enumerate(settings.get("span_types") or projects.DEFAULT_SETTINGS["span_types"]):
            self.span_types.append_entry({
                "type_id": t["id"], "name": t.get("name", ""), "key": t.get("key", ""),
                "colour": str(t.get("colour") or default_colour(i)), "voice": bool(t.get("voice")),
                "labels": ", ".join(t["labels"]) if t.get("labels") is not None else "",
                "required": ", ".join(t.get("required") or [])})
        self.span_types.append_entry({"colour": str(default_colour(len(self.span_types.entries)))})
        for key, field in self.settings.form._fields.items():
            if key in settings:
                field.data = settings[key]

    def add_blank_rows(self) -> None:
        n = len(self.labels.entries)
        for i in range(n, n + BLANK_ROWS):
            self.labels.append_entry({"colour": str(default_colour(i)), "position": i + 1})

    def rows(self) -> list[LabelRow]:
        """The rows that make the scheme: not removed, not blank, by position (then as posted)."""
        kept = [(r.form.position.data, i, r.form) for i, r in enumerate(self.labels)
                if not r.form.remove.data and not r.form.blank()]
        return [r for _, _, r in sorted(kept, key=lambda t: (t[0] is None, t[0] or 0, t[1]))]

    def scheme(self) -> list[dict] | None:
        """The scheme the rows describe (None: no rows filled in)."""
        return [{"id": r.label_id.data or "", "key": r.key.data or "", "name": r.name.data or "",
                 "description": r.description.data or "", "colour": r.colour.data}
                for r in self.rows()] or None

    def settings_values(self, stored: dict, scheme: list[dict]) -> dict:
        """The settings to validate: those stored, with every field of the form over them and
        each row's evidence-span mode under its label's id (`scheme`: the rows validated)."""
        values = dict(stored)
        for key, field in self.settings.form._fields.items():
            if field.data is not None:
                values[key] = field.data
        if scheme:
            values["spans"] = {label["id"]: row.spans.data
                               for label, row in zip(scheme, self.rows())}
            values["rationale"] = {label["id"]: row.rationale.data
                                   for label, row in zip(scheme, self.rows())
                                   if row.rationale.data and row.rationale.data != "off"}
        types = [r.form.value() for r in self.span_types
                 if not r.form.remove.data and not r.form.blank()]
        if types or self.span_types.entries:
            values["span_types"] = types  # none left: validate_span_types says at least one
        return values


class LexiconRow(Form):
    """One entry of the lexicon table; lists are comma-separated."""

    entry_type = SelectField(_l("Type"), choices=[SelectChoice("cue", _l("Attribution cue")),
                                              SelectChoice("contested", _l("Contested term"))])
    term = StringField(_l("Term"))
    variants = StringField(_l("Variants"))
    counterparts = StringField(_l("Counterparts"))
    inflect = SelectField(_l("Inflect"), choices=[SelectChoice("", _l("default")), SelectChoice("yes"),
                                               SelectChoice("no")])
    not_before = StringField(_l("Not before"))
    not_after = StringField(_l("Not after"))
    note = StringField(_l("Note"))
    remove = BooleanField(_l("Remove"))


LIST_FIELDS = ("variants", "counterparts", "not_before", "not_after")
_ENTRY = re.compile(r"^(cues|contested_terms)\[(\d+)\]\.?(.*)$", re.S)


_REF = re.compile(r"\b(cues|contested_terms)\[(\d+)\]")


def row_error(message: str, rows: dict[str, list[int]]) -> str:
    """validate_lexicon's "contested_terms[3].term: ... duplicates cues[0]" as "row 7, term:
    ... duplicates row 1" for the table."""
    m = _ENTRY.match(message)
    if not m or int(m[2]) >= len(rows[m[1]]):
        return message

    def row(ref) -> str:
        at = int(ref[2])
        return f"row {rows[ref[1]][at]}" if at < len(rows[ref[1]]) else ref[0]
    return f"row {rows[m[1]][int(m[2])]}, " + _REF.sub(row, m[3])


class LexiconForm(PageForm):
    description = TextAreaField(_l("Description"), validators=[Optional()])
    entries = FieldList(FormField(LexiconRow), max_entries=MAX_LEXICON_ROWS)
    file = FileField(_l("…or upload a JSON file (replaces the table)"))
    version = HiddenField()  # events.version_of when the form was loaded: a stale save is refused

    def fill(self, lexicon: dict) -> None:
        self.description.data = lexicon.get("description", "")
        while self.entries.entries:
            self.entries.pop_entry()
        for field, kind in (("cues", "cue"), ("contested_terms", "contested")):
            for item in lexicon.get(field, []):
                entry = {"term": item} if isinstance(item, str) else item
                self.entries.append_entry({
                    "entry_type": kind, "term": entry["term"], "note": entry.get("note", ""),
                    "inflect": {True: "yes", False: "no"}.get(entry.get("inflect"), ""),
                    **{k: ", ".join(entry.get(k, [])) for k in LIST_FIELDS}})
        for _ in range(BLANK_ROWS):
            self.entries.append_entry({"entry_type": "cue"})

    def lexicon(self) -> tuple[dict, list[int]]:
        """The lexicon the table describes, and each entry's row number (from 1), so that an
        error in entry i of a section can name its row."""
        out: dict = {"version": 1, "cues": [], "contested_terms": []}
        if (self.description.data or "").strip():
            out["description"] = self.description.data
        rows: dict[str, list[int]] = {"cues": [], "contested_terms": []}
        for n, row in enumerate(self.entries, start=1):
            r = row.form
            if r.remove.data or not (r.term.data or "").strip():
                continue
            section = "contested_terms" if r.entry_type.data == "contested" else "cues"
            entry: dict = {"term": r.term.data}
            for key in LIST_FIELDS:
                items = [x.strip() for x in (getattr(r, key).data or "").split(",") if x.strip()]
                if items and (key != "counterparts" or section == "contested_terms"):
                    entry[key] = items
            if r.inflect.data:
                entry["inflect"] = r.inflect.data == "yes"
            if (r.note.data or "").strip():
                entry["note"] = r.note.data
            out[section].append(entry)
            rows[section].append(n)
        return out, rows
