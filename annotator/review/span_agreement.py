"""Agreement on evidence spans, per span type: token-level F1 between annotators, and
Krippendorff's unitizing alpha (issue 20 item 6; no Flask import).

Two annotators who labelled the same sentence are compared token by token (hints.tokens: the
words of the sentence, so a span that takes in a trailing space or comma still matches): for a
span type, A and B are the tokens each put inside a span of that type. Over every pair of
annotators on every sentence, F1 = sum 2|A & B| / sum (|A| + |B|), the micro F1 of either
annotator taken as the reference for the other (symmetric). Sentences where neither marked
that type add nothing. The 95% interval resamples sentences (a bootstrap of the ratio).

Unitizing alpha (u_alpha) is Krippendorff's uα for one category on a continuum (Krippendorff,
Mathet, Bouvry and Widlöcher, "On the reliability of unitizing textual continua: further
developments", Quality & Quantity 50, 2016): each annotator cuts a sentence (in code points)
into units of the span type and gaps between them. Observed coincidences are the lengths that
two annotators' sections share; expected ones follow from every section's length, a unit of
length l counting l², a gap l (a gap can be split anywhere). Unlike token F1 it weighs exact
boundaries and counts agreement on where nothing is marked. Sentences with different sets of
annotators are pooled as alpha pools units with missing values: each pair within a sentence
weighs 1/(m - 1). No well-kept library computes it (pygamma-agreement's gamma needs numpy 2,
which our test oracles' scipy pin rules out), so it is written here; the tests check it against
the independent krippendorff-unitized-alpha package. Overlapping spans of one annotator and
type are merged first, since uα needs each annotator's units to be disjoint.
"""
from __future__ import annotations

import json
from itertools import combinations

import numpy as np
from sqlalchemy import Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from ..hints.tokens import token_spans
from ..projects import settings
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


def _sections(length: int, spans: list[dict], span_type: str) -> tuple[list, list]:
    """One annotator's units of `span_type` in a text of `length` code points (overlaps
    merged, clipped to the text) and the gaps between them: two lists of (start, end)."""
    marked = sorted((max(0, s["start"]), min(length, s["end"])) for s in spans or []
                    if s.get("label") == span_type and s["start"] < s["end"])
    units: list[list[int]] = []
    for a, b in marked:
        if a >= b:
            continue
        if units and a < units[-1][1]:
            units[-1][1] = max(units[-1][1], b)
        else:
            units.append([a, b])
    gaps, at = [], 0
    for a, b in units:
        if a > at:
            gaps.append((at, a))
        at = b
    if at < length:
        gaps.append((at, length))
    return [tuple(u) for u in units], gaps


def _shared(xs: list, ys: list) -> int:
    """Total length shared by two sorted lists of disjoint (start, end) sections."""
    i = j = total = 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if b > a:
            total += b - a
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return total


def unitizing_terms(length: int, span_lists: list[list[dict]], span_type: str) -> np.ndarray:
    """One sentence's additive terms of uα: [l.. (m x length), observed agreement (the
    coincidence matrix's diagonal), l_unit., l_gap., sum of unit lengths squared, sum of
    gap lengths]."""
    m = len(span_lists)
    cut = [_sections(length, spans, span_type) for spans in span_lists]
    agree = sum(_shared(cut[i][0], cut[j][0]) + _shared(cut[i][1], cut[j][1])
                for i, j in combinations(range(m), 2)) * 2 / (m - 1)
    units = [b - a for u, _ in cut for a, b in u]
    gaps = [b - a for _, g in cut for a, b in g]
    return np.array([m * length, agree, sum(units), sum(gaps), sum(x * x for x in units), sum(gaps)],
                    dtype=np.float64)


