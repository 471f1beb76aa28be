"""The label scheme of a project: the three default labels, or a project's own."""
from __future__ import annotations

import re

DEFAULT_LABELS: list[dict] = [
    {
        "id": "attributed_claim",
        "name": "Attributed claim",
        "key": "1",
        "description": "Reports what a named or implied source says, claims or believes.",
    },
    {
        "id": "contested_framing",
        "name": "Contested framing",
        "key": "2",
        "description": "The outlet's own voice uses a loaded or contested term.",
    },
    {
        "id": "neutral_fact",
        "name": "Neutral fact",
        "key": "3",
        "description": "The outlet's own voice states a verifiable fact in neutral wording.",
    },
]

# Evidence span types: a project's own (settings "span_types"), else the attribution triple
# plus the framing term. A type with `voice` says whose voice its words are in (author or
# attributed); `labels` (absent: all) are the labels that may carry it, `required` those that
# must carry one. Offsets are relative to the sentence text.
DEFAULT_SPAN_TYPES: list[dict] = [
    {"id": "source", "name": "Source", "key": "q", "colour": 3, "voice": False},
    {"id": "cue", "name": "Cue", "key": "w", "colour": 4, "voice": False},
    {"id": "content", "name": "Content", "key": "e", "colour": 1, "voice": False},
    {"id": "framing_term", "name": "Framing term", "key": "f", "colour": 2, "voice": True},
]
SPAN_LABELS = tuple(t["id"] for t in DEFAULT_SPAN_TYPES)
SPAN_VOICES = ("author", "attributed")
MAX_SPAN_TYPES = 8
# Keys the annotate page keeps for itself while spans are on: S skip, C comment, ? help,
# V voice, X remove a span, U remove your label, A whole article; digits are label keys.
_PAGE_KEYS = set("scvxua?")

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Keys that the annotate page already uses for other actions cannot be label keys:
# S skip, C comment, ? help, and the span keys Q W E F V X.
_RESERVED_KEYS = {"s", "c", "?", "q", "w", "e", "f", "v", "x"}
MAX_NAME = 80  # characters of a label's name


# How many label colours the palette has: static/css/app.css, --l1 ... --lN and .label-1 ...
# .label-N (nine, colour-blind safe). A label stores the number of its colour, so a theme (light, dark) picks the shade.
COLOURS = 9


class SchemeError(ValueError):
    """A label scheme or a label value that does not validate."""


def label_id_from(name: str) -> str:
    """The id a label gets from its name when none is given ("Direct quote" -> direct_quote)."""
    lid = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]
    return lid if lid[:1].isalpha() else ""


def default_colour(position: int) -> int:
    """The palette colour of the label at `position` (0-based) when it names none."""
    return position % COLOURS + 1


def colours(scheme: list[dict]) -> dict[str, int]:
    """Label id -> its palette colour: the one the label names, else by its position. Every
    page and chart colours a label by this (the annotate buttons, the queue, the charts)."""
    out = {}
    for i, label in enumerate(scheme):
        value = label.get("colour")
        ok = isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        out[label["id"]] = int(value) if ok and 1 <= int(value) <= COLOURS else default_colour(i)
    return out


def _colour(value, position: int, where: str) -> int:
    if value in (None, ""):
        return default_colour(position)
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= COLOURS:
        raise SchemeError(f"{where}: colour is a palette number from 1 to {COLOURS} (got {value!r})")
    return int(text)


def validate_scheme(labels: object) -> list[dict]:
    """Return a normalised copy of a label scheme or raise SchemeError naming the label (its
    position from 1, as the scheme form numbers its rows) and the field."""
    if not isinstance(labels, list):
        raise SchemeError("labels: must be a list")
    if not 2 <= len(labels) <= 9:
        raise SchemeError(f"labels: a scheme has 2 to 9 labels, not {len(labels)}")
    out, ids, keys = [], set(), set()
    for i, label in enumerate(labels):
        where = f"label {i + 1}"
        if not isinstance(label, dict):
            raise SchemeError(f"{where}: must be an object")
        name = str(label.get("name") or "").strip()
        lid = str(label.get("id") or "").strip() or label_id_from(name)
        if not _ID.match(lid):
            raise SchemeError(f"{where}: id must be lower-case letters, digits and _, starting "
                              f"with a letter (got {lid!r})")
        where = f"label {i + 1} ({lid})"
        name = name or lid.replace("_", " ").capitalize()
        if len(name) > MAX_NAME:  # said, not cut: a name cut short could be another label's
            raise SchemeError(f"{where}: name at most {MAX_NAME} characters (got {len(name)})")
        key = str(label.get("key") or str(i + 1)).strip().lower()
        if len(key) != 1 or key.isspace() or key in _RESERVED_KEYS:
            raise SchemeError(f"{where}: key must be one character other than S C ? Q W E F V X, "
                              f"which the annotate page uses (got {key!r})")
        if lid in ids:
            raise SchemeError(f"{where}: id {lid!r} is used twice")
        if key in keys:
            raise SchemeError(f"{where}: key {key!r} is used twice")
        ids.add(lid)
        keys.add(key)
        out.append(
            {"id": lid, "name": name, "key": key,
             "description": str(label.get("description") or "").strip()[:300],
             "colour": _colour(label.get("colour"), i, where)}
        )
    return out


