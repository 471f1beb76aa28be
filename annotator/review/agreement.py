"""Agreement statistics over a units x raters label matrix (numpy only).

The matrix ``M`` has one row per unit (a sentence), one column per rater (an annotator) and holds
label indices ``0 .. k-1`` or :data:`MISSING`. Everything here is a pure function over such a
matrix, or over the records it is built from; nothing imports Flask or the database.

Definitions (DESIGN.md, "Statistics"):

* a *unit* has at least one label; a *pairable* unit has two or more;
* ``percent_agreement``: mean over pairable units of agreeing ordered pairs / all ordered pairs;
* ``krippendorff_alpha``: nominal alpha over pairable units, missing ratings allowed
  (Krippendorff 2011, "Computing Krippendorff's alpha-reliability");
* ``krippendorff_alpha_ci95``: percentile interval of bootstrap resamples of the pairable units
  with a fixed seed. Alpha depends on a unit only through its label-count pattern, so resampling
  units is drawing a multinomial over the few distinct patterns: exact and independent of N;
* ``fleiss_kappa``: over the units with exactly m ratings, m the most common count among
  pairable units (a tie goes to the larger count);
* ``gwet_ac1``: Gwet's AC1 for several raters with missing ratings (Gwet, Handbook of
  Inter-Rater Reliability, 4th ed., ch. 2; irrCAC ``CAC.gwet`` with identity weights): the
  agreement over pairable units, the chance agreement from the label shares of every unit,
  q = the number of labels of the scheme;
* ``cohen_kappa``: for every pair of raters with at least one shared unit;
* per-label alpha: binary (label vs the rest) nominal alpha, derived from the coincidence
  matrix by collapsing the other labels (alpha's coincidences are additive over merged labels);
* per-annotator agreement with the majority *of the others*: over the units the annotator
  labelled where the other annotators have a unique most frequent label (units where the
  others tie are left out), the share where the annotator gave that label; with its n, a 95%
  bootstrap interval over those units and a too-few mark (:mod:`.intervals`).

Undefined values are ``None`` together with a reason, never NaN, and no numpy warning is raised.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import intervals

__all__ = [
    "MISSING",
    "DEFAULT_SEED",
    "build_matrix",
    "label_counts",
    "statistics",
    "matrix_statistics",
    "percent_agreement",
    "krippendorff_alpha",
    "alpha_bootstrap_ci",
    "fleiss_kappa",
    "gwet_ac1",
    "cohen_kappa",
    "coincidence_matrix",
    "per_label_alpha",
]

MISSING = -1
DEFAULT_SEED = 20261125

_NO_PAIRABLE = "no pairable unit (no unit has two or more labels)"
_ONE_LABEL = "only one label occurs on the pairable units, so chance disagreement is zero"


# --------------------------------------------------------------------------- building the matrix


def build_matrix(
    records: Iterable[Sequence[Any]],
    labels: Sequence[Any],
    annotators: Sequence[Any] | None = None,
) -> tuple[np.ndarray, list, list]:
    """Build the units x annotators label matrix from ``(unit_key, annotator, label[, ...])``.

    Units keep the order of their first appearance. With ``annotators`` given, the columns follow
    that order (annotators without records get an empty column) and a record by anyone else is a
    ``ValueError``; otherwise columns follow first appearance. A label outside ``labels`` and two
    records for the same unit and annotator are ``ValueError``.
    """
    M, unit_keys, ann, _, _ = _parse(records, labels, annotators, want_seconds=False)
    return M, unit_keys, ann


def _parse(records, labels, annotators, want_seconds):
    label_index = {lab: i for i, lab in enumerate(labels)}
    if len(label_index) != len(labels):
        raise ValueError("duplicate label in the label scheme")
    recs = records if isinstance(records, (list, tuple)) else list(records)
    unit_index: dict = {}
    ui = [unit_index.setdefault(r[0], len(unit_index)) for r in recs]
    if annotators is None:
        ann_index: dict = {}
        ai = [ann_index.setdefault(r[1], len(ann_index)) for r in recs]
    else:
        ann_index = {a: i for i, a in enumerate(annotators)}
        if len(ann_index) != len(annotators):
            raise ValueError("duplicate annotator in the annotator list")
        try:
            ai = [ann_index[r[1]] for r in recs]
        except KeyError as exc:
            raise ValueError(f"annotator {exc.args[0]!r} is not in the annotator list") from None
    try:
        li = [label_index[r[2]] for r in recs]
    except KeyError as exc:
        raise ValueError(
            f"label {exc.args[0]!r} is not one of the scheme's labels {list(labels)!r}"
        ) from None
    n_units, n_ann = len(unit_index), len(ann_index)
    u = np.array(ui, dtype=np.int64)
    a = np.array(ai, dtype=np.int64)
    M = np.full((n_units, n_ann), MISSING, dtype=np.int64)
    if recs:
        M[u, a] = li
        if int(np.count_nonzero(M >= 0)) != len(recs):
            flat = u * n_ann + a
            uniq, cnt = np.unique(flat, return_counts=True)
            d = int(uniq[np.argmax(cnt > 1)])
            keys = list(unit_index)
            anns = list(ann_index)
            raise ValueError(
                f"two labels for unit {keys[d // n_ann]!r} by annotator {anns[d % n_ann]!r}"
            )
    secs = None
    if want_seconds:
        secs = [r[3] if len(r) > 3 else None for r in recs]
    return M, list(unit_index), list(ann_index), (a, secs), len(recs)


def _check(M: Any, k: int) -> np.ndarray:
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError("the label matrix must be two-dimensional (units x raters)")
    if M.size and not np.issubdtype(M.dtype, np.integer):
        raise ValueError("the label matrix must hold integer label indices")
    k = int(k)
    if k < 1:
        raise ValueError("k (the number of labels) must be at least 1")
    if M.size and (int(M.min()) < MISSING or int(M.max()) >= k):
        raise ValueError(f"label indices must lie in 0..{k - 1} or be MISSING ({MISSING})")
    return M


def label_counts(M: Any, k: int) -> np.ndarray:
    """Units x labels matrix: how many raters gave each label to each unit (int64)."""
    M = _check(M, k)
    return _counts(M, int(k))


def _counts(M: np.ndarray, k: int) -> np.ndarray:
    n = M.shape[0]
    if n == 0 or M.shape[1] == 0:
        return np.zeros((n, k), dtype=np.int64)
    idx = M.astype(np.int64) + (np.arange(n, dtype=np.int64) * k)[:, None]
    idx[M < 0] = n * k  # overflow bin for missing ratings
    return np.bincount(idx.ravel(), minlength=n * k + 1)[: n * k].reshape(n, k)


# ------------------------------------------------------------------------ statistics over counts


def _pairable(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = C.sum(axis=1)
    keep = m >= 2
    return C[keep], m[keep]


def _percent_agreement(C: np.ndarray) -> tuple[float | None, str | None]:
    Cp, m = _pairable(C)
    if len(m) == 0:
        return None, _NO_PAIRABLE
    agree = (Cp * (Cp - 1)).sum(axis=1)
    return float(np.mean(agree / (m * (m - 1)))), None


def _coincidence(C: np.ndarray) -> np.ndarray:
    Cp, m = _pairable(C)
    k = C.shape[1]
    if len(m) == 0:
        return np.zeros((k, k))
    Cf = Cp.astype(np.float64)
    W = Cf / (m - 1)[:, None]
    o = W.T @ Cf
    o[np.diag_indices(k)] -= W.sum(axis=0)
    return o


def _alpha_from(n_c: np.ndarray, trace: float) -> tuple[float | None, str | None]:
    """Nominal alpha from the pairable value counts n_c and the coincidence matrix's trace."""
    n = int(n_c.sum())
    if n == 0:
        return None, _NO_PAIRABLE
    de = n * n - int((n_c.astype(np.int64) ** 2).sum())
    if de == 0:
        return None, _ONE_LABEL
    return float(1.0 - (n - 1) * (n - trace) / de), None


