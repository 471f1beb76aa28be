"""Per-annotator figures told honestly: the value, how many items it rests on, a 95%
percentile-bootstrap interval over those items and whether they are too few to judge
(numpy only; no Flask, no database).

Every figure that ranks annotators (agreement with the others' majority, Dawid–Skene accuracy,
control-item accuracy) goes through here, so it is always written with the same four fields:
``NAME``, ``NAME_n``, ``NAME_ci95`` and ``NAME_too_few``, and read out with the same text,
"89.7% (n=30, 95% CI 74–97%)".

Resampling items with replacement only changes how often each *distinct* item occurs, so a
resample is a draw of multinomial weights over the distinct items (values, or rows of labels):
the same distribution as drawing indices, at a cost that does not grow with the number of
items. The seed is fixed, so the same data always gives the same interval.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SEED", "RESAMPLES", "MIN_ITEMS", "TOO_FEW", "Figure", "judged", "figure", "patterns", "resample_weights",
           "percentile_interval", "describe", "describe_field"]

SEED = 20261204
RESAMPLES = 1000
MIN_ITEMS = 30  # the default of the project setting `min_items_per_annotator`
TOO_FEW = "too few to judge"


@dataclass(frozen=True)
class Figure:
    """A per-annotator figure: ``value`` (None where undefined), the ``n`` items behind it, the
    95% interval (None where undefined) and whether ``n`` is below the project's minimum."""

    value: float | None
    n: int
    ci95: tuple[float, float] | None
    too_few: bool

    def fields(self, name: str) -> dict:
        """The figure as JSON fields named after it: NAME, NAME_n, NAME_ci95, NAME_too_few."""
        return {name: self.value, f"{name}_n": self.n,
                f"{name}_ci95": None if self.ci95 is None else [self.ci95[0], self.ci95[1]],
                f"{name}_too_few": self.too_few}


def judged(value: float | None, n: int, ci95, min_items: int) -> Figure:
    """A figure resting on ``n`` items, too few to judge below ``min_items``."""
    return Figure(value, int(n), None if ci95 is None else (float(ci95[0]), float(ci95[1])),
                  n < min_items)


def patterns(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows (or values) of ``rows``, sorted: how often each occurs, the index of its
    first occurrence, and for every row the index of its distinct row. (A stable lexsort of
    the columns: ``np.unique(axis=0)`` sorts rows as opaque bytes, many times slower.)"""
    rows = np.asarray(rows)
    table = rows if rows.ndim > 1 else rows[:, None]
    if len(table) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return rows[:0], empty, empty, empty
    order = np.lexsort(table.T[::-1])  # the first column is the primary key
    ranked = table[order]
    new = np.r_[True, (ranked[1:] != ranked[:-1]).any(axis=1)]
    starts = np.flatnonzero(new)
    inverse = np.empty(len(table), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    distinct = ranked[starts] if rows.ndim > 1 else ranked[starts, 0]
    return distinct, np.diff(np.r_[starts, len(table)]), order[starts], inverse


def resample_weights(counts, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``resamples`` x distinct items: how often each distinct item occurs in a bootstrap
    resample of all ``counts.sum()`` items (Multinomial(n, counts / n))."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, counts / n, size=int(resamples))


def resampled_sums(values, resamples: int = RESAMPLES, seed: int = SEED,
                   chunk: int = 4096) -> np.ndarray:
    """``resamples`` x k: the column sums of ``values`` (n x k) over bootstrap resamples of its
    n rows. Exactly Multinomial(n, 1/n each) weights, drawn a chunk of rows at a time (each
    chunk's share of every resample by a binomial draw, then spread within the chunk), so
    memory stays ``resamples`` x ``chunk`` however many rows there are."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    rng = np.random.default_rng(seed)
    out = np.zeros((int(resamples), values.shape[1]))
    left = np.full(int(resamples), n, dtype=np.int64)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        take = rng.binomial(left, (hi - lo) / (n - lo)) if hi < n else left
        out += rng.multinomial(take, np.full(hi - lo, 1.0 / (hi - lo))) @ values[lo:hi]
        left = left - take
    return out


Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for a share of `n` (95% by default): unlike the plain normal
    interval it stays inside [0, 1] and is sound for shares near 0 or 1 and small n."""
    if n <= 0:
        return None
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def percentile_interval(estimates) -> tuple[float, float] | None:
    """2.5th and 97.5th percentiles of bootstrap estimates; undefined ones (NaN) are left out."""
    est = np.asarray(estimates, dtype=np.float64)
    est = est[np.isfinite(est)]
    if est.size == 0:
        return None
    lo, hi = np.percentile(est, [2.5, 97.5])
    return float(lo), float(hi)


def figure(values, min_items: int = MIN_ITEMS, resamples: int = RESAMPLES, seed: int = SEED) -> Figure:
    """The mean of per-item ``values`` (1 right, 0 wrong: a share) with its n, the 95%
    percentile interval of the mean over ``resamples`` bootstrap resamples of the items, and
    whether n is below ``min_items``. No items: value and interval None."""
    vals = np.asarray(values, dtype=np.float64).ravel()
    n = int(vals.size)
    if n == 0:
        return judged(None, 0, None, min_items)
    ci = None
    if resamples > 0:
        distinct, counts, _, _ = patterns(vals)
        ci = percentile_interval(resample_weights(counts, resamples, seed) @ distinct / n)
    return judged(float(vals.mean()), n, ci, min_items)


def describe(value: float | None, n: int, ci95, too_few: bool = False) -> str:
    """A share for people: "89.7% (n=30, 95% CI 74–97%)", "–" when undefined, with
    "; too few to judge" inside the brackets when n is below the project's minimum."""
    if value is None:
        return f"– (n={n}; {TOO_FEW})" if too_few else f"– (n={n})"
    parts = f"{value * 100:.1f}% (n={n}"
    if ci95 is not None:
        parts += f", 95% CI {ci95[0] * 100:.0f}–{ci95[1] * 100:.0f}%"
    return parts + (f"; {TOO_FEW})" if too_few else ")")


def describe_field(entry: dict, name: str) -> str:
    """``describe`` of the figure NAME in a dict of :meth:`Figure.fields`."""
    return describe(entry[name], entry[f"{name}_n"], entry[f"{name}_ci95"],
                    entry[f"{name}_too_few"])
