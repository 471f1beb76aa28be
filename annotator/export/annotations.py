"""The `annotations` export: one record per label, streamed (no Flask import)."""
from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator

from sqlalchemy import Text, cast, select, type_coerce
from sqlalchemy.orm import Session

from ..models import Annotation, Article, GuidelinesVersion, Project, Sentence, User
from ..records import article_fields, sentence_fields
from ..review.sentence_records import CHUNK
from ..timestamps import iso_utc


def _json_list(raw) -> list:
    """A JSON list column read as text (_AS_TEXT) or already decoded."""
    if raw is None or raw == "[]" or raw == "null":
        return []
    return json.loads(raw) if isinstance(raw, str) else raw


def _json_or_none(raw) -> list | None:
    """hints_shown: null (no hints were shown) stays None, unlike spans."""
    if raw is None or raw == "null":
        return None
    return json.loads(raw) if isinstance(raw, str) else raw


def assist(arm: str | None, hints_shown: list | None) -> str:
    """The arm of the assistance experiment the label was given in (annotations.assist, written
    by labelling.save). A label from before the column existed has none stored: "hints" where
    the page recorded the hints it showed (a list, empty if none matched), else "none"."""
    if arm:
        return arm
    return "none" if hints_shown is None else "hints"


def _versions(session: Session, project: Project) -> tuple[list[str], list[int]]:
    """The project's guidelines versions: when each began (as the export reads timestamps:
    'YYYY-MM-DD HH:MM:SS[.ffffff]', so they compare as text) and its number."""
    rows = session.execute(select(GuidelinesVersion.created_at, GuidelinesVersion.version)
                           .where(GuidelinesVersion.project_id == project.id)
                           .order_by(GuidelinesVersion.version)).all()
    return [str(at) for at, _ in rows], [v for _, v in rows]


# Timestamps ('YYYY-MM-DD HH:MM:SS[.ffffff]', UTC) and spans (JSON) read as text: SQLite
# stores them so; PostgreSQL casts them on its own core, in parallel with the export's.
_AS_TEXT = {"sqlite": lambda col: type_coerce(col, Text),
            "postgresql": lambda col: cast(col, Text)}


def _sentences(conn, project_id: int, as_text) -> Iterator[tuple]:
    """(sentence id, its record's head fields, its article's fields) per sentence of the
    project, in article and position order."""
    S, AR = Sentence.__table__, Article.__table__
    stmt = (select(S.c.id, S.c.position, S.c.start, S.c.end, S.c.text,
                   AR.c.id, AR.c.external_id, AR.c.title, AR.c.url, AR.c.source,
                   AR.c.published, AR.c.topic, AR.c.lang)
            .select_from(S.join(AR, AR.c.id == S.c.article_id))
            .where(S.c.project_id == project_id)
            .order_by(S.c.article_id, S.c.position)
            .execution_options(yield_per=CHUNK))
    article = (None, None)
    for rows in conn.execute(stmt).partitions():
        for sid, pos, start, end, text, aid, ext, title, url, source, published, topic, lang in rows:
            if article[0] != aid:
                article = (aid, article_fields(url, source, published, topic, lang))
            yield sid, (aid, ext, title, sid, pos, start, end, text), article[1]


def iter_annotations(session: Session, project: Project) -> Iterator[dict]:
    """One record per annotation, in article and sentence order (then by annotator).

    Five million rows go through here (issue 21: under a minute), so it reads plain rows
    (Core, not the ORM) in chunks, takes the timestamps and the spans as text (_AS_TEXT)
    instead of parsing them into objects only to format them again, and reads each
    sentence's and article's fields once, from a second stream in the same order, instead of
    once per label: the label rows carry only what is the label's own."""
    A, S, U = Annotation.__table__, Sentence.__table__, User.__table__
    conn = session.connection()
    as_text = _AS_TEXT.get(conn.dialect.name, lambda col: col)
    starts, numbers = _versions(session, project)
    stmt = (select(A.c.sentence_id, A.c.label, as_text(A.c.spans), A.c.comment,
                   as_text(A.c.hints_shown), A.c.assist, A.c.seconds, as_text(A.c.created_at),
                   as_text(A.c.updated_at), U.c.username, as_text(A.c.labels), A.c.confidence,
                   A.c.unsure, A.c.rationale)
            .select_from(A.join(S, S.c.id == A.c.sentence_id).join(U, U.c.id == A.c.user_id))
            .where(A.c.project_id == project.id)
            .order_by(S.c.article_id, S.c.position, U.c.username)
            .execution_options(yield_per=CHUNK))
    sentences = _sentences(conn, project.id, as_text)
    slug, sid_now, head, tail = project.slug, None, None, None
    for rows in conn.execute(stmt).partitions():
        for (sid, label, spans, comment, hints, arm, seconds, created, updated, username,
             labels, confidence, unsure, rationale) in rows:
            if sid != sid_now:
                # Both streams run in article and position order: step to this sentence.
                for sid_now, fields, tail in sentences:
                    if sid_now == sid:
                        break
                else:
                    raise RuntimeError(f"sentence {sid} is not in project {project.slug}'s sentences")
                head = sentence_fields(slug, *fields)
            hints = _json_or_none(hints)
            # The guidelines in force when the label was last given. A project's labels are
            # all given under version 1 or later: a time before it is one read back from an
            # export, cut to the second.
            at = max(bisect_right(starts, str(updated)), 1)
            yield {**head, "label": label, "spans": _json_list(spans),
                   "annotator": username, "comment": comment, "seconds": seconds,
                   "created_at": iso_utc(created), "updated_at": iso_utc(updated),
                   **tail, "assist": assist(arm, hints),
                   "guidelines_version": numbers[at - 1] if numbers else None, "hints_shown": hints,
                   # task shapes: labels in multi-label projects (else null), confidence and
                   # rationale null where the project has them off
                   "labels": _json_or_none(labels), "confidence": confidence,
                   "unsure": bool(unsure), "rationale": rationale}