def u_alpha(terms: np.ndarray) -> np.ndarray:
    """uα from summed unitizing_terms: one row of sums, or a resamples x 6 matrix of them
    (NaN where there is nothing to disagree about)."""
    total, agree, l_unit, l_gap, sq_unit, sum_gap = np.atleast_2d(terms).T
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_agree = total * (l_unit ** 2 - sq_unit + l_gap ** 2 - sum_gap) / (total ** 2 - sq_unit - sum_gap)
        return 1.0 - (total - agree) / (total - expected_agree)


def span_agreement(session: Session, project: Project, span_types=None,
                   resamples: int = intervals.RESAMPLES, seed: int = intervals.SEED,
                   **filters) -> dict:
    """{span type: {"f1", "f1_ci95", "u_alpha", "u_alpha_ci95", "sentences", "compared"}} over
    the project's body sentences with two or more counted labels (matrix.rows, with the
    dashboard's filters): "compared" counts those, "sentences" those where some annotator
    marked the type; f1 and u_alpha are None where none did.

    Most labels carry no span, so the rows bring each sentence's length and the spans as text
    (parsed only where not empty); a sentence's text is read only where someone marked a span,
    and a sentence where nobody marked a type adds its uα terms without a loop over its
    annotators (each of the m has one gap of the whole length)."""
    types = list(span_types or [t["id"] for t in settings(project)["span_types"]])
    as_text = (cast if session.get_bind().dialect.name == "postgresql" else type_coerce)
    by_sentence: dict[int, list] = {}  # sid -> [length, m, [spans of each annotator]]
    for sid, _, _, length, raw in rows(session, project, func.length(Sentence.text),
                                       as_text(Annotation.spans, Text), **filters):
        entry = by_sentence.setdefault(sid, [length or 0, 0, []])
        entry[1] += 1
        entry[2].append(json.loads(raw) if raw and raw not in ("[]", "null") else [])
    units = [(sid, e) for sid, e in by_sentence.items() if e[1] >= 2]
    texts = _texts(session, [sid for sid, e in units if any(e[2])])
    out = {}
    for span_type in types:
        marked = [(sid, e) for sid, e in units
                  if any(sp.get("label") == span_type for spans in e[2] for sp in spans)]
        counts = np.array([pair_counts(texts[sid], e[2], span_type) for sid, e in marked],
                          dtype=np.float64).reshape(-1, 2)
        n = len(marked)
        f1 = ci = ua = ua_ci = None
        if n:
            both, either = counts.sum(axis=0)
            f1 = float(both / either)
            # uα over every compared sentence: agreeing on "nothing here" counts too
            ids = {sid for sid, _ in marked}
            terms = np.array([unitizing_terms(e[0], e[2], span_type) if sid in ids else
                              e[1] * e[0] * _ALL_GAP for sid, e in units])
            value = float(u_alpha(terms.sum(axis=0))[0])
            ua = value if np.isfinite(value) else None
            if resamples > 0:
                W = intervals.resample_weights(np.ones(n), resamples, seed)
                ci = intervals.percentile_interval((W @ counts[:, 0]) / (W @ counts[:, 1]))
                if ua is not None:
                    ua_ci = intervals.percentile_interval(
                        u_alpha(intervals.resampled_sums(terms, resamples, seed)))
        out[span_type] = {"f1": f1, "f1_ci95": None if ci is None else list(ci),
                          "u_alpha": ua, "u_alpha_ci95": None if ua_ci is None else list(ua_ci),
                          "sentences": n, "compared": len(units)}
    return out


# unitizing_terms of a sentence of length 1 and one annotator where nobody marked the type
# (times m x length): l.., agreement, no units, the gaps' length, no squares, the gaps' sum.
_ALL_GAP = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0])


def _texts(session: Session, ids: list[int], chunk: int = 5000) -> dict[int, str]:
    out: dict[int, str] = {}
    for lo in range(0, len(ids), chunk):
        out.update(session.execute(select(Sentence.id, Sentence.text)
                                   .where(Sentence.id.in_(ids[lo:lo + chunk]))).all())
    return out
