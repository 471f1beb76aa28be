"""Which unlabelled sentence the project model would have labelled next (issue 19 item 2; no
Flask import): the orders a project's `order` setting names.

- ``reading``: the articles' own order (no model needed).
- ``random``: a seeded shuffle.
- ``uncertainty``: margin sampling, the smallest gap between the model's two most probable
  labels first (Scheffer et al. 2001; Settles 2009).
- ``uncertainty_diversity``: margin sampling with a diversity term. Taken alone, margin picks
  near-duplicates together (one wire story in five outlets is five equally uncertain
  sentences; Label Studio's users met this). A batch is chosen greedily among the most
  uncertain candidates: each next pick maximises its uncertainty minus its greatest cosine
  similarity to the picks before it (the model's own TF-IDF features), so a second copy of a
  picked sentence falls back behind sentences that teach something else.

`rank` gives every sentence of the queue a priority (0 first); only the head of the queue is
worth the diversity search, since the model is retrained after the next labels anyway.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from ..projects import QUEUE_ORDERS as ORDERS
HEAD = 200          # sentences picked with the diversity term; the rest by margin alone
CANDIDATES = 5      # the head is chosen among CANDIDATES x HEAD most uncertain sentences
DIVERSITY = 1.0     # weight of the similarity penalty against uncertainty (both in [0, 1])


def margins(proba: np.ndarray) -> np.ndarray:
    """Top probability minus the second, per row (0: a coin toss between two labels)."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape[1] < 2:
        return np.ones(len(proba))
    top2 = np.partition(proba, -2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def diverse_head(uncertainty: np.ndarray, features: sparse.spmatrix, head: int,
                 weight: float = DIVERSITY) -> np.ndarray:
    """Indices of `head` rows chosen greedily: each maximises uncertainty minus `weight` x
    its greatest cosine similarity to the rows chosen before it. `features` rows are
    L2-normalised, so a dot product is the cosine."""
    n = len(uncertainty)
    head = min(head, n)
    X = sparse.csr_matrix(features)
    chosen = np.empty(head, dtype=np.int64)
    closest = np.zeros(n)  # greatest similarity to anything chosen so far
    taken = np.zeros(n, dtype=bool)
    for i in range(head):
        score = uncertainty - weight * closest
        score[taken] = -np.inf
        j = int(np.argmax(score))
        chosen[i], taken[j] = j, True
        closest = np.maximum(closest, (X @ X[j].T).toarray().ravel())
    return chosen


def rank(order: str, n: int, proba: np.ndarray | None = None,
         features: sparse.spmatrix | None = None, seed: int = 0, head: int = HEAD,
         margin: np.ndarray | None = None) -> np.ndarray:
    """The queue position of each of `n` sentences (given in reading order) under `order`:
    a permutation of 0..n-1, where position[i] is sentence i's place. `proba` (n x labels)
    is needed by the uncertainty orders, `features` (n x d, L2-normalised rows; or a function
    of row indices giving those rows) by the diverse one. `margin` (n): margins(proba) known
    already, in place of `proba`."""
    if order not in ORDERS:
        raise ValueError(f"order: one of {', '.join(ORDERS)} (got {order!r})")
    if order == "reading" or n == 0:
        sequence = np.arange(n)
    elif order == "random":
        sequence = np.random.default_rng(seed).permutation(n)
    else:
        if margin is None and (proba is None or len(proba) != n):
            raise ValueError(f"order {order}: needs the model's probabilities for every sentence")
        m = np.asarray(margin, dtype=np.float64) if margin is not None else margins(proba)
        # Ties broken by reading order (a stable sort), so equal margins keep the text's flow.
        sequence = np.argsort(m, kind="stable")
        if order == "uncertainty_diversity":
            if features is None:
                raise ValueError("order uncertainty_diversity: needs the sentences' features")
            pool = sequence[:min(n, CANDIDATES * head)]
            # only the candidates' features are needed: `features` may compute them for these
            X = sparse.csr_matrix(features(pool) if callable(features) else sparse.csr_matrix(features)[pool])
            first = pool[diverse_head(1.0 - m[pool], X, head)]
            rest = np.setdiff1d(sequence, first, assume_unique=True)
            rest = rest[np.argsort(m[rest], kind="stable")]
            sequence = np.concatenate([first, rest])
    position = np.empty(n, dtype=np.int64)
    position[sequence] = np.arange(n)
    return position


def model_features(pipeline, texts: list[str]) -> sparse.csr_matrix:
    """The fitted pipeline's own representation of `texts` (its steps before the classifier:
    counts and TF-IDF weighting), rows L2-normalised for cosine similarity."""
    from_steps = pipeline[:-1].transform(texts)
    norms = np.sqrt(np.asarray(from_steps.multiply(from_steps).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ from_steps)