def _alpha(C: np.ndarray) -> tuple[float | None, str | None]:
    Cp, m = _pairable(C)
    if len(m) == 0:
        return None, _NO_PAIRABLE
    trace = float(((Cp * (Cp - 1)).sum(axis=1) / (m - 1)).sum())
    return _alpha_from(Cp.sum(axis=0), trace)


def _resamplable(C: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, str | None]:
    """The pairable units' counts and value totals, and why alpha cannot be resampled (no
    resamples asked for, nothing pairable, one label only), or None."""
    if n <= 0:
        return C, C, "bootstrap disabled"
    Cp, m = _pairable(C)
    if len(m) == 0:
        return Cp, m, _NO_PAIRABLE
    if int(Cp.sum(axis=0).max()) == int(m.sum()):
        return Cp, m, _ONE_LABEL
    return Cp, m, None


def _bootstrap(C: np.ndarray, n: int, seed: int) -> tuple[tuple[float, float] | None, str | None]:
    """Percentile interval of nominal alpha over ``n`` bootstrap resamples of pairable units.

    Alpha is a function of the sums, over units, of (label counts, m, agreeing pairs / (m-1)),
    and all three depend on a unit only through its count pattern. Drawing N units with
    replacement is therefore drawing the pattern frequencies from Multinomial(N, observed
    shares): no row is touched and the cost does not grow with N.
    """
    Cp, m, why = _resamplable(C, n)
    if why:
        return None, why
    pats, freq = _patterns(Cp)
    pm = pats.sum(axis=1)
    ptrace = (pats * (pats - 1)).sum(axis=1) / (pm - 1)
    rng = np.random.default_rng(seed)
    total = int(freq.sum())
    W = rng.multinomial(total, freq / total, size=int(n)).astype(np.float64)  # n x P
    return _resampled_interval(W, pats, pm, ptrace)


