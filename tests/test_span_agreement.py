"""Span agreement per span type (issue 20 item 6): token-level F1 between annotators, checked
against scikit-learn's F1 over the same token decisions."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sqlalchemy import select

from annotator import assign, labelling
from annotator.hints.tokens import token_spans
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review.span_agreement import span_agreement, tokens_in


def _span(text, word, label):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label}


def test_tokens_follow_words_not_characters():
    text = "The ministry said, on Monday, that talks failed."
    assert tokens_in(text, [_span(text, "ministry said, ", "cue")], "cue") == {1, 2}
    assert tokens_in(text, [_span(text, "inistr", "cue")], "cue") == {1}
    assert tokens_in(text, [_span(text, "ministry", "source")], "cue") == set()


def test_f1_matches_scikit_learn_over_every_pair(db, project, make_user):
    people = [make_user(n) for n in ("a", "b", "c")]
    project.overlap = 3
    db.commit()
    rng = np.random.default_rng(5)
    given = {}
    for u in people:
        while (s := assign.next_sentence(db, project, u)) is not None:
            words = [(a, b) for a, b, _ in token_spans(s.text)]
            spans = []
            for label in ("source", "cue"):
                if words and rng.random() < 0.7:
                    i = int(rng.integers(0, len(words)))
                    j = min(len(words) - 1, i + int(rng.integers(0, 3)))
                    spans.append({"start": words[i][0], "end": words[j][1], "label": label})
            labelling.save(db, project, s, u, LabelInput("attributed_claim", spans=spans), held_only=False)
            given.setdefault(s.id, []).append(spans)
    result = span_agreement(db, project, resamples=200)
    texts = dict(db.execute(select(Sentence.id, Sentence.text)).all())
    for span_type in ("source", "cue"):
        y_a, y_b = [], []
        for sid, lists in given.items():
            n = len(token_spans(texts[sid]))
            for x, y in combinations(lists, 2):
                ta, tb = tokens_in(texts[sid], x, span_type), tokens_in(texts[sid], y, span_type)
                y_a += [i in ta for i in range(n)]
                y_b += [i in tb for i in range(n)]
        expected = f1_score(y_a, y_b)
        got = result[span_type]
        assert got["f1"] == pytest.approx(expected)
        lo, hi = got["f1_ci95"]
        assert lo <= got["f1"] <= hi
        assert got["compared"] == len(given)
        # uα over the project, against the independent package on the same spans laid end to
        # end (every sentence here has all three annotators, in the same order).
        coders, offset = [[], [], []], 0
        for sid, lists in sorted(given.items()):
            for c, spans in enumerate(lists):
                coders[c] += [(x["start"] + offset, x["end"] + offset) for x in spans
                              if x["label"] == span_type]
            offset += len(texts[sid])
        assert got["u_alpha"] == pytest.approx(_oracle_u_alpha(offset, coders), abs=1e-9)
        lo, hi = got["u_alpha_ci95"]
        assert lo <= got["u_alpha"] <= hi
    assert result["framing_term"] == {"f1": None, "f1_ci95": None, "u_alpha": None,
                                      "u_alpha_ci95": None, "sentences": 0, "compared": len(given)}


def _oracle_u_alpha(length: int, coders: list[list[tuple[int, int]]]) -> float:
    """uα by the independent krippendorff-unitized-alpha package, on whole partitions."""
    from krippendorff_unitized_alpha.krippendorffs_unitized_alpha import (EMPTY_TAG, KrippendorffUnitizedAlpha,
                                                                           Segment)

    data = {}
    for c, units in enumerate(coders):
        parts, at = [], 0
        for a, b in sorted(units):
            if a > at:
                parts.append(Segment(EMPTY_TAG, at, a))
            parts.append(Segment("span", a, b))
            at = b
        if at < length:
            parts.append(Segment(EMPTY_TAG, at, length))
        data[f"c{c}"] = parts
    return KrippendorffUnitizedAlpha(data).result


def _random_units(rng, length, n_max=4):
    cuts = sorted(set(int(x) for x in rng.integers(0, length + 1, size=2 * int(rng.integers(0, n_max + 1)))))
    return [(a, b) for a, b in zip(cuts[0::2], cuts[1::2]) if b > a]


@pytest.mark.parametrize("seed", range(25))
def test_unitizing_alpha_matches_the_independent_package(seed):
    from annotator.review.span_agreement import u_alpha, unitizing_terms

    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 5))
    # Several sentences coded by the same annotators: one continuum, sentence after sentence.
    lengths = [int(x) for x in rng.integers(20, 90, size=int(rng.integers(1, 5)))]
    coders = [[] for _ in range(m)]
    terms = np.zeros(6)
    offset = 0
    for length in lengths:
        per = [_random_units(rng, length) for _ in range(m)]
        terms += unitizing_terms(length, [[{"start": a, "end": b, "label": "cue"} for a, b in u] for u in per], "cue")
        for c, u in enumerate(per):
            coders[c] += [(a + offset, b + offset) for a, b in u]
        offset += length
    if not any(coders):
        return
    expected = _oracle_u_alpha(offset, coders)
    assert float(u_alpha(terms)[0]) == pytest.approx(expected, abs=1e-9)


def test_unitizing_alpha_is_one_on_identical_spans_and_falls_with_shifted_boundaries():
    from annotator.review.span_agreement import u_alpha, unitizing_terms

    same = [[{"start": 4, "end": 12, "label": "source"}]] * 3
    assert float(u_alpha(unitizing_terms(40, same, "source"))[0]) == pytest.approx(1.0)
    near = [[{"start": 4, "end": 12, "label": "source"}], [{"start": 5, "end": 12, "label": "source"}]]
    far = [[{"start": 4, "end": 12, "label": "source"}], [{"start": 20, "end": 28, "label": "source"}]]
    a_near, a_far = (float(u_alpha(unitizing_terms(40, x, "source"))[0]) for x in (near, far))
    assert 0.5 < a_near < 1.0 and a_far < 0.0
    # Overlapping spans of one annotator count as one unit; other types are ignored.
    split = [[{"start": 4, "end": 9, "label": "source"}, {"start": 7, "end": 12, "label": "source"},
              {"start": 0, "end": 40, "label": "cue"}]] + same[:2]
    assert float(u_alpha(unitizing_terms(40, split, "source"))[0]) == pytest.approx(1.0)
