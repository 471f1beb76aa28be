"""Adjudication: reviewers' gold labels, the disagreement queue, final labels (no Flask import).

Gold labels live in their own table (:class:`~annotator.models.Adjudication`), one per sentence,
and never touch an annotator's label; every change is appended to ``adjudication_history``, the
way :mod:`annotator.annotations` keeps labels.

Control items (quality-control sentences with a known answer) are left out of the queue and of
aggregation, as they are of the agreement statistics. Only body sentences are queued and
exported as final labels (a unit re-classified as boilerplate after it was labelled drops out).
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import events
from ..access import require
from ..db import begin_write
from ..labelling import AnnotationError, chosen_labels
from ..labels import label_ids
from ..model.flagged import REASON, Flag, latest_flags
from ..models import (Adjudication, AdjudicationHistory, Annotation, Article, ControlItem, Project,
                      Sentence, User, utcnow)
from ..projects import settings
from ..records import sentence_fields
from ..sentences import reading
from ..timestamps import iso_utc
from . import agreement
from .aggregation import dawid_skene, majority, majority_set
from .matrix import label_matrix
from .matrix import rows as label_rows
from .queue_filters import QueueFilters, pseudonyms, resolve_annotator
from .sentence_records import CHUNK
from .shapes import presence
from .versioned import lasting

MAX_NOTE = 2000
METHODS = ("majority", "dawid_skene")


class AdjudicationError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------ writing gold


def _check(project: Project, sentence: Sentence) -> None:
    if sentence.project_id != project.id:
        raise AdjudicationError("not_found", f"sentence {sentence.id} is not in project {project.slug}")
    if sentence.kind != "body":
        raise AdjudicationError("not_queued", f"sentence {sentence.id} is a {sentence.kind}, not labelled")


def _chosen(project: Project, label, labels) -> tuple[str, list[str] | None]:
    """The gold label and set to store, by the rule an annotator's label is checked by: one
    label in a single-label project (no set), a set of one or more in scheme order in a
    multi-label one (the label is its first)."""
    task = settings(project)["task"]
    try:
        chosen = chosen_labels(label_ids(project.labels), task, label, labels)
    except AnnotationError as err:
        raise AdjudicationError(err.code, str(err)) from None
    return chosen[0], (chosen if task == "multi" else None)


def _clean_note(note) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise AdjudicationError("invalid_note", "note: must be a string")
    return note.strip()[:MAX_NOTE] or None


def record_gold_history(session: Session, sentence_id: int, reviewer: User | int, action: str,
                        label: str | None, note: str | None, at=None,
                        project_id: int | None = None, labels: list | None = None) -> None:
    """The one way a gold label's change is kept: a row of its append-only history and an
    event (set_gold, clear_gold, scheme_repair.map_stray). `labels`: a multi-label gold set."""
    reviewer_id = reviewer if isinstance(reviewer, int) else reviewer.id
    session.add(AdjudicationHistory(sentence_id=sentence_id, reviewer_id=reviewer_id,
                                    action=action, label=label, labels=labels, note=note,
                                    **({"at": at} if at is not None else {})))
    events.gold(session, project_id, sentence_id, action, label, note,
                actor=None if isinstance(reviewer, int) else reviewer, labels=labels)


def _history(session: Session, sentence_id: int, reviewer_id: int, action: str,
             adj: Adjudication | None) -> None:
    record_gold_history(session, sentence_id, reviewer_id, action,
                        adj.label if adj else None, adj.note if adj else None,
                        labels=adj.labels if adj else None)


def set_gold(session: Session, project: Project, sentence: Sentence, reviewer: User, label,
             note: str | None = None, labels: list | None = None) -> tuple[Adjudication, str]:
    """Store the reviewer's gold label and commit. Returns (adjudication, "created" | "updated" |
    "unchanged"). A multi-label project's gold is a set: `labels` (or `label` alone), stored
    in scheme order with `label` its first. The annotators' labels are left as they are."""
    _check(project, sentence)
    label, labels = _chosen(project, label, labels)
    note = _clean_note(note)
    begin_write(session)
    for _attempt in range(3):
        adj = session.scalar(select(Adjudication).where(Adjudication.sentence_id == sentence.id))
        now = utcnow()
        if adj is None:
            adj = Adjudication(sentence_id=sentence.id, project_id=project.id,
                               reviewer_id=reviewer.id, label=label, labels=labels, note=note,
                               created_at=now, updated_at=now)
            try:
                with session.begin_nested():
                    session.add(adj)
                    session.flush()
            except IntegrityError:
                continue  # another reviewer's gold landed first: ours becomes a change
            outcome = "created"
        elif (adj.label, adj.labels, adj.note) == (label, labels, note):
            outcome = "unchanged"
        else:
            adj.label, adj.labels, adj.note = label, labels, note
            adj.reviewer_id, adj.updated_at = reviewer.id, now
            outcome = "updated"
        if outcome != "unchanged":
            _history(session, sentence.id, reviewer.id, outcome[:-1], adj)
        reviewer.last_active_at = now
        session.commit()
        return adj, outcome
    raise AdjudicationError("conflict", "the gold label could not be stored; please retry")


