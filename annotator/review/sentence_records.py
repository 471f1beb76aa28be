"""Each sentence of a project with all its labels, streamed (no Flask import).

The `sentences` export and the hint evaluation read the project through here.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Adjudication, Annotation, Article, ControlItem, Project, Sentence, User
from ..records import article_fields, sentence_fields
from ..unit_repair import REPLACED
from .aggregation import majority_of, majority_set

CHUNK = 2000  # rows per round trip when a read is streamed: memory stays flat at any size


def iter_sentences(session: Session, project: Project) -> Iterator[dict]:
    """One record per sentence of the project (every kind but the units a segmentation repair
    replaced: their labels are history), with all its labels."""
    sentences = (select(Sentence, Article.id, Article.external_id, Article.title, Article.url,
                        Article.source, Article.published, Article.topic, Article.lang)
                 .join(Article, Article.id == Sentence.article_id)
                 .where(Sentence.project_id == project.id, Sentence.kind != REPLACED)
                 .order_by(Article.id, Sentence.position)
                 .execution_options(yield_per=CHUNK))
    labels = (select(Annotation.sentence_id, User.username, Annotation.label, Annotation.spans,
                     Annotation.comment, Annotation.labels, Annotation.confidence,
                     Annotation.unsure, Annotation.rationale)
              .join(User, User.id == Annotation.user_id)
              .join(Sentence, Sentence.id == Annotation.sentence_id)
              .where(Annotation.project_id == project.id)
              .order_by(Sentence.article_id, Sentence.position, User.username)
              .execution_options(yield_per=CHUNK))
    gold = {sid: (label, labels or [label], note) for sid, label, labels, note in session.execute(
        select(Adjudication.sentence_id, Adjudication.label, Adjudication.labels, Adjudication.note)
        .where(Adjudication.project_id == project.id))}
    controls = set(session.scalars(select(ControlItem.sentence_id)
                                   .where(ControlItem.project_id == project.id)))
    # Walk both ordered streams side by side (a merge join): no per-sentence query.
    label_rows = iter(session.execute(labels))
    pending = next(label_rows, None)
    slug = project.slug
    order = [label["id"] for label in project.labels or []]
    for s, aid, ext, title, url, source, published, topic, lang in session.execute(sentences):
        anns = []
        while pending is not None and pending[0] == s.id:
            anns.append({"annotator": pending[1], "label": pending[2], "spans": pending[3] or [],
                         "comment": pending[4], "labels": pending[5], "confidence": pending[6],
                         "unsure": bool(pending[7]), "rationale": pending[8]})
            pending = next(label_rows, None)
        top, share = majority_of([a["label"] for a in anns])
        over_half = majority_set([a["labels"] or [a["label"]] for a in anns], order)
        gold_label, gold_labels, gold_note = gold.get(s.id, (None, None, None))
        yield {**sentence_fields(slug, aid, ext, title, s.id, s.position, s.start, s.end, s.text),
               "kind": s.kind, "long": s.long, "control": s.id in controls, "annotations": anns,
               "majority": top, "agreement": share, "majority_labels": over_half,
               "gold": gold_label, "gold_labels": gold_labels, "gold_note": gold_note,
               **article_fields(url, source, published, topic, lang)}
