"""Statistics of task shapes (issue 17 item 2; no Flask import): per-label binary alpha for
multi-label projects, and mean confidence and agreement per confidence level. Documented in
docs/statistics.md. Single-label projects without a confidence scale get none of this, and
their other figures are unchanged."""
from __future__ import annotations

from collections import defaultdict

from ..labels import label_ids
from ..models import Project
from ..projects import settings
from . import agreement

STATISTIC_MULTI = ("per-label binary alpha (label present vs absent per annotator per unit); overall = mean "
                   "of per-label; beside it, alpha over whole label sets with the MASI distance")
STATISTIC_SINGLE = "nominal Krippendorff's alpha"


def _alpha(records: list, values: list) -> float | None:
    if not records:
        return None
    M, _, _ = agreement.build_matrix(records, values)
    return agreement.krippendorff_alpha(M, len(values))


def presence(records: list, label) -> tuple:
    """records: (unit, annotator, [labels chosen]). The units x annotators matrix of one
    label's binary ratings, absent (0) or present (1), of every annotator who labelled the
    unit (agreement.MISSING elsewhere), and its units in the records' order."""
    M, units, _ = agreement.build_matrix([(u, a, label in chosen) for u, a, chosen in records],
                                         [False, True])
    return M, units


def per_label_alpha(records: list, labels: list) -> dict:
    """records: (unit, annotator, [labels chosen]). For each label, nominal alpha over the
    binary ratings present/absent of every annotator who labelled the unit."""
    return {l: agreement.krippendorff_alpha(presence(records, l)[0], 2) if records else None
            for l in labels}


def masi_distance(a: frozenset, b: frozenset) -> float:
    """Passonneau's (2006) MASI distance between two label sets: 1 - Jaccard x monotonicity,
    where monotonicity is 1 for equal sets, 2/3 when one holds the other, 1/3 when they only
    overlap, 0 when they are disjoint."""
    if a == b:
        return 0.0
    common = len(a & b)
    m = 2 / 3 if common == min(len(a), len(b)) else 1 / 3 if common else 0.0
    return 1 - common / len(a | b) * m


def masi_alpha(records: list) -> float | None:
    """Krippendorff's alpha over whole label sets with the MASI distance (records: (unit,
    annotator, [labels chosen])): units with one label set only are not pairable and left
    out; None when fewer than two pairable sets or no expected disagreement. Written here
    because the krippendorff package takes no distance between sets."""
    units = defaultdict(list)
    for u, _a, chosen in records:
        units[u].append(frozenset(chosen))
    units = [sets for sets in units.values() if len(sets) > 1]
    n = sum(len(sets) for sets in units)
    if n < 2:
        return None
    counts = defaultdict(int)
    observed = 0.0
    for sets in units:
        for s in sets:
            counts[s] += 1
        observed += sum(masi_distance(x, y) for i, x in enumerate(sets) for y in sets[i + 1:]) \
            * 2 / (len(sets) - 1)
    kinds = list(counts)
    expected = sum(counts[x] * counts[y] * masi_distance(x, y) for x in kinds for y in kinds)
    if not expected:
        return None
    return 1 - (observed / n) / (expected / (n * (n - 1)))


def _overall(records: list, labels: list, multi: bool) -> float | None:
    if not multi:
        return _alpha([(u, a, chosen[0]) for u, a, chosen in records], labels)
    alphas = [a for a in per_label_alpha(records, labels).values() if a is not None]
    return sum(alphas) / len(alphas) if alphas else None