def clear_gold(session: Session, project: Project, sentence: Sentence, reviewer: User) -> bool:
    """Remove the gold label (kept in history). True if there was one."""
    _check(project, sentence)
    begin_write(session)
    adj = session.scalar(select(Adjudication).where(Adjudication.sentence_id == sentence.id))
    if adj is None:
        session.commit()
        return False
    session.delete(adj)
    _history(session, sentence.id, reviewer.id, "delete", None)
    session.commit()
    return True


def sentence_for_review(session: Session, sentence_id: int, user) -> tuple[Project, Sentence]:
    """A sentence and its project where `user` may review it (access.require: Refused
    not_found or forbidden otherwise), for the API's gold label."""
    sentence = session.get(Sentence, sentence_id)
    project = session.get(Project, sentence.project_id) if sentence is not None else None
    require(user, "review", project, f"No sentence {sentence_id}.")
    return project, sentence


def gold_of(session: Session, sentence: Sentence) -> dict | None:
    """The sentence's gold label as the API shows it, or None."""
    row = session.execute(
        select(Adjudication, User.username).join(User, User.id == Adjudication.reviewer_id)
        .where(Adjudication.sentence_id == sentence.id)).first()
    return _gold_json(*row) if row else None


def history(session: Session, sentence_ids: list[int]) -> dict[int, list[dict]]:
    """Adjudication history of some sentences, oldest first."""
    out: dict[int, list[dict]] = {i: [] for i in sentence_ids}
    if not sentence_ids:
        return out
    stmt = (select(AdjudicationHistory, User.username)
            .join(User, User.id == AdjudicationHistory.reviewer_id)
            .where(AdjudicationHistory.sentence_id.in_(sentence_ids))
            .order_by(AdjudicationHistory.at, AdjudicationHistory.id))
    for h, name in session.execute(stmt):
        out[h.sentence_id].append({"action": h.action, "label": h.label,
                                   "labels": h.labels or ([h.label] if h.label else []),
                                   "note": h.note, "reviewer": name, "at": iso_utc(h.at)})
    return out


# --------------------------------------------------------------------- the disagreement queue


def _gold_json(adj: Adjudication | None, reviewer: str | None = None) -> dict | None:
    if adj is None:
        return None
    return {"label": adj.label, "labels": adj.labels or [adj.label], "note": adj.note,
            "reviewer": reviewer,
            "created_at": iso_utc(adj.created_at), "updated_at": iso_utc(adj.updated_at)}