def _resampled_interval(W: np.ndarray, n_cg: np.ndarray, tot_g: np.ndarray,
                        trace_g: np.ndarray) -> tuple[tuple[float, float] | None, str | None]:
    """Percentile interval of alpha over resamples given as weights ``W`` (resamples x groups)
    of groups (count patterns, or clusters) with their label totals, value totals and
    agreeing-pair sums."""
    n_c, tot, trace = W @ n_cg, W @ tot_g, W @ trace_g
    de = tot * tot - (n_c * n_c).sum(axis=1)
    ok = de > 0
    if not ok.any():
        return None, "no bootstrap resample has more than one label"
    a = 1.0 - (tot[ok] - 1) * (tot[ok] - trace[ok]) / de[ok]
    lo, hi = np.percentile(a, [2.5, 97.5])
    return (float(lo), float(hi)), None


def _cluster_bootstrap(C: np.ndarray, clusters: np.ndarray, n: int,
                       seed: int) -> tuple[tuple[float, float] | None, str | None]:
    """Percentile interval of nominal alpha over ``n`` resamples of whole clusters (articles):
    the units of one article share an outlet, a topic and a reading session, so they are not
    independent draws, and resampling them one by one makes the interval too narrow.

    As in _bootstrap, alpha depends on units only through three sums; here they are summed
    per cluster first, and a resample draws cluster frequencies from Multinomial(G, 1/G).
    """
    Cp, m, why = _resamplable(C, n)
    if why:
        return None, why
    g = np.unique(np.asarray(clusters)[C.sum(axis=1) >= 2], return_inverse=True)[1]
    G = int(g.max()) + 1
    if G < 2:
        return None, "the pairable units come from one article: no interval across articles"
    ptrace = (Cp * (Cp - 1)).sum(axis=1) / (m - 1)
    n_cg = np.zeros((G, Cp.shape[1]))
    np.add.at(n_cg, g, Cp)
    tot_g, trace_g = np.bincount(g, weights=m, minlength=G), np.bincount(g, weights=ptrace, minlength=G)
    rng = np.random.default_rng(seed)
    W = rng.multinomial(G, np.full(G, 1.0 / G), size=int(n)).astype(np.float64)  # n x G
    return _resampled_interval(W, n_cg, tot_g, trace_g)


