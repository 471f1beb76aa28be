"""Exports in the layouts researchers already use (no Flask import).

- `spans`: Prodigy/spaCy style, one line per sentence with a final label:
  `{"text", "spans": [{"start", "end", "label"}], "meta"}`; load with
  `spacy.tokens.Doc` + `doc.char_span` into a span categorizer's `doc.spans["sc"]`.
- `babe`: the BABE column layout (text, news_link, outlet, topic, label_bias, label_opinion,
  biased_words), one line per sentence with a final label.
- `semeval`: SemEval-2020 Task 11 style technique spans with article-level offsets
  (article_id, technique, start, end), one line per loaded-language span.

A sentence's final label is the adjudicated gold label, else the aggregate of the annotators'
labels (see review.adjudication.final_labels and the project's gold_threshold and aggregation settings).
Its spans are those marked by at least half of the annotators who gave the final label.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Annotation, Article, Project, Sentence
from ..projects import settings
from ..review.adjudication import project_final_labels
from ..review.aggregation import agreed_spans
from ..review.sentence_records import CHUNK

# BABE (Spinde et al. 2021) labels of a sentence, from ours: (label_bias, label_opinion). An
# attributed claim reports what a source says; the outlet's own voice in it is factual, hence
# "Non-biased". The BABE-style template (scheme_templates "babe") asks one of bias and opinion
# per sentence, so the other of its two columns is unknown (null), never "No agreement".
BABE_DEFAULT = {"contested_framing": ("Biased", "Expresses writer's opinion"),
                "attributed_claim": ("Non-biased", "Somewhat factual but also opinionated"),
                "neutral_fact": ("Non-biased", "Entirely factual")}
BABE_TEMPLATE = {"biased": ("Biased", None), "non_biased": ("Non-biased", None),
                 "opinion": (None, "Expresses writer's opinion")}
# The span types whose author-voice spans are the loaded words: BABE's biased_words, SemEval's
# Loaded_Language technique.
LOADED_SPAN_TYPES = ("framing_term", "loaded_word")


def _babe_map(project: Project) -> dict | None:
    ids = {label["id"] for label in project.labels or []}
    return next((m for m in (BABE_DEFAULT, BABE_TEMPLATE) if ids <= set(m)), None)


def babe_refusal(project: Project) -> str | None:
    """BABE's labels are mapped from the default scheme's or the BABE-style template's: a
    project with labels of its own has no such mapping, and every row would read "No
    agreement"."""
    if _babe_map(project) is not None:
        return None
    own = [label["id"] for label in project.labels or [] if label["id"] not in BABE_DEFAULT]
    return (f"kind babe: the BABE layout maps the default labels ({', '.join(BABE_DEFAULT)}) or "
            f"the BABE-style template's ({', '.join(BABE_TEMPLATE)}) to BABE's bias and opinion "
            f"labels; this project's scheme has labels of its own ({', '.join(own)}) that BABE "
            "has no place for. Export gold or spans instead.")


def semeval_refusal(project: Project) -> str | None:
    """SemEval's Loaded_Language spans come from loaded-word span types; a project without one
    has nothing that could fill the file."""
    types = [t["id"] for t in settings(project)["span_types"]]
    if any(t in LOADED_SPAN_TYPES for t in types):
        return None
    return (f"kind semeval: its Loaded_Language spans come from spans of type "
            f"{' or '.join(LOADED_SPAN_TYPES)}, and this project's span types ({', '.join(types)}) "
            "have none. Export spans instead.")


def _with_spans(session: Session, project: Project) -> Iterator[tuple[dict, list[dict]]]:
    """Final-label records with their agreed spans: a merge join of two streams, both in
    (article, position) order, so memory does not grow with the project."""
    labels = (select(Sentence.article_id, Sentence.position, Annotation.label, Annotation.spans)
              .join(Sentence, Sentence.id == Annotation.sentence_id)
              .where(Annotation.project_id == project.id)
              .order_by(Sentence.article_id, Sentence.position, Annotation.id)
              .execution_options(yield_per=CHUNK))
    rows = iter(session.execute(labels))
    pending = next(rows, None)
    for rec in project_final_labels(session, project):
        key = (rec["article_id"], rec["position"])
        while pending is not None and (pending[0], pending[1]) < key:
            pending = next(rows, None)  # a sentence without a final label
        mine = []
        while pending is not None and (pending[0], pending[1]) == key:
            mine.append(pending)
            pending = next(rows, None)
        yield rec, agreed_spans([spans or [] for _, _, label, spans in mine if label == rec["label"]])


def _articles(session: Session, project: Project) -> dict[int, tuple]:
    return {aid: (url, source, topic, published) for aid, url, source, topic, published in
            session.execute(select(Article.id, Article.url, Article.source, Article.topic,
                                   Article.published).where(Article.project_id == project.id))}


def iter_spans(session: Session, project: Project) -> Iterator[dict]:
    arts = _articles(session, project)
    for rec, spans in _with_spans(session, project):
        url, source, topic, published = arts[rec["article_id"]]
        yield {"text": rec["text"],
               "spans": [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans],
               "meta": {"project": rec["project"], "sentence_id": rec["sentence_id"],
                        "article_id": rec["article_id"], "label": rec["label"],
                        "labels": rec["labels"], "label_source": rec["source"], "confidence": rec["confidence"],
                        "outlet": source, "url": url, "topic": topic, "published": published,
                        "lang": rec["article_lang"]}}


def iter_babe(session: Session, project: Project) -> Iterator[dict]:
    arts = _articles(session, project)
    mapping = _babe_map(project) or {}
    for rec, spans in _with_spans(session, project):
        url, source, topic, _ = arts[rec["article_id"]]
        text = rec["text"]
        words = [text[s["start"]:s["end"]] for s in spans
                 if s["label"] in LOADED_SPAN_TYPES and s.get("voice", "author") == "author"]
        bias, opinion = mapping.get(rec["label"], ("No agreement", "No agreement"))
        yield {"text": text, "news_link": url, "outlet": source, "topic": topic,
               "label_bias": bias, "label_opinion": opinion,
               "biased_words": words, "label": rec["label"], "sentence_id": rec["sentence_id"],
               "article_lang": rec["article_lang"]}


def iter_semeval(session: Session, project: Project) -> Iterator[dict]:
    for rec, spans in _with_spans(session, project):
        for s in spans:
            if s["label"] not in LOADED_SPAN_TYPES:
                continue
            yield {"article_id": rec["article_external_id"] or str(rec["article_id"]),
                   "technique": "Loaded_Language", "start": rec["start"] + s["start"],
                   "end": rec["start"] + s["end"], "text": rec["text"][s["start"]:s["end"]],
                   "voice": s.get("voice", "author"), "sentence_id": rec["sentence_id"],
                   "article_lang": rec["article_lang"]}