def label_ids(scheme: list[dict]) -> list[str]:
    return [label["id"] for label in scheme]


def validate_span_types(types: object, labels: list[dict]) -> list[dict]:
    """Return a normalised copy of a project's span types or raise SchemeError naming the
    type (its position from 1) and the field."""
    if not isinstance(types, list) or not 1 <= len(types) <= MAX_SPAN_TYPES:
        raise SchemeError(f"span_types: a list of 1 to {MAX_SPAN_TYPES} span types")
    label_set = {l["id"] for l in labels}
    out, ids, keys = [], set(), set()
    for i, t in enumerate(types):
        where = f"span_types[{i + 1}]"
        if not isinstance(t, dict):
            raise SchemeError(f"{where}: must be an object")
        sid = str(t.get("id") or "").strip() or label_id_from(str(t.get("name") or ""))
        if not _ID.match(sid):
            raise SchemeError(f"{where}.id: lower-case letters, digits and _, starting with a "
                              f"letter (got {sid!r})")
        where = f"span_types[{i + 1}] ({sid})"
        key = str(t.get("key") or "").strip().lower()
        if len(key) != 1 or not key.isalpha() or key in _PAGE_KEYS:
            raise SchemeError(f"{where}.key: one letter other than S C V X U A, which the "
                              f"annotate page uses (got {key!r})")
        if sid in ids or key in keys:
            raise SchemeError(f"{where}: {'id ' + repr(sid) if sid in ids else 'key ' + repr(key)} "
                              "is used twice")
        ids.add(sid)
        keys.add(key)
        item = {"id": sid, "name": (str(t.get("name") or "").strip() or sid.replace("_", " ").capitalize())[:40],
                "key": key, "colour": _colour(t.get("colour"), i, where), "voice": bool(t.get("voice"))}
        for field in ("labels", "required"):
            value = t.get(field)
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) and v in label_set for v in value):
                raise SchemeError(f"{where}.{field}: a list of the scheme's label ids")
            item[field] = [l["id"] for l in labels if l["id"] in value]
        if "labels" in item and set(item.get("required", [])) - set(item["labels"]):
            raise SchemeError(f"{where}.required: only labels that may carry it ({where}.labels)")
        out.append(item)
    return out


def validate_spans(spans: object, sentence_text: str, types: list[dict] | None = None) -> list[dict]:
    """Validate evidence spans against a sentence and the project's span types (default: the
    four of DEFAULT_SPAN_TYPES); return them normalised and sorted."""
    if spans is None:
        return []
    if not isinstance(spans, list):
        raise SchemeError("spans: must be a list")
    by_id = {t["id"]: t for t in (types or DEFAULT_SPAN_TYPES)}
    out, seen = [], set()
    for i, span in enumerate(spans):
        where = f"spans[{i}]"
        if not isinstance(span, dict):
            raise SchemeError(f"{where}: must be an object")
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if type(start) is not int or type(end) is not int:
            raise SchemeError(f"{where}: start and end must be integers")
        if not 0 <= start < end <= len(sentence_text):
            raise SchemeError(
                f"{where}: [{start}, {end}) is not a non-empty range inside the sentence "
                f"(length {len(sentence_text)})")
        if label not in by_id:
            raise SchemeError(f"{where}.label: one of {', '.join(by_id)} (got {label!r})")
        item = {"start": start, "end": end, "label": label, "text": sentence_text[start:end]}
        voice = span.get("voice")
        if by_id[label]["voice"]:
            voice = voice or "author"
            if voice not in SPAN_VOICES:
                raise SchemeError(f"{where}.voice: author or attributed (got {voice!r})")
            item["voice"] = voice
        elif voice is not None:
            raise SchemeError(f"{where}.voice: {label} spans have no voice")
        ident = (start, end, label)
        if ident in seen:
            raise SchemeError(f"{where}: the same span is given twice")
        seen.add(ident)
        out.append(item)
    return sorted(out, key=lambda s: (s["start"], s["end"], s["label"]))


def check_span_labels(spans: list[dict], labels: list[str], types: list[dict]) -> None:
    """The project's rule of which labels may or must carry which span types, for the label(s)
    given (one, or several in a multi-label project) with these (validated) spans: a span
    goes with a type some given label may carry; each given label's required types are there."""
    by_id = {t["id"]: t for t in types}
    for i, sp in enumerate(spans):
        allowed = by_id[sp["label"]].get("labels")
        if allowed is not None and not set(labels) & set(allowed):
            raise SchemeError(f"spans[{i}].label: a {sp['label']} span goes only with "
                              f"{', '.join(allowed) or 'no label'}, not {', '.join(labels)}")
    given = {sp["label"] for sp in spans}
    for t in types:
        for label in labels:
            if label in t.get("required", ()) and t["id"] not in given:
                raise SchemeError(f"spans: {label} needs a {t['id']} span")