def disagreements(session: Session, project: Project, page: int = 1, per_page: int = 20,
                  include_resolved: bool = False, filters: QueueFilters | None = None,
                  seen: tuple[int, ...] = (), reveal: bool = False) -> dict:
    """Sentences whose annotators disagree, and those whose label the project model flags as a
    suspected error (model/suspects.py), most disputed first.

    Order: the lowest majority share first (a 1-1 tie is 0.5, 2-1 is 0.667), then the most
    annotators, then the most suspect (the model's score), then reading order. Sentences with
    a gold label are left out unless ``include_resolved``; so are those `filters`
    (queue_filters) leave out and the ``seen`` ids (a client's look-ahead asks for what it does
    not hold yet). Annotators are shown by
    pseudonym ("A1") unless ``reveal``. Returns ``{"total", "page", "per_page", "pages",
    "names_shown", "filters", "items"}``; each item has the sentence fields of the export plus
    ``annotations`` (annotator, label, labels, spans, comment, updated_at), ``annotators``,
    ``votes`` (per label, how many annotators chose it), ``majority``, ``majority_labels``
    (aggregation.majority_set), ``agreement``, ``context`` (before, after, dirs), ``lang``, ``article_dir``,
    ``title_dir`` and ``dir`` (sentences.reading), ``gold`` (label, note, reviewer,
    created_at, updated_at, or null), ``history``, ``reasons`` ("disagreement", "suspected
    error") and ``suspect`` (the model's label, predicted, score, probabilities and
    model_version, or null); the filter ``reason`` keeps one reason's sentences. ``as_of``
    is null, or when the order was computed where it is served as last computed while it is
    computed anew (review/versioned.lasting: a large project); gold labels given since then
    take their sentences out of it all the same. ``computing`` is true, with no items, on the
    first view in a process that could not compute the order within
    versioned.FIRST_VIEW_SECONDS.
    """
    filters = filters or QueueFilters()
    per_page = max(1, min(int(per_page), 200))
    page = max(1, int(page))
    q, as_of = lasting(session, project, "queue", (filters, bool(include_resolved)),
                       lambda s, p: _ordered(s, p, filters, include_resolved))
    if q is None:  # the first view in this process, its order still being computed
        return {"total": 0, "page": page, "per_page": per_page, "pages": 1,
                "names_shown": bool(reveal), "filters": filters.as_dict(), "items": [],
                "as_of": None, "computing": True}
    order = q.order
    if as_of is not None and not include_resolved:
        # An order computed before the newest gold labels still holds their sentences.
        seen = (*seen, *session.scalars(select(Adjudication.sentence_id).where(
            Adjudication.project_id == project.id, Adjudication.updated_at >= as_of)))
    if seen and order.size:
        order = order[~np.isin(q.sentence_ids[order], np.asarray(seen, dtype=np.int64))]
    total = int(order.size)
    pages = max(1, math.ceil(total / per_page))
    chosen = order[(page - 1) * per_page: page * per_page]
    labels, n, top, share, disagree, suspect, flags, names = (
        q.labels, q.n, q.top, q.share, q.disagree, q.suspect, q.flags, q.names)
    ids = [int(i) for i in q.sentence_ids[chosen]]
    items = []
    if ids:
        rows = {s.id: (s, aid, ext, title) for s, aid, ext, title in session.execute(
            select(Sentence, Article.id, Article.external_id, Article.title)
            .join(Article, Article.id == Sentence.article_id).where(Sentence.id.in_(ids)))}
        anns: dict[int, list[dict]] = {i: [] for i in ids}
        for a, name in session.execute(
                select(Annotation, User.username).join(User, User.id == Annotation.user_id)
                .where(Annotation.sentence_id.in_(ids)).order_by(User.id)):
            shown = name if reveal else names.get(name, name)
            anns[a.sentence_id].append({"annotator": shown, "label": a.label,
                                        "labels": a.labels or [a.label], "spans": a.spans or [],
                                        "comment": a.comment, "updated_at": iso_utc(a.updated_at)})
        gold = {adj.sentence_id: _gold_json(adj, name) for adj, name in session.execute(
            select(Adjudication, User.username).join(User, User.id == Adjudication.reviewer_id)
            .where(Adjudication.sentence_id.in_(ids)))}
        hist = history(session, ids)
        for u, sid in zip(chosen.tolist(), ids):
            s, aid, ext, title = rows[sid]
            rec = {**sentence_fields(project.slug, aid, ext, title, s.id, s.position, s.start,
                                     s.end, s.text), "kind": s.kind}
            sets = [a["labels"] for a in anns[sid]]
            rec.update({
                "annotations": anns[sid], "annotators": int(n[u]),
                "votes": {l: sum(l in chosen for chosen in sets) for l in labels},
                "majority": labels[top[u]] if top[u] >= 0 else None,
                "majority_labels": majority_set(sets, labels),
                "agreement": float(share[u]),
                **reading(session, s), "gold": gold.get(sid), "history": hist[sid],
                "reasons": ["disagreement"] * bool(disagree[u]) + [REASON] * bool(suspect[u]),
                "suspect": flags[sid].as_dict() if suspect[u] else None})
            items.append(rec)
    return {"total": total, "page": page, "per_page": per_page, "pages": pages,
            "names_shown": bool(reveal), "filters": filters.as_dict(), "items": items,
            "as_of": iso_utc(as_of) if as_of else None, "computing": False}


