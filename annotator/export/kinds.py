"""The export kinds: each with the type of every field and the producer of its records
(no Flask import).

Producers stream rows from the database in chunks, so memory stays flat whatever the size
of the project.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..db import plan_for_every_row
from ..labels import DEFAULT_LABELS, label_ids
from ..model.predictions import iter_predictions, no_model
from ..model.suspects import iter_suspects
from ..model.suspects import unavailable as suspects_unavailable
from ..models import Project
from ..review.adjudication import project_final_labels
from ..review.sentence_records import iter_sentences
from .annotations import iter_annotations
from .layouts import babe_refusal, iter_babe, iter_semeval, iter_spans, semeval_refusal

# The type of every field of each export kind. JSON readers that type a column from the rows
# they see first need them: Hugging Face `datasets` types each column from the first 10 MB of
# a file, so a column with only nulls there (a sparse `comment`, `spans` all empty) makes
# it refuse the first row that has a value. The dataset card (dataset_card.py) carries these types,
# and `load_dataset` on the card's folder then reads a file of any size.
_S, _I, _F, _B = "string", "int64", "float64", "bool"
_T = "timestamp[s]"  # as `datasets` reads "2026-11-25T09:00:00Z" unaided (naive, UTC)
_SPAN = {"start": _I, "end": _I, "label": _S, "text": _S, "voice": _S}
_ARTICLE = {"article_url": _S, "article_source": _S, "article_published": _S, "article_topic": _S,
            "article_lang": _S}
_SENTENCE = {"project": _S, "article_id": _I, "article_external_id": _S, "article_title": _S,
             "sentence_id": _I, "position": _I, "start": _I, "end": _I, "text": _S}


@dataclass(frozen=True)
class Kind:
    """An export kind: its name, the type of every field of its records, and their producer."""
    name: str
    fields: dict
    produce: Callable[[Session, Project], Iterator[dict]]
    # Why the kind cannot apply to a project (its label scheme), or None where it can.
    refusal: Callable[[Project], str | None] = lambda project: None
    # Why there is nothing to export yet that no label could change (no model), or None.
    unavailable: Callable[[Session, Project], str | None] = lambda session, project: None


class ExportRefused(ValueError):
    """A kind that cannot apply to the project; str(e) says why."""


REGISTRY: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("annotations",
         {**_SENTENCE, "label": _S, "spans": [_SPAN], "annotator": _S, "comment": _S,
          "seconds": _F, "created_at": _T, "updated_at": _T, **_ARTICLE,
          "assist": _S, "guidelines_version": _I, "hints_shown": [_S],
          "labels": [_S], "confidence": _I, "unsure": _B, "rationale": _S},
         iter_annotations),
    Kind("sentences",
         {**_SENTENCE, "kind": _S, "long": _B, "control": _B,
          "annotations": [{"annotator": _S, "label": _S, "spans": [_SPAN], "comment": _S,
                           "labels": [_S], "confidence": _I, "unsure": _B, "rationale": _S}],
          "majority": _S, "agreement": _F, "majority_labels": [_S], "gold": _S,
          "gold_labels": [_S], "gold_note": _S,
          **_ARTICLE},
         iter_sentences),
    Kind("gold",
         {**_SENTENCE, "kind": _S, "label": _S, "labels": [_S], "source": _S, "confidence": _F,
          "annotators": _I,
          "gold_note": _S, "article_lang": _S},
         project_final_labels),
    Kind("spans",
         {"text": _S, "spans": [{"start": _I, "end": _I, "label": _S}],
          "meta": {"project": _S, "sentence_id": _I, "article_id": _I, "label": _S,
                   "labels": [_S], "label_source": _S, "confidence": _F, "outlet": _S, "url": _S,
                   "topic": _S, "published": _S, "lang": _S}},
         iter_spans),
    Kind("babe",
         {"text": _S, "news_link": _S, "outlet": _S, "topic": _S, "label_bias": _S,
          "label_opinion": _S, "biased_words": [_S], "label": _S, "sentence_id": _I,
          "article_lang": _S},
         iter_babe, babe_refusal),
    Kind("semeval",
         {"article_id": _S, "technique": _S, "start": _I, "end": _I, "text": _S,
          "voice": _S, "sentence_id": _I, "article_lang": _S},
         iter_semeval, semeval_refusal),
    # The project model's labels (annotator.model): one record per body sentence.
    Kind("predictions",
         {"sentence_id": _I, "label": _S, "probabilities": {l: _F for l in label_ids(DEFAULT_LABELS)},
          "out_of_fold": _B, "model_version": _I, "article_lang": _S},
         iter_predictions, unavailable=no_model),
    # Final labels the newest model flags as suspected errors (model/suspects.py), most
    # suspect first; score = the probability that the given label is wrong (score_kind
    # "posterior"; "margin" for a model trained before annotator scored that way).
    Kind("suspects",
         {"sentence_id": _I, "label": _S, "predicted": _S, "score": _F, "score_kind": _S,
          "model_version": _I,
          "article_lang": _S},
         iter_suspects, unavailable=suspects_unavailable),
)}
KINDS = tuple(REGISTRY)  # annotations sentences gold spans babe semeval predictions suspects
FIELDS: dict[str, dict] = {name: kind.fields for name, kind in REGISTRY.items()}


def records(session: Session, project: Project, kind: str) -> Iterator[dict]:
    """The records of an export `kind`, streamed in the session's transaction."""
    if kind not in REGISTRY:
        raise ValueError(f"kind: one of {', '.join(KINDS)} (got {kind!r})")
    refused = REGISTRY[kind].refusal(project) or REGISTRY[kind].unavailable(session, project)
    if refused:
        raise ExportRefused(refused)
    plan_for_every_row(session)
    return REGISTRY[kind].produce(session, project)


def fields_of(project: Project, kind: str) -> dict:
    """FIELDS[kind], with the project's own labels where a field has one per label (the
    `probabilities` of predictions)."""
    fields = FIELDS[kind]
    if kind == "predictions":
        fields = {**fields, "probabilities": {l: _F for l in label_ids(project.labels)}}
    return fields
