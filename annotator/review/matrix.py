"""The counted labels of a project and their units x annotators matrix (no Flask import).

Every figure of the review (agreement, aggregation, the disagreement queue, final labels)
starts from these rows, so what counts as a label is decided here once.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Annotation, Article, ControlItem, Project, Sentence, User
from ..timestamps import parse_when
from . import agreement


def rows(session: Session, project: Project, *columns, article_ids=None, annotators=None,
         since=None, until=None, langs=None) -> list:
    """(sentence_id, annotator, label, *columns) of every counted label, in reading order.

    Counted: labels of body sentences (a unit an admin later turned into a heading no longer
    counts); control items are left out. The filters are those of the API and the dashboard;
    ``langs`` are language tags, "de" taking in "de-AT" and "de-CH" too.
    """
    stmt = (select(Annotation.sentence_id, User.username, Annotation.label, *columns)
            .join(User, User.id == Annotation.user_id)
            .join(Sentence, Sentence.id == Annotation.sentence_id)
            .where(Annotation.project_id == project.id, Sentence.kind == "body",
                   ~exists().where(ControlItem.sentence_id == Annotation.sentence_id)))
    if article_ids:
        stmt = stmt.where(Sentence.article_id.in_(list(article_ids)))
    if annotators:
        stmt = stmt.where(User.username.in_(list(annotators)))
    if langs:
        tags = [t for t in langs if t.replace("-", "").isalnum()]  # no LIKE wildcard
        stmt = stmt.join(Article, Article.id == Sentence.article_id).where(or_(
            Article.lang.in_(tags), *(Article.lang.like(f"{t}-%") for t in tags)))
    if (since := parse_when(since)) is not None:
        stmt = stmt.where(Annotation.updated_at >= since)
    if (until := parse_when(until)) is not None:
        stmt = stmt.where(Annotation.updated_at <= until)
    return session.execute(stmt.order_by(Sentence.article_id, Sentence.position,
                                         Annotation.sentence_id)).all()


@dataclass
class LabelMatrix:
    M: np.ndarray           # units x annotators, label indices or agreement.MISSING
    sentence_ids: np.ndarray  # (units,) in reading order (article id, position)
    annotators: list[str]
    labels: list[str]


def matrix_of(recs: list, labels: list[str]) -> LabelMatrix:
    """The matrix of rows() records; annotators in name order, whatever order the database
    returns rows in."""
    M, units, anns = agreement.build_matrix(recs, labels, annotators=sorted({r[1] for r in recs}))
    return LabelMatrix(M, np.asarray(units, dtype=np.int64), anns, labels)


def label_matrix(session: Session, project: Project, **filters) -> LabelMatrix:
    return matrix_of(rows(session, project, **filters), label_ids(project.labels))