@dataclass(frozen=True)
class _Queue:
    """The queue's whole order and what its items show, kept per data version (per-unit
    arrays only: the label matrix itself is not kept)."""
    order: np.ndarray         # unit indices, most disputed first
    sentence_ids: np.ndarray
    labels: list
    n: np.ndarray
    top: np.ndarray
    share: np.ndarray
    disagree: np.ndarray
    suspect: np.ndarray
    flags: dict
    names: dict


def _ordered(session: Session, project: Project, filters: QueueFilters,
             include_resolved: bool) -> _Queue:
    """Every queued unit in queue order: read from all label rows, so computed once per
    project data version (review/versioned.py) and then paged by slicing."""
    lm = label_matrix(session, project)
    k = len(lm.labels)
    counts = agreement.label_counts(lm.M, k)
    n = counts.sum(axis=1)
    top, share = majority(lm.M, k)
    disputed = (n >= 2) & ((counts > 0).sum(axis=1) >= 2)
    if settings(project)["task"] == "multi":  # label sets that differ, though their first agree
        disputed |= _sets_differ(session, project, lm.sentence_ids)
    flags = latest_flags(session, project)
    suspect, margin = _suspects(lm, top, flags)
    disagree = disputed.copy()
    disputed = {"disagreement": disagree, "suspect": suspect}.get(filters.reason, disagree | suspect)
    names = pseudonyms(session, project)
    if filters.pair:
        a, b = (lm.labels.index(x) for x in filters.pair)
        disputed &= (counts[:, a] > 0) & (counts[:, b] > 0)
    if filters.annotator:
        who = resolve_annotator(filters.annotator, names)
        if who in lm.annotators:
            disputed &= lm.M[:, lm.annotators.index(who)] >= 0
        else:
            disputed[:] = False
    idx = np.flatnonzero(disputed)
    if not include_resolved and idx.size:
        resolved = np.fromiter(session.scalars(select(Adjudication.sentence_id).where(
            Adjudication.project_id == project.id)), dtype=np.int64)
        idx = idx[~np.isin(lm.sentence_ids[idx], resolved)]
    if (filters.articles or filters.outlet or filters.text) and idx.size:
        idx = idx[np.isin(lm.sentence_ids[idx], _matching(session, project, filters))]
    # Units are in reading order already: their index is the last sort key.
    order = idx[np.lexsort((idx, -margin[idx], -n[idx], share[idx]))]
    return _Queue(order, lm.sentence_ids, lm.labels, n, top, share, disagree, suspect, flags, names)


