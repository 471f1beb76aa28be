"""Reading the `annotations` export back into a project (no Flask import).

Records are matched to sentences by `sentence_id`, else by (`article_id`, `start`, `end`),
else by their `text` in the article of their `article_external_id` or `article_title` (an
export of another installation, whose ids are its own); only the sentence reference,
`annotator` and `label` are required, so files converted from other tools can be minimal.
Unknown annotators are created as annotators without a password (they cannot sign in until
an admin sets one). The whole file is stored, or nothing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import users
from ..assist import ARMS
from ..db import begin_write, refresh_statistics
from ..ingest import IngestError, decode, json_loads
from ..models import Annotation, Article, Project, Sentence, User, utcnow
from ..timestamps import utc_naive
from ..labelling import AnnotationError, LabelInput, count_labels, record_history, validate


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # records older than the stored label they differ from: the label is kept
    new_users: list[str] = field(default_factory=list)


def _time(value, where: str, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return utc_naive(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"{where}: {name} is not an ISO 8601 time ({value!r})") from None


def _int(rec: dict, key: str, where: str) -> int | None:
    value = rec.get(key)
    if value is None:
        return None
    # Converted files may carry ids as text ("17"), or as floats where pandas wrote a
    # column with gaps (17.0).
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str and re.fullmatch(r"\s*[0-9]{1,18}\s*", value):
        return int(value)
    if type(value) is not int:
        raise ValueError(f"{where}: {key} must be an integer")
    return value


class _Sentences:
    """The project's sentences, looked up the ways a record may name one."""

    def __init__(self, session: Session, project: Project):
        self.slug = project.slug
        self.by_id = {s.id: s for s in session.scalars(select(Sentence).where(Sentence.project_id == project.id))}
        self.by_offsets = {(s.article_id, s.start, s.end): s for s in self.by_id.values()}
        self.by_text: dict[str, list[Sentence]] = {}
        for s in self.by_id.values():
            self.by_text.setdefault(s.text, []).append(s)
        # article_external_id and article_title -> {value: ids of the articles with it}
        self.articles: dict[str, dict[str, set[int]]] = {"article_external_id": {}, "article_title": {}}
        for aid, ext, title in session.execute(select(Article.id, Article.external_id, Article.title)
                                               .where(Article.project_id == project.id)):
            for field, value in (("article_external_id", ext), ("article_title", title)):
                if value:
                    self.articles[field].setdefault(value, set()).add(aid)

    def in_article(self, rec: dict, text: str) -> Sentence | None:
        """The one sentence with this text in the article the record names by its external id
        or title: how an export of another installation (or another tool on the same
        articles) names a sentence, since its ids are its own."""
        same = self.by_text.get(text, [])
        for field, articles in self.articles.items():
            ids = articles.get(rec.get(field)) if isinstance(rec.get(field), str) else None
            if ids:
                same = [s for s in same if s.article_id in ids]
                break
        if len(same) > 1 and isinstance(rec.get("start"), int):
            same = [s for s in same if s.start == rec["start"]] or same
        return same[0] if len(same) == 1 else None

    def find(self, rec: dict, where: str) -> Sentence:
        """The sentence a record names: by `sentence_id`, else by (`article_id`, `start`,
        `end`), else by its `text` in the article of that external id or title.

        Where the record names it both ways, the two must agree; where it carries the `text`
        (an export does), that must be the sentence's text, else the text decides. A file
        from another installation, whose ids name other sentences here, so finds its
        sentences by their text, or fails on its line; it never labels whichever sentence
        has that id here. (A minimal record, an id and nothing else, cannot be checked.)"""
        sid = _int(rec, "sentence_id", where)
        try:
            key = tuple(_int(rec, k, where) for k in ("article_id", "start", "end"))
        except ValueError:
            if sid is None and not isinstance(rec.get("text"), str):
                raise
            key = (None,)  # junk offsets beside an id or a text: they name nothing
        found = {"sentence_id": self.by_id.get(sid) if sid is not None else None,
                 "(article_id, start, end)": self.by_offsets.get(key) if None not in key else None}
        candidates = {ref: s for ref, s in found.items() if s is not None}
        text = rec.get("text")
        if isinstance(text, str):
            rejected = [f"{ref} names sentence {s.id}, whose text differs"
                        for ref, s in candidates.items() if s.text != text]
            candidates = {ref: s for ref, s in candidates.items() if s.text == text}
            if not candidates:
                match = self.in_article(rec, text)
                if match is not None:
                    return match
                if rejected:
                    raise ValueError(f"{where}: {'; '.join(rejected)}, and no one sentence of "
                                     "the article has that text")
        if not candidates:
            raise ValueError(f"{where}: no sentence of project {self.slug!r} matches "
                             "sentence_id, (article_id, start, end) or the text")
        chosen = {s.id for s in candidates.values()}
        if len(chosen) > 1:
            raise ValueError(f"{where}: sentence_id {sid} and (article_id, start, end) "
                             f"{list(key)} name different sentences")
        return next(iter(candidates.values()))


