"""How well hints predict what humans decided: precision, recall and F1 (see docs/hints.md)."""
from __future__ import annotations

from collections.abc import Iterable

_SPAN_LABEL_OF_HINT = {"cue": "cue", "source": "source", "contested_term": "framing_term"}


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _scores(tp_pred: int, predicted: int, tp_gold: int, support: int, n: int) -> dict:
    precision, recall = _ratio(tp_pred, predicted), _ratio(tp_gold, support)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "support": support, "predicted": predicted, "n": n}


def hint_quality(items: Iterable, *, cue_label: str = "attributed_claim",
                 contested_label: str = "contested_framing") -> dict:
    """How well hints predict what humans decided.

    items: iterable of (hints, majority_label, spans) per sentence; hints as from
    ``Matcher.hints`` (None = none shown), majority_label a label id or None (no majority: left
    out of the label scores), spans the human spans [{"start", "end", "label"}] or None (spans
    not collected: left out of the span score).

    * "cue": sentence has a cue hint -> predicts majority == cue_label.
    * "contested_term": sentence has a contested-term hint -> predicts majority == contested_label.
    * "spans": a hint is correct if it overlaps a human span of its kind (cue->cue,
      source->source, contested_term->framing_term); precision over hints, recall over human
      spans of those three labels. "by_label" gives the same per human label.

    Each score: {"precision", "recall", "f1", "support", "predicted", "n"} where support is the
    number of gold positives, predicted the number of positive predictions, n the sentences
    counted; a ratio with a zero denominator is None (never NaN)."""
    sentence = {"cue": [0, 0, 0, 0], "contested_term": [0, 0, 0, 0]}  # tp, predicted, support, n
    gold_label = {"cue": cue_label, "contested_term": contested_label}
    span_counts = {lab: [0, 0, 0, 0] for lab in ("source", "cue", "framing_term")}
    span_n = 0
    for item in items:
        hints, majority, spans = item
        hints = [h for h in (hints or []) if isinstance(h, dict)]
        if majority is not None:
            for kind, counts in sentence.items():
                predicted = any(h.get("type") == kind for h in hints)
                gold = majority == gold_label[kind]
                counts[0] += predicted and gold
                counts[1] += predicted
                counts[2] += gold
                counts[3] += 1
        if spans is not None:
            span_n += 1
            for h in hints:
                label = _SPAN_LABEL_OF_HINT.get(h.get("type"))
                if label is None:
                    continue
                counts = span_counts[label]
                counts[1] += 1
                if any(s.get("label") == label and s["start"] < h["end"] and h["start"] < s["end"]
                       for s in spans):
                    counts[0] += 1
            for s in spans:
                counts = span_counts.get(s.get("label"))
                if counts is None:
                    continue
                counts[3] += 1
                hint_type = {"framing_term": "contested_term"}.get(s["label"], s["label"])
                if any(h.get("type") == hint_type and s["start"] < h["end"] and h["start"] < s["end"]
                       for h in hints):
                    counts[2] += 1
    out = {kind: _scores(c[0], c[1], c[0], c[2], c[3]) for kind, c in sentence.items()}
    by_label = {lab: _scores(c[0], c[1], c[2], c[3], span_n) for lab, c in span_counts.items()}
    total = [sum(c[i] for c in span_counts.values()) for i in range(4)]
    out["spans"] = _scores(total[0], total[1], total[2], total[3], span_n)
    out["spans"]["by_label"] = by_label
    return out