def _sets_differ(session: Session, project: Project, sentence_ids: np.ndarray) -> np.ndarray:
    """Per unit of a multi-label project: whether its annotators chose different label sets
    (the label matrix holds the first label of each set only)."""
    sets: dict[int, set] = {}
    for sid, labels, label in session.execute(
            select(Annotation.sentence_id, Annotation.labels, Annotation.label)
            .where(Annotation.project_id == project.id)):
        sets.setdefault(sid, set()).add(frozenset(labels or [label]))
    return np.fromiter((len(sets.get(int(s), ())) > 1 for s in sentence_ids), dtype=bool,
                       count=len(sentence_ids))


def _suspects(lm, top: np.ndarray, flags: dict[int, Flag]) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: whether the newest model flags it while its majority label is still the label
    the model judged (new labels or a changed gold label since may have settled it), and the
    model's score there (0 elsewhere)."""
    mask = np.zeros(len(lm.sentence_ids), dtype=bool)
    score = np.zeros(len(lm.sentence_ids))
    if flags:
        for u in np.flatnonzero(np.isin(lm.sentence_ids, np.fromiter(flags, dtype=np.int64))):
            f = flags[int(lm.sentence_ids[u])]
            if top[u] >= 0 and lm.labels[top[u]] == f.label:
                mask[u], score[u] = True, f.score
    return mask, score


def _matching(session: Session, project: Project, filters: QueueFilters) -> np.ndarray:
    """Ids of the project's sentences that the article, outlet and text filters keep."""
    stmt = select(Sentence.id).where(Sentence.project_id == project.id)
    if filters.articles:
        stmt = stmt.where(Sentence.article_id.in_(filters.articles))
    if filters.outlet:
        stmt = stmt.join(Article, Article.id == Sentence.article_id).where(
            Article.source == filters.outlet)
    if filters.text:
        # SQLite's lower() folds ASCII letters only; PostgreSQL's ILIKE folds every letter.
        stmt = stmt.where(Sentence.text.icontains(filters.text, autoescape=True))
    return np.fromiter(session.scalars(stmt), dtype=np.int64)


# ------------------------------------------------------------------------------ final labels


def final_labels(session: Session, project: Project, method: str = "majority",
                 threshold: float = 0.5) -> Iterator[dict]:
    """One record per sentence that has a final label, in reading order, streamed.

    The final label is the gold label where a reviewer set one (``source`` "gold",
    ``confidence`` 1.0); otherwise the aggregate of the annotators' labels: with "majority"
    the unique most frequent label where its share of the sentence's labels is >= ``threshold``
    (``confidence`` = that share); with "dawid_skene" the most probable label where its
    posterior is >= ``threshold`` (``confidence`` = the posterior). Other sentences are left
    out. Each record has the sentence fields of the export plus ``label``, ``labels``,
    ``source``, ``confidence`` and ``annotators`` (how many labels the sentence has).

    A multi-label project's final label is a set (``labels``, in scheme order; ``label`` is
    its first): each label's yes-or-no is aggregated on its own, as the per-label agreement
    is (binary relevance), and a sentence has a final set where every label's answer is
    decided and at least one label is in; ``confidence`` is the least decided label's.
    Single-label projects: ``labels`` is ``[label]``.
    """
    if method not in METHODS:
        raise ValueError(f"method: one of {', '.join(METHODS)} (got {method!r})")
    if settings(project)["task"] == "multi":
        final = _aggregated_sets(session, project, method, threshold)
    else:
        final = _aggregated(session, project, method, threshold)
    # Gold wins; `annotators` counts every label of the sentence.
    notes: dict[int, str | None] = {}
    given = (select(func.count(Annotation.id))
             .where(Annotation.sentence_id == Adjudication.sentence_id).scalar_subquery())
    for sid, label, labels, note, n in session.execute(
            select(Adjudication.sentence_id, Adjudication.label, Adjudication.labels,
                   Adjudication.note, given).where(Adjudication.project_id == project.id)):
        final[sid] = (labels or [label], "gold", 1.0, int(n))
        notes[sid] = note
    stmt = (select(Sentence.id, Sentence.position, Sentence.start, Sentence.end, Sentence.text,
                   Sentence.kind, Article.id, Article.external_id, Article.title, Article.lang)
            .join(Article, Article.id == Sentence.article_id)
            # body sentences only, even where gold was set before a unit's kind changed
            .where(Sentence.project_id == project.id, Sentence.kind == "body",
                   ~exists().where(ControlItem.sentence_id == Sentence.id))
            .order_by(Article.id, Sentence.position)
            .execution_options(yield_per=CHUNK))
    slug = project.slug
    for sid, pos, start, end, text, kind, aid, ext, title, lang in session.execute(stmt):
        hit = final.get(sid)
        if hit is None:
            continue
        yield {**sentence_fields(slug, aid, ext, title, sid, pos, start, end, text),
               "kind": kind, "label": hit[0][0], "labels": hit[0], "source": hit[1],
               "confidence": hit[2], "annotators": hit[3], "gold_note": notes.get(sid),
               "article_lang": lang}


