"""What the model's callers catch, in a module of its own: importing it costs nothing, while
model/training.py brings scikit-learn (about 0.8 s and 100 MiB), which only a training needs."""
from __future__ import annotations

from collections import Counter

MIN_LABELS = 20      # final labels in all
MIN_PER_LABEL = 2    # of every label of the scheme (stratified folds need two of each)


class TooFewLabels(ValueError):
    """The project's final labels are too few to train and cross-validate a model."""


def too_few(counts: Counter, scheme: list[str]) -> str | None:
    """Why these final-label counts are too few for a model, or None where they suffice."""
    total = sum(counts.get(label, 0) for label in scheme)
    if total >= MIN_LABELS and all(counts.get(label, 0) >= MIN_PER_LABEL for label in scheme):
        return None
    have = ", ".join(f"{label} {counts.get(label, 0)}" for label in scheme)
    return (f"too few final labels to train a model: {total} ({have}); a model needs at least "
            f"{MIN_LABELS} in all and {MIN_PER_LABEL} of every label (gather more labels, or "
            f"adjudicate disagreements)")
