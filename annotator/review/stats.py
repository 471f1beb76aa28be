"""The review dashboard's figures of a project, from database rows to the JSON contract:
agreement statistics, Dawid–Skene estimates, agreement over time, labels by outlet and hint
quality (no Flask import)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..hints.evaluation import hint_quality as evaluate_hints
from ..hints.lexicon import lexicon_of
from ..hints.matcher import Matcher
from ..labels import label_ids
from ..models import Annotation, Article, ControlItem, Project, Sentence
from ..projects import settings
from ..timestamps import iso_utc
from . import agreement
from .aggregation import agreed_spans
from .dawid_skene import accuracy_intervals, dawid_skene
from .intervals import judged
from .matrix import LabelMatrix, label_matrix, matrix_of, rows
from .sentence_records import iter_sentences
from .span_agreement import span_agreement

_EPOCH, _US = datetime(1970, 1, 1), timedelta(microseconds=1)


def project_stats(session: Session, project: Project, **filters) -> dict:
    """The statistics contract; the headline alpha interval resamples whole articles."""
    labels = label_ids(project.labels)
    recs = rows(session, project, Annotation.seconds, Sentence.article_id, **filters)
    article_of = {r[0]: r[4] for r in recs}
    return agreement.statistics([r[:4] for r in recs], labels, clusters=article_of,
                                min_items=settings(project)["min_items_per_annotator"])


def hint_quality(session: Session, project: Project) -> dict:
    """Precision, recall and F1 of the project's hints against the human majority and spans,
    so that the lexicon can be tuned with evidence (see docs/hints.md)."""
    matcher = Matcher(lexicon_of(project))
    items = []
    for rec in iter_sentences(session, project):
        if rec["kind"] != "body" or not rec["annotations"] or rec["control"]:
            continue
        label = rec["gold"] or rec["majority"]
        spans = agreed_spans([a["spans"] for a in rec["annotations"] if a["label"] == label]) \
            if label else None
        items.append((matcher.hints(rec["text"]), label, spans))
    return evaluate_hints(items)


def by_outlet(session: Session, project: Project) -> list[tuple[str, dict]]:
    """Label counts per outlet (article source), so outlets can be compared."""
    labels = label_ids(project.labels)
    out: dict[str, dict] = {}
    for source, label, n in session.execute(
            select(Article.source, Annotation.label, func.count())
            .join(Sentence, Sentence.article_id == Article.id)
            .join(Annotation, Annotation.sentence_id == Sentence.id)
            .where(Article.project_id == project.id,
                   ~exists().where(ControlItem.sentence_id == Annotation.sentence_id))
            .group_by(Article.source, Annotation.label)):
        row = out.setdefault(source or "unknown outlet", {l: 0 for l in labels})
        if label in row:
            row[label] += n
    return sorted(out.items())


def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def annotator_accuracy(session: Session, project: Project, lm: LabelMatrix | None = None,
                       **filters) -> dict:
    """Dawid–Skene estimates: each annotator's estimated accuracy (null where undefined) with
    the sentences it rests on, a 95% bootstrap interval over sentences and a too-few mark."""
    if lm is None:
        lm = label_matrix(session, project, **filters)
    k = len(lm.labels)
    ds = dawid_skene(lm.M, k)
    cis = accuracy_intervals(lm.M, k, ds)
    minimum = settings(project)["min_items_per_annotator"]
    given = (lm.M >= 0).sum(axis=0)
    estimates = []
    for r, a in enumerate(lm.annotators):
        n = int(given[r])
        acc = judged(_f(ds.accuracy[r]), n, cis[r], minimum)
        estimates.append({
            "annotator": a, "annotations": n, **acc.fields("accuracy"),
            "confusion": {lm.labels[t]: {lm.labels[g]: _f(ds.confusion[r, t, g])
                                         for g in range(k)} for t in range(k)}})
    return {
        "annotators": estimates,
        "priors": {lm.labels[c]: _f(ds.priors[c]) for c in range(k)},
        "iterations": int(ds.iterations), "converged": bool(ds.converged),
    }


def agreement_over_time(session: Session, project: Project, max_points: int = 20,
                        min_batch: int = 25, **filters) -> dict:
    """Alpha by batch of sentences, in the order in which they became pairable.

    A sentence becomes pairable when its second label arrives; sentences are sorted by that
    moment and cut into equal batches (at least ``min_batch`` sentences, at most ``max_points``
    batches). For each batch: alpha over its sentences (all their labels), and the cumulative
    alpha over every sentence up to the batch's end. Returns ``{"batch": size, "points":
    [{"until": ISO time, "units": n, "alpha": x|null, "cumulative": x|null}]}``.
    """
    recs = rows(session, project, Annotation.updated_at, **filters)
    lm = matrix_of(recs, label_ids(project.labels))
    return _over_time(recs, lm, max_points, min_batch)


def review_figures(session: Session, project: Project, **filters) -> dict:
    """The dashboard's Dawid–Skene estimates and agreement over time, from one read of the
    label rows, and span agreement: ``{"dawid_skene": ..., "over_time": ..., "spans": ...}``."""
    recs = rows(session, project, Annotation.updated_at, **filters)
    lm = matrix_of(recs, label_ids(project.labels))
    return {"dawid_skene": annotator_accuracy(session, project, lm=lm),
            "over_time": _over_time(recs, lm),
            "spans": span_agreement(session, project, **filters)}


def _over_time(recs, lm: LabelMatrix, max_points: int = 20, min_batch: int = 25) -> dict:
    if not recs:
        return {"batch": 0, "points": []}
    M, labels = lm.M, lm.labels
    unit_of = {int(u): i for i, u in enumerate(lm.sentence_ids)}
    # The moment each unit became pairable: the time of its second label (naive UTC, in us).
    ui = np.fromiter((unit_of[r[0]] for r in recs), dtype=np.int64, count=len(recs))
    t = np.fromiter(((r[3] - _EPOCH) // _US for r in recs), dtype=np.int64, count=len(recs))
    o = np.lexsort((t, ui))
    ui, t = ui[o], t[o]
    starts = np.flatnonzero(np.r_[True, ui[1:] != ui[:-1]])
    size = np.diff(np.r_[starts, len(ui)])
    pairable = size >= 2
    units_p = ui[starts[pairable]]
    when = t[starts[pairable] + 1]
    if units_p.size == 0:
        return {"batch": 0, "points": []}
    order = np.argsort(when, kind="stable")
    units_p, when = units_p[order], when[order]
    batch = max(min_batch, math.ceil(units_p.size / max_points))
    k = len(labels)
    points = []
    for lo in range(0, units_p.size, batch):
        hi = min(lo + batch, units_p.size)
        alpha = agreement.krippendorff_alpha(M[units_p[lo:hi]], k)
        cum = agreement.krippendorff_alpha(M[units_p[:hi]], k)
        until = _EPOCH + int(when[hi - 1]) * _US
        points.append({"until": iso_utc(until), "units": int(hi - lo),
                       "alpha": None if alpha is None else _f(alpha),
                       "cumulative": None if cum is None else _f(cum)})
    return {"batch": batch, "points": points}
