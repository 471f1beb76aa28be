"""Final labels from several annotators: majority vote with a threshold, Dawid–Skene EM (its
engine in :mod:`.dawid_skene`), and the spans most annotators agree on.

Pure numpy over the units x raters matrix of :mod:`annotator.review.agreement` (label indices
``0 .. k-1``, :data:`~annotator.review.agreement.MISSING` for no rating), or plain lists of one
sentence's labels and spans. No Flask, no database.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .agreement import MISSING, label_counts
from .dawid_skene import DSResult, dawid_skene

__all__ = ["MISSING", "DSResult", "majority", "dawid_skene", "majority_of", "majority_set",
           "agreed_spans"]


def majority(M, k: int, threshold: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Majority label per unit and the share of its annotators agreeing with it.

    The label is the unit's unique most frequent label ("strict": a tie for first place gives
    no label) provided its share of the unit's ratings is at least ``threshold``; otherwise
    :data:`MISSING`. The share (top count / ratings) is returned for every unit with a rating,
    tied or not, so it can order a disagreement queue; it is NaN for a unit without ratings.
    """
    C = label_counts(M, k)
    m = C.sum(axis=1)
    top = C.max(axis=1) if C.shape[0] else np.zeros(0, dtype=np.int64)
    unique = (C == top[:, None]).sum(axis=1) == 1
    share = np.full(C.shape[0], np.nan)
    rated = m > 0
    share[rated] = top[rated] / m[rated]
    ok = rated & unique & (share >= threshold)
    labels = np.where(ok, C.argmax(axis=1) if C.shape[0] else 0, MISSING).astype(np.int64)
    return labels, share


def majority_of(labels: list[str]) -> tuple[str | None, float | None]:
    """The strict plurality label and the share of annotators giving it; (None, None) on a tie,
    since no label is the majority for anyone to agree with."""
    if not labels:
        return None, None
    (top, n), *rest = Counter(labels).most_common()
    if rest and rest[0][1] == n:
        return None, None
    return top, n / len(labels)


def majority_set(sets: list[list[str]], order: list[str]) -> list[str]:
    """Every label chosen by more than half of the annotators (each gave one set of labels), in
    `order` (the scheme's; a label outside it last): a multi-label sentence's majority set,
    and a single label's strict majority where there is one."""
    rank = {label: i for i, label in enumerate(order)}
    chosen = Counter(label for labels in sets for label in set(labels))
    return sorted((l for l, n in chosen.items() if 2 * n > len(sets)),
                  key=lambda l: (rank.get(l, len(rank)), l))


def agreed_spans(span_lists: list[list[dict]]) -> list[dict]:
    """Spans given by at least half of the annotators (all of them when only one)."""
    if not span_lists:
        return []
    need = (len(span_lists) + 1) // 2
    counts = Counter()
    for spans in span_lists:
        counts.update({(s["start"], s["end"], s["label"], s.get("voice")) for s in spans})
    return [{"start": a, "end": b, "label": l, **({"voice": v} if v else {})}
            for (a, b, l, v), n in sorted(counts.items()) if n >= need]