def _decide(M: np.ndarray, k: int, method: str, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per unit of a label matrix: the aggregated label (MISSING where undecided) and its
    confidence, by `method`."""
    if method == "majority":
        return majority(M, k, threshold=threshold)
    ds = dawid_skene(M, k)
    lab = ds.labels.copy()
    conf = ds.posteriors.max(axis=1) if len(lab) else np.zeros(0)
    lab[~(conf >= threshold)] = agreement.MISSING
    return lab, conf


def _aggregated(session: Session, project: Project, method: str, threshold: float) -> dict:
    """{sentence id: ([label], method, confidence, labels given)} of a single-label project."""
    lm = label_matrix(session, project)
    n_labels = (lm.M >= 0).sum(axis=1)
    lab, conf = _decide(lm.M, len(lm.labels), method, threshold)
    keep = lab >= 0
    return {int(s): ([lm.labels[int(l)]], method, float(c), int(m)) for s, l, c, m in zip(
        lm.sentence_ids[keep], lab[keep], conf[keep], n_labels[keep])}


def _aggregated_sets(session: Session, project: Project, method: str, threshold: float) -> dict:
    """{sentence id: (label set, method, confidence, labels given)} of a multi-label project:
    each label's matrix of chose it or not (shapes.presence, as its per-label alpha reads it)
    aggregated as two classes."""
    ids = label_ids(project.labels)
    recs = [(sid, who, labels or [label])
            for sid, who, label, labels in label_rows(session, project, Annotation.labels)]
    units = list(dict.fromkeys(r[0] for r in recs))
    decided = np.ones(len(units), dtype=bool)
    chosen = np.zeros((len(ids), len(units)), dtype=bool)
    conf = np.ones(len(units))
    n_labels = np.zeros(len(units), dtype=np.int64)
    for i, label in enumerate(ids):
        M, _ = presence(recs, label)  # units in the same order for every label
        lab, c = _decide(M, 2, method, threshold)
        decided &= lab >= 0
        chosen[i] = lab == 1
        conf = np.fmin(conf, c)
        n_labels = (M >= 0).sum(axis=1)
    return {int(units[u]): ([ids[i] for i in np.flatnonzero(chosen[:, u])], method,
                            float(conf[u]), int(n_labels[u]))
            for u in np.flatnonzero(decided & chosen.any(axis=0))}


def project_final_labels(session: Session, project: Project) -> Iterator[dict]:
    """final_labels with the project's own aggregation method and gold threshold."""
    conf = settings(project)
    return final_labels(session, project, method=conf["aggregation"], threshold=conf["gold_threshold"])