def _patterns(Cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a count matrix and how often each occurs (sorted, deterministic)."""
    k = Cp.shape[1]
    base = int(Cp.max()) + 1
    if k * math.log2(max(base, 2)) < 62:
        weights = base ** np.arange(k, dtype=np.int64)
        codes = Cp @ weights
        uniq, first, freq = np.unique(codes, return_index=True, return_counts=True)
        return Cp[first], freq
    pats, freq = np.unique(Cp, axis=0, return_counts=True)
    return pats, freq


def _fleiss(C: np.ndarray) -> tuple[float | None, int, str | None]:
    m = C.sum(axis=1)
    pm = m[m >= 2]
    if len(pm) == 0:
        return None, 0, _NO_PAIRABLE
    bc = np.bincount(pm)
    mstar = int(len(bc) - 1 - np.argmax(bc[::-1]))  # most common count, ties -> larger
    F = C[m == mstar]
    nf = F.shape[0]
    tot = F.sum(axis=0)
    if int(tot.max()) == nf * mstar:
        return None, nf, f"only one label occurs on the {nf} units with {mstar} ratings"
    p_bar = float(((F * (F - 1)).sum(axis=1)).sum()) / (nf * mstar * (mstar - 1))
    p = tot / (nf * mstar)
    pe = float((p * p).sum())
    return (p_bar - pe) / (1.0 - pe), nf, None


def _gwet(C: np.ndarray) -> tuple[float | None, str | None]:
    k = C.shape[1]
    if k < 2:
        return None, "the label scheme has fewer than two labels"
    pa, reason = _percent_agreement(C)
    if pa is None:
        return None, reason
    m = C.sum(axis=1)
    rated = m >= 1
    pi = (C[rated] / m[rated][:, None]).mean(axis=0)
    pe = float((pi * (1.0 - pi)).sum()) / (k - 1)
    return (pa - pe) / (1.0 - pe), None


def _cohen_pair(a: np.ndarray, b: np.ndarray, k: int) -> tuple[int, float | None, str | None]:
    both = (a >= 0) & (b >= 0)
    n = int(np.count_nonzero(both))
    if n == 0:
        return 0, None, "no shared unit"
    tab = np.bincount(a[both] * k + b[both], minlength=k * k).reshape(k, k)
    agree = int(np.trace(tab))
    chance = int(tab.sum(axis=1) @ tab.sum(axis=0))
    den = n * n - chance
    if den == 0:
        return n, None, "both annotators gave one and the same label on all shared units"
    return n, (n * agree - chance) / den, None


def _cohen_interval(a: np.ndarray, b: np.ndarray, k: int, bootstrap: int,
                    seed: int) -> tuple[float, float] | None:
    """The 95% percentile-bootstrap interval of a pair's Cohen's kappa over their shared
    units: a resample is a draw of multinomial weights over the distinct label pairs
    (intervals.resample_weights), so it costs k x k, not n, per resample."""
    both = (a >= 0) & (b >= 0)
    if bootstrap <= 0 or not both.any():
        return None
    cells, counts, _, _ = intervals.patterns(a[both] * k + b[both])
    weights = intervals.resample_weights(counts, bootstrap, seed)
    tab = np.zeros((len(weights), k * k))
    tab[:, cells] = weights
    tab = tab.reshape(-1, k, k)
    n = float(counts.sum())
    agree = np.trace(tab, axis1=1, axis2=2)
    chance = (tab.sum(axis=2) * tab.sum(axis=1)).sum(axis=1)
    den = n * n - chance
    with np.errstate(divide="ignore", invalid="ignore"):
        kappas = np.where(den != 0, (n * agree - chance) / den, np.nan)
    return intervals.percentile_interval(kappas)


def _per_label(C: np.ndarray, o: np.ndarray) -> list[tuple[float | None, str | None]]:
    Cp, _ = _pairable(C)
    n_c = Cp.sum(axis=0)
    n = int(n_c.sum())
    out: list[tuple[float | None, str | None]] = []
    for c in range(C.shape[1]):
        a = int(n_c[c])
        if n == 0:
            out.append((None, _NO_PAIRABLE))
        elif a == 0:
            out.append((None, "the label does not occur on pairable units"))
        elif a == n:
            out.append((None, "the label is the only one on pairable units"))
        else:
            out.append((float(1.0 - (n - 1) * (a - o[c, c]) / (a * (n - a))), None))
    return out


def _unique_top(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: index of the unique most frequent label, and whether it is unique and > 0."""
    top = C.max(axis=1)
    n_top = (C == top[:, None]).sum(axis=1)
    return C.argmax(axis=1), (n_top == 1) & (top > 0)


def _with_majority(M: np.ndarray, C: np.ndarray, r: int) -> tuple[np.ndarray, str | None]:
    """Per unit where the others have a unique majority: 1 where rater r gave it, else 0."""
    col = M[:, r]
    rated = col >= 0
    if not rated.any():
        return np.zeros(0), "no annotations"
    mine = col[rated]
    others = C[rated].copy()
    others[np.arange(len(mine)), mine] -= 1
    lab, unique = _unique_top(others)
    if not unique.any():
        return np.zeros(0), "no shared unit where the other annotators have a unique majority"
    return (lab[unique] == mine[unique]).astype(np.float64), None


# ------------------------------------------------------------------------ public matrix functions


def percent_agreement(M: Any, k: int) -> float | None:
    """Mean over pairable units of agreeing ordered pairs / all ordered pairs."""
    return _percent_agreement(label_counts(M, k))[0]


def krippendorff_alpha(M: Any, k: int) -> float | None:
    """Nominal Krippendorff's alpha with missing ratings (None where undefined)."""
    return _alpha(label_counts(M, k))[0]


def alpha_bootstrap_ci(
    M: Any, k: int, n: int = 1000, seed: int = DEFAULT_SEED
) -> tuple[float, float] | None:
    """95% percentile interval of alpha over ``n`` bootstrap resamples of pairable units."""
    return _bootstrap(label_counts(M, k), n, seed)[0]


def alpha_cluster_bootstrap_ci(
    M: Any, k: int, clusters: Any, n: int = 1000, seed: int = DEFAULT_SEED
) -> tuple[float, float] | None:
    """95% percentile interval of alpha over ``n`` resamples of whole clusters (one integer per
    unit: its article)."""
    return _cluster_bootstrap(label_counts(M, k), np.asarray(clusters), n, seed)[0]


def fleiss_kappa(M: Any, k: int) -> tuple[float | None, int]:
    """Fleiss' kappa over units with the modal rating count; returns (kappa, units used)."""
    value, n_units, _ = _fleiss(label_counts(M, k))
    return value, n_units


def gwet_ac1(M: Any, k: int) -> float | None:
    """Gwet's AC1 for several raters with missing ratings (q = k labels)."""
    return _gwet(label_counts(M, k))[0]


def cohen_kappa(M: Any, i: int, j: int, k: int) -> float | None:
    """Cohen's kappa between raters (columns) i and j over the units both labelled."""
    M = _check(M, k)
    return _cohen_pair(M[:, i], M[:, j], int(k))[1]


def coincidence_matrix(M: Any, k: int) -> np.ndarray:
    """Krippendorff's k x k coincidence matrix over pairable units (float64)."""
    return _coincidence(label_counts(M, k))


def per_label_alpha(M: Any, k: int) -> list[float | None]:
    """Binary (label vs rest) nominal alpha for each label."""
    C = label_counts(M, k)
    return [v for v, _ in _per_label(C, _coincidence(C))]


# ------------------------------------------------------------------------------- the JSON report


def statistics(
    records: Iterable[Sequence[Any]],
    labels: Sequence[Any],
    *,
    seconds: Any = None,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    annotators: Sequence[Any] | None = None,
    min_items: int = intervals.MIN_ITEMS,
    clusters: Mapping[Any, Any] | None = None,
) -> dict:
    """The statistics contract of DESIGN.md, from ``(unit_key, annotator, label[, seconds])``.

    ``clusters`` maps each unit key to its cluster (its article): the headline interval then
    resamples whole clusters (see matrix_statistics).

    ``seconds`` (optional) is either a mapping ``{annotator: [seconds, ...]}`` or a sequence
    parallel to ``records``; otherwise the fourth element of each record is used when present.
    ``None`` seconds are ignored. The result is JSON-safe and carries ``reasons``:
    ``{field: why it is null}`` for every null statistic.
    """
    M, unit_keys, anns, (a_idx, secs), n_rec = _parse(records, labels, annotators, want_seconds=True)
    groups = None
    if clusters is not None:
        codes: dict = {}  # cluster keys numbered in order of first appearance: deterministic
        try:
            groups = np.asarray([codes.setdefault(clusters[u], len(codes)) for u in unit_keys],
                                dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"unit {exc.args[0]!r} has no cluster") from None
    if seconds is None:
        sec_map = _seconds_by_annotator(a_idx, secs, len(anns)) if any(
            s is not None for s in secs
        ) else None
    elif isinstance(seconds, Mapping):
        sec_map = seconds
    else:
        sec_list = list(seconds)
        if len(sec_list) != n_rec:
            raise ValueError("seconds must have one entry per record")
        sec_map = _seconds_by_annotator(a_idx, sec_list, len(anns))
    if isinstance(sec_map, list):
        sec_map = {anns[i]: s for i, s in enumerate(sec_map)}
    return matrix_statistics(M, labels, anns, seconds=sec_map, bootstrap=bootstrap, seed=seed,
                             min_items=min_items, clusters=groups)


def _seconds_by_annotator(a_idx: np.ndarray, secs: list, n_ann: int) -> list[list[float]]:
    out: list[list[float]] = [[] for _ in range(n_ann)]
    for a, s in zip(a_idx.tolist(), secs):
        if s is not None:
            out[a].append(s)
    return out


def _median(values: Any) -> float | None:
    if values is None:
        return None
    arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return None
    return float(np.median(arr))


def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def matrix_statistics(
    M: Any,
    labels: Sequence[Any],
    annotators: Sequence[Any] | None = None,
    *,
    seconds: Mapping[Any, Iterable[float]] | None = None,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    min_items: int = intervals.MIN_ITEMS,
    clusters: np.ndarray | None = None,
) -> dict:
    """The statistics contract from a prepared matrix (columns named by ``annotators``).

    ``clusters`` (an integer per row: its article) makes ``krippendorff_alpha_ci95`` a cluster
    bootstrap over articles where the pairable units come from two or more; ``krippendorff_alpha_ci95_units`` is always the bootstrap over
    units, so the two can be read side by side (``krippendorff_alpha_ci95_over`` says which
    the headline is).

    ``seconds`` maps an annotator to the seconds of their annotations (for the median).
    ``min_items``: an annotator's agreement with the majority resting on fewer units is marked
    too few to judge (``agreement_with_majority_too_few``); ``bootstrap`` resamples give its
    interval as they give alpha's.
    ``annotators`` counts those with at least one annotation; ``annotator_stats`` lists every
    column.
    """
    labels = list(labels)
    k = len(labels)
    M = _check(M, k)
    R = M.shape[1]
    anns = list(annotators) if annotators is not None else list(range(R))
    if len(anns) != R:
        raise ValueError("one annotator name per matrix column is needed")
    C = _counts(M, k)
    m = C.sum(axis=1)
    reasons: dict[str, str] = {}

    def note(field: str, value: Any, reason: str | None) -> Any:
        if value is None:
            reasons[field] = reason or "undefined"
        return value

    pa, why = _percent_agreement(C)
    alpha, why_a = _alpha(C)
    over = "units"
    if alpha is None:
        ci_units, why_units = ci, why_ci = None, why_a
    else:
        ci_units, why_units = ci, why_ci = _bootstrap(C, bootstrap, seed)
        if clusters is not None:  # one article alone: the units' interval is all there is
            by_article = _cluster_bootstrap(C, clusters, bootstrap, seed)
            if by_article[0] is not None:
                (ci, why_ci), over = by_article, "articles"
    fk, f_units, why_f = _fleiss(C)
    ac1, why_g = _gwet(C)
    o = _coincidence(C)
    per = _per_label(C, o)
    label_totals = C.sum(axis=0)

    cohen = []
    for i in range(R):
        for j in range(i + 1, R):
            n, kap, why_c = _cohen_pair(M[:, i], M[:, j], k)
            if n == 0:
                continue
            ci_k = _cohen_interval(M[:, i], M[:, j], k, bootstrap, seed) if kap is not None else None
            cohen.append({"a": anns[i], "b": anns[j], "n": n, "kappa": _f(kap),
                          "kappa_ci95": None if ci_k is None else [ci_k[0], ci_k[1]],
                          "kappa_too_few": n < min_items})
            note(f"cohen_kappa[{anns[i]},{anns[j]}]", kap, why_c)

    ann_stats = []
    for r in range(R):
        col = M[:, r]
        dist = np.bincount(col[col >= 0], minlength=k)
        hits, why_m = _with_majority(M, C, r)
        agree = intervals.figure(hits, min_items, bootstrap, seed)
        med = _median(seconds.get(anns[r]) if seconds is not None else None)
        note(f"annotator_stats[{anns[r]}].agreement_with_majority", agree.value, why_m)
        note(
            f"annotator_stats[{anns[r]}].median_seconds",
            med,
            "no recorded seconds" if seconds is not None else "seconds not provided",
        )
        ann_stats.append(
            {
                "annotator": anns[r],
                "annotations": int(dist.sum()),
                **agree.fields("agreement_with_majority"),
                "label_distribution": {labels[c]: int(dist[c]) for c in range(k)},
                "median_seconds": _f(med),
            }
        )

    per_label = {}
    for c in range(k):
        val, why_l = per[c]
        note(f"per_label[{labels[c]}].alpha", val, why_l)
        per_label[labels[c]] = {"count": int(label_totals[c]), "alpha": _f(val)}

    out = {
        "units": int(np.count_nonzero(m >= 1)),
        "pairable_units": int(np.count_nonzero(m >= 2)),
        "annotations": int(m.sum()),
        "annotators": int(np.count_nonzero((M >= 0).any(axis=0))) if M.size else 0,
        "labels": labels,
        "percent_agreement": _f(note("percent_agreement", pa, why)),
        "krippendorff_alpha": _f(note("krippendorff_alpha", alpha, why_a)),
        "krippendorff_alpha_ci95": (
            [float(ci[0]), float(ci[1])] if note("krippendorff_alpha_ci95", ci, why_ci) else None
        ),
        "krippendorff_alpha_ci95_over": over,
        "krippendorff_alpha_ci95_units": (
            [float(ci_units[0]), float(ci_units[1])]
            if note("krippendorff_alpha_ci95_units", ci_units, why_units) else None
        ),
        "fleiss_kappa": _f(note("fleiss_kappa", fk, why_f)),
        "fleiss_units": int(f_units),
        "gwet_ac1": _f(note("gwet_ac1", ac1, why_g)),
        "cohen_kappa": cohen,
        "per_label": per_label,
        "coincidence": {
            labels[a]: {labels[b]: float(o[a, b]) for b in range(k)} for a in range(k)
        },
        "annotator_stats": ann_stats,
        "reasons": reasons,
    }
    return out