def import_annotations(session: Session, project: Project, filename: str, data: bytes) -> Report:
    text = decode(filename, data)
    sentences = _Sentences(session, project)
    parsed = []  # (line, sentence, username, LabelInput, created, updated)
    seen: dict[tuple[int, str], int] = {}
    for lineno, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        where = f"line {lineno}"
        try:
            try:
                rec = json_loads(raw)
            except json.JSONDecodeError as err:
                raise ValueError(f"{where}: not valid JSON ({err.msg})") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{where}: each line must be a JSON object")
            s = sentences.find(rec, where)
            name = rec.get("annotator")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{where}: annotator is missing")
            try:
                name = users.check_username(name)
            except users.AccountError as err:
                raise ValueError(f"{where}: annotator {str(err).removeprefix('username: ')}") from None
            multi = rec.get("labels") is not None
            if not multi and rec.get("label") is None:
                raise ValueError(f"{where}: label is missing")
            if rec.get("label") is not None and not isinstance(rec["label"], str):
                raise ValueError(f"{where}: label must be a string (one of the project's label ids)")
            data_in = validate(project, s, LabelInput(
                label=rec["label"], spans=rec.get("spans"), comment=rec.get("comment"),
                seconds=rec.get("seconds"), hints_shown=rec.get("hints_shown"),
                labels=rec.get("labels"), confidence=rec.get("confidence"),
                unsure=rec.get("unsure"), rationale=rec.get("rationale")))
            if (s.id, name) in seen:
                raise ValueError(f"{where}: annotator {name!r} labels this sentence again "
                                 f"(first on line {seen[(s.id, name)]})")
            seen[(s.id, name)] = lineno
            created = _time(rec.get("created_at"), where, "created_at")
            updated = _time(rec.get("updated_at"), where, "updated_at")
            if created and updated and updated < created:
                raise ValueError(f"{where}: updated_at is earlier than created_at")
            arm = rec.get("assist")
            if arm is not None and arm not in ARMS:
                raise ValueError(f"{where}: assist must be one of {', '.join(ARMS)} (got {arm!r})")
            parsed.append((s, name, data_in, created, updated, arm))
        except (ValueError, AnnotationError) as err:
            msg = str(err)
            raise IngestError(filename, msg.removeprefix(where + ": "), lineno) from None
    return _store(session, project, parsed)


def _store(session: Session, project: Project, parsed) -> Report:
    report = Report()
    begin_write(session)
    try:
        names = {name for _, name, *_ in parsed}
        people = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
        for name in sorted(names - set(people)):
            people[name] = users.create_user(session, name, "annotator", None)
            report.new_users.append(name)
        existing = {(a.sentence_id, a.user_id): a for a in session.scalars(
            select(Annotation).where(Annotation.project_id == project.id))}
        delta: dict[int, int] = {}
        now = utcnow()
        for s, name, d, created, updated, arm in parsed:
            user = people[name]
            ann = existing.get((s.id, user.id))
            if ann is None:
                ann = Annotation(sentence_id=s.id, user_id=user.id, project_id=project.id,
                                 label=d.label, spans=d.spans, comment=d.comment, seconds=d.seconds,
                                 hints_shown=d.hints_shown, assist=arm, labels=d.labels,
                                 confidence=d.confidence, unsure=d.unsure, rationale=d.rationale,
                                 created_at=created or updated or now,
                                 updated_at=updated or created or now)
                session.add(ann)
                delta[s.id] = delta.get(s.id, 0) + 1
                action = "create"
                report.created += 1
            elif ((ann.label, ann.spans, ann.comment, ann.labels, ann.confidence, bool(ann.unsure),
                   ann.rationale) == (d.label, d.spans, d.comment, d.labels, d.confidence,
                                      d.unsure, d.rationale)):
                report.unchanged += 1
                continue
            elif updated is not None and updated < ann.updated_at.replace(microsecond=0):
                # a stale copy (an old export; exports keep whole seconds): never undo a newer label
                report.older += 1
                continue
            else:
                ann.label, ann.spans, ann.comment = d.label, d.spans, d.comment
                ann.labels, ann.confidence, ann.unsure, ann.rationale = (
                    d.labels, d.confidence, d.unsure, d.rationale)
                if d.seconds is not None:
                    ann.seconds = d.seconds
                if d.hints_shown is not None:
                    ann.hints_shown = d.hints_shown
                if arm is not None:
                    ann.assist = arm
                ann.updated_at = updated or now
                action = "update"
                report.updated += 1
            record_history(session, s.id, user.id, action, d.label, d.spans, d.comment,
                           labels=d.labels, confidence=d.confidence, unsure=d.unsure,
                           rationale=d.rationale)
        session.flush()
        for sid, n in delta.items():
            count_labels(session, sid, n, project.overlap)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    refresh_statistics(session, {Annotation.__tablename__: report.created,
                                 Sentence.__tablename__: report.created})  # n_labels, full
    return report
