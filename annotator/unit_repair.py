"""An admin repairs an article's segmentation: merge two adjacent units, or split one at a
character (no Flask import). The page, the API and the CLI all call `merge_units` and
`split_unit`.

A changed unit is never deleted or rewritten: its row is kept, with its text and offsets, as
kind ``replaced`` (never queued, shown or exported) at a negative position outside reading
order, and new rows hold the repaired units. So history stays append-only and every history
row still points at the text that was labelled. Labels on a changed unit move to that history
with a note (``labelling.record_history``; the counter kept by ``labelling.count_labels``).
Units that did not change keep their rows and labels; only their positions are renumbered.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import events, progress
from .access import require
from .db import begin_write
from .labelling import count_labels, record_history
from .models import Annotation, Article, ControlItem, Lease, Project, Sentence, Skip

REPLACED = "replaced"  # the kind of a unit a repair replaced
_PARKED = -(2 ** 30)  # positions below this hold kept units while they are renumbered
MAX_NOTE = 2000  # characters, as a label's comment


class RepairError(ValueError):
    """The repair asked for cannot be made; the message names the field."""


@dataclass
class Repair:
    units: list[Sentence]  # the article's units after the repair, in reading order
    created: list[int]  # ids of the new units
    replaced: list[int]  # ids of the units they replace
    labels_moved: int  # labels moved to history


def live_units(session: Session, article: Article) -> list[Sentence]:
    """The article's units in reading order, without the ones a repair replaced."""
    return list(session.scalars(select(Sentence).where(
        Sentence.article_id == article.id, Sentence.kind != REPLACED).order_by(Sentence.position)))


def merge_units(session: Session, user, article: Article, first_id: int, second_id: int) -> Repair:
    """Merge two adjacent units of `article` into one spanning both (and the space between)."""
    project = _admin_project(session, user, article)
    begin_write(session)
    with _refusal_ends_transaction(session):
        return _merge(session, user, project, article, first_id, second_id)


def split_unit(session: Session, user, article: Article, sentence_id: int, at: int) -> Repair:
    """Split a unit of `article` in two before character `at` of its text (0 < at < length);
    white space at the cut stays outside both units."""
    project = _admin_project(session, user, article)
    begin_write(session)
    with _refusal_ends_transaction(session):
        return _split(session, user, project, article, sentence_id, at)


@contextmanager
def _refusal_ends_transaction(session: Session):
    try:
        yield
    except RepairError:
        session.rollback()
        raise


def _locked_units(session: Session, article: Article) -> list[Sentence]:
    """The live units, with the article locked against a concurrent repair (PostgreSQL; on
    SQLite begin_write has taken the database's write lock already)."""
    session.execute(select(Article.id).where(Article.id == article.id).with_for_update())
    return live_units(session, article)


def _merge(session, user, project, article, first_id, second_id) -> Repair:
    units = _locked_units(session, article)
    a, b = sorted((_unit(units, first_id, "first", article), _unit(units, second_id, "second", article)),
                  key=lambda s: s.position)
    if b.position != a.position + 1:
        raise RepairError(f"sentences: units {a.id} and {b.id} are not adjacent "
                          f"(positions {a.position} and {b.position})")
    kind = "body" if "body" in (a.kind, b.kind) else a.kind
    merged = [(a.start, b.end, kind)]
    return _replace(session, project, article, units, [a, b], merged, user, "merged into")


def _split(session, user, project, article, sentence_id, at) -> Repair:
    units = _locked_units(session, article)
    s = _unit(units, sentence_id, "sentence", article)
    if isinstance(at, bool) or not isinstance(at, int) or not 0 < at < len(s.text):
        raise RepairError(f"at: a character offset inside unit {s.id}, 1 to {len(s.text) - 1} "
                          f"(got {at!r})")
    cut = s.start + at
    left_end = s.start + len(article.text[s.start:cut].rstrip())
    right_start = cut + (len(article.text[cut:s.end]) - len(article.text[cut:s.end].lstrip()))
    # Units begin and end with a visible character, so neither piece is ever empty.
    pieces = [(s.start, left_end, s.kind), (right_start, s.end, s.kind)]
    return _replace(session, project, article, units, [s], pieces, user, "split into")


def _admin_project(session: Session, user, article: Article) -> Project:
    return require(user, "admin", session.get(Project, article.project_id), "No such article.")


def _unit(units: list[Sentence], sentence_id, field: str, article: Article) -> Sentence:
    if isinstance(sentence_id, int) and not isinstance(sentence_id, bool):
        for s in units:
            if s.id == sentence_id:
                return s
    raise RepairError(f"{field}: {sentence_id!r} is not a unit of article {article.id}")


def _replace(session: Session, project: Project, article: Article, units: list[Sentence],
             old: list[Sentence], spans: list[tuple[int, int, str]], user, verb: str) -> Repair:
    """Put new units for `spans` where `old` stood, retire `old`, renumber, commit."""
    try:
        first = units.index(old[0])
        new = [Sentence(article_id=article.id, project_id=project.id, start=start, end=end,
                        text=article.text[start:end], kind=kind, long=False, n_labels=0, full=False)
               for start, end, kind in spans]
        kept = units[:first] + units[first + len(old):]
        for i, s in enumerate(kept):  # out of the way of the final positions (unique per article)
            s.position = _PARKED - i
        for s in old:
            s.position = -s.id
        session.flush()
        order = units[:first] + new + units[first + len(old):]
        for i, s in enumerate(order):
            s.position = i
        session.add_all(new)
        session.flush()
        created = [s.id for s in new]
        note = (f"segmentation repair by {user.username}: unit {verb} "
                f"{', '.join(map(str, created))}")
        moved = sum(_retire(session, project, s, note) for s in old)
        events.units(session, project.id, new, actor=user)
        events.units(session, project.id, old + (order[first + len(new):] if len(new) != len(old) else []), "update", actor=user)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    progress.forget(project.id)
    return Repair(order, created, [s.id for s in old], moved)


def _retire(session: Session, project: Project, s: Sentence, note: str) -> int:
    """Move the unit's labels to history with `note`; it stops being queued or a control item."""
    labels = list(session.scalars(select(Annotation).where(Annotation.sentence_id == s.id)))
    for ann in labels:
        comment = f"{note}; comment: {ann.comment}" if ann.comment else note
        record_history(session, s.id, ann.user_id, "delete", ann.label, ann.spans, comment[:MAX_NOTE])
        session.delete(ann)
        session.flush()
        count_labels(session, s.id, -1, project.overlap)
    for table in (Lease, Skip, ControlItem):
        session.execute(delete(table).where(table.sentence_id == s.id))
    s.kind = REPLACED
    session.flush()
    session.refresh(s)  # the counter was written by count_labels, around the ORM
    return len(labels)
