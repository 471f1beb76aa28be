"""Agreement on evidence spans, per span type: token-level F1 between annotators (issue 20
item 6; no Flask import).

Two annotators who labelled the same sentence are compared token by token (hints.tokens: the
words of the sentence, so a span that takes in a trailing space or comma still matches): for a
span type, A and B are the tokens each put inside a span of that type. Over every pair of
annotators on every sentence, F1 = sum 2|A & B| / sum (|A| + |B|), the micro F1 of either
annotator taken as the reference for the other (symmetric). Sentences where neither marked
that type add nothing. The 95% interval resamples sentences (a bootstrap of the ratio).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
from sqlalchemy.orm import Session

from ..hints.tokens import token_spans
from ..labels import SPAN_LABELS
from ..models import Annotation, Project, Sentence
from . import intervals
from .matrix import rows


def tokens_in(text: str, spans: list[dict], span_type: str) -> set[int]:
    """Indices of the tokens of `text` that overlap a span of `span_type`."""
    marked = [(s["start"], s["end"]) for s in spans or [] if s.get("label") == span_type]
    if not marked:
        return set()
    return {i for i, (a, b, _) in enumerate(token_spans(text))
            if any(a < end and start < b for start, end in marked)}


def pair_counts(text: str, span_lists: list[list[dict]], span_type: str) -> tuple[int, int]:
    """(sum 2|A & B|, sum |A| + |B|) over the pairs of annotators of one sentence."""
    sets = [tokens_in(text, spans, span_type) for spans in span_lists]
    both = sum(2 * len(a & b) for a, b in combinations(sets, 2))
    either = sum(len(a) + len(b) for a, b in combinations(sets, 2))
    return both, either


def span_agreement(session: Session, project: Project, span_types=None,
                   resamples: int = intervals.RESAMPLES, seed: int = intervals.SEED,
                   **filters) -> dict:
    """{span type: {"f1", "f1_ci95", "sentences", "compared"}} over the project's body
    sentences with two or more counted labels (matrix.rows, with the dashboard's filters):
    "compared" counts those,
    "sentences" those where some annotator marked the type; f1 is None where none did."""
    types = list(span_types or SPAN_LABELS)
    by_sentence: dict[int, tuple[str, list]] = {}
    for sid, _, _, text, spans in rows(session, project, Sentence.text, Annotation.spans, **filters):
        by_sentence.setdefault(sid, (text, []))[1].append(spans or [])
    units = [(t, s) for t, s in by_sentence.values() if len(s) >= 2]
    out = {}
    for span_type in types:
        counts = np.array([pair_counts(t, s, span_type) for t, s in units], dtype=np.float64)
        counts = counts[counts[:, 1] > 0] if len(counts) else counts.reshape(0, 2)
        n = len(counts)
        f1 = ci = None
        if n:
            both, either = counts.sum(axis=0)
            f1 = float(both / either)
            if resamples > 0:
                W = intervals.resample_weights(np.ones(n), resamples, seed)
                ci = intervals.percentile_interval((W @ counts[:, 0]) / (W @ counts[:, 1]))
        out[span_type] = {"f1": f1, "f1_ci95": None if ci is None else list(ci),
                          "sentences": n, "compared": len(units)}
    return out