def shape_stats(project: Project, records: list) -> dict | None:
    """The task-shape section of the statistics: `records` are (sentence id, annotator,
    [labels chosen], confidence) of the labels the headline counts (same filters, control
    items left out). None for a single-label project without a confidence scale."""
    conf = settings(project)
    multi, points = conf["task"] == "multi", conf["confidence"]
    if not multi and not points:
        return None
    labels = label_ids(project.labels)
    sets = [(sid, who, chosen) for sid, who, chosen, _ in records]
    out = {"statistic": STATISTIC_MULTI if multi else STATISTIC_SINGLE}
    if multi:
        per = per_label_alpha(sets, labels)
        done = [a for a in per.values() if a is not None]
        out["per_label_alpha"] = per
        out["alpha"] = sum(done) / len(done) if done else None
        out["masi_alpha"] = masi_alpha(sets)
        counts, by_annotator = defaultdict(int), defaultdict(lambda: dict.fromkeys(labels, 0))
        for _, who, chosen in sets:
            for l in chosen:
                counts[l] += 1
                by_annotator[who][l] += 1
        out["label_counts"] = {l: counts[l] for l in labels}
        out["label_counts_by_annotator"] = dict(by_annotator)
        out["coincidence"] = set_coincidence(sets, labels)
    if points:
        by_user, by_label, by_level = defaultdict(list), defaultdict(list), defaultdict(list)
        for sid, who, chosen, c in records:
            if c is None:
                continue
            by_user[who].append(c)
            for l in chosen:
                by_label[l].append(c)
            by_level[c].append((sid, who, chosen))
        mean = lambda xs: round(sum(xs) / len(xs), 3)
        out["confidence"] = {
            "points": points,
            "mean_by_annotator": {u: {"mean": mean(cs), "n": len(cs)} for u, cs in sorted(by_user.items())},
            "mean_by_label": {l: mean(by_label[l]) for l in labels if by_label[l]},
            # agreement among the labels given at each level (units with two or more of them)
            "alpha_by_level": {str(level): _overall(by_level.get(level, []), labels, multi)
                               for level in range(1, points + 1)},
            "n_by_level": {str(level): len(by_level.get(level, [])) for level in range(1, points + 1)},
        }
    return out


def set_coincidence(records: list, labels: list) -> dict:
    """The coincidence matrix of label sets: every pair of annotators of a unit adds, for each
    label of the one's set and each of the other's, 1 / (m - 1) shared out over the pairs of
    their two sets (m: the unit's annotators), so a unit still adds m in all; with one label
    each it is the single-label coincidence matrix."""
    units = defaultdict(list)
    for u, _who, chosen in records:
        if chosen:
            units[u].append(chosen)
    o = {a: dict.fromkeys(labels, 0.0) for a in labels}
    for sets in units.values():
        m = len(sets)
        if m < 2:
            continue
        for i, x in enumerate(sets):
            for j, y in enumerate(sets):
                if i != j:
                    w = 1 / ((m - 1) * len(x) * len(y))
                    for a in x:
                        for b in y:
                            o[a][b] += w
    return o


# The headline's figures that only a single label per annotator and unit defines.
SINGLE_ONLY = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha_ci95",
               "krippendorff_alpha_ci95_units")


def multi_label_headline(stats: dict, shaped: dict) -> None:
    """A multi-label project's headline in its own statistic: alpha = the mean per-label
    binary alpha, per-label alpha and counts over the label sets, label distributions of
    whole sets, the coincidence matrix of sets; the figures only single labels define are
    left empty, each with its reason (they would read the first label of each set)."""
    why = ("a single-label statistic: this project is multi-label (see the task shape: "
           "per-label alpha and MASI alpha)")
    stats["statistic"] = shaped["statistic"]
    stats["krippendorff_alpha"] = shaped["alpha"]
    for key in SINGLE_ONLY:
        stats[key] = None
        stats["reasons"][key] = why
    stats["cohen_kappa"] = []
    stats["reasons"]["cohen_kappa"] = why
    stats["per_label"] = {l: {"count": n, "alpha": shaped["per_label_alpha"][l]}
                          for l, n in shaped["label_counts"].items()}
    stats["coincidence"] = shaped["coincidence"]
    for a in stats["annotator_stats"]:
        a["label_distribution"] = shaped["label_counts_by_annotator"].get(
            a["annotator"], dict.fromkeys(shaped["label_counts"], 0))
        a["agreement_with_majority"] = a["agreement_with_majority_ci95"] = None
        stats["reasons"]["agreement_with_majority"] = why
